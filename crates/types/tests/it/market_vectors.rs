//! Shared vectors of the `roflmarket.*` bodies and scheduler commands:
//! `test/vectors/roflmarket_bodies.json`, checked against `@oasisprotocol/client-rt` by
//! `tools/crosscheck/roflmarket-bodies.test.js`.
//!
//! Each vector holds the values in a plain JSON form (`fields`: addresses, ids and hashes as hex,
//! commands as objects) and the canonical CBOR roflgov writes for them (`cbor`). The cross-check
//! rebuilds the body from `fields` with the npm client and compares bytes. The committed file must
//! equal what this generator produces; run with `ROFLGOV_BLESS=1` to rewrite it.

use alloy_primitives::B256;
use roflgov_testkit::vectors;
use roflgov_types::{
    Address, AppId,
    market::{
        self, Command, Deployment, InstanceCancel, InstanceChangeAdmin, InstanceCreate, InstanceExecuteCmds,
        InstanceTopUp, MarketCall, OfferId, Term,
    },
};
use serde_json::{Value, json};

const VECTORS_PATH: &str = "roflmarket_bodies.json";

fn talos_provider() -> Address {
    "oasis1qzc8pldvm8vm3duvdrj63wgvkw34y9ucfcxzetqr".parse().unwrap()
}

fn safe() -> Address {
    "oasis1qz2lty9v4glt5ts8ljhfpnd05dy3cwmtnyshws8q".parse().unwrap()
}

fn deployment(metadata: &[(&str, &str)]) -> Deployment {
    Deployment {
        app_id: AppId::from_global_name("test global app"),
        manifest_hash: "2ddf81b85d08dbecb24571ba75858ec94871800b674d581cf37214c0d56263c3"
            .parse::<B256>()
            .unwrap(),
        metadata: metadata.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect(),
    }
}

fn orc_deployment() -> Deployment {
    deployment(&[
        (market::METADATA_ORC_REFERENCE, "ghcr.io/talos-agent/talos:latest-orc@sha256:0123456789abcdef"),
        ("a", "é — ünïcode"),
    ])
}

fn deployment_json(d: &Deployment) -> Value {
    json!({
        "app_id": hex::encode(d.app_id.0),
        "manifest_hash": hex::encode(d.manifest_hash),
        "metadata": d.metadata,
    })
}

fn command_json(command: &Command) -> Value {
    match command {
        Command::Deploy { deployment, wipe_storage } => {
            json!({"method": "Deploy", "deployment": deployment_json(deployment), "wipe_storage": wipe_storage})
        }
        Command::Restart { wipe_storage } => json!({"method": "Restart", "wipe_storage": wipe_storage}),
        Command::Terminate { wipe_storage } => json!({"method": "Terminate", "wipe_storage": wipe_storage}),
    }
}

fn call_json(call: &MarketCall) -> Value {
    match call {
        MarketCall::InstanceCreate(c) => {
            let mut v = json!({
                "provider": hex::encode(c.provider.0),
                "offer": c.offer.to_string(),
                "term": c.term.code(),
                "term_count": c.term_count,
            });
            if let Some(admin) = c.admin {
                v["admin"] = json!(hex::encode(admin.0));
            }
            if let Some(d) = &c.deployment {
                v["deployment"] = deployment_json(d);
            }
            v
        }
        MarketCall::InstanceTopUp(c) => json!({
            "provider": hex::encode(c.provider.0), "id": c.id.to_string(),
            "term": c.term.code(), "term_count": c.term_count,
        }),
        MarketCall::InstanceExecuteCmds(c) => json!({
            "provider": hex::encode(c.provider.0), "id": c.id.to_string(),
            "cmds": c.commands().unwrap().iter().map(command_json).collect::<Vec<_>>(),
        }),
        MarketCall::InstanceChangeAdmin(c) => json!({
            "provider": hex::encode(c.provider.0), "id": c.id.to_string(), "admin": hex::encode(c.admin.0),
        }),
        MarketCall::InstanceCancel(c) => {
            json!({"provider": hex::encode(c.provider.0), "id": c.id.to_string()})
        }
    }
}

