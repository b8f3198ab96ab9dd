//! Readable serde forms and the contract ABI conversions.

use crate::support as common;

use alloy_primitives::{B256, Bytes, FixedBytes};
use roflgov_types::{
    Address, AllowedEndorsement, AppAuthPolicy, AppConfig, AppId, EnclaveIdentity, FeePolicy,
    IdentifierScheme, PcsQuotePolicy, RoflCall,
    abi::{self, AbiError, AppPolicy, EndorsementKind, EndorsementNode},
};
use serde_json::json;

#[test]
fn every_vector_call_round_trips_through_json() {
    for case in common::cases() {
        let text = serde_json::to_string_pretty(&case.call).unwrap();
        assert_eq!(serde_json::from_str::<RoflCall>(&text).unwrap(), case.call, "{}", case.name);
    }
}

#[test]
fn json_shape_is_readable() {
    let update = common::talos_mainnet_update();
    let value = serde_json::to_value(RoflCall::Update(update)).unwrap();
    assert_eq!(value["method"], "rofl.Update");
    let body = &value["body"];
    assert_eq!(body["id"], "rofl1qpykfkl6ea78cyy67d35f7fmpk3pg36vashka4v9");
    assert_eq!(body["admin"], "oasis1qz2lty9v4glt5ts8ljhfpnd05dy3cwmtnyshws8q");
    assert_eq!(body["policy"]["fees"], "endorsing_node");
    assert_eq!(
        body["policy"]["enclaves"][0]["mr_enclave"],
        "0x6a440b7d0f7ea2408f582be2749ff4ab47fccdbacabb189e1e80560e33a0a964"
    );
    assert_eq!(
        body["policy"]["endorsements"][0]["and"][0]["provider"],
        "oasis1qzc8pldvm8vm3duvdrj63wgvkw34y9ucfcxzetqr"
    );
    assert_eq!(body["policy"]["quotes"]["pcs"]["tdx"], json!({"allowed_tdx_modules": []}));
    assert!(body["policy"]["quotes"]["pcs"].get("disabled").is_none());
    assert!(body["secrets"]["OPENAI_API_KEY"].as_str().unwrap().starts_with("0xa462706b"));
}

#[test]
fn json_endorsement_and_scalar_forms() {
    let all = common::every_endorsement_kind();
    let value = serde_json::to_value(&all).unwrap();
    assert_eq!(value[0], json!({"any": {}}));
    assert_eq!(value[1], json!({"role_compute": {}}));
    assert_eq!(value[7], json!({"and": []}));
    assert_eq!(serde_json::from_value::<Vec<AllowedEndorsement>>(value).unwrap(), all);
    assert_eq!(serde_json::to_value(FeePolicy::Instance).unwrap(), "instance");
    assert_eq!(serde_json::from_value::<FeePolicy>(json!("instance_pays")).unwrap(), FeePolicy::Instance);
    assert_eq!(serde_json::to_value(IdentifierScheme::CreatorNonce).unwrap(), "creator_nonce");
    // Hex id input is accepted.
    let remove: RoflCall = serde_json::from_value(
        json!({"method": "rofl.Remove", "body": {"id": format!("0x{}", "11".repeat(21))}}),
    )
    .unwrap();
    assert_eq!(remove, RoflCall::Remove(roflgov_types::Remove { id: AppId([0x11; 21]) }));
    // Unknown fields are refused.
    assert!(
        serde_json::from_value::<EnclaveIdentity>(json!({
            "mr_enclave": B256::ZERO, "mr_signer": B256::ZERO, "extra": 1
        }))
        .is_err()
    );
}

#[test]
fn app_config_round_trips_through_json_and_abi() {
    let config = AppConfig {
        id: AppId::from_global_name("x"),
        policy: common::talos_mainnet_policy(),
        admin: None,
        metadata: [("k".to_owned(), "v".to_owned())].into(),
        secrets: [("s".to_owned(), Bytes::from_static(b"\x01"))].into(),
    };
    let text = serde_json::to_string(&config).unwrap();
    assert_eq!(serde_json::from_str::<AppConfig>(&text).unwrap(), config);
    let abi_config = abi::config_to_abi(&config, 7).unwrap();
    assert_eq!(abi_config.admin, FixedBytes::ZERO);
    assert_eq!(abi_config.version, 7);
    assert_eq!(AppConfig::try_from(&abi_config).unwrap(), config);
}

#[test]
fn talos_endorsements_flatten_in_pre_order() {
    let flat = abi::flatten_endorsements(&common::talos_mainnet_policy().endorsements).unwrap();
    let shape: Vec<_> = flat.iter().map(|node| (node.kind, node.value.len(), node.children)).collect();
    assert_eq!(
        shape,
        [
            (EndorsementKind::And as u8, 0, 2),
            (EndorsementKind::Provider as u8, 21, 0),
            (EndorsementKind::Or as u8, 0, 2),
            (EndorsementKind::ProviderInstanceAdmin as u8, 21, 0),
            (EndorsementKind::ProviderInstanceAdmin as u8, 21, 0),
        ]
    );
    assert_eq!(abi::unflatten_endorsements(&flat).unwrap(), common::talos_mainnet_policy().endorsements);
}

