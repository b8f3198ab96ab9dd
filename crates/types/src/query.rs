//! Runtime queries of an Oasis node (`oasis-core.RuntimeClient/Query`) as `@oasisprotocol/client`
//! 1.3.0 sends them, with no I/O: the request message, its gRPC-web framing, the reply's frames and
//! status, and strict decoding of the `rofl` module's answers into roflgov's types.
//!
//! - Request (`@oasisprotocol/client` `RuntimeClientQueryRequest`, built by client-rt's
//!   `QueryWrapper`): a canonical CBOR map `{runtime_id: bytes32, round: u64, method: text,
//!   args: bytes}` where `round` is `CLIENT_ROUND_LATEST` (`u64::MAX`) and `args` is the CBOR of
//!   the method's argument (`rofl.App` and `rofl.AppInstances` take `AppQuery {id}`, oasis-sdk
//!   `runtime-sdk/src/modules/rofl/types.rs`, handlers in `rofl/mod.rs` `query_app`,
//!   `query_app_instances`).
//! - Response: `{data: bytes}`, `data` the CBOR of the handler's result (`AppConfig`,
//!   `Vec<Registration>`).
//! - gRPC-web (npm `grpc-web`, used by `@oasisprotocol/client` with its default `text` format):
//!   each message is a frame `flag (0x00) ‖ u32 big-endian length ‖ message`, trailers a frame
//!   with flag `0x80` holding `name: value\r\n` lines; in the text format the body is base64.
//!   An oasis-core error is a non-zero `grpc-status`, the `grpc-message`, and in
//!   `grpc-status-details-bin` a `google.rpc.Status` whose single detail holds the CBOR
//!   `{module, code}` (what `GRPCWrapper.callUnary` of `@oasisprotocol/client` decodes).

use alloy_primitives::{B256, FixedBytes, b256};
use base64::{Engine as _, engine::general_purpose::STANDARD};
use oasis_cbor_value::Value;

use crate::{
    cbor::{
        CborError, CborErrorKind, Fields, decode_address, decode_app_id, decode_array, decode_bytes,
        decode_config_fields, decode_fixed, decode_metadata, decode_u64, invalid, is_null, item,
        read_canonical, text_map, write_value, wrong_type,
    },
    ids::{Address, AppId},
    policy::{AppConfig, Metadata},
};

/// Sapphire's runtime id on Mainnet (oasis-sdk `client-sdk/go/config/default.go`, network
/// `mainnet`, paratime `sapphire`; the same id the Oasis CLI uses).
pub const SAPPHIRE_MAINNET_RUNTIME_ID: B256 =
    b256!("000000000000000000000000000000000000000000000000f80306c9858e7279");
/// Sapphire's runtime id on Testnet (oasis-sdk `client-sdk/go/config/default.go`, network
/// `testnet`, paratime `sapphire`).
pub const SAPPHIRE_TESTNET_RUNTIME_ID: B256 =
    b256!("000000000000000000000000000000000000000000000000a6d1e3ebf60dff6c");
/// The latest round, as `@oasisprotocol/client` writes it (`runtime.CLIENT_ROUND_LATEST`).
pub const ROUND_LATEST: u64 = u64::MAX;
/// The gRPC method path of a runtime query.
pub const RUNTIME_CLIENT_QUERY: &str = "/oasis-core.RuntimeClient/Query";
/// `rofl.App`: one app's config.
pub const METHOD_APP: &str = "rofl.App";
/// `rofl.AppInstances`: an app's registrations (an "expensive" query: a node may refuse it).
pub const METHOD_APP_INSTANCES: &str = "rofl.AppInstances";
/// `roflmarket.Instance`: one machine (oasis-sdk `runtime-sdk/modules/rofl-market/src/lib.rs`
/// `query_instance`, argument `InstanceQuery {provider, id}`, result `Instance`).
pub const METHOD_MARKET_INSTANCE: &str = "roflmarket.Instance";
/// `roflmarket.Instances`: a provider's machines (`query_instances`, argument
/// `ProviderQuery {provider}`, result `Vec<Instance>`).
pub const METHOD_MARKET_INSTANCES: &str = "roflmarket.Instances";
/// `roflmarket.InstanceCommands`: a machine's queued commands (`query_instance_commands`,
/// argument `InstanceQuery`, result `Vec<QueuedCommand>`).
pub const METHOD_MARKET_INSTANCE_COMMANDS: &str = "roflmarket.InstanceCommands";
/// The roflmarket module's name in error statuses.
pub const MODULE_ROFLMARKET: &str = "roflmarket";
/// The roflmarket module's "instance not found" error code (oasis-sdk
/// `rofl-market/src/error.rs` `InstanceNotFound`).
pub const ERR_INSTANCE_NOT_FOUND: u32 = 8;
/// The rofl module's name in error statuses.
pub const MODULE_ROFL: &str = "rofl";
/// The rofl module's "unknown app" error code (oasis-sdk `rofl/error.rs` `UnknownApp`).
pub const ERR_UNKNOWN_APP: u32 = 2;

