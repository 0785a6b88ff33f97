//! The portfolio result (`fundament.portfolio/1`): what `merge` writes and every portfolio
//! report, `where-used` and `--since` read. The schema is documented in docs/portfolio.md.

use super::listing::Skipped;
use super::result::{RepositoryInfo, ResultFiles, RunStatus, ScanSettings, ToolInfo};
use crate::diagnostic::{Code, Severity};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The schema of the merged portfolio result.
pub const PORTFOLIO_SCHEMA: &str = "fundament.portfolio/1";

/// A merged portfolio.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Portfolio {
    pub schema: String,
    pub tool: ToolInfo,
    /// When the merge ran (`SOURCE_DATE_EPOCH` when set).
    pub created: String,
    pub scan: ScanRecord,
    pub summary: PortfolioSummary,
    /// Every repository listed, sorted by name: none is left out, whatever happened to it.
    pub repositories: Vec<PortfolioRepository>,
    /// Repositories listed but not scanned (archived, empty, disabled), with why.
    pub skipped: Vec<Skipped>,
    /// Every third-party component (purl) used by any repository, sorted by purl.
    pub components: Vec<PortfolioComponent>,
    /// Every licence across the portfolio, most used first.
    pub licences: Vec<PortfolioLicence>,
    /// Problems of the scan itself (missing shards, repositories without results).
    pub findings: Vec<PortfolioFinding>,
    /// What changed since a previous portfolio result (`--since`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub changes: Option<super::changes::Changes>,
}

/// How the portfolio was scanned.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScanRecord {
    pub sources: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub settings: Option<ScanSettings>,
    pub shards: ShardsRecord,
}

/// The shards merged.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ShardsRecord {
    pub total: u32,
    pub present: Vec<ShardRecord>,
    pub missing: Vec<u32>,
    pub duplicated: Vec<u32>,
}

/// One shard as merged.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ShardRecord {
    pub index: u32,
    /// The folder its files were read from, as given to `merge`.
    pub folder: String,
    /// How the scan chose the shard.
    pub origin: String,
    /// When the shard's scan finished.
    pub created: String,
    pub repositories: usize,
}

/// The essentials of one repository's audit.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PortfolioRepository {
    #[serde(flatten)]
    pub repository: RepositoryInfo,
    pub status: RunStatus,
    /// The shard that delivered the result.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shard: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub commit: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stale: Option<String>,
    /// Why there is no result.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// `pass`, `fail` or `incomplete`; none without a result.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outcome: Option<String>,
    /// When the audit ran (for a reused result: the earlier run).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub audited: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub policy: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub project_licence: Option<String>,
    /// Third-party components.
    pub components: usize,
    /// Components by the policy's verdict.
    pub by_status: BTreeMap<String, usize>,
    /// Components by vetting status.
    pub by_vetting: BTreeMap<String, usize>,
    pub errors: usize,
    pub warnings: usize,
    /// The repository's files, relative to its shard's folder.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub files: Option<ResultFiles>,
}

impl PortfolioRepository {
    pub fn violations(&self) -> usize {
        self.by_status.get("denied").copied().unwrap_or(0)
    }
}

/// A component and the repositories that use it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PortfolioComponent {
    pub purl: String,
    pub ecosystem: String,
    pub name: String,
    pub version: String,
    /// The licences it is used under (one, unless policies or curations differ).
    pub licences: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub category: Option<String>,
    /// One per repository that uses it, in repository order.
    pub used_by: Vec<Usage>,
}

/// One repository's use of a component.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Usage {
    /// The repository: an index into `repositories`.
    pub repository: usize,
    pub licence: String,
    /// The policy's verdict in that repository.
    pub status: String,
    pub vetting: String,
    pub scope: String,
}

/// A licence across the portfolio.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PortfolioLicence {
    pub licence: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub category: Option<String>,
    /// Distinct components (purls) under it.
    pub components: usize,
    /// Repositories that use a component under it.
    pub repositories: usize,
    /// Uses (component × repository) by the policy's verdict.
    pub by_status: BTreeMap<String, usize>,
}

