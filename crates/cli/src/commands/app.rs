//! `roflgov app create|adopt|show|history`.

use std::path::PathBuf;

use clap::{Args, Subcommand, ValueEnum};
use roflgov_types::IdentifierScheme;
use serde::Serialize;

use roflgov_chain::rofl::{PolicyChange, bindings::RoflAppAdmin::AppCreated};
use roflgov_types::AppId;

use super::{propose::{Intent, Opened, ProposalOutput, load_deployment, notes_of, open}, verify_quote::parse_app_id};
use crate::{
    chainops,
    context::GlobalArgs,
    exit::{CliResult, input, usage, verification},
    output::{emit, progress},
    render::{self, Notes},
};

#[derive(Subcommand, Debug)]
pub enum AppCommand {
    /// Create a ROFL app administered by the policy contract, from a rofl.yaml deployment's
    /// policy and metadata; the 100 ROSE stake comes from the contract's owner (the Safe or,
    /// for a Governor proposal, the executor). Opened like `propose`: --safe-out,
    /// --tx-builder-out, --governor or --send.
    Create(CreateArgs),
    /// Adopt an existing app whose ROFL admin was already moved to the policy contract (`oasis
    /// rofl update --admin <policy contract's oasis1 address>`), writing the complete config of
    /// a rofl.yaml deployment (policy, metadata, secrets). Opened like `propose`.
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
        AppCommand::Adopt(args) => adopt(g, args).await,
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
    let (_, client) = chainops::client(g).await?;
    let change = PolicyChange::CreateApp { policy: dep.policy.clone(), metadata: dep.metadata.clone(), scheme };
    let data = change.to_calldata(AppId::default(), 0).map_err(|e| input(format!("{}: {e}", args.manifest.display())))?;
    let intent = Intent {
        app: None,
        to: client.address(),
        value: change.value(),
        data,
        title: format!("roflgov: create a ROFL app from {} (deployment {}), staking 100 ROSE", args.manifest.display(), args.deployment),
    };
    if !args.out.send {
        progress("the app is created (and its id known) when the proposal executes; it stakes 100 ROSE from the policy contract's owner");
    } else {
        progress("sending createApp with the 100 ROSE stake");
    }
    let opened = open(g, &args.out, &intent).await?;
    let app = opened.receipt.as_ref().and_then(|r| {
        r.inner.logs().iter().find_map(|log| log.log_decode::<AppCreated>().ok().map(|e| AppId(e.inner.data.appId.0)))
    });
    #[derive(Serialize)]
    struct Created<'a> {
        #[serde(skip_serializing_if = "Option::is_none")]
        app: Option<String>,
        #[serde(flatten)]
        opened: &'a Opened,
    }
    let report = Created { app: app.map(|a| a.to_string()), opened: &opened };
    emit(g.json, &report, || {
        let mut out = String::new();
        if let Some(app) = &report.app {
            out.push_str(&format!("created app {app}\n"));
        }
        out.push_str(&opened.render());
        out
    });
    Ok(())
}

async fn adopt(g: &GlobalArgs, args: AdoptArgs) -> CliResult {
    let dep = load_deployment(&args.manifest, &args.deployment)?;
    let app = match (&args.app, dep.app_id) {
        (Some(text), _) => parse_app_id(text)?,
        (None, Some(id)) => id,
        (None, None) => return Err(usage(format!(
            "{}: deployment {} has no app_id: pass --app", args.manifest.display(), args.deployment
        ))),
    };
    let (_, client) = chainops::client(g).await?;
    if client.is_managed(app).await.map_err(|e| chainops::rofl_error("reading the contract", e))? {
        return Err(usage(format!("app {app} is already managed by policy contract {}", client.address())));
    }
    // On a local chain, check the precondition with the stand-in: the app's ROFL admin must
    // already be the policy contract (moved there with `oasis rofl update --admin`).
    let stand_in = roflgov_chain::rofl::RoflStandIn::new(client.provider().clone());
    if let Ok(true) = stand_in.app_exists(app).await
        && let Ok(config) = stand_in.config(app).await
    {
        let contract_admin = client.rofl_admin_address().await.map_err(|e| chainops::rofl_error("reading", e))?;
        if config.admin != Some(contract_admin) {
            return Err(verification(format!(
                "app {app}'s ROFL admin is {}, not the policy contract ({contract_admin}): move it first with `oasis rofl update --admin {contract_admin}`; nothing was proposed",
                config.admin.map(|a| a.to_string()).unwrap_or_else(|| "none".into())
            )));
        }
    }
    let change = PolicyChange::AdoptApp { policy: dep.policy.clone(), metadata: dep.metadata.clone(), secrets: dep.secrets.clone() };
    let data = change.to_calldata(app, 0).map_err(|e| input(format!("{}: {e}", args.manifest.display())))?;
    let intent = Intent {
        app: Some(app),
        to: client.address(),
        value: change.value(),
        data,
        title: format!("roflgov: adopt app {app} with the complete config of deployment {}", args.deployment),
    };
    let opened = open(g, &args.out, &intent).await?;
    #[derive(Serialize)]
    struct Adopted<'a> {
        app: String,
        #[serde(flatten)]
        opened: &'a Opened,
    }
    let report = Adopted { app: app.to_string(), opened: &opened };
    emit(g.json, &report, || {
        let mut out = format!(
            "adopt app {app}: writes {} enclave(s), {} metadata key(s), secrets [{}]\n",
            dep.policy.enclaves.len(),
            dep.metadata.len(),
            dep.secrets.keys().cloned().collect::<Vec<_>>().join(", ")
        );
        out.push_str(&opened.render());
        out
    });
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
