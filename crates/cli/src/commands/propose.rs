//! `roflgov propose`: a release from rofl.yaml as a change set against the on-chain config,
//! opened as a Safe transaction, a Transaction Builder batch or a Governor proposal.

use std::path::PathBuf;

use alloy::primitives::U256;
use clap::Args;
use roflgov_core::rofl::{
    PolicyChange, ReleaseOptions, ReleaseRecord, ReleaseTarget, changes_to_calldata, plan_release_with,
};
use roflgov_core::{rofl::machines, text};
use roflgov_types::{
    AppId,
    manifest::{DeploymentConfig, Manifest},
};
use serde::Serialize;

use crate::inputs::open_bundle;
use crate::{
    chainops,
    context::GlobalArgs,
    exit::{CliResult, input, usage, verification},
    output::emit,
    render::{self},
};
use crate::{
    inputs::{deployment_and_app, notes_of},
    proposal::{Intent, Opened, ProposalOutput, open_with},
};

#[derive(Args, Debug)]
pub(crate) struct ProposeArgs {
    /// rofl.yaml with the release (after `oasis rofl build` updated its enclaves).
    #[arg(long, value_name = "FILE")]
    pub manifest: PathBuf,
    /// Deployment of the rofl.yaml (e.g. mainnet).
    #[arg(long, value_name = "NAME")]
    pub deployment: String,
    /// ORC bundle of the release: every identity the release adds must be one of its
    /// identities.
    #[arg(long, value_name = "FILE.orc")]
    pub bundle: Option<PathBuf>,
    /// App id (rofl1…) [default: the deployment's app_id].
    #[arg(long, value_name = "APP_ID", value_parser = crate::inputs::app_id_arg)]
    pub app: Option<AppId>,
    /// Only change the policy; keep the on-chain metadata and secrets as they are.
    #[arg(long)]
    pub policy_only: bool,
    /// Emit the identity changes as one `addRelease` carrying an on-chain release record
    /// (provenance) with this app version [default: rofl.yaml `version`]. Any of the release
    /// flags turns this on; it needs --commit and --bundle (its sha256 is recorded, with the
    /// rofl.yaml's).
    #[arg(long, value_name = "VERSION")]
    pub release_version: Option<String>,
    /// Source repository URL of the release [default: rofl.yaml `repository`].
    #[arg(long, value_name = "URL")]
    pub repository: Option<String>,
    /// Git commit the bundle was built from: the full 40 hex digits of `git rev-parse HEAD`.
    #[arg(long, value_name = "SHA")]
    pub commit: Option<String>,
    /// Release notes for reviewers (changelog, audit link), at most 1024 bytes.
    #[arg(long, value_name = "FILE")]
    pub notes_file: Option<PathBuf>,
    /// Keep the identities the release drops allowed for N more days (counted from now, so it
    /// must outlast the approval: vote and timelock); after that anyone may `app prune` them.
    /// Without it they go when the proposal executes.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..=365))]
    pub grace_days: Option<u64>,
    /// Lift a guardian freeze in the same batch: `unfreeze` goes first in the release's
    /// multicall, so the fixed release is allowed at once (one proposal, one review). Refused
    /// when the app is not frozen; a frozen app's release is refused without it.
    #[arg(long)]
    pub unfreeze: bool,
    /// Also set the app's guardian (an address) or remove it (`none`) in the same batch,
    /// after the release: reviewers pass --expect-guardian ADDR.
    #[arg(long, value_name = "ADDRESS|none")]
    pub set_guardian: Option<roflgov_types::ids::GuardianSetting>,
    /// Also redeploy the deployment's machines (rofl.yaml `machines`) with the release: one
    /// `roflmarket.InstanceExecuteCmds` Deploy (app, the --bundle's manifest hash, storage
    /// kept) per machine after the release, in the same Safe batch or Governor proposal. For
    /// machines whose admin is the Safe or Timelock; needs --bundle and every machine's
    /// provider and id.
    #[arg(long, requires = "bundle", conflicts_with = "send")]
    pub deploy_machines: bool,
    /// The release's ORC reference for the Deploys' metadata (`net.oasis.deployment.orc.ref`,
    /// as `oasis rofl deploy` sets it): what `oasis rofl push` prints as "OCI reference"
    /// (REPOSITORY@sha256:…), or only the digest when the deployment has `oci_repository`.
    /// Without it the Deploys carry no ORC reference.
    #[arg(long, value_name = "REF", requires = "deploy_machines")]
    pub orc_ref: Option<String>,
    #[command(flatten)]
    pub out: ProposalOutput,
}