/// A runtime query: which runtime, at which round, which method with which CBOR argument.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct QueryRequest {
    /// The runtime (ParaTime) id.
    pub runtime_id: B256,
    /// The round to query ([`ROUND_LATEST`] for the latest).
    pub round: u64,
    /// The query method, e.g. `rofl.App`.
    pub method: String,
    /// The CBOR of the method's argument.
    pub args: Vec<u8>,
}

impl QueryRequest {
    /// A query of the latest round.
    pub fn latest(runtime_id: B256, method: &str, args: Vec<u8>) -> Self {
        Self { runtime_id, round: ROUND_LATEST, method: method.to_owned(), args }
    }

    /// The canonical CBOR of the request message.
    pub fn encode(&self) -> Vec<u8> {
        write_value(text_map(vec![
            ("runtime_id", Value::from(self.runtime_id.as_slice())),
            ("round", Value::Unsigned(self.round)),
            ("method", Value::from(self.method.as_str())),
            ("args", Value::from(self.args.as_slice())),
        ]))
    }
}

/// The CBOR of `AppQuery {id}` (the argument of `rofl.App` and `rofl.AppInstances`).
pub fn app_query(id: &AppId) -> Vec<u8> {
    write_value(text_map(vec![("id", Value::from(&id.0[..]))]))
}

/// The CBOR of `InstanceQuery {provider, id}` (oasis-sdk `rofl-market/src/types.rs`; the
/// `InstanceId` is 8 bytes big-endian, `impl_identifier!`).
pub fn instance_query(provider: &Address, id: u64) -> Vec<u8> {
    write_value(text_map(vec![
        ("provider", Value::from(&provider.0[..])),
        ("id", Value::from(&id.to_be_bytes()[..])),
    ]))
}

/// The CBOR of `ProviderQuery {provider}` (the argument of `roflmarket.Instances`).
pub fn provider_query(provider: &Address) -> Vec<u8> {
    write_value(text_map(vec![("provider", Value::from(&provider.0[..]))]))
}

/// One gRPC-web message frame.
pub fn grpc_web_frame(message: &[u8]) -> Vec<u8> {
    let length = u32::try_from(message.len()).expect("a query message is far below 4 GiB");
    let mut frame = Vec::with_capacity(5 + message.len());
    frame.push(0);
    frame.extend_from_slice(&length.to_be_bytes());
    frame.extend_from_slice(message);
    frame
}

/// The body of a `application/grpc-web-text` request carrying `message`.
pub fn grpc_web_text_body(message: &[u8]) -> String {
    STANDARD.encode(grpc_web_frame(message))
}

/// Why a gRPC-web reply could not be read.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum GrpcWebError {
    /// The text body is not base64.
    #[error("the grpc-web-text body is not base64")]
    Base64,
    /// A frame is cut short or has an unknown flag.
    #[error("malformed grpc-web frame: {0}")]
    Frame(String),
}

/// The frames of a gRPC-web reply body.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct GrpcWebReply {
    /// The messages, in order.
    pub messages: Vec<Vec<u8>>,
    /// Trailers (lower-case names), in order.
    pub trailers: Vec<(String, String)>,
}

impl GrpcWebReply {
    /// The first trailer named `name` (lower case).
    pub fn trailer(&self, name: &str) -> Option<&str> {
        self.trailers.iter().find(|(key, _)| key == name).map(|(_, value)| value.as_str())
    }
}

/// Decodes base64 four characters at a time: a grpc-web-text body may be several padded base64
/// chunks one after the other (what the grpc-web client reads the same way).
fn decode_text_body(body: &[u8]) -> Result<Vec<u8>, GrpcWebError> {
    let body: Vec<u8> = body.iter().copied().filter(|b| !b.is_ascii_whitespace()).collect();
    if !body.len().is_multiple_of(4) {
        return Err(GrpcWebError::Base64);
    }
    let mut out = Vec::with_capacity(body.len() / 4 * 3);
    for quantum in body.chunks(4) {
        out.extend(STANDARD.decode(quantum).map_err(|_| GrpcWebError::Base64)?);
    }
    Ok(out)
}

