//! The ROFL app configuration data model.
//!
//! Mirrors oasis-sdk `modules/rofl/{types,policy}.rs` and oasis-core `common/sgx`. The serde
//! forms (JSON/YAML) use the field names of the Oasis Go client and the Oasis CLI
//! (`mr_enclave`, `tcb_validity_period`, `endorsing_node`, ...), byte strings as hex and Oasis
//! addresses as bech32, so that people can read and write them.

use std::collections::BTreeMap;

use alloy_primitives::{B256, FixedBytes};
use serde::{Deserialize, Serialize};

use crate::ids::{Address, AppId};

/// A 48-byte TDX measurement (MRSEAM, MRSIGNERSEAM, MRTD, RTMRs).
pub type Measurement48 = FixedBytes<48>;

/// An SGX enclave identity, or a ROFL TDX identity (then `mr_signer` is zero).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EnclaveIdentity {
    /// MRENCLAVE (SGX) or the TupleHash of MRTD and RTMR0-3 (TDX).
    pub mr_enclave: B256,
    /// MRSIGNER (SGX); zero for TDX.
    pub mr_signer: B256,
}

impl EnclaveIdentity {
    /// The identity as text, the one form roflgov prints and reads: base64 of the 64 bytes
    /// `mr_enclave ‖ mr_signer`, as `rofl.yaml` (`enclaves[].id`) and the Oasis CLI write it.
    pub fn to_text(&self) -> String {
        use base64::Engine as _;
        base64::engine::general_purpose::STANDARD.encode(self.to_raw())
    }

    /// The 64 bytes `mr_enclave ‖ mr_signer`.
    pub fn to_raw(&self) -> [u8; 64] {
        let mut raw = [0u8; 64];
        raw[..32].copy_from_slice(self.mr_enclave.as_slice());
        raw[32..].copy_from_slice(self.mr_signer.as_slice());
        raw
    }

    /// The identity of 64 bytes `mr_enclave ‖ mr_signer`; `None` for any other length.
    pub fn from_raw(raw: &[u8]) -> Option<Self> {
        (raw.len() == 64).then(|| EnclaveIdentity {
            mr_enclave: B256::from_slice(&raw[..32]),
            mr_signer: B256::from_slice(&raw[32..]),
        })
    }
}

/// Why the text form of an identity ([`EnclaveIdentity::to_text`]) was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum IdentityTextError {
    /// Not base64.
    #[error("enclave id {text:?} is not base64: {reason}")]
    NotBase64 {
        /// The text given.
        text: String,
        /// What the base64 decoder reported.
        reason: String,
    },
    /// Base64 of something else than 64 bytes.
    #[error("enclave id {text:?} decodes to {len} bytes, not 64 (mr_enclave ‖ mr_signer)")]
    WrongLength {
        /// The text given.
        text: String,
        /// The number of bytes it decodes to.
        len: usize,
    },
}

/// Reads the text form ([`EnclaveIdentity::to_text`]): base64 of the 64 bytes
/// `mr_enclave ‖ mr_signer`, as rofl.yaml writes it; surrounding whitespace is ignored.
impl std::str::FromStr for EnclaveIdentity {
    type Err = IdentityTextError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        use base64::Engine as _;
        let raw = base64::engine::general_purpose::STANDARD
            .decode(text.trim())
            .map_err(|e| IdentityTextError::NotBase64 { text: text.to_owned(), reason: e.to_string() })?;
        EnclaveIdentity::from_raw(&raw)
            .ok_or_else(|| IdentityTextError::WrongLength { text: text.to_owned(), len: raw.len() })
    }
}

/// Who pays the gas of an instance's transactions.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FeePolicy {
    /// The instance pays (CBOR `1`, rofl.yaml `instance`).
    #[serde(alias = "instance_pays")]
    Instance,
    /// The endorsing node pays (CBOR `2`, rofl.yaml `endorsing_node`). The module's default.
    #[default]
    #[serde(alias = "endorsing_node_pays")]
    EndorsingNode,
}

impl FeePolicy {
    /// The integer the module encodes.
    pub fn code(self) -> u8 {
        match self {
            FeePolicy::Instance => 1,
            FeePolicy::EndorsingNode => 2,
        }
    }

