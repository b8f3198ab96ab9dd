// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {Ownable, Ownable2Step} from "@openzeppelin/contracts/access/Ownable2Step.sol";
import {ReentrancyGuard} from "@openzeppelin/contracts/utils/ReentrancyGuard.sol";

import {IRoflAppAdmin} from "../interfaces/IRoflAppAdmin.sol";
import {OasisIds} from "../libraries/OasisIds.sol";
import {RoflCbor} from "../libraries/RoflCbor.sol";
import {RoflPolicyValidation} from "../libraries/RoflPolicyValidation.sol";
import {RoflSubcall} from "./RoflSubcall.sol";
import {
    AppConfig,
    AppPolicy,
    EnclaveIdentity,
    EndorsementNode,
    FeePolicy,
    MetadataEntry,
    PcsPolicy,
    QuotePolicy,
    SecretEntry,
    TdxModule
} from "../types/RoflTypes.sol";

/// @title roflgov app policy contract
/// @notice Becomes the ROFL admin of the apps it manages and holds each app's complete
/// configuration as structured state. Every change is validated and then sent as one complete
/// `rofl.Update` carrying this contract as `admin`, so an update through roflgov can never drop
/// the admin, the metadata or the secrets by omission. Several changes inside one {multicall}
/// (one governance proposal) give a single `rofl.Update` per app touched.
/// @dev Invariants:
///  - A managed app's module config equals what {encodeUpdate} returns after every transaction:
///    each change marks the app, and the mark is flushed (one `rofl.Update`) before the
///    transaction ends.
///  - Only {renounceRoflAdmin} ever sends an update without admin; {transferRoflAdmin} sends a
///    non-zero admin; every other update sends {roflAdminAddress}. Both end the management.
///  - `version` never decreases while an app is managed, and grows by exactly one per update.
///  - A managed app always allows at least one enclave and has at least one endorsement (checked
///    before every update is sent), so roflgov cannot lock instances out by accident.
///  - Nothing but the owner changes state (plus refunds arriving from the module).
/// Metadata, secrets and enclaves are kept in storage in insertion order with swap-and-pop
/// removal; the encoder sorts the maps canonically.
contract RoflAppAdmin is IRoflAppAdmin, Ownable2Step, ReentrancyGuard {
    /// @notice Stake the module takes on `rofl.Create` on Sapphire (100 ROSE).
    uint256 public constant CREATE_STAKE = 100 ether;

    /// @notice `multicall` cannot be nested: the outer call owns the batch and its flush.
    error NestedMulticall();
    /// @notice Handing the admin to this contract itself would orphan the app.
    error TransferToSelf();
    /// @notice Renouncing ownership would strand every managed app: there is no way back.
    error OwnershipRenounceDisabled();
    /// @notice Plain transfers are only accepted from the ROFL module (stake refunds).
    error UnexpectedTransfer(address from);

    /// @dev Everything the contract holds about one app.
    struct AppState {
        uint64 version;
        bool managed;
        /// @dev Changed inside the open batch and not flushed yet.
        bool dirty;
        AppPolicy policy;
        MetadataEntry[] metadata;
        SecretEntry[] secrets;
    }

    /// @dev The Oasis address the module sees for this contract.
    bytes21 private immutable _roflAdmin;

    mapping(bytes21 appId => AppState) private _apps;
    /// @dev 1-based positions, so that zero means absent.
    mapping(bytes21 appId => mapping(bytes32 identityHash => uint256)) private _enclavePosition;
    mapping(bytes21 appId => mapping(bytes32 keyHash => uint256)) private _metadataPosition;
    mapping(bytes21 appId => mapping(bytes32 nameHash => uint256)) private _secretPosition;

    bytes21[] private _appIds;
    mapping(bytes21 appId => uint256) private _appIdPosition;

    /// @dev A {multicall} is running: changes are marked dirty instead of sent. Storage, not
    /// transient storage: Sapphire runs Shanghai.
    bool private _batchOpen;
    /// @dev Apps marked dirty in the open batch, in first-touch order.
    bytes21[] private _dirtyApps;

    modifier onlyManaged(bytes21 appId, uint64 expectedVersion) {
        _requireManaged(appId);
        _requireVersion(appId, expectedVersion);
        _;
    }

    /// @param initialOwner The governance account (a Safe or a Timelock).
    constructor(address initialOwner) Ownable(initialOwner) {
        _roflAdmin = OasisIds.fromEth(address(this));
    }

    /// @notice Accepts the stake the ROFL module refunds on `rofl.Remove`.
    receive() external payable {
        if (msg.sender != RoflSubcall.PRECOMPILE) revert UnexpectedTransfer(msg.sender);
    }

    // -------------------------------------------------------------------------------------------
    // App lifecycle
    // -------------------------------------------------------------------------------------------

    /// @inheritdoc IRoflAppAdmin
    /// @dev Outside a batch only: a batch cannot carry value.
    function createApp(AppPolicy calldata policy, MetadataEntry[] calldata metadata, uint8 scheme)
        external
        payable
        onlyOwner
        returns (bytes21 appId)
    {
        if (msg.value != CREATE_STAKE) revert WrongStake(msg.value, CREATE_STAKE);
        if (scheme > 1) revert InvalidScheme(scheme);
        RoflPolicyValidation.validatePolicy(bytes21(0), policy);
        RoflPolicyValidation.validateMetadata(metadata);

        bytes memory body = RoflCbor.encodeCreate(policy, scheme, metadata);
        appId = RoflSubcall.decodeAppId(RoflSubcall.execute("rofl.Create", body));
        // The module derives fresh ids, but a stale entry must never be overwritten silently.
        if (_apps[appId].managed) revert AppAlreadyManaged(appId);

        AppState storage app = _apps[appId];
        _storePolicy(appId, app, policy);
        _storeMetadata(appId, app, metadata);
        app.version = 1;
        _track(appId, app);

        emit AppCreated(appId, msg.value);
        emit ConfigUpdated(appId, 1, keccak256(body), body);
    }

    /// @inheritdoc IRoflAppAdmin
    /// @dev The first update (version 1) is sent at once, or at the end of the batch.
    function adoptApp(
        bytes21 appId,
        AppPolicy calldata policy,
        MetadataEntry[] calldata metadata,
        SecretEntry[] calldata secrets
    ) external onlyOwner {
        if (_apps[appId].managed) revert AppAlreadyManaged(appId);
        RoflPolicyValidation.validatePolicy(appId, policy);
        RoflPolicyValidation.validateMetadata(metadata);
        RoflPolicyValidation.validateSecrets(secrets);

        AppState storage app = _apps[appId];
        _storePolicy(appId, app, policy);
        _storeMetadata(appId, app, metadata);
        _storeSecrets(appId, app, secrets);
        _track(appId, app);

        emit AppAdopted(appId);
        _changed(appId, app);
    }

    /// @inheritdoc IRoflAppAdmin
    function removeApp(bytes21 appId, uint64 expectedVersion) external onlyOwner onlyManaged(appId, expectedVersion) {
        _forget(appId);
        RoflSubcall.execute("rofl.Remove", RoflCbor.encodeRemove(appId));
        emit AppRemoved(appId);
    }

    /// @inheritdoc IRoflAppAdmin
    function withdrawStake() external onlyOwner nonReentrant {
        uint256 amount = address(this).balance;
        if (amount == 0) revert NothingToWithdraw();
        address to = owner();
        emit StakeWithdrawn(to, amount);
        (bool success,) = to.call{value: amount}("");
        if (!success) revert WithdrawFailed();
    }

    // -------------------------------------------------------------------------------------------
    // Config changes
    // -------------------------------------------------------------------------------------------

    /// @inheritdoc IRoflAppAdmin
    function addEnclave(bytes21 appId, uint64 expectedVersion, EnclaveIdentity calldata identity)
        external
        onlyOwner
        onlyManaged(appId, expectedVersion)
    {
        AppState storage app = _apps[appId];
        uint256 count = app.policy.enclaves.length + 1;
        if (count > RoflPolicyValidation.MAX_ENCLAVES) {
            revert TooManyEnclaves(count, RoflPolicyValidation.MAX_ENCLAVES);
        }
        _pushEnclave(appId, app, identity.mrEnclave, identity.mrSigner);
        emit EnclaveAdded(appId, identity.mrEnclave, identity.mrSigner);
        _changed(appId, app);
    }

    /// @inheritdoc IRoflAppAdmin
    /// @dev Removing the last identity is refused when the update is sent, so that inside a
    /// batch a release may remove the old identity before adding the new one.
    function removeEnclave(bytes21 appId, uint64 expectedVersion, EnclaveIdentity calldata identity)
        external
        onlyOwner
        onlyManaged(appId, expectedVersion)
    {
        AppState storage app = _apps[appId];
        mapping(bytes32 => uint256) storage positions = _enclavePosition[appId];
        bytes32 identityHash = _identityHash(identity.mrEnclave, identity.mrSigner);
        uint256 position = positions[identityHash];
        if (position == 0) revert EnclaveNotAllowed(appId, identity.mrEnclave, identity.mrSigner);

        EnclaveIdentity[] storage enclaves = app.policy.enclaves;
        uint256 last = enclaves.length;
        if (position != last) {
            EnclaveIdentity storage moved = enclaves[last - 1];
            enclaves[position - 1] = moved;
            positions[_identityHash(moved.mrEnclave, moved.mrSigner)] = position;
        }
        enclaves.pop();
        delete positions[identityHash];

        emit EnclaveRemoved(appId, identity.mrEnclave, identity.mrSigner);
        _changed(appId, app);
    }

    /// @inheritdoc IRoflAppAdmin
    function setEndorsements(bytes21 appId, uint64 expectedVersion, EndorsementNode[] calldata endorsements)
        external
        onlyOwner
        onlyManaged(appId, expectedVersion)
    {
        RoflPolicyValidation.validateEndorsements(endorsements);
        AppState storage app = _apps[appId];
        _storeEndorsements(app.policy, endorsements);
        emit EndorsementsReplaced(appId, endorsements);
        _changed(appId, app);
    }

    /// @inheritdoc IRoflAppAdmin
    function setFees(bytes21 appId, uint64 expectedVersion, FeePolicy fees)
        external
        onlyOwner
        onlyManaged(appId, expectedVersion)
    {
        RoflPolicyValidation.validateFees(fees);
        AppState storage app = _apps[appId];
        app.policy.fees = fees;
        emit FeesSet(appId, fees);
        _changed(appId, app);
    }

    /// @inheritdoc IRoflAppAdmin
    function setMaxExpiration(bytes21 appId, uint64 expectedVersion, uint64 maxExpiration)
        external
        onlyOwner
        onlyManaged(appId, expectedVersion)
    {
        RoflPolicyValidation.validateMaxExpiration(maxExpiration);
        AppState storage app = _apps[appId];
        app.policy.maxExpiration = maxExpiration;
        emit MaxExpirationSet(appId, maxExpiration);
        _changed(appId, app);
    }

    /// @inheritdoc IRoflAppAdmin
    function setQuotePolicy(bytes21 appId, uint64 expectedVersion, QuotePolicy calldata quotes)
        external
        onlyOwner
        onlyManaged(appId, expectedVersion)
    {
        RoflPolicyValidation.validateQuotes(quotes);
        AppState storage app = _apps[appId];
        _storeQuotes(app.policy.quotes, quotes);
        emit QuotePolicySet(appId, quotes);
        _changed(appId, app);
    }

    /// @inheritdoc IRoflAppAdmin
    function setMetadata(bytes21 appId, uint64 expectedVersion, string calldata key, string calldata value)
        external
        onlyOwner
        onlyManaged(appId, expectedVersion)
    {
        RoflPolicyValidation.validateEntry(bytes(key).length, bytes(value).length);
        AppState storage app = _apps[appId];
        uint256 position = _metadataPosition[appId][keccak256(bytes(key))];
        if (position == 0) {
            RoflPolicyValidation.validateEntryCount(app.metadata.length + 1);
            _pushMetadata(appId, app, key, value);
        } else {
            app.metadata[position - 1].value = value;
        }
        emit MetadataSet(appId, key, value);
        _changed(appId, app);
    }

    /// @inheritdoc IRoflAppAdmin
    function deleteMetadata(bytes21 appId, uint64 expectedVersion, string calldata key)
        external
        onlyOwner
        onlyManaged(appId, expectedVersion)
    {
        AppState storage app = _apps[appId];
        mapping(bytes32 => uint256) storage positions = _metadataPosition[appId];
        bytes32 keyHash = keccak256(bytes(key));
        uint256 position = positions[keyHash];
        if (position == 0) revert MetadataKeyNotFound(appId, key);

        MetadataEntry[] storage entries = app.metadata;
        uint256 last = entries.length;
        if (position != last) {
            MetadataEntry storage moved = entries[last - 1];
            entries[position - 1] = moved;
            positions[keccak256(bytes(moved.key))] = position;
        }
        entries.pop();
        delete positions[keyHash];

        emit MetadataDeleted(appId, key);
        _changed(appId, app);
    }

    /// @inheritdoc IRoflAppAdmin
    function setSecret(bytes21 appId, uint64 expectedVersion, string calldata name, bytes calldata value)
        external
        onlyOwner
        onlyManaged(appId, expectedVersion)
    {
        RoflPolicyValidation.validateEntry(bytes(name).length, value.length);
        AppState storage app = _apps[appId];
        uint256 position = _secretPosition[appId][keccak256(bytes(name))];
        if (position == 0) {
            RoflPolicyValidation.validateEntryCount(app.secrets.length + 1);
            _pushSecret(appId, app, name, value);
        } else {
            app.secrets[position - 1].value = value;
        }
        emit SecretSet(appId, name);
        _changed(appId, app);
    }

    /// @inheritdoc IRoflAppAdmin
    function deleteSecret(bytes21 appId, uint64 expectedVersion, string calldata name)
        external
        onlyOwner
        onlyManaged(appId, expectedVersion)
    {
        AppState storage app = _apps[appId];
        mapping(bytes32 => uint256) storage positions = _secretPosition[appId];
        bytes32 nameHash = keccak256(bytes(name));
        uint256 position = positions[nameHash];
        if (position == 0) revert SecretNotFound(appId, name);

        SecretEntry[] storage entries = app.secrets;
        uint256 last = entries.length;
        if (position != last) {
            SecretEntry storage moved = entries[last - 1];
            entries[position - 1] = moved;
            positions[keccak256(bytes(moved.name))] = position;
        }
        entries.pop();
        delete positions[nameHash];

        emit SecretDeleted(appId, name);
        _changed(appId, app);
    }

    /// @inheritdoc IRoflAppAdmin
    /// @dev Sends the complete config (including changes made earlier in the same batch) with
    /// the new admin at once, then forgets the app.
    function transferRoflAdmin(bytes21 appId, uint64 expectedVersion, bytes21 newAdmin)
        external
        onlyOwner
        onlyManaged(appId, expectedVersion)
    {
        if (newAdmin == bytes21(0)) revert ZeroAdmin();
        if (newAdmin == _roflAdmin) revert TransferToSelf();
        _release(appId, newAdmin);
    }

    /// @inheritdoc IRoflAppAdmin
    function renounceRoflAdmin(bytes21 appId, uint64 expectedVersion)
        external
        onlyOwner
        onlyManaged(appId, expectedVersion)
    {
        _release(appId, bytes21(0));
    }

    /// @inheritdoc IRoflAppAdmin
    /// @dev Each call runs as a DELEGATECALL to this contract, so it sees the owner as
    /// `msg.sender` and the same storage; changes only mark apps dirty, and each dirty app gets
    /// one `rofl.Update` at the end. Version checks inside the batch therefore compare with the
    /// version the batch started from.
    function multicall(bytes[] calldata calls) external onlyOwner returns (bytes[] memory results) {
        if (_batchOpen) revert NestedMulticall();
        _batchOpen = true;
        uint256 count = calls.length;
        results = new bytes[](count);
        for (uint256 i; i < count; ++i) {
            (bool success, bytes memory result) = address(this).delegatecall(calls[i]);
            if (!success) {
                assembly ("memory-safe") {
                    revert(add(result, 0x20), mload(result))
                }
            }
            results[i] = result;
        }
        _flush();
        _batchOpen = false;
    }

    /// @notice Disabled: without an owner every managed app would be frozen for good. Hand the
    /// apps over ({transferRoflAdmin}) or transfer ownership instead.
    function renounceOwnership() public view override onlyOwner {
        revert OwnershipRenounceDisabled();
    }

    // -------------------------------------------------------------------------------------------
    // Views
    // -------------------------------------------------------------------------------------------

    /// @inheritdoc IRoflAppAdmin
    function appIds() external view returns (bytes21[] memory) {
        return _appIds;
    }

    /// @inheritdoc IRoflAppAdmin
    function isManaged(bytes21 appId) external view returns (bool) {
        return _apps[appId].managed;
    }

    /// @inheritdoc IRoflAppAdmin
    /// @dev Metadata, secrets and enclaves come in storage order (not canonical order).
    function getApp(bytes21 appId) external view returns (AppConfig memory config) {
        _requireManaged(appId);
        AppState storage app = _apps[appId];
        config.id = appId;
        config.policy = app.policy;
        config.admin = _roflAdmin;
        config.metadata = app.metadata;
        config.secrets = app.secrets;
        config.version = app.version;
    }

    /// @inheritdoc IRoflAppAdmin
    function version(bytes21 appId) external view returns (uint64) {
        _requireManaged(appId);
        return _apps[appId].version;
    }

    /// @inheritdoc IRoflAppAdmin
    function encodeUpdate(bytes21 appId) external view returns (bytes memory) {
        _requireManaged(appId);
        return _encodeUpdate(appId, _roflAdmin);
    }

    /// @inheritdoc IRoflAppAdmin
    function roflAdminAddress() external view returns (bytes21) {
        return _roflAdmin;
    }

    // -------------------------------------------------------------------------------------------
    // Sending updates
    // -------------------------------------------------------------------------------------------

    /// @dev Sends the update now, or marks the app for the end of the open batch.
    function _changed(bytes21 appId, AppState storage app) private {
        if (!_batchOpen) {
            _sendUpdate(appId, app, _roflAdmin);
        } else if (!app.dirty) {
            app.dirty = true;
            _dirtyApps.push(appId);
        }
    }

    /// @dev One update per app still managed and dirty. An app released or removed inside the
    /// batch lost its mark with its state; one re-adopted after that may be listed twice, and
    /// the cleared mark makes the second entry a no-op.
    function _flush() private {
        uint256 count = _dirtyApps.length;
        for (uint256 i; i < count; ++i) {
            bytes21 appId = _dirtyApps[i];
            AppState storage app = _apps[appId];
            if (app.dirty) {
                app.dirty = false;
                _sendUpdate(appId, app, _roflAdmin);
            }
        }
        delete _dirtyApps;
    }

    /// @dev Final lock-out checks, version bump, subcall and audit event. The checks live here
    /// (not in each setter) because a batch may pass through an empty list on its way.
    function _sendUpdate(bytes21 appId, AppState storage app, bytes21 admin) private {
        if (app.policy.enclaves.length == 0) revert EmptyEnclaveList(appId);
        bytes memory body = _encodeUpdate(appId, admin);
        uint64 newVersion = app.version + 1;
        app.version = newVersion;
        RoflSubcall.execute("rofl.Update", body);
        emit ConfigUpdated(appId, newVersion, keccak256(body), body);
    }

    /// @dev Sends the last update, with `admin` other than this contract, and forgets the app.
    function _release(bytes21 appId, bytes21 admin) private {
        AppState storage app = _apps[appId];
        if (app.policy.enclaves.length == 0) revert EmptyEnclaveList(appId);
        bytes memory body = _encodeUpdate(appId, admin);
        uint64 newVersion = app.version + 1;
        _forget(appId);
        RoflSubcall.execute("rofl.Update", body);
        emit ConfigUpdated(appId, newVersion, keccak256(body), body);
        emit RoflAdminTransferred(appId, admin);
    }

    function _encodeUpdate(bytes21 appId, bytes21 admin) private view returns (bytes memory) {
        AppState storage app = _apps[appId];
        return RoflCbor.encodeUpdate(appId, app.policy, admin, app.metadata, app.secrets);
    }

    // -------------------------------------------------------------------------------------------
    // Storage
    // -------------------------------------------------------------------------------------------

    function _requireManaged(bytes21 appId) private view {
        if (!_apps[appId].managed) revert UnknownApp(appId);
    }

    function _requireVersion(bytes21 appId, uint64 expectedVersion) private view {
        uint64 current = _apps[appId].version;
        if (expectedVersion != 0 && expectedVersion != current) revert StaleVersion(appId, expectedVersion, current);
    }

    function _track(bytes21 appId, AppState storage app) private {
        app.managed = true;
        _appIds.push(appId);
        _appIdPosition[appId] = _appIds.length;
    }

    /// @dev Deletes everything held about the app, position indexes included, so that a later
    /// adoption starts clean.
    function _forget(bytes21 appId) private {
        AppState storage app = _apps[appId];

        mapping(bytes32 => uint256) storage enclavePositions = _enclavePosition[appId];
        EnclaveIdentity[] storage enclaves = app.policy.enclaves;
        for (uint256 i = enclaves.length; i != 0; --i) {
            delete enclavePositions[_identityHash(enclaves[i - 1].mrEnclave, enclaves[i - 1].mrSigner)];
        }
        mapping(bytes32 => uint256) storage metadataPositions = _metadataPosition[appId];
        MetadataEntry[] storage metadata = app.metadata;
        for (uint256 i = metadata.length; i != 0; --i) {
            delete metadataPositions[keccak256(bytes(metadata[i - 1].key))];
        }
        mapping(bytes32 => uint256) storage secretPositions = _secretPosition[appId];
        SecretEntry[] storage secrets = app.secrets;
        for (uint256 i = secrets.length; i != 0; --i) {
            delete secretPositions[keccak256(bytes(secrets[i - 1].name))];
        }
        delete _apps[appId];

        uint256 position = _appIdPosition[appId];
        uint256 last = _appIds.length;
        if (position != last) {
            bytes21 moved = _appIds[last - 1];
            _appIds[position - 1] = moved;
            _appIdPosition[moved] = position;
        }
        _appIds.pop();
        delete _appIdPosition[appId];
    }

    function _storePolicy(bytes21 appId, AppState storage app, AppPolicy calldata policy) private {
        AppPolicy storage stored = app.policy;
        _storeQuotes(stored.quotes, policy.quotes);
        uint256 count = policy.enclaves.length;
        for (uint256 i; i < count; ++i) {
            _pushEnclave(appId, app, policy.enclaves[i].mrEnclave, policy.enclaves[i].mrSigner);
        }
        _storeEndorsements(stored, policy.endorsements);
        stored.fees = policy.fees;
        stored.maxExpiration = policy.maxExpiration;
    }

    /// @dev Replaces the quote policy. PCS fields are kept only when PCS is present, so that what
    /// is stored is exactly what is encoded.
    function _storeQuotes(QuotePolicy storage stored, QuotePolicy calldata quotes) private {
        delete stored.pcs;
        stored.pcsPresent = quotes.pcsPresent;
        if (!quotes.pcsPresent) return;

        PcsPolicy storage pcs = stored.pcs;
        PcsPolicy calldata given = quotes.pcs;
        pcs.disabled = given.disabled;
        pcs.tcbValidityPeriod = given.tcbValidityPeriod;
        pcs.minTcbEvaluationDataNumber = given.minTcbEvaluationDataNumber;
        pcs.tdxAllowed = given.tdxAllowed;
        uint256 count = given.fmspcWhitelist.length;
        for (uint256 i; i < count; ++i) {
            pcs.fmspcWhitelist.push(given.fmspcWhitelist[i]);
        }
        count = given.fmspcBlacklist.length;
        for (uint256 i; i < count; ++i) {
            pcs.fmspcBlacklist.push(given.fmspcBlacklist[i]);
        }
        count = given.allowedTdxModules.length;
        for (uint256 i; i < count; ++i) {
            TdxModule storage module = pcs.allowedTdxModules.push();
            module.mrSeam = given.allowedTdxModules[i].mrSeam;
            module.mrSignerSeam = given.allowedTdxModules[i].mrSignerSeam;
        }
    }

    function _storeEndorsements(AppPolicy storage policy, EndorsementNode[] calldata endorsements) private {
        delete policy.endorsements;
        uint256 count = endorsements.length;
        for (uint256 i; i < count; ++i) {
            EndorsementNode storage node = policy.endorsements.push();
            node.kind = endorsements[i].kind;
            node.value = endorsements[i].value;
            node.children = endorsements[i].children;
        }
    }

    function _pushEnclave(bytes21 appId, AppState storage app, bytes32 mrEnclave, bytes32 mrSigner) private {
        mapping(bytes32 => uint256) storage positions = _enclavePosition[appId];
        bytes32 identityHash = _identityHash(mrEnclave, mrSigner);
        if (positions[identityHash] != 0) revert EnclaveAlreadyAllowed(appId, mrEnclave, mrSigner);
        app.policy.enclaves.push(EnclaveIdentity(mrEnclave, mrSigner));
        positions[identityHash] = app.policy.enclaves.length;
    }

    function _storeMetadata(bytes21 appId, AppState storage app, MetadataEntry[] calldata metadata) private {
        uint256 count = metadata.length;
        for (uint256 i; i < count; ++i) {
            _pushMetadata(appId, app, metadata[i].key, metadata[i].value);
        }
    }

    function _storeSecrets(bytes21 appId, AppState storage app, SecretEntry[] calldata secrets) private {
        uint256 count = secrets.length;
        for (uint256 i; i < count; ++i) {
            _pushSecret(appId, app, secrets[i].name, secrets[i].value);
        }
    }

    /// @dev The caller has checked the key is new.
    function _pushMetadata(bytes21 appId, AppState storage app, string calldata key, string calldata value) private {
        MetadataEntry storage entry = app.metadata.push();
        entry.key = key;
        entry.value = value;
        _metadataPosition[appId][keccak256(bytes(key))] = app.metadata.length;
    }

    /// @dev The caller has checked the name is new.
    function _pushSecret(bytes21 appId, AppState storage app, string calldata name, bytes calldata value) private {
        SecretEntry storage entry = app.secrets.push();
        entry.name = name;
        entry.value = value;
        _secretPosition[appId][keccak256(bytes(name))] = app.secrets.length;
    }

    function _identityHash(bytes32 mrEnclave, bytes32 mrSigner) private pure returns (bytes32 hash) {
        assembly ("memory-safe") {
            mstore(0x00, mrEnclave)
            mstore(0x20, mrSigner)
            hash := keccak256(0x00, 0x40)
        }
    }
}
