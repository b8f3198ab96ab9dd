// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {IRoflErrors} from "./IRoflErrors.sol";
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
interface IRoflAppAdmin is IRoflErrors {
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
    // App lifecycle
    // ---------------------------------------------------------------------------------------

    /// @notice Create a new app (`rofl.Create`), sending `msg.value` as the stake; the contract
    /// becomes its admin. Emits `AppCreated` and `ConfigUpdated` (version 1).
    /// @param policy The app's policy (identities, endorsements, fees, quote policy, expiration).
    /// @param metadata The app's metadata (validated as for {setMetadata}).
    /// @param scheme The app id scheme: 0 = creator round/index, 1 = creator nonce.
    /// @return appId The id the module assigned.
    function createApp(AppPolicy calldata policy, MetadataEntry[] calldata metadata, uint8 scheme)
        external
        payable
        returns (bytes21 appId);

    /// @notice Take over an app whose ROFL admin is already this contract. The supplied config
    /// is validated and written with one complete `rofl.Update`, which also proves that this
    /// contract is the admin (the module answers Forbidden otherwise). Emits `AppAdopted`.
    /// @param appId The app.
    /// @param policy The app's whole policy, as it should be from now on.
    /// @param metadata The app's whole metadata.
    /// @param secrets The app's whole secrets (encrypted to the app's SEK).
    function adoptApp(
        bytes21 appId,
        AppPolicy calldata policy,
        MetadataEntry[] calldata metadata,
        SecretEntry[] calldata secrets
    ) external;

    /// @notice Remove the app (`rofl.Remove`); the module refunds the stake to this contract.
    /// Emits `AppRemoved`; the contract no longer manages the app.
    /// @param appId The app.
    /// @param expectedVersion The version the proposal was reviewed at (0: no check).
    function removeApp(bytes21 appId, uint64 expectedVersion) external;

    /// @notice Send the contract's whole balance (refunded stakes, machine funds) to the owner.
    /// Emits `StakeWithdrawn`.
    function withdrawStake() external;

    // ---------------------------------------------------------------------------------------
    // Config changes (each sends one complete rofl.Update unless inside `multicall`)
    // ---------------------------------------------------------------------------------------

    /// @notice Allow an enclave identity to register. Emits `EnclaveAdded`.
    /// @param appId The app.
    /// @param expectedVersion The version the proposal was reviewed at (0: no check).
    /// @param identity The identity (MRENCLAVE, MRSIGNER) to allow.
    function addEnclave(bytes21 appId, uint64 expectedVersion, EnclaveIdentity calldata identity) external;

    /// @notice Stop allowing an enclave identity (instances registered with it keep their
    /// registration until it expires, as the module does). Emits `EnclaveRemoved`.
    /// @param appId The app.
    /// @param expectedVersion The version the proposal was reviewed at (0: no check).
    /// @param identity The identity to remove.
    function removeEnclave(bytes21 appId, uint64 expectedVersion, EnclaveIdentity calldata identity) external;

    /// @notice Replace the endorsement policy (which nodes may endorse instances). Emits
    /// `EndorsementsReplaced`.
    /// @param appId The app.
    /// @param expectedVersion The version the proposal was reviewed at (0: no check).
    /// @param endorsements The new endorsement tree, flattened in pre-order (never empty).
    function setEndorsements(bytes21 appId, uint64 expectedVersion, EndorsementNode[] calldata endorsements) external;

    /// @notice Set who pays the app's registration fees. Emits `FeesSet`.
    /// @param appId The app.
    /// @param expectedVersion The version the proposal was reviewed at (0: no check).
    /// @param fees The fee policy (not `Unset`).
    function setFees(bytes21 appId, uint64 expectedVersion, FeePolicy fees) external;

    /// @notice Set how many epochs ahead a registration may expire (at most 24). Emits
    /// `MaxExpirationSet`.
    /// @param appId The app.
    /// @param expectedVersion The version the proposal was reviewed at (0: no check).
    /// @param maxExpiration The new maximum, in epochs.
    function setMaxExpiration(bytes21 appId, uint64 expectedVersion, uint64 maxExpiration) external;

