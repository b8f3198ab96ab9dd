//! A client of the Safe Transaction Service, the off-chain queue Safe{Wallet} reads: propose a
//! transaction with the proposer's signature, add a confirmation, fetch a transaction with its
//! confirmations, list the pending ones of a Safe.
//!
//! Paths, field names and answers follow the service's source
//! (github.com/safe-global/safe-transaction-service, commit 3e0199c4 of 2026-08-21):
//!
//! - `history/urls_v2.py` + `views_v2.py`: `POST|GET v2/safes/{address}/multisig-transactions/`
//!   and `GET v2/multisig-transactions/{safe_tx_hash}/`. The v1 twins in `urls.py`/`views.py` are
//!   marked `deprecated=True`; `@safe-global/api-kit` 5.0.3 (what Safe{Wallet} builds on) uses
//!   v2, and so do we.
//! - `history/urls.py` + `views.py` `SafeMultisigConfirmationsView`: `POST
//!   v1/multisig-transactions/{safe_tx_hash}/confirmations/` (there is no v2) with `{signature}`.
//! - `config/settings/base.py`: `CamelCaseJSONParser`/`Renderer`, so every key is camelCase
//!   (`safeTxGas`, `contractTransactionHash`, `nonFieldErrors`, ...).
//! - `views_v2.py`: an address in a path that is not EIP-55 checksummed is a 422
//!   `{"code": 1, "message": "Checksum address validation failed"}`; we always send checksummed
//!   addresses.
//! - `history/serializers.py` `SafeMultisigTransactionSerializer.validate`: the service
//!   recomputes the SafeTx hash from the posted fields and the Safe it reads on chain, refuses a
//!   `contractTransactionHash` that differs, requires the sender to be an owner or delegate and
//!   the signature to recover to the sender (422 with the serializer's errors).
//!   `SafeMultisigConfirmationSerializer` checks each signer is an owner (400), an unknown hash
//!   is a 404 `{"detail": ...}`.
//! - `SafeMultisigTransactionResponseSerializerV2`: `value`, `nonce`, `safeTxGas`, `baseGas` and
//!   `gasPrice` come back as strings, `data` as `null` when empty, and `confirmations` as
//!   `{owner, signature, signatureType, ...}`.
//!
//! Nothing the service answers is trusted: [`ServiceTx::verify`] recomputes the SafeTx hash from
//! the fields and recovers every confirmation to an owner.

use std::time::Duration;

use alloy::primitives::{Address, B256, Bytes, U256};
use serde::{Deserialize, Deserializer, Serialize};

use super::{Operation, SafeProposal, SafeSignature, SafeTx, SignatureSet};

/// Timeout of every request to the service.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// What `origin` roflgov writes into a proposal (the service stores it as JSON when it parses).
pub const ORIGIN: &str = r#"{"name":"roflgov"}"#;

/// Failures talking to the service or checking what it answered.
#[derive(Debug, thiserror::Error)]
pub enum TxServiceError {
    /// The service URL is not an http(s) URL.
    #[error("transaction service URL {0:?} is not an http:// or https:// URL")]
    BadUrl(String),
    /// The request did not get an answer (connection, timeout, TLS).
    #[error("{url}: {reason}")]
    Unreachable {
        /// The URL requested.
        url: String,
        /// What went wrong, escaped.
        reason: String,
    },
    /// The service answered with an error status.
    #[error("{url}: the transaction service answered {status}: {message}")]
    Refused {
        /// The URL requested.
        url: String,
        /// The HTTP status.
        status: u16,
        /// The service's message, escaped.
        message: String,
    },
    /// The answer is not the JSON the service's serializers write.
    #[error("{url}: unexpected answer from the transaction service: {reason}")]
    BadAnswer {
        /// The URL requested.
        url: String,
        /// What is wrong with it, escaped.
        reason: String,
    },
    /// The service's transaction does not check out against what roflgov computes.
    #[error("the transaction service's answer does not check out: {0}")]
    Tampered(String),
}

impl roflgov_types::Classified for TxServiceError {
    /// A refusal or an answer that does not check out is a verification failure; a bad
    /// service URL a usage error; an unreachable service or a garbled answer a chain error.
    fn class(&self) -> roflgov_types::FailureClass {
        use roflgov_types::FailureClass;
        match self {
            TxServiceError::Refused { .. } | TxServiceError::Tampered(_) => FailureClass::Verification,
            TxServiceError::BadUrl(_) => FailureClass::Usage,
            TxServiceError::Unreachable { .. } | TxServiceError::BadAnswer { .. } => FailureClass::Chain,
        }
    }
}