/// Splits a gRPC-web reply body (`text`: the base64 `grpc-web-text` format) into its frames.
pub fn parse_grpc_web_body(body: &[u8], text: bool) -> Result<GrpcWebReply, GrpcWebError> {
    let bytes = if text { decode_text_body(body)? } else { body.to_vec() };
    let mut reply = GrpcWebReply::default();
    let mut rest = bytes.as_slice();
    while !rest.is_empty() {
        if rest.len() < 5 {
            return Err(GrpcWebError::Frame(format!("{} byte(s) left, a frame header is 5", rest.len())));
        }
        let flag = rest[0];
        let length = u32::from_be_bytes([rest[1], rest[2], rest[3], rest[4]]) as usize;
        let payload = rest.get(5..5 + length).ok_or_else(|| {
            GrpcWebError::Frame(format!("a frame announces {length} byte(s), {} follow", rest.len() - 5))
        })?;
        match flag {
            0x00 => reply.messages.push(payload.to_vec()),
            0x80 => {
                let text = String::from_utf8_lossy(payload);
                for line in text.split("\r\n").filter(|line| !line.is_empty()) {
                    let (name, value) = line
                        .split_once(':')
                        .ok_or_else(|| GrpcWebError::Frame("a trailer line without a colon".to_owned()))?;
                    reply.trailers.push((name.trim().to_ascii_lowercase(), value.trim().to_owned()));
                }
            }
            other => return Err(GrpcWebError::Frame(format!("unknown frame flag 0x{other:02x}"))),
        }
        rest = &rest[5 + length..];
    }
    Ok(reply)
}

/// A non-zero gRPC status, with the module error oasis-core attaches.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GrpcStatus {
    /// The gRPC status code.
    pub code: u32,
    /// `grpc-message`, percent-decoded (untrusted text: escape before showing it).
    pub message: String,
    /// The module that failed (e.g. `rofl`), from `grpc-status-details-bin`.
    pub module: Option<String>,
    /// The module's error code.
    pub module_code: Option<u32>,
}

impl GrpcStatus {
    /// Whether this is the rofl module's "unknown app".
    pub fn is_unknown_app(&self) -> bool {
        self.module.as_deref() == Some(MODULE_ROFL) && self.module_code == Some(ERR_UNKNOWN_APP)
    }

    /// Whether this is the roflmarket module's "instance not found".
    pub fn is_instance_not_found(&self) -> bool {
        self.module.as_deref() == Some(MODULE_ROFLMARKET) && self.module_code == Some(ERR_INSTANCE_NOT_FOUND)
    }
}

/// Percent-decodes a `grpc-message` (gRPC over HTTP/2: the message is percent-encoded UTF-8).
pub fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && let Some(hex) = bytes.get(i + 1..i + 3)
            && let Ok(byte) = u8::from_str_radix(std::str::from_utf8(hex).unwrap_or("zz"), 16)
        {
            out.push(byte);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Reads a protobuf varint.
fn varint(bytes: &mut &[u8]) -> Option<u64> {
    let mut value = 0u64;
    for shift in (0..64).step_by(7) {
        let (&byte, rest) = bytes.split_first()?;
        *bytes = rest;
        value |= u64::from(byte & 0x7f) << shift;
        if byte & 0x80 == 0 {
            return Some(value);
        }
    }
    None
}

/// The length-delimited fields numbered `wanted` of a protobuf message (others skipped).
fn protobuf_bytes_fields(mut bytes: &[u8], wanted: u64) -> Option<Vec<&[u8]>> {
    let mut out = Vec::new();
    while !bytes.is_empty() {
        let key = varint(&mut bytes)?;
        match key & 7 {
            0 => {
                varint(&mut bytes)?;
            }
            1 => bytes = bytes.get(8..)?,
            5 => bytes = bytes.get(4..)?,
            2 => {
                let length = usize::try_from(varint(&mut bytes)?).ok()?;
                let field = bytes.get(..length)?;
                bytes = &bytes[length..];
                if key >> 3 == wanted {
                    out.push(field);
                }
            }
            _ => return None,
        }
    }
    Some(out)
}

/// The `(module, code)` oasis-core puts in `grpc-status-details-bin` (base64, padded or not): a
/// `google.rpc.Status` with exactly one detail whose value is the CBOR `{module, code}`.
/// `None` when it is not that.
pub fn decode_status_details(base64_text: &str) -> Option<(String, u32)> {
    let trimmed = base64_text.trim().trim_end_matches('=');
    let bytes = base64::engine::general_purpose::STANDARD_NO_PAD.decode(trimmed).ok()?;
    let details = protobuf_bytes_fields(&bytes, 3)?;
    let [detail] = details.as_slice() else { return None };
    let value = protobuf_bytes_fields(detail, 2)?.pop()?;
    let Value::Map(entries) = oasis_cbor_value::read(value).ok()? else { return None };
    let mut module = String::new();
    let mut code = None;
    for (key, value) in entries {
        match (key, value) {
            (Value::TextString(key), Value::TextString(text)) if key == "module" => module = text,
            (Value::TextString(key), Value::Unsigned(n)) if key == "code" => code = u32::try_from(n).ok(),
            _ => {}
        }
    }
    Some((module, code?))
}

/// The `data` of a `RuntimeClientQueryResponse` message.
pub fn decode_query_response(message: &[u8]) -> Result<Vec<u8>, CborError> {
    let mut fields = Fields::new(read_canonical(message)?, "")?;
    let (data, path) = fields.required("data")?;
    let data = decode_bytes(data, &path)?;
    fields.finish()?;
    Ok(data)
}

/// A token amount (oasis-sdk `types/token.rs` `BaseUnits`: CBOR `[amount, denomination]`, the
/// amount a big-endian byte string without leading zeros, the native denomination empty).
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct BaseUnits {
    /// Amount in base units.
    pub amount: u128,
    /// Denomination (empty: the native token).
    pub denomination: String,
}

/// An app as the module stores it: roflgov's [`AppConfig`] plus the stake and the secret
/// encryption key (oasis-sdk `rofl/types.rs` `AppConfig`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ModuleApp {
    /// The config roflgov governs.
    pub config: AppConfig,
    /// The stake locked by `rofl.Create`.
    pub stake: BaseUnits,
    /// The secret encryption public key (x25519).
    pub sek: B256,
}

