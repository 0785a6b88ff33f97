//! VEX statements from the layered indices, applied to a vulnerability of a package version.
//!
//! The records that cover the package version are read highest precedence first: the index
//! of highest precedence before the others, and in each index the newest line before older
//! ones (the order in which the vet stage's look-up lists them). For each vulnerability the
//! first statement about it, by its id or any alias, is in force; a newer line that says
//! nothing about a vulnerability leaves an older statement in force.

use crate::index::vex::{Justification, Response, VexStatement, VexStatus};
use crate::vet::CoveringRecord;
use serde::Serialize;

/// A statement in force for a vulnerability, with who made it and where it was found.
#[derive(Debug, Clone, Serialize)]
pub struct AppliedVex {
    pub status: VexStatus,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub justification: Option<Justification>,
    pub analysis: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub action: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub response: Vec<Response>,
    pub reviewer: String,
    pub organisation: String,
    pub date: String,
    /// The id the statement names (one of the vulnerability's ids).
    pub vulnerability: String,
    /// The `[[index]]` name of the index that holds it.
    pub index: String,
    pub location: String,
    pub file: String,
    pub line: usize,
    /// The version or range of the record that carries it.
    pub versions: String,
}

impl AppliedVex {
    fn new(statement: &VexStatement, from: &CoveringRecord<'_>) -> AppliedVex {
        AppliedVex {
            status: statement.status,
            justification: statement.justification,
            analysis: statement.analysis.clone(),
            action: statement.action.clone(),
            response: statement.response.clone(),
            reviewer: statement.reviewer.clone(),
            organisation: statement.organisation.clone(),
            date: statement.date.clone(),
            vulnerability: statement.vulnerability.clone(),
            index: from.index.to_string(),
            location: from.location.to_string(),
            file: from.file.to_string(),
            line: from.line,
            versions: from.record.versions_text().to_string(),
        }
    }

    /// Who said it, in words: "Jane Doe (City of Example), 2026-11-30, index `city`".
    pub fn attribution(&self) -> String {
        format!(
            "{} ({}), {}, index `{}`",
            self.reviewer, self.organisation, self.date, self.index
        )
    }
}

/// The statement in force about the vulnerability known by `ids`, if any record covering the
/// package version makes one.
pub fn in_force(records: &[CoveringRecord<'_>], ids: &[&str]) -> Option<AppliedVex> {
    records.iter().find_map(|covering| {
        covering
            .record
            .vex
            .iter()
            .find(|s| s.is_about(ids.iter().copied()))
            .map(|s| AppliedVex::new(s, covering))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::index::{Decision, Record, RecordEvidence};

    fn record(date: &str, vex: Vec<VexStatement>) -> Record {
        Record {
            purl: "pkg:pypi/jinja2".into(),
            version: Some("3.1.2".into()),
            versions: None,
            decision: Decision::Approved,
            licence: "BSD-3-Clause".into(),
            reviewer: "R".into(),
            organisation: "O".into(),
            date: date.into(),
            review_by: None,
            notes: None,
            evidence: RecordEvidence::default(),
            vex,
            no_evidence: None,
            signatures: Vec::new(),
        }
    }

    fn statement(id: &str, status: VexStatus, by: &str) -> VexStatement {
        VexStatement {
            vulnerability: id.into(),
            status,
            justification: (status == VexStatus::NotAffected)
                .then_some(Justification::VulnerableCodeNotInExecutePath),
            analysis: format!("analysis by {by}"),
            action: None,
            response: Vec::new(),
            reviewer: by.into(),
            organisation: format!("{by} org"),
            date: "2026-11-30".into(),
        }
    }

    #[test]
    fn the_first_statement_by_precedence_is_in_force_and_aliases_match() {
        let member = record(
            "2026-12-01",
            vec![statement("GHSA-1", VexStatus::Affected, "member")],
        );
        let association_new = record("2026-11-30", vec![]);
        let association_old = record(
            "2026-11-01",
            vec![
                statement("CVE-2024-1", VexStatus::NotAffected, "association"),
                statement("CVE-2024-2", VexStatus::Fixed, "association"),
            ],
        );
        let covering = |r: &'static Record, index: &'static str, line| CoveringRecord {
            record: r,
            index,
            location: "here",
            file: "3/j/jinja2",
            line,
        };
        let member: &'static Record = Box::leak(Box::new(member));
        let new: &'static Record = Box::leak(Box::new(association_new));
        let old: &'static Record = Box::leak(Box::new(association_old));
        let records = [
            covering(member, "member", 1),
            covering(new, "association", 2),
            covering(old, "association", 1),
        ];
        let first = in_force(&records, &["PYSEC-1", "GHSA-1", "CVE-2024-1"]).unwrap();
        assert_eq!(first.status, VexStatus::Affected);
        assert_eq!(first.index, "member");
        let older = in_force(&records, &["PYSEC-2", "cve-2024-2"]).unwrap();
        assert_eq!(older.status, VexStatus::Fixed);
        assert_eq!(
            older.attribution(),
            "association (association org), 2026-11-30, index `association`"
        );
        assert!(in_force(&records, &["PYSEC-3"]).is_none());
    }
}
