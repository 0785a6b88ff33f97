//! `--format openvex`: the audit's known vulnerabilities as one OpenVEX 0.2.0 document, for
//! tools that take VEX on its own (Trivy, Grype, Dependency-Track, vexctl).
//!
//! **Document.** `@context` `https://openvex.dev/ns/v0.2.0`; `@id` a `urn:uuid:` made from the
//! audit's content (the CycloneDX serial number, so the two documents of one audit name each
//! other); `author` and `tooling` fundament with its version; `timestamp` the audit's `created`
//! time; `version` 1.
//!
//! **Statements**, one per vulnerability of a component version (ordered as the audit orders
//! them): `vulnerability.name` the advisory id the report uses and `aliases` the others;
//! `products` the component by purl (`@id` and `identifiers.purl`); and the status:
//! - where a VEX statement of an index is in force, its status: `not_affected` with its
//!   `justification` (CycloneDX terms are mapped to CISA's), `affected` with its action (or,
//!   without one, the upgrade that clears it) as `action_statement`, `fixed`,
//!   `under_investigation`; `status_notes` carries the analysis and who made it, where, when;
//! - otherwise `under_investigation`: the version lies in the advisory's affected range, but no
//!   one has recorded whether the product is affected. `status_notes` says so, with the fixed
//!   versions, and for a vulnerability the policy ignores, the reason and approver (an
//!   exception accepts a risk; it does not state that the product is unaffected).
//!
//! An audit without vulnerabilities gives a document with no statements (the OpenVEX schema
//! asks for at least one; an empty list is the honest answer, and tools read it as "nothing
//! to say").

use crate::advisory::{State, Vulnerability};
use crate::audit::Audit;
use crate::index::vex::VexStatus;
use serde::Serialize;

#[derive(Serialize)]
struct Document {
    #[serde(rename = "@context")]
    context: &'static str,
    #[serde(rename = "@id")]
    id: String,
    author: String,
    timestamp: String,
    version: u32,
    tooling: String,
    statements: Vec<Statement>,
}

#[derive(Serialize)]
struct Statement {
    vulnerability: Named,
    timestamp: String,
    products: Vec<Product>,
    status: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    justification: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    impact_statement: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    action_statement: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    status_notes: Option<String>,
}

#[derive(Serialize)]
struct Named {
    name: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    aliases: Vec<String>,
}

#[derive(Serialize)]
struct Product {
    #[serde(rename = "@id")]
    id: String,
    identifiers: Identifiers,
}

#[derive(Serialize)]
struct Identifiers {
    purl: String,
}

pub fn render(audit: &Audit) -> String {
    let tool = format!("{} {}", audit.tool.name, audit.tool.version);
    let document = Document {
        context: "https://openvex.dev/ns/v0.2.0",
        id: format!("urn:uuid:{}", super::cyclonedx::content_uuid(audit)),
        author: tool.clone(),
        timestamp: audit.created.clone(),
        version: 1,
        tooling: tool,
        statements: audit
            .advisories
            .vulnerabilities
            .iter()
            .map(|v| statement(v, &audit.created))
            .collect(),
    };
    super::json::pretty(&document, "the OpenVEX document")
}

fn fixed_words(v: &Vulnerability) -> String {
    match (&v.upgrade, v.fixed.is_empty()) {
        (Some(up), _) => format!("Upgrade {} to {up}, which fixes it.", v.name),
        (None, false) => format!(
            "Fixed in {}; no fixed version above {} is known.",
            v.fixed.join(", "),
            v.version
        ),
        (None, true) => "No fixed version is known.".to_string(),
    }
}

fn statement(v: &Vulnerability, created: &str) -> Statement {
    let mut s = Statement {
        vulnerability: Named {
            name: v.id.clone(),
            aliases: v.aliases.clone(),
        },
        timestamp: created.to_string(),
        products: vec![Product {
            id: v.package.clone(),
            identifiers: Identifiers {
                purl: v.package.clone(),
            },
        }],
        status: "under_investigation",
        justification: None,
        impact_statement: None,
        action_statement: None,
        status_notes: None,
    };
    match &v.vex {
        Some(x) => {
            if let Some(t) = crate::advisory::db::parse_time(&x.date) {
                s.timestamp = t.to_string();
            }
            s.status = x.status.as_str();
            let attribution = format!(
                "{} (statement by {}, {}, {}; index `{}`, {} line {})",
                x.analysis, x.reviewer, x.organisation, x.date, x.index, x.file, x.line
            );
            match x.status {
                VexStatus::NotAffected => match x.justification {
                    // The schema takes a justification or an impact statement, not both.
                    Some(j) => {
                        s.justification = Some(j.openvex());
                        s.status_notes = Some(attribution);
                    }
                    None => s.impact_statement = Some(attribution),
                },
                VexStatus::Affected => {
                    s.action_statement = Some(x.action.clone().unwrap_or_else(|| fixed_words(v)));
                    s.status_notes = Some(attribution);
                }
                VexStatus::Fixed | VexStatus::UnderInvestigation => {
                    s.status_notes = Some(attribution);
                }
            }
        }
        None => {
            let mut notes = format!(
                "{} {} lies in the affected range of {}; no analysis of whether the product is affected is recorded. {}",
                v.name,
                v.version,
                v.id,
                fixed_words(v)
            );
            if v.state == State::Ignored
                && let Some(i) = &v.ignore
            {
                notes.push_str(&format!(
                    " The audit's policy accepts it: {} (approved by {}).",
                    i.reason, i.approved_by
                ));
            }
            s.status_notes = Some(notes);
        }
    }
    s
}
