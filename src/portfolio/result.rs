//! What a scan writes: one result per repository, and one manifest per shard. Both are read
//! back by `merge`, so every type here reads and writes (docs/portfolio.md, "Files").
//!
//! A scan's output folder:
//!
//! ```text
//! shard-2-of-4.json            the shard's manifest: the listing it saw, its results
//! repos/<name>-<hash>.json      one repository's result (fundament.portfolio-repository/1)
//! repos/<name>-<hash>.audit.json    the repository's full audit (fundament.audit/1)
//! repos/<name>-<hash>.cdx.json      the repository's CycloneDX 1.6 SBOM
//! ```

use super::listing::{Listing, Origin, Repository, Skipped, SourceKind};
use super::shard::Shard;
use crate::audit::Audit;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;

/// The schema of one repository's result.
pub const REPOSITORY_SCHEMA: &str = "fundament.portfolio-repository/1";
/// The schema of a shard's manifest.
pub const SHARD_SCHEMA: &str = "fundament.portfolio-shard/1";

/// The tool that wrote a file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ToolInfo {
    pub name: String,
    pub version: String,
}

impl ToolInfo {
    pub fn this() -> ToolInfo {
        ToolInfo {
            name: "fundament".to_string(),
            version: env!("CARGO_PKG_VERSION").to_string(),
        }
    }
}

/// A repository as results and reports name it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RepositoryInfo {
    pub id: String,
    pub name: String,
    pub source: SourceKind,
    /// The git URL, without credentials.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// The branch, tag or commit asked for; none for the default branch.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reference: Option<String>,
    /// A checkout on this machine: its path, as listed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub web_url: Option<String>,
}

impl From<&Repository> for RepositoryInfo {
    fn from(r: &Repository) -> Self {
        let (url, reference, path) = match &r.origin {
            Origin::Git { url, reference } => (
                Some(crate::source::git::display_url(url)),
                reference.clone(),
                None,
            ),
            Origin::Local(path) => (None, None, Some(path.display().to_string())),
        };
        RepositoryInfo {
            id: r.id.clone(),
            name: r.name.clone(),
            source: r.source,
            url,
            reference,
            path,
            web_url: r.web_url.clone(),
        }
    }
}

/// What became of a repository in a scan.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RunStatus {
    /// Audited in this run.
    Audited,
    /// Unchanged since an earlier run (commit, policy, indices, fundament): that run's
    /// result is used.
    Reused,
    /// Could not be cloned, fetched or read: no result.
    Failed,
    /// (Merged results only.) No shard delivered a result for it.
    Missing,
}

impl RunStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            RunStatus::Audited => "audited",
            RunStatus::Reused => "reused",
            RunStatus::Failed => "failed",
            RunStatus::Missing => "missing",
        }
    }
}

/// `shard I of N`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShardInfo {
    pub index: u32,
    pub total: u32,
}

impl From<Shard> for ShardInfo {
    fn from(s: Shard) -> Self {
        ShardInfo {
            index: s.index,
            total: s.total,
        }
    }
}

/// One third-party component as one repository uses it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ComponentUse {
    pub purl: String,
    pub ecosystem: String,
    pub name: String,
    pub version: String,
    /// The licence the policy judged: the effective licence (an OR resolved), else the
    /// concluded expression.
    pub licence: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub category: Option<String>,
    /// The policy's verdict (`allowed`, `review`, `denied`, `skipped`).
    pub status: String,
    /// The vetting status (`approved`, `not-vetted`, …).
    pub vetting: String,
    /// `runtime`, `build` or `dev`.
    pub scope: String,
}

/// The essentials of one audit, for the portfolio (the whole audit is in its own file).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuditDigest {
    /// When the audit ran.
    pub created: String,
    pub policy: String,
    pub policy_origin: String,
    /// `pass`, `fail` or `incomplete`.
    pub outcome: String,
    /// The project's own licence, when it states one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub project_licence: Option<String>,
    pub projects: usize,
    pub projects_failed: usize,
    /// Third-party packages.
    pub packages: usize,
    pub by_status: BTreeMap<String, usize>,
    pub by_vetting: BTreeMap<String, usize>,
    pub errors: usize,
    pub warnings: usize,
    pub notes: usize,
    /// How many findings of each code; a folded finding counts once per package.
    pub findings: BTreeMap<String, usize>,
    /// The third-party components, sorted by purl.
    pub components: Vec<ComponentUse>,
}