/// A public key of a registration's `extra_keys` (oasis-sdk `crypto/signature` `PublicKey`: a
/// one-key map naming the scheme).
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case", tag = "scheme", content = "key")]
pub enum PublicKey {
    /// Ed25519, 32 bytes.
    Ed25519(B256),
    /// Compressed secp256k1, 33 bytes.
    Secp256k1(FixedBytes<33>),
    /// Compressed secp256r1, 33 bytes.
    Secp256r1(FixedBytes<33>),
    /// Compressed secp384r1, 49 bytes.
    Secp384r1(FixedBytes<49>),
    /// Sr25519, 32 bytes.
    Sr25519(B256),
}

/// One registered instance (oasis-sdk `rofl/types.rs` `Registration`). The module keeps no
/// enclave identity here: that was in the quote of the `rofl.Register` transaction.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Registration {
    /// The app.
    pub app: AppId,
    /// The endorsing node.
    pub node_id: B256,
    /// The endorsing entity, when known.
    pub entity_id: Option<B256>,
    /// Runtime attestation key (Ed25519).
    pub rak: B256,
    /// Runtime encryption key (x25519).
    pub rek: B256,
    /// The epoch the registration expires at unless renewed.
    pub expiration: u64,
    /// Extra keys the instance signs with (e.g. its secp256k1 transaction key).
    pub extra_keys: Vec<PublicKey>,
    /// App-specific metadata of the instance.
    pub metadata: Metadata,
}

fn decode_base_units(value: Value, path: &str) -> Result<BaseUnits, CborError> {
    let items = decode_array(value, path)?;
    let [amount, denomination]: [Value; 2] = items.try_into().map_err(|items: Vec<Value>| {
        invalid(path, format!("expected [amount, denomination], got {} items", items.len()))
    })?;
    let amount = decode_u128_bytes(amount, &item(path, 0))?;
    let denomination_path = item(path, 1);
    let denomination = decode_bytes(denomination, &denomination_path)?;
    let denomination = String::from_utf8(denomination)
        .map_err(|_| invalid(&denomination_path, "the denomination is not UTF-8"))?;
    Ok(BaseUnits { amount, denomination })
}

fn decode_app_value(value: Value) -> Result<ModuleApp, CborError> {
    let mut fields = Fields::new(value, "")?;
    let config = decode_config_fields(&mut fields)?;
    let (v, p) = fields.required("stake")?;
    let stake = decode_base_units(v, &p)?;
    let (v, p) = fields.required("sek")?;
    let sek = B256::from(decode_fixed::<32>(v, &p)?);
    fields.finish()?;
    Ok(ModuleApp { config, stake, sek })
}

/// Strictly decodes the `data` of a `rofl.App` answer.
pub fn decode_app(data: &[u8]) -> Result<ModuleApp, CborError> {
    decode_app_value(read_canonical(data)?)
}

