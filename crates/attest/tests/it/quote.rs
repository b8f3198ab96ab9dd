//! Offline DCAP verification with the real dcap-qvl sample quotes and collateral.

use std::path::PathBuf;

use alloy_primitives::B256;
use roflgov_attest::quote::{QuoteError, read_quote_framing};
use roflgov_attest::tdx::TD_ENCLAVE_IDENTITY_CONTEXT;
use roflgov_attest::{
    Collateral, Platform, TcbStatus, identity_from_quote_file, identity_to_base64, verify_quote,
};
use tiny_keccak::{Hasher, TupleHash};

/// 2025-07-01T00:00:00Z, inside the samples' collateral window (2025-06-19..2025-07-19).
const NOW: u64 = 1_751_328_000;

fn testdata(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("testdata").join(name)
}

fn read(name: &str) -> Vec<u8> {
    std::fs::read(testdata(name)).unwrap()
}

fn tdx_collateral() -> Collateral {
    Collateral::from_file(testdata("tdx_quote_collateral.json")).unwrap()
}

fn sgx_collateral() -> Collateral {
    Collateral::from_file(testdata("sgx_quote_collateral.json")).unwrap()
}

// Intel TDX DCAP quote v4 layout: 48-byte header, then the TD report body.
const HEADER: usize = 48;
const MR_SEAM: usize = HEADER + 16;
const MR_SIGNER_SEAM: usize = MR_SEAM + 48;
const MR_TD: usize = MR_SIGNER_SEAM + 48 + 8 + 8 + 8;
const RTMR0: usize = MR_TD + 48 * 4;
const REPORT_DATA: usize = RTMR0 + 48 * 4;
// Intel SGX DCAP quote v3 layout: 48-byte header, then the SGX report body.
const SGX_MR_ENCLAVE: usize = HEADER + 64;
const SGX_MR_SIGNER: usize = HEADER + 128;
const SGX_REPORT_DATA: usize = HEADER + 320;

/// The ROFL identity of a TDX quote, computed straight from the quote bytes with tiny-keccak:
/// shares no code with dcap-qvl's parser or with our TupleHash.
fn independent_tdx_identity(quote: &[u8]) -> [u8; 32] {
    let mut hasher = TupleHash::v256(TD_ENCLAVE_IDENTITY_CONTEXT);
    hasher.update(&quote[MR_TD..MR_TD + 48]);
    for i in 0..4 {
        hasher.update(&quote[RTMR0 + 48 * i..RTMR0 + 48 * (i + 1)]);
    }
    let mut out = [0u8; 32];
    hasher.finalize(&mut out);
    out
}

#[test]
fn tdx_sample_quote_verifies_with_its_collateral() {
    let raw = read("tdx_quote");
    let verified = verify_quote(&raw, &tdx_collateral(), NOW).unwrap();

    assert_eq!(verified.platform, Platform::Tdx);
    assert_eq!(verified.tcb_status, TcbStatus::UpToDate);
    assert!(verified.advisory_ids.is_empty());
    assert_eq!(verified.fmspc, "B0C06F000000");
    assert_eq!(verified.tcb_evaluation_data_number, 17);
    assert_eq!(verified.verified_at, NOW);
    assert!(verified.sgx.is_none());

    let tdx = verified.tdx.as_ref().unwrap();
    assert_eq!(tdx.mr_seam.as_slice(), &raw[MR_SEAM..MR_SEAM + 48]);
    assert_eq!(tdx.mr_signer_seam.as_slice(), &raw[MR_SIGNER_SEAM..MR_SIGNER_SEAM + 48]);
    assert!(tdx.mr_signer_seam.iter().all(|&b| b == 0), "Intel-signed TDX module");
    assert_eq!(tdx.mr_td.as_slice(), &raw[MR_TD..MR_TD + 48]);
    assert_eq!(verified.report_data.as_slice(), &raw[REPORT_DATA..REPORT_DATA + 64]);
}

