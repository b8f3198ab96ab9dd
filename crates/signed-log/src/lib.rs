//! # roflgov-signed-log
//!
//! Signed, hash-chained logs an instance of a ROFL app writes, and their verification. The
//! format is documented in `docs/signed-log.md`; in short, one JSON object per line:
//!
//! ```text
//! {"v":1,"seq":1,"time":1765000000,"prev":"0x00…","payload_hash":"0x…","payload":"…",
//!  "signer":"0x…","signature":"0x…"}
//! ```
//!
//! - `payload_hash` = SHA-256 of the payload's bytes (the payload itself may be left out);
//! - the signed digest = keccak256([`DOMAIN`] ‖ app id (21 bytes) ‖ `seq` (u64 big-endian) ‖
//!   `time` (u64 big-endian) ‖ `prev` ‖ `payload_hash`);
//! - `signature` = 65 bytes `r ‖ s ‖ v` (v = 27 or 28, low s), a secp256k1 ECDSA signature of
//!   the digest itself (no EIP-191 prefix) by the instance key whose Ethereum address is
//!   `signer`;
//! - the entry's hash = keccak256(digest ‖ signature); `prev` is the previous entry's hash (32
//!   zero bytes for the first entry), and `seq` counts from 1.
//!
//! The app id in the digest binds every entry to one app: an entry signed for another app
//! does not verify as this app's. What this crate cannot say is whether the key belonged to a
//! registered instance of the app when the entry was written: that is the chain's answer
//! (`roflgov verify-log`).
//!
//! No I/O beyond what a writer needs: [`LogWriter::append`] writes one line to any
//! [`std::io::Write`].

// Dev-dependencies serve the integration tests, not the unit tests of this target.
#![cfg_attr(test, allow(unused_crate_dependencies))]

use std::fmt;

use alloy_primitives::{Address, B256, Bytes, keccak256};
use k256::ecdsa::{RecoveryId, Signature, SigningKey, VerifyingKey};
use roflgov_types::AppId;
use serde::{Deserialize, Serialize};
use sha2::{Digest as _, Sha256};

/// The domain separator that starts every signed digest (21 bytes, NUL-terminated): a
/// signature over a log entry can never pass for a transaction, an EIP-191 message or an
/// EIP-712 structure, whose prefixes differ.
pub const DOMAIN: &[u8] = b"roflgov-signed-log/1\0";

/// The format version written in every entry's `v`.
pub const VERSION: u8 = 1;

/// One log entry, as written on one line.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Entry {
    /// Format version: [`VERSION`].
    pub v: u8,
    /// Position in the log, from 1.
    pub seq: u64,
    /// When the instance wrote it, Unix seconds (the instance's clock: a claim, signed).
    pub time: u64,
    /// The previous entry's hash ([`Entry::hash`]); zero for the first entry.
    pub prev: B256,
    /// SHA-256 of the payload's bytes.
    pub payload_hash: B256,
    /// The payload, when the app keeps it in the log (it may keep only the hash).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payload: Option<String>,
    /// The Ethereum address of the signing key.
    pub signer: Address,
    /// 65-byte `r ‖ s ‖ v` signature of [`Entry::digest`].
    pub signature: Bytes,
}

/// SHA-256 of a payload.
pub fn payload_hash(payload: &[u8]) -> B256 {
    B256::from_slice(&Sha256::digest(payload))
}

/// The digest an entry's key signs.
pub fn signing_digest(app: AppId, seq: u64, time: u64, prev: B256, payload_hash: B256) -> B256 {
    let mut data = Vec::with_capacity(DOMAIN.len() + 21 + 8 + 8 + 32 + 32);
    data.extend_from_slice(DOMAIN);
    data.extend_from_slice(&app.0);
    data.extend_from_slice(&seq.to_be_bytes());
    data.extend_from_slice(&time.to_be_bytes());
    data.extend_from_slice(prev.as_slice());
    data.extend_from_slice(payload_hash.as_slice());
    keccak256(&data)
}

/// Why a signature does not verify.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    /// Not 65 bytes.
    #[error("the signature is {0} bytes, not 65")]
    Length(usize),
    /// `v` is not 27 or 28.
    #[error("the signature's v is {0}, not 27 or 28")]
    V(u8),
    /// `s` is in the upper half of the curve order (a malleated copy).
    #[error("the signature's s is not in the lower half of the curve order")]
    HighS,
    /// r or s out of range, or no key recovers.
    #[error("no key recovers from the signature")]
    Unrecoverable,
}

impl Entry {
    /// The digest this entry's key signed, for `app`.
    pub fn digest(&self, app: AppId) -> B256 {
        signing_digest(app, self.seq, self.time, self.prev, self.payload_hash)
    }

