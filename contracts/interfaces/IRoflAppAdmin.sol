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
