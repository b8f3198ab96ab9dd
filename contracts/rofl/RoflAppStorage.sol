// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {IRoflErrors} from "../interfaces/IRoflErrors.sol";
import {IRoflAppAdmin} from "../interfaces/IRoflAppAdmin.sol";
import {RoflPolicyValidation} from "../libraries/RoflPolicyValidation.sol";
import {
    AppPolicy,
    EnclaveIdentity,
    EndorsementKind,
    EndorsementNode,
    FeePolicy,
    MetadataEntry,
    SecretEntry,
    TdxModule
} from "../types/RoflTypes.sol";
import {ReleaseRecord} from "../types/RoflReleaseTypes.sol";

/// @title Storage of {RoflAppAdmin}, shared with its linked logic libraries
/// @notice {RoflAppAdmin} keeps its logic in external libraries (EIP-170: Sapphire enforces the
/// 24 KiB code limit too). They run by DELEGATECALL on the contract's storage and find it here:
/// one {Layout} at an ERC-7201 namespaced slot, handed to them as a storage pointer (one word,
/// nothing copied). The policy's storage form and its primitives live here as well, because
/// they keep the bookkeeping invariants that every library relies on.
/// @dev Every change sends the complete config, so every update reads the whole policy back:
/// the policy is laid out for that read ({PolicyState}), at the cost of a few more lines here.
/// Metadata and secrets are kept in insertion order with swap-and-pop removal and 1-based
/// position indexes (zero: absent); the encoder sorts the maps canonically.
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
        PolicyState policy;
        MetadataEntry[] metadata;
        SecretEntry[] secrets;
    }

    /// @dev The `AppAuthPolicy` in storage. The first slot holds every scalar, the list sizes and
    /// which optional parts exist, so that an update reads one word plus the words that carry
    /// data: one per identity (TDX identities have no `mrSigner`, and none is stored: bit `i` of
    /// `signerMask` says whether identity `i` has one), one per endorsement node (plus one for a
    /// 32-byte key), and the FMSPC lists and TDX modules only when they are not empty.
    /// Lists are indexed mappings whose length is the count in the first slot: a removal moves
    /// the last entry into the hole and leaves the last slot as it was, so that the next
    /// addition writes a used slot (2,900 gas) rather than a fresh one (22,100).
    struct PolicyState {
        uint8 enclaveCount;
        uint8 endorsementCount;
        FeePolicy fees;
        /// @dev At most `RoflPolicyValidation.MAX_EXPIRATION` (24), checked before it is stored.
        uint8 maxExpiration;
        /// @dev Bit i: identity i has a non-zero `mrSigner`, stored in `mrSigners[i]`. 128 bits,
        /// as a release may hold up to 2 × 64 identities until it retires the old ones.
        uint128 signerMask;
        bool pcsPresent;
        bool pcsDisabled;
        bool tdxAllowed;
        uint16 tcbValidityPeriod;
        uint32 minTcbEvaluationDataNumber;
        /// @dev `PCS_*` bits: which of the PCS lists are not empty.
        uint8 pcsLists;
        mapping(uint256 index => bytes32) mrEnclaves;
        mapping(uint256 index => bytes32) mrSigners;
        mapping(uint256 index => EndorsementSlot) endorsements;
        /// @dev The 32-byte value of an `entity` or `node` endorsement.
        mapping(uint256 index => bytes32) endorsementKeys;
        string[] fmspcWhitelist;
        string[] fmspcBlacklist;
        TdxModule[] allowedTdxModules;
    }

    /// @dev One endorsement node in one slot; a 21-byte address value sits in `shortValue`.
    struct EndorsementSlot {
        EndorsementKind kind;
        uint8 children;
        bytes21 shortValue;
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
        /// @dev Block of the last scheme-0 `rofl.Create` (one per block: see `createApp`).
        uint256 lastRoundIndexCreate;
    }

    /// @dev keccak256(abi.encode(uint256(keccak256("roflgov.storage.RoflAppAdmin")) - 1)) & ~bytes32(uint256(0xff))
    bytes32 internal constant LAYOUT_SLOT = 0xcda8f7bc7aa5be3510a3cb3d0c6d23cc5de95a6a679b0f5350e97b0a92d9f300;

    /// @dev Room in `signerMask`: the most identities a policy may hold in the middle of a change.
    uint256 internal constant ENCLAVE_SLOTS = 128;

    uint8 internal constant PCS_WHITELIST = 1;
    uint8 internal constant PCS_BLACKLIST = 2;
    uint8 internal constant PCS_TDX_MODULES = 4;

    /// @notice The contract's storage.
    function getLayout() internal pure returns (Layout storage l) {
        assembly ("memory-safe") {
            l.slot := LAYOUT_SLOT
        }
    }

    /// @notice Key of an identity in the bookkeeping.
    function identityHash(bytes32 mrEnclave, bytes32 mrSigner) internal pure returns (bytes32 hash) {
        assembly ("memory-safe") {
            mstore(0x00, mrEnclave)
            mstore(0x20, mrSigner)
            hash := keccak256(0x00, 0x40)
        }
    }

    // -------------------------------------------------------------------------------------------
    // Identities
    // -------------------------------------------------------------------------------------------

    /// @notice Identity `index` (< `enclaveCount`); `signerMask` is the policy's, read once by
    /// the caller.
    function enclaveAt(PolicyState storage policy, uint256 signerMask, uint256 index)
        internal
        view
        returns (bytes32 mrEnclave, bytes32 mrSigner)
    {
        mrEnclave = policy.mrEnclaves[index];
        if ((signerMask >> index) & 1 != 0) mrSigner = policy.mrSigners[index];
    }

    /// @notice 1-based position of an allowed identity; zero when it is not allowed.
    /// @dev A scan: at most 64 identities outside a release, and an update reads them all anyway,
    /// so the scan's cold reads are the encoder's warm ones (no per-identity index to write).
    function findEnclave(PolicyState storage policy, bytes32 mrEnclave, bytes32 mrSigner)
        internal
        view
        returns (uint256)
    {
        uint256 count = policy.enclaveCount;
        uint256 signerMask = policy.signerMask;
        for (uint256 i; i < count; ++i) {
            if (policy.mrEnclaves[i] == mrEnclave) {
                bytes32 signer = bytes32(0);
                if ((signerMask >> i) & 1 != 0) signer = policy.mrSigners[i];
                if (signer == mrSigner) return i + 1;
            }
        }
        return 0;
    }

    /// @notice Appends an identity that must not be allowed yet (no event: callers emit).
    function pushEnclave(PolicyState storage policy, bytes21 appId, bytes32 mrEnclave, bytes32 mrSigner) internal {
        if (findEnclave(policy, mrEnclave, mrSigner) != 0) {
            revert IRoflErrors.EnclaveAlreadyAllowed(appId, mrEnclave, mrSigner);
        }
        appendEnclave(policy, mrEnclave, mrSigner);
    }

    /// @notice Appends an identity the caller knows to be new (a validated list).
    function appendEnclave(PolicyState storage policy, bytes32 mrEnclave, bytes32 mrSigner) internal {
        uint256 index = policy.enclaveCount;
        // Only reachable in the middle of a release whose final list would be over the limit
        // anyway; the error names the limit users know.
        if (index == ENCLAVE_SLOTS) {
            revert IRoflErrors.TooManyEnclaves(index + 1, RoflPolicyValidation.MAX_ENCLAVES);
        }
        policy.mrEnclaves[index] = mrEnclave;
        if (mrSigner != bytes32(0)) {
            policy.mrSigners[index] = mrSigner;
            policy.signerMask |= uint128(1 << index);
        }
        policy.enclaveCount = uint8(index + 1);
    }

    /// @notice Removes an allowed identity (swap with the last, then shrink); clears its deadline
    /// and revoked mark (looked at only on apps that ever set one), keeps its release id. Emits
    /// `EnclaveRemoved`.
    function removeEnclave(Layout storage l, bytes21 appId, AppState storage app, bytes32 mrEnclave, bytes32 mrSigner)
        internal
    {
        PolicyState storage policy = app.policy;
        uint256 position = findEnclave(policy, mrEnclave, mrSigner);
        if (position == 0) revert IRoflErrors.EnclaveNotAllowed(appId, mrEnclave, mrSigner);

        uint256 last = policy.enclaveCount - 1;
        uint256 index = position - 1;
        uint256 signerMask = policy.signerMask;
        if (index != last) {
            policy.mrEnclaves[index] = policy.mrEnclaves[last];
            if ((signerMask >> last) & 1 != 0) {
                policy.mrSigners[index] = policy.mrSigners[last];
                signerMask |= 1 << index;
            } else {
                signerMask &= ~(1 << index);
            }
        }
        policy.signerMask = uint128(signerMask & ~(1 << last));
        policy.enclaveCount = uint8(last);

        if (app.identityMarks) {
            IdentityMeta storage meta = l.identityMeta[appId][identityHash(mrEnclave, mrSigner)];
            if (meta.retireAt != 0 || meta.revoked) {
                meta.retireAt = 0;
                meta.revoked = false;
            }
        }
        emit IRoflAppAdmin.EnclaveRemoved(appId, mrEnclave, mrSigner);
    }

    /// @notice The allowed identities, in storage order.
    function loadEnclaves(PolicyState storage policy) internal view returns (EnclaveIdentity[] memory enclaves) {
        uint256 count = policy.enclaveCount;
        uint256 signerMask = policy.signerMask;
        enclaves = new EnclaveIdentity[](count);
        for (uint256 i; i < count; ++i) {
            (bytes32 mrEnclave, bytes32 mrSigner) = enclaveAt(policy, signerMask, i);
            enclaves[i] = EnclaveIdentity(mrEnclave, mrSigner);
        }
    }

    // -------------------------------------------------------------------------------------------
    // The whole policy
    // -------------------------------------------------------------------------------------------

    /// @notice The policy as the encoder and the views take it.
    function loadPolicy(PolicyState storage stored) internal view returns (AppPolicy memory policy) {
        policy.fees = stored.fees;
        policy.maxExpiration = stored.maxExpiration;
        policy.enclaves = loadEnclaves(stored);
        policy.endorsements = _loadEndorsements(stored);
        if (stored.pcsPresent) {
            policy.quotes.pcsPresent = true;
            policy.quotes.pcs.disabled = stored.pcsDisabled;
            policy.quotes.pcs.tdxAllowed = stored.tdxAllowed;
            policy.quotes.pcs.tcbValidityPeriod = stored.tcbValidityPeriod;
            policy.quotes.pcs.minTcbEvaluationDataNumber = stored.minTcbEvaluationDataNumber;
            uint8 lists = stored.pcsLists;
            if (lists & PCS_WHITELIST != 0) policy.quotes.pcs.fmspcWhitelist = stored.fmspcWhitelist;
            if (lists & PCS_BLACKLIST != 0) policy.quotes.pcs.fmspcBlacklist = stored.fmspcBlacklist;
            if (lists & PCS_TDX_MODULES != 0) policy.quotes.pcs.allowedTdxModules = stored.allowedTdxModules;
        }
    }

    /// @notice The metadata in storage order.
    function loadMetadata(MetadataEntry[] storage entries) internal view returns (MetadataEntry[] memory loaded) {
        uint256 list = _loadEntries(_slotOf(entries));
        assembly ("memory-safe") {
            loaded := list
        }
    }

    /// @notice The secrets in storage order.
    function loadSecrets(SecretEntry[] storage entries) internal view returns (SecretEntry[] memory loaded) {
        bytes32 slot;
        assembly ("memory-safe") {
            slot := entries.slot
        }
        uint256 list = _loadEntries(slot);
        assembly ("memory-safe") {
            loaded := list
        }
    }

    /// @notice Replaces the endorsement list (validated by the caller: at most 32 nodes, values
    /// of their kind's length).
    function storeEndorsements(PolicyState storage policy, EndorsementNode[] calldata nodes) internal {
        uint256 count = nodes.length;
        for (uint256 i; i < count; ++i) {
            EndorsementNode calldata node = nodes[i];
            bytes calldata value = node.value;
            bytes21 shortValue = bytes21(0);
            if (value.length == 32) {
                policy.endorsementKeys[i] = bytes32(value);
            } else if (value.length == 21) {
                shortValue = bytes21(value);
            }
            policy.endorsements[i] = EndorsementSlot(node.kind, node.children, shortValue);
        }
        policy.endorsementCount = uint8(count);
    }

    function _loadEndorsements(PolicyState storage policy) private view returns (EndorsementNode[] memory nodes) {
        uint256 count = policy.endorsementCount;
        nodes = new EndorsementNode[](count);
        for (uint256 i; i < count; ++i) {
            EndorsementSlot memory slot = policy.endorsements[i];
            EndorsementKind kind = slot.kind;
            bytes memory value = "";
            if (kind == EndorsementKind.Entity || kind == EndorsementKind.Node) {
                value = abi.encodePacked(policy.endorsementKeys[i]);
            } else if (kind == EndorsementKind.Provider || kind == EndorsementKind.ProviderInstanceAdmin) {
                value = abi.encodePacked(slot.shortValue);
            }
            nodes[i] = EndorsementNode(kind, value, slot.children);
        }
    }

    function _slotOf(MetadataEntry[] storage entries) private pure returns (bytes32 slot) {
        assembly ("memory-safe") {
            slot := entries.slot
        }
    }

    /// @dev Copies a storage array of two-string structs (`MetadataEntry`, `SecretEntry`: both
    /// `{bytes-like, bytes-like}`) into memory, laid out as Solidity lays out the memory array.
    /// Solidity's own copy spends about 1,500 gas per string on checks and cleanup that the
    /// storage encoding does not need (short strings are zero-padded in their slot, long ones in
    /// their last slot); this one reads each slot once and writes whole words.
    function _loadEntries(bytes32 arraySlot) private view returns (uint256 list) {
        assembly ("memory-safe") {
            // A `bytes`/`string` at `slot`, copied to fresh memory; returns its pointer.
            function load(slot) -> ptr {
                let word := sload(slot)
                ptr := mload(0x40)
                switch and(word, 1)
                case 0 {
                    // Short: data left-aligned, 2 * length in the lowest byte.
                    mstore(ptr, shr(1, and(word, 0xff)))
                    mstore(add(ptr, 0x20), and(word, not(0xff)))
                    mstore(0x40, add(ptr, 0x40))
                }
                default {
                    // Long: 2 * length + 1 here, the data from keccak256(slot) on.
                    let length := shr(1, word)
                    mstore(ptr, length)
                    mstore(0x00, slot)
                    let data := keccak256(0x00, 0x20)
                    let words := shr(5, add(length, 31))
                    for { let i := 0 } lt(i, words) { i := add(i, 1) } {
                        mstore(add(ptr, shl(5, add(i, 1))), sload(add(data, i)))
                    }
                    mstore(0x40, add(ptr, shl(5, add(words, 1))))
                }
            }

            let count := sload(arraySlot)
            list := mload(0x40)
            mstore(list, count)
            mstore(0x40, add(list, shl(5, add(count, 1))))
            mstore(0x00, arraySlot)
            let base := keccak256(0x00, 0x20)
            for { let i := 0 } lt(i, count) { i := add(i, 1) } {
                let entrySlot := add(base, shl(1, i))
                let key := load(entrySlot)
                let value := load(add(entrySlot, 1))
                let entry := mload(0x40)
                mstore(entry, key)
                mstore(add(entry, 0x20), value)
                mstore(0x40, add(entry, 0x40))
                mstore(add(list, shl(5, add(i, 1))), entry)
            }
        }
    }
}
