//! Owner actions driven through the binary against one anvil started here: a 2-of-3 Safe sets
//! a guardian and rotates a secret (the value never printed), then hands the policy contract
//! to a DAO (transferOwnership by the Safe, acceptOwnership by a Governor proposal), each step
//! refused by the review until the reviewer declares the expected owner or guardian. Under the
//! DAO, after a guardian freeze, a fixed release with unfreeze and a guardian change ships as
//! one proposal; removing the app is refused without `--override app_removed`.

use predicates::prelude::*;
use roflgov_client::rofl::{RoflAdminClient, RoflStandIn};
use serde_json::Value;

use crate::support::{
    env::CliEnv as Env,
    fixtures::{ids_of, manifest},
};

impl Env {
    /// Vote for, queue and execute Governor proposal `id` (the clock moved with anvil), each
    /// step with `expect`.
    fn pass(&self, gov: &[&str], id: &str, expect: &[&str]) {
        let run = |step: &[&str]| {
            let mut args: Vec<&str> = gov.to_vec();
            args.extend_from_slice(&["--key-env", "DEV0", "dao"]);
            args.extend_from_slice(step);
            args.extend_from_slice(&["--proposal", id, "--advance-time"]);
            args.extend_from_slice(expect);
            self.json(&args)
        };
        assert_eq!(run(&["vote", "--support", "for"])["state"], "active");
        assert_eq!(run(&["queue"])["state"], "queued");
        run(&["execute"]);
    }
}

