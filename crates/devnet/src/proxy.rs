//! The local chain's Sapphire-RPC mode: a small JSON-RPC proxy in front of anvil that answers
//! `eth_call` and `eth_estimateGas` as Sapphire's Web3 gateway does. A stand-in, like the ROFL
//! module stand-in: anvil runs the EVM, the proxy only changes who the sender of a query is.
//!
//! - An unsigned `eth_call` runs with `from = 0x0` (oasis-sdk `runtime-sdk/modules/evm`:
//!   `decode_simulate_call_query` on a confidential runtime zeroizes an unauthenticated caller).
//! - A signed query (`data` is a [`SignedCallDataPack`]) is verified as the runtime's
//!   `signed_call::verify` does: the EIP-712 signature over the call's fields must recover to
//!   `from` ("signer != caller"), the sender's nonce must not be above the leash's ("stale
//!   nonce"), the base block must exist with the leash's hash ("base block not found",
//!   "unexpected base block"), and the current block must be within the leash's range
//!   ("current block out of range"). Then the call runs with the recovered sender and the
//!   unwrapped calldata.
//! - `eth_estimateGas` always runs with `from = 0x0` (oasis-sdk `runtime-sdk/src/modules/core`:
//!   `query_estimate_gas` zeroizes the caller on a confidential runtime); a signed pack sent to
//!   it stays the calldata, as on Sapphire.
//! - Everything else passes through untouched (transactions are signed, so their sender is
//!   real on Sapphire too).
//!
//! What it does not model: encrypted calldata and results (`format` 1), the gateway's own gas
//! defaults (roflgov always sends `gas` and `gasPrice` with a signed query), and the gas price
//! of a query (dropped before anvil runs it, so that an account without balance, like 0x0, can
//! be the sender).

use std::{net::SocketAddr, sync::Arc};

use alloy::{
    primitives::{Address, B256, Bytes, U64, U256},
    transports::http::reqwest,
};
use eyre::{Context as _, Result};
use roflgov_core::sapphire::{QueryCall, SignedCallDataPack};
use serde_json::{Value, json};
use tokio::{
    io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader},
    net::{TcpListener, TcpStream},
    task::JoinHandle,
};

use roflgov_client::sapphire::DEFAULT_QUERY_GAS;

/// The largest request body the proxy reads (anything larger is a mistake, not a query).
const MAX_BODY: usize = 16 << 20;

/// A running Sapphire-RPC proxy; it stops when dropped.
#[derive(Debug)]
pub struct SapphireRpcProxy {
    address: SocketAddr,
    task: JoinHandle<()>,
}

impl Drop for SapphireRpcProxy {
    fn drop(&mut self) {
        self.task.abort();
    }
}

#[derive(Debug)]
struct Upstream {
    url: String,
    chain_id: u64,
    http: reqwest::Client,
}

impl SapphireRpcProxy {
    /// Listen on a free port of 127.0.0.1 and forward to `upstream` (anvil), whose chain id
    /// is `chain_id` (the EIP-712 domain of the signed queries it accepts).
    pub async fn start(upstream: String, chain_id: u64) -> Result<Self> {
        Self::start_on(0, upstream, chain_id).await
    }

    /// Like [`SapphireRpcProxy::start`], on `port` of 127.0.0.1 (0: a free one).
    pub async fn start_on(port: u16, upstream: String, chain_id: u64) -> Result<Self> {
        let listener =
            TcpListener::bind(("127.0.0.1", port)).await.wrap_err("binding the Sapphire-RPC proxy")?;
        let address = listener.local_addr()?;
        let upstream = Arc::new(Upstream { url: upstream, chain_id, http: reqwest::Client::new() });
        let task = tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let upstream = upstream.clone();
                tokio::spawn(async move {
                    // A broken connection only ends that connection.
                    let _ = serve(stream, &upstream).await;
                });
            }
        });
        Ok(Self { address, task })
    }

    /// The proxy's HTTP endpoint.
    pub fn endpoint(&self) -> String {
        format!("http://{}", self.address)
    }
}

/// HTTP/1.1 with keep-alive: one JSON-RPC body per POST, answered with `200` and JSON.
async fn serve(stream: TcpStream, upstream: &Upstream) -> std::io::Result<()> {
    let (reader, mut writer) = stream.into_split();
    let mut reader = BufReader::new(reader);
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).await? == 0 {
            return Ok(());
        }
        let mut length = 0usize;
        loop {
            let mut header = String::new();
            if reader.read_line(&mut header).await? == 0 || header == "\r\n" || header == "\n" {
                break;
            }
            if let Some((name, value)) = header.split_once(':')
                && name.trim().eq_ignore_ascii_case("content-length")
            {
                length = value.trim().parse().unwrap_or(0);
            }
        }
        if length > MAX_BODY {
            writer
                .write_all(
                    b"HTTP/1.1 413 Payload Too Large\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
                )
                .await?;
            return Ok(());
        }
        let mut body = vec![0; length];
        reader.read_exact(&mut body).await?;
        let answer = match serde_json::from_slice::<Value>(&body) {
            Ok(Value::Array(batch)) => {
                let mut answers = Vec::with_capacity(batch.len());
                for request in batch {
                    answers.push(upstream.handle(request).await);
                }
                Value::Array(answers)
            }
            Ok(request) => upstream.handle(request).await,
            Err(e) => error(Value::Null, -32700, &format!("parse error: {e}")),
        };
        let answer = serde_json::to_vec(&answer).expect("JSON values serialize");
        let head = format!(
            "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
            answer.len()
        );
        writer.write_all(head.as_bytes()).await?;
        writer.write_all(&answer).await?;
        writer.flush().await?;
    }
}

