//! Canonical CBOR: hand-derived bytes, strict rejections with paths, and a property-style sweep
//! over generated configs with mutations.

use crate::support as common;

use alloy_primitives::{B256, Bytes, FixedBytes};
use oasis_cbor_value::{SimpleValue, Value};
use roflgov_testkit::rng::Rng;
use roflgov_types::{
    Address, AllowedEndorsement, AppAuthPolicy, AppId, Create, EnclaveIdentity, FeePolicy, IdentifierScheme,
    Metadata, PcsQuotePolicy, QuotePolicy, Remove, RoflCall, Secrets, TdxModulePolicy, TdxQuotePolicy,
    Update,
    abi::AppPolicy,
    cbor::{self, CborErrorKind},
};

fn unhex(pieces: &[&str]) -> Vec<u8> {
    hex::decode(pieces.concat().replace(' ', "")).unwrap()
}

// ---------------------------------------------------------------------------------------------
// Bytes derived by hand from RFC 8949 (major type << 5 | length; keys sorted length-first)
// ---------------------------------------------------------------------------------------------

#[test]
fn remove_by_hand() {
    let body = cbor::encode_remove(&Remove { id: AppId([0x11; 21]) });
    let expected = unhex(&[
        "a1",      // map(1)
        "62 6964", // "id"
        "55",      // bytes(21)
        &"11".repeat(21),
    ]);
    assert_eq!(body, expected);
    assert_eq!(cbor::decode_remove(&expected).unwrap().id, AppId([0x11; 21]));
}

#[test]
fn update_by_hand() {
    let update = Update {
        id: AppId([0x22; 21]),
        policy: AppAuthPolicy {
            quotes: QuotePolicy { ias: None, pcs: None },
            enclaves: vec![],
            endorsements: vec![AllowedEndorsement::Any {}],
            fees: FeePolicy::Instance,
            max_expiration: 24,
        },
        admin: None,
        metadata: Metadata::from([("aa".into(), "2".into()), ("b".into(), "1".into())]),
        secrets: Secrets::new(),
    };
    let expected = unhex(&[
        "a5", // map(5): id, admin, policy, secrets, metadata
        "62 6964",
        "55",
        &"22".repeat(21), // "id": bytes(21)
        "65 61646d696e",
        "f6",              // "admin": null
        "66 706f6c696379", // "policy":
        "a5",              //   map(5): fees, quotes, enclaves, endorsements, max_expiration
        "64 66656573",
        "01",                           //   "fees": 1
        "66 71756f746573",              //   "quotes":
        "a2 63 696173 f6 63 706373 f6", //     {"ias": null, "pcs": null}
        "68 656e636c61766573",
        "80",                              //   "enclaves": []
        "6c 656e646f7273656d656e7473",     //   "endorsements":
        "81 a1 63 616e79 a0",              //     [{"any": {}}]
        "6e 6d61785f65787069726174696f6e", //   "max_expiration":
        "18 18",                           //     24 (one-byte head)
        "67 73656372657473",
        "a0",                           // "secrets": {}
        "68 6d65746164617461",          // "metadata":
        "a2 61 62 61 31 62 6161 61 32", //   {"b": "1", "aa": "2"} (shorter key first)
    ]);
    assert_eq!(hex::encode(cbor::encode_update(&update)), hex::encode(&expected));
    assert_eq!(cbor::decode_update(&expected).unwrap(), update);
}

