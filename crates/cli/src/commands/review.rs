//! `roflgov review`: what a signer or voter runs before approving.
//!
//! Reads a roflgov Safe proposal file, a Safe Transaction Builder batch (from roflgov,
//! Safe{Wallet} or the Oasis CLI) or a Governor proposal, and runs the firewall on it
//! (`roflgov_core::firewall`): every call accounted for, every app touched diffed against its
//! current state, every finding, and a verdict (exit 0 when ok, 4 otherwise). Identity checks
//! say whether each new identity matches the given ORC bundle, rofl.yaml and quote.

use std::{collections::BTreeSet, path::PathBuf};

use alloy::primitives::{Address, B256, U256};
use clap::Args;
use roflgov_attest::identity_to_base64;
use roflgov_core::{
    firewall::{FirewallReport, Transaction, Verdict},
    text,
};
use roflgov_core::{
    review::{ProposedCall, Review},
    rofl::{
        PolicyChange, decode_calldata,
        subcall::{SUBCALL_PRECOMPILE, decode_subcall},
    },
};
use roflgov_safe::{
    tx::{SafeCall, SafeTx},
    tx_builder::BatchFile,
};
use roflgov_types::{AppConfig, AppId, EnclaveIdentity, RoflCall, cbor};
use serde::Serialize;

use crate::inputs::{QuoteInput, load_deployment, notes_of, open_bundle, verify};
use crate::{
    context::GlobalArgs,
    daoops,
    exit::{CliResult, input, verification},
    firewall::{self, FirewallArgs},
    fsutil::read_input,
    output::{Table, emit},
    render::{self, Notes},
    safeops,
};

#[derive(Args, Debug)]
#[command(group(clap::ArgGroup::new("pending").required(true).args(["safe_tx", "tx_builder", "proposal"])))]
pub(crate) struct ReviewArgs {
    /// A roflgov Safe proposal file (`propose --safe-out`): shows its SafeTx hash, nonce and
    /// signatures collected.
    #[arg(long, value_name = "FILE")]
    pub safe_tx: Option<PathBuf>,
    /// A Safe Transaction Builder batch (JSON), from roflgov, Safe{Wallet} or `oasis rofl
    /// update --format safe`. A checksum, when present, is checked (a tampered file is refused,
    /// exit 4); the batch is reviewed as the MultiSend transaction Safe{Wallet} builds from it
    /// at the Safe's current nonce.
    #[arg(long, value_name = "FILE")]
    pub tx_builder: Option<PathBuf>,
    /// A Governor proposal id (decimal or 0x hex): shows its state, tally and timelock eta.
    #[arg(long, value_name = "ID")]
    pub proposal: Option<String>,
    /// rofl.yaml: release notes for identities, and each new identity must be listed in it.
    #[arg(long, value_name = "FILE", requires = "deployment")]
    pub manifest: Option<PathBuf>,
    /// Deployment of the rofl.yaml.
    #[arg(long, value_name = "NAME")]
    pub deployment: Option<String>,
    /// ORC bundle: each new identity must be one of its identities, and every release record
    /// the proposal adds must carry its sha256, and every machine Deploy its manifest hash (a
    /// mismatch is critical: do not sign).
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
    /// What you expect, and findings you accept.
    #[command(flatten)]
    pub expect: FirewallArgs,
}

/// The review as printed with --json.
#[derive(Serialize, Default)]
struct Output {
    /// What was reviewed: `safe_tx`, `tx_builder` or `governor_proposal`.
    source: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    safe_tx_hash: Option<B256>,
    #[serde(skip_serializing_if = "Option::is_none")]
    safe: Option<Address>,
    #[serde(skip_serializing_if = "Option::is_none")]
    chain_id: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    nonce: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    signed_by: Option<Vec<Address>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    proposal_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    proposal_state: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    description: Option<String>,
    /// Each call, decoded (policy contract changes, direct subcalls, unknown calls).
    calls: Vec<CallOut>,
    /// The review of the first app touched (every app is in `firewall.apps`).
    #[serde(skip_serializing_if = "Option::is_none")]
    review: Option<Review>,
    /// The whole-transaction review: every call, every app, every finding, the verdict.
    #[serde(skip_serializing_if = "Option::is_none")]
    firewall: Option<FirewallReport>,
    identity_checks: Vec<IdentityCheck>,
    /// Every finding, in words.
    warnings: Vec<String>,
    /// `ok`, `do_not_sign`, `cannot_review`, or `executed` (a Governor proposal that ran already).
    verdict: String,
}

