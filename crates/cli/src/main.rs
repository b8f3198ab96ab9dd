//! `roflgov`: on-chain governance for ROFL apps on Oasis Sapphire.
//!
//! One tool for maintainers (deploy, create/adopt apps, propose releases), signers and voters
//! (review, sign, approve, vote, execute) and operators (identities, quotes, raw CBOR bodies).
//! Every command prints aligned human output, or JSON with `--json`; failures end with an exit
//! code telling their kind (see [`exit`]).

// Dev-dependencies serve the integration tests, not the unit tests of this target.
#![cfg_attr(test, allow(unused_crate_dependencies))]
// A binary: nothing here is public API, so `missing_docs` would only ask for noise.
#![allow(missing_docs)]

mod address;
mod audit;
mod chainops;
mod commands;
mod config;
mod context;
mod daoops;
mod exit;
mod firewall;
mod fsutil;
mod history;
mod inputs;
mod keys;
mod node_machines;
mod output;
mod proposal;
mod render;
mod safeops;
mod trace_report;

use clap::{CommandFactory, FromArgMatches, Parser, Subcommand};

use crate::{
    context::GlobalArgs,
    exit::{CliError, FailureKind},
};

/// On-chain governance for ROFL apps on Oasis Sapphire: a Safe or a DAO administers an app
/// through a policy contract, and signers review a readable diff instead of an opaque CBOR blob.
///
/// Exit codes: 0 success, 2 usage error, 3 bad input file, 4 verification failed (identity not
/// allowed, bad signature, stale proposal, tampered file), 5 chain error (RPC, revert, wrong
/// chain).
#[derive(Parser, Debug)]
#[command(name = "roflgov", version, propagate_version = true, max_term_width = 100)]
struct Cli {
    #[command(flatten)]
    global: GlobalArgs,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Run a persistent local chain (anvil, Shanghai) with the ROFL module stand-in, in the
    /// foreground until Ctrl-C. Network `local` points at it.
    Node(commands::node::NodeArgs),
    /// Run the narrated end-to-end demo on an embedded local chain (Safe release, DAO release,
    /// refused instance) and print a summary.
    Demo(commands::demo::DemoArgs),
    /// Deploy the policy contract with a Safe (N-of-M) or a Governor+Timelock in charge.
    Deploy(commands::deploy::DeployArgs),
    /// Create, adopt and inspect ROFL apps managed by the policy contract.
    #[command(subcommand)]
    App(commands::app::AppCommand),
    /// Compute a release's change set from rofl.yaml (and an ORC bundle) against the on-chain
    /// config and open it as a Safe transaction, a Transaction Builder batch or a Governor
    /// proposal.
    Propose(commands::propose::ProposeArgs),
    /// Owner actions as reviewed proposals: hand the policy contract over (transfer-ownership,
    /// accept-ownership), set-guardian, unfreeze, set-retirement, transfer-rofl-admin,
    /// remove-app, withdraw-stake, secret set|delete. Opened like `propose`.
    ///
    /// Layout: `roflgov owner <ACTION> [--app APP_ID] <ACTION ARGS> <DESTINATION>`, the
    /// destination being the one of `propose`: --safe-out FILE and/or --tx-builder-out FILE (a
    /// Safe owns the contract), --governor (a Timelock owns it; your key proposes) or --send
    /// (your key owns it; local testing). App actions are drafted against the app's current
    /// on-chain version and checked against the contract's rules first.
    ///
    /// Reviewers (`roflgov review`, `safe sign`, `dao vote`) must declare what they expect: an
    /// ownership transfer or acceptance --expect-owner ADDR, a guardian --expect-guardian ADDR,
    /// a ROFL admin hand-over --expect-admin ADDR, a removal --override app_removed.
    ///
    /// Hand-over from a Safe to a DAO: the Safe proposes `owner transfer-ownership --to
    /// <Timelock> --safe-out t.json`; then a token holder proposes `owner accept-ownership
    /// --governor`, voted, queued and executed. Back: the reverse, with --governor then
    /// --safe-out.
    ///
    /// Several changes in one proposal: `roflgov propose … --unfreeze --set-guardian ADDR`
    /// ships a release, lifts a guardian freeze and sets the guardian in one multicall (one
    /// Safe transaction or Governor proposal, one review).
    #[command(subcommand)]
    Owner(commands::owner::OwnerCommand),
    /// Review a pending Safe tx, Transaction Builder batch or Governor proposal: readable diff,
    /// the hashes a wallet shows, identity verdicts. Also reads today's direct subcall flow.
    Review(commands::review::ReviewArgs),
    /// Safe flow: sign a proposal file, approve its hash on chain, execute it, show its status.
    #[command(subcommand)]
    Safe(commands::safe::SafeCommand),
    /// DAO flow: delegate, vote, queue, execute, cancel a Governor proposal, show its status.
    #[command(subcommand)]
    Dao(commands::dao::DaoCommand),
    /// The revoke-only guardian's emergency actions, effective at once without a vote: revoke
    /// one enclave identity or freeze the app. Signed by the app's guardian (set by governance).
    #[command(subcommand)]
    Guardian(commands::guardian::GuardianCommand),
    /// Enclave identities: from TDX measurements, from a verified quote, from an ORC bundle.
    #[command(subcommand)]
    Identity(commands::identity::IdentityCommand),
    /// Verify a DCAP quote offline and check it against an app policy (from rofl.yaml or the
    /// chain). Exit 4 when the enclave is not allowed.
    VerifyQuote(commands::verify_quote::VerifyQuoteArgs),
    /// Decode and encode raw rofl.Create/Update/Remove CBOR bodies.
    #[command(subcommand)]
    Cbor(commands::cbor::CborCommand),
    /// Trace an instance key (or a message it signed, or a transaction it sent) at a moment to
    /// its registration, the policy in force, the identities allowed then with their releases,
    /// and who approved each. Exit 4 when the key was not a registered instance then.
    Trace(commands::trace::TraceArgs),
    /// Verify a signed, hash-chained log (docs/signed-log.md): chain, signatures, that each
    /// entry's key was a registered instance of the app when it was written; then trace the
    /// keys. Exit 4 with the entry number on any tampering.
    VerifyLog(commands::verify_log::VerifyLogArgs),
    /// Fund the policy contract's machines, or top one up within the allowance governance set
    /// (anyone may, sent from your key).
    #[command(subcommand)]
    Machine(commands::machine::MachineCommand),
}

