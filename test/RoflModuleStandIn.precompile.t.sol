// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {RoflModuleStandIn} from "../contracts/testing/RoflModuleStandIn.sol";
import {RoflModuleStandInFixture, DelegateCaller} from "./utils/RoflModuleStandInFixture.sol";

/// @title The ROFL module stand-in: the precompile's call rules
contract RoflModuleStandInPrecompileTest is RoflModuleStandInFixture {
    function test_delegatecallRejected() public {
        DelegateCaller caller = new DelegateCaller();
        (bool ok, bytes memory ret) =
            caller.run(abi.encode(bytes("rofl.Create"), _create(_simplePolicy(), 1, EMPTY_MAP)));
        assertFalse(ok);
        assertEq(ret, abi.encodeWithSelector(RoflModuleStandIn.DelegateCallRejected.selector));
        assertEq(standIn.appIds().length, 0);
    }

    function test_codeAtAnotherAddressRejected() public {
        address elsewhere = address(0xC0FFEE);
        vm.etch(elsewhere, type(RoflModuleStandIn).runtimeCode);
        (bool ok, bytes memory ret) =
            elsewhere.call(abi.encode(bytes("rofl.Create"), _create(_simplePolicy(), 1, EMPTY_MAP)));
        assertFalse(ok);
        assertEq(ret, abi.encodeWithSelector(RoflModuleStandIn.DelegateCallRejected.selector));
    }

    function test_callerAddressIsCachedAndViewsIgnoreSender() public {
        bytes21 appId = _createSimple();
        vm.prank(address(0));
        (bool hasAdmin, bytes21 admin) = standIn.appAdmin(appId);
        assertTrue(hasAdmin);
        assertEq(admin, ALICE_OASIS);
        // A second create by a new caller pays for Address::from_eth; a repeat caller does not.
        bytes memory body = _create(_simplePolicy(), 0, EMPTY_MAP);
        uint256 g0 = gasleft();
        _expectOk(BOB, "rofl.Create", body);
        uint256 firstByBob = g0 - gasleft();
        vm.roll(block.number + 1); // one scheme-0 id per creator and block
        g0 = gasleft();
        _expectOk(BOB, "rofl.Create", body);
        uint256 used = g0 - gasleft();
        assertGt(firstByBob, used + 60_000, "caller address cached");
        emit log_named_uint("second create gas", used);
    }
}
