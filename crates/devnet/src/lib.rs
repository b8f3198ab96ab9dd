//! # roflgov-devnet
//!
//! The local chain, and nothing else: a real anvil running Sapphire's EVM with the ROFL module
//! and roflmarket stand-ins installed ([`local`]), the drivers only a local chain has
//! ([`stand_in`]: simulated registrations and the epoch clock; [`market_sim`]: a simulated
//! roflmarket provider), the local Sapphire-RPC proxy ([`proxy`]) and [`toolchain`], the only
//! code that may locate a checkout of the project or an anvil binary. Used by `roflgov node`,
//! `roflgov demo`, the benchmarks and the tests; it may depend on every library crate
//! (`roflgov-client` and below), and none of them may depend on it (`tools/check-deps.sh`).

// Dev-dependencies serve the integration tests, not the unit tests of this target.
#![cfg_attr(test, allow(unused_crate_dependencies))]

pub mod local;
pub mod market_sim;
pub mod proxy;
pub mod stand_in;
pub mod toolchain;

pub use local::{LocalChain, LocalChainOptions};
pub use market_sim::{
    ExecutedCommand, MarketSimError, OfferSpec, ProviderStep, Registration, SimulatedProvider,
};
pub use stand_in::{StandInDriver, advance_epochs};
