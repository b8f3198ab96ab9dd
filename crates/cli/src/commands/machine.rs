//! `roflgov machine fund|top-up`: what anyone may do for the machines the policy contract
//! holds: add to the contract's balance that pays for them, and top one up within the
//! allowance governance set (`owner machine set-top-up`), so machines do not lapse while a
//! vote runs. Sent directly from your key.

use alloy::{primitives::U256, sol_types::SolCall};
use clap::{Args, Subcommand};
use roflgov_client::rofl::RoflAdminClient;
use roflgov_core::bindings::RoflAppAdmin;
use roflgov_core::units::RoseAmount;
use roflgov_types::{AppId, ids::AccountAddress};
use serde::Serialize;

use crate::{
    chainops,
    context::GlobalArgs,
    exit::{CliResult, usage},
    output::emit,
};

/// Anyone's actions on the policy contract's machines.
#[derive(Subcommand, Debug)]
pub(crate) enum MachineCommand {
    /// Add ROSE to the policy contract's balance, which pays for renting and topping up machines.
    Fund(FundArgs),
    /// Top up one machine of the app by one term of the allowance governance set.
    TopUp(TopUpArgs),
}

#[derive(Args, Debug)]
pub(crate) struct FundArgs {
    /// Amount in ROSE (e.g. 150 or 0.5).
    #[arg(long, value_name = "ROSE")]
    pub amount: RoseAmount,
}

#[derive(Args, Debug)]
pub(crate) struct TopUpArgs {
    /// App id (rofl1…).
    #[arg(long, value_name = "APP_ID", value_parser = crate::inputs::app_id_arg)]
    pub app: AppId,
    /// The provider (oasis1… or 0x…).
    #[arg(long, value_name = "ADDRESS")]
    pub provider: AccountAddress,
    /// The machine's instance id at the provider.
    #[arg(long, value_name = "N")]
    pub id: u64,
}

#[derive(Serialize)]
struct Sent {
    action: &'static str,
    tx: String,
}

pub(crate) async fn run(g: &GlobalArgs, cmd: MachineCommand) -> CliResult {
    let (network, provider, signer) = g.signing_provider().await?;
    let client = RoflAdminClient::new(crate::context::require_policy_contract(&network)?, provider);
    let (action, data, value, what) = match cmd {
        MachineCommand::Fund(a) => {
            let amount = a.amount.wei();
            if amount.is_zero() {
                return Err(usage("--amount is zero: nothing to fund"));
            }
            let what = format!(
                "funded policy contract {} with {}",
                client.address(),
                roflgov_core::firewall::format_rose(amount)
            );
            ("fund", RoflAppAdmin::fundMachinesCall {}.abi_encode(), amount, what)
        }
        MachineCommand::TopUp(a) => {
            let app = a.app;
            let data = roflgov_core::rofl::MachineCall::TopUp { app, provider: a.provider.0, id: a.id }
                .calldata()
                .to_vec();
            let what = format!("topped up machine {} of provider {} ({app}) by one term", a.id, a.provider);
            ("top_up", data, U256::ZERO, what)
        }
    };
    let receipt = client
        .send(signer.address(), data.into(), value)
        .await
        .map_err(|e| crate::exit::maybe_sent(chainops::rofl_error(action, e), "run `roflgov app show`"))?;
    let report = Sent { action, tx: receipt.transaction_hash.to_string() };
    emit(g.json, &report, || format!("{what} in {}", report.tx));
    Ok(())
}
