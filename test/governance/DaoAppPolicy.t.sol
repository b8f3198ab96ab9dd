// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {IRoflErrors} from "../../contracts/interfaces/IRoflErrors.sol";
import {IGovernor} from "@openzeppelin/contracts/governance/IGovernor.sol";
import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {Strings} from "@openzeppelin/contracts/utils/Strings.sol";

import {IRoflAppAdmin} from "../../contracts/interfaces/IRoflAppAdmin.sol";
import {
    AppPolicy,
    EnclaveIdentity,
    EndorsementKind,
    EndorsementNode,
    FeePolicy,
    MetadataEntry
} from "../../contracts/types/RoflTypes.sol";
import {RoflModuleStandIn} from "../../contracts/testing/RoflModuleStandIn.sol";
import {RoflStandInFixture} from "../utils/RoflStandInFixture.sol";
import {DaoFixture} from "./DaoFixture.sol";

/// @notice The DAO in charge of an app at the Solidity level: the Timelock owns the policy
/// contract, a vote creates the app and a second vote swaps its enclave identity in the ROFL
/// stand-in; a proposal drafted against an old version fails at execution with StaleVersion.
contract DaoAppPolicyTest is DaoFixture, RoflStandInFixture {
    RoflModuleStandIn internal standIn;
    IRoflAppAdmin internal admin;
    bytes21 internal appId;

    function setUp() public {
        standIn = _installRoflStandIn();
        setUpDao();
        admin = IRoflAppAdmin(dao.appAdmin);
        vm.deal(carol, 1000 ether);

        AppPolicy memory policy;
        policy.quotes.pcsPresent = true;
        policy.quotes.pcs.tcbValidityPeriod = 30;
        policy.quotes.pcs.minTcbEvaluationDataNumber = 18;
        policy.quotes.pcs.tdxAllowed = true;
        policy.enclaves = new EnclaveIdentity[](1);
        policy.enclaves[0] = _identity(0x11);
        policy.endorsements = new EndorsementNode[](1);
        policy.endorsements[0] = EndorsementNode(EndorsementKind.Any, "", 0);
        policy.fees = FeePolicy.EndorsingNodePays;
        policy.maxExpiration = 3;

        (address[] memory t, uint256[] memory v, bytes[] memory c) = _one(
            address(admin), 100 ether, abi.encodeCall(IRoflAppAdmin.createApp, (policy, new MetadataEntry[](0), 1))
        );
        _pass(t, v, c, "create");
        bytes21[] memory ids = admin.appIds();
        assertEq(ids.length, 1);
        appId = ids[0];
    }

    function _identity(uint8 b) internal pure returns (EnclaveIdentity memory) {
        return
            EnclaveIdentity(bytes32(uint256(b) * 0x0101010101010101010101010101010101010101010101010101010101010101), 0);
    }

    function _one(address target, uint256 value, bytes memory data)
        internal
        pure
        returns (address[] memory t, uint256[] memory v, bytes[] memory c)
    {
        t = new address[](1);
        v = new uint256[](1);
        c = new bytes[](1);
        (t[0], v[0], c[0]) = (target, value, data);
    }

    function _describe(string memory title) internal view returns (string memory) {
        return string.concat("# ", title, "\n\n#proposer=", Strings.toHexString(alice));
    }

    function _voteAndQueue(address[] memory t, uint256[] memory v, bytes[] memory c, string memory title)
        internal
        returns (uint256 id)
    {
        DaoDeployment memory d = dao;
        vm.prank(alice);
        id = d.governor.propose(t, v, c, _describe(title));
        vm.warp(d.governor.proposalSnapshot(id) + 1);
        vm.prank(alice);
        d.governor.castVote(id, 1);
        vm.prank(bob);
        d.governor.castVote(id, 1);
        vm.warp(d.governor.proposalDeadline(id) + 1);
        d.governor.queue(t, v, c, keccak256(bytes(_describe(title))));
    }

    function _pass(address[] memory t, uint256[] memory v, bytes[] memory c, string memory title) internal {
        uint256 id = _voteAndQueue(t, v, c, title);
        vm.warp(dao.governor.proposalEta(id));
        uint256 total;
        for (uint256 i = 0; i < v.length; ++i) {
            total += v[i];
        }
        vm.prank(carol);
        dao.governor.execute{value: total}(t, v, c, keccak256(bytes(_describe(title))));
        assertEq(uint8(dao.governor.state(id)), uint8(IGovernor.ProposalState.Executed));
    }

    function test_timelockOwnsThePolicyContract() public {
        assertEq(Ownable(address(admin)).owner(), address(dao.timelock));
        vm.prank(deployer);
        vm.expectRevert(abi.encodeWithSelector(Ownable.OwnableUnauthorizedAccount.selector, deployer));
        admin.addEnclave(appId, 0, _identity(0x22));
        assertTrue(standIn.appExists(appId));
        (bool hasAdmin, bytes21 moduleAdmin) = standIn.appAdmin(appId);
        assertTrue(hasAdmin);
        assertEq(moduleAdmin, admin.roflAdminAddress());
    }

    function test_voteSwapsTheEnclaveInTheModule() public {
        address[] memory t = new address[](2);
        uint256[] memory v = new uint256[](2);
        bytes[] memory c = new bytes[](2);
        (t[0], t[1]) = (address(admin), address(admin));
        c[0] = abi.encodeCall(IRoflAppAdmin.addEnclave, (appId, 1, _identity(0x22)));
        c[1] = abi.encodeCall(IRoflAppAdmin.removeEnclave, (appId, 2, _identity(0x11)));
        _pass(t, v, c, "Release 1.1");

        EnclaveIdentity[] memory enclaves = standIn.appEnclaves(appId);
        assertEq(enclaves.length, 1);
        assertEq(enclaves[0].mrEnclave, _identity(0x22).mrEnclave);
        assertEq(admin.version(appId), 3);
    }

    function test_staleProposalFailsAtExecution() public {
        (address[] memory t1, uint256[] memory v1, bytes[] memory c1) =
            _one(address(admin), 0, abi.encodeCall(IRoflAppAdmin.setMetadata, (appId, 1, "k", "v")));
        uint256 staleId = _voteAndQueue(t1, v1, c1, "metadata");
        (address[] memory t2, uint256[] memory v2, bytes[] memory c2) =
            _one(address(admin), 0, abi.encodeCall(IRoflAppAdmin.addEnclave, (appId, 1, _identity(0x33))));
        _pass(t2, v2, c2, "enclave");
        assertEq(admin.version(appId), 2);

        vm.warp(dao.governor.proposalEta(staleId) + 1);
        vm.expectRevert(abi.encodeWithSelector(IRoflErrors.StaleVersion.selector, appId, uint64(1), uint64(2)));
        dao.governor.execute(t1, v1, c1, keccak256(bytes(_describe("metadata"))));
        assertEq(uint8(dao.governor.state(staleId)), uint8(IGovernor.ProposalState.Queued));
    }
}
