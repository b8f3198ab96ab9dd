//! Several actions in ONE Governor proposal, through the binary on one anvil: a release with a
//! guardian change (one `propose`) and a second app with its 100 ROSE stake (`app create`) are
//! drafted with `--governor-out`, combined by `dao combine` with a `--fund-rose` top-up of the
//! policy contract, reviewed as one (every action accounted for), voted, queued and executed:
//! all three effects are visible. The Governor's own `hashProposal` over the actions of its
//! `ProposalCreated` event equals the id roflgov printed. Drafts for another policy contract or
//! another chain, and Safe files, are refused with nothing proposed.

use abi::{IGovernor, IPolicy};
use alloy::{
    network::TransactionBuilder,
    primitives::{Address, U256, keccak256},
    providers::Provider,
    rpc::types::{Filter, TransactionRequest},
    sol_types::SolEvent,
};
use predicates::prelude::*;
use roflgov_client::rofl::{RoflAdminClient, RoflStandIn};
use roflgov_types::AppId;
use serde_json::Value;

use crate::support::{
    env::CliEnv,
    fixtures::{ids_of, manifest},
    flows::{app_create, propose},
};

/// OpenZeppelin Governor 5.3's event and pure hash, and the policy contract's funding event.
#[allow(clippy::too_many_arguments)] // ProposalCreated has nine fields
mod abi {
    alloy::sol! {
        // OpenZeppelin Governor 5.3 (IGovernor): the event and the pure hash, as the contract has them.
        #[sol(rpc)]
        interface IGovernor {
            event ProposalCreated(
                uint256 proposalId,
                address proposer,
                address[] targets,
                uint256[] values,
                string[] signatures,
                bytes[] calldatas,
                uint256 voteStart,
                uint256 voteEnd,
                string description
            );
            function hashProposal(address[] targets, uint256[] values, bytes[] calldatas, bytes32 descriptionHash)
                external pure returns (uint256);
        }

        // contracts/interfaces/IRoflMachineAdmin.sol
        interface IPolicy {
            event MachinesFunded(address indexed from, uint256 amount);
        }
    }
}

fn rose(n: u64) -> U256 {
    U256::from(n) * U256::from(10u64).pow(U256::from(18))
}

