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

/// @title RoflAppAdmin against the strict ROFL module stand-in: metadata and secrets
contract RoflAppAdminEntriesTest is RoflAppAdminFixture {
    function test_SetMetadata_AddOverwrite() public {
        vm.startPrank(owner);
        vm.expectEmit(true, false, false, true, address(rofl));
        emit IRoflAppAdmin.MetadataSet(appId, "net.oasis.rofl.version", "0.1.0");
        rofl.setMetadata(appId, 1, "net.oasis.rofl.version", "0.1.0");
        rofl.setMetadata(appId, 2, "b", "x");
        rofl.setMetadata(appId, 3, "net.oasis.rofl.version", "0.2.0");
        vm.stopPrank();
        MetadataEntry[] memory metadata = rofl.getApp(appId).metadata;
        assertEq(metadata.length, 2);
        assertEq(metadata[0].value, "0.2.0");
        _assertInSync(appId);
        // the module got them in canonical order
        assertEq(standIn.appMetadata(appId)[0].key, "b");
    }

    function test_SetMetadata_Delete() public {
        vm.startPrank(owner);
        rofl.setMetadata(appId, 1, "net.oasis.rofl.version", "0.2.0");
        rofl.setMetadata(appId, 2, "b", "x");
        vm.stopPrank();
        vm.expectEmit(true, false, false, true, address(rofl));
        emit IRoflAppAdmin.MetadataDeleted(appId, "net.oasis.rofl.version");
        vm.prank(owner);
        rofl.deleteMetadata(appId, 3, "net.oasis.rofl.version");
        MetadataEntry[] memory metadata = rofl.getApp(appId).metadata;
        assertEq(metadata.length, 1);
        assertEq(metadata[0].key, "b");
        _assertInSync(appId);
    }

    function test_SetMetadata_DeleteUnknownKeyReverts() public {
        vm.prank(owner);
        vm.expectRevert(abi.encodeWithSelector(IRoflErrors.MetadataKeyNotFound.selector, appId, "nope"));
        rofl.deleteMetadata(appId, 0, "nope");
    }

    function test_SetMetadata_Limits_EmptyKeyReverts() public {
        vm.prank(owner);
        vm.expectRevert(IRoflErrors.EmptyEntryKey.selector);
        rofl.setMetadata(appId, 0, "", "v");
    }

    function test_SetMetadata_Limits_KeyTooLongReverts() public {
        vm.prank(owner);
        vm.expectRevert(abi.encodeWithSelector(IRoflErrors.EntryKeyTooLong.selector, 1025, 1024));
        rofl.setMetadata(appId, 0, string(new bytes(1025)), "v");
    }

    function test_SetMetadata_Limits_ValueTooLongReverts() public {
        vm.prank(owner);
        vm.expectRevert(abi.encodeWithSelector(IRoflErrors.EntryValueTooLong.selector, 16385, 16384));
        rofl.setMetadata(appId, 0, "k", string(new bytes(16385)));
    }

    /// @dev The largest allowed pair goes through.
    function test_SetMetadata_Limits_LargestPairAccepted() public {
        vm.prank(owner);
        rofl.setMetadata(appId, 0, string(_repeat("k", 1024)), string(_repeat("v", 16384)));
        _assertInSync(appId);
    }

    function test_SetMetadata_TooManyReverts() public {
        vm.startPrank(owner);
        bytes[] memory calls = new bytes[](64);
        for (uint256 i; i < 64; ++i) {
            calls[i] = abi.encodeCall(IRoflAppAdmin.setMetadata, (appId, 0, vm.toString(i), "v"));
        }
        rofl.multicall(calls);
        vm.expectRevert(abi.encodeWithSelector(IRoflErrors.TooManyEntries.selector, 65, 64));
        rofl.setMetadata(appId, 0, "64", "v");
        // overwriting an existing key is still fine
        rofl.setMetadata(appId, 0, "63", "w");
        vm.stopPrank();
        _assertInSync(appId);
    }

    function test_SetSecret_AddOverwrite() public {
        vm.startPrank(owner);
        vm.expectEmit(true, false, false, true, address(rofl));
        emit IRoflAppAdmin.SecretSet(appId, "API_KEY");
        rofl.setSecret(appId, 1, "API_KEY", hex"a1b2");
        rofl.setSecret(appId, 2, "DB", hex"01");
        rofl.setSecret(appId, 3, "API_KEY", hex"c3");
        vm.stopPrank();
        SecretEntry[] memory secrets = rofl.getApp(appId).secrets;
        assertEq(secrets.length, 2);
        assertEq(secrets[0].value, hex"c3");
        _assertInSync(appId);
    }

    function test_SetSecret_Delete() public {
        vm.startPrank(owner);
        rofl.setSecret(appId, 1, "API_KEY", hex"c3");
        rofl.setSecret(appId, 2, "DB", hex"01");
        vm.stopPrank();
        vm.expectEmit(true, false, false, true, address(rofl));
        emit IRoflAppAdmin.SecretDeleted(appId, "API_KEY");
        vm.prank(owner);
        rofl.deleteSecret(appId, 3, "API_KEY");
        SecretEntry[] memory secrets = rofl.getApp(appId).secrets;
        assertEq(secrets.length, 1);
        assertEq(secrets[0].name, "DB");
        _assertInSync(appId);
    }

    function test_SetSecret_DeleteUnknownNameReverts() public {
        vm.prank(owner);
        vm.expectRevert(abi.encodeWithSelector(IRoflErrors.SecretNotFound.selector, appId, "API_KEY"));
        rofl.deleteSecret(appId, 0, "API_KEY");
    }

    function test_SetSecret_EmptyNameReverts() public {
        vm.prank(owner);
        vm.expectRevert(IRoflErrors.EmptyEntryKey.selector);
        rofl.setSecret(appId, 0, "", hex"01");
    }

    function test_SetSecret_ValueTooLongReverts() public {
        vm.prank(owner);
        vm.expectRevert(abi.encodeWithSelector(IRoflErrors.EntryValueTooLong.selector, 16385, 16384));
        rofl.setSecret(appId, 0, "big", new bytes(16385));
    }

    /// @dev A secret survives every other kind of update: no update ever wipes it.
    function test_SecretsSurviveOtherChanges() public {
        vm.startPrank(owner);
        rofl.setSecret(appId, 0, "S", hex"5555");
        rofl.addEnclave(appId, 0, _identity(1));
        rofl.setMetadata(appId, 0, "m", "1");
        rofl.setFees(appId, 0, FeePolicy.InstancePays);
        vm.stopPrank();
        SecretEntry[] memory secrets = standIn.appSecrets(appId);
        assertEq(secrets.length, 1);
        assertEq(secrets[0].value, hex"5555");
        _assertInSync(appId);
    }
}
