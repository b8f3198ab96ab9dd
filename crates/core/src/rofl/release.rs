//! Releases with provenance, the revoke-only guardian and grace periods
//! (`IRoflReleaseGovernance`): the typed records, the roflgov-side state the contract keeps next
//! to each app's config ([`ReleaseState`]), and the human forms of deadlines.
//!
//! [`ReleaseState`] together with the app's [`AppConfig`] is what
//! [`PolicyChange::apply_to`](super::PolicyChange::apply_to) changes, exactly as the contract
//! does, so that a review can show what a release, a revocation, a freeze or a prune does.

use std::collections::BTreeMap;

use alloy_primitives::{Address, B256, FixedBytes};
use roflgov_types::{AppConfig, EnclaveIdentity};
use serde::{Deserialize, Serialize};

use crate::bindings::RoflAppAdmin;

/// Latest grace deadline, counted from the transaction that sets it (`MAX_GRACE_PERIOD`).
pub const MAX_GRACE_PERIOD: u64 = 365 * 24 * 3600;
/// `MAX_RELEASE_VERSION_LENGTH` of the contract.
pub const MAX_RELEASE_VERSION_LENGTH: usize = 64;
/// `MAX_RELEASE_REPOSITORY_LENGTH` of the contract.
pub const MAX_RELEASE_REPOSITORY_LENGTH: usize = 256;
/// `MAX_RELEASE_NOTES_LENGTH` of the contract.
pub const MAX_RELEASE_NOTES_LENGTH: usize = 1024;
/// `MAX_ENCLAVES` of the contract: roflgov's bound on the identity list.
pub const MAX_ENCLAVES: usize = 64;

/// Where a release came from (`ReleaseRecord`): one record covers every identity a build emits.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ReleaseRecord {
    /// The app version, as in rofl.yaml (`version`).
    pub version: String,
    /// Source repository URL.
    pub repository: String,
    /// The 20-byte git commit the bundle was built from.
    pub git_commit: FixedBytes<20>,
    /// sha256 of the `.orc` bundle.
    pub bundle_hash: B256,
    /// sha256 of `rofl.yaml` as committed.
    pub manifest_hash: B256,
    /// Free text for reviewers (may be empty).
    pub notes: String,
}

impl ReleaseRecord {
    /// The contract's `validateReleaseRecord`: `Err(field)` names the first bad field.
    pub fn invalid_field(&self) -> Option<&'static str> {
        if self.version.is_empty() || self.version.len() > MAX_RELEASE_VERSION_LENGTH {
            return Some("version");
        }
        if self.repository.is_empty() || self.repository.len() > MAX_RELEASE_REPOSITORY_LENGTH {
            return Some("repository");
        }
        if self.git_commit.is_zero() {
            return Some("gitCommit");
        }
        if self.bundle_hash.is_zero() {
            return Some("bundleHash");
        }
        if self.manifest_hash.is_zero() {
            return Some("manifestHash");
        }
        if self.notes.len() > MAX_RELEASE_NOTES_LENGTH {
            return Some("notes");
        }
        None
    }

    /// The commit as `git rev-parse HEAD` prints it (40 lowercase hex digits).
    pub fn commit_hex(&self) -> String {
        alloy_primitives::hex::encode(self.git_commit)
    }

    /// A git commit id from 40 hex digits (what `git rev-parse HEAD` prints).
    pub fn parse_commit(text: &str) -> Result<FixedBytes<20>, String> {
        let text = text.trim();
        let digits = text.strip_prefix("0x").unwrap_or(text);
        if digits.len() != 40 {
            return Err(format!(
                "git commit {text:?} must be the full 40 hex digits of a SHA-1 commit id (as `git rev-parse HEAD` \
                 prints it), not an abbreviation"
            ));
        }
        digits.parse::<FixedBytes<20>>().map_err(|e| format!("git commit {text:?} is not hex: {e}"))
    }
}

