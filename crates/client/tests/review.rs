//! The review signers and voters read before they sign: policy contract calls (single and
//! multicall), today's direct subcalls with opaque CBOR, stale versions, unknown calls, and
//! the rendering (text and JSON) that never shows a secret value.

#![allow(unused_crate_dependencies)] // one test target uses only some of the dev-dependencies

use alloy::primitives::{Address, B256, Bytes, U256, address, keccak256};
use alloy::sol_types::SolCall as _;
use roflgov_client::rofl::bindings::RoflAppAdmin;
use roflgov_core::{
    review::{
        CallReading, ConfigDiff, EnclaveNote, EnclaveNotes, MetadataChange, ProposedCall, Reviewer,
        SecretChange, Severity, WarningKind, render_endorsements, review_calls,
    },
    rofl::{
        CalldataError, DecodedCalldata, PolicyChange, changes_to_calldata, decode_calldata, enclave_text_id,
        plan::ReleaseTarget,
        plan_release,
        subcall::{SUBCALL_PRECOMPILE, encode_subcall},
    },
};
use roflgov_types::{
    AllowedEndorsement, AppConfig, AppId, EnclaveIdentity, FeePolicy, IdentifierScheme, QuotePolicy, Remove,
    Update, cbor,
    ids::Address as OasisAddress,
    manifest::{DeploymentConfig, Manifest},
};
use rstest::{fixture, rstest};

const TALOS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../fixtures/talos-rofl.yaml");
const POLICY_CONTRACT: Address = address!("5FbDB2315678afecb367f032d93F642f64180aa3");
/// The Talos Safe on mainnet.
const SAFE: Address = address!("70739eB50e269f1f1eb27c6f8932f63389B1Cb63");

#[fixture]
fn deployment() -> DeploymentConfig {
    Manifest::from_path(TALOS).unwrap().deployment("mainnet").unwrap()
}

/// The Talos app as the module holds it today: the manifest's policy, secrets and metadata
/// (the five `net.oasis.rofl.*` keys `oasis rofl update` derived from its top-level fields),
/// admin = its Safe.
#[fixture]
fn talos(deployment: DeploymentConfig) -> AppConfig {
    AppConfig {
        id: deployment.app_id.unwrap(),
        policy: deployment.policy.clone(),
        admin: Some(OasisAddress::from_eth(SAFE)),
        metadata: deployment.metadata,
        secrets: deployment.secrets,
    }
}

fn tdx(label: &str) -> EnclaveIdentity {
    EnclaveIdentity { mr_enclave: keccak256(label.as_bytes()), mr_signer: B256::ZERO }
}

fn to_policy(data: Bytes) -> ProposedCall {
    ProposedCall::call(POLICY_CONTRACT, U256::ZERO, data)
}

fn update_of(config: &AppConfig) -> Update {
    Update {
        id: config.id,
        policy: config.policy.clone(),
        admin: config.admin,
        metadata: config.metadata.clone(),
        secrets: config.secrets.clone(),
    }
}

fn direct_update(update: &Update) -> ProposedCall {
    ProposedCall::call(
        SUBCALL_PRECOMPILE,
        U256::ZERO,
        encode_subcall("rofl.Update", &cbor::encode_update(update)),
    )
}

// ---------------------------------------------------------------------------------------------
// Calldata round trips
// ---------------------------------------------------------------------------------------------

#[rstest]
#[case::add(PolicyChange::AddEnclave(tdx("a")))]
#[case::remove(PolicyChange::RemoveEnclave(tdx("b")))]
#[case::endorsements(PolicyChange::SetEndorsements(vec![AllowedEndorsement::And(vec![
    AllowedEndorsement::RoleCompute {},
    AllowedEndorsement::Or(vec![AllowedEndorsement::Node(B256::repeat_byte(7)), AllowedEndorsement::Any {}]),
])]))]
#[case::fees(PolicyChange::SetFees(FeePolicy::Instance))]
#[case::max_expiration(PolicyChange::SetMaxExpiration(7))]
#[case::quotes_none(PolicyChange::SetQuotePolicy(QuotePolicy { ias: None, pcs: None }))]
#[case::quotes_default(PolicyChange::SetQuotePolicy(roflgov_types::AppAuthPolicy::default().quotes))]
#[case::set_metadata(PolicyChange::SetMetadata { key: "k".into(), value: "v".into() })]
#[case::delete_metadata(PolicyChange::DeleteMetadata { key: "k".into() })]
#[case::set_secret(PolicyChange::SetSecret { name: "API".into(), value: Bytes::from_static(b"\x01\x02") })]
#[case::delete_secret(PolicyChange::DeleteSecret { name: "API".into() })]
#[case::transfer(PolicyChange::TransferRoflAdmin { new_admin: OasisAddress::from_eth(SAFE) })]
#[case::renounce(PolicyChange::RenounceRoflAdmin)]
#[case::remove_app(PolicyChange::RemoveApp)]
fn every_change_round_trips_through_calldata(#[case] change: PolicyChange, talos: AppConfig) {
    let single = change.to_calldata(talos.id, 4).unwrap();
    let decoded = decode_calldata(&single).unwrap();
    let DecodedCalldata::Change(call) = decoded else { panic!("{decoded:?}") };
    assert_eq!((call.app, call.expected_version, &call.change), (Some(talos.id), Some(4), &change));

    let batch =
        changes_to_calldata(talos.id, 4, &[change.clone(), PolicyChange::SetMaxExpiration(3)]).unwrap();
    let decoded = decode_calldata(&batch).unwrap();
    let changes: Vec<_> = decoded.changes().into_iter().map(|c| c.change.clone()).collect();
    assert_eq!(changes, vec![change.clone(), PolicyChange::SetMaxExpiration(3)]);

    // The JSON form names the function and never carries a secret value.
    let json = serde_json::to_value(&decoded).unwrap();
    assert_eq!(json["kind"], "multicall");
    let first = &json["calls"][0];
    assert_eq!(first["change"], serde_json::to_value(&change).unwrap()["change"]);
    assert!(!json.to_string().contains("0102"), "{json}");
    assert!(!change.to_string().contains("0x0102"), "{change}");
}

