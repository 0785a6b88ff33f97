//! `fundament audit`

use super::input::{InputArgs, report_input_problems, write_output};
use super::{Cli, colour_stdout};
use crate::licence::DetectMode;
use crate::licence::obligations::Lang;
use crate::report::{self, Format};
use clap::Args;
use std::path::PathBuf;

#[derive(Debug, Args)]
pub struct AuditArgs {
    #[command(flatten)]
    pub input: InputArgs,
    /// The report format.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub format: Format,
    /// The language of the human, Markdown and HTML reports (JSON, SARIF and the SBOMs are
    /// always English); the German terms follow docs/glossary.md.
    #[arg(long, value_enum, default_value_t = Lang::En)]
    pub lang: Lang,
    /// Write the report to FILE instead of stdout.
    #[arg(long, short, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// When to identify licence texts: only where the metadata does not settle the licence, or
    /// for every package (to cross-check declared licences against the files).
    #[arg(long, value_enum, default_value_t = DetectMode::Needed)]
    pub detect: DetectMode,
    /// Where docs/diagnostics.md is published (an absolute http(s) URL, such as
    /// https://docs.example/fundament/diagnostics.md): each SARIF rule's `helpUri` is this
    /// address and its code's anchor. Without it, SARIF rules have no `helpUri`.
    #[arg(long, value_name = "URL", env = "FUNDAMENT_DOCS_URL")]
    pub docs_url: Option<report::sarif::DocsUrl>,
}

pub fn run(cli: &Cli, args: &AuditArgs) -> u8 {
    // The procurement reports are read by someone judging the audited party's code: the
    // audited tree's own policy decides only when they opt in (--repo-policy).
    let audience = match args.format {
        Format::Html | Format::Markdown => super::input::Audience::Auditor,
        _ => super::input::Audience::Developers,
    };
    let audit = match args.input.audit(cli, args.detect, audience) {
        Ok(audit) => audit,
        Err(code) => return code,
    };
    let options = report::RenderOptions {
        colour: args.output.is_none() && colour_stdout(cli.color),
        lang: args.lang,
        docs_url: args.docs_url.clone(),
    };
    let text = report::render(&audit, args.format, &options);
    if let Err(code) = write_output(args.output.as_ref(), &text) {
        return code;
    }
    report_input_problems(&audit, args.lang);
    audit.exit_code() as u8
}
