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
import {TestBytes} from "./utils/TestBytes.sol";
import {RoflAppAdminFixture, RejectingOwner, RoflSubcallHarness} from "./utils/RoflAppAdminFixture.sol";

/// @title RoflAppAdmin against the strict ROFL module stand-in: handing the ROFL admin over
contract RoflAppAdminHandoverTest is RoflAppAdminFixture {
    function test_TransferRoflAdmin() public {
        bytes21 newAdmin = OasisIds.fromEth(makeAddr("next"));
        vm.prank(owner);
        rofl.setMetadata(appId, 0, "k", "v");

        vm.expectEmit(true, false, false, true, address(rofl));
        emit IRoflAppAdmin.RoflAdminTransferred(appId, newAdmin);
        vm.prank(owner);
        rofl.transferRoflAdmin(appId, 2, newAdmin);

        (bool hasAdmin, bytes21 moduleAdmin) = standIn.appAdmin(appId);
        assertTrue(hasAdmin);
        assertEq(moduleAdmin, newAdmin);
        assertFalse(rofl.isManaged(appId));
        assertEq(rofl.appIds().length, 0);
        // the hand-over carried the complete config
        assertEq(standIn.appMetadata(appId).length, 1);

        vm.prank(owner);
        vm.expectRevert(abi.encodeWithSelector(IRoflErrors.UnknownApp.selector, appId));
        rofl.setFees(appId, 0, FeePolicy.InstancePays);
    }

    function test_TransferRoflAdmin_AndBackAgain() public {
        address next = makeAddr("next");
        vm.prank(owner);
        rofl.transferRoflAdmin(appId, 0, OasisIds.fromEth(next));
        // the new admin hands it back; the contract adopts it with a fresh config
        AppPolicy memory policy = _defaultPolicy();
        bytes memory back = RoflCbor.encodeUpdate(appId, policy, rofl.roflAdminAddress(), _noMetadata(), _noSecrets());
        vm.prank(next);
        _subcall("rofl.Update", back);
        vm.prank(owner);
        rofl.adoptApp(appId, policy, _noMetadata(), _noSecrets());
        assertEq(rofl.version(appId), 1);
        _assertInSync(appId);
    }

    function test_TransferRoflAdmin_Invalid() public {
        vm.startPrank(owner);
        vm.expectRevert(IRoflErrors.ZeroAdmin.selector);
        rofl.transferRoflAdmin(appId, 0, bytes21(0));
        bytes21 self = rofl.roflAdminAddress();
        vm.expectRevert(IRoflErrors.TransferToSelf.selector);
        rofl.transferRoflAdmin(appId, 0, self);
        vm.stopPrank();
    }

    function test_RenounceRoflAdmin() public {
        vm.expectEmit(true, false, false, true, address(rofl));
        emit IRoflAppAdmin.RoflAdminTransferred(appId, bytes21(0));
        vm.prank(owner);
        rofl.renounceRoflAdmin(appId, 1);
        (bool hasAdmin,) = standIn.appAdmin(appId);
        assertFalse(hasAdmin);
        assertFalse(rofl.isManaged(appId));
        // the body said so explicitly
        assertTrue(TestBytes.contains(standIn.lastBody(appId), bytes.concat(hex"65", "admin", hex"f6")));
    }
}
