//! The command line: clap definitions and one file per subcommand; thin glue only.

mod audit;
mod detect;
mod index;
mod input;
mod merge;
mod notices;
mod policy;
mod scan;
mod where_used;

use clap::{Parser, Subcommand, ValueEnum};
use std::io::IsTerminal;
use std::path::PathBuf;

/// Exit code for policy violations (and, for `notices --strict`, shortfalls of the notices).
pub const EXIT_VIOLATIONS: u8 = 1;
/// Exit code for bad input or usage.
pub const EXIT_INPUT: u8 = 2;
/// Exit code for an internal failure (a bug).
pub const EXIT_INTERNAL: u8 = 3;

#[derive(Debug, Parser)]
#[command(
    name = "fundament",
    version,
    about = "Audit what your software depends on, under which licences, against an open-source policy",
    long_about = None,
    after_help = "Exit codes: 0 no violations, 1 policy violations, 2 bad input or usage, 3 internal failure."
)]
pub struct Cli {
    /// No progress output on stderr.
    #[arg(long, short, global = true)]
    pub quiet: bool,
    /// When to colour the human report.
    #[arg(long, value_enum, default_value_t = ColourChoice::Auto, global = true, value_name = "WHEN")]
    pub color: ColourChoice,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColourChoice {
    /// Colour when writing to a terminal and NO_COLOR is not set.
    Auto,
    Always,
    Never,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Audit the dependencies and licences of every project in a directory.
    Audit(audit::AuditArgs),
    /// Check, explain and import policies.
    #[command(subcommand)]
    Policy(policy::PolicyCommand),
    /// Write the third-party attribution file: components by licence, copyright notices and
    /// full licence texts.
    Notices(notices::NoticesArgs),
    /// Publish, verify and read indices of vetted components.
    #[command(subcommand)]
    Index(index::IndexCommand),
    /// Audit every repository of a portfolio (folders of checkouts, lists of git URLs, a
    /// GitLab group, a GitHub organisation), or this job's shard of it.
    Scan(scan::ScanArgs),
    /// Combine the outputs of `scan` shards into one portfolio result and report it.
    Merge(merge::MergeArgs),
    /// Which repositories of a portfolio use a component (purl) or a licence.
    WhereUsed(where_used::WhereUsedArgs),
    /// Detect the licences that files state: expression, matched lines, score and rule per
    /// match.
    Detect(detect::DetectArgs),
}

/// Parses the command line, runs the command, and returns the exit code.
pub fn main() -> u8 {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(err) => {
            let _ = err.print();
            return match err.kind() {
                clap::error::ErrorKind::DisplayHelp | clap::error::ErrorKind::DisplayVersion => 0,
                _ => EXIT_INPUT,
            };
        }
    };
    match &cli.command {
        Command::Audit(args) => audit::run(&cli, args),
        Command::Policy(command) => policy::run(command),
        Command::Notices(args) => notices::run(&cli, args),
        Command::Index(command) => index::run(command, cli.quiet),
        Command::Scan(args) => scan::run(args, cli.quiet),
        Command::Merge(args) => merge::run(args, cli.quiet),
        Command::WhereUsed(args) => where_used::run(args),
        Command::Detect(args) => detect::run(args),
    }
}

/// Whether to colour output that goes to stdout.
fn colour_stdout(choice: ColourChoice) -> bool {
    match choice {
        ColourChoice::Always => true,
        ColourChoice::Never => false,
        ColourChoice::Auto => {
            std::io::stdout().is_terminal()
                && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
        }
    }
}

/// fundament's cache directory: `--cache-dir`, else `$FUNDAMENT_CACHE_DIR`, else the user's
/// cache directory.
fn cache_dir(explicit: Option<&PathBuf>) -> Option<PathBuf> {
    explicit
        .cloned()
        .or_else(|| std::env::var_os("FUNDAMENT_CACHE_DIR").map(PathBuf::from))
        .or_else(|| dirs::cache_dir().map(|d| d.join("fundament")))
}

/// The HTTP settings of commands that reach servers outside an audit (indices, forges, git):
/// `[registries]` of ./fundament.toml (CA certificates, timeout, retries), as the audit uses
/// them, and extra CA certificates from the command line.
fn http_of_working_directory(
    offline: bool,
    ca_certificates: &[PathBuf],
) -> crate::registry::http::HttpOptions {
    let cwd = std::env::current_dir().unwrap_or_default();
    let mut options = crate::registry::http::HttpOptions {
        offline,
        ..Default::default()
    };
    let settings = crate::source::confined::read_text_bounded(
        &cwd.join(crate::policy::POLICY_FILE),
        crate::source::confined::Limit::POLICY,
    )
    .ok()
    .and_then(|text| toml::from_str::<toml::Table>(&text).ok())
    .and_then(|table| table.get("registries").cloned())
    .and_then(|value| {
        value
            .try_into::<crate::registry::config::RegistrySettings>()
            .ok()
    });
    if let Some(settings) = settings {
        options
            .ca_certificates
            .extend(settings.ca_certificates.iter().map(|p| cwd.join(p)));
        if let Some(seconds) = settings.timeout {
            options.timeout = std::time::Duration::from_secs_f64(seconds.max(0.01));
            options.connect_timeout = options.connect_timeout.min(options.timeout);
        }
        if let Some(retries) = settings.retries {
            options.retries = retries;
        }
    }
    options
        .ca_certificates
        .extend(ca_certificates.iter().cloned());
    options
}

/// Prints an error that stops the command, in the same style as findings. The message is
/// escaped: it names files and values of the input.
fn print_error(message: impl std::fmt::Display) {
    let colour = std::io::stderr().is_terminal()
        && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty());
    let head = if colour {
        let style = anstyle::AnsiColor::Red
            .on_default()
            .effects(anstyle::Effects::BOLD);
        format!("{}error{}", style.render(), style.render_reset())
    } else {
        "error".to_string()
    };
    eprintln!(
        "{head}: {}",
        crate::report::escape::line(&message.to_string())
    );
}
