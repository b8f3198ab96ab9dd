// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {IRoflErrors} from "../interfaces/IRoflErrors.sol";
import {IRoflAppAdmin} from "../interfaces/IRoflAppAdmin.sol";
import {IRoflReleaseGovernance} from "../interfaces/IRoflReleaseGovernance.sol";
import {RoflPolicyValidation} from "../libraries/RoflPolicyValidation.sol";
import {RoflAppStorage} from "./RoflAppStorage.sol";
import {EnclaveIdentity} from "../types/RoflTypes.sol";
import {EnclaveRelease, ReleaseRecord} from "../types/RoflReleaseTypes.sol";

/// @title {RoflAppAdmin}'s releases, grace periods, revocations and freezes
/// @notice Linked external library, run by DELEGATECALL on {RoflAppAdmin}'s storage
/// ({RoflAppStorage}); its events are logged by the contract (`msg.sender` is the contract's
/// caller). Access control (owner, guardian), version checks and sending the update stay in the
/// contract: every mutating function here assumes they have passed.
library RoflReleaseLogic {
    /// @notice Latest grace deadline, counted from the transaction that sets it: a year (the
    /// contract's `MAX_GRACE_PERIOD`).
    uint64 internal constant MAX_GRACE_PERIOD = 365 days;

    // -------------------------------------------------------------------------------------------
    // Changes
    // -------------------------------------------------------------------------------------------

    /// @notice Records a release, allows its identities, then applies `retire` (removed now, or
    /// given the grace deadline). Emits `ReleaseAdded`.
    /// @dev Identities are added first, then `retire` is applied, so the check on the enclave
    /// count sees the final list and a full policy can still be rotated.
    function addRelease(
        RoflAppStorage.Layout storage l,
        bytes21 appId,
        EnclaveIdentity[] calldata identities,
        ReleaseRecord calldata record,
        EnclaveIdentity[] calldata retire,
        uint64 graceUntil
    ) external returns (uint32 releaseId) {
        if (identities.length == 0) revert IRoflErrors.EmptyRelease();
        RoflPolicyValidation.validateReleaseRecord(record);
        if (graceUntil != 0) _requireDeadline(graceUntil);

        RoflAppStorage.AppState storage app = l.apps[appId];
        releaseId = _storeRelease(l, appId, record);
        _allowRelease(l, appId, app, releaseId, identities);
        _retireAll(l, appId, app, releaseId, retire, graceUntil);
        emit IRoflReleaseGovernance.ReleaseAdded(appId, releaseId, identities, record);
    }

    /// @notice Sets or clears (zero) the grace deadline of an allowed identity. Emits
    /// `RetirementScheduled`.
    function setRetirement(
        RoflAppStorage.Layout storage l,
        bytes21 appId,
        bytes32 mrEnclave,
        bytes32 mrSigner,
        uint64 deadline
    ) external {
        if (RoflAppStorage.findEnclave(l.apps[appId].policy, mrEnclave, mrSigner) == 0) {
            revert IRoflErrors.EnclaveNotAllowed(appId, mrEnclave, mrSigner);
        }
        bytes32 identityHash = RoflAppStorage.identityHash(mrEnclave, mrSigner);
        if (deadline != 0) {
            _requireDeadline(deadline);
            l.apps[appId].identityMarks = true;
        }
        l.identityMeta[appId][identityHash].retireAt = deadline;
        emit IRoflReleaseGovernance.RetirementScheduled(appId, mrEnclave, mrSigner, deadline);
    }

    /// @notice Removes an allowed identity and marks it revoked. Emits `EnclaveRemoved` and
    /// `EnclaveRevoked` (by `msg.sender`).
    function revokeEnclave(RoflAppStorage.Layout storage l, bytes21 appId, bytes32 mrEnclave, bytes32 mrSigner)
        external
    {
        RoflAppStorage.AppState storage app = l.apps[appId];
        RoflAppStorage.removeEnclave(l, appId, app, mrEnclave, mrSigner);
        l.identityMeta[appId][RoflAppStorage.identityHash(mrEnclave, mrSigner)].revoked = true;
        app.identityMarks = true;
        emit IRoflReleaseGovernance.EnclaveRevoked(appId, msg.sender, mrEnclave, mrSigner);
    }

    /// @notice Removes every identity (each marked revoked) and freezes the app. Emits
    /// `EnclaveRemoved` per identity and `AppFrozen` (by `msg.sender`).
    function freeze(RoflAppStorage.Layout storage l, bytes21 appId) external {
        RoflAppStorage.AppState storage app = l.apps[appId];
        if (app.frozen) revert IRoflErrors.AppIsFrozen(appId);

        mapping(bytes32 => RoflAppStorage.IdentityMeta) storage metas = l.identityMeta[appId];
        RoflAppStorage.PolicyState storage policy = app.policy;
        uint256 signerMask = policy.signerMask;
        for (uint256 i = policy.enclaveCount; i != 0; --i) {
            (bytes32 mrEnclave, bytes32 mrSigner) = RoflAppStorage.enclaveAt(policy, signerMask, i - 1);
            RoflAppStorage.IdentityMeta storage meta = metas[RoflAppStorage.identityHash(mrEnclave, mrSigner)];
            meta.retireAt = 0;
            meta.revoked = true;
            emit IRoflAppAdmin.EnclaveRemoved(appId, mrEnclave, mrSigner);
        }
        policy.enclaveCount = 0;
        policy.signerMask = 0;
        app.frozen = true;
        app.identityMarks = true;
        emit IRoflReleaseGovernance.AppFrozen(appId, msg.sender);
    }

    /// @notice Removes every identity whose grace deadline has passed; reverts if there is none.
    /// Emits `EnclaveRemoved` per identity and `EnclavesPruned` (by `msg.sender`).
    /// @dev Walks the list from the end, so swap-and-pop only ever moves identities already
    /// looked at.
    function prune(RoflAppStorage.Layout storage l, bytes21 appId) external returns (uint256 pruned) {
        RoflAppStorage.AppState storage app = l.apps[appId];
        mapping(bytes32 => RoflAppStorage.IdentityMeta) storage metas = l.identityMeta[appId];
        RoflAppStorage.PolicyState storage policy = app.policy;
        for (uint256 i = policy.enclaveCount; i != 0; --i) {
            // Re-read each time: a removal rewrites the mask.
            (bytes32 mrEnclave, bytes32 mrSigner) = RoflAppStorage.enclaveAt(policy, policy.signerMask, i - 1);
            if (_isExpired(metas[RoflAppStorage.identityHash(mrEnclave, mrSigner)].retireAt)) {
                RoflAppStorage.removeEnclave(l, appId, app, mrEnclave, mrSigner);
                ++pruned;
            }
        }
        if (pruned == 0) revert IRoflErrors.NothingToPrune(appId);
        emit IRoflReleaseGovernance.EnclavesPruned(appId, msg.sender, pruned);
    }

    // -------------------------------------------------------------------------------------------
    // Views: each returns the ABI encoding of the contract function's result, which the
    // contract returns as is
    // -------------------------------------------------------------------------------------------

    /// @notice `abi.encode(uint32 releaseId, ReleaseRecord record)` of an identity.
    function releaseOf(RoflAppStorage.Layout storage l, bytes21 appId, bytes32 mrEnclave, bytes32 mrSigner)
        external
        view
        returns (bytes memory)
    {
        uint32 releaseId = l.identityMeta[appId][RoflAppStorage.identityHash(mrEnclave, mrSigner)].releaseId;
        ReleaseRecord memory record;
        if (releaseId != 0) record = l.releases[appId][releaseId - 1];
        return abi.encode(releaseId, record);
    }

    /// @notice `abi.encode(EnclaveRelease[])`: the allowed identities (storage order) with
    /// their releases and deadlines.
    function enclaveReleases(RoflAppStorage.Layout storage l, bytes21 appId) external view returns (bytes memory) {
        EnclaveIdentity[] memory enclaves = RoflAppStorage.loadEnclaves(l.apps[appId].policy);
        mapping(bytes32 => RoflAppStorage.IdentityMeta) storage metas = l.identityMeta[appId];
        uint256 count = enclaves.length;
        EnclaveRelease[] memory list = new EnclaveRelease[](count);
        for (uint256 i; i < count; ++i) {
            EnclaveIdentity memory identity = enclaves[i];
            RoflAppStorage.IdentityMeta storage meta =
                metas[RoflAppStorage.identityHash(identity.mrEnclave, identity.mrSigner)];
            list[i] = EnclaveRelease(identity, meta.releaseId, meta.retireAt);
        }
        return abi.encode(list);
    }

    /// @notice `abi.encode(EnclaveIdentity[])`: the allowed identities past their deadline.
    function expiredEnclaves(RoflAppStorage.Layout storage l, bytes21 appId) external view returns (bytes memory) {
        EnclaveIdentity[] memory enclaves = RoflAppStorage.loadEnclaves(l.apps[appId].policy);
        mapping(bytes32 => RoflAppStorage.IdentityMeta) storage metas = l.identityMeta[appId];
        uint256 count = enclaves.length;
        EnclaveIdentity[] memory expired = new EnclaveIdentity[](count);
        uint256 found;
        for (uint256 i; i < count; ++i) {
            EnclaveIdentity memory identity = enclaves[i];
            if (_isExpired(metas[RoflAppStorage.identityHash(identity.mrEnclave, identity.mrSigner)].retireAt)) {
                expired[found++] = identity;
            }
        }
        assembly ("memory-safe") {
            mstore(expired, found)
        }
        return abi.encode(expired);
    }

    // -------------------------------------------------------------------------------------------
    // Helpers
    // -------------------------------------------------------------------------------------------

    /// @dev A deadline in (now, now + MAX_GRACE_PERIOD].
    function _requireDeadline(uint64 deadline) private view {
        uint64 latest = uint64(block.timestamp) + MAX_GRACE_PERIOD;
        if (deadline <= block.timestamp || deadline > latest) {
            revert IRoflErrors.InvalidDeadline(deadline, latest);
        }
    }

    function _isExpired(uint64 retireAt) private view returns (bool) {
        return retireAt != 0 && retireAt <= block.timestamp;
    }

    /// @dev Appends the record; returns its 1-based id.
    function _storeRelease(RoflAppStorage.Layout storage l, bytes21 appId, ReleaseRecord calldata record)
        private
        returns (uint32)
    {
        ReleaseRecord[] storage records = l.releases[appId];
        ReleaseRecord storage stored = records.push();
        stored.version = record.version;
        stored.repository = record.repository;
        stored.gitCommit = record.gitCommit;
        stored.bundleHash = record.bundleHash;
        stored.manifestHash = record.manifestHash;
        stored.notes = record.notes;
        return uint32(records.length);
    }

    /// @dev Allows the identities of a new release and points them at its record.
    function _allowRelease(
        RoflAppStorage.Layout storage l,
        bytes21 appId,
        RoflAppStorage.AppState storage app,
        uint32 releaseId,
        EnclaveIdentity[] calldata identities
    ) private {
        mapping(bytes32 => RoflAppStorage.IdentityMeta) storage metas = l.identityMeta[appId];
        uint256 count = identities.length;
        for (uint256 i; i < count; ++i) {
            bytes32 mrEnclave = identities[i].mrEnclave;
            bytes32 mrSigner = identities[i].mrSigner;
            RoflAppStorage.pushEnclave(app.policy, appId, mrEnclave, mrSigner);
            metas[RoflAppStorage.identityHash(mrEnclave, mrSigner)].releaseId = releaseId;
            emit IRoflAppAdmin.EnclaveAdded(appId, mrEnclave, mrSigner);
        }
    }

    /// @dev Applies {addRelease}'s `retire`, then bounds the final list.
    function _retireAll(
        RoflAppStorage.Layout storage l,
        bytes21 appId,
        RoflAppStorage.AppState storage app,
        uint32 releaseId,
        EnclaveIdentity[] calldata retire,
        uint64 graceUntil
    ) private {
        mapping(bytes32 => RoflAppStorage.IdentityMeta) storage metas = l.identityMeta[appId];
        uint256 count = retire.length;
        for (uint256 i; i < count; ++i) {
            _retire(l, appId, app, metas, releaseId, retire[i], graceUntil);
        }
        count = app.policy.enclaveCount;
        if (count > RoflPolicyValidation.MAX_ENCLAVES) {
            revert IRoflErrors.TooManyEnclaves(count, RoflPolicyValidation.MAX_ENCLAVES);
        }
    }

    /// @dev One entry of {addRelease}'s `retire`: removed now, or given the grace deadline.
    function _retire(
        RoflAppStorage.Layout storage l,
        bytes21 appId,
        RoflAppStorage.AppState storage app,
        mapping(bytes32 => RoflAppStorage.IdentityMeta) storage metas,
        uint32 releaseId,
        EnclaveIdentity calldata identity,
        uint64 graceUntil
    ) private {
        bytes32 mrEnclave = identity.mrEnclave;
        bytes32 mrSigner = identity.mrSigner;
        bytes32 identityHash = RoflAppStorage.identityHash(mrEnclave, mrSigner);
        // Only the identities this call added carry the new id.
        if (metas[identityHash].releaseId == releaseId) {
            revert IRoflErrors.RetiringNewIdentity(mrEnclave, mrSigner);
        }
        if (graceUntil == 0) {
            RoflAppStorage.removeEnclave(l, appId, app, mrEnclave, mrSigner);
        } else {
            if (RoflAppStorage.findEnclave(app.policy, mrEnclave, mrSigner) == 0) {
                revert IRoflErrors.EnclaveNotAllowed(appId, mrEnclave, mrSigner);
            }
            metas[identityHash].retireAt = graceUntil;
            app.identityMarks = true;
            emit IRoflReleaseGovernance.RetirementScheduled(appId, mrEnclave, mrSigner, graceUntil);
        }
    }
}