fn commands() -> Vec<(&'static str, Command)> {
    vec![
        ("deploy", Command::Deploy { deployment: orc_deployment(), wipe_storage: false }),
        ("deploy_wipe", Command::Deploy { deployment: orc_deployment(), wipe_storage: true }),
        ("deploy_empty_metadata", Command::Deploy { deployment: deployment(&[]), wipe_storage: false }),
        ("restart", Command::Restart { wipe_storage: false }),
        ("restart_wipe", Command::Restart { wipe_storage: true }),
        ("terminate", Command::Terminate { wipe_storage: false }),
    ]
}

fn calls() -> Vec<(&'static str, MarketCall)> {
    let provider = talos_provider();
    let id = market::InstanceId::from_hex("000000000000001e").unwrap();
    vec![
        (
            "create_minimal",
            MarketCall::InstanceCreate(InstanceCreate {
                provider,
                offer: OfferId::from(1),
                admin: None,
                deployment: None,
                term: Term::Month,
                term_count: 1,
            }),
        ),
        (
            "create_full",
            MarketCall::InstanceCreate(InstanceCreate {
                provider,
                offer: OfferId::from(0x0102_0304_0506_0708),
                admin: Some(safe()),
                deployment: Some(orc_deployment()),
                term: Term::Hour,
                term_count: 720,
            }),
        ),
        (
            "top_up",
            MarketCall::InstanceTopUp(InstanceTopUp { provider, id, term: Term::Year, term_count: 2 }),
        ),
        (
            "execute_deploy",
            MarketCall::InstanceExecuteCmds(InstanceExecuteCmds::new(
                provider,
                id,
                &[Command::Deploy { deployment: orc_deployment(), wipe_storage: false }],
            )),
        ),
        (
            "execute_many",
            MarketCall::InstanceExecuteCmds(InstanceExecuteCmds::new(
                provider,
                id,
                &[
                    Command::Deploy { deployment: orc_deployment(), wipe_storage: true },
                    Command::Restart { wipe_storage: false },
                    Command::Terminate { wipe_storage: true },
                ],
            )),
        ),
        ("execute_none", MarketCall::InstanceExecuteCmds(InstanceExecuteCmds::new(provider, id, &[]))),
        (
            "change_admin",
            MarketCall::InstanceChangeAdmin(InstanceChangeAdmin { provider, id, admin: safe() }),
        ),
        ("cancel", MarketCall::InstanceCancel(InstanceCancel { provider, id })),
    ]
}

/// The same value with every object's keys in sorted order, whether or not `serde_json` keeps
/// insertion order (its `preserve_order` feature depends on the other crates of the build).
fn sorted(value: Value) -> Value {
    match value {
        Value::Object(map) => {
            let mut entries: Vec<_> = map.into_iter().collect();
            entries.sort_by(|a, b| a.0.cmp(&b.0));
            Value::Object(entries.into_iter().map(|(k, v)| (k, sorted(v))).collect())
        }
        Value::Array(items) => Value::Array(items.into_iter().map(sorted).collect()),
        other => other,
    }
}

fn generate() -> String {
    let commands: Vec<Value> = commands()
        .iter()
        .map(|(name, c)| json!({"name": name, "fields": command_json(c), "cbor": hex::encode(market::encode_command(c))}))
        .collect();
    let calls: Vec<Value> = calls()
        .iter()
        .map(|(name, c)| {
            json!({"name": name, "method": c.method(), "fields": call_json(c), "cbor": hex::encode(market::encode_call(c))})
        })
        .collect();
    let mut text =
        serde_json::to_string_pretty(&sorted(json!({"commands": commands, "calls": calls}))).unwrap();
    text.push('\n');
    text
}

#[test]
fn committed_market_vectors_are_current() {
    vectors::assert_current(
        VECTORS_PATH,
        &generate(),
        "cargo test -p roflgov-types --test it market_vectors::",
    );
}

#[test]
fn market_vectors_decode_back() {
    for (name, call) in calls() {
        let body = market::encode_call(&call);
        assert_eq!(market::decode_call(call.method(), &body).unwrap(), call, "{name}");
    }
    for (name, command) in commands() {
        assert_eq!(market::decode_command(&market::encode_command(&command)).unwrap(), command, "{name}");
    }
}
