//! Runtime queries of the ROFL module through an Oasis node's gRPC-web endpoint, against a local
//! test server serving what `@oasisprotocol/client` encodes (test/vectors/grpc_query.json, made and
//! checked by tools/crosscheck/grpc.test.js): the request bytes equal the npm client's, its
//! answers parse to the values it encoded, errors are clear, and a review on a Sapphire chain id
//! reads the module through the node (or says it cannot review).

use std::{collections::BTreeMap, net::TcpListener};

use alloy::primitives::{Address as EthAddress, Bytes, U256};
use roflgov_client::{
    firewall::gather_facts_with,
    oasis_node::{ModuleSource, NodeQueryError, RuntimeQueryClient, sapphire_paratime},
};
use roflgov_core::{
    firewall::{self, Expectations, Transaction, Verdict},
    review::{ProposedCall, WarningKind},
    rofl::subcall::{SUBCALL_PRECOMPILE, encode_subcall},
};
use roflgov_devnet::{LocalChain, LocalChainOptions};
use roflgov_testkit::grpc::{Reply, Server, market_vectors, ok_body, vectors};
use roflgov_types::{
    Address as OasisAddress, AppId,
    cbor::encode_update,
    policy::Update,
    query::{
        METHOD_APP, METHOD_APP_INSTANCES, METHOD_MARKET_INSTANCE, METHOD_MARKET_INSTANCE_COMMANDS,
        METHOD_MARKET_INSTANCES, MarketInstance, PublicKey, QueryRequest, RUNTIME_CLIENT_QUERY,
        SAPPHIRE_TESTNET_RUNTIME_ID, app_query, grpc_web_text_body, instance_query, provider_query,
    },
};
use serde_json::Value;

fn s<'a>(v: &'a Value, path: &[&str]) -> &'a str {
    path.iter().fold(v, |v, key| &v[key]).as_str().unwrap_or_else(|| panic!("{path:?} is a string"))
}

fn app_id(v: &Value) -> AppId {
    AppId(hex::decode(s(v, &["app_id"])).unwrap().try_into().unwrap())
}

#[test]
fn request_bytes_equal_the_npm_clients() {
    let v = vectors();
    assert_eq!(s(&v, &["runtime_id"]), hex::encode(SAPPHIRE_TESTNET_RUNTIME_ID));
    let id = app_id(&v);
    for (name, method) in [("app", METHOD_APP), ("instances", METHOD_APP_INSTANCES)] {
        let request = QueryRequest::latest(SAPPHIRE_TESTNET_RUNTIME_ID, method, app_query(&id));
        assert_eq!(grpc_web_text_body(&request.encode()), s(&v, &["request", name, "body_text"]), "{method}");
        assert_eq!(s(&v, &["request", name, "method"]), method);
    }
    assert_eq!(sapphire_paratime(0x5aff).unwrap().runtime_id, SAPPHIRE_TESTNET_RUNTIME_ID);
}

