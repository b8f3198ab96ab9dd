//! `roflgov app create|adopt|show|history|instances|prune`.

use std::path::PathBuf;

use clap::{Args, Subcommand, ValueEnum};
use roflgov_core::review::{ConfigDiff, EnclaveNotes};
use roflgov_types::{AppConfig, IdentifierScheme};
use serde::Serialize;

use roflgov_client::oasis_node::ModuleSource;
use roflgov_client::rofl::{RoflAdminClient, RoflStandIn, app_instances, bindings::RoflAppAdmin::AppCreated};
use roflgov_core::rofl::{IdentityStatus, PolicyChange, ReleaseRecord, format_deadline};
use roflgov_types::AppId;

use crate::{
    chainops,
    context::GlobalArgs,
    exit::{CliResult, chain, input, usage, verification},
    output::{emit, progress, warn},
    render::{self, Notes},
};
use crate::{
    inputs::{deployment_and_app, load_deployment, notes_of},
    proposal::{Intent, Opened, ProposalOutput, open},
};

#[derive(Subcommand, Debug)]
pub(crate) enum AppCommand {
    /// Create a ROFL app administered by the policy contract, from a rofl.yaml deployment's
    /// policy and metadata; the 100 ROSE stake comes from the contract's owner (the Safe or,
    /// for a Governor proposal, the executor). Opened like `propose`: --safe-out,
    /// --tx-builder-out, --governor or --send.
    Create(CreateArgs),
    /// Adopt an existing app whose ROFL admin was already moved to the policy contract (`oasis
    /// rofl update --admin <policy contract's oasis1 address>`), writing the complete config of
    /// a rofl.yaml deployment (policy, metadata, secrets). Opened like `propose`.
    Adopt(AdoptArgs),
    /// Print an app's current config: identities with their on-chain release records (version,
    /// repository, commit, bundle and rofl.yaml hashes, notes) and grace deadlines, the guardian,
    /// whether the app is frozen, endorsements, fees, metadata, secret names, version.
    Show(ShowArgs),
    /// The full change history of one app (or all), rebuilt from the contract's events.
    History(HistoryArgs),
    /// List the instances registered for an app in the ROFL module (local stand-in): the
    /// identity and release each runs, and flags for those running a revoked or no longer
    /// allowed identity. Exit 4 when an instance runs a revoked or disallowed identity.
    Instances(InstancesArgs),
    /// Write an app's whole accountability record as JSON and Markdown, ready to publish: every
    /// change with who approved it, every release record, every instance registration with
    /// the identity and release it ran.
    Audit(AuditArgs),
    /// Remove every identity whose grace deadline has passed, in one update. Anyone may send
    /// it (your key pays the gas); refused before a deadline has passed.
    Prune(PruneArgs),
    /// How a release reaches the app's machines (local chain): per machine the contract holds,
    /// whether its commands were taken and what it runs; whether an instance with the new
    /// identity registered; until when registrations of other identities stay valid. Exit 4
    /// while no instance runs the new identity.
    Rollout(RolloutArgs),
}

#[derive(Args, Debug)]
pub(crate) struct RolloutArgs {
    /// App id (rofl1…).
    #[arg(long, value_name = "APP_ID", value_parser = crate::inputs::app_id_arg)]
    pub app: AppId,
    /// The new identity (base64, as rofl.yaml writes it).
    #[arg(long, value_name = "ID")]
    pub enclave: roflgov_types::EnclaveIdentity,
}

#[derive(Args, Debug)]
pub(crate) struct InstancesArgs {
    /// App id (rofl1…).
    #[arg(value_name = "APP", value_parser = crate::inputs::app_id_arg)]
    pub app: AppId,
}

#[derive(Args, Debug)]
pub(crate) struct AuditArgs {
    /// App id (rofl1…).
    #[arg(long, value_name = "APP_ID", value_parser = crate::inputs::app_id_arg)]
    pub app: AppId,
    /// Folder to write `audit.json` and `audit.md` into (created if missing).
    #[arg(long, value_name = "DIR")]
    pub out_dir: PathBuf,
}

