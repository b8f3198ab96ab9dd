//! `roflgov deploy`: the policy contract with a Safe or a Governor+Timelock in charge.

use std::path::PathBuf;

use alloy::{
    network::TransactionBuilder,
    primitives::{Address, U256},
    providers::Provider,
    rpc::types::TransactionRequest,
};
use clap::Args;
use roflgov_chain::{
    governor::{DaoParams, GovernorClient, deploy_dao},
    rofl::RoflAdminClient,
    safe::{SafeDeployment, SafeSetup},
};
use serde::Serialize;

use crate::{
    context::GlobalArgs,
    exit::{CliResult, chain, usage},
    output::{emit, progress},
    safeops,
};

#[derive(Args, Debug)]
#[command(group(clap::ArgGroup::new("owner_kind").required(true).args(["safe_owners", "dao", "owner"])))]
pub(crate) struct DeployArgs {
    /// Create a Safe v1.4.1 with these owners (comma separated) to own the policy contract. On
    /// a local anvil (chain id 31337) the Safe contracts are deployed first and checked against
    /// the canonical v1.4.1 code hashes; elsewhere the canonical deployment is used.
    #[arg(long, value_delimiter = ',', value_name = "A,B,C", requires = "threshold")]
    pub safe_owners: Option<Vec<Address>>,
    /// Signatures the Safe needs (1..=number of owners).
    #[arg(long, requires = "safe_owners")]
    pub threshold: Option<u64>,
    /// ROSE to send to the new Safe for the 100 ROSE stake of `app create` [default: 100 on a
    /// local anvil, else 0].
    #[arg(long, value_name = "ROSE", requires = "safe_owners")]
    pub fund_rose: Option<u64>,
    /// Deploy the Safe contracts even on a chain other than a local anvil (a chain without the
    /// canonical Safe deployment).
    #[arg(long, requires = "safe_owners")]
    pub deploy_safe_contracts: bool,
    /// Deploy an ERC20Votes token, a Governor and a Timelock (only the Governor may propose,
    /// cancel and execute); the Timelock owns the policy contract. The token supply goes to
    /// you (or --token-holder), and your votes are delegated to yourself.
    #[arg(long)]
    pub dao: bool,
    /// DAO: who receives the token supply [default: you].
    #[arg(long, value_name = "ADDRESS", requires = "dao")]
    pub token_holder: Option<Address>,
    /// DAO: seconds from proposal to vote start [default: 60 on a local anvil, 1 day elsewhere].
    #[arg(long, value_name = "SECONDS", requires = "dao")]
    pub voting_delay: Option<u64>,
    /// DAO: seconds the vote lasts [default: 600 local, 5 days elsewhere].
    #[arg(long, value_name = "SECONDS", requires = "dao")]
    pub voting_period: Option<u32>,
    /// DAO: Timelock delay in seconds between queue and execute [default: 300 local, 2 days
    /// elsewhere].
    #[arg(long, value_name = "SECONDS", requires = "dao")]
    pub timelock_delay: Option<u64>,
    /// DAO: quorum in percent of the supply [default: 4].
    #[arg(long, value_name = "PERCENT", requires = "dao")]
    pub quorum_percent: Option<u64>,
    /// Plain owner address (an existing Safe or Timelock, or an EOA for testing).
    #[arg(long, value_name = "ADDRESS")]
    pub owner: Option<Address>,
    /// Save the addresses to roflgov.toml under [networks.<network>] (or to --config), so that
    /// later commands find them.
    #[arg(long)]
    pub save: bool,
}

#[derive(Serialize, Default)]
struct Deployed {
    policy_contract: Address,
    owner: Address,
    #[serde(skip_serializing_if = "Option::is_none")]
    safe: Option<Address>,
    #[serde(skip_serializing_if = "Option::is_none")]
    safe_owners: Option<Vec<Address>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    threshold: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    safe_contracts: Option<SafeDeployment>,
    #[serde(skip_serializing_if = "Option::is_none")]
    governor: Option<Address>,
    #[serde(skip_serializing_if = "Option::is_none")]
    timelock: Option<Address>,
    #[serde(skip_serializing_if = "Option::is_none")]
    token: Option<Address>,
    from_block: u64,
    saved_to: Option<String>,
}

/// anvil's default chain id: where deploy funds a new Safe with the app stake by default.
const ANVIL_CHAIN_ID: u64 = 31337;

