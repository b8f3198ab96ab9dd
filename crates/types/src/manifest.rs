//! Oasis CLI `rofl.yaml` manifests, read as the CLI writes them.
//!
//! [`Manifest::from_path`] / [`Manifest::from_str_named`] parse the whole file eagerly, so any
//! error is reported up front with the file name, the path inside the file (e.g.
//! `deployments.mainnet.policy.enclaves[1].id`) and what is wrong. Unknown keys are tolerated
//! outside `policy` (newer CLIs add fields); inside `policy` every key must be known.
//!
//! YAML forms inside `policy`:
//! - `enclaves: [{id, version?, description?}]`, `id` = base64(mr_enclave ‖ mr_signer);
//! - endorsements as one-key maps: `any: {}`, `role_compute: {}`, `role_observer: {}`,
//!   `entity`/`node`: base64 (or `0x`-hex) of a 32-byte public key, `provider` /
//!   `provider_instance_admin`: an `oasis1…` address, `and`/`or`: lists;
//! - `fees: instance | endorsing_node`;
//! - `quotes.pcs` with the CBOR field names; TDX module measurements as hex (or base64) of 48
//!   bytes; `quotes.ias` must be absent or null.
//!
//! The metadata of a deployment ([`Manifest::deployment_metadata`]) is what `oasis rofl
//! create`/`update` sends: the top-level `name`, `version`, `repository`, `author`, `license`,
//! `homepage` and `description` as `net.oasis.rofl.<field>` (non-empty ones only), overlaid by
//! the deployment's own `metadata` (its keys win). Artifacts likewise: a deployment's
//! `artifacts` overlay the top-level ones ([`Manifest::deployment_artifacts`]).

use std::{collections::BTreeMap, fmt::Write as _, path::Path};

use alloy_primitives::{Bytes, FixedBytes};
use base64::{Engine as _, engine::general_purpose::STANDARD as BASE64};
use serde_norway::Value;

use crate::{
    ids::{Address, AppId},
    policy::{
        AllowedEndorsement, AppAuthPolicy, EnclaveIdentity, FeePolicy, Metadata, PcsQuotePolicy, QuotePolicy,
        Secrets, TdxModulePolicy, TdxQuotePolicy,
    },
};

/// Why a manifest could not be read or a deployment not be turned into a config.
#[derive(Debug, thiserror::Error)]
pub enum ManifestError {
    /// The file could not be read.
    #[error("{file}: cannot read: {source}")]
    Io {
        /// File name.
        file: String,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The file is not UTF-8.
    #[error("{file}: not UTF-8 (invalid byte at offset {offset})")]
    NotUtf8 {
        /// File name.
        file: String,
        /// Offset of the first invalid byte.
        offset: usize,
    },
    /// The file is larger than [`MAX_MANIFEST_SIZE`] (real manifests are a few KiB).
    #[error("{file}: larger than the {limit}-byte limit for a rofl.yaml")]
    TooLarge {
        /// File name.
        file: String,
        /// The limit, in bytes.
        limit: usize,
    },
    /// The file is not YAML (syntax error, duplicate key...).
    #[error("{file}: invalid YAML: {message}")]
    Yaml {
        /// File name.
        file: String,
        /// What the YAML parser reported (with line and column).
        message: String,
    },
    /// A value inside the file is wrong.
    #[error("{file}: {path}: {message}")]
    Invalid {
        /// File name.
        file: String,
        /// Path inside the file, e.g. `deployments.mainnet.policy.enclaves[1].id`.
        path: String,
        /// What is wrong.
        message: String,
    },
    /// [`Manifest::deployment`] was asked for a deployment the file does not have.
    #[error("{file}: no deployment named {name:?} (deployments: {available})")]
    NoSuchDeployment {
        /// File name.
        file: String,
        /// The name asked for.
        name: String,
        /// The deployments the file has, comma separated.
        available: String,
    },
    /// The deployment has no `policy`.
    #[error("{file}: deployments.{name}: no policy")]
    NoPolicy {
        /// File name.
        file: String,
        /// Deployment name.
        name: String,
    },
}

impl crate::failure::Classified for ManifestError {
    /// Every manifest error is about the file given (unreadable, malformed, no such
    /// deployment, an invalid value): an input error.
    fn class(&self) -> crate::failure::FailureClass {
        crate::failure::FailureClass::Input
    }
}

/// The TEE an app runs in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Tee {
    /// Intel SGX.
    Sgx,
    /// Intel TDX.
    Tdx,
}

/// The kind of app.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum AppKind {
    /// A raw binary.
    Raw,
    /// Containers (compose file).
    Container,
}

/// `resources`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Resources {
    /// Memory in MiB.
    pub memory: u64,
    /// Number of vCPUs.
    pub cpus: u64,
    /// Persistent storage, if any.
    pub storage: Option<Storage>,
}

/// `resources.storage`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Storage {
    /// e.g. `disk-persistent`, `disk-ephemeral`, `ram`, `none`.
    pub kind: String,
    /// Size in MiB.
    pub size: Option<u64>,
}

/// `artifacts` (URLs with `#sha256`, kept as written).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Artifacts {
    /// Builder image.
    pub builder: Option<String>,
    /// TDX firmware.
    pub firmware: Option<String>,
    /// Kernel (stage 1).
    pub kernel: Option<String>,
    /// Stage 2 root filesystem.
    pub stage2: Option<String>,
    /// Container runtime and compose file.
    pub container: Option<ContainerArtifacts>,
}

