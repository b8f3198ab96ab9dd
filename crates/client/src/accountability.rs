//! Who approved a change: for the transaction of a history entry, the Safe owners who signed it,
//! the Governor proposal and the votes that passed it, or the account that sent it directly.
//!
//! Everything is read from the chain, never from files: the receipt's logs name the approval
//! path, and
//! - a Safe (SafeL2 v1.4.1) logs `SafeMultiSigTransaction` with the SafeTx fields, the packed
//!   `signatures` and `additionalInfo = abi.encode(nonce, msg.sender, threshold)` before it
//!   executes, and `ExecutionSuccess(txHash, payment)` after: the signers are recovered from the
//!   signatures over the SafeTx hash rebuilt from those fields (and checked against the hash the
//!   Safe logged);
//! - an OpenZeppelin Governor with a Timelock logs `ProposalExecuted(proposalId)` in the
//!   transaction that executes it (or, when the Timelock was called directly, the Timelock's
//!   `CallExecuted(id, …)` leads to the `CallScheduled(id, …)` of the transaction that queued the
//!   proposal, which carries `ProposalQueued(proposalId, …)`); the votes are the Governor's
//!   `VoteCast` and `VoteCastWithParams` events for that proposal, the proposer its
//!   `ProposalCreated`;
//! - anything else was sent directly: the transaction's sender.

use std::collections::HashMap;

use alloy::{
    primitives::{Address, B256, U256},
    providers::Provider,
    rpc::types::{Filter, Log, TransactionReceipt},
    sol_types::{SolEvent, SolValue},
};
use serde::{Serialize, Serializer};

use roflgov_governor::{
    VoteSupport,
    bindings::{RoflGovernor, TimelockController},
};
use roflgov_safe::{Operation, SafeSignature, SafeTx, bindings::SafeL2};

use crate::block_times::BlockTimes;

/// Errors reading who approved a transaction.
#[derive(Debug, thiserror::Error)]
pub enum ApprovalError {
    /// A JSON-RPC error.
    #[error(transparent)]
    Rpc(#[from] alloy::transports::TransportError),
    /// The node has no receipt for the transaction.
    #[error("no receipt for transaction {0}")]
    NoReceipt(B256),
    /// The node has no such block.
    #[error("no block {0}")]
    NoBlock(u64),
}

/// The approvers a network's config names: their events are preferred when a transaction holds
/// several, and the approvals they give are marked `configured`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Approvers {
    /// The Safe that owns the policy contract (Safe flow).
    pub safe: Option<Address>,
    /// The Governor whose Timelock owns it (DAO flow).
    pub governor: Option<Address>,
    /// That Governor's Timelock.
    pub timelock: Option<Address>,
}

/// Who approved one transaction.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "via", rename_all = "snake_case")]
pub enum Approval {
    /// Executed by a Safe, with its owners' signatures.
    Safe(SafeApproval),
    /// Executed through a Governor proposal (and its Timelock).
    Governor(GovernorApproval),
    /// Sent directly by an account (an owner EOA, the guardian, or anyone for `prune`).
    Direct {
        /// The transaction's sender.
        sender: Address,
    },
}

/// A Safe transaction and the owners who approved it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct SafeApproval {
    /// The Safe.
    pub safe: Address,
    /// Whether it is the Safe of the network's config.
    pub configured: bool,
    /// The EIP-712 SafeTx hash the owners signed, rebuilt from the logged fields.
    pub safe_tx_hash: B256,
    /// Whether the Safe's `ExecutionSuccess` logged the same hash.
    pub hash_confirmed: bool,
    /// The Safe nonce the transaction used.
    #[serde(serialize_with = "decimal")]
    pub nonce: U256,
    /// The Safe's threshold when it executed.
    #[serde(serialize_with = "decimal")]
    pub threshold: U256,
    /// The approvals the Safe checked, in the order it read them (ascending owner).
    pub signers: Vec<SafeSigner>,
    /// Who called `execTransaction` (`msg.sender`).
    pub executor: Address,
}

/// One approval of a Safe transaction.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct SafeSigner {
    /// The owner (for a contract signature: the contract that was asked, unverified here).
    pub address: Address,
    /// How the approval was given.
    pub kind: SignatureKind,
    /// Whether the address is recovered from (ECDSA) or named by (approved hash) the signature;
    /// `false` for an EIP-1271 contract signature, whose check this tool does not repeat.
    pub verified: bool,
}

