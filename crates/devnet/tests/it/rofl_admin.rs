//! The policy contract on a real anvil (Shanghai) with the ROFL stand-in: create an app with
//! the Talos mainnet policy from rofl.yaml, read it back through the contract and the module,
//! release (add + remove) in one multicall, rebuild the history from logs, review the release,
//! and check instances against the policy.

use alloy::{
    primitives::{Address, B256, U256, keccak256},
    providers::{DynProvider, Provider},
    sol_types::SolEvent,
};
use roflgov_client::rofl::{HistoryKind, LoggedChange, RoflAdminClient, RoflStandIn, bindings::RoflAppAdmin};
use roflgov_core::{
    review::{ProposedCall, WarningKind, review_calls},
    rofl::{
        DecodedCalldata, PolicyChange, changes_to_calldata, decode_calldata, plan::ReleaseTarget,
        plan_release,
    },
};
use roflgov_devnet::{LocalChain, StandInDriver};
use roflgov_types::{
    AppAuthPolicy, AppId, EnclaveIdentity, IdentifierScheme, Metadata, Update, cbor,
    ids::Address as OasisAddress,
    manifest::{DeploymentConfig, Manifest},
};
use rstest::{fixture, rstest};

const TALOS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../fixtures/talos-rofl.yaml");

fn talos() -> (Manifest, DeploymentConfig) {
    let manifest = Manifest::from_path(TALOS).expect("talos rofl.yaml parses");
    let deployment = manifest.deployment("mainnet").expect("mainnet deployment");
    (manifest, deployment)
}

/// Metadata describing the app: the manifest's top-level fields as `net.oasis.rofl.*`, as the
/// deployment config carries them (what `oasis rofl create` sends).
fn talos_metadata(manifest: &Manifest, deployment: &DeploymentConfig) -> Metadata {
    assert_eq!(deployment.metadata["net.oasis.rofl.name"], manifest.name);
    assert_eq!(deployment.metadata["net.oasis.rofl.version"], manifest.version);
    deployment.metadata.clone()
}

fn tdx_identity(label: &str) -> EnclaveIdentity {
    EnclaveIdentity { mr_enclave: keccak256(label.as_bytes()), mr_signer: B256::ZERO }
}

/// A chain with the policy contract owned by dev account 0 and the Talos app created.
struct Setup {
    chain: LocalChain,
    owner: Address,
    admin: RoflAdminClient<DynProvider>,
    module: RoflStandIn<DynProvider>,
    app: AppId,
    deployment: DeploymentConfig,
    metadata: Metadata,
}

#[fixture]
async fn setup() -> Setup {
    let chain = LocalChain::start().await.expect("anvil starts");
    let owner = chain.accounts()[0];
    let provider = chain.provider().clone();
    let admin = RoflAdminClient::deploy_from(provider.clone(), owner, owner).await.expect("deploys");
    let (manifest, deployment) = talos();
    let metadata = talos_metadata(&manifest, &deployment);
    let (app, receipt) = admin
        .create_app(owner, &deployment.policy, &metadata, IdentifierScheme::CreatorNonce)
        .await
        .expect("createApp");
    assert!(receipt.status());
    let module = RoflStandIn::new(provider);
    Setup { chain, owner, admin, module, app, deployment, metadata }
}

#[rstest]
#[tokio::test]
async fn created_app_matches_the_manifest_in_contract_and_module(#[future] setup: Setup) {
    let s = setup.await;
    let contract_admin = OasisAddress::from_eth(s.admin.address());
    assert_eq!(s.admin.rofl_admin_address().await.unwrap(), contract_admin);
    assert_eq!(s.admin.app_ids().await.unwrap(), vec![s.app]);
    assert!(s.admin.is_managed(s.app).await.unwrap());

    // Through the policy contract.
    let managed = s.admin.get_app(s.app).await.unwrap();
    assert_eq!(managed.version, 1);
    assert_eq!(managed.config.id, s.app);
    assert_eq!(managed.config.policy, s.deployment.policy);
    assert_eq!(managed.config.admin, Some(contract_admin));
    assert_eq!(managed.config.metadata, s.metadata);
    assert!(managed.config.secrets.is_empty());

    // Through the module's own views.
    assert!(s.module.app_exists(s.app).await.unwrap());
    assert_eq!(s.module.app_admin(s.app).await.unwrap(), Some(contract_admin));
    assert_eq!(s.module.app_enclaves(s.app).await.unwrap(), s.deployment.policy.enclaves);
    assert_eq!(s.module.app_fees(s.app).await.unwrap(), s.deployment.policy.fees);
    assert_eq!(s.module.app_max_expiration(s.app).await.unwrap(), s.deployment.policy.max_expiration);
    assert_eq!(s.module.app_metadata(s.app).await.unwrap(), s.metadata);
    assert_eq!(
        s.module.app_stake(s.app).await.unwrap(),
        U256::from(100u64) * U256::from(10u64).pow(U256::from(18u64))
    );
    let in_module = s.module.config(s.app).await.unwrap();
    assert_eq!(in_module, managed.config);
    assert_eq!(
        s.module.app_policy_cbor(s.app).await.unwrap().as_ref(),
        cbor::encode_policy(&s.deployment.policy).as_slice(),
        "the Solidity encoder and the Rust encoder agree on the policy bytes"
    );
}

