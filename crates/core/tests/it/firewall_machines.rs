//! Machine commands (`roflmarket.*` subcalls) in a release batch (issue #20): the release plus a
//! Deploy to each machine passes; wiping storage, stopping a machine, deploying another app or
//! other code than the reviewer's bundle, and moving a machine's admin away from the one the
//! endorsement policy names are not ok. The world (a 2-of-3 Safe owning the policy contract,
//! the apps) is in `common`.

use crate::support as common;

use alloy_primitives::{B256, U256};
use common::*;
use roflgov_core::{
    firewall::{self, Expectations, Verdict},
    review::WarningKind,
    rofl::{
        PolicyChange,
        subcall::{SUBCALL_PRECOMPILE, encode_subcall},
    },
    safe_tx::SafeCall,
};
use roflgov_types::{
    AllowedEndorsement, AppId,
    ids::Address as OasisAddress,
    market::{
        self, Command, Deployment, InstanceCancel, InstanceChangeAdmin, InstanceExecuteCmds, MarketCall,
    },
};

const BUNDLE_HASH: B256 = B256::repeat_byte(0x4d);

fn provider() -> OasisAddress {
    OasisAddress([0x0b; 21])
}

fn deployment(app: AppId, hash: B256) -> Deployment {
    Deployment {
        app_id: app,
        manifest_hash: hash,
        metadata: [(market::METADATA_ORC_REFERENCE.to_owned(), "ghcr.io/x/talos:orc@sha256:ab".to_owned())]
            .into(),
    }
}

fn market_leg(call: &MarketCall) -> SafeCall {
    SafeCall::new(SUBCALL_PRECOMPILE, U256::ZERO, encode_subcall(call.method(), &market::encode_call(call)))
}

fn execute(commands: &[Command]) -> SafeCall {
    market_leg(&MarketCall::InstanceExecuteCmds(InstanceExecuteCmds::new(provider(), 30.into(), commands)))
}

fn deploy(app: AppId, hash: B256, wipe_storage: bool) -> SafeCall {
    execute(&[Command::Deploy { deployment: deployment(app, hash), wipe_storage }])
}

fn release() -> SafeCall {
    policy_call(pc(V, &release_changes()))
}

fn with_bundle() -> Expectations {
    Expectations { bundle_manifest_hash: Some(Ok(BUNDLE_HASH)), ..Default::default() }
}

#[test]
fn release_plus_deploy_of_the_bundle_is_ok_and_shown() {
    let report =
        firewall::review(&batch(&[release(), deploy(app(), BUNDLE_HASH, false)]), &facts(), &with_bundle());
    assert_honest(&report);
    let reading = &report.calls[1].reading;
    for part in
        ["roflmarket.InstanceExecuteCmds", "000000000000001e", &app().to_string(), &BUNDLE_HASH.to_string()]
    {
        assert!(reading.contains(part), "{part} in {reading}");
    }
    assert!(reading.contains("net.oasis.deployment.orc.ref=ghcr.io/x/talos:orc@sha256:ab"), "{reading}");
    assert!(!reading.contains("WIPES"), "{reading}");
}

#[test]
fn deploy_without_a_bundle_is_a_caution() {
    let report = run(&batch(&[release(), deploy(app(), BUNDLE_HASH, false)]));
    assert_honest(&report);
    assert!(report.has(WarningKind::MachineManifestUnchecked), "{report}");
}

#[test]
fn deploy_wiping_storage() {
    let report =
        firewall::review(&batch(&[release(), deploy(app(), BUNDLE_HASH, true)]), &facts(), &with_bundle());
    assert_blocked(&report, WarningKind::MachineStorageWiped);
    assert!(report.calls[1].reading.contains("WIPES STORAGE"), "{report}");
    let restart = execute(&[Command::Restart { wipe_storage: true }]);
    assert_blocked(&run(&batch(&[release(), restart])), WarningKind::MachineStorageWiped);
}

#[test]
fn deploy_of_other_code_than_the_bundle() {
    let tx = batch(&[release(), deploy(app(), B256::repeat_byte(0x66), false)]);
    assert_blocked(&firewall::review(&tx, &facts(), &with_bundle()), WarningKind::MachineManifestMismatch);
    // A bundle the scheduler would refuse cannot vouch for any Deploy.
    let unusable =
        Expectations { bundle_manifest_hash: Some(Err("components: missing".into())), ..Default::default() };
    let tx = batch(&[release(), deploy(app(), BUNDLE_HASH, false)]);
    assert_blocked(&firewall::review(&tx, &facts(), &unusable), WarningKind::MachineManifestMismatch);
}

#[test]
fn deploy_of_another_app_than_the_release() {
    let tx = batch(&[release(), deploy(app2(), BUNDLE_HASH, false)]);
    assert_blocked(&firewall::review(&tx, &facts(), &with_bundle()), WarningKind::MachineWrongApp);
}

#[test]
fn terminate_and_cancel_stop_the_machine() {
    let terminate = execute(&[Command::Terminate { wipe_storage: false }]);
    assert_blocked(&run(&batch(&[release(), terminate])), WarningKind::MachineStopped);
    let cancel =
        market_leg(&MarketCall::InstanceCancel(InstanceCancel { provider: provider(), id: 30.into() }));
    assert_blocked(&run(&batch(&[release(), cancel])), WarningKind::MachineStopped);
}

