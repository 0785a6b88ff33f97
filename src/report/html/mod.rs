//! The procurement report as one self-contained HTML file (inline CSS, inline SVG, and a small
//! table filter script that the report does not need: without it the tables are complete),
//! in English or German; and what it shares with its Markdown twin (src/report/markdown.rs) and
//! with `fundament notices` (src/report/notices.rs):
//!
//! - the **texts** of both languages, one table per language (src/report/i18n/en.toml and
//!   de.toml, compiled in), looked up with [`tr`] and [`trn`];
//! - the **templates** (src/report/templates/), compiled once into one MiniJinja environment.
//!   Templates named `*.html` escape every value for HTML, `*.md` for Markdown (see
//!   [`md_escape`]): package names and licence strings come from untrusted repositories;
//! - the **view** of an audit: everything the report shows, already grouped, counted and put
//!   into words, so that the templates only lay it out. Building it computes nothing the audit
//!   has not established: it groups packages for display and explains them.

use crate::audit::{Audit, AuditedPackage, Outcome, PolicySource};
use crate::diagnostic::{Code, Severity};
use crate::index::{Decision, SourceKind as IndexKind};
use crate::licence::expression::{Tree, licence_ids};
use crate::licence::facts::{self, Category};
use crate::licence::obligations::{self, Lang};
use crate::licence::project::SourceKind;
use crate::licence::{ConcludedFrom, NOASSERTION};
use crate::model::Ecosystem;
use crate::policy::RequireVetted;
use crate::policy::compat::{Compatibility, UseMode, Verdict as CompatVerdict};
use crate::policy::evaluate::{Cause, Status};
use crate::vet::{ArchiveMatch, VettingRecord, VettingStatus};
use minijinja::value::Serde;
use minijinja::{AutoEscape, Environment, UndefinedBehavior};
use serde::Serialize;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::Path;
use std::sync::OnceLock;

/// Renders the HTML report.
pub fn render(audit: &Audit, lang: Lang) -> String {
    render_view("report.html", audit, lang)
}

/// Renders the report template `name` (`report.html` or `report.md`) for `audit`.
pub(crate) fn render_view(name: &str, audit: &Audit, lang: Lang) -> String {
    let view = view(audit, lang);
    render_template(name, lang, &view)
}

mod duties;
mod findings;
#[cfg(test)]
mod tests;
mod texts;
mod vetting;

pub(crate) use duties::pair_obligations;
use duties::{compat_details, licence_extras, obligation_categories};
use findings::other_findings;
pub(crate) use texts::*;
pub use texts::{render_text, text_keys};
use vetting::{VettingView, day, record_by, vetting, vetting_detail, vetting_status};

// ---------------------------------------------------------------------------------------------
// Buckets: the category a package is counted under.

/// What a package is counted as in the chart and the action groups.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) enum Bucket {
    Category(Category),
    /// A licence fundament has no category for (LicenseRef-..., unknown ids).
    Uncategorised,
    /// The input records no licence (L009).
    Unresolved,
    /// No licence could be established (NOASSERTION).
    Unknown,
}

impl Bucket {
    pub(crate) fn key(self) -> &'static str {
        match self {
            Bucket::Category(c) => c.as_str(),
            Bucket::Uncategorised => "uncategorised",
            Bucket::Unresolved => "unresolved",
            Bucket::Unknown => "unknown",
        }
    }

    fn label(self, lang: Lang) -> String {
        tr(lang, &format!("category.{}", self.key()))
    }

    fn colour(self) -> &'static str {
        match self {
            Bucket::Category(Category::PublicDomain) => "#5b8c3a",
            Bucket::Category(Category::Permissive) => "#2e7d32",
            Bucket::Category(Category::WeakCopyleft) => "#1565c0",
            Bucket::Category(Category::StrongCopyleft) => "#e65100",
            Bucket::Category(Category::NetworkCopyleft) => "#b71c1c",
            Bucket::Category(_) => "#6a1b9a",
            Bucket::Uncategorised => "#6d4c41",
            Bucket::Unresolved => "#78909c",
            Bucket::Unknown => "#424242",
        }
    }
}

/// The licence expression a package is used under: the effective one, else the concluded.
pub(crate) fn used_expression(p: &AuditedPackage) -> &str {
    p.verdict
        .effective
        .as_deref()
        .unwrap_or(&p.licence.concluded.expression)
}

/// Whether the package's licence is unresolved rather than unknown: the input could not carry
/// it (as the evaluation decides for L009).
pub(crate) fn is_unresolved(p: &AuditedPackage) -> bool {
    p.package.licence_unavailable.is_some() && p.licence.declared.is_empty()
}

/// The bucket of a package: the strictest category of the licences it is used under.
pub(crate) fn bucket(p: &AuditedPackage) -> Bucket {
    let expression = used_expression(p);
    if expression == NOASSERTION {
        return if is_unresolved(p) {
            Bucket::Unresolved
        } else {
            Bucket::Unknown
        };
    }
    let Ok(tree) = Tree::parse(expression) else {
        return Bucket::Unknown;
    };
    let mut strictest: Option<Category> = None;
    for req in tree.licences() {
        match facts::category_of(req) {
            Some(c) => strictest = Some(strictest.map_or(c, |s| s.max(c))),
            None => return Bucket::Uncategorised,
        }
    }
    strictest.map_or(Bucket::Unknown, Bucket::Category)
}

/// Every bucket, in display order.
fn all_buckets() -> Vec<Bucket> {
    let mut all: Vec<Bucket> = Category::ALL.iter().map(|&c| Bucket::Category(c)).collect();
    all.extend([Bucket::Uncategorised, Bucket::Unresolved, Bucket::Unknown]);
    all
}

