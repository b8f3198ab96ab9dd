// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {Test} from "forge-std/Test.sol";

import {IRoflAppAdmin} from "../../contracts/interfaces/IRoflAppAdmin.sol";
import {IRoflReleaseGovernance} from "../../contracts/interfaces/IRoflReleaseGovernance.sol";
import {RoflAppAdmin} from "../../contracts/rofl/RoflAppAdmin.sol";
import {RoflModuleStandIn} from "../../contracts/testing/RoflModuleStandIn.sol";
import {AppConfig, AppPolicy, EnclaveIdentity, FeePolicy} from "../../contracts/types/RoflTypes.sol";
import {EnclaveRelease, ReleaseRecord} from "../../contracts/types/RoflReleaseTypes.sol";
import {RoflAppAdminBase} from "../utils/RoflAppAdminBase.sol";
import {RoflRandomConfig} from "../utils/RoflRandomConfig.sol";

/// @title Drives releases, grace periods, guardians and prunes on two apps
/// @dev Every guardian action and every prune is wrapped: the whole config except the identity
/// list (policy parts, metadata, secrets, admin in the contract and in the module, guardian,
/// release records, and the release id and deadline of every identity that stays) is
/// fingerprinted before and after, and the identity list must only shrink. Violations are
/// counted (a failing assertion in a handler would only be a tolerated revert).
contract RoflGuardianHandler is Test, RoflRandomConfig {
    RoflAppAdmin internal immutable rofl;
    RoflModuleStandIn internal immutable standIn;
    address internal immutable owner;
    address internal immutable stranger;
    address public immutable guardianA;
    address public immutable guardianB;

    bytes21[] public apps;
    mapping(bytes21 => uint64) public highestVersion;

    // Violations: must all stay zero.
    uint256 public identityAdded;
    uint256 public otherStateChanged;
    uint256 public successWithoutShrink;
    uint256 public versionNotBumpedByOne;
    uint256 public failureChangedState;
    uint256 public unauthorizedSuccesses;
    uint256 public ownerFailures;
    uint256 public versionWentBack;

    // Coverage
    uint256 public guardianSuccesses;
    uint256 public freezes;
    uint256 public prunes;
    uint256 public releases;

    uint256 internal _nonce;

    struct Snapshot {
        bytes32 rest;
        EnclaveRelease[] enclaves;
        uint64 version;
    }

    constructor(
        RoflAppAdmin rofl_,
        RoflModuleStandIn standIn_,
        address owner_,
        address stranger_,
        bytes21[] memory apps_
    ) {
        rofl = rofl_;
        standIn = standIn_;
        owner = owner_;
        stranger = stranger_;
        guardianA = makeAddr("guardianA");
        guardianB = makeAddr("guardianB");
        apps = apps_;
        for (uint256 i; i < apps_.length; ++i) {
            highestVersion[apps_[i]] = rofl_.version(apps_[i]);
        }
    }

    function appCount() external view returns (uint256) {
        return apps.length;
    }

    // -------------------------------------------------------------------------------------------
    // Owner (governance) actions, valid by construction
    // -------------------------------------------------------------------------------------------

    function ownerRelease(uint256 appSeed, uint256 seed) external {
        bytes21 appId = _app(appSeed);
        Rng memory rng = _rng(seed);
        EnclaveIdentity[] memory current = rofl.getApp(appId).policy.enclaves;
        if (current.length + 2 > 64) return;
        EnclaveIdentity[] memory fresh = _fresh(1 + _below(rng, 2));
        ReleaseRecord memory record = _record(_draw(rng));
        uint64 v = rofl.version(appId);
        if (rofl.isFrozen(appId)) {
            bytes[] memory calls = new bytes[](2);
            calls[0] = abi.encodeCall(IRoflReleaseGovernance.unfreeze, (appId, v));
            calls[1] = abi.encodeCall(
                IRoflReleaseGovernance.addRelease, (appId, v, fresh, record, new EnclaveIdentity[](0), 0)
            );
            _owner(appId, abi.encodeCall(IRoflAppAdmin.multicall, (calls)), true);
        } else {
            EnclaveIdentity[] memory retire = new EnclaveIdentity[](_below(rng, 2));
            if (retire.length != 0) retire[0] = current[_below(rng, current.length)];
            uint64 grace = _below(rng, 2) == 0 ? 0 : uint64(block.timestamp + 1 + _below(rng, 3 days));
            _owner(
                appId, abi.encodeCall(IRoflReleaseGovernance.addRelease, (appId, v, fresh, record, retire, grace)), true
            );
        }
        ++releases;
    }

    function ownerSetRetirement(uint256 appSeed, uint256 seed) external {
        bytes21 appId = _app(appSeed);
        EnclaveIdentity[] memory current = rofl.getApp(appId).policy.enclaves;
        if (current.length == 0) return;
        Rng memory rng = _rng(seed);
        uint64 deadline = _below(rng, 4) == 0 ? 0 : uint64(block.timestamp + 1 + _below(rng, 3 days));
        _owner(
            appId,
            abi.encodeCall(
                IRoflReleaseGovernance.setRetirement, (appId, 0, current[_below(rng, current.length)], deadline)
            ),
            false
        );
    }

    function ownerRemoveEnclave(uint256 appSeed, uint256 index) external {
        bytes21 appId = _app(appSeed);
        EnclaveIdentity[] memory current = rofl.getApp(appId).policy.enclaves;
        if (current.length < 2) return;
        _owner(appId, abi.encodeCall(IRoflAppAdmin.removeEnclave, (appId, 0, current[index % current.length])), true);
    }

    function ownerOtherChange(uint256 appSeed, uint256 seed) external {
        bytes21 appId = _app(appSeed);
        Rng memory rng = _rng(seed);
        uint256 which = _below(rng, 3);
        bytes memory data;
        if (which == 0) {
            data = abi.encodeCall(
                IRoflAppAdmin.setMetadata, (appId, 0, string.concat("k", _decimal(_below(rng, 4))), "v")
            );
        } else if (which == 1) {
            data = abi.encodeCall(IRoflAppAdmin.setSecret, (appId, 0, "S", _randomBytes(rng, 8)));
        } else {
            data = abi.encodeCall(
                IRoflAppAdmin.setFees,
                (appId, 0, _below(rng, 2) == 0 ? FeePolicy.InstancePays : FeePolicy.EndorsingNodePays)
            );
        }
        _owner(appId, data, true);
    }

    function ownerSetGuardian(uint256 appSeed, uint256 which) external {
        bytes21 appId = _app(appSeed);
        address next = [guardianA, guardianB, address(0)][which % 3];
        _owner(appId, abi.encodeCall(IRoflReleaseGovernance.setGuardian, (appId, next)), false);
    }

    function warp(uint256 seconds_) external {
        vm.warp(block.timestamp + (seconds_ % 2 days));
    }

    // -------------------------------------------------------------------------------------------
    // Guardian actions, and anyone's prune: only ever shrink the identity list
    // -------------------------------------------------------------------------------------------

    /// @param who 0-2: the app's guardian; 3: the other guardian; 4: a stranger; 5: zero.
    function guardianRevoke(uint256 appSeed, uint256 index, uint256 who) external {
        bytes21 appId = _app(appSeed);
        EnclaveIdentity[] memory current = rofl.getApp(appId).policy.enclaves;
        EnclaveIdentity memory identity =
            (current.length == 0 || index % 5 == 0) ? _fresh(1)[0] : current[index % current.length];
        uint64 expected = index % 7 == 0 ? rofl.version(appId) + 1 : (index % 2 == 0 ? 0 : rofl.version(appId));
        _guarded(
            appId,
            _caller(appId, who),
            abi.encodeCall(IRoflReleaseGovernance.revokeEnclave, (appId, expected, identity))
        );
    }

    /// @dev Rarer than revocations (a freeze stops revocations and prunes until the next release).
    function guardianFreeze(uint256 appSeed, uint256 who) external {
        if (who % 3 != 0) return;
        who /= 3;
        bytes21 appId = _app(appSeed);
        if (_guarded(appId, _caller(appId, who), abi.encodeCall(IRoflReleaseGovernance.freeze, (appId, 0)))) ++freezes;
    }

    function anyonePrune(uint256 appSeed) external {
        bytes21 appId = _app(appSeed);
        if (_guarded(appId, stranger, abi.encodeCall(IRoflReleaseGovernance.prune, (appId)))) ++prunes;
    }

    /// @dev The guardian tries every owner-only entry point; all must fail and change nothing.
    function guardianOverreach(uint256 appSeed, uint256 which) external {
        bytes21 appId = _app(appSeed);
        address guardian = rofl.guardianOf(appId);
        if (guardian == address(0)) return;
        bytes[] memory calls = new bytes[](9);
        calls[0] = abi.encodeCall(IRoflAppAdmin.addEnclave, (appId, 0, _fresh(1)[0]));
        calls[1] = abi.encodeCall(
            IRoflReleaseGovernance.addRelease, (appId, 0, _fresh(1), _record(which), new EnclaveIdentity[](0), 0)
        );
        calls[2] = abi.encodeCall(IRoflReleaseGovernance.unfreeze, (appId, 0));
        calls[3] = abi.encodeCall(IRoflAppAdmin.setFees, (appId, 0, FeePolicy.InstancePays));
        calls[4] = abi.encodeCall(IRoflAppAdmin.setEndorsements, (appId, 0, _randomEndorsements(_rng(which))));
        calls[5] = abi.encodeCall(IRoflAppAdmin.setMetadata, (appId, 0, "k", "guardian"));
        calls[6] = abi.encodeCall(IRoflAppAdmin.transferRoflAdmin, (appId, 0, bytes21(uint168(1))));
        calls[7] = abi.encodeCall(IRoflReleaseGovernance.setGuardian, (appId, stranger));
        bytes[] memory inner = new bytes[](1);
        inner[0] = calls[which % 7];
        calls[8] = abi.encodeCall(IRoflAppAdmin.multicall, (inner));
        _guarded(appId, guardian, calls[which % calls.length]);
    }

    // -------------------------------------------------------------------------------------------

    /// @return ok Whether the call went through.
    function _guarded(bytes21 appId, address caller, bytes memory data) internal returns (bool ok) {
        Snapshot memory before = _snapshot(appId);
        vm.prank(caller);
        (ok,) = address(rofl).call(data);
        Snapshot memory after_ = _snapshot(appId);

        if (after_.rest != before.rest) ++otherStateChanged;
        if (!_keptAsBefore(after_.enclaves, before.enclaves)) ++identityAdded;
        if (ok) {
            ++guardianSuccesses;
            if (after_.enclaves.length >= before.enclaves.length) ++successWithoutShrink;
            if (after_.version != before.version + 1) ++versionNotBumpedByOne;
            bool allowed = caller == rofl.guardianOf(appId) || caller == owner
                || bytes4(data) == IRoflReleaseGovernance.prune.selector;
            if (!allowed || caller == address(0)) ++unauthorizedSuccesses;
        } else if (after_.version != before.version || after_.enclaves.length != before.enclaves.length) {
            ++failureChangedState;
        }
        _recordVersion(appId);
    }

    /// @dev Every identity after is one from before, with the same release id and deadline.
    function _keptAsBefore(EnclaveRelease[] memory after_, EnclaveRelease[] memory before)
        internal
        pure
        returns (bool)
    {
        for (uint256 i; i < after_.length; ++i) {
            bool found;
            for (uint256 j; j < before.length && !found; ++j) {
                found = keccak256(abi.encode(after_[i])) == keccak256(abi.encode(before[j]));
            }
            if (!found) return false;
        }
        return true;
    }

    function _snapshot(bytes21 appId) internal view returns (Snapshot memory snap) {
        AppConfig memory config = rofl.getApp(appId);
        snap.rest = keccak256(abi.encode(_policyHash(config), _entriesHash(config), _governanceHash(appId)));
        snap.enclaves = rofl.enclaveReleases(appId);
        snap.version = config.version;
    }

    function _policyHash(AppConfig memory config) internal pure returns (bytes32) {
        return keccak256(
            abi.encode(
                config.policy.quotes, config.policy.endorsements, config.policy.fees, config.policy.maxExpiration
            )
        );
    }

    function _entriesHash(AppConfig memory config) internal pure returns (bytes32) {
        return keccak256(abi.encode(config.id, config.admin, config.metadata, config.secrets));
    }

    function _governanceHash(bytes21 appId) internal view returns (bytes32) {
        (bool hasAdmin, bytes21 moduleAdmin) = standIn.appAdmin(appId);
        return keccak256(abi.encode(hasAdmin, moduleAdmin, rofl.guardianOf(appId), rofl.releases(appId)));
    }

    function _owner(bytes21 appId, bytes memory data, bool sendsUpdate) internal {
        uint64 before = rofl.version(appId);
        vm.prank(owner);
        (bool ok,) = address(rofl).call(data);
        if (!ok) ++ownerFailures;
        else if (sendsUpdate && rofl.version(appId) != before + 1) ++versionNotBumpedByOne;
        _recordVersion(appId);
    }

    function _recordVersion(bytes21 appId) internal {
        uint64 current = rofl.version(appId);
        if (current < highestVersion[appId]) ++versionWentBack;
        highestVersion[appId] = current;
    }

    function _caller(bytes21 appId, uint256 who) internal view returns (address) {
        who %= 6;
        address guardian = rofl.guardianOf(appId);
        if (who < 3) return guardian == address(0) ? guardianA : guardian;
        if (who == 3) return guardian == guardianA ? guardianB : guardianA;
        if (who == 4) return stranger;
        return address(0);
    }

    function _app(uint256 seed) internal view returns (bytes21) {
        return apps[seed % apps.length];
    }

    function _fresh(uint256 count) internal returns (EnclaveIdentity[] memory list) {
        list = new EnclaveIdentity[](count);
        for (uint256 i; i < count; ++i) {
            list[i] = EnclaveIdentity(keccak256(abi.encode("fresh", ++_nonce)), bytes32(0));
        }
    }

    function _record(uint256 seed) internal pure returns (ReleaseRecord memory) {
        return ReleaseRecord({
            version: "2.0.0",
            repository: "https://github.com/example/demo-app",
            gitCommit: bytes20(keccak256(abi.encode(seed, "commit"))),
            bundleHash: keccak256(abi.encode(seed, "bundle")),
            manifestHash: keccak256(abi.encode(seed, "manifest")),
            notes: ""
        });
    }
}

