//! rofl.yaml (Oasis CLI manifest): any bytes must give a manifest or an error, never a panic,
//! and every deployment of a parsed manifest must resolve to a config or an error.
#![no_main]

use libfuzzer_sys::fuzz_target;
use roflgov_types::manifest::Manifest;

fuzz_target!(|data: &[u8]| {
    let Ok(manifest) = Manifest::from_bytes_named(data, "rofl.yaml") else {
        return;
    };
    for name in manifest.deployments.keys() {
        if let Ok(config) = manifest.deployment(name) {
            assert_eq!(&config.name, name);
        }
    }
    // Names that are not there must be an error, not a panic.
    assert!(manifest.deployment("\u{0}no such deployment").is_err());
});