#[derive(Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[allow(clippy::large_enum_variant, reason = "a few per review, serialized once")]
enum CallOut {
    PolicyContract {
        to: Address,
        value: U256,
        changes: Vec<PolicyChange>,
    },
    DirectSubcall {
        to: Address,
        method: String,
        app: Option<AppId>,
        #[serde(skip_serializing_if = "Option::is_none")]
        call: Option<RoflCall>,
    },
    Unknown {
        to: Address,
        value: U256,
        reason: String,
    },
}

#[derive(Serialize)]
struct IdentityCheck {
    identity: String,
    source: String,
    ok: bool,
}

pub(crate) async fn run(g: &GlobalArgs, args: ReviewArgs) -> CliResult {
    let (notes, manifest_ids): (Notes, Option<Vec<EnclaveIdentity>>) =
        match (&args.manifest, &args.deployment) {
            (Some(m), Some(d)) => {
                let dep = load_deployment(m, d)?;
                (notes_of(&dep), Some(dep.policy.enclaves.clone()))
            }
            _ => (Notes::new(), None),
        };
    let mut out = Output::default();
    let mut header = Table::new();
    let network = g.network()?;
    let policy_contract = network.policy_contract;
    // The chain is optional to start with: without it the verdict is "cannot review", but the
    // calls are still decoded and shown.
    let provider = g.provider().await.ok().map(|(_, p)| p);
    let rpc_chain = match &provider {
        Some(p) => alloy::providers::Provider::get_chain_id(p).await.ok(),
        None => None,
    };
    let multi_send = safeops::deployment(&network).map(|d| d.multi_send_call_only).unwrap_or_default();

    let transaction = if let Some(path) = &args.safe_tx {
        let file = safeops::load(path)?;
        let p = &file.proposal;
        out.source = "safe_tx";
        out.safe_tx_hash = Some(p.safe_tx_hash);
        out.safe = Some(p.safe);
        out.chain_id = Some(p.chain_id);
        out.nonce = Some(p.tx.nonce.to_string());
        out.description = file.roflgov.as_ref().and_then(|m| m.description.clone()).map(|d| text::escape(&d));
        let signers: Vec<Address> = p
            .signatures
            .iter()
            .filter_map(|s| roflgov_safe::SafeSignature::from_packed(s).ok()?.signer(p.safe_tx_hash).ok())
            .collect();
        header.row("Safe transaction", text::escape(&path.display().to_string()));
        if let Some(network_safe) = network.safe
            && network_safe != p.safe
        {
            out.warnings
                .push(format!("the file is for Safe {}, this network's Safe is {network_safe}", p.safe));
        }
        out.signed_by = Some(signers);
        Transaction::Safe {
            safe: p.safe,
            chain_id: p.chain_id,
            tx: p.tx.clone(),
            signatures: p.signatures.clone(),
            title: file.roflgov.as_ref().map(|m| m.title.clone()),
        }
    } else if let Some(path) = &args.tx_builder {
        let name = text::escape(&path.display().to_string());
        let raw = read_input(path)?;
        let text_json = String::from_utf8(raw).map_err(|_| input(format!("{name}: not UTF-8 JSON")))?;
        let value: serde_json::Value = serde_json::from_str(&text_json)
            .map_err(|e| input(format!("{name}: not a Transaction Builder batch: {e}")))?;
        // A mistyped address in a batch is as dangerous as one on the command line.
        crate::address::check_json_addresses(&value).map_err(|e| input(format!("{name}: {e}")))?;
        let stated_safe = value
            .pointer("/meta/createdFromSafeAddress")
            .and_then(|v| v.as_str())
            .and_then(|s| s.parse::<Address>().ok());
        let has_checksum =
            value.pointer("/meta/checksum").and_then(|v| v.as_str()).is_some_and(|s| !s.is_empty());
        let file_chain = value
            .get("chainId")
            .and_then(|v| v.as_str().map(str::to_string).or_else(|| v.as_u64().map(|n| n.to_string())))
            .and_then(|s| s.parse::<u64>().ok());
        out.source = "tx_builder";
        header.row("Transaction Builder batch", &name);
        let safe = network.safe.or(stated_safe);
        let calls: Vec<ProposedCall> = if has_checksum {
            let Some(safe) = safe else {
                return Err(verification(format!(
                    "{name}: no Safe is known to check the batch's checksum against: give --safe-address; do not sign"
                )));
            };
            let chain = rpc_chain.or(file_chain).unwrap_or_default();
            let checked = BatchFile::import_checked(&text_json, chain, safe)
                .map_err(|e| verification(format!("{name}: {e}; do not sign")))?;
            header.row(
                "checks",
                format!("checksum ✓, readable inputs match the calldata ✓, Safe {safe} ✓, chain {chain} ✓"),
            );
            checked.calls.into_iter().map(|c| ProposedCall::call(c.to, c.value, c.data)).collect()
        } else {
            header.row("checks", "no meta.checksum (as `oasis rofl update --format safe` writes): reviewed in full, nothing more");
            let batch: LooseBatch = serde_json::from_value(value)
                .map_err(|e| input(format!("{name}: not a Transaction Builder batch: {e}")))?;
            batch
                .transactions
                .into_iter()
                .map(|t| {
                    let value = match t.value.as_deref() {
                        None | Some("") => Ok(U256::ZERO),
                        Some(v) => v.parse::<U256>().map_err(|_| {
                            input(format!("{name}: value {:?} is not a number", text::escape(v)))
                        }),
                    }?;
                    Ok(ProposedCall::call(t.to, value, t.data.unwrap_or_default()))
                })
                .collect::<CliResult<_>>()?
        };
        out.chain_id = file_chain.or(rpc_chain);
        out.safe = safe;
        let title = value_title(&text_json);
        match safe {
            Some(safe) => {
                // Safe{Wallet} turns a batch into one MultiSend transaction at the Safe's nonce.
                let nonce = match &provider {
                    Some(p) => roflgov_client::firewall::safe_nonce(p, safe).await,
                    None => None,
                };
                let chain_id = file_chain.or(rpc_chain).unwrap_or_default();
                let safe_calls: Vec<SafeCall> =
                    calls.iter().map(|c| SafeCall::new(c.to, c.value, c.data.clone())).collect();
                let tx = SafeTx::from_calls(multi_send, &safe_calls, nonce.unwrap_or_default())
                    .map_err(|e| input(format!("{name}: {e}")))?;
                let hash = tx.safe_tx_hash(chain_id, safe);
                out.safe_tx_hash = Some(hash);
                out.nonce = Some(tx.nonce.to_string());
                header.row(
                    "Safe{Wallet} builds",
                    match nonce {
                        Some(n) => format!("SafeTx hash {hash} at the Safe's nonce {n}"),
                        None => "(the Safe's nonce is unknown: no hash to compare)".to_string(),
                    },
                );
                Transaction::Safe { safe, chain_id, tx, signatures: Vec::new(), title }
            }
            None => {
                out.warnings.push("no Safe is known for this batch (give --safe-address): calls into the Safe itself cannot be recognised".into());
                Transaction::Calls {
                    executor: Address::ZERO,
                    chain_id: file_chain,
                    calls,
                    description: title,
                    description_verified: false,
                }
            }
        }
    } else {
        let text_id = args.proposal.as_deref().expect("clap requires one source");
        let id = daoops::parse_id(text_id)?;
        let (network, provider) = g.provider().await?;
        let client = daoops::client(&network, provider.clone())?;
        let p = daoops::proposal(&network, &client, id).await?;
        let timelock = client.timelock().await.map_err(|e| daoops::gov_error("reading the timelock", e))?;
        let calls: Vec<ProposedCall> =
            p.proposal.calls().map(|c| ProposedCall::call(c.target, c.value, c.calldata)).collect();
        out.source = "governor_proposal";
        out.proposal_id = Some(id.to_string());
        out.proposal_state = Some(p.state.to_string());
        out.description = Some(text::escape(&p.proposal.description));
        header
            .row("Governor proposal", format!("{id}"))
            .row("Governor", p.governor)
            .row("proposer", p.proposer)
            .row("state", p.state)
            .row(
                "votes",
                format!(
                    "for {}, against {}, abstain {}",
                    p.votes.for_votes, p.votes.against, p.votes.abstain
                ),
            )
            .row(
                "vote window",
                format!(
                    "{} → {}",
                    roflgov_core::rofl::format_utc(p.vote_start.saturating_to()),
                    roflgov_core::rofl::format_utc(p.vote_end.saturating_to())
                ),
            );
        if let Some(eta) = p.eta {
            header.row("executable at", roflgov_core::rofl::format_utc(eta.saturating_to()));
        }
        let executed = p.state.to_string().eq_ignore_ascii_case("executed");
        if executed {
            out.warnings.push("this proposal was executed already".into());
        }
        Transaction::Calls {
            executor: timelock,
            chain_id: rpc_chain,
            calls,
            description: Some(p.proposal.description.clone()),
            description_verified: true,
        }
    };

    let calls: Vec<ProposedCall> = match &transaction {
        Transaction::Safe { tx, .. } => safeops::proposed_calls(tx, multi_send),
        Transaction::Calls { calls, .. } => calls.clone(),
    };
    out.calls = calls.iter().map(|c| call_out(c, policy_contract)).collect();
    // An executed proposal is history: reviewed against today's state it would read as stale
    // (its version was consumed by itself). Report it as executed, not as a refusal.
    if out.proposal_state.as_deref() == Some("executed") {
        out.verdict = "executed".into();
        let human = format!(
            "{}\nexecuted: this proposal ran already; there is nothing to sign or vote (what it changed: `roflgov app history`)\n",
            header.render()
        );
        emit(g.json, &out, || human);
        return Ok(());
    }

    // Identities the reviewer can vouch for: the bundle's, the manifest's, the quote's.
    let bundle_ids = match &args.bundle {
        Some(p) => Some((
            p.display().to_string(),
            open_bundle(p)?.identities().into_iter().map(|c| c.identity).collect::<Vec<_>>(),
        )),
        None => None,
    };
    let quote_id = match (&args.quote, &args.collateral) {
        (Some(q), Some(c)) => Some((
            q.display().to_string(),
            verify(&QuoteInput { quote: q.clone(), collateral: c.clone(), now: args.now })?.identity,
        )),
        _ => None,
    };
    let supplied = manifest_ids.is_some() || bundle_ids.is_some() || quote_id.is_some();
    let verified: Option<BTreeSet<EnclaveIdentity>> = supplied.then(|| {
        let mut set = BTreeSet::new();
        // An identity counts as verified when every file given lists it.
        let sources: Vec<Vec<EnclaveIdentity>> =
            manifest_ids.iter().cloned().chain(bundle_ids.iter().map(|(_, ids)| ids.clone())).collect();
        let candidates: Vec<EnclaveIdentity> =
            sources.iter().flatten().copied().chain(quote_id.iter().map(|(_, id)| *id)).collect();
        for id in candidates {
            if sources.iter().all(|s| s.contains(&id)) {
                set.insert(id);
            }
        }
        set
    });
    let mut expectations = args.expect.expectations(verified);
    expectations.bundle_hash = args.bundle.as_deref().map(crate::fsutil::sha256_file).transpose()?;
    // What a machine Deploy must pin: oasis-core's manifest hash of the bundle.
    expectations.bundle_manifest_hash = match &args.bundle {
        Some(p) => Some(open_bundle(p)?.manifest_hash().map_err(|e| e.to_string())),
        None => None,
    };
    expectations.manifest_hash = args.manifest.as_deref().map(crate::fsutil::sha256_file).transpose()?;

    let report = match &provider {
        Some(provider) => {
            firewall::review(provider, policy_contract, network.grpc.as_deref(), &transaction, &expectations)
                .await
        }
        None => roflgov_core::firewall::review(&transaction, &Default::default(), &expectations),
    };

    let mut human = String::new();
    human.push_str(&report.to_string());
    human.push('\n');
    human.push_str(&header.render());

    let mut added: Vec<EnclaveIdentity> =
        report.apps.iter().flat_map(|r| r.diff.enclaves_added.iter().map(|l| l.identity)).collect();
    if report.apps.is_empty() {
        // Nothing to diff against: show what each call writes.
        human.push_str("\n(no current config to diff against: showing what each call writes)\n");
        for (i, call) in calls.iter().enumerate() {
            human.push_str(&offline_call(i, call, policy_contract, &notes, &mut added));
        }
    }
    for id in &added {
        if let Some(ids) = &manifest_ids {
            out.identity_checks.push(IdentityCheck {
                identity: identity_to_base64(id),
                source: "rofl.yaml".into(),
                ok: ids.contains(id),
            });
        }
        if let Some((p, ids)) = &bundle_ids {
            out.identity_checks.push(IdentityCheck {
                identity: identity_to_base64(id),
                source: format!("bundle {p}"),
                ok: ids.contains(id),
            });
        }
    }
    if let Some((q, id)) = &quote_id {
        out.identity_checks.push(IdentityCheck {
            identity: identity_to_base64(id),
            source: format!("quote {q}"),
            ok: added.contains(id),
        });
    }
    if !out.identity_checks.is_empty() {
        human.push_str("\nIdentity checks\n");
        for c in &out.identity_checks {
            human.push_str(&format!(
                "  {} {}  {}\n",
                if c.ok { "✓" } else { "✗" },
                c.identity,
                text::escape(&c.source)
            ));
        }
    }
    let failed = out.identity_checks.iter().filter(|c| !c.ok).count();
    let drops_admin = calls.iter().any(drops_admin);
    out.warnings.extend(report.findings.iter().map(|w| w.message.clone()));
    let verdict = match report.verdict {
        Verdict::Ok if failed > 0 || drops_admin => Verdict::DoNotSign,
        v => v,
    };
    out.verdict = verdict.to_string();
    out.review = report.apps.first().cloned();
    out.firewall = Some(report);
    emit(g.json, &out, || human);
    if drops_admin {
        return Err(verification("this proposal would drop the app's admin, irreversibly: do not sign"));
    }
    if failed > 0 {
        return Err(verification(format!("{failed} identity check(s) failed: do not sign")));
    }
    let report = out.firewall.as_ref().expect("set above");
    if !report.verdict.is_ok() {
        return Err(firewall::refusal(report, "signed or sent"));
    }
    Ok(())
}