/// `artifacts.container`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ContainerArtifacts {
    /// The `rofl-containers` runtime.
    pub runtime: Option<String>,
    /// The compose file (path relative to the manifest).
    pub compose: Option<String>,
}

/// `deployments.<name>.trust_root`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TrustRoot {
    /// Consensus height.
    pub height: u64,
    /// Block hash (hex, as written).
    pub hash: String,
}

/// One enclave of `policy.enclaves`, with the review fields the CLI may add.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EnclaveEntry {
    /// The identity.
    pub identity: EnclaveIdentity,
    /// `version`, when written.
    pub version: Option<String>,
    /// `description`, when written.
    pub description: Option<String>,
}

/// `deployments.<name>.policy`: the typed policy plus the per-enclave review fields.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ManifestPolicy {
    /// The policy as the module will see it.
    pub policy: AppAuthPolicy,
    /// The enclaves in file order, with their `version`/`description`.
    pub enclaves: Vec<EnclaveEntry>,
}

/// `deployments.<name>.machines.<machine>` (strings as written), as the Oasis CLI reads it
/// (`build/rofl/manifest.go` `Machine`: `provider`, `offer`, `id`, `permissions`; an offer or
/// an id without a provider is refused, as `Machine.Validate` does).
///
/// What the machine runs is the deployment's ORC: `oasis rofl deploy` pushes it to the
/// deployment's `oci_repository` and pins `<oci_repository>@<digest>` in the Deploy's metadata
/// (`net.oasis.deployment.orc.ref`) next to the bundle's manifest hash.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Machine {
    /// Provider address (`oasis1…` or `0x…`; the CLI also takes a local account name).
    pub provider: Option<String>,
    /// Offer name: the offer's `net.oasis.scheduler.offer` metadata, not its numeric id.
    pub offer: Option<String>,
    /// Machine (instance) id: 16 hex digits.
    pub id: Option<String>,
    /// Permissions: action (e.g. `log.view`) → addresses, as written.
    pub permissions: BTreeMap<String, Vec<String>>,
}

impl Machine {
    /// The provider as an Oasis address (`oasis1…`, or an `0x` Ethereum address mapped with
    /// [`Address::from_eth`]); `None` when not set.
    pub fn provider_address(&self) -> Result<Option<Address>, String> {
        let Some(text) = self.provider.as_deref() else { return Ok(None) };
        parse_admin(text).map(Some).map_err(|err| format!("machine provider: {err}"))
    }

    /// The machine's instance id; `None` when not set.
    pub fn instance_id(&self) -> Result<Option<crate::market::InstanceId>, String> {
        self.id.as_deref().map(crate::market::InstanceId::from_hex).transpose()
    }
}

/// The `machines` section of a deployment as YAML (ids quoted, so that `0000000000000004`
/// stays a string); reading it back gives the same machines.
pub fn machines_to_yaml(machines: &BTreeMap<String, Machine>) -> String {
    use serde_norway::{Mapping, Value as Y};
    let mut root = Mapping::new();
    for (name, machine) in machines {
        let mut entry = Mapping::new();
        for (key, value) in [("provider", &machine.provider), ("offer", &machine.offer), ("id", &machine.id)]
        {
            if let Some(value) = value {
                entry.insert(Y::from(key), Y::from(value.as_str()));
            }
        }
        if !machine.permissions.is_empty() {
            let mut permissions = Mapping::new();
            for (action, who) in &machine.permissions {
                permissions.insert(
                    Y::from(action.as_str()),
                    Y::Sequence(who.iter().map(|w| Y::from(w.as_str())).collect()),
                );
            }
            entry.insert(Y::from("permissions"), Y::Mapping(permissions));
        }
        root.insert(Y::from(name.as_str()), Y::Mapping(entry));
    }
    let mut outer = Mapping::new();
    outer.insert(Y::from("machines"), Y::Mapping(root));
    serde_norway::to_string(&Y::Mapping(outer)).expect("a YAML mapping of strings serializes")
}

/// One deployment, as written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Deployment {
    /// Network name (`mainnet`, `testnet`, ...).
    pub network: String,
    /// ParaTime name (`sapphire`).
    pub paratime: String,
    /// The app id, once created.
    pub app_id: Option<AppId>,
    /// The admin as written: an address or a CLI account name.
    pub admin: Option<String>,
    /// Where the ORC bundle is pushed.
    pub oci_repository: Option<String>,
    /// Consensus trust root.
    pub trust_root: Option<TrustRoot>,
    /// The policy, when written.
    pub policy: Option<ManifestPolicy>,
    /// The deployment's own `metadata`, as written (see [`Manifest::deployment_metadata`] for
    /// what the CLI sends).
    pub metadata: Metadata,
    /// Encrypted secrets, in file order.
    pub secrets: Vec<(String, Bytes)>,
    /// The deployment's own `artifacts`, as written (see [`Manifest::deployment_artifacts`]).
    pub artifacts: Option<Artifacts>,
    /// Machines by name.
    pub machines: BTreeMap<String, Machine>,
}

/// A parsed `rofl.yaml`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Manifest {
    /// The file name given when reading (used in errors).
    pub file: String,
    /// App name.
    pub name: String,
    /// App version.
    pub version: String,
    /// `repository`, if any.
    pub repository: Option<String>,
    /// `author`, if any.
    pub author: Option<String>,
    /// `license`, if any.
    pub license: Option<String>,
    /// `homepage`, if any.
    pub homepage: Option<String>,
    /// `description`, if any.
    pub description: Option<String>,
    /// TEE.
    pub tee: Tee,
    /// App kind.
    pub kind: AppKind,
    /// Resources.
    pub resources: Resources,
    /// Top-level artifacts (a deployment may overlay its own).
    pub artifacts: Artifacts,
    /// Deployments by name.
    pub deployments: BTreeMap<String, Deployment>,
}

