//! `rofl1…` app ids and `oasis1…` addresses (Bech32 or 0x hex) typed by users, and UTC
//! timestamps read from collateral: parse, and check that what parses prints back.
#![no_main]

use libfuzzer_sys::fuzz_target;
use roflgov_attest::time::{format_utc_timestamp, parse_utc_timestamp};
use roflgov_types::{Address, AppId};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(id) = AppId::parse_bech32_or_hex(text) {
        assert_eq!(AppId::from_bech32(&id.to_bech32()).ok(), Some(id));
    }
    if let Ok(address) = Address::parse_bech32_or_hex(text) {
        assert_eq!(Address::from_bech32(&address.to_bech32()).ok(), Some(address));
    }
    if let Some(seconds) = parse_utc_timestamp(text) {
        let _ = format_utc_timestamp(seconds);
    }
});
