//! `roflgov review`: what a signer or voter runs before approving.
//!
//! Reads a roflgov Safe proposal file, a Safe Transaction Builder batch (checked against its
//! checksum and readable inputs) or a Governor proposal (from the Governor's events), and
//! reviews its calls with the shared review of roflgov-chain (`Reviewer`): calls on the policy
//! contract are decoded into changes, applied to the app's current config and diffed; direct
//! calls to the subcall precompile (today's flow, an opaque `rofl.Update` body) are decoded and
//! diffed the same way, with loud warnings when they would drop the admin or wipe metadata or
//! secrets. The same diff serves Safe transactions and Governor proposals. Identity verdicts say
//! whether each new identity matches the given ORC bundle, rofl.yaml and quote.

use std::path::PathBuf;

use alloy::primitives::{Address, B256, U256};
use clap::Args;
use roflgov_attest::identity_to_base64;
use roflgov_chain::{
    SUBCALL_PRECOMPILE,
    review::{EnclaveNotes, ProposedCall, Review, Reviewer},
    rofl::{PolicyChange, RoflAdminClient, RoflStandIn, decode_calldata, subcall::decode_subcall},
    safe::tx_builder::BatchFile,
};
use roflgov_types::{AppConfig, AppId, EnclaveIdentity, RoflCall, cbor};
use serde::Serialize;

use super::{
    cbor::update_footguns,
    identity::{QuoteInput, open_bundle, verify},
    propose::{load_deployment, notes_of},
};
use crate::{
    context::GlobalArgs,
    daoops,
    exit::{CliResult, input, verification},
    fsutil::read_input,
    output::{Table, emit, warn},
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
    /// A Safe Transaction Builder batch (JSON), from roflgov or made in Safe{Wallet}. Its
    /// checksum and readable inputs are checked (a tampered file is refused, exit 4) when the
    /// Safe is known (--safe-address, roflgov.toml, or the batch's createdFromSafeAddress).
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
    /// the proposal adds must carry its sha256 (a mismatch is critical: do not sign).
    #[arg(long, value_name = "FILE.orc")]
    pub bundle: Option<PathBuf>,
    /// A guardian you expect the proposal to set (repeatable); any other is a caution.
    #[arg(long, value_name = "ADDRESS")]
    pub expect_guardian: Vec<Address>,
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
    /// The shared review: diff against the current config, stale check, warnings.
    #[serde(skip_serializing_if = "Option::is_none")]
    review: Option<Review>,
    identity_checks: Vec<IdentityCheck>,
    /// Every warning, in words.
    warnings: Vec<String>,
    /// `ok` or `do_not_sign`.
    verdict: &'static str,
}