fn main() {
    let mut cli = match parse_args() {
        Ok(cli) => cli,
        Err(err) => exit_on_clap_error(err),
    };
    let json = cli.global.json;
    if let Command::Deploy(args) = &cli.command
        && args.save
    {
        cli.global.config_may_be_new = true;
    }
    if let Err(err) = cli.global.validate() {
        fail(&err, json);
    }
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(err) => {
            eprintln!("error: cannot start the async runtime: {err}");
            if json {
                output::finish_json(Some(error_json(
                    1,
                    "internal",
                    &format!("cannot start the async runtime: {err}"),
                )));
            }
            std::process::exit(1);
        }
    };
    let result = runtime.block_on(run(cli));
    // Stop any background work (anvil children are killed by their Drop impls already).
    runtime.shutdown_timeout(std::time::Duration::from_secs(2));
    match result {
        Ok(()) => {
            if json {
                output::finish_json(None);
            }
        }
        Err(err) => fail(&err, json),
    }
}

/// Parses the command line, with every address argument checked for its EIP-55 checksum.
fn parse_args() -> Result<Cli, clap::Error> {
    let mut cmd = address::check_address_args(Cli::command());
    let mut matches = cmd.try_get_matches_from_mut(std::env::args_os())?;
    Cli::from_arg_matches_mut(&mut matches).map_err(|e| e.format(&mut cmd))
}

/// Reports a clap error (usage error, exit 2; --help and --version exit 0) and exits. clap
/// quotes the offending argument: anything looking like a private key is redacted. With
/// `--json` anywhere on the command line, stdout gets the JSON error document.
fn exit_on_clap_error(err: clap::Error) -> ! {
    use std::io::{IsTerminal, Write};
    // --help and --version are "errors" to clap, with exit code 0.
    if !err.use_stderr() {
        let _ = err.print();
        std::process::exit(0);
    }
    let styled = err.render();
    let text = if std::io::stderr().is_terminal() { styled.ansi().to_string() } else { styled.to_string() };
    eprint!("{}", keys::redact_keys(&text));
    let _ = std::io::stderr().flush();
    let json = std::env::args_os().take_while(|a| a != "--").any(|a| a == "--json");
    let code = exit::exit_code(FailureKind::Usage);
    if json {
        let plain = styled.to_string();
        let first = plain.lines().next().unwrap_or_default();
        let message = keys::redact_keys(first.strip_prefix("error: ").unwrap_or(first).trim());
        output::finish_json(Some(error_json(code, "usage", &message)));
    }
    std::process::exit(code);
}

/// Reports a failure on stderr (and, with `--json`, in the JSON document on stdout) and exits
/// with its code.
fn fail(err: &CliError, json: bool) -> ! {
    eprintln!("error: {err}");
    if json {
        let kind = match err.kind {
            FailureKind::Usage => "usage",
            FailureKind::Input => "input",
            FailureKind::Verification => "verification",
            FailureKind::Chain => "chain",
        };
        output::finish_json(Some(error_json(exit::exit_code(err.kind), kind, &err.to_string())));
    }
    std::process::exit(exit::exit_code(err.kind));
}

/// The `error` member of the JSON document: `{"code", "kind", "message"}`.
fn error_json(code: i32, kind: &str, message: &str) -> serde_json::Value {
    serde_json::json!({ "code": code, "kind": kind, "message": message })
}

async fn run(cli: Cli) -> Result<(), CliError> {
    let g = cli.global;
    match cli.command {
        Command::Node(args) => commands::node::run(&g, args).await,
        Command::Demo(args) => commands::demo::run(&g, args).await,
        Command::Deploy(args) => commands::deploy::run(&g, args).await,
        Command::App(cmd) => commands::app::run(&g, cmd).await,
        Command::Propose(args) => commands::propose::run(&g, args).await,
        Command::Owner(cmd) => commands::owner::run(&g, cmd).await,
        Command::Review(args) => commands::review::run(&g, args).await,
        Command::Safe(cmd) => commands::safe::run(&g, cmd).await,
        Command::Dao(cmd) => commands::dao::run(&g, cmd).await,
        Command::Guardian(cmd) => commands::guardian::run(&g, cmd).await,
        Command::Identity(cmd) => commands::identity::run(&g, cmd),
        Command::VerifyQuote(args) => commands::verify_quote::run(&g, args).await,
        Command::Cbor(cmd) => commands::cbor::run(&g, cmd),
        Command::Trace(args) => commands::trace::run(&g, args).await,
        Command::VerifyLog(args) => commands::verify_log::run(&g, args).await,
        Command::Machine(cmd) => commands::machine::run(&g, cmd).await,
    }
}
