//! The command line: clap definitions and one file per subcommand; thin glue only.

mod audit;
mod detect;
mod index;
mod input;
mod notices;
mod policy;

use clap::{Parser, Subcommand, ValueEnum};
use std::io::IsTerminal;
use std::path::PathBuf;

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

/// Prints an error that stops the command, in the same style as findings.
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
    eprintln!("{head}: {message}");
}
