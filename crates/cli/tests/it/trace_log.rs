//! The chain of custody, end to end through the binary on a local chain: a release approved
//! through a 2-of-3 Safe → an instance running one of its identities registers (stand-in
//! registration) → it writes a signed log → `verify-log` and `trace` name the release, its
//! commit and the two owners who signed (`trace` from the key, its public key, a message it
//! signed and a transaction it sent); every kind of tampering (an edited, dropped,
//! reordered or inserted entry, a key of another app, an entry after the registration expired)
//! is reported with its entry number and exit 4; the entries' signatures are recovered
//! independently with ethers (`tools/crosscheck/signed-log.test.js`); `app audit` writes the
//! record as JSON and Markdown.

use std::{collections::BTreeSet, path::Path};

use alloy::{primitives::Address, signers::SignerSync};
use k256::ecdsa::SigningKey;
use roflgov_attest::OrcBundle;
use roflgov_client::rofl::RoflStandIn;
use roflgov_devnet::{LocalChain, StandInDriver};
use roflgov_signed_log::{Entry, LogWriter};
use roflgov_types::{AppId, EnclaveIdentity};
use serde_json::Value;

use crate::support::env::CliEnv as Env;

const ROOT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../..");
const COMMIT: &str = "0123456789abcdef0123456789abcdef01234567";

fn example(name: &str) -> String {
    Path::new(ROOT).join("examples/release").join(name).display().to_string()
}

impl Env {
    /// Runs with `--json` expecting exit 4; the document.
    fn refused(&self, args: &[&str]) -> Value {
        let out = self.cmd().arg("--json").args(args).assert().code(4).get_output().stdout.clone();
        serde_json::from_slice(&out).unwrap()
    }

    /// Signs `file` with two owners and executes it with a third account.
    fn approve(&self, file: &str, signers: [&str; 2], executor: &str) -> Value {
        for key in signers {
            self.cmd()
                .args(["--key-env", key, "safe", "sign", "--safe-tx", &self.p(file)])
                .assert()
                .success();
        }
        self.json(&["--key-env", executor, "safe", "execute", "--safe-tx", &self.p(file)])
    }

    fn create_app(&self, file: &str, scheme: &str) -> AppId {
        self.json(&[
            "app",
            "create",
            "--manifest",
            &example("rofl.yaml"),
            "--deployment",
            "local",
            "--scheme",
            scheme,
            "--safe-out",
            &self.p(file),
        ]);
        let created = self.approve(file, ["DEV1", "DEV3"], "DEV4");
        created["app"].as_str().unwrap().parse().unwrap()
    }

    fn register(&self, app: AppId, instance: Address, identity: &EnclaveIdentity) {
        let stand_in = RoflStandIn::new(self.chain.provider().clone());
        self.rt.block_on(async {
            let epoch = stand_in.current_epoch().await.unwrap();
            stand_in.register_instance(self.dev(0), app, instance, identity, epoch + 2).await.unwrap();
        });
    }

    fn chain_time(&self) -> u64 {
        use alloy::providers::Provider;
        self.rt.block_on(async {
            let block = self.chain.provider().get_block_number().await.unwrap();
            self.chain.provider().get_block_by_number(block.into()).await.unwrap().unwrap().header.timestamp
        })
    }

    fn verify_log(&self, name: &str, lines: &[String], app: AppId) -> Value {
        std::fs::write(self.path(name), lines.iter().map(|l| format!("{l}\n")).collect::<String>()).unwrap();
        self.refused(&["verify-log", &self.p(name), "--app", &app.to_string()])
    }
}

fn key(byte: u8) -> SigningKey {
    SigningKey::from_slice(&[byte; 32]).unwrap()
}

fn addr(v: &Value) -> Address {
    v.as_str().unwrap_or_else(|| panic!("not an address: {v}")).parse().unwrap()
}