/// One request to the service: what `@safe-global/api-kit` would send for the same call.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ServiceRequest {
    /// `GET` or `POST`.
    pub method: &'static str,
    /// The path below the service's `/api` root, with the query.
    pub path: String,
    /// The JSON body of a POST.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub body: Option<serde_json::Value>,
}

/// The body of `POST v2/safes/{address}/multisig-transactions/`
/// (`SafeMultisigTransactionSerializer`; api-kit's `proposeTransaction` spreads
/// `safeTransactionData` and adds the last four).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ProposeBody {
    /// Target, checksummed.
    #[serde(serialize_with = "checksummed")]
    pub to: Address,
    /// Wei, decimal string.
    pub value: String,
    /// Calldata, `0x` when empty.
    pub data: Bytes,
    /// 0 CALL, 1 DELEGATECALL.
    pub operation: u8,
    /// Decimal string.
    pub safe_tx_gas: String,
    /// Decimal string.
    pub base_gas: String,
    /// Decimal string.
    pub gas_price: String,
    /// Checksummed.
    #[serde(serialize_with = "checksummed")]
    pub gas_token: Address,
    /// Checksummed.
    #[serde(serialize_with = "checksummed")]
    pub refund_receiver: Address,
    /// The Safe nonce.
    pub nonce: u64,
    /// The SafeTx hash the service recomputes and compares.
    pub contract_transaction_hash: B256,
    /// The proposer: an owner (or delegate) whose signature this is.
    #[serde(serialize_with = "checksummed")]
    pub sender: Address,
    /// The sender's 65-byte signature of the SafeTx hash.
    pub signature: Bytes,
    /// Free text, stored by the service (Safe{Wallet} shows the name).
    pub origin: String,
}

impl ProposeBody {
    /// The body proposing `tx` (nonce must fit in 64 bits, as every real Safe nonce does).
    pub fn new(tx: &SafeTx, safe_tx_hash: B256, sender: Address, signature: Bytes, origin: &str) -> Self {
        Self {
            to: tx.to,
            value: tx.value.to_string(),
            data: tx.data.clone(),
            operation: tx.operation.into(),
            safe_tx_gas: tx.safe_tx_gas.to_string(),
            base_gas: tx.base_gas.to_string(),
            gas_price: tx.gas_price.to_string(),
            gas_token: tx.gas_token,
            refund_receiver: tx.refund_receiver,
            nonce: tx.nonce.saturating_to(),
            contract_transaction_hash: safe_tx_hash,
            sender,
            signature,
            origin: origin.to_owned(),
        }
    }
}

/// An address as EIP-55 text: safe_eth's `EthereumAddressField` (the service's serializers)
/// refuses any other ("Address ... is not checksumed"), and alloy's serde writes lower case.
fn checksummed<S: serde::Serializer>(address: &Address, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&address.to_checksum(None))
}

/// The request proposing `body` for `safe`.
pub fn propose_request(safe: Address, body: &ProposeBody) -> ServiceRequest {
    ServiceRequest {
        method: "POST",
        path: format!("/v2/safes/{}/multisig-transactions/", safe.to_checksum(None)),
        body: Some(serde_json::to_value(body).expect("a proposal body serializes")),
    }
}

/// The request adding `signature` to the transaction `safe_tx_hash`.
pub fn confirm_request(safe_tx_hash: B256, signature: &Bytes) -> ServiceRequest {
    ServiceRequest {
        method: "POST",
        path: format!("/v1/multisig-transactions/{safe_tx_hash}/confirmations/"),
        body: Some(serde_json::json!({ "signature": signature })),
    }
}

/// The request fetching the transaction `safe_tx_hash` with its confirmations.
pub fn transaction_request(safe_tx_hash: B256) -> ServiceRequest {
    ServiceRequest { method: "GET", path: format!("/v2/multisig-transactions/{safe_tx_hash}/"), body: None }
}

