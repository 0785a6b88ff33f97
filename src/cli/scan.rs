//! `fundament scan`: this job's share of a portfolio, audited into an output folder.

use super::{EXIT_INPUT, cache_dir, print_error};
use crate::audit::{AuditOptions, PolicyChoice};
use crate::licence::DetectMode;
use crate::portfolio::forge::{self, CloneProtocol, ForgeOptions, GitlabToken};
use crate::portfolio::human::plain;
use crate::portfolio::listing::{self, Listing};
use crate::portfolio::result::{RepositoryResult, RunStatus, ScanSettings};
use crate::portfolio::run::{self, ScanOptions};
use crate::portfolio::shard::{self, Shard, ShardChoice};
use clap::Args;
use std::path::PathBuf;

#[derive(Debug, Args)]
pub struct ScanArgs {
    /// Folders of checkouts (each sub-folder a repository; symbolic links are followed) and
    /// list files (one `URL [REF]` or folder per line).
    #[arg(value_name = "FOLDER|LIST")]
    pub sources: Vec<PathBuf>,
    /// Scan the projects of this GitLab group and its subgroups (repeatable). The token
    /// comes from $GITLAB_TOKEN, else $CI_JOB_TOKEN.
    #[arg(long, value_name = "GROUP")]
    pub gitlab_group: Vec<String>,
    /// GitLab's API (`https://HOST/api/v4`, or the instance's address).
    #[arg(long, env = "CI_API_V4_URL", value_name = "URL")]
    pub gitlab_url: Option<String>,
    /// Scan the repositories of this GitHub organisation or user (repeatable). The token
    /// comes from $GITHUB_TOKEN.
    #[arg(long, value_name = "OWNER")]
    pub github_org: Vec<String>,
    /// GitHub's API (`https://HOST/api/v3` for GitHub Enterprise Server).
    #[arg(long, env = "GITHUB_API_URL", value_name = "URL")]
    pub github_url: Option<String>,
    /// Scan archived repositories too (default: listed as skipped).
    #[arg(long)]
    pub include_archived: bool,
    /// Clone forge repositories over https (with the API token) or ssh (your ssh setup).
    #[arg(long, value_enum, default_value_t = CloneProtocol::Https)]
    pub clone_protocol: CloneProtocol,
    /// The output folder: one result per repository, and this shard's manifest.
    #[arg(long, short, value_name = "DIR")]
    pub output: PathBuf,
    /// Take shard I of N (counting from 1). Default: from the CI engine (GitLab's
    /// CI_NODE_INDEX/CI_NODE_TOTAL, a Kubernetes Indexed Job's JOB_COMPLETION_INDEX with
    /// FUNDAMENT_SHARD_TOTAL, FUNDAMENT_SHARD_INDEX/FUNDAMENT_SHARD_TOTAL, FUNDAMENT_SHARD),
    /// else everything.
    #[arg(long, value_name = "I/N")]
    pub shard: Option<String>,
    /// Audit every repository, also those unchanged since their last audit.
    #[arg(long)]
    pub rescan: bool,
    /// Repositories cloned or fetched at once.
    #[arg(long, value_name = "N", default_value_t = 4)]
    pub clone_jobs: usize,
    /// Repositories audited at once (default: the number of CPUs).
    #[arg(long, value_name = "N")]
    pub repository_jobs: Option<usize>,
    /// Commits fetched per repository (0: the whole history).
    #[arg(long, value_name = "N", default_value_t = 1)]
    pub depth: u32,
    /// A policy file, or a preset name, for every repository. Default: each repository's
    /// fundament.toml, else public-sector-default.
    #[arg(long, value_name = "FILE|PRESET")]
    pub policy: Option<String>,
    /// Use no network: repositories are audited at their last fetch, registry look-ups
    /// answer from the cache.
    #[arg(long)]
    pub offline: bool,
    /// fundament's cache directory (default: $FUNDAMENT_CACHE_DIR, else the user cache dir).
    #[arg(long, value_name = "DIR")]
    pub cache_dir: Option<PathBuf>,
    /// Do not read or write the cache (clones go to a temporary folder; nothing is reused).
    #[arg(long)]
    pub no_cache: bool,
    /// Do not look up licences in package registries. (Also `FUNDAMENT_NO_REGISTRY=1`.)
    #[arg(
        long,
        env = "FUNDAMENT_NO_REGISTRY",
        action = clap::ArgAction::SetTrue,
        value_parser = clap::builder::BoolishValueParser::new()
    )]
    pub no_registry: bool,
    /// Registry look-ups in flight at once, per repository audit (default 16).
    #[arg(long, value_name = "N")]
    pub jobs: Option<usize>,
    /// When to identify licence texts.
    #[arg(long, value_enum, default_value_t = DetectMode::Needed)]
    pub detect: DetectMode,
    /// Advisory data for every repository, as `audit --advisory-db` (repeatable; replaces the
    /// policies' `[advisories] db`).
    #[arg(long, value_name = "PATH-or-URL")]
    pub advisory_db: Vec<String>,
    /// Do not check for known vulnerabilities (nor yanked crate releases).
    #[arg(long, conflicts_with = "advisory_db")]
    pub no_advisories: bool,
    /// A PEM file of CA certificates to trust besides the system's, for the forge's API,
    /// git over HTTPS and registries (repeatable).
    #[arg(long, value_name = "PEM")]
    pub ca_certificates: Vec<PathBuf>,
}

