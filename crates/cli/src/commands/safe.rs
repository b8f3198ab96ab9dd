//! `roflgov safe sign|approve|execute|propose|confirm|fetch`: the Safe side of a proposal file written by
//! `roflgov propose --safe-out` (or `app create|adopt --safe-out`).
//!
//! Every command has the libraries check, before signing or sending: the file's SafeTx hash is
//! its transaction's hash, the chain is the file's chain, the Safe is the configured one, the
//! nonce is not used, no other proposal file next to it competes for the same nonce, and the key
//! is an owner (`roflgov_safe::proposal_file` and `roflgov_safe::checks`: the rules and their
//! refusals live there; this module reads the chain, calls them and renders). It prints the
//! SafeTx hash (what a hardware wallet shows) before signing.

use std::path::{Path, PathBuf};

use alloy::primitives::{Address, B256, Bytes};
use clap::{Args, Subcommand};
use roflgov_safe::{
    ExecutionOutcome, SafeClient, SignatureSet,
    checks::{self, Refused},
    proposal_file,
    tx_service::{self, ProposeBody, TxService, TxServiceError},
};
use serde::Serialize;

use crate::{
    context::GlobalArgs,
    exit::{CliResult, chain},
    firewall::{self, FirewallArgs},
    output::{Table, emit, progress},
    safeops::{self, ProposalFile, safe_error},
};

#[derive(Subcommand, Debug)]
pub(crate) enum SafeCommand {
    /// Sign the SafeTx (EIP-712) with your owner key and add the signature to the proposal
    /// file. Refuses a wrong chain, a used nonce, a competing proposal and a non-owner key.
    Sign(SafeTxFile),
    /// Approve the SafeTx hash on chain (`approveHash`) from your owner key: the approved-hash
    /// alternative to an off-chain signature (e.g. for a contract or hardware wallet flow).
    Approve(SafeTxFile),
    /// Execute the SafeTx once enough owners signed or approved (your own key counts if you
    /// are an owner). Simulates first: a refused or reverting transaction is explained and
    /// nothing is sent.
    Execute(SafeTxFile),
    /// Show a proposal file: SafeTx hash, nonce, signatures collected and missing.
    Status(SafeTxFile),
    /// Combine several unsigned proposals (`propose`, `owner …`, `app create` with its stake,
    /// each written with `--tx-builder-out`, or with `--safe-out` into a folder of its own)
    /// into one MultiSendCallOnly transaction, reviewed, signed and executed as one: all legs
    /// run, or none. Changes to one app go into one proposal (e.g. `propose --set-guardian`):
    /// each leg is drafted against the app's current version.
    Combine(CombineArgs),
    /// Upload a proposal file to a Safe Transaction Service (what Safe{Wallet} shows as
    /// queued), with your signature as the proposer (you must be an owner); the file's other
    /// signatures go up as confirmations. Reviews first, like `sign`.
    Propose(ProposeArgs),
    /// Sign a transaction and post your signature to the Safe Transaction Service, from a
    /// proposal file or by its SafeTx hash (fetched and checked first). Reviews first.
    Confirm(ConfirmArgs),
    /// Download a transaction and its confirmations from the Safe Transaction Service into a
    /// proposal file. The hash is recomputed from the fields and every signature must recover
    /// to an owner; the service is never trusted. Then `review --safe-tx` / `safe execute`.
    Fetch(FetchArgs),
}

#[derive(Args, Debug)]
pub(crate) struct TxServiceArg {
    /// The Safe Transaction Service: its API root as api-kit takes it (`https://host/api`; a
    /// bare host gets `/api`) [default: `tx_service` of the network in roflgov.toml; Safe
    /// runs no official service for Sapphire].
    #[arg(long = "tx-service", value_name = "URL", env = "ROFLGOV_TX_SERVICE")]
    pub url: Option<String>,
}

#[derive(Args, Debug)]
pub(crate) struct ProposeArgs {
    #[command(flatten)]
    pub file: SafeTxFile,
    #[command(flatten)]
    pub service: TxServiceArg,
}

