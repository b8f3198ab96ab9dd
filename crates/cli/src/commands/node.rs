//! `roflgov node`: a persistent local chain for multi-step flows across invocations.
//!
//! With `--state FILE` the chain survives restarts: anvil loads FILE when it exists and writes
//! it back when the node stops (anvil `--state`; alloy stops anvil with SIGTERM, which makes
//! anvil dump). Contracts, balances, the ROFL stand-in's registrations (kept in its contract
//! storage) and the blocks all come back. anvil restarts its clock from the wall clock, which
//! would move chain time backwards after `evm_increaseTime`: the node sets the clock to the
//! last block's time instead (`anvil_setTime`), so the stand-in's epochs never go back.
//!
//! Epochs: the ROFL stand-in's epoch is `block.timestamp / 600` (`STAND_IN_EPOCH_SECONDS`;
//! about an hour on Sapphire). ROFL registrations expire with it, so the node prints the
//! epoch length and how to move the clock: `cast rpc evm_increaseTime 600 && cast rpc
//! evm_mine`, or, from Rust, `roflgov_devnet::advance_epochs(provider, n)` against any
//! anvil with the stand-in (tests use `LocalChain::advance_epochs`, with no `roflgov node`).
//!
//! Machines: the roflmarket stand-in is installed too, and a simulated provider (the last dev
//! account, `roflgov_devnet::SimulatedProvider`) accepts machines and carries out their
//! commands every 2 s; `--bundle HASH=ID` tells it which identity a manifest boots.

use alloy::{
    node_bindings::Anvil,
    providers::{Provider, ProviderBuilder, ext::AnvilApi},
};
use clap::Args;
use roflgov_client::machines::MARKET_STAND_IN;
use roflgov_client::{rofl::STAND_IN_EPOCH_SECONDS, sapphire::SAPPHIRE_LOCALNET};
use roflgov_contracts::Artifact;
use roflgov_core::rofl::subcall::SUBCALL_PRECOMPILE;
use roflgov_devnet::{OfferSpec, SimulatedProvider, proxy::SapphireRpcProxy, toolchain::anvil_binary};
use serde::Serialize;

use crate::{
    context::GlobalArgs,
    exit::{CliResult, chain, usage},
    output::{Table, emit},
};

#[derive(Args, Debug)]
pub(crate) struct NodeArgs {
    /// Port to listen on (network `local` expects 8545).
    #[arg(long, default_value_t = 8545)]
    pub port: u16,
    /// Chain id (network `local` expects 31337; with --sapphire-rpc the default is Sapphire
    /// localnet's, 23293 = 0x5afd, by which clients know to send signed queries).
    #[arg(long)]
    pub chain_id: Option<u64>,
    /// Sapphire-RPC mode: a proxy on --port answers like Sapphire's RPC (unsigned eth_call and
    /// eth_estimateGas run with sender 0, signed queries carry their sender), anvil behind it.
    #[arg(long)]
    pub sapphire_rpc: bool,
    /// Number of prefunded dev accounts (1,000,000 ETH each, standard anvil mnemonic).
    #[arg(long, default_value_t = 10)]
    pub accounts: u16,
    /// Keep the chain in FILE: loaded at start when it exists, written when the node stops
    /// (Ctrl-C or SIGTERM). Without it the chain is gone when the node stops.
    #[arg(long, value_name = "FILE")]
    pub state: Option<std::path::PathBuf>,
    /// A bundle the simulated roflmarket provider can boot: `MANIFEST_HASH=IDENTITY` (0x hash,
    /// base64 identity as rofl.yaml writes it); a Deploy of it registers an instance with that
    /// identity. Repeatable. Deploys of other manifests are completed without an instance.
    #[arg(long, value_name = "HASH=ID", value_parser = parse_bundle)]
    pub bundle: Vec<(alloy::primitives::B256, roflgov_types::EnclaveIdentity)>,
}

fn parse_bundle(text: &str) -> Result<(alloy::primitives::B256, roflgov_types::EnclaveIdentity), String> {
    let (hash, id) =
        text.split_once('=').ok_or_else(|| format!("{text:?}: expected MANIFEST_HASH=IDENTITY"))?;
    let hash = hash.trim().parse().map_err(|e| format!("{hash:?} is not a 0x manifest hash: {e}"))?;
    let id = id.parse().map_err(|e: roflgov_types::IdentityTextError| e.to_string())?;
    Ok((hash, id))
}

#[derive(Serialize)]
struct NodeInfo {
    endpoint: String,
    /// Whether the endpoint is the Sapphire-RPC proxy (queries as on Sapphire).
    sapphire_rpc: bool,
    chain_id: u64,
    rofl_stand_in: String,
    /// Length of a stand-in epoch in seconds of chain time (registrations expire by epoch).
    epoch_seconds: u64,
    /// The state file, when the chain is kept.
    #[serde(skip_serializing_if = "Option::is_none")]
    state_file: Option<String>,
    /// Whether the chain was loaded from the state file (false: a new chain).
    restored: bool,
    /// Latest block number at start.
    block: u64,
    accounts: Vec<DevAccount>,
}

