// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {IRoflErrors} from "../contracts/interfaces/IRoflErrors.sol";
import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";

import {IRoflAppAdmin} from "../contracts/interfaces/IRoflAppAdmin.sol";
import {IRoflMachineAdmin} from "../contracts/interfaces/IRoflMachineAdmin.sol";
import {OasisIds} from "../contracts/libraries/OasisIds.sol";
import {RoflMarketCbor} from "../contracts/libraries/RoflMarketCbor.sol";
import {RoflMachineLogic} from "../contracts/rofl/RoflMachineLogic.sol";
import {RoflMarketStandIn} from "../contracts/testing/RoflMarketStandIn.sol";
import {MachineCommand, MachineRecord, MachineTopUpAllowance} from "../contracts/types/RoflMachineTypes.sol";
import {RoflAppAdminBase} from "./utils/RoflAppAdminBase.sol";

/// @notice The policy contract as the admin of its apps' marketplace machines, against the strict
/// roflmarket stand-in: every function, its access rule and its failure modes.
contract RoflMachinesTest is RoflAppAdminBase {
    uint128 internal constant HOUR_PRICE = 1 ether;
    uint128 internal constant MONTH_PRICE = 10 ether;
    uint64 internal constant MONTH = 30 days;
    bytes32 internal constant MANIFEST = keccak256("manifest");

    RoflMarketStandIn internal market;
    address internal providerAccount = makeAddr("provider");
    bytes21 internal provider;
    bytes21 internal appId;
    bytes21 internal self;

    function setUp() public override {
        super.setUp();
        market = _market();
        appId = _createDefault();
        self = rofl.roflAdminAddress();
        vm.startPrank(providerAccount);
        provider = market.createProvider();
        market.addOffer(2, 4096, 2, 20_000, 3, [HOUR_PRICE, MONTH_PRICE, uint128(0)]);
        vm.stopPrank();
        vm.deal(address(rofl), 100 ether);
    }

    // -------------------------------------------------------------------------------------------
    // Helpers
    // -------------------------------------------------------------------------------------------

    function _rent() internal returns (uint64 id) {
        vm.prank(owner);
        id = rofl.rentMachine(appId, provider, 0, RoflMarketCbor.TERM_MONTH, 2);
    }

    function _rentAccepted() internal returns (uint64 id) {
        id = _rent();
        uint64[] memory ids = new uint64[](1);
        ids[0] = id;
        vm.prank(providerAccount);
        market.acceptInstances(ids);
    }

    function _failed(string memory method, uint64 code, string memory module) internal pure returns (bytes memory) {
        return abi.encodeWithSelector(IRoflErrors.RoflCallFailed.selector, method, code, module);
    }

    function _unknownMachine(uint64 id) internal view returns (bytes memory) {
        return abi.encodeWithSelector(IRoflErrors.UnknownMachine.selector, appId, provider, id);
    }

    function _lastCommand(uint64 id) internal view returns (RoflMarketStandIn.Command memory) {
        (, bytes[] memory cmds) = market.instanceCommands(provider, id);
        return market.decodeCommand(cmds[cmds.length - 1]);
    }

    // -------------------------------------------------------------------------------------------
    // fundMachines / rentMachine
    // -------------------------------------------------------------------------------------------

    function test_fundMachines_anyoneAddsToTheBalance() public {
        vm.deal(stranger, 5 ether);
        vm.expectEmit(address(rofl));
        emit IRoflMachineAdmin.MachinesFunded(stranger, 5 ether);
        vm.prank(stranger);
        rofl.fundMachines{value: 5 ether}();
        assertEq(address(rofl).balance, 105 ether);
        vm.expectRevert(IRoflErrors.ZeroFunding.selector);
        rofl.fundMachines();
        // plain transfers stay refused
        vm.prank(stranger);
        (bool ok,) = address(rofl).call{value: 0}("");
        assertFalse(ok);
    }

    function test_rentMachine_paysFromTheContractAndBecomesAdmin() public {
        vm.expectEmit(address(rofl));
        emit IRoflMachineAdmin.MachineRented(appId, provider, 0, 0, 2, 2);
        uint64 id = _rent();
        assertEq(id, 0);
        RoflMarketStandIn.Instance memory inst = market.instance(provider, id);
        assertTrue(inst.exists);
        assertEq(inst.admin, self, "module admin");
        assertEq(inst.creator, self, "creator");
        assertEq(inst.status, market.STATUS_CREATED());
        assertEq(inst.paidUntil, block.timestamp + 2 * MONTH);
        assertEq(market.debited(self), 2 * uint256(MONTH_PRICE), "paid from the contract");
        MachineRecord[] memory machines = rofl.machinesOf(appId);
        assertEq(machines.length, 1);
        assertEq(machines[0].provider, provider);
        assertEq(machines[0].id, id);
        assertEq(machines[0].paidUntil, block.timestamp + 2 * MONTH);
        // a second machine gets the next id
        assertEq(_rent(), 1);
        assertEq(rofl.machinesOf(appId).length, 2);
    }

    function test_rentMachine_onlyOwner() public {
        vm.prank(stranger);
        vm.expectRevert(abi.encodeWithSelector(Ownable.OwnableUnauthorizedAccount.selector, stranger));
        rofl.rentMachine(appId, provider, 0, 2, 1);
    }

    function test_rentMachine_refusesBadArguments() public {
        vm.startPrank(owner);
        bytes21 other = bytes21(uint168(42));
        vm.expectRevert(abi.encodeWithSelector(IRoflErrors.UnknownApp.selector, other));
        rofl.rentMachine(other, provider, 0, 2, 1);
        vm.expectRevert(IRoflErrors.ZeroProvider.selector);
        rofl.rentMachine(appId, bytes21(0), 0, 2, 1);
        vm.expectRevert(IRoflErrors.ZeroTermCount.selector);
        rofl.rentMachine(appId, provider, 0, 2, 0);
        vm.expectRevert(abi.encodeWithSelector(IRoflErrors.InvalidTerm.selector, uint8(0)));
        rofl.rentMachine(appId, provider, 0, 0, 1);
        vm.stopPrank();
    }

    function test_rentMachine_moduleErrorsSurface() public {
        vm.startPrank(owner);
        vm.expectRevert(_failed("roflmarket.InstanceCreate", 3, "roflmarket"));
        rofl.rentMachine(appId, bytes21(uint168(7)), 0, 2, 1);
        vm.expectRevert(_failed("roflmarket.InstanceCreate", 7, "roflmarket"));
        rofl.rentMachine(appId, provider, 9, 2, 1);
        // the offer has no yearly price
        vm.expectRevert(_failed("roflmarket.InstanceCreate", 10, "roflmarket"));
        rofl.rentMachine(appId, provider, 0, 3, 1);
        // 100 ether buys 10 months, not 11
        vm.expectRevert(_failed("roflmarket.InstanceCreate", 2, "accounts"));
        rofl.rentMachine(appId, provider, 0, 2, 11);
        vm.stopPrank();
        assertEq(rofl.machinesOf(appId).length, 0);
    }

    function test_rentMachine_outOfCapacity() public {
        vm.prank(providerAccount);
        uint64 offerId = market.addOffer(2, 4096, 2, 20_000, 0, [HOUR_PRICE, MONTH_PRICE, uint128(0)]);
        vm.prank(owner);
        vm.expectRevert(_failed("roflmarket.InstanceCreate", 6, "roflmarket"));
        rofl.rentMachine(appId, provider, offerId, 2, 1);
    }

    function test_rentMachine_needsTheModuleGas() public {
        // the check names what is missing, before the module is called
        vm.prank(owner);
        try rofl.rentMachine{gas: 105_000}(appId, provider, 0, 2, 1) {
            fail();
        } catch (bytes memory reason) {
            assertEq(bytes4(reason), IRoflErrors.InsufficientGasForMachineCall.selector);
        }
    }

    // -------------------------------------------------------------------------------------------
    // deploy / restart / terminate
    // -------------------------------------------------------------------------------------------

    function test_deployMachine_queuesAPinnedDeploy() public {
        uint64 id = _rentAccepted();
        vm.expectEmit(address(rofl));
        emit IRoflMachineAdmin.MachineCommandSent(appId, provider, id, MachineCommand.Deploy, MANIFEST, false);
        vm.prank(owner);
        rofl.deployMachine(appId, provider, id, MANIFEST, false);
        RoflMarketStandIn.Command memory c = _lastCommand(id);
        assertEq(c.method, "Deploy");
        assertEq(c.appId, appId);
        assertEq(c.manifestHash, MANIFEST);
        assertFalse(c.wipeStorage);
        assertEq(market.instance(provider, id).cmdCount, 1);
    }

    function test_deployMachine_refusals() public {
        uint64 id = _rent();
        vm.prank(stranger);
        vm.expectRevert(abi.encodeWithSelector(Ownable.OwnableUnauthorizedAccount.selector, stranger));
        rofl.deployMachine(appId, provider, id, MANIFEST, false);
        vm.startPrank(owner);
        vm.expectRevert(IRoflErrors.ZeroManifestHash.selector);
        rofl.deployMachine(appId, provider, id, bytes32(0), false);
        vm.expectRevert(_unknownMachine(id + 1));
        rofl.deployMachine(appId, provider, id + 1, MANIFEST, false);
        // not accepted yet: the module refuses commands
        vm.expectRevert(_failed("roflmarket.InstanceExecuteCmds", 12, "roflmarket"));
        rofl.deployMachine(appId, provider, id, MANIFEST, false);
        vm.stopPrank();
    }

    function test_deployMachine_machineOfAnotherAppIsUnknown() public {
        uint64 id = _rentAccepted();
        vm.warp(block.timestamp + 1);
        vm.roll(block.number + 1);
        bytes21 other = _createDefault();
        vm.prank(owner);
        vm.expectRevert(abi.encodeWithSelector(IRoflErrors.UnknownMachine.selector, other, provider, id));
        rofl.deployMachine(other, provider, id, MANIFEST, false);
    }

    function test_deployMachine_queueLimit() public {
        uint64 id = _rentAccepted();
        vm.startPrank(owner);
        for (uint256 i; i < 7; ++i) {
            rofl.restartMachine(appId, provider, id, false);
        }
        vm.expectRevert(_failed("roflmarket.InstanceExecuteCmds", 9, "roflmarket"));
        rofl.deployMachine(appId, provider, id, MANIFEST, false);
        vm.stopPrank();
        // the provider completes the commands: the queue has room again
        vm.prank(providerAccount);
        market.updateInstance(id, false, bytes21(0), bytes32(0), true, 6);
        vm.prank(owner);
        rofl.deployMachine(appId, provider, id, MANIFEST, false);
    }

    function test_restartAndTerminate_queueWipeCommands() public {
        uint64 id = _rentAccepted();
        vm.startPrank(owner);
        vm.expectEmit(address(rofl));
        emit IRoflMachineAdmin.MachineCommandSent(appId, provider, id, MachineCommand.Restart, bytes32(0), true);
        rofl.restartMachine(appId, provider, id, true);
        assertEq(_lastCommand(id).method, "Restart");
        assertTrue(_lastCommand(id).wipeStorage);
        rofl.terminateMachine(appId, provider, id, false);
        assertEq(_lastCommand(id).method, "Terminate");
        assertFalse(_lastCommand(id).wipeStorage);
        vm.expectRevert(_unknownMachine(9));
        rofl.terminateMachine(appId, provider, 9, false);
        vm.stopPrank();
        vm.prank(stranger);
        vm.expectRevert(abi.encodeWithSelector(Ownable.OwnableUnauthorizedAccount.selector, stranger));
        rofl.terminateMachine(appId, provider, id, true);
        vm.prank(stranger);
        vm.expectRevert(abi.encodeWithSelector(Ownable.OwnableUnauthorizedAccount.selector, stranger));
        rofl.restartMachine(appId, provider, id, true);
    }

    // -------------------------------------------------------------------------------------------
    // changeMachineAdmin / cancelMachine
    // -------------------------------------------------------------------------------------------

    function test_changeMachineAdmin_handsOverAndForgets() public {
        uint64 id0 = _rentAccepted();
        uint64 id1 = _rentAccepted();
        bytes21 safe = OasisIds.fromEth(makeAddr("safe"));
        vm.expectEmit(address(rofl));
        emit IRoflMachineAdmin.MachineAdminChanged(appId, provider, id0, safe);
        vm.prank(owner);
        rofl.changeMachineAdmin(appId, provider, id0, safe);
        assertEq(market.instance(provider, id0).admin, safe, "module admin");
        MachineRecord[] memory machines = rofl.machinesOf(appId);
        assertEq(machines.length, 1);
        assertEq(machines[0].id, id1, "the other machine stays");
        vm.prank(owner);
        vm.expectRevert(_unknownMachine(id0));
        rofl.deployMachine(appId, provider, id0, MANIFEST, false);
    }

    function test_changeMachineAdmin_refusals() public {
        uint64 id = _rentAccepted();
        vm.startPrank(owner);
        vm.expectRevert(abi.encodeWithSelector(IRoflErrors.InvalidMachineAdmin.selector, bytes21(0)));
        rofl.changeMachineAdmin(appId, provider, id, bytes21(0));
        vm.expectRevert(abi.encodeWithSelector(IRoflErrors.InvalidMachineAdmin.selector, self));
        rofl.changeMachineAdmin(appId, provider, id, self);
        vm.expectRevert(_unknownMachine(5));
        rofl.changeMachineAdmin(appId, provider, 5, bytes21(uint168(1)));
        vm.stopPrank();
        vm.prank(stranger);
        vm.expectRevert(abi.encodeWithSelector(Ownable.OwnableUnauthorizedAccount.selector, stranger));
        rofl.changeMachineAdmin(appId, provider, id, bytes21(uint168(1)));
    }

    function test_cancelMachine_cancelsAndForgets() public {
        uint64 id = _rentAccepted();
        vm.expectEmit(address(rofl));
        emit IRoflMachineAdmin.MachineCancelled(appId, provider, id);
        vm.prank(owner);
        rofl.cancelMachine(appId, provider, id);
        assertEq(market.instance(provider, id).status, market.STATUS_CANCELLED());
        assertEq(market.credited(OasisIds.fromEth(providerAccount)), 2 * uint256(MONTH_PRICE), "provider claims");
        assertEq(rofl.machinesOf(appId).length, 0);
        vm.prank(owner);
        vm.expectRevert(_unknownMachine(id));
        rofl.cancelMachine(appId, provider, id);
        vm.prank(stranger);
        vm.expectRevert(abi.encodeWithSelector(Ownable.OwnableUnauthorizedAccount.selector, stranger));
        rofl.cancelMachine(appId, provider, id);
    }

    function test_cancelMachine_notAcceptedInTimeIsRefunded() public {
        uint64 id = _rent();
        vm.warp(block.timestamp + 301);
        vm.prank(owner);
        rofl.cancelMachine(appId, provider, id);
        assertFalse(market.instance(provider, id).exists, "removed");
        assertEq(market.credited(self), 2 * uint256(MONTH_PRICE), "refunded to the contract");
    }

    // -------------------------------------------------------------------------------------------
    // top-up
    // -------------------------------------------------------------------------------------------

    function test_setMachineTopUp_onlyOwnerAndChecked() public {
        vm.prank(stranger);
        vm.expectRevert(abi.encodeWithSelector(Ownable.OwnableUnauthorizedAccount.selector, stranger));
        rofl.setMachineTopUp(appId, 2, 3, 7 days);
        vm.startPrank(owner);
        vm.expectRevert(abi.encodeWithSelector(IRoflErrors.InvalidTerm.selector, uint8(4)));
        rofl.setMachineTopUp(appId, 4, 3, 7 days);
        uint64 max = RoflMachineLogic.MAX_TOP_UP_WINDOW;
        vm.expectRevert(abi.encodeWithSelector(IRoflErrors.TopUpWindowTooLong.selector, max + 1, max));
        rofl.setMachineTopUp(appId, 2, 3, max + 1);
        bytes21 other = bytes21(uint168(42));
        vm.expectRevert(abi.encodeWithSelector(IRoflErrors.UnknownApp.selector, other));
        rofl.setMachineTopUp(other, 2, 3, 7 days);
        vm.expectEmit(address(rofl));
        emit IRoflMachineAdmin.MachineTopUpSet(appId, 2, 3, 7 days);
        rofl.setMachineTopUp(appId, 2, 3, 7 days);
        vm.stopPrank();
        MachineTopUpAllowance memory a = rofl.machineTopUp(appId);
        assertEq(a.term, 2);
        assertEq(a.termsLeft, 3);
        assertEq(a.window, 7 days);
    }

    function test_topUpMachine_anyoneWithinTheAllowance() public {
        uint64 id = _rentAccepted();
        uint64 paidUntil = uint64(block.timestamp) + 2 * MONTH;
        vm.prank(stranger);
        vm.expectRevert(abi.encodeWithSelector(IRoflErrors.NoTopUpAllowance.selector, appId));
        rofl.topUpMachine(appId, provider, id);

        vm.prank(owner);
        rofl.setMachineTopUp(appId, 2, 2, 7 days);
        vm.prank(stranger);
        vm.expectRevert(abi.encodeWithSelector(IRoflErrors.TopUpTooEarly.selector, paidUntil, paidUntil - 7 days));
        rofl.topUpMachine(appId, provider, id);

        vm.warp(paidUntil - 7 days);
        vm.expectEmit(address(rofl));
        emit IRoflMachineAdmin.MachineToppedUp(appId, provider, id, paidUntil + MONTH, 1);
        vm.prank(stranger);
        rofl.topUpMachine(appId, provider, id);
        assertEq(market.instance(provider, id).paidUntil, paidUntil + MONTH, "module paid until");
        assertEq(rofl.machinesOf(appId)[0].paidUntil, paidUntil + MONTH);
        assertEq(market.debited(self), 3 * uint256(MONTH_PRICE));
        assertEq(rofl.machineTopUp(appId).termsLeft, 1);

        // the next one only once the new deadline is near; then the allowance runs out
        vm.prank(stranger);
        vm.expectRevert();
        rofl.topUpMachine(appId, provider, id);
        vm.warp(paidUntil + MONTH);
        vm.prank(stranger);
        rofl.topUpMachine(appId, provider, id);
        vm.prank(stranger);
        vm.expectRevert(abi.encodeWithSelector(IRoflErrors.NoTopUpAllowance.selector, appId));
        rofl.topUpMachine(appId, provider, id);
    }

    function test_topUpMachine_unknownMachineAndModuleErrors() public {
        uint64 id = _rent();
        vm.prank(owner);
        rofl.setMachineTopUp(appId, 2, 5, 400 days);
        vm.expectRevert(_unknownMachine(3));
        rofl.topUpMachine(appId, provider, 3);
        // not accepted yet: the module refuses the top-up and nothing is spent
        vm.expectRevert(_failed("roflmarket.InstanceTopUp", 12, "roflmarket"));
        rofl.topUpMachine(appId, provider, id);
        assertEq(rofl.machineTopUp(appId).termsLeft, 5);
    }
}
