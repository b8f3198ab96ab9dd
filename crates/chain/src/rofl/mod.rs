//! Typed access to the roflgov policy contract (`RoflAppAdmin`) and the local ROFL stand-in:
//! - [`bindings`]: `sol!` bindings generated from forge's artifacts;
//! - [`changes`]: [`PolicyChange`] ⇄ calldata (with `multicall`), applied to configs;
//! - [`release`]: release records, identity status, guardian/freeze state, deadlines;
//! - [`plan`]: the minimal change set from an on-chain config to a target (a rofl.yaml);
//! - [`client`]: [`RoflAdminClient`] (deploy, views, sending, history from logs);
//! - [`instances`]: registered instances with the release they run and flags;
//! - [`market_sim`]: [`SimulatedProvider`], a roflmarket provider and scheduler on the local chain;
//! - [`stand_in`]: [`RoflStandIn`], views and simulated instances of the local module;
//! - [`subcall`]: the subcall precompile's wire format.
//!
//! The pure parts (changes, release, plan, subcall) live in `roflgov-core` and are re-exported
//! here under their old paths.
pub mod bindings;
pub mod client;
pub mod instances;
pub mod market_sim;
pub mod stand_in;

pub use roflgov_core::rofl::{changes, locks, plan, release, subcall};

pub use changes::{
    ApplyContext, ApplyError, CREATE_STAKE, CalldataError, Caller, DecodedCalldata, MachineCall, OwnerCall,
    PolicyCall, PolicyChange, changes_to_calldata, check_sendable_with, decode_calldata, enclave_text_id,
};
pub use client::{
    HistoryEntry, HistoryKind, LoggedChange, ManagedApp, RECEIPT_TIMEOUT, RoflAdminClient, RoflClientError,
    history_from_logs,
};
pub use instances::{InstanceFlag, InstanceView, InstancesError, app_instances};
pub use locks::{Floors, KeyLock, LockState};
pub use market_sim::{
    ExecutedCommand, MachineView, MarketSimError, MarketState, OfferSpec, ProviderStep, Registration,
    SimulatedProvider, app_machines,
};
pub use plan::{PlanError, ReleaseOptions, ReleaseTarget, plan_release, plan_release_with};
pub use release::{
    IdentityInfo, IdentityMeta, IdentityStatus, MAX_GRACE_PERIOD, ReleaseRecord, ReleaseState,
    format_deadline, format_relative, format_utc,
};
pub use stand_in::{RoflStandIn, STAND_IN_EPOCH_SECONDS, StandInError, advance_epochs};
