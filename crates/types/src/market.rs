//! The ROFL marketplace (`roflmarket.*`) call bodies roflgov writes and reads, and the scheduler
//! commands carried inside `roflmarket.InstanceExecuteCmds`, with canonical CBOR encoding and
//! strict decoding (same rules as [`crate::cbor`]).
//!
//! Types as oasis-sdk defines them (`runtime-sdk/modules/rofl-market/src/types.rs`):
//! - `InstanceCreate {provider, offer, admin?, deployment?, term, term_count}`: `admin` and
//!   `deployment` are `#[cbor(optional)]` (left out when absent);
//! - `InstanceTopUp {provider, id, term, term_count}`, `InstanceChangeAdmin {provider, id, admin}`,
//!   `InstanceCancel {provider, id}`, `InstanceExecuteCmds {provider, id, cmds: Vec<Vec<u8>>}`;
//! - `Deployment {app_id, manifest_hash, metadata}` (every field always written);
//! - `OfferId`/`InstanceId`: 8-byte big-endian identifiers (byte strings), written as 16 hex
//!   digits in text (`rofl.yaml`, the Oasis CLI);
//! - `Term`: the integer 1 (hour), 2 (month) or 3 (year).
//!
//! Scheduler commands (oasis-sdk `rofl-scheduler/src/types.rs`, the Oasis CLI
//! `build/rofl/scheduler/commands.go`): each entry of `cmds` is the CBOR of
//! `Command {method, args}` where `args` is a nested CBOR item (not a byte string):
//! `Deploy` → `DeployRequest {deployment, wipe_storage}`, `Restart` → `{wipe_storage}`,
//! `Terminate` → `{wipe_storage}`. `wipe_storage` is always written (no `optional`).

use std::fmt;

use alloy_primitives::B256;
use oasis_cbor_value::{SimpleValue, Value};

use crate::{
    cbor::{
        CborError, Fields, decode_address, decode_app_id, decode_array, decode_bytes, decode_fixed,
        decode_metadata, decode_text, decode_u64, invalid, item, metadata_value, read_canonical, text_map,
        write_value, wrong_type,
    },
    ids::{Address, AppId},
    policy::Metadata,
};

/// Method name of `roflmarket.InstanceCreate`.
pub const METHOD_INSTANCE_CREATE: &str = "roflmarket.InstanceCreate";
/// Method name of `roflmarket.InstanceTopUp`.
pub const METHOD_INSTANCE_TOP_UP: &str = "roflmarket.InstanceTopUp";
/// Method name of `roflmarket.InstanceExecuteCmds`.
pub const METHOD_INSTANCE_EXECUTE_CMDS: &str = "roflmarket.InstanceExecuteCmds";
/// Method name of `roflmarket.InstanceChangeAdmin`.
pub const METHOD_INSTANCE_CHANGE_ADMIN: &str = "roflmarket.InstanceChangeAdmin";
/// Method name of `roflmarket.InstanceCancel`.
pub const METHOD_INSTANCE_CANCEL: &str = "roflmarket.InstanceCancel";

/// Scheduler command `Deploy`.
pub const COMMAND_DEPLOY: &str = "Deploy";
/// Scheduler command `Restart`.
pub const COMMAND_RESTART: &str = "Restart";
/// Scheduler command `Terminate`.
pub const COMMAND_TERMINATE: &str = "Terminate";

/// Deployment metadata key of the ORC reference (`<oci repository>@<digest>`), as the Oasis CLI
/// writes it (`build/rofl/scheduler/metadata.go` `MetadataKeyORCReference`).
pub const METADATA_ORC_REFERENCE: &str = "net.oasis.deployment.orc.ref";
/// Deployment metadata key of the machine permissions (`MetadataKeyPermissions`).
pub const METADATA_PERMISSIONS: &str = "net.oasis.scheduler.permissions";

/// The most commands one `InstanceExecuteCmds` carries in a body roflgov decodes (the module
/// bounds the queue per instance; a batch needs one Deploy per machine).
pub const MAX_COMMANDS: usize = 32;

