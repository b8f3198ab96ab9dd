//! Stored PCS collateral for offline DCAP quote verification.
//!
//! The file format is dcap-qvl's `QuoteCollateralV3` JSON (what its PCCS client returns:
//! certificate chains as PEM, CRLs and signatures as hex, TCB info and QE identity as the signed
//! JSON strings Intel serves). Besides handing it to dcap-qvl, we read the few TCB info and QE
//! identity fields the roflgov checks need (platform, FMSPC, dates, TCB evaluation data number)
//! ourselves, so that a wrong platform or a wrong time gives a precise error before any
//! cryptography runs.

use std::path::Path;

use dcap_qvl::QuoteCollateralV3;
use serde::Deserialize;

use crate::quote::{Platform, QuoteError};
use crate::time::parse_utc_timestamp;

/// Largest collateral file we read (real ones are 15–25 KiB).
pub const MAX_COLLATERAL_FILE_SIZE: u64 = 4 * 1024 * 1024;

/// The fields of Intel's TCB info JSON that roflgov uses.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct TcbInfoFields {
    id: String,
    issue_date: String,
    next_update: String,
    fmspc: String,
    tcb_evaluation_data_number: u32,
}

/// The fields of Intel's QE identity JSON that roflgov uses.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct QeIdentityFields {
    id: String,
    issue_date: String,
    next_update: String,
    tcb_evaluation_data_number: u32,
}

/// The dates and numbers of one signed collateral structure (TCB info or QE identity).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CollateralValidity {
    /// The structure's `id` (`SGX`/`TDX` for TCB info, `QE`/`TD_QE` for QE identity).
    pub id: String,
    /// `issueDate`, Unix seconds.
    pub issued_at: u64,
    /// `nextUpdate`, Unix seconds: the structure is stale after this.
    pub next_update: u64,
    /// `tcbEvaluationDataNumber`.
    pub tcb_evaluation_data_number: u32,
}

/// Collateral loaded from JSON, with its TCB info and QE identity summaries.
#[derive(Clone, Debug)]
pub struct Collateral {
    inner: QuoteCollateralV3,
    tcb_info: CollateralValidity,
    qe_identity: CollateralValidity,
    fmspc: String,
}

impl Collateral {
    /// Reads a collateral JSON file.
    pub fn from_file(path: impl AsRef<Path>) -> Result<Self, QuoteError> {
        let path = path.as_ref();
        let bytes = crate::read_file_limited(path, MAX_COLLATERAL_FILE_SIZE)
            .map_err(|source| QuoteError::Io { path: path.to_path_buf(), source })?;
        Self::from_json(&bytes)
    }

    /// Parses collateral JSON (dcap-qvl `QuoteCollateralV3` form).
    pub fn from_json(json: &[u8]) -> Result<Self, QuoteError> {
        let inner: QuoteCollateralV3 = serde_json::from_slice(json).map_err(|error| {
            if error.is_eof() {
                QuoteError::CollateralTruncated { line: error.line(), column: error.column() }
            } else {
                QuoteError::CollateralUnparsable { reason: error.to_string() }
            }
        })?;
        Self::from_dcap(inner)
    }

    /// Wraps collateral already in dcap-qvl's form.
    pub fn from_dcap(inner: QuoteCollateralV3) -> Result<Self, QuoteError> {
        let tcb: TcbInfoFields = serde_json::from_str(&inner.tcb_info).map_err(|error| {
            QuoteError::CollateralFieldInvalid { field: "tcb_info", reason: error.to_string() }
        })?;
        let qe: QeIdentityFields = serde_json::from_str(&inner.qe_identity).map_err(|error| {
            QuoteError::CollateralFieldInvalid { field: "qe_identity", reason: error.to_string() }
        })?;
        let date = |field: &'static str, text: &str| {
            parse_utc_timestamp(text).ok_or_else(|| QuoteError::CollateralFieldInvalid {
                field,
                reason: format!("{text:?} is not a UTC timestamp like 2025-06-19T10:16:03Z"),
            })
        };
        let tcb_info = CollateralValidity {
            issued_at: date("tcb_info.issueDate", &tcb.issue_date)?,
            next_update: date("tcb_info.nextUpdate", &tcb.next_update)?,
            id: tcb.id,
            tcb_evaluation_data_number: tcb.tcb_evaluation_data_number,
        };
        let qe_identity = CollateralValidity {
            issued_at: date("qe_identity.issueDate", &qe.issue_date)?,
            next_update: date("qe_identity.nextUpdate", &qe.next_update)?,
            id: qe.id,
            tcb_evaluation_data_number: qe.tcb_evaluation_data_number,
        };
        Ok(Self { inner, tcb_info, qe_identity, fmspc: tcb.fmspc.to_ascii_uppercase() })
    }

    /// The platform the collateral is for, from the TCB info `id` (`None` if unknown).
    pub fn platform(&self) -> Option<Platform> {
        match (self.tcb_info.id.as_str(), self.qe_identity.id.as_str()) {
            ("SGX", "QE") => Some(Platform::Sgx),
            ("TDX", "TD_QE") => Some(Platform::Tdx),
            _ => None,
        }
    }

    /// A human label for the collateral's platform (`SGX`, `TDX` or the raw ids).
    pub fn platform_label(&self) -> String {
        match self.platform() {
            Some(platform) => platform.to_string(),
            None => format!("{}/{}", self.tcb_info.id, self.qe_identity.id),
        }
    }

    /// The TCB info summary.
    pub fn tcb_info(&self) -> &CollateralValidity {
        &self.tcb_info
    }

    /// The QE identity summary.
    pub fn qe_identity(&self) -> &CollateralValidity {
        &self.qe_identity
    }

    /// The FMSPC the TCB info is for (upper-case hex).
    pub fn fmspc(&self) -> &str {
        &self.fmspc
    }

    /// When both signed structures are valid: `[latest issue date, earliest next update]`.
    pub fn validity_window(&self) -> (u64, u64) {
        (
            self.tcb_info.issued_at.max(self.qe_identity.issued_at),
            self.tcb_info.next_update.min(self.qe_identity.next_update),
        )
    }

    /// The collateral in dcap-qvl's form.
    pub fn as_dcap(&self) -> &QuoteCollateralV3 {
        &self.inner
    }
}
