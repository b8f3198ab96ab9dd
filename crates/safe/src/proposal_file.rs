//! roflgov's Safe proposal file: a [`SafeProposal`] (the transaction, its hash and the
//! signatures collected so far) plus what roflgov knows about it, read with its stored hash
//! checked, written atomically, and checked against competing files (another transaction for
//! the same Safe, chain and nonce: only one of them can ever execute).
//!
//! The format is the JSON of [`SafeProposal`] (`chainId`, `safe`, `tx`, `safeTxHash`,
//! `signatures`) with an optional `roflgov` object; `tools/crosscheck/` reads the same files.

use std::path::{Path, PathBuf};

use alloy::primitives::{Address, B256, U256};
use roflgov_core::{review::ProposedCall, text};
use serde::{Deserialize, Serialize};

use crate::{
    Operation, SafeProposal, SafeTx,
    files::{self, FileError},
};

/// A proposal file: the Safe transaction and its collected signatures (the [`SafeProposal`]
/// format), plus what roflgov knows about it. Only `chainId`, `safe`, `tx`, `safeTxHash` and
/// `signatures` are trusted; `roflgov` is informational.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ProposalFile {
    /// The transaction, its hash and its signatures.
    #[serde(flatten)]
    pub proposal: SafeProposal,
    /// What roflgov knows about it (unverified text when read back).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub roflgov: Option<ProposalMeta>,
}

/// Informational context of a proposal file.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ProposalMeta {
    /// What the proposal does, in one line.
    pub title: String,
    /// Release notes / description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The app it changes (rofl1…), if one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub app: Option<String>,
    /// The policy contract it calls.
    pub policy_contract: Address,
}

/// Why a proposal file is refused.
#[derive(Debug, thiserror::Error)]
pub enum ProposalFileError {
    /// The file cannot be read or written.
    #[error(transparent)]
    File(#[from] FileError),
    /// The file is not a proposal file (not JSON, a field missing or of the wrong type).
    #[error("{name}: not a roflgov Safe proposal file: {reason}")]
    Malformed {
        /// The file.
        name: String,
        /// What is wrong.
        reason: String,
    },
    /// A mixed-case address in the file has a wrong EIP-55 checksum.
    #[error("{name}: {reason}")]
    BadAddress {
        /// The file.
        name: String,
        /// The field and the address.
        reason: String,
    },
    /// The stored SafeTx hash is not the hash of the file's transaction: the file was edited.
    #[error(
        "{name}: stored safeTxHash {stored} is not the hash of the transaction in the file ({actual}): the file was edited"
    )]
    Edited {
        /// The file.
        name: String,
        /// The hash the file states.
        stored: B256,
        /// The hash of its transaction.
        actual: B256,
    },
    /// Another proposal file holds a different transaction for the same Safe, chain and nonce.
    #[error(
        "competing transaction: {other} holds a different Safe transaction ({other_hash}) at the same nonce {nonce} as this one ({this_hash}); only one can ever execute. Agree on one and delete the other file; nothing was signed or sent"
    )]
    Competing {
        /// The other file.
        other: String,
        /// The SafeTx hash of its transaction.
        other_hash: B256,
        /// The nonce both carry.
        nonce: U256,
        /// The SafeTx hash of this proposal.
        this_hash: B256,
    },
    /// The proposal is for another Safe than the network's.
    #[error(
        "{name}: the proposal is for Safe {proposal}, this network's Safe is {network}; nothing was signed or sent"
    )]
    OtherSafe {
        /// The file.
        name: String,
        /// The Safe the proposal names.
        proposal: Address,
        /// The network's Safe.
        network: Address,
    },
    /// The proposal is for another chain than the endpoint's.
    #[error(
        "wrong chain: {name} is for chain id {proposal}, the endpoint is chain id {endpoint}; nothing was signed or sent"
    )]
    WrongChain {
        /// The file.
        name: String,
        /// The chain the proposal names.
        proposal: u64,
        /// The endpoint's chain.
        endpoint: u64,
    },
}

impl roflgov_types::Classified for ProposalFileError {
    /// An unreadable or malformed file is an input failure; an edited file and a competing
    /// transaction are refusals (verification).
    fn class(&self) -> roflgov_types::FailureClass {
        use roflgov_types::FailureClass;
        match self {
            Self::File(_) | Self::Malformed { .. } | Self::BadAddress { .. } => FailureClass::Input,
            Self::Edited { .. } | Self::Competing { .. } | Self::OtherSafe { .. } => {
                FailureClass::Verification
            }
            Self::WrongChain { .. } => FailureClass::Chain,
        }
    }
}

