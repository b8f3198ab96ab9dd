//! The Rust model of the policy contract's rules (`roflgov-core::rofl`: `PolicyChange::apply_to`,
//! `check_sendable_with`, the version rule) is what every review predicts with. This property
//! test proves it equal to the contract: random sequences of changes, single and batched, sent
//! by the owner, the guardian and anyone, with freezes, release records, deadlines and prunes over
//! time, run on anvil and in the model; after every step the outcome (applied or reverted), the
//! config, the version, each identity's status, the one-way locks and the `rofl.Update` body must
//! agree. Lock operations and lock-breaking changes (keys, secrets, floors, hand-overs) are
//! generated too, and when the model refuses a change because of a lock, the contract must revert
//! with the same custom error.
//!
//! `MODEL_EQUIVALENCE_CASES` sets the number of steps (default 60, `make test`); `make
//! model-equivalence` runs a long sequence. `MODEL_EQUIVALENCE_SEED` replays one.

use alloy::{
    primitives::{Address, B256, FixedBytes, keccak256},
    providers::{DynProvider, Provider, ext::AnvilApi},
};
use roflgov_client::rofl::{RoflAdminClient, RoflClientError};
use roflgov_core::rofl::{
    ApplyContext, ApplyError, Caller, Floors, PolicyChange, ReleaseRecord, ReleaseState, check_sendable_with,
};
use roflgov_devnet::LocalChain;
use roflgov_testkit::rng::Rng;
use roflgov_types::{
    AppAuthPolicy, AppConfig, AppId, EnclaveIdentity, FeePolicy, IdentifierScheme, Metadata, PcsQuotePolicy,
    QuotePolicy, TdxModulePolicy, TdxQuotePolicy, Update, cbor, ids::Address as OasisAddress,
};

fn identity(i: u64) -> EnclaveIdentity {
    // Half TDX (zero signer), half SGX: both storage forms.
    let mr_signer = if i.is_multiple_of(2) { B256::ZERO } else { keccak256(format!("signer {i}")) };
    EnclaveIdentity { mr_enclave: keccak256(format!("enclave {i}")), mr_signer }
}

const POOL: u64 = 6;
const KEYS: [&str; 3] = ["net.oasis.rofl.version", "env.MODE", "net.oasis.rofl.name"];
const HOUR: u64 = 3_600;

/// Who sends a step.
#[derive(Clone, Copy, Debug)]
enum Sender {
    Owner,
    Guardian,
    Anyone,
}

/// The model's state of the app.
#[derive(Clone, Debug)]
struct Model {
    config: AppConfig,
    state: ReleaseState,
    version: u64,
}

