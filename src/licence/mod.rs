//! Stage 3: licence evidence for every package, and the licence the audit concludes.
//!
//! Every package keeps all the evidence found (see DESIGN.md):
//! - **declared**: each licence string its metadata carries, with how it was read;
//! - **detected**: the licence files in the package's own directory, hashed and identified;
//! - **curated**: a `[[clarify]]` correction, applied only while the licence files it is pinned
//!   to still have the recorded SHA-256;
//! - **concluded**: curated, else the declared licence (declared.rs: the first readable one;
//!   for Python metadata `License-Expression`, an exact `License`, then all classifiers
//!   together), cross-checked against the detected texts, which win over a reading that had to
//!   guess; else the detected texts, else `NOASSERTION`.
//!
//! Licence texts are identified only where they decide something: when no declared licence can
//! be read, when Cargo's `license-file` replaces `license`, or for every package with
//! `--detect all`. Detection runs in parallel across packages.

pub mod declared;
pub mod detect;
pub mod expression;
pub mod facts;
pub mod obligations;
pub mod project;

use crate::diagnostic::{Code, Finding, Severity, Text};
use crate::model::{DeclaredLicence, Graph, Package, PackageSpec};
use crate::source::{Confined, Refusal};
use crate::text;
use detect::{DetectedFile, DetectionCache, FileKind, LicenceFile};
use expression::{Interpretation, Reading, licence_ids};
use rayon::prelude::*;
use serde::Serialize;
use std::collections::{BTreeSet, HashMap};
use std::path::{Component, Path};

/// The expression used when no licence could be established.
pub const NOASSERTION: &str = "NOASSERTION";

/// When licence texts are identified.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum DetectMode {
    /// Only where the declared metadata does not settle the licence.
    #[default]
    Needed,
    /// For every package whose files are available, to cross-check declared licences.
    All,
}

/// Where a curation comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CurationOrigin {
    /// A `[[clarify]]` entry of the policy.
    Policy,
    /// A record of an index of vetted components. `verified_archive`: the package's lockfile
    /// checksum equals the archive hash the record pins, so its files are the reviewed ones.
    Index { verified_archive: bool },
}

/// A licence correction: a policy `[[clarify]]` entry, or an index record's licence.
#[derive(Debug, Clone)]
pub struct Curation {
    pub spec: PackageSpec,
    /// The SPDX expression to use instead of the package's own metadata.
    pub expression: String,
    /// The files the correction relied on, each with its SHA-256.
    pub files: Vec<PinnedFile>,
    pub reason: Option<String>,
    /// Who approved the correction: a clarification's `approved-by`, an index record's
    /// reviewer and organisation.
    pub approved_by: Option<String>,
    /// A clarification's `expires`: after that day it is no longer applied (the audit says
    /// so, `P011`).
    pub expires: Option<jiff::civil::Date>,
    /// Where the correction is written.
    pub source: crate::diagnostic::Location,
    pub origin: CurationOrigin,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PinnedFile {
    pub path: String,
    pub sha256: String,
}

/// A declared licence string and how it was read.
#[derive(Debug, Clone, Serialize)]
pub struct DeclaredEvidence {
    #[serde(flatten)]
    pub declared: DeclaredLicence,
    #[serde(flatten)]
    pub interpretation: Interpretation,
}

/// A curation that was applied.
#[derive(Debug, Clone, Serialize)]
pub struct CuratedEvidence {
    /// False for an index record's licence. In JSON: `"origin": "policy" | "index"`.
    #[serde(rename = "origin", serialize_with = "curation_origin_name")]
    pub from_policy: bool,
    pub expression: String,
    pub source: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// Who approved it (`approved-by`; an index record's reviewer and organisation).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub approved_by: Option<String>,
    /// Until when it applies (`expires`, `YYYY-MM-DD`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expires: Option<String>,
    pub files: Vec<PinnedFile>,
}

impl CuratedEvidence {
    /// Reason, approver and expiry in words, for findings and the reports: "reason: …;
    /// approved by …; expires …".
    pub fn decision(&self) -> Text {
        let by = match &self.approved_by {
            Some(by) => text!("decision_by", by = by),
            None => Text::new("decision_no_approver"),
        };
        let expiry = match &self.expires {
            Some(date) => text!("decision_expires", date = date),
            None => Text::new("decision_no_expiry"),
        };
        match &self.reason {
            Some(reason) => text!("decision_reason", reason = reason),
            None => Text::new("decision"),
        }
        .sub("by", by)
        .sub("expiry", expiry)
    }

