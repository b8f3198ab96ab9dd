//! A realistic world for the firewall tests, built by hand: a 2-of-3 Safe that owns the policy
//! contract, a managed app with two identities, release history (a revoked and a retired
//! identity), metadata and one secret, a second managed app, an unmanaged app the Safe administers
//! directly, and a Governor's Timelock. Plus the builders of the transactions the tests craft.

#![allow(dead_code)]

use std::collections::{BTreeMap, BTreeSet};

use alloy_primitives::{Address, B256, Bytes, FixedBytes, U256};
use alloy_sol_types::sol;
use k256::ecdsa::SigningKey;
use roflgov_contracts::safe::MULTI_SEND_CALL_ONLY;
use roflgov_core::{
    firewall::{
        self, AppFacts, ChainFacts, Expectations, FirewallReport, PolicyContractFacts, SafeFacts,
        Transaction, Verdict,
    },
    review::{ProposedCall, Severity, WarningKind},
    rofl::{
        IdentityMeta, PolicyChange, ReleaseRecord, ReleaseState, changes_to_calldata, subcall::encode_subcall,
    },
    safe_tx::{SafeCall, SafeTx},
};
use roflgov_types::{
    AppAuthPolicy, AppConfig, AppId, EnclaveIdentity, RoflCall, Update, cbor, ids::Address as OasisAddress,
};

/// Sapphire Testnet.
pub(crate) const CHAIN: u64 = 23295;
/// The Safe that owns the policy contract.
pub(crate) const SAFE: Address = Address::repeat_byte(0x5a);
/// The policy contract (`RoflAppAdmin`).
pub(crate) const POLICY: Address = Address::repeat_byte(0x90);
/// A Governor's Timelock (owner of the policy contract in the Governor world).
pub(crate) const TIMELOCK: Address = Address::repeat_byte(0x71);
/// Whoever drafted the proposal (an attacker in most tests).
pub(crate) const PROPOSER: Address = Address::repeat_byte(0xba);
/// An address nobody expects.
pub(crate) const STRANGER: Address = Address::repeat_byte(0xee);
/// The app's guardian today.
pub(crate) const GUARDIAN: Address = Address::repeat_byte(0x6a);
/// The Safe's nonce now.
pub(crate) const NONCE: u64 = 12;
/// The policy contract's version of the main app now.
pub(crate) const V: u64 = 7;
/// The policy contract's version of the second app now.
pub(crate) const V2: u64 = 3;
/// The chain's time.
pub(crate) const NOW: u64 = 1_763_736_840;
/// The metadata key of the app version.
pub(crate) const VERSION_KEY: &str = "net.oasis.rofl.version";
/// The app's one secret.
pub(crate) const SECRET: &str = "TELEGRAM_TOKEN";

sol! {
    /// Safe v1.4.1 functions that change the Safe itself.
    #[allow(missing_docs)]
    interface ISafe {
        function addOwnerWithThreshold(address owner, uint256 _threshold) external;
        function swapOwner(address prevOwner, address oldOwner, address newOwner) external;
        function changeThreshold(uint256 _threshold) external;
        function enableModule(address module) external;
        function setGuard(address guard) external;
        function setFallbackHandler(address handler) external;
    }

    /// OpenZeppelin `TimelockController`.
    #[allow(missing_docs)]
    interface ITimelock {
        function updateDelay(uint256 newDelay) external;
    }
}

/// The main app (managed by the policy contract).
pub(crate) fn app() -> AppId {
    AppId::from_global_name("talos")
}

/// The second managed app.
pub(crate) fn app2() -> AppId {
    AppId::from_global_name("oracle")
}

/// An app the Safe administers directly (not managed by the policy contract).
pub(crate) fn legacy() -> AppId {
    AppId::from_global_name("legacy")
}

/// A TDX identity whose measurement is `byte` repeated.
pub(crate) fn identity(byte: u8) -> EnclaveIdentity {
    EnclaveIdentity { mr_enclave: B256::repeat_byte(byte), mr_signer: B256::ZERO }
}

/// Allowed today.
pub(crate) fn a1() -> EnclaveIdentity {
    identity(0xa1)
}
/// Allowed today.
pub(crate) fn a2() -> EnclaveIdentity {
    identity(0xa2)
}
/// The new build of an honest release.
pub(crate) fn a3() -> EnclaveIdentity {
    identity(0xa3)
}
/// Revoked by the guardian (release 1).
pub(crate) fn revoked() -> EnclaveIdentity {
    identity(0xb0)
}
/// Retired by release 2 (release 1).
pub(crate) fn retired() -> EnclaveIdentity {
    identity(0xb1)
}

/// A valid release record.
pub(crate) fn record(version: &str) -> ReleaseRecord {
    ReleaseRecord {
        version: version.into(),
        repository: "https://github.com/example/talos".into(),
        git_commit: FixedBytes::repeat_byte(0x11),
        bundle_hash: B256::repeat_byte(0x22),
        manifest_hash: B256::repeat_byte(0x33),
        notes: String::new(),
    }
}

