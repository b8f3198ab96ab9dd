//! [`review_calls`]: decode the calls of a Safe transaction or a Governor proposal, apply them
//! to a copy of the app's current config, and say what would change.

use alloy::primitives::{Address, Bytes, U256};
use roflgov_types::{AppConfig, AppId, RoflCall, cbor};
use serde::Serialize;

use super::diff::{ConfigDiff, EnclaveNotes, Warning, WarningKind};
use crate::rofl::{
    CREATE_STAKE, DecodedCalldata, OwnerCall, PolicyChange, check_sendable, decode_calldata,
    subcall::{SUBCALL_PRECOMPILE, decode_subcall},
};

/// One call of a proposal: target, value, calldata.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ProposedCall {
    /// Target.
    pub to: Address,
    /// Value in wei.
    pub value: U256,
    /// Calldata.
    pub data: Bytes,
    /// Sent as a DELEGATECALL (a Safe transaction with `operation = 1`).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub delegate_call: bool,
}

impl ProposedCall {
    /// A plain CALL.
    pub fn call(to: Address, value: U256, data: Bytes) -> Self {
        Self { to, value, data, delegate_call: false }
    }
}

impl From<(Address, U256, Bytes)> for ProposedCall {
    fn from((to, value, data): (Address, U256, Bytes)) -> Self {
        Self::call(to, value, data)
    }
}

/// What a call turned out to be.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "target", rename_all = "snake_case")]
pub enum CallReading {
    /// A call on the roflgov policy contract.
    PolicyContract {
        /// The decoded calldata.
        decoded: DecodedCalldata,
    },
    /// A direct call to the subcall precompile (today's flow: an opaque CBOR body).
    Subcall {
        /// Method, e.g. `rofl.Update`.
        method: String,
        /// The app the body names (`None` for `rofl.Create`).
        app: Option<AppId>,
    },
    /// A call that could not be read: unknown target, unknown selector or bad arguments.
    Unknown {
        /// Why.
        reason: String,
    },
}

/// One reviewed call.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ReviewedCall {
    /// Position in the proposal (0-based).
    pub index: usize,
    /// Target.
    pub to: Address,
    /// Value in wei.
    pub value: U256,
    /// What it is.
    pub reading: CallReading,
}

/// A proposal drafted against another version than the current one.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct StaleVersion {
    /// `expectedVersion` in the calls.
    pub expected: u64,
    /// The contract's version now.
    pub current: u64,
}

/// The review of a proposal against an app's current config.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Review {
    /// The app reviewed.
    pub app: AppId,
    /// The policy contract's version of the app, when it manages it.
    pub current_version: Option<u64>,
    /// The calls, decoded.
    pub calls: Vec<ReviewedCall>,
    /// Current config → config after all calls.
    pub diff: ConfigDiff,
    /// Set when the calls were drafted against another version (they will revert).
    pub stale: Option<StaleVersion>,
    /// Every warning: about the calls, then about the resulting config.
    pub warnings: Vec<Warning>,
    /// The config after the calls (not serialized: it carries secret ciphertexts).
    #[serde(skip)]
    pub resulting: AppConfig,
}

impl Review {
    /// Whether any warning is critical.
    pub fn has_critical(&self) -> bool {
        self.warnings.iter().any(|w| w.severity == super::diff::Severity::Critical)
    }

    /// Whether a warning of `kind` was raised.
    pub fn has_warning(&self, kind: WarningKind) -> bool {
        self.warnings.iter().any(|w| w.kind == kind)
    }
}

/// Reviews proposals for one app.
#[derive(Clone, Debug)]
pub struct Reviewer<'a> {
    current: &'a AppConfig,
    current_version: Option<u64>,
    policy_contract: Option<Address>,
    notes: Option<&'a EnclaveNotes>,
}

impl<'a> Reviewer<'a> {
    /// A reviewer of proposals against `current`.
    pub fn new(current: &'a AppConfig) -> Self {
        Self { current, current_version: None, policy_contract: None, notes: None }
    }

    /// The policy contract and its version of the app (enables stale-version checks).
    pub fn policy_contract(mut self, address: Address, current_version: u64) -> Self {
        self.policy_contract = Some(address);
        self.current_version = Some(current_version);
        self
    }

    /// rofl.yaml notes for identities.
    pub fn notes(mut self, notes: &'a EnclaveNotes) -> Self {
        self.notes = Some(notes);
        self
    }