    /// [`Self::decision`] in English.
    pub fn decision_text(&self) -> String {
        self.decision().english()
    }
}

fn curation_origin_name<S: serde::Serializer>(
    from_policy: &bool,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(if *from_policy { "policy" } else { "index" })
}

/// Where the concluded licence came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ConcludedFrom {
    Curated,
    Declared,
    Detected,
    None,
}

/// The licence the audit uses for a package.
#[derive(Debug, Clone, Serialize)]
pub struct Concluded {
    /// An SPDX expression, or `NOASSERTION`.
    pub expression: String,
    pub from: ConcludedFrom,
    /// In words: "declared in Cargo.toml `license`", "detected in LICENSE (score 0.99)".
    pub explanation: String,
    /// True when the expression rests on a reading that had to guess a version or variant
    /// (a vague classifier such as "LGPL") that no licence file confirmed.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub assumed: bool,
}

impl Concluded {
    pub fn is_known(&self) -> bool {
        self.expression != NOASSERTION
    }
}

/// All licence evidence of one package.
#[derive(Debug, Clone, Serialize)]
pub struct Evidence {
    pub declared: Vec<DeclaredEvidence>,
    pub detected: Vec<DetectedFile>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub curated: Option<CuratedEvidence>,
    pub concluded: Concluded,
}

/// Settings of the identify stage.
#[derive(Debug, Clone)]
pub struct IdentifyOptions {
    pub detect: DetectMode,
    pub cache: DetectionCache,
    /// Where packages' files may be read: the audited tree first, then the caches of downloaded
    /// packages (Cargo's home, Go's module cache, fundament's own cache). A package directory
    /// elsewhere is not read (a lockfile key or path dependency leading out of the tree), and a
    /// file a package names is read only inside the same place as the package.
    pub areas: Vec<Confined>,
}

/// The place among `areas` that `dir` lies in, or why it is not read.
fn area_of<'a>(areas: &'a [Confined], dir: &Path) -> Result<&'a Confined, Refusal> {
    let mut first = None;
    for area in areas {
        match area.dir(dir) {
            Ok(_) => return Ok(area),
            Err(refusal) => {
                first.get_or_insert(refusal);
            }
        }
    }
    Err(first.unwrap_or_else(|| Refusal {
        path: dir.display().to_string(),
        within: "the audited tree",
        reason: crate::source::Reason::Outside,
    }))
}

/// A package directory that is not read (`I004` or `I001`, a warning).
fn dir_refused(package: &Package, refusal: &Refusal) -> Finding {
    Finding::refused_as(refusal, Severity::Warning)
        .package(package.purl.clone())
        .note(crate::text!(
            "note_directory_not_read",
            name = package.name,
            version = package.version
        ))
}

/// The identify stage's output, parallel to `graph.packages`.
#[derive(Debug, Clone)]
pub struct Identified {
    pub evidence: Vec<Evidence>,
    pub findings: Vec<Finding>,
}

/// Forgets the directory of every package that lies outside all of `areas` (a lockfile key
/// such as `node_modules/../../x`, a path dependency out of the tree), so that no later stage
/// or report reads its files, with a warning for each.
pub fn confine_dirs(graph: &mut Graph, areas: &[Confined]) -> Vec<Finding> {
    let mut findings = Vec::new();
    for package in &mut graph.packages {
        let Some(dir) = &package.dir else {
            continue;
        };
        if let Err(refusal) = area_of(areas, dir) {
            findings.push(dir_refused(package, &refusal));
            package.dir = None;
        }
    }
    findings
}

