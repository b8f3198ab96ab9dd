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

/// The sample quotes and collateral of roflgov-attest (dcap-qvl's).
pub(crate) const TESTDATA: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../attest/testdata");

/// Inside the validity window of the sample collateral (2025-07-01T00:00:00Z).
pub(crate) const NOW: &str = "1751328000";

/// The Talos app's rofl.yaml (a real mainnet deployment).
pub(crate) const TALOS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../fixtures/talos-rofl.yaml");

/// A complete rofl.Update body in the readable form of `cbor encode`, from the Talos fixture's
/// mainnet deployment, with no secrets.
pub(crate) fn update_json() -> serde_json::Value {
    serde_json::json!({
        "method": "rofl.Update",
        "body": {
            "id": "rofl1qpykfkl6ea78cyy67d35f7fmpk3pg36vashka4v9",
            "admin": "oasis1qz2lty9v4glt5ts8ljhfpnd05dy3cwmtnyshws8q",
            "policy": {
                "quotes": {"pcs": {"tcb_validity_period": 30, "min_tcb_evaluation_data_number": 18, "tdx": {"allowed_tdx_modules": []}}},
                "enclaves": [{
                    "mr_enclave": "0x6a440b7d0f7ea2408f582be2749ff4ab47fccdbacabb189e1e80560e33a0a964",
                    "mr_signer": "0x0000000000000000000000000000000000000000000000000000000000000000"
                }],
                "endorsements": [{"any": {}}],
                "fees": "endorsing_node",
                "max_expiration": 3
            },
            "metadata": {"net.oasis.rofl.name": "talos"},
            "secrets": {}
        }
    })
}

/// The path of `name` among the sample quotes and collateral.
pub(crate) fn testdata(name: &str) -> std::path::PathBuf {
    Path::new(TESTDATA).join(name)
}

/// Writes an ORC bundle at `path` holding only `META-INF/MANIFEST.MF` with `manifest` (stored
/// uncompressed, as the zip crate's default options do).
pub(crate) fn write_orc(path: &Path, manifest: &serde_json::Value) {
    use std::io::Write;
    let mut zip = zip::ZipWriter::new(std::fs::File::create(path).unwrap());
    zip.start_file("META-INF/MANIFEST.MF", zip::write::SimpleFileOptions::default()).unwrap();
    zip.write_all(manifest.to_string().as_bytes()).unwrap();
    zip.finish().unwrap();
}