// ---------------------------------------------------------------------------------------------
// The view

#[derive(Debug, Serialize)]
pub(crate) struct View {
    lang: &'static str,
    title: String,
    head: Head,
    verdict: VerdictView,
    project_licence: ProjectLicenceView,
    chart: Chart,
    licences: Vec<LicenceRow>,
    groups: Vec<Group>,
    obligations: Vec<ObligationCategory>,
    other: Vec<OtherCode>,
    vetting: VettingView,
    vulnerabilities: super::vulnerabilities::VulnerabilityView,
    /// The components delivered with the product (and the project's own), in the audit's
    /// order.
    components: Vec<Component>,
    /// Development tools and other components that are not delivered (the policy checks
    /// them against its licence rules only, or not at all), in the audit's order.
    tools: Vec<Component>,
}

#[derive(Debug, Serialize)]
struct Head {
    project: String,
    roots: String,
    directory: String,
    date: String,
    policy: String,
    policy_origin: String,
    policy_description: String,
    tool: String,
    generated: String,
    offline: bool,
}

#[derive(Debug, Serialize)]
struct VerdictView {
    outcome: &'static str,
    /// The outcome and whose policy decided it ("Passed, under the audited repository's own
    /// policy (fundament.toml), ...").
    headline: String,
    /// `preset`, `file` or `repository`: whose policy decided.
    policy_source: &'static str,
    /// What the reader must know about whose policy decided: a warning when it was the audited
    /// party's own, a note when the audited party's own was left unused; else empty.
    policy_note: String,
    sentence: String,
    meaning: String,
    attention: String,
    skipped: String,
    counts: Vec<Count>,
}

#[derive(Debug, Serialize)]
struct Count {
    key: &'static str,
    label: String,
    value: String,
}

#[derive(Debug, Serialize)]
struct ProjectLicenceView {
    expression: String,
    summary: String,
    agreement: String,
    consistent: bool,
    statements: Vec<StatementRow>,
}

#[derive(Debug, Serialize)]
struct StatementRow {
    source: String,
    file: String,
    raw: String,
    read_as: String,
    note: String,
    used: bool,
}

#[derive(Debug, Serialize)]
struct Chart {
    width: usize,
    height: usize,
    label_width: usize,
    bars: Vec<Bar>,
}

#[derive(Debug, Serialize)]
struct Bar {
    key: &'static str,
    label: String,
    count: usize,
    count_text: String,
    share: String,
    colour: &'static str,
    y: usize,
    bar_y: usize,
    text_y: usize,
    width: usize,
    count_x: usize,
    /// A bar of Markdown block characters.
    blocks: String,
}

#[derive(Debug, Serialize)]
struct LicenceRow {
    licence: String,
    category: String,
    packages: String,
    allowed: String,
    review: String,
    denied: String,
    skipped: String,
}

#[derive(Debug, Serialize)]
struct Group {
    id: String,
    kind: &'static str,
    title: String,
    count: String,
    meaning: String,
    todo: Vec<String>,
    causes: Vec<String>,
    obligations: Vec<String>,
    extras: Vec<Extra>,
    details: Vec<Detail>,
    details_title: String,
    packages: Vec<PackageRef>,
    big: bool,
}

#[derive(Debug, Serialize)]
struct Extra {
    title: String,
    items: Vec<String>,
}

#[derive(Debug, Serialize)]
struct Detail {
    licence: String,
    verdict: String,
    reason: String,
    remedy: String,
    sources: Vec<String>,
    obligations: Vec<String>,
}

#[derive(Debug, Serialize)]
struct PackageRef {
    name: String,
    version: String,
    /// How the component is used (Verwendung).
    usage: String,
    licence: String,
    path: String,
    /// The lockfile the path was read from.
    path_file: String,
}

#[derive(Debug, Serialize)]
struct ObligationCategory {
    key: &'static str,
    label: String,
    count: String,
    licences: String,
    obligations: Vec<String>,
    extras: Vec<Extra>,
}

#[derive(Debug, Serialize)]
struct OtherCode {
    code: &'static str,
    severity: String,
    severity_key: String,
    meaning: String,
    count: String,
    items: Vec<OtherItem>,
}

#[derive(Debug, Serialize)]
struct OtherItem {
    subject: String,
    message: String,
}

#[derive(Debug, Serialize)]
struct Component {
    number: usize,
    name: String,
    version: String,
    ecosystem: String,
    scope: String,
    concluded: String,
    effective: String,
    source: String,
    status: &'static str,
    verdict: String,
    compatibility: String,
    /// The vetting status (a `vetting_status.*` key), in words, and for a record who decided
    /// and the record's details (versions, archive, licence, notes) in one line.
    vetting_key: &'static str,
    vetting: String,
    vetting_by: String,
    vetting_detail: String,
    /// The exceptions and the clarification that decided the verdict, each with its reason,
    /// approver and expiry.
    decided_by: Vec<String>,
    root: bool,
}

/// Findings that the action groups explain; the others are listed under "Further notes".
const GROUPED_CODES: &[Code] = &[
    // The section on known vulnerabilities explains these.
    Code::Vulnerability,
    Code::AdvisoryInformational,
    Code::VulnerabilityNotAffected,
    Code::VulnerabilityIgnored,
    Code::AdvisoryDataMissing,
    Code::AdvisoryDataStale,
    Code::AdvisoriesNotChecked,
    Code::AdvisoriesChecked,
    Code::LicenceDenied,
    Code::LicenceNotAllowed,
    Code::LicenceNeedsReview,
    Code::LicenceUnknown,
    Code::LicenceNotInInput,
    Code::LicenceIncompatible,
    Code::CompatibilityNeedsReview,
    Code::ObligationTriggered,
    // The vetting section and the vetting groups of "What needs to be done" explain these.
    Code::VettingRejected,
    Code::NotVetted,
    Code::UnderReview,
    Code::Vetted,
];

