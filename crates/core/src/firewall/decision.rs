//! The decision a front end acts on: whether to refuse an approval ([`Refusal`]), and the whole
//! review a signer reads ([`SignerReview`]: the firewall's report, the identity checks of the
//! reviewer's files, the calls read offline, and the final verdict). A front end prints these
//! and exits; it decides nothing.

use std::collections::BTreeSet;

use roflgov_types::{Classified, EnclaveIdentity, FailureClass};
use serde::Serialize;

use super::{ChainFacts, Expectations, FirewallReport, Transaction, Verdict, review};
use crate::{
    review::{
        CallOut, IdentityCheck, IdentityEvidence, OfflineCall, ProposedCall, Severity, Warning, WarningKind,
        drops_admin,
    },
    rofl::PolicyChange,
};

/// Why an approval is refused: a verification failure (nothing was signed or sent).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Refusal {
    /// A direct `rofl.Update` leaves the app without an admin.
    DropsAdmin,
    /// Identities the proposal adds are not the reviewer's (rofl.yaml, bundle, quote).
    IdentityChecks {
        /// How many checks failed.
        failed: usize,
    },
    /// The state the transaction touches could not be established.
    CannotReview {
        /// What was not done (`signed`, `sent`, ...).
        action: String,
    },
    /// Critical findings the reviewer did not override.
    Critical {
        /// The blocking finding kinds, by name, sorted.
        kinds: Vec<String>,
        /// What was not done.
        action: String,
    },
}

impl std::fmt::Display for Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Refusal::DropsAdmin => {
                f.write_str("this proposal would drop the app's admin, irreversibly: do not sign")
            }
            Refusal::IdentityChecks { failed } => write!(f, "{failed} identity check(s) failed: do not sign"),
            Refusal::CannotReview { action } => write!(
                f,
                "cannot review: the state this transaction touches could not be established; nothing was {action}"
            ),
            Refusal::Critical { kinds, action } => write!(
                f,
                "the review raised critical findings ({}): do not sign; nothing was {action}. If each is intended, \
                 pass --override <FINDING> for each",
                kinds.join(", ")
            ),
        }
    }
}

impl std::error::Error for Refusal {}

impl Classified for Refusal {
    fn class(&self) -> FailureClass {
        FailureClass::Verification
    }
}

impl FirewallReport {
    /// The refusal of `action` (`signed`, `sent`, ...) unless the verdict is ok, naming each
    /// blocking finding kind.
    pub fn refusal(&self, action: &str) -> Option<Refusal> {
        match self.verdict {
            Verdict::Ok => None,
            Verdict::CannotReview => Some(Refusal::CannotReview { action: action.to_owned() }),
            Verdict::DoNotSign => {
                let kinds: BTreeSet<String> = self.blocking().map(|w| w.kind.name()).collect();
                Some(Refusal::Critical { kinds: kinds.into_iter().collect(), action: action.to_owned() })
            }
        }
    }

    /// How a finding reads next to its message: `CRITICAL`, `OVERRIDDEN` (a critical finding
    /// accepted by an override) or `caution`.
    pub fn mark(&self, finding: &Warning) -> &'static str {
        match (finding.severity, self.overridden.contains(&finding.kind)) {
            (Severity::Critical, true) => "OVERRIDDEN",
            (Severity::Critical, false) => "CRITICAL",
            (Severity::Caution, _) => "caution",
        }
    }

    /// Drops `intended` from the overridden kinds: findings that are the action itself (a
    /// guardian's removal), accepted by the front end and not by the user, are shown as
    /// findings and not as "accepted by --override". The verdict is unchanged.
    pub fn without_overrides_of(mut self, intended: &BTreeSet<WarningKind>) -> Self {
        self.overridden.retain(|kind| !intended.contains(kind));
        self
    }
}

/// The findings a guardian's own action raises by definition, accepted by the action itself:
/// a changed freeze state always, and for a freeze the empty enclave list too (a freeze
/// removes every identity). Pass them as overrides, then drop them from the report's
/// overridden kinds with [`FirewallReport::without_overrides_of`].
pub fn guardian_intent(change: &PolicyChange) -> BTreeSet<WarningKind> {
    let mut intended = BTreeSet::from([WarningKind::FreezeChanged]);
    if matches!(change, PolicyChange::Freeze) {
        intended.insert(WarningKind::NoEnclaves);
    }
    intended
}

/// The whole review a signer reads: everything `roflgov review` prints, computed from data.
#[derive(Clone, Debug, Serialize)]
pub struct SignerReview {
    /// Each call, read on its own (policy-contract changes, direct subcalls, unknown calls).
    pub calls: Vec<CallOut>,
    /// The whole-transaction review: every call, every app, every finding, its verdict.
    pub firewall: FirewallReport,
    /// Each identity the proposal adds against each file the reviewer gave.
    pub identity_checks: Vec<IdentityCheck>,
    /// When the firewall diffed no app (no chain, no current config): what each call writes.
    #[serde(skip)]
    pub offline: Vec<OfflineCall>,
    /// Whether a call is a direct `rofl.Update` that drops the app's admin.
    pub drops_admin: bool,
    /// The verdict to act on: the firewall's, made "do not sign" by a failed identity check
    /// or a dropped admin.
    pub verdict: Verdict,
}

/// Reviews `transaction` (whose calls, MultiSend legs read, are `calls`) for a signer who holds
/// `evidence`: the firewall on `facts` (empty when there is no chain: then the calls are read
/// offline) with the identities `evidence` vouches for as verified (they replace
/// `expectations.verified_identities`), the identity checks of every identity added, and the
/// final verdict.
pub fn review_for_signer(
    transaction: &Transaction,
    calls: &[ProposedCall],
    facts: &ChainFacts,
    expectations: &Expectations,
    evidence: &IdentityEvidence,
) -> SignerReview {
    let expectations = Expectations { verified_identities: evidence.verified(), ..expectations.clone() };
    let firewall = review(transaction, facts, &expectations);
    let offline: Vec<OfflineCall> =
        if firewall.apps.is_empty() { calls.iter().map(OfflineCall::read).collect() } else { Vec::new() };
    let added: Vec<EnclaveIdentity> = if firewall.apps.is_empty() {
        offline.iter().flat_map(OfflineCall::allows).collect()
    } else {
        firewall.apps.iter().flat_map(|r| r.diff.enclaves_added.iter().map(|l| l.identity)).collect()
    };
    let identity_checks = evidence.checks(&added);
    let drops_admin = calls.iter().any(drops_admin);
    let failed = identity_checks.iter().any(|c| !c.ok);
    let verdict = match firewall.verdict {
        Verdict::Ok if failed || drops_admin => Verdict::DoNotSign,
        v => v,
    };
    SignerReview {
        calls: calls.iter().map(CallOut::read).collect(),
        firewall,
        identity_checks,
        offline,
        drops_admin,
        verdict,
    }
}

impl SignerReview {
    /// The refusal to sign, unless the verdict is ok: a dropped admin first, then failed
    /// identity checks, then the firewall's own refusal of `action`.
    pub fn refusal(&self, action: &str) -> Option<Refusal> {
        if self.drops_admin {
            return Some(Refusal::DropsAdmin);
        }
        let failed = self.identity_checks.iter().filter(|c| !c.ok).count();
        if failed > 0 {
            return Some(Refusal::IdentityChecks { failed });
        }
        self.firewall.refusal(action)
    }
}