#[rstest]
#[tokio::test]
async fn release_in_one_multicall_sends_one_update_and_history_matches(#[future] setup: Setup) {
    let s = setup.await;

    // Version 2: the secrets of rofl.yaml (the only difference from what was created).
    let v1 = s.admin.get_app(s.app).await.unwrap();
    let mut target = ReleaseTarget::from_deployment(&s.deployment);
    target.metadata = None;
    let secrets_plan = plan_release(&v1.config, &target).unwrap();
    assert_eq!(secrets_plan.len(), 1);
    assert!(matches!(&secrets_plan[0], PolicyChange::SetSecret { name, .. } if name == "OPENAI_API_KEY"));
    s.admin.apply(s.owner, s.app, 1, &secrets_plan).await.expect("secret set");

    // Version 3: a release replacing the first identity by a new one.
    let v2 = s.admin.get_app(s.app).await.unwrap();
    assert_eq!(v2.version, 2);
    assert_eq!(v2.config.secrets, s.deployment.secrets);
    let old = s.deployment.policy.enclaves[0];
    let kept = s.deployment.policy.enclaves[1];
    let new = tdx_identity("talos 0.2.0");
    let mut next_policy: AppAuthPolicy = s.deployment.policy.clone();
    next_policy.enclaves = vec![new, kept];
    let release = plan_release(&v2.config, &ReleaseTarget::policy_only(next_policy)).unwrap();
    assert_eq!(release, vec![PolicyChange::AddEnclave(new), PolicyChange::RemoveEnclave(old)]);

    let calldata = changes_to_calldata(s.app, v2.version, &release).unwrap();
    // The calldata reads back as the same changes, in one multicall.
    let decoded = decode_calldata(&calldata).unwrap();
    assert!(matches!(decoded, DecodedCalldata::Multicall { ref calls } if calls.len() == 2));
    let read_back: Vec<PolicyChange> = decoded.changes().iter().map(|c| c.change.clone()).collect();
    assert_eq!(read_back, release);
    assert!(decoded.changes().iter().all(|c| c.app == Some(s.app) && c.expected_version == Some(2)));

    // What signers see before the release: exactly the added and removed identities.
    let review = review_calls(
        &v2.config,
        v2.version,
        &[ProposedCall::call(s.admin.address(), U256::ZERO, calldata.clone())],
        s.admin.address(),
    );
    assert_eq!(review.diff.added_ids(), vec![roflgov_core::rofl::enclave_text_id(&new)]);
    assert_eq!(review.diff.removed_ids(), vec![roflgov_core::rofl::enclave_text_id(&old)]);
    assert!(
        review.diff.endorsements.is_none() && review.diff.admin.is_none() && review.diff.secrets.is_empty()
    );
    assert!(review.stale.is_none());
    assert!(!review.has_critical(), "{review}");

    let receipt = s.admin.send(s.owner, calldata, U256::ZERO).await.expect("release");
    let topics: Vec<B256> = receipt.inner.logs().iter().filter_map(|log| log.topic0().copied()).collect();
    let count = |signature: B256| topics.iter().filter(|t| **t == signature).count();
    assert_eq!(count(RoflAppAdmin::ConfigUpdated::SIGNATURE_HASH), 1, "one rofl.Update for the batch");
    assert_eq!(count(RoflAppAdmin::EnclaveAdded::SIGNATURE_HASH), 1);
    assert_eq!(count(RoflAppAdmin::EnclaveRemoved::SIGNATURE_HASH), 1);

    // The contract and the module hold the new enclaves (swap-and-pop order), admin kept.
    let v3 = s.admin.get_app(s.app).await.unwrap();
    assert_eq!(v3.version, 3);
    assert_eq!(v3.config.policy.enclaves, vec![new, kept]);
    assert_eq!(v3.config, review.resulting, "the review predicted the exact config");
    assert_eq!(s.module.app_enclaves(s.app).await.unwrap(), vec![new, kept]);
    assert_eq!(s.module.app_admin(s.app).await.unwrap(), Some(OasisAddress::from_eth(s.admin.address())));
    assert_eq!(s.module.app_secrets(s.app).await.unwrap(), s.deployment.secrets);

    // encodeUpdate is what the module last received, and what the Rust encoder writes.
    let body = s.admin.encode_update(s.app).await.unwrap();
    assert_eq!(body, s.module.last_body(s.app).await.unwrap());
    let rust_body = cbor::encode_update(&Update {
        id: s.app,
        policy: v3.config.policy.clone(),
        admin: v3.config.admin,
        metadata: v3.config.metadata.clone(),
        secrets: v3.config.secrets.clone(),
    });
    assert_eq!(body.as_ref(), rust_body.as_slice());

    // The history, from logs alone.
    let history = s.admin.history(Some(s.app), 0).await.unwrap();
    assert_eq!(history.len(), 3, "{history:#?}");
    assert!(
        matches!(history[0].kind, HistoryKind::Created { stake } if stake == roflgov_core::rofl::CREATE_STAKE)
    );
    assert_eq!(history.iter().map(|e| e.version).collect::<Vec<_>>(), vec![Some(1), Some(2), Some(3)]);
    assert!(history.iter().all(|e| e.body_hash_ok));
    assert_eq!(history[1].changes, vec![LoggedChange::SecretSet { name: "OPENAI_API_KEY".into() }]);
    assert_eq!(history[2].changes, vec![LoggedChange::EnclaveAdded(new), LoggedChange::EnclaveRemoved(old)]);
    assert_eq!(history[2].tx, receipt.transaction_hash);
    assert_eq!(history[2].block, receipt.block_number.unwrap());
    assert_eq!(history[2].body_hash, Some(keccak256(&body)));
    assert_eq!(history[0].config.as_ref().unwrap().policy, s.deployment.policy);
    assert_eq!(history[2].config.as_ref(), Some(&v3.config));
    assert!(history[2].summary().contains("+enclave"), "{}", history[2].summary());
}

