//! A gRPC-web test server standing in for an Oasis node: answers each request with a fixed
//! grpc-web-text body (or one chosen by the request body), plus the test vectors.

use std::{
    io::{BufRead, BufReader, Read, Write},
    net::{TcpListener, TcpStream},
    thread,
};

use alloy::providers::DynProvider;
use roflgov_client::rofl::RoflAdminClient;
use roflgov_devnet::{LocalChain, LocalChainOptions};
use serde_json::Value;

/// Anvil answering as Sapphire Testnet (chain id 0x5aff, two accounts), with or without the
/// ROFL stand-in and Sapphire-RPC mode, and the policy contract deployed and owned by account 0.
pub(crate) fn start_sapphire(
    rofl_stand_in: bool,
    sapphire_rpc: bool,
) -> (tokio::runtime::Runtime, LocalChain, RoflAdminClient<DynProvider>) {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let chain = rt
        .block_on(LocalChain::start_with(LocalChainOptions {
            chain_id: 0x5aff,
            rofl_stand_in,
            accounts: 2,
            sapphire_rpc,
        }))
        .expect("anvil starts (run `make build` first)");
    let owner = chain.accounts()[0];
    let client = rt
        .block_on(RoflAdminClient::deploy_from(chain.provider().clone(), owner, owner))
        .expect("the policy contract deploys");
    (rt, chain, client)
}

/// The gRPC-web vectors `@oasisprotocol/client` made (test/vectors/grpc_query.json).
pub(crate) fn vectors() -> Value {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../test/vectors/grpc_query.json");
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// Answers every request with `body` as a grpc-web-text reply; returns its URL.
pub(crate) fn serve(body: String) -> String {
    serve_by_request(Vec::new(), body)
}

/// Answers a request whose body is one of `routes`' with its answer, any other with `default`.
pub(crate) fn serve_by_request(routes: Vec<(String, String)>, default: String) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let _ = answer(stream, |request| {
                routes
                    .iter()
                    .find(|(r, _)| r.as_bytes() == request)
                    .map_or(default.as_str(), |(_, a)| a.as_str())
            });
        }
    });
    url
}

/// A successful grpc-web-text answer carrying `data`: the CBOR `{data: bytes}` message (written
/// byte by byte here) framed, then the trailers frame.
pub(crate) fn ok_body(data: &[u8]) -> String {
    let mut message = vec![0xa1, 0x64];
    message.extend_from_slice(b"data");
    match data.len() {
        n @ 0..=23 => message.push(0x40 | n as u8),
        n @ 24..=255 => message.extend_from_slice(&[0x58, n as u8]),
        n => {
            message.push(0x59);
            message.extend_from_slice(&u16::try_from(n).unwrap().to_be_bytes());
        }
    }
    message.extend_from_slice(data);
    let mut body = vec![0];
    body.extend_from_slice(&(message.len() as u32).to_be_bytes());
    body.extend_from_slice(&message);
    let trailers = b"grpc-status:0\r\n";
    body.push(0x80);
    body.extend_from_slice(&(trailers.len() as u32).to_be_bytes());
    body.extend_from_slice(trailers);
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(body)
}

/// Reads one HTTP request and answers it with `reply(request body)` as grpc-web-text.
fn answer<'a>(stream: TcpStream, reply: impl Fn(&[u8]) -> &'a str) -> std::io::Result<()> {
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
    let body = reply(&request);
    let mut stream = stream;
    write!(
        stream,
        "HTTP/1.1 200 OK\r\ncontent-type: application/grpc-web-text\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
        body.len()
    )
}
