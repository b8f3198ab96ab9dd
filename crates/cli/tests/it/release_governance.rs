//! Release records, the guardian and instances through the binary (issue 8), against a real
//! anvil with the ROFL stand-in. The chain is set up with the library (the policy contract owned
//! by dev account 0, a release with a grace period, a guardian); the commands under test are
//! `app show`, `app instances`, `guardian revoke` and `app prune`.

use alloy::primitives::{Address, B256, FixedBytes, keccak256};
use assert_cmd::Command;
use predicates::prelude::*;
use roflgov_client::rofl::{RoflAdminClient, RoflStandIn};
use roflgov_core::rofl::{PolicyChange, ReleaseRecord};
use roflgov_devnet::{LocalChain, LocalChainOptions, StandInDriver};
use roflgov_types::{AppId, EnclaveIdentity, IdentifierScheme, Metadata, manifest::Manifest};
use serde_json::Value;

use crate::support::{
    env::{roflgov_in, success_json},
    fixtures::TALOS,
};

fn tdx(label: &str) -> EnclaveIdentity {
    EnclaveIdentity { mr_enclave: keccak256(label.as_bytes()), mr_signer: B256::ZERO }
}

fn b64(id: &EnclaveIdentity) -> String {
    roflgov_core::rofl::enclave_text_id(id)
}

struct Env {
    rt: tokio::runtime::Runtime,
    chain: LocalChain,
    contract: Address,
    app: AppId,
    guardian: Address,
    grace_until: u64,
    record: ReleaseRecord,
    ids: [EnclaveIdentity; 3],
}

/// The first JSON document on stdout (a failing command prints its error object after it).
fn start() -> Env {
    start_with(LocalChainOptions::default())
}

fn start_with(options: LocalChainOptions) -> Env {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let chain = rt.block_on(LocalChain::start_with(options)).expect("anvil starts (run `make build` first)");
    let owner = chain.accounts()[0];
    let guardian = chain.accounts()[4];
    let (old, kept, new) = (tdx("old"), tdx("kept"), tdx("new"));
    let record = ReleaseRecord {
        version: "2.0.0".into(),
        repository: "https://github.com/example/talos".into(),
        git_commit: FixedBytes::from_slice(&keccak256("commit")[..20]),
        bundle_hash: keccak256("bundle"),
        manifest_hash: keccak256("rofl.yaml"),
        notes: "Fixes the key rotation bug.".into(),
    };
    let (contract, app, grace_until) = rt.block_on(async {
        let client = RoflAdminClient::deploy_from(chain.provider().clone(), owner, owner).await.unwrap();
        let mut policy = Manifest::from_path(TALOS).unwrap().deployment("mainnet").unwrap().policy;
        policy.enclaves = vec![old, kept];
        policy.max_expiration = 24;
        let (app, _) = client
            .create_app(owner, &policy, &Metadata::new(), IdentifierScheme::CreatorNonce)
            .await
            .unwrap();
        let grace_until = client.chain_time().await.unwrap() + 10 * 86_400;
        let changes = [
            PolicyChange::AddRelease {
                identities: vec![new],
                record: record.clone(),
                retire: vec![old],
                grace_until,
            },
            PolicyChange::SetGuardian { guardian },
        ];
        client.apply(owner, app, 1, &changes).await.unwrap();
        // One instance on each identity.
        let module = RoflStandIn::new(chain.provider().clone());
        let epoch = module.current_epoch().await.unwrap();
        for (i, id) in [old, kept, new].iter().enumerate() {
            module.register_instance(owner, app, chain.accounts()[6 + i], id, epoch + 20).await.unwrap();
        }
        (client.address(), app, grace_until)
    });
    Env { rt, chain, contract, app, guardian, grace_until, record, ids: [old, kept, new] }
}

/// `--key-env KEY guardian revoke --app APP --enclave ID`.
fn revoke<'a>(key: &'a str, app: &'a str, id: &'a str) -> [&'a str; 8] {
    ["--key-env", key, "guardian", "revoke", "--app", app, "--enclave", id]
}

impl Env {
    fn cmd(&self) -> Command {
        let mut cmd = roflgov_in(&std::env::temp_dir());
        cmd.env("GUARDIAN_KEY", format!("0x{}", hex::encode(self.chain.signer(4).to_bytes())))
            .env("STRANGER_KEY", format!("0x{}", hex::encode(self.chain.signer(9).to_bytes())))
            .args(["--rpc", &self.chain.endpoint(), "--policy-contract", &self.contract.to_string()]);
        cmd
    }
}

