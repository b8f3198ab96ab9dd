//! The decision a front end acts on: whether to refuse an approval ([`Refusal`]), and the whole
//! review a signer reads ([`SignerReview`]: the firewall's report, the identity checks of the
//! reviewer's files, the calls read offline, and the final verdict). A front end prints these
//! and exits; it decides nothing.

use std::collections::BTreeSet;

use alloy_primitives::Address;
use roflgov_types::{AppId, Classified, EnclaveIdentity, FailureClass};
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

/// Why a guardian's emergency action is refused before anything is sent.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum GuardianRefusal {
    /// The sender is neither the app's guardian nor the policy contract's owner.
    NotGuardian {
        /// The app.
        app: AppId,
        /// The sender.
        sender: Address,
        /// The app's guardian, if it has one.
        guardian: Option<Address>,
    },
    /// The identity to revoke is not allowed now.
    NotAllowed {
        /// The app.
        app: AppId,
        /// The identity.
        identity: EnclaveIdentity,
    },
    /// The identity to revoke is the app's last: a revoke would lock every instance out.
    LastIdentity {
        /// The app.
        app: AppId,
        /// The identity.
        identity: EnclaveIdentity,
    },
    /// The app is frozen already.
    AlreadyFrozen {
        /// The app.
        app: AppId,
    },
    /// Not a guardian action (only `revokeEnclave` and `freeze` are).
    NotAGuardianAction {
        /// The function.
        function: &'static str,
    },
}

impl std::fmt::Display for GuardianRefusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::NotGuardian { app, sender, guardian: Some(g) } => write!(
                f,
                "refused: {sender} is not the guardian of app {app} (its guardian is {g}); nothing was sent"
            ),
            Self::NotGuardian { app, sender, guardian: None } => write!(
                f,
                "refused: app {app} has no guardian (governance sets one with setGuardian), and {sender} is not the owner; nothing was sent"
            ),
            Self::NotAllowed { app, identity } => write!(
                f,
                "enclave {} is not allowed for app {app} (already removed or never added); nothing was sent",
                identity.to_text()
            ),
            Self::LastIdentity { app, identity } => write!(
                f,
                "enclave {} is the app's last identity: revoking it would lock every instance out; use `roflgov guardian freeze --app {app}`; nothing was sent",
                identity.to_text()
            ),
            Self::AlreadyFrozen { app } => write!(f, "app {app} is already frozen; nothing was sent"),
            Self::NotAGuardianAction { function } => {
                write!(f, "{function} is not a guardian action (revokeEnclave, freeze); nothing was sent")
            }
        }
    }
}

impl std::error::Error for GuardianRefusal {}

impl Classified for GuardianRefusal {
    fn class(&self) -> FailureClass {
        FailureClass::Verification
    }
}

/// Whether `sender` may act as `app`'s guardian: its guardian, or the policy contract's owner.
pub fn guardian_rights(
    app: AppId,
    sender: Address,
    guardian: Option<Address>,
    owner: Address,
) -> Result<(), GuardianRefusal> {
    if guardian == Some(sender) || owner == sender {
        Ok(())
    } else {
        Err(GuardianRefusal::NotGuardian { app, sender, guardian })
    }
}

/// The identities a guardian's `change` removes from `app`, whose enclaves are `enclaves` and
/// which is `frozen` or not; refused when the revoke names an identity not allowed, or the
/// last one (a freeze is the way to remove every identity), or when the app is frozen already.
pub fn guardian_removal(
    app: AppId,
    change: &PolicyChange,
    enclaves: &[EnclaveIdentity],
    frozen: bool,
) -> Result<Vec<EnclaveIdentity>, GuardianRefusal> {
    match change {
        PolicyChange::RevokeEnclave(identity) => {
            if !enclaves.contains(identity) {
                return Err(GuardianRefusal::NotAllowed { app, identity: *identity });
            }
            if enclaves.len() == 1 {
                return Err(GuardianRefusal::LastIdentity { app, identity: *identity });
            }
            Ok(vec![*identity])
        }
        PolicyChange::Freeze if frozen => Err(GuardianRefusal::AlreadyFrozen { app }),
        PolicyChange::Freeze => Ok(enclaves.to_vec()),
        other => Err(GuardianRefusal::NotAGuardianAction { function: other.function_name() }),
    }
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
