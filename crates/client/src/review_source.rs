//! The sources of a review and their tamper rules: what a signer or voter hands `review`,
//! read into the [`Transaction`] the firewall reviews plus the facts shown above the review.
//!
//! - a roflgov **Safe proposal file** (read and hash-checked by its loader): the SafeTx, its
//!   signers, a warning when it is for another Safe than the network's;
//! - a **Transaction Builder batch** (roflgov, Safe{Wallet} or `oasis rofl update --format
//!   safe`): every address's EIP-55 checksum is checked; with a `meta.checksum` the batch must
//!   pass `BatchFile::import_checked` against the Safe and the chain (a tampered file is a
//!   verification failure: do not sign), without one it is read loosely and reviewed in full;
//!   it is reviewed as the MultiSend transaction Safe{Wallet} builds from it at the Safe's
//!   current nonce;
//! - a **Governor proposal**: its state, tally, vote window and eta; an executed proposal is
//!   history (`executed`), not a refusal.
//!
//! Errors state their class ([`Classified`]): an unreadable file is input (exit 3), a tampered
//! one verification (exit 4).

use alloy::{
    primitives::{Address, B256, Bytes, U256},
    providers::DynProvider,
};
use roflgov_core::{firewall::Transaction, review::ProposedCall, text};
use roflgov_governor::{GovernorClient, GovernorError, OnchainProposal, ProposalState, VoteTally};
use roflgov_safe::{
    SafeProposal, SafeSignature,
    tx::{SafeCall, SafeTx},
    tx_builder::{BatchFile, TxBuilderError},
};
use roflgov_types::{Classified, FailureClass, eip55};

/// What was reviewed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SourceKind {
    /// A roflgov Safe proposal file.
    SafeTx,
    /// A Safe Transaction Builder batch.
    TxBuilder,
    /// A Governor proposal.
    GovernorProposal,
}

impl SourceKind {
    /// Its name in `--json` output: `safe_tx`, `tx_builder`, `governor_proposal`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::SafeTx => "safe_tx",
            Self::TxBuilder => "tx_builder",
            Self::GovernorProposal => "governor_proposal",
        }
    }
}

/// What a batch's checks established.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BatchChecks {
    /// Its `meta.checksum` matches, its readable inputs match the calldata, and it names this
    /// Safe and chain.
    Checked {
        /// The Safe.
        safe: Address,
        /// The chain.
        chain: u64,
    },
    /// No `meta.checksum` (as `oasis rofl update --format safe` writes): nothing to check.
    NoChecksum,
}

/// The MultiSend transaction Safe{Wallet} builds from a batch.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SafeBuild {
    /// Its SafeTx hash.
    pub safe_tx_hash: B256,
    /// The Safe's nonce it was built at (`None`: unknown, so the hash is not the one to
    /// compare).
    pub safe_nonce: Option<u64>,
}

/// What the source says of itself, to show above the review.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Header {
    /// A Safe proposal file.
    SafeProposal {
        /// The file's name, escaped.
        file: String,
    },
    /// A Transaction Builder batch.
    Batch {
        /// The file's name, escaped.
        file: String,
        /// Its checks.
        checks: BatchChecks,
        /// The transaction Safe{Wallet} builds, when the Safe is known.
        safe_build: Option<SafeBuild>,
    },
    /// A Governor proposal.
    Governor {
        /// Its id.
        id: U256,
        /// The Governor.
        governor: Address,
        /// Who proposed it.
        proposer: Address,
        /// Its state now.
        state: ProposalState,
        /// Votes so far.
        votes: VoteTally,
        /// When voting opens (seconds).
        vote_start: u64,
        /// When voting closes (seconds).
        vote_end: u64,
        /// When it can execute, once queued (seconds).
        eta: Option<u64>,
    },
}

