//! A client for one Governor: propose, vote (directly or by signature), queue, execute, cancel,
//! and read proposals back in the shape the review diff consumes.

use alloy::{
    primitives::{Address, B256, Bytes, U256},
    providers::{DynProvider, Provider},
    rpc::types::{Filter, TransactionReceipt},
    signers::Signer,
    sol_types::{Eip712Domain, SolEvent, SolStruct},
};

use crate::{
    bindings::{Ballot, RoflGovToken, RoflGovernor, TimelockController},
    error::GovernorError,
    proposal::{OnchainProposal, Proposal, VoteTally},
    state::{ProposalState, VoteSupport},
    tx::confirm,
};

/// A Governor on some chain, reached through `provider`. Every sending method takes `from`, an
/// account the provider can sign for.
#[derive(Clone, Debug)]
pub struct GovernorClient {
    provider: DynProvider,
    governor: RoflGovernor::RoflGovernorInstance<DynProvider>,
}

fn rpc(action: &'static str) -> impl FnOnce(alloy::contract::Error) -> GovernorError {
    move |e| GovernorError::from_contract(action, e)
}

impl GovernorClient {
    /// A client for the Governor at `governor`.
    pub fn new(provider: DynProvider, governor: Address) -> Self {
        Self { governor: RoflGovernor::new(governor, provider.clone()), provider }
    }

    /// The Governor's address.
    pub fn address(&self) -> Address {
        *self.governor.address()
    }

    /// The provider the client sends through.
    pub fn provider(&self) -> &DynProvider {
        &self.provider
    }

    /// The Governor's name (also its EIP-712 domain name).
    pub async fn name(&self) -> Result<String, GovernorError> {
        self.governor.name().call().await.map_err(rpc("reading the governor name"))
    }

    /// The voting token.
    pub async fn token(&self) -> Result<Address, GovernorError> {
        self.governor.token().call().await.map_err(rpc("reading the voting token"))
    }

    /// The Timelock that executes proposals.
    pub async fn timelock(&self) -> Result<Address, GovernorError> {
        self.governor.timelock().call().await.map_err(rpc("reading the timelock"))
    }

    /// The Governor's current timepoint (seconds with a timestamp-clock token).
    pub async fn clock(&self) -> Result<u64, GovernorError> {
        Ok(self.governor.clock().call().await.map_err(rpc("reading the clock"))?.to())
    }

    /// `hashProposal` computed by the contract. [`Proposal::id`] computes the same locally.
    pub async fn hash_proposal(&self, p: &Proposal) -> Result<U256, GovernorError> {
        self.governor
            .hashProposal(p.targets.clone(), p.values.clone(), p.calldatas.clone(), p.description_hash())
            .call()
            .await
            .map_err(rpc("computing hashProposal"))
    }

    /// Submit `proposal` from `from` and return its id. The id is computed locally and checked
    /// against `hashProposal` first, and against the `ProposalCreated` event afterwards.
    pub async fn propose(&self, proposal: &Proposal, from: Address) -> Result<U256, GovernorError> {
        proposal.validate()?;
        let local = proposal.id();
        let onchain = self.hash_proposal(proposal).await?;
        if local != onchain {
            return Err(GovernorError::IdMismatch { local, onchain });
        }
        let call = self
            .governor
            .propose(
                proposal.targets.clone(),
                proposal.values.clone(),
                proposal.calldatas.clone(),
                proposal.description.clone(),
            )
            .from(from);
        let receipt = confirm("proposing", call).await?;
        let created = receipt
            .decoded_log::<RoflGovernor::ProposalCreated>()
            .ok_or(GovernorError::ProposalNotFound(local))?;
        if created.proposalId != local {
            return Err(GovernorError::IdMismatch { local, onchain: created.proposalId });
        }
        Ok(local)
    }

    /// The proposal's state.
    pub async fn state(&self, id: U256) -> Result<ProposalState, GovernorError> {
        let raw: u8 = self.governor.state(id).call().await.map_err(rpc("reading the proposal state"))?;
        ProposalState::from_u8(raw).ok_or(GovernorError::UnknownState(raw))
    }

