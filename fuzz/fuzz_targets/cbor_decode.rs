//! Strict canonical CBOR decoding of the rofl.Create/Update/Remove bodies and of a policy.
//! The first input byte picks the decoder, the rest is the body.
//!
//! Property (documented in roflgov_types::cbor): the decoder accepts exactly the bytes the
//! encoder would write for some value, so whatever decodes must re-encode to the same bytes.
#![no_main]

use libfuzzer_sys::fuzz_target;
use roflgov_types::cbor;

fuzz_target!(|data: &[u8]| {
    let Some((&selector, body)) = data.split_first() else {
        return;
    };
    match selector % 5 {
        0 => {
            if let Ok(create) = cbor::decode_create(body) {
                assert_eq!(cbor::encode_create(&create), body, "create: decoded but re-encodes differently");
            }
        }
        1 => {
            if let Ok(update) = cbor::decode_update(body) {
                assert_eq!(cbor::encode_update(&update), body, "update: decoded but re-encodes differently");
            }
        }
        2 => {
            if let Ok(remove) = cbor::decode_remove(body) {
                assert_eq!(cbor::encode_remove(&remove), body, "remove: decoded but re-encodes differently");
            }
        }
        3 => {
            if let Ok(policy) = cbor::decode_policy(body) {
                assert_eq!(cbor::encode_policy(&policy), body, "policy: decoded but re-encodes differently");
            }
        }
        _ => {
            // Method names come from outside too (a proposal's calldata).
            let split = body.iter().position(|&b| b == 0).unwrap_or(body.len());
            let method = String::from_utf8_lossy(&body[..split]);
            let rest = body.get(split + 1..).unwrap_or(&[]);
            if let Ok(call) = cbor::decode_call(&method, rest) {
                assert_eq!(call.method(), method);
                assert_eq!(cbor::encode_call(&call), rest, "call: decoded but re-encodes differently");
            }
        }
    }
});
