//! Governor action drafts: the actions (target, value, calldata) of a proposal written instead
//! of being submitted (`roflgov … --governor-out FILE`), so several of them (a release, an owner
//! action, a funding) can be put into ONE Governor proposal (`roflgov dao combine`), as a Tally
//! user adds several actions to one proposal.
//!
//! The format is `roflgov-governor-actions/1` (JSON, unknown fields refused, values as decimal
//! strings of wei). A draft names the chain, policy contract and (if known) Governor it was
//! drafted for; [`Draft::check_destination`] refuses it anywhere else.

use alloy::{
    primitives::{Address, Bytes, U256},
    sol_types::SolCall,
};
use roflgov_core::{
    bindings::RoflAppAdmin::fundMachinesCall, firewall::format_rose, rofl::subcall::SUBCALL_PRECOMPILE,
    text::escape,
};
use serde::{Deserialize, Serialize};

use crate::ProposalCall;

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

/// Why drafts cannot go into one proposal together.
#[derive(Debug, thiserror::Error)]
pub enum CombineError {
    /// A draft is refused on its own (another chain, policy contract or Governor, a foreign
    /// target).
    #[error(transparent)]
    Draft(#[from] DraftError),
    /// Two drafts change the same app: each was drafted against its current version, so the
    /// second would revert.
    #[error(
        "{at} and {first} both change app {}: each was drafted against its current version, so the second would revert; put them in one draft (e.g. `propose --set-guardian`)",
        escape(app)
    )]
    SameApp {
        /// The later draft.
        at: String,
        /// The earlier draft.
        first: String,
        /// The app (unverified text from the drafts).
        app: String,
    },
    /// The funding is zero.
    #[error("--fund-rose is zero: nothing to fund")]
    ZeroFunding,
    /// Fewer than two actions.
    #[error("one action is no combination: give at least two --leg drafts, or one with --fund-rose")]
    OneAction,
    /// The actions send more than the Timelock holds: the proposal would fail at execution.
    #[error(
        "the actions send {} but the Timelock {timelock} holds {}: the proposal would fail at execution; nothing was proposed",
        format_rose(*needed),
        format_rose(*balance)
    )]
    TimelockShort {
        /// What the actions send (wei).
        needed: U256,
        /// What the Timelock holds (wei).
        balance: U256,
        /// The Timelock.
        timelock: Address,
    },
}

impl roflgov_types::Classified for CombineError {
    /// A refused draft keeps its class; two drafts on one app, a zero funding and a single
    /// action are usage errors; a Timelock that cannot pay is a refusal (verification).
    fn class(&self) -> roflgov_types::FailureClass {
        use roflgov_types::FailureClass;
        match self {
            Self::Draft(e) => e.class(),
            Self::SameApp { .. } | Self::ZeroFunding | Self::OneAction => FailureClass::Usage,
            Self::TimelockShort { .. } => FailureClass::Verification,
        }
    }
}

/// Drafts and a funding of the policy contract put together into ONE Governor proposal
/// (`roflgov dao combine`): each draft is checked for this chain, policy contract and Governor,
/// no app is changed by two drafts, and the Timelock must hold what the actions send.
#[derive(Clone, Debug)]
pub struct Combination {
    chain_id: u64,
    policy: Address,
    governor: Address,
    calls: Vec<ProposalCall>,
    titles: Vec<String>,
    apps: Vec<(String, String)>,
}

impl Combination {
    /// An empty combination for `policy` under `governor` on `chain_id`.
    pub fn new(chain_id: u64, policy: Address, governor: Address) -> Self {
        Self { chain_id, policy, governor, calls: Vec::new(), titles: Vec::new(), apps: Vec::new() }
    }

    /// Adds a draft's actions (`at` names its file), refusing a draft for elsewhere
    /// ([`Draft::check_destination`]) and a second draft on the same app.
    pub fn add(&mut self, at: &str, draft: &Draft) -> Result<(), CombineError> {
        draft.check_destination(at, self.chain_id, self.policy, self.governor)?;
        if let Some(app) = &draft.app {
            if let Some((_, first)) = self.apps.iter().find(|(a, _)| a == app) {
                return Err(CombineError::SameApp {
                    at: at.to_owned(),
                    first: first.clone(),
                    app: app.clone(),
                });
            }
            self.apps.push((app.clone(), at.to_owned()));
        }
        self.titles.push(escape(&draft.title));
        self.calls.extend(draft.actions.iter().map(|c| ProposalCall {
            target: c.target,
            value: c.value,
            calldata: c.calldata.clone(),
        }));
        Ok(())
    }

