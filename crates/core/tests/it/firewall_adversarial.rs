//! Adversarial proposals against the signer's firewall (issue #17 item 11).
//!
//! Each test crafts one transaction standing for one attack class a hostile proposer could put
//! in front of the signers, and checks that the verdict is not ok with the expected finding.
//! The honest proposals at the end must pass with nothing critical. The world (a 2-of-3 Safe
//! owning the policy contract, the apps, their history) is in `common`.

use crate::support as common;

use std::collections::BTreeSet;

use alloy_primitives::{Address, B256, Bytes, U256};
use alloy_sol_types::SolCall;
use common::*;
use roflgov_contracts::safe::MULTI_SEND_CALL_ONLY;
use roflgov_core::{
    bindings::RoflAppAdmin,
    firewall::{self, Expectations, Transaction, Verdict},
    review::{ProposedCall, WarningKind},
    rofl::{
        CREATE_STAKE, PolicyChange,
        subcall::{SUBCALL_PRECOMPILE, encode_subcall},
    },
    safe_tx::{IMultiSendCallOnly, Operation, SafeCall, SafeTx, encode_multi_send},
};
use roflgov_types::{AppAuthPolicy, IdentifierScheme, Remove, RoflCall, cbor, ids::Address as OasisAddress};

fn honest_release_call() -> SafeCall {
    policy_call(pc(V, &release_changes()))
}

fn review_with(transaction: &Transaction, expectations: &Expectations) -> firewall::FirewallReport {
    firewall::review(transaction, &facts(), expectations)
}

// ---------------------------------------------------------------------------------------------
// The Safe transaction itself: DELEGATECALL, MultiSend, value, refunds, nonce
// ---------------------------------------------------------------------------------------------

#[test]
fn delegatecall_to_a_non_canonical_contract() {
    let mut tx = SafeTx::call(SafeCall::new(STRANGER, U256::ZERO, vec![0xde, 0xad, 0xbe, 0xef]), NONCE);
    tx.operation = Operation::DelegateCall;
    assert_blocked(&run(&signed(tx)), WarningKind::DelegateCall);
}

#[test]
fn delegatecall_to_the_multisend_address_with_other_code() {
    let tx = batch(&[honest_release_call()]);
    let mut facts = facts();
    facts.code_hashes.insert(MULTI_SEND_CALL_ONLY.address, B256::repeat_byte(0x66));
    let report = firewall::review(&tx, &facts, &Expectations::default());
    assert_blocked(&report, WarningKind::DelegateCall);
    // The legs of an unverified batch are not read as if they were the Safe's calls.
    assert!(report.apps.is_empty(), "{report}");
}

#[test]
fn delegatecall_to_the_multisend_address_whose_code_is_unknown() {
    let tx = batch(&[honest_release_call()]);
    let mut facts = facts();
    facts.code_hashes.clear();
    assert_blocked(&firewall::review(&tx, &facts, &Expectations::default()), WarningKind::DelegateCall);
}

#[test]
fn call_instead_of_delegatecall_to_multisend() {
    let mut tx = SafeTx::multi_send(MULTI_SEND_CALL_ONLY.address, &[honest_release_call()], NONCE);
    tx.operation = Operation::Call;
    assert_blocked(&run(&signed(tx)), WarningKind::DelegateCall);
}

#[test]
fn multisend_leg_to_an_unknown_target() {
    let tx =
        batch(&[honest_release_call(), SafeCall::new(STRANGER, U256::ZERO, vec![0xa9, 0x05, 0x9c, 0xbb])]);
    assert_blocked(&run(&tx), WarningKind::UnknownTarget);
}

#[test]
fn multisend_leg_paying_rose_to_the_proposer() {
    let tx = batch(&[honest_release_call(), SafeCall::new(PROPOSER, rose(5_000), Bytes::new())]);
    let report = run(&tx);
    assert_blocked(&report, WarningKind::UnknownTarget);
    assert!(report.findings.iter().any(|w| w.message.contains("plain transfer")), "{report}");
}

#[test]
fn single_call_paying_rose_to_the_proposer() {
    assert_blocked(&run(&single(PROPOSER, rose(1), Bytes::new())), WarningKind::UnknownTarget);
}

#[test]
fn multisend_leg_calling_the_multisend_contract_itself() {
    // A nested batch run by CALL: its legs would come from MultiSendCallOnly, not the Safe.
    let inner =
        IMultiSendCallOnly::multiSendCall { transactions: encode_multi_send(&[honest_release_call()]) };
    let tx = batch(&[SafeCall::typed(MULTI_SEND_CALL_ONLY.address, U256::ZERO, &inner)]);
    assert_blocked(&run(&tx), WarningKind::UnknownTarget);
}

#[test]
fn value_on_a_policy_contract_call_other_than_create() {
    let tx = single(POLICY, rose(1), pc(V, &release_changes()));
    assert_blocked(&run(&tx), WarningKind::ValueTransfer);
}

#[test]
fn create_app_with_the_wrong_stake() {
    // Any stake but exactly 100 ROSE reverts in the contract (nothing is sent), or pays more
    // than the module takes: either way not ok.
    let create = create_app_calldata();
    for stake in [U256::ZERO, rose(99), rose(101), U256::from(1), CREATE_STAKE + U256::from(1)] {
        assert_blocked(&run(&single(POLICY, stake, create.clone())), WarningKind::ValueTransfer);
    }
}

