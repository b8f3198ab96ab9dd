//! ROFL secrets encrypted to an app's secrets encryption key (SEK), exactly as
//! `oasis rofl secret set` does.
//!
//! The Oasis CLI (`oasisprotocol/cli` `build/rofl/secrets.go`, `EncryptSecret`, called from
//! `cmd/rofl/mgmt.go` `secret set` with `appCfg.SEK` from the `rofl.App` query):
//!
//! - a fresh X25519 key pair (ephemeral) and a random 15-byte Deoxys-II nonce;
//! - the secret *name* and the *value* are each sealed with oasis-core's MRAE box
//!   (`mrae/deoxysii` `Box.Seal`): symmetric key = HMAC-SHA512/256 keyed with
//!   `MRAE_Box_Deoxys-II-256-128` over the X25519 shared secret of (SEK, ephemeral private key),
//!   then Deoxys-II-256-128 with the same nonce for both, associated data `name` for the name
//!   and `value` for the value (ciphertext ‖ 16-byte tag);
//! - the envelope is the CBOR map `{pk, nonce, name, value}` (all byte strings; canonical key
//!   order `pk, name, nonce, value`), written base64 into rofl.yaml; its decoded bytes are what
//!   `rofl.Update` carries in `secrets[name]` (`PrepareSecrets`).
//!
//! The app side opens it with `SecretEnvelope::open` (oasis-sdk `rofl-app-core/src/secrets.rs`,
//! same layout, empty domain separation context). The official TypeScript client has the same
//! function (`@oasisprotocol/client-rt` `rofl.encryptSecret`).
//!
//! Everything here is pure: the caller supplies the randomness (ephemeral key and nonce).

use deoxys::{
    DeoxysII256,
    aead::{Aead, KeyInit, Payload, generic_array::GenericArray},
};
use hmac::{Hmac, Mac};
use oasis_cbor_value::Value;
use sha2::Sha512_256;
use zeroize::{Zeroize, Zeroizing};

/// Size of a Deoxys-II nonce.
pub const NONCE_SIZE: usize = 15;
/// Size of an X25519 key.
pub const KEY_SIZE: usize = 32;
/// Size of the Deoxys-II tag appended to each ciphertext.
pub const TAG_SIZE: usize = 16;

/// oasis-core `go/common/crypto/mrae/deoxysii` (and `runtime/src/common/crypto/mrae/deoxysii.rs`)
/// `BOX_KDF_TWEAK`: the HMAC key of the box's key derivation.
const BOX_KDF_TWEAK: &[u8] = b"MRAE_Box_Deoxys-II-256-128";

/// Why a secret could not be sealed or opened. Never carries secret material.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum SecretError {
    /// The envelope is not the CBOR map `{pk, nonce, name, value}` of byte strings.
    #[error("not a ROFL secret envelope: {0}")]
    Envelope(String),
    /// Authentication failed: wrong key, or the envelope was altered.
    #[error("the {0} does not decrypt with this key (wrong SEK, or the envelope was altered)")]
    Decrypt(&'static str),
    /// The SEK text is not a 32-byte key.
    #[error("{0}")]
    Sek(String),
}

/// A parsed secret envelope (everything in it is public: ciphertexts, ephemeral key, nonce).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecretEnvelope {
    /// Ephemeral X25519 public key.
    pub pk: [u8; KEY_SIZE],
    /// Deoxys-II nonce shared by the name and the value.
    pub nonce: [u8; NONCE_SIZE],
    /// Encrypted name (ciphertext ‖ tag).
    pub name: Vec<u8>,
    /// Encrypted value (ciphertext ‖ tag).
    pub value: Vec<u8>,
}

/// The X25519 public key of a private key (e.g. the SEK of a test key pair).
pub fn public_key(private: &[u8; KEY_SIZE]) -> [u8; KEY_SIZE] {
    let secret = x25519_dalek::StaticSecret::from(*private);
    x25519_dalek::PublicKey::from(&secret).to_bytes()
}

/// oasis-core `mrae/deoxysii` `DeriveSymmetricKey`: HMAC-SHA512/256(tweak, X25519(private, public)).
fn derive_symmetric_key(public: &[u8; KEY_SIZE], private: &[u8; KEY_SIZE]) -> Zeroizing<[u8; KEY_SIZE]> {
    let secret = x25519_dalek::StaticSecret::from(*private);
    let shared = secret.diffie_hellman(&x25519_dalek::PublicKey::from(*public));
    let mut kdf = <Hmac<Sha512_256> as Mac>::new_from_slice(BOX_KDF_TWEAK).expect("HMAC takes any key size");
    kdf.update(shared.as_bytes());
    let mut out = Zeroizing::new([0u8; KEY_SIZE]);
    let mut digest = kdf.finalize().into_bytes();
    out.copy_from_slice(&digest);
    digest.as_mut_slice().zeroize();
    out
}

