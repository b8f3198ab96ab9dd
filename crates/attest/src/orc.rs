//! ORC bundles: the zip files `oasis rofl build` produces.
//!
//! The manifest is `META-INF/MANIFEST.MF`, JSON written by oasis-core's Go `bundle.Manifest`
//! (`go/runtime/bundle/manifest.go`, `component.go`):
//!
//! ```json
//! { "name": "my-app", "id": "<32-byte runtime id, hex>", "version": {"major": 0, …},
//!   "components": [ { "kind": "rofl", "name": "my-app", "version": {…},
//!                     "identity": [ { "hypervisor": "qemu/v1",
//!                                     "enclave": "<base64 of mr_enclave ‖ mr_signer>" } ] } ],
//!   "digests": { "<file name>": "<sha512/256, hex>" } }
//! ```
//!
//! Note that `enclave` is **one base64 string** of the 64 bytes MRENCLAVE ‖ MRSIGNER
//! (`sgx.EnclaveIdentity.MarshalText`), not an object. Go's decoder matches keys
//! case-insensitively and ignores unknown ones (a component's version is written as `Version`);
//! this reader does the same for the fields it uses, and checks every one of them strictly.
//!
//! Bundles are untrusted input: the manifest is read through a size limit (a zip entry may lie
//! about its size), and every error names the field or the zip problem.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{BufReader, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

use alloy_primitives::B256;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use roflgov_types::EnclaveIdentity;
use serde::Serialize;
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

mod hash;
pub use hash::{manifest_cbor, manifest_hash};

/// Path of the manifest inside the bundle.
pub const MANIFEST_PATH: &str = "META-INF/MANIFEST.MF";
/// Largest manifest we read. Real manifests are a few KiB.
pub const MAX_MANIFEST_SIZE: u64 = 1024 * 1024;

/// Why a bundle could not be read.
#[derive(Debug, thiserror::Error)]
pub enum OrcError {
    /// The bundle file cannot be opened or read (missing, a directory, no permission).
    #[error("cannot read bundle {}: {source}", path.display())]
    Io {
        /// The bundle file.
        path: PathBuf,
        /// The operating system's error.
        source: std::io::Error,
    },
    /// The file is not a zip archive, or the archive is damaged (truncated, empty).
    #[error("bundle is not a readable zip archive: {source}")]
    NotAZip {
        /// The zip reader's error.
        source: zip::result::ZipError,
    },
    /// The archive holds no `META-INF/MANIFEST.MF`, so it is not an ORC bundle.
    #[error("bundle has no {MANIFEST_PATH}")]
    MissingManifest,
    /// The manifest is (or inflates to) more than [`MAX_MANIFEST_SIZE`] bytes: a zip bomb.
    #[error("{MANIFEST_PATH} is larger than the {limit}-byte limit ({size} bytes)")]
    ManifestTooLarge {
        /// The declared or inflated size, in bytes.
        size: u64,
        /// The limit, in bytes.
        limit: u64,
    },
    /// The manifest entry cannot be inflated (corrupt compressed data).
    #[error("cannot read {MANIFEST_PATH} from the zip: {source}")]
    ManifestUnreadable {
        /// The inflater's error.
        source: std::io::Error,
    },
    /// The manifest is not UTF-8 text.
    #[error("{MANIFEST_PATH} is not UTF-8 (invalid byte at offset {valid_up_to})")]
    ManifestNotUtf8 {
        /// Offset of the first invalid byte.
        valid_up_to: usize,
    },
    /// An entry of the archive is a symlink (an `oasis rofl build` bundle holds none).
    #[error(
        "bundle entry {name:?} is a symlink: bundles hold regular files only (refused, nothing extracted)"
    )]
    SymlinkEntry {
        /// The entry's name in the archive.
        name: String,
    },
    /// An entry's path is absolute or climbs out with `..` (it would escape the extraction folder).
    #[error(
        "bundle entry {name:?} has an unsafe path (absolute or escaping with `..`): refused, nothing extracted"
    )]
    UnsafeEntryPath {
        /// The entry's name in the archive.
        name: String,
    },
    /// The manifest is not valid JSON.
    #[error("{MANIFEST_PATH} is not valid JSON: {source}")]
    ManifestJson {
        /// The JSON parser's error (with line and column).
        source: serde_json::Error,
    },
    /// A manifest field is missing, has the wrong JSON type or an invalid value.
    #[error("{MANIFEST_PATH}: field `{field}` {problem}")]
    ManifestField {
        /// The field's path in the manifest (e.g. `components[0].identity[1].enclave`).
        field: String,
        /// What is wrong with it.
        problem: String,
    },
}

