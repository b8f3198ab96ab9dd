//! Compromise drill (issue 8) on a real anvil with the ROFL stand-in and a DAO (Governor +
//! Timelock owning the policy contract):
//!
//! 1. governance creates the app, then in one proposal adds release A (retiring the bootstrap
//!    build), release B, and sets a guardian;
//! 2. an instance runs B, another runs A; both are authorized;
//! 3. B is found bad. The DAO proposes the fix (release C, with A kept for a grace period) and
//!    the proposal is still in its voting period when
//! 4. the guardian revokes B in ONE transaction: B can no longer register or renew; the B
//!    instance keeps its rights until its current registration expires (the module evicts
//!    nobody on `rofl.Update`: oasis-sdk modules/rofl/mod.rs `is_authorized_origin` only checks
//!    for an unexpired registration), the A instance still passes;
//! 5. the fix is voted, queued and executed later and lands; the A and C instances renew
//!    every epoch, the B one cannot and is refused once its registration expires; after A's
//!    grace period anyone prunes A;
//! 6. the history rebuilt from logs shows every step.
//!
//! Why the fix is drafted with `expectedVersion` 0 and without B in its `retire` list: a guardian
//! action is an update like any other and bumps the version, so a fix pinned to the version it
//! was drafted against would fail with `StaleVersion` exactly when the guardian has acted (the
//! drill checks that with the review of such a variant). Naming B in `retire` would make the fix
//! revert with `EnclaveNotAllowed` once B is revoked. Drafted with 0 and about C (and A) only,
//! the fix lands whether or not the guardian acted first; the reviewer sees the missing version
//! check as a caution and the release record instead.

use alloy::{
    primitives::{Address, B256, FixedBytes, U256, keccak256},
    providers::DynProvider,
};
use roflgov_client::rofl::{
    HistoryKind, InstanceFlag, LoggedChange, RoflAdminClient, RoflStandIn, app_instances,
    bindings::RoflAppAdmin::RoflAppAdminErrors,
};
use roflgov_core::{
    review::{Reviewer, WarningKind},
    rofl::{ApplyError, IdentityStatus, PolicyChange, ReleaseRecord, changes_to_calldata},
};
use roflgov_devnet::{LocalChain, StandInDriver};
use roflgov_governor::{
    DaoDeployment, DescriptionBuilder, GovernorClient, Proposal, ProposalCall, ProposalState, VoteSupport,
};
use roflgov_types::{AppId, EnclaveIdentity, IdentifierScheme, Metadata, manifest::Manifest};

use crate::support::{Dao, TestChain};

const TALOS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../fixtures/talos-rofl.yaml");

fn tdx(label: &str) -> EnclaveIdentity {
    EnclaveIdentity { mr_enclave: keccak256(label.as_bytes()), mr_signer: B256::ZERO }
}

fn record(version: &str, bundle: &str) -> ReleaseRecord {
    ReleaseRecord {
        version: version.into(),
        repository: "https://github.com/example/talos".into(),
        git_commit: FixedBytes::from_slice(&keccak256(format!("commit {version}"))[..20]),
        bundle_hash: keccak256(bundle.as_bytes()),
        manifest_hash: keccak256(format!("rofl.yaml {version}")),
        notes: format!("{version}: built by CI from the tagged commit"),
    }
}

struct Drill {
    chain: TestChain,
    dao: DaoDeployment,
    gov: GovernorClient,
    policy: RoflAdminClient<DynProvider>,
    module: RoflStandIn<DynProvider>,
    alice: Address,
    bob: Address,
    carol: Address,
}

impl Drill {
    async fn start() -> Self {
        // The shared DAO fixture: voters alice 30 %, bob 20 %, carol 1 %, delegated.
        let Dao { chain, dao, gov, alice, bob, carol, .. } = Dao::start(true).await;
        let provider = chain.provider().clone();
        let policy = RoflAdminClient::new(dao.app_admin.expect("policy contract deployed"), provider.clone());
        let module = RoflStandIn::new(provider);
        Self { chain, dao, gov, policy, module, alice, bob, carol }
    }

    fn proposal(&self, calls: Vec<ProposalCall>, title: &str) -> Proposal {
        Proposal::new(
            calls,
            DescriptionBuilder::new(title).paragraph("Compromise drill.").build_for(self.alice),
        )
    }

    fn call(&self, app: AppId, version: u64, changes: &[PolicyChange]) -> ProposalCall {
        ProposalCall::new(self.policy.address(), changes_to_calldata(app, version, changes).unwrap())
    }

