//! Stage 6: reports. Each format reads the finished [`Audit`](crate::audit::Audit) and computes
//! nothing new; one file per format.

pub mod human;
pub mod json;

use crate::audit::Audit;

/// The output formats of `fundament audit`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Compiler-style findings and summary tables, for people.
    Human,
    /// The whole audit in the versioned schema of docs/report-schema.md.
    Json,
}

/// Renders `audit` in `format`. `colour` applies to the human format only.
pub fn render(audit: &Audit, format: Format, colour: bool) -> String {
    match format {
        Format::Human => human::render(audit, colour),
        Format::Json => json::render(audit),
    }
}
