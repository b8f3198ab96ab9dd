// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {Test} from "forge-std/Test.sol";
import {CborReader} from "../contracts/testing/CborReader.sol";

/// @dev External wrappers so that reverts can be asserted with vm.expectRevert.
contract CborReaderHarness {
    using CborReader for CborReader.Cursor;

    function uintOnly(bytes memory b) external pure returns (uint64 v) {
        CborReader.Cursor memory c = CborReader.cursor(b);
        v = c.readUint();
        c.requireEnd();
    }

    function uintMax(bytes memory b, uint64 max) external pure returns (uint64) {
        CborReader.Cursor memory c = CborReader.cursor(b);
        return c.readUintMax(max);
    }

    function bytesOnly(bytes memory b) external pure returns (bytes memory v) {
        CborReader.Cursor memory c = CborReader.cursor(b);
        v = c.readBytes();
        c.requireEnd();
    }

    function bytesOfLength(bytes memory b, uint256 n) external pure returns (bytes memory) {
        CborReader.Cursor memory c = CborReader.cursor(b);
        return c.readBytesOfLength(n);
    }

    function textOnly(bytes memory b) external pure returns (string memory v) {
        CborReader.Cursor memory c = CborReader.cursor(b);
        v = c.readText();
        c.requireEnd();
    }

    function boolOnly(bytes memory b) external pure returns (bool v) {
        CborReader.Cursor memory c = CborReader.cursor(b);
        v = c.readBool();
        c.requireEnd();
    }

    function nullOnly(bytes memory b) external pure {
        CborReader.Cursor memory c = CborReader.cursor(b);
        c.readNull();
        c.requireEnd();
    }

    /// @dev Validate one complete item of any supported type.
    function validate(bytes memory b) external pure {
        CborReader.Cursor memory c = CborReader.cursor(b);
        c.skipValue();
        c.requireEnd();
    }

    /// @dev Read a text→uint map and return keys and values.
    function textUintMap(bytes memory b) external pure returns (string[] memory keys, uint64[] memory values) {
        CborReader.Cursor memory c = CborReader.cursor(b);
        uint256 n = c.readMapHeader();
        keys = new string[](n);
        values = new uint64[](n);
        CborReader.MapKeys memory order = CborReader.newMapKeys();
        for (uint256 i; i < n; ++i) {
            (keys[i],) = c.readMapKey(order);
            values[i] = c.readUint();
        }
        c.requireEnd();
    }
}

