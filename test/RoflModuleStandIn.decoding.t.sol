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

    function test_rejectsIndefiniteLength() public {
        bytes memory policy = _simplePolicy();
        bytes memory body = bytes.concat(hex"a3", K_POLICY, policy, K_SCHEME, hex"01", K_METADATA, hex"bfff");
        _expectRevert(
            body, abi.encodeWithSelector(CborReader.CborIndefiniteLength.selector, 1 + 7 + policy.length + 8 + 9)
        );
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
            body,
            abi.encodeWithSelector(RoflModuleStandIn.UnknownField.selector, 1 + 7 + policy.length + 8 + 10, "zzzzzzzzz")
        );
    }

    function test_rejectsMissingField() public {
        bytes memory body = bytes.concat(hex"a2", K_POLICY, _simplePolicy(), K_SCHEME, hex"01");
        _expectRevert(body, abi.encodeWithSelector(RoflModuleStandIn.MissingField.selector, 0, "metadata"));
        // policy without max_expiration
        bytes memory policy = bytes.concat(hex"a4", K_FEES, hex"02", K_QUOTES, NULL_QUOTES, K_ENCLAVES);
        policy = bytes.concat(policy, _enclaves1(SIMPLE_ENCLAVE), K_ENDORSEMENTS, hex"81", ANY);
        _expectRevert(
            _create(policy, 1, EMPTY_MAP),
            abi.encodeWithSelector(RoflModuleStandIn.MissingField.selector, 8, "max_expiration")
        );
    }

    function test_rejectsWrongByteLength() public {
        bytes memory enclaves =
            bytes.concat(hex"81a2696d725f7369676e65725820", bytes32(0), hex"6a6d725f656e636c617665581f", bytes31(0));
        bytes memory policy = _policy(NULL_QUOTES, enclaves, bytes.concat(hex"81", ANY), hex"03");
        _expectRevertSelector("rofl.Create", _create(policy, 1, EMPTY_MAP), CborReader.CborWrongLength.selector);
        // provider address of 20 bytes
        bytes memory endorsements = bytes.concat(hex"81a16870726f766964657254", bytes20(0));
        policy = _policy(NULL_QUOTES, _enclaves1(SIMPLE_ENCLAVE), endorsements, hex"03");
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

    function test_rejectsValuesTheEncoderNeverWrites() public {
        bytes4 invalid = RoflModuleStandIn.InvalidField.selector;
        bytes memory enclaves = _enclaves1(SIMPLE_ENCLAVE);
        bytes memory anyList = bytes.concat(hex"81", ANY);
        // ias must be null
        _expectRevertSelector(
            "rofl.Create",
            _create(_policy(hex"a263696173a063706373f6", enclaves, anyList, hex"03"), 1, EMPTY_MAP),
            invalid
        );
        // fees 3
        bytes memory policy = _simplePolicy();
        policy[6] = 0x03;
        _expectRevertSelector("rofl.Create", _create(policy, 1, EMPTY_MAP), invalid);
        // scheme 2
        _expectRevertSelector("rofl.Create", _create(_simplePolicy(), 2, EMPTY_MAP), invalid);
        // pcs.disabled false
        bytes memory pcs =
            hex"a263696173f663706373a36864697361626c6564f4737463625f76616c69646974795f706572696f64181e781e6d696e5f7463625f6576616c756174696f6e5f646174615f6e756d62657212";
        _expectRevertSelector("rofl.Create", _create(_policy(pcs, enclaves, anyList, hex"03"), 1, EMPTY_MAP), invalid);
        // empty FMSPC list
        pcs =
            hex"a263696173f663706373a36f666d7370635f626c61636b6c69737480737463625f76616c69646974795f706572696f64181e781e6d696e5f7463625f6576616c756174696f6e5f646174615f6e756d62657212";
        _expectRevertSelector("rofl.Create", _create(_policy(pcs, enclaves, anyList, hex"03"), 1, EMPTY_MAP), invalid);
        // endorsement map with two keys
        _expectRevertSelector(
            "rofl.Create",
            _create(_policy(NULL_QUOTES, enclaves, hex"81a263616e79a0636f6e79a0", hex"03"), 1, EMPTY_MAP),
            invalid
        );
        // simple endorsement with a non-empty value
        _expectRevertSelector(
            "rofl.Create",
            _create(_policy(NULL_QUOTES, enclaves, hex"81a163616e79a1616100", hex"03"), 1, EMPTY_MAP),
            invalid
        );
    }

    function test_rejectsMissingPcsAndTdxFields() public {
        bytes4 missing = RoflModuleStandIn.MissingField.selector;
        bytes memory enclaves = _enclaves1(SIMPLE_ENCLAVE);
        bytes memory anyList = bytes.concat(hex"81", ANY);
        // pcs without tcb_validity_period
        bytes memory pcs = hex"a263696173f663706373a1781e6d696e5f7463625f6576616c756174696f6e5f646174615f6e756d62657212";
        _expectRevertSelector("rofl.Create", _create(_policy(pcs, enclaves, anyList, hex"03"), 1, EMPTY_MAP), missing);
        // tdx: {} (allowed_tdx_modules is always written)
        pcs =
            hex"a263696173f663706373a363746478a0737463625f76616c69646974795f706572696f64181e781e6d696e5f7463625f6576616c756174696f6e5f646174615f6e756d62657212";
        _expectRevertSelector("rofl.Create", _create(_policy(pcs, enclaves, anyList, hex"03"), 1, EMPTY_MAP), missing);
        // quotes without pcs
        _expectRevertSelector(
            "rofl.Create", _create(_policy(hex"a163696173f6", enclaves, anyList, hex"03"), 1, EMPTY_MAP), missing
        );
    }

    function test_rejectsUnknownEndorsementAndWrongTypes() public {
        bytes memory enclaves = _enclaves1(SIMPLE_ENCLAVE);
        _expectRevertSelector(
            "rofl.Create",
            _create(_policy(NULL_QUOTES, enclaves, hex"81a163666f6fa0", hex"03"), 1, EMPTY_MAP),
            RoflModuleStandIn.UnknownField.selector
        );
        // {"any": null}
        _expectRevertSelector(
            "rofl.Create",
            _create(_policy(NULL_QUOTES, enclaves, hex"81a163616e79f6", hex"03"), 1, EMPTY_MAP),
            CborReader.CborUnexpectedType.selector
        );
        // metadata value as bytes instead of text
        _expectRevertSelector(
            "rofl.Create", _create(_simplePolicy(), 1, hex"a1616b4176"), CborReader.CborUnexpectedType.selector
        );
    }

    function test_updateAndRemoveBodiesAreStrict() public {
        bytes21 appId = _createSimple();
        // Update without admin: the footgun the real module accepts, refused here.
        bytes memory noAdmin = bytes.concat(hex"a4", K_ID, hex"55", appId, K_POLICY, _simplePolicy());
        noAdmin = bytes.concat(noAdmin, K_SECRETS, EMPTY_MAP, K_METADATA, EMPTY_MAP);
        _expectRevertMethod(
            "rofl.Update", noAdmin, abi.encodeWithSelector(RoflModuleStandIn.MissingField.selector, 0, "admin")
        );
        // Remove with an empty map (the real module would remove the all-zero id)
        _expectRevertMethod(
            "rofl.Remove", hex"a0", abi.encodeWithSelector(RoflModuleStandIn.MissingField.selector, 0, "id")
        );
        // Remove with a 20-byte id
        _expectRevertSelector(
            "rofl.Remove", bytes.concat(hex"a1", K_ID, hex"54", bytes20(appId)), CborReader.CborWrongLength.selector
        );
        assertTrue(standIn.appExists(appId));
    }
}