pub fn run(args: &ScanArgs, quiet: bool) -> u8 {
    match scan_inner(args, quiet) {
        Ok(code) => code,
        Err(message) => {
            print_error(message);
            EXIT_INPUT
        }
    }
}

fn scan_inner(args: &ScanArgs, quiet: bool) -> Result<u8, String> {
    if args.sources.is_empty() && args.gitlab_group.is_empty() && args.github_org.is_empty() {
        return Err("nothing to scan: give folders of checkouts or list files, \
                    --gitlab-group or --github-org"
            .to_string());
    }
    let shard = choose_shard(args.shard.as_deref())?;
    // The forge's API and git: as index commands reach their servers.
    let http = super::http_of_working_directory(args.offline, &args.ca_certificates);
    let forge_options = ForgeOptions {
        http: http.clone(),
        include_archived: args.include_archived,
        protocol: args.clone_protocol,
    };
    let mut listing = Listing::default();
    let mut credentials = Vec::new();
    for source in &args.sources {
        let meta = std::fs::metadata(source).map_err(|e| format!("{}: {e}", source.display()))?;
        listing.extend(if meta.is_dir() {
            listing::folder(source)?
        } else {
            listing::list_file(source)?
        });
    }
    if !args.gitlab_group.is_empty() {
        let api = args.gitlab_url.as_deref().ok_or(
            "--gitlab-group needs GitLab's API: --gitlab-url https://HOST/api/v4 (in GitLab CI, \
             CI_API_V4_URL is set)",
        )?;
        let token = non_empty("GITLAB_TOKEN")
            .map(GitlabToken::Private)
            .or_else(|| non_empty("CI_JOB_TOKEN").map(GitlabToken::Job));
        for group in &args.gitlab_group {
            let found = forge::gitlab(api, group, token.as_ref(), &forge_options)?;
            credentials.extend(found.credentials);
            listing.extend(found.listing);
        }
    }
    if !args.github_org.is_empty() {
        let api = args.github_url.as_deref().ok_or(
            "--github-org needs GitHub's API: --github-url URL (in GitHub Actions, \
             GITHUB_API_URL is set)",
        )?;
        let token = non_empty("GITHUB_TOKEN");
        for owner in &args.github_org {
            let found = forge::github(api, owner, token.as_deref(), &forge_options)?;
            credentials.extend(found.credentials);
            listing.extend(found.listing);
        }
    }

    let audit = audit_options(args);
    let mut git_http = http;
    git_http.credentials.extend(credentials);
    let options = ScanOptions {
        git: crate::source::git::GitOptions {
            offline: args.offline,
            http: git_http,
            depth: (args.depth > 0).then_some(args.depth),
            ..Default::default()
        },
        settings: ScanSettings {
            policy: args
                .policy
                .clone()
                .unwrap_or_else(|| "automatic".to_string()),
            offline: args.offline,
            registry_lookups: !args.no_registry,
            detect: format!("{:?}", args.detect).to_lowercase(),
        },
        audit,
        output: args.output.clone(),
        shard: shard.clone(),
        clone_jobs: args.clone_jobs.max(1),
        repository_jobs: args
            .repository_jobs
            .unwrap_or_else(|| std::thread::available_parallelism().map_or(2, |n| n.get()))
            .max(1),
        reuse: !args.rescan && !args.no_cache,
        today: jiff::Zoned::now().date(),
    };
    let mine = listing
        .repositories
        .iter()
        .filter(|r| shard.shard.owns(&r.id))
        .count();
    if !quiet {
        eprintln!(
            "scanning shard {} ({}): {mine} of {}{}",
            shard.shard,
            shard.origin,
            crate::plural::count(listing.repositories.len(), "repository", "repositories"),
            if listing.skipped.is_empty() {
                String::new()
            } else {
                format!(
                    ", {} not scanned (archived, empty, disabled)",
                    listing.skipped.len()
                )
            }
        );
        for note in &listing.notes {
            eprintln!("note: {}", plain(note));
        }
    }
    let log = |result: &RepositoryResult| {
        if quiet {
            return;
        }
        let detail = match (&result.audit, &result.error) {
            (Some(a), _) => format!(
                "{}, {}, {} denied",
                a.outcome,
                crate::plural::count(a.packages, "component", "components"),
                a.violations()
            ),
            (None, Some(e)) => e.clone(),
            (None, None) => String::new(),
        };
        eprintln!(
            "{:>8} {}: {}",
            result.status.as_str(),
            plain(&result.repository.name),
            plain(&detail)
        );
    };
    let outcome = run::scan(&listing, &options, &log)?;
    let failed = outcome.count(RunStatus::Failed);
    if !quiet {
        eprintln!(
            "shard {}: {} audited, {} reused (unchanged), {} failed; results in {}",
            shard.shard,
            outcome.count(RunStatus::Audited),
            outcome.count(RunStatus::Reused),
            failed,
            args.output.display()
        );
    }
    Ok(if failed > 0 { EXIT_INPUT } else { 0 })
}

