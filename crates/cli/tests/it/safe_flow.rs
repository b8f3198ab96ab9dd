//! The Safe flow driven through the binary against one anvil (Shanghai, ROFL stand-in) started
//! here and passed with `--rpc`: a 2-of-3 Safe owns the policy contract; an app is created and a
//! release proposed, reviewed, signed twice and executed through proposal files; one signature,
//! a non-owner, the wrong chain, a competing proposal, a replay and a tampered Transaction
//! Builder file are refused with nothing sent.

use predicates::prelude::*;
use roflgov_safe::SafeTx;
use serde_json::Value;

use crate::support::{
    env::CliEnv as Env,
    fixtures::{ids_of, manifest},
    flows::{enclaves_added, propose, safe_tx},
};

#[test]
fn safe_flow_through_the_binary() {
    let env = Env::start();

    // A 2-of-3 Safe (owners DEV1..DEV3) owns the policy contract; DEV0 deploys, DEV4 is nobody.
    let deployed = env.deploy_safe(None);
    assert_eq!(deployed["threshold"], 2);
    let safe = deployed["safe"].as_str().unwrap().to_owned();

    // The Safe creates the app (stake from the Safe), executed by a non-owner.
    let app = env.create_app_through_safe(["DEV1", "DEV3"]);
    assert_eq!(env.enclaves(app), ids_of("1.0"));

    // Release 1.1 as a proposal file and a Transaction Builder batch.
    let proposed = env.json(&propose(
        &manifest("1.1"),
        &app.to_string(),
        &[
            "--safe-out",
            &env.p("release.json"),
            "--tx-builder-out",
            &env.p("release.batch.json"),
            "--description",
            "weather-oracle 1.1.0",
        ],
    ));
    let hash = proposed["safe_tx_hash"].as_str().unwrap().to_owned();
    let review = env.json(&[
        "review",
        "--safe-tx",
        &env.p("release.json"),
        "--manifest",
        &manifest("1.1"),
        "--deployment",
        "local",
    ]);
    assert_eq!(review["safe_tx_hash"], hash.as_str());
    assert_eq!(review["verdict"], "ok");
    assert_eq!(enclaves_added(&review), ids_of("1.1"));
    env.cmd()
        .args(["review", "--tx-builder", &env.p("release.batch.json")])
        .assert()
        .success()
        .stdout(predicate::str::contains("checksum ✓").and(predicate::str::contains(&ids_of("1.1")[0])));

    // A competing proposal at the same nonce is refused and not written.
    env.cmd()
        .args(propose(&manifest("1.2"), &app.to_string(), &["--safe-out", &env.p("competing.json")]))
        .assert()
        .code(4)
        .stderr(predicate::str::contains("competing transaction"));
    assert!(!env.path("competing.json").exists());

    // One signature is not enough; nothing changes.
    env.safe("DEV1", "sign", "release.json").assert().success().stderr(predicate::str::contains(&hash));
    env.safe("DEV4", "execute", "release.json")
        .assert()
        .code(4)
        .stderr(predicate::str::contains("1 of 2 required signatures"));
    assert_eq!(env.enclaves(app), ids_of("1.0"));

    // A non-owner cannot sign; the file is unchanged.
    let before = std::fs::read_to_string(env.path("release.json")).unwrap();
    env.safe("DEV4", "sign", "release.json")
        .assert()
        .code(4)
        .stderr(predicate::str::contains("not an owner"));
    assert_eq!(std::fs::read_to_string(env.path("release.json")).unwrap(), before);

    // The same proposal for another chain (hash made consistent) is refused; so is a network
    // whose chain id is not the endpoint's.
    let other = tempfile::tempdir().unwrap();
    let mut file: Value = serde_json::from_str(&before).unwrap();
    let tx: SafeTx = serde_json::from_value(file["tx"].clone()).unwrap();
    file["chainId"] = 23295.into();
    file["safeTxHash"] = tx.safe_tx_hash(23295, safe.parse().unwrap()).to_string().into();
    let wrong = other.path().join("wrong-chain.json");
    std::fs::write(&wrong, file.to_string()).unwrap();
    env.cmd()
        .args(["--key-env", "DEV2", "safe", "sign", "--safe-tx"])
        .arg(&wrong)
        .assert()
        .code(5)
        .stderr(predicate::str::contains("wrong chain"));
    env.cmd()
        .args(["--network", "testnet"])
        .args(safe_tx("DEV2", "sign", &env.p("release.json")))
        .assert()
        .code(5)
        .stderr(predicate::str::contains("wrong chain"));
    // An edited file (hash no longer matches) is refused.
    let mut edited: Value = serde_json::from_str(&before).unwrap();
    edited["tx"]["value"] = "0x1".into();
    let edited_path = other.path().join("edited.json");
    std::fs::write(&edited_path, edited.to_string()).unwrap();
    env.cmd()
        .args(["--key-env", "DEV2", "safe", "sign", "--safe-tx"])
        .arg(&edited_path)
        .assert()
        .code(4)
        .stderr(predicate::str::contains("was edited"));

    // The second owner signs; anyone executes; the stand-in holds exactly release 1.1.
    env.safe("DEV2", "sign", "release.json").assert().success();
    let executed = env.json(&safe_tx("DEV4", "execute", &env.p("release.json")));
    assert_eq!(executed["safe_tx_hash"], hash.as_str());
    assert_eq!(env.enclaves(app), ids_of("1.1"));
    let shown = env.json(&["app", "show", "--app", &app.to_string()]);
    assert_eq!(shown["version"], 2);

    // Replays are refused: executing or signing an executed transaction.
    env.safe("DEV4", "execute", "release.json")
        .assert()
        .code(4)
        .stderr(predicate::str::contains("already used"));
    env.safe("DEV3", "sign", "release.json")
        .assert()
        .code(4)
        .stderr(predicate::str::contains("already used"));
    assert_eq!(env.enclaves(app), ids_of("1.1"));

    // A tampered Transaction Builder file: its calldata now hides another call.
    let mut batch: Value =
        serde_json::from_str(&std::fs::read_to_string(env.path("release.batch.json")).unwrap()).unwrap();
    let data = batch["transactions"][0]["data"].as_str().unwrap().to_owned();
    let flipped = format!("{}{}", &data[..data.len() - 2], if data.ends_with("00") { "01" } else { "00" });
    batch["transactions"][0]["data"] = flipped.into();
    std::fs::write(env.path("tampered.batch.json"), batch.to_string()).unwrap();
    env.cmd()
        .args(["review", "--tx-builder", &env.p("tampered.batch.json")])
        .assert()
        .code(4)
        .stderr(predicate::str::contains("edited").and(predicate::str::contains("do not sign")));
}
