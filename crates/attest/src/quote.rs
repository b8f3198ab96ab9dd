//! Offline verification of SGX and TDX DCAP quotes with stored collateral.
//!
//! [`verify_quote`] runs in three stages:
//! 1. our own framing check of the quote (header, report body and signature-data length), so a
//!    short file is reported as [`QuoteError::QuoteTruncated`] rather than a decoder message;
//! 2. our own collateral checks that need no cryptography: the collateral must be for the quote's
//!    platform, and the verification time must lie inside the TCB info / QE identity window;
//! 3. dcap-qvl's full verification (Intel root → PCK chain → QE report → quote signature, CRLs,
//!    TCB level matching, debug TDs/enclaves refused) at the given time, whose claims we turn
//!    into a [`VerifiedQuote`] with the ROFL enclave identity.
//!
//! dcap-qvl reports failures as text only. [`QuoteError`] variants for stage 3 are chosen by
//! matching dcap-qvl 0.7.1's messages (see `classify_dcap_error`); anything unrecognised is
//! [`QuoteError::VerificationFailed`] with dcap-qvl's full message.

use std::fmt;
use std::path::PathBuf;

use alloy_primitives::FixedBytes;
use dcap_qvl::quote::{Quote, Report};
use dcap_qvl::verify::QuoteVerifier;
use dcap_qvl::{QuoteClaims, QuotePolicy as DcapQuotePolicy};
use roflgov_types::{EnclaveIdentity, Measurement48};
use serde::Serialize;

pub use dcap_qvl::TcbStatus;

use crate::collateral::Collateral;
use crate::tdx::{TdMeasurements, sgx_enclave_identity};
use crate::time::format_utc_timestamp;

/// Length of the DCAP quote header (all versions).
pub const QUOTE_HEADER_LEN: usize = 48;
/// Length of an SGX report body.
pub const SGX_REPORT_BODY_LEN: usize = 384;
/// Length of a TDX 1.0 TD report body.
pub const TD_REPORT10_BODY_LEN: usize = 584;
/// `tee_type` of SGX quotes.
pub const TEE_TYPE_SGX: u32 = 0x0000_0000;
/// `tee_type` of TDX quotes.
pub const TEE_TYPE_TDX: u32 = 0x0000_0081;
/// Largest quote file we read (real ones are 4–10 KiB).
pub const MAX_QUOTE_FILE_SIZE: u64 = 1024 * 1024;

/// The TEE a quote comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Platform {
    /// An Intel SGX enclave.
    Sgx,
    /// An Intel TDX trust domain (a confidential VM).
    Tdx,
}

impl fmt::Display for Platform {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Platform::Sgx => "SGX",
            Platform::Tdx => "TDX",
        })
    }
}