impl ProposalFile {
    /// Parses a proposal file's text (`name` names it in errors), refusing any mixed-case address
    /// with a wrong EIP-55 checksum (`safe`, `tx.to`, ...: serde's `Address` ignores the
    /// checksum) and a stored SafeTx hash that is not the transaction's.
    pub fn from_json(name: &str, text: &str) -> Result<Self, ProposalFileError> {
        let file = parse(name, text)?;
        let p = &file.proposal;
        let actual = p.tx.safe_tx_hash(p.chain_id, p.safe);
        if actual != p.safe_tx_hash {
            return Err(ProposalFileError::Edited {
                name: text::escape(name),
                stored: p.safe_tx_hash,
                actual,
            });
        }
        Ok(file)
    }

    /// Reads a proposal file (`-`: stdin), checked as [`ProposalFile::from_json`] does.
    pub fn load(path: &Path) -> Result<Self, ProposalFileError> {
        let text = files::read_input_text(path)?;
        Self::from_json(&path.display().to_string(), &text)
    }

    /// Refuses a proposal for another Safe than `network_safe` (the network's, when it has one).
    pub fn ensure_safe(&self, name: &str, network_safe: Option<Address>) -> Result<(), ProposalFileError> {
        match network_safe {
            Some(network) if network != self.proposal.safe => Err(ProposalFileError::OtherSafe {
                name: text::escape(name),
                proposal: self.proposal.safe,
                network,
            }),
            _ => Ok(()),
        }
    }

    /// Refuses a proposal for another chain than `endpoint` (the chain id of the endpoint).
    pub fn ensure_chain(&self, name: &str, endpoint: u64) -> Result<(), ProposalFileError> {
        if self.proposal.chain_id != endpoint {
            return Err(ProposalFileError::WrongChain {
                name: text::escape(name),
                proposal: self.proposal.chain_id,
                endpoint,
            });
        }
        Ok(())
    }

    /// The file's text: pretty JSON and a final newline.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).expect("a proposal file always serializes") + "\n"
    }

    /// Writes the file atomically (nothing partial is left behind on failure).
    pub fn save(&self, path: &Path) -> Result<(), ProposalFileError> {
        Ok(files::write_atomic(path, self.to_json().as_bytes())?)
    }
}

/// Parses without the hash check (the competitor scan compares stored hashes).
fn parse(name: &str, text: &str) -> Result<ProposalFile, ProposalFileError> {
    let malformed = |e: serde_json::Error| ProposalFileError::Malformed {
        name: text::escape(name),
        reason: text::escape(&e.to_string()),
    };
    let value: serde_json::Value = serde_json::from_str(text).map_err(malformed)?;
    roflgov_types::eip55::check_json_addresses(&value).map_err(|reason| ProposalFileError::BadAddress {
        name: text::escape(name),
        reason: text::escape(&reason),
    })?;
    serde_json::from_str(text).map_err(malformed)
}

/// Refuses when another proposal file next to `path` (any other `*.json` regular file of its
/// folder that parses as a proposal file) holds a different transaction for the same Safe,
/// chain and nonce: only one of them can ever execute. Unreadable or foreign files are skipped.
pub fn ensure_no_competitor(path: &Path, proposal: &SafeProposal) -> Result<(), ProposalFileError> {
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let Ok(entries) = std::fs::read_dir(&dir) else { return Ok(()) };
    let me = path.canonicalize().unwrap_or_else(|_| path.to_path_buf());
    for entry in entries.flatten() {
        let other = entry.path();
        if other.extension().is_none_or(|e| e != "json") || other.canonicalize().ok().as_ref() == Some(&me) {
            continue;
        }
        // Only regular files: opening a FIFO named `x.json` would block forever.
        if !std::fs::metadata(&other).is_ok_and(|m| m.is_file()) {
            continue;
        }
        let Ok(text) = files::read_input_text(&other) else { continue };
        let name = text::escape(&other.display().to_string());
        let Ok(file) = parse(&name, &text) else { continue };
        let o = &file.proposal;
        if o.chain_id == proposal.chain_id
            && o.safe == proposal.safe
            && o.tx.nonce == proposal.tx.nonce
            && o.safe_tx_hash != proposal.safe_tx_hash
        {
            return Err(ProposalFileError::Competing {
                other: name,
                other_hash: o.safe_tx_hash,
                nonce: o.tx.nonce,
                this_hash: proposal.safe_tx_hash,
            });
        }
    }
    Ok(())
}

