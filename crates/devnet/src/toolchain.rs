//! Where the local chain's tools live.
//!
//! Contract artifacts are embedded at build time (`roflgov-contracts`), so nothing here is
//! needed for talking to a running chain. Only a local chain needs anvil: it is taken from
//! `ANVIL`, else the `PATH`, else the project's own npm install (`@foundry-rs/anvil`'s platform
//! package) when this binary was built from a checkout or runs inside one.

use std::path::{Path, PathBuf};

use roflgov_contracts::ArtifactError;

/// Errors locating tools or reading artifacts.
#[derive(Debug, thiserror::Error)]
pub enum ToolchainError {
    /// No checkout of the project could be found.
    #[error("cannot find the roflgov project root (a folder with foundry.toml); set ROFLGOV_ROOT")]
    NoProjectRoot,
    /// A Foundry tool is neither configured, on the PATH nor in the project's npm install.
    #[error(
        "{tool} not found: set {env}=/path/to/{tool}, put Foundry's {tool} on the PATH \
         (https://getfoundry.sh), or run `npm ci` in a roflgov checkout{looked}"
    )]
    ToolMissing {
        /// `anvil`, `forge`, ...
        tool: String,
        /// The variable that names it (`ANVIL`).
        env: String,
        /// Where the project's npm install was looked for, if anywhere.
        looked: String,
    },
    /// `ANVIL` (or another tool variable) names a file that does not exist.
    #[error("{env}={path} is not a file")]
    ConfiguredToolMissing {
        /// The variable.
        env: String,
        /// Its value.
        path: PathBuf,
    },
    /// An embedded artifact is unusable.
    #[error(transparent)]
    Artifact(#[from] ArtifactError),
}

/// A checkout of the project, for tools that live in it (`make bench`, anvil from npm):
/// `ROFLGOV_ROOT`, else the folder this crate was built from when it still holds the project,
/// else the nearest ancestor of the working directory holding `foundry.toml`.
pub fn project_root() -> Result<PathBuf, ToolchainError> {
    if let Some(root) = std::env::var_os("ROFLGOV_ROOT") {
        return Ok(PathBuf::from(root));
    }
    let built_from = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    if built_from.join("foundry.toml").is_file() {
        return Ok(built_from.canonicalize().unwrap_or(built_from));
    }
    let mut dir = std::env::current_dir().map_err(|_| ToolchainError::NoProjectRoot)?;
    loop {
        if dir.join("foundry.toml").is_file() {
            return Ok(dir);
        }
        if !dir.pop() {
            return Err(ToolchainError::NoProjectRoot);
        }
    }
}

/// The npm platform suffix of the Foundry packages for this machine (`linux-amd64`, ...).
fn npm_platform() -> String {
    let os = match std::env::consts::OS {
        "macos" => "darwin",
        "windows" => "win32",
        other => other,
    };
    let arch = match std::env::consts::ARCH {
        "x86_64" => "amd64",
        "aarch64" => "arm64",
        other => other,
    };
    format!("{os}-{arch}")
}

/// The first executable file called `tool` in the `PATH`.
fn on_path(tool: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path).map(|dir| dir.join(tool)).find(|candidate| candidate.is_file())
}

/// Path of a Foundry binary (`anvil`, `forge`, `cast`): the variable named after it in upper
/// case, else the `PATH`, else the project's npm install.
pub fn foundry_binary(tool: &str) -> Result<PathBuf, ToolchainError> {
    let env = tool.to_uppercase();
    if let Some(path) = std::env::var_os(&env) {
        let path = PathBuf::from(path);
        return if path.is_file() {
            Ok(path)
        } else {
            Err(ToolchainError::ConfiguredToolMissing { env, path })
        };
    }
    if let Some(path) = on_path(tool) {
        return Ok(path);
    }
    let looked = match project_root() {
        Ok(root) => {
            let path = root
                .join("node_modules/@foundry-rs")
                .join(format!("{tool}-{}", npm_platform()))
                .join("bin")
                .join(tool);
            if path.is_file() {
                return Ok(path);
            }
            format!(" (looked in {})", path.display())
        }
        Err(_) => String::new(),
    };
    Err(ToolchainError::ToolMissing { tool: tool.to_string(), env, looked })
}

/// Path of the anvil binary.
pub fn anvil_binary() -> Result<PathBuf, ToolchainError> {
    foundry_binary("anvil")
}