#[rstest]
fn create_and_adopt_round_trip(talos: AppConfig) {
    let create = PolicyChange::CreateApp {
        policy: talos.policy.clone(),
        metadata: talos.metadata.clone(),
        scheme: IdentifierScheme::CreatorNonce,
    };
    let decoded = decode_calldata(&create.to_calldata(AppId::default(), 0).unwrap()).unwrap();
    assert_eq!(decoded.changes()[0].change, create);
    assert_eq!(decoded.changes()[0].app, None);
    assert!(matches!(
        changes_to_calldata(talos.id, 0, &[create, PolicyChange::RemoveApp]),
        Err(CalldataError::CreateInBatch)
    ));

    let adopt = PolicyChange::AdoptApp {
        policy: talos.policy.clone(),
        metadata: talos.metadata.clone(),
        secrets: talos.secrets.clone(),
    };
    let decoded = decode_calldata(&adopt.to_calldata(talos.id, 0).unwrap()).unwrap();
    assert_eq!(decoded.changes()[0].change, adopt);
    assert_eq!(decoded.changes()[0].app, Some(talos.id));
}

#[rstest]
fn nested_multicall_is_decoded_and_flagged(talos: AppConfig) {
    let inner = changes_to_calldata(
        talos.id,
        0,
        &[PolicyChange::SetFees(FeePolicy::Instance), PolicyChange::SetMaxExpiration(4)],
    )
    .unwrap();
    let outer = RoflAppAdmin::multicallCall { calls: vec![inner] };
    let data = Bytes::from(alloy::sol_types::SolCall::abi_encode(&outer));
    let decoded = decode_calldata(&data).unwrap();
    assert!(decoded.has_nested_multicall());
    assert_eq!(decoded.changes().len(), 2);
    let review = review_calls(&talos, 1, &[to_policy(data)], POLICY_CONTRACT);
    assert!(
        review
            .warnings
            .iter()
            .any(|w| w.kind == WarningKind::WouldRevert && w.message.contains("NestedMulticall"))
    );
}

// ---------------------------------------------------------------------------------------------
// Releases through the policy contract
// ---------------------------------------------------------------------------------------------

#[rstest]
fn release_review_shows_exactly_the_identities_with_their_notes(
    talos: AppConfig,
    deployment: DeploymentConfig,
) {
    let old = talos.policy.enclaves[0];
    let new = tdx("talos 0.2.0");
    let mut notes = EnclaveNotes::from_deployment(&deployment);
    notes.insert(
        new,
        EnclaveNote { version: Some("0.2.0".into()), description: Some("GPT-5 agent".into()), source: None },
    );

    let mut target = talos.policy.clone();
    target.enclaves = vec![talos.policy.enclaves[1], new];
    let changes = plan_release(&talos, &ReleaseTarget::policy_only(target)).unwrap();
    assert_eq!(changes, vec![PolicyChange::AddEnclave(new), PolicyChange::RemoveEnclave(old)]);

    let data = changes_to_calldata(talos.id, 3, &changes).unwrap();
    let review =
        Reviewer::new(&talos).policy_contract(POLICY_CONTRACT, 3).notes(&notes).review(&[to_policy(data)]);

    assert_eq!(review.diff.added_ids(), vec![enclave_text_id(&new)]);
    assert_eq!(review.diff.removed_ids(), vec![enclave_text_id(&old)]);
    assert_eq!(review.diff.enclaves_kept.len(), 1);
    assert_eq!(review.diff.enclaves_added[0].note.as_ref().unwrap().version.as_deref(), Some("0.2.0"));
    assert_eq!(review.diff.enclaves_added[0].tee, "tdx");
    assert!(review.diff.endorsements.is_none());
    assert!(review.diff.metadata.is_empty() && review.diff.secrets.is_empty() && review.diff.admin.is_none());
    assert!(review.stale.is_none());
    assert!(review.warnings.is_empty(), "{:?}", review.warnings);

    let text = review.to_string();
    assert!(text.contains(&format!("+ {}", enclave_text_id(&new))), "{text}");
    assert!(text.contains(&format!("- {}", enclave_text_id(&old))), "{text}");
    assert!(text.contains("0.2.0  \"GPT-5 agent\""), "{text}");
    assert!(text.contains("multicall (2 calls, one rofl.Update)"), "{text}");
    assert!(!text.contains("CRITICAL"), "{text}");
}

#[rstest]
fn endorsement_tree_renders_readably(talos: AppConfig) {
    assert_eq!(
        render_endorsements(&talos.policy.endorsements),
        "and(provider oasis1qzc8pldvm8vm3duvdrj63wgvkw34y9ucfcxzetqr, or(\
         provider_instance_admin oasis1qpx5xq4kwtuawjdc0wty0d0mz08ha62jrc2c236j, \
         provider_instance_admin oasis1qz2lty9v4glt5ts8ljhfpnd05dy3cwmtnyshws8q))"
    );
    let mut next = talos.clone();
    next.policy.endorsements = vec![AllowedEndorsement::Any {}];
    next.policy.fees = FeePolicy::Instance;
    let diff = ConfigDiff::between(&talos, &next, None);
    let change = diff.endorsements.as_ref().unwrap();
    assert!(change.before.starts_with("and(provider oasis1"));
    assert_eq!(change.after, "any");
    assert!(diff.warnings.iter().any(|w| w.kind == WarningKind::AnyEndorsement));
    assert!(diff.to_string().contains("endorsing_node → instance"), "{diff}");
}

