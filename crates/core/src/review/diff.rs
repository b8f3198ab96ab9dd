//! [`ConfigDiff`]: what changes between two app configs, in words a signer can check, with
//! loud [`Warning`]s for the changes that cannot be undone.

use std::collections::BTreeMap;

use roflgov_types::{
    AppConfig, AppId, EnclaveIdentity, FeePolicy,
    ids::Address as OasisAddress,
    manifest::{DeploymentConfig, EnclaveEntry},
};
use serde::{Deserialize, Serialize};

use super::text::{quote_fields, render_endorsements};
use crate::{rofl::enclave_text_id, text::escape};

/// Release notes of enclave identities (`version`, `description` from rofl.yaml), shown next
/// to the identities a change adds or removes.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct EnclaveNotes {
    notes: BTreeMap<EnclaveIdentity, EnclaveNote>,
}

/// The notes of one identity.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct EnclaveNote {
    /// `version` in rofl.yaml.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// `description` in rofl.yaml.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Where the note comes from (deployment name, file).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
}

impl EnclaveNotes {
    /// No notes.
    pub fn new() -> Self {
        Self::default()
    }

    /// Notes from rofl.yaml enclave entries.
    pub fn from_entries(entries: &[EnclaveEntry], source: Option<&str>) -> Self {
        let mut notes = Self::new();
        notes.add_entries(entries, source);
        notes
    }

    /// Notes of one rofl.yaml deployment.
    pub fn from_deployment(deployment: &DeploymentConfig) -> Self {
        Self::from_entries(&deployment.enclaves, Some(&format!("rofl.yaml deployment {}", deployment.name)))
    }

    /// Adds entries; an identity already known keeps its earlier note.
    pub fn add_entries(&mut self, entries: &[EnclaveEntry], source: Option<&str>) {
        for entry in entries {
            self.notes.entry(entry.identity).or_insert_with(|| EnclaveNote {
                version: entry.version.clone(),
                description: entry.description.clone(),
                source: source.map(str::to_owned),
            });
        }
    }

    /// Adds one note.
    pub fn insert(&mut self, identity: EnclaveIdentity, note: EnclaveNote) {
        self.notes.insert(identity, note);
    }

    /// The note of `identity`.
    pub fn get(&self, identity: &EnclaveIdentity) -> Option<&EnclaveNote> {
        self.notes.get(identity)
    }
}

/// An enclave identity as reviewers see it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct EnclaveLine {
    /// base64(mr_enclave ‖ mr_signer), the rofl.yaml `id`.
    pub id: String,
    /// The raw identity.
    pub identity: EnclaveIdentity,
    /// `tdx` (zero `mr_signer`) or `sgx`.
    pub tee: &'static str,
    /// rofl.yaml notes, when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<EnclaveNote>,
    /// The on-chain release the identity carries (id and version), when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub release: Option<(u32, String)>,
}

impl EnclaveLine {
    fn new(identity: &EnclaveIdentity, notes: Option<&EnclaveNotes>) -> Self {
        Self {
            id: enclave_text_id(identity),
            identity: *identity,
            tee: if identity.mr_signer.is_zero() { "tdx" } else { "sgx" },
            note: notes.and_then(|notes| notes.get(identity)).cloned(),
            release: None,
        }
    }
}

/// A value before and after.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Change<T> {
    /// Current value.
    pub before: T,
    /// Value after the change.
    pub after: T,
}

/// One quote-policy field that changes.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct FieldChange {
    /// Field path, e.g. `pcs.tcb_validity_period`.
    pub field: String,
    /// Current value, rendered.
    pub before: String,
    /// New value, rendered.
    pub after: String,
}

/// A metadata change (values are public and shown).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum MetadataChange {
    /// A new key.
    Added {
        /// Key.
        key: String,
        /// Value.
        value: String,
    },
    /// A new value for a key.
    Changed {
        /// Key.
        key: String,
        /// Current value.
        before: String,
        /// New value.
        after: String,
    },
    /// A removed key.
    Removed {
        /// Key.
        key: String,
        /// The value that goes.
        value: String,
    },
}

impl MetadataChange {
    /// The key.
    pub fn key(&self) -> &str {
        match self {
            MetadataChange::Added { key, .. }
            | MetadataChange::Changed { key, .. }
            | MetadataChange::Removed { key, .. } => key,
        }
    }
}