    /// Reviews `calls` (executed in order, as a Safe MultiSend or a Governor proposal does).
    pub fn review(&self, calls: &[ProposedCall]) -> Review {
        let mut state = ReviewState {
            app: self.current.id,
            current_version: self.current_version,
            config: self.current.clone(),
            stale: None,
            warnings: Vec::new(),
        };
        let mut reviewed = Vec::with_capacity(calls.len());
        for (index, call) in calls.iter().enumerate() {
            if call.delegate_call {
                state.warnings.push(Warning::critical(
                    WarningKind::WouldRevert,
                    format!(
                        "call #{index} is a DELEGATECALL: it runs {}'s code with the caller's own storage and \
                         authority (and the subcall precompile rejects it); roflgov calls are plain CALLs",
                        call.to
                    ),
                ));
            }
            let reading = if Some(call.to) == self.policy_contract {
                state.policy_contract_call(index, call)
            } else if call.to == SUBCALL_PRECOMPILE {
                state.subcall(index, call)
            } else {
                state.warn_unreviewable(
                    index,
                    format!("unknown target {}: not the policy contract nor the subcall precompile", call.to),
                )
            };
            reviewed.push(ReviewedCall { index, to: call.to, value: call.value, reading });
        }
        let diff = ConfigDiff::between(self.current, &state.config, self.notes);
        let mut warnings: Vec<Warning> = Vec::new();
        for warning in state.warnings.into_iter().chain(diff.warnings.iter().cloned()) {
            if !warnings.contains(&warning) {
                warnings.push(warning);
            }
        }
        Review {
            app: self.current.id,
            current_version: self.current_version,
            calls: reviewed,
            diff,
            stale: state.stale,
            warnings,
            resulting: state.config,
        }
    }
}

/// Reviews `calls` against `current` (at `current_version` in the policy contract at
/// `policy_contract`). See [`Reviewer`] for rofl.yaml notes, or for apps the policy contract
/// does not manage.
pub fn review_calls(
    current: &AppConfig,
    current_version: u64,
    calls: &[ProposedCall],
    policy_contract: Address,
) -> Review {
    Reviewer::new(current).policy_contract(policy_contract, current_version).review(calls)
}

struct ReviewState {
    app: AppId,
    current_version: Option<u64>,
    config: AppConfig,
    stale: Option<StaleVersion>,
    warnings: Vec<Warning>,
}

impl ReviewState {
    fn warn_unreviewable(&mut self, index: usize, reason: String) -> CallReading {
        self.warnings.push(Warning::critical(
            WarningKind::Unreviewable,
            format!("call #{index} CANNOT BE REVIEWED: {reason}"),
        ));
        CallReading::Unknown { reason }
    }

    fn policy_contract_call(&mut self, index: usize, call: &ProposedCall) -> CallReading {
        let decoded = match decode_calldata(&call.data) {
            Ok(decoded) => decoded,
            Err(err) => return self.warn_unreviewable(index, err.to_string()),
        };
        if decoded.has_nested_multicall() {
            self.warnings.push(Warning::critical(
                WarningKind::WouldRevert,
                format!("call #{index}: a multicall inside a multicall reverts (NestedMulticall)"),
            ));
        }
        let is_create = matches!(&decoded, DecodedCalldata::Change(c) if matches!(c.change, PolicyChange::CreateApp { .. }));
        if is_create && call.value != CREATE_STAKE {
            self.warnings.push(Warning::critical(
                WarningKind::WouldRevert,
                format!("call #{index}: createApp needs exactly 100 ROSE as value, sends {} wei", call.value),
            ));
        } else if !is_create && !call.value.is_zero() {
            self.warnings.push(Warning::critical(
                WarningKind::WouldRevert,
                format!("call #{index}: sends {} wei to a function that is not payable", call.value),
            ));
        }

        for function in decoded.not_interpreted() {
            self.warnings.push(Warning::critical(
                WarningKind::Unreviewable,
                format!(
                    "call #{index}: {function} CANNOT BE REVIEWED: this version of roflgov does not interpret it, \
                     so its effect is missing from the changes below"
                ),
            ));
        }
        for owner_call in decoded.owner_calls() {
            match owner_call {
                OwnerCall::TransferOwnership { new_owner } => self.warnings.push(Warning::critical(
                    WarningKind::OwnershipTransfer,
                    format!(
                        "call #{index}: proposes {new_owner} as the new owner of the policy contract, \
                         and so of every app it manages"
                    ),
                )),
                OwnerCall::AcceptOwnership => self.warnings.push(Warning::caution(
                    WarningKind::OwnershipTransfer,
                    format!("call #{index}: accepts ownership of the policy contract"),
                )),
                OwnerCall::RenounceOwnership => self.warnings.push(Warning::critical(
                    WarningKind::WouldRevert,
                    format!("call #{index}: renounceOwnership is disabled and reverts"),
                )),
                OwnerCall::View { function } => self.warnings.push(Warning::caution(
                    WarningKind::Unreviewable,
                    format!("call #{index}: {function} is a view; sending it changes nothing"),
                )),
                OwnerCall::WithdrawStake => {}
            }
        }

        let mut touched = false;
        for change in decoded.changes() {
            let name = change.change.function_name();
            match change.app {
                None => {
                    self.warnings.push(Warning::caution(
                        WarningKind::AppCreated,
                        format!("call #{index}: {name} creates a new app (not part of this diff)"),
                    ));
                    continue;
                }
                Some(app) if app != self.app => {
                    self.warnings.push(Warning::caution(
                        WarningKind::OtherApp,
                        format!("call #{index}: {name} targets another app, {app} (not part of this diff)"),
                    ));
                    continue;
                }
                Some(_) => {}
            }
            match (change.expected_version, self.current_version) {
                (Some(0), _) => self.warnings.push(Warning::caution(
                    WarningKind::NoVersionCheck,
                    format!(
                        "call #{index} has no version check (expectedVersion 0): it applies over any change \
                         made after it was drafted"
                    ),
                )),
                (Some(expected), Some(current)) if expected != current && self.stale.is_none() => {
                    self.stale = Some(StaleVersion { expected, current });
                    self.warnings.push(Warning::critical(
                        WarningKind::StaleVersion,
                        format!(
                            "STALE PROPOSAL: drafted against version {expected}, the app is at version {current}; \
                             it will revert with StaleVersion"
                        ),
                    ));
                }
                _ => {}
            }
            if matches!(change.change, PolicyChange::RemoveApp) {
                self.warnings.push(Warning::critical(
                    WarningKind::AppRemoved,
                    format!(
                        "call #{index}: THE APP WOULD BE REMOVED (stake refunded to the policy contract)"
                    ),
                ));
            }
            match change.change.apply(&mut self.config) {
                Ok(()) => touched = true,
                Err(err) => self.warnings.push(Warning::critical(
                    WarningKind::WouldRevert,
                    format!("call #{index}: {name} would revert: {err}"),
                )),
            }
        }
        // One rofl.Update per top-level call; the contract refuses to send an empty list.
        if touched && let Err(err) = check_sendable(&self.config) {
            self.warnings.push(Warning::critical(
                WarningKind::WouldRevert,
                format!("call #{index} would revert: {err}"),
            ));
        }
        CallReading::PolicyContract { decoded }
    }

