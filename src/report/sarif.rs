//! `--format sarif`: the audit's findings as a SARIF 2.1.0 log, for code-scanning interfaces
//! (GitHub code scanning, GitLab, IDE viewers).
//!
//! **Run.** One run whose `tool.driver` is fundament with its version (`informationUri` is left
//! out: SARIF wants an absolute URI and the documentation ships with the tool). The driver has
//! one `rule` per finding code that occurs, in catalogue order: `id` the code (`L004`), `name`
//! its slug, `shortDescription` the code's one-sentence summary, `fullDescription` that summary
//! with a pointer to docs/diagnostics.md, `help` (`text` and `markdown`) the summary and the
//! code's "How to fix" entry with a link to its anchor in docs/diagnostics.md, `helpUri` that
//! anchor under the documentation address the user configured ([`DocsUrl`]: `--docs-url` or
//! `FUNDAMENT_DOCS_URL`; left out without one, since SARIF wants an absolute URI and the tool
//! does not guess where its documentation is hosted), `defaultConfiguration.level` the
//! severity of the code's first finding, and tags for its area (licence, compatibility, policy,
//! registry, vetting, input). `originalUriBaseIds` anchors `%SRCROOT%` at the audited directory
//! (`file://` URI).
//!
//! **Results**, one per finding in the audit's order: `ruleId`/`ruleIndex`, `level` (`error`,
//! `warning`, `note`), `message.text` (the finding's message, then its notes, the dependency
//! path and, where the finding's own location could not be used, that location, a folded
//! finding's packages (the first ten) and the finding's help, one per line),
//! one `location`:
//! - a `physicalLocation` at the finding's file and line when it has a file inside the audited
//!   tree. A finding located elsewhere, such as in a built-in policy preset or at a record in
//!   an index of vetted components (`` index `city` cargo/se/rd/serde:3 ``, no file of the
//!   tree), is placed as below, with its own location added to the message ("Reported at");
//! - for a package finding without one, the lockfile (else the manifest) of the first project
//!   that uses the package, at the first line that names the package (found by a text search
//!   of the file that prefers lines followed by the package's version; no region when the
//!   package is not found);
//! - otherwise the first project's manifest, without a region;
//! - plus, for package findings, a `logicalLocation` with the package's purl as
//!   `fullyQualifiedName`.
//!
//! URIs are relative to the audited root with `uriBaseId: "%SRCROOT%"`, percent-encoded, with
//! `/` separators, as GitHub code scanning requires (so audit the repository's root when the log
//! is uploaded there; results in a subdirectory audit are relative to that subdirectory). `partialFingerprints["fundament/v1"]` is a
//! hash of the code, the package, the licence and the file (not the line, not the message), so
//! an alert keeps its identity across runs and when lines move; findings that agree on all four
//! are numbered (for vulnerabilities the advisory id is part of the hash). `properties` carries
//! the package, licence, licence source and dependency path, the effective licence and the
//! reason of each `OR` choice that made it (`effectiveLicence`, `licenceChoices`), and for known vulnerabilities the
//! advisory id and `security-severity` (the CVSS base score; where only a level is known, a
//! score inside its band), which GitHub code scanning reads; rules of A001 and A002 carry the
//! `security` tag.

use crate::audit::Audit;
use crate::diagnostic::{Code, Finding, Severity};
use crate::model::{Ecosystem, pep503};
use serde::Serialize;
use sha2::{Digest, Sha256};
use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Component, Path, PathBuf};

const SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";
const SRCROOT: &str = "%SRCROOT%";
const FINGERPRINT: &str = "fundament/v1";

pub fn render(audit: &Audit, docs_url: Option<&DocsUrl>) -> String {
    let log = build(audit, docs_url);
    super::json::pretty(&log, "the SARIF log")
}