/// A secret change: names only, never values (they are encrypted anyway, and a review is
/// pasted into chats and tickets).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "op", content = "name", rename_all = "snake_case")]
pub enum SecretChange {
    /// A new secret.
    Added(String),
    /// A new ciphertext for an existing secret.
    Changed(String),
    /// A removed secret.
    Removed(String),
}

/// How bad a warning is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// Worth a second look.
    Caution,
    /// Irreversible damage, a revert, or something that cannot be reviewed: do not sign unless
    /// this is exactly what you intend.
    Critical,
}

/// What a warning is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WarningKind {
    /// The app would have no admin: nobody could ever update or remove it.
    AdminRemoved,
    /// The admin changes to another address.
    AdminChanged,
    /// All metadata would be wiped.
    MetadataWiped,
    /// All secrets would be wiped.
    SecretsWiped,
    /// No enclave identity would be allowed: every instance locked out.
    NoEnclaves,
    /// The app would be removed.
    AppRemoved,
    /// No endorsement would be allowed: no instance can register.
    NoEndorsements,
    /// Instances could be endorsed by any node.
    AnyEndorsement,
    /// PCS quotes would be refused (disabled or absent): no instance could attest.
    QuotesRefused,
    /// The proposal was drafted against another version.
    StaleVersion,
    /// The proposal carries no version check.
    NoVersionCheck,
    /// A call cannot be decoded or targets an unknown contract.
    Unreviewable,
    /// A call targets another app than the one reviewed.
    OtherApp,
    /// A call would revert on chain.
    WouldRevert,
    /// The policy contract's ownership moves.
    OwnershipTransfer,
    /// A new app is created.
    AppCreated,
    /// A release record's bundle hash differs from the bundle the reviewer supplied.
    BundleMismatch,
    /// A release record's rofl.yaml hash differs from the rofl.yaml the reviewer supplied.
    ManifestMismatch,
    /// The revoke-only guardian changes (or goes).
    GuardianChanged,
    /// The app is frozen or unfrozen.
    FreezeChanged,
    /// An identity is revoked: it can no longer register or renew (existing registrations run out).
    Revocation,
    /// A grace deadline is set, moved or cancelled.
    GraceDeadline,
    /// The state the review needs (the chain, an app's config, the Safe) is unknown.
    StateUnknown,
    /// The transaction names another chain than the RPC serves.
    WrongChain,
    /// A Safe transaction pays a gas refund (or sets refund fields, or limits the inner gas).
    GasRefund,
    /// The Safe nonce is used: executed, or replaced by another transaction.
    NonceUsed,
    /// The Safe nonce is ahead: queued behind other transactions.
    NonceQueued,
    /// A signature in the file does not count (invalid, not an owner, not approved on chain).
    SignatureNotCounted,
    /// A DELEGATECALL into anything but the canonical MultiSendCallOnly.
    DelegateCall,
    /// Value leaves the executor other than `createApp`'s stake.
    ValueTransfer,
    /// A call to a target that is neither the policy contract nor the subcall precompile.
    UnknownTarget,
    /// The Safe (or Timelock) calls itself: owners, threshold, modules, guard, handler.
    SafeSelfCall,
    /// The policy contract adopts an app.
    Adoption,
    /// An app's ROFL admin moves to an address the reviewer did not expect.
    AdminHandedOver,
    /// A key or name hides characters or passes for another.
    UnsafeText,
    /// A revoked or retired identity is allowed again.
    IdentityReallowed,
    /// A new identity was not checked against a bundle, manifest or quote.
    IdentityNotVerified,
    /// The policy carries a (legacy) IAS quote policy: Intel retired IAS.
    LegacyIasPolicy,
    /// Public variables (`env.*` metadata) change: what the app does changes, its enclave
    /// identity does not.
    PublicVariables,
    /// A metadata key (a public variable included) would disappear.
    MetadataKeyRemoved,
    /// A secret would disappear.
    SecretRemoved,
    /// A call adds a one-way lock (a key, a secret or a floor): it can never be undone.
    OneWayLock,
    /// A call would break a one-way lock: the contract refuses it.
    LockBroken,
    /// A marketplace machine the policy contract holds stops serving or leaves its control:
    /// terminated, cancelled, or handed to another admin.
    MachineEnded,
    /// A machine command wipes the machine's storage: the app's persistent state is lost.
    MachineStorageWiped,
    /// The policy contract's balance pays for machines: a rent, or the top-up allowance anyone
    /// may spend.
    MachineSpending,
    /// A machine is terminated or its rental cancelled.
    MachineStopped,
    /// A machine is deployed with another app than the one the transaction releases.
    MachineWrongApp,
    /// A Deploy's manifest hash differs from the bundle the reviewer supplied (or that bundle
    /// cannot be deployed).
    MachineManifestMismatch,
    /// A Deploy's manifest hash was not checked against a bundle the reviewer has.
    MachineManifestUnchecked,
    /// A marketplace call that moves money or changes a machine (rent, top-up, restart, admin).
    MachineCall,
    /// A machine's admin moves while the app's endorsement policy still names the old admin as
    /// `provider_instance_admin`: the machine's instances could no longer register.
    MachineAdminEndorsement,
}

