//! `fundament notices`: audits a tree as `fundament audit` does and writes the third-party
//! attribution file (src/report/notices.rs).

use super::{Cli, EXIT_INPUT, cache_dir, print_error};
use crate::audit::{AuditOptions, Outcome, PolicyChoice};
use crate::licence::DetectMode;
use crate::licence::obligations::Lang;
use crate::progress::Progress;
use crate::report::notices::{self, NoticesFormat};
use clap::Args;
use std::path::PathBuf;

#[derive(Debug, Args)]
pub struct NoticesArgs {
    /// The directory to audit; every project below it is found. Default: the current
    /// directory, unless only --sbom is given.
    pub path: Option<PathBuf>,
    /// Audit an SBOM as a project of its own (as `fundament audit --sbom`). Repeatable.
    #[arg(long, value_name = "FILE")]
    pub sbom: Vec<PathBuf>,
    /// A policy file, or the name of a built-in preset. The policy decides which components
    /// are checked (and so listed) and which licence of an OR choice is used. Default:
    /// fundament.toml in the audited directory, else public-sector-default.
    #[arg(long, value_name = "FILE|PRESET")]
    pub policy: Option<String>,
    /// The format of the file.
    #[arg(long, value_enum, default_value_t = NoticesFormat::Text)]
    pub format: NoticesFormat,
    /// The language of the headings and explanations (licence texts stay as written).
    #[arg(long, value_enum, default_value_t = Lang::En)]
    pub lang: Lang,
    /// Write the file to FILE instead of stdout.
    #[arg(long, short, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Use no network: cargo runs with --offline, and what needs the network is reported as
    /// unresolved.
    #[arg(long)]
    pub offline: bool,
    /// Which packages' licence files to read. The default, `all`, reads every package's
    /// licence files, which is where the copyright notices are; `needed` reads them only
    /// where the metadata does not settle the licence (faster, fewer copyright notices).
    #[arg(long, value_enum, default_value_t = DetectMode::All)]
    pub detect: DetectMode,
    /// fundament's cache directory (default: $FUNDAMENT_CACHE_DIR, else the user cache dir).
    #[arg(long, value_name = "DIR")]
    pub cache_dir: Option<PathBuf>,
    /// Do not read or write the cache.
    #[arg(long)]
    pub no_cache: bool,
}

/// Exit code 0 when the file was written, 2 when input could not be read (the file is still
/// written, for what was read) or the audit could not run.
pub fn run(cli: &Cli, args: &NoticesArgs) -> u8 {
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
        scan_tree: args.path.is_some() || args.sbom.is_empty(),
    };
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
    let text = notices::render(&audit, args.format, args.lang);
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
            let _ = stdout.write_all(text.as_bytes());
            let _ = stdout.flush();
        }
    }
    if audit.summary.outcome == Outcome::Incomplete {
        print_error(
            "some input could not be read (run `fundament audit` for the findings): the notices cover only what was read",
        );
        return EXIT_INPUT;
    }
    0
}
