//! Trace an output of a ROFL app back to the release and the decision that allowed it: given
//! the registrations of an instance key, the app's policy versions and its release records,
//! which registration covered a moment, which policy was in force when the instance
//! registered, which identities it allowed (each with its release record and the transaction
//! that allowed it). No I/O: the chain side (`roflgov-client::trace`) gathers the inputs.
//!
//! The rules are the module's (oasis-sdk `runtime-sdk/src/modules/rofl/mod.rs`): `rofl.Register`
//! checks the instance's enclave identity against the policy in force and sets an expiration
//! epoch; the registration (rak, `extra_keys`, expiration — not the identity, which is only in
//! the quote of the `rofl.Register` transaction) authorizes the key until that epoch starts
//! (`state.rs` `expire_registrations`), whatever later updates do to the policy. So the
//! identities an output can come from are those the policy allowed at the registration (or
//! renewal) that covered the moment it was produced.

use alloy_primitives::B256;
use roflgov_types::EnclaveIdentity;
use serde::Serialize;

use crate::rofl::ReleaseRecord;

/// One registration (or renewal) of an instance key.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Registration {
    /// Block of the registration.
    pub block: u64,
    /// Its timestamp (Unix seconds).
    pub time: u64,
    /// The registering transaction.
    pub tx: B256,
    /// The epoch it expires at: valid while the epoch is lower.
    pub expiration_epoch: u64,
    /// The identity it registered with, when the source knows it (the local stand-in records
    /// it; on Sapphire it is in the quote of the `rofl.Register` transaction, not in the
    /// registration).
    pub identity: Option<EnclaveIdentity>,
}

/// The app's config as one policy version set it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct PolicyVersion {
    /// The policy contract's version after the change (`None`: the app was removed).
    pub version: Option<u64>,
    /// Block of the change.
    pub block: u64,
    /// Its timestamp (Unix seconds).
    pub time: u64,
    /// The transaction that made it.
    pub tx: B256,
    /// The identities allowed from then on.
    pub enclaves: Vec<EnclaveIdentity>,
}

/// A release record, as added.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ReleaseAdded {
    /// Block of the release.
    pub block: u64,
    /// Its transaction.
    pub tx: B256,
    /// The 1-based release id.
    pub release_id: u32,
    /// The provenance.
    pub record: ReleaseRecord,
    /// The identities it allowed.
    pub identities: Vec<EnclaveIdentity>,
}

/// Everything a trace of one key needs.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct TraceInput {
    /// The key's registrations for the app, any order.
    pub registrations: Vec<Registration>,
    /// The app's policy versions, any order.
    pub versions: Vec<PolicyVersion>,
    /// The app's release records, any order.
    pub releases: Vec<ReleaseAdded>,
    /// Length of an epoch in seconds (the local stand-in: 600).
    pub epoch_seconds: u64,
}

/// An identity the output may come from.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Candidate {
    /// The identity.
    pub identity: EnclaveIdentity,
    /// The policy version that allowed it (continuously since) up to the registration: its
    /// transaction is the governance decision.
    pub allowed_by: PolicyVersion,
    /// The release it was (last) added with before the registration, if any.
    pub release: Option<(u32, ReleaseRecord)>,
    /// Whether the registration is known to have used this identity.
    pub registered_with: bool,
}

/// Where an output of the key at a moment comes from.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Trace {
    /// The moment traced (Unix seconds).
    pub at: u64,
    /// The registration that covered it.
    pub registration: Registration,
    /// When that registration expired or expires (Unix seconds, the start of its expiration
    /// epoch).
    pub valid_until: u64,
    /// The policy version in force at the registration, then every later one up to `at`.
    pub versions: Vec<PolicyVersion>,
    /// The identities the policy allowed at the registration.
    pub candidates: Vec<Candidate>,
    /// Whether the registration's identity is known: else the output could come from any
    /// candidate.
    pub identity_known: bool,
}

/// Why a key does not trace to the app at a moment.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error, Serialize)]
#[serde(tag = "reason", rename_all = "snake_case")]
pub enum TraceError {
    /// No registration of the key for the app at all.
    #[error("the key never registered as an instance of the app")]
    NeverRegistered,
    /// The moment is before the key's first registration.
    #[error("the key was not yet registered at {at} (first registration at {first})")]
    BeforeRegistration {
        /// The moment.
        at: u64,
        /// The first registration's time.
        first: u64,
    },
    /// The covering registration had expired.
    #[error(
        "the key's registration had expired at {at}: it was valid until {valid_until} (epoch {expiration_epoch}) and not renewed"
    )]
    Expired {
        /// The moment.
        at: u64,
        /// The start of the expiration epoch.
        valid_until: u64,
        /// The expiration epoch.
        expiration_epoch: u64,
    },
    /// No policy version of the contract was in force at the registration (the app was not
    /// managed by the policy contract yet).
    #[error("no policy version of the contract was in force at the registration in block {block}")]
    NoPolicy {
        /// The registration's block.
        block: u64,
    },
}

