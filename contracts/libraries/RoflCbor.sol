// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {IRoflErrors} from "../interfaces/IRoflErrors.sol";
import {CborWriter} from "./CborWriter.sol";
import {
    AppPolicy,
    EnclaveIdentity,
    EndorsementKind,
    EndorsementNode,
    MetadataEntry,
    PcsPolicy,
    SecretEntry,
    TdxModule
} from "../types/RoflTypes.sol";

/// @title Canonical CBOR bodies of the ROFL module's calls
/// @notice Encodes `rofl.Create`, `rofl.Update` and `rofl.Remove` bodies byte-for-byte as the
/// oasis-sdk encoder does: map keys in canonical order (shorter encoded key first, then
/// bytewise), shortest heads, and the same fields left out (`pcs.disabled` when false, empty
/// FMSPC lists, `pcs.tdx` when TDX is not allowed).
/// @dev Field orders, as canonical ordering gives them:
///  - Create: `policy, scheme, metadata`
///  - Update: `id, admin, policy, secrets, metadata` (`admin` is null for `bytes21(0)`)
///  - Remove: `id`
///  - AppAuthPolicy: `fees, quotes, enclaves, endorsements, max_expiration`
///  - QuotePolicy: `ias` (always null: IAS is retired), `pcs`
///  - PCS policy: `tdx, disabled, fmspc_blacklist, fmspc_whitelist, tcb_validity_period,
///    min_tcb_evaluation_data_number`; TDX policy: `allowed_tdx_modules`; TDX module:
///    `mr_seam, mr_signer_seam`
///  - EnclaveIdentity: `mr_signer, mr_enclave`
///  - metadata and secrets: keys by UTF-8 byte length, then bytewise.
/// Map keys are written as pre-encoded constants (head and text in one word). The encoder checks
/// only what it needs to produce well-formed CBOR (tree shape, no duplicate keys); semantic
/// limits are {RoflPolicyValidation}'s job.
library RoflCbor {
    using CborWriter for CborWriter.Buffer;

    /// @dev Initial buffer size; covers a typical update with a handful of identities without growing.
    uint256 private constant _INITIAL_CAPACITY = 1024;

    // -------------------------------------------------------------------------------------------
    // Call bodies
    // -------------------------------------------------------------------------------------------

    /// @notice `rofl.Create` body: `{policy, scheme, metadata}`.
    function encodeCreate(AppPolicy memory policy, uint8 scheme, MetadataEntry[] memory metadata)
        internal
        pure
        returns (bytes memory)
    {
        // Sort before the buffer is allocated, so that the buffer stays the last allocation
        // and grows in place.
        uint256[] memory metadataOrder = _sortedByKey(_pointers(metadata));
        CborWriter.Buffer memory buf = CborWriter.create(_INITIAL_CAPACITY);
        buf.writeRaw("\xa3\x66policy", 8);
        _writePolicy(buf, policy);
        buf.writeRaw("\x66scheme", 7);
        buf.writeUint(scheme);
        buf.writeRaw("\x68metadata", 9);
        _writeMetadata(buf, metadataOrder);
        return buf.finish();
    }

    /// @notice `rofl.Update` body: `{id, admin, policy, secrets, metadata}`, the complete config.
    /// @param admin The app's new admin; `bytes21(0)` encodes as null, which leaves the app
    /// without any admin for good.
    function encodeUpdate(
        bytes21 id,
        AppPolicy memory policy,
        bytes21 admin,
        MetadataEntry[] memory metadata,
        SecretEntry[] memory secrets
    ) internal pure returns (bytes memory) {
        uint256[] memory metadataOrder = _sortedByKey(_pointers(metadata));
        uint256[] memory secretOrder = _sortedByKey(_pointers(secrets));
        CborWriter.Buffer memory buf = CborWriter.create(_INITIAL_CAPACITY);
        // a5 62 "id" 55 <21 bytes>: 26 bytes in one word
        buf.writeRaw(bytes32(bytes5(0xa562696455)) | (bytes32(id) >> 40), 26);
        if (admin == bytes21(0)) {
            buf.writeRaw("\x65admin\xf6", 7);
        } else {
            // 65 "admin" 55 <21 bytes>: 28 bytes in one word
            buf.writeRaw(bytes32(bytes7(0x6561646d696e55)) | (bytes32(admin) >> 56), 28);
        }
        buf.writeRaw("\x66policy", 7);
        _writePolicy(buf, policy);
        buf.writeRaw("\x67secrets", 8);
        _writeSecrets(buf, secretOrder);
        buf.writeRaw("\x68metadata", 9);
        _writeMetadata(buf, metadataOrder);
        return buf.finish();
    }

    /// @notice `rofl.Remove` body: `{id}`.
    function encodeRemove(bytes21 id) internal pure returns (bytes memory body) {
        // a1 62 "id" 55 <21 bytes>
        return abi.encodePacked(bytes5(0xa162696455), id);
    }

    /// @notice The `AppAuthPolicy` alone (as it appears under `policy`).
    function encodePolicy(AppPolicy memory policy) internal pure returns (bytes memory) {
        CborWriter.Buffer memory buf = CborWriter.create(_INITIAL_CAPACITY);
        _writePolicy(buf, policy);
        return buf.finish();
    }

    // -------------------------------------------------------------------------------------------
    // Policy
    // -------------------------------------------------------------------------------------------

    function _writePolicy(CborWriter.Buffer memory buf, AppPolicy memory policy) private pure {
        buf.writeRaw("\xa5\x64fees", 6);
        buf.writeUint(uint8(policy.fees));
        // quotes: {ias: null, pcs: ...}
        buf.writeRaw("\x66quotes\xa2\x63ias\xf6\x63pcs", 17);
        if (policy.quotes.pcsPresent) {
            _writePcs(buf, policy.quotes.pcs);
        } else {
            buf.writeNull();
        }
        buf.writeRaw("\x68enclaves", 9);
        _writeEnclaves(buf, policy.enclaves);
        buf.writeRaw("\x6cendorsements", 13);
        _writeEndorsements(buf, policy.endorsements);
        buf.writeRaw("\x6emax_expiration", 15);
        buf.writeUint(policy.maxExpiration);
    }

    /// @dev Each identity is 90 bytes of fixed layout, `{mr_signer: h'…', mr_enclave: h'…'}`:
    /// the whole list is claimed at once and written with four `mstore`s per identity.
    function _writeEnclaves(CborWriter.Buffer memory buf, EnclaveIdentity[] memory enclaves) private pure {
        uint256 count = enclaves.length;
        buf.writeArrayHead(count);
        uint256 dst = buf.claim(count * 90);
        assembly ("memory-safe") {
            // a2 69 "mr_signer" 58 20 / 6a "mr_enclave" 58 20 (13 bytes each, left-aligned)
            let signerKey := 0xa2696d725f7369676e6572582000000000000000000000000000000000000000
            let enclaveKey := 0x6a6d725f656e636c617665582000000000000000000000000000000000000000
            let end := add(add(enclaves, 0x20), shl(5, count))
            for { let p := add(enclaves, 0x20) } lt(p, end) { p := add(p, 0x20) } {
                let identity := mload(p)
                mstore(dst, signerKey)
                mstore(add(dst, 13), mload(add(identity, 0x20)))
                mstore(add(dst, 45), enclaveKey)
                mstore(add(dst, 58), mload(identity))
                dst := add(dst, 90)
            }
        }
    }

    function _writePcs(CborWriter.Buffer memory buf, PcsPolicy memory pcs) private pure {
        bool hasBlacklist = pcs.fmspcBlacklist.length != 0;
        bool hasWhitelist = pcs.fmspcWhitelist.length != 0;
        uint256 fields = 2;
        if (pcs.tdxAllowed) ++fields;
        if (pcs.disabled) ++fields;
        if (hasBlacklist) ++fields;
        if (hasWhitelist) ++fields;
        buf.writeMapHead(fields);
        if (pcs.tdxAllowed) {
            buf.writeRaw("\x63tdx\xa1\x73allowed_tdx_modules", 25);
            _writeTdxModules(buf, pcs.allowedTdxModules);
        }
        if (pcs.disabled) buf.writeRaw("\x68disabled\xf5", 10);
        if (hasBlacklist) {
            buf.writeRaw("\x6ffmspc_blacklist", 16);
            _writeTextList(buf, pcs.fmspcBlacklist);
        }
        if (hasWhitelist) {
            buf.writeRaw("\x6ffmspc_whitelist", 16);
            _writeTextList(buf, pcs.fmspcWhitelist);
        }
        buf.writeRaw("\x73tcb_validity_period", 20);
        buf.writeUint(pcs.tcbValidityPeriod);
        buf.writeRaw("\x78\x1emin_tcb_evaluation_data_number", 32);
        buf.writeUint(pcs.minTcbEvaluationDataNumber);
    }

    function _writeTdxModules(CborWriter.Buffer memory buf, TdxModule[] memory modules) private pure {
        uint256 count = modules.length;
        buf.writeArrayHead(count);
        for (uint256 i; i < count; ++i) {
            TdxModule memory module = modules[i];
            buf.writeRaw("\xa2\x67mr_seam", 9);
            if (module.mrSeam.length == 0) {
                buf.writeNull();
            } else {
                buf.writeBytes(module.mrSeam);
            }
            buf.writeRaw("\x6emr_signer_seam", 15);
            buf.writeBytes(module.mrSignerSeam);
        }
    }

    function _writeTextList(CborWriter.Buffer memory buf, string[] memory items) private pure {
        uint256 count = items.length;
        buf.writeArrayHead(count);
        for (uint256 i; i < count; ++i) {
            buf.writeText(items[i]);
        }
    }

    // -------------------------------------------------------------------------------------------
    // Endorsements
    // -------------------------------------------------------------------------------------------

    /// @dev The CBOR of an endorsement tree is its pre-order walk: each `and`/`or` map holds an
    /// array head with the child count, and the children follow. So the nodes are written in
    /// order; only the root list's length has to be counted first.
    function _writeEndorsements(CborWriter.Buffer memory buf, EndorsementNode[] memory nodes) private pure {
        uint256 count = nodes.length;
        buf.writeArrayHead(countRoots(nodes));
        for (uint256 i; i < count; ++i) {
            _writeEndorsementNode(buf, nodes[i]);
        }
    }

    /// @notice The number of root nodes of a pre-order flattened endorsement list.
    /// @dev `open` counts child slots announced by the `and`/`or` nodes seen so far and not yet
    /// filled; a node reached while no slot is open starts a new root. Reverts when an atom
    /// claims children or the list ends inside a subtree.
    function countRoots(EndorsementNode[] memory nodes) internal pure returns (uint256 roots) {
        uint256 open;
        uint256 count = nodes.length;
        for (uint256 i; i < count; ++i) {
            EndorsementNode memory node = nodes[i];
            if (open == 0) {
                ++roots;
            } else {
                --open;
            }
            if (node.kind == EndorsementKind.And || node.kind == EndorsementKind.Or) {
                open += node.children;
            } else if (node.children != 0) {
                revert IRoflErrors.CborEndorsementTreeMalformed(i);
            }
        }
        if (open != 0) revert IRoflErrors.CborEndorsementTreeMalformed(count);
    }

    function _writeEndorsementNode(CborWriter.Buffer memory buf, EndorsementNode memory node) private pure {
        EndorsementKind kind = node.kind;
        if (kind == EndorsementKind.Any) {
            buf.writeRaw("\xa1\x63any\xa0", 6);
        } else if (kind == EndorsementKind.RoleCompute) {
            buf.writeRaw("\xa1\x6crole_compute\xa0", 15);
        } else if (kind == EndorsementKind.RoleObserver) {
            buf.writeRaw("\xa1\x6drole_observer\xa0", 16);
        } else if (kind == EndorsementKind.Entity) {
            buf.writeRaw("\xa1\x66entity", 8);
            buf.writeBytes(node.value);
        } else if (kind == EndorsementKind.Node) {
            buf.writeRaw("\xa1\x64node", 6);
            buf.writeBytes(node.value);
        } else if (kind == EndorsementKind.Provider) {
            buf.writeRaw("\xa1\x68provider", 10);
            buf.writeBytes(node.value);
        } else if (kind == EndorsementKind.ProviderInstanceAdmin) {
            buf.writeRaw("\xa1\x77provider_instance_admin", 25);
            buf.writeBytes(node.value);
        } else if (kind == EndorsementKind.And) {
            buf.writeRaw("\xa1\x63and", 5);
            buf.writeArrayHead(node.children);
        } else {
            buf.writeRaw("\xa1\x62or", 4);
            buf.writeArrayHead(node.children);
        }
    }

    // -------------------------------------------------------------------------------------------
    // Metadata and secrets
    // -------------------------------------------------------------------------------------------

    /// @dev `order` holds pointers to `MetadataEntry` structs in canonical key order.
    function _writeMetadata(CborWriter.Buffer memory buf, uint256[] memory order) private pure {
        _writeEntries(buf, order, CborWriter.MAJOR_TEXT);
    }

    /// @dev `order` holds pointers to `SecretEntry` structs in canonical key order.
    function _writeSecrets(CborWriter.Buffer memory buf, uint256[] memory order) private pure {
        _writeEntries(buf, order, CborWriter.MAJOR_BYTES);
    }

    /// @dev A map of text keys to values of major type `valueMajor` (text or bytes), from pointers
    /// to two-word entry structs (key, value) in canonical key order. Room for the whole map is
    /// reserved once (heads counted at their longest, 9 bytes), then each key and value is written
    /// as a head word followed by its content copied word by word; every word spilled past an
    /// item is overwritten by the next one.
    function _writeEntries(CborWriter.Buffer memory buf, uint256[] memory order, uint256 valueMajor) private pure {
        uint256 count = order.length;
        buf.writeMapHead(count);
        if (count == 0) return;
        uint256 bound;
        assembly ("memory-safe") {
            let end := add(add(order, 0x20), shl(5, count))
            for { let p := add(order, 0x20) } lt(p, end) { p := add(p, 0x20) } {
                let entry := mload(p)
                bound := add(bound, add(18, add(mload(mload(entry)), mload(mload(add(entry, 0x20))))))
            }
        }
        uint256 dst = buf.reserve(bound);
        for (uint256 i; i < count; ++i) {
            uint256 entry = order[i];
            uint256 key;
            uint256 value;
            assembly ("memory-safe") {
                // An entry struct in memory: a pointer to its key, then to its value.
                key := mload(entry)
                value := mload(add(entry, 0x20))
            }
            dst = _putString(dst, CborWriter.MAJOR_TEXT, key);
            dst = _putString(dst, valueMajor, value);
        }
        buf.advance(dst);
    }

    /// @dev Writes the string at memory pointer `str` (length word, then content) as an item of
    /// major type `major` at `at`, in room {_writeEntries} reserved; returns the end.
    function _putString(uint256 at, uint256 major, uint256 str) private pure returns (uint256 next) {
        uint256 size;
        assembly ("memory-safe") {
            // The string's length word.
            size := mload(str)
        }
        (uint256 head, uint256 headLength) = CborWriter.headWord(major, size);
        assembly ("memory-safe") {
            // The head as one word; its spill is overwritten by the content below.
            mstore(at, head)
            at := add(at, headLength)
            let src := add(str, 0x20)
            // The content word by word; the last word's spill is overwritten by the next item.
            for { let i := 0 } lt(i, size) { i := add(i, 0x20) } { mstore(add(at, i), mload(add(src, i))) }
            next := add(at, size)
        }
    }

    /// @dev Both entry structs start with their key, so one sort serves both. The arrays are
    /// reinterpreted as arrays of struct pointers; nothing is copied but the pointers.
    function _pointers(MetadataEntry[] memory entries) private pure returns (uint256[] memory pointers) {
        assembly ("memory-safe") {
            pointers := entries
        }
    }

    function _pointers(SecretEntry[] memory entries) private pure returns (uint256[] memory pointers) {
        assembly ("memory-safe") {
            pointers := entries
        }
    }

    /// @dev A sorted copy of `entries` (struct pointers whose first word points to the key).
    /// Insertion sort: linear for input that is already sorted, and at most 64 entries
    /// (the module's limit) otherwise. Reverts on a duplicate key. Keys compare in canonical
    /// order: byte length first, then bytewise (the order of their CBOR encodings).
    function _sortedByKey(uint256[] memory entries) private pure returns (uint256[] memory sorted) {
        uint256 count = entries.length;
        sorted = new uint256[](count);
        uint256 duplicate;
        assembly ("memory-safe") {
            // -1, 0 or 1 (as a two's complement word) as key `a` sorts before, equal to or after `b`
            function compare(a, b) -> order {
                let length := mload(a)
                let lengthB := mload(b)
                switch eq(length, lengthB)
                case 0 { order := sub(gt(length, lengthB), lt(length, lengthB)) }
                default {
                    for { let i := 0 } lt(i, length) { i := add(i, 0x20) } {
                        let wordA := mload(add(add(a, 0x20), i))
                        let wordB := mload(add(add(b, 0x20), i))
                        let rest := sub(length, i)
                        if lt(rest, 0x20) {
                            let shift := shl(3, sub(0x20, rest))
                            wordA := shr(shift, wordA)
                            wordB := shr(shift, wordB)
                        }
                        if iszero(eq(wordA, wordB)) {
                            order := sub(gt(wordA, wordB), lt(wordA, wordB))
                            break
                        }
                    }
                }
            }
            let out := add(sorted, 0x20)
            let input := add(entries, 0x20)
            for { let i := 0 } lt(i, count) { i := add(i, 1) } {
                let current := mload(add(input, shl(5, i)))
                let key := mload(current)
                let j := i
                for {} j {} {
                    let previous := mload(add(out, shl(5, sub(j, 1))))
                    let order := compare(mload(previous), key)
                    if slt(order, 0) { break }
                    if iszero(order) {
                        if iszero(duplicate) { duplicate := key }
                        break
                    }
                    mstore(add(out, shl(5, j)), previous)
                    j := sub(j, 1)
                }
                mstore(add(out, shl(5, j)), current)
            }
        }
        if (duplicate != 0) {
            bytes memory key;
            assembly ("memory-safe") {
                key := duplicate
            }
            revert IRoflErrors.CborDuplicateKey(string(key));
        }
    }
}
