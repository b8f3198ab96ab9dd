//! The decision behind `roflgov review` and every approval gate, made in core: the identity
//! checks of the reviewer's files, a direct Update that drops the admin, the calls read
//! without a chain, the final verdict and the refusal (issue #16 item 1). The world (a 2-of-3
//! Safe owning the policy contract, the apps, their history) is in `support`.

use crate::support::*;

use std::collections::BTreeSet;

use alloy_primitives::{Address, U256};
use roflgov_core::{
    firewall::{
        ChainFacts, Expectations, GuardianRefusal, Refusal, Transaction, Verdict, guardian_intent,
        guardian_removal, guardian_rights, review_for_signer,
    },
    review::{CallOut, IdentityEvidence, OfflineCall, ProposedCall, WarningKind, drops_admin},
    rofl::{
        PolicyChange,
        subcall::{SUBCALL_PRECOMPILE, direct_rofl_call, encode_subcall},
    },
};
use roflgov_types::{Classified, FailureClass, RoflCall, cbor};

/// The honest release as one policy-contract call, the Governor way.
fn release() -> (Transaction, Vec<ProposedCall>) {
    let calls = vec![ProposedCall::call(POLICY, U256::ZERO, pc(V, &release_changes()))];
    (governor(calls.clone()), calls)
}

fn manifest(ids: &[roflgov_types::EnclaveIdentity]) -> IdentityEvidence {
    IdentityEvidence { manifest: Some(ids.to_vec()), ..Default::default() }
}

#[test]
fn an_honest_release_with_matching_files_is_ok() {
    let (tx, calls) = release();
    let evidence = IdentityEvidence {
        manifest: Some(vec![a1(), a3()]),
        bundle: Some(("talos.orc".into(), vec![a3()])),
        quote: Some(("quote.bin".into(), a3())),
    };
    let review = review_for_signer(&tx, &calls, &governor_facts(), &Expectations::default(), &evidence);
    assert_eq!(review.verdict, Verdict::Ok, "{}", review.firewall);
    let sources: Vec<&str> = review.identity_checks.iter().map(|c| c.source.as_str()).collect();
    assert_eq!(sources, ["rofl.yaml", "bundle talos.orc", "quote quote.bin"]);
    assert!(review.identity_checks.iter().all(|c| c.ok && c.identity == a3().to_text()));
    assert!(review.offline.is_empty(), "the app was diffed: nothing is read offline");
    assert_eq!(review.refusal("signed"), None);
}

#[test]
fn an_added_identity_missing_from_the_manifest_means_do_not_sign() {
    let (tx, calls) = release();
    let review =
        review_for_signer(&tx, &calls, &governor_facts(), &Expectations::default(), &manifest(&[a1()]));
    assert_eq!(review.verdict, Verdict::DoNotSign);
    assert!(!review.identity_checks[0].ok);
    let refusal = review.refusal("signed").expect("refused");
    assert_eq!(refusal, Refusal::IdentityChecks { failed: 1 });
    assert_eq!(refusal.to_string(), "1 identity check(s) failed: do not sign");
    assert_eq!(refusal.class(), FailureClass::Verification);
}

#[test]
fn a_quote_of_an_identity_the_proposal_does_not_add_fails_its_check() {
    let (tx, calls) = release();
    let evidence = IdentityEvidence { quote: Some(("q".into(), a1())), ..Default::default() };
    let review = review_for_signer(&tx, &calls, &governor_facts(), &Expectations::default(), &evidence);
    assert_eq!(review.identity_checks.len(), 1);
    assert!(!review.identity_checks[0].ok);
    assert_eq!(review.verdict, Verdict::DoNotSign);
}

#[test]
fn the_files_decide_the_verified_identities_the_firewall_sees() {
    let (tx, calls) = release();
    // An expectation claiming a3 verified is replaced by what the files say.
    let claimed = Expectations { verified_identities: Some(BTreeSet::from([a3()])), ..Default::default() };
    let review = review_for_signer(&tx, &calls, &governor_facts(), &claimed, &manifest(&[a1()]));
    assert!(review.firewall.has(WarningKind::IdentityNotVerified), "{}", review.firewall);
}

#[test]
fn a_direct_update_without_admin_is_refused_first() {
    let data = direct_update(legacy_config(), |u| u.admin = None);
    let calls = vec![ProposedCall::call(SUBCALL_PRECOMPILE, U256::ZERO, data.clone())];
    assert!(drops_admin(&calls[0]));
    let tx = single(SUBCALL_PRECOMPILE, U256::ZERO, data);
    let review = review_for_signer(&tx, &calls, &facts(), &Expectations::default(), &manifest(&[]));
    assert!(review.drops_admin);
    assert_eq!(review.verdict, Verdict::DoNotSign);
    let refusal = review.refusal("signed").expect("refused");
    assert_eq!(refusal, Refusal::DropsAdmin, "before the identity checks and the findings");
    assert_eq!(refusal.to_string(), "this proposal would drop the app's admin, irreversibly: do not sign");
}

