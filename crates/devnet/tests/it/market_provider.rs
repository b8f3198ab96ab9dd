//! The simulated roflmarket provider on a real anvil: the policy contract (owned by a test key)
//! rents a machine, a release adds a new identity, `deployMachine` queues a Deploy, the provider
//! step boots it and a new instance registers with that identity, while the old instance keeps
//! its registration until it expires at its epoch boundary.

use alloy::{
    primitives::{B256, FixedBytes, U256, keccak256},
    sol_types::SolCall,
};
use roflgov_client::machines::{STATUS_ACCEPTED, TERM_MONTH};
use roflgov_client::rofl::{RoflAdminClient, RoflStandIn, bindings::RoflAppAdmin};
use roflgov_core::rofl::PolicyChange;
use roflgov_devnet::{
    LocalChain,
    market_sim::{OfferSpec, Registration, SimulatedProvider},
};
use roflgov_types::{EnclaveIdentity, IdentifierScheme, ids::Address as OasisAddress, manifest::Manifest};

const TALOS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../fixtures/talos-rofl.yaml");

#[tokio::test]
async fn deploy_boots_a_new_instance_and_the_old_one_expires_at_its_epoch() {
    let chain = LocalChain::start().await.expect("anvil starts");
    let owner = chain.accounts()[0];
    let rpc = chain.provider().clone();
    let admin = RoflAdminClient::deploy_from(rpc.clone(), owner, owner).await.expect("deploys");
    let deployment = Manifest::from_path(TALOS).expect("talos").deployment("mainnet").expect("mainnet");
    let (app, _) = admin
        .create_app(owner, &deployment.policy, &deployment.metadata, IdentifierScheme::CreatorNonce)
        .await
        .expect("createApp");
    let module = RoflStandIn::new(rpc.clone());
    let max_expiration = deployment.policy.max_expiration;

    // The provider registers itself and an offer (100 ROSE a month).
    let mut market = chain.simulated_provider().await.expect("provider starts");
    let offer_price = U256::from(OfferSpec::default().prices[1]);

    // Anyone funds the contract; the owner rents one month on offer 0.
    let fund = RoflAppAdmin::fundMachinesCall {}.abi_encode();
    admin.send(chain.accounts()[1], fund.into(), offer_price * U256::from(2)).await.expect("funded");
    let rent = RoflAppAdmin::rentMachineCall {
        appId: app.to_fixed_bytes(),
        provider: market.id(),
        offer: 0,
        term: TERM_MONTH,
        termCount: 1,
    };
    admin.send(owner, rent.abi_encode().into(), U256::ZERO).await.expect("rented");
    let contract_oasis = OasisAddress::from_eth(admin.address());
    let created = market.market().instance(market.id(), 0).call().await.expect("instance view");
    assert!(created.exists);
    assert_eq!(created.admin.0, contract_oasis.0, "the contract administers the machine");
    assert_eq!(
        market.market().debited(FixedBytes(contract_oasis.0)).call().await.expect("ledger"),
        offer_price,
        "one month paid from the contract"
    );

    // The scheduler accepts it; a second round has nothing to do.
    let step = market.run_once().await.expect("provider round");
    assert_eq!(step.accepted, vec![0]);
    assert!(step.executed.is_empty());
    assert_eq!(market.market().instance(market.id(), 0).call().await.unwrap().status, STATUS_ACCEPTED);
    assert_eq!(market.run_once().await.expect("idle round"), Default::default());

    // The machine first runs the current release.
    let old_identity = deployment.policy.enclaves[0];
    let old_bundle = keccak256(b"talos ORC v1");
    market.add_bundle(old_bundle, old_identity);
    let provider_id = market.id();
    let deploy = |hash: B256| RoflAppAdmin::deployMachineCall {
        appId: app.to_fixed_bytes(),
        provider: provider_id,
        id: 0,
        manifestHash: hash,
        wipeStorage: false,
    };
    admin.send(owner, deploy(old_bundle).abi_encode().into(), U256::ZERO).await.expect("deploy v1");
    let step = market.run_once().await.expect("provider round");
    let Registration::Registered { instance: old_instance, identity, expiration_epoch: old_expiry } =
        step.executed[0].registration.clone()
    else {
        panic!("the first deployment registers: {step:?}")
    };
    assert_eq!(identity, old_identity);
    assert!(module.is_authorized_origin(app, old_instance).await.expect("origin check"));

    // An epoch later, a release adds a new identity and redeploys the machine with it.
    chain.advance_epochs(1).await.expect("epoch");
    let new_identity = EnclaveIdentity { mr_enclave: keccak256(b"talos v2"), mr_signer: B256::ZERO };
    let version = admin.version(app).await.expect("version");
    admin.apply(owner, app, version, &[PolicyChange::AddEnclave(new_identity)]).await.expect("release");
    let new_bundle = keccak256(b"talos ORC v2");
    market.add_bundle(new_bundle, new_identity);
    admin.send(owner, deploy(new_bundle).abi_encode().into(), U256::ZERO).await.expect("deploy v2");

    // Queued, not yet carried out: no instance with the new identity yet.
    let queued = market.market().instanceCommands(market.id(), 0).call().await.expect("queue");
    assert_eq!(queued.ids.len(), 1);
    let cmd = market.market().decodeCommand(queued.cmds[0].clone()).call().await.expect("decodes");
    assert_eq!((cmd.method.as_str(), cmd.appId.0, cmd.manifestHash), ("Deploy", app.0, new_bundle));
    let before = module.instances_of(app).await.expect("instances");
    assert_eq!(before, vec![old_instance]);

    let step = market.run_once().await.expect("provider round");
    assert_eq!(step.executed.len(), 1);
    assert_eq!(step.executed[0].method, "Deploy");
    assert_eq!(step.executed[0].manifest_hash, Some(new_bundle));
    let Registration::Registered { instance: new_instance, identity, expiration_epoch: new_expiry } =
        step.executed[0].registration.clone()
    else {
        panic!("the redeployment registers: {step:?}")
    };
    assert_eq!(identity, new_identity);
    assert_ne!(new_instance, old_instance);
    assert_eq!(new_expiry, old_expiry + 1);
    assert_eq!(
        module.instance_identity(app, new_instance).await.unwrap().map(|(id, _)| id),
        Some(new_identity)
    );
    let machine = market.market().instance(market.id(), 0).call().await.unwrap();
    assert_eq!((machine.hasDeployment, machine.manifestHash, machine.cmdCount), (true, new_bundle, 0));
    assert!(market.market().instanceCommands(market.id(), 0).call().await.unwrap().ids.is_empty());

    // Both are valid until the old registration's epoch boundary; then only the new one.
    assert!(module.is_authorized_origin(app, old_instance).await.unwrap());
    assert!(module.is_authorized_origin(app, new_instance).await.unwrap());
    let now = chain.advance_epochs(old_expiry - module.current_epoch().await.unwrap() - 1).await.unwrap();
    assert_eq!(now, old_expiry - 1);
    assert!(module.is_authorized_origin(app, old_instance).await.unwrap(), "valid in its last epoch");
    assert_eq!(chain.advance_epochs(1).await.unwrap(), old_expiry);
    assert!(!module.is_authorized_origin(app, old_instance).await.unwrap(), "expired at the boundary");
    assert!(module.is_authorized_origin(app, new_instance).await.unwrap());
    assert!(max_expiration >= 2, "the fixture lets both overlap");
}

