//! The ORC manifest hash: what `roflmarket` deployments pin (`Deployment.manifest_hash`) and what
//! the provider's scheduler compares before it boots a bundle.
//!
//! oasis-core defines it as SHA-512/256 of the CBOR of the deserialized manifest
//! (`go/runtime/bundle/manifest.go` `Manifest.Hash()`), not of the JSON text nor of the `.orc`
//! file. The scheduler that enforces it is oasis-sdk `rofl-scheduler/src/manifest.rs`
//! (`Manifest::hash`, checked in `manager.rs`: `orc_manifest.hash() != deployment.manifest_hash`
//! refuses the bundle). That reader is strict (`#[serde(deny_unknown_fields)]`, some fields
//! required), and its `cbor(optional)` fields are left out when empty. This module follows it
//! field by field:
//!
//! | JSON (`MANIFEST.MF`) | required in JSON | CBOR |
//! |---|---|---|
//! | `name` | no | text, left out when empty |
//! | `version` {major, minor, patch} | no | map of the non-zero parts, left out when all are 0 |
//! | `id` (64 hex digits) | yes | 32-byte byte string |
//! | `components` | yes | array, left out when empty |
//! | `digests` {file: 64 hex digits} | yes | map of 32-byte byte strings, always written |
//! | component `kind` (`ronl`/`rofl`) | yes | text |
//! | component `name` | yes | text, left out when empty |
//! | component `version` | yes | as above |
//! | component `elf` {executable} / `sgx` {executable, signature} / `tdx` | no | map, left out when null/absent |
//! | component `identity` [{hypervisor, enclave}] | yes | array, left out when empty; `enclave` base64 of 64 bytes → {mr_enclave, mr_signer} |
//! | component `disabled` | no | `true`, left out when false |
//! | tdx `firmware`, `kernel` | yes | text (`kernel` left out when empty) |
//! | tdx `initrd`, `extra_kernel_options`, `stage2_image`, `stage2_format`, `stage2_persist` | no | left out when empty/false |
//! | tdx `resources` {memory, cpus, gpu {model, count}} | yes (gpu no) | map; `gpu` left out when null, `model` when empty |
//!
//! The test vectors are oasis-core's own (`go/runtime/bundle/manifest_test.go`, the same hashes
//! in `rofl-scheduler/src/manifest.rs` tests).

use alloy_primitives::B256;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use oasis_cbor_value::{SimpleValue, Value as Cbor};
use serde_json::{Map, Value};
use sha2::{Digest, Sha512_256};

use super::OrcError;

fn fail(path: &str, problem: impl Into<String>) -> OrcError {
    OrcError::field(path, problem)
}

fn join(parent: &str, key: &str) -> String {
    if parent.is_empty() { key.to_owned() } else { format!("{parent}.{key}") }
}

/// The fields of one JSON object, taken one by one; leftovers are unknown fields (refused, as
/// the scheduler's `deny_unknown_fields`).
struct Object {
    path: String,
    map: Map<String, Value>,
}

impl Object {
    fn new(value: &Value, path: &str) -> Result<Self, OrcError> {
        match value {
            Value::Object(map) => Ok(Self { path: path.to_owned(), map: map.clone() }),
            _ => Err(fail(path, "must be an object")),
        }
    }

    fn path(&self, key: &str) -> String {
        join(&self.path, key)
    }

    fn take(&mut self, key: &str) -> Option<Value> {
        self.map.remove(key)
    }

    fn required(&mut self, key: &str) -> Result<Value, OrcError> {
        self.take(key).ok_or_else(|| fail(&self.path(key), "is missing (the ROFL scheduler requires it)"))
    }

    fn finish(self) -> Result<(), OrcError> {
        match self.map.keys().next() {
            None => Ok(()),
            Some(key) => Err(fail(
                &join(&self.path, key),
                "is not a field the ROFL scheduler knows (it refuses such a manifest)",
            )),
        }
    }
}

fn string(value: Value, path: &str) -> Result<String, OrcError> {
    match value {
        Value::String(text) => Ok(text),
        _ => Err(fail(path, "must be a string")),
    }
}

fn integer(value: Value, path: &str, max: u64) -> Result<u64, OrcError> {
    value.as_u64().filter(|n| *n <= max).ok_or_else(|| fail(path, format!("must be an integer 0..={max}")))
}

fn boolean(value: Value, path: &str) -> Result<bool, OrcError> {
    value.as_bool().ok_or_else(|| fail(path, "must be true or false"))
}

fn hex32(value: Value, path: &str) -> Result<[u8; 32], OrcError> {
    let text = string(value, path)?;
    let mut out = [0u8; 32];
    hex::decode_to_slice(&text, &mut out).map_err(|_| fail(path, "must be 64 hex digits"))?;
    Ok(out)
}

