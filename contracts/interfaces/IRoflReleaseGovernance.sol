// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {IRoflErrors} from "./IRoflErrors.sol";
import {EnclaveIdentity} from "../types/RoflTypes.sol";
import {EnclaveRelease, IdentityInfo, ReleaseRecord} from "../types/RoflReleaseTypes.sol";

/// @title Releases with provenance, a revoke-only guardian and grace periods
/// @notice Extends the roflgov app policy contract ({IRoflAppAdmin}) with three things:
///  - Release provenance: identities added through {addRelease} carry a {ReleaseRecord} (version,
///    repository, commit, ORC bundle hash, rofl.yaml hash, notes) kept on-chain and in events.
///  - A revoke-only guardian per app, set by the owner (governance), that may at once (no
///    timelock) remove an enclave identity ({revokeEnclave}) or freeze the app ({freeze}: no
///    identity at all), and nothing else.
///  - Grace periods: a release may keep old identities until a deadline; after it anyone may
///    {prune} them, all in one complete `rofl.Update`.
/// @dev Every change of the module config here is a complete `rofl.Update` like any other: it
/// bumps the version and emits `ConfigUpdated`. Deadlines, guardians and release records are
/// roflgov state only and send no update.
/// Frozen is exactly "no identity allowed": a frozen app never sends an update with an
/// identity, an app that is not frozen never sends one without (`EmptyEnclaveList`). Only the
/// owner unfreezes, in the same {IRoflAppAdmin-multicall} that adds identities back.
/// A guardian action bumps the version, so a proposal drafted with a non-zero `expectedVersion`
/// before it fails with `StaleVersion` (the safe default); a fix meant to land whatever the
/// guardian did is drafted with `expectedVersion` 0.
interface IRoflReleaseGovernance is IRoflErrors {
    // ---------------------------------------------------------------------------------------
    // Events
    // ---------------------------------------------------------------------------------------

    /// @notice A release was added: `identities` are now allowed (each also has `EnclaveAdded`).
    event ReleaseAdded(
        bytes21 indexed appId, uint32 indexed releaseId, EnclaveIdentity[] identities, ReleaseRecord record
    );
    /// @notice `identity` may be pruned by anyone from `retireAt` (unix seconds); 0 = cancelled.
    event RetirementScheduled(bytes21 indexed appId, bytes32 mrEnclave, bytes32 mrSigner, uint64 retireAt);
    /// @notice `count` identities past their deadline were removed by `caller` in one update
    /// (each also has `EnclaveRemoved`).
    event EnclavesPruned(bytes21 indexed appId, address indexed caller, uint256 count);
    event GuardianSet(bytes21 indexed appId, address indexed previousGuardian, address indexed newGuardian);
    /// @notice `by` (the guardian or the owner) revoked the identity (also `EnclaveRemoved`).
    event EnclaveRevoked(bytes21 indexed appId, address indexed by, bytes32 mrEnclave, bytes32 mrSigner);
    /// @notice `by` froze the app: every identity was removed (each also `EnclaveRemoved`).
    event AppFrozen(bytes21 indexed appId, address indexed by);
    /// @notice The owner lifted the freeze (identities are added back in the same batch).
    event AppUnfrozen(bytes21 indexed appId);

    // ---------------------------------------------------------------------------------------
    // Owner (governance)
    // ---------------------------------------------------------------------------------------

    /// @notice Allow `identities` with `record` as their provenance, and retire the identities in
    /// `retire`: at once when `graceUntil` is 0, else from `graceUntil` (unix seconds, in the
    /// future and at most `MAX_GRACE_PERIOD` ahead) through {prune}. One `rofl.Update` (or part
    /// of the batch's).
    /// @return releaseId The record's id (1-based, per app).
    /// @param appId The app.
    /// @param expectedVersion The version the proposal was reviewed at (0: no check).
    /// @param identities The identities the release allows (at least one).
    /// @param record The release's provenance (version, source, commit, manifest, notes).
    /// @param retire Allowed identities the release retires.
    /// @param graceUntil 0: retire them at once; else the unix time from which {prune} removes them.
    function addRelease(
        bytes21 appId,
        uint64 expectedVersion,
        EnclaveIdentity[] calldata identities,
        ReleaseRecord calldata record,
        EnclaveIdentity[] calldata retire,
        uint64 graceUntil
    ) external returns (uint32 releaseId);

