//! CLI hygiene (issue #15 items 4–6), offline: addresses with a wrong EIP-55 checksum are refused
//! wherever they are read (flags, roflgov.toml, proposal files); secrets are never echoed; a
//! named config file must exist; `--json` prints exactly one JSON document, failures included.
//! Nothing here needs a chain: `--rpc http://127.0.0.1:1` makes sure nothing is sent anywhere.

use std::path::Path;

use assert_cmd::Command;
use serde_json::Value;

use crate::support::env::roflgov_in;

/// A valid EIP-55 address (from the EIP's examples) and the same with one letter's case flipped.
const GOOD: &str = "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed";
const BAD: &str = "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAEd";
/// anvil's first dev key: a well-known test key.
const DEV_KEY: &str = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";
const NOWHERE: &str = "http://127.0.0.1:1";

struct Out {
    code: i32,
    stdout: String,
    stderr: String,
}

fn run(cmd: &mut Command) -> Out {
    let out = cmd.output().unwrap();
    Out {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// The whole of stdout as exactly one JSON value (`from_slice` refuses trailing data).
fn one_json_value(out: &Out) -> Value {
    serde_json::from_slice(out.stdout.as_bytes())
        .unwrap_or_else(|e| panic!("stdout is not exactly one JSON value ({e}):\n{}", out.stdout))
}

/// The binary with a signing key and an RPC endpoint where nothing listens.
fn nowhere(dir: &Path) -> Command {
    let mut cmd = roflgov_in(dir);
    cmd.env("HYGIENE_KEY", DEV_KEY).args(["--key-env", "HYGIENE_KEY", "--rpc", NOWHERE]);
    cmd
}

fn deploy_to_nowhere(dir: &Path) -> Command {
    let mut cmd = nowhere(dir);
    cmd.arg("deploy");
    cmd
}

// ---------------------------------------------------------------------------------------------
// 4. EIP-55 checksums
// ---------------------------------------------------------------------------------------------

#[test]
fn bad_checksum_on_a_flag_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let owners = format!("{},{}", GOOD.to_lowercase(), BAD);
    let out = run(deploy_to_nowhere(dir.path()).args(["--safe-owners", &owners, "--threshold", "1"]));
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(out.stderr.contains("--safe-owners") && out.stderr.contains(BAD), "{}", out.stderr);
    assert!(out.stderr.contains("checksum"), "{}", out.stderr);

    // Global flags and flags of every subcommand are checked, review's too.
    for args in [
        vec!["--policy-contract", BAD, "cbor", "decode", "00"],
        vec!["--safe-address", BAD, "cbor", "decode", "00"],
        vec!["review", "--proposal", "1", "--expect-guardian", BAD],
        vec!["deploy", "--owner", BAD],
    ] {
        let out = run(roflgov_in(dir.path()).args(["--rpc", NOWHERE]).args(&args));
        assert_eq!(out.code, 2, "{args:?}: {}", out.stderr);
        assert!(out.stderr.contains("checksum") && out.stderr.contains(BAD), "{args:?}: {}", out.stderr);
    }
}

#[test]
fn good_checksum_lower_and_upper_case_are_accepted() {
    let dir = tempfile::tempdir().unwrap();
    let upper = format!("0x{}", GOOD[2..].to_uppercase());
    for address in [GOOD.to_owned(), GOOD.to_lowercase(), upper] {
        // Parsing passes; the deploy then fails on the unreachable RPC (exit 5).
        let out = run(deploy_to_nowhere(dir.path()).args(["--owner", &address]));
        assert_eq!(out.code, 5, "{address}: {}", out.stderr);
        assert!(!out.stderr.contains("checksum"), "{}", out.stderr);
    }
}

/// An app id (from the bad-input matrix) in its three spellings, computed with a separate
/// Bech32 implementation (BIP-173's reference code): the same 21 bytes as `oasis1…` and hex.
const APP: &str = "rofl1qpykfkl6ea78cyy67d35f7fmpk3pg36vashka4v9";
const APP_AS_OASIS: &str = "oasis1qpykfkl6ea78cyy67d35f7fmpk3pg36vasnatydx";
const APP_HEX: &str = "0x004964dbfacf7c7c109af36344f93b0da214474cec";

#[test]
fn app_ids_are_parsed_by_the_argument_parser_naming_what_is_wrong() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("missing.jsonl");
    let missing = missing.to_str().unwrap();
    let broken = format!("{}x", &APP[..APP.len() - 1]);
    for (app, wrong) in [
        (APP_AS_OASIS, "wrong bech32 prefix"),
        (broken.as_str(), "invalid bech32 app id"),
        ("0x0049", "21"),
        ("", "invalid app id"),
    ] {
        let out = run(roflgov_in(dir.path()).args(["verify-log", missing, "--app", app]));
        assert_eq!(out.code, 2, "{app:?}: {}", out.stderr);
        assert!(out.stderr.contains("--app") && out.stderr.contains(wrong), "{app:?}: {}", out.stderr);
    }
    // Both accepted spellings pass the parser: the command then fails on the missing log (3).
    for app in [APP, APP_HEX, &format!(" {APP} ")] {
        let out = run(roflgov_in(dir.path()).args(["verify-log", missing, "--app", app]));
        assert_eq!(out.code, 3, "{app:?}: {}", out.stderr);
    }
}