/// What the vetting findings say about each package: the purls with a `rejected` decision
/// (V002), those the policy requires to be vetted that are not (V003, V004), and those with a
/// vetting violation (an error of these codes).
#[derive(Debug, Default)]
struct VetFlags<'a> {
    rejected: HashSet<&'a str>,
    required: HashSet<&'a str>,
    violating: HashSet<&'a str>,
}

impl<'a> VetFlags<'a> {
    fn of(audit: &'a Audit) -> Self {
        let mut flags = VetFlags::default();
        for f in &audit.findings {
            // A folded finding (issue 17) stands for each of its packages.
            for purl in f.purls() {
                match f.code {
                    Code::VettingRejected => {
                        flags.rejected.insert(purl);
                    }
                    Code::NotVetted | Code::UnderReview => {
                        flags.required.insert(purl);
                    }
                    _ => continue,
                }
                if f.severity == Severity::Error {
                    flags.violating.insert(purl);
                }
            }
        }
        flags
    }
}

/// Builds everything the procurement report shows.
pub(crate) fn view(audit: &Audit, lang: Lang) -> View {
    let third_party: Vec<&AuditedPackage> =
        audit.packages.iter().filter(|p| !p.package.root).collect();
    let flags = VetFlags::of(audit);
    View {
        lang: lang_code(lang),
        title: tr(lang, "report.title"),
        head: head(audit, lang),
        verdict: verdict(audit, &third_party, &flags, lang),
        project_licence: project_licence(audit, lang),
        chart: chart(&third_party, lang),
        licences: licence_rows(audit, lang),
        groups: groups(&third_party, &flags, audit.vetting.require_vetted, lang),
        obligations: obligation_categories(&third_party, lang),
        other: other_findings(audit, lang),
        vetting: vetting(audit, &third_party, lang),
        vulnerabilities: super::vulnerabilities::view(audit, lang),
        components: components(audit, lang, true),
        tools: components(audit, lang, false),
    }
}

/// Whether the procurement report lists the package among the delivered components: the
/// project's own packages, packages the policy checks as delivered, and skipped runtime
/// packages (an optional dependency the policy leaves out is still delivered).
pub(crate) fn is_delivered(p: &AuditedPackage) -> bool {
    use crate::model::Scope;
    p.package.root
        || p.verdict.delivered
        || (p.verdict.status == Status::Skipped && p.package.scope == Scope::Runtime)
}

/// The name of the audited directory.
pub(crate) fn project_name(audit: &Audit) -> String {
    Path::new(&audit.root)
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| audit.root.clone())
}

fn head(audit: &Audit, lang: Lang) -> Head {
    const SHOWN_ROOTS: usize = 6;
    let roots: Vec<String> = audit
        .packages
        .iter()
        .filter(|p| p.package.root)
        .map(|p| {
            format!("{} {}", p.package.name, p.package.version)
                .trim()
                .to_string()
        })
        .collect();
    let mut shown = roots
        .iter()
        .take(SHOWN_ROOTS)
        .cloned()
        .collect::<Vec<_>>()
        .join(", ");
    if roots.len() > SHOWN_ROOTS {
        shown.push_str(", ");
        shown.push_str(&fill(
            &tr(lang, "report.and_more"),
            &[("n", &number(roots.len() - SHOWN_ROOTS, lang))],
        ));
    }
    Head {
        project: project_name(audit),
        roots: shown,
        directory: audit.root.clone(),
        date: date(&audit.created, lang),
        policy: audit.policy.name.clone(),
        policy_origin: policy_origin(&audit.policy.origin, lang),
        policy_description: policy_description(
            &audit.policy.origin,
            audit.policy.description.as_deref(),
            lang,
        ),
        tool: format!("{} {}", audit.tool.name, audit.tool.version),
        generated: fill(
            &tr(lang, "report.generated"),
            &[("tool", audit.tool.name), ("version", audit.tool.version)],
        ),
        offline: audit.offline,
    }
}

/// Whether a package needs someone to act: denied, to be reviewed, not plainly compatible
/// with the project's licence, rejected in an index, or not vetted as the policy requires.
fn needs_attention(p: &AuditedPackage, flags: &VetFlags) -> bool {
    matches!(p.verdict.status, Status::Denied | Status::Review)
        || p.verdict
            .compatibility
            .as_ref()
            .is_some_and(|c| c.verdict != CompatVerdict::Compatible)
        || flags.rejected.contains(p.package.purl.as_str())
        || flags.required.contains(p.package.purl.as_str())
}

/// A licence file's statement as written in the report's language: the detection's score
/// ("MIT (score 1.00)") and "not identified" are fundament's words, not the file's.
fn statement_written_in(s: &crate::licence::project::LicenceStatement, lang: Lang) -> String {
    if lang == Lang::En || s.kind != SourceKind::LicenceFile {
        return s.raw.clone();
    }
    if s.raw == "not identified" {
        return tr(lang, "project_licence.not_identified");
    }
    match s
        .raw
        .rsplit_once(" (score ")
        .and_then(|(licence, rest)| Some((licence, rest.strip_suffix(')')?)))
    {
        Some((licence, score)) => {
            let score = match lang {
                Lang::De => score.replace('.', ","),
                Lang::En => score.to_string(),
            };
            let words = texts::fill(&tr(lang, "project_licence.score"), &[("score", &score)]);
            format!("{licence} ({words})")
        }
        None => s.raw.clone(),
    }
}