#[derive(Serialize)]
struct Log {
    #[serde(rename = "$schema")]
    schema: &'static str,
    version: &'static str,
    runs: Vec<Run>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Run {
    tool: Tool,
    original_uri_base_ids: BTreeMap<&'static str, BaseUri>,
    results: Vec<SarifResult>,
    properties: RunProperties,
}

/// The verdict and whose policy decided it: a property bag of the run, since SARIF has no
/// place for an overall outcome.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct RunProperties {
    outcome: crate::audit::Outcome,
    policy: RunPolicy,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct RunPolicy {
    name: String,
    origin: String,
    /// `preset`, `file` (the auditor's), or `repository` (the audited tree's own).
    source: crate::audit::PolicySource,
    #[serde(skip_serializing_if = "Option::is_none")]
    repository_policy_ignored: Option<String>,
}

#[derive(Serialize)]
struct BaseUri {
    uri: String,
}

#[derive(Serialize)]
struct Tool {
    driver: Driver,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Driver {
    name: &'static str,
    version: &'static str,
    semantic_version: &'static str,
    rules: Vec<Rule>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Rule {
    id: &'static str,
    name: &'static str,
    short_description: Text,
    full_description: Text,
    #[serde(skip_serializing_if = "Option::is_none")]
    help_uri: Option<String>,
    help: Help,
    default_configuration: Configuration,
    properties: RuleProperties,
}

#[derive(Serialize)]
struct Text {
    text: String,
}

#[derive(Serialize)]
struct Help {
    text: String,
    markdown: String,
}

#[derive(Serialize)]
struct Configuration {
    level: &'static str,
}

#[derive(Serialize)]
struct RuleProperties {
    tags: Vec<&'static str>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifResult {
    rule_id: &'static str,
    rule_index: usize,
    level: &'static str,
    message: Text,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    locations: Vec<Location>,
    partial_fingerprints: BTreeMap<&'static str, String>,
    #[serde(skip_serializing_if = "ResultProperties::is_empty")]
    properties: ResultProperties,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ResultProperties {
    #[serde(skip_serializing_if = "Option::is_none")]
    package: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    licence: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    licence_source: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    dependency_path: Vec<String>,
    /// The lockfile of the project whose graph the dependency path runs through.
    #[serde(skip_serializing_if = "Option::is_none")]
    dependency_path_file: Option<String>,
    /// How the package is used (its scope: runtime, dev, test, ...).
    #[serde(skip_serializing_if = "Option::is_none")]
    usage: Option<crate::model::Scope>,
    /// The licence the package is used under, when an `OR` was chosen, and why.
    #[serde(skip_serializing_if = "Option::is_none")]
    effective_licence: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    licence_choices: Vec<String>,
    /// The vulnerability's id (A codes).
    #[serde(skip_serializing_if = "Option::is_none")]
    advisory: Option<String>,
    /// The CVSS base score, as code-scanning interfaces read it.
    #[serde(rename = "security-severity", skip_serializing_if = "Option::is_none")]
    security_severity: Option<String>,
    /// A folded finding's packages (issue 17): every purl, and how many.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    packages: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    count: Option<usize>,
    /// The code of the input finding this one follows from.
    #[serde(skip_serializing_if = "Option::is_none")]
    caused_by: Option<String>,
    /// The next step for this result, and a policy entry (TOML) that would resolve it.
    #[serde(skip_serializing_if = "Option::is_none")]
    help: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    fix: Option<String>,
}

impl ResultProperties {
    fn is_empty(&self) -> bool {
        self.package.is_none()
            && self.help.is_none()
            && self.licence.is_none()
            && self.licence_source.is_none()
            && self.dependency_path.is_empty()
            && self.dependency_path_file.is_none()
            && self.usage.is_none()
            && self.effective_licence.is_none()
            && self.advisory.is_none()
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Location {
    #[serde(skip_serializing_if = "Option::is_none")]
    physical_location: Option<PhysicalLocation>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    logical_locations: Vec<LogicalLocation>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PhysicalLocation {
    artifact_location: ArtifactLocation,
    #[serde(skip_serializing_if = "Option::is_none")]
    region: Option<Region>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ArtifactLocation {
    uri: String,
    uri_base_id: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Region {
    start_line: usize,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct LogicalLocation {
    name: String,
    fully_qualified_name: String,
    kind: &'static str,
}

fn build(audit: &Audit, docs_url: Option<&DocsUrl>) -> Log {
    // Rules: the codes that occur, in catalogue order.
    let mut first_severity: HashMap<Code, Severity> = HashMap::new();
    for f in &audit.findings {
        first_severity.entry(f.code).or_insert(f.severity);
    }
    let codes: Vec<Code> = Code::ALL
        .iter()
        .copied()
        .filter(|c| first_severity.contains_key(c))
        .collect();
    let rule_index: HashMap<Code, usize> = codes.iter().enumerate().map(|(i, c)| (*c, i)).collect();
    let rules = codes
        .iter()
        .map(|&code| rule(code, first_severity[&code], docs_url))
        .collect();

    let root = PathBuf::from(&audit.root);
    let by_purl = super::cyclonedx::by_purl(audit);
    let mut finder = LineFinder::new(&root);
    finder.want(audit.findings.iter().filter_map(|f| {
        let i = *by_purl.get(f.purls().next()?)?;
        let p = &audit.packages.get(i)?.package;
        Some((p.ecosystem, p.name.as_str()))
    }));
    let mut fingerprints: HashMap<String, usize> = HashMap::new();
    let results = audit
        .findings
        .iter()
        .map(|f| {
            let (location, unused) = locate(audit, f, &root, &by_purl, &mut finder);
            let verdict = f
                .purls()
                .next()
                .and_then(|purl| by_purl.get(purl))
                .map(|&i| &audit.packages[i].verdict)
                .filter(|v| !v.choices.is_empty());
            let file = location
                .as_ref()
                .and_then(|l| l.physical_location.as_ref())
                .map(|p| p.artifact_location.uri.clone())
                .unwrap_or_default();
            let base = fingerprint(f, &file);
            let seen = fingerprints.entry(base.clone()).or_insert(0);
            *seen += 1;
            let print = if *seen == 1 {
                base
            } else {
                format!("{base}:{seen}")
            };
            SarifResult {
                rule_id: f.code.as_str(),
                rule_index: rule_index.get(&f.code).copied().unwrap_or_default(),
                level: level(f.severity),
                message: Text {
                    text: message(f, unused.as_deref()),
                },
                locations: location.into_iter().collect(),
                partial_fingerprints: BTreeMap::from([(FINGERPRINT, print)]),
                properties: ResultProperties {
                    package: f.package.clone(),
                    licence: f.licence.clone(),
                    licence_source: f.licence_source.clone(),
                    dependency_path: f.path.clone(),
                    dependency_path_file: f.path_file.clone(),
                    usage: f
                        .purls()
                        .next()
                        .and_then(|purl| by_purl.get(purl))
                        .and_then(|&i| audit.packages.get(i))
                        .map(|p| p.package.scope),
                    effective_licence: verdict.and_then(|v| v.effective.clone()),
                    licence_choices: verdict
                        .map(|v| v.choices.iter().map(|c| c.to_string()).collect())
                        .unwrap_or_default(),
                    advisory: f.advisory.clone(),
                    security_severity: security_severity(audit, f),
                    packages: f.packages.clone(),
                    count: f.count,
                    caused_by: f.caused_by.clone(),
                    help: f.help.clone(),
                    fix: f.fix.clone(),
                },
            }
        })
        .collect();

    Log {
        schema: SCHEMA,
        version: "2.1.0",
        runs: vec![Run {
            tool: Tool {
                driver: Driver {
                    name: audit.tool.name,
                    version: audit.tool.version,
                    semantic_version: audit.tool.version,
                    rules,
                },
            },
            original_uri_base_ids: BTreeMap::from([(
                SRCROOT,
                BaseUri {
                    uri: file_uri(&audit.root),
                },
            )]),
            results,
            properties: RunProperties {
                outcome: audit.summary.outcome,
                policy: RunPolicy {
                    name: audit.policy.name.clone(),
                    origin: audit.policy.origin.clone(),
                    source: audit.policy.source,
                    repository_policy_ignored: audit.policy.repository_policy_ignored.clone(),
                },
            },
        }],
    }
}

fn rule(code: Code, severity: Severity, docs_url: Option<&DocsUrl>) -> Rule {
    let area = match code.as_str().chars().next() {
        Some('L') => "licence",
        Some('C') => "compatibility",
        Some('P') => "policy",
        Some('I') => "input",
        Some('R') => "registry",
        Some('V') => "vetting",
        Some('A') => "advisory",
        _ => "other",
    };
    let mut tags = vec!["fundament", area];
    if matches!(code, Code::Vulnerability | Code::AdvisoryInformational) {
        tags.push("security");
    }
    let pointer = format!(
        "See {} in docs/diagnostics.md of the fundament documentation.",
        code.as_str()
    );
    let fix = crate::diagnostic::help_text(code);
    let anchor = crate::diagnostic::help_anchor(code);
    let absolute_uri = docs_url.map(|base| base.anchor(&anchor));
    let uri = absolute_uri
        .clone()
        .unwrap_or_else(|| format!("docs/diagnostics.md#{anchor}"));
    Rule {
        id: code.as_str(),
        name: code.slug(),
        short_description: Text {
            text: code.summary().to_string(),
        },
        full_description: Text {
            text: format!("{} {pointer}", code.summary()),
        },
        help: Help {
            text: format!("{} How to fix: {fix} {pointer}", code.summary()),
            markdown: format!(
                "**{} {}**: {}\n\n**How to fix:** {fix}\n\n[{} in docs/diagnostics.md]({uri})",
                code.as_str(),
                code.slug(),
                code.summary(),
                code.as_str()
            ),
        },
        help_uri: absolute_uri,
        default_configuration: Configuration {
            level: level(severity),
        },
        properties: RuleProperties { tags },
    }
}

/// Where docs/diagnostics.md is published (`--docs-url`, `FUNDAMENT_DOCS_URL`): an absolute
/// `http` or `https` URL without a fragment. Each SARIF rule's `helpUri` is this address, `#`
/// and the anchor of the code's "How to fix" entry ([`crate::diagnostic::help_anchor`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DocsUrl(String);

impl DocsUrl {
    /// The address of `anchor` in the published page.
    pub fn anchor(&self, anchor: &str) -> String {
        format!("{}#{anchor}", self.0)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::str::FromStr for DocsUrl {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let text = text.trim();
        let url = url::Url::parse(text).map_err(|e| {
            format!("`{text}` is not an absolute URL ({e}); give the full address of docs/diagnostics.md, such as https://docs.example/fundament/diagnostics.md")
        })?;
        if !matches!(url.scheme(), "http" | "https") {
            return Err(format!(
                "`{text}` is a {} URL; the documentation address must be http or https",
                url.scheme()
            ));
        }
        if url.host_str().is_none_or(str::is_empty) {
            return Err(format!("`{text}` names no host"));
        }
        if url.fragment().is_some() {
            return Err(format!(
                "`{text}` has a fragment (`#…`); give the page's address, each rule adds its code's anchor"
            ));
        }
        if !url.username().is_empty() || url.password().is_some() {
            return Err(format!(
                "`{text}` carries credentials; the address is written into every SARIF log"
            ));
        }
        Ok(DocsUrl(url.to_string()))
    }
}

/// The CVSS score of the vulnerability a finding is about (GitHub code scanning reads
/// `security-severity`); the rating's level where no score is known.
fn security_severity(audit: &Audit, f: &Finding) -> Option<String> {
    let id = f.advisory.as_deref()?;
    let v = audit
        .advisories
        .vulnerabilities
        .iter()
        .find(|v| v.id == id && f.purls().any(|p| p == v.package))?;
    let score = v.severity.score.or(match v.severity.level? {
        crate::advisory::severity::Level::Critical => Some(9.5),
        crate::advisory::severity::Level::High => Some(8.0),
        crate::advisory::severity::Level::Medium => Some(5.5),
        crate::advisory::severity::Level::Low => Some(2.0),
        crate::advisory::severity::Level::None => Some(0.0),
    })?;
    Some(format!("{score:.1}"))
}

fn level(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Note => "note",
    }
}

fn message(f: &Finding, unused_location: Option<&str>) -> String {
    let mut text = f.message.clone();
    for note in f.notes.iter().filter(|n| !n.trim().is_empty()) {
        text.push('\n');
        text.push_str(note);
    }
    if f.path.len() > 1 {
        text.push_str("\nDependency path");
        if let Some(file) = &f.path_file {
            text.push_str(" in ");
            text.push_str(file);
        }
        text.push_str(": ");
        text.push_str(&f.path.join(" → "));
    }
    if let Some(location) = unused_location {
        text.push_str("\nReported at: ");
        text.push_str(location);
    }
    if let Some(count) = f.count {
        text.push_str(&format!("\nPackages ({count}): "));
        let shown: Vec<&str> = f
            .packages
            .iter()
            .take(HELP_LISTED)
            .map(String::as_str)
            .collect();
        text.push_str(&shown.join(", "));
        if count > shown.len() {
            text.push_str(&format!(
                ", … ({} more in properties.packages)",
                count - shown.len()
            ));
        }
    }
    if let Some(help) = &f.help {
        text.push_str("\nHelp: ");
        text.push_str(help);
    }
    text
}

/// How many packages of a folded finding its message names.
const HELP_LISTED: usize = 10;

fn fingerprint(f: &Finding, file: &str) -> String {
    let mut hasher = Sha256::new();
    for part in [
        f.code.as_str(),
        // A folded finding keeps the identity of its first package's alert.
        f.purls().next().unwrap_or(""),
        f.licence.as_deref().unwrap_or(""),
        file,
        f.advisory.as_deref().unwrap_or(""),
    ] {
        hasher.update(part.as_bytes());
        hasher.update([0u8]);
    }
    // Findings about neither a package nor a file (policy entries, the project's licence) are
    // told apart by their message.
    if f.purls().next().is_none() && f.location.is_none() {
        hasher.update(f.message.as_bytes());
    }
    hex::encode(&hasher.finalize()[..16])
}

/// The result's location, and the finding's own location in words when it could not be used
/// (outside the audited tree, or a file that is not there such as a built-in policy preset).
fn locate(
    audit: &Audit,
    f: &Finding,
    root: &Path,
    by_purl: &HashMap<&str, usize>,
    finder: &mut LineFinder,
) -> (Option<Location>, Option<String>) {
    // A folded finding (issue 17) is placed at its first package and names every package as a
    // logical location.
    let package = f
        .purls()
        .next()
        .and_then(|purl| by_purl.get(purl))
        .and_then(|&i| audit.packages.get(i));
    let logical: Vec<LogicalLocation> = f
        .purls()
        .map(
            |purl| match by_purl.get(purl).and_then(|&i| audit.packages.get(i)) {
                Some(p) => LogicalLocation {
                    name: format!("{} {}", p.package.name, p.package.version),
                    fully_qualified_name: p.package.purl.clone(),
                    kind: "module",
                },
                None => LogicalLocation {
                    name: purl.to_string(),
                    fully_qualified_name: purl.to_string(),
                    kind: "module",
                },
            },
        )
        .collect();

    let mut unused = None;
    if let Some(location) = &f.location {
        match inside(root, &location.file) {
            Some(relative) => {
                return (
                    Some(Location {
                        physical_location: Some(physical(&relative, location.line)),
                        logical_locations: logical,
                    }),
                    None,
                );
            }
            None => unused = Some(location.to_string()),
        }
    }

    let physical_location = if let Some(p) = package {
        let project = p
            .package
            .projects
            .first()
            .and_then(|&i| audit.projects.get(i));
        project.and_then(|project| {
            let file = project
                .lockfile
                .as_deref()
                .and_then(|l| inside(root, l))
                .or_else(|| inside(root, &project.manifest))?;
            let line = finder.line_of(
                &file,
                p.package.ecosystem,
                &p.package.name,
                &p.package.version,
            );
            Some(physical(&file, line))
        })
    } else {
        None
    };
    let physical_location = physical_location.or_else(|| {
        audit
            .projects
            .first()
            .and_then(|project| inside(root, &project.manifest))
            .map(|file| physical(&file, None))
    });
    if physical_location.is_none() && logical.is_empty() {
        return (None, unused);
    }
    (
        Some(Location {
            physical_location,
            logical_locations: logical,
        }),
        unused,
    )
}

fn physical(relative: &str, line: Option<usize>) -> PhysicalLocation {
    PhysicalLocation {
        artifact_location: ArtifactLocation {
            uri: encode_path(relative),
            uri_base_id: SRCROOT,
        },
        region: line
            .filter(|l| *l >= 1)
            .map(|start_line| Region { start_line }),
    }
}

/// `file` relative to the audited root with `/` separators, when it names an existing file
/// inside it.
fn inside(root: &Path, file: &str) -> Option<String> {
    let path = Path::new(file);
    let relative = if path.is_absolute() {
        path.strip_prefix(root).ok()?.to_path_buf()
    } else {
        path.to_path_buf()
    };
    let mut parts = Vec::new();
    for component in relative.components() {
        match component {
            Component::Normal(part) => parts.push(part.to_string_lossy().into_owned()),
            Component::CurDir => {}
            _ => return None,
        }
    }
    if parts.is_empty() || !root.join(&relative).is_file() {
        return None;
    }
    Some(parts.join("/"))
}

/// Percent-encodes a relative path for a URI reference (RFC 3986 unreserved characters and `/`
/// stay as they are).
fn encode_path(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for byte in path.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~' | b'/') {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// The audited directory as a `file:` URI ending in `/`.
fn file_uri(root: &str) -> String {
    let path = root.replace('\\', "/");
    let path = if path.starts_with('/') {
        path
    } else {
        format!("/{path}")
    };
    let mut uri = format!("file://{}", encode_path(&path));
    if !uri.ends_with('/') {
        uri.push('/');
    }
    uri
}

/// Finds the line of a lockfile or manifest that names a package, by a text search over the
/// words of each line; each file is read and indexed once.
struct LineFinder {
    root: PathBuf,
    files: HashMap<String, Option<FileIndex>>,
    /// The search keys of the packages that will be looked up: only these are indexed.
    wanted: HashSet<String>,
    /// Whether any of them is a Python package (whose keys are PEP 503 names).
    python: bool,
}

struct FileIndex {
    lines: Vec<String>,
    /// Lower-case package-name candidates → 0-based lines, ascending.
    names: HashMap<String, Vec<usize>>,
    /// The same, normalised per PEP 503 (Python files).
    python_names: HashMap<String, Vec<usize>>,
    /// Per line: whether it defines an entry (see [`LineFinder::line_of`]).
    definitions: Vec<bool>,
}

/// Lines after a name line that may hold its version (`version = "1.0.0"` in Cargo.lock, the
/// `"version"` key in package-lock.json and composer.lock).
const VERSION_WINDOW: usize = 6;

impl LineFinder {
    fn new(root: &Path) -> Self {
        LineFinder {
            root: root.to_path_buf(),
            files: HashMap::new(),
            wanted: HashSet::new(),
            python: false,
        }
    }

    /// Registers the packages that will be looked up (before the first look-up).
    fn want<'a>(&mut self, packages: impl IntoIterator<Item = (Ecosystem, &'a str)>) {
        for (ecosystem, name) in packages {
            self.python |= ecosystem == Ecosystem::Pypi;
            self.wanted.extend(search_keys(ecosystem, name));
        }
    }

    /// The 1-based line that names the package. Lines that define an entry (a key that opens a
    /// block, `"node_modules/x": {`, `x@1.0.0:`; or a `name` field, `name = "x"`,
    /// `"name": "x"`, `<artifactId>x</artifactId>`) come before mere mentions (a dependency
    /// list), and among each, lines with the package's version within a few lines come first.
    fn line_of(
        &mut self,
        file: &str,
        ecosystem: Ecosystem,
        name: &str,
        version: &str,
    ) -> Option<usize> {
        let (root, wanted, python) = (&self.root, &self.wanted, self.python);
        let index = self
            .files
            .entry(file.to_string())
            .or_insert_with(|| FileIndex::read(root, file, wanted, python))
            .as_ref()?;
        let keys = search_keys(ecosystem, name);
        let table = if ecosystem == Ecosystem::Pypi {
            &index.python_names
        } else {
            &index.names
        };
        let candidates = keys.iter().find_map(|k| table.get(k))?;
        let versioned = |l: usize| {
            !version.is_empty()
                && index
                    .lines
                    .iter()
                    .skip(l)
                    .take(VERSION_WINDOW + 1)
                    .any(|text| text.contains(version))
        };
        let defines = |l: usize| index.definitions.get(l).copied().unwrap_or(false);
        let best = candidates
            .iter()
            .find(|&&l| defines(l) && versioned(l))
            .or_else(|| candidates.iter().find(|&&l| defines(l)))
            .or_else(|| candidates.iter().find(|&&l| versioned(l)))
            .or_else(|| candidates.first());
        best.map(|l| l + 1)
    }
}

impl FileIndex {
    /// Reads `file` of the audited tree at `root` (through [`Confined`], like every reader).
    fn read(root: &Path, file: &str, wanted: &HashSet<String>, python: bool) -> Option<FileIndex> {
        let tree = crate::source::Confined::audited(root);
        let text = tree
            .read_text(&root.join(file), crate::source::Limit::LOCKFILE)
            .ok()?;
        let mut names: HashMap<String, Vec<usize>> = HashMap::new();
        let mut python_names: HashMap<String, Vec<usize>> = HashMap::new();
        let mut lines = Vec::new();
        let mut definitions = Vec::new();
        for (number, line) in text.lines().enumerate() {
            let trimmed = line.trim_end();
            let first = line.split(is_separator).find(|t| !t.is_empty());
            definitions.push(
                trimmed.ends_with('{')
                    || trimmed.ends_with(':')
                    || matches!(first, Some("name" | "artifactId")),
            );
            for token in line.split(is_separator).filter(|t| !t.is_empty()) {
                for candidate in name_candidates(token) {
                    let lower = if candidate.chars().any(|c| c.is_uppercase()) {
                        Cow::Owned(candidate.to_lowercase())
                    } else {
                        Cow::Borrowed(candidate)
                    };
                    if wanted.contains(lower.as_ref()) {
                        push_line(&mut names, lower.to_string(), number);
                    }
                    if python {
                        let normalised = pep503(&lower);
                        if wanted.contains(&normalised) {
                            push_line(&mut python_names, normalised, number);
                        }
                    }
                }
            }
            lines.push(line.to_string());
        }
        Some(FileIndex {
            lines,
            names,
            python_names,
            definitions,
        })
    }
}

/// The keys a package is looked up by: its lower-case name (a Maven artifactId, a Python name
/// per PEP 503), and for `a/b` names also `b`.
fn search_keys(ecosystem: Ecosystem, name: &str) -> Vec<String> {
    match ecosystem {
        Ecosystem::Pypi => vec![pep503(name)],
        Ecosystem::Maven => vec![name.rsplit(':').next().unwrap_or(name).to_lowercase()],
        _ => {
            let lower = name.to_lowercase();
            let last = lower.rsplit_once('/').map(|(_, last)| last.to_string());
            std::iter::once(lower).chain(last).collect()
        }
    }
}

fn push_line(map: &mut HashMap<String, Vec<usize>>, key: String, line: usize) {
    let entry = map.entry(key).or_default();
    if entry.last() != Some(&line) {
        entry.push(line);
    }
}

fn is_separator(c: char) -> bool {
    c.is_whitespace()
        || matches!(
            c,
            '"' | '\''
                | '`'
                | ','
                | ':'
                | '='
                | '{'
                | '}'
                | '('
                | ')'
                | '['
                | ']'
                | '<'
                | '>'
                | '#'
                | ';'
                | '!'
                | '~'
                | '^'
                | '|'
        )
}

/// The package names a word of a lockfile may stand for: itself, without a leading `/` (pnpm),
/// without a trailing `@version` (pnpm, yarn), the part after the last `node_modules/`
/// (package-lock.json), and without a trailing `/version` segment (older pnpm).
fn name_candidates(token: &str) -> impl Iterator<Item = &str> {
    let mut current = token.trim_start_matches('/');
    if let Some(index) = current.rfind("node_modules/") {
        current = &current[index + "node_modules/".len()..];
    }
    let at = if let Some(rest) = current.strip_prefix('@') {
        rest.find('@').map(|i| i + 1)
    } else {
        current.find('@')
    };
    if let Some(at) = at {
        current = &current[..at];
    }
    if let Some((head, last)) = current.rsplit_once('/')
        && last.starts_with(|c: char| c.is_ascii_digit())
        && !head.is_empty()
    {
        current = head;
    }
    let extra = (!current.is_empty() && current != token).then_some(current);
    std::iter::once(token).chain(extra)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lockfile_words_give_package_names() {
        assert_eq!(
            name_candidates("node_modules/a/node_modules/@s/b").collect::<Vec<_>>(),
            vec!["node_modules/a/node_modules/@s/b", "@s/b"]
        );
        assert_eq!(
            name_candidates("@babel/core@7.22.0").collect::<Vec<_>>(),
            vec!["@babel/core@7.22.0", "@babel/core"]
        );
        assert_eq!(
            name_candidates("/ms@2.0.0").collect::<Vec<_>>(),
            vec!["/ms@2.0.0", "ms"]
        );
        assert_eq!(
            name_candidates("/@s/b/1.0.0").collect::<Vec<_>>(),
            vec!["/@s/b/1.0.0", "@s/b"]
        );
        assert_eq!(name_candidates("serde").collect::<Vec<_>>(), vec!["serde"]);
    }

    #[test]
    fn the_line_with_the_version_nearby_wins() {
        let temp = tempfile::tempdir().unwrap();
        let dir = temp.path().to_path_buf();
        let lock = [
            "{",
            "  \"packages\": {",
            "    \"\": {",
            "      \"dependencies\": {",
            "        \"ms\": \"2.0.0\"",
            "      }",
            "    },",
            "    \"node_modules/a\": {",
            "      \"version\": \"2.0.0\"",
            "    },",
            "    \"node_modules/ms\": {",
            "      \"version\": \"2.0.0\"",
            "    }",
            "  }",
            "}",
        ]
        .join("\n");
        std::fs::write(dir.join("package-lock.json"), lock).unwrap();
        let mut finder = LineFinder::new(&dir);
        finder.want([(Ecosystem::Npm, "ms"), (Ecosystem::Npm, "absent")]);
        assert_eq!(
            finder.line_of("package-lock.json", Ecosystem::Npm, "ms", "2.0.0"),
            Some(11)
        );
        assert_eq!(
            finder.line_of("package-lock.json", Ecosystem::Npm, "absent", "1.0.0"),
            None
        );
    }

    #[test]
    fn paths_are_encoded_and_kept_inside_the_root() {
        assert_eq!(encode_path("a b/ü.json"), "a%20b/%C3%BC.json");
        let temp = tempfile::tempdir().unwrap();
        let dir = temp.path().to_path_buf();
        std::fs::write(dir.join("Cargo.toml"), "").unwrap();
        assert_eq!(inside(&dir, "Cargo.toml").as_deref(), Some("Cargo.toml"));
        assert_eq!(
            inside(&dir, &dir.join("Cargo.toml").display().to_string()).as_deref(),
            Some("Cargo.toml")
        );
        assert_eq!(inside(&dir, "../Cargo.toml"), None);
        assert_eq!(inside(&dir, "missing.toml"), None);
    }
}
