//! One contract artifact and the linker for its external libraries.

use std::collections::BTreeMap;

use alloy_primitives::{Address, Bytes};
use serde::Deserialize;

/// Errors reading or linking an artifact. Every one names the artifact.
#[derive(Debug, thiserror::Error)]
pub enum ArtifactError {
    /// No artifact of that name is embedded.
    #[error("no contract artifact named {0} is embedded in this build")]
    Unknown(String),
    /// The artifact's JSON or code is malformed.
    #[error("contract artifact {name} is invalid: {reason}")]
    Invalid {
        /// The contract.
        name: String,
        /// What is wrong.
        reason: String,
    },
    /// Code was asked for while library placeholders remain.
    #[error("contract artifact {0} has unlinked libraries: link it first")]
    Unlinked(String),
    /// A library the code needs has no address.
    #[error("contract artifact {name}: no address for library {library}")]
    MissingLibrary {
        /// The contract.
        name: String,
        /// `file:Library`.
        library: String,
    },
}

/// Where one library's address goes in unlinked bytecode (byte offsets).
#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
pub struct LinkOffset {
    /// First byte of the placeholder.
    pub start: usize,
    /// Its length (an address: 20).
    pub length: usize,
}

/// Unlinked library references: source file → library name → offsets.
pub type LinkReferences = BTreeMap<String, BTreeMap<String, Vec<LinkOffset>>>;

/// The parts of a forge artifact roflgov uses.
///
/// Bytecode is kept as hex text because a contract that uses external libraries carries
/// `__$…$__` placeholders until [`Artifact::link`] fills in the libraries' addresses.
#[derive(Clone, Debug)]
pub struct Artifact {
    /// The contract's name.
    pub name: String,
    /// Its ABI (JSON).
    pub abi: serde_json::Value,
    bytecode_hex: String,
    deployed_bytecode_hex: String,
    /// Libraries the creation code still needs.
    pub link_references: LinkReferences,
    deployed_link_references: LinkReferences,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawCode {
    object: String,
    #[serde(default)]
    link_references: LinkReferences,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawArtifact {
    abi: serde_json::Value,
    bytecode: RawCode,
    deployed_bytecode: RawCode,
}

/// Writes each library's address over its placeholders.
fn link_hex(
    name: &str,
    hex_text: &mut String,
    references: &LinkReferences,
    libraries: &dyn Fn(&str, &str) -> Option<Address>,
) -> Result<(), ArtifactError> {
    for (file, names) in references {
        for (library, offsets) in names {
            let address = libraries(file, library).ok_or_else(|| ArtifactError::MissingLibrary {
                name: name.to_string(),
                library: format!("{file}:{library}"),
            })?;
            let address_hex = hex::encode(address);
            for offset in offsets {
                let (from, to) = (offset.start * 2, (offset.start + offset.length) * 2);
                if offset.length != 20 || to > hex_text.len() {
                    return Err(ArtifactError::Invalid {
                        name: name.to_string(),
                        reason: format!("bad link reference for {file}:{library}"),
                    });
                }
                hex_text.replace_range(from..to, &address_hex);
            }
        }
    }
    Ok(())
}

impl Artifact {
    /// The embedded artifact of `name` (e.g. `RoflAppAdmin`, `SafeL2`).
    pub fn embedded(name: &str) -> Result<Self, ArtifactError> {
        let (_, text) = crate::EMBEDDED
            .iter()
            .find(|(embedded, _)| *embedded == name)
            .ok_or_else(|| ArtifactError::Unknown(name.to_string()))?;
        Self::parse(name, text)
    }

    /// Parse a forge artifact (`{"abi", "bytecode": {"object", "linkReferences"}, ...}`).
    pub fn parse(name: &str, text: &str) -> Result<Self, ArtifactError> {
        let raw: RawArtifact = serde_json::from_str(text)
            .map_err(|e| ArtifactError::Invalid { name: name.to_string(), reason: e.to_string() })?;
        Ok(Self {
            name: name.to_string(),
            abi: raw.abi,
            bytecode_hex: raw.bytecode.object.trim_start_matches("0x").to_string(),
            deployed_bytecode_hex: raw.deployed_bytecode.object.trim_start_matches("0x").to_string(),
            link_references: raw.bytecode.link_references,
            deployed_link_references: raw.deployed_bytecode.link_references,
        })
    }

    fn decode(&self, hex_text: &str) -> Result<Bytes, ArtifactError> {
        if hex_text.contains("__$") {
            return Err(ArtifactError::Unlinked(self.name.clone()));
        }
        hex::decode(hex_text)
            .map(Bytes::from)
            .map_err(|e| ArtifactError::Invalid { name: self.name.clone(), reason: e.to_string() })
    }

    /// Creation code (fails while libraries are unlinked).
    pub fn bytecode(&self) -> Result<Bytes, ArtifactError> {
        self.decode(&self.bytecode_hex)
    }

    /// Runtime code (fails while libraries are unlinked).
    pub fn deployed_bytecode(&self) -> Result<Bytes, ArtifactError> {
        self.decode(&self.deployed_bytecode_hex)
    }

    /// Whether the creation code still needs library addresses.
    pub fn needs_linking(&self) -> bool {
        !self.link_references.is_empty()
    }

    /// A copy with the libraries' addresses filled in; `libraries` maps (source file, library
    /// name) to an address.
    pub fn link(&self, libraries: &dyn Fn(&str, &str) -> Option<Address>) -> Result<Self, ArtifactError> {
        let mut linked = self.clone();
        link_hex(&self.name, &mut linked.bytecode_hex, &self.link_references, libraries)?;
        link_hex(&self.name, &mut linked.deployed_bytecode_hex, &self.deployed_link_references, libraries)?;
        linked.link_references.clear();
        linked.deployed_link_references.clear();
        Ok(linked)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_embedded_artifact_parses_and_names_its_code() {
        for name in crate::artifact_names() {
            let artifact = Artifact::embedded(name).unwrap();
            assert!(artifact.abi.is_array(), "{name}: ABI is a list");
            if !artifact.needs_linking() {
                assert!(!artifact.bytecode().unwrap().is_empty() || name.starts_with('I'), "{name}");
            }
        }
        assert!(matches!(Artifact::embedded("Nope"), Err(ArtifactError::Unknown(_))));
    }

    #[test]
    fn linking_fills_every_placeholder_and_refuses_missing_libraries() {
        let admin = Artifact::embedded("RoflAppAdmin").unwrap();
        assert!(admin.needs_linking());
        assert!(matches!(admin.bytecode(), Err(ArtifactError::Unlinked(_))));
        assert!(matches!(admin.link(&|_, _| None), Err(ArtifactError::MissingLibrary { .. })));
        let library = Address::repeat_byte(0x42);
        let linked = admin.link(&|_, _| Some(library)).unwrap();
        let code = linked.bytecode().unwrap();
        let needle = library.as_slice();
        let count = code.windows(20).filter(|w| *w == needle).count();
        let expected: usize = admin.link_references.values().flat_map(|n| n.values()).map(Vec::len).sum();
        assert_eq!(count, expected);
    }
}
