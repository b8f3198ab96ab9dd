//! [`review_calls`]: decode the calls of a Safe transaction or a Governor proposal, apply them
//! to a copy of the app's current config, and say what would change.

use std::collections::BTreeMap;

use alloy_primitives::{Address, B256, Bytes, U256};
use roflgov_types::{
    AllowedEndorsement, AppConfig, AppId, EnclaveIdentity, RoflCall, cbor, ids::Address as OasisAddress,
};
use serde::Serialize;

use super::diff::{Change, ConfigDiff, EnclaveNotes, Warning, WarningKind};
use crate::rofl::{
    ApplyContext, CREATE_STAKE, DecodedCalldata, KeyLock, LockState, MachineCall, OwnerCall, PolicyChange,
    ReleaseRecord, ReleaseState, check_sendable_with, decode_calldata, enclave_text_id, format_deadline,
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
#[allow(
    clippy::large_enum_variant,
    reason = "built once per call read and serialized for output, never stored in bulk; boxing would only complicate the public type"
)]
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

/// A release record a proposal adds, with what the reviewer's files say about it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ReleaseLine {
    /// The id it will get (1-based, per app).
    pub release_id: u32,
    /// The record.
    pub record: ReleaseRecord,
    /// The identities it allows (rofl.yaml `id` form).
    pub identities: Vec<String>,
    /// Whether `record.bundle_hash` is the sha256 of the bundle supplied (`None`: none supplied).
    pub bundle_matches: Option<bool>,
    /// Whether `record.manifest_hash` is the sha256 of the rofl.yaml supplied (`None`: none).
    pub manifest_matches: Option<bool>,
}

/// A grace deadline a proposal sets (or cancels, `retire_at` 0).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct DeadlineLine {
    /// The identity (rofl.yaml `id` form).
    pub identity: String,
    /// Unix seconds; 0 = cancelled.
    pub retire_at: u64,
    /// `2025-12-21 14:54 UTC (in 30d 0h)`, relative to the review's time.
    pub human: String,
}

/// What a proposal changes in roflgov's own state next to the config: releases, deadlines,
/// guardian, freeze, revocations and prunes.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct GovernanceChanges {
    /// Release records added.
    pub releases: Vec<ReleaseLine>,
    /// Grace deadlines set or cancelled.
    pub deadlines: Vec<DeadlineLine>,
    /// The guardian, when it changes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub guardian: Option<Change<Option<Address>>>,
    /// The freeze, when it changes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub frozen: Option<Change<bool>>,
    /// Identities revoked (rofl.yaml `id` form).
    pub revoked: Vec<String>,
    /// Identities a `prune` removes (rofl.yaml `id` form).
    pub pruned: Vec<String>,
    /// One-way locks the proposal adds (they can never be undone).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub locks: Vec<String>,
}

impl GovernanceChanges {
    /// Whether nothing changes.
    pub fn is_empty(&self) -> bool {
        self.releases.is_empty()
            && self.deadlines.is_empty()
            && self.guardian.is_none()
            && self.frozen.is_none()
            && self.revoked.is_empty()
            && self.pruned.is_empty()
            && self.locks.is_empty()
    }
}

/// One lock of the app, as a review shows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct LockLine {
    /// What is locked (`public variable "env.MODE"`, `floor: max_expiration may only go down`),
    /// escaped.
    pub lock: String,
    /// Fixed, or set-once and not set yet.
    pub status: KeyLock,
    /// Added by this proposal.
    pub new: bool,
}

