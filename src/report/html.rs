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

// ---------------------------------------------------------------------------------------------
// Texts

const EN_TOML: &str = include_str!("i18n/en.toml");
const DE_TOML: &str = include_str!("i18n/de.toml");

/// One language's texts: flat (`section.key`) for lookups from Rust, and as a tree for the
/// templates (`t.section.key`).
struct Texts {
    flat: HashMap<String, String>,
    /// Values as plain strings (escaped by HTML templates).
    tree: minijinja::Value,
    /// Values marked safe, for Markdown templates: the texts are ours and may use Markdown.
    tree_safe: minijinja::Value,
}

fn load_texts(source: &str) -> Texts {
    // The tables are compiled in and checked by tests; an empty table is the fallback rather
    // than a panic (every lookup then shows its key).
    let table: toml::Table = toml::from_str(source).unwrap_or_default();
    let mut flat = HashMap::new();
    let mut tree = BTreeMap::new();
    let mut tree_safe = BTreeMap::new();
    for (section, value) in &table {
        let Some(entries) = value.as_table() else {
            continue;
        };
        let mut plain = BTreeMap::new();
        let mut safe = BTreeMap::new();
        for (key, text) in entries {
            let text = text.as_str().unwrap_or_default().to_string();
            flat.insert(format!("{section}.{key}"), text.clone());
            plain.insert(key.clone(), minijinja::Value::from(text.clone()));
            safe.insert(key.clone(), minijinja::Value::from_safe_string(text));
        }
        tree.insert(section.clone(), minijinja::Value::from(plain));
        tree_safe.insert(section.clone(), minijinja::Value::from(safe));
    }
    Texts {
        flat,
        tree: minijinja::Value::from(tree),
        tree_safe: minijinja::Value::from(tree_safe),
    }
}

fn texts(lang: Lang) -> &'static Texts {
    static EN: OnceLock<Texts> = OnceLock::new();
    static DE: OnceLock<Texts> = OnceLock::new();
    match lang {
        Lang::En => EN.get_or_init(|| load_texts(EN_TOML)),
        Lang::De => DE.get_or_init(|| load_texts(DE_TOML)),
    }
}

/// Every key of a language's table, sorted (for the test that both languages have the same).
pub fn text_keys(lang: Lang) -> Vec<String> {
    let mut keys: Vec<String> = texts(lang).flat.keys().cloned().collect();
    keys.sort();
    keys
}

/// The text `key` (`section.key`) in `lang`; the key itself when it is missing (a test keeps
/// every key used in the code present in both tables).
pub(crate) fn tr(lang: Lang, key: &str) -> String {
    texts(lang)
        .flat
        .get(key)
        .cloned()
        .unwrap_or_else(|| key.to_string())
}

/// The singular (`key_one`) or plural (`key_other`) of a text, with `{n}` filled in.
pub(crate) fn trn(lang: Lang, key: &str, n: usize) -> String {
    let form = if n == 1 { "one" } else { "other" };
    fill(
        &tr(lang, &format!("{key}_{form}")),
        &[("n", &number(n, lang))],
    )
}

/// Replaces each `{name}` in `text` by its value.
pub(crate) fn fill(text: &str, values: &[(&str, &str)]) -> String {
    let mut out = text.to_string();
    for (name, value) in values {
        out = out.replace(&format!("{{{name}}}"), value);
    }
    out
}

/// A count as the language writes it (1,714 / 1.714).
pub(crate) fn number(n: usize, lang: Lang) -> String {
    let digits = n.to_string();
    let separator = match lang {
        Lang::En => ',',
        Lang::De => '.',
    };
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(separator);
        }
        out.push(c);
    }
    out
}

/// The audit's `created` time as the language writes dates.
pub(crate) fn date(created: &str, lang: Lang) -> String {
    let Ok(ts) = created.parse::<jiff::Timestamp>() else {
        return created.to_string();
    };
    match lang {
        Lang::En => ts.strftime("%Y-%m-%d %H:%M UTC").to_string(),
        Lang::De => ts.strftime("%d.%m.%Y, %H:%M UTC").to_string(),
    }
}

fn lang_code(lang: Lang) -> &'static str {
    match lang {
        Lang::En => "en",
        Lang::De => "de",
    }
}

