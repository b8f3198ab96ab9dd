//! The subcall precompile's wire format: input `abi.encode(bytes method, bytes body)`, output
//! `abi.encode(uint64 status, bytes data)`.

use alloy_primitives::{Address, Bytes, address};
use alloy_sol_types::SolValue;
use roflgov_types::{AppId, RoflCall, cbor};

/// The subcall precompile's address on Sapphire (`0x0100…0103`).
pub const SUBCALL_PRECOMPILE: Address = address!("0x0100000000000000000000000000000000000103");

/// `rofl.IsAuthorizedOrigin`: is the transaction signed by a registered instance of the app?
pub const METHOD_IS_AUTHORIZED_ORIGIN: &str = "rofl.IsAuthorizedOrigin";
/// `rofl.OriginApp`: the app of the registered instance that signed the transaction.
pub const METHOD_ORIGIN_APP: &str = "rofl.OriginApp";

/// CBOR `null`.
pub const CBOR_NULL: [u8; 1] = [0xf6];
/// CBOR `true`.
pub const CBOR_TRUE: [u8; 1] = [0xf5];
/// CBOR `false`.
pub const CBOR_FALSE: [u8; 1] = [0xf4];

/// Why precompile input or output does not decode.
#[derive(Debug, thiserror::Error)]
pub enum SubcallError {
    /// Not `abi.encode(bytes, bytes)` / `abi.encode(uint64, bytes)`.
    #[error("not an abi-encoded subcall {what}: {source}")]
    Abi {
        /// `input` or `output`.
        what: &'static str,
        /// Decoder error.
        #[source]
        source: alloy_sol_types::Error,
    },
    /// The method name is not UTF-8.
    #[error("the subcall method name is not UTF-8: 0x{}", alloy_primitives::hex::encode(.0))]
    MethodNotUtf8(Bytes),
    /// The module answered with an error.
    #[error("the {module} module answered with error code {code}")]
    Failed {
        /// Module name.
        module: String,
        /// Module error code.
        code: u64,
    },
    /// The result is not the CBOR the method returns.
    #[error("unexpected {method} result 0x{}", alloy_primitives::hex::encode(.data))]
    UnexpectedResult {
        /// The method called.
        method: &'static str,
        /// The raw result.
        data: Bytes,
    },
}

/// A decoded precompile input.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SubcallInput {
    /// Method name, e.g. `rofl.Update`.
    pub method: String,
    /// CBOR body.
    pub body: Bytes,
}

/// `abi.encode(bytes method, bytes body)`.
pub fn encode_subcall(method: &str, body: &[u8]) -> Bytes {
    (Bytes::copy_from_slice(method.as_bytes()), Bytes::copy_from_slice(body)).abi_encode_params().into()
}

/// Decodes precompile input strictly.
pub fn decode_subcall(input: &[u8]) -> Result<SubcallInput, SubcallError> {
    let (method, body) = <(Bytes, Bytes)>::abi_decode_params_validate(input)
        .map_err(|source| SubcallError::Abi { what: "input", source })?;
    let method = String::from_utf8(method.to_vec()).map_err(|_| SubcallError::MethodNotUtf8(method))?;
    Ok(SubcallInput { method, body })
}

/// The `rofl.*` call a transaction to `to` with `data` makes directly through the subcall
/// precompile (today's flow: an opaque CBOR body), when `to` is the precompile and both the
/// input and the body decode strictly; `None` for any other call.
pub fn direct_rofl_call(to: Address, data: &[u8]) -> Option<RoflCall> {
    if to != SUBCALL_PRECOMPILE {
        return None;
    }
    let input = decode_subcall(data).ok()?;
    cbor::decode_call(&input.method, &input.body).ok()
}

/// Decodes precompile output into the CBOR result, or the module's error.
pub fn decode_subcall_output(output: &[u8]) -> Result<Bytes, SubcallError> {
    let (status, data) = <(u64, Bytes)>::abi_decode_params_validate(output)
        .map_err(|source| SubcallError::Abi { what: "output", source })?;
    if status == 0 {
        Ok(data)
    } else {
        Err(SubcallError::Failed { module: String::from_utf8_lossy(&data).into_owned(), code: status })
    }
}

/// CBOR byte string of an app id (`0x55 ‖ 21 bytes`), the body of `rofl.IsAuthorizedOrigin`
/// and the result of `rofl.Create` / `rofl.OriginApp`.
pub fn cbor_app_id(app: AppId) -> Vec<u8> {
    let mut out = Vec::with_capacity(22);
    out.push(0x55);
    out.extend_from_slice(app.as_bytes());
    out
}

/// Reads a CBOR app id byte string.
pub fn app_id_from_cbor(method: &'static str, data: &Bytes) -> Result<AppId, SubcallError> {
    match data.as_ref() {
        [0x55, rest @ ..] if rest.len() == 21 => Ok(AppId(rest.try_into().expect("length checked"))),
        _ => Err(SubcallError::UnexpectedResult { method, data: data.clone() }),
    }
}