/// Why a quote could not be verified. Every variant names what is wrong.
#[derive(Debug, thiserror::Error)]
pub enum QuoteError {
    /// The quote or collateral file cannot be read (missing, a directory, too large).
    #[error("cannot read {}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The operating system's error.
        source: std::io::Error,
    },
    /// The quote is shorter than its own header and length fields say it must be.
    #[error("quote is truncated: {actual} bytes, its framing needs at least {needed}")]
    QuoteTruncated {
        /// Bytes the framing needs.
        needed: usize,
        /// Bytes the quote has.
        actual: usize,
    },
    /// The quote's framing is fine but its contents cannot be decoded (e.g. an unknown version).
    #[error("quote cannot be parsed: {reason}")]
    QuoteUnparsable {
        /// What the decoder found wrong.
        reason: String,
    },
    /// The quote header names a TEE other than SGX or TDX.
    #[error("unsupported TEE type {0:#x} in the quote header (0x0 = SGX, 0x81 = TDX)")]
    UnsupportedTeeType(u32),
    /// The collateral JSON ends early.
    #[error("collateral file is truncated (JSON ends early at line {line}, column {column})")]
    CollateralTruncated {
        /// Line where the JSON ends.
        line: usize,
        /// Column where the JSON ends.
        column: usize,
    },
    /// The collateral is not JSON of the expected shape.
    #[error("collateral cannot be parsed: {reason}")]
    CollateralUnparsable {
        /// What the parser found wrong.
        reason: String,
    },
    /// A collateral field cannot be read: its embedded TCB info or QE identity JSON, or a date.
    #[error("collateral field {field} is invalid: {reason}")]
    CollateralFieldInvalid {
        /// The field's name.
        field: &'static str,
        /// What is wrong with it.
        reason: String,
    },
    /// The collateral is for another TEE than the quote (SGX collateral for a TDX quote).
    #[error("collateral is for {collateral}, but the quote is a {quote} quote")]
    CollateralPlatformMismatch {
        /// The quote's platform.
        quote: Platform,
        /// The collateral's platform, as the collateral names it.
        collateral: String,
    },
    /// The verification time is before the collateral's validity window (TCB info, QE identity).
    #[error(
        "collateral is not valid yet at {} (valid from {})",
        format_utc_timestamp(*now),
        format_utc_timestamp(*valid_from)
    )]
    CollateralNotYetValid {
        /// The verification time, Unix seconds.
        now: u64,
        /// Start of the collateral's validity window, Unix seconds.
        valid_from: u64,
    },
    /// The verification time is after the collateral's validity window: fetch fresh collateral.
    #[error(
        "collateral has expired at {} (valid until {})",
        format_utc_timestamp(*now),
        format_utc_timestamp(*expired_at)
    )]
    CollateralExpired {
        /// The verification time, Unix seconds.
        now: u64,
        /// End of the collateral's validity window, Unix seconds.
        expired_at: u64,
    },
    /// The collateral is for another platform (FMSPC) than the one whose PCK signed the quote.
    #[error("collateral FMSPC does not match the platform that signed the quote: {detail}")]
    CollateralFmspcMismatch {
        /// dcap-qvl's message.
        detail: String,
    },
    /// A collateral signature, certificate or CRL does not verify up to Intel's root (edited
    /// collateral).
    #[error("collateral signature or certificate chain is invalid: {detail}")]
    CollateralSignatureInvalid {
        /// dcap-qvl's message.
        detail: String,
    },
    /// The quote's signature or its QE report does not verify (a tampered quote).
    #[error("quote signature is invalid (tampered quote?): {detail}")]
    QuoteSignatureInvalid {
        /// dcap-qvl's message.
        detail: String,
    },
    /// Intel has revoked the platform's TCB level.
    #[error("platform TCB is revoked: {detail}")]
    TcbRevoked {
        /// dcap-qvl's message.
        detail: String,
    },
    /// The enclave or TD runs in debug mode, so its memory is not confidential.
    #[error("enclave or TD runs in debug mode: {detail}")]
    DebugEnclave {
        /// dcap-qvl's message.
        detail: String,
    },
    /// Any other verification failure dcap-qvl reports.
    #[error("quote verification failed: {detail}")]
    VerificationFailed {
        /// dcap-qvl's message.
        detail: String,
    },
}

impl roflgov_types::Classified for QuoteError {
    /// Unreadable or malformed files are input errors; failed checks (signature, validity
    /// window, platform mismatch, revoked TCB) are verification failures.
    fn class(&self) -> roflgov_types::FailureClass {
        use roflgov_types::FailureClass;
        match self {
            Self::Io { .. }
            | Self::QuoteTruncated { .. }
            | Self::QuoteUnparsable { .. }
            | Self::UnsupportedTeeType(_)
            | Self::CollateralTruncated { .. }
            | Self::CollateralUnparsable { .. }
            | Self::CollateralFieldInvalid { .. } => FailureClass::Input,
            _ => FailureClass::Verification,
        }
    }
}

/// SGX report fields.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct SgxReport {
    /// MRENCLAVE: the measurement of the enclave's code and data.
    pub mr_enclave: FixedBytes<32>,
    /// MRSIGNER: the hash of the key that signed the enclave.
    pub mr_signer: FixedBytes<32>,
    /// The product id the enclave's signer assigned.
    pub isv_prod_id: u16,
    /// The security version number the enclave's signer assigned.
    pub isv_svn: u16,
}

/// TDX TD report fields that matter for ROFL.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct TdxReport {
    /// Measurement of the TDX module (MR_SEAM).
    pub mr_seam: Measurement48,
    /// Signer of the TDX module (MRSIGNER_SEAM); all zero for Intel.
    pub mr_signer_seam: Measurement48,
    /// MRTD: the measurement of the TD's initial memory (firmware).
    pub mr_td: Measurement48,
    /// RTMR0..3: the runtime measurement registers (kernel, command line, root filesystem…).
    pub rtmr: [Measurement48; 4],
}

impl TdxReport {
    /// The measurements that make up the ROFL identity.
    pub fn measurements(&self) -> TdMeasurements {
        TdMeasurements {
            mr_td: self.mr_td.0,
            rtmr: [self.rtmr[0].0, self.rtmr[1].0, self.rtmr[2].0, self.rtmr[3].0],
        }
    }
}

