//! Governor proposals: the calls, the description (release notes plus the front-running guard)
//! and the id, computed locally exactly as `Governor.hashProposal` does.

use alloy::{
    primitives::{Address, B256, Bytes, U256, keccak256},
    sol_types::{SolCall, SolValue},
};
use serde::{Deserialize, Serialize};

use crate::{error::GovernorError, state::ProposalState};

/// The marker OpenZeppelin's Governor looks for at the end of a description
/// (`_isValidDescriptionForProposer`): `#proposer=0x` followed by exactly 40 hex digits.
pub const PROPOSER_MARKER: &str = "#proposer=";

/// One call the Timelock makes when the proposal executes.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProposalCall {
    /// The contract the Timelock calls.
    pub target: Address,
    /// Native tokens (wei) sent with the call.
    pub value: U256,
    /// The call's ABI-encoded input.
    pub calldata: Bytes,
}

impl ProposalCall {
    /// A call without value.
    pub fn new(target: Address, calldata: impl Into<Bytes>) -> Self {
        Self { target, value: U256::ZERO, calldata: calldata.into() }
    }

    /// A typed call (from the `sol!` bindings) without value.
    pub fn sol<C: SolCall>(target: Address, call: &C) -> Self {
        Self::new(target, call.abi_encode())
    }
}

/// A proposal as the Governor hashes it: parallel lists of targets, values and calldatas, and
/// the full description (whose keccak256 is the `descriptionHash` of queue/execute/cancel).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Proposal {
    /// The contracts called, in order.
    pub targets: Vec<Address>,
    /// Native tokens (wei) sent with each call.
    pub values: Vec<U256>,
    /// Each call's ABI-encoded input.
    pub calldatas: Vec<Bytes>,
    /// The full description, `#proposer=` guard included.
    pub description: String,
}

impl Proposal {
    /// A proposal making `calls` in order, described by `description` (used verbatim).
    pub fn new(calls: impl IntoIterator<Item = ProposalCall>, description: impl Into<String>) -> Self {
        let mut p =
            Self { targets: vec![], values: vec![], calldatas: vec![], description: description.into() };
        for c in calls {
            p.targets.push(c.target);
            p.values.push(c.value);
            p.calldatas.push(c.calldata);
        }
        p
    }

    /// The calls, zipped back together.
    pub fn calls(&self) -> impl Iterator<Item = ProposalCall> + '_ {
        self.targets.iter().zip(&self.values).zip(&self.calldatas).map(|((t, v), c)| ProposalCall {
            target: *t,
            value: *v,
            calldata: c.clone(),
        })
    }

    /// keccak256 of the description: what queue, execute and cancel take.
    pub fn description_hash(&self) -> B256 {
        keccak256(self.description.as_bytes())
    }

    /// The proposal id: `uint256(keccak256(abi.encode(targets, values, calldatas, descriptionHash)))`.
    /// Neither the chain nor the governor address is part of it.
    pub fn id(&self) -> U256 {
        let encoded =
            (self.targets.clone(), self.values.clone(), self.calldatas.clone(), self.description_hash())
                .abi_encode_params();
        U256::from_be_bytes(keccak256(encoded).0)
    }

    /// The address the description's `#proposer=` suffix reserves the proposal for, if it has
    /// a well-formed one (the same rule as the Governor's check).
    pub fn reserved_for(&self) -> Option<Address> {
        proposer_suffix(&self.description)
    }

    /// Reject what the Governor would reject before sending anything: empty or mismatched lists.
    #[allow(
        clippy::result_large_err,
        reason = "GovernorError carries the decoded revert by value: one per chain call, never in a hot path"
    )]
    pub fn validate(&self) -> Result<(), GovernorError> {
        if self.targets.is_empty() {
            return Err(GovernorError::InvalidProposal("a proposal needs at least one call".into()));
        }
        if self.targets.len() != self.values.len() || self.targets.len() != self.calldatas.len() {
            return Err(GovernorError::InvalidProposal(format!(
                "{} targets, {} values, {} calldatas",
                self.targets.len(),
                self.values.len(),
                self.calldatas.len()
            )));
        }
        Ok(())
    }
}

