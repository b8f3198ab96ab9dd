//! Readable revert reasons: the one decoder is `roflgov_contracts::revert` (`Error(string)`
//! with the meaning of Safe's `GSxxx` codes, `Panic(uint256)`, custom errors of the embedded
//! ABIs and of any ABI added); this module turns an `execTransaction` revert into a
//! [`SafeError`].

pub use roflgov_contracts::revert::{DecodedRevert, RevertDecoder, safe_error_meaning};

use crate::SafeError;

impl SafeError {
    /// The [`SafeError`] of a revert of `execTransaction` (or another Safe call): a `GSxxx`
    /// code is the Safe's refusal ([`SafeError::SafeRejected`]), anything else a
    /// [`SafeError::Reverted`].
    pub fn from_revert(revert: DecodedRevert) -> Self {
        match revert {
            DecodedRevert::Message { message, safe_meaning: Some(meaning) } => {
                Self::SafeRejected { code: message, meaning }
            }
            other => Self::Reverted(other),
        }
    }
}