fn verdict(
    audit: &Audit,
    third_party: &[&AuditedPackage],
    flags: &VetFlags,
    lang: Lang,
) -> VerdictView {
    let summary = &audit.summary;
    let status = |s: Status| summary.by_status.get(&s).copied().unwrap_or(0);
    let packages = summary.packages;
    // The components that violate the policy: denied by it, or with a vetting violation
    // (rejected in an index; not vetted where the policy denies that).
    let denied = third_party
        .iter()
        .filter(|p| {
            p.verdict.status == Status::Denied || flags.violating.contains(p.package.purl.as_str())
        })
        .count();
    let n = |v: usize| number(v, lang);
    let (outcome, headline, sentence, meaning) = match summary.outcome {
        Outcome::Pass => (
            "pass",
            tr(lang, "verdict.pass"),
            match packages {
                0 => tr(lang, "verdict.pass_sentence_none"),
                1 => tr(lang, "verdict.pass_sentence_one"),
                _ => fill(
                    &tr(lang, "verdict.pass_sentence_other"),
                    &[("packages", &n(packages))],
                ),
            },
            tr(lang, "verdict.pass_meaning"),
        ),
        Outcome::Fail => (
            "fail",
            tr(lang, "verdict.fail"),
            if denied > 0 {
                let key = if denied == 1 {
                    "verdict.fail_packages_one"
                } else {
                    "verdict.fail_packages_other"
                };
                fill(
                    &tr(lang, key),
                    &[("denied", &n(denied)), ("packages", &n(packages))],
                )
            } else {
                let key = if summary.errors == 1 {
                    "verdict.fail_findings_one"
                } else {
                    "verdict.fail_findings_other"
                };
                fill(&tr(lang, key), &[("errors", &n(summary.errors))])
            },
            tr(lang, "verdict.fail_meaning"),
        ),
        Outcome::Incomplete => (
            "incomplete",
            tr(lang, "verdict.incomplete"),
            tr(lang, "verdict.incomplete_sentence"),
            tr(lang, "verdict.incomplete_meaning"),
        ),
    };
    let attention = third_party
        .iter()
        .filter(|p| needs_attention(p, flags))
        .count();
    let attention = if attention == 0 && summary.outcome == Outcome::Incomplete {
        // Nothing read needs attention, but not everything was read: say nothing rather than
        // "no component needs attention".
        String::new()
    } else if attention == 0 {
        tr(lang, "verdict.attention_none")
    } else {
        trn(lang, "verdict.attention", attention)
    };
    let skipped = status(Status::Skipped);
    let skipped = if skipped == 0 {
        String::new()
    } else {
        trn(lang, "verdict.skipped", skipped)
    };
    let counts = [
        (Status::Allowed, "allowed"),
        (Status::Review, "review"),
        (Status::Denied, "denied"),
        (Status::Skipped, "skipped"),
    ]
    .into_iter()
    .map(|(s, key)| Count {
        key,
        label: tr(lang, &format!("status.{key}")),
        value: n(status(s)),
    })
    .collect();
    let policy = &audit.policy;
    let (policy_source, by_key) = match policy.source {
        PolicySource::Preset => ("preset", "verdict.by_preset"),
        PolicySource::File => ("file", "verdict.by_file"),
        PolicySource::Repository => ("repository", "verdict.by_repository"),
    };
    let headline = fill(
        &tr(lang, by_key),
        &[
            ("outcome", &headline),
            ("policy", &policy.name),
            ("origin", &policy.origin),
        ],
    );
    let policy_note = match (policy.source, &policy.repository_policy_ignored) {
        (PolicySource::Repository, _) => tr(lang, "verdict.repository_warning"),
        (_, Some(file)) => fill(&tr(lang, "verdict.repository_ignored"), &[("file", file)]),
        _ => String::new(),
    };
    VerdictView {
        outcome,
        headline,
        policy_source,
        policy_note,
        sentence,
        meaning,
        attention,
        skipped,
        counts,
    }
}

fn project_licence(audit: &Audit, lang: Lang) -> ProjectLicenceView {
    let own = &audit.project_licence;
    let summary = match &own.expression {
        Some(e) => fill(&tr(lang, "project_licence.stated"), &[("licence", e)]),
        None => tr(lang, "project_licence.not_stated"),
    };
    let agreement = if own.statements.is_empty() {
        String::new()
    } else if own.consistent {
        tr(lang, "project_licence.agree")
    } else {
        tr(lang, "project_licence.disagree")
    };
    // The statement the audit took the licence from: the first decisive one that did not have
    // to guess, else the first decisive one (as src/licence/project.rs chooses).
    let decisive = |s: &&crate::licence::project::LicenceStatement| {
        s.expression.is_some() && s.note.is_none() && s.expression == own.expression
    };
    let chosen = own
        .statements
        .iter()
        .position(|s| decisive(&s) && !s.assumed)
        .or_else(|| own.statements.iter().position(|s| decisive(&s)));
    let statements = own
        .statements
        .iter()
        .enumerate()
        .map(|(i, s)| StatementRow {
            source: tr(lang, &format!("statement_kind.{}", source_kind_key(s.kind))),
            file: match &s.field {
                Some(field) => format!("{} ({field})", s.file),
                None => headers_in(&s.file, lang),
            },
            raw: statement_written_in(s, lang),
            read_as: match &s.expression {
                Some(e) if s.assumed => format!("{e} {}", tr(lang, "project_licence.assumed")),
                Some(e) => e.clone(),
                None => "—".to_string(),
            },
            note: s.note.as_ref().map(|n| n.render(lang)).unwrap_or_default(),
            used: chosen == Some(i),
        })
        .collect();
    ProjectLicenceView {
        expression: own
            .expression
            .clone()
            .unwrap_or_else(|| tr(lang, "report.not_stated")),
        summary,
        agreement,
        consistent: own.consistent,
        statements,
    }
}