#[rstest]
fn metadata_and_secrets_are_diffed_by_key_and_secret_values_never_shown(talos: AppConfig) {
    let secret_value = talos.secrets["OPENAI_API_KEY"].clone();
    let changes = vec![
        PolicyChange::SetMetadata { key: "net.oasis.rofl.version".into(), value: "0.2.0".into() },
        PolicyChange::SetMetadata { key: "homepage".into(), value: "https://talos.is".into() },
        PolicyChange::DeleteMetadata { key: "net.oasis.rofl.name".into() },
        PolicyChange::SetSecret {
            name: "OPENAI_API_KEY".into(),
            value: Bytes::from_static(b"new ciphertext"),
        },
        PolicyChange::SetSecret { name: "X_TOKEN".into(), value: Bytes::from_static(b"another ciphertext") },
    ];
    let review = review_calls(
        &talos,
        2,
        &[to_policy(changes_to_calldata(talos.id, 2, &changes).unwrap())],
        POLICY_CONTRACT,
    );
    assert_eq!(
        review.diff.metadata,
        vec![
            MetadataChange::Added { key: "homepage".into(), value: "https://talos.is".into() },
            MetadataChange::Changed {
                key: "net.oasis.rofl.version".into(),
                before: "0.1.0".into(),
                after: "0.2.0".into()
            },
            MetadataChange::Removed { key: "net.oasis.rofl.name".into(), value: "talos".into() },
        ]
    );
    assert_eq!(
        review.diff.secrets,
        vec![SecretChange::Changed("OPENAI_API_KEY".into()), SecretChange::Added("X_TOKEN".into())]
    );
    let text = review.to_string();
    let json = serde_json::to_string(&review).unwrap();
    for output in [&text, &json] {
        assert!(output.contains("OPENAI_API_KEY"));
        for value in [secret_value.as_ref(), b"new ciphertext".as_slice(), b"another ciphertext".as_slice()] {
            assert!(!output.contains(&alloy::hex::encode(value)), "secret value leaked as hex");
            assert!(!output.contains(std::str::from_utf8(value).unwrap_or("\u{0}")), "secret value leaked");
        }
        let b64 = base64_of(secret_value.as_ref());
        assert!(!output.contains(&b64[..20]), "secret value leaked as base64");
    }
}

fn base64_of(bytes: &[u8]) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

#[rstest]
fn removing_every_enclave_is_loud(talos: AppConfig) {
    let changes: Vec<_> = talos.policy.enclaves.iter().copied().map(PolicyChange::RemoveEnclave).collect();
    let review = review_calls(
        &talos,
        1,
        &[to_policy(changes_to_calldata(talos.id, 1, &changes).unwrap())],
        POLICY_CONTRACT,
    );
    assert!(review.has_warning(WarningKind::NoEnclaves));
    assert!(
        review
            .warnings
            .iter()
            .any(|w| w.kind == WarningKind::WouldRevert && w.message.contains("no enclave"))
    );
    assert!(review.to_string().contains("THE ENCLAVE LIST WOULD BE EMPTY"));
}

#[rstest]
fn changes_that_would_revert_are_reported(talos: AppConfig) {
    let changes = vec![
        PolicyChange::RemoveEnclave(tdx("never allowed")),
        PolicyChange::DeleteSecret { name: "MISSING".into() },
    ];
    let review = review_calls(
        &talos,
        1,
        &[to_policy(changes_to_calldata(talos.id, 1, &changes).unwrap())],
        POLICY_CONTRACT,
    );
    let reverts: Vec<_> = review.warnings.iter().filter(|w| w.kind == WarningKind::WouldRevert).collect();
    assert_eq!(reverts.len(), 2, "{reverts:?}");
    assert!(review.diff.is_empty());
}

#[rstest]
fn renounce_and_transfer_are_flagged(talos: AppConfig) {
    let renounce = review_calls(
        &talos,
        1,
        &[to_policy(PolicyChange::RenounceRoflAdmin.to_calldata(talos.id, 1).unwrap())],
        POLICY_CONTRACT,
    );
    assert!(renounce.has_warning(WarningKind::AdminRemoved));
    assert_eq!(renounce.diff.admin.as_ref().unwrap().after, None);

    let ownership = RoflAppAdmin::transferOwnershipCall { newOwner: SAFE };
    let review = review_calls(
        &talos,
        1,
        &[to_policy(alloy::sol_types::SolCall::abi_encode(&ownership).into())],
        POLICY_CONTRACT,
    );
    assert!(review.has_warning(WarningKind::OwnershipTransfer));
    assert!(review.diff.is_empty());
}

#[rstest]
fn a_view_sent_as_a_transaction_is_flagged(talos: AppConfig) {
    let call = RoflAppAdmin::getAppCall { appId: talos.id.to_fixed_bytes() };
    let review = review_calls(&talos, 1, &[to_policy(call.abi_encode().into())], POLICY_CONTRACT);
    assert!(matches!(
        &review.calls[0].reading,
        CallReading::PolicyContract { decoded: DecodedCalldata::Owner(roflgov_core::rofl::OwnerCall::View { function }) }
            if function == "getApp"
    ));
    assert!(
        review
            .warnings
            .iter()
            .any(|w| w.kind == WarningKind::Unreviewable && w.severity == Severity::Caution)
    );
    assert!(review.diff.is_empty());
}

// ---------------------------------------------------------------------------------------------
// Stale versions and unknown calls
// ---------------------------------------------------------------------------------------------

#[rstest]
#[case::stale(2, true)]
#[case::current(3, false)]
fn stale_version_is_detected(talos: AppConfig, #[case] drafted_at: u64, #[case] stale: bool) {
    let data = changes_to_calldata(talos.id, drafted_at, &[PolicyChange::SetMaxExpiration(5)]).unwrap();
    let review = review_calls(&talos, 3, &[to_policy(data)], POLICY_CONTRACT);
    assert_eq!(review.stale.is_some(), stale);
    assert_eq!(review.has_warning(WarningKind::StaleVersion), stale);
    if stale {
        assert_eq!((review.stale.unwrap().expected, review.stale.unwrap().current), (2, 3));
        assert!(review.to_string().contains("STALE"));
    }
}

#[rstest]
fn no_version_check_is_a_caution(talos: AppConfig) {
    let data = changes_to_calldata(talos.id, 0, &[PolicyChange::SetMaxExpiration(5)]).unwrap();
    let review = review_calls(&talos, 3, &[to_policy(data)], POLICY_CONTRACT);
    assert!(review.stale.is_none());
    assert!(
        review
            .warnings
            .iter()
            .any(|w| w.kind == WarningKind::NoVersionCheck && w.severity == Severity::Caution)
    );
}

