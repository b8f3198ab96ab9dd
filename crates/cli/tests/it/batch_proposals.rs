//! Several actions in one Safe transaction, through the binary on one anvil: a release with a
//! guardian change (one `propose`) and a new app with its 100 ROSE stake (`app create`) are
//! drafted as separate unsigned legs (a Safe proposal file and a Transaction Builder batch), combined by `safe combine` into one MultiSendCallOnly
//! transaction, reviewed as one (every leg shown), signed by 2 of 3 owners and executed on a
//! real Safe v1.4.1.

use predicates::prelude::*;
use roflgov_client::rofl::{RoflAdminClient, RoflStandIn};
use serde_json::Value;

use crate::support::{
    env::CliEnv,
    fixtures::{ids_of, manifest},
    flows::{app_create, propose},
};

#[test]
fn release_guardian_and_stake_as_one_safe_transaction() {
    let env = CliEnv::start();
    let (rt, chain, dir) = (&env.rt, &env.chain, &env.dir);
    std::fs::create_dir(dir.path().join("legs")).unwrap();
    let sign_and_execute = |file: &str, expect: &[&str]| env.sign_and_execute(file, expect);
    let accounts = chain.accounts();
    // A 2-of-3 Safe with two stakes: one for the first app, one for the app the batch creates.
    let deployed = env.deploy_safe(Some("200"));
    let policy: alloy::primitives::Address = deployed["policy_contract"].as_str().unwrap().parse().unwrap();
    let app = env.create_app_through_safe(["DEV1", "DEV2"]);
    let app_s = app.to_string();

    // Leg 1: release 1.1 with a guardian (one call on the policy contract, one app).
    let guardian = accounts[5].to_string();
    env.json(&propose(
        &manifest("1.1"),
        &app_s,
        &["--policy-only", "--set-guardian", &guardian, "--safe-out", &env.p("legs/1-release.json")],
    ));
    // Leg 2: a second app, with the 100 ROSE stake the Safe sends along, as a Transaction
    // Builder batch (it has no nonce, so it cannot compete with leg 1).
    env.json(&app_create(&manifest("1.0"), &["--tx-builder-out", &env.p("legs/2-stake.json")]));
    // The combined file may not sit next to a Safe-file leg (they share the nonce).
    let (leg1, leg2) = (env.p("legs/1-release.json"), env.p("legs/2-stake.json"));
    let combine = ["safe", "combine", "--leg", &leg1, "--leg", &leg2];
    env.cmd()
        .args(combine)
        .args(["--safe-out", &env.p("legs/batch.json")])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("folder of their own"));
    let out = ["--safe-out", &env.p("batch.json"), "--tx-builder-out", &env.p("batch.tx-builder.json")];
    let combined = env.json(&[&combine[..], &out].concat());
    assert_eq!(combined["legs"], 2);
    assert_eq!(combined["calls"], 2);
    // The file is one DELEGATECALL into MultiSendCallOnly carrying both legs; the stake leg
    // carries 100 ROSE.
    let file: Value = serde_json::from_str(&std::fs::read_to_string(env.p("batch.json")).unwrap()).unwrap();
    assert_eq!(file["tx"]["operation"], 1, "{file}");
    let batch: Value =
        serde_json::from_str(&std::fs::read_to_string(env.p("batch.tx-builder.json")).unwrap()).unwrap();
    let txs = batch["transactions"].as_array().unwrap();
    assert_eq!(txs.len(), 2);
    assert_eq!(txs[0]["value"], "0");
    assert_eq!(txs[1]["value"], "100000000000000000000");

    // One review shows every leg: the release, the guardian (critical until expected), the new app.
    let review = env.review_refused_until("batch.json", "guardian", &["--expect-guardian", &guardian]);
    let text = serde_json::to_string(&review).unwrap();
    assert!(text.contains(&app_s), "the release leg is shown: {text}");
    assert!(text.to_lowercase().contains("create"), "the stake leg is shown: {text}");

    let executed = sign_and_execute("batch.json", &["--expect-guardian", &guardian]);
    assert_eq!(executed["outcome"], "success", "{executed}");
    let client = RoflAdminClient::new(policy, chain.provider().clone());
    assert_eq!(rt.block_on(client.guardian(app)).unwrap(), Some(accounts[5]));
    let expected = ids_of("1.1");
    let _stand_in = RoflStandIn::new(chain.provider().clone());
    let now = env.enclaves(app);
    for id in &expected {
        assert!(now.contains(id), "release 1.1 allowed {id}: {now:?}");
    }
    // The second app exists: its stake left the Safe.
    let safe: alloy::primitives::Address = deployed["safe"].as_str().unwrap().parse().unwrap();
    let balance =
        rt.block_on(async { alloy::providers::Provider::get_balance(chain.provider(), safe).await }).unwrap();
    assert!(balance.is_zero(), "both stakes are locked: {balance}");
}