fn source_kind_key(kind: SourceKind) -> &'static str {
    match kind {
        SourceKind::Publiccode => "publiccode",
        SourceKind::Reuse => "reuse",
        SourceKind::Manifest => "manifest",
        SourceKind::LicensesDir => "licenses-dir",
        SourceKind::LicenceFile => "licence-file",
        SourceKind::Headers => "headers",
    }
}

fn share(count: usize, total: usize, lang: Lang) -> String {
    if total == 0 {
        return String::new();
    }
    let percent = count as f64 * 100.0 / total as f64;
    let text = if percent > 0.0 && percent < 1.0 {
        "<1".to_string()
    } else {
        format!("{}", percent.round() as usize)
    };
    match lang {
        Lang::En => format!("{text}%"),
        Lang::De => format!("{text}\u{a0}%"),
    }
}

fn chart(third_party: &[&AuditedPackage], lang: Lang) -> Chart {
    const LABEL_WIDTH: usize = 320;
    const BAR_AREA: usize = 360;
    const ROW: usize = 32;
    let mut counts: HashMap<Bucket, usize> = HashMap::new();
    for p in third_party {
        *counts.entry(bucket(p)).or_insert(0) += 1;
    }
    let total = third_party.len();
    let max = counts.values().copied().max().unwrap_or(0).max(1);
    let bars: Vec<Bar> = all_buckets()
        .into_iter()
        .filter_map(|b| counts.get(&b).map(|&c| (b, c)))
        .enumerate()
        .map(|(row, (b, count))| {
            let width = (count * BAR_AREA).div_ceil(max).max(2);
            let y = row * ROW + 8;
            Bar {
                key: b.key(),
                label: b.label(lang),
                count,
                count_text: number(count, lang),
                share: share(count, total, lang),
                colour: b.colour(),
                y,
                bar_y: y + 4,
                text_y: y + 19,
                width,
                count_x: LABEL_WIDTH + width + 8,
                blocks: "█".repeat((count * 20).div_ceil(max).max(1)),
            }
        })
        .collect();
    Chart {
        width: LABEL_WIDTH + BAR_AREA + 150,
        height: bars.len() * ROW + 16,
        label_width: LABEL_WIDTH,
        bars,
    }
}

fn licence_rows(audit: &Audit, lang: Lang) -> Vec<LicenceRow> {
    let n = |v: usize| {
        if v == 0 {
            String::new()
        } else {
            number(v, lang)
        }
    };
    audit
        .summary
        .by_licence
        .iter()
        .map(|row| {
            let status = |s: Status| row.by_status.get(&s).copied().unwrap_or(0);
            LicenceRow {
                licence: display_licence(&row.licence, false, lang),
                category: match &row.category {
                    Some(c) if Category::from_name(c).is_some() => {
                        tr(lang, &format!("category.{c}"))
                    }
                    Some(c) => c
                        .split(" + ")
                        .map(|part| tr(lang, &format!("category.{part}")))
                        .collect::<Vec<_>>()
                        .join(" + "),
                    None if row.licence == NOASSERTION => tr(lang, "category.unknown"),
                    None => tr(lang, "category.uncategorised"),
                },
                packages: number(row.packages, lang),
                allowed: n(status(Status::Allowed)),
                review: n(status(Status::Review)),
                denied: n(status(Status::Denied)),
                skipped: n(status(Status::Skipped)),
            }
        })
        .collect()
}

/// A licence expression for display: NOASSERTION in words.
fn display_licence(expression: &str, unresolved: bool, lang: Lang) -> String {
    if expression == NOASSERTION {
        if unresolved {
            tr(lang, "category.unresolved")
        } else {
            tr(lang, "category.unknown")
        }
    } else {
        expression.to_string()
    }
}

fn package_ref(p: &AuditedPackage, lang: Lang) -> PackageRef {
    PackageRef {
        name: p.package.name.clone(),
        version: p.package.version.clone(),
        usage: scope_text(p, lang),
        path_file: p
            .package
            .usages
            .first()
            .filter(|u| !u.path.is_empty())
            .map(|u| u.file.clone())
            .unwrap_or_default(),
        licence: display_licence(used_expression(p), is_unresolved(p), lang),
        path: p
            .path
            .iter()
            .map(|step| step.trim())
            .collect::<Vec<_>>()
            .join(" → "),
    }
}

/// Tables longer than this start on a new page when printed.
const BIG_TABLE: usize = 25;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
enum GroupKey {
    Denied(Bucket),
    Unknown,
    Unresolved,
    Incompatible,
    /// Rejected in an index of vetted components (V002).
    VetRejected,
    Review(Bucket),
    CompatReview,
    /// Not approved in an index although the policy requires it (V003, V004); `true` when
    /// the policy denies that.
    VetRequired(bool),
    Obligation,
}

