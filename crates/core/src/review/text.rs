//! Readable one-line forms of policy parts, shared by diffs, reviews and history.

use std::collections::BTreeMap;

use base64::Engine as _;
use roflgov_types::{
    AllowedEndorsement, AppConfig, EnclaveIdentity, FeePolicy, IasQuotePolicy, PcsQuotePolicy, QuotePolicy,
};

use crate::text::escape;

/// `and(provider oasis1…, or(provider_instance_admin oasis1…, …))`.
///
/// Node and entity keys are shown in base64, as the `rofl` module's JSON and the Oasis CLI
/// (`oasis rofl show`) show them and as rofl.yaml writes them, so that a signer can compare them
/// with what the node operator publishes; this is the one form every command prints.
pub fn render_endorsement(endorsement: &AllowedEndorsement) -> String {
    let key = |bytes: &[u8]| base64::engine::general_purpose::STANDARD.encode(bytes);
    let list = |children: &[AllowedEndorsement]| {
        children.iter().map(render_endorsement).collect::<Vec<_>>().join(", ")
    };
    match endorsement {
        AllowedEndorsement::Any {} => "any".into(),
        AllowedEndorsement::RoleCompute {} => "role_compute".into(),
        AllowedEndorsement::RoleObserver {} => "role_observer".into(),
        AllowedEndorsement::Entity(k) => format!("entity {}", key(k.as_slice())),
        AllowedEndorsement::Node(k) => format!("node {}", key(k.as_slice())),
        AllowedEndorsement::Provider(a) => format!("provider {a}"),
        AllowedEndorsement::ProviderInstanceAdmin(a) => format!("provider_instance_admin {a}"),
        AllowedEndorsement::And(children) => format!("and({})", list(children)),
        AllowedEndorsement::Or(children) => format!("or({})", list(children)),
    }
}

/// The policy's endorsement list: one entry as itself; several as `any of [a; b]` (any entry
/// suffices); none as a warning text.
pub fn render_endorsements(endorsements: &[AllowedEndorsement]) -> String {
    match endorsements {
        [] => "none (no node can endorse an instance)".into(),
        [single] => render_endorsement(single),
        many => format!("any of [{}]", many.iter().map(render_endorsement).collect::<Vec<_>>().join("; ")),
    }
}

/// `instance` or `endorsing_node`, as rofl.yaml writes them.
pub fn fee_name(fees: FeePolicy) -> &'static str {
    match fees {
        FeePolicy::Instance => "instance",
        FeePolicy::EndorsingNode => "endorsing_node",
    }
}

fn render_tdx(pcs: &PcsQuotePolicy) -> String {
    match &pcs.tdx {
        None => "refused".into(),
        Some(tdx) if tdx.allowed_tdx_modules.is_empty() => "any Intel-signed module".into(),
        Some(tdx) => {
            let modules: Vec<String> = tdx
                .allowed_tdx_modules
                .iter()
                .map(|m| match m.mr_seam {
                    Some(seam) => format!("mr_seam {seam}"),
                    None => format!("any mr_seam by {}", m.mr_signer_seam),
                })
                .collect();
            format!("modules [{}]", modules.join("; "))
        }
    }
}

/// How a legacy IAS policy reads: its CBOR in diagnostic notation, flagged.
pub fn render_ias(ias: &IasQuotePolicy) -> String {
    format!("LEGACY (Intel retired IAS) {}", ias.diagnostic())
}

/// One line per quote policy field: `(field, value)`; an `ias` line only when an IAS policy is
/// set.
pub fn quote_fields(quotes: &QuotePolicy) -> Vec<(&'static str, String)> {
    let mut fields = Vec::new();
    if let Some(ias) = &quotes.ias {
        fields.push(("ias", render_ias(ias)));
    }
    let Some(pcs) = &quotes.pcs else {
        fields.push(("pcs", "none (PCS quotes refused)".into()));
        return fields;
    };
    let list = |items: &[String]| if items.is_empty() { "none".to_owned() } else { items.join(", ") };
    fields.extend([
        ("pcs.disabled", pcs.disabled.to_string()),
        ("pcs.tcb_validity_period", format!("{} days", pcs.tcb_validity_period)),
        ("pcs.min_tcb_evaluation_data_number", pcs.min_tcb_evaluation_data_number.to_string()),
        ("pcs.fmspc_whitelist", list(&pcs.fmspc_whitelist)),
        ("pcs.fmspc_blacklist", list(&pcs.fmspc_blacklist)),
        ("pcs.tdx", render_tdx(pcs)),
    ]);
    fields
}

/// The quote policy on one line.
pub fn render_quotes(quotes: &QuotePolicy) -> String {
    match &quotes.ias {
        Some(ias) => format!("ias: {}; {}", render_ias(ias), render_pcs(quotes)),
        None => render_pcs(quotes),
    }
}

