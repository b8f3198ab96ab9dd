//! A local chain for tests, the demo and benchmarks: a real anvil running Sapphire's EVM
//! (Shanghai) with the ROFL module stand-in installed behind the subcall precompile.
//!
//! The stand-in (`contracts/testing/RoflModuleStandIn.sol`) is the only part that is not the
//! real thing: Sapphire's `rofl` module cannot run outside Sapphire.

use alloy::{
    network::EthereumWallet,
    node_bindings::{Anvil, AnvilInstance},
    primitives::{Address, U256},
    providers::{DynProvider, Provider, ProviderBuilder, ext::AnvilApi},
    rpc::client::ClientBuilder,
    signers::local::PrivateKeySigner,
};
use eyre::{Context, Result};

use roflgov_client::sapphire::{SAPPHIRE_LOCALNET, SapphireLayer};
use roflgov_contracts::Artifact;

use crate::{proxy::SapphireRpcProxy, toolchain::anvil_binary};

use roflgov_client::machines::MARKET_STAND_IN;
use roflgov_core::rofl::subcall::SUBCALL_PRECOMPILE;

/// Options for [`LocalChain::start`].
#[derive(Clone, Debug)]
pub struct LocalChainOptions {
    /// Chain id of the local chain (anvil's default 31337 unless set).
    pub chain_id: u64,
    /// Install the ROFL stand-in at the subcall precompile address.
    pub rofl_stand_in: bool,
    /// Number of prefunded dev accounts.
    pub accounts: u16,
    /// Sapphire-RPC mode: put [`SapphireRpcProxy`] in front of anvil, so that unsigned
    /// `eth_call`/`eth_estimateGas` run with sender 0 and signed queries carry the sender, as
    /// on Sapphire. [`LocalChain::endpoint`] is then the proxy's.
    pub sapphire_rpc: bool,
}

impl Default for LocalChainOptions {
    fn default() -> Self {
        Self { chain_id: 31337, rofl_stand_in: true, accounts: 10, sapphire_rpc: false }
    }
}

impl LocalChainOptions {
    /// The options of the Sapphire-RPC mode: the proxy, and Sapphire localnet's chain id
    /// (0x5afd), by which clients know they talk to Sapphire.
    pub fn sapphire() -> Self {
        Self { chain_id: SAPPHIRE_LOCALNET, sapphire_rpc: true, ..Self::default() }
    }
}

/// A running anvil; it stops when this value is dropped.
pub struct LocalChain {
    anvil: AnvilInstance,
    proxy: Option<SapphireRpcProxy>,
    /// A provider that signs with every dev account.
    provider: DynProvider,
}

impl std::fmt::Debug for LocalChain {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LocalChain").field("endpoint", &self.endpoint()).finish_non_exhaustive()
    }
}

impl LocalChain {
    /// Start anvil (Shanghai) with the default options.
    pub async fn start() -> Result<Self> {
        Self::start_with(LocalChainOptions::default()).await
    }

    /// Start anvil (Shanghai) with `options`.
    pub async fn start_with(options: LocalChainOptions) -> Result<Self> {
        let anvil = Anvil::at(anvil_binary()?)
            .chain_id(options.chain_id)
            .arg("--hardfork")
            .arg("shanghai")
            .arg("--accounts")
            .arg(options.accounts.to_string())
            .arg("--balance")
            .arg("1000000")
            .try_spawn()
            .wrap_err("starting anvil")?;

        let signers: Vec<PrivateKeySigner> =
            anvil.keys().iter().cloned().map(PrivateKeySigner::from).collect();
        let mut wallet = EthereumWallet::new(signers[0].clone());
        for signer in &signers[1..] {
            wallet.register_signer(signer.clone());
        }
        let proxy = match options.sapphire_rpc {
            true => Some(SapphireRpcProxy::start(anvil.endpoint(), options.chain_id).await?),
            false => None,
        };
        let url = match &proxy {
            Some(proxy) => proxy.endpoint().parse().wrap_err("the proxy's endpoint")?,
            None => anvil.endpoint_url(),
        };
        // Every query goes through the Sapphire layer: on a Sapphire chain id it signs the dev
        // accounts' sender-dependent queries (elsewhere it changes nothing).
        let client = ClientBuilder::default().layer(SapphireLayer::new(signers)).http(url);
        let provider = ProviderBuilder::new()
            // A failed send must not leave a nonce gap that stalls every later transaction.
            .with_simple_nonce_management()
            .wallet(wallet)
            .connect_client(client)
            .erased();

        let chain = Self { anvil, proxy, provider };
        if options.rofl_stand_in {
            chain.install_rofl_stand_in().await?;
        }
        Ok(chain)
    }

