// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {RoflModuleStandIn} from "../contracts/testing/RoflModuleStandIn.sol";
import {CborReader} from "../contracts/testing/CborReader.sol";
import {RoflModuleStandInFixture} from "./utils/RoflModuleStandInFixture.sol";

/// @title The ROFL module stand-in: strict decoding of the call bodies
contract RoflModuleStandInDecodingTest is RoflModuleStandInFixture {
    function test_rejectsOutOfOrderKeys() public {
        bytes memory body = bytes.concat(hex"a3", K_SCHEME, hex"01", K_POLICY, _simplePolicy(), K_METADATA, EMPTY_MAP);
        _expectRevert(body, abi.encodeWithSelector(CborReader.CborMapKeyOutOfOrder.selector, 9));
    }

    function test_rejectsDuplicateKeys() public {
        bytes memory policy = _simplePolicy();
        bytes memory body = bytes.concat(hex"a4", K_POLICY, policy, K_SCHEME, hex"01");
        body = bytes.concat(body, K_SCHEME, hex"01", K_METADATA, EMPTY_MAP);
        _expectRevert(
            body, abi.encodeWithSelector(CborReader.CborDuplicateMapKey.selector, 1 + 7 + policy.length + 7 + 1)
        );
    }

    function test_rejectsNonMinimalInteger() public {
        bytes memory policy = _simplePolicy();
        bytes memory body = bytes.concat(hex"a3", K_POLICY, policy, K_SCHEME, hex"1801", K_METADATA, EMPTY_MAP);
        _expectRevert(
            body, abi.encodeWithSelector(CborReader.CborNonMinimalEncoding.selector, 1 + 7 + policy.length + 7)
        );
    }

    function test_rejectsIndefiniteLength_innerMap() public {
        bytes memory policy = _simplePolicy();
        bytes memory body = bytes.concat(hex"a3", K_POLICY, policy, K_SCHEME, hex"01", K_METADATA, hex"bfff");
        _expectRevert(
            body, abi.encodeWithSelector(CborReader.CborIndefiniteLength.selector, 1 + 7 + policy.length + 8 + 9)
        );
    }

    function test_rejectsIndefiniteLength_outerMap() public {
        bytes memory policy = _simplePolicy();
        _expectRevert(
            bytes.concat(hex"bf", K_POLICY, policy, K_SCHEME, hex"01", K_METADATA, EMPTY_MAP, hex"ff"),
            abi.encodeWithSelector(CborReader.CborIndefiniteLength.selector, 0)
        );
    }

    function test_rejectsUnknownField() public {
        bytes memory policy = _simplePolicy();
        // "zzzzzzzzz" (9 bytes) sorts after "metadata" (8): only the name is wrong.
        bytes memory body = bytes.concat(_create(policy, 1, EMPTY_MAP), hex"69", "zzzzzzzzz", hex"00");
        body[0] = 0xa4;
        _expectRevert(
            body, abi.encodeWithSelector(CborReader.UnknownField.selector, 1 + 7 + policy.length + 8 + 10, "zzzzzzzzz")
        );
    }

    function test_rejectsMissingField_metadata() public {
        bytes memory body = bytes.concat(hex"a2", K_POLICY, _simplePolicy(), K_SCHEME, hex"01");
        _expectRevert(body, abi.encodeWithSelector(CborReader.MissingField.selector, 0, "metadata"));
    }

    /// @dev A policy without max_expiration.
    function test_rejectsMissingField_maxExpiration() public {
        bytes memory policy = bytes.concat(hex"a4", K_FEES, hex"02", K_QUOTES, NULL_QUOTES, K_ENCLAVES);
        policy = bytes.concat(policy, _enclaves1(SIMPLE_ENCLAVE), K_ENDORSEMENTS, hex"81", ANY);
        _expectRevert(
            _create(policy, 1, EMPTY_MAP), abi.encodeWithSelector(CborReader.MissingField.selector, 8, "max_expiration")
        );
    }

    function test_rejectsWrongByteLength_mrEnclave() public {
        bytes memory enclaves =
            bytes.concat(hex"81a2696d725f7369676e65725820", bytes32(0), hex"6a6d725f656e636c617665581f", bytes31(0));
        bytes memory policy = _policy(NULL_QUOTES, enclaves, bytes.concat(hex"81", ANY), hex"03");
        _expectRevertSelector("rofl.Create", _create(policy, 1, EMPTY_MAP), CborReader.CborWrongLength.selector);
    }

    /// @dev A provider address of 20 bytes.
    function test_rejectsWrongByteLength_provider() public {
        bytes memory endorsements = bytes.concat(hex"81a16870726f766964657254", bytes20(0));
        bytes memory policy = _policy(NULL_QUOTES, _enclaves1(SIMPLE_ENCLAVE), endorsements, hex"03");
        _expectRevertSelector("rofl.Create", _create(policy, 1, EMPTY_MAP), CborReader.CborWrongLength.selector);
    }

    function test_rejectsTrailingByte() public {
        bytes memory body = bytes.concat(_create(_simplePolicy(), 1, EMPTY_MAP), hex"00");
        _expectRevert(body, abi.encodeWithSelector(CborReader.CborTrailingBytes.selector, body.length - 1));
    }

    function test_rejectsFloat() public {
        bytes memory policy = _policy(NULL_QUOTES, _enclaves1(SIMPLE_ENCLAVE), bytes.concat(hex"81", ANY), hex"f94200");
        _expectRevertSelector("rofl.Create", _create(policy, 1, EMPTY_MAP), CborReader.CborUnsupportedItem.selector);
    }

    /// @dev ias must be null.
    function test_rejectsValuesTheEncoderNeverWrites_iasNotNull() public {
        _expectRevertSelector(
            "rofl.Create",
            _create(
                _policy(hex"a263696173a063706373f6", _enclaves1(SIMPLE_ENCLAVE), bytes.concat(hex"81", ANY), hex"03"),
                1,
                EMPTY_MAP
            ),
            RoflModuleStandIn.InvalidField.selector
        );
    }

    /// @dev Fees 3.
    function test_rejectsValuesTheEncoderNeverWrites_fees3() public {
        bytes memory policy = _simplePolicy();
        policy[6] = 0x03;
        _expectRevertSelector("rofl.Create", _create(policy, 1, EMPTY_MAP), RoflModuleStandIn.InvalidField.selector);
    }

    /// @dev Scheme 2.
    function test_rejectsValuesTheEncoderNeverWrites_scheme2() public {
        _expectRevertSelector(
            "rofl.Create", _create(_simplePolicy(), 2, EMPTY_MAP), RoflModuleStandIn.InvalidField.selector
        );
    }

    /// @dev pcs.disabled false.
    function test_rejectsValuesTheEncoderNeverWrites_pcsDisabledFalse() public {
        bytes memory pcs =
            hex"a263696173f663706373a36864697361626c6564f4737463625f76616c69646974795f706572696f64181e781e6d696e5f7463625f6576616c756174696f6e5f646174615f6e756d62657212";
        _expectRevertSelector(
            "rofl.Create",
            _create(_policy(pcs, _enclaves1(SIMPLE_ENCLAVE), bytes.concat(hex"81", ANY), hex"03"), 1, EMPTY_MAP),
            RoflModuleStandIn.InvalidField.selector
        );
    }

    /// @dev An empty FMSPC list.
    function test_rejectsValuesTheEncoderNeverWrites_emptyFmspcList() public {
        bytes memory pcs =
            hex"a263696173f663706373a36f666d7370635f626c61636b6c69737480737463625f76616c69646974795f706572696f64181e781e6d696e5f7463625f6576616c756174696f6e5f646174615f6e756d62657212";
        _expectRevertSelector(
            "rofl.Create",
            _create(_policy(pcs, _enclaves1(SIMPLE_ENCLAVE), bytes.concat(hex"81", ANY), hex"03"), 1, EMPTY_MAP),
            RoflModuleStandIn.InvalidField.selector
        );
    }

    /// @dev An endorsement map with two keys.
    function test_rejectsValuesTheEncoderNeverWrites_endorsementWithTwoKeys() public {
        _expectRevertSelector(
            "rofl.Create",
            _create(
                _policy(NULL_QUOTES, _enclaves1(SIMPLE_ENCLAVE), hex"81a263616e79a0636f6e79a0", hex"03"), 1, EMPTY_MAP
            ),
            RoflModuleStandIn.InvalidField.selector
        );
    }

    /// @dev A simple endorsement with a non-empty value.
    function test_rejectsValuesTheEncoderNeverWrites_simpleEndorsementWithValue() public {
        _expectRevertSelector(
            "rofl.Create",
            _create(_policy(NULL_QUOTES, _enclaves1(SIMPLE_ENCLAVE), hex"81a163616e79a1616100", hex"03"), 1, EMPTY_MAP),
            RoflModuleStandIn.InvalidField.selector
        );
    }

    /// @dev A pcs without tcb_validity_period.
    function test_rejectsMissingPcsAndTdxFields_tcbValidityPeriod() public {
        bytes memory pcs = hex"a263696173f663706373a1781e6d696e5f7463625f6576616c756174696f6e5f646174615f6e756d62657212";
        _expectRevertSelector(
            "rofl.Create",
            _create(_policy(pcs, _enclaves1(SIMPLE_ENCLAVE), bytes.concat(hex"81", ANY), hex"03"), 1, EMPTY_MAP),
            CborReader.MissingField.selector
        );
    }

    /// @dev tdx: {} (allowed_tdx_modules is always written).
    function test_rejectsMissingPcsAndTdxFields_allowedTdxModules() public {
        bytes memory pcs =
            hex"a263696173f663706373a363746478a0737463625f76616c69646974795f706572696f64181e781e6d696e5f7463625f6576616c756174696f6e5f646174615f6e756d62657212";
        _expectRevertSelector(
            "rofl.Create",
            _create(_policy(pcs, _enclaves1(SIMPLE_ENCLAVE), bytes.concat(hex"81", ANY), hex"03"), 1, EMPTY_MAP),
            CborReader.MissingField.selector
        );
    }

    /// @dev quotes without pcs.
    function test_rejectsMissingPcsAndTdxFields_pcs() public {
        _expectRevertSelector(
            "rofl.Create",
            _create(
                _policy(hex"a163696173f6", _enclaves1(SIMPLE_ENCLAVE), bytes.concat(hex"81", ANY), hex"03"),
                1,
                EMPTY_MAP
            ),
            CborReader.MissingField.selector
        );
    }

    function test_rejectsUnknownEndorsementAndWrongTypes_unknownEndorsement() public {
        _expectRevertSelector(
            "rofl.Create",
            _create(_policy(NULL_QUOTES, _enclaves1(SIMPLE_ENCLAVE), hex"81a163666f6fa0", hex"03"), 1, EMPTY_MAP),
            CborReader.UnknownField.selector
        );
    }

    /// @dev {"any": null}.
    function test_rejectsUnknownEndorsementAndWrongTypes_anyNull() public {
        _expectRevertSelector(
            "rofl.Create",
            _create(_policy(NULL_QUOTES, _enclaves1(SIMPLE_ENCLAVE), hex"81a163616e79f6", hex"03"), 1, EMPTY_MAP),
            CborReader.CborUnexpectedType.selector
        );
    }

    /// @dev A metadata value as bytes instead of text.
    function test_rejectsUnknownEndorsementAndWrongTypes_metadataValueAsBytes() public {
        _expectRevertSelector(
            "rofl.Create", _create(_simplePolicy(), 1, hex"a1616b4176"), CborReader.CborUnexpectedType.selector
        );
    }

    /// @dev Update without admin: the footgun the real module accepts, refused here.
    function test_updateAndRemoveBodiesAreStrict_updateWithoutAdmin() public {
        bytes21 appId = _createSimple();
        bytes memory noAdmin = bytes.concat(hex"a4", K_ID, hex"55", appId, K_POLICY, _simplePolicy());
        noAdmin = bytes.concat(noAdmin, K_SECRETS, EMPTY_MAP, K_METADATA, EMPTY_MAP);
        _expectRevertMethod(
            "rofl.Update", noAdmin, abi.encodeWithSelector(CborReader.MissingField.selector, 0, "admin")
        );
        assertTrue(standIn.appExists(appId));
    }

    /// @dev Remove with an empty map (the real module would remove the all-zero id).
    function test_updateAndRemoveBodiesAreStrict_removeEmptyMap() public {
        _expectRevertMethod("rofl.Remove", hex"a0", abi.encodeWithSelector(CborReader.MissingField.selector, 0, "id"));
    }

    /// @dev Remove with a 20-byte id.
    function test_updateAndRemoveBodiesAreStrict_removeShortId() public {
        bytes21 appId = _createSimple();
        _expectRevertSelector(
            "rofl.Remove", bytes.concat(hex"a1", K_ID, hex"54", bytes20(appId)), CborReader.CborWrongLength.selector
        );
        assertTrue(standIn.appExists(appId));
    }
}
