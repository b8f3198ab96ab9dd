//! Canonical CBOR encoding and strict decoding of the `rofl.Create/Update/Remove` bodies.
//!
//! The encoding is byte-for-byte what oasis-sdk's `cbor::Encode` derives write:
//! - maps with text keys in canonical order (shorter encoded key first, then bytewise),
//!   minimal integer and length heads, no tags, no floats, no indefinite lengths;
//! - every field always written, except the optional PCS fields (`disabled` only when true,
//!   `fmspc_whitelist`/`fmspc_blacklist` only when non-empty, `tdx` only when present);
//! - `quotes.ias` `null` unless a decoded (legacy) IAS policy is carried, then its canonical map
//!   as decoded (roflgov never writes one of its own), `Update.admin` `null` when
//!   there is none, empty metadata/secrets as empty maps;
//! - simple endorsements as `{"any": {}}`, fees and the id scheme as plain integers.
//!
//! The decoder is stricter than the module's: it accepts exactly the bytes the encoder would
//! produce for some value, and reports the path of the first offending field, e.g.
//! `policy.quotes.pcs.tdx.allowed_tdx_modules[0].mr_seam: expected 48 bytes, got 47`.

use std::collections::BTreeMap;

use alloy_primitives::{B256, Bytes, FixedBytes};
use oasis_cbor_value::{SimpleValue, Value};

use crate::{
    ids::{Address, AppId},
    policy::{
        AllowedEndorsement, AppAuthPolicy, AppConfig, Create, EnclaveIdentity, FeePolicy, IasQuotePolicy,
        IdentifierScheme, Metadata, PcsQuotePolicy, QuotePolicy, Remove, RoflCall, Secrets, TdxModulePolicy,
        TdxQuotePolicy, Update,
    },
};

/// Method name of the create call.
pub const METHOD_CREATE: &str = "rofl.Create";
/// Method name of the update call.
pub const METHOD_UPDATE: &str = "rofl.Update";
/// Method name of the remove call.
pub const METHOD_REMOVE: &str = "rofl.Remove";

/// A strict-decoding failure: where (`path`, dotted, with `[i]` for list items; empty for the
/// body itself) and what.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{}: {kind}", if path.is_empty() { "<body>" } else { path.as_str() })]
pub struct CborError {
    /// Path of the offending field inside the body, e.g. `policy.enclaves[1].mr_signer`.
    pub path: String,
    /// What is wrong there.
    pub kind: CborErrorKind,
}

/// What is wrong in a [`CborError`].
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum CborErrorKind {
    /// Not well-formed CBOR, or not in the canonical subset (non-minimal heads, keys out of
    /// order, indefinite lengths, floats, trailing bytes...).
    #[error("malformed or non-canonical CBOR: {0}")]
    Malformed(String),
    /// Well-formed, but not what the canonical encoder writes for any value.
    #[error("not canonical: {0}")]
    NotCanonical(String),
    /// The method is none of `rofl.Create`, `rofl.Update`, `rofl.Remove`.
    #[error("unknown method {0:?} (expected rofl.Create, rofl.Update or rofl.Remove)")]
    UnknownMethod(String),
    /// A map key the type does not have.
    #[error("unknown field")]
    UnknownField,
    /// A field the encoder always writes is absent.
    #[error("missing field")]
    MissingField,
    /// The CBOR item has the wrong major type.
    #[error("expected {expected}, got {found}")]
    WrongType {
        /// What the field must be.
        expected: &'static str,
        /// What was found.
        found: &'static str,
    },
    /// A byte string of the wrong size.
    #[error("expected {expected} bytes, got {found}")]
    WrongLength {
        /// Required size.
        expected: usize,
        /// Size found.
        found: usize,
    },
    /// Right type, value out of range (unknown fee code, integer too large, ...).
    #[error("{0}")]
    InvalidValue(String),
}

/// Bytes that are not a canonical body are a malformed input (a file, an argument or an
/// answer), whatever is wrong in them.
impl crate::failure::Classified for CborError {
    fn class(&self) -> crate::failure::FailureClass {
        crate::failure::FailureClass::Input
    }
}

impl CborError {
    pub(crate) fn new(path: &str, kind: CborErrorKind) -> Self {
        Self { path: path.to_owned(), kind }
    }
}

// ---------------------------------------------------------------------------------------------
// Encoding
// ---------------------------------------------------------------------------------------------

pub(crate) fn null() -> Value {
    Value::Simple(SimpleValue::NullValue)
}

