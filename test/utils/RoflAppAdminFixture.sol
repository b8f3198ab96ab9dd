// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {IRoflErrors} from "../../contracts/interfaces/IRoflErrors.sol";
import {Vm} from "forge-std/Vm.sol";
import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";

import {IRoflAppAdmin} from "../../contracts/interfaces/IRoflAppAdmin.sol";
import {OasisIds} from "../../contracts/libraries/OasisIds.sol";
import {RoflCbor} from "../../contracts/libraries/RoflCbor.sol";
import {RoflPolicyValidation} from "../../contracts/libraries/RoflPolicyValidation.sol";
import {RoflAppAdmin} from "../../contracts/rofl/RoflAppAdmin.sol";
import {RoflSubcall} from "../../contracts/rofl/RoflSubcall.sol";
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
} from "../../contracts/types/RoflTypes.sol";
import {RoflAppAdminBase} from "./RoflAppAdminBase.sol";

/// @dev An owner that refuses plain transfers.
contract RejectingOwner {
    function accept(RoflAppAdmin target) external {
        target.acceptOwnership();
    }

    function withdraw(RoflAppAdmin target) external {
        target.withdrawStake();
    }
}

/// @title Shared fixture of the RoflAppAdmin unit tests (one file per concern, test/RoflAppAdmin.*.t.sol)
/// @dev An app created in {setUp}, and the helpers several of the files use.
abstract contract RoflAppAdminFixture is RoflAppAdminBase {
    bytes21 internal appId;

    function setUp() public override {
        super.setUp();
        appId = _createDefault();
    }

    function _nestedEndorsements() internal pure returns (EndorsementNode[] memory nodes) {
        nodes = new EndorsementNode[](5);
        nodes[0] = _node(EndorsementKind.Or, "", 2);
        nodes[1] = _node(EndorsementKind.And, "", 2);
        nodes[2] = _node(EndorsementKind.RoleCompute, "", 0);
        nodes[3] = _node(EndorsementKind.Entity, abi.encodePacked(keccak256("entity")), 0);
        nodes[4] = _node(EndorsementKind.ProviderInstanceAdmin, abi.encodePacked(bytes21(keccak256("p"))), 0);
    }

    function _expectSetEndorsementsRevert(EndorsementNode[] memory nodes, bytes memory reason) internal {
        vm.prank(owner);
        vm.expectRevert(reason);
        rofl.setEndorsements(appId, 0, nodes);
    }

    function _fullQuotes() internal pure returns (QuotePolicy memory quotes) {
        quotes.pcsPresent = true;
        quotes.pcs.disabled = true;
        quotes.pcs.tcbValidityPeriod = 90;
        quotes.pcs.minTcbEvaluationDataNumber = 17;
        quotes.pcs.fmspcWhitelist = new string[](1);
        quotes.pcs.fmspcWhitelist[0] = "00606A000000";
        quotes.pcs.fmspcBlacklist = new string[](2);
        quotes.pcs.fmspcBlacklist[0] = "00906ED50000";
        quotes.pcs.fmspcBlacklist[1] = "30606A000000";
        quotes.pcs.tdxAllowed = true;
        quotes.pcs.allowedTdxModules = new TdxModule[](2);
        quotes.pcs.allowedTdxModules[0] = TdxModule("", new bytes(48));
        quotes.pcs.allowedTdxModules[1] = TdxModule(_repeat(0x11, 48), new bytes(48));
    }

    function _expectSetQuotesRevert(QuotePolicy memory quotes, bytes memory reason) internal {
        vm.prank(owner);
        vm.expectRevert(reason);
        rofl.setQuotePolicy(appId, 0, quotes);
    }

    function _release(bool removeFirst) internal returns (uint256 updates) {
        bytes[] memory calls = new bytes[](3);
        bytes memory add = abi.encodeCall(IRoflAppAdmin.addEnclave, (appId, 1, _identity(1)));
        bytes memory remove = abi.encodeCall(IRoflAppAdmin.removeEnclave, (appId, 1, _identity(0)));
        calls[0] = removeFirst ? remove : add;
        calls[1] = removeFirst ? add : remove;
        calls[2] = abi.encodeCall(IRoflAppAdmin.setMetadata, (appId, 1, "net.oasis.rofl.version", "1.1"));
        vm.recordLogs();
        vm.prank(owner);
        rofl.multicall(calls);
        updates = _countConfigUpdates(vm.getRecordedLogs());
    }

    function _allChangesWithVersion(uint64 v) internal view returns (bytes[] memory calls) {
        calls = new bytes[](13);
        calls[0] = abi.encodeCall(IRoflAppAdmin.addEnclave, (appId, v, _identity(1)));
        calls[1] = abi.encodeCall(IRoflAppAdmin.removeEnclave, (appId, v, _identity(0)));
        calls[2] = abi.encodeCall(IRoflAppAdmin.setEndorsements, (appId, v, _anyEndorsement()));
        calls[3] = abi.encodeCall(IRoflAppAdmin.setFees, (appId, v, FeePolicy.InstancePays));
        calls[4] = abi.encodeCall(IRoflAppAdmin.setMaxExpiration, (appId, v, 2));
        calls[5] = abi.encodeCall(IRoflAppAdmin.setQuotePolicy, (appId, v, _fullQuotes()));
        calls[6] = abi.encodeCall(IRoflAppAdmin.setMetadata, (appId, v, "k", "v"));
        calls[7] = abi.encodeCall(IRoflAppAdmin.deleteMetadata, (appId, v, "k"));
        calls[8] = abi.encodeCall(IRoflAppAdmin.setSecret, (appId, v, "k", hex"01"));
        calls[9] = abi.encodeCall(IRoflAppAdmin.deleteSecret, (appId, v, "k"));
        calls[10] = abi.encodeCall(IRoflAppAdmin.transferRoflAdmin, (appId, v, bytes21(uint168(1))));
        calls[11] = abi.encodeCall(IRoflAppAdmin.renounceRoflAdmin, (appId, v));
        calls[12] = abi.encodeCall(IRoflAppAdmin.removeApp, (appId, v));
    }
}

/// @dev Exposes the response parser to tests.
library RoflSubcallHarness {
    function decodeAppId(bytes memory result) internal pure returns (bytes21) {
        return RoflSubcall.decodeAppId(result);
    }
}