#[test]
fn value_on_the_multisend_delegatecall() {
    let mut tx = SafeTx::multi_send(MULTI_SEND_CALL_ONLY.address, &[honest_release_call()], NONCE);
    tx.value = rose(10);
    assert_blocked(&run(&signed(tx)), WarningKind::ValueTransfer);
}

#[test]
fn value_to_the_subcall_precompile() {
    let data = direct_update(legacy_config(), |_| {});
    assert_blocked(&run(&single(SUBCALL_PRECOMPILE, rose(1), data)), WarningKind::ValueTransfer);
}

fn self_call(data: Vec<u8>) {
    assert_blocked(&run(&single(SAFE, U256::ZERO, data.clone())), WarningKind::SafeSelfCall);
    // The same hidden among honest legs of a batch.
    let tx = batch(&[honest_release_call(), SafeCall::new(SAFE, U256::ZERO, data)]);
    assert_blocked(&run(&tx), WarningKind::SafeSelfCall);
}

#[test]
fn safe_self_call_add_owner_with_threshold() {
    self_call(ISafe::addOwnerWithThresholdCall { owner: PROPOSER, _threshold: U256::from(1) }.abi_encode());
}

#[test]
fn safe_self_call_swap_owner() {
    let owners = facts().safe.unwrap().owners;
    self_call(
        ISafe::swapOwnerCall { prevOwner: owners[0], oldOwner: owners[1], newOwner: PROPOSER }.abi_encode(),
    );
}

#[test]
fn safe_self_call_change_threshold() {
    self_call(ISafe::changeThresholdCall { _threshold: U256::from(1) }.abi_encode());
}

#[test]
fn safe_self_call_enable_module() {
    self_call(ISafe::enableModuleCall { module: PROPOSER }.abi_encode());
}

#[test]
fn safe_self_call_set_guard() {
    self_call(ISafe::setGuardCall { guard: PROPOSER }.abi_encode());
}

#[test]
fn safe_self_call_set_fallback_handler() {
    self_call(ISafe::setFallbackHandlerCall { handler: PROPOSER }.abi_encode());
}

#[test]
fn safe_self_call_with_unknown_calldata() {
    self_call(vec![0x12, 0x34, 0x56, 0x78, 0x00]);
}

fn refund(edit: impl FnOnce(&mut SafeTx)) {
    let mut tx = SafeTx::call(honest_release_call(), NONCE);
    edit(&mut tx);
    assert_blocked(&run(&signed(tx)), WarningKind::GasRefund);
}

#[test]
fn gas_price_refund() {
    refund(|tx| {
        tx.gas_price = U256::from(100_000_000_000u64);
        tx.base_gas = U256::from(50_000);
    });
}

#[test]
fn base_gas_refund_alone() {
    refund(|tx| tx.base_gas = U256::from(1_000_000));
}

#[test]
fn refund_receiver_set() {
    refund(|tx| tx.refund_receiver = PROPOSER);
}

#[test]
fn gas_token_set() {
    refund(|tx| tx.gas_token = STRANGER);
}

fn past_nonce(executed: Option<bool>) -> firewall::FirewallReport {
    let tx = signed(SafeTx::call(honest_release_call(), NONCE - 2));
    let mut facts = facts();
    facts.safe.as_mut().unwrap().executed = executed;
    firewall::review(&tx, &facts, &Expectations::default())
}

#[test]
fn past_nonce_already_executed() {
    let report = past_nonce(Some(true));
    assert_blocked(&report, WarningKind::NonceUsed);
    assert!(report.findings.iter().any(|w| w.message.contains("ALREADY EXECUTED")), "{report}");
}

#[test]
fn past_nonce_replaced() {
    for executed in [Some(false), None] {
        let report = past_nonce(executed);
        assert_blocked(&report, WarningKind::NonceUsed);
        assert!(report.findings.iter().any(|w| w.message.contains("REPLACED")), "{report}");
    }
}

#[test]
fn nonce_beyond_u64() {
    let mut tx = SafeTx::call(honest_release_call(), NONCE);
    tx.nonce = U256::from(u64::MAX) + U256::from(NONCE + 1);
    assert_blocked(&run(&signed(tx)), WarningKind::NonceUsed);
}

// ---------------------------------------------------------------------------------------------
// The policy contract: ownership, ROFL admin, removal, adoption, guardian
// ---------------------------------------------------------------------------------------------

#[test]
fn policy_contract_ownership_to_a_stranger() {
    let data = RoflAppAdmin::transferOwnershipCall { newOwner: STRANGER }.abi_encode();
    let tx = single(POLICY, U256::ZERO, data);
    assert_blocked(&run(&tx), WarningKind::OwnershipTransfer);
    // Hidden in a multicall with an honest change.
    let data = RoflAppAdmin::multicallCall {
        calls: vec![
            PolicyChange::SetMetadata { key: VERSION_KEY.into(), value: "1.0.1".into() }
                .to_calldata(app(), V)
                .unwrap(),
            RoflAppAdmin::transferOwnershipCall { newOwner: STRANGER }.abi_encode().into(),
        ],
    }
    .abi_encode();
    assert_blocked(&run(&single(POLICY, U256::ZERO, data)), WarningKind::OwnershipTransfer);
    // Declared: accepted.
    let expected = Expectations { owner: Some(STRANGER), ..Default::default() };
    assert_eq!(review_with(&tx, &expected).verdict, Verdict::Ok);
}