contract CborReaderTest is Test {
    CborReaderHarness internal h;

    function setUp() public {
        h = new CborReaderHarness();
    }

    // ------------------------------------------------------------------ integers

    function test_uintAllWidths() public view {
        assertEq(h.uintOnly(hex"00"), 0);
        assertEq(h.uintOnly(hex"17"), 23);
        assertEq(h.uintOnly(hex"1818"), 24);
        assertEq(h.uintOnly(hex"18ff"), 255);
        assertEq(h.uintOnly(hex"190100"), 256);
        assertEq(h.uintOnly(hex"19ffff"), 65535);
        assertEq(h.uintOnly(hex"1a00010000"), 65536);
        assertEq(h.uintOnly(hex"1affffffff"), type(uint32).max);
        assertEq(h.uintOnly(hex"1b0000000100000000"), uint64(1) << 32);
        assertEq(h.uintOnly(hex"1bffffffffffffffff"), type(uint64).max);
    }

    function test_nonMinimalIntegersRejected() public {
        bytes[5] memory cases = [bytes(hex"1817"), hex"1800", hex"1900ff", hex"1a0000ffff", hex"1b00000000ffffffff"];
        for (uint256 i; i < cases.length; ++i) {
            vm.expectRevert(abi.encodeWithSelector(CborReader.CborNonMinimalEncoding.selector, 0));
            h.uintOnly(cases[i]);
        }
    }

    function test_nonMinimalLengthRejected() public {
        // byte string of length 1 with a one-byte length argument
        vm.expectRevert(abi.encodeWithSelector(CborReader.CborNonMinimalEncoding.selector, 0));
        h.bytesOnly(hex"580141");
    }

    function test_uintMax_accepted() public view {
        assertEq(h.uintMax(hex"19ffff", type(uint16).max), 65535);
    }

    function test_uintMax_tooLargeRejected() public {
        vm.expectRevert(abi.encodeWithSelector(CborReader.CborIntegerTooLarge.selector, 0, 65536, 65535));
        h.uintMax(hex"1a00010000", type(uint16).max);
    }

    function test_negativeTagFloatSimpleRejected_negative() public {
        vm.expectRevert(abi.encodeWithSelector(CborReader.CborUnsupportedItem.selector, 0, uint8(0x20)));
        h.uintOnly(hex"20"); // -1
    }

    function test_negativeTagFloatSimpleRejected_tag() public {
        vm.expectRevert(abi.encodeWithSelector(CborReader.CborUnsupportedItem.selector, 0, uint8(0xc1)));
        h.uintOnly(hex"c11a514b67b0"); // tag 1 (epoch time)
    }

    function test_negativeTagFloatSimpleRejected_halfFloat() public {
        vm.expectRevert(abi.encodeWithSelector(CborReader.CborUnsupportedItem.selector, 0, uint8(0xf9)));
        h.validate(hex"f93c00"); // half float 1.0
    }

    function test_negativeTagFloatSimpleRejected_double() public {
        vm.expectRevert(abi.encodeWithSelector(CborReader.CborUnsupportedItem.selector, 0, uint8(0xfb)));
        h.validate(hex"fb3ff0000000000000"); // double 1.0
    }

    function test_negativeTagFloatSimpleRejected_undefined() public {
        vm.expectRevert(abi.encodeWithSelector(CborReader.CborUnsupportedItem.selector, 0, uint8(0xf7)));
        h.validate(hex"f7"); // undefined
    }

    function test_reservedAdditionalInfoRejected() public {
        vm.expectRevert(abi.encodeWithSelector(CborReader.CborReservedAdditionalInfo.selector, 0));
        h.uintOnly(hex"1c");
    }

    // ------------------------------------------------------------------ strings

    function test_bytesAndText_emptyBytes() public view {
        assertEq(h.bytesOnly(hex"40"), "");
    }

    function test_bytesAndText_bytes() public view {
        assertEq(h.bytesOnly(hex"43010203"), hex"010203");
    }

    function test_bytesAndText_text() public view {
        assertEq(h.textOnly(hex"63616263"), "abc");
    }

    function test_bytesAndText_twoByteLength() public view {
        bytes memory long = new bytes(300);
        long[299] = 0x7f;
        assertEq(h.bytesOnly(bytes.concat(hex"59012c", long)), long);
    }

    function test_bytesOfLength_accepted() public view {
        assertEq(h.bytesOfLength(hex"420102", 2), hex"0102");
    }

    function test_bytesOfLength_wrongLengthRejected() public {
        vm.expectRevert(abi.encodeWithSelector(CborReader.CborWrongLength.selector, 0, 3, 2));
        h.bytesOfLength(hex"420102", 3);
    }

    function test_truncatedRejected_bytes() public {
        vm.expectRevert(abi.encodeWithSelector(CborReader.CborUnexpectedEnd.selector, 1));
        h.bytesOnly(hex"430102");
    }

    function test_truncatedRejected_uintArgument() public {
        vm.expectRevert(abi.encodeWithSelector(CborReader.CborUnexpectedEnd.selector, 0));
        h.uintOnly(hex"19ff");
    }

    function test_truncatedRejected_empty() public {
        vm.expectRevert(abi.encodeWithSelector(CborReader.CborUnexpectedEnd.selector, 0));
        h.uintOnly(hex"");
    }

    function test_truncatedRejected_longBytesSkipped() public {
        vm.expectRevert(abi.encodeWithSelector(CborReader.CborUnexpectedEnd.selector, 0));
        h.validate(hex"5a00010000");
    }

    function test_indefiniteLengthRejected_bytes() public {
        vm.expectRevert(abi.encodeWithSelector(CborReader.CborIndefiniteLength.selector, 0));
        h.bytesOnly(hex"5f4101ff");
    }

    function test_indefiniteLengthRejected_array() public {
        vm.expectRevert(abi.encodeWithSelector(CborReader.CborIndefiniteLength.selector, 0));
        h.validate(hex"9f01ff");
    }

    function test_indefiniteLengthRejected_map() public {
        vm.expectRevert(abi.encodeWithSelector(CborReader.CborIndefiniteLength.selector, 0));
        h.validate(hex"bf616101ff");
    }

    function test_trailingBytesRejected() public {
        vm.expectRevert(abi.encodeWithSelector(CborReader.CborTrailingBytes.selector, 1));
        h.uintOnly(hex"0100");
    }

    function test_wrongTypeRejected_textForBytes() public {
        vm.expectRevert(abi.encodeWithSelector(CborReader.CborUnexpectedType.selector, 0, 2, uint8(0x61)));
        h.bytesOnly(hex"6161");
    }

    function test_wrongTypeRejected_nullForUint() public {
        vm.expectRevert(abi.encodeWithSelector(CborReader.CborUnexpectedType.selector, 0, 0, uint8(0xf6)));
        h.uintOnly(hex"f6");
    }

    function test_wrongTypeRejected_uintForBool() public {
        vm.expectRevert(abi.encodeWithSelector(CborReader.CborUnexpectedType.selector, 0, 7, uint8(0x00)));
        h.boolOnly(hex"00");
    }

    function test_wrongTypeRejected_trueForNull() public {
        vm.expectRevert(abi.encodeWithSelector(CborReader.CborUnexpectedType.selector, 0, 7, uint8(0xf5)));
        h.nullOnly(hex"f5");
    }

    function test_simpleValues_true() public view {
        assertTrue(h.boolOnly(hex"f5"));
    }

    function test_simpleValues_false() public view {
        assertFalse(h.boolOnly(hex"f4"));
    }

    function test_simpleValues_null() public view {
        h.nullOnly(hex"f6");
    }

    // ------------------------------------------------------------------ maps

    function test_canonicalMapAccepted() public view {
        // {"b": 1, "aa": 2, "ab": 3}: shorter key first, then bytewise
        (string[] memory keys, uint64[] memory values) = h.textUintMap(hex"a36162016261610262616203");
        assertEq(keys.length, 3);
        assertEq(keys[0], "b");
        assertEq(keys[1], "aa");
        assertEq(keys[2], "ab");
        assertEq(values[2], 3);
    }

    function test_longKeysCompareBeyondOneWord() public view {
        // two 40-byte keys that differ only in the last byte
        bytes memory k1 = bytes.concat(hex"7828", bytes(string.concat("0123456789012345678901234567890123456789")));
        bytes memory k2 = bytes.concat(hex"7828", bytes(string.concat("012345678901234567890123456789012345678a")));
        h.textUintMap(bytes.concat(hex"a2", k1, hex"01", k2, hex"02"));
    }

    function test_outOfOrderKeysRejected_bytewise() public {
        // {"ab": .., "aa": ..} bytewise out of order
        vm.expectRevert(abi.encodeWithSelector(CborReader.CborMapKeyOutOfOrder.selector, 5));
        h.textUintMap(hex"a26261620162616102");
    }

    function test_outOfOrderKeysRejected_longerFirst() public {
        // {"aa": .., "b": ..} longer key first
        vm.expectRevert(abi.encodeWithSelector(CborReader.CborMapKeyOutOfOrder.selector, 5));
        h.textUintMap(hex"a2626161016162" hex"02");
    }

    function test_duplicateKeysRejected_read() public {
        vm.expectRevert(abi.encodeWithSelector(CborReader.CborDuplicateMapKey.selector, 4));
        h.textUintMap(hex"a2616101616102");
    }

    function test_duplicateKeysRejected_skipped() public {
        vm.expectRevert(abi.encodeWithSelector(CborReader.CborDuplicateMapKey.selector, 4));
        h.validate(hex"a2616101616102");
    }

    function test_nonTextKeysRejected_uint() public {
        vm.expectRevert(abi.encodeWithSelector(CborReader.CborMapKeyNotText.selector, 1));
        h.validate(hex"a10102");
    }

    function test_nonTextKeysRejected_bytes() public {
        vm.expectRevert(abi.encodeWithSelector(CborReader.CborMapKeyNotText.selector, 1));
        h.validate(hex"a1410102");
    }

    // ------------------------------------------------------------------ UTF-8 (a Rust `String`)
    function test_textMustBeUtf8_overlong() public {
        vm.expectRevert(abi.encodeWithSelector(CborReader.CborInvalidUtf8.selector, 0, 1));
        h.textOnly(hex"62c080");
    }

    function test_textMustBeUtf8_surrogate() public {
        vm.expectRevert(abi.encodeWithSelector(CborReader.CborInvalidUtf8.selector, 0, 2));
        h.textOnly(hex"6461eda080");
    }

    function test_textMustBeUtf8_aboveMax() public {
        vm.expectRevert(abi.encodeWithSelector(CborReader.CborInvalidUtf8.selector, 0, 1));
        h.textOnly(hex"64f4908080");
    }

    function test_textMustBeUtf8_truncated() public {
        vm.expectRevert(abi.encodeWithSelector(CborReader.CborInvalidUtf8.selector, 0, 1));
        h.textOnly(hex"62e697");
    }

    function test_textMustBeUtf8_loneContinuation() public {
        vm.expectRevert(abi.encodeWithSelector(CborReader.CborInvalidUtf8.selector, 0, 1));
        h.textOnly(hex"6180");
    }

    /// @dev Map keys and skipped text alike.
    function test_textMustBeUtf8_mapKey() public {
        vm.expectRevert(abi.encodeWithSelector(CborReader.CborInvalidUtf8.selector, 1, 2));
        h.textUintMap(hex"a162c08001");
    }

    function test_textMustBeUtf8_skippedInArray() public {
        vm.expectRevert(abi.encodeWithSelector(CborReader.CborInvalidUtf8.selector, 1, 2));
        h.validate(hex"8162eda080");
    }

    function test_textMustBeUtf8_skippedMapKey() public {
        vm.expectRevert(abi.encodeWithSelector(CborReader.CborInvalidUtf8.selector, 1, 2));
        h.validate(hex"a16180f6");
    }

    /// @dev A truncated item is still reported as such.
    function test_textMustBeUtf8_truncatedItemRead() public {
        vm.expectRevert(abi.encodeWithSelector(CborReader.CborUnexpectedEnd.selector, 1));
        h.textOnly(hex"63c080");
    }

    function test_textMustBeUtf8_truncatedItemSkipped() public {
        vm.expectRevert(abi.encodeWithSelector(CborReader.CborUnexpectedEnd.selector, 0));
        h.validate(hex"63c080");
    }

    /// @dev The module takes any well-formed `String`: control and format characters pass.
    function test_textControlCharactersAndMultiByteAccepted_controls() public view {
        assertEq(h.textOnly(hex"630a0009"), "\n\x00\t");
    }

    function test_textControlCharactersAndMultiByteAccepted_zeroWidthSpace() public view {
        assertEq(h.textOnly(hex"63e2808b"), unicode"\u200b");
    }

    function test_textControlCharactersAndMultiByteAccepted_twoByte() public view {
        assertEq(h.textOnly(hex"65636166c3a9"), unicode"café");
    }

    function test_textControlCharactersAndMultiByteAccepted_threeByte() public view {
        assertEq(h.textOnly(hex"66e697a5e69cac"), unicode"日本");
    }

    function test_textControlCharactersAndMultiByteAccepted_fourByte() public view {
        assertEq(h.textOnly(hex"64f09f9880"), unicode"😀");
    }

    function test_textControlCharactersAndMultiByteAccepted_skipped() public view {
        h.validate(hex"a1620a7f63e280ae");
    }

    function test_skipNested() public view {
        // {"a": [1, h'00', "x", null, true, {"b": []}]}
        h.validate(hex"a16161860141006178f6f5a1616280");
    }

    function test_nestedTooDeepRejected() public {
        bytes memory deep = new bytes(40);
        for (uint256 i; i < 39; ++i) {
            deep[i] = 0x81; // [[[[...
        }
        deep[39] = 0x00;
        vm.expectRevert(abi.encodeWithSelector(CborReader.CborTooDeep.selector, 17));
        h.validate(deep);
    }

    /// @dev Every one-byte-argument integer re-reads to itself; longer forms of small values fail.
    function testFuzz_uintRoundTrip(uint64 v) public view {
        bytes memory enc;
        if (v < 24) enc = abi.encodePacked(uint8(v));
        else if (v <= type(uint8).max) enc = abi.encodePacked(uint8(0x18), uint8(v));
        else if (v <= type(uint16).max) enc = abi.encodePacked(uint8(0x19), uint16(v));
        else if (v <= type(uint32).max) enc = abi.encodePacked(uint8(0x1a), uint32(v));
        else enc = abi.encodePacked(uint8(0x1b), v);
        assertEq(h.uintOnly(enc), v);
    }

    function testFuzz_eightByteFormOfSmallValueRejected(uint32 v) public {
        vm.expectRevert(abi.encodeWithSelector(CborReader.CborNonMinimalEncoding.selector, 0));
        h.uintOnly(abi.encodePacked(uint8(0x1b), uint64(v)));
    }
}
