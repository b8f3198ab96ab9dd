//! The one revert decoder: what a failed call's revert data says, for people.
//!
//! Revert data is read in this order: no data ([`DecodedRevert::Empty`]), `Error(string)` (with
//! the meaning of Safe v1.4.1's `GSxxx` codes, [`safe_error_meaning`]), `Panic(uint256)`, then
//! the custom errors of the ABIs the [`RevertDecoder`] knows — by default
//! ([`RevertDecoder::embedded`], [`decode`]) every embedded artifact: the policy contract and its
//! libraries (`RoflAppAdmin`, `IRoflAppAdmin`), the Governor, its token and the Timelock
//! (OpenZeppelin 5.3), the ROFL and roflmarket stand-ins and the Safe v1.4.1 contracts. Data that
//! none of them explains comes back whole as [`DecodedRevert::Unknown`], its selector named.
//!
//! Revert data comes from the chain, so every string in it is hostile: [`DecodedRevert`]'s
//! `Display` and [`format_value`] escape strings (`char::escape_debug`: controls, line breaks,
//! bidirectional overrides and other invisible characters become `\u{…}`), so a reason cannot
//! rewrite the lines around it.
//!
//! Callers that need an error's typed fields (the Governor's proposal states, the policy
//! contract's `StaleVersion`) decode them with [`decode_typed`], the `sol!` interface of that
//! contract first and this decoder for anything else.

use std::{fmt, sync::OnceLock};

use alloy_dyn_abi::{DynSolValue, ErrorExt as _};
use alloy_json_abi::{Error as AbiError, JsonAbi};
use alloy_primitives::{Bytes, U256};
use alloy_sol_types::{Panic, Revert, SolError as _, SolInterface};

/// A decoded revert.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DecodedRevert {
    /// The call reverted without data (`revert()`, out of gas, MultiSend's bare revert).
    Empty,
    /// `Error(string)`; for Safe codes (`GS026`) the meaning is attached.
    Message {
        /// The reason string, as the contract gave it (escape it to show it, as `Display` does).
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
        /// Its arguments: name and value formatted for people ([`format_value`], strings
        /// escaped).
        args: Vec<(String, String)>,
    },
    /// Data no known ABI explains, kept whole.
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
}

impl fmt::Display for DecodedRevert {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Empty => f.write_str("reverted without a reason"),
            Self::Message { message, safe_meaning: Some(meaning) } => {
                write!(f, "{} ({meaning})", message.escape_debug())
            }
            Self::Message { message, safe_meaning: None } => write!(f, "\"{}\"", message.escape_debug()),
            Self::Panic(code) => write!(f, "panic 0x{code:x}"),
            Self::Custom { name, args } => {
                write!(f, "{}(", name.escape_debug())?;
                for (i, (arg, value)) in args.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    if arg.is_empty() {
                        write!(f, "{value}")?
                    } else {
                        write!(f, "{}: {value}", arg.escape_debug())?
                    }
                }
                f.write_str(")")
            }
            Self::Unknown(data) if data.len() >= 4 => {
                write!(f, "unknown selector {}: revert data {data}", Bytes::copy_from_slice(&data[..4]))
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

/// Format a decoded ABI value for people: addresses checksummed, bytes in hex, strings quoted
/// and escaped (`char::escape_debug`), structs with their field names.
pub fn format_value(value: &DynSolValue) -> String {
    let list = |items: &[DynSolValue]| items.iter().map(format_value).collect::<Vec<_>>().join(", ");
    match value {
        DynSolValue::Address(a) => a.to_checksum(None),
        DynSolValue::Bool(b) => b.to_string(),
        DynSolValue::Int(i, _) => i.to_string(),
        DynSolValue::Uint(u, _) => u.to_string(),
        DynSolValue::FixedBytes(word, size) => format!("0x{}", hex::encode(&word[..*size])),
        DynSolValue::Bytes(b) => format!("0x{}", hex::encode(b)),
        DynSolValue::String(s) => format!("{s:?}"),
        DynSolValue::Function(f) => f.to_string(),
        DynSolValue::Array(items) | DynSolValue::FixedArray(items) => format!("[{}]", list(items)),
        DynSolValue::Tuple(items) => format!("({})", list(items)),
        DynSolValue::CustomStruct { name, prop_names, tuple } => format!(
            "{} {{ {} }}",
            name.escape_debug(),
            prop_names
                .iter()
                .zip(tuple)
                .map(|(prop, v)| format!("{}: {}", prop.escape_debug(), format_value(v)))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

/// Decodes revert data with the custom errors of the ABIs it was given.
#[derive(Clone, Debug, Default)]
pub struct RevertDecoder {
    errors: Vec<AbiError>,
}

impl RevertDecoder {
    /// A decoder of the custom errors of every embedded artifact (see the module's list); the
    /// ABIs are parsed once per process.
    pub fn embedded() -> Self {
        embedded_decoder().clone()
    }

    /// Learn the custom errors of `abi` (an error already known by its signature is kept once).
    pub fn with_abi(mut self, abi: &JsonAbi) -> Self {
        for error in abi.errors() {
            if !self.errors.iter().any(|known| known.signature() == error.signature()) {
                self.errors.push(error.clone());
            }
        }
        self
    }

    /// Decode revert data: `Error(string)` (with the Safe's `GSxxx` meanings), `Panic(uint256)`
    /// and the custom errors of the ABIs learnt; [`DecodedRevert::Empty`] for no data and
    /// [`DecodedRevert::Unknown`], holding the data whole, for anything else.
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
                        .map(|(param, value)| (param.name.clone(), format_value(value)))
                        .collect();
                    return DecodedRevert::Custom { name: error.name.clone(), args };
                }
            }
        }
        DecodedRevert::Unknown(Bytes::copy_from_slice(data))
    }
}

