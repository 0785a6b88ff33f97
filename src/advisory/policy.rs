//! `[advisories]` of a policy: where advisory data comes from, which vulnerabilities fail an
//! audit and which need review, how RustSec's informational notices count, ignore entries
//! (with reason, approver and expiry, like licence exceptions), and how old data may be
//! (docs/policy.md, "[advisories]").

use super::severity::Level;
use super::sources::DbEntry;
use crate::diagnostic::Location;
use crate::index::layout::{PackageId, split_purl};
use serde::{Deserialize, Serialize};
use std::path::PathBuf;

/// Data older than this is stale unless the policy says otherwise.
pub const DEFAULT_MAX_AGE_DAYS: u32 = 7;

/// From which severity on a vulnerability has a consequence.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Threshold {
    /// Vulnerabilities rated at this level or above.
    AtLeast(Level),
    /// No vulnerability.
    Never,
}

impl Serialize for Threshold {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(match self {
            Threshold::AtLeast(level) => level.as_str(),
            Threshold::Never => "never",
        })
    }
}

impl Threshold {
    pub fn parse(text: &str) -> Option<Threshold> {
        match text.trim().to_ascii_lowercase().as_str() {
            "never" | "off" => Some(Threshold::Never),
            other => Level::parse(other)
                .filter(|_| other != "moderate")
                .map(Threshold::AtLeast),
        }
    }

    pub fn admits(self, level: Level) -> bool {
        match self {
            Threshold::AtLeast(min) => level >= min,
            Threshold::Never => false,
        }
    }
}

/// What a kind of finding does to the audit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Action {
    /// An error: the audit fails.
    Deny,
    /// A warning: reported, someone should look.
    Warn,
    /// A note: reported, nothing to do.
    Allow,
}

/// What to do with a vulnerability whose severity no record gives.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum UnknownSeverity {
    Deny,
    Review,
}

/// An `[[advisories.ignore]]` entry.
#[derive(Debug, Clone)]
pub struct Ignore {
    /// The advisory id or one of its aliases.
    pub id: String,
    /// Only for this package (and version, if the purl has one).
    pub package: Option<(PackageId, Option<String>)>,
    pub package_text: Option<String>,
    pub reason: String,
    pub approved_by: String,
    pub expires: Option<jiff::civil::Date>,
    pub source: Location,
}

/// The policy's `[advisories]`.
#[derive(Debug, Clone)]
pub struct AdvisoryPolicy {
    /// Whether known vulnerabilities are checked at all.
    pub enabled: bool,
    /// Advisory sources, in precedence order.
    pub db: Vec<DbEntry>,
    /// Vulnerabilities at or above this severity fail the audit.
    pub deny: Threshold,
    /// Vulnerabilities at or above this severity (and below `deny`) are warnings; the rest
    /// are notes.
    pub review: Threshold,
    pub unknown_severity: UnknownSeverity,
    /// RustSec's informational advisories, by kind.
    pub unmaintained: Action,
    pub unsound: Action,
    pub notice: Action,
    /// Yanked crate releases (cargo-deny's `yanked`).
    pub yanked: Action,
    /// Data older than this many days is reported as stale.
    pub max_age_days: u32,
    pub ignore: Vec<Ignore>,
    /// Where relative `db` folders are resolved (the policy file's directory).
    pub base_dir: Option<PathBuf>,
}

impl Default for AdvisoryPolicy {
    fn default() -> Self {
        AdvisoryPolicy {
            enabled: true,
            db: Vec::new(),
            deny: Threshold::AtLeast(Level::Low),
            review: Threshold::AtLeast(Level::None),
            unknown_severity: UnknownSeverity::Deny,
            unmaintained: Action::Warn,
            unsound: Action::Warn,
            notice: Action::Warn,
            yanked: Action::Warn,
            max_age_days: DEFAULT_MAX_AGE_DAYS,
            ignore: Vec::new(),
            base_dir: None,
        }
    }
}

impl AdvisoryPolicy {
    /// The action for an informational advisory of `kind`.
    pub fn informational(&self, kind: &str) -> Action {
        match kind {
            "unmaintained" => self.unmaintained,
            "unsound" => self.unsound,
            _ => self.notice,
        }
    }
}

