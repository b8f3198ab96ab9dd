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

/// @title RoflAppAdmin against the strict ROFL module stand-in: fees, expiration and quote policy
contract RoflAppAdminPolicyTest is RoflAppAdminFixture {
    function test_SetFees() public {
        vm.expectEmit(true, false, false, true, address(rofl));
        emit IRoflAppAdmin.FeesSet(appId, FeePolicy.InstancePays);
        vm.prank(owner);
        rofl.setFees(appId, 1, FeePolicy.InstancePays);
        assertEq(standIn.appFees(appId), 1);
        _assertInSync(appId);

        vm.prank(owner);
        vm.expectRevert(IRoflErrors.InvalidFeePolicy.selector);
        rofl.setFees(appId, 0, FeePolicy.Unset);
    }

    function test_SetMaxExpiration() public {
        vm.expectEmit(true, false, false, true, address(rofl));
        emit IRoflAppAdmin.MaxExpirationSet(appId, 24);
        vm.prank(owner);
        rofl.setMaxExpiration(appId, 1, 24);
        assertEq(standIn.appMaxExpiration(appId), 24);
        _assertInSync(appId);

        vm.prank(owner);
        vm.expectRevert(abi.encodeWithSelector(IRoflErrors.InvalidMaxExpiration.selector, 25, 24));
        rofl.setMaxExpiration(appId, 0, 25);
        vm.prank(owner);
        vm.expectRevert(abi.encodeWithSelector(IRoflErrors.InvalidMaxExpiration.selector, 0, 24));
        rofl.setMaxExpiration(appId, 0, 0);
    }

    function test_SetQuotePolicy() public {
        QuotePolicy memory quotes = _fullQuotes();
        vm.expectEmit(true, false, false, true, address(rofl));
        emit IRoflAppAdmin.QuotePolicySet(appId, quotes);
        vm.prank(owner);
        rofl.setQuotePolicy(appId, 1, quotes);
        AppConfig memory config = rofl.getApp(appId);
        assertEq(config.policy.quotes.pcs.fmspcBlacklist.length, 2);
        assertEq(config.policy.quotes.pcs.allowedTdxModules[1].mrSeam, _repeat(0x11, 48));
        _assertInSync(appId);

        // replacing with a smaller policy leaves nothing of the old one behind
        QuotePolicy memory none;
        none.pcs.tcbValidityPeriod = 5; // ignored: PCS absent
        vm.prank(owner);
        rofl.setQuotePolicy(appId, 2, none);
        config = rofl.getApp(appId);
        assertFalse(config.policy.quotes.pcsPresent);
        assertEq(config.policy.quotes.pcs.tcbValidityPeriod, 0);
        assertEq(config.policy.quotes.pcs.fmspcBlacklist.length, 0);
        assertEq(config.policy.quotes.pcs.allowedTdxModules.length, 0);
        _assertInSync(appId);
    }

    function test_SetQuotePolicy_Invalid() public {
        QuotePolicy memory quotes = _fullQuotes();
        quotes.pcs.fmspcWhitelist[0] = "00606A00000";
        _expectSetQuotesRevert(quotes, abi.encodeWithSelector(IRoflErrors.InvalidFmspc.selector, "00606A00000"));
        quotes.pcs.fmspcWhitelist[0] = "00606A00000g";
        _expectSetQuotesRevert(quotes, abi.encodeWithSelector(IRoflErrors.InvalidFmspc.selector, "00606A00000g"));

        quotes = _fullQuotes();
        quotes.pcs.fmspcBlacklist[1] = "";
        _expectSetQuotesRevert(quotes, abi.encodeWithSelector(IRoflErrors.InvalidFmspc.selector, ""));

        quotes = _fullQuotes();
        quotes.pcs.allowedTdxModules[1].mrSeam = new bytes(47);
        _expectSetQuotesRevert(quotes, abi.encodeWithSelector(IRoflErrors.InvalidTdxModule.selector, 1));

        quotes = _fullQuotes();
        quotes.pcs.allowedTdxModules[0].mrSignerSeam = "";
        _expectSetQuotesRevert(quotes, abi.encodeWithSelector(IRoflErrors.InvalidTdxModule.selector, 0));

        quotes = _fullQuotes();
        quotes.pcs.tdxAllowed = false;
        _expectSetQuotesRevert(quotes, abi.encodeWithSelector(IRoflErrors.InvalidTdxModule.selector, 0));
    }
}
