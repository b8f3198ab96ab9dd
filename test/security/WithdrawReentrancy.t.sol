// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {IRoflErrors} from "../../contracts/interfaces/IRoflErrors.sol";
import {Vm} from "forge-std/Vm.sol";
import {ReentrancyGuard} from "@openzeppelin/contracts/utils/ReentrancyGuard.sol";

import {IRoflAppAdmin} from "../../contracts/interfaces/IRoflAppAdmin.sol";
import {RoflAppAdmin} from "../../contracts/rofl/RoflAppAdmin.sol";
import {SecurityBase} from "./SecurityBase.sol";

/// @title Re-entering the policy contract from the owner's receive hook during `withdrawStake`
/// @notice `withdrawStake` is the only function that sends value to an account with code (the
/// owner). The owner is trusted governance, so re-entry cannot escalate privileges; what must
/// hold is that the transfer happens once, for the balance read, and that any config change made
/// from the hook still reaches the module (state and module stay in sync).
contract WithdrawReentrancyTest is SecurityBase {
    uint256 internal constant REFUND = 7 ether;

    function setUp() public override {
        super.setUp();
        // The stand-in never moves balances; fund the contract as a refund from Remove would.
        // (After createApp it also holds the create stake, which on Sapphire the module takes.)
        vm.deal(address(rofl), REFUND);
    }

    function test_ReentrantWithdrawFromReceiveHookIsBlocked() public {
        hostileOwner.arm(abi.encodeCall(IRoflAppAdmin.withdrawStake, ()), false);
        uint256 ownerBefore = owner.balance;

        vm.prank(owner);
        rofl.withdrawStake();

        assertTrue(hostileOwner.hookRan(), "hook did not run");
        assertFalse(hostileOwner.hookOk(), "re-entrant withdraw succeeded");
        assertEq(
            hostileOwner.hookResult(), abi.encodeWithSelector(ReentrancyGuard.ReentrancyGuardReentrantCall.selector)
        );
        assertEq(hostileOwner.receiveCount(), 1, "paid more than once");
        assertEq(hostileOwner.received(), REFUND);
        assertEq(owner.balance, ownerBefore + REFUND);
        assertEq(address(rofl).balance, 0);
    }

    function test_RevertInReceiveHookUndoesTheWithdrawal() public {
        hostileOwner.arm(abi.encodeCall(IRoflAppAdmin.withdrawStake, ()), true);
        uint256 ownerBefore = owner.balance;

        vm.prank(owner);
        vm.expectRevert(IRoflErrors.WithdrawFailed.selector);
        rofl.withdrawStake();

        assertEq(address(rofl).balance, REFUND, "balance left the contract");
        assertEq(owner.balance, ownerBefore);
    }

    function test_SecondWithdrawAfterReentryFindsNothing() public {
        hostileOwner.arm(abi.encodeCall(IRoflAppAdmin.withdrawStake, ()), false);
        vm.prank(owner);
        rofl.withdrawStake();

        vm.prank(owner);
        vm.expectRevert(IRoflErrors.NothingToWithdraw.selector);
        rofl.withdrawStake();
    }

    /// @dev The owner may legitimately change the config from its hook: the change is sent at
    /// once (no batch open) and the module stays in sync.
    function test_ConfigChangeFromReceiveHookReachesTheModule() public {
        hostileOwner.arm(abi.encodeCall(IRoflAppAdmin.addEnclave, (appId, 1, _identity(5))), false);

        vm.prank(owner);
        rofl.withdrawStake();

        assertTrue(hostileOwner.hookOk(), "owner could not act from its hook");
        assertEq(rofl.version(appId), 2);
        _assertInSync(appId);
    }

    function test_RemoveFromReceiveHookLeavesNothingBehind() public {
        hostileOwner.arm(abi.encodeCall(IRoflAppAdmin.removeApp, (appId, 1)), false);

        vm.prank(owner);
        rofl.withdrawStake();

        assertTrue(hostileOwner.hookOk());
        assertFalse(rofl.isManaged(appId));
        assertFalse(standIn.appExists(appId));
        assertEq(rofl.appIds().length, 0);
    }

    /// @dev Inside a batch the hook cannot open a second batch.
    function test_HookCannotNestMulticall() public {
        bytes[] memory none = new bytes[](0);
        hostileOwner.arm(abi.encodeCall(IRoflAppAdmin.multicall, (none)), false);
        bytes[] memory calls = new bytes[](1);
        calls[0] = abi.encodeCall(IRoflAppAdmin.withdrawStake, ());

        vm.prank(owner);
        rofl.multicall(calls);

        assertFalse(hostileOwner.hookOk());
        assertEq(hostileOwner.hookResult(), abi.encodeWithSelector(IRoflErrors.NestedMulticall.selector));
        assertEq(address(rofl).balance, 0);
    }

    /// @dev A change made from the hook while a batch is open joins the batch: the app gets
    /// exactly one update at the end, holding both changes.
    function test_HookChangeInsideBatchIsFlushedOnce() public {
        hostileOwner.arm(abi.encodeCall(IRoflAppAdmin.addEnclave, (appId, 1, _identity(5))), false);
        bytes[] memory calls = new bytes[](2);
        calls[0] = abi.encodeCall(IRoflAppAdmin.setMetadata, (appId, 1, "net.oasis.rofl.version", "1.1.0"));
        calls[1] = abi.encodeCall(IRoflAppAdmin.withdrawStake, ());

        vm.recordLogs();
        vm.prank(owner);
        rofl.multicall(calls);
        Vm.Log[] memory logs = vm.getRecordedLogs();

        assertTrue(hostileOwner.hookOk());
        assertEq(_countConfigUpdates(logs), 1, "one update per batch");
        assertEq(rofl.version(appId), 2);
        assertEq(rofl.getApp(appId).policy.enclaves.length, 2);
        _assertInSync(appId);
    }

    function test_OnlyTheOwnerIsPaid() public {
        HostileOwnerLike stranger_ = new HostileOwnerLike();
        vm.prank(address(stranger_));
        vm.expectRevert();
        rofl.withdrawStake();
        assertEq(address(rofl).balance, REFUND);
    }
}

/// @dev Any other contract.
contract HostileOwnerLike {
    receive() external payable {}
}
