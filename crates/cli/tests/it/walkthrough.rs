//! The walkthrough, replayed as written: every fenced block of `examples/WALKTHROUGH.md` tagged
//! `sh walkthrough` runs, in order, in one bash against a fresh `roflgov node` (the doc's
//! `roflgov` alias becomes the built binary with `--rpc` of that node). The doc and this test
//! cannot drift: a command the CLI refuses fails the test. Afterwards the chain shows what the
//! walkthrough claims: the DAO's Timelock owns the policy contract, the app is unfrozen on
//! release 1.1, and the rotated secret opens with the stand-in's SEK (derived here from its
//! documented recipe, not by the CLI) to the plaintext the doc piped in.

use std::path::Path;

use alloy::{primitives::Address, providers::Provider};
use assert_cmd::Command;
use predicates::prelude::*;
use roflgov_client::rofl::{RoflAdminClient, RoflStandIn};
use roflgov_types::{AppId, manifest::Manifest};
use sha2::Digest;

use crate::support::node::{Node, free_port};

const ROOT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../..");

/// The bodies of the fenced blocks whose info string is `sh walkthrough`, in order.
fn walkthrough_blocks(doc: &str) -> Vec<String> {
    let mut blocks = Vec::new();
    let mut current: Option<String> = None;
    for line in doc.lines() {
        match (&mut current, line.trim_end()) {
            (None, "```sh walkthrough") => current = Some(String::new()),
            (Some(body), "```") => {
                blocks.push(std::mem::take(body));
                current = None;
            }
            (Some(body), _) => {
                body.push_str(line);
                body.push('\n');
            }
            (None, _) => {}
        }
    }
    assert!(current.is_none(), "an unterminated walkthrough block");
    blocks
}

#[test]
fn the_walkthrough_runs_as_written() {
    let doc = std::fs::read_to_string(Path::new(ROOT).join("examples/WALKTHROUGH.md")).unwrap();
    let blocks = walkthrough_blocks(&doc);
    assert!(blocks.len() >= 4, "the walkthrough tags its end-to-end blocks: {}", blocks.len());
    let port = free_port();
    let rpc = format!("http://127.0.0.1:{port}");
    let _node = Node::start(port, None);
    let dir = tempfile::tempdir().unwrap();
    std::os::unix::fs::symlink(Path::new(ROOT).join("examples"), dir.path().join("examples")).unwrap();
    let script = format!(
        "set -euo pipefail\nroflgov() {{ \"$ROFLGOV_BIN\" --rpc \"$ROFLGOV_RPC\" \"$@\"; }}\n{}\necho \"APP=$APP\"\necho \"TIMELOCK=$TIMELOCK\"\n",
        blocks.join("\n")
    );
    let out = Command::new("bash")
        .current_dir(dir.path())
        .env_remove("ROFLGOV_NETWORK")
        .env_remove("ROFLGOV_CONFIG")
        .env("ROFLGOV_BIN", assert_cmd::cargo::cargo_bin("roflgov"))
        .env("ROFLGOV_RPC", &rpc)
        .arg("-c")
        .arg(&script)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(
        out.status.success(),
        "the walkthrough failed:\n--- stdout\n{stdout}\n--- stderr\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let value = |key: &str| -> String {
        stdout
            .lines()
            .rev()
            .find_map(|l| l.strip_prefix(&format!("{key}=")))
            .unwrap_or_else(|| panic!("{key} in {stdout}"))
            .trim()
            .to_owned()
    };
    let app: AppId = value("APP").parse().unwrap();
    let timelock: Address = value("TIMELOCK").parse().unwrap();
    // The Safe's deployment (`deploy --save` in e2e/): its policy contract.
    let config = std::fs::read_to_string(dir.path().join("e2e/roflgov.toml")).unwrap();
    let policy: Address = config
        .lines()
        .find_map(|l| l.trim().strip_prefix("policy_contract"))
        .and_then(|rest| rest.trim().strip_prefix('='))
        .map(|v| v.trim().trim_matches('"').parse().unwrap())
        .unwrap_or_else(|| panic!("policy_contract in {config}"));

    let rt = tokio::runtime::Runtime::new().unwrap();
    let provider = alloy::providers::ProviderBuilder::new().connect_http(rpc.parse().unwrap()).erased();
    let client = RoflAdminClient::new(policy, provider.clone());
    assert_eq!(rt.block_on(client.owner()).unwrap(), timelock, "handed over to the DAO");
    assert!(!rt.block_on(client.is_frozen(app)).unwrap(), "recovered from the freeze");
    let stand_in = RoflStandIn::new(provider);
    let enclaves = rt.block_on(stand_in.app_enclaves(app)).unwrap();
    let release = Manifest::from_path(Path::new(ROOT).join("examples/demo/rofl-1.1.yaml"))
        .unwrap()
        .deployment("local")
        .unwrap()
        .policy
        .enclaves;
    assert_eq!(enclaves, release, "release 1.1 is allowed");

    // The secret was sealed to the stand-in's SEK: SHA-512/256 of the domain and the app id.
    let mut h = sha2::Sha512_256::new();
    h.update(b"roflgov stand-in key manager: SEK v1");
    h.update(app.0);
    let private: [u8; 32] = h.finalize().into();
    let secrets = rt.block_on(stand_in.app_secrets(app)).unwrap();
    let envelope = roflgov_core::secret::SecretEnvelope::decode(&secrets["API_TOKEN"]).unwrap();
    let (name, plaintext) = envelope.open(&private).unwrap();
    assert_eq!(name, b"API_TOKEN");
    assert_eq!(plaintext.as_slice(), b"token-rotated-in-the-walkthrough");
    // The SEK used was printed, and the plaintext was not.
    use base64::Engine as _;
    let sek = base64::engine::general_purpose::STANDARD.encode(roflgov_core::secret::public_key(&private));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains(&format!("encrypting to SEK {sek}")), "{stderr}");
    assert!(!stderr.contains("token-rotated") && !stdout.contains("token-rotated"));

    // Without an app the module has, there is no SEK to default to: refused, nothing written.
    let unknown = AppId([7; 21]).to_string();
    Command::cargo_bin("roflgov")
        .unwrap()
        .current_dir(dir.path().join("e2e"))
        .env_remove("ROFLGOV_NETWORK")
        .env_remove("ROFLGOV_CONFIG")
        .args(["--rpc", &rpc, "owner", "secret", "set", "--app", &unknown, "--name", "X"])
        .args(["--plaintext-file", "-", "--safe-out", "unknown.json"])
        .write_stdin("s3cret")
        .assert()
        .code(4)
        .stderr(predicate::str::contains("no app").and(predicate::str::contains("--sek")));
    assert!(!dir.path().join("e2e/unknown.json").exists());
}