/// One deployment turned into what the module stores.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeploymentConfig {
    /// Deployment name.
    pub name: String,
    /// Network name.
    pub network: String,
    /// ParaTime name.
    pub paratime: String,
    /// App id, once created.
    pub app_id: Option<AppId>,
    /// Admin address (bech32 `oasis1…`, or an `0x` Ethereum address mapped with
    /// [`Address::from_eth`]).
    pub admin: Option<Address>,
    /// The policy.
    pub policy: AppAuthPolicy,
    /// The enclaves with their review fields, in file order.
    pub enclaves: Vec<EnclaveEntry>,
    /// Metadata as `oasis rofl create`/`update` sends it: the top-level fields as
    /// `net.oasis.rofl.*` overlaid by the deployment's `metadata`.
    pub metadata: Metadata,
    /// Secrets.
    pub secrets: Secrets,
    /// Artifacts: the top-level ones overlaid by the deployment's.
    pub artifacts: Artifacts,
}

// ---------------------------------------------------------------------------------------------
// Value walker with paths
// ---------------------------------------------------------------------------------------------

/// An error before the file name is attached.
struct PathError {
    path: String,
    message: String,
}

type Walk<T> = Result<T, PathError>;

fn fail<T>(path: &str, message: impl Into<String>) -> Walk<T> {
    Err(PathError {
        path: if path.is_empty() { "<root>".into() } else { path.to_owned() },
        message: message.into(),
    })
}

fn kind_of(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Sequence(_) => "a list",
        Value::Mapping(_) => "a map",
        Value::Tagged(_) => "a tagged value",
    }
}

fn join(path: &str, key: &str) -> String {
    if path.is_empty() { key.to_owned() } else { format!("{path}.{key}") }
}

/// A YAML map with string keys, read field by field.
struct MapWalk<'a> {
    path: String,
    entries: Vec<(&'a str, &'a Value)>,
}

impl<'a> MapWalk<'a> {
    fn new(value: &'a Value, path: &str) -> Walk<Self> {
        let Value::Mapping(mapping) = value else {
            return fail(path, format!("expected a map, got {}", kind_of(value)));
        };
        let mut entries = Vec::with_capacity(mapping.len());
        for (key, value) in mapping {
            match key {
                Value::String(key) => entries.push((key.as_str(), value)),
                other => {
                    return fail(path, format!("expected string keys, got {}", kind_of(other)));
                }
            }
        }
        Ok(Self { path: path.to_owned(), entries })
    }

    fn get(&self, key: &str) -> Option<(&'a Value, String)> {
        self.entries.iter().find(|(name, _)| *name == key).map(|(_, value)| (*value, join(&self.path, key)))
    }

    fn required(&self, key: &str) -> Walk<(&'a Value, String)> {
        match self.get(key) {
            Some(found) => Ok(found),
            None => fail(&join(&self.path, key), "missing"),
        }
    }

    /// `get`, treating an explicit null like an absent key.
    fn present(&self, key: &str) -> Option<(&'a Value, String)> {
        self.get(key).filter(|(value, _)| !value.is_null())
    }

    fn deny_unknown(&self, known: &[&str]) -> Walk<()> {
        for (key, _) in &self.entries {
            if !known.contains(key) {
                return fail(
                    &join(&self.path, key),
                    format!("unknown field (expected one of: {})", known.join(", ")),
                );
            }
        }
        Ok(())
    }
}

fn string(value: &Value, path: &str) -> Walk<String> {
    match value {
        Value::String(text) => Ok(text.clone()),
        other => fail(path, format!("expected a string, got {}", kind_of(other))),
    }
}

/// A scalar written as a string or a number (`id: 000000000000001e`, `id: "0004"`).
fn scalar_string(value: &Value, path: &str) -> Walk<String> {
    match value {
        Value::String(text) => Ok(text.clone()),
        Value::Number(number) => Ok(number.to_string()),
        Value::Bool(flag) => Ok(flag.to_string()),
        other => fail(path, format!("expected a scalar, got {}", kind_of(other))),
    }
}

fn u64_value(value: &Value, path: &str) -> Walk<u64> {
    match value {
        Value::Number(number) => match number.as_u64() {
            Some(n) => Ok(n),
            None => fail(path, format!("expected a non-negative integer, got {number}")),
        },
        other => fail(path, format!("expected a non-negative integer, got {}", kind_of(other))),
    }
}

fn bounded<T: TryFrom<u64>>(value: &Value, path: &str, type_label: &str) -> Walk<T> {
    let n = u64_value(value, path)?;
    T::try_from(n).or_else(|_| fail(path, format!("{n} does not fit in {type_label}")))
}

fn bool_value(value: &Value, path: &str) -> Walk<bool> {
    match value {
        Value::Bool(flag) => Ok(*flag),
        other => fail(path, format!("expected true or false, got {}", kind_of(other))),
    }
}

fn sequence<'a>(value: &'a Value, path: &str) -> Walk<&'a [Value]> {
    match value {
        Value::Sequence(items) => Ok(items),
        other => fail(path, format!("expected a list, got {}", kind_of(other))),
    }
}

