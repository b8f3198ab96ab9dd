//! Numbers, times and votes people read, and a local chain for real work, through the binary
//! on one anvil: voting power and delegation, tallies with percentages and the quorum, a vote
//! signed offline and relayed by someone else (cross-checked with ethers' EIP-712), `--wait`
//! on a local chain, an executed proposal reviewed as executed, a stale roflgov.toml, `--fund-rose
//! 0.5`, an interrupted `deploy --save`, RPC timeouts and `roflgov node --state` across restarts.

use std::{
    future::IntoFuture,
    path::{Path, PathBuf},
};

use alloy::{
    primitives::{Address, U256},
    providers::Provider,
};
use assert_cmd::Command;
use predicates::prelude::*;
use roflgov_governor::{
    GovernorClient,
    bindings::{RoflGovToken, RoflGovernor},
};
use serde_json::Value;

use crate::support::{
    env::CliEnv as Env,
    fixtures::manifest,
    flows::{app_create, with_key},
    node::{Node, free_port},
};

const ROOT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../..");

impl Env {
    fn config(&self) -> PathBuf {
        self.dir.path().join("roflgov.toml")
    }

    fn wait<F: IntoFuture>(&self, f: F) -> F::Output {
        self.rt.block_on(f.into_future())
    }
}

fn addr(v: &Value) -> Address {
    v.as_str().unwrap().parse().unwrap()
}

fn num(v: &Value) -> U256 {
    v.as_str().unwrap().parse().unwrap()
}