/// Asserts that a trace names release 0.2.0, its commit, the identity the instance registered
/// with, and DEV1 and DEV2 as the Safe signers of the decision that allowed it.
fn assert_names_release_and_signers(env: &Env, trace: &Value, identity: &EnclaveIdentity) {
    assert_eq!(trace["identity_known"], true, "{trace:#}");
    let ids = trace["identities"].as_array().unwrap();
    assert_eq!(ids.len(), 2, "both identities of the release were allowed: {trace:#}");
    let ran: Vec<&Value> = ids.iter().filter(|i| i["registered_with"] == true).collect();
    assert_eq!(ran.len(), 1, "{trace:#}");
    let ran = ran[0];
    assert_eq!(ran["identity"], roflgov_attest::identity_to_base64(identity));
    for i in ids {
        assert_eq!(i["release"]["version"], "0.2.0", "{trace:#}");
        assert_eq!(i["release"]["commit"].as_str().unwrap().trim_start_matches("0x"), COMMIT);
        let approval = &i["approval"];
        assert_eq!(approval["via"], "safe", "{trace:#}");
        let signers: BTreeSet<Address> =
            approval["signers"].as_array().unwrap().iter().map(|s| addr(&s["address"])).collect();
        assert_eq!(signers, BTreeSet::from([env.dev(1), env.dev(2)]), "{trace:#}");
    }
}