#[test]
fn policy_contract_accept_ownership_unexpected() {
    let tx = single(POLICY, U256::ZERO, RoflAppAdmin::acceptOwnershipCall {}.abi_encode());
    let mut facts = facts();
    facts.policy_contract.as_mut().unwrap().owner = TIMELOCK;
    let report = firewall::review(&tx, &facts, &Expectations::default());
    assert_blocked(&report, WarningKind::OwnershipTransfer);
    let expected = Expectations { owner: Some(SAFE), ..Default::default() };
    assert_eq!(firewall::review(&tx, &facts, &expected).verdict, Verdict::Ok);
}

#[test]
fn transfer_rofl_admin_to_a_stranger() {
    let stranger = OasisAddress::from_eth(STRANGER);
    let tx = single(POLICY, U256::ZERO, pc(V, &[PolicyChange::TransferRoflAdmin { new_admin: stranger }]));
    assert_blocked(&run(&tx), WarningKind::AdminHandedOver);
}

#[test]
fn transfer_rofl_admin_allowed_when_expected() {
    let stranger = OasisAddress::from_eth(STRANGER);
    let tx = single(POLICY, U256::ZERO, pc(V, &[PolicyChange::TransferRoflAdmin { new_admin: stranger }]));
    let report = review_with(&tx, &Expectations { admins: vec![stranger], ..Default::default() });
    assert_eq!(report.verdict, Verdict::Ok, "{report}");
    assert!(!report.has(WarningKind::AdminHandedOver), "{report}");
}

#[test]
fn renounce_rofl_admin_through_the_policy_contract() {
    let tx = single(POLICY, U256::ZERO, pc(V, &[PolicyChange::RenounceRoflAdmin]));
    assert_blocked(&run(&tx), WarningKind::AdminRemoved);
}

#[test]
fn remove_app_through_the_policy_contract() {
    let tx = single(POLICY, U256::ZERO, pc(V, &[PolicyChange::RemoveApp]));
    assert_blocked(&run(&tx), WarningKind::AppRemoved);
}

#[test]
fn adopt_app() {
    let config = legacy_config();
    let data =
        PolicyChange::AdoptApp { policy: config.policy, metadata: config.metadata, secrets: config.secrets }
            .to_calldata(legacy(), 0)
            .unwrap();
    assert_blocked(&run(&single(POLICY, U256::ZERO, data)), WarningKind::Adoption);
}

#[test]
fn set_guardian_to_an_unexpected_address() {
    let tx = single(POLICY, U256::ZERO, pc(V, &[PolicyChange::SetGuardian { guardian: PROPOSER }]));
    assert_blocked(&run(&tx), WarningKind::GuardianChanged);
}

#[test]
fn set_guardian_to_an_unexpected_address_is_at_least_reported() {
    let tx = single(POLICY, U256::ZERO, pc(V, &[PolicyChange::SetGuardian { guardian: PROPOSER }]));
    let report = run(&tx);
    assert!(report.has(WarningKind::GuardianChanged), "{report}");
    let expected = Expectations { guardians: vec![PROPOSER], ..Default::default() };
    let report = review_with(&tx, &expected);
    assert!(!report.has(WarningKind::GuardianChanged), "{report}");
    assert_eq!(report.verdict, Verdict::Ok, "{report}");
}

#[test]
fn freeze_by_the_owner() {
    let tx = single(POLICY, U256::ZERO, pc(V, &[PolicyChange::Freeze]));
    assert_blocked(&run(&tx), WarningKind::FreezeChanged);
}

#[test]
fn nested_multicall() {
    let inner = pc(V, &release_changes());
    let data = RoflAppAdmin::multicallCall { calls: vec![inner] }.abi_encode();
    assert_blocked(&run(&single(POLICY, U256::ZERO, data)), WarningKind::WouldRevert);
}

#[test]
fn removing_every_identity() {
    let tx = single(
        POLICY,
        U256::ZERO,
        pc(V, &[PolicyChange::RemoveEnclave(a1()), PolicyChange::RemoveEnclave(a2())]),
    );
    assert_blocked(&run(&tx), WarningKind::NoEnclaves);
}

#[test]
fn refusing_every_endorsement() {
    let tx = single(POLICY, U256::ZERO, pc(V, &[PolicyChange::SetEndorsements(Vec::new())]));
    assert_blocked(&run(&tx), WarningKind::NoEndorsements);
}

#[test]
fn release_record_of_another_bundle() {
    let tx = single(
        POLICY,
        U256::ZERO,
        pc(
            V,
            &[PolicyChange::AddRelease {
                identities: vec![a3()],
                record: record("1.1.0"),
                retire: vec![a2()],
                grace_until: 0,
            }],
        ),
    );
    let expected = Expectations { bundle_hash: Some(B256::repeat_byte(0x99)), ..Default::default() };
    assert_blocked(&review_with(&tx, &expected), WarningKind::BundleMismatch);
}

// ---------------------------------------------------------------------------------------------
// Direct subcalls to the ROFL module
// ---------------------------------------------------------------------------------------------

