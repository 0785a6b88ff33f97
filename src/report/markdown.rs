//! The procurement report as Markdown: the same content as the HTML report (src/report/html.rs
//! builds the view both share), laid out by templates/report.md. Every value from the audit is
//! escaped for Markdown, so that package names and licence strings cannot add markup or break
//! a table.

use crate::audit::Audit;
use crate::licence::obligations::Lang;

/// Renders the Markdown report.
pub fn render(audit: &Audit, lang: Lang) -> String {
    super::html::render_view("report.md", audit, lang)
}