#[derive(Args, Debug)]
pub(crate) struct ConfirmArgs {
    /// Proposal file (your signature is also added to it).
    #[arg(
        long = "safe-tx",
        value_name = "FILE",
        required_unless_present = "safe_tx_hash",
        conflicts_with = "safe_tx_hash"
    )]
    pub file: Option<PathBuf>,
    /// The SafeTx hash of a transaction the service holds (fetched and checked first).
    #[arg(long, value_name = "HASH")]
    pub safe_tx_hash: Option<B256>,
    #[command(flatten)]
    pub service: TxServiceArg,
    /// What you expect, and findings you accept (the review runs first).
    #[command(flatten)]
    pub expect: FirewallArgs,
}

#[derive(Args, Debug)]
pub(crate) struct FetchArgs {
    /// The SafeTx hash of the transaction.
    #[arg(long, value_name = "HASH")]
    pub safe_tx_hash: B256,
    /// Where to write the proposal file.
    #[arg(long, value_name = "FILE")]
    pub out: PathBuf,
    #[command(flatten)]
    pub service: TxServiceArg,
}

#[derive(Args, Debug)]
pub(crate) struct CombineArgs {
    /// A leg (repeatable, in execution order, at least two): a Transaction Builder batch with
    /// its checksum (`--tx-builder-out`, or a Safe{Wallet} export) or an unsigned roflgov
    /// proposal file (`--safe-out`).
    #[arg(long = "leg", value_name = "FILE", required = true, num_args = 1)]
    pub legs: Vec<PathBuf>,
    /// The combined proposal file (not in the legs' folder: the legs share its nonce).
    #[arg(long, value_name = "FILE")]
    pub safe_out: PathBuf,
    /// Also write a Safe Transaction Builder batch of the legs.
    #[arg(long, value_name = "FILE")]
    pub tx_builder_out: Option<PathBuf>,
    /// Safe nonce of the combined transaction [default: the Safe's next nonce].
    #[arg(long, value_name = "N")]
    pub safe_nonce: Option<u64>,
}

#[derive(Args, Debug)]
pub(crate) struct SafeTxFile {
    /// Proposal file written by `roflgov propose --safe-out` (updated in place by `sign`).
    #[arg(long = "safe-tx", value_name = "FILE")]
    pub file: PathBuf,
    /// What you expect, and findings you accept (sign, approve and execute run the review
    /// first and refuse on any critical finding).
    #[command(flatten)]
    pub expect: FirewallArgs,
}

/// The proposal file, the Safe's client, and the checks every command makes.
struct Loaded {
    file: ProposalFile,
    client: SafeClient,
    owners: Vec<Address>,
    threshold: usize,
    safe_nonce: alloy::primitives::U256,
}

async fn load(
    g: &GlobalArgs,
    path: &Path,
    signing: bool,
    gate: Option<(&FirewallArgs, &str)>,
) -> CliResult<(Loaded, Option<alloy::signers::local::PrivateKeySigner>)> {
    check(g, safeops::load(path)?, path, Some(path), signing, gate).await
}

