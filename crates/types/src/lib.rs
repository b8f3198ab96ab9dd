//! # roflgov-types
//!
//! The ROFL app configuration model shared by every roflgov crate:
//! - [`policy`]: policy, quote policy, identities, endorsements, fees, metadata, secrets and the
//!   `rofl.Create/Update/Remove` bodies, with readable serde (JSON/YAML) forms;
//! - [`cbor`]: byte-exact canonical CBOR encoding and strict decoding of those bodies;
//! - [`ids`]: `AppId` (`rofl1…`) and Oasis addresses (`oasis1…`), with their derivations;
//! - [`manifest`]: the Oasis CLI `rofl.yaml` manifest;
//! - [`market`]: the `roflmarket.*` bodies and scheduler commands (machines);
//! - [`abi`]: conversions between the model and the policy contract's ABI structs (generated
//!   by `sol!` in `roflgov-contracts`);
//! - [`eip55`]: addresses as people type them (a mixed-case address must carry its checksum),
//!   in arguments and in JSON files;
//! - [`calendar`]: UTC dates of Unix times (the one calendar every crate prints with);
//! - [`failure`]: the kind of a failure ([`FailureClass`]) that every library error states;
//! - [`query`]: runtime queries of an Oasis node (`rofl.App`, `rofl.AppInstances`) and their
//!   gRPC-web framing, without I/O.

// Dev-dependencies serve the integration tests, not the unit tests of this target.
#![cfg_attr(test, allow(unused_crate_dependencies))]

pub mod abi;
pub mod calendar;
pub mod cbor;
pub mod eip55;
pub mod failure;
pub mod ids;
pub mod manifest;
pub mod market;
pub mod policy;
pub mod query;

pub use failure::{Classified, FailureClass};
pub use ids::{Address, AppId};
pub use policy::*;
