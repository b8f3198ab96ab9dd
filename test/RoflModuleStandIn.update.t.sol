// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {EnclaveIdentity, SecretEntry} from "../contracts/types/RoflTypes.sol";
import {RoflModuleStandInFixture} from "./utils/RoflModuleStandInFixture.sol";

/// @title The ROFL module stand-in: rofl.Update
contract RoflModuleStandInUpdateTest is RoflModuleStandInFixture {
    function test_updateOverwritesEverything() public {
        bytes memory createBody = _create(TALOS_POLICY, 1, TALOS_METADATA);
        _expectOk(ALICE, "rofl.Create", createBody);
        bytes21 appId = ALICE_CN1;

        bytes memory body = _updateBody(appId, _adminOf(ALICE_OASIS), TALOS_POLICY, TALOS_SECRETS, TALOS_METADATA);
        vm.expectEmit(ROFL_SUBCALL);
        emit AppUpdated(appId, keccak256(body));
        assertEq(_expectOk(ALICE, "rofl.Update", body), hex"f6");
        SecretEntry[] memory secrets = standIn.appSecrets(appId);
        assertEq(secrets.length, 1);
        assertEq(secrets[0].name, "OPENAI_API_KEY");
        assertEq(secrets[0].value.length, 217);
        assertEq(standIn.appMetadata(appId).length, 5);
        assertEq(standIn.lastBody(appId), body);

        // An Update without metadata/secrets wipes them, and the policy is replaced.
        body = _updateBody(appId, _adminOf(ALICE_OASIS), _simplePolicy(), EMPTY_MAP, EMPTY_MAP);
        _expectOk(ALICE, "rofl.Update", body);
        assertEq(standIn.appSecrets(appId).length, 0);
        assertEq(standIn.appMetadata(appId).length, 0);
        assertEq(standIn.appPolicyCbor(appId), _simplePolicy());
        EnclaveIdentity[] memory enclaves = standIn.appEnclaves(appId);
        assertEq(enclaves.length, 1);
        assertEq(enclaves[0].mrEnclave, SIMPLE_ENCLAVE);
        assertEq(standIn.appStake(appId), 100 ether, "stake unchanged");
    }

    function test_updateNullAdminBricksTheApp() public {
        bytes21 appId = _createSimple();
        _expectOk(ALICE, "rofl.Update", _updateBody(appId, hex"f6", _simplePolicy(), EMPTY_MAP, EMPTY_MAP));
        (bool hasAdmin, bytes21 admin) = standIn.appAdmin(appId);
        assertFalse(hasAdmin);
        assertEq(admin, bytes21(0));
        // Every later Update or Remove is Forbidden, for everyone.
        _expectModuleError(
            ALICE,
            "rofl.Update",
            _updateBody(appId, _adminOf(ALICE_OASIS), _simplePolicy(), EMPTY_MAP, EMPTY_MAP),
            11,
            "rofl"
        );
        _expectModuleError(
            BOB,
            "rofl.Update",
            _updateBody(appId, _adminOf(BOB_OASIS), _simplePolicy(), EMPTY_MAP, EMPTY_MAP),
            11,
            "rofl"
        );
        _expectModuleError(ALICE, "rofl.Remove", _removeBody(appId), 11, "rofl");
        assertTrue(standIn.appExists(appId));
    }

    function test_updateForbiddenForNonAdmin() public {
        bytes21 appId = _createSimple();
        _expectModuleError(
            BOB,
            "rofl.Update",
            _updateBody(appId, _adminOf(BOB_OASIS), _simplePolicy(), EMPTY_MAP, EMPTY_MAP),
            11,
            "rofl"
        );
        (, bytes21 admin) = standIn.appAdmin(appId);
        assertEq(admin, ALICE_OASIS);
    }

    function test_updateTransfersAdmin() public {
        bytes21 appId = _createSimple();
        _expectOk(ALICE, "rofl.Update", _updateBody(appId, _adminOf(BOB_OASIS), _simplePolicy(), EMPTY_MAP, EMPTY_MAP));
        _expectModuleError(
            ALICE,
            "rofl.Update",
            _updateBody(appId, _adminOf(ALICE_OASIS), _simplePolicy(), EMPTY_MAP, EMPTY_MAP),
            11,
            "rofl"
        );
        _expectOk(BOB, "rofl.Update", _updateBody(appId, _adminOf(BOB_OASIS), _simplePolicy(), EMPTY_MAP, EMPTY_MAP));
    }

    function test_updateUnknownApp() public {
        _expectModuleError(
            ALICE,
            "rofl.Update",
            _updateBody(ALICE_CN2, _adminOf(ALICE_OASIS), _simplePolicy(), EMPTY_MAP, EMPTY_MAP),
            2,
            "rofl"
        );
    }
}
