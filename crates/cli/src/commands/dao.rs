//! `roflgov dao delegate|power|vote|relay|queue|execute|cancel|status`: the Governor side of a
//! proposal opened with `roflgov propose --governor`. Every sending command prints the proposal
//! id and state first and simulates before sending: a refused step sends nothing. Which step a
//! state allows, a combination's and a signed ballot's rules are the Governor SDK's
//! (`roflgov_governor::{lifecycle, draft::Combination, ballot}`); this module renders.
//!
//! Vote counts are shown in token units (the token's decimals and symbol), with their share of
//! the votes cast and the quorum at the snapshot (`quorum(proposalSnapshot)`, counted against
//! for + abstain as `GovernorCountingSimple._quorumReached` does); times as UTC dates with the
//! time left in chain time.

use std::path::PathBuf;

use alloy::{
    primitives::{Address, U256},
    providers::{DynProvider, Provider},
};
use clap::{Args, Subcommand, ValueEnum};
use roflgov_core::{
    rofl::format_deadline,
    text,
    units::{format_units, percent},
};
use roflgov_governor::{
    GovernorClient, OnchainProposal, ProposalState, SignedBallot, TokenUnits, VoteSupport, ballot,
    bindings::Ballot, lifecycle,
};
use serde::Serialize;

use crate::{
    context::GlobalArgs,
    daoops::{self, Time, gov_error},
    exit::{CliResult, chain, usage},
    firewall::{self, FirewallArgs},
    output::{Table, emit, progress},
};

#[derive(Subcommand, Debug)]
pub(crate) enum DaoCommand {
    /// Delegate your voting power (to yourself by default). Votes count from the vote snapshot
    /// of a proposal on, so delegate before proposals are made.
    Delegate(DelegateArgs),
    /// Show voting power: token balance, votes, where the votes are delegated, and how to
    /// delegate (of ADDRESS, or of your key's account).
    Power(PowerArgs),
    /// Cast your vote on an active proposal (shows the proposal id and tally first); with
    /// --sign-only --out FILE, sign the vote offline for someone else to relay.
    Vote(VoteArgs),
    /// Submit a vote signed offline (`dao vote --sign-only --out FILE`) with `castVoteBySig`:
    /// anyone can relay it and pay the gas; the vote counts for the signer.
    Relay(RelayArgs),
    /// Queue a succeeded proposal in the Timelock (prints when it becomes executable).
    Queue(QueueArgs),
    /// Execute a queued proposal once the Timelock delay has passed (--wait shows progress
    /// until then; on a local chain --advance-time moves the clock instead).
    Execute(ExecuteArgs),
    /// Cancel a proposal: the proposer while it is pending (Governor `cancel`); a queued one only
    /// by an account holding the Timelock's CANCELLER_ROLE (`roflgov deploy --dao` grants it to
    /// the Governor alone, so a stale queued proposal is left to fail at execution).
    Cancel(ProposalRef),
    /// Show a proposal's state, tally, vote window and timelock eta.
    Status(ProposalRef),
    /// Submit several actions as ONE Governor proposal (all run, or none): drafts written by
    /// `propose`, `owner …` or `app create` with `--governor-out FILE`, plus an optional
    /// `--fund-rose` from the Timelock's balance. Reviewed and voted on as one. Changes to one
    /// app go into one draft (e.g. `propose --set-guardian`): each is drafted against the app's
    /// current version.
    Combine(CombineArgs),
}

#[derive(Args, Debug)]
pub(crate) struct CombineArgs {
    /// An action draft (repeatable, in execution order) written with `--governor-out FILE`.
    #[arg(long = "leg", value_name = "FILE", num_args = 1)]
    pub legs: Vec<PathBuf>,
    /// Also send this much ROSE (e.g. 0.5) from the Timelock to the policy contract's balance
    /// (`fundMachines`): it pays for the apps' machines and the owner can withdraw it.
    #[arg(long, value_name = "ROSE")]
    pub fund_rose: Option<roflgov_core::units::RoseAmount>,
    /// The proposal's description [default: the actions' titles]; the `#proposer=` guard is
    /// appended.
    #[arg(long)]
    pub description: Option<String>,
}

#[derive(Args, Debug)]
pub(crate) struct DelegateArgs {
    /// Delegate to this address [default: yourself].
    #[arg(long, value_name = "ADDRESS")]
    pub to: Option<Address>,
}

#[derive(Args, Debug)]
pub(crate) struct PowerArgs {
    /// Account to show [default: your key's account].
    #[arg(value_name = "ADDRESS")]
    pub account: Option<Address>,
}

