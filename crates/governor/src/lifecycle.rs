//! Which step a proposal's state allows, and by whom: a vote while it is active (a signed
//! ballot also while pending), once per voter; queueing once it succeeded; execution once
//! queued; cancellation of a pending proposal by its proposer, of a queued one by an account
//! with the Timelock's `CANCELLER_ROLE` (OpenZeppelin Governor 5.3 `cancel`, TimelockController
//! `cancel`). Functions over the state read from the chain; a refusal is a [`StepError`] that
//! says nothing was sent (or signed).

use alloy::primitives::{Address, U256};

use crate::ProposalState;

/// Why a step is refused.
#[derive(Debug, thiserror::Error)]
pub enum StepError {
    /// A vote outside the voting period.
    #[error("proposal {id} is {state}: votes are only accepted while it is active; nothing was sent")]
    VoteClosed {
        /// The proposal.
        id: U256,
        /// Its state.
        state: ProposalState,
    },
    /// A signed ballot for a proposal that can no longer be voted on.
    #[error(
        "proposal {id} is {state}: votes are only accepted while it is pending or active; nothing was signed"
    )]
    BallotClosed {
        /// The proposal.
        id: U256,
        /// Its state.
        state: ProposalState,
    },
    /// A second vote.
    #[error("{voter} has already voted on proposal {id}; nothing was {done}")]
    AlreadyVoted {
        /// The voter.
        voter: Address,
        /// The proposal.
        id: U256,
        /// `sent` or `signed`.
        done: &'static str,
    },
    /// Queueing a proposal that did not succeed.
    #[error("proposal {id} is {state}: only a succeeded proposal can be queued; nothing was sent")]
    NotSucceeded {
        /// The proposal.
        id: U256,
        /// Its state.
        state: ProposalState,
    },
    /// Executing a proposal that is not queued.
    #[error("proposal {id} is {state}: only a queued proposal can be executed; nothing was sent")]
    NotQueued {
        /// The proposal.
        id: U256,
        /// Its state.
        state: ProposalState,
    },
    /// Canceling a pending proposal by someone else than its proposer.
    #[error(
        "proposal {id} is pending: only its proposer {proposer} can cancel it (Governor `cancel`), not {account}; nothing was sent"
    )]
    NotTheProposer {
        /// The proposal.
        id: U256,
        /// Its proposer.
        proposer: Address,
        /// Who tried.
        account: Address,
    },
    /// Canceling a queued proposal without the Timelock's `CANCELLER_ROLE`.
    #[error(
        "proposal {id} is queued: only an account with the Timelock's CANCELLER_ROLE can cancel it, and {account} has none (`roflgov deploy --dao` grants it to the Governor alone; a governance proposal can grant it, e.g. to a guardian). A queued proposal drafted against an older app version cannot execute (the contract refuses stale versions); nothing was sent"
    )]
    NotACanceller {
        /// The proposal.
        id: U256,
        /// Who tried.
        account: Address,
    },
    /// Canceling a proposal in a state that cannot be canceled.
    #[error(
        "proposal {id} is {state}: only a pending (by its proposer) or queued (by a Timelock canceller) proposal can be canceled; nothing was sent"
    )]
    NotCancelable {
        /// The proposal.
        id: U256,
        /// Its state.
        state: ProposalState,
    },
}

impl roflgov_types::Classified for StepError {
    /// Every refused step is a verification failure: nothing was sent.
    fn class(&self) -> roflgov_types::FailureClass {
        roflgov_types::FailureClass::Verification
    }
}

/// Refuses a vote unless the proposal is active.
pub fn ensure_vote_open(id: U256, state: ProposalState) -> Result<(), StepError> {
    if state != ProposalState::Active {
        return Err(StepError::VoteClosed { id, state });
    }
    Ok(())
}

/// Refuses to sign a ballot unless the proposal is pending or active (a ballot signed while
/// pending is relayed once the vote opens).
pub fn ensure_ballot_open(id: U256, state: ProposalState) -> Result<(), StepError> {
    if !matches!(state, ProposalState::Pending | ProposalState::Active) {
        return Err(StepError::BallotClosed { id, state });
    }
    Ok(())
}

/// Refuses a second vote of `voter` (`voted`: the Governor's `hasVoted`); `signing`: a ballot
/// is being signed rather than a vote sent.
pub fn ensure_not_voted(id: U256, voter: Address, voted: bool, signing: bool) -> Result<(), StepError> {
    if voted {
        return Err(StepError::AlreadyVoted { voter, id, done: if signing { "signed" } else { "sent" } });
    }
    Ok(())
}

