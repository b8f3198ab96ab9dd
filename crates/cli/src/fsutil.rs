//! File helpers: inputs given as a path or `-` (stdin), and atomic output (temp file + rename),
//! so that a failed command never leaves a partial file behind.

use std::{
    io::{Read, Write},
    path::Path,
};

use crate::exit::{CliResult, input};

/// Largest input file read whole (CBOR bodies, JSON, proposal files, Transaction Builder
/// batches, notes). Real ones are a few KiB; the cap bounds memory for hostile or endless inputs
/// (`/dev/zero`, a FIFO).
pub(crate) const MAX_INPUT_SIZE: u64 = 16 * 1024 * 1024;

/// Reads a whole input file, or stdin for `-`, refusing more than [`MAX_INPUT_SIZE`] bytes.
pub(crate) fn read_input(path: &Path) -> CliResult<Vec<u8>> {
    let (name, reader): (String, Box<dyn Read>) = if path.as_os_str() == "-" {
        ("stdin".into(), Box::new(std::io::stdin()))
    } else {
        let file =
            std::fs::File::open(path).map_err(|e| input(format!("{}: cannot read: {e}", path.display())))?;
        (path.display().to_string(), Box::new(file))
    };
    let mut bytes = Vec::new();
    reader
        .take(MAX_INPUT_SIZE + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| input(format!("{name}: cannot read: {e}")))?;
    if bytes.len() as u64 > MAX_INPUT_SIZE {
        return Err(input(format!("{name}: larger than the {MAX_INPUT_SIZE}-byte limit for an input file")));
    }
    Ok(bytes)
}

/// Reads a UTF-8 input file (see [`read_input`]).
pub(crate) fn read_input_text(path: &Path) -> CliResult<String> {
    String::from_utf8(read_input(path)?).map_err(|e| {
        input(format!(
            "{}: not UTF-8 (invalid byte at offset {})",
            path.display(),
            e.utf8_error().valid_up_to()
        ))
    })
}

/// Writes `bytes` to `path` atomically: a temp file in the same folder, flushed, then renamed
/// over the target.
pub(crate) fn write_atomic(path: &Path, bytes: &[u8]) -> CliResult {
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
