// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {Sha512_256} from "./Sha512_256.sol";

/// @title Oasis runtime-SDK addresses and ROFL app ids
/// @notice Both are 21 bytes: a version byte (0) followed by the first 20 bytes of
/// SHA-512/256(context ‖ version ‖ data) (oasis-sdk `types/address.rs` `Address::new`,
/// `modules/rofl/app_id.rs` `AppId::new`; oasis-core `Hash::digest_bytes_list` hashes the
/// concatenation of its parts).
library OasisIds {
    /// @dev Version byte of v0 addresses and v0 app ids.
    uint8 internal constant V0 = 0;

    /// @dev `ADDRESS_V0_SECP256K1ETH_CONTEXT`: an Ethereum address as a runtime-SDK address.
    bytes internal constant ETH_ADDRESS_CONTEXT = "oasis-runtime-sdk/address: secp256k1eth";
    /// @dev `APP_ID_CRI_CONTEXT`: creator / round / tx index app ids.
    bytes internal constant APP_ID_CRI_CONTEXT = "oasis-sdk/rofl: cri app id";
    /// @dev `APP_ID_CN_CONTEXT`: creator / nonce app ids.
    bytes internal constant APP_ID_CN_CONTEXT = "oasis-sdk/rofl: cn app id";
    /// @dev `APP_ID_GLOBAL_NAME_CONTEXT`: global-name app ids.
    bytes internal constant APP_ID_GLOBAL_NAME_CONTEXT = "oasis-sdk/rofl: global name app id";

    /// @notice The Oasis address the runtime SDK gives an Ethereum address (`Address::from_eth`).
    /// This is how the ROFL module sees a contract that calls it through the subcall precompile.
    function fromEth(address account) internal pure returns (bytes21) {
        return _derive(ETH_ADDRESS_CONTEXT, abi.encodePacked(account));
    }

    /// @notice App id of scheme 0 (`AppId::from_creator_round_index`).
    function appIdCreatorRoundIndex(bytes21 creator, uint64 round, uint32 index) internal pure returns (bytes21) {
        return _derive(APP_ID_CRI_CONTEXT, abi.encodePacked(creator, round, index));
    }

    /// @notice App id of scheme 1 (`AppId::from_creator_nonce`).
    function appIdCreatorNonce(bytes21 creator, uint64 nonce) internal pure returns (bytes21) {
        return _derive(APP_ID_CN_CONTEXT, abi.encodePacked(creator, nonce));
    }

    /// @notice App id of a global name (`AppId::from_global_name`).
    function appIdGlobalName(string memory name) internal pure returns (bytes21) {
        return _derive(APP_ID_GLOBAL_NAME_CONTEXT, bytes(name));
    }

    /// @dev version ‖ SHA-512/256(context ‖ version ‖ data)[0..20].
    function _derive(bytes memory context, bytes memory data) private pure returns (bytes21) {
        bytes32 h = Sha512_256.hash(abi.encodePacked(context, V0, data));
        // Shifting right one byte puts the (zero) version byte in front of the hash prefix.
        return bytes21(h >> 8) | bytes21(bytes1(V0));
    }
}
