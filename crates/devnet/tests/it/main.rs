//! The integration tests of this crate, linked into one test binary (one link step instead
//! of one per file); each former `tests/<name>.rs` is the module `<name>`.

#![allow(unused_crate_dependencies)] // one test binary uses only some of the dev-dependencies

mod compromise_drill;
mod dao_app_policy;
mod dao_lifecycle;
mod firewall_facts;
mod local_chain;
mod market_provider;
mod model_equivalence;
mod oasis_node;
mod rofl_admin;
mod safe_flow;
mod safe_rofl_e2e;
mod sapphire_rpc;
mod support;