    /// Adds a `fundMachines` call sending `value` wei from the Timelock to the policy contract.
    pub fn fund(&mut self, value: U256) -> Result<(), CombineError> {
        if value.is_zero() {
            return Err(CombineError::ZeroFunding);
        }
        self.titles.push(format!("fund policy contract {} with {}", self.policy, format_rose(value)));
        let calldata = fundMachinesCall {}.abi_encode().into();
        self.calls.push(ProposalCall { target: self.policy, value, calldata });
        Ok(())
    }

    /// Refuses fewer than two actions (nothing to combine).
    pub fn ensure_combined(&self) -> Result<(), CombineError> {
        if self.calls.len() < 2 {
            return Err(CombineError::OneAction);
        }
        Ok(())
    }

    /// What the actions send, in wei.
    pub fn needed(&self) -> U256 {
        self.calls.iter().fold(U256::ZERO, |sum, c| sum.saturating_add(c.value))
    }

    /// The actions and the proposal's title, once there are at least two actions and the
    /// Timelock (`timelock`, holding `balance` wei) can pay what they send.
    pub fn finish(
        self,
        timelock: Address,
        balance: U256,
    ) -> Result<(Vec<ProposalCall>, String), CombineError> {
        self.ensure_combined()?;
        let needed = self.needed();
        if balance < needed {
            return Err(CombineError::TimelockShort { needed, balance, timelock });
        }
        let title = format!("roflgov: {} actions: {}", self.calls.len(), self.titles.join("; "));
        Ok((self.calls, title))
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

    fn on_app(app: &str, value: u64) -> Draft {
        let mut d = draft();
        d.app = Some(app.into());
        d.title = format!("change {app}");
        d.actions[0].value = U256::from(value);
        d
    }

    #[test]
    fn drafts_and_a_funding_combine_into_one_proposal() {
        let mut c = Combination::new(31337, POLICY, GOVERNOR);
        c.add("1.json", &on_app("rofl1a", 5)).unwrap();
        assert!(matches!(c.ensure_combined(), Err(CombineError::OneAction)));
        c.add("2.json", &on_app("rofl1b", 0)).unwrap();
        assert!(matches!(c.fund(U256::ZERO), Err(CombineError::ZeroFunding)));
        c.fund(U256::from(10u64).pow(U256::from(18))).unwrap();
        assert_eq!(c.needed(), U256::from(1_000_000_000_000_000_005u64));
        let timelock = Address::repeat_byte(3);
        let err = c.clone().finish(timelock, U256::from(5)).unwrap_err();
        assert!(matches!(err, CombineError::TimelockShort { .. }), "{err}");
        assert!(err.to_string().contains("would fail at execution; nothing was proposed"), "{err}");
        assert_eq!(err.class(), FailureClass::Verification);
        let (calls, title) = c.finish(timelock, U256::MAX).unwrap();
        assert_eq!(calls.len(), 3);
        // The funding is `fundMachines()` on the policy contract: its selector from the
        // signature, not from the binding under test.
        let selector = &alloy::primitives::keccak256("fundMachines()")[..4];
        assert_eq!((calls[2].target, &calls[2].calldata[..]), (POLICY, selector));
        assert!(
            title.starts_with("roflgov: 3 actions: change rofl1a; change rofl1b; fund policy contract"),
            "{title}"
        );
    }

    #[test]
    fn two_drafts_on_one_app_or_a_draft_for_elsewhere_are_refused() {
        let mut c = Combination::new(31337, POLICY, GOVERNOR);
        c.add("1.json", &on_app("rofl1a", 0)).unwrap();
        let err = c.add("2.json", &on_app("rofl1a", 0)).unwrap_err();
        assert!(err.to_string().starts_with("2.json and 1.json both change app rofl1a"), "{err}");
        assert_eq!(err.class(), FailureClass::Usage);
        let mut other = draft();
        other.chain_id = 23294;
        let err = c.add("3.json", &other).unwrap_err();
        assert!(matches!(err, CombineError::Draft(DraftError::WrongChain { .. })), "{err}");
        assert_eq!(err.class(), FailureClass::Verification);
        let err = c.add("4.json", &on_app("rofl1\u{1b}[2J", 0));
        assert!(err.is_ok());
        let err = c.add("5.json", &on_app("rofl1\u{1b}[2J", 0)).unwrap_err();
        assert!(!err.to_string().contains('\u{1b}'), "the app is escaped: {err}");
    }
}