    /// The fee policy for a module integer, if valid.
    pub fn from_code(code: u64) -> Option<Self> {
        match code {
            1 => Some(FeePolicy::Instance),
            2 => Some(FeePolicy::EndorsingNode),
            _ => None,
        }
    }
}

/// An allowed endorsement: which nodes may endorse an instance.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum AllowedEndorsement {
    /// Any node.
    Any {},
    /// A compute node of the runtime.
    RoleCompute {},
    /// An observer node of the runtime.
    RoleObserver {},
    /// A node of the entity with this Ed25519 public key.
    Entity(B256),
    /// The node with this Ed25519 public key.
    Node(B256),
    /// Any node of this ROFL provider.
    Provider(Address),
    /// Any provider instance whose admin is this address.
    ProviderInstanceAdmin(Address),
    /// All children must accept the node.
    And(Vec<AllowedEndorsement>),
    /// Any child must accept the node.
    Or(Vec<AllowedEndorsement>),
}

/// An allowed TDX module.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TdxModulePolicy {
    /// `None` allows any measurement from the signer.
    #[serde(default)]
    pub mr_seam: Option<Measurement48>,
    /// All zero for Intel.
    pub mr_signer_seam: Measurement48,
}

/// TDX part of the PCS quote policy. Present means TDX quotes are accepted.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TdxQuotePolicy {
    /// Empty allows any Intel-signed TDX module.
    #[serde(default)]
    pub allowed_tdx_modules: Vec<TdxModulePolicy>,
}

/// Intel PCS (DCAP) quote policy.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PcsQuotePolicy {
    /// PCS quotes refused altogether (encoded only when true).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub disabled: bool,
    /// Validity of the TCB collateral, in days.
    pub tcb_validity_period: u16,
    /// Minimum TCB evaluation data number (Intel TCB recovery event counter).
    pub min_tcb_evaluation_data_number: u32,
    /// Hex FMSPCs allowed (empty: all).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub fmspc_whitelist: Vec<String>,
    /// Hex FMSPCs refused.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub fmspc_blacklist: Vec<String>,
    /// `None`: TDX quotes are refused.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tdx: Option<TdxQuotePolicy>,
}

impl Default for PcsQuotePolicy {
    /// What `oasis rofl create` writes.
    fn default() -> Self {
        Self {
            disabled: false,
            tcb_validity_period: 30,
            min_tcb_evaluation_data_number: 18,
            fmspc_whitelist: Vec::new(),
            fmspc_blacklist: Vec::new(),
            tdx: Some(TdxQuotePolicy::default()),
        }
    }
}

/// A legacy IAS (EPID) quote policy, as the module stores it.
///
/// Intel retired IAS; roflgov never writes one, but decodes and shows a body that carries one
/// (flagged as legacy). oasis-core's `sgx::ias::QuotePolicy` is, as far as we know, a map of
/// optional fields (`disabled`, `allowed_quote_statuses`, `gid_blacklist`,
/// `min_tcb_evaluation_data_number`) whose exact set has varied between releases; rather than
/// pin a shape we cannot check against the module, the value is kept **opaque**: the canonical
/// CBOR of the map, re-encoded byte for byte, shown in CBOR diagnostic notation.
///
/// JSON form: `{"cbor": "0x…", "diagnostic": "{…}"}` (`diagnostic` is ignored when read).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct IasQuotePolicy {
    cbor: Vec<u8>,
}

impl IasQuotePolicy {
    /// The policy of a canonical CBOR map (what the module stores under `quotes.ias`).
    pub fn from_cbor(bytes: &[u8]) -> Result<Self, crate::cbor::CborError> {
        crate::cbor::check_ias(bytes)?;
        Ok(Self { cbor: bytes.to_vec() })
    }

    /// Its canonical CBOR.
    pub fn as_cbor(&self) -> &[u8] {
        &self.cbor
    }