/// A source, read: the transaction to review and what to show about it.
#[derive(Clone, Debug)]
pub struct ReviewSource {
    /// What it is.
    pub kind: SourceKind,
    /// What it says of itself.
    pub header: Header,
    /// The transaction the firewall reviews.
    pub transaction: Transaction,
    /// The SafeTx hash (a proposal file's, or the one Safe{Wallet} builds from a batch).
    pub safe_tx_hash: Option<B256>,
    /// The Safe.
    pub safe: Option<Address>,
    /// The chain the source is for.
    pub chain_id: Option<u64>,
    /// The SafeTx nonce.
    pub nonce: Option<U256>,
    /// Who signed a proposal file (valid ECDSA signatures recovered; not yet checked against
    /// the owners).
    pub signed_by: Option<Vec<Address>>,
    /// The Governor proposal id.
    pub proposal_id: Option<U256>,
    /// The Governor proposal's state.
    pub proposal_state: Option<ProposalState>,
    /// The description, escaped.
    pub description: Option<String>,
    /// What the source itself is wrong about or lacks, in words.
    pub warnings: Vec<String>,
    /// A Governor proposal that ran already: history, with nothing to sign or vote.
    pub executed: bool,
}

impl ReviewSource {
    fn new(kind: SourceKind, header: Header, transaction: Transaction) -> Self {
        Self {
            kind,
            header,
            transaction,
            safe_tx_hash: None,
            safe: None,
            chain_id: None,
            nonce: None,
            signed_by: None,
            proposal_id: None,
            proposal_state: None,
            description: None,
            warnings: Vec::new(),
            executed: false,
        }
    }
}

/// Why a source cannot be reviewed.
#[derive(Debug, thiserror::Error)]
pub enum SourceError {
    /// The file is not UTF-8.
    #[error("{file}: not UTF-8 JSON")]
    NotUtf8 {
        /// The file, escaped.
        file: String,
    },
    /// The file is not a Transaction Builder batch.
    #[error("{file}: not a Transaction Builder batch: {reason}")]
    NotABatch {
        /// The file, escaped.
        file: String,
        /// Why, escaped.
        reason: String,
    },
    /// An address with a wrong EIP-55 checksum, or a batch no Safe transaction can be built of.
    #[error("{file}: {reason}")]
    Malformed {
        /// The file, escaped.
        file: String,
        /// What is wrong, naming the field, escaped.
        reason: String,
    },
    /// A transaction's value is not a number.
    #[error("{file}: value {value:?} is not a number")]
    BadValue {
        /// The file, escaped.
        file: String,
        /// The value, escaped.
        value: String,
    },
    /// A batch with a checksum, and no Safe to check it against.
    #[error(
        "{file}: no Safe is known to check the batch's checksum against: give --safe-address; do not sign"
    )]
    NoSafeForChecksum {
        /// The file, escaped.
        file: String,
    },
    /// A batch whose checks fail: edited after export, or for another Safe or chain.
    #[error("{file}: {}; do not sign", text::escape(&.source.to_string()))]
    Tampered {
        /// The file, escaped.
        file: String,
        /// The failed check.
        source: Box<TxBuilderError>,
    },
    /// Reading a Governor proposal failed.
    #[error("{context}: {source}")]
    Governor {
        /// What was being done.
        context: &'static str,
        /// The failure.
        source: Box<GovernorError>,
    },
}

impl Classified for SourceError {
    /// An unreadable or malformed source is input; a tampered batch, or one that cannot be
    /// checked, is verification; a Governor failure is its own class.
    fn class(&self) -> FailureClass {
        match self {
            Self::NotUtf8 { .. }
            | Self::NotABatch { .. }
            | Self::Malformed { .. }
            | Self::BadValue { .. } => FailureClass::Input,
            Self::NoSafeForChecksum { .. } | Self::Tampered { .. } => FailureClass::Verification,
            Self::Governor { source, .. } => source.class(),
        }
    }

    fn explain(&self) -> String {
        match self {
            Self::Governor { context, source } => format!("{context}: {}", source.explain()),
            other => other.to_string(),
        }
    }
}