#[test]
fn a_dropped_admin_is_do_not_sign_even_when_every_finding_is_overridden() {
    let data = direct_update(legacy_config(), |u| u.admin = None);
    let calls = vec![ProposedCall::call(SUBCALL_PRECOMPILE, U256::ZERO, data.clone())];
    let tx = single(SUBCALL_PRECOMPILE, U256::ZERO, data);
    let blocking = firewall_review(&tx, &Expectations::default()).blocking().map(|w| w.kind).collect();
    let all = Expectations { overrides: blocking, ..Default::default() };
    let review = review_for_signer(&tx, &calls, &facts(), &all, &IdentityEvidence::default());
    assert_eq!(review.firewall.verdict, Verdict::Ok, "{}", review.firewall);
    assert_eq!(review.verdict, Verdict::DoNotSign);
    assert_eq!(review.refusal("signed"), Some(Refusal::DropsAdmin));
}

#[test]
fn only_a_strictly_decoding_direct_update_without_admin_drops_it() {
    let keeps = direct_update(legacy_config(), |_| {});
    assert!(!drops_admin(&ProposedCall::call(SUBCALL_PRECOMPILE, U256::ZERO, keeps)));
    // The same body sent elsewhere is no subcall.
    let drop = direct_update(legacy_config(), |u| u.admin = None);
    assert!(!drops_admin(&ProposedCall::call(POLICY, U256::ZERO, drop.clone())));
    assert!(direct_rofl_call(POLICY, &drop).is_none());
    assert!(
        matches!(direct_rofl_call(SUBCALL_PRECOMPILE, &drop), Some(RoflCall::Update(u)) if u.admin.is_none())
    );
    let garbage = encode_subcall(cbor::METHOD_UPDATE, &[0xa0]);
    assert!(direct_rofl_call(SUBCALL_PRECOMPILE, &garbage).is_none());
}

#[test]
fn without_a_chain_each_call_is_read_offline_and_cannot_be_reviewed() {
    let (tx, calls) = release();
    let review =
        review_for_signer(&tx, &calls, &ChainFacts::default(), &Expectations::default(), &manifest(&[a3()]));
    assert_eq!(review.verdict, Verdict::CannotReview);
    assert_eq!(review.offline.len(), 1);
    let OfflineCall::PolicyContract { to, decoded: Ok(decoded) } = &review.offline[0] else {
        panic!("{:?}", review.offline)
    };
    assert_eq!(*to, POLICY);
    assert_eq!(decoded.changes().len(), release_changes().len());
    // The identity the call adds is checked all the same.
    assert_eq!(review.offline[0].allows(), vec![a3()]);
    assert!(review.identity_checks.len() == 1 && review.identity_checks[0].ok);
    let refusal = review.refusal("signed or sent").expect("refused");
    assert_eq!(
        refusal.to_string(),
        "cannot review: the state this transaction touches could not be established; nothing was signed or sent"
    );
}

#[test]
fn offline_a_direct_update_shows_the_config_it_writes_and_its_footguns() {
    let data = direct_update(legacy_config(), |u| {
        u.secrets.clear();
        u.policy.enclaves = vec![a2()];
    });
    let call = ProposedCall::call(SUBCALL_PRECOMPILE, U256::ZERO, data);
    let OfflineCall::Direct { method, body_len, writes: Some(config), footguns } = OfflineCall::read(&call)
    else {
        panic!()
    };
    assert_eq!(method, cbor::METHOD_UPDATE);
    assert!(body_len > 0);
    assert_eq!(config.id, legacy());
    assert!(config.secrets.is_empty());
    assert!(footguns.iter().any(|f| f.contains("WIPES every secret")), "{footguns:?}");
    assert_eq!(OfflineCall::read(&call).allows(), vec![a2()]);
    let undecodable =
        ProposedCall::call(SUBCALL_PRECOMPILE, U256::ZERO, encode_subcall(cbor::METHOD_UPDATE, &[0xa0]));
    assert_eq!(
        OfflineCall::read(&undecodable),
        OfflineCall::Undecodable { method: cbor::METHOD_UPDATE.into() }
    );
    let unknown = ProposedCall::call(STRANGER, U256::ZERO, vec![1u8, 2, 3].into());
    assert_eq!(OfflineCall::read(&unknown), OfflineCall::Unknown { to: STRANGER, data_len: 3 });
}

#[test]
fn offline_only_added_identities_are_allowed_ones() {
    let changes = [
        PolicyChange::AddEnclave(a1()),
        PolicyChange::RemoveEnclave(a2()),
        PolicyChange::SetMetadata { key: VERSION_KEY.into(), value: "2".into() },
    ];
    let call = ProposedCall::call(POLICY, U256::ZERO, pc(V, &changes));
    assert_eq!(OfflineCall::read(&call).allows(), vec![a1()], "a removal allows nothing");
}

