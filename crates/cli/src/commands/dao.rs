//! `roflgov dao delegate|vote|queue|execute|cancel`: the Governor side of a proposal opened
//! with `roflgov propose --governor`. Every sending command prints the proposal id and state
//! first and simulates before sending: a refused step sends nothing.

use alloy::{
    primitives::{Address, U256},
    providers::DynProvider,
};
use clap::{Args, Subcommand, ValueEnum};
use roflgov_chain::{
    governor::{GovernorClient, OnchainProposal, ProposalState, VoteSupport},
    review::ProposedCall,
};
use roflgov_core::firewall::Transaction;
use serde::Serialize;

use crate::{
    context::GlobalArgs,
    daoops::{self, Time, gov_error},
    exit::{CliResult, chain, verification},
    firewall::{self, FirewallArgs},
    output::{Table, emit, progress},
};

#[derive(Subcommand, Debug)]
pub(crate) enum DaoCommand {
    /// Delegate your voting power (to yourself by default). Votes count from the vote snapshot
    /// of a proposal on, so delegate before proposals are made.
    Delegate(DelegateArgs),
    /// Cast your vote on an active proposal (shows the proposal id and tally first).
    Vote(VoteArgs),
    /// Queue a succeeded proposal in the Timelock (prints when it becomes executable).
    Queue(QueueArgs),
    /// Execute a queued proposal once the Timelock delay has passed (--wait shows progress
    /// until then; on a local chain --advance-time moves the clock instead).
    Execute(ExecuteArgs),
    /// Cancel a proposal (proposer only, before voting starts).
    Cancel(ProposalRef),
    /// Show a proposal's state, tally, vote window and timelock eta.
    Status(ProposalRef),
}

#[derive(Args, Debug)]
pub(crate) struct DelegateArgs {
    /// Delegate to this address [default: yourself].
    #[arg(long, value_name = "ADDRESS")]
    pub to: Option<Address>,
}

/// How to get past a time the chain has not reached yet.
#[derive(Args, Debug, Clone, Copy)]
pub(crate) struct TimeArgs {
    /// Wait (with progress on stderr) until the chain reaches the time this step needs.
    #[arg(long, conflicts_with = "advance_time")]
    pub wait: bool,
    /// Local anvil only: move the chain clock to the time this step needs instead of waiting.
    #[arg(long)]
    pub advance_time: bool,
}

impl TimeArgs {
    fn mode(self) -> Time {
        if self.advance_time {
            Time::Advance
        } else if self.wait {
            Time::Wait
        } else {
            Time::Refuse
        }
    }
}

#[derive(Args, Debug)]
pub(crate) struct ProposalRef {
    /// Proposal id (decimal or 0x hex), as printed by `roflgov propose --governor`.
    #[arg(long, value_name = "ID")]
    pub proposal: String,
    /// What you expect, and findings you accept (voting for, queueing and executing run the
    /// review first and refuse on any critical finding; voting against or abstaining never).
    #[command(flatten)]
    pub expect: FirewallArgs,
}

