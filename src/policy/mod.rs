//! Policies: which licences a project accepts, with exceptions and clarifications.
//!
//! A policy is a TOML file (docs/policy.md is the full reference). It denies by default: a
//! licence passes only when an `allow` rule admits it. Rules name a licence (`MIT`,
//! `Apache-2.0 WITH LLVM-exception`), a category (`permissive`), a flag (`osi-approved`), or a
//! table combining a category with flags. When several rules match one licence, the most
//! specific wins (a licence id beats a category with flags beats a category); among equally
//! specific rules, `deny` beats `review` beats `allow`.

pub mod choice;
pub mod compat;
pub mod evaluate;
pub mod explain;
mod graph;
pub mod import;

use crate::diagnostic::{Location, line_of_offset};
use crate::licence::facts::{self, Category};
use crate::licence::{Curation, PinnedFile};
use crate::model::PackageSpec;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::path::Path;
use toml::Spanned;

/// The presets shipped in `policies/`, embedded in the binary.
pub const PRESETS: &[(&str, &str)] = &[
    (
        "public-sector-default",
        include_str!("../../policies/public-sector-default.toml"),
    ),
    (
        "permissive-only",
        include_str!("../../policies/permissive-only.toml"),
    ),
    (
        "eupl-1.2-distribution",
        include_str!("../../policies/eupl-1.2-distribution.toml"),
    ),
    (
        "eupl-1.2-network",
        include_str!("../../policies/eupl-1.2-network.toml"),
    ),
    (
        "osi-approved",
        include_str!("../../policies/osi-approved.toml"),
    ),
    ("fsf-libre", include_str!("../../policies/fsf-libre.toml")),
];

/// The preset used when neither `--policy` nor a fundament.toml says otherwise.
pub const DEFAULT_PRESET: &str = "public-sector-default";

/// The policy file looked for at the audited root.
pub const POLICY_FILE: &str = "fundament.toml";

/// An error in a policy file, with the file, line and field it concerns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicyError {
    pub file: String,
    pub line: Option<usize>,
    pub field: Option<String>,
    pub message: String,
}

impl fmt::Display for PolicyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file)?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
        }
        if let Some(field) = &self.field {
            write!(f, ": `{field}`")?;
        }
        write!(f, ": {}", self.message)
    }
}

impl std::error::Error for PolicyError {}

/// What a rule decides.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Decision {
    Allow,
    Review,
    Deny,
}

impl fmt::Display for Decision {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Decision::Allow => "allow",
            Decision::Review => "review",
            Decision::Deny => "deny",
        })
    }
}

/// Which licences a rule matches.
#[derive(Debug, Clone, PartialEq)]
pub enum Selector {
    /// One licence, with its `WITH` addition if any (matched exactly).
    Licence(spdx::LicenseReq),
    /// A category, optionally narrowed by flags.
    Class {
        category: Option<Category>,
        osi_approved: Option<bool>,
        fsf_libre: Option<bool>,
    },
}

impl Selector {
    /// How specific the selector is: a licence id beats any class; a class with more conditions
    /// beats one with fewer.
    pub fn specificity(&self) -> u8 {
        match self {
            Selector::Licence(_) => 10,
            Selector::Class {
                category,
                osi_approved,
                fsf_libre,
            } => {
                u8::from(category.is_some())
                    + u8::from(osi_approved.is_some())
                    + u8::from(fsf_libre.is_some())
            }
        }
    }

    /// Whether the selector matches one licence requirement of an expression.
    pub fn matches(&self, req: &spdx::LicenseReq) -> bool {
        match self {
            Selector::Licence(wanted) => licence_matches(wanted, req),
            Selector::Class {
                category,
                osi_approved,
                fsf_libre,
            } => {
                let licence_facts = facts::facts(&facts::licence_name(&req.license));
                if let Some(c) = category
                    && facts::category_of(req) != Some(*c)
                {
                    return false;
                }
                if let Some(osi) = osi_approved
                    && licence_facts.is_none_or(|f| f.osi_approved != *osi)
                {
                    return false;
                }
                if let Some(fsf) = fsf_libre
                    && licence_facts.is_none_or(|f| f.fsf_libre != *fsf)
                {
                    return false;
                }
                true
            }
        }
    }
}

impl Policy {
    /// Why an allow rule that names `req`'s category (or only flags) does not admit it: the
    /// first such rule and the condition unmet, as "not OSI-approved, so `allow = permissive
    /// and osi-approved` (policies/public-sector-default.toml:25) does not admit it". `None`
    /// when no allow rule comes that close.
    pub fn unmet_allow_condition(&self, req: &spdx::LicenseReq) -> Option<String> {
        self.unmet_allow_text(req).map(|text| text.english())
    }