#[test]
fn calls_are_classified_by_what_decodes() {
    let policy = ProposedCall::call(Address::repeat_byte(0x42), U256::ZERO, pc(V, &release_changes()));
    assert!(
        matches!(CallOut::read(&policy), CallOut::PolicyContract { changes, .. } if changes == release_changes()),
        "policy-contract calldata reads as such whatever its target"
    );
    let direct = ProposedCall::call(SUBCALL_PRECOMPILE, U256::ZERO, direct_update(legacy_config(), |_| {}));
    assert!(matches!(
        CallOut::read(&direct),
        CallOut::DirectSubcall { app: Some(a), call: Some(RoflCall::Update(_)), .. } if a == legacy()
    ));
    let not_abi = ProposedCall::call(SUBCALL_PRECOMPILE, U256::ZERO, vec![0u8; 3].into());
    assert!(matches!(CallOut::read(&not_abi), CallOut::Unknown { .. }));
}

#[test]
fn a_firewall_refusal_names_each_blocking_kind_once_sorted() {
    let tx = single(STRANGER, rose(1), vec![]);
    let report = run(&tx);
    let Some(Refusal::Critical { kinds, action }) = report.refusal("sent") else { panic!("{report}") };
    assert_eq!(action, "sent");
    let mut sorted = kinds.clone();
    sorted.sort();
    sorted.dedup();
    assert_eq!(kinds, sorted);
    assert!(kinds.contains(&"unknown_target".to_string()), "{kinds:?}");
    let text = report.refusal("sent").unwrap().to_string();
    assert!(
        text.starts_with("the review raised critical findings (") && text.contains("nothing was sent"),
        "{text}"
    );
    // Overriding every blocking kind makes it pass, and each shows as overridden.
    let overrides = report.blocking().map(|w| w.kind).collect();
    let accepted = firewall_review(&tx, &Expectations { overrides, ..Default::default() });
    assert_eq!(accepted.refusal("sent"), None, "{accepted}");
    let critical = accepted.findings.iter().find(|w| w.kind == WarningKind::UnknownTarget).unwrap();
    assert_eq!(accepted.mark(critical), "OVERRIDDEN");
}

#[test]
fn intended_findings_are_not_shown_as_overridden_and_the_verdict_stands() {
    let tx = single(POLICY, U256::ZERO, pc(V, &[PolicyChange::Freeze]));
    let intended = guardian_intent(&PolicyChange::Freeze);
    assert_eq!(intended, BTreeSet::from([WarningKind::FreezeChanged, WarningKind::NoEnclaves]));
    assert_eq!(
        guardian_intent(&PolicyChange::RevokeEnclave(a1())),
        BTreeSet::from([WarningKind::FreezeChanged])
    );
    let report = firewall_review(&tx, &Expectations { overrides: intended.clone(), ..Default::default() });
    let verdict = report.verdict;
    let shown = report.without_overrides_of(&intended);
    assert_eq!(shown.verdict, verdict);
    assert!(shown.overridden.iter().all(|k| !intended.contains(k)));
}

fn firewall_review(tx: &Transaction, expectations: &Expectations) -> roflgov_core::firewall::FirewallReport {
    roflgov_core::firewall::review(tx, &facts(), expectations)
}

#[test]
fn only_the_guardian_or_the_owner_acts_as_guardian() {
    assert_eq!(guardian_rights(app(), GUARDIAN, Some(GUARDIAN), SAFE), Ok(()));
    assert_eq!(guardian_rights(app(), SAFE, Some(GUARDIAN), SAFE), Ok(()), "the owner may");
    let refused = guardian_rights(app(), STRANGER, Some(GUARDIAN), SAFE).unwrap_err();
    assert_eq!(refused.class(), FailureClass::Verification);
    let text = refused.to_string();
    assert!(
        text.contains(&format!("its guardian is {GUARDIAN}")) && text.ends_with("nothing was sent"),
        "{text}"
    );
    let none = guardian_rights(app(), STRANGER, None, SAFE).unwrap_err().to_string();
    assert!(none.contains("has no guardian") && none.contains("is not the owner"), "{none}");
}

#[test]
fn a_guardian_revokes_one_allowed_identity_but_never_the_last() {
    let enclaves = [a1(), a2()];
    assert_eq!(guardian_removal(app(), &PolicyChange::RevokeEnclave(a2()), &enclaves, false), Ok(vec![a2()]));
    assert_eq!(
        guardian_removal(app(), &PolicyChange::RevokeEnclave(a3()), &enclaves, false),
        Err(GuardianRefusal::NotAllowed { app: app(), identity: a3() })
    );
    let last = guardian_removal(app(), &PolicyChange::RevokeEnclave(a1()), &[a1()], false).unwrap_err();
    assert_eq!(last, GuardianRefusal::LastIdentity { app: app(), identity: a1() });
    assert!(last.to_string().contains("guardian freeze"), "{last}");
}

#[test]
fn a_freeze_removes_every_identity_once() {
    let enclaves = [a1(), a2()];
    assert_eq!(guardian_removal(app(), &PolicyChange::Freeze, &enclaves, false), Ok(enclaves.to_vec()));
    assert_eq!(
        guardian_removal(app(), &PolicyChange::Freeze, &enclaves, true),
        Err(GuardianRefusal::AlreadyFrozen { app: app() })
    );
    assert!(matches!(
        guardian_removal(app(), &PolicyChange::AddEnclave(a3()), &enclaves, false),
        Err(GuardianRefusal::NotAGuardianAction { .. })
    ));
}
