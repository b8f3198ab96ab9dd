// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {IRoflErrors} from "../contracts/interfaces/IRoflErrors.sol";
import {IRoflAppAdmin} from "../contracts/interfaces/IRoflAppAdmin.sol";
import {IRoflReleaseGovernance} from "../contracts/interfaces/IRoflReleaseGovernance.sol";
import {RoflModuleStandIn} from "../contracts/testing/RoflModuleStandIn.sol";
import {EnclaveIdentity} from "../contracts/types/RoflTypes.sol";
import {IdentityInfo, IdentityStatus, ReleaseRecord} from "../contracts/types/RoflReleaseTypes.sol";
import {RoflReleaseGovernanceFixture} from "./utils/RoflReleaseGovernanceFixture.sol";

/// @title Release governance: revokeEnclave by the guardian or the owner
contract RoflReleaseGovernanceRevokeTest is RoflReleaseGovernanceFixture {
    function test_Revoke_ByGuardian() public {
        _addRelease(_ids(_identity(10)), 1, _none(), 0);
        address bad = makeAddr("instance-bad");
        address good = makeAddr("instance-good");
        _registerInstance(bad, _identity(10));
        _registerInstance(good, _identity(0));
        assertTrue(standIn.isInstanceAuthorized(appId, bad));

        vm.expectEmit(true, true, false, true, address(rofl));
        emit IRoflAppAdmin.EnclaveRemoved(appId, _identity(10).mrEnclave, _identity(10).mrSigner);
        vm.expectEmit(true, true, false, true, address(rofl));
        emit IRoflReleaseGovernance.EnclaveRevoked(appId, guardian, _identity(10).mrEnclave, _identity(10).mrSigner);
        vm.recordLogs();
        vm.prank(guardian);
        rofl.revokeEnclave(appId, 2, _identity(10));
        assertEq(_countConfigUpdates(vm.getRecordedLogs()), 1);
        assertEq(rofl.version(appId), 3);
        _assertInSync(appId);

        // The module evicts nobody on rofl.Update (oasis-sdk modules/rofl/mod.rs `tx_update`):
        // the revoked instance keeps its rights until its registration expires and only cannot
        // renew. (This used to assert a refusal at once, which hid the real window.)
        assertTrue(standIn.isInstanceAuthorized(appId, bad));
        assertTrue(standIn.isInstanceAuthorized(appId, good));
        uint64 epoch = standIn.currentEpoch();
        vm.expectRevert(
            abi.encodeWithSelector(
                RoflModuleStandIn.IdentityNotInPolicy.selector, appId, _identity(10).mrEnclave, _identity(10).mrSigner
            )
        );
        standIn.registerInstance(appId, bad, _identity(10).mrEnclave, _identity(10).mrSigner, epoch + 3);
        // The Rust side's view of it: the instance, its identity, the release, the revocation.
        (bool registered, EnclaveIdentity memory identity, uint64 expiration) = standIn.instanceIdentity(appId, bad);
        assertTrue(registered);
        assertEq(identity.mrEnclave, _identity(10).mrEnclave);
        assertEq(expiration, standIn.currentEpoch() + 3);
        IdentityInfo memory info = rofl.identityInfo(appId, identity);
        assertEq(uint256(info.status), uint256(IdentityStatus.Revoked));
        assertEq(info.releaseId, 1);
        (uint32 id, ReleaseRecord memory record) = rofl.releaseOf(appId, identity);
        // Refused once its registration expires; the other instance renews and stays.
        vm.warp(block.timestamp + 2 * standIn.EPOCH_SECONDS());
        _registerInstance(good, _identity(0));
        vm.warp((uint256(expiration)) * standIn.EPOCH_SECONDS());
        assertFalse(standIn.isInstanceAuthorized(appId, bad));
        assertTrue(standIn.isInstanceAuthorized(appId, good));
        assertEq(id, 1);
        _assertRecord(record, _record(1));
    }

    function test_Revoke_ByOwner() public {
        vm.prank(owner);
        rofl.revokeEnclave(appId, 0, _identity(1));
        assertEq(uint256(_status(_identity(1))), uint256(IdentityStatus.Revoked));
        _assertInSync(appId);
    }

    function test_Revoke_Reverts_notOwnerOrGuardian() public {
        address[2] memory callers = [stranger, address(0)];
        for (uint256 i; i < callers.length; ++i) {
            vm.prank(callers[i]);
            vm.expectRevert(abi.encodeWithSelector(IRoflErrors.NotOwnerOrGuardian.selector, appId, callers[i]));
            rofl.revokeEnclave(appId, 0, _identity(1));
        }
    }

    function test_Revoke_Reverts_notAllowed() public {
        vm.prank(guardian);
        vm.expectRevert(
            abi.encodeWithSelector(
                IRoflErrors.EnclaveNotAllowed.selector, appId, _identity(9).mrEnclave, _identity(9).mrSigner
            )
        );
        rofl.revokeEnclave(appId, 0, _identity(9));
    }

    function test_Revoke_Reverts_staleVersion() public {
        vm.prank(guardian);
        vm.expectRevert(abi.encodeWithSelector(IRoflErrors.StaleVersion.selector, appId, 4, 1));
        rofl.revokeEnclave(appId, 4, _identity(1));
    }

    /// @dev The last identity: freeze is the explicit way.
    function test_Revoke_Reverts_lastIdentity() public {
        vm.startPrank(guardian);
        rofl.revokeEnclave(appId, 1, _identity(1));
        vm.expectRevert(abi.encodeWithSelector(IRoflErrors.EmptyEnclaveList.selector, appId));
        rofl.revokeEnclave(appId, 0, _identity(0));
        vm.stopPrank();
    }

    /// @dev With no guardian set, the zero address (Sapphire's unsigned calls) is nobody.
    function test_Revoke_NoGuardianZeroCallerReverts() public {
        vm.prank(owner);
        rofl.setGuardian(appId, address(0));
        vm.prank(address(0));
        vm.expectRevert(abi.encodeWithSelector(IRoflErrors.NotOwnerOrGuardian.selector, appId, address(0)));
        rofl.revokeEnclave(appId, 0, _identity(1));
    }

    function test_Revoke_ThenReaddedAndRemoved_NotRevokedAnyMore() public {
        vm.prank(guardian);
        rofl.revokeEnclave(appId, 0, _identity(1));
        vm.startPrank(owner);
        rofl.addEnclave(appId, 0, _identity(1));
        assertEq(uint256(_status(_identity(1))), uint256(IdentityStatus.Allowed));
        rofl.removeEnclave(appId, 0, _identity(1));
        vm.stopPrank();
        assertEq(uint256(_status(_identity(1))), uint256(IdentityStatus.NotAllowed));
    }
}