/// The checks of [`load`] on a proposal (`path`: the file it came from, for messages and the
/// competing-nonce check; `None` for one fetched from the transaction service).
async fn check(
    g: &GlobalArgs,
    file: ProposalFile,
    path: &Path,
    file_path: Option<&Path>,
    signing: bool,
    gate: Option<(&FirewallArgs, &str)>,
) -> CliResult<(Loaded, Option<alloy::signers::local::PrivateKeySigner>)> {
    let (network, provider, signer) = if signing {
        let (n, p, s) = g.signing_provider().await?;
        (n, p, Some(s))
    } else {
        let (n, p) = g.provider().await?;
        (n, p, None)
    };
    let p = &file.proposal;
    let name = path.display().to_string();
    file.ensure_safe(&name, network.safe)?;
    let review_provider = provider.clone();
    let client = safeops::client(&network, provider, p.safe).await?;
    file.ensure_chain(&name, client.chain_id())?;
    let state = client
        .state()
        .await
        .map_err(|e| safe_error(&format!("reading the Safe {} (is it a Safe v1.4.1?)", p.safe), e))?;
    let hashes = p.tx.hashes(p.chain_id, p.safe);
    progress(format!(
        "SafeTx hash {}  (Safe {}, chain {}, nonce {}; compare with your wallet)\n  domain hash  {}\n  message hash {}",
        p.safe_tx_hash, p.safe, p.chain_id, p.tx.nonce, hashes.domain_separator, hashes.message_hash
    ));
    if let Some(meta) = &file.roflgov {
        progress(format!(
            "title: {} (run `roflgov review --safe-tx` for the full diff)",
            roflgov_core::text::unverified(&meta.title)
        ));
    }
    checks::ensure_nonce_unused(p, state.nonce)?;
    if let Some(file_path) = file_path {
        proposal_file::ensure_no_competitor(file_path, p)?;
    }
    if let Some((expect, action)) = gate {
        let transaction = roflgov_client::review_source::safe_transaction(
            p,
            file.roflgov.as_ref().map(|m| m.title.clone()),
        );
        let report = firewall::review(
            &review_provider,
            network.policy_contract,
            network.grpc.as_deref(),
            &transaction,
            &expect.expectations(None),
        )
        .await;
        firewall::gate(&report, action)?;
    }
    Ok((
        Loaded { safe_nonce: state.nonce, owners: state.owners, threshold: state.threshold, file, client },
        signer,
    ))
}

/// The signatures of the file, each checked against the Safe's owners.
fn signature_set(l: &Loaded, path: &Path) -> CliResult<SignatureSet> {
    Ok(checks::signature_set(&path.display().to_string(), &l.file.proposal, &l.owners, l.threshold)?)
}

#[derive(Serialize)]
struct Signed {
    safe_tx_hash: B256,
    signer: Address,
    signature: Bytes,
    signatures: usize,
    threshold: usize,
    signers: Vec<Address>,
    file: String,
}

#[derive(Serialize)]
struct Executed {
    safe_tx_hash: B256,
    transaction: String,
    outcome: &'static str,
    signers: Vec<Address>,
    #[serde(skip_serializing_if = "Option::is_none")]
    app: Option<String>,
}

pub(crate) async fn run(g: &GlobalArgs, cmd: SafeCommand) -> CliResult {
    match cmd {
        SafeCommand::Sign(f) => sign(g, f).await,
        SafeCommand::Approve(f) => approve(g, f).await,
        SafeCommand::Execute(f) => execute(g, f).await,
        SafeCommand::Status(f) => status(g, f.file).await,
        SafeCommand::Combine(a) => combine(g, a).await,
        SafeCommand::Propose(a) => propose(g, a).await,
        SafeCommand::Confirm(a) => confirm(g, a).await,
        SafeCommand::Fetch(a) => fetch(g, a).await,
    }
}

