//! Networks and contract addresses: built-in Sapphire networks, extended or overridden by a
//! `roflgov.toml` file and command-line flags.
//!
//! ```toml
//! [networks.testnet]
//! policy_contract = "0x…"   # RoflAppAdmin
//! safe = "0x…"              # the Safe that owns it (Safe flow)
//! governor = "0x…"          # the Governor whose Timelock owns it (DAO flow)
//! from_block = 123456       # where event scans start (history, Governor proposals)
//!
//! [networks.staging]        # any other EVM endpoint
//! rpc = "http://10.0.0.5:8545"
//! chain_id = 23293
//!
//! [networks.mainnet]
//! grpc = "https://grpc.oasis.io" # Oasis node (gRPC-web) for the ROFL module's state
//! tx_service = "https://…/api"   # a Safe Transaction Service (`safe propose|confirm|fetch`)
//! ```

use std::{collections::BTreeMap, path::Path};

use alloy::primitives::Address;
use roflgov_core::text;
use serde::{Deserialize, Serialize};

use crate::exit::{CliResult, input, usage};

/// One network: where to reach it and which roflgov contracts live there.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Network {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rpc: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub chain_id: Option<u64>,
    /// The Oasis node (gRPC-web) the ROFL module's own state is read from on Sapphire Mainnet
    /// and Testnet [default: the public endpoint of the network].
    #[serde(skip_serializing_if = "Option::is_none")]
    pub grpc: Option<String>,
    /// The Safe Transaction Service (`safe propose|confirm|fetch`) [default: none; Safe runs no
    /// official one for Sapphire].
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tx_service: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub policy_contract: Option<Address>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub safe: Option<Address>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub governor: Option<Address>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timelock: Option<Address>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub token: Option<Address>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub multisend: Option<Address>,
    /// First block of the deployment: where event scans (history, Governor proposals) start.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub from_block: Option<u64>,
    /// The Safe v1.4.1 contracts of a chain without the canonical deployment (local chains).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub safe_contracts: Option<roflgov_safe::SafeDeployment>,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ConfigFile {
    #[serde(default)]
    networks: BTreeMap<String, Network>,
}

/// The built-in networks: Sapphire mainnet, testnet, localnet, and `local` (an anvil started with
/// `roflgov node`).
pub(crate) fn builtin(name: &str) -> Option<Network> {
    let (rpc, chain_id) = match name {
        "mainnet" => ("https://sapphire.oasis.io", 0x5afe),
        "testnet" => ("https://testnet.sapphire.oasis.io", 0x5aff),
        "localnet" => ("http://localhost:8545", 0x5afd),
        "local" => ("http://127.0.0.1:8545", 31337),
        _ => return None,
    };
    Some(Network { rpc: Some(rpc.into()), chain_id: Some(chain_id), ..Default::default() })
}

impl Network {
    /// Fill the fields `self` leaves unset from `base`.
    fn over(self, base: Network) -> Network {
        Network {
            rpc: self.rpc.or(base.rpc),
            chain_id: self.chain_id.or(base.chain_id),
            grpc: self.grpc.or(base.grpc),
            tx_service: self.tx_service.or(base.tx_service),
            policy_contract: self.policy_contract.or(base.policy_contract),
            safe: self.safe.or(base.safe),
            governor: self.governor.or(base.governor),
            timelock: self.timelock.or(base.timelock),
            token: self.token.or(base.token),
            multisend: self.multisend.or(base.multisend),
            from_block: self.from_block.or(base.from_block),
            safe_contracts: self.safe_contracts.or(base.safe_contracts),
        }
    }
}

/// Resolve network `name`: flags over the config file over the built-in defaults. A missing
/// default config file is fine; a named one that is missing (unless `may_be_new`: `deploy
/// --save` creates it) or malformed is an error. A named file is never replaced by
/// ./roflgov.toml.
pub(crate) fn resolve(
    name: &str,
    config_path: Option<&Path>,
    may_be_new: bool,
    flags: Network,
) -> CliResult<Network> {
    let default_path = Path::new("roflgov.toml");
    let file = match config_path {
        Some(path) if may_be_new && !path.exists() => None,
        Some(path) => {
            ensure_exists(path)?;
            Some(read_config(path)?)
        }
        None if default_path.is_file() => Some(read_config(default_path)?),
        None => None,
    };
    let from_file = file.and_then(|f| f.networks.get(name).cloned());
    let base = builtin(name);
    if from_file.is_none() && base.is_none() && flags.rpc.is_none() {
        return Err(usage(format!(
            "unknown network `{name}`: use mainnet, testnet, localnet, local, a [networks.{name}] table in roflgov.toml, or --rpc"
        )));
    }
    Ok(flags.over(from_file.unwrap_or_default()).over(base.unwrap_or_default()))
}

