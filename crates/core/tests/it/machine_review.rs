//! The review of the policy contract's marketplace machine functions (issue #20 item 2b): each
//! is decoded and rendered readably; terminating, cancelling, handing over and wiping are
//! critical; spending the contract's balance is shown; handing a machine over while the policy
//! endorses instances by the contract as `provider_instance_admin` is flagged.

use alloy_primitives::{Address, B256, Bytes, FixedBytes, U256};
use alloy_sol_types::SolCall;
use roflgov_core::{
    bindings::RoflAppAdmin,
    review::{ProposedCall, Review, Reviewer, Severity, WarningKind},
    rofl::{DecodedCalldata, MachineCall, OwnerCall, decode_calldata},
};
use roflgov_types::{
    AllowedEndorsement, AppAuthPolicy, AppConfig, AppId, EnclaveIdentity, ids::Address as OasisAddress,
};

const POLICY: Address = Address::repeat_byte(0x90);
const PROVIDER: [u8; 21] = [0x11; 21];

fn app() -> AppId {
    AppId([0xa1; 21])
}

fn config(endorsements: Vec<AllowedEndorsement>) -> AppConfig {
    let identity = EnclaveIdentity { mr_enclave: B256::repeat_byte(1), mr_signer: B256::ZERO };
    AppConfig {
        id: app(),
        policy: AppAuthPolicy { enclaves: vec![identity], endorsements, ..Default::default() },
        admin: Some(OasisAddress::from_eth(POLICY)),
        metadata: Default::default(),
        secrets: Default::default(),
    }
}

fn review(config: &AppConfig, data: Vec<u8>) -> Review {
    Reviewer::new(config).policy_contract(POLICY, 1).review(&[ProposedCall::call(
        POLICY,
        U256::ZERO,
        Bytes::from(data),
    )])
}

fn critical_kinds(review: &Review) -> Vec<WarningKind> {
    review.warnings.iter().filter(|w| w.severity == Severity::Critical).map(|w| w.kind).collect()
}

fn machine_of(data: &[u8]) -> MachineCall {
    match decode_calldata(data).unwrap() {
        DecodedCalldata::Owner(OwnerCall::Machine(call)) => call,
        other => panic!("not a machine call: {other:?}"),
    }
}

fn app_arg() -> FixedBytes<21> {
    FixedBytes(app().0)
}

#[test]
fn every_machine_function_is_decoded() {
    let provider = FixedBytes(PROVIDER);
    let manifest = B256::repeat_byte(0xc3);
    let rent = RoflAppAdmin::rentMachineCall { appId: app_arg(), provider, offer: 7, term: 2, termCount: 3 }
        .abi_encode();
    assert_eq!(
        machine_of(&rent),
        MachineCall::Rent { app: app(), provider: OasisAddress(PROVIDER), offer: 7, term: 2, term_count: 3 }
    );
    let deploy = RoflAppAdmin::deployMachineCall {
        appId: app_arg(),
        provider,
        id: 4,
        manifestHash: manifest,
        wipeStorage: false,
    }
    .abi_encode();
    assert_eq!(
        machine_of(&deploy),
        MachineCall::Deploy {
            app: app(),
            provider: OasisAddress(PROVIDER),
            id: 4,
            manifest_hash: manifest,
            wipe_storage: false
        }
    );
    let top_up =
        RoflAppAdmin::setMachineTopUpCall { appId: app_arg(), term: 2, termsLeft: 5, window: 86_400 }
            .abi_encode();
    assert_eq!(
        machine_of(&top_up),
        MachineCall::SetTopUp { app: app(), term: 2, terms_left: 5, window: 86_400 }
    );
    let calls: Vec<Vec<u8>> = vec![
        RoflAppAdmin::restartMachineCall { appId: app_arg(), provider, id: 1, wipeStorage: true }
            .abi_encode(),
        RoflAppAdmin::terminateMachineCall { appId: app_arg(), provider, id: 1, wipeStorage: false }
            .abi_encode(),
        RoflAppAdmin::changeMachineAdminCall {
            appId: app_arg(),
            provider,
            id: 1,
            newAdmin: FixedBytes([2; 21]),
        }
        .abi_encode(),
        RoflAppAdmin::cancelMachineCall { appId: app_arg(), provider, id: 1 }.abi_encode(),
        RoflAppAdmin::topUpMachineCall { appId: app_arg(), provider, id: 1 }.abi_encode(),
    ];
    for data in calls {
        assert_eq!(machine_of(&data).app(), app());
    }
}

#[test]
fn deploy_is_shown_with_its_manifest_hash_and_is_not_critical() {
    let data = RoflAppAdmin::deployMachineCall {
        appId: app_arg(),
        provider: FixedBytes(PROVIDER),
        id: 4,
        manifestHash: B256::repeat_byte(0xc3),
        wipeStorage: false,
    }
    .abi_encode();
    let review = review(&config(vec![]), data.clone());
    assert!(critical_kinds(&review).is_empty(), "{:?}", review.warnings);
    let text = machine_of(&data).to_string();
    assert!(text.contains(&B256::repeat_byte(0xc3).to_string()), "{text}");
    assert!(text.contains(&app().to_string()), "{text}");
    assert!(text.contains("keeping its storage"), "{text}");
}