#[rstest]
#[tokio::test]
async fn stale_version_is_refused_with_the_contract_error(#[future] setup: Setup) {
    let s = setup.await;
    s.admin.apply(s.owner, s.app, 1, &[PolicyChange::SetMaxExpiration(5)]).await.expect("v1 -> v2");
    let err = s
        .admin
        .apply(s.owner, s.app, 1, &[PolicyChange::SetMaxExpiration(6)])
        .await
        .expect_err("drafted against v1");
    match err.contract_error() {
        Some(RoflAppAdmin::RoflAppAdminErrors::StaleVersion(stale)) => {
            assert_eq!((stale.expected, stale.current), (1, 2));
        }
        other => panic!("expected StaleVersion, got {other:?} ({err})"),
    }
    assert_eq!(s.module.app_max_expiration(s.app).await.unwrap(), 5);

    // The same proposal is flagged before anyone signs it.
    let current = s.admin.get_app(s.app).await.unwrap();
    let data = changes_to_calldata(s.app, 1, &[PolicyChange::SetMaxExpiration(6)]).unwrap();
    let review = review_calls(
        &current.config,
        current.version,
        &[ProposedCall::call(s.admin.address(), U256::ZERO, data)],
        s.admin.address(),
    );
    assert_eq!(review.stale.map(|st| (st.expected, st.current)), Some((1, 2)));
    assert!(review.has_warning(WarningKind::StaleVersion));
}

#[rstest]
#[tokio::test]
async fn only_the_owner_changes_the_app(#[future] setup: Setup) {
    let s = setup.await;
    let stranger = s.chain.accounts()[3];
    let err = s
        .admin
        .apply(stranger, s.app, 0, &[PolicyChange::SetMaxExpiration(5)])
        .await
        .expect_err("not the owner");
    assert!(
        matches!(err.contract_error(), Some(RoflAppAdmin::RoflAppAdminErrors::OwnableUnauthorizedAccount(e)) if e.account == stranger),
        "{err}"
    );
}

