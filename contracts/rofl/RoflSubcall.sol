// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {IRoflErrors} from "../interfaces/IRoflErrors.sol";

/// @title Calls into the ROFL module through Sapphire's subcall precompile
/// @notice The precompile takes `abi.encode(bytes method, bytes cborBody)` and answers
/// `abi.encode(uint64 status, bytes data)`: status 0 with the CBOR result, or the module's error
/// code with the module name. It refuses DELEGATECALL, and the module sees the calling contract
/// (`Address::from_eth(address(this))`) as the caller, so this is always a plain CALL with no value
/// (the module moves stake between accounts itself).
library RoflSubcall {
    /// @dev Sapphire's subcall precompile.
    address internal constant PRECOMPILE = 0x0100000000000000000000000000000000000103;

    /// @dev `0x55` = CBOR byte string of 21 bytes, the encoding of an app id.
    bytes1 private constant _APP_ID_HEAD = 0x55;

    /// @notice Calls `method` with `body`; reverts with {IRoflErrors-RoflCallFailed} on a
    /// non-zero status, and returns the CBOR result otherwise.
    function execute(string memory method, bytes memory body) internal returns (bytes memory result) {
        (bool success, bytes memory response) = PRECOMPILE.call(abi.encode(method, body));
        if (!success) revert IRoflErrors.RoflSubcallReverted(method, response);
        // Smallest well-formed answer: status word, offset word, length word.
        if (response.length < 0x60) revert IRoflErrors.MalformedRoflResponse();
        uint64 status;
        (status, result) = abi.decode(response, (uint64, bytes));
        if (status != 0) revert IRoflErrors.RoflCallFailed(method, status, string(result));
    }

    /// @notice The app id in a `rofl.Create` result: exactly one CBOR byte string of 21 bytes.
    function decodeAppId(bytes memory result) internal pure returns (bytes21 appId) {
        if (result.length != 22 || result[0] != _APP_ID_HEAD) revert IRoflErrors.MalformedRoflResponse();
        assembly ("memory-safe") {
            // result[1..22): skip the length word and the head byte
            appId := and(mload(add(result, 0x21)), not(0xffffffffffffffffffffff))
        }
    }
}