/// A CBOR map with text keys; `None` values are left out (`cbor(optional)`).
fn map(entries: Vec<(&str, Option<Cbor>)>) -> Cbor {
    Cbor::Map(entries.into_iter().filter_map(|(key, value)| value.map(|v| (Cbor::from(key), v))).collect())
}

fn non_empty_text(text: String) -> Option<Cbor> {
    (!text.is_empty()).then(|| Cbor::from(text.as_str()))
}

fn optional_string(object: &mut Object, key: &str) -> Result<String, OrcError> {
    let path = object.path(key);
    object.take(key).map(|v| string(v, &path)).transpose().map(Option::unwrap_or_default)
}

fn version(value: Option<Value>, path: &str) -> Result<Option<Cbor>, OrcError> {
    let Some(value) = value else { return Ok(None) };
    let mut object = Object::new(&value, path)?;
    let mut part = |key: &str| -> Result<Option<Cbor>, OrcError> {
        let p = object.path(key);
        let n = object.take(key).map(|v| integer(v, &p, u16::MAX.into())).transpose()?.unwrap_or(0);
        Ok((n != 0).then_some(Cbor::Unsigned(n)))
    };
    let (major, minor, patch) = (part("major")?, part("minor")?, part("patch")?);
    object.finish()?;
    if major.is_none() && minor.is_none() && patch.is_none() {
        return Ok(None);
    }
    Ok(Some(map(vec![("major", major), ("minor", minor), ("patch", patch)])))
}

/// `Option<T>` with `#[serde(default)]`: absent or null is `None`.
fn present(value: Option<Value>) -> Option<Value> {
    value.filter(|v| !v.is_null())
}

fn elf(value: Value, path: &str) -> Result<Cbor, OrcError> {
    let mut object = Object::new(&value, path)?;
    let executable = string(object.required("executable")?, &object.path("executable"))?;
    object.finish()?;
    Ok(map(vec![("executable", Some(Cbor::from(executable.as_str())))]))
}

fn sgx(value: Value, path: &str) -> Result<Cbor, OrcError> {
    let mut object = Object::new(&value, path)?;
    let executable = string(object.required("executable")?, &object.path("executable"))?;
    let signature = string(object.required("signature")?, &object.path("signature"))?;
    object.finish()?;
    Ok(map(vec![
        ("executable", Some(Cbor::from(executable.as_str()))),
        ("signature", Some(Cbor::from(signature.as_str()))),
    ]))
}

fn gpu(value: Value, path: &str) -> Result<Cbor, OrcError> {
    let mut object = Object::new(&value, path)?;
    let model = optional_string(&mut object, "model")?;
    let count = integer(object.required("count")?, &object.path("count"), u8::MAX.into())?;
    object.finish()?;
    Ok(map(vec![("model", non_empty_text(model)), ("count", Some(Cbor::Unsigned(count)))]))
}

fn tdx(value: Value, path: &str) -> Result<Cbor, OrcError> {
    let mut object = Object::new(&value, path)?;
    let firmware = string(object.required("firmware")?, &object.path("firmware"))?;
    let kernel = string(object.required("kernel")?, &object.path("kernel"))?;
    let initrd = optional_string(&mut object, "initrd")?;
    let options_path = object.path("extra_kernel_options");
    let options = match object.take("extra_kernel_options") {
        None => Vec::new(),
        Some(Value::Array(items)) => items
            .into_iter()
            .enumerate()
            .map(|(i, v)| string(v, &format!("{options_path}[{i}]")))
            .collect::<Result<Vec<_>, _>>()?,
        Some(_) => return Err(fail(&options_path, "must be an array of strings")),
    };
    let stage2_image = optional_string(&mut object, "stage2_image")?;
    let stage2_format = optional_string(&mut object, "stage2_format")?;
    let persist_path = object.path("stage2_persist");
    let stage2_persist =
        object.take("stage2_persist").map(|v| boolean(v, &persist_path)).transpose()?.unwrap_or(false);
    let resources_path = object.path("resources");
    let mut resources = Object::new(&object.required("resources")?, &resources_path)?;
    let memory = integer(resources.required("memory")?, &resources.path("memory"), u64::MAX)?;
    let cpus = integer(resources.required("cpus")?, &resources.path("cpus"), u16::MAX.into())?;
    let gpu_path = resources.path("gpu");
    let gpu = present(resources.take("gpu")).map(|v| gpu(v, &gpu_path)).transpose()?;
    resources.finish()?;
    object.finish()?;
    Ok(map(vec![
        ("firmware", Some(Cbor::from(firmware.as_str()))),
        ("kernel", non_empty_text(kernel)),
        ("initrd", non_empty_text(initrd)),
        (
            "extra_kernel_options",
            (!options.is_empty())
                .then(|| Cbor::Array(options.iter().map(|o| Cbor::from(o.as_str())).collect())),
        ),
        ("stage2_image", non_empty_text(stage2_image)),
        ("stage2_format", non_empty_text(stage2_format)),
        ("stage2_persist", stage2_persist.then_some(Cbor::Simple(SimpleValue::TrueValue))),
        (
            "resources",
            Some(map(vec![
                ("memory", Some(Cbor::Unsigned(memory))),
                ("cpus", Some(Cbor::Unsigned(cpus))),
                ("gpu", gpu),
            ])),
        ),
    ]))
}