/// A title a batch file gives itself (`meta.name`, `meta.description`): covered by no hash.
fn value_title(text: &str) -> Option<String> {
    let value: serde_json::Value = serde_json::from_str(text).ok()?;
    let name = value.pointer("/meta/name").and_then(|v| v.as_str());
    let description = value.pointer("/meta/description").and_then(|v| v.as_str());
    match (name, description) {
        (Some(n), Some(d)) if !d.is_empty() => Some(format!("{n}: {d}")),
        (Some(n), _) => Some(n.to_string()),
        (None, Some(d)) => Some(d.to_string()),
        (None, None) => None,
    }
}

#[derive(serde::Deserialize)]
struct LooseBatch {
    transactions: Vec<LooseTx>,
}

#[derive(serde::Deserialize)]
struct LooseTx {
    to: Address,
    #[serde(default)]
    value: Option<String>,
    #[serde(default)]
    data: Option<alloy::primitives::Bytes>,
}

fn call_out(c: &ProposedCall, policy_contract: Option<Address>) -> CallOut {
    if c.to == SUBCALL_PRECOMPILE {
        if let Ok(input) = decode_subcall(&c.data) {
            let call = cbor::decode_call(&input.method, &input.body).ok();
            let app = match &call {
                Some(RoflCall::Update(u)) => Some(u.id),
                Some(RoflCall::Remove(r)) => Some(r.id),
                _ => None,
            };
            return CallOut::DirectSubcall { to: c.to, method: input.method, app, call };
        }
    } else if (Some(c.to) == policy_contract || decode_calldata(&c.data).is_ok())
        && let Ok(decoded) = decode_calldata(&c.data)
    {
        return CallOut::PolicyContract {
            to: c.to,
            value: c.value,
            changes: decoded.changes().into_iter().map(|p| p.change.clone()).collect(),
        };
    }
    CallOut::Unknown {
        to: c.to,
        value: c.value,
        reason: "not a policy contract call nor a ROFL subcall".into(),
    }
}

