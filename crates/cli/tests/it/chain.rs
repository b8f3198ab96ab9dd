//! Chain commands driven through the binary against a real anvil (Shanghai) with the ROFL
//! stand-in, started by the test (`LocalChain`) and passed with `--rpc`.

use assert_cmd::Command;
use predicates::prelude::*;
use roflgov_devnet::LocalChain;
use serde_json::Value;

use crate::support::{
    env::{roflgov_in, success_json},
    fixtures::{NOW, manifest, testdata, write_orc},
};

struct Env {
    _rt: tokio::runtime::Runtime,
    chain: LocalChain,
    key_hex: String,
}

fn start() -> Env {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let chain = rt.block_on(LocalChain::start()).expect("anvil starts (run `make build` first)");
    let key_hex = format!("0x{}", hex::encode(chain.signer(0).to_bytes()));
    Env { _rt: rt, chain, key_hex }
}

impl Env {
    fn cmd(&self) -> Command {
        let mut cmd = roflgov_in(&std::env::temp_dir());
        cmd.env("DEV0", &self.key_hex).args(["--rpc", &self.chain.endpoint()]);
        cmd
    }
}

fn json(cmd: &mut Command) -> Value {
    success_json(cmd.arg("--json"))
}

#[test]
fn deploy_create_propose_show_history_through_the_binary() {
    let env = start();
    let owner = env.chain.accounts()[0].to_string();

    // Signing commands need a key source; nothing is sent without one.
    env.cmd()
        .args(["deploy", "--owner", &owner])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--key-env"));

    // --save writes the address into the config file; later commands find it there.
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("roflgov.toml");
    let deployed = json(
        env.cmd()
            .args(["--key-env", "DEV0", "deploy", "--save", "--owner", &owner])
            .arg("--config")
            .arg(&config),
    );
    let contract = deployed["policy_contract"].as_str().unwrap().to_owned();
    let saved = std::fs::read_to_string(&config).unwrap();
    assert!(
        saved.contains("[networks.local]") && saved.to_lowercase().contains(&contract.to_lowercase()),
        "{saved}"
    );
    env.cmd()
        .arg("--config")
        .arg(&config)
        .args(["app", "history"])
        .assert()
        .success()
        .stdout(predicate::str::contains("no history"));

    // Wrong chain: the local anvil is not Sapphire testnet.
    env.cmd()
        .args(["--network", "testnet", "--policy-contract", &contract, "app", "history"])
        .assert()
        .code(5)
        .stderr(predicate::str::contains("wrong chain"));

    let created = json(env.cmd().args([
        "--key-env",
        "DEV0",
        "--policy-contract",
        &contract,
        "app",
        "create",
        "--deployment",
        "local",
        "--send",
        "--manifest",
        &manifest("1.0"),
    ]));
    let app = created["app"].as_str().unwrap().to_owned();
    assert!(app.starts_with("rofl1"));

    env.cmd()
        .args([
            "--policy-contract",
            &contract,
            "app",
            "show",
            "--app",
            &app,
            "--deployment",
            "local",
            "--manifest",
            &manifest("1.0"),
        ])
        .assert()
        .success()
        .stdout(
            predicate::str::contains("1.0.0: first release")
                .and(predicate::str::contains("version         1")),
        );

    // DEV0 sends release 1.1 (`propose --send`), with or without more arguments.
    let send_release = || {
        let mut cmd = env.cmd();
        cmd.args(["--key-env", "DEV0", "--policy-contract", &contract, "propose", "--app", &app]).args([
            "--deployment",
            "local",
            "--send",
            "--manifest",
            &manifest("1.1"),
        ]);
        cmd
    };

    // A release whose new identity is not in the given bundle is refused before anything is sent.
    let orc = dir.path().join("wrong.orc");
    let m = serde_json::json!({"name": "x", "id": "00".repeat(32), "components": [{"kind": "rofl", "identity": [
        {"hypervisor": "qemu/v0", "enclave": "cJD19YR7d04q/mqreylwVLPuPUvTZAJPl6tvypPCN/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=="}]}], "digests": {}});
    write_orc(&orc, &m);
    send_release()
        .arg("--bundle")
        .arg(&orc)
        .assert()
        .code(4)
        .stderr(predicate::str::contains("not an identity of bundle"));
    let shown = json(env.cmd().args(["--policy-contract", &contract, "app", "show", "--app", &app]));
    assert_eq!(shown["version"], 1, "nothing was sent");

    // The release goes through.
    let proposed = json(&mut send_release());
    let kinds: Vec<&str> =
        proposed["changes"].as_array().unwrap().iter().map(|c| c["change"].as_str().unwrap()).collect();
    assert!(kinds.contains(&"add_enclave") && kinds.contains(&"remove_enclave"), "{kinds:?}");
    let shown = json(env.cmd().args(["--policy-contract", &contract, "app", "show", "--app", &app]));
    assert_eq!(shown["version"], 2);

    // Same release again: nothing to propose.
    send_release().assert().code(2).stderr(predicate::str::contains("nothing to propose"));

    let history = json(env.cmd().args(["--policy-contract", &contract, "app", "history", "--app", &app]));
    assert!(history.as_array().unwrap().len() >= 2, "{history}");

    // The sample quote is not an identity of the app: refused, with the on-chain policy.
    env.cmd()
        .args(["--policy-contract", &contract, "verify-quote", "--app", &app, "--now", NOW, "--collateral"])
        .arg(testdata("tdx_quote_collateral.json"))
        .arg(testdata("tdx_quote"))
        .assert()
        .code(4)
        .stdout(predicate::str::contains("on chain"));
}

#[test]
fn demo_runs_end_to_end_and_exits_zero() {
    let out = Command::cargo_bin("roflgov")
        .unwrap()
        .env_remove("ROFLGOV_NETWORK")
        .env_remove("ROFLGOV_CONFIG")
        .args(["demo", "--json"])
        .timeout(std::time::Duration::from_secs(120))
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let summary: Value = serde_json::from_slice(&out).unwrap();
    let steps = summary["steps"].as_array().unwrap();
    assert!(steps.iter().all(|s| s["ok"] == true), "{summary}");
    assert!(steps.iter().any(|s| s["what"].as_str().unwrap().contains("refused")), "{summary}");
    assert_eq!(summary["final_version"], 3);
}