/// How an owner approved a Safe transaction.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SignatureKind {
    /// An ECDSA signature of the EIP-712 SafeTx hash.
    Eip712,
    /// An ECDSA `eth_sign` signature of the hash.
    EthSign,
    /// An on-chain `approveHash`, or the executor being the owner.
    ApprovedHash,
    /// An EIP-1271 contract signature (v = 0).
    Contract,
}

impl std::fmt::Display for SignatureKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Eip712 => "EIP-712 signature",
            Self::EthSign => "eth_sign signature",
            Self::ApprovedHash => "approved hash",
            Self::Contract => "contract signature, unverified",
        })
    }
}

/// A Governor proposal and the votes that passed it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct GovernorApproval {
    /// The Governor.
    pub governor: Address,
    /// Whether it is the Governor of the network's config.
    pub configured: bool,
    /// The proposal id.
    #[serde(serialize_with = "decimal")]
    pub proposal_id: U256,
    /// Who proposed it (`None` when its `ProposalCreated` is before the scanned blocks).
    pub proposer: Option<Address>,
    /// Every vote cast on it, in chain order.
    pub votes: Vec<Vote>,
    /// The total weight for.
    #[serde(serialize_with = "decimal")]
    pub for_votes: U256,
    /// The total weight against.
    #[serde(serialize_with = "decimal")]
    pub against_votes: U256,
    /// The total weight abstaining.
    #[serde(serialize_with = "decimal")]
    pub abstain_votes: U256,
    /// Who sent the executing transaction.
    pub executor: Address,
}

/// One vote on a proposal.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Vote {
    /// The voter.
    pub voter: Address,
    /// For, against or abstain.
    pub support: VoteSupport,
    /// The voting weight (token units).
    #[serde(serialize_with = "decimal")]
    pub weight: U256,
    /// The reason given with the vote (text from outside: escape before showing).
    pub reason: String,
    /// The transaction of the vote.
    pub tx: B256,
}

fn decimal<S: Serializer>(value: &U256, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&value.to_string())
}

/// Reads approvals and block times, caching what several history entries share (the Governor's
/// votes and proposals, block timestamps, the chain id).
#[derive(Debug)]
pub struct ApprovalReader<P> {
    provider: P,
    approvers: Approvers,
    from_block: u64,
    chain_id: Option<u64>,
    governor_logs: HashMap<Address, Vec<Log>>,
    block_times: BlockTimes,
}

impl<P: Provider> ApprovalReader<P> {
    /// A reader on `provider`; Governor events are scanned from `from_block` (the deployment's
    /// first block: a proposal and its votes come before its execution).
    pub fn new(provider: P, approvers: Approvers, from_block: u64) -> Self {
        Self {
            provider,
            approvers,
            from_block,
            chain_id: None,
            governor_logs: HashMap::new(),
            block_times: BlockTimes::default(),
        }
    }

    /// The timestamp (Unix seconds) of block `block`.
    pub async fn block_time(&mut self, block: u64) -> Result<u64, ApprovalError> {
        self.block_times.get(&self.provider, block).await?.ok_or(ApprovalError::NoBlock(block))
    }

    /// Who approved transaction `tx`.
    pub async fn approval(&mut self, tx: B256) -> Result<Approval, ApprovalError> {
        let receipt = self.receipt(tx).await?;
        let logs = receipt.inner.logs();
        if let Some((governor, proposal_id)) = self.executed_proposal(logs) {
            return self.governor_approval(governor, proposal_id, receipt.from).await;
        }
        if let Some(approval) = self.safe_approval(logs).await? {
            return Ok(Approval::Safe(approval));
        }
        if let Some((governor, proposal_id)) = self.proposal_of_timelock_call(logs).await? {
            return self.governor_approval(governor, proposal_id, receipt.from).await;
        }
        Ok(Approval::Direct { sender: receipt.from })
    }

    async fn receipt(&self, tx: B256) -> Result<TransactionReceipt, ApprovalError> {
        self.provider.get_transaction_receipt(tx).await?.ok_or(ApprovalError::NoReceipt(tx))
    }

    /// The logs of `event` in `logs`, the configured emitter's first.
    fn decoded<E: SolEvent>(logs: &[Log], preferred: Option<Address>) -> std::vec::IntoIter<(Address, E)> {
        let mut found: Vec<(Address, E)> = logs
            .iter()
            .filter(|log| !log.removed)
            .filter_map(|log| E::decode_log(&log.inner).ok().map(|e| (log.address(), e.data)))
            .collect();
        found.sort_by_key(|(address, _)| Some(*address) != preferred);
        found.into_iter()
    }