/// The lock lines of `locks` over `config`, those not in `before` marked new.
pub fn lock_lines(locks: &LockState, config: &AppConfig, before: &LockState) -> Vec<LockLine> {
    let old: Vec<String> = before.lines(config).into_iter().map(|(lock, _)| lock).collect();
    locks
        .lines(config)
        .into_iter()
        .map(|(lock, status)| LockLine { new: !old.contains(&lock), lock, status })
        .collect()
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
    /// Releases, deadlines, guardian, freeze, revocations and prunes.
    pub governance: GovernanceChanges,
    /// The review's "now" (unix seconds), when known: deadlines are checked and shown against it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub now: Option<u64>,
    /// The app's one-way locks after the calls (new ones marked): what no later proposal changes.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub locks: Vec<LockLine>,
    /// Every warning: about the calls, then about the resulting config.
    pub warnings: Vec<Warning>,
    /// Facts worth knowing that are no warning (e.g. how long removed identities stay
    /// registered).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
    /// The config after the calls (not serialized: it carries secret ciphertexts).
    #[serde(skip)]
    pub resulting: AppConfig,
    /// roflgov's state after the calls.
    #[serde(skip)]
    pub resulting_state: ReleaseState,
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
    state: ReleaseState,
    now: Option<u64>,
    bundle_hash: Option<B256>,
    manifest_hash: Option<B256>,
    expected_guardians: Vec<Address>,
    has_code: BTreeMap<Address, bool>,
    accounted_targets: bool,
}

impl<'a> Reviewer<'a> {
    /// A reviewer of proposals against `current`.
    pub fn new(current: &'a AppConfig) -> Self {
        Self {
            current,
            current_version: None,
            policy_contract: None,
            notes: None,
            state: ReleaseState::default(),
            now: None,
            bundle_hash: None,
            manifest_hash: None,
            expected_guardians: Vec::new(),
            has_code: BTreeMap::new(),
            accounted_targets: false,
        }
    }

    /// roflgov's current state of the app (guardian, freeze, releases, deadlines): without it
    /// the review assumes none (no guardian, not frozen, no records, no deadlines).
    pub fn release_state(mut self, state: ReleaseState) -> Self {
        self.state = state;
        self
    }

    /// The time (unix seconds) the calls are expected to run at: grace deadlines are checked
    /// against it (future, within a year), `prune` needs it, and deadlines are shown relative
    /// to it.
    pub fn now(mut self, now: u64) -> Self {
        self.now = Some(now);
        self
    }

    /// sha256 of the ORC bundle the reviewer built or downloaded: every release record must
    /// carry exactly this hash (a mismatch is critical).
    pub fn bundle_hash(mut self, hash: B256) -> Self {
        self.bundle_hash = Some(hash);
        self
    }

    /// sha256 of the rofl.yaml the reviewer has: a release record with another hash is a
    /// caution (the file may have been edited since the build).
    pub fn manifest_hash(mut self, hash: B256) -> Self {
        self.manifest_hash = Some(hash);
        self
    }

    /// Guardians the reviewer expects (a guardian set to anyone else is a caution).
    pub fn expect_guardians(mut self, guardians: impl IntoIterator<Item = Address>) -> Self {
        self.expected_guardians.extend(guardians);
        self
    }

    /// Whether `account` has code (a contract, e.g. a Safe) or not (an EOA: one key).
    pub fn account_code(mut self, account: Address, has_code: bool) -> Self {
        self.has_code.insert(account, has_code);
        self
    }

    /// The policy contract and its version of the app (enables stale-version checks).
    pub fn policy_contract(mut self, address: Address, current_version: u64) -> Self {
        self.policy_contract = Some(address);
        self.current_version = Some(current_version);
        self
    }

    /// The policy contract, for an app it does not manage (yet): calls that adopt or create
    /// apps are applied, and no version is checked.
    pub fn policy_contract_unmanaged(mut self, address: Address) -> Self {
        self.policy_contract = Some(address);
        self
    }

