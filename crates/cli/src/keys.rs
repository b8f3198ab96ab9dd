//! Signing keys: from an encrypted keystore file (password from the environment or typed at a
//! prompt) or from an environment variable. Never from a plain command-line argument, which
//! would end up in shell history and process listings.

use std::path::PathBuf;

use alloy::signers::local::PrivateKeySigner;
use clap::Args;

use crate::exit::{CliResult, usage, verification};

/// Where the signing key comes from.
#[derive(Args, Clone, Debug, Default)]
pub(crate) struct KeyArgs {
    /// Encrypted JSON keystore (Web3 Secret Storage, as written by `cast wallet new` or geth).
    /// The password is read from ROFLGOV_KEYSTORE_PASSWORD, else asked for on the terminal.
    #[arg(long, value_name = "FILE", global = true)]
    pub keystore: Option<PathBuf>,
    /// Name of an environment variable holding a hex private key.
    #[arg(long, value_name = "VAR", global = true)]
    pub key_env: Option<String>,
}

impl KeyArgs {
    /// Load the signer.
    pub(crate) fn signer(&self) -> CliResult<PrivateKeySigner> {
        match (&self.keystore, &self.key_env) {
            (Some(_), Some(_)) => Err(usage("give either --keystore or --key-env, not both")),
            (Some(path), None) => {
                let password = match std::env::var("ROFLGOV_KEYSTORE_PASSWORD") {
                    Ok(p) => p,
                    Err(_) => prompt_password(&format!("password for {}: ", path.display()))?,
                };
                PrivateKeySigner::decrypt_keystore(path, password)
                    .map_err(|e| verification(format!("cannot open keystore {}: {e}", path.display())))
            }
            (None, Some(var)) => {
                let hex = std::env::var(var)
                    .map_err(|_| usage(format!("environment variable {var} is not set")))?;
                hex.trim()
                    .parse::<PrivateKeySigner>()
                    .map_err(|_| usage(format!("environment variable {var} does not hold a hex private key")))
            }
            (None, None) => Err(usage("this command signs: give --keystore FILE or --key-env VAR")),
        }
    }
}

fn prompt_password(prompt: &str) -> CliResult<String> {
    use std::io::IsTerminal;
    if !std::io::stdin().is_terminal() {
        return Err(usage("no terminal to ask for the keystore password: set ROFLGOV_KEYSTORE_PASSWORD"));
    }
    rpassword::prompt_password(prompt).map_err(|e| usage(format!("reading the password: {e}")))
}