#[test]
fn app_show_lists_release_records_deadlines_guardian_and_freeze() {
    let env = start();
    let app = env.app.to_string();
    let out = env.cmd().args(["app", "show", "--app", &app]).assert().success().get_output().stdout.clone();
    let text = String::from_utf8(out).unwrap();
    let deadline = roflgov_core::rofl::format_utc(env.grace_until);
    for expected in [
        format!("guardian        {}", env.guardian),
        "frozen          no".to_owned(),
        "#1 version 2.0.0".to_owned(),
        "https://github.com/example/talos".to_owned(),
        env.record.commit_hex(),
        alloy::hex::encode(env.record.bundle_hash),
        alloy::hex::encode(env.record.manifest_hash),
        "Fixes the key rotation bug.".to_owned(),
        // the relative part ("in 9d 23h" or "in 10d 0h") depends on how long the test took so far
        format!("{}  retiring  retires {deadline} (in ", b64(&env.ids[0])),
        format!("{}  allowed", b64(&env.ids[1])),
        "(none: added without a release record)".to_owned(),
    ] {
        assert!(text.contains(&expected), "missing {expected:?} in\n{text}");
    }

    let out = env
        .cmd()
        .args(["--json", "app", "show", "--app", &app])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let json: Value = serde_json::from_slice(&out).unwrap();
    assert_eq!(json["version"], 2);
    assert_eq!(json["frozen"], false);
    assert_eq!(json["guardian"].as_str().unwrap().to_lowercase(), env.guardian.to_string().to_lowercase());
    let ids = json["identities"].as_array().unwrap();
    let old = ids.iter().find(|i| i["identity"] == b64(&env.ids[0])).unwrap();
    assert_eq!(old["status"], "retiring");
    assert_eq!(old["retire_at"], env.grace_until);
    let new = ids.iter().find(|i| i["identity"] == b64(&env.ids[2])).unwrap();
    assert_eq!(new["release"]["version"], "2.0.0");
    assert_eq!(new["release_id"], 1);
}

#[test]
fn only_the_guardian_revokes_and_instances_are_flagged() {
    let env = start();
    let app = env.app.to_string();
    let kept = b64(&env.ids[1]);

    // Before: every instance is fine (the old one is only retiring).
    let out = env.cmd().args(["app", "instances", &app]).assert().success().get_output().stdout.clone();
    let text = String::from_utf8(out).unwrap();
    assert!(text.contains("3 instance(s)") && text.contains("its identity retires"), "{text}");
    assert!(!text.contains("REFUSED"), "{text}");

    // A key that is not the guardian is refused before anything is sent.
    env.cmd().args(revoke("STRANGER_KEY", &app, &kept)).assert().code(4).stderr(
        predicate::str::contains("is not the guardian of app")
            .and(predicate::str::contains(env.guardian.to_string()))
            .and(predicate::str::contains("nothing was sent")),
    );
    // No key at all: a usage error.
    env.cmd()
        .args(["guardian", "freeze", "--app", &app])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--key-env"));
    // A malformed identity: a usage error.
    env.cmd()
        .args(["--key-env", "GUARDIAN_KEY", "guardian", "revoke", "--app", &app, "--enclave", "not-base64!"])
        .assert()
        .code(2);

    // The guardian revokes in one transaction.
    let done = success_json(env.cmd().arg("--json").args(revoke("GUARDIAN_KEY", &app, &kept)));
    assert_eq!(done["action"], "revokeEnclave");
    assert_eq!(done["version"], 3);
    assert_eq!(done["removed"][0], kept);
    // Revoking it again is refused, with nothing sent.
    env.cmd()
        .args(revoke("GUARDIAN_KEY", &app, &kept))
        .assert()
        .code(4)
        .stderr(predicate::str::contains("not allowed"));

    // The instance on the revoked identity is flagged (exit 4) but NOT refused: the module
    // evicts nobody on rofl.Update, so it keeps its rights until its registration expires and
    // only cannot renew. (This test used to expect "REFUSED" here, which was the stand-in's
    // old, wrong behaviour.)
    let assert = env.cmd().args(["app", "instances", &app]).assert().code(4);
    let text = String::from_utf8(assert.get_output().stdout.clone()).unwrap();
    assert!(text.contains("REVOKED identity"), "{text}");
    assert!(text.contains("still authorized until epoch") && text.contains("cannot renew"), "{text}");
    assert!(!text.contains("REFUSED"), "{text}");
    let stderr = String::from_utf8_lossy(&assert.get_output().stderr).into_owned();
    assert!(stderr.contains("1 instance(s)") && stderr.contains("still authorized"), "{stderr}");
    let out =
        env.cmd().args(["--json", "app", "instances", &app]).assert().code(4).get_output().stdout.clone();
    // One document: a failing command that produced a list keeps it under `result`.
    let document: Value = serde_json::from_slice(&out).expect("exactly one JSON document");
    assert_eq!(document["error"]["code"], 4, "{document:#}");
    let list = &document["result"];
    let revoked: Vec<&Value> = list
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| i["flags"].as_array().unwrap().iter().any(|f| f["flag"] == "revoked_identity"))
        .collect();
    assert_eq!(revoked.len(), 1);
    assert_eq!(
        revoked[0]["address"].as_str().unwrap().to_lowercase(),
        env.chain.accounts()[7].to_string().to_lowercase()
    );
    assert_eq!(revoked[0]["authorized"], true);
    assert_eq!(revoked[0]["expired"], false);
    let expires = revoked[0]["expiration_epoch"].as_u64().unwrap();
    let on_new = list
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["identity"]["mr_enclave"] == serde_json::to_value(env.ids[2].mr_enclave).unwrap())
        .unwrap();
    assert_eq!(on_new["release"][1]["version"], "2.0.0");

    // The others renew (as the app core does every epoch); once the revoked instance's
    // registration expires, it is refused.
    env.rt.block_on(async {
        let module = RoflStandIn::new(env.chain.provider().clone());
        let epoch = env.chain.advance_epochs(1).await.unwrap();
        for i in [0, 2] {
            let (owner, instance) = (env.chain.accounts()[0], env.chain.accounts()[6 + i]);
            module.register_instance(owner, env.app, instance, &env.ids[i], epoch + 20).await.unwrap();
        }
        env.chain.advance_epochs(expires - epoch).await.unwrap();
    });
    let assert = env.cmd().args(["app", "instances", &app]).assert().code(4);
    let text = String::from_utf8(assert.get_output().stdout.clone()).unwrap();
    assert!(text.contains(&format!("REFUSED: registration expired at epoch {expires}")), "{text}");
    assert_eq!(text.matches("REFUSED").count(), 1, "{text}");
    assert!(String::from_utf8_lossy(&assert.get_output().stderr).contains("registrations have expired"));

    // Prune is refused before the deadline, and works after it, from any key.
    env.cmd()
        .args(["--key-env", "STRANGER_KEY", "app", "prune", "--app", &app])
        .assert()
        .code(4)
        .stderr(predicate::str::contains("nothing to prune"));
    env.rt.block_on(env.chain.advance_time(10 * 86_400 + 1)).unwrap();
    env.cmd()
        .args(["--key-env", "STRANGER_KEY", "app", "prune", "--app", &app])
        .assert()
        .success()
        .stdout(predicate::str::contains(b64(&env.ids[0])));
}