/// `safe combine`: the legs' calls, in order, as one MultiSendCallOnly Safe transaction.
async fn combine(g: &GlobalArgs, a: CombineArgs) -> CliResult {
    use roflgov_safe::{SafeCall, SafeProposal, SafeTx};
    if a.legs.len() < 2 {
        return Err(crate::exit::usage("give at least two --leg files to combine"));
    }
    let (network, provider) = g.provider().await?;
    let safe = safeops::require_safe(&network)?;
    let client = safeops::client(&network, provider, safe).await?;
    let multi_send = client.deployment().multi_send_call_only;
    let mut calls: Vec<SafeCall> = Vec::new();
    let mut titles = Vec::new();
    let mut policy_contract = network.policy_contract;
    for leg in &a.legs {
        let at = leg.display();
        let text = crate::fsutil::read_input_text(leg)?;
        let is_batch = serde_json::from_str::<serde_json::Value>(&text)
            .map_err(|e| crate::exit::input(format!("{at}: not JSON: {e}")))?
            .get("transactions")
            .is_some();
        if is_batch {
            let checked = checks::batch_leg(leg, &text, client.chain_id(), safe)?;
            titles.push(roflgov_core::text::escape(&checked.file.meta.name.clone().unwrap_or_default()));
            calls.extend(checked.calls);
            continue;
        }
        let file = safeops::load(leg)?;
        let leg_calls = checks::leg_calls(leg, &file, safe, client.chain_id(), multi_send, &a.safe_out)?;
        titles.push(match &file.roflgov {
            Some(meta) => roflgov_core::text::escape(&meta.title),
            None => format!("{} call(s) of {at}", leg_calls.len()),
        });
        if let Some(meta) = &file.roflgov {
            policy_contract = policy_contract.or(Some(meta.policy_contract));
        }
        calls.extend(leg_calls);
    }
    let state = client
        .state()
        .await
        .map_err(|e| safe_error(&format!("reading the Safe {safe} (is it a Safe v1.4.1?)"), e))?;
    let nonce = checks::combined_nonce(a.safe_nonce, state.nonce)?;
    let tx = SafeTx::multi_send(multi_send, &calls, nonce.to());
    let proposal = SafeProposal::new(client.chain_id(), safe, tx.clone());
    let onchain = client
        .onchain_transaction_hash(&tx)
        .await
        .map_err(|e| safe_error("reading getTransactionHash", e))?;
    checks::ensure_safe_v141(&proposal, onchain)?;
    proposal_file::ensure_no_competitor(&a.safe_out, &proposal)?;
    let sim = client.simulate(&tx).await.map_err(|e| safe_error("simulating the combined transaction", e))?;
    checks::ensure_combined_succeeds(sim.success, sim.revert.map(|r| r.to_string()))?;
    let title = format!("roflgov: {} legs: {}", a.legs.len(), titles.join("; "));
    let file = ProposalFile {
        proposal: proposal.clone(),
        roflgov: policy_contract.map(|policy_contract| proposal_file::ProposalMeta {
            title: title.clone(),
            description: None,
            app: None,
            policy_contract,
        }),
    };
    file.save(&a.safe_out)?;
    if let Some(path) = &a.tx_builder_out {
        let decoder = safeops::decoder(policy_contract.unwrap_or_default(), multi_send)?;
        let options = roflgov_safe::tx_builder::ExportOptions { name: title.clone(), ..Default::default() };
        let batch =
            roflgov_safe::tx_builder::BatchFile::export(client.chain_id(), safe, &calls, &decoder, &options)
                .map_err(|e| safe_error("exporting the batch", e.into()))?;
        crate::fsutil::write_atomic(path, batch.to_json_pretty().as_bytes())?;
    }
    #[derive(Serialize)]
    struct Combined {
        safe: Address,
        safe_tx_file: String,
        safe_tx_hash: B256,
        safe_nonce: String,
        legs: usize,
        calls: usize,
        title: String,
    }
    let report = Combined {
        safe,
        safe_tx_file: a.safe_out.display().to_string(),
        safe_tx_hash: proposal.safe_tx_hash,
        safe_nonce: nonce.to_string(),
        legs: a.legs.len(),
        calls: calls.len(),
        title,
    };
    emit(g.json, &report, || {
        let mut t = Table::new();
        t.row(
            "combined",
            format!("{} legs, {} calls, one MultiSendCallOnly transaction", report.legs, report.calls),
        )
        .row("Safe proposal", &report.safe_tx_file)
        .row("Safe nonce", &report.safe_nonce)
        .row("SafeTx hash", format!("{}  (your wallet must show this hash)", report.safe_tx_hash));
        format!(
            "{}next: each signer runs `roflgov review --safe-tx FILE` (every leg is shown), then `roflgov safe sign`\n",
            t.render()
        )
    });
    Ok(())
}

