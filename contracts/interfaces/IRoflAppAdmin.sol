// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {
    AppConfig,
    AppPolicy,
    EnclaveIdentity,
    EndorsementNode,
    FeePolicy,
    MetadataEntry,
    QuotePolicy,
    SecretEntry
} from "../types/RoflTypes.sol";

/// @title Interface of the roflgov app policy contract
/// @notice The contract is the ROFL admin of the apps it manages and holds each app's complete
/// configuration. Every change sends one complete `rofl.Update` (admin always present); several
/// changes made inside one `multicall` send a single `rofl.Update`.
/// @dev Every mutating function is owner-only (the owner is a Safe or a Timelock). Mutating
/// functions that touch an existing app take `expectedVersion`: when non-zero it must equal the
/// app's current version, so that a proposal drafted against an old config cannot silently
/// revert newer changes.
interface IRoflAppAdmin {
    // ---------------------------------------------------------------------------------------
    // Events
    // ---------------------------------------------------------------------------------------

    /// @notice An app was created through `rofl.Create` with `stake` locked by the module.
    event AppCreated(bytes21 indexed appId, uint256 stake);
    /// @notice An existing app whose ROFL admin had been moved to this contract was adopted.
    event AppAdopted(bytes21 indexed appId);
    /// @notice An app was removed through `rofl.Remove`; its stake was refunded to this contract.
    event AppRemoved(bytes21 indexed appId);
    event EnclaveAdded(bytes21 indexed appId, bytes32 mrEnclave, bytes32 mrSigner);
    event EnclaveRemoved(bytes21 indexed appId, bytes32 mrEnclave, bytes32 mrSigner);
    event EndorsementsReplaced(bytes21 indexed appId, EndorsementNode[] endorsements);
    event FeesSet(bytes21 indexed appId, FeePolicy fees);
    event MaxExpirationSet(bytes21 indexed appId, uint64 maxExpiration);
    event QuotePolicySet(bytes21 indexed appId, QuotePolicy quotes);
    event MetadataSet(bytes21 indexed appId, string key, string value);
    event MetadataDeleted(bytes21 indexed appId, string key);
    /// @dev Secret values are encrypted, yet only the name is logged: values reach the chain
    /// once, in the update body.
    event SecretSet(bytes21 indexed appId, string name);
    event SecretDeleted(bytes21 indexed appId, string name);
    /// @notice The ROFL admin was handed to `newAdmin` (zero only through `renounceRoflAdmin`).
    /// The contract no longer manages the app after this.
    event RoflAdminTransferred(bytes21 indexed appId, bytes21 newAdmin);
    /// @notice Audit record of every `rofl.Update`/`rofl.Create` sent: the new version, the
    /// keccak256 of the CBOR body and the body itself, so history can be rebuilt from logs.
    event ConfigUpdated(bytes21 indexed appId, uint64 version, bytes32 bodyHash, bytes body);
    /// @notice Refunded stake was sent to the owner.
    event StakeWithdrawn(address indexed to, uint256 amount);

    // ---------------------------------------------------------------------------------------
    // Errors
    // ---------------------------------------------------------------------------------------

    error UnknownApp(bytes21 appId);
    error AppAlreadyManaged(bytes21 appId);
    error StaleVersion(bytes21 appId, uint64 expected, uint64 current);
    error EnclaveAlreadyAllowed(bytes21 appId, bytes32 mrEnclave, bytes32 mrSigner);
    error EnclaveNotAllowed(bytes21 appId, bytes32 mrEnclave, bytes32 mrSigner);
    /// @notice The change would leave no enclave identity, which locks every instance out.
    error EmptyEnclaveList(bytes21 appId);
    error TooManyEnclaves(uint256 count, uint256 max);
    error EndorsementTreeMalformed(uint256 nodeIndex);
    error EndorsementTooDeep(uint256 depth, uint256 max);
    error TooManyEndorsementAtoms(uint256 count, uint256 max);
    error InvalidEndorsementValue(uint256 nodeIndex, uint256 length);
    error InvalidFeePolicy();
    error InvalidMaxExpiration(uint64 value, uint64 max);
    error InvalidTdxModule(uint256 index);
    error InvalidFmspc(string fmspc);
    /// @notice FMSPCs must be upper-case hex as Intel writes them (`00606A000000`): the module
    /// compares them as strings with Intel's TCB info, so a lower-case whitelist entry would
    /// lock out every quote and a lower-case blacklist entry would block nothing.
    /// @param fmspc The entry as given: 12 hex digits, some of them lower-case letters.
    error FmspcNotUpperCase(string fmspc);
    error TooManyEntries(uint256 count, uint256 max);
    error EntryKeyTooLong(uint256 length, uint256 max);
    error EntryValueTooLong(uint256 length, uint256 max);
    error EmptyEntryKey();
    error DuplicateEntryKey(string key);
    /// @notice A metadata key, metadata value or secret name is not well-formed UTF-8. The
    /// module parses each of them as a Rust `String`, so the whole call would fail on Sapphire.
    /// @param field "metadata key", "metadata value" or "secret name".
    /// @param index Position of the entry in the list given (0 for a single-entry setter).
    /// @param offset Byte offset where the first ill-formed sequence starts (what Rust's
    /// `Utf8Error::valid_up_to` reports).
    error InvalidUtf8(string field, uint256 index, uint256 offset);
    /// @notice A metadata key or secret name holds a control or format character (Unicode Cc,
    /// U+2028/U+2029 or Unicode Cf): invisible or layout-changing characters have no place in
    /// a name a reviewer reads. Values may hold them (see docs/text-rules.md).
    /// @param field "metadata key" or "secret name".
    /// @param index Position of the entry in the list given (0 for a single-entry setter).
    /// @param offset Byte offset where the character's encoding starts.
    /// @param codePoint The character (a Unicode scalar value).
    error DisallowedCharacter(string field, uint256 index, uint256 offset, uint256 codePoint);
    error MetadataKeyNotFound(bytes21 appId, string key);
    error SecretNotFound(bytes21 appId, string name);
    error ZeroAdmin();
    error InvalidScheme(uint8 scheme);
    /// @notice A scheme-0 app was already created by this contract in this block: the module
    /// derives scheme-0 ids from (creator, round, tx index) and a subcall's tx index is always
    /// 0, so a second one would collide. Use scheme 1, or the next block.
    error OneRoundIndexCreatePerBlock(uint256 blockNumber);
    /// @notice The throwaway CREATE that moves the contract's nonce before a scheme-1 create
    /// failed (out of gas).
    error NonceBumpFailed();
    error WrongStake(uint256 sent, uint256 required);
    /// @notice The subcall precompile answered with a non-zero status.
    error RoflCallFailed(string method, uint64 code, string module);
    error MalformedRoflResponse();
    error NothingToWithdraw();
    error WithdrawFailed();