/// A roflgov Safe proposal file, already read and hash-checked by its loader: `file` is its
/// name, `title` and `description` its informational metadata (covered by no hash),
/// `network_safe` the network's configured Safe.
pub fn safe_proposal(
    file: &str,
    proposal: &SafeProposal,
    title: Option<String>,
    description: Option<String>,
    network_safe: Option<Address>,
) -> ReviewSource {
    let p = proposal;
    let transaction = safe_transaction(p, title);
    let mut source =
        ReviewSource::new(SourceKind::SafeTx, Header::SafeProposal { file: text::escape(file) }, transaction);
    source.safe_tx_hash = Some(p.safe_tx_hash);
    source.safe = Some(p.safe);
    source.chain_id = Some(p.chain_id);
    source.nonce = Some(p.tx.nonce);
    source.description = description.map(|d| text::escape(&d));
    source.signed_by = Some(
        p.signatures
            .iter()
            .filter_map(|s| SafeSignature::from_packed(s).ok()?.signer(p.safe_tx_hash).ok())
            .collect(),
    );
    if let Some(network_safe) = network_safe
        && network_safe != p.safe
    {
        source
            .warnings
            .push(format!("the file is for Safe {}, this network's Safe is {network_safe}", p.safe));
    }
    source
}

/// The transaction a Safe proposal (file or service) stands for, signatures included: what
/// `review` shows and what every Safe approval gate reviews.
pub fn safe_transaction(proposal: &SafeProposal, title: Option<String>) -> Transaction {
    Transaction::Safe {
        safe: proposal.safe,
        chain_id: proposal.chain_id,
        tx: proposal.tx.clone(),
        signatures: proposal.signatures.clone(),
        title,
    }
}

/// The calls a Governor proposal makes through its `timelock`, its description covered by
/// the proposal id: what `review --proposal` shows and what every vote, queue and execute
/// gate reviews.
pub fn governor_transaction(
    proposal: &OnchainProposal,
    timelock: Address,
    chain_id: Option<u64>,
) -> Transaction {
    Transaction::Calls {
        executor: timelock,
        chain_id,
        calls: proposal.proposal.calls().map(|c| ProposedCall::call(c.target, c.value, c.calldata)).collect(),
        description: Some(proposal.proposal.description.clone()),
        description_verified: true,
    }
}

/// A loosely read batch (no checksum to check).
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
    data: Option<Bytes>,
}