/// Gathers the licence evidence of every package and concludes its licence.
pub fn identify(graph: &Graph, curations: &[Curation], options: &IdentifyOptions) -> Identified {
    // A curation names its package exactly: look candidates up by name (an index can hand
    // over one curation per audited package), in the order given (the first applicable wins).
    let mut by_name: HashMap<&str, Vec<usize>> = HashMap::new();
    for (i, curation) in curations.iter().enumerate() {
        by_name
            .entry(curation.spec.name.as_str())
            .or_default()
            .push(i);
    }
    // Most packages share a handful of licence strings: read each distinct string once.
    let distinct: BTreeSet<&str> = graph
        .packages
        .iter()
        .flat_map(|p| p.declared.iter().map(|d| d.raw.as_str()))
        .collect();
    let readings: HashMap<&str, Interpretation> = distinct
        .into_iter()
        .map(|raw| (raw, expression::interpret(raw)))
        .collect();

    let per_package: Vec<(Evidence, Vec<Finding>, Vec<usize>)> = graph
        .packages
        .par_iter()
        .map(|package| identify_package(package, &readings, &by_name, curations, options))
        .collect();

    let mut used = vec![false; curations.len()];
    let mut evidence = Vec::with_capacity(per_package.len());
    let mut findings = Vec::new();
    for (e, f, matched) in per_package {
        for m in matched {
            used[m] = true;
        }
        evidence.push(e);
        findings.extend(f);
    }
    for (curation, used) in curations.iter().zip(used) {
        // Index records are looked up for the package they curate: they always match.
        if !used && curation.origin == CurationOrigin::Policy {
            findings.push(
                Finding::warning(
                    Code::ClarifyUnused,
                    text!("clarify_unused", spec = curation.spec),
                )
                .located(curation.source.clone()),
            );
        }
    }
    Identified { evidence, findings }
}

