//! `roflgov demo`: the whole approval story on an embedded local chain, narrated.
//!
//! anvil (Shanghai) with the ROFL module stand-in; the Safe v1.4.1 contracts (checked against the
//! canonical code hashes) and a 2-of-3 Safe of three maintainers; the policy contract owned by the
//! Safe; the app created from `examples/demo/rofl-1.0.yaml` through a Safe transaction; release 1.1
//! (`rofl-1.1.yaml`) proposed, reviewed, signed by two owners and executed; an instance running 1.1
//! registers and passes the origin check, one running 1.0 is refused. Before the release the policy
//! contract rents a marketplace machine from the simulated provider (roflmarket stand-in) and runs
//! 1.0 on it; the 1.1 release multicall also redeploys the machine, the provider boots 1.1 and its
//! instance registers, while the machine's 1.0 registration stays valid until it expires (shown at
//! the end); the app moved under a DAO (the Safe proposes the Timelock as the policy contract's new
//! owner, the DAO accepts by vote); release 1.2 (`rofl-1.2.yaml`) voted through the Governor and
//! Timelock. Revocation as the real module does it: the 1.1 instance, whose identity 1.2 removed,
//! keeps its rights after the release (the module evicts nobody on `rofl.Update`; oasis-sdk
//! runtime-sdk/src/modules/rofl/mod.rs `is_authorized_origin` only checks for an unexpired
//! registration) but cannot renew; the local clock is moved epoch by epoch (the 1.2 instance renews
//! each time) until its registration expires, and then it is refused.

use std::{path::PathBuf, time::Instant};

use alloy::{
    primitives::{Address, Bytes, U256},
    providers::DynProvider,
    sol_types::SolCall,
};
use clap::Args;
use roflgov_client::{
    deploy::deploy_dao,
    rofl::{RoflAdminClient, RoflStandIn, STAND_IN_EPOCH_SECONDS, bindings::RoflAppAdmin},
};
use roflgov_core::{
    review::{EnclaveNotes, ProposedCall, Reviewer},
    rofl::{PolicyChange, ReleaseTarget, changes_to_calldata, decode_calldata, plan_release},
};
use roflgov_devnet::{LocalChain, StandInDriver};
use roflgov_governor::{
    DaoParams, DescriptionBuilder, GovernorClient, Proposal, ProposalCall, VoteSupport,
    bindings::RoflGovToken,
};
use roflgov_safe::{SafeCall, SafeClient, SafeDeployment, SafeSetup, SafeTx, SignatureSet};
use roflgov_types::{
    AppId, IdentifierScheme, cbor,
    manifest::{DeploymentConfig, Manifest},
};
use serde::Serialize;

use crate::inputs::{load_deployment, notes_of};
use crate::{
    chainops::rofl_error,
    context::GlobalArgs,
    daoops::gov_error,
    exit::{CliResult, chain, usage, verification},
    output::emit,
    render,
    safeops::{self, safe_error},
};

#[derive(Args, Debug)]
pub(crate) struct DemoArgs {
    /// Folder with the sample manifests rofl-1.0.yaml, rofl-1.1.yaml, rofl-1.2.yaml
    /// [default: the copy of examples/demo built into roflgov].
    #[arg(long, value_name = "DIR")]
    pub examples: Option<PathBuf>,
}

#[derive(Serialize, Default)]
struct Summary {
    endpoint: String,
    policy_contract: String,
    safe: String,
    safe_owners: Vec<String>,
    governor: String,
    timelock: String,
    owner_at_end: String,
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

/// The sample manifests of `examples/demo`, embedded so that the demo runs from any folder.
const EMBEDDED_RELEASES: [(&str, &str); 3] = [
    ("1.0", include_str!("../../../../examples/demo/rofl-1.0.yaml")),
    ("1.1", include_str!("../../../../examples/demo/rofl-1.1.yaml")),
    ("1.2", include_str!("../../../../examples/demo/rofl-1.2.yaml")),
];

/// The `local` deployment of release `version`: from `--examples DIR` when given, else the
/// embedded copy of `examples/demo`.
fn release_manifest(args: &DemoArgs, version: &str) -> CliResult<DeploymentConfig> {
    let file_name = format!("rofl-{version}.yaml");
    if let Some(dir) = &args.examples {
        return load_deployment(&dir.join(file_name), "local");
    }
    let (_, text) = EMBEDDED_RELEASES
        .iter()
        .find(|(v, _)| *v == version)
        .ok_or_else(|| usage(format!("no sample release {version}")))?;
    let manifest = Manifest::from_str_named(text, &file_name)?;
    Ok(manifest.deployment("local")?)
}

const NAMES: [&str; 3] = ["alice", "bob", "carol"];

/// Everything the story needs.
struct World {
    local: LocalChain,
    provider: DynProvider,
    deployer: Address,
    owners: Vec<Address>,
    safe: SafeClient,
    policy: RoflAdminClient<DynProvider>,
}

impl World {
    fn name(&self, who: Address) -> String {
        match self.owners.iter().position(|o| *o == who) {
            Some(i) => format!("{} ({who})", NAMES[i]),
            None => who.to_string(),
        }
    }

