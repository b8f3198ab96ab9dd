// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

/// @notice A marketplace machine (a `roflmarket` instance) the policy contract rented and still
/// administers, for one of its apps.
/// @param appId The app the machine serves (the app its Deploy commands name).
/// @param provider The provider's Oasis address.
/// @param id The provider's instance id.
/// @param offer The offer it was rented under.
/// @param paidUntil Unix seconds the contract paid it until: what it paid at the rent and every
/// top-up it made. A lower bound, as anyone may top up a machine directly in the module.
struct MachineRecord {
    bytes21 appId;
    bytes21 provider;
    uint64 id;
    uint64 offer;
    uint64 paidUntil;
}

/// @notice What anyone may spend of the contract's balance to keep one app's machines paid.
/// @param term The term each top-up pays (1 hour, 2 month, 3 year).
/// @param termsLeft How many more terms (one per top-up) the contract still pays.
/// @param window A machine may be topped up only once its `paidUntil` is at most this many
/// seconds away (so the allowance keeps machines alive, and cannot be spent ahead of need).
struct MachineTopUpAllowance {
    uint8 term;
    uint64 termsLeft;
    uint64 window;
}

/// @notice The scheduler command a machine call sends.
enum MachineCommand {
    Deploy,
    Restart,
    Terminate
}
