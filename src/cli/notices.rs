//! `fundament notices`: audits a tree as `fundament audit` does and writes the third-party
//! attribution file (src/report/notices.rs).

use super::input::{InputArgs, write_output};
use super::{Cli, EXIT_INPUT, EXIT_VIOLATIONS, print_error};
use crate::audit::Outcome;
use crate::licence::DetectMode;
use crate::licence::obligations::Lang;
use crate::report::notices::{self, NoticesFormat};
use clap::Args;
use std::io::Write as _;
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
    /// Also list the components that are not delivered (used only to build, test or develop
    /// the software). By default the file lists what ships.
    #[arg(long, alias = "include-tools")]
    pub all_scopes: bool,
    /// Fail (exit code 1) when a listed component has no copyright notice (N001) or ships no
    /// licence text of its own (N002). Without it these are warnings.
    #[arg(long)]
    pub strict: bool,
}

/// How many shortfalls of each code are printed; the notices file marks every one.
const SHOWN_PER_CODE: usize = 20;

/// Exit code 0 when the file was written, 1 with `--strict` when a component lacks a copyright
/// notice or a licence text of its own, 2 when input could not be read (the file is still
/// written, for what was read) or the audit could not run.
pub fn run(cli: &Cli, args: &NoticesArgs) -> u8 {
    let audit = match args
        .input
        .audit(cli, args.detect, super::input::Audience::Developers)
    {
        Ok(audit) => audit,
        Err(code) => return code,
    };
    let selection = notices::Selection {
        all_scopes: args.all_scopes,
    };
    let rendered = notices::render(&audit, args.format, args.lang, selection);
    if let Err(code) = write_output(args.output.as_ref(), &rendered.text) {
        return code;
    }
    report_shortfalls(&rendered.shortfalls, args.strict);
    if audit.summary.outcome == Outcome::Incomplete {
        super::input::report_input_problems(&audit, args.lang);
        print_error(
            "some input could not be read (run `fundament audit` for the findings): the notices cover only what was read",
        );
        return EXIT_INPUT;
    }
    if args.strict && !rendered.shortfalls.is_empty() {
        return EXIT_VIOLATIONS;
    }
    0
}

/// Prints the shortfalls on stderr, escaped: each code's first [`SHOWN_PER_CODE`], then a count.
fn report_shortfalls(shortfalls: &[notices::Shortfall], strict: bool) {
    let level = if strict { "error" } else { "warning" };
    let mut codes: Vec<&str> = shortfalls.iter().map(|s| s.code).collect();
    codes.dedup();
    codes.sort_unstable();
    codes.dedup();
    let mut err = std::io::stderr().lock();
    for code in codes {
        let of_code: Vec<&notices::Shortfall> =
            shortfalls.iter().filter(|s| s.code == code).collect();
        for s in of_code.iter().take(SHOWN_PER_CODE) {
            let _ = writeln!(
                err,
                "{level}[{code}]: {}",
                crate::report::escape::line(&s.message)
            );
        }
        if of_code.len() > SHOWN_PER_CODE {
            let _ = writeln!(
                err,
                "{level}[{code}]: ... and {} more components (the notices file marks each)",
                of_code.len() - SHOWN_PER_CODE
            );
        }
    }
    if !shortfalls.is_empty() {
        let components: std::collections::BTreeSet<&str> =
            shortfalls.iter().map(|s| s.purl.as_str()).collect();
        let _ = writeln!(
            err,
            "{level}: {} listed components lack a copyright notice or a licence text of their own{}",
            components.len(),
            if strict {
                ""
            } else {
                " (--strict makes this fail)"
            }
        );
    }
}
