//! Paths to the demo manifests and the enclave identities they declare.

use std::path::Path;

use roflgov_types::manifest::Manifest;

/// The demo app's folder (`examples/demo`).
pub(crate) const EXAMPLES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../examples/demo");

/// The path of `examples/demo/rofl-<v>.yaml`.
pub(crate) fn manifest(v: &str) -> String {
    Path::new(EXAMPLES).join(format!("rofl-{v}.yaml")).display().to_string()
}

/// The enclave identities (base64) the `local` deployment of `rofl-<v>.yaml` declares.
pub(crate) fn ids_of(v: &str) -> Vec<String> {
    let dep = Manifest::from_path(manifest(v)).unwrap().deployment("local").unwrap();
    dep.policy.enclaves.iter().map(roflgov_attest::identity_to_base64).collect()
}
