//! Sapphire signed queries (`roflgov_core::sapphire`) against independent vectors:
//! - the data pack of oasis-sdk's own test (`runtime-sdk/modules/evm/src/signed_call.rs`,
//!   `SIGNED_CALL_DATA_PACK`, "generated using the `@oasislabs/sapphire-paratime` JS lib"):
//!   roflgov decodes it, recovers its signer, and re-signs and re-encodes it byte for byte;
//! - `test/vectors/signed_queries.json`: inputs and the bytes roflgov builds from them, which
//!   `tools/crosscheck/signed_query.test.js` rebuilds with sapphire-paratime's encoder. The
//!   committed file must equal what this generator produces; run with `ROFLGOV_BLESS=1` to
//!   rewrite it.

use alloy_primitives::{Address, B256, Bytes, Signature, U256, address, b256, hex};
use k256::ecdsa::SigningKey;
use roflgov_core::sapphire::{
    QueryCall, QueryLeash, SAPPHIRE_MAINNET, SignedCallDataPack, SignedQueryError, is_sapphire_chain,
    signing_hash,
};
use roflgov_testkit::vectors;

const VECTORS: &str = "signed_queries.json";

/// oasis-sdk `runtime-sdk/modules/evm/src/signed_call.rs`, test `SIGNED_CALL_DATA_PACK`.
const OASIS_SDK_PACK: &str = "a36464617461a164626f64794401020304656c65617368a4656e6f6e63651903e76a626c6f636b5f686173685820c92b675c7013e33aa88feaae520eb0ede155e7cacb3c4587e0923cba9953f8bb6b626c6f636b5f72616e6765036c626c6f636b5f6e756d626572182a697369676e6174757265584148bca100e84d13a80b131c62b9b87caf07e4da6542a9e1ea16d8042ba08cc1e31f10ae924d8c137882204e9217423194014ce04fa2130c14f27b148858733c7b1c";
/// The key of the oasis-sdk vector (sapphire-paratime's `signed_calls.spec.ts`), whose address
/// is `0x11e244400Cf165ade687077984F09c3A037b868F`.
const OASIS_SDK_KEY: [u8; 32] = hex!("8160d68c4bf9425b1d3a14dc6d59a99d7d130428203042a8d419e68d626bd9f2");

fn oasis_sdk_call() -> QueryCall {
    QueryCall {
        from: address!("0x11e244400Cf165ade687077984F09c3A037b868F"),
        to: address!("0xb5ed90452AAC09f294a0BE877CBf2Dc4D55e096f"),
        gas_limit: 10,
        gas_price: U256::from(123),
        value: U256::from(42),
        data: Bytes::from_static(&[1, 2, 3, 4]),
    }
}

fn sign(key: &SigningKey, chain_id: u64, call: &QueryCall, leash: &QueryLeash) -> SignedCallDataPack {
    let hash = signing_hash(chain_id, call, leash);
    let (sig, recid) = key.sign_prehash_recoverable(hash.as_slice()).unwrap();
    let signature = Signature::from_signature_and_parity(sig, recid.is_y_odd());
    SignedCallDataPack::new(call.data.clone(), *leash, &signature)
}

#[test]
fn decodes_and_verifies_the_oasis_sdk_vector() {
    let bytes = hex::decode(OASIS_SDK_PACK).unwrap();
    let pack = SignedCallDataPack::decode(&bytes).unwrap().expect("a signed query");
    assert_eq!(pack.data.as_ref(), [1, 2, 3, 4]);
    assert_eq!(
        pack.leash,
        QueryLeash {
            nonce: 999,
            block_number: 42,
            block_hash: b256!("c92b675c7013e33aa88feaae520eb0ede155e7cacb3c4587e0923cba9953f8bb"),
            block_range: 3,
        }
    );
    let call = oasis_sdk_call();
    assert_eq!(pack.verify(SAPPHIRE_MAINNET, &call), Ok(call.from));
    // Another chain id, another value or a flipped signature bit is refused.
    assert!(pack.verify(0x5aff, &call).is_err());
    assert!(pack.verify(SAPPHIRE_MAINNET, &QueryCall { value: U256::from(43), ..call.clone() }).is_err());
    let mut bad = pack;
    bad.signature[0] ^= 1;
    assert!(bad.verify(SAPPHIRE_MAINNET, &call).is_err());
}

#[test]
fn signs_and_encodes_the_oasis_sdk_vector_byte_for_byte() {
    let bytes = hex::decode(OASIS_SDK_PACK).unwrap();
    let leash = SignedCallDataPack::decode(&bytes).unwrap().unwrap().leash;
    let key = SigningKey::from_bytes(&OASIS_SDK_KEY.into()).unwrap();
    // RFC 6979 signatures are deterministic, so the JS library's bytes come out again.
    let pack = sign(&key, SAPPHIRE_MAINNET, &oasis_sdk_call(), &leash);
    assert_eq!(hex::encode(pack.encode()), OASIS_SDK_PACK);
}

