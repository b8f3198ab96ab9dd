//! Human and JSON output. Results go to stdout; progress and warnings go to stderr so that
//! `--json` output stays parseable.

use std::fmt::Write as _;

use serde::Serialize;

/// Prints `value` as pretty JSON (with `--json`) or the human text.
pub(crate) fn emit<T: Serialize>(json: bool, value: &T, human: impl FnOnce() -> String) {
    if json {
        println!("{}", serde_json::to_string_pretty(value).expect("serializable output"));
    } else {
        let text = human();
        print!("{text}");
        if !text.ends_with('\n') {
            println!();
        }
    }
}

/// Aligned `key  value` lines, e.g. for a record.
#[derive(Default)]
pub(crate) struct Table {
    rows: Vec<(String, String)>,
    indent: usize,
}

impl Table {
    pub(crate) fn new() -> Self {
        Self::default()
    }

    /// Indent every row by `n` spaces.
    pub(crate) fn indent(mut self, n: usize) -> Self {
        self.indent = n;
        self
    }

    pub(crate) fn row(&mut self, key: impl Into<String>, value: impl ToString) -> &mut Self {
        self.rows.push((key.into(), value.to_string()));
        self
    }

    pub(crate) fn render(&self) -> String {
        let width = self.rows.iter().map(|(k, _)| k.chars().count()).max().unwrap_or(0);
        let mut out = String::new();
        for (key, value) in &self.rows {
            let pad = " ".repeat(self.indent);
            let mut lines = value.lines();
            let first = lines.next().unwrap_or("");
            let _ = writeln!(out, "{pad}{key:<width$}  {first}");
            for line in lines {
                let _ = writeln!(out, "{pad}{:width$}  {line}", "");
            }
        }
        out
    }
}

/// A warning on stderr.
pub(crate) fn warn(message: impl AsRef<str>) {
    eprintln!("warning: {}", message.as_ref());
}

/// A progress line on stderr (tx confirmation, timelock waits).
pub(crate) fn progress(message: impl AsRef<str>) {
    eprintln!("… {}", message.as_ref());
}
