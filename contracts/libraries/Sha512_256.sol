// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

/// @title SHA-512/256 in pure Solidity
/// @notice FIPS 180-4 SHA-512/256: the SHA-512 compression function started from the
/// SHA-512/256 initial hash values, output truncated to 256 bits. Oasis hashes addresses and
/// ROFL app ids with it, and neither the EVM nor anvil has a precompile for it (Sapphire has one
/// at 0x0100000000000000000000000000000000000102, which a local chain lacks).
/// @dev Gas notes: the eight working variables live in two stack words (a‖b‖c‖d and e‖f‖g‖h,
/// 64 bits per lane), so a round is a shift of each word by one lane; the message schedule is
/// expanded into scratch memory past the free memory pointer, which is never advanced because
/// nothing allocated here outlives the call. Roughly 60k gas per 128-byte block.
library Sha512_256 {
    /// @dev The 80 SHA-512 round constants, 8 bytes each, big-endian.
    bytes private constant _K =
        hex"428a2f98d728ae227137449123ef65cdb5c0fbcfec4d3b2fe9b5dba58189dbbc3956c25bf348b53859f111f1b605d019923f82a4af194f9bab1c5ed5da6d8118d807aa98a303024212835b0145706fbe243185be4ee4b28c550c7dc3d5ffb4e272be5d74f27b896f80deb1fe3b1696b19bdc06a725c71235c19bf174cf692694e49b69c19ef14ad2efbe4786384f25e30fc19dc68b8cd5b5240ca1cc77ac9c652de92c6f592b02754a7484aa6ea6e4835cb0a9dcbd41fbd476f988da831153b5983e5152ee66dfaba831c66d2db43210b00327c898fb213fbf597fc7beef0ee4c6e00bf33da88fc2d5a79147930aa72506ca6351e003826f142929670a0e6e7027b70a8546d22ffc2e1b21385c26c9264d2c6dfc5ac42aed53380d139d95b3df650a73548baf63de766a0abb3c77b2a881c2c92e47edaee692722c851482353ba2bfe8a14cf10364a81a664bbc423001c24b8b70d0f89791c76c51a30654be30d192e819d6ef5218d69906245565a910f40e35855771202a106aa07032bbd1b819a4c116b8d2d0c81e376c085141ab532748774cdf8eeb9934b0bcb5e19b48a8391c0cb3c5c95a634ed8aa4ae3418acb5b9cca4f7763e373682e6ff3d6b2b8a3748f82ee5defb2fc78a5636f43172f6084c87814a1f0ab728cc702081a6439ec90befffa23631e28a4506cebde82bde9bef9a3f7b2c67915c67178f2e372532bca273eceea26619cd186b8c721c0c207eada7dd6cde0eb1ef57d4f7fee6ed17806f067aa72176fba0a637dc5a2c898a6113f9804bef90dae1b710b35131c471b28db77f523047d8432caab7b40c724933c9ebe0a15c9bebc431d67c49c100d4c4cc5d4becb3e42b6597f299cfc657e2a5fcb6fab3ad6faec6c44198c4a475817";

    /// @notice SHA-512/256 of `data`.
    function hash(bytes memory data) internal pure returns (bytes32 digest) {
        bytes memory k = _K;
        assembly ("memory-safe") {
            let m64 := 0xffffffffffffffff

            function rotr(x, n) -> y {
                y := and(or(shr(n, x), shl(sub(64, n), x)), 0xffffffffffffffff)
            }

            // Lane-wise addition modulo 2^64 of two words holding four 64-bit lanes each.
            function addLanes(x, y) -> z {
                let m := 0xffffffffffffffff
                z := and(add(x, y), m)
                z := or(z, shl(64, and(add(shr(64, x), shr(64, y)), m)))
                z := or(z, shl(128, and(add(shr(128, x), shr(128, y)), m)))
                z := or(z, shl(192, and(add(shr(192, x), shr(192, y)), m)))
            }

            let len := mload(data)
            // Padded length: data, 0x80, zeros, 16-byte bit length, rounded up to 128 bytes.
            let padded := and(add(len, 144), not(127))
            let buf := mload(0x40)
            // Copy the message (the last word may carry up to 31 bytes of foreign memory).
            for { let i := 0 } lt(i, len) { i := add(i, 32) } {
                mstore(add(buf, i), mload(add(add(data, 32), i)))
            }
            // Clear everything from the end of the message to the end of the padding.
            for { let p := add(buf, len) } lt(p, add(buf, padded)) { p := add(p, 32) } {
                mstore(p, 0)
            }
            // Bit length in the last 16 bytes (the high 8 of them stay zero: len < 2^61).
            let lenWord := add(buf, sub(padded, 32))
            mstore(lenWord, or(mload(lenWord), shl(3, len)))
            mstore8(add(buf, len), 0x80)

            let w := add(add(buf, padded), 32)
            let kData := add(k, 32)
            // SHA-512/256 initial hash values H0..H3 and H4..H7 (FIPS 180-4, 5.3.6.2).
            let h0123 := 0x22312194fc2bf72c9f555fa3c84c64c22393b86b6f53b151963877195940eabd
            let h4567 := 0x96283ee2a88effe3be5e1e25538639922b0199fc2c85b8aa0eb72ddc81c52ca2

            for { let blk := buf } lt(blk, add(buf, padded)) { blk := add(blk, 128) } {
                // Message schedule W[0..79], one 64-bit value per 32-byte slot.
                for { let i := 0 } lt(i, 16) { i := add(i, 1) } {
                    mstore(add(w, shl(5, i)), shr(192, mload(add(blk, shl(3, i)))))
                }
                for { let p := add(w, 512) } lt(p, add(w, 2560)) { p := add(p, 32) } {
                    let w15 := mload(sub(p, 480))
                    let w2 := mload(sub(p, 64))
                    let s0 := xor(xor(rotr(w15, 1), rotr(w15, 8)), shr(7, w15))
                    let s1 := xor(xor(rotr(w2, 19), rotr(w2, 61)), shr(6, w2))
                    mstore(p, and(add(add(mload(sub(p, 512)), s0), add(mload(sub(p, 224)), s1)), m64))
                }

                let abcd := h0123
                let efgh := h4567
                for { let i := 0 } lt(i, 80) { i := add(i, 1) } {
                    let e := shr(192, efgh)
                    let f := and(shr(128, efgh), m64)
                    let g := and(shr(64, efgh), m64)
                    let t1 :=
                        add(
                            add(and(efgh, m64), xor(xor(rotr(e, 14), rotr(e, 18)), rotr(e, 41))),
                            add(
                                xor(g, and(e, xor(f, g))),
                                add(shr(192, mload(add(kData, shl(3, i)))), mload(add(w, shl(5, i))))
                            )
                        )
                    let a := shr(192, abcd)
                    let b := and(shr(128, abcd), m64)
                    let c := and(shr(64, abcd), m64)
                    let t2 := add(xor(xor(rotr(a, 28), rotr(a, 34)), rotr(a, 39)), or(and(a, b), and(c, or(a, b))))
                    // (e,f,g,h) <- (d + t1, e, f, g); (a,b,c,d) <- (t1 + t2, a, b, c)
                    efgh := or(shl(192, and(add(and(abcd, m64), t1), m64)), shr(64, efgh))
                    abcd := or(shl(192, and(add(t1, t2), m64)), shr(64, abcd))
                }
                h0123 := addLanes(h0123, abcd)
                h4567 := addLanes(h4567, efgh)
            }
            // SHA-512/256 output: the leftmost 256 bits, i.e. H0..H3.
            digest := h0123
        }
    }
}
