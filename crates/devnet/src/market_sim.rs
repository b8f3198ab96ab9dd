//! [`SimulatedProvider`]: a roflmarket provider and its scheduler on a local chain, driving the
//! roflmarket stand-in (`contracts/testing/RoflMarketStandIn.sol`, at [`MARKET_STAND_IN`]).
//!
//! On Sapphire a provider registers offers (`roflmarket.ProviderCreate` /
//! `ProviderUpdateOffers`) and its scheduler app (oasis-sdk `rofl-scheduler/src/manager.rs`)
//! accepts new instances (`InstanceAccept`), fetches each instance's queued commands, carries
//! them out on the machine and reports back with `InstanceUpdate` (the new deployment and the
//! id of the last completed command). A `Deploy` boots the ORC bundle whose manifest hash it
//! names; the enclave started from it registers with the `rofl` module (`rofl.Register`,
//! oasis-sdk `runtime-sdk/src/modules/rofl/mod.rs` `tx_register`), attested to run the identity
//! measured from that bundle.
//!
//! Locally there is no machine: the bundles the provider can boot are told to it
//! ([`SimulatedProvider::add_bundle`]: manifest hash → enclave identity), and "booting" one is a
//! simulated attested registration through [`StandInDriver::register_instance`] of a fresh
//! instance key, valid for the app's `max_expiration` epochs. The instance it replaces is not
//! touched: its registration stays valid until it expires at its epoch boundary, as on
//! Sapphire.

use std::collections::HashMap;

use alloy::{
    primitives::{Address, B256, FixedBytes, keccak256},
    providers::Provider,
    signers::local::PrivateKeySigner,
};
use roflgov_types::{AppId, EnclaveIdentity};

use roflgov_client::rofl::{RoflStandIn, StandInError};

use roflgov_client::machines::{MARKET_STAND_IN, RoflMarketStandIn, STATUS_ACCEPTED, STATUS_CREATED};

use crate::stand_in::StandInDriver;

/// The offer a [`SimulatedProvider`] registers by default: TDX, 4 GiB, 2 vCPUs, 20 GB, room
/// for 8 machines; 1 ROSE an hour, 100 ROSE a month, no yearly term.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OfferSpec {
    /// 1 SGX, 2 TDX.
    pub tee: u8,
    /// Memory in MiB.
    pub memory_mib: u64,
    /// vCPUs.
    pub cpus: u16,
    /// Storage in MiB.
    pub storage_mib: u64,
    /// Machines the offer can still take.
    pub capacity: u64,
    /// Native price (base units) per hour, month and year; 0 = term not offered.
    pub prices: [u128; 3],
}

impl Default for OfferSpec {
    fn default() -> Self {
        const ROSE: u128 = 1_000_000_000_000_000_000;
        Self {
            tee: 2,
            memory_mib: 4096,
            cpus: 2,
            storage_mib: 20_000,
            capacity: 8,
            prices: [ROSE, 100 * ROSE, 0],
        }
    }
}

/// Errors of the simulated provider.
#[derive(Debug, thiserror::Error)]
pub enum MarketSimError {
    /// A call to the market stand-in reverted with one of its errors.
    #[error("the roflmarket stand-in reverted: {0:?}")]
    Reverted(RoflMarketStandIn::RoflMarketStandInErrors),
    /// Contract call failure.
    #[error(transparent)]
    Contract(alloy::contract::Error),
    /// Waiting for a transaction failed.
    #[error(transparent)]
    Pending(#[from] alloy::providers::PendingTransactionError),
    /// The rofl stand-in failed (other than refusing a registration).
    #[error(transparent)]
    StandIn(#[from] StandInError),
    /// A transaction was mined but failed.
    #[error("the provider's transaction {0} failed")]
    TxFailed(B256),
}

impl From<alloy::contract::Error> for MarketSimError {
    fn from(err: alloy::contract::Error) -> Self {
        match err.as_decoded_interface_error::<RoflMarketStandIn::RoflMarketStandInErrors>() {
            Some(decoded) => MarketSimError::Reverted(decoded),
            None => MarketSimError::Contract(err),
        }
    }
}

/// What one [`SimulatedProvider::run_once`] did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ProviderStep {
    /// Instance ids accepted.
    pub accepted: Vec<u64>,
    /// Commands carried out, in order.
    pub executed: Vec<ExecutedCommand>,
}

/// One queued command the provider carried out and marked completed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExecutedCommand {
    /// The instance (machine) id at the provider.
    pub machine: u64,
    /// The command id in the machine's queue.
    pub cmd_id: u64,
    /// `Deploy`, `Restart` or `Terminate`.
    pub method: String,
    /// The app of a `Deploy`.
    pub app: Option<AppId>,
    /// The manifest hash of a `Deploy`.
    pub manifest_hash: Option<B256>,
    /// What the booted enclave did with the `rofl` module.
    pub registration: Registration,
}