async fn sign(g: &GlobalArgs, f: SafeTxFile) -> CliResult {
    let path = f.file;
    let (mut l, signer) = load(g, &path, true, Some((&f.expect, "signed"))).await?;
    let signer = signer.expect("signing");
    let me = signer.address();
    ensure_owner(&l, me, Refused::Signed)?;
    let mut set = signature_set(&l, &path)?;
    checks::ensure_not_signed(&set, me)?;
    ensure_onchain_hash(&l, "the file", Refused::Signed).await?;
    progress(format!("signing SafeTx hash {} as {me}", l.file.proposal.safe_tx_hash));
    let signature =
        l.client.sign(&l.file.proposal.tx, &signer).await.map_err(|e| safe_error("signing", e))?;
    set.insert(signature.clone()).map_err(|e| safe_error("checking the new signature", e))?;
    let packed = Bytes::from(signature.packed().to_vec());
    l.file.proposal.signatures.push(packed.clone());
    l.file.save(&path)?;
    let report = Signed {
        safe_tx_hash: l.file.proposal.safe_tx_hash,
        signer: me,
        signature: packed,
        signatures: set.len(),
        threshold: set.threshold(),
        signers: set.signers(),
        file: path.display().to_string(),
    };
    emit(g.json, &report, || {
        let mut t = Table::new();
        t.row("signed by", report.signer)
            .row("SafeTx hash", report.safe_tx_hash)
            .row(
                "signatures",
                format!(
                    "{} of {} ({})",
                    report.signatures,
                    report.threshold,
                    safeops::signer_list(&report.signers)
                ),
            )
            .row("saved to", &report.file);
        t.render()
    });
    Ok(())
}

async fn approve(g: &GlobalArgs, f: SafeTxFile) -> CliResult {
    let path = f.file;
    let (l, signer) = load(g, &path, true, Some((&f.expect, "sent"))).await?;
    let me = signer.expect("signing").address();
    ensure_owner(&l, me, Refused::Sent)?;
    let hash = l.file.proposal.safe_tx_hash;
    let approved =
        l.client.is_hash_approved(me, hash).await.map_err(|e| safe_error("reading approvedHashes", e))?;
    checks::ensure_not_approved(me, hash, approved)?;
    progress(format!("sending approveHash({hash}) from {me}"));
    let receipt = l.client.approve_hash(me, hash).await.map_err(|e| {
        crate::exit::maybe_sent(
            safe_error("approveHash", e),
            &format!("run `roflgov safe status --safe-tx {}`", path.display()),
        )
    })?;
    #[derive(Serialize)]
    struct Approved {
        safe_tx_hash: B256,
        owner: Address,
        transaction: String,
    }
    let report =
        Approved { safe_tx_hash: hash, owner: me, transaction: receipt.transaction_hash.to_string() };
    emit(g.json, &report, || format!("{me} approved {hash} on chain\n  transaction {}", report.transaction));
    Ok(())
}

async fn execute(g: &GlobalArgs, f: SafeTxFile) -> CliResult {
    let path = f.file;
    let (l, signer) = load(g, &path, true, Some((&f.expect, "sent"))).await?;
    let me = signer.expect("signing").address();
    let p = &l.file.proposal;
    checks::ensure_nonce_next(p, l.safe_nonce)?;
    let mut set = signature_set(&l, &path)?;
    // On-chain approvals, and the executor's own approval when it is an owner.
    l.client
        .collect_approvals(&mut set, &l.owners, Some(me), true)
        .await
        .map_err(|e| safe_error("reading approvedHashes", e))?;
    let signatures = checks::execution_signatures(&set)?;
    progress(format!(
        "executing SafeTx {} with {} of {} approvals",
        p.safe_tx_hash,
        set.len(),
        set.threshold()
    ));
    let executed = l.client.execute(&p.tx, &signatures, me).await.map_err(|e| {
        crate::exit::maybe_sent(
            safe_error("executing", e),
            &format!(
                "run `roflgov safe status --safe-tx {}` (a used nonce means it executed)",
                path.display()
            ),
        )
    })?;
    let app = executed.receipt.inner.logs().iter().find_map(|log| {
        log.log_decode::<roflgov_client::rofl::bindings::RoflAppAdmin::AppCreated>()
            .ok()
            .map(|e| roflgov_types::AppId(e.inner.data.appId.0).to_string())
    });
    let outcome = match &executed.outcome {
        ExecutionOutcome::Success => "success",
        ExecutionOutcome::Failure { .. } => "failure",
    };
    let report = Executed {
        safe_tx_hash: executed.safe_tx_hash,
        transaction: executed.receipt.transaction_hash.to_string(),
        outcome,
        signers: set.signers(),
        app,
    };
    if let ExecutionOutcome::Failure { inner_revert } = &executed.outcome {
        return Err(chain(format!(
            "the Safe used nonce {} but the inner call failed: {}",
            p.tx.nonce,
            inner_revert.as_ref().map(|r| r.to_string()).unwrap_or_else(|| "no reason".into())
        )));
    }
    emit(g.json, &report, || {
        let mut t = Table::new();
        t.row("executed", report.safe_tx_hash)
            .row("transaction", &report.transaction)
            .row("approved by", safeops::signer_list(&report.signers));
        if let Some(app) = &report.app {
            t.row("app created", app);
        }
        t.render()
    });
    Ok(())
}