fn decode_public_key(value: Value, path: &str) -> Result<PublicKey, CborError> {
    let Value::Map(mut map) = value else {
        return Err(wrong_type(path, "single-key map", &value));
    };
    if map.len() != 1 {
        return Err(invalid(path, format!("a public key is a map with exactly one key, got {}", map.len())));
    }
    let (key, value) = map.pop().expect("one entry");
    let Value::TextString(scheme) = key else {
        return Err(wrong_type(path, "map with a text key", &key));
    };
    let path = crate::cbor::child(path, &scheme);
    Ok(match scheme.as_str() {
        "ed25519" => PublicKey::Ed25519(decode_fixed::<32>(value, &path)?.into()),
        "secp256k1" => PublicKey::Secp256k1(decode_fixed::<33>(value, &path)?.into()),
        "secp256r1" => PublicKey::Secp256r1(decode_fixed::<33>(value, &path)?.into()),
        "secp384r1" => PublicKey::Secp384r1(decode_fixed::<49>(value, &path)?.into()),
        "sr25519" => PublicKey::Sr25519(decode_fixed::<32>(value, &path)?.into()),
        _ => return Err(invalid(&path, format!("unknown key scheme {scheme:?}"))),
    })
}

fn decode_registration(value: Value, path: &str) -> Result<Registration, CborError> {
    let mut fields = Fields::new(value, path)?;
    let (v, p) = fields.required("app")?;
    let app = decode_app_id(v, &p)?;
    let (v, p) = fields.required("node_id")?;
    let node_id = B256::from(decode_fixed::<32>(v, &p)?);
    let (v, p) = fields.required("entity_id")?;
    let entity_id = if is_null(&v) { None } else { Some(B256::from(decode_fixed::<32>(v, &p)?)) };
    let (v, p) = fields.required("rak")?;
    let rak = B256::from(decode_fixed::<32>(v, &p)?);
    let (v, p) = fields.required("rek")?;
    let rek = B256::from(decode_fixed::<32>(v, &p)?);
    let (v, p) = fields.required("expiration")?;
    let expiration = decode_u64(v, &p)?;
    let (v, p) = fields.required("extra_keys")?;
    let extra_keys = decode_array(v, &p)?
        .into_iter()
        .enumerate()
        .map(|(index, value)| decode_public_key(value, &item(&p, index)))
        .collect::<Result<_, _>>()?;
    // `#[cbor(optional)]`: left out when empty.
    let metadata = match fields.optional("metadata") {
        None => Metadata::new(),
        Some((v, p)) => {
            let metadata = decode_metadata(v, &p)?;
            if metadata.is_empty() {
                return Err(CborError::new(
                    &p,
                    CborErrorKind::NotCanonical("an empty map is left out".into()),
                ));
            }
            metadata
        }
    };
    fields.finish()?;
    Ok(Registration { app, node_id, entity_id, rak, rek, expiration, extra_keys, metadata })
}

/// Strictly decodes the `data` of a `rofl.AppInstances` answer.
pub fn decode_registrations(data: &[u8]) -> Result<Vec<Registration>, CborError> {
    decode_array(read_canonical(data)?, "")?
        .into_iter()
        .enumerate()
        .map(|(index, value)| decode_registration(value, &item("", index)))
        .collect()
}

/// A machine's status (oasis-sdk `rofl-market/src/types.rs` `InstanceStatus`, CBOR a number).
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum InstanceStatus {
    /// 0: waiting for the provider to accept it.
    Created,
    /// 1: accepted by the provider.
    Accepted,
    /// 2: cancelled.
    Cancelled,
}

impl InstanceStatus {
    /// `created`, `accepted` or `cancelled` (the words the local stand-in view uses).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Created => "created",
            Self::Accepted => "accepted",
            Self::Cancelled => "cancelled",
        }
    }
}

/// What a machine runs (oasis-sdk `rofl-market/src/types.rs` `Deployment`): the same type as
/// the scheduler command's.
pub type MarketDeployment = crate::market::Deployment;

/// How a machine is paid (oasis-sdk `rofl-market/src/types.rs` `Payment`).
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum MarketPayment {
    /// `native`: the price per term (`Term` 1 hour, 2 month, 3 year) in `denomination`.
    Native {
        /// The denomination (empty: the native token).
        denomination: String,
        /// `(term, price)` pairs, in the map's order.
        terms: Vec<(u8, u128)>,
    },
    /// `evm`: paid through an EVM contract.
    Evm {
        /// The payment contract.
        address: alloy_primitives::Address,
        /// Its opaque data.
        data: Vec<u8>,
    },
}