pub(crate) async fn run(g: &GlobalArgs, args: DeployArgs) -> CliResult {
    if let Some(t) = args.threshold {
        let n = args.safe_owners.as_ref().map_or(0, Vec::len) as u64;
        if t == 0 || t > n {
            return Err(usage(format!("--threshold {t} must be between 1 and the number of owners ({n})")));
        }
    }
    if let Some(owners) = &args.safe_owners {
        let mut sorted = owners.clone();
        sorted.sort();
        sorted.dedup();
        if sorted.len() != owners.len() || owners.contains(&Address::ZERO) {
            return Err(usage("--safe-owners lists an owner twice or the zero address"));
        }
    }
    // `--save --config new.toml` creates the file: a missing named config is fine here (read as
    // empty, never replaced by ./roflgov.toml).
    let mut resolved = g.clone();
    resolved.config_may_be_new = args.save;
    let (network, provider, signer) = resolved.signing_provider().await?;
    let deployer = signer.address();
    let chain_id = provider.get_chain_id().await.map_err(|e| chain(e.to_string()))?;
    let from_block = provider.get_block_number().await.map_err(|e| chain(e.to_string()))?;
    let mut report = Deployed { from_block, ..Default::default() };

    if let Some(owner) = args.owner {
        progress("deploying RoflAppAdmin");
        let client = RoflAdminClient::deploy_from(provider.clone(), deployer, owner)
            .await
            .map_err(|e| chain(format!("deploying the policy contract: {e}")))?;
        report.policy_contract = client.address();
        report.owner = owner;
    } else if let Some(owners) = &args.safe_owners {
        let threshold = args.threshold.expect("clap requires --threshold");
        let deployment = match network.safe_contracts {
            Some(d) => d,
            None if chain_id == ANVIL_CHAIN_ID || args.deploy_safe_contracts => {
                progress(
                    "deploying the Safe v1.4.1 contracts and checking them against the canonical code hashes",
                );
                SafeDeployment::deploy_verified(&provider)
                    .await
                    .map_err(|e| safeops::safe_error("deploying the Safe contracts", e))?
            }
            None => safeops::deployment(&network)?,
        };
        progress(format!("creating a {threshold}-of-{} Safe", owners.len()));
        let safe = deployment
            .create_safe(&provider, &SafeSetup::new(owners.clone(), threshold))
            .await
            .map_err(|e| safeops::safe_error("creating the Safe", e))?;
        progress("deploying RoflAppAdmin owned by the Safe");
        let client = RoflAdminClient::deploy_from(provider.clone(), deployer, safe)
            .await
            .map_err(|e| chain(format!("deploying the policy contract: {e}")))?;
        let fund = args.fund_rose.unwrap_or(if chain_id == ANVIL_CHAIN_ID { 100 } else { 0 });
        if fund > 0 {
            progress(format!("sending {fund} ROSE to the Safe (the stake `app create` locks)"));
            let value = U256::from(fund) * U256::from(10u64).pow(U256::from(18u64));
            let tx = TransactionRequest::default().with_from(deployer).with_to(safe).with_value(value);
            provider
                .send_transaction(tx)
                .await
                .map_err(|e| chain(format!("funding the Safe: {e}")))?
                .get_receipt()
                .await
                .map_err(|e| chain(format!("funding the Safe: {e}")))?;
        }
        report.policy_contract = client.address();
        report.owner = safe;
        report.safe = Some(safe);
        report.safe_owners = Some(owners.clone());
        report.threshold = Some(threshold);
        report.safe_contracts = Some(deployment);
    } else {
        let mut params = if chain_id == ANVIL_CHAIN_ID { DaoParams::local() } else { DaoParams::network() };
        if let Some(v) = args.voting_delay {
            params.voting_delay = v;
        }
        if let Some(v) = args.voting_period {
            params.voting_period = v;
        }
        if let Some(v) = args.timelock_delay {
            params.timelock_delay = U256::from(v);
        }
        if let Some(v) = args.quorum_percent {
            params.quorum_percent = U256::from(v);
        }
        params.token_holder = args.token_holder;
        progress(format!(
            "deploying token, Timelock ({} s delay), Governor ({} s voting delay, {} s vote, {}% quorum) and RoflAppAdmin owned by the Timelock",
            params.timelock_delay, params.voting_delay, params.voting_period, params.quorum_percent
        ));
        let dao = deploy_dao(&provider, deployer, &params)
            .await
            .map_err(|e| crate::daoops::gov_error("deploying the DAO", e))?;
        if args.token_holder.is_none_or(|h| h == deployer) {
            progress("delegating the deployer's votes to itself");
            GovernorClient::new(provider.clone(), dao.governor)
                .delegate(deployer, deployer)
                .await
                .map_err(|e| crate::daoops::gov_error("delegating", e))?;
        }
        report.policy_contract = dao.app_admin.expect("deploy_app_admin is set");
        report.owner = dao.timelock;
        report.governor = Some(dao.governor);
        report.timelock = Some(dao.timelock);
        report.token = Some(dao.token);
    }

    if args.save {
        let path = g.config.clone().unwrap_or_else(|| PathBuf::from("roflgov.toml"));
        crate::config::save_addresses(&path, &g.network, |n| {
            n.policy_contract = Some(report.policy_contract);
            if n.rpc.is_none() {
                n.rpc = network.rpc.clone();
            }
            n.from_block = Some(from_block);
            if report.safe.is_some() {
                n.safe = report.safe;
                n.safe_contracts = report.safe_contracts;
                n.multisend = report.safe_contracts.map(|d| d.multi_send_call_only);
            }
            if report.governor.is_some() {
                n.governor = report.governor;
                n.timelock = report.timelock;
                n.token = report.token;
            }
        })?;
        report.saved_to = Some(path.display().to_string());
    }
    emit(g.json, &report, || {
        let mut t = crate::output::Table::new();
        t.row("policy contract", report.policy_contract).row("owner", report.owner);
        if let Some(safe) = report.safe {
            t.row(
                "Safe",
                format!(
                    "{safe} ({}-of-{}: {})",
                    report.threshold.unwrap_or(0),
                    report.safe_owners.as_ref().map_or(0, Vec::len),
                    safeops::signer_list(report.safe_owners.as_deref().unwrap_or(&[]))
                ),
            );
        }
        if let Some(gov) = report.governor {
            t.row("Governor", gov)
                .row("Timelock", report.timelock.unwrap_or_default())
                .row("token", report.token.unwrap_or_default());
        }
        if let Some(p) = &report.saved_to {
            t.row("saved to", p);
        }
        t.render()
    });
    Ok(())
}