    /// Put the ROFL module stand-in's runtime code at the subcall precompile address, and the
    /// roflmarket stand-in's at [`MARKET_STAND_IN`].
    pub async fn install_rofl_stand_in(&self) -> Result<()> {
        let artifact = Artifact::embedded("RoflModuleStandIn")?;
        self.provider
            .anvil_set_code(SUBCALL_PRECOMPILE, artifact.deployed_bytecode()?)
            .await
            .wrap_err("installing the ROFL stand-in")?;
        let market = Artifact::embedded("RoflMarketStandIn")?;
        self.provider
            .anvil_set_code(MARKET_STAND_IN, market.deployed_bytecode()?)
            .await
            .wrap_err("installing the roflmarket stand-in")?;
        Ok(())
    }

    /// A provider signing with every dev account (send from one with `.from(addr)`).
    pub fn provider(&self) -> &DynProvider {
        &self.provider
    }

    /// The HTTP endpoint of the chain (the Sapphire-RPC proxy's in that mode).
    pub fn endpoint(&self) -> String {
        match &self.proxy {
            Some(proxy) => proxy.endpoint(),
            None => self.anvil.endpoint(),
        }
    }

    /// anvil's own HTTP endpoint, behind the proxy in Sapphire-RPC mode.
    pub fn anvil_endpoint(&self) -> String {
        self.anvil.endpoint()
    }

    /// Whether the chain runs in Sapphire-RPC mode.
    pub fn is_sapphire_rpc(&self) -> bool {
        self.proxy.is_some()
    }

    /// The chain id anvil runs with.
    pub fn chain_id(&self) -> u64 {
        self.anvil.chain_id()
    }

    /// The prefunded dev accounts.
    pub fn accounts(&self) -> &[Address] {
        self.anvil.addresses()
    }

    /// The signer of dev account `index`.
    pub fn signer(&self, index: usize) -> PrivateKeySigner {
        PrivateKeySigner::from(self.anvil.keys()[index].clone())
    }

    /// Move the chain's clock forward and mine a block (no sleeping).
    pub async fn advance_time(&self, seconds: u64) -> Result<()> {
        self.provider.anvil_increase_time(seconds).await?;
        self.provider.anvil_mine(Some(1), None).await?;
        Ok(())
    }

    /// Move the chain's clock to the start of the stand-in's epoch `current + n` and mine a
    /// block (`evm_increaseTime` + mine; an epoch is
    /// [`roflgov_client::rofl::STAND_IN_EPOCH_SECONDS`] of chain time). Returns the new epoch. This is
    /// how tests let ROFL registrations expire.
    pub async fn advance_epochs(&self, n: u64) -> Result<u64> {
        Ok(crate::stand_in::advance_epochs(&self.provider, n).await?)
    }

    /// The simulated roflmarket provider of the last dev account, with the default offer (its
    /// offer 0): registered with the market stand-in on first use. Call
    /// [`crate::SimulatedProvider::run_once`] to let its scheduler accept machines and
    /// carry out their commands.
    pub async fn simulated_provider(
        &self,
    ) -> Result<crate::SimulatedProvider<DynProvider>, crate::MarketSimError> {
        let account = *self.accounts().last().expect("anvil has dev accounts");
        crate::SimulatedProvider::start(self.provider.clone(), account, &Default::default()).await
    }

    /// Mine `blocks` empty blocks.
    pub async fn mine(&self, blocks: u64) -> Result<()> {
        self.provider.anvil_mine(Some(blocks), None).await?;
        Ok(())
    }

    /// Sets the balance of `who` to `wei` (`anvil_setBalance`).
    pub async fn set_balance(&self, who: Address, wei: U256) -> Result<()> {
        self.provider.anvil_set_balance(who, wei).await?;
        Ok(())
    }
}