#[test]
fn tdx_identity_of_real_quote_matches_independent_computation() {
    let raw = read("tdx_quote");
    let verified = verify_quote(&raw, &tdx_collateral(), NOW).unwrap();

    let expected = independent_tdx_identity(&raw);
    assert_eq!(verified.identity.mr_enclave.0, expected);
    assert_eq!(verified.identity.mr_signer, B256::ZERO);
    // Pinned, so that a silent change in either computation shows up.
    assert_eq!(hex::encode(expected), PINNED_TDX_SAMPLE_MR_ENCLAVE);
    assert!(identity_to_base64(&verified.identity).ends_with("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=="));
}

/// ROFL TDX identity (mr_enclave) of dcap-qvl's `sample/tdx_quote`.
const PINNED_TDX_SAMPLE_MR_ENCLAVE: &str = "771ba27822062a2c117d6829e7e114a24be2d3bdd0c6ba8c35af27047cf4a17c";

#[test]
fn sgx_sample_quote_verifies_with_its_collateral() {
    let raw = read("sgx_quote");
    let verified = verify_quote(&raw, &sgx_collateral(), NOW).unwrap();

    assert_eq!(verified.platform, Platform::Sgx);
    assert_eq!(verified.tcb_status, TcbStatus::ConfigurationAndSWHardeningNeeded);
    assert_eq!(verified.advisory_ids, ["INTEL-SA-00289", "INTEL-SA-00615"]);
    assert_eq!(verified.fmspc, "00A067110000");
    assert_eq!(verified.tcb_evaluation_data_number, 17);
    assert!(verified.tdx.is_none());

    let sgx = verified.sgx.as_ref().unwrap();
    assert_eq!(sgx.mr_enclave.as_slice(), &raw[SGX_MR_ENCLAVE..SGX_MR_ENCLAVE + 32]);
    assert_eq!(sgx.mr_signer.as_slice(), &raw[SGX_MR_SIGNER..SGX_MR_SIGNER + 32]);
    assert_eq!(verified.identity.mr_enclave.as_slice(), &raw[SGX_MR_ENCLAVE..SGX_MR_ENCLAVE + 32]);
    assert_eq!(verified.identity.mr_signer.as_slice(), &raw[SGX_MR_SIGNER..SGX_MR_SIGNER + 32]);
}

#[test]
fn quote_file_entry_point_reads_and_verifies() {
    let verified = identity_from_quote_file(testdata("tdx_quote"), &tdx_collateral(), NOW).unwrap();
    assert_eq!(verified.platform, Platform::Tdx);

    let missing = identity_from_quote_file(testdata("no_such_quote"), &tdx_collateral(), NOW);
    assert!(matches!(missing, Err(QuoteError::Io { .. })), "{missing:?}");
}

#[test]
fn framing_of_the_samples() {
    let raw = read("sgx_quote");
    let framing = read_quote_framing(&raw).unwrap();
    assert_eq!((framing.version, framing.platform), (3, Platform::Sgx));
    assert_eq!(framing.signed_len, 48 + 384);
    assert_eq!(framing.total_len, raw.len());

    // The TDX sample carries 70 zero bytes after its signature data; they are not part of the
    // quote, and the quote verifies without them.
    let raw = read("tdx_quote");
    let framing = read_quote_framing(&raw).unwrap();
    assert_eq!((framing.version, framing.platform), (4, Platform::Tdx));
    assert_eq!(framing.signed_len, 48 + 584);
    assert_eq!(framing.total_len, 4936);
    assert!(raw[framing.total_len..].iter().all(|&b| b == 0));
    let exact = verify_quote(&raw[..framing.total_len], &tdx_collateral(), NOW).unwrap();
    assert_eq!(exact.identity, verify_quote(&raw, &tdx_collateral(), NOW).unwrap().identity);
}

