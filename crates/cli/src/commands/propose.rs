//! `roflgov propose`: a release from rofl.yaml as a change set against the on-chain config,
//! opened as a Safe transaction, a Transaction Builder batch or a Governor proposal.

use std::path::PathBuf;

use alloy::primitives::{Address, B256, Bytes, U256};
use clap::Args;
use roflgov_chain::{
    governor::{
        DescriptionBuilder, GovernorClient, PROPOSER_MARKER, Proposal, ProposalCall, proposer_suffix,
    },
    rofl::{
        PolicyChange, ReleaseOptions, ReleaseRecord, ReleaseTarget, changes_to_calldata, plan_release_with,
    },
    safe::{
        SafeCall, SafeProposal, SafeTx,
        tx_builder::{BatchFile, ExportOptions},
    },
};
use roflgov_types::{
    AppId,
    manifest::{DeploymentConfig, Manifest},
};
use serde::Serialize;

use super::{identity::open_bundle, verify_quote::parse_app_id};
use crate::{
    chainops,
    context::GlobalArgs,
    exit::{CliResult, chain, input, usage, verification},
    output::{emit, progress},
    render::{self, Notes},
    safeops::{self, ProposalFile, ProposalMeta},
};

/// Where a proposal goes.
#[derive(Args, Debug, Clone)]
#[command(group(clap::ArgGroup::new("destination").required(true).multiple(true).args(["safe_out", "tx_builder_out", "governor", "send"])))]
pub(crate) struct ProposalOutput {
    /// Write a Safe proposal file (the SafeTx, its hash, and the signatures collected so far)
    /// for `roflgov review --safe-tx` and `roflgov safe sign|approve|execute`. Needs the Safe
    /// (--safe-address or roflgov.toml); no key.
    #[arg(long, value_name = "FILE")]
    pub safe_out: Option<PathBuf>,
    /// Write a Safe Transaction Builder batch (the JSON Safe{Wallet} loads, with readable
    /// inputs and a checksum). Needs the Safe; no key.
    #[arg(long, value_name = "FILE")]
    pub tx_builder_out: Option<PathBuf>,
    /// Submit a Governor proposal from your key (--key-env/--keystore), which needs voting power
    /// above the proposal threshold. Prints the proposal id.
    #[arg(long, conflicts_with_all = ["safe_out", "tx_builder_out", "send"])]
    pub governor: bool,
    /// Send directly from your key, which must own the policy contract (local testing).
    #[arg(long, conflicts_with_all = ["safe_out", "tx_builder_out", "governor"])]
    pub send: bool,
    /// Safe nonce of the transaction [default: the Safe's next nonce]. Use the next one to
    /// queue behind another pending proposal.
    #[arg(long, value_name = "N")]
    pub safe_nonce: Option<u64>,
    /// Title / release notes: the Safe file's and batch's description, or the Governor
    /// proposal's description (the `#proposer=<your address>` front-running guard is appended).
    #[arg(long)]
    pub description: Option<String>,
}

/// One call on the policy contract to open as a proposal.
pub(crate) struct Intent {
    pub app: Option<AppId>,
    pub to: Address,
    pub value: U256,
    pub data: Bytes,
    /// One line saying what it does (Safe file and batch name, Governor proposal title).
    pub title: String,
}

/// What was opened.
#[derive(Serialize, Default, Debug)]
pub(crate) struct Opened {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sent: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub safe: Option<Address>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub safe_tx_file: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub safe_tx_hash: Option<B256>,
    /// A decimal string, as `nonce` in `review` and `safe status`.
    #[serde(skip_serializing_if = "Option::is_none", serialize_with = "crate::output::decimal_string")]
    pub safe_nonce: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tx_builder_file: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub governor: Option<Address>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub proposal_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(skip)]
    pub receipt: Option<alloy::rpc::types::TransactionReceipt>,
}

