//! ORC bundles built in a temp dir: valid, truncated, hostile and malformed.

use std::io::{Cursor, Write};
use std::path::{Path, PathBuf};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use roflgov_attest::orc::{MANIFEST_PATH, MAX_MANIFEST_SIZE, OrcBundle, OrcError, Version};
use sha2::{Digest, Sha256};
use zip::CompressionMethod;
use zip::write::SimpleFileOptions;

fn identity_base64(mr_enclave: u8, mr_signer: u8) -> String {
    let mut bytes = [mr_enclave; 64];
    bytes[32..].fill(mr_signer);
    BASE64.encode(bytes)
}

/// A manifest shaped like what `oasis rofl build` writes for a TDX app (Go field spelling).
fn realistic_manifest() -> String {
    serde_json::json!({
        "name": "my-rofl-app",
        "id": "0000000000000000000000000000000000000000000000000000000000000000",
        "components": [{
            "kind": "rofl",
            "name": "my-rofl-app",
            "Version": {"major": 0, "minor": 5, "patch": 2},
            "tdx": {
                "firmware": "ovmf.tdx.fd",
                "kernel": "stage1.bin",
                "initrd": "stage1.initrd",
                "stage2_image": "stage2-podman.tar.bz2",
                "resources": {"memory": 512, "cpus": 1}
            },
            "identity": [
                {"hypervisor": "qemu/v0", "enclave": identity_base64(0xa0, 0)},
                {"hypervisor": "qemu/v1", "enclave": identity_base64(0xa1, 0)}
            ]
        }],
        "digests": {
            "ovmf.tdx.fd": "0100000000000000000000000000000000000000000000000000000000000000",
            "stage1.bin": "0200000000000000000000000000000000000000000000000000000000000000"
        }
    })
    .to_string()
}

fn write_zip(path: &Path, entries: &[(&str, &[u8])]) {
    let mut writer = zip::ZipWriter::new(std::fs::File::create(path).unwrap());
    let options = SimpleFileOptions::default().compression_method(CompressionMethod::Deflated);
    for (name, contents) in entries {
        writer.start_file(*name, options).unwrap();
        writer.write_all(contents).unwrap();
    }
    writer.finish().unwrap();
}

fn bundle_with_manifest(dir: &Path, manifest: &[u8]) -> PathBuf {
    let path = dir.join("app.orc");
    write_zip(&path, &[(MANIFEST_PATH, manifest), ("ovmf.tdx.fd", b"firmware")]);
    path
}

fn open_manifest(manifest: &str) -> Result<OrcBundle, OrcError> {
    let dir = tempfile::tempdir().unwrap();
    OrcBundle::open(bundle_with_manifest(dir.path(), manifest.as_bytes()))
}

fn field_error(result: Result<OrcBundle, OrcError>) -> (String, String) {
    match result {
        Err(OrcError::ManifestField { field, problem }) => (field, problem),
        other => panic!("expected ManifestField, got {other:?}"),
    }
}

#[test]
fn valid_bundle_lists_both_tdx_identities() {
    let dir = tempfile::tempdir().unwrap();
    let path = bundle_with_manifest(dir.path(), realistic_manifest().as_bytes());
    let bundle = OrcBundle::open(&path).unwrap();

    let identities = bundle.identities();
    assert_eq!(identities.len(), 2);
    for (identity, (hypervisor, byte)) in identities.iter().zip([("qemu/v0", 0xa0), ("qemu/v1", 0xa1)]) {
        assert_eq!(identity.component, "rofl.my-rofl-app");
        assert_eq!(identity.hypervisor.as_deref(), Some(hypervisor));
        assert_eq!(identity.identity.mr_enclave.0, [byte; 32]);
        assert_eq!(identity.identity.mr_signer.0, [0; 32], "TDX identities have a zero MRSIGNER");
        assert!(roflgov_attest::tdx::is_tdx_identity(&identity.identity));
    }

    let manifest = &bundle.manifest;
    assert_eq!(manifest.name.as_deref(), Some("my-rofl-app"));
    assert_eq!(manifest.components[0].version, Some(Version { major: 0, minor: 5, patch: 2 }));
    assert_eq!(manifest.digests.len(), 2);

    let file_hash = Sha256::digest(std::fs::read(&path).unwrap());
    assert_eq!(bundle.sha256.as_slice(), file_hash.as_slice());

    // The same through a reader.
    let from_reader = OrcBundle::from_reader(Cursor::new(std::fs::read(&path).unwrap())).unwrap();
    assert_eq!(from_reader, bundle);
}

