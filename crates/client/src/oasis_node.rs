//! The ROFL module's own state on a real network, read through an Oasis node's gRPC endpoint the
//! way `@oasisprotocol/client` 1.3.0 reads it: a `oasis-core.RuntimeClient/Query` over gRPC-web
//! (`application/grpc-web-text`, CBOR messages; the encoding is `roflgov_types::query`).
//!
//! Sapphire's module state (`rofl.App`, `rofl.AppInstances`, `roflmarket.*`) is not readable
//! through the EVM JSON-RPC: on Sapphire Mainnet and Testnet (chain ids 0x5afe, 0x5aff) the client
//! asks a node ([`ModuleSource::Node`]); on other chains it reads the local stand-in
//! ([`ModuleSource::StandIn`]).

use std::time::Duration;

use alloy::{
    primitives::B256,
    providers::{DynProvider, Provider},
    transports::http::reqwest,
};
use roflgov_core::text::escape;
use roflgov_types::{
    AppConfig, AppId,
    ids::Address as OasisAddress,
    query::{
        self, GrpcStatus, METHOD_APP, METHOD_APP_INSTANCES, METHOD_MARKET_INSTANCE,
        METHOD_MARKET_INSTANCE_COMMANDS, METHOD_MARKET_INSTANCES, MarketInstance, ModuleApp, QueryRequest,
        QueuedCommand, RUNTIME_CLIENT_QUERY, Registration, SAPPHIRE_MAINNET_RUNTIME_ID,
        SAPPHIRE_TESTNET_RUNTIME_ID,
    },
};

use crate::rofl::RoflStandIn;

/// The Oasis gRPC endpoint for Mainnet (oasis-sdk `client-sdk/go/config/default.go`
/// `grpc.oasis.io:443`; gRPC-web over HTTPS as in `client-sdk/ts-web/core/docs/getting-started.md`).
pub const MAINNET_GRPC: &str = "https://grpc.oasis.io";
/// The Oasis gRPC endpoint for Testnet (`testnet.grpc.oasis.io:443`, same sources).
pub const TESTNET_GRPC: &str = "https://testnet.grpc.oasis.io";
/// Longest wait for a node's answer.
pub const QUERY_TIMEOUT: Duration = Duration::from_secs(30);
/// Largest answer read (a query result is kilobytes; an `AppInstances` list stays far below).
pub const MAX_REPLY_BYTES: usize = 16 << 20;

/// A Sapphire ParaTime whose module is read through a node.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SapphireParatime {
    /// `mainnet` or `testnet`.
    pub network: &'static str,
    /// Its runtime id.
    pub runtime_id: B256,
    /// The public gRPC endpoint the Oasis tools use.
    pub default_grpc: &'static str,
}

/// The Sapphire ParaTime of an EVM chain id (0x5afe Mainnet, 0x5aff Testnet).
pub fn sapphire_paratime(chain_id: u64) -> Option<SapphireParatime> {
    match chain_id {
        0x5afe => Some(SapphireParatime {
            network: "mainnet",
            runtime_id: SAPPHIRE_MAINNET_RUNTIME_ID,
            default_grpc: MAINNET_GRPC,
        }),
        0x5aff => Some(SapphireParatime {
            network: "testnet",
            runtime_id: SAPPHIRE_TESTNET_RUNTIME_ID,
            default_grpc: TESTNET_GRPC,
        }),
        _ => None,
    }
}

/// Why a runtime query failed. Every text from the node is escaped.
#[derive(Debug, thiserror::Error)]
pub enum NodeQueryError {
    /// No answer: connection refused, DNS, TLS, timeout.
    #[error("the Oasis node at {endpoint} is unreachable: {reason}")]
    Unreachable {
        /// The gRPC endpoint.
        endpoint: String,
        /// What failed (escaped).
        reason: String,
    },
    /// An HTTP answer that is not gRPC-web.
    #[error("{endpoint} is not a gRPC-web endpoint of an Oasis node: {reason}")]
    NotGrpcWeb {
        /// The gRPC endpoint.
        endpoint: String,
        /// What was wrong (escaped).
        reason: String,
    },
    /// The node (or the module) refused the query.
    #[error("the Oasis node refused {method}: {}", describe_status(.status))]
    Status {
        /// The query method.
        method: String,
        /// The gRPC status, with the module's error.
        status: GrpcStatus,
    },
    /// The answer is not what the module sends.
    #[error("malformed answer to {method} from {endpoint}: {reason}")]
    Malformed {
        /// The query method.
        method: String,
        /// The gRPC endpoint.
        endpoint: String,
        /// What was wrong.
        reason: String,
    },
}

fn describe_status(status: &GrpcStatus) -> String {
    let mut out = format!("gRPC status {}", status.code);
    if let (Some(module), Some(code)) = (&status.module, status.module_code) {
        out.push_str(&format!(", module {} error {code}", escape(module)));
    }
    if !status.message.is_empty() {
        out.push_str(&format!(": {}", escape(&status.message)));
    }
    if status.module.as_deref() == Some("core") && status.module_code == Some(22) {
        out.push_str(" (the node does not serve this query; use a node that allows expensive queries)");
    }
    out
}

