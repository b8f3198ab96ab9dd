//! Addresses as people type them: a mixed-case address must carry a valid EIP-55 checksum.
//!
//! `Address::from_str` ignores the checksum, so a mistyped owner or contract would be used as
//! it is (a Safe deployed with the wrong owner). EIP-55: an all-lower-case or all-upper-case
//! address has no checksum and is accepted; a mixed-case one must match its checksum. Files
//! (roflgov.toml, proposal files, Transaction Builder batches) are checked whole with
//! [`check_json_addresses`] before they are deserialized into typed structs.

use std::str::FromStr;

use alloy_primitives::Address;

/// Why an address was refused.
pub const BAD_CHECKSUM: &str = "wrong EIP-55 checksum: the mixed-case letters do not match the address, which is probably mistyped; check it against its source (an all-lower-case address is taken without a checksum)";

/// Parses an address, refusing a mixed-case one whose EIP-55 checksum is wrong.
pub fn parse_checked(s: &str) -> Result<Address, String> {
    let address = Address::from_str(s).map_err(|e| format!("not an address: {e}"))?;
    let hex = s.strip_prefix("0x").or_else(|| s.strip_prefix("0X")).unwrap_or(s);
    let lower = hex.bytes().any(|b| b.is_ascii_lowercase());
    let upper = hex.bytes().any(|b| b.is_ascii_uppercase());
    if lower && upper && address.to_checksum(None)[2..] != *hex {
        return Err(BAD_CHECKSUM.to_owned());
    }
    Ok(address)
}

/// Whether `s` has the shape of an address (`0x` and 40 hex digits).
fn looks_like_address(s: &str) -> bool {
    s.len() == 42 && s.starts_with("0x") && s[2..].bytes().all(|b| b.is_ascii_hexdigit())
}

/// Checks every address-shaped string (`0x` + 40 hex digits) of a parsed JSON or TOML document.
/// On a bad checksum, returns a message naming the field (`networks.testnet.safe`, `tx.to`) and
/// the address.
pub fn check_json_addresses(value: &serde_json::Value) -> Result<(), String> {
    fn walk(value: &serde_json::Value, path: &str) -> Result<(), String> {
        match value {
            serde_json::Value::String(s) if looks_like_address(s) => parse_checked(s)
                .map(|_| ())
                .map_err(|e| format!("`{}`: address {s}: {e}", if path.is_empty() { "." } else { path })),
            serde_json::Value::Array(items) => {
                items.iter().enumerate().try_for_each(|(i, v)| walk(v, &format!("{path}[{i}]")))
            }
            serde_json::Value::Object(map) => map.iter().try_for_each(|(k, v)| {
                let path = if path.is_empty() { k.clone() } else { format!("{path}.{k}") };
                walk(v, &path)
            }),
            _ => Ok(()),
        }
    }
    walk(value, "")
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed";

    #[test]
    fn eip55() {
        assert!(parse_checked(GOOD).is_ok());
        assert!(parse_checked(&GOOD.to_lowercase()).is_ok());
        assert!(parse_checked(&format!("0x{}", GOOD[2..].to_uppercase())).is_ok());
        // One letter's case flipped.
        let bad = GOOD.replacen("aA", "aa", 1);
        assert_eq!(parse_checked(&bad).unwrap_err(), BAD_CHECKSUM);
        assert!(parse_checked("0x1234").is_err());
    }

    #[test]
    fn documents_name_the_field() {
        let bad = GOOD.replacen("aA", "aa", 1);
        let doc = serde_json::json!({"safe": GOOD, "tx": {"to": bad, "data": "0x"}});
        let err = check_json_addresses(&doc).unwrap_err();
        assert!(err.contains("`tx.to`") && err.contains(&bad) && err.contains("checksum"), "{err}");
        assert!(check_json_addresses(&serde_json::json!({"a": [GOOD.to_lowercase()]})).is_ok());
    }
}