    /// [`Policy::unmet_allow_condition`] in translatable form.
    pub fn unmet_allow_text(&self, req: &spdx::LicenseReq) -> Option<crate::diagnostic::Text> {
        use crate::diagnostic::Text;
        let licence_facts = facts::facts(&facts::licence_name(&req.license));
        self.rules
            .iter()
            .filter(|rule| rule.decision == Decision::Allow)
            .find_map(|rule| {
                let Selector::Class {
                    category,
                    osi_approved,
                    fsf_libre,
                } = &rule.selector
                else {
                    return None;
                };
                if category.is_some_and(|c| facts::category_of(req) != Some(c)) {
                    return None;
                }
                let osi = licence_facts.is_some_and(|f| f.osi_approved);
                let fsf = licence_facts.is_some_and(|f| f.fsf_libre);
                let mut unmet = Vec::new();
                match osi_approved {
                    Some(true) if !osi => unmet.push(Text::new("unmet_not_osi")),
                    Some(false) if osi => unmet.push(Text::new("unmet_osi")),
                    _ => {}
                }
                match fsf_libre {
                    Some(true) if !fsf => unmet.push(Text::new("unmet_not_fsf")),
                    Some(false) if fsf => unmet.push(Text::new("unmet_fsf")),
                    _ => {}
                }
                let mut unmet = unmet.into_iter();
                let first = unmet.next()?;
                let conditions = match unmet.next() {
                    Some(second) => Text::new("unmet_and")
                        .sub("first", first)
                        .sub("second", second),
                    None => first,
                };
                Some(
                    Text::new("unmet_allow")
                        .sub("conditions", conditions)
                        .arg("rule", &rule.selector)
                        .arg("source", &rule.source),
                )
            })
    }
}

/// A rule naming `Apache-2.0` matches `Apache-2.0` and `Apache-2.0+` (the licensee may pick
/// 2.0), but not `Apache-2.0 WITH LLVM-exception`: a WITH form is a licence of its own. GNU
/// `-only` and `-or-later` are distinct ids and never match each other.
pub(crate) fn licence_matches(wanted: &spdx::LicenseReq, req: &spdx::LicenseReq) -> bool {
    if wanted.addition != req.addition {
        return false;
    }
    match (&wanted.license, &req.license) {
        (
            spdx::LicenseItem::Spdx {
                id: a,
                or_later: wanted_later,
            },
            spdx::LicenseItem::Spdx {
                id: b,
                or_later: req_later,
            },
        ) => a == b && (!wanted_later || *req_later),
        (spdx::LicenseItem::Other(a), spdx::LicenseItem::Other(b)) => a.lic_ref == b.lic_ref,
        _ => false,
    }
}

impl fmt::Display for Selector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Selector::Licence(req) => write!(f, "{req}"),
            Selector::Class {
                category,
                osi_approved,
                fsf_libre,
            } => {
                let mut parts = Vec::new();
                if let Some(c) = category {
                    parts.push(c.as_str().to_string());
                }
                match osi_approved {
                    Some(true) => parts.push("osi-approved".to_string()),
                    Some(false) => parts.push("not osi-approved".to_string()),
                    None => {}
                }
                match fsf_libre {
                    Some(true) => parts.push("fsf-libre".to_string()),
                    Some(false) => parts.push("not fsf-libre".to_string()),
                    None => {}
                }
                f.write_str(&parts.join(" and "))
            }
        }
    }
}

/// One allow, review or deny entry.
#[derive(Debug, Clone, PartialEq)]
pub struct Rule {
    pub decision: Decision,
    pub selector: Selector,
    /// Where the rule is written.
    pub source: Location,
}

/// What unknown licences (`NOASSERTION`) get.
pub type UnknownDecision = Decision;

/// How the packages of one scope are audited (`[dependencies]`), from the most thorough to not
/// at all: where two settings apply (a dev package that is optional), the less thorough wins.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Inclusion {
    /// Delivered with the product: the licence rules, the compatibility with the project's
    /// licence, and the notices.
    Include,
    /// A development tool: the licence rules only; not checked for compatibility with the
    /// project's licence and not listed in the notices.
    #[serde(alias = "license")]
    Licence,
    /// Not audited: reported as `skipped`.
    Exclude,
}

/// A package-scoped exception: extra licences accepted for one package.
#[derive(Debug, Clone)]
pub struct Exception {
    pub spec: PackageSpec,
    /// Licences accepted for the package; `NOASSERTION` accepts an unknown licence.
    pub allow: Vec<ExceptionLicence>,
    pub reason: String,
    pub approved_by: String,
    pub expires: Option<jiff::civil::Date>,
    pub source: Location,
}