fn optional_string(map: &MapWalk<'_>, key: &str) -> Walk<Option<String>> {
    map.present(key).map(|(value, path)| string(value, &path)).transpose()
}

fn base64_bytes(value: &Value, path: &str) -> Walk<Vec<u8>> {
    let text = string(value, path)?;
    BASE64.decode(text.trim()).or_else(|err| fail(path, format!("invalid base64: {err}")))
}

/// A fixed-size byte string written as `0x`-hex, bare hex (when `allow_bare_hex`), or base64.
fn fixed_bytes<const N: usize>(value: &Value, path: &str, allow_bare_hex: bool) -> Walk<[u8; N]> {
    let text = string(value, path)?;
    let bytes = if let Some(digits) = text.strip_prefix("0x") {
        hex::decode(digits).or_else(|err| fail(path, format!("invalid hex: {err}")))?
    } else if allow_bare_hex && text.len() == 2 * N && text.bytes().all(|b| b.is_ascii_hexdigit()) {
        hex::decode(&text).or_else(|err| fail(path, format!("invalid hex: {err}")))?
    } else {
        BASE64.decode(text.trim()).or_else(|err| fail(path, format!("invalid base64: {err}")))?
    };
    let found = bytes.len();
    bytes.try_into().or_else(|_| fail(path, format!("expected {N} bytes, got {found}")))
}

fn address_value(value: &Value, path: &str) -> Walk<Address> {
    let text = string(value, path)?;
    Address::parse_bech32_or_hex(&text).or_else(|err| fail(path, err.to_string()))
}

// ---------------------------------------------------------------------------------------------
// Policy (strict)
// ---------------------------------------------------------------------------------------------

fn parse_enclave(value: &Value, path: &str) -> Walk<EnclaveEntry> {
    let map = MapWalk::new(value, path)?;
    map.deny_unknown(&["id", "version", "description"])?;
    let (id, id_path) = map.required("id")?;
    let bytes = base64_bytes(id, &id_path)?;
    let Some(identity) = EnclaveIdentity::from_raw(&bytes) else {
        return fail(&id_path, format!("expected 64 bytes (mr_enclave ‖ mr_signer), got {}", bytes.len()));
    };
    Ok(EnclaveEntry {
        identity,
        version: map.present("version").map(|(v, p)| scalar_string(v, &p)).transpose()?,
        description: optional_string(&map, "description")?,
    })
}

const ENDORSEMENT_KINDS: &str =
    "any, role_compute, role_observer, entity, node, provider, provider_instance_admin, and, or";

fn parse_endorsements(value: &Value, path: &str, depth: usize) -> Walk<Vec<AllowedEndorsement>> {
    sequence(value, path)?
        .iter()
        .enumerate()
        .map(|(index, item)| parse_endorsement(item, &format!("{path}[{index}]"), depth))
        .collect()
}

fn parse_endorsement(value: &Value, path: &str, depth: usize) -> Walk<AllowedEndorsement> {
    // Well above the module's own limit of 4; only guards the recursion.
    if depth > 32 {
        return fail(path, "endorsements nested deeper than 32");
    }
    let map = MapWalk::new(value, path)?;
    let [(key, inner)] = map.entries.as_slice() else {
        return fail(
            path,
            format!("an endorsement is a map with exactly one key, got {} keys", map.entries.len()),
        );
    };
    let inner_path = join(path, key);
    let unit = |inner: &Value| -> Walk<()> {
        match inner {
            Value::Null => Ok(()),
            Value::Mapping(mapping) if mapping.is_empty() => Ok(()),
            other => fail(&inner_path, format!("expected {{}} (no parameters), got {}", kind_of(other))),
        }
    };
    Ok(match *key {
        "any" => unit(inner).map(|()| AllowedEndorsement::Any {})?,
        "role_compute" => unit(inner).map(|()| AllowedEndorsement::RoleCompute {})?,
        "role_observer" => unit(inner).map(|()| AllowedEndorsement::RoleObserver {})?,
        "entity" => AllowedEndorsement::Entity(fixed_bytes::<32>(inner, &inner_path, false)?.into()),
        "node" => AllowedEndorsement::Node(fixed_bytes::<32>(inner, &inner_path, false)?.into()),
        "provider" => AllowedEndorsement::Provider(address_value(inner, &inner_path)?),
        "provider_instance_admin" => {
            AllowedEndorsement::ProviderInstanceAdmin(address_value(inner, &inner_path)?)
        }
        "and" => AllowedEndorsement::And(parse_endorsements(inner, &inner_path, depth + 1)?),
        "or" => AllowedEndorsement::Or(parse_endorsements(inner, &inner_path, depth + 1)?),
        other => {
            return fail(
                &inner_path,
                format!("unknown endorsement kind {other:?} (expected one of: {ENDORSEMENT_KINDS})"),
            );
        }
    })
}

fn parse_tdx_module(value: &Value, path: &str) -> Walk<TdxModulePolicy> {
    let map = MapWalk::new(value, path)?;
    map.deny_unknown(&["mr_seam", "mr_signer_seam"])?;
    let mr_seam = map
        .present("mr_seam")
        .map(|(v, p)| fixed_bytes::<48>(v, &p, true).map(FixedBytes::from))
        .transpose()?;
    let (v, p) = map.required("mr_signer_seam")?;
    Ok(TdxModulePolicy { mr_seam, mr_signer_seam: FixedBytes::from(fixed_bytes::<48>(v, &p, true)?) })
}