    /// @notice Set (or with `deadline` 0 cancel) the grace deadline of an allowed identity. No
    /// update is sent: the module config does not change.
    /// @param appId The app.
    /// @param expectedVersion The version the proposal was reviewed at (0: no check).
    /// @param identity The identity (MRENCLAVE, MRSIGNER).
    /// @param deadline Unix seconds from which anyone may prune it; 0 cancels.
    function setRetirement(bytes21 appId, uint64 expectedVersion, EnclaveIdentity calldata identity, uint64 deadline)
        external;

    /// @notice Set or replace the app's guardian (zero: none). No update is sent.
    /// @param appId The app.
    /// @param guardian The guardian (zero: none; never this contract).
    function setGuardian(bytes21 appId, address guardian) external;

    /// @notice Lift a freeze. Identities must be added back in the same `multicall`: an app that
    /// is not frozen never sends an update without identities.
    /// @param appId The app.
    /// @param expectedVersion The version the proposal was reviewed at (0: no check).
    function unfreeze(bytes21 appId, uint64 expectedVersion) external;

    // ---------------------------------------------------------------------------------------
    // Guardian (or owner)
    // ---------------------------------------------------------------------------------------

    /// @notice Remove one identity at once. Refused for the last one (use {freeze}).
    /// @param appId The app.
    /// @param expectedVersion The version the proposal was reviewed at (0: no check).
    /// @param identity The identity (MRENCLAVE, MRSIGNER).
    function revokeEnclave(bytes21 appId, uint64 expectedVersion, EnclaveIdentity calldata identity) external;

    /// @notice Remove every identity at once: no instance can register or stay authorized.
    /// @param appId The app.
    /// @param expectedVersion The version the proposal was reviewed at (0: no check).
    function freeze(bytes21 appId, uint64 expectedVersion) external;

    // ---------------------------------------------------------------------------------------
    // Anyone
    // ---------------------------------------------------------------------------------------

    /// @notice Remove every identity whose deadline has passed, in one update. Refused when
    /// nothing has expired, or when it would leave no identity.
    /// @return pruned How many identities were removed.
    /// @param appId The app.
    function prune(bytes21 appId) external returns (uint256 pruned);

    // ---------------------------------------------------------------------------------------
    // Views (never depend on msg.sender)
    // ---------------------------------------------------------------------------------------

    /// @notice The app's guardian, who may revoke identities and freeze the app.
    /// @param appId The app.
    /// @return The guardian (zero: none).
    function guardianOf(bytes21 appId) external view returns (address);
    /// @notice Whether the app is frozen (no identity allowed until the owner unfreezes it).
    /// @param appId The app.
    /// @return True while frozen.
    function isFrozen(bytes21 appId) external view returns (bool);
    /// @notice Every release record of the app, in order: `releases(app)[i]` has id `i + 1`.
    /// @param appId The app.
    /// @return The records, oldest first.
    function releases(bytes21 appId) external view returns (ReleaseRecord[] memory);
    /// @notice The release an identity was last added with (id 0 and an empty record if none).
    /// Kept after the identity is removed or revoked, so instances still running it can be told.
    /// @param appId The app.
    /// @param identity The identity (MRENCLAVE, MRSIGNER).
    /// @return releaseId The release id (0: none).
    /// @return record The release record.
    function releaseOf(bytes21 appId, EnclaveIdentity calldata identity)
        external
        view
        returns (uint32 releaseId, ReleaseRecord memory record);
    /// @notice Where an identity stands: allowed, retiring (with its deadline), revoked or
    /// unknown, and the release it was last added with.
    /// @param appId The app.
    /// @param identity The identity (MRENCLAVE, MRSIGNER).
    /// @return The identity's status, deadline and release id.
    function identityInfo(bytes21 appId, EnclaveIdentity calldata identity) external view returns (IdentityInfo memory);
    /// @notice The allowed identities (storage order, as `getApp`) with release and deadline.
    /// @param appId The app.
    /// @return One entry per allowed identity.
    function enclaveReleases(bytes21 appId) external view returns (EnclaveRelease[] memory);
    /// @notice What {prune} would remove now.
    /// @param appId The app.
    /// @return The identities past their deadline.
    function expiredEnclaves(bytes21 appId) external view returns (EnclaveIdentity[] memory);
}