    fn executed_proposal(&self, logs: &[Log]) -> Option<(Address, U256)> {
        Self::decoded::<RoflGovernor::ProposalExecuted>(logs, self.approvers.governor)
            .next()
            .map(|(governor, e)| (governor, e.proposalId))
    }

    async fn safe_approval(&mut self, logs: &[Log]) -> Result<Option<SafeApproval>, ApprovalError> {
        let Some((safe, event)) =
            Self::decoded::<SafeL2::SafeMultiSigTransaction>(logs, self.approvers.safe).next()
        else {
            return Ok(None);
        };
        // `additionalInfo` is `abi.encode(nonce, msg.sender, threshold)`.
        let Ok((nonce, executor, threshold)) =
            <(U256, Address, U256)>::abi_decode_params(&event.additionalInfo)
        else {
            return Ok(None);
        };
        let chain_id = match self.chain_id {
            Some(id) => id,
            None => {
                let id = self.provider.get_chain_id().await?;
                self.chain_id = Some(id);
                id
            }
        };
        let Ok(operation) = Operation::try_from(event.operation) else { return Ok(None) };
        let tx = SafeTx {
            to: event.to,
            value: event.value,
            data: event.data.clone(),
            operation,
            safe_tx_gas: event.safeTxGas,
            base_gas: event.baseGas,
            gas_price: event.gasPrice,
            gas_token: event.gasToken,
            refund_receiver: event.refundReceiver,
            nonce,
        };
        let safe_tx_hash = tx.safe_tx_hash(chain_id, safe);
        let hash_confirmed = Self::decoded::<SafeL2::ExecutionSuccess>(logs, None)
            .any(|(emitter, e)| emitter == safe && e.txHash == safe_tx_hash);
        Ok(Some(SafeApproval {
            safe,
            configured: Some(safe) == self.approvers.safe,
            safe_tx_hash,
            hash_confirmed,
            nonce,
            threshold,
            signers: safe_signers(&event.signatures, threshold, safe_tx_hash),
            executor,
        }))
    }

    /// A Timelock operation executed directly on the Timelock: the proposal that queued it.
    async fn proposal_of_timelock_call(
        &mut self,
        logs: &[Log],
    ) -> Result<Option<(Address, U256)>, ApprovalError> {
        let Some((timelock, executed)) =
            Self::decoded::<TimelockController::CallExecuted>(logs, self.approvers.timelock).next()
        else {
            return Ok(None);
        };
        let filter = Filter::new()
            .address(timelock)
            .event_signature(TimelockController::CallScheduled::SIGNATURE_HASH)
            .topic1(executed.id)
            .from_block(self.from_block);
        for scheduled in self.provider.get_logs(&filter).await? {
            let Some(queued_in) = scheduled.transaction_hash else { continue };
            let receipt = self.receipt(queued_in).await?;
            if let Some((governor, queued)) =
                Self::decoded::<RoflGovernor::ProposalQueued>(receipt.inner.logs(), self.approvers.governor)
                    .next()
            {
                return Ok(Some((governor, queued.proposalId)));
            }
        }
        Ok(None)
    }

    async fn governor_approval(
        &mut self,
        governor: Address,
        proposal_id: U256,
        executor: Address,
    ) -> Result<Approval, ApprovalError> {
        let configured = Some(governor) == self.approvers.governor;
        let logs = self.governor_logs(governor).await?;
        let mut approval = GovernorApproval {
            governor,
            configured,
            proposal_id,
            proposer: None,
            votes: Vec::new(),
            for_votes: U256::ZERO,
            against_votes: U256::ZERO,
            abstain_votes: U256::ZERO,
            executor,
        };
        for log in logs {
            let tx = log.transaction_hash.unwrap_or_default();
            let vote = if let Ok(e) = RoflGovernor::VoteCast::decode_log(&log.inner) {
                (e.proposalId == proposal_id).then(|| (e.voter, e.support, e.weight, e.reason.clone()))
            } else if let Ok(e) = RoflGovernor::VoteCastWithParams::decode_log(&log.inner) {
                (e.proposalId == proposal_id).then(|| (e.voter, e.support, e.weight, e.reason.clone()))
            } else {
                if let Ok(e) = RoflGovernor::ProposalCreated::decode_log(&log.inner)
                    && e.proposalId == proposal_id
                {
                    approval.proposer = Some(e.proposer);
                }
                None
            };
            let Some((voter, support, weight, reason)) = vote else { continue };
            // GovernorCountingSimple accepts no other option.
            let support = match support {
                0 => VoteSupport::Against,
                1 => VoteSupport::For,
                2 => VoteSupport::Abstain,
                _ => continue,
            };
            let total = match support {
                VoteSupport::For => &mut approval.for_votes,
                VoteSupport::Against => &mut approval.against_votes,
                VoteSupport::Abstain => &mut approval.abstain_votes,
            };
            *total = total.saturating_add(weight);
            approval.votes.push(Vote { voter, support, weight, reason, tx });
        }
        Ok(Approval::Governor(approval))
    }