// ---------------------------------------------------------------------------------------------
// Templates

/// Escapes text for Markdown: every character that could start markup is backslash-escaped,
/// line breaks become spaces (a value must not leave its table cell or paragraph).
pub(crate) fn md_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '|' | '#' | '~' | '&' | '!' | '$' => {
                out.push('\\');
                out.push(c);
            }
            '\n' | '\r' | '\t' => out.push(' '),
            c if super::escape::is_unsafe(c) => out.push_str(&super::escape::line(&c.to_string())),
            c => out.push(c),
        }
    }
    out
}

const MARKDOWN: &str = "markdown";
/// Plain text: every value is escaped for a terminal ([`super::escape::line`]).
const TEXT: &str = "text";

fn environment() -> &'static Result<Environment<'static>, String> {
    static ENV: OnceLock<Result<Environment<'static>, String>> = OnceLock::new();
    ENV.get_or_init(|| {
        let mut env = Environment::new();
        env.set_syntax(
            minijinja::syntax::SyntaxConfig::builder()
                .trim_blocks(true)
                .lstrip_blocks(true)
                .keep_trailing_newline(true)
                .build()
                .map_err(|e| e.to_string())?,
        );
        env.set_undefined_behavior(UndefinedBehavior::SemiStrict);
        env.set_auto_escape_callback(|name| {
            if name.ends_with(".html") {
                AutoEscape::Html
            } else if name.ends_with(".md") {
                AutoEscape::Custom(MARKDOWN.into())
            } else {
                AutoEscape::Custom(TEXT.into())
            }
        });
        // Licence and notice texts are several lines long: `|block` keeps their lines and tabs
        // and escapes every other control character (also in Markdown code blocks).
        env.add_filter("block", |text: String| {
            minijinja::Value::from_safe_string(super::escape::block(&text).into_owned())
        });
        super::style::register(&mut env);
        env.set_formatter(|out, state, value| {
            if let AutoEscape::Custom(name) = state.auto_escape() {
                if value.is_safe() || value.is_none() || value.is_undefined() {
                    if !value.is_none() && !value.is_undefined() {
                        out.write_str(&value.to_string())?;
                    }
                } else if name == MARKDOWN {
                    out.write_str(&md_escape(&value.to_string()))?;
                } else {
                    out.write_str(&super::escape::line(&value.to_string()))?;
                }
                Ok(())
            } else {
                minijinja::escape_formatter(out, state, value)
            }
        });
        for (name, source) in [
            ("report.html", include_str!("templates/report.html")),
            ("report.md", include_str!("templates/report.md")),
            (
                "components-table.html",
                include_str!("templates/components-table.html"),
            ),
            ("notices.html", include_str!("templates/notices.html")),
            ("notices.md", include_str!("templates/notices.md")),
            ("notices.txt", include_str!("templates/notices.txt")),
        ] {
            env.add_template(name, source)
                .map_err(|e| format!("{name}: {e}"))?;
        }
        Ok(env)
    })
}

/// Renders template `name` with `view` as `v` and the language's texts as `t`. A template
/// error is a bug of this build, not of the input: it is reported in the output rather than
/// with a panic.
pub(crate) fn render_template<V: Serialize>(name: &str, lang: Lang, view: &V) -> String {
    let env = match environment() {
        Ok(env) => env,
        Err(e) => return format!("fundament: the report templates are broken: {e}\n"),
    };
    let texts = texts(lang);
    let t = if name.ends_with(".md") || name.ends_with(".txt") {
        texts.tree_safe.clone()
    } else {
        texts.tree.clone()
    };
    let result = env.get_template(name).and_then(|template| {
        template.render(minijinja::context! {
            v => minijinja::Value::from(Serde(view)),
            t => t,
        })
    });
    match result {
        Ok(text) => text,
        Err(e) => format!("fundament: the report {name} could not be rendered: {e:#}\n"),
    }
}

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

