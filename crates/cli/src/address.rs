//! Addresses as people type them: a mixed-case address must carry a valid EIP-55 checksum.
//!
//! `Address::from_str` ignores the checksum, so a mistyped owner or contract would be used as
//! it is (a Safe deployed with the wrong owner). EIP-55: an all-lower-case or all-upper-case
//! address has no checksum and is accepted; a mixed-case one must match its checksum.
//!
//! Every place the CLI reads an address goes through [`parse_checked`]: clap flags (every
//! argument whose parser yields an `Address` is switched to it by [`check_address_args`]),
//! roflgov.toml and proposal files ([`check_json_addresses`], run on the parsed document before
//! it is deserialized into typed structs).

use alloy::primitives::Address;
/// The checks themselves live in `roflgov_types::eip55` (review sources use them too).
pub(crate) use roflgov_types::eip55::{check_json_addresses, parse_checked};

/// Switches every argument of `cmd` (and of its subcommands) parsed as an `Address` to
/// [`parse_checked`]. Done on the whole command tree so that no address flag, present or
/// future, can skip the check.
pub(crate) fn check_address_args(cmd: clap::Command) -> clap::Command {
    cmd.mut_args(|arg| {
        if arg.get_value_parser().type_id() == std::any::TypeId::of::<Address>() {
            arg.value_parser(parse_checked)
        } else {
            arg
        }
    })
    .mut_subcommands(check_address_args)
}
