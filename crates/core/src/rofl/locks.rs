//! One-way locks, as the policy contract keeps and enforces them (`contracts/rofl/RoflLockLogic.sol`,
//! `contracts/interfaces/IRoflLocks.sol`).
//!
//! Governance locks a metadata key (a public variable is the `env.<NAME>` key), a secret, or
//! floors: policy values that later changes may only tighten. Nothing unlocks. A key or secret
//! absent when it is locked may be set once (then it is fixed); a locked key is never deleted.
//! An app with any lock is never handed to another admin.

use roflgov_types::{AppConfig, QuotePolicy, TdxModulePolicy};
use serde::{Deserialize, Serialize};

/// The floor bits of `lockFloors` (`FLOOR_*` in `IRoflLocks.sol`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Floors(pub u8);

impl Floors {
    /// `min_tcb_evaluation_data_number` never goes down (a policy without PCS counts as 0).
    pub const MIN_TCB_EVALUATION_DATA_NUMBER: Floors = Floors(1);
    /// The accepted TDX modules only shrink.
    pub const TDX_MODULES: Floors = Floors(2);
    /// `max_expiration` never goes up.
    pub const MAX_EXPIRATION: Floors = Floors(4);
    /// Every floor.
    pub const ALL: Floors = Floors(7);

    /// The floors and their names, as the CLI and the review spell them.
    pub const NAMED: [(Floors, &'static str); 3] = [
        (Floors::MIN_TCB_EVALUATION_DATA_NUMBER, "min-tcb"),
        (Floors::TDX_MODULES, "tdx-modules"),
        (Floors::MAX_EXPIRATION, "max-expiration"),
    ];

    /// Whether every bit of `other` is set here.
    pub fn contains(self, other: Floors) -> bool {
        self.0 & other.0 == other.0 && other.0 != 0
    }

    /// Whether no floor is set.
    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// The floor of a CLI name (`min-tcb`, `tdx-modules`, `max-expiration`).
    pub fn from_name(name: &str) -> Option<Floors> {
        Self::NAMED.iter().find(|(_, n)| *n == name).map(|(floor, _)| *floor)
    }

    /// The names of the floors set, in bit order.
    pub fn names(self) -> Vec<&'static str> {
        Self::NAMED.iter().filter(|(floor, _)| self.contains(*floor)).map(|(_, name)| *name).collect()
    }

    /// What each floor set means, for humans.
    pub fn descriptions(self) -> Vec<&'static str> {
        let mut out = Vec::new();
        if self.contains(Floors::MIN_TCB_EVALUATION_DATA_NUMBER) {
            out.push("min_tcb_evaluation_data_number may only go up");
        }
        if self.contains(Floors::TDX_MODULES) {
            out.push("the accepted TDX modules may only shrink");
        }
        if self.contains(Floors::MAX_EXPIRATION) {
            out.push("max_expiration may only go down");
        }
        out
    }
}

/// The locks of one app (`locks(appId)`): keys and names in the order they were locked.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LockState {
    /// Locked metadata keys (public variables are `env.<NAME>`).
    pub metadata_keys: Vec<String>,
    /// Locked secret names.
    pub secret_names: Vec<String>,
    /// Locked floors.
    pub floors: Floors,
}

/// The locks from the contract's `locks(appId)` answer.
impl From<&crate::bindings::RoflAppAdmin::AppLocks> for LockState {
    fn from(locks: &crate::bindings::RoflAppAdmin::AppLocks) -> Self {
        LockState {
            metadata_keys: locks.metadataKeys.clone(),
            secret_names: locks.secretNames.clone(),
            floors: Floors(locks.floors),
        }
    }
}

/// How a locked key or secret stands, given the app's config.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum KeyLock {
    /// Not locked.
    Unlocked,
    /// Locked with a value: never changes, never goes.
    Fixed,
    /// Locked while absent: one change may set it, then it is fixed.
    SetOnce,
}

