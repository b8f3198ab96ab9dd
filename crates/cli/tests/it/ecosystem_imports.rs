//! What the Oasis CLI writes, read through the binary (offline): fixtures in
//! `fixtures/oasis-cli/` built by `tools/crosscheck/oasis-cli-fixtures.js` with the official
//! TypeScript client's CBOR, following the CLI's source (`cmd/common/transaction.go`
//! `ExportTransaction`, `cmd/common/safe.go` `exportSafe`).

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use predicates::prelude::*;
use serde_json::Value;

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../fixtures/");
const VECTORS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../test/vectors/rofl_cbor.json");

fn roflgov() -> Command {
    let mut cmd = Command::cargo_bin("roflgov").unwrap();
    cmd.env_remove("ROFLGOV_NETWORK").env_remove("ROFLGOV_CONFIG").current_dir(std::env::temp_dir());
    cmd
}

fn fixture(name: &str) -> PathBuf {
    Path::new(FIXTURES).join("oasis-cli").join(name)
}

fn decode(input: &str) -> Value {
    let out =
        roflgov().args(["--json", "cbor", "decode", input]).assert().success().get_output().stdout.clone();
    serde_json::from_slice(&out).unwrap()
}

/// The Talos mainnet Update body the fixtures wrap (hex).
fn talos_body() -> String {
    let vectors: Value = serde_json::from_str(&std::fs::read_to_string(VECTORS).unwrap()).unwrap();
    let v =
        vectors["vectors"].as_array().unwrap().iter().find(|v| v["name"] == "talos_mainnet_update").unwrap();
    v["cbor"].as_str().unwrap().to_owned()
}

/// `oasis rofl update --unsigned --format cbor` writes the whole unsigned transaction: its call
/// decodes exactly as the bare body does.
#[test]
fn cbor_decode_reads_the_unsigned_transaction_of_format_cbor() {
    let from_tx = decode(&fixture("talos-update.unsigned.cbor").display().to_string());
    let from_body = decode(&talos_body());
    assert_eq!(from_tx["method"], "rofl.Update");
    assert_eq!(from_tx, from_body);
}

/// An encrypted call (call.format 1) is named as such, not misread as a body.
#[test]
fn cbor_decode_refuses_an_encrypted_transaction_by_name() {
    // {"v": 1, "call": {"body": h'', "format": 1, "method": "rofl.Update"}}, canonical.
    let tx = "a2617601646361 6c6ca364626f64794066666f726d617401666d6574686f646b726f666c2e557064617465"
        .replace(' ', "");
    roflgov().args(["cbor", "decode", &tx]).assert().code(3).stderr(
        predicate::str::contains("unsigned Oasis transaction").and(predicate::str::contains("encrypted")),
    );
}

/// `oasis rofl update --format safe`: no meta.checksum, `contractMethod: null`. Shown as such
/// and still decoded and reviewed call by call (no chain here: the review decodes and says no).
#[test]
fn review_reads_the_safe_batch_of_format_safe_without_checksum() {
    let batch: Value =
        serde_json::from_str(&std::fs::read_to_string(fixture("talos-update.safe.json")).unwrap()).unwrap();
    assert!(batch["meta"].get("checksum").is_none(), "the fixture has no checksum, as the CLI writes");
    assert!(batch["transactions"][0]["contractMethod"].is_null());
    let assert = roflgov()
        .args(["review", "--rpc", "http://127.0.0.1:9", "--tx-builder"])
        .arg(fixture("talos-update.safe.json"))
        .assert();
    let out = String::from_utf8(assert.get_output().stdout.clone()).unwrap();
    assert!(out.contains("no meta.checksum"), "{out}");
    assert!(out.contains("DIRECT rofl.Update"), "{out}");
    assert!(out.contains("rofl1qpykfkl6ea78cyy67d35f7fmpk3pg36vashka4v9"), "{out}");
    assert.code(4);
}
