//! `roflgov deploy`: the policy contract with a Safe or a Governor+Timelock in charge.

use std::path::PathBuf;

use alloy::{
    network::TransactionBuilder,
    primitives::{Address, U256},
    providers::Provider,
    rpc::types::TransactionRequest,
};
use clap::Args;
use roflgov_client::{deploy::deploy_dao, rofl::RoflAdminClient};
use roflgov_governor::{DaoParams, GovernorClient};
use roflgov_safe::{SafeDeployment, SafeSetup};
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
    /// ROSE to send to the new Safe for the 100 ROSE stake of `app create`, with up to 18
    /// decimals (e.g. 0.5) [default: 100 on a local anvil, else 0].
    #[arg(long, value_name = "ROSE", requires = "safe_owners")]
    pub fund_rose: Option<roflgov_core::units::RoseAmount>,
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
    let config_path = g.config.clone().unwrap_or_else(|| PathBuf::from("roflgov.toml"));
    let journal = args.save.then(|| journal_path(&config_path));
    if let Some(jpath) = &journal {
        refuse_unfinished(&provider, jpath, &config_path).await?;
        // Written before the first transaction: every contract this run creates is at a CREATE
        // address of the deployer from this nonce on, so an interrupted run can always be
        // accounted for (see `refuse_unfinished`).
        let nonce = provider
            .get_transaction_count(deployer)
            .pending()
            .await
            .map_err(|e| chain(format!("reading the deployer's nonce: {e}")))?;
        let entry = Journal {
            kind: JOURNAL_KIND.into(),
            network: g.network.clone(),
            chain_id,
            deployer,
            first_nonce: nonce,
            from_block,
        };
        let text = serde_json::to_string_pretty(&entry).map_err(|e| chain(e.to_string()))?;
        crate::fsutil::write_atomic(jpath, text.as_bytes())?;
    }
    let result = deploy_all(&args, &network, &provider, deployer, chain_id, from_block).await;
    let mut report = match (result, &journal) {
        (Ok(r), _) => r,
        (Err(e), Some(jpath)) => {
            let created = unfinished(&provider, jpath).await.map(|(_, c)| c).unwrap_or_default();
            return Err(crate::exit::CliError {
                kind: e.kind,
                error: eyre::eyre!(
                    "{e}\nthe deployment stopped before its addresses were saved to {}: {}; recorded in {} (the next `deploy --save` reports them)",
                    config_path.display(),
                    describe(&created),
                    jpath.display()
                ),
            });
        }
        (Err(e), None) => return Err(e),
    };
    if args.save {
        let path = config_path;
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
        if let Some(jpath) = &journal {
            std::fs::remove_file(jpath)
                .map_err(|e| chain(format!("addresses saved, but removing {}: {e}", jpath.display())))?;
        }
        report.saved_to = Some(path.display().to_string());
    }
    show(g.json, &report);
    Ok(())
}

/// Deploys what `args` asks for; nothing is saved here.
async fn deploy_all(
    args: &DeployArgs,
    network: &crate::config::Network,
    provider: &alloy::providers::DynProvider,
    deployer: Address,
    chain_id: u64,
    from_block: u64,
) -> CliResult<Deployed> {
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
                SafeDeployment::deploy_verified(provider)
                    .await
                    .map_err(|e| safeops::safe_error("deploying the Safe contracts", e))?
            }
            None => safeops::deployment(network)?,
        };
        progress(format!("creating a {threshold}-of-{} Safe", owners.len()));
        let safe = deployment
            .create_safe(provider, &SafeSetup::new(owners.clone(), threshold))
            .await
            .map_err(|e| safeops::safe_error("creating the Safe", e))?;
        progress("deploying RoflAppAdmin owned by the Safe");
        let client = RoflAdminClient::deploy_from(provider.clone(), deployer, safe)
            .await
            .map_err(|e| chain(format!("deploying the policy contract: {e}")))?;
        let default = if chain_id == ANVIL_CHAIN_ID { roflgov_core::rofl::CREATE_STAKE } else { U256::ZERO };
        let value = args.fund_rose.map_or(default, |amount| amount.wei());
        if !value.is_zero() {
            progress(format!(
                "sending {} to the Safe (the stake `app create` locks)",
                roflgov_core::firewall::format_rose(value)
            ));
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
        let dao = deploy_dao(provider, deployer, &params)
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

    Ok(report)
}

fn show(json: bool, report: &Deployed) {
    emit(json, report, || {
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
}

/// What `deploy --save` writes next to the config file before its first transaction, and
/// removes once the addresses are saved.
#[derive(Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct Journal {
    kind: String,
    network: String,
    chain_id: u64,
    deployer: Address,
    /// The deployer's nonce before the first transaction.
    first_nonce: u64,
    from_block: u64,
}

const JOURNAL_KIND: &str = "roflgov-deploy-journal-v1";

/// `roflgov.toml` → `roflgov.toml.deploy-journal.json`.
fn journal_path(config: &std::path::Path) -> PathBuf {
    let mut name = config.file_name().map(|n| n.to_os_string()).unwrap_or_else(|| "roflgov.toml".into());
    name.push(".deploy-journal.json");
    config.with_file_name(name)
}

/// The journal at `path` and the contracts its run created: the CREATE addresses of the
/// deployer for every nonce it has used since, that have code (contracts a transaction of the
/// run deployed; factory-made ones, like a Safe proxy, are reached from those).
async fn unfinished(
    provider: &alloy::providers::DynProvider,
    path: &std::path::Path,
) -> CliResult<(Journal, Vec<Address>)> {
    let text = crate::fsutil::read_input_text(path)?;
    let journal: Journal = serde_json::from_str(&text)
        .map_err(|e| crate::exit::input(format!("{}: not a deploy journal: {e}", path.display())))?;
    if journal.kind != JOURNAL_KIND {
        return Err(crate::exit::input(format!("{}: not a deploy journal", path.display())));
    }
    let now = provider
        .get_transaction_count(journal.deployer)
        .await
        .map_err(|e| chain(format!("reading the deployer's nonce: {e}")))?;
    let mut created = Vec::new();
    for nonce in journal.first_nonce..now {
        let address = journal.deployer.create(nonce);
        let code = provider
            .get_code_at(address)
            .await
            .map_err(|e| chain(format!("reading the code at {address}: {e}")))?;
        if !code.is_empty() {
            created.push(address);
        }
    }
    Ok((journal, created))
}

fn describe(created: &[Address]) -> String {
    if created.is_empty() {
        "no contract was created".into()
    } else {
        format!(
            "contracts created: {}",
            created.iter().map(ToString::to_string).collect::<Vec<_>>().join(", ")
        )
    }
}

/// Refuses to start a new `deploy --save` while the journal of an unfinished one exists,
/// reporting what that run created, so that no deployed contract goes unrecorded.
async fn refuse_unfinished(
    provider: &alloy::providers::DynProvider,
    path: &std::path::Path,
    config: &std::path::Path,
) -> CliResult {
    if !path.exists() {
        return Ok(());
    }
    let (journal, created) = unfinished(provider, path).await?;
    Err(usage(format!(
        "{}: an earlier `roflgov deploy --save` (network {}, chain id {}, deployer {}) did not finish, and its addresses are not in {}: {}. Note or reuse them (e.g. --policy-contract ADDRESS), then delete {} to deploy again; nothing was sent",
        path.display(),
        roflgov_core::text::escape(&journal.network),
        journal.chain_id,
        journal.deployer,
        config.display(),
        describe(&created),
        path.display()
    )))
}
