// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {Test} from "forge-std/Test.sol";

import {IRoflAppAdmin} from "../../contracts/interfaces/IRoflAppAdmin.sol";
import {IRoflReleaseGovernance} from "../../contracts/interfaces/IRoflReleaseGovernance.sol";
import {
    AppLocks,
    FLOOR_MAX_EXPIRATION,
    FLOOR_MIN_TCB_EVALUATION_DATA_NUMBER,
    FLOOR_TDX_MODULES,
    IRoflLocks
} from "../../contracts/interfaces/IRoflLocks.sol";
import {RoflAppAdmin} from "../../contracts/rofl/RoflAppAdmin.sol";
import {AppConfig, EnclaveIdentity, QuotePolicy, TdxModule} from "../../contracts/types/RoflTypes.sol";
import {RoflAppAdminBase} from "../utils/RoflAppAdminBase.sol";
import {RoflRandomConfig} from "../utils/RoflRandomConfig.sol";

/// @title Drives one app with random owner changes and locks, guardian revocations and freezes,
/// and anyone's prunes and lock-breaking attempts; after every step it compares the app with the
/// ghost values of everything locked
/// @dev Ghost state: the value each locked key and secret was fixed at (recorded the first time
/// it is seen present under its lock), and the last values of the floored fields. Violations are
/// counted (an assertion inside a handler would only make the call revert).
contract RoflLocksHandler is Test, RoflRandomConfig {
    RoflAppAdmin internal immutable rofl;
    bytes21 internal immutable app;
    address internal immutable owner;
    address internal immutable guardian;
    address internal immutable anyone;

    string[4] internal keys = ["env.MODE", "env.FEED", "net.oasis.rofl.version", "k"];
    string[3] internal names = ["API_KEY", "DB", "S"];

    mapping(bytes32 keyHash => bytes32) public fixedMetadata;
    mapping(bytes32 nameHash => bytes32) public fixedSecret;
    uint256 public lockedKeyCount;
    uint8 public lockedFloors;
    uint32 public lastMinTcb;
    uint64 public lastMaxExpiration;
    /// @dev The accepted TDX modules last seen: `tdxAccepted` false is none, an empty list any.
    bool public tdxAccepted;
    bytes32[] public tdxModules;

    uint256 public violations;
    uint256 public locksTaken;
    uint256 public lockBreakingAccepted;

    constructor(RoflAppAdmin rofl_, bytes21 app_, address owner_, address guardian_, address anyone_) {
        rofl = rofl_;
        app = app_;
        owner = owner_;
        guardian = guardian_;
        anyone = anyone_;
        _snapshotFloors();
    }

    /// @dev The value hashes of the keys are kept with a presence bit, so "absent" differs from
    /// "empty".
    function _valueHash(bytes memory value) internal pure returns (bytes32) {
        return keccak256(abi.encodePacked(uint8(1), value));
    }

    // -------------------------------------------------------------------------------------------
    // Owner
    // -------------------------------------------------------------------------------------------

    function ownerSetMetadata(uint256 which, uint256 value) external {
        _owner(abi.encodeCall(IRoflAppAdmin.setMetadata, (app, 0, keys[which % 4], vm.toString(value % 5))));
    }

    function ownerDeleteMetadata(uint256 which) external {
        _owner(abi.encodeCall(IRoflAppAdmin.deleteMetadata, (app, 0, keys[which % 4])));
    }

    function ownerSetSecret(uint256 which, uint256 value) external {
        _owner(abi.encodeCall(IRoflAppAdmin.setSecret, (app, 0, names[which % 3], abi.encodePacked(uint8(value)))));
    }

    function ownerDeleteSecret(uint256 which) external {
        _owner(abi.encodeCall(IRoflAppAdmin.deleteSecret, (app, 0, names[which % 3])));
    }

    function ownerLock(uint256 which) external {
        uint256 kind = which % 3;
        bytes memory call;
        if (kind == 0) call = abi.encodeCall(IRoflLocks.lockMetadata, (app, 0, keys[(which / 3) % 4]));
        else if (kind == 1) call = abi.encodeCall(IRoflLocks.lockSecret, (app, 0, names[(which / 3) % 3]));
        else call = abi.encodeCall(IRoflLocks.lockFloors, (app, 0, uint8(1 + (which / 3) % 7)));
        if (_owner(call)) ++locksTaken;
    }

    function ownerSetMaxExpiration(uint256 value) external {
        _owner(abi.encodeCall(IRoflAppAdmin.setMaxExpiration, (app, 0, uint64(1 + value % 24))));
    }

    function ownerSetQuotePolicy(uint256 seed) external {
        _owner(abi.encodeCall(IRoflAppAdmin.setQuotePolicy, (app, 0, _randomQuotes(seed))));
    }

    /// @dev A batch of two random changes: locks and lock-breaking changes mixed.
    function ownerBatch(uint256 a, uint256 b) external {
        bytes[] memory calls = new bytes[](2);
        calls[0] = _randomCall(a);
        calls[1] = _randomCall(b);
        _owner(abi.encodeCall(IRoflAppAdmin.multicall, (calls)));
    }

    /// @dev Handing a locked app over must fail (a hand-over of an unlocked one ends the run's
    /// subject, so it is not tried).
    function ownerTransfer() external {
        AppLocks memory locks = rofl.locks(app);
        if (locks.floors == 0 && locks.metadataKeys.length == 0 && locks.secretNames.length == 0) return;
        if (_owner(abi.encodeCall(IRoflAppAdmin.transferRoflAdmin, (app, 0, bytes21(uint168(0xbeef)))))) {
            ++lockBreakingAccepted;
        }
    }

    function ownerUnfreezeWithIdentity(uint256 seed) external {
        bytes[] memory calls = new bytes[](2);
        calls[0] = abi.encodeCall(IRoflReleaseGovernance.unfreeze, (app, 0));
        calls[1] = abi.encodeCall(IRoflAppAdmin.addEnclave, (app, 0, EnclaveIdentity(keccak256(abi.encode(seed)), 0)));
        _owner(abi.encodeCall(IRoflAppAdmin.multicall, (calls)));
    }

    // -------------------------------------------------------------------------------------------
    // Guardian and anyone
    // -------------------------------------------------------------------------------------------

    function guardianRevoke(uint256 index) external {
        EnclaveIdentity[] memory enclaves = rofl.getApp(app).policy.enclaves;
        if (enclaves.length < 2) return;
        _as(guardian, abi.encodeCall(IRoflReleaseGovernance.revokeEnclave, (app, 0, enclaves[index % enclaves.length])));
    }

    function guardianFreeze() external {
        _as(guardian, abi.encodeCall(IRoflReleaseGovernance.freeze, (app, 0)));
    }

    function anyonePrune() external {
        _as(anyone, abi.encodeCall(IRoflReleaseGovernance.prune, (app)));
    }

    /// @dev The guardian or anyone tries a lock or a lock-breaking change: only the owner may.
    function strangerChange(uint256 seed, bool asGuardian) external {
        if (_as(asGuardian ? guardian : anyone, _randomCall(seed))) ++lockBreakingAccepted;
    }

    // -------------------------------------------------------------------------------------------

    function _randomCall(uint256 seed) internal view returns (bytes memory) {
        uint256 which = seed % 7;
        uint256 arg = seed / 7;
        if (which == 0) {
            return abi.encodeCall(IRoflAppAdmin.setMetadata, (app, 0, keys[arg % 4], vm.toString(arg % 3)));
        }
        if (which == 1) return abi.encodeCall(IRoflAppAdmin.deleteMetadata, (app, 0, keys[arg % 4]));
        if (which == 2) return abi.encodeCall(IRoflAppAdmin.setSecret, (app, 0, names[arg % 3], hex"07"));
        if (which == 3) return abi.encodeCall(IRoflAppAdmin.deleteSecret, (app, 0, names[arg % 3]));
        if (which == 4) return abi.encodeCall(IRoflAppAdmin.setMaxExpiration, (app, 0, uint64(1 + arg % 24)));
        if (which == 5) return abi.encodeCall(IRoflAppAdmin.setQuotePolicy, (app, 0, _randomQuotes(arg)));
        return abi.encodeCall(IRoflLocks.lockMetadata, (app, 0, keys[arg % 4]));
    }

    /// @dev PCS present or not, disabled or not, TDX or not, minimum TCB 16..20, and zero to two
    /// modules out of a pool of three (one of them any measurement of Intel's signer).
    function _randomQuotes(uint256 seed) internal pure returns (QuotePolicy memory quotes) {
        quotes.pcsPresent = seed % 8 != 0;
        if (!quotes.pcsPresent) return quotes;
        quotes.pcs.disabled = (seed >> 3) % 8 == 0;
        quotes.pcs.tcbValidityPeriod = 30;
        quotes.pcs.minTcbEvaluationDataNumber = uint32(16 + (seed >> 6) % 5);
        quotes.pcs.tdxAllowed = (seed >> 9) % 6 != 0;
        if (!quotes.pcs.tdxAllowed) return quotes;
        uint256 count = (seed >> 12) % 3;
        quotes.pcs.allowedTdxModules = new TdxModule[](count);
        for (uint256 i; i < count; ++i) {
            uint256 pick = (seed >> (14 + 2 * i)) % 3;
            quotes.pcs.allowedTdxModules[i] = TdxModule(
                pick == 0 ? new bytes(0) : _fill(bytes1(uint8(pick)), 48), _fill(bytes1(uint8(pick == 2 ? 1 : 0)), 48)
            );
        }
    }

    function _fill(bytes1 b, uint256 length) internal pure returns (bytes memory out) {
        out = new bytes(length);
        for (uint256 i; i < length; ++i) {
            out[i] = b;
        }
    }

    function _owner(bytes memory call) internal returns (bool ok) {
        ok = _as(owner, call);
    }

    /// @dev Sends `call` from `caller`, then checks every lock against the ghost values.
    function _as(address caller, bytes memory call) internal returns (bool ok) {
        vm.prank(caller);
        (ok,) = address(rofl).call(call);
        _check();
    }

    function _check() internal {
        AppLocks memory locks = rofl.locks(app);
        AppConfig memory config = rofl.getApp(app);
        // Locks only grow.
        uint256 count = locks.metadataKeys.length + locks.secretNames.length;
        if (count < lockedKeyCount || locks.floors & lockedFloors != lockedFloors) ++violations;
        lockedKeyCount = count;

        for (uint256 i; i < locks.metadataKeys.length; ++i) {
            bytes32 keyHash = keccak256(bytes(locks.metadataKeys[i]));
            bytes32 current = bytes32(0);
            for (uint256 j; j < config.metadata.length; ++j) {
                if (keccak256(bytes(config.metadata[j].key)) == keyHash) {
                    current = _valueHash(bytes(config.metadata[j].value));
                }
            }
            bytes32 fixed_ = fixedMetadata[keyHash];
            if (fixed_ == bytes32(0)) fixedMetadata[keyHash] = current;
            else if (current != fixed_) ++violations;
        }
        for (uint256 i; i < locks.secretNames.length; ++i) {
            bytes32 nameHash = keccak256(bytes(locks.secretNames[i]));
            bytes32 current = bytes32(0);
            for (uint256 j; j < config.secrets.length; ++j) {
                if (keccak256(bytes(config.secrets[j].name)) == nameHash) {
                    current = _valueHash(config.secrets[j].value);
                }
            }
            bytes32 fixed_ = fixedSecret[nameHash];
            if (fixed_ == bytes32(0)) fixedSecret[nameHash] = current;
            else if (current != fixed_) ++violations;
        }

        // Floors: compared with the last values seen while the floor was already locked.
        QuotePolicy memory quotes = config.policy.quotes;
        uint32 minTcb = quotes.pcsPresent ? quotes.pcs.minTcbEvaluationDataNumber : 0;
        if (lockedFloors & FLOOR_MIN_TCB_EVALUATION_DATA_NUMBER != 0 && minTcb < lastMinTcb) ++violations;
        if (lockedFloors & FLOOR_MAX_EXPIRATION != 0 && config.policy.maxExpiration > lastMaxExpiration) {
            ++violations;
        }
        if (lockedFloors & FLOOR_TDX_MODULES != 0 && !_tdxShrank(quotes)) ++violations;
        lockedFloors = locks.floors;
        _snapshotFloors();
    }

    /// @dev The accepted TDX modules now are a subset of those last seen, by exact module: a
    /// module of the new list must be in the old list, or the old list must hold an
    /// any-measurement module of the same signer.
    function _tdxShrank(QuotePolicy memory quotes) internal view returns (bool) {
        bool accepted = quotes.pcsPresent && !quotes.pcs.disabled && quotes.pcs.tdxAllowed;
        if (!accepted) return true;
        if (!tdxAccepted) return false;
        if (tdxModules.length == 0) return true;
        TdxModule[] memory list = quotes.pcs.allowedTdxModules;
        if (list.length == 0) return false;
        for (uint256 i; i < list.length; ++i) {
            bytes32 exact = keccak256(abi.encode(list[i].mrSeam, list[i].mrSignerSeam));
            bytes32 anyOfSigner = keccak256(abi.encode(new bytes(0), list[i].mrSignerSeam));
            bool found = false;
            for (uint256 j; j < tdxModules.length; ++j) {
                if (tdxModules[j] == exact || tdxModules[j] == anyOfSigner) found = true;
            }
            if (!found) return false;
        }
        return true;
    }

    function _snapshotFloors() internal {
        AppConfig memory config = rofl.getApp(app);
        QuotePolicy memory quotes = config.policy.quotes;
        lastMinTcb = quotes.pcsPresent ? quotes.pcs.minTcbEvaluationDataNumber : 0;
        lastMaxExpiration = config.policy.maxExpiration;
        tdxAccepted = quotes.pcsPresent && !quotes.pcs.disabled && quotes.pcs.tdxAllowed;
        delete tdxModules;
        if (!tdxAccepted) return;
        for (uint256 i; i < quotes.pcs.allowedTdxModules.length; ++i) {
            TdxModule memory m = quotes.pcs.allowedTdxModules[i];
            tdxModules.push(keccak256(abi.encode(m.mrSeam, m.mrSignerSeam)));
        }
    }
}

