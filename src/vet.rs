//! Stage 4: vet. Every package is looked up in the layered indices of vetted components
//! (src/index): the decision in force for its version becomes its vetting status, and the
//! policy's `[vetting] require-vetted` decides what a missing approval means.
//!
//! The stage has two halves around identify and evaluate. [`look_up`] runs first, because an
//! index record's concluded licence is a curation for the identify stage, pinned to the
//! licence files the review relied on ([`Lookups::curations`]). [`conclude`] runs last: it
//! needs to know whether the record's licence was applied, and whether the policy checks the
//! package at all (packages the policy skips get no vetting findings).
//!
//! What is never a pass: an index that could not be read when it might have changed the
//! answer makes the package's vetting inconclusive and the audit incomplete (V001), and a
//! `rejected` decision is a violation whatever the policy requires (V002).

use crate::diagnostic::{Code, Finding, Severity};
use crate::index::{
    self, Answer, ArtefactCheck, Decision, LayerInfo, Layered, Lookup, LookupError,
};
use crate::licence::{ConcludedFrom, Curation, Evidence};
use crate::model::{Graph, Package};
use crate::policy::RequireVetted;
use crate::policy::evaluate::{Status, Verdict};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

/// A package's vetting status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum VettingStatus {
    /// The decision in force is `approved` (and, where the record pins the archive, for this
    /// very archive).
    Approved,
    /// The decision in force is `rejected`.
    Rejected,
    /// The decision in force is `under-review`.
    UnderReview,
    /// No index has a decision for this version (or the approval does not count).
    NotVetted,
    /// No index answered, and one that could have did not respond as it should.
    Unknown,
    /// The package cannot be in an index: the audited project's own package, or a package of
    /// an ecosystem indices do not hold.
    NotApplicable,
}

impl VettingStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            VettingStatus::Approved => "approved",
            VettingStatus::Rejected => "rejected",
            VettingStatus::UnderReview => "under-review",
            VettingStatus::NotVetted => "not-vetted",
            VettingStatus::Unknown => "unknown",
            VettingStatus::NotApplicable => "not-applicable",
        }
    }
}

impl std::fmt::Display for VettingStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How the package's archive compares with the archive the record pins.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ArchiveMatch {
    /// The lockfile's checksum is the pinned SHA-256: this is the reviewed archive.
    Matches,
    /// The lockfile's checksum is another SHA-256: this is not the reviewed archive.
    Differs,
    /// The lockfile records no hash of an algorithm the record pins, so nothing could be
    /// compared.
    NotCompared,
    /// The record pins no archive.
    NotRecorded,
}

/// The decision in force for a package version, with where it was found.
#[derive(Debug, Clone, Serialize)]
pub struct VettingRecord {
    /// The `[[index]]` name of the index that answered (`fundament` for the built-in one).
    pub index: String,
    pub location: String,
    /// The record's file in the index, and its line.
    pub file: String,
    pub line: usize,
    pub decision: Decision,
    /// The version or range the record covers.
    pub versions: String,
    /// The licence the reviewers concluded.
    pub licence: String,
    pub reviewer: String,
    pub organisation: String,
    pub date: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub review_by: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub notes: Option<String>,
    pub archive: ArchiveMatch,
    /// Whether the record's licence is the package's concluded licence.
    pub licence_applied: bool,
    /// How many other decisions for this version it overrides (earlier lines, indices of
    /// lower precedence).
    pub superseded: usize,
    /// Who signed the record (valid signatures only).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub signers: Vec<String>,
    /// For an approval in an index that counts approvals (four eyes): signers given and
    /// needed. Short of them, the status is `under-review`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub approvals: Option<index::Approvals>,
}

/// What the indices say about one package.
#[derive(Debug, Clone, Serialize)]
pub struct Vetting {
    pub status: VettingStatus,
    /// False when an index that could have changed the answer could not be read: the status
    /// is not certain, and the audit is incomplete.
    pub conclusive: bool,
    /// The decision in force, also when it does not count (an archive that differs).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub record: Option<VettingRecord>,
    /// The status in words, naming the index and reviewer.
    pub explanation: String,
    /// Indices that could not answer for this package.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<String>,
    /// `errors` in translatable form (the German reports render these).
    #[serde(skip)]
    pub error_texts: Vec<crate::diagnostic::Text>,
}