/// The outcome of booting a deployment.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Registration {
    /// Not a `Deploy`: nothing boots a new enclave.
    None,
    /// A new instance (this key) registered with this identity, valid before this epoch.
    Registered {
        /// The instance key (what signs its transactions).
        instance: Address,
        /// The identity measured from the bundle.
        identity: EnclaveIdentity,
        /// The registration expires at this epoch.
        expiration_epoch: u64,
    },
    /// The provider does not have a bundle with the manifest hash: nothing boots.
    UnknownBundle,
    /// The enclave booted but the module refused its registration (e.g. the identity is not in
    /// the app's policy: `UnknownEnclave`).
    Refused(String),
}

/// A roflmarket provider and its scheduler, simulated from one dev account.
#[derive(Clone, Debug)]
pub struct SimulatedProvider<P> {
    market: RoflMarketStandIn::RoflMarketStandInInstance<P>,
    rofl: RoflStandIn<P>,
    account: Address,
    provider_id: FixedBytes<21>,
    bundles: HashMap<B256, EnclaveIdentity>,
    registration_epochs: Option<u64>,
}

impl<P: Provider + Clone> SimulatedProvider<P> {
    /// The provider of EVM account `account` (a dev account of the chain that `provider` signs
    /// with): registers it with the market stand-in and adds `offer` when the account has no
    /// provider yet. Its offers are numbered from 0.
    pub async fn start(provider: P, account: Address, offer: &OfferSpec) -> Result<Self, MarketSimError> {
        let market = RoflMarketStandIn::new(MARKET_STAND_IN, provider.clone());
        let mut provider_id = market.providerOf(account).call().await?;
        if provider_id == FixedBytes::<21>::ZERO {
            let call = market.createProvider().from(account);
            provider_id = call.call().await?;
            Self::confirm(call.send().await?).await?;
            let call = market
                .addOffer(
                    offer.tee,
                    offer.memory_mib,
                    offer.cpus,
                    offer.storage_mib,
                    offer.capacity,
                    offer.prices,
                )
                .from(account);
            call.call().await?;
            Self::confirm(call.send().await?).await?;
        }
        Ok(Self {
            market,
            rofl: RoflStandIn::new(provider),
            account,
            provider_id,
            bundles: HashMap::new(),
            registration_epochs: None,
        })
    }

    /// Booted enclaves register for `epochs` epochs (at most the app's `max_expiration`)
    /// instead of the maximum: the standard app core registers two epochs ahead.
    pub fn with_registration_epochs(mut self, epochs: u64) -> Self {
        self.registration_epochs = Some(epochs);
        self
    }

    /// The provider's Oasis address (what `rentMachine` and the roflmarket bodies name).
    pub fn id(&self) -> FixedBytes<21> {
        self.provider_id
    }

    /// The provider's EVM account.
    pub fn account(&self) -> Address {
        self.account
    }

    /// The raw binding of the market stand-in.
    pub fn market(&self) -> &RoflMarketStandIn::RoflMarketStandInInstance<P> {
        &self.market
    }

    /// Makes a bundle bootable: an ORC with `manifest_hash` whose enclave measures as
    /// `identity`.
    pub fn add_bundle(&mut self, manifest_hash: B256, identity: EnclaveIdentity) {
        self.bundles.insert(manifest_hash, identity);
    }

    /// The instance key a machine's deployment from command `cmd_id` registers with
    /// (deterministic, so a test can predict it; never a dev account).
    pub fn instance_key(&self, machine: u64, cmd_id: u64) -> PrivateKeySigner {
        let mut seed = Vec::with_capacity(21 + 16 + 24);
        seed.extend_from_slice(b"roflgov simulated instance");
        seed.extend_from_slice(self.provider_id.as_slice());
        seed.extend_from_slice(&machine.to_be_bytes());
        seed.extend_from_slice(&cmd_id.to_be_bytes());
        PrivateKeySigner::from_bytes(&keccak256(&seed))
            .expect("a keccak digest is a valid key but for 2^-128")
    }

