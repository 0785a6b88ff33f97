//! VEX statements in index records (docs/index-format.md, "VEX statements"): what a reviewer
//! concluded about one vulnerability in the versions a record covers, so that one
//! administration's analysis serves every other.
//!
//! The vocabulary is OpenVEX's, which is CISA's minimum VEX: the status (`not_affected`,
//! `affected`, `fixed`, `under_investigation`), and for `not_affected` a justification.
//! CycloneDX's justifications are accepted as well; each maps to the other standard's
//! nearest term when a report is written in it ([`Justification::cyclonedx`],
//! [`Justification::openvex`]).

use serde::{Deserialize, Serialize};
use std::fmt;

/// The status of a vulnerability in the component versions a record covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "snake_case")]
pub enum VexStatus {
    /// The vulnerability does not affect these versions (with a justification).
    #[serde(alias = "not-affected")]
    #[value(name = "not_affected", alias = "not-affected")]
    NotAffected,
    /// The vulnerability affects these versions; `action` says what to do.
    Affected,
    /// These versions contain a fix.
    Fixed,
    /// It is not yet known whether the vulnerability affects these versions.
    #[serde(alias = "under-investigation")]
    #[value(name = "under_investigation", alias = "under-investigation")]
    UnderInvestigation,
}

impl VexStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            VexStatus::NotAffected => "not_affected",
            VexStatus::Affected => "affected",
            VexStatus::Fixed => "fixed",
            VexStatus::UnderInvestigation => "under_investigation",
        }
    }

    /// Whether the status settles the vulnerability for the component (it needs no action).
    pub fn settles(self) -> bool {
        matches!(self, VexStatus::NotAffected | VexStatus::Fixed)
    }

    /// CycloneDX 1.6 `analysis.state`.
    pub fn cyclonedx_state(self) -> &'static str {
        match self {
            VexStatus::NotAffected => "not_affected",
            VexStatus::Affected => "exploitable",
            VexStatus::Fixed => "resolved",
            VexStatus::UnderInvestigation => "in_triage",
        }
    }
}

impl fmt::Display for VexStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why a vulnerability does not affect a component: CISA's (OpenVEX's) five justifications,
/// and CycloneDX's nine.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "snake_case")]
#[value(rename_all = "snake_case")]
pub enum Justification {
    ComponentNotPresent,
    VulnerableCodeNotPresent,
    VulnerableCodeNotInExecutePath,
    VulnerableCodeCannotBeControlledByAdversary,
    InlineMitigationsAlreadyExist,
    CodeNotPresent,
    CodeNotReachable,
    RequiresConfiguration,
    RequiresDependency,
    RequiresEnvironment,
    ProtectedByCompiler,
    ProtectedAtRuntime,
    ProtectedAtPerimeter,
    ProtectedByMitigatingControl,
}

impl Justification {
    pub fn as_str(self) -> &'static str {
        match self {
            Justification::ComponentNotPresent => "component_not_present",
            Justification::VulnerableCodeNotPresent => "vulnerable_code_not_present",
            Justification::VulnerableCodeNotInExecutePath => "vulnerable_code_not_in_execute_path",
            Justification::VulnerableCodeCannotBeControlledByAdversary => {
                "vulnerable_code_cannot_be_controlled_by_adversary"
            }
            Justification::InlineMitigationsAlreadyExist => "inline_mitigations_already_exist",
            Justification::CodeNotPresent => "code_not_present",
            Justification::CodeNotReachable => "code_not_reachable",
            Justification::RequiresConfiguration => "requires_configuration",
            Justification::RequiresDependency => "requires_dependency",
            Justification::RequiresEnvironment => "requires_environment",
            Justification::ProtectedByCompiler => "protected_by_compiler",
            Justification::ProtectedAtRuntime => "protected_at_runtime",
            Justification::ProtectedAtPerimeter => "protected_at_perimeter",
            Justification::ProtectedByMitigatingControl => "protected_by_mitigating_control",
        }
    }

    /// The CycloneDX 1.6 `analysis.justification` term.
    pub fn cyclonedx(self) -> &'static str {
        use Justification::*;
        match self {
            ComponentNotPresent | VulnerableCodeNotPresent => "code_not_present",
            VulnerableCodeNotInExecutePath => "code_not_reachable",
            VulnerableCodeCannotBeControlledByAdversary => "requires_environment",
            InlineMitigationsAlreadyExist => "protected_by_mitigating_control",
            other => other.as_str(),
        }
    }

    /// The OpenVEX (CISA) justification term.
    pub fn openvex(self) -> &'static str {
        use Justification::*;
        match self {
            CodeNotPresent => "vulnerable_code_not_present",
            CodeNotReachable => "vulnerable_code_not_in_execute_path",
            RequiresDependency => "component_not_present",
            RequiresConfiguration | RequiresEnvironment => {
                "vulnerable_code_cannot_be_controlled_by_adversary"
            }
            ProtectedByCompiler
            | ProtectedAtRuntime
            | ProtectedAtPerimeter
            | ProtectedByMitigatingControl => "inline_mitigations_already_exist",
            other => other.as_str(),
        }
    }
}

impl fmt::Display for Justification {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What is being done about an affecting vulnerability (CycloneDX `analysis.response`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "snake_case")]
#[value(rename_all = "snake_case")]
pub enum Response {
    CanNotFix,
    WillNotFix,
    Update,
    Rollback,
    WorkaroundAvailable,
}