/// Prefix of the metadata keys that are public variables (`oasis rofl public-var set`): handed
/// to the containers as environment variables, unencrypted.
pub const PUBLIC_VAR_PREFIX: &str = "env.";

/// Whether a metadata key is a public variable (`env.<NAME>`).
pub fn is_public_var(key: &str) -> bool {
    key.starts_with(PUBLIC_VAR_PREFIX)
}

impl WarningKind {
    /// The snake_case name used in `--json` and by `--override`.
    pub fn name(self) -> String {
        serde_json::to_value(self).ok().and_then(|v| v.as_str().map(str::to_string)).unwrap_or_default()
    }
}

impl std::str::FromStr for WarningKind {
    type Err = String;
    fn from_str(name: &str) -> Result<Self, String> {
        serde_json::from_value(serde_json::Value::String(name.to_string()))
            .map_err(|_| format!("{name:?} is not a finding kind"))
    }
}

/// A warning shown before signing.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Warning {
    /// How bad.
    pub severity: Severity,
    /// What about.
    pub kind: WarningKind,
    /// In words.
    pub message: String,
}

impl Warning {
    /// A critical warning.
    pub fn critical(kind: WarningKind, message: impl Into<String>) -> Self {
        Self { severity: Severity::Critical, kind, message: message.into() }
    }

    /// A cautionary warning.
    pub fn caution(kind: WarningKind, message: impl Into<String>) -> Self {
        Self { severity: Severity::Caution, kind, message: message.into() }
    }
}

/// Everything that differs between two configs of an app.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ConfigDiff {
    /// The app (of the `before` config).
    pub app: AppId,
    /// Identities allowed after but not before.
    pub enclaves_added: Vec<EnclaveLine>,
    /// Identities allowed before but not after.
    pub enclaves_removed: Vec<EnclaveLine>,
    /// Identities allowed before and after.
    pub enclaves_kept: Vec<EnclaveLine>,
    /// The endorsement tree, rendered, when it changes.
    pub endorsements: Option<Change<String>>,
    /// Who pays, when it changes.
    pub fees: Option<Change<FeePolicy>>,
    /// `max_expiration`, when it changes.
    pub max_expiration: Option<Change<u64>>,
    /// Quote policy fields that change.
    pub quotes: Vec<FieldChange>,
    /// Metadata changes, by key (public variables apart, in `public_vars`).
    pub metadata: Vec<MetadataChange>,
    /// Public variable changes (`env.*` metadata keys), by key.
    pub public_vars: Vec<MetadataChange>,
    /// Secret changes, by name.
    pub secrets: Vec<SecretChange>,
    /// The ROFL admin, when it changes.
    pub admin: Option<Change<Option<OasisAddress>>>,
    /// Loud warnings about the changes above.
    pub warnings: Vec<Warning>,
}

