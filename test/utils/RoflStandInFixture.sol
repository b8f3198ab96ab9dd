// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {Test} from "forge-std/Test.sol";
import {RoflModuleStandIn} from "../../contracts/testing/RoflModuleStandIn.sol";

/// @title Test helper that installs the strict ROFL module stand-in
/// @notice The stand-in's runtime code is etched at the subcall precompile address, exactly where
/// Sapphire answers subcalls. No constructor runs, so the stand-in keeps no constructor state.
abstract contract RoflStandInFixture is Test {
    /// @dev Sapphire's subcall precompile.
    address internal constant ROFL_SUBCALL = 0x0100000000000000000000000000000000000103;

    function _installRoflStandIn() internal returns (RoflModuleStandIn standIn) {
        vm.etch(ROFL_SUBCALL, type(RoflModuleStandIn).runtimeCode);
        vm.label(ROFL_SUBCALL, "RoflModuleStandIn");
        standIn = RoflModuleStandIn(payable(ROFL_SUBCALL));
    }
}