#[test]
fn wiping_terminating_cancelling_and_handing_over_are_critical() {
    let provider = FixedBytes(PROVIDER);
    let cases: Vec<(Vec<u8>, Vec<WarningKind>)> = vec![
        (
            RoflAppAdmin::deployMachineCall {
                appId: app_arg(),
                provider,
                id: 1,
                manifestHash: B256::repeat_byte(1),
                wipeStorage: true,
            }
            .abi_encode(),
            vec![WarningKind::MachineStorageWiped],
        ),
        (
            RoflAppAdmin::restartMachineCall { appId: app_arg(), provider, id: 1, wipeStorage: true }
                .abi_encode(),
            vec![WarningKind::MachineStorageWiped],
        ),
        (
            RoflAppAdmin::terminateMachineCall { appId: app_arg(), provider, id: 1, wipeStorage: false }
                .abi_encode(),
            vec![WarningKind::MachineEnded],
        ),
        (
            RoflAppAdmin::terminateMachineCall { appId: app_arg(), provider, id: 1, wipeStorage: true }
                .abi_encode(),
            vec![WarningKind::MachineEnded, WarningKind::MachineStorageWiped],
        ),
        (
            RoflAppAdmin::cancelMachineCall { appId: app_arg(), provider, id: 1 }.abi_encode(),
            vec![WarningKind::MachineEnded],
        ),
        (
            RoflAppAdmin::changeMachineAdminCall {
                appId: app_arg(),
                provider,
                id: 1,
                newAdmin: FixedBytes([2; 21]),
            }
            .abi_encode(),
            vec![WarningKind::MachineEnded],
        ),
    ];
    for (data, expected) in cases {
        let review = review(&config(vec![]), data);
        assert_eq!(critical_kinds(&review), expected, "{:?}", review.warnings);
        assert!(review.has_critical());
    }
}

#[test]
fn spending_the_contract_balance_is_shown() {
    let data = RoflAppAdmin::setMachineTopUpCall { appId: app_arg(), term: 2, termsLeft: 5, window: 86_400 }
        .abi_encode();
    let review = review(&config(vec![]), data.clone());
    assert!(!review.has_critical(), "{:?}", review.warnings);
    assert!(review.has_warning(WarningKind::MachineSpending));
    let text = machine_of(&data).to_string();
    assert!(text.contains("up to 5 × month"), "{text}");
    let rent = RoflAppAdmin::rentMachineCall {
        appId: app_arg(),
        provider: FixedBytes(PROVIDER),
        offer: 0,
        term: 1,
        termCount: 24,
    }
    .abi_encode();
    assert!(review_has(&rent, WarningKind::MachineSpending));
}

fn review_has(data: &[u8], kind: WarningKind) -> bool {
    review(&config(vec![]), data.to_vec()).has_warning(kind)
}

#[test]
fn handing_over_a_machine_the_endorsements_rely_on_is_flagged() {
    let contract = OasisAddress::from_eth(POLICY);
    let new_admin = OasisAddress([2; 21]);
    let data = RoflAppAdmin::changeMachineAdminCall {
        appId: app_arg(),
        provider: FixedBytes(PROVIDER),
        id: 1,
        newAdmin: FixedBytes(new_admin.0),
    }
    .abi_encode();
    let relies = config(vec![AllowedEndorsement::Or(vec![
        AllowedEndorsement::ProviderInstanceAdmin(contract),
        AllowedEndorsement::Node(B256::repeat_byte(9)),
    ])]);
    let flagged = review(&relies, data.clone());
    let messages: Vec<&str> = flagged.warnings.iter().map(|w| w.message.as_str()).collect();
    assert!(messages.iter().any(|m| m.contains("could no longer register")), "{messages:?}");
    // the new admin is endorsed too: only the hand-over itself is critical
    let both = config(vec![
        AllowedEndorsement::ProviderInstanceAdmin(contract),
        AllowedEndorsement::ProviderInstanceAdmin(new_admin),
    ]);
    let fine = review(&both, data);
    assert!(!fine.warnings.iter().any(|w| w.message.contains("could no longer register")));
}

/// What `roflgov owner machine …` sends is what the review decodes: every machine call's
/// calldata decodes back to the same call, and its selector is the contract's function.
#[test]
fn machine_calldata_decodes_back_to_the_same_call() {
    let provider = OasisAddress(PROVIDER);
    let calls = [
        MachineCall::Rent { app: app(), provider, offer: u64::MAX, term: 2, term_count: 3 },
        MachineCall::Deploy {
            app: app(),
            provider,
            id: 7,
            manifest_hash: B256::repeat_byte(9),
            wipe_storage: true,
        },
        MachineCall::Restart { app: app(), provider, id: 7, wipe_storage: false },
        MachineCall::Terminate { app: app(), provider, id: 7, wipe_storage: true },
        MachineCall::ChangeAdmin { app: app(), provider, id: 7, new_admin: OasisAddress([0x22; 21]) },
        MachineCall::Cancel { app: app(), provider, id: 7 },
        MachineCall::SetTopUp { app: app(), term: 2, terms_left: 5, window: 86_400 },
        MachineCall::TopUp { app: app(), provider, id: 7 },
    ];
    let selectors = [
        RoflAppAdmin::rentMachineCall::SELECTOR,
        RoflAppAdmin::deployMachineCall::SELECTOR,
        RoflAppAdmin::restartMachineCall::SELECTOR,
        RoflAppAdmin::terminateMachineCall::SELECTOR,
        RoflAppAdmin::changeMachineAdminCall::SELECTOR,
        RoflAppAdmin::cancelMachineCall::SELECTOR,
        RoflAppAdmin::setMachineTopUpCall::SELECTOR,
        RoflAppAdmin::topUpMachineCall::SELECTOR,
    ];
    for (call, selector) in calls.into_iter().zip(selectors) {
        let data = call.calldata();
        assert_eq!(data[..4], selector, "{call:?}");
        assert_eq!(decode_calldata(&data).unwrap(), DecodedCalldata::Owner(OwnerCall::Machine(call)));
    }
}
