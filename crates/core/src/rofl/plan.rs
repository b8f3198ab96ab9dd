//! [`plan_release`]: the minimal set of [`PolicyChange`]s that turns an app's on-chain config
//! into a target config (typically a rofl.yaml deployment after `oasis rofl build`).

use roflgov_types::{AppAuthPolicy, AppConfig, Metadata, Secrets, manifest::DeploymentConfig};

use super::{
    changes::{PolicyChange, enclave_text_id},
    release::ReleaseRecord,
};

/// What an app's config should become. `None` for metadata or secrets leaves them as they are.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReleaseTarget {
    /// The target policy.
    pub policy: AppAuthPolicy,
    /// The target metadata (`None`: keep).
    pub metadata: Option<Metadata>,
    /// The target secrets (`None`: keep).
    pub secrets: Option<Secrets>,
}

impl ReleaseTarget {
    /// A target that only changes the policy.
    pub fn policy_only(policy: AppAuthPolicy) -> Self {
        Self { policy, metadata: None, secrets: None }
    }

    /// The complete config a rofl.yaml deployment describes (what `oasis rofl update` would
    /// send): its policy, metadata and secrets.
    pub fn from_deployment(deployment: &DeploymentConfig) -> Self {
        Self {
            policy: deployment.policy.clone(),
            metadata: Some(deployment.metadata.clone()),
            secrets: Some(deployment.secrets.clone()),
        }
    }
}

/// Why no plan can be made.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum PlanError {
    /// The target allows no enclave: every instance would be locked out (the contract refuses).
    #[error("the target policy lists no enclave identity; every instance would be locked out")]
    NoEnclaves,
    /// The target lists an identity twice.
    #[error("the target policy lists enclave {0} twice")]
    DuplicateEnclave(String),
    /// A release with a record must allow at least one new identity.
    #[error(
        "the target allows no new enclave identity: a release record needs at least one (use a plain proposal)"
    )]
    NoNewIdentity,
}

/// How [`plan_release_with`] emits the identity changes: one `addRelease` carrying `record`,
/// retiring the old identities at once (`grace_until` 0) or from `grace_until` (unix seconds).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReleaseOptions {
    /// The provenance of the new identities.
    pub record: ReleaseRecord,
    /// 0: the old identities go at once; else anyone may prune them from this time on.
    pub grace_until: u64,
}

/// The minimal change set from `current` to `target`, in a safe order: new identities first,
/// then removals, then endorsements, fees, max expiration and quotes when they differ, then
/// metadata set/delete and secrets set/delete (by key). Empty when nothing differs.
pub fn plan_release(current: &AppConfig, target: &ReleaseTarget) -> Result<Vec<PolicyChange>, PlanError> {
    plan_release_with(current, target, None)
}

/// [`plan_release`], with the identity changes emitted as one `addRelease` (record and grace
/// period) when `release` is given: the new identities, with the identities the target drops
/// as its `retire` list. The other changes follow as in [`plan_release`].
pub fn plan_release_with(
    current: &AppConfig,
    target: &ReleaseTarget,
    release: Option<&ReleaseOptions>,
) -> Result<Vec<PolicyChange>, PlanError> {
    let wanted = &target.policy;
    if wanted.enclaves.is_empty() {
        return Err(PlanError::NoEnclaves);
    }
    for (index, identity) in wanted.enclaves.iter().enumerate() {
        if wanted.enclaves[..index].contains(identity) {
            return Err(PlanError::DuplicateEnclave(enclave_text_id(identity)));
        }
    }

    let have = &current.policy;
    let mut changes = Vec::new();
    let added: Vec<_> = wanted.enclaves.iter().filter(|id| !have.enclaves.contains(id)).copied().collect();
    let dropped: Vec<_> = have.enclaves.iter().filter(|id| !wanted.enclaves.contains(id)).copied().collect();
    match release {
        Some(options) => {
            if added.is_empty() {
                return Err(PlanError::NoNewIdentity);
            }
            changes.push(PolicyChange::AddRelease {
                identities: added,
                record: options.record.clone(),
                retire: dropped,
                grace_until: options.grace_until,
            });
        }
        None => {
            changes.extend(added.into_iter().map(PolicyChange::AddEnclave));
            changes.extend(dropped.into_iter().map(PolicyChange::RemoveEnclave));
        }
    }
    if wanted.endorsements != have.endorsements {
        changes.push(PolicyChange::SetEndorsements(wanted.endorsements.clone()));
    }
    if wanted.fees != have.fees {
        changes.push(PolicyChange::SetFees(wanted.fees));
    }
    if wanted.max_expiration != have.max_expiration {
        changes.push(PolicyChange::SetMaxExpiration(wanted.max_expiration));
    }
    if wanted.quotes != have.quotes {
        changes.push(PolicyChange::SetQuotePolicy(wanted.quotes.clone()));
    }

    if let Some(metadata) = &target.metadata {
        for (key, value) in metadata {
            if current.metadata.get(key) != Some(value) {
                changes.push(PolicyChange::SetMetadata { key: key.clone(), value: value.clone() });
            }
        }
        for key in current.metadata.keys().filter(|key| !metadata.contains_key(*key)) {
            changes.push(PolicyChange::DeleteMetadata { key: key.clone() });
        }
    }
    if let Some(secrets) = &target.secrets {
        for (name, value) in secrets {
            if current.secrets.get(name) != Some(value) {
                changes.push(PolicyChange::SetSecret { name: name.clone(), value: value.clone() });
            }
        }
        for name in current.secrets.keys().filter(|name| !secrets.contains_key(*name)) {
            changes.push(PolicyChange::DeleteSecret { name: name.clone() });
        }
    }
    Ok(changes)
}