fn groups(
    third_party: &[&AuditedPackage],
    flags: &VetFlags,
    require: RequireVetted,
    lang: Lang,
) -> Vec<Group> {
    let mut members: BTreeMap<GroupKey, Vec<&AuditedPackage>> = BTreeMap::new();
    let mut compat: Option<&Compatibility> = None;
    for &p in third_party {
        let purl = p.package.purl.as_str();
        if flags.rejected.contains(purl) {
            members.entry(GroupKey::VetRejected).or_default().push(p);
        } else if flags.required.contains(purl) {
            members
                .entry(GroupKey::VetRequired(require == RequireVetted::Deny))
                .or_default()
                .push(p);
        }
        let b = bucket(p);
        let key = match (p.verdict.status, b) {
            (Status::Denied | Status::Review, Bucket::Unknown) => Some(GroupKey::Unknown),
            (Status::Denied | Status::Review, Bucket::Unresolved) => Some(GroupKey::Unresolved),
            (Status::Denied, b) => Some(GroupKey::Denied(b)),
            (Status::Review, b) => Some(GroupKey::Review(b)),
            _ => None,
        };
        if let Some(key) = key {
            members.entry(key).or_default().push(p);
        }
        if let Some(c) = &p.verdict.compatibility {
            compat.get_or_insert(c);
            match c.verdict {
                CompatVerdict::Incompatible => {
                    members.entry(GroupKey::Incompatible).or_default().push(p)
                }
                CompatVerdict::NeedsReview => {
                    members.entry(GroupKey::CompatReview).or_default().push(p)
                }
                CompatVerdict::Compatible => {}
            }
            if c.pairs.iter().any(|pair| !pair.obligations.is_empty()) {
                members.entry(GroupKey::Obligation).or_default().push(p);
            }
        }
    }
    let (outbound, use_mode) = compat
        .map(|c| {
            (
                c.outbound.clone(),
                tr(lang, &format!("use_mode.{}", use_key(c.use_mode))),
            )
        })
        .unwrap_or_default();
    members
        .into_iter()
        .map(|(key, packages)| group(key, &packages, &outbound, &use_mode, lang))
        .collect()
}

fn use_key(mode: UseMode) -> &'static str {
    match mode {
        UseMode::Distribution => "distribution",
        UseMode::Network => "network",
        UseMode::Internal => "internal",
    }
}

fn compat_key(verdict: CompatVerdict) -> &'static str {
    match verdict {
        CompatVerdict::Compatible => "compatible",
        CompatVerdict::NeedsReview => "needs-review",
        CompatVerdict::Incompatible => "incompatible",
    }
}

fn group(
    key: GroupKey,
    packages: &[&AuditedPackage],
    outbound: &str,
    use_mode: &str,
    lang: Lang,
) -> Group {
    let n = packages.len();
    let values = [("outbound", outbound), ("use", use_mode)];
    let text = |k: &str| fill(&tr(lang, &format!("group.{k}")), &values);
    let mut todo = Vec::new();
    let mut causes = Vec::new();
    let mut obligations_list = Vec::new();
    let mut extras = Vec::new();
    let mut details = Vec::new();
    let mut details_title = String::new();
    let (id, kind, title, meaning) = match key {
        GroupKey::Denied(b) | GroupKey::Review(b) => {
            let denied = matches!(key, GroupKey::Denied(_));
            let (kind, decision) = if denied {
                ("denied", crate::policy::Decision::Deny)
            } else {
                ("review", crate::policy::Decision::Review)
            };
            todo.push(text(&format!("{kind}_todo")));
            if !denied {
                let category_todo = format!("action_category.{}", b.key());
                let line = tr(lang, &category_todo);
                if line != category_todo {
                    todo.push(line);
                }
            }
            // Each cause once, with the licences it decided.
            let mut by_cause: Vec<(String, Vec<String>)> = Vec::new();
            for d in packages
                .iter()
                .flat_map(|p| p.verdict.licences.iter())
                .filter(|d| d.decision == decision)
            {
                let text = cause(&d.cause, lang);
                match by_cause.iter_mut().find(|(c, _)| *c == text) {
                    Some((_, licences)) if !licences.contains(&d.licence) => {
                        licences.push(d.licence.clone())
                    }
                    Some(_) => {}
                    None => by_cause.push((text, vec![d.licence.clone()])),
                }
            }
            causes = by_cause
                .into_iter()
                .map(|(c, licences)| {
                    fill(
                        &tr(lang, "cause.cause_for"),
                        &[("cause", &c), ("licences", &licences.join(", "))],
                    )
                })
                .collect();
            if let Bucket::Category(c) = b {
                obligations_list = obligations::category_obligations(c, lang);
            }
            extras = licence_extras(packages, lang);
            (
                format!("{kind}-{}", b.key()),
                kind,
                fill(
                    &tr(lang, &format!("group.{kind}_title")),
                    &[("category", &b.label(lang))],
                ),
                text(&format!("{kind}_meaning")),
            )
        }
        GroupKey::Unknown => {
            todo.push(trn(lang, "group.unknown_todo", n));
            (
                "unknown".to_string(),
                "unknown",
                text("unknown_title"),
                text("unknown_meaning"),
            )
        }
        GroupKey::Unresolved => {
            todo.push(trn(lang, "group.unresolved_todo", n));
            (
                "unresolved".to_string(),
                "unresolved",
                text("unresolved_title"),
                text("unresolved_meaning"),
            )
        }
        GroupKey::Incompatible | GroupKey::CompatReview => {
            let (prefix, wanted) = if key == GroupKey::Incompatible {
                ("incompatible", CompatVerdict::Incompatible)
            } else {
                ("compat_review", CompatVerdict::NeedsReview)
            };
            todo.push(text(&format!("{prefix}_todo")));
            details = compat_details(packages, lang, false, |pair| pair.verdict == wanted);
            details_title = tr(lang, "group.reasons");
            (
                prefix.replace('_', "-"),
                "compatibility",
                text(&format!("{prefix}_title")),
                text(&format!("{prefix}_meaning")),
            )
        }
        GroupKey::VetRejected => {
            todo.push(text("vet_rejected_todo"));
            causes = distinct(
                packages
                    .iter()
                    .filter_map(|p| p.vetting.record.as_ref())
                    .map(|r| record_by(r, lang)),
            );
            (
                "vet-rejected".to_string(),
                "denied",
                text("vet_rejected_title"),
                text("vet_rejected_meaning"),
            )
        }
        GroupKey::VetRequired(deny) => {
            todo.push(text("vet_required_todo"));
            (
                "vet-required".to_string(),
                if deny { "denied" } else { "review" },
                text("vet_required_title"),
                text(if deny {
                    "vet_required_meaning_deny"
                } else {
                    "vet_required_meaning_warn"
                }),
            )
        }
        GroupKey::Obligation => {
            todo.push(text("obligation_todo"));
            details = compat_details(packages, lang, true, |pair| !pair.obligations.is_empty());
            details_title = tr(lang, "group.obligations");
            (
                "obligation".to_string(),
                "obligation",
                text("obligation_title"),
                text("obligation_meaning"),
            )
        }
    };
    Group {
        id,
        kind,
        title,
        count: trn(lang, "group.count", n),
        meaning,
        todo,
        causes,
        obligations: obligations_list,
        extras,
        details,
        details_title,
        packages: packages.iter().map(|p| package_ref(p, lang)).collect(),
        big: n > BIG_TABLE,
    }
}

