//! Where a proposal goes: a Safe proposal file, a Safe Transaction Builder batch, a Governor
//! proposal, or a direct send. Shared by `propose`, `app create|adopt` and `owner`: the clap
//! arguments, the choice of clients and the rendering; the workflow is
//! `roflgov_client::destination`.

use std::path::PathBuf;

use alloy::primitives::{Address, B256};
use clap::Args;
use roflgov_client::{destination, rofl::RoflAdminClient};
use roflgov_safe::SafeCall;
use serde::Serialize;

use crate::{
    context::GlobalArgs,
    exit::{CliResult, chain, usage},
    output::progress,
    safeops,
};

/// Where a proposal goes.
#[derive(Args, Debug, Clone)]
#[command(group(clap::ArgGroup::new("destination").required(true).multiple(true).args(["safe_out", "tx_builder_out", "governor", "governor_out", "send"])))]
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
    #[arg(long, conflicts_with_all = ["safe_out", "tx_builder_out", "send", "governor_out"])]
    pub governor: bool,
    /// Write the Governor proposal's actions to FILE instead of submitting them (no key), for
    /// `roflgov dao combine --leg FILE`: several actions in one Governor proposal.
    #[arg(long, value_name = "FILE", conflicts_with_all = ["safe_out", "tx_builder_out", "send"])]
    pub governor_out: Option<PathBuf>,
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
pub(crate) use roflgov_client::destination::Intent;

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
    /// With --governor-out: the draft file written.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub governor_draft: Option<String>,
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
        if let Some(f) = &self.governor_draft {
            t.row("Governor draft", f);
        }
        let mut out = t.render();
        if self.governor_draft.is_some() {
            out.push_str("next: `roflgov dao combine --leg FILE --leg FILE2 …` submits the drafts as one Governor proposal\n");
        }
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
    open_with(g, out, intent, &[]).await
}

/// [`open`] with `extra` calls after the intent's (e.g. a Deploy to each machine): the Safe
/// file and batch hold them all as one MultiSendCallOnly transaction, the Governor proposal
/// as its calls in order. A direct send cannot carry them (it goes to the policy contract).
/// The workflow and its checks are `roflgov_client::destination`'s; this picks the clients
/// from the network and reports progress.
pub(crate) async fn open_with(
    g: &GlobalArgs,
    out: &ProposalOutput,
    intent: &Intent,
    extra: &[SafeCall],
) -> CliResult<Opened> {
    if out.send && !extra.is_empty() {
        return Err(usage(
            "--send goes to the policy contract only: the extra calls need a Safe (--safe-out, --tx-builder-out) or --governor",
        ));
    }
    let mut opened = Opened { description: out.description.clone(), ..Default::default() };
    if out.send {
        let (_, provider, signer) = g.signing_provider().await?;
        let client = RoflAdminClient::new(intent.to, provider);
        progress("sending to the policy contract and waiting for the receipt");
        let receipt = destination::send(&client, signer.address(), intent).await.map_err(|e| {
            crate::exit::maybe_sent(
                e.into(),
                "check the app's version with `roflgov app show` and your account's nonce",
            )
        })?;
        opened.sent = Some(receipt.transaction_hash.to_string());
        opened.receipt = Some(receipt);
        return Ok(opened);
    }
    if let Some(path) = &out.governor_out {
        let (network, provider) = g.provider().await?;
        let chain_id = alloy::providers::Provider::get_chain_id(&provider)
            .await
            .map_err(|e| chain(format!("reading the chain id: {e}")))?;
        destination::write_governor_draft(path, chain_id, network.governor, intent, extra)?;
        opened.governor = network.governor;
        opened.governor_draft = Some(path.display().to_string());
        return Ok(opened);
    }
    if out.governor {
        let (network, provider, signer) = g.signing_provider().await?;
        let client = crate::daoops::client(&network, provider)?;
        let description =
            destination::governor_description(out.description.as_deref(), &intent.title, signer.address())?;
        let proposal = destination::governor_proposal(intent, extra, description.clone());
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
        opened.governor = Some(client.address());
        opened.proposal_id = Some(id.to_string());
        opened.description = Some(description);
        return Ok(opened);
    }
    let (network, provider) = g.provider().await?;
    let safe = safeops::require_safe(&network)?;
    let client = safeops::client(&network, provider, safe).await?;
    if let Some(path) = &out.safe_out {
        let written = destination::write_safe_proposal(
            &client,
            path,
            intent,
            extra,
            out.safe_nonce,
            out.description.clone(),
        )
        .await?;
        opened.safe = Some(safe);
        opened.safe_tx_file = Some(path.display().to_string());
        opened.safe_tx_hash = Some(written.proposal.safe_tx_hash);
        opened.safe_nonce = Some(written.nonce);
    }
    if let Some(path) = &out.tx_builder_out {
        let decoder = safeops::decoder(intent.to, client.deployment().multi_send_call_only)?;
        destination::write_tx_builder_batch(&client, &decoder, path, intent, extra, out.description.clone())?;
        opened.safe = Some(safe);
        opened.tx_builder_file = Some(path.display().to_string());
    }
    Ok(opened)
}
