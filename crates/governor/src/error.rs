//! Errors of the Governor flow, with the revert reasons of the Governor, the Timelock and the
//! policy contract decoded into readable messages.

use std::fmt;

use alloy::{
    primitives::{Address, B256, Bytes, FixedBytes, U256},
    sol_types::SolInterface,
};
use roflgov_contracts::revert::{self, DecodedRevert};

use crate::{
    bindings::{
        RoflAppAdmin::RoflAppAdminErrors, RoflGovernor::RoflGovernorErrors,
        TimelockController::TimelockControllerErrors,
    },
    state::{OperationState, ProposalState},
};

/// A revert from the Governor, the Timelock (whose errors bubble up through `execute`) or the
/// policy contract (whose errors bubble up through the Timelock), decoded.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Revert {
    /// `GovernorUnexpectedProposalState`: the proposal is not in a state that allows the action.
    UnexpectedProposalState {
        /// The proposal.
        proposal_id: U256,
        /// The state it is in.
        current: ProposalState,
        /// The states the action needs (any of them).
        expected: Vec<ProposalState>,
    },
    /// Any other Governor error.
    Governor(RoflGovernorErrors),
    /// `TimelockUnexpectedOperationState`: typically executing before the delay is over.
    UnexpectedOperationState {
        /// The Timelock operation.
        operation_id: B256,
        /// The states the action needs (any of them).
        expected: Vec<OperationState>,
    },
    /// Any other Timelock error.
    Timelock(TimelockControllerErrors),
    /// `StaleVersion`: the change was drafted against an older config of the app.
    StaleVersion {
        /// The app.
        app_id: FixedBytes<21>,
        /// The config version the change was drafted against.
        expected: u64,
        /// The app's config version now.
        current: u64,
    },
    /// Any other policy-contract error.
    AppAdmin(RoflAppAdminErrors),
    /// `Error(string)`.
    Message(String),
    /// `Panic(uint256)`.
    Panic(U256),
    /// A custom error of another embedded contract (the token, a stand-in, the Safe), as the
    /// one decoder (`roflgov_contracts::revert`) reads it.
    Other(DecodedRevert),
    /// Revert data none of the known ABIs decode (empty when the contract gave no reason).
    Unknown(Bytes),
}

impl Revert {
    /// Decode revert data: the Governor's, the Timelock's and the policy contract's errors into
    /// their typed variants, anything else with the one decoder (`roflgov_contracts::revert`).
    pub fn decode(data: &[u8]) -> Self {
        // The typed interfaces first, on every revert: whether a stale proposal is recognised
        // must not depend on the generic decoder reading the same error from the artifacts.
        if let Some(typed) = Self::typed(data) {
            return typed;
        }
        match revert::decode(data) {
            custom @ DecodedRevert::Custom { .. } => Self::Other(custom),
            DecodedRevert::Message { message, .. } => Self::Message(message),
            DecodedRevert::Panic(code) => Self::Panic(code),
            DecodedRevert::Empty | DecodedRevert::Unknown(_) | DecodedRevert::InBatch { .. } => {
                Self::Unknown(Bytes::copy_from_slice(data))
            }
        }
    }

    /// A custom error of the Governor, the Timelock or the policy contract, typed.
    fn typed(data: &[u8]) -> Option<Self> {
        if let Ok(e) = RoflGovernorErrors::abi_decode(data) {
            if let RoflGovernorErrors::GovernorUnexpectedProposalState(e) = &e
                && let Some(current) = ProposalState::from_u8(e.current)
            {
                return Some(Self::UnexpectedProposalState {
                    proposal_id: e.proposalId,
                    current,
                    expected: ProposalState::from_bitmap(&e.expectedStates.0),
                });
            }
            return Some(Self::Governor(e));
        }
        if let Ok(e) = TimelockControllerErrors::abi_decode(data) {
            if let TimelockControllerErrors::TimelockUnexpectedOperationState(e) = &e {
                return Some(Self::UnexpectedOperationState {
                    operation_id: e.operationId,
                    expected: OperationState::from_bitmap(&e.expectedStates.0),
                });
            }
            return Some(Self::Timelock(e));
        }
        match RoflAppAdminErrors::abi_decode(data).ok()? {
            RoflAppAdminErrors::StaleVersion(e) => {
                Some(Self::StaleVersion { app_id: e.appId, expected: e.expected, current: e.current })
            }
            e => Some(Self::AppAdmin(e)),
        }
    }

