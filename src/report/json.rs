//! `--format json`: the audit, unabridged, in the schema of docs/report-schema.md.

use crate::audit::Audit;

pub fn render(audit: &Audit) -> String {
    match serde_json::to_string_pretty(audit) {
        Ok(mut text) => {
            text.push('\n');
            text
        }
        // Every field is plain data (strings, numbers, maps with string keys); serialisation
        // cannot fail, but a report must never panic.
        Err(err) => format!("{{\"error\": \"cannot serialise the audit: {err}\"}}\n"),
    }
}