/// The portfolio in numbers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PortfolioSummary {
    /// `pass` when every repository passes, `fail` when one violates its policy,
    /// `incomplete` when a repository has no result or an incomplete one, or a shard is
    /// missing.
    pub outcome: String,
    pub repositories: usize,
    /// Repositories by what happened to them (`audited`, `reused`, `failed`, `missing`).
    pub by_status: BTreeMap<String, usize>,
    /// Repositories with a result, by outcome.
    pub by_outcome: BTreeMap<String, usize>,
    pub skipped: usize,
    /// Distinct third-party components.
    pub components: usize,
    /// Uses: component × repository.
    pub usages: usize,
    /// Uses by the policy's verdict.
    pub by_status_of_usages: BTreeMap<String, usize>,
    /// Uses by vetting status.
    pub by_vetting: BTreeMap<String, usize>,
    /// Components approved by an index in every repository that uses them.
    pub components_vetted: usize,
    pub errors: usize,
    pub warnings: usize,
    pub notes: usize,
}

/// A problem of the scan, with a stable code (docs/diagnostics.md, area S).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PortfolioFinding {
    pub code: String,
    pub slug: String,
    pub severity: String,
    pub message: String,
    /// The message in translatable form, where it has one (`message` is its English).
    #[serde(skip)]
    pub text: Option<crate::diagnostic::Text>,
    /// The repository it is about, by identity.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub repository: Option<String>,
    /// The shard it is about.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shard: Option<u32>,
}

impl PortfolioFinding {
    pub fn new(
        code: Code,
        severity: Severity,
        message: impl Into<crate::diagnostic::Message>,
    ) -> Self {
        let (message, text) = message.into().into_parts();
        PortfolioFinding {
            code: code.as_str().to_string(),
            slug: code.slug().to_string(),
            severity: severity.to_string(),
            message,
            text,
            repository: None,
            shard: None,
        }
    }

    /// The message in `lang`: the English `message`, else its translation, else what the
    /// code means.
    pub fn message_in(&self, lang: crate::licence::obligations::Lang) -> String {
        use crate::licence::obligations::Lang;
        match (lang, &self.text) {
            (Lang::En, _) => self.message.clone(),
            (_, Some(text)) => text.render(lang),
            (_, None) => crate::report::html::tr(lang, &format!("code.{}", self.code)),
        }
    }

    pub fn about_repository(mut self, id: &str) -> Self {
        self.repository = Some(id.to_string());
        self
    }

    pub fn about_shard(mut self, index: u32) -> Self {
        self.shard = Some(index);
        self
    }
}

impl Portfolio {
    /// The exit code of `merge`: 2 when the portfolio is incomplete, 1 when a repository
    /// violates its policy, 0 otherwise.
    pub fn exit_code(&self) -> u8 {
        match self.summary.outcome.as_str() {
            "pass" => 0,
            "fail" => 1,
            _ => 2,
        }
    }

    /// Reads a portfolio result.
    pub fn read(path: &std::path::Path) -> Result<Portfolio, String> {
        let bytes = std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
        let value: serde_json::Value = serde_json::from_slice(&bytes)
            .map_err(|e| format!("{}: not JSON: {e}", path.display()))?;
        match value["schema"].as_str() {
            Some(PORTFOLIO_SCHEMA) => {}
            Some(other) => {
                return Err(format!(
                    "{}: a `{other}` file, not a portfolio result ({PORTFOLIO_SCHEMA}); \
                     `fundament merge` makes one",
                    path.display()
                ));
            }
            None => {
                return Err(format!(
                    "{}: not a portfolio result (no `schema`); `fundament merge` makes one",
                    path.display()
                ));
            }
        }
        serde_json::from_value(value).map_err(|e| format!("{}: {e}", path.display()))
    }
}
