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
                check_var_name(var)?;
                // Neither the value nor the parse error (which may quote it) is ever shown.
                let hex = std::env::var(var).map_err(|e| match e {
                    std::env::VarError::NotPresent => usage(format!("environment variable {var} is not set")),
                    std::env::VarError::NotUnicode(_) => usage(format!(
                        "environment variable {var} does not hold a hex private key (not UTF-8)"
                    )),
                })?;
                hex.trim()
                    .parse::<PrivateKeySigner>()
                    .map_err(|_| usage(format!("environment variable {var} does not hold a hex private key")))
            }
            (None, None) => Err(usage("this command signs: give --keystore FILE or --key-env VAR")),
        }
    }
}

/// Refuses a `--key-env` value that is not a variable name, without showing it: the usual
/// mistake is the key itself, which must not be printed again.
pub(crate) fn check_var_name(var: &str) -> CliResult {
    let hex = var.strip_prefix("0x").or_else(|| var.strip_prefix("0X")).unwrap_or(var);
    if hex.len() >= 32 && hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(usage(
            "--key-env takes the NAME of an environment variable holding the key (e.g. `--key-env DEPLOYER_KEY` after `export DEPLOYER_KEY=…`), not the key itself; the value given looks like a private key and is not shown. If it is a real key, it is now in your shell history: treat it as exposed",
        ));
    }
    let mut bytes = var.bytes();
    let valid = bytes.next().is_some_and(|b| b == b'_' || b.is_ascii_alphabetic())
        && bytes.all(|b| b == b'_' || b.is_ascii_alphanumeric());
    if !valid {
        return Err(usage(
            "--key-env takes the NAME of an environment variable holding the key (letters, digits and `_`, e.g. DEPLOYER_KEY); the value given is not a variable name (not shown)",
        ));
    }
    Ok(())
}

/// Replaces what looks like a private key (64 hex digits, with or without `0x`) in `text`: clap
/// quotes offending arguments in its errors, and a key pasted in the wrong place must not be
/// printed again.
pub(crate) fn redact_keys(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < bytes.len() {
        let start = if bytes[i..].starts_with(b"0x") || bytes[i..].starts_with(b"0X") { i + 2 } else { i };
        let run = bytes[start..].iter().take_while(|b| b.is_ascii_hexdigit()).count();
        let at_boundary = i == 0 || !bytes[i - 1].is_ascii_alphanumeric();
        if at_boundary && run >= 64 {
            out.push_str("<redacted: looks like a private key>");
            i = start + run;
        } else {
            let ch = text[i..].chars().next().expect("in bounds");
            out.push(ch);
            i += ch.len_utf8();
        }
    }
    out
}

fn prompt_password(prompt: &str) -> CliResult<String> {
    use std::io::IsTerminal;
    if !std::io::stdin().is_terminal() {
        return Err(usage("no terminal to ask for the keystore password: set ROFLGOV_KEYSTORE_PASSWORD"));
    }
    rpassword::prompt_password(prompt).map_err(|e| usage(format!("reading the password: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn var_names() {
        let key = format!("0x{}", "ab".repeat(32));
        let err = check_var_name(&key).unwrap_err().to_string();
        assert!(!err.contains(&key[2..]) && err.contains("NAME"), "{err}");
        assert!(check_var_name(&"ab".repeat(32)).is_err());
        assert!(check_var_name("1ABC").is_err());
        assert!(check_var_name("A B").is_err());
        assert!(check_var_name("DEPLOYER_KEY").is_ok());
        assert!(check_var_name("_k1").is_ok());
    }

    #[test]
    fn redaction() {
        let key = "cd".repeat(32);
        let text = format!("unexpected argument '0x{key}' found; also {key}. é 0x1234");
        let out = redact_keys(&text);
        assert!(!out.contains(&key), "{out}");
        assert!(out.ends_with("é 0x1234"), "{out}");
    }
}
