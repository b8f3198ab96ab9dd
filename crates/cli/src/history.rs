//! `roflgov app history`: each change with its block, date, transaction and who approved it, as
//! text, JSON and a Markdown table a team can publish.

use roflgov_client::{
    accountability::{Approval, GovernorApproval, SafeApproval},
    rofl::HistoryEntry,
};
use roflgov_core::text::escape;
use serde::Serialize;

/// One history entry with its accountability: the `--json` form of `app history`.
#[derive(Serialize)]
pub(crate) struct Row {
    #[serde(flatten)]
    pub entry: HistoryEntry,
    /// Unix seconds of the block.
    pub block_time: u64,
    /// The same, as `YYYY-MM-DD HH:MM UTC`.
    pub block_time_utc: String,
    /// Who approved the change.
    pub approval: Approval,
}

/// Each history entry with its block time and who approved it.
pub(crate) async fn rows<P: alloy::providers::Provider>(
    reader: &mut roflgov_client::accountability::ApprovalReader<P>,
    entries: Vec<HistoryEntry>,
) -> crate::exit::CliResult<Vec<Row>> {
    let mut rows = Vec::with_capacity(entries.len());
    for entry in entries {
        let failed = |e| crate::exit::chain(format!("reading who approved transaction {}: {e}", entry.tx));
        let block_time = reader.block_time(entry.block).await.map_err(failed)?;
        let approval = reader.approval(entry.tx).await.map_err(failed)?;
        rows.push(Row {
            block_time,
            block_time_utc: roflgov_core::rofl::format_utc(block_time),
            approval,
            entry,
        });
    }
    Ok(rows)
}

/// The text form: each entry followed by its approval lines.
pub(crate) fn text(rows: &[Row]) -> String {
    if rows.is_empty() {
        return "no history".into();
    }
    let mut out = String::new();
    for row in rows {
        let e = &row.entry;
        out.push_str(&format!("{}  block {}  tx {}\n", row.block_time_utc, e.block, e.tx));
        out.push_str(&format!("  app {}: {}\n", e.app, escape(&e.summary())));
        for line in approval_lines(&row.approval) {
            out.push_str(&format!("  {line}\n"));
        }
    }
    out
}

pub(crate) fn approval_lines(approval: &Approval) -> Vec<String> {
    match approval {
        Approval::Safe(s) => safe_lines(s),
        Approval::Governor(g) => governor_lines(g),
        Approval::Direct { sender } => vec![format!("sent directly by {sender}")],
    }
}

fn safe_lines(s: &SafeApproval) -> Vec<String> {
    let mut lines = vec![format!(
        "approved through Safe {}{}: SafeTx {} (nonce {}, threshold {}){}",
        s.safe,
        if s.configured { "" } else { " (not the configured Safe)" },
        s.safe_tx_hash,
        s.nonce,
        s.threshold,
        if s.hash_confirmed { "" } else { " — NOT the hash the Safe logged" },
    )];
    for signer in &s.signers {
        lines.push(format!("  signed by {} ({})", signer.address, signer.kind));
    }
    lines.push(format!("  executed by {}", s.executor));
    lines
}

fn governor_lines(g: &GovernorApproval) -> Vec<String> {
    let mut lines = vec![format!(
        "approved through Governor {}{}: proposal {}",
        g.governor,
        if g.configured { "" } else { " (not the configured Governor)" },
        g.proposal_id
    )];
    match g.proposer {
        Some(p) => lines.push(format!("  proposed by {p}")),
        None => lines.push("  proposer not found in the scanned blocks".into()),
    }
    for v in &g.votes {
        let reason = if v.reason.is_empty() { String::new() } else { format!(": \"{}\"", escape(&v.reason)) };
        lines.push(format!("  {} voted {} with weight {}{reason}", v.voter, v.support, v.weight));
    }
    lines.push(format!(
        "  totals: for {}, against {}, abstain {}",
        g.for_votes, g.against_votes, g.abstain_votes
    ));
    lines.push(format!("  executed by {}", g.executor));
    lines
}

/// Escapes text for a Markdown table cell: hidden characters made visible first
/// ([`escape`]), then every character Markdown or HTML would interpret.
pub(crate) fn md(text: &str) -> String {
    let mut out = String::new();
    for c in escape(text).chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '\\' | '`' | '*' | '_' | '{' | '}' | '[' | ']' | '(' | ')' | '#' | '+' | '-' | '.' | '!'
            | '|' | '~' | '"' | '\'' | ':' | '=' | '$' | '%' | '^' | '@' => {
                out.push('\\');
                out.push(c);
            }
            c => out.push(c),
        }
    }
    out
}

/// The Markdown document: a heading and one table row per change.
pub(crate) fn markdown(title: &str, rows: &[Row]) -> String {
    let mut out = format!("# {}\n\n", md(title));
    out.push_str("| Date (UTC) | Block | Transaction | App | Change | Approved by |\n");
    out.push_str("|---|---|---|---|---|---|\n");
    for row in rows {
        let e = &row.entry;
        let approved =
            approval_lines(&row.approval).iter().map(|l| md(l.trim())).collect::<Vec<_>>().join("<br>");
        out.push_str(&format!(
            "| {} | {} | `{}` | `{}` | {} | {} |\n",
            md(&row.block_time_utc),
            e.block,
            e.tx,
            e.app,
            md(&e.summary()),
            approved
        ));
    }
    if rows.is_empty() {
        out.push_str("\nNo history.\n");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markdown_cells_cannot_break_the_table_or_inject_markup() {
        let hostile = "a|b\n<script>*x*</script> [link](http://e) \u{202e}";
        let cell = md(hostile);
        assert!(!cell.contains('\n') && !cell.contains('<') && !cell.contains('\u{202e}'));
        assert!(!cell.replace("\\|", "").contains('|'), "{cell}");
        assert!(cell.contains("\\*x\\*") && cell.contains("\\[link\\]"), "{cell}");
    }
}
