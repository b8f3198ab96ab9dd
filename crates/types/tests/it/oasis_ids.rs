//! Expected Oasis addresses and ROFL app ids: `test/vectors/oasis_ids.json`.
//!
//! The file lists what roflgov's `Address::from_eth` and `AppId::from_*` derive for a spread of
//! inputs, so that `tools/crosscheck/` can recompute every entry with the official TypeScript
//! packages (`@oasisprotocol/client`, `@oasisprotocol/client-rt`) and compare. The committed file
//! must equal what this generator produces; run with `ROFLGOV_BLESS=1` to rewrite it.

use alloy_primitives::{Address as EthAddress, address, hex};
use roflgov_testkit::vectors;
use roflgov_types::{Address, AppId};

const IDS_PATH: &str = "oasis_ids.json";

/// Uncompressed secp256k1 public keys (`04 ‖ x ‖ y`) of the private keys 1, 2 and 6 (k·G), with
/// the Ethereum address of each. Keys 1 and 2 are the well-known `0x7E5F…`/`0x2B5A…` accounts; 6
/// has an odd y, so its compressed form starts with 0x03.
const PUBLIC_KEYS: [(&str, EthAddress); 3] = [
    (
        "0479be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798483ada7726a3c4655da4fbfc0e1108a8fd17b448a68554199c47d08ffb10d4b8",
        address!("0x7E5F4552091A69125d5DfCb7b8C2659029395Bdf"),
    ),
    (
        "04c6047f9441ed7d6d3045406e95c07cd85c778e4b8cef3ca7abac09b95c709ee51ae168fea63dc339a3c58419466ceaeef7f632653266d0e1236431a950cfe52a",
        address!("0x2B5AD5c4795c026514f8317c7a215E218DcCD6cF"),
    ),
    (
        "04fff97bd5755eeea420453a14355235d382f6472f8568a18b2f057a1460297556ae12777aacfbb620f3be96017f45c560de80f0f6518fe4a03c870c36b075f297",
        address!("0xE57bFE9F44b819898F47BF37E5AF72a0783e1141"),
    ),
];

/// The Safe of the docs' Talos example (its Oasis address is a known vector).
const SAFE: EthAddress = address!("0x70739eB50e269f1f1eb27c6f8932f63389B1Cb63");

#[derive(serde::Serialize)]
struct EthVector {
    eth: String,
    address: String,
    hex: String,
}

#[derive(serde::Serialize)]
struct PublicKeyVector {
    uncompressed: String,
    compressed: String,
    eth: String,
    address: String,
}

#[derive(serde::Serialize)]
struct GlobalNameVector {
    name: &'static str,
    app_id: String,
    hex: String,
}

/// u64 values are decimal strings: JSON numbers lose precision above 2^53 in JavaScript.
#[derive(serde::Serialize)]
struct CreatorNonceVector {
    creator: String,
    nonce: String,
    app_id: String,
    hex: String,
}

#[derive(serde::Serialize)]
struct CreatorRoundIndexVector {
    creator: String,
    round: String,
    index: u32,
    app_id: String,
    hex: String,
}

/// A struct (not `json!`) so that the field order is fixed whatever features `serde_json` has.
#[derive(serde::Serialize)]
struct Document {
    eth_addresses: Vec<EthVector>,
    public_keys: Vec<PublicKeyVector>,
    global_names: Vec<GlobalNameVector>,
    creator_nonce: Vec<CreatorNonceVector>,
    creator_round_index: Vec<CreatorRoundIndexVector>,
}

fn eth_addresses() -> Vec<EthAddress> {
    vec![
        SAFE,
        EthAddress::ZERO,
        EthAddress::repeat_byte(0xff),
        EthAddress::repeat_byte(0x11),
        address!("0xdeadbeefdeadbeefdeadbeefdeadbeefdeadbeef"),
        PUBLIC_KEYS[0].1,
    ]
}

fn creators() -> Vec<Address> {
    vec![Address::from_eth(SAFE), Address([0u8; 21]), Address([0xffu8; 21])]
}

fn generate() -> String {
    let eth_addresses = eth_addresses()
        .into_iter()
        .map(|eth| {
            let address = Address::from_eth(eth);
            EthVector {
                eth: eth.to_checksum(None),
                address: address.to_bech32(),
                hex: format!("{address:#x}"),
            }
        })
        .collect();
    let public_keys = PUBLIC_KEYS
        .iter()
        .map(|(uncompressed, expected_eth)| {
            let key = hex::decode(uncompressed).unwrap();
            assert_eq!(key.len(), 65);
            assert_eq!(key[0], 4);
            let eth = EthAddress::from_raw_public_key(&key[1..]);
            assert_eq!(eth, *expected_eth, "public key constant {uncompressed}");
            let mut compressed = vec![if key[64] & 1 == 0 { 2 } else { 3 }];
            compressed.extend_from_slice(&key[1..33]);
            PublicKeyVector {
                uncompressed: format!("0x{uncompressed}"),
                compressed: format!("0x{}", hex::encode(compressed)),
                eth: eth.to_checksum(None),
                address: Address::from_eth(eth).to_bech32(),
            }
        })
        .collect();
    let global_names = ["test global app", "", "roflgov", "ünïcödé app ✓"]
        .into_iter()
        .map(|name| {
            let id = AppId::from_global_name(name);
            GlobalNameVector { name, app_id: id.to_bech32(), hex: format!("{id:#x}") }
        })
        .collect();
    let mut creator_nonce = Vec::new();
    let mut creator_round_index = Vec::new();
    for creator in creators() {
        for nonce in [0u64, 1, 42, 0x0102_0304_0506_0708, u64::MAX] {
            let id = AppId::from_creator_nonce(creator, nonce);
            creator_nonce.push(CreatorNonceVector {
                creator: creator.to_bech32(),
                nonce: nonce.to_string(),
                app_id: id.to_bech32(),
                hex: format!("{id:#x}"),
            });
        }
        for (round, index) in
            [(0u64, 0u32), (42, 0), (42, 1), (0x0102_0304_0506_0708, 0x0a0b_0c0d), (u64::MAX, u32::MAX)]
        {
            let id = AppId::from_creator_round_index(creator, round, index);
            creator_round_index.push(CreatorRoundIndexVector {
                creator: creator.to_bech32(),
                round: round.to_string(),
                index,
                app_id: id.to_bech32(),
                hex: format!("{id:#x}"),
            });
        }
    }
    let document = Document { eth_addresses, public_keys, global_names, creator_nonce, creator_round_index };
    serde_json::to_string_pretty(&document).unwrap() + "\n"
}

#[test]
fn committed_ids_are_current() {
    vectors::assert_current(IDS_PATH, &generate(), "cargo test -p roflgov-types --test it oasis_ids::");
}

/// The fixture carries the repo's known vectors (oasis-sdk's global-name test vector and the
/// docs' Safe), so the TypeScript cross-check covers them too.
#[test]
fn fixture_includes_the_known_vectors() {
    let generated = generate();
    assert!(generated.contains("rofl1qrev5wq76npkmcv5wxkdxxcu4dhmu704yyl30h43"));
    assert!(generated.contains("oasis1qz2lty9v4glt5ts8ljhfpnd05dy3cwmtnyshws8q"));
}