/// A Transaction Builder batch: `file` is its name, `raw` its bytes, `network_safe` the
/// network's Safe (else the Safe the batch names), `rpc_chain` the chain the endpoint answers,
/// `multi_send` the network's MultiSendCallOnly. `provider` reads the Safe's nonce (`None`:
/// no chain; the hash Safe{Wallet} builds is then unknown).
pub async fn tx_builder_batch(
    file: &str,
    raw: Vec<u8>,
    network_safe: Option<Address>,
    provider: Option<&DynProvider>,
    rpc_chain: Option<u64>,
    multi_send: Address,
) -> Result<ReviewSource, SourceError> {
    let file = text::escape(file);
    let text_json = String::from_utf8(raw).map_err(|_| SourceError::NotUtf8 { file: file.clone() })?;
    let not_a_batch = |e: serde_json::Error| SourceError::NotABatch {
        file: file.clone(),
        reason: text::escape(&e.to_string()),
    };
    let value: serde_json::Value = serde_json::from_str(&text_json).map_err(not_a_batch)?;
    // A mistyped address in a batch is as dangerous as one on the command line.
    eip55::check_json_addresses(&value)
        .map_err(|reason| SourceError::Malformed { file: file.clone(), reason: text::escape(&reason) })?;
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
    let title = batch_title(&value);
    let safe = network_safe.or(stated_safe);
    let (checks, calls): (BatchChecks, Vec<ProposedCall>) = if has_checksum {
        let Some(safe) = safe else { return Err(SourceError::NoSafeForChecksum { file }) };
        let chain = rpc_chain.or(file_chain).unwrap_or_default();
        let checked = BatchFile::import_checked(&text_json, chain, safe)
            .map_err(|source| SourceError::Tampered { file: file.clone(), source: Box::new(source) })?;
        let calls = checked.calls.into_iter().map(|c| ProposedCall::call(c.to, c.value, c.data)).collect();
        (BatchChecks::Checked { safe, chain }, calls)
    } else {
        let batch: LooseBatch = serde_json::from_value(value).map_err(not_a_batch)?;
        let calls = batch
            .transactions
            .into_iter()
            .map(|t| {
                let value = match t.value.as_deref() {
                    None | Some("") => U256::ZERO,
                    Some(v) => v
                        .parse::<U256>()
                        .map_err(|_| SourceError::BadValue { file: file.clone(), value: text::escape(v) })?,
                };
                Ok(ProposedCall::call(t.to, value, t.data.unwrap_or_default()))
            })
            .collect::<Result<_, SourceError>>()?;
        (BatchChecks::NoChecksum, calls)
    };
    let Some(safe) = safe else {
        let transaction = Transaction::Calls {
            executor: Address::ZERO,
            chain_id: file_chain,
            calls,
            description: title,
            description_verified: false,
        };
        let header = Header::Batch { file, checks, safe_build: None };
        let mut source = ReviewSource::new(SourceKind::TxBuilder, header, transaction);
        source.chain_id = file_chain.or(rpc_chain);
        source.warnings.push(
            "no Safe is known for this batch (give --safe-address): calls into the Safe itself cannot be recognised"
                .into(),
        );
        return Ok(source);
    };
    // Safe{Wallet} turns a batch into one MultiSend transaction at the Safe's nonce.
    let nonce = match provider {
        Some(p) => crate::firewall::safe_nonce(p, safe).await,
        None => None,
    };
    let chain_id = file_chain.or(rpc_chain).unwrap_or_default();
    let safe_calls: Vec<SafeCall> =
        calls.iter().map(|c| SafeCall::new(c.to, c.value, c.data.clone())).collect();
    let tx = SafeTx::from_calls(multi_send, &safe_calls, nonce.unwrap_or_default())
        .map_err(|e| SourceError::Malformed { file: file.clone(), reason: text::escape(&e.to_string()) })?;
    let hash = tx.safe_tx_hash(chain_id, safe);
    let header =
        Header::Batch { file, checks, safe_build: Some(SafeBuild { safe_tx_hash: hash, safe_nonce: nonce }) };
    let nonce_now = tx.nonce;
    let transaction = Transaction::Safe { safe, chain_id, tx, signatures: Vec::new(), title };
    let mut source = ReviewSource::new(SourceKind::TxBuilder, header, transaction);
    source.chain_id = file_chain.or(rpc_chain);
    source.safe = Some(safe);
    source.safe_tx_hash = Some(hash);
    source.nonce = Some(nonce_now);
    Ok(source)
}

/// A title a batch file gives itself (`meta.name`, `meta.description`): covered by no hash.
fn batch_title(value: &serde_json::Value) -> Option<String> {
    let name = value.pointer("/meta/name").and_then(|v| v.as_str());
    let description = value.pointer("/meta/description").and_then(|v| v.as_str());
    match (name, description) {
        (Some(n), Some(d)) if !d.is_empty() => Some(format!("{n}: {d}")),
        (Some(n), _) => Some(n.to_string()),
        (None, Some(d)) => Some(d.to_string()),
        (None, None) => None,
    }
}

