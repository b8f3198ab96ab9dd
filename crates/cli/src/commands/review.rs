//! `roflgov review`: what a signer or voter runs before approving.
//!
//! Reads a Safe Transaction Builder batch (or a roflgov Safe proposal / Governor proposal once
//! those flows are in), decodes every call addressed to the policy contract into readable
//! changes and every call addressed to the subcall precompile (today's flow: an opaque
//! `rofl.Update` body) into a diff against the app's current config, with loud warnings when it
//! would drop the admin or wipe metadata/secrets. Identity verdicts say whether each new
//! identity matches the given ORC bundle, rofl.yaml and quote.

use std::path::PathBuf;

use alloy::primitives::{Address, Bytes};
use clap::Args;
use roflgov_attest::identity_to_base64;
use roflgov_chain::{SUBCALL_PRECOMPILE, rofl::{PolicyChange, RoflStandIn, decode_calldata}};
use roflgov_types::{AppConfig, EnclaveIdentity, RoflCall};
use serde::Serialize;

use super::{
    cbor::{decode_body, split_subcall},
    identity::{QuoteInput, open_bundle, verify},
    propose::{load_deployment, notes_of},
};
use crate::{
    context::GlobalArgs,
    exit::{CliResult, input, usage, verification},
    fsutil::read_input,
    output::emit,
    render::{self, ConfigDiff, Notes},
};

#[derive(Args, Debug)]
#[command(group(clap::ArgGroup::new("pending").required(true).args(["safe_tx", "tx_builder", "proposal"])))]
pub struct ReviewArgs {
    /// A roflgov Safe proposal file (`propose --safe-out`).
    #[arg(long, value_name = "FILE")]
    pub safe_tx: Option<PathBuf>,
    /// A Safe Transaction Builder batch (JSON), from roflgov or made in Safe{Wallet}.
    #[arg(long, value_name = "FILE")]
    pub tx_builder: Option<PathBuf>,
    /// A Governor proposal id.
    #[arg(long, value_name = "ID")]
    pub proposal: Option<String>,
    /// rofl.yaml: release notes for identities, and each new identity must be listed in it.
    #[arg(long, value_name = "FILE", requires = "deployment")]
    pub manifest: Option<PathBuf>,
    /// Deployment of the rofl.yaml.
    #[arg(long, value_name = "NAME")]
    pub deployment: Option<String>,
    /// ORC bundle: each new identity must be one of its identities.
    #[arg(long, value_name = "FILE.orc")]
    pub bundle: Option<PathBuf>,
    /// Quote file: its verified identity must be one of the new identities (with --collateral).
    #[arg(long, value_name = "FILE", requires = "collateral")]
    pub quote: Option<PathBuf>,
    /// Collateral for --quote.
    #[arg(long, value_name = "FILE")]
    pub collateral: Option<PathBuf>,
    /// Verification time for --quote, Unix seconds [default: now].
    #[arg(long, value_name = "UNIX")]
    pub now: Option<u64>,
}

#[derive(Serialize, Default)]
struct Review {
    calls: Vec<ReviewedCall>,
    identity_checks: Vec<IdentityCheck>,
    warnings: Vec<String>,
}

#[derive(Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
enum ReviewedCall {
    PolicyContract { to: Address, changes: Vec<PolicyChange> },
    DirectSubcall { to: Address, call: RoflCall, diff: Option<ConfigDiff> },
    Unknown { to: Address, data: Bytes },
}

#[derive(Serialize)]
struct IdentityCheck {
    identity: String,
    source: String,
    ok: bool,
}

#[derive(serde::Deserialize)]
struct TxBuilderBatch {
    #[serde(rename = "chainId")]
    chain_id: String,
    transactions: Vec<TxBuilderTx>,
}

#[derive(serde::Deserialize)]
struct TxBuilderTx {
    to: Address,
    #[serde(default)]
    data: Option<Bytes>,
}