    /// One scheduler round: accepts every `Created` instance, then carries out every queued
    /// command of the accepted ones in order and marks them completed (`InstanceUpdate`, with
    /// the new deployment after a `Deploy`).
    pub async fn run_once(&self) -> Result<ProviderStep, MarketSimError> {
        let mut step = ProviderStep::default();
        let count = self.market.providerInfo(self.provider_id).call().await?.instancesNextId;
        let mut created = Vec::new();
        for id in 0..count {
            let inst = self.market.instance(self.provider_id, id).call().await?;
            if inst.exists && inst.status == STATUS_CREATED {
                created.push(id);
            }
        }
        if !created.is_empty() {
            let call = self.market.acceptInstances(created.clone()).from(self.account);
            call.call().await?;
            Self::confirm(call.send().await?).await?;
            step.accepted = created;
        }
        for id in 0..count {
            let inst = self.market.instance(self.provider_id, id).call().await?;
            if !inst.exists || inst.status != STATUS_ACCEPTED {
                continue;
            }
            let queued = self.market.instanceCommands(self.provider_id, id).call().await?;
            let Some(&last) = queued.ids.last() else { continue };
            let mut deployment = None;
            for (cmd_id, raw) in queued.ids.iter().zip(queued.cmds.iter()) {
                let cmd = self.market.decodeCommand(raw.clone()).call().await?;
                let mut done = ExecutedCommand {
                    machine: id,
                    cmd_id: *cmd_id,
                    method: cmd.method.clone(),
                    app: None,
                    manifest_hash: None,
                    registration: Registration::None,
                };
                if cmd.method == "Deploy" {
                    let app = AppId(cmd.appId.0);
                    done.app = Some(app);
                    done.manifest_hash = Some(cmd.manifestHash);
                    deployment = Some((cmd.appId, cmd.manifestHash));
                    done.registration = self.boot(app, cmd.manifestHash, id, *cmd_id).await?;
                }
                step.executed.push(done);
            }
            let (set, app, hash) = match deployment {
                Some((app, hash)) => (true, app, hash),
                None => (false, FixedBytes::ZERO, B256::ZERO),
            };
            let call = self.market.updateInstance(id, set, app, hash, true, last).from(self.account);
            call.call().await?;
            Self::confirm(call.send().await?).await?;
        }
        Ok(step)
    }

    /// Boots bundle `manifest_hash` for `app` on machine `machine`: the enclave registers a new
    /// instance key for the app's `max_expiration` epochs (`tx_register` takes any expiration
    /// up to it).
    async fn boot(
        &self,
        app: AppId,
        manifest_hash: B256,
        machine: u64,
        cmd_id: u64,
    ) -> Result<Registration, MarketSimError> {
        let Some(identity) = self.bundles.get(&manifest_hash) else { return Ok(Registration::UnknownBundle) };
        if !self.rofl.app_exists(app).await? {
            return Ok(Registration::Refused(format!("app {app} does not exist")));
        }
        let epoch = self.rofl.current_epoch().await?;
        let max = self.rofl.app_max_expiration(app).await?;
        let expiration_epoch = epoch + self.registration_epochs.map_or(max, |n| n.clamp(1, max.max(1)));
        let instance = self.instance_key(machine, cmd_id).address();
        match self.rofl.register_instance(self.account, app, instance, identity, expiration_epoch).await {
            Ok(_) => Ok(Registration::Registered { instance, identity: *identity, expiration_epoch }),
            Err(StandInError::Reverted(reason)) => Ok(Registration::Refused(format!("{reason:?}"))),
            Err(err) => Err(err.into()),
        }
    }

    async fn confirm(
        pending: alloy::providers::PendingTransactionBuilder<alloy::network::Ethereum>,
    ) -> Result<(), MarketSimError> {
        let receipt = pending.with_timeout(Some(roflgov_client::rofl::RECEIPT_TIMEOUT)).get_receipt().await?;
        if receipt.status() { Ok(()) } else { Err(MarketSimError::TxFailed(receipt.transaction_hash)) }
    }
}