async fn status(g: &GlobalArgs, path: PathBuf) -> CliResult {
    let (l, _) = load(g, &path, false, None).await?;
    let mut set = signature_set(&l, &path)?;
    l.client
        .collect_approvals(&mut set, &l.owners, None, false)
        .await
        .map_err(|e| safe_error("reading approvedHashes", e))?;
    #[derive(Serialize)]
    struct Status {
        safe_tx_hash: B256,
        safe: Address,
        nonce: String,
        signers: Vec<Address>,
        threshold: usize,
        missing: usize,
    }
    let s = Status {
        safe_tx_hash: l.file.proposal.safe_tx_hash,
        safe: l.file.proposal.safe,
        nonce: l.file.proposal.tx.nonce.to_string(),
        signers: set.signers(),
        threshold: set.threshold(),
        missing: set.threshold().saturating_sub(set.len()),
    };
    emit(g.json, &s, || {
        let mut t = Table::new();
        t.row("SafeTx hash", s.safe_tx_hash)
            .row("Safe", s.safe)
            .row("nonce", &s.nonce)
            .row("signed/approved by", safeops::signer_list(&s.signers))
            .row("threshold", format!("{} ({} missing)", s.threshold, s.missing));
        t.render()
    });
    Ok(())
}

// ---- the Safe Transaction Service (`propose`, `confirm`, `fetch`) ----

/// The transaction service of `--tx-service` / `ROFLGOV_TX_SERVICE`, else the network's.
fn service_of(arg: &TxServiceArg, network: &crate::config::Network) -> CliResult<TxService> {
    let url = arg.url.clone().or_else(|| network.tx_service.clone()).ok_or_else(|| {
        crate::exit::usage(
            "no Safe Transaction Service: pass --tx-service URL, set ROFLGOV_TX_SERVICE, or set tx_service in roflgov.toml (Safe runs no official service for Sapphire)",
        )
    })?;
    Ok(TxService::new(&url)?)
}

/// A transaction-service failure as the exit kind its class says (`TxServiceError`'s
/// `Classified`: a refusal or an answer that does not check out is exit 4, an unreachable
/// service or a garbled answer exit 5).
fn service_error(context: &str, err: TxServiceError) -> crate::exit::CliError {
    crate::exit::failed(context, &err)
}

/// Reads the Safe's own SafeTx hash of the file's transaction (`getTransactionHash`) and has
/// `checks::ensure_onchain_hash` compare it (`source`: where the stated hash comes from).
async fn ensure_onchain_hash(l: &Loaded, source: &'static str, what: Refused) -> CliResult {
    let onchain = l
        .client
        .onchain_transaction_hash(&l.file.proposal.tx)
        .await
        .map_err(|e| safe_error("reading getTransactionHash", e))?;
    Ok(checks::ensure_onchain_hash(&l.file.proposal, onchain, source, what)?)
}

