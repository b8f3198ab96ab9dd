//! Talking to Sapphire's RPC: sender-dependent queries as signed queries.
//!
//! On Sapphire an unsigned `eth_call` runs with `msg.sender = 0`, and `eth_estimateGas` always
//! does (the core module zeroizes the caller of `core.EstimateGas` on a confidential runtime).
//! Every dry run the client makes before sending (guardian revoke and freeze, owner sends, Safe
//! execution, DAO votes) and every gas estimate of such a call would therefore fail, or worse,
//! answer for the wrong sender.
//!
//! [`SapphireLayer`] is the one place where this is handled: a layer of the RPC client, under
//! every provider the client builds, that on a Sapphire chain (chain ids 0x5afe, 0x5aff, 0x5afd,
//! which the local chain's Sapphire-RPC mode also uses) rewrites
//! - an `eth_call` whose `from` it holds the key of into a signed query
//!   ([`roflgov_core::sapphire`]): leash from the sender's pending nonce and the block
//!   `latest - 2`, explicit `gas` and `gasPrice` (the signature covers them);
//! - an `eth_estimateGas` whose `from` it holds the key of into a search over signed queries:
//!   the smallest gas limit (within 1/32) with which the signed `eth_call` succeeds. A revert
//!   at the upper bound comes back as the estimate's error, with its revert data.
//! - an `eth_call` or `eth_estimateGas` with a `from` it has no key for is refused with an
//!   error saying so, instead of silently running as sender 0.
//!
//! Calls without `from` (views, which must not depend on the caller on Sapphire) and every
//! other method pass through unchanged; on other chains nothing is rewritten.

use std::{
    collections::HashMap,
    sync::{
        Arc,
        atomic::{AtomicU64, Ordering},
    },
    task::{Context, Poll},
};

use alloy::{
    primitives::{Address, B256, Bytes, U64, U256},
    rpc::json_rpc::{Id, Request, RequestPacket, Response, ResponsePacket, ResponsePayload},
    signers::{SignerSync, local::PrivateKeySigner},
    transports::{TransportError, TransportErrorKind, TransportFut},
};
use roflgov_core::sapphire::{
    BASE_BLOCK_LAG, DEFAULT_BLOCK_RANGE, DEFAULT_NONCE_RANGE, QueryCall, QueryLeash, SignedCallDataPack,
    is_sapphire_chain, signing_hash,
};
use serde_json::{Value, json};
use tokio::sync::OnceCell;
use tower::{Layer, Service};

pub use roflgov_core::sapphire::{SAPPHIRE_LOCALNET, SAPPHIRE_MAINNET, SAPPHIRE_TESTNET};

/// The gas limit of a signed query that sets none (sapphire-paratime 1.x
/// `DEFAULT_GAS_LIMIT`), and the upper bound of a signed gas estimate.
pub const DEFAULT_QUERY_GAS: u64 = 30_000_000;
/// The gas price of a signed query that sets none (sapphire-paratime 1.x
/// `DEFAULT_GAS_PRICE`).
pub const DEFAULT_QUERY_GAS_PRICE: u64 = 1;
/// The lower bound of a signed gas estimate (a plain transfer).
const MIN_GAS: u64 = 21_000;

/// The layer that makes sender-dependent queries signed queries on Sapphire (see the module
/// documentation). Build a client with `ClientBuilder::default().layer(layer).http(url)`.
#[derive(Clone, Debug, Default)]
pub struct SapphireLayer {
    keys: Arc<HashMap<Address, PrivateKeySigner>>,
}

impl SapphireLayer {
    /// A layer that signs queries from the accounts of `signers`.
    pub fn new(signers: impl IntoIterator<Item = PrivateKeySigner>) -> Self {
        Self { keys: Arc::new(signers.into_iter().map(|s| (s.address(), s)).collect()) }
    }
}

impl<S> Layer<S> for SapphireLayer {
    type Service = SapphireService<S>;

    fn layer(&self, inner: S) -> Self::Service {
        SapphireService {
            inner,
            keys: self.keys.clone(),
            chain_id: Arc::new(OnceCell::new()),
            ids: Arc::default(),
        }
    }
}

/// The service of [`SapphireLayer`].
#[derive(Clone, Debug)]
pub struct SapphireService<S> {
    inner: S,
    keys: Arc<HashMap<Address, PrivateKeySigner>>,
    chain_id: Arc<OnceCell<u64>>,
    ids: Arc<AtomicU64>,
}

