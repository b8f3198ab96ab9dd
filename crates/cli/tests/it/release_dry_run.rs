//! The release workflow's local dry run, as a test: `tools/release-dry-run.sh` drives the built
//! `roflgov` binary and the workflow's own step script (`.github/actions/roflgov-propose/
//! propose.sh`) against a local chain started here (anvil + the ROFL module stand-in), with the
//! sample app of `examples/release/`. Only `oasis rofl build` is skipped: the identities come from
//! the committed bundle `hello-rofl.local.orc`.
//!
//! What it proves: from the sample rofl.yaml (release 0.1.0 on chain) with the bundle's changed
//! identities, the proposal's review shows exactly that change — the bundle's two identities
//! added, the two old ones removed, nothing else — with passing identity checks and the
//! provenance of the inputs; executing it through the 2-of-3 Safe updates the ROFL stand-in to
//! exactly the bundle's identities while the admin, metadata and secrets stay; and a manifest
//! whose identities are not the bundle's is refused with nothing proposed.

use std::{
    collections::BTreeSet,
    path::{Path, PathBuf},
    time::Duration,
};

use assert_cmd::Command;
use predicates::prelude::*;
use roflgov_attest::OrcBundle;
use roflgov_client::rofl::RoflStandIn;
use roflgov_devnet::LocalChain;
use roflgov_types::{AppId, EnclaveIdentity, manifest::Manifest};
use serde_json::Value;

const ROOT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../..");

fn root() -> PathBuf {
    Path::new(ROOT).canonicalize().unwrap()
}

fn example(name: &str) -> PathBuf {
    root().join("examples/release").join(name)
}

