//! Where a proposal goes: a Safe proposal file, a Safe Transaction Builder batch, a Governor
//! proposal, or a direct send. Shared by `propose`, `app create|adopt` and `owner`.

use std::path::PathBuf;

use alloy::{
    primitives::{Address, B256, Bytes, U256},
    providers::DynProvider,
};
use clap::Args;
use roflgov_client::rofl::RoflAdminClient;
use roflgov_core::rofl::{ApplyContext, PolicyChange, check_sendable_with};
use roflgov_governor::{
    DescriptionBuilder, GovernorClient, PROPOSER_MARKER, Proposal, ProposalCall, proposer_suffix,
};
use roflgov_safe::{
    SafeCall, SafeProposal, SafeTx,
    tx_builder::{BatchFile, ExportOptions},
};
use roflgov_types::AppId;
use serde::Serialize;

use crate::{
    chainops,
    context::GlobalArgs,
    exit::{CliResult, chain, usage, verification},
    output::progress,
    safeops::{self, ProposalFile, ProposalMeta},
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
    if let Some(path) = &out.governor_out {
        let (network, provider) = g.provider().await?;
        let chain_id = alloy::providers::Provider::get_chain_id(&provider)
            .await
            .map_err(|e| chain(format!("reading the chain id: {e}")))?;
        let actions = std::iter::once((intent.to, intent.value, intent.data.clone()))
            .chain(extra.iter().map(|c| (c.to, c.value, c.data.clone())))
            .map(|(target, value, calldata)| crate::govdraft::Action { target, value, calldata })
            .collect();
        let draft = crate::govdraft::Draft {
            format: crate::govdraft::FORMAT.into(),
            chain_id,
            policy_contract: intent.to,
            governor: network.governor,
            title: intent.title.clone(),
            app: intent.app.map(|a| a.to_string()),
            actions,
        };
        crate::govdraft::save(path, &draft)?;
        opened.governor = network.governor;
        opened.governor_draft = Some(path.display().to_string());
        return Ok(opened);
    }
    if out.governor {
        let (network, provider, signer) = g.signing_provider().await?;
        let governor = network.governor.ok_or_else(|| usage(
            "no Governor for this network: pass --governor-address or set governor in roflgov.toml (`roflgov deploy --dao --save` writes it)",
        ))?;
        let description = governor_description(out.description.as_deref(), &intent.title, signer.address())?;
        let calls = std::iter::once(ProposalCall {
            target: intent.to,
            value: intent.value,
            calldata: intent.data.clone(),
        })
        .chain(extra.iter().map(|c| ProposalCall {
            target: c.to,
            value: c.value,
            calldata: c.data.clone(),
        }));
        let proposal = Proposal::new(calls, description.clone());
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
    let mut calls = vec![SafeCall::new(intent.to, intent.value, intent.data.clone())];
    calls.extend_from_slice(extra);
    let multi_send = client.deployment().multi_send_call_only;
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
        let tx = SafeTx::from_calls(multi_send, &calls, nonce.to())
            .map_err(|e| safeops::safe_error("building the Safe transaction", e.into()))?;
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
        let decoder = safeops::decoder(intent.to, multi_send)?;
        let options = ExportOptions {
            name: intent.title.clone(),
            description: out.description.clone(),
            ..Default::default()
        };
        let batch = BatchFile::export(client.chain_id(), safe, &calls, &decoder, &options)
            .map_err(|e| safeops::safe_error("exporting the batch", e.into()))?;
        crate::fsutil::write_atomic(path, batch.to_json_pretty().as_bytes())?;
        opened.safe = Some(safe);
        opened.tx_builder_file = Some(path.display().to_string());
    }
    Ok(opened)
}

/// A Governor description: the given text (or the title), ending with the `#proposer=` guard
/// for `proposer` (a description that already ends with a guard must name `proposer`).
pub(crate) fn governor_description(text: Option<&str>, title: &str, proposer: Address) -> CliResult<String> {
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

/// Runs `changes` through the model of the contract (as the owner, at the chain's time) and
/// refuses, with nothing written or sent, what the contract would revert.
pub(crate) async fn check_changes(
    client: &RoflAdminClient<DynProvider>,
    app: AppId,
    config: &roflgov_types::AppConfig,
    changes: &[PolicyChange],
) -> CliResult {
    let reading = |e| chainops::rofl_error(&format!("reading app {app}"), e);
    let also: Vec<_> = changes
        .iter()
        .filter_map(|c| match c {
            PolicyChange::AddEnclave(id) | PolicyChange::SetRetirement { identity: id, .. } => Some(*id),
            _ => None,
        })
        .collect();
    let mut state = client.release_state(app, &also).await.map_err(reading)?;
    if let [PolicyChange::SetGuardian { guardian }] = changes
        && state.guardian.unwrap_or(Address::ZERO) == *guardian
    {
        return Err(usage(format!("app {app} already has this guardian: nothing to propose")));
    }
    let now = client.chain_time().await.map_err(reading)?;
    let ctx = ApplyContext {
        in_batch: changes.len() > 1,
        contract: Some(client.address()),
        ..ApplyContext::owner(Some(now))
    };
    let mut config = config.clone();
    for change in changes {
        change.apply_to(&mut config, &mut state, &ctx).map_err(|e| {
            verification(format!(
                "{} on app {app} would revert: {e}; nothing was proposed",
                change.function_name()
            ))
        })?;
    }
    let leaves = changes.iter().any(|c| {
        matches!(
            c,
            PolicyChange::RemoveApp
                | PolicyChange::TransferRoflAdmin { .. }
                | PolicyChange::RenounceRoflAdmin
        )
    });
    if !leaves && changes.iter().any(PolicyChange::sends_update) {
        check_sendable_with(&config, &state).map_err(|e| {
            verification(format!("the update of app {app} would revert: {e}; nothing was proposed"))
        })?;
    }
    Ok(())
}