fn parse_fmspc_list(map: &MapWalk<'_>, key: &str) -> Walk<Vec<String>> {
    match map.present(key) {
        None => Ok(Vec::new()),
        Some((value, path)) => sequence(value, &path)?
            .iter()
            .enumerate()
            .map(|(index, item)| {
                let item_path = format!("{path}[{index}]");
                let fmspc = scalar_string(item, &item_path)?;
                check_fmspc(&fmspc, &item_path)?;
                Ok(fmspc)
            })
            .collect(),
    }
}

/// An FMSPC as the ROFL module compares it: exactly 12 upper-case hex digits, as Intel's TCB
/// info writes them. The module compares strings, so a lower-case whitelist entry would lock
/// out every quote and a lower-case blacklist entry would block nothing
/// (`docs/text-rules.md`).
fn check_fmspc(fmspc: &str, path: &str) -> Walk<()> {
    if fmspc.len() != 12 || !fmspc.bytes().all(|b| b.is_ascii_hexdigit()) {
        return fail(path, format!("{fmspc:?} is not an FMSPC (12 hex digits)"));
    }
    if fmspc.bytes().any(|b| b.is_ascii_lowercase()) {
        return fail(
            path,
            format!(
                "FMSPC {fmspc:?} must be upper-case hex as Intel writes it ({}): the module compares FMSPCs as \
                 strings, so a lower-case entry never matches",
                fmspc.to_ascii_uppercase()
            ),
        );
    }
    Ok(())
}

fn parse_pcs(value: &Value, path: &str) -> Walk<PcsQuotePolicy> {
    let map = MapWalk::new(value, path)?;
    map.deny_unknown(&[
        "disabled",
        "tcb_validity_period",
        "min_tcb_evaluation_data_number",
        "fmspc_whitelist",
        "fmspc_blacklist",
        "tdx",
    ])?;
    let (v, p) = map.required("tcb_validity_period")?;
    let tcb_validity_period = bounded::<u16>(v, &p, "u16")?;
    let (v, p) = map.required("min_tcb_evaluation_data_number")?;
    let min_tcb_evaluation_data_number = bounded::<u32>(v, &p, "u32")?;
    let disabled = map.present("disabled").map(|(v, p)| bool_value(v, &p)).transpose()?.unwrap_or(false);
    let tdx = match map.get("tdx") {
        None => None,
        // `tdx: {}` and `tdx:` (null) both mean "TDX allowed, any module".
        Some((Value::Null, _)) => Some(TdxQuotePolicy::default()),
        Some((v, p)) => {
            let tdx_map = MapWalk::new(v, &p)?;
            tdx_map.deny_unknown(&["allowed_tdx_modules"])?;
            let allowed_tdx_modules = match tdx_map.present("allowed_tdx_modules") {
                None => Vec::new(),
                Some((v, p)) => sequence(v, &p)?
                    .iter()
                    .enumerate()
                    .map(|(index, item)| parse_tdx_module(item, &format!("{p}[{index}]")))
                    .collect::<Walk<_>>()?,
            };
            Some(TdxQuotePolicy { allowed_tdx_modules })
        }
    };
    Ok(PcsQuotePolicy {
        disabled,
        tcb_validity_period,
        min_tcb_evaluation_data_number,
        fmspc_whitelist: parse_fmspc_list(&map, "fmspc_whitelist")?,
        fmspc_blacklist: parse_fmspc_list(&map, "fmspc_blacklist")?,
        tdx,
    })
}

fn parse_quotes(value: &Value, path: &str) -> Walk<QuotePolicy> {
    let map = MapWalk::new(value, path)?;
    map.deny_unknown(&["ias", "pcs"])?;
    if let Some((_, p)) = map.present("ias") {
        return fail(&p, "IAS quote policies are unsupported (Intel retired IAS)");
    }
    Ok(QuotePolicy { ias: None, pcs: map.present("pcs").map(|(v, p)| parse_pcs(v, &p)).transpose()? })
}

fn parse_fees(value: &Value, path: &str) -> Walk<FeePolicy> {
    match string(value, path)?.as_str() {
        "instance" => Ok(FeePolicy::Instance),
        "endorsing_node" => Ok(FeePolicy::EndorsingNode),
        other => fail(path, format!("unknown fee policy {other:?} (expected instance or endorsing_node)")),
    }
}

fn parse_policy(value: &Value, path: &str) -> Walk<ManifestPolicy> {
    let map = MapWalk::new(value, path)?;
    map.deny_unknown(&["quotes", "enclaves", "endorsements", "fees", "max_expiration"])?;
    let (v, p) = map.required("quotes")?;
    let quotes = parse_quotes(v, &p)?;
    let enclaves = match map.present("enclaves") {
        None => Vec::new(),
        Some((v, p)) => sequence(v, &p)?
            .iter()
            .enumerate()
            .map(|(index, item)| parse_enclave(item, &format!("{p}[{index}]")))
            .collect::<Walk<Vec<_>>>()?,
    };
    let (v, p) = map.required("endorsements")?;
    let endorsements = parse_endorsements(v, &p, 1)?;
    let (v, p) = map.required("fees")?;
    let fees = parse_fees(v, &p)?;
    let (v, p) = map.required("max_expiration")?;
    let max_expiration = u64_value(v, &p)?;
    Ok(ManifestPolicy {
        policy: AppAuthPolicy {
            quotes,
            enclaves: enclaves.iter().map(|entry| entry.identity).collect(),
            endorsements,
            fees,
            max_expiration,
        },
        enclaves,
    })
}

