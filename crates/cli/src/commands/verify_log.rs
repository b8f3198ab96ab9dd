//! `roflgov verify-log FILE --app APP_ID`: checks a signed, hash-chained log
//! (`docs/signed-log.md`): the chain, every signature, that each entry's key was a registered
//! instance of the app when the entry was written, then traces each key to the releases and
//! the decisions that allowed it.

use roflgov_types::AppId;
use std::path::PathBuf;

use alloy::primitives::Address;
use clap::Args;
use serde::Serialize;

use crate::{
    context::GlobalArgs,
    exit::{CliResult, input, verification},
    output::emit,
    trace_report::{TraceOut, Tracer, text},
};

#[derive(Args, Debug)]
pub(crate) struct VerifyLogArgs {
    /// The log (JSON Lines, one signed entry per line).
    #[arg(value_name = "FILE")]
    pub file: PathBuf,
    /// App id (rofl1…) the log belongs to.
    #[arg(long, value_name = "APP_ID", value_parser = crate::inputs::app_id_arg)]
    pub app: AppId,
}

#[derive(Serialize)]
struct EntryProblem {
    entry: usize,
    problem: String,
}

#[derive(Serialize)]
struct Verified {
    file: String,
    app: String,
    entries: usize,
    intact: bool,
    problems: Vec<EntryProblem>,
    signers: Vec<Address>,
    /// One trace per registration the entries were written under.
    traces: Vec<TraceOut>,
}

pub(crate) async fn run(g: &GlobalArgs, args: VerifyLogArgs) -> CliResult {
    let app = args.app;
    let text_in = crate::fsutil::read_input_text(&args.file)?;
    let checks = roflgov_signed_log::verify(app, &text_in);
    if checks.is_empty() {
        return Err(input(format!("{} holds no log entry", args.file.display())));
    }
    let mut tracer = Tracer::open(g, app).await?;
    let mut problems: Vec<EntryProblem> = Vec::new();
    let mut signers: Vec<Address> = Vec::new();
    let mut traces: Vec<TraceOut> = Vec::new();
    let mut traced: Vec<(Address, u64)> = Vec::new();
    for check in &checks {
        for p in &check.problems {
            problems.push(EntryProblem { entry: check.number, problem: p.to_string() });
        }
        let (Some(signer), Some(entry)) = (check.signer, &check.entry) else { continue };
        if !signers.contains(&signer) {
            signers.push(signer);
        }
        match roflgov_core::trace::trace(&tracer.input(signer), entry.time) {
            Ok(trace) => {
                if !traced.contains(&(signer, trace.registration.block)) {
                    traced.push((signer, trace.registration.block));
                    traces.push(tracer.report(signer, trace).await?);
                }
            }
            Err(e) => problems.push(EntryProblem {
                entry: check.number,
                problem: format!(
                    "signed by {signer}, which was not a registered instance of app {app} when the entry was written (unix {}): {e}",
                    entry.time
                ),
            }),
        }
    }
    problems.sort_by_key(|p| p.entry);
    let report = Verified {
        file: args.file.display().to_string(),
        app: app.to_string(),
        entries: checks.len(),
        intact: problems.is_empty(),
        problems,
        signers,
        traces,
    };
    emit(g.json, &report, || {
        let mut out = if report.intact {
            format!(
                "{}: {} entries, chain intact, every entry signed by a registered instance of app {}\n",
                roflgov_core::text::escape(&report.file),
                report.entries,
                report.app
            )
        } else {
            format!(
                "{}: {} entries, {} PROBLEM(S): do not trust this log\n",
                roflgov_core::text::escape(&report.file),
                report.entries,
                report.problems.len()
            )
        };
        for p in &report.problems {
            out.push_str(&format!("  entry {}: {}\n", p.entry, p.problem));
        }
        for t in &report.traces {
            out.push_str(&text(t));
        }
        out
    });
    match report.problems.first() {
        None => Ok(()),
        Some(first) => Err(verification(format!(
            "the log {} fails verification: {} problem(s), the first at entry {}: {}",
            roflgov_core::text::escape(&report.file),
            report.problems.len(),
            first.entry,
            first.problem
        ))),
    }
}
