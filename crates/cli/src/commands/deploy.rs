//! `roflgov deploy`: the policy contract with a Safe or a Governor+Timelock in charge.

use std::path::PathBuf;

use alloy::primitives::Address;
use clap::Args;
use serde::Serialize;

use crate::{
    context::GlobalArgs,
    exit::{CliResult, chain, usage},
    output::{emit, progress},
};

#[derive(Args, Debug)]
#[command(group(clap::ArgGroup::new("owner_kind").required(true).args(["safe_owners", "dao", "owner"])))]
pub struct DeployArgs {
    /// Create a Safe v1.4.1 with these owners (comma separated) to own the policy contract.
    #[arg(long, value_delimiter = ',', value_name = "A,B,C", requires = "threshold")]
    pub safe_owners: Option<Vec<Address>>,
    /// Signatures the Safe needs.
    #[arg(long)]
    pub threshold: Option<u64>,
    /// Deploy a governance token, Governor and Timelock; the Timelock owns the policy contract.
    #[arg(long)]
    pub dao: bool,
    /// Plain owner address (an existing Safe or Timelock, or an EOA for testing).
    #[arg(long, value_name = "ADDRESS")]
    pub owner: Option<Address>,
    /// Save the addresses to roflgov.toml under [networks.<network>] (or to --config).
    #[arg(long)]
    pub save: bool,
}

#[derive(Serialize)]
struct Deployed {
    policy_contract: Address,
    owner: Address,
    saved_to: Option<String>,
}

pub async fn run(g: &GlobalArgs, args: DeployArgs) -> CliResult {
    let Some(owner) = args.owner else {
        return Err(usage("--safe-owners and --dao need the Safe/DAO flows, not in this build yet; use --owner"));
    };
    // `--save --config new.toml` creates the file: a missing named config is fine here.
    let mut resolved = g.clone();
    if args.save && resolved.config.as_ref().is_some_and(|p| !p.exists()) {
        resolved.config = None;
    }
    let (network, provider, signer) = resolved.signing_provider().await?;
    progress("deploying RoflAppAdmin");
    let client = roflgov_chain::rofl::RoflAdminClient::deploy_from(provider, signer.address(), owner)
        .await
        .map_err(|e| chain(format!("deploying the policy contract: {e}")))?;
    let mut saved_to = None;
    if args.save {
        let path = g.config.clone().unwrap_or_else(|| PathBuf::from("roflgov.toml"));
        crate::config::save_addresses(&path, &g.network, |n| {
            n.policy_contract = Some(client.address());
            if n.rpc.is_none() { n.rpc = network.rpc.clone(); }
        })?;
        saved_to = Some(path.display().to_string());
    }
    let report = Deployed { policy_contract: client.address(), owner, saved_to };
    emit(g.json, &report, || {
        let mut t = crate::output::Table::new();
        t.row("policy contract", report.policy_contract).row("owner", report.owner);
        if let Some(p) = &report.saved_to {
            t.row("saved to", p);
        }
        t.render()
    });
    Ok(())
}