/// Contract addresses of one network in a config file: the file, and (key, address) pairs.
pub(crate) type FileContracts = (std::path::PathBuf, Vec<(&'static str, Address)>);

/// The contract addresses the config file gives network `name` (key, address), with the file
/// they come from; `None` without a file or without a table for `name`.
pub(crate) fn file_contracts(name: &str, config_path: Option<&Path>) -> CliResult<Option<FileContracts>> {
    let path = match config_path {
        Some(p) if p.is_file() => p.to_path_buf(),
        Some(_) => return Ok(None),
        None if Path::new("roflgov.toml").is_file() => "roflgov.toml".into(),
        None => return Ok(None),
    };
    let Some(n) = read_config(&path)?.networks.remove(name) else { return Ok(None) };
    let keys = [
        ("policy_contract", n.policy_contract),
        ("safe", n.safe),
        ("governor", n.governor),
        ("timelock", n.timelock),
        ("token", n.token),
        ("multisend", n.multisend),
    ];
    Ok(Some((path, keys.into_iter().filter_map(|(k, a)| a.map(|a| (k, a))).collect())))
}

/// A config file named by --config (or ROFLGOV_CONFIG) must exist: a typo must not fall back
/// to another file or to the built-in defaults.
pub(crate) fn ensure_exists(path: &Path) -> CliResult {
    if path.exists() {
        return Ok(());
    }
    Err(usage(format!(
        "config file {} does not exist (named by --config or ROFLGOV_CONFIG); nothing was read",
        path.display()
    )))
}

fn read_config(path: &Path) -> CliResult<ConfigFile> {
    let text = std::fs::read_to_string(path).map_err(|e| input(format!("{}: {e}", path.display())))?;
    let doc: toml::Table = toml::from_str(&text).map_err(|e| input(format!("{}: {e}", path.display())))?;
    check_addresses(path, &doc)?;
    toml::from_str(&text).map_err(|e| input(format!("{}: {e}", path.display())))
}

/// Refuses a mixed-case address with a wrong EIP-55 checksum anywhere in the file (a usage
/// error, like a bad address flag), naming the field.
fn check_addresses(path: &Path, doc: &toml::Table) -> CliResult {
    let value = serde_json::to_value(doc).map_err(|e| input(format!("{}: {e}", path.display())))?;
    crate::address::check_json_addresses(&value)
        .map_err(|e| usage(text::escape(&format!("{}: {e}", path.display()))))
}

/// Updates (or adds) `[networks.<name>]` of the config file at `path` with `edit`, writing the
/// file atomically. Other networks and unknown tables are kept as they are.
pub(crate) fn save_addresses(path: &Path, name: &str, edit: impl FnOnce(&mut Network)) -> CliResult {
    let mut doc: toml::Table = if path.is_file() {
        let text = std::fs::read_to_string(path).map_err(|e| input(format!("{}: {e}", path.display())))?;
        let doc = toml::from_str(&text).map_err(|e| input(format!("{}: {e}", path.display())))?;
        // Re-writing would print every address checksummed: a mistyped one would come out looking
        // valid.
        check_addresses(path, &doc)?;
        doc
    } else {
        toml::Table::new()
    };
    let networks = doc
        .entry("networks")
        .or_insert_with(|| toml::Value::Table(toml::Table::new()))
        .as_table_mut()
        .ok_or_else(|| input(format!("{}: `networks` is not a table", path.display())))?;
    let mut network: Network = match networks.get(name) {
        Some(v) => {
            v.clone().try_into().map_err(|e| input(format!("{}: networks.{name}: {e}", path.display())))?
        }
        None => Network::default(),
    };
    edit(&mut network);
    let value = toml::Value::try_from(&network).map_err(|e| input(e.to_string()))?;
    networks.insert(name.to_owned(), value);
    let text = toml::to_string_pretty(&doc).map_err(|e| input(e.to_string()))?;
    crate::fsutil::write_atomic(path, text.as_bytes())
}