    /// Votes counted so far.
    pub async fn votes(&self, id: U256) -> Result<VoteTally, GovernorError> {
        let v = self.governor.proposalVotes(id).call().await.map_err(rpc("reading the votes"))?;
        Ok(VoteTally { against: v.againstVotes, for_votes: v.forVotes, abstain: v.abstainVotes })
    }

    /// Whether `voter` has voted on proposal `id` (`hasVoted`).
    pub async fn has_voted(&self, id: U256, voter: Address) -> Result<bool, GovernorError> {
        self.governor.hasVoted(id, voter).call().await.map_err(rpc("reading hasVoted"))
    }

    /// The vote snapshot timepoint (voting opens just after it).
    pub async fn snapshot(&self, id: U256) -> Result<u64, GovernorError> {
        Ok(self.governor.proposalSnapshot(id).call().await.map_err(rpc("reading the snapshot"))?.to())
    }

    /// The last timepoint of the vote.
    pub async fn deadline(&self, id: U256) -> Result<u64, GovernorError> {
        Ok(self.governor.proposalDeadline(id).call().await.map_err(rpc("reading the deadline"))?.to())
    }

    /// When a queued proposal becomes executable (zero when not queued).
    pub async fn eta(&self, id: U256) -> Result<u64, GovernorError> {
        Ok(self.governor.proposalEta(id).call().await.map_err(rpc("reading the eta"))?.to())
    }

    /// Votes needed for quorum at `timepoint`.
    pub async fn quorum(&self, timepoint: u64) -> Result<U256, GovernorError> {
        self.governor.quorum(U256::from(timepoint)).call().await.map_err(rpc("reading the quorum"))
    }

    /// Voting power of `account` at `timepoint` (must be in the past).
    pub async fn votes_of(&self, account: Address, timepoint: u64) -> Result<U256, GovernorError> {
        self.governor
            .getVotes(account, U256::from(timepoint))
            .call()
            .await
            .map_err(rpc("reading voting power"))
    }

    /// Delegate `from`'s voting power on the Governor's token to `delegatee` (oneself to vote).
    pub async fn delegate(
        &self,
        from: Address,
        delegatee: Address,
    ) -> Result<TransactionReceipt, GovernorError> {
        let token = RoflGovToken::new(self.token().await?, self.provider.clone());
        confirm("delegating votes", token.delegate(delegatee).from(from)).await
    }

    /// Cast a vote from `from`, with a reason when given (it is logged in `VoteCast`).
    pub async fn cast_vote(
        &self,
        id: U256,
        support: VoteSupport,
        reason: Option<&str>,
        from: Address,
    ) -> Result<TransactionReceipt, GovernorError> {
        match reason {
            Some(r) => {
                confirm(
                    "voting",
                    self.governor.castVoteWithReason(id, support.as_u8(), r.to_owned()).from(from),
                )
                .await
            }
            None => confirm("voting", self.governor.castVote(id, support.as_u8()).from(from)).await,
        }
    }

    /// The Governor's EIP-712 domain, read from the contract (ERC-5267 `eip712Domain`).
    pub async fn eip712_domain(&self) -> Result<Eip712Domain, GovernorError> {
        let d = self.governor.eip712Domain().call().await.map_err(rpc("reading the EIP-712 domain"))?;
        Ok(Eip712Domain::new(
            Some(d.name.into()),
            Some(d.version.into()),
            Some(d.chainId),
            Some(d.verifyingContract),
            None,
        ))
    }

    /// The ballot `voter` would sign now (with its current nonce), and the domain to sign it in.
    pub async fn ballot(
        &self,
        id: U256,
        support: VoteSupport,
        voter: Address,
    ) -> Result<(Ballot, Eip712Domain), GovernorError> {
        let nonce = self.governor.nonces(voter).call().await.map_err(rpc("reading the voter's nonce"))?;
        let ballot = Ballot { proposalId: id, support: support.as_u8(), voter, nonce };
        Ok((ballot, self.eip712_domain().await?))
    }

