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

/// @title RoflAppAdmin against the strict ROFL module stand-in: multicall batches
contract RoflAppAdminMulticallTest is RoflAppAdminFixture {
    function test_Multicall_ReleaseIsOneUpdate() public {
        assertEq(_release(false), 1);
        assertEq(rofl.version(appId), 2);
        EnclaveIdentity[] memory enclaves = standIn.appEnclaves(appId);
        assertEq(enclaves.length, 1);
        assertEq(enclaves[0].mrEnclave, _identity(1).mrEnclave);
        _assertInSync(appId);
    }

    function test_Multicall_RemoveBeforeAddIsFine() public {
        assertEq(_release(true), 1);
        _assertInSync(appId);
    }

    function test_Multicall_EmptyAtTheEndReverts() public {
        bytes[] memory calls = new bytes[](1);
        calls[0] = abi.encodeCall(IRoflAppAdmin.removeEnclave, (appId, 1, _identity(0)));
        vm.prank(owner);
        vm.expectRevert(abi.encodeWithSelector(IRoflErrors.EmptyEnclaveList.selector, appId));
        rofl.multicall(calls);
    }

    function test_Multicall_TwoAppsTwoUpdates() public {
        bytes21 second = _createDefault();
        bytes[] memory calls = new bytes[](4);
        calls[0] = abi.encodeCall(IRoflAppAdmin.setMetadata, (appId, 1, "a", "1"));
        calls[1] = abi.encodeCall(IRoflAppAdmin.setMetadata, (second, 1, "a", "2"));
        calls[2] = abi.encodeCall(IRoflAppAdmin.setMetadata, (appId, 1, "b", "1"));
        calls[3] = abi.encodeCall(IRoflAppAdmin.setSecret, (second, 1, "s", hex"02"));
        vm.recordLogs();
        vm.prank(owner);
        rofl.multicall(calls);
        assertEq(_countConfigUpdates(vm.getRecordedLogs()), 2);
        assertEq(rofl.version(appId), 2);
        assertEq(rofl.version(second), 2);
        _assertInSync(appId);
        _assertInSync(second);
    }

    function test_Multicall_ReturnsResults() public {
        bytes[] memory calls = new bytes[](2);
        calls[0] = abi.encodeCall(IRoflAppAdmin.version, (appId));
        calls[1] = abi.encodeCall(IRoflAppAdmin.setFees, (appId, 1, FeePolicy.InstancePays));
        vm.prank(owner);
        bytes[] memory results = rofl.multicall(calls);
        assertEq(abi.decode(results[0], (uint64)), 1);
        assertEq(results[1].length, 0);
    }

    function test_Multicall_BubblesRevert() public {
        bytes[] memory calls = new bytes[](2);
        calls[0] = abi.encodeCall(IRoflAppAdmin.setFees, (appId, 1, FeePolicy.InstancePays));
        calls[1] = abi.encodeCall(IRoflAppAdmin.setMaxExpiration, (appId, 1, 99));
        vm.prank(owner);
        vm.expectRevert(abi.encodeWithSelector(IRoflErrors.InvalidMaxExpiration.selector, 99, 24));
        rofl.multicall(calls);
        // nothing happened, and the batch flag is not left behind
        assertEq(rofl.version(appId), 1);
        vm.prank(owner);
        rofl.setFees(appId, 1, FeePolicy.InstancePays);
        assertEq(rofl.version(appId), 2);
    }

    function test_Multicall_NestedReverts() public {
        bytes[] memory inner = new bytes[](0);
        bytes[] memory calls = new bytes[](1);
        calls[0] = abi.encodeCall(IRoflAppAdmin.multicall, (inner));
        vm.prank(owner);
        vm.expectRevert(IRoflErrors.NestedMulticall.selector);
        rofl.multicall(calls);
    }

    function test_Multicall_VersionCheckedAgainstBatchStart() public {
        bytes[] memory calls = new bytes[](2);
        calls[0] = abi.encodeCall(IRoflAppAdmin.setFees, (appId, 1, FeePolicy.InstancePays));
        calls[1] = abi.encodeCall(IRoflAppAdmin.setMaxExpiration, (appId, 1, 7));
        vm.prank(owner);
        rofl.multicall(calls);
        assertEq(rofl.version(appId), 2);
        // a proposal drafted against version 1 is now stale as a whole
        vm.prank(owner);
        vm.expectRevert(abi.encodeWithSelector(IRoflErrors.StaleVersion.selector, appId, 1, 2));
        rofl.multicall(calls);
    }

    function test_Multicall_AdoptAndChangeIsOneUpdate() public {
        AppPolicy memory policy = _defaultPolicy();
        bytes21 adopted = _createElsewhereAndHandOver(makeAddr("creator"), policy, _noMetadata());
        bytes[] memory calls = new bytes[](3);
        calls[0] = abi.encodeCall(IRoflAppAdmin.adoptApp, (adopted, policy, _noMetadata(), _noSecrets()));
        calls[1] = abi.encodeCall(IRoflAppAdmin.addEnclave, (adopted, 0, _identity(5)));
        calls[2] = abi.encodeCall(IRoflAppAdmin.setSecret, (adopted, 0, "k", hex"01"));
        vm.recordLogs();
        vm.prank(owner);
        rofl.multicall(calls);
        assertEq(_countConfigUpdates(vm.getRecordedLogs()), 1);
        assertEq(rofl.version(adopted), 1);
        assertEq(standIn.lastBody(adopted), rofl.encodeUpdate(adopted));
        _assertInSync(adopted);
    }

    function test_Multicall_TransferInsideBatchCarriesEarlierChanges() public {
        bytes21 next = OasisIds.fromEth(makeAddr("next"));
        bytes[] memory calls = new bytes[](2);
        calls[0] = abi.encodeCall(IRoflAppAdmin.setMetadata, (appId, 1, "k", "v"));
        calls[1] = abi.encodeCall(IRoflAppAdmin.transferRoflAdmin, (appId, 1, next));
        vm.recordLogs();
        vm.prank(owner);
        rofl.multicall(calls);
        assertEq(_countConfigUpdates(vm.getRecordedLogs()), 1);
        (, bytes21 moduleAdmin) = standIn.appAdmin(appId);
        assertEq(moduleAdmin, next);
        assertEq(standIn.appMetadata(appId)[0].value, "v");
    }

    function test_Multicall_RemoveInsideBatchSendsNoUpdate() public {
        bytes[] memory calls = new bytes[](2);
        calls[0] = abi.encodeCall(IRoflAppAdmin.setMetadata, (appId, 1, "k", "v"));
        calls[1] = abi.encodeCall(IRoflAppAdmin.removeApp, (appId, 1));
        vm.recordLogs();
        vm.prank(owner);
        rofl.multicall(calls);
        assertEq(_countConfigUpdates(vm.getRecordedLogs()), 0);
        assertFalse(standIn.appExists(appId));
    }

    function test_Multicall_TransferThenReadoptInOneBatch() public {
        address next = makeAddr("next");
        vm.prank(owner);
        rofl.transferRoflAdmin(appId, 0, OasisIds.fromEth(next));
        AppPolicy memory policy = _defaultPolicy();
        bytes memory back = RoflCbor.encodeUpdate(appId, policy, rofl.roflAdminAddress(), _noMetadata(), _noSecrets());
        vm.prank(next);
        _subcall("rofl.Update", back);

        // adoption and two changes of the same key: one update with the final value
        bytes[] memory calls = new bytes[](3);
        calls[0] = abi.encodeCall(IRoflAppAdmin.adoptApp, (appId, policy, _noMetadata(), _noSecrets()));
        calls[1] = abi.encodeCall(IRoflAppAdmin.setMetadata, (appId, 0, "k", "v"));
        calls[2] = abi.encodeCall(IRoflAppAdmin.setMetadata, (appId, 0, "k", "w"));
        vm.recordLogs();
        vm.prank(owner);
        rofl.multicall(calls);
        assertEq(_countConfigUpdates(vm.getRecordedLogs()), 1);
        _assertInSync(appId);
    }
}
