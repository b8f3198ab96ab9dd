//! Readable one-line forms of policy parts, shared by diffs, reviews and history.

use base64::Engine as _;
use roflgov_types::{AllowedEndorsement, FeePolicy, IasQuotePolicy, PcsQuotePolicy, QuotePolicy};

/// `and(provider oasis1…, or(provider_instance_admin oasis1…, …))`.
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
            if !pcs.fmspc_whitelist.is_empty() {
                parts.push(format!("fmspc_whitelist [{}]", pcs.fmspc_whitelist.join(", ")));
            }
            if !pcs.fmspc_blacklist.is_empty() {
                parts.push(format!("fmspc_blacklist [{}]", pcs.fmspc_blacklist.join(", ")));
            }
            parts.push(format!("tdx {}", render_tdx(pcs)));
            format!("pcs({})", parts.join(", "))
        }
    }
}
