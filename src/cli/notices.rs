//! `fundament notices`: audits a tree as `fundament audit` does and writes the third-party
//! attribution file (src/report/notices.rs).

use super::input::{InputArgs, write_output};
use super::{Cli, EXIT_INPUT, print_error};
use crate::audit::Outcome;
use crate::licence::DetectMode;
use crate::licence::obligations::Lang;
use crate::report::notices::{self, NoticesFormat};
use clap::Args;
use std::path::PathBuf;

#[derive(Debug, Args)]
pub struct NoticesArgs {
    /// What to audit and how (the policy decides which components are checked, and so
    /// listed, and which licence of an OR choice is used).
    #[command(flatten)]
    pub input: InputArgs,
    /// The format of the file.
    #[arg(long, value_enum, default_value_t = NoticesFormat::Text)]
    pub format: NoticesFormat,
    /// The language of the headings and explanations (licence texts stay as written).
    #[arg(long, value_enum, default_value_t = Lang::En)]
    pub lang: Lang,
    /// Write the file to FILE instead of stdout.
    #[arg(long, short, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Which packages' licence files to read. The default, `all`, reads every package's
    /// licence files, which is where the copyright notices are; `needed` reads them only
    /// where the metadata does not settle the licence (faster, fewer copyright notices).
    #[arg(long, value_enum, default_value_t = DetectMode::All)]
    pub detect: DetectMode,
    /// List development and test tools too. By default the file lists the components
    /// delivered with the product: those whose usage the policy's `[dependencies]` checks in
    /// full (`include`).
    #[arg(long)]
    pub include_tools: bool,
}

/// Exit code 0 when the file was written, 2 when input could not be read (the file is still
/// written, for what was read) or the audit could not run.
pub fn run(cli: &Cli, args: &NoticesArgs) -> u8 {
    let mut audit = match args
        .input
        .audit(cli, args.detect, super::input::Audience::Developers)
    {
        Ok(audit) => audit,
        Err(code) => return code,
    };
    if args.include_tools {
        // Every checked package is listed as if delivered; skipped ones stay out.
        for p in &mut audit.packages {
            p.verdict.delivered |= p.verdict.status != crate::policy::evaluate::Status::Skipped;
        }
    }
    let text = notices::render(&audit, args.format, args.lang);
    if let Err(code) = write_output(args.output.as_ref(), &text) {
        return code;
    }
    if audit.summary.outcome == Outcome::Incomplete {
        super::input::report_input_problems(&audit);
        print_error(
            "some input could not be read (run `fundament audit` for the findings): the notices cover only what was read",
        );
        return EXIT_INPUT;
    }
    0
}
