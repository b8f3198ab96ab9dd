// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {IRoflErrors} from "../contracts/interfaces/IRoflErrors.sol";
import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";

import {IRoflAppAdmin} from "../contracts/interfaces/IRoflAppAdmin.sol";
import {
    AppLocks,
    FLOOR_MAX_EXPIRATION,
    FLOOR_MIN_TCB_EVALUATION_DATA_NUMBER,
    FLOOR_TDX_MODULES,
    IRoflLocks
} from "../contracts/interfaces/IRoflLocks.sol";
import {QuotePolicy, TdxModule} from "../contracts/types/RoflTypes.sol";
import {RoflAppAdminBase} from "./utils/RoflAppAdminBase.sol";

/// @title One-way locks: locked keys and secrets never change, floors only tighten, nothing unlocks
contract RoflLocksTest is RoflAppAdminBase {
    bytes21 internal app;

    function setUp() public override {
        super.setUp();
        app = _create(_defaultPolicy(), _metadata("env.MODE", "safe"));
    }

    function _quotes() internal view returns (QuotePolicy memory) {
        return rofl.getApp(app).policy.quotes;
    }

    function _module(bytes memory mrSeam, bytes1 signer) internal pure returns (TdxModule memory) {
        return TdxModule(mrSeam, _repeat(signer, 48));
    }

    function _modules(TdxModule memory a) internal pure returns (TdxModule[] memory list) {
        list = new TdxModule[](1);
        list[0] = a;
    }

    // -------------------------------------------------------------------------------------------
    // Metadata and secrets
    // -------------------------------------------------------------------------------------------

    function test_LockedMetadataKeyCanNeitherChangeNorGo() public {
        uint64 version = rofl.version(app);
        vm.expectEmit(address(rofl));
        emit IRoflLocks.MetadataKeyLocked(app, "env.MODE", true);
        vm.recordLogs();
        vm.prank(owner);
        rofl.lockMetadata(app, version, "env.MODE");
        // A lock changes no module config: no update, no new version.
        assertEq(_countConfigUpdates(vm.getRecordedLogs()), 0, "no update");
        assertEq(rofl.version(app), version, "version");

        vm.startPrank(owner);
        vm.expectRevert(abi.encodeWithSelector(IRoflErrors.MetadataKeyIsLocked.selector, app, "env.MODE"));
        rofl.setMetadata(app, 0, "env.MODE", "unsafe");
        // Not even to the same value.
        vm.expectRevert(abi.encodeWithSelector(IRoflErrors.MetadataKeyIsLocked.selector, app, "env.MODE"));
        rofl.setMetadata(app, 0, "env.MODE", "safe");
        vm.expectRevert(abi.encodeWithSelector(IRoflErrors.MetadataKeyIsLocked.selector, app, "env.MODE"));
        rofl.deleteMetadata(app, 0, "env.MODE");
        vm.expectRevert(abi.encodeWithSelector(IRoflErrors.MetadataKeyAlreadyLocked.selector, app, "env.MODE"));
        rofl.lockMetadata(app, 0, "env.MODE");
        // Other keys stay free.
        rofl.setMetadata(app, 0, "env.OTHER", "x");
        vm.stopPrank();

        AppLocks memory locks = rofl.locks(app);
        assertEq(locks.metadataKeys.length, 1);
        assertEq(locks.metadataKeys[0], "env.MODE");
        assertEq(rofl.getApp(app).metadata.length, 2);
        _assertInSync(app);
    }

    function test_AbsentKeyIsSetOnceThenLocked() public {
        vm.startPrank(owner);
        vm.expectEmit(address(rofl));
        emit IRoflLocks.MetadataKeyLocked(app, "net.oasis.rofl.license", false);
        rofl.lockMetadata(app, 0, "net.oasis.rofl.license");
        // Absent: deleting is refused (it is locked), setting works once.
        vm.expectRevert(abi.encodeWithSelector(IRoflErrors.MetadataKeyIsLocked.selector, app, "net.oasis.rofl.license"));
        rofl.deleteMetadata(app, 0, "net.oasis.rofl.license");
        rofl.setMetadata(app, 0, "net.oasis.rofl.license", "Apache-2.0");
        vm.expectRevert(abi.encodeWithSelector(IRoflErrors.MetadataKeyIsLocked.selector, app, "net.oasis.rofl.license"));
        rofl.setMetadata(app, 0, "net.oasis.rofl.license", "MIT");
        vm.stopPrank();
        _assertInSync(app);
    }

    function test_LockedSecretCanNeitherChangeNorGo() public {
        vm.startPrank(owner);
        rofl.setSecret(app, 0, "API_KEY", hex"01");
        vm.expectEmit(address(rofl));
        emit IRoflLocks.SecretNameLocked(app, "API_KEY", true);
        rofl.lockSecret(app, 0, "API_KEY");
        vm.expectRevert(abi.encodeWithSelector(IRoflErrors.SecretIsLocked.selector, app, "API_KEY"));
        rofl.setSecret(app, 0, "API_KEY", hex"02");
        vm.expectRevert(abi.encodeWithSelector(IRoflErrors.SecretIsLocked.selector, app, "API_KEY"));
        rofl.deleteSecret(app, 0, "API_KEY");
        vm.expectRevert(abi.encodeWithSelector(IRoflErrors.SecretAlreadyLocked.selector, app, "API_KEY"));
        rofl.lockSecret(app, 0, "API_KEY");
        // Set-once secret.
        rofl.lockSecret(app, 0, "DB_PASSWORD");
        rofl.setSecret(app, 0, "DB_PASSWORD", hex"03");
        vm.expectRevert(abi.encodeWithSelector(IRoflErrors.SecretIsLocked.selector, app, "DB_PASSWORD"));
        rofl.setSecret(app, 0, "DB_PASSWORD", hex"04");
        vm.stopPrank();
        AppLocks memory locks = rofl.locks(app);
        assertEq(locks.secretNames.length, 2);
        _assertInSync(app);
    }

    /// @dev A batch that sets a value and locks it is "set, then fixed"; a batch that would break
    /// a lock reverts whole, earlier changes included.
    function test_BatchSetsAndLocksOrRevertsWhole() public {
        uint64 version = rofl.version(app);
        bytes[] memory calls = new bytes[](2);
        calls[0] = abi.encodeCall(IRoflAppAdmin.setMetadata, (app, version, "env.FEED", "https://a"));
        calls[1] = abi.encodeCall(IRoflLocks.lockMetadata, (app, version, "env.FEED"));
        vm.prank(owner);
        rofl.multicall(calls);
        assertEq(rofl.version(app), version + 1, "one update");

        calls[0] = abi.encodeCall(IRoflAppAdmin.setMetadata, (app, 0, "env.OTHER", "1"));
        calls[1] = abi.encodeCall(IRoflAppAdmin.setMetadata, (app, 0, "env.FEED", "https://b"));
        vm.prank(owner);
        vm.expectRevert(abi.encodeWithSelector(IRoflErrors.MetadataKeyIsLocked.selector, app, "env.FEED"));
        rofl.multicall(calls);
        assertEq(rofl.getApp(app).metadata.length, 2, "nothing of the batch applied");
        _assertInSync(app);
    }

    function test_LocksAreOwnerOnlyAndVersionChecked() public {
        vm.prank(stranger);
        vm.expectRevert(abi.encodeWithSelector(Ownable.OwnableUnauthorizedAccount.selector, stranger));
        rofl.lockMetadata(app, 0, "env.MODE");
        uint64 stale = rofl.version(app) + 1;
        vm.prank(owner);
        vm.expectRevert(abi.encodeWithSelector(IRoflErrors.StaleVersion.selector, app, stale, stale - 1));
        rofl.lockSecret(app, stale, "X");
        vm.prank(owner);
        vm.expectRevert(IRoflErrors.EmptyEntryKey.selector);
        rofl.lockMetadata(app, 0, "");
    }

    function test_AppWithLocksCannotBeHandedOver() public {
        vm.startPrank(owner);
        rofl.lockFloors(app, 0, FLOOR_MAX_EXPIRATION);
        vm.expectRevert(abi.encodeWithSelector(IRoflErrors.AppHasLocks.selector, app));
        rofl.transferRoflAdmin(app, 0, bytes21(uint168(0xbeef)));
        // Giving the app up for good stays possible: then nobody changes anything.
        rofl.renounceRoflAdmin(app, 0);
        vm.stopPrank();
        assertFalse(rofl.isManaged(app));
    }

    // -------------------------------------------------------------------------------------------
    // Floors
    // -------------------------------------------------------------------------------------------

    function test_MaxExpirationOnlyGoesDown() public {
        vm.startPrank(owner);
        vm.expectEmit(address(rofl));
        emit IRoflLocks.FloorsLocked(app, FLOOR_MAX_EXPIRATION, FLOOR_MAX_EXPIRATION);
        rofl.lockFloors(app, 0, FLOOR_MAX_EXPIRATION);
        vm.expectRevert(abi.encodeWithSelector(IRoflErrors.MaxExpirationLocked.selector, app, 4, 3));
        rofl.setMaxExpiration(app, 0, 4);
        rofl.setMaxExpiration(app, 0, 3);
        rofl.setMaxExpiration(app, 0, 2);
        vm.expectRevert(abi.encodeWithSelector(IRoflErrors.MaxExpirationLocked.selector, app, 3, 2));
        rofl.setMaxExpiration(app, 0, 3);
        vm.expectRevert(abi.encodeWithSelector(IRoflErrors.FloorAlreadyLocked.selector, app, FLOOR_MAX_EXPIRATION));
        rofl.lockFloors(app, 0, FLOOR_MAX_EXPIRATION | FLOOR_TDX_MODULES);
        vm.expectRevert(abi.encodeWithSelector(IRoflErrors.InvalidFloors.selector, uint8(8)));
        rofl.lockFloors(app, 0, 8);
        vm.expectRevert(abi.encodeWithSelector(IRoflErrors.InvalidFloors.selector, uint8(0)));
        rofl.lockFloors(app, 0, 0);
        vm.stopPrank();
        assertEq(rofl.locks(app).floors, FLOOR_MAX_EXPIRATION);
    }

    function test_MinTcbEvaluationDataNumberOnlyGoesUp() public {
        vm.startPrank(owner);
        rofl.lockFloors(app, 0, FLOOR_MIN_TCB_EVALUATION_DATA_NUMBER);
        QuotePolicy memory quotes = _quotes();
        quotes.pcs.minTcbEvaluationDataNumber = 17;
        vm.expectRevert(
            abi.encodeWithSelector(IRoflErrors.MinTcbEvaluationDataNumberLocked.selector, app, uint32(17), uint32(18))
        );
        rofl.setQuotePolicy(app, 0, quotes);
        quotes.pcs.minTcbEvaluationDataNumber = 19;
        rofl.setQuotePolicy(app, 0, quotes);
        // Dropping PCS would drop the number to nothing (0).
        quotes.pcsPresent = false;
        vm.expectRevert(
            abi.encodeWithSelector(IRoflErrors.MinTcbEvaluationDataNumberLocked.selector, app, uint32(0), uint32(19))
        );
        rofl.setQuotePolicy(app, 0, quotes);
        vm.stopPrank();
        assertEq(_quotes().pcs.minTcbEvaluationDataNumber, 19);
        _assertInSync(app);
    }

    function test_TdxModulesOnlyShrink() public {
        TdxModule memory seamA = _module(_repeat(0xaa, 48), 0x00);
        TdxModule memory anySeam = _module("", 0x00);
        TdxModule memory otherSigner = _module(_repeat(0xaa, 48), 0x01);
        vm.startPrank(owner);
        rofl.lockFloors(app, 0, FLOOR_TDX_MODULES);
        QuotePolicy memory quotes = _quotes();
        // Any Intel module → any measurement of Intel's signer → one measurement.
        quotes.pcs.allowedTdxModules = _modules(anySeam);
        rofl.setQuotePolicy(app, 0, quotes);
        quotes.pcs.allowedTdxModules = _modules(otherSigner);
        vm.expectRevert(abi.encodeWithSelector(IRoflErrors.TdxModulesLocked.selector, app));
        rofl.setQuotePolicy(app, 0, quotes);
        quotes.pcs.allowedTdxModules = _modules(seamA);
        rofl.setQuotePolicy(app, 0, quotes);
        // Back to a wider list, or to any module: refused.
        quotes.pcs.allowedTdxModules = _modules(anySeam);
        vm.expectRevert(abi.encodeWithSelector(IRoflErrors.TdxModulesLocked.selector, app));
        rofl.setQuotePolicy(app, 0, quotes);
        quotes.pcs.allowedTdxModules = new TdxModule[](0);
        vm.expectRevert(abi.encodeWithSelector(IRoflErrors.TdxModulesLocked.selector, app));
        rofl.setQuotePolicy(app, 0, quotes);
        // No TDX at all is the smallest set, and stays so.
        quotes.pcs.tdxAllowed = false;
        rofl.setQuotePolicy(app, 0, quotes);
        quotes.pcs.tdxAllowed = true;
        quotes.pcs.allowedTdxModules = _modules(seamA);
        vm.expectRevert(abi.encodeWithSelector(IRoflErrors.TdxModulesLocked.selector, app));
        rofl.setQuotePolicy(app, 0, quotes);
        vm.stopPrank();
        assertFalse(_quotes().pcs.tdxAllowed);
        _assertInSync(app);
    }

    function test_LockViewOfUnknownAppReverts() public {
        vm.expectRevert(abi.encodeWithSelector(IRoflErrors.UnknownApp.selector, bytes21(uint168(1))));
        rofl.locks(bytes21(uint168(1)));
    }
}