/// `checks::ensure_owner` on the loaded Safe's owners.
fn ensure_owner(l: &Loaded, me: Address, what: Refused) -> CliResult {
    Ok(checks::ensure_owner(l.file.proposal.safe, &l.owners, me, what)?)
}

/// The owner's signature: the one already in the file, or a new one added to it (and saved
/// when the proposal has a file).
async fn own_signature(
    l: &mut Loaded,
    signer: &alloy::signers::local::PrivateKeySigner,
    path: Option<&Path>,
    what: Refused,
) -> CliResult<Bytes> {
    let me = signer.address();
    ensure_owner(l, me, what)?;
    let hash = l.file.proposal.safe_tx_hash;
    if let Some(sig) = checks::own_signature(&l.file.proposal, me) {
        return Ok(sig.clone());
    }
    ensure_onchain_hash(l, "the proposal", what).await?;
    progress(format!("signing SafeTx hash {hash} as {me}"));
    let signature = l.client.sign(&l.file.proposal.tx, signer).await.map_err(|e| safe_error("signing", e))?;
    let packed = Bytes::from(signature.packed().to_vec());
    l.file.proposal.signatures.push(packed.clone());
    if let Some(path) = path {
        l.file.save(path)?;
    }
    Ok(packed)
}

#[derive(Serialize)]
struct Posted {
    safe_tx_hash: B256,
    safe: Address,
    signer: Address,
    tx_service: String,
    action: &'static str,
    confirmations_posted: usize,
}

fn emit_posted(g: &GlobalArgs, report: &Posted) {
    emit(g.json, report, || {
        let mut t = Table::new();
        t.row(report.action, report.safe_tx_hash)
            .row("Safe", report.safe)
            .row("signed by", report.signer)
            .row("transaction service", &report.tx_service);
        if report.confirmations_posted > 0 {
            t.row("other signatures posted", report.confirmations_posted);
        }
        t.render()
    });
}

/// `safe propose`: review, sign (unless already signed), POST the transaction with the
/// proposer's signature, then the file's other signatures as confirmations.
async fn propose(g: &GlobalArgs, a: ProposeArgs) -> CliResult {
    let path = a.file.file;
    let service = service_of(&a.service, &g.network()?)?;
    let (mut l, signer) = load(g, &path, true, Some((&a.file.expect, "proposed"))).await?;
    let signer = signer.expect("signing");
    let me = signer.address();
    ensure_onchain_hash(&l, "the proposal", Refused::Proposed).await?;
    let mine = own_signature(&mut l, &signer, Some(&path), Refused::Proposed).await?;
    let p = &l.file.proposal;
    let body = ProposeBody::new(&p.tx, p.safe_tx_hash, me, mine.clone(), tx_service::ORIGIN);
    progress(format!("proposing SafeTx {} to {}", p.safe_tx_hash, service.api_root()));
    service.propose(p.safe, &body).await.map_err(|e| service_error("proposing", e))?;
    let others: Vec<&Bytes> = p.signatures.iter().filter(|s| **s != mine).collect();
    for sig in &others {
        service.confirm(p.safe_tx_hash, sig).await.map_err(|e| service_error("posting a signature", e))?;
    }
    emit_posted(
        g,
        &Posted {
            safe_tx_hash: p.safe_tx_hash,
            safe: p.safe,
            signer: me,
            tx_service: service.api_root().to_owned(),
            action: "proposed",
            confirmations_posted: others.len(),
        },
    );
    Ok(())
}

