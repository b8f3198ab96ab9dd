//! The offline commands driven through the binary, on real fixtures: the dcap-qvl sample quotes
//! of roflgov-attest, the Talos rofl.yaml, and the demo manifests. Each bad input gives a clear
//! message and its own exit code, and never a partial output file.

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use predicates::prelude::*;
use serde_json::Value;

use crate::support::{
    env::{roflgov_in, success_json},
    fixtures::{self, NOW, TALOS, manifest as demo_manifest, testdata, update_json},
};

fn roflgov() -> Command {
    roflgov_in(&std::env::temp_dir())
}

fn json_of(cmd: &mut Command) -> Value {
    success_json(cmd.arg("--json"))
}

// ---------------------------------------------------------------------------------------------
// cbor
// ---------------------------------------------------------------------------------------------

/// A complete Update body in the readable form, from the Talos fixture's mainnet deployment,
/// with one secret.
fn talos_update_json() -> Value {
    let mut json = update_json();
    json["body"]["secrets"] = serde_json::json!({"OPENAI_API_KEY": "0xa1b2"});
    json
}

/// A body with a legacy IAS quote policy (which roflgov never writes) decodes, re-encodes to
/// the same bytes, and is flagged as legacy.
#[test]
fn cbor_decode_shows_a_legacy_ias_policy() {
    // {"disabled": true, "min_tcb_evaluation_data_number": 12}
    let ias_hex = "a26864697361626c6564f5781e6d696e5f7463625f6576616c756174696f6e5f646174615f6e756d6265720c";
    let mut json = talos_update_json();
    json["body"]["policy"]["quotes"]["ias"] = serde_json::json!({ "cbor": format!("0x{ias_hex}") });
    let dir = tempfile::tempdir().unwrap();
    let json_path = dir.path().join("update.json");
    std::fs::write(&json_path, json.to_string()).unwrap();
    let encoded = json_of(roflgov().args(["cbor", "encode"]).arg(&json_path));
    let hex_body = encoded["cbor"].as_str().unwrap().to_owned();
    assert!(hex_body.contains(&format!("63696173{ias_hex}")), "\"ias\": the map, verbatim: {hex_body}");

    let out = roflgov().args(["cbor", "decode", &hex_body]).assert().success().get_output().clone();
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(stderr.contains("IAS quote policy (legacy; Intel retired IAS)"), "{stderr}");
    let decoded: Value = serde_json::from_slice(&out.stdout).unwrap();
    let ias = &decoded["body"]["policy"]["quotes"]["ias"];
    assert_eq!(ias["cbor"], format!("0x{ias_hex}"));
    assert_eq!(ias["diagnostic"], r#"{"disabled": true, "min_tcb_evaluation_data_number": 12}"#);
    assert!(
        decoded["warnings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|w| w.as_str().unwrap().contains("legacy; Intel retired IAS")),
        "{decoded}"
    );

    // What decode printed encodes back to the same bytes.
    std::fs::write(&json_path, decoded.to_string()).unwrap();
    let again = json_of(roflgov().args(["cbor", "encode"]).arg(&json_path));
    assert_eq!(again["cbor"], hex_body.as_str());
}

#[test]
fn cbor_encode_then_decode_round_trips() {
    let dir = tempfile::tempdir().unwrap();
    let json_path = dir.path().join("update.json");
    std::fs::write(&json_path, talos_update_json().to_string()).unwrap();
    let encoded = json_of(roflgov().args(["cbor", "encode"]).arg(&json_path));
    let hex_body = encoded["cbor"].as_str().unwrap().to_owned();
    assert_eq!(encoded["method"], "rofl.Update");

    // Decode with method detection: the same document comes back, with Go client names.
    let out = roflgov().args(["cbor", "decode", &hex_body]).assert().success().get_output().stdout.clone();
    let decoded: Value = serde_json::from_slice(&out).unwrap();
    assert_eq!(decoded, talos_update_json());
    let text = String::from_utf8(out).unwrap();
    for name in ["mr_enclave", "tcb_validity_period", "endorsing_node", "max_expiration"] {
        assert!(text.contains(name), "decoded JSON uses the Oasis field name {name}");
    }

    // Raw bytes to a file, then decode the file.
    let bin = dir.path().join("update.cbor");
    roflgov().args(["cbor", "encode"]).arg(&json_path).arg("--out").arg(&bin).assert().success();
    assert_eq!(std::fs::read(&bin).unwrap(), hex::decode(hex_body.trim_start_matches("0x")).unwrap());
    roflgov()
        .args(["cbor", "decode", "--method", "rofl.Update"])
        .arg(&bin)
        .assert()
        .success()
        .stdout(predicate::str::contains("OPENAI_API_KEY"));
}

#[test]
fn cbor_decode_refuses_non_canonical_bodies() {
    let dir = tempfile::tempdir().unwrap();
    let json_path = dir.path().join("update.json");
    std::fs::write(&json_path, talos_update_json().to_string()).unwrap();
    let encoded = json_of(roflgov().args(["cbor", "encode"]).arg(&json_path));
    let mut bytes = hex::decode(encoded["cbor"].as_str().unwrap().trim_start_matches("0x")).unwrap();

    // Trailing garbage.
    let mut trailing = bytes.clone();
    trailing.push(0x00);
    roflgov()
        .args(["cbor", "decode", "--method", "rofl.Update", &hex::encode(&trailing)])
        .assert()
        .code(3)
        .stderr(predicate::str::contains("not a canonical rofl.Update body"));

    // A map head with a non-minimal length (0xb8 0x05 instead of 0xa5).
    assert_eq!(bytes[0], 0xa5, "Update is a 5-field map");
    bytes.splice(0..1, [0xb8, 0x05]);
    roflgov()
        .args(["cbor", "decode", &hex::encode(&bytes)])
        .assert()
        .code(3)
        .stderr(predicate::str::contains("rofl.Update"));

    // A Remove body decoded as an Update names the missing field.
    let remove = json_of(
        roflgov()
            .args(["cbor", "encode", "--method", "rofl.Remove", "-"])
            .write_stdin(r#"{"id": "rofl1qpykfkl6ea78cyy67d35f7fmpk3pg36vashka4v9"}"#),
    );
    roflgov()
        .args(["cbor", "decode", "--method", "rofl.Update", remove["cbor"].as_str().unwrap()])
        .assert()
        .code(3)
        .stderr(predicate::str::contains("missing field"));
    // Detected as a Remove without --method.
    let decoded = json_of(roflgov().args(["cbor", "decode", remove["cbor"].as_str().unwrap()]));
    assert_eq!(decoded["method"], "rofl.Remove");

    // Not hex and not a file; an unknown method is a usage error.
    roflgov()
        .args(["cbor", "decode", "zz-not-hex"])
        .assert()
        .code(3)
        .stderr(predicate::str::contains("neither an existing file nor hex"));
    roflgov().args(["cbor", "decode", "--method", "rofl.Frobnicate", "a0"]).assert().code(2);
}

#[test]
fn cbor_decode_warns_about_todays_footguns() {
    // What `oasis rofl update` sends when the manifest has no admin and no secrets.
    let mut update = talos_update_json();
    update["body"]["admin"] = Value::Null;
    update["body"]["secrets"] = serde_json::json!({});
    update["body"]["metadata"] = serde_json::json!({});
    let encoded = json_of(roflgov().args(["cbor", "encode", "-"]).write_stdin(update.to_string()));
    let assert = roflgov().args(["cbor", "decode", encoded["cbor"].as_str().unwrap()]).assert().success();
    let stderr = String::from_utf8(assert.get_output().stderr.clone()).unwrap();
    assert!(stderr.contains("WITHOUT AN ADMIN"), "{stderr}");
    assert!(stderr.contains("WIPES every secret"), "{stderr}");
    assert!(stderr.contains("WIPES all metadata"), "{stderr}");
    let json = json_of(roflgov().args(["cbor", "decode", encoded["cbor"].as_str().unwrap()]));
    assert_eq!(json["warnings"].as_array().unwrap().len(), 3);
}

#[test]
fn cbor_encode_bad_json_writes_no_file() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("body.cbor");
    let mut bad = talos_update_json();
    bad["body"]["policy"]["fees"] = Value::from("whoever");
    roflgov()
        .args(["cbor", "encode", "-", "--out"])
        .arg(&out)
        .write_stdin(bad.to_string())
        .assert()
        .code(3)
        .stderr(predicate::str::contains("whoever"));
    assert!(!out.exists(), "no partial file");
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0, "no temp file left behind");
    roflgov()
        .args(["cbor", "encode", "-"])
        .write_stdin("{not json")
        .assert()
        .code(3)
        .stderr(predicate::str::contains("invalid JSON"));
    roflgov()
        .args(["cbor", "encode", "-"])
        .write_stdin(r#"{"id": "x"}"#)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--method"));
}

// ---------------------------------------------------------------------------------------------
// identity
// ---------------------------------------------------------------------------------------------

/// `identity quote` of the sample TDX quote with its collateral, at `NOW`: the document.
fn sample_quote_identity() -> Value {
    json_of(
        roflgov()
            .args(["identity", "quote"])
            .arg(testdata("tdx_quote"))
            .arg("--collateral")
            .arg(testdata("tdx_quote_collateral.json"))
            .args(["--now", NOW]),
    )
}

#[test]
fn identity_of_the_tdx_sample_quote_matches_its_measurements() {
    let quote = sample_quote_identity();
    assert_eq!(quote["platform"], "tdx");
    assert_eq!(quote["tcb_status"], "UpToDate");
    let tdx = &quote["tdx"];
    let rtmr = tdx["rtmr"].as_array().unwrap();
    let from_measurements = json_of(roflgov().args([
        "identity",
        "tdx",
        "--mrtd",
        tdx["mr_td"].as_str().unwrap(),
        "--rtmr0",
        rtmr[0].as_str().unwrap(),
        "--rtmr1",
        rtmr[1].as_str().unwrap(),
        "--rtmr2",
        rtmr[2].as_str().unwrap(),
        "--rtmr3",
        rtmr[3].as_str().unwrap(),
    ]));
    assert_eq!(from_measurements["id"], quote["id"]);
    assert_eq!(from_measurements["mr_enclave"], quote["identity"]["mr_enclave"]);
    assert!(
        from_measurements["id"].as_str().unwrap().ends_with("AAAAAAAA=="),
        "TDX ids have a zero mr_signer"
    );
}

#[test]
fn identity_tdx_rejects_wrong_sizes() {
    let m = "00".repeat(48);
    roflgov()
        .args([
            "identity",
            "tdx",
            "--mrtd",
            &"00".repeat(47),
            "--rtmr0",
            &m,
            "--rtmr1",
            &m,
            "--rtmr2",
            &m,
            "--rtmr3",
            &m,
        ])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--mrtd: expected 48 bytes"));
}

#[test]
fn bad_quotes_fail_with_specific_errors() {
    let tdx = testdata("tdx_quote");
    let tdx_col = testdata("tdx_quote_collateral.json");
    let dir = tempfile::tempdir().unwrap();

    // Expired collateral (no --now: today is past the sample's window): verification failure.
    roflgov()
        .args(["identity", "quote"])
        .arg(&tdx)
        .arg("--collateral")
        .arg(&tdx_col)
        .assert()
        .code(4)
        .stderr(predicate::str::contains("expired"));
    // Collateral of the other platform.
    roflgov()
        .args(["identity", "quote"])
        .arg(&tdx)
        .arg("--collateral")
        .arg(testdata("sgx_quote_collateral.json"))
        .args(["--now", NOW])
        .assert()
        .code(4)
        .stderr(predicate::str::contains("collateral is for SGX"));
    // Truncated quote: input error.
    let truncated = dir.path().join("truncated");
    std::fs::write(&truncated, &std::fs::read(&tdx).unwrap()[..200]).unwrap();
    roflgov()
        .args(["identity", "quote"])
        .arg(&truncated)
        .arg("--collateral")
        .arg(&tdx_col)
        .args(["--now", NOW])
        .assert()
        .code(3)
        .stderr(predicate::str::contains("truncated"));
    // Tampered quote body (a byte of the TD report): the signature no longer verifies.
    let mut bytes = std::fs::read(&tdx).unwrap();
    bytes[200] ^= 0xff;
    let tampered = dir.path().join("tampered");
    std::fs::write(&tampered, &bytes).unwrap();
    roflgov()
        .args(["identity", "quote"])
        .arg(&tampered)
        .arg("--collateral")
        .arg(&tdx_col)
        .args(["--now", NOW])
        .assert()
        .code(4);
    // Missing collateral file.
    roflgov()
        .args(["identity", "quote"])
        .arg(&tdx)
        .arg("--collateral")
        .arg(dir.path().join("nope.json"))
        .args(["--now", NOW])
        .assert()
        .code(3)
        .stderr(predicate::str::contains("nope.json"));
}

fn write_orc(path: &Path, ids: &[(&str, &str)]) {
    let identity: Vec<Value> =
        ids.iter().map(|(h, id)| serde_json::json!({"hypervisor": h, "enclave": id})).collect();
    let manifest = serde_json::json!({
        "name": "weather-oracle",
        "id": "00".repeat(32),
        "components": [{"kind": "rofl", "name": "weather-oracle", "identity": identity}],
        "digests": {}
    });
    fixtures::write_orc(path, &manifest);
}

#[test]
fn identity_bundle_lists_identities_and_rejects_non_zips() {
    let dir = tempfile::tempdir().unwrap();
    let orc = dir.path().join("app.orc");
    let id = "yrse2/jw39Rgy576Hz4LLvQZYJCG993sJnth1LRb2EAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA==";
    write_orc(&orc, &[("qemu/v0", id)]);
    let out = json_of(roflgov().args(["identity", "bundle"]).arg(&orc));
    assert_eq!(out["identities"][0]["id"], id);
    assert_eq!(out["identities"][0]["hypervisor"], "qemu/v0");
    let not_zip = dir.path().join("x.orc");
    std::fs::write(&not_zip, b"hello").unwrap();
    roflgov()
        .args(["identity", "bundle"])
        .arg(&not_zip)
        .assert()
        .code(3)
        .stderr(predicate::str::contains("x.orc"));
}

// ---------------------------------------------------------------------------------------------
// verify-quote against rofl.yaml
// ---------------------------------------------------------------------------------------------

fn verify_quote(manifest: &Path, deployment: &str) -> Command {
    let mut cmd = roflgov();
    cmd.arg("verify-quote")
        .arg(testdata("tdx_quote"))
        .arg("--collateral")
        .arg(testdata("tdx_quote_collateral.json"))
        .args(["--now", NOW, "--manifest"])
        .arg(manifest)
        .args(["--deployment", deployment]);
    cmd
}

#[test]
fn verify_quote_against_talos_is_refused_with_reasons() {
    let assert = verify_quote(Path::new(TALOS), "mainnet").assert().code(4);
    let out = String::from_utf8(assert.get_output().stdout.clone()).unwrap();
    assert!(out.contains("NOT ALLOWED"), "{out}");
    // The sample TD is not a Talos release, and its collateral is at TCB evaluation number 17.
    assert!(out.contains("✗"), "{out}");
    let err = String::from_utf8(assert.get_output().stderr.clone()).unwrap();
    assert!(err.contains("is not allowed"), "{err}");
}

#[test]
fn verify_quote_allowed_when_the_policy_lists_the_identity() {
    let quote = sample_quote_identity();
    let id = quote["id"].as_str().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let manifest = dir.path().join("rofl.yaml");
    let text = std::fs::read_to_string(demo_manifest("1.0"))
        .unwrap()
        .replace(
            "cJD19YR7d04q/mqreylwVLPuPUvTZAJPl6tvypPCN/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA==",
            id,
        )
        .replace("min_tcb_evaluation_data_number: 18", "min_tcb_evaluation_data_number: 17");
    std::fs::write(&manifest, text).unwrap();
    let v = json_of(&mut verify_quote(&manifest, "local"));
    assert_eq!(v["allowed"], true);
    assert!(v["sentence"].as_str().unwrap().contains("is allowed"));
}

#[test]
fn malformed_manifests_name_file_and_path() {
    let dir = tempfile::tempdir().unwrap();
    let manifest = dir.path().join("rofl.yaml");
    let text = std::fs::read_to_string(demo_manifest("1.0"))
        .unwrap()
        .replace("fees: endorsing_node", "fees: sometimes");
    std::fs::write(&manifest, text).unwrap();
    verify_quote(&manifest, "local").assert().code(3).stderr(
        predicate::str::contains("rofl.yaml").and(predicate::str::contains("deployments.local.policy.fees")),
    );
    // Not YAML at all.
    std::fs::write(&manifest, "name: [unclosed").unwrap();
    verify_quote(&manifest, "local").assert().code(3).stderr(predicate::str::contains("invalid YAML"));
    // A deployment the file does not have.
    verify_quote(Path::new(TALOS), "staging")
        .assert()
        .code(3)
        .stderr(predicate::str::contains("mainnet, testnet"));
    // --manifest without --deployment is a usage error.
    roflgov()
        .arg("verify-quote")
        .arg(testdata("tdx_quote"))
        .arg("--collateral")
        .arg(testdata("tdx_quote_collateral.json"))
        .arg("--manifest")
        .arg(TALOS)
        .assert()
        .code(2);
}

// ---------------------------------------------------------------------------------------------
// review of today's flow, offline
// ---------------------------------------------------------------------------------------------

/// A Transaction Builder batch of one direct `rofl.Update` subcall (today's flow) with the
/// body of `update` (JSON as `cbor encode` reads it) and the batch's own `meta`.
fn direct_update_batch(dir: &Path, update: &Value, meta: Value) -> PathBuf {
    use alloy::sol_types::SolValue;
    let encoded = json_of(roflgov().args(["cbor", "encode", "-"]).write_stdin(update.to_string()));
    let body = hex::decode(encoded["cbor"].as_str().unwrap().trim_start_matches("0x")).unwrap();
    let input =
        (alloy::primitives::Bytes::from(b"rofl.Update".to_vec()), alloy::primitives::Bytes::from(body))
            .abi_encode_params();
    let batch = serde_json::json!({
        "version": "1.0",
        "chainId": "23294",
        "createdAt": 1751328000000u64,
        "meta": meta,
        "transactions": [{
            "to": "0x0100000000000000000000000000000000000103",
            "value": "0",
            "data": format!("0x{}", hex::encode(input)),
        }]
    });
    let path = dir.join("batch.json");
    std::fs::write(&path, batch.to_string()).unwrap();
    path
}

#[test]
fn review_flags_a_direct_subcall_that_wipes_admin_and_secrets() {
    let mut update = talos_update_json();
    update["body"]["admin"] = Value::Null;
    update["body"]["secrets"] = serde_json::json!({});
    let dir = tempfile::tempdir().unwrap();
    let path = direct_update_batch(dir.path(), &update, serde_json::json!({"name": "Transactions Batch"}));
    // No chain to read the current config from (port 9 refuses): the review still decodes the
    // body and warns.
    let assert = roflgov()
        .args(["review", "--rpc", "http://127.0.0.1:9", "--tx-builder"])
        .arg(&path)
        .arg("--manifest")
        .arg(TALOS)
        .args(["--deployment", "mainnet"])
        .assert();
    let out = String::from_utf8(assert.get_output().stdout.clone()).unwrap();
    assert!(out.contains("DIRECT rofl.Update"), "{out}");
    assert!(out.contains("WITHOUT AN ADMIN"), "{out}");
    assert!(out.contains("WIPES every secret"), "{out}");
    // The body's identity is a Talos mainnet identity: that check passes, but dropping the admin
    // is irreversible, so the review says no.
    assert!(out.contains("✓ akQLfQ9+"), "{out}");
    assert.code(4).stderr(predicate::str::contains("drop the app's admin"));
}

#[test]
fn help_is_there_for_every_command() {
    for args in [
        vec!["--help"],
        vec!["cbor", "decode", "--help"],
        vec!["cbor", "encode", "--help"],
        vec!["identity", "tdx", "--help"],
        vec!["identity", "quote", "--help"],
        vec!["identity", "bundle", "--help"],
        vec!["verify-quote", "--help"],
        vec!["node", "--help"],
        vec!["demo", "--help"],
        vec!["deploy", "--help"],
        vec!["app", "show", "--help"],
        vec!["app", "history", "--help"],
        vec!["app", "create", "--help"],
        vec!["propose", "--help"],
        vec!["review", "--help"],
        vec!["app", "adopt", "--help"],
        vec!["safe", "sign", "--help"],
        vec!["safe", "approve", "--help"],
        vec!["safe", "execute", "--help"],
        vec!["safe", "status", "--help"],
        vec!["dao", "delegate", "--help"],
        vec!["dao", "vote", "--help"],
        vec!["dao", "queue", "--help"],
        vec!["dao", "execute", "--help"],
        vec!["dao", "cancel", "--help"],
        vec!["dao", "status", "--help"],
    ] {
        roflgov().args(&args).assert().success().stdout(predicate::str::contains("Usage: roflgov"));
    }
    roflgov().arg("frobnicate").assert().code(2);
}

#[test]
fn review_escapes_hostile_text_and_cannot_review_offline() {
    let mut update = talos_update_json();
    // A key that clears the screen and a value with a right-to-left override: a terminal must
    // show them as escapes, never run them.
    update["body"]["metadata"]["net.oasis.rofl.name\u{1b}[2J"] = Value::from("ok\u{202e}kcatta");
    let dir = tempfile::tempdir().unwrap();
    let meta = serde_json::json!({"name": "Release\u{1b}[1A ok", "description": "all good\n\u{202e}"});
    let path = direct_update_batch(dir.path(), &update, meta);
    let assert =
        roflgov().args(["review", "--rpc", "http://127.0.0.1:9", "--tx-builder"]).arg(&path).assert();
    let out = String::from_utf8(assert.get_output().stdout.clone()).unwrap();
    assert!(!out.contains('\u{1b}') && !out.contains('\u{202e}'), "raw control characters printed:\n{out}");
    assert!(out.contains("net.oasis.rofl.name\\u{001b}[2J"), "{out}");
    assert!(out.contains("ok\\u{202e}kcatta"), "{out}");
    assert!(out.contains("unverified"), "the batch's own title is labelled: {out}");
    // No chain: the state cannot be established, so the verdict is not ok.
    assert!(out.contains("CANNOT REVIEW"), "{out}");
    assert.code(4);
}