/// One random change that is plausible for the current model (and sometimes not: reverts are
/// compared too).
fn random_change(rng: &mut Rng, model: &Model, now: u64, guardian: Address) -> PolicyChange {
    let any_identity = identity(rng.below(POOL));
    if rng.chance(30) {
        return random_lock_step(rng, model);
    }
    match rng.below(15) {
        0 | 1 => PolicyChange::AddEnclave(any_identity),
        2 => PolicyChange::RemoveEnclave(
            *model.config.policy.enclaves.first().filter(|_| rng.chance(80)).unwrap_or(&any_identity),
        ),
        3 => PolicyChange::SetMetadata {
            key: (*rng.pick(&KEYS)).to_string(),
            value: format!("v{}", rng.below(1_000)),
        },
        4 => PolicyChange::DeleteMetadata { key: (*rng.pick(&KEYS)).to_string() },
        5 => PolicyChange::SetSecret { name: "API_KEY".into(), value: vec![rng.below(256) as u8; 8].into() },
        6 => PolicyChange::DeleteSecret { name: "API_KEY".into() },
        7 => PolicyChange::SetMaxExpiration(rng.below(30)),
        8 => {
            PolicyChange::SetFees(if rng.chance(50) { FeePolicy::Instance } else { FeePolicy::EndorsingNode })
        }
        9 => PolicyChange::SetGuardian { guardian: if rng.chance(70) { guardian } else { Address::ZERO } },
        10 => PolicyChange::RevokeEnclave(
            *model.config.policy.enclaves.last().filter(|_| rng.chance(80)).unwrap_or(&any_identity),
        ),
        11 => {
            if rng.chance(50) {
                PolicyChange::Freeze
            } else {
                PolicyChange::Unfreeze
            }
        }
        12 => {
            let retire: Vec<EnclaveIdentity> = model.config.policy.enclaves.iter().take(1).copied().collect();
            PolicyChange::AddRelease {
                identities: vec![any_identity],
                record: ReleaseRecord {
                    version: format!("1.{}.0", rng.below(100)),
                    repository: "https://github.com/example/app".into(),
                    git_commit: FixedBytes::repeat_byte(rng.below(255) as u8 + 1),
                    bundle_hash: keccak256(format!("bundle {}", rng.next())),
                    manifest_hash: keccak256(format!("manifest {}", rng.next())),
                    notes: String::new(),
                },
                retire,
                // Deadlines are whole hours plus a half away from any time the chain will hit.
                grace_until: if rng.chance(50) { 0 } else { now + HOUR * (1 + rng.below(3)) + HOUR / 2 },
            }
        }
        13 => PolicyChange::SetRetirement {
            identity: *model.config.policy.enclaves.first().unwrap_or(&any_identity),
            deadline: if rng.chance(30) { 0 } else { now + HOUR * (1 + rng.below(3)) + HOUR / 2 },
        },
        _ => PolicyChange::Prune,
    }
}

/// A random TDX module: any measurement of Intel's signer, or one of two measurements of Intel's
/// or another signer.
fn random_module(rng: &mut Rng) -> TdxModulePolicy {
    let signer = FixedBytes::repeat_byte(if rng.chance(25) { 1 } else { 0 });
    let mr_seam = match rng.below(3) {
        0 => None,
        n => Some(FixedBytes::repeat_byte(0xa0 + n as u8)),
    };
    TdxModulePolicy { mr_seam, mr_signer_seam: signer }
}

/// A random quote policy around the default: PCS absent or disabled now and then, the minimum
/// TCB number 16..20, TDX refused, any module, or one or two modules.
fn random_quotes(rng: &mut Rng) -> QuotePolicy {
    if rng.chance(10) {
        return QuotePolicy { ias: None, pcs: None };
    }
    let tdx = if rng.chance(15) {
        None
    } else {
        let count = rng.below(3) as usize;
        Some(TdxQuotePolicy { allowed_tdx_modules: (0..count).map(|_| random_module(rng)).collect() })
    };
    QuotePolicy {
        ias: None,
        pcs: Some(PcsQuotePolicy {
            disabled: rng.chance(10),
            min_tcb_evaluation_data_number: 16 + rng.below(5) as u32,
            tdx,
            ..PcsQuotePolicy::default()
        }),
    }
}

/// Locks, and the changes they guard: keys and secrets (locked or not), floors, quote policies,
/// `max_expiration`, and a hand-over of a locked app.
fn random_lock_step(rng: &mut Rng, model: &Model) -> PolicyChange {
    let secret = *rng.pick(&["API_KEY", "DB"]);
    match rng.below(8) {
        0 | 1 => PolicyChange::LockMetadata { key: (*rng.pick(&KEYS)).to_string() },
        2 => PolicyChange::LockSecret { name: secret.into() },
        3 => PolicyChange::LockFloors(Floors(1 + rng.below(7) as u8)),
        4 | 5 => PolicyChange::SetQuotePolicy(random_quotes(rng)),
        6 => PolicyChange::SetSecret { name: secret.into(), value: vec![rng.below(256) as u8; 4].into() },
        // Only a locked app is offered to another admin: an unlocked one would leave the test.
        _ if !model.state.locks.is_empty() => {
            PolicyChange::TransferRoflAdmin { new_admin: OasisAddress::from_eth(Address::repeat_byte(0x42)) }
        }
        _ => PolicyChange::SetMaxExpiration(1 + rng.below(24)),
    }
}

