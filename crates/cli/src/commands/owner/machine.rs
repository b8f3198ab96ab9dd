//! `roflgov owner machine <action>`: the policy contract's marketplace machines (roflmarket
//! instances it administers, `contracts/rofl/RoflMachineLogic.sol`), each action opened as a
//! proposal like the other owner actions and reviewed by `roflgov review` (`OwnerCall::Machine`).

use alloy::{primitives::B256, sol_types::SolCall};
use clap::{Args, Subcommand};
use roflgov_core::{
    bindings::RoflAppAdmin,
    rofl::{MachineCall, OwnerCall, PolicyChange, changes_to_calldata, machines},
};
use roflgov_types::{
    AppId,
    ids::{AccountAddress, Address as OasisAddress},
    market::Term,
};

use super::contract_action;
use crate::{
    chainops,
    context::GlobalArgs,
    exit::{CliResult, input, usage},
    output::progress,
    proposal::ProposalOutput,
};

/// Marketplace machines held by the policy contract.
#[derive(Subcommand, Debug)]
pub(crate) enum MachineCommand {
    /// Rent a machine (`roflmarket.InstanceCreate`) for the app, paid from the contract's
    /// balance (`roflgov machine fund`): the contract becomes the machine's admin.
    Rent(RentArgs),
    /// Queue a Deploy of the ORC with this manifest hash on a machine the contract holds.
    Deploy(DeployArgs),
    /// Queue a Restart of a machine.
    Restart(WipeArgs),
    /// Queue a Terminate of a machine.
    Terminate(WipeArgs),
    /// Hand a machine to another admin; the contract forgets it.
    ChangeAdmin(ChangeAdminArgs),
    /// Cancel a machine (`roflmarket.InstanceCancel`); the contract forgets it.
    Cancel(MachineArgs),
    /// Set what anyone may spend of the contract's balance on top-ups of the app's machines.
    SetTopUp(SetTopUpArgs),
}

/// A machine of an app: the provider and its instance id.
#[derive(Args, Debug)]
pub(crate) struct MachineArgs {
    /// App id (rofl1…).
    #[arg(long, value_name = "APP_ID", value_parser = crate::inputs::app_id_arg)]
    pub app: AppId,
    /// The provider (oasis1… or 0x…).
    #[arg(long, value_name = "ADDRESS")]
    pub provider: AccountAddress,
    /// The machine's instance id at the provider.
    #[arg(long, value_name = "N")]
    pub id: u64,
    #[command(flatten)]
    pub out: ProposalOutput,
}

#[derive(Args, Debug)]
pub(crate) struct RentArgs {
    /// App id (rofl1…).
    #[arg(long, value_name = "APP_ID", value_parser = crate::inputs::app_id_arg)]
    pub app: AppId,
    /// The provider (oasis1… or 0x…).
    #[arg(long, value_name = "ADDRESS")]
    pub provider: AccountAddress,
    /// The provider's offer id.
    #[arg(long, value_name = "N")]
    pub offer: u64,
    /// Term paid: hour, month or year.
    #[arg(long, value_name = "hour|month|year")]
    pub term: Term,
    /// Terms paid in advance (at least 1).
    #[arg(long, value_name = "N", default_value_t = 1)]
    pub terms: u64,
    #[command(flatten)]
    pub out: ProposalOutput,
}

#[derive(Args, Debug)]
pub(crate) struct DeployArgs {
    #[command(flatten)]
    pub machine: MachineArgs,
    /// The ORC's manifest hash (0x + 64 hex), as `oasis rofl build` prints it.
    #[arg(long, value_name = "HASH")]
    pub manifest_hash: B256,
    /// Wipe the machine's persistent storage (the app's data is lost).
    #[arg(long)]
    pub wipe_storage: bool,
}

#[derive(Args, Debug)]
pub(crate) struct WipeArgs {
    #[command(flatten)]
    pub machine: MachineArgs,
    /// Wipe the machine's persistent storage (the app's data is lost).
    #[arg(long)]
    pub wipe_storage: bool,
}

#[derive(Args, Debug)]
pub(crate) struct ChangeAdminArgs {
    #[command(flatten)]
    pub machine: MachineArgs,
    /// The new admin (oasis1… or 0x…).
    #[arg(long, value_name = "ADDRESS")]
    pub to: AccountAddress,
    /// Leave the app's endorsement policy as it is. By default, when it names the policy
    /// contract as `provider_instance_admin`, the same call also names the new admin there
    /// (one `multicall`), or instances on the machine could no longer register.
    #[arg(long)]
    pub keep_endorsement: bool,
}

#[derive(Args, Debug)]
pub(crate) struct SetTopUpArgs {
    /// App id (rofl1…).
    #[arg(long, value_name = "APP_ID", value_parser = crate::inputs::app_id_arg)]
    pub app: AppId,
    /// Term each top-up pays: hour, month or year.
    #[arg(long, value_name = "hour|month|year")]
    pub term: Term,
    /// Top-ups allowed from now on (0 stops them).
    #[arg(long, value_name = "N")]
    pub terms_left: u64,
    /// How long before a machine lapses it may be topped up, in seconds (at most 400 days).
    #[arg(long, value_name = "SECONDS")]
    pub window: u64,
    #[command(flatten)]
    pub out: ProposalOutput,
}

