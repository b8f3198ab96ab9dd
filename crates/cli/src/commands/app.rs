//! `roflgov app create|adopt|show|history`.

use std::path::PathBuf;

use clap::{Args, Subcommand, ValueEnum};
use roflgov_types::IdentifierScheme;
use serde::Serialize;

use super::{propose::{ProposalOutput, load_deployment, notes_of}, verify_quote::parse_app_id};
use crate::{
    chainops,
    context::GlobalArgs,
    exit::{CliResult, usage},
    output::{emit, progress},
    render::{self, Notes},
};

#[derive(Subcommand, Debug)]
pub enum AppCommand {
    /// Create a ROFL app owned by the policy contract, from a rofl.yaml deployment's policy and
    /// metadata (stakes 100 ROSE from the contract's owner).
    Create(CreateArgs),
    /// Adopt an existing app whose ROFL admin was already moved to the policy contract, writing
    /// the complete config of a rofl.yaml deployment.
    Adopt(AdoptArgs),
    /// Print an app's current config: identities (with release notes from --manifest),
    /// endorsements, fees, metadata, secret names, version.
    Show(ShowArgs),
    /// The full change history of one app (or all), rebuilt from the contract's events.
    History(HistoryArgs),
}

#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum Scheme {
    /// App id from the creator's nonce.
    CreatorNonce,
    /// App id from the round and transaction index.
    CreatorRoundIndex,
}

#[derive(Args, Debug)]
pub struct CreateArgs {
    /// rofl.yaml with the app's policy.
    #[arg(long, value_name = "FILE")]
    pub manifest: PathBuf,
    /// Deployment of the rofl.yaml.
    #[arg(long, value_name = "NAME")]
    pub deployment: String,
    /// How the module derives the app id.
    #[arg(long, value_enum, default_value = "creator-nonce")]
    pub scheme: Scheme,
    #[command(flatten)]
    pub out: ProposalOutput,
}

#[derive(Args, Debug)]
pub struct AdoptArgs {
    /// App id (rofl1…) [default: the deployment's app_id].
    #[arg(long, value_name = "APP_ID")]
    pub app: Option<String>,
    /// rofl.yaml with the app's complete current config.
    #[arg(long, value_name = "FILE")]
    pub manifest: PathBuf,
    /// Deployment of the rofl.yaml.
    #[arg(long, value_name = "NAME")]
    pub deployment: String,
    #[command(flatten)]
    pub out: ProposalOutput,
}

#[derive(Args, Debug)]
pub struct ShowArgs {
    /// App id (rofl1…).
    #[arg(long, value_name = "APP_ID")]
    pub app: String,
    /// rofl.yaml whose enclave `version`/`description` annotate the identities.
    #[arg(long, value_name = "FILE", requires = "deployment")]
    pub manifest: Option<PathBuf>,
    /// Deployment of the rofl.yaml.
    #[arg(long, value_name = "NAME")]
    pub deployment: Option<String>,
}

#[derive(Args, Debug)]
pub struct HistoryArgs {
    /// Only this app (rofl1…) [default: every app of the contract].
    #[arg(long, value_name = "APP_ID")]
    pub app: Option<String>,
    /// First block to read logs from.
    #[arg(long, default_value_t = 0)]
    pub from_block: u64,
}

pub async fn run(g: &GlobalArgs, cmd: AppCommand) -> CliResult {
    match cmd {
        AppCommand::Create(args) => create(g, args).await,
        AppCommand::Adopt(_) => Err(usage("app adopt through a Safe or DAO needs the Safe/DAO flows, not in this build yet")),
        AppCommand::Show(args) => show(g, args).await,
        AppCommand::History(args) => history(g, args).await,
    }
}

async fn create(g: &GlobalArgs, args: CreateArgs) -> CliResult {
    let dep = load_deployment(&args.manifest, &args.deployment)?;
    let scheme = match args.scheme {
        Scheme::CreatorNonce => IdentifierScheme::CreatorNonce,
        Scheme::CreatorRoundIndex => IdentifierScheme::CreatorRoundIndex,
    };
    if !args.out.send {
        return Err(usage("only --send is available in this build for app create"));
    }
    let (network, provider, signer) = g.signing_provider().await?;
    let address = crate::context::require_policy_contract(&network)?;
    let client = roflgov_chain::rofl::RoflAdminClient::new(address, provider);
    progress("sending createApp with the 100 ROSE stake");
    let (app, receipt) = client
        .create_app(signer.address(), &dep.policy, &dep.metadata, scheme)
        .await
        .map_err(|e| chainops::rofl_error("creating the app", e))?;
    #[derive(Serialize)]
    struct Created {
        app: String,
        transaction: String,
    }
    let report = Created { app: app.to_string(), transaction: receipt.transaction_hash.to_string() };
    emit(g.json, &report, || format!("created app {app}\n  transaction {}", report.transaction));
    Ok(())
}

async fn show(g: &GlobalArgs, args: ShowArgs) -> CliResult {
    let app = parse_app_id(&args.app)?;
    let notes: Notes = match (&args.manifest, &args.deployment) {
        (Some(m), Some(d)) => notes_of(&load_deployment(m, d)?),
        _ => Notes::new(),
    };
    let (_, managed) = chainops::read_app(g, app).await?;
    emit(g.json, &managed, || render::config(&managed.config, Some(managed.version), &notes));
    Ok(())
}

async fn history(g: &GlobalArgs, args: HistoryArgs) -> CliResult {
    let app = args.app.as_deref().map(parse_app_id).transpose()?;
    let (_, client) = chainops::client(g).await?;
    let entries = client.history(app, args.from_block).await.map_err(|e| chainops::rofl_error("reading the history", e))?;
    emit(g.json, &entries, || {
        if entries.is_empty() {
            return "no history".into();
        }
        entries.iter().map(|e| format!("{}\n", e.summary())).collect()
    });
    Ok(())
}
