//! `owner machine change-admin` when the app's endorsement policy names the policy contract as
//! `provider_instance_admin`, through the binary on one anvil with a real Safe v1.4.1: by
//! default the same call (one `multicall`) also names the new admin in the endorsement policy,
//! and says so; the review of the bare hand-over (`--keep-endorsement`) flags that instances
//! could no longer register, the review of the combined one does not; executed, the module's
//! endorsement policy and the machine's admin both name the new admin.

use std::future::IntoFuture;

use alloy::primitives::Address;
use predicates::prelude::*;
use roflgov_client::rofl::RoflStandIn;
use roflgov_types::{AllowedEndorsement, ids::Address as OasisAddress};
use serde_json::Value;

use crate::support::{env::CliEnv, fixtures::manifest, flows::propose};

/// What the review says of a hand-over the endorsement policy does not follow.
const STRANDED: &str = "could no longer register";

#[test]
fn change_admin_moves_the_endorsement_with_the_machine() {
    let env = CliEnv::start().with_dev_keys(5);
    let (rt, chain) = (&env.rt, &env.chain);
    // Two owners sign, a third account executes (naming the findings it accepts).
    let run_safe = |file: &str, overrides: &[&str]| env.sign_and_execute(file, overrides);
    let accounts = chain.accounts();
    let deployed = env.deploy_safe(Some("100"));
    let policy: Address = deployed["policy_contract"].as_str().unwrap().parse().unwrap();
    let contract = OasisAddress::from_eth(policy);
    let manifest_1_0 = manifest("1.0");
    let app = env.create_app_through_safe(["DEV1", "DEV2"]);
    let app_s = app.to_string();

    // The app endorses only instances whose machine the policy contract administers.
    let yaml = std::fs::read_to_string(&manifest_1_0).unwrap();
    assert!(yaml.contains("- any: {}"));
    std::fs::write(
        env.p("rofl.yaml"),
        yaml.replace("- any: {}", &format!("- provider_instance_admin: {contract}")),
    )
    .unwrap();
    env.json(&propose(&env.p("rofl.yaml"), &app_s, &["--policy-only", "--safe-out", &env.p("endorse.json")]));
    run_safe("endorse.json", &[]);
    let module = RoflStandIn::new(chain.provider().clone());
    let endorsements = || rt.block_on(module.config(app)).unwrap().policy.endorsements;
    assert_eq!(endorsements(), [AllowedEndorsement::ProviderInstanceAdmin(contract)]);

    // The contract rents a machine (paid from its balance); the provider accepts it.
    let market = rt.block_on(chain.simulated_provider()).expect("provider");
    let provider = OasisAddress(market.id().0).to_string();
    env.cmd().args(["--key-env", "DEV4", "machine", "fund", "--amount", "100"]).assert().success();
    env.json(&[
        "owner",
        "machine",
        "rent",
        "--app",
        &app_s,
        "--provider",
        &provider,
        "--offer",
        "0",
        "--term",
        "month",
        "--safe-out",
        &env.p("rent.json"),
    ]);
    run_safe("rent.json", &[]);
    assert_eq!(rt.block_on(market.run_once()).unwrap().accepted, vec![0]);

    let new_admin = OasisAddress::from_eth(accounts[4]);
    let change_admin = |extra: &[&str]| {
        let mut c = env.cmd();
        c.args(["owner", "machine", "change-admin", "--app", &app_s, "--provider", &provider, "--id", "0"])
            .args(["--to", &new_admin.to_string()])
            .args(extra);
        c
    };
    // Opting out: the bare hand-over, flagged by the review.
    change_admin(&["--keep-endorsement", "--safe-out", &env.p("bare.json")])
        .assert()
        .success()
        .stderr(predicate::str::contains("warning").and(predicate::str::contains("--keep-endorsement")));
    env.cmd()
        .args(["review", "--safe-tx", &env.p("bare.json")])
        .assert()
        .code(4)
        .stdout(predicate::str::contains(STRANDED));

    // Only one of the two can execute (same Safe nonce), and roflgov refuses to write a
    // competing one: the signers drop the bare one.
    std::fs::remove_file(env.p("bare.json")).unwrap();
    // The default: the endorsement follows in the same call, and the command says so.
    change_admin(&["--safe-out", &env.p("both.json")]).assert().success().stderr(
        predicate::str::contains(format!("the same call names {new_admin} instead"))
            .and(predicate::str::contains("--keep-endorsement leaves it")),
    );
    let review = env.cmd().args(["--json", "review", "--safe-tx", &env.p("both.json")]).output().unwrap();
    let review: Value = serde_json::from_slice(&review.stdout).unwrap();
    let findings = review.to_string();
    assert!(!findings.contains(STRANDED), "{findings}");
    // Handing a machine over stays critical on its own (the contract loses control of it).
    assert!(findings.contains("loses control of the machine"), "{findings}");

    run_safe("both.json", &["--override", "machine_ended"]);
    assert_eq!(endorsements(), [AllowedEndorsement::ProviderInstanceAdmin(new_admin)]);
    let inst = rt.block_on(market.market().instance(market.id(), 0).call().into_future()).unwrap();
    assert_eq!(inst.admin.0, new_admin.0, "the machine has its new admin");
}