fn direct(data: Bytes) -> Transaction {
    single(SUBCALL_PRECOMPILE, U256::ZERO, data)
}

#[test]
fn direct_update_dropping_the_admin() {
    let tx = direct(direct_update(legacy_config(), |u| u.admin = None));
    assert_blocked(&run(&tx), WarningKind::AdminRemoved);
}

#[test]
fn direct_update_dropping_metadata() {
    let tx = direct(direct_update(legacy_config(), |u| {
        u.metadata.remove(VERSION_KEY);
    }));
    assert_blocked(&run(&tx), WarningKind::MetadataWiped);
    let tx = direct(direct_update(legacy_config(), |u| u.metadata.clear()));
    assert_blocked(&run(&tx), WarningKind::MetadataWiped);
}

#[test]
fn direct_update_dropping_secrets() {
    let tx = direct(direct_update(legacy_config(), |u| u.secrets.clear()));
    assert_blocked(&run(&tx), WarningKind::SecretsWiped);
}

#[test]
fn direct_update_handing_the_admin_to_a_stranger() {
    let tx = direct(direct_update(legacy_config(), |u| u.admin = Some(OasisAddress::from_eth(STRANGER))));
    assert_blocked(&run(&tx), WarningKind::AdminHandedOver);
}

#[test]
fn direct_update_of_a_managed_app_dropping_its_secrets() {
    let tx = direct(direct_update(app_config(), |u| u.secrets.clear()));
    assert_blocked(&run(&tx), WarningKind::SecretsWiped);
}

#[test]
fn direct_remove() {
    let body = cbor::encode_call(&RoflCall::Remove(Remove { id: legacy() }));
    let tx = direct(encode_subcall(cbor::METHOD_REMOVE, &body));
    assert_blocked(&run(&tx), WarningKind::AppRemoved);
}

#[test]
fn direct_update_of_an_app_unknown_to_the_facts() {
    let mut config = legacy_config();
    config.id = roflgov_types::AppId::from_global_name("nobody-knows");
    let report = run(&direct(direct_update(config, |_| {})));
    assert_eq!(report.verdict, Verdict::CannotReview, "{report}");
    assert!(report.has(WarningKind::StateUnknown), "{report}");
}

#[test]
fn policy_change_of_an_app_unknown_to_the_facts() {
    let unknown = roflgov_types::AppId::from_global_name("nobody-knows");
    let tx = single(POLICY, U256::ZERO, pc_on(unknown, 1, &[PolicyChange::RemoveApp]));
    let report = run(&tx);
    assert_eq!(report.verdict, Verdict::CannotReview, "{report}");
    assert!(report.has(WarningKind::StateUnknown), "{report}");
}

#[test]
fn subcall_with_an_undecodable_cbor_body() {
    for body in [&b"\xff\x00garbage"[..], b"", &[0xa0][..]] {
        let tx = direct(encode_subcall(cbor::METHOD_UPDATE, body));
        assert_blocked(&run(&tx), WarningKind::Unreviewable);
    }
}

#[test]
fn subcall_of_another_module_method() {
    // accounts.Transfer moves the Safe's funds through the runtime, not the EVM.
    let tx = direct(encode_subcall("accounts.Transfer", &[0xa2, 0x61, 0x74, 0x40, 0x61, 0x61, 0x40]));
    assert_blocked(&run(&tx), WarningKind::Unreviewable);
    let tx = direct(encode_subcall("consensus.Delegate", &[0xa0]));
    assert_blocked(&run(&tx), WarningKind::Unreviewable);
}

#[test]
fn subcall_with_garbage_input() {
    let tx = direct(Bytes::from(vec![0x42; 70]));
    assert_blocked(&run(&tx), WarningKind::Unreviewable);
}

// ---------------------------------------------------------------------------------------------
// Every app touched is diffed
// ---------------------------------------------------------------------------------------------

#[test]
fn multicall_over_two_apps_with_a_bad_change_to_the_second() {
    let data = RoflAppAdmin::multicallCall {
        calls: vec![
            PolicyChange::SetMetadata { key: VERSION_KEY.into(), value: "1.0.1".into() }
                .to_calldata(app(), V)
                .unwrap(),
            PolicyChange::RenounceRoflAdmin.to_calldata(app2(), V2).unwrap(),
        ],
    }
    .abi_encode();
    let report = run(&single(POLICY, U256::ZERO, data));
    assert_blocked(&report, WarningKind::AdminRemoved);
    let reviewed: Vec<_> = report.apps.iter().map(|r| r.app).collect();
    assert_eq!(reviewed, vec![app(), app2()], "{report}");
    assert!(report.apps[1].has_warning(WarningKind::AdminRemoved), "{report}");
}

#[test]
fn batch_over_two_apps_with_a_bad_change_to_the_second() {
    let tx = batch(&[
        honest_release_call(),
        policy_call(pc_on(app2(), V2, &[PolicyChange::DeleteMetadata { key: VERSION_KEY.into() }])),
        policy_call(pc_on(app2(), V2 + 1, &[PolicyChange::RemoveApp])),
    ]);
    assert_blocked(&run(&tx), WarningKind::AppRemoved);
}

// ---------------------------------------------------------------------------------------------
// Text that hides or passes for something else
// ---------------------------------------------------------------------------------------------

