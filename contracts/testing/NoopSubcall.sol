// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

/// @title LOCAL BENCHMARK STUB for the subcall precompile, never deploy on Sapphire
/// @notice Answers every subcall at (almost) no EVM cost, so that a benchmark sees the caller's
/// own gas apart from the ROFL stand-in's (whose Solidity CBOR decoder is far more expensive
/// than the module's native code; on Sapphire the module instead charges a flat 100,000 gas per
/// `rofl.Create` / `rofl.Update`). Placed at `0x0100000000000000000000000000000000000103` with
/// `anvil_setCode`: no constructor runs.
///
/// Input `abi.encode(bytes method, bytes body)` is not decoded or checked (the body is never
/// copied to memory). The answer is `abi.encode(uint64 status, bytes data)` with status 0:
/// - `rofl.Create`: `data` = the CBOR byte string of a fresh 21-byte app id (`0x55 ‖ id`), where
///   id = version byte 0 ‖ the first 20 bytes of keccak256(counter): unique per create, which
///   costs one storage write (creates are not what the benchmark compares);
/// - anything else: empty `data`.
contract NoopSubcall {
    /// @dev Creates answered so far (storage slot 0).
    uint256 private _creates;

    fallback(bytes calldata) external returns (bytes memory) {
        bool isCreate;
        assembly ("memory-safe") {
            // The method is the first `bytes` argument: its offset is the first word.
            let method := calldataload(0)
            // "rofl.Create" is 11 bytes long.
            if eq(calldataload(method), 11) {
                isCreate := eq(shr(168, calldataload(add(method, 0x20))), 0x726f666c2e437265617465)
            }
        }
        if (!isCreate) return abi.encode(uint64(0), bytes(""));
        uint256 n = ++_creates;
        bytes21 appId = bytes21(bytes20(keccak256(abi.encode(n)))) >> 8;
        return abi.encode(uint64(0), abi.encodePacked(uint8(0x55), appId));
    }
}
