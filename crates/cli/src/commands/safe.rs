//! `roflgov safe sign|approve|execute`: the Safe side of a proposal file written by
//! `roflgov propose --safe-out`.

use std::path::PathBuf;

use clap::{Args, Subcommand};

use crate::{context::GlobalArgs, exit::{CliResult, usage}};

#[derive(Subcommand, Debug)]
pub enum SafeCommand {
    /// Sign the SafeTx (EIP-712) with your key and add the signature to the proposal file.
    /// Refuses a tx whose nonce is already used and a key that is not an owner.
    Sign(SafeTxFile),
    /// Approve the SafeTx hash on chain (`approveHash`) from your owner key: the approved-hash
    /// alternative to an off-chain signature.
    Approve(SafeTxFile),
    /// Execute the SafeTx once it has enough signatures/approvals; prints the decoded revert
    /// when it would fail (nothing is sent then).
    Execute(SafeTxFile),
}

#[derive(Args, Debug)]
pub struct SafeTxFile {
    /// Proposal file written by `roflgov propose --safe-out`.
    #[arg(long = "safe-tx", value_name = "FILE")]
    pub file: PathBuf,
}

pub async fn run(_g: &GlobalArgs, _cmd: SafeCommand) -> CliResult {
    Err(usage("the Safe flow is not in this build yet (roflgov-chain `safe` module pending merge)"))
}
