//! The chain side of a trace (`roflgov-core::trace`): an instance key's registrations, and the
//! app's policy versions and release records, read from the chain.
//!
//! Registrations come through [`RegistrationSource`], so that the module's own state can be
//! plugged in for Sapphire networks (a gRPC runtime query of `rofl.AppInstances` plus the
//! `rofl.Register` transactions); [`StandInRegistrations`] reads them from the local stand-in's
//! `InstanceRegistered` events, one per registration or renewal, and the identity from the
//! `registerInstance` call that logged each (the stand-in's stand-in for the quote of a
//! `rofl.Register` transaction). Policy versions and releases come from the policy contract's
//! own events on every network ([`policy_timeline`]).

use alloy::{
    primitives::{Address, B256},
    providers::Provider,
    rpc::types::Filter,
    sol_types::{SolCall, SolEvent},
};
use roflgov_core::{
    rofl::subcall::SUBCALL_PRECOMPILE,
    trace::{PolicyVersion, Registration, ReleaseAdded},
};
use roflgov_types::{AppId, EnclaveIdentity};

use crate::{
    block_times::BlockTimes,
    oasis_node::{NodeQueryError, RuntimeQueryClient},
    rofl::{HistoryKind, LoggedChange, RoflAdminClient, RoflClientError, bindings::RoflModuleStandIn},
};

