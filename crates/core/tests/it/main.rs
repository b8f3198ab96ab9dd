//! The integration tests of this crate, linked into one test binary (one link step instead
//! of one per file); each former `tests/<name>.rs` is the module `<name>`.

#![allow(unused_crate_dependencies)] // one test binary uses only some of the dev-dependencies

mod firewall_adversarial;
mod firewall_fuzz;
mod firewall_machines;
mod machine_review;
mod secret_envelopes;
mod signed_query;
mod signer_review;
mod support;
