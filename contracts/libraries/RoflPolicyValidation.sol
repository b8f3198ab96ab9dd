// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {IRoflErrors} from "../interfaces/IRoflErrors.sol";
import {ReleaseRecord} from "../types/RoflReleaseTypes.sol";
import {Utf8Text} from "./Utf8Text.sol";
import {
    AppPolicy,
    EnclaveIdentity,
    EndorsementKind,
    EndorsementNode,
    FeePolicy,
    MetadataEntry,
    PcsPolicy,
    QuotePolicy,
    SecretEntry,
    TdxModule
} from "../types/RoflTypes.sol";

/// @title Stateless checks of a ROFL app configuration
/// @notice Everything the ROFL module would refuse, and a few things it would accept but that
/// lock every instance out, is refused here with a custom error before any subcall is made.
/// @dev Limits are the module's (oasis-sdk `modules/rofl`): 64 metadata pairs (secrets alike),
/// keys up to 1 KiB, values up to 16 KiB, 32 endorsement atoms, nesting depth 4, and
/// `max_expiration` up to 24 epochs. `MAX_ENCLAVES` is roflgov's own bound on the size (and
/// hence the gas) of one update. Checks that need state (duplicates against stored entries)
/// live in the contract.
/// Text (docs/text-rules.md): metadata keys, metadata values and secret names must be
/// well-formed UTF-8 (the module parses them as Rust `String`s), keys and names without control
/// or format characters; FMSPCs must be upper-case hex (the module compares them as strings
/// with Intel's, which are upper case).
library RoflPolicyValidation {
    uint256 internal constant MAX_ENTRIES = 64;
    uint256 internal constant MAX_KEY_LENGTH = 1024;
    uint256 internal constant MAX_VALUE_LENGTH = 16 * 1024;
    uint256 internal constant MAX_ENDORSEMENT_ATOMS = 32;
    uint256 internal constant MAX_ENDORSEMENT_DEPTH = 4;
    uint64 internal constant MAX_EXPIRATION = 24;
    uint256 internal constant MAX_ENCLAVES = 64;
    uint256 internal constant TDX_MEASUREMENT_LENGTH = 48;
    uint256 internal constant FMSPC_HEX_LENGTH = 12;
    /// @dev {fmspcStatus} results.
    uint256 internal constant FMSPC_OK = 0;
    uint256 internal constant FMSPC_MALFORMED = 1;
    uint256 internal constant FMSPC_LOWER_CASE = 2;
    /// @dev Which text {_validateText} checks (and names in its errors).
    uint256 private constant TEXT_METADATA_KEY = 0;
    uint256 private constant TEXT_METADATA_VALUE = 1;
    uint256 private constant TEXT_SECRET_NAME = 2;
    /// @dev roflgov's own bounds on release records (they are stored and logged, so bounded).
    uint256 internal constant MAX_RELEASE_VERSION_LENGTH = 64;
    uint256 internal constant MAX_RELEASE_REPOSITORY_LENGTH = 256;
    uint256 internal constant MAX_RELEASE_NOTES_LENGTH = 1024;

    // -------------------------------------------------------------------------------------------
    // Whole policy
    // -------------------------------------------------------------------------------------------

    /// @notice Checks a complete policy, including that it allows at least one enclave.
    /// @param appId Only used in errors (zero before the app exists).
    function validatePolicy(bytes21 appId, AppPolicy calldata policy) internal pure {
        validateEnclaves(appId, policy.enclaves);
        validateEndorsements(policy.endorsements);
        validateFees(policy.fees);
        validateMaxExpiration(policy.maxExpiration);
        validateQuotes(policy.quotes);
    }

    /// @notice A non-empty list of at most `MAX_ENCLAVES` distinct identities.
    function validateEnclaves(bytes21 appId, EnclaveIdentity[] calldata enclaves) internal pure {
        uint256 count = enclaves.length;
        if (count == 0) revert IRoflErrors.EmptyEnclaveList(appId);
        if (count > MAX_ENCLAVES) revert IRoflErrors.TooManyEnclaves(count, MAX_ENCLAVES);
        // Quadratic, but at most 2,016 pairs and only on create/adopt.
        for (uint256 i = 1; i < count; ++i) {
            bytes32 mrEnclave = enclaves[i].mrEnclave;
            bytes32 mrSigner = enclaves[i].mrSigner;
            for (uint256 j; j < i; ++j) {
                if (enclaves[j].mrEnclave == mrEnclave && enclaves[j].mrSigner == mrSigner) {
                    revert IRoflErrors.EnclaveAlreadyAllowed(appId, mrEnclave, mrSigner);
                }
            }
        }
    }

    // -------------------------------------------------------------------------------------------
    // Endorsements
    // -------------------------------------------------------------------------------------------

    /// @notice A non-empty sequence of complete pre-order subtrees, counted and bounded like
    /// oasis-sdk `AppAuthPolicy::count_endorsement_atoms` (every node is an atom; the root list
    /// is at depth 1 and the children of an `and`/`or` one deeper, at most 4), with values of
    /// the length their kind needs.
    function validateEndorsements(EndorsementNode[] calldata nodes) internal pure {
        uint256 count = nodes.length;
        if (count == 0) revert IRoflErrors.EmptyEndorsementList();
        if (count > MAX_ENDORSEMENT_ATOMS) {
            revert IRoflErrors.TooManyEndorsementAtoms(count, MAX_ENDORSEMENT_ATOMS);
        }
        // open[d] = children still expected by the innermost open `and`/`or` at nesting d
        // (1-based; `depth` open operators). Index 0 is unused.
        uint256[MAX_ENDORSEMENT_DEPTH] memory open;
        uint256 depth;
        for (uint256 i; i < count; ++i) {
            while (depth != 0 && open[depth] == 0) --depth;
            if (depth != 0) --open[depth];

            EndorsementNode calldata node = nodes[i];
            EndorsementKind kind = node.kind;
            if (kind == EndorsementKind.And || kind == EndorsementKind.Or) {
                // This node's list sits at depth + 1, its children's list at depth + 2.
                if (depth + 2 > MAX_ENDORSEMENT_DEPTH) {
                    revert IRoflErrors.EndorsementTooDeep(depth + 2, MAX_ENDORSEMENT_DEPTH);
                }
                if (node.value.length != 0) revert IRoflErrors.InvalidEndorsementValue(i, node.value.length);
                ++depth;
                open[depth] = node.children;
            } else {
                if (node.children != 0) revert IRoflErrors.EndorsementTreeMalformed(i);
                uint256 length = node.value.length;
                if (length != endorsementValueLength(kind)) revert IRoflErrors.InvalidEndorsementValue(i, length);
            }
        }
        while (depth != 0 && open[depth] == 0) --depth;
        if (depth != 0) revert IRoflErrors.EndorsementTreeMalformed(count);
    }

    /// @notice The value length an atom of `kind` carries: a 32-byte public key, a 21-byte
    /// address, or nothing.
    function endorsementValueLength(EndorsementKind kind) internal pure returns (uint256) {
        if (kind == EndorsementKind.Entity || kind == EndorsementKind.Node) return 32;
        if (kind == EndorsementKind.Provider || kind == EndorsementKind.ProviderInstanceAdmin) return 21;
        return 0;
    }

    // -------------------------------------------------------------------------------------------
    // Scalars
    // -------------------------------------------------------------------------------------------

    function validateFees(FeePolicy fees) internal pure {
        if (fees == FeePolicy.Unset) revert IRoflErrors.InvalidFeePolicy();
    }

    /// @notice 1 to 24 epochs: zero would make every registration fail (`expiration` must be
    /// after the current epoch and at most `max_expiration` ahead of it).
    function validateMaxExpiration(uint64 maxExpiration) internal pure {
        if (maxExpiration == 0 || maxExpiration > MAX_EXPIRATION) {
            revert IRoflErrors.InvalidMaxExpiration(maxExpiration, MAX_EXPIRATION);
        }
    }

    // -------------------------------------------------------------------------------------------
    // Quote policy
    // -------------------------------------------------------------------------------------------

    /// @notice When PCS is present: FMSPCs of 12 upper-case hex digits, and TDX modules only when TDX is allowed,
    /// each with a null-or-48-byte `mr_seam` and a 48-byte `mr_signer_seam`. When PCS is absent
    /// its fields are ignored (never stored or encoded).
    function validateQuotes(QuotePolicy calldata quotes) internal pure {
        if (!quotes.pcsPresent) return;
        PcsPolicy calldata pcs = quotes.pcs;
        _validateFmspcs(pcs.fmspcWhitelist);
        _validateFmspcs(pcs.fmspcBlacklist);
        uint256 moduleCount = pcs.allowedTdxModules.length;
        if (!pcs.tdxAllowed && moduleCount != 0) revert IRoflErrors.InvalidTdxModule(0);
        for (uint256 i; i < moduleCount; ++i) {
            TdxModule calldata module = pcs.allowedTdxModules[i];
            uint256 seamLength = module.mrSeam.length;
            if (
                (seamLength != 0 && seamLength != TDX_MEASUREMENT_LENGTH)
                    || module.mrSignerSeam.length != TDX_MEASUREMENT_LENGTH
            ) revert IRoflErrors.InvalidTdxModule(i);
        }
    }

    /// @notice An FMSPC is 6 bytes as 12 hexadecimal digits, upper case as Intel's TCB info
    /// writes them (the module compares FMSPCs as strings).
    /// @param fmspc The entry as given.
    /// @return status `FMSPC_OK`, `FMSPC_MALFORMED` (not 12 hex digits) or `FMSPC_LOWER_CASE`
    /// (12 hex digits, some of them `a`-`f`).
    function fmspcStatus(string calldata fmspc) internal pure returns (uint256 status) {
        bytes calldata digits = bytes(fmspc);
        if (digits.length != FMSPC_HEX_LENGTH) return FMSPC_MALFORMED;
        for (uint256 i; i < FMSPC_HEX_LENGTH; ++i) {
            bytes1 c = digits[i];
            if ((c >= "0" && c <= "9") || (c >= "A" && c <= "F")) continue;
            if (c >= "a" && c <= "f") status = FMSPC_LOWER_CASE;
            else return FMSPC_MALFORMED;
        }
    }

    /// @dev `InvalidFmspc` for an entry that is not 12 hex digits, `FmspcNotUpperCase` for one
    /// that is but holds lower-case letters.
    function _validateFmspcs(string[] calldata fmspcs) private pure {
        uint256 count = fmspcs.length;
        for (uint256 i; i < count; ++i) {
            uint256 status = fmspcStatus(fmspcs[i]);
            if (status == FMSPC_MALFORMED) revert IRoflErrors.InvalidFmspc(fmspcs[i]);
            if (status == FMSPC_LOWER_CASE) revert IRoflErrors.FmspcNotUpperCase(fmspcs[i]);
        }
    }

    // -------------------------------------------------------------------------------------------
    // Metadata and secrets
    // -------------------------------------------------------------------------------------------

    /// @notice One metadata or secret pair within the module's size limits, with a non-empty key.
    function validateEntry(uint256 keyLength, uint256 valueLength) internal pure {
        if (keyLength == 0) revert IRoflErrors.EmptyEntryKey();
        if (keyLength > MAX_KEY_LENGTH) revert IRoflErrors.EntryKeyTooLong(keyLength, MAX_KEY_LENGTH);
        if (valueLength > MAX_VALUE_LENGTH) revert IRoflErrors.EntryValueTooLong(valueLength, MAX_VALUE_LENGTH);
    }

    /// @notice A metadata pair's text: the key well-formed UTF-8 without control or format
    /// characters, the value well-formed UTF-8 (docs/text-rules.md).
    /// @param key The metadata key.
    /// @param value The metadata value.
    /// @param index Position of the pair in the list given (0 for a single pair), for errors.
    function validateMetadataText(string calldata key, string calldata value, uint256 index) internal pure {
        _validateText(bytes(key), TEXT_METADATA_KEY, index);
        _validateText(bytes(value), TEXT_METADATA_VALUE, index);
    }

    /// @notice A secret name: well-formed UTF-8 without control or format characters (the value
    /// is bytes, and not checked).
    /// @param name The secret name.
    /// @param index Position of the secret in the list given (0 for a single secret), for errors.
    function validateSecretName(string calldata name, uint256 index) internal pure {
        _validateText(bytes(name), TEXT_SECRET_NAME, index);
    }

    /// @notice The number of entries an app holds, after adding some, stays within the limit.
    function validateEntryCount(uint256 count) internal pure {
        if (count > MAX_ENTRIES) revert IRoflErrors.TooManyEntries(count, MAX_ENTRIES);
    }

    /// @notice A complete metadata list: within limits and without duplicate keys.
    function validateMetadata(MetadataEntry[] calldata entries) internal pure {
        uint256 count = entries.length;
        validateEntryCount(count);
        bytes32[] memory keyHashes = new bytes32[](count);
        for (uint256 i; i < count; ++i) {
            validateEntry(bytes(entries[i].key).length, bytes(entries[i].value).length);
            validateMetadataText(entries[i].key, entries[i].value, i);
            keyHashes[i] = keccak256(bytes(entries[i].key));
        }
        uint256 duplicate = _firstDuplicate(keyHashes);
        if (duplicate != type(uint256).max) revert IRoflErrors.DuplicateEntryKey(entries[duplicate].key);
    }

    /// @notice A complete secret list: within limits and without duplicate names.
    function validateSecrets(SecretEntry[] calldata entries) internal pure {
        uint256 count = entries.length;
        validateEntryCount(count);
        bytes32[] memory keyHashes = new bytes32[](count);
        for (uint256 i; i < count; ++i) {
            validateEntry(bytes(entries[i].name).length, entries[i].value.length);
            validateSecretName(entries[i].name, i);
            keyHashes[i] = keccak256(bytes(entries[i].name));
        }
        uint256 duplicate = _firstDuplicate(keyHashes);
        if (duplicate != type(uint256).max) revert IRoflErrors.DuplicateEntryKey(entries[duplicate].name);
    }

    // -------------------------------------------------------------------------------------------
    // Release records
    // -------------------------------------------------------------------------------------------

    /// @notice A release record names what it attests: a version, a repository, a commit and
    /// both hashes are required (non-empty, non-zero); texts are bounded; notes may be empty.
    function validateReleaseRecord(ReleaseRecord calldata record) internal pure {
        uint256 length = bytes(record.version).length;
        if (length == 0 || length > MAX_RELEASE_VERSION_LENGTH) {
            revert IRoflErrors.InvalidReleaseRecord("version");
        }
        length = bytes(record.repository).length;
        if (length == 0 || length > MAX_RELEASE_REPOSITORY_LENGTH) {
            revert IRoflErrors.InvalidReleaseRecord("repository");
        }
        if (record.gitCommit == bytes20(0)) revert IRoflErrors.InvalidReleaseRecord("gitCommit");
        if (record.bundleHash == bytes32(0)) revert IRoflErrors.InvalidReleaseRecord("bundleHash");
        if (record.manifestHash == bytes32(0)) revert IRoflErrors.InvalidReleaseRecord("manifestHash");
        if (bytes(record.notes).length > MAX_RELEASE_NOTES_LENGTH) {
            revert IRoflErrors.InvalidReleaseRecord("notes");
        }
    }

    /// @dev Reverts with `InvalidUtf8` or `DisallowedCharacter` naming `field` (a `TEXT_*`)
    /// and `index`. Only metadata values may hold control and format characters.
    function _validateText(bytes calldata text, uint256 field, uint256 index) private pure {
        (uint256 status, uint256 offset, uint256 codePoint) = Utf8Text.check(text, field != TEXT_METADATA_VALUE);
        if (status == Utf8Text.OK) return;
        string memory name =
            field == TEXT_METADATA_KEY ? "metadata key" : field == TEXT_SECRET_NAME ? "secret name" : "metadata value";
        if (status == Utf8Text.INVALID_UTF8) revert IRoflErrors.InvalidUtf8(name, index, offset);
        revert IRoflErrors.DisallowedCharacter(name, index, offset, codePoint);
    }

    /// @dev Index of the first hash seen before, or `type(uint256).max`. At most 2,016 pairs.
    function _firstDuplicate(bytes32[] memory hashes) private pure returns (uint256) {
        uint256 count = hashes.length;
        for (uint256 i = 1; i < count; ++i) {
            for (uint256 j; j < i; ++j) {
                if (hashes[i] == hashes[j]) return i;
            }
        }
        return type(uint256).max;
    }
}
