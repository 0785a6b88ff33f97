//! `--format json`: the audit, unabridged, in the schema of docs/report-schema.md.

use crate::audit::Audit;
use serde::Serialize;

pub fn render(audit: &Audit) -> String {
    pretty(audit, "the audit")
}

/// `value` as pretty-printed JSON with a final newline. Reports hold plain data only (strings,
/// numbers, maps with string keys), so serialisation cannot fail; but a report must never
/// panic, so a failure becomes a JSON error object naming `what`.
pub fn pretty(value: &impl Serialize, what: &str) -> String {
    match serde_json::to_string_pretty(value) {
        Ok(mut text) => {
            text.push('\n');
            text
        }
        Err(err) => format!("{{\"error\": \"cannot serialise {what}: {err}\"}}\n"),
    }
}
