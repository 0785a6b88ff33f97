//! `fundament policy`: check, explain and import policies.

use super::{EXIT_INPUT, print_error};
use crate::audit::{self, AuditOptions, PolicyChoice};
use crate::licence::obligations::Lang;
use crate::policy::compat::UseMode;
use crate::policy::{Policy, explain, import};
use crate::progress::Progress;
use clap::{Args, Subcommand};
use std::path::PathBuf;

#[derive(Debug, Subcommand)]
pub enum PolicyCommand {
    /// Validate a policy file: unknown keys, unknown licence ids and missing fields are errors
    /// with their line.
    Check {
        /// The policy file.
        file: PathBuf,
    },
    /// Explain a licence (an SPDX expression or a licence name) or a package (a purl from the
    /// audit of PATH): its category, OSI/FSF status, obligations in plain language, the
    /// policy's decision, and its compatibility with the project's licence.
    Explain(ExplainArgs),
    /// Convert a cargo-deny deny.toml (licenses section, versions 1 and 2) or a LicenseFinder
    /// dependency_decisions.yml into a fundament policy, listing what could not be carried over.
    Import {
        /// The file to convert.
        file: PathBuf,
        /// Write the policy to FILE instead of stdout.
        #[arg(long, short, value_name = "FILE")]
        output: Option<PathBuf>,
    },
}