pub(crate) fn text_map(entries: Vec<(&str, Value)>) -> Value {
    Value::Map(entries.into_iter().map(|(key, value)| (Value::from(key), value)).collect())
}

pub(crate) fn write_value(value: Value) -> Vec<u8> {
    let mut out = Vec::new();
    // No nesting limit: an absurdly deep endorsement tree still encodes (the decoder and the
    // module refuse it). Keys are unique by construction (struct fields, BTreeMap keys).
    oasis_cbor_value::writer::write_nested(value, &mut out, None)
        .expect("map keys are unique by construction");
    out
}

fn identity_value(identity: &EnclaveIdentity) -> Value {
    text_map(vec![
        ("mr_enclave", Value::from(identity.mr_enclave.as_slice())),
        ("mr_signer", Value::from(identity.mr_signer.as_slice())),
    ])
}

fn endorsement_value(endorsement: &AllowedEndorsement) -> Value {
    let (key, value) = match endorsement {
        AllowedEndorsement::Any {} => ("any", Value::Map(Vec::new())),
        AllowedEndorsement::RoleCompute {} => ("role_compute", Value::Map(Vec::new())),
        AllowedEndorsement::RoleObserver {} => ("role_observer", Value::Map(Vec::new())),
        AllowedEndorsement::Entity(key) => ("entity", Value::from(key.as_slice())),
        AllowedEndorsement::Node(key) => ("node", Value::from(key.as_slice())),
        AllowedEndorsement::Provider(address) => ("provider", Value::from(&address.0[..])),
        AllowedEndorsement::ProviderInstanceAdmin(address) => {
            ("provider_instance_admin", Value::from(&address.0[..]))
        }
        AllowedEndorsement::And(children) => {
            ("and", Value::Array(children.iter().map(endorsement_value).collect()))
        }
        AllowedEndorsement::Or(children) => {
            ("or", Value::Array(children.iter().map(endorsement_value).collect()))
        }
    };
    text_map(vec![(key, value)])
}

fn tdx_module_value(module: &TdxModulePolicy) -> Value {
    text_map(vec![
        ("mr_seam", module.mr_seam.map_or_else(null, |seam| Value::from(seam.as_slice()))),
        ("mr_signer_seam", Value::from(module.mr_signer_seam.as_slice())),
    ])
}

fn fmspc_list_value(list: &[String]) -> Value {
    Value::Array(list.iter().map(|fmspc| Value::from(fmspc.as_str())).collect())
}

fn pcs_value(pcs: &PcsQuotePolicy) -> Value {
    let mut entries = vec![
        ("tcb_validity_period", Value::Unsigned(pcs.tcb_validity_period.into())),
        ("min_tcb_evaluation_data_number", Value::Unsigned(pcs.min_tcb_evaluation_data_number.into())),
    ];
    if pcs.disabled {
        entries.push(("disabled", Value::bool_value(true)));
    }
    if !pcs.fmspc_whitelist.is_empty() {
        entries.push(("fmspc_whitelist", fmspc_list_value(&pcs.fmspc_whitelist)));
    }
    if !pcs.fmspc_blacklist.is_empty() {
        entries.push(("fmspc_blacklist", fmspc_list_value(&pcs.fmspc_blacklist)));
    }
    if let Some(tdx) = &pcs.tdx {
        let modules = tdx.allowed_tdx_modules.iter().map(tdx_module_value).collect();
        entries.push(("tdx", text_map(vec![("allowed_tdx_modules", Value::Array(modules))])));
    }
    text_map(entries)
}

fn ias_value(ias: &IasQuotePolicy) -> Value {
    oasis_cbor_value::read(ias.as_cbor()).expect("checked canonical CBOR when constructed")
}

fn quotes_value(quotes: &QuotePolicy) -> Value {
    text_map(vec![
        ("ias", quotes.ias.as_ref().map_or_else(null, ias_value)),
        ("pcs", quotes.pcs.as_ref().map_or_else(null, pcs_value)),
    ])
}

fn policy_value(policy: &AppAuthPolicy) -> Value {
    text_map(vec![
        ("quotes", quotes_value(&policy.quotes)),
        ("enclaves", Value::Array(policy.enclaves.iter().map(identity_value).collect())),
        ("endorsements", Value::Array(policy.endorsements.iter().map(endorsement_value).collect())),
        ("fees", Value::Unsigned(policy.fees.code().into())),
        ("max_expiration", Value::Unsigned(policy.max_expiration)),
    ])
}

