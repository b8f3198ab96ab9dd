//! What kind of failure an error is, so that a front end (the CLI's exit codes, a service's
//! status) can act on it without matching every library's variants itself.
//!
//! Each library error says its own class ([`Classified::class`]) and its message for a person
//! ([`Classified::explain`]); the CLI maps the class to an exit code in one place.

/// The kind of a failure.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum FailureClass {
    /// Bad arguments or configuration.
    Usage,
    /// A file could not be read or is malformed (rofl.yaml, CBOR, bundle, quote, JSON).
    Input,
    /// A check failed: an identity is not allowed, a signature is wrong, a proposal is stale,
    /// a file was tampered with, a simulated call reverted (nothing was sent).
    Verification,
    /// The chain refused or could not be reached (RPC errors, reverts, wrong chain).
    Chain,
}

/// An error that knows its [`FailureClass`].
pub trait Classified: std::fmt::Display {
    /// The kind of this failure.
    fn class(&self) -> FailureClass;

    /// The message for a person: the error's `Display`, unless the error has more to say
    /// (what a decoded revert means, whether anything was sent).
    fn explain(&self) -> String {
        self.to_string()
    }
}
