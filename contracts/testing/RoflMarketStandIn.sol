// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {CborReader} from "./CborReader.sol";
import {OasisIds} from "../libraries/OasisIds.sol";

/// @title LOCAL STAND-IN for the Sapphire `roflmarket` module, never deploy on Sapphire
/// @notice Answers the `roflmarket.*` subcalls that {RoflModuleStandIn} (at the subcall precompile
/// address) hands on to it, and lets a simulated provider act as the real provider's scheduler
/// would. It is placed at {MARKET_STAND_IN} with `vm.etch` / `anvil_setCode`: no constructor runs.
///
/// Mirrors oasis-sdk `runtime-sdk/modules/rofl-market/src/` (`lib.rs` handlers, `types.rs`,
/// `payment.rs` native payment, `error.rs` codes, `config.rs` limits):
/// - `InstanceCreate` (anyone): `term_count` 0 → 1; unknown provider → 3; unknown offer → 7;
///   capacity 0 → 6; the per-provider instance id counts up from 0; the caller pays
///   `price(term) × term_count` (no price for the term → 10 "invalid term"); `paid_from = now`,
///   `paid_until = now + term seconds × term_count`; the admin is the body's or else the caller.
///   Answers the id (CBOR 8-byte string).
/// - `InstanceTopUp` (anyone): `term_count` 0 → 1; unknown instance → 8; not accepted → 12; pays
///   and extends `paid_until` from its previous value.
/// - `InstanceExecuteCmds` (admin only): a command over 16 KiB → 1; unknown instance → 8; caller
///   not the admin → 4; not accepted → 12; queue would reach 8 commands → 9; commands get
///   sequential ids from `cmd_next_id`.
/// - `InstanceChangeAdmin` (admin only): unknown instance → 8; caller not the admin → 4.
/// - `InstanceCancel` (admin only): unknown provider → 3; unknown instance → 8; not the admin →
///   4; still `Created` more than 300 s after creation → refunded in full and removed; already
///   cancelled → nothing; otherwise `Cancelled` and the provider claims the whole prepayment.
/// - Provider side (the scheduler's transactions `InstanceAccept` / `InstanceUpdate`): accepting
///   skips unknown and non-`Created` instances and takes one from the offer's capacity; an update
///   sets the deployment and/or removes the queued commands up to an id (inclusive).
///
/// Deviations, all deliberate:
/// - STRICTER decoding: a body must be canonical CBOR with exactly the fields the oasis-sdk and
///   client-rt (npm) encoders write; every queued command must be a scheduler command
///   (`Deploy` / `Restart` / `Terminate`, oasis-sdk `rofl-scheduler/src/types.rs`). The real
///   module stores commands as opaque bytes (the scheduler decodes them later) and fills missing
///   fields with defaults. Anything else reverts with an error naming the offset.
/// - PAYMENT LEDGER: a contract cannot move another account's balance. The caller's balance as
///   the module sees it is its EVM balance plus what the stand-in credited it (refunds, claims)
///   minus what it debited ({available}); too little → accounts code 2. Balances never change.
/// - Providers, offers and the scheduler are simulated by direct calls from the provider's own
///   EVM account ({createProvider}, {addOffer}, {acceptInstances}, {updateInstance}): there is no
///   scheduler app, node endorsement, stake or `ProviderCreate` body. Only native payment.
/// - `InstanceChangeAdmin` is handled as the Oasis CLI and client-rt use it (body
///   `{provider, id, admin}`, admin only); its handler is not in the oasis-sdk sources read.
/// - Gas: the module's charges (100,000 for InstanceCreate, 10,000 + 10,000 per command, ...) are
///   not simulated; EVM gas is whatever this contract uses.
contract RoflMarketStandIn {
    using CborReader for CborReader.Cursor;

    /// @notice Where the stand-in lives on local chains.
    address public constant MARKET_STAND_IN = 0x0100000000000000000000000000000000000a03;
    /// @notice Sapphire's subcall precompile, where {RoflModuleStandIn} runs: the only caller of {handle}.
    address public constant SUBCALL_PRECOMPILE = 0x0100000000000000000000000000000000000103;

    /// @notice `Config::MAX_INSTANCE_ACCEPT_TIME_SECONDS`.
    uint64 public constant MAX_INSTANCE_ACCEPT_TIME_SECONDS = 300;
    /// @notice `Config::MAX_QUEUED_INSTANCE_COMMANDS`.
    uint64 public constant MAX_QUEUED_INSTANCE_COMMANDS = 8;
    /// @notice `Config::MAX_INSTANCE_COMMAND_SIZE`.
    uint256 public constant MAX_INSTANCE_COMMAND_SIZE = 16 * 1024;

    /// @notice `InstanceStatus::Created`.
    uint8 public constant STATUS_CREATED = 0;
    /// @notice `InstanceStatus::Accepted`.
    uint8 public constant STATUS_ACCEPTED = 1;
    /// @notice `InstanceStatus::Cancelled`.
    uint8 public constant STATUS_CANCELLED = 2;

    // oasis-sdk runtime-sdk/modules/rofl-market/src/error.rs
    uint64 public constant MARKET_INVALID_ARGUMENT = 1;
    uint64 public constant MARKET_PROVIDER_NOT_FOUND = 3;
    uint64 public constant MARKET_FORBIDDEN = 4;
    uint64 public constant MARKET_OUT_OF_CAPACITY = 6;
    uint64 public constant MARKET_OFFER_NOT_FOUND = 7;
    uint64 public constant MARKET_INSTANCE_NOT_FOUND = 8;
    uint64 public constant MARKET_TOO_MANY_QUEUED_COMMANDS = 9;
    uint64 public constant MARKET_PAYMENT_FAILED = 10;
    uint64 public constant MARKET_INVALID_INSTANCE_STATE = 12;
    // oasis-sdk modules/accounts/mod.rs
    uint64 public constant ACCOUNTS_INSUFFICIENT_BALANCE = 2;
    // oasis-sdk modules/core/mod.rs
    uint64 public constant CORE_INVALID_METHOD = 3;

    bytes32 private constant _CREATE = keccak256("roflmarket.InstanceCreate");
    bytes32 private constant _TOP_UP = keccak256("roflmarket.InstanceTopUp");
    bytes32 private constant _EXECUTE_CMDS = keccak256("roflmarket.InstanceExecuteCmds");
    bytes32 private constant _CHANGE_ADMIN = keccak256("roflmarket.InstanceChangeAdmin");
    bytes32 private constant _CANCEL = keccak256("roflmarket.InstanceCancel");

    /// @notice A provider as the stand-in keeps it.
    struct Provider {
        bool exists;
        address account;
        uint64 offersNextId;
        uint64 instancesNextId;
        uint64 instancesCount;
    }

    /// @notice An offer: resources, capacity and the native price per term (index = `Term`; 0 = not offered).
    struct Offer {
        bool exists;
        uint8 tee;
        uint16 cpus;
        uint64 memoryMiB;
        uint64 storageMiB;
        uint64 capacity;
        uint128[4] prices;
    }

    /// @notice An instance (a rented machine), with what the module's `Instance` holds that matters here.
    struct Instance {
        bool exists;
        uint8 status;
        bool hasDeployment;
        uint64 offer;
        bytes21 creator;
        bytes21 admin;
        bytes21 refundTo;
        bytes21 deploymentApp;
        bytes32 manifestHash;
        uint64 createdAt;
        uint64 updatedAt;
        uint64 paidFrom;
        uint64 paidUntil;
        uint256 escrow;
        uint64 cmdNextId;
        uint64 cmdCount;
        uint64 cmdFirstId;
    }

    /// @notice A decoded `InstanceCreate` body.
    struct CreateBody {
        bytes21 provider;
        uint64 offer;
        bool hasAdmin;
        bytes21 admin;
        uint8 term;
        uint64 termCount;
    }

    /// @notice A decoded scheduler command.
    struct Command {
        string method;
        bool wipeStorage;
        bytes21 appId;
        bytes32 manifestHash;
    }

    mapping(bytes21 provider => Provider) private _providers;
    mapping(address account => bytes21) private _providerOfAccount;
    bytes21[] private _providerList;
    mapping(bytes21 provider => mapping(uint64 offer => Offer)) private _offers;
    mapping(bytes21 provider => mapping(uint64 id => Instance)) private _instances;
    mapping(bytes21 provider => mapping(uint64 id => mapping(uint64 cmd => bytes))) private _commands;
    mapping(bytes21 account => uint256) private _debited;
    mapping(bytes21 account => uint256) private _credited;

    /// @notice An instance was created (module event `InstanceCreated`).
    event InstanceCreated(bytes21 indexed provider, uint64 id);
    /// @notice An instance was accepted by its provider (`InstanceAccepted`).
    event InstanceAccepted(bytes21 indexed provider, uint64 id);
    /// @notice An instance changed: top-up, commands, admin, deployment (`InstanceUpdated`).
    event InstanceUpdated(bytes21 indexed provider, uint64 id);
    /// @notice An instance was cancelled (`InstanceCancelled`).
    event InstanceCancelled(bytes21 indexed provider, uint64 id);
    /// @notice An instance was removed (`InstanceRemoved`).
    event InstanceRemoved(bytes21 indexed provider, uint64 id);

    /// @notice {handle} was called by someone other than the rofl stand-in at the precompile address.
    error OnlyThroughSubcall(address caller);
    /// @notice The caller already registered a provider.
    error ProviderAlreadyExists(bytes21 provider);
    /// @notice The caller has no provider.
    error NotAProvider(address account);
    /// @notice `Resources::validate` refused the offer (module code 11).
    error BadResourceDescriptor(string reason);
    /// @notice No such instance of the caller's provider.
    error UnknownInstance(bytes21 provider, uint64 id);
    /// @notice The roflmarket method is not modelled by the stand-in.
    error MethodNotModelled(string method);
    // A map that holds a key the real encoder never writes there, or lacks one it always writes,
    // reverts with {CborReader.UnknownField} / {CborReader.MissingField}.
    /// @notice A field holds a value the real encoder never writes.
    error InvalidField(uint256 offset, string reason);

    // ---------------------------------------------------------------------------------------
    // Subcalls, through RoflModuleStandIn
    // ---------------------------------------------------------------------------------------

    /// @notice Answers a `roflmarket.*` subcall made by `caller` (its Oasis address) whose EVM
    /// account is `account`, as `(status, CBOR result or module name)`.
    function handle(bytes21 caller, address account, bytes calldata method, bytes calldata body)
        external
        returns (uint64, bytes memory)
    {
        if (msg.sender != SUBCALL_PRECOMPILE) revert OnlyThroughSubcall(msg.sender);
        bytes32 m = keccak256(method);
        if (m == _CREATE) return _instanceCreate(caller, account, body);
        if (m == _TOP_UP) return _instanceTopUp(caller, account, body);
        if (m == _EXECUTE_CMDS) return _executeCmds(caller, body);
        if (m == _CHANGE_ADMIN) return _changeAdmin(caller, body);
        if (m == _CANCEL) return _cancel(caller, body);
        revert MethodNotModelled(string(method));
    }

    function _instanceCreate(bytes21 caller, address account, bytes calldata body)
        private
        returns (uint64, bytes memory)
    {
        CreateBody memory b = _decodeInstanceCreate(body);
        if (b.termCount == 0) return _err(MARKET_INVALID_ARGUMENT);
        Provider storage p = _providers[b.provider];
        if (!p.exists) return _err(MARKET_PROVIDER_NOT_FOUND);
        Offer storage o = _offers[b.provider][b.offer];
        if (!o.exists) return _err(MARKET_OFFER_NOT_FOUND);
        if (o.capacity == 0) return _err(MARKET_OUT_OF_CAPACITY);
        (uint64 code, uint256 fee) = _fee(o.prices[b.term], b.termCount, caller, account);
        if (code != 0) return _payErr(code);

        uint64 id = p.instancesNextId++;
        ++p.instancesCount;
        Instance storage inst = _instances[b.provider][id];
        uint64 now_ = uint64(block.timestamp);
        inst.exists = true;
        inst.offer = b.offer;
        inst.creator = caller;
        inst.admin = b.hasAdmin ? b.admin : caller;
        inst.createdAt = now_;
        inst.updatedAt = now_;
        inst.paidFrom = now_;
        inst.paidUntil = now_ + _termSeconds(b.term) * b.termCount;
        _debit(inst, caller, fee);
        emit InstanceCreated(b.provider, id);
        return (0, abi.encodePacked(uint8(0x48), bytes8(id)));
    }

    function _instanceTopUp(bytes21 caller, address account, bytes calldata body)
        private
        returns (uint64, bytes memory)
    {
        (bytes21 provider, uint64 id, uint8 term, uint64 termCount) = _decodeTopUp(body);
        if (termCount == 0) return _err(MARKET_INVALID_ARGUMENT);
        Instance storage inst = _instances[provider][id];
        if (!inst.exists) return _err(MARKET_INSTANCE_NOT_FOUND);
        if (inst.status != STATUS_ACCEPTED) return _err(MARKET_INVALID_INSTANCE_STATE);
        (uint64 code, uint256 fee) = _fee(_offers[provider][inst.offer].prices[term], termCount, caller, account);
        if (code != 0) return _payErr(code);
        inst.paidUntil += _termSeconds(term) * termCount;
        inst.updatedAt = uint64(block.timestamp);
        _debit(inst, caller, fee);
        emit InstanceUpdated(provider, id);
        return (0, hex"f6");
    }

    function _executeCmds(bytes21 caller, bytes calldata body) private returns (uint64, bytes memory) {
        (bytes21 provider, uint64 id, bytes[] memory cmds) = _decodeExecuteCmds(body);
        for (uint256 i; i < cmds.length; ++i) {
            if (cmds[i].length > MAX_INSTANCE_COMMAND_SIZE) return _err(MARKET_INVALID_ARGUMENT);
        }
        Instance storage inst = _instances[provider][id];
        if (!inst.exists) return _err(MARKET_INSTANCE_NOT_FOUND);
        if (inst.admin != caller) return _err(MARKET_FORBIDDEN);
        if (inst.status != STATUS_ACCEPTED) return _err(MARKET_INVALID_INSTANCE_STATE);
        if (inst.cmdCount + cmds.length >= MAX_QUEUED_INSTANCE_COMMANDS) return _err(MARKET_TOO_MANY_QUEUED_COMMANDS);
        for (uint256 i; i < cmds.length; ++i) {
            _commands[provider][id][inst.cmdNextId++] = cmds[i];
        }
        inst.cmdCount += uint64(cmds.length);
        inst.updatedAt = uint64(block.timestamp);
        emit InstanceUpdated(provider, id);
        return (0, hex"f6");
    }

    function _changeAdmin(bytes21 caller, bytes calldata body) private returns (uint64, bytes memory) {
        (bytes21 provider, uint64 id, bytes21 admin) = _decodeChangeAdmin(body);
        Instance storage inst = _instances[provider][id];
        if (!inst.exists) return _err(MARKET_INSTANCE_NOT_FOUND);
        if (inst.admin != caller) return _err(MARKET_FORBIDDEN);
        inst.admin = admin;
        inst.updatedAt = uint64(block.timestamp);
        emit InstanceUpdated(provider, id);
        return (0, hex"f6");
    }

    function _cancel(bytes21 caller, bytes calldata body) private returns (uint64, bytes memory) {
        (bytes21 provider, uint64 id) = _decodeProviderId(body);
        if (!_providers[provider].exists) return _err(MARKET_PROVIDER_NOT_FOUND);
        Instance storage inst = _instances[provider][id];
        if (!inst.exists) return _err(MARKET_INSTANCE_NOT_FOUND);
        if (inst.admin != caller) return _err(MARKET_FORBIDDEN);
        uint64 now_ = uint64(block.timestamp);
        if (inst.status == STATUS_CREATED && now_ - inst.createdAt > MAX_INSTANCE_ACCEPT_TIME_SECONDS) {
            // Not accepted in time: full refund, and the instance is removed.
            _credited[inst.refundTo] += inst.escrow;
            _removeCommands(provider, id, inst);
            delete _instances[provider][id];
            emit InstanceRemoved(provider, id);
        } else if (inst.status != STATUS_CANCELLED) {
            // Accepted, or cancelled within the acceptance window: the provider claims it all.
            inst.status = STATUS_CANCELLED;
            inst.updatedAt = now_;
            _credited[OasisIds.fromEth(_providers[provider].account)] += inst.escrow;
            inst.escrow = 0;
            inst.paidFrom = inst.paidUntil;
            emit InstanceCancelled(provider, id);
        }
        return (0, hex"f6");
    }

    // ---------------------------------------------------------------------------------------
    // The simulated provider (scheduler transactions)
    // ---------------------------------------------------------------------------------------

    /// @notice Registers the caller's account as a provider (`roflmarket.ProviderCreate`, with
    /// no nodes, scheduler app or offers); returns its Oasis address.
    function createProvider() external returns (bytes21 provider) {
        provider = OasisIds.fromEth(msg.sender);
        if (_providers[provider].exists) revert ProviderAlreadyExists(provider);
        _providers[provider] = Provider(true, msg.sender, 0, 0, 0);
        _providerOfAccount[msg.sender] = provider;
        _providerList.push(provider);
    }

    /// @notice Adds an offer to the caller's provider (`ProviderUpdateOffers.add`), with native
    /// prices per term (`prices[0]` hour, `[1]` month, `[2]` year; 0 = term not offered).
    function addOffer(
        uint8 tee,
        uint64 memoryMiB,
        uint16 cpus,
        uint64 storageMiB,
        uint64 capacity,
        uint128[3] calldata prices
    ) external returns (uint64 offerId) {
        bytes21 provider = _ownProvider();
        // types.rs Resources::validate
        if (memoryMiB < 16) revert BadResourceDescriptor("memory must be at least 16 MiB");
        if (cpus < 1) revert BadResourceDescriptor("there must be at least 1 vCPU");
        if (tee != 1 && tee != 2) revert BadResourceDescriptor("tee must be 1 (SGX) or 2 (TDX)");
        offerId = _providers[provider].offersNextId++;
        Offer storage o = _offers[provider][offerId];
        o.exists = true;
        o.tee = tee;
        o.cpus = cpus;
        o.memoryMiB = memoryMiB;
        o.storageMiB = storageMiB;
        o.capacity = capacity;
        o.prices = [uint128(0), prices[0], prices[1], prices[2]];
    }

    /// @notice `InstanceAccept` by the caller's provider: skips unknown and non-`Created` ids.
    function acceptInstances(uint64[] calldata ids) external {
        bytes21 provider = _ownProvider();
        for (uint256 i; i < ids.length; ++i) {
            Instance storage inst = _instances[provider][ids[i]];
            if (!inst.exists || inst.status != STATUS_CREATED) continue;
            Offer storage o = _offers[provider][inst.offer];
            if (o.exists && o.capacity != 0) --o.capacity;
            inst.status = STATUS_ACCEPTED;
            inst.updatedAt = uint64(block.timestamp);
            emit InstanceAccepted(provider, ids[i]);
        }
    }

    /// @notice `InstanceUpdate` of one instance by the caller's provider: when `setDeployment`, the
    /// deployment becomes (`appId`, `manifestHash`); when `completeCommands`, the queued commands
    /// with ids up to `lastCompletedCmd` (inclusive) are removed.
    function updateInstance(
        uint64 id,
        bool setDeployment,
        bytes21 appId,
        bytes32 manifestHash,
        bool completeCommands,
        uint64 lastCompletedCmd
    ) external {
        bytes21 provider = _ownProvider();
        Instance storage inst = _instances[provider][id];
        if (!inst.exists) revert UnknownInstance(provider, id);
        if (setDeployment) {
            inst.hasDeployment = true;
            inst.deploymentApp = appId;
            inst.manifestHash = manifestHash;
        }
        if (completeCommands) {
            while (inst.cmdFirstId < inst.cmdNextId && inst.cmdFirstId <= lastCompletedCmd) {
                delete _commands[provider][id][inst.cmdFirstId++];
                --inst.cmdCount;
            }
        }
        inst.updatedAt = uint64(block.timestamp);
        emit InstanceUpdated(provider, id);
    }

    // ---------------------------------------------------------------------------------------
    // Views (never depend on msg.sender)
    // ---------------------------------------------------------------------------------------

    /// @notice Every provider, in registration order.
    function providers() external view returns (bytes21[] memory) {
        return _providerList;
    }

    /// @notice The provider registered by `account` (zero: none).
    function providerOf(address account) external view returns (bytes21) {
        return _providerOfAccount[account];
    }

    /// @notice The provider record of `provider`.
    function providerInfo(bytes21 provider) external view returns (Provider memory) {
        return _providers[provider];
    }

    /// @notice The offer `offerId` of `provider`.
    function offer(bytes21 provider, uint64 offerId) external view returns (Offer memory) {
        return _offers[provider][offerId];
    }

    /// @notice The instance `id` of `provider` (`exists` false when there is none).
    function instance(bytes21 provider, uint64 id) external view returns (Instance memory) {
        return _instances[provider][id];
    }

    /// @notice The queued commands of an instance, oldest first, with their ids.
    function instanceCommands(bytes21 provider, uint64 id)
        external
        view
        returns (uint64[] memory ids, bytes[] memory cmds)
    {
        Instance storage inst = _instances[provider][id];
        uint256 n = inst.cmdNextId - inst.cmdFirstId;
        ids = new uint64[](n);
        cmds = new bytes[](n);
        for (uint256 i; i < n; ++i) {
            ids[i] = inst.cmdFirstId + uint64(i);
            cmds[i] = _commands[provider][id][ids[i]];
        }
    }

    /// @notice What the module would see as the balance of `account` (Oasis address of `evm`):
    /// the EVM balance plus the stand-in's credits minus its debits.
    function available(bytes21 account, address evm) public view returns (uint256) {
        return evm.balance + _credited[account] - _debited[account];
    }

    /// @notice Total the ledger debited from `account` (payments).
    function debited(bytes21 account) external view returns (uint256) {
        return _debited[account];
    }

    /// @notice Total the ledger credited to `account` (refunds, provider claims).
    function credited(bytes21 account) external view returns (uint256) {
        return _credited[account];
    }

    /// @notice Decodes a scheduler command strictly (oasis-sdk `rofl-scheduler/src/types.rs`):
    /// `Deploy` carries the app and manifest hash; `Restart` / `Terminate` only `wipe_storage`.
    function decodeCommand(bytes memory cmd) public pure returns (Command memory out) {
        CborReader.Cursor memory c = CborReader.cursor(cmd);
        uint256 mapOffset = c.pos;
        if (c.readMapHeader() != 2) revert InvalidField(mapOffset, "a command is {args, method}");
        CborReader.MapKeys memory keys = CborReader.newMapKeys();
        (string memory key, uint256 offset) = c.readMapKey(keys);
        if (keccak256(bytes(key)) != keccak256("args")) revert CborReader.UnknownField(offset, key);
        uint256 argsAt = c.pos;
        // The method comes after the args: read it first from a second cursor.
        c.skipValue();
        (key, offset) = c.readMapKey(keys);
        if (keccak256(bytes(key)) != keccak256("method")) revert CborReader.UnknownField(offset, key);
        uint256 methodAt = c.pos;
        out.method = c.readText();
        c.requireEnd();
        CborReader.Cursor memory a = CborReader.cursor(cmd);
        a.pos = argsAt;
        bytes32 m = keccak256(bytes(out.method));
        if (m == keccak256("Deploy")) {
            (out.appId, out.manifestHash, out.wipeStorage) = _decodeDeployArgs(a);
        } else if (m == keccak256("Restart") || m == keccak256("Terminate")) {
            out.wipeStorage = _decodeWipeArgs(a);
        } else {
            revert InvalidField(methodAt, "method must be Deploy, Restart or Terminate");
        }
    }

    // ---------------------------------------------------------------------------------------
    // Payment ledger
    // ---------------------------------------------------------------------------------------

    /// @dev payment.rs `Payment::Native::pay`: `terms[term] × term_count` from the caller.
    function _fee(uint128 price, uint64 termCount, bytes21 caller, address account)
        private
        view
        returns (uint64 code, uint256 fee)
    {
        if (price == 0) return (MARKET_PAYMENT_FAILED, 0);
        fee = uint256(price) * termCount;
        if (available(caller, account) < fee) return (ACCOUNTS_INSUFFICIENT_BALANCE, 0);
    }

    function _debit(Instance storage inst, bytes21 caller, uint256 fee) private {
        _debited[caller] += fee;
        inst.escrow += fee;
        inst.refundTo = caller;
    }

    function _removeCommands(bytes21 provider, uint64 id, Instance storage inst) private {
        for (uint64 cmd = inst.cmdFirstId; cmd < inst.cmdNextId; ++cmd) {
            delete _commands[provider][id][cmd];
        }
    }

    function _ownProvider() private view returns (bytes21 provider) {
        provider = _providerOfAccount[msg.sender];
        if (provider == bytes21(0)) revert NotAProvider(msg.sender);
    }

    function _err(uint64 code) private pure returns (uint64, bytes memory) {
        return (code, "roflmarket");
    }

    function _payErr(uint64 code) private pure returns (uint64, bytes memory) {
        return (code, code == ACCOUNTS_INSUFFICIENT_BALANCE ? bytes("accounts") : bytes("roflmarket"));
    }

    function _termSeconds(uint8 term) private pure returns (uint64) {
        if (term == 1) return 3600;
        if (term == 2) return 30 * 24 * 3600;
        return 365 * 30 * 24 * 3600;
    }

    // ---------------------------------------------------------------------------------------
    // Strict body decoders
    // ---------------------------------------------------------------------------------------

    function _decodeInstanceCreate(bytes calldata body) private pure returns (CreateBody memory b) {
        CborReader.Cursor memory c = CborReader.cursor(body);
        CborReader.Fields memory f = c.readFields();
        // The first four are always written; `admin` is optional.
        string[] memory names = new string[](6);
        (names[0], names[1], names[2], names[3], names[4], names[5]) =
        ("term", "offer", "provider", "term_count", "admin", "deployment");
        for (uint256 i; i < f.count; ++i) {
            uint256 offset = c.pos;
            uint256 field = c.readField(f, names);
            if (field == 0) {
                b.term = _readTerm(c);
            } else if (field == 1) {
                b.offer = _readId(c);
            } else if (field == 2) {
                b.provider = c.readBytes21();
            } else if (field == 3) {
                b.termCount = c.readUint();
            } else if (field == 4) {
                b.admin = c.readBytes21();
                b.hasAdmin = true;
            } else {
                // Accepted in the real body; roflgov never sends it and the stand-in does not model it.
                revert InvalidField(offset, "InstanceCreate.deployment is not modelled");
            }
        }
        CborReader.requireFields(f, 15, names);
        c.requireEnd();
    }

    function _decodeTopUp(bytes calldata body)
        private
        pure
        returns (bytes21 provider, uint64 id, uint8 term, uint64 termCount)
    {
        CborReader.Cursor memory c = CborReader.cursor(body);
        CborReader.Fields memory f = c.readFields();
        string[] memory names = CborReader.fieldNames("id", "term", "provider", "term_count");
        for (uint256 i; i < f.count; ++i) {
            uint256 field = c.readField(f, names);
            if (field == 0) {
                id = _readId(c);
            } else if (field == 1) {
                term = _readTerm(c);
            } else if (field == 2) {
                provider = c.readBytes21();
            } else {
                termCount = c.readUint();
            }
        }
        CborReader.requireFields(f, 15, names);
        c.requireEnd();
    }

    function _decodeExecuteCmds(bytes calldata body)
        private
        pure
        returns (bytes21 provider, uint64 id, bytes[] memory cmds)
    {
        CborReader.Cursor memory c = CborReader.cursor(body);
        CborReader.Fields memory f = c.readFields();
        string[] memory names = CborReader.fieldNames("id", "cmds", "provider");
        for (uint256 i; i < f.count; ++i) {
            uint256 field = c.readField(f, names);
            if (field == 0) {
                id = _readId(c);
            } else if (field == 1) {
                uint256 count = c.readArrayHeader();
                cmds = new bytes[](count);
                for (uint256 j; j < count; ++j) {
                    uint256 at = c.pos;
                    cmds[j] = c.readBytes();
                    if (cmds[j].length <= MAX_INSTANCE_COMMAND_SIZE) {
                        // STRICTER than the module: every command must be one the scheduler knows.
                        _requireCommand(cmds[j], at);
                    }
                }
            } else {
                provider = c.readBytes21();
            }
        }
        CborReader.requireFields(f, 7, names);
        c.requireEnd();
    }

    function _requireCommand(bytes memory cmd, uint256 at) private pure {
        if (cmd.length == 0) revert InvalidField(at, "empty command");
        decodeCommand(cmd);
    }

    function _decodeChangeAdmin(bytes calldata body) private pure returns (bytes21 provider, uint64 id, bytes21 admin) {
        CborReader.Cursor memory c = CborReader.cursor(body);
        CborReader.Fields memory f = c.readFields();
        string[] memory names = CborReader.fieldNames("id", "admin", "provider");
        for (uint256 i; i < f.count; ++i) {
            uint256 field = c.readField(f, names);
            if (field == 0) id = _readId(c);
            else if (field == 1) admin = c.readBytes21();
            else provider = c.readBytes21();
        }
        CborReader.requireFields(f, 7, names);
        c.requireEnd();
    }

    function _decodeProviderId(bytes calldata body) private pure returns (bytes21 provider, uint64 id) {
        CborReader.Cursor memory c = CborReader.cursor(body);
        CborReader.Fields memory f = c.readFields();
        string[] memory names = CborReader.fieldNames("id", "provider");
        for (uint256 i; i < f.count; ++i) {
            if (c.readField(f, names) == 0) id = _readId(c);
            else provider = c.readBytes21();
        }
        CborReader.requireFields(f, 3, names);
        c.requireEnd();
    }

    /// @dev `DeployRequest {deployment: Deployment {app_id, manifest_hash, metadata}, wipe_storage}`.
    function _decodeDeployArgs(CborReader.Cursor memory c)
        private
        pure
        returns (bytes21 appId, bytes32 manifestHash, bool wipeStorage)
    {
        CborReader.Fields memory f = c.readFields();
        string[] memory names = CborReader.fieldNames("deployment", "wipe_storage");
        for (uint256 i; i < f.count; ++i) {
            if (c.readField(f, names) == 0) (appId, manifestHash) = _decodeDeployment(c);
            else wipeStorage = c.readBool();
        }
        CborReader.requireFields(f, 3, names);
    }

    function _decodeDeployment(CborReader.Cursor memory c) private pure returns (bytes21 appId, bytes32 manifestHash) {
        CborReader.Fields memory f = c.readFields();
        string[] memory names = CborReader.fieldNames("app_id", "metadata", "manifest_hash");
        for (uint256 i; i < f.count; ++i) {
            uint256 field = c.readField(f, names);
            if (field == 0) {
                appId = c.readBytes21();
            } else if (field == 1) {
                uint256 pairs = c.readMapHeader();
                CborReader.MapKeys memory metaKeys = CborReader.newMapKeys();
                for (uint256 j; j < pairs; ++j) {
                    c.readMapKey(metaKeys);
                    c.readText();
                }
            } else {
                manifestHash = c.readBytes32();
            }
        }
        CborReader.requireFields(f, 7, names);
    }

    function _decodeWipeArgs(CborReader.Cursor memory c) private pure returns (bool wipeStorage) {
        CborReader.Fields memory f = c.readFields();
        string[] memory names = CborReader.fieldNames("wipe_storage");
        for (uint256 i; i < f.count; ++i) {
            // One field: anything else reverts in `readField`.
            if (c.readField(f, names) == 0) wipeStorage = c.readBool();
        }
        CborReader.requireFields(f, 1, names);
    }

    function _readId(CborReader.Cursor memory c) private pure returns (uint64) {
        return uint64(bytes8(c.readBytesOfLength(8)));
    }

    function _readTerm(CborReader.Cursor memory c) private pure returns (uint8) {
        uint256 at = c.pos;
        uint64 term = c.readUint();
        if (term < 1 || term > 3) revert InvalidField(at, "term must be 1 (hour), 2 (month) or 3 (year)");
        return uint8(term);
    }
}