fn read_json(path: &Path) -> Value {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn identity_json(id: &EnclaveIdentity) -> Value {
    serde_json::to_value(id).unwrap()
}

struct Chain {
    rt: tokio::runtime::Runtime,
    chain: LocalChain,
}

fn start_chain() -> Chain {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let chain = rt.block_on(LocalChain::start()).expect("anvil starts (run `make build` first)");
    Chain { rt, chain }
}

impl Chain {
    fn key(&self, index: usize) -> String {
        format!("0x{}", hex::encode(self.chain.signer(index).to_bytes()))
    }

    /// `tools/release-dry-run.sh` against this chain, with the keys of accounts 0..2 (the Safe's
    /// owners) in DEV0..DEV2.
    fn dry_run(&self, out: &Path, extra: &[&str]) -> assert_cmd::assert::Assert {
        let owners: Vec<String> = self.chain.accounts()[..3].iter().map(|a| a.to_string()).collect();
        let mut cmd = Command::new("bash");
        cmd.arg(root().join("tools/release-dry-run.sh"))
            .args(["--rpc", &self.chain.endpoint(), "--owners", &owners.join(","), "--out"])
            .arg(out)
            .args(extra)
            .env("ROFLGOV", assert_cmd::cargo::cargo_bin("roflgov"))
            .env_remove("ROFLGOV_NETWORK")
            .env_remove("ROFLGOV_CONFIG")
            .env_remove("GITHUB_OUTPUT")
            .env_remove("GITHUB_STEP_SUMMARY")
            .current_dir(std::env::temp_dir())
            .timeout(Duration::from_secs(300));
        for i in 0..3 {
            cmd.env(format!("DEV{i}"), self.key(i));
        }
        cmd.assert()
    }
}

#[test]
fn dry_run_proposes_exactly_the_identity_change_and_execution_updates_the_stand_in() {
    let chain = start_chain();
    let out = tempfile::tempdir().unwrap();
    let run = chain.dry_run(out.path(), &[]);
    let run = run.success();
    let stdout = String::from_utf8_lossy(&run.get_output().stdout).into_owned();

    // What the release is made of.
    let bundle = OrcBundle::open(example("hello-rofl.local.orc")).unwrap();
    let new_ids: Vec<EnclaveIdentity> = bundle.identities().iter().map(|c| c.identity).collect();
    let previous = Manifest::from_path(example("rofl.yaml")).unwrap().deployment("local").unwrap();
    let old_ids = previous.policy.enclaves.clone();
    assert_eq!((new_ids.len(), old_ids.len()), (2, 2));
    assert!(new_ids.iter().all(|id| !old_ids.contains(id)), "the sample release changes every identity");

    // The review of the proposal: exactly the identity change, every check passing, no warning,
    // and the SafeTx hash of the proposal file (what the signers' wallets show).
    let review = read_json(&out.path().join("release/review.json"));
    let safe_tx = read_json(&out.path().join("release/safe-tx.json"));
    assert_eq!(review["source"], "safe_tx", "{review:#}");
    assert_eq!(review["safe_tx_hash"], safe_tx["safeTxHash"], "{review:#}");
    assert_eq!(review["verdict"], "ok", "{review:#}");
    let calls = review["calls"].as_array().expect("review.calls");
    assert_eq!(calls.len(), 1, "one call, to the policy contract: {review:#}");
    assert_eq!(calls[0]["kind"], "policy_contract", "{review:#}");
    let changes = calls[0]["changes"].as_array().unwrap();
    let seen: BTreeSet<String> = changes.iter().map(|c| c.to_string()).collect();
    let expected: BTreeSet<String> = new_ids
        .iter()
        .map(|id| serde_json::json!({"change": "add_enclave", "args": identity_json(id)}))
        .chain(
            old_ids
                .iter()
                .map(|id| serde_json::json!({"change": "remove_enclave", "args": identity_json(id)})),
        )
        .map(|v| v.to_string())
        .collect();
    assert_eq!(changes.len(), 4, "two added, two removed, nothing else: {changes:#?}");
    assert!(
        out.path().join("release/tx-builder.json").is_file(),
        "the Transaction Builder batch is written too"
    );
    assert_eq!(seen, expected, "the review shows exactly the identity change");
    let checks = review["identity_checks"].as_array().unwrap();
    assert!(!checks.is_empty() && checks.iter().all(|c| c["ok"] == true), "{checks:#?}");
    for id in &new_ids {
        let text = roflgov_attest::identity_to_base64(id);
        for source in ["rofl.yaml", "bundle"] {
            assert!(
                checks
                    .iter()
                    .any(|c| c["identity"] == text.as_str()
                        && c["source"].as_str().unwrap().starts_with(source)),
                "{text} checked against {source}: {checks:#?}"
            );
        }
    }
    assert_eq!(review["warnings"].as_array().map(Vec::len), Some(0), "{review:#}");
    let review_text = std::fs::read_to_string(out.path().join("release/review.txt")).unwrap();
    for id in new_ids.iter().chain(&old_ids) {
        assert!(
            review_text.contains(&roflgov_attest::identity_to_base64(id)),
            "review.txt names {id:?}:\n{review_text}"
        );
    }

    // Provenance: the hashes of what was proposed, recomputable by a reviewer.
    let provenance = read_json(&out.path().join("release/provenance.json"));
    assert_eq!(provenance["bundle"]["sha256"], hex::encode(bundle.sha256), "{provenance:#}");
    assert_eq!(provenance["identities"].as_array().map(Vec::len), Some(2), "{provenance:#}");
    let description = std::fs::read_to_string(out.path().join("release/description.md")).unwrap();
    assert!(
        description.contains("hello-rofl 0.2.0") && description.contains(&hex::encode(bundle.sha256)),
        "{description}"
    );
    // The release notes and provenance travel with the proposal: in the Safe proposal file and in
    // the Transaction Builder batch signers load in Safe{Wallet}.
    let batch = read_json(&out.path().join("release/tx-builder.json"));
    for (what, text) in [
        ("safe-tx.json", &safe_tx["roflgov"]["description"]),
        ("tx-builder.json", &batch["meta"]["description"]),
    ] {
        let text = text.as_str().unwrap_or_else(|| panic!("{what} has a description"));
        assert_eq!(text.trim(), description.trim(), "{what} carries the notes and provenance");
    }

    // Executing it updated the ROFL stand-in: exactly the bundle's identities, the rest kept.
    let result = std::fs::read_to_string(out.path().join("result.env")).unwrap();
    let app: AppId = result
        .lines()
        .find_map(|l| l.strip_prefix("app="))
        .expect("result.env names the app")
        .parse()
        .expect("a rofl1 app id");
    let stand_in = RoflStandIn::new(chain.chain.provider().clone());
    let config = chain.rt.block_on(stand_in.config(app)).expect("the app exists in the stand-in");
    let on_chain: BTreeSet<String> =
        config.policy.enclaves.iter().map(roflgov_attest::identity_to_base64).collect();
    let wanted: BTreeSet<String> = new_ids.iter().map(roflgov_attest::identity_to_base64).collect();
    assert_eq!(on_chain, wanted, "the stand-in holds exactly the bundle's identities");
    assert!(config.admin.is_some(), "the admin was kept");
    assert_eq!(config.secrets.keys().collect::<Vec<_>>(), ["GREETING"], "the secret was kept");
    assert_eq!(config.metadata, previous.metadata, "the metadata was kept");
    assert_eq!(config.policy.endorsements, previous.policy.endorsements);
    assert!(stdout.contains("artifacts:"), "{stdout}");

    // The same release once more: the chain already matches, nothing is proposed.
    let again = tempfile::tempdir().unwrap();
    run_propose_sh(&chain, out.path(), again.path(), &out.path().join("app/rofl.yaml"), &app)
        .success()
        .stdout(predicate::str::contains("already matches"));
    assert!(!again.path().join("safe-tx.json").exists());

    // A manifest whose new identities are not the bundle's (the committed 0.1.0 ids, now off
    // chain) is refused by the workflow's propose step: exit 4, no proposal file.
    let refused = tempfile::tempdir().unwrap();
    run_propose_sh(&chain, out.path(), refused.path(), &example("rofl.yaml"), &app)
        .code(4)
        .stderr(predicate::str::contains("not an identity of bundle"));
    assert!(
        !refused.path().join("safe-tx.json").exists() && !refused.path().join("tx-builder.json").exists()
    );
}

/// The workflow's propose step alone (as the composite action runs it), against the chain and
/// roflgov.toml of a finished dry run.
fn run_propose_sh(
    chain: &Chain,
    dry_run: &Path,
    out: &Path,
    manifest: &Path,
    app: &AppId,
) -> assert_cmd::assert::Assert {
    Command::new("bash")
        .arg(root().join(".github/actions/roflgov-propose/propose.sh"))
        .env("ROFLGOV", assert_cmd::cargo::cargo_bin("roflgov"))
        .env("RG_MANIFEST", manifest)
        .env("RG_DEPLOYMENT", "local")
        .env("RG_BUNDLE", example("hello-rofl.local.orc"))
        .env("RG_OUT_DIR", out)
        .env("RG_MODE", "safe")
        .env("RG_APP", app.to_string())
        .env("RG_NETWORK", "local")
        .env("RG_RPC", chain.chain.endpoint())
        .env("RG_CONFIG", dry_run.join("roflgov.toml"))
        .env_remove("ROFLGOV_NETWORK")
        .env_remove("ROFLGOV_CONFIG")
        .env_remove("GITHUB_OUTPUT")
        .env_remove("GITHUB_STEP_SUMMARY")
        .current_dir(std::env::temp_dir())
        .timeout(Duration::from_secs(120))
        .assert()
}

#[test]
fn the_committed_sample_bundle_is_what_make_bundle_writes() {
    Command::new("node")
        .arg(example("make-bundle.js"))
        .arg("--check")
        .assert()
        .success()
        .stdout(predicate::str::contains("up to date"));
}
