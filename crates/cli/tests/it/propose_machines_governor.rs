//! `propose --deploy-machines --governor` through the binary on one anvil: a DAO whose Timelock
//! is the admin of two marketplace machines proposes a release with a Deploy to each, the
//! voters' `review --bundle` of the proposal id is ok, the proposal is voted, queued and
//! executed, and the simulated provider carries out both Deploys: an instance with the released
//! identity registers on each machine.

use std::{future::IntoFuture, path::Path};

use alloy::{
    network::TransactionBuilder,
    primitives::{Address, U256},
    providers::Provider,
    rpc::types::TransactionRequest,
};
use roflgov_client::rofl::RoflStandIn;
use roflgov_core::rofl::subcall::{SUBCALL_PRECOMPILE, encode_subcall};
use roflgov_devnet::market_sim::Registration;
use roflgov_types::{
    AppId,
    ids::Address as OasisAddress,
    manifest::Manifest,
    market::{InstanceCreate, MarketCall, OfferId, Term, encode_call},
};
use serde_json::Value;

use crate::support::{
    env::CliEnv,
    fixtures::{self, manifest},
    flows::{propose, with_key},
};

/// An ORC bundle whose one component has the enclave identity `enclave` (base64).
fn write_orc(path: &Path, enclave: &str) {
    let manifest = serde_json::json!({
        "name": "weather-oracle",
        "id": "00".repeat(32),
        "components": [{"kind": "rofl", "name": "weather-oracle", "version": {"major": 1, "minor": 1},
            "identity": [{"hypervisor": "qemu/v0", "enclave": enclave}]}],
        "digests": {}
    });
    fixtures::write_orc(path, &manifest);
}

#[test]
fn dao_proposes_release_and_deploys_to_its_machines() {
    let env = CliEnv::start().with_dev_keys(1);
    let (rt, chain, dir) = (&env.rt, &env.chain, &env.dir);
    let json = |args: &[&str]| env.json(args);

    let deployed = json(&["--key-env", "DEV0", "deploy", "--dao", "--save"]);
    let timelock: Address = deployed["timelock"].as_str().unwrap().parse().unwrap();
    let manifest_1_0 = manifest("1.0");
    let created = env.propose_app_to_the_dao();
    let id = created["proposal_id"].as_str().unwrap().to_owned();
    json(&["--key-env", "DEV0", "dao", "vote", "--proposal", &id, "--support", "for", "--advance-time"]);
    pass_rest(&json, &id);
    let history = json(&["app", "history"]);
    let app: AppId = history[0]["app"].as_str().unwrap().parse().unwrap();
    let app_s = app.to_string();

    // Two machines rented by a dev account for the Timelock (InstanceCreate's `admin`), so the
    // Timelock is their admin; the provider accepts them.
    let mut market = rt.block_on(chain.simulated_provider()).expect("provider");
    let provider = OasisAddress(market.id().0);
    let rent = MarketCall::InstanceCreate(InstanceCreate {
        provider,
        offer: OfferId::from(0),
        admin: Some(OasisAddress::from_eth(timelock)),
        deployment: None,
        term: Term::Month,
        term_count: 1,
    });
    for _ in 0..2 {
        let request = TransactionRequest::default()
            .with_from(chain.accounts()[0])
            .with_to(SUBCALL_PRECOMPILE)
            .with_value(U256::ZERO)
            .with_input(encode_subcall(rent.method(), &encode_call(&rent)));
        let receipt = rt
            .block_on(async { chain.provider().send_transaction(request).await?.get_receipt().await })
            .unwrap();
        assert!(receipt.status(), "InstanceCreate for the Timelock");
    }
    assert_eq!(rt.block_on(market.run_once()).unwrap().accepted, vec![0, 1]);
    for id in 0..2 {
        let inst = rt.block_on(market.market().instance(market.id(), id).call().into_future()).unwrap();
        assert_eq!(inst.admin.0, OasisAddress::from_eth(timelock).0, "the Timelock administers machine {id}");
    }

    // rofl.yaml 1.1 with both machines; the bundle holds the identity 1.1 adds.
    let v10 = Manifest::from_path(&manifest_1_0).unwrap().deployment("local").unwrap();
    let v11 = Manifest::from_path(manifest("1.1")).unwrap().deployment("local").unwrap();
    let new_id =
        *v11.policy.enclaves.iter().find(|e| !v10.policy.enclaves.contains(e)).expect("1.1 adds one");
    let mut yaml = std::fs::read_to_string(manifest("1.1")).unwrap();
    if !yaml.ends_with('\n') {
        yaml.push('\n');
    }
    yaml.push_str(&format!(
        "    machines:\n      default:\n        provider: {provider}\n        offer: small\n        id: \"0000000000000000\"\n      backup:\n        provider: {provider}\n        offer: small\n        id: \"0000000000000001\"\n"
    ));
    std::fs::write(env.p("rofl.yaml"), yaml).unwrap();
    write_orc(&dir.path().join("release.orc"), &roflgov_attest::identity_to_base64(&new_id));

    let proposed = json(&with_key(
        "DEV0",
        &propose(
            &env.p("rofl.yaml"),
            &app_s,
            &["--policy-only", "--deploy-machines", "--bundle", &env.p("release.orc"), "--governor"],
        ),
    ));
    assert_eq!(proposed["machines"].as_array().map(Vec::len), Some(2), "{proposed}");
    let release = proposed["proposal_id"].as_str().unwrap().to_owned();

    // The voters' review of the proposal id, with the bundle they have.
    let review = json(&["review", "--proposal", &release, "--bundle", &env.p("release.orc")]);
    assert_eq!(review["source"], "governor_proposal", "{review}");
    assert_eq!(review["verdict"], "ok", "{review}");

    // Nothing deploys before the vote passes.
    assert!(rt.block_on(market.run_once()).unwrap().executed.is_empty());
    json(&["--key-env", "DEV0", "dao", "vote", "--proposal", &release, "--support", "for", "--advance-time"]);
    pass_rest(&json, &release);

    // The provider boots the bundle the Deploys name; an instance with the new identity
    // registers on each machine.
    let hash = roflgov_attest::orc::OrcBundle::open(dir.path().join("release.orc"))
        .unwrap()
        .manifest_hash()
        .unwrap();
    market.add_bundle(hash, new_id);
    let step = rt.block_on(market.run_once()).unwrap();
    assert_eq!(step.executed.len(), 2, "{step:?}");
    let module = RoflStandIn::new(chain.provider().clone());
    for done in &step.executed {
        assert_eq!((done.method.as_str(), done.app, done.manifest_hash), ("Deploy", Some(app), Some(hash)));
        let Registration::Registered { instance, identity, .. } = done.registration.clone() else {
            panic!("registers: {step:?}")
        };
        assert_eq!(identity, new_id);
        assert!(rt.block_on(module.is_authorized_origin(app, instance)).unwrap());
    }
}

/// Queue and execute a proposal that has been voted (the clock moved with anvil).
fn pass_rest(json: &dyn Fn(&[&str]) -> Value, id: &str) {
    let queued = json(&["--key-env", "DEV0", "dao", "queue", "--proposal", id, "--advance-time"]);
    assert_eq!(queued["state"], "queued", "{queued}");
    json(&["--key-env", "DEV0", "dao", "execute", "--proposal", id, "--advance-time"]);
}