#[test]
fn policy_parts_by_hand() {
    let policy = AppAuthPolicy {
        quotes: QuotePolicy {
            ias: None,
            pcs: Some(PcsQuotePolicy {
                disabled: true,
                tcb_validity_period: 30,
                min_tcb_evaluation_data_number: 18,
                fmspc_whitelist: vec!["ab".into()],
                fmspc_blacklist: vec![],
                tdx: Some(TdxQuotePolicy {
                    allowed_tdx_modules: vec![TdxModulePolicy {
                        mr_seam: None,
                        mr_signer_seam: FixedBytes::ZERO,
                    }],
                }),
            }),
        },
        enclaves: vec![EnclaveIdentity { mr_enclave: B256::repeat_byte(0xaa), mr_signer: B256::ZERO }],
        endorsements: vec![AllowedEndorsement::Provider(Address([0x05; 21]))],
        fees: FeePolicy::EndorsingNode,
        max_expiration: 256,
    };
    let expected = unhex(&[
        "a5",
        "64 66656573",
        "02",                                           // "fees": 2
        "66 71756f746573",                              // "quotes":
        "a2 63 696173 f6",                              //   {"ias": null,
        "63 706373",                                    //    "pcs":
        "a5",        //     map(5): tdx, disabled, fmspc_whitelist, tcb_validity_period, min_tcb…
        "63 746478", //     "tdx":
        "a1 73 616c6c6f7765645f7464785f6d6f64756c6573", //       {"allowed_tdx_modules":
        "81 a2",     //         [{
        "67 6d725f7365616d f6", //           "mr_seam": null,
        "6e 6d725f7369676e65725f7365616d 5830",
        &"00".repeat(48),                                  // "mr_signer_seam": bytes(48)
        "68 64697361626c6564 f5",                          //     "disabled": true
        "6f 666d7370635f77686974656c697374 81 62 6162",    //     "fmspc_whitelist": ["ab"]
        "73 7463625f76616c69646974795f706572696f64 18 1e", //     "tcb_validity_period": 30
        "78 1e 6d696e5f7463625f6576616c756174696f6e5f646174615f6e756d626572 12", // "min_tcb_…": 18
        "68 656e636c61766573 81",                          // "enclaves": [
        "a2 69 6d725f7369676e6572 5820",
        &"00".repeat(32), //   {"mr_signer": bytes(32),
        "6a 6d725f656e636c617665 5820",
        &"aa".repeat(32),              //    "mr_enclave": bytes(32)}]
        "6c 656e646f7273656d656e7473", // "endorsements":
        "81 a1 68 70726f7669646572 55",
        &"05".repeat(21),                          //   [{"provider": bytes(21)}]
        "6e 6d61785f65787069726174696f6e 19 0100", // "max_expiration": 256 (two-byte head)
    ]);
    assert_eq!(hex::encode(cbor::encode_policy(&policy)), hex::encode(&expected));
    assert_eq!(cbor::decode_policy(&expected).unwrap(), policy);
}

#[test]
fn create_keys_and_scheme_by_hand() {
    let create = Create {
        policy: AppAuthPolicy {
            quotes: QuotePolicy { ias: None, pcs: None },
            enclaves: vec![],
            endorsements: vec![],
            fees: FeePolicy::Instance,
            max_expiration: 0,
        },
        scheme: IdentifierScheme::CreatorNonce,
        metadata: Metadata::new(),
    };
    let expected = unhex(&[
        "a3",
        "66 706f6c696379", // "policy":
        "a5 64 66656573 01 66 71756f746573 a2 63 696173 f6 63 706373 f6",
        "68 656e636c61766573 80 6c 656e646f7273656d656e7473 80",
        "6e 6d61785f65787069726174696f6e 00",
        "66 736368656d65 01",     // "scheme": 1
        "68 6d65746164617461 a0", // "metadata": {}
    ]);
    assert_eq!(hex::encode(cbor::encode_create(&create)), hex::encode(&expected));
    assert_eq!(cbor::decode_create(&expected).unwrap(), create);
}

// ---------------------------------------------------------------------------------------------
// Strict decoding: rejections name the path
// ---------------------------------------------------------------------------------------------

