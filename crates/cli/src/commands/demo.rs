//! `roflgov demo`: the whole approval story on an embedded local chain, narrated.
//!
//! anvil (Shanghai) with the ROFL module stand-in; the policy contract; an app created from
//! `examples/demo/rofl-1.0.yaml`; release 1.1 proposed from `rofl-1.1.yaml`, reviewed and
//! executed; an instance running the new identity registers and passes the origin check; release
//! 1.2 from `rofl-1.2.yaml`; an instance still running a removed identity is refused.

use std::{path::PathBuf, time::Instant};

use alloy::primitives::Address;
use clap::Args;
use roflgov_chain::{
    LocalChain,
    rofl::{PolicyChange, ReleaseTarget, RoflAdminClient, RoflStandIn, plan_release},
};
use roflgov_types::{AppId, IdentifierScheme, cbor, manifest::DeploymentConfig};
use serde::Serialize;

use super::propose::{load_deployment, notes_of};
use crate::{
    chainops::rofl_error,
    context::GlobalArgs,
    exit::{CliResult, chain, usage, verification},
    output::emit,
    render,
};

#[derive(Args, Debug)]
pub struct DemoArgs {
    /// Folder with the sample manifests rofl-1.0.yaml, rofl-1.1.yaml, rofl-1.2.yaml
    /// [default: examples/demo of the project].
    #[arg(long, value_name = "DIR")]
    pub examples: Option<PathBuf>,
}

#[derive(Serialize, Default)]
struct Summary {
    endpoint: String,
    policy_contract: String,
    owner: String,
    app: String,
    final_version: u64,
    steps: Vec<Step>,
    seconds: f64,
}

#[derive(Serialize)]
struct Step {
    what: String,
    ok: bool,
}

/// Narration on stderr when --json is set (stdout carries the summary), else on stdout.
struct Narrator {
    json: bool,
    n: usize,
}

impl Narrator {
    fn chapter(&mut self, title: &str) {
        self.n += 1;
        self.say(&format!("\n━━ {}. {title}", self.n));
    }
    fn say(&self, text: &str) {
        if self.json {
            eprintln!("{text}");
        } else {
            println!("{text}");
        }
    }
    fn block(&self, text: &str) {
        for line in text.lines() {
            self.say(&format!("   {line}"));
        }
    }
}

fn examples_dir(args: &DemoArgs) -> CliResult<PathBuf> {
    if let Some(dir) = &args.examples {
        return Ok(dir.clone());
    }
    let root = roflgov_chain::toolchain::project_root().map_err(usage)?;
    Ok(root.join("examples/demo"))
}