/// The call and a title.
fn build(cmd: MachineCommand) -> CliResult<(MachineCall, String, ProposalOutput)> {
    Ok(match cmd {
        MachineCommand::Rent(a) => {
            let app = a.app;
            if a.terms == 0 {
                return Err(usage("--terms must be at least 1"));
            }
            let title = format!(
                "roflgov: rent a machine for {app} from provider {} offer {} ({} × {}), paid by the policy contract",
                a.provider, a.offer, a.terms, a.term
            );
            let call = MachineCall::Rent {
                app,
                provider: a.provider.0,
                offer: a.offer,
                term: a.term.code(),
                term_count: a.terms,
            };
            (call, title, a.out)
        }
        MachineCommand::Deploy(a) => {
            let (app, m) = machine(a.machine)?;
            if a.manifest_hash.is_zero() {
                return Err(usage("--manifest-hash is zero: give the ORC's manifest hash"));
            }
            let title = format!(
                "roflgov: deploy manifest {} of {app} on machine {} of provider {}{}",
                a.manifest_hash,
                m.id,
                m.provider,
                wipe_note(a.wipe_storage)
            );
            let call = MachineCall::Deploy {
                app,
                provider: m.provider.0,
                id: m.id,
                manifest_hash: a.manifest_hash,
                wipe_storage: a.wipe_storage,
            };
            (call, title, m.out)
        }
        MachineCommand::Restart(a) => wipe_command("restart", a, |app, m, wipe_storage| {
            MachineCall::Restart { app, provider: m.provider.0, id: m.id, wipe_storage }
        }),
        MachineCommand::Terminate(a) => wipe_command("terminate", a, |app, m, wipe_storage| {
            MachineCall::Terminate { app, provider: m.provider.0, id: m.id, wipe_storage }
        }),
        MachineCommand::ChangeAdmin(a) => {
            let (app, m) = machine(a.machine)?;
            let title = format!(
                "roflgov: hand machine {} of provider {} ({app}) to admin {}: the policy contract no longer controls it",
                m.id, m.provider, a.to
            );
            let call = MachineCall::ChangeAdmin { app, provider: m.provider.0, id: m.id, new_admin: a.to.0 };
            (call, title, m.out)
        }
        MachineCommand::Cancel(m) => {
            let app = m.app;
            let title = format!("roflgov: cancel machine {} of provider {} ({app})", m.id, m.provider);
            let call = MachineCall::Cancel { app, provider: m.provider.0, id: m.id };
            (call, title, m.out)
        }
        MachineCommand::SetTopUp(a) => {
            let app = a.app;
            let title = format!(
                "roflgov: allow {} top-up(s) of one {} each for the machines of {app}, from {} s before they lapse",
                a.terms_left, a.term, a.window
            );
            let call = MachineCall::SetTopUp {
                app,
                term: a.term.code(),
                terms_left: a.terms_left,
                window: a.window,
            };
            (call, title, a.out)
        }
    })
}

/// What a title adds when a command wipes the machine's storage.
fn wipe_note(wipe: bool) -> &'static str {
    if wipe { ", WIPING its storage" } else { "" }
}

/// A Restart or Terminate (`verb`) of a machine: the call `make` builds, its title and where
/// it goes.
fn wipe_command(
    verb: &str,
    a: WipeArgs,
    make: impl FnOnce(AppId, &MachineArgs, bool) -> MachineCall,
) -> (MachineCall, String, ProposalOutput) {
    let m = a.machine;
    let title = format!(
        "roflgov: {verb} machine {} of provider {} ({}){}",
        m.id,
        m.provider,
        m.app,
        wipe_note(a.wipe_storage)
    );
    (make(m.app, &m, a.wipe_storage), title, m.out)
}

fn machine(m: MachineArgs) -> CliResult<(AppId, MachineArgs)> {
    Ok((m.app, m))
}

pub(crate) async fn run(g: &GlobalArgs, cmd: MachineCommand) -> CliResult {
    let keep_endorsement = matches!(&cmd, MachineCommand::ChangeAdmin(a) if a.keep_endorsement);
    let (call, mut title, out) = build(cmd)?;
    if call.wipes_storage() {
        progress("warning: this command wipes the machine's persistent storage");
    }
    let (_, client) = chainops::client(g).await?;
    let (action, mut data) = (call.action_name(), call.calldata());
    if let MachineCall::ChangeAdmin { app, new_admin, .. } = &call {
        let old_admin = OasisAddress::from_eth(client.address());
        let context = format!("reading app {app} from policy contract {}", client.address());
        let current = client.get_app(*app).await.map_err(|e| chainops::rofl_error(&context, e))?;
        let moved = machines::endorsements_for_admin_change(
            &current.config.policy.endorsements,
            old_admin,
            *new_admin,
        );
        match (moved, keep_endorsement) {
            (Some(endorsements), false) => {
                // One multicall: the endorsement change first (so the review of the hand-over
                // sees the policy it leaves behind), then the hand-over.
                let endorse = changes_to_calldata(
                    *app,
                    current.version,
                    &[PolicyChange::SetEndorsements(endorsements)],
                )
                .map_err(|e| input(format!("app {app}: {e}")))?;
                data = RoflAppAdmin::multicallCall { calls: vec![endorse, data] }.abi_encode().into();
                title.push_str(&format!(
                    ", and the endorsement policy's provider_instance_admin {old_admin} becomes {new_admin}"
                ));
                progress(format!(
                    "the endorsement policy of {app} names the policy contract ({old_admin}) as provider_instance_admin: the same call names {new_admin} instead, so instances on the machine keep registering (--keep-endorsement leaves it)"
                ));
            }
            (Some(_), true) => progress(format!(
                "warning: the endorsement policy of {app} still names the policy contract ({old_admin}) as provider_instance_admin: instances on the machine could no longer register (--keep-endorsement)"
            )),
            (None, _) => {}
        }
    }
    contract_action(g, action, OwnerCall::Machine(call), data, title, &client, &out).await
}