#[test]
fn admin_change_against_the_endorsement_policy() {
    let new_admin = OasisAddress([0x77; 21]);
    let change = market_leg(&MarketCall::InstanceChangeAdmin(InstanceChangeAdmin {
        provider: provider(),
        id: 30.into(),
        admin: new_admin,
    }));
    // The app's instances must be endorsed by a machine whose admin is the Safe.
    let mut facts = facts();
    let safe_admin = OasisAddress::from_eth(SAFE);
    facts.apps.get_mut(&app()).unwrap().config.policy.endorsements =
        vec![AllowedEndorsement::And(vec![AllowedEndorsement::ProviderInstanceAdmin(safe_admin)])];
    let tx = batch(&[release(), change.clone()]);
    assert_blocked(
        &firewall::review(&tx, &facts, &Expectations::default()),
        WarningKind::MachineAdminEndorsement,
    );
    // The matching endorsement change in the same batch resolves it.
    let mut changes = release_changes();
    changes.push(PolicyChange::SetEndorsements(vec![AllowedEndorsement::ProviderInstanceAdmin(new_admin)]));
    let tx = batch(&[policy_call(pc(V, &changes)), change]);
    let report = firewall::review(&tx, &facts, &Expectations::default());
    assert!(!report.has(WarningKind::MachineAdminEndorsement), "{report}");
}

#[test]
fn undecodable_market_bodies_are_unreviewable() {
    let bad_body = SafeCall::new(
        SUBCALL_PRECOMPILE,
        U256::ZERO,
        encode_subcall(market::METHOD_INSTANCE_EXECUTE_CMDS, &[0xa1, 0x61, 0x78, 0x00]),
    );
    assert_blocked(&run(&batch(&[release(), bad_body])), WarningKind::Unreviewable);
    // A well-formed body carrying an unknown scheduler command.
    let bogus = InstanceExecuteCmds { provider: provider(), id: 30.into(), cmds: vec![vec![0xa0]] };
    let leg = market_leg(&MarketCall::InstanceExecuteCmds(bogus));
    assert_blocked(&run(&batch(&[release(), leg])), WarningKind::Unreviewable);
    // A roflmarket method roflgov does not read.
    let other =
        SafeCall::new(SUBCALL_PRECOMPILE, U256::ZERO, encode_subcall("roflmarket.ProviderRemove", &[0xa0]));
    assert_blocked(&run(&batch(&[release(), other])), WarningKind::Unreviewable);
}

#[test]
fn metadata_text_is_escaped() {
    let mut d = deployment(app(), BUNDLE_HASH);
    d.metadata.insert("note\u{202e}".into(), "line\nbreak\u{0}".into());
    let leg = execute(&[Command::Deploy { deployment: d, wipe_storage: false }]);
    let report = firewall::review(&batch(&[release(), leg]), &facts(), &with_bundle());
    let reading = &report.calls[1].reading;
    assert!(
        !reading.contains('\u{202e}') && !reading.contains('\n') && !reading.contains('\u{0}'),
        "{reading:?}"
    );
    assert_ne!(report.verdict, Verdict::CannotReview);
}

#[test]
fn propose_legs_for_every_machine_review_ok() {
    use roflgov_core::rofl::machines::{
        MachineTarget, deploy_calls, endorsements_for_admin_change, release_deployment,
    };
    let machines = [
        MachineTarget { name: "a".into(), provider: provider(), id: 30.into() },
        MachineTarget { name: "b".into(), provider: OasisAddress([0x0c; 21]), id: 4.into() },
    ];
    let deployment = release_deployment(app(), BUNDLE_HASH, Some("ghcr.io/x/talos:orc@sha256:ab"));
    let mut legs = vec![release()];
    legs.extend(deploy_calls(&machines, &deployment));
    let report = firewall::review(&batch(&legs), &facts(), &with_bundle());
    assert_honest(&report);
    assert_eq!(report.calls.len(), 3, "{report}");
    // The endorsement change the admin move needs, offered in the same batch, clears the finding.
    let safe_admin = OasisAddress::from_eth(SAFE);
    let new_admin = OasisAddress([0x77; 21]);
    let mut facts = facts();
    let endorsements = vec![AllowedEndorsement::ProviderInstanceAdmin(safe_admin)];
    facts.apps.get_mut(&app()).unwrap().config.policy.endorsements = endorsements.clone();
    let matching = endorsements_for_admin_change(&endorsements, safe_admin, new_admin).unwrap();
    let mut changes = release_changes();
    changes.push(PolicyChange::SetEndorsements(matching));
    let change = market_leg(&MarketCall::InstanceChangeAdmin(InstanceChangeAdmin {
        provider: provider(),
        id: 30.into(),
        admin: new_admin,
    }));
    let tx =
        batch(&[policy_call(pc(V, &changes)), deploy_calls(&machines[..1], &deployment).remove(0), change]);
    let report = firewall::review(&tx, &facts, &with_bundle());
    assert!(!report.has(WarningKind::MachineAdminEndorsement), "{report}");
    assert_eq!(report.verdict, Verdict::Ok, "{report}");
}