/// The request listing the not yet executed transactions of `safe` from `nonce` on (api-kit's
/// `getPendingTransactions`).
pub fn pending_request(safe: Address, nonce: U256) -> ServiceRequest {
    ServiceRequest {
        method: "GET",
        path: format!(
            "/v2/safes/{}/multisig-transactions/?executed=false&nonce__gte={nonce}",
            safe.to_checksum(None)
        ),
        body: None,
    }
}

/// A number the service writes as a JSON number (v1) or a decimal string (v2).
fn number<'de, D: Deserializer<'de>>(d: D) -> Result<U256, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum N {
        S(String),
        N(u64),
    }
    match N::deserialize(d)? {
        N::N(n) => Ok(U256::from(n)),
        N::S(s) => s.parse::<U256>().map_err(|e| serde::de::Error::custom(format!("number {s:?}: {e}"))),
    }
}

/// One confirmation as the service lists it (`SafeMultisigConfirmationResponseSerializer`).
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ServiceConfirmation {
    /// The owner the service says signed.
    pub owner: Address,
    /// The signature as stored (65 bytes for an EOA).
    pub signature: Bytes,
    /// `EOA`, `ETH_SIGN`, `APPROVED_HASH` or `CONTRACT_SIGNATURE`.
    #[serde(default)]
    pub signature_type: Option<String>,
}

/// A multisig transaction as the service returns it (`SafeMultisigTransactionResponseSerializerV2`,
/// the fields roflgov reads).
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ServiceTx {
    /// The Safe.
    pub safe: Address,
    /// Target.
    pub to: Address,
    /// Wei.
    #[serde(deserialize_with = "number")]
    pub value: U256,
    /// Calldata (`null` when empty).
    #[serde(default)]
    pub data: Option<Bytes>,
    /// 0 CALL, 1 DELEGATECALL.
    pub operation: u8,
    /// Gas reserved for the inner call.
    #[serde(deserialize_with = "number")]
    pub safe_tx_gas: U256,
    /// Refunded base gas.
    #[serde(deserialize_with = "number")]
    pub base_gas: U256,
    /// Refund gas price.
    #[serde(deserialize_with = "number")]
    pub gas_price: U256,
    /// Refund token.
    pub gas_token: Address,
    /// Refund receiver.
    pub refund_receiver: Address,
    /// Safe nonce.
    #[serde(deserialize_with = "number")]
    pub nonce: U256,
    /// The hash the service states (never trusted: see [`ServiceTx::verify`]).
    pub safe_tx_hash: B256,
    /// Whether the service saw it executed.
    #[serde(default)]
    pub is_executed: bool,
    /// Who proposed it.
    #[serde(default)]
    pub proposer: Option<Address>,
    /// The confirmations collected by the service.
    #[serde(default)]
    pub confirmations: Vec<ServiceConfirmation>,
}

/// A page of `GET v2/safes/{address}/multisig-transactions/` (DRF's `DefaultPagination`).
#[derive(Clone, Debug, Deserialize)]
pub struct ServicePage {
    /// Transactions on this page (newest nonce first).
    pub results: Vec<ServiceTx>,
    /// URL of the next page, if any.
    #[serde(default)]
    pub next: Option<String>,
}

/// A service transaction checked against the chain: the proposal and its verified signatures.
#[derive(Clone, Debug)]
pub struct VerifiedServiceTx {
    /// The proposal with the EOA signatures that recover to owners (packed, 65 bytes each).
    pub proposal: SafeProposal,
    /// The owners those signatures recover to, in the service's order.
    pub signers: Vec<Address>,
    /// Confirmations not carried into the proposal: approved-hash and contract signatures
    /// (owner, type). An on-chain approval is seen by `safe execute` anyway.
    pub skipped: Vec<(Address, String)>,
}

impl ServiceTx {
    /// The Safe transaction its fields describe.
    pub fn safe_tx(&self) -> Result<SafeTx, TxServiceError> {
        let operation = Operation::try_from(self.operation).map_err(|_| {
            TxServiceError::Tampered(format!("operation {} is neither CALL nor DELEGATECALL", self.operation))
        })?;
        Ok(SafeTx {
            to: self.to,
            value: self.value,
            data: self.data.clone().unwrap_or_default(),
            operation,
            safe_tx_gas: self.safe_tx_gas,
            base_gas: self.base_gas,
            gas_price: self.gas_price,
            gas_token: self.gas_token,
            refund_receiver: self.refund_receiver,
            nonce: self.nonce,
        })
    }