pub(crate) fn metadata_value(metadata: &Metadata) -> Value {
    Value::Map(
        metadata
            .iter()
            .map(|(key, value)| (Value::from(key.as_str()), Value::from(value.as_str())))
            .collect(),
    )
}

fn secrets_value(secrets: &Secrets) -> Value {
    Value::Map(
        secrets.iter().map(|(key, value)| (Value::from(key.as_str()), Value::from(value.as_ref()))).collect(),
    )
}

fn create_value(create: &Create) -> Value {
    text_map(vec![
        ("policy", policy_value(&create.policy)),
        ("scheme", Value::Unsigned(create.scheme.code().into())),
        ("metadata", metadata_value(&create.metadata)),
    ])
}

fn update_value(update: &Update) -> Value {
    text_map(vec![
        ("id", Value::from(&update.id.0[..])),
        ("policy", policy_value(&update.policy)),
        ("admin", update.admin.map_or_else(null, |admin| Value::from(&admin.0[..]))),
        ("metadata", metadata_value(&update.metadata)),
        ("secrets", secrets_value(&update.secrets)),
    ])
}

fn remove_value(remove: &Remove) -> Value {
    text_map(vec![("id", Value::from(&remove.id.0[..]))])
}

/// Canonical CBOR of an `AppAuthPolicy` (as embedded in the call bodies).
pub fn encode_policy(policy: &AppAuthPolicy) -> Vec<u8> {
    write_value(policy_value(policy))
}

/// Canonical CBOR body of `rofl.Create`.
pub fn encode_create(create: &Create) -> Vec<u8> {
    write_value(create_value(create))
}

/// Canonical CBOR body of `rofl.Update`.
pub fn encode_update(update: &Update) -> Vec<u8> {
    write_value(update_value(update))
}

/// Canonical CBOR body of `rofl.Remove`.
pub fn encode_remove(remove: &Remove) -> Vec<u8> {
    write_value(remove_value(remove))
}

/// Canonical CBOR body of any call (the method name is [`RoflCall::method`]).
pub fn encode_call(call: &RoflCall) -> Vec<u8> {
    match call {
        RoflCall::Create(create) => encode_create(create),
        RoflCall::Update(update) => encode_update(update),
        RoflCall::Remove(remove) => encode_remove(remove),
    }
}

// ---------------------------------------------------------------------------------------------
// Strict decoding
// ---------------------------------------------------------------------------------------------

/// Parses `body` as one canonical CBOR item and nothing else.
pub(crate) fn read_canonical(body: &[u8]) -> Result<Value, CborError> {
    let value = oasis_cbor_value::read(body)
        .map_err(|err| CborError::new("", CborErrorKind::Malformed(format!("{err:?}"))))?;
    // The strict reader already refuses non-minimal heads and out-of-order keys; re-encoding
    // and comparing makes "canonical" mean exactly "what the encoder writes".
    if write_value(value.clone()) != body {
        return Err(CborError::new(
            "",
            CborErrorKind::NotCanonical("re-encoding the decoded item gives other bytes".into()),
        ));
    }
    Ok(value)
}

fn type_name(value: &Value) -> &'static str {
    match value {
        Value::Unsigned(_) => "unsigned integer",
        Value::Negative(_) => "negative integer",
        Value::ByteString(_) => "byte string",
        Value::TextString(_) => "text string",
        Value::Array(_) => "array",
        Value::Map(_) => "map",
        Value::Tag(..) => "tagged item",
        Value::Simple(SimpleValue::FalseValue) => "false",
        Value::Simple(SimpleValue::TrueValue) => "true",
        Value::Simple(SimpleValue::NullValue) => "null",
        Value::Simple(SimpleValue::Undefined) => "undefined",
    }
}

pub(crate) fn wrong_type(path: &str, expected: &'static str, found: &Value) -> CborError {
    CborError::new(path, CborErrorKind::WrongType { expected, found: type_name(found) })
}

pub(crate) fn child(path: &str, key: &str) -> String {
    if path.is_empty() { key.to_owned() } else { format!("{path}.{key}") }
}

pub(crate) fn item(path: &str, index: usize) -> String {
    format!("{path}[{index}]")
}

pub(crate) fn is_null(value: &Value) -> bool {
    matches!(value, Value::Simple(SimpleValue::NullValue))
}

/// The fields of a CBOR map with text keys, taken one by one; leftovers are unknown fields.
pub(crate) struct Fields {
    path: String,
    entries: Vec<(String, Value)>,
}

