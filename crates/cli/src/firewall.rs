//! The firewall behind every approval surface: `review`, `safe sign|approve|execute`,
//! `dao vote|queue|execute` and `guardian` run the same engine (`roflgov_core::firewall`) on
//! facts read by `roflgov_client::firewall`, show its verdict and findings first, and refuse to
//! move a proposal forward on any critical finding the user did not override by name.

use std::collections::BTreeSet;

use alloy::{primitives::Address, providers::DynProvider};
use clap::Args;
use roflgov_core::firewall::{self, Expectations, FirewallReport, Transaction};
use roflgov_core::review::WarningKind;
use roflgov_types::{EnclaveIdentity, ids::AccountAddress};

use crate::{exit::CliResult, output::warn};

/// What the reviewer expects: the only way a critical finding is accepted.
#[derive(Args, Debug, Clone, Default)]
pub(crate) struct FirewallArgs {
    /// A ROFL admin you expect a proposal to hand an app to (oasis1… or 0x…; repeatable).
    #[arg(long, value_name = "ADDRESS")]
    pub expect_admin: Vec<AccountAddress>,
    /// A guardian you expect the proposal to set (repeatable); any other is critical.
    #[arg(long, value_name = "ADDRESS")]
    pub expect_guardian: Vec<Address>,
    /// The address you expect the policy contract's ownership to move to.
    #[arg(long, value_name = "ADDRESS")]
    pub expect_owner: Option<Address>,
    /// The proposal is a declared rollback: allowing revoked or retired identities again is meant.
    #[arg(long)]
    pub expect_rollback: bool,
    /// Accept the critical findings of this kind (e.g. `unknown_target`; repeatable). Recorded
    /// in the output. "Cannot review" cannot be overridden.
    #[arg(long = "override", value_name = "FINDING")]
    pub overrides: Vec<WarningKind>,
}

impl FirewallArgs {
    /// The expectations, with identities the reviewer verified from their files.
    pub(crate) fn expectations(&self, verified: Option<BTreeSet<EnclaveIdentity>>) -> Expectations {
        Expectations {
            admins: self.expect_admin.iter().map(|a| a.0).collect(),
            guardians: self.expect_guardian.clone(),
            owner: self.expect_owner,
            rollback: self.expect_rollback,
            verified_identities: verified,
            overrides: self.overrides.iter().copied().collect(),
            ..Default::default()
        }
    }
}

/// Reads the facts `transaction` touches and reviews it. On Sapphire the ROFL module's own
/// state is read through the Oasis node at `grpc` (`None`: the network's public endpoint).
pub(crate) async fn review(
    provider: &DynProvider,
    policy_contract: Option<Address>,
    grpc: Option<&str>,
    transaction: &Transaction,
    expectations: &Expectations,
) -> FirewallReport {
    let facts =
        roflgov_client::firewall::gather_facts_with(provider, policy_contract, transaction, grpc).await;
    firewall::review(transaction, &facts, expectations)
}

/// Before a step that moves a proposal forward: shows the verdict and findings on stderr, and
/// refuses unless the verdict is ok (the refusal is core's: `FirewallReport::refusal`).
pub(crate) fn gate(report: &FirewallReport, action: &str) -> CliResult {
    eprintln!("review: {}", report.verdict);
    for finding in &report.findings {
        eprintln!("  {} [{}] {}", report.mark(finding), finding.kind.name(), finding.message);
    }
    for kind in &report.overridden {
        warn(format!("critical findings of kind {} accepted by --override", kind.name()));
    }
    match report.refusal(action) {
        Some(refusal) => Err(refusal.into()),
        None => Ok(()),
    }
}
