//! ORC bundle (zip from `oasis rofl build`): any bytes must give a bundle or an error.
#![no_main]

use std::io::Cursor;

use libfuzzer_sys::fuzz_target;
use roflgov_attest::OrcBundle;

fuzz_target!(|data: &[u8]| {
    if let Ok(bundle) = OrcBundle::from_reader(Cursor::new(data)) {
        let _ = bundle.identities();
    }
});
