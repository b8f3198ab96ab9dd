//! Governor action drafts: the actions (target, value, calldata) of a proposal written instead
//! of being submitted (`roflgov … --governor-out FILE`), so several of them (a release, an owner
//! action, a funding) can be put into ONE Governor proposal (`roflgov dao combine`), as a Tally
//! user adds several actions to one proposal.
//!
//! The format is `roflgov-governor-actions/1` (JSON, unknown fields refused, values as decimal
//! strings of wei). A draft names the chain, policy contract and (if known) Governor it was
//! drafted for; [`Draft::check_destination`] refuses it anywhere else.

use alloy::primitives::{Address, Bytes, U256};
use roflgov_core::{rofl::subcall::SUBCALL_PRECOMPILE, text::escape};
use serde::{Deserialize, Serialize};

/// The `format` of a draft file.
pub const FORMAT: &str = "roflgov-governor-actions/1";

/// One action of a Governor proposal.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Action {
    /// The contract called.
    pub target: Address,
    /// Wei, a decimal string.
    #[serde(with = "decimal")]
    pub value: U256,
    /// The call.
    pub calldata: Bytes,
}

/// A draft: the chain and policy contract it was drafted for, what it does, and its actions.
#[derive(Serialize, Deserialize, Clone, Debug)]
#[serde(deny_unknown_fields)]
pub struct Draft {
    /// Always [`FORMAT`].
    pub format: String,
    /// The chain it was drafted for.
    pub chain_id: u64,
    /// The policy contract it was drafted for.
    pub policy_contract: Address,
    /// The Governor it was drafted for, if the network had one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub governor: Option<Address>,
    /// One line saying what it does (unverified text from the file when read back).
    pub title: String,
    /// The app it changes (rofl1…, unverified text when read back), if one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub app: Option<String>,
    /// The actions, in execution order.
    pub actions: Vec<Action>,
}

/// Why a draft is refused. `at` names the file in every message.
#[derive(Debug, thiserror::Error)]
pub enum DraftError {
    /// The file is not JSON.
    #[error("{at}: not JSON: {reason}")]
    NotJson {
        /// The file.
        at: String,
        /// The parser's reason.
        reason: String,
    },
    /// The file has another `format`.
    #[error("{at}: format {} is not {FORMAT}", escape(format))]
    WrongFormat {
        /// The file.
        at: String,
        /// Its `format` (untrusted text, escaped when shown).
        format: String,
    },
    /// The file is a Safe proposal file or a Transaction Builder batch.
    #[error(
        "{at} is a Safe proposal or Transaction Builder batch: draft each action for the Governor with `--governor-out FILE` (or combine Safe legs with `roflgov safe combine`)"
    )]
    SafeFile {
        /// The file.
        at: String,
    },
    /// The file has no `format`.
    #[error("{at}: not a Governor action draft (no \"format\": \"{FORMAT}\")")]
    NotADraft {
        /// The file.
        at: String,
    },
    /// A field is missing, unknown or of the wrong type.
    #[error("{at}: {reason}")]
    Invalid {
        /// The file.
        at: String,
        /// What is wrong.
        reason: String,
    },
    /// The draft has no action.
    #[error("{at}: the draft has no action")]
    NoAction {
        /// The file.
        at: String,
    },
    /// The draft is for another chain.
    #[error(
        "{at} was drafted for chain id {drafted}, the endpoint is chain id {endpoint}; nothing was proposed"
    )]
    WrongChain {
        /// The file.
        at: String,
        /// The chain it names.
        drafted: u64,
        /// The endpoint's chain.
        endpoint: u64,
    },
    /// The draft is for another policy contract.
    #[error(
        "{at} was drafted for policy contract {drafted}, this network's is {network}; nothing was proposed"
    )]
    WrongPolicyContract {
        /// The file.
        at: String,
        /// The policy contract it names.
        drafted: Address,
        /// This network's.
        network: Address,
    },
    /// The draft is for another Governor.
    #[error("{at} was drafted for Governor {drafted}, this network's is {network}; nothing was proposed")]
    WrongGovernor {
        /// The file.
        at: String,
        /// The Governor it names.
        drafted: Address,
        /// This network's.
        network: Address,
    },
    /// An action calls something other than the policy contract or the subcall precompile.
    #[error(
        "{at}: action #{index} calls {target}, neither the policy contract {policy} nor the subcall precompile; nothing was proposed"
    )]
    ForeignTarget {
        /// The file.
        at: String,
        /// The action's position (from 0).
        index: usize,
        /// What it calls.
        target: Address,
        /// This network's policy contract.
        policy: Address,
    },
}

impl roflgov_types::Classified for DraftError {
    /// A file that is no draft is an input failure; a draft for another chain, contract or
    /// Governor, or with a foreign target, is a refusal (verification).
    fn class(&self) -> roflgov_types::FailureClass {
        use roflgov_types::FailureClass;
        match self {
            Self::WrongChain { .. }
            | Self::WrongPolicyContract { .. }
            | Self::WrongGovernor { .. }
            | Self::ForeignTarget { .. } => FailureClass::Verification,
            _ => FailureClass::Input,
        }
    }
}