/// The main app today: two identities, name and version metadata, one secret, the policy
/// contract as ROFL admin.
pub(crate) fn app_config() -> AppConfig {
    AppConfig {
        id: app(),
        policy: AppAuthPolicy { enclaves: vec![a1(), a2()], ..Default::default() },
        admin: Some(OasisAddress::from_eth(POLICY)),
        metadata: BTreeMap::from([
            ("net.oasis.rofl.name".to_string(), "talos".to_string()),
            (VERSION_KEY.to_string(), "1.0.0".to_string()),
        ]),
        secrets: BTreeMap::from([(SECRET.to_string(), Bytes::from(vec![0xc7; 48]))]),
    }
}

/// roflgov's state of the main app: two releases, a guardian, one revoked and one retired
/// identity.
pub(crate) fn release_state() -> ReleaseState {
    let meta = |release_id, revoked| IdentityMeta { retire_at: 0, release_id, revoked };
    ReleaseState {
        guardian: Some(GUARDIAN),
        frozen: false,
        releases: vec![record("0.9.0"), record("1.0.0")],
        identities: BTreeMap::from([
            (revoked(), meta(1, true)),
            (retired(), meta(1, false)),
            (a1(), meta(2, false)),
            (a2(), meta(2, false)),
        ]),
        locks: Default::default(),
    }
}

fn second_config() -> AppConfig {
    AppConfig {
        id: app2(),
        policy: AppAuthPolicy { enclaves: vec![identity(0xc1)], ..Default::default() },
        admin: Some(OasisAddress::from_eth(POLICY)),
        metadata: BTreeMap::from([(VERSION_KEY.to_string(), "2.4.0".to_string())]),
        secrets: BTreeMap::new(),
    }
}

/// The unmanaged app: the Safe is its ROFL admin.
pub(crate) fn legacy_config() -> AppConfig {
    AppConfig {
        id: legacy(),
        policy: AppAuthPolicy { enclaves: vec![identity(0xd1)], ..Default::default() },
        admin: Some(OasisAddress::from_eth(SAFE)),
        metadata: BTreeMap::from([
            ("net.oasis.rofl.name".to_string(), "legacy".to_string()),
            (VERSION_KEY.to_string(), "0.3.0".to_string()),
        ]),
        secrets: BTreeMap::from([("DB_PASSWORD".to_string(), Bytes::from(vec![0x5e; 40]))]),
    }
}

/// The Safe's owners' keys (the Safe is 2-of-3).
pub(crate) fn owner_keys() -> Vec<SigningKey> {
    (1u8..=3).map(key).collect()
}

/// A deterministic key.
pub(crate) fn key(byte: u8) -> SigningKey {
    SigningKey::from_bytes(&[byte; 32].into()).expect("a valid scalar")
}

/// The address of `key`.
pub(crate) fn address_of(key: &SigningKey) -> Address {
    Address::from_private_key(key)
}

/// The chain as the reviewer's client would gather it for a Safe transaction.
pub(crate) fn facts() -> ChainFacts {
    ChainFacts {
        rpc_chain_id: Some(CHAIN),
        policy_contract: Some(PolicyContractFacts { address: POLICY, owner: SAFE, code_is_roflgov: true }),
        apps: BTreeMap::from([
            (app(), AppFacts { config: app_config(), version: Some(V), release_state: release_state() }),
            (
                app2(),
                AppFacts {
                    config: second_config(),
                    version: Some(V2),
                    release_state: ReleaseState::default(),
                },
            ),
            (
                legacy(),
                AppFacts { config: legacy_config(), version: None, release_state: ReleaseState::default() },
            ),
        ]),
        code_hashes: BTreeMap::from([(MULTI_SEND_CALL_ONLY.address, MULTI_SEND_CALL_ONLY.code_hash)]),
        has_code: BTreeMap::new(),
        now: Some(NOW),
        safe: Some(SafeFacts {
            owners: owner_keys().iter().map(address_of).collect(),
            threshold: 2,
            nonce: NONCE,
            approved_hash_by: BTreeSet::new(),
            executed: Some(false),
        }),
        module_errors: BTreeMap::new(),
    }
}

/// The same world with a Governor: the Timelock owns the policy contract, there is no Safe.
pub(crate) fn governor_facts() -> ChainFacts {
    ChainFacts {
        policy_contract: Some(PolicyContractFacts {
            address: POLICY,
            owner: TIMELOCK,
            code_is_roflgov: true,
        }),
        safe: None,
        ..facts()
    }
}

/// An EIP-712 signature (`v` 27/28) of `hash` by `key`, packed as the Safe reads it.
pub(crate) fn sign(key: &SigningKey, hash: B256) -> Bytes {
    let (signature, recovery) = key.sign_prehash_recoverable(hash.as_slice()).expect("signs");
    let mut packed = signature.to_bytes().to_vec();
    packed.push(27 + u8::from(recovery.is_y_odd()));
    packed.into()
}

