//! Where the project's tools and build outputs live.
//!
//! Everything is found relative to the project root, so a fresh clone works without the user
//! setting paths: anvil comes from the npm package `@foundry-rs/anvil` (its platform package
//! holds the binary), contract artifacts from forge's `out/` and the Safe release artifacts from
//! `@safe-global/safe-contracts`. `ROFLGOV_ROOT` and `ANVIL` override the defaults.

#![expect(missing_docs, reason = "fields and variants still to document (issue #15); remove when done")]

use std::path::{Path, PathBuf};

use alloy::primitives::{Address, Bytes};
use serde::Deserialize;

/// Errors locating tools or reading artifacts.
#[derive(Debug, thiserror::Error)]
pub enum ToolchainError {
    #[error("cannot find the roflgov project root (a folder with foundry.toml); set ROFLGOV_ROOT")]
    NoProjectRoot,
    #[error("anvil not found at {0}; run `npm ci` in the project root or set ANVIL=/path/to/anvil")]
    AnvilMissing(PathBuf),
    #[error("contract artifact {path} is missing; run `make build` (forge build) first")]
    ArtifactMissing { path: PathBuf },
    #[error("contract artifact {path} is unreadable: {reason}")]
    ArtifactInvalid { path: PathBuf, reason: String },
}

/// The project root: `ROFLGOV_ROOT`, else the folder this crate was built from (two levels up),
/// else the nearest ancestor of the working directory holding `foundry.toml`.
pub fn project_root() -> Result<PathBuf, ToolchainError> {
    if let Some(root) = std::env::var_os("ROFLGOV_ROOT") {
        return Ok(PathBuf::from(root));
    }
    let built_from = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    if built_from.join("foundry.toml").is_file() {
        return Ok(built_from.canonicalize().unwrap_or(built_from));
    }
    let mut dir = std::env::current_dir().map_err(|_| ToolchainError::NoProjectRoot)?;
    loop {
        if dir.join("foundry.toml").is_file() {
            return Ok(dir);
        }
        if !dir.pop() {
            return Err(ToolchainError::NoProjectRoot);
        }
    }
}

/// The npm platform suffix of the Foundry packages for this machine (`linux-amd64`, ...).
fn npm_platform() -> String {
    let os = match std::env::consts::OS {
        "macos" => "darwin",
        "windows" => "win32",
        other => other,
    };
    let arch = match std::env::consts::ARCH {
        "x86_64" => "amd64",
        "aarch64" => "arm64",
        other => other,
    };
    format!("{os}-{arch}")
}

/// Path of a Foundry binary (`anvil`, `forge`, `cast`) shipped by its npm package.
pub fn foundry_binary(tool: &str) -> Result<PathBuf, ToolchainError> {
    let env_name = tool.to_uppercase();
    if let Some(path) = std::env::var_os(&env_name) {
        return Ok(PathBuf::from(path));
    }
    let root = project_root()?;
    let path = root
        .join("node_modules/@foundry-rs")
        .join(format!("{tool}-{}", npm_platform()))
        .join("bin")
        .join(tool);
    if path.is_file() { Ok(path) } else { Err(ToolchainError::AnvilMissing(path)) }
}

/// Path of the anvil binary.
pub fn anvil_binary() -> Result<PathBuf, ToolchainError> {
    foundry_binary("anvil")
}

/// Where one library's address goes in unlinked bytecode (byte offsets).
#[derive(Clone, Debug, Deserialize)]
pub struct LinkOffset {
    pub start: usize,
    pub length: usize,
}

/// Unlinked library references: source file → library name → offsets.
pub type LinkReferences =
    std::collections::BTreeMap<String, std::collections::BTreeMap<String, Vec<LinkOffset>>>;