/// The calls a Safe transaction makes, for the review: the MultiSendCallOnly entries, the call
/// itself, or a DELEGATECALL flagged as such.
pub fn proposed_calls(tx: &SafeTx, multi_send: Address) -> Vec<ProposedCall> {
    match tx.calls(multi_send) {
        Ok(calls) => calls.into_iter().map(|c| ProposedCall::call(c.to, c.value, c.data)).collect(),
        Err(_) => vec![ProposedCall {
            to: tx.to,
            value: tx.value,
            data: tx.data.clone(),
            delegate_call: tx.operation == Operation::DelegateCall,
        }],
    }
}

#[cfg(test)]
mod tests {
    use alloy::primitives::Bytes;
    use roflgov_types::{Classified, FailureClass};

    use super::*;
    use crate::SafeCall;

    fn proposal(nonce: u64, data: u8) -> SafeProposal {
        let call = SafeCall::new(Address::repeat_byte(0x11), U256::ZERO, Bytes::from(vec![data]));
        SafeProposal::new(31337, Address::repeat_byte(0x5a), SafeTx::call(call, nonce))
    }

    fn file(nonce: u64, data: u8) -> ProposalFile {
        ProposalFile {
            proposal: proposal(nonce, data),
            roflgov: Some(ProposalMeta {
                title: "release 1.1".into(),
                description: None,
                app: None,
                policy_contract: Address::repeat_byte(0x11),
            }),
        }
    }