#[derive(Debug, Serialize)]
struct VettingView {
    /// Whether any index was asked; without one, the section says so and nothing else.
    asked: bool,
    /// What the policy requires (`[vetting] require-vetted`), in words.
    requirement: String,
    indices: Vec<IndexRow>,
    counts: Vec<Count>,
    /// The components whose vetting needs a look: rejected, under review, approved for
    /// another archive, not certain.
    groups: Vec<VetGroup>,
    /// Every component with a decision in an index, with the decision's details.
    records: Vec<RecordRow>,
    big_records: bool,
}

#[derive(Debug, Serialize)]
struct IndexRow {
    name: String,
    /// The index's own name (config.json) when it differs from the name the policy gives it.
    own_name: String,
    location: String,
    commit: String,
    precedence: String,
    kind: String,
    state_key: &'static str,
    state: String,
    answers: String,
}

#[derive(Debug, Serialize)]
struct VetGroup {
    id: &'static str,
    title: String,
    count: String,
    meaning: String,
    todo: String,
    packages: Vec<VetPackage>,
}

#[derive(Debug, Serialize)]
struct VetPackage {
    name: String,
    version: String,
    status_key: &'static str,
    status: String,
    by: String,
    detail: String,
}

#[derive(Debug, Serialize)]
struct RecordRow {
    name: String,
    version: String,
    status_key: &'static str,
    decision: String,
    index: String,
    by: String,
    versions: String,
    licence: String,
    archive: String,
    notes: String,
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
        policy_origin: audit.policy.origin.clone(),
        policy_description: audit.policy.description.clone().unwrap_or_default(),
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
                None => s.file.clone(),
            },
            raw: s.raw.clone(),
            read_as: match &s.expression {
                Some(e) if s.assumed => format!("{e} {}", tr(lang, "project_licence.assumed")),
                Some(e) => e.clone(),
                None => "—".to_string(),
            },
            note: s.note.clone().unwrap_or_default(),
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

/// What each licence of these packages obliges beyond its category, once per licence.
fn licence_extras(packages: &[&AuditedPackage], lang: Lang) -> Vec<Extra> {
    let ids = distinct(
        packages
            .iter()
            .flat_map(|p| licence_ids(used_expression(p))),
    );
    let mut ids = ids;
    ids.sort();
    ids.into_iter()
        .filter_map(|id| {
            let items = extra_obligations(&id, lang);
            (!items.is_empty()).then(|| Extra {
                title: fill(&tr(lang, "group.extra_for"), &[("licence", &id)]),
                items,
            })
        })
        .collect()
}

/// The obligations of licence `id` that its category's obligations do not already say.
fn extra_obligations(id: &str, lang: Lang) -> Vec<String> {
    let all = obligations::obligations(id, lang);
    let base = facts::facts(id)
        .map(|f| obligations::category_obligations(f.category, lang).len())
        .unwrap_or(0);
    all.into_iter().skip(base).collect()
}

/// A sentence from the audit, ending in a full stop.
fn sentence(text: &str) -> String {
    let text = text.trim();
    if text.is_empty() || text.ends_with(['.', '!', '?', ':']) {
        text.to_string()
    } else {
        format!("{text}.")
    }
}

/// The compatibility verdicts of these packages that `wanted` picks, once per inbound licence
/// and reason; with `obligations_only`, just the obligations each licence triggers.
fn compat_details(
    packages: &[&AuditedPackage],
    lang: Lang,
    obligations_only: bool,
    wanted: impl Fn(&crate::policy::compat::PairVerdict) -> bool,
) -> Vec<Detail> {
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    for p in packages {
        let Some(c) = &p.verdict.compatibility else {
            continue;
        };
        for pair in c.pairs.iter().filter(|pair| wanted(pair)) {
            let key = (
                pair.inbound.clone(),
                pair.reason.clone(),
                pair.remedy.clone(),
            );
            if !seen.insert(key) {
                continue;
            }
            if obligations_only {
                out.push(Detail {
                    licence: pair.inbound.clone(),
                    verdict: String::new(),
                    reason: String::new(),
                    remedy: String::new(),
                    sources: Vec::new(),
                    obligations: pair.obligations.iter().map(|o| sentence(o)).collect(),
                });
                continue;
            }
            out.push(Detail {
                licence: pair.inbound.clone(),
                verdict: fill(
                    &tr(lang, "compat.with"),
                    &[
                        (
                            "verdict",
                            &tr(lang, &format!("compat.{}", compat_key(pair.verdict))),
                        ),
                        ("outbound", &pair.outbound),
                    ],
                ),
                reason: sentence(&pair.reason),
                remedy: pair.remedy.as_deref().map(sentence).unwrap_or_default(),
                sources: pair.sources.clone(),
                obligations: Vec::new(),
            });
        }
    }
    out
}