impl Fields {
    pub(crate) fn new(value: Value, path: &str) -> Result<Self, CborError> {
        let Value::Map(map) = value else {
            return Err(wrong_type(path, "map", &value));
        };
        let mut entries = Vec::with_capacity(map.len());
        for (key, value) in map {
            match key {
                Value::TextString(key) => entries.push((key, value)),
                other => return Err(wrong_type(path, "map with text keys", &other)),
            }
        }
        Ok(Self { path: path.to_owned(), entries })
    }

    pub(crate) fn optional(&mut self, key: &str) -> Option<(Value, String)> {
        let index = self.entries.iter().position(|(name, _)| name == key)?;
        let (_, value) = self.entries.remove(index);
        Some((value, child(&self.path, key)))
    }

    pub(crate) fn required(&mut self, key: &str) -> Result<(Value, String), CborError> {
        self.optional(key).ok_or_else(|| CborError::new(&child(&self.path, key), CborErrorKind::MissingField))
    }

    pub(crate) fn finish(self) -> Result<(), CborError> {
        match self.entries.first() {
            None => Ok(()),
            Some((key, _)) => Err(CborError::new(&child(&self.path, key), CborErrorKind::UnknownField)),
        }
    }
}

/// An [`CborErrorKind::InvalidValue`] at `path`.
pub(crate) fn invalid(path: &str, text: impl Into<String>) -> CborError {
    CborError::new(path, CborErrorKind::InvalidValue(text.into()))
}

pub(crate) fn decode_u64(value: Value, path: &str) -> Result<u64, CborError> {
    match value {
        Value::Unsigned(n) => Ok(n),
        other => Err(wrong_type(path, "unsigned integer", &other)),
    }
}

fn decode_bounded<T: TryFrom<u64>>(value: Value, path: &str, type_label: &str) -> Result<T, CborError> {
    let n = decode_u64(value, path)?;
    T::try_from(n).map_err(|_| {
        CborError::new(path, CborErrorKind::InvalidValue(format!("{n} does not fit in {type_label}")))
    })
}

pub(crate) fn decode_bytes(value: Value, path: &str) -> Result<Vec<u8>, CborError> {
    match value {
        Value::ByteString(bytes) => Ok(bytes),
        other => Err(wrong_type(path, "byte string", &other)),
    }
}

pub(crate) fn decode_fixed<const N: usize>(value: Value, path: &str) -> Result<[u8; N], CborError> {
    let bytes = decode_bytes(value, path)?;
    bytes
        .as_slice()
        .try_into()
        .map_err(|_| CborError::new(path, CborErrorKind::WrongLength { expected: N, found: bytes.len() }))
}

pub(crate) fn decode_text(value: Value, path: &str) -> Result<String, CborError> {
    match value {
        Value::TextString(text) => Ok(text),
        other => Err(wrong_type(path, "text string", &other)),
    }
}

pub(crate) fn decode_array(value: Value, path: &str) -> Result<Vec<Value>, CborError> {
    match value {
        Value::Array(items) => Ok(items),
        other => Err(wrong_type(path, "array", &other)),
    }
}

pub(crate) fn decode_address(value: Value, path: &str) -> Result<Address, CborError> {
    decode_fixed::<21>(value, path).map(Address)
}

pub(crate) fn decode_app_id(value: Value, path: &str) -> Result<AppId, CborError> {
    decode_fixed::<21>(value, path).map(AppId)
}

fn decode_identity(value: Value, path: &str) -> Result<EnclaveIdentity, CborError> {
    let mut fields = Fields::new(value, path)?;
    let (mr_enclave, p) = fields.required("mr_enclave")?;
    let mr_enclave = B256::from(decode_fixed::<32>(mr_enclave, &p)?);
    let (mr_signer, p) = fields.required("mr_signer")?;
    let mr_signer = B256::from(decode_fixed::<32>(mr_signer, &p)?);
    fields.finish()?;
    Ok(EnclaveIdentity { mr_enclave, mr_signer })
}

fn decode_empty_map(value: Value, path: &str) -> Result<(), CborError> {
    match value {
        Value::Map(map) if map.is_empty() => Ok(()),
        Value::Map(_) => Err(CborError::new(
            path,
            CborErrorKind::InvalidValue("expected an empty map (this endorsement has no parameters)".into()),
        )),
        other => Err(wrong_type(path, "empty map", &other)),
    }
}

fn decode_endorsements(value: Value, path: &str) -> Result<Vec<AllowedEndorsement>, CborError> {
    decode_array(value, path)?
        .into_iter()
        .enumerate()
        .map(|(index, value)| decode_endorsement(value, &item(path, index)))
        .collect()
}