#[tokio::test]
async fn answers_encoded_by_the_npm_client_parse_to_their_values() {
    let v = vectors();
    let id = app_id(&v);
    let server = Server::start(Reply::grpc_text(s(&v, &["responses", "app_body_text"])));
    let client = RuntimeQueryClient::new(&format!("{}/", server.url), SAPPHIRE_TESTNET_RUNTIME_ID);

    let app = client.app(id).await.expect("rofl.App answers").expect("the app exists");
    let seen = server.last();
    assert_eq!(seen.path, s(&v, &["request", "app", "path"]));
    assert_eq!(
        seen.body,
        s(&v, &["request", "app", "body_text"]),
        "the bytes on the wire are the npm client's"
    );
    assert_eq!(seen.headers["content-type"], "application/grpc-web-text");
    assert_eq!(seen.headers["x-grpc-web"], "1");

    let e = &v["expected"]["app"];
    assert_eq!(app.config.id, id);
    assert_eq!(hex::encode(app.config.admin.expect("an admin").0), s(e, &["admin"]));
    assert_eq!(app.stake.amount.to_string(), s(e, &["stake"]));
    assert_eq!(app.stake.denomination, "", "native");
    assert_eq!(hex::encode(app.sek), s(e, &["sek"]));
    let metadata: BTreeMap<String, String> = serde_json::from_value(e["metadata"].clone()).unwrap();
    assert_eq!(app.config.metadata, metadata);
    assert_eq!(
        app.config.secrets.iter().map(|(k, v)| (k.clone(), hex::encode(v))).collect::<BTreeMap<_, _>>(),
        BTreeMap::from([("TOKEN".to_owned(), s(e, &["secrets", "TOKEN"]).to_owned())])
    );
    assert_eq!(app.config.policy.enclaves.len(), 1);
    assert_eq!(
        hex::encode(app.config.policy.enclaves[0].mr_enclave),
        e["enclaves"][0]["mr_enclave"].as_str().unwrap()
    );
    assert_eq!(app.config.policy.max_expiration, e["max_expiration"].as_u64().unwrap());

    server.set(Reply::grpc_text(s(&v, &["responses", "instances_body_text"])));
    let instances = client.app_instances(id).await.expect("rofl.AppInstances answers");
    assert_eq!(server.last().body, s(&v, &["request", "instances", "body_text"]));
    let expected = v["expected"]["instances"].as_array().unwrap();
    assert_eq!(instances.len(), expected.len());
    for (got, want) in instances.iter().zip(expected) {
        assert_eq!(got.app, id);
        assert_eq!(hex::encode(got.rak), s(want, &["rak"]));
        assert_eq!(hex::encode(got.node_id), s(want, &["node_id"]));
        assert_eq!(got.entity_id.map(hex::encode), want["entity_id"].as_str().map(str::to_owned));
        assert_eq!(got.expiration, want["expiration"].as_u64().unwrap());
        let keys: Vec<String> = got
            .extra_keys
            .iter()
            .map(|k| match k {
                PublicKey::Secp256k1(key) => hex::encode(key),
                other => panic!("unexpected key {other:?}"),
            })
            .collect();
        let want_keys: Vec<String> = serde_json::from_value(want["extra_keys"].clone()).unwrap();
        assert_eq!(keys, want_keys);
        let metadata: BTreeMap<String, String> = serde_json::from_value(want["metadata"].clone()).unwrap();
        assert_eq!(got.metadata, metadata);
    }
}

#[tokio::test]
async fn errors_are_clear_and_escaped() {
    let v = vectors();
    let id = app_id(&v);
    let error = &v["responses"]["error"];
    // The module's "unknown app" (status built by the npm package's protobuf): no such app.
    let server =
        Server::start(Reply::error(2, s(error, &["message"]), Some(s(error, &["status_details_bin"]))));
    let client = RuntimeQueryClient::new(&server.url, SAPPHIRE_TESTNET_RUNTIME_ID);
    assert!(client.app(id).await.expect("not an error").is_none());

    // Any other module error is reported with the module, its code and the escaped message.
    server.set(Reply::error(2, "forbidden\x1b[2J\nnext", None));
    let err = client.app_instances(id).await.unwrap_err();
    let text = err.to_string();
    assert!(matches!(err, NodeQueryError::Status { .. }), "{text}");
    assert!(text.contains("rofl.AppInstances") && text.contains("gRPC status 2"), "{text}");
    assert!(text.contains("forbidden\\u{001b}[2J\\nnext"), "escaped: {text}");
    assert!(!text.contains('\x1b') && !text.contains('\n'), "{text}");

    // Malformed CBOR inside a well-framed answer.
    let mut frame = vec![0u8, 0, 0, 0, 3, 0xa1, 0x64, 0x64];
    frame.extend_from_slice(&[0x80, 0, 0, 0, 15]);
    frame.extend_from_slice(b"grpc-status:0\r\n");
    use base64::Engine as _;
    server.set(Reply::grpc_text(&base64::engine::general_purpose::STANDARD.encode(&frame)));
    let err = client.app(id).await.unwrap_err();
    assert!(matches!(err, NodeQueryError::Malformed { .. }), "{err}");

    // Not a gRPC-web endpoint at all.
    server.set(Reply {
        status: 404,
        headers: vec![("content-type", "text/html".into())],
        body: "<html>".into(),
    });
    let err = client.app(id).await.unwrap_err();
    assert!(matches!(err, NodeQueryError::NotGrpcWeb { .. }), "{err}");

    // Nobody listening.
    let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let client = RuntimeQueryClient::new(&format!("http://127.0.0.1:{port}"), SAPPHIRE_TESTNET_RUNTIME_ID);
    let err = client.app(id).await.unwrap_err();
    assert!(matches!(err, NodeQueryError::Unreachable { .. }), "{err}");
    assert!(err.to_string().contains(&format!("127.0.0.1:{port}")), "{err}");
}

/// A Safe batch that calls the subcall precompile directly with a `rofl.Update` (today's flow).
fn direct_update(id: AppId) -> Transaction {
    let update = Update {
        id,
        policy: Default::default(),
        admin: None,
        metadata: Default::default(),
        secrets: Default::default(),
    };
    let data = encode_subcall("rofl.Update", &encode_update(&update));
    Transaction::Calls {
        executor: EthAddress::repeat_byte(0x70),
        chain_id: Some(0x5aff),
        calls: vec![ProposedCall::call(SUBCALL_PRECOMPILE, U256::ZERO, Bytes::from(data.to_vec()))],
        description: None,
        description_verified: false,
    }
}