/// Writes a value without sorting maps and with heads widened where asked (an independent,
/// deliberately permissive encoder used to build bad inputs).
fn write_plain(value: &Value, out: &mut Vec<u8>, widen_at: &mut Option<usize>) {
    fn head(major: u8, n: u64, out: &mut Vec<u8>, widen_at: &mut Option<usize>) {
        let widen = match widen_at {
            Some(0) => {
                *widen_at = None;
                true
            }
            Some(k) => {
                *k -= 1;
                false
            }
            None => false,
        };
        let m = major << 5;
        // Widening: the next longer head for the same value (none exists past 8 bytes).
        let n_width = if n < 24 {
            0
        } else if n <= 0xff {
            1
        } else if n <= 0xffff {
            2
        } else if n <= 0xffff_ffff {
            4
        } else {
            8
        };
        if widen && n_width < 8 {
            match n_width {
                0 => out.extend_from_slice(&[m | 24, n as u8]),
                1 => {
                    out.push(m | 25);
                    out.extend_from_slice(&(n as u16).to_be_bytes());
                }
                2 => {
                    out.push(m | 26);
                    out.extend_from_slice(&(n as u32).to_be_bytes());
                }
                _ => {
                    out.push(m | 27);
                    out.extend_from_slice(&n.to_be_bytes());
                }
            }
        } else if n < 24 {
            out.push(m | n as u8);
        } else if n <= 0xff {
            out.extend_from_slice(&[m | 24, n as u8]);
        } else if n <= 0xffff {
            out.push(m | 25);
            out.extend_from_slice(&(n as u16).to_be_bytes());
        } else if n <= 0xffff_ffff {
            out.push(m | 26);
            out.extend_from_slice(&(n as u32).to_be_bytes());
        } else {
            out.push(m | 27);
            out.extend_from_slice(&n.to_be_bytes());
        }
    }
    match value {
        Value::Unsigned(n) => head(0, *n, out, widen_at),
        Value::Negative(n) => head(1, (-1 - *n) as u64, out, widen_at),
        Value::ByteString(b) => {
            head(2, b.len() as u64, out, widen_at);
            out.extend_from_slice(b);
        }
        Value::TextString(t) => {
            head(3, t.len() as u64, out, widen_at);
            out.extend_from_slice(t.as_bytes());
        }
        Value::Array(items) => {
            head(4, items.len() as u64, out, widen_at);
            for item in items {
                write_plain(item, out, widen_at);
            }
        }
        Value::Map(entries) => {
            head(5, entries.len() as u64, out, widen_at);
            for (k, v) in entries {
                write_plain(k, out, widen_at);
                write_plain(v, out, widen_at);
            }
        }
        Value::Tag(tag, inner) => {
            head(6, *tag, out, widen_at);
            write_plain(inner, out, widen_at);
        }
        Value::Simple(simple) => out.push(0xe0 | simple.clone() as u8),
    }
}

fn plain(value: &Value) -> Vec<u8> {
    let mut out = Vec::new();
    write_plain(value, &mut out, &mut None);
    out
}

fn canonical(value: Value) -> Vec<u8> {
    let mut out = Vec::new();
    oasis_cbor_value::write(value, &mut out).unwrap();
    out
}

/// The map entry `key` of a map value.
fn field<'a>(value: &'a mut Value, key: &str) -> &'a mut Value {
    let Value::Map(entries) = value else { panic!("not a map") };
    &mut entries.iter_mut().find(|(k, _)| *k == Value::from(key)).unwrap_or_else(|| panic!("no {key}")).1
}

fn tdx_update_value() -> Value {
    let call = &common::cases()[6].call;
    assert_eq!(common::cases()[6].name, "update_tdx_modules_with_and_without_mr_seam");
    oasis_cbor_value::read(&cbor::encode_call(call)).unwrap()
}

fn update_error(value: Value) -> String {
    cbor::decode_update(&canonical(value)).unwrap_err().to_string()
}