fn decode_endorsement(value: Value, path: &str) -> Result<AllowedEndorsement, CborError> {
    let Value::Map(mut map) = value else {
        return Err(wrong_type(path, "single-key map", &value));
    };
    if map.len() != 1 {
        return Err(CborError::new(
            path,
            CborErrorKind::InvalidValue(format!(
                "an endorsement is a map with exactly one key, got {} keys",
                map.len()
            )),
        ));
    }
    let (key, value) = map.pop().expect("one entry");
    let key = match key {
        Value::TextString(key) => key,
        other => return Err(wrong_type(path, "map with a text key", &other)),
    };
    let path = child(path, &key);
    let path = path.as_str();
    Ok(match key.as_str() {
        "any" => decode_empty_map(value, path).map(|()| AllowedEndorsement::Any {})?,
        "role_compute" => decode_empty_map(value, path).map(|()| AllowedEndorsement::RoleCompute {})?,
        "role_observer" => decode_empty_map(value, path).map(|()| AllowedEndorsement::RoleObserver {})?,
        "entity" => AllowedEndorsement::Entity(decode_fixed::<32>(value, path)?.into()),
        "node" => AllowedEndorsement::Node(decode_fixed::<32>(value, path)?.into()),
        "provider" => AllowedEndorsement::Provider(decode_address(value, path)?),
        "provider_instance_admin" => AllowedEndorsement::ProviderInstanceAdmin(decode_address(value, path)?),
        "and" => AllowedEndorsement::And(decode_endorsements(value, path)?),
        "or" => AllowedEndorsement::Or(decode_endorsements(value, path)?),
        _ => {
            return Err(CborError::new(
                path,
                CborErrorKind::InvalidValue(format!("unknown endorsement kind {key:?}")),
            ));
        }
    })
}

fn decode_tdx_module(value: Value, path: &str) -> Result<TdxModulePolicy, CborError> {
    let mut fields = Fields::new(value, path)?;
    let (mr_seam, p) = fields.required("mr_seam")?;
    let mr_seam =
        if is_null(&mr_seam) { None } else { Some(FixedBytes::<48>::from(decode_fixed::<48>(mr_seam, &p)?)) };
    let (mr_signer_seam, p) = fields.required("mr_signer_seam")?;
    let mr_signer_seam = FixedBytes::<48>::from(decode_fixed::<48>(mr_signer_seam, &p)?);
    fields.finish()?;
    Ok(TdxModulePolicy { mr_seam, mr_signer_seam })
}

fn decode_fmspc_list(value: Value, path: &str) -> Result<Vec<String>, CborError> {
    let items = decode_array(value, path)?;
    if items.is_empty() {
        return Err(CborError::new(
            path,
            CborErrorKind::NotCanonical("an empty list is left out by the encoder".into()),
        ));
    }
    items.into_iter().enumerate().map(|(index, value)| decode_text(value, &item(path, index))).collect()
}

fn decode_pcs(value: Value, path: &str) -> Result<PcsQuotePolicy, CborError> {
    let mut fields = Fields::new(value, path)?;
    let (v, p) = fields.required("tcb_validity_period")?;
    let tcb_validity_period = decode_bounded::<u16>(v, &p, "u16")?;
    let (v, p) = fields.required("min_tcb_evaluation_data_number")?;
    let min_tcb_evaluation_data_number = decode_bounded::<u32>(v, &p, "u32")?;
    let disabled = match fields.optional("disabled") {
        None => false,
        Some((Value::Simple(SimpleValue::TrueValue), _)) => true,
        Some((Value::Simple(SimpleValue::FalseValue), p)) => {
            return Err(CborError::new(
                &p,
                CborErrorKind::NotCanonical("`false` is left out by the encoder".into()),
            ));
        }
        Some((other, p)) => return Err(wrong_type(&p, "true", &other)),
    };
    let fmspc_whitelist = match fields.optional("fmspc_whitelist") {
        None => Vec::new(),
        Some((v, p)) => decode_fmspc_list(v, &p)?,
    };
    let fmspc_blacklist = match fields.optional("fmspc_blacklist") {
        None => Vec::new(),
        Some((v, p)) => decode_fmspc_list(v, &p)?,
    };
    let tdx = match fields.optional("tdx") {
        None => None,
        Some((v, p)) => {
            let mut tdx_fields = Fields::new(v, &p)?;
            let (modules, p) = tdx_fields.required("allowed_tdx_modules")?;
            let allowed_tdx_modules = decode_array(modules, &p)?
                .into_iter()
                .enumerate()
                .map(|(index, value)| decode_tdx_module(value, &item(&p, index)))
                .collect::<Result<_, _>>()?;
            tdx_fields.finish()?;
            Some(TdxQuotePolicy { allowed_tdx_modules })
        }
    };
    fields.finish()?;
    Ok(PcsQuotePolicy {
        disabled,
        tcb_validity_period,
        min_tcb_evaluation_data_number,
        fmspc_whitelist,
        fmspc_blacklist,
        tdx,
    })
}