    /// A Safe transaction of one call at the Safe's next nonce.
    async fn safe_tx(&self, to: Address, value: U256, data: Bytes) -> CliResult<SafeTx> {
        let nonce = self.safe.nonce().await.map_err(|e| safe_error("reading the nonce", e))?;
        Ok(SafeTx::call(SafeCall::new(to, value, data), nonce.to()))
    }

    /// Owners `signers` sign `tx`; the deployer (not an owner) executes.
    async fn sign_and_execute(&self, say: &Narrator, tx: &SafeTx, signers: &[usize]) -> CliResult {
        let hash = self.safe.safe_tx_hash(tx);
        let onchain =
            self.safe.onchain_transaction_hash(tx).await.map_err(|e| safe_error("getTransactionHash", e))?;
        if onchain != hash {
            return Err(verification("the Safe's getTransactionHash differs from roflgov's SafeTx hash"));
        }
        let state = self.safe.state().await.map_err(|e| safe_error("reading the Safe", e))?;
        let mut set = SignatureSet::new(hash, state.owners, state.threshold);
        for &i in signers {
            let signature =
                self.safe.sign(tx, &self.local.signer(i + 1)).await.map_err(|e| safe_error("signing", e))?;
            let who = set.insert(signature).map_err(|e| safe_error("collecting", e))?;
            say.block(&format!("✍ {} signs SafeTx hash {hash}", self.name(who)));
        }
        let executed = self
            .safe
            .execute(tx, &set.packed_complete().map_err(|e| safe_error("packing", e))?, self.deployer)
            .await
            .map_err(|e| safe_error("executing", e))?;
        say.block(&format!(
            "executed by {} (any account may) in tx {}",
            self.deployer, executed.receipt.transaction_hash
        ));
        Ok(())
    }
}

pub(crate) async fn run(g: &GlobalArgs, args: DemoArgs) -> CliResult {
    let started = Instant::now();
    let release = |v: &str| release_manifest(&args, v);
    let (r10, r11, r12) = (release("1.0")?, release("1.1")?, release("1.2")?);
    let mut say = Narrator { json: g.json, n: 0 };
    let mut summary = Summary::default();

    say.chapter("Local chain");
    let local = LocalChain::start().await.map_err(|e| chain(format!("starting the local chain: {e:#}")))?;
    let accounts = local.accounts().to_vec();
    let deployer = accounts[0];
    let owners = accounts[1..4].to_vec();
    let (instance_old, instance_new, instance_next) = (accounts[5], accounts[6], accounts[7]);
    say.block(&format!(
        "anvil (Shanghai) at {}, chain id {}\nROFL module stand-in at {} (a local stand-in for Sapphire's rofl module)",
        local.endpoint(),
        local.chain_id(),
        roflgov_core::rofl::subcall::SUBCALL_PRECOMPILE
    ));
    summary.endpoint = local.endpoint();
    let provider = local.provider().clone();

    say.chapter("A 2-of-3 Safe of the maintainers");
    let deployment = SafeDeployment::deploy_verified(&provider)
        .await
        .map_err(|e| safe_error("deploying the Safe contracts", e))?;
    let safe_address = deployment
        .create_safe(&provider, &SafeSetup::new(owners.clone(), 2))
        .await
        .map_err(|e| safe_error("creating the Safe", e))?;
    local
        .set_balance(safe_address, U256::from(1_000u64) * U256::from(10u64).pow(U256::from(18u64)))
        .await
        .map_err(|e| chain(e.to_string()))?;
    let safe = SafeClient::connect(provider.clone(), safe_address, deployment)
        .await
        .map_err(|e| safe_error("connecting", e))?
        .with_errors_of(&safeops::policy_abi()?);
    say.block(&format!(
        "Safe v1.4.1 contracts deployed, runtime code checked against the canonical code hashes\nSafe {safe_address}: owners {}, threshold 2",
        owners.iter().zip(NAMES).map(|(o, n)| format!("{n} {o}")).collect::<Vec<_>>().join(", ")
    ));
    summary.safe = safe_address.to_string();
    summary.safe_owners = owners.iter().map(|o| o.to_string()).collect();

    say.chapter("The policy contract, owned by the Safe");
    let policy = RoflAdminClient::deploy_from(provider.clone(), deployer, safe_address)
        .await
        .map_err(|e| rofl_error("deploying RoflAppAdmin", e))?;
    let rofl_admin = policy.rofl_admin_address().await.map_err(|e| rofl_error("reading", e))?;
    say.block(&format!(
        "RoflAppAdmin at {}\nthe ROFL module sees it as {rofl_admin}: it will be the admin of the app\nits owner, the only one who may change the app's config: the Safe",
        policy.address()
    ));
    summary.policy_contract = policy.address().to_string();
    let world = World { local, provider: provider.clone(), deployer, owners: owners.clone(), safe, policy };
    summary.steps.push(Step { what: "Safe v1.4.1 (2-of-3) and policy contract deployed".into(), ok: true });

    say.chapter("The Safe creates the app from examples/demo/rofl-1.0.yaml");
    let create = PolicyChange::CreateApp {
        policy: r10.policy.clone(),
        metadata: r10.metadata.clone(),
        scheme: IdentifierScheme::CreatorNonce,
    };
    let data = create.to_calldata(AppId::default(), 0).map_err(|e| usage(e.to_string()))?;
    let tx = world.safe_tx(world.policy.address(), create.value(), data.clone()).await?;
    say.block(&format!(
        "what the signers see:\n  {}  (value 100 ROSE, the stake)\n  SafeTx hash {}",
        decode_calldata(&data).map_err(|e| usage(e.to_string()))?.to_string().trim(),
        world.safe.safe_tx_hash(&tx)
    ));
    world.sign_and_execute(&say, &tx, &[0, 2]).await?;
    let app = *world
        .policy
        .app_ids()
        .await
        .map_err(|e| rofl_error("appIds", e))?
        .last()
        .ok_or_else(|| chain("no app created"))?;
    let managed = world.policy.get_app(app).await.map_err(|e| rofl_error("getApp", e))?;
    say.block(&render::config(&managed.config, Some(managed.version), &notes_of(&r10)));
    summary.app = app.to_string();
    summary.steps.push(Step {
        what: format!("app {app} created through the Safe, admin = policy contract"),
        ok: true,
    });

    say.chapter("A marketplace machine held by the policy contract runs release 1.0");
    let mut machine = machine_chapter(&say, &world, app, &r10).await?;
    summary.steps.push(Step {
        what: format!(
            "machine rented by the policy contract, 1.0 deployed, instance {} registered",
            machine.instance
        ),
        ok: true,
    });

    say.chapter("Release 1.1 and the machine's redeployment proposed as one Safe transaction, reviewed, signed, executed");
    let bundle11 = alloy::primitives::keccak256(b"roflgov demo ORC 1.1");
    machine.market.add_bundle(bundle11, r11.policy.enclaves[0]);
    let redeploy = RoflAppAdmin::deployMachineCall {
        appId: app.to_fixed_bytes(),
        provider: machine.market.id(),
        id: 0,
        manifestHash: bundle11,
        wipeStorage: false,
    }
    .abi_encode();
    let (tx, _) = release_tx(&say, &world, app, &r11, vec![redeploy.into()]).await?;
    // One signature is not enough.
    let state = world.safe.state().await.map_err(|e| safe_error("reading the Safe", e))?;
    let mut one = SignatureSet::new(world.safe.safe_tx_hash(&tx), state.owners, state.threshold);
    one.insert(world.safe.sign(&tx, &world.local.signer(2)).await.map_err(|e| safe_error("signing", e))?)
        .map_err(|e| safe_error("collecting", e))?;
    let refused = world.safe.execute(&tx, &one.packed(), deployer).await;
    say.block(&format!(
        "with bob's signature alone, execution is refused: {}",
        refused.as_ref().err().map(|e| e.to_string()).unwrap_or_else(|| "accepted (unexpected!)".into())
    ));
    if refused.is_ok() {
        return Err(verification("a 2-of-3 Safe executed with one signature"));
    }
    world.sign_and_execute(&say, &tx, &[1, 2]).await?;
    check_release(&say, &world, app, 2).await?;
    summary.steps.push(Step {
        what: "release 1.1: reviewed, one signature refused, executed with 2 of 3 (version 2)".into(),
        ok: true,
    });
    let machine11 = machine_redeployed(&say, &world, app, &machine, &r11, bundle11).await?;
    summary.steps.push(Step {
        what: format!("the provider redeployed the machine: 1.1 instance {machine11} registered"),
        ok: true,
    });

    let stand_in = RoflStandIn::new(provider.clone());
    let epoch = stand_in.current_epoch().await.map_err(|e| chain(e.to_string()))?;
    say.chapter("An instance running release 1.1 registers");
    let id11 = r11.policy.enclaves[0];
    register_and_check(&say, &stand_in, deployer, app, instance_new, &id11, &notes_of(&r11), epoch, true)
        .await?;
    summary.steps.push(Step { what: "1.1 instance registered and passed the origin check".into(), ok: true });
    say.chapter("An instance still running release 1.0 tries to register");
    let id10 = r10.policy.enclaves[0];
    register_and_check(&say, &stand_in, deployer, app, instance_old, &id10, &notes_of(&r10), epoch, false)
        .await?;
    summary.steps.push(Step { what: "1.0 instance refused".into(), ok: true });

    say.chapter("The app moves under a DAO");
    say.block(
        "the maintainers hand the policy contract to token holders. The app itself does not move:\n\
         its ROFL admin stays the policy contract (same app id, stake, config and history); only\n\
         the contract's owner changes, from the Safe to a Timelock run by a Governor. Ownership is\n\
         two-step: the Safe proposes the Timelock, the DAO accepts by vote, so a wrong address\n\
         cannot take the app.",
    );
    let mut params = DaoParams::local();
    params.deploy_app_admin = false;
    let dao =
        deploy_dao(&provider, deployer, &params).await.map_err(|e| gov_error("deploying the DAO", e))?;
    let governor = GovernorClient::new(provider.clone(), dao.governor);
    let token = RoflGovToken::new(dao.token, provider.clone());
    let share = params.token_supply / U256::from(3u64);
    for voter in &owners {
        token
            .transfer(*voter, share)
            .from(deployer)
            .send()
            .await
            .map_err(|e| chain(format!("transferring votes: {e}")))?
            .get_receipt()
            .await
            .map_err(|e| chain(e.to_string()))?;
        governor.delegate(*voter, *voter).await.map_err(|e| gov_error("delegating", e))?;
    }
    say.block(&format!(
        "token {} (ERC20Votes), Timelock {} ({} s delay), Governor {} ({} s voting delay, {} s vote, {}% quorum)\nvoting power: alice, bob, carol one third each (delegated to themselves)",
        dao.token, dao.timelock, params.timelock_delay, dao.governor, params.voting_delay, params.voting_period, params.quorum_percent
    ));
    summary.governor = dao.governor.to_string();
    summary.timelock = dao.timelock.to_string();

    let transfer = RoflAppAdmin::transferOwnershipCall { newOwner: dao.timelock }.abi_encode();
    let tx = world.safe_tx(world.policy.address(), U256::ZERO, transfer.clone().into()).await?;
    let current = world.policy.get_app(app).await.map_err(|e| rofl_error("getApp", e))?;
    let review = Reviewer::new(&current.config)
        .policy_contract(world.policy.address(), current.version)
        .review(&[ProposedCall::call(world.policy.address(), U256::ZERO, transfer.into())]);
    say.block(&format!(
        "the Safe transaction, as its signers review it (SafeTx hash {}):",
        world.safe.safe_tx_hash(&tx)
    ));
    say.block(&indent(&review.to_string()));
    world.sign_and_execute(&say, &tx, &[0, 1]).await?;
    let accept = Proposal::new(
        [ProposalCall::sol(world.policy.address(), &RoflAppAdmin::acceptOwnershipCall {})],
        DescriptionBuilder::new("Accept ownership of the weather-oracle policy contract")
            .paragraph("The maintainers' Safe proposed the Timelock as owner; accepting puts the app under this DAO.")
            .build_for(owners[0]),
    );
    dao_pass(&say, &world, &governor, &accept, owners[0], false).await?;
    dao_execute(&say, &world, &governor, &accept).await?;
    let owner = world.policy.owner().await.map_err(|e| rofl_error("owner", e))?;
    say.block(&format!(
        "policy contract owner: {owner} (the Timelock); the Safe can no longer change the app"
    ));
    if owner != dao.timelock {
        return Err(verification("the Timelock does not own the policy contract"));
    }
    summary.owner_at_end = owner.to_string();
    summary.steps.push(Step {
        what: "policy contract handed from the Safe to the DAO's Timelock (Safe proposed, DAO accepted)"
            .into(),
        ok: true,
    });

    say.chapter("Release 1.2 from examples/demo/rofl-1.2.yaml, voted through the DAO");
    let current = world.policy.get_app(app).await.map_err(|e| rofl_error("getApp", e))?;
    let changes = plan_release(&current.config, &ReleaseTarget::from_deployment(&r12)).map_err(usage)?;
    let data = changes_to_calldata(app, current.version, &changes).map_err(|e| usage(e.to_string()))?;
    let proposal = Proposal::new(
        [ProposalCall::new(world.policy.address(), data.clone())],
        DescriptionBuilder::new("weather-oracle 1.2.0")
            .paragraph("adds humidity readings; retires the 1.1.0 enclave")
            .build_for(owners[1]),
    );
    let notes = EnclaveNotes::from_deployment(&r12);
    let review = Reviewer::new(&current.config)
        .policy_contract(world.policy.address(), current.version)
        .notes(&notes)
        .review(&[ProposedCall::call(world.policy.address(), U256::ZERO, data)]);
    say.block(&format!(
        "what the voters review (proposal id {}, the same diff as for a Safe transaction):",
        proposal.id()
    ));
    say.block(&indent(&review.to_string()));
    dao_pass(&say, &world, &governor, &proposal, owners[1], true).await?;
    // Instances renew their registration every epoch (the standard app core registers two
    // epochs ahead); the 1.1 instance does so right before the release lands.
    let epoch = stand_in.current_epoch().await.map_err(|e| chain(e.to_string()))?;
    stand_in
        .register_instance(deployer, app, instance_new, &id11, epoch + 2)
        .await
        .map_err(|e| chain(format!("renewing the 1.1 instance: {e}")))?;
    say.block(&format!(
        "meanwhile the 1.1 instance {instance_new} renews its registration, as it does every epoch: valid until epoch {} (now epoch {epoch})",
        epoch + 2
    ));
    dao_execute(&say, &world, &governor, &proposal).await?;
    check_release(&say, &world, app, 3).await?;
    summary.steps.push(Step {
        what: "release 1.2 voted, queued, early execution refused, executed after the delay (version 3)"
            .into(),
        ok: true,
    });

    say.chapter(
        "After release 1.2: the 1.1 instance keeps its registration until it expires, then is refused",
    );
    let still = stand_in.is_authorized_origin(app, instance_new).await.map_err(|e| chain(e.to_string()))?;
    let expires = stand_in
        .instance_identity(app, instance_new)
        .await
        .map_err(|e| chain(e.to_string()))?
        .map(|(_, expiration)| expiration)
        .unwrap_or_default();
    let epoch = stand_in.current_epoch().await.map_err(|e| chain(e.to_string()))?;
    say.block(&format!(
        "rofl.IsAuthorizedOrigin({app}) from the 1.1 instance {instance_new} → {still}\n\
         the module evicts nobody when a release removes an identity: the instance keeps its rights until its registration expires at epoch {expires} (now epoch {epoch}; an epoch is about an hour on Sapphire, {STAND_IN_EPOCH_SECONDS} s here)"
    ));
    if !still {
        return Err(verification("the 1.1 instance lost its registration before it expired"));
    }
    let renewal = stand_in.register_instance(deployer, app, instance_new, &id11, epoch + 2).await;
    say.block(&format!(
        "the 1.1 instance tries to renew: {}",
        match &renewal {
            Ok(_) => "accepted (unexpected!)".to_owned(),
            Err(_) => "REFUSED: its identity is no longer in the app's policy".to_owned(),
        }
    ));
    if renewal.is_ok() {
        return Err(verification("an instance with a removed identity renewed its registration"));
    }
    register_and_check(
        &say,
        &stand_in,
        deployer,
        app,
        instance_next,
        &r12.policy.enclaves[0],
        &notes_of(&r12),
        epoch,
        true,
    )
    .await?;
    let mut now = epoch;
    while now < expires {
        now =
            world.local.advance_epochs(1).await.map_err(|e| chain(format!("advancing the clock: {e:#}")))?;
        stand_in
            .register_instance(deployer, app, instance_next, &r12.policy.enclaves[0], now + 2)
            .await
            .map_err(|e| chain(format!("renewing the 1.2 instance: {e}")))?;
    }
    let old = stand_in.is_authorized_origin(app, instance_new).await.map_err(|e| chain(e.to_string()))?;
    let next = stand_in.is_authorized_origin(app, instance_next).await.map_err(|e| chain(e.to_string()))?;
    say.block(&format!(
        "local clock moved to epoch {now} (the 1.2 instance renewed each epoch)\n\
         rofl.IsAuthorizedOrigin({app}) from the 1.1 instance {instance_new} → {old}: {}\n\
         rofl.IsAuthorizedOrigin({app}) from the 1.2 instance {instance_next} → {next}",
        if old { "still authorized (unexpected!)" } else { "REFUSED, its registration expired" }
    ));
    if old || !next {
        return Err(verification(
            "after expiry the 1.1 instance must be refused and the 1.2 instance admitted",
        ));
    }
    let machine_old =
        stand_in.is_authorized_origin(app, machine.instance).await.map_err(|e| chain(e.to_string()))?;
    say.block(&format!(
        "the machine's 1.0 instance {} (replaced by the redeployment) → {machine_old}: {}",
        machine.instance,
        if machine_old { "still authorized (unexpected!)" } else { "its registration expired too" }
    ));
    if machine_old {
        return Err(verification("the machine's 1.0 registration did not expire"));
    }
    summary.steps.push(Step {
        what: format!(
            "after release 1.2 the 1.1 instance kept its rights until its registration expired (epoch {expires}), could not renew, then was refused; 1.2 instance admitted"
        ),
        ok: true,
    });

    let final_app = world.policy.get_app(app).await.map_err(|e| rofl_error("getApp", e))?;
    summary.final_version = final_app.version;
    summary.seconds = started.elapsed().as_secs_f64();
    drop(world);
    let text = {
        let mut out = String::from("\n━━ Summary\n");
        for s in &summary.steps {
            out.push_str(&format!("   {} {}\n", if s.ok { "✓" } else { "✗" }, s.what));
        }
        out.push_str(&format!(
            "   app {} at version {}, owned by the DAO's Timelock {}, in {:.1} s\n",
            summary.app, summary.final_version, summary.owner_at_end, summary.seconds
        ));
        out
    };
    emit(g.json, &summary, || text);
    Ok(())
}

fn indent(text: &str) -> String {
    text.lines().map(|l| format!("  {l}\n")).collect()
}

/// The machine the demo rents, and the instance its first deployment registered.
struct DemoMachine {
    market: roflgov_devnet::SimulatedProvider<DynProvider>,
    instance: Address,
}

fn sim_error(e: roflgov_devnet::MarketSimError) -> crate::exit::CliError {
    chain(format!("simulated provider: {e}"))
}

/// The policy contract rents a machine from the simulated provider and the Safe deploys the
/// 1.0 bundle on it; the provider accepts the machine, then boots the bundle.
async fn machine_chapter(
    say: &Narrator,
    world: &World,
    app: AppId,
    r10: &DeploymentConfig,
) -> CliResult<DemoMachine> {
    // Instances register two epochs ahead, as the standard app core does.
    let mut market = world.local.simulated_provider().await.map_err(sim_error)?.with_registration_epochs(2);
    let provider_id = roflgov_types::ids::Address(market.id().0);
    say.block(&format!(
        "roflmarket stand-in at {}; simulated provider {provider_id} offers TDX machines at 100 ROSE a month",
        roflgov_client::machines::MARKET_STAND_IN
    ));
    let month = U256::from(100u64) * U256::from(10u64).pow(U256::from(18u64));
    let fund = RoflAppAdmin::fundMachinesCall {}.abi_encode();
    world.policy.send(world.deployer, fund.into(), month).await.map_err(|e| rofl_error("fundMachines", e))?;
    say.block(&format!("{} funds the policy contract with 100 ROSE (anyone may)", world.deployer));
    let bundle = alloy::primitives::keccak256(b"roflgov demo ORC 1.0");
    let rent = RoflAppAdmin::rentMachineCall {
        appId: app.to_fixed_bytes(),
        provider: market.id(),
        offer: 0,
        term: roflgov_client::machines::TERM_MONTH,
        termCount: 1,
    }
    .abi_encode();
    let deploy = RoflAppAdmin::deployMachineCall {
        appId: app.to_fixed_bytes(),
        provider: market.id(),
        id: 0,
        manifestHash: bundle,
        wipeStorage: false,
    }
    .abi_encode();
    // The module takes commands only for an accepted machine: rent, let the provider accept, deploy.
    for (label, data) in
        [("rent a machine (one month, paid by the contract)", rent), ("deploy release 1.0 on it", deploy)]
    {
        let data: Bytes = data.into();
        let decoded = decode_calldata(&data).map_err(|e| usage(e.to_string()))?;
        let tx = world.safe_tx(world.policy.address(), U256::ZERO, data).await?;
        say.block(&format!("the Safe proposes to {label}:\n  {}", decoded.to_string().trim()));
        world.sign_and_execute(say, &tx, &[0, 1]).await?;
        if label.starts_with("rent") {
            let step = market.run_once().await.map_err(sim_error)?;
            say.block(&format!("the provider accepts machine(s) {:?}", step.accepted));
        }
    }
    market.add_bundle(bundle, r10.policy.enclaves[0]);
    let step = market.run_once().await.map_err(sim_error)?;
    let instance = booted(say, world, app, &step, r10, bundle).await?;
    Ok(DemoMachine { market, instance })
}

/// After the release: the provider takes the redeployment and its instance registers, while
/// the 1.0 instance keeps its registration until it expires.
async fn machine_redeployed(
    say: &Narrator,
    world: &World,
    app: AppId,
    machine: &DemoMachine,
    r11: &DeploymentConfig,
    bundle: alloy::primitives::B256,
) -> CliResult<Address> {
    let step = machine.market.run_once().await.map_err(sim_error)?;
    let instance = booted(say, world, app, &step, r11, bundle).await?;
    let stand_in = RoflStandIn::new(world.provider.clone());
    let old = stand_in.instance_identity(app, machine.instance).await.map_err(|e| chain(e.to_string()))?;
    say.block(&format!(
        "the machine's 1.0 instance {} keeps its registration until epoch {} (the module evicts nobody)",
        machine.instance,
        old.map(|(_, e)| e).unwrap_or_default()
    ));
    Ok(instance)
}

/// The Deploy in `step` booted `bundle` and its instance registered with the release's identity.
async fn booted(
    say: &Narrator,
    world: &World,
    app: AppId,
    step: &roflgov_devnet::ProviderStep,
    release: &DeploymentConfig,
    bundle: alloy::primitives::B256,
) -> CliResult<Address> {
    let Some(roflgov_devnet::Registration::Registered { instance, identity, expiration_epoch }) =
        step.executed.iter().find(|c| c.manifest_hash == Some(bundle)).map(|c| c.registration.clone())
    else {
        return Err(verification(format!("the provider did not boot manifest {bundle}: {step:?}")));
    };
    let stand_in = RoflStandIn::new(world.provider.clone());
    let ok = stand_in.is_authorized_origin(app, instance).await.map_err(|e| chain(e.to_string()))?;
    say.block(&format!(
        "the provider takes the Deploy (manifest {bundle}) and boots it: instance {instance} registers\nrunning {}, valid before epoch {expiration_epoch}; rofl.IsAuthorizedOrigin → {ok}",
        render::identity(&identity, &notes_of(release))
    ));
    if !ok || identity != release.policy.enclaves[0] {
        return Err(verification("the machine's instance does not run the release"));
    }
    Ok(instance)
}

/// Plans a release against the on-chain config and shows the Safe transaction as its signers
/// review it.
async fn release_tx(
    say: &Narrator,
    world: &World,
    app: AppId,
    target: &DeploymentConfig,
    extra: Vec<Bytes>,
) -> CliResult<(SafeTx, usize)> {
    let current = world.policy.get_app(app).await.map_err(|e| rofl_error("getApp", e))?;
    let changes = plan_release(&current.config, &ReleaseTarget::from_deployment(target)).map_err(usage)?;
    let data = if extra.is_empty() {
        changes_to_calldata(app, current.version, &changes).map_err(|e| usage(e.to_string()))?
    } else {
        // The release and further calls (a machine's redeployment) in one multicall.
        let mut calls = changes
            .iter()
            .map(|c| c.to_calldata(app, current.version))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| usage(e.to_string()))?;
        calls.extend(extra);
        RoflAppAdmin::multicallCall { calls }.abi_encode().into()
    };
    let tx = world.safe_tx(world.policy.address(), U256::ZERO, data.clone()).await?;
    let notes = EnclaveNotes::from_deployment(target);
    let review = Reviewer::new(&current.config)
        .policy_contract(world.policy.address(), current.version)
        .notes(&notes)
        .review(&[ProposedCall::call(world.policy.address(), U256::ZERO, data)]);
    say.block(&format!(
        "what the signers review (readable, not an opaque CBOR blob); their wallets show SafeTx hash {}",
        world.safe.safe_tx_hash(&tx)
    ));
    say.block(&indent(&review.to_string()));
    if review.has_critical() {
        return Err(verification("the release review raised a critical warning"));
    }
    Ok((tx, changes.len()))
}

