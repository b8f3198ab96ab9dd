//! The machines a rofl.yaml deployment lists, read on Sapphire from the roflmarket module through
//! an Oasis node (`roflmarket.Instance`, oasis-sdk `runtime-sdk/modules/rofl-market/src/lib.rs`),
//! in the same shape as the local chain's simulated provider gives them, so that `app show` and
//! `app rollout` render both alike.

use roflgov_client::machines::{MachineView, MarketState};
use roflgov_client::oasis_node::RuntimeQueryClient;
use roflgov_core::text::escape;
use std::collections::BTreeMap;

use roflgov_types::manifest::Machine;

use crate::exit::{CliResult, chain, input};

/// Each machine of a deployment's `machines` that names a provider and an instance id, as the module holds
/// it. A machine the module does not know (removed) is listed with status `unknown`, offer 0 and
/// nothing paid; a machine not yet rented (no provider or id in rofl.yaml) is left out.
pub(crate) async fn machines_from_node(
    node: &RuntimeQueryClient,
    machines: &BTreeMap<String, Machine>,
) -> CliResult<Vec<MachineView>> {
    let mut out = Vec::with_capacity(machines.len());
    for (name, machine) in machines {
        let what = || format!("machine {:?} of the deployment", escape(name));
        let provider = machine.provider_address().map_err(|e| input(format!("{}: {e}", what())))?;
        let id = machine.instance_id().map_err(|e| input(format!("{}: {e}", what())))?;
        let (Some(provider), Some(id)) = (provider, id) else { continue };
        let instance = node
            .market_instance(provider, id.as_u64())
            .await
            .map_err(|e| chain(format!("reading {}: {e}", what())))?;
        out.push(match instance {
            Some(i) => MachineView {
                provider,
                offer: i.offer,
                id: i.id,
                paid_until: i.paid_until,
                market: Some(MarketState {
                    status: i.status.as_str(),
                    app: i.deployment.as_ref().map(|d| d.app_id),
                    manifest_hash: i.deployment.as_ref().map(|d| d.manifest_hash),
                    paid_until: i.paid_until,
                    queued_commands: i.cmd_count,
                }),
            },
            None => MachineView {
                provider,
                offer: 0,
                id: id.as_u64(),
                paid_until: 0,
                market: Some(MarketState {
                    status: "unknown",
                    app: None,
                    manifest_hash: None,
                    paid_until: 0,
                    queued_commands: 0,
                }),
            },
        });
    }
    Ok(out)
}