impl AuditDigest {
    pub fn of(audit: &Audit) -> AuditDigest {
        let categories: BTreeMap<&str, &str> = audit
            .summary
            .by_licence
            .iter()
            .filter_map(|l| Some((l.licence.as_str(), l.category.as_deref()?)))
            .collect();
        let mut components: Vec<ComponentUse> = audit
            .packages
            .iter()
            .filter(|p| !p.package.root)
            .map(|p| {
                let licence = p
                    .verdict
                    .effective
                    .clone()
                    .unwrap_or_else(|| p.licence.concluded.expression.clone());
                ComponentUse {
                    purl: p.package.purl.clone(),
                    ecosystem: word(&p.package.ecosystem),
                    name: p.package.name.clone(),
                    version: p.package.version.clone(),
                    category: categories.get(licence.as_str()).map(|c| c.to_string()),
                    licence,
                    status: word(&p.verdict.status),
                    vetting: word(&p.vetting.status),
                    scope: word(&p.package.scope),
                }
            })
            .collect();
        components.sort_by(|a, b| a.purl.cmp(&b.purl));
        let mut findings = BTreeMap::new();
        for f in &audit.findings {
            *findings.entry(f.code.as_str().to_string()).or_insert(0) += f.weight();
        }
        AuditDigest {
            created: audit.created.clone(),
            policy: audit.policy.name.clone(),
            policy_origin: audit.policy.origin.clone(),
            outcome: word(&audit.summary.outcome),
            project_licence: audit.project_licence.expression.clone(),
            projects: audit.summary.projects,
            projects_failed: audit.summary.projects_failed,
            packages: audit.summary.packages,
            by_status: by_word(&audit.summary.by_status),
            by_vetting: by_word(&audit.summary.by_vetting),
            errors: audit.summary.errors,
            warnings: audit.summary.warnings,
            notes: audit.summary.notes,
            findings,
            components,
        }
    }

    /// Components whose licence the policy denies.
    pub fn violations(&self) -> usize {
        self.by_status.get("denied").copied().unwrap_or(0)
    }
}

/// Counts keyed by their serde names.
fn by_word<K: Serialize>(map: &BTreeMap<K, usize>) -> BTreeMap<String, usize> {
    map.iter().map(|(k, v)| (word(k), *v)).collect()
}

/// A value's serde name (`"denied"`, `"npm"`): the JSON report's own words, whatever the
/// enum looks like in Rust.
fn word<T: Serialize>(value: &T) -> String {
    match serde_json::to_value(value) {
        Ok(serde_json::Value::String(s)) => s,
        Ok(other) => other.to_string(),
        Err(_) => String::new(),
    }
}

/// Where a repository's other files are, relative to the shard's output folder.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResultFiles {
    /// This result.
    pub result: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub audit: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cyclonedx: Option<String>,
}

/// One repository's result (`repos/<name>-<hash>.json`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RepositoryResult {
    pub schema: String,
    pub tool: ToolInfo,
    pub repository: RepositoryInfo,
    pub shard: ShardInfo,
    pub status: RunStatus,
    /// The commit audited (git checkouts).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub commit: Option<String>,
    /// Set when the repository could not be fetched and the last fetch was audited: why.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stale: Option<String>,
    /// Why there is no result (status `failed`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// Why the repository was audited again although it has a stored result, or why it
    /// cannot be reused later (no commit, uncommitted changes, an HTTP index).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reuse: Option<String>,
    /// The unchanged-repository key (docs/portfolio.md), when one could be computed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub audit: Option<AuditDigest>,
    pub files: ResultFiles,
}

/// The file name stem of a repository's files: a readable part and a hash of the identity,
/// so that two repositories never share a name.
pub fn file_stem(repository: &Repository) -> String {
    let readable: String = repository
        .name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.' {
                c
            } else {
                '-'
            }
        })
        .collect();
    let readable = readable.trim_matches(|c| c == '-' || c == '.');
    let readable: String = readable.chars().take(80).collect();
    let hash = hex::encode(Sha256::digest(repository.id.as_bytes()));
    if readable.is_empty() {
        hash[..12].to_string()
    } else {
        format!("{readable}-{}", &hash[..12])
    }
}

/// The scan settings that must agree across the shards of one portfolio.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScanSettings {
    /// `--policy` as given, or `automatic` (each repository's fundament.toml, else the
    /// default preset).
    pub policy: String,
    pub offline: bool,
    pub registry_lookups: bool,
    pub detect: String,
}

/// The repositories a shard saw listed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListingRecord {
    pub sources: Vec<String>,
    /// Of the repositories' identities ([`Listing::digest`]).
    pub digest: String,
    /// Every repository of the portfolio, not only this shard's: `merge` knows from any
    /// shard which repositories a missing shard should have delivered.
    pub repositories: Vec<RepositoryInfo>,
    pub skipped: Vec<Skipped>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
}

impl From<&Listing> for ListingRecord {
    fn from(l: &Listing) -> Self {
        ListingRecord {
            sources: l.sources.clone(),
            digest: l.digest(),
            repositories: l.repositories.iter().map(RepositoryInfo::from).collect(),
            skipped: l.skipped.clone(),
            notes: l.notes.clone(),
        }
    }
}

/// One line of a shard's table of results.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResultEntry {
    pub id: String,
    pub status: RunStatus,
    /// The result file, relative to the output folder.
    pub file: String,
}

/// A shard's manifest (`shard-I-of-N.json`), written last: its presence says the shard
/// finished.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ShardManifest {
    pub schema: String,
    pub tool: ToolInfo,
    pub created: String,
    pub shard: ShardInfo,
    /// How the shard was chosen (`--shard`, GitLab CI's variables, …).
    pub shard_origin: String,
    pub settings: ScanSettings,
    pub listing: ListingRecord,
    /// This shard's repositories, in identity order.
    pub results: Vec<ResultEntry>,
}

/// The manifest's file name.
pub fn manifest_name(shard: ShardInfo) -> String {
    format!("shard-{}-of-{}.json", shard.index, shard.total)
}
