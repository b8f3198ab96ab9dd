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

/// @title RoflAppAdmin against the strict ROFL module stand-in: access control
contract RoflAppAdminAccessTest is RoflAppAdminFixture {
    function test_OnlyOwner_EveryMutatingFunction() public {
        bytes[] memory changes = _allChangesWithVersion(0);
        bytes[] memory calls = new bytes[](changes.length + 4);
        for (uint256 i; i < changes.length; ++i) {
            calls[i] = changes[i];
        }
        calls[changes.length] = abi.encodeCall(
            IRoflAppAdmin.adoptApp, (bytes21(uint168(5)), _defaultPolicy(), _noMetadata(), _noSecrets())
        );
        calls[changes.length + 1] = abi.encodeCall(IRoflAppAdmin.withdrawStake, ());
        calls[changes.length + 2] = abi.encodeCall(IRoflAppAdmin.multicall, (new bytes[](0)));
        calls[changes.length + 3] = abi.encodeCall(RoflAppAdmin.renounceOwnership, ());

        address[2] memory outsiders = [stranger, address(0)];
        for (uint256 o; o < outsiders.length; ++o) {
            for (uint256 i; i < calls.length; ++i) {
                vm.prank(outsiders[o]);
                (bool ok, bytes memory reason) = address(rofl).call(calls[i]);
                assertFalse(ok);
                assertEq(
                    reason,
                    abi.encodeWithSelector(Ownable.OwnableUnauthorizedAccount.selector, outsiders[o]),
                    vm.toString(i)
                );
            }
            vm.deal(outsiders[o], STAKE);
            AppPolicy memory policy = _defaultPolicy();
            vm.prank(outsiders[o]);
            vm.expectRevert(abi.encodeWithSelector(Ownable.OwnableUnauthorizedAccount.selector, outsiders[o]));
            rofl.createApp{value: STAKE}(policy, _noMetadata(), 1);
        }
        _assertInSync(appId);
    }

    function test_UnknownApp_EveryChange() public {
        bytes21 unknown = bytes21(uint168(0xbad));
        appId = unknown;
        bytes[] memory calls = _allChangesWithVersion(0);
        vm.startPrank(owner);
        for (uint256 i; i < calls.length; ++i) {
            (bool ok, bytes memory reason) = address(rofl).call(calls[i]);
            assertFalse(ok);
            assertEq(reason, abi.encodeWithSelector(IRoflErrors.UnknownApp.selector, unknown), vm.toString(i));
        }
        vm.stopPrank();
        vm.expectRevert(abi.encodeWithSelector(IRoflErrors.UnknownApp.selector, unknown));
        rofl.encodeUpdate(unknown);
        vm.expectRevert(abi.encodeWithSelector(IRoflErrors.UnknownApp.selector, unknown));
        rofl.version(unknown);
        assertFalse(rofl.isManaged(unknown));
    }

    function test_RenounceOwnership_Disabled() public {
        vm.prank(owner);
        vm.expectRevert(IRoflErrors.OwnershipRenounceDisabled.selector);
        rofl.renounceOwnership();
        assertEq(rofl.owner(), owner);
    }

    function test_Ownable2Step() public {
        address next = makeAddr("timelock");
        vm.prank(owner);
        rofl.transferOwnership(next);
        assertEq(rofl.owner(), owner);
        vm.prank(next);
        rofl.acceptOwnership();
        assertEq(rofl.owner(), next);
        vm.prank(owner);
        vm.expectRevert(abi.encodeWithSelector(Ownable.OwnableUnauthorizedAccount.selector, owner));
        rofl.setFees(appId, 0, FeePolicy.InstancePays);
        vm.prank(next);
        rofl.setFees(appId, 0, FeePolicy.InstancePays);
        _assertInSync(appId);
    }
}