/// Decode revert data against every embedded artifact's errors ([`RevertDecoder::embedded`],
/// built once).
pub fn decode(data: &[u8]) -> DecodedRevert {
    embedded_decoder().decode(data)
}

fn embedded_decoder() -> &'static RevertDecoder {
    static EMBEDDED: OnceLock<RevertDecoder> = OnceLock::new();
    EMBEDDED.get_or_init(|| {
        crate::EMBEDDED.iter().fold(RevertDecoder::default(), |decoder, (_, text)| {
            match serde_json::from_str::<serde_json::Value>(text)
                .ok()
                .and_then(|artifact| serde_json::from_value::<JsonAbi>(artifact.get("abi")?.clone()).ok())
            {
                Some(abi) => decoder.with_abi(&abi),
                None => decoder,
            }
        })
    })
}

/// The error of the `sol!` interface `E` (e.g. `RoflAppAdminErrors`) that `data` holds, with its
/// typed fields; any other revert decoded by [`decode`].
pub fn decode_typed<E: SolInterface>(data: &[u8]) -> Result<E, DecodedRevert> {
    E::abi_decode(data).map_err(|_| decode(data))
}

#[cfg(test)]
mod tests {
    use alloy_primitives::{Address, keccak256};

    use super::*;

    /// The selector of a signature written out by hand (not taken from any ABI).
    fn selector(signature: &str) -> Vec<u8> {
        keccak256(signature.as_bytes())[..4].to_vec()
    }

    #[test]
    fn hand_written_selectors_are_those_cast_computes() {
        // `cast sig "<signature>"` (Foundry 1.7.1), independent of alloy.
        for (signature, cast) in [
            ("Error(string)", "08c379a0"),
            ("Panic(uint256)", "4e487b71"),
            ("StaleVersion(bytes21,uint64,uint64)", "21e4c427"),
            ("GovernorNonexistentProposal(uint256)", "6ad06075"),
            ("InvalidReleaseRecord(string)", "f203d50e"),
        ] {
            assert_eq!(hex::encode(selector(signature)), cast, "{signature}");
        }
    }

    /// One 32-byte ABI word holding `value` right-aligned.
    fn word(value: &[u8]) -> Vec<u8> {
        let mut word = vec![0; 32 - value.len()];
        word.extend_from_slice(value);
        word
    }

    /// The ABI encoding of a `string`'s tail: its length, then its bytes padded to words.
    fn string_tail(text: &str) -> Vec<u8> {
        let mut tail = word(&(text.len() as u64).to_be_bytes());
        tail.extend_from_slice(text.as_bytes());
        tail.resize(32 + text.len().div_ceil(32) * 32, 0);
        tail
    }

    fn error_string(reason: &str) -> Vec<u8> {
        [selector("Error(string)"), word(&[0x20]), string_tail(reason)].concat()
    }

    #[test]
    fn error_strings_panics_and_empty_data() {
        let gs026 = decode(&error_string("GS026"));
        assert_eq!(gs026.safe_code(), Some("GS026"));
        assert!(gs026.to_string().starts_with("GS026 (invalid owner"), "{gs026}");
        assert_eq!(
            decode(&error_string("not yet")),
            DecodedRevert::Message { message: "not yet".into(), safe_meaning: None }
        );
        assert_eq!(decode(&error_string("not yet")).to_string(), "\"not yet\"");

        // 0x4e487b71 is `Panic(uint256)`; 0x11 an arithmetic overflow.
        let panic = [selector("Panic(uint256)"), word(&[0x11])].concat();
        assert_eq!(decode(&panic), DecodedRevert::Panic(U256::from(0x11)));
        assert_eq!(decode(&panic).to_string(), "panic 0x11");

        assert_eq!(decode(&[]), DecodedRevert::Empty);
        assert_eq!(decode(&[]).to_string(), "reverted without a reason");
    }