#[test]
fn votes_power_and_offline_ballots_through_the_binary() {
    let env = Env::start().with_dev_keys(3);
    let p = env.chain.provider().clone();
    let (dev0, dev1, dev2) = (env.chain.accounts()[0], env.chain.accounts()[1], env.chain.accounts()[2]);
    let deployed = env.json(&["--key-env", "DEV0", "deploy", "--dao", "--save"]);
    let (governor, token_addr) = (addr(&deployed["governor"]), addr(&deployed["token"]));
    let token = RoflGovToken::new(token_addr, p.clone());
    let gov = RoflGovernor::new(governor, p.clone());

    // DEV1 gets a quarter of the supply, undelegated: it holds tokens that do not vote.
    let supply = env.wait(token.totalSupply().call()).unwrap();
    let quarter = supply / U256::from(4u8);
    env.rt.block_on(async {
        token.transfer(dev1, quarter).from(dev0).send().await.unwrap().get_receipt().await.unwrap()
    });
    let before = env.json(&["dao", "power", &dev1.to_string()]);
    assert_eq!(num(&before["balance"]), env.wait(token.balanceOf(dev1).call()).unwrap());
    assert_eq!(num(&before["votes"]), U256::ZERO);
    assert!(before["delegate"].is_null(), "{before}");
    assert!(before["how_to_delegate"].as_str().unwrap().contains("roflgov dao delegate"), "{before}");
    env.cmd().args(["dao", "power"]).assert().code(2).stderr(predicate::str::contains("ADDRESS"));

    env.json(&["--key-env", "DEV1", "dao", "delegate"]);
    let after = env.json(&["--key-env", "DEV1", "dao", "power"]);
    assert_eq!(addr(&after["delegate"]), env.wait(token.delegates(dev1).call()).unwrap());
    assert_eq!(addr(&after["delegate"]), dev1);
    assert_eq!(num(&after["votes"]), quarter);
    assert_eq!(after["share_of_supply"], "25.00%");
    let human =
        env.cmd().args(["--key-env", "DEV0", "dao", "power"]).assert().success().get_output().stdout.clone();
    assert!(String::from_utf8(human).unwrap().contains("75.00% of the supply"));

    // A proposal (the DAO creates an app).
    let created = env.propose_app_to_the_dao();
    let id = created["proposal_id"].as_str().unwrap().to_owned();
    let pending = env.json(&["dao", "status", "--proposal", &id]);
    assert_eq!(pending["state"], "pending");
    assert!(pending["quorum"].is_null(), "no quorum before the snapshot: {pending}");
    assert!(pending["vote_start_utc"].as_str().unwrap().ends_with("(in 1m)"), "{pending}");

    // DEV1 signs its vote offline; nothing is sent.
    let ballot_path = env.dir.path().join("ballot.json");
    let ballot_arg = ballot_path.display().to_string();
    env.json(&[
        "--key-env",
        "DEV1",
        "dao",
        "vote",
        "--proposal",
        &id,
        "--support",
        "for",
        "--sign-only",
        "--out",
        &ballot_arg,
    ]);
    let ballot: Value = serde_json::from_str(&std::fs::read_to_string(&ballot_path).unwrap()).unwrap();
    assert_eq!(addr(&ballot["voter"]), dev1);
    assert!(!env.wait(gov.hasVoted(num(&ballot["proposal_id"]), dev1).call()).unwrap());
    // ethers' EIP-712 (OpenZeppelin's Ballot type and domain) gives the same digest and signer.
    let name = env.wait(gov.name().call()).unwrap();
    let ethers = std::process::Command::new("node")
        .arg(Path::new(ROOT).join("tools/crosscheck/ballot.js"))
        .arg(&ballot_path)
        .arg(&name)
        .current_dir(ROOT)
        .output()
        .expect("node runs");
    assert!(ethers.status.success(), "{}", String::from_utf8_lossy(&ethers.stderr));
    let ethers: Value = serde_json::from_slice(&ethers.stdout).unwrap();
    assert_eq!(
        ethers["digest"].as_str().unwrap().to_lowercase(),
        ballot["digest"].as_str().unwrap().to_lowercase()
    );
    assert_eq!(addr(&ethers["signer"]), dev1);

    // A tampered ballot (the vote changed) is refused before anything is sent.
    let tampered = env.dir.path().join("tampered.json");
    std::fs::write(
        &tampered,
        serde_json::to_string(&{
            let mut b = ballot.clone();
            b["support"] = "against".into();
            b
        })
        .unwrap(),
    )
    .unwrap();
    let client = GovernorClient::new(p.clone(), governor);
    env.wait(client.advance_to_voting(num(&ballot["proposal_id"]))).unwrap();
    env.cmd()
        .args(["--key-env", "DEV2", "dao", "relay"])
        .arg(&tampered)
        .assert()
        .code(4)
        .stderr(predicate::str::contains("nothing was sent"));

    // DEV2 relays it and pays the gas; the vote counts for DEV1 (OpenZeppelin's own check).
    let dev2_balance = env.wait(p.get_balance(dev2)).unwrap();
    let relayed = env.json(&["--key-env", "DEV2", "dao", "relay", &ballot_arg]);
    assert!(env.wait(gov.hasVoted(num(&ballot["proposal_id"]), dev1).call()).unwrap());
    assert!(!env.wait(gov.hasVoted(num(&ballot["proposal_id"]), dev2).call()).unwrap());
    assert!(env.wait(p.get_balance(dev2)).unwrap() < dev2_balance, "the relayer paid the gas");
    assert_eq!(num(&relayed["votes_for"]), quarter);
    env.cmd()
        .args(["--key-env", "DEV2", "dao", "relay", &ballot_arg])
        .assert()
        .code(4)
        .stderr(predicate::str::contains("already voted"));

    // DEV0 votes against: 75% against, 25% for; the quorum is the Governor's at the snapshot.
    env.json(&["--key-env", "DEV0", "dao", "vote", "--proposal", &id, "--support", "against"]);
    let status = env.json(&["dao", "status", "--proposal", &id]);
    let snapshot = env.wait(gov.proposalSnapshot(num(&ballot["proposal_id"])).call()).unwrap();
    let quorum = env.wait(gov.quorum(snapshot).call()).unwrap();
    assert_eq!(num(&status["quorum"]), quorum);
    assert_eq!(status["quorum_reached"], quarter >= quorum);
    assert_eq!(
        (status["percent_for"].as_str(), status["percent_against"].as_str()),
        (Some("25.00%"), Some("75.00%"))
    );
    assert_eq!(status["percent_abstain"], "0.00%");
    let human =
        env.cmd().args(["dao", "status", "--proposal", &id]).assert().success().get_output().stdout.clone();
    let human = String::from_utf8(human).unwrap();
    assert!(human.contains("(25.00%)") && human.contains("UTC"), "{human}");

    // Defeated: nothing to queue; a pending-only cancel is refused with the reason.
    env.cmd()
        .args(["--key-env", "DEV0", "dao", "queue", "--proposal", &id, "--wait"])
        .assert()
        .code(4)
        .stderr(predicate::str::contains("defeated"));
    env.cmd()
        .args(["--key-env", "DEV0", "dao", "cancel", "--proposal", &id])
        .assert()
        .code(4)
        .stderr(predicate::str::contains("nothing was sent"));

    // A second proposal goes all the way with --wait, which moves a local anvil's clock.
    let again = env.json(&with_key("DEV0", &app_create(&manifest("1.1"), &["--governor"])));
    let id2 = again["proposal_id"].as_str().unwrap().to_owned();
    env.json(&["--key-env", "DEV0", "dao", "vote", "--proposal", &id2, "--support", "for", "--wait"]);
    env.json(&["--key-env", "DEV0", "dao", "queue", "--proposal", &id2, "--wait"]);
    // Queued: only a Timelock canceller could cancel, and the deployment grants that to the
    // Governor alone.
    env.cmd()
        .args(["--key-env", "DEV0", "dao", "cancel", "--proposal", &id2])
        .assert()
        .code(4)
        .stderr(predicate::str::contains("CANCELLER_ROLE"));
    env.json(&["--key-env", "DEV0", "dao", "execute", "--proposal", &id2, "--wait"]);
    let state = env.wait(gov.state(id2.parse().unwrap()).call()).unwrap();
    assert_eq!(state, 7, "executed");
    // Reviewing it afterwards says executed, not stale.
    let review = env.json(&["review", "--proposal", &id2]);
    assert_eq!(review["verdict"], "executed", "{review}");

    // A roflgov.toml naming a contract that is not on the chain is refused, naming file and key.
    let stale = env.dir.path().join("stale.toml");
    let text = std::fs::read_to_string(env.config()).unwrap();
    let gone = Address::repeat_byte(0x42).to_string();
    let text = text.replace(&governor.to_string(), &gone).replace(&format!("{governor:#x}"), &gone);
    assert!(text.contains(&gone), "{text}");
    std::fs::write(&stale, text).unwrap();
    Command::cargo_bin("roflgov")
        .unwrap()
        .current_dir(env.dir.path())
        .args(["--rpc", &env.chain.endpoint(), "--config"])
        .arg(&stale)
        .args(["dao", "status", "--proposal", &id2])
        .assert()
        .code(5)
        .stderr(predicate::str::contains("stale.toml").and(predicate::str::contains("`governor`")));
}

