// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {Test} from "forge-std/Test.sol";

import {Utf8Text} from "../contracts/libraries/Utf8Text.sol";

/// @dev External wrappers: the calldata, memory and slice entry points.
contract Utf8TextHarness {
    function check(bytes calldata text, bool key) external pure returns (uint256, uint256, uint256) {
        return Utf8Text.check(text, key);
    }

    function checkMemory(bytes memory text, bool key) external pure returns (uint256, uint256, uint256) {
        return Utf8Text.checkMemory(text, key);
    }

    /// @dev Gas of {Utf8Text-check} alone (the calldata copy included).
    function gasOfCheck(bytes calldata text, bool key) external view returns (uint256 used) {
        used = gasleft();
        Utf8Text.check(text, key);
        used -= gasleft();
    }

    /// @dev `text` inside other bytes on both sides, read as a slice.
    function checkSlice(bytes memory text, bool key) external pure returns (uint256, uint256, uint256) {
        bytes memory buffer = bytes.concat(hex"c080ff", text, hex"ed");
        return Utf8Text.checkMemorySlice(buffer, 3, text.length, key);
    }
}

/// @title Strict UTF-8 and key-character checks, against a reference decoder written differently
contract Utf8TextTest is Test {
    Utf8TextHarness internal h;

    uint256 internal constant OK = 0;
    uint256 internal constant INVALID = 1;
    uint256 internal constant DISALLOWED = 2;

    function setUp() public {
        h = new Utf8TextHarness();
    }

    // -------------------------------------------------------------------------------------------
    // Helpers
    // -------------------------------------------------------------------------------------------

    /// @dev UTF-8 encoding of a scalar value (no checks: callers pass valid ones).
    function _utf8(uint256 cp) internal pure returns (bytes memory) {
        if (cp < 0x80) return abi.encodePacked(uint8(cp));
        if (cp < 0x800) return abi.encodePacked(uint8(0xc0 | (cp >> 6)), uint8(0x80 | (cp & 0x3f)));
        if (cp < 0x10000) {
            return
                abi.encodePacked(uint8(0xe0 | (cp >> 12)), uint8(0x80 | ((cp >> 6) & 0x3f)), uint8(0x80 | (cp & 0x3f)));
        }
        return abi.encodePacked(
            uint8(0xf0 | (cp >> 18)),
            uint8(0x80 | ((cp >> 12) & 0x3f)),
            uint8(0x80 | ((cp >> 6) & 0x3f)),
            uint8(0x80 | (cp & 0x3f))
        );
    }

    /// @dev Runs all three entry points and requires them to agree.
    function _check(bytes memory text, bool key) internal view returns (uint256 s, uint256 o, uint256 c) {
        (s, o, c) = h.check(text, key);
        (uint256 s2, uint256 o2, uint256 c2) = h.checkMemory(text, key);
        (uint256 s3, uint256 o3, uint256 c3) = h.checkSlice(text, key);
        assertEq(abi.encode(s, o, c), abi.encode(s2, o2, c2), "calldata and memory differ");
        assertEq(abi.encode(s, o, c), abi.encode(s3, o3, c3), "calldata and slice differ");
    }

    function _assertResult(bytes memory text, bool key, uint256 status, uint256 offset, uint256 cp) internal view {
        (uint256 s, uint256 o, uint256 c) = _check(text, key);
        assertEq(s, status, "status");
        assertEq(o, offset, "offset");
        assertEq(c, cp, "code point");
    }

    function _assertOk(bytes memory text, bool key) internal view {
        _assertResult(text, key, OK, 0, 0);
    }

    function _ascii(uint256 length) internal pure returns (bytes memory out) {
        out = new bytes(length);
        for (uint256 i; i < length; ++i) {
            out[i] = bytes1(uint8(0x41 + (i % 26)));
        }
    }

    // -------------------------------------------------------------------------------------------
    // Reference: Unicode Table 3-7 (well-formed byte sequences) and the Cf list, byte by byte
    // -------------------------------------------------------------------------------------------

    /// @dev First ill-formed sequence per Table 3-7: the second byte's range depends on the lead
    /// byte, later bytes are 80..BF. Then, for keys, a table lookup of disallowed code points.
    function _reference(bytes memory s, bool key) internal pure returns (uint256, uint256, uint256) {
        uint256 i;
        while (i < s.length) {
            uint8 b0 = uint8(s[i]);
            uint256 n;
            uint256 c;
            uint8 lo = 0x80;
            uint8 hi = 0xbf;
            if (b0 <= 0x7f) {
                (n, c) = (1, b0);
            } else if (b0 >= 0xc2 && b0 <= 0xdf) {
                (n, c) = (2, b0 - 0xc0);
            } else if (b0 == 0xe0) {
                (n, c, lo) = (3, 0, 0xa0);
            } else if ((b0 >= 0xe1 && b0 <= 0xec) || b0 == 0xee || b0 == 0xef) {
                (n, c) = (3, b0 - 0xe0);
            } else if (b0 == 0xed) {
                (n, c, hi) = (3, 0xd, 0x9f);
            } else if (b0 == 0xf0) {
                (n, c, lo) = (4, 0, 0x90);
            } else if (b0 >= 0xf1 && b0 <= 0xf3) {
                (n, c) = (4, b0 - 0xf0);
            } else if (b0 == 0xf4) {
                (n, c, hi) = (4, 4, 0x8f);
            } else {
                return (INVALID, i, 0);
            }
            if (i + n > s.length) return (INVALID, i, 0);
            for (uint256 k = 1; k < n; ++k) {
                uint8 b = uint8(s[i + k]);
                bool inRange = k == 1 ? (b >= lo && b <= hi) : (b >= 0x80 && b <= 0xbf);
                if (!inRange) return (INVALID, i, 0);
                c = c * 64 + (b - 0x80);
            }
            if (key && _referenceDisallowed(c)) return (DISALLOWED, i, c);
            i += n;
        }
        return (OK, 0, 0);
    }

    /// @dev Cc, U+2028/2029 and Unicode Cf (DerivedGeneralCategory, 15.0 to 17.0) as ranges.
    function _disallowedRanges() internal pure returns (uint256[2][] memory r) {
        uint256[2][25] memory t = [
            [uint256(0x0000), 0x001f],
            [uint256(0x007f), 0x009f],
            [uint256(0x00ad), 0x00ad],
            [uint256(0x0600), 0x0605],
            [uint256(0x061c), 0x061c],
            [uint256(0x06dd), 0x06dd],
            [uint256(0x070f), 0x070f],
            [uint256(0x0890), 0x0891],
            [uint256(0x08e2), 0x08e2],
            [uint256(0x180e), 0x180e],
            [uint256(0x200b), 0x200f],
            [uint256(0x2028), 0x2029],
            [uint256(0x202a), 0x202e],
            [uint256(0x2060), 0x2064],
            [uint256(0x2066), 0x206f],
            [uint256(0xfeff), 0xfeff],
            [uint256(0xfff9), 0xfffb],
            [uint256(0x110bd), 0x110bd],
            [uint256(0x110cd), 0x110cd],
            [uint256(0x13430), 0x1343f],
            [uint256(0x1bca0), 0x1bca3],
            [uint256(0x1d173), 0x1d17a],
            [uint256(0xe0001), 0xe0001],
            [uint256(0xe0020), 0xe007f],
            // sentinel, never matches
            [uint256(type(uint256).max), 0]
        ];
        r = new uint256[2][](25);
        for (uint256 i; i < 25; ++i) {
            r[i] = t[i];
        }
    }

    function _referenceDisallowed(uint256 c) internal pure returns (bool) {
        uint256[2][] memory r = _disallowedRanges();
        for (uint256 i; i < r.length; ++i) {
            if (c >= r[i][0] && c <= r[i][1]) return true;
        }
        return false;
    }

    // -------------------------------------------------------------------------------------------
    // Valid text
    // -------------------------------------------------------------------------------------------

    function test_ValidMultiByteAccepted_samples() public view {
        string[7] memory samples = [
            unicode"café",
            unicode"日本",
            unicode"😀",
            unicode"net.oasis.rofl.名前",
            unicode"Ωmega ≈ ç √ 🚀🇨🇭",
            "",
            "plain ascii"
        ];
        for (uint256 i; i < samples.length; ++i) {
            _assertOk(bytes(samples[i]), true);
            _assertOk(bytes(samples[i]), false);
        }
    }

    /// @dev The extremes of each length (U+0080, U+07FF, U+0800, U+FFFF, U+10000, U+10FFFF), U+E000.
    function test_ValidMultiByteAccepted_lengthExtremes() public view {
        _assertOk(hex"7f", false);
        _assertOk(hex"c280dfbf", false); // U+0080 is a C1 control: values only
        _assertOk(hex"c2a0dfbf", true);
        _assertOk(hex"e0a080efbfbf", true);
        _assertOk(hex"ee8080", true);
        _assertOk(hex"f0908080f48fbfbf", true);
    }

    /// @dev Just outside the surrogates.
    function test_ValidMultiByteAccepted_outsideSurrogates() public view {
        _assertOk(hex"ed9fbfee8080", true);
    }

    function test_LongTextAcceptedAcrossWordBoundaries() public view {
        // 31, 32, 33, 64 and 100 ASCII bytes, then multi-byte text straddling a word boundary
        uint256[5] memory lengths = [uint256(31), 32, 33, 64, 100];
        for (uint256 i; i < lengths.length; ++i) {
            _assertOk(_ascii(lengths[i]), true);
            _assertOk(bytes.concat(_ascii(lengths[i]), bytes(unicode"日本😀")), true);
            _assertOk(bytes.concat(bytes(unicode"日本😀"), _ascii(lengths[i])), true);
        }
    }

    // -------------------------------------------------------------------------------------------
    // Ill-formed text
    // -------------------------------------------------------------------------------------------

    function test_InvalidUtf8Refused() public view {
        bytes[16] memory bad = [
            bytes(hex"c080"), // overlong NUL
            hex"c1bf", // overlong
            hex"e08080", // overlong 3-byte
            hex"e09fbf", // overlong 3-byte, highest
            hex"f08fbfbf", // overlong 4-byte
            hex"eda080", // surrogate U+D800
            hex"edbfbf", // surrogate U+DFFF
            hex"f4908080", // U+110000
            hex"f5808080", // lead byte above F4
            hex"ff",
            hex"e697", // truncated
            hex"f09f98", // truncated
            hex"c2", // truncated
            hex"80", // lone continuation
            hex"bf", // lone continuation
            hex"e64141" // missing continuation
        ];
        for (uint256 i; i < bad.length; ++i) {
            for (uint256 k; k < 2; ++k) {
                bool key = k == 0;
                _assertResult(bad[i], key, INVALID, 0, 0);
                // after a valid prefix: the offset is where the bad sequence starts
                _assertResult(bytes.concat(bytes(unicode"aé"), bad[i], "z"), key, INVALID, 3, 0);
                // after a word of ASCII (fast path first)
                _assertResult(bytes.concat(_ascii(40), bad[i]), key, INVALID, 40, 0);
                _assertResult(bytes.concat(_ascii(32), bad[i], _ascii(40)), key, INVALID, 32, 0);
            }
        }
    }

    function test_InvalidUtf8_FirstOneReported_afterValidByte() public view {
        _assertResult(hex"4180c080", false, INVALID, 1, 0);
    }

    /// @dev A control character before it is only reported for a key.
    function test_InvalidUtf8_FirstOneReported_controlBeforeIt() public view {
        _assertResult(hex"0a80", true, DISALLOWED, 0, 0x0a);
        _assertResult(hex"0a80", false, INVALID, 1, 0);
    }

    // -------------------------------------------------------------------------------------------
    // Control and format characters
    // -------------------------------------------------------------------------------------------

    function _refusedInKeys() internal pure returns (uint256[44] memory) {
        return [
            uint256(0x00),
            0x09,
            0x0a,
            0x0d,
            0x1b,
            0x1f,
            0x7f,
            0x80,
            0x85,
            0x9f,
            0xad,
            0x600,
            0x605,
            0x61c,
            0x6dd,
            0x70f,
            0x890,
            0x891,
            0x8e2,
            0x180e,
            0x200b,
            0x200d,
            0x200f,
            0x2028,
            0x2029,
            0x202a,
            0x202e,
            0x2060,
            0x2064,
            0x2066,
            0x206f,
            0xfeff,
            0xfff9,
            0xfffb,
            0x110bd,
            0x110cd,
            0x13430,
            0x1343f,
            0x1bca0,
            0x1bca3,
            0x1d173,
            0x1d17a,
            0xe0001,
            0xe007f
        ];
    }

    function test_ControlAndFormatRefusedInKeysAcceptedInValues() public view {
        uint256[44] memory cps = _refusedInKeys();
        for (uint256 i; i < cps.length; ++i) {
            bytes memory text = bytes.concat("k", _utf8(cps[i]), "z");
            _assertResult(text, true, DISALLOWED, 1, cps[i]);
            _assertOk(text, false);
            // also after a word of ASCII, and as the whole text
            _assertResult(bytes.concat(_ascii(45), _utf8(cps[i])), true, DISALLOWED, 45, cps[i]);
            _assertResult(_utf8(cps[i]), true, DISALLOWED, 0, cps[i]);
        }
    }

    /// @dev E0 80 is overlong even in a key: ill-formed text is reported before any refusal.
    function test_ControlAndFormatRefusedInKeysAcceptedInValues_overlongStillInvalid() public view {
        _assertResult(hex"e0808080", true, INVALID, 0, 0);
    }

    function test_NeighboursOfRefusedRangesAccepted() public view {
        uint256[44] memory cps = [
            uint256(0x20),
            0x7e,
            0xa0,
            0xac,
            0xae,
            0x5ff,
            0x606,
            0x61b,
            0x61d,
            0x6dc,
            0x6de,
            0x70e,
            0x710,
            0x88f,
            0x892,
            0x8e1,
            0x8e3,
            0x180d,
            0x180f,
            0x200a,
            0x2010,
            0x2027,
            0x202f,
            0x205f,
            0x2065,
            0x2070,
            0xfefe,
            0xff00,
            0xfff8,
            0xfffc,
            0x110bc,
            0x110be,
            0x110cc,
            0x110ce,
            0x1342f,
            0x13440,
            0x1bc9f,
            0x1bca4,
            0x1d172,
            0x1d17b,
            0xe0000,
            0xe0002,
            0xe001f,
            0xe0080
        ];
        for (uint256 i; i < cps.length; ++i) {
            _assertOk(bytes.concat("k", _utf8(cps[i])), true);
        }
    }

    /// @dev Every code point of the refused ranges, and 2 either side of each.
    function test_EveryRefusedCodePointMatchesTheTable() public view {
        uint256[2][] memory r = _disallowedRanges();
        for (uint256 i; i + 1 < r.length; ++i) {
            uint256 from = r[i][0] < 2 ? 0 : r[i][0] - 2;
            for (uint256 cp = from; cp <= r[i][1] + 2; ++cp) {
                bytes memory text = _utf8(cp);
                (uint256 s,,) = h.check(text, true);
                assertEq(s == DISALLOWED, _referenceDisallowed(cp), vm.toString(cp));
            }
        }
    }

    /// @dev The word-at-a-time path spots C0 controls and DEL at every position of a word.
    function test_ControlsInsideAsciiWordsRefusedInKeys() public view {
        uint8[4] memory controls = [uint8(0x00), 0x0a, 0x1f, 0x7f];
        for (uint256 c; c < controls.length; ++c) {
            for (uint256 at; at < 64; at += 7) {
                bytes memory text = _ascii(64);
                text[at] = bytes1(controls[c]);
                _assertResult(text, true, DISALLOWED, at, controls[c]);
                _assertOk(text, false);
            }
        }
    }

    /// @dev Bytes just inside the printable range pass.
    function test_ControlsInsideAsciiWordsRefusedInKeys_printableEdgesAccepted() public view {
        bytes memory edge = _ascii(64);
        edge[5] = 0x20;
        edge[40] = 0x7e;
        _assertOk(edge, true);
    }

    // -------------------------------------------------------------------------------------------
    // Gas (reported with -vv, not asserted)
    // -------------------------------------------------------------------------------------------

    function test_Gas_LargestTexts() public {
        bytes memory ascii = _ascii(16 * 1024);
        bytes memory cjk = new bytes(16 * 1024 - 16 * 1024 % 3);
        for (uint256 i; i < cjk.length; i += 3) {
            (cjk[i], cjk[i + 1], cjk[i + 2]) = (0xe6, 0x97, 0xa5); // U+65E5
        }
        emit log_named_uint("16 KiB ASCII value", h.gasOfCheck(ascii, false));
        emit log_named_uint("16 KiB ASCII key-checked (1 KiB is the key limit)", h.gasOfCheck(ascii, true));
        emit log_named_uint("16 KiB CJK value (5,461 characters)", h.gasOfCheck(cjk, false));
        emit log_named_uint("1 KiB ASCII key", h.gasOfCheck(_ascii(1024), true));
        emit log_named_uint("19-byte key net.oasis.rofl.name", h.gasOfCheck("net.oasis.rofl.name", true));
        emit log_named_uint("empty text", h.gasOfCheck("", true));
    }

    // -------------------------------------------------------------------------------------------
    // Fuzz: agreement with the reference
    // -------------------------------------------------------------------------------------------

    function testFuzz_AgreesWithReference(bytes memory text, bool key) public view {
        (uint256 s, uint256 o, uint256 c) = _check(text, key);
        (uint256 rs, uint256 ro, uint256 rc) = _reference(text, key);
        assertEq(s, rs, "status");
        assertEq(o, ro, "offset");
        assertEq(c, rc, "code point");
    }

    /// @dev Mostly well-formed text built from a seed: ASCII runs (the word path), code points
    /// near the refused ranges and the encoding boundaries, any scalar value, and now and then a
    /// stray byte or a cut sequence.
    function testFuzz_AgreesWithReferenceOnMostlyValidText(uint256 seed, bool key) public view {
        bytes memory text;
        uint256[2][] memory r = _disallowedRanges();
        uint256 pieces = 1 + seed % 12;
        for (uint256 p; p < pieces; ++p) {
            uint256 draw = uint256(keccak256(abi.encode(seed, p)));
            uint256 kind = draw % 16;
            draw >>= 8;
            if (kind < 5) {
                bytes memory run = new bytes(draw % 70);
                for (uint256 i; i < run.length; ++i) {
                    run[i] = bytes1(uint8(0x20 + uint8(draw >> (i % 200)) % 0x5f)); // printable ASCII
                }
                text = bytes.concat(text, run);
            } else if (kind < 9) {
                // near a refused range
                uint256[2] memory range = r[(draw % (r.length - 1))];
                draw >>= 8;
                uint256 cp = (draw & 1 == 0 ? range[0] : range[1]) + (draw >> 1) % 5;
                cp = cp < 2 ? cp : cp - 2;
                if (cp >= 0xd800 && cp <= 0xdfff) cp = 0xe000;
                text = bytes.concat(text, _utf8(cp));
            } else if (kind < 13) {
                // any scalar value
                uint256 cp = draw % 0x110000;
                if (cp >= 0xd800 && cp <= 0xdfff) cp -= 0x800;
                text = bytes.concat(text, _utf8(cp));
            } else if (kind < 15) {
                // a cut sequence: a prefix of a multi-byte encoding
                bytes memory enc = _utf8(0x80 + draw % (0x110000 - 0x80));
                uint256 keep = 1 + (draw >> 24) % (enc.length - 1);
                assembly {
                    mstore(enc, keep)
                }
                text = bytes.concat(text, enc);
            } else {
                text = bytes.concat(text, abi.encodePacked(uint8(draw))); // any byte
            }
        }
        (uint256 s, uint256 o, uint256 c) = _check(text, key);
        (uint256 rs, uint256 ro, uint256 rc) = _reference(text, key);
        assertEq(s, rs, "status");
        assertEq(o, ro, "offset");
        assertEq(c, rc, "code point");
    }
}
