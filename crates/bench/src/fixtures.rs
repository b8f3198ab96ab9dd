//! The configs the benchmark drives, and today's baseline bodies: the complete `rofl.Update`
//! CBOR the Oasis CLI writes (`oasis rofl update --unsigned --format cbor`), encoded with
//! `roflgov_types::cbor`.

use alloy::primitives::{B256, Bytes, keccak256};
use roflgov_core::rofl::PolicyChange;
use roflgov_types::{
    AppAuthPolicy, AppConfig, AppId, Create, EnclaveIdentity, IdentifierScheme, Metadata, Secrets, Update,
    cbor, ids::Address as OasisAddress,
};

/// A TDX identity as `oasis rofl build` emits them (`mr_signer` zero), distinct per `index`.
pub fn identity(index: u32) -> EnclaveIdentity {
    EnclaveIdentity {
        mr_enclave: keccak256(format!("roflgov bench identity {index}")),
        mr_signer: B256::ZERO,
    }
}

/// Identities `0..count`.
pub fn identities(count: u32) -> Vec<EnclaveIdentity> {
    (0..count).map(identity).collect()
}

/// The `oasis rofl create` default policy with `count` identities.
pub fn policy(count: u32) -> AppAuthPolicy {
    AppAuthPolicy { enclaves: identities(count), ..AppAuthPolicy::default() }
}

/// The four metadata pairs of the "typical app" (as in `test/RoflAppAdmin.gas.t.sol`).
pub fn typical_metadata() -> Metadata {
    [
        ("net.oasis.rofl.name", "demo-app"),
        ("net.oasis.rofl.version", "0.1.0"),
        ("net.oasis.rofl.license", "Apache-2.0"),
        ("net.oasis.rofl.homepage", "https://example.org/demo-app"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect()
}

/// `count` metadata pairs of realistic size (22-byte keys, 32-byte values).
pub fn metadata_entries(count: usize) -> Metadata {
    (0..count)
        .map(|i| (format!("net.oasis.rofl.key-{i:03}"), format!("value {i:03} of the bench app .....")))
        .collect()
}

/// The typical app's one secret: a 64-byte ciphertext.
pub fn typical_secrets() -> Secrets {
    std::iter::once(("API_TOKEN".to_owned(), Bytes::from(vec![0x5a; 64]))).collect()
}

/// The secret as a policy contract change.
pub fn secret_change() -> PolicyChange {
    PolicyChange::SetSecret { name: "API_TOKEN".into(), value: Bytes::from(vec![0x5a; 64]) }
}

/// A config held by `admin`.
pub fn config(
    id: AppId,
    policy: AppAuthPolicy,
    admin: OasisAddress,
    metadata: Metadata,
    secrets: Secrets,
) -> AppConfig {
    AppConfig { id, policy, admin: Some(admin), metadata, secrets }
}

/// The `rofl.Create` body the Oasis CLI writes for `policy` and `metadata`, with the creator
/// round/index scheme (0).
///
/// Today's flow creates its apps with a direct subcall from the Safe or the Timelock, and a
/// contract can create only one app by nonce: the module derives a scheme-1 id from the
/// creator's account nonce (oasis-sdk `runtime-sdk/src/modules/rofl/mod.rs` `tx_create`,
/// `Accounts::get_nonce(creator)`), a subcall does not move a contract's nonce, so a second
/// scheme-1 create from the same Safe derives the same id and fails with `AppAlreadyExists`
/// (module `rofl`, code 10). Scheme 0 derives the id from (creator, round, tx index): one app
/// per creator and round, and every measured transaction is a block of its own.
pub fn create_body(policy: &AppAuthPolicy, metadata: &Metadata) -> Vec<u8> {
    cbor::encode_create(&Create {
        policy: policy.clone(),
        scheme: IdentifierScheme::CreatorRoundIndex,
        metadata: metadata.clone(),
    })
}

/// Today's flow: the complete `rofl.Update` body for `config`, admin kept.
pub fn update_body(config: &AppConfig) -> Vec<u8> {
    cbor::encode_update(&Update {
        id: config.id,
        policy: config.policy.clone(),
        admin: config.admin,
        metadata: config.metadata.clone(),
        secrets: config.secrets.clone(),
    })
}

/// One of the three changes the benchmark compares.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Scenario {
    /// Add one identity.
    AddIdentity,
    /// A release: add one identity, remove one.
    Release,
    /// Change one metadata value.
    MetadataChange,
}

impl Scenario {
    /// In the order they run (each starts from the state the previous one left).
    pub const ALL: [Scenario; 3] = [Scenario::AddIdentity, Scenario::Release, Scenario::MetadataChange];

    /// Row label.
    pub fn label(self) -> &'static str {
        match self {
            Scenario::AddIdentity => "add one identity",
            Scenario::Release => "release: add one identity, remove one",
            Scenario::MetadataChange => "change one metadata value",
        }
    }

    /// The changes, with `fresh` a number no other scenario run uses for a new identity.
    /// The release removes the first identity the typical app starts with.
    pub fn changes(self, fresh: u32) -> Vec<PolicyChange> {
        match self {
            Scenario::AddIdentity => vec![PolicyChange::AddEnclave(identity(fresh))],
            Scenario::Release => {
                vec![PolicyChange::AddEnclave(identity(fresh)), PolicyChange::RemoveEnclave(identity(0))]
            }
            Scenario::MetadataChange => vec![PolicyChange::SetMetadata {
                key: "net.oasis.rofl.version".into(),
                value: "0.2.0".into(),
            }],
        }
    }
}

/// Applies `changes` to the mirror `config` exactly as the contract does (swap-and-pop order
/// included), so that the baseline body of a scenario is the body roflgov sends for it.
pub fn apply(config: &mut AppConfig, changes: &[PolicyChange]) -> eyre::Result<()> {
    for change in changes {
        change.apply(config).map_err(|e| eyre::eyre!("{e}"))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn baseline_bodies_decode_strictly_and_keep_admin_and_secrets() {
        let admin = OasisAddress::from_eth(alloy::primitives::Address::repeat_byte(7));
        let mut config =
            config(AppId::from_global_name("bench"), policy(2), admin, typical_metadata(), typical_secrets());
        apply(&mut config, &Scenario::Release.changes(100)).unwrap();
        let body = update_body(&config);
        let update = cbor::decode_update(&body).unwrap();
        assert_eq!(update.admin, Some(admin));
        assert_eq!(update.policy, config.policy);
        assert_eq!(update.secrets, config.secrets);
        assert_eq!(cbor::encode_update(&update), body, "canonical");
        let create = cbor::decode_create(&create_body(&config.policy, &config.metadata)).unwrap();
        assert_eq!(create.policy.enclaves.len(), 2);
    }
}
