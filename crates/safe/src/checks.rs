//! The rules a proposal is checked against before anyone signs, approves, executes, combines,
//! proposes, confirms or fetches it: the Safe's nonce, its owners, the signatures the file
//! carries, the Safe's own `getTransactionHash`, the legs of a combined transaction and a
//! transaction service's answer. Functions over data (what the chain said is passed in), and
//! [`SafeClient::collect_approvals`] over a client; each refusal is a [`CheckError`] that says
//! what was not done. A front end calls them and renders; it decides nothing itself.

use std::{
    fmt,
    path::{Path, PathBuf},
};

use alloy::primitives::{Address, B256, Bytes, U256};
use roflgov_core::text;

use crate::{
    SafeCall, SafeClient, SafeError, SafeProposal, SafeSignature, SignatureSet,
    proposal_file::ProposalFile,
    tx_builder::{BatchFile, CheckedBatch},
};

/// What a refused command did not do, for the end of its message ("nothing was …").
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Refused {
    /// `safe sign`.
    Signed,
    /// A transaction (`approve`, `execute`).
    Sent,
    /// Any check made before a signature or a transaction.
    SignedOrSent,
    /// `safe propose`.
    Proposed,
    /// `safe confirm`.
    Confirmed,
    /// A file (`combine`, `fetch`).
    Written,
}

impl fmt::Display for Refused {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Signed => "signed",
            Self::Sent => "sent",
            Self::SignedOrSent => "signed or sent",
            Self::Proposed => "proposed",
            Self::Confirmed => "confirmed",
            Self::Written => "written",
        })
    }
}

/// Accounts as a comma-separated list, `(none)` when empty.
pub fn account_list(accounts: &[Address]) -> String {
    if accounts.is_empty() {
        "(none)".into()
    } else {
        accounts.iter().map(|a| a.to_string()).collect::<Vec<_>>().join(", ")
    }
}

