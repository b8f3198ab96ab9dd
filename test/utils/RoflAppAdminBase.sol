// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {Vm} from "forge-std/Vm.sol";

import {IRoflAppAdmin} from "../../contracts/interfaces/IRoflAppAdmin.sol";
import {RoflCbor} from "../../contracts/libraries/RoflCbor.sol";
import {RoflAppAdmin} from "../../contracts/rofl/RoflAppAdmin.sol";
import {RoflModuleStandIn} from "../../contracts/testing/RoflModuleStandIn.sol";
import {AppConfig, AppPolicy, EnclaveIdentity, MetadataEntry, SecretEntry} from "../../contracts/types/RoflTypes.sol";
import {RoflConfigBuilder} from "./RoflConfigBuilder.sol";
import {RoflStandInFixture} from "./RoflStandInFixture.sol";

/// @title Shared set-up of the RoflAppAdmin tests: the stand-in at the precompile address, the
/// contract owned by `owner`, and checks that the stand-in holds exactly the contract's config.
abstract contract RoflAppAdminBase is RoflStandInFixture, RoflConfigBuilder {
    uint256 internal constant STAKE = 100 ether;

    RoflModuleStandIn internal standIn;
    RoflAppAdmin internal rofl;
    address internal owner = makeAddr("owner");
    address internal stranger = makeAddr("stranger");

    function setUp() public virtual {
        standIn = _installRoflStandIn();
        rofl = new RoflAppAdmin(owner);
        vm.deal(owner, 100_000 ether);
    }

    // -------------------------------------------------------------------------------------------
    // Actions
    // -------------------------------------------------------------------------------------------

    function _create(AppPolicy memory policy, MetadataEntry[] memory metadata) internal returns (bytes21 appId) {
        vm.prank(owner);
        appId = rofl.createApp{value: STAKE}(policy, metadata, 1);
    }

    function _createDefault() internal returns (bytes21) {
        return _create(_defaultPolicy(), _noMetadata());
    }

    /// @dev Creates an app straight through the module from `creator`, then hands its admin to
    /// the contract with a complete update: the situation `adoptApp` starts from.
    function _createElsewhereAndHandOver(address creator, AppPolicy memory policy, MetadataEntry[] memory metadata)
        internal
        returns (bytes21 appId)
    {
        vm.deal(creator, STAKE);
        vm.prank(creator);
        bytes memory result = _subcall("rofl.Create", RoflCbor.encodeCreate(policy, 1, metadata));
        assembly {
            appId := and(mload(add(result, 0x21)), not(0xffffffffffffffffffffff))
        }
        bytes memory handOver = RoflCbor.encodeUpdate(appId, policy, rofl.roflAdminAddress(), metadata, _noSecrets());
        vm.prank(creator);
        _subcall("rofl.Update", handOver);
    }

    function _subcall(string memory method, bytes memory body) internal returns (bytes memory data) {
        (bool ok, bytes memory response) = ROFL_SUBCALL.call(abi.encode(method, body));
        require(ok, "subcall reverted");
        uint64 status;
        (status, data) = abi.decode(response, (uint64, bytes));
        require(status == 0, "subcall failed");
    }

    // -------------------------------------------------------------------------------------------
    // Checks
    // -------------------------------------------------------------------------------------------

    /// @dev The stand-in holds exactly the contract's config: the contract is the admin, the
    /// policy bytes, identities, fees, expiration, metadata and secrets all match, and the last
    /// body the module received is what `encodeUpdate` returns (after the first update).
    function _assertInSync(bytes21 appId) internal view {
        assertTrue(rofl.isManaged(appId), "not managed");
        assertTrue(standIn.appExists(appId), "unknown to module");
        (bool hasAdmin, bytes21 moduleAdmin) = standIn.appAdmin(appId);
        assertTrue(hasAdmin, "module lost the admin");
        assertEq(moduleAdmin, rofl.roflAdminAddress(), "module admin");

        AppConfig memory config = rofl.getApp(appId);
        assertEq(config.id, appId);
        assertEq(config.admin, rofl.roflAdminAddress());
        assertEq(standIn.appPolicyCbor(appId), RoflCbor.encodePolicy(config.policy), "policy");
        assertEq(uint256(standIn.appFees(appId)), uint256(config.policy.fees), "fees");
        assertEq(standIn.appMaxExpiration(appId), config.policy.maxExpiration, "max expiration");
        _assertSameEnclaves(standIn.appEnclaves(appId), config.policy.enclaves);
        // The module's maps, re-encoded, give exactly the contract's next body.
        bytes memory fromModule = RoflCbor.encodeUpdate(
            appId, config.policy, config.admin, standIn.appMetadata(appId), standIn.appSecrets(appId)
        );
        assertEq(fromModule, rofl.encodeUpdate(appId), "metadata or secrets");
        assertEq(standIn.appMetadata(appId).length, config.metadata.length, "metadata count");
        assertEq(standIn.appSecrets(appId).length, config.secrets.length, "secret count");
        if (config.version > 1) assertEq(standIn.lastBody(appId), rofl.encodeUpdate(appId), "last body");
    }

    function _assertSameEnclaves(EnclaveIdentity[] memory a, EnclaveIdentity[] memory b) internal pure {
        assertEq(a.length, b.length, "enclave count");
        for (uint256 i; i < a.length; ++i) {
            assertEq(a[i].mrEnclave, b[i].mrEnclave, "mr_enclave");
            assertEq(a[i].mrSigner, b[i].mrSigner, "mr_signer");
        }
    }

    /// @dev Number of `ConfigUpdated` events among recorded logs (= updates/creates sent).
    function _countConfigUpdates(Vm.Log[] memory logs) internal view returns (uint256 count) {
        for (uint256 i; i < logs.length; ++i) {
            if (logs[i].emitter == address(rofl) && logs[i].topics[0] == IRoflAppAdmin.ConfigUpdated.selector) {
                ++count;
            }
        }
    }
}
