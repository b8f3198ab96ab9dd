//! Where a proposal goes: a Safe proposal file, a Safe Transaction Builder batch, a Governor
//! proposal (submitted, or written as an action draft for `dao combine`), or a direct send from
//! the policy contract's owner. Also the checks made before anything is written or sent: the
//! model of the contract's rules ([`check_changes`]), the Safe's nonce and its own SafeTx hash,
//! a simulation of the Safe transaction, competing proposal files, and the Governor
//! description's `#proposer=` guard.
//!
//! Each destination is one function taking typed inputs; the caller (the CLI) picks them from
//! its arguments and renders what they return. Nothing is written or sent when a check fails.

use std::path::Path;

use alloy::{
    primitives::{Address, B256, Bytes, U256},
    providers::Provider,
    rpc::types::TransactionReceipt,
};
use roflgov_core::rofl::{ApplyContext, PolicyChange, check_sendable_with};
use roflgov_governor::{
    DescriptionBuilder, PROPOSER_MARKER, Proposal, ProposalCall,
    draft::{self, Draft},
    proposer_suffix,
};
use roflgov_safe::{
    CallDecoder, SafeCall, SafeClient, SafeError, SafeProposal, SafeTx,
    files::{self, FileError},
    proposal_file::{self, ProposalFile, ProposalFileError, ProposalMeta},
    tx_builder::{BatchFile, ExportOptions},
};
use roflgov_types::{AppConfig, AppId, Classified, FailureClass};

use crate::rofl::{RoflAdminClient, RoflClientError};

/// One call on the policy contract to open as a proposal.
#[derive(Clone, Debug)]
pub struct Intent {
    /// The app it changes, if one.
    pub app: Option<AppId>,
    /// The policy contract.
    pub to: Address,
    /// Wei sent with the call.
    pub value: U256,
    /// The call.
    pub data: Bytes,
    /// One line saying what it does (Safe file and batch name, Governor proposal title).
    pub title: String,
}

impl Intent {
    /// The intent's call followed by `extra`, as the Safe transaction's calls.
    fn safe_calls(&self, extra: &[SafeCall]) -> Vec<SafeCall> {
        let mut calls = vec![SafeCall::new(self.to, self.value, self.data.clone())];
        calls.extend_from_slice(extra);
        calls
    }

    /// The intent's call followed by `extra`, as a Governor proposal's calls.
    fn proposal_calls(&self, extra: &[SafeCall]) -> Vec<ProposalCall> {
        self.safe_calls(extra)
            .into_iter()
            .map(|c| ProposalCall { target: c.to, value: c.value, calldata: c.data })
            .collect()
    }
}

/// Why a proposal was not opened. Nothing was written or sent, except where a chain failure
/// came while sending (the caller says so).
#[derive(Debug, thiserror::Error)]
pub enum DestinationError {
    /// The Safe refused or could not be read (`context` says what was being done).
    #[error("{context}: {source}")]
    Safe {
        /// What was being done.
        context: String,
        /// The Safe SDK's error.
        source: Box<SafeError>,
    },
    /// The policy contract refused or could not be read.
    #[error("{context}: {source}")]
    Rofl {
        /// What was being done.
        context: String,
        /// The policy-contract client's error.
        source: Box<RoflClientError>,
    },
    /// A proposal file is refused (a competing proposal) or cannot be written.
    #[error(transparent)]
    ProposalFile(#[from] ProposalFileError),
    /// A file cannot be written.
    #[error(transparent)]
    File(#[from] FileError),
    /// The chain could not be read.
    #[error("{0}")]
    Chain(String),
    /// The nonce asked for was used already.
    #[error("nonce {nonce} is already used: the Safe's next nonce is {next}; nothing was written")]
    NonceUsed {
        /// The nonce asked for.
        nonce: U256,
        /// The Safe's next nonce.
        next: U256,
    },
    /// The Safe computes another SafeTx hash than roflgov: it is not a Safe v1.4.1.
    #[error(
        "the Safe computes SafeTx hash {onchain}, roflgov {local}: is {safe} a Safe v1.4.1? nothing was written"
    )]
    HashMismatch {
        /// The Safe.
        safe: Address,
        /// The Safe's `getTransactionHash`.
        onchain: B256,
        /// roflgov's.
        local: B256,
    },
    /// The Safe transaction's simulation reverted.
    #[error("the Safe transaction would revert: {0}; nothing was written")]
    SafeTxWouldRevert(String),
    /// The description's `#proposer=` guard names someone else.
    #[error("the description ends with #proposer={named}, but you ({proposer}) are proposing")]
    OtherProposer {
        /// Who the guard names.
        named: Address,
        /// Who proposes.
        proposer: Address,
    },
    /// The only change sets the guardian the app already has.
    #[error("app {0} already has this guardian: nothing to propose")]
    SameGuardian(AppId),
    /// The model of the contract says a change would revert.
    #[error("{function} on app {app} would revert: {reason}; nothing was proposed")]
    ChangeWouldRevert {
        /// The contract function.
        function: String,
        /// The app.
        app: AppId,
        /// The model's reason.
        reason: String,
    },
    /// The model of the contract says the resulting `rofl.Update` would revert.
    #[error("the update of app {app} would revert: {reason}; nothing was proposed")]
    UpdateWouldRevert {
        /// The app.
        app: AppId,
        /// The model's reason.
        reason: String,
    },
}

