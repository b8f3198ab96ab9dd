//! # roflgov-core
//!
//! The rules of roflgov, with no I/O: no provider, no runtime, no file access. Everything a
//! decision needs comes in as data, so the same code decides in the CLI, in tests and in fuzzing.
//!
//! - [`rofl`]: policy changes ⇄ calldata, the model of the policy contract's rules (apply,
//!   release records, guardian, freeze, deadlines), release planning, the subcall wire format;
//! - [`review`]: the per-app diff and warnings signers read;
//! - [`firewall`]: the review of a whole transaction (a Safe transaction, a Transaction Builder
//!   batch or a Governor proposal) against the chain state it touches, with the verdict that
//!   gates every approval, the signer's final verdict (identity checks of the reviewer's files,
//!   a dropped admin) and every refusal, the guardian's included (`firewall::review_for_signer`,
//!   `Refusal`, `GuardianRefusal`);
//! - [`trace`]: which registration, policy version, identities and releases an instance key's
//!   output at a moment traces back to;
//! - [`sapphire`]: Sapphire signed queries (the EIP-712 signed-call envelope).

// Dev-dependencies serve the integration tests, not the unit tests of this target.
#![cfg_attr(test, allow(unused_crate_dependencies))]

pub mod bindings;
pub mod firewall;
pub mod gas;
pub mod review;
pub mod rofl;
pub mod safe_tx;
pub mod sapphire;
pub mod secret;
pub mod text;
pub mod trace;
pub mod units;
