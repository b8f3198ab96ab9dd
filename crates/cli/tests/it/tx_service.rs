//! `safe propose|confirm|fetch` against a Safe Transaction Service stand-in on the local chain.
//!
//! The real service (github.com/safe-global/safe-transaction-service, a Django app with Postgres,
//! Redis and RabbitMQ) cannot run from the registries this project uses, so [`FakeService`] serves
//! the four endpoints roflgov calls with the service's own validation, read from its source
//! (commit 3e0199c4, `history/serializers.py`, `views.py`, `views_v2.py`):
//!
//! - a path address that is not EIP-55 checksummed: 422 `{"code": 1, "message": "Checksum
//!   address validation failed", "arguments": [address]}`;
//! - `SafeMultisigTransactionSerializer.validate`: the SafeTx hash is recomputed for the Safe
//!   (here by the Safe itself, `getTransactionHash` on anvil: independent of roflgov's EIP-712
//!   code), a different `contractTransactionHash` is refused, the sender must be an owner, each
//!   signature must recover to an owner (recovered here with alloy's ECDSA, not roflgov's
//!   signature code) and the signatures must include the sender's; failures are a 422 with the
//!   serializer's `nonFieldErrors`;
//! - `SafeMultisigConfirmationSerializer`: an unknown hash is a 404 `{"detail": ...}`, a signer
//!   that is not an owner or a duplicated one a 400 `{"signature": [...]}`;
//! - `SafeMultisigTransactionResponseSerializerV2`: numbers as strings, `data` null when empty,
//!   confirmations `{owner, signature, signatureType}`.
//!
//! It can also lie (a hash that does not match the fields, a signature by a non-owner) to show
//! `safe fetch` refuses what does not check out.

use std::sync::{Arc, Mutex};

use alloy::{
    primitives::{Address, B256, Bytes, Signature, U256, eip191_hash_message},
    providers::DynProvider,
    signers::{SignerSync, local::PrivateKeySigner},
    sol,
};
use predicates::prelude::*;
use roflgov_devnet::LocalChain;
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::support::{
    env::CliEnv,
    fixtures::{ids_of, manifest},
    flows::{propose, safe_tx},
};

sol! {
    #[sol(rpc)]
    #[allow(clippy::too_many_arguments)]
    interface ISafe {
        function getOwners() external view returns (address[] memory);
        function nonce() external view returns (uint256);
        function getTransactionHash(
            address to, uint256 value, bytes calldata data, uint8 operation, uint256 safeTxGas,
            uint256 baseGas, uint256 gasPrice, address gasToken, address refundReceiver, uint256 _nonce
        ) external view returns (bytes32);
    }
}

/// How the fake answers `GET v2/multisig-transactions/{hash}/`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Lie {
    None,
    /// `value` changed, the stated hash kept.
    FieldsDoNotMatchHash,
    /// An extra confirmation signed by a key that is not an owner.
    NonOwnerSignature,
}

