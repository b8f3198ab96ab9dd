//! # roflgov-chain
//!
//! Chain flows for roflgov: a local anvil with the ROFL module stand-in ([`local`]), the
//! project's tools and artifacts ([`toolchain`]), deployments, and the Safe and Governor
//! approval flows built on them, and [`sapphire`]: signed queries and the local chain's
//! Sapphire-RPC mode.

// Dev-dependencies serve the integration tests, not the unit tests of this target.
#![cfg_attr(test, allow(unused_crate_dependencies))]

pub mod accountability;
pub mod deploy;
pub mod firewall;
pub mod governor;
pub mod local;
pub mod oasis_node;
pub mod rofl;
pub mod safe;
pub mod sapphire;
pub mod toolchain;
pub mod trace;

pub use roflgov_core::review;

pub use local::{LocalChain, LocalChainOptions, MARKET_STAND_IN, SUBCALL_PRECOMPILE};