    // ---------------------------------------------------------------------------------------
    // App lifecycle
    // ---------------------------------------------------------------------------------------

    /// @notice Create a new app (`rofl.Create`), sending `msg.value` as the stake; the contract
    /// becomes its admin. `scheme` 0 = creator round/index, 1 = creator nonce.
    function createApp(AppPolicy calldata policy, MetadataEntry[] calldata metadata, uint8 scheme)
        external
        payable
        returns (bytes21 appId);

    /// @notice Take over an app whose ROFL admin is already this contract. The supplied config
    /// is validated and written with one complete `rofl.Update`, which also proves that this
    /// contract is the admin (the module answers Forbidden otherwise).
    function adoptApp(
        bytes21 appId,
        AppPolicy calldata policy,
        MetadataEntry[] calldata metadata,
        SecretEntry[] calldata secrets
    ) external;

    /// @notice Remove the app (`rofl.Remove`); the module refunds the stake to this contract.
    function removeApp(bytes21 appId, uint64 expectedVersion) external;

    /// @notice Send the contract's whole balance (refunded stakes) to the owner.
    function withdrawStake() external;

    // ---------------------------------------------------------------------------------------
    // Config changes (each sends one complete rofl.Update unless inside `multicall`)
    // ---------------------------------------------------------------------------------------

    function addEnclave(bytes21 appId, uint64 expectedVersion, EnclaveIdentity calldata identity) external;
    function removeEnclave(bytes21 appId, uint64 expectedVersion, EnclaveIdentity calldata identity) external;
    function setEndorsements(bytes21 appId, uint64 expectedVersion, EndorsementNode[] calldata endorsements) external;
    function setFees(bytes21 appId, uint64 expectedVersion, FeePolicy fees) external;
    function setMaxExpiration(bytes21 appId, uint64 expectedVersion, uint64 maxExpiration) external;
    function setQuotePolicy(bytes21 appId, uint64 expectedVersion, QuotePolicy calldata quotes) external;
    function setMetadata(bytes21 appId, uint64 expectedVersion, string calldata key, string calldata value) external;
    function deleteMetadata(bytes21 appId, uint64 expectedVersion, string calldata key) external;
    function setSecret(bytes21 appId, uint64 expectedVersion, string calldata name, bytes calldata value) external;
    function deleteSecret(bytes21 appId, uint64 expectedVersion, string calldata name) external;

    /// @notice Hand the ROFL admin to another Oasis address (never zero). The app leaves this
    /// contract's management.
    function transferRoflAdmin(bytes21 appId, uint64 expectedVersion, bytes21 newAdmin) external;

    /// @notice Explicitly give the app up with no admin at all: nobody can update or remove it
    /// afterwards. This is the only way roflgov ever sends an Update without an admin.
    function renounceRoflAdmin(bytes21 appId, uint64 expectedVersion) external;

    /// @notice Run several calls on this contract atomically; every app they touch gets one
    /// `rofl.Update` at the end with the final config.
    function multicall(bytes[] calldata calls) external returns (bytes[] memory results);

    // ---------------------------------------------------------------------------------------
    // Views (never depend on msg.sender: Sapphire zeroes it in unsigned calls)
    // ---------------------------------------------------------------------------------------

    /// @notice The ids of the apps this contract manages.
    function appIds() external view returns (bytes21[] memory);
    function isManaged(bytes21 appId) external view returns (bool);
    function getApp(bytes21 appId) external view returns (AppConfig memory);
    function version(bytes21 appId) external view returns (uint64);
    /// @notice The exact CBOR `rofl.Update` body the contract would send for the current config.
    function encodeUpdate(bytes21 appId) external view returns (bytes memory);
    /// @notice The Oasis address the ROFL module sees for this contract (`Address::from_eth`).
    function roflAdminAddress() external view returns (bytes21);
}
