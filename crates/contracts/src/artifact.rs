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
    /// Where the deployed code holds immutables (written by the constructor).
    deployed_immutables: Vec<LinkOffset>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawCode {
    object: String,
    #[serde(default)]
    link_references: LinkReferences,
    #[serde(default)]
    immutable_references: BTreeMap<String, Vec<LinkOffset>>,
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
            deployed_immutables: raw.deployed_bytecode.immutable_references.into_values().flatten().collect(),
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

/// What deployed code turned out to be, checked against an artifact.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CodeMatch {
    /// The same code, but for immutables and library addresses: these libraries, by
    /// `file:Library`, are linked at these addresses (check their code too).
    Matches(BTreeMap<String, Address>),
    /// Other code.
    Differs,
}

impl Artifact {
    /// Whether `deployed` is this artifact's runtime code, immutables and library addresses
    /// aside (and, for a library, its own address in the leading `PUSH20` guard). The library
    /// addresses found are returned so the caller can check their code in turn.
    pub fn match_deployed(&self, deployed: &[u8]) -> CodeMatch {
        let expected = &self.deployed_bytecode_hex;
        if expected.len() != deployed.len() * 2 {
            return CodeMatch::Differs;
        }
        let mut skip = vec![false; deployed.len()];
        let mut mark = |start: usize, length: usize| {
            for flag in skip.iter_mut().skip(start).take(length) {
                *flag = true;
            }
        };
        for offset in &self.deployed_immutables {
            mark(offset.start, offset.length);
        }
        let mut libraries = BTreeMap::new();
        for (file, names) in &self.deployed_link_references {
            for (library, offsets) in names {
                for offset in offsets {
                    let Some(bytes) = deployed.get(offset.start..offset.start + 20) else {
                        return CodeMatch::Differs;
                    };
                    let address = Address::from_slice(bytes);
                    let key = format!("{file}:{library}");
                    if libraries.insert(key.clone(), address).is_some_and(|known| known != address) {
                        return CodeMatch::Differs; // one library linked at two addresses
                    }
                    mark(offset.start, offset.length);
                }
            }
        }
        // A library's runtime code starts with PUSH20 <its own address> (the call guard).
        if expected.starts_with("73") && expected.get(2..42).is_some_and(|a| a.bytes().all(|b| b == b'0')) {
            mark(1, 20);
        }
        let Ok(expected) = hex::decode(expected.replace(|c: char| !c.is_ascii_hexdigit(), "0")) else {
            return CodeMatch::Differs;
        };
        let same = expected.iter().zip(deployed).zip(&skip).all(|((a, b), skipped)| *skipped || a == b);
        if same { CodeMatch::Matches(libraries) } else { CodeMatch::Differs }
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

    #[test]
    fn deployed_code_matches_only_itself_immutables_and_libraries_aside() {
        let admin = Artifact::embedded("RoflAppAdmin").unwrap();
        let library = Address::repeat_byte(0x42);
        let linked = admin.link(&|_, _| Some(library)).unwrap();
        let mut code = linked.deployed_bytecode().unwrap().to_vec();
        // Immutables are written by the constructor: any value passes.
        for offset in &admin.deployed_immutables {
            code[offset.start..offset.start + offset.length].fill(0x77);
        }
        let CodeMatch::Matches(libraries) = admin.match_deployed(&code) else { panic!("its own code") };
        assert!(!libraries.is_empty() && libraries.values().all(|a| *a == library));
        // One byte of real code changed: not roflgov's contract.
        let position = (0..code.len())
            .find(|i| !admin.deployed_immutables.iter().any(|o| (o.start..o.start + o.length).contains(i)))
            .map(|i| i + 100)
            .unwrap();
        code[position] ^= 0xff;
        assert_eq!(admin.match_deployed(&code), CodeMatch::Differs);
        // Other code entirely, or a truncated copy.
        let stand_in = Artifact::embedded("RoflModuleStandIn").unwrap().deployed_bytecode().unwrap();
        assert_eq!(admin.match_deployed(&stand_in), CodeMatch::Differs);
        assert_eq!(admin.match_deployed(&code[..code.len() - 1]), CodeMatch::Differs);

        // A library carries its own address in its leading PUSH20 guard.
        let logic = Artifact::embedded("RoflConfigLogic").unwrap();
        let mut deployed = logic.deployed_bytecode().unwrap().to_vec();
        deployed[1..21].copy_from_slice(library.as_slice());
        assert_eq!(logic.match_deployed(&deployed), CodeMatch::Matches(BTreeMap::new()));
    }
}