pub async fn run(g: &GlobalArgs, args: DemoArgs) -> CliResult {
    let started = Instant::now();
    let dir = examples_dir(&args)?;
    let release = |v: &str| -> CliResult<DeploymentConfig> { load_deployment(&dir.join(format!("rofl-{v}.yaml")), "local") };
    let (r10, r11, r12) = (release("1.0")?, release("1.1")?, release("1.2")?);
    let mut say = Narrator { json: g.json, n: 0 };
    let mut summary = Summary::default();

    say.chapter("Local chain");
    let local = LocalChain::start().await.map_err(|e| chain(format!("starting the local chain: {e:#}")))?;
    let accounts = local.accounts().to_vec();
    let (deployer, maintainer, instance_new, instance_old) = (accounts[0], accounts[1], accounts[4], accounts[5]);
    say.block(&format!(
        "anvil (Shanghai) at {}, chain id {}\nROFL module stand-in at {} (local stand-in for Sapphire's rofl module)",
        local.endpoint(),
        local.chain_id(),
        roflgov_chain::SUBCALL_PRECOMPILE
    ));
    summary.endpoint = local.endpoint();
    let provider = local.provider().clone();

    say.chapter("Policy contract");
    let owner = maintainer;
    let client = RoflAdminClient::deploy_from(provider.clone(), deployer, owner)
        .await
        .map_err(|e| rofl_error("deploying RoflAppAdmin", e))?;
    let rofl_admin = client.rofl_admin_address().await.map_err(|e| rofl_error("reading", e))?;
    say.block(&format!(
        "RoflAppAdmin at {}\n  its ROFL admin address {rofl_admin}\nowner {owner} (the maintainer account)",
        client.address()
    ));
    summary.policy_contract = client.address().to_string();
    summary.owner = owner.to_string();
    summary.steps.push(Step { what: "policy contract deployed".into(), ok: true });

    say.chapter("Create the app from examples/demo/rofl-1.0.yaml");
    let (app, _) = client
        .create_app(owner, &r10.policy, &r10.metadata, IdentifierScheme::CreatorNonce)
        .await
        .map_err(|e| rofl_error("createApp", e))?;
    let managed = client.get_app(app).await.map_err(|e| rofl_error("getApp", e))?;
    say.block(&render::config(&managed.config, Some(managed.version), &notes_of(&r10)));
    summary.app = app.to_string();
    summary.steps.push(Step { what: format!("app {app} created, admin = policy contract"), ok: true });

    say.chapter("Release 1.1 proposed from examples/demo/rofl-1.1.yaml");
    release_step(&mut say, &client, owner, app, &r11, &mut summary, "release 1.1").await?;

    let stand_in = RoflStandIn::new(provider.clone());
    say.chapter("An instance running release 1.1 registers");
    let epoch = stand_in.current_epoch().await.map_err(|e| chain(e.to_string()))?;
    let id11 = r11.policy.enclaves[0];
    stand_in
        .register_instance(deployer, app, instance_new, &id11, epoch + 2)
        .await
        .map_err(|e| chain(format!("registering the 1.1 instance: {e}")))?;
    let ok = stand_in.is_authorized_origin(app, instance_new).await.map_err(|e| chain(e.to_string()))?;
    let origin = stand_in.origin_app(instance_new).await.map_err(|e| chain(e.to_string()))?;
    say.block(&format!(
        "instance {instance_new} runs {}\nrofl.IsAuthorizedOrigin({app}) → {ok}\nrofl.OriginApp → {}",
        render::identity(&id11, &notes_of(&r11)),
        origin.map(|a| a.to_string()).unwrap_or_else(|| "none".into())
    ));
    if !ok || origin != Some(app) {
        return Err(verification("the 1.1 instance does not pass the origin check"));
    }
    summary.steps.push(Step { what: "1.1 instance registered and passed the origin check".into(), ok: true });

    say.chapter("An instance still running release 1.0 tries to register");
    let id10 = r10.policy.enclaves[0];
    let refused = stand_in.register_instance(deployer, app, instance_old, &id10, epoch + 2).await.is_err();
    say.block(&format!(
        "instance {instance_old} runs {}\nregistration {}",
        render::identity(&id10, &notes_of(&r10)),
        if refused { "REFUSED: identity no longer in the policy" } else { "accepted (unexpected!)" }
    ));
    if !refused {
        return Err(verification("an instance with a removed identity registered"));
    }
    summary.steps.push(Step { what: "1.0 instance refused".into(), ok: true });

    say.chapter("Release 1.2 from examples/demo/rofl-1.2.yaml");
    release_step(&mut say, &client, owner, app, &r12, &mut summary, "release 1.2").await?;

    say.chapter("The 1.1 instance after release 1.2 removed its identity");
    let still = stand_in.is_authorized_origin(app, instance_new).await.map_err(|e| chain(e.to_string()))?;
    say.block(&format!("rofl.IsAuthorizedOrigin({app}) from {instance_new} → {still}"));
    if still {
        return Err(verification("an instance with a removed identity still passes the origin check"));
    }
    summary.steps.push(Step { what: "1.1 instance refused after release 1.2".into(), ok: true });

    let final_app = client.get_app(app).await.map_err(|e| rofl_error("getApp", e))?;
    summary.final_version = final_app.version;
    summary.seconds = started.elapsed().as_secs_f64();
    drop(local);
    let text = {
        let mut out = String::from("\n━━ Summary\n");
        for s in &summary.steps {
            out.push_str(&format!("   {} {}\n", if s.ok { "✓" } else { "✗" }, s.what));
        }
        out.push_str(&format!("   app {} at version {}, in {:.1} s\n", summary.app, summary.final_version, summary.seconds));
        out
    };
    emit(g.json, &summary, || text);
    Ok(())
}

/// Plan a release against the on-chain config, show the review, approve it, check the result.
async fn release_step(
    say: &mut Narrator,
    client: &RoflAdminClient<alloy::providers::DynProvider>,
    owner: Address,
    app: AppId,
    target: &DeploymentConfig,
    summary: &mut Summary,
    label: &str,
) -> CliResult {
    let current = client.get_app(app).await.map_err(|e| rofl_error("getApp", e))?;
    let changes = plan_release(&current.config, &ReleaseTarget::from_deployment(target)).map_err(usage)?;
    let notes = notes_of(target);
    say.say("   what the signers review (readable, not an opaque CBOR blob):");
    for c in &changes {
        say.say(&format!("     {}", render::change(c, &notes)));
    }
    let adds = changes.iter().filter(|c| matches!(c, PolicyChange::AddEnclave(_))).count();
    let removes = changes.iter().filter(|c| matches!(c, PolicyChange::RemoveEnclave(_))).count();
    client
        .apply(owner, app, current.version, &changes)
        .await
        .map_err(|e| rofl_error(&format!("executing {label}"), e))?;
    let after = client.get_app(app).await.map_err(|e| rofl_error("getApp", e))?;
    let body = client.encode_update(app).await.map_err(|e| rofl_error("encodeUpdate", e))?;
    let decoded = cbor::decode_update(&body).map_err(|e| chain(format!("the contract's next update body does not decode: {e}")))?;
    say.block(&format!(
        "executed as one rofl.Update: version {} → {}, {} identity added, {} removed\nadmin kept: {}; secrets kept: {}",
        current.version,
        after.version,
        adds,
        removes,
        decoded.admin.map(|a| a.to_string()).unwrap_or_else(|| "NONE".into()),
        decoded.secrets.keys().cloned().collect::<Vec<_>>().join(", ")
    ));
    summary.steps.push(Step { what: format!("{label}: reviewed and executed (version {})", after.version), ok: true });
    Ok(())
}