    /// Check this answer for `requested` (the SafeTx hash asked for) of `safe` on `chain_id`
    /// against the Safe's `owners`: the hash roflgov computes from the fields must be the one
    /// asked for and the one the service states; every EOA / eth_sign confirmation must recover
    /// to an owner, the owner the service names, once. Anything else is [`TxServiceError::Tampered`].
    pub fn verify(
        &self,
        requested: B256,
        chain_id: u64,
        safe: Address,
        owners: &[Address],
        threshold: usize,
    ) -> Result<VerifiedServiceTx, TxServiceError> {
        let bad = |what: String| Err(TxServiceError::Tampered(what));
        if self.safe != safe {
            return bad(format!("the transaction is for Safe {}, not {safe}", self.safe));
        }
        let tx = self.safe_tx()?;
        let computed = tx.safe_tx_hash(chain_id, safe);
        if computed != self.safe_tx_hash || computed != requested {
            return bad(format!(
                "asked for SafeTx {requested}, the service states {}, but its fields hash to {computed} (chain {chain_id}, Safe {safe})",
                self.safe_tx_hash
            ));
        }
        let mut set = SignatureSet::new(computed, owners.iter().copied(), threshold);
        let mut proposal = SafeProposal::new(chain_id, safe, tx);
        let mut signers = Vec::new();
        let mut skipped = Vec::new();
        for (i, c) in self.confirmations.iter().enumerate() {
            let kind = c.signature_type.clone().unwrap_or_default();
            let parsed = match SafeSignature::from_packed(&c.signature) {
                Ok(s @ (SafeSignature::Eip712 { .. } | SafeSignature::EthSign { .. })) => s,
                Ok(SafeSignature::ApprovedHash { .. }) => {
                    skipped.push((c.owner, "APPROVED_HASH".into()));
                    continue;
                }
                Err(_) if c.signature.len() > 65 || c.signature.get(64) == Some(&0) => {
                    skipped.push((c.owner, roflgov_core::text::escape(&kind)));
                    continue;
                }
                Err(e) => return bad(format!("confirmation #{i} (owner {}): {e}", c.owner)),
            };
            let signer = set.insert(parsed.clone()).map_err(|e| {
                TxServiceError::Tampered(format!("confirmation #{i} (said to be by {}): {e}", c.owner))
            })?;
            if signer != c.owner {
                return bad(format!(
                    "confirmation #{i} is said to be by {}, but its signature recovers to {signer}",
                    c.owner
                ));
            }
            signers.push(signer);
            proposal.signatures.push(Bytes::from(parsed.packed().to_vec()));
        }
        Ok(VerifiedServiceTx { proposal, signers, skipped })
    }
}

/// A client of one Safe Transaction Service.
#[derive(Clone, Debug)]
pub struct TxService {
    api: String,
    http: reqwest::Client,
}

impl TxService {
    /// A client of the service at `url`: its `/api` root as api-kit's `txServiceUrl` takes it
    /// (`https://host/api`), or the host alone (`/api` is added).
    pub fn new(url: &str) -> Result<Self, TxServiceError> {
        let trimmed = url.trim_end_matches('/');
        if !(trimmed.starts_with("http://") || trimmed.starts_with("https://"))
            || trimmed.contains(char::is_whitespace)
        {
            return Err(TxServiceError::BadUrl(roflgov_core::text::escape(url)));
        }
        let api = if trimmed.ends_with("/api") { trimmed.to_owned() } else { format!("{trimmed}/api") };
        let http = reqwest::Client::builder()
            .timeout(REQUEST_TIMEOUT)
            .build()
            .map_err(|e| TxServiceError::BadUrl(format!("{url}: {e}")))?;
        Ok(Self { api, http })
    }

    /// The `/api` root requests go below.
    pub fn api_root(&self) -> &str {
        &self.api
    }