#[derive(Serialize)]
struct Planned<'a> {
    app: AppId,
    version: u64,
    changes: &'a [PolicyChange],
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    machines: &'a [String],
    #[serde(flatten)]
    opened: &'a Opened,
}

pub(crate) async fn run(g: &GlobalArgs, args: ProposeArgs) -> CliResult {
    let (dep, app) = deployment_and_app(&args.manifest, &args.deployment, args.app)?;
    let target = if args.policy_only {
        ReleaseTarget::policy_only(dep.policy.clone())
    } else {
        ReleaseTarget::from_deployment(&dep)
    };
    let (_, client) = chainops::client(g).await?;
    let context = format!("reading app {app} from policy contract {}", client.address());
    let current = client.get_app(app).await.map_err(|e| chainops::rofl_error(&context, e))?;
    let release = release_options(&args, &client).await?;
    let mut changes = plan_release_with(&current.config, &target, release.as_ref())
        .map_err(|e| input(format!("{}: {e}", args.manifest.display())))?;
    if changes.is_empty() && args.set_guardian.is_none() {
        return Err(usage(format!(
            "app {app} already matches deployment {}: nothing to propose",
            args.deployment
        )));
    }
    let frozen = client.is_frozen(app).await.map_err(|e| chainops::rofl_error(&context, e))?;
    match (frozen, args.unfreeze) {
        (true, false) => {
            return Err(verification(format!(
                "app {app} is frozen (its guardian removed every identity): a release must lift the freeze in the same batch; pass --unfreeze; nothing was proposed"
            )));
        }
        (false, true) => {
            return Err(usage(format!("app {app} is not frozen: drop --unfreeze")));
        }
        (true, true) => changes.insert(0, PolicyChange::Unfreeze),
        (false, false) => {}
    }
    if let Some(guardian) = args.set_guardian {
        changes.push(PolicyChange::SetGuardian { guardian: guardian.or_zero() });
    }
    roflgov_client::destination::check_changes(&client, app, &current.config, &changes).await?;
    if let Some(bundle_path) = &args.bundle {
        let bundle = open_bundle(bundle_path)?;
        let known: Vec<_> = bundle.identities().into_iter().map(|c| c.identity).collect();
        let added = changes.iter().flat_map(|c| match c {
            PolicyChange::AddEnclave(id) => vec![*id],
            PolicyChange::AddRelease { identities, .. } => identities.clone(),
            _ => Vec::new(),
        });
        for id in added {
            let id = &id;
            if !known.contains(id) {
                return Err(verification(format!(
                    "the release adds enclave {} which is not an identity of bundle {}; nothing was proposed",
                    roflgov_attest::identity_to_base64(id),
                    bundle_path.display()
                )));
            }
        }
    }
    let deploys = machine_deploys(&args, &dep, app)?;
    let notes = notes_of(&dep);
    // One call: a single change, or a `multicall` of all of them (one rofl.Update), every part
    // carrying the version it was drafted against.
    let data = changes_to_calldata(app, current.version, &changes)
        .map_err(|e| input(format!("{}: {e}", args.manifest.display())))?;
    let value = changes.iter().map(PolicyChange::value).fold(U256::ZERO, |a, b| a + b);
    let mut title = format!("roflgov: release {}", release_label(&dep));
    if args.unfreeze {
        title.push_str(" with unfreeze");
    }
    if let Some(guardian) = args.set_guardian {
        match guardian.0 {
            Some(g) => title.push_str(&format!(", guardian {g}")),
            None => title.push_str(", guardian removed"),
        }
    }
    title.push_str(&format!(" for app {app} (version {})", current.version));
    if !deploys.is_empty() {
        title.push_str(&format!(", deployed to {} machine(s)", deploys.len()));
    }
    let intent = Intent { app: Some(app), to: client.address(), value, data, title };
    let calls: Vec<_> = deploys.iter().map(|(_, c)| c.clone()).collect();
    let opened = open_with(g, &args.out, &intent, &calls).await?;
    let machines: Vec<String> = deploys.iter().map(|(m, _)| m.clone()).collect();
    let report =
        Planned { app, version: current.version, changes: &changes, machines: &machines, opened: &opened };
    emit(g.json, &report, || {
        let mut out =
            format!("release for app {app} (drafted against on-chain version {})\n", current.version);
        for c in &changes {
            out.push_str(&format!("  {}\n", render::change(c, &notes)));
        }
        for (name, _) in &deploys {
            out.push_str(&format!("  {name}\n"));
        }
        out.push_str(&opened.render());
        out
    });
    Ok(())
}