#[test]
fn truncated_quotes_are_reported_as_truncated() {
    let raw = read("tdx_quote");
    let total_len = read_quote_framing(&raw).unwrap().total_len;
    for len in [0, 1, 47, 48, 100, 631, 632, 635, 636, 1000, total_len - 1] {
        let result = verify_quote(&raw[..len], &tdx_collateral(), NOW);
        match result {
            Err(QuoteError::QuoteTruncated { needed, actual }) => {
                assert_eq!(actual, len);
                assert!(needed > len);
            }
            other => panic!("length {len}: expected QuoteTruncated, got {other:?}"),
        }
    }
}

#[test]
fn garbage_quotes_are_rejected_without_panic() {
    // Unknown TEE type.
    let mut raw = read("tdx_quote");
    raw[4] = 0x42;
    assert!(matches!(verify_quote(&raw, &tdx_collateral(), NOW), Err(QuoteError::UnsupportedTeeType(0x42))));

    // Unknown quote version.
    let mut raw = read("tdx_quote");
    raw[0] = 9;
    assert!(matches!(verify_quote(&raw, &tdx_collateral(), NOW), Err(QuoteError::QuoteUnparsable { .. })));

    // A huge signature-data length.
    let mut raw = read("sgx_quote");
    raw[432..436].copy_from_slice(&u32::MAX.to_le_bytes());
    assert!(matches!(verify_quote(&raw, &sgx_collateral(), NOW), Err(QuoteError::QuoteTruncated { .. })));

    // Every single-byte prefix of a junk buffer.
    let junk: Vec<u8> = (0..700u32).map(|i| (i * 7919 % 251) as u8).collect();
    for len in 0..junk.len() {
        assert!(verify_quote(&junk[..len], &tdx_collateral(), NOW).is_err());
    }
}

#[test]
fn tampered_tdx_quote_fails_the_signature_check() {
    let mut raw = read("tdx_quote");
    raw[MR_TD] ^= 0x01;
    let error = verify_quote(&raw, &tdx_collateral(), NOW).unwrap_err();
    assert!(matches!(error, QuoteError::QuoteSignatureInvalid { .. }), "{error}");
}

#[test]
fn tampered_sgx_quote_fails_the_signature_check() {
    let mut raw = read("sgx_quote");
    raw[SGX_REPORT_DATA] ^= 0x80;
    let error = verify_quote(&raw, &sgx_collateral(), NOW).unwrap_err();
    assert!(matches!(error, QuoteError::QuoteSignatureInvalid { .. }), "{error}");
}

#[test]
fn verification_before_the_collateral_window_fails() {
    let error = verify_quote(&read("tdx_quote"), &tdx_collateral(), 1_700_000_000).unwrap_err();
    match error {
        QuoteError::CollateralNotYetValid { now, valid_from } => {
            assert_eq!(now, 1_700_000_000);
            assert!(valid_from > now);
        }
        other => panic!("expected CollateralNotYetValid, got {other}"),
    }
}

#[test]
fn verification_after_the_collateral_window_fails() {
    let error = verify_quote(&read("sgx_quote"), &sgx_collateral(), 1_800_000_000).unwrap_err();
    assert!(matches!(error, QuoteError::CollateralExpired { .. }), "{error}");
    assert!(error.to_string().contains("2027-01-15"), "{error}");
}

#[test]
fn sgx_collateral_with_tdx_quote_is_a_platform_mismatch() {
    let error = verify_quote(&read("tdx_quote"), &sgx_collateral(), NOW).unwrap_err();
    match &error {
        QuoteError::CollateralPlatformMismatch { quote, collateral } => {
            assert_eq!(*quote, Platform::Tdx);
            assert_eq!(collateral, "SGX");
        }
        other => panic!("expected CollateralPlatformMismatch, got {other}"),
    }
    assert_eq!(error.to_string(), "collateral is for SGX, but the quote is a TDX quote");
}

