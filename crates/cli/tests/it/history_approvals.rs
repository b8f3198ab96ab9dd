//! `roflgov app history` answers "who approved this?", driven through the binary against an
//! anvil started here: after Safe-approved changes it names the SafeTx hash and exactly the
//! owners whose keys signed; after Governor-approved changes the proposal, the proposer and every
//! vote with its support and weight; the Markdown table holds the same, with outside text escaped.

use std::collections::BTreeSet;

use alloy::primitives::{Address, B256, U256};
use roflgov_governor::bindings::RoflGovToken;
use roflgov_safe::SafeTx;
use serde_json::Value;

use crate::support::{
    env::CliEnv as Env,
    fixtures::manifest,
    flows::{propose, safe_tx},
};

impl Env {
    /// The SafeTx hash of a proposal file, computed here from its transaction.
    fn safe_tx_hash(&self, file: &str, safe: Address) -> B256 {
        let file: Value = serde_json::from_str(&std::fs::read_to_string(self.path(file)).unwrap()).unwrap();
        let tx: SafeTx = serde_json::from_value(file["tx"].clone()).unwrap();
        tx.safe_tx_hash(self.chain.chain_id(), safe)
    }
}

fn addr(v: &Value) -> Address {
    v.as_str().unwrap_or_else(|| panic!("not an address: {v}")).parse().unwrap()
}

#[test]
fn history_names_the_safe_tx_and_its_two_signers() {
    let env = Env::start();
    let deployed = env.deploy_safe(None);
    let safe: Address = addr(&deployed["safe"]);

    // Create: DEV1 and DEV3 sign, DEV4 (not an owner) executes (signing leaves the hash as is).
    let app = env.create_app_through_safe(["DEV1", "DEV3"]).to_string();
    let create_hash = env.safe_tx_hash("create.json", safe);

    // Release 1.1: DEV2 and DEV1 sign, DEV5 executes.
    env.json(&propose(&manifest("1.1"), &app, &["--safe-out", &env.p("release.json")]));
    let release_hash = env.safe_tx_hash("release.json", safe);
    for key in ["DEV2", "DEV1"] {
        env.safe(key, "sign", "release.json").assert().success();
    }
    env.json(&safe_tx("DEV5", "execute", &env.p("release.json")));

    let history = env.json(&["app", "history", "--app", &app, "--markdown", &env.p("history.md")]);
    let entries = history.as_array().unwrap();
    assert_eq!(entries.len(), 2, "{history:#}");
    let expected = [(create_hash, [1, 3], 4, 0), (release_hash, [1, 2], 5, 1)];
    for (entry, (hash, signers, executor, nonce)) in entries.iter().zip(expected) {
        let approval = &entry["approval"];
        assert_eq!(approval["via"], "safe", "{entry:#}");
        assert_eq!(addr(&approval["safe"]), safe);
        assert_eq!(approval["configured"], true);
        assert_eq!(approval["safe_tx_hash"].as_str().unwrap().parse::<B256>().unwrap(), hash);
        assert_eq!(approval["hash_confirmed"], true);
        assert_eq!(approval["nonce"], nonce.to_string());
        let got: BTreeSet<Address> =
            approval["signers"].as_array().unwrap().iter().map(|s| addr(&s["address"])).collect();
        let want: BTreeSet<Address> = signers.iter().map(|i| env.dev(*i)).collect();
        assert_eq!(got, want, "{approval:#}");
        assert_eq!(approval["signers"].as_array().unwrap().len(), 2);
        assert!(approval["signers"].as_array().unwrap().iter().all(|s| s["verified"] == true));
        assert_eq!(addr(&approval["executor"]), env.dev(executor));
        assert!(entry["block_time"].as_u64().unwrap() > 0);
        assert!(entry["block_time_utc"].as_str().unwrap().ends_with(" UTC"));
    }

    let markdown = std::fs::read_to_string(env.path("history.md")).unwrap();
    assert!(markdown.contains("| Date (UTC) |"), "{markdown}");
    for hash in [create_hash, release_hash] {
        assert!(markdown.contains(&hash.to_string()), "{markdown}");
    }
    for i in [1, 2, 3] {
        assert!(markdown.contains(&env.dev(i).to_string()), "{markdown}");
    }

    // The text form puts the approval under each entry.
    let text =
        env.cmd().args(["app", "history", "--app", &app]).assert().success().get_output().stdout.clone();
    let text = String::from_utf8(text).unwrap();
    assert!(text.contains(&format!("SafeTx {release_hash}")), "{text}");
    assert!(text.contains(&format!("signed by {}", env.dev(2))), "{text}");
}