/// Whether a call is a direct `rofl.Update` without an admin.
fn drops_admin(c: &ProposedCall) -> bool {
    c.to == SUBCALL_PRECOMPILE
        && decode_subcall(&c.data)
            .ok()
            .and_then(|i| cbor::decode_call(&i.method, &i.body).ok())
            .is_some_and(|call| matches!(call, RoflCall::Update(u) if u.admin.is_none()))
}

/// One call shown without a current config: what it writes (the verdict comes from the
/// firewall, which cannot review without the current state).
fn offline_call(
    i: usize,
    call: &ProposedCall,
    policy_contract: Option<Address>,
    notes: &Notes,
    added: &mut Vec<EnclaveIdentity>,
) -> String {
    let mut human = String::new();
    match call_out(call, policy_contract) {
        CallOut::DirectSubcall { method, call: Some(decoded), .. } => {
            let body_len = decode_subcall(&call.data).map(|i| i.body.len()).unwrap_or_default();
            human.push_str(&format!(
                "\n#{i} DIRECT {} to the subcall precompile (today's flow: opaque CBOR, {body_len} bytes)\n",
                text::escape(&method)
            ));
            if let RoflCall::Update(update) = &decoded {
                let after = AppConfig {
                    id: update.id,
                    policy: update.policy.clone(),
                    admin: update.admin,
                    metadata: update.metadata.clone(),
                    secrets: update.secrets.clone(),
                };
                human.push_str(&indent(&render::config(&after, None, notes)));
                added.extend(after.policy.enclaves.iter().copied());
            }
            for w in roflgov_core::review::update_footguns(&decoded) {
                human.push_str(&format!("  !!! WARNING: {w}\n"));
            }
        }
        CallOut::DirectSubcall { method, .. } => {
            human.push_str(&format!(
                "\n#{i} DIRECT {} with a body that does not decode strictly\n",
                text::escape(&method)
            ));
        }
        CallOut::PolicyContract { to, .. } => match decode_calldata(&call.data) {
            Ok(decoded) => {
                human.push_str(&format!("\n#{i} policy contract {to}\n"));
                human.push_str(&indent(&decoded.to_string()));
                for c in decoded.changes() {
                    match &c.change {
                        PolicyChange::AddEnclave(id) => added.push(*id),
                        PolicyChange::AddRelease { identities, .. } => {
                            added.extend(identities.iter().copied())
                        }
                        PolicyChange::CreateApp { policy, .. } | PolicyChange::AdoptApp { policy, .. } => {
                            added.extend(policy.enclaves.iter().copied())
                        }
                        _ => {}
                    }
                }
            }
            Err(e) => human.push_str(&format!("\n#{i} policy contract {to}: does not decode: {e}\n")),
        },
        CallOut::Unknown { to, .. } => {
            human.push_str(&format!("\n#{i} UNKNOWN call to {to} ({} bytes)\n", call.data.len()));
        }
    }
    human
}

fn indent(text: &str) -> String {
    text.lines().map(|l| format!("  {l}\n")).collect()
}