impl roflgov_types::Classified for OrcError {
    /// Every bundle failure is a bad input file: unreadable, not a zip, or a malformed or
    /// unsafe manifest or entry.
    fn class(&self) -> roflgov_types::FailureClass {
        roflgov_types::FailureClass::Input
    }
}

impl OrcError {
    fn field(field: impl Into<String>, problem: impl Into<String>) -> Self {
        OrcError::ManifestField { field: field.into(), problem: problem.into() }
    }
}

/// A semantic version as oasis-core writes it (`{"major": 1, "minor": 2, "patch": 3}`, zeros
/// omitted).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Version {
    /// Major version.
    pub major: u16,
    /// Minor version.
    pub minor: u16,
    /// Patch version.
    pub patch: u16,
}

/// One expected identity of a component, for one hypervisor.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ManifestIdentity {
    /// The hypervisor (e.g. `qemu/v1`); `None` when the manifest leaves it out.
    pub hypervisor: Option<String>,
    /// The expected MRENCLAVE and MRSIGNER.
    pub enclave: EnclaveIdentity,
}

/// A runtime component of the bundle.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Component {
    /// `ronl` or `rofl`.
    pub kind: String,
    /// The component's name (`None` for the main runtime component).
    pub name: Option<String>,
    /// The component's version, when the manifest gives one.
    pub version: Option<Version>,
    /// The enclave identities the component may run as, one per hypervisor.
    pub identities: Vec<ManifestIdentity>,
}

impl Component {
    /// `kind` or `kind.name`, how oasis-core names a component id.
    pub fn id(&self) -> String {
        match &self.name {
            Some(name) => format!("{}.{name}", self.kind),
            None => self.kind.clone(),
        }
    }
}

/// The parts of `META-INF/MANIFEST.MF` roflgov uses.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Manifest {
    /// The bundle's name, when the manifest gives one.
    pub name: Option<String>,
    /// Runtime id (32 bytes).
    pub id: B256,
    /// The bundle's version, when the manifest gives one.
    pub version: Option<Version>,
    /// The runtime components, in manifest order.
    pub components: Vec<Component>,
    /// File name → hex digest, as written.
    pub digests: BTreeMap<String, String>,
}

/// An enclave identity of a bundle, with where it comes from.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ComponentIdentity {
    /// The component id (`rofl.my-app`).
    pub component: String,
    /// The hypervisor (e.g. `qemu/v1`); `None` when the manifest leaves it out.
    pub hypervisor: Option<String>,
    /// The expected MRENCLAVE and MRSIGNER.
    pub identity: EnclaveIdentity,
}

/// An opened ORC bundle.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct OrcBundle {
    /// The parsed manifest.
    pub manifest: Manifest,
    /// SHA-256 of the whole bundle file.
    pub sha256: B256,
    /// The text of `META-INF/MANIFEST.MF`, as read.
    #[serde(skip)]
    pub manifest_text: String,
}

impl OrcBundle {
    /// Opens a bundle file.
    pub fn open(path: impl AsRef<Path>) -> Result<Self, OrcError> {
        let path = path.as_ref();
        let io_error = |source| OrcError::Io { path: path.to_path_buf(), source };
        let file = File::open(path).map_err(io_error)?;
        Self::from_reader(BufReader::new(file)).map_err(|error| match error {
            OrcError::Io { source, .. } => io_error(source),
            other => other,
        })
    }

    /// Reads a bundle from any seekable reader (hashes it from the start).
    pub fn from_reader<R: Read + Seek>(mut reader: R) -> Result<Self, OrcError> {
        let io_error = |source| OrcError::Io { path: PathBuf::from("<reader>"), source };
        reader.seek(SeekFrom::Start(0)).map_err(io_error)?;
        let mut hasher = Sha256::new();
        std::io::copy(&mut reader, &mut hasher).map_err(io_error)?;
        let sha256 = B256::from(<[u8; 32]>::from(hasher.finalize()));
        reader.seek(SeekFrom::Start(0)).map_err(io_error)?;

        let mut archive = zip::ZipArchive::new(reader).map_err(|source| OrcError::NotAZip { source })?;
        check_entries(&mut archive)?;
        let manifest_bytes = read_manifest_bytes(&mut archive)?;
        let text = std::str::from_utf8(&manifest_bytes)
            .map_err(|error| OrcError::ManifestNotUtf8 { valid_up_to: error.valid_up_to() })?;
        let manifest = parse_manifest(text)?;
        Ok(Self { manifest, sha256, manifest_text: text.to_owned() })
    }