/// Refuses to queue a proposal that has not succeeded.
pub fn ensure_queueable(id: U256, state: ProposalState) -> Result<(), StepError> {
    if state != ProposalState::Succeeded {
        return Err(StepError::NotSucceeded { id, state });
    }
    Ok(())
}

/// Refuses to execute a proposal that is not queued.
pub fn ensure_executable(id: U256, state: ProposalState) -> Result<(), StepError> {
    if state != ProposalState::Queued {
        return Err(StepError::NotQueued { id, state });
    }
    Ok(())
}

/// How a proposal is canceled.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Cancellation {
    /// Pending, by its proposer: Governor `cancel`.
    ByProposer,
    /// Queued: TimelockController `cancel`, by an account with `CANCELLER_ROLE` (check it
    /// with [`ensure_canceller`]).
    InTimelock,
}

/// How `account` may cancel proposal `id` in `state` (`proposer`: who proposed it).
pub fn cancellation(
    id: U256,
    state: ProposalState,
    proposer: Address,
    account: Address,
) -> Result<Cancellation, StepError> {
    match state {
        ProposalState::Pending if account != proposer => {
            Err(StepError::NotTheProposer { id, proposer, account })
        }
        ProposalState::Pending => Ok(Cancellation::ByProposer),
        ProposalState::Queued => Ok(Cancellation::InTimelock),
        state => Err(StepError::NotCancelable { id, state }),
    }
}

/// Refuses a Timelock cancellation by `account` without `CANCELLER_ROLE` (`allowed`).
pub fn ensure_canceller(id: U256, account: Address, allowed: bool) -> Result<(), StepError> {
    if !allowed {
        return Err(StepError::NotACanceller { id, account });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use roflgov_types::{Classified, FailureClass};

    use super::*;

    const ID: U256 = U256::from_limbs([7, 0, 0, 0]);

    #[test]
    fn each_step_needs_its_state() {
        use ProposalState::*;
        assert!(ensure_vote_open(ID, Active).is_ok());
        assert!(ensure_ballot_open(ID, Pending).is_ok() && ensure_ballot_open(ID, Active).is_ok());
        assert!(ensure_queueable(ID, Succeeded).is_ok());
        assert!(ensure_executable(ID, Queued).is_ok());
        for state in [Pending, Canceled, Defeated, Succeeded, Queued, Expired, Executed] {
            let err = ensure_vote_open(ID, state).unwrap_err();
            assert!(err.to_string().starts_with(&format!("proposal 7 is {state}: votes")), "{err}");
            assert_eq!(err.class(), FailureClass::Verification);
        }
        for state in [Canceled, Defeated, Succeeded, Queued, Expired, Executed] {
            let err = ensure_ballot_open(ID, state).unwrap_err();
            assert!(err.to_string().ends_with("nothing was signed"), "{err}");
        }
        for state in [Pending, Active, Canceled, Defeated, Queued, Expired, Executed] {
            assert!(matches!(ensure_queueable(ID, state), Err(StepError::NotSucceeded { .. })));
        }
        for state in [Pending, Active, Canceled, Defeated, Succeeded, Expired, Executed] {
            assert!(matches!(ensure_executable(ID, state), Err(StepError::NotQueued { .. })));
        }
    }

    #[test]
    fn a_voter_votes_once() {
        let voter = Address::repeat_byte(1);
        assert!(ensure_not_voted(ID, voter, false, false).is_ok());
        let sent = ensure_not_voted(ID, voter, true, false).unwrap_err().to_string();
        let signed = ensure_not_voted(ID, voter, true, true).unwrap_err().to_string();
        assert!(
            sent.contains("has already voted on proposal 7") && sent.ends_with("nothing was sent"),
            "{sent}"
        );
        assert!(signed.ends_with("nothing was signed"), "{signed}");
    }

    #[test]
    fn only_the_proposer_or_a_timelock_canceller_cancels() {
        use ProposalState::*;
        let (proposer, other) = (Address::repeat_byte(1), Address::repeat_byte(2));
        assert_eq!(cancellation(ID, Pending, proposer, proposer).unwrap(), Cancellation::ByProposer);
        assert!(matches!(cancellation(ID, Pending, proposer, other), Err(StepError::NotTheProposer { .. })));
        assert_eq!(cancellation(ID, Queued, proposer, other).unwrap(), Cancellation::InTimelock);
        assert!(ensure_canceller(ID, other, true).is_ok());
        assert!(ensure_canceller(ID, other, false).unwrap_err().to_string().contains("CANCELLER_ROLE"));
        for state in [Active, Canceled, Defeated, Succeeded, Expired, Executed] {
            assert!(matches!(
                cancellation(ID, state, proposer, proposer),
                Err(StepError::NotCancelable { .. })
            ));
        }
    }
}
