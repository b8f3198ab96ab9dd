//! `roflgov guardian revoke|freeze`: the revoke-only guardian's emergency actions. They take
//! effect in one transaction, without a vote or the timelock, and can only remove: revoke one
//! enclave identity, or freeze the app (every identity removed). Governance (the Safe or the
//! DAO) sets the guardian and is the only one who can undo a freeze.

use alloy::primitives::Address;
use clap::{Args, Subcommand};
use roflgov_client::rofl::RoflAdminClient;
use roflgov_core::firewall::{Expectations, Transaction, guardian_intent, guardian_removal, guardian_rights};
use roflgov_core::{
    review::ProposedCall,
    rofl::{PolicyChange, enclave_text_id},
};
use roflgov_types::{AppId, EnclaveIdentity};
use serde::Serialize;

use crate::{
    chainops,
    context::{GlobalArgs, require_policy_contract},
    exit::{CliResult, usage},
    firewall,
    output::{Table, emit, progress},
};

#[derive(Subcommand, Debug)]
pub(crate) enum GuardianCommand {
    /// Revoke one enclave identity of an app at once: from the next block instances running it
    /// can no longer register or renew; a registration made before keeps its rights until it
    /// expires (at most max_expiration epochs). Signed by the app's guardian
    /// (--keystore/--key-env). Refused for the last identity (use `guardian freeze`).
    Revoke(RevokeArgs),
    /// Freeze an app: remove every enclave identity at once, so that no instance can register or
    /// renew until governance unfreezes it (registrations made before run out at their expiry).
    /// Signed by the app's guardian.
    Freeze(FreezeArgs),
}

#[derive(Args, Debug)]
pub(crate) struct RevokeArgs {
    /// App id (rofl1…).
    #[arg(long, value_name = "APP_ID", value_parser = crate::inputs::app_id_arg)]
    pub app: AppId,
    /// The identity to revoke, as rofl.yaml writes it (base64 of mr_enclave ‖ mr_signer).
    #[arg(long, value_name = "ID")]
    pub enclave: EnclaveIdentity,
}

#[derive(Args, Debug)]
pub(crate) struct FreezeArgs {
    /// App id (rofl1…).
    #[arg(long, value_name = "APP_ID", value_parser = crate::inputs::app_id_arg)]
    pub app: AppId,
}

#[derive(Serialize)]
struct Done {
    app: String,
    action: &'static str,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    removed: Vec<String>,
    by: Address,
    version: u64,
    tx: String,
}

pub(crate) async fn run(g: &GlobalArgs, cmd: GuardianCommand) -> CliResult {
    let (app, change) = match &cmd {
        GuardianCommand::Revoke(args) => (args.app, PolicyChange::RevokeEnclave(args.enclave)),
        GuardianCommand::Freeze(args) => (args.app, PolicyChange::Freeze),
    };
    let (network, provider, signer) = g.signing_provider().await?;
    let client = RoflAdminClient::new(require_policy_contract(&network)?, provider);
    let me = signer.address();
    check_rights(&client, app, me).await?;

    let current = client.get_app(app).await.map_err(|e| chainops::rofl_error("reading the app", e))?;
    // Only a freeze needs the frozen flag (read as before, after the app).
    let frozen = matches!(change, PolicyChange::Freeze)
        && client.is_frozen(app).await.map_err(|e| chainops::rofl_error("reading the app", e))?;
    let removed: Vec<EnclaveIdentity> =
        guardian_removal(app, &change, &current.config.policy.enclaves, frozen)?;
    // Show what the action does, through the same review as every other approval. The
    // removal itself is what the guardian means to do, so its own finding is expected.
    let calldata =
        roflgov_core::rofl::changes_to_calldata(app, current.version, std::slice::from_ref(&change))
            .map_err(|e| usage(format!("encoding {}: {e}", change.function_name())))?;
    let transaction = Transaction::Calls {
        executor: me,
        chain_id: alloy::providers::Provider::get_chain_id(client.provider()).await.ok(),
        calls: vec![ProposedCall::call(client.address(), alloy::primitives::U256::ZERO, calldata)],
        description: None,
        description_verified: false,
    };
    let intended = guardian_intent(&change);
    let expectations = Expectations { overrides: intended.clone(), ..Default::default() };
    // The guardian's own intent, not an override the user typed: shown as findings, not as
    // "accepted by --override".
    let report =
        firewall::review(client.provider(), Some(client.address()), None, &transaction, &expectations)
            .await
            .without_overrides_of(&intended);
    firewall::gate(&report, "sent")?;
    let max_expiration = current.config.policy.max_expiration;
    progress(format!(
        "sending {} for app {app} as {me} (version {})",
        change.function_name(),
        current.version
    ));
    let receipt = client
        .apply(me, app, current.version, std::slice::from_ref(&change))
        .await
        .map_err(|e| chainops::rofl_error(change.function_name(), e))?;
    let version = client.version(app).await.map_err(|e| chainops::rofl_error("reading the version", e))?;
    let done = Done {
        app: app.to_string(),
        action: change.function_name(),
        removed: removed.iter().map(enclave_text_id).collect(),
        by: me,
        version,
        tx: receipt.transaction_hash.to_string(),
    };
    emit(g.json, &done, || {
        let mut t = Table::new();
        t.row("app", &done.app).row("action", done.action).row("by", done.by);
        for id in &done.removed {
            t.row("removed", id);
        }
        t.row("version", done.version).row("tx", &done.tx);
        let mut out = t.render();
        out.push_str(&format!(
            "instances of the removed identities can no longer register or renew, but a registration made before \
             keeps its rights until it expires (at most max_expiration = {max_expiration} epoch(s), about an hour \
             each on Sapphire); governance must follow up (a fixed release"
        ));
        out.push_str(if matches!(change, PolicyChange::Freeze) {
            ", with unfreeze in the same batch)\n"
        } else {
            ")\n"
        });
        out
    });
    Ok(())
}

/// Refuses before anything is sent when `me` is neither the app's guardian nor the owner.
async fn check_rights<P: alloy::providers::Provider + Clone>(
    client: &RoflAdminClient<P>,
    app: AppId,
    me: Address,
) -> CliResult {
    if !client.is_managed(app).await.map_err(|e| chainops::rofl_error("reading the contract", e))? {
        return Err(usage(format!("the policy contract {} does not manage app {app}", client.address())));
    }
    let guardian = client.guardian(app).await.map_err(|e| chainops::rofl_error("reading the guardian", e))?;
    let owner = client.owner().await.map_err(|e| chainops::rofl_error("reading the owner", e))?;
    guardian_rights(app, me, guardian, owner).map_err(Into::into)
}
