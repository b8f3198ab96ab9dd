// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {CborReader} from "../contracts/testing/CborReader.sol";
import {OasisIds} from "../contracts/libraries/OasisIds.sol";
import {RoflMarketCbor} from "../contracts/libraries/RoflMarketCbor.sol";
import {RoflMarketStandIn} from "../contracts/testing/RoflMarketStandIn.sol";
import {RoflModuleStandIn} from "../contracts/testing/RoflModuleStandIn.sol";
import {RoflStandInFixture} from "./utils/RoflStandInFixture.sol";

/// @notice The roflmarket stand-in answers subcalls as the module does (oasis-sdk
/// `runtime-sdk/modules/rofl-market/src/lib.rs`), with the real error codes, and refuses bodies
/// the real encoders never write.
contract RoflMarketStandInTest is RoflStandInFixture {
    RoflMarketStandIn internal market;
    address internal providerAccount = makeAddr("provider");
    address internal user = makeAddr("user");
    address internal other = makeAddr("other");
    bytes21 internal provider;

    function setUp() public {
        _installRoflStandIn();
        market = _market();
        vm.startPrank(providerAccount);
        provider = market.createProvider();
        market.addOffer(2, 4096, 2, 20_000, 5, [uint128(1 ether), uint128(10 ether), uint128(0)]);
        vm.stopPrank();
        vm.deal(user, 50 ether);
    }

    function _call(address from, string memory method, bytes memory body)
        internal
        returns (uint64 status, bytes memory data)
    {
        vm.prank(from);
        (bool ok, bytes memory response) = ROFL_SUBCALL.call(abi.encode(method, body));
        require(ok, "subcall reverted");
        (status, data) = abi.decode(response, (uint64, bytes));
    }

    function _create(address from) internal returns (uint64 id) {
        (uint64 status, bytes memory data) =
            _call(from, "roflmarket.InstanceCreate", RoflMarketCbor.encodeInstanceCreate(provider, 0, 2, 1));
        assertEq(status, 0, "create");
        CborReader.Cursor memory c = CborReader.cursor(data);
        id = uint64(bytes8(CborReader.readBytesOfLength(c, 8)));
    }

    function _accept(uint64 id) internal {
        uint64[] memory ids = new uint64[](1);
        ids[0] = id;
        vm.prank(providerAccount);
        market.acceptInstances(ids);
    }

    function test_onlyReachableThroughTheSubcallStandIn() public {
        vm.expectRevert(abi.encodeWithSelector(RoflMarketStandIn.OnlyThroughSubcall.selector, address(this)));
        market.handle(bytes21(0), address(this), "roflmarket.InstanceCancel", "");
    }

    function test_missingMarketStandInReverts() public {
        vm.etch(MARKET_STAND_IN, "");
        vm.expectRevert(abi.encodeWithSelector(RoflModuleStandIn.MarketStandInMissing.selector, MARKET_STAND_IN));
        (bool ok,) = ROFL_SUBCALL.call(abi.encode("roflmarket.InstanceCancel", hex"a0"));
        ok;
    }

    function test_unmodelledMethodReverts() public {
        vm.expectRevert(
            abi.encodeWithSelector(RoflMarketStandIn.MethodNotModelled.selector, "roflmarket.ProviderCreate")
        );
        (bool ok,) = ROFL_SUBCALL.call(abi.encode("roflmarket.ProviderCreate", hex"a0"));
        ok;
    }

    function test_createPaysAndCounts() public {
        uint64 id0 = _create(user);
        uint64 id1 = _create(user);
        assertEq(id0, 0);
        assertEq(id1, 1);
        bytes21 userAddr = OasisIds.fromEth(user);
        assertEq(market.debited(userAddr), 20 ether);
        assertEq(market.available(userAddr, user), 30 ether);
        assertEq(market.providerInfo(provider).instancesCount, 2);
        // 30 ether left buys 3 months but not 4
        (uint64 status, bytes memory data) =
            _call(user, "roflmarket.InstanceCreate", RoflMarketCbor.encodeInstanceCreate(provider, 0, 2, 4));
        assertEq(status, 2);
        assertEq(data, "accounts");
        (status,) = _call(user, "roflmarket.InstanceCreate", RoflMarketCbor.encodeInstanceCreate(provider, 0, 2, 0));
        assertEq(status, 1, "term_count 0");
    }

    function test_acceptTakesCapacityAndSkipsOthers() public {
        uint64 id = _create(user);
        uint64[] memory ids = new uint64[](2);
        ids[0] = id;
        ids[1] = 99;
        vm.prank(providerAccount);
        market.acceptInstances(ids);
        assertEq(market.instance(provider, id).status, 1);
        assertEq(market.offer(provider, 0).capacity, 4);
        vm.prank(providerAccount);
        market.acceptInstances(ids); // already accepted: skipped
        assertEq(market.offer(provider, 0).capacity, 4);
    }

    function test_adminOnlyCalls() public {
        uint64 id = _create(user);
        _accept(id);
        bytes memory deploy = RoflMarketCbor.encodeDeployCmd(bytes21(uint168(5)), keccak256("m"), false);
        (uint64 status, bytes memory data) =
            _call(other, "roflmarket.InstanceExecuteCmds", RoflMarketCbor.encodeExecuteCmd(provider, id, deploy));
        assertEq(status, 4);
        assertEq(data, "roflmarket");
        (status,) = _call(
            other, "roflmarket.InstanceChangeAdmin", RoflMarketCbor.encodeChangeAdmin(provider, id, bytes21(uint168(1)))
        );
        assertEq(status, 4);
        (status,) = _call(other, "roflmarket.InstanceCancel", RoflMarketCbor.encodeCancel(provider, id));
        assertEq(status, 4);
        (status,) = _call(user, "roflmarket.InstanceExecuteCmds", RoflMarketCbor.encodeExecuteCmd(provider, 7, deploy));
        assertEq(status, 8, "unknown instance");
        (status,) = _call(user, "roflmarket.InstanceExecuteCmds", RoflMarketCbor.encodeExecuteCmd(provider, id, deploy));
        assertEq(status, 0);
        // anyone may top up
        vm.deal(other, 10 ether);
        (status,) = _call(other, "roflmarket.InstanceTopUp", RoflMarketCbor.encodeInstanceTopUp(provider, id, 2, 1));
        assertEq(status, 0);
        assertEq(market.instance(provider, id).paidUntil, block.timestamp + 60 days);
        // the admin hands over; the old admin is refused from then on
        bytes21 otherAddr = OasisIds.fromEth(other);
        (status,) =
            _call(user, "roflmarket.InstanceChangeAdmin", RoflMarketCbor.encodeChangeAdmin(provider, id, otherAddr));
        assertEq(status, 0);
        (status,) = _call(user, "roflmarket.InstanceExecuteCmds", RoflMarketCbor.encodeExecuteCmd(provider, id, deploy));
        assertEq(status, 4);
    }

    function test_cancelWithinTheAcceptWindowLetsTheProviderClaim() public {
        uint64 id = _create(user);
        (uint64 status,) = _call(user, "roflmarket.InstanceCancel", RoflMarketCbor.encodeCancel(provider, id));
        assertEq(status, 0);
        assertEq(market.instance(provider, id).status, 2);
        assertEq(market.credited(OasisIds.fromEth(providerAccount)), 10 ether);
        // cancelling again does nothing
        (status,) = _call(user, "roflmarket.InstanceCancel", RoflMarketCbor.encodeCancel(provider, id));
        assertEq(status, 0);
        assertEq(market.credited(OasisIds.fromEth(providerAccount)), 10 ether);
        (status,) = _call(user, "roflmarket.InstanceCancel", RoflMarketCbor.encodeCancel(bytes21(uint168(3)), id));
        assertEq(status, 3, "unknown provider");
    }

    function test_providerCompletesCommandsAndSetsTheDeployment() public {
        uint64 id = _create(user);
        _accept(id);
        bytes memory restart = RoflMarketCbor.encodeWipeCmd("Restart", false);
        _call(user, "roflmarket.InstanceExecuteCmds", RoflMarketCbor.encodeExecuteCmd(provider, id, restart));
        _call(user, "roflmarket.InstanceExecuteCmds", RoflMarketCbor.encodeExecuteCmd(provider, id, restart));
        (uint64[] memory ids,) = market.instanceCommands(provider, id);
        assertEq(ids.length, 2);
        vm.prank(providerAccount);
        market.updateInstance(id, true, bytes21(uint168(9)), keccak256("m"), true, 0);
        (ids,) = market.instanceCommands(provider, id);
        assertEq(ids.length, 1);
        assertEq(ids[0], 1);
        RoflMarketStandIn.Instance memory inst = market.instance(provider, id);
        assertTrue(inst.hasDeployment);
        assertEq(inst.deploymentApp, bytes21(uint168(9)));
        assertEq(inst.cmdCount, 1);
        vm.prank(other);
        vm.expectRevert(abi.encodeWithSelector(RoflMarketStandIn.NotAProvider.selector, other));
        market.updateInstance(id, false, bytes21(0), bytes32(0), true, 5);
    }

    function test_providerRegistrationChecks() public {
        vm.prank(providerAccount);
        vm.expectRevert(abi.encodeWithSelector(RoflMarketStandIn.ProviderAlreadyExists.selector, provider));
        market.createProvider();
        vm.startPrank(providerAccount);
        vm.expectRevert(
            abi.encodeWithSelector(RoflMarketStandIn.BadResourceDescriptor.selector, "memory must be at least 16 MiB")
        );
        market.addOffer(2, 8, 1, 0, 1, [uint128(1), uint128(1), uint128(1)]);
        vm.expectRevert(
            abi.encodeWithSelector(RoflMarketStandIn.BadResourceDescriptor.selector, "there must be at least 1 vCPU")
        );
        market.addOffer(2, 16, 0, 0, 1, [uint128(1), uint128(1), uint128(1)]);
        vm.stopPrank();
    }

    // ---------------------------------------------------------------------------------------
    // Strict decoding
    // ---------------------------------------------------------------------------------------

    function test_strict_unknownAndMissingFields() public {
        // {id: ..., provider: ..., wipe: false} for InstanceCancel
        bytes memory extra = abi.encodePacked(
            hex"a3626964480000000000000000", hex"6870726f766964657255", provider, hex"6c777269746565787472615f6b6579f4"
        );
        vm.expectRevert();
        (bool ok,) = ROFL_SUBCALL.call(abi.encode("roflmarket.InstanceCancel", extra));
        // {id} only
        bytes memory missing = hex"a1626964480000000000000000";
        vm.expectRevert(abi.encodeWithSelector(CborReader.MissingField.selector, 0, "provider"));
        (ok,) = ROFL_SUBCALL.call(abi.encode("roflmarket.InstanceCancel", missing));
        // {provider, id}: out of canonical order
        bytes memory unordered = abi.encodePacked(hex"a26870726f766964657255", provider, hex"626964480000000000000000");
        vm.expectRevert(abi.encodeWithSelector(CborReader.CborMapKeyOutOfOrder.selector, 24));
        (ok,) = ROFL_SUBCALL.call(abi.encode("roflmarket.InstanceCancel", unordered));
        ok;
    }

    function test_strict_commandsMustBeSchedulerCommands() public {
        uint64 id = _create(user);
        _accept(id);
        bytes memory bogus = hex"a264617267736066726d6574686f6466446570"; // not a command
        vm.prank(user);
        vm.expectRevert();
        (bool ok,) = ROFL_SUBCALL.call(
            abi.encode("roflmarket.InstanceExecuteCmds", RoflMarketCbor.encodeExecuteCmd(provider, id, bogus))
        );
        bytes memory wrongMethod = RoflMarketCbor.encodeWipeCmd("Reboot", false);
        vm.prank(user);
        vm.expectRevert();
        (ok,) = ROFL_SUBCALL.call(
            abi.encode("roflmarket.InstanceExecuteCmds", RoflMarketCbor.encodeExecuteCmd(provider, id, wrongMethod))
        );
        ok;
    }

    function test_strict_termOutOfRange() public {
        // InstanceCreate with term 4
        bytes memory body = RoflMarketCbor.encodeInstanceCreate(provider, 0, 2, 1);
        body[5] = 0x04;
        vm.expectRevert(
            abi.encodeWithSelector(
                RoflMarketStandIn.InvalidField.selector, 5, "term must be 1 (hour), 2 (month) or 3 (year)"
            )
        );
        (bool ok,) = ROFL_SUBCALL.call(abi.encode("roflmarket.InstanceCreate", body));
        ok;
    }
}
