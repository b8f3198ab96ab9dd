//! Safe Transaction Builder batch files: export of policy-contract calls with readable inputs,
//! round trip, and refusal of tampered files.

use alloy::{
    json_abi::JsonAbi,
    primitives::{Address, B256, Bytes, FixedBytes, U256, address},
    sol,
    sol_types::SolCall,
};
use eyre::Result;
use roflgov_contracts::Artifact;
use roflgov_safe::{
    CallDecoder, SafeCall, SafeTx,
    tx_builder::{BatchFile, ExportOptions, TxBuilderError, batch_checksum},
};
use rstest::rstest;
use serde_json::{Value, json};

sol!(
    #[allow(missing_docs)]
    IRoflAppAdmin,
    "../contracts/artifacts/IRoflAppAdmin.json"
);

const CHAIN_ID: u64 = 23295;
const SAFE: Address = address!("70739eB50e269f1f1eb27c6f8932f63389B1Cb63");
const ADMIN: Address = address!("00000000000000000000000000000000000ad111");
const MULTI_SEND: Address = address!("9641d764fc13c8B624c04430C7356C1C7C8102e2");

fn admin_abi() -> JsonAbi {
    let artifact = Artifact::embedded("IRoflAppAdmin").expect("run `forge build` first");
    serde_json::from_value(artifact.abi).expect("ABI parses")
}

fn decoder() -> CallDecoder {
    CallDecoder::new().with_multi_send(MULTI_SEND).with_contract(ADMIN, "RoflAppAdmin", admin_abi())
}

fn app_id() -> FixedBytes<21> {
    let mut id = [0u8; 21];
    id[1..].copy_from_slice(&[0x42; 20]);
    FixedBytes(id)
}

fn identity(byte: u8) -> IRoflAppAdmin::EnclaveIdentity {
    IRoflAppAdmin::EnclaveIdentity { mrEnclave: B256::repeat_byte(byte), mrSigner: B256::ZERO }
}

/// A release: add the new identity, remove the old one, replace endorsements, set metadata;
/// plus a multicall of the same and a plain transfer.
fn release_calls() -> Vec<SafeCall> {
    let add = IRoflAppAdmin::addEnclaveCall { appId: app_id(), expectedVersion: 3, identity: identity(0xbb) };
    let remove =
        IRoflAppAdmin::removeEnclaveCall { appId: app_id(), expectedVersion: 3, identity: identity(0xaa) };
    let endorsements = IRoflAppAdmin::setEndorsementsCall {
        appId: app_id(),
        expectedVersion: 3,
        endorsements: vec![
            IRoflAppAdmin::EndorsementNode { kind: 8, value: Bytes::new(), children: 2 },
            IRoflAppAdmin::EndorsementNode { kind: 3, value: B256::repeat_byte(1).into(), children: 0 },
            IRoflAppAdmin::EndorsementNode { kind: 5, value: Bytes::from(vec![0u8; 21]), children: 0 },
        ],
    };
    let metadata = IRoflAppAdmin::setMetadataCall {
        appId: app_id(),
        expectedVersion: 3,
        key: "net.oasis.rofl.version".into(),
        value: "0.2.0 \"stable\"".into(),
    };
    let multicall =
        IRoflAppAdmin::multicallCall { calls: vec![add.abi_encode().into(), remove.abi_encode().into()] };
    vec![
        SafeCall::typed(ADMIN, U256::ZERO, &add),
        SafeCall::typed(ADMIN, U256::ZERO, &remove),
        SafeCall::typed(ADMIN, U256::ZERO, &endorsements),
        SafeCall::typed(ADMIN, U256::ZERO, &metadata),
        SafeCall::typed(ADMIN, U256::ZERO, &multicall),
        SafeCall::new(
            address!("000000000000000000000000000000000000beef"),
            U256::from(10u64.pow(18)),
            Bytes::new(),
        ),
    ]
}

fn exported() -> Result<String> {
    let options = ExportOptions {
        name: "release 0.2.0".into(),
        description: Some("add the 0.2.0 identity, drop 0.1.0".into()),
        proposer: None,
        created_at_ms: Some(1_750_000_000_000),
    };
    Ok(BatchFile::export(CHAIN_ID, SAFE, &release_calls(), &decoder(), &options)?.to_json_pretty())
}

#[test]
fn export_is_readable_and_round_trips() -> Result<()> {
    let text = exported()?;
    let file: Value = serde_json::from_str(&text)?;
    assert_eq!(file["version"], "1.0");
    assert_eq!(file["chainId"], "23295");
    assert_eq!(file["meta"]["createdFromSafeAddress"], SAFE.to_checksum(None));
    assert_eq!(file["meta"]["checksum"], batch_checksum(&file).to_string());
    let add = &file["transactions"][0];
    assert_eq!(add["contractMethod"]["name"], "addEnclave");
    assert_eq!(add["contractMethod"]["payable"], false);
    assert_eq!(add["contractInputsValues"]["expectedVersion"], "3");
    assert_eq!(add["contractInputsValues"]["appId"], format!("0x00{}", "42".repeat(20)));
    assert_eq!(
        add["contractInputsValues"]["identity"],
        format!("[\"0x{}\",\"0x{}\"]", "bb".repeat(32), "00".repeat(32))
    );
    assert_eq!(file["transactions"][3]["contractInputsValues"]["value"], "0.2.0 \"stable\"");
    assert_eq!(
        file["transactions"][2]["contractInputsValues"]["endorsements"].as_str().unwrap().chars().next(),
        Some('[')
    );
    assert!(file["transactions"][5]["contractMethod"].is_null(), "unknown targets carry data only");

    let checked = BatchFile::import_checked(&text, CHAIN_ID, SAFE)?;
    assert_eq!(checked.calls, release_calls());
    let original = SafeTx::from_calls(MULTI_SEND, &release_calls(), 4)?;
    let imported = SafeTx::from_calls(MULTI_SEND, &checked.calls, 4)?;
    assert_eq!(imported.safe_tx_hash(CHAIN_ID, SAFE), original.safe_tx_hash(CHAIN_ID, SAFE));

    // The decoded view for signers unpacks the batch and the multicall.
    let decoded = decoder().decode_safe_tx(&imported)?;
    assert_eq!(decoded[0].function.as_deref(), Some("addEnclave"));
    assert_eq!(decoded[4].inner.len(), 2);
    assert_eq!(decoded[4].inner[1].function.as_deref(), Some("removeEnclave"));
    assert!(decoded[4].inner[1].arg("identity").unwrap().display.contains(&"aa".repeat(32)));
    Ok(())
}

