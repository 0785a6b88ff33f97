//! The flags that say what to audit and how, shared by every command that runs an audit, and
//! the writing of its output.

use super::{Cli, EXIT_INPUT, cache_dir, print_error};
use crate::audit::{Audit, AuditOptions, PolicyChoice};
use crate::licence::DetectMode;
use crate::progress::Progress;
use clap::Args;
use std::path::PathBuf;

#[derive(Debug, Args)]
pub struct InputArgs {
    /// The directory to audit; every project below it is found. Or a git URL (https, ssh,
    /// file): its default branch is cloned into the cache and audited. Default: the current
    /// directory, unless only --sbom is given.
    pub path: Option<PathBuf>,
    /// Audit an SBOM (CycloneDX 1.2–1.7 JSON or XML, SPDX 2.2/2.3 JSON or tag-value) as a
    /// project of its own: how fundament audits ecosystems it cannot read itself. Repeatable.
    #[arg(long, value_name = "FILE")]
    pub sbom: Vec<PathBuf>,
    /// A policy file, or the name of a built-in preset (public-sector-default,
    /// permissive-only, eupl-1.2-distribution, eupl-1.2-network, osi-approved, fsf-libre).
    /// Default: fundament.toml in the audited directory, else public-sector-default.
    #[arg(long, value_name = "FILE|PRESET")]
    pub policy: Option<String>,
    /// Apply the audited repository's own policy (its fundament.toml) where fundament would
    /// otherwise apply yours: in the procurement reports (--format html, markdown) and when
    /// the path is a git URL. Without it those use --policy, else the default preset, and say
    /// that the repository's own policy was not applied (P009).
    #[arg(long, conflicts_with = "policy")]
    pub repo_policy: bool,
    /// Audit only packages used in these scopes (Verwendung): runtime, provided, build, test,
    /// dev; comma-separated or repeated. `--scope runtime` leaves out
    /// everything that does not ship. Default: every scope, each as the policy's
    /// `[dependencies]` says.
    #[arg(long, value_name = "SCOPE", value_delimiter = ',', value_parser = parse_scope)]
    pub scope: Vec<crate::model::Scope>,
    /// Use no network: cargo runs with --offline, registry look-ups answer from the cache only,
    /// and what needs the network is reported as unresolved.
    #[arg(long)]
    pub offline: bool,
    /// fundament's cache directory (default: $FUNDAMENT_CACHE_DIR, else the user cache dir).
    #[arg(long, value_name = "DIR")]
    pub cache_dir: Option<PathBuf>,
    /// Do not read or write the cache.
    #[arg(long)]
    pub no_cache: bool,
    /// Do not look up in package registries the licences the lockfiles do not record.
    /// (Also `FUNDAMENT_NO_REGISTRY=1`.)
    #[arg(
        long,
        env = "FUNDAMENT_NO_REGISTRY",
        action = clap::ArgAction::SetTrue,
        value_parser = clap::builder::BoolishValueParser::new()
    )]
    pub no_registry: bool,
    /// Resolve manifests without a lockfile (package.json, composer.json, requirements ranges,
    /// pyproject.toml) against the registry, the way npm, Composer and pip would today: every
    /// package so resolved is marked "resolved by fundament on <date>, not locked" (I013).
    #[arg(long)]
    pub resolve_unlocked: bool,
    /// Registry look-ups in flight at once (default 16, or `[registries] parallelism`).
    #[arg(long, value_name = "N")]
    pub jobs: Option<usize>,
    /// Advisory data to check for known vulnerabilities: a folder of OSV JSON/YAML or RustSec
    /// files, a zip of OSV records (path or URL), a base URL with `<Ecosystem>/all.zip` below
    /// it, a git repository (`git+URL`, `file://`), or the OSV API (`osv-api+URL`).
    /// Repeatable; replaces the policy's `[advisories] db`.
    #[arg(long, value_name = "PATH-or-URL")]
    pub advisory_db: Vec<String>,
    /// Do not check for known vulnerabilities.
    #[arg(long, conflicts_with = "advisory_db")]
    pub no_advisories: bool,
}

/// A `--scope` value.
fn parse_scope(text: &str) -> Result<crate::model::Scope, String> {
    crate::model::Scope::parse(text)
        .ok_or_else(|| format!("`{text}` is not a scope (runtime, provided, build, test, dev)"))
}

/// Who the report is for, which decides whose policy applies when --policy is not given.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Audience {
    /// The project's own developers (human, JSON, SARIF, SBOMs, notices): the repository's
    /// fundament.toml applies, and the report says so (P008).
    Developers,
    /// Someone judging the audited party's code (the procurement reports): the auditor's
    /// policy applies unless --repo-policy opts in to the repository's own.
    Auditor,
}

impl InputArgs {
    /// The audit's settings.
    pub fn options(&self, detect: DetectMode) -> AuditOptions {
        self.options_for(detect, Audience::Developers)
    }