impl Response {
    pub fn as_str(self) -> &'static str {
        match self {
            Response::CanNotFix => "can_not_fix",
            Response::WillNotFix => "will_not_fix",
            Response::Update => "update",
            Response::Rollback => "rollback",
            Response::WorkaroundAvailable => "workaround_available",
        }
    }
}

/// One statement about one vulnerability.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct VexStatement {
    /// The vulnerability: an OSV id, a CVE or a GHSA id (any alias matches).
    pub vulnerability: String,
    pub status: VexStatus,
    /// Required for `not_affected`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub justification: Option<Justification>,
    /// The analysis in words: why the status holds (OpenVEX `impact_statement`, CycloneDX
    /// `analysis.detail`).
    pub analysis: String,
    /// `affected`: what users should do (OpenVEX `action_statement`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub action: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub response: Vec<Response>,
    pub reviewer: String,
    pub organisation: String,
    /// The day of the analysis, `YYYY-MM-DD`.
    pub date: String,
}

impl VexStatement {
    /// Every problem with the statement (empty when it is valid).
    pub fn problems(&self) -> Vec<String> {
        let mut out = Vec::new();
        let id = self.vulnerability.trim();
        if id.is_empty() || id != self.vulnerability || id.chars().any(char::is_whitespace) {
            out.push(format!(
                "`vex` statement: `vulnerability` {:?} is empty or has spaces",
                self.vulnerability
            ));
        }
        let about = format!("`vex` statement on {id}");
        match (self.status, self.justification) {
            (VexStatus::NotAffected, None) => {
                out.push(format!("{about}: `not_affected` needs a `justification`"))
            }
            (VexStatus::NotAffected, Some(_)) => {}
            (other, Some(_)) => out.push(format!(
                "{about}: a `justification` belongs only to `not_affected`, not to `{other}`"
            )),
            _ => {}
        }
        if self.analysis.trim().is_empty() {
            out.push(format!("{about}: `analysis` is empty"));
        }
        for (field, value) in [
            ("reviewer", &self.reviewer),
            ("organisation", &self.organisation),
        ] {
            if value.trim().is_empty() {
                out.push(format!("{about}: `{field}` is empty"));
            } else if value.chars().any(char::is_control) {
                out.push(format!("{about}: `{field}` contains control characters"));
            }
        }
        if let Err(e) = super::record::parse_date(&self.date) {
            out.push(format!("{about}: `date`: {e}"));
        }
        out
    }

    /// Whether the statement is about the vulnerability known by `ids` (an id and its
    /// aliases), compared without regard to case.
    pub fn is_about<'a>(&self, mut ids: impl Iterator<Item = &'a str>) -> bool {
        ids.any(|id| id.eq_ignore_ascii_case(&self.vulnerability))
    }
}

/// Checks a record's statements: each valid, and one per vulnerability.
pub fn check(statements: &[VexStatement]) -> Vec<String> {
    let mut out: Vec<String> = statements.iter().flat_map(VexStatement::problems).collect();
    for (i, a) in statements.iter().enumerate() {
        if statements[..i]
            .iter()
            .any(|b| b.vulnerability.eq_ignore_ascii_case(&a.vulnerability))
        {
            out.push(format!(
                "`vex` has two statements on {}; a record makes one per vulnerability",
                a.vulnerability
            ));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn statement(json: &str) -> VexStatement {
        serde_json::from_str(json).unwrap()
    }

    #[test]
    fn statements_read_both_vocabularies_and_are_checked() {
        let s = statement(
            r#"{"vulnerability":"GHSA-h5c8-rqwp-cp95","status":"not_affected","justification":"code_not_reachable","analysis":"xmlattr is never called","reviewer":"A","organisation":"City","date":"2026-11-30"}"#,
        );
        assert!(s.problems().is_empty());
        assert_eq!(
            s.justification.unwrap().openvex(),
            "vulnerable_code_not_in_execute_path"
        );
        assert!(s.is_about(["CVE-1", "ghsa-h5c8-rqwp-cp95"].into_iter()));
        let kebab = statement(
            r#"{"vulnerability":"CVE-1","status":"under-investigation","analysis":"x","reviewer":"A","organisation":"O","date":"2026-11-30"}"#,
        );
        assert_eq!(kebab.status, VexStatus::UnderInvestigation);

        let bad = statement(
            r#"{"vulnerability":"CVE-2","status":"not_affected","analysis":" ","reviewer":"","organisation":"O","date":"2026-13-01"}"#,
        );
        let problems = bad.problems();
        assert_eq!(problems.len(), 4, "{problems:?}");
        assert!(problems[0].contains("needs a `justification`"));
        let twice = check(&[kebab.clone(), kebab]);
        assert!(twice.iter().any(|p| p.contains("two statements on CVE-1")));
        assert!(
            serde_json::from_str::<VexStatement>(
                r#"{"vulnerability":"X","status":"maybe","analysis":"x","reviewer":"A","organisation":"O","date":"2026-01-01"}"#
            )
            .is_err()
        );
    }

    #[test]
    fn justifications_map_between_the_standards() {
        assert_eq!(
            Justification::VulnerableCodeNotInExecutePath.cyclonedx(),
            "code_not_reachable"
        );
        assert_eq!(
            Justification::ProtectedAtPerimeter.openvex(),
            "inline_mitigations_already_exist"
        );
        assert_eq!(
            Justification::ComponentNotPresent.openvex(),
            "component_not_present"
        );
        assert_eq!(VexStatus::Affected.cyclonedx_state(), "exploitable");
    }
}
