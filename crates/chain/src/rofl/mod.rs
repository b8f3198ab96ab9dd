//! Typed access to the roflgov policy contract (`RoflAppAdmin`) and the local ROFL stand-in:
//! - [`bindings`]: `sol!` bindings generated from forge's artifacts;
//! - [`changes`]: [`PolicyChange`] ⇄ calldata (with `multicall`), applied to configs;
//! - [`plan`]: the minimal change set from an on-chain config to a target (a rofl.yaml);
//! - [`client`]: [`RoflAdminClient`] (deploy, views, sending, history from logs);
//! - [`stand_in`]: [`RoflStandIn`], views and simulated instances of the local module;
//! - [`subcall`]: the subcall precompile's wire format.
pub mod bindings;
pub mod changes;
pub mod client;
pub mod plan;
pub mod stand_in;
pub mod subcall;

pub use changes::{
    ApplyError, CREATE_STAKE, CalldataError, DecodedCalldata, OwnerCall, PolicyCall, PolicyChange,
    changes_to_calldata, check_sendable, decode_calldata, enclave_text_id,
};
pub use client::{
    HistoryEntry, HistoryKind, LoggedChange, ManagedApp, RECEIPT_TIMEOUT, RoflAdminClient, RoflClientError,
    history_from_logs,
};
pub use plan::{PlanError, ReleaseTarget, plan_release};
pub use stand_in::{RoflStandIn, StandInError};
