//! The JSON manifest inside an ORC bundle (META-INF/MANIFEST.MF).
#![no_main]

use libfuzzer_sys::fuzz_target;
use roflgov_attest::orc::parse_manifest;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(manifest) = parse_manifest(text) {
        for component in &manifest.components {
            let _ = component.id();
        }
    }
});
