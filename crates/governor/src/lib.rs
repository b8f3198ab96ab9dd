//! # roflgov-governor
//!
//! The OpenZeppelin Governor/Timelock SDK, and nothing else: token-holder governance of ROFL
//! apps by an OpenZeppelin 5.3 Governor whose TimelockController owns the app policy contract
//! (`contracts/governance/`, `script/DeployDao.s.sol`). It talks to a chain through a provider
//! and may depend on `roflgov-contracts` (embedded artifacts) and `roflgov-core` (pure rules)
//! only: not on the client, the devnet or a binary (`tools/check-deps.sh`). Deploying a DAO *with* its policy contract is
//! `roflgov_client::deploy::deploy_dao`.
//!
//! The flow: [`deploy_governance`] (or the forge script) → [`GovernorClient::delegate`] →
//! [`GovernorClient::propose`] a [`Proposal`] (calls on the policy contract; the description
//! carries the release notes and the `#proposer=` guard, see [`DescriptionBuilder`]) →
//! [`GovernorClient::cast_vote`] or [`GovernorClient::sign_vote`] +
//! [`GovernorClient::cast_vote_by_sig`] → [`GovernorClient::queue`] → after the Timelock delay
//! [`GovernorClient::execute`]; or [`GovernorClient::cancel`] while pending. Reverts come back as
//! [`GovernorError::Reverted`] with a decoded [`Revert`] (Governor, Timelock and policy-contract
//! errors, e.g. the stale-version error).
//!
//! Reviewers read a pending proposal with [`GovernorClient::proposal`]: an [`OnchainProposal`]
//! with the targets, values, calldatas, description, id and state.

pub mod ballot;
pub mod bindings;
mod client;
mod clock;
mod deploy;
pub mod draft;
mod error;
pub mod lifecycle;
mod proposal;
mod state;
mod tx;

pub use client::{GovernorClient, SignedBallot, TokenUnits, VotingPower};
pub use clock::mine_at;
pub use deploy::{DaoDeployment, DaoParams, check_wiring, deploy_governance, role_hash};
pub use error::{GovernorError, Revert};
pub use proposal::{
    DescriptionBuilder, OnchainProposal, PROPOSER_MARKER, Proposal, ProposalCall, VoteTally, proposer_suffix,
};
pub use state::{OperationState, ProposalState, VoteSupport};