#[test]
fn release_guardian_app_and_funding_as_one_governor_proposal() {
    let env = CliEnv::start().with_dev_keys(1);
    let (rt, chain) = (&env.rt, &env.chain);
    let pass = |id: &str, expect: &[&str]| env.vote_queue_execute(id, expect);
    let deployed = env.json(&["--key-env", "DEV0", "deploy", "--dao", "--save"]);
    let policy: Address = deployed["policy_contract"].as_str().unwrap().parse().unwrap();
    let governor: Address = deployed["governor"].as_str().unwrap().parse().unwrap();
    let timelock: Address = deployed["timelock"].as_str().unwrap().parse().unwrap();
    let accounts = chain.accounts().to_vec();
    // The treasury: the Timelock pays both stakes and the top-up.
    rt.block_on(async {
        let tx = TransactionRequest::default().with_from(accounts[0]).with_to(timelock).with_value(rose(300));
        chain.provider().send_transaction(tx).await.unwrap().get_receipt().await.unwrap();
    });

    let created = env.propose_app_to_the_dao();
    pass(created["proposal_id"].as_str().unwrap(), &[]);
    let stand_in = RoflStandIn::new(chain.provider().clone());
    let apps = rt.block_on(stand_in.app_ids()).unwrap();
    assert_eq!(apps.len(), 1);
    let app: AppId = apps[0];
    let app_s = app.to_string();
    let policy_balance_before = rt.block_on(async { chain.provider().get_balance(policy).await }).unwrap();

    // Leg 1: release 1.1 with a guardian; leg 2: a second app with its stake. No key needed.
    let guardian = accounts[5].to_string();
    let leg1 = env.json(&propose(
        &manifest("1.1"),
        &app_s,
        &["--policy-only", "--set-guardian", &guardian, "--governor-out", &env.p("1-release.json")],
    ));
    assert_eq!(leg1["governor_draft"], env.p("1-release.json"), "{leg1}");
    env.json(&app_create(&manifest("1.0"), &["--governor-out", &env.p("2-app.json")]));

    // Bad input: a draft for another policy contract, or another chain, or a Safe file.
    let proposals = || {
        let filter =
            Filter::new().address(governor).event_signature(IGovernor::ProposalCreated::SIGNATURE_HASH);
        rt.block_on(chain.provider().get_logs(&filter.from_block(0))).unwrap()
    };
    let before = proposals().len();
    let mut other: Value =
        serde_json::from_str(&std::fs::read_to_string(env.p("1-release.json")).unwrap()).unwrap();
    other["policy_contract"] = Value::String(accounts[7].to_string());
    std::fs::write(env.p("other-policy.json"), other.to_string()).unwrap();
    let mut wrong_chain: Value =
        serde_json::from_str(&std::fs::read_to_string(env.p("2-app.json")).unwrap()).unwrap();
    wrong_chain["chain_id"] = 23294.into();
    std::fs::write(env.p("other-chain.json"), wrong_chain.to_string()).unwrap();
    std::fs::write(env.p("safe.json"), r#"{"tx": {}, "safe": "0x0000000000000000000000000000000000000001"}"#)
        .unwrap();
    let combine = |legs: &[&str]| {
        let mut c = env.cmd();
        c.args(["--key-env", "DEV0", "dao", "combine"]);
        for leg in legs {
            c.args(["--leg", &env.p(leg)]);
        }
        c
    };
    combine(&["other-policy.json", "2-app.json"]).assert().code(4).stderr(
        predicate::str::contains("drafted for policy contract")
            .and(predicate::str::contains("nothing was proposed")),
    );
    combine(&["1-release.json", "other-chain.json"])
        .assert()
        .code(4)
        .stderr(predicate::str::contains("drafted for chain id 23294"));
    combine(&["1-release.json", "safe.json"])
        .assert()
        .code(3)
        .stderr(predicate::str::contains("--governor-out"));
    assert_eq!(proposals().len(), before, "nothing was proposed");

    let combined = env.json(&[
        "--key-env",
        "DEV0",
        "dao",
        "combine",
        "--leg",
        &env.p("1-release.json"),
        "--leg",
        &env.p("2-app.json"),
        "--fund-rose",
        "0.5",
    ]);
    assert_eq!(combined["actions"], 3, "{combined}");
    let id: U256 = combined["proposal_id"].as_str().unwrap().parse().unwrap();

    // The Governor's own hash of the actions it recorded is the id roflgov printed.
    let logs = proposals();
    assert_eq!(logs.len(), before + 1);
    let created = IGovernor::ProposalCreated::decode_log_data(logs.last().unwrap().data()).unwrap();
    assert_eq!(created.proposalId, id);
    assert_eq!(created.targets, vec![policy; 3]);
    assert_eq!(created.values, vec![U256::ZERO, rose(100), rose(1) / U256::from(2)]);
    let onchain = rt
        .block_on(async {
            IGovernor::new(governor, chain.provider().clone())
                .hashProposal(
                    created.targets.clone(),
                    created.values.clone(),
                    created.calldatas.clone(),
                    keccak256(created.description.as_bytes()),
                )
                .call()
                .await
        })
        .unwrap();
    assert_eq!(onchain, id);

    // One review accounts for every action: the guardian is critical until expected.
    let id_s = id.to_string();
    env.cmd()
        .args(["review", "--proposal", &id_s])
        .assert()
        .code(4)
        .stdout(predicate::str::contains("guardian"));
    let review = env.json(&["review", "--proposal", &id_s, "--expect-guardian", &guardian]);
    assert_eq!(review["verdict"], "ok", "{review}");
    let text = serde_json::to_string(&review).unwrap();
    assert!(text.contains(&app_s), "the release is shown: {text}");
    assert!(text.contains("createApp"), "the new app is shown: {text}");
    assert!(text.contains("fundMachines"), "the funding is shown: {text}");

    pass(&id_s, &["--expect-guardian", &guardian]);
    // All three effects: the release and the guardian, the second app, the top-up.
    let client = RoflAdminClient::new(policy, chain.provider().clone());
    assert_eq!(rt.block_on(client.guardian(app)).unwrap(), Some(accounts[5]));
    let want = ids_of("1.1");
    let now = env.enclaves(app);
    for enclave in &want {
        assert!(now.contains(enclave), "release 1.1 allowed {enclave}: {now:?}");
    }
    assert_eq!(rt.block_on(stand_in.app_ids()).unwrap().len(), 2, "the second app exists");
    // The top-up: the Timelock funded the policy contract with 0.5 ROSE (the stand-in records
    // the second app's 100 ROSE stake without moving it, so it stays in the contract too).
    let policy_balance = rt.block_on(async { chain.provider().get_balance(policy).await }).unwrap();
    assert_eq!(policy_balance - policy_balance_before, rose(100) + rose(1) / U256::from(2));
    let filter = Filter::new().address(policy).event_signature(IPolicy::MachinesFunded::SIGNATURE_HASH);
    let funded = rt.block_on(chain.provider().get_logs(&filter.from_block(0))).unwrap();
    assert_eq!(funded.len(), 1);
    let funded = IPolicy::MachinesFunded::decode_log(&funded[0].inner).unwrap();
    assert_eq!((funded.from, funded.amount), (timelock, rose(1) / U256::from(2)));
}