fn identify_package(
    package: &Package,
    readings: &HashMap<&str, Interpretation>,
    by_name: &HashMap<&str, Vec<usize>>,
    curations: &[Curation],
    options: &IdentifyOptions,
) -> (Evidence, Vec<Finding>, Vec<usize>) {
    let mut findings = Vec::new();
    let declared: Vec<DeclaredEvidence> = package
        .declared
        .iter()
        .map(|d| DeclaredEvidence {
            declared: d.clone(),
            interpretation: readings
                .get(d.raw.as_str())
                .cloned()
                .unwrap_or_else(|| expression::interpret(&d.raw)),
        })
        .collect();
    let matching: Vec<usize> = by_name
        .get(package.name.as_str())
        .into_iter()
        .flatten()
        .copied()
        .filter(|&i| curations[i].spec.matches(package))
        .collect();

    let choice = declared::choose(&declared);
    let see_file = declared.iter().find_map(|d| d.interpretation.file.clone());
    // An assumed reading is checked against the licence files wherever they are at hand.
    let needs_detection = options.detect == DetectMode::All
        || choice.as_ref().is_none_or(|c| c.assumed)
        || package.licence_file.is_some();
    let needs_hashes = needs_detection || !matching.is_empty();

    // Licence files: the package's own, plus what its metadata points at.
    let mut detected = Vec::new();
    let area = match (needs_hashes, &package.dir) {
        (true, Some(dir)) => match area_of(&options.areas, dir) {
            Ok(area) => Some((dir, area)),
            Err(refusal) => {
                findings.push(dir_refused(package, &refusal));
                None
            }
        },
        _ => None,
    };
    if let Some((dir, area)) = area {
        let mut files = detect::licence_files(area, dir);
        let pointers = package
            .licence_file
            .iter()
            .map(|f| (f, true))
            .chain(see_file.iter().map(|f| (f, false)));
        for (pointed, may_leave) in pointers {
            let path = contained_path(dir, pointed, may_leave);
            let there = path.as_ref().map(|p| area.resolve(p));
            match (path, there) {
                (Some(path), Some(Ok(_))) => {
                    if !files.iter().any(|f| same_file(&f.path, &path)) {
                        files.push(LicenceFile {
                            path,
                            name: pointed.replace('\\', "/"),
                            kind: FileKind::Licence,
                        });
                    }
                }
                (_, Some(Err(refusal))) if !refusal.is_missing() => findings.push(
                    Finding::refused_as(&refusal, Severity::Warning)
                        .package(package.purl.clone())
                        .note(crate::text!(
                            "note_names_it_as_licence_file",
                            name = package.name,
                            version = package.version,
                            pointed = pointed
                        )),
                ),
                _ => findings.push(
                    Finding::warning(
                        Code::LicenceFileMissing,
                        text!(
                            "licence_file_missing",
                            name = package.name,
                            version = package.version,
                            file = pointed
                        ),
                    )
                    .package(package.purl.clone()),
                ),
            }
        }
        for file in &files {
            let result = if needs_detection {
                detect::detect_file(area, file, &options.cache)
            } else {
                detect::sha256_file(area, &file.path).map(|sha256| DetectedFile {
                    path: file.name.clone(),
                    sha256,
                    kind: file.kind,
                    licence: None,
                    confidence: 0.0,
                    matches: Vec::new(),
                    skipped: Some("hashed for a clarification, not analysed".to_string()),
                    archive: None,
                })
            };
            match result {
                Ok(mut d) => {
                    // A file written from the package's archive names the archive and its path
                    // there.
                    if let Some(origin) = &package.archive
                        && let Some(inner) = origin.files.get(&d.path)
                    {
                        d.archive = Some(format!("{}!/{inner}", origin.url));
                    }
                    detected.push(d)
                }
                Err(refusal) => findings.push(
                    Finding::refused_as(&refusal, Severity::Warning).package(package.purl.clone()),
                ),
            }
        }
    }

    // What the licence files say about an assumed reading.
    let file_check = choice
        .as_ref()
        .map(|c| declared::check_assumption(c, &detected))
        .unwrap_or(declared::FileCheck::Unchecked);
    let settled_by_files = |d: &DeclaredEvidence| {
        file_check != declared::FileCheck::Unchecked
            && choice
                .as_ref()
                .is_some_and(|c| c.parts.iter().any(|p| std::ptr::eq(*p, d)))
    };

    // Declared-licence findings.
    for d in &declared {
        let origin = short_origin(&d.declared);
        match d.interpretation.reading {
            Reading::Unparsable => findings.push(
                Finding::warning(
                    Code::LicenceUnparsable,
                    text!(
                        "licence_unparsable",
                        name = package.name,
                        version = package.version,
                        declared = d.declared.raw
                    ),
                )
                .package(package.purl.clone())
                .licence(
                    d.declared.raw.clone(),
                    Some(format!("declared in {origin}")),
                )
                .note(alias_note(d.interpretation.note.as_deref())),
            ),
            _ if d.interpretation.assumed && !settled_by_files(d) => findings.push(
                Finding::warning(
                    Code::LicenceAssumed,
                    text!(
                        "licence_assumed",
                        name = package.name,
                        version = package.version,
                        declared = d.declared.raw,
                        licence = d
                            .interpretation
                            .expression
                            .as_deref()
                            .unwrap_or(NOASSERTION)
                    ),
                )
                .package(package.purl.clone())
                .licence(
                    d.interpretation.expression.clone().unwrap_or_default(),
                    Some(format!("declared in {origin}")),
                )
                .note(alias_note(d.interpretation.note.as_deref()))
                .note(Text::new("alias_note.confirm")),
            ),
            _ => {}
        }
    }

    // Curation, if its pinned files are unchanged.
    let mut curated = None;
    for &index in &matching {
        let curation = &curations[index];
        match check_pins(package, curation, &detected, area.map(|(_, a)| a)) {
            Ok(()) => {
                curated = Some(CuratedEvidence {
                    from_policy: curation.origin == CurationOrigin::Policy,
                    expression: curation.expression.clone(),
                    source: curation.source.to_string(),
                    reason: curation.reason.clone(),
                    approved_by: curation.approved_by.clone(),
                    expires: curation.expires.map(|d| d.to_string()),
                    files: curation.files.clone(),
                });
                break;
            }
            Err(problem) => findings.push(not_applied(package, curation, problem)),
        }
    }

    let confident = declared::confident(&detected);

    let concluded = if let Some(c) = &curated {
        // The vet stage reports what an index record did; a policy clarification is noted
        // here.
        if c.from_policy {
            findings.push(
                Finding::note_finding(
                    Code::ClarifyApplied,
                    text!(
                        "clarify_applied",
                        name = package.name,
                        version = package.version,
                        source = c.source
                    )
                    .sub("decision", c.decision()),
                )
                .package(package.purl.clone())
                .licence(
                    c.expression.clone(),
                    Some(format!("clarified in {}", c.source)),
                ),
            );
        }
        let how = if c.from_policy {
            "clarified in"
        } else {
            "reviewed in"
        };
        Concluded {
            expression: c.expression.clone(),
            from: ConcludedFrom::Curated,
            explanation: match &c.reason {
                Some(reason) => format!("{how} {} ({reason})", c.source),
                None => format!("{how} {}", c.source),
            },
            assumed: false,
        }
    } else if let Some(choice) = &choice {
        let origin = choice_origin(choice);
        match &file_check {
            declared::FileCheck::Overridden { expression, files } => {
                let raw: Vec<String> = choice
                    .parts
                    .iter()
                    .map(|d| format!("`{}`", d.declared.raw))
                    .collect();
                findings.push(
                    Finding::warning(
                        Code::LicenceFilesOverride,
                        text!(
                            "licence_files_override",
                            name = package.name,
                            version = package.version,
                            files = expression,
                            assumed = choice.expression,
                            declared = raw.join(", ")
                        ),
                    )
                    .package(package.purl.clone())
                    .licence(
                        expression.clone(),
                        Some(format!("detected in {}", files.join(", "))),
                    )
                    .note(crate::text!(
                        "note_declared_read_by_assumption",
                        origin = origin,
                        expression = choice.expression
                    ))
                    .note(crate::diagnostic::Text::new(
                        "note_if_the_declaration_is_right",
                    )),
                );
                Concluded {
                    expression: expression.clone(),
                    from: ConcludedFrom::Detected,
                    explanation: format!(
                        "detected in {}; the files override the vague declaration in {origin} (read by assumption as {})",
                        files.join(", "),
                        choice.expression
                    ),
                    assumed: false,
                }
            }
            check => {
                let declared_parts: Vec<&DeclaredEvidence> = choice.parts.clone();
                check_agreement(
                    package,
                    &choice.expression,
                    &origin,
                    &declared_parts,
                    &declared,
                    &confident,
                    &mut findings,
                );
                let mut explanation = format!("declared in {origin}");
                if choice.parts.len() > 1 {
                    explanation.push_str(&format!(
                        " (all {} licence classifiers together)",
                        choice.parts.len()
                    ));
                }
                let assumed = match check {
                    declared::FileCheck::Confirmed { files } => {
                        explanation.push_str(&format!(
                            "; the vague declaration is confirmed by {}",
                            files.join(", ")
                        ));
                        false
                    }
                    _ if choice.assumed => {
                        explanation.push_str(
                            "; an assumption (the declaration names no version or variant)",
                        );
                        true
                    }
                    _ => false,
                };
                Concluded {
                    explanation,
                    expression: choice.expression.clone(),
                    from: ConcludedFrom::Declared,
                    assumed,
                }
            }
        }
    } else if !confident.is_empty() {
        let expression = declared::combined(&confident);
        let files: Vec<String> = confident
            .iter()
            .map(|d| match (&package.archive, &d.archive) {
                (Some(origin), Some(_)) => format!(
                    "{} of {} (score {:.2})",
                    origin.files.get(&d.path).unwrap_or(&d.path),
                    origin.file_name(),
                    d.confidence
                ),
                _ => format!("{} (score {:.2})", d.path, d.confidence),
            })
            .collect();
        Concluded {
            expression,
            from: ConcludedFrom::Detected,
            explanation: format!("detected in {}", files.join(", ")),
            assumed: false,
        }
    } else {
        Concluded {
            expression: NOASSERTION.to_string(),
            from: ConcludedFrom::None,
            explanation: why_unknown(package, &declared, &detected),
            assumed: false,
        }
    };

    (
        Evidence {
            declared,
            detected,
            curated,
            concluded,
        },
        findings,
        matching,
    )
}