    /// The audit's settings for a report read by `audience`.
    pub fn options_for(&self, detect: DetectMode, audience: Audience) -> AuditOptions {
        AuditOptions {
            policy: match &self.policy {
                Some(p) => PolicyChoice::Named(p.clone()),
                None if self.repo_policy => PolicyChoice::Automatic,
                None if audience == Audience::Auditor || self.is_git_url() => PolicyChoice::Auditor,
                None => PolicyChoice::Automatic,
            },
            offline: self.offline,
            detect,
            cache_dir: if self.no_cache {
                None
            } else {
                cache_dir(self.cache_dir.as_ref())
            },
            cargo: None,
            today: None,
            sbom: self.sbom.clone(),
            scan_tree: self.path.is_some() || self.sbom.is_empty(),
            registry_lookups: !self.no_registry,
            resolve_unlocked: self.resolve_unlocked,
            registries: self
                .jobs
                .map(|jobs| crate::registry::config::RegistrySettings {
                    parallelism: Some(jobs),
                    ..Default::default()
                }),
            homes: None,
            advisories: crate::advisory::Settings {
                db: self
                    .advisory_db
                    .iter()
                    .map(|l| crate::advisory::sources::DbEntry::new(l))
                    .collect(),
                disabled: self.no_advisories,
                base_dir: Some(crate::advisory::current_dir()),
            },
            scopes: self.scope.clone(),
        }
    }

    /// Whether the path is a git URL rather than a folder (someone else's repository).
    fn is_git_url(&self) -> bool {
        let Some(text) = self.path.as_ref().and_then(|p| p.to_str()) else {
            return false;
        };
        let lower = text.to_ascii_lowercase();
        (crate::source::git::is_git_url(text)
            || lower.starts_with("https://")
            || lower.starts_with("http://"))
            && !std::path::Path::new(text).exists()
    }

    /// The audited directory: the path given; with only --sbom, where the (first) SBOM is.
    pub fn root(&self) -> PathBuf {
        match (&self.path, self.sbom.first()) {
            (Some(path), _) => path.clone(),
            (None, Some(sbom)) => sbom
                .parent()
                .filter(|p| !p.as_os_str().is_empty())
                .map(PathBuf::from)
                .unwrap_or_else(|| PathBuf::from(".")),
            (None, None) => PathBuf::from("."),
        }
    }

    /// Runs the audit, with progress on stderr; an audit that cannot run at all is reported
    /// and gives the exit code.
    pub fn audit(&self, cli: &Cli, detect: DetectMode, audience: Audience) -> Result<Audit, u8> {
        let progress = Progress::stderr(cli.quiet);
        let options = self.options_for(detect, audience);
        let checkout = match self.git_checkout(&options, &progress) {
            Ok(checkout) => checkout,
            Err(message) => {
                progress.finish();
                print_error(message);
                return Err(EXIT_INPUT);
            }
        };
        let root = checkout
            .as_ref()
            .map(|c| c.dir.clone())
            .unwrap_or_else(|| self.root());
        let result = crate::audit::run(&root, &options, &progress);
        progress.finish();
        if let Some(top) = checkout.and_then(|c| c.temporary) {
            let _ = std::fs::remove_dir_all(top);
        }
        result.map_err(|err| {
            print_error(err);
            EXIT_INPUT
        })
    }

    /// A git URL given as the path (`https://…`, `git@host:…`, `ssh://…`, `file://…`), brought
    /// into the cache as `scan` brings repositories (src/portfolio/run.rs): shallowly, its
    /// default branch. `None` for a folder.
    fn git_checkout(
        &self,
        options: &AuditOptions,
        progress: &Progress,
    ) -> Result<Option<crate::portfolio::run::Checkout>, String> {
        let Some(text) = self.path.as_ref().and_then(|p| p.to_str()) else {
            return Ok(None);
        };
        if !self.is_git_url() {
            return Ok(None);
        }
        let _task = progress.task(format!(
            "fetching {}",
            crate::source::git::display_url(text)
        ));
        let git = crate::source::git::GitOptions {
            offline: options.offline,
            ..Default::default()
        };
        let checkout =
            crate::portfolio::run::check_out(text, None, options.cache_dir.as_deref(), &git)?;
        if let Some(stale) = &checkout.stale {
            // The reason names no URL: the message does.
            eprintln!(
                "warning: {}: {stale}",
                crate::source::git::display_url(text)
            );
        }
        Ok(Some(checkout))
    }
}

/// Names every input problem of `audit` on stderr, one line each (`error[I001]: message`),
/// whatever the format of the report: an SBOM or a JSON report on stdout, or a report written
/// to a file, must not hide that the audit is incomplete. Values are escaped.
/// In `lang`: the language the user asked the report in.
pub fn report_input_problems(audit: &Audit, lang: crate::licence::obligations::Lang) {
    let problems: Vec<&crate::diagnostic::Finding> = audit
        .findings
        .iter()
        .filter(|f| {
            f.severity == crate::diagnostic::Severity::Error
                && crate::audit::is_input_problem(f.code)
        })
        .collect();
    for finding in &problems {
        crate::safe_eprintln!("error[{}]: {}", finding.code, finding.message_in(lang));
    }
    if audit.summary.outcome == crate::audit::Outcome::Incomplete {
        crate::safe_eprintln!(
            "{}",
            crate::diagnostic::Text::new("audit_incomplete")
                .count("n", problems.len())
                .render(lang)
        );
    }
}

/// Writes `text` to `output`, or to stdout (a closed pipe, as with `| head`, is not an error).
pub fn write_output(output: Option<&PathBuf>, text: &str) -> Result<(), u8> {
    match output {
        Some(path) => std::fs::write(path, text).map_err(|err| {
            print_error(format!("cannot write {}: {err}", path.display()));
            EXIT_INPUT
        }),
        None => {
            use std::io::Write as _;
            let mut stdout = std::io::stdout().lock();
            let _ = stdout.write_all(text.as_bytes());
            let _ = stdout.flush();
            Ok(())
        }
    }
}