/// Parse the `#proposer=0x…` suffix the way OpenZeppelin's Governor does: the last 52 bytes are
/// the marker followed by `0x` and 40 hex digits (either case); anything else means no guard.
pub fn proposer_suffix(description: &str) -> Option<Address> {
    let bytes = description.as_bytes();
    if bytes.len() < 52 || &bytes[bytes.len() - 52..bytes.len() - 42] != PROPOSER_MARKER.as_bytes() {
        return None;
    }
    let tail = &bytes[bytes.len() - 42..];
    if !tail.starts_with(b"0x") || !tail[2..].iter().all(u8::is_ascii_hexdigit) {
        return None;
    }
    let mut raw = [0u8; 20];
    hex::decode_to_slice(&tail[2..], &mut raw).ok()?;
    Some(Address::from(raw))
}

/// Builds a proposal description: a title, the release notes, and the front-running guard.
///
/// The guard (`#proposer=<address>` as the very last characters) makes the Governor refuse the
/// proposal from anyone but `proposer`, so nobody can copy it from the mempool, submit it first
/// and then cancel it.
#[derive(Clone, Debug, Default)]
pub struct DescriptionBuilder {
    title: String,
    body: Vec<String>,
}

impl DescriptionBuilder {
    /// Start with a title (written as a Markdown heading, which is what Tally and others show).
    pub fn new(title: impl Into<String>) -> Self {
        Self { title: title.into(), body: vec![] }
    }

    /// Add a paragraph (e.g. release notes).
    pub fn paragraph(mut self, text: impl Into<String>) -> Self {
        let text = text.into();
        let text = text.trim();
        if !text.is_empty() {
            self.body.push(text.to_owned());
        }
        self
    }

    /// The description without the guard (anyone may submit it).
    pub fn build_unguarded(&self) -> String {
        let mut out = format!("# {}\n", self.title.trim());
        for p in &self.body {
            out.push('\n');
            out.push_str(p);
            out.push('\n');
        }
        out
    }

    /// The description reserved for `proposer`.
    pub fn build_for(&self, proposer: Address) -> String {
        format!("{}\n{PROPOSER_MARKER}{}", self.build_unguarded(), proposer.to_checksum(None))
    }
}

/// A proposal as found on chain, decoded from its `ProposalCreated` event and current state:
/// everything a reviewer (and the `review` diff) needs.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OnchainProposal {
    /// The proposal id.
    pub id: U256,
    /// The Governor it was submitted to.
    pub governor: Address,
    /// Who submitted it.
    pub proposer: Address,
    /// Its calls and description, as the event lists them.
    pub proposal: Proposal,
    /// Timepoint (token clock) when voting starts; the vote snapshot.
    pub vote_start: U256,
    /// Timepoint when voting ends.
    pub vote_end: U256,
    /// Its state now.
    pub state: ProposalState,
    /// When a queued proposal can execute (seconds), if queued.
    pub eta: Option<U256>,
    /// Votes counted so far.
    pub votes: VoteTally,
}

/// Votes counted so far.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct VoteTally {
    /// Voting power against.
    pub against: U256,
    /// Voting power for.
    pub for_votes: U256,
    /// Voting power that abstained (counts toward quorum only).
    pub abstain: U256,
}

#[cfg(test)]
mod tests {
    use alloy::primitives::address;

    use super::*;

    #[test]
    fn guard_round_trips_and_follows_the_contract_rules() {
        let who = address!("70997970C51812dc3A010C7d01b50e0d17dc79C8");
        let d = DescriptionBuilder::new("Release 1.2").paragraph("notes").build_for(who);
        assert!(d.ends_with("#proposer=0x70997970C51812dc3A010C7d01b50e0d17dc79C8"));
        assert_eq!(proposer_suffix(&d), Some(who));
        assert_eq!(proposer_suffix(&d.to_lowercase()), Some(who));
        // Trailing whitespace or a short address disables the guard, as on chain.
        assert_eq!(proposer_suffix(&format!("{d}\n")), None);
        assert_eq!(proposer_suffix("x #proposer=0x70997970C51812dc3A010C7d01b50e0d17dc79C"), None);
        assert_eq!(proposer_suffix("#proposer=0xzz997970C51812dc3A010C7d01b50e0d17dc79C8"), None);
    }

    #[test]
    fn id_depends_on_every_part() {
        let call = ProposalCall::new(Address::repeat_byte(1), vec![1u8, 2, 3]);
        let a = Proposal::new([call.clone()], "a");
        let b = Proposal::new([call.clone()], "b");
        let c = Proposal::new([call.clone(), call], "a");
        assert_ne!(a.id(), b.id());
        assert_ne!(a.id(), c.id());
        assert!(Proposal::new([], "x").validate().is_err());
    }
}