    /// Sign a ballot for `castVoteBySig` with `signer` (the voter). Anyone can then submit it.
    pub async fn sign_vote<S: Signer + Sync>(
        &self,
        signer: &S,
        id: U256,
        support: VoteSupport,
    ) -> Result<SignedBallot, GovernorError> {
        let (ballot, domain) = self.ballot(id, support, signer.address()).await?;
        let signature = signer.sign_typed_data(&ballot, &domain).await?;
        let digest = ballot.eip712_signing_hash(&domain);
        Ok(SignedBallot { ballot, signature: Bytes::from(signature.as_bytes().to_vec()), digest })
    }

    /// Submit a signed ballot from `from` (a relayer: it pays the gas, the vote is the signer's).
    pub async fn cast_vote_by_sig(
        &self,
        signed: &SignedBallot,
        from: Address,
    ) -> Result<TransactionReceipt, GovernorError> {
        let b = &signed.ballot;
        let call = self
            .governor
            .castVoteBySig(b.proposalId, b.support, b.voter, signed.signature.clone())
            .from(from);
        confirm("voting by signature", call).await
    }

    /// Queue a succeeded proposal in the Timelock; returns the time it becomes executable.
    pub async fn queue(&self, p: &Proposal, from: Address) -> Result<u64, GovernorError> {
        let call = self
            .governor
            .queue(p.targets.clone(), p.values.clone(), p.calldatas.clone(), p.description_hash())
            .from(from);
        confirm("queueing", call).await?;
        self.eta(p.id()).await
    }

    /// Execute a queued proposal whose delay is over (anyone may).
    pub async fn execute(&self, p: &Proposal, from: Address) -> Result<TransactionReceipt, GovernorError> {
        let total: U256 = p.values.iter().copied().sum();
        let call = self
            .governor
            .execute(p.targets.clone(), p.values.clone(), p.calldatas.clone(), p.description_hash())
            .value(total)
            .from(from);
        confirm("executing", call).await
    }

    /// The voting token's symbol and decimals, to show vote counts as token amounts.
    pub async fn token_units(&self) -> Result<TokenUnits, GovernorError> {
        let token = RoflGovToken::new(self.token().await?, self.provider.clone());
        let symbol = token.symbol().call().await.map_err(rpc("reading the token symbol"))?;
        let decimals = token.decimals().call().await.map_err(rpc("reading the token decimals"))?;
        Ok(TokenUnits { address: *token.address(), symbol, decimals })
    }

    /// `account`'s voting power now: token balance, votes (`getVotes` at the latest block),
    /// the delegate its balance votes through (`delegates`), and the token's total supply.
    pub async fn power(&self, account: Address) -> Result<VotingPower, GovernorError> {
        let token = RoflGovToken::new(self.token().await?, self.provider.clone());
        Ok(VotingPower {
            account,
            balance: token.balanceOf(account).call().await.map_err(rpc("reading the token balance"))?,
            votes: token.getVotes(account).call().await.map_err(rpc("reading the votes"))?,
            delegate: token.delegates(account).call().await.map_err(rpc("reading the delegate"))?,
            total_supply: token.totalSupply().call().await.map_err(rpc("reading the total supply"))?,
        })
    }

    /// The signer of a ballot: the address recovered from `signed` over the Governor's EIP-712
    /// domain read from the contract. A ballot is only worth relaying when this is its voter.
    pub async fn ballot_signer(&self, signed: &SignedBallot) -> Result<(Address, B256), GovernorError> {
        let domain = self.eip712_domain().await?;
        let digest = signed.ballot.eip712_signing_hash(&domain);
        let signature = alloy::primitives::Signature::try_from(signed.signature.as_ref())
            .map_err(|e| GovernorError::BadSignature(e.to_string()))?;
        let signer = signature
            .recover_address_from_prehash(&digest)
            .map_err(|e| GovernorError::BadSignature(e.to_string()))?;
        Ok((signer, digest))
    }

    /// The current `nonces(voter)`: a signed ballot is valid only with this nonce.
    pub async fn nonce(&self, voter: Address) -> Result<U256, GovernorError> {
        self.governor.nonces(voter).call().await.map_err(rpc("reading the voter's nonce"))
    }

    /// Cancel a proposal (by its proposer, while it is pending).
    pub async fn cancel(&self, p: &Proposal, from: Address) -> Result<TransactionReceipt, GovernorError> {
        let call = self
            .governor
            .cancel(p.targets.clone(), p.values.clone(), p.calldatas.clone(), p.description_hash())
            .from(from);
        confirm("canceling", call).await
    }