#[derive(Clone, Debug)]
struct Stored {
    safe: Address,
    body: Value,
    hash: B256,
    /// (owner, signature, type)
    confirmations: Vec<(Address, Bytes, &'static str)>,
}

struct FakeService {
    provider: DynProvider,
    txs: Mutex<Vec<Stored>>,
    lie: Mutex<Lie>,
    outsider: PrivateKeySigner,
}

type Answer = (u16, Value);

fn field_error(msg: String) -> Answer {
    (422, json!({ "nonFieldErrors": [msg] }))
}

/// safe_eth's `EthereumAddressField`: a checksummed address (the service refuses others).
fn checksummed(v: &Value, key: &str) -> Result<Address, Answer> {
    let text = v[key].as_str().unwrap_or_default();
    Address::parse_checksummed(text, None)
        .map_err(|_| (400, json!({ key: [format!("Address {text} is not checksumed")] })))
}

fn number(v: &Value, key: &str) -> Result<U256, Answer> {
    match &v[key] {
        Value::Number(n) => Ok(U256::from(n.as_u64().unwrap())),
        Value::String(s) => s.parse().map_err(|_| (400, json!({ key: ["A valid integer is required."] }))),
        _ => Err((400, json!({ key: ["This field is required."] }))),
    }
}

/// `SafeSignature.parse_signature` for EOA signatures: 65-byte chunks, v 27/28 (EIP-712 hash)
/// or 31/32 (eth_sign of the hash).
fn recover(signature: &[u8], hash: B256) -> Result<Vec<(Address, Bytes, &'static str)>, String> {
    if signature.is_empty() || !signature.len().is_multiple_of(65) {
        return Err(format!("Signature length {} is not a multiple of 65", signature.len()));
    }
    signature
        .chunks(65)
        .map(|chunk| {
            let v = chunk[64];
            let (prehash, parity, kind) = match v {
                27 | 28 => (hash, v == 28, "EOA"),
                31 | 32 => (eip191_hash_message(hash), v == 32, "ETH_SIGN"),
                _ => return Err(format!("Signature type v={v} is not supported here")),
            };
            let sig = Signature::new(
                U256::from_be_slice(&chunk[..32]),
                U256::from_be_slice(&chunk[32..64]),
                parity,
            );
            let owner = sig.recover_address_from_prehash(&prehash).map_err(|e| e.to_string())?;
            Ok((owner, Bytes::copy_from_slice(chunk), kind))
        })
        .collect()
}

impl FakeService {
    async fn owners(&self, safe: Address) -> Vec<Address> {
        ISafe::new(safe, self.provider.clone()).getOwners().call().await.unwrap()
    }

    async fn propose(&self, address: &str, body: Value) -> Answer {
        let Ok(safe) = Address::parse_checksummed(address, None) else {
            return (
                422,
                json!({"code": 1, "message": "Checksum address validation failed", "arguments": [address]}),
            );
        };
        match self.validate_proposal(safe, &body).await {
            Ok(stored) => {
                let mut txs = self.txs.lock().unwrap();
                match txs.iter_mut().find(|t| t.hash == stored.hash) {
                    Some(existing) => {
                        for c in stored.confirmations {
                            if !existing.confirmations.iter().any(|e| e.0 == c.0) {
                                existing.confirmations.push(c);
                            }
                        }
                    }
                    None => txs.push(stored),
                }
                (201, Value::Null)
            }
            Err(answer) => answer,
        }
    }

    async fn validate_proposal(&self, safe: Address, body: &Value) -> Result<Stored, Answer> {
        let to = checksummed(body, "to")?;
        let gas_token = checksummed(body, "gasToken")?;
        let refund_receiver = checksummed(body, "refundReceiver")?;
        let sender = checksummed(body, "sender")?;
        let data: Bytes =
            body["data"].as_str().unwrap_or("0x").parse().map_err(|_| (400, json!({"data": ["bad hex"]})))?;
        let operation = body["operation"].as_u64().ok_or((400, json!({"operation": ["required"]})))?;
        let stated: B256 = body["contractTransactionHash"]
            .as_str()
            .unwrap_or_default()
            .parse()
            .map_err(|_| (400, json!({"contractTransactionHash": ["bad hash"]})))?;
        let nonce = number(body, "nonce")?;
        let safe_contract = ISafe::new(safe, self.provider.clone());
        let hash = safe_contract
            .getTransactionHash(
                to,
                number(body, "value")?,
                data,
                operation as u8,
                number(body, "safeTxGas")?,
                number(body, "baseGas")?,
                number(body, "gasPrice")?,
                gas_token,
                refund_receiver,
                nonce,
            )
            .call()
            .await
            .unwrap();
        if hash != stated {
            return Err(field_error(format!(
                "Contract-transaction-hash={hash} does not match provided contract-tx-hash={stated}"
            )));
        }
        let current: U256 = safe_contract.nonce().call().await.unwrap();
        if nonce < current {
            return Err(field_error(format!("Tx with nonce={nonce} for safe={safe} already executed")));
        }
        let owners = self.owners(safe).await;
        if !owners.contains(&sender) {
            return Err(field_error(format!(
                "Sender={sender} is not an owner or delegate. Current owners={owners:?}. Delegates=set()"
            )));
        }
        let signature: Bytes = body["signature"].as_str().unwrap_or("0x").parse().unwrap_or_default();
        let parsed = recover(&signature, hash).map_err(field_error)?;
        let mut seen = Vec::new();
        for (owner, _, _) in &parsed {
            if !owners.contains(owner) {
                return Err(field_error(format!(
                    "Signer={owner} is not an owner or delegate. Current owners={owners:?}. Delegates=set()"
                )));
            }
            if seen.contains(owner) {
                return Err(field_error(format!("Signature for owner={owner} is duplicated")));
            }
            seen.push(*owner);
        }
        if !seen.is_empty() && !seen.contains(&sender) {
            return Err(field_error(format!(
                "Signature does not match sender={sender}. Calculated owners={seen:?}"
            )));
        }
        Ok(Stored { safe, body: body.clone(), hash, confirmations: parsed })
    }