/// The indices an audit asked, and what the policy requires.
#[derive(Debug, Clone, Serialize)]
pub struct VettingInfo {
    pub require_vetted: RequireVetted,
    /// Highest precedence first.
    pub indices: Vec<LayerInfo>,
}

/// A record that covers a package version, with where it was found.
#[derive(Debug, Clone, Copy)]
pub struct CoveringRecord<'a> {
    pub record: &'a index::Record,
    /// The `[[index]]` name.
    pub index: &'a str,
    pub location: &'a str,
    pub file: &'a str,
    pub line: usize,
}

/// The first half's result: one look-up per package.
#[derive(Debug)]
pub struct Lookups {
    layers: Vec<LayerInfo>,
    problems: Vec<index::SourceProblem>,
    /// Parallel to `graph.packages`; `None` where the package cannot be in an index.
    per_package: Vec<Option<Lookup>>,
}

/// Looks every package that can be in an index up in every index.
pub fn look_up(graph: &Graph, layered: &Layered) -> Lookups {
    let asked: Vec<usize> = graph
        .packages
        .iter()
        .enumerate()
        .filter(|(_, p)| !p.root && index::holds(p.ecosystem))
        .map(|(i, _)| i)
        .collect();
    let queries: Vec<(&str, &str)> = asked
        .iter()
        .map(|&i| {
            let p = &graph.packages[i];
            (p.purl.as_str(), p.version.as_str())
        })
        .collect();
    let answers = layered.lookup_many(&queries);
    let mut per_package: Vec<Option<Lookup>> = vec![None; graph.packages.len()];
    for (i, lookup) in asked.into_iter().zip(answers) {
        per_package[i] = Some(lookup);
    }
    Lookups {
        layers: layered.layers(),
        problems: layered.problems(),
        per_package,
    }
}

impl Lookups {
    /// The records' licences as curations for the identify stage: those of settled decisions
    /// (`approved`, `rejected`) that conclude a licence, except approvals of another archive.
    /// An `under-review` record's licence is not settled and is not used.
    pub fn curations(&self, graph: &Graph) -> Vec<Curation> {
        graph
            .packages
            .iter()
            .zip(&self.per_package)
            .filter_map(|(package, lookup)| {
                let answer = lookup.as_ref()?.answer.as_ref()?;
                if answer.decision() == Decision::UnderReview
                    || archive_match(answer, package) == ArchiveMatch::Differs
                {
                    return None;
                }
                answer.curation(&package.name, &package.version, package.checksum.as_deref())
            })
            .collect()
    }

    /// The records covering package `index`'s version, highest precedence first (the record
    /// in force, then the lines it supersedes): where the advisory stage finds VEX
    /// statements.
    pub fn covering_records(&self, index: usize) -> Vec<CoveringRecord<'_>> {
        let Some(Some(lookup)) = self.per_package.get(index) else {
            return Vec::new();
        };
        let Some(answer) = &lookup.answer else {
            return Vec::new();
        };
        let mut out = vec![CoveringRecord {
            record: &answer.record,
            index: &answer.index_name,
            location: &answer.location,
            file: &answer.file,
            line: answer.line,
        }];
        out.extend(answer.superseded.iter().map(|d| CoveringRecord {
            record: &d.record,
            index: &d.index_name,
            location: &d.location,
            file: &d.file,
            line: d.line,
        }));
        out
    }

    /// The indices asked, for the report.
    pub fn info(&self, require_vetted: RequireVetted) -> VettingInfo {
        VettingInfo {
            require_vetted,
            indices: self.layers.clone(),
        }
    }
}

fn archive_match(answer: &Answer, package: &Package) -> ArchiveMatch {
    match answer.record.artefact_check(package.checksum.as_deref()) {
        ArtefactCheck::NotRecorded => ArchiveMatch::NotRecorded,
        ArtefactCheck::Unknown => ArchiveMatch::NotCompared,
        ArtefactCheck::Matches => ArchiveMatch::Matches,
        ArtefactCheck::Differs { .. } => ArchiveMatch::Differs,
    }
}

