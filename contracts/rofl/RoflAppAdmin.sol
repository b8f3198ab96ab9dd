// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {Ownable, Ownable2Step} from "@openzeppelin/contracts/access/Ownable2Step.sol";
import {ReentrancyGuard} from "@openzeppelin/contracts/utils/ReentrancyGuard.sol";

import {IRoflAppAdmin} from "../interfaces/IRoflAppAdmin.sol";
import {IRoflReleaseGovernance} from "../interfaces/IRoflReleaseGovernance.sol";
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
import {EnclaveRelease, IdentityInfo, IdentityStatus, ReleaseRecord} from "../types/RoflReleaseTypes.sol";

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
///  - A managed app that is not frozen allows at least one enclave, and a frozen app allows
///    none (both checked before every update is sent), so roflgov cannot lock instances out by
///    accident, and a freeze cannot be undone but by the owner's explicit {unfreeze}.
///  - A managed app always has at least one endorsement.
///  - The owner changes anything. The app's guardian only removes identities ({revokeEnclave},
///    {freeze}), alone and never inside a batch; anyone only removes identities whose grace
///    deadline has passed ({prune}). Both send complete updates like the owner's (plus refunds
///    arriving from the module).
///  - Release records are append-only; an identity keeps the id of the release it was last
///    added with after it is removed, so that instances still running it can be traced.
///  - A grace deadline (`retireAt`) is only ever set on an allowed identity and is cleared when
///    the identity is removed, so it never outlives the allowance it limits.
/// Metadata, secrets and enclaves are kept in storage in insertion order with swap-and-pop
/// removal; the encoder sorts the maps canonically.
contract RoflAppAdmin is IRoflAppAdmin, IRoflReleaseGovernance, Ownable2Step, ReentrancyGuard {
    /// @notice Stake the module takes on `rofl.Create` on Sapphire (100 ROSE).
    uint256 public constant CREATE_STAKE = 100 ether;
    /// @notice Latest grace deadline, counted from the transaction that sets it: a year. Also
    /// catches a deadline given in milliseconds.
    uint64 public constant MAX_GRACE_PERIOD = 365 days;

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
        /// @dev Set only by {freeze}, cleared only by {unfreeze}: frozen iff no identity allowed.
        bool frozen;
        /// @dev Some identity of the app may carry a deadline or a revoked mark (set by the first
        /// grace period, revocation or freeze, never cleared), so removals must clear marks.
        /// Apps that never use them keep the removal cost they had.
        bool identityMarks;
        /// @dev The revoke-only guardian (zero: none). Packed with the flags above in one slot.
        address guardian;
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

    /// @dev roflgov's bookkeeping of one identity of one app, in one slot.
    struct IdentityMeta {
        /// @dev Grace deadline (unix seconds) of an allowed identity; 0 = none.
        uint64 retireAt;
        /// @dev The release the identity was last added with (1-based; 0 = none). Kept after removal.
        uint32 releaseId;
        /// @dev Removed by a revocation or a freeze, and not removed otherwise since.
        bool revoked;
    }

    mapping(bytes21 appId => mapping(bytes32 identityHash => IdentityMeta)) private _identityMeta;
    /// @dev Append-only; release id = index + 1.
    mapping(bytes21 appId => ReleaseRecord[]) private _releases;

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
        _removeEnclave(appId, app, identity.mrEnclave, identity.mrSigner);
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
    // Releases, grace periods, guardian
    // -------------------------------------------------------------------------------------------

    /// @inheritdoc IRoflReleaseGovernance
    /// @dev Identities are added first, then `retire` is applied, so the check on the enclave
    /// count sees the final list and a full policy can still be rotated.
    function addRelease(
        bytes21 appId,
        uint64 expectedVersion,
        EnclaveIdentity[] calldata identities,
        ReleaseRecord calldata record,
        EnclaveIdentity[] calldata retire,
        uint64 graceUntil
    ) external onlyOwner onlyManaged(appId, expectedVersion) returns (uint32 releaseId) {
        if (identities.length == 0) revert EmptyRelease();
        RoflPolicyValidation.validateReleaseRecord(record);
        if (graceUntil != 0) _requireDeadline(graceUntil);

        AppState storage app = _apps[appId];
        releaseId = _storeRelease(appId, record);
        _allowRelease(appId, app, releaseId, identities);
        _retireAll(appId, app, releaseId, retire, graceUntil);
        emit ReleaseAdded(appId, releaseId, identities, record);
        _changed(appId, app);
    }

    /// @inheritdoc IRoflReleaseGovernance
    function setRetirement(bytes21 appId, uint64 expectedVersion, EnclaveIdentity calldata identity, uint64 deadline)
        external
        onlyOwner
        onlyManaged(appId, expectedVersion)
    {
        bytes32 identityHash = _identityHash(identity.mrEnclave, identity.mrSigner);
        if (_enclavePosition[appId][identityHash] == 0) {
            revert EnclaveNotAllowed(appId, identity.mrEnclave, identity.mrSigner);
        }
        if (deadline != 0) {
            _requireDeadline(deadline);
            _apps[appId].identityMarks = true;
        }
        _identityMeta[appId][identityHash].retireAt = deadline;
        emit RetirementScheduled(appId, identity.mrEnclave, identity.mrSigner, deadline);
    }

    /// @inheritdoc IRoflReleaseGovernance
    function setGuardian(bytes21 appId, address guardian) external onlyOwner {
        _requireManaged(appId);
        if (guardian == address(this)) revert InvalidGuardian(guardian);
        AppState storage app = _apps[appId];
        emit GuardianSet(appId, app.guardian, guardian);
        app.guardian = guardian;
    }

    /// @inheritdoc IRoflReleaseGovernance
    function unfreeze(bytes21 appId, uint64 expectedVersion) external onlyOwner onlyManaged(appId, expectedVersion) {
        AppState storage app = _apps[appId];
        if (!app.frozen) revert AppNotFrozen(appId);
        app.frozen = false;
        emit AppUnfrozen(appId);
        _changed(appId, app);
    }

    /// @inheritdoc IRoflReleaseGovernance
    /// @dev Refusing the last identity is left to the update check (`EmptyEnclaveList`), so the
    /// owner may still pass through an empty list inside a batch, as with {removeEnclave}.
    function revokeEnclave(bytes21 appId, uint64 expectedVersion, EnclaveIdentity calldata identity)
        external
        onlyManaged(appId, expectedVersion)
    {
        AppState storage app = _apps[appId];
        _requireOwnerOrGuardian(appId, app);
        bytes32 mrEnclave = identity.mrEnclave;
        bytes32 mrSigner = identity.mrSigner;
        _removeEnclave(appId, app, mrEnclave, mrSigner);
        _identityMeta[appId][_identityHash(mrEnclave, mrSigner)].revoked = true;
        app.identityMarks = true;
        emit EnclaveRevoked(appId, msg.sender, mrEnclave, mrSigner);
        _changed(appId, app);
    }

    /// @inheritdoc IRoflReleaseGovernance
    function freeze(bytes21 appId, uint64 expectedVersion) external onlyManaged(appId, expectedVersion) {
        AppState storage app = _apps[appId];
        _requireOwnerOrGuardian(appId, app);
        if (app.frozen) revert AppIsFrozen(appId);

        mapping(bytes32 => uint256) storage positions = _enclavePosition[appId];
        mapping(bytes32 => IdentityMeta) storage metas = _identityMeta[appId];
        EnclaveIdentity[] storage enclaves = app.policy.enclaves;
        for (uint256 i = enclaves.length; i != 0; --i) {
            bytes32 mrEnclave = enclaves[i - 1].mrEnclave;
            bytes32 mrSigner = enclaves[i - 1].mrSigner;
            bytes32 identityHash = _identityHash(mrEnclave, mrSigner);
            delete positions[identityHash];
            IdentityMeta storage meta = metas[identityHash];
            meta.retireAt = 0;
            meta.revoked = true;
            enclaves.pop();
            emit EnclaveRemoved(appId, mrEnclave, mrSigner);
        }
        app.frozen = true;
        app.identityMarks = true;
        emit AppFrozen(appId, msg.sender);
        _changed(appId, app);
    }

    /// @inheritdoc IRoflReleaseGovernance
    /// @dev Anyone: it only carries out deadlines governance has set. Walks the list from the
    /// end, so swap-and-pop only ever moves identities already looked at.
    function prune(bytes21 appId) external returns (uint256 pruned) {
        _requireManaged(appId);
        AppState storage app = _apps[appId];
        mapping(bytes32 => IdentityMeta) storage metas = _identityMeta[appId];
        EnclaveIdentity[] storage enclaves = app.policy.enclaves;
        for (uint256 i = enclaves.length; i != 0; --i) {
            bytes32 mrEnclave = enclaves[i - 1].mrEnclave;
            bytes32 mrSigner = enclaves[i - 1].mrSigner;
            if (_isExpired(metas[_identityHash(mrEnclave, mrSigner)].retireAt)) {
                _removeEnclave(appId, app, mrEnclave, mrSigner);
                ++pruned;
            }
        }
        if (pruned == 0) revert NothingToPrune(appId);
        emit EnclavesPruned(appId, msg.sender, pruned);
        _changed(appId, app);
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

    /// @inheritdoc IRoflReleaseGovernance
    function guardianOf(bytes21 appId) external view returns (address) {
        return _apps[appId].guardian;
    }

    /// @inheritdoc IRoflReleaseGovernance
    function isFrozen(bytes21 appId) external view returns (bool) {
        return _apps[appId].frozen;
    }

    /// @inheritdoc IRoflReleaseGovernance
    function releases(bytes21 appId) external view returns (ReleaseRecord[] memory) {
        return _releases[appId];
    }

    /// @inheritdoc IRoflReleaseGovernance
    function releaseOf(bytes21 appId, EnclaveIdentity calldata identity)
        external
        view
        returns (uint32 releaseId, ReleaseRecord memory record)
    {
        releaseId = _identityMeta[appId][_identityHash(identity.mrEnclave, identity.mrSigner)].releaseId;
        if (releaseId != 0) record = _releases[appId][releaseId - 1];
    }

    /// @inheritdoc IRoflReleaseGovernance
    function identityInfo(bytes21 appId, EnclaveIdentity calldata identity)
        external
        view
        returns (IdentityInfo memory info)
    {
        bytes32 identityHash = _identityHash(identity.mrEnclave, identity.mrSigner);
        IdentityMeta storage meta = _identityMeta[appId][identityHash];
        info.releaseId = meta.releaseId;
        if (_enclavePosition[appId][identityHash] != 0) {
            info.retireAt = meta.retireAt;
            info.status = info.retireAt != 0 ? IdentityStatus.Retiring : IdentityStatus.Allowed;
        } else if (meta.revoked) {
            info.status = IdentityStatus.Revoked;
        }
    }

    /// @inheritdoc IRoflReleaseGovernance
    function enclaveReleases(bytes21 appId) external view returns (EnclaveRelease[] memory list) {
        _requireManaged(appId);
        EnclaveIdentity[] storage enclaves = _apps[appId].policy.enclaves;
        mapping(bytes32 => IdentityMeta) storage metas = _identityMeta[appId];
        uint256 count = enclaves.length;
        list = new EnclaveRelease[](count);
        for (uint256 i; i < count; ++i) {
            EnclaveIdentity memory identity = enclaves[i];
            IdentityMeta storage meta = metas[_identityHash(identity.mrEnclave, identity.mrSigner)];
            list[i] = EnclaveRelease(identity, meta.releaseId, meta.retireAt);
        }
    }

    /// @inheritdoc IRoflReleaseGovernance
    function expiredEnclaves(bytes21 appId) external view returns (EnclaveIdentity[] memory expired) {
        _requireManaged(appId);
        EnclaveIdentity[] storage enclaves = _apps[appId].policy.enclaves;
        mapping(bytes32 => IdentityMeta) storage metas = _identityMeta[appId];
        uint256 count = enclaves.length;
        expired = new EnclaveIdentity[](count);
        uint256 found;
        for (uint256 i; i < count; ++i) {
            EnclaveIdentity memory identity = enclaves[i];
            if (_isExpired(metas[_identityHash(identity.mrEnclave, identity.mrSigner)].retireAt)) {
                expired[found++] = identity;
            }
        }
        assembly ("memory-safe") {
            mstore(expired, found)
        }
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
        uint256 enclaveCount = app.policy.enclaves.length;
        if (app.frozen) {
            if (enclaveCount != 0) revert AppIsFrozen(appId);
        } else if (enclaveCount == 0) {
            revert EmptyEnclaveList(appId);
        }
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
        mapping(bytes32 => IdentityMeta) storage metas = _identityMeta[appId];
        bool identityMarks = app.identityMarks;
        EnclaveIdentity[] storage enclaves = app.policy.enclaves;
        for (uint256 i = enclaves.length; i != 0; --i) {
            bytes32 identityHash = _identityHash(enclaves[i - 1].mrEnclave, enclaves[i - 1].mrSigner);
            delete enclavePositions[identityHash];
            // A deadline limits an allowance this contract no longer manages.
            if (identityMarks && metas[identityHash].retireAt != 0) metas[identityHash].retireAt = 0;
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
        // Revoked marks outlive the management (history): a re-adoption must still clear them.
        if (identityMarks) _apps[appId].identityMarks = true;

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

    /// @dev Swap-and-pop removal of an allowed identity; clears its deadline and revoked mark
    /// (looked at only on apps that ever set one), keeps its release id.
    function _removeEnclave(bytes21 appId, AppState storage app, bytes32 mrEnclave, bytes32 mrSigner) private {
        mapping(bytes32 => uint256) storage positions = _enclavePosition[appId];
        bytes32 identityHash = _identityHash(mrEnclave, mrSigner);
        uint256 position = positions[identityHash];
        if (position == 0) revert EnclaveNotAllowed(appId, mrEnclave, mrSigner);

        EnclaveIdentity[] storage enclaves = app.policy.enclaves;
        uint256 last = enclaves.length;
        if (position != last) {
            EnclaveIdentity storage moved = enclaves[last - 1];
            enclaves[position - 1] = moved;
            positions[_identityHash(moved.mrEnclave, moved.mrSigner)] = position;
        }
        enclaves.pop();
        delete positions[identityHash];

        if (app.identityMarks) {
            IdentityMeta storage meta = _identityMeta[appId][identityHash];
            if (meta.retireAt != 0 || meta.revoked) {
                meta.retireAt = 0;
                meta.revoked = false;
            }
        }
        emit EnclaveRemoved(appId, mrEnclave, mrSigner);
    }

    /// @dev Allows the identities of a new release and points them at its record.
    function _allowRelease(
        bytes21 appId,
        AppState storage app,
        uint32 releaseId,
        EnclaveIdentity[] calldata identities
    ) private {
        mapping(bytes32 => IdentityMeta) storage metas = _identityMeta[appId];
        uint256 count = identities.length;
        for (uint256 i; i < count; ++i) {
            bytes32 mrEnclave = identities[i].mrEnclave;
            bytes32 mrSigner = identities[i].mrSigner;
            _pushEnclave(appId, app, mrEnclave, mrSigner);
            metas[_identityHash(mrEnclave, mrSigner)].releaseId = releaseId;
            emit EnclaveAdded(appId, mrEnclave, mrSigner);
        }
    }

    /// @dev Applies {addRelease}'s `retire`, then bounds the final list.
    function _retireAll(
        bytes21 appId,
        AppState storage app,
        uint32 releaseId,
        EnclaveIdentity[] calldata retire,
        uint64 graceUntil
    ) private {
        mapping(bytes32 => IdentityMeta) storage metas = _identityMeta[appId];
        uint256 count = retire.length;
        for (uint256 i; i < count; ++i) {
            _retire(appId, app, metas, releaseId, retire[i], graceUntil);
        }
        count = app.policy.enclaves.length;
        if (count > RoflPolicyValidation.MAX_ENCLAVES) {
            revert TooManyEnclaves(count, RoflPolicyValidation.MAX_ENCLAVES);
        }
    }

    /// @dev One entry of {addRelease}'s `retire`: removed now, or given the grace deadline.
    function _retire(
        bytes21 appId,
        AppState storage app,
        mapping(bytes32 => IdentityMeta) storage metas,
        uint32 releaseId,
        EnclaveIdentity calldata identity,
        uint64 graceUntil
    ) private {
        bytes32 mrEnclave = identity.mrEnclave;
        bytes32 mrSigner = identity.mrSigner;
        bytes32 identityHash = _identityHash(mrEnclave, mrSigner);
        // Only the identities this call added carry the new id.
        if (metas[identityHash].releaseId == releaseId) revert RetiringNewIdentity(mrEnclave, mrSigner);
        if (graceUntil == 0) {
            _removeEnclave(appId, app, mrEnclave, mrSigner);
        } else {
            if (_enclavePosition[appId][identityHash] == 0) revert EnclaveNotAllowed(appId, mrEnclave, mrSigner);
            metas[identityHash].retireAt = graceUntil;
            app.identityMarks = true;
            emit RetirementScheduled(appId, mrEnclave, mrSigner, graceUntil);
        }
    }

    /// @dev Appends the record; returns its 1-based id.
    function _storeRelease(bytes21 appId, ReleaseRecord calldata record) private returns (uint32) {
        ReleaseRecord[] storage records = _releases[appId];
        ReleaseRecord storage stored = records.push();
        stored.version = record.version;
        stored.repository = record.repository;
        stored.gitCommit = record.gitCommit;
        stored.bundleHash = record.bundleHash;
        stored.manifestHash = record.manifestHash;
        stored.notes = record.notes;
        return uint32(records.length);
    }

    /// @dev The owner always passes; the guardian passes for its own app, outside any batch (a
    /// batch is the owner's: the guardian could only be inside one by re-entering from it).
    function _requireOwnerOrGuardian(bytes21 appId, AppState storage app) private view {
        if (msg.sender == owner()) return;
        address guardian = app.guardian;
        if (guardian == address(0) || msg.sender != guardian) revert NotOwnerOrGuardian(appId, msg.sender);
        if (_batchOpen) revert GuardianInBatch();
    }

    /// @dev A deadline in (now, now + MAX_GRACE_PERIOD].
    function _requireDeadline(uint64 deadline) private view {
        uint64 latest = uint64(block.timestamp) + MAX_GRACE_PERIOD;
        if (deadline <= block.timestamp || deadline > latest) revert InvalidDeadline(deadline, latest);
    }

    function _isExpired(uint64 retireAt) private view returns (bool) {
        return retireAt != 0 && retireAt <= block.timestamp;
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