    async fn confirm(&self, hash: &str, body: Value) -> Answer {
        let not_found = (
            404,
            json!({ "detail": format!("Multisig transaction with safe-tx-hash={hash} was not found") }),
        );
        let Ok(hash) = hash.parse::<B256>() else { return not_found };
        let Some(stored) = self.txs.lock().unwrap().iter().find(|t| t.hash == hash).cloned() else {
            return not_found;
        };
        let signature: Bytes = body["signature"].as_str().unwrap_or("0x").parse().unwrap_or_default();
        let parsed = match recover(&signature, hash) {
            Ok(p) => p,
            Err(e) => return (400, json!({ "signature": [e] })),
        };
        let owners = self.owners(stored.safe).await;
        for (owner, _, _) in &parsed {
            if !owners.contains(owner) {
                return (
                    400,
                    json!({ "signature": [format!("Signer={owner} is not an owner. Current owners={owners:?}")] }),
                );
            }
        }
        let mut txs = self.txs.lock().unwrap();
        let t = txs.iter_mut().find(|t| t.hash == hash).unwrap();
        for c in parsed {
            if !t.confirmations.iter().any(|e| e.0 == c.0) {
                t.confirmations.push(c);
            }
        }
        (201, json!({ "signature": signature }))
    }

    fn answer(&self, t: &Stored) -> Value {
        let b = &t.body;
        let mut confirmations: Vec<Value> = t
            .confirmations
            .iter()
            .map(|(owner, sig, kind)| json!({"owner": owner.to_checksum(None), "submissionDate": "2026-01-01T00:00:00Z", "transactionHash": null, "signature": sig, "signatureType": kind}))
            .collect();
        let mut value = b["value"].clone();
        match *self.lie.lock().unwrap() {
            Lie::None => {}
            Lie::FieldsDoNotMatchHash => {
                value = (value.as_str().unwrap().parse::<u128>().unwrap() + 1).to_string().into();
            }
            Lie::NonOwnerSignature => {
                let sig = self.outsider.sign_hash_sync(&t.hash).unwrap();
                confirmations.push(json!({"owner": self.outsider.address(), "signature": Bytes::from(sig.as_bytes().to_vec()), "signatureType": "EOA"}));
            }
        }
        let data = b["data"].as_str().filter(|d| *d != "0x").map(Value::from).unwrap_or(Value::Null);
        json!({
            "safe": t.safe.to_checksum(None), "to": b["to"], "value": value, "data": data,
            "operation": b["operation"], "gasToken": b["gasToken"], "safeTxGas": b["safeTxGas"],
            "baseGas": b["baseGas"], "gasPrice": b["gasPrice"], "refundReceiver": b["refundReceiver"],
            "nonce": b["nonce"].to_string().trim_matches('"'), "safeTxHash": t.hash, "isExecuted": false,
            "proposer": b["sender"], "trusted": true, "confirmations": confirmations,
        })
    }

