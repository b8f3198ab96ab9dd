// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {Utf8Text} from "../libraries/Utf8Text.sol";

/// @title Strict canonical CBOR reader
/// @notice Reads the subset of CBOR (RFC 8949) that oasis-sdk's canonical encoder writes for ROFL
/// bodies: unsigned integers (major 0), byte strings (2), text strings (3), arrays (4), maps (5)
/// and the simple values false, true and null. Everything a canonical encoder never writes is
/// refused with an error that names the offset of the offending item: indefinite lengths,
/// non-minimal integer or length encodings, negative integers, tags, floats, other simple
/// values, truncated input and, at the caller's request, trailing bytes. Map keys must be text
/// strings in strictly increasing canonical order (shorter encoding first, then bytewise), which
/// also rules out duplicate keys.
/// Text strings (map keys included) must be well-formed UTF-8, as the module's parser requires:
/// oasis-sdk runtime-sdk/src/modules/rofl/types.rs declares `metadata: BTreeMap<String, String>`
/// and `secrets: BTreeMap<String, Vec<u8>>` (and every other text field a `String`), and a Rust
/// `String` cannot hold anything else, so such a body fails to parse. Control and format
/// characters are NOT refused here: the module takes any well-formed `String`.
/// @dev Testing only: the module stand-ins ({RoflModuleStandIn}, {RoflMarketStandIn}) and the
/// tests decode with it; the policy contract never reads CBOR. A `Cursor` walks one buffer;
/// every read advances `pos`.
library CborReader {
    /// @notice A read position in a CBOR buffer.
    struct Cursor {
        bytes buf;
        uint256 pos;
    }

    /// @notice The previous key of the map being read, as an encoded span of the buffer.
    struct MapKeys {
        uint256 prevStart;
        uint256 prevLength;
    }

    /// @notice A struct being read from a canonical map of known field names: where the map
    /// starts, how many entries it has, the key order so far, and a bit per field seen (bit `i`
    /// for `names[i]` of {readField}).
    struct Fields {
        uint256 mapOffset;
        uint256 count;
        MapKeys keys;
        uint256 seen;
    }

    uint8 internal constant MAJOR_UNSIGNED = 0;
    uint8 internal constant MAJOR_BYTES = 2;
    uint8 internal constant MAJOR_TEXT = 3;
    uint8 internal constant MAJOR_ARRAY = 4;
    uint8 internal constant MAJOR_MAP = 5;
    uint8 internal constant MAJOR_SIMPLE = 7;

    uint8 internal constant FALSE = 0xf4;
    uint8 internal constant TRUE = 0xf5;
    uint8 internal constant NULL = 0xf6;

    /// @dev Nesting limit of `skipValue`, far above anything a ROFL body needs.
    uint256 internal constant MAX_DEPTH = 16;

    /// @notice The input ends inside the item that starts at `offset`.
    error CborUnexpectedEnd(uint256 offset);
    /// @notice Indefinite-length string, array or map at `offset`.
    error CborIndefiniteLength(uint256 offset);
    /// @notice Reserved additional information (28..30) at `offset`.
    error CborReservedAdditionalInfo(uint256 offset);
    /// @notice The integer or length at `offset` is not in its shortest form.
    error CborNonMinimalEncoding(uint256 offset);
    /// @notice A negative integer, tag, float or simple value other than false/true/null.
    error CborUnsupportedItem(uint256 offset, uint8 initialByte);
    /// @notice The item at `offset` is of another type than the one expected.
    error CborUnexpectedType(uint256 offset, uint8 expectedMajor, uint8 initialByte);
    /// @notice A fixed-size byte string has the wrong length.
    error CborWrongLength(uint256 offset, uint256 expected, uint256 actual);
    /// @notice Bytes remain after the last item.
    error CborTrailingBytes(uint256 offset);
    /// @notice A map key is not a text string.
    error CborMapKeyNotText(uint256 offset);
    /// @notice A map key does not sort after the previous one.
    error CborMapKeyOutOfOrder(uint256 offset);
    /// @notice A map key repeats the previous one.
    error CborDuplicateMapKey(uint256 offset);
    /// @notice An integer does not fit the width the caller allows.
    error CborIntegerTooLarge(uint256 offset, uint256 value, uint256 max);
    /// @notice Items nest deeper than `MAX_DEPTH`.
    error CborTooDeep(uint256 offset);
    /// @notice The text string at `offset` is not well-formed UTF-8 (what a Rust `String` needs).
    /// @param offset Where the text item (its header) starts.
    /// @param position Where its first ill-formed sequence starts, in the buffer.
    error CborInvalidUtf8(uint256 offset, uint256 position);
    /// @notice A struct map has a key the real encoder never writes there.
    /// @param offset Where the key starts.
    /// @param key The key.
    error UnknownField(uint256 offset, string key);
    /// @notice A struct map lacks a field the real encoder always writes.
    /// @param mapOffset Where the map starts.
    /// @param key The missing field.
    error MissingField(uint256 mapOffset, string key);

    // ---------------------------------------------------------------------------------------
    // Cursor
    // ---------------------------------------------------------------------------------------

    function cursor(bytes memory buf) internal pure returns (Cursor memory) {
        return Cursor({buf: buf, pos: 0});
    }

    function atEnd(Cursor memory c) internal pure returns (bool) {
        return c.pos >= c.buf.length;
    }

    /// @notice Revert unless the whole buffer has been read.
    function requireEnd(Cursor memory c) internal pure {
        if (c.pos != c.buf.length) revert CborTrailingBytes(c.pos);
    }

    /// @notice The initial byte of the next item, without consuming it.
    function peek(Cursor memory c) internal pure returns (uint8) {
        if (c.pos >= c.buf.length) revert CborUnexpectedEnd(c.pos);
        return uint8(c.buf[c.pos]);
    }

    function peekIsNull(Cursor memory c) internal pure returns (bool) {
        return peek(c) == NULL;
    }

    // ---------------------------------------------------------------------------------------
    // Scalars
    // ---------------------------------------------------------------------------------------

    function readNull(Cursor memory c) internal pure {
        uint8 ib = peek(c);
        if (ib != NULL) revert CborUnexpectedType(c.pos, MAJOR_SIMPLE, ib);
        c.pos += 1;
    }

    function readBool(Cursor memory c) internal pure returns (bool) {
        uint8 ib = peek(c);
        if (ib != TRUE && ib != FALSE) revert CborUnexpectedType(c.pos, MAJOR_SIMPLE, ib);
        c.pos += 1;
        return ib == TRUE;
    }

    function readUint(Cursor memory c) internal pure returns (uint64) {
        return _readHeader(c, MAJOR_UNSIGNED);
    }

    /// @notice Read an unsigned integer no larger than `max`.
    function readUintMax(Cursor memory c, uint64 max) internal pure returns (uint64 value) {
        uint256 start = c.pos;
        value = _readHeader(c, MAJOR_UNSIGNED);
        if (value > max) revert CborIntegerTooLarge(start, value, max);
    }

    function readBytes(Cursor memory c) internal pure returns (bytes memory) {
        uint256 length = _readHeader(c, MAJOR_BYTES);
        return _take(c, length);
    }

    /// @notice Read a byte string of exactly `length` bytes.
    function readBytesOfLength(Cursor memory c, uint256 length) internal pure returns (bytes memory out) {
        uint256 start = c.pos;
        out = readBytes(c);
        if (out.length != length) revert CborWrongLength(start, length, out.length);
    }

    function readBytes32(Cursor memory c) internal pure returns (bytes32) {
        return bytes32(readBytesOfLength(c, 32));
    }

    function readBytes21(Cursor memory c) internal pure returns (bytes21) {
        return bytes21(readBytesOfLength(c, 21));
    }

    /// @notice Read a text string; it must be well-formed UTF-8.
    function readText(Cursor memory c) internal pure returns (string memory) {
        uint256 start = c.pos;
        uint256 length = _readHeader(c, MAJOR_TEXT);
        if (length > c.buf.length - c.pos) revert CborUnexpectedEnd(c.pos);
        _requireUtf8(c.buf, start, c.pos, length);
        return string(_take(c, length));
    }

    // ---------------------------------------------------------------------------------------
    // Containers
    // ---------------------------------------------------------------------------------------

    /// @notice Read an array header; the caller reads the returned number of items.
    function readArrayHeader(Cursor memory c) internal pure returns (uint256) {
        return _readHeader(c, MAJOR_ARRAY);
    }

    /// @notice Read a map header; the caller reads the returned number of key/value pairs, each
    /// key with `readMapKey` and the same `MapKeys` (fresh from `newMapKeys`).
    function readMapHeader(Cursor memory c) internal pure returns (uint256) {
        return _readHeader(c, MAJOR_MAP);
    }

    function newMapKeys() internal pure returns (MapKeys memory) {
        return MapKeys({prevStart: 0, prevLength: 0});
    }

    /// @notice Read a text map key and check it sorts strictly after the previous key.
    /// @return key The key.
    /// @return offset Where the key starts, for the caller's own error messages.
    function readMapKey(Cursor memory c, MapKeys memory keys)
        internal
        pure
        returns (string memory key, uint256 offset)
    {
        offset = c.pos;
        uint8 ib = peek(c);
        if (ib >> 5 != MAJOR_TEXT) revert CborMapKeyNotText(offset);
        key = readText(c);
        uint256 encodedLength = c.pos - offset;
        if (keys.prevLength != 0) _checkOrder(c.buf, keys, offset, encodedLength);
        keys.prevStart = offset;
        keys.prevLength = encodedLength;
    }

    /// @notice Validate and step over one item of any supported type (recursively).
    function skipValue(Cursor memory c) internal pure {
        _skip(c, 0);
    }

    // ---------------------------------------------------------------------------------------
    // Structs: canonical maps of known field names (the ROFL and roflmarket bodies)
    // ---------------------------------------------------------------------------------------

    /// @notice Start reading a struct: its map header.
    function readFields(Cursor memory c) internal pure returns (Fields memory f) {
        f.mapOffset = c.pos;
        f.count = readMapHeader(c);
        f.keys = newMapKeys();
    }

    /// @notice Read the next key of a struct map and return its index in `names`, marking it
    /// seen; a key not in `names` reverts with {UnknownField}. The key order (hence no
    /// duplicates) is checked as by {readMapKey}.
    function readField(Cursor memory c, Fields memory f, string[] memory names) internal pure returns (uint256) {
        (string memory key, uint256 offset) = readMapKey(c, f.keys);
        bytes32 k = keccak256(bytes(key));
        for (uint256 i; i < names.length; ++i) {
            if (keccak256(bytes(names[i])) == k) {
                f.seen |= 1 << i;
                return i;
            }
        }
        revert UnknownField(offset, key);
    }

    /// @notice Revert with {MissingField}, naming the first of them in `names` order, unless
    /// every field whose bit is set in `required` was seen.
    function requireFields(Fields memory f, uint256 required, string[] memory names) internal pure {
        uint256 missing = required & ~f.seen;
        for (uint256 i; missing != 0 && i < names.length; ++i) {
            if (missing & (1 << i) != 0) revert MissingField(f.mapOffset, names[i]);
        }
    }

    /// @notice The field names of a struct, for {readField} and {requireFields}.
    function fieldNames(string memory a) internal pure returns (string[] memory names) {
        names = new string[](1);
        names[0] = a;
    }

    /// @notice The field names of a struct, for {readField} and {requireFields}.
    function fieldNames(string memory a, string memory b) internal pure returns (string[] memory names) {
        names = new string[](2);
        (names[0], names[1]) = (a, b);
    }

    /// @notice The field names of a struct, for {readField} and {requireFields}.
    function fieldNames(string memory a, string memory b, string memory d)
        internal
        pure
        returns (string[] memory names)
    {
        names = new string[](3);
        (names[0], names[1], names[2]) = (a, b, d);
    }

    /// @notice The field names of a struct, for {readField} and {requireFields}.
    function fieldNames(string memory a, string memory b, string memory d, string memory e)
        internal
        pure
        returns (string[] memory names)
    {
        names = new string[](4);
        (names[0], names[1], names[2], names[3]) = (a, b, d, e);
    }

    // ---------------------------------------------------------------------------------------
    // Internals
    // ---------------------------------------------------------------------------------------

    function _skip(Cursor memory c, uint256 depth) private pure {
        if (depth > MAX_DEPTH) revert CborTooDeep(c.pos);
        uint8 major = peek(c) >> 5;
        if (major == MAJOR_UNSIGNED) {
            readUint(c);
        } else if (major == MAJOR_BYTES) {
            _skipString(c, MAJOR_BYTES);
        } else if (major == MAJOR_TEXT) {
            _skipText(c);
        } else if (major == MAJOR_ARRAY) {
            uint256 n = readArrayHeader(c);
            for (uint256 i; i < n; ++i) {
                _skip(c, depth + 1);
            }
        } else if (major == MAJOR_MAP) {
            uint256 n = readMapHeader(c);
            MapKeys memory keys = newMapKeys();
            for (uint256 i; i < n; ++i) {
                readMapKey(c, keys);
                _skip(c, depth + 1);
            }
        } else {
            // Major 7 (only false/true/null pass), or an unsupported major type.
            _readSimple(c);
        }
    }

    function _skipString(Cursor memory c, uint8 major) private pure {
        uint256 start = c.pos;
        uint256 length = _readHeader(c, major);
        if (length > c.buf.length - c.pos) revert CborUnexpectedEnd(start);
        c.pos += length;
    }

    /// @dev `_skipString` for text, which must be well-formed UTF-8.
    function _skipText(Cursor memory c) private pure {
        uint256 start = c.pos;
        uint256 length = _readHeader(c, MAJOR_TEXT);
        if (length > c.buf.length - c.pos) revert CborUnexpectedEnd(start);
        _requireUtf8(c.buf, start, c.pos, length);
        c.pos += length;
    }

    function _readSimple(Cursor memory c) private pure {
        uint8 ib = peek(c);
        if (ib != FALSE && ib != TRUE && ib != NULL) revert CborUnsupportedItem(c.pos, ib);
        c.pos += 1;
    }

    /// @dev Read an item header of the expected major type and return its argument (the value
    /// of an integer, the length of a string, the item count of an array or map).
    function _readHeader(Cursor memory c, uint8 expectedMajor) private pure returns (uint64 arg) {
        uint256 start = c.pos;
        uint8 ib = peek(c);
        uint8 major = ib >> 5;
        uint8 info = ib & 31;
        if (major == 1 || major == 6 || major == MAJOR_SIMPLE) {
            // Callers never expect these majors here: false/true/null are a type mismatch,
            // negative integers, tags, floats and other simple values are unsupported.
            if (ib == FALSE || ib == TRUE || ib == NULL) revert CborUnexpectedType(start, expectedMajor, ib);
            revert CborUnsupportedItem(start, ib);
        }
        if (info == 31) revert CborIndefiniteLength(start);
        if (info >= 28) revert CborReservedAdditionalInfo(start);
        if (major != expectedMajor) revert CborUnexpectedType(start, expectedMajor, ib);

        if (info < 24) {
            c.pos = start + 1;
            return info;
        }
        uint256 size = 1 << (info - 24); // 1, 2, 4 or 8 bytes follow
        if (c.buf.length - start - 1 < size) revert CborUnexpectedEnd(start);
        bytes memory buf = c.buf;
        uint256 word;
        assembly ("memory-safe") {
            word := mload(add(add(buf, 33), start))
        }
        arg = uint64(word >> (256 - 8 * size));
        // Shortest form: 24..255 in one byte, then 2, 4, 8 bytes for the next ranges.
        uint256 minimum = size == 1 ? 24 : (uint256(1) << (4 * size));
        if (arg < minimum) revert CborNonMinimalEncoding(start);
        c.pos = start + 1 + size;
    }

    /// @dev Copy `length` bytes at the cursor into a new buffer.
    function _take(Cursor memory c, uint256 length) private pure returns (bytes memory out) {
        if (length > c.buf.length - c.pos) revert CborUnexpectedEnd(c.pos);
        out = new bytes(length);
        bytes memory buf = c.buf;
        uint256 src;
        assembly ("memory-safe") {
            src := add(add(buf, 32), mload(add(c, 32)))
        }
        // Word copy (no MCOPY on Shanghai); the last word may overshoot into `out`'s slack,
        // which is then cleared so the bytes past the end stay zero.
        assembly ("memory-safe") {
            let dst := add(out, 32)
            for { let i := 0 } lt(i, length) { i := add(i, 32) } {
                mstore(add(dst, i), mload(add(src, i)))
            }
            mstore(add(dst, length), 0)
            mstore(0x40, add(dst, and(add(length, 63), not(31))))
        }
        c.pos += length;
    }

    /// @dev Reverts `CborInvalidUtf8` unless the `length` bytes of `buf` from `contentStart`
    /// (the content of the text item at `start`) are well-formed UTF-8. Control characters pass.
    function _requireUtf8(bytes memory buf, uint256 start, uint256 contentStart, uint256 length) private pure {
        (uint256 status, uint256 offset,) = Utf8Text.checkMemorySlice(buf, contentStart, length, false);
        if (status != Utf8Text.OK) revert CborInvalidUtf8(start, contentStart + offset);
    }

    /// @dev Canonical order of encoded keys: shorter first, then bytewise.
    function _checkOrder(bytes memory buf, MapKeys memory keys, uint256 start, uint256 length) private pure {
        if (length < keys.prevLength) revert CborMapKeyOutOfOrder(start);
        if (length > keys.prevLength) return;
        uint256 prev = keys.prevStart;
        for (uint256 i; i < length; i += 32) {
            uint256 a;
            uint256 b;
            assembly ("memory-safe") {
                a := mload(add(add(add(buf, 32), prev), i))
                b := mload(add(add(add(buf, 32), start), i))
            }
            uint256 remaining = length - i;
            if (remaining < 32) {
                uint256 shift = 8 * (32 - remaining);
                a >>= shift;
                b >>= shift;
            }
            if (b > a) return;
            if (b < a) revert CborMapKeyOutOfOrder(start);
        }
        revert CborDuplicateMapKey(start);
    }
}