    #[test]
    fn custom_errors_of_the_policy_contract_governor_and_timelock() {
        let app = [7u8; 21];
        let mut app_word = app.to_vec();
        app_word.resize(32, 0); // bytes21 is left-aligned
        let stale =
            [selector("StaleVersion(bytes21,uint64,uint64)"), app_word, word(&[3]), word(&[4])].concat();
        let decoded = decode(&stale);
        assert_eq!(decoded.custom_name(), Some("StaleVersion"));
        assert_eq!(
            decoded.to_string(),
            format!("StaleVersion(appId: 0x{}, expected: 3, current: 4)", hex::encode(app))
        );

        let proposal = [selector("GovernorNonexistentProposal(uint256)"), word(&[0x2a])].concat();
        assert_eq!(decode(&proposal).to_string(), "GovernorNonexistentProposal(proposalId: 42)");

        let operation =
            [selector("TimelockUnexpectedOperationState(bytes32,bytes32)"), vec![0xab; 32], word(&[4])]
                .concat();
        assert_eq!(decode(&operation).custom_name(), Some("TimelockUnexpectedOperationState"));

        let owner = Address::repeat_byte(0x11);
        let unauthorized = [selector("OwnableUnauthorizedAccount(address)"), word(owner.as_slice())].concat();
        assert_eq!(
            decode(&unauthorized),
            DecodedRevert::Custom {
                name: "OwnableUnauthorizedAccount".into(),
                args: vec![("account".into(), owner.to_checksum(None))]
            }
        );
    }

    #[test]
    fn strings_from_the_chain_are_escaped() {
        // `InvalidReleaseRecord(string)` of the policy contract, with a bidi override and a
        // line break that would forge a line of output.
        let hostile = "repo\u{202e}txt\nverdict: ok";
        let data = [selector("InvalidReleaseRecord(string)"), word(&[0x20]), string_tail(hostile)].concat();
        let shown = decode(&data).to_string();
        assert_eq!(shown, "InvalidReleaseRecord(field: \"repo\\u{202e}txt\\nverdict: ok\")");

        let shown = decode(&error_string(hostile)).to_string();
        assert!(!shown.contains('\n') && !shown.contains('\u{202e}'), "{shown}");
        assert!(shown.contains("\\u{202e}") && shown.contains("\\n"), "{shown}");
    }

    #[test]
    fn unknown_data_is_kept_whole_and_its_selector_named() {
        let data = [vec![0xde, 0xad, 0xbe, 0xef], word(&[1])].concat();
        let decoded = decode(&data);
        assert_eq!(decoded, DecodedRevert::Unknown(Bytes::from(data.clone())));
        let shown = decoded.to_string();
        assert!(shown.starts_with("unknown selector 0xdeadbeef"), "{shown}");
        assert!(shown.ends_with(&hex::encode(&data)), "{shown}");
        // Too short for a selector.
        assert_eq!(decode(&[0x01, 0x02]).to_string(), "unknown revert data 0x0102");
        // A known selector with data that does not decode is unknown too, kept whole.
        let truncated = selector("GovernorNonexistentProposal(uint256)");
        assert_eq!(decode(&truncated), DecodedRevert::Unknown(Bytes::from(truncated.clone())));
        // Without the embedded ABIs, a custom error is unknown.
        let proposal = [selector("GovernorNonexistentProposal(uint256)"), word(&[1])].concat();
        assert!(matches!(RevertDecoder::default().decode(&proposal), DecodedRevert::Unknown(_)));
    }

    #[test]
    fn typed_decoding_falls_back_to_the_decoder() {
        use crate::bindings::RoflAppAdmin::RoflAppAdminErrors;
        let app_word = [vec![9u8; 21], vec![0; 11]].concat();
        let stale =
            [selector("StaleVersion(bytes21,uint64,uint64)"), app_word, word(&[1]), word(&[2])].concat();
        match decode_typed::<RoflAppAdminErrors>(&stale) {
            Ok(RoflAppAdminErrors::StaleVersion(e)) => assert_eq!((e.expected, e.current), (1, 2)),
            other => panic!("{other:?}"),
        }
        let proposal = [selector("GovernorNonexistentProposal(uint256)"), word(&[1])].concat();
        assert_eq!(
            decode_typed::<RoflAppAdminErrors>(&proposal).unwrap_err().custom_name(),
            Some("GovernorNonexistentProposal")
        );
    }
}
