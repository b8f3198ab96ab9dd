//! [`app_instances`]: the instances registered in the ROFL stand-in for an app, which release
//! each runs, and the ones to worry about (a revoked identity, one no longer allowed, a
//! deadline coming, an expired registration).
//!
//! Authorization is the module's: a registration that has not expired (oasis-sdk
//! `runtime-sdk/src/modules/rofl/mod.rs` `is_authorized_origin`). Removing an identity from the
//! policy evicts nobody: an instance running it stays authorized until its registration
//! expires (at most `max_expiration` epochs ahead; the standard app core registers two epochs
//! ahead and renews every epoch) and only cannot renew.

use alloy::{primitives::Address, providers::Provider};
use roflgov_types::{AppId, EnclaveIdentity};
use serde::Serialize;

use roflgov_core::rofl::release::{IdentityStatus, ReleaseRecord};

use super::{
    client::{RoflAdminClient, RoflClientError},
    stand_in::{RoflStandIn, StandInError},
};

/// Something wrong (or about to be) with an instance.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "flag", rename_all = "snake_case")]
pub enum InstanceFlag {
    /// It runs an identity the guardian (or a freeze) revoked: treat as compromised. It cannot
    /// renew, but keeps its rights until its registration expires.
    RevokedIdentity,
    /// It runs an identity no longer (or never) allowed by the policy: it cannot renew, but
    /// keeps its rights until its registration expires.
    IdentityNotAllowed,
    /// Its identity is allowed until a grace deadline.
    Retiring {
        /// Unix seconds.
        retire_at: u64,
    },
    /// Its registration has expired: the module refuses it (it must re-register, which it can
    /// only with an identity the policy allows).
    RegistrationExpired,
}

impl InstanceFlag {
    /// Whether the instance is refused now because of this flag. Only an expired registration
    /// is: an identity's removal or revocation stops renewals, not the current registration.
    pub fn is_refused(self) -> bool {
        matches!(self, InstanceFlag::RegistrationExpired)
    }

    /// Whether the instance cannot renew its registration (its identity is not allowed).
    pub fn blocks_renewal(self) -> bool {
        matches!(self, InstanceFlag::RevokedIdentity | InstanceFlag::IdentityNotAllowed)
    }
}

/// One registered instance of an app.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct InstanceView {
    /// The key that signs its transactions.
    pub address: Address,
    /// The identity it registered with.
    pub identity: EnclaveIdentity,
    /// The epoch its registration expires at: valid while the current epoch is lower.
    pub expiration_epoch: u64,
    /// The stand-in's epoch when the list was read.
    pub current_epoch: u64,
    /// Its registration has expired (`current_epoch >= expiration_epoch`).
    pub expired: bool,
    /// Where its identity stands in the policy contract.
    pub status: IdentityStatus,
    /// The release its identity was last added with (`None`: without a record).
    pub release: Option<(u32, ReleaseRecord)>,
    /// The module's answer: registered and unexpired (the policy in force is not consulted).
    pub authorized: bool,
    /// What to worry about.
    pub flags: Vec<InstanceFlag>,
}

/// Why instances could not be listed.
#[derive(Debug, thiserror::Error)]
pub enum InstancesError {
    /// Reading the policy contract failed.
    #[error(transparent)]
    Policy(#[from] RoflClientError),
    /// Reading the stand-in failed.
    #[error(transparent)]
    StandIn(#[from] StandInError),
}

/// The instances the stand-in lists for `app`, in registration order, joined with the policy
/// contract's view of the identity each runs.
pub async fn app_instances<P: Provider + Clone>(
    policy: &RoflAdminClient<P>,
    stand_in: &RoflStandIn<P>,
    app: AppId,
) -> Result<Vec<InstanceView>, InstancesError> {
    let epoch = stand_in.current_epoch().await?;
    let mut out = Vec::new();
    for address in stand_in.instances_of(app).await? {
        let Some((identity, expiration_epoch)) = stand_in.instance_identity(app, address).await? else {
            continue;
        };
        let info = policy.identity_info(app, &identity).await?;
        let release = policy.release_of(app, &identity).await?;
        let authorized = stand_in.is_instance_authorized(app, address).await?;
        let mut flags = Vec::new();
        match info.status {
            IdentityStatus::Revoked => flags.push(InstanceFlag::RevokedIdentity),
            IdentityStatus::NotAllowed => flags.push(InstanceFlag::IdentityNotAllowed),
            IdentityStatus::Retiring => flags.push(InstanceFlag::Retiring { retire_at: info.retire_at }),
            IdentityStatus::Allowed => {}
        }
        let expired = expiration_epoch <= epoch;
        if expired {
            flags.push(InstanceFlag::RegistrationExpired);
        }
        out.push(InstanceView {
            address,
            identity,
            expiration_epoch,
            current_epoch: epoch,
            expired,
            status: info.status,
            release,
            authorized,
            flags,
        });
    }
    Ok(out)
}