#[test]
fn a_ui_style_file_with_only_the_readable_form_is_encoded_from_it() -> Result<()> {
    let mut file: Value = serde_json::from_str(&exported()?)?;
    for tx in file["transactions"].as_array_mut().unwrap().iter_mut().take(5) {
        tx["data"] = Value::Null;
    }
    file["meta"]["checksum"] = json!(batch_checksum(&file).to_string());
    let checked = BatchFile::import_checked(&file.to_string(), CHAIN_ID, SAFE)?;
    assert_eq!(checked.calls, release_calls());
    Ok(())
}

/// How a test damages an exported file, and whether the attacker recomputes the checksum.
enum Tamper {
    /// `data` of transaction 1 now removes identity 0xcc instead of 0xaa.
    HiddenData,
    /// The readable inputs of transaction 1 now show identity 0xcc; `data` still removes 0xaa.
    ShownInputs,
    /// The value of transaction 0 is 1 wei.
    Value,
    ChecksumRemoved,
}

fn tamper(file: &mut Value, how: &Tamper) {
    match how {
        Tamper::HiddenData => {
            let other = IRoflAppAdmin::removeEnclaveCall {
                appId: app_id(),
                expectedVersion: 3,
                identity: identity(0xcc),
            };
            file["transactions"][1]["data"] = json!(Bytes::from(other.abi_encode()).to_string());
        }
        Tamper::ShownInputs => {
            file["transactions"][1]["contractInputsValues"]["identity"] =
                json!(format!("[\"0x{}\",\"0x{}\"]", "cc".repeat(32), "00".repeat(32)));
        }
        Tamper::Value => file["transactions"][0]["value"] = json!("1"),
        Tamper::ChecksumRemoved => {
            file["meta"].as_object_mut().unwrap().remove("checksum");
        }
    }
}

#[rstest]
#[case::hidden_data_with_fixed_checksum(Tamper::HiddenData, true)]
#[case::hidden_data(Tamper::HiddenData, false)]
#[case::shown_inputs_with_fixed_checksum(Tamper::ShownInputs, true)]
#[case::value(Tamper::Value, false)]
#[case::value_with_fixed_checksum(Tamper::Value, true)]
#[case::checksum_removed(Tamper::ChecksumRemoved, false)]
fn tampered_files_are_refused(#[case] how: Tamper, #[case] fix_checksum: bool) -> Result<()> {
    let mut file: Value = serde_json::from_str(&exported()?)?;
    tamper(&mut file, &how);
    if fix_checksum {
        file["meta"]["checksum"] = json!(batch_checksum(&file).to_string());
    }
    let error = BatchFile::import_checked(&file.to_string(), CHAIN_ID, SAFE).unwrap_err();
    match (how, fix_checksum) {
        (Tamper::ChecksumRemoved, _) => assert!(matches!(error, TxBuilderError::ChecksumMissing), "{error}"),
        (_, false) => assert!(matches!(error, TxBuilderError::ChecksumMismatch { .. }), "{error}"),
        (Tamper::HiddenData | Tamper::ShownInputs, true) => {
            assert!(matches!(error, TxBuilderError::DataMismatch { index: 1, .. }), "{error}");
            assert!(error.to_string().contains("removeEnclave(bytes21,uint64,(bytes32,bytes32))"), "{error}");
        }
        (Tamper::Value, true) => {
            assert!(matches!(error, TxBuilderError::ValueToNonPayable { index: 0, .. }), "{error}")
        }
    }
    Ok(())
}

#[test]
fn wrong_chain_or_safe_is_refused() -> Result<()> {
    let text = exported()?;
    let error = BatchFile::import_checked(&text, 23294, SAFE).unwrap_err();
    assert!(
        matches!(error, TxBuilderError::WrongChain { expected: 23294, ref found } if found == "23295"),
        "{error}"
    );
    let other_safe = address!("0000000000000000000000000000000000005afe");
    let error = BatchFile::import_checked(&text, CHAIN_ID, other_safe).unwrap_err();
    assert!(matches!(error, TxBuilderError::WrongSafe { .. }), "{error}");

    // Rewriting the chain id and fixing the checksum does not help on the real chain either.
    let mut file: Value = serde_json::from_str(&text)?;
    file["chainId"] = json!("23294");
    file["meta"]["checksum"] = json!(batch_checksum(&file).to_string());
    assert!(matches!(
        BatchFile::import_checked(&file.to_string(), CHAIN_ID, SAFE),
        Err(TxBuilderError::WrongChain { .. })
    ));
    Ok(())
}
