//! PCS collateral JSON (dcap-qvl QuoteCollateralV3 form, given on the command line).
#![no_main]

use libfuzzer_sys::fuzz_target;
use roflgov_attest::Collateral;

fuzz_target!(|data: &[u8]| {
    if let Ok(collateral) = Collateral::from_json(data) {
        let (from, until) = collateral.validity_window();
        let _ = (from, until, collateral.platform_label(), collateral.fmspc().len());
    }
});