#[test]
fn help_describes_the_guardian_commands() {
    let mut cmd = Command::cargo_bin("roflgov").unwrap();
    cmd.args(["guardian", "--help"]).assert().success().stdout(
        predicate::str::contains("revoke")
            .and(predicate::str::contains("freeze"))
            .and(predicate::str::contains("without a vote")),
    );
    let mut cmd = Command::cargo_bin("roflgov").unwrap();
    cmd.args(["app", "--help"])
        .assert()
        .success()
        .stdout(predicate::str::contains("instances").and(predicate::str::contains("prune")));
    let mut cmd = Command::cargo_bin("roflgov").unwrap();
    cmd.args(["propose", "--help"]).assert().success().stdout(
        predicate::str::contains("--release-version")
            .and(predicate::str::contains("--commit"))
            .and(predicate::str::contains("--notes-file"))
            .and(predicate::str::contains("--grace-days")),
    );
}

/// On Sapphire an unsigned dry run runs as sender 0, so the guardian's pre-flight check would
/// fail there: through the local Sapphire-RPC mode the binary must dry-run with a signed query
/// and the guardian's revoke and freeze still go through, while a stranger is refused.
#[test]
fn the_guardian_revokes_and_freezes_through_sapphire_rpc() {
    let env = start_with(LocalChainOptions::sapphire());
    let app = env.app.to_string();
    let kept = b64(&env.ids[1]);
    // Sapphire Localnet's chain id (0x5afd) is the built-in `localnet` network.
    let cmd = || {
        let mut cmd = env.cmd();
        cmd.args(["--network", "localnet"]);
        cmd
    };
    cmd()
        .args(revoke("STRANGER_KEY", &app, &kept))
        .assert()
        .code(4)
        .stderr(predicate::str::contains("is not the guardian of app"));
    let done = success_json(cmd().arg("--json").args(revoke("GUARDIAN_KEY", &app, &kept)));
    assert_eq!(done["action"], "revokeEnclave");
    assert_eq!(done["removed"][0], kept);
    cmd().args(["--key-env", "GUARDIAN_KEY", "guardian", "freeze", "--app", &app]).assert().success();
    let out =
        cmd().args(["--json", "app", "show", "--app", &app]).assert().success().get_output().stdout.clone();
    let shown: Value = serde_json::from_slice(&out).unwrap();
    assert_eq!(shown["frozen"], true, "{shown:#}");
}
