//! Stage 6: reports. Each format reads the finished [`Audit`](crate::audit::Audit) and computes
//! nothing new; one file per format. All output is deterministic: ordered as the audit is, and
//! dated by the audit's `created` time (from `SOURCE_DATE_EPOCH` when set).

pub mod cyclonedx;
pub mod escape;
pub mod html;
pub mod human;
pub mod json;
pub mod markdown;
pub mod notices;
pub mod openvex;
pub mod sarif;
pub mod spdx;
pub mod style;
pub mod vulnerabilities;

use crate::audit::Audit;
use crate::licence::obligations::Lang;

/// The output formats of `fundament audit`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Compiler-style findings and summary tables, for people.
    Human,
    /// The whole audit in the versioned schema of docs/report-schema.md.
    Json,
    /// SARIF 2.1.0, for code-scanning interfaces.
    Sarif,
    /// A CycloneDX 1.6 JSON SBOM with the fields of BSI TR-03183-2.
    Cyclonedx,
    /// An SPDX 2.3 JSON SBOM.
    Spdx,
    /// The procurement report as Markdown.
    Markdown,
    /// The procurement report as one self-contained HTML file.
    Html,
    /// The known vulnerabilities as an OpenVEX 0.2.0 document.
    Openvex,
}

/// How to render.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RenderOptions {
    /// Colour (human format only).
    pub colour: bool,
    /// The language of the procurement report (Markdown and HTML).
    pub lang: Lang,
    /// Where docs/diagnostics.md is published: SARIF rules link their code's entry there
    /// (`helpUri`); without it they have no `helpUri`.
    pub docs_url: Option<sarif::DocsUrl>,
}

/// Renders `audit` in `format`.
pub fn render(audit: &Audit, format: Format, options: &RenderOptions) -> String {
    match format {
        Format::Human => human::render(audit, options.colour, options.lang),
        Format::Json => json::render(audit),
        Format::Sarif => sarif::render(audit, options.docs_url.as_ref()),
        Format::Cyclonedx => cyclonedx::render(audit),
        Format::Spdx => spdx::render(audit),
        Format::Markdown => markdown::render(audit, options.lang),
        Format::Html => html::render(audit, options.lang),
        Format::Openvex => openvex::render(audit),
    }
}