impl ConfigDiff {
    /// The diff from `before` to `after`, with rofl.yaml notes for identities when given.
    pub fn between(before: &AppConfig, after: &AppConfig, notes: Option<&EnclaveNotes>) -> Self {
        let line = |identity: &EnclaveIdentity| EnclaveLine::new(identity, notes);
        let old = &before.policy;
        let new = &after.policy;

        let mut diff = ConfigDiff {
            app: before.id,
            enclaves_added: new.enclaves.iter().filter(|id| !old.enclaves.contains(id)).map(line).collect(),
            enclaves_removed: old.enclaves.iter().filter(|id| !new.enclaves.contains(id)).map(line).collect(),
            enclaves_kept: old.enclaves.iter().filter(|id| new.enclaves.contains(id)).map(line).collect(),
            endorsements: (old.endorsements != new.endorsements).then(|| Change {
                before: render_endorsements(&old.endorsements),
                after: render_endorsements(&new.endorsements),
            }),
            fees: (old.fees != new.fees).then_some(Change { before: old.fees, after: new.fees }),
            max_expiration: (old.max_expiration != new.max_expiration)
                .then_some(Change { before: old.max_expiration, after: new.max_expiration }),
            quotes: Vec::new(),
            metadata: Vec::new(),
            public_vars: Vec::new(),
            secrets: Vec::new(),
            admin: (before.admin != after.admin)
                .then_some(Change { before: before.admin, after: after.admin }),
            warnings: Vec::new(),
        };

        if old.quotes != new.quotes {
            let before_fields: BTreeMap<_, _> = quote_fields(&old.quotes).into_iter().collect();
            let after_fields: BTreeMap<_, _> = quote_fields(&new.quotes).into_iter().collect();
            let fields: std::collections::BTreeSet<_> =
                before_fields.keys().chain(after_fields.keys()).collect();
            for field in fields {
                // Only a set IAS policy has a line; its absence reads as what it means.
                let absent = || if *field == "ias" { "none".to_owned() } else { "-".to_owned() };
                let b = before_fields.get(field).cloned().unwrap_or_else(absent);
                let a = after_fields.get(field).cloned().unwrap_or_else(absent);
                if a != b {
                    diff.quotes.push(FieldChange { field: (*field).to_owned(), before: b, after: a });
                }
            }
        }

        let mut metadata = Vec::new();
        for (key, value) in &after.metadata {
            match before.metadata.get(key) {
                None => metadata.push(MetadataChange::Added { key: key.clone(), value: value.clone() }),
                Some(old_value) if old_value != value => metadata.push(MetadataChange::Changed {
                    key: key.clone(),
                    before: old_value.clone(),
                    after: value.clone(),
                }),
                Some(_) => {}
            }
        }
        for (key, value) in &before.metadata {
            if !after.metadata.contains_key(key) {
                metadata.push(MetadataChange::Removed { key: key.clone(), value: value.clone() });
            }
        }
        (diff.public_vars, diff.metadata) =
            metadata.into_iter().partition(|change| is_public_var(change.key()));
        for (name, value) in &after.secrets {
            match before.secrets.get(name) {
                None => diff.secrets.push(SecretChange::Added(name.clone())),
                Some(old_value) if old_value != value => {
                    diff.secrets.push(SecretChange::Changed(name.clone()))
                }
                Some(_) => {}
            }
        }
        for name in before.secrets.keys().filter(|name| !after.secrets.contains_key(*name)) {
            diff.secrets.push(SecretChange::Removed(name.clone()));
        }

        diff.warnings = diff_warnings(before, after);
        diff
    }

    /// Whether nothing changes.
    pub fn is_empty(&self) -> bool {
        self.enclaves_added.is_empty()
            && self.enclaves_removed.is_empty()
            && self.endorsements.is_none()
            && self.fees.is_none()
            && self.max_expiration.is_none()
            && self.quotes.is_empty()
            && self.metadata.is_empty()
            && self.public_vars.is_empty()
            && self.secrets.is_empty()
            && self.admin.is_none()
    }

    /// The text ids of the added identities.
    pub fn added_ids(&self) -> Vec<&str> {
        self.enclaves_added.iter().map(|line| line.id.as_str()).collect()
    }

    /// The text ids of the removed identities.
    pub fn removed_ids(&self) -> Vec<&str> {
        self.enclaves_removed.iter().map(|line| line.id.as_str()).collect()
    }
}

