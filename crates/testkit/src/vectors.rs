//! The committed test vectors under `test/vectors/`: read them, and check that a generator's
//! output still equals the committed file (or rewrite it with `ROFLGOV_BLESS=1`).

use std::path::PathBuf;

/// The environment variable that rewrites committed files instead of comparing them.
pub const BLESS: &str = "ROFLGOV_BLESS";

/// The path of `test/vectors/<name>` in this checkout.
pub fn path(name: &str) -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../test/vectors")).join(name)
}

/// The text of `test/vectors/<name>` (panics naming the file when it cannot be read).
pub fn text(name: &str) -> String {
    let path = path(name);
    std::fs::read_to_string(&path).unwrap_or_else(|err| panic!("{}: {err}", path.display()))
}

/// `test/vectors/<name>` parsed as JSON (panics naming the file when it is not JSON).
pub fn json(name: &str) -> serde_json::Value {
    serde_json::from_str(&text(name)).unwrap_or_else(|err| panic!("test/vectors/{name}: not JSON: {err}"))
}

/// Asserts that the committed `test/vectors/<name>` equals `generated`; with `ROFLGOV_BLESS`
/// set, writes `generated` there instead (review the diff). `rerun` is the command that
/// regenerates it, named in the failure.
pub fn assert_current(name: &str, generated: &str, rerun: &str) {
    let path = path(name);
    if std::env::var_os(BLESS).is_some() {
        std::fs::write(&path, generated).unwrap_or_else(|err| panic!("{}: {err}", path.display()));
        return;
    }
    let committed = std::fs::read_to_string(&path)
        .unwrap_or_else(|err| panic!("{}: {err} (run with {BLESS}=1)", path.display()));
    assert!(
        committed == generated,
        "test/vectors/{name} is stale: rerun `{BLESS}=1 {rerun}` and review the diff"
    );
}
