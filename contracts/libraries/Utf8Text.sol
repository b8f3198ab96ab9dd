// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

/// @title Strict UTF-8 and key-character checks
/// @notice The ROFL module parses every metadata key, metadata value and secret name as a Rust
/// `String`, so text that is not well-formed UTF-8 fails the whole call. This library finds
/// the first ill-formed sequence exactly where Rust's `str::from_utf8` stops
/// (`Utf8Error::valid_up_to`), and, for keys, the first control or format character.
/// @dev Well-formed UTF-8 is RFC 3629 / Unicode Table 3-7: no overlong forms (`C0`, `C1`,
/// `E0 80..9F`, `F0 80..8F`), no surrogates (U+D800..DFFF), nothing above U+10FFFF (`F4 90..`,
/// `F5..FF`), no lone continuation bytes and no truncated sequences.
/// A key refuses, on top of that: Unicode Cc (U+0000..001F, U+007F..009F), the separators
/// U+2028/U+2029, and every Unicode Cf (format) code point (the Cf set of Unicode 15.0 to 17.0). See
/// docs/text-rules.md, which the Rust side mirrors.
/// Text is scanned a 32-byte word at a time while the word is plain ASCII (for a key: printable
/// ASCII), and a code point at a time otherwise.
library Utf8Text {
    /// @notice The text is well-formed UTF-8 (and, for a key, holds no disallowed character).
    uint256 internal constant OK = 0;
    /// @notice The text is not well-formed UTF-8; `offset` is where the first ill-formed
    /// sequence starts.
    uint256 internal constant INVALID_UTF8 = 1;
    /// @notice A key holds a control or format character: `codePoint`, starting at `offset`.
    uint256 internal constant DISALLOWED_CHARACTER = 2;

    /// @notice Checks text given in calldata.
    /// @param text The bytes of the text.
    /// @param key True for a metadata key or secret name (control and format characters refused).
    /// @return status `OK`, `INVALID_UTF8` or `DISALLOWED_CHARACTER`.
    /// @return offset Byte offset of the offending sequence (zero when `OK`).
    /// @return codePoint The disallowed code point (zero unless `DISALLOWED_CHARACTER`).
    function check(bytes calldata text, bool key)
        internal
        pure
        returns (uint256 status, uint256 offset, uint256 codePoint)
    {
        uint256 ptr;
        assembly ("memory-safe") {
            // Scratch copy past the free memory pointer, which is left where it is: nothing
            // allocates before `_scan` has read it.
            ptr := mload(0x40) // the free memory pointer, not moved
            calldatacopy(ptr, text.offset, text.length) // the text, to be read a word at a time
        }
        return _scan(ptr, text.length, key);
    }

    /// @notice Checks text held in memory.
    /// @param text The bytes of the text.
    /// @param key True for a metadata key or secret name (control and format characters refused).
    /// @return status `OK`, `INVALID_UTF8` or `DISALLOWED_CHARACTER`.
    /// @return offset Byte offset of the offending sequence (zero when `OK`).
    /// @return codePoint The disallowed code point (zero unless `DISALLOWED_CHARACTER`).
    function checkMemory(bytes memory text, bool key)
        internal
        pure
        returns (uint256 status, uint256 offset, uint256 codePoint)
    {
        uint256 ptr;
        assembly ("memory-safe") {
            ptr := add(text, 0x20) // first byte of the text
        }
        return _scan(ptr, text.length, key);
    }

    /// @notice Checks the `length` bytes of `buffer` from index `start`, which the caller has
    /// checked lie within it (a text item inside a larger encoding, read without a copy).
    /// @param buffer The bytes holding the text.
    /// @param start Index in `buffer` of the text's first byte.
    /// @param length Length of the text in bytes.
    /// @param key True for a metadata key or secret name (control and format characters refused).
    /// @return status `OK`, `INVALID_UTF8` or `DISALLOWED_CHARACTER`.
    /// @return offset Byte offset of the offending sequence from `start` (zero when `OK`).
    /// @return codePoint The disallowed code point (zero unless `DISALLOWED_CHARACTER`).
    function checkMemorySlice(bytes memory buffer, uint256 start, uint256 length, bool key)
        internal
        pure
        returns (uint256 status, uint256 offset, uint256 codePoint)
    {
        uint256 ptr;
        assembly ("memory-safe") {
            ptr := add(add(buffer, 0x20), start) // first byte of the text
        }
        return _scan(ptr, length, key);
    }

    /// @dev Walks `length` bytes from `ptr`; stops at the first ill-formed sequence or (for a
    /// key) disallowed character. Reads up to 31 bytes past the end, never acting on them.
    function _scan(uint256 ptr, uint256 length, bool key)
        private
        pure
        returns (uint256 status, uint256 offset, uint256 codePoint)
    {
        assembly ("memory-safe") {
            // `i`: offset of the next sequence
            for { let i := 0 } lt(i, length) {} {
                let w := mload(add(ptr, i)) // the next 32 bytes, the sequence at `i` first
                let rem := sub(length, i) // bytes left
                // The last, partial word:
                if lt(rem, 32) {
                    let past := shr(shl(3, rem), not(0)) // mask of the bytes past the end
                    w := or(
                        and(w, not(past)),
                        and(past, 0x2020202020202020202020202020202020202020202020202020202020202020)
                    ) // read them as spaces
                }
                // Fast path: a whole word of ASCII (bytes past the end are spaces)...
                if iszero(and(w, 0x8080808080808080808080808080808080808080808080808080808080808080)) {
                    if iszero(key) {
                        i := add(i, 32) // a value: the whole word is accepted
                        continue
                    }
                    // ...with, for a key, no byte below 0x20 (`w - 0x2020..` borrows into the top
                    // bit of such a byte) and no 0x7f (a zero byte of `w ^ 0x7f7f..`, found alike).
                    let d := xor(w, 0x7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f) // zero where `w` is 0x7f
                    let control :=
                        or(
                            and(sub(w, 0x2020202020202020202020202020202020202020202020202020202020202020), not(w)),
                            and(sub(d, 0x0101010101010101010101010101010101010101010101010101010101010101), not(d))
                        ) // top bit set at or above a C0 or DEL
                    if iszero(and(control, 0x8080808080808080808080808080808080808080808080808080808080808080)) {
                        i := add(i, 32) // a key: the whole word is accepted
                        continue
                    }
                }
                let b := byte(0, w) // lead byte
                if lt(b, 0x80) {
                    // ASCII in a word that is not all ASCII (or holds a control)
                    if and(key, or(lt(b, 0x20), eq(b, 0x7f))) {
                        status := 2 // DISALLOWED_CHARACTER: C0 control or DEL
                        offset := i // where it is
                        codePoint := b // which one
                        break
                    }
                    i := add(i, 1) // next byte
                    continue
                }
                // Lead bytes: C2..DF (2 bytes), E0..EF (3), F0..F4 (4); 80..C1 and F5..FF never lead.
                if or(lt(b, 0xc2), gt(b, 0xf4)) {
                    status := 1 // INVALID_UTF8: stray continuation, overlong C0/C1, or above F4
                    offset := i // where the sequence starts
                    break
                }
                let n := add(add(2, gt(b, 0xdf)), gt(b, 0xef)) // sequence length: 2, 3 or 4
                if gt(n, rem) {
                    status := 1 // INVALID_UTF8: truncated at the end of the text
                    offset := i // where the sequence starts
                    break
                }
                let seq := shr(sub(256, shl(3, n)), w) // the sequence's n bytes, right-aligned
                let cont := sub(shl(shl(3, sub(n, 1)), 1), 1) // mask of its n - 1 continuation bytes
                let bad := xor(and(seq, and(cont, 0xc0c0c0)), and(cont, 0x808080)) // non-zero unless each is 10xxxxxx
                seq := and(seq, or(shl(shl(3, sub(n, 1)), shr(n, 0x7f)), and(cont, 0x3f3f3f))) // payload bits only
                // Pack the payloads: 6 bits from each byte, the lead byte's highest.
                let cp :=
                    or(
                        or(and(seq, 0x3f), and(shr(2, seq), 0xfc0)),
                        or(and(shr(4, seq), 0x3f000), and(shr(6, seq), 0x1c0000))
                    )
                let minimum := shl(and(shr(shl(3, sub(4, n)), 0x070b10), 0xff), 1) // 0x80, 0x800, 0x10000 for n = 2, 3, 4
                bad := or(bad, or(lt(cp, minimum), gt(cp, 0x10ffff))) // overlong, or above U+10FFFF
                bad := or(bad, lt(sub(cp, 0xd800), 0x800)) // a surrogate (U+D800..DFFF)
                if bad {
                    status := 1 // INVALID_UTF8
                    offset := i // where the sequence starts
                    break
                }
                if key {
                    // Cc from U+0080: U+0080..009F; then the Cf list (U+00AD on), each
                    // `lt(sub(cp, first), count)` a range (below `first` it wraps to a huge number).
                    let r := or(lt(cp, 0xa0), eq(cp, 0xad)) // U+0080..009F, U+00AD
                    r := or(r, or(lt(sub(cp, 0x600), 6), eq(cp, 0x61c))) // U+0600..0605, U+061C
                    r := or(r, or(eq(cp, 0x6dd), eq(cp, 0x70f))) // U+06DD, U+070F
                    r := or(r, or(lt(sub(cp, 0x890), 2), eq(cp, 0x8e2))) // U+0890..0891, U+08E2
                    r := or(r, or(eq(cp, 0x180e), lt(sub(cp, 0x200b), 5))) // U+180E, U+200B..200F
                    r := or(r, lt(sub(cp, 0x2028), 7)) // U+2028..2029 (Zl, Zp), U+202A..202E
                    r := or(r, and(lt(sub(cp, 0x2060), 0x10), iszero(eq(cp, 0x2065)))) // U+2060..2064, U+2066..206F
                    r := or(r, or(eq(cp, 0xfeff), lt(sub(cp, 0xfff9), 3))) // U+FEFF, U+FFF9..FFFB
                    r := or(r, or(eq(cp, 0x110bd), eq(cp, 0x110cd))) // U+110BD, U+110CD
                    r := or(r, or(lt(sub(cp, 0x13430), 0x10), lt(sub(cp, 0x1bca0), 4))) // U+13430..1343F, U+1BCA0..1BCA3
                    r := or(r, or(lt(sub(cp, 0x1d173), 8), eq(cp, 0xe0001))) // U+1D173..1D17A, U+E0001
                    r := or(r, lt(sub(cp, 0xe0020), 0x60)) // U+E0020..E007F
                    if r {
                        status := 2 // DISALLOWED_CHARACTER
                        offset := i // where its sequence starts
                        codePoint := cp // which one
                        break
                    }
                }
                i := add(i, n) // next sequence
            }
        }
    }
}
