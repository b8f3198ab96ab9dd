// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {IRoflErrors} from "../interfaces/IRoflErrors.sol";
import {IRoflMachineAdmin} from "../interfaces/IRoflMachineAdmin.sol";
import {OasisIds} from "../libraries/OasisIds.sol";
import {RoflMarketCbor} from "../libraries/RoflMarketCbor.sol";
import {RoflAppStorage} from "./RoflAppStorage.sol";
import {RoflSubcall} from "./RoflSubcall.sol";
import {MachineCommand, MachineRecord, MachineTopUpAllowance} from "../types/RoflMachineTypes.sol";

/// @title {RoflAppAdmin}'s marketplace machines: rent, deploy, restart, terminate, hand over,
/// cancel and top up `roflmarket` instances the contract administers
/// @notice Linked external library, run by DELEGATECALL on {RoflAppAdmin}'s storage: the
/// subcalls are plain CALLs from the contract's context, so the module sees the contract as the
/// caller, the payer (InstanceCreate, InstanceTopUp) and the instance admin. Access control stays
/// in the contract. The machines live in their own ERC-7201 namespace ({Layout}).
/// @dev Module rules mirrored (oasis-sdk `runtime-sdk/modules/rofl-market/src/lib.rs`): the
/// caller of InstanceCreate pays and becomes the admin when the body names none; only the admin
/// may execute commands, change the admin or cancel; anyone may top up an accepted instance.
/// Gas (`config.rs`, and ROFL-FACTS): InstanceCreate 100,000; TopUp, ChangeAdmin, Cancel 10,000;
/// ExecuteCmds 10,000 + 10,000 per command; each call first checks that much gas is left.
library RoflMachineLogic {
    /// @notice Longest top-up window governance may set: 400 days (a year's term plus margin).
    uint64 public constant MAX_TOP_UP_WINDOW = 400 days;

    uint256 private constant _GAS_INSTANCE_CREATE = 100_000;
    uint256 private constant _GAS_CALL = 10_000;
    uint256 private constant _GAS_PER_CMD = 10_000;

    /// @custom:storage-location erc7201:roflgov.storage.RoflMachines
    struct Layout {
        mapping(bytes32 key => MachineRecord) machines;
        /// @dev Keys of each app's machines, swap-and-pop; `position` is 1-based (0: not held).
        mapping(bytes21 appId => bytes32[]) appMachines;
        mapping(bytes32 key => uint256) position;
        mapping(bytes21 appId => MachineTopUpAllowance) topUp;
    }

    /// @dev keccak256(abi.encode(uint256(keccak256("roflgov.storage.RoflMachines")) - 1)) & ~bytes32(uint256(0xff))
    bytes32 internal constant LAYOUT_SLOT = 0xa15504ddb6ce55539bb419e903b7f0a6c3015d37780801dfe62f1bbd0d6a6300;

    /// @notice See {IRoflMachineAdmin-rentMachine}. `l` is the app storage (the app must be managed).
    function rentMachine(
        RoflAppStorage.Layout storage l,
        bytes21 appId,
        bytes21 provider,
        uint64 offer,
        uint8 term,
        uint64 termCount
    ) external returns (uint64 id) {
        if (!l.apps[appId].managed) revert IRoflErrors.UnknownApp(appId);
        if (provider == bytes21(0)) revert IRoflErrors.ZeroProvider();
        if (termCount == 0) revert IRoflErrors.ZeroTermCount();
        uint64 paid = RoflMarketCbor.termSeconds(term) * termCount;
        bytes memory body = RoflMarketCbor.encodeInstanceCreate(provider, offer, term, termCount);
        bytes memory result = _call("roflmarket.InstanceCreate", body, _GAS_INSTANCE_CREATE);
        id = _decodeInstanceId(result);
        Layout storage m = _machines();
        bytes32 key = _key(provider, id);
        m.machines[key] = MachineRecord(appId, provider, id, offer, uint64(block.timestamp) + paid);
        m.appMachines[appId].push(key);
        m.position[key] = m.appMachines[appId].length;
        emit IRoflMachineAdmin.MachineRented(appId, provider, id, offer, term, termCount);
    }

    /// @notice See {IRoflMachineAdmin-deployMachine}.
    function deployMachine(
        RoflAppStorage.Layout storage l,
        bytes21 appId,
        bytes21 provider,
        uint64 id,
        bytes32 manifestHash,
        bool wipeStorage
    ) external {
        if (!l.apps[appId].managed) revert IRoflErrors.UnknownApp(appId);
        if (manifestHash == bytes32(0)) revert IRoflErrors.ZeroManifestHash();
        _requireHeld(appId, provider, id);
        bytes memory cmd = RoflMarketCbor.encodeDeployCmd(appId, manifestHash, wipeStorage);
        _call(
            "roflmarket.InstanceExecuteCmds",
            RoflMarketCbor.encodeExecuteCmd(provider, id, cmd),
            _GAS_CALL + _GAS_PER_CMD
        );
        emit IRoflMachineAdmin.MachineCommandSent(appId, provider, id, MachineCommand.Deploy, manifestHash, wipeStorage);
    }

    /// @notice See {IRoflMachineAdmin-restartMachine} and {IRoflMachineAdmin-terminateMachine}.
    function sendWipeCommand(bytes21 appId, bytes21 provider, uint64 id, MachineCommand command, bool wipeStorage)
        external
    {
        _requireHeld(appId, provider, id);
        bytes memory cmd =
            RoflMarketCbor.encodeWipeCmd(command == MachineCommand.Restart ? "Restart" : "Terminate", wipeStorage);
        _call(
            "roflmarket.InstanceExecuteCmds",
            RoflMarketCbor.encodeExecuteCmd(provider, id, cmd),
            _GAS_CALL + _GAS_PER_CMD
        );
        emit IRoflMachineAdmin.MachineCommandSent(appId, provider, id, command, bytes32(0), wipeStorage);
    }

    /// @notice See {IRoflMachineAdmin-changeMachineAdmin}.
    function changeMachineAdmin(bytes21 appId, bytes21 provider, uint64 id, bytes21 newAdmin) external {
        if (newAdmin == bytes21(0) || newAdmin == OasisIds.fromEth(address(this))) {
            revert IRoflErrors.InvalidMachineAdmin(newAdmin);
        }
        _requireHeld(appId, provider, id);
        _forget(appId, provider, id);
        _call("roflmarket.InstanceChangeAdmin", RoflMarketCbor.encodeChangeAdmin(provider, id, newAdmin), _GAS_CALL);
        emit IRoflMachineAdmin.MachineAdminChanged(appId, provider, id, newAdmin);
    }

    /// @notice See {IRoflMachineAdmin-cancelMachine}.
    function cancelMachine(bytes21 appId, bytes21 provider, uint64 id) external {
        _requireHeld(appId, provider, id);
        _forget(appId, provider, id);
        _call("roflmarket.InstanceCancel", RoflMarketCbor.encodeCancel(provider, id), _GAS_CALL);
        emit IRoflMachineAdmin.MachineCancelled(appId, provider, id);
    }

    /// @notice See {IRoflMachineAdmin-setMachineTopUp}.
    function setMachineTopUp(
        RoflAppStorage.Layout storage l,
        bytes21 appId,
        uint8 term,
        uint64 termsLeft,
        uint64 window
    ) external {
        if (!l.apps[appId].managed) revert IRoflErrors.UnknownApp(appId);
        RoflMarketCbor.termSeconds(term);
        if (window > MAX_TOP_UP_WINDOW) revert IRoflErrors.TopUpWindowTooLong(window, MAX_TOP_UP_WINDOW);
        _machines().topUp[appId] = MachineTopUpAllowance(term, termsLeft, window);
        emit IRoflMachineAdmin.MachineTopUpSet(appId, term, termsLeft, window);
    }

    /// @notice See {IRoflMachineAdmin-topUpMachine}.
    function topUpMachine(bytes21 appId, bytes21 provider, uint64 id) external {
        MachineRecord storage machine = _requireHeld(appId, provider, id);
        MachineTopUpAllowance storage allowance = _machines().topUp[appId];
        uint64 termsLeft = allowance.termsLeft;
        if (termsLeft == 0) revert IRoflErrors.NoTopUpAllowance(appId);
        uint64 paidUntil = machine.paidUntil;
        uint64 topUpFrom = paidUntil > allowance.window ? paidUntil - allowance.window : 0;
        if (block.timestamp < topUpFrom) revert IRoflErrors.TopUpTooEarly(paidUntil, topUpFrom);
        uint8 term = allowance.term;
        allowance.termsLeft = termsLeft - 1;
        paidUntil += RoflMarketCbor.termSeconds(term);
        machine.paidUntil = paidUntil;
        _call("roflmarket.InstanceTopUp", RoflMarketCbor.encodeInstanceTopUp(provider, id, term, 1), _GAS_CALL);
        emit IRoflMachineAdmin.MachineToppedUp(appId, provider, id, paidUntil, termsLeft - 1);
    }

    /// @notice See {IRoflMachineAdmin-machinesOf}.
    function machinesOf(bytes21 appId) external view returns (MachineRecord[] memory out) {
        Layout storage m = _machines();
        bytes32[] storage keys = m.appMachines[appId];
        out = new MachineRecord[](keys.length);
        for (uint256 i; i < keys.length; ++i) {
            out[i] = m.machines[keys[i]];
        }
    }

    /// @notice See {IRoflMachineAdmin-machineTopUp}.
    function machineTopUp(bytes21 appId) external view returns (MachineTopUpAllowance memory) {
        return _machines().topUp[appId];
    }

    // -------------------------------------------------------------------------------------------
    // Internals
    // -------------------------------------------------------------------------------------------

    function _machines() private pure returns (Layout storage m) {
        bytes32 slot = LAYOUT_SLOT;
        assembly ("memory-safe") {
            m.slot := slot
        }
    }

    function _key(bytes21 provider, uint64 id) private pure returns (bytes32) {
        return keccak256(abi.encodePacked(provider, id));
    }

    function _requireHeld(bytes21 appId, bytes21 provider, uint64 id)
        private
        view
        returns (MachineRecord storage machine)
    {
        bytes32 key = _key(provider, id);
        Layout storage m = _machines();
        machine = m.machines[key];
        if (m.position[key] == 0 || machine.appId != appId) {
            revert IRoflErrors.UnknownMachine(appId, provider, id);
        }
    }

    function _forget(bytes21 appId, bytes21 provider, uint64 id) private {
        Layout storage m = _machines();
        bytes32 key = _key(provider, id);
        bytes32[] storage keys = m.appMachines[appId];
        uint256 index = m.position[key] - 1;
        bytes32 last = keys[keys.length - 1];
        keys[index] = last;
        m.position[last] = index + 1;
        keys.pop();
        delete m.position[key];
        delete m.machines[key];
    }

    function _call(string memory method, bytes memory body, uint256 moduleGas) private returns (bytes memory) {
        uint256 left = gasleft();
        if (left < moduleGas) revert IRoflErrors.InsufficientGasForMachineCall(method, moduleGas, left);
        return RoflSubcall.execute(method, body);
    }

    /// @dev The InstanceCreate result: one CBOR byte string of 8 bytes (`0x48 ‖ id`).
    function _decodeInstanceId(bytes memory result) private pure returns (uint64 id) {
        if (result.length != 9 || result[0] != 0x48) revert IRoflErrors.MalformedRoflResponse();
        assembly ("memory-safe") {
            id := shr(192, mload(add(result, 0x21)))
        }
    }
}
