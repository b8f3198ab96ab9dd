//! DCAP quote parsing and offline verification with a fixed collateral and time.
//! The first input byte picks the SGX or the TDX collateral (from crates/attest/testdata),
//! the rest is the quote.
#![no_main]

use std::sync::LazyLock;

use libfuzzer_sys::fuzz_target;
use roflgov_attest::{Collateral, quote};

/// Inside the fixtures' validity window (2025-07-01T00:00:00Z).
const NOW: u64 = 1_751_328_000;

static SGX: LazyLock<Collateral> = LazyLock::new(|| {
    Collateral::from_json(include_bytes!("../../crates/attest/testdata/sgx_quote_collateral.json"))
        .expect("SGX collateral fixture")
});
static TDX: LazyLock<Collateral> = LazyLock::new(|| {
    Collateral::from_json(include_bytes!("../../crates/attest/testdata/tdx_quote_collateral.json"))
        .expect("TDX collateral fixture")
});

fuzz_target!(|data: &[u8]| {
    let Some((&selector, raw)) = data.split_first() else {
        return;
    };
    if let Ok(framing) = quote::read_quote_framing(raw) {
        assert!(framing.signed_len <= framing.total_len);
        assert!(framing.total_len <= raw.len());
    }
    let collateral = if selector & 1 == 0 { &*SGX } else { &*TDX };
    let _ = quote::verify_quote(raw, collateral, NOW);
});