    #[test]
    fn a_saved_file_reads_back_as_it_was_written() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("p.json");
        let f = file(3, 1);
        f.save(&path).unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.ends_with("}\n") && text.contains("\"safeTxHash\"") && text.contains("\"roflgov\""));
        let back = ProposalFile::load(&path).unwrap();
        assert_eq!(back.proposal, f.proposal);
        assert_eq!(back.to_json(), text);
        // No temp file is left next to it.
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    /// The Safe Transaction Service vector, whose SafeTx hash and signatures
    /// `tools/crosscheck/tx-service.test.js` checks with the Safe's own protocol-kit
    /// (`calculateSafeTransactionHash`): a file holding it is accepted as it is, and refused
    /// once its transaction is edited.
    #[test]
    fn the_hash_check_agrees_with_the_safe_protocol_kit_vector() {
        let v: serde_json::Value =
            serde_json::from_str(include_str!("../../../test/vectors/tx_service_requests.json")).unwrap();
        let mut doc = serde_json::json!({
            "chainId": v["chainId"],
            "safe": v["safe"],
            "tx": v["safeTransactionData"],
            "safeTxHash": v["safeTxHash"],
            "signatures": [v["senderSignature"], v["confirmerSignature"]],
        });
        let file = ProposalFile::from_json("vector.json", &doc.to_string()).unwrap();
        assert_eq!(file.proposal.safe_tx_hash.to_string(), v["safeTxHash"].as_str().unwrap());
        doc["tx"]["nonce"] = serde_json::json!(8);
        let err = ProposalFile::from_json("vector.json", &doc.to_string()).unwrap_err();
        assert!(matches!(err, ProposalFileError::Edited { .. }), "{err}");
    }

    #[test]
    fn an_edited_transaction_is_refused_on_load() {
        let mut value = serde_json::to_value(file(3, 1)).unwrap();
        value["tx"]["value"] = serde_json::json!("1000");
        let err = ProposalFile::from_json("p.json", &value.to_string()).unwrap_err();
        assert!(matches!(err, ProposalFileError::Edited { .. }), "{err}");
        assert_eq!(err.class(), FailureClass::Verification);
        assert!(err.to_string().contains("the file was edited"), "{err}");
    }

    #[test]
    fn a_proposal_for_another_chain_or_safe_is_refused() {
        let f = file(3, 1);
        assert!(f.ensure_chain("p.json", 31337).is_ok());
        let err = f.ensure_chain("p.json", 23294).unwrap_err();
        assert!(
            matches!(err, ProposalFileError::WrongChain { proposal: 31337, endpoint: 23294, .. }),
            "{err}"
        );
        assert_eq!(err.class(), FailureClass::Chain);
        assert!(f.ensure_safe("p.json", None).is_ok());
        assert!(f.ensure_safe("p.json", Some(f.proposal.safe)).is_ok());
        let err = f.ensure_safe("p.json", Some(Address::repeat_byte(1))).unwrap_err();
        assert!(matches!(err, ProposalFileError::OtherSafe { .. }), "{err}");
        assert_eq!(err.class(), FailureClass::Verification);
        assert!(err.to_string().ends_with("nothing was signed or sent"), "{err}");
    }

    #[test]
    fn malformed_files_and_bad_checksums_are_input_errors() {
        let err = ProposalFile::from_json("p.json", r#"{"transactions": []}"#).unwrap_err();
        assert!(matches!(err, ProposalFileError::Malformed { .. }), "{err}");
        assert_eq!(err.class(), FailureClass::Input);
        assert!(err.to_string().starts_with("p.json: not a roflgov Safe proposal file"), "{err}");

        let good = "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed";
        let mut value = serde_json::to_value(file(3, 1)).unwrap();
        value["safe"] = serde_json::json!(good.replacen("aA", "aa", 1));
        let err = ProposalFile::from_json("p.json", &value.to_string()).unwrap_err();
        assert!(matches!(err, ProposalFileError::BadAddress { .. }), "{err}");
        assert!(err.to_string().contains("`safe`"), "{err}");
        assert_eq!(err.class(), FailureClass::Input);
    }

    #[test]
    fn a_different_transaction_at_the_same_nonce_competes() {
        let dir = tempfile::tempdir().unwrap();
        let mine = dir.path().join("mine.json");
        file(3, 1).save(&dir.path().join("other.json")).unwrap();
        // The same transaction elsewhere, another nonce and a non-proposal file do not compete.
        assert!(ensure_no_competitor(&mine, &proposal(3, 1)).is_ok());
        assert!(ensure_no_competitor(&mine, &proposal(4, 2)).is_ok());
        std::fs::write(dir.path().join("notes.json"), "{}").unwrap();
        let err = ensure_no_competitor(&mine, &proposal(3, 2)).unwrap_err();
        assert!(
            matches!(&err, ProposalFileError::Competing { other, .. } if other.ends_with("other.json")),
            "{err}"
        );
        assert_eq!(err.class(), FailureClass::Verification);
        // The file itself never competes with its own new version.
        file(3, 1).save(&mine).unwrap();
        std::fs::remove_file(dir.path().join("other.json")).unwrap();
        assert!(ensure_no_competitor(&mine, &proposal(3, 2)).is_ok());
    }

    #[test]
    fn a_competitor_with_a_hostile_name_is_named_escaped() {
        // Anyone who can drop a file into the proposals folder chooses its name: a terminal
        // control sequence in it must reach the signer as text, not as a command.
        let dir = tempfile::tempdir().unwrap();
        file(3, 1).save(&dir.path().join("evil\u{1b}[2J\u{202e}.json")).unwrap();
        let err = ensure_no_competitor(&dir.path().join("mine.json"), &proposal(3, 2)).unwrap_err();
        let message = err.to_string();
        assert!(message.contains("evil\\u{001b}[2J\\u{202e}.json"), "{message}");
        assert!(!message.contains('\u{1b}') && !message.contains('\u{202e}'), "{message}");
    }

    #[test]
    fn a_proposal_for_another_chain_or_safe_does_not_compete() {
        let dir = tempfile::tempdir().unwrap();
        let mine = dir.path().join("mine.json");
        let mut other_chain = file(3, 1);
        other_chain.proposal = SafeProposal::new(1, other_chain.proposal.safe, other_chain.proposal.tx);
        other_chain.save(&dir.path().join("other.json")).unwrap();
        assert!(ensure_no_competitor(&mine, &proposal(3, 2)).is_ok());
    }

    #[test]
    fn a_delegatecall_that_is_not_a_batch_is_flagged() {
        let mut tx = proposal(0, 1).tx;
        tx.operation = Operation::DelegateCall;
        let calls = proposed_calls(&tx, Address::repeat_byte(0x99));
        assert_eq!(calls.len(), 1);
        assert!(calls[0].delegate_call);
        let plain = proposed_calls(&proposal(0, 1).tx, Address::repeat_byte(0x99));
        assert!(!plain[0].delegate_call && plain[0].to == Address::repeat_byte(0x11));
    }
}
