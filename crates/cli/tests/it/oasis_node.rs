//! `app show` on Sapphire reads the ROFL module through an Oasis node's gRPC-web endpoint: an
//! anvil answering as Sapphire Testnet (chain id 0x5aff, no stand-in) and a local test server
//! answering `rofl.App` with the AppConfig `@oasisprotocol/client` encoded
//! (test/vectors/grpc_query.json, made by tools/crosscheck/grpc.test.js).

use std::{
    io::{BufRead, BufReader, Read, Write},
    net::{TcpListener, TcpStream},
    thread,
};

use assert_cmd::Command;
use predicates::prelude::*;
use roflgov_client::rofl::RoflAdminClient;
use roflgov_devnet::{LocalChain, LocalChainOptions};
use serde_json::Value;

fn vectors() -> Value {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../test/vectors/grpc_query.json");
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// Answers every request with `body` as a grpc-web-text reply; returns its URL.
fn serve(body: String) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let _ = answer(stream, &body);
        }
    });
    url
}

fn answer(stream: TcpStream, body: &str) -> std::io::Result<()> {
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut length = 0;
    loop {
        let mut line = String::new();
        reader.read_line(&mut line)?;
        let line = line.trim_end().to_ascii_lowercase();
        if line.is_empty() {
            break;
        }
        if let Some(value) = line.strip_prefix("content-length:") {
            length = value.trim().parse().unwrap_or(0);
        }
    }
    let mut request = vec![0; length];
    reader.read_exact(&mut request)?;
    let mut stream = stream;
    write!(
        stream,
        "HTTP/1.1 200 OK\r\ncontent-type: application/grpc-web-text\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
        body.len()
    )
}

#[test]
fn app_show_on_sapphire_reads_the_module_through_the_node() {
    let v = vectors();
    let rt = tokio::runtime::Runtime::new().unwrap();
    let chain = rt
        .block_on(LocalChain::start_with(LocalChainOptions {
            chain_id: 0x5aff,
            rofl_stand_in: false,
            accounts: 2,
            sapphire_rpc: false,
        }))
        .expect("anvil starts (run `make build` first)");
    let owner = chain.accounts()[0];
    let client = rt
        .block_on(RoflAdminClient::deploy_from(chain.provider().clone(), owner, owner))
        .expect("the policy contract deploys");
    let app_hex = v["app_id"].as_str().unwrap();
    let app = roflgov_types::AppId(hex::decode(app_hex).unwrap().try_into().unwrap()).to_string();
    let node = serve(v["responses"]["app_body_text"].as_str().unwrap().to_owned());
    let cmd = |grpc: &str| {
        let mut cmd = Command::cargo_bin("roflgov").unwrap();
        cmd.env_remove("ROFLGOV_NETWORK")
            .env_remove("ROFLGOV_CONFIG")
            .env_remove("ROFLGOV_GRPC")
            .current_dir(std::env::temp_dir())
            .args(["--network", "testnet", "--rpc", &chain.endpoint(), "--grpc", grpc])
            .args(["--policy-contract", &client.address().to_string(), "app", "show", "--app", &app]);
        cmd
    };

    let out = cmd(&node).arg("--json").assert().success().get_output().stdout.clone();
    let out: Value = serde_json::from_slice(&out).unwrap();
    assert_eq!(out["managed"], false);
    assert!(out["source"].as_str().unwrap().contains(&node));
    let expected = &v["expected"]["app"];
    assert_eq!(out["config"]["metadata"], expected["metadata"]);
    assert_eq!(out["config"]["policy"]["max_expiration"], expected["max_expiration"]);

    // The node unreachable: a chain error that says so.
    let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let gone = format!("http://127.0.0.1:{port}");
    cmd(&gone)
        .assert()
        .code(5)
        .stderr(predicate::str::contains("unreachable").and(predicate::str::contains(gone)));
}