#[test]
fn oasis_core_test_manifest_identity_decodes() {
    // `go/runtime/bundle/manifest_test.go`: MrEnclave {1, 2, 3}, MrSigner {3, 4, 5}.
    let manifest = r#"{"id": "0000000000000000000000000000000000000000000000000000000000000000",
        "components": [{"kind": "ronl", "identity": [{"hypervisor": "hypervisor",
        "enclave": "AQIDAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAADBAUAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=="}]}]}"#;
    let identities = open_manifest(manifest).unwrap().identities();
    assert_eq!(identities[0].component, "ronl");
    assert_eq!(identities[0].identity.mr_enclave[..3], [1, 2, 3]);
    assert_eq!(identities[0].identity.mr_signer[..3], [3, 4, 5]);
}

#[test]
fn truncated_zip_is_not_a_zip() {
    let dir = tempfile::tempdir().unwrap();
    let path = bundle_with_manifest(dir.path(), realistic_manifest().as_bytes());
    let bytes = std::fs::read(&path).unwrap();
    for len in [0, 10, bytes.len() / 2, bytes.len() - 10] {
        let result = OrcBundle::from_reader(Cursor::new(bytes[..len].to_vec()));
        assert!(matches!(result, Err(OrcError::NotAZip { .. })), "len {len}: {result:?}");
    }
}

#[test]
fn missing_manifest_is_reported() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("no-manifest.orc");
    write_zip(&path, &[("META-INF/OTHER", b"{}"), ("app", b"x")]);
    assert!(matches!(OrcBundle::open(&path), Err(OrcError::MissingManifest)));
}

#[test]
fn missing_file_is_an_io_error_with_the_path() {
    let error = OrcBundle::open("/nonexistent/app.orc").unwrap_err();
    assert!(matches!(&error, OrcError::Io { path, .. } if path == Path::new("/nonexistent/app.orc")));
}

#[test]
fn oversized_manifest_is_refused() {
    // 1 MiB + 1 byte of spaces deflates to a tiny entry: a small zip bomb.
    let dir = tempfile::tempdir().unwrap();
    let huge = vec![b' '; MAX_MANIFEST_SIZE as usize + 1];
    let path = bundle_with_manifest(dir.path(), &huge);
    assert!(std::fs::metadata(&path).unwrap().len() < 10_000);
    let error = OrcBundle::open(&path).unwrap_err();
    assert!(matches!(error, OrcError::ManifestTooLarge { .. }), "{error}");
}

#[test]
fn manifest_lying_about_its_size_is_cut_off() {
    // Declare 100 bytes in the zip headers while the entry inflates to 4 MiB.
    let dir = tempfile::tempdir().unwrap();
    let huge = vec![b' '; 4 * MAX_MANIFEST_SIZE as usize];
    let path = dir.path().join("liar.orc");
    write_zip(&path, &[(MANIFEST_PATH, &huge)]);
    let mut bytes = std::fs::read(&path).unwrap();
    let declared = (huge.len() as u32).to_le_bytes();
    let mut patched = 0;
    for offset in 0..bytes.len() - 4 {
        if bytes[offset..offset + 4] == declared {
            bytes[offset..offset + 4].copy_from_slice(&100u32.to_le_bytes());
            patched += 1;
        }
    }
    assert_eq!(patched, 2, "local header and central directory");
    let error = OrcBundle::from_reader(Cursor::new(bytes)).unwrap_err();
    // The declared size passes the first check; the bounded read stops at limit + 1 bytes.
    assert!(
        matches!(error, OrcError::ManifestTooLarge { size, .. } if size == MAX_MANIFEST_SIZE + 1),
        "{error}"
    );
}

