//! Governor action drafts: the actions (target, value, calldata) of a proposal written by
//! `--governor-out FILE` instead of being submitted, so several of them (a release, an owner
//! action, a funding) can be put into ONE Governor proposal by `roflgov dao combine`, as a Tally
//! user adds several actions to one proposal.

use std::path::Path;

use alloy::primitives::{Address, Bytes, U256};
use serde::{Deserialize, Serialize};

use crate::exit::{CliResult, input};

/// The `format` of a draft file.
pub(crate) const FORMAT: &str = "roflgov-governor-actions/1";

/// One action of a Governor proposal.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub(crate) struct Action {
    pub target: Address,
    /// Wei, a decimal string.
    #[serde(with = "decimal")]
    pub value: U256,
    pub calldata: Bytes,
}

/// A draft: the chain and policy contract it was drafted for, what it does, and its actions.
#[derive(Serialize, Deserialize, Clone, Debug)]
#[serde(deny_unknown_fields)]
pub(crate) struct Draft {
    pub format: String,
    pub chain_id: u64,
    pub policy_contract: Address,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub governor: Option<Address>,
    /// One line saying what it does (unverified text from the file when read back).
    pub title: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub app: Option<String>,
    pub actions: Vec<Action>,
}

/// Reads a draft; anything else (a Safe file, a batch, another format) is a clear error.
pub(crate) fn load(path: &Path) -> CliResult<Draft> {
    let at = path.display();
    let text = crate::fsutil::read_input_text(path)?;
    let value: serde_json::Value =
        serde_json::from_str(&text).map_err(|e| input(format!("{at}: not JSON: {e}")))?;
    match value.get("format").and_then(|f| f.as_str()) {
        Some(FORMAT) => {}
        Some(other) => {
            return Err(input(format!("{at}: format {} is not {FORMAT}", roflgov_core::text::escape(other))));
        }
        None if value.get("transactions").is_some() || value.get("tx").is_some() => {
            return Err(input(format!(
                "{at} is a Safe proposal or Transaction Builder batch: draft each action for the Governor with `--governor-out FILE` (or combine Safe legs with `roflgov safe combine`)"
            )));
        }
        None => {
            return Err(input(format!("{at}: not a Governor action draft (no \"format\": \"{FORMAT}\")")));
        }
    }
    let draft: Draft = serde_json::from_value(value).map_err(|e| input(format!("{at}: {e}")))?;
    if draft.actions.is_empty() {
        return Err(input(format!("{at}: the draft has no action")));
    }
    Ok(draft)
}

/// Writes a draft (atomically).
pub(crate) fn save(path: &Path, draft: &Draft) -> CliResult {
    let text = serde_json::to_string_pretty(draft).expect("a draft serialises");
    crate::fsutil::write_atomic(path, format!("{text}\n").as_bytes())
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
    use super::*;

    #[test]
    fn a_draft_reads_back_and_other_files_are_named() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("d.json");
        let draft = Draft {
            format: FORMAT.into(),
            chain_id: 31337,
            policy_contract: Address::repeat_byte(1),
            governor: None,
            title: "t".into(),
            app: None,
            actions: vec![Action {
                target: Address::repeat_byte(1),
                value: U256::from(5),
                calldata: Bytes::from(vec![1, 2]),
            }],
        };
        save(&path, &draft).unwrap();
        assert_eq!(load(&path).unwrap().actions, draft.actions);
        std::fs::write(&path, r#"{"transactions": []}"#).unwrap();
        let err = load(&path).unwrap_err().to_string();
        assert!(err.contains("--governor-out"), "{err}");
    }
}