#[derive(Debug, Clone, PartialEq)]
pub enum ExceptionLicence {
    Licence(spdx::LicenseReq),
    /// `NOASSERTION`: an unknown licence is accepted.
    Unknown,
    /// `*`: whatever the licence (LicenseFinder's package approvals); use sparingly.
    Any,
}

impl fmt::Display for ExceptionLicence {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ExceptionLicence::Licence(req) => write!(f, "{req}"),
            ExceptionLicence::Unknown => f.write_str(crate::licence::NOASSERTION),
            ExceptionLicence::Any => f.write_str("*"),
        }
    }
}

/// A loaded, validated policy.
#[derive(Debug, Clone)]
pub struct Policy {
    /// The policy's name (from the file, or the preset name).
    pub name: String,
    /// Where it came from: "preset public-sector-default" or a file path.
    pub origin: String,
    pub description: Option<String>,
    pub rules: Vec<Rule>,
    /// `[licences] prefer`: the order in which `OR` alternatives are preferred, after the
    /// policy's decision and compatibility ([`choice`]).
    pub prefer: Vec<Selector>,
    pub unknown: UnknownDecision,
    /// Whether licences needing review fail the audit (default: they are warnings).
    pub review_fails: bool,
    /// Whether `allow` entries naming a licence that no package uses are reported.
    pub warn_unused_allowed: bool,
    /// How each scope is audited (`[dependencies]`); runtime is always `include`.
    pub dev: Inclusion,
    pub test: Inclusion,
    pub build: Inclusion,
    pub optional: Inclusion,
    pub peer: Inclusion,
    pub provided: Inclusion,
    pub exceptions: Vec<Exception>,
    pub clarifications: Vec<Curation>,
    /// The project's own licence, when the policy states it (else it is read from the project).
    pub outbound: Option<String>,
    /// How the project is used; compatibility with the outbound licence is checked only when
    /// the policy says.
    pub use_mode: Option<compat::UseMode>,
    /// Which indices of vetted components are asked, and what their answers mean.
    pub vetting: Vetting,
    /// Known vulnerabilities: advisory sources and what their findings mean.
    pub advisories: crate::advisory::policy::AdvisoryPolicy,
    /// `[graph] targets`: the platforms Cargo projects are built for.
    pub targets: crate::ecosystem::cargo_targets::Targets,
}

/// `[vetting]` and `[[index]]`: the indices of vetted components an audit asks, and whether
/// packages must have been vetted.
#[derive(Debug, Clone)]
pub struct Vetting {
    pub require_vetted: RequireVetted,
    /// Whether the index built into fundament (the project's own `registry-index/`) is asked.
    pub builtin_index: bool,
    /// The `[[index]]` entries, in the order written.
    pub indices: Vec<crate::index::IndexSettings>,
    /// Where relative index folders are resolved: the policy file's directory (for presets,
    /// and policies parsed from text, the audited directory).
    pub base_dir: Option<std::path::PathBuf>,
}

impl Default for Vetting {
    fn default() -> Self {
        Vetting {
            require_vetted: RequireVetted::Off,
            builtin_index: true,
            indices: Vec::new(),
            base_dir: None,
        }
    }
}

/// Whether a package must carry an `approved` decision from an index. A `rejected` decision
/// fails the audit whatever this says.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum RequireVetted {
    /// Vetting is reported, not required.
    #[default]
    Off,
    /// A package that is not approved is a warning.
    Warn,
    /// A package that is not approved is a violation.
    Deny,
}

impl Policy {
    /// How `package` is audited: as its scope says, or less thoroughly where it is optional
    /// or a peer and the policy says so for those.
    pub fn treatment_of(&self, package: &crate::model::Package) -> Inclusion {
        let mut treatment = self.treatment(package.scope);
        if package.optional {
            treatment = treatment.max(self.optional);
        }
        if package.peer {
            treatment = treatment.max(self.peer);
        }
        treatment
    }

    /// How packages used in `scope` are audited.
    pub fn treatment(&self, scope: crate::model::Scope) -> Inclusion {
        use crate::model::Scope;
        match scope {
            Scope::Runtime => Inclusion::Include,
            Scope::Provided => self.provided,
            Scope::Build => self.build,
            Scope::Test => self.test,
            Scope::Dev => self.dev,
        }
    }

    /// A built-in preset by name.
    pub fn preset(name: &str) -> Option<Result<Policy, PolicyError>> {
        PRESETS.iter().find(|(n, _)| *n == name).map(|(n, text)| {
            Policy::parse(text, &format!("policies/{n}.toml"), &format!("preset {n}"))
        })
    }

