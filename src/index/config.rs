//! `config.json` at the root of an index (docs/index-format.md, "config.json").

use serde::{Deserialize, Serialize};

/// The schema version this fundament reads and writes.
pub const SCHEMA_VERSION: u32 = 1;

/// The file at the root of every index.
pub const CONFIG_FILE: &str = "config.json";

/// Someone who answers for the index.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Maintainer {
    pub name: String,
    pub organisation: String,
    /// An e-mail address or URL.
    pub contact: String,
}

/// The index's description of itself.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Config {
    pub name: String,
    pub schema_version: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    pub maintainers: Vec<Maintainer>,
}

impl Config {
    /// Reads and checks `config.json`; `Err` lists every problem.
    pub fn parse(bytes: &[u8]) -> Result<Config, Vec<String>> {
        // The schema version first: a newer index may have fields this version does not know,
        // and saying "unknown field" would hide the real reason.
        if let Ok(value) = serde_json::from_slice::<serde_json::Value>(bytes)
            && let Some(version) = value.get("schema-version").and_then(|v| v.as_u64())
            && version != u64::from(SCHEMA_VERSION)
        {
            return Err(vec![format!(
                "the index is written in schema version {version}; this fundament reads version {SCHEMA_VERSION}{}",
                if version > u64::from(SCHEMA_VERSION) {
                    " (a newer fundament is needed)"
                } else {
                    ""
                }
            )]);
        }
        let config: Config = serde_json::from_slice(bytes)
            .map_err(|e| vec![format!("not a valid config.json: {e}")])?;
        let mut problems = Vec::new();
        if config.name.trim().is_empty() {
            problems.push("`name` is empty".to_string());
        }
        if config.maintainers.is_empty() {
            problems.push("`maintainers` is empty; an index names who answers for it".to_string());
        }
        for (i, m) in config.maintainers.iter().enumerate() {
            for (field, value) in [
                ("name", &m.name),
                ("organisation", &m.organisation),
                ("contact", &m.contact),
            ] {
                if value.trim().is_empty() {
                    problems.push(format!("`maintainers[{i}].{field}` is empty"));
                }
            }
        }
        if problems.is_empty() {
            Ok(config)
        } else {
            Err(problems)
        }
    }

    /// The file's text, pretty-printed, with a final newline.
    pub fn to_text(&self) -> String {
        let mut text = serde_json::to_string_pretty(self).unwrap_or_default();
        text.push('\n');
        text
    }
}
