//! Test helpers shared by roflgov's crates, written once: a gRPC-web server standing in for an
//! Oasis node ([`grpc`]), the committed test vectors under `test/vectors/` ([`vectors`]), a
//! small seeded generator for property tests ([`rng`]) and, with the `firewall` feature, the
//! firewall's independent oracle ([`firewall`]) used by roflgov-core's property test and by the
//! `firewall` fuzz target.
//!
//! # Where it sits, and why it is small
//!
//! This crate is only ever a **dev-dependency** (`tools/check-deps.sh` fails when a crate has
//! it as a normal dependency) and is never published. Its default part depends on no roflgov
//! crate, so every crate can use it without a cycle — types, core, safe and signed-log sit
//! below devnet and could not use helpers built on the local chain. The chain set-ups (a
//! deployed DAO, a Safe owning the policy contract) therefore stay in
//! `crates/devnet/tests/it/support/`, next to the only tests that run them, rather than here:
//! a testkit depending on roflgov-devnet would make every lower crate's tests build the whole
//! chain stack and close a dev-dependency cycle through most of the workspace.
//!
//! The `firewall` feature is the one exception: the oracle reads calls with roflgov-core's
//! decoders (what is tested is how the engine puts its verdict together, not the decoders), so
//! it depends on roflgov-core. roflgov-core's integration tests use it through the
//! dev-dependency cycle core → (dev) testkit → core, which cargo builds fine for integration
//! tests: they link the same roflgov-core library the testkit does. (A unit test inside
//! roflgov-core could not use it: that build is a second copy of the crate.) The fuzz crate,
//! outside the workspace, depends on it by path.

#[cfg(feature = "firewall")]
pub mod firewall;
pub mod grpc;
pub mod rng;
pub mod vectors;