impl Classified for DestinationError {
    /// A library error keeps its class; the checks made here are refusals (verification), a
    /// guard naming someone else or nothing to propose is a usage error, a Safe that computes
    /// another hash or an unreadable chain is a chain error.
    fn class(&self) -> FailureClass {
        match self {
            Self::Safe { source, .. } => source.class(),
            Self::Rofl { source, .. } => source.class(),
            Self::ProposalFile(e) => e.class(),
            Self::File(e) => e.class(),
            Self::Chain(_) | Self::HashMismatch { .. } => FailureClass::Chain,
            Self::OtherProposer { .. } | Self::SameGuardian(_) => FailureClass::Usage,
            Self::NonceUsed { .. }
            | Self::SafeTxWouldRevert(_)
            | Self::ChangeWouldRevert { .. }
            | Self::UpdateWouldRevert { .. } => FailureClass::Verification,
        }
    }

    /// A library error's own explanation, after what was being done.
    fn explain(&self) -> String {
        match self {
            Self::Safe { context, source } => format!("{context}: {}", source.explain()),
            Self::Rofl { context, source } => format!("{context}: {}", source.explain()),
            Self::ProposalFile(e) => e.explain(),
            Self::File(e) => e.explain(),
            _ => self.to_string(),
        }
    }
}

fn safe_error(context: impl Into<String>) -> impl FnOnce(SafeError) -> DestinationError {
    move |source| DestinationError::Safe { context: context.into(), source: Box::new(source) }
}

/// Sends the intent from `from`, which must own the policy contract (`client`'s), and waits for
/// the receipt. A direct send carries the intent's call only.
pub async fn send<P: Provider + Clone>(
    client: &RoflAdminClient<P>,
    from: Address,
    intent: &Intent,
) -> Result<TransactionReceipt, DestinationError> {
    client
        .send(from, intent.data.clone(), intent.value)
        .await
        .map_err(|source| DestinationError::Rofl { context: "sending".into(), source: Box::new(source) })
}

/// Writes the intent (and `extra`) as a Governor action draft at `path`, for `chain_id`, the
/// policy contract `intent.to` and `governor`; returns it.
pub fn write_governor_draft(
    path: &Path,
    chain_id: u64,
    governor: Option<Address>,
    intent: &Intent,
    extra: &[SafeCall],
) -> Result<Draft, DestinationError> {
    let actions = intent
        .safe_calls(extra)
        .into_iter()
        .map(|c| draft::Action { target: c.to, value: c.value, calldata: c.data })
        .collect();
    let draft = Draft {
        format: draft::FORMAT.into(),
        chain_id,
        policy_contract: intent.to,
        governor,
        title: intent.title.clone(),
        app: intent.app.map(|a| a.to_string()),
        actions,
    };
    files::write_atomic(path, draft.to_json().as_bytes())?;
    Ok(draft)
}

