//! # roflgov-attest
//!
//! What an enclave identity in a ROFL policy stands for, checked independently:
//! - [`tdx`]: the ROFL identity of a TDX trust domain (TupleHash256 of MRTD and RTMR0..3, see
//!   [`tuplehash`]) and of an SGX enclave;
//! - [`quote`] / [`collateral`]: offline DCAP verification of SGX and TDX quotes with stored
//!   PCS collateral at an explicit time, reporting TCB status, advisories, FMSPC, TDX module and
//!   the measured identity;
//! - [`verdict`]: whether a verified quote's enclave is allowed by an `AppAuthPolicy`, and why;
//! - [`orc`]: the enclave identities an ORC bundle (`oasis rofl build` output) declares.
//!
//! [`identity_from_quote_file`] and [`explain`] are the entry points for the CLI.

// Dev-dependencies serve the integration tests, not the unit tests of this target.
#![cfg_attr(test, allow(unused_crate_dependencies))]

pub mod collateral;
pub mod orc;
pub mod quote;
pub mod tdx;
pub mod time;
pub mod tuplehash;
pub mod verdict;

use std::io::Read;
use std::path::Path;

use roflgov_types::{AppAuthPolicy, EnclaveIdentity};

pub use collateral::Collateral;
pub use orc::{ComponentIdentity, OrcBundle, OrcError};
pub use quote::{Platform, QuoteError, TcbStatus, VerifiedQuote, verify_quote};
pub use tdx::{TdMeasurements, td_enclave_identity};
pub use verdict::{Reason, Verdict, check_against_policy};

/// The rofl.yaml text form of an identity: base64 of `mr_enclave ‖ mr_signer`
/// ([`EnclaveIdentity::to_text`], the one text form of an identity).
pub fn identity_to_base64(identity: &EnclaveIdentity) -> String {
    identity.to_text()
}

/// Reads at most `limit` bytes of a file; a longer file is an `InvalidData` error.
pub(crate) fn read_file_limited(path: &Path, limit: u64) -> std::io::Result<Vec<u8>> {
    let mut bytes = Vec::new();
    std::fs::File::open(path)?.take(limit + 1).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > limit {
        return Err(std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            format!("file is larger than the {limit}-byte limit"),
        ));
    }
    Ok(bytes)
}

/// Reads a quote file and verifies it against `collateral` at `now` (Unix seconds).
pub fn identity_from_quote_file(
    path: impl AsRef<Path>,
    collateral: &Collateral,
    now: u64,
) -> Result<VerifiedQuote, QuoteError> {
    let path = path.as_ref();
    let raw = read_file_limited(path, quote::MAX_QUOTE_FILE_SIZE)
        .map_err(|source| QuoteError::Io { path: path.to_path_buf(), source })?;
    verify_quote(&raw, collateral, now)
}

/// "this quote's enclave (…) is allowed / not allowed, because …", evaluated at the time the
/// quote was verified.
pub fn explain(quote: &VerifiedQuote, policy: &AppAuthPolicy) -> String {
    check_against_policy(quote, policy, quote.verified_at).sentence()
}
