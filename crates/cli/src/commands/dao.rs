//! `roflgov dao vote|queue|execute|cancel`: the Governor side of a proposal opened with
//! `roflgov propose --governor`.

use clap::{Args, Subcommand, ValueEnum};

use crate::{context::GlobalArgs, exit::{CliResult, usage}};

#[derive(Subcommand, Debug)]
pub enum DaoCommand {
    /// Cast your vote (delegate your tokens to yourself first with --delegate).
    Vote(VoteArgs),
    /// Queue a succeeded proposal in the Timelock.
    Queue(ProposalRef),
    /// Execute a queued proposal once the Timelock delay has passed (--wait shows progress
    /// until then; on a local chain --advance-time moves the clock instead).
    Execute(ExecuteArgs),
    /// Cancel a proposal (proposer only, before voting starts).
    Cancel(ProposalRef),
}

#[derive(Args, Debug)]
pub struct ProposalRef {
    /// Proposal id (decimal or 0x hex), as printed by `roflgov propose --governor`.
    #[arg(long, value_name = "ID")]
    pub proposal: String,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum Support {
    Against,
    For,
    Abstain,
}

#[derive(Args, Debug)]
pub struct VoteArgs {
    #[command(flatten)]
    pub proposal: ProposalRef,
    /// How to vote.
    #[arg(long, value_enum)]
    pub support: Support,
    /// Reason recorded on chain with the vote.
    #[arg(long)]
    pub reason: Option<String>,
    /// Delegate your voting power to yourself first (needed once per holder).
    #[arg(long)]
    pub delegate: bool,
}

#[derive(Args, Debug)]
pub struct ExecuteArgs {
    #[command(flatten)]
    pub proposal: ProposalRef,
    /// Wait for the Timelock delay to pass, with progress on stderr.
    #[arg(long)]
    pub wait: bool,
    /// Local chains only: move the chain clock past the delay instead of waiting.
    #[arg(long)]
    pub advance_time: bool,
}

pub async fn run(_g: &GlobalArgs, _cmd: DaoCommand) -> CliResult {
    Err(usage("the DAO flow is not in this build yet (roflgov-chain `governor` module pending merge)"))
}