/// The Governor proposal of the intent (and `extra`, in order) with `description` (see
/// [`governor_description`]); its id is computed locally, and the Governor's `hashProposal`
/// is checked against it when it is submitted.
pub fn governor_proposal(intent: &Intent, extra: &[SafeCall], description: String) -> Proposal {
    Proposal::new(intent.proposal_calls(extra), description)
}

/// A Governor description: the given text (or the title), ending with the `#proposer=` guard
/// for `proposer` (a description that already ends with a guard must name `proposer`).
pub fn governor_description(
    text: Option<&str>,
    title: &str,
    proposer: Address,
) -> Result<String, DestinationError> {
    let body = match text {
        Some(t) if !t.trim().is_empty() => t.trim_end().to_owned(),
        _ => DescriptionBuilder::new(title).build_unguarded().trim_end().to_owned(),
    };
    match proposer_suffix(&body) {
        Some(who) if who == proposer => Ok(body),
        Some(named) => Err(DestinationError::OtherProposer { named, proposer }),
        None => Ok(format!("{body}\n\n{PROPOSER_MARKER}{}", proposer.to_checksum(None))),
    }
}

/// A Safe proposal file written by [`write_safe_proposal`].
#[derive(Clone, Debug)]
pub struct WrittenSafeProposal {
    /// The proposal (transaction, hash, no signature yet).
    pub proposal: SafeProposal,
    /// Its nonce.
    pub nonce: u64,
}

/// Writes the intent (and `extra`, one MultiSendCallOnly transaction) as a Safe proposal file
/// at `path`, at `nonce` (default: the Safe's next). Refuses, with nothing written, a used
/// nonce, a Safe that computes another SafeTx hash than roflgov (not a Safe v1.4.1), another
/// proposal file next to `path` holding a different transaction at the same nonce, and a
/// transaction whose simulation reverts.
pub async fn write_safe_proposal(
    client: &SafeClient,
    path: &Path,
    intent: &Intent,
    extra: &[SafeCall],
    nonce: Option<u64>,
    description: Option<String>,
) -> Result<WrittenSafeProposal, DestinationError> {
    let safe = client.address();
    let state = client
        .state()
        .await
        .map_err(safe_error(format!("reading the Safe {safe} (is it a Safe v1.4.1?)")))?;
    let nonce = nonce.map(U256::from).unwrap_or(state.nonce);
    if nonce < state.nonce {
        return Err(DestinationError::NonceUsed { nonce, next: state.nonce });
    }
    let multi_send = client.deployment().multi_send_call_only;
    let tx = SafeTx::from_calls(multi_send, &intent.safe_calls(extra), nonce.to())
        .map_err(|e| safe_error("building the Safe transaction")(e.into()))?;
    let proposal = SafeProposal::new(client.chain_id(), safe, tx.clone());
    let onchain =
        client.onchain_transaction_hash(&tx).await.map_err(safe_error("reading getTransactionHash"))?;
    if onchain != proposal.safe_tx_hash {
        return Err(DestinationError::HashMismatch { safe, onchain, local: proposal.safe_tx_hash });
    }
    proposal_file::ensure_no_competitor(path, &proposal)?;
    let sim = client.simulate(&tx).await.map_err(safe_error("simulating the Safe transaction"))?;
    if !sim.success {
        let reason = sim.revert.map(|r| r.to_string()).unwrap_or_else(|| "no reason".into());
        return Err(DestinationError::SafeTxWouldRevert(reason));
    }
    let file = ProposalFile {
        proposal: proposal.clone(),
        roflgov: Some(ProposalMeta {
            title: intent.title.clone(),
            description,
            app: intent.app.map(|a| a.to_string()),
            policy_contract: intent.to,
        }),
    };
    file.save(path)?;
    Ok(WrittenSafeProposal { proposal, nonce: nonce.to() })
}