pub async fn run(g: &GlobalArgs, args: ReviewArgs) -> CliResult {
    let Some(path) = &args.tx_builder else {
        return Err(usage("--safe-tx and --proposal need the Safe/DAO flows, not in this build yet; use --tx-builder"));
    };
    let name = path.display().to_string();
    let raw = read_input(path)?;
    let batch: TxBuilderBatch =
        serde_json::from_slice(&raw).map_err(|e| input(format!("{name}: not a Transaction Builder batch: {e}")))?;
    let (notes, manifest_ids): (Notes, Option<Vec<EnclaveIdentity>>) = match (&args.manifest, &args.deployment) {
        (Some(m), Some(d)) => {
            let dep = load_deployment(m, d)?;
            (notes_of(&dep), Some(dep.policy.enclaves.clone()))
        }
        _ => (Notes::new(), None),
    };
    let network = g.network()?;
    let policy_contract = network.policy_contract;
    let mut review = Review::default();
    let mut added: Vec<EnclaveIdentity> = Vec::new();
    let mut human = format!("Transaction Builder batch {name} (chain {}), {} call(s)\n", batch.chain_id, batch.transactions.len());
    for (i, tx) in batch.transactions.iter().enumerate() {
        let data = tx.data.clone().unwrap_or_default();
        if tx.to == SUBCALL_PRECOMPILE {
            let (method, body) = split_subcall(&data)
                .ok_or_else(|| input(format!("{name}: call #{i} to the subcall precompile is not abi.encode(bytes method, bytes body)")))?;
            let call = decode_body(Some(&method), &body)
                .map_err(|e| crate::exit::CliError { kind: e.kind, error: e.error.wrap_err(format!("{name}: call #{i}")) })?;
            human.push_str(&format!("\n#{i} DIRECT {method} to the subcall precompile (today's flow: opaque CBOR, {} bytes)\n", body.len()));
            let mut diff = None;
            if let RoflCall::Update(update) = &call {
                let after = AppConfig {
                    id: update.id,
                    policy: update.policy.clone(),
                    admin: update.admin,
                    metadata: update.metadata.clone(),
                    secrets: update.secrets.clone(),
                };
                let before = current_config(g, update.id).await;
                match before {
                    Some(before) => {
                        let d = ConfigDiff::between(&before, &after);
                        human.push_str(&indent(&d.render(&before, &after, &notes)));
                        added.extend(d.enclaves_added.iter().copied());
                        review.warnings.extend(d.warnings.iter().cloned());
                        diff = Some(d);
                    }
                    None => {
                        human.push_str("  (current config unavailable on this network: showing the new config)\n");
                        human.push_str(&indent(&render::config(&after, None, &notes)));
                        added.extend(after.policy.enclaves.iter().copied());
                        for w in super::cbor::update_footguns(&call) {
                            human.push_str(&format!("  !!! WARNING: {w}\n"));
                            review.warnings.push(w);
                        }
                    }
                }
            }
            review.calls.push(ReviewedCall::DirectSubcall { to: tx.to, call, diff });
        } else if Some(tx.to) == policy_contract || decode_calldata(&data).is_ok() {
            let decoded = decode_calldata(&data).map_err(|e| input(format!("{name}: call #{i}: {e}")))?;
            let changes: Vec<PolicyChange> = decoded.changes().into_iter().map(|c| c.change.clone()).collect();
            human.push_str(&format!("\n#{i} policy contract {}\n", tx.to));
            for c in &changes {
                if let PolicyChange::AddEnclave(id) = c {
                    added.push(*id);
                }
                human.push_str(&format!("  {}\n", render::change(c, &notes)));
            }
            review.calls.push(ReviewedCall::PolicyContract { to: tx.to, changes });
        } else {
            human.push_str(&format!("\n#{i} UNKNOWN call to {} ({} bytes): not a ROFL change\n", tx.to, data.len()));
            review.warnings.push(format!("call #{i} to {} is not a ROFL change", tx.to));
            review.calls.push(ReviewedCall::Unknown { to: tx.to, data });
        }
    }

    // Identity verdicts.
    let bundle_ids = match &args.bundle {
        Some(p) => Some((p.display().to_string(), open_bundle(p)?.identities().into_iter().map(|c| c.identity).collect::<Vec<_>>())),
        None => None,
    };
    for id in &added {
        if let Some(ids) = &manifest_ids {
            review.identity_checks.push(IdentityCheck { identity: identity_to_base64(id), source: "rofl.yaml".into(), ok: ids.contains(id) });
        }
        if let Some((p, ids)) = &bundle_ids {
            review.identity_checks.push(IdentityCheck { identity: identity_to_base64(id), source: format!("bundle {p}"), ok: ids.contains(id) });
        }
    }
    if let (Some(q), Some(c)) = (&args.quote, &args.collateral) {
        let vq = verify(&QuoteInput { quote: q.clone(), collateral: c.clone(), now: args.now })?;
        review.identity_checks.push(IdentityCheck {
            identity: identity_to_base64(&vq.identity),
            source: format!("quote {}", q.display()),
            ok: added.contains(&vq.identity),
        });
    }
    if !review.identity_checks.is_empty() {
        human.push_str("\nidentity checks\n");
        for c in &review.identity_checks {
            human.push_str(&format!("  {} {}  {}\n", if c.ok { "✓" } else { "✗" }, c.identity, c.source));
        }
    }
    let failed = review.identity_checks.iter().filter(|c| !c.ok).count();
    let drops_admin = review.calls.iter().any(|c| matches!(c, ReviewedCall::DirectSubcall { call: RoflCall::Update(u), .. } if u.admin.is_none()));
    emit(g.json, &review, || human);
    if drops_admin {
        return Err(verification("this batch would drop the app's admin, irreversibly: do not sign"));
    }
    if failed > 0 {
        return Err(verification(format!("{failed} identity check(s) failed: do not sign")));
    }
    Ok(())
}

fn indent(text: &str) -> String {
    text.lines().map(|l| format!("  {l}\n")).collect()
}

/// The app's current config from the ROFL module stand-in (local chains); `None` elsewhere.
async fn current_config(g: &GlobalArgs, app: roflgov_types::AppId) -> Option<AppConfig> {
    let (_, provider) = g.provider().await.ok()?;
    let stand_in = RoflStandIn::new(provider);
    if !stand_in.app_exists(app).await.ok()? {
        return None;
    }
    stand_in.config(app).await.ok()
}