/// Reports where the declared licences disagree with each other or with the texts found.
fn check_agreement(
    package: &Package,
    expr: &str,
    origin: &str,
    used: &[&DeclaredEvidence],
    declared: &[DeclaredEvidence],
    confident: &[&DetectedFile],
    findings: &mut Vec<Finding>,
) {
    let declared_ids = licence_ids(expr);
    for other in declared {
        if used.iter().any(|u| std::ptr::eq(*u, other)) {
            continue;
        }
        if let Some(other_expr) = &other.interpretation.expression
            && licence_ids(other_expr) != declared_ids
        {
            findings.push(
                Finding::warning(
                    Code::LicenceMismatch,
                    text!(
                        "licence_mismatch_declared",
                        name = package.name,
                        version = package.version,
                        origin = origin,
                        licence = expr,
                        other_origin = short_origin(&other.declared),
                        other = other_expr
                    ),
                )
                .package(package.purl.clone())
                .licence(expr.to_string(), Some(format!("declared in {origin}"))),
            );
        }
    }
    let undeclared: Vec<String> = confident
        .iter()
        .filter(|d| {
            d.licence
                .as_deref()
                .map(licence_ids)
                .is_some_and(|ids| !ids.is_subset(&declared_ids))
        })
        .map(|d| format!("{} in {}", d.licence.as_deref().unwrap_or_default(), d.path))
        .collect();
    if !undeclared.is_empty() {
        findings.push(
            Finding::warning(
                Code::LicenceMismatch,
                text!(
                    "licence_mismatch_files",
                    name = package.name,
                    version = package.version,
                    licence = expr,
                    files = undeclared.join(", ")
                ),
            )
            .package(package.purl.clone())
            .licence(expr.to_string(), Some(format!("declared in {origin}")))
            .note(crate::diagnostic::Text::new(
                "note_the_declared_licence_is_used",
            )),
        );
    }
}