/// After a release: the version moved, and the next rofl.Update body keeps the admin and
/// secrets.
async fn check_release(say: &Narrator, world: &World, app: AppId, version: u64) -> CliResult {
    let after = world.policy.get_app(app).await.map_err(|e| rofl_error("getApp", e))?;
    let body = world.policy.encode_update(app).await.map_err(|e| rofl_error("encodeUpdate", e))?;
    let decoded = cbor::decode_update(&body)
        .map_err(|e| chain(format!("the contract's update body does not decode: {e}")))?;
    let module =
        RoflStandIn::new(world.provider.clone()).config(app).await.map_err(|e| chain(e.to_string()))?;
    say.block(&format!(
        "sent as one complete rofl.Update: version {}; the module now allows {}\nadmin kept: {}; secrets kept: {}",
        after.version,
        module.policy.enclaves.iter().map(roflgov_attest::identity_to_base64).collect::<Vec<_>>().join(", "),
        decoded.admin.map(|a| a.to_string()).unwrap_or_else(|| "NONE".into()),
        decoded.secrets.keys().cloned().collect::<Vec<_>>().join(", ")
    ));
    if after.version != version
        || module.admin.is_none()
        || module.policy.enclaves != after.config.policy.enclaves
    {
        return Err(verification("the release did not land as reviewed"));
    }
    Ok(())
}