#[test]
fn non_utf8_manifest_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = bundle_with_manifest(dir.path(), b"{\"name\": \"caf\xe9\"}");
    let error = OrcBundle::open(&path).unwrap_err();
    assert!(matches!(error, OrcError::ManifestNotUtf8 { valid_up_to: 13 }), "{error}");
}

#[test]
fn bad_json_is_refused() {
    for text in ["", "{", "{\"id\": }", "not json", "{} trailing"] {
        let result = open_manifest(text);
        assert!(matches!(result, Err(OrcError::ManifestJson { .. })), "{text:?}: {result:?}");
    }
}

#[test]
fn wrong_field_types_name_the_field() {
    let cases: &[(serde_json::Value, &str, &str)] = &[
        (serde_json::json!([]), "(top level)", "must be an object, found an array"),
        (serde_json::json!({}), "id", "is missing"),
        (serde_json::json!({"id": 5}), "id", "must be a hex string, found a number"),
        (serde_json::json!({"id": "abcd"}), "id", "must be 32 bytes, got 2"),
        (serde_json::json!({"id": "zz"}), "id", "is not valid hex"),
        (serde_json::json!({"id": "00".repeat(32), "name": 7}), "name", "must be a string, found a number"),
        (
            serde_json::json!({"id": "00".repeat(32), "components": {}}),
            "components",
            "must be an array, found an object",
        ),
        (serde_json::json!({"id": "00".repeat(32), "components": [{}]}), "components[0].kind", "is missing"),
        (
            serde_json::json!({"id": "00".repeat(32), "components": [{"kind": "rofl", "version": {"major": "1"}}]}),
            "components[0].version.major",
            "must be an integer, found a string",
        ),
        (
            serde_json::json!({"id": "00".repeat(32), "components": [{"kind": "rofl", "version": {"minor": 70000}}]}),
            "components[0].version.minor",
            "must be an integer 0..=65535",
        ),
        (
            serde_json::json!({"id": "00".repeat(32), "components": [{"kind": "rofl", "identity": {}}]}),
            "components[0].identity",
            "must be an array, found an object",
        ),
        (
            serde_json::json!({"id": "00".repeat(32), "components": [{"kind": "rofl", "identity": [{"hypervisor": "qemu/v0"}]}]}),
            "components[0].identity[0].enclave",
            "is missing",
        ),
        (
            serde_json::json!({"id": "00".repeat(32), "components": [{"kind": "rofl", "identity": [{"enclave": identity_base64(1, 0)}, {"enclave": {"mr_enclave": "AA==", "mr_signer": "AA=="}}]}]}),
            "components[0].identity[1].enclave",
            "must be a base64 string of MRENCLAVE ‖ MRSIGNER, found an object",
        ),
        (
            serde_json::json!({"id": "00".repeat(32), "components": [{"kind": "rofl", "identity": [{"enclave": BASE64.encode([0u8; 32])}]}]}),
            "components[0].identity[0].enclave",
            "must decode to 64 bytes (MRENCLAVE ‖ MRSIGNER), got 32",
        ),
        (
            serde_json::json!({"id": "00".repeat(32), "components": [{"kind": "rofl", "identity": [{"enclave": "!!not base64!!"}]}]}),
            "components[0].identity[0].enclave",
            "is not valid base64",
        ),
        (
            serde_json::json!({"id": "00".repeat(32), "components": [{"kind": "rofl", "identity": [{"hypervisor": 1, "enclave": identity_base64(1, 0)}]}]}),
            "components[0].identity[0].hypervisor",
            "must be a string, found a number",
        ),
        (
            serde_json::json!({"id": "00".repeat(32), "digests": {"a": 1}}),
            "digests.a",
            "must be a hex string, found a number",
        ),
    ];
    for (manifest, expected_field, expected_problem) in cases {
        let (field, problem) = field_error(open_manifest(&manifest.to_string()));
        assert_eq!(&field, expected_field, "{manifest}");
        assert!(problem.starts_with(expected_problem), "{manifest}: {problem}");
    }

    let error = open_manifest(r#"{"id": 5}"#).unwrap_err();
    assert_eq!(error.to_string(), "META-INF/MANIFEST.MF: field `id` must be a hex string, found a number");
}