    /// Whether this is the policy contract's stale-version error.
    pub fn is_stale_version(&self) -> bool {
        matches!(self, Self::StaleVersion { .. })
    }
}

fn list<T: fmt::Display>(items: &[T]) -> String {
    items.iter().map(ToString::to_string).collect::<Vec<_>>().join(" or ")
}

fn short(id: &U256) -> String {
    format!("{id:#x}")
}

impl fmt::Display for Revert {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::UnexpectedProposalState { proposal_id, current, expected } => write!(
                f,
                "proposal {} is {current}, but this needs it to be {}",
                short(proposal_id),
                list(expected)
            ),
            Self::Governor(e) => match e {
                RoflGovernorErrors::GovernorAlreadyCastVote(e) => write!(f, "{} has already voted", e.voter),
                RoflGovernorErrors::GovernorInvalidSignature(e) => write!(
                    f,
                    "invalid vote signature for {} (wrong signer, domain or proposal, or a replay: the nonce has moved on)",
                    e.voter
                ),
                RoflGovernorErrors::GovernorRestrictedProposer(e) => write!(
                    f,
                    "{} may not submit this proposal: its description ends with another `#proposer=` address",
                    e.proposer
                ),
                RoflGovernorErrors::GovernorUnableToCancel(e) => write!(
                    f,
                    "{} cannot cancel proposal {}: only its proposer can, and only while it is pending",
                    e.account,
                    short(&e.proposalId)
                ),
                RoflGovernorErrors::GovernorNonexistentProposal(e) => {
                    write!(f, "no proposal {} on this governor", short(&e.proposalId))
                }
                RoflGovernorErrors::GovernorInsufficientProposerVotes(e) => write!(
                    f,
                    "{} has {} votes, below the proposal threshold {}",
                    e.proposer, e.votes, e.threshold
                ),
                RoflGovernorErrors::GovernorOnlyExecutor(e) => {
                    write!(
                        f,
                        "{} is not the governor's executor (the timelock): this needs a vote",
                        e.account
                    )
                }
                RoflGovernorErrors::GovernorInvalidProposalLength(e) => write!(
                    f,
                    "proposal lists differ in length: {} targets, {} calldatas, {} values",
                    e.targets, e.calldatas, e.values
                ),
                other => write!(f, "governor error {other:?}"),
            },
            Self::UnexpectedOperationState { operation_id, expected } => write!(
                f,
                "timelock operation {operation_id} is not {} (not queued yet, or its delay is not over)",
                list(expected)
            ),
            Self::Timelock(e) => match e {
                TimelockControllerErrors::AccessControlUnauthorizedAccount(e) => {
                    write!(f, "{} lacks timelock role {}", e.account, e.neededRole)
                }
                other => write!(f, "timelock error {other:?}"),
            },
            Self::StaleVersion { app_id, expected, current } => write!(
                f,
                "stale proposal: it was drafted against config version {expected} of app {app_id}, \
                 which is now at version {current}; draft it again against the current config"
            ),
            Self::AppAdmin(RoflAppAdminErrors::OwnableUnauthorizedAccount(e)) => write!(
                f,
                "{} does not own the policy contract: changes go through a vote and the timelock",
                e.account
            ),
            Self::AppAdmin(e) => write!(f, "policy contract error {e:?}"),
            Self::Message(m) => write!(f, "reverted: {}", m.escape_debug()),
            Self::Other(revert) => write!(f, "reverted: {revert}"),
            Self::Panic(code) => write!(f, "panic {code:#x}"),
            Self::Unknown(data) if data.is_empty() => f.write_str("reverted without a reason"),
            Self::Unknown(data) => write!(f, "reverted with undecoded data {data}"),
        }
    }
}

