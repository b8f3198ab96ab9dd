// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {IRoflErrors} from "../interfaces/IRoflErrors.sol";
import {IRoflAppAdmin} from "../interfaces/IRoflAppAdmin.sol";
import {RoflPolicyValidation} from "../libraries/RoflPolicyValidation.sol";
import {RoflAppStorage} from "./RoflAppStorage.sol";
import {
    AppPolicy,
    EndorsementNode,
    MetadataEntry,
    PcsPolicy,
    QuotePolicy,
    SecretEntry,
    TdxModule
} from "../types/RoflTypes.sol";

/// @title {RoflAppAdmin}'s config changes: validation and storage of what governance sends
/// @notice Linked external library, run by DELEGATECALL on {RoflAppAdmin}'s storage
/// ({RoflAppStorage}); its events are logged by the contract. Access control, version checks and
/// sending the update stay in the contract: every function here assumes the caller is the owner
/// and (except {adoptApp} and {storeCreated}) that the app is managed at the expected version.
library RoflConfigLogic {
    // -------------------------------------------------------------------------------------------
    // Whole apps
    // -------------------------------------------------------------------------------------------

    /// @notice Stores the config of an app `rofl.Create` has just created (version 1), and
    /// starts managing it. The caller has validated the config.
    function storeCreated(
        RoflAppStorage.Layout storage l,
        bytes21 appId,
        AppPolicy calldata policy,
        MetadataEntry[] calldata metadata
    ) external {
        RoflAppStorage.AppState storage app = l.apps[appId];
        // The module derives fresh ids, but a stale entry must never be overwritten silently.
        if (app.managed) revert IRoflErrors.AppAlreadyManaged(appId);
        _storePolicy(app, policy);
        _storeMetadata(l, appId, app, metadata);
        app.version = 1;
        _track(l, appId, app);
    }

    /// @notice Validates and stores the config of an existing app, and starts managing it.
    /// Emits `AppAdopted`; the caller sends the first update.
    function adoptApp(
        RoflAppStorage.Layout storage l,
        bytes21 appId,
        AppPolicy calldata policy,
        MetadataEntry[] calldata metadata,
        SecretEntry[] calldata secrets
    ) external {
        RoflAppStorage.AppState storage app = l.apps[appId];
        if (app.managed) revert IRoflErrors.AppAlreadyManaged(appId);
        RoflPolicyValidation.validatePolicy(appId, policy);
        RoflPolicyValidation.validateMetadata(metadata);
        RoflPolicyValidation.validateSecrets(secrets);

        _storePolicy(app, policy);
        _storeMetadata(l, appId, app, metadata);
        uint256 count = secrets.length;
        for (uint256 i; i < count; ++i) {
            _pushSecret(l, appId, app, secrets[i].name, secrets[i].value);
        }
        _track(l, appId, app);
        emit IRoflAppAdmin.AppAdopted(appId);
    }

    // -------------------------------------------------------------------------------------------
    // Policy
    // -------------------------------------------------------------------------------------------

    /// @notice Allows one more identity. Emits `EnclaveAdded`.
    function addEnclave(RoflAppStorage.Layout storage l, bytes21 appId, bytes32 mrEnclave, bytes32 mrSigner) external {
        RoflAppStorage.PolicyState storage policy = l.apps[appId].policy;
        uint256 count = uint256(policy.enclaveCount) + 1;
        if (count > RoflPolicyValidation.MAX_ENCLAVES) {
            revert IRoflErrors.TooManyEnclaves(count, RoflPolicyValidation.MAX_ENCLAVES);
        }
        RoflAppStorage.pushEnclave(policy, appId, mrEnclave, mrSigner);
        emit IRoflAppAdmin.EnclaveAdded(appId, mrEnclave, mrSigner);
    }

    /// @notice Removes an allowed identity. Emits `EnclaveRemoved`.
    function removeEnclave(RoflAppStorage.Layout storage l, bytes21 appId, bytes32 mrEnclave, bytes32 mrSigner)
        external
    {
        RoflAppStorage.removeEnclave(l, appId, l.apps[appId], mrEnclave, mrSigner);
    }

    /// @notice Validates and replaces the endorsement list. Emits `EndorsementsReplaced`.
    function setEndorsements(RoflAppStorage.Layout storage l, bytes21 appId, EndorsementNode[] calldata endorsements)
        external
    {
        RoflPolicyValidation.validateEndorsements(endorsements);
        RoflAppStorage.storeEndorsements(l.apps[appId].policy, endorsements);
        emit IRoflAppAdmin.EndorsementsReplaced(appId, endorsements);
    }

    /// @notice Validates and replaces the quote policy. Emits `QuotePolicySet`.
    function setQuotePolicy(RoflAppStorage.Layout storage l, bytes21 appId, QuotePolicy calldata quotes) external {
        RoflPolicyValidation.validateQuotes(quotes);
        _storeQuotes(l.apps[appId].policy, quotes);
        emit IRoflAppAdmin.QuotePolicySet(appId, quotes);
    }

    // -------------------------------------------------------------------------------------------
    // Metadata and secrets
    // -------------------------------------------------------------------------------------------

    /// @notice Adds or replaces one metadata pair. Emits `MetadataSet`.
    function setMetadata(RoflAppStorage.Layout storage l, bytes21 appId, string calldata key, string calldata value)
        external
    {
        RoflPolicyValidation.validateEntry(bytes(key).length, bytes(value).length);
        RoflPolicyValidation.validateMetadataText(key, value, 0);
        RoflAppStorage.AppState storage app = l.apps[appId];
        uint256 position = l.metadataPosition[appId][keccak256(bytes(key))];
        if (position == 0) {
            RoflPolicyValidation.validateEntryCount(app.metadata.length + 1);
            _pushMetadata(l, appId, app, key, value);
        } else {
            app.metadata[position - 1].value = value;
        }
        emit IRoflAppAdmin.MetadataSet(appId, key, value);
    }

    /// @notice Deletes one metadata pair. Emits `MetadataDeleted`.
    function deleteMetadata(RoflAppStorage.Layout storage l, bytes21 appId, string calldata key) external {
        mapping(bytes32 => uint256) storage positions = l.metadataPosition[appId];
        bytes32 keyHash = keccak256(bytes(key));
        uint256 position = positions[keyHash];
        if (position == 0) revert IRoflErrors.MetadataKeyNotFound(appId, key);

        MetadataEntry[] storage entries = l.apps[appId].metadata;
        uint256 last = entries.length;
        if (position != last) {
            MetadataEntry storage moved = entries[last - 1];
            entries[position - 1] = moved;
            positions[keccak256(bytes(moved.key))] = position;
        }
        entries.pop();
        delete positions[keyHash];

        emit IRoflAppAdmin.MetadataDeleted(appId, key);
    }

    /// @notice Adds or replaces one secret. Emits `SecretSet` (without the value).
    function setSecret(RoflAppStorage.Layout storage l, bytes21 appId, string calldata name, bytes calldata value)
        external
    {
        RoflPolicyValidation.validateEntry(bytes(name).length, value.length);
        RoflPolicyValidation.validateSecretName(name, 0);
        RoflAppStorage.AppState storage app = l.apps[appId];
        uint256 position = l.secretPosition[appId][keccak256(bytes(name))];
        if (position == 0) {
            RoflPolicyValidation.validateEntryCount(app.secrets.length + 1);
            _pushSecret(l, appId, app, name, value);
        } else {
            app.secrets[position - 1].value = value;
        }
        emit IRoflAppAdmin.SecretSet(appId, name);
    }

    /// @notice Deletes one secret. Emits `SecretDeleted`.
    function deleteSecret(RoflAppStorage.Layout storage l, bytes21 appId, string calldata name) external {
        mapping(bytes32 => uint256) storage positions = l.secretPosition[appId];
        bytes32 nameHash = keccak256(bytes(name));
        uint256 position = positions[nameHash];
        if (position == 0) revert IRoflErrors.SecretNotFound(appId, name);

        SecretEntry[] storage entries = l.apps[appId].secrets;
        uint256 last = entries.length;
        if (position != last) {
            SecretEntry storage moved = entries[last - 1];
            entries[position - 1] = moved;
            positions[keccak256(bytes(moved.name))] = position;
        }
        entries.pop();
        delete positions[nameHash];

        emit IRoflAppAdmin.SecretDeleted(appId, name);
    }

    // -------------------------------------------------------------------------------------------
    // Storage helpers
    // -------------------------------------------------------------------------------------------

    function _track(RoflAppStorage.Layout storage l, bytes21 appId, RoflAppStorage.AppState storage app) private {
        app.managed = true;
        l.appIds.push(appId);
        l.appIdPosition[appId] = l.appIds.length;
    }

    /// @dev The caller has validated the policy (distinct identities, at most 64).
    function _storePolicy(RoflAppStorage.AppState storage app, AppPolicy calldata policy) private {
        RoflAppStorage.PolicyState storage stored = app.policy;
        _storeQuotes(stored, policy.quotes);
        uint256 count = policy.enclaves.length;
        for (uint256 i; i < count; ++i) {
            RoflAppStorage.appendEnclave(stored, policy.enclaves[i].mrEnclave, policy.enclaves[i].mrSigner);
        }
        RoflAppStorage.storeEndorsements(stored, policy.endorsements);
        stored.fees = policy.fees;
        stored.maxExpiration = uint8(policy.maxExpiration);
    }

    /// @dev Replaces the quote policy. PCS fields are kept only when PCS is present, so that what
    /// is stored is exactly what is encoded; lists are cleared only when there were some.
    function _storeQuotes(RoflAppStorage.PolicyState storage stored, QuotePolicy calldata quotes) private {
        uint8 oldLists = stored.pcsLists;
        if (oldLists & RoflAppStorage.PCS_WHITELIST != 0) delete stored.fmspcWhitelist;
        if (oldLists & RoflAppStorage.PCS_BLACKLIST != 0) delete stored.fmspcBlacklist;
        if (oldLists & RoflAppStorage.PCS_TDX_MODULES != 0) delete stored.allowedTdxModules;

        bool present = quotes.pcsPresent;
        PcsPolicy calldata given = quotes.pcs;
        stored.pcsPresent = present;
        stored.pcsDisabled = present && given.disabled;
        stored.tdxAllowed = present && given.tdxAllowed;
        stored.tcbValidityPeriod = present ? given.tcbValidityPeriod : 0;
        stored.minTcbEvaluationDataNumber = present ? given.minTcbEvaluationDataNumber : 0;
        uint8 lists = 0;
        if (present) {
            uint256 count = given.fmspcWhitelist.length;
            if (count != 0) lists |= RoflAppStorage.PCS_WHITELIST;
            for (uint256 i; i < count; ++i) {
                stored.fmspcWhitelist.push(given.fmspcWhitelist[i]);
            }
            count = given.fmspcBlacklist.length;
            if (count != 0) lists |= RoflAppStorage.PCS_BLACKLIST;
            for (uint256 i; i < count; ++i) {
                stored.fmspcBlacklist.push(given.fmspcBlacklist[i]);
            }
            count = given.allowedTdxModules.length;
            if (count != 0) lists |= RoflAppStorage.PCS_TDX_MODULES;
            for (uint256 i; i < count; ++i) {
                TdxModule storage module = stored.allowedTdxModules.push();
                module.mrSeam = given.allowedTdxModules[i].mrSeam;
                module.mrSignerSeam = given.allowedTdxModules[i].mrSignerSeam;
            }
        }
        stored.pcsLists = lists;
    }

    function _storeMetadata(
        RoflAppStorage.Layout storage l,
        bytes21 appId,
        RoflAppStorage.AppState storage app,
        MetadataEntry[] calldata metadata
    ) private {
        uint256 count = metadata.length;
        for (uint256 i; i < count; ++i) {
            _pushMetadata(l, appId, app, metadata[i].key, metadata[i].value);
        }
    }

    /// @dev The caller has checked the key is new.
    function _pushMetadata(
        RoflAppStorage.Layout storage l,
        bytes21 appId,
        RoflAppStorage.AppState storage app,
        string calldata key,
        string calldata value
    ) private {
        MetadataEntry storage entry = app.metadata.push();
        entry.key = key;
        entry.value = value;
        l.metadataPosition[appId][keccak256(bytes(key))] = app.metadata.length;
    }

    /// @dev The caller has checked the name is new.
    function _pushSecret(
        RoflAppStorage.Layout storage l,
        bytes21 appId,
        RoflAppStorage.AppState storage app,
        string calldata name,
        bytes calldata value
    ) private {
        SecretEntry storage entry = app.secrets.push();
        entry.name = name;
        entry.value = value;
        l.secretPosition[appId][keccak256(bytes(name))] = app.secrets.length;
    }
}