/// A client of one node's runtime queries for one runtime.
#[derive(Clone, Debug)]
pub struct RuntimeQueryClient {
    endpoint: String,
    runtime_id: B256,
    http: reqwest::Client,
}

impl RuntimeQueryClient {
    /// A client of `endpoint` (e.g. `https://testnet.grpc.oasis.io`) for `runtime_id`.
    pub fn new(endpoint: &str, runtime_id: B256) -> Self {
        let http = reqwest::Client::builder()
            .timeout(QUERY_TIMEOUT)
            .build()
            .unwrap_or_else(|_| reqwest::Client::new());
        Self { endpoint: endpoint.trim_end_matches('/').to_owned(), runtime_id, http }
    }

    /// The gRPC endpoint.
    pub fn endpoint(&self) -> &str {
        &self.endpoint
    }

    /// The runtime queried.
    pub fn runtime_id(&self) -> B256 {
        self.runtime_id
    }

    /// Runs `method` with the CBOR argument `args` at the latest round; the CBOR result.
    pub async fn query(&self, method: &str, args: Vec<u8>) -> Result<Vec<u8>, NodeQueryError> {
        let request = QueryRequest::latest(self.runtime_id, method, args).encode();
        let url = format!("{}{RUNTIME_CLIENT_QUERY}", self.endpoint);
        let unreachable = |e: &dyn std::fmt::Display| NodeQueryError::Unreachable {
            endpoint: self.endpoint.clone(),
            reason: escape(&e.to_string()),
        };
        let mut response = self
            .http
            .post(&url)
            .header("content-type", "application/grpc-web-text")
            .header("accept", "application/grpc-web-text")
            .header("x-grpc-web", "1")
            .body(query::grpc_web_text_body(&request))
            .send()
            .await
            .map_err(|e| unreachable(&error_chain(&e)))?;
        let header =
            |name: &str| response.headers().get(name).and_then(|v| v.to_str().ok()).map(str::to_owned);
        let content_type = header("content-type").unwrap_or_default();
        // A trailers-only answer (an error, typically) carries the status in the headers.
        let header_status = header("grpc-status");
        let header_message = header("grpc-message");
        let header_details = header("grpc-status-details-bin");
        let http_status = response.status();
        let not_grpc_web = |reason: String| NodeQueryError::NotGrpcWeb {
            endpoint: self.endpoint.clone(),
            reason: escape(&reason),
        };
        let malformed = |reason: String| NodeQueryError::Malformed {
            method: method.to_owned(),
            endpoint: self.endpoint.clone(),
            reason,
        };
        if header_status.is_none() && !http_status.is_success() {
            return Err(not_grpc_web(format!("HTTP {http_status}")));
        }
        let mut body = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(|e| unreachable(&error_chain(&e)))? {
            if body.len() + chunk.len() > MAX_REPLY_BYTES {
                return Err(malformed(format!("the answer exceeds {MAX_REPLY_BYTES} bytes")));
            }
            body.extend_from_slice(&chunk);
        }
        let text = content_type.starts_with("application/grpc-web-text");
        if !text && !content_type.starts_with("application/grpc-web") && header_status.is_none() {
            return Err(not_grpc_web(format!("content type {content_type:?}")));
        }
        let reply = query::parse_grpc_web_body(&body, text).map_err(|e| malformed(e.to_string()))?;
        let status_text = header_status.as_deref().or_else(|| reply.trailer("grpc-status"));
        let Some(status_text) = status_text else {
            return Err(malformed("no grpc-status in the answer".into()));
        };
        let code: u32 =
            status_text.parse().map_err(|_| malformed(format!("grpc-status {:?}", escape(status_text))))?;
        if code != 0 {
            let message =
                header_message.as_deref().or_else(|| reply.trailer("grpc-message")).unwrap_or_default();
            let details = header_details.as_deref().or_else(|| reply.trailer("grpc-status-details-bin"));
            let (module, module_code) = details.and_then(query::decode_status_details).unzip();
            return Err(NodeQueryError::Status {
                method: method.to_owned(),
                status: GrpcStatus { code, message: query::percent_decode(message), module, module_code },
            });
        }
        let [message] = reply.messages.as_slice() else {
            return Err(malformed(format!("{} messages, expected one", reply.messages.len())));
        };
        query::decode_query_response(message).map_err(|e| malformed(format!("the response message: {e}")))
    }