// ---------------------------------------------------------------------------------------------
// The rest of the file (tolerant of unknown keys)
// ---------------------------------------------------------------------------------------------

fn parse_deployment(value: &Value, path: &str) -> Walk<Deployment> {
    let map = MapWalk::new(value, path)?;
    let (v, p) = map.required("network")?;
    let network = string(v, &p)?;
    let (v, p) = map.required("paratime")?;
    let paratime = string(v, &p)?;
    let app_id = match map.present("app_id") {
        None => None,
        Some((v, p)) => {
            Some(AppId::parse_bech32_or_hex(&string(v, &p)?).or_else(|err| fail(&p, err.to_string()))?)
        }
    };
    let trust_root = match map.present("trust_root") {
        None => None,
        Some((v, p)) => {
            let root = MapWalk::new(v, &p)?;
            let (height, hp) = root.required("height")?;
            let (hash, hashp) = root.required("hash")?;
            Some(TrustRoot { height: u64_value(height, &hp)?, hash: string(hash, &hashp)? })
        }
    };
    let policy = map.present("policy").map(|(v, p)| parse_policy(v, &p)).transpose()?;
    let mut metadata = Metadata::new();
    if let Some((v, p)) = map.present("metadata") {
        let entries = MapWalk::new(v, &p)?;
        for (key, value) in &entries.entries {
            metadata.insert((*key).to_owned(), scalar_string(value, &join(&p, key))?);
        }
    }
    let mut secrets = Vec::new();
    if let Some((v, p)) = map.present("secrets") {
        for (index, item) in sequence(v, &p)?.iter().enumerate() {
            let item_path = format!("{p}[{index}]");
            let secret = MapWalk::new(item, &item_path)?;
            let (name, name_path) = secret.required("name")?;
            let name = string(name, &name_path)?;
            if secrets.iter().any(|(existing, _)| *existing == name) {
                return fail(&name_path, format!("duplicate secret name {name:?}"));
            }
            let (value, value_path) = secret.required("value")?;
            secrets.push((name, Bytes::from(base64_bytes(value, &value_path)?)));
        }
    }
    let artifacts = map.present("artifacts").map(|(v, p)| parse_artifacts(v, &p)).transpose()?;
    let mut machines = BTreeMap::new();
    if let Some((v, p)) = map.present("machines") {
        let entries = MapWalk::new(v, &p)?;
        for (name, value) in &entries.entries {
            let machine_path = join(&p, name);
            let machine = MapWalk::new(value, &machine_path)?;
            machine.deny_unknown(&["provider", "offer", "id", "permissions"])?;
            let field = |key: &str| -> Walk<Option<String>> {
                // The CLI's `omitempty` strings: empty counts as absent.
                Ok(machine
                    .present(key)
                    .map(|(v, p)| scalar_string(v, &p))
                    .transpose()?
                    .filter(|s| !s.is_empty()))
            };
            let (provider, offer, id) = (field("provider")?, field("offer")?, field("id")?);
            if provider.is_none() && offer.is_some() {
                return fail(&join(&machine_path, "offer"), "an offer cannot be given without a provider");
            }
            if provider.is_none() && id.is_some() {
                return fail(&join(&machine_path, "id"), "a machine id cannot be given without a provider");
            }
            let mut permissions = BTreeMap::new();
            if let Some((v, p)) = machine.present("permissions") {
                let actions = MapWalk::new(v, &p)?;
                for (action, who) in &actions.entries {
                    let action_path = join(&p, action);
                    let who = sequence(who, &action_path)?
                        .iter()
                        .enumerate()
                        .map(|(i, w)| string(w, &format!("{action_path}[{i}]")))
                        .collect::<Walk<Vec<_>>>()?;
                    permissions.insert((*action).to_owned(), who);
                }
            }
            machines.insert((*name).to_owned(), Machine { provider, offer, id, permissions });
        }
    }
    Ok(Deployment {
        network,
        paratime,
        app_id,
        admin: map.present("admin").map(|(v, p)| string(v, &p)).transpose()?,
        oci_repository: optional_string(&map, "oci_repository")?,
        trust_root,
        policy,
        metadata,
        secrets,
        artifacts,
        machines,
    })
}

fn parse_artifacts(value: &Value, path: &str) -> Walk<Artifacts> {
    let artifacts = MapWalk::new(value, path)?;
    let container = match artifacts.present("container") {
        None => None,
        Some((v, p)) => {
            let container = MapWalk::new(v, &p)?;
            Some(ContainerArtifacts {
                runtime: optional_string(&container, "runtime")?,
                compose: optional_string(&container, "compose")?,
            })
        }
    };
    Ok(Artifacts {
        builder: optional_string(&artifacts, "builder")?,
        firmware: optional_string(&artifacts, "firmware")?,
        kernel: optional_string(&artifacts, "kernel")?,
        stage2: optional_string(&artifacts, "stage2")?,
        container,
    })
}

