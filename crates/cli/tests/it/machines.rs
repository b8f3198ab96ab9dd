//! `roflgov owner machine …` through the binary against one anvil with the simulated
//! roflmarket provider: the owner key rents a machine for the app (paid by the policy
//! contract), deploys a manifest on it, the provider boots it and an instance registers; bad
//! input and machines the contract does not hold are refused with a clear error.

use std::future::IntoFuture;

use alloy::primitives::{Address, keccak256};
use predicates::prelude::*;
use roflgov_client::rofl::RoflStandIn;
use roflgov_devnet::market_sim::Registration;
use roflgov_types::{AppId, ids::Address as OasisAddress, manifest::Manifest};

use crate::support::{env::CliEnv, fixtures::manifest as demo_manifest, flows::with_key};

/// `--key-env DEV0 owner machine rent --app APP --provider PROVIDER --offer 0 --term TERM --send`.
fn rent<'a>(app: &'a str, provider: &'a str, term: &'a str) -> Vec<&'a str> {
    let rent = ["owner", "machine", "rent", "--app", app, "--provider", provider];
    with_key("DEV0", &[&rent[..], &["--offer", "0", "--term", term, "--send"]].concat())
}

#[test]
fn owner_rents_and_deploys_a_machine_through_the_binary() {
    let env = CliEnv::start().with_dev_keys(1);
    let (rt, chain) = (&env.rt, &env.chain);
    let manifest = demo_manifest("1.0");
    let owner = chain.accounts()[0].to_string();
    let deployed = env.json(&["--key-env", "DEV0", "deploy", "--save", "--owner", &owner]);
    let policy: Address = deployed["policy_contract"].as_str().unwrap().parse().unwrap();
    let created = env.json(&[
        "--key-env",
        "DEV0",
        "app",
        "create",
        "--deployment",
        "local",
        "--send",
        "--manifest",
        &manifest,
    ]);
    let app_text = created["app"].as_str().unwrap().to_owned();
    let app = AppId::parse_bech32_or_hex(&app_text).unwrap();

    let mut market = rt.block_on(chain.simulated_provider()).expect("provider");
    let provider = OasisAddress(market.id().0).to_string();
    let month = market_price(rt, &market);
    assert_eq!(month, 100 * 10u128.pow(18));
    // Anyone funds the contract (DEV1, not the owner).
    env.cmd()
        .env("DEV1", format!("0x{}", hex::encode(chain.signer(1).to_bytes())))
        .args(["--key-env", "DEV1", "machine", "fund", "--amount", "100"])
        .assert()
        .success()
        .stdout(predicate::str::contains("funded policy contract"));
    env.cmd()
        .args(["--key-env", "DEV0", "machine", "fund", "--amount", "1.2.3"])
        .assert()
        .failure()
        .stderr(predicate::str::contains("--amount"));
    // Bad input is refused before anything reaches the chain, naming what is wrong.
    env.cmd()
        .args(rent(&app_text, &provider, "week"))
        .assert()
        .failure()
        .stderr(predicate::str::contains("\"week\" is not a term"));
    env.cmd()
        .args(rent(&app_text, "oasis1nope", "month"))
        .assert()
        .failure()
        .stderr(predicate::str::contains("--provider"));

    // Rent: the policy contract pays and administers the machine.
    let _ = env.json(&rent(&app_text, &provider, "month"));
    let inst = rt.block_on(market.market().instance(market.id(), 0).call().into_future()).unwrap();
    assert!(inst.exists);
    assert_eq!(inst.admin.0, OasisAddress::from_eth(policy).0);
    assert_eq!(rt.block_on(market.run_once()).unwrap().accepted, vec![0]);

    // Deploy the first release's bundle; the provider boots it and an instance registers.
    let dep = Manifest::from_path(&manifest).unwrap().deployment("local").unwrap();
    let hash = keccak256(b"demo ORC 1.0");
    market.add_bundle(hash, dep.policy.enclaves[0]);
    let deploy = |id: &str, extra: &[&str]| {
        let mut c = env.cmd();
        c.args([
            "--key-env",
            "DEV0",
            "owner",
            "machine",
            "deploy",
            "--app",
            &app_text,
            "--provider",
            &provider,
        ])
        .args(["--id", id, "--manifest-hash", &hash.to_string(), "--send"])
        .args(extra);
        c
    };
    deploy("7", &[]).assert().failure().stderr(predicate::str::contains("UnknownMachine"));
    deploy("0", &[]).assert().success().stdout(predicate::str::contains("deploy manifest"));
    let step = rt.block_on(market.run_once()).unwrap();
    assert_eq!(step.executed.len(), 1);
    let Registration::Registered { instance, identity, .. } = step.executed[0].registration.clone() else {
        panic!("registers: {step:?}")
    };
    assert_eq!(identity, dep.policy.enclaves[0]);
    let module = RoflStandIn::new(chain.provider().clone());
    assert!(rt.block_on(module.is_authorized_origin(app, instance)).unwrap());

    // The rollout of the first release is complete: command taken, the instance registered.
    let rollout = |identity: &str| {
        let mut c = env.cmd();
        c.args(["app", "rollout", "--app", &app_text, "--enclave", identity]);
        c
    };
    let v1 = roflgov_attest::identity_to_base64(&dep.policy.enclaves[0]);
    rollout(&v1).assert().success().stdout(
        predicate::str::contains(format!(
            "machine 0 of provider {provider}: commands taken, runs manifest {hash}"
        ))
        .and(predicate::str::contains(format!("registered with the new identity: {instance}"))),
    );

    // Wiping storage is announced.
    deploy("0", &["--wipe-storage"])
        .assert()
        .success()
        .stderr(predicate::str::contains("wipes the machine's persistent storage"));
    let queued = rt.block_on(market.market().instanceCommands(market.id(), 0).call().into_future()).unwrap();
    let cmd0 =
        rt.block_on(market.market().decodeCommand(queued.cmds[0].clone()).call().into_future()).unwrap();
    assert!(cmd0.wipeStorage);

    // A release the machines do not run yet: the command is pending, no instance has the new
    // identity (exit 4), and the old registration's end is shown.
    let next = Manifest::from_path(demo_manifest("1.1")).unwrap().deployment("local").unwrap();
    let v2 =
        next.policy.enclaves.iter().find(|e| **e != dep.policy.enclaves[0]).expect("1.1 adds an identity");
    let (_, old_expiry) = rt.block_on(module.instance_identity(app, instance)).unwrap().unwrap();
    rollout(&roflgov_attest::identity_to_base64(v2)).assert().code(4).stdout(
        predicate::str::contains("1 command(s) not yet taken")
            .and(predicate::str::contains("no instance with the new identity registered yet"))
            .and(predicate::str::contains(format!(
                "1 instance(s) of other identities stay valid until {}",
                roflgov_core::rofl::format_utc(old_expiry * roflgov_client::rofl::STAND_IN_EPOCH_SECONDS)
            ))),
    );

    // `app show` lists the machine: status, what it runs, paid until, and a warning when near.
    let show = || {
        let mut c = env.cmd();
        c.args(["app", "show", "--app", &app_text]);
        c
    };
    let paid_until =
        rt.block_on(market.market().instance(market.id(), 0).call().into_future()).unwrap().paidUntil;
    show().assert().success().stdout(
        predicate::str::contains(format!("provider {provider} offer 0 instance 0: accepted"))
            .and(predicate::str::contains(format!("runs {app_text} manifest {hash}")))
            .and(predicate::str::contains("1 command(s) not yet taken"))
            .and(predicate::str::contains(roflgov_core::rofl::format_utc(paid_until)))
            .and(predicate::str::contains("warning").not()),
    );
    let machines = env.json(&["app", "show", "--app", &app_text])["machines"].clone();
    assert_eq!(machines[0]["paid_until"], paid_until);
    assert_eq!(machines[0]["market"]["status"], "accepted");
    rt.block_on(chain.advance_time(25 * 86_400)).unwrap();
    show().assert().success().stdout(predicate::str::contains("warning: lapses within 7 days"));

    // Top-up: refused without an allowance; governance allows one month, anyone tops up once.
    let top_up = || {
        let mut c = env.cmd();
        c.args([
            "--key-env",
            "DEV0",
            "machine",
            "top-up",
            "--app",
            &app_text,
            "--provider",
            &provider,
            "--id",
            "0",
        ]);
        c
    };
    top_up().assert().failure().stderr(predicate::str::contains("NoTopUpAllowance"));
    env.cmd()
        .args(["--key-env", "DEV0", "owner", "machine", "set-top-up", "--app", &app_text, "--term", "month"])
        .args(["--terms-left", "1", "--window", "864000", "--send"])
        .assert()
        .success();
    env.cmd().args(["--key-env", "DEV0", "machine", "fund", "--amount", "100"]).assert().success();
    top_up().assert().success().stdout(predicate::str::contains("topped up machine 0"));
    let after = rt.block_on(market.market().instance(market.id(), 0).call().into_future()).unwrap().paidUntil;
    assert_eq!(after, paid_until + 30 * 86_400, "one month more in the module");
    show().assert().success().stdout(predicate::str::contains("warning").not());
    top_up().assert().failure().stderr(predicate::str::contains("NoTopUpAllowance"));
}

fn market_price(
    rt: &tokio::runtime::Runtime,
    market: &roflgov_devnet::SimulatedProvider<alloy::providers::DynProvider>,
) -> u128 {
    rt.block_on(market.market().offer(market.id(), 0).call().into_future()).unwrap().prices[2]
}
