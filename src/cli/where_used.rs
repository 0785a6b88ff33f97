//! `fundament where-used`: which repositories of a portfolio use a component or a licence.

use super::{EXIT_INPUT, print_error};
use crate::portfolio::human;
use crate::portfolio::where_used::{self, Query, QueryKind};
use clap::{Args, ValueEnum};
use std::path::PathBuf;

#[derive(Debug, Args)]
pub struct WhereUsedArgs {
    /// A purl (`pkg:npm/lodash@4.17.20`; without a version: any version), a licence
    /// (`GPL-3.0-only`, `NOASSERTION`) or a package name.
    #[arg(value_name = "PURL|LICENCE|NAME")]
    pub query: String,
    /// The portfolio: a result of `fundament merge`, or scan output folders to merge.
    #[arg(value_name = "PORTFOLIO", default_value = "portfolio.json")]
    pub portfolio: Vec<PathBuf>,
    /// Read the question as a licence, or as a package name (default: a purl, else an SPDX
    /// licence, else a name).
    #[arg(long = "as", value_enum, default_value_t = QueryKind::Auto)]
    pub kind: QueryKind,
    #[arg(long, value_enum, default_value_t = AnswerFormat::Human)]
    pub format: AnswerFormat,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum AnswerFormat {
    Human,
    Json,
}

/// Exit codes: 0 used somewhere, 1 used nowhere, 2 bad input.
pub fn run(args: &WhereUsedArgs) -> u8 {
    let query = match Query::parse(&args.query, args.kind) {
        Ok(q) => q,
        Err(message) => {
            print_error(message);
            return EXIT_INPUT;
        }
    };
    let portfolio = match super::merge::load(&args.portfolio) {
        Ok(p) => p,
        Err(message) => {
            print_error(message);
            return EXIT_INPUT;
        }
    };
    let answer = where_used::find(&portfolio, &query);
    let text = match args.format {
        AnswerFormat::Human => human::render_answer(&answer),
        AnswerFormat::Json => {
            let mut t = serde_json::to_string_pretty(&answer).unwrap_or_default();
            t.push('\n');
            t
        }
    };
    if let Err(code) = super::input::write_output(None, &text) {
        return code;
    }
    if answer.components.is_empty() { 1 } else { 0 }
}