fn decode_quotes(value: Value, path: &str) -> Result<QuotePolicy, CborError> {
    let mut fields = Fields::new(value, path)?;
    let (ias, p) = fields.required("ias")?;
    let ias = if is_null(&ias) { None } else { Some(decode_ias(ias, &p)?) };
    let (pcs, p) = fields.required("pcs")?;
    let pcs = if is_null(&pcs) { None } else { Some(decode_pcs(pcs, &p)?) };
    fields.finish()?;
    Ok(QuotePolicy { ias, pcs })
}

/// A legacy IAS policy, kept opaque: any map with text keys (the module's IAS policy is a
/// struct). The body around it was checked canonical, so its bytes are too.
fn decode_ias(value: Value, path: &str) -> Result<IasQuotePolicy, CborError> {
    let bytes = write_value(value);
    IasQuotePolicy::from_cbor(&bytes).map_err(|err| {
        let at = if err.path.is_empty() { path.to_owned() } else { child(path, &err.path) };
        CborError { path: at, kind: err.kind }
    })
}

/// Checks that `bytes` are one canonical CBOR map with text keys (an IAS quote policy kept
/// opaque); error paths are relative to the map.
pub(crate) fn check_ias(bytes: &[u8]) -> Result<(), CborError> {
    match read_canonical(bytes)? {
        Value::Map(entries) => match entries.iter().find(|(key, _)| !matches!(key, Value::TextString(_))) {
            None => Ok(()),
            Some((key, _)) => Err(wrong_type("", "map with text keys", key)),
        },
        other => Err(wrong_type("", "map (an IAS quote policy) or null", &other)),
    }
}

/// CBOR diagnostic notation (RFC 8949 §8) of one CBOR item, ASCII only (text escaped as in
/// JSON); `<malformed CBOR>` if `bytes` is not one.
pub fn diagnostic(bytes: &[u8]) -> String {
    match oasis_cbor_value::read(bytes) {
        Ok(value) => {
            let mut out = String::new();
            write_diagnostic(&value, &mut out);
            out
        }
        Err(_) => "<malformed CBOR>".into(),
    }
}

fn write_diagnostic(value: &Value, out: &mut String) {
    use std::fmt::Write as _;
    match value {
        Value::Unsigned(n) => {
            let _ = write!(out, "{n}");
        }
        Value::Negative(n) => {
            let _ = write!(out, "{n}");
        }
        Value::ByteString(bytes) => {
            let _ = write!(out, "h'{}'", hex::encode(bytes));
        }
        Value::TextString(text) => {
            out.push('"');
            for c in text.chars() {
                match c {
                    '"' => out.push_str("\\\""),
                    '\\' => out.push_str("\\\\"),
                    ' '..='~' => out.push(c),
                    _ => {
                        let mut units = [0u16; 2];
                        for unit in c.encode_utf16(&mut units) {
                            let _ = write!(out, "\\u{unit:04x}");
                        }
                    }
                }
            }
            out.push('"');
        }
        Value::Array(items) => {
            out.push('[');
            for (index, item) in items.iter().enumerate() {
                if index > 0 {
                    out.push_str(", ");
                }
                write_diagnostic(item, out);
            }
            out.push(']');
        }
        Value::Map(entries) => {
            out.push('{');
            for (index, (key, item)) in entries.iter().enumerate() {
                if index > 0 {
                    out.push_str(", ");
                }
                write_diagnostic(key, out);
                out.push_str(": ");
                write_diagnostic(item, out);
            }
            out.push('}');
        }
        Value::Tag(tag, inner) => {
            let _ = write!(out, "{tag}(");
            write_diagnostic(inner, out);
            out.push(')');
        }
        Value::Simple(SimpleValue::FalseValue) => out.push_str("false"),
        Value::Simple(SimpleValue::TrueValue) => out.push_str("true"),
        Value::Simple(SimpleValue::NullValue) => out.push_str("null"),
        Value::Simple(SimpleValue::Undefined) => out.push_str("undefined"),
    }
}