impl Draft {
    /// Parses a draft (`at` names the file in errors); anything else (a Safe file, a batch,
    /// another format, a draft without action) is a clear error.
    pub fn from_json(at: &str, text: &str) -> Result<Self, DraftError> {
        let at = at.to_owned();
        let value: serde_json::Value = serde_json::from_str(text)
            .map_err(|e| DraftError::NotJson { at: at.clone(), reason: e.to_string() })?;
        match value.get("format").and_then(|f| f.as_str()) {
            Some(FORMAT) => {}
            Some(other) => return Err(DraftError::WrongFormat { at, format: other.to_owned() }),
            None if value.get("transactions").is_some() || value.get("tx").is_some() => {
                return Err(DraftError::SafeFile { at });
            }
            None => return Err(DraftError::NotADraft { at }),
        }
        let draft: Draft = serde_json::from_value(value)
            .map_err(|e| DraftError::Invalid { at: at.clone(), reason: e.to_string() })?;
        if draft.actions.is_empty() {
            return Err(DraftError::NoAction { at });
        }
        Ok(draft)
    }

    /// The file's text: pretty JSON and a final newline.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).expect("a draft serialises") + "\n"
    }

    /// Refuses a draft made for another chain, policy contract or Governor than `chain_id`,
    /// `policy` and `governor`, or with an action that calls anything but the policy contract or
    /// the subcall precompile (`at` names the file).
    pub fn check_destination(
        &self,
        at: &str,
        chain_id: u64,
        policy: Address,
        governor: Address,
    ) -> Result<(), DraftError> {
        let at = at.to_owned();
        if self.chain_id != chain_id {
            return Err(DraftError::WrongChain { at, drafted: self.chain_id, endpoint: chain_id });
        }
        if self.policy_contract != policy {
            return Err(DraftError::WrongPolicyContract {
                at,
                drafted: self.policy_contract,
                network: policy,
            });
        }
        if let Some(other) = self.governor
            && other != governor
        {
            return Err(DraftError::WrongGovernor { at, drafted: other, network: governor });
        }
        for (index, action) in self.actions.iter().enumerate() {
            if action.target != policy && action.target != SUBCALL_PRECOMPILE {
                return Err(DraftError::ForeignTarget { at, index, target: action.target, policy });
            }
        }
        Ok(())
    }
}

mod decimal {
    use alloy::primitives::U256;
    use serde::{Deserialize, Deserializer, Serializer};

    pub(super) fn serialize<S: Serializer>(v: &U256, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&v.to_string())
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<U256, D::Error> {
        let text = String::deserialize(d)?;
        U256::from_str_radix(text.trim(), 10)
            .map_err(|_| serde::de::Error::custom(format!("value {text:?} is not a decimal number of wei")))
    }
}

#[cfg(test)]
mod tests {
    use roflgov_types::{Classified, FailureClass};

    use super::*;

    const POLICY: Address = Address::repeat_byte(1);
    const GOVERNOR: Address = Address::repeat_byte(2);

    fn draft() -> Draft {
        Draft {
            format: FORMAT.into(),
            chain_id: 31337,
            policy_contract: POLICY,
            governor: Some(GOVERNOR),
            title: "t".into(),
            app: None,
            actions: vec![Action { target: POLICY, value: U256::from(5), calldata: Bytes::from(vec![1, 2]) }],
        }
    }

    #[test]
    fn a_draft_reads_back_and_other_files_are_named() {
        let text = draft().to_json();
        assert!(text.contains("\"value\": \"5\"") && text.ends_with("}\n"), "{text}");
        let back = Draft::from_json("d.json", &text).unwrap();
        assert_eq!(back.actions, draft().actions);
        assert_eq!(back.to_json(), text);
        let err = Draft::from_json("d.json", r#"{"transactions": []}"#).unwrap_err();
        assert!(err.to_string().contains("--governor-out"), "{err}");
        assert_eq!(err.class(), FailureClass::Input);
    }

    #[test]
    fn a_foreign_format_is_escaped_and_an_empty_draft_refused() {
        let err = Draft::from_json("d.json", r#"{"format": "x\u001b[2J"}"#).unwrap_err();
        assert!(err.to_string().contains("x\\u{001b}[2J") && !err.to_string().contains('\u{1b}'), "{err}");
        let mut empty = draft();
        empty.actions.clear();
        let err = Draft::from_json("d.json", &empty.to_json()).unwrap_err();
        assert!(matches!(err, DraftError::NoAction { .. }), "{err}");
        let unknown = draft().to_json().replacen("\"title\"", "\"extra\": 1, \"title\"", 1);
        assert!(matches!(Draft::from_json("d.json", &unknown), Err(DraftError::Invalid { .. })));
    }

    #[test]
    fn a_draft_for_another_chain_contract_or_governor_is_refused() {
        let d = draft();
        assert!(d.check_destination("d.json", 31337, POLICY, GOVERNOR).is_ok());
        let refused = [
            d.check_destination("d.json", 1, POLICY, GOVERNOR),
            d.check_destination("d.json", 31337, Address::repeat_byte(9), GOVERNOR),
            d.check_destination("d.json", 31337, POLICY, Address::repeat_byte(9)),
        ];
        for err in refused {
            let err = err.unwrap_err();
            assert_eq!(err.class(), FailureClass::Verification, "{err}");
            assert!(err.to_string().starts_with("d.json was drafted for"), "{err}");
        }
        let mut foreign = draft();
        foreign.actions.push(Action {
            target: Address::repeat_byte(7),
            value: U256::ZERO,
            calldata: Bytes::new(),
        });
        foreign.actions.push(Action {
            target: SUBCALL_PRECOMPILE,
            value: U256::ZERO,
            calldata: Bytes::new(),
        });
        let err = foreign.check_destination("d.json", 31337, POLICY, GOVERNOR).unwrap_err();
        assert!(matches!(err, DraftError::ForeignTarget { index: 1, .. }), "{err}");
    }
}
