//! `propose --deploy-machines` through the binary on one anvil with a real Safe v1.4.1: the
//! Safe is the machines' admin, so one Safe transaction carries the policy release and a
//! `roflmarket.InstanceExecuteCmds` Deploy to each machine rofl.yaml lists. The legs are decoded
//! here from the raw MultiSend bytes (not with the code that built them); `review --bundle`
//! passes with the release's bundle and fails with another one.

use std::path::Path;

use alloy::{
    primitives::{Address, Bytes, U256, keccak256},
    sol_types::SolValue,
};
use predicates::prelude::*;
use roflgov_types::{
    ids::Address as OasisAddress,
    market::{Command as MarketCommand, InstanceId, MarketCall, decode_call, decode_command},
};
use serde_json::Value;

use crate::support::{
    env::CliEnv,
    fixtures::{self, manifest},
};

const RELEASE_ID: &str =
    "yrse2/jw39Rgy576Hz4LLvQZYJCG993sJnth1LRb2EAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA==";

/// An ORC bundle holding `RELEASE_ID`; `name` changes its manifest (and so its manifest hash).
fn write_orc(path: &Path, name: &str) {
    let manifest = serde_json::json!({
        "name": name,
        "id": "00".repeat(32),
        "components": [{"kind": "rofl", "name": name, "version": {"major": 1, "minor": 1}, "identity": [
            {"hypervisor": "qemu/v0", "enclave": RELEASE_ID}]}],
        "digests": {}
    });
    fixtures::write_orc(path, &manifest);
}

/// MultiSend's packed transactions: operation (1), to (20), value (32), length (32), data.
fn unpack_multi_send(mut rest: &[u8]) -> Vec<(u8, Address, U256, Vec<u8>)> {
    let mut out = Vec::new();
    while !rest.is_empty() {
        let op = rest[0];
        let to = Address::from_slice(&rest[1..21]);
        let value = U256::from_be_slice(&rest[21..53]);
        let len = U256::from_be_slice(&rest[53..85]).to::<usize>();
        out.push((op, to, value, rest[85..85 + len].to_vec()));
        rest = &rest[85 + len..];
    }
    out
}