/// The parts of a forge or Hardhat artifact roflgov uses.
///
/// Bytecode is kept as hex text because a contract that uses external libraries carries
/// `__$…$__` placeholders until [`Artifact::link`] fills in the libraries' addresses.
#[derive(Clone, Debug)]
pub struct Artifact {
    pub path: PathBuf,
    pub abi: serde_json::Value,
    bytecode_hex: String,
    deployed_bytecode_hex: String,
    /// Libraries the creation code still needs.
    pub link_references: LinkReferences,
    deployed_link_references: LinkReferences,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum CodeField {
    /// forge: `{"object": "0x…", "linkReferences": {…}}`
    Forge {
        object: String,
        #[serde(default, rename = "linkReferences")]
        link_references: LinkReferences,
    },
    /// Hardhat: `"0x…"`
    Hardhat(String),
}

impl CodeField {
    fn into_parts(self) -> (String, LinkReferences) {
        match self {
            CodeField::Forge { object, link_references } => (object, link_references),
            CodeField::Hardhat(s) => (s, LinkReferences::new()),
        }
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawArtifact {
    abi: serde_json::Value,
    bytecode: CodeField,
    deployed_bytecode: CodeField,
    /// Hardhat keeps link references beside the code.
    #[serde(default)]
    link_references: LinkReferences,
    #[serde(default)]
    deployed_link_references: LinkReferences,
}

fn strip_0x(hex_text: &str) -> String {
    hex_text.trim_start_matches("0x").to_string()
}

/// Writes each library's address over its placeholders.
fn link_hex(
    hex_text: &mut String,
    references: &LinkReferences,
    libraries: &dyn Fn(&str, &str) -> Option<Address>,
) -> Result<(), String> {
    for (file, names) in references {
        for (name, offsets) in names {
            let address =
                libraries(file, name).ok_or_else(|| format!("no address for library {file}:{name}"))?;
            let address_hex = hex::encode(address);
            for offset in offsets {
                let (from, to) = (offset.start * 2, (offset.start + offset.length) * 2);
                if offset.length != 20 || to > hex_text.len() {
                    return Err(format!("bad link reference for {file}:{name}"));
                }
                hex_text.replace_range(from..to, &address_hex);
            }
        }
    }
    Ok(())
}

impl Artifact {
    /// Read a forge (`out/X.sol/X.json`) or Hardhat artifact.
    pub fn read(path: impl Into<PathBuf>) -> Result<Self, ToolchainError> {
        let path = path.into();
        let text = std::fs::read_to_string(&path)
            .map_err(|_| ToolchainError::ArtifactMissing { path: path.clone() })?;
        let raw: RawArtifact = serde_json::from_str(&text)
            .map_err(|e| ToolchainError::ArtifactInvalid { path: path.clone(), reason: e.to_string() })?;
        let (bytecode, mut link_references) = raw.bytecode.into_parts();
        let (deployed, mut deployed_link_references) = raw.deployed_bytecode.into_parts();
        link_references.extend(raw.link_references);
        deployed_link_references.extend(raw.deployed_link_references);
        Ok(Self {
            abi: raw.abi,
            bytecode_hex: strip_0x(&bytecode),
            deployed_bytecode_hex: strip_0x(&deployed),
            link_references,
            deployed_link_references,
            path,
        })
    }

    fn decode(&self, hex_text: &str) -> Result<Bytes, ToolchainError> {
        let invalid = |reason: String| ToolchainError::ArtifactInvalid { path: self.path.clone(), reason };
        if hex_text.contains("__$") {
            return Err(invalid("bytecode has unlinked libraries: call Artifact::link first".into()));
        }
        hex::decode(hex_text).map(Bytes::from).map_err(|e| invalid(e.to_string()))
    }

    /// Creation code (fails while libraries are unlinked).
    pub fn bytecode(&self) -> Result<Bytes, ToolchainError> {
        self.decode(&self.bytecode_hex)
    }

    /// Runtime code (fails while libraries are unlinked).
    pub fn deployed_bytecode(&self) -> Result<Bytes, ToolchainError> {
        self.decode(&self.deployed_bytecode_hex)
    }

    /// Whether the creation code still needs library addresses.
    pub fn needs_linking(&self) -> bool {
        !self.link_references.is_empty()
    }

    /// A copy with the libraries' addresses filled in; `libraries` maps (source file, library
    /// name) to an address.
    pub fn link(&self, libraries: &dyn Fn(&str, &str) -> Option<Address>) -> Result<Self, ToolchainError> {
        let invalid = |reason: String| ToolchainError::ArtifactInvalid { path: self.path.clone(), reason };
        let mut linked = self.clone();
        link_hex(&mut linked.bytecode_hex, &self.link_references, libraries).map_err(invalid)?;
        link_hex(&mut linked.deployed_bytecode_hex, &self.deployed_link_references, libraries)
            .map_err(invalid)?;
        linked.link_references.clear();
        linked.deployed_link_references.clear();
        Ok(linked)
    }

    /// A contract compiled by forge from this project: `out/<file>.sol/<contract>.json`.
    pub fn forge(source_file: &str, contract: &str) -> Result<Self, ToolchainError> {
        let out = std::env::var_os("FOUNDRY_OUT").map(PathBuf::from).unwrap_or_else(|| "out".into());
        let out = if out.is_absolute() { out } else { project_root()?.join(out) };
        Self::read(out.join(format!("{source_file}.sol")).join(format!("{contract}.json")))
    }

    /// A Safe v1.4.1 release artifact from `@safe-global/safe-contracts`, e.g. `SafeL2.sol/SafeL2.json`.
    pub fn safe_release(relative: &str) -> Result<Self, ToolchainError> {
        Self::read(
            project_root()?
                .join("node_modules/@safe-global/safe-contracts/build/artifacts/contracts")
                .join(relative),
        )
    }
}