fn identity(value: Value, path: &str) -> Result<Cbor, OrcError> {
    let mut object = Object::new(&value, path)?;
    let hypervisor = optional_string(&mut object, "hypervisor")?;
    let enclave_path = object.path("enclave");
    let enclave = string(object.required("enclave")?, &enclave_path)?;
    let bytes =
        BASE64.decode(enclave).map_err(|err| fail(&enclave_path, format!("is not valid base64: {err}")))?;
    if bytes.len() != 64 {
        return Err(fail(&enclave_path, format!("must decode to 64 bytes, got {}", bytes.len())));
    }
    object.finish()?;
    Ok(map(vec![
        ("hypervisor", non_empty_text(hypervisor)),
        (
            "enclave",
            Some(map(vec![
                ("mr_enclave", Some(Cbor::from(&bytes[..32]))),
                ("mr_signer", Some(Cbor::from(&bytes[32..]))),
            ])),
        ),
    ]))
}

fn component(value: Value, path: &str) -> Result<Cbor, OrcError> {
    let mut object = Object::new(&value, path)?;
    let kind_path = object.path("kind");
    let kind = string(object.required("kind")?, &kind_path)?;
    if kind != "ronl" && kind != "rofl" {
        return Err(fail(&kind_path, format!("must be \"ronl\" or \"rofl\", found {kind:?}")));
    }
    let name = string(object.required("name")?, &object.path("name"))?;
    let version_path = object.path("version");
    let version = version(Some(object.required("version")?), &version_path)?;
    let elf_path = object.path("elf");
    let elf = present(object.take("elf")).map(|v| elf(v, &elf_path)).transpose()?;
    let sgx_path = object.path("sgx");
    let sgx = present(object.take("sgx")).map(|v| sgx(v, &sgx_path)).transpose()?;
    let tdx_path = object.path("tdx");
    let tdx = present(object.take("tdx")).map(|v| tdx(v, &tdx_path)).transpose()?;
    let identity_path = object.path("identity");
    let identities = match object.required("identity")? {
        Value::Array(items) => items
            .into_iter()
            .enumerate()
            .map(|(i, v)| identity(v, &format!("{identity_path}[{i}]")))
            .collect::<Result<Vec<_>, _>>()?,
        _ => return Err(fail(&identity_path, "must be an array")),
    };
    let disabled_path = object.path("disabled");
    let disabled = object.take("disabled").map(|v| boolean(v, &disabled_path)).transpose()?.unwrap_or(false);
    object.finish()?;
    Ok(map(vec![
        ("kind", Some(Cbor::from(kind.as_str()))),
        ("name", non_empty_text(name)),
        ("version", version),
        ("elf", elf),
        ("sgx", sgx),
        ("tdx", tdx),
        ("identity", (!identities.is_empty()).then_some(Cbor::Array(identities))),
        ("disabled", disabled.then_some(Cbor::Simple(SimpleValue::TrueValue))),
    ]))
}

/// The CBOR of a `MANIFEST.MF` as the ROFL scheduler encodes it for hashing.
pub fn manifest_cbor(text: &str) -> Result<Vec<u8>, OrcError> {
    let root: Value = serde_json::from_str(text).map_err(|source| OrcError::ManifestJson { source })?;
    let mut object = Object::new(&root, "")?;
    let name = optional_string(&mut object, "name")?;
    let version = version(present(object.take("version")), "version")?;
    let id = hex32(object.required("id")?, "id")?;
    let components = match object.required("components")? {
        Value::Array(items) => items
            .into_iter()
            .enumerate()
            .map(|(i, v)| component(v, &format!("components[{i}]")))
            .collect::<Result<Vec<_>, _>>()?,
        _ => return Err(fail("components", "must be an array")),
    };
    let digests = match object.required("digests")? {
        Value::Object(entries) => entries
            .into_iter()
            .map(|(file, digest)| {
                let digest = hex32(digest, &format!("digests.{file}"))?;
                Ok((Cbor::from(file.as_str()), Cbor::from(digest.as_slice())))
            })
            .collect::<Result<Vec<_>, OrcError>>()?,
        _ => return Err(fail("digests", "must be an object")),
    };
    object.finish()?;
    let value = map(vec![
        ("name", non_empty_text(name)),
        ("version", version),
        ("id", Some(Cbor::from(id.as_slice()))),
        ("components", (!components.is_empty()).then_some(Cbor::Array(components))),
        ("digests", Some(Cbor::Map(digests))),
    ]);
    let mut out = Vec::new();
    oasis_cbor_value::writer::write_nested(value, &mut out, None)
        .map_err(|err| fail("", format!("cannot be encoded canonically: {err:?}")))?;
    Ok(out)
}