impl LockState {
    /// Whether the app has no lock at all (only then may it be handed to another admin).
    pub fn is_empty(&self) -> bool {
        self.metadata_keys.is_empty() && self.secret_names.is_empty() && self.floors.is_empty()
    }

    /// The lock of metadata `key` in `config`. A locked key is present exactly when it is fixed:
    /// it is fixed when it is locked with a value or set after, and never deleted.
    pub fn metadata(&self, config: &AppConfig, key: &str) -> KeyLock {
        match (self.metadata_keys.iter().any(|k| k == key), config.metadata.contains_key(key)) {
            (false, _) => KeyLock::Unlocked,
            (true, true) => KeyLock::Fixed,
            (true, false) => KeyLock::SetOnce,
        }
    }

    /// The lock of secret `name` in `config` (as [`LockState::metadata`]).
    pub fn secret(&self, config: &AppConfig, name: &str) -> KeyLock {
        match (self.secret_names.iter().any(|k| k == name), config.secrets.contains_key(name)) {
            (false, _) => KeyLock::Unlocked,
            (true, true) => KeyLock::Fixed,
            (true, false) => KeyLock::SetOnce,
        }
    }

    /// One line per lock, for `app show` and reviews (keys and names escaped, `docs/text-rules.md`).
    pub fn lines(&self, config: &AppConfig) -> Vec<(String, KeyLock)> {
        let mut out = Vec::new();
        for key in &self.metadata_keys {
            let what = if key.starts_with(crate::review::PUBLIC_VAR_PREFIX) {
                "public variable"
            } else {
                "metadata"
            };
            out.push((format!("{what} {}", quoted(key)), self.metadata(config, key)));
        }
        for name in &self.secret_names {
            out.push((format!("secret {}", quoted(name)), self.secret(config, name)));
        }
        for floor in self.floors.descriptions() {
            out.push((format!("floor: {floor}"), KeyLock::Fixed));
        }
        out
    }
}

fn quoted(text: &str) -> String {
    format!("\"{}\"", crate::text::escape(text))
}

/// The minimum TCB evaluation data number as the contract stores it (0 without PCS).
pub fn min_tcb(quotes: &QuotePolicy) -> u32 {
    quotes.pcs.as_ref().map_or(0, |pcs| pcs.min_tcb_evaluation_data_number)
}

/// The TDX modules a quote policy accepts: `None` none (no PCS, PCS disabled, or no TDX),
/// `Some([])` any Intel-signed module, else the list.
pub fn accepted_tdx_modules(quotes: &QuotePolicy) -> Option<&[TdxModulePolicy]> {
    let pcs = quotes.pcs.as_ref().filter(|pcs| !pcs.disabled)?;
    pcs.tdx.as_ref().map(|tdx| tdx.allowed_tdx_modules.as_slice())
}

/// Whether `new` accepts no TDX module that `current` refuses (`checkQuotePolicy`): a module
/// of `new` is covered by one of `current` with its signer and its measurement, or with no
/// measurement (any).
pub fn tdx_modules_shrink(current: &QuotePolicy, new: &QuotePolicy) -> bool {
    let Some(new) = accepted_tdx_modules(new) else { return true };
    let Some(current) = accepted_tdx_modules(current) else { return false };
    if current.is_empty() {
        return true;
    }
    !new.is_empty()
        && new.iter().all(|module| {
            current.iter().any(|known| {
                known.mr_signer_seam == module.mr_signer_seam
                    && (known.mr_seam.is_none() || known.mr_seam == module.mr_seam)
            })
        })
}

#[cfg(test)]
mod tests {
    use roflgov_types::{AppConfig, PcsQuotePolicy, QuotePolicy, TdxModulePolicy, TdxQuotePolicy};

    use super::{Floors, LockState, tdx_modules_shrink};
    use crate::rofl::{ApplyError, PolicyChange, ReleaseState};

