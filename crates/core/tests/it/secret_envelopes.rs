//! ROFL secret envelopes against the official TypeScript client, both ways.
//!
//! - `test/vectors/secret_envelope_client_rt.json` holds secrets sealed by
//!   `@oasisprotocol/client-rt` `rofl.encryptSecret` (the port of the Oasis CLI's
//!   `EncryptSecret`; made by `tools/crosscheck/secret-vector.js`): roflgov must open each one and
//!   re-encode its CBOR byte for byte.
//! - `test/vectors/secret_envelopes.json` lists what roflgov seals with fixed ephemeral keys and
//!   nonces; `tools/crosscheck/secrets.test.js` decrypts each with `@oasisprotocol/deoxysii` and
//!   node's X25519/HMAC, and reseals it with client-rt. The committed file must equal what this
//!   generator produces; run with `ROFLGOV_BLESS=1` to rewrite it.

use alloy_primitives::hex;
use base64::Engine as _;
use roflgov_core::secret::{NONCE_SIZE, SecretEnvelope, public_key, seal};
use roflgov_testkit::vectors as testkit_vectors;
use zeroize::Zeroizing;

/// The test SEK's private key (also in tools/crosscheck/secret-vector.js).
const SEK_PRIVATE: [u8; 32] = hex!("5ecf5ecf5ecf5ecf5ecf5ecf5ecf5ecf5ecf5ecf5ecf5ecf5ecf5ecf5ecf5e0f");

fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

#[test]
fn opens_what_the_official_client_seals() {
    let text = testkit_vectors::text("secret_envelope_client_rt.json");
    let vectors: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(vectors["sek"], b64(&public_key(&SEK_PRIVATE)), "the test SEK's public key");
    let envelopes = vectors["envelopes"].as_array().unwrap();
    assert_eq!(envelopes.len(), 3);
    for v in envelopes {
        let bytes =
            base64::engine::general_purpose::STANDARD.decode(v["envelope"].as_str().unwrap()).unwrap();
        let envelope = SecretEnvelope::decode(&bytes).unwrap();
        assert_eq!(envelope.encode(), bytes, "same canonical CBOR as client-rt writes");
        let (name, value) = envelope.open(&SEK_PRIVATE).unwrap();
        assert_eq!(name, v["name"].as_str().unwrap().as_bytes());
        assert_eq!(value.as_slice(), v["value"].as_str().unwrap().as_bytes());
        // Any changed byte of the ciphertext is refused.
        let mut tampered = envelope.clone();
        tampered.value[0] ^= 1;
        assert!(tampered.open(&SEK_PRIVATE).is_err());
    }
}

#[derive(serde::Serialize)]
struct Vector {
    name: String,
    value: String,
    ephemeral_private: String,
    nonce: String,
    envelope: String,
}

fn vectors() -> serde_json::Value {
    let sek = public_key(&SEK_PRIVATE);
    let cases: [(&str, &[u8]); 4] = [
        ("API_KEY", b"sk-live-0123456789"),
        ("DB_PASSWORD", b"correct horse battery staple\n"),
        ("\u{dc}NICODE name \u{1f511}", "vålue with ünicode".as_bytes()),
        ("EMPTY", b""),
    ];
    let list: Vec<Vector> = cases
        .iter()
        .enumerate()
        .map(|(i, (name, value))| {
            let i = u8::try_from(i).unwrap();
            let eph = Zeroizing::new([0x40 + i; 32]);
            let nonce = [0xa0 + i; NONCE_SIZE];
            Vector {
                name: (*name).to_owned(),
                value: String::from_utf8(value.to_vec()).unwrap(),
                ephemeral_private: hex::encode(*eph),
                nonce: hex::encode(nonce),
                envelope: b64(&seal(&sek, name, value, &eph, &nonce)),
            }
        })
        .collect();
    serde_json::json!({
        "generator": "crates/core/tests/it/secret_envelopes.rs (roflgov_core::secret::seal)",
        "sek_private": hex::encode(SEK_PRIVATE),
        "sek": b64(&sek),
        "envelopes": list,
    })
}

#[test]
fn committed_roflgov_vectors_are_current() {
    let fresh = serde_json::to_string_pretty(&vectors()).unwrap() + "\n";
    testkit_vectors::assert_current(
        "secret_envelopes.json",
        &fresh,
        "cargo test -p roflgov-core --test it secret_envelopes::",
    );
}
