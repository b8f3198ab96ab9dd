//! The app's marketplace machines as a client reads them on any network where the policy
//! contract holds them: its `machinesOf` records and, on a local chain, what the roflmarket
//! stand-in says of each (status, deployment, paid-until, queued commands). On Sapphire the
//! module's own answers come from the Oasis node (`oasis_node`).

use alloy::{
    primitives::{Address, B256},
    providers::Provider,
    sol,
};
use roflgov_types::AppId;

/// Where the roflmarket stand-in (`contracts/testing/RoflMarketStandIn.sol`) lives on a local
/// chain: the ROFL stand-in hands `roflmarket.*` subcalls on to it.
pub const MARKET_STAND_IN: Address = alloy::primitives::address!("0100000000000000000000000000000000000a03");

sol!(
    /// The local roflmarket stand-in (`contracts/testing/RoflMarketStandIn.sol`), installed at
    /// [`MARKET_STAND_IN`] on local chains only.
    #[allow(missing_docs)]
    #[sol(rpc)]
    #[derive(Debug, PartialEq, Eq)]
    RoflMarketStandIn,
    "../contracts/artifacts/RoflMarketStandIn.json"
);

/// `InstanceStatus::Created` (oasis-sdk `rofl-market/src/types.rs`).
pub const STATUS_CREATED: u8 = 0;
/// `InstanceStatus::Accepted`.
pub const STATUS_ACCEPTED: u8 = 1;
/// `InstanceStatus::Cancelled`.
pub const STATUS_CANCELLED: u8 = 2;

/// `Term::Hour` (oasis-sdk `rofl-market/src/types.rs`).
pub const TERM_HOUR: u8 = 1;
/// `Term::Month`.
pub const TERM_MONTH: u8 = 2;
/// `Term::Year`.
pub const TERM_YEAR: u8 = 3;

/// A machine the policy contract holds for an app, with what the roflmarket stand-in says of it
/// (only on a local chain, where the stand-in is installed).
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct MachineView {
    /// The provider (Oasis address).
    pub provider: roflgov_types::ids::Address,
    /// The provider's offer.
    pub offer: u64,
    /// The instance id at the provider.
    pub id: u64,
    /// Paid until (unix seconds), as the policy contract recorded it.
    pub paid_until: u64,
    /// What the market stand-in says (`None`: no stand-in on this chain).
    pub market: Option<MarketState>,
}

/// An instance as the roflmarket stand-in holds it.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct MarketState {
    /// `created`, `accepted`, `cancelled` or `unknown` (gone from the module).
    pub status: &'static str,
    /// The app the machine runs (its deployment), if any.
    pub app: Option<AppId>,
    /// The manifest hash it runs, if any.
    pub manifest_hash: Option<B256>,
    /// Paid until (unix seconds), as the module holds it.
    pub paid_until: u64,
    /// Commands queued and not yet taken by the provider.
    pub queued_commands: u64,
}

/// The machines policy contract `policy` holds for `app` (`machinesOf`), each with the market
/// stand-in's view of it when the chain has the stand-in at [`MARKET_STAND_IN`].
pub async fn app_machines<P: Provider + Clone>(
    provider: P,
    policy: Address,
    app: AppId,
) -> Result<Vec<MachineView>, alloy::contract::Error> {
    let contract = crate::rofl::bindings::RoflAppAdmin::new(policy, provider.clone());
    let records = contract.machinesOf(app.to_fixed_bytes()).call().await?;
    let has_market =
        !provider.get_code_at(MARKET_STAND_IN).await.map_err(alloy::contract::Error::from)?.is_empty();
    let market = RoflMarketStandIn::new(MARKET_STAND_IN, provider);
    let mut out = Vec::with_capacity(records.len());
    for r in records {
        let state = if has_market {
            let inst = market.instance(r.provider, r.id).call().await?;
            Some(MarketState {
                status: match (inst.exists, inst.status) {
                    (false, _) => "unknown",
                    (true, STATUS_CREATED) => "created",
                    (true, STATUS_ACCEPTED) => "accepted",
                    (true, STATUS_CANCELLED) => "cancelled",
                    _ => "unknown",
                },
                app: inst.hasDeployment.then_some(AppId(inst.deploymentApp.0)),
                manifest_hash: inst.hasDeployment.then_some(inst.manifestHash),
                paid_until: inst.paidUntil,
                queued_commands: inst.cmdCount,
            })
        } else {
            None
        };
        out.push(MachineView {
            provider: roflgov_types::ids::Address(r.provider.0),
            offer: r.offer,
            id: r.id,
            paid_until: r.paidUntil,
            market: state,
        });
    }
    Ok(out)
}
