//! `roflgov cbor decode|encode`: raw `rofl.Create/Update/Remove` bodies ⇄ readable JSON.
//!
//! The JSON form is `{"method": "rofl.Update", "body": {…}}` with the field names of the Oasis
//! Go client (`mr_enclave`, `tcb_validity_period`, `endorsing_node`, …), byte strings as hex and
//! addresses / app ids as bech32. Decoding is strict: only the exact bytes the canonical encoder
//! writes are accepted, and the error names the offending field.

use std::path::PathBuf;

use alloy::{primitives::Bytes, sol_types::SolValue};
use clap::{Args, Subcommand, ValueEnum};
use roflgov_types::{
    RoflCall,
    cbor::{self, CborError},
};
use serde::Serialize;

use roflgov_core::text;

use crate::{
    context::GlobalArgs,
    exit::{CliResult, input, usage},
    fsutil::{read_input, write_atomic},
    output::{emit, warn},
};

#[derive(Subcommand, Debug)]
pub(crate) enum CborCommand {
    /// Decode a body (hex, or a file with hex or raw bytes) into JSON. Also accepts a subcall
    /// precompile input `abi.encode(bytes method, bytes body)` and the unsigned transaction
    /// `oasis rofl update --unsigned --format cbor` writes, which both name their method.
    Decode(DecodeArgs),
    /// Encode JSON (`{"method": …, "body": …}` as `cbor decode` prints it, or a bare body with
    /// --method) into canonical CBOR: hex on stdout, or raw bytes to --out.
    Encode(EncodeArgs),
}

/// The three module methods.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub(crate) enum Method {
    #[value(name = "rofl.Create")]
    Create,
    #[value(name = "rofl.Update")]
    Update,
    #[value(name = "rofl.Remove")]
    Remove,
}

impl Method {
    pub(crate) fn name(self) -> &'static str {
        match self {
            Method::Create => cbor::METHOD_CREATE,
            Method::Update => cbor::METHOD_UPDATE,
            Method::Remove => cbor::METHOD_REMOVE,
        }
    }
}

#[derive(Args, Debug)]
pub(crate) struct DecodeArgs {
    /// Hex (with or without 0x) or a file path (hex text or raw bytes); `-` reads stdin.
    pub input: String,
    /// The method of the body [default: detected: the one method whose strict decoder accepts
    /// it].
    #[arg(long, value_enum)]
    pub method: Option<Method>,
}

#[derive(Args, Debug)]
pub(crate) struct EncodeArgs {
    /// JSON file (`-` for stdin).
    pub input: PathBuf,
    /// Method of a bare body (required when the JSON has no "method").
    #[arg(long, value_enum)]
    pub method: Option<Method>,
    /// Write raw CBOR bytes to this file (atomically) instead of hex on stdout.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
}

pub(crate) fn run(g: &GlobalArgs, cmd: CborCommand) -> CliResult {
    match cmd {
        CborCommand::Decode(args) => decode(g, args),
        CborCommand::Encode(args) => encode(g, args),
    }
}

/// Bytes from "hex or file": an existing file is read (hex text inside is decoded), anything
/// else must be hex.
pub(crate) fn bytes_from_hex_or_file(text: &str) -> CliResult<Vec<u8>> {
    let path = std::path::Path::new(text);
    if text == "-" || path.is_file() {
        let raw = read_input(path)?;
        if let Ok(s) = std::str::from_utf8(&raw) {
            let trimmed = s.trim();
            if let Some(bytes) = parse_hex(trimmed) {
                return Ok(bytes);
            }
        }
        return Ok(raw);
    }
    parse_hex(text.trim()).ok_or_else(|| input(format!("{text:?} is neither an existing file nor hex")))
}

fn parse_hex(text: &str) -> Option<Vec<u8>> {
    let digits = text.strip_prefix("0x").unwrap_or(text);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    hex::decode(digits).ok()
}

/// A decoded body with the warnings a reviewer must see.
#[derive(Serialize)]
struct Decoded {
    #[serde(flatten)]
    call: RoflCall,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    warnings: Vec<String>,
}

/// If `bytes` is a subcall precompile input, its method and body.
pub(crate) fn split_subcall(bytes: &[u8]) -> Option<(String, Vec<u8>)> {
    let (method, body) = <(Bytes, Bytes)>::abi_decode_params_validate(bytes).ok()?;
    let method = String::from_utf8(method.to_vec()).ok()?;
    method.starts_with("rofl.").then(|| (method, body.to_vec()))
}

/// Decodes `body` with `method`, or detects the method.
pub(crate) fn decode_body(method: Option<&str>, body: &[u8]) -> CliResult<RoflCall> {
    if let Some(method) = method {
        return cbor::decode_call(method, body).map_err(|e| cbor_error(method, &e));
    }
    let attempts: Vec<(&str, Result<RoflCall, CborError>)> =
        [cbor::METHOD_UPDATE, cbor::METHOD_CREATE, cbor::METHOD_REMOVE]
            .into_iter()
            .map(|m| (m, cbor::decode_call(m, body)))
            .collect();
    let ok: Vec<&RoflCall> = attempts.iter().filter_map(|(_, r)| r.as_ref().ok()).collect();
    match ok.as_slice() {
        [one] => Ok((*one).clone()),
        [] => {
            let why: Vec<String> =
                attempts.iter().map(|(m, r)| format!("  as {m}: {}", r.as_ref().err().unwrap())).collect();
            Err(input(format!(
                "not a canonical rofl.Create, rofl.Update or rofl.Remove body:\n{}",
                why.join("\n")
            )))
        }
        _ => Err(usage("the body decodes as several methods: pass --method")),
    }
}