#[test]
fn fund_rose_takes_decimals_and_an_interrupted_deploy_is_accounted_for() {
    let env = Env::start().with_dev_keys(3);
    let dev0 = env.chain.accounts()[0].to_string();
    // Too many decimals: a usage error naming the problem, before anything else.
    env.cmd()
        .args(["--key-env", "DEV0", "deploy", "--safe-owners", &dev0, "--threshold", "1", "--fund-rose"])
        .arg("0.0000000000000000001")
        .assert()
        .code(2)
        .stderr(predicate::str::contains("decimals"));
    // The funding transaction fails after the contracts are deployed (more ROSE than the
    // deployer has): the addresses are reported and kept in a journal.
    let out = env
        .cmd()
        .args(["--key-env", "DEV0", "deploy", "--safe-owners", &dev0, "--threshold", "1", "--save"])
        .args(["--fund-rose", "2000000"])
        .assert()
        .failure()
        .get_output()
        .clone();
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(stderr.contains("contracts created:"), "{stderr}");
    let journal = env.dir.path().join("roflgov.toml.deploy-journal.json");
    assert!(journal.is_file());
    assert!(!env.config().exists(), "nothing saved");
    let listed: Vec<Address> = stderr
        .split("contracts created: ")
        .nth(1)
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .split(", ")
        .map(|a| a.trim().parse().unwrap())
        .collect();
    assert!(!listed.is_empty());
    for a in &listed {
        assert!(!env.wait(env.chain.provider().get_code_at(*a)).unwrap().is_empty(), "{a} has code");
    }
    // The next `deploy --save` reports them and sends nothing.
    env.cmd().args(["--key-env", "DEV0", "deploy", "--dao", "--save"]).assert().code(2).stderr(
        predicate::str::contains(listed[0].to_string()).and(predicate::str::contains("nothing was sent")),
    );
    std::fs::remove_file(&journal).unwrap();

    // 0.5 ROSE is exactly 5e17 wei; the addresses are saved and the journal is gone.
    let deployed = env.json(&[
        "--key-env",
        "DEV0",
        "deploy",
        "--safe-owners",
        &dev0,
        "--threshold",
        "1",
        "--fund-rose",
        "0.5",
        "--save",
    ]);
    let safe = addr(&deployed["safe"]);
    let balance = env.wait(env.chain.provider().get_balance(safe)).unwrap();
    assert_eq!(balance, U256::from(5u64) * U256::from(10u64).pow(U256::from(17u64)));

    assert!(!journal.exists() && env.config().is_file());
}

