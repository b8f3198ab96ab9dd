//! File helpers: inputs given as a path or `-` (stdin), and atomic output (temp file + rename),
//! so that a failed command never leaves a partial file behind.

use std::{
    io::{Read, Write},
    path::Path,
};

use crate::exit::{CliResult, input};

/// Reads a whole input file, or stdin for `-`.
pub fn read_input(path: &Path) -> CliResult<Vec<u8>> {
    if path.as_os_str() == "-" {
        let mut bytes = Vec::new();
        std::io::stdin().read_to_end(&mut bytes).map_err(|e| input(format!("reading stdin: {e}")))?;
        return Ok(bytes);
    }
    std::fs::read(path).map_err(|e| input(format!("{}: cannot read: {e}", path.display())))
}

/// Writes `bytes` to `path` atomically: a temp file in the same folder, flushed, then renamed
/// over the target.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> CliResult {
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => std::path::PathBuf::from("."),
    };
    let name = path.file_name().ok_or_else(|| input(format!("{}: not a file path", path.display())))?;
    let tmp = dir.join(format!(".{}.tmp-{}", name.to_string_lossy(), std::process::id()));
    let result = (|| -> std::io::Result<()> {
        let mut file = std::fs::File::create(&tmp)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    if let Err(e) = result {
        let _ = std::fs::remove_file(&tmp);
        return Err(input(format!("{}: cannot write: {e}", path.display())));
    }
    Ok(())
}

/// sha256 of a file's bytes (the hash a release record carries for a bundle or a rofl.yaml).
pub fn sha256_file(path: &Path) -> CliResult<alloy::primitives::B256> {
    use sha2::Digest as _;
    let bytes = read_input(path)?;
    Ok(alloy::primitives::B256::from_slice(&sha2::Sha256::digest(&bytes)))
}