fn cause(cause: &Cause, lang: Lang) -> String {
    match cause {
        Cause::Rule { rule, source } => fill(
            &tr(lang, "cause.rule"),
            &[("rule", rule), ("source", source)],
        ),
        Cause::Default => tr(lang, "cause.default"),
        Cause::Unknown => tr(lang, "cause.unknown"),
        Cause::Exception {
            source,
            approved_by,
            reason,
            expires,
        } => fill(
            &tr(lang, "cause.exception"),
            &[
                ("source", source),
                ("approved_by", approved_by),
                ("reason", reason),
                ("expiry", &expiry(expires.as_deref(), lang)),
            ],
        ),
    }
}

/// Where the policy came from, in words: a built-in preset by name, or its file.
pub(crate) fn policy_origin(origin: &str, lang: Lang) -> String {
    match origin.strip_prefix("preset ") {
        Some(name) => fill(&tr(lang, "preset.origin"), &[("name", name)]),
        None => origin.to_string(),
    }
}

/// The policy's description; a built-in preset's unchanged one in `lang` (a policy's own
/// description is the author's and stays as written).
pub(crate) fn policy_description(origin: &str, description: Option<&str>, lang: Lang) -> String {
    let description = description.unwrap_or_default().to_string();
    let Some(name) = origin.strip_prefix("preset ") else {
        return description;
    };
    let key = format!("preset.{name}");
    let english = tr(Lang::En, &key);
    if english == description {
        tr(lang, &key)
    } else {
        description
    }
}

/// An expiry date in words: "valid until 31.12.2026", or that there is none.
fn expiry(date: Option<&str>, lang: Lang) -> String {
    match date {
        Some(date) => fill(&tr(lang, "decided.expires"), &[("date", &day(date, lang))]),
        None => tr(lang, "decided.no_expiry"),
    }
}

/// The exceptions and the policy clarification that decided a package's verdict, each with
/// its reason, approver, expiry and where it is written.
pub(crate) fn decided_by(p: &AuditedPackage, lang: Lang) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    if p.licence.concluded.from == ConcludedFrom::Curated
        && let Some(c) = p.licence.curated.as_ref().filter(|c| c.from_policy)
    {
        out.push(fill(
            &tr(lang, "decided.clarification"),
            &[
                ("licence", &c.expression),
                (
                    "reason",
                    &c.reason
                        .clone()
                        .unwrap_or_else(|| tr(lang, "decided.no_reason")),
                ),
                (
                    "approved_by",
                    &c.approved_by
                        .clone()
                        .unwrap_or_else(|| tr(lang, "decided.no_approver")),
                ),
                ("expiry", &expiry(c.expires.as_deref(), lang)),
                ("source", &c.source),
            ],
        ));
    }
    for d in &p.verdict.licences {
        if let Cause::Exception {
            source,
            approved_by,
            reason,
            expires,
        } = &d.cause
        {
            let text = fill(
                &tr(lang, "decided.exception"),
                &[
                    ("reason", reason),
                    ("approved_by", approved_by),
                    ("expiry", &expiry(expires.as_deref(), lang)),
                    ("source", source),
                ],
            );
            if !out.contains(&text) {
                out.push(text);
            }
        }
    }
    out
}

/// The items of `items` without repeats, in first-seen order.
fn distinct(items: impl Iterator<Item = String>) -> Vec<String> {
    let mut seen = HashSet::new();
    items.filter(|i| seen.insert(i.clone())).collect()
}

/// How the component is used (Verwendung), in words: its scope, and where it ships, whether
/// the policy checked it as delivered.
pub(crate) fn scope_text(p: &AuditedPackage, lang: Lang) -> String {
    let mut text = tr(lang, &format!("scope.{}", p.package.scope));
    if p.package.optional {
        text.push_str(", ");
        text.push_str(&tr(lang, "scope.optional"));
    }
    if p.package.peer {
        text.push_str(", ");
        text.push_str(&tr(lang, "scope.peer"));
    }
    text
}

