// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {IRoflErrors} from "../contracts/interfaces/IRoflErrors.sol";
import {Vm} from "forge-std/Vm.sol";
import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";

import {IRoflAppAdmin} from "../contracts/interfaces/IRoflAppAdmin.sol";
import {IRoflReleaseGovernance} from "../contracts/interfaces/IRoflReleaseGovernance.sol";
import {OasisIds} from "../contracts/libraries/OasisIds.sol";
import {RoflCbor} from "../contracts/libraries/RoflCbor.sol";
import {RoflAppAdmin} from "../contracts/rofl/RoflAppAdmin.sol";
import {RoflModuleStandIn} from "../contracts/testing/RoflModuleStandIn.sol";
import {
    AppPolicy,
    EnclaveIdentity,
    EndorsementNode,
    FeePolicy,
    MetadataEntry,
    QuotePolicy,
    SecretEntry
} from "../contracts/types/RoflTypes.sol";
import {EnclaveRelease, IdentityInfo, IdentityStatus, ReleaseRecord} from "../contracts/types/RoflReleaseTypes.sol";
import {RoflAppAdminBase} from "./utils/RoflAppAdminBase.sol";

/// @dev A governance account (think Safe) whose plain-transfer hook asks a guardian contract to
/// act: the only way a guardian call can run while the owner's batch is open.
contract HookedOwner {
    RoflAppAdmin internal target;
    GuardianBot internal bot;
    bytes internal lastRevert;

    function set(RoflAppAdmin target_, GuardianBot bot_) external {
        (target, bot) = (target_, bot_);
    }

    function accept() external {
        target.acceptOwnership();
    }

    function run(bytes[] calldata calls) external {
        target.multicall(calls);
    }

    function revertData() external view returns (bytes memory) {
        return lastRevert;
    }

    receive() external payable {
        try bot.strike() {}
        catch (bytes memory reason) {
            lastRevert = reason;
        }
    }
}

/// @dev A guardian contract that freezes its app when poked.
contract GuardianBot {
    RoflAppAdmin internal immutable target;
    bytes21 internal immutable app;

    constructor(RoflAppAdmin target_, bytes21 app_) {
        (target, app) = (target_, app_);
    }

    function strike() external {
        target.freeze(app, 0);
    }
}

