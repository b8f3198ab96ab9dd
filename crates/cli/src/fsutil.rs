//! File helpers: inputs given as a path or `-` (stdin), and atomic output (temp file + rename),
//! so that a failed command never leaves a partial file behind (`roflgov_safe::files`).

use std::path::Path;

use roflgov_safe::files;

use crate::exit::{CliResult, input};

/// Reads a whole input file, or stdin for `-`, refusing more than
/// `roflgov_safe::files::MAX_INPUT_SIZE` bytes.
pub(crate) fn read_input(path: &Path) -> CliResult<Vec<u8>> {
    Ok(files::read_input(path)?)
}

/// Reads a UTF-8 input file (see [`read_input`]).
pub(crate) fn read_input_text(path: &Path) -> CliResult<String> {
    Ok(files::read_input_text(path)?)
}

/// Writes `bytes` to `path` atomically: a temp file in the same folder, flushed, then renamed
/// over the target.
pub(crate) fn write_atomic(path: &Path, bytes: &[u8]) -> CliResult {
    Ok(files::write_atomic(path, bytes)?)
}

/// sha256 of a file's bytes (the hash a release record carries for a bundle or a rofl.yaml),
/// streamed: bundles can be large.
pub(crate) fn sha256_file(path: &Path) -> CliResult<alloy::primitives::B256> {
    use sha2::Digest as _;
    require_regular_file(path)?;
    let mut file =
        std::fs::File::open(path).map_err(|e| input(format!("{}: cannot read: {e}", path.display())))?;
    let mut hasher = sha2::Sha256::new();
    std::io::copy(&mut file, &mut hasher)
        .map_err(|e| input(format!("{}: cannot read: {e}", path.display())))?;
    Ok(alloy::primitives::B256::from_slice(&hasher.finalize()))
}

/// Refuses anything but a regular file (a device or FIFO such as `/dev/zero` would be read
/// forever by code that streams a whole file, like hashing a bundle).
pub(crate) fn require_regular_file(path: &Path) -> CliResult {
    let meta = std::fs::metadata(path).map_err(|e| input(format!("{}: cannot read: {e}", path.display())))?;
    if !meta.is_file() {
        return Err(input(format!("{}: not a regular file", path.display())));
    }
    Ok(())
}
