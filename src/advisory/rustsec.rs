//! The RustSec advisory database in its native format: Markdown files that open with TOML
//! front matter in a ```` ```toml ```` fence (`crates/<name>/RUSTSEC-YYYY-NNNN.md`), converted to
//! [`Advisory`] values.
//!
//! The version requirements are kept as RustSec writes them (Cargo's syntax) and matched the
//! way cargo-audit matches them: a version is affected unless a `patched` or `unaffected`
//! requirement matches it. Advisories of the Rust toolchain (`rust/`: std, cargo, rustdoc)
//! are about the compiler, not about crates, and are left out.

use super::db::{Advisory, Affected, RustsecVersions, Score, ScoreKind};
use serde::Deserialize;

#[derive(Debug, Deserialize)]
struct FrontMatter {
    advisory: Meta,
    #[serde(default)]
    versions: Option<Versions>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "kebab-case")]
struct Meta {
    id: String,
    package: String,
    #[serde(default)]
    date: Option<Date>,
    #[serde(default)]
    url: Option<String>,
    #[serde(default)]
    aliases: Vec<String>,
    #[serde(default)]
    cvss: Option<String>,
    #[serde(default)]
    informational: Option<String>,
    #[serde(default)]
    withdrawn: Option<Date>,
    #[serde(default)]
    references: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum Date {
    Text(String),
    Toml(toml::value::Datetime),
}

impl Date {
    fn text(&self) -> String {
        match self {
            Date::Text(t) => t.trim().to_string(),
            Date::Toml(d) => d.to_string(),
        }
    }
}

#[derive(Debug, Default, Deserialize)]
struct Versions {
    #[serde(default)]
    patched: Vec<String>,
    #[serde(default)]
    unaffected: Vec<String>,
}

/// Whether `path` (relative, with `/`) is where the RustSec database keeps a toolchain
/// advisory.
pub fn is_toolchain_advisory(path: &str) -> bool {
    path.starts_with("rust/") || path.contains("/rust/")
}

/// Converts one advisory file. `Ok(None)` for a Markdown file that is not an advisory
/// (README.md and the like: no TOML front matter).
pub fn convert(text: &str, file: &str) -> Result<Option<(Advisory, Vec<String>)>, String> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let Some(rest) = text
        .strip_prefix("```toml\n")
        .or_else(|| text.strip_prefix("```toml\r\n"))
    else {
        return Ok(None);
    };
    let Some(end) = rest.find("\n```") else {
        return Err("the TOML front matter is not closed by ```".to_string());
    };
    let front: FrontMatter = toml::from_str(&rest[..end])
        .map_err(|e| format!("the TOML front matter is invalid: {}", e.message().trim()))?;
    let body = rest[end + 4..].trim_start_matches(['`', '\r', '\n']);
    let (title, details) = split_title(body);
    let meta = front.advisory;
    let versions = front.versions.unwrap_or_default();
    let mut problems = Vec::new();
    let clean = |reqs: Vec<String>, what: &str, problems: &mut Vec<String>| -> Vec<String> {
        reqs.into_iter()
            .map(|r| r.trim().to_string())
            .filter(|r| match semver::VersionReq::parse(r) {
                Ok(_) => true,
                Err(e) => {
                    problems.push(format!(
                        "{}: `{what}` requirement `{r}` is not a Cargo version requirement ({e}); it was ignored",
                        meta.id
                    ));
                    false
                }
            })
            .collect()
    };
    let patched = clean(versions.patched, "patched", &mut problems);
    let unaffected = clean(versions.unaffected, "unaffected", &mut problems);
    let severity = meta
        .cvss
        .as_deref()
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .map(|c| Score {
            kind: if c.starts_with("CVSS:4") {
                ScoreKind::CvssV4
            } else if c.starts_with("CVSS:2") || !c.starts_with("CVSS:") {
                ScoreKind::CvssV2
            } else {
                ScoreKind::CvssV3
            },
            vector: c.to_string(),
        })
        .into_iter()
        .collect();
    let informational = meta
        .informational
        .as_deref()
        .map(|i| i.trim().to_string())
        .filter(|i| !i.is_empty());
    let date = meta.date.as_ref().map(Date::text);
    let mut references: Vec<String> = meta.url.iter().cloned().collect();
    references.extend(meta.references.iter().cloned());
    Ok(Some((
        Advisory {
            // The advisory's own page, as it names it (no database host is made up here).
            url: meta
                .url
                .clone()
                .or_else(|| meta.references.first().cloned()),
            id: meta.id,
            aliases: meta.aliases,
            summary: title,
            details,
            published: date.clone(),
            modified: date,
            withdrawn: meta.withdrawn.as_ref().map(Date::text),
            severity,
            database_severity: None,
            informational: informational.clone(),
            references,
            affected: vec![Affected {
                ecosystem: super::db::CRATES.to_string(),
                name: meta.package,
                ranges: Vec::new(),
                versions: String::new(),
                rustsec: Some(RustsecVersions {
                    patched,
                    unaffected,
                }),
                severity: Vec::new(),
                informational,
            }],
            file: file.to_string(),
            source: 0,
        },
        problems,
    )))
}

