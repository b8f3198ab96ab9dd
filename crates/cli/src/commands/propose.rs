//! `roflgov propose`: a release from rofl.yaml as a change set against the on-chain config,
//! opened as a Safe transaction, a Transaction Builder batch or a Governor proposal.

use std::path::PathBuf;

use clap::Args;
use roflgov_chain::rofl::{PolicyChange, ReleaseTarget, plan_release};
use roflgov_types::{AppId, manifest::{DeploymentConfig, Manifest}};
use serde::Serialize;

use super::{identity::open_bundle, verify_quote::parse_app_id};
use crate::{
    chainops,
    context::GlobalArgs,
    exit::{CliResult, input, usage, verification},
    output::{emit, progress},
    render::{self, Notes},
};

/// Where a proposal goes.
#[derive(Args, Debug, Clone)]
#[command(group(clap::ArgGroup::new("destination").required(true).args(["safe_out", "tx_builder_out", "governor", "send"])))]
pub struct ProposalOutput {
    /// Write a Safe transaction proposal file (SafeTx + collected signatures) for
    /// `roflgov safe sign|approve|execute`.
    #[arg(long, value_name = "FILE")]
    pub safe_out: Option<PathBuf>,
    /// Write a Safe Transaction Builder batch (JSON Safe{Wallet} loads).
    #[arg(long, value_name = "FILE")]
    pub tx_builder_out: Option<PathBuf>,
    /// Open a Governor proposal (needs --key-env/--keystore of a holder above the proposal
    /// threshold).
    #[arg(long)]
    pub governor: bool,
    /// Send directly from your key, which must own the policy contract (local testing).
    #[arg(long)]
    pub send: bool,
    /// Description / release notes (Governor proposals; the `#proposer=` guard is appended).
    #[arg(long)]
    pub description: Option<String>,
}

#[derive(Args, Debug)]
pub struct ProposeArgs {
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
    #[arg(long, value_name = "APP_ID")]
    pub app: Option<String>,
    /// Only change the policy; keep the on-chain metadata and secrets as they are.
    #[arg(long)]
    pub policy_only: bool,
    #[command(flatten)]
    pub out: ProposalOutput,
}

/// A rofl.yaml deployment, read with errors that name the file and path.
pub fn load_deployment(path: &std::path::Path, name: &str) -> CliResult<DeploymentConfig> {
    let manifest = Manifest::from_path(path).map_err(input)?;
    manifest.deployment(name).map_err(input)
}

/// Release notes of the identities a deployment lists.
pub fn notes_of(dep: &DeploymentConfig) -> Notes {
    dep.enclaves
        .iter()
        .filter_map(|e| {
            let note = match (&e.version, &e.description) {
                (Some(v), Some(d)) => format!("{v}: {d}"),
                (Some(v), None) => v.clone(),
                (None, Some(d)) => d.clone(),
                (None, None) => return None,
            };
            Some((e.identity, note))
        })
        .collect()
}

#[derive(Serialize)]
struct Planned<'a> {
    app: AppId,
    version: u64,
    changes: &'a [PolicyChange],
    sent: Option<String>,
}

pub async fn run(g: &GlobalArgs, args: ProposeArgs) -> CliResult {
    let dep = load_deployment(&args.manifest, &args.deployment)?;
    let app = match (&args.app, dep.app_id) {
        (Some(text), _) => parse_app_id(text)?,
        (None, Some(id)) => id,
        (None, None) => return Err(usage(format!(
            "{}: deployment {} has no app_id: pass --app", args.manifest.display(), args.deployment
        ))),
    };
    let target = if args.policy_only { ReleaseTarget::policy_only(dep.policy.clone()) } else { ReleaseTarget::from_deployment(&dep) };
    let (_, client) = chainops::client(g).await?;
    let current = client.get_app(app).await.map_err(|e| chainops::rofl_error("reading the app", e))?;
    let changes = plan_release(&current.config, &target).map_err(|e| input(format!("{}: {e}", args.manifest.display())))?;
    if changes.is_empty() {
        return Err(usage(format!("app {app} already matches deployment {}: nothing to propose", args.deployment)));
    }
    if let Some(bundle_path) = &args.bundle {
        let bundle = open_bundle(bundle_path)?;
        let known: Vec<_> = bundle.identities().into_iter().map(|c| c.identity).collect();
        for c in &changes {
            if let PolicyChange::AddEnclave(id) = c
                && !known.contains(id)
            {
                return Err(verification(format!(
                    "the release adds enclave {} which is not an identity of bundle {}; nothing was proposed",
                    roflgov_attest::identity_to_base64(id),
                    bundle_path.display()
                )));
            }
        }
    }
    let notes = notes_of(&dep);
    let sent;
    if args.out.send {
        let (_, provider, signer) = g.signing_provider().await?;
        let client = roflgov_chain::rofl::RoflAdminClient::new(client.address(), provider);
        progress("sending the change set and waiting for the receipt");
        let receipt = client
            .apply(signer.address(), app, current.version, &changes)
            .await
            .map_err(|e| chainops::rofl_error("sending the change set", e))?;
        sent = Some(receipt.transaction_hash.to_string());
    } else {
        return Err(usage("--safe-out, --tx-builder-out and --governor need the Safe/DAO flows, which are not in this build yet; use --send"));
    }
    let report = Planned { app, version: current.version, changes: &changes, sent: sent.clone() };
    emit(g.json, &report, || {
        let mut out = format!("release for app {app} (on-chain version {})\n", current.version);
        for c in &changes {
            out.push_str(&format!("  {}\n", render::change(c, &notes)));
        }
        if let Some(tx) = &sent {
            out.push_str(&format!("sent in transaction {tx}\n"));
        }
        out
    });
    Ok(())
}
