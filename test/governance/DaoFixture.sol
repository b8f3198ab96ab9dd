// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {Test} from "forge-std/Test.sol";
import {IGovernor} from "@openzeppelin/contracts/governance/IGovernor.sol";

import {RoflGovToken} from "../../contracts/governance/RoflGovToken.sol";
import {DaoDeployer} from "../../script/DeployDao.s.sol";

/// @notice Deploys the DAO exactly as the script does (same `deployDao`), from a pranked deployer,
/// and hands out voting power to three voters.
abstract contract DaoFixture is Test, DaoDeployer {
    uint48 internal constant VOTING_DELAY = 1 days;
    uint32 internal constant VOTING_PERIOD = 3 days;
    uint256 internal constant TIMELOCK_DELAY = 2 days;
    uint256 internal constant QUORUM_PERCENT = 4;
    uint256 internal constant SUPPLY = 1_000_000 ether;

    address internal deployer = makeAddr("deployer");
    address internal alice;
    uint256 internal aliceKey;
    address internal bob = makeAddr("bob");
    address internal carol = makeAddr("carol");

    DaoDeployment internal dao;
    RoflGovToken internal token;

    function defaultParams() internal view returns (DaoParams memory p) {
        p.tokenName = "roflgov Vote";
        p.tokenSymbol = "RGV";
        p.tokenSupply = SUPPLY;
        p.tokenHolder = deployer;
        p.governorName = "roflgov Governor";
        p.votingDelay = VOTING_DELAY;
        p.votingPeriod = VOTING_PERIOD;
        p.proposalThreshold = 0;
        p.quorumPercent = QUORUM_PERCENT;
        p.timelockDelay = TIMELOCK_DELAY;
        p.deployAppAdmin = true;
    }

    function deployWith(DaoParams memory p) internal returns (DaoDeployment memory d) {
        vm.startPrank(deployer);
        d = deployDao(p, deployer);
        vm.stopPrank();
    }

    /// @dev alice 30%, bob 20%, carol 1% (below quorum on her own); the deployer keeps the rest
    /// undelegated, so it counts in the quorum's denominator but never votes.
    function setUpDao() internal {
        (alice, aliceKey) = makeAddrAndKey("alice");
        dao = deployWith(defaultParams());
        token = RoflGovToken(address(dao.token));
        vm.startPrank(deployer);
        token.transfer(alice, 300_000 ether);
        token.transfer(bob, 200_000 ether);
        token.transfer(carol, 10_000 ether);
        vm.stopPrank();
        vm.prank(alice);
        token.delegate(alice);
        vm.prank(bob);
        token.delegate(bob);
        vm.prank(carol);
        token.delegate(carol);
        vm.warp(block.timestamp + 1);
    }

    function stateBit(IGovernor.ProposalState s) internal pure returns (bytes32) {
        return bytes32(1 << uint8(s));
    }
}