#[allow(clippy::large_enum_variant, reason = "a short-lived output value, serialized once")]
#[derive(Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
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
    let (notes, enclave_notes, manifest_ids): (Notes, EnclaveNotes, Option<Vec<EnclaveIdentity>>) =
        match (&args.manifest, &args.deployment) {
            (Some(m), Some(d)) => {
                let dep = load_deployment(m, d)?;
                (notes_of(&dep), EnclaveNotes::from_deployment(&dep), Some(dep.policy.enclaves.clone()))
            }
            _ => (Notes::new(), EnclaveNotes::new(), None),
        };
    let mut out = Output::default();
    let mut header = Table::new();
    let calls: Vec<ProposedCall>;

    if let Some(path) = &args.safe_tx {
        let file = safeops::load(path)?;
        let p = &file.proposal;
        let network = g.network()?;
        let multi_send = safeops::deployment(&network).map(|d| d.multi_send_call_only).unwrap_or_default();
        calls = safeops::proposed_calls(&p.tx, multi_send);
        out.source = "safe_tx";
        out.safe_tx_hash = Some(p.safe_tx_hash);
        out.safe = Some(p.safe);
        out.chain_id = Some(p.chain_id);
        out.nonce = Some(p.tx.nonce.to_string());
        out.description = file.roflgov.as_ref().and_then(|m| m.description.clone());
        let signers: Vec<Address> = p
            .signatures
            .iter()
            .filter_map(|s| {
                roflgov_chain::safe::SafeSignature::from_packed(s).ok()?.signer(p.safe_tx_hash).ok()
            })
            .collect();
        header
            .row("Safe transaction", path.display())
            .row("SafeTx hash", format!("{}  (your wallet must show this hash)", p.safe_tx_hash))
            .row("Safe", format!("{} on chain {}", p.safe, p.chain_id))
            .row("nonce", p.tx.nonce)
            .row("operation", format!("{} to {}", p.tx.operation, p.tx.to))
            .row("signed by", safeops::signer_list(&signers));
        if let Some(meta) = &file.roflgov {
            header.row("title", &meta.title);
        }
        if let Some(network_safe) = network.safe
            && network_safe != p.safe
        {
            out.warnings
                .push(format!("the file is for Safe {}, this network's Safe is {network_safe}", p.safe));
        }
        out.signed_by = Some(signers);
    } else if let Some(path) = &args.tx_builder {
        let name = path.display().to_string();
        let raw = read_input(path)?;
        let text = String::from_utf8(raw).map_err(|_| input(format!("{name}: not UTF-8 JSON")))?;
        let value: serde_json::Value = serde_json::from_str(&text)
            .map_err(|e| input(format!("{name}: not a Transaction Builder batch: {e}")))?;
        let network = g.network()?;
        let stated_safe = value
            .pointer("/meta/createdFromSafeAddress")
            .and_then(|v| v.as_str())
            .and_then(|s| s.parse::<Address>().ok());
        let has_checksum =
            value.pointer("/meta/checksum").and_then(|v| v.as_str()).is_some_and(|s| !s.is_empty());
        let chain_id: u64 = match g.provider().await {
            Ok((_, provider)) => {
                alloy::providers::Provider::get_chain_id(&provider).await.unwrap_or_default()
            }
            Err(_) => 0,
        };
        let file_chain = value
            .get("chainId")
            .and_then(|v| v.as_str())
            .and_then(|s| s.parse::<u64>().ok())
            .unwrap_or_default();
        out.source = "tx_builder";
        header.row("Transaction Builder batch", &name);
        match (network.safe.or(stated_safe), has_checksum) {
            (Some(safe), true) => {
                let chain = if chain_id != 0 { chain_id } else { file_chain };
                let checked = BatchFile::import_checked(&text, chain, safe)
                    .map_err(|e| verification(format!("{name}: {e}; do not sign")))?;
                header.row(
                    "checks",
                    format!(
                        "checksum ✓, readable inputs match the calldata ✓, Safe {safe} ✓, chain {chain} ✓"
                    ),
                );
                if chain_id == 0 {
                    out.warnings.push(format!("the chain was not reachable: the batch's chain id {file_chain} was not checked against it"));
                }
                calls =
                    checked.calls.into_iter().map(|c| ProposedCall::call(c.to, c.value, c.data)).collect();
                out.safe = Some(safe);
                out.chain_id = Some(chain);
            }
            (safe, has_checksum) => {
                if network.safe.is_some() || safe.is_some() {
                    return Err(verification(format!(
                        "{name}: the batch has no meta.checksum, so edits cannot be detected; do not sign"
                    )));
                }
                let why = if has_checksum {
                    "no Safe address is known (give --safe-address)"
                } else {
                    "the batch has no meta.checksum"
                };
                out.warnings.push(format!("the batch was not checked for edits: {why}"));
                let batch: LooseBatch = serde_json::from_value(value)
                    .map_err(|e| input(format!("{name}: not a Transaction Builder batch: {e}")))?;
                calls = batch
                    .transactions
                    .into_iter()
                    .map(|t| {
                        ProposedCall::call(
                            t.to,
                            t.value.and_then(|v| v.parse().ok()).unwrap_or_default(),
                            t.data.unwrap_or_default(),
                        )
                    })
                    .collect();
                out.chain_id = Some(file_chain);
            }
        }
    } else {
        let text = args.proposal.as_deref().expect("clap requires one source");
        let id = daoops::parse_id(text)?;
        let (network, provider) = g.provider().await?;
        let client = daoops::client(&network, provider.clone())?;
        let p = daoops::proposal(&network, &client, id).await?;
        calls = p.proposal.calls().map(|c| ProposedCall::call(c.target, c.value, c.calldata)).collect();
        out.source = "governor_proposal";
        out.proposal_id = Some(id.to_string());
        out.proposal_state = Some(p.state.to_string());
        out.description = Some(p.proposal.description.clone());
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
            .row("vote window", format!("{} → {} (chain time)", p.vote_start, p.vote_end));
        if let Some(eta) = p.eta {
            header.row("executable at", format!("{eta} (chain time)"));
        }
        if let Some(line) = p.proposal.description.lines().find(|l| !l.trim().is_empty()) {
            header.row("title", line.trim_start_matches('#').trim());
        }
    }

    let mut human = header.render();
    let policy_contract = g.network()?.policy_contract;
    out.calls = calls.iter().map(|c| call_out(c, policy_contract)).collect();

    // The app the proposal changes, and its current config.
    let mut added: Vec<EnclaveIdentity> = Vec::new();
    let app = app_of(&calls, policy_contract);
    let current = match app {
        Some(app) => current_config(g, app, policy_contract).await,
        None => None,
    };
    let bundle_hash = args.bundle.as_deref().map(crate::fsutil::sha256_file).transpose()?;
    let manifest_hash = args.manifest.as_deref().map(crate::fsutil::sha256_file).transpose()?;
    match (current, app) {
        (Some((config, version)), Some(app)) => {
            let mut reviewer = Reviewer::new(&config)
                .notes(&enclave_notes)
                .expect_guardians(args.expect_guardian.iter().copied());
            if let (Some(pc), Some(v)) = (policy_contract, version) {
                reviewer = reviewer.policy_contract(pc, v);
                if let Ok((_, provider)) = g.provider().await {
                    let client = RoflAdminClient::new(pc, provider.clone());
                    if let Ok(state) = client.release_state(app, &[]).await {
                        reviewer = reviewer.release_state(state);
                    }
                    if let Ok(now) = client.chain_time().await {
                        reviewer = reviewer.now(now);
                    }
                    for guardian in guardians_set(&calls, pc) {
                        if let Ok(code) = alloy::providers::Provider::get_code_at(&provider, guardian).await {
                            reviewer = reviewer.account_code(guardian, !code.is_empty());
                        }
                    }
                }
            }
            if let Some(hash) = bundle_hash {
                reviewer = reviewer.bundle_hash(hash);
            }
            if let Some(hash) = manifest_hash {
                reviewer = reviewer.manifest_hash(hash);
            }
            let review = reviewer.review(&calls);
            human.push('\n');
            human.push_str(&review.to_string());
            added.extend(review.diff.enclaves_added.iter().map(|l| l.identity));
            out.warnings.extend(review.warnings.iter().map(|w| w.message.clone()));
            out.review = Some(review);
        }
        (_, _) => {
            // No current config to diff against (offline, or a proposal that creates an app):
            // show each call and the config it writes.
            human.push_str("\n(no existing app config to diff against (a new app, or none reachable): showing what each call writes)\n");
            for (i, call) in calls.iter().enumerate() {
                human.push_str(&offline_call(
                    i,
                    call,
                    policy_contract,
                    &notes,
                    &mut added,
                    &mut out.warnings,
                )?);
            }
        }
    }

    // Identity verdicts.
    let bundle_ids = match &args.bundle {
        Some(p) => Some((
            p.display().to_string(),
            open_bundle(p)?.identities().into_iter().map(|c| c.identity).collect::<Vec<_>>(),
        )),
        None => None,
    };
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
    if let (Some(q), Some(c)) = (&args.quote, &args.collateral) {
        let vq = verify(&QuoteInput { quote: q.clone(), collateral: c.clone(), now: args.now })?;
        out.identity_checks.push(IdentityCheck {
            identity: identity_to_base64(&vq.identity),
            source: format!("quote {}", q.display()),
            ok: added.contains(&vq.identity),
        });
    }
    if !out.identity_checks.is_empty() {
        human.push_str("\nIdentity checks\n");
        for c in &out.identity_checks {
            human.push_str(&format!("  {} {}  {}\n", if c.ok { "✓" } else { "✗" }, c.identity, c.source));
        }
    }
    let failed = out.identity_checks.iter().filter(|c| !c.ok).count();
    let critical = out.review.as_ref().is_some_and(Review::has_critical);
    let drops_admin = calls.iter().any(drops_admin);
    out.verdict = if failed > 0 || critical || drops_admin { "do_not_sign" } else { "ok" };
    emit(g.json, &out, || human);
    if drops_admin {
        return Err(verification("this proposal would drop the app's admin, irreversibly: do not sign"));
    }
    if critical {
        return Err(verification(
            "the review raised critical warnings (see above): do not sign unless each is intended",
        ));
    }
    if failed > 0 {
        return Err(verification(format!("{failed} identity check(s) failed: do not sign")));
    }
    Ok(())
}