fn unsafe_key(key: &str) {
    let set = PolicyChange::SetMetadata { key: key.into(), value: "x".into() };
    assert_blocked(&run(&single(POLICY, U256::ZERO, pc(V, &[set]))), WarningKind::UnsafeText);
    let secret = PolicyChange::SetSecret { name: key.into(), value: Bytes::from(vec![1; 32]) };
    assert_blocked(&run(&single(POLICY, U256::ZERO, pc(V, &[secret]))), WarningKind::UnsafeText);
}

#[test]
fn metadata_key_with_a_right_to_left_override() {
    unsafe_key("net.oasis.rofl.\u{202e}noisrev");
}

#[test]
fn metadata_key_with_a_zero_width_space() {
    unsafe_key("net.oasis.rofl.ver\u{200b}sion");
}

#[test]
fn metadata_key_with_a_newline() {
    unsafe_key("note\nnet.oasis.rofl.version: 1.0.0");
}

#[test]
fn metadata_key_with_a_terminal_escape() {
    unsafe_key("x\u{1b}[2K\u{1b}[1Anet.oasis.rofl.version");
}

#[test]
fn metadata_key_of_cyrillic_lookalikes() {
    // "АРІ" in Cyrillic reads as "API".
    unsafe_key("АРІ");
}

#[test]
fn metadata_key_confusable_with_an_existing_key() {
    // Cyrillic "о" and "і" in a Latin key: passes for the version key the app has.
    let forged = "net.оasis.rofl.versіon";
    let set = PolicyChange::SetMetadata { key: forged.into(), value: "9.9.9".into() };
    let report = run(&single(POLICY, U256::ZERO, pc(V, &[set])));
    assert_blocked(&report, WarningKind::UnsafeText);
    assert!(report.findings.iter().any(|w| w.message.contains("looks exactly like")), "{report}");
}

// ---------------------------------------------------------------------------------------------
// Identities back from the dead
// ---------------------------------------------------------------------------------------------

#[test]
fn reallowing_a_revoked_identity() {
    let tx = single(POLICY, U256::ZERO, pc(V, &[PolicyChange::AddEnclave(revoked())]));
    let report = run(&tx);
    assert_blocked(&report, WarningKind::IdentityReallowed);
    assert!(report.findings.iter().any(|w| w.message.contains("REVOKED")), "{report}");
}

#[test]
fn reallowing_a_retired_identity() {
    let tx = single(POLICY, U256::ZERO, pc(V, &[PolicyChange::AddEnclave(retired())]));
    assert_blocked(&run(&tx), WarningKind::IdentityReallowed);
    // Through a direct update of the config the same.
    let mut facts = facts();
    let managed = facts.apps.get_mut(&app()).unwrap();
    managed.version = None;
    let tx = direct(direct_update(app_config(), |u| u.policy.enclaves.push(retired())));
    let report = firewall::review(&tx, &facts, &Expectations::default());
    assert_blocked(&report, WarningKind::IdentityReallowed);
}

#[test]
fn reallowing_with_a_declared_rollback() {
    let tx = single(
        POLICY,
        U256::ZERO,
        pc(V, &[PolicyChange::AddEnclave(revoked()), PolicyChange::AddEnclave(retired())]),
    );
    let expected = Expectations {
        rollback: true,
        verified_identities: Some(BTreeSet::from([revoked(), retired()])),
        ..Default::default()
    };
    let report = review_with(&tx, &expected);
    assert!(!report.has(WarningKind::IdentityReallowed), "{report}");
    assert_honest(&report);
}

// ---------------------------------------------------------------------------------------------
// Versions
// ---------------------------------------------------------------------------------------------

#[test]
fn two_policy_calls_in_one_multisend_expecting_the_same_version() {
    let set = |value: &str| PolicyChange::SetMetadata { key: VERSION_KEY.into(), value: value.into() };
    let tx = batch(&[policy_call(pc(V, &[set("1.1.0")])), policy_call(pc(V, &[set("1.1.1")]))]);
    let report = run(&tx);
    assert_blocked(&report, WarningKind::StaleVersion);
    let stale = report.apps[0].stale.expect("stale");
    assert_eq!((stale.expected, stale.current), (V, V), "{report}");
}

#[test]
fn two_policy_calls_in_one_multisend_expecting_v_then_v_plus_1() {
    let set = |value: &str| PolicyChange::SetMetadata { key: VERSION_KEY.into(), value: value.into() };
    let tx = batch(&[policy_call(pc(V, &[set("1.1.0")])), policy_call(pc(V + 1, &[set("1.1.1")]))]);
    assert_honest(&run(&tx));
}

#[test]
fn two_changes_in_one_multicall_expecting_the_same_version() {
    let set = |value: &str| PolicyChange::SetMetadata { key: VERSION_KEY.into(), value: value.into() };
    let tx = single(POLICY, U256::ZERO, pc(V, &[set("1.1.0"), set("1.1.1")]));
    assert_honest(&run(&tx));
}

#[test]
fn proposal_drafted_against_an_old_version() {
    let tx = single(POLICY, U256::ZERO, pc(V - 1, &release_changes()));
    assert_blocked(&run(&tx), WarningKind::StaleVersion);
}

// ---------------------------------------------------------------------------------------------
// State the review cannot establish, calls it cannot read
// ---------------------------------------------------------------------------------------------

