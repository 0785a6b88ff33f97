//! `gradle.properties`: the Java properties format as Gradle builds use it.

use super::*;

/// A Java properties file, as far as Gradle builds use it: `key=value`, `key: value`,
/// comments, continuation lines. A missing file is empty; a refused one (a FIFO, a link out of
/// the tree) is empty too, with a finding.
pub(super) fn read_properties(
    ctx: &ReadContext<'_>,
    path: &Path,
    findings: &mut Vec<Finding>,
) -> HashMap<String, String> {
    match ctx.input.read_text(path, Limit::MANIFEST) {
        Ok(text) => parse_properties(&text),
        Err(refusal) => {
            if !refusal.is_missing() {
                findings.push(Finding::refused(&refusal));
            }
            HashMap::new()
        }
    }
}

pub(super) fn parse_properties(text: &str) -> HashMap<String, String> {
    let mut out = HashMap::new();
    let mut logical = String::new();
    for raw in text.lines() {
        let line = raw.trim_start();
        if logical.is_empty() && (line.is_empty() || line.starts_with('#') || line.starts_with('!'))
        {
            continue;
        }
        if let Some(stripped) = line.strip_suffix('\\') {
            logical.push_str(stripped);
            continue;
        }
        logical.push_str(line);
        let entry = std::mem::take(&mut logical);
        let split = entry
            .char_indices()
            .find(|&(_, c)| c == '=' || c == ':' || c.is_whitespace());
        let (key, value) = match split {
            Some((i, _)) => {
                let value = entry[i + 1..].trim_start();
                let value = value
                    .strip_prefix('=')
                    .or_else(|| value.strip_prefix(':'))
                    .unwrap_or(value);
                (&entry[..i], value.trim())
            }
            None => (entry.as_str(), ""),
        };
        out.insert(key.trim().to_string(), value.to_string());
    }
    out
}
