//! # roflgov-contracts
//!
//! The contract artifacts roflgov deploys, calls and decodes, embedded in the binary at build
//! time so that the CLI works from any folder, with no checkout and no `node_modules` beside it:
//!
//! - [`Artifact`]: ABI, creation and runtime code, and link references of one contract, with
//!   the library linker;
//! - [`safe`]: the canonical Safe v1.4.1 deployment (addresses and code hashes), as
//!   compile-time constants.
//!
//! The JSON files under `artifacts/` are written by `tools/export-artifacts.js` from a fresh
//! `forge build` and the Safe npm packages; `make test` runs the same script with `--check`, so
//! the embedded copies never drift from the sources.

pub mod safe;

mod artifact;

pub use artifact::{Artifact, ArtifactError, CodeMatch, LinkOffset, LinkReferences};

/// Every embedded artifact: contract name → JSON text (trimmed forge format).
pub(crate) const EMBEDDED: &[(&str, &str)] = &[
    ("RoflAppAdmin", include_str!("../artifacts/RoflAppAdmin.json")),
    ("RoflConfigLogic", include_str!("../artifacts/RoflConfigLogic.json")),
    ("RoflUpdateLogic", include_str!("../artifacts/RoflUpdateLogic.json")),
    ("RoflReleaseLogic", include_str!("../artifacts/RoflReleaseLogic.json")),
    ("RoflLockLogic", include_str!("../artifacts/RoflLockLogic.json")),
    ("RoflMachineLogic", include_str!("../artifacts/RoflMachineLogic.json")),
    ("IRoflAppAdmin", include_str!("../artifacts/IRoflAppAdmin.json")),
    ("RoflGovernor", include_str!("../artifacts/RoflGovernor.json")),
    ("RoflGovToken", include_str!("../artifacts/RoflGovToken.json")),
    ("TimelockController", include_str!("../artifacts/TimelockController.json")),
    ("RoflModuleStandIn", include_str!("../artifacts/RoflModuleStandIn.json")),
    ("RoflMarketStandIn", include_str!("../artifacts/RoflMarketStandIn.json")),
    ("NoopSubcall", include_str!("../artifacts/NoopSubcall.json")),
    ("SafeL2", include_str!("../artifacts/SafeL2.json")),
    ("SafeProxyFactory", include_str!("../artifacts/SafeProxyFactory.json")),
    ("CompatibilityFallbackHandler", include_str!("../artifacts/CompatibilityFallbackHandler.json")),
    ("MultiSendCallOnly", include_str!("../artifacts/MultiSendCallOnly.json")),
    ("SimulateTxAccessor", include_str!("../artifacts/SimulateTxAccessor.json")),
];

/// The names of every embedded contract artifact.
pub fn artifact_names() -> impl Iterator<Item = &'static str> {
    EMBEDDED.iter().map(|(name, _)| *name)
}

/// The JSON text of the embedded artifact of `name`, for callers that parse it themselves.
pub fn embedded_json(name: &str) -> Option<&'static str> {
    EMBEDDED.iter().find(|(embedded, _)| *embedded == name).map(|(_, text)| *text)
}