/// The Governor proposal `id` of `client`'s Governor (its events searched from `from_block`),
/// executed by its Timelock; `rpc_chain` is the chain the endpoint answers.
pub async fn governor_proposal(
    client: &GovernorClient,
    id: U256,
    from_block: u64,
    rpc_chain: Option<u64>,
) -> Result<ReviewSource, SourceError> {
    let p = client.proposal(id, from_block).await.map_err(|source| SourceError::Governor {
        context: "reading the proposal",
        source: Box::new(source),
    })?;
    let timelock = client.timelock().await.map_err(|source| SourceError::Governor {
        context: "reading the timelock",
        source: Box::new(source),
    })?;
    let header = Header::Governor {
        id,
        governor: p.governor,
        proposer: p.proposer,
        state: p.state,
        votes: p.votes,
        vote_start: p.vote_start.saturating_to(),
        vote_end: p.vote_end.saturating_to(),
        eta: p.eta.map(|eta| eta.saturating_to()),
    };
    let transaction = governor_transaction(&p, timelock, rpc_chain);
    let mut source = ReviewSource::new(SourceKind::GovernorProposal, header, transaction);
    source.proposal_id = Some(id);
    source.proposal_state = Some(p.state);
    source.description = Some(text::escape(&p.proposal.description));
    // An executed proposal is history: reviewed against today's state it would read as stale
    // (its version was consumed by itself).
    source.executed = p.state == ProposalState::Executed;
    if source.executed {
        source.warnings.push("this proposal was executed already".into());
    }
    Ok(source)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAFE: Address = Address::repeat_byte(0x5a);

    fn run(raw: &str, network_safe: Option<Address>) -> Result<ReviewSource, SourceError> {
        let runtime = tokio::runtime::Builder::new_current_thread().build().expect("runtime");
        runtime.block_on(tx_builder_batch(
            "batch.json",
            raw.as_bytes().to_vec(),
            network_safe,
            None,
            None,
            Address::ZERO,
        ))
    }

    #[test]
    fn unreadable_batches_are_input_errors_naming_the_file() {
        let err = run("{", None).unwrap_err();
        assert_eq!(err.class(), FailureClass::Input);
        assert!(err.to_string().starts_with("batch.json: not a Transaction Builder batch"), "{err}");
        let err = tx_builder_batch_bytes(vec![0xff, 0xfe]);
        assert_eq!(err.class(), FailureClass::Input);
        assert_eq!(err.to_string(), "batch.json: not UTF-8 JSON");
        let bad_address =
            r#"{"transactions":[{"to":"0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAeD","value":"0"}]}"#;
        let err = run(bad_address, None).unwrap_err();
        assert_eq!(err.class(), FailureClass::Input);
        assert!(
            err.to_string().contains("transactions[0].to") && err.to_string().contains("checksum"),
            "{err}"
        );
        let bad_value =
            r#"{"transactions":[{"to":"0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed","value":"1e18"}]}"#;
        let err = run(bad_value, None).unwrap_err();
        assert_eq!(err.to_string(), r#"batch.json: value "1e18" is not a number"#);
    }

    fn tx_builder_batch_bytes(raw: Vec<u8>) -> SourceError {
        let runtime = tokio::runtime::Builder::new_current_thread().build().expect("runtime");
        runtime.block_on(tx_builder_batch("batch.json", raw, None, None, None, Address::ZERO)).unwrap_err()
    }

    #[test]
    fn a_checksummed_batch_without_a_safe_or_edited_is_refused_as_tampering() {
        let checked = r#"{"version":"1.0","chainId":"23295","meta":{"checksum":"0x00"},"transactions":[]}"#;
        let err = run(checked, None).unwrap_err();
        assert_eq!(err.class(), FailureClass::Verification);
        assert!(err.to_string().ends_with("give --safe-address; do not sign"), "{err}");
        let err = run(checked, Some(SAFE)).unwrap_err();
        assert!(
            matches!(&err, SourceError::Tampered { source, .. } if matches!(**source, TxBuilderError::ChecksumMismatch { .. })),
            "{err}"
        );
        assert_eq!(err.class(), FailureClass::Verification);
        assert!(err.to_string().ends_with("; do not sign"), "{err}");
    }

    #[test]
    fn a_loose_batch_is_read_whole_and_built_as_safe_wallet_would() {
        let loose = r#"{"chainId":"23295","meta":{"name":"n","description":"d"},
            "transactions":[{"to":"0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed","value":"5","data":"0x01"}]}"#;
        let without_safe = run(loose, None).unwrap();
        assert_eq!(without_safe.kind, SourceKind::TxBuilder);
        assert_eq!(without_safe.safe, None);
        assert!(without_safe.warnings[0].starts_with("no Safe is known for this batch"));
        let Transaction::Calls { calls, description, description_verified, .. } = &without_safe.transaction
        else {
            panic!()
        };
        assert_eq!(calls.len(), 1);
        assert_eq!(calls[0].value, U256::from(5));
        assert_eq!(description.as_deref(), Some("n: d"));
        assert!(!description_verified);

        let with_safe = run(loose, Some(SAFE)).unwrap();
        let Transaction::Safe { safe, chain_id, tx, .. } = &with_safe.transaction else { panic!() };
        assert_eq!((*safe, *chain_id), (SAFE, 23295));
        assert_eq!(with_safe.safe_tx_hash, Some(tx.safe_tx_hash(23295, SAFE)));
        assert!(matches!(
            with_safe.header,
            Header::Batch {
                checks: BatchChecks::NoChecksum,
                safe_build: Some(SafeBuild { safe_nonce: None, .. }),
                ..
            }
        ));
    }

    /// The MultiSend transaction Safe{Wallet} builds from a two-leg batch, hashed by an
    /// independent EIP-712 implementation: ethers 5.4 (`node_modules/ethers`),
    /// `utils._TypedDataEncoder.hash` over the Safe v1.4.1 domain {chainId, verifyingContract}
    /// and `SafeTx` type, with `multiSend(bytes)` of the packed legs (operation, to, value,
    /// data length, data) as `data`, DELEGATECALL to the canonical MultiSendCallOnly, nonce 0.
    #[test]
    fn a_batch_is_reviewed_as_the_multisend_safe_wallet_builds() {
        let loose = r#"{"chainId":"23295","transactions":[
            {"to":"0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed","value":"5","data":"0x01"},
            {"to":"0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed","value":"0","data":null}]}"#;
        let runtime = tokio::runtime::Builder::new_current_thread().build().expect("runtime");
        let multi_send = roflgov_contracts::safe::MULTI_SEND_CALL_ONLY.address;
        let source = runtime
            .block_on(tx_builder_batch(
                "b.json",
                loose.as_bytes().to_vec(),
                Some(SAFE),
                None,
                None,
                multi_send,
            ))
            .unwrap();
        let ethers: B256 =
            "0x6bc332da6aee98460381a87056e5ce72bbf41f7375495faaddf8d3520d5593c6".parse().unwrap();
        assert_eq!(source.safe_tx_hash, Some(ethers));
        assert_eq!(source.nonce, Some(U256::ZERO));
    }

    #[test]
    fn a_proposal_file_for_another_safe_is_flagged_and_its_signers_recovered() {
        let tx = SafeTx::call(SafeCall::new(SAFE, U256::ZERO, Bytes::new()), 3);
        let proposal = SafeProposal::new(23295, SAFE, tx);
        let source =
            safe_proposal("p\u{1b}.json", &proposal, Some("t".into()), None, Some(Address::repeat_byte(1)));
        assert_eq!(source.header, Header::SafeProposal { file: text::escape("p\u{1b}.json") });
        assert_ne!(text::escape("p\u{1b}.json"), "p\u{1b}.json");
        assert_eq!(source.signed_by, Some(vec![]));
        assert_eq!(source.nonce, Some(U256::from(3)));
        assert_eq!(source.warnings.len(), 1);
        assert!(safe_proposal("p", &proposal, None, None, Some(SAFE)).warnings.is_empty());
    }
}
