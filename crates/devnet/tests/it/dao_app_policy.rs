//! Issue 6 end to end: the Timelock owns the policy contract (`RoflAppAdmin`), and only a vote
//! changes an app's policy in the ROFL stand-in; a proposal drafted against an old config
//! version fails at execution with the policy contract's `StaleVersion` error, decoded.

use crate::support as dao_support;

use alloy::{
    primitives::{Address, B256, FixedBytes},
    rpc::types::TransactionReceipt,
    sol,
    sol_types::SolCall,
};
use dao_support::{Dao, ether, identity, policy};
use roflgov_core::rofl::subcall::SUBCALL_PRECOMPILE;
use roflgov_governor::{
    DescriptionBuilder, GovernorError, Proposal, ProposalCall, ProposalState, Revert, VoteSupport,
    bindings::{
        IOwnable,
        IRoflAppAdmin::{self, EnclaveIdentity},
        RoflAppAdmin::RoflAppAdminErrors,
    },
};

sol! {
    /// The ROFL stand-in's views (what the module holds for an app).
    #[sol(rpc)]
    interface IStandInViews {
        struct Identity { bytes32 mrEnclave; bytes32 mrSigner; }
        function appEnclaves(bytes21 appId) external view returns (Identity[] memory);
        function appAdmin(bytes21 appId) external view returns (bool hasAdmin, bytes21 admin);
        function appExists(bytes21 appId) external view returns (bool);
        function appMetadata(bytes21 appId) external view returns (Meta[] memory);
        struct Meta { string key; string value; }
    }
}

/// Propose from alice, vote it through (alice and bob for), queue, wait out the delay on the
/// local clock, execute from carol.
async fn pass(d: &Dao, p: &Proposal) -> Result<TransactionReceipt, GovernorError> {
    let id = d.gov.propose(p, d.alice).await?;
    d.gov.advance_to_voting(id).await?;
    d.gov.cast_vote(id, VoteSupport::For, Some("release checked"), d.alice).await?;
    d.gov.cast_vote(id, VoteSupport::For, None, d.bob).await?;
    d.gov.advance_past_deadline(id).await?;
    d.gov.queue(p, d.alice).await?;
    d.gov.advance_to_eta(id).await?;
    d.gov.execute(p, d.carol).await
}

/// Create an app through a vote (the stake travels as the call's value) and return its id.
async fn create_app(d: &Dao, enclave: EnclaveIdentity) -> FixedBytes<21> {
    let admin = d.dao.app_admin.unwrap();
    let call = IRoflAppAdmin::createAppCall { policy: policy(enclave), metadata: vec![], scheme: 1 };
    let p = Proposal::new(
        [ProposalCall { target: admin, value: ether(100), calldata: call.abi_encode().into() }],
        DescriptionBuilder::new("Create the app").paragraph("Stake: 100 ROSE.").build_for(d.alice),
    );
    let receipt = pass(d, &p).await.expect("create passes");
    receipt.decoded_log::<IRoflAppAdmin::AppCreated>().expect("AppCreated").appId
}

fn release(
    d: &Dao,
    app: FixedBytes<21>,
    version: u64,
    add: EnclaveIdentity,
    remove: EnclaveIdentity,
    notes: &str,
) -> Proposal {
    let admin = d.dao.app_admin.unwrap();
    Proposal::new(
        [
            ProposalCall::sol(
                admin,
                &IRoflAppAdmin::addEnclaveCall { appId: app, expectedVersion: version, identity: add },
            ),
            ProposalCall::sol(
                admin,
                &IRoflAppAdmin::removeEnclaveCall {
                    appId: app,
                    expectedVersion: version + 1,
                    identity: remove,
                },
            ),
        ],
        DescriptionBuilder::new(format!("Release for app v{}", version + 2))
            .paragraph(notes)
            .build_for(d.alice),
    )
}

