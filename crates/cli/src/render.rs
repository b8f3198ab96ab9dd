//! Readable forms of configs, change sets and config diffs, shared by `app show`, `propose`,
//! `review` and the demo. Secrets are only ever shown by name.

use std::collections::BTreeMap;

use roflgov_client::rofl::{InstanceFlag, InstanceView};
use roflgov_core::{
    review::{config_fields, fee_name, render_endorsements, render_identity, render_quotes},
    rofl::{KeyLock, LockState, PolicyChange, ReleaseState, format_deadline, format_utc},
    text::escape,
};
use roflgov_types::{AppConfig, AppId, EnclaveIdentity};

use crate::output::Table;

/// Release notes per identity (rofl.yaml `version` / `description`), keyed by identity.
pub(crate) type Notes = BTreeMap<EnclaveIdentity, String>;

/// An identity with its release note, as every command shows it (core's one renderer).
pub(crate) fn identity(id: &EnclaveIdentity, notes: &Notes) -> String {
    render_identity(id, notes.get(id).map(String::as_str))
}

/// An app config as aligned text (fields from core's one renderer of a policy).
pub(crate) fn config(c: &AppConfig, version: Option<u64>, notes: &Notes) -> String {
    let mut t = Table::new();
    for (field, value) in config_fields(c, version, notes) {
        t.row(field, value);
    }
    t.render()
}

/// One policy contract change as a line.
pub(crate) fn change(c: &PolicyChange, notes: &Notes) -> String {
    match c {
        PolicyChange::CreateApp { policy, metadata, .. } => format!(
            "create app with {} enclave(s), {} metadata key(s) (stakes 100 ROSE)",
            policy.enclaves.len(),
            metadata.len()
        ),
        PolicyChange::AdoptApp { policy, metadata, secrets } => format!(
            "adopt app with {} enclave(s), {} metadata key(s), secrets [{}]",
            policy.enclaves.len(),
            metadata.len(),
            secrets.keys().map(|k| escape(k)).collect::<Vec<_>>().join(", ")
        ),
        PolicyChange::AddEnclave(id) => format!("+ enclave {}", identity(id, notes)),
        PolicyChange::RemoveEnclave(id) => format!("- enclave {}", identity(id, notes)),
        PolicyChange::SetEndorsements(e) => format!("~ endorsements → {}", render_endorsements(e)),
        PolicyChange::SetFees(f) => format!("~ fees → {}", fee_name(*f)),
        PolicyChange::SetMaxExpiration(m) => format!("~ max_expiration → {m} epochs"),
        PolicyChange::SetQuotePolicy(q) => format!("~ quotes → {}", render_quotes(q)),
        PolicyChange::SetMetadata { key, value } => {
            format!("~ metadata {} = \"{}\"", escape(key), escape(value))
        }
        PolicyChange::DeleteMetadata { key } => format!("- metadata {}", escape(key)),
        PolicyChange::SetSecret { name, .. } => format!("~ secret {} (new encrypted value)", escape(name)),
        PolicyChange::DeleteSecret { name } => format!("- secret {}", escape(name)),
        PolicyChange::TransferRoflAdmin { new_admin } => {
            format!("! ROFL admin → {new_admin} (app leaves the policy contract)")
        }
        PolicyChange::RenounceRoflAdmin => {
            "! RENOUNCE ROFL admin: nobody can ever change the app again".into()
        }
        PolicyChange::RemoveApp => "! REMOVE the app (stake refunded to the contract)".into(),
        PolicyChange::AddRelease { identities, record, retire, grace_until } => {
            let mut out = format!(
                "+ release {} ({} @ {}, bundle sha256 {}, rofl.yaml sha256 {})",
                escape(&record.version),
                escape(&record.repository),
                record.commit_hex(),
                alloy::hex::encode(record.bundle_hash),
                alloy::hex::encode(record.manifest_hash)
            );
            for id in identities {
                out.push_str(&format!("\n    + enclave {}", identity(id, notes)));
            }
            for id in retire {
                match grace_until {
                    0 => out.push_str(&format!("\n    - enclave {} (at once)", identity(id, notes))),
                    at => out.push_str(&format!(
                        "\n    - enclave {} (kept until {})",
                        identity(id, notes),
                        format_utc(*at)
                    )),
                }
            }
            out
        }
        PolicyChange::SetRetirement { identity: id, deadline: 0 } => {
            format!("~ deadline of {} cancelled", identity(id, notes))
        }
        PolicyChange::SetRetirement { identity: id, deadline } => {
            format!("~ enclave {} retires from {}", identity(id, notes), format_utc(*deadline))
        }
        PolicyChange::SetGuardian { guardian } if guardian.is_zero() => "~ guardian removed".into(),
        PolicyChange::SetGuardian { guardian } => format!("~ guardian → {guardian}"),
        PolicyChange::Unfreeze => "~ unfreeze".into(),
        PolicyChange::RevokeEnclave(id) => format!("! REVOKE enclave {}", identity(id, notes)),
        PolicyChange::Freeze => "! FREEZE: every identity removed".into(),
        PolicyChange::Prune => "- prune identities past their grace deadline".into(),
        PolicyChange::LockMetadata { key } => {
            format!("! LOCK metadata {} (one-way: never changes or goes again)", escape(key))
        }
        PolicyChange::LockSecret { name } => {
            format!("! LOCK secret {} (one-way: never changes or goes again)", escape(name))
        }
        PolicyChange::LockFloors(floors) => {
            format!("! LOCK floors: {} (one-way)", floors.descriptions().join("; "))
        }
    }
}