/// Why a proposal is refused.
#[derive(Debug, thiserror::Error)]
pub enum CheckError {
    /// The proposal's nonce is below the Safe's: it was executed or replaced.
    #[error(
        "nonce {nonce} is already used (the Safe is at nonce {safe_nonce}): this transaction was executed or replaced; nothing was signed or sent"
    )]
    NonceUsed {
        /// The proposal's nonce.
        nonce: U256,
        /// The Safe's nonce.
        safe_nonce: U256,
    },
    /// The proposal's nonce is above the Safe's: an earlier transaction must execute first.
    #[error(
        "nonce {nonce} is not next: the Safe is at nonce {safe_nonce}, execute the pending transaction(s) before it first; nothing was sent"
    )]
    NonceNotNext {
        /// The proposal's nonce.
        nonce: U256,
        /// The Safe's nonce.
        safe_nonce: U256,
    },
    /// The account is not an owner of the Safe.
    #[error(
        "{account} is not an owner of Safe {safe} (owners: {}); nothing was {refused}",
        account_list(owners)
    )]
    NotAnOwner {
        /// The account.
        account: Address,
        /// The Safe.
        safe: Address,
        /// Its owners.
        owners: Vec<Address>,
        /// What was not done.
        refused: Refused,
    },
    /// A signature in the file is malformed, not an owner's, or a second one of an owner.
    #[error("{name}: signature #{index}: {reason}; remove it from the file; nothing was signed or sent")]
    BadSignature {
        /// The file.
        name: String,
        /// Its position in the file's `signatures`.
        index: usize,
        /// Why it is refused.
        reason: Box<SafeError>,
    },
    /// The owner's signature is already in the file.
    #[error("{0} has already signed this transaction; the file is unchanged")]
    AlreadySigned(Address),
    /// The owner has already approved the hash on chain.
    #[error("{owner} has already approved {hash} on chain; nothing was sent")]
    AlreadyApproved {
        /// The owner.
        owner: Address,
        /// The SafeTx hash.
        hash: B256,
    },
    /// Fewer owners signed or approved than the threshold.
    #[error(
        "not enough approvals: {reason} (signed or approved by: {}); nothing was sent",
        account_list(signers)
    )]
    NotEnoughApprovals {
        /// How many of how many.
        reason: Box<SafeError>,
        /// Who signed or approved.
        signers: Vec<Address>,
    },
    /// The Safe's `getTransactionHash` is not the hash the proposal states.
    #[error(
        "the Safe computes hash {onchain} for this transaction, {stated_by} says {stated}; nothing was {refused}"
    )]
    HashMismatch {
        /// The Safe's hash.
        onchain: B256,
        /// Where the stated hash comes from (`the file`, `the proposal`).
        stated_by: &'static str,
        /// The stated hash.
        stated: B256,
        /// What was not done.
        refused: Refused,
    },
    /// A leg of `combine` is for another Safe or chain.
    #[error(
        "{name}: for Safe {safe} on chain {chain_id}, not Safe {want_safe} on chain {want_chain_id}; nothing was written"
    )]
    LegElsewhere {
        /// The leg's file.
        name: String,
        /// Its Safe.
        safe: Address,
        /// Its chain.
        chain_id: u64,
        /// The combined transaction's Safe.
        want_safe: Address,
        /// The combined transaction's chain.
        want_chain_id: u64,
    },
    /// A leg of `combine` carries signatures (they would not cover the combined transaction).
    #[error(
        "{0}: already carries signatures; combine unsigned legs (signers sign the combined file); nothing was written"
    )]
    LegSigned(String),
    /// A leg file lies in the folder of the combined file, where it competes for its nonce.
    #[error(
        "{0} is in the folder of --safe-out: the legs compete for the Safe's nonce with the combined file; write the legs to a folder of their own, or as batches (--tx-builder-out)"
    )]
    LegNextToOutput(String),
    /// A leg's calls cannot be read (a DELEGATECALL that is not MultiSendCallOnly; a batch with
    /// a wrong checksum, for another Safe or chain).
    #[error("{name}: {reason}; nothing was written")]
    LegCalls {
        /// The leg's file.
        name: String,
        /// What is wrong.
        reason: String,
    },
    /// The combined transaction's nonce is already used.
    #[error("nonce {nonce} is already used: the Safe's next nonce is {safe_nonce}; nothing was written")]
    CombinedNonceUsed {
        /// The nonce asked for.
        nonce: U256,
        /// The Safe's nonce.
        safe_nonce: U256,
    },
    /// The Safe computes another hash than roflgov for a transaction roflgov built: the contract
    /// is not a Safe v1.4.1.
    #[error(
        "the Safe computes SafeTx hash {onchain}, roflgov {computed}: is {safe} a Safe v1.4.1? nothing was written"
    )]
    NotSafeV141 {
        /// The Safe's hash.
        onchain: B256,
        /// roflgov's.
        computed: B256,
        /// The Safe.
        safe: Address,
    },
    /// The combined transaction reverts in simulation.
    #[error(
        "the combined transaction would revert: {0} (two legs on the same app? each was drafted against its current version: put them in one proposal, e.g. `propose --set-guardian`); nothing was written"
    )]
    CombinedReverts(String),
    /// A transaction service's transaction is for another Safe than the network's.
    #[error(
        "the service's transaction {hash} is for Safe {safe}, this network's Safe is {configured}; nothing was written"
    )]
    ServiceOtherSafe {
        /// The SafeTx hash asked for.
        hash: B256,
        /// The Safe the service names.
        safe: Address,
        /// The network's Safe.
        configured: Address,
    },
    /// The Safe's `getTransactionHash` of a service's transaction is not the hash asked for.
    #[error("the Safe computes hash {onchain} for the service's transaction {hash}; nothing was written")]
    ServiceHashMismatch {
        /// The Safe's hash.
        onchain: B256,
        /// The SafeTx hash asked for.
        hash: B256,
    },
}

impl roflgov_types::Classified for CheckError {
    /// A leg next to the output is a usage error, a contract that hashes unlike a Safe v1.4.1
    /// a chain error; every other refusal is a verification failure (nothing was done).
    fn class(&self) -> roflgov_types::FailureClass {
        use roflgov_types::FailureClass;
        match self {
            Self::LegNextToOutput(_) => FailureClass::Usage,
            Self::NotSafeV141 { .. } => FailureClass::Chain,
            _ => FailureClass::Verification,
        }
    }
}