/// The warning for a curation whose pinned files do not match the package's.
fn not_applied(package: &Package, curation: &Curation, problem: Text) -> Finding {
    match curation.origin {
        CurationOrigin::Policy => Finding::warning(
            Code::ClarifyStale,
            text!(
                "clarify_stale",
                name = package.name,
                version = package.version,
                licence = curation.expression
            )
            .sub("problem", problem),
        )
        .note(crate::diagnostic::Text::new(
            "note_the_licence_files_changed_since",
        )),
        CurationOrigin::Index { .. } => Finding::warning(
            Code::IndexLicenceNotApplied,
            text!(
                "index_licence_not_applied",
                licence = curation.expression,
                index = curation.source.file,
                name = package.name,
                version = package.version
            )
            .sub("problem", problem),
        )
        .note(crate::diagnostic::Text::new(
            "note_the_review_relied_on_licence",
        )),
    }
    .package(package.purl.clone())
    .located(curation.source.clone())
}

fn check_pins(
    package: &Package,
    curation: &Curation,
    detected: &[DetectedFile],
    area: Option<&Confined>,
) -> Result<(), Text> {
    // The archive is the reviewed one, byte for byte: its files are the pinned files. A
    // record that pins no files (policy clarifications always pin some) holds for any.
    let verified = CurationOrigin::Index {
        verified_archive: true,
    };
    if curation.origin == verified || curation.files.is_empty() {
        return Ok(());
    }
    let (Some(dir), Some(area)) = (&package.dir, area) else {
        return Err(Text::new("pins_unavailable"));
    };
    for pin in &curation.files {
        let found = detected
            .iter()
            .find(|d| d.path == pin.path)
            .map(|d| d.sha256.clone())
            .or_else(|| {
                contained_path(dir, &pin.path, false)
                    .and_then(|p| detect::sha256_file(area, &p).ok())
            });
        match found {
            None => return Err(text!("pin_missing", file = pin.path)),
            Some(actual) if !actual.eq_ignore_ascii_case(&pin.sha256) => {
                return Err(match curation.origin {
                    CurationOrigin::Policy => text!(
                        "pin_differs_clarification",
                        file = pin.path,
                        actual = actual,
                        expected = pin.sha256
                    ),
                    CurationOrigin::Index { .. } => text!(
                        "pin_differs_record",
                        file = pin.path,
                        actual = actual,
                        expected = pin.sha256
                    ),
                });
            }
            Some(_) => {}
        }
    }
    Ok(())
}

fn why_unknown(
    package: &Package,
    declared: &[DeclaredEvidence],
    detected: &[DetectedFile],
) -> String {
    let mut reasons = Vec::new();
    if declared.is_empty() {
        match &package.licence_unavailable {
            Some(why) => reasons.push(why.clone()),
            None => reasons.push("no licence declared".to_string()),
        }
    }
    for d in declared {
        if d.interpretation.reading == Reading::SeeFile {
            reasons.push(format!(
                "declared `{}` in {}",
                d.declared.raw,
                short_origin(&d.declared)
            ));
        } else {
            reasons.push(format!(
                "declared `{}` in {} is not a licence expression",
                d.declared.raw,
                short_origin(&d.declared)
            ));
        }
    }
    if package.dir.is_none() {
        reasons.push("the package's files are not available".to_string());
    } else if detected.iter().all(|d| d.kind != FileKind::Licence) {
        reasons.push("no licence file in the package".to_string());
    } else {
        reasons.push("no licence file could be identified".to_string());
    }
    reasons.join("; ")
}