#[test]
fn ordinary_calldata_is_not_a_signed_query() {
    assert_eq!(SignedCallDataPack::decode(&hex!("a9059cbb00000000")), Ok(None));
    assert_eq!(SignedCallDataPack::decode(&[]), Ok(None));
    // A map without a leash is not one either (the runtime decodes it as a plain call).
    assert_eq!(SignedCallDataPack::decode(&hex!("a1646461746140")), Ok(None));
}

#[test]
fn encrypted_calldata_is_refused_with_a_clear_error() {
    use oasis_cbor_value::Value;
    let text = |s: &str| Value::TextString(s.to_owned());
    let pack = Value::Map(vec![
        (
            text("data"),
            Value::Map(vec![(text("body"), Value::Map(vec![])), (text("format"), Value::Unsigned(1))]),
        ),
        (
            text("leash"),
            Value::Map(vec![
                (text("nonce"), Value::Unsigned(0)),
                (text("block_hash"), Value::ByteString(vec![0; 32])),
                (text("block_range"), Value::Unsigned(0)),
                (text("block_number"), Value::Unsigned(0)),
            ]),
        ),
        (text("signature"), Value::ByteString(vec![0; 65])),
    ]);
    let mut bytes = Vec::new();
    oasis_cbor_value::writer::write_nested(pack, &mut bytes, None).unwrap();
    let err = SignedCallDataPack::decode(&bytes).unwrap_err();
    assert_eq!(err, SignedQueryError::Encrypted);
    assert_eq!(err.to_string(), "not supported: the signed query's calldata is encrypted");
}

#[test]
fn sapphire_chain_ids() {
    assert!(is_sapphire_chain(0x5afe) && is_sapphire_chain(0x5aff) && is_sapphire_chain(0x5afd));
    assert!(!is_sapphire_chain(1) && !is_sapphire_chain(31337) && !is_sapphire_chain(0x5afc));
}

#[derive(serde::Serialize)]
struct Vector {
    key: String,
    chain_id: u64,
    from: Address,
    to: Address,
    /// Decimal strings: JSON numbers lose precision above 2^53 in JavaScript.
    gas_limit: String,
    gas_price: String,
    value: String,
    data: Bytes,
    leash_nonce: String,
    leash_block_number: String,
    leash_block_hash: B256,
    leash_block_range: String,
    signing_hash: B256,
    pack: Bytes,
}

fn generate() -> String {
    let keys =
        [OASIS_SDK_KEY, [0x11; 32], hex!("ac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80")];
    let datas: [&[u8]; 3] = [&[], &[1, 2, 3, 4], &[0xab; 260]];
    let mut vectors = Vec::new();
    for (i, key_bytes) in keys.iter().enumerate() {
        for (j, data) in datas.iter().enumerate() {
            let key = SigningKey::from_bytes(&(*key_bytes).into()).unwrap();
            let from = Address::from_private_key(&key);
            let chain_id = [0x5afe, 0x5aff, 0x5afd][(i + j) % 3];
            let call = QueryCall {
                from,
                to: if j == 0 { Address::ZERO } else { Address::repeat_byte(0x42 + i as u8) },
                gas_limit: [30_000_000, 10, u64::MAX][j],
                gas_price: [U256::ZERO, U256::from(100_000_000_000u64), U256::MAX][i],
                value: [U256::ZERO, U256::from(42), U256::from(10).pow(U256::from(20))][j],
                data: Bytes::copy_from_slice(data),
            };
            let leash = QueryLeash {
                nonce: [20, 999, u64::MAX][i],
                block_number: [0, 42, 1 << 40][j],
                block_hash: B256::repeat_byte(0xc9 ^ (3 * i + j) as u8),
                block_range: [4000, 3, 0][(i + 2 * j) % 3],
            };
            let pack = sign(&key, chain_id, &call, &leash);
            assert_eq!(pack.verify(chain_id, &call), Ok(from));
            vectors.push(Vector {
                key: hex::encode_prefixed(key_bytes),
                chain_id,
                from,
                to: call.to,
                gas_limit: call.gas_limit.to_string(),
                gas_price: call.gas_price.to_string(),
                value: call.value.to_string(),
                data: call.data.clone(),
                leash_nonce: leash.nonce.to_string(),
                leash_block_number: leash.block_number.to_string(),
                leash_block_hash: leash.block_hash,
                leash_block_range: leash.block_range.to_string(),
                signing_hash: signing_hash(chain_id, &call, &leash),
                pack: pack.encode().into(),
            });
        }
    }
    serde_json::to_string_pretty(&vectors).unwrap() + "\n"
}

#[test]
fn committed_vectors_are_current() {
    vectors::assert_current(VECTORS, &generate(), "cargo test -p roflgov-core --test it signed_query::");
}
