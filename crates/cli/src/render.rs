//! Readable forms of configs, change sets and config diffs, shared by `app show`, `propose`,
//! `review` and the demo. Secrets are only ever shown by name.

use std::collections::BTreeMap;

use roflgov_attest::identity_to_base64;
use roflgov_chain::rofl::PolicyChange;
use roflgov_types::{AllowedEndorsement, AppConfig, EnclaveIdentity, FeePolicy, QuotePolicy};
use serde::Serialize;

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

/// The difference between two complete configs (used for raw `rofl.Update` bodies).
#[derive(Clone, Debug, Default, Serialize)]
pub struct ConfigDiff {
    pub enclaves_added: Vec<EnclaveIdentity>,
    pub enclaves_removed: Vec<EnclaveIdentity>,
    pub endorsements_changed: bool,
    pub fees_changed: bool,
    pub max_expiration_changed: bool,
    pub quotes_changed: bool,
    pub metadata_added: Vec<String>,
    pub metadata_removed: Vec<String>,
    pub metadata_changed: Vec<String>,
    pub secrets_added: Vec<String>,
    pub secrets_removed: Vec<String>,
    pub secrets_changed: Vec<String>,
    pub admin_before: Option<String>,
    pub admin_after: Option<String>,
    /// Loud warnings: admin dropped, metadata or secrets wiped, no enclave left.
    pub warnings: Vec<String>,
}

impl ConfigDiff {
    pub fn between(before: &AppConfig, after: &AppConfig) -> Self {
        let mut d = ConfigDiff {
            enclaves_added: after.policy.enclaves.iter().filter(|e| !before.policy.enclaves.contains(e)).copied().collect(),
            enclaves_removed: before.policy.enclaves.iter().filter(|e| !after.policy.enclaves.contains(e)).copied().collect(),
            endorsements_changed: before.policy.endorsements != after.policy.endorsements,
            fees_changed: before.policy.fees != after.policy.fees,
            max_expiration_changed: before.policy.max_expiration != after.policy.max_expiration,
            quotes_changed: before.policy.quotes != after.policy.quotes,
            admin_before: before.admin.map(|a| a.to_string()),
            admin_after: after.admin.map(|a| a.to_string()),
            ..Default::default()
        };
        for (k, v) in &after.metadata {
            match before.metadata.get(k) {
                None => d.metadata_added.push(k.clone()),
                Some(old) if old != v => d.metadata_changed.push(k.clone()),
                _ => {}
            }
        }
        d.metadata_removed = before.metadata.keys().filter(|k| !after.metadata.contains_key(*k)).cloned().collect();
        for (k, v) in &after.secrets {
            match before.secrets.get(k) {
                None => d.secrets_added.push(k.clone()),
                Some(old) if old != v => d.secrets_changed.push(k.clone()),
                _ => {}
            }
        }
        d.secrets_removed = before.secrets.keys().filter(|k| !after.secrets.contains_key(*k)).cloned().collect();
        if after.admin.is_none() && before.admin.is_some() {
            d.warnings.push("THIS UPDATE DROPS THE ADMIN: the app can never be updated or removed again".into());
        } else if after.admin != before.admin {
            d.warnings.push(format!(
                "this update moves the admin from {} to {}",
                d.admin_before.as_deref().unwrap_or("none"),
                d.admin_after.as_deref().unwrap_or("none")
            ));
        }
        if !before.secrets.is_empty() && after.secrets.is_empty() {
            d.warnings.push(format!("THIS UPDATE WIPES ALL {} SECRET(S): {}", before.secrets.len(), d.secrets_removed.join(", ")));
        } else if !d.secrets_removed.is_empty() {
            d.warnings.push(format!("this update deletes secret(s) {}", d.secrets_removed.join(", ")));
        }
        if !before.metadata.is_empty() && after.metadata.is_empty() {
            d.warnings.push(format!("THIS UPDATE WIPES ALL {} METADATA KEY(S): {}", before.metadata.len(), d.metadata_removed.join(", ")));
        }
        if after.policy.enclaves.is_empty() {
            d.warnings.push("THE NEW POLICY ALLOWS NO ENCLAVE: every instance is locked out".into());
        }
        d
    }

    pub fn render(&self, before: &AppConfig, after: &AppConfig, notes: &Notes) -> String {
        let mut lines = Vec::new();
        for e in &self.enclaves_added {
            lines.push(format!("+ enclave {}", identity(e, notes)));
        }
        for e in &self.enclaves_removed {
            lines.push(format!("- enclave {}", identity(e, notes)));
        }
        if self.endorsements_changed {
            lines.push(format!("~ endorsements {} → {}", endorsements(&before.policy.endorsements), endorsements(&after.policy.endorsements)));
        }
        if self.fees_changed {
            lines.push(format!("~ fees {} → {}", fee_name(before.policy.fees), fee_name(after.policy.fees)));
        }
        if self.max_expiration_changed {
            lines.push(format!("~ max_expiration {} → {}", before.policy.max_expiration, after.policy.max_expiration));
        }
        if self.quotes_changed {
            lines.push(format!("~ quotes → {}", quotes(&after.policy.quotes)));
        }
        for k in &self.metadata_added {
            lines.push(format!("+ metadata {k} = {}", after.metadata[k]));
        }
        for k in &self.metadata_changed {
            lines.push(format!("~ metadata {k}: {} → {}", before.metadata[k], after.metadata[k]));
        }
        for k in &self.metadata_removed {
            lines.push(format!("- metadata {k}"));
        }
        for k in &self.secrets_added {
            lines.push(format!("+ secret {k}"));
        }
        for k in &self.secrets_changed {
            lines.push(format!("~ secret {k} (new value)"));
        }
        for k in &self.secrets_removed {
            lines.push(format!("- secret {k}"));
        }
        if self.admin_before != self.admin_after {
            lines.push(format!(
                "! admin {} → {}",
                self.admin_before.as_deref().unwrap_or("none"),
                self.admin_after.as_deref().unwrap_or("NONE")
            ));
        }
        if lines.is_empty() {
            lines.push("(no change)".into());
        }
        let mut out = lines.join("\n");
        out.push('\n');
        for w in &self.warnings {
            out.push_str(&format!("!!! WARNING: {w}\n"));
        }
        out
    }
}
