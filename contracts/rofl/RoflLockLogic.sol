// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {IRoflErrors} from "../interfaces/IRoflErrors.sol";
import {
    AppLocks,
    FLOOR_ALL,
    FLOOR_MAX_EXPIRATION,
    FLOOR_MIN_TCB_EVALUATION_DATA_NUMBER,
    FLOOR_TDX_MODULES,
    IRoflLocks
} from "../interfaces/IRoflLocks.sol";
import {RoflPolicyValidation} from "../libraries/RoflPolicyValidation.sol";
import {RoflAppStorage} from "./RoflAppStorage.sol";
import {QuotePolicy, TdxModule} from "../types/RoflTypes.sol";

/// @title {RoflAppAdmin}'s one-way locks: lock keys and floors, and check every change against them
/// @notice Linked external library, run by DELEGATECALL on {RoflAppAdmin}'s storage; its events
/// are {IRoflLocks}'s and its errors {IRoflErrors}'s, logged and raised as the contract's own.
/// The locks live in their own ERC-7201 namespace ({LockLayout}), next to {RoflAppStorage}'s. The contract calls a `check`
/// function before every change a lock may forbid; access control and version checks stay in the
/// contract.
/// @dev Nothing here ever clears a lock. The locks of an app that leaves the contract (removed or
/// renounced: then no admin can change it again, and a hand-over is refused while it has locks)
/// stay in storage, unreachable.
library RoflLockLogic {
    /// @dev A metadata key or secret name is not locked.
    uint8 internal constant UNLOCKED = 0;
    /// @dev Locked: no change may set or delete it.
    uint8 internal constant FIXED = 1;
    /// @dev Locked while absent: one change may set it, which makes it {FIXED}.
    uint8 internal constant SET_ONCE = 2;

    /// @dev The locks of one app.
    struct AppLockState {
        /// @dev `FLOOR_*` bits.
        uint8 floors;
        string[] metadataKeys;
        string[] secretNames;
        mapping(bytes32 keyHash => uint8) metadata;
        mapping(bytes32 nameHash => uint8) secrets;
    }

    /// @custom:storage-location erc7201:roflgov.storage.RoflLocks
    struct LockLayout {
        mapping(bytes21 appId => AppLockState) apps;
    }

    /// @dev keccak256(abi.encode(uint256(keccak256("roflgov.storage.RoflLocks")) - 1)) & ~bytes32(uint256(0xff))
    bytes32 internal constant LOCK_LAYOUT_SLOT = 0x2796c08529f0a828aa1ac9c0b1944cf026b47e1f5e2b946df7087f748f407f00;

    // -------------------------------------------------------------------------------------------
    // Locking
    // -------------------------------------------------------------------------------------------

    /// @notice Locks a metadata key (fixed if present, set-once if absent). Emits `MetadataKeyLocked`.
    /// @dev The key passes the checks `setMetadata` makes, so that a set-once key can be set.
    function lockMetadata(RoflAppStorage.Layout storage l, bytes21 appId, string calldata key) external {
        RoflPolicyValidation.validateEntry(bytes(key).length, 0);
        // The key as value too: the value rules (UTF-8) are a subset of the key rules.
        RoflPolicyValidation.validateMetadataText(key, key, 0);
        AppLockState storage locks_ = _locks(appId);
        bytes32 keyHash = keccak256(bytes(key));
        if (locks_.metadata[keyHash] != UNLOCKED) revert IRoflErrors.MetadataKeyAlreadyLocked(appId, key);
        RoflPolicyValidation.validateEntryCount(locks_.metadataKeys.length + 1);
        bool present = l.metadataPosition[appId][keyHash] != 0;
        locks_.metadata[keyHash] = present ? FIXED : SET_ONCE;
        locks_.metadataKeys.push(key);
        emit IRoflLocks.MetadataKeyLocked(appId, key, present);
    }

    /// @notice Locks a secret (fixed if present, set-once if absent). Emits `SecretNameLocked`.
    function lockSecret(RoflAppStorage.Layout storage l, bytes21 appId, string calldata name) external {
        RoflPolicyValidation.validateEntry(bytes(name).length, 0);
        RoflPolicyValidation.validateSecretName(name, 0);
        AppLockState storage locks_ = _locks(appId);
        bytes32 nameHash = keccak256(bytes(name));
        if (locks_.secrets[nameHash] != UNLOCKED) revert IRoflErrors.SecretAlreadyLocked(appId, name);
        RoflPolicyValidation.validateEntryCount(locks_.secretNames.length + 1);
        bool present = l.secretPosition[appId][nameHash] != 0;
        locks_.secrets[nameHash] = present ? FIXED : SET_ONCE;
        locks_.secretNames.push(name);
        emit IRoflLocks.SecretNameLocked(appId, name, present);
    }

    /// @notice Adds floors (none of them locked yet). Emits `FloorsLocked`.
    function lockFloors(bytes21 appId, uint8 floors) external {
        if (floors == 0 || floors & ~FLOOR_ALL != 0) revert IRoflErrors.InvalidFloors(floors);
        AppLockState storage locks_ = _locks(appId);
        uint8 current = locks_.floors;
        if (current & floors != 0) revert IRoflErrors.FloorAlreadyLocked(appId, current & floors);
        current |= floors;
        locks_.floors = current;
        emit IRoflLocks.FloorsLocked(appId, floors, current);
    }

    // -------------------------------------------------------------------------------------------
    // Checks (called before the change they guard)
    // -------------------------------------------------------------------------------------------

    /// @notice `setMetadata`: refused on a fixed key; a set-once key becomes fixed.
    function checkSetMetadata(bytes21 appId, string calldata key) external {
        mapping(bytes32 => uint8) storage lockOf = _locks(appId).metadata;
        bytes32 keyHash = keccak256(bytes(key));
        uint8 lock = lockOf[keyHash];
        if (lock == FIXED) revert IRoflErrors.MetadataKeyIsLocked(appId, key);
        if (lock == SET_ONCE) lockOf[keyHash] = FIXED;
    }

    /// @notice `deleteMetadata`: refused on any locked key.
    function checkDeleteMetadata(bytes21 appId, string calldata key) external view {
        if (_locks(appId).metadata[keccak256(bytes(key))] != UNLOCKED) {
            revert IRoflErrors.MetadataKeyIsLocked(appId, key);
        }
    }

    /// @notice `setSecret`: refused on a fixed secret; a set-once secret becomes fixed.
    function checkSetSecret(bytes21 appId, string calldata name) external {
        mapping(bytes32 => uint8) storage lockOf = _locks(appId).secrets;
        bytes32 nameHash = keccak256(bytes(name));
        uint8 lock = lockOf[nameHash];
        if (lock == FIXED) revert IRoflErrors.SecretIsLocked(appId, name);
        if (lock == SET_ONCE) lockOf[nameHash] = FIXED;
    }

    /// @notice `deleteSecret`: refused on any locked secret.
    function checkDeleteSecret(bytes21 appId, string calldata name) external view {
        if (_locks(appId).secrets[keccak256(bytes(name))] != UNLOCKED) {
            revert IRoflErrors.SecretIsLocked(appId, name);
        }
    }

    /// @notice `setMaxExpiration`: with the floor locked, the value may only go down.
    function checkMaxExpiration(RoflAppStorage.Layout storage l, bytes21 appId, uint64 maxExpiration) external view {
        if (_locks(appId).floors & FLOOR_MAX_EXPIRATION == 0) return;
        uint64 ceiling = l.apps[appId].policy.maxExpiration;
        if (maxExpiration > ceiling) revert IRoflErrors.MaxExpirationLocked(appId, maxExpiration, ceiling);
    }

    /// @notice `setQuotePolicy`: with the floors locked, the minimum TCB evaluation data number
    /// never goes down (no PCS counts as 0, as the contract stores it) and the accepted TDX modules
    /// only shrink.
    /// @dev TDX modules are accepted when PCS is present, not disabled and TDX is allowed; an empty
    /// list accepts any Intel-signed module; a module with an empty `mrSeam` accepts any
    /// measurement from its `mrSignerSeam` (oasis-core `common/sgx/pcs` `TdxModulePolicy`). A new
    /// module is accepted already when a current one has its signer and its measurement or none.
    function checkQuotePolicy(RoflAppStorage.Layout storage l, bytes21 appId, QuotePolicy calldata quotes)
        external
        view
    {
        uint8 floors = _locks(appId).floors;
        if (floors & (FLOOR_MIN_TCB_EVALUATION_DATA_NUMBER | FLOOR_TDX_MODULES) == 0) return;
        RoflAppStorage.PolicyState storage policy = l.apps[appId].policy;
        bool present = quotes.pcsPresent;
        if (floors & FLOOR_MIN_TCB_EVALUATION_DATA_NUMBER != 0) {
            uint32 floor = policy.minTcbEvaluationDataNumber;
            uint32 given = present ? quotes.pcs.minTcbEvaluationDataNumber : 0;
            if (given < floor) revert IRoflErrors.MinTcbEvaluationDataNumberLocked(appId, given, floor);
        }
        if (floors & FLOOR_TDX_MODULES == 0) return;
        bool newAccepts = present && !quotes.pcs.disabled && quotes.pcs.tdxAllowed;
        if (!newAccepts) return;
        if (!(policy.pcsPresent && !policy.pcsDisabled && policy.tdxAllowed)) {
            revert IRoflErrors.TdxModulesLocked(appId);
        }
        TdxModule[] storage current = policy.allowedTdxModules;
        uint256 currentCount = policy.pcsLists & RoflAppStorage.PCS_TDX_MODULES != 0 ? current.length : 0;
        if (currentCount == 0) return;
        TdxModule[] calldata given_ = quotes.pcs.allowedTdxModules;
        uint256 count = given_.length;
        if (count == 0) revert IRoflErrors.TdxModulesLocked(appId);
        for (uint256 i; i < count; ++i) {
            bytes32 seam = keccak256(given_[i].mrSeam);
            bytes32 signer = keccak256(given_[i].mrSignerSeam);
            bool covered = false;
            for (uint256 j; j < currentCount && !covered; ++j) {
                TdxModule storage known = current[j];
                covered = keccak256(known.mrSignerSeam) == signer
                    && (bytes(known.mrSeam).length == 0 || keccak256(known.mrSeam) == seam);
            }
            if (!covered) revert IRoflErrors.TdxModulesLocked(appId);
        }
    }

    /// @notice `transferRoflAdmin`: refused while the app has any lock.
    function checkTransfer(bytes21 appId) external view {
        AppLockState storage locks_ = _locks(appId);
        if (locks_.floors != 0 || locks_.metadataKeys.length != 0 || locks_.secretNames.length != 0) {
            revert IRoflErrors.AppHasLocks(appId);
        }
    }

    // -------------------------------------------------------------------------------------------
    // Views
    // -------------------------------------------------------------------------------------------

    /// @notice `abi.encode(AppLocks)` of the app, for the contract to return as is.
    function locks(bytes21 appId) external view returns (bytes memory) {
        AppLockState storage locks_ = _locks(appId);
        return abi.encode(AppLocks(locks_.metadataKeys, locks_.secretNames, locks_.floors));
    }

    function _locks(bytes21 appId) private view returns (AppLockState storage) {
        LockLayout storage layout;
        assembly ("memory-safe") {
            layout.slot := LOCK_LAYOUT_SLOT
        }
        return layout.apps[appId];
    }
}