/// Refuses a proposal whose nonce the Safe has used (`safe_nonce`: the Safe's nonce).
pub fn ensure_nonce_unused(proposal: &SafeProposal, safe_nonce: U256) -> Result<(), CheckError> {
    if proposal.tx.nonce < safe_nonce {
        return Err(CheckError::NonceUsed { nonce: proposal.tx.nonce, safe_nonce });
    }
    Ok(())
}

/// Refuses to execute a proposal whose nonce is not the Safe's next one.
pub fn ensure_nonce_next(proposal: &SafeProposal, safe_nonce: U256) -> Result<(), CheckError> {
    if proposal.tx.nonce > safe_nonce {
        return Err(CheckError::NonceNotNext { nonce: proposal.tx.nonce, safe_nonce });
    }
    ensure_nonce_unused(proposal, safe_nonce)
}

/// Refuses `account` unless it is one of the Safe's `owners`.
pub fn ensure_owner(
    safe: Address,
    owners: &[Address],
    account: Address,
    refused: Refused,
) -> Result<(), CheckError> {
    if !owners.contains(&account) {
        return Err(CheckError::NotAnOwner { account, safe, owners: owners.to_vec(), refused });
    }
    Ok(())
}

/// The signatures of a proposal (`name`: its file), each checked against the Safe's `owners`:
/// malformed ones, non-owners' (made for another transaction, Safe or chain) and an owner's
/// second are refused with their position.
pub fn signature_set(
    name: &str,
    proposal: &SafeProposal,
    owners: &[Address],
    threshold: usize,
) -> Result<SignatureSet, CheckError> {
    let mut set = SignatureSet::new(proposal.safe_tx_hash, owners.iter().copied(), threshold);
    for (index, sig) in proposal.signatures.iter().enumerate() {
        set.insert_packed(sig).map_err(|reason| CheckError::BadSignature {
            name: text::escape(name),
            index,
            reason: Box::new(reason),
        })?;
    }
    Ok(set)
}

/// Refuses a second signature of `signer` (`set`: the file's, from [`signature_set`]).
pub fn ensure_not_signed(set: &SignatureSet, signer: Address) -> Result<(), CheckError> {
    if set.signers().contains(&signer) {
        return Err(CheckError::AlreadySigned(signer));
    }
    Ok(())
}

/// Refuses a second `approveHash` of `owner` (`approved`: what `approvedHashes` says).
pub fn ensure_not_approved(owner: Address, hash: B256, approved: bool) -> Result<(), CheckError> {
    if approved {
        return Err(CheckError::AlreadyApproved { owner, hash });
    }
    Ok(())
}

/// The packed signatures to execute with, once the set reaches the threshold.
pub fn execution_signatures(set: &SignatureSet) -> Result<Bytes, CheckError> {
    set.packed_complete()
        .map_err(|reason| CheckError::NotEnoughApprovals { reason: Box::new(reason), signers: set.signers() })
}

/// Refuses unless the Safe's own `getTransactionHash` (`onchain`) is the hash the proposal
/// states (`stated_by`: where that hash comes from).
pub fn ensure_onchain_hash(
    proposal: &SafeProposal,
    onchain: B256,
    stated_by: &'static str,
    refused: Refused,
) -> Result<(), CheckError> {
    if onchain != proposal.safe_tx_hash {
        return Err(CheckError::HashMismatch { onchain, stated_by, stated: proposal.safe_tx_hash, refused });
    }
    Ok(())
}

/// The signature of `signer` the proposal already carries, if any.
pub fn own_signature(proposal: &SafeProposal, signer: Address) -> Option<&Bytes> {
    proposal.signatures.iter().find(|sig| {
        SafeSignature::from_packed(sig)
            .and_then(|s| s.signer(proposal.safe_tx_hash))
            .is_ok_and(|s| s == signer)
    })
}

/// The folder of a file path, canonical when it exists.
fn folder(path: &Path) -> PathBuf {
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    dir.canonicalize().unwrap_or(dir)
}