    /// Loads a policy file named by the user (`--policy`): a regular file, size-capped, read
    /// without blocking.
    pub fn load(path: &Path, display: &str) -> Result<Policy, PolicyError> {
        let text = crate::source::read_text_bounded(path, crate::source::Limit::POLICY).map_err(
            |refusal| PolicyError {
                file: display.to_string(),
                line: None,
                field: None,
                message: format!("the policy {}", refusal.reason_text()),
            },
        )?;
        Policy::from_text(&text, path, display)
    }

    /// A policy from the text of the file at `path` (already read, e.g. through the audited
    /// tree's [`crate::source::Confined`]); index paths in it are relative to its directory.
    pub fn from_text(text: &str, path: &Path, display: &str) -> Result<Policy, PolicyError> {
        let mut policy = Policy::parse(text, display, display)?;
        policy.vetting.base_dir = path
            .parent()
            .map(|dir| {
                if dir.as_os_str().is_empty() {
                    Path::new(".")
                } else {
                    dir
                }
            })
            .map(Path::to_path_buf);
        policy
            .advisories
            .base_dir
            .clone_from(&policy.vetting.base_dir);
        Ok(policy)
    }

    /// Parses policy text; `file` names it in errors and rule sources.
    pub fn parse(text: &str, file: &str, origin: &str) -> Result<Policy, PolicyError> {
        let raw: RawPolicy = toml::from_str(text).map_err(|err| PolicyError {
            file: file.to_string(),
            line: err.span().map(|s| line_of_offset(text, s.start)),
            field: None,
            message: err.message().trim().to_string(),
        })?;
        let ctx = Ctx { text, file };
        let licences = raw.licences.unwrap_or_default();
        let mut rules = Vec::new();
        for (decision, entries, field) in [
            (Decision::Allow, &licences.allow, "licences.allow"),
            (Decision::Review, &licences.review, "licences.review"),
            (Decision::Deny, &licences.deny, "licences.deny"),
        ] {
            for (i, entry) in entries.iter().enumerate() {
                let selector = parse_selector(entry.get_ref())
                    .map_err(|m| ctx.error(entry.span(), format!("{field}[{i}]"), m))?;
                rules.push(Rule {
                    decision,
                    selector,
                    source: ctx.source(entry.span()),
                });
            }
        }
        // The same selector with two decisions cannot be meant.
        for (i, a) in rules.iter().enumerate() {
            if let Some(b) = rules[i + 1..]
                .iter()
                .find(|b| b.selector == a.selector && b.decision != a.decision)
            {
                return Err(PolicyError {
                    file: file.to_string(),
                    line: b.source.line,
                    field: Some(format!("licences.{}", b.decision)),
                    message: format!(
                        "`{}` is also listed under `{}` ({}); a licence can have only one decision",
                        b.selector, a.decision, a.source
                    ),
                });
            }
        }

        let mut prefer = Vec::new();
        for (i, entry) in licences.prefer.iter().enumerate() {
            let selector = parse_selector(entry.get_ref())
                .map_err(|m| ctx.error(entry.span(), format!("licences.prefer[{i}]"), m))?;
            if prefer.contains(&selector) {
                return Err(ctx.error(
                    entry.span(),
                    format!("licences.prefer[{i}]"),
                    format!("`{selector}` is listed twice; the order must be clear"),
                ));
            }
            prefer.push(selector);
        }
        let targets = graph::targets(&ctx, raw.graph.unwrap_or_default())?;

        let mut exceptions = Vec::new();
        for (i, entry) in raw.exceptions.iter().enumerate() {
            exceptions.push(parse_exception(&ctx, i, entry)?);
        }
        let mut clarifications = Vec::new();
        for (i, entry) in raw.clarify.iter().enumerate() {
            clarifications.push(parse_clarify(&ctx, i, entry)?);
        }
        let deps = raw.dependencies.unwrap_or_default();
        let project = raw.project.unwrap_or_default();
        let outbound = match &project.licence {
            Some(text) => Some(
                spdx::Expression::parse(text.get_ref().trim())
                    .map(|e| crate::licence::expression::canonical(&e))
                    .map_err(|e| {
                        ctx.error(
                            text.span(),
                            "project.licence".to_string(),
                            format!(
                                "`{}` is not a valid SPDX expression: {}",
                                text.get_ref(),
                                e.reason
                            ),
                        )
                    })?,
            ),
            None => None,
        };
        Ok(Policy {
            name: raw.name.unwrap_or_else(|| {
                Path::new(file)
                    .file_stem()
                    .map(|s| s.to_string_lossy().into_owned())
                    .unwrap_or_else(|| file.to_string())
            }),
            origin: origin.to_string(),
            description: raw.description,
            rules,
            prefer,
            unknown: licences.unknown.unwrap_or(Decision::Deny),
            review_fails: licences.review_fails.unwrap_or(false),
            warn_unused_allowed: licences.unused_allowed.unwrap_or(UnusedAllowed::Warn)
                == UnusedAllowed::Warn,
            dev: deps.dev.unwrap_or(Inclusion::Licence),
            test: deps.test.or(deps.dev).unwrap_or(Inclusion::Licence),
            build: deps.build.unwrap_or(Inclusion::Include),
            optional: deps.optional.unwrap_or(Inclusion::Include),
            peer: deps.peer.unwrap_or(Inclusion::Include),
            provided: deps.provided.unwrap_or(Inclusion::Include),
            exceptions,
            clarifications,
            outbound,
            use_mode: project.use_mode,
            vetting: parse_vetting(&ctx, raw.vetting.unwrap_or_default(), &raw.index)?,
            advisories: crate::advisory::policy::parse(
                raw.advisories.unwrap_or_default(),
                file,
                |offset| line_of_offset(text, offset),
            )
            .map_err(|e| PolicyError {
                file: file.to_string(),
                line: e.span.map(|s| line_of_offset(text, s.start)),
                field: Some(e.field),
                message: e.message,
            })?,
            targets,
        })
    }
}

