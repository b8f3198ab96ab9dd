// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {IRoflErrors} from "../contracts/interfaces/IRoflErrors.sol";
import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {IRoflAppAdmin} from "../contracts/interfaces/IRoflAppAdmin.sol";
import {IRoflReleaseGovernance} from "../contracts/interfaces/IRoflReleaseGovernance.sol";
import {EnclaveIdentity} from "../contracts/types/RoflTypes.sol";
import {IdentityStatus} from "../contracts/types/RoflReleaseTypes.sol";
import {RoflReleaseGovernanceFixture} from "./utils/RoflReleaseGovernanceFixture.sol";

/// @title Release governance: setRetirement and prune
contract RoflReleaseGovernanceRetirementTest is RoflReleaseGovernanceFixture {
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

    function test_SetRetirement_Reverts_notAllowed() public {
        vm.prank(owner);
        vm.expectRevert(
            abi.encodeWithSelector(
                IRoflErrors.EnclaveNotAllowed.selector, appId, _identity(9).mrEnclave, _identity(9).mrSigner
            )
        );
        rofl.setRetirement(appId, 0, _identity(9), uint64(block.timestamp + 1));
    }

    function test_SetRetirement_Reverts_deadlineTooLate() public {
        uint64 latest = uint64(block.timestamp) + rofl.MAX_GRACE_PERIOD();
        vm.prank(owner);
        vm.expectRevert(abi.encodeWithSelector(IRoflErrors.InvalidDeadline.selector, latest + 1, latest));
        rofl.setRetirement(appId, 0, _identity(0), latest + 1);
    }

    function test_SetRetirement_Reverts_staleVersion() public {
        uint64 latest = uint64(block.timestamp) + rofl.MAX_GRACE_PERIOD();
        vm.prank(owner);
        vm.expectRevert(abi.encodeWithSelector(IRoflErrors.StaleVersion.selector, appId, 2, 1));
        rofl.setRetirement(appId, 2, _identity(0), latest);
    }

    function test_SetRetirement_Reverts_guardian() public {
        uint64 latest = uint64(block.timestamp) + rofl.MAX_GRACE_PERIOD();
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
}