#[test]
fn an_unanswered_rpc_gives_up_naming_the_endpoint() {
    // Accepts connections and never answers.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let dir = tempfile::tempdir().unwrap();
    Command::cargo_bin("roflgov")
        .unwrap()
        .current_dir(dir.path())
        .env_remove("ROFLGOV_CONFIG")
        .args(["--rpc", &url, "--rpc-timeout", "1", "dao", "power", &Address::ZERO.to_string()])
        .assert()
        .code(5)
        .stderr(predicate::str::contains(url.as_str()).and(predicate::str::contains("--rpc-timeout")));
    drop(listener);
}

#[test]
fn node_state_survives_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("chain.json");
    let port = free_port();
    let url = format!("http://127.0.0.1:{port}");
    let rt = tokio::runtime::Runtime::new().unwrap();
    let provider = alloy::providers::ProviderBuilder::new().connect_http(url.parse().unwrap());
    let ready = || {
        rt.block_on(async {
            for _ in 0..300 {
                if provider.get_chain_id().await.is_ok() {
                    return;
                }
                tokio::time::sleep(std::time::Duration::from_millis(100)).await;
            }
            panic!("roflgov node did not start on {url}");
        })
    };
    let key = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80"; // anvil dev 0
    let cmd = || {
        let mut c = Command::cargo_bin("roflgov").unwrap();
        c.current_dir(dir.path()).env("DEV0", key).args(["--rpc", &url]);
        c
    };

    let node = Node::start(port, Some(&state));
    ready();
    cmd().args(["--key-env", "DEV0", "deploy", "--dao", "--save"]).assert().success();
    // Move the clock a day ahead (epochs of the ROFL stand-in follow it).
    rt.block_on(async {
        provider.raw_request::<_, Value>("evm_increaseTime".into(), (86_400,)).await.unwrap();
        provider.raw_request::<_, Value>("evm_mine".into(), ()).await.unwrap();
    });
    let before = rt
        .block_on(async { provider.get_block_by_number(Default::default()).await })
        .unwrap()
        .unwrap()
        .header;
    node.stop();
    assert!(state.is_file());

    let node = Node::start(port, Some(&state));
    ready();
    // The contracts are there (the config check passes) and the clock did not go back.
    cmd().args(["dao", "power", &Address::ZERO.to_string()]).assert().success();
    rt.block_on(async { provider.raw_request::<_, Value>("evm_mine".into(), ()).await }).unwrap();
    let after = rt
        .block_on(async { provider.get_block_by_number(Default::default()).await })
        .unwrap()
        .unwrap()
        .header;
    assert!(after.number > before.number && after.timestamp > before.timestamp, "{before:?} → {after:?}");
    node.stop();
}