#[test]
fn bad_checksum_in_roflgov_toml_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let toml = format!("[networks.local]\npolicy_contract = \"{GOOD}\"\nsafe = \"{BAD}\"\n");
    // The default ./roflgov.toml and a named one.
    std::fs::write(dir.path().join("roflgov.toml"), &toml).unwrap();
    std::fs::write(dir.path().join("named.toml"), &toml).unwrap();
    for config in [None, Some("named.toml")] {
        let mut cmd = deploy_to_nowhere(dir.path());
        if let Some(c) = config {
            cmd.args(["--config", c]);
        }
        let out = run(cmd.args(["--owner", GOOD]));
        assert_eq!(out.code, 2, "{config:?}: {}", out.stderr);
        for needle in ["networks.local.safe", BAD, "checksum"] {
            assert!(out.stderr.contains(needle), "{config:?}: no {needle:?} in {}", out.stderr);
        }
    }
}

fn proposal_json(safe: &str, to: &str) -> Value {
    serde_json::json!({
        "chainId": 31337,
        "safe": safe,
        "tx": {
            "to": to,
            "value": "0x0",
            "data": "0x",
            "operation": 0,
            "safeTxGas": "0x0",
            "baseGas": "0x0",
            "gasPrice": "0x0",
            "gasToken": "0x0000000000000000000000000000000000000000",
            "refundReceiver": "0x0000000000000000000000000000000000000000",
            "nonce": "0x0"
        },
        "safeTxHash": format!("0x{}", "00".repeat(32)),
        "signatures": []
    })
}

#[test]
fn bad_checksum_in_a_proposal_file_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("proposal.json");
    std::fs::write(&path, proposal_json(GOOD, BAD).to_string()).unwrap();
    for args in [&["review", "--safe-tx"][..], &["safe", "sign", "--safe-tx"]] {
        let out = run(nowhere(dir.path()).args(args).arg(&path));
        // A bad input file (exit 3), like any other malformed field of the file.
        assert_eq!(out.code, 3, "{args:?}: {}", out.stderr);
        for needle in ["tx.to", BAD, "checksum", "proposal.json"] {
            assert!(out.stderr.contains(needle), "{args:?}: no {needle:?} in {}", out.stderr);
        }
    }
    // The same file with a well-formed address gets past the check (and fails on its hash).
    std::fs::write(&path, proposal_json(GOOD, &BAD.to_lowercase()).to_string()).unwrap();
    let out = run(nowhere(dir.path()).args(["review", "--safe-tx"]).arg(&path));
    assert!(!out.stderr.contains("checksum"), "{}", out.stderr);
}

// ---------------------------------------------------------------------------------------------
// 5. Secrets and the config file
// ---------------------------------------------------------------------------------------------