    /// `rofl.App`: the module's config of `app` (`None`: the module has no such app).
    pub async fn app(&self, app: AppId) -> Result<Option<ModuleApp>, NodeQueryError> {
        match self.query(METHOD_APP, query::app_query(&app)).await {
            Ok(data) => query::decode_app(&data).map(Some).map_err(|e| self.malformed(METHOD_APP, e)),
            Err(NodeQueryError::Status { status, .. }) if status.is_unknown_app() => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// `rofl.AppInstances`: the registrations of `app`.
    pub async fn app_instances(&self, app: AppId) -> Result<Vec<Registration>, NodeQueryError> {
        let data = self.query(METHOD_APP_INSTANCES, query::app_query(&app)).await?;
        query::decode_registrations(&data).map_err(|e| self.malformed(METHOD_APP_INSTANCES, e))
    }

    /// `roflmarket.Instance`: machine `id` of `provider` (`None`: the module has no such
    /// instance, error `InstanceNotFound`).
    pub async fn market_instance(
        &self,
        provider: OasisAddress,
        id: u64,
    ) -> Result<Option<MarketInstance>, NodeQueryError> {
        match self.query(METHOD_MARKET_INSTANCE, query::instance_query(&provider, id)).await {
            Ok(data) => query::decode_market_instance(&data)
                .map(Some)
                .map_err(|e| self.malformed(METHOD_MARKET_INSTANCE, e)),
            Err(NodeQueryError::Status { status, .. }) if status.is_instance_not_found() => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// `roflmarket.Instances`: all machines of `provider`.
    pub async fn market_instances(
        &self,
        provider: OasisAddress,
    ) -> Result<Vec<MarketInstance>, NodeQueryError> {
        let data = self.query(METHOD_MARKET_INSTANCES, query::provider_query(&provider)).await?;
        query::decode_market_instances(&data).map_err(|e| self.malformed(METHOD_MARKET_INSTANCES, e))
    }

    /// `roflmarket.InstanceCommands`: the commands queued on machine `id` of `provider` and not
    /// yet taken by it.
    pub async fn market_instance_commands(
        &self,
        provider: OasisAddress,
        id: u64,
    ) -> Result<Vec<QueuedCommand>, NodeQueryError> {
        let data = self.query(METHOD_MARKET_INSTANCE_COMMANDS, query::instance_query(&provider, id)).await?;
        query::decode_queued_commands(&data).map_err(|e| self.malformed(METHOD_MARKET_INSTANCE_COMMANDS, e))
    }

    fn malformed(&self, method: &str, error: impl std::fmt::Display) -> NodeQueryError {
        NodeQueryError::Malformed {
            method: method.to_owned(),
            endpoint: self.endpoint.clone(),
            reason: escape(&error.to_string()),
        }
    }
}

/// An error with its sources (reqwest hides the cause: "connection refused" is two levels down).
fn error_chain(error: &(dyn std::error::Error + 'static)) -> String {
    let mut out = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        out.push_str(&format!(": {cause}"));
        source = cause.source();
    }
    out
}

/// Where the ROFL module's own state is read from.
#[derive(Clone, Debug)]
pub enum ModuleSource {
    /// The local stand-in, through the EVM RPC (`local` and other non-Sapphire chains).
    StandIn,
    /// An Oasis node's runtime queries (Sapphire Mainnet and Testnet).
    Node(RuntimeQueryClient),
}

impl ModuleSource {
    /// The source for `chain_id`: on Sapphire Mainnet/Testnet a node (`grpc`, else the public
    /// endpoint), elsewhere the stand-in.
    pub fn for_chain(chain_id: u64, grpc: Option<&str>) -> Self {
        match sapphire_paratime(chain_id) {
            Some(paratime) => ModuleSource::Node(RuntimeQueryClient::new(
                grpc.unwrap_or(paratime.default_grpc),
                paratime.runtime_id,
            )),
            None => ModuleSource::StandIn,
        }
    }

    /// A short description, e.g. `the ROFL module through the Oasis node at https://…`.
    pub fn describe(&self) -> String {
        match self {
            ModuleSource::StandIn => "the local ROFL stand-in".into(),
            ModuleSource::Node(client) => {
                format!("the ROFL module through the Oasis node at {}", client.endpoint())
            }
        }
    }

    /// The module's config of `app` (`Ok(None)`: no such app; `Err`: why it cannot be read).
    pub async fn app_config(&self, provider: &DynProvider, app: AppId) -> Result<Option<AppConfig>, String> {
        match self {
            ModuleSource::Node(client) => {
                client.app(app).await.map(|found| found.map(|m| m.config)).map_err(|e| e.to_string())
            }
            ModuleSource::StandIn => {
                let stand_in = RoflStandIn::new(provider.clone());
                match stand_in.app_exists(app).await {
                    Ok(true) => stand_in.config(app).await.map(Some).map_err(|e| e.to_string()),
                    Ok(false) => Ok(None),
                    Err(e) => Err(format!("the local ROFL stand-in cannot be read: {e}")),
                }
            }
        }
    }
}

/// The source for the chain `provider` is on (`Err`: the RPC does not answer).
pub async fn module_source(provider: &DynProvider, grpc: Option<&str>) -> Result<ModuleSource, String> {
    let chain_id = provider.get_chain_id().await.map_err(|e| format!("the RPC does not answer: {e}"))?;
    Ok(ModuleSource::for_chain(chain_id, grpc))
}