fn node(kind: u8, value: &[u8], children: u8) -> EndorsementNode {
    EndorsementNode { kind, value: Bytes::copy_from_slice(value), children }
}

#[test]
fn malformed_flattened_trees_are_refused() {
    assert_eq!(
        abi::unflatten_endorsements(&[node(7, &[], 2), node(0, &[], 0)]).unwrap_err(),
        AbiError::TruncatedTree { index: 0, kind: EndorsementKind::And, children: 2 }
    );
    assert_eq!(
        abi::unflatten_endorsements(&[node(9, &[], 0)]).unwrap_err(),
        AbiError::UnknownEndorsementKind { index: 0, kind: 9 }
    );
    assert_eq!(
        abi::unflatten_endorsements(&[node(8, &[], 1), node(0, &[], 1)]).unwrap_err(),
        AbiError::AtomWithChildren { index: 1, kind: EndorsementKind::Any, children: 1 }
    );
    assert_eq!(
        abi::unflatten_endorsements(&[node(5, &[0; 20], 0)]).unwrap_err(),
        AbiError::EndorsementValueLength {
            index: 0,
            kind: EndorsementKind::Provider,
            expected: 21,
            found: 20
        }
    );
    assert_eq!(
        abi::unflatten_endorsements(&[node(7, &[1], 0)]).unwrap_err(),
        AbiError::EndorsementValueLength { index: 0, kind: EndorsementKind::And, expected: 0, found: 1 }
    );
    let deep: Vec<_> = (0..40).map(|_| node(7, &[], 1)).chain([node(0, &[], 0)]).collect();
    assert!(matches!(abi::unflatten_endorsements(&deep).unwrap_err(), AbiError::TooDeep { .. }));
    let wide = AllowedEndorsement::Or(vec![AllowedEndorsement::Any {}; 256]);
    assert_eq!(
        abi::flatten_endorsements(&[wide]).unwrap_err(),
        AbiError::TooManyChildren { kind: EndorsementKind::Or, children: 256 }
    );
    // An empty list is no endorsement at all.
    assert_eq!(abi::unflatten_endorsements(&[]).unwrap(), vec![]);
}

#[test]
fn abi_policy_checks() {
    let mut policy = AppPolicy::try_from(&AppAuthPolicy::default()).unwrap();
    policy.fees = 0;
    assert_eq!(AppAuthPolicy::try_from(&policy).unwrap_err(), AbiError::InvalidFees(0));

    let mut policy = AppPolicy::try_from(&AppAuthPolicy::default()).unwrap();
    policy
        .quotes
        .pcs
        .allowedTdxModules
        .push(abi::TdxModule { mrSeam: Bytes::from(vec![0; 47]), mrSignerSeam: Bytes::from(vec![0; 48]) });
    assert!(
        AppAuthPolicy::try_from(&policy)
            .unwrap_err()
            .to_string()
            .contains("mrSeam: expected 0 or 48, got 47")
    );

    let mut policy = AppPolicy::try_from(&AppAuthPolicy::default()).unwrap();
    policy.quotes.pcsPresent = false;
    assert!(matches!(AppAuthPolicy::try_from(&policy).unwrap_err(), AbiError::DataInAbsentPart(_)));

    let mut policy = AppPolicy::try_from(&AppAuthPolicy::default()).unwrap();
    policy.quotes.pcs.tdxAllowed = false;
    policy
        .quotes
        .pcs
        .allowedTdxModules
        .push(abi::TdxModule { mrSeam: Bytes::new(), mrSignerSeam: Bytes::from(vec![0; 48]) });
    assert!(matches!(AppAuthPolicy::try_from(&policy).unwrap_err(), AbiError::DataInAbsentPart(_)));

    // No PCS: the ABI carries a zeroed struct and it converts back to `None`.
    let no_pcs = AppAuthPolicy {
        quotes: roflgov_types::QuotePolicy { ias: None, pcs: None },
        ..AppAuthPolicy::default()
    };
    let abi_policy = AppPolicy::try_from(&no_pcs).unwrap();
    assert!(!abi_policy.quotes.pcsPresent);
    assert_eq!(AppAuthPolicy::try_from(&abi_policy).unwrap(), no_pcs);
    let _ = PcsQuotePolicy::default();
}

#[test]
fn metadata_and_admin_conversions() {
    let entries = vec![
        abi::MetadataEntry { key: "a".into(), value: "1".into() },
        abi::MetadataEntry { key: "a".into(), value: "2".into() },
    ];
    assert_eq!(
        abi::metadata_from_abi(&entries).unwrap_err(),
        AbiError::DuplicateKey { what: "metadata", key: "a".into() }
    );
    assert_eq!(abi::admin_from_abi(FixedBytes::ZERO), None);
    let admin = Address([3; 21]);
    assert_eq!(abi::admin_from_abi(abi::admin_to_abi(Some(admin))), Some(admin));
}

#[test]
fn remove_args_are_one_padded_word() {
    let args = abi::encode_remove_args(AppId([0xab; 21]));
    assert_eq!(hex::encode(args), format!("{}{}", "ab".repeat(21), "00".repeat(11)));
}