/// The calls of a proposal file given as a leg of `safe combine` (`leg`: its path; `out`: the
/// combined file's): for the combined transaction's Safe and chain, unsigned, not in the
/// combined file's folder (where it would compete for the same nonce), and its calls readable.
pub fn leg_calls(
    leg: &Path,
    file: &ProposalFile,
    safe: Address,
    chain_id: u64,
    multi_send: Address,
    out: &Path,
) -> Result<Vec<SafeCall>, CheckError> {
    let name = text::escape(&leg.display().to_string());
    let p = &file.proposal;
    if p.safe != safe || p.chain_id != chain_id {
        return Err(CheckError::LegElsewhere {
            name,
            safe: p.safe,
            chain_id: p.chain_id,
            want_safe: safe,
            want_chain_id: chain_id,
        });
    }
    if !p.signatures.is_empty() {
        return Err(CheckError::LegSigned(name));
    }
    if folder(leg) == folder(out) {
        return Err(CheckError::LegNextToOutput(name));
    }
    p.tx.calls(multi_send).map_err(|e| CheckError::LegCalls { name, reason: text::escape(&e.to_string()) })
}

/// A Transaction Builder batch given as a leg of `safe combine` (`text`: its content), read
/// with its checksum checked against the Safe and chain (`BatchFile::import_checked`).
pub fn batch_leg(leg: &Path, text: &str, chain_id: u64, safe: Address) -> Result<CheckedBatch, CheckError> {
    BatchFile::import_checked(text, chain_id, safe).map_err(|e| CheckError::LegCalls {
        name: text::escape(&leg.display().to_string()),
        reason: text::escape(&e.to_string()),
    })
}

/// The nonce of a combined transaction: `asked` (else the Safe's next), never a used one.
pub fn combined_nonce(asked: Option<u64>, safe_nonce: U256) -> Result<U256, CheckError> {
    let nonce = asked.map(U256::from).unwrap_or(safe_nonce);
    if nonce < safe_nonce {
        return Err(CheckError::CombinedNonceUsed { nonce, safe_nonce });
    }
    Ok(nonce)
}

/// Refuses a Safe whose `getTransactionHash` (`onchain`) differs from roflgov's for a
/// transaction roflgov built: it is not a Safe v1.4.1, and signatures would not match.
pub fn ensure_safe_v141(proposal: &SafeProposal, onchain: B256) -> Result<(), CheckError> {
    if onchain != proposal.safe_tx_hash {
        return Err(CheckError::NotSafeV141 {
            onchain,
            computed: proposal.safe_tx_hash,
            safe: proposal.safe,
        });
    }
    Ok(())
}

/// Refuses a combined transaction whose simulation reverts (`revert`: the reason, when it does).
pub fn ensure_combined_succeeds(success: bool, revert: Option<String>) -> Result<(), CheckError> {
    if !success {
        return Err(CheckError::CombinedReverts(revert.unwrap_or_else(|| "no reason".into())));
    }
    Ok(())
}

/// Refuses a transaction service's transaction `hash` for `safe` when the network has another
/// Safe (`configured`).
pub fn ensure_service_safe(hash: B256, safe: Address, configured: Option<Address>) -> Result<(), CheckError> {
    match configured {
        Some(configured) if configured != safe => {
            Err(CheckError::ServiceOtherSafe { hash, safe, configured })
        }
        _ => Ok(()),
    }
}

/// Refuses a transaction service's transaction unless the Safe's `getTransactionHash` of its
/// fields (`onchain`) is the hash asked for.
pub fn ensure_service_hash(hash: B256, onchain: B256) -> Result<(), CheckError> {
    if onchain != hash {
        return Err(CheckError::ServiceHashMismatch { onchain, hash });
    }
    Ok(())
}

