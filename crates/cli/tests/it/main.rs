//! The integration tests of this crate, linked into one test binary (one link step instead
//! of one per file); each former `tests/<name>.rs` is the module `<name>`.

#![allow(unused_crate_dependencies)] // one test binary uses only some of the dev-dependencies

mod bad_input_matrix;
mod batch_proposals;
mod chain;
mod cli_hygiene;
mod dao_combine;
mod dao_flow;
mod dao_ux;
mod ecosystem_imports;
mod history_approvals;
mod installed_binary;
mod machine_admin_endorsement;
mod machines;
mod oasis_node;
mod offline;
mod owner_actions;
mod propose_machines;
mod propose_machines_governor;
mod release_dry_run;
mod release_governance;
mod safe_flow;
mod support;
mod trace_grpc;
mod trace_log;
mod tx_service;
mod walkthrough;