/// The contract's ABI form of the record.
impl From<&ReleaseRecord> for RoflAppAdmin::ReleaseRecord {
    fn from(record: &ReleaseRecord) -> Self {
        RoflAppAdmin::ReleaseRecord {
            version: record.version.clone(),
            repository: record.repository.clone(),
            gitCommit: record.git_commit,
            bundleHash: record.bundle_hash,
            manifestHash: record.manifest_hash,
            notes: record.notes.clone(),
        }
    }
}

/// A record from the contract's ABI form.
impl From<&RoflAppAdmin::ReleaseRecord> for ReleaseRecord {
    fn from(record: &RoflAppAdmin::ReleaseRecord) -> Self {
        ReleaseRecord {
            version: record.version.clone(),
            repository: record.repository.clone(),
            git_commit: record.gitCommit,
            bundle_hash: record.bundleHash,
            manifest_hash: record.manifestHash,
            notes: record.notes.clone(),
        }
    }
}

/// Where an enclave identity stands for one app (`IdentityStatus`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IdentityStatus {
    /// Not in the policy and not revoked (unknown, or retired by governance or prune).
    #[default]
    NotAllowed,
    /// In the policy with no deadline.
    Allowed,
    /// In the policy until a grace deadline; after it anyone may prune it.
    Retiring,
    /// Taken out by a guardian revocation or a freeze.
    Revoked,
}

impl IdentityStatus {
    /// From the contract's enum code.
    pub fn from_code(code: u8) -> Option<Self> {
        Some(match code {
            0 => Self::NotAllowed,
            1 => Self::Allowed,
            2 => Self::Retiring,
            3 => Self::Revoked,
            _ => return None,
        })
    }

    /// Whether instances running the identity are authorized by the policy.
    pub fn is_allowed(self) -> bool {
        matches!(self, Self::Allowed | Self::Retiring)
    }

    /// Lowercase name.
    pub fn name(self) -> &'static str {
        match self {
            Self::NotAllowed => "not allowed",
            Self::Allowed => "allowed",
            Self::Retiring => "retiring",
            Self::Revoked => "REVOKED",
        }
    }
}

impl std::fmt::Display for IdentityStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// Everything roflgov knows about one identity of one app (`IdentityInfo`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct IdentityInfo {
    /// Where it stands.
    pub status: IdentityStatus,
    /// The release it was last added with (0: none).
    pub release_id: u32,
    /// Grace deadline (unix seconds), 0 when none.
    pub retire_at: u64,
}

/// Where an identity stands, from the contract's `identityInfo` (an unknown status code reads
/// as the default, [`IdentityStatus::NotAllowed`]).
impl From<&RoflAppAdmin::IdentityInfo> for IdentityInfo {
    fn from(info: &RoflAppAdmin::IdentityInfo) -> Self {
        IdentityInfo {
            status: IdentityStatus::from_code(info.status).unwrap_or_default(),
            release_id: info.releaseId,
            retire_at: info.retireAt,
        }
    }
}

/// roflgov's bookkeeping of one identity (`IdentityMeta` of the contract).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct IdentityMeta {
    /// Grace deadline of an allowed identity (0: none).
    pub retire_at: u64,
    /// The release it was last added with (0: none); kept after removal.
    pub release_id: u32,
    /// Removed by a revocation or a freeze, and not removed otherwise since.
    pub revoked: bool,
}

/// The state the contract keeps next to an app's config: guardian, freeze, release records and
/// per-identity marks. Never sent to the module.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReleaseState {
    /// The revoke-only guardian (`None`: none).
    pub guardian: Option<Address>,
    /// Frozen: no identity allowed until the owner unfreezes.
    pub frozen: bool,
    /// Every release record, in order: `releases[i]` has id `i + 1`.
    pub releases: Vec<ReleaseRecord>,
    /// Marks of the identities roflgov knows about (absent: all zero).
    pub identities: BTreeMap<EnclaveIdentity, IdentityMeta>,
    /// The app's one-way locks.
    #[serde(default)]
    pub locks: super::locks::LockState,
}

impl ReleaseState {
    /// The marks of `identity` (zero when unknown).
    pub fn meta(&self, identity: &EnclaveIdentity) -> IdentityMeta {
        self.identities.get(identity).copied().unwrap_or_default()
    }

