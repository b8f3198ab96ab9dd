//! Typed access to the roflgov policy contract (`RoflAppAdmin`) and the views of the ROFL
//! module stand-in:
//! - [`bindings`]: `sol!` bindings generated from forge's artifacts;
//! - [`client`]: [`RoflAdminClient`] (deploy, views, sending, history from logs);
//! - [`instances`]: registered instances with the release they run and flags;
//! - [`stand_in`]: [`RoflStandIn`], the views of the local module stand-in.
//!
//! The pure parts (changes, release records, locks, planning, the subcall wire format) live in
//! `roflgov_core::rofl`.
pub mod bindings;
pub mod client;
pub mod instances;
pub mod stand_in;

pub use client::{
    HistoryEntry, HistoryKind, LoggedChange, ManagedApp, RECEIPT_TIMEOUT, RoflAdminClient, RoflClientError,
    history_from_logs,
};
pub use instances::{InstanceFlag, InstanceView, InstancesError, app_instances};
pub use stand_in::{RoflStandIn, STAND_IN_EPOCH_SECONDS, StandInError};