impl SafeClient {
    /// Adds to `set` every owner among `owners` who approved its hash on chain
    /// (`approvedHashes`), and `executor` when it is an owner (the Safe counts
    /// `msg.sender == owner` as an approval). With `until_complete`, stops once the threshold is
    /// reached (what execution needs); without, reads every owner (what a status shows).
    pub async fn collect_approvals(
        &self,
        set: &mut SignatureSet,
        owners: &[Address],
        executor: Option<Address>,
        until_complete: bool,
    ) -> Result<(), SafeError> {
        for owner in owners {
            if until_complete && set.is_complete() {
                break;
            }
            if set.signers().contains(owner) {
                continue;
            }
            let approved =
                Some(*owner) == executor || self.is_hash_approved(*owner, set.safe_tx_hash()).await?;
            if approved {
                set.insert(SafeSignature::ApprovedHash { owner: *owner })?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use alloy::signers::local::PrivateKeySigner;
    use roflgov_types::{Classified, FailureClass};

    use super::*;
    use crate::{SafeTx, proposal_file::ProposalMeta, sign_safe_tx};

    const CHAIN: u64 = 31337;

    fn keys() -> Vec<PrivateKeySigner> {
        (1u8..=3).map(|i| PrivateKeySigner::from_bytes(&B256::repeat_byte(i)).unwrap()).collect()
    }

    fn owners() -> Vec<Address> {
        keys().iter().map(|k| k.address()).collect()
    }

    fn proposal(nonce: u64) -> SafeProposal {
        let call = SafeCall::new(Address::repeat_byte(0x11), U256::ZERO, Bytes::from(vec![1]));
        SafeProposal::new(CHAIN, Address::repeat_byte(0x5a), SafeTx::call(call, nonce))
    }

    fn signed(p: &SafeProposal, key: &PrivateKeySigner) -> Bytes {
        Bytes::from(sign_safe_tx(key, &p.tx, p.chain_id, p.safe).unwrap().packed().to_vec())
    }

    #[test]
    fn used_and_future_nonces_are_refused() {
        let p = proposal(5);
        assert!(ensure_nonce_unused(&p, U256::from(5)).is_ok());
        assert!(ensure_nonce_unused(&p, U256::from(2)).is_ok());
        let err = ensure_nonce_unused(&p, U256::from(6)).unwrap_err();
        assert!(matches!(err, CheckError::NonceUsed { .. }), "{err}");
        assert!(err.to_string().contains("already used"), "{err}");
        assert_eq!(err.class(), FailureClass::Verification);

        assert!(ensure_nonce_next(&p, U256::from(5)).is_ok());
        let err = ensure_nonce_next(&p, U256::from(4)).unwrap_err();
        assert!(matches!(err, CheckError::NonceNotNext { .. }), "{err}");
        assert!(matches!(ensure_nonce_next(&p, U256::from(6)), Err(CheckError::NonceUsed { .. })));
    }

    #[test]
    fn a_non_owner_is_refused_naming_the_owners() {
        let safe = Address::repeat_byte(0x5a);
        let owners = owners();
        assert!(ensure_owner(safe, &owners, owners[1], Refused::Signed).is_ok());
        let stranger = Address::repeat_byte(0x77);
        let err = ensure_owner(safe, &owners, stranger, Refused::Proposed).unwrap_err();
        let text = err.to_string();
        assert!(text.contains("not an owner") && text.ends_with("nothing was proposed"), "{text}");
        assert!(text.contains(&owners[2].to_string()), "{text}");
        assert_eq!(err.class(), FailureClass::Verification);
    }

    #[test]
    fn the_file_signatures_must_be_owners_once_each() {
        let keys = keys();
        let owners = owners();
        let mut p = proposal(0);
        p.signatures.push(signed(&p, &keys[0]));
        let set = signature_set("p.json", &p, &owners, 2).unwrap();
        assert_eq!(set.signers(), vec![owners[0]]);
        assert!(
            matches!(ensure_not_signed(&set, owners[0]), Err(CheckError::AlreadySigned(a)) if a == owners[0])
        );
        assert!(ensure_not_signed(&set, owners[1]).is_ok());
        assert_eq!(own_signature(&p, owners[0]), Some(&p.signatures[0]));
        assert_eq!(own_signature(&p, owners[1]), None);
        let err = execution_signatures(&set).unwrap_err();
        assert!(err.to_string().contains("1 of 2 required signatures"), "{err}");

        // A signature of another transaction (a replay), a stranger's, a duplicate, a short one.
        let other = proposal(1);
        let stranger = PrivateKeySigner::from_bytes(&B256::repeat_byte(9)).unwrap();
        for bad in [
            signed(&other, &keys[1]),
            signed(&p, &stranger),
            p.signatures[0].clone(),
            Bytes::from(vec![0; 64]),
        ] {
            let mut q = p.clone();
            q.signatures.push(bad);
            let err = signature_set("p.json", &q, &owners, 2).unwrap_err();
            assert!(matches!(err, CheckError::BadSignature { index: 1, .. }), "{err}");
            assert!(err.to_string().starts_with("p.json: signature #1: "), "{err}");
            assert_eq!(err.class(), FailureClass::Verification);
        }

        p.signatures.push(signed(&p, &keys[2]));
        let set = signature_set("p.json", &p, &owners, 2).unwrap();
        assert_eq!(execution_signatures(&set).unwrap().len(), 130);
    }

    /// The hash check against the Safe's `getTransactionHash`, with the SafeTx hash of the
    /// vector that `tools/crosscheck/tx-service.test.js` checks with the Safe's own protocol-kit.
    #[test]
    fn the_safe_hash_must_be_the_stated_one() {
        let v: serde_json::Value =
            serde_json::from_str(include_str!("../../../test/vectors/tx_service_requests.json")).unwrap();
        let doc = serde_json::json!({
            "chainId": v["chainId"], "safe": v["safe"], "tx": v["safeTransactionData"],
            "safeTxHash": v["safeTxHash"], "signatures": [],
        });
        let file = ProposalFile::from_json("vector.json", &doc.to_string()).unwrap();
        let p = &file.proposal;
        let protocol_kit: B256 = v["safeTxHash"].as_str().unwrap().parse().unwrap();
        assert!(ensure_onchain_hash(p, protocol_kit, "the file", Refused::Signed).is_ok());
        assert!(ensure_safe_v141(p, protocol_kit).is_ok());
        assert!(ensure_service_hash(protocol_kit, protocol_kit).is_ok());
        let wrong = B256::repeat_byte(1);
        let err = ensure_onchain_hash(p, wrong, "the file", Refused::Signed).unwrap_err();
        assert!(
            err.to_string().ends_with(&format!(
                "the file says {}; nothing was signed",
                v["safeTxHash"].as_str().unwrap()
            )),
            "{err}"
        );
        assert_eq!(err.class(), FailureClass::Verification);
        let err = ensure_safe_v141(p, wrong).unwrap_err();
        assert!(err.to_string().contains("a Safe v1.4.1?"), "{err}");
        assert_eq!(err.class(), FailureClass::Chain);
        assert_eq!(ensure_service_hash(protocol_kit, wrong).unwrap_err().class(), FailureClass::Verification);
    }

    /// The vector's two signatures, which `tools/crosscheck/tx-service.test.js` recovers with
    /// viem to its sender and confirmer and posts through the Safe's api-kit: both count for
    /// those owners, packed in ascending owner order as `checkNSignatures` reads them, and a
    /// Safe without the confirmer as an owner refuses the second one.
    #[test]
    fn the_vector_signatures_count_for_the_owners_viem_recovers() {
        let v: serde_json::Value =
            serde_json::from_str(include_str!("../../../test/vectors/tx_service_requests.json")).unwrap();
        let addr = |k: &str| v[k].as_str().unwrap().parse::<Address>().unwrap();
        let sig = |k: &str| v[k].as_str().unwrap().parse::<Bytes>().unwrap();
        let (sender, confirmer) = (addr("sender"), addr("confirmer"));
        let doc = serde_json::json!({
            "chainId": v["chainId"], "safe": v["safe"], "tx": v["safeTransactionData"],
            "safeTxHash": v["safeTxHash"], "signatures": [v["senderSignature"], v["confirmerSignature"]],
        });
        let file = ProposalFile::from_json("vector.json", &doc.to_string()).unwrap();
        let p = &file.proposal;
        let set = signature_set("vector.json", p, &[sender, confirmer], 2).unwrap();
        assert_eq!(set.len(), 2);
        assert!(set.signers().contains(&sender) && set.signers().contains(&confirmer));
        assert_eq!(own_signature(p, confirmer), Some(&sig("confirmerSignature")));
        let (low, high) = if confirmer < sender {
            (sig("confirmerSignature"), sig("senderSignature"))
        } else {
            (sig("senderSignature"), sig("confirmerSignature"))
        };
        assert_eq!(execution_signatures(&set).unwrap(), Bytes::from([low.to_vec(), high.to_vec()].concat()));
        let err = signature_set("vector.json", p, &[sender], 1).unwrap_err();
        assert!(matches!(err, CheckError::BadSignature { index: 1, .. }), "{err}");
        assert!(err.to_string().contains("not from an owner"), "{err}");
    }

    #[test]
    fn a_service_transaction_for_another_safe_is_refused() {
        let hash = B256::repeat_byte(3);
        let safe = Address::repeat_byte(0x5a);
        assert!(ensure_service_safe(hash, safe, None).is_ok());
        assert!(ensure_service_safe(hash, safe, Some(safe)).is_ok());
        let err = ensure_service_safe(hash, safe, Some(Address::repeat_byte(1))).unwrap_err();
        assert!(err.to_string().contains("this network's Safe"), "{err}");
        assert_eq!(err.class(), FailureClass::Verification);
    }

    #[test]
    fn combine_takes_unsigned_legs_of_the_same_safe_from_another_folder() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("legs")).unwrap();
        let leg = dir.path().join("legs/1.json");
        let out = dir.path().join("batch.json");
        let multi_send = Address::repeat_byte(0x99);
        let mut file = ProposalFile {
            proposal: proposal(0),
            roflgov: Some(ProposalMeta {
                title: "t".into(),
                policy_contract: Address::ZERO,
                ..Default::default()
            }),
        };
        let (safe, chain) = (file.proposal.safe, CHAIN);
        let calls = leg_calls(&leg, &file, safe, chain, multi_send, &out).unwrap();
        assert_eq!(calls.len(), 1);
        assert_eq!(calls[0].to, Address::repeat_byte(0x11));

        let err = leg_calls(&leg, &file, Address::repeat_byte(1), chain, multi_send, &out).unwrap_err();
        assert!(matches!(err, CheckError::LegElsewhere { .. }), "{err}");
        let err = leg_calls(&leg, &file, safe, 23294, multi_send, &out).unwrap_err();
        assert!(matches!(err, CheckError::LegElsewhere { .. }), "{err}");
        let err = leg_calls(&dir.path().join("1.json"), &file, safe, chain, multi_send, &out).unwrap_err();
        assert!(err.to_string().contains("folder of their own"), "{err}");
        assert_eq!(err.class(), FailureClass::Usage);
        let mut delegate = file.clone();
        delegate.proposal.tx.operation = crate::Operation::DelegateCall;
        let err = leg_calls(&leg, &delegate, safe, chain, multi_send, &out).unwrap_err();
        assert!(matches!(err, CheckError::LegCalls { .. }), "{err}");
        file.proposal.signatures.push(signed(&file.proposal, &keys()[0]));
        let err = leg_calls(&leg, &file, safe, chain, multi_send, &out).unwrap_err();
        assert!(matches!(err, CheckError::LegSigned(_)), "{err}");
        assert_eq!(err.class(), FailureClass::Verification);
    }

    #[test]
    fn a_batch_leg_without_its_checksum_is_refused() {
        let text = r#"{"version":"1.0","chainId":"31337","meta":{},"transactions":[]}"#;
        let err = batch_leg(Path::new("legs/1.json"), text, CHAIN, Address::repeat_byte(0x5a)).unwrap_err();
        assert!(matches!(err, CheckError::LegCalls { .. }), "{err}");
        assert!(
            err.to_string().starts_with("legs/1.json: ") && err.to_string().ends_with("nothing was written")
        );
        assert_eq!(err.class(), FailureClass::Verification);
    }

    #[test]
    fn a_combined_transaction_needs_a_free_nonce_and_a_clean_simulation() {
        assert_eq!(combined_nonce(None, U256::from(4)).unwrap(), U256::from(4));
        assert_eq!(combined_nonce(Some(6), U256::from(4)).unwrap(), U256::from(6));
        let err = combined_nonce(Some(3), U256::from(4)).unwrap_err();
        assert!(err.to_string().contains("nonce 3 is already used"), "{err}");
        assert!(ensure_combined_succeeds(true, None).is_ok());
        let err = ensure_combined_succeeds(false, None).unwrap_err();
        assert!(err.to_string().contains("would revert: no reason"), "{err}");
        assert_eq!(err.class(), FailureClass::Verification);
        assert!(matches!(
            ensure_not_approved(Address::ZERO, B256::ZERO, true),
            Err(CheckError::AlreadyApproved { .. })
        ));
        assert!(ensure_not_approved(Address::ZERO, B256::ZERO, false).is_ok());
    }
}
