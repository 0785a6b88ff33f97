//! `fundament merge`: the shards' outputs combined into one portfolio result, and its reports.

use super::{EXIT_INPUT, print_error};
use crate::licence::obligations::Lang;
use crate::portfolio::human::plain;
use crate::portfolio::merged::{PORTFOLIO_SCHEMA, Portfolio};
use crate::portfolio::{changes, html, human, merge};
use clap::{Args, ValueEnum};
use std::path::{Path, PathBuf};

/// Output formats of the portfolio.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum PortfolioFormat {
    /// The portfolio result (fundament.portfolio/1, docs/portfolio.md).
    Json,
    /// The portfolio report as one self-contained HTML file.
    Html,
    /// A summary for the terminal.
    Human,
}

#[derive(Debug, Args)]
pub struct MergeArgs {
    /// Output folders of `fundament scan` (or shard-I-of-N.json files in them); or one
    /// portfolio result, to report it again.
    #[arg(required = true, value_name = "DIR|FILE")]
    pub inputs: Vec<PathBuf>,
    /// A previous portfolio result: report what changed since.
    #[arg(long, value_name = "FILE")]
    pub since: Option<PathBuf>,
    #[arg(long, value_enum, default_value_t = PortfolioFormat::Json)]
    pub format: PortfolioFormat,
    /// Write to FILE instead of stdout.
    #[arg(long, short, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Also write the HTML portfolio report to FILE.
    #[arg(long, value_name = "FILE")]
    pub html: Option<PathBuf>,
    /// The language of the HTML report.
    #[arg(long, value_enum, default_value_t = Lang::En)]
    pub lang: Lang,
}

pub fn run(args: &MergeArgs, quiet: bool) -> u8 {
    let portfolio = match load(&args.inputs) {
        Ok(p) => p,
        Err(message) => {
            print_error(message);
            return EXIT_INPUT;
        }
    };
    let mut portfolio = portfolio;
    if let Some(since) = &args.since {
        match Portfolio::read(since) {
            Ok(previous) => portfolio.changes = Some(changes::between(&previous, &portfolio)),
            Err(message) => {
                print_error(format!("--since: {message}"));
                return EXIT_INPUT;
            }
        }
    }
    let text = match args.format {
        PortfolioFormat::Json => json(&portfolio),
        PortfolioFormat::Html => html::render(&portfolio, args.lang),
        PortfolioFormat::Human => human::render(&portfolio),
    };
    if let Err(code) = super::input::write_output(args.output.as_ref(), &text) {
        return code;
    }
    if let Some(path) = &args.html {
        let page = html::render(&portfolio, args.lang);
        if let Err(code) = super::input::write_output(Some(path), &page) {
            return code;
        }
    }
    if !quiet && (args.format != PortfolioFormat::Human || args.output.is_some()) {
        let s = &portfolio.summary;
        eprintln!(
            "portfolio: {} — {} ({}), {}; {}, {}",
            s.outcome,
            crate::plural::count(s.repositories, "repository", "repositories"),
            s.by_outcome
                .iter()
                .map(|(k, v)| format!("{v} {k}"))
                .collect::<Vec<_>>()
                .join(", "),
            crate::plural::count(s.components, "component", "components"),
            crate::plural::count(s.errors, "error", "errors"),
            crate::plural::count(s.warnings, "warning", "warnings"),
        );
        for f in portfolio.findings.iter().filter(|f| f.severity != "note") {
            eprintln!("{}[{}]: {}", f.severity, f.code, plain(&f.message));
        }
    }
    portfolio.exit_code()
}

/// A portfolio from `merge`'s inputs: one portfolio result read as it is, or scan outputs
/// merged.
pub(super) fn load(inputs: &[PathBuf]) -> Result<Portfolio, String> {
    if let [single] = inputs
        && single.is_file()
        && is_portfolio(single)
    {
        return Portfolio::read(single);
    }
    merge::merge(inputs)
}

fn is_portfolio(path: &Path) -> bool {
    // The schema is near the top: no need to parse a large file twice to know.
    std::fs::File::open(path)
        .ok()
        .and_then(|f| {
            use std::io::Read as _;
            let mut head = vec![0u8; 256];
            let n = f.take(256).read(&mut head).ok()?;
            Some(String::from_utf8_lossy(&head[..n]).contains(PORTFOLIO_SCHEMA))
        })
        .unwrap_or(false)
}

fn json(portfolio: &Portfolio) -> String {
    let mut text = serde_json::to_string_pretty(portfolio).unwrap_or_default();
    text.push('\n');
    text
}