impl Opened {
    /// Human lines describing where the proposal went.
    pub(crate) fn render(&self) -> String {
        let mut t = crate::output::Table::new();
        if let Some(tx) = &self.sent {
            t.row("sent in", tx);
        }
        if let Some(safe) = &self.safe {
            t.row("Safe", safe);
        }
        if let Some(f) = &self.safe_tx_file {
            t.row("Safe proposal", f);
        }
        if let Some(n) = &self.safe_nonce {
            t.row("Safe nonce", n);
        }
        if let Some(h) = &self.safe_tx_hash {
            t.row("SafeTx hash", format!("{h}  (your wallet must show this hash)"));
        }
        if let Some(f) = &self.tx_builder_file {
            t.row("Tx Builder batch", format!("{f}  (load it in Safe{{Wallet}} → Transaction Builder)"));
        }
        if let Some(g) = &self.governor {
            t.row("Governor", g);
        }
        if let Some(id) = &self.proposal_id {
            t.row("proposal id", id);
        }
        let mut out = t.render();
        if self.safe_tx_file.is_some() {
            out.push_str("next: each signer runs `roflgov review --safe-tx FILE`, then `roflgov safe sign --safe-tx FILE`; anyone then runs `roflgov safe execute --safe-tx FILE`\n");
        }
        if self.proposal_id.is_some() {
            out.push_str(
                "next: `roflgov review --proposal ID`, `roflgov dao vote`, `dao queue`, `dao execute`\n",
            );
        }
        out
    }
}

/// Opens `intent` where `out` says: sent directly, written as a Safe proposal file and/or a
/// Transaction Builder batch, or submitted to the Governor. Nothing is written or sent when a
/// check fails (wrong chain, used nonce, competing proposal, a call that would revert).
pub(crate) async fn open(g: &GlobalArgs, out: &ProposalOutput, intent: &Intent) -> CliResult<Opened> {
    let mut opened = Opened { description: out.description.clone(), ..Default::default() };
    if out.send {
        let (_, provider, signer) = g.signing_provider().await?;
        let client = roflgov_chain::rofl::RoflAdminClient::new(intent.to, provider);
        progress("sending to the policy contract and waiting for the receipt");
        let receipt =
            client.send(signer.address(), intent.data.clone(), intent.value).await.map_err(|e| {
                crate::exit::maybe_sent(
                    chainops::rofl_error("sending", e),
                    "check the app's version with `roflgov app show` and your account's nonce",
                )
            })?;
        opened.sent = Some(receipt.transaction_hash.to_string());
        opened.receipt = Some(receipt);
        return Ok(opened);
    }
    if out.governor {
        let (network, provider, signer) = g.signing_provider().await?;
        let governor = network.governor.ok_or_else(|| usage(
            "no Governor for this network: pass --governor-address or set governor in roflgov.toml (`roflgov deploy --dao --save` writes it)",
        ))?;
        let description = governor_description(out.description.as_deref(), &intent.title, signer.address())?;
        let proposal = Proposal::new(
            [ProposalCall { target: intent.to, value: intent.value, calldata: intent.data.clone() }],
            description.clone(),
        );
        let client = GovernorClient::new(provider, governor);
        progress(format!(
            "proposal id {} (computed locally; checked against the Governor's hashProposal)",
            proposal.id()
        ));
        progress("submitting the proposal and waiting for the receipt");
        let id = client.propose(&proposal, signer.address()).await.map_err(|e| {
            crate::exit::maybe_sent(
                crate::daoops::gov_error("proposing", e),
                "look for the proposal with `roflgov review --proposal` and check your account's nonce",
            )
        })?;
        opened.governor = Some(governor);
        opened.proposal_id = Some(id.to_string());
        opened.description = Some(description);
        return Ok(opened);
    }
    let (network, provider) = g.provider().await?;
    let safe = safeops::require_safe(&network)?;
    let client = safeops::client(&network, provider, safe).await?;
    let call = SafeCall::new(intent.to, intent.value, intent.data.clone());
    if let Some(path) = &out.safe_out {
        let state = client.state().await.map_err(|e| {
            safeops::safe_error(&format!("reading the Safe {safe} (is it a Safe v1.4.1?)"), e)
        })?;
        let nonce = out.safe_nonce.map(U256::from).unwrap_or(state.nonce);
        if nonce < state.nonce {
            return Err(verification(format!(
                "nonce {nonce} is already used: the Safe's next nonce is {}; nothing was written",
                state.nonce
            )));
        }
        let tx = SafeTx::call(call.clone(), nonce.to());
        let proposal = SafeProposal::new(client.chain_id(), safe, tx.clone());
        let onchain = client
            .onchain_transaction_hash(&tx)
            .await
            .map_err(|e| safeops::safe_error("reading getTransactionHash", e))?;
        if onchain != proposal.safe_tx_hash {
            return Err(chain(format!(
                "the Safe computes SafeTx hash {onchain}, roflgov {}: is {safe} a Safe v1.4.1? nothing was written",
                proposal.safe_tx_hash
            )));
        }
        safeops::ensure_no_competitor(path, &proposal)?;
        let sim = client
            .simulate(&tx)
            .await
            .map_err(|e| safeops::safe_error("simulating the Safe transaction", e))?;
        if !sim.success {
            let reason = sim.revert.map(|r| r.to_string()).unwrap_or_else(|| "no reason".into());
            return Err(verification(format!(
                "the Safe transaction would revert: {reason}; nothing was written"
            )));
        }
        let file = ProposalFile {
            proposal: proposal.clone(),
            roflgov: Some(ProposalMeta {
                title: intent.title.clone(),
                description: out.description.clone(),
                app: intent.app.map(|a| a.to_string()),
                policy_contract: intent.to,
            }),
        };
        safeops::save(path, &file)?;
        opened.safe = Some(safe);
        opened.safe_tx_file = Some(path.display().to_string());
        opened.safe_tx_hash = Some(proposal.safe_tx_hash);
        opened.safe_nonce = Some(nonce.to());
    }
    if let Some(path) = &out.tx_builder_out {
        let decoder = safeops::decoder(intent.to, client.deployment().multi_send_call_only)?;
        let options = ExportOptions {
            name: intent.title.clone(),
            description: out.description.clone(),
            ..Default::default()
        };
        let batch = BatchFile::export(client.chain_id(), safe, &[call], &decoder, &options)
            .map_err(|e| safeops::safe_error("exporting the batch", e.into()))?;
        crate::fsutil::write_atomic(path, batch.to_json_pretty().as_bytes())?;
        opened.safe = Some(safe);
        opened.tx_builder_file = Some(path.display().to_string());
    }
    Ok(opened)
}