/// Traces the key of `input` at time `at`.
pub fn trace(input: &TraceInput, at: u64) -> Result<Trace, TraceError> {
    let mut registrations = input.registrations.clone();
    registrations.sort_by_key(|r| r.block);
    let first = registrations.first().ok_or(TraceError::NeverRegistered)?.time;
    let registration = registrations
        .iter()
        .rev()
        .find(|r| r.time <= at)
        .cloned()
        .ok_or(TraceError::BeforeRegistration { at, first })?;
    let valid_until = registration.expiration_epoch.saturating_mul(input.epoch_seconds);
    if at >= valid_until {
        return Err(TraceError::Expired { at, valid_until, expiration_epoch: registration.expiration_epoch });
    }

    let mut versions = input.versions.clone();
    versions.sort_by_key(|v| v.block);
    let in_force = versions
        .iter()
        .rposition(|v| v.block <= registration.block)
        .ok_or(TraceError::NoPolicy { block: registration.block })?;
    let shown: Vec<PolicyVersion> = versions
        .iter()
        .enumerate()
        .filter(|(i, v)| *i == in_force || (*i > in_force && v.time <= at))
        .map(|(_, v)| v.clone())
        .collect();

    let mut releases = input.releases.clone();
    releases.sort_by_key(|r| r.block);
    let candidates = versions[in_force]
        .enclaves
        .iter()
        .map(|identity| {
            // The earliest version of the run of versions, ending at the one in force, that
            // all allow it: the decision that allowed it.
            let mut since = in_force;
            while since > 0 && versions[since - 1].enclaves.contains(identity) {
                since -= 1;
            }
            let release = releases
                .iter()
                .rev()
                .find(|r| r.block <= registration.block && r.identities.contains(identity))
                .map(|r| (r.release_id, r.record.clone()));
            Candidate {
                identity: *identity,
                allowed_by: versions[since].clone(),
                release,
                registered_with: registration.identity.as_ref() == Some(identity),
            }
        })
        .collect::<Vec<_>>();
    let identity_known = candidates.iter().any(|c| c.registered_with);
    Ok(Trace { at, registration, valid_until, versions: shown, candidates, identity_known })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(byte: u8) -> EnclaveIdentity {
        EnclaveIdentity { mr_enclave: B256::repeat_byte(byte), mr_signer: B256::ZERO }
    }

    fn version(version: u64, block: u64, enclaves: &[u8]) -> PolicyVersion {
        PolicyVersion {
            version: Some(version),
            block,
            time: block * 10,
            tx: B256::repeat_byte(block as u8),
            enclaves: enclaves.iter().map(|b| id(*b)).collect(),
        }
    }

    fn input(identity: Option<u8>) -> TraceInput {
        TraceInput {
            registrations: vec![Registration {
                block: 30,
                time: 300,
                tx: B256::repeat_byte(0xee),
                expiration_epoch: 3,
                identity: identity.map(id),
            }],
            // v1 allows A; v2 (block 20) adds B; v3 (block 40, after the registration) drops A.
            versions: vec![version(3, 40, &[2]), version(1, 10, &[1]), version(2, 20, &[1, 2])],
            releases: vec![ReleaseAdded {
                block: 20,
                tx: B256::repeat_byte(20),
                release_id: 1,
                record: ReleaseRecord { version: "1.1".into(), ..Default::default() },
                identities: vec![id(2)],
            }],
            epoch_seconds: 200,
        }
    }

    #[test]
    fn names_every_identity_allowed_at_the_registration_and_its_decision() {
        let t = trace(&input(None), 450).unwrap();
        assert_eq!(t.registration.block, 30);
        assert_eq!(t.valid_until, 600);
        // The version in force at the registration, then v3 (before `at`).
        assert_eq!(t.versions.iter().map(|v| v.version).collect::<Vec<_>>(), vec![Some(2), Some(3)]);
        assert!(!t.identity_known);
        let got: Vec<(EnclaveIdentity, u64, Option<u32>)> = t
            .candidates
            .iter()
            .map(|c| (c.identity, c.allowed_by.block, c.release.as_ref().map(|r| r.0)))
            .collect();
        assert_eq!(got, vec![(id(1), 10, None), (id(2), 20, Some(1))]);
    }

    #[test]
    fn a_known_identity_is_marked() {
        let t = trace(&input(Some(2)), 300).unwrap();
        assert!(t.identity_known);
        assert!(t.candidates[1].registered_with && !t.candidates[0].registered_with);
    }

    #[test]
    fn before_after_and_never() {
        assert_eq!(trace(&input(None), 299), Err(TraceError::BeforeRegistration { at: 299, first: 300 }));
        assert_eq!(
            trace(&input(None), 600),
            Err(TraceError::Expired { at: 600, valid_until: 600, expiration_epoch: 3 })
        );
        let never = TraceInput { registrations: vec![], ..input(None) };
        assert_eq!(trace(&never, 400), Err(TraceError::NeverRegistered));
        let unmanaged = TraceInput { versions: vec![version(1, 31, &[1])], ..input(None) };
        assert_eq!(trace(&unmanaged, 400), Err(TraceError::NoPolicy { block: 30 }));
    }
}