macro_rules! id8 {
    ($name:ident, $what:literal) => {
        #[doc = concat!("A per-provider ", $what, " identifier: 8 bytes, big-endian; text form 16 hex digits.")]
        #[derive(Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub struct $name(pub [u8; 8]);

        impl $name {
            /// Parses the text form: exactly 16 hex digits (as the Oasis CLI's `UnmarshalText`).
            pub fn from_hex(text: &str) -> Result<Self, String> {
                let digits = text.strip_prefix("0x").unwrap_or(text);
                if digits.len() != 16 {
                    return Err(format!(
                        concat!($what, " id must be 16 hex digits, got {} characters"),
                        digits.len()
                    ));
                }
                let mut out = [0u8; 8];
                hex::decode_to_slice(digits, &mut out)
                    .map_err(|err| format!(concat!($what, " id is not hex: {}"), err))?;
                Ok(Self(out))
            }

            /// The identifier as an integer.
            pub fn as_u64(self) -> u64 {
                u64::from_be_bytes(self.0)
            }
        }

        impl From<u64> for $name {
            fn from(value: u64) -> Self {
                Self(value.to_be_bytes())
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&hex::encode(self.0))
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, concat!(stringify!($name), "({})"), self)
            }
        }
    };
}

id8!(InstanceId, "instance");
id8!(OfferId, "offer");

/// Reservation term (`Term`: hour 1, month 2, year 3).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Term {
    /// One hour.
    Hour,
    /// Thirty days.
    Month,
    /// 365 module months (see [`Term::seconds`]).
    Year,
}

impl Term {
    /// The integer the module encodes.
    pub fn code(self) -> u8 {
        match self {
            Term::Hour => 1,
            Term::Month => 2,
            Term::Year => 3,
        }
    }

    /// The term of an integer code.
    pub fn from_code(code: u64) -> Option<Self> {
        match code {
            1 => Some(Term::Hour),
            2 => Some(Term::Month),
            3 => Some(Term::Year),
            _ => None,
        }
    }

    /// The length of the term in seconds, as the module counts it (oasis-sdk
    /// `rofl-market/src/types.rs` `Term::as_secs`): a year is `365 * 30 * 24 * 60 * 60` there,
    /// 365 thirty-day months, and the module pays and extends `paid_until` by that, so roflgov
    /// counts the same (as `RoflMarketCbor.termSeconds` does).
    pub fn seconds(self) -> u64 {
        match self {
            Term::Hour => 60 * 60,
            Term::Month => 30 * 24 * 60 * 60,
            Term::Year => 365 * 30 * 24 * 60 * 60,
        }
    }
}

impl fmt::Display for Term {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Term::Hour => "hour",
            Term::Month => "month",
            Term::Year => "year",
        })
    }
}

impl std::str::FromStr for Term {
    type Err = String;

    /// `hour`, `month` or `year` (any case), as `oasis rofl deploy --term` takes them.
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match text.trim().to_ascii_lowercase().as_str() {
            "hour" => Ok(Term::Hour),
            "month" => Ok(Term::Month),
            "year" => Ok(Term::Year),
            _ => Err(format!("{text:?} is not a term: use hour, month or year")),
        }
    }
}

/// What a machine runs: `Deployment {app_id, manifest_hash, metadata}` (oasis-sdk
/// `rofl-market/src/types.rs`), in a command and in a `roflmarket.Instance` answer
/// ([`crate::query::MarketDeployment`]).
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct Deployment {
    /// The ROFL app deployed.
    pub app_id: AppId,
    /// oasis-core's manifest hash of the ORC bundle (not the sha256 of the file).
    pub manifest_hash: B256,
    /// Deployer metadata (the ORC reference, permissions, ...).
    pub metadata: Metadata,
}