/// A Governor description: the given text (or the title), ending with the `#proposer=` guard
/// for `proposer` (a description that already ends with a guard must name `proposer`).
fn governor_description(text: Option<&str>, title: &str, proposer: Address) -> CliResult<String> {
    let body = match text {
        Some(t) if !t.trim().is_empty() => t.trim_end().to_owned(),
        _ => DescriptionBuilder::new(title).build_unguarded().trim_end().to_owned(),
    };
    match proposer_suffix(&body) {
        Some(who) if who == proposer => Ok(body),
        Some(who) => Err(usage(format!(
            "the description ends with #proposer={who}, but you ({proposer}) are proposing"
        ))),
        None => Ok(format!("{body}\n\n{PROPOSER_MARKER}{}", proposer.to_checksum(None))),
    }
}

#[derive(Args, Debug)]
pub(crate) struct ProposeArgs {
    /// rofl.yaml with the release (after `oasis rofl build` updated its enclaves).
    #[arg(long, value_name = "FILE")]
    pub manifest: PathBuf,
    /// Deployment of the rofl.yaml (e.g. mainnet).
    #[arg(long, value_name = "NAME")]
    pub deployment: String,
    /// ORC bundle of the release: every identity the release adds must be one of its
    /// identities.
    #[arg(long, value_name = "FILE.orc")]
    pub bundle: Option<PathBuf>,
    /// App id (rofl1…) [default: the deployment's app_id].
    #[arg(long, value_name = "APP_ID")]
    pub app: Option<String>,
    /// Only change the policy; keep the on-chain metadata and secrets as they are.
    #[arg(long)]
    pub policy_only: bool,
    /// Emit the identity changes as one `addRelease` carrying an on-chain release record
    /// (provenance) with this app version [default: rofl.yaml `version`]. Any of the release
    /// flags turns this on; it needs --commit and --bundle (its sha256 is recorded, with the
    /// rofl.yaml's).
    #[arg(long, value_name = "VERSION")]
    pub release_version: Option<String>,
    /// Source repository URL of the release [default: rofl.yaml `repository`].
    #[arg(long, value_name = "URL")]
    pub repository: Option<String>,
    /// Git commit the bundle was built from: the full 40 hex digits of `git rev-parse HEAD`.
    #[arg(long, value_name = "SHA")]
    pub commit: Option<String>,
    /// Release notes for reviewers (changelog, audit link), at most 1024 bytes.
    #[arg(long, value_name = "FILE")]
    pub notes_file: Option<PathBuf>,
    /// Keep the identities the release drops allowed for N more days (counted from now, so it
    /// must outlast the approval: vote and timelock); after that anyone may `app prune` them.
    /// Without it they go when the proposal executes.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..=365))]
    pub grace_days: Option<u64>,
    /// Lift a guardian freeze in the same batch: `unfreeze` goes first in the release's
    /// multicall, so the fixed release is allowed at once (one proposal, one review). Refused
    /// when the app is not frozen; a frozen app's release is refused without it.
    #[arg(long)]
    pub unfreeze: bool,
    /// Also set the app's guardian (an address) or remove it (`none`) in the same batch,
    /// after the release: reviewers pass --expect-guardian ADDR.
    #[arg(long, value_name = "ADDRESS|none", value_parser = super::owner::parse_guardian)]
    pub set_guardian: Option<super::owner::GuardianArg>,
    #[command(flatten)]
    pub out: ProposalOutput,
}