    /// @notice Replace the quote policy (accepted TEEs, PCS TCB rules, FMSPC lists, TDX modules).
    /// Emits `QuotePolicySet`.
    /// @param appId The app.
    /// @param expectedVersion The version the proposal was reviewed at (0: no check).
    /// @param quotes The new quote policy.
    function setQuotePolicy(bytes21 appId, uint64 expectedVersion, QuotePolicy calldata quotes) external;

    /// @notice Set (add or replace) a metadata entry. Emits `MetadataSet`.
    /// @param appId The app.
    /// @param expectedVersion The version the proposal was reviewed at (0: no check).
    /// @param key The key (UTF-8, no control or format character).
    /// @param value The value (UTF-8).
    function setMetadata(bytes21 appId, uint64 expectedVersion, string calldata key, string calldata value) external;

    /// @notice Delete a metadata entry. Emits `MetadataDeleted`.
    /// @param appId The app.
    /// @param expectedVersion The version the proposal was reviewed at (0: no check).
    /// @param key The key (must be set).
    function deleteMetadata(bytes21 appId, uint64 expectedVersion, string calldata key) external;

    /// @notice Set (add or replace) a secret, encrypted to the app's SEK as `oasis rofl secret
    /// set` does. Emits `SecretSet` (the name only).
    /// @param appId The app.
    /// @param expectedVersion The version the proposal was reviewed at (0: no check).
    /// @param name The secret's name (UTF-8, no control or format character).
    /// @param value The encrypted envelope.
    function setSecret(bytes21 appId, uint64 expectedVersion, string calldata name, bytes calldata value) external;

    /// @notice Delete a secret. Emits `SecretDeleted`.
    /// @param appId The app.
    /// @param expectedVersion The version the proposal was reviewed at (0: no check).
    /// @param name The secret's name (must be set).
    function deleteSecret(bytes21 appId, uint64 expectedVersion, string calldata name) external;

    /// @notice Hand the ROFL admin to another Oasis address (never zero). The app leaves this
    /// contract's management. Emits `RoflAdminTransferred`.
    /// @param appId The app.
    /// @param expectedVersion The version the proposal was reviewed at (0: no check).
    /// @param newAdmin The new admin's Oasis address.
    function transferRoflAdmin(bytes21 appId, uint64 expectedVersion, bytes21 newAdmin) external;

    /// @notice Explicitly give the app up with no admin at all: nobody can update or remove it
    /// afterwards. This is the only way roflgov ever sends an Update without an admin.
    /// @param appId The app.
    /// @param expectedVersion The version the proposal was reviewed at (0: no check).
    function renounceRoflAdmin(bytes21 appId, uint64 expectedVersion) external;

    /// @notice Run several calls on this contract atomically; every app they touch gets one
    /// `rofl.Update` at the end with the final config.
    /// @param calls ABI-encoded calls of this contract's owner functions.
    /// @return results What each call returned, in order.
    function multicall(bytes[] calldata calls) external returns (bytes[] memory results);

    // ---------------------------------------------------------------------------------------
    // Views (never depend on msg.sender: Sapphire zeroes it in unsigned calls)
    // ---------------------------------------------------------------------------------------

    /// @notice The ids of the apps this contract manages.
    /// @return The ids, in the order the apps were created or adopted.
    function appIds() external view returns (bytes21[] memory);

    /// @notice Whether this contract manages the app.
    /// @param appId The app.
    /// @return True while the app is managed (after create or adopt, until release or removal).
    function isManaged(bytes21 appId) external view returns (bool);

    /// @notice The app's whole config as the contract holds it.
    /// @param appId The app (must be managed).
    /// @return The config, with this contract as admin.
    function getApp(bytes21 appId) external view returns (AppConfig memory);

    /// @notice The app's version: it grows by one with every `rofl.Update` sent.
    /// @param appId The app (must be managed).
    /// @return The current version.
    function version(bytes21 appId) external view returns (uint64);

    /// @notice The exact CBOR `rofl.Update` body the contract would send for the current config.
    /// @param appId The app (must be managed).
    /// @return The canonical CBOR body.
    function encodeUpdate(bytes21 appId) external view returns (bytes memory);

    /// @notice The Oasis address the ROFL module sees for this contract (`Address::from_eth`).
    /// @return The 21-byte Oasis address.
    function roflAdminAddress() external view returns (bytes21);
}