    async fn vote_through(&self, p: &Proposal, id: U256) {
        self.gov
            .cast_vote(id, VoteSupport::For, Some("checked the release record"), self.alice)
            .await
            .unwrap();
        self.gov.cast_vote(id, VoteSupport::For, None, self.bob).await.unwrap();
        self.gov.advance_past_deadline(id).await.unwrap();
        self.gov.queue(p, self.alice).await.unwrap();
        self.gov.advance_to_eta(id).await.unwrap();
        self.gov.execute(p, self.carol).await.unwrap();
        assert_eq!(self.gov.state(id).await.unwrap(), ProposalState::Executed);
    }

    async fn pass(&self, p: &Proposal) {
        let id = self.gov.propose(p, self.alice).await.unwrap();
        self.gov.advance_to_voting(id).await.unwrap();
        self.vote_through(p, id).await;
    }

    async fn now(&self) -> u64 {
        self.policy.chain_time().await.unwrap()
    }
}

#[tokio::test]
async fn guardian_revokes_a_bad_release_while_the_dao_fix_is_being_voted() {
    let d = Drill::start().await;
    let accounts = d.chain.accounts().to_vec();
    let (guardian, relayer, stranger) = (accounts[4], accounts[5], accounts[9]);
    let (on_a, on_b, on_c) = (accounts[6], accounts[7], accounts[8]);
    let (bootstrap, a, b, c) =
        (tdx("talos bootstrap"), tdx("talos 1.0.0"), tdx("talos 1.1.0"), tdx("talos 1.1.1"));
    let from_block = d.dao.from_block;

    // The Timelock owns the policy contract.
    assert_eq!(d.policy.owner().await.unwrap(), d.dao.timelock);

    // 1. A vote creates the app (bootstrap identity, registrations may last 24 epochs).
    let mut policy = Manifest::from_path(TALOS).unwrap().deployment("mainnet").unwrap().policy;
    policy.enclaves = vec![bootstrap];
    policy.max_expiration = 24;
    let create =
        PolicyChange::CreateApp { policy, metadata: Metadata::new(), scheme: IdentifierScheme::CreatorNonce };
    let create_call = ProposalCall {
        target: d.policy.address(),
        value: create.value(),
        calldata: create.to_calldata(AppId::default(), 0).unwrap(),
    };
    d.pass(&d.proposal(vec![create_call], "Create the app")).await;
    let app = d.policy.app_ids().await.unwrap()[0];
    assert_eq!(d.policy.version(app).await.unwrap(), 1);

    // ... and a second vote: release A (retiring the bootstrap build at once), release B, and a
    // guardian, in one multicall (one rofl.Update).
    let (record_a, record_b, record_c) =
        (record("1.0.0", "bundle A"), record("1.1.0", "bundle B"), record("1.1.1", "bundle C"));
    let setup = [
        PolicyChange::AddRelease {
            identities: vec![a],
            record: record_a.clone(),
            retire: vec![bootstrap],
            grace_until: 0,
        },
        PolicyChange::AddRelease {
            identities: vec![b],
            record: record_b.clone(),
            retire: vec![],
            grace_until: 0,
        },
        PolicyChange::SetGuardian { guardian },
    ];
    d.pass(&d.proposal(vec![d.call(app, 1, &setup)], "Releases 1.0.0 and 1.1.0, guardian")).await;
    assert_eq!(d.policy.version(app).await.unwrap(), 2);
    assert_eq!(d.policy.guardian(app).await.unwrap(), Some(guardian));
    assert_eq!(d.policy.releases(app).await.unwrap(), vec![record_a.clone(), record_b.clone()]);
    assert_eq!(d.module.app_enclaves(app).await.unwrap(), vec![a, b]);
    assert_eq!(d.policy.identity_info(app, &bootstrap).await.unwrap().status, IdentityStatus::NotAllowed);

    // 2. Instances on A and on B register and are authorized.
    let epoch = d.module.current_epoch().await.unwrap();
    d.module.register_instance(relayer, app, on_a, &a, epoch + 20).await.unwrap();
    d.module.register_instance(relayer, app, on_b, &b, epoch + 20).await.unwrap();
    assert!(d.module.is_authorized_origin(app, on_a).await.unwrap());
    assert!(d.module.is_authorized_origin(app, on_b).await.unwrap());

    // 3. B is found bad. The DAO proposes the fix: release C, A kept for 30 days.
    let grace_until = d.now().await + 30 * 86_400;
    let fix_changes = [PolicyChange::AddRelease {
        identities: vec![c],
        record: record_c.clone(),
        retire: vec![a],
        grace_until,
    }];
    let fix = d.proposal(vec![d.call(app, 0, &fix_changes)], "Release 1.1.1: fixes 1.1.0");
    let fix_id = d.gov.propose(&fix, d.alice).await.unwrap();
    d.gov.advance_to_voting(fix_id).await.unwrap();
    d.gov.cast_vote(fix_id, VoteSupport::For, None, d.alice).await.unwrap();
    assert_eq!(d.gov.state(fix_id).await.unwrap(), ProposalState::Active);

    // The guardian cannot do more than revoke or freeze: adding an identity is owner-only ...
    let add = PolicyChange::AddEnclave(tdx("attacker build"));
    let err = d.policy.apply(guardian, app, 0, &[add]).await.unwrap_err();
    assert!(matches!(err.contract_error(), Some(RoflAppAdminErrors::OwnableUnauthorizedAccount(_))), "{err}");
    // ... and nobody else may revoke.
    let err = d.policy.apply(stranger, app, 0, &[PolicyChange::RevokeEnclave(b)]).await.unwrap_err();
    assert!(matches!(err.contract_error(), Some(RoflAppAdminErrors::NotOwnerOrGuardian(_))), "{err}");

    // 4. The guardian revokes B in one transaction, while the fix is still being voted on.
    let receipt = d.policy.apply(guardian, app, 2, &[PolicyChange::RevokeEnclave(b)]).await.unwrap();
    assert!(receipt.status());
    assert_eq!(d.gov.state(fix_id).await.unwrap(), ProposalState::Active, "the vote is still running");
    // The revocation stops B's renewals; its current registration runs on (this used to be
    // asserted as a refusal at once, which the real module never gives: the window is real).
    assert!(d.module.is_authorized_origin(app, on_b).await.unwrap(), "B keeps its registration");
    let renew = d.module.current_epoch().await.unwrap() + 20;
    assert!(d.module.register_instance(relayer, app, on_b, &b, renew).await.is_err(), "B cannot renew");
    assert!(d.module.is_authorized_origin(app, on_a).await.unwrap(), "the A instance still passes");
    assert_eq!(d.module.app_enclaves(app).await.unwrap(), vec![a]);
    assert_eq!(d.policy.version(app).await.unwrap(), 3, "a guardian action is an update like any other");
    let info = d.policy.identity_info(app, &b).await.unwrap();
    assert_eq!((info.status, info.release_id), (IdentityStatus::Revoked, 2));

    // Instances: the B instance is flagged as running a revoked identity, from release 1.1.0.
    let instances = app_instances(&d.policy, &d.module, app).await.unwrap();
    assert_eq!(instances.len(), 2);
    let b_view = instances.iter().find(|i| i.address == on_b).unwrap();
    assert_eq!(b_view.flags, vec![InstanceFlag::RevokedIdentity]);
    assert!(b_view.authorized && !b_view.expired, "still authorized until epoch {}", b_view.expiration_epoch);
    let b_expires = b_view.expiration_epoch;
    assert_eq!(b_view.release.as_ref().map(|(id, r)| (*id, r.version.as_str())), Some((2, "1.1.0")));
    let a_view = instances.iter().find(|i| i.address == on_a).unwrap();
    assert!(a_view.flags.is_empty() && a_view.authorized);

    // The review of the pending fix against today's state: it lands (no stale version, no
    // revert), shows the record and A's deadline; the same fix pinned to version 2 would not.
    let current = d.policy.get_app(app).await.unwrap();
    let state = d.policy.release_state(app, &[b]).await.unwrap();
    let now = d.now().await;
    let reviewer = Reviewer::new(&current.config)
        .policy_contract(d.policy.address(), current.version)
        .release_state(state)
        .now(now)
        .bundle_hash(keccak256("bundle C"));
    let calls: Vec<_> = fix.calls().map(|c| (c.target, c.value, c.calldata).into()).collect();
    let review = reviewer.review(&calls);
    assert!(!review.has_critical(), "{review}");
    assert!(review.has_warning(WarningKind::NoVersionCheck));
    assert_eq!(review.governance.releases.len(), 1);
    assert_eq!(review.governance.releases[0].release_id, 3);
    assert_eq!(review.governance.releases[0].bundle_matches, Some(true));
    assert_eq!(review.governance.deadlines[0].retire_at, grace_until);
    let pinned = d.call(app, 2, &fix_changes);
    let pinned_review = reviewer.review(&[(pinned.target, pinned.value, pinned.calldata).into()]);
    assert!(pinned_review.has_warning(WarningKind::StaleVersion), "{pinned_review}");

    // 5. The vote ends, the fix is queued and executed later, and lands.
    d.gov.cast_vote(fix_id, VoteSupport::For, None, d.bob).await.unwrap();
    d.gov.advance_past_deadline(fix_id).await.unwrap();
    d.gov.queue(&fix, d.alice).await.unwrap();
    d.gov.advance_to_eta(fix_id).await.unwrap();
    d.gov.execute(&fix, d.carol).await.unwrap();
    assert_eq!(d.policy.version(app).await.unwrap(), 4);
    assert_eq!(d.module.app_enclaves(app).await.unwrap(), vec![a, c]);
    let info = d.policy.identity_info(app, &a).await.unwrap();
    assert_eq!((info.status, info.retire_at), (IdentityStatus::Retiring, grace_until));
    let epoch = d.module.current_epoch().await.unwrap();
    d.module.register_instance(relayer, app, on_c, &c, epoch + 20).await.unwrap();
    assert!(d.module.is_authorized_origin(app, on_c).await.unwrap());
    assert!(d.module.is_authorized_origin(app, on_a).await.unwrap(), "A stays until its deadline");
    assert!(d.module.is_authorized_origin(app, on_b).await.unwrap(), "B's registration still runs");
    // A renews (as the app core does every epoch), B cannot; once B's registration expires
    // it is refused for good.
    let epoch = d.module.current_epoch().await.unwrap();
    d.module.register_instance(relayer, app, on_a, &a, epoch + 20).await.unwrap();
    assert!(d.module.register_instance(relayer, app, on_b, &b, epoch + 20).await.is_err());
    assert_eq!(d.chain.local().advance_epochs(b_expires - epoch).await.unwrap(), b_expires);
    assert!(!d.module.is_authorized_origin(app, on_b).await.unwrap(), "B refused once expired");
    assert!(d.module.is_authorized_origin(app, on_a).await.unwrap(), "A renewed");
    assert!(d.module.is_authorized_origin(app, on_c).await.unwrap(), "C registered later");
    let instances = app_instances(&d.policy, &d.module, app).await.unwrap();
    let b_view = instances.iter().find(|i| i.address == on_b).unwrap();
    assert_eq!(b_view.flags, vec![InstanceFlag::RevokedIdentity, InstanceFlag::RegistrationExpired]);
    assert!(!b_view.authorized && b_view.expired);
    // B cannot be brought back by the guardian (it can only remove), and a prune is refused
    // before the deadline.
    let err = d.policy.apply(stranger, app, 0, &[PolicyChange::Prune]).await.unwrap_err();
    assert!(matches!(err.contract_error(), Some(RoflAppAdminErrors::NothingToPrune(_))), "{err}");

    // After A's grace period anyone prunes it.
    d.chain.local().advance_time(grace_until - d.now().await + 1).await.unwrap();
    assert_eq!(d.policy.expired_enclaves(app).await.unwrap(), vec![a]);
    d.policy.apply(stranger, app, 0, &[PolicyChange::Prune]).await.unwrap();
    assert_eq!(d.module.app_enclaves(app).await.unwrap(), vec![c]);
    assert_eq!(d.policy.identity_info(app, &a).await.unwrap().status, IdentityStatus::NotAllowed);
    assert_eq!(d.policy.identity_info(app, &b).await.unwrap().status, IdentityStatus::Revoked);
    assert_eq!(d.policy.version(app).await.unwrap(), 5);

    // 6. The history, from the contract's logs alone.
    let history = d.policy.history(Some(app), from_block).await.unwrap();
    let versions: Vec<_> = history.iter().map(|e| e.version).collect();
    assert_eq!(versions, vec![Some(1), Some(2), Some(3), Some(4), Some(5)]);
    assert!(matches!(history[0].kind, HistoryKind::Created { .. }));
    assert!(history.iter().all(|e| e.body_hash_ok));
    let setup_step = &history[1].changes;
    assert!(setup_step.contains(&LoggedChange::ReleaseAdded {
        release_id: 1,
        identities: vec![a],
        record: record_a
    }));
    assert!(setup_step.contains(&LoggedChange::ReleaseAdded {
        release_id: 2,
        identities: vec![b],
        record: record_b
    }));
    assert!(setup_step.contains(&LoggedChange::GuardianSet { previous: None, guardian: Some(guardian) }));
    assert_eq!(
        history[2].changes,
        vec![LoggedChange::EnclaveRemoved(b), LoggedChange::EnclaveRevoked { by: guardian, identity: b }]
    );
    assert_eq!(history[2].tx, receipt.transaction_hash);
    assert!(history[3].changes.contains(&LoggedChange::ReleaseAdded {
        release_id: 3,
        identities: vec![c],
        record: record_c
    }));
    assert!(
        history[3]
            .changes
            .contains(&LoggedChange::RetirementScheduled { identity: a, retire_at: grace_until })
    );
    assert!(history[4].changes.contains(&LoggedChange::EnclavesPruned { caller: stranger, count: 1 }));
    let summary = history[2].summary();
    assert!(summary.contains("REVOKED") && summary.contains(&guardian.to_string()), "{summary}");
}

