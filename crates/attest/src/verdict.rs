//! Is a verified quote's enclave allowed by an app's policy, and why?
//!
//! The checks follow what the ROFL module (through oasis-core's PCS quote verification) asks of
//! an instance that registers:
//! - the enclave identity is in `policy.enclaves`;
//! - a PCS quote policy is present and not disabled (IAS is retired);
//! - the TCB status is `UpToDate` or `SWHardeningNeeded` (oasis-core `go/common/sgx/pcs/tcb.go`);
//! - the TCB info and QE identity were issued at most `tcb_validity_period` days before `now`
//!   and not after it;
//! - their TCB evaluation data number is at least `min_tcb_evaluation_data_number`;
//! - the FMSPC is on the whitelist (when there is one) and not on the blacklist
//!   (hex compared case-insensitively);
//! - for TDX: `pcs.tdx` is present, and the TDX module is allowed — with an empty list any
//!   Intel-signed module (all-zero MRSIGNER_SEAM), otherwise a listed module whose `mr_seam`
//!   (when set) and `mr_signer_seam` match.
//!
//! The [`Verdict`] keeps every finding, passed or failed, so a reviewer sees the full picture.

use std::fmt;

use roflgov_types::{AppAuthPolicy, EnclaveIdentity, Measurement48, PcsQuotePolicy};
use serde::Serialize;

use crate::identity_to_base64;
use crate::quote::{Platform, TcbStatus, TdxReport, VerifiedQuote};
use crate::time::{SECONDS_PER_DAY, format_utc_timestamp};

/// One finding of a policy check. Variants ending in a negative (`Not…`, `TooOld`, `TooLow`,
/// `Disabled`, `Missing`, `Blacklisted`) are violations; see [`Reason::is_violation`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "code", rename_all = "snake_case")]
pub enum Reason {
    /// Passed: the quote's enclave identity is one of the policy's enclaves.
    IdentityListed {
        /// The quote's enclave identity.
        identity: EnclaveIdentity,
    },
    /// Violation: the quote's enclave identity is not one of the policy's enclaves.
    IdentityNotListed {
        /// The quote's enclave identity.
        identity: EnclaveIdentity,
        /// How many identities the policy lists.
        listed: usize,
    },
    /// Violation: the policy has no PCS (DCAP) quote policy, so no quote is accepted.
    PcsPolicyMissing,
    /// Violation: the policy's PCS quote policy is disabled.
    PcsDisabled,
    /// Passed: the TCB status is `UpToDate` or `SWHardeningNeeded`.
    TcbStatusAcceptable {
        /// The quote's TCB status.
        status: TcbStatus,
    },
    /// Violation: the TCB status is anything else (out of date, revoked, configuration needed…).
    TcbStatusNotAcceptable {
        /// The quote's TCB status.
        status: TcbStatus,
        /// The Intel security advisories that apply.
        advisory_ids: Vec<String>,
    },
    /// Passed: the TCB info and QE identity are within the policy's validity period.
    CollateralFresh {
        /// Issue time of the older of TCB info and QE identity, Unix seconds.
        oldest_issued_at: u64,
        /// The policy's `tcb_validity_period`, in days.
        max_age_days: u16,
    },
    /// Violation: the TCB info or QE identity is issued after the check time.
    CollateralIssuedInFuture {
        /// Issue time of the newer of TCB info and QE identity, Unix seconds.
        newest_issued_at: u64,
        /// The check time, Unix seconds.
        now: u64,
    },
    /// Violation: the TCB info or QE identity is older than the policy's validity period.
    CollateralTooOld {
        /// Issue time of the older of TCB info and QE identity, Unix seconds.
        oldest_issued_at: u64,
        /// Its age: the whole number of days elapsed (rounded down).
        age_days: u64,
        /// The policy's `tcb_validity_period`, in days.
        max_age_days: u16,
    },
    /// Passed: the TCB evaluation data number meets the policy's minimum.
    TcbEvaluationDataNumberSufficient {
        /// The collateral's TCB evaluation data number.
        actual: u32,
        /// The policy's `min_tcb_evaluation_data_number`.
        minimum: u32,
    },
    /// Violation: the TCB evaluation data number is below the policy's minimum.
    TcbEvaluationDataNumberTooLow {
        /// The collateral's TCB evaluation data number.
        actual: u32,
        /// The policy's `min_tcb_evaluation_data_number`.
        minimum: u32,
    },
    /// Passed: the platform's FMSPC is whitelisted, or not blacklisted when there is no whitelist.
    FmspcAllowed {
        /// The platform's FMSPC (hex).
        fmspc: String,
        /// Whether it is on a whitelist (`false`: there is none and it is not blacklisted).
        whitelisted: bool,
    },
    /// Violation: the policy has an FMSPC whitelist and the platform is not on it.
    FmspcNotWhitelisted {
        /// The platform's FMSPC (hex).
        fmspc: String,
    },
    /// Violation: the platform's FMSPC is on the policy's blacklist.
    FmspcBlacklisted {
        /// The platform's FMSPC (hex).
        fmspc: String,
    },
    /// Passed: the policy accepts TDX quotes (it has `pcs.tdx`).
    TdxAllowed,
    /// Violation: a TDX quote, but the policy has no `pcs.tdx`.
    TdxNotAllowed,
    /// Passed: the TD's TDX module is allowed by the policy.
    TdxModuleAllowed {
        /// The TDX module's measurement (MR_SEAM).
        mr_seam: Measurement48,
        /// The TDX module's signer (MRSIGNER_SEAM; all zero for Intel).
        mr_signer_seam: Measurement48,
        /// Whether it is allowed as "any Intel-signed module" (the policy's list is empty).
        any_intel: bool,
    },
    /// Violation: the TD's TDX module is not in the policy's list of allowed modules.
    TdxModuleNotAllowed {
        /// The TDX module's measurement (MR_SEAM).
        mr_seam: Measurement48,
        /// The TDX module's signer (MRSIGNER_SEAM; all zero for Intel).
        mr_signer_seam: Measurement48,
    },
}