/// `[advisories]` as written.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct RawAdvisories {
    enabled: Option<bool>,
    #[serde(default)]
    db: Vec<RawDb>,
    deny: Option<String>,
    review: Option<String>,
    unknown_severity: Option<UnknownSeverity>,
    unmaintained: Option<Action>,
    unsound: Option<Action>,
    notice: Option<Action>,
    yanked: Option<Action>,
    max_age: Option<RawAge>,
    #[serde(default)]
    ignore: Vec<toml::Spanned<RawIgnore>>,
}

#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum RawDb {
    Text(String),
    Table(DbEntry),
}

#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum RawAge {
    Days(i64),
    Text(String),
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawIgnore {
    id: String,
    package: Option<String>,
    reason: Option<String>,
    approved_by: Option<String>,
    expires: Option<RawDate>,
}

#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum RawDate {
    Date(toml::value::Datetime),
    Text(String),
}

/// A problem with `[advisories]`: the field, the byte span when known, and the message.
#[derive(Debug)]
pub struct ParseError {
    pub field: String,
    pub span: Option<std::ops::Range<usize>>,
    pub message: String,
}

fn error(field: &str, message: String) -> ParseError {
    ParseError {
        field: format!("advisories.{field}"),
        span: None,
        message,
    }
}

/// Reads a maximum age: a number of days, or `7d`, `2w`, `P7D`, `P2W`, `30 days`.
pub fn parse_age(text: &str) -> Option<u32> {
    let t = text.trim().to_ascii_lowercase();
    let t = t.strip_prefix('p').unwrap_or(&t);
    let digits: String = t.chars().take_while(char::is_ascii_digit).collect();
    let n: u32 = digits.parse().ok()?;
    match t[digits.len()..].trim() {
        "" | "d" | "day" | "days" => Some(n),
        "w" | "week" | "weeks" => n.checked_mul(7),
        _ => None,
    }
}

fn date_of(raw: &RawDate) -> Result<jiff::civil::Date, String> {
    match raw {
        RawDate::Date(dt) => {
            let date = dt
                .date
                .ok_or_else(|| "needs a date (YYYY-MM-DD)".to_string())?;
            jiff::civil::Date::new(date.year as i16, date.month as i8, date.day as i8)
                .map_err(|e| format!("is not a valid date: {e}"))
        }
        RawDate::Text(text) => text
            .parse::<jiff::civil::Date>()
            .map_err(|e| format!("`{text}` is not a date (YYYY-MM-DD): {e}")),
    }
}