#[test]
fn wrong_length_names_the_path() {
    let mut value = tdx_update_value();
    let modules = field(
        field(field(field(field(&mut value, "policy"), "quotes"), "pcs"), "tdx"),
        "allowed_tdx_modules",
    );
    let Value::Array(modules) = modules else { panic!() };
    *field(&mut modules[1], "mr_seam") = Value::ByteString(vec![0; 47]);
    assert_eq!(
        update_error(value),
        "policy.quotes.pcs.tdx.allowed_tdx_modules[1].mr_seam: expected 48 bytes, got 47"
    );
}

/// A legacy IAS policy as the module may hold it: `{"disabled": true,
/// "gid_blacklist": [7], "min_tcb_evaluation_data_number": 12}` (kept opaque).
fn ias_map() -> Value {
    Value::Map(vec![
        (Value::from("disabled"), Value::Simple(SimpleValue::TrueValue)),
        (Value::from("gid_blacklist"), Value::Array(vec![Value::Unsigned(7)])),
        (Value::from("min_tcb_evaluation_data_number"), Value::Unsigned(12)),
    ])
}

#[test]
fn ias_policy_decodes_and_reencodes_byte_exactly() {
    let mut value = tdx_update_value();
    *field(field(field(&mut value, "policy"), "quotes"), "ias") = ias_map();
    let body = canonical(value);
    let update = cbor::decode_update(&body).unwrap();
    let ias = update.policy.quotes.ias.clone().expect("the IAS policy is kept");
    assert_eq!(
        hex::encode(ias.as_cbor()),
        concat!(
            "a3",                                                                    // map(3)
            "68 64697361626c6564 f5",                                                // "disabled": true
            "6d 6769645f626c61636b6c697374 81 07",                                   // "gid_blacklist": [7]
            "78 1e 6d696e5f7463625f6576616c756174696f6e5f646174615f6e756d626572 0c", // "min_tcb_…": 12
        )
        .replace(' ', "")
    );
    assert_eq!(
        ias.diagnostic(),
        r#"{"disabled": true, "gid_blacklist": [7], "min_tcb_evaluation_data_number": 12}"#
    );
    assert_eq!(cbor::encode_update(&update), body, "re-encodes identically");
    // Without it, the encoder writes `ias: null` as before.
    let mut without = update.clone();
    without.policy.quotes.ias = None;
    assert_eq!(cbor::decode_update(&cbor::encode_update(&without)).unwrap().policy.quotes.ias, None);

    // JSON (what `cbor decode` prints and `cbor encode` reads) round-trips too.
    let call = RoflCall::Update(update);
    let json = serde_json::to_value(&call).unwrap();
    assert_eq!(json["body"]["policy"]["quotes"]["ias"]["diagnostic"], ias.diagnostic());
    let back: RoflCall = serde_json::from_value(json).unwrap();
    assert_eq!(cbor::encode_call(&back), body);

    // The policy contract cannot carry one: converting to its ABI refuses.
    let RoflCall::Update(update) = back else { unreachable!() };
    let err = AppPolicy::try_from(&update.policy).unwrap_err().to_string();
    assert!(err.contains("legacy IAS quote policy"), "{err}");
}

#[test]
fn ias_policy_must_be_a_map_or_null() {
    let mut value = tdx_update_value();
    *field(field(field(&mut value, "policy"), "quotes"), "ias") = Value::Unsigned(1);
    assert_eq!(
        update_error(value),
        "policy.quotes.ias: expected map (an IAS quote policy) or null, got unsigned integer"
    );
    let mut value = tdx_update_value();
    *field(field(field(&mut value, "policy"), "quotes"), "ias") =
        Value::Map(vec![(Value::Unsigned(1), Value::Unsigned(2))]);
    assert_eq!(update_error(value), "policy.quotes.ias: expected map with text keys, got unsigned integer");
}
#[test]
fn unknown_and_missing_fields() {
    let mut value = tdx_update_value();
    let Value::Map(entries) = field(&mut value, "policy") else { panic!() };
    entries.push((Value::from("extra"), Value::Unsigned(0)));
    assert_eq!(update_error(value), "policy.extra: unknown field");

    let mut value = tdx_update_value();
    let Value::Map(entries) = &mut value else { panic!() };
    entries.retain(|(k, _)| *k != Value::from("admin"));
    assert_eq!(update_error(value), "admin: missing field");

    let mut value = tdx_update_value();
    let Value::Map(entries) = &mut value else { panic!() };
    entries.retain(|(k, _)| *k != Value::from("secrets"));
    assert_eq!(update_error(value), "secrets: missing field");
}