    /// Calls to other targets are judged by the caller (the firewall): this review says
    /// nothing about them.
    pub fn accounted_targets(mut self) -> Self {
        self.accounted_targets = true;
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
            version_now: self.current_version,
            config: self.current.clone(),
            release: self.state.clone(),
            now: self.now,
            policy_contract: self.policy_contract,
            governance: GovernanceChanges::default(),
            stale: None,
            warnings: Vec::new(),
            deleted_on_purpose: Vec::new(),
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
                match decode_subcall(&call.data) {
                    // Machine commands (`roflmarket.*`) touch no app config: the firewall
                    // reviews them.
                    Ok(input)
                        if self.accounted_targets
                            && roflgov_types::market::is_market_method(&input.method) =>
                    {
                        CallReading::Subcall { method: input.method, app: None }
                    }
                    _ => state.subcall(index, call),
                }
            } else if self.accounted_targets {
                CallReading::Unknown { reason: format!("not a call on this app ({})", call.to) }
            } else {
                state.warn_unreviewable(
                    index,
                    format!("unknown target {}: not the policy contract nor the subcall precompile", call.to),
                )
            };
            reviewed.push(ReviewedCall { index, to: call.to, value: call.value, reading });
        }
        let mut diff = ConfigDiff::between(self.current, &state.config, self.notes);
        for line in diff
            .enclaves_added
            .iter_mut()
            .chain(diff.enclaves_kept.iter_mut())
            .chain(diff.enclaves_removed.iter_mut())
        {
            line.release =
                state.release.release_of(&line.identity).map(|(id, record)| (id, record.version.clone()));
        }
        self.check_governance(&mut state);
        // A key a call deletes by name is the proposal's stated change: a caution, not the
        // critical silent drop of a whole-config write (adoption, a direct rofl.Update).
        for warning in &mut diff.warnings {
            let named = |key: &String| {
                warning.message.contains(&format!("{} WOULD DISAPPEAR", crate::text::escape(key)))
            };
            if matches!(warning.kind, WarningKind::MetadataKeyRemoved | WarningKind::SecretRemoved)
                && state.deleted_on_purpose.iter().any(named)
            {
                warning.severity = super::diff::Severity::Caution;
            }
        }
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
            governance: state.governance,
            now: self.now,
            locks: lock_lines(&state.release.locks, &state.config, &self.state.locks),
            warnings,
            notes: Vec::new(),
            resulting: state.config,
            resulting_state: state.release,
        }
    }

    /// Checks the release records against the reviewer's files and the guardian against the
    /// expected ones; fills the guardian and freeze changes.
    fn check_governance(&self, state: &mut ReviewState) {
        for line in &mut state.governance.releases {
            if let Some(hash) = self.bundle_hash {
                let matches = line.record.bundle_hash == hash;
                line.bundle_matches = Some(matches);
                if !matches {
                    state.warnings.push(Warning::critical(
                        WarningKind::BundleMismatch,
                        format!(
                            "RELEASE {} ({}) RECORDS BUNDLE sha256 {}, BUT THE BUNDLE YOU SUPPLIED HAS sha256 {}: \
                             the identities it allows are not proven to come from your bundle",
                            line.release_id,
                            line.record.version,
                            alloy_primitives::hex::encode(line.record.bundle_hash),
                            alloy_primitives::hex::encode(hash)
                        ),
                    ));
                }
            }
            if let Some(hash) = self.manifest_hash {
                let matches = line.record.manifest_hash == hash;
                line.manifest_matches = Some(matches);
                if !matches {
                    state.warnings.push(Warning::caution(
                        WarningKind::ManifestMismatch,
                        format!(
                            "release {} ({}) records rofl.yaml sha256 {}, your rofl.yaml has sha256 {} \
                             (edited since the build, or another commit?)",
                            line.release_id,
                            line.record.version,
                            alloy_primitives::hex::encode(line.record.manifest_hash),
                            alloy_primitives::hex::encode(hash)
                        ),
                    ));
                }
            }
        }
        if self.state.guardian != state.release.guardian {
            let change = Change { before: self.state.guardian, after: state.release.guardian };
            match change.after {
                None => state.warnings.push(Warning::caution(
                    WarningKind::GuardianChanged,
                    "the guardian is removed: nobody can revoke a bad release faster than a full proposal",
                )),
                Some(guardian) if !self.expected_guardians.contains(&guardian) => {
                    let what = match self.has_code.get(&guardian) {
                        Some(false) => "an EOA (a single key)",
                        Some(true) => "a contract",
                        None => "an account of unknown kind",
                    };
                    state.warnings.push(Warning::critical(
                        WarningKind::GuardianChanged,
                        format!(
                            "THE GUARDIAN BECOMES {guardian}, {what} you did not say you expect (--expect-guardian): \
                             it can revoke identities and freeze the app at once, without a vote"
                        ),
                    ))
                }
                Some(_) => {}
            }
            state.governance.guardian = Some(change);
        }
        if self.state.frozen != state.release.frozen {
            state.governance.frozen = Some(Change { before: self.state.frozen, after: state.release.frozen });
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
    /// The app's version when the call under review runs: each earlier top-level call that
    /// sent an update for the app bumped it by one.
    version_now: Option<u64>,
    config: AppConfig,
    release: ReleaseState,
    now: Option<u64>,
    policy_contract: Option<Address>,
    governance: GovernanceChanges,
    stale: Option<StaleVersion>,
    warnings: Vec<Warning>,
    /// Metadata keys and secret names the calls delete on purpose (`deleteMetadata`,
    /// `deleteSecret`): their disappearance is what the proposal says, not a silent drop.
    deleted_on_purpose: Vec<String>,
}

/// Whether an endorsement tree names `admin` as `provider_instance_admin` anywhere.
fn names_instance_admin(endorsements: &[AllowedEndorsement], admin: OasisAddress) -> bool {
    endorsements.iter().any(|e| match e {
        AllowedEndorsement::ProviderInstanceAdmin(a) => *a == admin,
        AllowedEndorsement::And(children) | AllowedEndorsement::Or(children) => {
            names_instance_admin(children, admin)
        }
        _ => false,
    })
}

impl ReviewState {
    /// Findings of a marketplace machine call: ending a machine (terminate, cancel, hand-over) and
    /// wiping its storage are critical; spending the contract's balance is worth a look; a
    /// hand-over while the policy endorses instances by the contract as `provider_instance_admin`
    /// stops the machine's new instances from registering.
    fn machine_warnings(&mut self, index: usize, machine: &MachineCall) {
        let mut found = Vec::new();
        match machine {
            MachineCall::Terminate { .. } | MachineCall::Cancel { .. } => found.push(Warning::critical(
                WarningKind::MachineEnded,
                format!("call #{index}: {machine}: the machine stops serving the app"),
            )),
            MachineCall::ChangeAdmin { new_admin, .. } => {
                found.push(Warning::critical(
                    WarningKind::MachineEnded,
                    format!("call #{index}: {machine}: the policy contract loses control of the machine"),
                ));
                if let Some(contract) = self.policy_contract {
                    let old_admin = OasisAddress::from_eth(contract);
                    if names_instance_admin(&self.config.policy.endorsements, old_admin)
                        && !names_instance_admin(&self.config.policy.endorsements, *new_admin)
                    {
                        found.push(Warning::critical(
                            WarningKind::MachineEnded,
                            format!(
                                "call #{index}: the endorsement policy accepts instances whose admin is the policy \
                                 contract ({old_admin}) but not {new_admin}: instances on this machine could no \
                                 longer register; change the endorsements in the same batch"
                            ),
                        ));
                    }
                }
            }
            MachineCall::Rent { .. } | MachineCall::SetTopUp { .. } => found
                .push(Warning::caution(WarningKind::MachineSpending, format!("call #{index}: {machine}"))),
            MachineCall::Deploy { .. } | MachineCall::Restart { .. } | MachineCall::TopUp { .. } => {}
        }
        if machine.wipes_storage() {
            found.push(Warning::critical(
                WarningKind::MachineStorageWiped,
                format!("call #{index}: {machine}: WIPES the machine's storage (the app's persistent state)"),
            ));
        }
        self.warnings.extend(found);
    }

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
        } else if !is_create
            && !call.value.is_zero()
            && !decoded.owner_calls().contains(&&OwnerCall::FundMachines)
        {
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
        // Machine calls are read after the call's config changes, so that a hand-over checks
        // the endorsement policy the same call leaves behind (`owner machine change-admin`).
        let mut machines = Vec::new();
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
                // Each app's review reports its own machines (the firewall reviews every app a
                // machine call names).
                OwnerCall::Machine(machine) if machine.app() == self.app => machines.push(machine),
                OwnerCall::Machine(_) => {}
                OwnerCall::FundMachines => self.warnings.push(Warning::caution(
                    WarningKind::MachineSpending,
                    format!(
                        "call #{index}: fundMachines adds {} wei to the policy contract's balance",
                        call.value
                    ),
                )),
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
            match (change.expected_version, self.version_now) {
                (Some(0), _) => self.warnings.push(Warning::caution(
                    WarningKind::NoVersionCheck,
                    format!(
                        "call #{index} has no version check (expectedVersion 0): it applies over any change \
                         made after it was drafted"
                    ),
                )),
                (Some(expected), Some(now)) if expected != now && self.stale.is_none() => {
                    let current = self.current_version.unwrap_or(now);
                    self.stale = Some(StaleVersion { expected, current });
                    let when = if now == current {
                        format!("the app is at version {current}")
                    } else {
                        format!(
                            "the app will be at version {now} when it runs (earlier calls each send an update)"
                        )
                    };
                    self.warnings.push(Warning::critical(
                        WarningKind::StaleVersion,
                        format!(
                            "STALE: call #{index} expects version {expected}, {when}; it will revert with StaleVersion \
                             (and the whole transaction with it)"
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
            match &change.change {
                PolicyChange::DeleteMetadata { key } => self.deleted_on_purpose.push(key.clone()),
                PolicyChange::DeleteSecret { name } => self.deleted_on_purpose.push(name.clone()),
                _ => {}
            }
            let ctx = ApplyContext {
                in_batch: matches!(decoded, DecodedCalldata::Multicall { .. }),
                now: self.now,
                contract: self.policy_contract,
                ..Default::default()
            };
            let before = self.config.clone();
            match change.change.apply_to(&mut self.config, &mut self.release, &ctx) {
                Ok(()) => {
                    touched |= change.change.sends_update();
                    self.note_governance(index, &change.change, &before);
                }
                Err(err) if err.breaks_lock() => self.warnings.push(Warning::critical(
                    WarningKind::LockBroken,
                    format!(
                        "call #{index}: {name} BREAKS A ONE-WAY LOCK and would revert (the whole proposal with it): {err}"
                    ),
                )),
                Err(err) => self.warnings.push(Warning::critical(
                    WarningKind::WouldRevert,
                    format!("call #{index}: {name} would revert: {err}"),
                )),
            }
        }
        for machine in machines {
            self.machine_warnings(index, machine);
        }
        // One rofl.Update per top-level call; the contract refuses to send an empty list (or,
        // frozen, any identity).
        if touched && let Some(version) = self.version_now.as_mut() {
            *version += 1;
        }
        if touched && let Err(err) = check_sendable_with(&self.config, &self.release) {
            self.warnings.push(Warning::critical(
                WarningKind::WouldRevert,
                format!("call #{index} would revert: {err}"),
            ));
        }
        CallReading::PolicyContract { decoded }
    }

    /// Records what a change (applied successfully) does to roflgov's own state.
    fn note_governance(&mut self, index: usize, change: &PolicyChange, before: &AppConfig) {
        let deadline_line = |identity: &EnclaveIdentity, retire_at: u64, now: Option<u64>| DeadlineLine {
            identity: enclave_text_id(identity),
            retire_at,
            human: if retire_at == 0 { "cancelled".into() } else { format_deadline(retire_at, now) },
        };
        match change {
            PolicyChange::AddRelease { identities, record, retire, grace_until } => {
                self.governance.releases.push(ReleaseLine {
                    release_id: self.release.releases.len() as u32,
                    record: record.clone(),
                    identities: identities.iter().map(enclave_text_id).collect(),
                    bundle_matches: None,
                    manifest_matches: None,
                });
                if *grace_until != 0 {
                    for identity in retire {
                        self.governance.deadlines.push(deadline_line(identity, *grace_until, self.now));
                    }
                    self.warnings.push(Warning::caution(
                        WarningKind::GraceDeadline,
                        format!(
                            "call #{index}: {} old identit{} stay{} allowed until {}; after that anyone may prune {}",
                            retire.len(),
                            if retire.len() == 1 { "y" } else { "ies" },
                            if retire.len() == 1 { "s" } else { "" },
                            format_deadline(*grace_until, self.now),
                            if retire.len() == 1 { "it" } else { "them" }
                        ),
                    ));
                }
            }
            PolicyChange::SetRetirement { identity, deadline } => {
                self.governance.deadlines.push(deadline_line(identity, *deadline, self.now));
            }
            PolicyChange::LockMetadata { .. } | PolicyChange::LockSecret { .. } | PolicyChange::LockFloors(_) => {
                let lock = match change {
                    PolicyChange::LockMetadata { key } => {
                        let what = if super::is_public_var(key) { "public variable" } else { "metadata key" };
                        let value = self.config.metadata.get(key).map_or_else(
                            || "absent: it may be set ONCE, then never again".to_owned(),
                            |value| format!("fixed at \"{}\"", crate::text::escape(value)),
                        );
                        format!("{what} \"{}\" ({value})", crate::text::escape(key))
                    }
                    PolicyChange::LockSecret { name } => {
                        let value = if self.config.secrets.contains_key(name) {
                            "fixed at its current value"
                        } else {
                            "absent: it may be set ONCE, then never again"
                        };
                        format!("secret \"{}\" ({value})", crate::text::escape(name))
                    }
                    PolicyChange::LockFloors(floors) => format!("floors: {}", floors.descriptions().join("; ")),
                    _ => unreachable!("matched above"),
                };
                self.warnings.push(Warning::caution(
                    WarningKind::OneWayLock,
                    format!(
                        "call #{index}: ONE-WAY LOCK of the {lock}: it can NEVER be undone, by any later proposal"
                    ),
                ));
                self.governance.locks.push(lock);
            }
            PolicyChange::RevokeEnclave(identity) => {
                self.governance.revoked.push(enclave_text_id(identity));
                self.warnings.push(Warning::caution(
                    WarningKind::Revocation,
                    format!(
                        "call #{index}: revokes {}: it can no longer register or renew; registrations made before keep \
                         their rights until they expire (at most max_expiration epochs)",
                        enclave_text_id(identity)
                    ),
                ));
            }
            PolicyChange::Freeze => self.warnings.push(Warning::critical(
                WarningKind::FreezeChanged,
                format!("call #{index}: FREEZES THE APP: every identity is removed and every instance refused until governance unfreezes it"),
            )),
            PolicyChange::Unfreeze => self.warnings.push(Warning::caution(
                WarningKind::FreezeChanged,
                format!("call #{index}: lifts the freeze; check that the identities allowed again are the fixed ones"),
            )),
            PolicyChange::Prune => {
                self.governance.pruned.extend(
                    before
                        .policy
                        .enclaves
                        .iter()
                        .filter(|id| !self.config.policy.enclaves.contains(id))
                        .map(enclave_text_id),
                );
            }
            _ => {}
        }
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
                    self.config = AppConfig::from(update);
                }
                CallReading::Subcall { method, app: Some(app) }
            }
        }
    }
}