fn render_pcs(quotes: &QuotePolicy) -> String {
    match &quotes.pcs {
        None => "pcs: none (PCS quotes refused)".into(),
        Some(pcs) => {
            let mut parts = vec![
                format!("tcb_validity_period {}", pcs.tcb_validity_period),
                format!("min_tcb_evaluation_data_number {}", pcs.min_tcb_evaluation_data_number),
            ];
            if pcs.disabled {
                parts.insert(0, "DISABLED".into());
            }
            let fmspcs = |list: &[String]| list.iter().map(|f| escape(f)).collect::<Vec<_>>().join(", ");
            if !pcs.fmspc_whitelist.is_empty() {
                parts.push(format!("fmspc_whitelist [{}]", fmspcs(&pcs.fmspc_whitelist)));
            }
            if !pcs.fmspc_blacklist.is_empty() {
                parts.push(format!("fmspc_blacklist [{}]", fmspcs(&pcs.fmspc_blacklist)));
            }
            parts.push(format!("tdx {}", render_tdx(pcs)));
            format!("pcs({})", parts.join(", "))
        }
    }
}

/// An identity as text ([`EnclaveIdentity::to_text`]), followed by its release note (rofl.yaml
/// `version` / `description`, escaped) when there is one.
pub fn render_identity(identity: &EnclaveIdentity, note: Option<&str>) -> String {
    let text = identity.to_text();
    match note {
        Some(note) => format!("{text}  ({})", escape(note)),
        None => text,
    }
}

/// A whole app config as `(field, value)` lines, the one readable form of a policy (`app show`,
/// the config after a review, the demo): values are one line each, except `enclaves` and
/// `metadata` (one entry a line). Every string from outside is escaped; secrets show by name.
/// `notes` are release notes per identity (see [`render_identity`]).
pub fn config_fields(
    config: &AppConfig,
    version: Option<u64>,
    notes: &BTreeMap<EnclaveIdentity, String>,
) -> Vec<(&'static str, String)> {
    let or_none = |list: Vec<String>, separator: &str| {
        if list.is_empty() { "(none)".to_owned() } else { list.join(separator) }
    };
    let mut fields = vec![("app", config.id.to_string())];
    if let Some(version) = version {
        fields.push(("version", version.to_string()));
    }
    fields.push((
        "admin",
        config.admin.map_or_else(|| "NONE (app can never be changed again)".to_owned(), |a| a.to_string()),
    ));
    let enclaves = config.policy.enclaves.iter();
    let enclaves = enclaves.map(|id| render_identity(id, notes.get(id).map(String::as_str))).collect();
    fields.push(("enclaves", or_none(enclaves, "\n")));
    fields.push(("endorsements", render_endorsements(&config.policy.endorsements)));
    fields.push(("fees", fee_name(config.policy.fees).to_owned()));
    fields.push(("max_expiration", format!("{} epochs", config.policy.max_expiration)));
    fields.push(("quotes", render_quotes(&config.policy.quotes)));
    let metadata =
        config.metadata.iter().map(|(k, v)| format!("{} = \"{}\"", escape(k), escape(v))).collect();
    fields.push(("metadata", or_none(metadata, "\n")));
    fields.push(("secrets", or_none(config.secrets.keys().map(|k| escape(k)).collect(), ", ")));
    fields
}

#[cfg(test)]
mod tests {
    use alloy_primitives::B256;
    use roflgov_types::{AllowedEndorsement, AppAuthPolicy, AppConfig, AppId, EnclaveIdentity};

    use super::config_fields;

    /// `app show`, the review and the demo read a policy through these fields: node and entity
    /// keys in base64 (expected values from Python's `base64.b64encode`), outside text escaped.
    #[test]
    fn config_fields_show_keys_in_base64_and_escape_text() {
        let identity =
            EnclaveIdentity { mr_enclave: B256::repeat_byte(0xab), mr_signer: B256::repeat_byte(0xab) };
        let config = AppConfig {
            id: AppId([1; 21]),
            policy: AppAuthPolicy {
                enclaves: vec![identity],
                endorsements: vec![AllowedEndorsement::Or(vec![
                    AllowedEndorsement::Node(B256::repeat_byte(0x11)),
                    AllowedEndorsement::Entity(B256::repeat_byte(0x11)),
                ])],
                ..AppAuthPolicy::default()
            },
            admin: None,
            metadata: [("net.oasis\u{202e}".to_owned(), "a\nb".to_owned())].into(),
            secrets: Default::default(),
        };
        let notes = [(identity, "v1\u{7}".to_owned())].into();
        let fields = config_fields(&config, Some(7), &notes);
        let field = |name: &str| fields.iter().find(|(f, _)| *f == name).map(|(_, v)| v.as_str()).unwrap();
        let key = "ERERERERERERERERERERERERERERERERERERERERERE=";
        assert_eq!(field("endorsements"), format!("or(node {key}, entity {key})"));
        assert_eq!(
            field("enclaves"),
            "q6urq6urq6urq6urq6urq6urq6urq6urq6urq6urq6urq6urq6urq6urq6urq6urq6urq6urq6urq6urq6urqw==  (v1\\u{0007})"
        );
        assert_eq!(field("metadata"), "net.oasis\\u{202e} = \"a\\nb\"");
        assert_eq!(field("version"), "7");
        assert_eq!(field("secrets"), "(none)");
        assert!(field("admin").starts_with("NONE"));
    }
}
