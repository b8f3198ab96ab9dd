// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {RoflAppAdmin} from "../../contracts/rofl/RoflAppAdmin.sol";
import {RoflModuleStandIn} from "../../contracts/testing/RoflModuleStandIn.sol";
import {RoflAppAdminBase} from "../utils/RoflAppAdminBase.sol";
import {HostileOwner, HostilePrecompile} from "./utils/HostileActors.sol";

/// @title Set-up of the call-order tests: the policy contract owned by a {HostileOwner}, one
/// app created through the real stand-in, and a {HostilePrecompile} that can be etched over it.
abstract contract SecurityBase is RoflAppAdminBase {
    HostileOwner internal hostileOwner;
    HostilePrecompile internal hostile;
    /// @dev A stand-in deployed at an ordinary address: the code the hostile precompile delegates to.
    address internal standInImpl;
    bytes21 internal appId;

    function setUp() public virtual override {
        standIn = _installRoflStandIn();
        hostileOwner = new HostileOwner();
        owner = address(hostileOwner);
        rofl = new RoflAppAdmin(owner);
        hostileOwner.setTarget(address(rofl));
        vm.deal(owner, 100_000 ether);
        appId = _createDefault();
        standInImpl = address(new RoflModuleStandIn());
    }

    /// @dev Puts the hostile precompile over the stand-in; the stand-in's storage stays.
    function _goHostile(HostilePrecompile.Mode mode, bytes memory payload, uint256 size) internal {
        vm.etch(ROFL_SUBCALL, type(HostilePrecompile).runtimeCode);
        hostile = HostilePrecompile(payable(ROFL_SUBCALL));
        hostile.hostileConfigure(mode, address(rofl), standInImpl, address(hostileOwner), payload, size);
    }

    /// @dev The module's view of the app, to compare before and after a failed call.
    function _moduleSnapshot() internal view returns (bytes32) {
        return keccak256(
            abi.encode(
                standIn.appExists(appId),
                standIn.lastBody(appId),
                standIn.appPolicyCbor(appId),
                standIn.appMetadata(appId),
                standIn.appSecrets(appId)
            )
        );
    }
}