impl Deployment {
    /// The ORC reference (`net.oasis.deployment.orc.ref`), if any.
    pub fn orc_reference(&self) -> Option<&str> {
        self.metadata.get(METADATA_ORC_REFERENCE).map(String::as_str)
    }
}

/// `roflmarket.InstanceCreate`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InstanceCreate {
    /// Provider address.
    pub provider: Address,
    /// The provider's offer.
    pub offer: OfferId,
    /// Admin of the new instance; the caller when absent.
    pub admin: Option<Address>,
    /// Deployment made once the provider accepts the instance.
    pub deployment: Option<Deployment>,
    /// Term pricing.
    pub term: Term,
    /// Number of terms paid in advance.
    pub term_count: u64,
}

/// `roflmarket.InstanceTopUp`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InstanceTopUp {
    /// Provider address.
    pub provider: Address,
    /// Instance.
    pub id: InstanceId,
    /// Term pricing.
    pub term: Term,
    /// Number of terms paid.
    pub term_count: u64,
}

/// `roflmarket.InstanceExecuteCmds`: commands queued for the scheduler (admin only).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InstanceExecuteCmds {
    /// Provider address.
    pub provider: Address,
    /// Instance.
    pub id: InstanceId,
    /// The commands, each the CBOR of a scheduler [`Command`].
    pub cmds: Vec<Vec<u8>>,
}

impl InstanceExecuteCmds {
    /// A body carrying `commands`, each encoded canonically.
    pub fn new(provider: Address, id: InstanceId, commands: &[Command]) -> Self {
        Self { provider, id, cmds: commands.iter().map(encode_command).collect() }
    }

    /// Strictly decodes every command; the error names the command's index.
    pub fn commands(&self) -> Result<Vec<Command>, CborError> {
        self.cmds
            .iter()
            .enumerate()
            .map(|(index, bytes)| {
                decode_command(bytes).map_err(|err| CborError {
                    path: if err.path.is_empty() {
                        format!("cmds[{index}]")
                    } else {
                        format!("cmds[{index}].{}", err.path)
                    },
                    kind: err.kind,
                })
            })
            .collect()
    }
}

/// `roflmarket.InstanceChangeAdmin` (admin only).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InstanceChangeAdmin {
    /// Provider address.
    pub provider: Address,
    /// Instance.
    pub id: InstanceId,
    /// The new admin.
    pub admin: Address,
}

/// `roflmarket.InstanceCancel` (admin only).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InstanceCancel {
    /// Provider address.
    pub provider: Address,
    /// Instance.
    pub id: InstanceId,
}

/// A scheduler command (`rofl-scheduler` `Command {method, args}`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Command {
    /// Deploy `deployment`; wipe the persistent storage first when `wipe_storage`.
    Deploy {
        /// What to run.
        deployment: Deployment,
        /// Whether the storage is wiped.
        wipe_storage: bool,
    },
    /// Restart the instance.
    Restart {
        /// Whether the storage is wiped.
        wipe_storage: bool,
    },
    /// Stop the instance.
    Terminate {
        /// Whether the storage is wiped.
        wipe_storage: bool,
    },
}

impl Command {
    /// The scheduler method name.
    pub fn method(&self) -> &'static str {
        match self {
            Command::Deploy { .. } => COMMAND_DEPLOY,
            Command::Restart { .. } => COMMAND_RESTART,
            Command::Terminate { .. } => COMMAND_TERMINATE,
        }
    }

    /// Whether the command wipes the instance's persistent storage.
    pub fn wipes_storage(&self) -> bool {
        match self {
            Command::Deploy { wipe_storage, .. }
            | Command::Restart { wipe_storage }
            | Command::Terminate { wipe_storage } => *wipe_storage,
        }
    }
}