    /// The entry's hash, which the next entry's `prev` holds: keccak256(digest ‖ signature).
    pub fn hash(&self, app: AppId) -> B256 {
        let mut data = self.digest(app).to_vec();
        data.extend_from_slice(&self.signature);
        keccak256(&data)
    }

    /// The address of the key that signed the entry for `app`.
    pub fn recover(&self, app: AppId) -> Result<Address, SignatureError> {
        let sig: &[u8] = &self.signature;
        if sig.len() != 65 {
            return Err(SignatureError::Length(sig.len()));
        }
        let v = sig[64];
        let recovery = match v {
            27 | 28 => RecoveryId::from_byte(v - 27).ok_or(SignatureError::V(v))?,
            _ => return Err(SignatureError::V(v)),
        };
        let signature = Signature::from_slice(&sig[..64]).map_err(|_| SignatureError::Unrecoverable)?;
        if signature.normalize_s().is_some() {
            return Err(SignatureError::HighS);
        }
        let key = VerifyingKey::recover_from_prehash(self.digest(app).as_slice(), &signature, recovery)
            .map_err(|_| SignatureError::Unrecoverable)?;
        Ok(Address::from_public_key(&key))
    }

    /// The entry as one line of the log, newline included.
    pub fn to_line(&self) -> String {
        // Serializing plain fields cannot fail.
        let mut line = serde_json::to_string(self).unwrap_or_default();
        line.push('\n');
        line
    }
}

/// Writes a log: numbers, chains and signs each entry.
pub struct LogWriter {
    app: AppId,
    key: SigningKey,
    signer: Address,
    next_seq: u64,
    prev: B256,
}

impl fmt::Debug for LogWriter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Never the key.
        f.debug_struct("LogWriter")
            .field("app", &self.app)
            .field("signer", &self.signer)
            .field("next_seq", &self.next_seq)
            .finish_non_exhaustive()
    }
}

impl LogWriter {
    /// A writer starting a new log for `app`, signing with `key` (an instance key registered
    /// for the app: its `extra_keys` secp256k1 key or the key that signs its transactions).
    pub fn new(app: AppId, key: SigningKey) -> Self {
        let signer = Address::from_private_key(&key);
        Self { app, key, signer, next_seq: 1, prev: B256::ZERO }
    }

    /// A writer continuing a log whose last entry is `last` (possibly written by another key,
    /// e.g. before the instance was replaced).
    pub fn resume(app: AppId, key: SigningKey, last: &Entry) -> Self {
        let mut writer = Self::new(app, key);
        writer.next_seq = last.seq + 1;
        writer.prev = last.hash(app);
        writer
    }

    /// The address of the signing key.
    pub fn signer(&self) -> Address {
        self.signer
    }

    /// The next entry, signed, with the payload kept in it (`keep_payload`) or only its hash.
    pub fn entry(&mut self, time: u64, payload: &str, keep_payload: bool) -> Entry {
        let payload_hash = payload_hash(payload.as_bytes());
        let digest = signing_digest(self.app, self.next_seq, time, self.prev, payload_hash);
        // RFC 6979 deterministic signing; k256 normalizes s to the lower half.
        let (signature, recovery) = match self.key.sign_prehash_recoverable(digest.as_slice()) {
            Ok(signed) => signed,
            // Only fails for a digest of the wrong length, which a B256 never is.
            Err(_) => unreachable!("a 32-byte prehash always signs"),
        };
        let mut bytes = signature.to_bytes().to_vec();
        bytes.push(27 + recovery.to_byte());
        let entry = Entry {
            v: VERSION,
            seq: self.next_seq,
            time,
            prev: self.prev,
            payload_hash,
            payload: keep_payload.then(|| payload.to_owned()),
            signer: self.signer,
            signature: Bytes::from(bytes),
        };
        self.next_seq += 1;
        self.prev = entry.hash(self.app);
        entry
    }

    /// Signs the next entry and writes it as one line to `out`.
    pub fn append<W: std::io::Write>(
        &mut self,
        out: &mut W,
        time: u64,
        payload: &str,
        keep_payload: bool,
    ) -> std::io::Result<Entry> {
        let entry = self.entry(time, payload, keep_payload);
        out.write_all(entry.to_line().as_bytes())?;
        out.flush()?;
        Ok(entry)
    }
}