    /// The bundle's manifest hash as oasis-core and the ROFL scheduler compute it (what a
    /// `roflmarket` Deploy pins); an error when the manifest is not one the scheduler accepts.
    pub fn manifest_hash(&self) -> Result<B256, OrcError> {
        manifest_hash(&self.manifest_text)
    }

    /// Every enclave identity of every component, in manifest order.
    pub fn identities(&self) -> Vec<ComponentIdentity> {
        self.manifest
            .components
            .iter()
            .flat_map(|component| {
                component.identities.iter().map(|identity| ComponentIdentity {
                    component: component.id(),
                    hypervisor: identity.hypervisor.clone(),
                    identity: identity.enclave,
                })
            })
            .collect()
    }
}

/// Refuses symlink entries and entries whose path is absolute or escapes with `..`: roflgov
/// never extracts a bundle, but whoever unzips a bundle roflgov accepted must not be led
/// outside the target folder, and an `oasis rofl build` bundle holds neither.
fn check_entries<R: Read + Seek>(archive: &mut zip::ZipArchive<R>) -> Result<(), OrcError> {
    for index in 0..archive.len() {
        let entry = archive.by_index_raw(index).map_err(|source| OrcError::NotAZip { source })?;
        let name = entry.name().to_owned();
        if entry.is_symlink() {
            return Err(OrcError::SymlinkEntry { name });
        }
        if entry.enclosed_name().is_none() {
            return Err(OrcError::UnsafeEntryPath { name });
        }
    }
    Ok(())
}

fn read_manifest_bytes<R: Read + Seek>(archive: &mut zip::ZipArchive<R>) -> Result<Vec<u8>, OrcError> {
    let entry = match archive.by_name(MANIFEST_PATH) {
        Ok(entry) => entry,
        Err(zip::result::ZipError::FileNotFound) => return Err(OrcError::MissingManifest),
        Err(source) => return Err(OrcError::NotAZip { source }),
    };
    let declared = entry.size();
    if declared > MAX_MANIFEST_SIZE {
        return Err(OrcError::ManifestTooLarge { size: declared, limit: MAX_MANIFEST_SIZE });
    }
    // The declared size may lie (zip bomb): never inflate more than the limit + 1 byte.
    let mut bytes = Vec::new();
    entry
        .take(MAX_MANIFEST_SIZE + 1)
        .read_to_end(&mut bytes)
        .map_err(|source| OrcError::ManifestUnreadable { source })?;
    if bytes.len() as u64 > MAX_MANIFEST_SIZE {
        return Err(OrcError::ManifestTooLarge { size: bytes.len() as u64, limit: MAX_MANIFEST_SIZE });
    }
    Ok(bytes)
}

/// Looks a key up like Go's `encoding/json`: exact match first, then ASCII case-insensitive.
fn get_field<'a>(object: &'a Map<String, Value>, key: &str) -> Option<&'a Value> {
    object
        .get(key)
        .or_else(|| object.iter().find(|(candidate, _)| candidate.eq_ignore_ascii_case(key)).map(|(_, v)| v))
}

fn type_name(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

fn wrong_type(path: &str, expected: &str, value: &Value) -> OrcError {
    OrcError::field(path, format!("must be {expected}, found {}", type_name(value)))
}

fn as_object<'a>(path: &str, value: &'a Value) -> Result<&'a Map<String, Value>, OrcError> {
    value.as_object().ok_or_else(|| wrong_type(path, "an object", value))
}

/// An optional string field; an empty string counts as absent (Go's `omitempty`).
fn optional_string(object: &Map<String, Value>, parent: &str, key: &str) -> Result<Option<String>, OrcError> {
    let path = join(parent, key);
    match get_field(object, key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(text)) if text.is_empty() => Ok(None),
        Some(Value::String(text)) => Ok(Some(text.clone())),
        Some(other) => Err(wrong_type(&path, "a string", other)),
    }
}

fn join(parent: &str, key: &str) -> String {
    if parent.is_empty() { key.to_owned() } else { format!("{parent}.{key}") }
}

fn parse_version(path: &str, value: Option<&Value>) -> Result<Option<Version>, OrcError> {
    let Some(value) = value else { return Ok(None) };
    if value.is_null() {
        return Ok(None);
    }
    let object = as_object(path, value)?;
    let part = |key: &str| -> Result<u16, OrcError> {
        match get_field(object, key) {
            None | Some(Value::Null) => Ok(0),
            Some(number @ Value::Number(_)) => number
                .as_u64()
                .and_then(|n| u16::try_from(n).ok())
                .ok_or_else(|| OrcError::field(join(path, key), "must be an integer 0..=65535")),
            Some(other) => Err(wrong_type(&join(path, key), "an integer", other)),
        }
    };
    Ok(Some(Version { major: part("major")?, minor: part("minor")?, patch: part("patch")? }))
}