    /// CBOR diagnostic notation (RFC 8949 §8), ASCII only, e.g.
    /// `{"disabled": true, "min_tcb_evaluation_data_number": 12}`.
    pub fn diagnostic(&self) -> String {
        crate::cbor::diagnostic(&self.cbor)
    }
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct IasJson {
    cbor: alloy_primitives::Bytes,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    diagnostic: Option<String>,
}

impl Serialize for IasQuotePolicy {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        IasJson { cbor: self.cbor.clone().into(), diagnostic: Some(self.diagnostic()) }.serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for IasQuotePolicy {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let json = IasJson::deserialize(deserializer)?;
        Self::from_cbor(&json.cbor).map_err(serde::de::Error::custom)
    }
}

/// Quote policy. IAS is retired by Intel: roflgov never writes an IAS policy, but decodes and
/// shows one (as legacy) when a body or the module carries it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct QuotePolicy {
    /// Legacy IAS (EPID) policy; `None` is CBOR null (what roflgov writes).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ias: Option<IasQuotePolicy>,
    /// Intel PCS (DCAP) policy; `None` refuses PCS quotes (CBOR null).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pcs: Option<PcsQuotePolicy>,
}

/// `AppAuthPolicy`.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AppAuthPolicy {
    /// Which quotes are accepted.
    pub quotes: QuotePolicy,
    /// Enclave identities allowed to register.
    pub enclaves: Vec<EnclaveIdentity>,
    /// Which nodes may endorse an instance (any top-level entry suffices).
    pub endorsements: Vec<AllowedEndorsement>,
    /// Who pays instance transaction fees.
    pub fees: FeePolicy,
    /// Epochs ahead for which an instance may register.
    pub max_expiration: u64,
}

impl Default for AppAuthPolicy {
    /// What `oasis rofl create` writes, with no enclaves yet.
    fn default() -> Self {
        Self {
            quotes: QuotePolicy { ias: None, pcs: Some(PcsQuotePolicy::default()) },
            enclaves: Vec::new(),
            endorsements: vec![AllowedEndorsement::Any {}],
            fees: FeePolicy::EndorsingNode,
            max_expiration: 3,
        }
    }
}

/// Secret values are encrypted bytes (hex in JSON).
pub type Secrets = BTreeMap<String, alloy_primitives::Bytes>;
/// Public metadata.
pub type Metadata = BTreeMap<String, String>;

/// The complete configuration of an app as the module stores it (less stake and SEK).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AppConfig {
    /// App id.
    pub id: AppId,
    /// Authentication policy.
    pub policy: AppAuthPolicy,
    /// `None` means nobody can ever update or remove the app again.
    pub admin: Option<Address>,
    /// Public metadata.
    #[serde(default)]
    pub metadata: Metadata,
    /// Encrypted secrets.
    #[serde(default)]
    pub secrets: Secrets,
}

/// How `rofl.Create` derives the new app id.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IdentifierScheme {
    /// From the creator address, round and transaction index (`0`).
    #[default]
    CreatorRoundIndex,
    /// From the creator address and nonce (`1`).
    CreatorNonce,
}

impl IdentifierScheme {
    /// The integer the module encodes.
    pub fn code(self) -> u8 {
        match self {
            IdentifierScheme::CreatorRoundIndex => 0,
            IdentifierScheme::CreatorNonce => 1,
        }
    }

    /// The scheme for a module integer, if valid.
    pub fn from_code(code: u64) -> Option<Self> {
        match code {
            0 => Some(IdentifierScheme::CreatorRoundIndex),
            1 => Some(IdentifierScheme::CreatorNonce),
            _ => None,
        }
    }
}

/// `rofl.Create` body.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Create {
    /// Authentication policy.
    pub policy: AppAuthPolicy,
    /// App id derivation scheme.
    pub scheme: IdentifierScheme,
    /// Public metadata.
    #[serde(default)]
    pub metadata: Metadata,
}

/// `rofl.Update` body: replaces the whole config.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Update {
    /// App id.
    pub id: AppId,
    /// New authentication policy.
    pub policy: AppAuthPolicy,
    /// Always encoded; `None` (CBOR null) leaves the app without an admin forever.
    pub admin: Option<Address>,
    /// New metadata (replaces the old; empty wipes it).
    #[serde(default)]
    pub metadata: Metadata,
    /// New secrets (replace the old; empty wipes them).
    #[serde(default)]
    pub secrets: Secrets,
}

impl From<Update> for AppConfig {
    /// What the module stores after the update: the body is the complete config.
    fn from(update: Update) -> Self {
        AppConfig {
            id: update.id,
            policy: update.policy,
            admin: update.admin,
            metadata: update.metadata,
            secrets: update.secrets,
        }
    }
}

/// `rofl.Remove` body.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Remove {
    /// App id.
    pub id: AppId,
}