/// One `roflmarket.*` call roflgov understands.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum MarketCall {
    /// `roflmarket.InstanceCreate`.
    InstanceCreate(InstanceCreate),
    /// `roflmarket.InstanceTopUp`.
    InstanceTopUp(InstanceTopUp),
    /// `roflmarket.InstanceExecuteCmds`.
    InstanceExecuteCmds(InstanceExecuteCmds),
    /// `roflmarket.InstanceChangeAdmin`.
    InstanceChangeAdmin(InstanceChangeAdmin),
    /// `roflmarket.InstanceCancel`.
    InstanceCancel(InstanceCancel),
}

impl MarketCall {
    /// The module method name.
    pub fn method(&self) -> &'static str {
        match self {
            MarketCall::InstanceCreate(_) => METHOD_INSTANCE_CREATE,
            MarketCall::InstanceTopUp(_) => METHOD_INSTANCE_TOP_UP,
            MarketCall::InstanceExecuteCmds(_) => METHOD_INSTANCE_EXECUTE_CMDS,
            MarketCall::InstanceChangeAdmin(_) => METHOD_INSTANCE_CHANGE_ADMIN,
            MarketCall::InstanceCancel(_) => METHOD_INSTANCE_CANCEL,
        }
    }
}

/// Whether `method` is a `roflmarket.*` method (known to roflgov or not).
pub fn is_market_method(method: &str) -> bool {
    method.starts_with("roflmarket.")
}

// ---------------------------------------------------------------------------------------------
// Encoding
// ---------------------------------------------------------------------------------------------

fn boolean(value: bool) -> Value {
    Value::Simple(if value { SimpleValue::TrueValue } else { SimpleValue::FalseValue })
}

fn deployment_value(deployment: &Deployment) -> Value {
    text_map(vec![
        ("app_id", Value::from(deployment.app_id.0.as_slice())),
        ("manifest_hash", Value::from(deployment.manifest_hash.as_slice())),
        ("metadata", metadata_value(&deployment.metadata)),
    ])
}

fn command_value(command: &Command) -> Value {
    let args = match command {
        Command::Deploy { deployment, wipe_storage } => text_map(vec![
            ("deployment", deployment_value(deployment)),
            ("wipe_storage", boolean(*wipe_storage)),
        ]),
        Command::Restart { wipe_storage } | Command::Terminate { wipe_storage } => {
            text_map(vec![("wipe_storage", boolean(*wipe_storage))])
        }
    };
    text_map(vec![("method", Value::from(command.method())), ("args", args)])
}

/// The canonical CBOR of a scheduler command (one entry of `InstanceExecuteCmds.cmds`).
pub fn encode_command(command: &Command) -> Vec<u8> {
    write_value(command_value(command))
}

/// The canonical CBOR of a `Deployment` (as nested in the bodies).
pub fn encode_deployment(deployment: &Deployment) -> Vec<u8> {
    write_value(deployment_value(deployment))
}

fn call_value(call: &MarketCall) -> Value {
    let bytes = |b: &[u8]| Value::from(b);
    match call {
        MarketCall::InstanceCreate(c) => {
            let mut entries = vec![
                ("provider", bytes(&c.provider.0)),
                ("offer", bytes(&c.offer.0)),
                ("term", Value::Unsigned(c.term.code().into())),
                ("term_count", Value::Unsigned(c.term_count)),
            ];
            if let Some(admin) = &c.admin {
                entries.push(("admin", bytes(&admin.0)));
            }
            if let Some(deployment) = &c.deployment {
                entries.push(("deployment", deployment_value(deployment)));
            }
            text_map(entries)
        }
        MarketCall::InstanceTopUp(c) => text_map(vec![
            ("provider", bytes(&c.provider.0)),
            ("id", bytes(&c.id.0)),
            ("term", Value::Unsigned(c.term.code().into())),
            ("term_count", Value::Unsigned(c.term_count)),
        ]),
        MarketCall::InstanceExecuteCmds(c) => text_map(vec![
            ("provider", bytes(&c.provider.0)),
            ("id", bytes(&c.id.0)),
            ("cmds", Value::Array(c.cmds.iter().map(|cmd| bytes(cmd)).collect())),
        ]),
        MarketCall::InstanceChangeAdmin(c) => text_map(vec![
            ("provider", bytes(&c.provider.0)),
            ("id", bytes(&c.id.0)),
            ("admin", bytes(&c.admin.0)),
        ]),
        MarketCall::InstanceCancel(c) => {
            text_map(vec![("provider", bytes(&c.provider.0)), ("id", bytes(&c.id.0))])
        }
    }
}