#[test]
fn chain_of_custody_from_safe_release_to_signed_log() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let chain = rt.block_on(LocalChain::start()).expect("anvil starts (run `make build` first)");
    let env = Env::new(rt, chain);
    let deployed = env.deploy_safe(None);
    let safe = addr(&deployed["safe"]);

    // App 1 runs release 0.1.0; release 0.2.0 (the bundle's two identities) is approved by
    // DEV2 and DEV1 through the Safe.
    let app = env.create_app("create.json", "creator-nonce");
    let bundle = OrcBundle::open(example("hello-rofl.local.orc")).unwrap();
    let new_ids: Vec<EnclaveIdentity> = bundle.identities().iter().map(|c| c.identity).collect();
    let manifest = std::fs::read_to_string(example("rofl.yaml")).unwrap();
    let old: Vec<&str> = manifest.lines().filter(|l| l.trim_start().starts_with("- id: ")).collect();
    assert_eq!(old.len(), 2);
    let mut released = manifest.clone();
    for (line, id) in old.iter().zip(&new_ids) {
        let indent = &line[..line.find('-').unwrap()];
        released =
            released.replace(line, &format!("{indent}- id: {}", roflgov_attest::identity_to_base64(id)));
    }
    std::fs::write(env.path("rofl.yaml"), released).unwrap();
    env.json(&[
        "propose",
        "--manifest",
        &env.p("rofl.yaml"),
        "--deployment",
        "local",
        "--app",
        &app.to_string(),
        "--bundle",
        &example("hello-rofl.local.orc"),
        "--release-version",
        "0.2.0",
        "--repository",
        "https://example.invalid/hello-rofl",
        "--commit",
        COMMIT,
        "--notes-file",
        &example("RELEASE-NOTES.md"),
        "--safe-out",
        &env.p("release.json"),
    ]);
    env.approve("release.json", ["DEV2", "DEV1"], "DEV5");

    // App 2 (another app, same Safe) with an instance of its own; the Safe needs another stake.
    env.rt.block_on(async {
        use alloy::{
            network::TransactionBuilder as _, providers::Provider as _, rpc::types::TransactionRequest,
        };
        let stake = TransactionRequest::default().with_from(env.dev(0)).with_to(safe).with_value(
            alloy::primitives::U256::from(200u64)
                * alloy::primitives::U256::from(10u64).pow(alloy::primitives::U256::from(18u64)),
        );
        env.chain.provider().send_transaction(stake).await.unwrap().get_receipt().await.unwrap();
    });
    let other_app = env.create_app("create-2.json", "creator-round-index");
    assert_ne!(other_app, app);
    let other_identity =
        env.rt.block_on(RoflStandIn::new(env.chain.provider().clone()).app_enclaves(other_app)).unwrap()[0];
    let other_key = key(0x77);
    env.register(other_app, Address::from_private_key(&other_key), &other_identity);

    // An instance of release 0.2.0 registers, then writes four entries.
    let instance_key = key(0x42);
    let instance = Address::from_private_key(&instance_key);
    env.register(app, instance, &new_ids[1]);
    let t0 = env.chain_time();
    let mut writer = LogWriter::new(app, instance_key.clone());
    let lines: Vec<String> = ["started", "answered: 42", "answered: 43", "stopped"]
        .iter()
        .enumerate()
        .map(|(i, p)| writer.entry(t0 + 1 + i as u64, p, true).to_line().trim_end().to_owned())
        .collect();
    std::fs::write(env.path("agent.log"), lines.iter().map(|l| format!("{l}\n")).collect::<String>())
        .unwrap();

    // verify-log: intact, one registration, the release, its commit, the two signers.
    let app_s = app.to_string();
    let ok = env.json(&["verify-log", &env.p("agent.log"), "--app", &app_s]);
    assert_eq!(ok["intact"], true, "{ok:#}");
    assert_eq!(ok["entries"], 4);
    assert_eq!(ok["signers"].as_array().unwrap().iter().map(addr).collect::<Vec<_>>(), vec![instance]);
    assert_eq!(ok["traces"].as_array().unwrap().len(), 1, "{ok:#}");
    assert_names_release_and_signers(&env, &ok["traces"][0], &new_ids[1]);
    let text = env.cmd().args(["verify-log", &env.p("agent.log"), "--app", &app_s]).assert().success();
    let text = String::from_utf8(text.get_output().stdout.clone()).unwrap();
    assert!(text.contains("release #1 0.2.0") && text.contains(COMMIT), "{text}");
    assert!(text.contains(&format!("signed by {}", env.dev(2))), "{text}");

    // trace, by key and by a message the instance signed.
    let at = (t0 + 2).to_string();
    let by_key = env.json(&["trace", "--app", &app_s, "--key", &instance.to_string(), "--at", &at]);
    assert_names_release_and_signers(&env, &by_key, &new_ids[1]);
    let public = hex::encode(instance_key.verifying_key().to_encoded_point(true).as_bytes());
    let by_public = env.json(&["trace", "--app", &app_s, "--key", &format!("0x{public}"), "--at", &at]);
    assert_eq!(by_public["key"], by_key["key"]);
    let signer = alloy::signers::local::PrivateKeySigner::from_signing_key(instance_key.clone());
    let signature = signer.sign_message_sync(b"the answer is 42").unwrap();
    let by_message = env.json(&[
        "trace",
        "--app",
        &app_s,
        "--message",
        "the answer is 42",
        "--signature",
        &format!("0x{}", hex::encode(signature.as_bytes())),
        "--at",
        &at,
    ]);
    assert_names_release_and_signers(&env, &by_message, &new_ids[1]);
    // A transaction the instance signed: the key is its sender, the moment its block.
    let sent = env.rt.block_on(async {
        use alloy::{
            network::{EthereumWallet, TransactionBuilder as _},
            providers::{Provider as _, ProviderBuilder, ext::AnvilApi as _},
            rpc::types::TransactionRequest,
        };
        let one = alloy::primitives::U256::from(10u64).pow(alloy::primitives::U256::from(18u64));
        env.chain.provider().anvil_set_balance(instance, one).await.unwrap();
        let wallet = EthereumWallet::new(signer.clone());
        let p = ProviderBuilder::new().wallet(wallet).connect_http(env.chain.endpoint().parse().unwrap());
        let tx = TransactionRequest::default().with_from(instance).with_to(instance);
        p.send_transaction(tx).await.unwrap().get_receipt().await.unwrap().transaction_hash
    });
    let by_tx = env.json(&["trace", "--app", &app_s, "--tx", &sent.to_string()]);
    assert_eq!(addr(&by_tx["key"]), instance);
    assert_names_release_and_signers(&env, &by_tx, &new_ids[1]);
    // The other app's instance does not trace to this app.
    let refused =
        env.refused(&["trace", "--app", &app_s, "--key", &Address::from_private_key(&other_key).to_string()]);
    assert!(refused["error"]["message"].as_str().unwrap().contains("never registered"), "{refused:#}");

    // Independent check: ethers recovers the instance's address from every entry's digest.
    let recovered = std::process::Command::new("node")
        .arg(Path::new(ROOT).join("tools/crosscheck/signed-log.test.js"))
        .arg(env.path("agent.log"))
        .arg(format!("0x{}", hex::encode(app.0)))
        .output()
        .expect("node runs");
    assert!(recovered.status.success(), "{}", String::from_utf8_lossy(&recovered.stderr));
    let recovered: Value = serde_json::from_slice(&recovered.stdout).unwrap();
    for r in recovered.as_array().unwrap() {
        assert_eq!(addr(&r["recovered"]), instance, "{recovered:#}");
        assert_eq!(r["chained"], true);
        assert_eq!(r["payload_ok"], true);
    }

    // Tampering, each reported at its entry.
    let first_problem = |doc: &Value| doc["problems"][0]["entry"].as_u64().unwrap();
    let mut edited = lines.clone();
    edited[1] = edited[1].replace("answered: 42", "answered: 24");
    assert_eq!(first_problem(&env.verify_log("edited.log", &edited, app)), 2);
    let dropped = [lines[0].clone(), lines[2].clone(), lines[3].clone()];
    assert_eq!(first_problem(&env.verify_log("dropped.log", &dropped, app)), 2);
    let reordered = [lines[0].clone(), lines[2].clone(), lines[1].clone(), lines[3].clone()];
    assert_eq!(first_problem(&env.verify_log("reordered.log", &reordered, app)), 2);
    let inserted = [lines[0].clone(), lines[1].clone(), lines[1].clone(), lines[2].clone(), lines[3].clone()];
    assert_eq!(first_problem(&env.verify_log("inserted.log", &inserted, app)), 3);
    // A key of the other app, correctly chained and signed for this app.
    let last: Entry = serde_json::from_str(&lines[3]).unwrap();
    let mut forger = LogWriter::resume(app, other_key, &last);
    let mut foreign = lines.clone();
    foreign.push(forger.entry(t0 + 10, "forged", true).to_line().trim_end().to_owned());
    let doc = env.verify_log("foreign.log", &foreign, app);
    assert_eq!(first_problem(&doc), 5, "{doc:#}");
    assert!(doc["problems"][0]["problem"].as_str().unwrap().contains("never registered"), "{doc:#}");
    // The whole log, for the other app: every signature fails.
    let doc = env.verify_log("wrong-app.log", &lines, other_app);
    assert_eq!(first_problem(&doc), 1, "{doc:#}");

    // A one-way lock through the same Safe, so that the audit has one to show.
    env.json(&[
        "owner",
        "lock",
        "--app",
        &app_s,
        "--floor",
        "max-expiration",
        "--safe-out",
        &env.p("lock.json"),
    ]);
    env.approve("lock.json", ["DEV1", "DEV2"], "DEV5");

    // `app audit`, before the clock moves: the release, the registration, the signers, the lock.
    let written = env.json(&["app", "audit", "--app", &app_s, "--out-dir", &env.p("audit")]);
    assert_eq!(written["releases"], 1);
    assert_eq!(written["registrations"], 1);
    assert_eq!(written["locks"], 1);
    let audit: Value =
        serde_json::from_str(&std::fs::read_to_string(env.path("audit/audit.json")).unwrap()).unwrap();
    assert_eq!(audit["releases"][0]["version"], "0.2.0");
    assert_eq!(addr(&audit["registrations"][0]["key"]), instance);
    assert_eq!(audit["registrations"][0]["release"]["version"], "0.2.0");
    let md = std::fs::read_to_string(env.path("audit/audit.md")).unwrap();
    assert!(md.contains("## Releases") && md.contains(COMMIT) && md.contains(&instance.to_string()), "{md}");
    assert!(md.contains(&env.dev(1).to_string()) && md.contains(&env.dev(2).to_string()), "{md}");
    assert_eq!(audit["locks"]["lines"][0], "floor: max_expiration may only go down", "{audit:#}");
    assert!(md.contains("## One-way locks") && md.contains("max\\_expiration may only go down"), "{md}");

    // An entry written after the registration expired (the instance did not renew).
    env.rt.block_on(env.chain.advance_epochs(3)).unwrap();
    let mut late = LogWriter::resume(app, instance_key, &last);
    let mut expired = lines;
    expired.push(late.entry(env.chain_time(), "still here", true).to_line().trim_end().to_owned());
    let doc = env.verify_log("expired.log", &expired, app);
    assert_eq!(first_problem(&doc), 5, "{doc:#}");
    assert!(doc["problems"][0]["problem"].as_str().unwrap().contains("expired"), "{doc:#}");
    assert_eq!(doc["problems"].as_array().unwrap().len(), 1, "{doc:#}");
}
