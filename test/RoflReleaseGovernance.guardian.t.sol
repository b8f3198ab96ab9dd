// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {IRoflErrors} from "../contracts/interfaces/IRoflErrors.sol";
import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {IRoflAppAdmin} from "../contracts/interfaces/IRoflAppAdmin.sol";
import {IRoflReleaseGovernance} from "../contracts/interfaces/IRoflReleaseGovernance.sol";
import {OasisIds} from "../contracts/libraries/OasisIds.sol";
import {RoflCbor} from "../contracts/libraries/RoflCbor.sol";
import {RoflAppAdmin} from "../contracts/rofl/RoflAppAdmin.sol";
import {
    AppPolicy,
    EnclaveIdentity,
    EndorsementNode,
    FeePolicy,
    QuotePolicy,
    SecretEntry
} from "../contracts/types/RoflTypes.sol";
import {IdentityInfo, IdentityStatus} from "../contracts/types/RoflReleaseTypes.sol";
import {RoflReleaseGovernanceFixture} from "./utils/RoflReleaseGovernanceFixture.sol";

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

/// @title Release governance: the guardian role: who holds it and what it cannot do
contract RoflReleaseGovernanceGuardianTest is RoflReleaseGovernanceFixture {
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

    function test_SetGuardian_Reverts_policyContractItself() public {
        vm.prank(owner);
        vm.expectRevert(abi.encodeWithSelector(IRoflErrors.InvalidGuardian.selector, address(rofl)));
        rofl.setGuardian(appId, address(rofl));
    }

    function test_SetGuardian_Reverts_unknownApp() public {
        bytes21 unknown = bytes21(uint168(7));
        vm.prank(owner);
        vm.expectRevert(abi.encodeWithSelector(IRoflErrors.UnknownApp.selector, unknown));
        rofl.setGuardian(unknown, guardian);
    }

    function test_SetGuardian_Reverts_byGuardian() public {
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
}