#[tokio::test]
async fn a_review_on_sapphire_reads_the_module_through_the_node() {
    let v = vectors();
    let id = app_id(&v);
    // A local chain that answers as Sapphire Testnet (chain id 0x5aff), without the stand-in.
    let chain = LocalChain::start_with(LocalChainOptions {
        chain_id: 0x5aff,
        rofl_stand_in: false,
        accounts: 2,
        sapphire_rpc: false,
    })
    .await
    .expect("anvil starts");
    let provider = chain.provider().clone();
    let server = Server::start(Reply::grpc_text(s(&v, &["responses", "app_body_text"])));
    let tx = direct_update(id);

    let facts = gather_facts_with(&provider, None, &tx, Some(&server.url)).await;
    assert_eq!(server.last().body, s(&v, &["request", "app", "body_text"]));
    let config = &facts.apps.get(&id).expect("the module's config, read through the node").config;
    assert_eq!(config.metadata.len(), 2);
    let report = firewall::review(&tx, &facts, &Expectations::default());
    assert_eq!(report.apps.len(), 1, "the app is reviewed against the module's config");
    assert!(!report.findings.iter().any(|f| f.kind == WarningKind::StateUnknown), "{:?}", report.findings);
    assert!(!report.verdict.is_ok(), "dropping the admin, metadata and secrets is critical");

    // The node unreachable: the review says so and cannot review.
    let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let gone = format!("http://127.0.0.1:{port}");
    let facts = gather_facts_with(&provider, None, &tx, Some(&gone)).await;
    let report = firewall::review(&tx, &facts, &Expectations::default());
    assert_eq!(report.verdict, Verdict::CannotReview);
    assert!(
        report.findings.iter().any(|f| f.message.contains("unreachable") && f.message.contains(&gone)),
        "{:?}",
        report.findings
    );
    assert!(matches!(ModuleSource::for_chain(31337, Some(&gone)), ModuleSource::StandIn));
}

fn check_instance(got: &MarketInstance, want: &Value) {
    assert_eq!(hex::encode(got.provider.0), s(want, &["provider"]));
    assert_eq!(got.id, want["id"].as_u64().unwrap());
    assert_eq!(got.status.as_str(), s(want, &["status"]));
    assert_eq!(hex::encode(got.admin.0), s(want, &["admin"]));
    assert_eq!(got.node_id.map(hex::encode), want["node_id"].as_str().map(str::to_owned));
    let deployment = got.deployment.as_ref();
    assert_eq!(deployment.map(|d| hex::encode(d.app_id.0)), want["app_id"].as_str().map(str::to_owned));
    assert_eq!(
        deployment.map(|d| hex::encode(d.manifest_hash)),
        want["manifest_hash"].as_str().map(str::to_owned)
    );
    assert_eq!(got.paid_until, want["paid_until"].as_u64().unwrap());
    assert_eq!(got.cmd_next_id, want["cmd_next_id"].as_u64().unwrap());
    assert_eq!(got.cmd_count, want["cmd_count"].as_u64().unwrap());
}

