//! `fundament audit`

use super::{Cli, EXIT_INPUT, cache_dir, colour_stdout, print_error};
use crate::audit::{AuditOptions, PolicyChoice};
use crate::licence::DetectMode;
use crate::progress::Progress;
use crate::report::{self, Format};
use clap::Args;
use std::path::PathBuf;

#[derive(Debug, Args)]
pub struct AuditArgs {
    /// The directory to audit; every project below it is found. Default: the current
    /// directory, unless only --sbom is given.
    pub path: Option<PathBuf>,
    /// Audit an SBOM (CycloneDX 1.2–1.7 JSON or XML, SPDX 2.2/2.3 JSON or tag-value) as a
    /// project of its own: how fundament audits ecosystems it cannot read itself. Repeatable.
    #[arg(long, value_name = "FILE")]
    pub sbom: Vec<PathBuf>,
    /// A policy file, or the name of a built-in preset (public-sector-default,
    /// permissive-only). Default: fundament.toml in the audited directory, else
    /// public-sector-default.
    #[arg(long, value_name = "FILE|PRESET")]
    pub policy: Option<String>,
    /// The report format.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub format: Format,
    /// Write the report to FILE instead of stdout.
    #[arg(long, short, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Use no network: cargo runs with --offline, and what needs the network is reported as
    /// unresolved.
    #[arg(long)]
    pub offline: bool,
    /// When to identify licence texts: only where the metadata does not settle the licence, or
    /// for every package (to cross-check declared licences against the files).
    #[arg(long, value_enum, default_value_t = DetectMode::Needed)]
    pub detect: DetectMode,
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
    /// Registry look-ups in flight at once (default 16, or `[registries] parallelism`).
    #[arg(long, value_name = "N")]
    pub jobs: Option<usize>,
}

pub fn run(cli: &Cli, args: &AuditArgs) -> u8 {
    let options = AuditOptions {
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
        cargo: None,
        today: None,
        sbom: args.sbom.clone(),
        registry_lookups: !args.no_registry,
        registries: args
            .jobs
            .map(|jobs| crate::registry::config::RegistrySettings {
                parallelism: Some(jobs),
                ..Default::default()
            }),
        homes: None,
        scan_tree: args.path.is_some() || args.sbom.is_empty(),
    };
    // With only --sbom, the report is rooted where the (first) SBOM is.
    let path = match (&args.path, args.sbom.first()) {
        (Some(path), _) => path.clone(),
        (None, Some(sbom)) => sbom
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .map(PathBuf::from)
            .unwrap_or_else(|| PathBuf::from(".")),
        (None, None) => PathBuf::from("."),
    };
    let progress = Progress::stderr(cli.quiet);
    let result = crate::audit::run(&path, &options, &progress);
    progress.finish();
    let audit = match result {
        Ok(audit) => audit,
        Err(err) => {
            print_error(err);
            return EXIT_INPUT;
        }
    };
    let colour = args.output.is_none() && colour_stdout(cli.color);
    let text = report::render(&audit, args.format, colour);
    match &args.output {
        Some(path) => {
            if let Err(err) = std::fs::write(path, text) {
                print_error(format!("cannot write {}: {err}", path.display()));
                return EXIT_INPUT;
            }
        }
        None => {
            use std::io::Write as _;
            let mut stdout = std::io::stdout().lock();
            // A closed pipe (`| head`) is not an error worth a message.
            let _ = stdout.write_all(text.as_bytes());
            let _ = stdout.flush();
        }
    }
    audit.exit_code() as u8
}