#[tokio::test]
async fn unknown_bundles_and_identities_outside_the_policy_do_not_register() {
    let chain = LocalChain::start().await.expect("anvil starts");
    let owner = chain.accounts()[0];
    let rpc = chain.provider().clone();
    let admin = RoflAdminClient::deploy_from(rpc.clone(), owner, owner).await.expect("deploys");
    let deployment = Manifest::from_path(TALOS).expect("talos").deployment("mainnet").expect("mainnet");
    let (app, _) = admin
        .create_app(owner, &deployment.policy, &deployment.metadata, IdentifierScheme::CreatorNonce)
        .await
        .expect("createApp");
    let mut market = SimulatedProvider::start(rpc.clone(), chain.accounts()[9], &OfferSpec::default())
        .await
        .expect("starts");
    // Starting again finds the same provider and adds no second offer.
    let again =
        SimulatedProvider::start(rpc.clone(), chain.accounts()[9], &OfferSpec::default()).await.unwrap();
    assert_eq!(again.id(), market.id());
    assert_eq!(market.market().providerInfo(market.id()).call().await.unwrap().offersNextId, 1);

    let price = U256::from(OfferSpec::default().prices[1]);
    admin.send(owner, RoflAppAdmin::fundMachinesCall {}.abi_encode().into(), price).await.unwrap();
    let rent = RoflAppAdmin::rentMachineCall {
        appId: app.to_fixed_bytes(),
        provider: market.id(),
        offer: 0,
        term: TERM_MONTH,
        termCount: 1,
    };
    admin.send(owner, rent.abi_encode().into(), U256::ZERO).await.unwrap();
    market.run_once().await.unwrap();

    let outsider = EnclaveIdentity { mr_enclave: keccak256(b"not released"), mr_signer: B256::ZERO };
    let (unknown, unreleased) = (keccak256(b"never shipped"), keccak256(b"not released ORC"));
    market.add_bundle(unreleased, outsider);
    for hash in [unknown, unreleased] {
        let deploy = RoflAppAdmin::deployMachineCall {
            appId: app.to_fixed_bytes(),
            provider: market.id(),
            id: 0,
            manifestHash: hash,
            wipeStorage: false,
        };
        admin.send(owner, deploy.abi_encode().into(), U256::ZERO).await.unwrap();
    }
    let step = market.run_once().await.unwrap();
    assert_eq!(step.executed.len(), 2);
    assert_eq!(step.executed[0].registration, Registration::UnknownBundle);
    assert!(
        matches!(&step.executed[1].registration, Registration::Refused(why) if why.contains("IdentityNotInPolicy")),
        "{step:?}"
    );
    assert!(RoflStandIn::new(rpc).instances_of(app).await.unwrap().is_empty());
    // Both commands are completed anyway: the scheduler ran them, the enclave failed.
    assert!(market.market().instanceCommands(market.id(), 0).call().await.unwrap().ids.is_empty());
}