    /// The Governor's proposals and votes, read once per Governor.
    async fn governor_logs(&mut self, governor: Address) -> Result<&[Log], ApprovalError> {
        if !self.governor_logs.contains_key(&governor) {
            let filter = Filter::new()
                .address(governor)
                .event_signature(vec![
                    RoflGovernor::ProposalCreated::SIGNATURE_HASH,
                    RoflGovernor::VoteCast::SIGNATURE_HASH,
                    RoflGovernor::VoteCastWithParams::SIGNATURE_HASH,
                ])
                .from_block(self.from_block);
            let logs: Vec<Log> =
                self.provider.get_logs(&filter).await?.into_iter().filter(|log| !log.removed).collect();
            self.governor_logs.insert(governor, logs);
        }
        Ok(self.governor_logs.get(&governor).map(Vec::as_slice).unwrap_or_default())
    }
}

/// The approvals `checkNSignatures` read: the first `threshold` 65-byte entries of `signatures`
/// (contract signatures keep their data after them). Entries that do not parse are left out (the
/// Safe would not have executed with them).
pub fn safe_signers(signatures: &[u8], threshold: U256, safe_tx_hash: B256) -> Vec<SafeSigner> {
    let count = usize::try_from(threshold).unwrap_or(usize::MAX).min(signatures.len() / 65);
    signatures
        .chunks_exact(65)
        .take(count)
        .filter_map(|chunk| {
            if chunk[64] == 0 {
                // r = the verifying contract, s = the offset of its signature data.
                return Some(SafeSigner {
                    address: Address::from_slice(&chunk[12..32]),
                    kind: SignatureKind::Contract,
                    verified: false,
                });
            }
            let signature = SafeSignature::from_packed(chunk).ok()?;
            let kind = match signature {
                SafeSignature::Eip712 { .. } => SignatureKind::Eip712,
                SafeSignature::EthSign { .. } => SignatureKind::EthSign,
                SafeSignature::ApprovedHash { .. } => SignatureKind::ApprovedHash,
            };
            let address = signature.signer(safe_tx_hash).ok()?;
            Some(SafeSigner { address, kind, verified: true })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloy::signers::{SignerSync, local::PrivateKeySigner};

    #[test]
    fn signers_of_every_kind_in_the_order_given() {
        let hash = B256::repeat_byte(0x42);
        let key = PrivateKeySigner::random();
        let ecdsa = SafeSignature::Eip712 { signature: key.sign_hash_sync(&hash).unwrap() };
        let eth_sign = SafeSignature::EthSign { signature: key.sign_message_sync(hash.as_slice()).unwrap() };
        let owner = Address::repeat_byte(0x11);
        let approved = SafeSignature::ApprovedHash { owner };
        let wallet = Address::repeat_byte(0x22);
        let mut contract = [0u8; 65];
        contract[12..32].copy_from_slice(wallet.as_slice());
        // s = the offset of the contract's data, after the four static entries (260 = 0x0104).
        contract[62] = 0x01;
        contract[63] = 0x04;

        let mut packed = Vec::new();
        for part in [ecdsa.packed(), eth_sign.packed(), approved.packed(), contract] {
            packed.extend_from_slice(&part);
        }
        packed.extend_from_slice(&[0u8; 32]); // the contract signature's (empty) data
        let signers = safe_signers(&packed, U256::from(4), hash);
        let got: Vec<(Address, SignatureKind, bool)> =
            signers.iter().map(|s| (s.address, s.kind, s.verified)).collect();
        assert_eq!(
            got,
            vec![
                (key.address(), SignatureKind::Eip712, true),
                (key.address(), SignatureKind::EthSign, true),
                (owner, SignatureKind::ApprovedHash, true),
                (wallet, SignatureKind::Contract, false),
            ]
        );
        // Only the first `threshold` entries count.
        assert_eq!(safe_signers(&packed, U256::from(2), hash).len(), 2);
    }
}
