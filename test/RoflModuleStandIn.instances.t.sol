// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {RoflModuleStandIn} from "../contracts/testing/RoflModuleStandIn.sol";
import {CborReader} from "../contracts/testing/CborReader.sol";
import {RoflModuleStandInFixture} from "./utils/RoflModuleStandInFixture.sol";

/// @title The ROFL module stand-in: instance registration and the origin checks
contract RoflModuleStandInInstancesTest is RoflModuleStandInFixture {
    function test_instanceRegistrationAndOrigin() public {
        bytes21 appId = _createSimple();
        uint64 epoch = standIn.currentEpoch();
        assertEq(epoch, uint64(uint256(1_700_000_000) / 600));
        standIn.registerInstance(appId, INSTANCE, SIMPLE_ENCLAVE, bytes32(0), epoch + 3);
        assertTrue(standIn.isInstanceAuthorized(appId, INSTANCE));
        assertEq(standIn.instancesOf(appId).length, 1);

        bytes memory idBody = bytes.concat(hex"55", appId);
        assertEq(_expectOk(INSTANCE, "rofl.IsAuthorizedOrigin", idBody), hex"f5");
        assertEq(_expectOk(BOB, "rofl.IsAuthorizedOrigin", idBody), hex"f4");
        assertEq(_expectOk(INSTANCE, "rofl.OriginApp", hex"f6"), bytes.concat(hex"55", appId));
        _expectModuleError(BOB, "rofl.OriginApp", hex"f6", 12, "rofl");

        // tx.origin counts, not msg.sender: a contract called by the instance sees it as origin.
        vm.prank(BOB, INSTANCE);
        (bool ok, bytes memory ret) = ROFL_SUBCALL.call(abi.encode(bytes("rofl.IsAuthorizedOrigin"), idBody));
        assertTrue(ok);
        (uint64 status, bytes memory data) = abi.decode(ret, (uint64, bytes));
        assertEq(status, 0);
        assertEq(data, hex"f5");

        // valid in the epochs before its expiration epoch, gone from that epoch on (the module
        // drops registrations with expiration <= epoch at each epoch change)
        vm.warp(uint256(epoch + 2) * 600 + 599);
        assertTrue(standIn.isInstanceAuthorized(appId, INSTANCE));
        vm.warp(uint256(epoch + 3) * 600);
        assertFalse(standIn.isInstanceAuthorized(appId, INSTANCE));
        assertEq(_expectOk(INSTANCE, "rofl.IsAuthorizedOrigin", idBody), hex"f4");
    }

    /// @dev `rofl.Update` evicts nobody (oasis-sdk `tx_update` only rewrites the config): an
    /// instance whose identity was removed keeps its rights until its registration expires, and
    /// only its renewal is refused. (This test used to assert an immediate refusal, which the
    /// real module never gives: that hid the real revocation window.)
    function test_removingIdentityKeepsRegistrationUntilExpiry() public {
        bytes21 appId = _createSimple();
        uint64 epoch = standIn.currentEpoch();
        standIn.registerInstance(appId, INSTANCE, SIMPLE_ENCLAVE, bytes32(0), epoch + 2);
        bytes memory otherPolicy =
            _policy(NULL_QUOTES, _enclaves1(bytes32(uint256(0x22))), bytes.concat(hex"81", ANY), hex"03");
        _expectOk(ALICE, "rofl.Update", _updateBody(appId, _adminOf(ALICE_OASIS), otherPolicy, EMPTY_MAP, EMPTY_MAP));
        assertTrue(standIn.isInstanceAuthorized(appId, INSTANCE));
        assertEq(_expectOk(INSTANCE, "rofl.IsAuthorizedOrigin", bytes.concat(hex"55", appId)), hex"f5");
        assertEq(_expectOk(INSTANCE, "rofl.OriginApp", hex"f6"), bytes.concat(hex"55", appId));

        // it cannot renew: renewal checks the identity against the policy in force
        vm.warp(uint256(epoch + 1) * 600);
        vm.expectRevert(
            abi.encodeWithSelector(RoflModuleStandIn.IdentityNotInPolicy.selector, appId, SIMPLE_ENCLAVE, bytes32(0))
        );
        standIn.registerInstance(appId, INSTANCE, SIMPLE_ENCLAVE, bytes32(0), epoch + 3);
        assertTrue(standIn.isInstanceAuthorized(appId, INSTANCE));

        // once its registration expires, it is refused
        vm.warp(uint256(epoch + 2) * 600);
        assertFalse(standIn.isInstanceAuthorized(appId, INSTANCE));
        assertEq(_expectOk(INSTANCE, "rofl.IsAuthorizedOrigin", bytes.concat(hex"55", appId)), hex"f4");
        _expectModuleError(INSTANCE, "rofl.OriginApp", hex"f6", 12, "rofl");
    }

    function test_registrationRefusals_unknownApp() public {
        uint64 epoch = standIn.currentEpoch();
        vm.expectRevert(abi.encodeWithSelector(RoflModuleStandIn.UnknownAppId.selector, ALICE_CN2));
        standIn.registerInstance(ALICE_CN2, INSTANCE, SIMPLE_ENCLAVE, bytes32(0), epoch + 1);
    }

    function test_registrationRefusals_identityNotInPolicy() public {
        bytes21 appId = _createSimple();
        uint64 epoch = standIn.currentEpoch();
        vm.expectRevert(
            abi.encodeWithSelector(
                RoflModuleStandIn.IdentityNotInPolicy.selector, appId, SIMPLE_ENCLAVE, bytes32(uint256(1))
            )
        );
        standIn.registerInstance(appId, INSTANCE, SIMPLE_ENCLAVE, bytes32(uint256(1)), epoch + 1);
    }

    function test_registrationRefusals_expirationNotAfterNow() public {
        bytes21 appId = _createSimple();
        uint64 epoch = standIn.currentEpoch();
        vm.expectRevert(abi.encodeWithSelector(RoflModuleStandIn.ExpirationOutOfRange.selector, epoch, epoch, 3));
        standIn.registerInstance(appId, INSTANCE, SIMPLE_ENCLAVE, bytes32(0), epoch);
    }

    function test_registrationRefusals_expirationBeyondMax() public {
        bytes21 appId = _createSimple();
        uint64 epoch = standIn.currentEpoch();
        vm.expectRevert(abi.encodeWithSelector(RoflModuleStandIn.ExpirationOutOfRange.selector, epoch + 4, epoch, 3));
        standIn.registerInstance(appId, INSTANCE, SIMPLE_ENCLAVE, bytes32(0), epoch + 4);
    }

    /// @dev One app per instance address.
    function test_registrationRefusals_instanceOfOtherApp() public {
        bytes21 appId = _createSimple();
        uint64 epoch = standIn.currentEpoch();
        standIn.registerInstance(appId, INSTANCE, SIMPLE_ENCLAVE, bytes32(0), epoch + 3);
        bytes21 other = _createSimple();
        vm.expectRevert(abi.encodeWithSelector(RoflModuleStandIn.InstanceOfOtherApp.selector, INSTANCE, appId));
        standIn.registerInstance(other, INSTANCE, SIMPLE_ENCLAVE, bytes32(0), epoch + 3);
    }

    /// @dev `rofl.Remove` deletes the config only (oasis-sdk `state.rs` `remove_app`): the
    /// registrations stay until they expire, and cannot be renewed. (This test used to assert
    /// that Remove dropped the instances, which the real module does not do.)
    function test_removeKeepsRegistrationsUntilExpiry() public {
        bytes21 appId = _createSimple();
        uint64 epoch = standIn.currentEpoch();
        standIn.registerInstance(appId, INSTANCE, SIMPLE_ENCLAVE, bytes32(0), epoch + 1);
        _expectOk(ALICE, "rofl.Remove", _removeBody(appId));
        assertTrue(standIn.isInstanceAuthorized(appId, INSTANCE));
        assertEq(standIn.instancesOf(appId).length, 1);
        assertEq(_expectOk(INSTANCE, "rofl.OriginApp", hex"f6"), bytes.concat(hex"55", appId));
        vm.expectRevert(abi.encodeWithSelector(RoflModuleStandIn.UnknownAppId.selector, appId));
        standIn.registerInstance(appId, INSTANCE, SIMPLE_ENCLAVE, bytes32(0), epoch + 1);

        vm.warp(uint256(epoch + 1) * 600);
        assertFalse(standIn.isInstanceAuthorized(appId, INSTANCE));
        _expectModuleError(INSTANCE, "rofl.OriginApp", hex"f6", 12, "rofl");
    }

    function test_originBodiesAreStrict_mapForNull() public {
        _expectRevertMethod(
            "rofl.OriginApp", hex"a0", abi.encodeWithSelector(CborReader.CborUnexpectedType.selector, 0, 7, uint8(0xa0))
        );
    }

    function test_originBodiesAreStrict_trailingBytes() public {
        _expectRevertMethod(
            "rofl.OriginApp", hex"f6f6", abi.encodeWithSelector(CborReader.CborTrailingBytes.selector, 1)
        );
    }

    function test_originBodiesAreStrict_shortAppId() public {
        _expectRevertMethod(
            "rofl.IsAuthorizedOrigin",
            bytes.concat(hex"54", bytes20(0)),
            abi.encodeWithSelector(CborReader.CborWrongLength.selector, 0, 21, 20)
        );
    }
}