#[test]
fn tdx_collateral_with_sgx_quote_is_a_platform_mismatch() {
    let error = verify_quote(&read("sgx_quote"), &tdx_collateral(), NOW).unwrap_err();
    assert!(matches!(error, QuoteError::CollateralPlatformMismatch { quote: Platform::Sgx, .. }), "{error}");
}

#[test]
fn truncated_collateral_file_is_reported_as_truncated() {
    let json = read("tdx_quote_collateral.json");
    for len in [0, 1, 100, json.len() / 2, json.len() - 2] {
        let error = Collateral::from_json(&json[..len]).unwrap_err();
        assert!(matches!(error, QuoteError::CollateralTruncated { .. }), "len {len}: {error}");
    }

    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("cut.json");
    std::fs::write(&path, &json[..json.len() / 3]).unwrap();
    let error = Collateral::from_file(&path).unwrap_err();
    assert!(matches!(error, QuoteError::CollateralTruncated { .. }), "{error}");
}

#[test]
fn malformed_collateral_is_rejected_with_the_field() {
    assert!(matches!(Collateral::from_json(b"[1, 2, 3]"), Err(QuoteError::CollateralUnparsable { .. })));
    assert!(matches!(
        Collateral::from_json(b"{\"tcb_info\": 5}"),
        Err(QuoteError::CollateralUnparsable { .. })
    ));

    let mut value: serde_json::Value = serde_json::from_slice(&read("tdx_quote_collateral.json")).unwrap();
    value["tcb_info"] = serde_json::Value::String("{not json".into());
    let error = Collateral::from_json(value.to_string().as_bytes()).unwrap_err();
    assert!(matches!(error, QuoteError::CollateralFieldInvalid { field: "tcb_info", .. }), "{error}");

    let mut value: serde_json::Value = serde_json::from_slice(&read("tdx_quote_collateral.json")).unwrap();
    let tcb_info = value["tcb_info"].as_str().unwrap().replace("2025-06-19T10:16:03Z", "yesterday");
    value["tcb_info"] = serde_json::Value::String(tcb_info);
    let error = Collateral::from_json(value.to_string().as_bytes()).unwrap_err();
    assert!(
        matches!(error, QuoteError::CollateralFieldInvalid { field: "tcb_info.issueDate", .. }),
        "{error}"
    );
}

#[test]
fn collateral_with_an_edited_tcb_info_fails_its_signature() {
    // Raise the TCB evaluation data number: the JSON still parses, Intel's signature does not.
    let mut value: serde_json::Value = serde_json::from_slice(&read("tdx_quote_collateral.json")).unwrap();
    let tcb_info = value["tcb_info"]
        .as_str()
        .unwrap()
        .replace("\"tcbEvaluationDataNumber\":17", "\"tcbEvaluationDataNumber\":99");
    assert_ne!(value["tcb_info"].as_str().unwrap(), tcb_info, "fixture layout changed");
    value["tcb_info"] = serde_json::Value::String(tcb_info);
    let collateral = Collateral::from_json(value.to_string().as_bytes()).unwrap();
    assert_eq!(collateral.tcb_info().tcb_evaluation_data_number, 99);

    let error = verify_quote(&read("tdx_quote"), &collateral, NOW).unwrap_err();
    assert!(matches!(error, QuoteError::CollateralSignatureInvalid { .. }), "{error}");
}

#[test]
fn collateral_summary_reads_the_signed_json() {
    let collateral = tdx_collateral();
    assert_eq!(collateral.platform(), Some(Platform::Tdx));
    assert_eq!(collateral.fmspc(), "B0C06F000000");
    assert_eq!(collateral.tcb_info().id, "TDX");
    assert_eq!(collateral.qe_identity().id, "TD_QE");
    let (from, until) = collateral.validity_window();
    assert!(from < NOW && NOW < until);
    assert_eq!(sgx_collateral().platform(), Some(Platform::Sgx));
}
