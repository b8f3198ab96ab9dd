//! Shared CBOR/ABI vectors for the Solidity encoder: `test/vectors/rofl_cbor.json`.
//!
//! Each vector holds the ABI call arguments (`abi`, what the contract receives) and the canonical
//! CBOR body (`cbor`, what the Solidity encoder must produce from them). The committed file must
//! equal what this generator produces; run with `ROFLGOV_BLESS=1` to rewrite it.

use crate::support as common;

use alloy_sol_types::{SolType, sol_data};
use roflgov_testkit::vectors;
use roflgov_types::{
    RoflCall,
    abi::{self, AppPolicy, MetadataEntry, SecretEntry},
    cbor,
};

const VECTORS_PATH: &str = "rofl_cbor.json";

fn order_entries<T: Clone>(entries: Vec<T>, order: &Option<Vec<&str>>, key: impl Fn(&T) -> &str) -> Vec<T> {
    let Some(order) = order else { return entries };
    assert_eq!(order.len(), entries.len(), "order lists every key");
    order
        .iter()
        .map(|name| entries.iter().find(|entry| key(entry) == *name).expect("key in order exists").clone())
        .collect()
}

fn abi_args(case: &common::Case) -> Vec<u8> {
    match &case.call {
        RoflCall::Create(create) => abi::encode_create_args(
            &AppPolicy::try_from(&create.policy).unwrap(),
            create.scheme.code(),
            &order_entries(abi::metadata_to_abi(&create.metadata), &case.metadata_order, |e| &e.key),
        ),
        RoflCall::Update(update) => abi::encode_update_args(
            update.id,
            &AppPolicy::try_from(&update.policy).unwrap(),
            update.admin,
            &order_entries(abi::metadata_to_abi(&update.metadata), &case.metadata_order, |e| &e.key),
            &order_entries(abi::secrets_to_abi(&update.secrets), &case.secrets_order, |e| &e.name),
        ),
        RoflCall::Remove(remove) => abi::encode_remove_args(remove.id),
    }
}

/// One shared vector. A struct (not `json!`) so that the field order is fixed whatever features
/// `serde_json` is built with (`preserve_order` changes the order of `json!` maps).
#[derive(serde::Serialize)]
struct Vector {
    name: &'static str,
    method: &'static str,
    abi: String,
    cbor: String,
}

#[derive(serde::Serialize)]
struct Document {
    count: usize,
    vectors: Vec<Vector>,
}

fn generate() -> String {
    let vectors: Vec<_> = common::cases()
        .iter()
        .map(|case| Vector {
            name: case.name,
            method: case.call.method(),
            abi: format!("0x{}", hex::encode(abi_args(case))),
            cbor: format!("0x{}", hex::encode(cbor::encode_call(&case.call))),
        })
        .collect();
    let document = Document { count: vectors.len(), vectors };
    serde_json::to_string_pretty(&document).unwrap() + "\n"
}

#[test]
fn committed_vectors_are_current() {
    vectors::assert_current(VECTORS_PATH, &generate(), "cargo test -p roflgov-types --test it vectors::");
}

#[test]
fn vectors_cover_the_required_cases() {
    let cases = common::cases();
    assert!(cases.len() >= 12);
    let names: Vec<_> = cases.iter().map(|case| case.name).collect();
    let unique: std::collections::BTreeSet<_> = names.iter().collect();
    assert_eq!(unique.len(), names.len(), "vector names are unique");
    for method in ["rofl.Create", "rofl.Update", "rofl.Remove"] {
        assert!(cases.iter().any(|case| case.call.method() == method), "{method}");
    }
}

/// Every vector's CBOR decodes strictly back to the call, and its ABI arguments decode and
/// convert back to the same call (metadata/secrets order on the ABI side does not matter).
#[test]
fn vectors_round_trip_through_cbor_and_abi() {
    type CreateArgs = (AppPolicy, sol_data::Uint<8>, sol_data::Array<MetadataEntry>);
    type UpdateArgs = (
        sol_data::FixedBytes<21>,
        AppPolicy,
        sol_data::FixedBytes<21>,
        sol_data::Array<MetadataEntry>,
        sol_data::Array<SecretEntry>,
    );
    for case in common::cases() {
        let body = cbor::encode_call(&case.call);
        assert_eq!(cbor::decode_call(case.call.method(), &body).unwrap(), case.call, "{}", case.name);

        let args = abi_args(&case);
        match &case.call {
            RoflCall::Create(create) => {
                let (policy, scheme, metadata) = CreateArgs::abi_decode_params(&args).unwrap();
                assert_eq!(roflgov_types::AppAuthPolicy::try_from(&policy).unwrap(), create.policy);
                assert_eq!(scheme, create.scheme.code());
                assert_eq!(abi::metadata_from_abi(&metadata).unwrap(), create.metadata);
            }
            RoflCall::Update(update) => {
                let (id, policy, admin, metadata, secrets) = UpdateArgs::abi_decode_params(&args).unwrap();
                assert_eq!(id.0, update.id.0);
                assert_eq!(roflgov_types::AppAuthPolicy::try_from(&policy).unwrap(), update.policy);
                assert_eq!(abi::admin_from_abi(admin), update.admin, "{}", case.name);
                assert_eq!(abi::metadata_from_abi(&metadata).unwrap(), update.metadata);
                assert_eq!(abi::secrets_from_abi(&secrets).unwrap(), update.secrets);
            }
            RoflCall::Remove(remove) => {
                let (id,) = <(sol_data::FixedBytes<21>,)>::abi_decode_params(&args).unwrap();
                assert_eq!(id.0, remove.id.0);
            }
        }
    }
}