    fn quotes(tdx: Option<Vec<TdxModulePolicy>>) -> QuotePolicy {
        QuotePolicy {
            ias: None,
            pcs: Some(PcsQuotePolicy {
                tdx: tdx.map(|allowed_tdx_modules| TdxQuotePolicy { allowed_tdx_modules }),
                ..PcsQuotePolicy::default()
            }),
        }
    }

    fn module(seam: Option<u8>, signer: u8) -> TdxModulePolicy {
        TdxModulePolicy {
            mr_seam: seam.map(alloy_primitives::FixedBytes::repeat_byte),
            mr_signer_seam: alloy_primitives::FixedBytes::repeat_byte(signer),
        }
    }

    #[test]
    fn tdx_modules_only_shrink() {
        let any = quotes(Some(vec![]));
        let any_of_intel = quotes(Some(vec![module(None, 0)]));
        let one = quotes(Some(vec![module(Some(1), 0)]));
        let other_signer = quotes(Some(vec![module(Some(1), 9)]));
        let none = quotes(None);
        assert!(tdx_modules_shrink(&any, &any_of_intel));
        assert!(tdx_modules_shrink(&any_of_intel, &one));
        assert!(!tdx_modules_shrink(&any_of_intel, &other_signer));
        assert!(!tdx_modules_shrink(&one, &any_of_intel));
        assert!(!tdx_modules_shrink(&one, &any));
        assert!(tdx_modules_shrink(&one, &none));
        assert!(!tdx_modules_shrink(&none, &one));
        let no_pcs = QuotePolicy { ias: None, pcs: None };
        assert!(tdx_modules_shrink(&one, &no_pcs));
        assert!(!tdx_modules_shrink(&no_pcs, &any));
    }

    #[test]
    fn locked_keys_are_set_once_and_never_deleted() {
        let mut config = AppConfig {
            id: roflgov_types::AppId([1; 21]),
            policy: Default::default(),
            admin: None,
            metadata: Default::default(),
            secrets: Default::default(),
        };
        config.metadata.insert("env.MODE".into(), "safe".into());
        let mut state = ReleaseState::default();
        let ctx = Default::default();
        for change in [
            PolicyChange::LockMetadata { key: "env.MODE".into() },
            PolicyChange::LockMetadata { key: "env.LATER".into() },
            PolicyChange::LockFloors(Floors::MAX_EXPIRATION),
        ] {
            change.apply_to(&mut config, &mut state, &ctx).unwrap();
        }
        let set = |key: &str| PolicyChange::SetMetadata { key: key.into(), value: "x".into() };
        assert_eq!(
            set("env.MODE").apply_to(&mut config, &mut state, &ctx),
            Err(ApplyError::MetadataKeyIsLocked("env.MODE".into()))
        );
        set("env.LATER").apply_to(&mut config, &mut state, &ctx).unwrap();
        assert_eq!(
            set("env.LATER").apply_to(&mut config, &mut state, &ctx),
            Err(ApplyError::MetadataKeyIsLocked("env.LATER".into()))
        );
        assert_eq!(
            PolicyChange::DeleteMetadata { key: "env.MODE".into() }.apply_to(&mut config, &mut state, &ctx),
            Err(ApplyError::MetadataKeyIsLocked("env.MODE".into()))
        );
        assert_eq!(
            PolicyChange::LockFloors(Floors(Floors::MAX_EXPIRATION.0 | Floors::TDX_MODULES.0)).apply_to(
                &mut config,
                &mut state,
                &ctx
            ),
            Err(ApplyError::FloorAlreadyLocked(Floors::MAX_EXPIRATION.0))
        );
        assert_eq!(
            state.locks,
            LockState {
                metadata_keys: vec!["env.MODE".into(), "env.LATER".into()],
                secret_names: vec![],
                floors: Floors::MAX_EXPIRATION,
            }
        );
    }
}
