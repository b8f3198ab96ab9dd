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
//! 1. [`SafeTx::from_calls`] builds the transaction; [`SafeClient::nonce`] gives the nonce.
//! 2. [`SigningSummary`] shows what is signed: the hashes the wallet displays and the decoded calls.
//! 3. [`SafeClient::sign`] refuses used nonces and signs; signatures go into a [`SignatureSet`],
//!    in any order, checked against the owner list.
//! 4. [`SafeClient::execute`] sends `execTransaction` and reports [`ExecutionOutcome`], with the
//!    inner revert decoded by a [`RevertDecoder`].

// Dev-dependencies serve the integration tests, not the unit tests of this target.
#![cfg_attr(test, allow(unused_crate_dependencies))]

pub mod bindings;
pub mod checks;
mod client;
mod deploy;
pub mod files;
pub mod proposal_file;
mod proposals;
mod revert;
mod signing;
mod summary;
pub use roflgov_core::safe_tx as tx;
pub mod tx_builder;
pub mod tx_service;

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
    /// The transaction itself cannot be built or read (operation byte, empty batch, malformed
    /// MultiSend, a DELEGATECALL into anything but the known MultiSendCallOnly).
    #[error(transparent)]
    Tx(#[from] tx::SafeTxError),

    /// The transaction's nonce is below the Safe's: it was executed (or replaced) already, and
    /// signing or executing it can only fail.
    #[error(
        "nonce {tx_nonce} is already used: the Safe's current nonce is {safe_nonce}; rebuild the proposal at nonce {safe_nonce}"
    )]
    NonceAlreadyUsed {
        /// The transaction's nonce.
        tx_nonce: U256,
        /// The Safe's current nonce.
        safe_nonce: U256,
    },
    /// Two different transactions carry the same nonce: executing one makes the other void.
    #[error(
        "two different transactions compete for nonce {nonce}: {first} and {second}; only one can ever execute"
    )]
    CompetingTransactions {
        /// The nonce both carry.
        nonce: U256,
        /// The SafeTx hash of one of them.
        first: B256,
        /// The SafeTx hash of the other.
        second: B256,
    },

    /// A signature recovers to an account that is not an owner: it was made for another Safe,
    /// chain or transaction, or by someone else.
    #[error(
        "signature by {signer} is not from an owner of the Safe (owners: {owners:?}); was it made for another Safe, chain or transaction?"
    )]
    NotAnOwner {
        /// The account the signature recovers to.
        signer: Address,
        /// The Safe's owners.
        owners: Vec<Address>,
    },
    /// An owner's signature is already in the set.
    #[error("owner {0} has already signed this transaction")]
    DuplicateSigner(Address),
    /// A signature is not 65 bytes, is of a type roflgov does not handle (contract signatures,
    /// unknown `v`), or no signer can be recovered from it.
    #[error("malformed signature: {0}")]
    MalformedSignature(String),
    /// Fewer signatures than the threshold were collected, so the Safe would refuse to execute.
    #[error("{have} of {threshold} required signatures collected")]
    NotEnoughSignatures {
        /// Valid owner signatures collected.
        have: usize,
        /// Signatures the Safe needs.
        threshold: usize,
    },
    /// The signer (local key, keystore) failed to sign.
    #[error("signing failed: {0}")]
    Signer(#[from] alloy::signers::Error),
    /// A keystore file cannot be read or decrypted.
    #[error("keystore {path}: {reason}")]
    Keystore {
        /// The keystore file.
        path: String,
        /// What went wrong (e.g. a wrong password).
        reason: String,
    },

    /// `execTransaction` reverted with one of the Safe's `GSxxx` codes.
    #[error("the Safe refused the transaction: {code} ({meaning})")]
    SafeRejected {
        /// The Safe's error code (e.g. `GS026`).
        code: String,
        /// What the code means, in words.
        meaning: &'static str,
    },
    /// The Safe transaction's inner call reverted (the nonce is not used).
    #[error("the Safe transaction's inner call reverted: {0}")]
    InnerCallReverted(DecodedRevert),
    /// A call or transaction reverted with a reason that is not one of the Safe's `GSxxx` codes.
    #[error("the transaction reverted: {0}")]
    Reverted(DecodedRevert),

    /// A contract at a Safe address does not have the canonical Safe v1.4.1 code.
    #[error(
        "deployed code of {contract} at {address} has hash {actual}, but the canonical Safe v1.4.1 code hash is {expected}"
    )]
    CodeHashMismatch {
        /// The contract's name (`SafeL2`, ...).
        contract: String,
        /// Where it was expected.
        address: Address,
        /// The code hash found there.
        actual: B256,
        /// The canonical code hash.
        expected: B256,
    },
    /// The canonical Safe deployment metadata has no entry for a contract.
    #[error("Safe deployment metadata: {0}")]
    DeploymentInfo(String),

    /// A proposal file cannot be read, parsed or written, or its stored hash is not its
    /// transaction's.
    #[error("proposal file {path}: {reason}")]
    ProposalFile {
        /// The proposal file.
        path: String,
        /// What is wrong with it.
        reason: String,
    },

    /// A Transaction Builder batch file is refused.
    #[error(transparent)]
    TxBuilder(#[from] tx_builder::TxBuilderError),
    /// A contract artifact is missing or unreadable (run `forge build`).
    #[error(transparent)]
    Artifact(#[from] roflgov_contracts::ArtifactError),
    /// An RPC error or an unexpected answer from the chain.
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
            | SafeError::Tx(
                tx::SafeTxError::UnexpectedDelegateCall(_) | tx::SafeTxError::MalformedMultiSend(_),
            ) => FailureClass::Verification,
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
            Some(data) => Self::from_revert(roflgov_contracts::revert::decode(&data)),
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