/// Where the concluded licence came from, in words.
pub(crate) fn licence_source(p: &AuditedPackage, lang: Lang) -> String {
    let evidence = &p.licence;
    match evidence.concluded.from {
        ConcludedFrom::Declared => {
            // The declaration(s) the conclusion rests on: one, or all licence classifiers.
            let choice = crate::licence::declared::choose(&evidence.declared);
            let Some(used) = choice.as_ref().and_then(|c| c.parts.first().copied()) else {
                return tr(lang, "from.none");
            };
            let classifiers = choice.as_ref().map_or(0, |c| c.parts.len());
            let file = &used.declared.origin.file;
            let shown = if Path::new(file).is_absolute() {
                Path::new(file)
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_else(|| file.clone())
            } else {
                file.clone()
            };
            let mut text = fill(
                &tr(lang, "from.declared"),
                &[(
                    "origin",
                    &format!("{shown} ({})", used.declared.origin.field),
                )],
            );
            if classifiers > 1 {
                text.push_str(&format!(
                    " ({})",
                    fill(
                        &tr(lang, "from.classifiers"),
                        &[("n", &classifiers.to_string())]
                    )
                ));
            }
            if evidence.concluded.assumed {
                text.push_str(&format!(
                    " ({}: „{}“)",
                    tr(lang, "from.assumed"),
                    used.declared.raw
                ));
            }
            text
        }
        ConcludedFrom::Curated => match (&evidence.curated, &p.vetting.record) {
            // An index record's licence: say whose review it is.
            (Some(c), Some(r)) if !c.from_policy && r.licence_applied => {
                fill(&tr(lang, "from.index"), &[("by", &record_by(r, lang))])
            }
            (Some(c), _) if !c.from_policy => {
                fill(&tr(lang, "from.index_source"), &[("source", &c.source)])
            }
            (curated, _) => fill(
                &tr(lang, "from.curated"),
                &[(
                    "source",
                    curated
                        .as_ref()
                        .map(|c| c.source.as_str())
                        .unwrap_or_default(),
                )],
            ),
        },
        ConcludedFrom::Detected => {
            let files: Vec<&str> = evidence
                .detected
                .iter()
                .filter(|d| {
                    d.licence.is_some() && d.confidence >= crate::licence::detect::CONFIDENT
                })
                .map(|d| d.path.as_str())
                .collect();
            fill(&tr(lang, "from.detected"), &[("files", &files.join(", "))])
        }
        ConcludedFrom::None => {
            if let Some(d) = evidence.declared.first() {
                fill(
                    &tr(lang, "from.declared_unreadable"),
                    &[("raw", &d.declared.raw)],
                )
            } else if is_unresolved(p) {
                tr(lang, "from.unavailable")
            } else {
                tr(lang, "from.none")
            }
        }
    }
}

fn status_key(status: Status) -> &'static str {
    match status {
        Status::Allowed => "allowed",
        Status::Review => "review",
        Status::Denied => "denied",
        Status::Skipped => "skipped",
        Status::Project => "project",
    }
}

fn components(audit: &Audit, lang: Lang, delivered: bool) -> Vec<Component> {
    audit
        .packages
        .iter()
        .enumerate()
        .filter(|(_, p)| is_delivered(p) == delivered)
        .map(|(i, p)| {
            let unresolved = is_unresolved(p);
            let concluded = display_licence(&p.licence.concluded.expression, unresolved, lang);
            let effective = match &p.verdict.effective {
                Some(e) if *e == p.licence.concluded.expression => tr(lang, "components.same"),
                Some(e) if !p.verdict.choices.is_empty() => {
                    // The choice and its rule, with the effective licence (docs/policy.md).
                    let reasons: Vec<String> = p
                        .verdict
                        .choices
                        .iter()
                        .map(|c| tr(lang, &format!("choice.{}", c.by)))
                        .collect();
                    let alternatives: Vec<String> = p
                        .verdict
                        .choices
                        .iter()
                        .map(|c| c.alternatives.join(" OR "))
                        .collect();
                    fill(
                        &tr(lang, "components.chosen"),
                        &[
                            ("licence", &display_licence(e, unresolved, lang)),
                            ("alternatives", &alternatives.join("; ")),
                            ("reason", &reasons.join("; ")),
                        ],
                    )
                }
                Some(e) => display_licence(e, unresolved, lang),
                None => "—".to_string(),
            };
            let status = status_key(p.verdict.status);
            let vetting = &p.vetting;
            Component {
                number: i + 1,
                name: p.package.name.clone(),
                version: p.package.version.clone(),
                ecosystem: match p.package.ecosystem {
                    Ecosystem::Generic => tr(lang, "components.other_ecosystem"),
                    e => e.to_string(),
                },
                scope: scope_text(p, lang),
                concluded,
                effective,
                source: licence_source(p, lang),
                status,
                verdict: tr(lang, &format!("status.{status}")),
                compatibility: p
                    .verdict
                    .compatibility
                    .as_ref()
                    .filter(|c| c.verdict != CompatVerdict::Compatible)
                    .map(|c| {
                        fill(
                            &tr(lang, "compat.with"),
                            &[
                                (
                                    "verdict",
                                    &tr(lang, &format!("compat.{}", compat_key(c.verdict))),
                                ),
                                ("outbound", &c.outbound),
                            ],
                        )
                    })
                    .unwrap_or_default(),
                vetting_key: vetting.status.as_str(),
                vetting: vetting_status(vetting.status, lang),
                vetting_by: vetting
                    .record
                    .as_ref()
                    .map(|r| record_by(r, lang))
                    .unwrap_or_default(),
                vetting_detail: vetting_detail(vetting, lang),
                decided_by: decided_by(p, lang),
                root: p.package.root,
            }
        })
        .collect()
}

/// "140 files with a licence header" (the statement of the files' headers, licence/project.rs)
/// in `lang`; any other place as it is.
fn headers_in(file: &str, lang: Lang) -> String {
    let count = file
        .strip_suffix(" files with a licence header")
        .or_else(|| file.strip_suffix(" file with a licence header"))
        .and_then(|n| n.parse::<usize>().ok());
    match count {
        Some(n) => crate::diagnostic::Text::new("files_with_header")
            .count("n", n)
            .render(lang),
        None => file.to_string(),
    }
}
