//! The readable review that Safe signers and DAO voters see before they sign, shared by both
//! flows:
//! - [`ConfigDiff`]: what changes between two configs, with loud [`Warning`]s;
//! - [`review_calls`] / [`Reviewer`]: decode proposal calls (policy contract calls, `multicall`,
//!   and today's direct subcalls with opaque CBOR), apply them, diff, check the version;
//! - human rendering (`Display`) and `serde::Serialize` for `--json`.
mod calls;
mod diff;
mod render;
mod text;

pub use calls::{
    CallReading, DeadlineLine, GovernanceChanges, ProposedCall, ReleaseLine, Review, ReviewedCall, Reviewer,
    StaleVersion, review_calls,
};
pub use diff::{
    Change, ConfigDiff, EnclaveLine, EnclaveNote, EnclaveNotes, FieldChange, MetadataChange,
    PUBLIC_VAR_PREFIX, SecretChange, Severity, Warning, WarningKind, is_public_var,
};
pub use text::{fee_name, quote_fields, render_endorsement, render_endorsements, render_ias, render_quotes};