/// The guardians the calls to the policy contract `pc` set.
fn guardians_set(calls: &[ProposedCall], pc: Address) -> Vec<Address> {
    calls
        .iter()
        .filter(|c| c.to == pc)
        .filter_map(|c| decode_calldata(&c.data).ok())
        .flat_map(|d| {
            d.changes()
                .into_iter()
                .filter_map(|p| match p.change {
                    PolicyChange::SetGuardian { guardian } if !guardian.is_zero() => Some(guardian),
                    _ => None,
                })
                .collect::<Vec<_>>()
        })
        .collect()
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

/// The app the calls change: the first app named by a policy contract change or a subcall body.
fn app_of(calls: &[ProposedCall], policy_contract: Option<Address>) -> Option<AppId> {
    calls.iter().find_map(|c| match call_out(c, policy_contract) {
        CallOut::PolicyContract { .. } => {
            decode_calldata(&c.data).ok()?.changes().into_iter().find_map(|p| p.app)
        }
        CallOut::DirectSubcall { app, .. } => app,
        CallOut::Unknown { .. } => None,
    })
}

/// The app's current config: from the policy contract (with its version) when it manages the
/// app, else from the ROFL stand-in of a local chain; `None` when neither is reachable.
async fn current_config(
    g: &GlobalArgs,
    app: AppId,
    policy_contract: Option<Address>,
) -> Option<(AppConfig, Option<u64>)> {
    let (_, provider) = g.provider().await.ok()?;
    if let Some(pc) = policy_contract {
        let client = RoflAdminClient::new(pc, provider.clone());
        if client.is_managed(app).await.unwrap_or(false)
            && let Ok(managed) = client.get_app(app).await
        {
            return Some((managed.config, Some(managed.version)));
        }
    }
    let stand_in = RoflStandIn::new(provider);
    if !stand_in.app_exists(app).await.ok()? {
        return None;
    }
    stand_in.config(app).await.ok().map(|c| (c, None))
}

/// One call shown without a current config.
fn offline_call(
    i: usize,
    call: &ProposedCall,
    policy_contract: Option<Address>,
    notes: &Notes,
    added: &mut Vec<EnclaveIdentity>,
    warnings: &mut Vec<String>,
) -> CliResult<String> {
    let mut human = String::new();
    match call_out(call, policy_contract) {
        CallOut::DirectSubcall { method, call: Some(decoded), .. } => {
            let body_len = decode_subcall(&call.data).map(|i| i.body.len()).unwrap_or_default();
            human.push_str(&format!("\n#{i} DIRECT {method} to the subcall precompile (today's flow: opaque CBOR, {body_len} bytes)\n"));
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
            for w in update_footguns(&decoded) {
                human.push_str(&format!("  !!! WARNING: {w}\n"));
                warnings.push(w);
            }
        }
        CallOut::DirectSubcall { method, .. } => {
            return Err(input(format!("call #{i}: the {method} body does not decode strictly")));
        }
        CallOut::PolicyContract { to, .. } => {
            let decoded = decode_calldata(&call.data).map_err(|e| input(format!("call #{i}: {e}")))?;
            human.push_str(&format!("\n#{i} policy contract {to}\n"));
            human.push_str(&indent(&decoded.to_string()));
            for c in decoded.changes() {
                match &c.change {
                    PolicyChange::AddEnclave(id) => added.push(*id),
                    PolicyChange::AddRelease { identities, .. } => added.extend(identities.iter().copied()),
                    PolicyChange::CreateApp { policy, .. } | PolicyChange::AdoptApp { policy, .. } => {
                        added.extend(policy.enclaves.iter().copied())
                    }
                    _ => {}
                }
            }
            for o in decoded.owner_calls() {
                if let roflgov_chain::rofl::OwnerCall::TransferOwnership { new_owner } = o {
                    let w = format!(
                        "call #{i} proposes {new_owner} as the new owner of the policy contract, and so of every app it manages"
                    );
                    human.push_str(&format!("  !!! WARNING: {w}\n"));
                    warn(&w);
                    warnings.push(w);
                }
            }
        }
        CallOut::Unknown { to, reason, .. } => {
            let w = format!("call #{i} to {to} CANNOT BE REVIEWED: {reason}");
            human.push_str(&format!(
                "\n#{i} UNKNOWN call to {to} ({} bytes)\n  !!! WARNING: {w}\n",
                call.data.len()
            ));
            warnings.push(w);
        }
    }
    Ok(human)
}

fn indent(text: &str) -> String {
    text.lines().map(|l| format!("  {l}\n")).collect()
}