impl<S> Service<RequestPacket> for SapphireService<S>
where
    S: Service<
            RequestPacket,
            Response = ResponsePacket,
            Error = TransportError,
            Future = TransportFut<'static>,
        > + Clone
        + Send
        + Sync
        + 'static,
{
    type Response = ResponsePacket;
    type Error = TransportError;
    type Future = TransportFut<'static>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: RequestPacket) -> Self::Future {
        let this = self.clone();
        Box::pin(async move { this.handle(request).await })
    }
}

/// What to do with one request.
enum Route {
    Call { id: Id, tx: Value, from: Address, block: Value },
    Estimate { id: Id, tx: Value, from: Address, block: Value },
}

impl<S> SapphireService<S>
where
    S: Service<
            RequestPacket,
            Response = ResponsePacket,
            Error = TransportError,
            Future = TransportFut<'static>,
        > + Clone
        + Send
        + Sync
        + 'static,
{
    async fn handle(&self, request: RequestPacket) -> Result<ResponsePacket, TransportError> {
        let RequestPacket::Single(single) = &request else { return self.inner.clone().call(request).await };
        let method = single.method();
        if method != "eth_call" && method != "eth_estimateGas" {
            return self.inner.clone().call(request).await;
        }
        let params: Vec<Value> =
            single.params().and_then(|p| serde_json::from_str(p.get()).ok()).unwrap_or_default();
        let from =
            params.first().and_then(|tx| tx.get("from")).and_then(|f| f.as_str()).map(str::parse::<Address>);
        let Some(Ok(from)) = from else { return self.inner.clone().call(request).await };
        // A contract creation has no `to`: the signed-call envelope would be run as init code.
        // Creations pass as they are (roflgov's constructors take their owner as an argument,
        // so their simulation does not depend on the sender).
        if params.first().and_then(|tx| tx.get("to")).is_none_or(Value::is_null) {
            return self.inner.clone().call(request).await;
        }
        if !is_sapphire_chain(self.chain_id().await?) {
            return self.inner.clone().call(request).await;
        }
        if !self.keys.contains_key(&from) {
            return Err(TransportErrorKind::custom_str(&format!(
                "{method} as {from} on Sapphire needs a signed query, and this client holds no key \
                 for {from} (an unsigned query would run with msg.sender = 0); nothing was sent"
            )));
        }
        let route = {
            let id = single.id().clone();
            let tx = params[0].clone();
            let block = params.get(1).cloned().unwrap_or_else(|| json!("latest"));
            if method == "eth_call" {
                Route::Call { id, tx, from, block }
            } else {
                Route::Estimate { id, tx, from, block }
            }
        };
        match route {
            Route::Call { id, tx, from, block } => {
                let leash = self.leash(from).await?;
                let signed = self.signed_tx(&tx, from, &leash, None)?;
                self.forward(id, "eth_call", vec![signed, block]).await
            }
            Route::Estimate { id, tx, from, block } => self.estimate(id, tx, from, block).await,
        }
    }

    async fn chain_id(&self) -> Result<u64, TransportError> {
        let id = self
            .chain_id
            .get_or_try_init(|| async {
                Ok::<_, TransportError>(self.query::<U64>("eth_chainId", json!([])).await?.to())
            })
            .await?;
        Ok(*id)
    }

    /// A leash as sapphire-paratime 1.x `makeLeash` makes it: nonce = pending nonce +
    /// [`DEFAULT_NONCE_RANGE`], base block `latest - 2`, range [`DEFAULT_BLOCK_RANGE`].
    async fn leash(&self, from: Address) -> Result<QueryLeash, TransportError> {
        let nonce: U64 = self.query("eth_getTransactionCount", json!([from, "pending"])).await?;
        let latest: U64 = self.query("eth_blockNumber", json!([])).await?;
        let number = latest.to::<u64>().saturating_sub(BASE_BLOCK_LAG);
        let block: Value = self.query("eth_getBlockByNumber", json!([U64::from(number), false])).await?;
        let hash = block
            .get("hash")
            .and_then(|h| h.as_str())
            .and_then(|h| h.parse::<B256>().ok())
            .ok_or_else(|| TransportErrorKind::custom_str(&format!("block {number} has no hash")))?;
        Ok(QueryLeash {
            nonce: nonce.to::<u64>() + DEFAULT_NONCE_RANGE,
            block_number: number,
            block_hash: hash,
            block_range: DEFAULT_BLOCK_RANGE,
        })
    }

    /// `tx` as a signed query from `from`: the fields the signature covers set explicitly,
    /// EIP-1559 fee fields dropped (a signed query carries one gas price).
    fn signed_tx(
        &self,
        tx: &Value,
        from: Address,
        leash: &QueryLeash,
        gas: Option<u64>,
    ) -> Result<Value, TransportError> {
        let bad = |what: &str| TransportErrorKind::custom_str(&format!("cannot sign the query: {what}"));
        let field = |name: &str| tx.get(name).filter(|v| !v.is_null());
        let to = match field("to") {
            Some(to) => Some(serde_json::from_value::<Address>(to.clone()).map_err(|_| bad("bad `to`"))?),
            None => None,
        };
        let quantity = |name: &str, default: u64| -> Result<U256, TransportError> {
            match field(name) {
                Some(v) => serde_json::from_value::<U256>(v.clone()).map_err(|_| bad(name)),
                None => Ok(U256::from(default)),
            }
        };
        let gas_limit = match gas {
            Some(gas) => gas,
            None => quantity("gas", DEFAULT_QUERY_GAS)?.try_into().map_err(|_| bad("gas above 2^64"))?,
        };
        let gas_price = if field("gasPrice").is_some() {
            quantity("gasPrice", 0)?
        } else if field("maxFeePerGas").is_some() {
            quantity("maxFeePerGas", 0)?
        } else {
            U256::from(DEFAULT_QUERY_GAS_PRICE)
        };
        let value = quantity("value", 0)?;
        let data = match field("input").or_else(|| field("data")) {
            Some(d) => serde_json::from_value::<Bytes>(d.clone()).map_err(|_| bad("bad calldata"))?,
            None => Bytes::new(),
        };
        let call = QueryCall { from, to: to.unwrap_or_default(), gas_limit, gas_price, value, data };
        let key = &self.keys[&from];
        let signature = key
            .sign_hash_sync(&signing_hash(self.chain_id.get().copied().unwrap_or_default(), &call, leash))
            .map_err(|e| bad(&e.to_string()))?;
        let pack = SignedCallDataPack::new(call.data, *leash, &signature);
        let mut signed = json!({
            "from": from,
            "gas": U64::from(gas_limit),
            "gasPrice": gas_price,
            "value": value,
            "data": Bytes::from(pack.encode()),
        });
        if let Some(to) = to {
            signed["to"] = json!(to);
        }
        Ok(signed)
    }

    /// The smallest gas limit (within 1/32) with which the signed query succeeds.
    async fn estimate(
        &self,
        id: Id,
        tx: Value,
        from: Address,
        block: Value,
    ) -> Result<ResponsePacket, TransportError> {
        let leash = self.leash(from).await?;
        let cap = match tx.get("gas").filter(|g| !g.is_null()) {
            Some(g) => {
                serde_json::from_value::<U64>(g.clone()).map(|g| g.to::<u64>()).unwrap_or(DEFAULT_QUERY_GAS)
            }
            None => DEFAULT_QUERY_GAS,
        };
        let at_cap = self
            .forward(
                id.clone(),
                "eth_call",
                vec![self.signed_tx(&tx, from, &leash, Some(cap))?, block.clone()],
            )
            .await?;
        if !at_cap.is_success() {
            return Ok(at_cap);
        }
        let (mut low, mut high) = (MIN_GAS.min(cap), cap);
        while high - low > high / 32 {
            let mid = low + (high - low) / 2;
            let signed = self.signed_tx(&tx, from, &leash, Some(mid))?;
            if self.forward(id.clone(), "eth_call", vec![signed, block.clone()]).await?.is_success() {
                high = mid;
            } else {
                low = mid;
            }
        }
        let payload =
            serde_json::value::to_raw_value(&U64::from(high)).map_err(TransportErrorKind::custom)?;
        Ok(ResponsePacket::Single(Response { id, payload: ResponsePayload::Success(payload) }))
    }

    async fn forward(
        &self,
        id: Id,
        method: &'static str,
        params: Vec<Value>,
    ) -> Result<ResponsePacket, TransportError> {
        let request = Request::new(method, id, params).serialize().map_err(TransportErrorKind::custom)?;
        self.inner.clone().call(RequestPacket::Single(request)).await
    }

    async fn query<T: serde::de::DeserializeOwned>(
        &self,
        method: &'static str,
        params: Value,
    ) -> Result<T, TransportError> {
        let id = Id::Number(1 << 40 | self.ids.fetch_add(1, Ordering::Relaxed));
        let request = Request::new(method, id, params).serialize().map_err(TransportErrorKind::custom)?;
        let response = self.inner.clone().call(RequestPacket::Single(request)).await?;
        let ResponsePacket::Single(response) = response else {
            return Err(TransportErrorKind::custom_str("a batch answer to a single request"));
        };
        match response.payload {
            ResponsePayload::Success(raw) => {
                serde_json::from_str(raw.get()).map_err(TransportErrorKind::custom)
            }
            ResponsePayload::Failure(error) => Err(TransportError::ErrorResp(error)),
        }
    }
}