impl Artifacts {
    /// `self` with every field `over` sets replaced by `over`'s (a deployment's `artifacts`
    /// over the top-level ones), field by field, `container.runtime`/`compose` included.
    pub fn overlaid(&self, over: &Artifacts) -> Artifacts {
        let pick = |base: &Option<String>, over: &Option<String>| {
            over.clone().filter(|text| !text.is_empty()).or_else(|| base.clone())
        };
        let container = match (&self.container, &over.container) {
            (None, None) => None,
            (base, over) => {
                let base = base.clone().unwrap_or_default();
                let over = over.clone().unwrap_or_default();
                Some(ContainerArtifacts {
                    runtime: pick(&base.runtime, &over.runtime),
                    compose: pick(&base.compose, &over.compose),
                })
            }
        };
        Artifacts {
            builder: pick(&self.builder, &over.builder),
            firmware: pick(&self.firmware, &over.firmware),
            kernel: pick(&self.kernel, &over.kernel),
            stage2: pick(&self.stage2, &over.stage2),
            container,
        }
    }
}

fn parse_manifest(root: &Value, file: &str) -> Walk<Manifest> {
    let map = MapWalk::new(root, "")?;
    let (v, p) = map.required("name")?;
    let name = string(v, &p)?;
    let (v, p) = map.required("version")?;
    let version = scalar_string(v, &p)?;
    let (v, p) = map.required("tee")?;
    let tee = match string(v, &p)?.as_str() {
        "sgx" => Tee::Sgx,
        "tdx" => Tee::Tdx,
        other => return fail(&p, format!("unknown TEE {other:?} (expected sgx or tdx)")),
    };
    let (v, p) = map.required("kind")?;
    let kind = match string(v, &p)?.as_str() {
        "raw" => AppKind::Raw,
        "container" => AppKind::Container,
        other => {
            return fail(&p, format!("unknown app kind {other:?} (expected raw or container)"));
        }
    };
    let (v, p) = map.required("resources")?;
    let resources_map = MapWalk::new(v, &p)?;
    let (v, mp) = resources_map.required("memory")?;
    let memory = u64_value(v, &mp)?;
    let (v, cp) = resources_map.required("cpus")?;
    let cpus = u64_value(v, &cp)?;
    let storage = match resources_map.present("storage") {
        None => None,
        Some((v, sp)) => {
            let storage = MapWalk::new(v, &sp)?;
            let (kind, kp) = storage.required("kind")?;
            Some(Storage {
                kind: string(kind, &kp)?,
                size: storage.present("size").map(|(v, p)| u64_value(v, &p)).transpose()?,
            })
        }
    };
    let artifacts =
        map.present("artifacts").map(|(v, p)| parse_artifacts(v, &p)).transpose()?.unwrap_or_default();
    let mut deployments = BTreeMap::new();
    if let Some((v, p)) = map.present("deployments") {
        let entries = MapWalk::new(v, &p)?;
        for (name, value) in &entries.entries {
            deployments.insert((*name).to_owned(), parse_deployment(value, &join(&p, name))?);
        }
    }
    Ok(Manifest {
        file: file.to_owned(),
        name,
        version,
        repository: optional_string(&map, "repository")?,
        author: optional_string(&map, "author")?,
        license: optional_string(&map, "license")?,
        homepage: optional_string(&map, "homepage")?,
        description: optional_string(&map, "description")?,
        tee,
        kind,
        resources: Resources { memory, cpus, storage },
        artifacts,
        deployments,
    })
}

/// Largest `rofl.yaml` read, in bytes. Real manifests are a few KiB; the cap bounds memory and
/// parse time for hostile files (and endless streams such as `/dev/zero`).
pub const MAX_MANIFEST_SIZE: usize = 1024 * 1024;

/// Most `[` and `{` characters a `rofl.yaml` may hold. libyaml's scanner spends time
/// proportional to the flow nesting depth on every token, so a few hundred KiB of nested `[`
/// take minutes to scan before any recursion limit applies. Counting every bracket (quoted or
/// not) bounds the depth whatever the file's quoting; real manifests have a handful.
pub const MAX_FLOW_BRACKETS: usize = 256;

impl Manifest {
    /// Reads and parses a `rofl.yaml`; errors name the path as given. At most
    /// [`MAX_MANIFEST_SIZE`] bytes are read.
    pub fn from_path(path: impl AsRef<Path>) -> Result<Self, ManifestError> {
        use std::io::Read as _;
        let path = path.as_ref();
        let file = path.display().to_string();
        let io = |source| ManifestError::Io { file: file.clone(), source };
        let mut bytes = Vec::new();
        std::fs::File::open(path)
            .map_err(io)?
            .take(MAX_MANIFEST_SIZE as u64 + 1)
            .read_to_end(&mut bytes)
            .map_err(io)?;
        Self::from_bytes_named(&bytes, &file)
    }

    /// Parses raw file content, refusing non-UTF-8 bytes.
    pub fn from_bytes_named(bytes: &[u8], file_name: &str) -> Result<Self, ManifestError> {
        if bytes.len() > MAX_MANIFEST_SIZE {
            return Err(ManifestError::TooLarge { file: file_name.to_owned(), limit: MAX_MANIFEST_SIZE });
        }
        let text = std::str::from_utf8(bytes).map_err(|err| ManifestError::NotUtf8 {
            file: file_name.to_owned(),
            offset: err.valid_up_to(),
        })?;
        Self::from_str_named(text, file_name)
    }

