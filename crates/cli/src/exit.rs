//! Exit codes, so that scripts can tell what went wrong without parsing messages.

use std::fmt;

/// What kind of failure ended the command.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum FailureKind {
    /// Bad arguments or configuration (also clap's own usage errors).
    Usage,
    /// A file could not be read or is malformed (rofl.yaml, CBOR, bundle, quote, JSON).
    Input,
    /// A check failed: an identity is not allowed, a signature is wrong, a proposal is stale,
    /// a Transaction Builder file was tampered with.
    Verification,
    /// The chain refused or could not be reached (RPC errors, reverts, wrong chain).
    Chain,
}

impl FailureKind {
    /// The process exit code of this kind (0 is success, 1 is reserved for panics).
    pub(crate) fn exit_code(self) -> i32 {
        match self {
            FailureKind::Usage => 2,
            FailureKind::Input => 3,
            FailureKind::Verification => 4,
            FailureKind::Chain => 5,
        }
    }
}

/// An error that knows its exit code.
#[derive(Debug)]
pub(crate) struct CliError {
    pub kind: FailureKind,
    pub error: eyre::Report,
}

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:#}", self.error)
    }
}

impl std::error::Error for CliError {}

pub(crate) type CliResult<T = ()> = Result<T, CliError>;

/// Shorthands for building errors of a kind.
pub(crate) fn usage(msg: impl fmt::Display) -> CliError {
    CliError { kind: FailureKind::Usage, error: eyre::eyre!("{msg}") }
}
pub(crate) fn input(msg: impl fmt::Display) -> CliError {
    CliError { kind: FailureKind::Input, error: eyre::eyre!("{msg}") }
}
pub(crate) fn verification(msg: impl fmt::Display) -> CliError {
    CliError { kind: FailureKind::Verification, error: eyre::eyre!("{msg}") }
}
pub(crate) fn chain(msg: impl fmt::Display) -> CliError {
    CliError { kind: FailureKind::Chain, error: eyre::eyre!("{msg}") }
}

/// For a command that sends one transaction: a chain error (exit 5) raised while sending may
/// have come after the signed transaction reached the node (a connection that drops before the
/// answer), so the message must not let anyone assume that nothing happened. Other kinds (a
/// refused dry run, a revert decoded before sending) are returned as they are.
pub(crate) fn maybe_sent(err: CliError, how_to_check: &str) -> CliError {
    if err.kind != FailureKind::Chain {
        return err;
    }
    CliError {
        kind: FailureKind::Chain,
        error: err.error.wrap_err(format!(
            "the transaction may or may not have been sent (the failure came while sending it): {how_to_check} before retrying"
        )),
    }
}
