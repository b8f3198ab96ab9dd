//! # roflgov-safe
//!
//! The Safe v1.4.1 SDK, and nothing else. It talks to a chain through a provider and may depend
//! on `roflgov-contracts` (artifacts, canonical deployment) and `roflgov-core` (the pure Safe
//! transaction model) only: not on the client, the devnet or a binary (`tools/check-deps.sh`).
//!
//! Safe (v1.4.1) approval flow: deploy the release contracts locally, build Safe transactions
//! (single calls and MultiSendCallOnly batches), compute the EIP-712 SafeTx hash, collect and
//! pack owner signatures (ECDSA, eth_sign, approved hashes), execute, and exchange proposals
//! with Safe{Wallet} through the Transaction Builder JSON format.
//!
//! The flow a signer follows:
//!
//! 1. [`SafeTx::from_calls`] builds the transaction; [`SafeClient::next_nonce`] gives the nonce.
//! 2. [`SigningSummary`] shows what is signed: the hashes the wallet displays and the decoded calls.
//! 3. [`SafeClient::sign`] refuses used nonces and signs; signatures go into a [`SignatureSet`],
//!    in any order, checked against the owner list.
//! 4. [`SafeClient::execute`] sends `execTransaction` and reports [`ExecutionOutcome`], with the
//!    inner revert decoded by a [`RevertDecoder`].

// Dev-dependencies serve the integration tests, not the unit tests of this target.
#![cfg_attr(test, allow(unused_crate_dependencies))]
#![expect(missing_docs, reason = "fields and variants still to document (issue #15); remove when done")]

pub mod bindings;
mod client;
mod deploy;
mod proposals;
mod revert;
mod signing;
mod summary;
pub use roflgov_core::safe_tx as tx;
pub mod tx_builder;

pub use client::{ExecutedSafeTx, ExecutionOutcome, SafeClient, SafeState, SimulationOutcome};
pub use deploy::{CanonicalSafeDeployment, SafeDeployment, SafeSetup, canonical_code_hashes};
pub use proposals::{
    NonceConflict, SafeProposal, ensure_no_nonce_conflicts, find_nonce_conflicts, load_proposals,
};
pub use revert::{DecodedRevert, RevertDecoder, safe_error_meaning};
pub use signing::{SafeSignature, SignatureSet, keystore_signer, sign_safe_tx, sign_safe_tx_typed};
pub use summary::{CallDecoder, DecodedArg, DecodedCall, SigningSummary, format_value};
pub use tx::{
    Operation, SafeCall, SafeTx, SafeTxHashes, decode_multi_send, eip712, encode_multi_send, safe_domain,
    safe_tx_typehash,
};

use alloy::primitives::{Address, B256, U256};