    async fn handle(&self, method: &str, target: &str, body: &[u8]) -> Answer {
        let body: Value = serde_json::from_slice(body).unwrap_or(Value::Null);
        let (path, query) = target.split_once('?').unwrap_or((target, ""));
        let parts: Vec<&str> = path.trim_matches('/').split('/').collect();
        match (method, parts.as_slice()) {
            ("POST", ["api", "v2", "safes", address, "multisig-transactions"]) => {
                self.propose(address, body).await
            }
            ("POST", ["api", "v1", "multisig-transactions", hash, "confirmations"]) => {
                self.confirm(hash, body).await
            }
            ("GET", ["api", "v2", "multisig-transactions", hash]) => {
                let found = hash
                    .parse::<B256>()
                    .ok()
                    .and_then(|h| self.txs.lock().unwrap().iter().find(|t| t.hash == h).cloned());
                match found {
                    Some(t) => (200, self.answer(&t)),
                    None => (404, json!({"detail": "No MultisigTransaction matches the given query."})),
                }
            }
            ("GET", ["api", "v2", "safes", address, "multisig-transactions"]) => {
                let Ok(safe) = Address::parse_checksummed(*address, None) else {
                    return (
                        422,
                        json!({"code": 1, "message": "Checksum address validation failed", "arguments": [address]}),
                    );
                };
                let from: u64 = query
                    .split('&')
                    .find_map(|kv| kv.strip_prefix("nonce__gte="))
                    .and_then(|n| n.parse().ok())
                    .unwrap_or(0);
                let results: Vec<Value> = self
                    .txs
                    .lock()
                    .unwrap()
                    .iter()
                    .filter(|t| t.safe == safe && t.body["nonce"].as_u64().unwrap_or(0) >= from)
                    .map(|t| self.answer(t))
                    .collect();
                (200, json!({"count": results.len(), "next": null, "previous": null, "results": results}))
            }
            _ => (404, json!({"detail": "Not found."})),
        }
    }

    /// Serves on 127.0.0.1 until the runtime stops; returns the service's `/api` root.
    async fn serve(self: Arc<Self>) -> String {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/api", listener.local_addr().unwrap());
        tokio::spawn(async move {
            loop {
                let Ok((mut socket, _)) = listener.accept().await else { return };
                let me = self.clone();
                tokio::spawn(async move {
                    let mut buf = Vec::new();
                    let mut chunk = [0u8; 4096];
                    let (head_end, length) = loop {
                        let n = socket.read(&mut chunk).await.unwrap_or(0);
                        if n == 0 {
                            return;
                        }
                        buf.extend_from_slice(&chunk[..n]);
                        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                            let head = String::from_utf8_lossy(&buf[..i]).to_lowercase();
                            let length = head
                                .lines()
                                .find_map(|l| l.strip_prefix("content-length:"))
                                .and_then(|v| v.trim().parse::<usize>().ok())
                                .unwrap_or(0);
                            break (i + 4, length);
                        }
                    };
                    while buf.len() < head_end + length {
                        let n = socket.read(&mut chunk).await.unwrap_or(0);
                        if n == 0 {
                            break;
                        }
                        buf.extend_from_slice(&chunk[..n]);
                    }
                    let head = String::from_utf8_lossy(&buf[..head_end]).to_string();
                    let mut first = head.lines().next().unwrap_or_default().split(' ');
                    let (method, target) =
                        (first.next().unwrap_or_default(), first.next().unwrap_or_default());
                    let (status, answer) = me.handle(method, target, &buf[head_end..]).await;
                    let text = if answer.is_null() { String::new() } else { answer.to_string() };
                    let reply = format!(
                        "HTTP/1.1 {status} X\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{text}",
                        text.len()
                    );
                    let _ = socket.write_all(reply.as_bytes()).await;
                    let _ = socket.shutdown().await;
                });
            }
        });
        url
    }
}

/// The shared CLI environment plus the fake Safe Transaction Service every command talks to.
struct Env {
    base: CliEnv,
    service: Arc<FakeService>,
    url: String,
}

impl std::ops::Deref for Env {
    type Target = CliEnv;

    fn deref(&self) -> &CliEnv {
        &self.base
    }
}

