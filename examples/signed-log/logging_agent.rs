//! An example ROFL app that writes a signed, hash-chained log with `roflgov-signed-log`.
//!
//! Inside a ROFL container the instance key would come from the ROFL app daemon
//! (`rofl-appd`'s key generation, a secp256k1 key registered in the instance's `extra_keys`),
//! and the app id from the same daemon. Here both come from the environment, so the example
//! runs anywhere:
//!
//! ```sh
//! INSTANCE_KEY=0x<32-byte hex> cargo run -p roflgov-signed-log --example logging-agent -- \
//!     rofl1… agent.log "answered question 1" "answered question 2"
//! roflgov verify-log agent.log --app rofl1…
//! ```
//!
//! It appends one entry per message to the log (continuing an existing log from its last
//! entry), dated with the system clock, keeping each message in its entry.

#![allow(unused_crate_dependencies)] // an example uses only some of the crate's dependencies

use std::{
    fs::OpenOptions,
    io::Read as _,
    time::{SystemTime, UNIX_EPOCH},
};

use k256::ecdsa::SigningKey;
use roflgov_signed_log::{Entry, LogWriter};
use roflgov_types::AppId;

fn main() {
    if let Err(err) = run() {
        eprintln!("logging-agent: {err}");
        std::process::exit(1);
    }
}

fn run() -> Result<(), String> {
    let mut args = std::env::args().skip(1);
    let usage = "usage: INSTANCE_KEY=0x… logging-agent APP_ID LOG_FILE MESSAGE…";
    let app = args.next().ok_or(usage)?;
    let app = AppId::parse_bech32_or_hex(&app).map_err(|e| format!("APP_ID: {e}"))?;
    let path = args.next().ok_or(usage)?;
    let key = std::env::var("INSTANCE_KEY").map_err(|_| "INSTANCE_KEY is not set")?;
    let key = decode_key(&key)?;

    // Continue the log if it exists: the next entry chains to the last one.
    let mut file = OpenOptions::new()
        .create(true)
        .read(true)
        .append(true)
        .open(&path)
        .map_err(|e| format!("{path}: {e}"))?;
    let mut existing = String::new();
    file.read_to_string(&mut existing).map_err(|e| format!("{path}: {e}"))?;
    let last = existing.lines().rev().find(|line| !line.is_empty());
    let mut writer = match last {
        Some(line) => {
            let last: Entry = serde_json::from_str(line).map_err(|e| format!("{path}: last entry: {e}"))?;
            LogWriter::resume(app, key, &last)
        }
        None => LogWriter::new(app, key),
    };
    for message in args {
        let now = SystemTime::now().duration_since(UNIX_EPOCH).map_err(|e| e.to_string())?.as_secs();
        let entry = writer.append(&mut file, now, &message, true).map_err(|e| format!("{path}: {e}"))?;
        println!("entry {} signed by {}", entry.seq, entry.signer);
    }
    Ok(())
}

fn decode_key(text: &str) -> Result<SigningKey, String> {
    let text = text.trim().trim_start_matches("0x");
    if text.len() != 64 || !text.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err("INSTANCE_KEY must be 32 bytes of hex".into());
    }
    let bytes: Vec<u8> =
        (0..32).map(|i| u8::from_str_radix(&text[2 * i..2 * i + 2], 16).unwrap_or_default()).collect();
    SigningKey::from_slice(&bytes).map_err(|_| "INSTANCE_KEY is not a valid secp256k1 key".to_owned())
}