/// The canonical CBOR body of `call`.
pub fn encode_call(call: &MarketCall) -> Vec<u8> {
    write_value(call_value(call))
}

// ---------------------------------------------------------------------------------------------
// Strict decoding
// ---------------------------------------------------------------------------------------------

fn decode_bool(value: Value, path: &str) -> Result<bool, CborError> {
    match value {
        Value::Simple(SimpleValue::TrueValue) => Ok(true),
        Value::Simple(SimpleValue::FalseValue) => Ok(false),
        other => Err(wrong_type(path, "boolean", &other)),
    }
}

fn decode_term(value: Value, path: &str) -> Result<Term, CborError> {
    let code = decode_u64(value, path)?;
    Term::from_code(code)
        .ok_or_else(|| invalid(path, format!("unknown term {code} (1 = hour, 2 = month, 3 = year)")))
}

pub(crate) fn decode_deployment(value: Value, path: &str) -> Result<Deployment, CborError> {
    let mut fields = Fields::new(value, path)?;
    let (v, p) = fields.required("app_id")?;
    let app_id = decode_app_id(v, &p)?;
    let (v, p) = fields.required("manifest_hash")?;
    let manifest_hash = B256::from(decode_fixed::<32>(v, &p)?);
    let (v, p) = fields.required("metadata")?;
    let metadata = decode_metadata(v, &p)?;
    fields.finish()?;
    Ok(Deployment { app_id, manifest_hash, metadata })
}

fn decode_command_value(value: Value) -> Result<Command, CborError> {
    let mut fields = Fields::new(value, "")?;
    let (v, p) = fields.required("method")?;
    let method = decode_text(v, &p)?;
    let (args, args_path) = fields.required("args")?;
    fields.finish()?;
    let mut args = Fields::new(args, &args_path)?;
    let command = match method.as_str() {
        COMMAND_DEPLOY => {
            let (v, p) = args.required("deployment")?;
            let deployment = decode_deployment(v, &p)?;
            let (v, p) = args.required("wipe_storage")?;
            Command::Deploy { deployment, wipe_storage: decode_bool(v, &p)? }
        }
        COMMAND_RESTART => {
            let (v, p) = args.required("wipe_storage")?;
            Command::Restart { wipe_storage: decode_bool(v, &p)? }
        }
        COMMAND_TERMINATE => {
            let (v, p) = args.required("wipe_storage")?;
            Command::Terminate { wipe_storage: decode_bool(v, &p)? }
        }
        other => {
            return Err(invalid(
                "method",
                format!("unknown scheduler command {other:?} (expected Deploy, Restart or Terminate)"),
            ));
        }
    };
    args.finish()?;
    Ok(command)
}

/// Strictly decodes one scheduler command.
pub fn decode_command(bytes: &[u8]) -> Result<Command, CborError> {
    decode_command_value(read_canonical(bytes)?)
}

fn provider_and_id(fields: &mut Fields) -> Result<(Address, InstanceId), CborError> {
    let (v, p) = fields.required("provider")?;
    let provider = decode_address(v, &p)?;
    let (v, p) = fields.required("id")?;
    let id = InstanceId(decode_fixed::<8>(v, &p)?);
    Ok((provider, id))
}