/// Where a chosen declaration was read, in words: one origin, or the fields of several
/// classifiers of one file.
fn choice_origin(choice: &declared::DeclaredChoice<'_>) -> String {
    let mut origins: Vec<String> = Vec::new();
    for d in &choice.parts {
        let origin = short_origin(&d.declared);
        if !origins.contains(&origin) {
            origins.push(origin);
        }
    }
    origins.join(", ")
}

/// The origin in words, short: a file outside the audited tree (the registry's source cache)
/// is named by its file name only; the full path stays in the JSON evidence.
fn short_origin(declared: &DeclaredLicence) -> String {
    let file = &declared.origin.file;
    let shown = if Path::new(file).is_absolute() {
        Path::new(file)
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| file.clone())
    } else {
        file.clone()
    };
    format!("{shown} `{}`", declared.origin.field)
}

/// `relative` joined to `dir`, refusing absolute paths, and `..` unless `may_leave`: npm's
/// `SEE LICENSE IN` and policy pins must not point fundament at files outside the package,
/// while Cargo's `license-file` of a workspace crate legitimately names `../LICENSE` (and cargo
/// itself copies the file into the package when publishing).
fn contained_path(dir: &Path, relative: &str, may_leave: bool) -> Option<std::path::PathBuf> {
    let rel = Path::new(relative);
    let allowed = |c: Component<'_>| match c {
        Component::Normal(_) | Component::CurDir => true,
        Component::ParentDir => may_leave,
        Component::RootDir | Component::Prefix(_) => false,
    };
    if !rel.components().all(allowed) {
        return None;
    }
    Some(dir.join(rel))
}

fn same_file(a: &Path, b: &Path) -> bool {
    match (std::fs::canonicalize(a), std::fs::canonicalize(b)) {
        (Ok(a), Ok(b)) => a == b,
        _ => a == b,
    }
}