fn error(id: Value, code: i64, message: &str) -> Value {
    json!({"jsonrpc": "2.0", "id": id, "error": {"code": code, "message": message}})
}

/// The runtime's `Error::InvalidSignedSimulateCall` as the gateway reports it.
fn invalid(id: Value, reason: &str) -> Value {
    error(id, -32000, &format!("invalid signed simulate call query: {reason}"))
}

impl Upstream {
    async fn handle(&self, mut request: Value) -> Value {
        let id = request.get("id").cloned().unwrap_or(Value::Null);
        let method = request.get("method").and_then(Value::as_str).unwrap_or_default().to_owned();
        if method != "eth_call" && method != "eth_estimateGas" {
            return self.forward(&request).await;
        }
        let Some(tx) = request.pointer("/params/0").and_then(Value::as_object) else {
            return self.forward(&request).await;
        };
        let data = match tx.get("input").or_else(|| tx.get("data")).filter(|d| !d.is_null()) {
            None => Bytes::new(),
            Some(data) => match serde_json::from_value::<Bytes>(data.clone()) {
                Ok(data) => data,
                Err(e) => return error(id, -32602, &format!("invalid calldata: {e}")),
            },
        };
        let signed = match SignedCallDataPack::decode(&data) {
            Ok(pack) if method == "eth_call" => pack,
            // eth_estimateGas: the caller is zeroized whatever the data is.
            Ok(_) => None,
            Err(e) => return invalid(id, &e.to_string()),
        };
        let sender = match &signed {
            Some(pack) => match self.verify(&id, &request, pack).await {
                Ok(sender) => sender,
                Err(answer) => return answer,
            },
            None => Address::ZERO,
        };
        let tx = request.pointer_mut("/params/0").and_then(Value::as_object_mut).expect("checked above");
        // A query carries no fee: drop the price fields, so that a sender without balance
        // (0x0 above all) can run it.
        for field in ["gasPrice", "maxFeePerGas", "maxPriorityFeePerGas", "nonce"] {
            tx.remove(field);
        }
        tx.insert("from".into(), json!(sender));
        if let Some(pack) = signed {
            tx.remove("input");
            tx.insert("data".into(), json!(pack.data));
        }
        self.forward(&request).await
    }

    /// The runtime's `signed_call::verify`: signature, then leash. Returns the sender.
    async fn verify(&self, id: &Value, request: &Value, pack: &SignedCallDataPack) -> Result<Address, Value> {
        let tx = &request["params"][0];
        let parse = |name: &str| tx.get(name).filter(|v| !v.is_null()).cloned();
        let from: Address = parse("from")
            .and_then(|f| serde_json::from_value(f).ok())
            .ok_or_else(|| invalid(id.clone(), "a signed query needs `from`"))?;
        let to: Address = parse("to").and_then(|t| serde_json::from_value(t).ok()).unwrap_or_default();
        let quantity = |name: &str| parse(name).and_then(|v| serde_json::from_value::<U256>(v).ok());
        let call = QueryCall {
            from,
            to,
            gas_limit: quantity("gas").map_or(DEFAULT_QUERY_GAS, |g| g.saturating_to()),
            gas_price: quantity("gasPrice").unwrap_or_default(),
            value: quantity("value").unwrap_or_default(),
            data: pack.data.clone(),
        };
        pack.verify(self.chain_id, &call).map_err(|e| invalid(id.clone(), &e.to_string()))?;

        let nonce: U64 = self
            .query("eth_getTransactionCount", json!([from, "latest"]))
            .await
            .map_err(|e| error(id.clone(), -32000, &e))?;
        if nonce.to::<u64>() > pack.leash.nonce {
            return Err(invalid(id.clone(), "stale nonce"));
        }
        let block: Value = self
            .query("eth_getBlockByNumber", json!([U64::from(pack.leash.block_number), false]))
            .await
            .map_err(|e| error(id.clone(), -32000, &e))?;
        let Some(hash) = block.get("hash").and_then(|h| serde_json::from_value::<B256>(h.clone()).ok())
        else {
            return Err(invalid(id.clone(), "base block not found"));
        };
        if hash != pack.leash.block_hash {
            return Err(invalid(id.clone(), "unexpected base block"));
        }
        let current: U64 =
            self.query("eth_blockNumber", json!([])).await.map_err(|e| error(id.clone(), -32000, &e))?;
        if current.to::<u64>().abs_diff(pack.leash.block_number) > pack.leash.block_range {
            return Err(invalid(id.clone(), "current block out of range"));
        }
        Ok(from)
    }

    async fn query<T: serde::de::DeserializeOwned>(&self, method: &str, params: Value) -> Result<T, String> {
        let answer =
            self.forward(&json!({"jsonrpc": "2.0", "id": 0, "method": method, "params": params})).await;
        match answer.get("result") {
            Some(result) => serde_json::from_value(result.clone()).map_err(|e| format!("{method}: {e}")),
            None => Err(format!("{method}: {}", answer.get("error").cloned().unwrap_or_default())),
        }
    }

    async fn forward(&self, request: &Value) -> Value {
        let id = request.get("id").cloned().unwrap_or(Value::Null);
        let sent = self
            .http
            .post(&self.url)
            .header("content-type", "application/json")
            .body(serde_json::to_vec(request).expect("JSON values serialize"))
            .send()
            .await;
        let body = match sent {
            Ok(response) => response.bytes().await,
            Err(e) => return error(id, -32603, &format!("upstream: {e}")),
        };
        match body.map(|b| serde_json::from_slice::<Value>(&b)) {
            Ok(Ok(answer)) => answer,
            Ok(Err(e)) => error(id, -32603, &format!("upstream answered no JSON: {e}")),
            Err(e) => error(id, -32603, &format!("upstream: {e}")),
        }
    }
}
