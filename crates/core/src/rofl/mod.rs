//! The policy contract's rules, as data:
//! - [`changes`]: [`PolicyChange`] ⇄ calldata (with `multicall`), applied to configs;
//! - [`locks`]: one-way locks (keys, secrets, floors) and the checks the contract makes;
//! - [`release`]: release records, identity status, guardian/freeze state, deadlines;
//! - [`plan`]: the minimal change set from an on-chain config to a target (a rofl.yaml);
//! - [`subcall`]: the subcall precompile's wire format;
//! - [`machines`]: Deploy legs for a deployment's machines, endorsements that follow an admin.
pub mod changes;
pub mod locks;
pub mod machines;
pub mod plan;
pub mod release;
pub mod subcall;

pub use changes::{
    ApplyContext, ApplyError, CREATE_STAKE, CalldataError, Caller, DecodedCalldata, MachineCall, OwnerCall,
    PolicyCall, PolicyChange, changes_to_calldata, check_sendable_with, decode_calldata, enclave_text_id,
};
pub use locks::{Floors, KeyLock, LockState};
pub use plan::{PlanError, ReleaseOptions, ReleaseTarget, plan_release, plan_release_with};
pub use release::{
    IdentityInfo, IdentityMeta, IdentityStatus, MAX_GRACE_PERIOD, ReleaseRecord, ReleaseState,
    format_deadline, format_relative, format_utc,
};