    async fn send(&self, request: &ServiceRequest) -> Result<(u16, String, String), TxServiceError> {
        let url = format!("{}{}", self.api, request.path);
        let builder = match request.method {
            "POST" => self.http.post(&url),
            _ => self.http.get(&url),
        }
        .header("Accept", "application/json");
        let builder = match &request.body {
            Some(body) => builder.header("Content-Type", "application/json").body(body.to_string()),
            None => builder,
        };
        let unreachable = |e: reqwest::Error| TxServiceError::Unreachable {
            url: url.clone(),
            reason: roflgov_core::text::escape(&e.to_string()),
        };
        let response = builder.send().await.map_err(unreachable)?;
        let status = response.status().as_u16();
        let text = response.text().await.map_err(unreachable)?;
        if !(200..300).contains(&status) {
            return Err(TxServiceError::Refused { url, status, message: error_message(&text) });
        }
        Ok((status, url, text))
    }

    /// Propose `body` for `safe` (201 Created: stored, or its signature added).
    pub async fn propose(&self, safe: Address, body: &ProposeBody) -> Result<(), TxServiceError> {
        self.send(&propose_request(safe, body)).await.map(|_| ())
    }

    /// Add `signature` to the transaction `safe_tx_hash`.
    pub async fn confirm(&self, safe_tx_hash: B256, signature: &Bytes) -> Result<(), TxServiceError> {
        self.send(&confirm_request(safe_tx_hash, signature)).await.map(|_| ())
    }

    /// The transaction `safe_tx_hash` with its confirmations, as the service states them
    /// (check it with [`ServiceTx::verify`]).
    pub async fn transaction(&self, safe_tx_hash: B256) -> Result<ServiceTx, TxServiceError> {
        let (_, url, text) = self.send(&transaction_request(safe_tx_hash)).await?;
        parse(&url, &text)
    }

    /// The first page of pending (not executed) transactions of `safe` from `nonce` on, and
    /// whether the service has more pages.
    pub async fn pending(
        &self,
        safe: Address,
        nonce: U256,
    ) -> Result<(Vec<ServiceTx>, bool), TxServiceError> {
        let (_, url, text) = self.send(&pending_request(safe, nonce)).await?;
        let page: ServicePage = parse(&url, &text)?;
        Ok((page.results, page.next.is_some()))
    }
}

fn parse<T: serde::de::DeserializeOwned>(url: &str, text: &str) -> Result<T, TxServiceError> {
    serde_json::from_str(text).map_err(|e| TxServiceError::BadAnswer {
        url: url.to_owned(),
        reason: roflgov_core::text::escape(&e.to_string()),
    })
}

/// The message of an error body, as api-kit's `sendRequest` picks it (`data`, `detail`,
/// `message`, `nonFieldErrors`, ...), else every field's errors, else the text; escaped and cut
/// to 500 characters.
pub fn error_message(text: &str) -> String {
    let flat = |v: &serde_json::Value| match v {
        serde_json::Value::String(s) => s.clone(),
        serde_json::Value::Array(items) => items
            .iter()
            .map(|i| i.as_str().map(str::to_owned).unwrap_or_else(|| i.to_string()))
            .collect::<Vec<_>>()
            .join("; "),
        other => other.to_string(),
    };
    let message = match serde_json::from_str::<serde_json::Value>(text) {
        Ok(serde_json::Value::Object(map)) => ["data", "detail", "message", "nonFieldErrors"]
            .iter()
            .find_map(|k| map.get(*k).map(flat))
            .unwrap_or_else(|| {
                map.iter().map(|(k, v)| format!("{k}: {}", flat(v))).collect::<Vec<_>>().join("; ")
            }),
        Ok(other) => flat(&other),
        Err(_) if text.trim().is_empty() => "no message".to_owned(),
        Err(_) => text.to_owned(),
    };
    let cut: String = message.chars().take(500).collect();
    roflgov_core::text::escape(&cut)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_messages_are_picked_as_api_kit_does_and_escaped() {
        assert_eq!(error_message(r#"{"detail":"Not found."}"#), "Not found.");
        assert_eq!(error_message(r#"{"nonFieldErrors":["a","b\u001b[2J"]}"#), "a; b\\u{001b}[2J");
        assert_eq!(error_message(r#"{"signature":["bad"]}"#), "signature: bad");
        assert_eq!(error_message(""), "no message");
    }

    #[test]
    fn urls_get_the_api_root() {
        assert_eq!(TxService::new("http://h:1/").unwrap().api_root(), "http://h:1/api");
        assert_eq!(TxService::new("https://h/api/").unwrap().api_root(), "https://h/api");
        assert!(TxService::new("h:1").is_err());
    }
}