#[tokio::test]
async fn roflmarket_queries_match_the_npm_client() {
    let v = market_vectors();
    let provider = OasisAddress(hex::decode(s(&v, &["provider"])).unwrap().try_into().unwrap());
    let id = v["instance_id"].as_u64().unwrap();
    let data = |name: &str| hex::decode(s(&v, &["responses", name])).unwrap();
    let server = Server::start(Reply::grpc_text(&ok_body(&data("instance_data"))));
    let client = RuntimeQueryClient::new(&server.url, SAPPHIRE_TESTNET_RUNTIME_ID);

    let instance = client.market_instance(provider, id).await.expect("answers").expect("exists");
    assert_eq!(server.last().body, s(&v, &["request", "instance", "body_text"]), "the npm client's bytes");
    assert_eq!(server.last().path, RUNTIME_CLIENT_QUERY);
    check_instance(&instance, &v["expected"]["instance"]);
    assert_eq!(instance.deployment.unwrap().metadata["net.oasis.deployment.orc.ref"], "rofl.sh/talos:1.1.0");

    server.set(Reply::grpc_text(&ok_body(&data("instances_data"))));
    let instances = client.market_instances(provider).await.expect("answers");
    assert_eq!(server.last().body, s(&v, &["request", "instances", "body_text"]));
    let want = v["expected"]["instances"].as_array().unwrap();
    assert_eq!(instances.len(), want.len());
    for (got, want) in instances.iter().zip(want) {
        check_instance(got, want);
    }

    server.set(Reply::grpc_text(&ok_body(&data("commands_data"))));
    let commands = client.market_instance_commands(provider, id).await.expect("answers");
    assert_eq!(server.last().body, s(&v, &["request", "commands", "body_text"]));
    let want = v["expected"]["commands"].as_array().unwrap();
    assert_eq!(
        commands.iter().map(|c| (c.id, hex::encode(&c.cmd))).collect::<Vec<_>>(),
        want.iter().map(|c| (c["id"].as_u64().unwrap(), s(c, &["cmd"]).to_owned())).collect::<Vec<_>>()
    );
    for (name, method) in [
        ("instance", METHOD_MARKET_INSTANCE),
        ("instances", METHOD_MARKET_INSTANCES),
        ("commands", METHOD_MARKET_INSTANCE_COMMANDS),
    ] {
        assert_eq!(s(&v, &["request", name, "method"]), method);
    }
    let request =
        QueryRequest::latest(SAPPHIRE_TESTNET_RUNTIME_ID, METHOD_MARKET_INSTANCES, provider_query(&provider));
    assert_eq!(grpc_web_text_body(&request.encode()), s(&v, &["request", "instances", "body_text"]));
    let request = QueryRequest::latest(
        SAPPHIRE_TESTNET_RUNTIME_ID,
        METHOD_MARKET_INSTANCE,
        instance_query(&provider, id),
    );
    assert_eq!(grpc_web_text_body(&request.encode()), s(&v, &["request", "instance", "body_text"]));
}

#[tokio::test]
async fn roflmarket_bad_answers_are_clear_errors() {
    let v = market_vectors();
    let provider = OasisAddress(hex::decode(s(&v, &["provider"])).unwrap().try_into().unwrap());
    // The module's InstanceNotFound (roflmarket error 8): no such machine.
    let details = {
        // google.rpc.Status {details: [Any {value: CBOR {code: 8, module: "roflmarket"}}]}.
        let mut cbor = vec![0xa2, 0x64];
        cbor.extend_from_slice(b"code");
        cbor.push(0x08);
        cbor.push(0x66);
        cbor.extend_from_slice(b"module");
        cbor.push(0x6a);
        cbor.extend_from_slice(b"roflmarket");
        let mut any = vec![0x12, cbor.len() as u8];
        any.extend_from_slice(&cbor);
        let mut status = vec![0x1a, any.len() as u8];
        status.extend_from_slice(&any);
        use base64::Engine as _;
        base64::engine::general_purpose::STANDARD.encode(status)
    };
    let server = Server::start(Reply::error(2, "roflmarket: instance not found", Some(&details)));
    let client = RuntimeQueryClient::new(&server.url, SAPPHIRE_TESTNET_RUNTIME_ID);
    assert!(client.market_instance(provider, 9).await.expect("not an error").is_none());

    // An unknown field in the instance: refused, naming the method and the field.
    let mut data = hex::decode(s(&v, &["responses", "instance_data"])).unwrap();
    assert_eq!(data[0], 0xb3, "a map of 19 fields");
    data[0] = 0xb4;
    // Canonical CBOR sorts shorter keys first: a 20-letter key goes last.
    data.push(0x74);
    data.extend_from_slice(&[b'z'; 20]);
    data.push(0x01);
    server.set(Reply::grpc_text(&ok_body(&data)));
    let err = client.market_instance(provider, 7).await.unwrap_err();
    let text = err.to_string();
    assert!(matches!(err, NodeQueryError::Malformed { .. }), "{text}");
    assert!(text.contains("roflmarket.Instance") && text.contains("zzz"), "{text}");

    // A status the module does not have.
    let mut data = hex::decode(s(&v, &["responses", "instance_data"])).unwrap();
    let at = data.windows(7).position(|w| w == b"\x66status").expect("the status key") + 7;
    data[at] = 0x05;
    server.set(Reply::grpc_text(&ok_body(&data)));
    let err = client.market_instance(provider, 7).await.unwrap_err();
    assert!(err.to_string().contains("unknown instance status 5"), "{err}");

    // A command list that is not a list.
    server.set(Reply::grpc_text(&ok_body(&[0xa0])));
    let err = client.market_instance_commands(provider, 7).await.unwrap_err();
    assert!(
        matches!(err, NodeQueryError::Malformed { .. })
            && err.to_string().contains("roflmarket.InstanceCommands"),
        "{err}"
    );
}
