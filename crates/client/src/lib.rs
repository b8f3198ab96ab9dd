//! # roflgov-client
//!
//! The client of roflgov's contracts on any network, local or not: the policy-contract client
//! ([`rofl`]), deployments ([`deploy`], a DAO with its policy contract included), where a
//! proposal goes ([`destination`]: send, Safe file, Transaction Builder batch, Governor
//! proposal or action draft, with the checks made first), the facts a review needs
//! ([`firewall`]), the sources a review reads and their tamper rules ([`review_source`]: Safe
//! proposal files, Transaction Builder batches, Governor proposals), who approved what
//! ([`accountability`]), Oasis node queries ([`oasis_node`]), Sapphire's RPC ([`sapphire`]:
//! signed queries) and [`trace`]. A local
//! chain is a real network to it: it reads the ROFL module stand-in through its views and never
//! drives it. It may depend on `roflgov-safe`, `roflgov-governor`, `roflgov-core`,
//! `roflgov-types` and `roflgov-contracts`; not on `roflgov-devnet` or a binary, and it never
//! locates a checkout (`tools/check-deps.sh`).

// Dev-dependencies serve the integration tests, not the unit tests of this target.
#![cfg_attr(test, allow(unused_crate_dependencies))]

pub mod accountability;
mod block_times;
pub mod deploy;
pub mod destination;
pub mod firewall;
pub mod machines;
pub mod oasis_node;
pub mod review_source;
pub mod rofl;
pub mod sapphire;
pub mod trace;
