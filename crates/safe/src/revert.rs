//! Readable revert reasons: `Error(string)` (with the meaning of Safe's `GSxxx` codes),
//! `Panic(uint256)`, and custom errors of any contract whose ABI the decoder knows.

use std::fmt;

use alloy::{
    dyn_abi::{DynSolValue, ErrorExt},
    json_abi::{Error as AbiError, JsonAbi},
    primitives::{Bytes, U256},
    sol_types::{Panic, Revert, SolError},
};

use crate::{SafeError, summary::format_value};

/// A decoded revert.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DecodedRevert {
    /// The call reverted without data (`revert()`, out of gas, MultiSend's bare revert).
    Empty,
    /// `Error(string)`; for Safe codes (`GS026`) the meaning is attached.
    Message {
        /// The reason string.
        message: String,
        /// What the Safe's code means, when the reason is one (`GS026`).
        safe_meaning: Option<&'static str>,
    },
    /// `Panic(uint256)`.
    Panic(U256),
    /// A custom error of a known ABI, with named, formatted arguments.
    Custom {
        /// The error's name.
        name: String,
        /// Its arguments: name and value formatted for people.
        args: Vec<(String, String)>,
    },
    /// Data no known ABI explains.
    Unknown(Bytes),
    /// Call `index` of a MultiSend batch failed (MultiSendCallOnly reverts without data, so
    /// the reason comes from simulating that call; `alone` when the earlier calls of the batch
    /// could not be applied first, in which case the reason may differ on-chain).
    InBatch {
        /// The failing call's position in the batch, from 0.
        index: usize,
        /// Why it failed.
        reason: Box<DecodedRevert>,
        /// Whether the reason comes from simulating the call on its own.
        alone: bool,
    },
}

impl DecodedRevert {
    /// The custom error's name, if it is one.
    pub fn custom_name(&self) -> Option<&str> {
        match self {
            Self::Custom { name, .. } => Some(name),
            Self::InBatch { reason, .. } => reason.custom_name(),
            _ => None,
        }
    }

    /// The Safe error code (`GS026`), if it is one.
    pub fn safe_code(&self) -> Option<&str> {
        match self {
            Self::Message { message, safe_meaning: Some(_) } => Some(message),
            Self::InBatch { reason, .. } => reason.safe_code(),
            _ => None,
        }
    }

    /// Turn a revert of `execTransaction` into the matching [`SafeError`].
    pub fn into_safe_error(self) -> SafeError {
        match self {
            Self::Message { message, safe_meaning: Some(meaning) } => {
                SafeError::SafeRejected { code: message, meaning }
            }
            other => SafeError::Reverted(other),
        }
    }
}

impl fmt::Display for DecodedRevert {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Empty => f.write_str("reverted without a reason"),
            Self::Message { message, safe_meaning: Some(meaning) } => write!(f, "{message} ({meaning})"),
            Self::Message { message, safe_meaning: None } => write!(f, "\"{message}\""),
            Self::Panic(code) => write!(f, "panic 0x{code:x}"),
            Self::Custom { name, args } => {
                write!(f, "{name}(")?;
                for (i, (arg, value)) in args.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    if arg.is_empty() { write!(f, "{value}")? } else { write!(f, "{arg}: {value}")? }
                }
                f.write_str(")")
            }
            Self::Unknown(data) => write!(f, "unknown revert data {data}"),
            Self::InBatch { index, reason, alone: false } => {
                write!(f, "batch call #{index} reverted: {reason}")
            }
            Self::InBatch { index, reason, alone: true } => {
                write!(f, "batch call #{index} reverted (simulated without the calls before it: {reason})")
            }
        }
    }
}

/// What Safe v1.4.1's `GSxxx` revert codes mean (from the Safe contracts' error list).
pub fn safe_error_meaning(code: &str) -> Option<&'static str> {
    Some(match code {
        "GS000" => "could not finish initialization",
        "GS001" => "threshold needs to be defined",
        "GS002" => {
            "a call to set up modules couldn't be executed because the destination account was not a contract"
        }
        "GS010" => "not enough gas to execute the Safe transaction",
        "GS011" => "could not pay gas costs with ether",
        "GS012" => "could not pay gas costs with token",
        "GS013" => "the inner call failed and neither safeTxGas nor gasPrice was set",
        "GS020" => "signatures data too short: fewer signatures than the threshold",
        "GS021" => "invalid contract signature location: inside static part",
        "GS022" => "invalid contract signature location: length not present",
        "GS023" => "invalid contract signature location: data not complete",
        "GS024" => "invalid contract signature provided",
        "GS025" => "hash has not been approved by that owner",
        "GS026" => {
            "invalid owner: the signature recovers to a non-owner (wrong Safe, chain, nonce or hash) or signatures are not sorted by owner"
        }
        "GS030" => "only owners can approve a hash",
        "GS031" => "method can only be called from this contract",
        "GS100" => "modules have already been initialized",
        "GS101" => "invalid module address provided",
        "GS102" => "module has already been added",
        "GS103" => "invalid prevModule, module pair provided",
        "GS104" => "method can only be called from an enabled module",
        "GS200" => "owners have already been set up",
        "GS201" => "threshold cannot exceed owner count",
        "GS202" => "threshold needs to be greater than 0",
        "GS203" => "invalid owner address provided",
        "GS204" => "address is already an owner",
        "GS205" => "invalid prevOwner, owner pair provided",
        "GS300" => "guard does not implement IERC165",
        "GS301" => "fallback handler cannot be set to self",
        _ => return None,
    })
}

/// Decodes revert data with the custom errors of the ABIs it was given.
#[derive(Clone, Debug, Default)]
pub struct RevertDecoder {
    errors: Vec<AbiError>,
}

impl RevertDecoder {
    /// Learn the custom errors of `abi`.
    pub fn with_abi(mut self, abi: &JsonAbi) -> Self {
        self.errors.extend(abi.errors().cloned());
        self
    }

    /// Decode revert data: the Safe's `GSxxx` codes, `Error(string)`, `Panic(uint256)` and the
    /// custom errors of the ABIs learnt; [`DecodedRevert::Empty`] for no data.
    pub fn decode(&self, data: &[u8]) -> DecodedRevert {
        if data.is_empty() {
            return DecodedRevert::Empty;
        }
        if let Ok(revert) = Revert::abi_decode(data) {
            let safe_meaning = safe_error_meaning(&revert.reason);
            return DecodedRevert::Message { message: revert.reason, safe_meaning };
        }
        if let Ok(panic) = Panic::abi_decode(data) {
            return DecodedRevert::Panic(panic.code);
        }
        if data.len() >= 4 {
            for error in self.errors.iter().filter(|e| e.selector().as_slice() == &data[..4]) {
                if let Ok(decoded) = error.decode_error(data) {
                    let args = error
                        .inputs
                        .iter()
                        .zip(decoded.body.iter())
                        .map(|(param, value): (_, &DynSolValue)| (param.name.clone(), format_value(value)))
                        .collect();
                    return DecodedRevert::Custom { name: error.name.clone(), args };
                }
            }
        }
        DecodedRevert::Unknown(Bytes::copy_from_slice(data))
    }
}