/// A machine as the roflmarket module holds it (oasis-sdk `rofl-market/src/types.rs`
/// `Instance`). Resources and the refund data are checked but not kept.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct MarketInstance {
    /// The provider.
    pub provider: Address,
    /// The instance id at the provider.
    pub id: u64,
    /// The provider's offer.
    pub offer: u64,
    /// Its status.
    pub status: InstanceStatus,
    /// Who created it.
    pub creator: Address,
    /// Its admin (who may deploy, restart, top up, cancel).
    pub admin: Address,
    /// The node it was provisioned on (Ed25519), once accepted.
    pub node_id: Option<B256>,
    /// Scheduler metadata (untrusted text).
    pub metadata: Metadata,
    /// What it runs, if anything.
    pub deployment: Option<MarketDeployment>,
    /// Created at (unix seconds).
    pub created_at: u64,
    /// Last updated at (unix seconds).
    pub updated_at: u64,
    /// Paid from (unix seconds; not yet claimed by the provider).
    pub paid_from: u64,
    /// Paid until (unix seconds).
    pub paid_until: u64,
    /// How it is paid.
    pub payment: MarketPayment,
    /// The per-instance payment address.
    pub payment_address: alloy_primitives::Address,
    /// The next command id: ids below it were queued at some time.
    pub cmd_next_id: u64,
    /// Commands queued and not yet taken by the provider.
    pub cmd_count: u64,
}

/// A command waiting in a machine's queue (oasis-sdk `rofl-market/src/types.rs` `QueuedCommand`).
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct QueuedCommand {
    /// Its sequence number.
    pub id: u64,
    /// The scheduler command (CBOR, scheduler-specific).
    pub cmd: Vec<u8>,
}

/// An 8-byte big-endian identifier (`OfferId`, `InstanceId`, `CommandId`: `impl_identifier!`).
fn decode_id8(value: Value, path: &str) -> Result<u64, CborError> {
    decode_fixed::<8>(value, path).map(u64::from_be_bytes)
}

/// A field of type `Option<T>`: absent or `null` is `None`.
fn optional_field(fields: &mut Fields, key: &str) -> Option<(Value, String)> {
    fields.optional(key).filter(|(value, _)| !is_null(value))
}

fn decode_u128_bytes(value: Value, path: &str) -> Result<u128, CborError> {
    let bytes = decode_bytes(value, path)?;
    if bytes.len() > 16 {
        return Err(invalid(path, format!("{} bytes do not fit in u128", bytes.len())));
    }
    if bytes.first() == Some(&0) {
        return Err(CborError::new(path, CborErrorKind::NotCanonical("leading zero byte".into())));
    }
    Ok(bytes.iter().fold(0u128, |acc, byte| (acc << 8) | u128::from(*byte)))
}

fn decode_resources(value: Value, path: &str) -> Result<(), CborError> {
    let mut fields = Fields::new(value, path)?;
    let (v, p) = fields.required("tee")?;
    let tee = decode_u64(v, &p)?;
    if !(1..=2).contains(&tee) {
        return Err(invalid(&p, format!("unknown TEE type {tee} (1 SGX, 2 TDX)")));
    }
    for key in ["memory", "cpus", "storage"] {
        let (v, p) = fields.required(key)?;
        decode_u64(v, &p)?;
    }
    if let Some((v, p)) = optional_field(&mut fields, "gpu") {
        let mut gpu = Fields::new(v, &p)?;
        if let Some((v, p)) = optional_field(&mut gpu, "model") {
            crate::cbor::decode_text(v, &p)?;
        }
        let (v, p) = gpu.required("count")?;
        decode_u64(v, &p)?;
        gpu.finish()?;
    }
    fields.finish()
}

fn decode_payment(value: Value, path: &str) -> Result<MarketPayment, CborError> {
    let Value::Map(mut map) = value else {
        return Err(wrong_type(path, "single-key map", &value));
    };
    if map.len() != 1 {
        return Err(invalid(path, format!("a payment is a map with exactly one key, got {}", map.len())));
    }
    let (key, value) = map.pop().expect("one entry");
    let Value::TextString(kind) = key else {
        return Err(wrong_type(path, "map with a text key", &key));
    };
    let path = crate::cbor::child(path, &kind);
    let mut fields = Fields::new(value, &path)?;
    let payment = match kind.as_str() {
        "native" => {
            let (v, p) = fields.required("denomination")?;
            let denomination = String::from_utf8(decode_bytes(v, &p)?)
                .map_err(|_| invalid(&p, "the denomination is not UTF-8"))?;
            let (v, p) = fields.required("terms")?;
            let Value::Map(entries) = v else { return Err(wrong_type(&p, "map", &v)) };
            let mut terms = Vec::with_capacity(entries.len());
            for (term, price) in entries {
                let term = decode_u64(term, &p)?;
                let term = u8::try_from(term)
                    .ok()
                    .filter(|t| (1..=3).contains(t))
                    .ok_or_else(|| invalid(&p, format!("unknown term {term} (1 hour, 2 month, 3 year)")))?;
                let price_path = crate::cbor::child(&p, &term.to_string());
                terms.push((term, decode_u128_bytes(price, &price_path)?));
            }
            MarketPayment::Native { denomination, terms }
        }
        "evm" => {
            let (v, p) = fields.required("address")?;
            let address = alloy_primitives::Address::from(decode_fixed::<20>(v, &p)?);
            let (v, p) = fields.required("data")?;
            MarketPayment::Evm { address, data: decode_bytes(v, &p)? }
        }
        _ => return Err(invalid(&path, format!("unknown payment method {kind:?}"))),
    };
    fields.finish()?;
    Ok(payment)
}