#[rstest]
#[tokio::test]
/// The module evicts nobody when an identity leaves the policy (oasis-sdk modules/rofl/mod.rs:
/// `is_authorized_origin` only checks for an unexpired registration; `tx_update` does not touch
/// registrations): the old instance keeps its rights until its registration expires, it only
/// cannot renew. This test used to assert a refusal right after the release, which the real
/// module never gives.
async fn instances_keep_their_rights_until_their_registration_expires(#[future] setup: Setup) {
    let s = setup.await;
    let relayer = s.chain.accounts()[1];
    let old = s.deployment.policy.enclaves[0];
    let kept = s.deployment.policy.enclaves[1];
    let new = tdx_identity("talos 0.2.0");
    let on_old = s.chain.accounts()[5];
    let on_new = s.chain.accounts()[6];
    let nobody = s.chain.accounts()[7];
    let epoch = s.module.current_epoch().await.unwrap();

    // An identity outside the policy cannot register.
    let refused = s.module.register_instance(relayer, s.app, on_new, &new, epoch + 2).await;
    assert!(refused.is_err());

    s.module.register_instance(relayer, s.app, on_old, &old, epoch + 2).await.unwrap();
    assert!(s.module.is_authorized_origin(s.app, on_old).await.unwrap());
    assert_eq!(s.module.origin_app(on_old).await.unwrap(), Some(s.app));
    assert!(!s.module.is_authorized_origin(s.app, nobody).await.unwrap());
    assert_eq!(s.module.origin_app(nobody).await.unwrap(), None);

    // Release: the new identity in, the old one out.
    s.admin
        .apply(s.owner, s.app, 1, &[PolicyChange::AddEnclave(new), PolicyChange::RemoveEnclave(old)])
        .await
        .unwrap();
    assert_eq!(s.module.app_enclaves(s.app).await.unwrap(), vec![new, kept]);
    s.module.register_instance(relayer, s.app, on_new, &new, epoch + 2).await.unwrap();
    assert!(s.module.is_authorized_origin(s.app, on_new).await.unwrap());
    assert!(s.module.is_authorized_origin(s.app, on_old).await.unwrap(), "no eviction on rofl.Update");
    assert_eq!(s.module.origin_app(on_old).await.unwrap(), Some(s.app));
    assert_eq!(s.module.instances_of(s.app).await.unwrap(), vec![on_old, on_new]);

    // Next epoch: the new instance renews, the old one cannot (its identity is gone).
    assert_eq!(s.chain.advance_epochs(1).await.unwrap(), epoch + 1);
    s.module.register_instance(relayer, s.app, on_new, &new, epoch + 3).await.unwrap();
    assert!(s.module.register_instance(relayer, s.app, on_old, &old, epoch + 3).await.is_err());
    assert!(s.module.is_authorized_origin(s.app, on_old).await.unwrap(), "still inside its registration");

    // Its registration expires at epoch + 2: from then on it is refused.
    assert_eq!(s.chain.advance_epochs(1).await.unwrap(), epoch + 2);
    assert!(!s.module.is_authorized_origin(s.app, on_old).await.unwrap(), "expired");
    assert_eq!(s.module.origin_app(on_old).await.unwrap(), None);
    assert!(s.module.is_authorized_origin(s.app, on_new).await.unwrap(), "renewed");

    // Registrations that are not renewed expire.
    s.chain.advance_epochs(1).await.unwrap();
    assert!(!s.module.is_authorized_origin(s.app, on_new).await.unwrap());
}

#[rstest]
#[case::creator_nonce(IdentifierScheme::CreatorNonce)]
#[case::creator_round_index(IdentifierScheme::CreatorRoundIndex)]
#[tokio::test]
async fn app_ids_are_derived_as_the_module_derives_them(#[case] scheme: IdentifierScheme) {
    let chain = LocalChain::start().await.unwrap();
    let owner = chain.accounts()[0];
    let admin = RoflAdminClient::deploy_from(chain.provider().clone(), owner, owner).await.unwrap();
    let (_, deployment) = talos();
    let creator = OasisAddress::from_eth(admin.address());
    let module = RoflStandIn::new(chain.provider().clone());
    // Several apps from the one contract: distinct ids, each the module's derivation
    // (`roflgov_types::AppId`) for what the chain says: the contract's EVM nonce after the
    // create (scheme 1: the contract moves it with a throwaway CREATE before each create), or
    // the block of the create (scheme 0: tx index 0, one per block).
    let mut seen = Vec::new();
    for _ in 0..3 {
        let (app, receipt) =
            admin.create_app(owner, &deployment.policy, &Metadata::new(), scheme).await.unwrap();
        let expected = match scheme {
            IdentifierScheme::CreatorNonce => {
                let nonce = chain.provider().get_transaction_count(admin.address()).await.unwrap();
                assert_eq!(module.contract_nonce(admin.address()).await.unwrap(), nonce);
                AppId::from_creator_nonce(creator, nonce)
            }
            IdentifierScheme::CreatorRoundIndex => {
                AppId::from_creator_round_index(creator, receipt.block_number.unwrap(), 0)
            }
        };
        assert_eq!(app, expected);
        assert!(!seen.contains(&app), "distinct ids");
        assert!(module.app_exists(app).await.unwrap());
        seen.push(app);
    }
    assert_eq!(admin.app_ids().await.unwrap(), seen);
}