#[tokio::test]
async fn a_vote_changes_the_apps_policy_in_the_rofl_module() {
    let d = Dao::start(true).await;
    let admin = d.dao.app_admin.expect("policy contract deployed");
    let provider = d.chain.provider().clone();
    let app_admin = IRoflAppAdmin::new(admin, provider.clone());
    let standin = IStandInViews::new(SUBCALL_PRECOMPILE, provider.clone());

    // The Timelock owns the policy contract, nobody else can change it.
    let ownable = IOwnable::new(admin, provider.clone());
    assert_eq!(ownable.owner().call().await.unwrap(), d.dao.timelock);
    assert_eq!(ownable.pendingOwner().call().await.unwrap(), Address::ZERO);
    let direct = app_admin.setMetadata(FixedBytes::ZERO, 0, "k".into(), "v".into()).from(d.deployer);
    let err = direct.call().await.unwrap_err();
    let revert = Revert::decode(&err.as_revert_data().unwrap());
    assert!(
        matches!(revert, Revert::AppAdmin(RoflAppAdminErrors::OwnableUnauthorizedAccount(_))),
        "{revert}"
    );

    // A first vote creates the app, administered by the policy contract.
    let app = create_app(&d, identity(0x11)).await;
    assert!(standin.appExists(app).call().await.unwrap());
    let module_admin = standin.appAdmin(app).call().await.unwrap();
    assert!(module_admin.hasAdmin);
    assert_eq!(module_admin.admin, app_admin.roflAdminAddress().call().await.unwrap());
    let enclaves = standin.appEnclaves(app).call().await.unwrap();
    assert_eq!(enclaves.iter().map(|e| e.mrEnclave).collect::<Vec<_>>(), vec![B256::repeat_byte(0x11)]);
    assert_eq!(app_admin.version(app).call().await.unwrap(), 1);

    // A release: two calls in one proposal (add the new identity, remove the old one).
    let p = release(&d, app, 1, identity(0x22), identity(0x11), "v1.1: rebuilt with the patched kernel.");
    let id = d.gov.propose(&p, d.alice).await.unwrap();

    // While it is pending, a reviewer reads it back from the chain: calls and notes intact.
    let pending = d.gov.proposal(id, d.dao.from_block).await.unwrap();
    assert_eq!(pending.state, ProposalState::Pending);
    assert_eq!(pending.proposal, p);
    assert!(pending.proposal.description.contains("patched kernel"));
    let first = IRoflAppAdmin::addEnclaveCall::abi_decode(&pending.proposal.calldatas[0]).unwrap();
    assert_eq!(first.identity, identity(0x22));
    assert_eq!(first.expectedVersion, 1);

    d.gov.advance_to_voting(id).await.unwrap();
    d.gov.cast_vote(id, VoteSupport::For, Some("matches the ORC bundle"), d.alice).await.unwrap();
    let signed = d.gov.sign_vote(&d.chain.signer(2), id, VoteSupport::For).await.unwrap();
    d.gov.cast_vote_by_sig(&signed, d.carol).await.unwrap();
    d.gov.advance_past_deadline(id).await.unwrap();
    d.gov.queue(&p, d.alice).await.unwrap();
    // Nothing changed in the module before execution.
    assert_eq!(standin.appEnclaves(app).call().await.unwrap().len(), 1);
    assert_eq!(standin.appEnclaves(app).call().await.unwrap()[0].mrEnclave, B256::repeat_byte(0x11));
    d.gov.advance_to_eta(id).await.unwrap();
    d.gov.execute(&p, d.carol).await.unwrap();
    assert_eq!(d.gov.state(id).await.unwrap(), ProposalState::Executed);

    let enclaves = standin.appEnclaves(app).call().await.unwrap();
    assert_eq!(enclaves.iter().map(|e| e.mrEnclave).collect::<Vec<_>>(), vec![B256::repeat_byte(0x22)]);
    assert_eq!(app_admin.version(app).call().await.unwrap(), 3);
    // The admin survived every update (the footgun roflgov exists to prevent).
    assert!(standin.appAdmin(app).call().await.unwrap().hasAdmin);
}

#[tokio::test]
async fn a_proposal_drafted_against_an_old_version_fails_with_stale_version() {
    let d = Dao::start(true).await;
    let admin = d.dao.app_admin.unwrap();
    let app_admin = IRoflAppAdmin::new(admin, d.chain.provider().clone());
    let standin = IStandInViews::new(SUBCALL_PRECOMPILE, d.chain.provider().clone());
    let app = create_app(&d, identity(0x11)).await;
    assert_eq!(app_admin.version(app).call().await.unwrap(), 1);

    // Two proposals drafted against version 1, voted at the same time.
    let stale = Proposal::new(
        [ProposalCall::sol(
            admin,
            &IRoflAppAdmin::setMetadataCall {
                appId: app,
                expectedVersion: 1,
                key: "net.oasis.rofl.version".into(),
                value: "1.0".into(),
            },
        )],
        DescriptionBuilder::new("Metadata").paragraph("Drafted against version 1.").build_for(d.alice),
    );
    let fresh = release(&d, app, 1, identity(0x22), identity(0x11), "v1.1");
    let stale_id = d.gov.propose(&stale, d.alice).await.unwrap();
    let fresh_id = d.gov.propose(&fresh, d.alice).await.unwrap();
    d.gov.advance_to_voting(fresh_id).await.unwrap();
    for id in [stale_id, fresh_id] {
        d.gov.cast_vote(id, VoteSupport::For, None, d.alice).await.unwrap();
        d.gov.cast_vote(id, VoteSupport::For, None, d.bob).await.unwrap();
    }
    d.gov.advance_past_deadline(fresh_id).await.unwrap();
    d.gov.queue(&stale, d.alice).await.unwrap();
    d.gov.queue(&fresh, d.alice).await.unwrap();
    d.gov.advance_to_eta(fresh_id).await.unwrap();

    // The release executes first and moves the app to version 3 ...
    d.gov.execute(&fresh, d.carol).await.unwrap();
    assert_eq!(app_admin.version(app).call().await.unwrap(), 3);

    // ... so the metadata change, drafted against version 1, is refused at execution.
    let err = d.gov.execute(&stale, d.carol).await.unwrap_err();
    let revert = err.revert().expect("a decoded revert").clone();
    assert_eq!(revert, Revert::StaleVersion { app_id: app, expected: 1, current: 3 });
    assert!(revert.is_stale_version());
    let message = err.to_string();
    assert!(message.contains("executing failed") && message.contains("stale proposal"), "{message}");
    assert!(message.contains("version 1") && message.contains("version 3"), "{message}");

    // Nothing happened: still queued, the module's config untouched.
    assert_eq!(d.gov.state(stale_id).await.unwrap(), ProposalState::Queued);
    assert!(standin.appMetadata(app).call().await.unwrap().is_empty());
    assert_eq!(app_admin.version(app).call().await.unwrap(), 3);
}