fn decode_instance_value(value: Value, path: &str) -> Result<MarketInstance, CborError> {
    let mut fields = Fields::new(value, path)?;
    let (v, p) = fields.required("provider")?;
    let provider = decode_address(v, &p)?;
    let (v, p) = fields.required("id")?;
    let id = decode_id8(v, &p)?;
    let (v, p) = fields.required("offer")?;
    let offer = decode_id8(v, &p)?;
    let (v, p) = fields.required("status")?;
    let status = match decode_u64(v, &p)? {
        0 => InstanceStatus::Created,
        1 => InstanceStatus::Accepted,
        2 => InstanceStatus::Cancelled,
        other => return Err(invalid(&p, format!("unknown instance status {other} (0, 1 or 2)"))),
    };
    let (v, p) = fields.required("creator")?;
    let creator = decode_address(v, &p)?;
    let (v, p) = fields.required("admin")?;
    let admin = decode_address(v, &p)?;
    let node_id = match optional_field(&mut fields, "node_id") {
        None => None,
        Some((v, p)) => Some(B256::from(decode_fixed::<32>(v, &p)?)),
    };
    let (v, p) = fields.required("metadata")?;
    let metadata = decode_metadata(v, &p)?;
    let (v, p) = fields.required("resources")?;
    decode_resources(v, &p)?;
    let deployment = match optional_field(&mut fields, "deployment") {
        None => None,
        Some((v, p)) => Some(crate::market::decode_deployment(v, &p)?),
    };
    let mut times = [0u64; 4];
    for (slot, key) in times.iter_mut().zip(["created_at", "updated_at", "paid_from", "paid_until"]) {
        let (v, p) = fields.required(key)?;
        *slot = decode_u64(v, &p)?;
    }
    let [created_at, updated_at, paid_from, paid_until] = times;
    let (v, p) = fields.required("payment")?;
    let payment = decode_payment(v, &p)?;
    let (v, p) = fields.required("payment_address")?;
    let payment_address = alloy_primitives::Address::from(decode_fixed::<20>(v, &p)?);
    let (v, p) = fields.required("refund_data")?;
    decode_bytes(v, &p)?;
    let (v, p) = fields.required("cmd_next_id")?;
    let cmd_next_id = decode_id8(v, &p)?;
    let (v, p) = fields.required("cmd_count")?;
    let cmd_count = decode_u64(v, &p)?;
    fields.finish()?;
    Ok(MarketInstance {
        provider,
        id,
        offer,
        status,
        creator,
        admin,
        node_id,
        metadata,
        deployment,
        created_at,
        updated_at,
        paid_from,
        paid_until,
        payment,
        payment_address,
        cmd_next_id,
        cmd_count,
    })
}

/// Strictly decodes the `data` of a `roflmarket.Instance` answer (unknown fields refused, as
/// for `rofl.App`).
pub fn decode_market_instance(data: &[u8]) -> Result<MarketInstance, CborError> {
    decode_instance_value(read_canonical(data)?, "")
}

/// Strictly decodes the `data` of a `roflmarket.Instances` answer.
pub fn decode_market_instances(data: &[u8]) -> Result<Vec<MarketInstance>, CborError> {
    decode_array(read_canonical(data)?, "")?
        .into_iter()
        .enumerate()
        .map(|(index, value)| decode_instance_value(value, &item("", index)))
        .collect()
}