/// What a successfully verified quote says.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct VerifiedQuote {
    /// The TEE the quote comes from.
    pub platform: Platform,
    /// The ROFL enclave identity (SGX: MRENCLAVE/MRSIGNER; TDX: TupleHash of MRTD and RTMRs).
    pub identity: EnclaveIdentity,
    /// Overall TCB status (platform, QE and, for TDX, module, merged by dcap-qvl).
    pub tcb_status: TcbStatus,
    /// Intel security advisories that apply.
    pub advisory_ids: Vec<String>,
    /// FMSPC of the platform (upper-case hex, 6 bytes).
    pub fmspc: String,
    /// The lower TCB evaluation data number of the TCB info and QE identity.
    pub tcb_evaluation_data_number: u32,
    /// TCB info `issueDate`, Unix seconds.
    pub tcb_info_issued_at: u64,
    /// QE identity `issueDate`, Unix seconds.
    pub qe_identity_issued_at: u64,
    /// The platform TCB level's `tcbDate`, Unix seconds.
    pub platform_tcb_date: u64,
    /// The earliest expiry over all collateral (certificates, CRLs, TCB info, QE identity).
    pub collateral_expires_at: u64,
    /// The time the quote was verified at, Unix seconds.
    pub verified_at: u64,
    /// The 64 bytes of report data the enclave chose.
    pub report_data: FixedBytes<64>,
    /// Set for SGX quotes.
    pub sgx: Option<SgxReport>,
    /// Set for TDX quotes.
    pub tdx: Option<TdxReport>,
}

/// The framing of a quote, read without dcap-qvl.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct QuoteFraming {
    /// The quote format version (3, 4 or 5).
    pub version: u16,
    /// The TEE the quote comes from.
    pub platform: Platform,
    /// Header + report body (+ v5 body descriptor): the length covered by the quote signature.
    pub signed_len: usize,
    /// Everything, including the signature data.
    pub total_len: usize,
}

fn read_u16_le(bytes: &[u8], offset: usize, actual: usize) -> Result<u16, QuoteError> {
    bytes
        .get(offset..offset + 2)
        .map(|b| u16::from_le_bytes([b[0], b[1]]))
        .ok_or(QuoteError::QuoteTruncated { needed: offset + 2, actual })
}

fn read_u32_le(bytes: &[u8], offset: usize, actual: usize) -> Result<u32, QuoteError> {
    bytes
        .get(offset..offset + 4)
        .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
        .ok_or(QuoteError::QuoteTruncated { needed: offset + 4, actual })
}

/// Reads the quote framing (Intel DCAP quote formats v3, v4 and v5) and checks the length.
pub fn read_quote_framing(raw: &[u8]) -> Result<QuoteFraming, QuoteError> {
    let actual = raw.len();
    if actual < QUOTE_HEADER_LEN {
        return Err(QuoteError::QuoteTruncated { needed: QUOTE_HEADER_LEN, actual });
    }
    let version = read_u16_le(raw, 0, actual)?;
    let tee_type = read_u32_le(raw, 4, actual)?;
    let platform = match tee_type {
        TEE_TYPE_SGX => Platform::Sgx,
        TEE_TYPE_TDX => Platform::Tdx,
        other => return Err(QuoteError::UnsupportedTeeType(other)),
    };
    let signed_len = match version {
        3 | 4 => {
            let body = match platform {
                Platform::Sgx => SGX_REPORT_BODY_LEN,
                Platform::Tdx => TD_REPORT10_BODY_LEN,
            };
            QUOTE_HEADER_LEN + body
        }
        5 => {
            // v5: body type (u16) and body size (u32) precede the report body.
            let body_size = read_u32_le(raw, QUOTE_HEADER_LEN + 2, actual)? as usize;
            QUOTE_HEADER_LEN + 6 + body_size
        }
        other => {
            return Err(QuoteError::QuoteUnparsable {
                reason: format!("unsupported quote version {other} (expected 3, 4 or 5)"),
            });
        }
    };
    let signature_len = read_u32_le(raw, signed_len, actual)? as usize;
    let total_len = signed_len + 4 + signature_len;
    if actual < total_len {
        return Err(QuoteError::QuoteTruncated { needed: total_len, actual });
    }
    Ok(QuoteFraming { version, platform, signed_len, total_len })
}

/// Maps a dcap-qvl 0.7.1 error message to a specific error.
fn classify_dcap_error(detail: String) -> QuoteError {
    let lower = detail.to_ascii_lowercase();
    if lower.contains("isv enclave report signature is invalid")
        || lower.contains("signature is invalid for qe_report")
        || lower.contains("qe report hash mismatch")
    {
        QuoteError::QuoteSignatureInvalid { detail }
    } else if lower.contains("fmspc mismatch") {
        QuoteError::CollateralFmspcMismatch { detail }
    } else if lower.contains("revoked") {
        QuoteError::TcbRevoked { detail }
    } else if lower.contains("debug") {
        QuoteError::DebugEnclave { detail }
    } else if lower.contains("signature is invalid for tcb_info")
        || lower.contains("signature is invalid for qe_identity")
        || lower.contains("certificate")
        || lower.contains("crl")
    {
        QuoteError::CollateralSignatureInvalid { detail }
    } else {
        QuoteError::VerificationFailed { detail }
    }
}