#[test]
fn optional_pcs_fields_written_as_defaults_are_not_canonical() {
    let mut value = tdx_update_value();
    let Value::Map(pcs) = field(field(field(&mut value, "policy"), "quotes"), "pcs") else { panic!() };
    pcs.retain(|(k, _)| *k != Value::from("disabled"));
    pcs.push((Value::from("disabled"), Value::bool_value(false)));
    assert_eq!(
        update_error(value),
        "policy.quotes.pcs.disabled: not canonical: `false` is left out by the encoder"
    );
    let mut value = tdx_update_value();
    let Value::Map(pcs) = field(field(field(&mut value, "policy"), "quotes"), "pcs") else { panic!() };
    pcs.retain(|(k, _)| *k != Value::from("fmspc_blacklist"));
    pcs.push((Value::from("fmspc_blacklist"), Value::Array(vec![])));
    assert!(update_error(value).starts_with("policy.quotes.pcs.fmspc_blacklist: not canonical"));
}

#[test]
fn wrong_types_and_values() {
    let mut value = tdx_update_value();
    *field(field(&mut value, "policy"), "fees") = Value::Unsigned(3);
    assert_eq!(
        update_error(value),
        "policy.fees: unknown fee policy 3 (1 = instance pays, 2 = endorsing node pays)"
    );
    let mut value = tdx_update_value();
    *field(&mut value, "admin") = Value::from("oasis1…");
    assert_eq!(update_error(value), "admin: expected byte string, got text string");
    let mut value = tdx_update_value();
    *field(field(field(field(&mut value, "policy"), "quotes"), "pcs"), "tcb_validity_period") =
        Value::Unsigned(65_536);
    assert_eq!(update_error(value), "policy.quotes.pcs.tcb_validity_period: 65536 does not fit in u16");
    let mut value = tdx_update_value();
    *field(&mut value, "metadata") = Value::Map(vec![(Value::from("k"), Value::from(&b"v"[..]))]);
    assert_eq!(update_error(value), "metadata.k: expected text string, got byte string");
}

#[test]
fn endorsement_errors() {
    let value_with = |endorsement: Value| {
        let mut value = tdx_update_value();
        *field(field(&mut value, "policy"), "endorsements") =
            Value::Array(vec![canonical_map(vec![("or", Value::Array(vec![endorsement]))])]);
        update_error(value)
    };
    assert_eq!(
        value_with(canonical_map(vec![("node", Value::ByteString(vec![0; 31]))])),
        "policy.endorsements[0].or[0].node: expected 32 bytes, got 31"
    );
    assert_eq!(
        value_with(canonical_map(vec![("any", Value::Simple(SimpleValue::NullValue))])),
        "policy.endorsements[0].or[0].any: expected empty map, got null"
    );
    assert!(
        value_with(canonical_map(vec![("anyone", Value::Map(vec![]))]))
            .starts_with("policy.endorsements[0].or[0].anyone: unknown endorsement kind")
    );
    assert!(
        value_with(canonical_map(vec![
            ("any", Value::Map(vec![])),
            ("node", Value::ByteString(vec![0; 32]))
        ]))
        .starts_with("policy.endorsements[0].or[0]: an endorsement is a map with exactly one key")
    );
}