#[derive(Debug, Args)]
pub struct ExplainArgs {
    /// A licence expression or name (`MIT`, `GPLv2+`, `Apache-2.0 OR MIT`), or a package's purl.
    pub what: String,
    /// The policy (file or preset); default as for `audit`.
    #[arg(long, value_name = "FILE|PRESET")]
    pub policy: Option<String>,
    /// The project's own licence to check compatibility against (default: the policy's
    /// `[project] licence`, else the licence stated in PATH).
    #[arg(long, value_name = "EXPRESSION")]
    pub outbound: Option<String>,
    /// How the project is used (default: the policy's `[project] use`).
    #[arg(long = "use", value_enum, value_name = "USE")]
    pub use_mode: Option<UseMode>,
    /// The project directory: for a purl, the package is looked up in its audit; for a licence,
    /// its stated licence is the default outbound licence.
    #[arg(long, default_value = ".")]
    pub path: PathBuf,
    /// The language of the explanation (text format): facts, obligations, decisions and
    /// compatibility reasons.
    #[arg(long, value_enum, default_value_t = Lang::En)]
    pub lang: Lang,
    /// Output format.
    #[arg(long, value_enum, default_value_t = ExplainFormat::Human)]
    pub format: ExplainFormat,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ExplainFormat {
    Human,
    Json,
}

pub fn run(command: &PolicyCommand) -> u8 {
    match command {
        PolicyCommand::Check { file } => check(file),
        PolicyCommand::Explain(args) => explain_command(args),
        PolicyCommand::Import { file, output } => import_command(file, output.as_ref()),
    }
}

fn check(file: &std::path::Path) -> u8 {
    let display = file.display().to_string();
    match Policy::load(file, &display) {
        Ok(policy) => {
            let count = |d: crate::policy::Decision| {
                policy.rules.iter().filter(|r| r.decision == d).count()
            };
            crate::safe_println!(
                "{display}: valid policy `{}`: {} allow, {} review, {}; unknown licences: {}; {}, {}",
                policy.name,
                count(crate::policy::Decision::Allow),
                count(crate::policy::Decision::Review),
                crate::plural::count(
                    count(crate::policy::Decision::Deny),
                    "deny rule",
                    "deny rules"
                ),
                policy.unknown,
                crate::plural::count(policy.exceptions.len(), "exception", "exceptions"),
                crate::plural::count(
                    policy.clarifications.len(),
                    "clarification",
                    "clarifications"
                )
            );
            if let Some(mode) = policy.use_mode {
                crate::safe_println!(
                    "  compatibility checked for `{mode}` use against {}",
                    policy
                        .outbound
                        .as_deref()
                        .unwrap_or("the licence stated in the audited project")
                );
            }
            let today = jiff::Zoned::now().date();
            for e in &policy.exceptions {
                if let Some(date) = e.expires
                    && date < today
                {
                    crate::safe_println!(
                        "  warning: the exception for {} ({}) expired on {date}",
                        e.spec,
                        e.source
                    );
                }
            }
            0
        }
        Err(err) => {
            print_error(err);
            EXIT_INPUT
        }
    }
}

fn explain_command(args: &ExplainArgs) -> u8 {
    let choice = match &args.policy {
        Some(p) => PolicyChoice::Named(p.clone()),
        None => PolicyChoice::Automatic,
    };
    let root = match crate::source::local(&args.path) {
        Ok(root) => root,
        Err(err) => {
            print_error(err);
            return EXIT_INPUT;
        }
    };
    let policy = match audit::load_policy(&root, &choice) {
        Ok(p) => p,
        Err(err) => {
            print_error(err);
            return EXIT_INPUT;
        }
    };
    let use_mode = args.use_mode.or(policy.use_mode);

    let (what, detected_outbound, package_line) = if args.what.starts_with("pkg:") {
        let options = AuditOptions {
            policy: choice,
            ..AuditOptions::default()
        };
        let audit = match audit::run(&root, &options, &Progress::stderr(false)) {
            Ok(a) => a,
            Err(err) => {
                print_error(err);
                return EXIT_INPUT;
            }
        };
        let Some(found) = audit.packages.iter().find(|p| p.package.purl == args.what) else {
            print_error(format!(
                "{} is not a package of the audit of {}",
                args.what,
                root.display()
            ));
            return EXIT_INPUT;
        };
        let line = format!(
            "{}\n\n",
            crate::report::escape::line(&format!(
                "{} {}: licence {} ({})",
                found.package.name,
                found.package.version,
                found.licence.concluded.expression,
                found.licence.concluded.explanation
            ))
        );
        (
            found.licence.concluded.expression.clone(),
            audit.project_licence.expression.clone(),
            Some(line),
        )
    } else {
        (args.what.clone(), stated_licence(&root), None)
    };
    let outbound = args
        .outbound
        .clone()
        .or_else(|| policy.outbound.clone())
        .or(detected_outbound);
    match explain::explain(&what, &policy, outbound.as_deref(), use_mode, args.lang) {
        Ok(explanation) => {
            match args.format {
                ExplainFormat::Json => match serde_json::to_string_pretty(&explanation) {
                    Ok(json) => println!("{json}"),
                    Err(err) => {
                        print_error(err);
                        return super::EXIT_INTERNAL;
                    }
                },
                ExplainFormat::Human => {
                    if let Some(line) = package_line {
                        print!("{line}");
                    }
                    print!("{}", explain::render(&explanation, args.lang));
                }
            }
            0
        }
        Err(message) => {
            print_error(message);
            EXIT_INPUT
        }
    }
}

/// The licence stated at `root` by publiccode.yml, REUSE or licence files (no project is read).
fn stated_licence(root: &std::path::Path) -> Option<String> {
    let cache = crate::licence::detect::DetectionCache::new(super::cache_dir(None).as_deref());
    let (licence, _) = crate::licence::project::project_licence(
        root,
        &crate::model::Graph::default(),
        &[],
        &cache,
    );
    licence.expression
}

fn import_command(file: &std::path::Path, output: Option<&PathBuf>) -> u8 {
    let display = file.display().to_string();
    let imported = match import::import(file, &display) {
        Ok(i) => i,
        Err(err) => {
            print_error(err);
            return EXIT_INPUT;
        }
    };
    match output {
        Some(path) => {
            if let Err(err) = std::fs::write(path, &imported.policy) {
                print_error(format!("cannot write {}: {err}", path.display()));
                return EXIT_INPUT;
            }
        }
        None => print!("{}", imported.policy),
    }
    crate::safe_eprintln!("converted {display} ({})", imported.format);
    if imported.not_carried.is_empty() {
        crate::safe_eprintln!("everything was carried over");
    } else {
        crate::safe_eprintln!("not carried over ({}):", imported.not_carried.len());
        for note in &imported.not_carried {
            crate::safe_eprintln!("  - {note}");
        }
    }
    0
}