fn non_empty(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

fn choose_shard(flag: Option<&str>) -> Result<ShardChoice, String> {
    if let Some(text) = flag {
        return Ok(ShardChoice {
            shard: Shard::parse(text).map_err(|e| format!("--shard: {e}"))?,
            origin: format!("--shard {text}"),
        });
    }
    Ok(
        shard::from_environment(|name| std::env::var(name).ok())?.unwrap_or(ShardChoice {
            shard: Shard::ALL,
            origin: "one job for the whole portfolio".to_string(),
        }),
    )
}

fn audit_options(args: &ScanArgs) -> AuditOptions {
    let registries = (args.jobs.is_some() || !args.ca_certificates.is_empty()).then(|| {
        crate::registry::config::RegistrySettings {
            parallelism: args.jobs,
            ca_certificates: args.ca_certificates.clone(),
            ..Default::default()
        }
    });
    AuditOptions {
        policy: match &args.policy {
            Some(p) => PolicyChoice::Named(p.clone()),
            None => PolicyChoice::Automatic,
        },
        offline: args.offline,
        detect: args.detect,
        cache_dir: if args.no_cache {
            None
        } else {
            cache_dir(args.cache_dir.as_ref())
        },
        registry_lookups: !args.no_registry,
        registries,
        advisories: crate::advisory::Settings {
            db: args
                .advisory_db
                .iter()
                .map(|l| crate::advisory::sources::DbEntry::new(l))
                .collect(),
            disabled: args.no_advisories,
            base_dir: Some(crate::advisory::current_dir()),
        },
        ..Default::default()
    }
}
