//! The DAO flow driven through the binary against one anvil started here: a Governor whose
//! Timelock owns the policy contract creates an app and ships a release (propose → review →
//! vote → queue → execute, the clock moved with anvil); executing before the Timelock delay and
//! a proposal drafted against an old version are refused with nothing sent.

use predicates::prelude::*;
use roflgov_types::AppId;

use crate::support::{
    env::CliEnv as Env,
    fixtures::{ids_of, manifest},
    flows::{enclaves_added, propose, with_key},
};

impl Env {
    /// Vote for proposal `id` (moving the clock to the vote start with anvil).
    fn vote(&self, id: &str) {
        let voted = self.json(&[
            "--key-env",
            "DEV0",
            "dao",
            "vote",
            "--proposal",
            id,
            "--support",
            "for",
            "--advance-time",
        ]);
        assert_eq!(voted["state"], "active", "{voted}");
    }

    /// Queue proposal `id` (moving the clock past the vote's end).
    fn queue(&self, id: &str) {
        let queued = self.json(&["--key-env", "DEV0", "dao", "queue", "--proposal", id, "--advance-time"]);
        assert_eq!(queued["state"], "queued", "{queued}");
    }
}

#[test]
fn dao_flow_through_the_binary() {
    let env = Env::start();

    let deployed = env.json(&["--key-env", "DEV0", "deploy", "--dao", "--save"]);
    assert!(deployed["governor"].is_string() && deployed["timelock"] == deployed["owner"], "{deployed}");

    // The DAO creates the app (the executor sends the 100 ROSE stake).
    let created = env.propose_app_to_the_dao();
    let id = created["proposal_id"].as_str().unwrap().to_owned();
    assert!(created["description"].as_str().unwrap().contains("#proposer=0x"), "{created}");
    env.vote(&id);
    env.queue(&id);
    env.json(&["--key-env", "DEV0", "dao", "execute", "--proposal", &id, "--advance-time"]);
    let history = env.json(&["app", "history"]);
    let app: AppId = history[0]["app"].as_str().unwrap().parse().unwrap();
    assert_eq!(env.enclaves(app), ids_of("1.0"));

    // Two releases drafted against version 1: 1.1, and 1.2 (which will be stale).
    let release = |v: &str| {
        let out = env.json(&with_key("DEV0", &propose(&manifest(v), &app.to_string(), &["--governor"])));
        out["proposal_id"].as_str().unwrap().to_owned()
    };
    let (r11, r12) = (release("1.1"), release("1.2"));

    // The voters' review: the same diff as for a Safe transaction.
    let review =
        env.json(&["review", "--proposal", &r11, "--manifest", &manifest("1.1"), "--deployment", "local"]);
    assert_eq!(review["source"], "governor_proposal");
    assert_eq!(review["verdict"], "ok");
    assert_eq!(enclaves_added(&review), ids_of("1.1"));

    env.vote(&r11);
    env.vote(&r12);
    env.queue(&r11);
    env.queue(&r12);

    // Executing before the Timelock delay is refused; nothing is sent.
    env.cmd().args(["--key-env", "DEV0", "dao", "execute", "--proposal", &r11]).assert().code(4).stderr(
        predicate::str::contains("Timelock delay is not over")
            .and(predicate::str::contains("nothing was sent")),
    );
    assert_eq!(env.enclaves(app), ids_of("1.0"));

    env.cmd()
        .args(["--key-env", "DEV0", "dao", "execute", "--proposal", &r11, "--advance-time"])
        .assert()
        .success();
    assert_eq!(env.enclaves(app), ids_of("1.1"));

    // 1.2 was drafted against version 1; the app is at version 2 now: stale, refused.
    env.cmd().args(["review", "--proposal", &r12]).assert().code(4).stdout(predicate::str::contains("STALE"));
    env.cmd()
        .args(["--key-env", "DEV0", "dao", "execute", "--proposal", &r12, "--advance-time"])
        .assert()
        .code(4)
        .stderr(predicate::str::contains("stale"));
    assert_eq!(env.enclaves(app), ids_of("1.1"));

    // A fresh 1.2 proposal can be canceled by its proposer while pending.
    let again = release("1.2");
    let canceled = env.json(&["--key-env", "DEV0", "dao", "cancel", "--proposal", &again]);
    assert_eq!(canceled["state"], "canceled");
}
