//! `roflgov app audit`: an app's whole accountability record (every change with who approved
//! it, every release record, every instance registration with the identity and release it ran,
//! every one-way lock) as JSON and as Markdown, every outside string escaped.

use alloy::primitives::{Address, B256};
use roflgov_core::rofl::{KeyLock, LockState, format_utc};
use roflgov_types::AppConfig;
use roflgov_types::AppId;
use serde::Serialize;

use crate::{
    history::{Row, md},
    trace_report::{RegistrationOut, ReleaseOut, Tracer},
};

/// A release record with where it was added.
#[derive(Serialize)]
pub(crate) struct AuditRelease {
    #[serde(flatten)]
    pub(crate) release: ReleaseOut,
    pub(crate) block: u64,
    pub(crate) tx: B256,
    pub(crate) identities: Vec<String>,
}

/// A registration with the release its identity came from.
#[derive(Serialize)]
pub(crate) struct AuditRegistration {
    #[serde(flatten)]
    pub(crate) registration: RegistrationOut,
    pub(crate) release: Option<ReleaseOut>,
}

/// The app's one-way locks: what no later proposal can change.
#[derive(Serialize)]
pub(crate) struct AuditLocks {
    /// The locks as the contract holds them.
    pub(crate) state: LockState,
    /// One readable line per lock (terminal-escaped), with whether a locked-while-absent key
    /// may still be set once.
    pub(crate) lines: Vec<String>,
}

impl AuditLocks {
    pub(crate) fn new(config: &AppConfig, state: LockState) -> Self {
        let lines = state
            .lines(config)
            .into_iter()
            .map(|(lock, status)| match status {
                KeyLock::SetOnce => format!("{lock} (absent: may be set once)"),
                _ => lock,
            })
            .collect();
        Self { state, lines }
    }
}

/// The audit record.
#[derive(Serialize)]
pub(crate) struct Audit {
    pub(crate) app: String,
    pub(crate) policy_contract: Address,
    /// Chain time when the record was made (Unix seconds).
    pub(crate) generated_at: u64,
    pub(crate) generated_at_utc: String,
    /// Every change, with who approved it.
    pub(crate) history: Vec<Row>,
    pub(crate) releases: Vec<AuditRelease>,
    pub(crate) registrations: Vec<AuditRegistration>,
    /// One-way locks in force now.
    pub(crate) locks: AuditLocks,
}

impl Audit {
    pub(crate) fn new(
        app: AppId,
        policy_contract: Address,
        generated_at: u64,
        history: Vec<Row>,
        tracer: &Tracer,
        locks: AuditLocks,
    ) -> Self {
        let releases = tracer
            .releases
            .iter()
            .map(|r| AuditRelease {
                release: ReleaseOut::new(r.release_id, &r.record),
                block: r.block,
                tx: r.tx,
                identities: r.identities.iter().map(roflgov_attest::identity_to_base64).collect(),
            })
            .collect();
        let registrations = crate::trace_report::registrations(tracer)
            .into_iter()
            .map(|(registration, release)| AuditRegistration { registration, release })
            .collect();
        Self {
            app: app.to_string(),
            policy_contract,
            generated_at,
            generated_at_utc: format_utc(generated_at),
            history,
            releases,
            registrations,
            locks,
        }
    }
}

/// The Markdown document: the history table, then releases, then registrations.
pub(crate) fn markdown(a: &Audit) -> String {
    let mut out = crate::history::markdown(&format!("Audit of ROFL app {}", a.app), &a.history);
    out.push_str(&format!(
        "\nPolicy contract `{}`; record made at {}.\n",
        a.policy_contract,
        md(&a.generated_at_utc)
    ));
    out.push_str("\n## Releases\n\n| Release | Version | Repository | Commit | Bundle sha256 | Identities | Notes | Added in |\n");
    out.push_str("|---|---|---|---|---|---|---|---|\n");
    for r in &a.releases {
        let rel = &r.release;
        out.push_str(&format!(
            "| {} | {} | {} | `{}` | `{}` | {} | {} | block {}, `{}` |\n",
            rel.release_id,
            md(&rel.version),
            md(&rel.repository),
            rel.commit,
            rel.bundle_hash,
            r.identities.iter().map(|i| format!("`{i}`")).collect::<Vec<_>>().join("<br>"),
            md(&rel.notes),
            r.block,
            r.tx
        ));
    }
    if a.releases.is_empty() {
        out.push_str("\nNo release records.\n");
    }
    out.push_str("\n## Instance registrations\n\n| Instance key | Registered (UTC) | Block | Valid until (UTC) | Identity | Release |\n");
    out.push_str("|---|---|---|---|---|---|\n");
    for r in &a.registrations {
        let reg = &r.registration;
        let release = match &r.release {
            Some(rel) => format!("#{} {} (`{}`)", rel.release_id, md(&rel.version), rel.commit),
            None => "none".to_owned(),
        };
        out.push_str(&format!(
            "| `{}` | {} | {} | {} (epoch {}) | {} | {} |\n",
            reg.key,
            md(&reg.time_utc),
            reg.block,
            md(&reg.valid_until_utc),
            reg.expiration_epoch,
            reg.identity.as_deref().map_or_else(|| "unknown".to_owned(), |i| format!("`{i}`")),
            release
        ));
    }
    if a.registrations.is_empty() {
        out.push_str("\nNo instance registrations.\n");
    }
    out.push_str("\n## One-way locks\n\n");
    if a.locks.lines.is_empty() {
        out.push_str("No locks.\n");
    } else {
        out.push_str("Nothing unlocks; a locked app is never handed over.\n\n");
        for line in &a.locks.lines {
            out.push_str(&format!("- {}\n", md(line)));
        }
    }
    out
}