/// The Solidity error the contract raises for a lock error of the model.
fn lock_error_name(error: &ApplyError) -> Option<&'static str> {
    Some(match error {
        ApplyError::MetadataKeyIsLocked(_) => "MetadataKeyIsLocked",
        ApplyError::SecretIsLocked(_) => "SecretIsLocked",
        ApplyError::MetadataKeyAlreadyLocked(_) => "MetadataKeyAlreadyLocked",
        ApplyError::SecretAlreadyLocked(_) => "SecretAlreadyLocked",
        ApplyError::InvalidFloors(_) => "InvalidFloors",
        ApplyError::FloorAlreadyLocked(_) => "FloorAlreadyLocked",
        ApplyError::MinTcbEvaluationDataNumberLocked { .. } => "MinTcbEvaluationDataNumberLocked",
        ApplyError::TdxModulesLocked => "TdxModulesLocked",
        ApplyError::MaxExpirationLocked { .. } => "MaxExpirationLocked",
        ApplyError::AppHasLocks => "AppHasLocks",
        _ => return None,
    })
}

/// The model's answer to one top-level call: the changes, from `sender`, batched or not, with
/// `expected` as every call's expected version, at `now`.
fn model_step(
    model: &Model,
    changes: &[PolicyChange],
    sender: Address,
    owner: Address,
    expected: u64,
    now: u64,
    contract: Address,
) -> Result<Model, Option<ApplyError>> {
    let mut next = model.clone();
    let batched = changes.len() > 1;
    let caller = if sender == owner { Caller::Owner } else { Caller::Account(sender) };
    if batched && caller != Caller::Owner {
        return Err(None); // multicall is owner-only
    }
    let ctx = ApplyContext { caller, in_batch: batched, now: Some(now), contract: Some(contract) };
    for change in changes {
        if change.has_version_check() && expected != 0 && expected != model.version {
            return Err(None); // StaleVersion: every call in a batch compares with the version it started from
        }
        change.apply_to(&mut next.config, &mut next.state, &ctx).map_err(Some)?;
    }
    if changes.iter().any(PolicyChange::sends_update) {
        check_sendable_with(&next.config, &next.state).map_err(Some)?;
        next.version += 1;
    }
    Ok(next)
}

async fn chain_time(provider: &DynProvider) -> u64 {
    provider
        .get_block_by_number(alloy::eips::BlockNumberOrTag::Latest)
        .await
        .unwrap()
        .unwrap()
        .header
        .timestamp
}

async fn compare(client: &RoflAdminClient<DynProvider>, app: AppId, model: &Model, step: usize, seed: u64) {
    let context = format!("step {step} (MODEL_EQUIVALENCE_SEED={seed})");
    let managed = client.get_app(app).await.unwrap();
    assert_eq!(managed.version, model.version, "version, {context}");
    assert_eq!(managed.config, model.config, "config, {context}");
    let body = client.encode_update(app).await.unwrap();
    let expected = cbor::encode_update(&Update {
        id: app,
        policy: model.config.policy.clone(),
        admin: model.config.admin,
        metadata: model.config.metadata.clone(),
        secrets: model.config.secrets.clone(),
    });
    assert_eq!(body.as_ref(), expected.as_slice(), "encodeUpdate bytes, {context}");
    assert_eq!(client.guardian(app).await.unwrap(), model.state.guardian, "guardian, {context}");
    assert_eq!(client.is_frozen(app).await.unwrap(), model.state.frozen, "frozen, {context}");
    assert_eq!(client.releases(app).await.unwrap(), model.state.releases, "release records, {context}");
    assert_eq!(client.locks(app).await.unwrap(), model.state.locks, "locks, {context}");
    for i in 0..POOL {
        let id = identity(i);
        let on_chain = client.identity_info(app, &id).await.unwrap();
        let modelled = model.state.info(&model.config, &id);
        assert_eq!(on_chain.status, modelled.status, "status of identity {i}, {context}");
        assert_eq!(on_chain.release_id, modelled.release_id, "release of identity {i}, {context}");
        assert_eq!(on_chain.retire_at, modelled.retire_at, "deadline of identity {i}, {context}");
    }
}

