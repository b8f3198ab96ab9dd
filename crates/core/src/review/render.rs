//! Human rendering: aligned text a signer reads in a terminal.

use std::fmt::{self, Display, Formatter};

use super::{
    calls::{CallReading, GovernanceChanges, LockLine, Review},
    diff::{ConfigDiff, EnclaveLine, MetadataChange, SecretChange, Severity, Warning},
    text::{fee_name, render_endorsements, render_quotes},
};
use crate::{
    rofl::{
        DecodedCalldata, KeyLock, MachineCall, OwnerCall, PolicyCall, PolicyChange, enclave_text_id,
        format_utc,
    },
    text::escape,
};

/// Width of the label column.
const LABEL: usize = 16;

fn row(f: &mut Formatter<'_>, label: &str, marker: &str, text: impl Display) -> fmt::Result {
    writeln!(f, "  {label:<LABEL$}{marker:<2}{text}")
}

impl Display for PolicyChange {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        let name = format!("{:<17}", self.function_name());
        match self {
            PolicyChange::CreateApp { policy, metadata, scheme } => write!(
                f,
                "{name} with {} enclave(s), {} metadata entr{}, scheme {scheme:?}",
                policy.enclaves.len(),
                metadata.len(),
                if metadata.len() == 1 { "y" } else { "ies" }
            ),
            PolicyChange::AdoptApp { policy, metadata, secrets } => write!(
                f,
                "{name} with {} enclave(s), {} metadata entries, secrets [{}]",
                policy.enclaves.len(),
                metadata.len(),
                secrets.keys().map(|k| escape(k)).collect::<Vec<_>>().join(", ")
            ),
            PolicyChange::AddEnclave(id) | PolicyChange::RemoveEnclave(id) => {
                write!(f, "{name} {}", enclave_text_id(id))
            }
            PolicyChange::SetEndorsements(tree) => write!(f, "{name} {}", render_endorsements(tree)),
            PolicyChange::SetFees(fees) => write!(f, "{name} {}", fee_name(*fees)),
            PolicyChange::SetMaxExpiration(epochs) => write!(f, "{name} {epochs} epochs"),
            PolicyChange::SetQuotePolicy(quotes) => write!(f, "{name} {}", render_quotes(quotes)),
            PolicyChange::SetMetadata { key, value } => {
                write!(f, "{name} {} = \"{}\"", escape(key), escape(value))
            }
            PolicyChange::DeleteMetadata { key } => write!(f, "{name} {}", escape(key)),
            PolicyChange::SetSecret { name: secret, value } => {
                write!(f, "{name} {} ({} encrypted bytes, not shown)", escape(secret), value.len())
            }
            PolicyChange::DeleteSecret { name: secret } => write!(f, "{name} {}", escape(secret)),
            PolicyChange::TransferRoflAdmin { new_admin } => write!(f, "{name} to {new_admin}"),
            PolicyChange::RenounceRoflAdmin => write!(f, "{name} (NO ADMIN, FOREVER)"),
            PolicyChange::RemoveApp => write!(f, "{}", self.function_name()),
            PolicyChange::AddRelease { identities, record, retire, grace_until } => {
                write!(
                    f,
                    "{name} {} from {} @ {}: +{} identit{}",
                    escape(&record.version),
                    escape(&record.repository),
                    record.commit_hex(),
                    identities.len(),
                    if identities.len() == 1 { "y" } else { "ies" }
                )?;
                match (retire.len(), grace_until) {
                    (0, _) => Ok(()),
                    (n, 0) => write!(f, ", retires {n} at once"),
                    (n, at) => write!(f, ", retires {n} from {}", format_utc(*at)),
                }
            }
            PolicyChange::SetRetirement { identity, deadline: 0 } => {
                write!(f, "{name} {} cancelled (no deadline)", enclave_text_id(identity))
            }
            PolicyChange::SetRetirement { identity, deadline } => {
                write!(f, "{name} {} retires from {}", enclave_text_id(identity), format_utc(*deadline))
            }
            PolicyChange::SetGuardian { guardian } if guardian.is_zero() => {
                write!(f, "{name} none (removed)")
            }
            PolicyChange::SetGuardian { guardian } => write!(f, "{name} {guardian}"),
            PolicyChange::Unfreeze => write!(f, "{name} (identities may be allowed again)"),
            PolicyChange::RevokeEnclave(id) => write!(f, "{name} {}", enclave_text_id(id)),
            PolicyChange::Freeze => write!(f, "{name} (EVERY identity removed)"),
            PolicyChange::Prune => write!(f, "{name} (identities past their grace deadline)"),
            PolicyChange::LockMetadata { key } => {
                write!(f, "{name} {} (ONE-WAY: never changes or goes again)", escape(key))
            }
            PolicyChange::LockSecret { name: secret } => {
                write!(f, "{name} {} (ONE-WAY: never changes or goes again)", escape(secret))
            }
            PolicyChange::LockFloors(floors) => {
                let names = floors.names();
                let shown =
                    if names.is_empty() { format!("{:#x} (no floor)", floors.0) } else { names.join(", ") };
                write!(f, "{name} {shown} (ONE-WAY: may only tighten from now on)")
            }
        }
    }
}

