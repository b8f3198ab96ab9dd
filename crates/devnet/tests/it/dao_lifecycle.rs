//! The Governor flow against a real anvil (Shanghai), driven through `roflgov_governor::`:
//! the state machine from proposal to execution, the failure paths, votes by signature and the
//! proposal id. The governed change here is the DAO's own settings; the policy-contract flow is
//! in `dao_app_policy.rs`.

use crate::support as dao_support;

use alloy::{
    network::TransactionBuilder,
    primitives::{Address, Bytes, U256},
    providers::{Provider, ext::AnvilApi},
    rpc::types::TransactionRequest,
    sol_types::SolCall,
};
use dao_support::{ALICE_VOTES, CAROL_VOTES, Dao, ether};
use roflgov_governor::{
    DescriptionBuilder, GovernorError, OperationState, Proposal, ProposalCall, ProposalState, Revert,
    VoteSupport,
    bindings::{
        RoflGovernor::{self, RoflGovernorErrors},
        TimelockController,
    },
    check_wiring, role_hash,
};
use rstest::rstest;

/// Two calls: a longer timelock delay and a longer voting period. Both are only reachable
/// through the Timelock, i.e. through a vote.
fn settings_proposal(d: &Dao, title: &str, proposer: Address) -> Proposal {
    Proposal::new(
        [
            ProposalCall::sol(
                d.dao.timelock,
                &TimelockController::updateDelayCall { newDelay: U256::from(900u64) },
            ),
            ProposalCall::sol(d.dao.governor, &RoflGovernor::setVotingPeriodCall { newVotingPeriod: 1200 }),
        ],
        DescriptionBuilder::new(title)
            .paragraph("Release notes: the timelock delay becomes 15 minutes and votes last 20 minutes.")
            .build_for(proposer),
    )
}

fn revert_of(result: Result<impl std::fmt::Debug, GovernorError>) -> Revert {
    match result {
        Err(GovernorError::Reverted { revert, .. }) => revert,
        other => panic!("expected a revert, got {other:?}"),
    }
}

#[tokio::test]
async fn full_lifecycle_changes_the_governed_settings() {
    let d = Dao::start(false).await;
    let p = settings_proposal(&d, "Slower governance", d.alice);
    let timelock = TimelockController::new(d.dao.timelock, d.chain.provider().clone());
    assert_eq!(timelock.getMinDelay().call().await.unwrap(), U256::from(300u64));

    let id = d.gov.propose(&p, d.alice).await.unwrap();
    assert_eq!(id, p.id());
    assert_eq!(id, d.gov.hash_proposal(&p).await.unwrap());
    assert_eq!(d.gov.state(id).await.unwrap(), ProposalState::Pending);

    // Voting before the snapshot is refused with the state decoded.
    let early = revert_of(d.gov.cast_vote(id, VoteSupport::For, None, d.alice).await);
    assert_eq!(
        early,
        Revert::UnexpectedProposalState {
            proposal_id: id,
            current: ProposalState::Pending,
            expected: vec![ProposalState::Active]
        }
    );

    d.gov.advance_to_voting(id).await.unwrap();
    assert_eq!(d.gov.state(id).await.unwrap(), ProposalState::Active);
    d.gov
        .cast_vote(id, VoteSupport::For, Some("identities checked against the bundle"), d.alice)
        .await
        .unwrap();
    d.gov.cast_vote(id, VoteSupport::Against, None, d.bob).await.unwrap();
    d.gov.cast_vote(id, VoteSupport::Abstain, None, d.carol).await.unwrap();
    let tally = d.gov.votes(id).await.unwrap();
    assert_eq!(
        (tally.for_votes, tally.against, tally.abstain),
        (ether(300_000), ether(200_000), ether(10_000))
    );
    // Voting twice is refused.
    let twice = revert_of(d.gov.cast_vote(id, VoteSupport::For, None, d.alice).await);
    assert!(matches!(twice, Revert::Governor(RoflGovernorErrors::GovernorAlreadyCastVote(_))), "{twice}");

    d.gov.advance_past_deadline(id).await.unwrap();
    assert_eq!(d.gov.state(id).await.unwrap(), ProposalState::Succeeded);
    let eta = d.gov.queue(&p, d.bob).await.unwrap();
    assert_eq!(d.gov.state(id).await.unwrap(), ProposalState::Queued);
    assert!(eta > d.gov.clock().await.unwrap());

    // Before the delay: the Timelock's error comes back through the Governor, decoded.
    let early = d.gov.execute(&p, d.carol).await;
    let revert = revert_of(early);
    assert!(
        matches!(&revert, Revert::UnexpectedOperationState { expected, .. } if expected == &vec![OperationState::Ready]),
        "{revert}"
    );
    assert!(revert.to_string().contains("not ready"), "{revert}");
    assert_eq!(d.gov.state(id).await.unwrap(), ProposalState::Queued);

    d.gov.advance_to_eta(id).await.unwrap();
    d.gov.execute(&p, d.carol).await.unwrap();
    assert_eq!(d.gov.state(id).await.unwrap(), ProposalState::Executed);
    assert_eq!(timelock.getMinDelay().call().await.unwrap(), U256::from(900u64));
    let governor = RoflGovernor::new(d.dao.governor, d.chain.provider().clone());
    assert_eq!(governor.votingPeriod().call().await.unwrap(), U256::from(1200u64));

    // The proposal reads back from the chain exactly as it was drafted.
    let onchain = d.gov.proposal(id, d.dao.from_block).await.unwrap();
    assert_eq!(onchain.proposal, p);
    assert_eq!(onchain.proposer, d.alice);
    assert_eq!(onchain.state, ProposalState::Executed);
    assert_eq!(onchain.votes, tally);
}