impl Reason {
    /// Whether this finding forbids the enclave.
    pub fn is_violation(&self) -> bool {
        matches!(
            self,
            Reason::IdentityNotListed { .. }
                | Reason::PcsPolicyMissing
                | Reason::PcsDisabled
                | Reason::TcbStatusNotAcceptable { .. }
                | Reason::CollateralIssuedInFuture { .. }
                | Reason::CollateralTooOld { .. }
                | Reason::TcbEvaluationDataNumberTooLow { .. }
                | Reason::FmspcNotWhitelisted { .. }
                | Reason::FmspcBlacklisted { .. }
                | Reason::TdxNotAllowed
                | Reason::TdxModuleNotAllowed { .. }
        )
    }

    /// A stable machine-readable code (the serde `code` tag).
    pub fn code(&self) -> &'static str {
        match self {
            Reason::IdentityListed { .. } => "identity_listed",
            Reason::IdentityNotListed { .. } => "identity_not_listed",
            Reason::PcsPolicyMissing => "pcs_policy_missing",
            Reason::PcsDisabled => "pcs_disabled",
            Reason::TcbStatusAcceptable { .. } => "tcb_status_acceptable",
            Reason::TcbStatusNotAcceptable { .. } => "tcb_status_not_acceptable",
            Reason::CollateralFresh { .. } => "collateral_fresh",
            Reason::CollateralIssuedInFuture { .. } => "collateral_issued_in_future",
            Reason::CollateralTooOld { .. } => "collateral_too_old",
            Reason::TcbEvaluationDataNumberSufficient { .. } => "tcb_evaluation_data_number_sufficient",
            Reason::TcbEvaluationDataNumberTooLow { .. } => "tcb_evaluation_data_number_too_low",
            Reason::FmspcAllowed { .. } => "fmspc_allowed",
            Reason::FmspcNotWhitelisted { .. } => "fmspc_not_whitelisted",
            Reason::FmspcBlacklisted { .. } => "fmspc_blacklisted",
            Reason::TdxAllowed => "tdx_allowed",
            Reason::TdxNotAllowed => "tdx_not_allowed",
            Reason::TdxModuleAllowed { .. } => "tdx_module_allowed",
            Reason::TdxModuleNotAllowed { .. } => "tdx_module_not_allowed",
        }
    }
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Reason::IdentityListed { identity } => {
                write!(f, "its identity {} is listed in the policy's enclaves", identity_to_base64(identity))
            }
            Reason::IdentityNotListed { identity, listed } => write!(
                f,
                "its identity {} is not among the policy's {listed} enclave identities",
                identity_to_base64(identity)
            ),
            Reason::PcsPolicyMissing => {
                f.write_str("the policy has no PCS (DCAP) quote policy, so no quote is accepted")
            }
            Reason::PcsDisabled => f.write_str("the policy's PCS quote policy is disabled"),
            Reason::TcbStatusAcceptable { status } => {
                write!(f, "its TCB status {status} is acceptable")
            }
            Reason::TcbStatusNotAcceptable { status, advisory_ids } => {
                write!(f, "its TCB status {status} is not UpToDate or SWHardeningNeeded")?;
                if !advisory_ids.is_empty() {
                    write!(f, " (advisories {})", advisory_ids.join(", "))?;
                }
                Ok(())
            }
            Reason::CollateralFresh { oldest_issued_at, max_age_days } => write!(
                f,
                "its TCB collateral (issued {}) is within the {max_age_days}-day validity period",
                format_utc_timestamp(*oldest_issued_at)
            ),
            Reason::CollateralIssuedInFuture { newest_issued_at, now } => write!(
                f,
                "its TCB collateral is issued {}, after the check time {}",
                format_utc_timestamp(*newest_issued_at),
                format_utc_timestamp(*now)
            ),
            Reason::CollateralTooOld { oldest_issued_at, age_days, max_age_days } => write!(
                f,
                "its TCB collateral (issued {}) is {age_days}+ days old, beyond the policy's {max_age_days}-day validity period",
                format_utc_timestamp(*oldest_issued_at)
            ),
            Reason::TcbEvaluationDataNumberSufficient { actual, minimum } => {
                write!(f, "its TCB evaluation data number {actual} meets the minimum {minimum}")
            }
            Reason::TcbEvaluationDataNumberTooLow { actual, minimum } => {
                write!(f, "its TCB evaluation data number {actual} is below the policy minimum {minimum}")
            }
            Reason::FmspcAllowed { fmspc, whitelisted: true } => {
                write!(f, "its FMSPC {fmspc} is whitelisted")
            }
            Reason::FmspcAllowed { fmspc, whitelisted: false } => {
                write!(f, "its FMSPC {fmspc} is not blacklisted")
            }
            Reason::FmspcNotWhitelisted { fmspc } => {
                write!(f, "its FMSPC {fmspc} is not on the policy's FMSPC whitelist")
            }
            Reason::FmspcBlacklisted { fmspc } => {
                write!(f, "its FMSPC {fmspc} is on the policy's FMSPC blacklist")
            }
            Reason::TdxAllowed => f.write_str("the policy accepts TDX quotes"),
            Reason::TdxNotAllowed => f.write_str("the policy does not accept TDX quotes (no pcs.tdx)"),
            Reason::TdxModuleAllowed { mr_signer_seam, any_intel: true, .. } => write!(
                f,
                "its TDX module is Intel-signed (MRSIGNER_SEAM {}) and the policy allows any Intel module",
                hex::encode(mr_signer_seam)
            ),
            Reason::TdxModuleAllowed { mr_seam, any_intel: false, .. } => write!(
                f,
                "its TDX module (MR_SEAM {}) is on the policy's TDX module list",
                hex::encode(mr_seam)
            ),
            Reason::TdxModuleNotAllowed { mr_seam, mr_signer_seam } => write!(
                f,
                "its TDX module (MR_SEAM {}, MRSIGNER_SEAM {}) is not allowed by the policy",
                hex::encode(mr_seam),
                hex::encode(mr_signer_seam)
            ),
        }
    }
}