/// `tx` with the signatures of the first two owners (the threshold).
pub(crate) fn signed(tx: SafeTx) -> Transaction {
    let hash = tx.safe_tx_hash(CHAIN, SAFE);
    let signatures = owner_keys()[..2].iter().map(|k| sign(k, hash)).collect();
    Transaction::Safe { safe: SAFE, chain_id: CHAIN, tx, signatures, title: None }
}

/// `tx` as found in a file, with `signatures`.
pub(crate) fn with_signatures(tx: SafeTx, signatures: Vec<Bytes>) -> Transaction {
    Transaction::Safe { safe: SAFE, chain_id: CHAIN, tx, signatures, title: None }
}

/// A signed single CALL from the Safe at its current nonce.
pub(crate) fn single(to: Address, value: U256, data: impl Into<Bytes>) -> Transaction {
    signed(SafeTx::call(SafeCall::new(to, value, data), NONCE))
}

/// A signed MultiSendCallOnly batch (DELEGATECALL to the canonical address) at the current
/// nonce.
pub(crate) fn batch(calls: &[SafeCall]) -> Transaction {
    signed(SafeTx::multi_send(MULTI_SEND_CALL_ONLY.address, calls, NONCE))
}

/// A Governor proposal: `calls` executed by the Timelock, description covered by the id.
pub(crate) fn governor(calls: Vec<ProposedCall>) -> Transaction {
    Transaction::Calls {
        executor: TIMELOCK,
        chain_id: Some(CHAIN),
        calls,
        description: Some("# Release talos 1.1.0".into()),
        description_verified: true,
    }
}

/// Calldata of `changes` on the main app, expecting version `version`.
pub(crate) fn pc(version: u64, changes: &[PolicyChange]) -> Bytes {
    pc_on(app(), version, changes)
}

/// Calldata of `changes` on `app`, expecting version `version`.
pub(crate) fn pc_on(app: AppId, version: u64, changes: &[PolicyChange]) -> Bytes {
    changes_to_calldata(app, version, changes).expect("encodes")
}

/// A call of the policy contract with no value.
pub(crate) fn policy_call(data: Bytes) -> SafeCall {
    SafeCall::new(POLICY, U256::ZERO, data)
}

/// The honest release: retire `a2`, allow `a3`, set the version metadata.
pub(crate) fn release_changes() -> Vec<PolicyChange> {
    vec![
        PolicyChange::RemoveEnclave(a2()),
        PolicyChange::AddEnclave(a3()),
        PolicyChange::SetMetadata { key: VERSION_KEY.into(), value: "1.1.0".into() },
    ]
}

/// A direct `rofl.Update` of `config`'s app (the subcall precompile input), edited by `edit`.
pub(crate) fn direct_update(config: AppConfig, edit: impl FnOnce(&mut Update)) -> Bytes {
    let mut update = Update {
        id: config.id,
        policy: config.policy,
        admin: config.admin,
        metadata: config.metadata,
        secrets: config.secrets,
    };
    edit(&mut update);
    encode_subcall(cbor::METHOD_UPDATE, &cbor::encode_call(&RoflCall::Update(update)))
}

/// `1 ROSE` in wei.
pub(crate) fn rose(amount: u64) -> U256 {
    U256::from(amount) * U256::from(10u64).pow(U256::from(18u64))
}

/// Reviews `transaction` against the Safe world with no expectations.
pub(crate) fn run(transaction: &Transaction) -> FirewallReport {
    firewall::review(transaction, &facts(), &Expectations::default())
}

/// Reviews `transaction` against the Governor world with no expectations.
pub(crate) fn run_governor(transaction: &Transaction) -> FirewallReport {
    firewall::review(transaction, &governor_facts(), &Expectations::default())
}

/// The verdict is not ok and a critical finding of `kind` is among the findings.
#[track_caller]
pub(crate) fn assert_blocked(report: &FirewallReport, kind: WarningKind) {
    assert_ne!(report.verdict, Verdict::Ok, "an attack got OK:\n{report}");
    assert!(
        report.findings.iter().any(|w| w.kind == kind && w.severity == Severity::Critical),
        "no critical {} finding:\n{report}",
        kind.name()
    );
}

/// The verdict is ok, nothing critical, and every call was understood.
#[track_caller]
pub(crate) fn assert_honest(report: &FirewallReport) {
    assert_eq!(report.verdict, Verdict::Ok, "an honest proposal is refused:\n{report}");
    assert!(
        report.findings.iter().all(|w| w.severity != Severity::Critical),
        "critical finding on an honest proposal:\n{report}"
    );
    assert!(!report.has(WarningKind::UnknownTarget), "{report}");
    assert!(!report.has(WarningKind::Unreviewable), "{report}");
}