fn parse_vetting(
    ctx: &Ctx<'_>,
    raw: RawVetting,
    entries: &[Spanned<crate::index::IndexSettings>],
) -> Result<Vetting, PolicyError> {
    // The mistakes that would otherwise only surface when the indices are opened, here with
    // their line.
    for (i, entry) in entries.iter().enumerate() {
        let settings = entry.get_ref();
        let field = |name: &str| format!("index[{i}].{name}");
        if settings.name.trim().is_empty() {
            return Err(ctx.error(entry.span(), field("name"), "the name is empty".to_string()));
        }
        if settings.location.trim().is_empty() {
            return Err(ctx.error(
                entry.span(),
                field("location"),
                "the location is empty".to_string(),
            ));
        }
        if let Some(earlier) = entries[..i]
            .iter()
            .find(|e| e.get_ref().name == settings.name)
        {
            return Err(ctx.error(
                entry.span(),
                field("name"),
                format!(
                    "the name `{}` is already used on line {}",
                    settings.name,
                    ctx.line(earlier.span())
                ),
            ));
        }
        if let Some(earlier) = entries[..i]
            .iter()
            .find(|e| e.get_ref().precedence == settings.precedence)
        {
            return Err(ctx.error(
                entry.span(),
                field("precedence"),
                format!(
                    "precedence {} is already that of `{}` (line {}); which index wins must be clear",
                    settings.precedence,
                    earlier.get_ref().name,
                    ctx.line(earlier.span())
                ),
            ));
        }
    }
    Ok(Vetting {
        require_vetted: raw.require_vetted.unwrap_or_default(),
        builtin_index: raw.builtin_index.unwrap_or(true),
        indices: entries.iter().map(|e| e.get_ref().clone()).collect(),
        base_dir: None,
    })
}

struct Ctx<'a> {
    text: &'a str,
    file: &'a str,
}

impl Ctx<'_> {
    fn line(&self, span: std::ops::Range<usize>) -> usize {
        line_of_offset(self.text, span.start)
    }

    fn source(&self, span: std::ops::Range<usize>) -> Location {
        Location {
            file: self.file.to_string(),
            line: Some(self.line(span)),
        }
    }

    fn error(&self, span: std::ops::Range<usize>, field: String, message: String) -> PolicyError {
        PolicyError {
            file: self.file.to_string(),
            line: Some(self.line(span)),
            field: Some(field),
            message,
        }
    }
}

fn parse_selector(raw: &RawSelector) -> Result<Selector, String> {
    match raw {
        RawSelector::Text(text) => {
            let text = text.trim();
            if let Some(category) = Category::from_name(text) {
                return Ok(Selector::Class {
                    category: Some(category),
                    osi_approved: None,
                    fsf_libre: None,
                });
            }
            match text {
                "osi-approved" => {
                    return Ok(Selector::Class {
                        category: None,
                        osi_approved: Some(true),
                        fsf_libre: None,
                    });
                }
                "fsf-libre" => {
                    return Ok(Selector::Class {
                        category: None,
                        osi_approved: None,
                        fsf_libre: Some(true),
                    });
                }
                _ => {}
            }
            parse_one_licence(text).map(Selector::Licence)
        }
        RawSelector::Table {
            category,
            osi_approved,
            fsf_libre,
        } => {
            let category = match category {
                Some(name) => Some(Category::from_name(name).ok_or_else(|| {
                    format!(
                        "`{name}` is not a category; categories are {}",
                        category_names()
                    )
                })?),
                None => None,
            };
            if category.is_none() && osi_approved.is_none() && fsf_libre.is_none() {
                return Err("a rule table needs `category`, `osi-approved` or `fsf-libre`".into());
            }
            Ok(Selector::Class {
                category,
                osi_approved: *osi_approved,
                fsf_libre: *fsf_libre,
            })
        }
    }
}