impl Display for PolicyCall {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.change)?;
        match self.expected_version {
            Some(0) => write!(f, "  [no version check]"),
            Some(version) => write!(f, "  [expects v{version}]"),
            None => Ok(()),
        }
    }
}

impl Display for OwnerCall {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self {
            OwnerCall::WithdrawStake => write!(f, "withdrawStake (refunded stakes to the owner)"),
            OwnerCall::TransferOwnership { new_owner } => write!(f, "transferOwnership to {new_owner}"),
            OwnerCall::AcceptOwnership => write!(f, "acceptOwnership"),
            OwnerCall::RenounceOwnership => write!(f, "renounceOwnership (disabled, reverts)"),
            OwnerCall::View { function } => write!(f, "{function} (a view: no effect)"),
            OwnerCall::Machine(call) => write!(f, "{call}"),
            OwnerCall::FundMachines => write!(f, "fundMachines (the value pays for the contract's machines)"),
        }
    }
}

/// A term as the marketplace names it (oasis-sdk `rofl-market` `Term`).
fn term_name(term: u8) -> String {
    match term {
        1 => "hour".to_string(),
        2 => "month (30 days)".to_string(),
        3 => "year (365 × 30 days)".to_string(),
        other => format!("invalid term {other} (reverts)"),
    }
}

fn wipe_note(wipe_storage: bool) -> &'static str {
    if wipe_storage { ", WIPING its storage" } else { ", keeping its storage" }
}

impl Display for MachineCall {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self {
            MachineCall::Rent { app, provider, offer, term, term_count } => write!(
                f,
                "rentMachine for {app}: provider {provider}, offer {offer}, {term_count} × {}, paid from the \
                 policy contract's balance",
                term_name(*term)
            ),
            MachineCall::Deploy { app, provider, id, manifest_hash, wipe_storage } => write!(
                f,
                "deployMachine {provider} #{id}: Deploy {app} at manifest hash {manifest_hash}{}",
                wipe_note(*wipe_storage)
            ),
            MachineCall::Restart { app, provider, id, wipe_storage } => {
                write!(f, "restartMachine {provider} #{id} of {app}{}", wipe_note(*wipe_storage))
            }
            MachineCall::Terminate { app, provider, id, wipe_storage } => {
                write!(f, "terminateMachine {provider} #{id} of {app}{}", wipe_note(*wipe_storage))
            }
            MachineCall::ChangeAdmin { app, provider, id, new_admin } => {
                write!(f, "changeMachineAdmin {provider} #{id} of {app} to {new_admin}")
            }
            MachineCall::Cancel { app, provider, id } => write!(f, "cancelMachine {provider} #{id} of {app}"),
            MachineCall::SetTopUp { app, term, terms_left, window } => write!(
                f,
                "setMachineTopUp for {app}: anyone may pay up to {terms_left} × {} from the policy contract's \
                 balance, each within {window} s of a machine lapsing",
                term_name(*term)
            ),
            MachineCall::TopUp { app, provider, id } => {
                write!(f, "topUpMachine {provider} #{id} of {app}: one term of the allowance")
            }
        }
    }
}

fn write_decoded(f: &mut Formatter<'_>, decoded: &DecodedCalldata, indent: usize) -> fmt::Result {
    let pad = " ".repeat(indent);
    match decoded {
        DecodedCalldata::Change(call) => writeln!(f, "{pad}{call}"),
        DecodedCalldata::Owner(call) => writeln!(f, "{pad}{call}"),
        DecodedCalldata::NotInterpreted { function } => {
            writeln!(f, "{pad}{function} (NOT INTERPRETED: effect not shown below)")
        }
        DecodedCalldata::Multicall { calls } => {
            writeln!(f, "{pad}multicall ({} calls, one rofl.Update)", calls.len())?;
            calls.iter().try_for_each(|inner| write_decoded(f, inner, indent + 2))
        }
    }
}

impl Display for DecodedCalldata {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        write_decoded(f, self, 0)
    }
}

impl Display for Warning {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self.severity {
            Severity::Critical => write!(f, "!!! CRITICAL  {}", self.message),
            Severity::Caution => write!(f, "(!) caution   {}", self.message),
        }
    }
}

