//! Files as the Safe flow reads and writes them: inputs given as a path or `-` (stdin), read
//! whole up to a bound, and atomic output (temp file + rename), so that a failed write never
//! leaves a partial proposal behind.

use std::{
    io::{Read, Write},
    path::Path,
};

/// Largest input file read whole (CBOR bodies, JSON, proposal files, Transaction Builder
/// batches, notes). Real ones are a few KiB; the cap bounds memory for hostile or endless inputs
/// (`/dev/zero`, a FIFO).
pub const MAX_INPUT_SIZE: u64 = 16 * 1024 * 1024;

/// A file that cannot be read or written.
#[derive(Debug, thiserror::Error)]
pub enum FileError {
    /// The file cannot be opened or read.
    #[error("{name}: cannot read: {reason}")]
    Read {
        /// The file (`stdin` for `-`).
        name: String,
        /// The system's reason.
        reason: String,
    },
    /// The input is larger than [`MAX_INPUT_SIZE`].
    #[error("{name}: larger than the {MAX_INPUT_SIZE}-byte limit for an input file")]
    TooLarge {
        /// The file (`stdin` for `-`).
        name: String,
    },
    /// The input is not UTF-8.
    #[error("{name}: not UTF-8 (invalid byte at offset {offset})")]
    NotUtf8 {
        /// The file.
        name: String,
        /// Where the first invalid byte is.
        offset: usize,
    },
    /// The output path names no file (a folder such as `/` or `..`).
    #[error("{name}: not a file path")]
    NotAFilePath {
        /// The path given.
        name: String,
    },
    /// The output cannot be written.
    #[error("{name}: cannot write: {reason}")]
    Write {
        /// The file.
        name: String,
        /// The system's reason.
        reason: String,
    },
}

impl roflgov_types::Classified for FileError {
    /// A file that cannot be read or written is an input failure.
    fn class(&self) -> roflgov_types::FailureClass {
        roflgov_types::FailureClass::Input
    }
}

/// Reads a whole input file, or stdin for `-`, refusing more than [`MAX_INPUT_SIZE`] bytes.
pub fn read_input(path: &Path) -> Result<Vec<u8>, FileError> {
    let (name, reader): (String, Box<dyn Read>) = if path.as_os_str() == "-" {
        ("stdin".into(), Box::new(std::io::stdin()))
    } else {
        let name = path.display().to_string();
        let file = std::fs::File::open(path)
            .map_err(|e| FileError::Read { name: name.clone(), reason: e.to_string() })?;
        (name, Box::new(file))
    };
    let mut bytes = Vec::new();
    if let Err(e) = reader.take(MAX_INPUT_SIZE + 1).read_to_end(&mut bytes) {
        return Err(FileError::Read { name, reason: e.to_string() });
    }
    if bytes.len() as u64 > MAX_INPUT_SIZE {
        return Err(FileError::TooLarge { name });
    }
    Ok(bytes)
}

/// Reads a UTF-8 input file (see [`read_input`]).
pub fn read_input_text(path: &Path) -> Result<String, FileError> {
    String::from_utf8(read_input(path)?).map_err(|e| FileError::NotUtf8 {
        name: path.display().to_string(),
        offset: e.utf8_error().valid_up_to(),
    })
}

/// Writes `bytes` to `path` atomically: a temp file in the same folder, flushed, then renamed
/// over the target.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), FileError> {
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => std::path::PathBuf::from("."),
    };
    let name =
        path.file_name().ok_or_else(|| FileError::NotAFilePath { name: path.display().to_string() })?;
    let tmp = dir.join(format!(".{}.tmp-{}", name.to_string_lossy(), std::process::id()));
    let result = (|| -> std::io::Result<()> {
        let mut file = std::fs::File::create(&tmp)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    if let Err(e) = result {
        let _ = std::fs::remove_file(&tmp);
        return Err(FileError::Write { name: path.display().to_string(), reason: e.to_string() });
    }
    Ok(())
}
