//! Identity evidence: which enclave identities the reviewer can vouch for from the files they
//! hold (a rofl.yaml, an ORC bundle, a verified quote), and the check of every identity a
//! proposal adds against each of them.
//!
//! The rules, in one place:
//! - an identity counts as **verified** when every file given (rofl.yaml, bundle) lists it; a
//!   quote's identity counts when every file given lists it too (alone, the quote vouches for
//!   its own identity);
//! - **identity checks**: each identity the proposal adds must be listed in the rofl.yaml and
//!   in the bundle (one check per file given), and the quote's identity must be among the
//!   identities added. Any failed check makes the verdict "do not sign".

use std::collections::BTreeSet;

use roflgov_types::EnclaveIdentity;
use serde::Serialize;

/// What the reviewer holds to vouch for identities. Reading the files is the caller's job.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct IdentityEvidence {
    /// The identities of the rofl.yaml deployment, when one was given.
    pub manifest: Option<Vec<EnclaveIdentity>>,
    /// The ORC bundle, when one was given: its name (as shown) and its identities.
    pub bundle: Option<(String, Vec<EnclaveIdentity>)>,
    /// The verified quote, when one was given: its name (as shown) and its identity.
    pub quote: Option<(String, EnclaveIdentity)>,
}

/// One identity check, as shown and printed with `--json`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct IdentityCheck {
    /// The identity, in its base64 text form.
    pub identity: String,
    /// What it was checked against: `rofl.yaml`, `bundle NAME` or `quote NAME` (not escaped:
    /// escape it when printing).
    pub source: String,
    /// Whether the check passed.
    pub ok: bool,
}

impl IdentityEvidence {
    /// Whether the reviewer gave no file at all.
    pub fn is_empty(&self) -> bool {
        self.manifest.is_none() && self.bundle.is_none() && self.quote.is_none()
    }

    /// The identities the reviewer can vouch for (`None`: no file given, nothing is verified
    /// or refuted). An identity counts when every file given lists it; the quote's identity
    /// is a candidate like the files' own.
    pub fn verified(&self) -> Option<BTreeSet<EnclaveIdentity>> {
        if self.is_empty() {
            return None;
        }
        let lists: Vec<&Vec<EnclaveIdentity>> =
            self.manifest.iter().chain(self.bundle.iter().map(|(_, ids)| ids)).collect();
        let candidates = lists.iter().copied().flatten().chain(self.quote.iter().map(|(_, id)| id));
        Some(candidates.filter(|id| lists.iter().all(|list| list.contains(id))).copied().collect())
    }

    /// The checks of the identities a proposal adds (`added`, in order): for each, one check
    /// per file given; then the quote's identity against `added`.
    pub fn checks(&self, added: &[EnclaveIdentity]) -> Vec<IdentityCheck> {
        let mut checks = Vec::new();
        for id in added {
            if let Some(ids) = &self.manifest {
                checks.push(IdentityCheck {
                    identity: id.to_text(),
                    source: "rofl.yaml".into(),
                    ok: ids.contains(id),
                });
            }
            if let Some((name, ids)) = &self.bundle {
                checks.push(IdentityCheck {
                    identity: id.to_text(),
                    source: format!("bundle {name}"),
                    ok: ids.contains(id),
                });
            }
        }
        if let Some((name, id)) = &self.quote {
            checks.push(IdentityCheck {
                identity: id.to_text(),
                source: format!("quote {name}"),
                ok: added.contains(id),
            });
        }
        checks
    }
}

#[cfg(test)]
mod tests {
    use alloy_primitives::B256;

    use super::*;

    fn id(n: u8) -> EnclaveIdentity {
        EnclaveIdentity { mr_enclave: B256::repeat_byte(n), mr_signer: B256::ZERO }
    }

    fn set(ids: &[u8]) -> Option<BTreeSet<EnclaveIdentity>> {
        Some(ids.iter().map(|n| id(*n)).collect())
    }

    #[test]
    fn without_files_nothing_is_verified_or_checked() {
        let evidence = IdentityEvidence::default();
        assert!(evidence.is_empty());
        assert_eq!(evidence.verified(), None);
        assert!(evidence.checks(&[id(1)]).is_empty());
    }

    #[test]
    fn an_identity_is_verified_only_when_every_file_lists_it() {
        let evidence = IdentityEvidence {
            manifest: Some(vec![id(1), id(2)]),
            bundle: Some(("app.orc".into(), vec![id(2), id(3)])),
            quote: None,
        };
        assert_eq!(evidence.verified(), set(&[2]));
        let manifest_only = IdentityEvidence { manifest: Some(vec![id(1), id(2)]), ..Default::default() };
        assert_eq!(manifest_only.verified(), set(&[1, 2]));
    }

    #[test]
    fn a_quote_alone_vouches_for_its_identity_and_files_must_agree() {
        let quote_only = IdentityEvidence { quote: Some(("q.bin".into(), id(7))), ..Default::default() };
        assert_eq!(quote_only.verified(), set(&[7]));
        let disagreeing = IdentityEvidence {
            manifest: Some(vec![id(1)]),
            quote: Some(("q.bin".into(), id(7))),
            ..Default::default()
        };
        assert_eq!(disagreeing.verified(), set(&[1]), "a quote no file lists is not verified");
        let agreeing = IdentityEvidence {
            bundle: Some(("b.orc".into(), vec![id(7)])),
            quote: Some(("q.bin".into(), id(7))),
            ..Default::default()
        };
        assert_eq!(agreeing.verified(), set(&[7]));
    }

    #[test]
    fn each_added_identity_is_checked_against_each_file() {
        let evidence = IdentityEvidence {
            manifest: Some(vec![id(1)]),
            bundle: Some(("b.orc".into(), vec![id(1), id(2)])),
            quote: None,
        };
        let checks = evidence.checks(&[id(1), id(2)]);
        let rows: Vec<(String, &str, bool)> =
            checks.iter().map(|c| (c.identity.clone(), c.source.as_str(), c.ok)).collect();
        assert_eq!(
            rows,
            vec![
                (id(1).to_text(), "rofl.yaml", true),
                (id(1).to_text(), "bundle b.orc", true),
                (id(2).to_text(), "rofl.yaml", false),
                (id(2).to_text(), "bundle b.orc", true),
            ]
        );
    }

    #[test]
    fn the_quote_identity_must_be_among_the_added_ones() {
        let evidence = IdentityEvidence { quote: Some(("q.bin".into(), id(7))), ..Default::default() };
        let passed = evidence.checks(&[id(1), id(7)]);
        assert_eq!(passed.len(), 1);
        assert!(passed[0].ok && passed[0].source == "quote q.bin" && passed[0].identity == id(7).to_text());
        let failed = evidence.checks(&[id(1)]);
        assert!(!failed[0].ok);
        assert!(!evidence.checks(&[])[0].ok, "a quote with nothing added fails");
    }
}