/// Why the inputs of a trace could not be read.
#[derive(Debug, thiserror::Error)]
pub enum TraceSourceError {
    /// A JSON-RPC error.
    #[error(transparent)]
    Rpc(#[from] alloy::transports::TransportError),
    /// A contract call failed.
    #[error(transparent)]
    Contract(#[from] alloy::contract::Error),
    /// Reading the policy contract failed.
    #[error(transparent)]
    Policy(#[from] RoflClientError),
    /// The node has no such block.
    #[error("no block {0}")]
    NoBlock(u64),
    /// The Oasis node's runtime query failed.
    #[error(transparent)]
    Node(#[from] NodeQueryError),
}

/// Where registrations of instance keys come from.
#[allow(async_fn_in_trait)] // used with concrete types only, never as `dyn`
pub trait RegistrationSource {
    /// Every registration and renewal of every key for `app`, in chain order, with the key.
    async fn registrations(&mut self, app: AppId) -> Result<Vec<(Address, Registration)>, TraceSourceError>;
    /// The length of an epoch, in seconds.
    async fn epoch_seconds(&mut self) -> Result<u64, TraceSourceError>;
    /// The timestamp of block `block`.
    async fn block_time(&mut self, block: u64) -> Result<u64, TraceSourceError>;
}

/// Registrations on a local chain, from the ROFL stand-in's events.
#[derive(Debug)]
pub struct StandInRegistrations<P> {
    provider: P,
    from_block: u64,
    block_times: BlockTimes,
}

impl<P: Provider> StandInRegistrations<P> {
    /// A source on `provider`, scanning the stand-in's events from `from_block`.
    pub fn new(provider: P, from_block: u64) -> Self {
        Self { provider, from_block, block_times: BlockTimes::default() }
    }
}

impl<P: Provider + Clone> RegistrationSource for StandInRegistrations<P> {
    async fn registrations(&mut self, app: AppId) -> Result<Vec<(Address, Registration)>, TraceSourceError> {
        let filter = Filter::new()
            .address(SUBCALL_PRECOMPILE)
            .event_signature(RoflModuleStandIn::InstanceRegistered::SIGNATURE_HASH)
            .topic1(B256::right_padding_from(app.as_bytes()))
            .from_block(self.from_block);
        let mut out = Vec::new();
        for log in self.provider.get_logs(&filter).await? {
            if log.removed {
                continue;
            }
            let Ok(event) = RoflModuleStandIn::InstanceRegistered::decode_log(&log.inner) else { continue };
            let (Some(block), Some(tx)) = (log.block_number, log.transaction_hash) else { continue };
            let time = self.block_time(block).await?;
            // The identity is an argument of the registering call (sent to the stand-in
            // directly; through another contract it is unknown).
            let identity = match self.provider.get_transaction_by_hash(tx).await? {
                Some(sent) => {
                    use alloy::consensus::Transaction as _;
                    RoflModuleStandIn::registerInstanceCall::abi_decode(sent.input())
                        .ok()
                        .filter(|c| {
                            c.appId.0 == app.0
                                && c.instance == event.instance
                                && c.expirationEpoch == event.expirationEpoch
                        })
                        .map(|call| EnclaveIdentity::from(&call))
                }
                None => None,
            };
            out.push((
                event.instance,
                Registration { block, time, tx, expiration_epoch: event.expirationEpoch, identity },
            ));
        }
        Ok(out)
    }

    async fn epoch_seconds(&mut self) -> Result<u64, TraceSourceError> {
        let stand_in = RoflModuleStandIn::new(SUBCALL_PRECOMPILE, self.provider.clone());
        let seconds = stand_in.EPOCH_SECONDS().call().await?;
        Ok(u64::try_from(seconds).unwrap_or(u64::MAX))
    }

    async fn block_time(&mut self, block: u64) -> Result<u64, TraceSourceError> {
        self.block_times.get(&self.provider, block).await?.ok_or(TraceSourceError::NoBlock(block))
    }
}

/// The app's policy versions and release records, from the policy contract's events (from
/// `from_block` on); block times through `source`.
pub async fn policy_timeline<P: Provider + Clone, S: RegistrationSource>(
    client: &RoflAdminClient<P>,
    source: &mut S,
    app: AppId,
    from_block: u64,
) -> Result<(Vec<PolicyVersion>, Vec<ReleaseAdded>), TraceSourceError> {
    let mut versions = Vec::new();
    let mut releases = Vec::new();
    for entry in client.history(Some(app), from_block).await? {
        for change in &entry.changes {
            if let LoggedChange::ReleaseAdded { release_id, identities, record } = change {
                releases.push(ReleaseAdded {
                    block: entry.block,
                    tx: entry.tx,
                    release_id: release_id.to_owned(),
                    record: record.clone(),
                    identities: identities.clone(),
                });
            }
        }
        let enclaves = match (&entry.kind, &entry.config) {
            (HistoryKind::Removed, _) => Vec::new(),
            (_, Some(config)) => config.policy.enclaves.clone(),
            // No update sent (roflgov state only), or a body that does not decode: the policy
            // in force did not change (or is unknown: the trace then relies on the last one).
            (_, None) => continue,
        };
        let time = source.block_time(entry.block).await?;
        versions.push(PolicyVersion {
            version: entry.version,
            block: entry.block,
            time,
            tx: entry.tx,
            enclaves,
        });
    }
    Ok((versions, releases))
}

/// Registrations on a Sapphire network, from the ROFL module's `rofl.AppInstances` query through
/// an Oasis node.
///
/// The module keeps only the current registration of each instance and no enclave identity
/// (oasis-sdk `runtime-sdk/src/modules/rofl/types.rs` `Registration`: app, node_id, entity_id,
/// rak, rek, expiration, extra_keys, metadata; `state.rs` removes it when it expires). So each
/// registration is reported as made at the latest block (the policy in force now is the one
/// the instance satisfies: `rofl.Update` does not evict instances, but `rofl.Register` renewals
/// check the current policy), with no transaction and no identity; earlier registrations are not
/// available. A registration is found by its `extra_keys` secp256k1 keys (by their Ethereum
/// address, the key that signs the instance's transactions).
#[derive(Debug)]
pub struct NodeRegistrations<P> {
    node: RuntimeQueryClient,
    stand_in: StandInRegistrations<P>,
}

impl<P: Provider> NodeRegistrations<P> {
    /// A source asking `node`; block times from `provider`.
    pub fn new(node: RuntimeQueryClient, provider: P) -> Self {
        Self { node, stand_in: StandInRegistrations::new(provider, 0) }
    }

    /// The node asked.
    pub fn node(&self) -> &RuntimeQueryClient {
        &self.node
    }
}

impl<P: Provider + Clone> RegistrationSource for NodeRegistrations<P> {
    async fn registrations(&mut self, app: AppId) -> Result<Vec<(Address, Registration)>, TraceSourceError> {
        let instances = self.node.app_instances(app).await?;
        let block = self.stand_in.provider.get_block_number().await?;
        let time = self.block_time(block).await?;
        let mut out = Vec::new();
        for instance in instances {
            for key in &instance.extra_keys {
                let roflgov_types::query::PublicKey::Secp256k1(bytes) = key else { continue };
                let Ok(key) = k256::ecdsa::VerifyingKey::from_sec1_bytes(bytes.as_slice()) else { continue };
                out.push((
                    Address::from_public_key(&key),
                    Registration {
                        block,
                        time,
                        tx: B256::ZERO,
                        expiration_epoch: instance.expiration,
                        identity: None,
                    },
                ));
            }
        }
        Ok(out)
    }

    /// The module's registrations are current by construction (expired ones are removed), and
    /// Sapphire epochs are not a fixed multiple of the EVM time: `u64::MAX`, so that a current
    /// registration never reads as expired (its `expiration` is an epoch number).
    async fn epoch_seconds(&mut self) -> Result<u64, TraceSourceError> {
        Ok(u64::MAX)
    }

    async fn block_time(&mut self, block: u64) -> Result<u64, TraceSourceError> {
        self.stand_in.block_time(block).await
    }
}

/// Either source: the local stand-in, or the module through a node.
#[derive(Debug)]
pub enum AnyRegistrations<P> {
    /// The local stand-in.
    StandIn(StandInRegistrations<P>),
    /// An Oasis node.
    Node(NodeRegistrations<P>),
}

impl<P: Provider + Clone> RegistrationSource for AnyRegistrations<P> {
    async fn registrations(&mut self, app: AppId) -> Result<Vec<(Address, Registration)>, TraceSourceError> {
        match self {
            AnyRegistrations::StandIn(s) => s.registrations(app).await,
            AnyRegistrations::Node(s) => s.registrations(app).await,
        }
    }

    async fn epoch_seconds(&mut self) -> Result<u64, TraceSourceError> {
        match self {
            AnyRegistrations::StandIn(s) => s.epoch_seconds().await,
            AnyRegistrations::Node(s) => s.epoch_seconds().await,
        }
    }

    async fn block_time(&mut self, block: u64) -> Result<u64, TraceSourceError> {
        match self {
            AnyRegistrations::StandIn(s) => s.block_time(block).await,
            AnyRegistrations::Node(s) => s.block_time(block).await,
        }
    }
}