#[test]
fn owner_actions_through_the_binary() {
    let env = Env::start();
    let accounts = env.chain.accounts();
    let guardian = accounts[5].to_string();

    // A 2-of-3 Safe (DEV1..DEV3) owns the policy contract.
    let deployed = env.deploy_safe(None);
    let policy: alloy::primitives::Address = deployed["policy_contract"].as_str().unwrap().parse().unwrap();
    // A DAO next to it (its own config: the policy contract `deploy --dao` makes is not used).
    let out = env
        .bare()
        .args(["--json", "--config", &env.p("dao.toml"), "--key-env", "DEV0", "deploy", "--dao", "--save"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let dao: Value = serde_json::from_slice(&out).unwrap();
    let timelock_address: alloy::primitives::Address = dao["timelock"].as_str().unwrap().parse().unwrap();
    let timelock = timelock_address.to_string();
    let governor = dao["governor"].as_str().unwrap().to_owned();
    let gov = ["--governor-address", governor.as_str()];

    // The Safe creates the app.
    let app = env.create_app_through_safe(["DEV1", "DEV2"]);
    let app_s = app.to_string();

    // The Safe sets a guardian: critical until the reviewer expects it.
    env.json(&[
        "owner",
        "set-guardian",
        "--app",
        &app_s,
        "--guardian",
        &guardian,
        "--safe-out",
        &env.p("guardian.json"),
    ]);
    env.review_refused_until("guardian.json", "guardian", &["--expect-guardian", &guardian]);
    env.sign_and_execute("guardian.json", &["--expect-guardian", &guardian]);
    let client = RoflAdminClient::new(policy, env.chain.provider().clone());
    assert_eq!(env.rt.block_on(client.guardian(app)).unwrap(), Some(accounts[5]));

    // A secret rotation: set with a new (already encrypted) value; the value is never printed.
    let plaintext = "rotated sealed secret 7f3a";
    let encoded = {
        use base64::Engine as _;
        base64::engine::general_purpose::STANDARD.encode(plaintext)
    };
    std::fs::write(env.path("secret.b64"), format!("{encoded}\n")).unwrap();
    let leaks = || predicate::str::contains(encoded.as_str()).or(predicate::str::contains(plaintext)).not();
    env.cmd()
        .args(["owner", "secret", "set", "--app", &app_s, "--name", "API_TOKEN"])
        .args(["--value-file", &env.p("secret.b64"), "--safe-out", &env.p("secret.json")])
        .assert()
        .success()
        .stdout(leaks())
        .stderr(leaks());
    env.cmd()
        .args(["review", "--safe-tx", &env.p("secret.json")])
        .assert()
        .success()
        .stdout(leaks())
        .stderr(leaks());
    for signer in ["DEV1", "DEV2"] {
        env.safe(signer, "sign", "secret.json").assert().success().stdout(leaks()).stderr(leaks());
    }
    env.safe("DEV4", "execute", "secret.json").assert().success().stdout(leaks()).stderr(leaks());
    let stand_in = RoflStandIn::new(env.chain.provider().clone());
    let secrets = env.rt.block_on(stand_in.app_secrets(app)).unwrap();
    assert_eq!(secrets.get("API_TOKEN").map(|v| v.to_vec()), Some(plaintext.as_bytes().to_vec()));
    // A value file that is not base64 is refused without echoing it.
    std::fs::write(env.path("bad.b64"), "not base64 at all!").unwrap();
    env.cmd()
        .args(["owner", "secret", "set", "--app", &app_s, "--name", "API_TOKEN"])
        .args(["--value-file", &env.p("bad.b64"), "--safe-out", &env.p("bad-secret.json")])
        .assert()
        .code(3)
        .stderr(predicate::str::contains("not base64").and(predicate::str::contains("at all").not()));

    // A rotation from a plaintext on stdin, encrypted to the app's SEK as `oasis rofl secret set`
    // does. The SEK pair is the crosscheck's (tools/crosscheck/secret-vector.js: node's X25519
    // derived the public key). The plaintext is in no argument, output or proposal file; the
    // app's enclave (here: the SEK's private key) gets the plaintext and the name back.
    let sek_private =
        hex::decode("5ecf5ecf5ecf5ecf5ecf5ecf5ecf5ecf5ecf5ecf5ecf5ecf5ecf5ecf5ecf5e0f").unwrap();
    let sek = "LGcstl05Ue7HtCIXu7Pe+oTW9vOng9Ki/U9Iq0IeYUQ=";
    let secret_text = "pl41ntext-s3cret-never-on-chain\n";
    let hidden = || {
        predicate::str::contains("pl41ntext")
            .or(predicate::str::contains(hex::encode(secret_text)))
            .or(predicate::str::contains({
                use base64::Engine as _;
                base64::engine::general_purpose::STANDARD.encode(secret_text)
            }))
            .not()
    };
    let args = [
        "owner",
        "secret",
        "set",
        "--app",
        &app_s,
        "--name",
        "REAL_NAME",
        "--public-name",
        "DB_PASSWORD",
        "--plaintext-file",
        "-",
        "--sek",
        sek,
        "--safe-out",
        &env.p("plain.json"),
    ];
    assert!(args.iter().all(|a| !a.contains("pl41ntext")), "the plaintext is in no argument");
    env.cmd().args(args).write_stdin(secret_text).assert().success().stdout(hidden()).stderr(hidden());
    let file = std::fs::read_to_string(env.path("plain.json")).unwrap();
    assert!(hidden().eval(&file), "the proposal file holds no plaintext");
    env.cmd()
        .args(["review", "--safe-tx", &env.p("plain.json")])
        .assert()
        .success()
        .stdout(hidden().and(predicate::str::contains("DB_PASSWORD")))
        .stderr(hidden());
    env.sign_and_execute("plain.json", &[]);
    let secrets = env.rt.block_on(stand_in.app_secrets(app)).unwrap();
    assert!(!secrets.contains_key("REAL_NAME"), "only the public name is on chain");
    let envelope = roflgov_core::secret::SecretEnvelope::decode(&secrets["DB_PASSWORD"]).unwrap();
    let (name, value) = envelope.open(&sek_private.try_into().unwrap()).unwrap();
    assert_eq!((name.as_slice(), value.as_slice()), (&b"REAL_NAME"[..], secret_text.as_bytes()));
    // A SEK that is not a key is refused, naming the problem.
    env.cmd()
        .args(["owner", "secret", "set", "--app", &app_s, "--name", "X", "--plaintext-file", "-"])
        .args(["--sek", "AAAA", "--safe-out", &env.p("bad-sek.json")])
        .write_stdin(secret_text)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("32").and(hidden()));

    // Hand-over, step 1: the Safe proposes the Timelock as the new owner.
    let t =
        env.json(&["owner", "transfer-ownership", "--to", &timelock, "--safe-out", &env.p("transfer.json")]);
    assert_eq!(t["action"], "transfer_ownership");
    env.review_refused_until("transfer.json", "ownership_transfer", &["--expect-owner", &timelock]);
    env.safe("DEV1", "sign", "transfer.json").assert().code(4);
    env.sign_and_execute("transfer.json", &["--expect-owner", &timelock]);
    let pending = env.rt.block_on(async { client.contract().pendingOwner().call().await }).unwrap();
    assert_eq!(pending, timelock_address);

    // Step 2: the DAO accepts through a Governor proposal; the Safe cannot accept.
    env.cmd()
        .args(["owner", "accept-ownership", "--safe-out", &env.p("accept-by-safe.json")])
        .assert()
        .code(4)
        .stderr(predicate::str::contains("pending owner"));
    let accept =
        env.json(&[&gov[..], &["--key-env", "DEV0", "owner", "accept-ownership", "--governor"]].concat());
    let id = accept["proposal_id"].as_str().unwrap().to_owned();
    env.cmd()
        .args(gov)
        .args(["review", "--proposal", &id])
        .assert()
        .code(4)
        .stdout(predicate::str::contains("ownership_transfer"));
    let review = env.json(&[&gov[..], &["review", "--proposal", &id, "--expect-owner", &timelock]].concat());
    assert_eq!(review["verdict"], "ok", "{review}");
    env.pass(&gov, &id, &["--expect-owner", &timelock]);
    assert_eq!(env.rt.block_on(client.owner()).unwrap(), timelock_address);

    // The guardian freezes the app.
    env.cmd().args(["--key-env", "DEV5", "guardian", "freeze", "--app", &app_s]).assert().success();
    assert!(env.enclaves(app).is_empty());

    // A fixed release alone is refused while frozen; with --unfreeze (and a new guardian) it is
    // one Governor proposal, reviewed as one.
    let release = |extra: &[&str]| {
        let mut cmd = env.cmd();
        cmd.args(gov).args(["--json", "--key-env", "DEV0", "propose", "--manifest", &manifest("1.1")]);
        cmd.args(["--deployment", "local", "--app", &app_s, "--policy-only", "--governor"]).args(extra);
        cmd
    };
    release(&[]).assert().code(4).stderr(predicate::str::contains("--unfreeze"));
    let new_guardian = accounts[4].to_string();
    let out = release(&["--unfreeze", "--set-guardian", &new_guardian])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let proposed: Value = serde_json::from_slice(&out).unwrap();
    let changes: Vec<&str> =
        proposed["changes"].as_array().unwrap().iter().map(|c| c["change"].as_str().unwrap()).collect();
    assert_eq!(changes.first(), Some(&"unfreeze"), "{proposed}");
    assert_eq!(changes.last(), Some(&"set_guardian"), "{proposed}");
    let id = proposed["proposal_id"].as_str().unwrap().to_owned();
    env.cmd().args(gov).args(["review", "--proposal", &id]).assert().code(4);
    let review =
        env.json(&[&gov[..], &["review", "--proposal", &id, "--expect-guardian", &new_guardian]].concat());
    assert_eq!(review["verdict"], "ok", "{review}");
    env.pass(&gov, &id, &["--expect-guardian", &new_guardian]);
    assert_eq!(env.enclaves(app), ids_of("1.1"));
    assert!(!env.rt.block_on(client.is_frozen(app)).unwrap());
    assert_eq!(env.rt.block_on(client.guardian(app)).unwrap(), Some(accounts[4]));

    // Removing the app is refused by the review unless the removal is overridden by name.
    let removal = env.json(
        &[&gov[..], &["--key-env", "DEV0", "owner", "remove-app", "--app", &app_s, "--governor"]].concat(),
    );
    let id = removal["proposal_id"].as_str().unwrap().to_owned();
    env.cmd()
        .args(gov)
        .args(["review", "--proposal", &id])
        .assert()
        .code(4)
        .stdout(predicate::str::contains("app_removed"));
    let review = env.json(&[&gov[..], &["review", "--proposal", &id, "--override", "app_removed"]].concat());
    assert_eq!(review["verdict"], "ok", "{review}");
}