/// The locks part of `app show`.
pub(crate) fn locks(config: &AppConfig, locks: &LockState) -> String {
    if locks.is_empty() {
        return "locks           none\n".into();
    }
    let mut out =
        String::from("locks           (one-way: nothing unlocks; a locked app is never handed over)\n");
    for (lock, status) in locks.lines(config) {
        let note = if status == KeyLock::SetOnce { "  (absent: may be set once)" } else { "" };
        out.push_str(&format!("  {lock}{note}\n"));
    }
    out
}

/// The release-governance part of `app show`: guardian, freeze, and each allowed identity's
/// status, deadline and release record.
pub(crate) fn release_governance(config: &AppConfig, state: &ReleaseState, now: u64) -> String {
    let line = |indent: usize, label: &str, value: &str| format!("{:indent$}{label:<15} {value}\n", "");
    let mut out = String::new();
    out.push_str(&line(
        0,
        "guardian",
        &state.guardian.map(|g| g.to_string()).unwrap_or_else(|| "none".into()),
    ));
    out.push_str(&line(
        0,
        "frozen",
        if state.frozen { "YES: no identity allowed until governance unfreezes the app" } else { "no" },
    ));
    out.push_str(&line(0, "releases", &format!("{} record(s)", state.releases.len())));
    if config.policy.enclaves.is_empty() {
        return out;
    }
    out.push_str("identities\n");
    for id in &config.policy.enclaves {
        let info = state.info(config, id);
        let deadline = if info.retire_at != 0 {
            format!("  retires {}", format_deadline(info.retire_at, Some(now)))
        } else {
            String::new()
        };
        out.push_str(&format!("  {}  {}{}\n", id.to_text(), info.status, deadline));
        match state.release(info.release_id) {
            Some(r) => {
                out.push_str(&line(
                    4,
                    "release",
                    &format!("#{} version {}", info.release_id, escape(&r.version)),
                ));
                out.push_str(&line(4, "repository", &escape(&r.repository)));
                out.push_str(&line(4, "commit", &r.commit_hex()));
                out.push_str(&line(4, "bundle sha256", &alloy::hex::encode(r.bundle_hash)));
                out.push_str(&line(4, "rofl.yaml sha256", &alloy::hex::encode(r.manifest_hash)));
                for (i, text) in r.notes.lines().enumerate() {
                    out.push_str(&line(4, if i == 0 { "notes" } else { "" }, &escape(text)));
                }
            }
            None => out.push_str(&line(4, "release", "(none: added without a release record)")),
        }
    }
    out
}

/// `app instances`: one block per instance.
pub(crate) fn instances(app: AppId, list: &[InstanceView], now: u64) -> String {
    if list.is_empty() {
        return format!("no instance registered for {app}\n");
    }
    let mut out = format!("{} instance(s) of {app}\n", list.len());
    for i in list {
        let cannot_renew = i.flags.iter().any(|f| f.blocks_renewal());
        let verdict = match (i.authorized, cannot_renew) {
            (true, false) => format!("authorized until epoch {}", i.expiration_epoch),
            (true, true) => format!(
                "still authorized until epoch {} (identity no longer allowed: cannot renew)",
                i.expiration_epoch
            ),
            (false, _) => format!("REFUSED: registration expired at epoch {}", i.expiration_epoch),
        };
        out.push_str(&format!("\n{}  {verdict}\n", i.address));
        let mut t = Table::new().indent(2);
        t.row("identity", format!("{}  ({})", i.identity.to_text(), i.status));
        match &i.release {
            Some((id, r)) => t.row(
                "release",
                format!(
                    "#{id} version {} ({} @ {})",
                    escape(&r.version),
                    escape(&r.repository),
                    r.commit_hex()
                ),
            ),
            None => t.row("release", "(none recorded)"),
        };
        t.row(
            "registration",
            format!(
                "expires at epoch {} (current epoch {}{})",
                i.expiration_epoch,
                i.current_epoch,
                if i.expired { ": EXPIRED" } else { "" }
            ),
        );
        for flag in &i.flags {
            let text = match flag {
                InstanceFlag::RevokedIdentity => {
                    "!!! runs a REVOKED identity: treat it as compromised; it cannot renew, and keeps its rights until its registration expires".to_owned()
                }
                InstanceFlag::IdentityNotAllowed => {
                    "!!! runs an identity the policy no longer allows: it cannot renew".to_owned()
                }
                InstanceFlag::Retiring { retire_at } => {
                    format!("(!) its identity retires {}", format_deadline(*retire_at, Some(now)))
                }
                InstanceFlag::RegistrationExpired => {
                    "(!) its registration expired: refused until it re-registers".to_owned()
                }
            };
            t.row("flag", text);
        }
        out.push_str(&t.render());
    }
    out
}
