// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {Test} from "forge-std/Test.sol";
import {Sha512_256} from "../contracts/libraries/Sha512_256.sol";

/// @dev Exposes the library through an external call so that each test hashes fresh memory.
contract Sha512_256Harness {
    function hash(bytes memory data) external pure returns (bytes32) {
        return Sha512_256.hash(data);
    }
}

contract Sha512_256Test is Test {
    Sha512_256Harness internal harness;

    function setUp() public {
        harness = new Sha512_256Harness();
    }

    /// @dev The pattern the literal vectors below were computed over with Python's hashlib:
    /// `bytes((i * 7 + 3) % 256 for i in range(n))`.
    function _pattern(uint256 n) internal pure returns (bytes memory out) {
        out = new bytes(n);
        for (uint256 i; i < n; ++i) {
            out[i] = bytes1(uint8((i * 7 + 3) % 256));
        }
    }

    function test_nistAbc() public view {
        assertEq(harness.hash("abc"), 0x53048e2681941ef99b2e29b76b4c7dabe4c2d0c634fc6d46e0e2f13107e7af23);
    }

    function test_nistEmpty() public view {
        assertEq(harness.hash(""), 0xc672b8d1ef56ed28ab87c3622c5114069bdd3ad7b8f9737498d0c01ecef0967a);
    }

    /// @dev FIPS 180-4 two-block example message (112 bytes).
    function test_nistTwoBlockMessage() public view {
        bytes memory m =
            "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu";
        assertEq(m.length, 112);
        assertEq(harness.hash(m), 0x3928e184fb8690f840da3988121d31be65cb9d3ef83ee6146feac861e19b563a);
    }

    function test_paddingBoundaries() public view {
        uint256[12] memory lengths = [uint256(0), 1, 55, 111, 112, 127, 128, 129, 200, 255, 256, 1000];
        bytes32[12] memory expected = [
            bytes32(0xc672b8d1ef56ed28ab87c3622c5114069bdd3ad7b8f9737498d0c01ecef0967a),
            0x05b577a248fe933b7c4cdaf4a50e9d61eb8cba9f86c4ad546ac25a0341128ed6,
            0x8c12c6a555202a2f24eae9d29d5901bf14d8355b08fdd880b962813c30e2e50e,
            0x32889a63b00e93a91df09b4292875c8e9ea2d30e482b2f5ab713396275e9378b,
            0x468a00c6f938065156bfddf56b22592f569052587264673bc893e92cd1953953,
            0xb7c1bcb3d1d523364187e023ee03210674ee05a8fd54d40aad07ecf6bdfe4c8c,
            0x5e14bd0208397b56f5f1b3afb8e48bfcce3c7312684a46bbe9b210503680e547,
            0x6c92b5cdba34ee8137d902ba15d4f6246bb2a07c0fef5a0fa536bc8d8db0390f,
            0x9424636bd8e57afb833ecec1cc5320a040fdb05856a7c240098b1f6d899b3c99,
            0xfaab43ae0726ce1520bc06f2b50fa5844d546985059b8db7141fe7f22e4a7b86,
            0x5d6e635d08163e8321c1d7fb565fe1d422f1fd851200f9ad16f90edb1c0b84aa,
            0x14271b3d36ca983ae2da2693d995fe68412c0bd5394ec2f05b763586db6e24fd
        ];
        for (uint256 i; i < lengths.length; ++i) {
            assertEq(harness.hash(_pattern(lengths[i])), expected[i], vm.toString(lengths[i]));
        }
    }

    /// @dev Dirty memory past the free pointer and past the end of the input must not leak into
    /// the padding: hash the same message after filling scratch space with ones.
    function test_ignoresDirtyMemory() public pure {
        bytes memory m = _pattern(55);
        bytes32 clean = Sha512_256.hash(m);
        assembly ("memory-safe") {
            let p := mload(0x40)
            for { let i := 0 } lt(i, 4096) { i := add(i, 32) } { mstore(add(p, i), not(0)) }
        }
        assertEq(Sha512_256.hash(m), clean);
        // A view into a longer buffer: shorten the length in place, the tail stays dirty.
        bytes memory longer = _pattern(200);
        assembly ("memory-safe") {
            mstore(longer, 55)
        }
        assertEq(Sha512_256.hash(longer), clean);
    }

    /// @dev Different inputs hash differently (sanity: no input byte is ignored).
    function testFuzz_singleBitFlipChangesDigest(bytes memory data, uint256 bit) public view {
        vm.assume(data.length > 0 && data.length < 300);
        bit = bound(bit, 0, data.length * 8 - 1);
        bytes memory flipped = bytes.concat(data);
        flipped[bit / 8] = bytes1(uint8(flipped[bit / 8]) ^ uint8(1 << (bit % 8)));
        assertTrue(harness.hash(data) != harness.hash(flipped));
    }

    function test_gasPerBlock() public {
        bytes memory m = _pattern(1000);
        uint256 before = gasleft();
        Sha512_256.hash(m);
        uint256 used = before - gasleft();
        emit log_named_uint("gas for 1000 bytes (8 blocks)", used);
        assertLt(used, 8 * 85_000);
    }
}
