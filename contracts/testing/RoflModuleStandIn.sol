// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {CborReader} from "./CborReader.sol";
import {OasisIds} from "../libraries/OasisIds.sol";
import {RoflMarketStandIn} from "./RoflMarketStandIn.sol";
import {EnclaveIdentity, MetadataEntry, SecretEntry} from "../types/RoflTypes.sol";

/// @title LOCAL STAND-IN for the Sapphire `rofl` module, never deploy on Sapphire
/// @notice Answers `rofl.*` subcalls on local chains (forge, anvil) where the Sapphire subcall
/// precompile does not exist. It is placed at `0x0100000000000000000000000000000000000103` with
/// `vm.etch` / `anvil_setCode`, so no constructor ever runs: it has constants only and starts
/// with empty storage.
///
/// Interface as on Sapphire: input `abi.encode(bytes method, bytes cborBody)`, output
/// `abi.encode(uint64 status, bytes data)` (status 0 and the CBOR result, or the module error
/// code and the module name). Error codes are the real ones (oasis-sdk `modules/rofl/error.rs`,
/// `modules/accounts`, `modules/core`). DELEGATECALL reverts, as on Sapphire.
///
/// Deviations from the real module, all deliberate:
/// - STRICTER decoding: a body must be canonical CBOR holding exactly the fields the real
///   encoder writes (Update always has `admin`, `ias` is null, `disabled` only when true, FMSPC
///   lists only when non-empty, ...). Anything else reverts with an error naming the offset and
///   the problem. The real module reverts only on undecodable CBOR and fills missing fields
///   with defaults; here a missing field is an encoder bug to be caught.
/// - STAKE LEDGER: Sapphire debits 100 ROSE from the caller's account on Create and credits it
///   back to the admin on Remove. A contract cannot move another account's EVM balance, so the
///   stand-in only requires `msg.sender.balance >= 100 ROSE` (else accounts error 2) and
///   records the stake per app (`appStake`) and the refunds per admin (`refundedStake`,
///   event `StakeRefunded`). Balances never change.
/// - Ids: derived as the module derives them for the calling account (oasis-sdk
///   `modules/rofl/mod.rs` `tx_create`, `modules/rofl/app_id.rs`), see {_nextAppId}. Scheme 0
///   is (creator, round = `block.number`, index 0): every call through the subcall precompile
///   has tx index 0, so one creator gets one scheme-0 app per block and a second create in the
///   same block collides (code 10). Scheme 1 is (creator, the creator's account nonce): for a
///   contract caller the stand-in reads the EVM nonce off the chain itself ({contractNonce});
///   only for a caller without code (an EOA, or a contract still in its constructor), whose
///   nonce the EVM cannot read, it keeps a per-creator counter (1, 2, ...) instead.
/// - Instances are simulated: `registerInstance` (anyone may call) stands for an attested
///   `rofl.Register`; there is no quote, endorsement or RAK check, but the enclave identity is
///   checked against the policy in force and the expiration against `max_expiration`, as the
///   module does on every (re)registration. Epochs: `currentEpoch() = block.timestamp /
///   EPOCH_SECONDS` with EPOCH_SECONDS = 600 (a Sapphire epoch lasts about an hour; 600 s keeps
///   tests short: move anvil's clock with `evm_increaseTime` + a mined block, e.g.
///   `LocalChain::advance_epochs`, or `vm.warp` in forge).
/// - Registrations live as the module keeps them (oasis-sdk `modules/rofl/state.rs`): keyed by
///   instance, holding the app, the identity and the expiration epoch; `rofl.IsAuthorizedOrigin`
///   and `rofl.OriginApp` check only that the signer (`tx.origin`) holds an unexpired
///   registration for the app (`mod.rs` `is_authorized_origin` / `get_origin_registration`).
///   `rofl.Update` and `rofl.Remove` evict nobody: an instance whose identity a release removed
///   keeps its rights until its registration expires; it only cannot renew. A registration with
///   expiration E is gone from epoch E on (the module's `end_block` drops entries with
///   expiration <= epoch at the first block of each new epoch; the stand-in has no blocks of its
///   own and treats the whole of epoch E as expired).
/// - Gas: the module's gas charges (100,000 for Create/Update, 10,000 for Remove) are not
///   simulated; EVM gas is whatever this contract uses.
/// - Value: the real precompile is not meant to receive value; the stand-in refuses it.
/// - `roflmarket.*` subcalls go on to {RoflMarketStandIn} at its own address (installed next to
///   this one), with the caller's Oasis address and EVM account; a missing market stand-in reverts.
contract RoflModuleStandIn {
    using CborReader for CborReader.Cursor;

    // ---------------------------------------------------------------------------------------
    // Constants
    // ---------------------------------------------------------------------------------------

    address public constant SUBCALL_PRECOMPILE = 0x0100000000000000000000000000000000000103;
    /// @notice Where {RoflMarketStandIn} lives on local chains.
    address public constant MARKET_STAND_IN = 0x0100000000000000000000000000000000000a03;
    uint256 public constant APP_STAKE = 100 ether;
    uint256 public constant EPOCH_SECONDS = 600;

    uint256 public constant MAX_METADATA_PAIRS = 64;
    uint256 public constant MAX_METADATA_KEY_SIZE = 1024;
    uint256 public constant MAX_METADATA_VALUE_SIZE = 16 * 1024;
    uint256 public constant MAX_ENDORSEMENT_ATOMS = 32;
    uint256 public constant MAX_ENDORSEMENT_DEPTH = 4;
    uint64 public constant MAX_POLICY_EXPIRATION = 24;
    /// @dev Recursion bound of the endorsement decoder; deeper trees revert instead of running
    /// out of stack (anything past depth 4 is already refused by the module check).
    uint256 private constant _DECODE_DEPTH_LIMIT = 16;

    // oasis-sdk modules/rofl/error.rs
    uint64 public constant ROFL_INVALID_ARGUMENT = 1;
    uint64 public constant ROFL_UNKNOWN_APP = 2;
    uint64 public constant ROFL_APP_ALREADY_EXISTS = 10;
    uint64 public constant ROFL_FORBIDDEN = 11;
    uint64 public constant ROFL_UNKNOWN_INSTANCE = 12;
    uint64 public constant ROFL_ENDORSEMENT_POLICY_TOO_DEEP = 14;
    uint64 public constant ROFL_ENDORSEMENT_POLICY_TOO_MANY_ATOMS = 15;
    // oasis-sdk modules/accounts/mod.rs
    uint64 public constant ACCOUNTS_INSUFFICIENT_BALANCE = 2;
    // oasis-sdk modules/core/mod.rs
    uint64 public constant CORE_INVALID_METHOD = 3;

    bytes32 private constant _CREATE = keccak256("rofl.Create");
    bytes32 private constant _UPDATE = keccak256("rofl.Update");
    bytes32 private constant _REMOVE = keccak256("rofl.Remove");
    bytes32 private constant _IS_AUTHORIZED_ORIGIN = keccak256("rofl.IsAuthorizedOrigin");
    bytes32 private constant _ORIGIN_APP = keccak256("rofl.OriginApp");

    // ---------------------------------------------------------------------------------------
    // State
    // ---------------------------------------------------------------------------------------

    struct App {
        bool exists;
        bool hasAdmin;
        bytes21 admin;
        uint8 fees;
        uint64 maxExpiration;
        uint256 stake;
        bytes policyCbor;
        bytes lastBody;
        EnclaveIdentity[] enclaves;
        MetadataEntry[] metadata;
        SecretEntry[] secrets;
    }

    struct Instance {
        bytes21 app;
        bytes32 mrEnclave;
        bytes32 mrSigner;
        uint64 expiration;
    }

    /// @dev A decoded `AppAuthPolicy`, with what the module checks.
    struct Policy {
        uint8 fees;
        uint64 maxExpiration;
        EnclaveIdentity[] enclaves;
        uint256 endorsementAtoms;
        bool endorsementTooDeep;
        bytes cbor;
    }

    mapping(bytes21 appId => App) private _apps;
    bytes21[] private _appIds;
    mapping(bytes21 appId => uint256 indexPlusOne) private _appIndex;
    mapping(address instance => Instance) private _instances;
    mapping(address caller => bytes21) private _oasisAddressCache;
    /// @dev Registrations by app, in first-registration order. Kept apart from {App}: removing an
    /// app does not remove its registrations (oasis-sdk `state.rs` `remove_app` only deletes
    /// the config).
    mapping(bytes21 appId => address[]) private _appInstances;
    /// @dev Scheme-1 nonces of creators without code only (see {_nextAppId}).
    mapping(bytes21 creator => uint64) private _eoaCreatorNonce;
    mapping(bytes21 admin => uint256) private _refunded;

    // ---------------------------------------------------------------------------------------
    // Events and errors
    // ---------------------------------------------------------------------------------------

    event AppCreated(bytes21 indexed appId, bytes21 admin, uint256 stake);
    event AppUpdated(bytes21 indexed appId, bytes32 bodyHash);
    event AppRemoved(bytes21 indexed appId);
    event StakeRefunded(bytes21 admin, uint256 amount);
    event InstanceRegistered(bytes21 indexed appId, address instance, uint64 expirationEpoch);

    /// @notice The precompile was reached by DELEGATECALL (or the code runs at another address).
    error DelegateCallRejected();
    /// @notice The subcall carried value (the precompile takes none).
    /// @param value The value sent.
    error ValueNotAccepted(uint256 value);
    // A map that holds a key the real encoder never writes there, or lacks one it always writes,
    // reverts with {CborReader.UnknownField} / {CborReader.MissingField}.
    /// @notice A field holds a value the real encoder never writes.
    error InvalidField(uint256 offset, string reason);
    /// @notice No app with this id (module `rofl` code: unknown app).
    /// @param appId The app.
    error UnknownAppId(bytes21 appId);
    /// @notice The registering instance's identity is not allowed by the app's policy.
    /// @param appId The app.
    /// @param mrEnclave The identity's MRENCLAVE.
    /// @param mrSigner The identity's MRSIGNER.
    error IdentityNotInPolicy(bytes21 appId, bytes32 mrEnclave, bytes32 mrSigner);
    /// @notice The registration's expiration is in the past or beyond the app's `max_expiration`.
    /// @param expirationEpoch The epoch asked for.
    /// @param currentEpoch The current epoch.
    /// @param maxExpiration The app's `max_expiration` (epochs).
    error ExpirationOutOfRange(uint64 expirationEpoch, uint64 currentEpoch, uint64 maxExpiration);
    /// @notice The instance is registered for another app.
    /// @param instance The instance's address.
    /// @param appId The app it is registered for.
    error InstanceOfOtherApp(address instance, bytes21 appId);
    /// @notice A `roflmarket.*` subcall arrived but no {RoflMarketStandIn} is installed.
    error MarketStandInMissing(address expectedAt);

    // ---------------------------------------------------------------------------------------
    // Subcall entry point
    // ---------------------------------------------------------------------------------------

    fallback(bytes calldata input) external payable returns (bytes memory) {
        if (address(this) != SUBCALL_PRECOMPILE) revert DelegateCallRejected();
        if (msg.value != 0) revert ValueNotAccepted(msg.value);
        (bytes memory method, bytes memory body) = abi.decode(input, (bytes, bytes));
        if (_isMarketMethod(method)) return _forwardToMarket(method, body);
        (uint64 status, bytes memory data) = _dispatch(keccak256(method), body);
        return abi.encode(status, data);
    }

    /// @dev `method` starts with "roflmarket." (11 bytes).
    function _isMarketMethod(bytes memory method) private pure returns (bool) {
        if (method.length < 11) return false;
        bytes32 head;
        assembly ("memory-safe") {
            head := mload(add(method, 0x20))
        }
        return bytes11(head) == bytes11("roflmarket.");
    }

    /// @dev Hands a `roflmarket.*` subcall on to the market stand-in, which sees the caller as
    /// the module would (`Address::from_eth(msg.sender)`) and its EVM account for the balance.
    function _forwardToMarket(bytes memory method, bytes memory body) private returns (bytes memory) {
        address market = MARKET_STAND_IN;
        if (market.code.length == 0) revert MarketStandInMissing(market);
        (uint64 status, bytes memory data) = RoflMarketStandIn(market).handle(_caller(), msg.sender, method, body);
        return abi.encode(status, data);
    }

    function _dispatch(bytes32 method, bytes memory body) private returns (uint64, bytes memory) {
        if (method == _CREATE) return _create(body);
        if (method == _UPDATE) return _update(body);
        if (method == _REMOVE) return _remove(body);
        if (method == _IS_AUTHORIZED_ORIGIN) return _isAuthorizedOrigin(body);
        if (method == _ORIGIN_APP) return _originApp(body);
        return (CORE_INVALID_METHOD, "core");
    }

    // ---------------------------------------------------------------------------------------
    // rofl.Create / rofl.Update / rofl.Remove
    // ---------------------------------------------------------------------------------------

    function _create(bytes memory body) private returns (uint64, bytes memory) {
        (Policy memory policy, uint8 scheme, MetadataEntry[] memory metadata) = _decodeCreate(body);
        uint64 code = _checkEntries(metadata.length, _metadataSizes(metadata));
        if (code == 0) code = _checkPolicy(policy);
        if (code != 0) return (code, "rofl");

        bytes21 creator = _caller();
        bytes21 appId = _nextAppId(creator, scheme);
        if (_apps[appId].exists) return (ROFL_APP_ALREADY_EXISTS, "rofl");
        if (msg.sender.balance < APP_STAKE) return (ACCOUNTS_INSUFFICIENT_BALANCE, "accounts");

        App storage app = _apps[appId];
        app.exists = true;
        app.hasAdmin = true;
        app.admin = creator;
        app.stake = APP_STAKE;
        _storePolicy(app, policy);
        _storeMetadata(app, metadata);
        app.lastBody = body;
        _appIds.push(appId);
        _appIndex[appId] = _appIds.length;
        emit AppCreated(appId, creator, APP_STAKE);
        return (0, abi.encodePacked(uint8(0x55), appId));
    }

    function _update(bytes memory body) private returns (uint64, bytes memory) {
        (
            bytes21 appId,
            bool hasAdmin,
            bytes21 admin,
            Policy memory policy,
            SecretEntry[] memory secrets,
            MetadataEntry[] memory metadata
        ) = _decodeUpdate(body);
        uint64 code = _checkEntries(metadata.length, _metadataSizes(metadata));
        if (code == 0) code = _checkEntries(secrets.length, _secretSizes(secrets));
        if (code == 0) code = _checkPolicy(policy);
        if (code != 0) return (code, "rofl");

        App storage app = _apps[appId];
        if (!app.exists) return (ROFL_UNKNOWN_APP, "rofl");
        if (!app.hasAdmin || app.admin != _caller()) return (ROFL_FORBIDDEN, "rofl");

        // The whole configuration is replaced: what the body leaves out is gone.
        app.hasAdmin = hasAdmin;
        app.admin = admin;
        _storePolicy(app, policy);
        _storeMetadata(app, metadata);
        delete app.secrets;
        for (uint256 i; i < secrets.length; ++i) {
            app.secrets.push(secrets[i]);
        }
        app.lastBody = body;
        emit AppUpdated(appId, keccak256(body));
        return (0, hex"f6");
    }

    function _remove(bytes memory body) private returns (uint64, bytes memory) {
        bytes21 appId = _decodeRemove(body);
        App storage app = _apps[appId];
        if (!app.exists) return (ROFL_UNKNOWN_APP, "rofl");
        if (!app.hasAdmin || app.admin != _caller()) return (ROFL_FORBIDDEN, "rofl");

        bytes21 admin = app.admin;
        uint256 stake = app.stake;
        // Registrations stay until they expire (oasis-sdk `state.rs` `remove_app` deletes the
        // config only); they can no longer be renewed, as the app is unknown.
        delete _apps[appId];
        _removeAppId(appId);
        _refunded[admin] += stake;
        emit AppRemoved(appId);
        emit StakeRefunded(admin, stake);
        return (0, hex"f6");
    }

    // ---------------------------------------------------------------------------------------
    // rofl.IsAuthorizedOrigin / rofl.OriginApp and simulated registrations
    // ---------------------------------------------------------------------------------------

    function _isAuthorizedOrigin(bytes memory body) private view returns (uint64, bytes memory) {
        CborReader.Cursor memory c = CborReader.cursor(body);
        bytes21 appId = c.readBytes21();
        c.requireEnd();
        return (0, isInstanceAuthorized(appId, tx.origin) ? bytes(hex"f5") : bytes(hex"f4"));
    }

    function _originApp(bytes memory body) private view returns (uint64, bytes memory) {
        CborReader.Cursor memory c = CborReader.cursor(body);
        c.readNull();
        c.requireEnd();
        bytes21 appId = _instances[tx.origin].app;
        if (!isInstanceAuthorized(appId, tx.origin)) return (ROFL_UNKNOWN_INSTANCE, "rofl");
        return (0, abi.encodePacked(uint8(0x55), appId));
    }

    /// @notice Simulate an attested registration (or renewal) of `instance` (the address that
    /// will sign transactions) for `appId` with the given enclave identity, valid in the epochs
    /// before `expirationEpoch` (it is gone once `currentEpoch() >= expirationEpoch`).
    /// @dev As oasis-sdk `modules/rofl/mod.rs` `tx_register`: the app must exist, the identity
    /// must be in the policy in force (`UnknownEnclave` there) and the expiration in
    /// (currentEpoch, currentEpoch + max_expiration]. A renewal replaces the registration.
    function registerInstance(
        bytes21 appId,
        address instance,
        bytes32 mrEnclave,
        bytes32 mrSigner,
        uint64 expirationEpoch
    ) external {
        App storage app = _apps[appId];
        if (!app.exists) revert UnknownAppId(appId);
        if (!_hasIdentity(app, mrEnclave, mrSigner)) revert IdentityNotInPolicy(appId, mrEnclave, mrSigner);
        uint64 epoch = currentEpoch();
        if (expirationEpoch <= epoch || expirationEpoch - epoch > app.maxExpiration) {
            revert ExpirationOutOfRange(expirationEpoch, epoch, app.maxExpiration);
        }
        Instance storage existing = _instances[instance];
        if (existing.app != bytes21(0) && existing.app != appId) revert InstanceOfOtherApp(instance, existing.app);
        if (existing.app == bytes21(0)) _appInstances[appId].push(instance);
        _instances[instance] = Instance(appId, mrEnclave, mrSigner, expirationEpoch);
        emit InstanceRegistered(appId, instance, expirationEpoch);
    }

    // ---------------------------------------------------------------------------------------
    // Views (never depend on msg.sender)
    // ---------------------------------------------------------------------------------------

    /// @notice The module's epoch: `block.timestamp / EPOCH_SECONDS` (600 s here, about an hour
    /// on Sapphire). Advance it on anvil with `evm_increaseTime(n * EPOCH_SECONDS)` and a block.
    function currentEpoch() public view returns (uint64) {
        return uint64(block.timestamp / EPOCH_SECONDS);
    }

    function appExists(bytes21 appId) external view returns (bool) {
        return _apps[appId].exists;
    }

    function appAdmin(bytes21 appId) external view returns (bool hasAdmin, bytes21 admin) {
        App storage app = _apps[appId];
        return (app.hasAdmin, app.admin);
    }

    function appStake(bytes21 appId) external view returns (uint256) {
        return _apps[appId].stake;
    }

    /// @notice Total stake the ledger has refunded to `admin` (Sapphire would credit its account).
    function refundedStake(bytes21 admin) external view returns (uint256) {
        return _refunded[admin];
    }

    function appEnclaves(bytes21 appId) external view returns (EnclaveIdentity[] memory) {
        return _apps[appId].enclaves;
    }

    function appFees(bytes21 appId) external view returns (uint8) {
        return _apps[appId].fees;
    }

    function appMaxExpiration(bytes21 appId) external view returns (uint64) {
        return _apps[appId].maxExpiration;
    }

    /// @notice Metadata in canonical key order (as received; the decoder enforces the order).
    function appMetadata(bytes21 appId) external view returns (MetadataEntry[] memory) {
        return _apps[appId].metadata;
    }

    function appSecrets(bytes21 appId) external view returns (SecretEntry[] memory) {
        return _apps[appId].secrets;
    }

    /// @notice The policy exactly as received in the last Create/Update body.
    function appPolicyCbor(bytes21 appId) external view returns (bytes memory) {
        return _apps[appId].policyCbor;
    }

    function lastBody(bytes21 appId) external view returns (bytes memory) {
        return _apps[appId].lastBody;
    }

    /// @notice Every instance that ever registered for `appId`, expired or not, also after the
    /// app was removed (see {instanceIdentity} for each one's registration).
    function instancesOf(bytes21 appId) external view returns (address[] memory) {
        return _appInstances[appId];
    }

    /// @notice What `instance` registered with for `appId`: its enclave identity and the epoch
    /// its registration expires at (authorized while `currentEpoch() < expirationEpoch`).
    /// `registered` is false (and the rest zero) when `instance` never registered for `appId`.
    /// An expired registration still shows here (the module would have dropped it);
    /// {isInstanceAuthorized} gives the module's answer.
    function instanceIdentity(bytes21 appId, address instance)
        external
        view
        returns (bool registered, EnclaveIdentity memory identity, uint64 expirationEpoch)
    {
        Instance storage inst = _instances[instance];
        if (appId == bytes21(0) || inst.app != appId) return (false, identity, 0);
        return (true, EnclaveIdentity(inst.mrEnclave, inst.mrSigner), inst.expiration);
    }

    /// @notice Whether `instance` holds an unexpired registration for `appId`: the module's
    /// answer to `rofl.IsAuthorizedOrigin` (oasis-sdk `modules/rofl/mod.rs`
    /// `is_authorized_origin` only looks the registration up; `state.rs`
    /// `expire_registrations` drops it once the epoch reaches its expiration). The current
    /// policy is NOT consulted: an instance whose identity was removed, or whose app was
    /// removed, keeps its rights until its registration expires.
    function isInstanceAuthorized(bytes21 appId, address instance) public view returns (bool) {
        Instance storage inst = _instances[instance];
        if (appId == bytes21(0) || inst.app != appId) return false;
        return currentEpoch() < inst.expiration;
    }

    function appIds() external view returns (bytes21[] memory) {
        return _appIds;
    }

    // ---------------------------------------------------------------------------------------
    // Module checks (status codes, not reverts)
    // ---------------------------------------------------------------------------------------

    /// @dev Metadata and secrets share the limits: pairs, key size, value size.
    function _checkEntries(uint256 count, uint256[2][] memory sizes) private pure returns (uint64) {
        if (count > MAX_METADATA_PAIRS) return ROFL_INVALID_ARGUMENT;
        for (uint256 i; i < sizes.length; ++i) {
            if (sizes[i][0] > MAX_METADATA_KEY_SIZE || sizes[i][1] > MAX_METADATA_VALUE_SIZE) {
                return ROFL_INVALID_ARGUMENT;
            }
        }
        return 0;
    }

    function _checkPolicy(Policy memory policy) private pure returns (uint64) {
        if (policy.endorsementTooDeep) return ROFL_ENDORSEMENT_POLICY_TOO_DEEP;
        if (policy.endorsementAtoms > MAX_ENDORSEMENT_ATOMS) return ROFL_ENDORSEMENT_POLICY_TOO_MANY_ATOMS;
        if (policy.maxExpiration > MAX_POLICY_EXPIRATION) return ROFL_INVALID_ARGUMENT;
        return 0;
    }

    function _metadataSizes(MetadataEntry[] memory entries) private pure returns (uint256[2][] memory sizes) {
        sizes = new uint256[2][](entries.length);
        for (uint256 i; i < entries.length; ++i) {
            sizes[i] = [bytes(entries[i].key).length, bytes(entries[i].value).length];
        }
    }

    function _secretSizes(SecretEntry[] memory entries) private pure returns (uint256[2][] memory sizes) {
        sizes = new uint256[2][](entries.length);
        for (uint256 i; i < entries.length; ++i) {
            sizes[i] = [bytes(entries[i].name).length, entries[i].value.length];
        }
    }

    // ---------------------------------------------------------------------------------------
    // Storage helpers
    // ---------------------------------------------------------------------------------------

    /// @dev `Address::from_eth(msg.sender)`, cached because it costs a SHA-512/256.
    function _caller() private returns (bytes21 addr) {
        addr = _oasisAddressCache[msg.sender];
        if (addr == bytes21(0)) {
            addr = OasisIds.fromEth(msg.sender);
            _oasisAddressCache[msg.sender] = addr;
        }
    }

    /// @dev The id `rofl.Create` derives for the caller (oasis-sdk `modules/rofl/mod.rs`
    /// `tx_create`): scheme 0 `from_creator_round_index(creator, round, tx_index)` where the
    /// round is `block.number` on Sapphire and a subcall's tx index is 0; scheme 1
    /// `from_creator_nonce(creator, accounts nonce of creator)`.
    function _nextAppId(bytes21 creator, uint8 scheme) private returns (bytes21) {
        if (scheme == 0) return OasisIds.appIdCreatorRoundIndex(creator, uint64(block.number), 0);
        if (msg.sender.code.length != 0) return OasisIds.appIdCreatorNonce(creator, contractNonce(msg.sender));
        // FALLBACK for a caller without code (an EOA, or a contract in its constructor): the
        // EVM cannot read its nonce, so a per-creator counter stands in (1, 2, ...). Ids of such
        // callers are distinct but do NOT equal the module's, which uses the sender's nonce
        // after the transaction's own increment.
        return OasisIds.appIdCreatorNonce(creator, ++_eoaCreatorNonce[creator]);
    }

    /// @notice The EVM account nonce of `account`, a contract, read off the chain: the number
    /// of the next contract it would create with CREATE.
    /// @dev The EVM gives no opcode for an account's nonce, but it fixes where CREATE puts a
    /// contract: the k-th CREATE by X (X's nonce being k) deploys at
    /// `keccak256(rlp([X, k]))[12:]`. A contract's nonce starts at 1 (EIP-161) and is bumped by
    /// each CREATE and CREATE2 it performs, nothing else (a subcall does not change it). So,
    /// probing k = 1, 2, ... the first k whose CREATE address holds no code is its nonce.
    /// LIMITS: this counts only nonces that left code at their CREATE address. It undercounts
    /// when a CREATE failed (the nonce is spent, no code is left), when the contract created
    /// code of length 0, when a created contract self-destructed (Shanghai still deletes code),
    /// or when the contract used CREATE2 (the nonce moves, but the code lands elsewhere): the
    /// probe then stops at the first hole, i.e. returns a nonce lower than the real one. It
    /// costs one EXTCODESIZE per contract created so far. {RoflAppAdmin} creates only with
    /// CREATE, contracts that keep their code, so its nonce is read exactly.
    function contractNonce(address account) public view returns (uint64 nonce) {
        nonce = 1;
        while (_createAddress(account, nonce).code.length != 0) {
            ++nonce;
        }
    }

    /// @dev `keccak256(rlp([deployer, nonce]))[12:]` for nonce >= 1 (RLP: a byte below 0x80 is
    /// itself, a longer integer is 0x80+len followed by its big-endian bytes).
    function _createAddress(address deployer, uint64 nonce) private pure returns (address) {
        bytes memory n;
        if (nonce < 0x80) {
            n = abi.encodePacked(uint8(nonce));
        } else {
            uint256 len;
            for (uint64 v = nonce; v != 0; v >>= 8) {
                ++len;
            }
            n = new bytes(len + 1);
            n[0] = bytes1(uint8(0x80 + len));
            for (uint256 i; i < len; ++i) {
                n[len - i] = bytes1(uint8(nonce >> (8 * i)));
            }
        }
        bytes memory item = abi.encodePacked(bytes1(0x94), deployer, n);
        return address(uint160(uint256(keccak256(abi.encodePacked(bytes1(uint8(0xc0 + item.length)), item)))));
    }

    function _storePolicy(App storage app, Policy memory policy) private {
        app.fees = policy.fees;
        app.maxExpiration = policy.maxExpiration;
        app.policyCbor = policy.cbor;
        delete app.enclaves;
        for (uint256 i; i < policy.enclaves.length; ++i) {
            app.enclaves.push(policy.enclaves[i]);
        }
    }

    function _storeMetadata(App storage app, MetadataEntry[] memory metadata) private {
        delete app.metadata;
        for (uint256 i; i < metadata.length; ++i) {
            app.metadata.push(metadata[i]);
        }
    }

    function _removeAppId(bytes21 appId) private {
        uint256 index = _appIndex[appId] - 1;
        uint256 last = _appIds.length - 1;
        if (index != last) {
            bytes21 moved = _appIds[last];
            _appIds[index] = moved;
            _appIndex[moved] = index + 1;
        }
        _appIds.pop();
        delete _appIndex[appId];
    }

    function _hasIdentity(App storage app, bytes32 mrEnclave, bytes32 mrSigner) private view returns (bool) {
        EnclaveIdentity[] storage enclaves = app.enclaves;
        for (uint256 i; i < enclaves.length; ++i) {
            if (enclaves[i].mrEnclave == mrEnclave && enclaves[i].mrSigner == mrSigner) return true;
        }
        return false;
    }

    // ---------------------------------------------------------------------------------------
    // Strict body decoding: each struct is a canonical map of known keys. The cursor enforces
    // canonical key order (so no duplicates); these functions reject unknown keys, check that
    // every key the encoder always writes is present, and check each value's type and size.
    // ---------------------------------------------------------------------------------------

    function _decodeCreate(bytes memory body)
        private
        pure
        returns (Policy memory policy, uint8 scheme, MetadataEntry[] memory metadata)
    {
        CborReader.Cursor memory c = CborReader.cursor(body);
        CborReader.Fields memory f = c.readFields();
        string[] memory names = CborReader.fieldNames("policy", "scheme", "metadata");
        for (uint256 i; i < f.count; ++i) {
            uint256 field = c.readField(f, names);
            if (field == 0) {
                policy = _decodePolicy(c);
            } else if (field == 1) {
                uint256 at = c.pos;
                uint64 s = c.readUint();
                if (s > 1) revert InvalidField(at, "scheme must be 0 or 1");
                scheme = uint8(s);
            } else {
                metadata = _decodeMetadata(c);
            }
        }
        CborReader.requireFields(f, 7, names);
        c.requireEnd();
    }

    function _decodeUpdate(bytes memory body)
        private
        pure
        returns (
            bytes21 appId,
            bool hasAdmin,
            bytes21 admin,
            Policy memory policy,
            SecretEntry[] memory secrets,
            MetadataEntry[] memory metadata
        )
    {
        CborReader.Cursor memory c = CborReader.cursor(body);
        CborReader.Fields memory f = c.readFields();
        string[] memory names = new string[](5);
        (names[0], names[1], names[2], names[3], names[4]) = ("id", "admin", "policy", "secrets", "metadata");
        for (uint256 i; i < f.count; ++i) {
            uint256 field = c.readField(f, names);
            if (field == 0) {
                appId = c.readBytes21();
            } else if (field == 1) {
                if (c.peekIsNull()) {
                    c.readNull();
                } else {
                    admin = c.readBytes21();
                    hasAdmin = true;
                }
            } else if (field == 2) {
                policy = _decodePolicy(c);
            } else if (field == 3) {
                secrets = _decodeSecrets(c);
            } else {
                metadata = _decodeMetadata(c);
            }
        }
        CborReader.requireFields(f, 31, names);
        c.requireEnd();
    }

    function _decodeRemove(bytes memory body) private pure returns (bytes21 appId) {
        CborReader.Cursor memory c = CborReader.cursor(body);
        CborReader.Fields memory f = c.readFields();
        string[] memory names = CborReader.fieldNames("id");
        for (uint256 i; i < f.count; ++i) {
            // One field: anything else reverts in `readField`.
            if (c.readField(f, names) == 0) appId = c.readBytes21();
        }
        CborReader.requireFields(f, 1, names);
        c.requireEnd();
    }

    function _decodePolicy(CborReader.Cursor memory c) private pure returns (Policy memory policy) {
        CborReader.Fields memory f = c.readFields();
        string[] memory names = new string[](5);
        (names[0], names[1], names[2], names[3], names[4]) =
        ("fees", "quotes", "enclaves", "endorsements", "max_expiration");
        for (uint256 i; i < f.count; ++i) {
            uint256 field = c.readField(f, names);
            if (field == 0) {
                uint256 at = c.pos;
                uint64 fees = c.readUint();
                if (fees != 1 && fees != 2) revert InvalidField(at, "fees must be 1 or 2");
                policy.fees = uint8(fees);
            } else if (field == 1) {
                _decodeQuotes(c);
            } else if (field == 2) {
                policy.enclaves = _decodeEnclaves(c);
            } else if (field == 3) {
                (policy.endorsementAtoms, policy.endorsementTooDeep) = _decodeEndorsementList(c, 1);
            } else {
                policy.maxExpiration = c.readUint();
            }
        }
        CborReader.requireFields(f, 31, names);
        policy.cbor = _slice(c.buf, f.mapOffset, c.pos);
    }

    /// @dev `quotes` = {ias: null, pcs: null | PCS policy}; both keys always written.
    function _decodeQuotes(CborReader.Cursor memory c) private pure {
        CborReader.Fields memory f = c.readFields();
        string[] memory names = CborReader.fieldNames("ias", "pcs");
        for (uint256 i; i < f.count; ++i) {
            if (c.readField(f, names) == 0) {
                if (!c.peekIsNull()) revert InvalidField(c.pos, "quotes.ias must be null (IAS is retired)");
                c.readNull();
            } else {
                if (c.peekIsNull()) c.readNull();
                else _decodePcs(c);
            }
        }
        CborReader.requireFields(f, 3, names);
    }

    function _decodePcs(CborReader.Cursor memory c) private pure {
        CborReader.Fields memory f = c.readFields();
        string[] memory names = new string[](6);
        (names[0], names[1], names[2], names[3], names[4], names[5]) =
        (
            "tcb_validity_period",
            "min_tcb_evaluation_data_number",
            "tdx",
            "disabled",
            "fmspc_whitelist",
            "fmspc_blacklist"
        );
        for (uint256 i; i < f.count; ++i) {
            uint256 field = c.readField(f, names);
            if (field == 0) {
                c.readUintMax(type(uint16).max);
            } else if (field == 1) {
                c.readUintMax(type(uint32).max);
            } else if (field == 2) {
                _decodeTdx(c);
            } else if (field == 3) {
                uint256 at = c.pos;
                if (!c.readBool()) revert InvalidField(at, "pcs.disabled is only written when true");
            } else {
                _decodeFmspcList(c);
            }
        }
        // Only the first two are always written.
        CborReader.requireFields(f, 3, names);
    }

    function _decodeFmspcList(CborReader.Cursor memory c) private pure {
        uint256 at = c.pos;
        uint256 n = c.readArrayHeader();
        if (n == 0) revert InvalidField(at, "FMSPC lists are only written when non-empty");
        for (uint256 i; i < n; ++i) {
            c.readText();
        }
    }

    /// @dev `tdx` = {allowed_tdx_modules: [{mr_seam: null | 48 bytes, mr_signer_seam: 48 bytes}]}
    /// (oasis-core `TdxQuotePolicy`: the list is always written, empty = any Intel module).
    function _decodeTdx(CborReader.Cursor memory c) private pure {
        CborReader.Fields memory f = c.readFields();
        string[] memory names = CborReader.fieldNames("allowed_tdx_modules");
        for (uint256 i; i < f.count; ++i) {
            if (c.readField(f, names) != 0) continue; // one field: anything else reverts in `readField`
            uint256 count = c.readArrayHeader();
            for (uint256 j; j < count; ++j) {
                _decodeTdxModule(c);
            }
        }
        CborReader.requireFields(f, 1, names);
    }

    function _decodeTdxModule(CborReader.Cursor memory c) private pure {
        CborReader.Fields memory f = c.readFields();
        string[] memory names = CborReader.fieldNames("mr_seam", "mr_signer_seam");
        for (uint256 i; i < f.count; ++i) {
            if (c.readField(f, names) == 0 && c.peekIsNull()) c.readNull();
            else c.readBytesOfLength(48);
        }
        CborReader.requireFields(f, 3, names);
    }

    function _decodeEnclaves(CborReader.Cursor memory c) private pure returns (EnclaveIdentity[] memory enclaves) {
        uint256 n = c.readArrayHeader();
        enclaves = new EnclaveIdentity[](n);
        for (uint256 i; i < n; ++i) {
            enclaves[i] = _decodeIdentity(c);
        }
    }

    /// @dev `{mr_signer: 32 bytes, mr_enclave: 32 bytes}`.
    function _decodeIdentity(CborReader.Cursor memory c) private pure returns (EnclaveIdentity memory id) {
        CborReader.Fields memory f = c.readFields();
        string[] memory names = CborReader.fieldNames("mr_signer", "mr_enclave");
        for (uint256 i; i < f.count; ++i) {
            if (c.readField(f, names) == 0) id.mrSigner = c.readBytes32();
            else id.mrEnclave = c.readBytes32();
        }
        CborReader.requireFields(f, 3, names);
    }

    /// @dev A list of one-key endorsement maps. Counts atoms as oasis-sdk
    /// `AppAuthPolicy::count_endorsement_atoms` does (every element of every list, nested lists
    /// recursively) and flags a list nested deeper than `MAX_ENDORSEMENT_DEPTH` (top list = 1).
    function _decodeEndorsementList(CborReader.Cursor memory c, uint256 depth)
        private
        pure
        returns (uint256 atoms, bool tooDeep)
    {
        if (depth > _DECODE_DEPTH_LIMIT) revert InvalidField(c.pos, "endorsement nesting beyond decoder limit");
        tooDeep = depth > MAX_ENDORSEMENT_DEPTH;
        uint256 n = c.readArrayHeader();
        atoms = n;
        for (uint256 i; i < n; ++i) {
            (uint256 childAtoms, bool childTooDeep) = _decodeEndorsement(c, depth);
            atoms += childAtoms;
            tooDeep = tooDeep || childTooDeep;
        }
    }

    function _decodeEndorsement(CborReader.Cursor memory c, uint256 depth)
        private
        pure
        returns (uint256 childAtoms, bool tooDeep)
    {
        uint256 at = c.pos;
        if (c.readMapHeader() != 1) revert InvalidField(at, "an endorsement is a map with exactly one key");
        (string memory key, uint256 offset) = c.readMapKey(CborReader.newMapKeys());
        bytes32 k = keccak256(bytes(key));
        if (k == keccak256("any") || k == keccak256("role_compute") || k == keccak256("role_observer")) {
            uint256 valueAt = c.pos;
            if (c.readMapHeader() != 0) revert InvalidField(valueAt, "a simple endorsement's value is {}");
        } else if (k == keccak256("entity") || k == keccak256("node")) {
            c.readBytes32();
        } else if (k == keccak256("provider") || k == keccak256("provider_instance_admin")) {
            c.readBytes21();
        } else if (k == keccak256("and") || k == keccak256("or")) {
            return _decodeEndorsementList(c, depth + 1);
        } else {
            revert CborReader.UnknownField(offset, key);
        }
    }

    /// @dev text → text map in canonical key order. oasis-sdk runtime-sdk/src/modules/rofl/types.rs:
    /// `metadata: BTreeMap<String, String>`, so keys and values must be well-formed UTF-8
    /// (`readMapKey`/`readText` refuse anything else with `CborInvalidUtf8`); control
    /// characters are accepted, as by a Rust `String`.
    function _decodeMetadata(CborReader.Cursor memory c) private pure returns (MetadataEntry[] memory entries) {
        uint256 n = c.readMapHeader();
        entries = new MetadataEntry[](n);
        CborReader.MapKeys memory keys = CborReader.newMapKeys();
        for (uint256 i; i < n; ++i) {
            (string memory key,) = c.readMapKey(keys);
            entries[i] = MetadataEntry(key, c.readText());
        }
    }

    /// @dev text → bytes map in canonical key order. oasis-sdk runtime-sdk/src/modules/rofl/types.rs:
    /// `secrets: BTreeMap<String, Vec<u8>>`, so names must be well-formed UTF-8 (`readMapKey`
    /// refuses anything else with `CborInvalidUtf8`); the values are any bytes.
    function _decodeSecrets(CborReader.Cursor memory c) private pure returns (SecretEntry[] memory entries) {
        uint256 n = c.readMapHeader();
        entries = new SecretEntry[](n);
        CborReader.MapKeys memory keys = CborReader.newMapKeys();
        for (uint256 i; i < n; ++i) {
            (string memory name,) = c.readMapKey(keys);
            entries[i] = SecretEntry(name, c.readBytes());
        }
    }

    function _slice(bytes memory buf, uint256 start, uint256 end) private pure returns (bytes memory out) {
        out = new bytes(end - start);
        for (uint256 i; i < out.length; ++i) {
            out[i] = buf[start + i];
        }
    }
}