/// What is wrong with one entry.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "problem", rename_all = "snake_case")]
pub enum Problem {
    /// The line is not an entry.
    Unparsable {
        /// The parser's message.
        reason: String,
    },
    /// `v` is not [`VERSION`].
    Version {
        /// The version found.
        found: u8,
    },
    /// `seq` is not the previous entry's plus one (1 for the first).
    Sequence {
        /// What it should be.
        expected: u64,
        /// What it is.
        found: u64,
    },
    /// `prev` is not the previous entry's hash (zero for the first).
    Chain {
        /// The previous entry's hash.
        expected: B256,
        /// What the entry holds.
        found: B256,
    },
    /// The signature does not verify.
    Signature {
        /// Why.
        reason: String,
    },
    /// The signature verifies, for another key than `signer` names.
    Signer {
        /// The address the entry names.
        claimed: Address,
        /// The address that signed.
        recovered: Address,
    },
    /// The payload is not the one `payload_hash` names.
    Payload {
        /// SHA-256 of the payload as found.
        computed: B256,
    },
    /// The entry is dated before the previous one.
    TimeBackwards {
        /// The previous entry's time.
        previous: u64,
        /// This entry's time.
        time: u64,
    },
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Problem::Unparsable { reason } => write!(f, "not a log entry: {reason}"),
            Problem::Version { found } => write!(f, "format version {found}, expected {VERSION}"),
            Problem::Sequence { expected, found } => write!(
                f,
                "sequence number {found}, expected {expected}: an entry was dropped, inserted or moved"
            ),
            Problem::Chain { expected, found } => write!(
                f,
                "prev is {found}, but the previous entry hashes to {expected}: the chain is broken here (an entry was dropped, inserted, moved or edited)"
            ),
            Problem::Signature { reason } => write!(f, "bad signature: {reason} (the entry was edited)"),
            Problem::Signer { claimed, recovered } => {
                write!(f, "signed by {recovered}, not by the key it names ({claimed}): the entry was edited")
            }
            Problem::Payload { computed } => write!(
                f,
                "the payload hashes to {computed}, not to the signed payload_hash: the payload was edited"
            ),
            Problem::TimeBackwards { previous, time } => {
                write!(f, "dated {time}, before the previous entry ({previous}): entries were reordered")
            }
        }
    }
}

/// The verdict on one entry of a log.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct EntryCheck {
    /// 1-based entry number (= line number).
    pub number: usize,
    /// The entry, when the line parses.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub entry: Option<Entry>,
    /// The key that signed it, when the signature verifies and names it.
    pub signer: Option<Address>,
    /// What is wrong (empty: the entry is intact and in its place).
    pub problems: Vec<Problem>,
}

/// Parses a log (one entry per line; a final newline is optional, an empty line elsewhere is
/// an entry that does not parse) and checks its chain, sequence, signatures and payload
/// hashes for `app`. Every entry is checked against the one before it as found, so one
/// tampered entry is reported where it is and does not hide problems further down.
///
/// Not detectable from the log alone: entries cut off at its end (compare `seq` and the last
/// hash with a copy published elsewhere), and entries the key itself signed in another order
/// or with another payload (a compromised key can rewrite its own log: the chain answers
/// whether the key was that of a registered instance at the time).
pub fn verify(app: AppId, text: &str) -> Vec<EntryCheck> {
    let text = text.strip_suffix('\n').unwrap_or(text);
    if text.is_empty() {
        return Vec::new();
    }
    let mut checks = Vec::new();
    let mut previous: Option<Entry> = None;
    for (index, line) in text.split('\n').enumerate() {
        let number = index + 1;
        let line = line.strip_suffix('\r').unwrap_or(line);
        let entry: Entry = match serde_json::from_str(line) {
            Ok(entry) => entry,
            Err(err) => {
                checks.push(EntryCheck {
                    number,
                    entry: None,
                    signer: None,
                    problems: vec![Problem::Unparsable { reason: err.to_string() }],
                });
                continue;
            }
        };
        let mut problems = Vec::new();
        if entry.v != VERSION {
            problems.push(Problem::Version { found: entry.v });
        }
        let (expected_seq, expected_prev) = match &previous {
            Some(p) => (p.seq.saturating_add(1), p.hash(app)),
            None => (1, B256::ZERO),
        };
        if entry.seq != expected_seq {
            problems.push(Problem::Sequence { expected: expected_seq, found: entry.seq });
        }
        if entry.prev != expected_prev {
            problems.push(Problem::Chain { expected: expected_prev, found: entry.prev });
        }
        if let Some(p) = &previous
            && entry.time < p.time
        {
            problems.push(Problem::TimeBackwards { previous: p.time, time: entry.time });
        }
        let signer = match entry.recover(app) {
            Ok(recovered) if recovered == entry.signer => Some(recovered),
            Ok(recovered) => {
                problems.push(Problem::Signer { claimed: entry.signer, recovered });
                None
            }
            Err(err) => {
                problems.push(Problem::Signature { reason: err.to_string() });
                None
            }
        };
        if let Some(payload) = &entry.payload {
            let computed = payload_hash(payload.as_bytes());
            if computed != entry.payload_hash {
                problems.push(Problem::Payload { computed });
            }
        }
        previous = Some(entry.clone());
        checks.push(EntryCheck { number, entry: Some(entry), signer, problems });
    }
    checks
}