#[test]
fn a_key_given_to_key_env_is_not_echoed() {
    let dir = tempfile::tempdir().unwrap();
    let hex = &DEV_KEY[2..];
    for key in [DEV_KEY, hex] {
        for json in [false, true] {
            let mut cmd = roflgov_in(dir.path());
            if json {
                cmd.arg("--json");
            }
            let out = run(cmd.args(["--key-env", key, "--rpc", NOWHERE, "deploy", "--owner", GOOD]));
            assert_eq!(out.code, 2, "{}", out.stderr);
            assert!(out.stderr.contains("NAME"), "{}", out.stderr);
            assert!(!out.stderr.contains(hex) && !out.stdout.contains(hex), "the key was echoed");
            if json {
                assert_eq!(one_json_value(&out)["error"]["code"], 2);
            }
        }
    }
    // A key pasted where clap does not expect anything is redacted from clap's error.
    let out = run(roflgov_in(dir.path()).args(["--json", "cbor", "decode", "00", DEV_KEY]));
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(!out.stderr.contains(hex) && !out.stdout.contains(hex), "the key was echoed:\n{}", out.stderr);
    assert_eq!(one_json_value(&out)["error"]["kind"], "usage");
}

#[test]
fn the_value_of_the_key_variable_is_not_echoed() {
    let dir = tempfile::tempdir().unwrap();
    let garbage = "not-a-key-but-SECRET-0xdeadbeef";
    let out = run(roflgov_in(dir.path()).env("HYGIENE_KEY", garbage).args([
        "--key-env",
        "HYGIENE_KEY",
        "--rpc",
        NOWHERE,
        "deploy",
        "--owner",
        GOOD,
    ]));
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(out.stderr.contains("HYGIENE_KEY"), "{}", out.stderr);
    assert!(!out.stderr.contains("SECRET") && !out.stdout.contains("SECRET"), "{}", out.stderr);
}

#[test]
fn a_missing_named_config_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    // A ./roflgov.toml that would be read by a silent fall-back, with a marker of its own.
    std::fs::write(dir.path().join("roflgov.toml"), format!("[networks.local]\nsafe = \"{BAD}\"\n")).unwrap();
    for args in [vec!["cbor", "decode", "00"], vec!["deploy", "--owner", GOOD]] {
        let out = run(nowhere(dir.path()).args(["--config", "missing.toml"]).args(&args));
        assert_eq!(out.code, 2, "{args:?}: {}", out.stderr);
        assert!(out.stderr.contains("missing.toml"), "{}", out.stderr);
        assert!(!out.stderr.contains("checksum"), "fell back to ./roflgov.toml: {}", out.stderr);
    }
    // Through ROFLGOV_CONFIG too.
    let out =
        run(nowhere(dir.path()).env("ROFLGOV_CONFIG", "missing.toml").args(["deploy", "--owner", GOOD]));
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(out.stderr.contains("missing.toml"), "{}", out.stderr);
    // `deploy --save --config new.toml` creates the file: not refused, and ./roflgov.toml is not
    // read instead (the deploy fails on the unreachable RPC, exit 5).
    let out = run(nowhere(dir.path()).args(["--config", "new.toml", "deploy", "--save", "--owner", GOOD]));
    assert_eq!(out.code, 5, "{}", out.stderr);
    assert!(!dir.path().join("new.toml").exists());
}

// ---------------------------------------------------------------------------------------------
// 6. --json is one document
// ---------------------------------------------------------------------------------------------

#[test]
fn json_argument_errors_are_one_json_document() {
    let dir = tempfile::tempdir().unwrap();
    for args in [
        vec!["--json", "cbor", "decode", "00", "--bogus"],
        vec!["cbor", "decode", "--json"],
        vec!["--json", "no-such-command"],
        vec!["--json", "deploy", "--owner", BAD],
    ] {
        let out = run(roflgov_in(dir.path()).args(&args));
        assert_eq!(out.code, 2, "{args:?}: {}", out.stderr);
        let v = one_json_value(&out);
        assert_eq!(v["error"]["code"], 2, "{v}");
        assert_eq!(v["error"]["kind"], "usage", "{v}");
        assert!(v["error"]["message"].as_str().is_some_and(|m| !m.is_empty()), "{v}");
    }
}