#[test]
fn transaction_for_another_chain() {
    let tx = SafeTx::call(honest_release_call(), NONCE);
    let hash = tx.safe_tx_hash(23294, SAFE);
    let signatures = owner_keys()[..2].iter().map(|k| sign(k, hash)).collect();
    let tx = Transaction::Safe { safe: SAFE, chain_id: 23294, tx, signatures, title: None };
    let report = run(&tx);
    assert_eq!(report.verdict, Verdict::CannotReview, "{report}");
    assert!(report.has(WarningKind::WrongChain), "{report}");
    // A Governor proposal naming another chain, the same.
    let Transaction::Calls { executor, calls, description, description_verified, .. } =
        governor(vec![ProposedCall::call(POLICY, U256::ZERO, pc(V, &release_changes()))])
    else {
        unreachable!()
    };
    let tx = Transaction::Calls { executor, chain_id: Some(1), calls, description, description_verified };
    assert_eq!(run_governor(&tx).verdict, Verdict::CannotReview);
}

#[test]
fn rpc_unreachable() {
    let mut facts = facts();
    facts.rpc_chain_id = None;
    let report = firewall::review(
        &single(POLICY, U256::ZERO, pc(V, &release_changes())),
        &facts,
        &Expectations::default(),
    );
    assert_eq!(report.verdict, Verdict::CannotReview, "{report}");
    assert!(report.has(WarningKind::StateUnknown), "{report}");
}

#[test]
fn safe_state_unreadable() {
    let mut facts = facts();
    facts.safe = None;
    let report = firewall::review(
        &single(POLICY, U256::ZERO, pc(V, &release_changes())),
        &facts,
        &Expectations::default(),
    );
    assert_eq!(report.verdict, Verdict::CannotReview, "{report}");
    assert!(report.has(WarningKind::StateUnknown), "{report}");
}

#[test]
fn garbage_calldata_to_the_policy_contract() {
    assert_blocked(&run(&single(POLICY, U256::ZERO, vec![0x01, 0x02])), WarningKind::Unreviewable);
    assert_blocked(
        &run(&single(POLICY, U256::ZERO, vec![0xde, 0xad, 0xbe, 0xef, 0, 0])),
        WarningKind::Unreviewable,
    );
    // A known selector with arguments cut short (into the data, not only the padding, which
    // the EVM's decoder does not need either).
    let mut data = pc(V, &release_changes()).to_vec();
    data.truncate(data.len() / 2);
    assert_blocked(&run(&single(POLICY, U256::ZERO, data)), WarningKind::Unreviewable);
}

#[test]
fn policy_call_without_calldata() {
    // The policy contract has no receive function: a plain transfer to it is no known call.
    assert_blocked(&run(&single(POLICY, rose(1), Bytes::new())), WarningKind::Unreviewable);
}

#[test]
fn truncated_multisend_payload() {
    let packed = encode_multi_send(&[honest_release_call(), honest_release_call()]);
    // Every cut but one at an entry boundary leaves a truncated entry.
    for cut in [1, 40, 84, 90, packed.len() / 2 + 10, packed.len() - 84] {
        let transactions = Bytes::copy_from_slice(&packed[..packed.len() - cut]);
        let data = IMultiSendCallOnly::multiSendCall { transactions }.abi_encode();
        let mut tx = SafeTx::multi_send(MULTI_SEND_CALL_ONLY.address, &[], NONCE);
        tx.data = data.into();
        assert_blocked(&run(&signed(tx)), WarningKind::Unreviewable);
    }
}

#[test]
fn multisend_entry_with_delegatecall_operation() {
    let mut packed = encode_multi_send(&[honest_release_call()]).to_vec();
    packed[0] = 1;
    let data = IMultiSendCallOnly::multiSendCall { transactions: packed.into() }.abi_encode();
    let mut tx = SafeTx::multi_send(MULTI_SEND_CALL_ONLY.address, &[], NONCE);
    tx.data = data.into();
    assert_blocked(&run(&signed(tx)), WarningKind::Unreviewable);
}

// ---------------------------------------------------------------------------------------------
// Governor proposals
// ---------------------------------------------------------------------------------------------

#[test]
fn governor_proposal_with_an_unknown_target() {
    let tx = governor(vec![
        ProposedCall::call(POLICY, U256::ZERO, pc(V, &release_changes())),
        ProposedCall::call(STRANGER, rose(1_000), Bytes::new()),
    ]);
    assert_blocked(&run_governor(&tx), WarningKind::UnknownTarget);
}

#[test]
fn governor_proposal_calling_the_timelock_itself() {
    let data = ITimelock::updateDelayCall { newDelay: U256::ZERO }.abi_encode();
    let tx = governor(vec![ProposedCall::call(TIMELOCK, U256::ZERO, data.into())]);
    assert_blocked(&run_governor(&tx), WarningKind::SafeSelfCall);
}

#[test]
fn batch_call_marked_delegatecall_into_the_policy_contract() {
    // A batch executed by the Safe whose call is a DELEGATECALL of the policy contract: its code
    // would run with the Safe's storage. Nothing the CLI builds today, but the engine's input
    // allows it and must not read it as a plain call.
    let tx = Transaction::Calls {
        executor: SAFE,
        chain_id: Some(CHAIN),
        calls: vec![ProposedCall {
            to: POLICY,
            value: U256::ZERO,
            data: RoflAppAdmin::withdrawStakeCall {}.abi_encode().into(),
            delegate_call: true,
        }],
        description: None,
        description_verified: false,
    };
    assert_blocked(&run(&tx), WarningKind::DelegateCall);
}