/// @title Locks never loosen: once locked a key's value never changes and floors never go back
contract RoflLocksInvariantTest is RoflAppAdminBase {
    RoflLocksHandler internal handler;
    address internal guardian = makeAddr("guardian");

    function setUp() public override {
        super.setUp();
        bytes21 app = _create(_defaultPolicy(), _metadata("env.MODE", "safe"));
        vm.startPrank(owner);
        rofl.addEnclave(app, 0, _identity(1));
        rofl.addEnclave(app, 0, _identity(2));
        rofl.setGuardian(app, guardian);
        vm.stopPrank();
        handler = new RoflLocksHandler(rofl, app, owner, guardian, stranger);
        targetContract(address(handler));
        bytes4[] memory selectors = new bytes4[](16);
        selectors[0] = RoflLocksHandler.ownerSetMetadata.selector;
        selectors[1] = RoflLocksHandler.ownerDeleteMetadata.selector;
        selectors[2] = RoflLocksHandler.ownerSetSecret.selector;
        selectors[3] = RoflLocksHandler.ownerDeleteSecret.selector;
        selectors[4] = RoflLocksHandler.ownerLock.selector;
        selectors[5] = RoflLocksHandler.ownerLock.selector;
        selectors[6] = RoflLocksHandler.ownerSetMaxExpiration.selector;
        selectors[7] = RoflLocksHandler.ownerSetQuotePolicy.selector;
        selectors[8] = RoflLocksHandler.ownerBatch.selector;
        selectors[9] = RoflLocksHandler.ownerTransfer.selector;
        selectors[10] = RoflLocksHandler.ownerUnfreezeWithIdentity.selector;
        selectors[11] = RoflLocksHandler.guardianRevoke.selector;
        selectors[12] = RoflLocksHandler.guardianFreeze.selector;
        selectors[13] = RoflLocksHandler.anyonePrune.selector;
        selectors[14] = RoflLocksHandler.strangerChange.selector;
        selectors[15] = RoflLocksHandler.ownerSetQuotePolicy.selector;
        targetSelector(FuzzSelector({addr: address(handler), selectors: selectors}));
    }

    /// @dev No locked key or secret ever changed or went away, no floor went back, no lock went.
    function invariant_LocksNeverLoosen() public view {
        assertEq(handler.violations(), 0, "a lock loosened");
    }

    /// @dev Only the owner locks or changes anything, and a locked app is never handed over.
    function invariant_OnlyOwnerAndNoHandOver() public view {
        assertEq(handler.lockBreakingAccepted(), 0, "a stranger's change or a hand-over went through");
    }
}
