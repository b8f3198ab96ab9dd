//! The readable review that Safe signers and DAO voters see before they sign, shared by both
//! flows:
//! - [`ConfigDiff`]: what changes between two configs, with loud [`Warning`]s;
//! - [`review_calls`] / [`Reviewer`]: decode proposal calls (policy contract calls, `multicall`,
//!   and today's direct subcalls with opaque CBOR), apply them, diff, check the version;
//! - [`IdentityEvidence`]: which identities the reviewer's files vouch for, and the identity
//!   checks of what a proposal adds;
//! - [`CallOut`] / [`OfflineCall`]: each call read on its own, without the chain;
//! - human rendering (`Display`) and `serde::Serialize` for `--json`.
mod calls;
mod diff;
mod identity;
mod offline;
mod render;
mod text;

pub use calls::{
    CallReading, DeadlineLine, GovernanceChanges, LockLine, ProposedCall, ReleaseLine, Review, ReviewedCall,
    Reviewer, StaleVersion, lock_lines, review_calls,
};
pub use diff::{
    Change, ConfigDiff, EnclaveLine, EnclaveNote, EnclaveNotes, FieldChange, MetadataChange,
    PUBLIC_VAR_PREFIX, SecretChange, Severity, Warning, WarningKind, is_public_var,
};
pub use identity::{IdentityCheck, IdentityEvidence};
pub use offline::{CallOut, OfflineCall, drops_admin};
pub use text::{
    config_fields, fee_name, quote_fields, render_endorsement, render_endorsements, render_ias,
    render_identity, render_quotes,
};

use roflgov_types::RoflCall;

/// What an Update body would do that nobody wants by accident, and what a body carries that
/// roflgov never writes (a legacy IAS quote policy).
pub fn update_footguns(call: &RoflCall) -> Vec<String> {
    let mut out = Vec::new();
    let policy = match call {
        RoflCall::Create(create) => Some(&create.policy),
        RoflCall::Update(update) => Some(&update.policy),
        RoflCall::Remove(_) => None,
    };
    if let Some(ias) = policy.and_then(|policy| policy.quotes.ias.as_ref()) {
        out.push(format!(
            "policy.quotes.ias is set: IAS quote policy (legacy; Intel retired IAS): {}",
            ias.diagnostic()
        ));
    }
    if let RoflCall::Update(update) = call {
        if update.admin.is_none() {
            out.push(
                "admin is null: this update leaves the app WITHOUT AN ADMIN, forever (nobody can update or remove it again)"
                    .into(),
            );
        }
        if update.secrets.is_empty() {
            out.push("secrets is empty: this update WIPES every secret of the app".into());
        }
        if update.metadata.is_empty() {
            out.push("metadata is empty: this update WIPES all metadata of the app".into());
        }
        if update.policy.enclaves.is_empty() {
            out.push("policy.enclaves is empty: no instance can register after this update".into());
        }
    }
    out
}