#[tokio::test]
async fn the_model_of_the_contract_equals_the_contract() {
    let steps: usize =
        std::env::var("MODEL_EQUIVALENCE_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(60);
    let seed: u64 =
        std::env::var("MODEL_EQUIVALENCE_SEED").ok().and_then(|v| v.parse().ok()).unwrap_or(0x5afe_2026);
    let mut rng = Rng(seed | 1);

    let chain = LocalChain::start().await.expect("anvil starts");
    let provider = chain.provider().clone();
    let (owner, guardian, anyone) = (chain.accounts()[0], chain.accounts()[1], chain.accounts()[2]);
    let client = RoflAdminClient::deploy_from(provider.clone(), owner, owner).await.expect("deploys");
    let policy = AppAuthPolicy { enclaves: vec![identity(0), identity(1)], ..AppAuthPolicy::default() };
    let metadata: Metadata = [("net.oasis.rofl.version".to_string(), "1.0.0".to_string())].into();
    let (app, _) = client
        .create_app(owner, &policy, &metadata, IdentifierScheme::CreatorNonce)
        .await
        .expect("createApp");
    let created = client.get_app(app).await.unwrap();
    assert_eq!(created.config.admin, Some(OasisAddress::from_eth(client.address())));
    let mut model =
        Model { config: created.config, state: ReleaseState::default(), version: created.version };
    compare(&client, app, &model, 0, seed).await;

    let (mut applied, mut reverted, mut lock_reverts) = (0, 0, 0);
    for step in 1..=steps {
        // Time passes: sometimes past deadlines, never onto one.
        if rng.chance(25) {
            provider.anvil_increase_time(HOUR * (1 + rng.below(2))).await.unwrap();
            provider.anvil_mine(Some(1), None).await.unwrap();
        }
        let now = chain_time(&provider).await + 1;
        let sender =
            *rng.pick(&[Sender::Owner, Sender::Owner, Sender::Owner, Sender::Guardian, Sender::Anyone]);
        let from = match sender {
            Sender::Owner => owner,
            Sender::Guardian => guardian,
            Sender::Anyone => anyone,
        };
        let count =
            if matches!(sender, Sender::Owner) && rng.chance(30) { 2 + rng.below(3) as usize } else { 1 };
        let changes: Vec<PolicyChange> =
            (0..count).map(|_| random_change(&mut rng, &model, now, guardian)).collect();
        let expected = if rng.chance(10) { model.version.saturating_sub(1) } else { model.version };
        let predicted = model_step(&model, &changes, from, owner, expected, now, client.address());
        let outcome = client.apply(from, app, expected, &changes).await;
        match (&predicted, &outcome) {
            (Ok(next), Ok(_)) => {
                model = next.clone();
                applied += 1;
            }
            (Err(reason), Err(error)) => {
                reverted += 1;
                // A lock error of the model is the contract's custom error of the same name.
                if let Some(name) = reason.as_ref().and_then(lock_error_name) {
                    lock_reverts += 1;
                    assert!(
                        matches!(error, RoflClientError::Reverted(_)) && format!("{error}").contains(name),
                        "step {step} (MODEL_EQUIVALENCE_SEED={seed}): the model refuses {changes:?} with {name}, \
                         the contract reverts with {error}"
                    );
                }
            }
            (Ok(_), Err(error)) => panic!(
                "step {step} (MODEL_EQUIVALENCE_SEED={seed}): the model applies {changes:?} from {sender:?} at \
                 v{expected}, the contract reverts: {error}"
            ),
            (Err(_), Ok(_)) => panic!(
                "step {step} (MODEL_EQUIVALENCE_SEED={seed}): the model predicts a revert of {changes:?} from \
                 {sender:?} at v{expected}, the contract applies it"
            ),
        }
        compare(&client, app, &model, step, seed).await;
    }
    // The sequence exercised both outcomes.
    assert!(applied > 0 && reverted > 0, "applied {applied}, reverted {reverted}");
    assert!(lock_reverts > 0 || steps < 30, "no lock refused a change in {steps} steps");
}