pub(crate) fn decode_policy_value(value: Value, path: &str) -> Result<AppAuthPolicy, CborError> {
    let mut fields = Fields::new(value, path)?;
    let (v, p) = fields.required("fees")?;
    let code = decode_u64(v, &p)?;
    let fees = FeePolicy::from_code(code).ok_or_else(|| {
        CborError::new(
            &p,
            CborErrorKind::InvalidValue(format!(
                "unknown fee policy {code} (1 = instance pays, 2 = endorsing node pays)"
            )),
        )
    })?;
    let (v, p) = fields.required("quotes")?;
    let quotes = decode_quotes(v, &p)?;
    let (v, p) = fields.required("enclaves")?;
    let enclaves = decode_array(v, &p)?
        .into_iter()
        .enumerate()
        .map(|(index, value)| decode_identity(value, &item(&p, index)))
        .collect::<Result<_, _>>()?;
    let (v, p) = fields.required("endorsements")?;
    let endorsements = decode_endorsements(v, &p)?;
    let (v, p) = fields.required("max_expiration")?;
    let max_expiration = decode_u64(v, &p)?;
    fields.finish()?;
    Ok(AppAuthPolicy { quotes, enclaves, endorsements, fees, max_expiration })
}

/// A map with text keys whose every value `decode_entry` reads (at the path of its key).
fn decode_text_keyed<T>(
    value: Value,
    path: &str,
    decode_entry: impl Fn(Value, &str) -> Result<T, CborError>,
) -> Result<BTreeMap<String, T>, CborError> {
    let mut fields = Fields::new(value, path)?;
    let entries = std::mem::take(&mut fields.entries);
    entries
        .into_iter()
        .map(|(key, value)| {
            let p = child(path, &key);
            decode_entry(value, &p).map(|value| (key, value))
        })
        .collect()
}

pub(crate) fn decode_metadata(value: Value, path: &str) -> Result<Metadata, CborError> {
    decode_text_keyed(value, path, decode_text)
}

pub(crate) fn decode_secrets(value: Value, path: &str) -> Result<Secrets, CborError> {
    decode_text_keyed(value, path, |value, p| decode_bytes(value, p).map(Bytes::from))
}

/// The fields of an app's configuration that `rofl.Update` and the module's `rofl.App` answer
/// share: `id`, `policy`, `admin` (null for none), `metadata`, `secrets`; taken from `fields`.
pub(crate) fn decode_config_fields(fields: &mut Fields) -> Result<AppConfig, CborError> {
    let (v, p) = fields.required("id")?;
    let id = decode_app_id(v, &p)?;
    let (v, p) = fields.required("policy")?;
    let policy = decode_policy_value(v, &p)?;
    let (v, p) = fields.required("admin")?;
    let admin = if is_null(&v) { None } else { Some(decode_address(v, &p)?) };
    let (v, p) = fields.required("metadata")?;
    let metadata = decode_metadata(v, &p)?;
    let (v, p) = fields.required("secrets")?;
    let secrets = decode_secrets(v, &p)?;
    Ok(AppConfig { id, policy, admin, metadata, secrets })
}

fn decode_create_value(value: Value) -> Result<Create, CborError> {
    let mut fields = Fields::new(value, "")?;
    let (v, p) = fields.required("policy")?;
    let policy = decode_policy_value(v, &p)?;
    let (v, p) = fields.required("scheme")?;
    let code = decode_u64(v, &p)?;
    let scheme = IdentifierScheme::from_code(code).ok_or_else(|| {
        CborError::new(
            &p,
            CborErrorKind::InvalidValue(format!(
                "unknown identifier scheme {code} (0 = creator round index, 1 = creator nonce)"
            )),
        )
    })?;
    let (v, p) = fields.required("metadata")?;
    let metadata = decode_metadata(v, &p)?;
    fields.finish()?;
    Ok(Create { policy, scheme, metadata })
}

fn decode_update_value(value: Value) -> Result<Update, CborError> {
    let mut fields = Fields::new(value, "")?;
    let AppConfig { id, policy, admin, metadata, secrets } = decode_config_fields(&mut fields)?;
    fields.finish()?;
    Ok(Update { id, policy, admin, metadata, secrets })
}