/// Seals `name` and `value` to the app's SEK, with the given ephemeral private key and nonce
/// (both must be fresh random bytes), and returns the CBOR envelope bytes: the value to put in
/// `secrets[name]` (base64 of it is what rofl.yaml stores).
pub fn seal(
    sek: &[u8; KEY_SIZE],
    name: &str,
    value: &[u8],
    ephemeral: &Zeroizing<[u8; KEY_SIZE]>,
    nonce: &[u8; NONCE_SIZE],
) -> Vec<u8> {
    let key = derive_symmetric_key(sek, ephemeral);
    let aead = DeoxysII256::new(GenericArray::from_slice(key.as_slice()));
    let n = GenericArray::from_slice(nonce);
    let seal_one = |msg: &[u8], aad: &[u8]| {
        aead.encrypt(n, Payload { msg, aad }).expect("Deoxys-II seals messages of any size")
    };
    let envelope = SecretEnvelope {
        pk: public_key(ephemeral),
        nonce: *nonce,
        name: seal_one(name.as_bytes(), b"name"),
        value: seal_one(value, b"value"),
    };
    envelope.encode()
}

impl SecretEnvelope {
    /// Canonical CBOR, as oasis-core's `cbor.Marshal` writes the Go struct (keys `pk`, `name`,
    /// `nonce`, `value` in canonical order, byte strings).
    pub fn encode(&self) -> Vec<u8> {
        let map = Value::Map(vec![
            (Value::from("pk"), Value::from(&self.pk[..])),
            (Value::from("name"), Value::from(&self.name[..])),
            (Value::from("nonce"), Value::from(&self.nonce[..])),
            (Value::from("value"), Value::from(&self.value[..])),
        ]);
        let mut out = Vec::new();
        oasis_cbor_value::writer::write_nested(map, &mut out, None).expect("distinct keys");
        out
    }

    /// Parses an envelope strictly: exactly the four fields, each a byte string of the right size.
    pub fn decode(bytes: &[u8]) -> Result<Self, SecretError> {
        let bad = |what: &str| SecretError::Envelope(what.to_owned());
        let value = oasis_cbor_value::read(bytes).map_err(|e| SecretError::Envelope(format!("{e:?}")))?;
        let Value::Map(entries) = value else { return Err(bad("not a CBOR map")) };
        let (mut pk, mut nonce, mut name, mut val) = (None, None, None, None);
        for (k, v) in entries {
            let (Value::TextString(k), Value::ByteString(v)) = (k, v) else {
                return Err(bad("a key is not text or a field is not a byte string"));
            };
            let slot = match k.as_str() {
                "pk" => &mut pk,
                "nonce" => &mut nonce,
                "name" => &mut name,
                "value" => &mut val,
                _ => return Err(bad("unknown field")),
            };
            if slot.replace(v).is_some() {
                return Err(bad("duplicate field"));
            }
        }
        let (Some(pk), Some(nonce), Some(name), Some(value)) = (pk, nonce, name, val) else {
            return Err(bad("a field of pk, nonce, name, value is missing"));
        };
        let pk: [u8; KEY_SIZE] = pk.try_into().map_err(|_| bad("pk is not 32 bytes"))?;
        let nonce: [u8; NONCE_SIZE] = nonce.try_into().map_err(|_| bad("nonce is not 15 bytes"))?;
        if name.len() < TAG_SIZE || value.len() < TAG_SIZE {
            return Err(bad("a ciphertext is shorter than its tag"));
        }
        Ok(Self { pk, nonce, name, value })
    }

    /// Opens the envelope with the SEK's private key (what the app's enclave does; for tests):
    /// the name and the value.
    pub fn open(&self, sek_private: &[u8; KEY_SIZE]) -> Result<(Vec<u8>, Zeroizing<Vec<u8>>), SecretError> {
        let key = derive_symmetric_key(&self.pk, sek_private);
        let aead = DeoxysII256::new(GenericArray::from_slice(key.as_slice()));
        let n = GenericArray::from_slice(&self.nonce);
        let name = aead
            .decrypt(n, Payload { msg: &self.name, aad: b"name" })
            .map_err(|_| SecretError::Decrypt("name"))?;
        let value = aead
            .decrypt(n, Payload { msg: &self.value, aad: b"value" })
            .map_err(|_| SecretError::Decrypt("value"))?;
        Ok((name, Zeroizing::new(value)))
    }
}

/// Domain of the local stand-in's SEK derivation ([`stand_in_sek_private`]).
pub const STAND_IN_SEK_DOMAIN: &[u8] = b"roflgov stand-in key manager: SEK v1";