/// @title Unit tests of release provenance, grace periods and the revoke-only guardian
contract RoflReleaseGovernanceTest is RoflAppAdminBase {
    bytes21 internal appId;
    address internal guardian = makeAddr("guardian");
    uint64 internal constant DAY = 1 days;

    function setUp() public override {
        super.setUp();
        // Two identities, as a TDX build gives (QEMU v0/v1).
        AppPolicy memory policy = _defaultPolicy();
        policy.enclaves = _enclaves(2);
        appId = _create(policy, _noMetadata());
        vm.prank(owner);
        rofl.setGuardian(appId, guardian);
        vm.warp(1_700_000_000);
    }

    // -------------------------------------------------------------------------------------------
    // Helpers
    // -------------------------------------------------------------------------------------------

    function _record(uint256 n) internal pure returns (ReleaseRecord memory) {
        return ReleaseRecord({
            version: string(abi.encodePacked("1.", bytes1(uint8(48 + n % 10)), ".0")),
            repository: "https://github.com/example/demo-app",
            gitCommit: bytes20(keccak256(abi.encode("commit", n))),
            bundleHash: keccak256(abi.encode("bundle", n)),
            manifestHash: keccak256(abi.encode("rofl.yaml", n)),
            notes: "audited build"
        });
    }

    function _ids(EnclaveIdentity memory a) internal pure returns (EnclaveIdentity[] memory list) {
        list = new EnclaveIdentity[](1);
        list[0] = a;
    }

    function _ids(EnclaveIdentity memory a, EnclaveIdentity memory b)
        internal
        pure
        returns (EnclaveIdentity[] memory list)
    {
        list = new EnclaveIdentity[](2);
        (list[0], list[1]) = (a, b);
    }

    function _none() internal pure returns (EnclaveIdentity[] memory) {
        return new EnclaveIdentity[](0);
    }

    function _addRelease(
        EnclaveIdentity[] memory identities,
        uint256 n,
        EnclaveIdentity[] memory retire,
        uint64 graceUntil
    ) internal returns (uint32) {
        ReleaseRecord memory record = _record(n);
        vm.prank(owner);
        return rofl.addRelease(appId, 0, identities, record, retire, graceUntil);
    }

    function _assertRecord(ReleaseRecord memory a, ReleaseRecord memory b) internal pure {
        assertEq(a.version, b.version, "version");
        assertEq(a.repository, b.repository, "repository");
        assertEq(a.gitCommit, b.gitCommit, "gitCommit");
        assertEq(a.bundleHash, b.bundleHash, "bundleHash");
        assertEq(a.manifestHash, b.manifestHash, "manifestHash");
        assertEq(a.notes, b.notes, "notes");
    }

    function _status(EnclaveIdentity memory identity) internal view returns (IdentityStatus) {
        return rofl.identityInfo(appId, identity).status;
    }

    function _registerInstance(address instance, EnclaveIdentity memory identity) internal {
        standIn.registerInstance(appId, instance, identity.mrEnclave, identity.mrSigner, standIn.currentEpoch() + 3);
    }

    // -------------------------------------------------------------------------------------------
    // addRelease
    // -------------------------------------------------------------------------------------------

    function test_AddRelease_RecordsProvenance() public {
        EnclaveIdentity[] memory added = _ids(_identity(10), _identity(11));
        vm.expectEmit(true, true, false, true, address(rofl));
        emit IRoflReleaseGovernance.ReleaseAdded(appId, 1, added, _record(1));
        vm.recordLogs();
        uint32 releaseId = _addRelease(added, 1, _none(), 0);
        assertEq(_countConfigUpdates(vm.getRecordedLogs()), 1, "one update");

        assertEq(releaseId, 1);
        assertEq(rofl.version(appId), 2);
        assertEq(rofl.getApp(appId).policy.enclaves.length, 4);
        _assertInSync(appId);

        (uint32 id, ReleaseRecord memory record) = rofl.releaseOf(appId, _identity(11));
        assertEq(id, 1);
        _assertRecord(record, _record(1));
        ReleaseRecord[] memory all = rofl.releases(appId);
        assertEq(all.length, 1);
        _assertRecord(all[0], _record(1));

        // Identities from createApp carry no record.
        (id, record) = rofl.releaseOf(appId, _identity(0));
        assertEq(id, 0);
        assertEq(record.gitCommit, bytes20(0));
        assertEq(uint256(_status(_identity(10))), uint256(IdentityStatus.Allowed));

        EnclaveRelease[] memory list = rofl.enclaveReleases(appId);
        assertEq(list.length, 4);
        assertEq(list[2].identity.mrEnclave, _identity(10).mrEnclave);
        assertEq(list[2].releaseId, 1);
        assertEq(list[0].releaseId, 0);
        assertEq(list[3].retireAt, 0);
    }

    function test_AddRelease_RetireAtOnce_OneUpdate() public {
        vm.recordLogs();
        _addRelease(_ids(_identity(10), _identity(11)), 1, _ids(_identity(0), _identity(1)), 0);
        assertEq(_countConfigUpdates(vm.getRecordedLogs()), 1, "one update");
        EnclaveIdentity[] memory enclaves = rofl.getApp(appId).policy.enclaves;
        assertEq(enclaves.length, 2);
        assertEq(uint256(_status(_identity(0))), uint256(IdentityStatus.NotAllowed));
        assertEq(uint256(_status(_identity(11))), uint256(IdentityStatus.Allowed));
        _assertInSync(appId);
    }

    function test_AddRelease_GracePeriodThenPrune() public {
        uint64 deadline = uint64(block.timestamp) + 7 * DAY;
        vm.expectEmit(true, false, false, true, address(rofl));
        emit IRoflReleaseGovernance.RetirementScheduled(appId, _identity(0).mrEnclave, _identity(0).mrSigner, deadline);
        _addRelease(_ids(_identity(10)), 1, _ids(_identity(0), _identity(1)), deadline);

        // Old identities still allowed, with their deadline on show.
        assertEq(rofl.getApp(appId).policy.enclaves.length, 3);
        IdentityInfo memory info = rofl.identityInfo(appId, _identity(1));
        assertEq(uint256(info.status), uint256(IdentityStatus.Retiring));
        assertEq(info.retireAt, deadline);
        EnclaveRelease[] memory list = rofl.enclaveReleases(appId);
        assertEq(list[0].retireAt, deadline);
        assertEq(list[2].retireAt, 0);
        assertEq(rofl.expiredEnclaves(appId).length, 0);

        // Not yet: nothing to prune, even a second before.
        vm.warp(deadline - 1);
        vm.expectRevert(abi.encodeWithSelector(IRoflErrors.NothingToPrune.selector, appId));
        vm.prank(stranger);
        rofl.prune(appId);

        // At the deadline anyone prunes both, in one update.
        vm.warp(deadline);
        assertEq(rofl.expiredEnclaves(appId).length, 2);
        uint64 v = rofl.version(appId);
        vm.expectEmit(true, true, false, true, address(rofl));
        emit IRoflReleaseGovernance.EnclavesPruned(appId, stranger, 2);
        vm.recordLogs();
        vm.prank(stranger);
        assertEq(rofl.prune(appId), 2);
        assertEq(_countConfigUpdates(vm.getRecordedLogs()), 1, "one update");
        assertEq(rofl.version(appId), v + 1);

        EnclaveIdentity[] memory enclaves = rofl.getApp(appId).policy.enclaves;
        assertEq(enclaves.length, 1);
        assertEq(enclaves[0].mrEnclave, _identity(10).mrEnclave);
        info = rofl.identityInfo(appId, _identity(0));
        assertEq(uint256(info.status), uint256(IdentityStatus.NotAllowed));
        assertEq(info.retireAt, 0);
        _assertInSync(appId);
    }

    function test_AddRelease_InBatchWithMetadata_OneUpdate() public {
        bytes[] memory calls = new bytes[](2);
        calls[0] = abi.encodeCall(
            IRoflReleaseGovernance.addRelease, (appId, 1, _ids(_identity(10)), _record(1), _ids(_identity(0)), 0)
        );
        calls[1] = abi.encodeCall(IRoflAppAdmin.setMetadata, (appId, 1, "net.oasis.rofl.version", "1.1.0"));
        vm.recordLogs();
        vm.prank(owner);
        rofl.multicall(calls);
        assertEq(_countConfigUpdates(vm.getRecordedLogs()), 1);
        assertEq(rofl.version(appId), 2);
        _assertInSync(appId);
    }

    function test_AddRelease_FullPolicyRotates() public {
        AppPolicy memory policy = _defaultPolicy();
        policy.enclaves = _enclaves(64);
        appId = _create(policy, _noMetadata());
        _addRelease(_ids(_identity(100)), 1, _ids(_identity(5)), 0);
        assertEq(rofl.getApp(appId).policy.enclaves.length, 64);
        _assertInSync(appId);

        vm.expectRevert(abi.encodeWithSelector(IRoflErrors.TooManyEnclaves.selector, 65, 64));
        _addRelease(_ids(_identity(101)), 2, _none(), 0);
        vm.expectRevert(abi.encodeWithSelector(IRoflErrors.TooManyEnclaves.selector, 65, 64));
        _addRelease(_ids(_identity(101)), 2, _ids(_identity(6)), uint64(block.timestamp + 1));
    }

    /// @dev A release may replace all 64 identities at once (128 allowed in the middle of it);
    /// one more new identity than that is refused before anything is stored.
    function test_AddRelease_ReplacesAFullPolicyAtOnce() public {
        AppPolicy memory policy = _defaultPolicy();
        policy.enclaves = _enclaves(64);
        appId = _create(policy, _noMetadata());
        EnclaveIdentity[] memory next = new EnclaveIdentity[](64);
        for (uint256 i; i < 64; ++i) {
            next[i] = _identity(1000 + i);
        }
        _addRelease(next, 1, policy.enclaves, 0);
        EnclaveIdentity[] memory allowed = rofl.getApp(appId).policy.enclaves;
        assertEq(allowed.length, 64);
        for (uint256 i; i < 64; ++i) {
            assertEq(rofl.identityInfo(appId, next[i]).releaseId, 1);
            assertEq(uint8(rofl.identityInfo(appId, policy.enclaves[i]).status), uint8(IdentityStatus.NotAllowed));
        }
        _assertInSync(appId);

        EnclaveIdentity[] memory tooMany = new EnclaveIdentity[](65);
        for (uint256 i; i < 65; ++i) {
            tooMany[i] = _identity(2000 + i);
        }
        vm.expectRevert(abi.encodeWithSelector(IRoflErrors.TooManyEnclaves.selector, 129, 64));
        _addRelease(tooMany, 2, next, 0);
        assertEq(rofl.version(appId), 2);
    }

    function test_AddRelease_ReaddedIdentityPointsAtLatestRelease() public {
        _addRelease(_ids(_identity(10)), 1, _none(), 0);
        vm.prank(owner);
        rofl.removeEnclave(appId, 0, _identity(10));
        // Provenance survives the removal.
        (uint32 id,) = rofl.releaseOf(appId, _identity(10));
        assertEq(id, 1);
        _addRelease(_ids(_identity(10)), 2, _none(), 0);
        ReleaseRecord memory record;
        (id, record) = rofl.releaseOf(appId, _identity(10));
        assertEq(id, 2);
        _assertRecord(record, _record(2));
        assertEq(rofl.releases(appId).length, 2);
    }

    function test_AddRelease_Validation() public {
        vm.startPrank(owner);
        vm.expectRevert(IRoflErrors.EmptyRelease.selector);
        rofl.addRelease(appId, 0, _none(), _record(1), _none(), 0);

        string[6] memory fields = ["version", "repository", "gitCommit", "bundleHash", "manifestHash", "notes"];
        for (uint256 i; i < fields.length; ++i) {
            ReleaseRecord memory bad = _record(1);
            if (i == 0) bad.version = "";
            if (i == 1) bad.repository = "";
            if (i == 2) bad.gitCommit = 0;
            if (i == 3) bad.bundleHash = 0;
            if (i == 4) bad.manifestHash = 0;
            if (i == 5) bad.notes = string(_repeat("n", 1025));
            vm.expectRevert(abi.encodeWithSelector(IRoflErrors.InvalidReleaseRecord.selector, fields[i]));
            rofl.addRelease(appId, 0, _ids(_identity(10)), bad, _none(), 0);
        }
        ReleaseRecord memory long = _record(1);
        long.version = string(_repeat("1", 65));
        vm.expectRevert(abi.encodeWithSelector(IRoflErrors.InvalidReleaseRecord.selector, "version"));
        rofl.addRelease(appId, 0, _ids(_identity(10)), long, _none(), 0);
        long = _record(1);
        long.repository = string(_repeat("r", 257));
        vm.expectRevert(abi.encodeWithSelector(IRoflErrors.InvalidReleaseRecord.selector, "repository"));
        rofl.addRelease(appId, 0, _ids(_identity(10)), long, _none(), 0);

        uint64 latest = uint64(block.timestamp) + rofl.MAX_GRACE_PERIOD();
        uint64[3] memory badDeadlines = [uint64(block.timestamp), uint64(block.timestamp - 1), latest + 1];
        for (uint256 i; i < badDeadlines.length; ++i) {
            vm.expectRevert(abi.encodeWithSelector(IRoflErrors.InvalidDeadline.selector, badDeadlines[i], latest));
            rofl.addRelease(appId, 0, _ids(_identity(10)), _record(1), _ids(_identity(0)), badDeadlines[i]);
        }

        vm.expectRevert(
            abi.encodeWithSelector(
                IRoflErrors.EnclaveAlreadyAllowed.selector, appId, _identity(0).mrEnclave, _identity(0).mrSigner
            )
        );
        rofl.addRelease(appId, 0, _ids(_identity(0)), _record(1), _none(), 0);

        vm.expectRevert(
            abi.encodeWithSelector(
                IRoflErrors.EnclaveNotAllowed.selector, appId, _identity(9).mrEnclave, _identity(9).mrSigner
            )
        );
        rofl.addRelease(appId, 0, _ids(_identity(10)), _record(1), _ids(_identity(9)), 0);
        vm.expectRevert(
            abi.encodeWithSelector(
                IRoflErrors.EnclaveNotAllowed.selector, appId, _identity(9).mrEnclave, _identity(9).mrSigner
            )
        );
        rofl.addRelease(appId, 0, _ids(_identity(10)), _record(1), _ids(_identity(9)), latest);

        for (uint64 grace; grace < 2; ++grace) {
            vm.expectRevert(
                abi.encodeWithSelector(
                    IRoflErrors.RetiringNewIdentity.selector, _identity(10).mrEnclave, _identity(10).mrSigner
                )
            );
            rofl.addRelease(appId, 0, _ids(_identity(10)), _record(1), _ids(_identity(10)), grace * latest);
        }

        vm.expectRevert(abi.encodeWithSelector(IRoflErrors.StaleVersion.selector, appId, 5, 1));
        rofl.addRelease(appId, 5, _ids(_identity(10)), _record(1), _none(), 0);
        vm.stopPrank();

        // Nothing of the failed attempts stayed.
        assertEq(rofl.releases(appId).length, 0);
        assertEq(rofl.version(appId), 1);
    }

    function test_AddRelease_OnlyOwner() public {
        address[3] memory callers = [stranger, guardian, address(0)];
        for (uint256 i; i < callers.length; ++i) {
            vm.prank(callers[i]);
            vm.expectRevert(abi.encodeWithSelector(Ownable.OwnableUnauthorizedAccount.selector, callers[i]));
            rofl.addRelease(appId, 0, _ids(_identity(10)), _record(1), _none(), 0);
        }
    }

    function test_AddRelease_UnknownAppReverts() public {
        bytes21 unknown = bytes21(uint168(7));
        vm.prank(owner);
        vm.expectRevert(abi.encodeWithSelector(IRoflErrors.UnknownApp.selector, unknown));
        rofl.addRelease(unknown, 0, _ids(_identity(10)), _record(1), _none(), 0);
    }

    // -------------------------------------------------------------------------------------------
    // setRetirement / prune
    // -------------------------------------------------------------------------------------------

    function test_SetRetirement_SendsNoUpdate() public {
        uint64 deadline = uint64(block.timestamp) + DAY;
        vm.recordLogs();
        vm.prank(owner);
        rofl.setRetirement(appId, 1, _identity(1), deadline);
        assertEq(_countConfigUpdates(vm.getRecordedLogs()), 0);
        assertEq(rofl.version(appId), 1);
        assertEq(rofl.identityInfo(appId, _identity(1)).retireAt, deadline);

        // Cancel.
        vm.expectEmit(true, false, false, true, address(rofl));
        emit IRoflReleaseGovernance.RetirementScheduled(appId, _identity(1).mrEnclave, _identity(1).mrSigner, 0);
        vm.prank(owner);
        rofl.setRetirement(appId, 1, _identity(1), 0);
        assertEq(uint256(_status(_identity(1))), uint256(IdentityStatus.Allowed));
        vm.warp(deadline + 1);
        vm.expectRevert(abi.encodeWithSelector(IRoflErrors.NothingToPrune.selector, appId));
        rofl.prune(appId);
    }

    function test_SetRetirement_Reverts() public {
        vm.startPrank(owner);
        vm.expectRevert(
            abi.encodeWithSelector(
                IRoflErrors.EnclaveNotAllowed.selector, appId, _identity(9).mrEnclave, _identity(9).mrSigner
            )
        );
        rofl.setRetirement(appId, 0, _identity(9), uint64(block.timestamp + 1));
        uint64 latest = uint64(block.timestamp) + rofl.MAX_GRACE_PERIOD();
        vm.expectRevert(abi.encodeWithSelector(IRoflErrors.InvalidDeadline.selector, latest + 1, latest));
        rofl.setRetirement(appId, 0, _identity(0), latest + 1);
        vm.expectRevert(abi.encodeWithSelector(IRoflErrors.StaleVersion.selector, appId, 2, 1));
        rofl.setRetirement(appId, 2, _identity(0), latest);
        vm.stopPrank();

        vm.prank(guardian);
        vm.expectRevert(abi.encodeWithSelector(Ownable.OwnableUnauthorizedAccount.selector, guardian));
        rofl.setRetirement(appId, 0, _identity(0), latest);
    }

    /// @dev A deadline never outlives the allowance: removed and added back, the identity is
    /// allowed without one.
    function test_Removal_ClearsDeadline() public {
        uint64 deadline = uint64(block.timestamp) + DAY;
        vm.startPrank(owner);
        rofl.setRetirement(appId, 0, _identity(1), deadline);
        rofl.removeEnclave(appId, 0, _identity(1));
        rofl.addEnclave(appId, 0, _identity(1));
        vm.stopPrank();
        assertEq(rofl.identityInfo(appId, _identity(1)).retireAt, 0);
        vm.warp(deadline);
        vm.expectRevert(abi.encodeWithSelector(IRoflErrors.NothingToPrune.selector, appId));
        rofl.prune(appId);
    }

    function test_Prune_OnlyExpired_OneUpdate() public {
        _addRelease(_ids(_identity(10), _identity(11)), 1, _none(), 0);
        vm.startPrank(owner);
        rofl.setRetirement(appId, 0, _identity(0), uint64(block.timestamp) + DAY);
        rofl.setRetirement(appId, 0, _identity(10), uint64(block.timestamp) + 2 * DAY);
        rofl.setRetirement(appId, 0, _identity(11), uint64(block.timestamp) + 3 * DAY);
        vm.stopPrank();

        vm.warp(block.timestamp + 2 * DAY);
        EnclaveIdentity[] memory expired = rofl.expiredEnclaves(appId);
        assertEq(expired.length, 2);
        vm.recordLogs();
        vm.prank(stranger);
        assertEq(rofl.prune(appId), 2);
        assertEq(_countConfigUpdates(vm.getRecordedLogs()), 1);
        EnclaveIdentity[] memory left = rofl.getApp(appId).policy.enclaves;
        assertEq(left.length, 2);
        assertEq(uint256(_status(_identity(11))), uint256(IdentityStatus.Retiring));
        assertEq(uint256(_status(_identity(1))), uint256(IdentityStatus.Allowed));
        _assertInSync(appId);
    }

    function test_Prune_NeverLeavesNoIdentity() public {
        vm.startPrank(owner);
        rofl.setRetirement(appId, 0, _identity(0), uint64(block.timestamp) + DAY);
        rofl.setRetirement(appId, 0, _identity(1), uint64(block.timestamp) + DAY);
        vm.stopPrank();
        vm.warp(block.timestamp + DAY);
        vm.expectRevert(abi.encodeWithSelector(IRoflErrors.EmptyEnclaveList.selector, appId));
        rofl.prune(appId);
    }

    function test_Prune_UnknownAppReverts() public {
        bytes21 unknown = bytes21(uint168(7));
        vm.expectRevert(abi.encodeWithSelector(IRoflErrors.UnknownApp.selector, unknown));
        rofl.prune(unknown);
    }

    function test_Prune_InOwnerBatch() public {
        _addRelease(_ids(_identity(10)), 1, _ids(_identity(0)), uint64(block.timestamp) + DAY);
        vm.warp(block.timestamp + DAY);
        bytes[] memory calls = new bytes[](2);
        calls[0] = abi.encodeCall(IRoflReleaseGovernance.prune, (appId));
        calls[1] = abi.encodeCall(IRoflAppAdmin.setMetadata, (appId, 0, "k", "v"));
        vm.recordLogs();
        vm.prank(owner);
        rofl.multicall(calls);
        assertEq(_countConfigUpdates(vm.getRecordedLogs()), 1);
        assertEq(rofl.getApp(appId).policy.enclaves.length, 2);
        _assertInSync(appId);
    }

    // -------------------------------------------------------------------------------------------
    // Guardian role
    // -------------------------------------------------------------------------------------------

    function test_SetGuardian() public {
        assertEq(rofl.guardianOf(appId), guardian);
        address next = makeAddr("next");
        vm.expectEmit(true, true, true, true, address(rofl));
        emit IRoflReleaseGovernance.GuardianSet(appId, guardian, next);
        vm.recordLogs();
        vm.prank(owner);
        rofl.setGuardian(appId, next);
        assertEq(_countConfigUpdates(vm.getRecordedLogs()), 0);
        assertEq(rofl.guardianOf(appId), next);

        // The replaced guardian is out.
        vm.prank(guardian);
        vm.expectRevert(abi.encodeWithSelector(IRoflErrors.NotOwnerOrGuardian.selector, appId, guardian));
        rofl.freeze(appId, 0);

        // Zero removes the role.
        vm.prank(owner);
        rofl.setGuardian(appId, address(0));
        vm.prank(next);
        vm.expectRevert(abi.encodeWithSelector(IRoflErrors.NotOwnerOrGuardian.selector, appId, next));
        rofl.freeze(appId, 0);
    }

    function test_SetGuardian_Reverts() public {
        vm.prank(owner);
        vm.expectRevert(abi.encodeWithSelector(IRoflErrors.InvalidGuardian.selector, address(rofl)));
        rofl.setGuardian(appId, address(rofl));
        bytes21 unknown = bytes21(uint168(7));
        vm.prank(owner);
        vm.expectRevert(abi.encodeWithSelector(IRoflErrors.UnknownApp.selector, unknown));
        rofl.setGuardian(unknown, guardian);
        vm.prank(guardian);
        vm.expectRevert(abi.encodeWithSelector(Ownable.OwnableUnauthorizedAccount.selector, guardian));
        rofl.setGuardian(appId, stranger);
    }

    function test_SetGuardian_PerApp() public {
        bytes21 other = _createDefault();
        assertEq(rofl.guardianOf(other), address(0));
        vm.prank(guardian);
        vm.expectRevert(abi.encodeWithSelector(IRoflErrors.NotOwnerOrGuardian.selector, other, guardian));
        rofl.freeze(other, 0);
    }

    function test_Revoke_ByGuardian() public {
        _addRelease(_ids(_identity(10)), 1, _none(), 0);
        address bad = makeAddr("instance-bad");
        address good = makeAddr("instance-good");
        _registerInstance(bad, _identity(10));
        _registerInstance(good, _identity(0));
        assertTrue(standIn.isInstanceAuthorized(appId, bad));

        vm.expectEmit(true, true, false, true, address(rofl));
        emit IRoflAppAdmin.EnclaveRemoved(appId, _identity(10).mrEnclave, _identity(10).mrSigner);
        vm.expectEmit(true, true, false, true, address(rofl));
        emit IRoflReleaseGovernance.EnclaveRevoked(appId, guardian, _identity(10).mrEnclave, _identity(10).mrSigner);
        vm.recordLogs();
        vm.prank(guardian);
        rofl.revokeEnclave(appId, 2, _identity(10));
        assertEq(_countConfigUpdates(vm.getRecordedLogs()), 1);
        assertEq(rofl.version(appId), 3);
        _assertInSync(appId);

        // The module evicts nobody on rofl.Update (oasis-sdk modules/rofl/mod.rs `tx_update`):
        // the revoked instance keeps its rights until its registration expires and only cannot
        // renew. (This used to assert a refusal at once, which hid the real window.)
        assertTrue(standIn.isInstanceAuthorized(appId, bad));
        assertTrue(standIn.isInstanceAuthorized(appId, good));
        uint64 epoch = standIn.currentEpoch();
        vm.expectRevert(
            abi.encodeWithSelector(
                RoflModuleStandIn.IdentityNotInPolicy.selector, appId, _identity(10).mrEnclave, _identity(10).mrSigner
            )
        );
        standIn.registerInstance(appId, bad, _identity(10).mrEnclave, _identity(10).mrSigner, epoch + 3);
        // The Rust side's view of it: the instance, its identity, the release, the revocation.
        (bool registered, EnclaveIdentity memory identity, uint64 expiration) = standIn.instanceIdentity(appId, bad);
        assertTrue(registered);
        assertEq(identity.mrEnclave, _identity(10).mrEnclave);
        assertEq(expiration, standIn.currentEpoch() + 3);
        IdentityInfo memory info = rofl.identityInfo(appId, identity);
        assertEq(uint256(info.status), uint256(IdentityStatus.Revoked));
        assertEq(info.releaseId, 1);
        (uint32 id, ReleaseRecord memory record) = rofl.releaseOf(appId, identity);
        // Refused once its registration expires; the other instance renews and stays.
        vm.warp(block.timestamp + 2 * standIn.EPOCH_SECONDS());
        _registerInstance(good, _identity(0));
        vm.warp((uint256(expiration)) * standIn.EPOCH_SECONDS());
        assertFalse(standIn.isInstanceAuthorized(appId, bad));
        assertTrue(standIn.isInstanceAuthorized(appId, good));
        assertEq(id, 1);
        _assertRecord(record, _record(1));
    }

    function test_Revoke_ByOwner() public {
        vm.prank(owner);
        rofl.revokeEnclave(appId, 0, _identity(1));
        assertEq(uint256(_status(_identity(1))), uint256(IdentityStatus.Revoked));
        _assertInSync(appId);
    }

    function test_Revoke_Reverts() public {
        address[2] memory callers = [stranger, address(0)];
        for (uint256 i; i < callers.length; ++i) {
            vm.prank(callers[i]);
            vm.expectRevert(abi.encodeWithSelector(IRoflErrors.NotOwnerOrGuardian.selector, appId, callers[i]));
            rofl.revokeEnclave(appId, 0, _identity(1));
        }
        vm.startPrank(guardian);
        vm.expectRevert(
            abi.encodeWithSelector(
                IRoflErrors.EnclaveNotAllowed.selector, appId, _identity(9).mrEnclave, _identity(9).mrSigner
            )
        );
        rofl.revokeEnclave(appId, 0, _identity(9));
        vm.expectRevert(abi.encodeWithSelector(IRoflErrors.StaleVersion.selector, appId, 4, 1));
        rofl.revokeEnclave(appId, 4, _identity(1));
        rofl.revokeEnclave(appId, 1, _identity(1));
        // The last identity: freeze is the explicit way.
        vm.expectRevert(abi.encodeWithSelector(IRoflErrors.EmptyEnclaveList.selector, appId));
        rofl.revokeEnclave(appId, 0, _identity(0));
        vm.stopPrank();
    }

    /// @dev With no guardian set, the zero address (Sapphire's unsigned calls) is nobody.
    function test_Revoke_NoGuardianZeroCallerReverts() public {
        vm.prank(owner);
        rofl.setGuardian(appId, address(0));
        vm.prank(address(0));
        vm.expectRevert(abi.encodeWithSelector(IRoflErrors.NotOwnerOrGuardian.selector, appId, address(0)));
        rofl.revokeEnclave(appId, 0, _identity(1));
    }

    function test_Revoke_ThenReaddedAndRemoved_NotRevokedAnyMore() public {
        vm.prank(guardian);
        rofl.revokeEnclave(appId, 0, _identity(1));
        vm.startPrank(owner);
        rofl.addEnclave(appId, 0, _identity(1));
        assertEq(uint256(_status(_identity(1))), uint256(IdentityStatus.Allowed));
        rofl.removeEnclave(appId, 0, _identity(1));
        vm.stopPrank();
        assertEq(uint256(_status(_identity(1))), uint256(IdentityStatus.NotAllowed));
    }

    function test_Freeze_ByGuardian_ThenOwnerUnfreezes() public {
        address instance = makeAddr("instance");
        _registerInstance(instance, _identity(0));
        uint64 deadline = uint64(block.timestamp) + DAY;
        vm.prank(owner);
        rofl.setRetirement(appId, 0, _identity(1), deadline);

        vm.expectEmit(true, true, false, true, address(rofl));
        emit IRoflReleaseGovernance.AppFrozen(appId, guardian);
        vm.recordLogs();
        vm.prank(guardian);
        rofl.freeze(appId, 1);
        assertEq(_countConfigUpdates(vm.getRecordedLogs()), 1);
        assertTrue(rofl.isFrozen(appId));
        assertEq(rofl.version(appId), 2);
        assertEq(rofl.getApp(appId).policy.enclaves.length, 0);
        assertEq(standIn.appEnclaves(appId).length, 0);
        // A freeze removes every identity: no instance can renew, and each keeps its rights
        // only until its registration expires (the module evicts nobody on rofl.Update).
        assertTrue(standIn.isInstanceAuthorized(appId, instance));
        (,, uint64 expiration) = standIn.instanceIdentity(appId, instance);
        vm.warp(uint256(expiration) * standIn.EPOCH_SECONDS());
        assertFalse(standIn.isInstanceAuthorized(appId, instance));
        assertEq(uint256(_status(_identity(0))), uint256(IdentityStatus.Revoked));
        assertEq(rofl.identityInfo(appId, _identity(1)).retireAt, 0);
        _assertInSync(appId);

        // Frozen stays frozen: no second freeze, no identity, no unfreeze but the owner's.
        vm.prank(guardian);
        vm.expectRevert(abi.encodeWithSelector(IRoflErrors.AppIsFrozen.selector, appId));
        rofl.freeze(appId, 0);
        vm.prank(guardian);
        vm.expectRevert(abi.encodeWithSelector(Ownable.OwnableUnauthorizedAccount.selector, guardian));
        rofl.unfreeze(appId, 0);
        vm.prank(owner);
        vm.expectRevert(abi.encodeWithSelector(IRoflErrors.AppIsFrozen.selector, appId));
        rofl.addEnclave(appId, 0, _identity(20));
        vm.prank(owner);
        vm.expectRevert(abi.encodeWithSelector(IRoflErrors.AppIsFrozen.selector, appId));
        rofl.addRelease(appId, 0, _ids(_identity(20)), _record(2), _none(), 0);
        // Unfreezing alone would leave no identity without the freeze that allows it.
        vm.prank(owner);
        vm.expectRevert(abi.encodeWithSelector(IRoflErrors.EmptyEnclaveList.selector, appId));
        rofl.unfreeze(appId, 0);

        // Other owner changes still work while frozen.
        vm.prank(owner);
        rofl.setMetadata(appId, 0, "status", "frozen");
        _assertInSync(appId);

        // Governance lifts the freeze with a fixed release, in one update.
        bytes[] memory calls = new bytes[](2);
        calls[0] =
            abi.encodeCall(IRoflReleaseGovernance.addRelease, (appId, 3, _ids(_identity(20)), _record(2), _none(), 0));
        calls[1] = abi.encodeCall(IRoflReleaseGovernance.unfreeze, (appId, 3));
        vm.expectEmit(true, false, false, false, address(rofl));
        emit IRoflReleaseGovernance.AppUnfrozen(appId);
        vm.recordLogs();
        vm.prank(owner);
        rofl.multicall(calls);
        assertEq(_countConfigUpdates(vm.getRecordedLogs()), 1);
        assertFalse(rofl.isFrozen(appId));
        assertEq(rofl.getApp(appId).policy.enclaves.length, 1);
        _assertInSync(appId);
        // The old identities stay revoked.
        assertEq(uint256(_status(_identity(0))), uint256(IdentityStatus.Revoked));
    }

    function test_Unfreeze_NotFrozenReverts() public {
        vm.prank(owner);
        vm.expectRevert(abi.encodeWithSelector(IRoflErrors.AppNotFrozen.selector, appId));
        rofl.unfreeze(appId, 0);
    }

    function test_Freeze_ByOwnerInBatch_CannotAddIdentities() public {
        bytes[] memory calls = new bytes[](2);
        calls[0] = abi.encodeCall(IRoflReleaseGovernance.freeze, (appId, 1));
        calls[1] = abi.encodeCall(IRoflAppAdmin.addEnclave, (appId, 1, _identity(20)));
        vm.prank(owner);
        vm.expectRevert(abi.encodeWithSelector(IRoflErrors.AppIsFrozen.selector, appId));
        rofl.multicall(calls);
    }

    function test_Freeze_Reverts() public {
        vm.prank(stranger);
        vm.expectRevert(abi.encodeWithSelector(IRoflErrors.NotOwnerOrGuardian.selector, appId, stranger));
        rofl.freeze(appId, 0);
        vm.prank(guardian);
        vm.expectRevert(abi.encodeWithSelector(IRoflErrors.StaleVersion.selector, appId, 3, 1));
        rofl.freeze(appId, 3);
        bytes21 unknown = bytes21(uint168(7));
        vm.prank(guardian);
        vm.expectRevert(abi.encodeWithSelector(IRoflErrors.UnknownApp.selector, unknown));
        rofl.freeze(unknown, 0);
    }

    /// @dev The guardian reaches nothing but revoke and freeze.
    function test_Guardian_CannotDoAnythingElse() public {
        EndorsementNode[] memory endorsements = _anyEndorsement();
        QuotePolicy memory quotes = _defaultPolicy().quotes;
        bytes[] memory calls = new bytes[](21);
        calls[0] = abi.encodeCall(IRoflAppAdmin.addEnclave, (appId, 0, _identity(20)));
        calls[1] = abi.encodeCall(IRoflAppAdmin.removeEnclave, (appId, 0, _identity(1)));
        calls[2] = abi.encodeCall(IRoflAppAdmin.setEndorsements, (appId, 0, endorsements));
        calls[3] = abi.encodeCall(IRoflAppAdmin.setFees, (appId, 0, FeePolicy.InstancePays));
        calls[4] = abi.encodeCall(IRoflAppAdmin.setMaxExpiration, (appId, 0, 5));
        calls[5] = abi.encodeCall(IRoflAppAdmin.setQuotePolicy, (appId, 0, quotes));
        calls[6] = abi.encodeCall(IRoflAppAdmin.setMetadata, (appId, 0, "k", "v"));
        calls[7] = abi.encodeCall(IRoflAppAdmin.deleteMetadata, (appId, 0, "k"));
        calls[8] = abi.encodeCall(IRoflAppAdmin.setSecret, (appId, 0, "S", hex"01"));
        calls[9] = abi.encodeCall(IRoflAppAdmin.deleteSecret, (appId, 0, "S"));
        calls[10] = abi.encodeCall(IRoflAppAdmin.transferRoflAdmin, (appId, 0, bytes21(uint168(1))));
        calls[11] = abi.encodeCall(IRoflAppAdmin.renounceRoflAdmin, (appId, 0));
        calls[12] = abi.encodeCall(IRoflAppAdmin.removeApp, (appId, 0));
        calls[13] = abi.encodeCall(IRoflAppAdmin.multicall, (new bytes[](0)));
        calls[14] =
            abi.encodeCall(IRoflReleaseGovernance.addRelease, (appId, 0, _ids(_identity(20)), _record(1), _none(), 0));
        calls[15] = abi.encodeCall(IRoflReleaseGovernance.setRetirement, (appId, 0, _identity(1), 0));
        calls[16] = abi.encodeCall(IRoflReleaseGovernance.setGuardian, (appId, stranger));
        calls[17] = abi.encodeCall(IRoflReleaseGovernance.unfreeze, (appId, 0));
        calls[18] = abi.encodeCall(IRoflAppAdmin.withdrawStake, ());
        calls[19] = abi.encodeCall(
            IRoflAppAdmin.adoptApp, (bytes21(uint168(9)), _defaultPolicy(), _noMetadata(), new SecretEntry[](0))
        );
        calls[20] = abi.encodeCall(Ownable.transferOwnership, (guardian));
        for (uint256 i; i < calls.length; ++i) {
            vm.prank(guardian);
            (bool ok, bytes memory reason) = address(rofl).call(calls[i]);
            assertFalse(ok, vm.toString(i));
            assertEq(reason, abi.encodeWithSelector(Ownable.OwnableUnauthorizedAccount.selector, guardian));
        }
        vm.prank(guardian);
        vm.expectRevert(abi.encodeWithSelector(Ownable.OwnableUnauthorizedAccount.selector, guardian));
        rofl.createApp{value: 0}(_defaultPolicy(), _noMetadata(), 1);
        assertEq(rofl.version(appId), 1);
    }

    /// @dev A guardian contract poked from inside the owner's batch (the owner's transfer hook
    /// runs during `withdrawStake`) is refused: guardian actions never mix into a batch.
    function test_Guardian_RefusedInsideOwnerBatch() public {
        HookedOwner governance = new HookedOwner();
        GuardianBot bot = new GuardianBot(rofl, appId);
        governance.set(rofl, bot);
        vm.startPrank(owner);
        rofl.setGuardian(appId, address(bot));
        rofl.transferOwnership(address(governance));
        vm.stopPrank();
        governance.accept();
        vm.deal(address(rofl), 1 ether);

        bytes[] memory calls = new bytes[](2);
        calls[0] = abi.encodeCall(IRoflAppAdmin.addEnclave, (appId, 0, _identity(20)));
        calls[1] = abi.encodeCall(IRoflAppAdmin.withdrawStake, ());
        governance.run(calls);
        assertEq(governance.revertData(), abi.encodeWithSelector(IRoflErrors.GuardianInBatch.selector));
        assertFalse(rofl.isFrozen(appId));
        assertEq(rofl.getApp(appId).policy.enclaves.length, 3);
        _assertInSync(appId);

        // Alone, the same guardian acts at once.
        bot.strike();
        assertTrue(rofl.isFrozen(appId));
        _assertInSync(appId);
    }

    function test_Guardian_ForgottenWithTheApp() public {
        vm.prank(owner);
        rofl.transferRoflAdmin(appId, 0, bytes21(uint168(1)));
        assertEq(rofl.guardianOf(appId), address(0));
        assertFalse(rofl.isFrozen(appId));
    }

    /// @dev Frozen apps cannot be handed over (nothing allowed to run is a state to end first).
    function test_Freeze_BlocksHandOver_RemoveStillWorks() public {
        vm.prank(guardian);
        rofl.freeze(appId, 0);
        vm.prank(owner);
        vm.expectRevert(abi.encodeWithSelector(IRoflErrors.EmptyEnclaveList.selector, appId));
        rofl.transferRoflAdmin(appId, 0, bytes21(uint168(1)));
        vm.prank(owner);
        rofl.removeApp(appId, 0);
        assertFalse(rofl.isManaged(appId));
    }

    /// @dev An app handed away and adopted again starts without deadlines or guardian; a
    /// revocation mark is history, cleared by the next removal as ever.
    function test_Readoption_StartsClean() public {
        address holder = makeAddr("holder");
        vm.startPrank(owner);
        rofl.revokeEnclave(appId, 0, _identity(1));
        rofl.addEnclave(appId, 0, _identity(2));
        rofl.setRetirement(appId, 0, _identity(2), uint64(block.timestamp) + DAY);
        AppPolicy memory policy = rofl.getApp(appId).policy;
        rofl.transferRoflAdmin(appId, 0, OasisIds.fromEth(holder));
        vm.stopPrank();

        // The holder hands it back; governance adopts it again with identity 1 back in.
        policy.enclaves = _ids(_identity(0), _identity(2));
        bytes memory handBack =
            RoflCbor.encodeUpdate(appId, policy, rofl.roflAdminAddress(), _noMetadata(), _noSecrets());
        vm.prank(holder);
        _subcall("rofl.Update", handBack);
        policy.enclaves = new EnclaveIdentity[](3);
        (policy.enclaves[0], policy.enclaves[1], policy.enclaves[2]) = (_identity(0), _identity(2), _identity(1));
        vm.prank(owner);
        rofl.adoptApp(appId, policy, _noMetadata(), _noSecrets());

        assertEq(rofl.guardianOf(appId), address(0));
        IdentityInfo memory info = rofl.identityInfo(appId, _identity(2));
        assertEq(uint256(info.status), uint256(IdentityStatus.Allowed));
        assertEq(info.retireAt, 0);
        vm.prank(owner);
        rofl.removeEnclave(appId, 0, _identity(1));
        assertEq(uint256(_status(_identity(1))), uint256(IdentityStatus.NotAllowed));
        _assertInSync(appId);
    }

    // -------------------------------------------------------------------------------------------
    // Instances (stand-in view)
    // -------------------------------------------------------------------------------------------

    function test_InstanceIdentity() public {
        address instance = makeAddr("instance");
        (bool registered, EnclaveIdentity memory identity, uint64 expiration) =
            standIn.instanceIdentity(appId, instance);
        assertFalse(registered);
        assertEq(identity.mrEnclave, bytes32(0));
        assertEq(expiration, 0);

        _registerInstance(instance, _identity(1));
        (registered, identity, expiration) = standIn.instanceIdentity(appId, instance);
        assertTrue(registered);
        assertEq(identity.mrEnclave, _identity(1).mrEnclave);
        assertEq(identity.mrSigner, _identity(1).mrSigner);
        // Another app, or the zero app, does not know it.
        (registered,,) = standIn.instanceIdentity(bytes21(uint168(7)), instance);
        assertFalse(registered);
        (registered,,) = standIn.instanceIdentity(bytes21(0), makeAddr("nobody"));
        assertFalse(registered);
        address[] memory instances = standIn.instancesOf(appId);
        assertEq(instances.length, 1);
        assertEq(instances[0], instance);
    }

    // -------------------------------------------------------------------------------------------
    // Views
    // -------------------------------------------------------------------------------------------

    function test_Views_UnknownApp() public {
        bytes21 unknown = bytes21(uint168(7));
        assertEq(rofl.releases(unknown).length, 0);
        assertEq(rofl.guardianOf(unknown), address(0));
        assertFalse(rofl.isFrozen(unknown));
        assertEq(uint256(rofl.identityInfo(unknown, _identity(0)).status), uint256(IdentityStatus.NotAllowed));
        vm.expectRevert(abi.encodeWithSelector(IRoflErrors.UnknownApp.selector, unknown));
        rofl.enclaveReleases(unknown);
        vm.expectRevert(abi.encodeWithSelector(IRoflErrors.UnknownApp.selector, unknown));
        rofl.expiredEnclaves(unknown);
    }

    /// @dev Views answer the same to the zero address (Sapphire's unsigned calls).
    function test_Views_IndependentOfCaller() public {
        _addRelease(_ids(_identity(10)), 1, _ids(_identity(0)), uint64(block.timestamp) + DAY);
        bytes memory a = abi.encode(rofl.enclaveReleases(appId), rofl.releases(appId));
        vm.prank(address(0));
        bytes memory b = abi.encode(rofl.enclaveReleases(appId), rofl.releases(appId));
        assertEq(a, b);
    }
}