/// The manifest hash of a `MANIFEST.MF` text: SHA-512/256 of [`manifest_cbor`].
pub fn manifest_hash(text: &str) -> Result<B256, OrcError> {
    let cbor = manifest_cbor(text)?;
    Ok(B256::from(<[u8; 32]>::from(Sha512_256::digest(&cbor))))
}

#[cfg(test)]
mod tests {
    use super::*;

    // oasis-core go/runtime/bundle/manifest_test.go testManifestFullJSON / testManifestMiniJSON,
    // with the hashes asserted there (and again in oasis-sdk rofl-scheduler/src/manifest.rs).
    const FULL: &str = r#"{
      "name": "name",
      "id": "0000000000000000000000000000000000000000000000000000000000000000",
      "version": {},
      "components": [{
          "kind": "ronl", "name": "name", "version": {"major": 1, "minor": 2, "patch": 3},
          "elf": {"executable": "exe"},
          "sgx": {"executable": "exe", "signature": "sig"},
          "tdx": {"firmware": "firmware", "kernel": "kernel", "initrd": "initrd",
                  "extra_kernel_options": ["opt1", "opt2"], "stage2_image": "image",
                  "resources": {"memory": 1, "cpus": 2}},
          "identity": [{"hypervisor": "hypervisor",
            "enclave": "AQIDAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAADBAUAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=="}],
          "disabled": true
      }],
      "digests": {
        "a": "0100000000000000000000000000000000000000000000000000000000000000",
        "b": "0200000000000000000000000000000000000000000000000000000000000000"
      }
    }"#;

    const MINI: &str = r#"{
      "name": "name",
      "id": "0000000000000000000000000000000000000000000000000000000000000000",
      "version": {},
      "components": [{
          "kind": "ronl", "name": "name", "version": {},
          "tdx": {"firmware": "firmware", "kernel": "kernel", "extra_kernel_options": ["opt1", "opt2"],
                  "stage2_image": "image", "resources": {"memory": 1, "cpus": 2}},
          "identity": [{"hypervisor": "hypervisor",
            "enclave": "AQIDAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAADBAUAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=="}]
      }],
      "digests": {
        "a": "0100000000000000000000000000000000000000000000000000000000000000",
        "b": "0200000000000000000000000000000000000000000000000000000000000000"
      }
    }"#;

    #[test]
    fn oasis_core_vectors() {
        assert_eq!(
            manifest_hash(FULL).unwrap().to_string(),
            "0x2ddf81b85d08dbecb24571ba75858ec94871800b674d581cf37214c0d56263c3"
        );
        assert_eq!(
            manifest_hash(MINI).unwrap().to_string(),
            "0x07c7b90d8412bf8efa6e96132888ac64dad330b0c1b538458fd05ee7a908617b"
        );
    }

    #[test]
    fn key_order_and_spacing_do_not_matter_but_content_does() {
        let reordered = MINI
            .replace("\"name\": \"name\",\n      \"id\"", "\"id\"")
            .replace("\"digests\": {", "\"name\": \"name\", \"digests\": {");
        assert_eq!(manifest_hash(&reordered).unwrap(), manifest_hash(MINI).unwrap());
        let other = MINI.replace("\"cpus\": 2", "\"cpus\": 3");
        assert_ne!(manifest_hash(&other).unwrap(), manifest_hash(MINI).unwrap());
    }

    #[test]
    fn unknown_and_missing_fields_are_refused_by_name() {
        let unknown = MINI.replace("\"stage2_image\"", "\"stage2_imag\": \"x\", \"stage2_image\"");
        let err = manifest_hash(&unknown).unwrap_err().to_string();
        assert!(err.contains("components[0].tdx.stage2_imag"), "{err}");
        let missing = MINI.replace("\"kernel\": \"kernel\", ", "");
        let err = manifest_hash(&missing).unwrap_err().to_string();
        assert!(err.contains("components[0].tdx.kernel") && err.contains("missing"), "{err}");
        let bad_kind = MINI.replace("\"kind\": \"ronl\"", "\"kind\": \"RONL\"");
        assert!(manifest_hash(&bad_kind).unwrap_err().to_string().contains("components[0].kind"));
    }
}