    /// Parses manifest text; `file_name` is only used in errors.
    pub fn from_str_named(text: &str, file_name: &str) -> Result<Self, ManifestError> {
        if text.len() > MAX_MANIFEST_SIZE {
            return Err(ManifestError::TooLarge { file: file_name.to_owned(), limit: MAX_MANIFEST_SIZE });
        }
        let brackets = text.bytes().filter(|b| matches!(b, b'[' | b'{')).count();
        if brackets > MAX_FLOW_BRACKETS {
            return Err(ManifestError::Yaml {
                file: file_name.to_owned(),
                message: format!(
                    "{brackets} `[`/`{{` characters, more than the {MAX_FLOW_BRACKETS} a rofl.yaml may hold (deeply nested flow collections are refused before parsing)"
                ),
            });
        }
        let root: Value = serde_norway::from_str(text)
            .map_err(|err| ManifestError::Yaml { file: file_name.to_owned(), message: err.to_string() })?;
        parse_manifest(&root, file_name).map_err(|err| ManifestError::Invalid {
            file: file_name.to_owned(),
            path: err.path,
            message: err.message,
        })
    }

    /// The typed config of deployment `name`.
    pub fn deployment(&self, name: &str) -> Result<DeploymentConfig, ManifestError> {
        let Some(deployment) = self.deployments.get(name) else {
            let mut available = String::new();
            for (index, known) in self.deployments.keys().enumerate() {
                let _ = write!(available, "{}{known}", if index == 0 { "" } else { ", " });
            }
            return Err(ManifestError::NoSuchDeployment {
                file: self.file.clone(),
                name: name.to_owned(),
                available: if available.is_empty() { "none".into() } else { available },
            });
        };
        let policy = deployment
            .policy
            .clone()
            .ok_or_else(|| ManifestError::NoPolicy { file: self.file.clone(), name: name.to_owned() })?;
        let admin = match &deployment.admin {
            None => None,
            Some(text) => Some(parse_admin(text).map_err(|message| ManifestError::Invalid {
                file: self.file.clone(),
                path: format!("deployments.{name}.admin"),
                message,
            })?),
        };
        Ok(DeploymentConfig {
            name: name.to_owned(),
            network: deployment.network.clone(),
            paratime: deployment.paratime.clone(),
            app_id: deployment.app_id,
            admin,
            policy: policy.policy,
            enclaves: policy.enclaves,
            metadata: self.metadata_over(&deployment.metadata),
            secrets: deployment.secrets.iter().cloned().collect(),
            artifacts: self.artifacts_over(deployment.artifacts.as_ref()),
        })
    }

    /// The metadata `oasis rofl create`/`update` sends for deployment `name`: the top-level
    /// `name`, `version`, `repository`, `author`, `license`, `homepage`, `description` as
    /// `net.oasis.rofl.<field>` (non-empty ones only), overlaid by the deployment's
    /// `metadata` (its keys win). `None` when there is no such deployment.
    pub fn deployment_metadata(&self, name: &str) -> Option<Metadata> {
        self.deployments.get(name).map(|deployment| self.metadata_over(&deployment.metadata))
    }

    /// The artifacts of deployment `name`: the top-level ones overlaid by the deployment's.
    /// `None` when there is no such deployment.
    pub fn deployment_artifacts(&self, name: &str) -> Option<Artifacts> {
        self.deployments.get(name).map(|deployment| self.artifacts_over(deployment.artifacts.as_ref()))
    }

    fn metadata_over(&self, deployment: &Metadata) -> Metadata {
        let fields: [(&str, Option<&str>); 7] = [
            ("name", Some(self.name.as_str())),
            ("version", Some(self.version.as_str())),
            ("repository", self.repository.as_deref()),
            ("author", self.author.as_deref()),
            ("license", self.license.as_deref()),
            ("homepage", self.homepage.as_deref()),
            ("description", self.description.as_deref()),
        ];
        let mut metadata: Metadata = fields
            .into_iter()
            .filter_map(|(field, value)| {
                value.filter(|v| !v.is_empty()).map(|v| (format!("{METADATA_PREFIX}{field}"), v.to_owned()))
            })
            .collect();
        metadata.extend(deployment.iter().map(|(key, value)| (key.clone(), value.clone())));
        metadata
    }

    fn artifacts_over(&self, deployment: Option<&Artifacts>) -> Artifacts {
        deployment.map_or_else(|| self.artifacts.clone(), |over| self.artifacts.overlaid(over))
    }
}

/// Prefix of the metadata keys the Oasis CLI derives from the manifest's top-level fields.
pub const METADATA_PREFIX: &str = "net.oasis.rofl.";

/// An admin as the CLI writes it: `oasis1…`, or a 20-byte `0x` Ethereum address (mapped with
/// [`Address::from_eth`]), or 21-byte `0x` hex. CLI account names cannot be resolved here.
fn parse_admin(text: &str) -> Result<Address, String> {
    if let Some(digits) = text.strip_prefix("0x") {
        if digits.len() == 40 {
            let eth: alloy_primitives::Address =
                text.parse().map_err(|err| format!("invalid Ethereum address {text:?}: {err}"))?;
            return Ok(Address::from_eth(eth));
        }
        return Address::from_hex(text).map_err(|err| err.to_string());
    }
    if !text.starts_with("oasis1") {
        return Err(format!(
            "{text:?} is not an address (a CLI account name cannot be resolved here; write the oasis1… address)"
        ));
    }
    Address::from_bech32(text).map_err(|err| err.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn admin_forms() {
        let bech = "oasis1qz2lty9v4glt5ts8ljhfpnd05dy3cwmtnyshws8q";
        let from_eth = parse_admin("0x70739eB50e269f1f1eb27c6f8932f63389B1Cb63").unwrap();
        assert_eq!(from_eth.to_string(), bech);
        assert_eq!(parse_admin(bech).unwrap(), from_eth);
        assert!(parse_admin("my-account").unwrap_err().contains("account name"));
    }
}
