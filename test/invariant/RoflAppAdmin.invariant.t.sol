// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {Test} from "forge-std/Test.sol";

import {IRoflAppAdmin} from "../../contracts/interfaces/IRoflAppAdmin.sol";
import {RoflCbor} from "../../contracts/libraries/RoflCbor.sol";
import {RoflAppAdmin} from "../../contracts/rofl/RoflAppAdmin.sol";
import {RoflModuleStandIn} from "../../contracts/testing/RoflModuleStandIn.sol";
import {
    AppConfig,
    AppPolicy,
    EnclaveIdentity,
    EndorsementNode,
    FeePolicy,
    MetadataEntry,
    QuotePolicy
} from "../../contracts/types/RoflTypes.sol";
import {RoflAppAdminBase} from "../utils/RoflAppAdminBase.sol";
import {RoflRandomConfig} from "../utils/RoflRandomConfig.sol";

/// @title Drives RoflAppAdmin with random owner changes, batches and outsider attempts
/// @dev Keeps ghost state: the highest version seen per app, and how many outsider calls got
/// through (must stay zero). Apps are created (at most four), changed, batched and removed;
/// hand-overs are left out on purpose, since they end management by design.
contract RoflAppAdminHandler is Test, RoflRandomConfig {
    RoflAppAdmin internal immutable rofl;
    address internal immutable owner;
    address internal immutable outsider;

    bytes21[] public knownApps;
    mapping(bytes21 => uint64) public highestVersion;
    uint256 public outsiderSuccesses;
    /// @dev Assertions inside a handler only make the call revert (and reverts are tolerated),
    /// so violations are counted and the invariants check the counters.
    uint256 public versionViolations;
    uint256 public staleAccepted;
    /// @dev Owner actions are valid by construction: any failure is a bug.
    uint256 public ownerFailures;
    uint256 public updatesSent;

    constructor(RoflAppAdmin rofl_, address owner_, address outsider_) {
        rofl = rofl_;
        owner = owner_;
        outsider = outsider_;
    }

    function knownAppCount() external view returns (uint256) {
        return knownApps.length;
    }

    // -------------------------------------------------------------------------------------------
    // Owner actions
    // -------------------------------------------------------------------------------------------

    function createApp(uint256 seed) external {
        if (rofl.appIds().length >= 4) return;
        Rng memory rng = _rng(seed);
        AppPolicy memory policy = _randomPolicy(rng);
        MetadataEntry[] memory metadata = _randomMetadata(rng, _below(rng, 4));
        vm.deal(owner, 100 ether);
        vm.prank(owner);
        bytes21 appId = rofl.createApp{value: 100 ether}(policy, metadata, 1);
        knownApps.push(appId);
        _record(appId);
    }

    function addEnclave(uint256 appSeed, uint256 seed) external {
        (bool found, bytes21 appId) = _managed(appSeed);
        if (!found) return;
        EnclaveIdentity memory identity = _freshIdentity(appId, seed);
        _owner(abi.encodeCall(IRoflAppAdmin.addEnclave, (appId, rofl.version(appId), identity)), appId);
    }

    function removeEnclave(uint256 appSeed, uint256 index) external {
        (bool found, bytes21 appId) = _managed(appSeed);
        if (!found) return;
        EnclaveIdentity[] memory enclaves = rofl.getApp(appId).policy.enclaves;
        if (enclaves.length < 2) return;
        _owner(abi.encodeCall(IRoflAppAdmin.removeEnclave, (appId, 0, enclaves[index % enclaves.length])), appId);
    }

    /// @dev A release: add the new identity and drop an old one in one batch.
    function release(uint256 appSeed, uint256 seed) external {
        (bool found, bytes21 appId) = _managed(appSeed);
        if (!found) return;
        EnclaveIdentity[] memory enclaves = rofl.getApp(appId).policy.enclaves;
        uint64 v = rofl.version(appId);
        bytes[] memory calls = new bytes[](3);
        calls[0] = abi.encodeCall(IRoflAppAdmin.removeEnclave, (appId, v, enclaves[seed % enclaves.length]));
        calls[1] = abi.encodeCall(IRoflAppAdmin.addEnclave, (appId, v, _freshIdentity(appId, seed)));
        calls[2] = abi.encodeCall(IRoflAppAdmin.setMetadata, (appId, v, "net.oasis.rofl.version", vm.toString(seed)));
        _ownerBatch(calls, appId);
    }

    function setMetadata(uint256 appSeed, uint256 seed) external {
        (bool found, bytes21 appId) = _managed(appSeed);
        if (!found) return;
        Rng memory rng = _rng(seed);
        MetadataEntry memory entry = _randomMetadata(rng, 1)[0];
        // a small key space, so that overwrites and deletions happen
        string memory key = string.concat("k", _decimal(_below(rng, 6)));
        _owner(abi.encodeCall(IRoflAppAdmin.setMetadata, (appId, 0, key, entry.value)), appId);
    }

    function deleteMetadata(uint256 appSeed, uint256 index) external {
        (bool found, bytes21 appId) = _managed(appSeed);
        if (!found) return;
        MetadataEntry[] memory metadata = rofl.getApp(appId).metadata;
        if (metadata.length == 0) return;
        _owner(abi.encodeCall(IRoflAppAdmin.deleteMetadata, (appId, 0, metadata[index % metadata.length].key)), appId);
    }

    function setSecret(uint256 appSeed, uint256 seed) external {
        (bool found, bytes21 appId) = _managed(appSeed);
        if (!found) return;
        Rng memory rng = _rng(seed);
        string memory name = string.concat("S", _decimal(_below(rng, 6)));
        _owner(abi.encodeCall(IRoflAppAdmin.setSecret, (appId, 0, name, _randomBytes(rng, _below(rng, 80)))), appId);
    }

    function deleteSecret(uint256 appSeed, uint256 index) external {
        (bool found, bytes21 appId) = _managed(appSeed);
        if (!found) return;
        AppConfig memory config = rofl.getApp(appId);
        if (config.secrets.length == 0) return;
        _owner(
            abi.encodeCall(IRoflAppAdmin.deleteSecret, (appId, 0, config.secrets[index % config.secrets.length].name)),
            appId
        );
    }

    function replacePolicyParts(uint256 appSeed, uint256 seed) external {
        (bool found, bytes21 appId) = _managed(appSeed);
        if (!found) return;
        Rng memory rng = _rng(seed);
        AppPolicy memory policy = _randomPolicy(rng);
        bytes[] memory calls = new bytes[](4);
        calls[0] = abi.encodeCall(IRoflAppAdmin.setEndorsements, (appId, 0, policy.endorsements));
        calls[1] = abi.encodeCall(IRoflAppAdmin.setQuotePolicy, (appId, 0, policy.quotes));
        calls[2] = abi.encodeCall(IRoflAppAdmin.setFees, (appId, 0, policy.fees));
        calls[3] = abi.encodeCall(IRoflAppAdmin.setMaxExpiration, (appId, 0, policy.maxExpiration));
        if (_below(rng, 2) == 0) {
            _ownerBatch(calls, appId);
        } else {
            _owner(calls[_below(rng, 4)], appId);
        }
    }

    function removeApp(uint256 appSeed) external {
        (bool found, bytes21 appId) = _managed(appSeed);
        if (!found) return;
        uint64 v = rofl.version(appId);
        vm.prank(owner);
        rofl.removeApp(appId, v);
    }

    /// @dev A stale proposal must fail.
    function staleChange(uint256 appSeed) external {
        (bool found, bytes21 appId) = _managed(appSeed);
        if (!found) return;
        uint64 v = rofl.version(appId);
        vm.prank(owner);
        (bool ok,) = address(rofl).call(abi.encodeCall(IRoflAppAdmin.setFees, (appId, v + 1, FeePolicy.InstancePays)));
        if (ok) ++staleAccepted;
    }

    // -------------------------------------------------------------------------------------------
    // Outsider attempts
    // -------------------------------------------------------------------------------------------

    function outsiderChange(uint256 appSeed, uint256 which, bool asZero) external {
        (bool found, bytes21 appId) = _managed(appSeed);
        if (!found) appId = bytes21(uint168(appSeed));
        bytes[] memory calls = new bytes[](8);
        calls[0] = abi.encodeCall(IRoflAppAdmin.setFees, (appId, 0, FeePolicy.InstancePays));
        calls[1] = abi.encodeCall(IRoflAppAdmin.setMetadata, (appId, 0, "k", "v"));
        calls[2] = abi.encodeCall(IRoflAppAdmin.setSecret, (appId, 0, "k", hex"00"));
        calls[3] = abi.encodeCall(IRoflAppAdmin.addEnclave, (appId, 0, EnclaveIdentity(bytes32(which), 0)));
        calls[4] = abi.encodeCall(IRoflAppAdmin.transferRoflAdmin, (appId, 0, bytes21(uint168(1))));
        calls[5] = abi.encodeCall(IRoflAppAdmin.renounceRoflAdmin, (appId, 0));
        calls[6] = abi.encodeCall(IRoflAppAdmin.removeApp, (appId, 0));
        calls[7] = abi.encodeCall(IRoflAppAdmin.multicall, (new bytes[](0)));
        vm.prank(asZero ? address(0) : outsider);
        (bool ok,) = address(rofl).call(calls[which % calls.length]);
        if (ok) ++outsiderSuccesses;
    }

    // -------------------------------------------------------------------------------------------

    function _owner(bytes memory call, bytes21 appId) internal {
        vm.prank(owner);
        (bool ok,) = address(rofl).call(call);
        if (ok) _record(appId);
        else ++ownerFailures;
    }

    function _ownerBatch(bytes[] memory calls, bytes21 appId) internal {
        vm.prank(owner);
        (bool ok,) = address(rofl).call(abi.encodeCall(IRoflAppAdmin.multicall, (calls)));
        if (ok) _record(appId);
        else ++ownerFailures;
    }

    /// @dev Checks the version moved forward by exactly one since the last record, then records.
    function _record(bytes21 appId) internal {
        uint64 current = rofl.version(appId);
        uint64 previous = highestVersion[appId];
        if (current != previous + 1) ++versionViolations;
        highestVersion[appId] = current;
        ++updatesSent;
    }

    /// @dev Never one the app already has: the version changes with every update.
    function _freshIdentity(bytes21 appId, uint256 seed) internal view returns (EnclaveIdentity memory) {
        return _randomEnclaves(_rng(uint256(keccak256(abi.encode(seed, appId, rofl.version(appId))))), 1)[0];
    }

    function _managed(uint256 seed) internal view returns (bool, bytes21) {
        bytes21[] memory ids = rofl.appIds();
        if (ids.length == 0) return (false, bytes21(0));
        return (true, ids[seed % ids.length]);
    }
}