/// Writes the intent (and `extra`) as a Safe Transaction Builder batch at `path`, with readable
/// inputs (`decoder`) and its checksum.
pub fn write_tx_builder_batch(
    client: &SafeClient,
    decoder: &CallDecoder,
    path: &Path,
    intent: &Intent,
    extra: &[SafeCall],
    description: Option<String>,
) -> Result<BatchFile, DestinationError> {
    let options = ExportOptions { name: intent.title.clone(), description, ..Default::default() };
    let batch =
        BatchFile::export(client.chain_id(), client.address(), &intent.safe_calls(extra), decoder, &options)
            .map_err(|e| safe_error("exporting the batch")(e.into()))?;
    files::write_atomic(path, batch.to_json_pretty().as_bytes())?;
    Ok(batch)
}

/// Runs `changes` through the model of the contract (as the owner, at the chain's time) and
/// refuses, with nothing written or sent, what the contract would revert.
pub async fn check_changes<P: Provider + Clone>(
    client: &RoflAdminClient<P>,
    app: AppId,
    config: &AppConfig,
    changes: &[PolicyChange],
) -> Result<(), DestinationError> {
    let reading =
        |source| DestinationError::Rofl { context: format!("reading app {app}"), source: Box::new(source) };
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
        return Err(DestinationError::SameGuardian(app));
    }
    let now = client.chain_time().await.map_err(reading)?;
    let ctx = ApplyContext {
        in_batch: changes.len() > 1,
        contract: Some(client.address()),
        ..ApplyContext::owner(Some(now))
    };
    let mut config = config.clone();
    for change in changes {
        change.apply_to(&mut config, &mut state, &ctx).map_err(|e| DestinationError::ChangeWouldRevert {
            function: change.function_name().to_string(),
            app,
            reason: e.to_string(),
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
        check_sendable_with(&config, &state)
            .map_err(|e| DestinationError::UpdateWouldRevert { app, reason: e.to_string() })?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const ME: Address = Address::repeat_byte(0xaa);

    fn intent() -> Intent {
        Intent {
            app: None,
            to: Address::repeat_byte(1),
            value: U256::ZERO,
            data: Bytes::new(),
            title: "release 1.1".into(),
        }
    }

    #[test]
    fn a_description_ends_with_the_proposer_guard() {
        let d = governor_description(None, "release 1.1", ME).unwrap();
        assert!(d.starts_with("# release 1.1") || d.contains("release 1.1"), "{d}");
        assert!(d.ends_with(&format!("{PROPOSER_MARKER}{}", ME.to_checksum(None))), "{d}");
        // A guard naming the proposer is kept as it is; one naming someone else is refused.
        assert_eq!(governor_description(Some(&d), "x", ME).unwrap(), d);
        let err = governor_description(Some(&d), "x", Address::repeat_byte(0xbb)).unwrap_err();
        assert!(matches!(err, DestinationError::OtherProposer { named: ME, .. }), "{err}");
        assert_eq!(err.class(), FailureClass::Usage);
    }

    #[test]
    fn a_governor_draft_holds_every_call_in_order_and_reads_back() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("leg.gov.json");
        let extra = [SafeCall::new(Address::repeat_byte(2), U256::from(7), Bytes::from(vec![9]))];
        let written = write_governor_draft(&path, 23294, None, &intent(), &extra).unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        let back = Draft::from_json("leg.gov.json", &text).unwrap();
        assert_eq!(back.actions, written.actions);
        assert_eq!(back.actions.len(), 2);
        assert_eq!((back.actions[1].target, back.actions[1].value), (Address::repeat_byte(2), U256::from(7)));
        // The draft is refused on another chain.
        let err = back.check_destination("leg.gov.json", 23295, intent().to, ME).unwrap_err();
        assert_eq!(err.class(), FailureClass::Verification);
    }

    #[test]
    fn a_proposal_carries_the_intent_first() {
        let extra = [SafeCall::new(Address::repeat_byte(2), U256::ZERO, Bytes::new())];
        let p = governor_proposal(&intent(), &extra, "d".into());
        let targets: Vec<_> = p.calls().map(|c| c.target).collect();
        assert_eq!(targets, [Address::repeat_byte(1), Address::repeat_byte(2)]);
    }
}