/// The answer to "is this quote's enclave allowed by the policy?".
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Verdict {
    /// Whether the policy allows the enclave (no finding is a violation).
    pub allowed: bool,
    /// The TEE the quote comes from.
    pub platform: Platform,
    /// The quote's enclave identity.
    pub identity: EnclaveIdentity,
    /// The time the policy was evaluated at, Unix seconds.
    pub checked_at: u64,
    /// Every finding, in check order.
    pub reasons: Vec<Reason>,
}

impl Verdict {
    /// The findings that forbid the enclave.
    pub fn violations(&self) -> impl Iterator<Item = &Reason> {
        self.reasons.iter().filter(|reason| reason.is_violation())
    }

    /// "this quote's enclave (…) is allowed, because …" / "… is not allowed, because …".
    pub fn sentence(&self) -> String {
        let subject = format!(
            "this quote's enclave ({} identity {})",
            self.platform,
            identity_to_base64(&self.identity)
        );
        let because: Vec<String> = if self.allowed {
            self.reasons.iter().map(ToString::to_string).collect()
        } else {
            self.violations().map(ToString::to_string).collect()
        };
        let verb = if self.allowed { "is allowed" } else { "is not allowed" };
        format!("{subject} {verb}, because {}.", because.join("; "))
    }
}

impl fmt::Display for Verdict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.sentence())
    }
}

/// The oasis-core TCB statuses under which a platform may register.
fn tcb_status_acceptable(status: TcbStatus) -> bool {
    matches!(status, TcbStatus::UpToDate | TcbStatus::SWHardeningNeeded)
}

