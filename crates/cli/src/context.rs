//! Global options shared by every command, and what they resolve to: the network, a provider
//! (checked to be on the expected chain) and the signing key.

use std::path::PathBuf;

use alloy::{
    network::EthereumWallet,
    primitives::Address,
    providers::{DynProvider, Provider, ProviderBuilder},
    rpc::client::ClientBuilder,
    signers::local::PrivateKeySigner,
};
use clap::Args;
use roflgov_client::sapphire::SapphireLayer;

use crate::{
    config::{self, Network},
    exit::{CliResult, chain, usage},
    keys::KeyArgs,
};

/// Default `--rpc-timeout`: public Sapphire endpoints answer in well under a second.
pub(crate) const DEFAULT_RPC_TIMEOUT: u64 = 30;

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
    /// Seconds to wait for each JSON-RPC answer before giving up with an error naming the
    /// endpoint.
    #[arg(long, global = true, env = "ROFLGOV_RPC_TIMEOUT", default_value_t = DEFAULT_RPC_TIMEOUT, value_name = "SECONDS", value_parser = clap::value_parser!(u64).range(1..))]
    pub rpc_timeout: u64,
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
        let provider = connect(&network, None, self.timeout()).await?;
        self.check_file_contracts(&network, &provider).await?;
        Ok((network, provider))
    }

    /// A provider that signs with the configured key, and that key.
    pub(crate) async fn signing_provider(&self) -> CliResult<(Network, DynProvider, PrivateKeySigner)> {
        let signer = self.keys.signer()?;
        let network = self.network()?;
        let provider = connect(&network, Some(signer.clone()), self.timeout()).await?;
        self.check_file_contracts(&network, &provider).await?;
        Ok((network, provider, signer))
    }

    fn timeout(&self) -> std::time::Duration {
        // `Default` (tests, internal clones) leaves 0: use the default then.
        std::time::Duration::from_secs(if self.rpc_timeout == 0 {
            DEFAULT_RPC_TIMEOUT
        } else {
            self.rpc_timeout
        })
    }

    /// Refuses a stale config file: every contract address it gives this network (and no flag
    /// overrides) must have code on the chain. A local chain restarted without its state
    /// (`roflgov node` without `--state`) otherwise shows up later as opaque failures. `deploy
    /// --save` rewrites the file and is not checked.
    async fn check_file_contracts(&self, network: &Network, provider: &DynProvider) -> CliResult {
        if self.config_may_be_new {
            return Ok(());
        }
        let Some((path, contracts)) = config::file_contracts(&self.network, self.config.as_deref())? else {
            return Ok(());
        };
        let overridden = |key: &str| match key {
            "policy_contract" => self.policy_contract.is_some(),
            "safe" => self.safe.is_some(),
            "governor" => self.governor.is_some(),
            _ => false,
        };
        let mut checks = tokio::task::JoinSet::new();
        for (key, address) in contracts.into_iter().filter(|(k, _)| !overridden(k)) {
            let provider = provider.clone();
            checks.spawn(async move { (key, address, provider.get_code_at(address).await) });
        }
        let rpc = network.rpc.as_deref().unwrap_or_default();
        let mut missing = Vec::new();
        while let Some(joined) = checks.join_next().await {
            let (key, address, code) =
                joined.map_err(|e| chain(format!("checking the config's contracts: {e}")))?;
            let code = code.map_err(|e| {
                chain(format!("{rpc}: reading the code at {address} ({key} in {}): {e}", path.display()))
            })?;
            if code.is_empty() {
                missing.push(format!("`{key}` = {address}"));
            }
        }
        if missing.is_empty() {
            return Ok(());
        }
        missing.sort();
        Err(chain(format!(
            "{}: [networks.{}] names contracts that are not on the chain at {rpc} (no code there): {}. The file is stale (a local chain restarted without its state? keep it with `roflgov node --state FILE`) or the network is wrong: redeploy with `roflgov deploy --save` or fix the file; nothing was sent",
            path.display(),
            text_escape(&self.network),
            missing.join(", ")
        )))
    }
}

fn text_escape(s: &str) -> String {
    roflgov_core::text::escape(s)
}

/// Connects to the network's RPC and checks its chain id: signing for the wrong chain must fail
/// before anything is sent. Every request gives up after `timeout` (an unanswered request would
/// otherwise hang for ever).
pub(crate) async fn connect(
    network: &Network,
    signer: Option<PrivateKeySigner>,
    timeout: std::time::Duration,
) -> CliResult<DynProvider> {
    use alloy::transports::http::reqwest;
    let rpc = network.rpc.as_deref().ok_or_else(|| usage("the network has no rpc endpoint: pass --rpc"))?;
    let url: reqwest::Url = rpc.parse().map_err(|e| usage(format!("invalid rpc url {rpc:?}: {e}")))?;
    let http = reqwest::Client::builder()
        .timeout(timeout)
        .connect_timeout(timeout)
        .build()
        .map_err(|e| chain(format!("{rpc}: cannot set up an HTTP client: {e}")))?;
    // On Sapphire, the layer turns the key's sender-dependent dry runs and gas estimates into
    // signed queries, and refuses any other account's (they would run as sender 0).
    let client = |keys: Vec<PrivateKeySigner>| {
        let transport = alloy::transports::http::Http::with_client(http.clone(), url.clone());
        let is_local = transport.guess_local();
        ClientBuilder::default().layer(SapphireLayer::new(keys)).transport(transport, is_local)
    };
    let provider = match signer {
        Some(signer) => ProviderBuilder::new()
            .wallet(EthereumWallet::new(signer.clone()))
            .connect_client(client(vec![signer]))
            .erased(),
        None => ProviderBuilder::new().connect_client(client(Vec::new())).erased(),
    };
    let actual = provider.get_chain_id().await.map_err(|e| {
        chain(format!(
            "cannot reach {rpc}: {}{}",
            error_chain(&e),
            if is_timeout(&e) {
                format!(" (no answer within {} s; see --rpc-timeout)", timeout.as_secs())
            } else {
                String::new()
            }
        ))
    })?;
    if let Some(expected) = network.chain_id
        && expected != actual
    {
        return Err(chain(format!(
            "wrong chain: {rpc} is chain id {actual}, the network expects {expected}; nothing was sent"
        )));
    }
    Ok(provider)
}

/// An error with its causes (`a: b: c`): reqwest says "error sending request" and keeps the
/// reason (timed out, connection refused) in its source.
fn error_chain(e: &dyn std::error::Error) -> String {
    let mut out = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        let text = s.to_string();
        if !out.contains(&text) {
            out.push_str(": ");
            out.push_str(&text);
        }
        source = s.source();
    }
    out
}

fn is_timeout(e: &(dyn std::error::Error + 'static)) -> bool {
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(s) = source {
        if s.downcast_ref::<alloy::transports::http::reqwest::Error>().is_some_and(|r| r.is_timeout()) {
            return true;
        }
        source = s.source();
    }
    false
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