fn diff_warnings(before: &AppConfig, after: &AppConfig) -> Vec<Warning> {
    use roflgov_types::AllowedEndorsement;
    let mut warnings = Vec::new();
    match (before.admin, after.admin) {
        (Some(old), None) => warnings.push(Warning::critical(
            WarningKind::AdminRemoved,
            format!(
                "THE APP WOULD HAVE NO ADMIN (was {old}): nobody could ever update or remove it again, \
                 and its stake would be locked for good"
            ),
        )),
        (old, Some(new)) if old != Some(new) => warnings.push(Warning::caution(
            WarningKind::AdminChanged,
            format!(
                "the ROFL admin changes to {new}{}: that address alone controls the app afterwards",
                old.map(|o| format!(" (was {o})")).unwrap_or_default()
            ),
        )),
        _ => {}
    }
    if !before.metadata.is_empty() && after.metadata.is_empty() {
        let keys: Vec<&str> = before.metadata.keys().map(String::as_str).collect();
        warnings.push(Warning::critical(
            WarningKind::MetadataWiped,
            format!("ALL METADATA WOULD BE WIPED ({})", keys.join(", ")),
        ));
    }
    if !before.secrets.is_empty() && after.secrets.is_empty() {
        let names: Vec<&str> = before.secrets.keys().map(String::as_str).collect();
        warnings.push(Warning::critical(
            WarningKind::SecretsWiped,
            format!("ALL SECRETS WOULD BE WIPED ({}): running instances lose them", names.join(", ")),
        ));
    }
    // One key at a time (when not everything goes, which is said above): a whole-config write
    // (adoption, a direct rofl.Update) built from a file that lacks a key drops it silently.
    if !after.metadata.is_empty() {
        for (key, value) in before.metadata.iter().filter(|(key, _)| !after.metadata.contains_key(*key)) {
            let what = if is_public_var(key) { "PUBLIC VARIABLE" } else { "METADATA KEY" };
            warnings.push(Warning::critical(
                WarningKind::MetadataKeyRemoved,
                format!("{what} {} WOULD DISAPPEAR (was \"{}\")", escape(key), escape(value)),
            ));
        }
    }
    if !after.secrets.is_empty() {
        for name in before.secrets.keys().filter(|name| !after.secrets.contains_key(*name)) {
            warnings.push(Warning::critical(
                WarningKind::SecretRemoved,
                format!("SECRET {} WOULD DISAPPEAR: running instances lose it", escape(name)),
            ));
        }
    }
    let changed_vars: std::collections::BTreeSet<&str> = before
        .metadata
        .keys()
        .chain(after.metadata.keys())
        .map(String::as_str)
        .filter(|key| is_public_var(key) && before.metadata.get(*key) != after.metadata.get(*key))
        .collect();
    if !changed_vars.is_empty() {
        let keys: Vec<&str> = changed_vars.into_iter().collect();
        warnings.push(Warning::caution(
            WarningKind::PublicVariables,
            format!(
                "public variables change ({}): changes what the app does without changing its enclave identity",
                keys.iter().map(|key| escape(key)).collect::<Vec<_>>().join(", ")
            ),
        ));
    }
    if after.policy.enclaves.is_empty() {
        warnings.push(Warning::critical(
            WarningKind::NoEnclaves,
            "THE ENCLAVE LIST WOULD BE EMPTY: every instance would be locked out",
        ));
    }
    if after.policy.endorsements.is_empty() && !before.policy.endorsements.is_empty() {
        warnings.push(Warning::critical(
            WarningKind::NoEndorsements,
            "NO ENDORSEMENT WOULD BE ALLOWED: no instance could register",
        ));
    }
    let has_any = |list: &[AllowedEndorsement]| list.iter().any(|e| matches!(e, AllowedEndorsement::Any {}));
    if has_any(&after.policy.endorsements) && !has_any(&before.policy.endorsements) {
        warnings.push(Warning::caution(
            WarningKind::AnyEndorsement,
            "instances could be endorsed by any node (endorsement `any`)",
        ));
    }
    if let Some(ias) = &after.policy.quotes.ias {
        warnings.push(Warning::caution(
            WarningKind::LegacyIasPolicy,
            format!(
                "IAS quote policy (legacy; Intel retired IAS){}: {}",
                if before.policy.quotes.ias.as_ref() == Some(ias) { ", kept" } else { "" },
                ias.diagnostic()
            ),
        ));
    }
    let pcs_on = |config: &AppConfig| config.policy.quotes.pcs.as_ref().is_some_and(|pcs| !pcs.disabled);
    if pcs_on(before) && !pcs_on(after) {
        warnings.push(Warning::critical(
            WarningKind::QuotesRefused,
            "PCS QUOTES WOULD BE REFUSED (pcs disabled or removed): no instance could attest",
        ));
    }
    warnings
}