#[test]
fn history_names_the_proposal_and_every_vote() {
    let env = Env::start();
    let deployed = env.json(&["--key-env", "DEV0", "deploy", "--dao", "--save"]);
    let token = addr(&deployed["token"]);

    // Spread the voting power: DEV1 gets a quarter, DEV2 an eighth; each delegates to itself.
    let erc20 = RoflGovToken::new(token, env.chain.provider().clone());
    let supply: U256 = env.rt.block_on(async { erc20.balanceOf(env.dev(0)).call().await }).unwrap();
    let (w1, w2) = (supply / U256::from(4), supply / U256::from(8));
    let w0 = supply - w1 - w2;
    for (to, amount) in [(env.dev(1), w1), (env.dev(2), w2)] {
        env.rt.block_on(async {
            erc20.transfer(to, amount).from(env.dev(0)).send().await.unwrap().get_receipt().await.unwrap()
        });
    }
    for key in ["DEV1", "DEV2"] {
        env.cmd().args(["--key-env", key, "dao", "delegate"]).assert().success();
    }

    let created = env.propose_app_to_the_dao();
    let id = created["proposal_id"].as_str().unwrap().to_owned();
    let reason = "ship it | *now* <b>";
    let votes = [("DEV0", "for", Some(reason)), ("DEV1", "against", None), ("DEV2", "abstain", None)];
    for (key, support, why) in votes {
        let mut args =
            vec!["--key-env", key, "dao", "vote", "--proposal", &id, "--support", support, "--advance-time"];
        if let Some(why) = why {
            args.extend(["--reason", why]);
        }
        env.json(&args);
    }
    env.json(&["--key-env", "DEV0", "dao", "queue", "--proposal", &id, "--advance-time"]);
    env.json(&["--key-env", "DEV3", "dao", "execute", "--proposal", &id, "--advance-time"]);

    let history = env.json(&["app", "history", "--markdown", &env.p("history.md")]);
    let entries = history.as_array().unwrap();
    assert_eq!(entries.len(), 1, "{history:#}");
    let approval = &entries[0]["approval"];
    assert_eq!(approval["via"], "governor", "{approval:#}");
    assert_eq!(addr(&approval["governor"]), addr(&deployed["governor"]));
    assert_eq!(approval["configured"], true);
    assert_eq!(approval["proposal_id"].as_str().unwrap(), id);
    assert_eq!(addr(&approval["proposer"]), env.dev(0));
    assert_eq!(addr(&approval["executor"]), env.dev(3));
    let got: BTreeSet<(Address, String, String)> = approval["votes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| {
            (
                addr(&v["voter"]),
                v["support"].as_str().unwrap().to_owned(),
                v["weight"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    let want: BTreeSet<(Address, String, String)> = [(0, "for", w0), (1, "against", w1), (2, "abstain", w2)]
        .into_iter()
        .map(|(i, s, w)| (env.dev(i), s.to_owned(), w.to_string()))
        .collect();
    assert_eq!(got, want, "{approval:#}");
    assert_eq!(approval["votes"].as_array().unwrap().len(), 3);
    assert_eq!(approval["for_votes"], w0.to_string());
    assert_eq!(approval["against_votes"], w1.to_string());
    assert_eq!(approval["abstain_votes"], w2.to_string());

    let markdown = std::fs::read_to_string(env.path("history.md")).unwrap();
    assert!(markdown.contains(&id), "{markdown}");
    for (i, w) in [(0, w0), (1, w1), (2, w2)] {
        assert!(markdown.contains(&env.dev(i).to_string()), "{markdown}");
        assert!(markdown.contains(&w.to_string()), "{markdown}");
    }
    // The voter's reason is outside text: escaped, it cannot break the table or add markup.
    assert!(markdown.contains(r"ship it \| \*now\* &lt;b&gt;"), "{markdown}");
    assert!(!markdown.contains("<b>"), "{markdown}");
}
