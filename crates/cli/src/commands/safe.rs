//! `roflgov safe sign|approve|execute`: the Safe side of a proposal file written by
//! `roflgov propose --safe-out` (or `app create|adopt --safe-out`).
//!
//! Every command checks, before signing or sending: the file's SafeTx hash is its
//! transaction's hash, the chain is the file's chain, the Safe is the configured one, the nonce
//! is not used, no other proposal file next to it competes for the same nonce, and the key is
//! an owner. It prints the SafeTx hash (what a hardware wallet shows) before signing.

use std::path::{Path, PathBuf};

use alloy::primitives::{Address, B256, Bytes};
use clap::{Args, Subcommand};
use roflgov_chain::safe::{ExecutionOutcome, SafeClient, SafeSignature, SignatureSet};
use serde::Serialize;

use roflgov_core::firewall::Transaction;

use crate::{
    context::GlobalArgs,
    exit::{CliResult, chain, verification},
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
    let file = safeops::load(path)?;
    let (network, provider, signer) = if signing {
        let (n, p, s) = g.signing_provider().await?;
        (n, p, Some(s))
    } else {
        let (n, p) = g.provider().await?;
        (n, p, None)
    };
    let p = &file.proposal;
    if let Some(configured) = network.safe
        && configured != p.safe
    {
        return Err(verification(format!(
            "{}: the proposal is for Safe {}, this network's Safe is {configured}; nothing was signed or sent",
            path.display(),
            p.safe
        )));
    }
    let review_provider = provider.clone();
    let client = safeops::client(&network, provider, p.safe).await?;
    if client.chain_id() != p.chain_id {
        return Err(chain(format!(
            "wrong chain: {} is for chain id {}, the endpoint is chain id {}; nothing was signed or sent",
            path.display(),
            p.chain_id,
            client.chain_id()
        )));
    }
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
    if p.tx.nonce < state.nonce {
        return Err(verification(format!(
            "nonce {} is already used (the Safe is at nonce {}): this transaction was executed or replaced; nothing was signed or sent",
            p.tx.nonce, state.nonce
        )));
    }
    safeops::ensure_no_competitor(path, p)?;
    if let Some((expect, action)) = gate {
        let transaction = Transaction::Safe {
            safe: p.safe,
            chain_id: p.chain_id,
            tx: p.tx.clone(),
            signatures: p.signatures.clone(),
            title: file.roflgov.as_ref().map(|m| m.title.clone()),
        };
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
    let mut set = SignatureSet::new(l.file.proposal.safe_tx_hash, l.owners.clone(), l.threshold);
    for (i, sig) in l.file.proposal.signatures.iter().enumerate() {
        set.insert_packed(sig).map_err(|e| {
            verification(format!(
                "{}: signature #{i}: {e}; remove it from the file; nothing was signed or sent",
                path.display()
            ))
        })?;
    }
    Ok(set)
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
    }
}

async fn sign(g: &GlobalArgs, f: SafeTxFile) -> CliResult {
    let path = f.file;
    let (mut l, signer) = load(g, &path, true, Some((&f.expect, "signed"))).await?;
    let signer = signer.expect("signing");
    let me = signer.address();
    if !l.owners.contains(&me) {
        return Err(verification(format!(
            "{me} is not an owner of Safe {} (owners: {}); nothing was signed",
            l.file.proposal.safe,
            safeops::signer_list(&l.owners)
        )));
    }
    let mut set = signature_set(&l, &path)?;
    if set.signers().contains(&me) {
        return Err(verification(format!("{me} has already signed this transaction; the file is unchanged")));
    }
    let onchain = l
        .client
        .onchain_transaction_hash(&l.file.proposal.tx)
        .await
        .map_err(|e| safe_error("reading getTransactionHash", e))?;
    if onchain != l.file.proposal.safe_tx_hash {
        return Err(verification(format!(
            "the Safe computes hash {onchain} for this transaction, the file says {}; nothing was signed",
            l.file.proposal.safe_tx_hash
        )));
    }
    progress(format!("signing SafeTx hash {} as {me}", l.file.proposal.safe_tx_hash));
    let signature =
        l.client.sign(&l.file.proposal.tx, &signer).await.map_err(|e| safe_error("signing", e))?;
    set.insert(signature.clone()).map_err(|e| safe_error("checking the new signature", e))?;
    let packed = Bytes::from(signature.packed().to_vec());
    l.file.proposal.signatures.push(packed.clone());
    safeops::save(&path, &l.file)?;
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
    if !l.owners.contains(&me) {
        return Err(verification(format!(
            "{me} is not an owner of Safe {} (owners: {}); nothing was sent",
            l.file.proposal.safe,
            safeops::signer_list(&l.owners)
        )));
    }
    let hash = l.file.proposal.safe_tx_hash;
    if l.client.is_hash_approved(me, hash).await.map_err(|e| safe_error("reading approvedHashes", e))? {
        return Err(verification(format!("{me} has already approved {hash} on chain; nothing was sent")));
    }
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
    if p.tx.nonce > l.safe_nonce {
        return Err(verification(format!(
            "nonce {} is not next: the Safe is at nonce {}, execute the pending transaction(s) before it first; nothing was sent",
            p.tx.nonce, l.safe_nonce
        )));
    }
    let mut set = signature_set(&l, &path)?;
    // On-chain approvals, and the executor's own approval when it is an owner.
    for owner in &l.owners {
        if set.is_complete() {
            break;
        }
        if set.signers().contains(owner) {
            continue;
        }
        let approved = *owner == me
            || l.client
                .is_hash_approved(*owner, p.safe_tx_hash)
                .await
                .map_err(|e| safe_error("reading approvedHashes", e))?;
        if approved {
            set.insert(SafeSignature::ApprovedHash { owner: *owner })
                .map_err(|e| safe_error("collecting approvals", e))?;
        }
    }
    let signatures = set.packed_complete().map_err(|e| {
        verification(format!(
            "not enough approvals: {e} (signed or approved by: {}); nothing was sent",
            safeops::signer_list(&set.signers())
        ))
    })?;
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
        log.log_decode::<roflgov_chain::rofl::bindings::RoflAppAdmin::AppCreated>()
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
    for owner in &l.owners {
        if !set.signers().contains(owner)
            && l.client
                .is_hash_approved(*owner, l.file.proposal.safe_tx_hash)
                .await
                .map_err(|e| safe_error("reading approvedHashes", e))?
        {
            set.insert(SafeSignature::ApprovedHash { owner: *owner })
                .map_err(|e| safe_error("collecting approvals", e))?;
        }
    }
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
