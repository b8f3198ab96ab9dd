//! `app show` on Sapphire reads the ROFL module through an Oasis node's gRPC-web endpoint: an
//! anvil answering as Sapphire Testnet (chain id 0x5aff, no stand-in) and a local test server
//! answering `rofl.App` with the AppConfig `@oasisprotocol/client` encoded
//! (test/vectors/grpc_query.json, made by tools/crosscheck/grpc.test.js), and
//! `roflmarket.Instance` with the Instance client-rt typed (test/vectors/grpc_market_query.json,
//! tools/crosscheck/grpc-market.test.js).

use std::net::TcpListener;

use predicates::prelude::*;
use serde_json::Value;

use crate::support::{
    env::testnet_via_node,
    grpc::{ok_body, serve, serve_by_request, start_sapphire, vectors},
};

#[test]
fn app_show_on_sapphire_reads_the_module_through_the_node() {
    let v = vectors();
    let (_rt, chain, client) = start_sapphire(false, false);
    let app_hex = v["app_id"].as_str().unwrap();
    let app = roflgov_types::AppId(hex::decode(app_hex).unwrap().try_into().unwrap()).to_string();
    let node = serve(v["responses"]["app_body_text"].as_str().unwrap().to_owned());
    let cmd = |grpc: &str| {
        let mut cmd = testnet_via_node(&chain.endpoint(), client.address(), grpc);
        cmd.args(["app", "show", "--app", &app]);
        cmd
    };

    let out = cmd(&node).arg("--json").assert().success().get_output().stdout.clone();
    let out: Value = serde_json::from_slice(&out).unwrap();
    assert_eq!(out["managed"], false);
    assert!(out["source"].as_str().unwrap().contains(&node));
    let expected = &v["expected"]["app"];
    assert_eq!(out["config"]["metadata"], expected["metadata"]);
    assert_eq!(out["config"]["policy"]["max_expiration"], expected["max_expiration"]);

    // The node unreachable: a chain error that says so.
    let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let gone = format!("http://127.0.0.1:{port}");
    cmd(&gone)
        .assert()
        .code(5)
        .stderr(predicate::str::contains("unreachable").and(predicate::str::contains(gone)));
}

#[test]
fn app_show_on_sapphire_lists_the_deployments_machines_through_the_node() {
    let v = vectors();
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../test/vectors/grpc_market_query.json");
    let m: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let (_rt, chain, client) = start_sapphire(false, false);
    let app_hex = v["app_id"].as_str().unwrap();
    let app = roflgov_types::AppId(hex::decode(app_hex).unwrap().try_into().unwrap()).to_string();
    // The Talos manifest, its machine moved to the vectors' provider (oasis1 of 0x00 ‖ 0x22…,
    // the npm package's bech32) and instance 7.
    let fixture = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../fixtures/talos-rofl.yaml"))
        .unwrap()
        .replacen(
            "provider: oasis1qzc8pldvm8vm3duvdrj63wgvkw34y9ucfcxzetqr\n        offer: large\n        id: 000000000000001e",
            "provider: oasis1qq3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zygupznpp\n        offer: large\n        id: \"0000000000000007\"",
            1,
        );
    assert!(fixture.contains("oasis1qq3zyg3zyg3zyg3zyg3zyg3zyg3zyg3zygupznpp"));
    let dir = tempfile::tempdir().unwrap();
    let manifest = dir.path().join("rofl.yaml");
    std::fs::write(&manifest, fixture).unwrap();
    let instance_request = m["request"]["instance"]["body_text"].as_str().unwrap().to_owned();
    let app_answer = v["responses"]["app_body_text"].as_str().unwrap().to_owned();
    let instance_data = hex::decode(m["responses"]["instance_data"].as_str().unwrap()).unwrap();
    let node =
        serve_by_request(vec![(instance_request.clone(), ok_body(&instance_data))], app_answer.clone());
    let cmd = |grpc: &str| {
        let mut cmd = testnet_via_node(&chain.endpoint(), client.address(), grpc);
        cmd.args(["app", "show", "--app", &app]).args([
            "--manifest",
            manifest.to_str().unwrap(),
            "--deployment",
            "mainnet",
        ]);
        cmd
    };

    let out = cmd(&node).arg("--json").assert().success().get_output().stdout.clone();
    let out: Value = serde_json::from_slice(&out).unwrap();
    let expected = &m["expected"]["instance"];
    let machine = &out["machines"][0];
    assert_eq!(machine["id"], expected["id"]);
    assert_eq!(machine["paid_until"], expected["paid_until"]);
    assert_eq!(machine["market"]["status"], expected["status"]);
    assert_eq!(machine["market"]["queued_commands"], expected["cmd_count"]);
    let text = cmd(&node).assert().success().get_output().stdout.clone();
    let text = String::from_utf8(text).unwrap();
    let hash = expected["manifest_hash"].as_str().unwrap();
    assert!(text.contains("roflmarket through the Oasis node"), "{text}");
    assert!(text.contains(&format!("accepted, runs {app} manifest 0x{hash}")), "{text}");
    assert!(text.contains("2 command(s) not yet taken"), "{text}");
    assert!(text.contains("warning: LAPSED"), "paid until Nov 2025, before the chain's time: {text}");

    // A malformed instance (a map without its fields): a chain error naming the query.
    let bad = serve_by_request(vec![(instance_request, ok_body(&[0xa0]))], app_answer);
    cmd(&bad).assert().code(5).stderr(
        predicate::str::contains("malformed answer to roflmarket.Instance")
            .and(predicate::str::contains("provider: missing")),
    );
}