fn obligation_categories(third_party: &[&AuditedPackage], lang: Lang) -> Vec<ObligationCategory> {
    // Per category: the packages with a licence in it, and each licence with its count.
    let mut by_category: BTreeMap<Bucket, (usize, BTreeMap<String, usize>)> = BTreeMap::new();
    for p in third_party
        .iter()
        .filter(|p| p.verdict.status != Status::Skipped)
    {
        let expression = used_expression(p);
        if expression == NOASSERTION {
            continue;
        }
        let Ok(tree) = Tree::parse(expression) else {
            continue;
        };
        let mut counted: HashSet<Bucket> = HashSet::new();
        for req in tree.licences() {
            let b = facts::category_of(req).map_or(Bucket::Uncategorised, Bucket::Category);
            let entry = by_category.entry(b).or_default();
            if counted.insert(b) {
                entry.0 += 1;
            }
            *entry.1.entry(req.to_string()).or_insert(0) += 1;
        }
    }
    by_category
        .into_iter()
        .map(|(b, (count, licences))| {
            let mut listed: Vec<(String, usize)> = licences.into_iter().collect();
            listed.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
            let names: Vec<String> = listed
                .iter()
                .map(|(l, c)| format!("{l} ({})", number(*c, lang)))
                .collect();
            let mut ids: Vec<String> = listed.iter().flat_map(|(l, _)| licence_ids(l)).collect();
            ids.sort();
            ids.dedup();
            let extras = ids
                .into_iter()
                .filter_map(|id| {
                    let items = extra_obligations(&id, lang);
                    (!items.is_empty()).then(|| Extra {
                        title: fill(&tr(lang, "group.extra_for"), &[("licence", &id)]),
                        items,
                    })
                })
                .collect();
            ObligationCategory {
                key: b.key(),
                label: b.label(lang),
                count: trn(lang, "group.count", count),
                licences: names.join(", "),
                obligations: match b {
                    Bucket::Category(c) => obligations::category_obligations(c, lang),
                    _ => vec![tr(lang, "obligations.uncategorised")],
                },
                extras,
            }
        })
        .collect()
}