fn canonical_map(entries: Vec<(&str, Value)>) -> Value {
    Value::Map(entries.into_iter().map(|(k, v)| (Value::from(k), v)).collect())
}

#[test]
fn framing_errors() {
    let body = cbor::encode_remove(&Remove { id: AppId([1; 21]) });
    let mut trailing = body.clone();
    trailing.push(0x00);
    assert!(matches!(cbor::decode_remove(&trailing).unwrap_err().kind, CborErrorKind::Malformed(_)));
    assert!(matches!(
        cbor::decode_remove(&body[..body.len() - 1]).unwrap_err().kind,
        CborErrorKind::Malformed(_)
    ));
    assert!(matches!(cbor::decode_remove(&[]).unwrap_err().kind, CborErrorKind::Malformed(_)));
    // Indefinite-length map.
    assert!(cbor::decode_remove(&unhex(&["bf 62 6964 55", &"01".repeat(21), "ff"])).is_err());
    // Tagged id.
    let tagged = canonical_map(vec![("id", Value::Tag(24, Box::new(Value::ByteString(vec![1; 21]))))]);
    assert_eq!(
        cbor::decode_remove(&canonical(tagged)).unwrap_err().to_string(),
        "id: expected byte string, got tagged item"
    );
    // Not a map at all.
    assert_eq!(cbor::decode_remove(&[0x80]).unwrap_err().to_string(), "<body>: expected map, got array");
    assert_eq!(
        cbor::decode_call("rofl.Register", &body).unwrap_err().kind,
        CborErrorKind::UnknownMethod("rofl.Register".into())
    );
    // Empty map: the module would read a Remove of the zero app id; we refuse it.
    assert_eq!(cbor::decode_remove(&[0xa0]).unwrap_err().to_string(), "id: missing field");
}

// ---------------------------------------------------------------------------------------------
// Property-style sweep
// ---------------------------------------------------------------------------------------------

/// Integers and text of every CBOR head size, on the shared generator.
trait CborInputs {
    fn int(&mut self) -> u64;
    fn text(&mut self) -> String;
}

impl CborInputs for Rng {
    /// Integers of every head size.
    fn int(&mut self) -> u64 {
        match self.below(5) {
            0 => self.below(24),
            1 => self.below(256),
            2 => self.below(65_536),
            3 => self.below(1 << 32),
            _ => self.next(),
        }
    }
    fn text(&mut self) -> String {
        let len = match self.below(4) {
            0 => self.below(3),
            1 => self.below(24),
            2 => 24 + self.below(40),
            _ => 256 + self.below(40),
        };
        (0..len)
            .map(|_| match self.below(20) {
                0 => 'é',
                1 => '→',
                _ => (b'a' + self.below(26) as u8) as char,
            })
            .collect()
    }
}

fn gen_endorsement(rng: &mut Rng, depth: usize) -> AllowedEndorsement {
    let kinds = if depth >= 3 { 7 } else { 9 };
    match rng.below(kinds) {
        0 => AllowedEndorsement::Any {},
        1 => AllowedEndorsement::RoleCompute {},
        2 => AllowedEndorsement::RoleObserver {},
        3 => AllowedEndorsement::Entity(rng.array::<32>().into()),
        4 => AllowedEndorsement::Node(rng.array::<32>().into()),
        5 => AllowedEndorsement::Provider(Address(rng.array())),
        6 => AllowedEndorsement::ProviderInstanceAdmin(Address(rng.array())),
        7 => AllowedEndorsement::And((0..rng.below(4)).map(|_| gen_endorsement(rng, depth + 1)).collect()),
        _ => AllowedEndorsement::Or((0..rng.below(4)).map(|_| gen_endorsement(rng, depth + 1)).collect()),
    }
}