#[rstest]
#[case::more_against(&[(1, VoteSupport::Against), (2, VoteSupport::For)])]
#[case::no_quorum(&[(3, VoteSupport::For)])]
#[case::nobody_voted(&[])]
#[tokio::test]
async fn defeated_proposal_cannot_be_queued(#[case] votes: &[(usize, VoteSupport)]) {
    let d = Dao::start(false).await;
    let p = settings_proposal(&d, "Contested", d.alice);
    let id = d.gov.propose(&p, d.alice).await.unwrap();
    d.gov.advance_to_voting(id).await.unwrap();
    for (account, support) in votes {
        d.gov.cast_vote(id, *support, None, d.chain.accounts()[*account]).await.unwrap();
    }
    d.gov.advance_past_deadline(id).await.unwrap();
    if votes.len() == 1 {
        // carol alone is for, nobody against, yet 1 % is below the 4 % quorum.
        let snapshot = d.gov.snapshot(id).await.unwrap();
        assert!(d.gov.quorum(snapshot).await.unwrap() > ether(CAROL_VOTES));
    }
    assert_eq!(d.gov.state(id).await.unwrap(), ProposalState::Defeated);
    let revert = revert_of(d.gov.queue(&p, d.alice).await);
    assert_eq!(
        revert,
        Revert::UnexpectedProposalState {
            proposal_id: id,
            current: ProposalState::Defeated,
            expected: vec![ProposalState::Succeeded]
        }
    );
    assert!(revert.to_string().contains("is defeated"), "{revert}");
    let revert = revert_of(d.gov.execute(&p, d.alice).await);
    assert!(
        matches!(revert, Revert::UnexpectedProposalState { current: ProposalState::Defeated, .. }),
        "{revert}"
    );
}

#[tokio::test]
async fn vote_by_signature_counts_once_and_a_replay_fails() {
    let d = Dao::start(false).await;
    let p = settings_proposal(&d, "Signed votes", d.alice);
    let id = d.gov.propose(&p, d.alice).await.unwrap();
    d.gov.advance_to_voting(id).await.unwrap();

    let alice_signer = d.chain.signer(1);
    let signed = d.gov.sign_vote(&alice_signer, id, VoteSupport::For).await.unwrap();
    assert_eq!(signed.ballot.nonce, U256::ZERO);
    assert_eq!(signed.signature.len(), 65);

    // A relayer that alters the ballot (here: the support) gets nowhere.
    let mut tampered = signed.clone();
    tampered.ballot.support = VoteSupport::Against.as_u8();
    let revert = revert_of(d.gov.cast_vote_by_sig(&tampered, d.bob).await);
    assert!(matches!(revert, Revert::Governor(RoflGovernorErrors::GovernorInvalidSignature(_))), "{revert}");

    // bob relays alice's signed vote: it counts for alice, with her weight, once.
    d.gov.cast_vote_by_sig(&signed, d.bob).await.unwrap();
    assert!(d.gov.has_voted(id, d.alice).await.unwrap());
    assert!(!d.gov.has_voted(id, d.bob).await.unwrap());
    let tally = d.gov.votes(id).await.unwrap();
    assert_eq!((tally.for_votes, tally.against), (ether(ALICE_VOTES), U256::ZERO));

    // Replay: the nonce has moved on, so the same signature no longer verifies.
    let revert = revert_of(d.gov.cast_vote_by_sig(&signed, d.carol).await);
    assert!(
        matches!(revert, Revert::Governor(RoflGovernorErrors::GovernorInvalidSignature(ref e)) if e.voter == d.alice),
        "{revert}"
    );
    assert!(revert.to_string().contains("replay"), "{revert}");
    assert_eq!(d.gov.votes(id).await.unwrap(), tally);

    // A fresh signature with the new nonce is well-formed but alice has voted already.
    let again = d.gov.sign_vote(&alice_signer, id, VoteSupport::For).await.unwrap();
    assert_eq!(again.ballot.nonce, U256::from(1u64));
    let revert = revert_of(d.gov.cast_vote_by_sig(&again, d.carol).await);
    assert!(matches!(revert, Revert::Governor(RoflGovernorErrors::GovernorAlreadyCastVote(_))), "{revert}");
}

