// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {IRoflErrors} from "../contracts/interfaces/IRoflErrors.sol";
import {Vm} from "forge-std/Vm.sol";
import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";

import {IRoflAppAdmin} from "../contracts/interfaces/IRoflAppAdmin.sol";
import {OasisIds} from "../contracts/libraries/OasisIds.sol";
import {RoflCbor} from "../contracts/libraries/RoflCbor.sol";
import {RoflPolicyValidation} from "../contracts/libraries/RoflPolicyValidation.sol";
import {RoflAppAdmin} from "../contracts/rofl/RoflAppAdmin.sol";
import {RoflSubcall} from "../contracts/rofl/RoflSubcall.sol";
import {
    AppConfig,
    AppPolicy,
    EnclaveIdentity,
    EndorsementKind,
    EndorsementNode,
    FeePolicy,
    MetadataEntry,
    QuotePolicy,
    SecretEntry,
    TdxModule
} from "../contracts/types/RoflTypes.sol";
import {RoflAppAdminBase} from "./utils/RoflAppAdminBase.sol";
import {RoflAppAdminFixture, RejectingOwner, RoflSubcallHarness} from "./utils/RoflAppAdminFixture.sol";

/// @title RoflAppAdmin against the strict ROFL module stand-in: versions and stale proposals
contract RoflAppAdminVersionsTest is RoflAppAdminFixture {
    function test_StaleVersion_EveryChange() public {
        vm.startPrank(owner);
        rofl.setFees(appId, 1, FeePolicy.InstancePays); // now version 2
        bytes[] memory stale = _allChangesWithVersion(1);
        for (uint256 i; i < stale.length; ++i) {
            (bool ok, bytes memory reason) = address(rofl).call(stale[i]);
            assertFalse(ok);
            assertEq(reason, abi.encodeWithSelector(IRoflErrors.StaleVersion.selector, appId, 1, 2));
        }
        vm.stopPrank();
    }

    function test_Version_GrowsByOnePerUpdate() public {
        vm.startPrank(owner);
        for (uint64 v = 1; v < 6; ++v) {
            assertEq(rofl.version(appId), v);
            rofl.setMaxExpiration(appId, v, v + 1);
        }
        vm.stopPrank();
        assertEq(rofl.version(appId), 6);
    }
}