/// A rofl.yaml deployment, read with errors that name the file and path.
pub(crate) fn load_deployment(path: &std::path::Path, name: &str) -> CliResult<DeploymentConfig> {
    let manifest = Manifest::from_path(path).map_err(input)?;
    manifest.deployment(name).map_err(input)
}

/// Release notes of the identities a deployment lists.
pub(crate) fn notes_of(dep: &DeploymentConfig) -> Notes {
    dep.enclaves
        .iter()
        .filter_map(|e| {
            let note = match (&e.version, &e.description) {
                (Some(v), Some(d)) => format!("{v}: {d}"),
                (Some(v), None) => v.clone(),
                (None, Some(d)) => d.clone(),
                (None, None) => return None,
            };
            Some((e.identity, note))
        })
        .collect()
}

#[derive(Serialize)]
struct Planned<'a> {
    app: AppId,
    version: u64,
    changes: &'a [PolicyChange],
    #[serde(flatten)]
    opened: &'a Opened,
}

pub(crate) async fn run(g: &GlobalArgs, args: ProposeArgs) -> CliResult {
    let dep = load_deployment(&args.manifest, &args.deployment)?;
    let app = match (&args.app, dep.app_id) {
        (Some(text), _) => parse_app_id(text)?,
        (None, Some(id)) => id,
        (None, None) => {
            return Err(usage(format!(
                "{}: deployment {} has no app_id: pass --app",
                args.manifest.display(),
                args.deployment
            )));
        }
    };
    let target = if args.policy_only {
        ReleaseTarget::policy_only(dep.policy.clone())
    } else {
        ReleaseTarget::from_deployment(&dep)
    };
    let (_, client) = chainops::client(g).await?;
    let context = format!("reading app {app} from policy contract {}", client.address());
    let current = client.get_app(app).await.map_err(|e| chainops::rofl_error(&context, e))?;
    let release = release_options(&args, &client).await?;
    let mut changes = plan_release_with(&current.config, &target, release.as_ref())
        .map_err(|e| input(format!("{}: {e}", args.manifest.display())))?;
    if changes.is_empty() && args.set_guardian.is_none() {
        return Err(usage(format!(
            "app {app} already matches deployment {}: nothing to propose",
            args.deployment
        )));
    }
    let frozen = client.is_frozen(app).await.map_err(|e| chainops::rofl_error(&context, e))?;
    match (frozen, args.unfreeze) {
        (true, false) => {
            return Err(verification(format!(
                "app {app} is frozen (its guardian removed every identity): a release must lift the freeze in the same batch; pass --unfreeze; nothing was proposed"
            )));
        }
        (false, true) => {
            return Err(usage(format!("app {app} is not frozen: drop --unfreeze")));
        }
        (true, true) => changes.insert(0, PolicyChange::Unfreeze),
        (false, false) => {}
    }
    if let Some(guardian) = args.set_guardian {
        changes.push(PolicyChange::SetGuardian { guardian: guardian.0.unwrap_or(Address::ZERO) });
    }
    super::owner::check_changes(&client, app, &current.config, &changes).await?;
    if let Some(bundle_path) = &args.bundle {
        let bundle = open_bundle(bundle_path)?;
        let known: Vec<_> = bundle.identities().into_iter().map(|c| c.identity).collect();
        let added = changes.iter().flat_map(|c| match c {
            PolicyChange::AddEnclave(id) => vec![*id],
            PolicyChange::AddRelease { identities, .. } => identities.clone(),
            _ => Vec::new(),
        });
        for id in added {
            let id = &id;
            if !known.contains(id) {
                return Err(verification(format!(
                    "the release adds enclave {} which is not an identity of bundle {}; nothing was proposed",
                    roflgov_attest::identity_to_base64(id),
                    bundle_path.display()
                )));
            }
        }
    }
    let notes = notes_of(&dep);
    // One call: a single change, or a `multicall` of all of them (one rofl.Update), every part
    // carrying the version it was drafted against.
    let data = changes_to_calldata(app, current.version, &changes)
        .map_err(|e| input(format!("{}: {e}", args.manifest.display())))?;
    let value = changes.iter().map(PolicyChange::value).fold(U256::ZERO, |a, b| a + b);
    let mut title = format!("roflgov: release {}", release_label(&dep));
    if args.unfreeze {
        title.push_str(" with unfreeze");
    }
    if let Some(guardian) = args.set_guardian {
        match guardian.0 {
            Some(g) => title.push_str(&format!(", guardian {g}")),
            None => title.push_str(", guardian removed"),
        }
    }
    title.push_str(&format!(" for app {app} (version {})", current.version));
    let intent = Intent { app: Some(app), to: client.address(), value, data, title };
    let opened = open(g, &args.out, &intent).await?;
    let report = Planned { app, version: current.version, changes: &changes, opened: &opened };
    emit(g.json, &report, || {
        let mut out =
            format!("release for app {app} (drafted against on-chain version {})\n", current.version);
        for c in &changes {
            out.push_str(&format!("  {}\n", render::change(c, &notes)));
        }
        out.push_str(&opened.render());
        out
    });
    Ok(())
}