    /// Whether `account` holds the Timelock's `CANCELLER_ROLE` (may cancel queued operations).
    pub async fn is_timelock_canceller(&self, account: Address) -> Result<bool, GovernorError> {
        let t = TimelockController::new(self.timelock().await?, self.provider.clone());
        t.hasRole(crate::role_hash("CANCELLER_ROLE"), account).call().await.map_err(rpc("reading hasRole"))
    }

    /// Cancel a queued proposal's Timelock operation from `from`, which must hold the Timelock's
    /// `CANCELLER_ROLE`; the Governor then reports it canceled. The operation id is the
    /// Timelock's `hashOperationBatch(targets, values, calldatas, 0, salt)` with the salt of
    /// OpenZeppelin 5.3 `GovernorTimelockControl._timelockSalt`: `bytes20(governor) ^
    /// descriptionHash`.
    pub async fn cancel_queued(
        &self,
        p: &Proposal,
        from: Address,
    ) -> Result<TransactionReceipt, GovernorError> {
        let t = TimelockController::new(self.timelock().await?, self.provider.clone());
        let mut salt = p.description_hash();
        for (s, g) in salt.0.iter_mut().zip(self.address().0.iter()) {
            *s ^= g;
        }
        let op = t
            .hashOperationBatch(p.targets.clone(), p.values.clone(), p.calldatas.clone(), B256::ZERO, salt)
            .call()
            .await
            .map_err(rpc("computing the Timelock operation id"))?;
        confirm("canceling in the Timelock", t.cancel(op).from(from)).await
    }

    /// Read a proposal back from its `ProposalCreated` event (searched from `from_block`; public
    /// RPCs limit log ranges, so pass a recent block there) and its current state and tally.
    pub async fn proposal(&self, id: U256, from_block: u64) -> Result<OnchainProposal, GovernorError> {
        let filter = Filter::new()
            .address(self.address())
            .event_signature(RoflGovernor::ProposalCreated::SIGNATURE_HASH)
            .from_block(from_block);
        let logs = self
            .provider
            .get_logs(&filter)
            .await
            .map_err(|source| GovernorError::Transport { action: "reading proposals", source })?;
        let created = logs
            .iter()
            .filter_map(|l| l.log_decode::<RoflGovernor::ProposalCreated>().ok())
            .map(|l| l.inner.data)
            .find(|e| e.proposalId == id)
            .ok_or(GovernorError::ProposalNotFound(id))?;
        let proposal = Proposal {
            targets: created.targets,
            values: created.values,
            calldatas: created.calldatas,
            description: created.description,
        };
        if proposal.id() != id {
            return Err(GovernorError::IdMismatch { local: proposal.id(), onchain: id });
        }
        let state = self.state(id).await?;
        let eta = match self.eta(id).await? {
            0 => None,
            t => Some(U256::from(t)),
        };
        Ok(OnchainProposal {
            id,
            governor: self.address(),
            proposer: created.proposer,
            proposal,
            vote_start: created.voteStart,
            vote_end: created.voteEnd,
            state,
            eta,
            votes: self.votes(id).await?,
        })
    }
}

/// The voting token's identity and units.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TokenUnits {
    /// The token contract.
    pub address: Address,
    /// Its symbol (from the contract: escape before showing).
    pub symbol: String,
    /// Its decimals.
    pub decimals: u8,
}

/// One account's voting power on the Governor's token.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VotingPower {
    /// The account.
    pub account: Address,
    /// Tokens held.
    pub balance: U256,
    /// Votes it casts now (delegated to it, by itself or others).
    pub votes: U256,
    /// Where its own balance votes: zero when never delegated (the tokens do not vote).
    pub delegate: Address,
    /// The token's total supply.
    pub total_supply: U256,
}

/// A ballot signed for `castVoteBySig`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SignedBallot {
    /// What was voted: proposal, support, voter, nonce.
    pub ballot: Ballot,
    /// 65 bytes `r ‖ s ‖ v`.
    pub signature: Bytes,
    /// The EIP-712 digest that was signed (what a wallet displays).
    pub digest: B256,
}