fn other_findings(audit: &Audit, lang: Lang) -> Vec<OtherCode> {
    let names: HashMap<&str, String> = audit
        .packages
        .iter()
        .map(|p| {
            (
                p.package.purl.as_str(),
                format!("{} {}", p.package.name, p.package.version),
            )
        })
        .collect();
    let mut order: Vec<Code> = Vec::new();
    let mut by_code: HashMap<Code, Vec<OtherItem>> = HashMap::new();
    let mut severity: HashMap<Code, crate::diagnostic::Severity> = HashMap::new();
    for f in audit
        .findings
        .iter()
        .filter(|f| !GROUPED_CODES.contains(&f.code))
    {
        if !by_code.contains_key(&f.code) {
            order.push(f.code);
        }
        let entry = severity.entry(f.code).or_insert(f.severity);
        *entry = (*entry).min(f.severity);
        // A folded finding (issue 17) is one item naming its packages.
        let named: Vec<String> = f
            .purls()
            .map(|purl| names.get(purl).cloned().unwrap_or(purl.to_string()))
            .collect();
        let subject = match named.len() {
            0 => f
                .location
                .as_ref()
                .map_or("—".to_string(), |l| l.to_string()),
            1..=10 => named.join(", "),
            n => format!("{}, … (+{})", named[..10].join(", "), n - 10),
        };
        by_code.entry(f.code).or_default().push(OtherItem {
            subject,
            message: f.message.clone(),
        });
    }
    order
        .into_iter()
        .map(|code| {
            let items = by_code.remove(&code).unwrap_or_default();
            let severity_key = severity
                .get(&code)
                .map(|s| s.to_string())
                .unwrap_or_default();
            OtherCode {
                code: code.as_str(),
                severity: tr(lang, &format!("other.{severity_key}")),
                severity_key,
                meaning: tr(lang, &format!("code.{}", code.as_str())),
                count: number(items.len(), lang),
                items,
            }
        })
        .collect()
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

// ---------------------------------------------------------------------------------------------
// Vetting

/// A vetting status in words.
fn vetting_status(status: VettingStatus, lang: Lang) -> String {
    tr(lang, &format!("vetting_status.{}", status.as_str()))
}

/// A decision in words (the statuses of the same names).
fn decision_text(decision: Decision, lang: Lang) -> String {
    tr(lang, &format!("vetting_status.{}", decision.as_str()))
}

/// A record's date (`YYYY-MM-DD`) as the language writes dates.
fn day(text: &str, lang: Lang) -> String {
    match (lang, text.parse::<jiff::civil::Date>()) {
        (Lang::De, Ok(date)) => date.strftime("%d.%m.%Y").to_string(),
        _ => text.to_string(),
    }
}

/// Who decided, when, in which index: `city: Erika Muster (Stadt Beispiel), 2026-01-01`.
fn record_by(r: &VettingRecord, lang: Lang) -> String {
    fill(
        &tr(lang, "vetting.by"),
        &[
            ("index", &r.index),
            ("reviewer", &r.reviewer),
            ("organisation", &r.organisation),
            ("date", &day(&r.date, lang)),
        ],
    )
}

fn archive_key(archive: ArchiveMatch) -> &'static str {
    match archive {
        ArchiveMatch::Matches => "matches",
        ArchiveMatch::Differs => "differs",
        ArchiveMatch::NotCompared => "not-compared",
        ArchiveMatch::NotRecorded => "not-recorded",
    }
}

/// The recorded licence, and whether the audit used it.
fn record_licence(r: &VettingRecord, lang: Lang) -> String {
    let key = if r.licence_applied {
        "vetting.licence_used"
    } else {
        "vetting.licence_not_used"
    };
    fill(&tr(lang, key), &[("licence", &r.licence)])
}

/// Everything about a package's vetting beyond status and reviewer, in one line: the versions
/// the decision covers, the archive, the licence, the next review, the notes, and whether the
/// status is certain.
fn vetting_detail(vetting: &crate::vet::Vetting, lang: Lang) -> String {
    let mut parts = Vec::new();
    if let Some(r) = &vetting.record {
        parts.push(fill(
            &tr(lang, "vetting.versions_text"),
            &[("versions", &r.versions)],
        ));
        parts.push(tr(lang, &format!("archive.{}", archive_key(r.archive))));
        parts.push(record_licence(r, lang));
        if let Some(review_by) = &r.review_by {
            parts.push(fill(
                &tr(lang, "vetting.review_by"),
                &[("date", &day(review_by, lang))],
            ));
        }
        if let Some(notes) = r.notes.as_deref().filter(|n| !n.trim().is_empty()) {
            parts.push(fill(&tr(lang, "vetting.notes_text"), &[("notes", notes)]));
        }
    }
    if !vetting.conclusive {
        parts.push(tr(lang, "vetting.not_certain"));
    }
    parts.join("; ")
}

fn index_kind(kind: IndexKind) -> &'static str {
    match kind {
        IndexKind::Folder => "folder",
        IndexKind::Git => "git",
        IndexKind::Http => "http",
        IndexKind::Builtin => "builtin",
    }
}

fn require_key(require: RequireVetted) -> &'static str {
    match require {
        RequireVetted::Off => "off",
        RequireVetted::Warn => "warn",
        RequireVetted::Deny => "deny",
    }
}

