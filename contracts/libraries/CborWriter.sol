// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {IRoflErrors} from "../interfaces/IRoflErrors.sol";

/// @title Canonical CBOR writer
/// @notice Low-level writer of the canonical CBOR subset the Oasis runtime SDK uses (RFC 8949
/// §4.2.1 "core deterministic encoding"): every head (integer value, string length, item count)
/// is written in its shortest form, and definite lengths only. Ordering map keys is the caller's
/// job (see {RoflCbor}).
/// @dev The writer appends to a growable buffer that lives in memory as an ordinary `bytes`
/// whose length word is the number of bytes written so far. The region behind it is reserved
/// with `capacity` bytes plus one word of slack, so that any write of up to 32 bytes is one
/// `mstore` of a full word: the bytes it spills past the end are scratch that the next write
/// overwrites and {finish} zeroes. When the buffer is the last allocation it grows in place;
/// otherwise it moves (a word-by-word copy: Shanghai has no MCOPY).
///
/// Invariant kept by every function: `len(data) <= capacity`, `capacity % 32 == 0`, and the
/// `capacity + 32` bytes after the length word belong to the buffer.
library CborWriter {
    /// @dev A buffer under construction. `data` is never handed out before {finish}.
    struct Buffer {
        bytes data;
        uint256 capacity;
    }

    uint256 internal constant MAJOR_UNSIGNED = 0;
    uint256 internal constant MAJOR_BYTES = 2;
    uint256 internal constant MAJOR_TEXT = 3;
    uint256 internal constant MAJOR_ARRAY = 4;
    uint256 internal constant MAJOR_MAP = 5;

    /// @dev Simple values (major type 7).
    uint256 private constant _FALSE = 0xf4;
    uint256 private constant _TRUE = 0xf5;
    uint256 private constant _NULL = 0xf6;

    // -------------------------------------------------------------------------------------------
    // Buffer lifecycle
    // -------------------------------------------------------------------------------------------

    /// @notice A new, empty buffer with room for `capacity` bytes before it has to grow.
    function create(uint256 capacity) internal pure returns (Buffer memory buf) {
        assembly ("memory-safe") {
            capacity := and(add(capacity, 0x1f), not(0x1f))
            let data := mload(0x40)
            mstore(data, 0)
            // length word + capacity + one word of slack
            mstore(0x40, add(data, add(capacity, 0x40)))
            mstore(buf, data)
            mstore(add(buf, 0x20), capacity)
        }
    }

    /// @notice The bytes written, as a regular `bytes`. The buffer must not be written after this.
    /// @dev Zeroes the word after the content (Solidity expects clean padding) and, when the buffer
    /// is the last allocation, hands the unused tail back to the allocator.
    function finish(Buffer memory buf) internal pure returns (bytes memory data) {
        assembly ("memory-safe") {
            data := mload(buf)
            let contentEnd := add(add(data, 0x20), mload(data))
            mstore(contentEnd, 0)
            if eq(mload(0x40), add(add(data, 0x40), mload(add(buf, 0x20)))) {
                mstore(0x40, and(add(contentEnd, 0x1f), not(0x1f)))
            }
        }
    }

    // -------------------------------------------------------------------------------------------
    // Items
    // -------------------------------------------------------------------------------------------

    /// @notice Writes an unsigned integer (major type 0).
    function writeUint(Buffer memory buf, uint256 value) internal pure {
        writeHead(buf, MAJOR_UNSIGNED, value);
    }

    /// @notice Writes CBOR `true` or `false`.
    function writeBool(Buffer memory buf, bool value) internal pure {
        writeRaw(buf, bytes32((value ? _TRUE : _FALSE) << 248), 1);
    }

    /// @notice Writes CBOR `null`.
    function writeNull(Buffer memory buf) internal pure {
        writeRaw(buf, bytes32(_NULL << 248), 1);
    }

    /// @notice Writes the head of an array of `count` items; the items follow.
    function writeArrayHead(Buffer memory buf, uint256 count) internal pure {
        writeHead(buf, MAJOR_ARRAY, count);
    }

    /// @notice Writes the head of a map of `count` pairs; the keys and values follow, alternating.
    function writeMapHead(Buffer memory buf, uint256 count) internal pure {
        writeHead(buf, MAJOR_MAP, count);
    }

    /// @notice Writes a byte string (major type 2).
    function writeBytes(Buffer memory buf, bytes memory value) internal pure {
        _writeString(buf, MAJOR_BYTES, value);
    }

    /// @notice Writes a text string (major type 3). The caller vouches for UTF-8.
    function writeText(Buffer memory buf, string memory value) internal pure {
        _writeString(buf, MAJOR_TEXT, bytes(value));
    }

    /// @notice Writes a byte string of the first `length` (at most 32) bytes of `value`.
    function writeFixedBytes(Buffer memory buf, bytes32 value, uint256 length) internal pure {
        writeHead(buf, MAJOR_BYTES, length);
        writeRaw(buf, value, length);
    }

    /// @notice Writes the head of an item: `major` (0-7) with argument `value`, shortest form.
    function writeHead(Buffer memory buf, uint256 major, uint256 value) internal pure {
        if (value > type(uint64).max) revert IRoflErrors.CborValueTooLarge(value);
        (uint256 head, uint256 headLength) = headWord(major, value);
        bool full;
        assembly ("memory-safe") {
            // The bytes written so far, and their count (the length word).
            let data := mload(buf)
            let len := mload(data)
            let needed := add(len, headLength)
            // `capacity` is the buffer's second word: grow first if the head does not fit.
            full := gt(needed, mload(add(buf, 0x20)))
            if iszero(full) {
                // One full-word store after the last byte; the spill is in the slack word.
                mstore(add(add(data, 0x20), len), head)
                // Account for the head's bytes only.
                mstore(data, needed)
            }
        }
        if (full) {
            _grow(buf, 9);
            writeHead(buf, major, value);
        }
    }

    /// @notice The head of an item of major type `major` (0-7) with argument `value` in its
    /// shortest form (RFC 8949 §4.2.1), left-aligned in `word`, and its length in bytes (1, 2,
    /// 3, 5 or 9). `value` must fit 64 bits: {writeHead} checks it, {RoflCbor}'s map writer
    /// only passes lengths of strings held in memory.
    /// @dev The one CBOR head encoder of the contracts: every head is written from this word.
    function headWord(uint256 major, uint256 value) internal pure returns (uint256 word, uint256 length) {
        assembly ("memory-safe") {
            // Initial byte: the major type in its top 3 bits, additional information in the low 5.
            let initial := shl(5, major)
            switch lt(value, 24)
            case 1 {
                // Arguments 0..23 are the additional information itself: a one-byte head.
                length := 1
                // The initial byte in the top byte of the word.
                word := shl(248, or(initial, value))
            }
            default {
                // Additional information 24: the argument follows in 1 byte.
                let info := 24
                let size := 1
                if gt(value, 0xff) {
                    // 25: in 2 bytes.
                    info := 25
                    size := 2
                    if gt(value, 0xffff) {
                        // 26: in 4 bytes.
                        info := 26
                        size := 4
                        if gt(value, 0xffffffff) {
                            // 27: in 8 bytes (the caller guarantees it fits).
                            info := 27
                            size := 8
                        }
                    }
                }
                // The initial byte, then the argument's `size` bytes.
                length := add(size, 1)
                // Initial byte in bits 248..255; the argument shifted left by 248 - 8 * size so
                // that its `size` bytes sit right after it, big-endian.
                word := or(shl(248, or(initial, info)), shl(sub(248, shl(3, size)), value))
            }
        }
    }

    /// @notice Appends the first `length` (at most 32) bytes of `word` verbatim: pre-encoded heads
    /// and map keys.
    function writeRaw(Buffer memory buf, bytes32 word, uint256 length) internal pure {
        bool full;
        assembly ("memory-safe") {
            let data := mload(buf)
            let len := mload(data)
            let needed := add(len, length)
            full := gt(needed, mload(add(buf, 0x20)))
            if iszero(full) {
                mstore(add(add(data, 0x20), len), word)
                mstore(data, needed)
            }
        }
        if (full) {
            _grow(buf, length);
            writeRaw(buf, word, length);
        }
    }

    /// @notice Claims the next `length` bytes of the buffer and returns the memory address where
    /// they start; the caller must write all of them (whole-word `mstore`s may spill up to 32
    /// bytes past the end: the slack, overwritten by the next write and zeroed by {finish}).
    /// @dev Lets an encoder write a fixed-layout item (e.g. an enclave identity) with a few
    /// `mstore`s after one bounds check.
    function claim(Buffer memory buf, uint256 length) internal pure returns (uint256 dst) {
        bool full;
        assembly ("memory-safe") {
            let data := mload(buf)
            let len := mload(data)
            let needed := add(len, length)
            full := gt(needed, mload(add(buf, 0x20)))
            if iszero(full) {
                dst := add(add(data, 0x20), len)
                mstore(data, needed)
            }
        }
        if (full) {
            _grow(buf, length);
            dst = claim(buf, length);
        }
    }

    /// @notice Makes room for `maxLength` more bytes and returns the address where the next
    /// byte goes, without writing anything: for an encoder that writes an item of known maximum
    /// size with its own `mstore`s (spilling at most 32 bytes past what it writes) and then
    /// calls {advance}.
    function reserve(Buffer memory buf, uint256 maxLength) internal pure returns (uint256 dst) {
        bool full;
        assembly ("memory-safe") {
            let data := mload(buf)
            let len := mload(data)
            full := gt(add(len, maxLength), mload(add(buf, 0x20)))
            dst := add(add(data, 0x20), len)
        }
        if (full) {
            _grow(buf, maxLength);
            assembly ("memory-safe") {
                let data := mload(buf)
                dst := add(add(data, 0x20), mload(data))
            }
        }
    }

    /// @notice Ends a {reserve}d write: the content now ends at address `end` (at most the
    /// reserved maximum past the address {reserve} returned).
    function advance(Buffer memory buf, uint256 end) internal pure {
        assembly ("memory-safe") {
            let data := mload(buf)
            mstore(data, sub(end, add(data, 0x20)))
        }
    }

    // -------------------------------------------------------------------------------------------
    // Internals
    // -------------------------------------------------------------------------------------------

    /// @dev A byte or text string: head, then the content copied word by word (the last word may
    /// spill into the slack).
    function _writeString(Buffer memory buf, uint256 major, bytes memory value) private pure {
        uint256 length = value.length;
        writeHead(buf, major, length);
        if (length == 0) return;
        uint256 dst = claim(buf, length);
        assembly ("memory-safe") {
            let src := add(value, 0x20)
            for { let i := 0 } lt(i, length) { i := add(i, 0x20) } { mstore(add(dst, i), mload(add(src, i))) }
        }
    }

    /// @dev Makes room for `extra` more bytes: grows in place when the buffer ends at the free
    /// memory pointer, moves it otherwise. Capacity at least doubles, so appends stay amortised O(1).
    /// Only called when the fast path of a write found the buffer full.
    function _grow(Buffer memory buf, uint256 extra) private pure {
        assembly ("memory-safe") {
            let data := mload(buf)
            let capacity := mload(add(buf, 0x20))
            let needed := add(mload(data), extra)
            let newCapacity := shl(1, capacity)
            if lt(newCapacity, needed) { newCapacity := needed }
            newCapacity := and(add(newCapacity, 0x1f), not(0x1f))
            switch eq(mload(0x40), add(add(data, 0x40), capacity))
            case 1 { mstore(0x40, add(add(data, 0x40), newCapacity)) }
            default {
                let moved := mload(0x40)
                // length word + content, rounded up to whole words
                let words := add(mload(data), 0x20)
                for { let i := 0 } lt(i, words) { i := add(i, 0x20) } { mstore(add(moved, i), mload(add(data, i))) }
                mstore(0x40, add(add(moved, 0x40), newCapacity))
                mstore(buf, moved)
            }
            mstore(add(buf, 0x20), newCapacity)
        }
    }
}