#[derive(Args, Debug)]
pub(crate) struct PruneArgs {
    /// App id (rofl1…).
    #[arg(long, value_name = "APP_ID", value_parser = crate::inputs::app_id_arg)]
    pub app: AppId,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
pub(crate) enum Scheme {
    /// App id from the creator's nonce.
    CreatorNonce,
    /// App id from the round and transaction index.
    CreatorRoundIndex,
}

#[derive(Args, Debug)]
pub(crate) struct CreateArgs {
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
pub(crate) struct AdoptArgs {
    /// App id (rofl1…) [default: the deployment's app_id].
    #[arg(long, value_name = "APP_ID", value_parser = crate::inputs::app_id_arg)]
    pub app: Option<AppId>,
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
pub(crate) struct ShowArgs {
    /// App id (rofl1…).
    #[arg(long, value_name = "APP_ID", value_parser = crate::inputs::app_id_arg)]
    pub app: AppId,
    /// rofl.yaml whose enclave `version`/`description` annotate the identities.
    #[arg(long, value_name = "FILE", requires = "deployment")]
    pub manifest: Option<PathBuf>,
    /// Deployment of the rofl.yaml.
    #[arg(long, value_name = "NAME")]
    pub deployment: Option<String>,
}

#[derive(Args, Debug)]
pub(crate) struct HistoryArgs {
    /// Only this app (rofl1…) [default: every app of the contract].
    #[arg(long, value_name = "APP_ID", value_parser = crate::inputs::app_id_arg)]
    pub app: Option<AppId>,
    /// First block to read logs from.
    #[arg(long, default_value_t = 0)]
    pub from_block: u64,
    /// Also write the history as a Markdown table (date, block, transaction, change, who
    /// approved it) to FILE, for publishing.
    #[arg(long, value_name = "FILE")]
    pub markdown: Option<PathBuf>,
}

pub(crate) async fn run(g: &GlobalArgs, cmd: AppCommand) -> CliResult {
    match cmd {
        AppCommand::Create(args) => create(g, args).await,
        AppCommand::Adopt(args) => adopt(g, args).await,
        AppCommand::Show(args) => show(g, args).await,
        AppCommand::History(args) => history(g, args).await,
        AppCommand::Instances(args) => instances(g, args).await,
        AppCommand::Prune(args) => prune(g, args).await,
        AppCommand::Audit(args) => audit(g, args).await,
        AppCommand::Rollout(args) => rollout(g, args).await,
    }
}

async fn rollout(g: &GlobalArgs, args: RolloutArgs) -> CliResult {
    use std::fmt::Write as _;
    let app = args.app;
    let identity = args.enclave;
    let (_, client) = chainops::client(g).await?;
    if !client.is_managed(app).await.map_err(|e| chainops::rofl_error("reading the contract", e))? {
        return Err(usage(format!("the policy contract {} does not manage app {app}", client.address())));
    }
    let machines = roflgov_client::machines::app_machines(client.provider().clone(), client.address(), app)
        .await
        .map_err(|e| chain(format!("reading the app's machines: {e}")))?;
    let stand_in = RoflStandIn::new(client.provider().clone());
    let list = app_instances(&client, &stand_in, app).await.map_err(|e| {
        chain(format!(
            "listing the instances of {app} (the ROFL stand-in of a local chain answers this): {e}"
        ))
    })?;
    let now = client.chain_time().await.map_err(|e| chainops::rofl_error("reading the chain time", e))?;
    let new: Vec<_> = list.iter().filter(|i| i.authorized && i.identity == identity).collect();
    let old: Vec<_> = list.iter().filter(|i| i.authorized && i.identity != identity).collect();
    // A registration is valid while the epoch is below its expiration: until that epoch starts.
    let old_until =
        old.iter().map(|i| i.expiration_epoch * roflgov_client::rofl::STAND_IN_EPOCH_SECONDS).max();
    #[derive(Serialize)]
    struct Rollout<'a> {
        app: AppId,
        identity: String,
        machines: &'a [roflgov_client::machines::MachineView],
        new_instances: Vec<alloy::primitives::Address>,
        old_instances: Vec<alloy::primitives::Address>,
        old_valid_until: Option<u64>,
    }
    let report = Rollout {
        app,
        identity: identity.to_text(),
        machines: &machines,
        new_instances: new.iter().map(|i| i.address).collect(),
        old_instances: old.iter().map(|i| i.address).collect(),
        old_valid_until: old_until,
    };
    emit(g.json, &report, || {
        let mut out = format!("rollout of {} to {app}:\n", report.identity.escape_debug());
        if machines.is_empty() {
            out.push_str("  the policy contract holds no machine of this app\n");
        }
        for m in &machines {
            let _ = write!(out, "  machine {} of provider {}: ", m.id, m.provider);
            match &m.market {
                Some(s) if s.queued_commands == 0 => out.push_str("commands taken"),
                Some(s) => {
                    let _ = write!(out, "{} command(s) not yet taken", s.queued_commands);
                }
                None => out.push_str("command queue not readable on this chain"),
            }
            if let Some(hash) = m.market.as_ref().and_then(|s| s.manifest_hash) {
                let _ = write!(out, ", runs manifest {hash}");
            }
            out.push('\n');
        }
        match report.new_instances.as_slice() {
            [] => out.push_str("  no instance with the new identity registered yet\n"),
            keys => {
                let _ = writeln!(out, "  registered with the new identity: {}", join(keys));
            }
        }
        match old_until {
            Some(until) => {
                let _ = writeln!(
                    out,
                    "  {} instance(s) of other identities stay valid until {}: {}",
                    report.old_instances.len(),
                    format_deadline(until, Some(now)),
                    join(&report.old_instances)
                );
            }
            None => out.push_str("  no registration of another identity is valid\n"),
        }
        out
    });
    if report.new_instances.is_empty() {
        return Err(verification(format!("no instance of {app} runs the new identity yet")));
    }
    Ok(())
}

fn join(keys: &[alloy::primitives::Address]) -> String {
    keys.iter().map(ToString::to_string).collect::<Vec<_>>().join(", ")
}

async fn create(g: &GlobalArgs, args: CreateArgs) -> CliResult {
    let dep = load_deployment(&args.manifest, &args.deployment)?;
    let scheme = match args.scheme {
        Scheme::CreatorNonce => IdentifierScheme::CreatorNonce,
        Scheme::CreatorRoundIndex => IdentifierScheme::CreatorRoundIndex,
    };
    let (_, client) = chainops::client(g).await?;
    let change =
        PolicyChange::CreateApp { policy: dep.policy.clone(), metadata: dep.metadata.clone(), scheme };
    let data = change
        .to_calldata(AppId::default(), 0)
        .map_err(|e| input(format!("{}: {e}", args.manifest.display())))?;
    let intent = Intent {
        app: None,
        to: client.address(),
        value: change.value(),
        data,
        title: format!(
            "roflgov: create a ROFL app from {} (deployment {}), staking 100 ROSE",
            args.manifest.display(),
            args.deployment
        ),
    };
    if !args.out.send {
        progress(
            "the app is created (and its id known) when the proposal executes; it stakes 100 ROSE from the policy contract's owner",
        );
    } else {
        progress("sending createApp with the 100 ROSE stake");
    }
    let opened = open(g, &args.out, &intent).await?;
    let app = opened.receipt.as_ref().and_then(|r| {
        r.inner
            .logs()
            .iter()
            .find_map(|log| log.log_decode::<AppCreated>().ok().map(|e| AppId(e.inner.data.appId.0)))
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
    let (dep, app) = deployment_and_app(&args.manifest, &args.deployment, args.app)?;
    let (network, client) = chainops::client(g).await?;
    if client.is_managed(app).await.map_err(|e| chainops::rofl_error("reading the contract", e))? {
        return Err(usage(format!("app {app} is already managed by policy contract {}", client.address())));
    }
    // The module's config now (Sapphire: through an Oasis node; a local chain: the stand-in).
    // Precondition: the app's ROFL admin must already be the policy contract (moved there with
    // `oasis rofl update --admin`).
    let module = chainops::module_source(&network, client.provider()).await?;
    let current = match module.app_config(client.provider(), app).await {
        Ok(Some(config)) => Some(config),
        Ok(None) => {
            warn(format!("{} has no app {app}", module.describe()));
            None
        }
        Err(reason) => {
            warn(format!("reading {}: {reason}", module.describe()));
            None
        }
    };
    if let Some(config) = &current {
        let contract_admin =
            client.rofl_admin_address().await.map_err(|e| chainops::rofl_error("reading", e))?;
        if config.admin != Some(contract_admin) {
            return Err(verification(format!(
                "app {app}'s ROFL admin is {}, not the policy contract ({contract_admin}): move it first with `oasis rofl update --admin {contract_admin}`; nothing was proposed",
                config.admin.map(|a| a.to_string()).unwrap_or_else(|| "none".into())
            )));
        }
    }
    // What the module holds now against what adoption writes (the whole config: whatever the
    // deployment lacks goes). The per-app review flags every key and secret that disappears.
    let diff = current.as_ref().map(|before| {
        let after = AppConfig {
            id: app,
            policy: dep.policy.clone(),
            admin: before.admin,
            metadata: dep.metadata.clone(),
            secrets: dep.secrets.clone(),
        };
        ConfigDiff::between(before, &after, Some(&EnclaveNotes::from_deployment(&dep)))
    });
    if diff.is_none() {
        warn(format!(
            "the module's current config of {app} cannot be read from here: compare it (`oasis rofl show`) with \
             deployment {} before signing; adoption writes the whole config, and every metadata key or secret \
             the deployment lacks disappears",
            args.deployment
        ));
    }
    let change = PolicyChange::AdoptApp {
        policy: dep.policy.clone(),
        metadata: dep.metadata.clone(),
        secrets: dep.secrets.clone(),
    };
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
        /// The module's config now against what adoption writes; absent when the module
        /// cannot be read from here.
        #[serde(skip_serializing_if = "Option::is_none")]
        diff: Option<&'a ConfigDiff>,
        #[serde(flatten)]
        opened: &'a Opened,
    }
    let report = Adopted { app: app.to_string(), diff: diff.as_ref(), opened: &opened };
    emit(g.json, &report, || {
        let mut out = format!(
            "adopt app {app}: writes {} enclave(s), {} metadata key(s), secrets [{}]\n",
            dep.policy.enclaves.len(),
            dep.metadata.len(),
            dep.secrets.keys().cloned().collect::<Vec<_>>().join(", ")
        );
        if let Some(diff) = &diff {
            out.push_str(&format!("\n{diff}\n"));
        }
        out.push_str(&opened.render());
        out
    });
    Ok(())
}

async fn show(g: &GlobalArgs, args: ShowArgs) -> CliResult {
    let app = args.app;
    let deployment = match (&args.manifest, &args.deployment) {
        (Some(m), Some(d)) => Some(load_deployment(m, d)?),
        _ => None,
    };
    let notes: Notes = deployment.as_ref().map_or_else(Notes::new, notes_of);
    let (network, client) = chainops::client(g).await?;
    let module = chainops::module_source(&network, client.provider()).await?;
    let on_sapphire = matches!(module, ModuleSource::Node(_));
    // On Sapphire the machines are the deployment's in rofl.yaml, read through the node.
    let listed = match (&args.manifest, &args.deployment) {
        (Some(m), Some(d)) => roflgov_types::manifest::Manifest::from_path(m)
            .map_err(input)?
            .deployments
            .get(d.as_str())
            .map(|d| d.machines.clone()),
        _ => None,
    };
    let node_machines = match (&module, &listed) {
        (ModuleSource::Node(node), Some(dep)) => Some((
            crate::node_machines::machines_from_node(node, dep).await?,
            format!(
                "machines of the deployment (roflmarket through the Oasis node at {}):",
                roflgov_core::text::escape(node.endpoint())
            ),
        )),
        _ => None,
    };
    if on_sapphire
        && !client.is_managed(app).await.map_err(|e| chainops::rofl_error("reading the contract", e))?
    {
        return show_module_only(g, &module, &client, app, &notes, node_machines).await;
    }
    let managed = client.get_app(app).await.map_err(|e| chainops::rofl_error("reading the app", e))?;
    // On Sapphire, the module's own config against the contract's: they differ only if the app
    // was changed behind the contract's back (or the contract's update has not landed).
    let module_check = if on_sapphire {
        let read = module.app_config(client.provider(), app).await;
        Some(ModuleCheck::new(&module, &managed.config, read))
    } else {
        None
    };
    let state = client
        .release_state(app, &[])
        .await
        .map_err(|e| chainops::rofl_error("reading the release records", e))?;
    let now = client.chain_time().await.map_err(|e| chainops::rofl_error("reading the chain time", e))?;
    let identities: Vec<IdentityOut> = managed
        .config
        .policy
        .enclaves
        .iter()
        .map(|id| {
            let info = state.info(&managed.config, id);
            IdentityOut {
                identity: roflgov_attest::identity_to_base64(id),
                status: info.status,
                release_id: info.release_id,
                release: state.release(info.release_id).cloned(),
                retire_at: (info.retire_at != 0).then_some(info.retire_at),
                retire_at_human: (info.retire_at != 0).then(|| format_deadline(info.retire_at, Some(now))),
            }
        })
        .collect();
    let (machines, machines_title) = match node_machines {
        Some(found) => found,
        None => (
            roflgov_client::machines::app_machines(client.provider().clone(), client.address(), app)
                .await
                .map_err(|e| chain(format!("reading the app's machines: {e}")))?,
            "machines held by the policy contract:".to_owned(),
        ),
    };
    let report = ShowOut {
        machines: &machines,
        config: &managed.config,
        version: managed.version,
        guardian: state.guardian,
        frozen: state.frozen,
        identities,
        releases: state.releases.len(),
        locks: &state.locks,
        chain_time: now,
        module: module_check.as_ref().map(|(check, _)| check),
    };
    if let Some((check, _)) = &module_check
        && check.matches != Some(true)
    {
        warn(check.summary());
    }
    emit(g.json, &report, || {
        let mut out = render::config(&managed.config, Some(managed.version), &notes);
        out.push_str(&render::release_governance(&managed.config, &state, now));
        out.push_str(&render::locks(&managed.config, &state.locks));
        out.push_str(&render_machines(&machines_title, &machines, now));
        if let Some((check, diff)) = &module_check {
            out.push_str(&format!("\n{}\n", check.summary()));
            if let Some(diff) = diff {
                out.push_str(&format!("{diff}\n"));
            }
        }
        out
    });
    Ok(())
}

/// The module's config of an app compared with the policy contract's.
#[derive(Serialize)]
struct ModuleCheck {
    /// Where it was read (`the ROFL module through the Oasis node at …`).
    source: String,
    /// Whether it equals the contract's (`None`: it could not be read).
    #[serde(skip_serializing_if = "Option::is_none")]
    matches: Option<bool>,
    /// Why it could not be read.
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<String>,
}

impl ModuleCheck {
    fn new(
        module: &ModuleSource,
        contract: &AppConfig,
        read: Result<Option<AppConfig>, String>,
    ) -> (Self, Option<ConfigDiff>) {
        let source = module.describe();
        match read {
            Ok(Some(config)) => {
                let matches = config == *contract;
                let diff = (!matches).then(|| ConfigDiff::between(&config, contract, None));
                (Self { source, matches: Some(matches), error: None }, diff)
            }
            Ok(None) => {
                (Self { source, matches: None, error: Some("the module has no such app".into()) }, None)
            }
            Err(reason) => (Self { source, matches: None, error: Some(reason) }, None),
        }
    }

    fn summary(&self) -> String {
        match (self.matches, &self.error) {
            (Some(true), _) => {
                format!("module: {} holds the same config as the policy contract", self.source)
            }
            (Some(false), _) => format!(
                "module: {} holds a config that DIFFERS from the policy contract's (module → contract below)",
                self.source
            ),
            (None, error) => format!(
                "module: cannot compare with {}: {}",
                self.source,
                error.as_deref().unwrap_or("unknown error")
            ),
        }
    }
}

/// `app show` of an app the policy contract does not manage, on Sapphire: the module's config.
async fn show_module_only(
    g: &GlobalArgs,
    module: &ModuleSource,
    client: &RoflAdminClient<alloy::providers::DynProvider>,
    app: AppId,
    notes: &Notes,
    machines: Option<(Vec<roflgov_client::machines::MachineView>, String)>,
) -> CliResult {
    let config = match module.app_config(client.provider(), app).await {
        Ok(Some(config)) => config,
        Ok(None) => return Err(chain(format!("{} has no app {app}", module.describe()))),
        Err(reason) => return Err(chain(format!("reading {}: {reason}", module.describe()))),
    };
    #[derive(Serialize)]
    struct ModuleShowOut<'a> {
        config: &'a AppConfig,
        managed: bool,
        source: String,
        #[serde(skip_serializing_if = "<[_]>::is_empty")]
        machines: &'a [roflgov_client::machines::MachineView],
    }
    let (machines, machines_title) = machines.unwrap_or_default();
    let now = if machines.is_empty() {
        0
    } else {
        client.chain_time().await.map_err(|e| chainops::rofl_error("reading the chain time", e))?
    };
    let report =
        ModuleShowOut { config: &config, managed: false, source: module.describe(), machines: &machines };
    emit(g.json, &report, || {
        let mut out = format!(
            "app {app} is not managed by policy contract {}; its config in {}:\n",
            client.address(),
            module.describe()
        );
        out.push_str(&render::config(&config, None, notes));
        out.push_str(&render_machines(&machines_title, &machines, now));
        out
    });
    Ok(())
}

/// A machine this close to lapsing is flagged (a top-up or a vote may take this long).
const MACHINE_LAPSE_WARNING: u64 = 7 * 86_400;

/// The machines (`title` says whose), one line each (nothing when it holds none).
fn render_machines(title: &str, machines: &[roflgov_client::machines::MachineView], now: u64) -> String {
    use std::fmt::Write as _;
    if machines.is_empty() {
        return String::new();
    }
    let mut out = format!("\n{title}\n");
    for m in machines {
        let _ = write!(out, "  provider {} offer {} instance {}", m.provider, m.offer, m.id);
        match &m.market {
            Some(state) => {
                let _ = write!(out, ": {}", state.status);
                match (state.app, state.manifest_hash) {
                    (Some(app), Some(hash)) => {
                        let _ = write!(out, ", runs {app} manifest {hash}");
                    }
                    _ => out.push_str(", nothing deployed"),
                }
                if state.queued_commands != 0 {
                    let _ = write!(out, ", {} command(s) not yet taken", state.queued_commands);
                }
            }
            None => out.push_str(": status not read (no local roflmarket stand-in on this chain)"),
        }
        let _ = write!(out, "\n    paid until {}", format_deadline(m.paid_until, Some(now)));
        if m.paid_until <= now {
            out.push_str("  warning: LAPSED");
        } else if m.paid_until - now < MACHINE_LAPSE_WARNING {
            out.push_str("  warning: lapses within 7 days, top it up");
        }
        out.push('\n');
    }
    out
}

#[derive(Serialize)]
struct IdentityOut {
    identity: String,
    status: IdentityStatus,
    release_id: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    release: Option<ReleaseRecord>,
    #[serde(skip_serializing_if = "Option::is_none")]
    retire_at: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    retire_at_human: Option<String>,
}

#[derive(Serialize)]
struct ShowOut<'a> {
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    machines: &'a [roflgov_client::machines::MachineView],
    config: &'a AppConfig,
    version: u64,
    guardian: Option<alloy::primitives::Address>,
    frozen: bool,
    identities: Vec<IdentityOut>,
    /// How many release records the app has.
    releases: usize,
    /// One-way locks: metadata keys, secret names, floors.
    locks: &'a roflgov_core::rofl::LockState,
    chain_time: u64,
    /// On Sapphire: the module's own config compared with the contract's.
    #[serde(skip_serializing_if = "Option::is_none")]
    module: Option<&'a ModuleCheck>,
}

async fn instances(g: &GlobalArgs, args: InstancesArgs) -> CliResult {
    let app = args.app;
    let (_, client) = chainops::client(g).await?;
    let stand_in = RoflStandIn::new(client.provider().clone());
    if !client.is_managed(app).await.map_err(|e| chainops::rofl_error("reading the contract", e))? {
        return Err(usage(format!("the policy contract {} does not manage app {app}", client.address())));
    }
    let now = client.chain_time().await.map_err(|e| chainops::rofl_error("reading the chain time", e))?;
    let list = app_instances(&client, &stand_in, app).await.map_err(|e| chain(format!(
        "listing the instances of {app} (the ROFL stand-in of a local chain answers this; Sapphire's module is not reachable from here): {e}"
    )))?;
    // Removing or revoking an identity evicts nobody (oasis-sdk modules/rofl/mod.rs
    // `is_authorized_origin` only checks for an unexpired registration): such instances cannot
    // renew, but keep their rights until their registration expires.
    let stuck: Vec<_> = list.iter().filter(|i| i.flags.iter().any(|f| f.blocks_renewal())).collect();
    emit(g.json, &list, || render::instances(app, &list, now));
    if !stuck.is_empty() {
        let still: Vec<_> = stuck.iter().filter(|i| i.authorized).collect();
        let window = match still.iter().map(|i| i.expiration_epoch).max() {
            Some(last) => format!(
                "{} of them still authorized until their registration expires (epoch {last} at the latest)",
                still.len()
            ),
            None => "their registrations have expired".to_owned(),
        };
        return Err(verification(format!(
            "{} instance(s) of {app} run a revoked or no longer allowed identity: they cannot renew, {window}; stop or rebuild them",
            stuck.len()
        )));
    }
    Ok(())
}

async fn prune(g: &GlobalArgs, args: PruneArgs) -> CliResult {
    let app = args.app;
    let (network, provider, signer) = g.signing_provider().await?;
    let client = RoflAdminClient::new(crate::context::require_policy_contract(&network)?, provider);
    let expired =
        client.expired_enclaves(app).await.map_err(|e| chainops::rofl_error("reading the deadlines", e))?;
    if expired.is_empty() {
        return Err(verification(format!(
            "no identity of app {app} has passed its grace deadline: nothing to prune; nothing was sent"
        )));
    }
    progress(format!(
        "pruning {} expired identit{} of {app}",
        expired.len(),
        if expired.len() == 1 { "y" } else { "ies" }
    ));
    let receipt = client
        .apply(signer.address(), app, 0, &[PolicyChange::Prune])
        .await
        .map_err(|e| crate::exit::maybe_sent(chainops::rofl_error("pruning", e), "run `roflgov app show`"))?;
    #[derive(Serialize)]
    struct Pruned {
        app: String,
        pruned: Vec<String>,
        tx: String,
    }
    let report = Pruned {
        app: app.to_string(),
        pruned: expired.iter().map(roflgov_attest::identity_to_base64).collect(),
        tx: receipt.transaction_hash.to_string(),
    };
    emit(g.json, &report, || {
        let mut out = format!("pruned from app {app} in {}:\n", report.tx);
        for id in &report.pruned {
            out.push_str(&format!("  - {id}\n"));
        }
        out
    });
    Ok(())
}

async fn history(g: &GlobalArgs, args: HistoryArgs) -> CliResult {
    use roflgov_client::accountability::{ApprovalReader, Approvers};
    let app = args.app;
    let (network, client) = chainops::client(g).await?;
    let entries = client
        .history(app, args.from_block)
        .await
        .map_err(|e| chainops::rofl_error("reading the history", e))?;
    // Who approved each change: from each transaction's receipt (Safe signatures, Governor
    // votes, or the sender); the Governor's votes are scanned from the deployment's first block.
    let approvers = Approvers { safe: network.safe, governor: network.governor, timelock: network.timelock };
    let mut reader =
        ApprovalReader::new(client.provider().clone(), approvers, network.from_block.unwrap_or(0));
    let rows = crate::history::rows(&mut reader, entries).await?;
    if let Some(path) = &args.markdown {
        let title = match app {
            Some(app) => format!("History of ROFL app {app}"),
            None => format!("History of the apps of policy contract {}", client.address()),
        };
        crate::fsutil::write_atomic(path, crate::history::markdown(&title, &rows).as_bytes())?;
        progress(format!("wrote the history table to {}", path.display()));
    }
    emit(g.json, &rows, || crate::history::text(&rows));
    Ok(())
}

async fn audit(g: &GlobalArgs, args: AuditArgs) -> CliResult {
    use roflgov_client::accountability::{ApprovalReader, Approvers};
    let app = args.app;
    let (network, client) = chainops::client(g).await?;
    let entries = client
        .history(Some(app), network.from_block.unwrap_or(0))
        .await
        .map_err(|e| chainops::rofl_error("reading the history", e))?;
    let approvers = Approvers { safe: network.safe, governor: network.governor, timelock: network.timelock };
    let mut reader =
        ApprovalReader::new(client.provider().clone(), approvers, network.from_block.unwrap_or(0));
    let history = crate::history::rows(&mut reader, entries).await?;
    let tracer = crate::trace_report::Tracer::open(g, app).await?;
    let generated_at =
        client.chain_time().await.map_err(|e| chainops::rofl_error("reading the chain time", e))?;
    let managed = client.get_app(app).await.map_err(|e| chainops::rofl_error("reading the app", e))?;
    let state =
        client.release_state(app, &[]).await.map_err(|e| chainops::rofl_error("reading the locks", e))?;
    let locks = crate::audit::AuditLocks::new(&managed.config, state.locks);
    let record = crate::audit::Audit::new(app, client.address(), generated_at, history, &tracer, locks);
    std::fs::create_dir_all(&args.out_dir)
        .map_err(|e| input(format!("cannot create {}: {e}", args.out_dir.display())))?;
    let json =
        serde_json::to_string_pretty(&record).map_err(|e| chain(format!("encoding the audit: {e}")))?;
    let json_path = args.out_dir.join("audit.json");
    let md_path = args.out_dir.join("audit.md");
    crate::fsutil::write_atomic(&json_path, json.as_bytes())?;
    crate::fsutil::write_atomic(&md_path, crate::audit::markdown(&record).as_bytes())?;
    #[derive(Serialize)]
    struct Written {
        app: String,
        json: String,
        markdown: String,
        changes: usize,
        releases: usize,
        registrations: usize,
        locks: usize,
    }
    let written = Written {
        app: app.to_string(),
        json: json_path.display().to_string(),
        markdown: md_path.display().to_string(),
        changes: record.history.len(),
        releases: record.releases.len(),
        registrations: record.registrations.len(),
        locks: record.locks.lines.len(),
    };
    emit(g.json, &written, || {
        format!(
            "audit of app {app}: {} changes, {} releases, {} registrations, {} locks\n  wrote {} and {}\n",
            written.changes,
            written.releases,
            written.registrations,
            written.locks,
            roflgov_core::text::escape(&written.json),
            roflgov_core::text::escape(&written.markdown)
        )
    });
    Ok(())
}
