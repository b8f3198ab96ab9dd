// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {IRoflErrors} from "./IRoflErrors.sol";
import {MachineCommand, MachineRecord, MachineTopUpAllowance} from "../types/RoflMachineTypes.sol";

/// @title The policy contract as the admin of its apps' marketplace machines
/// @notice The owner rents machines (`roflmarket.InstanceCreate`, paid from the contract's
/// balance), deploys reviewed code to them (a Deploy command pinned to a manifest hash, for an
/// app the contract manages), restarts, terminates, cancels them or hands them to another admin.
/// Anyone may top up an app's machine from the contract's balance within the allowance governance
/// sets, so machines do not lapse while a vote runs.
interface IRoflMachineAdmin is IRoflErrors {
    /// @notice A machine was rented for `appId`.
    event MachineRented(bytes21 indexed appId, bytes21 provider, uint64 id, uint64 offer, uint8 term, uint64 termCount);
    /// @notice A scheduler command was queued on a machine (`manifestHash` zero unless Deploy).
    event MachineCommandSent(
        bytes21 indexed appId,
        bytes21 provider,
        uint64 id,
        MachineCommand command,
        bytes32 manifestHash,
        bool wipeStorage
    );
    /// @notice A machine was topped up by one term from the contract's balance.
    event MachineToppedUp(bytes21 indexed appId, bytes21 provider, uint64 id, uint64 paidUntil, uint64 termsLeft);
    /// @notice The top-up allowance of `appId` was set.
    event MachineTopUpSet(bytes21 indexed appId, uint8 term, uint64 termsLeft, uint64 window);
    /// @notice A machine's admin was handed to `newAdmin`; the contract no longer holds it.
    event MachineAdminChanged(bytes21 indexed appId, bytes21 provider, uint64 id, bytes21 newAdmin);
    /// @notice `amount` was added to the contract's balance, which pays for machines.
    event MachinesFunded(address indexed from, uint256 amount);
    /// @notice A machine was cancelled; the contract no longer holds it.
    event MachineCancelled(bytes21 indexed appId, bytes21 provider, uint64 id);

    /// @notice Adds the value to the contract's balance, which pays for rents and top-ups.
    /// Anyone. The owner's `withdrawStake` takes back the whole balance, this included.
    function fundMachines() external payable;

    /// @notice Rents a machine from `provider`'s `offer` for `termCount` terms, paid from the
    /// contract's balance; the contract becomes its admin. Owner only.
    /// @return id The provider's instance id.
    /// @param appId The app.
    /// @param provider The provider's Oasis address.
    /// @param offer The provider's offer id.
    /// @param term The term: 1 hour, 2 month, 3 year.
    /// @param termCount How many terms to pay for (not zero).
    function rentMachine(bytes21 appId, bytes21 provider, uint64 offer, uint8 term, uint64 termCount)
        external
        returns (uint64 id);

    /// @notice Queues a Deploy of `appId` pinned to `manifestHash` on a held machine. Owner only.
    /// @param appId The app.
    /// @param provider The provider's Oasis address.
    /// @param id The provider's instance id.
    /// @param manifestHash The SHA-256 of the reviewed ORC manifest (not zero).
    /// @param wipeStorage Whether the machine's persistent storage is wiped.
    function deployMachine(bytes21 appId, bytes21 provider, uint64 id, bytes32 manifestHash, bool wipeStorage) external;

    /// @notice Queues a Restart on a held machine. Owner only.
    /// @param appId The app.
    /// @param provider The provider's Oasis address.
    /// @param id The provider's instance id.
    /// @param wipeStorage Whether the machine's persistent storage is wiped.
    function restartMachine(bytes21 appId, bytes21 provider, uint64 id, bool wipeStorage) external;

    /// @notice Queues a Terminate on a held machine. Owner only.
    /// @param appId The app.
    /// @param provider The provider's Oasis address.
    /// @param id The provider's instance id.
    /// @param wipeStorage Whether the machine's persistent storage is wiped.
    function terminateMachine(bytes21 appId, bytes21 provider, uint64 id, bool wipeStorage) external;

    /// @notice Hands a held machine to `newAdmin` and forgets it. Owner only.
    /// @param appId The app.
    /// @param provider The provider's Oasis address.
    /// @param id The provider's instance id.
    /// @param newAdmin The new admin (not zero, not this contract).
    function changeMachineAdmin(bytes21 appId, bytes21 provider, uint64 id, bytes21 newAdmin) external;

    /// @notice Cancels a held machine and forgets it. Owner only.
    /// @param appId The app.
    /// @param provider The provider's Oasis address.
    /// @param id The provider's instance id.
    function cancelMachine(bytes21 appId, bytes21 provider, uint64 id) external;

    /// @notice Sets the top-up allowance of `appId`'s machines. Owner only.
    /// @param appId The app.
    /// @param term The term each top-up pays for.
    /// @param termsLeft How many top-ups are allowed.
    /// @param window How long before the paid time ends a top-up is accepted (seconds).
    function setMachineTopUp(bytes21 appId, uint8 term, uint64 termsLeft, uint64 window) external;

    /// @notice Tops up a held machine of `appId` by one term of the allowance. Anyone.
    /// @param appId The app.
    /// @param provider The provider's Oasis address.
    /// @param id The provider's instance id.
    function topUpMachine(bytes21 appId, bytes21 provider, uint64 id) external;

    /// @notice The machines the contract holds for `appId`.
    /// @param appId The app.
    /// @return The machines, in the order they were rented.
    function machinesOf(bytes21 appId) external view returns (MachineRecord[] memory);

    /// @notice The top-up allowance of `appId`.
    /// @param appId The app.
    /// @return The allowance (term, terms left, window).
    function machineTopUp(bytes21 appId) external view returns (MachineTopUpAllowance memory);
}