// ---------------------------------------------------------------------------------------------
// Signatures
// ---------------------------------------------------------------------------------------------

#[test]
fn signature_by_a_non_owner() {
    let tx = SafeTx::call(honest_release_call(), NONCE);
    let hash = tx.safe_tx_hash(CHAIN, SAFE);
    let stranger = key(0x42);
    let owners = owner_keys();
    let report = run(&with_signatures(tx, vec![sign(&owners[0], hash), sign(&stranger, hash)]));
    let safe = report.safe_tx.as_ref().unwrap();
    assert_eq!(safe.counted, 1, "{report}");
    assert_eq!(safe.signatures[1].signer, Some(address_of(&stranger)));
    assert!(!safe.signatures[1].counted);
    assert!(report.has(WarningKind::SignatureNotCounted), "{report}");
}

#[test]
fn signature_twice_by_the_same_owner() {
    let tx = SafeTx::call(honest_release_call(), NONCE);
    let hash = tx.safe_tx_hash(CHAIN, SAFE);
    let owner = &owner_keys()[0];
    let report = run(&with_signatures(tx, vec![sign(owner, hash), sign(owner, hash)]));
    assert_eq!(report.safe_tx.as_ref().unwrap().counted, 1, "{report}");
    assert!(report.has(WarningKind::SignatureNotCounted), "{report}");
}

#[test]
fn signature_of_another_transaction() {
    let tx = SafeTx::call(honest_release_call(), NONCE);
    let other = SafeTx::call(honest_release_call(), NONCE + 1).safe_tx_hash(CHAIN, SAFE);
    let owners = owner_keys();
    let report = run(&with_signatures(tx, vec![sign(&owners[0], other), sign(&owners[1], other)]));
    assert_eq!(report.safe_tx.as_ref().unwrap().counted, 0, "{report}");
}

fn approved_hash_entry(owner: Address) -> Bytes {
    let mut packed = [0u8; 65];
    packed[12..32].copy_from_slice(owner.as_slice());
    packed[64] = 1;
    Bytes::copy_from_slice(&packed)
}

#[test]
fn approved_hash_not_approved_on_chain() {
    let owner = address_of(&owner_keys()[2]);
    let tx = SafeTx::call(honest_release_call(), NONCE);
    let transaction = with_signatures(tx, vec![approved_hash_entry(owner)]);
    let report = run(&transaction);
    let safe = report.safe_tx.as_ref().unwrap();
    assert_eq!(safe.signatures[0].kind, "approved_hash");
    assert_eq!((safe.counted, safe.signatures[0].counted), (0, false), "{report}");
    assert!(report.has(WarningKind::SignatureNotCounted), "{report}");
    // Approved on chain: counted.
    let mut facts = facts();
    facts.safe.as_mut().unwrap().approved_hash_by.insert(owner);
    let report = firewall::review(&transaction, &facts, &Expectations::default());
    assert_eq!(report.safe_tx.as_ref().unwrap().counted, 1, "{report}");
}

#[test]
fn malformed_signature_is_reported_not_fatal() {
    let tx = SafeTx::call(honest_release_call(), NONCE);
    let hash = tx.safe_tx_hash(CHAIN, SAFE);
    let owners = owner_keys();
    let mut short = sign(&owners[0], hash).to_vec();
    short.truncate(64);
    let report = run(&with_signatures(tx, vec![short.into(), sign(&owners[1], hash)]));
    let safe = report.safe_tx.as_ref().unwrap();
    assert_eq!(safe.signatures[0].kind, "malformed");
    assert_eq!(safe.counted, 1, "{report}");
    assert!(report.has(WarningKind::SignatureNotCounted), "{report}");
    assert_eq!(report.verdict, Verdict::Ok, "a bad signature says nothing about the calls:\n{report}");
}

// ---------------------------------------------------------------------------------------------
// Overrides
// ---------------------------------------------------------------------------------------------

#[test]
fn an_override_by_kind_accepts_the_finding_and_says_so() {
    let stranger = OasisAddress::from_eth(STRANGER);
    let tx = single(POLICY, U256::ZERO, pc(V, &[PolicyChange::TransferRoflAdmin { new_admin: stranger }]));
    let expected =
        Expectations { overrides: BTreeSet::from([WarningKind::AdminHandedOver]), ..Default::default() };
    let report = review_with(&tx, &expected);
    assert_eq!(report.verdict, Verdict::Ok, "{report}");
    assert_eq!(report.overridden, vec![WarningKind::AdminHandedOver]);
    assert!(report.has(WarningKind::AdminHandedOver), "the finding stays in the report");
    assert_eq!(report.blocking().count(), 0);
    assert!(report.to_string().contains("OVERRIDDEN"), "{report}");
    // An override of another kind changes nothing.
    let other =
        Expectations { overrides: BTreeSet::from([WarningKind::UnknownTarget]), ..Default::default() };
    let report = review_with(&tx, &other);
    assert_eq!(report.verdict, Verdict::DoNotSign);
    assert!(report.overridden.is_empty());
}