/// Strictly decodes the `data` of a `roflmarket.InstanceCommands` answer.
pub fn decode_queued_commands(data: &[u8]) -> Result<Vec<QueuedCommand>, CborError> {
    decode_array(read_canonical(data)?, "")?
        .into_iter()
        .enumerate()
        .map(|(index, value)| {
            let path = item("", index);
            let mut fields = Fields::new(value, &path)?;
            let (v, p) = fields.required("id")?;
            let id = decode_id8(v, &p)?;
            let (v, p) = fields.required("cmd")?;
            let cmd = decode_bytes(v, &p)?;
            fields.finish()?;
            Ok(QueuedCommand { id, cmd })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_split_and_trailers_parse() {
        let mut body = grpc_web_frame(b"abc");
        body.push(0x80);
        let trailer = b"grpc-status: 0\r\ngrpc-message: ok%20done\r\n";
        body.extend_from_slice(&(trailer.len() as u32).to_be_bytes());
        body.extend_from_slice(trailer);
        let reply = parse_grpc_web_body(&body, false).unwrap();
        assert_eq!(reply.messages, vec![b"abc".to_vec()]);
        assert_eq!(reply.trailer("grpc-status"), Some("0"));
        assert_eq!(percent_decode(reply.trailer("grpc-message").unwrap()), "ok done");
        // Two padded base64 chunks one after the other read as one body.
        let text = format!("{}{}", STANDARD.encode(&body[..8]), STANDARD.encode(&body[8..]));
        assert_eq!(parse_grpc_web_body(text.as_bytes(), true).unwrap(), reply);
        assert!(parse_grpc_web_body(&body[..body.len() - 1], false).is_err());
        assert!(parse_grpc_web_body(b"!!!!", true).is_err());
    }

    /// An instance as oasis-sdk's Rust encoder writes it: `Option` fields without
    /// `#[cbor(optional)]` are `null` when empty (as `Registration.entity_id`).
    fn rust_encoded_instance(status: u64, extra: Option<(&str, Value)>) -> Vec<u8> {
        let mut fields = vec![
            ("provider", Value::from(&[2u8; 21][..])),
            ("id", Value::from(&7u64.to_be_bytes()[..])),
            ("offer", Value::from(&3u64.to_be_bytes()[..])),
            ("status", Value::Unsigned(status)),
            ("creator", Value::from(&[3u8; 21][..])),
            ("admin", Value::from(&[4u8; 21][..])),
            ("node_id", crate::cbor::null()),
            ("metadata", Value::Map(vec![])),
            (
                "resources",
                text_map(vec![
                    ("tee", Value::Unsigned(2)),
                    ("memory", Value::Unsigned(4096)),
                    ("cpus", Value::Unsigned(2)),
                    ("storage", Value::Unsigned(10)),
                    ("gpu", crate::cbor::null()),
                ]),
            ),
            ("deployment", crate::cbor::null()),
            ("created_at", Value::Unsigned(1)),
            ("updated_at", Value::Unsigned(2)),
            ("paid_from", Value::Unsigned(1)),
            ("paid_until", Value::Unsigned(100)),
            (
                "payment",
                text_map(vec![(
                    "native",
                    text_map(vec![
                        ("denomination", Value::from(&b""[..])),
                        ("terms", Value::Map(vec![(Value::Unsigned(2), Value::from(&[1u8, 0][..]))])),
                    ]),
                )]),
            ),
            ("payment_address", Value::from(&[5u8; 20][..])),
            ("refund_data", Value::from(&b""[..])),
            ("cmd_next_id", Value::from(&0u64.to_be_bytes()[..])),
            ("cmd_count", Value::Unsigned(0)),
        ];
        fields.extend(extra);
        write_value(text_map(fields))
    }

    #[test]
    fn market_instance_nulls_read_as_none_and_bad_values_are_named() {
        let instance = decode_market_instance(&rust_encoded_instance(2, None)).unwrap();
        assert_eq!((instance.node_id, instance.deployment), (None, None));
        assert_eq!(instance.status, InstanceStatus::Cancelled);
        assert_eq!(
            instance.payment,
            MarketPayment::Native { denomination: String::new(), terms: vec![(2, 256)] }
        );
        let err = decode_market_instance(&rust_encoded_instance(3, None)).unwrap_err();
        assert_eq!(err.path, "status");
        let err = decode_market_instance(&rust_encoded_instance(1, Some(("surprise", Value::Unsigned(1)))))
            .unwrap_err();
        assert_eq!(err.path, "surprise");
    }

    #[test]
    fn registration_metadata_left_out_when_empty() {
        let empty_metadata = write_value(Value::Array(vec![text_map(vec![
            ("app", Value::from(&[0u8; 21][..])),
            ("node_id", Value::from(&[1u8; 32][..])),
            ("entity_id", crate::cbor::null()),
            ("rak", Value::from(&[2u8; 32][..])),
            ("rek", Value::from(&[3u8; 32][..])),
            ("expiration", Value::Unsigned(7)),
            ("extra_keys", Value::Array(vec![])),
            ("metadata", Value::Map(vec![])),
        ])]));
        let err = decode_registrations(&empty_metadata).unwrap_err();
        assert_eq!(err.path, "[0].metadata");
    }
}