#[rstest]
#[case::unknown_selector(POLICY_CONTRACT, Bytes::from_static(&[0xde, 0xad, 0xbe, 0xef, 0, 0]), "unknown selector 0xdeadbeef")]
#[case::too_short(POLICY_CONTRACT, Bytes::from_static(&[0x01]), "shorter than a 4-byte selector")]
#[case::bad_arguments(POLICY_CONTRACT, [RoflAppAdmin::addEnclaveCall::SELECTOR.as_slice(), &[1, 2, 3]].concat().into(), "arguments of addEnclave")]
#[case::unknown_target(address!("00000000000000000000000000000000000000aa"), Bytes::new(), "unknown target")]
#[case::precompile_garbage(SUBCALL_PRECOMPILE, Bytes::from_static(b"not abi"), "subcall precompile")]
fn unknown_calls_are_reported_never_ignored(
    talos: AppConfig,
    #[case] to: Address,
    #[case] data: Bytes,
    #[case] reason_contains: &str,
) {
    let review = review_calls(&talos, 1, &[ProposedCall::call(to, U256::ZERO, data)], POLICY_CONTRACT);
    let CallReading::Unknown { reason } = &review.calls[0].reading else { panic!("{:?}", review.calls[0]) };
    assert!(reason.contains(reason_contains), "{reason}");
    assert!(review.has_warning(WarningKind::Unreviewable));
    assert!(review.has_critical());
    assert!(review.to_string().contains("CANNOT BE REVIEWED"));
}

// ---------------------------------------------------------------------------------------------
// Today's flow: direct subcalls with an opaque CBOR body
// ---------------------------------------------------------------------------------------------

