// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {IRoflErrors} from "../contracts/interfaces/IRoflErrors.sol";
import {EnclaveIdentity} from "../contracts/types/RoflTypes.sol";
import {IdentityStatus} from "../contracts/types/RoflReleaseTypes.sol";
import {RoflReleaseGovernanceFixture} from "./utils/RoflReleaseGovernanceFixture.sol";

/// @title Release governance: views and the stand-in's instance view
contract RoflReleaseGovernanceViewsTest is RoflReleaseGovernanceFixture {
    function test_InstanceIdentity() public {
        address instance = makeAddr("instance");
        (bool registered, EnclaveIdentity memory identity, uint64 expiration) =
            standIn.instanceIdentity(appId, instance);
        assertFalse(registered);
        assertEq(identity.mrEnclave, bytes32(0));
        assertEq(expiration, 0);

        _registerInstance(instance, _identity(1));
        (registered, identity, expiration) = standIn.instanceIdentity(appId, instance);
        assertTrue(registered);
        assertEq(identity.mrEnclave, _identity(1).mrEnclave);
        assertEq(identity.mrSigner, _identity(1).mrSigner);
        // Another app, or the zero app, does not know it.
        (registered,,) = standIn.instanceIdentity(bytes21(uint168(7)), instance);
        assertFalse(registered);
        (registered,,) = standIn.instanceIdentity(bytes21(0), makeAddr("nobody"));
        assertFalse(registered);
        address[] memory instances = standIn.instancesOf(appId);
        assertEq(instances.length, 1);
        assertEq(instances[0], instance);
    }

    function test_Views_UnknownApp() public {
        bytes21 unknown = bytes21(uint168(7));
        assertEq(rofl.releases(unknown).length, 0);
        assertEq(rofl.guardianOf(unknown), address(0));
        assertFalse(rofl.isFrozen(unknown));
        assertEq(uint256(rofl.identityInfo(unknown, _identity(0)).status), uint256(IdentityStatus.NotAllowed));
        vm.expectRevert(abi.encodeWithSelector(IRoflErrors.UnknownApp.selector, unknown));
        rofl.enclaveReleases(unknown);
        vm.expectRevert(abi.encodeWithSelector(IRoflErrors.UnknownApp.selector, unknown));
        rofl.expiredEnclaves(unknown);
    }

    /// @dev Views answer the same to the zero address (Sapphire's unsigned calls).
    function test_Views_IndependentOfCaller() public {
        _addRelease(_ids(_identity(10)), 1, _ids(_identity(0)), uint64(block.timestamp) + DAY);
        bytes memory a = abi.encode(rofl.enclaveReleases(appId), rofl.releases(appId));
        vm.prank(address(0));
        bytes memory b = abi.encode(rofl.enclaveReleases(appId), rofl.releases(appId));
        assertEq(a, b);
    }
}