/// A body that does not decode, as the exit kind its class says (`CborError`: input, exit 3).
fn cbor_error(method: &str, e: &CborError) -> crate::exit::CliError {
    crate::exit::failed(&format!("not a canonical {method} body"), e)
}

fn decode(g: &GlobalArgs, args: DecodeArgs) -> CliResult {
    let bytes = bytes_from_hex_or_file(&args.input)?;
    let (method, body) = match split_subcall(&bytes) {
        Some((m, body)) => {
            if let Some(given) = args.method
                && given.name() != m
            {
                return Err(usage(format!("the subcall input names {m}, not {}", given.name())));
            }
            (Some(m), body)
        }
        None => match cbor::split_unsigned_transaction(&bytes) {
            // `oasis rofl update --unsigned --format cbor` writes the whole unsigned transaction.
            Some(Ok((m, body))) => {
                if let Some(given) = args.method
                    && given.name() != m
                {
                    return Err(usage(format!(
                        "the transaction calls {}, not {}",
                        text::escape(&m),
                        given.name()
                    )));
                }
                (Some(m), body)
            }
            Some(Err(why)) => return Err(input(format!("an unsigned Oasis transaction, but {why}"))),
            None => (args.method.map(|m| m.name().to_owned()), bytes),
        },
    };
    let call = decode_body(method.as_deref(), &body)?;
    let warnings = roflgov_core::review::update_footguns(&call);
    if !g.json {
        for w in &warnings {
            warn(w);
        }
    }
    let decoded = Decoded { call, warnings };
    // The readable form *is* JSON: human and --json output are the same document, so that
    // `cbor decode X > body.json` and `cbor encode body.json` round-trip.
    println!("{}", serde_json::to_string_pretty(&decoded).expect("serializable"));
    Ok(())
}

/// Deserializes a call from JSON, naming the offending line (and so the field) on error:
/// `from_value` errors carry no position, so the value is read back from its pretty form.
fn from_json_value(value: serde_json::Value, name: &str) -> CliResult<RoflCall> {
    let text = serde_json::to_string_pretty(&value).map_err(|e| input(format!("{name}: {e}")))?;
    serde_json::from_str(&text).map_err(|e| {
        let at = text.lines().nth(e.line().saturating_sub(1)).map(str::trim).unwrap_or_default();
        let msg = e.to_string();
        let msg = msg.split(" at line ").next().unwrap_or(&msg);
        if at.is_empty() {
            input(format!("{name}: {msg}"))
        } else {
            input(format!("{name}: {msg} (at `{at}`)"))
        }
    })
}

fn encode(g: &GlobalArgs, args: EncodeArgs) -> CliResult {
    let raw = read_input(&args.input)?;
    let name = args.input.display().to_string();
    let mut value: serde_json::Value =
        serde_json::from_slice(&raw).map_err(|e| input(format!("{name}: invalid JSON: {e}")))?;
    let call: RoflCall = match value.as_object_mut() {
        Some(obj) if obj.contains_key("method") => {
            obj.remove("warnings");
            if let (Some(given), Some(m)) = (args.method, obj.get("method").and_then(|m| m.as_str()))
                && given.name() != m
            {
                return Err(usage(format!("{name} says method {m}, --method says {}", given.name())));
            }
            from_json_value(value, &name)?
        }
        _ => {
            let method =
                args.method.ok_or_else(|| usage(format!("{name} has no \"method\": pass --method")))?;
            let wrapped = serde_json::json!({ "method": method.name(), "body": value });
            from_json_value(wrapped, &name)?
        }
    };
    let bytes = cbor::encode_call(&call);
    // The encoder is total; check the result with the strict decoder so that nothing we write
    // is refused by the module (e.g. an endorsement tree deeper than the limit still encodes).
    cbor::decode_call(call.method(), &bytes).map_err(|e| input(format!("{name}: {e}")))?;
    let warnings = roflgov_core::review::update_footguns(&call);
    for w in &warnings {
        warn(w);
    }
    let hex_text = format!("0x{}", hex::encode(&bytes));
    if let Some(out) = &args.out {
        write_atomic(out, &bytes)?;
    }
    let report = serde_json::json!({
        "method": call.method(),
        "cbor": hex_text,
        "length": bytes.len(),
        "written_to": args.out.as_ref().map(|p| p.display().to_string()),
        "warnings": warnings,
    });
    emit(g.json, &report, || match &args.out {
        Some(out) => format!("wrote {} bytes of {} to {}", bytes.len(), call.method(), out.display()),
        None => hex_text.clone(),
    });
    Ok(())
}