fn enclave_text(line: &EnclaveLine) -> String {
    let mut text = format!("{}  {}", line.id, line.tee);
    if let Some((id, version)) = &line.release {
        text.push_str(&format!("  release #{id} {}", escape(version)));
    }
    if let Some(note) = &line.note {
        if let Some(version) = &note.version {
            text.push_str(&format!("  {}", escape(version)));
        }
        if let Some(description) = &note.description {
            text.push_str(&format!("  \"{}\"", escape(description)));
        }
    }
    text
}

impl ConfigDiff {
    fn write_changes(&self, f: &mut Formatter<'_>) -> fmt::Result {
        if self.is_empty() {
            return writeln!(f, "  (no change to the app's config)");
        }
        let mut label = "Enclaves";
        for line in &self.enclaves_added {
            row(f, label, "+", enclave_text(line))?;
            label = "";
        }
        for line in &self.enclaves_removed {
            row(f, label, "-", enclave_text(line))?;
            label = "";
        }
        if label.is_empty() {
            row(f, "", "=", format!("{} kept", self.enclaves_kept.len()))?;
        }
        if let Some(change) = &self.endorsements {
            row(f, "Endorsements", "", &change.before)?;
            row(f, "", "→", &change.after)?;
        }
        if let Some(change) = &self.fees {
            row(f, "Fees", "", format!("{} → {}", fee_name(change.before), fee_name(change.after)))?;
        }
        if let Some(change) = &self.max_expiration {
            row(f, "Max expiration", "", format!("{} → {} epochs", change.before, change.after))?;
        }
        let mut label = "Quotes";
        for change in &self.quotes {
            row(f, label, "", format!("{}: {} → {}", change.field, change.before, change.after))?;
            label = "";
        }
        write_metadata(f, "Metadata", &self.metadata)?;
        if !self.public_vars.is_empty() {
            writeln!(
                f,
                "  Public variables (env.*): change what the app does without changing its enclave identity"
            )?;
            write_metadata(f, "", &self.public_vars)?;
        }
        let mut label = "Secrets";
        for change in &self.secrets {
            match change {
                SecretChange::Added(name) => {
                    row(f, label, "+", format!("{} (value not shown)", escape(name)))?
                }
                SecretChange::Changed(name) => {
                    row(f, label, "~", format!("{} (new value, not shown)", escape(name)))?
                }
                SecretChange::Removed(name) => row(f, label, "-", escape(name))?,
            }
            label = "";
        }
        if let Some(change) = &self.admin {
            let show = |admin: &Option<roflgov_types::ids::Address>| {
                admin.map_or_else(|| "NONE (nobody, forever)".to_owned(), |a| a.to_string())
            };
            row(f, "Admin", "", format!("{} → {}", show(&change.before), show(&change.after)))?;
        }
        Ok(())
    }
}

fn write_metadata(f: &mut Formatter<'_>, label: &str, changes: &[MetadataChange]) -> fmt::Result {
    let mut label = label;
    for change in changes {
        match change {
            MetadataChange::Added { key, value } => {
                row(f, label, "+", format!("{} = \"{}\"", escape(key), escape(value)))?
            }
            MetadataChange::Changed { key, before, after } => row(
                f,
                label,
                "~",
                format!("{}: \"{}\" → \"{}\"", escape(key), escape(before), escape(after)),
            )?,
            MetadataChange::Removed { key, value } => {
                row(f, label, "-", format!("{} (was \"{}\")", escape(key), escape(value)))?
            }
        }
        label = "";
    }
    Ok(())
}

fn show_guardian(guardian: &Option<alloy_primitives::Address>) -> String {
    guardian.map_or_else(|| "none".to_owned(), |g| g.to_string())
}