fn category_names() -> String {
    Category::ALL
        .iter()
        .map(|c| c.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

/// Parses one licence (an id, `id+`, `id WITH exception`, `LicenseRef-...`), strictly.
fn parse_one_licence(text: &str) -> Result<spdx::LicenseReq, String> {
    let expr = spdx::Expression::parse(text).map_err(|e| {
        format!(
            "`{text}` is not an SPDX licence id, a `WITH` form or a category ({}); categories are {}",
            e.reason,
            category_names()
        )
    })?;
    let mut reqs = expr.requirements();
    let first = reqs.next().map(|r| r.req.clone());
    match (first, reqs.next()) {
        (Some(req), None) => Ok(req),
        _ => Err(format!(
            "`{text}` is an expression; each entry names one licence (list them separately)"
        )),
    }
}

fn parse_date(raw: &RawDate) -> Result<jiff::civil::Date, String> {
    match raw {
        RawDate::Date(dt) => {
            let date = dt
                .date
                .ok_or_else(|| "needs a date (YYYY-MM-DD)".to_string())?;
            jiff::civil::Date::new(date.year as i16, date.month as i8, date.day as i8)
                .map_err(|e| format!("is not a valid date: {e}"))
        }
        RawDate::Text(text) => text
            .parse::<jiff::civil::Date>()
            .map_err(|e| format!("`{text}` is not a date (YYYY-MM-DD): {e}")),
    }
}

fn required(
    ctx: &Ctx<'_>,
    span: std::ops::Range<usize>,
    field: String,
    value: &Option<String>,
) -> Result<String, PolicyError> {
    match value.as_deref().map(str::trim) {
        Some(v) if !v.is_empty() => Ok(v.to_string()),
        _ => Err(ctx.error(span, field, "is required and must not be empty".to_string())),
    }
}

fn parse_exception(
    ctx: &Ctx<'_>,
    index: usize,
    entry: &Spanned<RawException>,
) -> Result<Exception, PolicyError> {
    let span = entry.span();
    let raw = entry.get_ref();
    let field = |name: &str| format!("exceptions[{index}].{name}");
    let spec = PackageSpec::parse(&raw.package, raw.version.as_deref())
        .map_err(|m| ctx.error(span.clone(), field("package"), m))?;
    let reason = required(ctx, span.clone(), field("reason"), &raw.reason)?;
    let approved_by = required(ctx, span.clone(), field("approved-by"), &raw.approved_by)?;
    if raw.allow.is_empty() {
        return Err(ctx.error(
            span,
            field("allow"),
            "lists the licences accepted for the package and must not be empty".to_string(),
        ));
    }
    let mut allow = Vec::new();
    for (i, text) in raw.allow.iter().enumerate() {
        if text.trim() == crate::licence::NOASSERTION {
            allow.push(ExceptionLicence::Unknown);
        } else if text.trim() == "*" {
            allow.push(ExceptionLicence::Any);
        } else {
            let req = parse_one_licence(text).map_err(|m| {
                ctx.error(span.clone(), format!("exceptions[{index}].allow[{i}]"), m)
            })?;
            allow.push(ExceptionLicence::Licence(req));
        }
    }
    let expires = match &raw.expires {
        Some(date) => {
            Some(parse_date(date).map_err(|m| ctx.error(span.clone(), field("expires"), m))?)
        }
        None => None,
    };
    Ok(Exception {
        spec,
        allow,
        reason,
        approved_by,
        expires,
        source: ctx.source(span),
    })
}

fn parse_clarify(
    ctx: &Ctx<'_>,
    index: usize,
    entry: &Spanned<RawClarify>,
) -> Result<Curation, PolicyError> {
    let span = entry.span();
    let raw = entry.get_ref();
    let field = |name: &str| format!("clarify[{index}].{name}");
    let spec = PackageSpec::parse(&raw.package, raw.version.as_deref())
        .map_err(|m| ctx.error(span.clone(), field("package"), m))?;
    let expression = spdx::Expression::parse(raw.expression.trim())
        .map(|e| crate::licence::expression::canonical(&e))
        .map_err(|e| {
            ctx.error(
                span.clone(),
                field("expression"),
                format!(
                    "`{}` is not a valid SPDX expression: {}",
                    raw.expression, e.reason
                ),
            )
        })?;
    if raw.license_files.is_empty() {
        return Err(ctx.error(
            span,
            field("license-files"),
            "a clarification must be pinned to at least one licence file and its sha256"
                .to_string(),
        ));
    }
    let mut files = Vec::new();
    for (i, f) in raw.license_files.iter().enumerate() {
        let sha = f
            .sha256
            .trim()
            .trim_start_matches("sha256:")
            .to_ascii_lowercase();
        if sha.len() != 64 || !sha.chars().all(|c| c.is_ascii_hexdigit()) {
            return Err(ctx.error(
                span.clone(),
                format!("clarify[{index}].license-files[{i}].sha256"),
                format!("`{}` is not a SHA-256 in hex (64 characters)", f.sha256),
            ));
        }
        files.push(PinnedFile {
            path: f.path.trim().to_string(),
            sha256: sha,
        });
    }
    let expires = match &raw.expires {
        Some(date) => {
            Some(parse_date(date).map_err(|m| ctx.error(span.clone(), field("expires"), m))?)
        }
        None => None,
    };
    Ok(Curation {
        spec,
        expression,
        files,
        reason: raw.reason.clone(),
        approved_by: raw
            .approved_by
            .as_deref()
            .map(str::trim)
            .filter(|a| !a.is_empty())
            .map(str::to_string),
        expires,
        source: ctx.source(span),
        origin: crate::licence::CurationOrigin::Policy,
    })
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawPolicy {
    name: Option<String>,
    description: Option<String>,
    #[serde(alias = "licenses")]
    licences: Option<RawLicences>,
    dependencies: Option<RawDependencies>,
    #[serde(default)]
    exceptions: Vec<Spanned<RawException>>,
    #[serde(default)]
    clarify: Vec<Spanned<RawClarify>>,
    project: Option<RawProject>,
    /// Settings of the registry look-ups, read by `audit` itself (not a policy matter).
    #[allow(dead_code)]
    registries: Option<toml::Value>,
    vetting: Option<RawVetting>,
    #[serde(default)]
    index: Vec<Spanned<crate::index::IndexSettings>>,
    advisories: Option<crate::advisory::policy::RawAdvisories>,
    graph: Option<graph::RawGraph>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawVetting {
    require_vetted: Option<RequireVetted>,
    builtin_index: Option<bool>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawProject {
    #[serde(alias = "license")]
    licence: Option<Spanned<String>>,
    #[serde(rename = "use")]
    use_mode: Option<compat::UseMode>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawLicences {
    #[serde(default)]
    allow: Vec<Spanned<RawSelector>>,
    #[serde(default)]
    review: Vec<Spanned<RawSelector>>,
    #[serde(default)]
    deny: Vec<Spanned<RawSelector>>,
    unknown: Option<Decision>,
    review_fails: Option<bool>,
    unused_allowed: Option<UnusedAllowed>,
    #[serde(default)]
    prefer: Vec<Spanned<RawSelector>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
enum UnusedAllowed {
    Warn,
    Ignore,
}

#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum RawSelector {
    Text(String),
    Table {
        category: Option<String>,
        #[serde(rename = "osi-approved")]
        osi_approved: Option<bool>,
        #[serde(rename = "fsf-libre")]
        fsf_libre: Option<bool>,
    },
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawDependencies {
    dev: Option<Inclusion>,
    test: Option<Inclusion>,
    build: Option<Inclusion>,
    optional: Option<Inclusion>,
    peer: Option<Inclusion>,
    provided: Option<Inclusion>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawException {
    package: String,
    version: Option<String>,
    #[serde(default)]
    allow: Vec<String>,
    reason: Option<String>,
    approved_by: Option<String>,
    expires: Option<RawDate>,
}

#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum RawDate {
    Date(toml::value::Datetime),
    Text(String),
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawClarify {
    package: String,
    version: Option<String>,
    expression: String,
    #[serde(default)]
    license_files: Vec<RawPinnedFile>,
    reason: Option<String>,
    approved_by: Option<String>,
    expires: Option<RawDate>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPinnedFile {
    path: String,
    sha256: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Policy, PolicyError> {
        Policy::parse(text, "test.toml", "test.toml")
    }

    #[test]
    fn every_preset_parses() {
        for (name, _) in PRESETS {
            let policy = Policy::preset(name).unwrap().unwrap();
            assert!(!policy.rules.is_empty(), "{name}");
        }
    }

    #[test]
    fn errors_name_file_line_and_field() {
        let err = parse("[licences]\nallow = [\n  \"MIT\",\n  \"MITT\",\n]\n").unwrap_err();
        assert_eq!(err.file, "test.toml");
        assert_eq!(err.line, Some(4));
        assert_eq!(err.field.as_deref(), Some("licences.allow[1]"));
        assert!(
            err.to_string()
                .starts_with("test.toml:4: `licences.allow[1]`: `MITT`")
        );
    }

    #[test]
    fn unknown_keys_are_errors_with_lines() {
        let err = parse("[licences]\nallow = [\"MIT\"]\nalow = []\n").unwrap_err();
        assert_eq!(err.line, Some(3));
        assert!(err.message.contains("alow"), "{}", err.message);
    }

    #[test]
    fn exceptions_need_reason_and_approver() {
        let err = parse(
            "[[exceptions]]\npackage = \"ring\"\nallow = [\"OpenSSL\"]\napproved-by = \"x\"\n",
        )
        .unwrap_err();
        assert_eq!(err.field.as_deref(), Some("exceptions[0].reason"));
        assert_eq!(err.line, Some(1));
        let err =
            parse("[[exceptions]]\npackage = \"ring\"\nallow = [\"OpenSSL\"]\nreason = \"r\"\n")
                .unwrap_err();
        assert_eq!(err.field.as_deref(), Some("exceptions[0].approved-by"));
    }

    #[test]
    fn expressions_are_not_single_rules() {
        let err = parse("[licences]\nallow = [\"MIT OR Apache-2.0\"]\n").unwrap_err();
        assert!(err.message.contains("expression"), "{}", err.message);
    }

    #[test]
    fn contradicting_decisions_are_errors() {
        let err = parse("[licences]\nallow = [\"MIT\"]\ndeny = [\"MIT\"]\n").unwrap_err();
        assert_eq!(err.line, Some(3));
    }

    #[test]
    fn clarifications_need_pinned_hashes() {
        let err = parse(
            "[[clarify]]\npackage = \"x\"\nexpression = \"MIT\"\nlicense-files = [{ path = \"LICENSE\", sha256 = \"abc\" }]\n",
        )
        .unwrap_err();
        assert_eq!(
            err.field.as_deref(),
            Some("clarify[0].license-files[0].sha256")
        );
    }

    #[test]
    fn selectors_match_by_id_category_and_flags() {
        let policy = parse(
            "[licences]\nallow = [\"Apache-2.0\", { category = \"permissive\", osi-approved = true }]\n",
        )
        .unwrap();
        let req = |t: &str| {
            spdx::Expression::parse(t)
                .unwrap()
                .requirements()
                .next()
                .unwrap()
                .req
                .clone()
        };
        let by_id = &policy.rules[0].selector;
        assert!(by_id.matches(&req("Apache-2.0")));
        assert!(by_id.matches(&req("Apache-2.0+")));
        assert!(!by_id.matches(&req("Apache-2.0 WITH LLVM-exception")));
        let class = &policy.rules[1].selector;
        assert!(class.matches(&req("MIT")));
        assert!(!class.matches(&req("WTFPL")), "WTFPL is not OSI approved");
        assert!(!class.matches(&req("GPL-3.0-only")));
        assert!(class.specificity() < by_id.specificity());
    }
}

#[cfg(test)]
mod doc_tests {
    use super::*;

    /// The complete example of docs/policy.md is a valid policy, and says what the text says.
    #[test]
    fn the_documented_example_is_a_valid_policy() {
        let doc = include_str!("../../docs/policy.md");
        let start = doc
            .find("## A complete example")
            .and_then(|at| doc[at..].find("```toml").map(|i| at + i + "```toml".len()))
            .expect("the example is in docs/policy.md");
        let end = start + doc[start..].find("```").expect("the example ends");
        let policy = Policy::parse(&doc[start..end], "docs/policy.md", "docs/policy.md")
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(policy.name, "city-of-example");
        assert_eq!(policy.vetting.require_vetted, RequireVetted::Warn);
        assert!(policy.vetting.builtin_index);
        assert_eq!(policy.vetting.indices.len(), 1);
        assert_eq!(policy.vetting.indices[0].precedence, 10);
        assert_eq!(policy.exceptions.len(), 1);
        assert_eq!(policy.clarifications.len(), 1);
    }

    #[test]
    fn vetting_settings_have_their_defaults_and_reject_unknown_keys() {
        let policy = Policy::parse("", "t.toml", "t.toml").unwrap();
        assert_eq!(policy.vetting.require_vetted, RequireVetted::Off);
        assert!(policy.vetting.builtin_index);
        assert!(policy.vetting.indices.is_empty());
        let err = Policy::parse("[vetting]\nrequire = \"deny\"\n", "t.toml", "t.toml").unwrap_err();
        assert_eq!(err.line, Some(2), "{err}");
        let err = Policy::parse(
            "[[index]]\nname = \"a\"\nlocation = \"x\"\nprecedence = 1\nbranch = \"main\"\nfoo = 1\n",
            "t.toml",
            "t.toml",
        )
        .unwrap_err();
        assert!(err.to_string().contains("foo"), "{err}");
    }
}