/// Strictly decodes the body of a `roflmarket.*` call roflgov understands.
pub fn decode_call(method: &str, body: &[u8]) -> Result<MarketCall, CborError> {
    let mut fields = Fields::new(read_canonical(body)?, "")?;
    let call = match method {
        METHOD_INSTANCE_CREATE => {
            let (v, p) = fields.required("provider")?;
            let provider = decode_address(v, &p)?;
            let (v, p) = fields.required("offer")?;
            let offer = OfferId(decode_fixed::<8>(v, &p)?);
            let admin = fields.optional("admin").map(|(v, p)| decode_address(v, &p)).transpose()?;
            let deployment =
                fields.optional("deployment").map(|(v, p)| decode_deployment(v, &p)).transpose()?;
            let (v, p) = fields.required("term")?;
            let term = decode_term(v, &p)?;
            let (v, p) = fields.required("term_count")?;
            let term_count = decode_u64(v, &p)?;
            MarketCall::InstanceCreate(InstanceCreate {
                provider,
                offer,
                admin,
                deployment,
                term,
                term_count,
            })
        }
        METHOD_INSTANCE_TOP_UP => {
            let (provider, id) = provider_and_id(&mut fields)?;
            let (v, p) = fields.required("term")?;
            let term = decode_term(v, &p)?;
            let (v, p) = fields.required("term_count")?;
            let term_count = decode_u64(v, &p)?;
            MarketCall::InstanceTopUp(InstanceTopUp { provider, id, term, term_count })
        }
        METHOD_INSTANCE_EXECUTE_CMDS => {
            let (provider, id) = provider_and_id(&mut fields)?;
            let (v, p) = fields.required("cmds")?;
            let items = decode_array(v, &p)?;
            if items.len() > MAX_COMMANDS {
                return Err(invalid(
                    &p,
                    format!("{} commands, more than the {MAX_COMMANDS} roflgov reads", items.len()),
                ));
            }
            let cmds = items
                .into_iter()
                .enumerate()
                .map(|(index, v)| decode_bytes(v, &item(&p, index)))
                .collect::<Result<Vec<_>, _>>()?;
            MarketCall::InstanceExecuteCmds(InstanceExecuteCmds { provider, id, cmds })
        }
        METHOD_INSTANCE_CHANGE_ADMIN => {
            let (provider, id) = provider_and_id(&mut fields)?;
            let (v, p) = fields.required("admin")?;
            let admin = decode_address(v, &p)?;
            MarketCall::InstanceChangeAdmin(InstanceChangeAdmin { provider, id, admin })
        }
        METHOD_INSTANCE_CANCEL => {
            let (provider, id) = provider_and_id(&mut fields)?;
            MarketCall::InstanceCancel(InstanceCancel { provider, id })
        }
        other => {
            return Err(invalid(
                "",
                format!(
                    "roflgov does not read {other:?} (it reads roflmarket.InstanceCreate, InstanceTopUp, \
                     InstanceExecuteCmds, InstanceChangeAdmin and InstanceCancel)"
                ),
            ));
        }
    };
    fields.finish()?;
    Ok(call)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn terms_parse_as_the_oasis_cli_names_them() {
        assert_eq!("hour".parse::<Term>(), Ok(Term::Hour));
        assert_eq!(" Month ".parse::<Term>(), Ok(Term::Month));
        assert_eq!("YEAR".parse::<Term>(), Ok(Term::Year));
        assert_eq!("week".parse::<Term>().unwrap_err(), "\"week\" is not a term: use hour, month or year");
        // Codes as the module encodes them (oasis-sdk rofl-market `Term`: 1, 2, 3).
        assert_eq!(
            ["hour", "month", "year"].map(|t| t.parse::<Term>().map(Term::code)),
            [Ok(1), Ok(2), Ok(3)]
        );
    }

    fn deployment() -> Deployment {
        Deployment {
            app_id: AppId::from_global_name("test global app"),
            manifest_hash: B256::repeat_byte(0xab),
            metadata: [(METADATA_ORC_REFERENCE.to_owned(), "ghcr.io/x/y:orc@sha256:00".to_owned())].into(),
        }
    }

    /// The module's own lengths (oasis-sdk `Term::as_secs`), which the Solidity encoder uses too.
    #[test]
    fn terms_last_as_the_module_counts() {
        assert_eq!(Term::Hour.seconds(), 3_600);
        assert_eq!(Term::Month.seconds(), 2_592_000);
        assert_eq!(Term::Year.seconds(), 946_080_000);
    }

    #[test]
    fn commands_round_trip() {
        for command in [
            Command::Deploy { deployment: deployment(), wipe_storage: false },
            Command::Deploy { deployment: deployment(), wipe_storage: true },
            Command::Restart { wipe_storage: false },
            Command::Terminate { wipe_storage: true },
        ] {
            let bytes = encode_command(&command);
            assert_eq!(decode_command(&bytes).unwrap(), command);
        }
    }

    #[test]
    fn restart_bytes_by_hand() {
        // {"args": {"wipe_storage": false}, "method": "Restart"}: "args" sorts before "method".
        let expected =
            hex::decode("a26461726773a16c776970655f73746f72616765f4666d6574686f646752657374617274").unwrap();
        assert_eq!(encode_command(&Command::Restart { wipe_storage: false }), expected);
    }

    #[test]
    fn calls_round_trip_and_refuse_extras() {
        let provider = Address([7; 21]);
        let calls = [
            MarketCall::InstanceCreate(InstanceCreate {
                provider,
                offer: OfferId::from(3),
                admin: None,
                deployment: None,
                term: Term::Month,
                term_count: 1,
            }),
            MarketCall::InstanceCreate(InstanceCreate {
                provider,
                offer: OfferId::from(3),
                admin: Some(Address([9; 21])),
                deployment: Some(deployment()),
                term: Term::Hour,
                term_count: 12,
            }),
            MarketCall::InstanceTopUp(InstanceTopUp {
                provider,
                id: 30.into(),
                term: Term::Year,
                term_count: 1,
            }),
            MarketCall::InstanceExecuteCmds(InstanceExecuteCmds::new(
                provider,
                30.into(),
                &[Command::Deploy { deployment: deployment(), wipe_storage: false }],
            )),
            MarketCall::InstanceChangeAdmin(InstanceChangeAdmin {
                provider,
                id: 30.into(),
                admin: Address([1; 21]),
            }),
            MarketCall::InstanceCancel(InstanceCancel { provider, id: 30.into() }),
        ];
        for call in calls {
            let body = encode_call(&call);
            assert_eq!(decode_call(call.method(), &body).unwrap(), call);
            // A body of another method is refused (missing or unknown fields).
            let other = if call.method() == METHOD_INSTANCE_CANCEL {
                METHOD_INSTANCE_TOP_UP
            } else {
                METHOD_INSTANCE_CANCEL
            };
            assert!(decode_call(other, &body).is_err(), "{} body read as {other}", call.method());
        }
    }

    #[test]
    fn bad_input_names_the_field() {
        let mut bytes = encode_command(&Command::Deploy { deployment: deployment(), wipe_storage: false });
        // Cut the manifest hash short: not canonical anymore / malformed.
        bytes.truncate(bytes.len() - 1);
        assert!(decode_command(&bytes).is_err());
        let unknown =
            write_value(text_map(vec![("method", Value::from("Reboot")), ("args", text_map(vec![]))]));
        let err = decode_command(&unknown).unwrap_err().to_string();
        assert!(err.contains("unknown scheduler command \"Reboot\""), "{err}");
        let bad_term = write_value(text_map(vec![
            ("provider", Value::from([7u8; 21].as_slice())),
            ("id", Value::from([0u8; 8].as_slice())),
            ("term", Value::Unsigned(4)),
            ("term_count", Value::Unsigned(1)),
        ]));
        let err = decode_call(METHOD_INSTANCE_TOP_UP, &bad_term).unwrap_err().to_string();
        assert!(err.starts_with("term: unknown term 4"), "{err}");
        assert!(InstanceId::from_hex("1e").is_err());
        assert_eq!(InstanceId::from_hex("000000000000001e").unwrap().as_u64(), 30);
    }
}
