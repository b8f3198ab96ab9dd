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

/// @title RoflAppAdmin against the strict ROFL module stand-in: Deployment and views
contract RoflAppAdminViewsTest is RoflAppAdminFixture {
    function test_Constructor() public view {
        assertEq(rofl.owner(), owner);
        assertEq(rofl.roflAdminAddress(), OasisIds.fromEth(address(rofl)));
        assertEq(rofl.CREATE_STAKE(), 100 ether);
    }

    function test_Constructor_ZeroOwnerReverts() public {
        vm.expectRevert(abi.encodeWithSelector(Ownable.OwnableInvalidOwner.selector, address(0)));
        new RoflAppAdmin(address(0));
    }

    function test_Views_IndependentOfCaller() public {
        vm.prank(owner);
        rofl.setSecret(appId, 0, "s", hex"0102");
        bytes memory asStranger;
        bytes memory asZero;
        vm.prank(stranger);
        asStranger = rofl.encodeUpdate(appId);
        vm.prank(address(0));
        asZero = rofl.encodeUpdate(appId);
        assertEq(asStranger, asZero);
        vm.prank(address(0));
        AppConfig memory config = rofl.getApp(appId);
        assertEq(config.version, 2);
        assertEq(config.secrets[0].value, hex"0102");
        vm.prank(address(0));
        assertEq(rofl.appIds().length, 1);
    }

    function test_EncodeUpdate_IsTheNextBody() public {
        bytes memory before = rofl.encodeUpdate(appId);
        vm.prank(owner);
        rofl.setFees(appId, 0, FeePolicy.EndorsingNodePays); // same value: same body
        assertEq(standIn.lastBody(appId), before);
    }
}
