//! Pending Safe transactions kept as proposal files, and detection of proposals that compete
//! for the same nonce (only one of them can ever execute; signers must know).

use std::{
    collections::BTreeMap,
    path::{Path, PathBuf},
};

use alloy::primitives::{Address, B256, Bytes, U256};
use serde::{Deserialize, Serialize};

use crate::{SafeError, SafeTx};

/// A Safe transaction waiting for signatures, as stored in a proposal file (JSON).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SafeProposal {
    /// The chain the transaction is for.
    pub chain_id: u64,
    /// The Safe that executes it.
    pub safe: Address,
    /// The transaction.
    pub tx: SafeTx,
    /// The SafeTx hash, stored for people and checked on load.
    pub safe_tx_hash: B256,
    /// Packed 65-byte signatures collected so far, in any order.
    #[serde(default)]
    pub signatures: Vec<Bytes>,
}

impl SafeProposal {
    /// A proposal of `tx` for `safe` on `chain_id`, with its hash and no signature yet.
    pub fn new(chain_id: u64, safe: Address, tx: SafeTx) -> Self {
        let safe_tx_hash = tx.safe_tx_hash(chain_id, safe);
        Self { chain_id, safe, tx, safe_tx_hash, signatures: Vec::new() }
    }

    /// Read a proposal file, checking that the stored hash is the transaction's hash.
    pub fn load(path: &Path) -> Result<Self, SafeError> {
        let error = |reason: String| SafeError::ProposalFile { path: path.display().to_string(), reason };
        let text = std::fs::read_to_string(path).map_err(|e| error(e.to_string()))?;
        let proposal: Self = serde_json::from_str(&text).map_err(|e| error(e.to_string()))?;
        let actual = proposal.tx.safe_tx_hash(proposal.chain_id, proposal.safe);
        if actual != proposal.safe_tx_hash {
            return Err(error(format!(
                "stored safeTxHash {} does not match the transaction (its hash is {actual})",
                proposal.safe_tx_hash
            )));
        }
        Ok(proposal)
    }

    /// Write the proposal file (pretty JSON).
    pub fn save(&self, path: &Path) -> Result<(), SafeError> {
        let text = serde_json::to_string_pretty(self).expect("a proposal always serializes");
        std::fs::write(path, text + "\n")
            .map_err(|e| SafeError::ProposalFile { path: path.display().to_string(), reason: e.to_string() })
    }
}

/// Every `*.json` proposal in `dir`, sorted by file name.
pub fn load_proposals(dir: &Path) -> Result<Vec<(PathBuf, SafeProposal)>, SafeError> {
    let error = |reason: String| SafeError::ProposalFile { path: dir.display().to_string(), reason };
    let mut paths: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|e| error(e.to_string()))?
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|ext| ext == "json"))
        .collect();
    paths.sort();
    paths.into_iter().map(|path| SafeProposal::load(&path).map(|p| (path, p))).collect()
}

/// Two different transactions for the same Safe and nonce.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NonceConflict {
    /// The Safe.
    pub safe: Address,
    /// The nonce both transactions carry.
    pub nonce: U256,
    /// The SafeTx hash of one of them.
    pub first: B256,
    /// The SafeTx hash of the other.
    pub second: B256,
}

impl NonceConflict {
    /// The conflict as [`SafeError::CompetingTransactions`].
    pub fn into_error(self) -> SafeError {
        SafeError::CompetingTransactions { nonce: self.nonce, first: self.first, second: self.second }
    }
}

/// Find pairs of different transactions (by SafeTx hash) at the same Safe, chain and nonce.
/// The same transaction appearing twice (e.g. two copies carrying different signatures) is
/// not a conflict.
pub fn find_nonce_conflicts<'a>(proposals: impl IntoIterator<Item = &'a SafeProposal>) -> Vec<NonceConflict> {
    let mut seen: BTreeMap<(u64, Address, U256), B256> = BTreeMap::new();
    let mut conflicts = Vec::new();
    for proposal in proposals {
        let key = (proposal.chain_id, proposal.safe, proposal.tx.nonce);
        match seen.get(&key) {
            Some(first) if *first != proposal.safe_tx_hash => conflicts.push(NonceConflict {
                safe: proposal.safe,
                nonce: proposal.tx.nonce,
                first: *first,
                second: proposal.safe_tx_hash,
            }),
            Some(_) => {}
            None => {
                seen.insert(key, proposal.safe_tx_hash);
            }
        }
    }
    conflicts
}

/// Refuse when any two pending proposals compete for one nonce.
pub fn ensure_no_nonce_conflicts<'a>(
    proposals: impl IntoIterator<Item = &'a SafeProposal>,
) -> Result<(), SafeError> {
    match find_nonce_conflicts(proposals).into_iter().next() {
        Some(conflict) => Err(conflict.into_error()),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloy::primitives::address;

    #[test]
    fn detects_two_hashes_at_one_nonce_and_names_both() {
        let safe = address!("00000000000000000000000000000000005afe00");
        let a = SafeTx { nonce: U256::from(3), ..SafeTx::default() };
        let mut b = a.clone();
        b.value = U256::from(1);
        let mut c = a.clone();
        c.nonce = U256::from(4);
        let pa = SafeProposal::new(1, safe, a.clone());
        let pb = SafeProposal::new(1, safe, b);
        let pc = SafeProposal::new(1, safe, c);
        let pa_copy = SafeProposal::new(1, safe, a);

        assert!(ensure_no_nonce_conflicts([&pa, &pc, &pa_copy]).is_ok());
        let conflicts = find_nonce_conflicts([&pa, &pc, &pb]);
        assert_eq!(conflicts.len(), 1);
        let message = conflicts[0].clone().into_error().to_string();
        assert!(message.contains(&pa.safe_tx_hash.to_string()), "{message}");
        assert!(message.contains(&pb.safe_tx_hash.to_string()), "{message}");
    }
}
