//! `roflgov review`: what a signer or voter runs before approving.
//!
//! Reads a roflgov Safe proposal file, a Safe Transaction Builder batch (from roflgov,
//! Safe{Wallet} or the Oasis CLI) or a Governor proposal, and runs the firewall on it
//! (`roflgov_core::firewall`): every call accounted for, every app touched diffed against its
//! current state, every finding, and a verdict (exit 0 when ok, 4 otherwise). Identity checks
//! say whether each new identity matches the given ORC bundle, rofl.yaml and quote.
//!
//! Every decision is made by the libraries: the source and its tamper rules by
//! `roflgov_client::review_source`, the verdict (identity checks and a dropped admin included)
//! by `roflgov_core::firewall::review_for_signer`. This command reads files, renders and exits.

use std::path::PathBuf;

use alloy::primitives::{Address, B256};
use clap::Args;
use roflgov_client::review_source::{self, BatchChecks, Header, ReviewSource};
use roflgov_core::{
    firewall::{ChainFacts, FirewallReport, Transaction, review_for_signer},
    review::{CallOut, IdentityCheck, IdentityEvidence, OfflineCall, ProposedCall, Review},
    text,
};
use serde::Serialize;

use crate::inputs::{QuoteInput, load_deployment, notes_of, open_bundle, verify};
use crate::{
    context::GlobalArgs,
    daoops,
    exit::CliResult,
    firewall::FirewallArgs,
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

impl Output {
    /// What the source says of itself.
    fn of(source: &ReviewSource) -> Self {
        Output {
            source: source.kind.as_str(),
            safe_tx_hash: source.safe_tx_hash,
            safe: source.safe,
            chain_id: source.chain_id,
            nonce: source.nonce.map(|n| n.to_string()),
            signed_by: source.signed_by.clone(),
            proposal_id: source.proposal_id.map(|id| id.to_string()),
            proposal_state: source.proposal_state.map(|s| s.to_string()),
            description: source.description.clone(),
            warnings: source.warnings.clone(),
            ..Default::default()
        }
    }
}

pub(crate) async fn run(g: &GlobalArgs, args: ReviewArgs) -> CliResult {
    let (notes, manifest_ids): (Notes, Option<Vec<roflgov_types::EnclaveIdentity>>) =
        match (&args.manifest, &args.deployment) {
            (Some(m), Some(d)) => {
                let dep = load_deployment(m, d)?;
                (notes_of(&dep), Some(dep.policy.enclaves.clone()))
            }
            _ => (Notes::new(), None),
        };
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

    let source = if let Some(path) = &args.safe_tx {
        let file = safeops::load(path)?;
        let meta = file.roflgov.as_ref();
        review_source::safe_proposal(
            &path.display().to_string(),
            &file.proposal,
            meta.map(|m| m.title.clone()),
            meta.and_then(|m| m.description.clone()),
            network.safe,
        )
    } else if let Some(path) = &args.tx_builder {
        let raw = read_input(path)?;
        review_source::tx_builder_batch(
            &path.display().to_string(),
            raw,
            network.safe,
            provider.as_ref(),
            rpc_chain,
            multi_send,
        )
        .await?
    } else {
        let text_id = args.proposal.as_deref().expect("clap requires one source");
        let id = daoops::parse_id(text_id)?;
        let (network, provider) = g.provider().await?;
        let client = daoops::client(&network, provider.clone())?;
        review_source::governor_proposal(&client, id, network.from_block.unwrap_or(0), rpc_chain).await?
    };
    let header = header_table(&source.header);
    let mut out = Output::of(&source);
    let transaction = &source.transaction;

    let calls: Vec<ProposedCall> = match transaction {
        Transaction::Safe { tx, .. } => safeops::proposed_calls(tx, multi_send),
        Transaction::Calls { calls, .. } => calls.clone(),
    };
    if source.executed {
        // History: there is nothing to sign or vote, and nothing to refuse.
        out.calls = calls.iter().map(CallOut::read).collect();
        out.verdict = "executed".into();
        let human = format!(
            "{}\nexecuted: this proposal ran already; there is nothing to sign or vote (what it changed: `roflgov app history`)\n",
            header.render()
        );
        emit(g.json, &out, || human);
        return Ok(());
    }

    // What the reviewer holds to vouch for identities: the manifest's, the bundle's, the quote's.
    let evidence = IdentityEvidence {
        manifest: manifest_ids,
        bundle: match &args.bundle {
            Some(p) => Some((
                p.display().to_string(),
                open_bundle(p)?.identities().into_iter().map(|c| c.identity).collect(),
            )),
            None => None,
        },
        quote: match (&args.quote, &args.collateral) {
            (Some(q), Some(c)) => Some((
                q.display().to_string(),
                verify(&QuoteInput { quote: q.clone(), collateral: c.clone(), now: args.now })?.identity,
            )),
            _ => None,
        },
    };
    let mut expectations = args.expect.expectations(None);
    expectations.bundle_hash = args.bundle.as_deref().map(crate::fsutil::sha256_file).transpose()?;
    // What a machine Deploy must pin: oasis-core's manifest hash of the bundle.
    expectations.bundle_manifest_hash = match &args.bundle {
        Some(p) => Some(open_bundle(p)?.manifest_hash().map_err(|e| e.to_string())),
        None => None,
    };
    expectations.manifest_hash = args.manifest.as_deref().map(crate::fsutil::sha256_file).transpose()?;

    let facts = match &provider {
        Some(provider) => {
            roflgov_client::firewall::gather_facts_with(
                provider,
                policy_contract,
                transaction,
                network.grpc.as_deref(),
            )
            .await
        }
        None => ChainFacts::default(),
    };
    let review = review_for_signer(transaction, &calls, &facts, &expectations, &evidence);

    let mut human = String::new();
    human.push_str(&review.firewall.to_string());
    human.push('\n');
    human.push_str(&header.render());
    if review.firewall.apps.is_empty() {
        // Nothing to diff against: show what each call writes.
        human.push_str("\n(no current config to diff against: showing what each call writes)\n");
        for (i, call) in review.offline.iter().enumerate() {
            human.push_str(&offline_call(i, call, &notes));
        }
    }
    if !review.identity_checks.is_empty() {
        human.push_str("\nIdentity checks\n");
        for c in &review.identity_checks {
            human.push_str(&format!(
                "  {} {}  {}\n",
                if c.ok { "✓" } else { "✗" },
                c.identity,
                text::escape(&c.source)
            ));
        }
    }
    out.calls = review.calls.clone();
    out.identity_checks = review.identity_checks.clone();
    out.warnings.extend(review.firewall.findings.iter().map(|w| w.message.clone()));
    out.verdict = review.verdict.to_string();
    out.review = review.firewall.apps.first().cloned();
    out.firewall = Some(review.firewall.clone());
    emit(g.json, &out, || human);
    match review.refusal("signed or sent") {
        Some(refusal) => Err(refusal.into()),
        None => Ok(()),
    }
}

/// The facts a source states about itself, as rows above the review.
fn header_table(header: &Header) -> Table {
    let mut t = Table::new();
    match header {
        Header::SafeProposal { file } => {
            t.row("Safe transaction", file);
        }
        Header::Batch { file, checks, safe_build } => {
            t.row("Transaction Builder batch", file);
            t.row(
                "checks",
                match checks {
                    BatchChecks::Checked { safe, chain } => format!(
                        "checksum ✓, readable inputs match the calldata ✓, Safe {safe} ✓, chain {chain} ✓"
                    ),
                    BatchChecks::NoChecksum => "no meta.checksum (as `oasis rofl update --format safe` writes): reviewed in full, nothing more".into(),
                },
            );
            if let Some(build) = safe_build {
                t.row(
                    "Safe{Wallet} builds",
                    match build.safe_nonce {
                        Some(n) => format!("SafeTx hash {} at the Safe's nonce {n}", build.safe_tx_hash),
                        None => "(the Safe's nonce is unknown: no hash to compare)".to_string(),
                    },
                );
            }
        }
        Header::Governor { id, governor, proposer, state, votes, vote_start, vote_end, eta } => {
            t.row("Governor proposal", format!("{id}"))
                .row("Governor", governor)
                .row("proposer", proposer)
                .row("state", state)
                .row(
                    "votes",
                    format!("for {}, against {}, abstain {}", votes.for_votes, votes.against, votes.abstain),
                )
                .row(
                    "vote window",
                    format!(
                        "{} → {}",
                        roflgov_core::rofl::format_utc(*vote_start),
                        roflgov_core::rofl::format_utc(*vote_end)
                    ),
                );
            if let Some(eta) = eta {
                t.row("executable at", roflgov_core::rofl::format_utc(*eta));
            }
        }
    }
    t
}

/// One call shown without a current config: what it writes (the verdict comes from the
/// firewall, which cannot review without the current state).
fn offline_call(i: usize, call: &OfflineCall, notes: &Notes) -> String {
    let mut human = String::new();
    match call {
        OfflineCall::Direct { method, body_len, writes, footguns } => {
            human.push_str(&format!(
                "\n#{i} DIRECT {} to the subcall precompile (today's flow: opaque CBOR, {body_len} bytes)\n",
                text::escape(method)
            ));
            if let Some(after) = writes {
                human.push_str(&indent(&render::config(after, None, notes)));
            }
            for w in footguns {
                human.push_str(&format!("  !!! WARNING: {w}\n"));
            }
        }
        OfflineCall::Undecodable { method } => {
            human.push_str(&format!(
                "\n#{i} DIRECT {} with a body that does not decode strictly\n",
                text::escape(method)
            ));
        }
        OfflineCall::PolicyContract { to, decoded: Ok(decoded) } => {
            human.push_str(&format!("\n#{i} policy contract {to}\n"));
            human.push_str(&indent(&decoded.to_string()));
        }
        OfflineCall::PolicyContract { to, decoded: Err(e) } => {
            human.push_str(&format!("\n#{i} policy contract {to}: does not decode: {e}\n"));
        }
        OfflineCall::Unknown { to, data_len } => {
            human.push_str(&format!("\n#{i} UNKNOWN call to {to} ({data_len} bytes)\n"));
        }
    }
    human
}

fn indent(text: &str) -> String {
    text.lines().map(|l| format!("  {l}\n")).collect()
}
