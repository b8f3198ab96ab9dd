// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {RoflModuleStandInFixture} from "./utils/RoflModuleStandInFixture.sol";

/// @title The ROFL module stand-in: rofl.Remove
contract RoflModuleStandInRemoveTest is RoflModuleStandInFixture {
    function test_removeRefundsCurrentAdmin() public {
        bytes21 appId = _createSimple();
        _expectOk(ALICE, "rofl.Update", _updateBody(appId, _adminOf(BOB_OASIS), _simplePolicy(), EMPTY_MAP, EMPTY_MAP));
        _expectModuleError(ALICE, "rofl.Remove", _removeBody(appId), 11, "rofl");

        vm.expectEmit(ROFL_SUBCALL);
        emit AppRemoved(appId);
        vm.expectEmit(ROFL_SUBCALL);
        emit StakeRefunded(BOB_OASIS, 100 ether);
        _expectOk(BOB, "rofl.Remove", _removeBody(appId));

        assertFalse(standIn.appExists(appId));
        assertEq(standIn.appStake(appId), 0);
        assertEq(standIn.refundedStake(BOB_OASIS), 100 ether);
        assertEq(standIn.refundedStake(ALICE_OASIS), 0);
        assertEq(standIn.appIds().length, 0);
        _expectModuleError(BOB, "rofl.Remove", _removeBody(appId), 2, "rofl");
    }

    function test_removeKeepsOtherAppIds() public {
        bytes21 first = _createSimple();
        bytes21 second = _createSimple();
        _expectOk(ALICE, "rofl.Remove", _removeBody(first));
        bytes21[] memory ids = standIn.appIds();
        assertEq(ids.length, 1);
        assertEq(ids[0], second);
        assertEq(standIn.refundedStake(ALICE_OASIS), 100 ether);
    }
}