    fn subcall(&mut self, index: usize, call: &ProposedCall) -> CallReading {
        let input = match decode_subcall(&call.data) {
            Ok(input) => input,
            Err(err) => return self.warn_unreviewable(index, format!("subcall precompile: {err}")),
        };
        if !call.value.is_zero() {
            self.warnings.push(Warning::critical(
                WarningKind::WouldRevert,
                format!("call #{index}: sends {} wei to the subcall precompile", call.value),
            ));
        }
        let decoded = match cbor::decode_call(&input.method, &input.body) {
            Ok(decoded) => decoded,
            Err(err) => {
                return self.warn_unreviewable(
                    index,
                    format!("{} body does not decode strictly: {err}", input.method),
                );
            }
        };
        let method = input.method;
        match decoded {
            RoflCall::Create(_) => {
                self.warnings.push(Warning::caution(
                    WarningKind::AppCreated,
                    format!("call #{index}: rofl.Create creates a new app (not part of this diff)"),
                ));
                CallReading::Subcall { method, app: None }
            }
            RoflCall::Remove(remove) => {
                if remove.id == self.app {
                    self.warnings.push(Warning::critical(
                        WarningKind::AppRemoved,
                        format!("call #{index}: THE APP WOULD BE REMOVED by a direct rofl.Remove"),
                    ));
                } else {
                    self.warnings.push(Warning::caution(
                        WarningKind::OtherApp,
                        format!("call #{index}: rofl.Remove targets another app, {}", remove.id),
                    ));
                }
                CallReading::Subcall { method, app: Some(remove.id) }
            }
            RoflCall::Update(update) => {
                let app = update.id;
                if app != self.app {
                    self.warnings.push(Warning::caution(
                        WarningKind::OtherApp,
                        format!(
                            "call #{index}: rofl.Update targets another app, {app} (not part of this diff)"
                        ),
                    ));
                } else {
                    self.warnings.push(Warning::caution(
                        WarningKind::NoVersionCheck,
                        format!(
                            "call #{index}: a direct rofl.Update replaces the whole config with no version check; \
                             any change made since it was drafted is reverted"
                        ),
                    ));
                    self.config = AppConfig {
                        id: update.id,
                        policy: update.policy,
                        admin: update.admin,
                        metadata: update.metadata,
                        secrets: update.secrets,
                    };
                }
                CallReading::Subcall { method, app: Some(app) }
            }
        }
    }
}
