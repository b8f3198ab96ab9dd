//! Global options shared by every command, and what they resolve to: the network, a provider
//! (checked to be on the expected chain) and the signing key.

use std::path::PathBuf;

use alloy::{
    network::EthereumWallet,
    primitives::Address,
    providers::{DynProvider, Provider, ProviderBuilder},
    signers::local::PrivateKeySigner,
};
use clap::Args;

use crate::{
    config::{self, Network},
    exit::{CliResult, chain, usage},
    keys::KeyArgs,
};

/// Options accepted by every command.
#[derive(Args, Clone, Debug, Default)]
pub(crate) struct GlobalArgs {
    /// Network: mainnet, testnet, localnet (Sapphire), local (`roflgov node`), or a
    /// [networks.NAME] table of roflgov.toml.
    #[arg(long, global = true, env = "ROFLGOV_NETWORK", default_value = "local", value_name = "NAME")]
    pub network: String,
    /// Configuration file with networks and contract addresses [default: ./roflgov.toml when
    /// present].
    #[arg(long, global = true, env = "ROFLGOV_CONFIG", value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// JSON-RPC endpoint, overriding the network's.
    #[arg(long, global = true, value_name = "URL")]
    pub rpc: Option<String>,
    /// Oasis node (gRPC-web) the ROFL module's state is read from on Sapphire Mainnet/Testnet,
    /// overriding the network's [default: https://grpc.oasis.io, https://testnet.grpc.oasis.io].
    #[arg(long, global = true, env = "ROFLGOV_GRPC", value_name = "URL")]
    pub grpc: Option<String>,
    /// Policy contract (RoflAppAdmin) address, overriding the network's.
    #[arg(long, global = true, value_name = "ADDRESS")]
    pub policy_contract: Option<Address>,
    /// Safe address, overriding the network's.
    #[arg(id = "safe_address", long = "safe-address", global = true, value_name = "ADDRESS")]
    pub safe: Option<Address>,
    /// Governor address, overriding the network's.
    #[arg(id = "governor_address", long = "governor-address", global = true, value_name = "ADDRESS")]
    pub governor: Option<Address>,
    /// Print machine-readable JSON on stdout instead of human output.
    #[arg(long, global = true)]
    pub json: bool,
    #[command(flatten)]
    pub keys: KeyArgs,
    /// Set by `deploy --save`: a named config file that does not exist yet is created (and read
    /// as empty) instead of refused.
    #[arg(skip)]
    pub config_may_be_new: bool,
}

impl GlobalArgs {
    /// Checks made before any command runs: a named config file exists (unless the command
    /// creates it), `--key-env` is a variable name (never echoing what was given instead).
    pub(crate) fn validate(&self) -> CliResult {
        if let Some(path) = &self.config
            && !self.config_may_be_new
        {
            config::ensure_exists(path)?;
        }
        if let Some(var) = &self.keys.key_env {
            crate::keys::check_var_name(var)?;
        }
        Ok(())
    }

    /// The selected network: flags over roflgov.toml over the built-in defaults.
    pub(crate) fn network(&self) -> CliResult<Network> {
        let flags = Network {
            rpc: self.rpc.clone(),
            // An explicit --rpc on the `local` network talks to whatever chain is there (tests
            // start anvil on a random port): take the chain id from the endpoint.
            chain_id: None,
            grpc: self.grpc.clone(),
            policy_contract: self.policy_contract,
            safe: self.safe,
            governor: self.governor,
            ..Default::default()
        };
        config::resolve(&self.network, self.config.as_deref(), self.config_may_be_new, flags)
    }

    /// A read-only provider for the selected network, checked to be on the expected chain.
    pub(crate) async fn provider(&self) -> CliResult<(Network, DynProvider)> {
        let network = self.network()?;
        let provider = connect(&network, None).await?;
        Ok((network, provider))
    }

    /// A provider that signs with the configured key, and that key.
    pub(crate) async fn signing_provider(&self) -> CliResult<(Network, DynProvider, PrivateKeySigner)> {
        let signer = self.keys.signer()?;
        let network = self.network()?;
        let provider = connect(&network, Some(signer.clone())).await?;
        Ok((network, provider, signer))
    }
}

/// Connects to the network's RPC and checks its chain id: signing for the wrong chain must fail
/// before anything is sent.
pub(crate) async fn connect(network: &Network, signer: Option<PrivateKeySigner>) -> CliResult<DynProvider> {
    let rpc = network.rpc.as_deref().ok_or_else(|| usage("the network has no rpc endpoint: pass --rpc"))?;
    let url: alloy::transports::http::reqwest::Url =
        rpc.parse().map_err(|e| usage(format!("invalid rpc url {rpc:?}: {e}")))?;
    let provider = match signer {
        Some(signer) => ProviderBuilder::new().wallet(EthereumWallet::new(signer)).connect_http(url).erased(),
        None => ProviderBuilder::new().connect_http(url).erased(),
    };
    let actual = provider.get_chain_id().await.map_err(|e| chain(format!("cannot reach {rpc}: {e}")))?;
    if let Some(expected) = network.chain_id
        && expected != actual
    {
        return Err(chain(format!(
            "wrong chain: {rpc} is chain id {actual}, the network expects {expected}; nothing was sent"
        )));
    }
    Ok(provider)
}

/// Refuses an address without code: a wrong address (or the right one on the wrong network)
/// would otherwise surface as an opaque "returned no data".
pub(crate) async fn ensure_code(provider: &DynProvider, address: Address, what: &str) -> CliResult {
    let code = provider
        .get_code_at(address)
        .await
        .map_err(|e| chain(format!("reading the code of the {what} {address}: {e}")))?;
    if code.is_empty() {
        return Err(chain(format!(
            "no contract at {address} (the {what} of this network): wrong address or wrong network; nothing was sent"
        )));
    }
    Ok(())
}

/// The policy contract of the network, or a usage error saying how to give it.
pub(crate) fn require_policy_contract(network: &Network) -> CliResult<Address> {
    network.policy_contract.ok_or_else(|| {
        usage("no policy contract for this network: pass --policy-contract or set policy_contract in roflgov.toml (`roflgov deploy --save` writes it)")
    })
}