/// The second half: every package's vetting, and the findings.
pub fn conclude(
    graph: &Graph,
    lookups: &Lookups,
    evidence: &[Evidence],
    verdicts: &[Verdict],
    require: RequireVetted,
    today: jiff::civil::Date,
) -> (Vec<Vetting>, Vec<Finding>) {
    let failed_layers: BTreeSet<&str> = lookups
        .problems
        .iter()
        .filter(|p| p.failed)
        .map(|p| p.index_name.as_str())
        .collect();
    let mut findings = Vec::new();
    let mut vettings = Vec::with_capacity(graph.packages.len());
    // Packages whose vetting an unreadable index leaves open, by index.
    let mut open_by_index: BTreeMap<&str, usize> = BTreeMap::new();

    for ((package, lookup), (ev, verdict)) in graph
        .packages
        .iter()
        .zip(&lookups.per_package)
        .zip(evidence.iter().zip(verdicts))
    {
        let checked = !matches!(verdict.status, Status::Project | Status::Skipped);
        let vetting = vet_package(package, lookup.as_ref(), ev);
        if checked && !vetting.conclusive {
            for error in lookup.iter().flat_map(|l| &l.errors) {
                if let LookupError::Index { index_name, .. } = error
                    && failed_layers.contains(index_name.as_str())
                {
                    *open_by_index.entry(index_name.as_str()).or_insert(0) += 1;
                }
            }
            let own: Vec<crate::diagnostic::Text> = lookup
                .iter()
                .flat_map(|l| &l.errors)
                .filter(|e| match e {
                    LookupError::Index { index_name, .. } => {
                        !failed_layers.contains(index_name.as_str())
                    }
                    LookupError::Name { .. } => false,
                })
                .map(LookupError::text)
                .collect();
            if !own.is_empty() {
                findings.push(
                    Finding::error(
                        Code::IndexUnavailable,
                        crate::text!(
                            "vetting_unknown",
                            name = package.name,
                            version = package.version
                        )
                        .list("problems", own, "; "),
                    )
                    .package(package.purl.clone()),
                );
            }
        }
        if checked {
            findings.extend(package_findings(package, &vetting, require, today));
        }
        vettings.push(vetting);
    }

    for problem in &lookups.problems {
        if problem.failed {
            let open = open_by_index
                .get(problem.index_name.as_str())
                .copied()
                .unwrap_or(0);
            let finding = Finding::error(
                Code::IndexUnavailable,
                crate::text!(
                    "index_unavailable",
                    index = problem.index_name,
                    location = problem.location
                )
                .sub("error", problem.text.clone()),
            );
            findings.push(if open == 0 {
                finding.note(crate::diagnostic::Text::new(
                    "note_no_package_s_vetting_depends",
                ))
            } else {
                finding.note(
                    crate::diagnostic::Text::new("note_vetting_therefore_unknown").count("n", open),
                )
            });
        } else {
            findings.push(
                Finding::warning(
                    Code::IndexStale,
                    crate::text!(
                        "index_stale",
                        index = problem.index_name,
                        location = problem.location
                    )
                    .sub("error", problem.text.clone()),
                )
                .note(crate::diagnostic::Text::new("note_its_last_clone_was_used")),
            );
        }
    }
    findings.extend(summary_note(graph, &vettings, verdicts, lookups));
    (vettings, findings)
}