/// Checks and reads `[advisories]`; `line_of` turns a byte offset into a line of `file`.
pub fn parse(
    raw: RawAdvisories,
    file: &str,
    line_of: impl Fn(usize) -> usize,
) -> Result<AdvisoryPolicy, ParseError> {
    let mut policy = AdvisoryPolicy::default();
    if let Some(enabled) = raw.enabled {
        policy.enabled = enabled;
    }
    for (i, db) in raw.db.into_iter().enumerate() {
        let entry = match db {
            RawDb::Text(t) => DbEntry::new(&t),
            RawDb::Table(t) => t,
        };
        if entry.location.trim().is_empty() {
            return Err(error(
                &format!("db[{i}]"),
                "the location is empty".to_string(),
            ));
        }
        policy.db.push(entry);
    }
    let threshold = |field: &str, value: Option<String>, default: Threshold| {
        match value {
        None => Ok(default),
        Some(text) => Threshold::parse(&text).ok_or_else(|| {
            error(
                field,
                format!(
                    "`{text}` is not a severity; write one of none, low, medium, high, critical, never"
                ),
            )
        }),
    }
    };
    policy.deny = threshold("deny", raw.deny, policy.deny)?;
    policy.review = threshold("review", raw.review, policy.review)?;
    if let Some(u) = raw.unknown_severity {
        policy.unknown_severity = u;
    }
    if let Some(a) = raw.unmaintained {
        policy.unmaintained = a;
    }
    if let Some(a) = raw.unsound {
        policy.unsound = a;
    }
    if let Some(a) = raw.notice {
        policy.notice = a;
    }
    if let Some(a) = raw.yanked {
        policy.yanked = a;
    }
    if let Some(age) = raw.max_age {
        policy.max_age_days = match age {
            RawAge::Days(n) if n >= 0 => u32::try_from(n).unwrap_or(u32::MAX),
            RawAge::Days(n) => {
                return Err(error("max-age", format!("{n} days is negative")));
            }
            RawAge::Text(t) => parse_age(&t).ok_or_else(|| {
                error(
                    "max-age",
                    format!("`{t}` is not an age; write a number of days, or `7d`, `2w`, `P7D`"),
                )
            })?,
        };
    }
    for (i, entry) in raw.ignore.into_iter().enumerate() {
        let span = entry.span();
        let raw = entry.into_inner();
        let at = |field: &str, message: String| ParseError {
            field: format!("advisories.ignore[{i}].{field}"),
            span: Some(span.clone()),
            message,
        };
        let id = raw.id.trim().to_string();
        if id.is_empty() {
            return Err(at("id", "is required and must not be empty".to_string()));
        }
        let required = |field: &str, value: Option<String>| match value.as_deref().map(str::trim) {
            Some(v) if !v.is_empty() => Ok(v.to_string()),
            _ => Err(at(field, "is required and must not be empty".to_string())),
        };
        let reason = required("reason", raw.reason)?;
        let approved_by = required("approved-by", raw.approved_by)?;
        let package = match &raw.package {
            Some(text) => Some(split_purl(text).map_err(|e| at("package", e.to_string()))?),
            None => None,
        };
        let expires = match &raw.expires {
            Some(d) => Some(date_of(d).map_err(|m| at("expires", m))?),
            None => None,
        };
        policy.ignore.push(Ignore {
            id,
            package,
            package_text: raw.package,
            reason,
            approved_by,
            expires,
            source: Location {
                file: file.to_string(),
                line: Some(line_of(span.start)),
            },
        });
    }
    Ok(policy)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_text(text: &str) -> Result<AdvisoryPolicy, ParseError> {
        #[derive(Deserialize)]
        struct Wrapper {
            advisories: RawAdvisories,
        }
        let w: Wrapper = toml::from_str(text).map_err(|e| error("", e.to_string()))?;
        parse(w.advisories, "p.toml", |offset| {
            text[..offset].matches('\n').count() + 1
        })
    }

    #[test]
    fn defaults_deny_every_rated_vulnerability_and_unknown_ones() {
        let p = AdvisoryPolicy::default();
        assert!(p.enabled);
        assert!(p.deny.admits(Level::Low));
        assert!(!p.deny.admits(Level::None));
        assert_eq!(p.unknown_severity, UnknownSeverity::Deny);
        assert_eq!(p.max_age_days, 7);
    }

    #[test]
    fn every_setting_is_read() {
        let p = parse_text(
            r#"[advisories]
db = ["osv", { location = "file:///srv/advisory-db", kind = "git", branch = "main" }]
deny = "high"
review = "low"
unknown-severity = "review"
unmaintained = "deny"
unsound = "allow"
max-age = "2w"

[[advisories.ignore]]
id = "GHSA-h5c8-rqwp-cp95"
package = "pkg:pypi/jinja2@3.1.2"
reason = "xmlattr is not used with user input"
approved-by = "Security team"
expires = 2027-01-31
"#,
        )
        .unwrap();
        assert_eq!(p.db.len(), 2);
        assert_eq!(p.db[1].branch.as_deref(), Some("main"));
        assert_eq!(p.deny, Threshold::AtLeast(Level::High));
        assert!(p.review.admits(Level::Low) && !p.review.admits(Level::None));
        assert_eq!(p.unknown_severity, UnknownSeverity::Review);
        assert_eq!(p.informational("unmaintained"), Action::Deny);
        assert_eq!(p.informational("unsound"), Action::Allow);
        assert_eq!(p.informational("notice"), Action::Warn);
        assert_eq!(p.max_age_days, 14);
        let ignore = &p.ignore[0];
        assert_eq!(ignore.source.line, Some(10));
        assert_eq!(ignore.package.as_ref().unwrap().1.as_deref(), Some("3.1.2"));
        assert_eq!(ignore.expires.unwrap().to_string(), "2027-01-31");
    }

    #[test]
    fn mistakes_name_their_field() {
        let e = parse_text("[advisories]\ndeny = \"severe\"\n").unwrap_err();
        assert_eq!(e.field, "advisories.deny");
        let e = parse_text("[advisories]\n[[advisories.ignore]]\nid = \"X\"\nreason = \"r\"\n")
            .unwrap_err();
        assert_eq!(e.field, "advisories.ignore[0].approved-by");
        let e = parse_text("[advisories]\nmax-age = \"soon\"\n").unwrap_err();
        assert_eq!(e.field, "advisories.max-age");
        assert_eq!(parse_age("P90D"), Some(90));
        assert_eq!(parse_age("30 days"), Some(30));
    }
}