/// The vetting section: the indices asked, the counts by status, the components whose vetting
/// needs a look, and every decision the audit used.
fn vetting(audit: &Audit, third_party: &[&AuditedPackage], lang: Lang) -> VettingView {
    let info = &audit.vetting;
    // Answers per index: the packages whose decision in force comes from it.
    let mut answers: HashMap<&str, usize> = HashMap::new();
    for p in third_party {
        if let Some(r) = &p.vetting.record {
            *answers.entry(r.index.as_str()).or_insert(0) += 1;
        }
    }
    let indices = info
        .indices
        .iter()
        .map(|l| {
            let (state_key, state) = match (&l.failed, &l.stale) {
                (Some(why), _) => (
                    "failed",
                    fill(&tr(lang, "vetting.state_failed"), &[("reason", why)]),
                ),
                (None, Some(why)) => (
                    "stale",
                    fill(&tr(lang, "vetting.state_stale"), &[("reason", why)]),
                ),
                (None, None) => ("read", tr(lang, "vetting.state_read")),
            };
            IndexRow {
                name: l.name.clone(),
                own_name: l
                    .index_name
                    .as_ref()
                    .filter(|n| **n != l.name)
                    .map(|n| fill(&tr(lang, "vetting.own_name"), &[("name", n)]))
                    .unwrap_or_default(),
                // The built-in index's location says so in English; the kind column says it
                // in the report's language.
                location: if l.kind == IndexKind::Builtin {
                    fill(
                        &tr(lang, "vetting.builtin_location"),
                        &[("version", audit.tool.version)],
                    )
                } else {
                    l.location.clone()
                },
                commit: l
                    .commit
                    .as_ref()
                    .map(|c| fill(&tr(lang, "vetting.commit"), &[("commit", c)]))
                    .unwrap_or_default(),
                precedence: l.precedence.to_string(),
                kind: tr(lang, &format!("index_kind.{}", index_kind(l.kind))),
                state_key,
                state,
                answers: number(answers.get(l.name.as_str()).copied().unwrap_or(0), lang),
            }
        })
        .collect();
    let counts = audit
        .summary
        .by_vetting
        .iter()
        .filter(|(_, n)| **n > 0)
        .map(|(status, n)| Count {
            key: status.as_str(),
            label: vetting_status(*status, lang),
            value: number(*n, lang),
        })
        .collect();

    // The components whose vetting needs a look, each in the first group it fits.
    let mut members: BTreeMap<usize, Vec<&AuditedPackage>> = BTreeMap::new();
    for p in third_party {
        let v = &p.vetting;
        let group =
            if v.status == VettingStatus::Rejected {
                Some(0)
            } else if !v.conclusive || v.status == VettingStatus::Unknown {
                Some(1)
            } else if v.status == VettingStatus::UnderReview {
                Some(2)
            } else if v.record.as_ref().is_some_and(|r| {
                r.decision == Decision::Approved && r.archive == ArchiveMatch::Differs
            }) {
                Some(3)
            } else {
                None
            };
        if let Some(g) = group {
            members.entry(g).or_default().push(p);
        }
    }
    const GROUPS: [&str; 4] = ["rejected", "uncertain", "under-review", "archive"];
    let groups = members
        .into_iter()
        .map(|(g, packages)| {
            let id = GROUPS[g];
            let key = id.replace('-', "_");
            VetGroup {
                id,
                title: tr(lang, &format!("vetting.{key}_title")),
                count: trn(lang, "group.count", packages.len()),
                meaning: tr(lang, &format!("vetting.{key}_meaning")),
                todo: tr(lang, &format!("vetting.{key}_todo")),
                packages: packages
                    .iter()
                    .map(|p| VetPackage {
                        name: p.package.name.clone(),
                        version: p.package.version.clone(),
                        status_key: p.vetting.status.as_str(),
                        status: vetting_status(p.vetting.status, lang),
                        by: p
                            .vetting
                            .record
                            .as_ref()
                            .map(|r| record_by(r, lang))
                            .unwrap_or_default(),
                        detail: if p.vetting.conclusive {
                            vetting_detail(&p.vetting, lang)
                        } else {
                            // Why it is not certain: the indices' errors, as the audit words
                            // them.
                            let mut detail = vetting_detail(&p.vetting, lang);
                            if !p.vetting.errors.is_empty() {
                                detail.push_str(": ");
                                detail.push_str(&p.vetting.errors.join("; "));
                            }
                            detail
                        },
                    })
                    .collect(),
            }
        })
        .collect();

    let records: Vec<RecordRow> = third_party
        .iter()
        .filter_map(|p| {
            let r = p.vetting.record.as_ref()?;
            let mut decision = decision_text(r.decision, lang);
            // An approval that does not count, or a status the indices leave uncertain.
            if p.vetting.status.as_str() != r.decision.as_str() {
                decision.push_str(&fill(
                    &tr(lang, "vetting.counts_as"),
                    &[("status", &vetting_status(p.vetting.status, lang))],
                ));
            }
            if r.superseded > 0 {
                decision.push_str(&fill(
                    &tr(lang, "vetting.superseded"),
                    &[("n", &number(r.superseded, lang))],
                ));
            }
            let mut by = fill(
                &tr(lang, "vetting.reviewer"),
                &[
                    ("reviewer", &r.reviewer),
                    ("organisation", &r.organisation),
                    ("date", &day(&r.date, lang)),
                ],
            );
            if let Some(review_by) = &r.review_by {
                by.push_str("; ");
                by.push_str(&fill(
                    &tr(lang, "vetting.review_by"),
                    &[("date", &day(review_by, lang))],
                ));
            }
            Some(RecordRow {
                name: p.package.name.clone(),
                version: p.package.version.clone(),
                status_key: p.vetting.status.as_str(),
                decision,
                index: format!("{} ({}:{})", r.index, r.file, r.line),
                by,
                versions: r.versions.clone(),
                licence: record_licence(r, lang),
                archive: tr(lang, &format!("archive.{}", archive_key(r.archive))),
                notes: r.notes.clone().unwrap_or_default(),
            })
        })
        .collect();
    VettingView {
        asked: !info.indices.is_empty(),
        requirement: tr(
            lang,
            &format!("vetting.require_{}", require_key(info.require_vetted)),
        ),
        indices,
        counts,
        groups,
        big_records: records.len() > BIG_TABLE,
        records,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_languages_have_the_same_keys() {
        let en = text_keys(Lang::En);
        let de = text_keys(Lang::De);
        assert!(en.len() > 100, "{}", en.len());
        let missing_de: Vec<&String> = en.iter().filter(|k| !de.contains(k)).collect();
        let missing_en: Vec<&String> = de.iter().filter(|k| !en.contains(k)).collect();
        assert!(missing_de.is_empty(), "missing in de.toml: {missing_de:?}");
        assert!(missing_en.is_empty(), "missing in en.toml: {missing_en:?}");
    }

    #[test]
    fn every_key_the_code_uses_exists() {
        let keys = text_keys(Lang::En);
        // Literal keys in the Rust sources of the reports.
        for source in [
            include_str!("html.rs"),
            include_str!("markdown.rs"),
            include_str!("notices/mod.rs"),
            include_str!("vulnerabilities.rs"),
        ] {
            for call in ["tr(lang, \"", "trn(lang, \""] {
                for (at, _) in source.match_indices(call) {
                    let rest = &source[at + call.len()..];
                    let key = &rest[..rest.find('"').unwrap()];
                    if call.starts_with("trn") {
                        for form in ["one", "other"] {
                            let k = format!("{key}_{form}");
                            assert!(keys.contains(&k), "missing key {k}");
                        }
                    } else {
                        assert!(keys.contains(&key.to_string()), "missing key {key}");
                    }
                }
            }
        }
        // Keys built from data.
        for key in crate::report::vulnerabilities::dynamic_keys() {
            assert!(keys.contains(&key), "missing key {key}");
        }
        for code in Code::ALL {
            assert!(keys.contains(&format!("code.{}", code.as_str())), "{code}");
        }
        for b in all_buckets() {
            assert!(
                keys.contains(&format!("category.{}", b.key())),
                "{}",
                b.key()
            );
        }
        for s in [
            Status::Allowed,
            Status::Review,
            Status::Denied,
            Status::Skipped,
            Status::Project,
        ] {
            assert!(keys.contains(&format!("status.{}", status_key(s))));
        }
        for k in [
            "publiccode",
            "reuse",
            "manifest",
            "licenses-dir",
            "licence-file",
        ] {
            assert!(keys.contains(&format!("statement_kind.{k}")));
        }
        for m in [UseMode::Distribution, UseMode::Network, UseMode::Internal] {
            assert!(keys.contains(&format!("use_mode.{}", use_key(m))));
        }
        for v in [
            CompatVerdict::Compatible,
            CompatVerdict::NeedsReview,
            CompatVerdict::Incompatible,
        ] {
            assert!(keys.contains(&format!("compat.{}", compat_key(v))));
        }
        for k in ["denied", "review"] {
            for part in ["title", "meaning", "todo"] {
                assert!(keys.contains(&format!("group.{k}_{part}")));
            }
        }
        for k in [
            "incompatible",
            "compat_review",
            "obligation",
            "unknown",
            "unresolved",
        ] {
            for part in ["title", "meaning"] {
                assert!(keys.contains(&format!("group.{k}_{part}")));
            }
        }
        for k in ["error", "warning", "note"] {
            assert!(keys.contains(&format!("other.{k}")));
        }
        for s in [
            VettingStatus::Approved,
            VettingStatus::Rejected,
            VettingStatus::UnderReview,
            VettingStatus::NotVetted,
            VettingStatus::Unknown,
            VettingStatus::NotApplicable,
        ] {
            assert!(
                keys.contains(&format!("vetting_status.{}", s.as_str())),
                "{s}"
            );
        }
        for d in [
            Decision::Approved,
            Decision::Rejected,
            Decision::UnderReview,
        ] {
            assert!(
                keys.contains(&format!("vetting_status.{}", d.as_str())),
                "{d}"
            );
        }
        for a in [
            ArchiveMatch::Matches,
            ArchiveMatch::Differs,
            ArchiveMatch::NotCompared,
            ArchiveMatch::NotRecorded,
        ] {
            assert!(keys.contains(&format!("archive.{}", archive_key(a))));
        }
        for k in [
            IndexKind::Folder,
            IndexKind::Git,
            IndexKind::Http,
            IndexKind::Builtin,
        ] {
            assert!(keys.contains(&format!("index_kind.{}", index_kind(k))));
        }
        for r in [RequireVetted::Off, RequireVetted::Warn, RequireVetted::Deny] {
            assert!(keys.contains(&format!("vetting.require_{}", require_key(r))));
        }
        for g in ["rejected", "uncertain", "under_review", "archive"] {
            for part in ["title", "meaning", "todo"] {
                assert!(keys.contains(&format!("vetting.{g}_{part}")), "{g}_{part}");
            }
        }
        for k in [
            "vet_rejected_title",
            "vet_rejected_meaning",
            "vet_rejected_todo",
            "vet_required_title",
            "vet_required_meaning_warn",
            "vet_required_meaning_deny",
            "vet_required_todo",
        ] {
            assert!(keys.contains(&format!("group.{k}")), "{k}");
        }
    }

    #[test]
    fn templates_compile() {
        assert!(environment().is_ok(), "{:?}", environment().as_ref().err());
    }

    #[test]
    fn markdown_escaping() {
        assert_eq!(md_escape("a|b"), "a\\|b");
        assert_eq!(md_escape("<script>"), "\\<script\\>");
        assert_eq!(md_escape("x`y`\nz"), "x\\`y\\` z");
        assert_eq!(md_escape("[link](u)"), "\\[link\\](u)");
        assert_eq!(md_escape("plain-name@1.0"), "plain-name@1.0");
    }

    #[test]
    fn numbers_and_dates_follow_the_language() {
        assert_eq!(number(1714, Lang::En), "1,714");
        assert_eq!(number(1714, Lang::De), "1.714");
        assert_eq!(number(999, Lang::De), "999");
        assert_eq!(number(1234567, Lang::En), "1,234,567");
        assert_eq!(
            date("2026-01-01T00:00:00Z", Lang::De),
            "01.01.2026, 00:00 UTC"
        );
        assert_eq!(
            date("2026-01-01T00:00:00Z", Lang::En),
            "2026-01-01 00:00 UTC"
        );
        assert_eq!(date("not a date", Lang::En), "not a date");
    }

    #[test]
    fn plural_forms() {
        assert_eq!(trn(Lang::De, "group.count", 1), "1 Komponente");
        assert_eq!(trn(Lang::De, "group.count", 1200), "1.200 Komponenten");
        assert_eq!(trn(Lang::En, "group.count", 2), "2 components");
    }
}
