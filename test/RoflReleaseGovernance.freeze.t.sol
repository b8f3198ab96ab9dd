// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {IRoflErrors} from "../contracts/interfaces/IRoflErrors.sol";
import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {IRoflAppAdmin} from "../contracts/interfaces/IRoflAppAdmin.sol";
import {IRoflReleaseGovernance} from "../contracts/interfaces/IRoflReleaseGovernance.sol";
import {IdentityStatus} from "../contracts/types/RoflReleaseTypes.sol";
import {RoflReleaseGovernanceFixture} from "./utils/RoflReleaseGovernanceFixture.sol";

/// @title Release governance: freeze and unfreeze
contract RoflReleaseGovernanceFreezeTest is RoflReleaseGovernanceFixture {
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

    function test_Freeze_Reverts_stranger() public {
        vm.prank(stranger);
        vm.expectRevert(abi.encodeWithSelector(IRoflErrors.NotOwnerOrGuardian.selector, appId, stranger));
        rofl.freeze(appId, 0);
    }

    function test_Freeze_Reverts_staleVersion() public {
        vm.prank(guardian);
        vm.expectRevert(abi.encodeWithSelector(IRoflErrors.StaleVersion.selector, appId, 3, 1));
        rofl.freeze(appId, 3);
    }

    function test_Freeze_Reverts_unknownApp() public {
        bytes21 unknown = bytes21(uint168(7));
        vm.prank(guardian);
        vm.expectRevert(abi.encodeWithSelector(IRoflErrors.UnknownApp.selector, unknown));
        rofl.freeze(unknown, 0);
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
}