#[tokio::test]
async fn proposer_cancels_while_pending_only() {
    let d = Dao::start(false).await;
    let p = settings_proposal(&d, "Withdrawn", d.alice);
    let id = d.gov.propose(&p, d.alice).await.unwrap();

    let revert = revert_of(d.gov.cancel(&p, d.bob).await);
    assert!(matches!(revert, Revert::Governor(RoflGovernorErrors::GovernorUnableToCancel(_))), "{revert}");

    d.gov.cancel(&p, d.alice).await.unwrap();
    assert_eq!(d.gov.state(id).await.unwrap(), ProposalState::Canceled);
    d.gov.advance_to_voting(id).await.unwrap();
    let revert = revert_of(d.gov.cast_vote(id, VoteSupport::For, None, d.alice).await);
    assert!(
        matches!(revert, Revert::UnexpectedProposalState { current: ProposalState::Canceled, .. }),
        "{revert}"
    );

    // Once voting has started the proposer can no longer cancel.
    let p2 = settings_proposal(&d, "Not withdrawable", d.alice);
    let id2 = d.gov.propose(&p2, d.alice).await.unwrap();
    d.gov.advance_to_voting(id2).await.unwrap();
    let revert = revert_of(d.gov.cancel(&p2, d.alice).await);
    assert!(matches!(revert, Revert::Governor(RoflGovernorErrors::GovernorUnableToCancel(_))), "{revert}");
}

#[tokio::test]
async fn proposer_guard_blocks_front_running() {
    let d = Dao::start(false).await;
    let p = settings_proposal(&d, "Reserved for alice", d.alice);
    assert_eq!(p.reserved_for(), Some(d.alice));
    let revert = revert_of(d.gov.propose(&p, d.bob).await);
    assert!(
        matches!(revert, Revert::Governor(RoflGovernorErrors::GovernorRestrictedProposer(ref e)) if e.proposer == d.bob),
        "{revert}"
    );
    d.gov.propose(&p, d.alice).await.unwrap();
}

#[rstest]
#[case::one_call(1, 0)]
#[case::three_calls_with_value(3, 7)]
#[tokio::test]
async fn local_id_equals_hash_proposal(#[case] calls: usize, #[case] value: u64) {
    let d = Dao::start(false).await;
    let call = |i: usize| ProposalCall {
        target: Address::repeat_byte(i as u8 + 1),
        value: U256::from(value),
        calldata: Bytes::from(vec![i as u8; 4 + 32 * i]),
    };
    let p = Proposal::new(
        (0..calls).map(call),
        DescriptionBuilder::new("ids").paragraph("ünïcode ✓").build_for(d.bob),
    );
    assert_eq!(p.id(), d.gov.hash_proposal(&p).await.unwrap());
    let unguarded = Proposal { description: DescriptionBuilder::new("ids").build_unguarded(), ..p.clone() };
    assert_ne!(unguarded.id(), p.id());
    assert_eq!(unguarded.id(), d.gov.hash_proposal(&unguarded).await.unwrap());
}

#[tokio::test]
async fn wiring_check_catches_an_extra_proposer() {
    let d = Dao::start(false).await;
    check_wiring(d.chain.provider(), &d.dao, d.deployer).await.unwrap();

    // The timelock (its own admin) grants a second proposer, as a careless upgrade would.
    let provider = d.chain.provider();
    provider.anvil_impersonate_account(d.dao.timelock).await.unwrap();
    d.chain.set_balance(d.dao.timelock, ether(1)).await;
    let grant = TimelockController::grantRoleCall { role: role_hash("PROPOSER_ROLE"), account: d.carol };
    let tx =
        TransactionRequest::default().from(d.dao.timelock).to(d.dao.timelock).with_input(grant.abi_encode());
    let hash = provider.anvil_send_impersonated_transaction(tx).await.unwrap();
    let receipt = alloy::providers::PendingTransactionBuilder::new(provider.root().clone(), hash)
        .get_receipt()
        .await
        .unwrap();
    assert!(receipt.status());

    let err = check_wiring(provider, &d.dao, d.deployer).await.unwrap_err();
    assert!(matches!(err, GovernorError::Wiring(ref m) if m.contains(&d.carol.to_string())), "{err}");
}