impl Env {
    fn start() -> Self {
        let rt = tokio::runtime::Runtime::new().unwrap();
        let chain = rt.block_on(LocalChain::start()).expect("anvil starts (run `make build` first)");
        let service = Arc::new(FakeService {
            provider: chain.provider().clone(),
            txs: Mutex::new(Vec::new()),
            lie: Mutex::new(Lie::None),
            outsider: chain.signer(4),
        });
        let url = rt.block_on(service.clone().serve());
        let mut base = CliEnv::new(rt, chain);
        base.extra_env.push(("ROFLGOV_TX_SERVICE".into(), url.clone()));
        Env { base, service, url }
    }
}

fn signers(v: &Value) -> Vec<String> {
    v["signers"].as_array().unwrap().iter().map(|s| s.as_str().unwrap().to_lowercase()).collect()
}

#[test]
fn propose_confirm_fetch_execute_through_the_service() {
    let env = Env::start();
    let accounts = env.chain.accounts().to_vec();
    let lower = |i: usize| accounts[i].to_string().to_lowercase();

    // A 2-of-3 Safe (DEV1..DEV3) owns the policy contract and creates the app.
    let deployed = env.deploy_safe(None);
    assert_eq!(deployed["threshold"], 2);
    let app = env.create_app_through_safe(["DEV1", "DEV3"]).to_string();

    // Release 1.1: DEV1 proposes it to the service (signing it on the way).
    let proposed = env.json(&propose(&manifest("1.1"), &app, &["--safe-out", &env.p("release.json")]));
    let hash = proposed["safe_tx_hash"].as_str().unwrap().to_owned();
    // A non-owner cannot propose; nothing reaches the service.
    env.safe("DEV4", "propose", "release.json")
        .assert()
        .code(4)
        .stderr(predicate::str::contains("not an owner"));
    assert!(env.service.txs.lock().unwrap().is_empty());
    let posted = env.json(&safe_tx("DEV1", "propose", &env.p("release.json")));
    assert_eq!(posted["safe_tx_hash"], hash.as_str());
    {
        let txs = env.service.txs.lock().unwrap();
        assert_eq!(txs.len(), 1);
        assert_eq!(txs[0].hash.to_string(), hash);
        assert_eq!(txs[0].confirmations.iter().map(|c| c.0).collect::<Vec<_>>(), vec![accounts[1]]);
    }

    // DEV2 fetches it (one checked signature), then confirms it by hash.
    let fetched = env.json(&["safe", "fetch", "--safe-tx-hash", &hash, "--out", &env.p("fetched.json")]);
    assert_eq!(signers(&fetched), vec![lower(1)]);
    env.cmd()
        .args([
            "review",
            "--safe-tx",
            &env.p("fetched.json"),
            "--manifest",
            &manifest("1.1"),
            "--deployment",
            "local",
        ])
        .assert()
        .success();
    env.cmd().args(["--key-env", "DEV2", "safe", "confirm", "--safe-tx-hash", &hash]).assert().success();

    // The service lies: fields that do not hash to the stated hash, a non-owner's signature.
    *env.service.lie.lock().unwrap() = Lie::FieldsDoNotMatchHash;
    env.cmd()
        .args(["safe", "fetch", "--safe-tx-hash", &hash, "--out", &env.p("lie1.json")])
        .assert()
        .code(4)
        .stderr(predicate::str::contains("hash to").and(predicate::str::contains(&env.url)));
    *env.service.lie.lock().unwrap() = Lie::NonOwnerSignature;
    env.cmd()
        .args(["safe", "fetch", "--safe-tx-hash", &hash, "--out", &env.p("lie2.json")])
        .assert()
        .code(4)
        .stderr(predicate::str::contains("not from an owner"));
    assert!(!env.path("lie1.json").exists() && !env.path("lie2.json").exists());
    *env.service.lie.lock().unwrap() = Lie::None;

    // Both signatures come back; anyone executes; the app holds release 1.1.
    let both = env.json(&["safe", "fetch", "--safe-tx-hash", &hash, "--out", &env.p("final.json")]);
    assert_eq!(signers(&both), vec![lower(1), lower(2)]);
    assert_eq!(env.enclaves(app.parse().unwrap()), ids_of("1.0"));
    let executed = env.json(&safe_tx("DEV4", "execute", &env.p("final.json")));
    assert_eq!(executed["safe_tx_hash"], hash.as_str());
    assert_eq!(env.enclaves(app.parse().unwrap()), ids_of("1.1"));
}

