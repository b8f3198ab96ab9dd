// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {IRoflErrors} from "../contracts/interfaces/IRoflErrors.sol";
import {Vm} from "forge-std/Vm.sol";
import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";

import {IRoflAppAdmin} from "../contracts/interfaces/IRoflAppAdmin.sol";
import {OasisIds} from "../contracts/libraries/OasisIds.sol";
import {RoflCbor} from "../contracts/libraries/RoflCbor.sol";
import {RoflPolicyValidation} from "../contracts/libraries/RoflPolicyValidation.sol";
import {RoflAppAdmin} from "../contracts/rofl/RoflAppAdmin.sol";
import {RoflSubcall} from "../contracts/rofl/RoflSubcall.sol";
import {
    AppConfig,
    AppPolicy,
    EnclaveIdentity,
    EndorsementKind,
    EndorsementNode,
    FeePolicy,
    MetadataEntry,
    QuotePolicy,
    SecretEntry,
    TdxModule
} from "../contracts/types/RoflTypes.sol";
import {RoflAppAdminBase} from "./utils/RoflAppAdminBase.sol";
import {RoflAppAdminFixture, RejectingOwner, RoflSubcallHarness} from "./utils/RoflAppAdminFixture.sol";

/// @title RoflAppAdmin against the strict ROFL module stand-in: enclave identities and endorsements
contract RoflAppAdminEnclavesTest is RoflAppAdminFixture {
    function test_AddEnclave() public {
        EnclaveIdentity memory identity = _identity(1);
        vm.expectEmit(true, false, false, true, address(rofl));
        emit IRoflAppAdmin.EnclaveAdded(appId, identity.mrEnclave, identity.mrSigner);
        vm.prank(owner);
        rofl.addEnclave(appId, 1, identity);
        assertEq(rofl.version(appId), 2);
        assertEq(standIn.appEnclaves(appId).length, 2);
        _assertInSync(appId);
    }

    function test_AddEnclave_DuplicateReverts() public {
        EnclaveIdentity memory identity = _identity(0);
        vm.prank(owner);
        vm.expectRevert(
            abi.encodeWithSelector(
                IRoflErrors.EnclaveAlreadyAllowed.selector, appId, identity.mrEnclave, identity.mrSigner
            )
        );
        rofl.addEnclave(appId, 0, identity);
    }

    function test_AddEnclave_TooManyReverts() public {
        AppPolicy memory policy = _defaultPolicy();
        policy.enclaves = _enclaves(64);
        bytes21 full = _create(policy, _noMetadata());
        vm.prank(owner);
        vm.expectRevert(abi.encodeWithSelector(IRoflErrors.TooManyEnclaves.selector, 65, 64));
        rofl.addEnclave(full, 0, _identity(64));

        policy.enclaves = _enclaves(65);
        vm.prank(owner);
        vm.expectRevert(abi.encodeWithSelector(IRoflErrors.TooManyEnclaves.selector, 65, 64));
        rofl.createApp{value: STAKE}(policy, _noMetadata(), 1);
    }

    function test_RemoveEnclave_SwapAndPop() public {
        vm.startPrank(owner);
        rofl.addEnclave(appId, 0, _identity(1));
        rofl.addEnclave(appId, 0, _identity(2));
        rofl.addEnclave(appId, 0, _identity(3));
        vm.expectEmit(true, false, false, true, address(rofl));
        emit IRoflAppAdmin.EnclaveRemoved(appId, _identity(1).mrEnclave, _identity(1).mrSigner);
        rofl.removeEnclave(appId, 4, _identity(1));
        vm.stopPrank();

        EnclaveIdentity[] memory enclaves = rofl.getApp(appId).policy.enclaves;
        assertEq(enclaves.length, 3);
        assertEq(enclaves[1].mrEnclave, _identity(3).mrEnclave);
        _assertInSync(appId);

        // the moved identity is still found at its new place
        vm.startPrank(owner);
        rofl.removeEnclave(appId, 0, _identity(3));
        rofl.removeEnclave(appId, 0, _identity(2));
        vm.stopPrank();
        enclaves = rofl.getApp(appId).policy.enclaves;
        assertEq(enclaves.length, 1);
        assertEq(enclaves[0].mrEnclave, _identity(0).mrEnclave);
        _assertInSync(appId);
    }

    function test_RemoveEnclave_UnknownReverts() public {
        EnclaveIdentity memory identity = _identity(9);
        vm.prank(owner);
        vm.expectRevert(
            abi.encodeWithSelector(IRoflErrors.EnclaveNotAllowed.selector, appId, identity.mrEnclave, identity.mrSigner)
        );
        rofl.removeEnclave(appId, 0, identity);
    }

    function test_RemoveEnclave_LastReverts() public {
        vm.prank(owner);
        vm.expectRevert(abi.encodeWithSelector(IRoflErrors.EmptyEnclaveList.selector, appId));
        rofl.removeEnclave(appId, 0, _identity(0));
    }

    function test_SetEndorsements() public {
        EndorsementNode[] memory nodes = _nestedEndorsements();
        vm.expectEmit(true, false, false, true, address(rofl));
        emit IRoflAppAdmin.EndorsementsReplaced(appId, nodes);
        vm.prank(owner);
        rofl.setEndorsements(appId, 1, nodes);
        EndorsementNode[] memory stored = rofl.getApp(appId).policy.endorsements;
        assertEq(stored.length, 5);
        assertEq(uint8(stored[4].kind), uint8(EndorsementKind.ProviderInstanceAdmin));
        assertEq(stored[3].value, abi.encodePacked(keccak256("entity")));
        _assertInSync(appId);

        // shrinking replaces the whole list
        vm.prank(owner);
        rofl.setEndorsements(appId, 2, _anyEndorsement());
        assertEq(rofl.getApp(appId).policy.endorsements.length, 1);
        _assertInSync(appId);
    }

    function test_SetEndorsements_MaximumDepthAndAtoms() public {
        // or > and > or > any: lists at depths 1 to 4
        EndorsementNode[] memory nodes = new EndorsementNode[](32);
        nodes[0] = _node(EndorsementKind.Or, "", 1);
        nodes[1] = _node(EndorsementKind.And, "", 1);
        nodes[2] = _node(EndorsementKind.Or, "", 29);
        for (uint256 i = 3; i < 32; ++i) {
            nodes[i] = _node(EndorsementKind.Node, abi.encodePacked(bytes32(i)), 0);
        }
        vm.prank(owner);
        rofl.setEndorsements(appId, 0, nodes);
        _assertInSync(appId);
    }

    function test_SetEndorsements_Invalid() public {
        EndorsementNode[] memory nodes;

        nodes = new EndorsementNode[](0);
        _expectSetEndorsementsRevert(nodes, abi.encodeWithSelector(IRoflErrors.EmptyEndorsementList.selector));

        nodes = new EndorsementNode[](33);
        for (uint256 i; i < 33; ++i) {
            nodes[i] = _node(EndorsementKind.Any, "", 0);
        }
        _expectSetEndorsementsRevert(
            nodes, abi.encodeWithSelector(IRoflErrors.TooManyEndorsementAtoms.selector, 33, 32)
        );

        // four nested operators: the innermost children list would be at depth 5
        nodes = new EndorsementNode[](5);
        nodes[0] = _node(EndorsementKind.Or, "", 1);
        nodes[1] = _node(EndorsementKind.And, "", 1);
        nodes[2] = _node(EndorsementKind.Or, "", 1);
        nodes[3] = _node(EndorsementKind.And, "", 1);
        nodes[4] = _node(EndorsementKind.Any, "", 0);
        _expectSetEndorsementsRevert(nodes, abi.encodeWithSelector(IRoflErrors.EndorsementTooDeep.selector, 5, 4));

        // even an empty operator counts (oasis-sdk checks depth before looking at children)
        nodes = new EndorsementNode[](4);
        nodes[0] = _node(EndorsementKind.Or, "", 1);
        nodes[1] = _node(EndorsementKind.And, "", 1);
        nodes[2] = _node(EndorsementKind.Or, "", 1);
        nodes[3] = _node(EndorsementKind.And, "", 0);
        _expectSetEndorsementsRevert(nodes, abi.encodeWithSelector(IRoflErrors.EndorsementTooDeep.selector, 5, 4));

        nodes = new EndorsementNode[](2);
        nodes[0] = _node(EndorsementKind.Or, "", 2);
        nodes[1] = _node(EndorsementKind.Any, "", 0);
        _expectSetEndorsementsRevert(nodes, abi.encodeWithSelector(IRoflErrors.EndorsementTreeMalformed.selector, 2));

        nodes = new EndorsementNode[](2);
        nodes[0] = _node(EndorsementKind.Any, "", 1);
        nodes[1] = _node(EndorsementKind.Any, "", 0);
        _expectSetEndorsementsRevert(nodes, abi.encodeWithSelector(IRoflErrors.EndorsementTreeMalformed.selector, 0));

        nodes = new EndorsementNode[](1);
        nodes[0] = _node(EndorsementKind.Entity, new bytes(31), 0);
        _expectSetEndorsementsRevert(nodes, abi.encodeWithSelector(IRoflErrors.InvalidEndorsementValue.selector, 0, 31));
        nodes[0] = _node(EndorsementKind.Provider, new bytes(32), 0);
        _expectSetEndorsementsRevert(nodes, abi.encodeWithSelector(IRoflErrors.InvalidEndorsementValue.selector, 0, 32));
        nodes[0] = _node(EndorsementKind.Any, new bytes(1), 0);
        _expectSetEndorsementsRevert(nodes, abi.encodeWithSelector(IRoflErrors.InvalidEndorsementValue.selector, 0, 1));
        nodes[0] = _node(EndorsementKind.Or, new bytes(1), 0);
        _expectSetEndorsementsRevert(nodes, abi.encodeWithSelector(IRoflErrors.InvalidEndorsementValue.selector, 0, 1));
    }
}
