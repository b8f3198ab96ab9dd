// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {CborReader} from "../contracts/testing/CborReader.sol";
import {MetadataEntry} from "../contracts/types/RoflTypes.sol";
import {RoflModuleStandInFixture} from "./utils/RoflModuleStandInFixture.sol";

/// @title The ROFL module stand-in: text as Rust `String` (well-formed UTF-8)
contract RoflModuleStandInTextTest is RoflModuleStandInFixture {
    /// @dev oasis-sdk runtime-sdk/src/modules/rofl/types.rs: metadata is
    /// `BTreeMap<String, String>` and secrets `BTreeMap<String, Vec<u8>>`: text that is not
    /// well-formed UTF-8 fails to parse, so the call reverts.
    function test_textMustBeUtf8() public {
        bytes memory policy = _simplePolicy();
        // where the metadata map starts in a create body
        uint256 m = 1 + K_POLICY.length + policy.length + K_SCHEME.length + 1 + K_METADATA.length;
        bytes[5] memory bad = [
            bytes(hex"62c080"), // overlong
            hex"63eda080", // surrogate
            hex"64f4908080", // above U+10FFFF
            hex"62e697", // truncated
            hex"6180" // lone continuation
        ];
        for (uint256 i; i < bad.length; ++i) {
            // as a key: {bad: "v"}
            _expectRevert(
                _create(policy, 1, bytes.concat(hex"a1", bad[i], hex"6176")),
                abi.encodeWithSelector(CborReader.CborInvalidUtf8.selector, m + 1, m + 2)
            );
            // as a value: {"k": bad}
            _expectRevert(
                _create(policy, 1, bytes.concat(hex"a1616b", bad[i])),
                abi.encodeWithSelector(CborReader.CborInvalidUtf8.selector, m + 3, m + 4)
            );
        }
    }

    /// @dev A secret name in an update (a surrogate) is refused as metadata text is.
    function test_textMustBeUtf8_secretName() public {
        bytes21 appId = _createSimple();
        bytes memory secrets = bytes.concat(hex"a1", hex"63eda080", hex"4101");
        _expectRevertSelector(
            "rofl.Update",
            _updateBody(appId, _adminOf(ALICE_OASIS), _simplePolicy(), secrets, EMPTY_MAP),
            CborReader.CborInvalidUtf8.selector
        );
    }

    /// @dev The module takes any well-formed `String`: control and format characters, and any
    /// bytes as a secret value, pass.
    function test_textControlCharactersAndMultiByteAccepted() public {
        // {"k\n": "a\u0000\tb", "\u200b": "x", "café": "日本"} in canonical order
        bytes memory metadata = bytes.concat(hex"a3", hex"626b0a", hex"6461000962", hex"63e2808b", hex"6178");
        metadata = bytes.concat(metadata, hex"65636166c3a9", hex"66e697a5e69cac");
        bytes memory data = _expectOk(ALICE, "rofl.Create", _create(_simplePolicy(), 1, metadata));
        bytes21 appId = bytes21(_slice(data, 1));
        MetadataEntry[] memory stored = standIn.appMetadata(appId);
        assertEq(stored.length, 3);
        assertEq(stored[0].key, "k\n");
        assertEq(stored[0].value, "a\x00\tb");
        assertEq(stored[1].key, unicode"\u200b");
        assertEq(stored[2].value, unicode"日本");
    }

    /// @dev A secret {"\u202e": h'c080'}: a format character as the name, bytes that are not
    /// UTF-8 as the value.
    function test_textControlCharactersAndMultiByteAccepted_secret() public {
        bytes21 appId = _createSimple();
        bytes memory secrets = bytes.concat(hex"a1", hex"63e280ae", hex"42c080");
        _expectOk(ALICE, "rofl.Update", _updateBody(appId, _adminOf(ALICE_OASIS), _simplePolicy(), secrets, EMPTY_MAP));
        assertEq(standIn.appSecrets(appId)[0].name, unicode"\u202e");
        assertEq(standIn.appSecrets(appId)[0].value, hex"c080");
    }
}