/// The first `# ` heading is the title; the rest is the description.
fn split_title(body: &str) -> (String, String) {
    let mut title = String::new();
    let mut rest = Vec::new();
    for line in body.lines() {
        if title.is_empty() && line.starts_with("# ") {
            title = line[2..].trim().to_string();
        } else {
            rest.push(line);
        }
    }
    let details = rest.join("\n").trim().to_string();
    if title.is_empty() {
        title = super::osv::first_sentence(&details);
    }
    (title, details)
}

/// Whether RustSec's requirements leave `version` affected: no `patched` or `unaffected`
/// requirement matches it.
pub fn is_affected(versions: &RustsecVersions, version: &semver::Version) -> bool {
    let matches = |reqs: &[String]| {
        reqs.iter().any(|r| {
            semver::VersionReq::parse(r)
                .map(|req| req.matches(version))
                .unwrap_or(false)
        })
    };
    !matches(&versions.patched) && !matches(&versions.unaffected)
}

/// The lowest versions that `patched` requirements admit (`>= 1.2.3`, `^1.2.3`, `=1.2.3`,
/// `> 1.2.3` as its next patch), ascending: the releases that fix the advisory.
pub fn fixed_versions(versions: &RustsecVersions) -> Vec<semver::Version> {
    let mut out = Vec::new();
    for text in &versions.patched {
        let Ok(req) = semver::VersionReq::parse(text) else {
            continue;
        };
        for comparator in &req.comparators {
            use semver::Op;
            let lower = semver::Version {
                major: comparator.major,
                minor: comparator.minor.unwrap_or(0),
                patch: comparator.patch.unwrap_or(0),
                pre: comparator.pre.clone(),
                build: semver::BuildMetadata::EMPTY,
            };
            let candidate = match comparator.op {
                Op::GreaterEq | Op::Caret | Op::Tilde | Op::Exact | Op::Wildcard => lower,
                Op::Greater => semver::Version::new(lower.major, lower.minor, lower.patch + 1),
                _ => continue,
            };
            if req.matches(&candidate) {
                out.push(candidate);
            }
        }
    }
    out.sort();
    out.dedup();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const MDBOOK: &str = "```toml\n[advisory]\nid = \"RUSTSEC-2021-0001\"\npackage = \"mdbook\"\ndate = \"2021-01-04\"\naliases = [\"CVE-2020-26297\"]\ncvss = \"CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N\"\n\n[versions]\npatched = [\">= 0.4.5\"]\nunaffected = [\"<= 0.1.3\"]\n```\n\n# XSS in mdBook's search page\n\nThe search page of mdBook could execute JavaScript.\n";

    #[test]
    fn advisories_convert_and_match_like_cargo_audit() {
        let (a, problems) = convert(MDBOOK, "crates/mdbook/RUSTSEC-2021-0001.md")
            .unwrap()
            .unwrap();
        assert!(problems.is_empty());
        assert_eq!(a.id, "RUSTSEC-2021-0001");
        assert_eq!(a.summary, "XSS in mdBook's search page");
        assert_eq!(
            a.details,
            "The search page of mdBook could execute JavaScript."
        );
        assert_eq!(a.aliases, vec!["CVE-2020-26297"]);
        assert_eq!(a.severity[0].kind, ScoreKind::CvssV3);
        let versions = a.affected[0].rustsec.as_ref().unwrap();
        let v = |s: &str| semver::Version::parse(s).unwrap();
        assert!(is_affected(versions, &v("0.4.4")));
        assert!(is_affected(versions, &v("0.2.0")));
        assert!(!is_affected(versions, &v("0.4.5")));
        assert!(!is_affected(versions, &v("0.1.3")));
        assert_eq!(fixed_versions(versions), vec![v("0.4.5")]);
    }

    #[test]
    fn informational_and_withdrawn_advisories_and_bad_requirements() {
        let text = "```toml\n[advisory]\nid = \"RUSTSEC-2022-0044\"\npackage = \"markdown\"\ndate = \"2022-01-17\"\nwithdrawn = \"2025-04-28\"\ninformational = \"unmaintained \"\n\n[versions]\npatched = [\">= 1.0.0-alpha.1\", \"not a req\"]\n```\n\n# `markdown` is unmaintained\n";
        let (a, problems) = convert(text, "x.md").unwrap().unwrap();
        assert_eq!(a.withdrawn.as_deref(), Some("2025-04-28"));
        assert_eq!(a.informational.as_deref(), Some("unmaintained"));
        assert_eq!(problems.len(), 1);
        assert!(problems[0].contains("`not a req`"), "{problems:?}");
        assert!(convert("# README\n", "README.md").unwrap().is_none());
        assert!(convert("```toml\n[advisory]\nid = 1\n```\n", "bad.md").is_err());
        assert!(is_toolchain_advisory("rust/std/RUSTSEC-2021-0123.md"));
        assert!(!is_toolchain_advisory("crates/rustc-demangle/RUSTSEC-1.md"));
    }
}