#[test]
fn safe_proposes_release_and_deploys_to_each_machine() {
    let env = CliEnv::start().with_dev_keys(5);
    let (rt, chain, dir) = (&env.rt, &env.chain, &env.dir);
    let deployed = env.deploy_safe(Some("100"));
    let policy: Address = deployed["policy_contract"].as_str().unwrap().parse().unwrap();
    let app = env.create_app_through_safe(["DEV1", "DEV2"]);
    let app_s = app.to_string();

    // The roflmarket stand-in with one provider; rofl.yaml 1.1 lists two of its machines.
    let market = rt.block_on(chain.simulated_provider()).expect("provider");
    let provider = OasisAddress(market.id().0);
    let mut yaml = std::fs::read_to_string(manifest("1.1")).unwrap();
    if !yaml.ends_with('\n') {
        yaml.push('\n');
    }
    yaml.push_str(&format!(
        "    oci_repository: rofl.sh/weather-oracle:1700000000\n    machines:\n      default:\n        provider: {provider}\n        offer: small\n        id: \"0000000000000000\"\n      backup:\n        provider: {provider}\n        offer: small\n        id: \"0000000000000001\"\n"
    ));
    std::fs::write(env.p("rofl.yaml"), yaml).unwrap();
    write_orc(&dir.path().join("release.orc"), "weather-oracle");
    write_orc(&dir.path().join("other.orc"), "weather-oracle-evil");

    let propose = |extra: &[&str]| {
        let mut c = env.cmd();
        c.args(["propose", "--manifest", &env.p("rofl.yaml"), "--deployment", "local", "--app", &app_s]);
        c.args(["--policy-only", "--deploy-machines"]).args(extra);
        c
    };
    // It needs the bundle (the manifest hash), and cannot go by a direct send.
    propose(&["--safe-out", &env.p("x.json")]).assert().code(2).stderr(predicate::str::contains("--bundle"));
    propose(&["--bundle", &env.p("release.orc"), "--send"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--send"));

    // The ORC reference: only the digest `oasis rofl push` printed, with rofl.yaml's
    // oci_repository; a malformed one is refused, naming the flag.
    let digest = format!("sha256:{}", "5e".repeat(32));
    let orc_ref = format!("rofl.sh/weather-oracle:1700000000@{digest}");
    propose(&["--bundle", &env.p("release.orc"), "--orc-ref", "sha256:XYZ", "--safe-out", &env.p("x.json")])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--orc-ref").and(predicate::str::contains("sha256:XYZ")));
    propose(&["--bundle", &env.p("release.orc"), "--orc-ref", &format!("ghcr.io/evil@{digest}")])
        .args(["--safe-out", &env.p("x.json")])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("oci_repository"));
    let out = propose(&[
        "--bundle",
        &env.p("release.orc"),
        "--orc-ref",
        &digest,
        "--safe-out",
        &env.p("release.json"),
    ])
    .args(["--tx-builder-out", &env.p("release.tx-builder.json")])
    .arg("--json")
    .assert()
    .success()
    .get_output()
    .stdout
    .clone();
    let report: Value = serde_json::from_slice(&out).unwrap();
    assert_eq!(report["machines"].as_array().map(Vec::len), Some(2), "{report}");

    // The Safe file: one DELEGATECALL into MultiSendCallOnly `multiSend(bytes)` with three legs.
    let file: Value = serde_json::from_str(&std::fs::read_to_string(env.p("release.json")).unwrap()).unwrap();
    assert_eq!(file["tx"]["operation"], 1, "{file}");
    let data: Bytes = file["tx"]["data"].as_str().unwrap().parse().unwrap();
    assert_eq!(&data[..4], &keccak256("multiSend(bytes)")[..4]);
    let (packed,) = <(Bytes,)>::abi_decode_params(&data[4..]).unwrap();
    let legs = unpack_multi_send(&packed);
    assert_eq!(legs.len(), 3, "release + one Deploy per machine");
    assert_eq!((legs[0].0, legs[0].1), (0, policy), "the release goes to the policy contract first");
    let subcall: Address = "0x0100000000000000000000000000000000000103".parse().unwrap();
    // Each Deploy pins the same manifest hash; the review below checks it against each bundle
    // (the hash itself is tested against oasis-core's vectors in roflgov-attest).
    let mut hashes = Vec::new();
    for ((op, to, value, data), id) in legs[1..].iter().zip(["0000000000000001", "0000000000000000"]) {
        assert_eq!((*op, *to, *value), (0, subcall, U256::ZERO));
        let (method, body) = <(Bytes, Bytes)>::abi_decode_params(data).unwrap();
        assert_eq!(&method[..], b"roflmarket.InstanceExecuteCmds");
        let MarketCall::InstanceExecuteCmds(call) =
            decode_call("roflmarket.InstanceExecuteCmds", &body).unwrap()
        else {
            panic!("not InstanceExecuteCmds")
        };
        assert_eq!(call.provider, provider);
        assert_eq!(call.id, InstanceId::from_hex(id).unwrap(), "machines in name order: backup, default");
        assert_eq!(call.cmds.len(), 1);
        let MarketCommand::Deploy { deployment, wipe_storage } = decode_command(&call.cmds[0]).unwrap()
        else {
            panic!("not a Deploy")
        };
        assert!(!wipe_storage, "storage is kept");
        assert_eq!(deployment.app_id, app);
        assert_eq!(
            deployment.metadata.get("net.oasis.deployment.orc.ref"),
            Some(&orc_ref),
            "the Deploy pins the ORC reference as `oasis rofl deploy` does"
        );
        hashes.push(deployment.manifest_hash);
    }
    assert_eq!(hashes[0], hashes[1]);
    // The Transaction Builder batch holds the same three calls.
    let batch: Value =
        serde_json::from_str(&std::fs::read_to_string(env.p("release.tx-builder.json")).unwrap()).unwrap();
    let txs = batch["transactions"].as_array().unwrap();
    assert_eq!(txs.len(), 3, "{batch}");
    assert_eq!(txs[1]["to"].as_str().unwrap().to_lowercase(), subcall.to_string().to_lowercase());

    // Review: ok with the release's bundle, not ok with another bundle.
    let review =
        env.json(&["review", "--safe-tx", &env.p("release.json"), "--bundle", &env.p("release.orc")]);
    assert_eq!(review["verdict"], "ok", "{review}");
    assert!(review.to_string().contains(&orc_ref), "the review shows the ORC reference: {review}");
    env.cmd()
        .args(["review", "--safe-tx", &env.p("release.json"), "--bundle", &env.p("other.orc")])
        .assert()
        .code(4)
        .stdout(predicate::str::contains("manifest hash"));
}
