//! Human and JSON output. Results go to stdout; progress and warnings go to stderr so that
//! `--json` output stays parseable.

use std::{fmt::Write as _, sync::Mutex};

use serde::{Serialize, Serializer};
use serde_json::Value;

/// The `--json` document of this run. With `--json`, stdout carries exactly one JSON value
/// whatever happens: [`emit`] keeps the command's result here and `main` prints it once the
/// command has ended ([`finish_json`]), with the failure merged in when the command failed after
/// emitting (a review that says "do not sign").
enum Document {
    /// Nothing emitted yet.
    Empty,
    /// Emitted, not printed yet.
    Pending(Value),
    /// Already printed ([`flush_json`], for a command that keeps running after its result).
    Printed,
}

static DOCUMENT: Mutex<Document> = Mutex::new(Document::Empty);

fn document() -> std::sync::MutexGuard<'static, Document> {
    DOCUMENT.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// The command's result: kept for printing as the JSON document (with `--json`), or printed now
/// as the human text.
pub(crate) fn emit<T: Serialize>(json: bool, value: &T, human: impl FnOnce() -> String) {
    if json {
        let value = serde_json::to_value(value).expect("serializable output");
        let mut doc = document();
        debug_assert!(matches!(*doc, Document::Empty), "a command emitted two JSON documents");
        *doc = Document::Pending(big_integers_as_strings(value));
    } else {
        let text = human();
        print!("{text}");
        if !text.ends_with('\n') {
            println!();
        }
    }
}

/// Prints the pending JSON document now: for a command that keeps running after its result
/// (`node` runs until Ctrl-C). Nothing more is printed on stdout afterwards.
pub(crate) fn flush_json() {
    use std::io::Write as _;
    let mut doc = document();
    if let Document::Pending(value) = std::mem::replace(&mut *doc, Document::Printed) {
        println!("{}", serde_json::to_string_pretty(&value).expect("serializable output"));
    }
    let _ = std::io::stdout().flush();
}

/// Prints the run's one JSON document (`--json`), at the end of the run. On failure, `error`
/// is `{"code": <exit code>, "kind": "usage|input|verification|chain", "message": "…"}`: added
/// under the key `error` to the command's document when it emitted an object (so the document
/// has an `error` key exactly when the command failed), else printed as `{"error": …}` alone.
pub(crate) fn finish_json(error: Option<Value>) {
    let doc = std::mem::replace(&mut *document(), Document::Printed);
    let value = match (doc, error) {
        (Document::Printed, _) | (Document::Empty, None) => return,
        (Document::Pending(value), None) => value,
        (Document::Pending(Value::Object(mut map)), Some(error)) => {
            map.insert("error".into(), error);
            Value::Object(map)
        }
        // A result that is not an object (a list) is kept beside the error, never dropped.
        (Document::Pending(result), Some(error)) => serde_json::json!({ "result": result, "error": error }),
        (Document::Empty, Some(error)) => serde_json::json!({ "error": error }),
    };
    println!("{}", serde_json::to_string_pretty(&value).expect("serializable output"));
}

/// JSON readers (JavaScript, jq) lose precision above 2^53: such integers are printed as decimal
/// strings.
fn big_integers_as_strings(value: Value) -> Value {
    const MAX_SAFE: u64 = (1 << 53) - 1;
    match value {
        Value::Number(n)
            if n.as_u64().is_some_and(|v| v > MAX_SAFE)
                || n.as_i64().is_some_and(|v| v.unsigned_abs() > MAX_SAFE) =>
        {
            Value::String(n.to_string())
        }
        Value::Array(items) => Value::Array(items.into_iter().map(big_integers_as_strings).collect()),
        Value::Object(map) => {
            Value::Object(map.into_iter().map(|(k, v)| (k, big_integers_as_strings(v))).collect())
        }
        other => other,
    }
}

/// Serializes an optional number as a decimal string: fields that can exceed 2^53 (a Safe
/// nonce is a uint256) are strings in every command's output.
pub(crate) fn decimal_string<T: std::fmt::Display, S: Serializer>(
    value: &Option<T>,
    s: S,
) -> Result<S::Ok, S::Error> {
    match value {
        Some(v) => s.serialize_str(&v.to_string()),
        None => s.serialize_none(),
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn big_integers() {
        let v = serde_json::json!({"a": 1u64 << 53, "b": [(1u64 << 53) - 1, -(1i64 << 60)], "c": 1.5});
        assert_eq!(
            big_integers_as_strings(v),
            serde_json::json!({"a": "9007199254740992", "b": [9007199254740991u64, "-1152921504606846976"], "c": 1.5})
        );
    }
}