fn vet_package(package: &Package, lookup: Option<&Lookup>, evidence: &Evidence) -> Vetting {
    let Some(lookup) = lookup else {
        return Vetting {
            status: VettingStatus::NotApplicable,
            conclusive: true,
            record: None,
            explanation: if package.root {
                "the audited project's own package".to_string()
            } else {
                format!(
                    "indices hold packages of {}; this {} package cannot be vetted in one",
                    index::layout::ECOSYSTEMS
                        .iter()
                        .map(|e| e.purl_type())
                        .collect::<Vec<_>>()
                        .join(", "),
                    package.ecosystem.purl_type()
                )
            },
            errors: Vec::new(),
            error_texts: Vec::new(),
        };
    };
    let error_texts: Vec<crate::diagnostic::Text> =
        lookup.errors.iter().map(LookupError::text).collect();
    let errors: Vec<String> = lookup.errors.iter().map(ToString::to_string).collect();
    let conclusive = lookup.conclusive();
    let Some(answer) = &lookup.answer else {
        let name_error = lookup.errors.iter().find_map(|e| match e {
            LookupError::Name { message } => Some(message.clone()),
            LookupError::Index { .. } => None,
        });
        return match name_error {
            // A name no index can hold is not vetted, and no index can change that.
            Some(message) => Vetting {
                status: VettingStatus::NotVetted,
                conclusive: true,
                record: None,
                explanation: format!("its name cannot be held in an index: {message}"),
                errors,
                error_texts,
            },
            None if conclusive => Vetting {
                status: VettingStatus::NotVetted,
                conclusive,
                record: None,
                explanation: "no index has a decision for this version".to_string(),
                errors,
                error_texts,
            },
            None => Vetting {
                status: VettingStatus::Unknown,
                conclusive,
                record: None,
                explanation: format!("no index answered: {}", errors.join("; ")),
                errors,
                error_texts,
            },
        };
    };

    let record = &answer.record;
    let archive = archive_match(answer, package);
    let source = answer.source().to_string();
    let licence_applied = evidence.concluded.from == ConcludedFrom::Curated
        && evidence
            .curated
            .as_ref()
            .is_some_and(|c| !c.from_policy && c.source == source);
    let by = format!(
        "by {} ({}) on {} in index `{}`",
        record.reviewer, record.organisation, record.date, answer.index_name
    );
    let (status, explanation) = match answer.decision() {
        Decision::UnderReview
            if record.decision == Decision::Approved
                && let Some(approvals) = answer.approvals =>
        {
            (
                VettingStatus::UnderReview,
                format!(
                    "approved {by}, but signed by {} of the {} people an approval needs there: under review",
                    approvals.given, approvals.needed
                ),
            )
        }
        Decision::Approved if archive == ArchiveMatch::Differs => (
            VettingStatus::NotVetted,
            format!(
                "approved {by}, but for another archive: the lockfile's checksum is not the reviewed archive's SHA-256"
            ),
        ),
        Decision::Approved => (VettingStatus::Approved, format!("approved {by}")),
        Decision::Rejected => (VettingStatus::Rejected, format!("rejected {by}")),
        Decision::UnderReview => (
            VettingStatus::UnderReview,
            format!(
                "under review by {} ({}) since {} in index `{}`",
                record.reviewer, record.organisation, record.date, answer.index_name
            ),
        ),
    };
    let explanation = if conclusive {
        explanation
    } else {
        format!(
            "{explanation}; not certain, an index of higher precedence could not be read ({})",
            errors.join("; ")
        )
    };
    Vetting {
        status,
        conclusive,
        record: Some(VettingRecord {
            index: answer.index_name.clone(),
            location: answer.location.clone(),
            file: answer.file.clone(),
            line: answer.line,
            decision: record.decision,
            versions: record.versions_text().to_string(),
            licence: record.licence.clone(),
            reviewer: record.reviewer.clone(),
            organisation: record.organisation.clone(),
            date: record.date.clone(),
            review_by: record.review_by.clone(),
            notes: record.notes.clone(),
            archive,
            licence_applied,
            superseded: answer.superseded.len(),
            signers: answer.signers.iter().map(|s| s.owner.clone()).collect(),
            approvals: answer.approvals,
        }),
        explanation,
        errors,
        error_texts,
    }
}

