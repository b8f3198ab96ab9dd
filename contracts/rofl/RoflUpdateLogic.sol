// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {IRoflErrors} from "../interfaces/IRoflErrors.sol";
import {IRoflAppAdmin} from "../interfaces/IRoflAppAdmin.sol";
import {RoflCbor} from "../libraries/RoflCbor.sol";
import {RoflPolicyValidation} from "../libraries/RoflPolicyValidation.sol";
import {RoflAppStorage} from "./RoflAppStorage.sol";
import {RoflSubcall} from "./RoflSubcall.sol";
import {AppConfig, AppPolicy, EnclaveIdentity, MetadataEntry, SecretEntry} from "../types/RoflTypes.sol";

/// @title {RoflAppAdmin}'s module calls: CBOR bodies built from storage, sent through the precompile
/// @notice Linked external library, run by DELEGATECALL on {RoflAppAdmin}'s storage
/// ({RoflAppStorage}); its events are logged by the contract, and its subcalls are plain CALLs
/// from the contract's own context, so the module sees the contract as the caller. Access
/// control and the batch bookkeeping stay in the contract.
library RoflUpdateLogic {
    /// @notice Validates a new app's config and returns its `rofl.Create` body.
    function createBody(AppPolicy calldata policy, MetadataEntry[] calldata metadata, uint8 scheme)
        external
        pure
        returns (bytes memory)
    {
        if (scheme > 1) revert IRoflErrors.InvalidScheme(scheme);
        RoflPolicyValidation.validatePolicy(bytes21(0), policy);
        RoflPolicyValidation.validateMetadata(metadata);
        return RoflCbor.encodeCreate(policy, scheme, metadata);
    }

    /// @notice Final lock-out checks, version bump, `rofl.Update` with `admin`, and the
    /// `ConfigUpdated` audit event. The checks live here (not in each setter) because a batch
    /// may pass through an empty list on its way.
    function sendUpdate(RoflAppStorage.Layout storage l, bytes21 appId, bytes21 admin) external {
        RoflAppStorage.AppState storage app = l.apps[appId];
        uint256 enclaveCount = app.policy.enclaveCount;
        if (app.frozen) {
            if (enclaveCount != 0) revert IRoflErrors.AppIsFrozen(appId);
        } else if (enclaveCount == 0) {
            revert IRoflErrors.EmptyEnclaveList(appId);
        }
        bytes memory body = _encodeUpdate(app, appId, admin);
        uint64 newVersion = app.version + 1;
        app.version = newVersion;
        RoflSubcall.execute("rofl.Update", body);
        emit IRoflAppAdmin.ConfigUpdated(appId, newVersion, keccak256(body), body);
    }

    /// @notice Sends the last update, with `admin` other than the contract (zero: none), and
    /// forgets the app. Emits `ConfigUpdated` and `RoflAdminTransferred`.
    function release(RoflAppStorage.Layout storage l, bytes21 appId, bytes21 admin) external {
        RoflAppStorage.AppState storage app = l.apps[appId];
        if (app.policy.enclaveCount == 0) revert IRoflErrors.EmptyEnclaveList(appId);
        bytes memory body = _encodeUpdate(app, appId, admin);
        uint64 newVersion = app.version + 1;
        _forget(l, appId);
        RoflSubcall.execute("rofl.Update", body);
        emit IRoflAppAdmin.ConfigUpdated(appId, newVersion, keccak256(body), body);
        emit IRoflAppAdmin.RoflAdminTransferred(appId, admin);
    }

    /// @notice Forgets the app, then sends `rofl.Remove` (the module refunds the stake).
    /// Emits `AppRemoved`.
    function removeApp(RoflAppStorage.Layout storage l, bytes21 appId) external {
        _forget(l, appId);
        RoflSubcall.execute("rofl.Remove", RoflCbor.encodeRemove(appId));
        emit IRoflAppAdmin.AppRemoved(appId);
    }

    /// @notice The `rofl.Update` body of the app's current config with `admin`.
    function encodeUpdate(RoflAppStorage.Layout storage l, bytes21 appId, bytes21 admin)
        external
        view
        returns (bytes memory)
    {
        return _encodeUpdate(l.apps[appId], appId, admin);
    }

    /// @notice `abi.encode(AppConfig)` of the app (storage order), for the contract to return
    /// as is.
    function appConfig(RoflAppStorage.Layout storage l, bytes21 appId, bytes21 admin)
        external
        view
        returns (bytes memory)
    {
        RoflAppStorage.AppState storage app = l.apps[appId];
        return abi.encode(
            AppConfig({
                id: appId,
                policy: RoflAppStorage.loadPolicy(app.policy),
                admin: admin,
                metadata: RoflAppStorage.loadMetadata(app.metadata),
                secrets: RoflAppStorage.loadSecrets(app.secrets),
                version: app.version
            })
        );
    }

    function _encodeUpdate(RoflAppStorage.AppState storage app, bytes21 appId, bytes21 admin)
        private
        view
        returns (bytes memory)
    {
        return RoflCbor.encodeUpdate(
            appId,
            RoflAppStorage.loadPolicy(app.policy),
            admin,
            RoflAppStorage.loadMetadata(app.metadata),
            RoflAppStorage.loadSecrets(app.secrets)
        );
    }

    /// @dev Deletes everything held about the app, position indexes included, so that a later
    /// adoption starts clean. Identity slots past the (zeroed) count are left as they are.
    function _forget(RoflAppStorage.Layout storage l, bytes21 appId) private {
        RoflAppStorage.AppState storage app = l.apps[appId];

        bool identityMarks = app.identityMarks;
        if (identityMarks) {
            // A deadline limits an allowance this contract no longer manages.
            mapping(bytes32 => RoflAppStorage.IdentityMeta) storage metas = l.identityMeta[appId];
            RoflAppStorage.PolicyState storage policy = app.policy;
            uint256 signerMask = policy.signerMask;
            for (uint256 i = policy.enclaveCount; i != 0; --i) {
                (bytes32 mrEnclave, bytes32 mrSigner) = RoflAppStorage.enclaveAt(policy, signerMask, i - 1);
                RoflAppStorage.IdentityMeta storage meta = metas[RoflAppStorage.identityHash(mrEnclave, mrSigner)];
                if (meta.retireAt != 0) meta.retireAt = 0;
            }
        }
        mapping(bytes32 => uint256) storage metadataPositions = l.metadataPosition[appId];
        MetadataEntry[] storage metadata = app.metadata;
        for (uint256 i = metadata.length; i != 0; --i) {
            delete metadataPositions[keccak256(bytes(metadata[i - 1].key))];
        }
        mapping(bytes32 => uint256) storage secretPositions = l.secretPosition[appId];
        SecretEntry[] storage secrets = app.secrets;
        for (uint256 i = secrets.length; i != 0; --i) {
            delete secretPositions[keccak256(bytes(secrets[i - 1].name))];
        }
        delete l.apps[appId];
        // Revoked marks outlive the management (history): a re-adoption must still clear them.
        if (identityMarks) l.apps[appId].identityMarks = true;

        bytes21[] storage ids = l.appIds;
        uint256 position = l.appIdPosition[appId];
        uint256 last = ids.length;
        if (position != last) {
            bytes21 moved = ids[last - 1];
            ids[position - 1] = moved;
            l.appIdPosition[moved] = position;
        }
        ids.pop();
        delete l.appIdPosition[appId];
    }
}