#[allow(clippy::too_many_arguments)]
async fn register_and_check(
    say: &Narrator,
    stand_in: &RoflStandIn<DynProvider>,
    endorser: Address,
    app: AppId,
    instance: Address,
    id: &roflgov_types::EnclaveIdentity,
    notes: &render::Notes,
    epoch: u64,
    expect_ok: bool,
) -> CliResult {
    let registered = stand_in.register_instance(endorser, app, instance, id, epoch + 2).await;
    let ok = registered.is_ok() && stand_in.is_authorized_origin(app, instance).await.unwrap_or(false);
    let origin = if ok { stand_in.origin_app(instance).await.ok().flatten() } else { None };
    say.block(&format!(
        "instance {instance} runs {}\nregistration {}",
        render::identity(id, notes),
        if ok {
            format!(
                "accepted; rofl.IsAuthorizedOrigin({app}) → true, rofl.OriginApp → {}",
                origin.map(|a| a.to_string()).unwrap_or_default()
            )
        } else {
            "REFUSED: its identity is not in the app's policy".into()
        }
    ));
    if ok != expect_ok || (ok && origin != Some(app)) {
        return Err(verification(format!(
            "instance {instance}: expected {}",
            if expect_ok { "admission" } else { "refusal" }
        )));
    }
    Ok(())
}