#[rstest]
fn todays_flow_update_without_admin_or_secrets_is_loud(talos: AppConfig) {
    let mut update = update_of(&talos);
    update.admin = None;
    update.secrets.clear();
    update.metadata.clear();
    let review = Reviewer::new(&talos).review(&[direct_update(&update)]);

    assert!(
        matches!(&review.calls[0].reading, CallReading::Subcall { method, app } if method == "rofl.Update" && *app == Some(talos.id))
    );
    for kind in [WarningKind::AdminRemoved, WarningKind::SecretsWiped, WarningKind::MetadataWiped] {
        let warning =
            review.warnings.iter().find(|w| w.kind == kind).unwrap_or_else(|| panic!("no {kind:?}"));
        assert_eq!(warning.severity, Severity::Critical);
    }
    assert_eq!(review.diff.secrets, vec![SecretChange::Removed("OPENAI_API_KEY".into())]);
    let text = review.to_string();
    assert!(text.contains("!!! CRITICAL  THE APP WOULD HAVE NO ADMIN"), "{text}");
    assert!(text.contains("ALL SECRETS WOULD BE WIPED (OPENAI_API_KEY)"), "{text}");
    assert!(text.contains("DO NOT SIGN"), "{text}");
    let json: serde_json::Value = serde_json::to_value(&review).unwrap();
    assert!(
        json["warnings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|w| w["kind"] == "admin_removed" && w["severity"] == "critical")
    );
}

#[rstest]
fn todays_flow_complete_update_shows_the_release(talos: AppConfig) {
    let mut update = update_of(&talos);
    let new = tdx("talos 0.2.0");
    update.policy.enclaves = vec![new, talos.policy.enclaves[1]];
    let review = Reviewer::new(&talos).review(&[direct_update(&update)]);
    assert_eq!(review.diff.added_ids(), vec![enclave_text_id(&new)]);
    assert_eq!(review.diff.removed_ids(), vec![enclave_text_id(&talos.policy.enclaves[0])]);
    assert!(!review.has_critical(), "{review}");
    assert!(review.has_warning(WarningKind::NoVersionCheck));
}

#[rstest]
fn todays_flow_non_canonical_body_is_unreviewable(talos: AppConfig) {
    let mut body = cbor::encode_update(&update_of(&talos));
    body.push(0x00); // trailing byte
    let call = ProposedCall::call(SUBCALL_PRECOMPILE, U256::ZERO, encode_subcall("rofl.Update", &body));
    let review = Reviewer::new(&talos).review(&[call]);
    assert!(matches!(review.calls[0].reading, CallReading::Unknown { .. }));
    assert!(review.has_warning(WarningKind::Unreviewable));
    assert!(review.diff.is_empty());
}

#[rstest]
fn todays_flow_delegatecall_is_refused(talos: AppConfig) {
    let mut call = direct_update(&update_of(&talos));
    call.delegate_call = true;
    let review = Reviewer::new(&talos).review(&[call]);
    assert!(
        review
            .warnings
            .iter()
            .any(|w| w.kind == WarningKind::WouldRevert && w.message.contains("DELEGATECALL"))
    );
    assert!(review.has_critical());
}

#[rstest]
fn todays_flow_remove_is_loud(talos: AppConfig) {
    let body = cbor::encode_remove(&Remove { id: talos.id });
    let call = ProposedCall::call(SUBCALL_PRECOMPILE, U256::ZERO, encode_subcall("rofl.Remove", &body));
    let review = Reviewer::new(&talos).review(&[call]);
    assert!(review.has_warning(WarningKind::AppRemoved));
}

#[rstest]
fn plan_release_from_the_manifest_is_minimal(talos: AppConfig, deployment: DeploymentConfig) {
    // Same policy, secrets and metadata (rofl.yaml's top-level fields as `net.oasis.rofl.*`, as
    // the Oasis CLI sends them): nothing to do. Reading only the deployment's own `metadata`
    // used to plan deleting the live app's `net.oasis.rofl.*` keys here.
    let target = ReleaseTarget::from_deployment(&deployment);
    assert_eq!(plan_release(&talos, &target).unwrap(), Vec::new());
    let mut older = talos.clone();
    older.metadata.insert("net.oasis.rofl.version".into(), "0.0.9".into());
    assert_eq!(
        plan_release(&older, &target).unwrap(),
        vec![PolicyChange::SetMetadata { key: "net.oasis.rofl.version".into(), value: "0.1.0".into() }]
    );
    let mut empty = target;
    empty.policy.enclaves.clear();
    assert!(plan_release(&talos, &empty).is_err());
    assert!(plan_release(&talos, &ReleaseTarget::policy_only(talos.policy.clone())).unwrap().is_empty());
}

// ---------------------------------------------------------------------------------------------
// Releases with provenance, guardian, freeze, grace periods (issue 8)
// ---------------------------------------------------------------------------------------------

mod release_governance {
    use super::*;
    use alloy::primitives::FixedBytes;
    use roflgov_core::rofl::{
        ApplyContext, ApplyError, Caller, IdentityStatus, ReleaseRecord, ReleaseState, check_sendable_with,
        format_utc,
    };

    /// 2025-11-21 14:54 UTC.
    const NOW: u64 = 1_763_736_840;
    const GUARDIAN: Address = address!("00000000000000000000000000000000000000aa");

    fn record(bundle: B256) -> ReleaseRecord {
        ReleaseRecord {
            version: "0.2.0".into(),
            repository: "https://github.com/oasisprotocol/talos".into(),
            git_commit: FixedBytes::from_slice(&keccak256("commit")[..20]),
            bundle_hash: bundle,
            manifest_hash: keccak256("rofl.yaml"),
            notes: "Patched the agent loop.\nAudit: https://example.org/audit".into(),
        }
    }

    fn release(app: &AppConfig, grace_until: u64) -> PolicyChange {
        PolicyChange::AddRelease {
            identities: vec![tdx("talos 0.2.0")],
            record: record(keccak256("the bundle")),
            retire: vec![app.policy.enclaves[0]],
            grace_until,
        }
    }

    #[rstest]
    fn new_changes_round_trip_alone_and_in_a_multicall(talos: AppConfig) {
        let changes = vec![
            release(&talos, NOW + 86_400),
            PolicyChange::SetRetirement { identity: talos.policy.enclaves[1], deadline: NOW + 3600 },
            PolicyChange::SetGuardian { guardian: GUARDIAN },
            PolicyChange::Unfreeze,
            PolicyChange::RevokeEnclave(talos.policy.enclaves[0]),
            PolicyChange::Freeze,
            PolicyChange::Prune,
        ];
        for change in &changes {
            let decoded = decode_calldata(&change.to_calldata(talos.id, 7).unwrap()).unwrap();
            let DecodedCalldata::Change(call) = decoded else { panic!("{change:?} decodes as a change") };
            assert_eq!(&call.change, change);
            assert_eq!(call.app, Some(talos.id));
            assert_eq!(call.expected_version, change.has_version_check().then_some(7));
            assert!(
                decode_calldata(&change.to_calldata(talos.id, 7).unwrap())
                    .unwrap()
                    .not_interpreted()
                    .is_empty()
            );
        }
        let batch = decode_calldata(&changes_to_calldata(talos.id, 7, &changes).unwrap()).unwrap();
        let inner: Vec<PolicyChange> = batch.changes().into_iter().map(|c| c.change.clone()).collect();
        assert_eq!(inner, changes);
    }

    #[rstest]
    fn a_release_shows_its_record_and_deadline_and_checks_the_bundle(talos: AppConfig) {
        let change = release(&talos, NOW + 30 * 86_400);
        let call = to_policy(change.to_calldata(talos.id, 3).unwrap());
        let good = Reviewer::new(&talos)
            .policy_contract(POLICY_CONTRACT, 3)
            .now(NOW)
            .bundle_hash(keccak256("the bundle"))
            .review(std::slice::from_ref(&call));
        assert!(!good.has_critical(), "{good}");
        assert!(good.has_warning(WarningKind::GraceDeadline));
        let line = &good.governance.releases[0];
        assert_eq!((line.release_id, line.bundle_matches), (1, Some(true)));
        assert_eq!(line.identities, vec![enclave_text_id(&tdx("talos 0.2.0"))]);
        assert_eq!(good.diff.enclaves_added[0].release, Some((1, "0.2.0".into())));
        // The old identity stays until the deadline.
        assert!(good.diff.enclaves_removed.is_empty());
        assert_eq!(good.governance.deadlines[0].human, "2025-12-21 14:54 UTC (in 30d 0h)");
        let text = good.to_string();
        for expected in [
            "Release governance",
            "#1 version 0.2.0",
            "https://github.com/oasisprotocol/talos",
            &alloy::hex::encode(keccak256("the bundle")),
            "✓ matches your file",
            "Audit: https://example.org/audit",
            "2025-12-21 14:54 UTC (in 30d 0h)",
        ] {
            assert!(text.contains(expected), "missing {expected:?} in\n{text}");
        }

        // A bundle that is not the recorded one: critical.
        let bad = Reviewer::new(&talos)
            .policy_contract(POLICY_CONTRACT, 3)
            .now(NOW)
            .bundle_hash(keccak256("another bundle"))
            .review(std::slice::from_ref(&call));
        assert!(bad.has_critical());
        assert!(bad.has_warning(WarningKind::BundleMismatch));
        let warning = bad.warnings.iter().find(|w| w.kind == WarningKind::BundleMismatch).unwrap();
        assert_eq!(warning.severity, Severity::Critical);
        assert!(bad.to_string().contains("DOES NOT MATCH"), "{bad}");
    }

    #[rstest]
    fn deadlines_are_checked_against_the_review_time(talos: AppConfig) {
        for grace in [NOW - 1, NOW + 366 * 86_400] {
            let call = to_policy(release(&talos, grace).to_calldata(talos.id, 0).unwrap());
            let review = Reviewer::new(&talos).policy_contract(POLICY_CONTRACT, 3).now(NOW).review(&[call]);
            assert!(review.has_warning(WarningKind::WouldRevert), "{review}");
            assert!(review.to_string().contains("not in the future within a year"), "{review}");
        }
    }

    #[rstest]
    fn an_unexpected_guardian_is_critical(talos: AppConfig) {
        // A guardian can freeze the app and revoke identities at once, without a vote: one
        // nobody said they expect is critical (issue #17), no longer a caution.
        let call =
            to_policy(PolicyChange::SetGuardian { guardian: GUARDIAN }.to_calldata(talos.id, 0).unwrap());
        let review = Reviewer::new(&talos)
            .policy_contract(POLICY_CONTRACT, 3)
            .account_code(GUARDIAN, false)
            .review(std::slice::from_ref(&call));
        let warning =
            review.warnings.iter().find(|w| w.kind == WarningKind::GuardianChanged).expect("critical");
        assert_eq!(warning.severity, Severity::Critical);
        assert!(warning.message.contains("an EOA"), "{}", warning.message);
        assert!(review.has_critical());
        // The config itself does not change: no update is sent.
        assert!(review.diff.is_empty());
        assert_eq!(review.governance.guardian.as_ref().unwrap().after, Some(GUARDIAN));
        assert!(review.to_string().contains(&format!("Guardian          none → {GUARDIAN}")), "{review}");

        let expected = Reviewer::new(&talos)
            .policy_contract(POLICY_CONTRACT, 3)
            .expect_guardians([GUARDIAN])
            .review(&[call]);
        assert!(!expected.has_warning(WarningKind::GuardianChanged));
        // setGuardian carries no version: no "no version check" caution either.
        assert!(!expected.has_warning(WarningKind::NoVersionCheck));
    }

    #[rstest]
    fn freeze_unfreeze_and_prune_follow_the_contract(talos: AppConfig) {
        let freeze = to_policy(PolicyChange::Freeze.to_calldata(talos.id, 3).unwrap());
        let review =
            Reviewer::new(&talos).policy_contract(POLICY_CONTRACT, 3).review(std::slice::from_ref(&freeze));
        assert!(review.has_warning(WarningKind::FreezeChanged));
        assert!(!review.has_warning(WarningKind::WouldRevert), "a frozen app sends an empty list: {review}");
        assert_eq!(review.governance.frozen.as_ref().map(|c| c.after), Some(true));
        let frozen_config = review.resulting.clone();
        let frozen_state = review.resulting_state;

        // Unfreezing alone would send an empty list; with a release in the same batch it lands.
        let alone = to_policy(PolicyChange::Unfreeze.to_calldata(talos.id, 4).unwrap());
        let review = Reviewer::new(&frozen_config)
            .policy_contract(POLICY_CONTRACT, 4)
            .release_state(frozen_state.clone())
            .review(&[alone]);
        assert!(review.has_warning(WarningKind::WouldRevert), "{review}");
        let fixed = PolicyChange::AddRelease {
            identities: vec![tdx("fixed")],
            record: record(keccak256("fixed bundle")),
            retire: vec![],
            grace_until: 0,
        };
        let batch =
            to_policy(changes_to_calldata(talos.id, 4, &[PolicyChange::Unfreeze, fixed.clone()]).unwrap());
        let review = Reviewer::new(&frozen_config)
            .policy_contract(POLICY_CONTRACT, 4)
            .release_state(frozen_state.clone())
            .now(NOW)
            .review(&[batch]);
        assert!(!review.has_warning(WarningKind::WouldRevert), "{review}");
        assert_eq!(review.resulting.policy.enclaves, vec![tdx("fixed")]);
        // Adding while frozen (no unfreeze) is refused when the update is sent.
        let add_only = to_policy(fixed.to_calldata(talos.id, 4).unwrap());
        let review = Reviewer::new(&frozen_config)
            .policy_contract(POLICY_CONTRACT, 4)
            .release_state(frozen_state)
            .now(NOW)
            .review(&[add_only]);
        assert!(review.to_string().contains("the app is frozen"), "{review}");

        // Prune: refused before the deadline, removes the identity after it.
        let mut config = talos.clone();
        let mut state = ReleaseState::default();
        let old = talos.policy.enclaves[0];
        release(&talos, NOW + 10).apply_to(&mut config, &mut state, &ApplyContext::owner(Some(NOW))).unwrap();
        let prune = to_policy(PolicyChange::Prune.to_calldata(talos.id, 0).unwrap());
        let early = Reviewer::new(&config)
            .policy_contract(POLICY_CONTRACT, 5)
            .release_state(state.clone())
            .now(NOW + 5)
            .review(std::slice::from_ref(&prune));
        assert!(early.has_warning(WarningKind::WouldRevert), "{early}");
        let late = Reviewer::new(&config)
            .policy_contract(POLICY_CONTRACT, 5)
            .release_state(state.clone())
            .now(NOW + 10)
            .review(&[prune]);
        assert!(!late.has_warning(WarningKind::WouldRevert), "{late}");
        assert_eq!(late.governance.pruned, vec![enclave_text_id(&old)]);
        assert_eq!(late.resulting_state.info(&late.resulting, &old).status, IdentityStatus::NotAllowed);
        assert!(check_sendable_with(&late.resulting, &late.resulting_state).is_ok());
    }

    #[rstest]
    fn the_model_refuses_what_the_contract_refuses(talos: AppConfig) {
        let mut config = talos.clone();
        let mut state = ReleaseState { guardian: Some(GUARDIAN), ..Default::default() };
        let owner = ApplyContext::owner(Some(NOW));
        let guardian =
            ApplyContext { caller: Caller::Account(GUARDIAN), now: Some(NOW), ..Default::default() };
        let other = ApplyContext { caller: Caller::Account(SAFE), now: Some(NOW), ..Default::default() };
        let new = tdx("talos 0.2.0");
        // A release cannot retire its own identity, needs an identity and a complete record.
        let own = PolicyChange::AddRelease {
            identities: vec![new],
            record: record(B256::repeat_byte(1)),
            retire: vec![new],
            grace_until: 0,
        };
        assert!(matches!(
            own.apply_to(&mut config, &mut state, &owner),
            Err(ApplyError::RetiringNewIdentity(_))
        ));
        let empty = PolicyChange::AddRelease {
            identities: vec![],
            record: record(B256::repeat_byte(1)),
            retire: vec![],
            grace_until: 0,
        };
        assert_eq!(empty.apply_to(&mut config, &mut state, &owner), Err(ApplyError::EmptyRelease));
        let no_hash = PolicyChange::AddRelease {
            identities: vec![new],
            record: record(B256::ZERO),
            retire: vec![],
            grace_until: 0,
        };
        assert_eq!(
            no_hash.apply_to(&mut config, &mut state, &owner),
            Err(ApplyError::InvalidReleaseRecord("bundleHash"))
        );
        // Nothing changed on error.
        assert_eq!(config, talos);
        assert!(state.releases.is_empty());
        // The guardian revokes but never adds; a guardian in a batch is refused; others never.
        let revoke = PolicyChange::RevokeEnclave(talos.policy.enclaves[0]);
        assert!(matches!(
            PolicyChange::AddEnclave(new).apply_to(&mut config, &mut state, &guardian),
            Err(ApplyError::NotOwner { .. })
        ));
        assert!(matches!(
            revoke.apply_to(&mut config, &mut state, &other),
            Err(ApplyError::NotOwnerOrGuardian { .. })
        ));
        let in_batch = ApplyContext { in_batch: true, ..guardian };
        assert_eq!(revoke.apply_to(&mut config, &mut state, &in_batch), Err(ApplyError::GuardianInBatch));
        revoke.apply_to(&mut config, &mut state, &guardian).unwrap();
        assert_eq!(state.info(&config, &talos.policy.enclaves[0]).status, IdentityStatus::Revoked);
        // Re-adding a revoked identity by the owner makes it allowed again; removing it clears the mark.
        PolicyChange::AddEnclave(talos.policy.enclaves[0]).apply_to(&mut config, &mut state, &owner).unwrap();
        assert_eq!(state.info(&config, &talos.policy.enclaves[0]).status, IdentityStatus::Allowed);
        PolicyChange::RemoveEnclave(talos.policy.enclaves[0])
            .apply_to(&mut config, &mut state, &owner)
            .unwrap();
        assert_eq!(state.info(&config, &talos.policy.enclaves[0]).status, IdentityStatus::NotAllowed);
        assert_eq!(format_utc(NOW), "2025-11-21 14:54 UTC");
    }
}

// ---------------------------------------------------------------------------------------------
// Public variables and disappearing keys (issue 18)
// ---------------------------------------------------------------------------------------------

#[rstest]
fn public_variables_are_listed_apart_and_disappearing_keys_are_critical(talos: AppConfig) {
    let mut before = talos;
    before.metadata.insert("env.MODEL".into(), "gpt-4o".into());
    before.metadata.insert("env.TEMPERATURE".into(), "0.2".into());
    before.secrets.insert("X_TOKEN".into(), Bytes::from_static(b"ciphertext"));
    let mut after = before.clone();
    after.metadata.insert("env.MODEL".into(), "gpt-5".into());
    after.metadata.remove("env.TEMPERATURE");
    after.metadata.remove("net.oasis.rofl.homepage");
    after.secrets.remove("X_TOKEN");

    let diff = ConfigDiff::between(&before, &after, None);
    assert_eq!(
        diff.public_vars,
        vec![
            MetadataChange::Changed {
                key: "env.MODEL".into(),
                before: "gpt-4o".into(),
                after: "gpt-5".into()
            },
            MetadataChange::Removed { key: "env.TEMPERATURE".into(), value: "0.2".into() },
        ]
    );
    assert_eq!(
        diff.metadata,
        vec![MetadataChange::Removed {
            key: "net.oasis.rofl.homepage".into(),
            value: "https://talos.is".into()
        }]
    );
    let of = |kind: WarningKind| diff.warnings.iter().filter(|w| w.kind == kind).collect::<Vec<_>>();
    let vars = of(WarningKind::PublicVariables);
    assert_eq!(vars.len(), 1);
    assert_eq!(vars[0].severity, Severity::Caution);
    assert!(vars[0].message.contains("env.MODEL, env.TEMPERATURE"), "{}", vars[0].message);
    let removed = of(WarningKind::MetadataKeyRemoved);
    assert_eq!(removed.len(), 2, "{removed:?}");
    assert!(removed.iter().all(|w| w.severity == Severity::Critical));
    let secret = of(WarningKind::SecretRemoved);
    assert_eq!(secret.len(), 1);
    assert_eq!(secret[0].severity, Severity::Critical);

    let text = diff.to_string();
    for wanted in [
        "Public variables (env.*)",
        "changes what the app does without changing its enclave identity",
        "env.MODEL: \"gpt-4o\" → \"gpt-5\"",
        "!!! CRITICAL  PUBLIC VARIABLE env.TEMPERATURE WOULD DISAPPEAR",
        "!!! CRITICAL  METADATA KEY net.oasis.rofl.homepage WOULD DISAPPEAR",
        "!!! CRITICAL  SECRET X_TOKEN WOULD DISAPPEAR",
    ] {
        assert!(text.contains(wanted), "{wanted:?} in\n{text}");
    }
    // The public variables are not among the other metadata lines.
    let metadata_section = text.split("Public variables").next().unwrap();
    assert!(!metadata_section.contains("env.MODEL"), "{text}");
    let json = serde_json::to_value(&diff).unwrap();
    assert_eq!(json["public_vars"].as_array().unwrap().len(), 2);
    assert_eq!(json["metadata"].as_array().unwrap().len(), 1);
}

/// Adoption writes the whole config: every key the deployment lacks goes, one critical finding
/// each, in the per-app review of the adoptApp call.
#[rstest]
fn adoption_that_drops_keys_is_critical_per_key(talos: AppConfig) {
    let mut metadata = talos.metadata.clone();
    metadata.retain(|key, _| key == "net.oasis.rofl.name");
    let adopt =
        PolicyChange::AdoptApp { policy: talos.policy.clone(), metadata, secrets: talos.secrets.clone() };
    let call = to_policy(adopt.to_calldata(talos.id, 0).unwrap());
    let review = Reviewer::new(&talos).policy_contract_unmanaged(POLICY_CONTRACT).review(&[call]);
    let removed: Vec<&str> = review
        .warnings
        .iter()
        .filter(|w| w.kind == WarningKind::MetadataKeyRemoved && w.severity == Severity::Critical)
        .map(|w| w.message.as_str())
        .collect();
    assert_eq!(removed.len(), 4, "{review}");
    for key in ["description", "homepage", "repository", "version"] {
        assert!(
            removed.iter().any(|m| m.contains(&format!("net.oasis.rofl.{key} WOULD DISAPPEAR"))),
            "{key}"
        );
    }
    assert!(review.has_critical());

    // The manifest's full metadata (top-level fields as net.oasis.rofl.*) drops nothing.
    let adopt = PolicyChange::AdoptApp {
        policy: talos.policy.clone(),
        metadata: talos.metadata.clone(),
        secrets: talos.secrets.clone(),
    };
    let call = to_policy(adopt.to_calldata(talos.id, 0).unwrap());
    let review = Reviewer::new(&talos).policy_contract_unmanaged(POLICY_CONTRACT).review(&[call]);
    assert!(!review.warnings.iter().any(|w| w.kind == WarningKind::MetadataKeyRemoved), "{review}");
}

/// A direct rofl.Update body carrying a legacy IAS policy is decoded and flagged, not refused.
#[rstest]
fn todays_flow_update_with_an_ias_policy_is_reviewed_as_legacy(talos: AppConfig) {
    let mut update = update_of(&talos);
    // {"disabled": true}
    update.policy.quotes.ias = Some(
        roflgov_types::IasQuotePolicy::from_cbor(&alloy::hex::decode("a16864697361626c6564f5").unwrap())
            .unwrap(),
    );
    let review = Reviewer::new(&talos).review(&[direct_update(&update)]);
    assert!(
        matches!(&review.calls[0].reading, CallReading::Subcall { method, .. } if method == "rofl.Update")
    );
    let warning = review.warnings.iter().find(|w| w.kind == WarningKind::LegacyIasPolicy).expect("flagged");
    assert_eq!(warning.severity, Severity::Caution);
    let text = review.to_string();
    assert!(text.contains("IAS quote policy (legacy; Intel retired IAS)"), "{text}");
    assert!(text.contains("ias: none → LEGACY (Intel retired IAS) {\"disabled\": true}"), "{text}");
}

#[rstest]
fn a_key_deleted_by_name_is_a_caution_a_silent_drop_is_critical(talos: AppConfig) {
    // deleteMetadata names the key: the proposal says so, the reviewer reads it.
    let key = "net.oasis.rofl.homepage";
    assert!(talos.metadata.contains_key(key));
    let delete =
        to_policy(PolicyChange::DeleteMetadata { key: key.into() }.to_calldata(talos.id, 3).unwrap());
    let review = Reviewer::new(&talos).policy_contract(POLICY_CONTRACT, 3).review(&[delete]);
    let removed: Vec<_> =
        review.warnings.iter().filter(|w| w.kind == WarningKind::MetadataKeyRemoved).collect();
    assert_eq!(removed.len(), 1, "{review}");
    assert_eq!(removed[0].severity, Severity::Caution, "{review}");
    assert!(!review.has_critical(), "{review}");

    // Setting another key in the same call does not hide a drop of this one elsewhere: a direct
    // rofl.Update without the key stays critical.
    let mut update = talos.clone();
    update.metadata.remove(key);
    let body = cbor::encode_update(&Update {
        id: talos.id,
        policy: update.policy.clone(),
        admin: update.admin,
        metadata: update.metadata.clone(),
        secrets: update.secrets.clone(),
    });
    let direct = ProposedCall::call(SUBCALL_PRECOMPILE, U256::ZERO, encode_subcall("rofl.Update", &body));
    let review = Reviewer::new(&talos).review(&[direct]);
    assert!(
        review
            .warnings
            .iter()
            .any(|w| w.kind == WarningKind::MetadataKeyRemoved && w.severity == Severity::Critical),
        "{review}"
    );
}

/// A new lock is shown as one-way (a caution signers read), the app's locks are listed, and a
/// call that would break a lock is critical before the contract would revert it.
#[rstest]
fn locks_are_shown_new_ones_warn_and_breaking_ones_are_critical(talos: AppConfig) {
    use roflgov_core::rofl::{Floors, KeyLock, LockState, ReleaseState};
    let key = "net.oasis.rofl.homepage";
    let changes = [
        PolicyChange::LockMetadata { key: key.into() },
        PolicyChange::LockFloors(Floors(Floors::MIN_TCB_EVALUATION_DATA_NUMBER.0 | Floors::MAX_EXPIRATION.0)),
    ];
    let lock = to_policy(changes_to_calldata(talos.id, 3, &changes).unwrap());
    let review = Reviewer::new(&talos).policy_contract(POLICY_CONTRACT, 3).review(&[lock]);
    let one_way: Vec<_> = review.warnings.iter().filter(|w| w.kind == WarningKind::OneWayLock).collect();
    assert_eq!(one_way.len(), 2, "{review}");
    assert!(one_way.iter().all(|w| w.message.contains("can NEVER be undone")), "{review}");
    assert!(!review.has_critical(), "{review}");
    assert!(review.locks.iter().all(|line| line.new), "{review}");
    assert_eq!(review.locks.len(), 3, "one key, two floors: {review}");
    assert!(review.diff.is_empty(), "locks change no config: {review}");
    let text = review.to_string();
    assert!(text.contains("Locks (one-way: nothing unlocks)"), "{text}");
    assert!(text.contains(&format!("metadata \"{key}\"")), "{text}");

    // With the locks in place: changing the key, lowering the TCB floor, raising max_expiration
    // and handing the app over are each critical, naming the lock.
    let state = ReleaseState {
        locks: LockState { metadata_keys: vec![key.into()], secret_names: vec![], floors: Floors::ALL },
        ..Default::default()
    };
    let mut lower = talos.policy.quotes.clone();
    if let Some(pcs) = lower.pcs.as_mut() {
        pcs.min_tcb_evaluation_data_number = pcs.min_tcb_evaluation_data_number.saturating_sub(1);
    }
    for change in [
        PolicyChange::SetMetadata { key: key.into(), value: "https://evil.example".into() },
        PolicyChange::DeleteMetadata { key: key.into() },
        PolicyChange::SetQuotePolicy(lower),
        PolicyChange::SetMaxExpiration(talos.policy.max_expiration + 1),
        PolicyChange::TransferRoflAdmin { new_admin: OasisAddress::from_eth(SAFE) },
    ] {
        let call = to_policy(change.to_calldata(talos.id, 3).unwrap());
        let review = Reviewer::new(&talos)
            .policy_contract(POLICY_CONTRACT, 3)
            .release_state(state.clone())
            .review(&[call]);
        let broken: Vec<_> = review.warnings.iter().filter(|w| w.kind == WarningKind::LockBroken).collect();
        assert_eq!(broken.len(), 1, "{change:?}: {review}");
        assert_eq!(broken[0].severity, Severity::Critical, "{review}");
        assert!(review.locks.iter().all(|line| !line.new && line.status == KeyLock::Fixed), "{review}");
    }
}
