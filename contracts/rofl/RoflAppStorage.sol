// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {IRoflAppAdmin} from "../interfaces/IRoflAppAdmin.sol";
import {AppPolicy, EnclaveIdentity, MetadataEntry, SecretEntry} from "../types/RoflTypes.sol";
import {ReleaseRecord} from "../types/RoflReleaseTypes.sol";

/// @title Storage of {RoflAppAdmin}, shared with its linked logic libraries
/// @notice {RoflAppAdmin} keeps its logic in external libraries (EIP-170: Sapphire enforces the
/// 24 KiB code limit too). They run by DELEGATECALL on the contract's storage and find it here:
/// one {Layout} at an ERC-7201 namespaced slot, handed to them as a storage pointer (one word,
/// nothing copied). The enclave-set primitives live here as well, because they keep the
/// position index and the bookkeeping invariants that every library relies on.
/// @dev Metadata, secrets and enclaves are kept in insertion order with swap-and-pop removal and
/// 1-based position indexes (zero: absent); the encoder sorts the maps canonically.
library RoflAppStorage {
    /// @dev Everything the contract holds about one app.
    struct AppState {
        uint64 version;
        bool managed;
        /// @dev Changed inside the open batch and not flushed yet.
        bool dirty;
        /// @dev Set only by `freeze`, cleared only by `unfreeze`: frozen iff no identity allowed.
        bool frozen;
        /// @dev Some identity of the app may carry a deadline or a revoked mark (set by the first
        /// grace period, revocation or freeze, never cleared), so removals must clear marks.
        /// Apps that never use them keep the removal cost they had.
        bool identityMarks;
        /// @dev The revoke-only guardian (zero: none). Packed with the flags above in one slot.
        address guardian;
        AppPolicy policy;
        MetadataEntry[] metadata;
        SecretEntry[] secrets;
    }

    /// @dev roflgov's bookkeeping of one identity of one app, in one slot.
    struct IdentityMeta {
        /// @dev Grace deadline (unix seconds) of an allowed identity; 0 = none.
        uint64 retireAt;
        /// @dev The release the identity was last added with (1-based; 0 = none). Kept after removal.
        uint32 releaseId;
        /// @dev Removed by a revocation or a freeze, and not removed otherwise since.
        bool revoked;
    }

    /// @custom:storage-location erc7201:roflgov.storage.RoflAppAdmin
    struct Layout {
        mapping(bytes21 appId => AppState) apps;
        /// @dev 1-based positions, so that zero means absent.
        mapping(bytes21 appId => mapping(bytes32 identityHash => uint256)) enclavePosition;
        mapping(bytes21 appId => mapping(bytes32 keyHash => uint256)) metadataPosition;
        mapping(bytes21 appId => mapping(bytes32 nameHash => uint256)) secretPosition;
        bytes21[] appIds;
        mapping(bytes21 appId => uint256) appIdPosition;
        /// @dev A `multicall` is running: changes are marked dirty instead of sent. Storage, not
        /// transient storage: Sapphire runs Shanghai.
        bool batchOpen;
        /// @dev Apps marked dirty in the open batch, in first-touch order.
        bytes21[] dirtyApps;
        mapping(bytes21 appId => mapping(bytes32 identityHash => IdentityMeta)) identityMeta;
        /// @dev Append-only; release id = index + 1.
        mapping(bytes21 appId => ReleaseRecord[]) releases;
    }

    /// @dev keccak256(abi.encode(uint256(keccak256("roflgov.storage.RoflAppAdmin")) - 1)) & ~bytes32(uint256(0xff))
    bytes32 internal constant LAYOUT_SLOT = 0xcda8f7bc7aa5be3510a3cb3d0c6d23cc5de95a6a679b0f5350e97b0a92d9f300;

    /// @notice The contract's storage.
    function getLayout() internal pure returns (Layout storage l) {
        assembly ("memory-safe") {
            l.slot := LAYOUT_SLOT
        }
    }

    /// @notice Key of an identity in the position index and the bookkeeping.
    function identityHash(bytes32 mrEnclave, bytes32 mrSigner) internal pure returns (bytes32 hash) {
        assembly ("memory-safe") {
            mstore(0x00, mrEnclave)
            mstore(0x20, mrSigner)
            hash := keccak256(0x00, 0x40)
        }
    }

    /// @notice Appends an identity that must not be allowed yet (no event: callers emit).
    function pushEnclave(Layout storage l, bytes21 appId, AppState storage app, bytes32 mrEnclave, bytes32 mrSigner)
        internal
    {
        mapping(bytes32 => uint256) storage positions = l.enclavePosition[appId];
        bytes32 hash = identityHash(mrEnclave, mrSigner);
        if (positions[hash] != 0) revert IRoflAppAdmin.EnclaveAlreadyAllowed(appId, mrEnclave, mrSigner);
        app.policy.enclaves.push(EnclaveIdentity(mrEnclave, mrSigner));
        positions[hash] = app.policy.enclaves.length;
    }

    /// @notice Swap-and-pop removal of an allowed identity; clears its deadline and revoked mark
    /// (looked at only on apps that ever set one), keeps its release id. Emits `EnclaveRemoved`.
    function removeEnclave(Layout storage l, bytes21 appId, AppState storage app, bytes32 mrEnclave, bytes32 mrSigner)
        internal
    {
        mapping(bytes32 => uint256) storage positions = l.enclavePosition[appId];
        bytes32 hash = identityHash(mrEnclave, mrSigner);
        uint256 position = positions[hash];
        if (position == 0) revert IRoflAppAdmin.EnclaveNotAllowed(appId, mrEnclave, mrSigner);

        EnclaveIdentity[] storage enclaves = app.policy.enclaves;
        uint256 last = enclaves.length;
        if (position != last) {
            EnclaveIdentity storage moved = enclaves[last - 1];
            enclaves[position - 1] = moved;
            positions[identityHash(moved.mrEnclave, moved.mrSigner)] = position;
        }
        enclaves.pop();
        delete positions[hash];

        if (app.identityMarks) {
            IdentityMeta storage meta = l.identityMeta[appId][hash];
            if (meta.retireAt != 0 || meta.revoked) {
                meta.retireAt = 0;
                meta.revoked = false;
            }
        }
        emit IRoflAppAdmin.EnclaveRemoved(appId, mrEnclave, mrSigner);
    }
}