#[test]
fn the_service_refusals_reach_the_user_with_the_url_and_message() {
    use roflgov_safe::{
        SafeTx, sign_safe_tx,
        tx_service::{ProposeBody, TxService, TxServiceError},
    };
    let env = Env::start();
    let deployed = env.deploy_safe(None);
    let safe: Address = deployed["safe"].as_str().unwrap().parse().unwrap();
    let chain_id = env.chain.chain_id();
    let service = TxService::new(&env.url).unwrap();
    let tx =
        SafeTx::call(roflgov_safe::SafeCall::new(env.chain.accounts()[5], U256::from(1u8), Vec::new()), 0);
    let hash = tx.safe_tx_hash(chain_id, safe);
    let sig = |i: usize| {
        Bytes::from(sign_safe_tx(&env.chain.signer(i), &tx, chain_id, safe).unwrap().packed().to_vec())
    };
    let refused = |body: ProposeBody| match env.rt.block_on(service.propose(safe, &body)) {
        Err(TxServiceError::Refused { url, status, message }) => (url, status, message),
        other => panic!("expected a refusal, got {other:?}"),
    };

    // A non-owner sender, a hash that is not the fields', a signature not by the sender.
    let (url, status, message) = refused(ProposeBody::new(&tx, hash, env.chain.accounts()[4], sig(4), "t"));
    assert_eq!(status, 422);
    assert!(url.starts_with(&env.url) && url.contains(&safe.to_checksum(None)), "{url}");
    assert!(message.contains("is not an owner or delegate"), "{message}");
    let (_, _, message) =
        refused(ProposeBody::new(&tx, B256::repeat_byte(1), env.chain.accounts()[1], sig(1), "t"));
    assert!(message.contains("does not match provided contract-tx-hash"), "{message}");
    let (_, _, message) = refused(ProposeBody::new(&tx, hash, env.chain.accounts()[1], sig(2), "t"));
    assert!(message.contains("Signature does not match sender"), "{message}");

    // Accepted; listed as pending; a confirmation by a non-owner is refused (400, by field).
    env.rt
        .block_on(service.propose(safe, &ProposeBody::new(&tx, hash, env.chain.accounts()[1], sig(1), "t")))
        .unwrap();
    let (pending, more) = env.rt.block_on(service.pending(safe, U256::ZERO)).unwrap();
    assert_eq!((pending.len(), more), (1, false));
    assert_eq!(pending[0].safe_tx_hash, hash);
    match env.rt.block_on(service.confirm(hash, &sig(4))) {
        Err(TxServiceError::Refused { status: 400, message, .. }) => {
            assert!(message.starts_with("signature: Signer="), "{message}")
        }
        other => panic!("expected a refusal, got {other:?}"),
    }
    // An unknown hash: the service's 404 detail.
    match env.rt.block_on(service.transaction(B256::repeat_byte(2))) {
        Err(TxServiceError::Refused { status: 404, message, .. }) => {
            assert!(message.contains("No MultisigTransaction"))
        }
        other => panic!("expected a 404, got {other:?}"),
    }
    // Nothing listens: an error naming the URL.
    let gone = TxService::new("http://127.0.0.1:9/api").unwrap();
    let err = env.rt.block_on(gone.transaction(hash)).unwrap_err().to_string();
    assert!(err.contains("http://127.0.0.1:9/api/v2/multisig-transactions/"), "{err}");
    // No service configured: a usage error saying how to give one.
    env.cmd()
        .env_remove("ROFLGOV_TX_SERVICE")
        .args(["safe", "fetch", "--safe-tx-hash", &hash.to_string(), "--out", "x.json"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--tx-service"));
}