/// The release record and grace deadline when any release flag is given.
async fn release_options(
    args: &ProposeArgs,
    client: &roflgov_chain::rofl::RoflAdminClient<alloy::providers::DynProvider>,
) -> CliResult<Option<ReleaseOptions>> {
    let wanted = args.release_version.is_some()
        || args.repository.is_some()
        || args.commit.is_some()
        || args.notes_file.is_some()
        || args.grace_days.is_some();
    if !wanted {
        return Ok(None);
    }
    let manifest = Manifest::from_path(&args.manifest).map_err(input)?;
    let commit = args.commit.as_deref().ok_or_else(|| {
        usage("a release record needs --commit (the full `git rev-parse HEAD` of the build)")
    })?;
    let git_commit = ReleaseRecord::parse_commit(commit).map_err(usage)?;
    let bundle = args.bundle.as_deref().ok_or_else(|| {
        usage("a release record needs --bundle: the sha256 of the ORC bundle is recorded on chain")
    })?;
    let repository = args.repository.clone().or_else(|| manifest.repository.clone()).ok_or_else(|| {
        usage(format!("{} has no `repository`: pass --repository URL", args.manifest.display()))
    })?;
    let notes = match &args.notes_file {
        Some(path) => String::from_utf8(crate::fsutil::read_input(path)?)
            .map_err(|_| input(format!("{}: notes must be UTF-8 text", path.display())))?
            .trim_end()
            .to_owned(),
        None => String::new(),
    };
    let record = ReleaseRecord {
        version: args.release_version.clone().unwrap_or_else(|| manifest.version.clone()),
        repository,
        git_commit,
        bundle_hash: crate::fsutil::sha256_file(bundle)?,
        manifest_hash: crate::fsutil::sha256_file(&args.manifest)?,
        notes,
    };
    if let Some(field) = record.invalid_field() {
        return Err(usage(format!(
            "the release record's {field} is empty or too long (version ≤ 64, repository ≤ 256, notes ≤ 1024 bytes)"
        )));
    }
    let grace_until = match args.grace_days {
        Some(days) => {
            client.chain_time().await.map_err(|e| chainops::rofl_error("reading the chain time", e))?
                + days * 86_400
        }
        None => 0,
    };
    Ok(Some(ReleaseOptions { record, grace_until }))
}

/// The release's `version` of rofl.yaml enclaves, else the deployment name.
fn release_label(dep: &DeploymentConfig) -> String {
    dep.enclaves.iter().find_map(|e| e.version.clone()).unwrap_or_else(|| dep.name.clone())
}
