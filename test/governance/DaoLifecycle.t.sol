// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {IGovernor} from "@openzeppelin/contracts/governance/IGovernor.sol";
import {TimelockController} from "@openzeppelin/contracts/governance/TimelockController.sol";
import {Strings} from "@openzeppelin/contracts/utils/Strings.sol";

import {RoflGovernor} from "../../contracts/governance/RoflGovernor.sol";
import {DaoFixture} from "./DaoFixture.sol";

/// @notice The proposal state machine end to end at the Solidity level. The governed change is
/// the DAO's own settings (timelock delay and voting period): observable, and only reachable
/// through a vote.
contract DaoLifecycleTest is DaoFixture {
    RoflGovernor internal gov;
    TimelockController internal timelock;

    address[] internal targets;
    uint256[] internal values;
    bytes[] internal calldatas;
    string internal description;

    function setUp() public {
        setUpDao();
        gov = dao.governor;
        timelock = dao.timelock;
        targets = [address(timelock), address(gov)];
        values = [uint256(0), 0];
        calldatas.push(abi.encodeCall(TimelockController.updateDelay, (3 days)));
        calldatas.push(abi.encodeCall(gov.setVotingPeriod, (4 days)));
        description = string.concat("# Release 1.2\n\nLonger delays.\n\n#proposer=", Strings.toHexString(alice));
    }

    function _propose() internal returns (uint256 id) {
        vm.prank(alice);
        id = gov.propose(targets, values, calldatas, description);
    }

    function _descriptionHash() internal view returns (bytes32) {
        return keccak256(bytes(description));
    }

    function _toActive(uint256 id) internal {
        vm.warp(gov.proposalSnapshot(id) + 1);
        assertEq(uint8(gov.state(id)), uint8(IGovernor.ProposalState.Active));
    }

    function _toEnd(uint256 id) internal {
        vm.warp(gov.proposalDeadline(id) + 1);
    }

    function test_fullLifecycle() public {
        uint256 id = _propose();
        assertEq(id, uint256(keccak256(abi.encode(targets, values, calldatas, _descriptionHash()))));
        assertEq(id, gov.hashProposal(targets, values, calldatas, _descriptionHash()));
        assertEq(uint8(gov.state(id)), uint8(IGovernor.ProposalState.Pending));
        assertEq(gov.proposalProposer(id), alice);

        _toActive(id);
        vm.prank(alice);
        gov.castVoteWithReason(id, 1, "identities match the ORC bundle");
        vm.prank(bob);
        gov.castVote(id, 0);
        vm.prank(carol);
        gov.castVote(id, 2);
        (uint256 against, uint256 forVotes, uint256 abstain) = gov.proposalVotes(id);
        assertEq(forVotes, 300_000 ether);
        assertEq(against, 200_000 ether);
        assertEq(abstain, 10_000 ether);

        _toEnd(id);
        assertEq(uint8(gov.state(id)), uint8(IGovernor.ProposalState.Succeeded));
        gov.queue(targets, values, calldatas, _descriptionHash());
        assertEq(uint8(gov.state(id)), uint8(IGovernor.ProposalState.Queued));
        assertEq(gov.proposalEta(id), block.timestamp + TIMELOCK_DELAY);

        // Too early: the timelock refuses (its operation is not Ready yet).
        bytes32 opId =
            timelock.hashOperationBatch(targets, values, calldatas, 0, bytes20(address(gov)) ^ _descriptionHash());
        vm.expectRevert(
            abi.encodeWithSelector(
                TimelockController.TimelockUnexpectedOperationState.selector,
                opId,
                bytes32(1 << uint8(TimelockController.OperationState.Ready))
            )
        );
        gov.execute(targets, values, calldatas, _descriptionHash());

        vm.warp(gov.proposalEta(id));
        vm.prank(makeAddr("anyone")); // execution through the Governor is permissionless
        gov.execute(targets, values, calldatas, _descriptionHash());
        assertEq(uint8(gov.state(id)), uint8(IGovernor.ProposalState.Executed));
        assertEq(timelock.getMinDelay(), 3 days);
        assertEq(gov.votingPeriod(), 4 days);
        assertTrue(timelock.isOperationDone(opId));
    }

    function test_proposerSuffixStopsFrontRunning() public {
        vm.prank(bob);
        vm.expectRevert(abi.encodeWithSelector(IGovernor.GovernorRestrictedProposer.selector, bob));
        gov.propose(targets, values, calldatas, description);
    }

    function test_moreAgainstIsDefeatedAndCannotBeQueued() public {
        uint256 id = _propose();
        _toActive(id);
        vm.prank(alice);
        gov.castVote(id, 0);
        vm.prank(bob);
        gov.castVote(id, 1);
        _toEnd(id);
        _expectDefeatedAndUnqueueable(id);
    }

    function test_noQuorumIsDefeatedAndCannotBeQueued() public {
        uint256 id = _propose();
        _toActive(id);
        vm.prank(carol); // 1% for, 0 against: more for, but quorum is 4%
        gov.castVote(id, 1);
        _toEnd(id);
        assertLt(10_000 ether, gov.quorum(gov.proposalSnapshot(id)));
        _expectDefeatedAndUnqueueable(id);
    }

    function _expectDefeatedAndUnqueueable(uint256 id) internal {
        assertEq(uint8(gov.state(id)), uint8(IGovernor.ProposalState.Defeated));
        vm.expectRevert(
            abi.encodeWithSelector(
                IGovernor.GovernorUnexpectedProposalState.selector,
                id,
                IGovernor.ProposalState.Defeated,
                stateBit(IGovernor.ProposalState.Succeeded)
            )
        );
        gov.queue(targets, values, calldatas, _descriptionHash());
    }

    function test_voteBySigCountsOnceAndReplayFails() public {
        uint256 id = _propose();
        _toActive(id);
        uint256 nonce = gov.nonces(alice);
        bytes32 structHash = keccak256(abi.encode(gov.BALLOT_TYPEHASH(), id, uint8(1), alice, nonce));
        (, string memory name, string memory version, uint256 chainId, address verifying,,) = gov.eip712Domain();
        bytes32 domain = keccak256(
            abi.encode(
                keccak256("EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)"),
                keccak256(bytes(name)),
                keccak256(bytes(version)),
                chainId,
                verifying
            )
        );
        assertEq(name, "roflgov Governor");
        assertEq(version, "1");
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(aliceKey, keccak256(abi.encodePacked("\x19\x01", domain, structHash)));
        bytes memory sig = abi.encodePacked(r, s, v);

        vm.prank(bob); // a relayer submits it
        gov.castVoteBySig(id, 1, alice, sig);
        assertTrue(gov.hasVoted(id, alice));
        (, uint256 forVotes,) = gov.proposalVotes(id);
        assertEq(forVotes, 300_000 ether);
        assertEq(gov.nonces(alice), nonce + 1);

        // The nonce moved on: the same signature now recovers to a different digest.
        vm.expectRevert(abi.encodeWithSelector(IGovernor.GovernorInvalidSignature.selector, alice));
        gov.castVoteBySig(id, 1, alice, sig);
        (, forVotes,) = gov.proposalVotes(id);
        assertEq(forVotes, 300_000 ether);
    }

    function test_cancelByProposerWhilePending() public {
        uint256 id = _propose();
        vm.prank(bob);
        vm.expectRevert(abi.encodeWithSelector(IGovernor.GovernorUnableToCancel.selector, id, bob));
        gov.cancel(targets, values, calldatas, _descriptionHash());

        vm.prank(alice);
        gov.cancel(targets, values, calldatas, _descriptionHash());
        assertEq(uint8(gov.state(id)), uint8(IGovernor.ProposalState.Canceled));

        vm.warp(gov.proposalSnapshot(id) + 1);
        vm.prank(alice);
        vm.expectRevert(
            abi.encodeWithSelector(
                IGovernor.GovernorUnexpectedProposalState.selector,
                id,
                IGovernor.ProposalState.Canceled,
                stateBit(IGovernor.ProposalState.Active)
            )
        );
        gov.castVote(id, 1);
    }

    function test_proposerCannotCancelOnceActive() public {
        uint256 id = _propose();
        _toActive(id);
        vm.prank(alice);
        vm.expectRevert(abi.encodeWithSelector(IGovernor.GovernorUnableToCancel.selector, id, alice));
        gov.cancel(targets, values, calldatas, _descriptionHash());
    }

    function test_timelockCannotBeBypassed() public {
        // Even the Governor's own settings only change through the timelock.
        vm.prank(alice);
        vm.expectRevert(abi.encodeWithSelector(IGovernor.GovernorOnlyExecutor.selector, alice));
        gov.setVotingPeriod(1);
    }
}
