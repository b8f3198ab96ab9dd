// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {Vm} from "forge-std/Vm.sol";
import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";
import {TimelockController} from "@openzeppelin/contracts/governance/TimelockController.sol";

import {DaoFixture} from "./DaoFixture.sol";

/// @notice The Timelock's roles are exactly as documented in DeployDao: proposer, canceller and
/// executor = the Governor only; the deployer keeps no role; the Timelock administers itself.
contract DaoWiringTest is DaoFixture {
    bytes32 internal constant ROLE_GRANTED = keccak256("RoleGranted(bytes32,address,address)");
    bytes32 internal constant ROLE_REVOKED = keccak256("RoleRevoked(bytes32,address,address)");

    /// @dev Replays every RoleGranted/RoleRevoked emitted during deployment into the final
    /// membership, so that a grant to any account at all (not just the ones we think of) shows up.
    function test_rolesFromEventsAreExactlyTheGovernor() public {
        vm.recordLogs();
        DaoDeployment memory d = deployWith(defaultParams());
        Vm.Log[] memory logs = vm.getRecordedLogs();
        TimelockController t = d.timelock;

        uint256 holders;
        for (uint256 i = 0; i < logs.length; ++i) {
            if (logs[i].emitter != address(t)) continue;
            bytes32 topic = logs[i].topics[0];
            if (topic != ROLE_GRANTED && topic != ROLE_REVOKED) continue;
            bytes32 role = logs[i].topics[1];
            address account = address(uint160(uint256(logs[i].topics[2])));
            bool granted = topic == ROLE_GRANTED;
            // Each event must agree with the final state, or be undone later in the log.
            if (granted && !t.hasRole(role, account)) {
                assertEq(role, t.DEFAULT_ADMIN_ROLE(), "only the admin role is ever taken back");
                assertEq(account, deployer, "only the deployer's admin role is temporary");
                continue;
            }
            if (!granted) continue;
            if (role == t.DEFAULT_ADMIN_ROLE()) {
                assertEq(account, address(t), "the timelock is its only admin");
            } else {
                assertTrue(
                    role == t.PROPOSER_ROLE() || role == t.CANCELLER_ROLE() || role == t.EXECUTOR_ROLE(),
                    "unexpected role"
                );
                assertEq(account, address(d.governor), "only the governor holds operational roles");
            }
            ++holders;
        }
        // timelock(admin) + governor(proposer, canceller, executor)
        assertEq(holders, 4, "role holders");
        checkWiring(d, deployer);
    }

    function test_checkWiringRejectsAnExtraProposer() public {
        // What a careless deployment looks like: the deployer left as a proposer.
        DaoDeployment memory d = deployWith(defaultParams());
        bytes32 proposer = d.timelock.PROPOSER_ROLE();
        vm.prank(address(d.timelock)); // the timelock is its own admin
        d.timelock.grantRole(proposer, deployer);
        vm.expectRevert(abi.encodeWithSelector(DaoWiringRole.selector, proposer, deployer, true));
        this.externalCheckWiring(d, deployer);
    }

    function test_deployerCannotScheduleOrGrant() public {
        DaoDeployment memory d = deployWith(defaultParams());
        TimelockController t = d.timelock;
        vm.startPrank(deployer);
        vm.expectRevert(
            abi.encodeWithSelector(
                IAccessControl.AccessControlUnauthorizedAccount.selector, deployer, t.PROPOSER_ROLE()
            )
        );
        t.schedule(address(t), 0, abi.encodeCall(t.updateDelay, (0)), 0, 0, TIMELOCK_DELAY);
        bytes32 admin = t.DEFAULT_ADMIN_ROLE();
        vm.expectRevert(
            abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, deployer, admin)
        );
        t.grantRole(admin, deployer);
        vm.expectRevert(
            abi.encodeWithSelector(
                IAccessControl.AccessControlUnauthorizedAccount.selector, deployer, t.EXECUTOR_ROLE()
            )
        );
        t.execute(address(t), 0, abi.encodeCall(t.updateDelay, (0)), 0, 0);
        vm.stopPrank();
    }

    function test_parametersAndClock() public {
        DaoDeployment memory d = deployWith(defaultParams());
        assertEq(d.governor.name(), "roflgov Governor");
        assertEq(d.governor.votingDelay(), VOTING_DELAY);
        assertEq(d.governor.votingPeriod(), VOTING_PERIOD);
        assertEq(d.governor.quorumNumerator(), QUORUM_PERCENT);
        assertEq(d.governor.proposalThreshold(), 0);
        assertEq(d.timelock.getMinDelay(), TIMELOCK_DELAY);
        assertEq(d.governor.CLOCK_MODE(), "mode=timestamp");
        assertEq(uint256(d.governor.clock()), block.timestamp);
        assertEq(address(d.governor.timelock()), address(d.timelock));
        assertEq(address(d.governor.token()), address(d.token));
        assertTrue(d.governor.proposalNeedsQueuing(0));
    }

    function test_appAdminOwnedByTimelock() public {
        DaoDeployment memory d = deployWith(defaultParams());
        assertTrue(d.appAdmin != address(0));
        (bool ok, bytes memory ret) = d.appAdmin.staticcall(abi.encodeWithSignature("owner()"));
        assertTrue(ok);
        assertEq(abi.decode(ret, (address)), address(d.timelock));
    }

    function externalCheckWiring(DaoDeployment memory d, address who) external view {
        checkWiring(d, who);
    }
}