fn parse_enclave_identity(path: &str, value: &Value) -> Result<EnclaveIdentity, OrcError> {
    let Value::String(text) = value else {
        return Err(wrong_type(path, "a base64 string of MRENCLAVE ‖ MRSIGNER", value));
    };
    let bytes = BASE64
        .decode(text)
        .map_err(|error| OrcError::field(path, format!("is not valid base64: {error}")))?;
    if bytes.len() != 64 {
        return Err(OrcError::field(
            path,
            format!("must decode to 64 bytes (MRENCLAVE ‖ MRSIGNER), got {}", bytes.len()),
        ));
    }
    Ok(EnclaveIdentity {
        mr_enclave: B256::from_slice(&bytes[..32]),
        mr_signer: B256::from_slice(&bytes[32..]),
    })
}

fn parse_identities(path: &str, value: Option<&Value>) -> Result<Vec<ManifestIdentity>, OrcError> {
    let items = match value {
        None | Some(Value::Null) => return Ok(Vec::new()),
        Some(Value::Array(items)) => items,
        Some(other) => return Err(wrong_type(path, "an array", other)),
    };
    items
        .iter()
        .enumerate()
        .map(|(index, item)| {
            let item_path = format!("{path}[{index}]");
            let object = as_object(&item_path, item)?;
            let hypervisor = optional_string(object, &item_path, "hypervisor")?;
            let enclave_path = join(&item_path, "enclave");
            let enclave =
                get_field(object, "enclave").ok_or_else(|| OrcError::field(&enclave_path, "is missing"))?;
            Ok(ManifestIdentity { hypervisor, enclave: parse_enclave_identity(&enclave_path, enclave)? })
        })
        .collect()
}

fn parse_component(path: &str, value: &Value) -> Result<Component, OrcError> {
    let object = as_object(path, value)?;
    let kind = optional_string(object, path, "kind")?
        .ok_or_else(|| OrcError::field(join(path, "kind"), "is missing"))?;
    Ok(Component {
        kind,
        name: optional_string(object, path, "name")?,
        version: parse_version(&join(path, "version"), get_field(object, "version"))?,
        identities: parse_identities(&join(path, "identity"), get_field(object, "identity"))?,
    })
}

fn parse_runtime_id(value: Option<&Value>) -> Result<B256, OrcError> {
    let value = value.ok_or_else(|| OrcError::field("id", "is missing"))?;
    let Value::String(text) = value else {
        return Err(wrong_type("id", "a hex string", value));
    };
    let bytes =
        hex::decode(text).map_err(|error| OrcError::field("id", format!("is not valid hex: {error}")))?;
    if bytes.len() != 32 {
        return Err(OrcError::field("id", format!("must be 32 bytes, got {}", bytes.len())));
    }
    Ok(B256::from_slice(&bytes))
}

fn parse_digests(value: Option<&Value>) -> Result<BTreeMap<String, String>, OrcError> {
    let object = match value {
        None | Some(Value::Null) => return Ok(BTreeMap::new()),
        Some(value) => as_object("digests", value)?,
    };
    object
        .iter()
        .map(|(name, digest)| match digest {
            Value::String(text) => Ok((name.clone(), text.clone())),
            other => Err(wrong_type(&format!("digests.{name}"), "a hex string", other)),
        })
        .collect()
}

/// Parses manifest JSON text.
pub fn parse_manifest(text: &str) -> Result<Manifest, OrcError> {
    let root: Value = serde_json::from_str(text).map_err(|source| OrcError::ManifestJson { source })?;
    let object = as_object("(top level)", &root)?;
    let components = match get_field(object, "components") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(items)) => items
            .iter()
            .enumerate()
            .map(|(index, item)| parse_component(&format!("components[{index}]"), item))
            .collect::<Result<_, _>>()?,
        Some(other) => return Err(wrong_type("components", "an array", other)),
    };
    Ok(Manifest {
        name: optional_string(object, "", "name")?,
        id: parse_runtime_id(get_field(object, "id"))?,
        version: parse_version("version", get_field(object, "version"))?,
        components,
        digests: parse_digests(get_field(object, "digests"))?,
    })
}
