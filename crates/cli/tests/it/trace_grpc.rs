//! `trace` on Sapphire reads the instance's registration from the ROFL module's
//! `rofl.AppInstances` through an Oasis node's gRPC-web endpoint: an anvil answering as Sapphire
//! Testnet (chain id 0x5aff in Sapphire-RPC mode; the stand-in only receives the policy
//! contract's subcalls) and a local test server answering with the registrations
//! `@oasisprotocol/client` encoded (test/vectors/grpc_query.json, made by
//! tools/crosscheck/grpc.test.js). The module keeps no identity per registration: every
//! identity the policy allows is listed.

use std::net::TcpListener;

use alloy::primitives::{B256, FixedBytes, keccak256};
use predicates::prelude::*;
use roflgov_core::rofl::{PolicyChange, ReleaseRecord};
use roflgov_types::{EnclaveIdentity, IdentifierScheme, Metadata, manifest::Manifest};
use serde_json::Value;

use crate::support::{
    env::testnet_via_node,
    grpc::{serve, start_sapphire, vectors},
};

const TALOS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../fixtures/talos-rofl.yaml");

fn tdx(label: &str) -> EnclaveIdentity {
    EnclaveIdentity { mr_enclave: keccak256(label.as_bytes()), mr_signer: B256::ZERO }
}

#[test]
fn trace_on_sapphire_finds_the_registration_through_the_node() {
    let v = vectors();
    let (rt, chain, client) = start_sapphire(true, true);
    let owner = chain.accounts()[0];
    let (old, new) = (tdx("bootstrap"), tdx("release 1.1.0"));
    let mut policy = Manifest::from_path(TALOS).unwrap().deployment("mainnet").unwrap().policy;
    policy.enclaves = vec![old];
    let record = ReleaseRecord {
        version: "1.1.0".into(),
        repository: "https://github.com/example/talos".into(),
        git_commit: FixedBytes::from_slice(&keccak256("commit 1.1.0")[..20]),
        bundle_hash: keccak256("bundle 1.1.0"),
        manifest_hash: keccak256("rofl.yaml 1.1.0"),
        notes: "built by CI".into(),
    };
    let app = rt.block_on(async {
        let (app, _) = client
            .create_app(owner, &policy, &Metadata::new(), IdentifierScheme::CreatorNonce)
            .await
            .unwrap();
        let release =
            PolicyChange::AddRelease { identities: vec![new], record, retire: vec![], grace_until: 0 };
        client.apply(owner, app, 1, &[release]).await.unwrap();
        app
    });
    let node = serve(v["responses"]["instances_body_text"].as_str().unwrap().to_owned());
    let cmd = |grpc: &str, key: &str| {
        let mut cmd = testnet_via_node(&chain.endpoint(), client.address(), grpc);
        cmd.args(["trace", "--app", &app.to_string()]).args(["--key", key]);
        cmd
    };

    // The first instance's extra_keys secp256k1 key, as the npm client encoded it.
    let instance = &v["expected"]["instances"][0];
    let extra_key = format!("0x{}", instance["extra_keys"][0].as_str().unwrap());
    let out = cmd(&node, &extra_key).arg("--json").assert().success().get_output().stdout.clone();
    let out: Value = serde_json::from_slice(&out).unwrap();
    assert!(out["source"].as_str().unwrap().contains(&node));
    assert_eq!(out["current_registration_only"], true);
    assert_eq!(out["registration"]["expiration_epoch"], instance["expiration"]);
    assert_eq!(out["identity_known"], false);
    assert_eq!(out["could_be_any"], true);
    let identities: Vec<&str> =
        out["identities"].as_array().unwrap().iter().map(|i| i["identity"].as_str().unwrap()).collect();
    let expected: Vec<String> = [old, new].iter().map(roflgov_attest::identity_to_base64).collect();
    assert_eq!(identities, expected);
    let releases: Vec<&Value> = out["identities"].as_array().unwrap().iter().map(|i| &i["release"]).collect();
    assert!(releases[0].is_null());
    assert_eq!(releases[1]["version"], "1.1.0");
    assert_eq!(releases[1]["commit"], hex::encode(&keccak256("commit 1.1.0")[..20]));

    // The text says that any identity could have produced the output and that history is absent.
    cmd(&node, &extra_key).assert().success().stdout(
        predicate::str::contains("ANY of these 2 identities")
            .and(predicate::str::contains("earlier registrations of this key are not available")),
    );

    // A key the module has not registered: refused, saying so.
    let other = "0x0279be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798";
    cmd(&node, other).assert().code(4).stderr(predicate::str::contains("never registered"));

    // The node unreachable: a chain error that says so.
    let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let gone = format!("http://127.0.0.1:{port}");
    cmd(&gone, &extra_key)
        .assert()
        .code(5)
        .stderr(predicate::str::contains("unreachable").and(predicate::str::contains(gone)));
}