#[derive(Args, Debug)]
pub(crate) struct QueueArgs {
    #[command(flatten)]
    pub proposal: ProposalRef,
    /// Wait for (or with --advance-time, move past) the end of the vote first.
    #[command(flatten)]
    pub time: TimeArgs,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
pub(crate) enum Support {
    Against,
    For,
    Abstain,
}

#[derive(Args, Debug)]
pub(crate) struct VoteArgs {
    #[command(flatten)]
    pub proposal: ProposalRef,
    /// How to vote.
    #[arg(long, value_enum)]
    pub support: Support,
    /// Reason recorded on chain with the vote.
    #[arg(long)]
    pub reason: Option<String>,
    #[command(flatten)]
    pub time: TimeArgs,
}

#[derive(Args, Debug)]
pub(crate) struct ExecuteArgs {
    #[command(flatten)]
    pub proposal: ProposalRef,
    /// Wait for (or with --advance-time, move past) the Timelock delay. Without either, executing
    /// before the delay is over is refused and nothing is sent.
    #[command(flatten)]
    pub time: TimeArgs,
}

#[derive(Serialize)]
struct Step {
    proposal_id: String,
    action: &'static str,
    state: ProposalState,
    #[serde(skip_serializing_if = "Option::is_none")]
    transaction: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    eta: Option<u64>,
    votes_for: String,
    votes_against: String,
    votes_abstain: String,
}

async fn step(
    client: &GovernorClient,
    p: &OnchainProposal,
    action: &'static str,
    tx: Option<String>,
) -> CliResult<Step> {
    let state = client.state(p.id).await.map_err(|e| gov_error("reading the state", e))?;
    let votes = client.votes(p.id).await.map_err(|e| gov_error("reading the votes", e))?;
    let eta = client.eta(p.id).await.map_err(|e| gov_error("reading the eta", e))?;
    Ok(Step {
        proposal_id: p.id.to_string(),
        action,
        state,
        transaction: tx,
        eta: (eta != 0).then_some(eta),
        votes_for: votes.for_votes.to_string(),
        votes_against: votes.against.to_string(),
        votes_abstain: votes.abstain.to_string(),
    })
}

fn show(json: bool, s: &Step) {
    emit(json, s, || {
        let mut t = Table::new();
        t.row("proposal", &s.proposal_id).row("state", s.state);
        if let Some(tx) = &s.transaction {
            t.row(s.action, tx);
        }
        t.row(
            "votes",
            format!("for {}, against {}, abstain {}", s.votes_for, s.votes_against, s.votes_abstain),
        );
        if let Some(eta) = s.eta {
            t.row("executable at", format!("{eta} (chain time)"));
        }
        t.render()
    });
}

async fn load(
    g: &GlobalArgs,
    r: &ProposalRef,
    signing: bool,
    gate: Option<&str>,
) -> CliResult<(DynProvider, Option<Address>, GovernorClient, OnchainProposal)> {
    let id = daoops::parse_id(&r.proposal)?;
    let (network, provider, me) = if signing {
        let (n, p, s) = g.signing_provider().await?;
        (n, p, Some(s.address()))
    } else {
        let (n, p) = g.provider().await?;
        (n, p, None)
    };
    let client = daoops::client(&network, provider.clone())?;
    let p = daoops::proposal(&network, &client, id).await?;
    progress(format!("proposal {id} on Governor {}: {}", client.address(), p.state));
    if let Some(action) = gate {
        let timelock = client.timelock().await.map_err(|e| gov_error("reading the timelock", e))?;
        let chain_id = alloy::providers::Provider::get_chain_id(&provider).await.ok();
        let transaction = Transaction::Calls {
            executor: timelock,
            chain_id,
            calls: p.proposal.calls().map(|c| ProposedCall::call(c.target, c.value, c.calldata)).collect(),
            description: Some(p.proposal.description.clone()),
            description_verified: true,
        };
        let report = firewall::review(
            &provider,
            network.policy_contract,
            network.grpc.as_deref(),
            &transaction,
            &r.expect.expectations(None),
        )
        .await;
        firewall::gate(&report, action)?;
    }
    Ok((provider, me, client, p))
}

pub(crate) async fn run(g: &GlobalArgs, cmd: DaoCommand) -> CliResult {
    match cmd {
        DaoCommand::Delegate(args) => {
            let (network, provider, signer) = g.signing_provider().await?;
            let client = daoops::client(&network, provider)?;
            let to = args.to.unwrap_or_else(|| signer.address());
            progress(format!("delegating the voting power of {} to {to}", signer.address()));
            let receipt = client.delegate(signer.address(), to).await.map_err(|e| {
                crate::exit::maybe_sent(gov_error("delegating", e), "run `roflgov dao status`")
            })?;
            #[derive(Serialize)]
            struct Delegated {
                from: Address,
                to: Address,
                transaction: String,
            }
            let d =
                Delegated { from: signer.address(), to, transaction: receipt.transaction_hash.to_string() };
            emit(g.json, &d, || format!("delegated {} → {}\n  transaction {}", d.from, d.to, d.transaction));
            Ok(())
        }
        DaoCommand::Status(r) => {
            let (_, _, client, p) = load(g, &r, false, None).await?;
            let s = step(&client, &p, "status", None).await?;
            show(g.json, &s);
            Ok(())
        }
        DaoCommand::Vote(args) => {
            let (provider, me, client, p) =
                load(g, &args.proposal, true, matches!(args.support, Support::For).then_some("voted for"))
                    .await?;
            let me = me.expect("signing");
            if p.state == ProposalState::Pending {
                daoops::reach(
                    &provider,
                    p.vote_start.saturating_to::<u64>() + 1,
                    args.time.mode(),
                    "voting has not opened yet",
                )
                .await?;
            }
            let state = client.state(p.id).await.map_err(|e| gov_error("reading the state", e))?;
            if state != ProposalState::Active {
                return Err(verification(format!(
                    "proposal {} is {state}: votes are only accepted while it is active; nothing was sent",
                    p.id
                )));
            }
            if client.has_voted(p.id, me).await.map_err(|e| gov_error("reading hasVoted", e))? {
                return Err(verification(format!(
                    "{me} has already voted on proposal {}; nothing was sent",
                    p.id
                )));
            }
            let power = client
                .votes_of(me, p.vote_start.saturating_to())
                .await
                .map_err(|e| gov_error("reading voting power", e))?;
            if power.is_zero() {
                crate::output::warn(format!(
                    "{me} had no voting power at the snapshot (delegate before proposals are made): the vote counts 0"
                ));
            }
            let support = match args.support {
                Support::For => VoteSupport::For,
                Support::Against => VoteSupport::Against,
                Support::Abstain => VoteSupport::Abstain,
            };
            progress(format!("voting {support} on proposal {} with {power} votes", p.id));
            let receipt = client
                .cast_vote(p.id, support, args.reason.as_deref(), me)
                .await
                .map_err(|e| crate::exit::maybe_sent(gov_error("voting", e), "run `roflgov dao status`"))?;
            let s = step(&client, &p, "vote", Some(receipt.transaction_hash.to_string())).await?;
            show(g.json, &s);
            Ok(())
        }
        DaoCommand::Queue(args) => {
            let (provider, me, client, p) = load(g, &args.proposal, true, Some("queued")).await?;
            if matches!(p.state, ProposalState::Active | ProposalState::Pending) {
                daoops::reach(
                    &provider,
                    p.vote_end.saturating_to::<u64>() + 1,
                    args.time.mode(),
                    "the vote is still open",
                )
                .await?;
            }
            let state = client.state(p.id).await.map_err(|e| gov_error("reading the state", e))?;
            if state != ProposalState::Succeeded {
                return Err(verification(format!(
                    "proposal {} is {state}: only a succeeded proposal can be queued; nothing was sent",
                    p.id
                )));
            }
            progress(format!("queueing proposal {} in the Timelock", p.id));
            let eta = client
                .queue(&p.proposal, me.expect("signing"))
                .await
                .map_err(|e| crate::exit::maybe_sent(gov_error("queueing", e), "run `roflgov dao status`"))?;
            let now = daoops::now(&provider).await?;
            progress(format!("executable at chain time {eta} (in {} s)", eta.saturating_sub(now)));
            let s = step(&client, &p, "queued", None).await?;
            show(g.json, &s);
            Ok(())
        }
        DaoCommand::Execute(args) => {
            let (provider, me, client, p) = load(g, &args.proposal, true, Some("executed")).await?;
            if p.state != ProposalState::Queued {
                return Err(verification(format!(
                    "proposal {} is {}: only a queued proposal can be executed; nothing was sent",
                    p.id, p.state
                )));
            }
            let eta = client.eta(p.id).await.map_err(|e| gov_error("reading the eta", e))?;
            daoops::reach(&provider, eta, args.time.mode(), "the Timelock delay is not over").await?;
            let value: U256 = p.proposal.values.iter().copied().sum();
            progress(format!(
                "executing proposal {} through the Timelock{}",
                p.id,
                if value.is_zero() { String::new() } else { format!(" (sending {value} wei)") }
            ));
            let receipt = client.execute(&p.proposal, me.expect("signing")).await.map_err(|e| {
                crate::exit::maybe_sent(gov_error("executing", e), "run `roflgov dao status`")
            })?;
            if !receipt.status() {
                return Err(chain("the execution transaction failed"));
            }
            let s = step(&client, &p, "executed in", Some(receipt.transaction_hash.to_string())).await?;
            show(g.json, &s);
            Ok(())
        }
        DaoCommand::Cancel(r) => {
            let (_, me, client, p) = load(g, &r, true, None).await?;
            progress(format!("canceling proposal {}", p.id));
            let receipt = client.cancel(&p.proposal, me.expect("signing")).await.map_err(|e| {
                crate::exit::maybe_sent(gov_error("canceling", e), "run `roflgov dao status`")
            })?;
            let s = step(&client, &p, "canceled in", Some(receipt.transaction_hash.to_string())).await?;
            show(g.json, &s);
            Ok(())
        }
    }
}
