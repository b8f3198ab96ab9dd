// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {Test} from "forge-std/Test.sol";

import {RoflAppAdmin} from "../../contracts/rofl/RoflAppAdmin.sol";
import {RoflMarketStandIn} from "../../contracts/testing/RoflMarketStandIn.sol";
import {MachineRecord} from "../../contracts/types/RoflMachineTypes.sol";
import {RoflAppAdminBase} from "../utils/RoflAppAdminBase.sol";

/// @title Drives the policy contract's machine functions, the provider and the clock at random
/// @dev Owner and provider actions may fail for reasons of state (not accepted yet, queue full,
/// out of money): failures are tolerated. Ghost state: machines the contract let go, and top-ups
/// by outsiders beyond the allowance (must stay zero).
contract RoflMachinesHandler is Test {
    RoflAppAdmin internal immutable rofl;
    RoflMarketStandIn internal immutable market;
    address internal immutable owner;
    address internal immutable providerAccount;
    bytes21 internal immutable appId;
    bytes21 internal immutable provider;

    uint64[] public released;
    uint256 public topUpsBeyondAllowance;

    constructor(
        RoflAppAdmin rofl_,
        RoflMarketStandIn market_,
        address owner_,
        address providerAccount_,
        bytes21 appId_
    ) {
        rofl = rofl_;
        market = market_;
        owner = owner_;
        providerAccount = providerAccount_;
        appId = appId_;
        provider = market_.providerOf(providerAccount_);
    }

    function releasedCount() external view returns (uint256) {
        return released.length;
    }

    function rent(uint8 term, uint8 count) external {
        vm.prank(owner);
        try rofl.rentMachine(appId, provider, 0, uint8(bound(term, 1, 2)), uint64(bound(count, 1, 3))) {} catch {}
    }

    function accept(uint256 seed) external {
        (bool held, uint64 id) = _held(seed);
        if (!held) return;
        uint64[] memory ids = new uint64[](1);
        ids[0] = id;
        vm.prank(providerAccount);
        market.acceptInstances(ids);
    }

    function deploy(uint256 seed, bytes32 manifest, bool wipe) external {
        (bool held, uint64 id) = _held(seed);
        if (!held || manifest == bytes32(0)) return;
        vm.prank(owner);
        try rofl.deployMachine(appId, provider, id, manifest, wipe) {} catch {}
    }

    function complete(uint256 seed) external {
        (bool held, uint64 id) = _held(seed);
        if (!held) return;
        vm.prank(providerAccount);
        market.updateInstance(id, false, bytes21(0), bytes32(0), true, type(uint64).max);
    }

    function terminate(uint256 seed, bool wipe) external {
        (bool held, uint64 id) = _held(seed);
        if (!held) return;
        vm.prank(owner);
        try rofl.terminateMachine(appId, provider, id, wipe) {} catch {}
    }

    function handOver(uint256 seed) external {
        (bool held, uint64 id) = _held(seed);
        if (!held) return;
        vm.prank(owner);
        try rofl.changeMachineAdmin(appId, provider, id, bytes21(uint168(0xbeef))) {
            released.push(id);
        } catch {}
    }

    function cancel(uint256 seed) external {
        (bool held, uint64 id) = _held(seed);
        if (!held) return;
        vm.prank(owner);
        try rofl.cancelMachine(appId, provider, id) {
            released.push(id);
        } catch {}
    }

    function setTopUp(uint8 termsLeft, uint32 window) external {
        vm.prank(owner);
        rofl.setMachineTopUp(appId, 1, uint64(bound(termsLeft, 0, 4)), uint64(bound(window, 0, 40 days)));
    }

    function topUp(uint256 seed, address anyone) external {
        (bool held, uint64 id) = _held(seed);
        if (!held) return;
        uint64 before = rofl.machineTopUp(appId).termsLeft;
        vm.prank(anyone);
        try rofl.topUpMachine(appId, provider, id) {
            if (before == 0) ++topUpsBeyondAllowance;
        } catch {}
    }

    function warp(uint32 by) external {
        vm.warp(block.timestamp + bound(by, 1, 20 days));
    }

    function _held(uint256 seed) internal view returns (bool, uint64) {
        MachineRecord[] memory machines = rofl.machinesOf(appId);
        if (machines.length == 0) return (false, 0);
        return (true, machines[seed % machines.length].id);
    }
}

/// @notice Machine bookkeeping of the policy contract matches the module at all times.
contract RoflMachinesInvariantTest is RoflAppAdminBase {
    RoflMachinesHandler internal handler;
    RoflMarketStandIn internal market;
    bytes21 internal appId;

    function setUp() public override {
        super.setUp();
        market = _market();
        appId = _createDefault();
        address providerAccount = makeAddr("provider");
        vm.startPrank(providerAccount);
        market.createProvider();
        market.addOffer(2, 4096, 2, 20_000, 1000, [uint128(1 ether), uint128(10 ether), uint128(0)]);
        vm.stopPrank();
        vm.deal(address(rofl), 200 ether);
        handler = new RoflMachinesHandler(rofl, market, owner, providerAccount, appId);
        targetContract(address(handler));
    }

    /// @dev Every machine the contract records exists in the module, is administered by the
    /// contract, and is paid at least until the contract believes.
    /// forge-config: default.invariant.runs = 32
    function invariant_RecordsMatchTheModule() public view {
        MachineRecord[] memory machines = rofl.machinesOf(appId);
        bytes21 self = rofl.roflAdminAddress();
        for (uint256 i; i < machines.length; ++i) {
            RoflMarketStandIn.Instance memory inst = market.instance(machines[i].provider, machines[i].id);
            assertTrue(inst.exists, "recorded machine unknown to the module");
            assertEq(inst.admin, self, "recorded machine not administered by the contract");
            assertLe(machines[i].paidUntil, inst.paidUntil, "contract believes it paid more than it did");
            assertEq(machines[i].appId, appId);
        }
    }

    /// @dev A machine let go (handed over or cancelled) is never recorded again.
    /// forge-config: default.invariant.runs = 32
    function invariant_ReleasedMachinesStayForgotten() public view {
        MachineRecord[] memory machines = rofl.machinesOf(appId);
        for (uint256 r; r < handler.releasedCount(); ++r) {
            uint64 id = handler.released(r);
            for (uint256 i; i < machines.length; ++i) {
                assertTrue(machines[i].id != id, "released machine still recorded");
            }
        }
    }

    /// @dev Nobody tops up beyond the allowance, and the contract never spends more than it has.
    /// forge-config: default.invariant.runs = 32
    function invariant_SpendingWithinBounds() public view {
        assertEq(handler.topUpsBeyondAllowance(), 0);
        bytes21 self = rofl.roflAdminAddress();
        assertLe(market.debited(self), address(rofl).balance + market.credited(self));
    }
}