/// Verifies `raw_quote` against `collateral` at `now` (Unix seconds), fully offline.
pub fn verify_quote(
    raw_quote: &[u8],
    collateral: &Collateral,
    now: u64,
) -> Result<VerifiedQuote, QuoteError> {
    let framing = read_quote_framing(raw_quote)?;
    Quote::parse(raw_quote).map_err(|error| QuoteError::QuoteUnparsable { reason: format!("{error:#}") })?;

    if collateral.platform() != Some(framing.platform) {
        return Err(QuoteError::CollateralPlatformMismatch {
            quote: framing.platform,
            collateral: collateral.platform_label(),
        });
    }
    let (valid_from, valid_until) = collateral.validity_window();
    if now < valid_from {
        return Err(QuoteError::CollateralNotYetValid { now, valid_from });
    }
    if now > valid_until {
        return Err(QuoteError::CollateralExpired { now, expired_at: valid_until });
    }

    let claims = QuoteVerifier::new_prod()
        .verify_with_policy(raw_quote, collateral.as_dcap().clone(), now, &DcapQuotePolicy::claims_only(now))
        .map_err(|error| classify_dcap_error(format!("{error:#}")))?;
    verified_quote_from_claims(&claims, framing.platform, collateral, now)
}

fn verified_quote_from_claims(
    claims: &QuoteClaims,
    platform: Platform,
    collateral: &Collateral,
    now: u64,
) -> Result<VerifiedQuote, QuoteError> {
    let (identity, report_data, sgx, tdx) = match (&claims.report, platform) {
        (Report::SgxEnclave(report), Platform::Sgx) => (
            sgx_enclave_identity(report.mr_enclave, report.mr_signer),
            report.report_data,
            Some(SgxReport {
                mr_enclave: report.mr_enclave.into(),
                mr_signer: report.mr_signer.into(),
                isv_prod_id: report.isv_prod_id,
                isv_svn: report.isv_svn,
            }),
            None,
        ),
        (report, Platform::Tdx) => {
            let td = report.as_td10().ok_or_else(|| QuoteError::VerificationFailed {
                detail: "TDX quote without a TD report".to_owned(),
            })?;
            let tdx = TdxReport {
                mr_seam: td.mr_seam.into(),
                mr_signer_seam: td.mr_signer_seam.into(),
                mr_td: td.mr_td.into(),
                rtmr: [td.rt_mr0.into(), td.rt_mr1.into(), td.rt_mr2.into(), td.rt_mr3.into()],
            };
            (tdx.measurements().enclave_identity(), td.report_data, None, Some(tdx))
        }
        (_, Platform::Sgx) => {
            return Err(QuoteError::VerificationFailed {
                detail: "SGX quote header with a TD report body".to_owned(),
            });
        }
    };
    Ok(VerifiedQuote {
        platform,
        identity,
        tcb_status: claims.tcb.status,
        advisory_ids: claims.tcb.advisory_ids.clone(),
        fmspc: hex::encode_upper(claims.platform.pck.fmspc),
        tcb_evaluation_data_number: claims.tcb.eval_data_number,
        tcb_info_issued_at: collateral.tcb_info().issued_at,
        qe_identity_issued_at: collateral.qe_identity().issued_at,
        platform_tcb_date: claims.platform.tcb_date_tag,
        collateral_expires_at: claims.earliest_expiration_date,
        verified_at: now,
        report_data: report_data.into(),
        sgx,
        tdx,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dcap_messages_map_to_specific_errors() {
        type Case = (&'static str, fn(&QuoteError) -> bool);
        let cases: [Case; 7] = [
            ("ISV enclave report signature is invalid", |e| {
                matches!(e, QuoteError::QuoteSignatureInvalid { .. })
            }),
            ("Signature is invalid for qe_report in quote", |e| {
                matches!(e, QuoteError::QuoteSignatureInvalid { .. })
            }),
            ("Fmspc mismatch", |e| matches!(e, QuoteError::CollateralFmspcMismatch { .. })),
            ("TCB status is invalid: Revoked", |e| matches!(e, QuoteError::TcbRevoked { .. })),
            ("Debug mode is enabled", |e| matches!(e, QuoteError::DebugEnclave { .. })),
            ("Signature is invalid for tcb_info in quote_collateral", |e| {
                matches!(e, QuoteError::CollateralSignatureInvalid { .. })
            }),
            ("No matching TCB level found", |e| matches!(e, QuoteError::VerificationFailed { .. })),
        ];
        for (message, expected) in cases {
            let error = classify_dcap_error(message.to_owned());
            assert!(expected(&error), "{message:?} -> {error:?}");
            assert!(error.to_string().contains(message));
        }
    }
}
