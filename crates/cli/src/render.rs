//! Readable forms of configs, change sets and config diffs, shared by `app show`, `propose`,
//! `review` and the demo. Secrets are only ever shown by name.

use std::collections::BTreeMap;

use roflgov_attest::identity_to_base64;
use roflgov_chain::rofl::PolicyChange;
use roflgov_types::{AllowedEndorsement, AppConfig, EnclaveIdentity, FeePolicy, QuotePolicy};

use crate::output::Table;

/// Release notes per identity (rofl.yaml `version` / `description`), keyed by identity.
pub type Notes = BTreeMap<EnclaveIdentity, String>;

pub fn identity(id: &EnclaveIdentity, notes: &Notes) -> String {
    let text = identity_to_base64(id);
    match notes.get(id) {
        Some(note) => format!("{text}  ({note})"),
        None => text,
    }
}

pub fn fee_name(fees: FeePolicy) -> &'static str {
    match fees {
        FeePolicy::Instance => "instance",
        FeePolicy::EndorsingNode => "endorsing_node",
    }
}

pub fn endorsement(e: &AllowedEndorsement) -> String {
    match e {
        AllowedEndorsement::Any {} => "any".into(),
        AllowedEndorsement::RoleCompute {} => "role_compute".into(),
        AllowedEndorsement::RoleObserver {} => "role_observer".into(),
        AllowedEndorsement::Entity(k) => format!("entity {k}"),
        AllowedEndorsement::Node(k) => format!("node {k}"),
        AllowedEndorsement::Provider(a) => format!("provider {a}"),
        AllowedEndorsement::ProviderInstanceAdmin(a) => format!("provider_instance_admin {a}"),
        AllowedEndorsement::And(v) => format!("and({})", v.iter().map(endorsement).collect::<Vec<_>>().join(", ")),
        AllowedEndorsement::Or(v) => format!("or({})", v.iter().map(endorsement).collect::<Vec<_>>().join(", ")),
    }
}

pub fn endorsements(list: &[AllowedEndorsement]) -> String {
    if list.is_empty() { "(none)".into() } else { list.iter().map(endorsement).collect::<Vec<_>>().join(", ") }
}

pub fn quotes(q: &QuotePolicy) -> String {
    match &q.pcs {
        None => "PCS: none (no quote accepted)".into(),
        Some(p) => format!(
            "PCS{}: tcb_validity_period {} days, min_tcb_evaluation_data_number {}, TDX {}{}{}",
            if p.disabled { " DISABLED" } else { "" },
            p.tcb_validity_period,
            p.min_tcb_evaluation_data_number,
            match &p.tdx {
                None => "refused".to_string(),
                Some(t) if t.allowed_tdx_modules.is_empty() => "any Intel module".to_string(),
                Some(t) => format!("{} allowed module(s)", t.allowed_tdx_modules.len()),
            },
            if p.fmspc_whitelist.is_empty() { String::new() } else { format!(", FMSPC whitelist {}", p.fmspc_whitelist.join(",")) },
            if p.fmspc_blacklist.is_empty() { String::new() } else { format!(", FMSPC blacklist {}", p.fmspc_blacklist.join(",")) },
        ),
    }
}

/// An app config as aligned text.
pub fn config(c: &AppConfig, version: Option<u64>, notes: &Notes) -> String {
    let mut t = Table::new();
    t.row("app", c.id);
    if let Some(v) = version {
        t.row("version", v);
    }
    t.row("admin", c.admin.map(|a| a.to_string()).unwrap_or_else(|| "NONE (app can never be changed again)".into()));
    let ids: Vec<String> = c.policy.enclaves.iter().map(|e| identity(e, notes)).collect();
    t.row("enclaves", if ids.is_empty() { "(none)".into() } else { ids.join("\n") });
    t.row("endorsements", endorsements(&c.policy.endorsements))
        .row("fees", fee_name(c.policy.fees))
        .row("max_expiration", format!("{} epochs", c.policy.max_expiration))
        .row("quotes", quotes(&c.policy.quotes));
    let md: Vec<String> = c.metadata.iter().map(|(k, v)| format!("{k} = {v}")).collect();
    t.row("metadata", if md.is_empty() { "(none)".into() } else { md.join("\n") });
    let secrets: Vec<&str> = c.secrets.keys().map(String::as_str).collect();
    t.row("secrets", if secrets.is_empty() { "(none)".into() } else { secrets.join(", ") });
    t.render()
}

/// One policy contract change as a line.
pub fn change(c: &PolicyChange, notes: &Notes) -> String {
    match c {
        PolicyChange::CreateApp { policy, metadata, .. } => format!(
            "create app with {} enclave(s), {} metadata key(s) (stakes 100 ROSE)",
            policy.enclaves.len(),
            metadata.len()
        ),
        PolicyChange::AdoptApp { policy, metadata, secrets } => format!(
            "adopt app with {} enclave(s), {} metadata key(s), secrets [{}]",
            policy.enclaves.len(),
            metadata.len(),
            secrets.keys().cloned().collect::<Vec<_>>().join(", ")
        ),
        PolicyChange::AddEnclave(id) => format!("+ enclave {}", identity(id, notes)),
        PolicyChange::RemoveEnclave(id) => format!("- enclave {}", identity(id, notes)),
        PolicyChange::SetEndorsements(e) => format!("~ endorsements → {}", endorsements(e)),
        PolicyChange::SetFees(f) => format!("~ fees → {}", fee_name(*f)),
        PolicyChange::SetMaxExpiration(m) => format!("~ max_expiration → {m} epochs"),
        PolicyChange::SetQuotePolicy(q) => format!("~ quotes → {}", quotes(q)),
        PolicyChange::SetMetadata { key, value } => format!("~ metadata {key} = {value}"),
        PolicyChange::DeleteMetadata { key } => format!("- metadata {key}"),
        PolicyChange::SetSecret { name, .. } => format!("~ secret {name} (new encrypted value)"),
        PolicyChange::DeleteSecret { name } => format!("- secret {name}"),
        PolicyChange::TransferRoflAdmin { new_admin } => format!("! ROFL admin → {new_admin} (app leaves the policy contract)"),
        PolicyChange::RenounceRoflAdmin => "! RENOUNCE ROFL admin: nobody can ever change the app again".into(),
        PolicyChange::RemoveApp => "! REMOVE the app (stake refunded to the contract)".into(),
    }
}
