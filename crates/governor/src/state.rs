//! The proposal state machine and vote options of OpenZeppelin's Governor, as Rust enums.

use std::fmt;

/// `IGovernor.ProposalState`, in the contract's numbering.
///
/// The usual path is `Pending → Active → Succeeded → Queued → Executed`; `Defeated` when the
/// vote ends without quorum or with more against than for, `Canceled` by the proposer while
/// `Pending`, `Expired` is unused with a timelock (a queued proposal stays executable).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
#[repr(u8)]
pub enum ProposalState {
    /// Submitted; voting has not started yet (the voting delay).
    Pending = 0,
    /// Voting is open.
    Active = 1,
    /// Canceled by the proposer before voting started.
    Canceled = 2,
    /// Voting ended without quorum, or with more votes against than for.
    Defeated = 3,
    /// Voting ended with quorum and more votes for than against: it can be queued.
    Succeeded = 4,
    /// Queued in the Timelock: it can be executed once the delay is over.
    Queued = 5,
    /// Expired (unused with a Timelock: a queued proposal stays executable).
    Expired = 6,
    /// Executed: the Timelock made the calls.
    Executed = 7,
}

impl ProposalState {
    /// Every state, in the contract's numbering.
    pub const ALL: [ProposalState; 8] = [
        Self::Pending,
        Self::Active,
        Self::Canceled,
        Self::Defeated,
        Self::Succeeded,
        Self::Queued,
        Self::Expired,
        Self::Executed,
    ];

    /// The state with the contract's number `value`, if any.
    pub fn from_u8(value: u8) -> Option<Self> {
        Self::ALL.get(usize::from(value)).copied()
    }

    /// The states set in a Governor state bitmap (`expectedStates` of
    /// `GovernorUnexpectedProposalState`: bit `n` = state `n`).
    pub fn from_bitmap(bitmap: &[u8; 32]) -> Vec<Self> {
        // The bitmap is a big-endian bytes32: state n is bit n of the last byte(s).
        Self::ALL
            .into_iter()
            .filter(|s| bitmap[31 - (*s as usize) / 8] & (1 << (*s as usize % 8)) != 0)
            .collect()
    }

    /// Whether nothing more can happen to the proposal.
    pub fn is_final(self) -> bool {
        matches!(self, Self::Canceled | Self::Defeated | Self::Expired | Self::Executed)
    }

    /// Lowercase name, as printed.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Active => "active",
            Self::Canceled => "canceled",
            Self::Defeated => "defeated",
            Self::Succeeded => "succeeded",
            Self::Queued => "queued",
            Self::Expired => "expired",
            Self::Executed => "executed",
        }
    }
}

impl fmt::Display for ProposalState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A vote option of `GovernorCountingSimple`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
#[repr(u8)]
pub enum VoteSupport {
    /// A vote against.
    Against = 0,
    /// A vote for.
    For = 1,
    /// An abstention (counts toward quorum only).
    Abstain = 2,
}

impl VoteSupport {
    /// The contract's number for this option.
    pub fn as_u8(self) -> u8 {
        self as u8
    }
}

impl fmt::Display for VoteSupport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Against => "against",
            Self::For => "for",
            Self::Abstain => "abstain",
        })
    }
}

impl std::str::FromStr for VoteSupport {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "for" | "yes" | "1" => Ok(Self::For),
            "against" | "no" | "0" => Ok(Self::Against),
            "abstain" | "2" => Ok(Self::Abstain),
            other => Err(format!("unknown vote `{other}`: use for, against or abstain")),
        }
    }
}

/// `TimelockController.OperationState`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum OperationState {
    /// Not scheduled in the Timelock.
    Unset = 0,
    /// Scheduled; the delay is not over yet.
    Waiting = 1,
    /// Scheduled and the delay is over: it can be executed.
    Ready = 2,
    /// Executed.
    Done = 3,
}

impl OperationState {
    /// The states set in a Timelock state bitmap.
    pub fn from_bitmap(bitmap: &[u8; 32]) -> Vec<Self> {
        [Self::Unset, Self::Waiting, Self::Ready, Self::Done]
            .into_iter()
            .filter(|s| bitmap[31] & (1 << (*s as u8)) != 0)
            .collect()
    }
}

impl fmt::Display for OperationState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Unset => "unset",
            Self::Waiting => "waiting",
            Self::Ready => "ready",
            Self::Done => "done",
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bitmap_decodes_states() {
        let mut bitmap = [0u8; 32];
        bitmap[31] = (1 << 4) | (1 << 5);
        assert_eq!(
            ProposalState::from_bitmap(&bitmap),
            vec![ProposalState::Succeeded, ProposalState::Queued]
        );
        let mut ready = [0u8; 32];
        ready[31] = 1 << 2;
        assert_eq!(OperationState::from_bitmap(&ready), vec![OperationState::Ready]);
        assert_eq!(ProposalState::from_u8(7), Some(ProposalState::Executed));
        assert_eq!(ProposalState::from_u8(8), None);
    }
}