#[test]
fn json_failures_are_one_json_document() {
    let dir = tempfile::tempdir().unwrap();
    let proposal = dir.path().join("proposal.json");
    std::fs::write(&proposal, proposal_json(BAD, GOOD).to_string()).unwrap();
    let proposal = proposal.to_str().unwrap();
    for (args, code, kind) in [
        (vec!["cbor", "decode", "zz-not-cbor"], 3, "input"),
        (vec!["cbor", "decode", "0xff00"], 3, "input"),
        (vec!["--config", "missing.toml", "cbor", "decode", "00"], 2, "usage"),
        (vec!["review", "--safe-tx", proposal], 3, "input"),
        (vec!["deploy", "--owner", GOOD], 5, "chain"),
    ] {
        let out = run(nowhere(dir.path()).arg("--json").args(&args));
        assert_eq!(out.code, code, "{args:?}: {}", out.stderr);
        let v = one_json_value(&out);
        assert_eq!(v["error"]["code"], code, "{v}");
        assert_eq!(v["error"]["kind"], kind, "{v}");
    }
}

#[test]
fn json_success_has_no_error_member() {
    let dir = tempfile::tempdir().unwrap();
    let out = run(roflgov_in(dir.path())
        .args(["--json", "cbor", "encode", "--method", "rofl.Remove", "-"])
        .write_stdin(r#"{"id": "rofl1qpykfkl6ea78cyy67d35f7fmpk3pg36vashka4v9"}"#));
    assert_eq!(out.code, 0, "{}", out.stderr);
    let v = one_json_value(&out);
    assert!(v.get("error").is_none() && v["cbor"].is_string(), "{v}");
}

#[test]
fn a_transaction_builder_batch_with_a_bad_checksum_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("batch.json");
    // The Safe's canonical MultiSendCallOnly with two letters' case flipped.
    let batch = serde_json::json!({
        "version": "1.0",
        "chainId": "23294",
        "meta": {"name": "Transactions Batch"},
        "transactions": [{"to": "0x9641D764fc13c8B624c04430C7356C1C7C8102e2", "value": "0", "data": "0x"}]
    });
    std::fs::write(&path, batch.to_string()).unwrap();
    let output = Command::cargo_bin("roflgov")
        .unwrap()
        .env_remove("ROFLGOV_NETWORK")
        .env_remove("ROFLGOV_CONFIG")
        .current_dir(dir.path())
        .args(["--rpc", "http://127.0.0.1:1", "review", "--tx-builder"])
        .arg(&path)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(3), "{}", String::from_utf8_lossy(&output.stderr));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("transactions[0].to") && stderr.contains("checksum"), "{stderr}");
}

// ---------------------------------------------------------------------------------------------
// Real networks are served over HTTPS
// ---------------------------------------------------------------------------------------------

/// Sapphire's public RPC and gRPC endpoints are `https://`: the binary must speak TLS. Without
/// a TLS backend the HTTP client refuses the scheme before connecting ("scheme is not http");
/// with one it tries to connect, and nothing listens on port 1.
#[test]
fn an_https_endpoint_is_dialled_not_refused_for_its_scheme() {
    let dir = tempfile::tempdir().unwrap();
    let out = run(roflgov_in(dir.path()).args([
        "--rpc",
        "https://127.0.0.1:1",
        "app",
        "show",
        "--app",
        "rofl1qqn9xndja7e2pnxhttktmecvwzz0yqwxsquqyxdf",
    ]));
    assert_ne!(out.code, 0, "nothing listens there: {}", out.stderr);
    assert!(!out.stderr.contains("scheme is not http"), "no TLS support: {}", out.stderr);
    assert!(out.stderr.contains("https://127.0.0.1:1"), "the error names the endpoint: {}", out.stderr);
}