/// The private half of an app's SEK on the local stand-in, which has no key manager.
///
/// The ROFL module generates the SEK when the app is created (oasis-sdk
/// `runtime-sdk/src/modules/rofl/mod.rs` `tx_create`: `derive_app_key(…, KeyKind::X25519,
/// KeyScope::Global, ROFL_KEY_ID_SEK)`, kept in `AppConfig.sek`): a key pair the key manager
/// derives from the app id, whose private half only the app's enclaves get. The stand-in plays
/// that key manager with a public, deterministic derivation — SHA-512/256 of
/// [`STAND_IN_SEK_DOMAIN`] ‖ the 21-byte app id — so that local tests can open what was sealed.
/// Never use it for a real app.
pub fn stand_in_sek_private(app: &roflgov_types::AppId) -> Zeroizing<[u8; KEY_SIZE]> {
    use sha2::Digest as _;
    let mut h = Sha512_256::new();
    h.update(STAND_IN_SEK_DOMAIN);
    h.update(app.0);
    Zeroizing::new(h.finalize().into())
}

/// The SEK (public key) of an app on the local stand-in: see [`stand_in_sek_private`].
pub fn stand_in_sek(app: &roflgov_types::AppId) -> [u8; KEY_SIZE] {
    public_key(&stand_in_sek_private(app))
}

/// Parses an app's SEK as `oasis rofl show --format json` prints it (`sek`, base64), or as 0x hex.
pub fn parse_sek(text: &str) -> Result<[u8; KEY_SIZE], SecretError> {
    use base64::Engine as _;
    let text = text.trim();
    let bytes = if let Some(hex) = text.strip_prefix("0x") {
        alloy_primitives::hex::decode(hex)
            .map_err(|e| SecretError::Sek(format!("the SEK {}: not hex ({e})", crate::text::escape(text))))?
    } else {
        base64::engine::general_purpose::STANDARD.decode(text).map_err(|_| {
            SecretError::Sek(format!(
                "the SEK {} is neither base64 (as `oasis rofl show` prints it) nor 0x hex",
                crate::text::escape(text)
            ))
        })?
    };
    let key: [u8; KEY_SIZE] = bytes.try_into().map_err(|b: Vec<u8>| {
        SecretError::Sek(format!("the SEK is {} bytes long; an X25519 public key has 32", b.len()))
    })?;
    if key == [0; KEY_SIZE] {
        return Err(SecretError::Sek("the SEK is all zeros: not an app's key".into()));
    }
    Ok(key)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_stand_in_sek_is_per_app_and_opens_what_was_sealed_to_it() {
        let (a, b) = (roflgov_types::AppId([1; 21]), roflgov_types::AppId([2; 21]));
        assert_ne!(stand_in_sek(&a), stand_in_sek(&b));
        let sealed = seal(&stand_in_sek(&a), "N", b"v", &Zeroizing::new([3u8; 32]), &[4; NONCE_SIZE]);
        let env = SecretEnvelope::decode(&sealed).unwrap();
        assert_eq!(env.open(&stand_in_sek_private(&a)).unwrap().1.as_slice(), b"v");
        assert!(env.open(&stand_in_sek_private(&b)).is_err());
    }

    #[test]
    fn seal_then_open_round_trips_and_binds_name_and_value() {
        let sek_private = [7u8; 32];
        let sek = public_key(&sek_private);
        let eph = Zeroizing::new([9u8; 32]);
        let sealed = seal(&sek, "API_KEY", b"hunter2", &eph, &[1; NONCE_SIZE]);
        let env = SecretEnvelope::decode(&sealed).unwrap();
        assert_eq!(env.encode(), sealed);
        let (name, value) = env.open(&sek_private).unwrap();
        assert_eq!(name, b"API_KEY");
        assert_eq!(value.as_slice(), b"hunter2");
        // Swapping name and value breaks the associated data.
        let swapped =
            SecretEnvelope { name: env.value.clone(), value: env.name.clone(), pk: env.pk, nonce: env.nonce };
        assert_eq!(swapped.open(&sek_private).unwrap_err(), SecretError::Decrypt("name"));
        assert_eq!(env.open(&[8u8; 32]).unwrap_err(), SecretError::Decrypt("name"));
    }

    #[test]
    fn sek_text_forms() {
        let key = [0x11u8; 32];
        use base64::Engine as _;
        let b64 = base64::engine::general_purpose::STANDARD.encode(key);
        assert_eq!(parse_sek(&b64).unwrap(), key);
        assert_eq!(parse_sek(&format!("0x{}", alloy_primitives::hex::encode(key))).unwrap(), key);
        assert!(parse_sek("AAAA").unwrap_err().to_string().contains("3 bytes"));
        assert!(parse_sek("not base64!").is_err());
    }
}