/// The findings for one package the policy checks.
fn package_findings(
    package: &Package,
    vetting: &Vetting,
    require: RequireVetted,
    today: jiff::civil::Date,
) -> Vec<Finding> {
    let mut findings = Vec::new();
    let location = vetting
        .record
        .as_ref()
        .map(|r| crate::diagnostic::Location {
            file: format!("index `{}` {}", r.index, r.file),
            line: Some(r.line),
        });
    let locate = |finding: Finding| match &location {
        Some(l) => finding.located(l.clone()),
        None => finding,
    };
    let required = match require {
        RequireVetted::Off => None,
        RequireVetted::Warn => Some(Severity::Warning),
        RequireVetted::Deny => Some(Severity::Error),
    };
    let what = format!("{} {}", package.name, package.version);
    match vetting.status {
        VettingStatus::Rejected => {
            let mut finding = locate(Finding::error(
                Code::VettingRejected,
                crate::text!("vetting_rejected", what = what, why = vetting.explanation),
            ))
            .package(package.purl.clone());
            if let Some(notes) = vetting.record.as_ref().and_then(|r| r.notes.clone()) {
                finding = finding.note(crate::text!("note_reviewers_notes", notes = notes));
            }
            findings.push(finding.note(crate::diagnostic::Text::new(
                "note_to_overrule_the_decision_publish",
            )));
        }
        VettingStatus::UnderReview => {
            if let Some(severity) = required {
                findings.push(
                    locate(Finding::new(
                        Code::UnderReview,
                        severity,
                        crate::text!("under_review", what = what, why = vetting.explanation),
                    ))
                    .package(package.purl.clone()),
                );
            }
        }
        VettingStatus::NotVetted | VettingStatus::NotApplicable => {
            if let Some(severity) = required {
                findings.push(
                    locate(Finding::new(
                        Code::NotVetted,
                        severity,
                        crate::text!("not_vetted", what = what, why = vetting.explanation),
                    ))
                    .package(package.purl.clone())
                    .note(crate::diagnostic::Text::new(
                        "note_the_policy_requires_vetting_vetting",
                    )),
                );
            }
        }
        VettingStatus::Approved | VettingStatus::Unknown => {}
    }
    if let Some(record) = &vetting.record {
        if record.archive == ArchiveMatch::Differs && record.decision == Decision::Approved {
            findings.push(
                locate(Finding::warning(
                    Code::ArchiveDiffers,
                    crate::text!("archive_differs", what = what, index = record.index),
                ))
                .package(package.purl.clone())
                .note(crate::diagnostic::Text::new(
                    "note_a_republished_or_tampered_archive",
                )),
            );
        }
        if vetting.status == VettingStatus::Approved
            && let Some(review_by) = &record.review_by
            && let Ok(date) = index::record::parse_date(review_by)
            && date < today
        {
            findings.push(
                locate(Finding::warning(
                    Code::ReviewOverdue,
                    crate::text!(
                        "review_overdue",
                        what = what,
                        index = record.index,
                        date = review_by
                    ),
                ))
                .package(package.purl.clone()),
            );
        }
    }
    findings
}

/// One note, when any index answered: how many of the checked packages the indices approve,
/// and which answered.
fn summary_note(
    graph: &Graph,
    vettings: &[Vetting],
    verdicts: &[Verdict],
    lookups: &Lookups,
) -> Option<Finding> {
    if lookups.layers.is_empty() {
        return None;
    }
    let mut counts: BTreeMap<VettingStatus, usize> = BTreeMap::new();
    let mut answered: BTreeMap<&str, usize> = BTreeMap::new();
    let mut checked = 0;
    for ((package, vetting), verdict) in graph.packages.iter().zip(vettings).zip(verdicts) {
        if package.root || matches!(verdict.status, Status::Skipped) {
            continue;
        }
        checked += 1;
        *counts.entry(vetting.status).or_insert(0) += 1;
        if let Some(record) = &vetting.record {
            *answered.entry(record.index.as_str()).or_insert(0) += 1;
        }
    }
    // Nothing to tell beyond the summary's counts when no index knows any package.
    if checked == 0 || answered.is_empty() {
        return None;
    }
    let parts: Vec<crate::diagnostic::Text> = counts
        .iter()
        .map(|(status, n)| {
            crate::diagnostic::Text::new("vetting_count")
                .count("n", *n)
                .sub(
                    "status",
                    crate::diagnostic::Text::new(format!("vetting_status.{}", status.as_str())),
                )
        })
        .collect();
    let indices: Vec<String> = lookups
        .layers
        .iter()
        .map(|l| {
            format!(
                "`{}` ({}): {} answer{}",
                l.name,
                l.location,
                answered.get(l.name.as_str()).copied().unwrap_or(0),
                if answered.get(l.name.as_str()) == Some(&1) {
                    ""
                } else {
                    "s"
                }
            )
        })
        .collect();
    Some(
        Finding::note_finding(
            Code::Vetted,
            crate::diagnostic::Text::new("vetted")
                .count("n", checked)
                .list("counts", parts, ", "),
        )
        .note(crate::text!(
            "note_indices_asked",
            indices = indices.join("; ")
        )),
    )
}