fn check_tcb(quote: &VerifiedQuote, pcs: &PcsQuotePolicy, now: u64, reasons: &mut Vec<Reason>) {
    reasons.push(if tcb_status_acceptable(quote.tcb_status) {
        Reason::TcbStatusAcceptable { status: quote.tcb_status }
    } else {
        Reason::TcbStatusNotAcceptable { status: quote.tcb_status, advisory_ids: quote.advisory_ids.clone() }
    });

    let oldest_issued_at = quote.tcb_info_issued_at.min(quote.qe_identity_issued_at);
    let newest_issued_at = quote.tcb_info_issued_at.max(quote.qe_identity_issued_at);
    let max_age_days = pcs.tcb_validity_period;
    let max_age_seconds = u64::from(max_age_days) * SECONDS_PER_DAY;
    reasons.push(if newest_issued_at > now {
        Reason::CollateralIssuedInFuture { newest_issued_at, now }
    } else if now - oldest_issued_at > max_age_seconds {
        Reason::CollateralTooOld {
            oldest_issued_at,
            age_days: (now - oldest_issued_at) / SECONDS_PER_DAY,
            max_age_days,
        }
    } else {
        Reason::CollateralFresh { oldest_issued_at, max_age_days }
    });

    let actual = quote.tcb_evaluation_data_number;
    let minimum = pcs.min_tcb_evaluation_data_number;
    reasons.push(if actual >= minimum {
        Reason::TcbEvaluationDataNumberSufficient { actual, minimum }
    } else {
        Reason::TcbEvaluationDataNumberTooLow { actual, minimum }
    });
}

fn check_fmspc(quote: &VerifiedQuote, pcs: &PcsQuotePolicy, reasons: &mut Vec<Reason>) {
    let fmspc = quote.fmspc.clone();
    let listed = |list: &[String]| list.iter().any(|entry| entry.trim().eq_ignore_ascii_case(&fmspc));
    let whitelisted = listed(&pcs.fmspc_whitelist);
    if !pcs.fmspc_whitelist.is_empty() && !whitelisted {
        reasons.push(Reason::FmspcNotWhitelisted { fmspc: fmspc.clone() });
    }
    if listed(&pcs.fmspc_blacklist) {
        reasons.push(Reason::FmspcBlacklisted { fmspc });
    } else if pcs.fmspc_whitelist.is_empty() || whitelisted {
        reasons.push(Reason::FmspcAllowed { fmspc, whitelisted });
    }
}

fn check_tdx(report: &TdxReport, pcs: &PcsQuotePolicy, reasons: &mut Vec<Reason>) {
    let Some(tdx_policy) = &pcs.tdx else {
        reasons.push(Reason::TdxNotAllowed);
        return;
    };
    reasons.push(Reason::TdxAllowed);
    let mr_seam = report.mr_seam;
    let mr_signer_seam = report.mr_signer_seam;
    let listed = tdx_policy.allowed_tdx_modules.iter().any(|module| {
        module.mr_seam.is_none_or(|allowed| allowed == mr_seam) && module.mr_signer_seam == mr_signer_seam
    });
    let any_intel = tdx_policy.allowed_tdx_modules.is_empty() && mr_signer_seam == Measurement48::ZERO;
    reasons.push(if listed || any_intel {
        Reason::TdxModuleAllowed { mr_seam, mr_signer_seam, any_intel: !listed }
    } else {
        Reason::TdxModuleNotAllowed { mr_seam, mr_signer_seam }
    });
}

/// Checks a verified quote against an app policy at time `now` (Unix seconds).
pub fn check_against_policy(quote: &VerifiedQuote, policy: &AppAuthPolicy, now: u64) -> Verdict {
    let mut reasons = Vec::new();
    reasons.push(if policy.enclaves.contains(&quote.identity) {
        Reason::IdentityListed { identity: quote.identity }
    } else {
        Reason::IdentityNotListed { identity: quote.identity, listed: policy.enclaves.len() }
    });

    match &policy.quotes.pcs {
        None => reasons.push(Reason::PcsPolicyMissing),
        Some(pcs) if pcs.disabled => reasons.push(Reason::PcsDisabled),
        Some(pcs) => {
            check_tcb(quote, pcs, now, &mut reasons);
            check_fmspc(quote, pcs, &mut reasons);
            match (&quote.platform, &quote.tdx) {
                (Platform::Tdx, Some(report)) => check_tdx(report, pcs, &mut reasons),
                (Platform::Tdx, None) => reasons.push(Reason::TdxNotAllowed),
                (Platform::Sgx, _) => {}
            }
        }
    }

    Verdict {
        allowed: !reasons.iter().any(Reason::is_violation),
        platform: quote.platform,
        identity: quote.identity,
        checked_at: now,
        reasons,
    }
}