/// With --deploy-machines: a readable line and the Deploy subcall for each machine of the
/// deployment, pinning the --bundle's manifest hash (as oasis-core computes it, see
/// `roflgov_attest::orc`) and the deployment's ORC reference when rofl.yaml has one.
fn machine_deploys(
    args: &ProposeArgs,
    dep: &DeploymentConfig,
    app: AppId,
) -> CliResult<Vec<(String, roflgov_core::safe_tx::SafeCall)>> {
    if !args.deploy_machines {
        return Ok(Vec::new());
    }
    let Some(bundle_path) = &args.bundle else {
        return Err(usage("--deploy-machines needs --bundle: the Deploy pins the bundle's manifest hash"));
    };
    let manifest = Manifest::from_path(&args.manifest)?;
    let deployment_cfg = manifest.deployments.get(&args.deployment);
    let orc_ref = args
        .orc_ref
        .as_deref()
        .map(|given| machines::orc_reference(given, deployment_cfg.and_then(|d| d.oci_repository.as_deref())))
        .transpose()
        .map_err(|e| usage(format!("--orc-ref: {e}")))?;
    let listed = deployment_cfg.map(|d| &d.machines);
    let Some(listed) = listed.filter(|m| !m.is_empty()) else {
        return Err(usage(format!(
            "{}: deployment {} lists no machines: drop --deploy-machines",
            args.manifest.display(),
            text::escape(&dep.name)
        )));
    };
    let targets = machines::machine_targets(listed)
        .map_err(|e| input(format!("{}: {}", args.manifest.display(), text::escape(&e))))?;
    let manifest_hash = open_bundle(bundle_path)?
        .manifest_hash()
        .map_err(|e| crate::exit::failed(&bundle_path.display().to_string(), &e))?;
    let deployment = machines::release_deployment(app, manifest_hash, orc_ref.as_deref());
    let orc_text = match &orc_ref {
        Some(r) => format!("ORC reference {}", text::escape(r)),
        None => "no ORC reference (--orc-ref)".to_owned(),
    };
    Ok(targets
        .iter()
        .map(|m| {
            let line = format!(
                "machine {}: Deploy to provider {} instance {} at manifest hash {manifest_hash}, {orc_text}, storage kept",
                text::escape(&m.name),
                m.provider,
                m.id
            );
            (line, machines::deploy_call(m, &deployment))
        })
        .collect())
}

/// The release record and grace deadline when any release flag is given.
async fn release_options(
    args: &ProposeArgs,
    client: &roflgov_client::rofl::RoflAdminClient<alloy::providers::DynProvider>,
) -> CliResult<Option<ReleaseOptions>> {
    let wanted = args.release_version.is_some()
        || args.repository.is_some()
        || args.commit.is_some()
        || args.notes_file.is_some()
        || args.grace_days.is_some();
    if !wanted {
        return Ok(None);
    }
    let manifest = Manifest::from_path(&args.manifest)?;
    let commit = args.commit.as_deref().ok_or_else(|| {
        usage("a release record needs --commit (the full `git rev-parse HEAD` of the build)")
    })?;
    let git_commit = ReleaseRecord::parse_commit(commit).map_err(usage)?;
    let bundle = args.bundle.as_deref().ok_or_else(|| {
        usage("a release record needs --bundle: the sha256 of the ORC bundle is recorded on chain")
    })?;
    let repository = args.repository.clone().or_else(|| manifest.repository.clone()).ok_or_else(|| {
        usage(format!("{} has no `repository`: pass --repository URL", args.manifest.display()))
    })?;
    let notes = match &args.notes_file {
        Some(path) => String::from_utf8(crate::fsutil::read_input(path)?)
            .map_err(|_| input(format!("{}: notes must be UTF-8 text", path.display())))?
            .trim_end()
            .to_owned(),
        None => String::new(),
    };
    let record = ReleaseRecord {
        version: args.release_version.clone().unwrap_or_else(|| manifest.version.clone()),
        repository,
        git_commit,
        bundle_hash: crate::fsutil::sha256_file(bundle)?,
        manifest_hash: crate::fsutil::sha256_file(&args.manifest)?,
        notes,
    };
    if let Some(field) = record.invalid_field() {
        return Err(usage(format!(
            "the release record's {field} is empty or too long (version ≤ 64, repository ≤ 256, notes ≤ 1024 bytes)"
        )));
    }
    let grace_until = match args.grace_days {
        Some(days) => {
            client.chain_time().await.map_err(|e| chainops::rofl_error("reading the chain time", e))?
                + days * 86_400
        }
        None => 0,
    };
    Ok(Some(ReleaseOptions { record, grace_until }))
}

/// The release's `version` of rofl.yaml enclaves, else the deployment name.
fn release_label(dep: &DeploymentConfig) -> String {
    dep.enclaves.iter().find_map(|e| e.version.clone()).unwrap_or_else(|| dep.name.clone())
}