/// The note of a declared licence's reading: translatable where it is one of the readings of
/// src/licence/data/declared-aliases.tsv (`[alias_note]` in the message tables), else as
/// written (a parser's message).
fn alias_note(note: Option<&str>) -> crate::diagnostic::Message {
    let note = note.unwrap_or_default();
    if let Some(error) = note
        .strip_prefix("not an SPDX expression (")
        .and_then(|rest| rest.strip_suffix(')'))
    {
        // The SPDX parser's own words stay as written.
        return text!("not_spdx", error = error).into();
    }
    // The notes the expression reader writes with a value in them (licence/expression.rs).
    if let Some(expression) = note.strip_prefix("each part read on its own, giving ") {
        return text!("each_part_read", expression = expression).into();
    }
    if let Some(file) = note.strip_prefix("the licence is in the package's file ") {
        return text!("licence_in_package_file", file = file).into();
    }
    match crate::report::html::key_of("alias_note", note) {
        Some(key) => Text::new(key).into(),
        None => note.into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn contained_paths_refuse_to_leave_the_package() {
        let dir = Path::new("/pkg");
        assert!(contained_path(dir, "LICENSE", false).is_some());
        assert!(contained_path(dir, "docs/LICENSE.md", false).is_some());
        assert!(contained_path(dir, "../LICENSE", false).is_none());
        assert!(contained_path(dir, "../LICENSE", true).is_some());
        assert!(contained_path(dir, "/etc/passwd", true).is_none());
    }

    /// A package read from the recorded core metadata of a real wheel, its licence files in a
    /// directory as an installed tree or an extracted archive would give them.
    fn python_package(name: &str, wheel: &str, files: Option<&Path>) -> Package {
        use crate::model::{Ecosystem, Origin, PackageSource};
        let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/registry/pypi");
        let metadata =
            std::fs::read_to_string(fixtures.join(format!("files/{wheel}.metadata"))).unwrap();
        let mut package = Package::new(
            Ecosystem::Pypi,
            name,
            "1",
            PackageSource::Registry { url: None },
        );
        for line in metadata.lines().take_while(|l| !l.is_empty()) {
            let (field, value) = line.split_once(": ").unwrap_or((line, ""));
            let licence = field == "License" || field == "License-Expression";
            if licence || (field == "Classifier" && value.starts_with("License ::")) {
                package.declared.push(DeclaredLicence {
                    raw: value.to_string(),
                    origin: Origin {
                        file: "METADATA".into(),
                        field: field.into(),
                    },
                });
            }
        }
        package.dir = files.map(Path::to_path_buf);
        package
    }

    fn identify_one(package: Package, area: &Path) -> (Evidence, Vec<Finding>) {
        let graph = Graph {
            projects: Vec::new(),
            packages: vec![package],
        };
        let options = IdentifyOptions {
            detect: DetectMode::Needed,
            cache: DetectionCache::new(None),
            areas: Confined::other(area, "the package cache")
                .into_iter()
                .collect(),
        };
        let mut identified = identify(&graph, &[], &options);
        (identified.evidence.remove(0), identified.findings)
    }

    #[test]
    fn licence_files_override_a_vague_classifier() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("psycopg2");
        std::fs::create_dir(&dir).unwrap();
        let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/registry/pypi");
        std::fs::copy(
            fixtures.join("licence-files/psycopg2/LICENSE"),
            dir.join("LICENSE"),
        )
        .unwrap();
        let wheel = "psycopg2-2.9.11-cp311-cp311-win_amd64.whl";

        // Without files: the classifier's reading, marked as an assumption.
        let (evidence, findings) =
            identify_one(python_package("psycopg2", wheel, None), tmp.path());
        assert_eq!(evidence.concluded.expression, "LGPL-2.0-or-later");
        assert!(evidence.concluded.assumed);
        assert!(findings.iter().any(|f| f.code == Code::LicenceAssumed));

        // With the wheel's LICENSE: LGPL-3.0-or-later with the OpenSSL exception wins.
        let (evidence, findings) =
            identify_one(python_package("psycopg2", wheel, Some(&dir)), tmp.path());
        let concluded = &evidence.concluded;
        assert_eq!(concluded.from, ConcludedFrom::Detected);
        assert!(!concluded.assumed);
        assert!(
            concluded.expression.starts_with("LGPL-3.0-or-later WITH ")
                && concluded.expression.contains("openssl"),
            "{}",
            concluded.expression
        );
        assert!(
            concluded
                .explanation
                .contains("override the vague declaration"),
            "{}",
            concluded.explanation
        );
        let overridden: Vec<&Finding> = findings
            .iter()
            .filter(|f| f.code == Code::LicenceFilesOverride)
            .collect();
        assert_eq!(overridden.len(), 1, "{findings:?}");
        assert!(overridden[0].message.contains("the files win"));
        assert!(findings.iter().all(|f| f.code != Code::LicenceAssumed));
    }

    #[test]
    fn licence_files_confirm_vague_classifiers() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("dateutil");
        std::fs::create_dir(&dir).unwrap();
        let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/registry/pypi");
        std::fs::copy(
            fixtures.join("licence-files/python-dateutil/LICENSE"),
            dir.join("LICENSE"),
        )
        .unwrap();
        let wheel = "python_dateutil-2.9.0.post0-py2.py3-none-any.whl";
        let (evidence, findings) = identify_one(
            python_package("python-dateutil", wheel, Some(&dir)),
            tmp.path(),
        );
        assert_eq!(evidence.concluded.expression, "BSD-3-Clause AND Apache-2.0");
        assert_eq!(evidence.concluded.from, ConcludedFrom::Declared);
        assert!(!evidence.concluded.assumed);
        assert!(
            evidence
                .concluded
                .explanation
                .contains("confirmed by LICENSE"),
            "{}",
            evidence.concluded.explanation
        );
        assert!(
            findings
                .iter()
                .all(|f| f.code != Code::LicenceAssumed && f.code != Code::LicenceFilesOverride),
            "{findings:?}"
        );
    }

    #[test]
    fn licence_ids_ignore_operators() {
        let ids = licence_ids("MIT OR (Apache-2.0 AND ISC)");
        assert_eq!(
            ids.into_iter().collect::<Vec<_>>(),
            vec!["Apache-2.0", "ISC", "MIT"]
        );
    }
}