#[derive(Args, Debug)]
pub(crate) struct RelayArgs {
    /// Signed vote file written by `roflgov dao vote --sign-only --out FILE`.
    #[arg(value_name = "FILE")]
    pub file: PathBuf,
}

/// How to get past a time the chain has not reached yet.
#[derive(Args, Debug, Clone, Copy)]
pub(crate) struct TimeArgs {
    /// Wait (with progress on stderr) until the chain reaches the time this step needs. On a
    /// local anvil, which mines no block on its own, the clock is moved instead.
    #[arg(long, conflicts_with = "advance_time")]
    pub wait: bool,
    /// With --wait: give up after this many seconds of waiting [default: the time still needed
    /// plus 10 minutes].
    #[arg(long, value_name = "SECONDS", requires = "wait")]
    pub timeout: Option<u64>,
    /// Local anvil only: move the chain clock to the time this step needs instead of waiting.
    #[arg(long)]
    pub advance_time: bool,
}

impl TimeArgs {
    fn mode(self) -> Time {
        if self.advance_time {
            Time::Advance
        } else if self.wait {
            Time::Wait(self.timeout)
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
    #[arg(long, conflicts_with = "sign_only")]
    pub reason: Option<String>,
    /// Sign the vote (an EIP-712 `Ballot` for `castVoteBySig`) without sending anything; --out
    /// names the file to write. Anyone can then submit it with `roflgov dao relay FILE`.
    #[arg(long, requires = "out")]
    pub sign_only: bool,
    /// With --sign-only: where to write the signed vote.
    #[arg(long, value_name = "FILE", requires = "sign_only")]
    pub out: Option<PathBuf>,
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
    #[serde(skip_serializing_if = "Option::is_none")]
    eta_utc: Option<String>,
    /// Vote counts in base units of the token (decimal strings).
    votes_for: String,
    votes_against: String,
    votes_abstain: String,
    /// Shares of the votes cast, e.g. `75.00%` (`-` when none were cast).
    percent_for: String,
    percent_against: String,
    percent_abstain: String,
    token_symbol: String,
    token_decimals: u8,
    /// Votes needed (for + abstain), in base units: `quorum(proposalSnapshot)`. Unknown until
    /// the snapshot is past.
    #[serde(skip_serializing_if = "Option::is_none")]
    quorum: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    quorum_reached: Option<bool>,
    vote_start: u64,
    vote_start_utc: String,
    vote_end: u64,
    vote_end_utc: String,
    /// The latest block's timestamp: "time left" is counted from it.
    chain_time: u64,
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
    let units = client.token_units().await.map_err(|e| gov_error("reading the voting token", e))?;
    let now = daoops::now(client.provider()).await?;
    let snapshot: u64 = p.vote_start.saturating_to();
    // `quorum(t)` reads the past total supply: it reverts until the snapshot is in the past.
    let clock = client.clock().await.map_err(|e| gov_error("reading the clock", e))?;
    let quorum = if snapshot < clock {
        Some(client.quorum(snapshot).await.map_err(|e| gov_error("reading the quorum", e))?)
    } else {
        None
    };
    let cast = votes.for_votes.saturating_add(votes.against).saturating_add(votes.abstain);
    let vote_end: u64 = p.vote_end.saturating_to();
    Ok(Step {
        proposal_id: p.id.to_string(),
        action,
        state,
        transaction: tx,
        eta: (eta != 0).then_some(eta),
        eta_utc: (eta != 0).then(|| format_deadline(eta, Some(now))),
        votes_for: votes.for_votes.to_string(),
        votes_against: votes.against.to_string(),
        votes_abstain: votes.abstain.to_string(),
        percent_for: percent(votes.for_votes, cast),
        percent_against: percent(votes.against, cast),
        percent_abstain: percent(votes.abstain, cast),
        token_symbol: text::escape(&units.symbol),
        token_decimals: units.decimals,
        quorum: quorum.map(|q| q.to_string()),
        quorum_reached: quorum.map(|q| q <= votes.for_votes.saturating_add(votes.abstain)),
        vote_start: snapshot,
        vote_start_utc: format_deadline(snapshot, Some(now)),
        vote_end,
        vote_end_utc: format_deadline(vote_end, Some(now)),
        chain_time: now,
    })
}

/// `amount` base units of the token, e.g. `1000.5 RGT`.
fn amount(units: &TokenUnits, value: U256) -> String {
    format!("{} {}", format_units(value, units.decimals), text::escape(&units.symbol))
}

fn show(json: bool, s: &Step) {
    emit(json, s, || {
        let units =
            TokenUnits { address: Address::ZERO, symbol: s.token_symbol.clone(), decimals: s.token_decimals };
        let v = |raw: &str| amount(&units, raw.parse().unwrap_or_default());
        let mut t = Table::new();
        t.row("proposal", &s.proposal_id).row("state", s.state);
        if let Some(tx) = &s.transaction {
            t.row(s.action, tx);
        }
        t.row(
            "votes",
            format!(
                "for {} ({}), against {} ({}), abstain {} ({})",
                v(&s.votes_for),
                s.percent_for,
                v(&s.votes_against),
                s.percent_against,
                v(&s.votes_abstain),
                s.percent_abstain
            ),
        );
        match (&s.quorum, s.quorum_reached) {
            (Some(q), Some(reached)) => t.row(
                "quorum",
                format!(
                    "{} (for + abstain) at the snapshot: {}",
                    v(q),
                    if reached { "reached" } else { "not reached" }
                ),
            ),
            _ => t.row("quorum", "known once voting opens (a share of the supply at the snapshot)"),
        };
        t.row("vote opens", &s.vote_start_utc).row("vote closes", &s.vote_end_utc);
        if let Some(eta) = &s.eta_utc {
            t.row("executable at", eta);
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
        let chain_id = Provider::get_chain_id(&provider).await.ok();
        let transaction = roflgov_client::review_source::governor_transaction(&p, timelock, chain_id);
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
        DaoCommand::Combine(a) => combine(g, a).await,
        DaoCommand::Status(r) => {
            let (_, _, client, p) = load(g, &r, false, None).await?;
            let s = step(&client, &p, "status", None).await?;
            show(g.json, &s);
            Ok(())
        }
        DaoCommand::Vote(args) if args.sign_only => sign_only(g, args).await,
        DaoCommand::Relay(args) => relay(g, args).await,
        DaoCommand::Power(args) => power(g, args).await,
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
            lifecycle::ensure_vote_open(p.id, state)?;
            let voted = client.has_voted(p.id, me).await.map_err(|e| gov_error("reading hasVoted", e))?;
            lifecycle::ensure_not_voted(p.id, me, voted, false)?;
            let power = client
                .votes_of(me, p.vote_start.saturating_to())
                .await
                .map_err(|e| gov_error("reading voting power", e))?;
            if power.is_zero() {
                crate::output::warn(format!(
                    "{me} had no voting power at the snapshot (delegate before proposals are made): the vote counts 0"
                ));
            }
            let support = args.support.into();
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
            lifecycle::ensure_queueable(p.id, state)?;
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
            lifecycle::ensure_executable(p.id, p.state)?;
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
            let me = me.expect("signing");
            let receipt = match lifecycle::cancellation(p.id, p.state, p.proposer, me)? {
                lifecycle::Cancellation::ByProposer => {
                    progress(format!("canceling proposal {} (Governor cancel, by its proposer)", p.id));
                    client.cancel(&p.proposal, me).await.map_err(|e| {
                        crate::exit::maybe_sent(gov_error("canceling", e), "run `roflgov dao status`")
                    })?
                }
                lifecycle::Cancellation::InTimelock => {
                    let allowed = client
                        .is_timelock_canceller(me)
                        .await
                        .map_err(|e| gov_error("reading the Timelock's canceller role", e))?;
                    lifecycle::ensure_canceller(p.id, me, allowed)?;
                    progress(format!("canceling queued proposal {} in the Timelock (CANCELLER_ROLE)", p.id));
                    client.cancel_queued(&p.proposal, me).await.map_err(|e| {
                        crate::exit::maybe_sent(
                            gov_error("canceling in the Timelock", e),
                            "run `roflgov dao status`",
                        )
                    })?
                }
            };
            let s = step(&client, &p, "canceled in", Some(receipt.transaction_hash.to_string())).await?;
            show(g.json, &s);
            Ok(())
        }
    }
}

impl From<Support> for VoteSupport {
    fn from(s: Support) -> Self {
        match s {
            Support::For => VoteSupport::For,
            Support::Against => VoteSupport::Against,
            Support::Abstain => VoteSupport::Abstain,
        }
    }
}

async fn sign_only(g: &GlobalArgs, args: VoteArgs) -> CliResult {
    let signer = g.keys.signer()?;
    let out = args.out.as_deref().expect("clap requires --out with --sign-only");
    let gate = matches!(args.support, Support::For).then_some("signed as a vote for");
    let (provider, _, client, p) = load(g, &args.proposal, false, gate).await?;
    lifecycle::ensure_ballot_open(p.id, p.state)?;
    let voter = signer.address();
    let voted = client.has_voted(p.id, voter).await.map_err(|e| gov_error("reading hasVoted", e))?;
    lifecycle::ensure_not_voted(p.id, voter, voted, true)?;
    let signed =
        client.sign_vote(&signer, p.id, args.support.into()).await.map_err(|e| gov_error("signing", e))?;
    let chain_id = provider.get_chain_id().await.map_err(|e| chain(format!("reading the chain id: {e}")))?;
    let file = ballot::BallotFile {
        kind: ballot::KIND.into(),
        chain_id,
        governor: client.address(),
        proposal_id: p.id.to_string(),
        support: args.support.into(),
        voter,
        nonce: signed.ballot.nonce.to_string(),
        signature: signed.signature.clone(),
        digest: signed.digest,
    };
    crate::fsutil::write_atomic(out, file.to_json().as_bytes())?;
    emit(g.json, &file, || {
        let mut t = Table::new();
        t.row("proposal", &file.proposal_id)
            .row("vote", file.support)
            .row("voter", file.voter)
            .row("EIP-712 digest", file.digest)
            .row("written to", out.display());
        format!(
            "{}\nnothing was sent: anyone can submit it with  roflgov dao relay {}  (the vote counts for {})",
            t.render(),
            out.display(),
            file.voter
        )
    });
    Ok(())
}

async fn relay(g: &GlobalArgs, args: RelayArgs) -> CliResult {
    let path = args.file.display().to_string();
    let text = crate::fsutil::read_input_text(&args.file)?;
    let file = ballot::BallotFile::from_json(&path, &text)?;
    let id = daoops::parse_id(&file.proposal_id)?;
    let nonce = file.nonce(&path)?;
    let (network, provider, relayer) = g.signing_provider().await?;
    let chain_id = provider.get_chain_id().await.map_err(|e| chain(format!("reading the chain id: {e}")))?;
    file.ensure_destination(&path, chain_id, network.governor)?;
    let client = GovernorClient::new(provider.clone(), file.governor);
    let signed = SignedBallot {
        ballot: Ballot { proposalId: id, support: file.support.as_u8(), voter: file.voter, nonce },
        signature: file.signature.clone(),
        digest: file.digest,
    };
    let (signer, digest) =
        client.ballot_signer(&signed).await.map_err(|e| gov_error("checking the signature", e))?;
    file.ensure_signed_by_voter(&path, signer, digest)?;
    let p = daoops::proposal(&network, &client, id).await?;
    progress(format!("proposal {id} on Governor {}: {}", client.address(), p.state));
    lifecycle::ensure_vote_open(id, p.state)?;
    let voted = client.has_voted(id, file.voter).await.map_err(|e| gov_error("reading hasVoted", e))?;
    lifecycle::ensure_not_voted(id, file.voter, voted, false)?;
    let current = client.nonce(file.voter).await.map_err(|e| gov_error("reading the voter's nonce", e))?;
    file.ensure_nonce(&path, current)?;
    progress(format!(
        "relaying the {} vote of {} on proposal {id} (gas paid by {})",
        file.support,
        file.voter,
        relayer.address()
    ));
    let receipt = client.cast_vote_by_sig(&signed, relayer.address()).await.map_err(|e| {
        crate::exit::maybe_sent(gov_error("relaying the vote", e), "run `roflgov dao status`")
    })?;
    let s = step(&client, &p, "relayed in", Some(receipt.transaction_hash.to_string())).await?;
    show(g.json, &s);
    Ok(())
}

#[derive(Serialize)]
struct Power {
    account: Address,
    token: Address,
    token_symbol: String,
    token_decimals: u8,
    /// Base units, decimal.
    balance: String,
    /// Votes the account casts now (base units, decimal).
    votes: String,
    /// Where the account's balance votes; null when never delegated.
    delegate: Option<Address>,
    total_supply: String,
    /// `votes` as a share of the supply.
    share_of_supply: String,
    how_to_delegate: String,
}

async fn power(g: &GlobalArgs, args: PowerArgs) -> CliResult {
    let account = match args.account {
        Some(a) => a,
        None if g.keys.key_env.is_none() && g.keys.keystore.is_none() => {
            return Err(usage(
                "give an ADDRESS, or a key (--key-env VAR or --keystore FILE) to show its account",
            ));
        }
        None => g.keys.signer()?.address(),
    };
    let (network, provider) = g.provider().await?;
    let client = daoops::client(&network, provider)?;
    let units = client.token_units().await.map_err(|e| gov_error("reading the voting token", e))?;
    let pw = client.power(account).await.map_err(|e| gov_error("reading the voting power", e))?;
    let how = if pw.delegate == account {
        "delegated to itself: its tokens vote. To hand its votes to someone else: roflgov dao delegate --to ADDRESS".to_owned()
    } else if pw.delegate.is_zero() {
        format!(
            "not delegated: its {} do not vote. Delegate (from this account's key) with  roflgov dao delegate  (to itself) or  roflgov dao delegate --to ADDRESS; votes count on proposals made after that",
            text::escape(&units.symbol)
        )
    } else {
        "delegated to another account, which votes with them. To vote yourself: roflgov dao delegate"
            .to_owned()
    };
    let out = Power {
        account,
        token: units.address,
        token_symbol: text::escape(&units.symbol),
        token_decimals: units.decimals,
        balance: pw.balance.to_string(),
        votes: pw.votes.to_string(),
        delegate: (!pw.delegate.is_zero()).then_some(pw.delegate),
        total_supply: pw.total_supply.to_string(),
        share_of_supply: percent(pw.votes, pw.total_supply),
        how_to_delegate: how,
    };
    emit(g.json, &out, || {
        let mut t = Table::new();
        t.row("account", out.account)
            .row("balance", format!("{} of {}", amount(&units, pw.balance), amount(&units, pw.total_supply)))
            .row("votes", format!("{} ({} of the supply)", amount(&units, pw.votes), out.share_of_supply))
            .row(
                "delegated to",
                match out.delegate {
                    Some(d) if d == account => format!("{d} (itself)"),
                    Some(d) => d.to_string(),
                    None => "nobody".into(),
                },
            )
            .row("token", out.token)
            .row("delegation", &out.how_to_delegate);
        t.render()
    });
    Ok(())
}

/// `dao combine`: every draft's actions, in order, and the funding, as one Governor proposal.
/// Each draft must be for this chain and this policy contract; nothing is proposed otherwise.
async fn combine(g: &GlobalArgs, a: CombineArgs) -> CliResult {
    use roflgov_governor::{
        Proposal,
        draft::{Combination, Draft},
    };
    let (network, provider, signer) = g.signing_provider().await?;
    let policy = crate::context::require_policy_contract(&network)?;
    let client = daoops::client(&network, provider.clone())?;
    let chain_id =
        Provider::get_chain_id(&provider).await.map_err(|e| chain(format!("reading the chain id: {e}")))?;
    let mut combination = Combination::new(chain_id, policy, client.address());
    for leg in &a.legs {
        let at = leg.display().to_string();
        let draft = Draft::from_json(&at, &crate::fsutil::read_input_text(leg)?)?;
        combination.add(&at, &draft)?;
    }
    if let Some(amount) = a.fund_rose {
        combination.fund(amount.wei())?;
    }
    combination.ensure_combined()?;
    let timelock = client.timelock().await.map_err(|e| gov_error("reading the Governor's Timelock", e))?;
    let balance = provider
        .get_balance(timelock)
        .await
        .map_err(|e| chain(format!("reading the Timelock's balance: {e}")))?;
    let (calls, title) = combination.finish(timelock, balance)?;
    let description = roflgov_client::destination::governor_description(
        a.description.as_deref(),
        &title,
        signer.address(),
    )?;
    let proposal = Proposal::new(calls, description.clone());
    progress(format!(
        "proposal id {} (computed locally; checked against the Governor's hashProposal)",
        proposal.id()
    ));
    progress("submitting the proposal and waiting for the receipt");
    let id = client.propose(&proposal, signer.address()).await.map_err(|e| {
        crate::exit::maybe_sent(
            gov_error("proposing", e),
            "look for the proposal with `roflgov review --proposal` and check your account's nonce",
        )
    })?;
    #[derive(Serialize)]
    struct Combined {
        governor: Address,
        proposal_id: String,
        actions: usize,
        title: String,
        description: String,
    }
    let report = Combined {
        governor: client.address(),
        proposal_id: id.to_string(),
        actions: proposal.targets.len(),
        title,
        description,
    };
    emit(g.json, &report, || {
        let mut t = Table::new();
        t.row("combined", format!("{} actions in one Governor proposal", report.actions))
            .row("Governor", report.governor)
            .row("proposal id", &report.proposal_id);
        format!(
            "{}next: `roflgov review --proposal ID` (every action is shown), `roflgov dao vote`, `dao queue`, `dao execute`\n",
            t.render()
        )
    });
    Ok(())
}