fn gen_policy(rng: &mut Rng) -> AppAuthPolicy {
    let pcs = rng.chance(85).then(|| PcsQuotePolicy {
        disabled: rng.chance(20),
        tcb_validity_period: rng.int() as u16,
        min_tcb_evaluation_data_number: rng.int() as u32,
        fmspc_whitelist: (0..rng.below(3)).map(|_| hex::encode(rng.array::<6>())).collect(),
        fmspc_blacklist: (0..rng.below(3)).map(|_| hex::encode(rng.array::<6>())).collect(),
        tdx: rng.chance(70).then(|| TdxQuotePolicy {
            allowed_tdx_modules: (0..rng.below(3))
                .map(|_| TdxModulePolicy {
                    mr_seam: rng.chance(50).then(|| FixedBytes(rng.array())),
                    mr_signer_seam: FixedBytes(rng.array()),
                })
                .collect(),
        }),
    });
    AppAuthPolicy {
        quotes: QuotePolicy { ias: None, pcs },
        enclaves: (0..rng.below(4))
            .map(|_| EnclaveIdentity {
                mr_enclave: rng.array::<32>().into(),
                mr_signer: rng.array::<32>().into(),
            })
            .collect(),
        endorsements: (0..rng.below(4)).map(|_| gen_endorsement(rng, 1)).collect(),
        fees: if rng.chance(50) { FeePolicy::Instance } else { FeePolicy::EndorsingNode },
        max_expiration: rng.int(),
    }
}

fn gen_call(rng: &mut Rng) -> RoflCall {
    let metadata: Metadata = (0..rng.below(5)).map(|_| (rng.text(), rng.text())).collect();
    match rng.below(5) {
        0 | 1 => RoflCall::Create(Create {
            policy: gen_policy(rng),
            scheme: if rng.chance(50) {
                IdentifierScheme::CreatorNonce
            } else {
                IdentifierScheme::CreatorRoundIndex
            },
            metadata,
        }),
        2 | 3 => RoflCall::Update(Update {
            id: AppId(rng.array()),
            policy: gen_policy(rng),
            admin: rng.chance(70).then(|| Address(rng.array())),
            metadata,
            secrets: (0..rng.below(4)).map(|_| (rng.text(), Bytes::from(rng.text().into_bytes()))).collect(),
        }),
        _ => RoflCall::Remove(Remove { id: AppId(rng.array()) }),
    }
}

/// Every map in `value`, by a pre-order index, for mutations.
fn count_maps(value: &Value) -> usize {
    match value {
        Value::Map(entries) => 1 + entries.iter().map(|(k, v)| count_maps(k) + count_maps(v)).sum::<usize>(),
        Value::Array(items) => items.iter().map(count_maps).sum(),
        Value::Tag(_, inner) => count_maps(inner),
        _ => 0,
    }
}

fn nth_map(value: &mut Value, n: &mut usize) -> Option<*mut Vec<(Value, Value)>> {
    match value {
        Value::Map(entries) => {
            if *n == 0 {
                return Some(entries as *mut _);
            }
            *n -= 1;
            for (_, v) in entries.iter_mut() {
                if let Some(found) = nth_map(v, n) {
                    return Some(found);
                }
            }
            None
        }
        Value::Array(items) => items.iter_mut().find_map(|item| nth_map(item, n)),
        _ => None,
    }
}

fn with_nth_map(value: &Value, n: usize, edit: impl FnOnce(&mut Vec<(Value, Value)>)) -> Value {
    let mut copy = value.clone();
    let mut k = n;
    let entries = nth_map(&mut copy, &mut k).expect("map exists");
    // SAFETY: the pointer comes from `copy`, which outlives this use and is not otherwise borrowed.
    edit(unsafe { &mut *entries });
    copy
}