#[derive(Serialize)]
struct DevAccount {
    address: String,
    private_key: String,
}

pub(crate) async fn run(g: &GlobalArgs, args: NodeArgs) -> CliResult {
    // Listen for Ctrl-C and SIGTERM before anvil starts: a stop request during start-up must
    // still stop anvil properly (which writes --state), never orphan it.
    let shutdown = Shutdown::listen()?;
    let binary = anvil_binary().map_err(usage)?;
    let artifact = Artifact::embedded("RoflModuleStandIn").map_err(usage)?;
    let restored = args.state.as_deref().is_some_and(std::path::Path::exists);
    if let Some(path) = &args.state
        && path.exists()
        && !path.is_file()
    {
        return Err(usage(format!("--state {}: not a regular file", path.display())));
    }
    let default_chain_id = if args.sapphire_rpc { SAPPHIRE_LOCALNET } else { 31337 };
    let chain_id = args.chain_id.unwrap_or(default_chain_id);
    let mut builder = Anvil::at(binary);
    // In Sapphire-RPC mode the proxy takes --port and anvil a free port behind it.
    if !args.sapphire_rpc {
        builder = builder.port(args.port);
    }
    let mut builder = builder
        .chain_id(chain_id)
        .args(["--hardfork", "shanghai", "--balance", "1000000"])
        .arg("--accounts")
        .arg(args.accounts.to_string());
    if let Some(path) = &args.state {
        builder = builder.arg("--state").arg(path.as_os_str());
    }
    let anvil = builder.try_spawn().map_err(|e| {
        chain(match &args.state {
            Some(p) if restored => format!(
                "starting anvil on port {} with the state in {}: {e} (is it a state file written by `roflgov node --state`?)",
                args.port,
                p.display()
            ),
            _ => format!("starting anvil on port {}: {e}", args.port),
        })
    })?;
    let provider = ProviderBuilder::new().connect_http(anvil.endpoint_url());
    let latest = provider
        .get_block_by_number(alloy::eips::BlockNumberOrTag::Latest)
        .await
        .map_err(|e| chain(format!("reading the latest block: {e}")))?
        .ok_or_else(|| chain("the local chain has no latest block"))?;
    if restored {
        // anvil restarts its clock from the wall clock: never let chain time go backwards.
        let wall = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or_default();
        if latest.header.timestamp >= wall {
            provider
                .anvil_set_time(latest.header.timestamp + 1)
                .await
                .map_err(|e| chain(format!("restoring the chain clock: {e}")))?;
        }
    }
    provider
        .anvil_set_code(SUBCALL_PRECOMPILE, artifact.deployed_bytecode().map_err(usage)?)
        .await
        .map_err(|e| chain(format!("installing the ROFL stand-in: {e}")))?;
    let market = Artifact::embedded("RoflMarketStandIn").map_err(usage)?;
    provider
        .anvil_set_code(MARKET_STAND_IN, market.deployed_bytecode().map_err(usage)?)
        .await
        .map_err(|e| chain(format!("installing the roflmarket stand-in: {e}")))?;
    // The simulated roflmarket provider signs with the last dev account.
    let provider_key = anvil.keys().last().cloned().ok_or_else(|| usage("--accounts must be at least 1"))?;
    let provider_account = alloy::signers::local::PrivateKeySigner::from(provider_key);
    let provider_address = provider_account.address();
    let sim_rpc = ProviderBuilder::new()
        .with_simple_nonce_management()
        .wallet(alloy::network::EthereumWallet::new(provider_account))
        .connect_http(anvil.endpoint_url())
        .erased();
    let mut simulated = SimulatedProvider::start(sim_rpc, provider_address, &OfferSpec::default())
        .await
        .map_err(|e| chain(format!("starting the simulated roflmarket provider: {e}")))?;
    for (hash, identity) in &args.bundle {
        simulated.add_bundle(*hash, *identity);
    }
    let chain_id = provider.get_chain_id().await.map_err(|e| chain(e.to_string()))?;
    let proxy =
        match args.sapphire_rpc {
            true => Some(SapphireRpcProxy::start_on(args.port, anvil.endpoint(), chain_id).await.map_err(
                |e| chain(format!("starting the Sapphire-RPC proxy on port {}: {e:#}", args.port)),
            )?),
            false => None,
        };

    let info = NodeInfo {
        endpoint: proxy.as_ref().map_or_else(|| anvil.endpoint(), SapphireRpcProxy::endpoint),
        sapphire_rpc: args.sapphire_rpc,
        chain_id,
        rofl_stand_in: SUBCALL_PRECOMPILE.to_string(),
        epoch_seconds: STAND_IN_EPOCH_SECONDS,
        state_file: args.state.as_ref().map(|p| p.display().to_string()),
        restored,
        block: latest.header.number,
        accounts: anvil
            .addresses()
            .iter()
            .zip(anvil.keys())
            .map(|(a, k)| DevAccount {
                address: a.to_string(),
                private_key: format!("0x{}", hex::encode(k.to_bytes())),
            })
            .collect(),
    };
    emit(g.json, &info, || {
        let mut t = Table::new();
        t.row("endpoint", &info.endpoint).row("chain id", info.chain_id);
        if info.sapphire_rpc {
            t.row(
                "Sapphire RPC",
                "unsigned eth_call/eth_estimateGas run with sender 0; signed queries carry the sender (local stand-in)",
            );
        }
        match &info.state_file {
            Some(f) if info.restored => {
                t.row("state", format!("restored from {f} at block {}; saved there on stop", info.block))
            }
            Some(f) => t.row(
                "state",
                format!("new chain; saved to {f} on stop (Ctrl-C), restored by the same command"),
            ),
            None => t.row("state", "not kept (pass --state FILE to keep the chain across restarts)"),
        };
        t.row("ROFL stand-in", format!("{} (local stand-in for Sapphire's rofl module)", info.rofl_stand_in));
        t.row(
            "roflmarket",
            format!(
                "stand-in at {MARKET_STAND_IN}; simulated provider {} (dev account {provider_address}) accepts machines and runs their commands every 2 s",
                roflgov_types::ids::Address(simulated.id().0)
            ),
        );
        t.row(
            "ROFL epoch",
            format!(
                "{} s of chain time (block.timestamp / {}; about an hour on Sapphire); registrations expire by epoch: advance with  cast rpc evm_increaseTime {} --rpc-url {} && cast rpc evm_mine --rpc-url {}",
                info.epoch_seconds, info.epoch_seconds, info.epoch_seconds, info.endpoint, info.endpoint
            ),
        );
        let mut out = format!(
            "local chain running (anvil, Shanghai)\n{}\ndev accounts (well-known test keys, never use them on a real network)\n",
            t.render()
        );
        let mut a = Table::new().indent(2);
        for (i, acc) in info.accounts.iter().enumerate() {
            a.row(format!("({i}) {}", acc.address), &acc.private_key);
        }
        out.push_str(&a.render());
        out.push_str("\nuse a key with e.g.  export DEV0=<private key>; roflgov --network local --key-env DEV0 …\npress Ctrl-C to stop\n");
        out
    });
    // The result is printed now (with --json too): the chain keeps running until Ctrl-C.
    crate::output::flush_json();

    // The provider's scheduler: accept machines and carry out their commands every few seconds.
    let scheduler = async {
        loop {
            tokio::time::sleep(std::time::Duration::from_secs(2)).await;
            match simulated.run_once().await {
                Ok(step) => {
                    for id in &step.accepted {
                        eprintln!("roflmarket provider: accepted machine {id}");
                    }
                    for c in &step.executed {
                        eprintln!(
                            "roflmarket provider: machine {} ran {} → {:?}",
                            c.machine, c.method, c.registration
                        );
                    }
                }
                Err(e) => eprintln!("roflmarket provider: {e}"),
            }
        }
    };
    tokio::select! {
        () = shutdown.wait() => {}
        () = scheduler => {}
    }
    eprintln!("stopping the local chain");
    drop(proxy);
    // Dropping stops anvil with SIGTERM (and waits for it): anvil writes --state then.
    drop(anvil);
    if let Some(path) = &args.state {
        eprintln!("chain state saved to {}", path.display());
    }
    Ok(())
}

/// Ctrl-C and SIGTERM, registered when created.
struct Shutdown {
    #[cfg(unix)]
    interrupt: tokio::signal::unix::Signal,
    #[cfg(unix)]
    terminate: tokio::signal::unix::Signal,
}

impl Shutdown {
    fn listen() -> CliResult<Self> {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{SignalKind, signal};
            let handler = |e| chain(format!("cannot handle signals: {e}"));
            Ok(Self {
                interrupt: signal(SignalKind::interrupt()).map_err(handler)?,
                terminate: signal(SignalKind::terminate()).map_err(handler)?,
            })
        }
        #[cfg(not(unix))]
        Ok(Self {})
    }

    async fn wait(mut self) {
        #[cfg(unix)]
        tokio::select! {
            _ = self.interrupt.recv() => {}
            _ = self.terminate.recv() => {}
        }
        #[cfg(not(unix))]
        {
            let _ = tokio::signal::ctrl_c().await;
        }
    }
}