/// The model the reviews use (`PolicyChange::apply_to`) refuses what the contract refuses to a
/// guardian, checked against the contract on the same chain.
#[tokio::test]
async fn the_guardian_model_matches_the_contract() {
    use roflgov_core::rofl::{ApplyContext, Caller};
    let chain = LocalChain::start().await.expect("anvil starts");
    let provider = chain.provider().clone();
    let owner = chain.accounts()[0];
    let _ = &provider;
    let guardian = chain.accounts()[1];
    let policy = RoflAdminClient::deploy_from(provider.clone(), owner, owner).await.unwrap();
    let mut p = Manifest::from_path(TALOS).unwrap().deployment("mainnet").unwrap().policy;
    let (x, y) = (tdx("x"), tdx("y"));
    p.enclaves = vec![x, y];
    let (app, _) =
        policy.create_app(owner, &p, &Metadata::new(), IdentifierScheme::CreatorNonce).await.unwrap();
    policy.apply(owner, app, 0, &[PolicyChange::SetGuardian { guardian }]).await.unwrap();

    let mut config = policy.get_app(app).await.unwrap().config;
    let mut state = policy.release_state(app, &[]).await.unwrap();
    let as_guardian = ApplyContext {
        caller: Caller::Account(guardian),
        now: Some(policy.chain_time().await.unwrap()),
        ..Default::default()
    };

    // Model and contract agree: the guardian may revoke, may not add, may freeze once.
    let add = PolicyChange::AddEnclave(tdx("z"));
    assert!(matches!(add.apply_to(&mut config, &mut state, &as_guardian), Err(ApplyError::NotOwner { .. })));
    assert!(policy.apply(guardian, app, 0, &[add]).await.is_err());

    let revoke = PolicyChange::RevokeEnclave(x);
    revoke.apply_to(&mut config, &mut state, &as_guardian).unwrap();
    policy.apply(guardian, app, 0, &[revoke]).await.unwrap();
    assert_eq!(config.policy.enclaves, policy.get_app(app).await.unwrap().config.policy.enclaves);

    PolicyChange::Freeze.apply_to(&mut config, &mut state, &as_guardian).unwrap();
    policy.apply(guardian, app, 0, &[PolicyChange::Freeze]).await.unwrap();
    assert!(policy.is_frozen(app).await.unwrap() && state.frozen);
    assert!(
        config.policy.enclaves.is_empty()
            && policy.get_app(app).await.unwrap().config.policy.enclaves.is_empty()
    );
    assert_eq!(state.info(&config, &y).status, IdentityStatus::Revoked);
    assert_eq!(policy.identity_info(app, &y).await.unwrap().status, IdentityStatus::Revoked);
    assert_eq!(
        PolicyChange::Freeze.apply_to(&mut config, &mut state, &as_guardian),
        Err(ApplyError::AppIsFrozen)
    );
    assert!(policy.apply(guardian, app, 0, &[PolicyChange::Freeze]).await.is_err());

    // Only the owner unfreezes, adding identities back in the same batch.
    assert!(matches!(
        PolicyChange::Unfreeze.apply_to(&mut config, &mut state, &as_guardian),
        Err(ApplyError::NotOwner { .. })
    ));
    let back = [PolicyChange::Unfreeze, PolicyChange::AddEnclave(tdx("fixed"))];
    let owner_ctx = ApplyContext::owner(None);
    for change in &back {
        change.apply_to(&mut config, &mut state, &owner_ctx).unwrap();
    }
    roflgov_core::rofl::check_sendable_with(&config, &state).unwrap();
    policy.apply(owner, app, 0, &back).await.unwrap();
    assert!(!policy.is_frozen(app).await.unwrap());
    assert_eq!(config.policy.enclaves, policy.get_app(app).await.unwrap().config.policy.enclaves);
}