/// Errors of the Safe flow. Every variant says what was refused and why, in words a signer
/// can act on.
#[derive(Debug, thiserror::Error)]
pub enum SafeError {
    #[error("operation {0} is neither CALL (0) nor DELEGATECALL (1)")]
    InvalidOperation(u8),
    #[error("a Safe transaction needs at least one call")]
    EmptyBatch,
    #[error("malformed MultiSend batch: {0}")]
    MalformedMultiSend(String),
    #[error(
        "the transaction DELEGATECALLs {0}, which is not the known MultiSendCallOnly; refusing to treat it as a batch"
    )]
    UnexpectedDelegateCall(Address),

    #[error(
        "nonce {tx_nonce} is already used: the Safe's current nonce is {safe_nonce}; rebuild the proposal at nonce {safe_nonce}"
    )]
    NonceAlreadyUsed { tx_nonce: U256, safe_nonce: U256 },
    #[error(
        "two different transactions compete for nonce {nonce}: {first} and {second}; only one can ever execute"
    )]
    CompetingTransactions { nonce: U256, first: B256, second: B256 },

    #[error(
        "signature by {signer} is not from an owner of the Safe (owners: {owners:?}); was it made for another Safe, chain or transaction?"
    )]
    NotAnOwner { signer: Address, owners: Vec<Address> },
    #[error("owner {0} has already signed this transaction")]
    DuplicateSigner(Address),
    #[error("malformed signature: {0}")]
    MalformedSignature(String),
    #[error("{have} of {threshold} required signatures collected")]
    NotEnoughSignatures { have: usize, threshold: usize },
    #[error("signing failed: {0}")]
    Signer(#[from] alloy::signers::Error),
    #[error("keystore {path}: {reason}")]
    Keystore { path: String, reason: String },

    #[error("the Safe refused the transaction: {code} ({meaning})")]
    SafeRejected { code: String, meaning: &'static str },
    #[error("the Safe transaction's inner call reverted: {0}")]
    InnerCallReverted(DecodedRevert),
    #[error("the transaction reverted: {0}")]
    Reverted(DecodedRevert),

    #[error(
        "deployed code of {contract} at {address} has hash {actual}, but the canonical Safe v1.4.1 code hash is {expected}"
    )]
    CodeHashMismatch { contract: String, address: Address, actual: B256, expected: B256 },
    #[error("Safe deployment metadata: {0}")]
    DeploymentInfo(String),

    #[error("proposal file {path}: {reason}")]
    ProposalFile { path: String, reason: String },

    #[error(transparent)]
    TxBuilder(#[from] tx_builder::TxBuilderError),
    #[error(transparent)]
    Artifact(#[from] roflgov_contracts::ArtifactError),
    #[error("chain: {0}")]
    Chain(String),
}

impl roflgov_types::Classified for SafeError {
    /// Refused signatures, nonces, tampered files and reverting inner calls are verification
    /// failures (nothing was sent); RPC failures and everything else are chain errors.
    fn class(&self) -> roflgov_types::FailureClass {
        use roflgov_types::FailureClass;
        match self {
            SafeError::NonceAlreadyUsed { .. }
            | SafeError::CompetingTransactions { .. }
            | SafeError::NotAnOwner { .. }
            | SafeError::DuplicateSigner(_)
            | SafeError::MalformedSignature(_)
            | SafeError::NotEnoughSignatures { .. }
            | SafeError::SafeRejected { .. }
            | SafeError::InnerCallReverted(_)
            | SafeError::TxBuilder(_)
            | SafeError::ProposalFile { .. }
            | SafeError::Keystore { .. }
            | SafeError::CodeHashMismatch { .. }
            | SafeError::UnexpectedDelegateCall(_)
            | SafeError::MalformedMultiSend(_) => FailureClass::Verification,
            _ => FailureClass::Chain,
        }
    }

    /// A refusal says that nothing was sent.
    fn explain(&self) -> String {
        match self.class() {
            roflgov_types::FailureClass::Verification => format!("{self}; nothing was sent"),
            _ => self.to_string(),
        }
    }
}

impl From<alloy::contract::Error> for SafeError {
    fn from(error: alloy::contract::Error) -> Self {
        match error.as_revert_data() {
            Some(data) => RevertDecoder::default().decode(&data).into_safe_error(),
            None => Self::Chain(error.to_string()),
        }
    }
}

impl From<alloy::transports::TransportError> for SafeError {
    fn from(error: alloy::transports::TransportError) -> Self {
        alloy::contract::Error::TransportError(error).into()
    }
}

impl From<alloy::providers::PendingTransactionError> for SafeError {
    fn from(error: alloy::providers::PendingTransactionError) -> Self {
        Self::Chain(error.to_string())
    }
}

impl From<tx::SafeTxError> for SafeError {
    fn from(error: tx::SafeTxError) -> Self {
        use tx::SafeTxError as E;
        match error {
            E::InvalidOperation(op) => Self::InvalidOperation(op),
            E::EmptyBatch => Self::EmptyBatch,
            E::MalformedMultiSend(what) => Self::MalformedMultiSend(what),
            E::UnexpectedDelegateCall(to) => Self::UnexpectedDelegateCall(to),
        }
    }
}

#[cfg(test)]
mod tests {
    use roflgov_types::{Classified, FailureClass};

    use super::*;

    #[test]
    fn refusals_are_verification_failures_that_say_nothing_was_sent() {
        let refusals = [
            SafeError::NonceAlreadyUsed { tx_nonce: U256::from(1), safe_nonce: U256::from(2) },
            SafeError::DuplicateSigner(Address::ZERO),
            SafeError::SafeRejected { code: "GS026".into(), meaning: "invalid owner" },
            SafeError::InnerCallReverted(DecodedRevert::Empty),
            SafeError::ProposalFile { path: "p.json".into(), reason: "edited".into() },
        ];
        for err in refusals {
            assert_eq!(err.class(), FailureClass::Verification, "{err}");
            assert_eq!(err.explain(), format!("{err}; nothing was sent"));
        }
    }

    #[test]
    fn rpc_failures_and_mined_reverts_are_chain_errors() {
        for err in [SafeError::Chain("connection refused".into()), SafeError::Reverted(DecodedRevert::Empty)]
        {
            assert_eq!(err.class(), FailureClass::Chain, "{err}");
            assert_eq!(err.explain(), err.to_string());
        }
    }
}