#[test]
fn generated_configs_round_trip_and_mutations_are_rejected() {
    let mut rng = Rng(0x5eed_1234_abcd_9876);
    let mut checked_mutations = 0usize;
    let mut dropped_but_valid = 0usize;
    for round in 0..300 {
        let call = gen_call(&mut rng);
        let method = call.method();
        let body = cbor::encode_call(&call);

        // decode(encode(x)) == x, and the permissive independent writer agrees byte for byte.
        assert_eq!(cbor::decode_call(method, &body).unwrap(), call, "round {round}");
        let value = oasis_cbor_value::read(&body).unwrap();
        assert_eq!(plain(&value), body, "round {round}");

        // JSON and ABI forms round-trip too.
        let json = serde_json::to_string(&call).unwrap();
        assert_eq!(serde_json::from_str::<RoflCall>(&json).unwrap(), call, "round {round}: {json}");
        if let RoflCall::Create(Create { policy, .. }) | RoflCall::Update(Update { policy, .. }) = &call {
            let abi = AppPolicy::try_from(policy).unwrap();
            assert_eq!(&AppAuthPolicy::try_from(&abi).unwrap(), policy, "round {round}");
        }

        let reject = |bytes: &[u8], what: &str| {
            assert!(
                cbor::decode_call(method, bytes).is_err(),
                "round {round}: {what} accepted: {}",
                hex::encode(bytes)
            );
        };

        // Swap two adjacent keys of every map with at least two entries.
        let maps = count_maps(&value);
        for n in 0..maps {
            let swapped = with_nth_map(&value, n, |entries| {
                if entries.len() >= 2 {
                    let i = (n * 7) % (entries.len() - 1);
                    entries.swap(i, i + 1);
                }
            });
            if plain(&swapped) != body {
                reject(&plain(&swapped), "swapped keys");
                checked_mutations += 1;
            }
        }

        // Add a key to every map (an integer value is wrong for every field and map value).
        for n in 0..maps {
            let extended =
                with_nth_map(&value, n, |entries| entries.push((Value::from("zz_new"), Value::Unsigned(0))));
            reject(&canonical(extended), "added key");
            checked_mutations += 1;
        }

        // Extend one integer/length head to two bytes, at a handful of positions.
        let mut heads = 0usize;
        count_heads(&value, &mut heads);
        for _ in 0..8 {
            let mut at = Some(rng.below(heads as u64) as usize);
            let mut out = Vec::new();
            write_plain(&value, &mut out, &mut at);
            if out != body {
                reject(&out, "widened head");
                checked_mutations += 1;
            }
        }

        // Drop one byte, at a handful of positions (and always the last one); add a trailing one.
        let mut positions: Vec<usize> = (0..8).map(|_| rng.below(body.len() as u64) as usize).collect();
        positions.push(body.len() - 1);
        for position in positions {
            let mut shorter = body.clone();
            shorter.remove(position);
            match cbor::decode_call(method, &shorter) {
                Err(_) => checked_mutations += 1,
                // Rarely, one byte less is still a canonical body: the byte was the last of a
                // text or byte string whose length head then swallowed the next item's head, etc.
                // Strictness then means: another value, whose encoding is exactly these bytes.
                Ok(other) => {
                    assert_ne!(other, call, "round {round}");
                    assert_eq!(cbor::encode_call(&other), shorter, "round {round}");
                    dropped_but_valid += 1;
                }
            }
        }
        let mut longer = body.clone();
        longer.push(0xf6);
        reject(&longer, "trailing byte");
    }
    assert!(checked_mutations > 5_000, "{checked_mutations}");
    assert!(dropped_but_valid < 5, "{dropped_but_valid}");
}

fn count_heads(value: &Value, heads: &mut usize) {
    match value {
        Value::Simple(_) => {}
        Value::Array(items) => {
            *heads += 1;
            for item in items {
                count_heads(item, heads);
            }
        }
        Value::Map(entries) => {
            *heads += 1;
            for (k, v) in entries {
                count_heads(k, heads);
                count_heads(v, heads);
            }
        }
        Value::Tag(_, inner) => {
            *heads += 1;
            count_heads(inner, heads);
        }
        _ => *heads += 1,
    }
}