/// Any of the three bodies, tagged by method name in JSON (`{"method": "rofl.Update", "body": …}`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "method", content = "body")]
pub enum RoflCall {
    /// `rofl.Create`.
    #[serde(rename = "rofl.Create")]
    Create(Create),
    /// `rofl.Update`.
    #[serde(rename = "rofl.Update")]
    Update(Update),
    /// `rofl.Remove`.
    #[serde(rename = "rofl.Remove")]
    Remove(Remove),
}

impl RoflCall {
    /// The method name (`rofl.Create`, ...).
    pub fn method(&self) -> &'static str {
        match self {
            RoflCall::Create(_) => "rofl.Create",
            RoflCall::Update(_) => "rofl.Update",
            RoflCall::Remove(_) => "rofl.Remove",
        }
    }
}

/// Module limits (oasis-sdk rofl module parameters on Sapphire).
pub mod limits {
    /// Most metadata pairs.
    pub const MAX_METADATA_PAIRS: usize = 64;
    /// Longest metadata key, in bytes.
    pub const MAX_METADATA_KEY_SIZE: usize = 1024;
    /// Longest metadata value, in bytes.
    pub const MAX_METADATA_VALUE_SIZE: usize = 16 * 1024;
    /// Most secrets.
    pub const MAX_SECRET_PAIRS: usize = 64;
    /// Longest secret name, in bytes.
    pub const MAX_SECRET_NAME_SIZE: usize = 1024;
    /// Longest secret value, in bytes.
    pub const MAX_SECRET_VALUE_SIZE: usize = 16 * 1024;
    /// Most endorsement atoms (every node of the trees counts).
    pub const MAX_ENDORSEMENT_ATOMS: usize = 32;
    /// Deepest endorsement nesting (top level = 1).
    pub const MAX_ENDORSEMENT_DEPTH: usize = 4;
    /// Largest `max_expiration`.
    pub const MAX_EXPIRATION_EPOCHS: u64 = 24;
    /// Stake locked by `rofl.Create` on Sapphire: 100 ROSE.
    pub const APP_CREATE_STAKE_WEI: u128 = 100_000_000_000_000_000_000;
}

#[cfg(test)]
mod tests {
    use super::{EnclaveIdentity, IdentityTextError};

    /// The text form is base64 of `mr_enclave ‖ mr_signer` (expected value from Python's
    /// `base64.b64encode(bytes(range(64)))`), and reads back.
    #[test]
    fn identity_text_is_base64_of_both_measurements() {
        let raw: Vec<u8> = (0..64).collect();
        let identity = EnclaveIdentity::from_raw(&raw).unwrap();
        assert_eq!(identity.mr_enclave.as_slice(), &raw[..32]);
        assert_eq!(
            identity.to_text(),
            "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8gISIjJCUmJygpKissLS4vMDEyMzQ1Njc4OTo7PD0+Pw=="
        );
        assert_eq!(identity.to_raw().as_slice(), raw.as_slice());
        assert_eq!(EnclaveIdentity::from_raw(&raw[..63]), None);
        assert_eq!(identity.to_text().parse::<EnclaveIdentity>(), Ok(identity));
    }

    /// The text form reads back with the reason of a refusal named. The base64 strings are
    /// Python's `base64.b64encode(bytes(range(64)))` and `b64encode(bytes(63))`.
    #[test]
    fn identity_text_parses_with_named_errors() {
        let text = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8gISIjJCUmJygpKissLS4vMDEyMzQ1Njc4OTo7PD0+Pw==";
        let identity: EnclaveIdentity = format!(" {text}\n").parse().unwrap();
        let raw: Vec<u8> = (0..64).collect();
        assert_eq!(identity.to_raw().as_slice(), raw.as_slice());
        let short = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";
        let err = short.parse::<EnclaveIdentity>().unwrap_err();
        assert_eq!(err, IdentityTextError::WrongLength { text: short.into(), len: 63 });
        assert!(err.to_string().ends_with("decodes to 63 bytes, not 64 (mr_enclave ‖ mr_signer)"), "{err}");
        let err = "not base64!".parse::<EnclaveIdentity>().unwrap_err();
        assert!(matches!(err, IdentityTextError::NotBase64 { .. }), "{err}");
        assert!(err.to_string().starts_with("enclave id \"not base64!\" is not base64: "), "{err}");
    }
}