#[test]
fn state_unknown_cannot_be_overridden() {
    let mut config = legacy_config();
    config.id = roflgov_types::AppId::from_global_name("nobody-knows");
    let tx = direct(direct_update(config, |_| {}));
    let expected = Expectations {
        overrides: BTreeSet::from([WarningKind::StateUnknown, WarningKind::WrongChain]),
        ..Default::default()
    };
    let report = review_with(&tx, &expected);
    assert_eq!(report.verdict, Verdict::CannotReview, "{report}");
    assert!(report.overridden.is_empty(), "{report}");
}

// ---------------------------------------------------------------------------------------------
// Honest proposals
// ---------------------------------------------------------------------------------------------

fn create_app_calldata() -> Bytes {
    PolicyChange::CreateApp {
        policy: AppAuthPolicy { enclaves: vec![identity(0xe1)], ..Default::default() },
        metadata: [(VERSION_KEY.to_string(), "0.1.0".to_string())].into(),
        scheme: IdentifierScheme::CreatorNonce,
    }
    .to_calldata(roflgov_types::AppId([0; 21]), 0)
    .unwrap()
}

#[test]
fn honest_release_in_one_multicall_as_a_single_safe_call() {
    let report = run(&single(POLICY, U256::ZERO, pc(V, &release_changes())));
    assert_honest(&report);
    assert_eq!(report.safe_tx.as_ref().unwrap().counted, 2, "{report}");
    assert_eq!(report.apps.len(), 1);
    assert_eq!(report.apps[0].diff.added_ids().len(), 1);
    assert_eq!(report.apps[0].diff.removed_ids().len(), 1);
}

#[test]
fn honest_release_as_a_multisend_of_two_calls() {
    let tx = batch(&[
        policy_call(pc(V, &release_changes()[..2])),
        policy_call(pc(V + 1, &release_changes()[2..])),
    ]);
    let report = run(&tx);
    assert_honest(&report);
    assert_eq!(report.calls.len(), 2, "{report}");
}

#[test]
fn honest_create_app_with_exactly_the_stake() {
    let report = run(&single(POLICY, CREATE_STAKE, create_app_calldata()));
    assert_honest(&report);
}

#[test]
fn honest_governor_release() {
    let tx = governor(vec![ProposedCall::call(POLICY, U256::ZERO, pc(V, &release_changes()))]);
    let report = run_governor(&tx);
    assert_honest(&report);
    assert!(report.description.is_some());
}

#[test]
fn honest_release_with_verified_identities() {
    let tx = single(POLICY, U256::ZERO, pc(V, &release_changes()));
    let unverified = run(&tx);
    assert!(unverified.has(WarningKind::IdentityNotVerified), "{unverified}");
    let expected = Expectations { verified_identities: Some(BTreeSet::from([a3()])), ..Default::default() };
    let report = review_with(&tx, &expected);
    assert_honest(&report);
    assert!(!report.has(WarningKind::IdentityNotVerified), "{report}");
}

#[test]
fn honest_release_with_a_record_of_the_reviewers_bundle() {
    let tx = single(
        POLICY,
        U256::ZERO,
        pc(
            V,
            &[
                PolicyChange::AddRelease {
                    identities: vec![a3()],
                    record: record("1.1.0"),
                    retire: vec![a2()],
                    grace_until: 0,
                },
                PolicyChange::SetMetadata { key: VERSION_KEY.into(), value: "1.1.0".into() },
            ],
        ),
    );
    let expected = Expectations {
        bundle_hash: Some(record("1.1.0").bundle_hash),
        verified_identities: Some(BTreeSet::from([a3()])),
        ..Default::default()
    };
    assert_honest(&review_with(&tx, &expected));
}

#[test]
fn policy_contract_address_running_other_code() {
    // The configured address is right, but what runs there is not roflgov's RoflAppAdmin (a
    // redeployed look-alike, or libraries swapped): even an honest-looking release is unknown.
    let mut world = facts();
    world.policy_contract.as_mut().unwrap().code_is_roflgov = false;
    let release = single(POLICY, U256::ZERO, pc(V, &release_changes()));
    let report = firewall::review(&release, &world, &Expectations::default());
    assert_blocked(&report, WarningKind::UnknownTarget);
}

#[test]
fn machine_terminated_with_its_storage_wiped() {
    // A machine call changes no config, yet the firewall must review the app it names.
    let data = RoflAppAdmin::terminateMachineCall {
        appId: app().0.into(),
        provider: [0x11; 21].into(),
        id: 0,
        wipeStorage: true,
    }
    .abi_encode();
    let report = run(&single(POLICY, U256::ZERO, data));
    assert_blocked(&report, WarningKind::MachineEnded);
    assert_blocked(&report, WarningKind::MachineStorageWiped);
}

#[test]
fn machine_deploy_alone_passes() {
    let data = RoflAppAdmin::deployMachineCall {
        appId: app().0.into(),
        provider: [0x11; 21].into(),
        id: 0,
        manifestHash: B256::repeat_byte(0xc3),
        wipeStorage: false,
    }
    .abi_encode();
    let report = run(&single(POLICY, U256::ZERO, data));
    assert_eq!(report.verdict, Verdict::Ok, "{report}");
}
