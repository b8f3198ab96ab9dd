//! The chain crate binds contracts from forge's artifacts at compile time: rebuild when they
//! change, and say clearly what to do when they are missing.
use std::path::Path;

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let out = root.join("out");
    println!("cargo:rerun-if-changed={}", out.display());
    println!("cargo:rerun-if-env-changed=FOUNDRY_OUT");
    if !out.is_dir() {
        println!("cargo:warning=forge artifacts not found in {}; run `make build` first", out.display());
    }
}
