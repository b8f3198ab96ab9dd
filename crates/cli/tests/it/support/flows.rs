//! Set-ups several CLI tests share, each run through the binary: the command lines of an app
//! creation, a release proposal and a Safe action; the policy contract deployed under a 2-of-3
//! Safe, a proposal file signed by two owners and executed by a third account (the Safe creating
//! the app); the DAO's proposal creating the app, and a proposal voted through.

use assert_cmd::Command;
use roflgov_types::AppId;
use serde_json::Value;

use super::{env::CliEnv, fixtures::manifest};

/// `app create --manifest MANIFEST --deployment local`, then `more` (where it goes: `--safe-out
/// FILE`, `--governor`, …).
pub(crate) fn app_create<'a>(manifest: &'a str, more: &[&'a str]) -> Vec<&'a str> {
    [&["app", "create", "--manifest", manifest, "--deployment", "local"][..], more].concat()
}

/// `propose --manifest MANIFEST --deployment local --app APP`, then `more`.
pub(crate) fn propose<'a>(manifest: &'a str, app: &'a str, more: &[&'a str]) -> Vec<&'a str> {
    [&["propose", "--manifest", manifest, "--deployment", "local", "--app", app][..], more].concat()
}

/// `--key-env KEY safe ACTION --safe-tx FILE`.
pub(crate) fn safe_tx<'a>(key: &'a str, action: &'a str, file: &'a str) -> [&'a str; 6] {
    ["--key-env", key, "safe", action, "--safe-tx", file]
}

/// `--key-env KEY`, then `args`.
pub(crate) fn with_key<'a>(key: &'a str, args: &[&'a str]) -> Vec<&'a str> {
    [&["--key-env", key][..], args].concat()
}

impl CliEnv {
    /// DEV0 deploys (`--save`) the policy contract under a 2-of-3 Safe of DEV1..DEV3, funding
    /// the Safe with `fund_rose` ROSE if given; the deploy document.
    pub(crate) fn deploy_safe(&self, fund_rose: Option<&str>) -> Value {
        let owners: Vec<String> = (1..4).map(|i| self.dev(i).to_string()).collect();
        let owners = owners.join(",");
        let mut args = vec!["--key-env", "DEV0", "deploy", "--safe-owners", &owners, "--threshold", "2"];
        if let Some(rose) = fund_rose {
            args.extend(["--fund-rose", rose]);
        }
        args.push("--save");
        self.json(&args)
    }

    /// `--key-env KEY safe ACTION --safe-tx <tmp>/FILE`, not run yet.
    pub(crate) fn safe(&self, key: &str, action: &str, file: &str) -> Command {
        let mut cmd = self.cmd();
        cmd.args(safe_tx(key, action, &self.p(file)));
        cmd
    }

    /// DEV1 and DEV2 sign the Safe proposal `file`, DEV4 executes it (each with `expect`); the
    /// execution's document.
    pub(crate) fn sign_and_execute(&self, file: &str, expect: &[&str]) -> Value {
        for signer in ["DEV1", "DEV2"] {
            self.safe(signer, "sign", file).args(expect).assert().success();
        }
        self.json(&[&safe_tx("DEV4", "execute", &self.p(file))[..], expect].concat())
    }

    /// The Safe creates the app of `rofl-1.0.yaml`: `app create --safe-out create.json`, signed
    /// by the owners `signers`, executed by DEV4 (not an owner); the app.
    pub(crate) fn create_app_through_safe(&self, signers: [&str; 2]) -> AppId {
        self.json(&app_create(&manifest("1.0"), &["--safe-out", &self.p("create.json")]));
        for key in signers {
            self.safe(key, "sign", "create.json").assert().success();
        }
        let created = self.json(&safe_tx("DEV4", "execute", &self.p("create.json")));
        created["app"].as_str().unwrap().parse().unwrap()
    }

    /// DEV0 opens the Governor proposal creating the app of `rofl-1.0.yaml` (`app create
    /// --governor`); the document.
    pub(crate) fn propose_app_to_the_dao(&self) -> Value {
        self.json(&with_key("DEV0", &app_create(&manifest("1.0"), &["--governor"])))
    }

    /// DEV0 votes for proposal `id`, queues and executes it, moving the clock with anvil
    /// (`--advance-time`); `expect` goes with each step. The execution's document.
    pub(crate) fn vote_queue_execute(&self, id: &str, expect: &[&str]) -> Value {
        let mut done = Value::Null;
        for step in ["vote", "queue", "execute"] {
            let mut args = vec!["--key-env", "DEV0", "dao", step, "--proposal", id, "--advance-time"];
            if step == "vote" {
                args.extend(["--support", "for"]);
            }
            args.extend_from_slice(expect);
            done = self.json(&args);
        }
        done
    }
}

/// The ids of the enclave identities a `review --json` document says the change adds.
pub(crate) fn enclaves_added(review: &Value) -> Vec<&str> {
    let added = review["review"]["diff"]["enclaves_added"].as_array().expect("a diff with enclaves_added");
    added.iter().map(|l| l["id"].as_str().unwrap()).collect()
}

impl CliEnv {
    /// `review --safe-tx <tmp>/FILE` is refused (exit 4, stdout naming `finding`) until the
    /// reviewer declares `expect` (`--expect-guardian ADDR`, …); then its verdict is ok. The
    /// accepted review's document.
    pub(crate) fn review_refused_until(&self, file: &str, finding: &str, expect: &[&str]) -> Value {
        let path = self.p(file);
        self.cmd()
            .args(["review", "--safe-tx", &path])
            .assert()
            .code(4)
            .stdout(predicates::str::contains(finding));
        let accepted = self.json(&[&["review", "--safe-tx", &path][..], expect].concat());
        assert_eq!(accepted["verdict"], "ok", "{accepted}");
        accepted
    }
}