fn decode_remove_value(value: Value) -> Result<Remove, CborError> {
    let mut fields = Fields::new(value, "")?;
    let (v, p) = fields.required("id")?;
    let id = decode_app_id(v, &p)?;
    fields.finish()?;
    Ok(Remove { id })
}

/// Strictly decodes a canonical `AppAuthPolicy`.
pub fn decode_policy(body: &[u8]) -> Result<AppAuthPolicy, CborError> {
    decode_policy_value(read_canonical(body)?, "")
}

/// Strictly decodes a `rofl.Create` body.
pub fn decode_create(body: &[u8]) -> Result<Create, CborError> {
    decode_create_value(read_canonical(body)?)
}

/// Strictly decodes a `rofl.Update` body.
pub fn decode_update(body: &[u8]) -> Result<Update, CborError> {
    decode_update_value(read_canonical(body)?)
}

/// Strictly decodes a `rofl.Remove` body.
pub fn decode_remove(body: &[u8]) -> Result<Remove, CborError> {
    decode_remove_value(read_canonical(body)?)
}

/// Strictly decodes the body of `method` (`rofl.Create`, `rofl.Update` or `rofl.Remove`).
pub fn decode_call(method: &str, body: &[u8]) -> Result<RoflCall, CborError> {
    match method {
        METHOD_CREATE => decode_create(body).map(RoflCall::Create),
        METHOD_UPDATE => decode_update(body).map(RoflCall::Update),
        METHOD_REMOVE => decode_remove(body).map(RoflCall::Remove),
        other => Err(CborError::new("", CborErrorKind::UnknownMethod(other.to_owned()))),
    }
}

/// If `bytes` are an unsigned runtime transaction as `oasis rofl update --unsigned --format
/// cbor` writes it, the method and the body of its call.
///
/// The Oasis CLI's `--format cbor` writes `cbor.Marshal(tx)` of the whole unsigned
/// `types.Transaction` (oasisprotocol/cli `cmd/common/transaction.go` `ExportTransaction`),
/// not the bare body: `{"v": 1, "call": {"method", "body"}, "ai": {"si", "fee"}}` (oasis-sdk
/// `client-sdk/go/types/transaction.go`: `Transaction`, `Call`, `AuthInfo`), with the body
/// embedded as a CBOR item (`cbor.RawMessage`). `None` when `bytes` do not look like one;
/// `Some(Err)` names what is wrong with one that does (an encrypted or read-only call, another
/// version, non-canonical bytes).
pub fn split_unsigned_transaction(bytes: &[u8]) -> Option<Result<(String, Vec<u8>), String>> {
    let Ok(Value::Map(entries)) = oasis_cbor_value::read(bytes) else { return None };
    let (Some(version), Some(Value::Map(call))) = (text_field(&entries, "v"), text_field(&entries, "call"))
    else {
        return None;
    };
    Some(unsigned_transaction_call(bytes, &entries, version, &call))
}

fn text_field(entries: &[(Value, Value)], name: &str) -> Option<Value> {
    entries.iter().find(|(k, _)| matches!(k, Value::TextString(t) if t == name)).map(|(_, v)| v.clone())
}

fn unsigned_transaction_call(
    bytes: &[u8],
    entries: &[(Value, Value)],
    version: Value,
    call: &[(Value, Value)],
) -> Result<(String, Vec<u8>), String> {
    let known = |k: &Value| matches!(k, Value::TextString(t) if ["v", "call", "ai"].contains(&t.as_str()));
    if let Some((key, _)) = entries.iter().find(|(k, _)| !known(k)) {
        return Err(format!("unknown transaction field {}", diagnostic(&write_value(key.clone()))));
    }
    if version != Value::Unsigned(1) {
        return Err(format!("transaction version {} (expected 1)", diagnostic(&write_value(version))));
    }
    if text_field(call, "format").is_some_and(|f| f != Value::Unsigned(0)) {
        return Err("the call is encrypted (call.format is not 0): its body cannot be reviewed".into());
    }
    if text_field(call, "ro").is_some_and(|ro| ro != Value::Simple(SimpleValue::FalseValue)) {
        return Err("the call is read-only (a query, not a transaction)".into());
    }
    let Some(Value::TextString(method)) = text_field(call, "method") else {
        return Err("call.method is missing or not text".into());
    };
    let body = text_field(call, "body").ok_or("call.body is missing")?;
    // Canonical bytes only: then the body's own bytes are its re-encoding.
    if write_value(Value::Map(entries.to_vec())) != bytes {
        return Err("the transaction is not canonical CBOR".into());
    }
    Ok((method, write_value(body)))
}