/// Errors of the Governor flow.
#[derive(Debug, thiserror::Error)]
pub enum GovernorError {
    /// A call or transaction reverted; `action` says what was attempted.
    #[error("{action} failed: {revert}")]
    Reverted {
        /// What was attempted (e.g. `queue`).
        action: &'static str,
        /// The decoded revert.
        revert: Revert,
    },
    /// A mined transaction failed without revert data to decode.
    #[error("{action}: transaction {tx} was mined but failed")]
    TxFailed {
        /// What was attempted.
        action: &'static str,
        /// The failed transaction's hash.
        tx: B256,
    },
    /// An RPC or contract-binding error that is not a revert.
    #[error("{action}: {source}")]
    Rpc {
        /// What was attempted.
        action: &'static str,
        /// The binding's error.
        #[source]
        source: alloy::contract::Error,
    },
    /// Waiting for a transaction's receipt failed.
    #[error("{action}: {source}")]
    Pending {
        /// What was attempted.
        action: &'static str,
        /// The provider's error (e.g. a timeout or a dropped connection).
        #[source]
        source: alloy::providers::PendingTransactionError,
    },
    /// A raw provider request failed.
    #[error("{action}: {source}")]
    Transport {
        /// What was attempted.
        action: &'static str,
        /// The transport's error.
        #[source]
        source: alloy::transports::TransportError,
    },
    /// The contract returned a state number this crate does not know.
    #[error("unknown proposal state {0}")]
    UnknownState(u8),
    /// No `ProposalCreated` event for this id on this governor.
    #[error("proposal {0:#x} not found in the governor's events")]
    ProposalNotFound(U256),
    /// The id the contract computed differs from the one computed locally.
    #[error("proposal id mismatch: computed {local:#x} locally, the governor says {onchain:#x}")]
    IdMismatch {
        /// The id computed locally from the proposal's actions and description.
        local: U256,
        /// The id the Governor computed.
        onchain: U256,
    },
    /// Signing a ballot failed.
    #[error("signing the ballot: {0}")]
    Signing(#[from] alloy::signers::Error),
    /// A deployment left the DAO wired otherwise than intended.
    #[error("DAO wiring check failed: {0}")]
    Wiring(String),
    /// A contract artifact is missing or unreadable (run `forge build`).
    #[error(transparent)]
    Artifact(#[from] roflgov_contracts::ArtifactError),
    /// A deployment could not be prepared.
    #[error("deploying: {0}")]
    Deploy(String),
    /// A deployment transaction created no contract.
    #[error("deploying {0}: no contract address in the receipt")]
    NoContractAddress(&'static str),
    /// The proposal is malformed before it is even sent.
    #[error("invalid proposal: {0}")]
    InvalidProposal(String),
    /// A ballot signature that is not a valid 65-byte ECDSA signature.
    #[error("invalid ballot signature: {0}")]
    BadSignature(String),
    /// A voter address with no signer was used.
    #[error("no signer for {0}")]
    NoSigner(Address),
}

impl roflgov_types::Classified for GovernorError {
    /// A revert found by the pre-send simulation (wrong state, delay not over, stale proposal,
    /// bad signature), a missing proposal, a mismatched id or a malformed ballot signature is a
    /// verification failure; everything else is a chain error.
    fn class(&self) -> roflgov_types::FailureClass {
        use roflgov_types::FailureClass;
        match self {
            Self::Reverted { .. }
            | Self::ProposalNotFound(_)
            | Self::IdMismatch { .. }
            | Self::BadSignature(_) => FailureClass::Verification,
            _ => FailureClass::Chain,
        }
    }

    /// A revert says that nothing was sent, and a stale proposal says so first.
    fn explain(&self) -> String {
        match self {
            Self::Reverted { revert, .. } if revert.is_stale_version() => {
                format!("stale proposal: {revert}; nothing was sent")
            }
            Self::Reverted { .. } => format!("{self}; nothing was sent"),
            _ => self.to_string(),
        }
    }
}

impl GovernorError {
    /// Wrap a binding error, decoding revert data when there is some.
    pub fn from_contract(action: &'static str, source: alloy::contract::Error) -> Self {
        match source.as_revert_data() {
            Some(data) => Self::Reverted { action, revert: Revert::decode(&data) },
            None => Self::Rpc { action, source },
        }
    }

    /// Wrap a provider error, decoding revert data when there is some.
    pub fn from_transport(action: &'static str, source: alloy::transports::TransportError) -> Self {
        match source.as_error_resp().and_then(|e| e.as_revert_data()) {
            Some(data) => Self::Reverted { action, revert: Revert::decode(&data) },
            None => Self::Transport { action, source },
        }
    }

    /// The decoded revert, if this error is one.
    pub fn revert(&self) -> Option<&Revert> {
        match self {
            Self::Reverted { revert, .. } => Some(revert),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use roflgov_types::{Classified, FailureClass};

    use super::*;

    #[test]
    fn a_simulated_revert_is_a_verification_failure_and_says_nothing_was_sent() {
        let stale = GovernorError::Reverted {
            action: "execute",
            revert: Revert::StaleVersion { app_id: FixedBytes([7; 21]), expected: 3, current: 4 },
        };
        assert_eq!(stale.class(), FailureClass::Verification);
        let text = stale.explain();
        assert!(text.starts_with("stale proposal: "), "{text}");
        assert!(text.ends_with("; nothing was sent"), "{text}");

        let other = GovernorError::Reverted { action: "queue", revert: Revert::Message("no".into()) };
        assert_eq!(other.class(), FailureClass::Verification);
        assert!(other.explain().starts_with("queue failed: "), "{}", other.explain());
        assert!(other.explain().ends_with("; nothing was sent"));
    }

    /// Revert data of a hand-written signature: its selector (keccak of the text, as `cast sig`
    /// computes it) and the given 32-byte words.
    fn revert_data(signature: &str, words: &[[u8; 32]]) -> Vec<u8> {
        let mut data = alloy::primitives::keccak256(signature.as_bytes())[..4].to_vec();
        for word in words {
            data.extend_from_slice(word);
        }
        data
    }

    #[test]
    fn reverts_are_read_through_the_one_decoder() {
        // `StaleVersion(bytes21,uint64,uint64)` of the policy contract: typed.
        let mut app = [0u8; 32];
        app[..21].fill(7);
        let stale = revert_data(
            "StaleVersion(bytes21,uint64,uint64)",
            &[app, U256::from(3).to_be_bytes(), U256::from(4).to_be_bytes()],
        );
        assert_eq!(
            Revert::decode(&stale),
            Revert::StaleVersion { app_id: FixedBytes([7; 21]), expected: 3, current: 4 }
        );

        // The token's `ERC20InsufficientBalance` (0xe450d38c): not the Governor's, Timelock's or
        // policy contract's, named by the embedded ABIs instead of shown as undecoded data.
        let balance = revert_data(
            "ERC20InsufficientBalance(address,uint256,uint256)",
            &[[0; 32], U256::from(1).to_be_bytes(), U256::from(2).to_be_bytes()],
        );
        let other = Revert::decode(&balance);
        assert_eq!(other, Revert::Other(revert::decode(&balance)));
        assert!(other.to_string().starts_with("reverted: ERC20InsufficientBalance(sender: "), "{other}");

        // `Error(string)` with a line break: kept as given, shown escaped.
        let reason = alloy::sol_types::Revert::from("no\nverdict: ok");
        let decoded = Revert::decode(&alloy::sol_types::SolError::abi_encode(&reason));
        assert_eq!(decoded, Revert::Message("no\nverdict: ok".into()));
        assert_eq!(decoded.to_string(), "reverted: no\\nverdict: ok");

        // Nothing, or data no ABI explains: kept whole.
        assert_eq!(Revert::decode(&[]).to_string(), "reverted without a reason");
        let unknown = revert_data("Nope()", &[]);
        assert_eq!(Revert::decode(&unknown), Revert::Unknown(Bytes::from(unknown.clone())));
    }

    #[test]
    fn lookups_are_verification_failures_and_the_rest_chain_errors() {
        assert_eq!(GovernorError::ProposalNotFound(U256::from(1)).class(), FailureClass::Verification);
        assert_eq!(GovernorError::BadSignature("short".into()).class(), FailureClass::Verification);
        let mined = GovernorError::TxFailed { action: "vote", tx: B256::ZERO };
        assert_eq!(mined.class(), FailureClass::Chain);
        assert_eq!(mined.explain(), mined.to_string());
        assert_eq!(GovernorError::NoSigner(Address::ZERO).class(), FailureClass::Chain);
    }
}
