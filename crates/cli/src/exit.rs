//! Exit codes, so that scripts can tell what went wrong without parsing messages.

use std::fmt;

use roflgov_types::Classified;
/// What kind of failure ended the command: the class every library error states
/// (`roflgov_types::Classified`), also used for the CLI's own usage and input errors.
pub(crate) use roflgov_types::FailureClass as FailureKind;

/// The process exit code of a kind of failure (0 is success, 1 is reserved for panics). The one
/// place where a failure class becomes an exit code.
pub(crate) fn exit_code(kind: FailureKind) -> i32 {
    match kind {
        FailureKind::Usage => 2,
        FailureKind::Input => 3,
        FailureKind::Verification => 4,
        FailureKind::Chain => 5,
    }
}

/// A library error, with what was being done, as the exit kind its class says.
pub(crate) fn failed(context: &str, err: &impl Classified) -> CliError {
    CliError { kind: err.class(), error: eyre::eyre!("{context}: {}", err.explain()) }
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

/// A library error as the exit kind its class says, with its own message (`?` converts).
impl<E: Classified> From<E> for CliError {
    fn from(err: E) -> Self {
        CliError { kind: err.class(), error: eyre::eyre!("{}", err.explain()) }
    }
}

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