fn write_governance(f: &mut Formatter<'_>, g: &GovernanceChanges) -> fmt::Result {
    if g.is_empty() {
        return Ok(());
    }
    writeln!(f, "\nRelease governance")?;
    for line in &g.releases {
        let r = &line.record;
        row(f, "Release", "+", format!("#{} version {}", line.release_id, escape(&r.version)))?;
        row(f, "  repository", "", escape(&r.repository))?;
        row(f, "  commit", "", r.commit_hex())?;
        let check = |m: Option<bool>| match m {
            Some(true) => "  ✓ matches your file",
            Some(false) => "  ✗ DOES NOT MATCH your file",
            None => "",
        };
        row(
            f,
            "  bundle sha256",
            "",
            format!("{}{}", alloy_primitives::hex::encode(r.bundle_hash), check(line.bundle_matches)),
        )?;
        row(
            f,
            "  rofl.yaml sha256",
            "",
            format!("{}{}", alloy_primitives::hex::encode(r.manifest_hash), check(line.manifest_matches)),
        )?;
        if !r.notes.is_empty() {
            let mut label = "  notes";
            for text in r.notes.lines() {
                row(f, label, "", escape(text))?;
                label = "";
            }
        }
        let mut label = "  identities";
        for id in &line.identities {
            row(f, label, "", id)?;
            label = "";
        }
    }
    let mut label = "Grace deadline";
    for line in &g.deadlines {
        row(f, label, "", format!("{}  until {}", line.identity, line.human))?;
        label = "";
    }
    if let Some(change) = &g.guardian {
        row(
            f,
            "Guardian",
            "",
            format!("{} → {}", show_guardian(&change.before), show_guardian(&change.after)),
        )?;
    }
    if let Some(change) = &g.frozen {
        let show = |frozen: bool| if frozen { "FROZEN" } else { "not frozen" };
        row(f, "Freeze", "", format!("{} → {}", show(change.before), show(change.after)))?;
    }
    let mut label = "Revoked";
    for id in &g.revoked {
        row(f, label, "-", id)?;
        label = "";
    }
    let mut label = "Pruned";
    for id in &g.pruned {
        row(f, label, "-", id)?;
        label = "";
    }
    Ok(())
}

/// The app's locks after the calls; new ones marked `+`.
pub(super) fn write_locks(f: &mut Formatter<'_>, locks: &[LockLine]) -> fmt::Result {
    if locks.is_empty() {
        return Ok(());
    }
    writeln!(f, "\nLocks (one-way: nothing unlocks)")?;
    for line in locks {
        let status = match line.status {
            KeyLock::SetOnce => "  (absent: may be set once)",
            _ => "",
        };
        row(
            f,
            "",
            if line.new { "+" } else { "=" },
            format!("{}{status}{}", line.lock, if line.new { "  NEW" } else { "" }),
        )?;
    }
    Ok(())
}

fn write_warnings(f: &mut Formatter<'_>, warnings: &[Warning]) -> fmt::Result {
    if warnings.is_empty() {
        return Ok(());
    }
    writeln!(f, "\nWarnings")?;
    let mut sorted: Vec<&Warning> = warnings.iter().collect();
    sorted.sort_by_key(|warning| std::cmp::Reverse(warning.severity));
    sorted.iter().try_for_each(|warning| writeln!(f, "  {warning}"))
}

impl Display for ConfigDiff {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        writeln!(f, "Changes to app {}", self.app)?;
        self.write_changes(f)?;
        write_warnings(f, &self.warnings)
    }
}

impl Display for Review {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        write!(f, "Review of {} call(s) for app {}", self.calls.len(), self.app)?;
        match self.current_version {
            Some(version) => writeln!(f, " (policy contract version {version})")?,
            None => writeln!(f)?,
        }
        writeln!(f, "\nCalls")?;
        for call in &self.calls {
            let value =
                if call.value.is_zero() { String::new() } else { format!("  value {} wei", call.value) };
            match &call.reading {
                CallReading::PolicyContract { decoded } => {
                    writeln!(f, "  #{:<3}{}  policy contract{value}", call.index, call.to)?;
                    write_decoded(f, decoded, 8)?;
                }
                CallReading::Subcall { method, app } => {
                    writeln!(f, "  #{:<3}{}  subcall precompile{value}", call.index, call.to)?;
                    match app {
                        Some(app) => writeln!(
                            f,
                            "        {} of {app} (raw CBOR body, decoded strictly)",
                            escape(method)
                        )?,
                        None => writeln!(f, "        {} (raw CBOR body, decoded strictly)", escape(method))?,
                    }
                }
                CallReading::Unknown { reason } => {
                    writeln!(f, "  #{:<3}{}  UNKNOWN{value}", call.index, call.to)?;
                    writeln!(f, "        {reason}")?;
                }
            }
        }
        writeln!(f, "\nChanges")?;
        self.diff.write_changes(f)?;
        write_governance(f, &self.governance)?;
        write_locks(f, &self.locks)?;
        if let Some(stale) = &self.stale {
            writeln!(
                f,
                "\n  Version check   drafted for v{}, app is at v{}: STALE",
                stale.expected, stale.current
            )?;
        }
        write_warnings(f, &self.warnings)?;
        for note in &self.notes {
            writeln!(f, "\n  Note: {note}")?;
        }
        if self.has_critical() {
            writeln!(f, "\nVerdict: DO NOT SIGN unless every critical warning above is intended.")?;
        }
        Ok(())
    }
}