    pub(crate) fn meta_mut(&mut self, identity: &EnclaveIdentity) -> &mut IdentityMeta {
        self.identities.entry(*identity).or_default()
    }

    /// The release record with id `id` (1-based).
    pub fn release(&self, id: u32) -> Option<&ReleaseRecord> {
        id.checked_sub(1).and_then(|i| self.releases.get(i as usize))
    }

    /// The release `identity` was last added with, as `releaseOf` answers (`None`: none).
    pub fn release_of(&self, identity: &EnclaveIdentity) -> Option<(u32, &ReleaseRecord)> {
        let id = self.meta(identity).release_id;
        self.release(id).map(|record| (id, record))
    }

    /// `identityInfo` for an app whose config is `config`.
    pub fn info(&self, config: &AppConfig, identity: &EnclaveIdentity) -> IdentityInfo {
        let meta = self.meta(identity);
        let (status, retire_at) = if config.policy.enclaves.contains(identity) {
            (
                if meta.retire_at != 0 { IdentityStatus::Retiring } else { IdentityStatus::Allowed },
                meta.retire_at,
            )
        } else if meta.revoked {
            (IdentityStatus::Revoked, 0)
        } else {
            (IdentityStatus::NotAllowed, 0)
        };
        IdentityInfo { status, release_id: meta.release_id, retire_at }
    }

    /// What `prune` would remove at `now` (`expiredEnclaves`), in policy order.
    pub fn expired(&self, config: &AppConfig, now: u64) -> Vec<EnclaveIdentity> {
        config.policy.enclaves.iter().filter(|id| is_expired(self.meta(id).retire_at, now)).copied().collect()
    }
}

pub(crate) fn is_expired(retire_at: u64, now: u64) -> bool {
    retire_at != 0 && retire_at <= now
}

/// A unix time as `2025-11-21 14:54 UTC` (the one calendar, in `roflgov-types`).
pub use roflgov_types::calendar::format_utc;

/// `in 29d 23h`, `3h 5m ago`, `now`: `at` relative to `now`.
pub fn format_relative(at: u64, now: u64) -> String {
    let (delta, future) = if at >= now { (at - now, true) } else { (now - at, false) };
    if delta < 60 {
        return "now".into();
    }
    let (d, h, m) = (delta / 86_400, (delta % 86_400) / 3600, (delta % 3600) / 60);
    let text = match (d, h) {
        (0, 0) => format!("{m}m"),
        (0, _) => format!("{h}h {m}m"),
        _ => format!("{d}d {h}h"),
    };
    if future { format!("in {text}") } else { format!("{text} ago") }
}

/// `2025-12-21 14:54 UTC (in 30d 0h)`, or without the relative part when `now` is unknown.
pub fn format_deadline(at: u64, now: Option<u64>) -> String {
    match now {
        Some(now) => format!("{} ({})", format_utc(at), format_relative(at, now)),
        None => format_utc(at),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_utc_calendar_dates() {
        assert_eq!(format_utc(0), "1970-01-01 00:00 UTC");
        assert_eq!(format_utc(951_782_400), "2000-02-29 00:00 UTC");
        assert_eq!(format_utc(1_763_736_840), "2025-11-21 14:54 UTC");
        assert_eq!(format_utc(4_102_444_800), "2100-01-01 00:00 UTC");
    }

    #[test]
    fn relative_times_read_naturally() {
        assert_eq!(format_relative(1_000 + 30 * 86_400, 1_000), "in 30d 0h");
        assert_eq!(format_relative(1_000, 1_000 + 3 * 3600 + 300), "3h 5m ago");
        assert_eq!(format_relative(1_000, 1_010), "now");
        assert_eq!(format_relative(1_000 + 120, 1_000), "in 2m");
    }

    #[test]
    fn commits_must_be_full_ids() {
        assert!(ReleaseRecord::parse_commit("abc1234").is_err());
        let full = "0123456789abcdef0123456789abcdef01234567";
        assert_eq!(alloy_primitives::hex::encode(ReleaseRecord::parse_commit(full).unwrap()), full);
        assert!(ReleaseRecord::parse_commit(&"g".repeat(40)).is_err());
    }
}