/// @title Invariants of the guardian, grace periods and releases under random use
contract RoflGuardianInvariantTest is RoflAppAdminBase {
    RoflGuardianHandler internal handler;

    function setUp() public override {
        super.setUp();
        vm.warp(1_700_000_000);
        bytes21[] memory apps = new bytes21[](2);
        AppPolicy memory policy = _defaultPolicy();
        policy.enclaves = _enclaves(2);
        apps[0] = _create(policy, _metadata("net.oasis.rofl.name", "a"));
        policy.enclaves = _enclaves(3);
        apps[1] = _create(policy, _noMetadata());
        handler = new RoflGuardianHandler(rofl, standIn, owner, stranger, apps);
        vm.startPrank(owner);
        rofl.setGuardian(apps[0], handler.guardianA());
        rofl.setGuardian(apps[1], handler.guardianB());
        vm.stopPrank();

        targetContract(address(handler));
        bytes4[] memory selectors = new bytes4[](14);
        selectors[0] = RoflGuardianHandler.ownerRelease.selector;
        selectors[1] = RoflGuardianHandler.ownerRelease.selector;
        selectors[2] = RoflGuardianHandler.ownerSetRetirement.selector;
        selectors[3] = RoflGuardianHandler.ownerRemoveEnclave.selector;
        selectors[4] = RoflGuardianHandler.ownerOtherChange.selector;
        selectors[5] = RoflGuardianHandler.ownerSetGuardian.selector;
        selectors[6] = RoflGuardianHandler.warp.selector;
        selectors[7] = RoflGuardianHandler.guardianRevoke.selector;
        selectors[8] = RoflGuardianHandler.guardianRevoke.selector;
        selectors[9] = RoflGuardianHandler.guardianRevoke.selector;
        selectors[10] = RoflGuardianHandler.guardianFreeze.selector;
        selectors[11] = RoflGuardianHandler.anyonePrune.selector;
        selectors[12] = RoflGuardianHandler.anyonePrune.selector;
        selectors[13] = RoflGuardianHandler.guardianOverreach.selector;
        targetSelector(FuzzSelector({addr: address(handler), selectors: selectors}));
    }

    /// @dev No guardian call (nor prune) ever adds an identity or touches anything but the
    /// identity list; a successful one shrinks the list and is one complete update.
    function invariant_GuardianOnlyShrinksIdentities() public view {
        assertEq(handler.identityAdded(), 0, "an identity was added or its record/deadline changed");
        assertEq(handler.otherStateChanged(), 0, "something besides the identity list changed");
        assertEq(handler.successWithoutShrink(), 0, "a guardian action succeeded without removing");
        assertEq(handler.failureChangedState(), 0, "a failed call changed state");
        assertEq(handler.unauthorizedSuccesses(), 0, "a caller acted without the role");
    }

    /// @dev Version grows by exactly one per update and never goes back.
    function invariant_VersionOnlyGrows() public view {
        assertEq(handler.versionNotBumpedByOne(), 0, "an update did not bump the version by one");
        assertEq(handler.versionWentBack(), 0, "version went back");
    }

    /// @dev Admin never lost: the module holds exactly the contract's config, admin included.
    function invariant_ModuleMatchesContract() public view {
        uint256 count = handler.appCount();
        for (uint256 i; i < count; ++i) {
            _assertInSync(handler.apps(i));
        }
    }

    /// @dev Frozen exactly when no identity is allowed.
    function invariant_FrozenIffNoIdentity() public view {
        uint256 count = handler.appCount();
        for (uint256 i; i < count; ++i) {
            bytes21 appId = handler.apps(i);
            assertEq(rofl.isFrozen(appId), rofl.getApp(appId).policy.enclaves.length == 0, "frozen <=> empty");
        }
    }

    /// @dev Governance's valid changes always go through, frozen or not.
    function invariant_OwnerActionsSucceed() public view {
        assertEq(handler.ownerFailures(), 0, "a valid owner change failed");
    }
}