/// Propose, vote, queue, and move the clock to the Timelock's eta (not executed yet).
async fn dao_pass(
    say: &Narrator,
    world: &World,
    governor: &GovernorClient,
    proposal: &Proposal,
    proposer: Address,
    show_early: bool,
) -> CliResult {
    let id = governor.propose(proposal, proposer).await.map_err(|e| gov_error("proposing", e))?;
    say.block(&format!("{} proposes: proposal id {id}", world.name(proposer)));
    governor.advance_to_voting(id).await.map_err(|e| gov_error("advancing", e))?;
    for (i, voter) in world.owners.iter().enumerate() {
        let support = if i == 2 && show_early { VoteSupport::Against } else { VoteSupport::For };
        governor.cast_vote(id, support, None, *voter).await.map_err(|e| gov_error("voting", e))?;
    }
    let votes = governor.votes(id).await.map_err(|e| gov_error("votes", e))?;
    let unit = U256::from(10u64).pow(U256::from(18u64));
    say.block(&format!(
        "votes: for {}, against {} (tokens); the vote closes (local clock moved, no sleeping)",
        votes.for_votes / unit,
        votes.against / unit
    ));
    governor.advance_past_deadline(id).await.map_err(|e| gov_error("advancing", e))?;
    let eta = governor.queue(proposal, proposer).await.map_err(|e| gov_error("queueing", e))?;
    say.block(&format!("vote succeeded; queued in the Timelock, executable at chain time {eta}"));
    if show_early {
        let early = governor.execute(proposal, world.deployer).await;
        say.block(&format!(
            "executing before the delay is refused: {}",
            early.as_ref().err().map(|e| e.to_string()).unwrap_or_else(|| "accepted (unexpected!)".into())
        ));
        if early.is_ok() {
            return Err(verification("a proposal executed before the Timelock delay"));
        }
    }
    governor.advance_to_eta(id).await.map_err(|e| gov_error("advancing", e))?;
    Ok(())
}

/// Execute a proposal whose Timelock delay has passed.
async fn dao_execute(
    say: &Narrator,
    world: &World,
    governor: &GovernorClient,
    proposal: &Proposal,
) -> CliResult {
    let receipt = governor.execute(proposal, world.deployer).await.map_err(|e| gov_error("executing", e))?;
    say.block(&format!("executed through the Timelock in tx {}", receipt.transaction_hash));
    Ok(())
}