/// @title Invariants of RoflAppAdmin under random use
contract RoflAppAdminInvariantTest is RoflAppAdminBase {
    RoflAppAdminHandler internal handler;

    function setUp() public override {
        super.setUp();
        handler = new RoflAppAdminHandler(rofl, owner, stranger);
        // one app from the start, so that change actions have something to act on
        handler.createApp(0);
        targetContract(address(handler));
        bytes4[] memory selectors = new bytes4[](14);
        selectors[0] = RoflAppAdminHandler.createApp.selector;
        selectors[1] = RoflAppAdminHandler.addEnclave.selector;
        selectors[2] = RoflAppAdminHandler.removeEnclave.selector;
        selectors[3] = RoflAppAdminHandler.release.selector;
        selectors[4] = RoflAppAdminHandler.setMetadata.selector;
        selectors[5] = RoflAppAdminHandler.deleteMetadata.selector;
        selectors[6] = RoflAppAdminHandler.setSecret.selector;
        selectors[7] = RoflAppAdminHandler.deleteSecret.selector;
        selectors[8] = RoflAppAdminHandler.replacePolicyParts.selector;
        selectors[9] = RoflAppAdminHandler.removeApp.selector;
        selectors[10] = RoflAppAdminHandler.staleChange.selector;
        selectors[11] = RoflAppAdminHandler.outsiderChange.selector;
        selectors[12] = RoflAppAdminHandler.outsiderChange.selector;
        selectors[13] = RoflAppAdminHandler.release.selector;
        targetSelector(FuzzSelector({addr: address(handler), selectors: selectors}));
    }

    /// @dev Admin never lost, and the module holds exactly the contract's config: for every
    /// managed app the module's admin is this contract and its last body is `encodeUpdate`.
    function invariant_ModuleMatchesContract() public view {
        bytes21[] memory ids = rofl.appIds();
        for (uint256 i; i < ids.length; ++i) {
            _assertInSync(ids[i]);
        }
    }

    /// @dev Only the owner changes anything, and every valid owner change goes through.
    function invariant_OnlyOwnerChangesConfig() public view {
        assertEq(handler.outsiderSuccesses(), 0, "an outsider changed something");
        assertEq(handler.ownerFailures(), 0, "a valid owner change failed");
    }

    /// @dev Versions never go back, grow by exactly one per update, and stale proposals fail.
    function invariant_VersionOnlyGrows() public view {
        assertEq(handler.versionViolations(), 0, "version did not grow by one");
        assertEq(handler.staleAccepted(), 0, "stale version accepted");
        bytes21[] memory ids = rofl.appIds();
        for (uint256 i; i < ids.length; ++i) {
            uint64 recorded = handler.highestVersion(ids[i]);
            assertGe(rofl.version(ids[i]), recorded);
        }
    }

    /// @dev Apps the module still knows but the contract no longer manages were removed, never
    /// orphaned: the handler performs no hand-overs, so every known app is managed or gone.
    function invariant_NoOrphans() public view {
        uint256 count = handler.knownAppCount();
        for (uint256 i; i < count; ++i) {
            bytes21 appId = handler.knownApps(i);
            assertEq(rofl.isManaged(appId), standIn.appExists(appId));
        }
    }
}
