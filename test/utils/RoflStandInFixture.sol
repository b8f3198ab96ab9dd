// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {Test} from "forge-std/Test.sol";
import {RoflModuleStandIn} from "../../contracts/testing/RoflModuleStandIn.sol";
import {RoflMarketStandIn} from "../../contracts/testing/RoflMarketStandIn.sol";

/// @title Test helper that installs the strict ROFL module stand-in
/// @notice The stand-in's runtime code is etched at the subcall precompile address, exactly where
/// Sapphire answers subcalls. No constructor runs, so the stand-in keeps no constructor state.
abstract contract RoflStandInFixture is Test {
    /// @dev Sapphire's subcall precompile.
    address internal constant ROFL_SUBCALL = 0x0100000000000000000000000000000000000103;
    /// @dev Where the roflmarket stand-in lives on local chains.
    address internal constant MARKET_STAND_IN = 0x0100000000000000000000000000000000000a03;

    function _installRoflStandIn() internal returns (RoflModuleStandIn standIn) {
        vm.etch(ROFL_SUBCALL, type(RoflModuleStandIn).runtimeCode);
        vm.label(ROFL_SUBCALL, "RoflModuleStandIn");
        standIn = RoflModuleStandIn(payable(ROFL_SUBCALL));
        vm.etch(MARKET_STAND_IN, type(RoflMarketStandIn).runtimeCode);
        vm.label(MARKET_STAND_IN, "RoflMarketStandIn");
    }

    /// @dev The roflmarket stand-in installed by {_installRoflStandIn}.
    function _market() internal pure returns (RoflMarketStandIn) {
        return RoflMarketStandIn(MARKET_STAND_IN);
    }
}