/// The transaction `hash` from the service, checked: the fields hash to it (roflgov's EIP-712
/// hash and the Safe's own `getTransactionHash`), the Safe is the configured one, and every
/// signature recovers to an owner.
async fn fetch_checked(
    g: &GlobalArgs,
    service: &TxService,
    hash: B256,
) -> CliResult<(ProposalFile, tx_service::VerifiedServiceTx)> {
    let (network, provider) = g.provider().await?;
    let stx = service.transaction(hash).await.map_err(|e| service_error("fetching the transaction", e))?;
    checks::ensure_service_safe(hash, stx.safe, network.safe)?;
    let client = safeops::client(&network, provider, stx.safe).await?;
    let state = client
        .state()
        .await
        .map_err(|e| safe_error(&format!("reading the Safe {} (is it a Safe v1.4.1?)", stx.safe), e))?;
    let verified = stx
        .verify(hash, client.chain_id(), stx.safe, &state.owners, state.threshold)
        .map_err(|e| service_error(&format!("{}: transaction {hash}", service.api_root()), e))?;
    let onchain = client
        .onchain_transaction_hash(&verified.proposal.tx)
        .await
        .map_err(|e| safe_error("reading getTransactionHash", e))?;
    checks::ensure_service_hash(hash, onchain)?;
    for (owner, kind) in &verified.skipped {
        crate::output::warn(format!(
            "a {kind} confirmation by {owner} is not carried into the file (an on-chain approval still counts at execution)"
        ));
    }
    let file = ProposalFile { proposal: verified.proposal.clone(), roflgov: None };
    Ok((file, verified))
}

/// `safe confirm`: review, sign, POST the signature as a confirmation.
async fn confirm(g: &GlobalArgs, a: ConfirmArgs) -> CliResult {
    let service = service_of(&a.service, &g.network()?)?;
    let gate = Some((&a.expect, "confirmed"));
    let (mut l, signer) = match (&a.file, a.safe_tx_hash) {
        (Some(path), _) => load(g, path, true, gate).await?,
        (None, Some(hash)) => {
            let (file, _) = fetch_checked(g, &service, hash).await?;
            let label = PathBuf::from(format!("{}/v2/multisig-transactions/{hash}/", service.api_root()));
            check(g, file, &label, None, true, gate).await?
        }
        (None, None) => return Err(crate::exit::usage("give --safe-tx FILE or --safe-tx-hash HASH")),
    };
    let signer = signer.expect("signing");
    ensure_onchain_hash(&l, "the proposal", Refused::Confirmed).await?;
    let mine = own_signature(&mut l, &signer, a.file.as_deref(), Refused::Confirmed).await?;
    let p = &l.file.proposal;
    progress(format!("posting the signature of {} to {}", signer.address(), service.api_root()));
    service.confirm(p.safe_tx_hash, &mine).await.map_err(|e| service_error("confirming", e))?;
    emit_posted(
        g,
        &Posted {
            safe_tx_hash: p.safe_tx_hash,
            safe: p.safe,
            signer: signer.address(),
            tx_service: service.api_root().to_owned(),
            action: "confirmed",
            confirmations_posted: 0,
        },
    );
    Ok(())
}

/// `safe fetch`: the service's transaction and signatures, checked, as a proposal file.
async fn fetch(g: &GlobalArgs, a: FetchArgs) -> CliResult {
    let service = service_of(&a.service, &g.network()?)?;
    let (file, verified) = fetch_checked(g, &service, a.safe_tx_hash).await?;
    proposal_file::ensure_no_competitor(&a.out, &file.proposal)?;
    file.save(&a.out)?;
    #[derive(Serialize)]
    struct Fetched {
        safe_tx_hash: B256,
        safe: Address,
        nonce: String,
        signers: Vec<Address>,
        file: String,
    }
    let report = Fetched {
        safe_tx_hash: file.proposal.safe_tx_hash,
        safe: file.proposal.safe,
        nonce: file.proposal.tx.nonce.to_string(),
        signers: verified.signers,
        file: a.out.display().to_string(),
    };
    emit(g.json, &report, || {
        let mut t = Table::new();
        t.row("SafeTx hash", report.safe_tx_hash)
            .row("Safe", report.safe)
            .row("nonce", &report.nonce)
            .row("signed by (checked)", safeops::signer_list(&report.signers))
            .row("saved to", &report.file);
        format!("{}next: `roflgov review --safe-tx {}`\n", t.render(), report.file)
    });
    Ok(())
}
