// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {IRoflErrors} from "./IRoflErrors.sol";
/// @dev Floor: `min_tcb_evaluation_data_number` never goes down (no PCS counts as 0).
uint8 constant FLOOR_MIN_TCB_EVALUATION_DATA_NUMBER = 1;
/// @dev Floor: the accepted TDX modules only shrink (none accepted stays none; "any" is the most).
uint8 constant FLOOR_TDX_MODULES = 2;
/// @dev Floor: `max_expiration` never goes up.
uint8 constant FLOOR_MAX_EXPIRATION = 4;
/// @dev Every floor bit.
uint8 constant FLOOR_ALL = 7;

/// @notice The one-way locks of one app, as {IRoflLocks-locks} returns them.
/// @param metadataKeys Locked metadata keys (public variables are the `env.<NAME>` keys), in the
/// order they were locked. A key absent from the config is a set-once lock not used yet.
/// @param secretNames Locked secret names, in the order they were locked; absent: set-once.
/// @param floors `FLOOR_*` bits of {IRoflLocks}: the policy values that may only tighten.
struct AppLocks {
    string[] metadataKeys;
    string[] secretNames;
    uint8 floors;
}

/// @title One-way locks of the roflgov app policy contract
/// @notice Governance (the owner, through the same reviewed proposals as every other change) may
/// lock a metadata key, a public variable (`env.<NAME>` metadata key) or a secret so that no later
/// change sets or deletes it, and lock floors: policy values that later changes may only tighten.
/// Nothing unlocks: there is no function for it, and the locks leave only with the app
/// ({IRoflAppAdmin-removeApp}, {IRoflAppAdmin-renounceRoflAdmin}, after which nobody changes
/// the app at all). An app with any lock cannot be handed to another admin, which could change
/// everything.
/// @dev Set-once: locking a key that is absent lets one later change set it, after which it is
/// locked like the others; it can never be deleted. Locks change no module config: they send no
/// `rofl.Update` and do not bump the version, but they check `expectedVersion`, so that signers
/// lock exactly the values they reviewed (inside a batch: the values the batch has set so far).
interface IRoflLocks is IRoflErrors {
    /// @notice A metadata key was locked. `present`: it had a value (now fixed); otherwise it may
    /// be set once.
    event MetadataKeyLocked(bytes21 indexed appId, string key, bool present);
    /// @notice A secret was locked. `present`: it had a value (now fixed); otherwise it may be set
    /// once.
    event SecretNameLocked(bytes21 indexed appId, string name, bool present);
    /// @notice Floors were locked: `added` are the new `FLOOR_*` bits, `floors` all of them now.
    event FloorsLocked(bytes21 indexed appId, uint8 added, uint8 floors);

    /// @notice Lock a metadata key (`env.<NAME>` for a public variable): no later change sets or
    /// deletes it. An absent key may be set once, then it is fixed. Emits `MetadataKeyLocked`.
    /// @param appId The app.
    /// @param expectedVersion The version the proposal was reviewed at (0: no check).
    /// @param key The metadata key.
    function lockMetadata(bytes21 appId, uint64 expectedVersion, string calldata key) external;

    /// @notice Lock a secret: no later change sets or deletes it. An absent secret may be set
    /// once, then it is fixed. Emits `SecretNameLocked`.
    /// @param appId The app.
    /// @param expectedVersion The version the proposal was reviewed at (0: no check).
    /// @param name The secret's name.
    function lockSecret(bytes21 appId, uint64 expectedVersion, string calldata name) external;

    /// @notice Lock floors (`FLOOR_*` bits, none locked yet): from now on the named policy values
    /// may only tighten. Emits `FloorsLocked`.
    /// @param appId The app.
    /// @param expectedVersion The version the proposal was reviewed at (0: no check).
    /// @param floors The floors to add.
    function lockFloors(bytes21 appId, uint64 expectedVersion, uint8 floors) external;

    /// @notice The app's locks (empty for an app without any).
    /// @param appId The app.
    /// @return The locked keys, secrets and floors.
    function locks(bytes21 appId) external view returns (AppLocks memory);
}
