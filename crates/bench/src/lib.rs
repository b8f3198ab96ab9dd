//! # roflgov-bench
//!
//! `make bench`: what roflgov costs next to the flow it replaces, measured side by side on one
//! anvil (Shanghai) in one run, and how fast its Rust side is.
//!
//! - [`fixtures`]: the apps and changes, and today's baseline bodies (complete `rofl.Update`
//!   CBOR, as the Oasis CLI writes it);
//! - [`chain`]: the chain, the Safe and Governor flows, the two precompile stand-ins;
//! - [`gas`]: the measurements;
//! - [`speed`]: review, quote verification and demo timings;
//! - [`report`]: `bench/RESULTS.md`, `bench/results.json` and the summary block of `README.md`.

// Dev-dependencies serve the integration tests, not the unit tests of this target.
#![cfg_attr(test, allow(unused_crate_dependencies))]

// Dependencies of the `roflgov-bench` binary alone (arguments, runtime, results.json).
use {clap as _, serde_json as _, tokio as _};

pub mod chain;
pub mod fixtures;
pub mod gas;
pub mod report;
pub mod speed;
