//! The human report: compiler-style findings, then tables of projects, licences and (when
//! indices of vetted components were asked) the indices, then the result in one line and the
//! vetting counts in another. The V009 note is not repeated among the findings: the indices
//! table and the vetting line say the same.

use super::escape::{Shown, line as esc};
use super::html::{fill, tr};
use crate::audit::{Audit, Outcome, PolicySource};
use crate::diagnostic::{Code, Finding, Severity};
use crate::index::SourceKind;
use crate::licence::obligations::Lang;
use crate::model::ProjectStatus;
use crate::policy::RequireVetted;
use crate::policy::evaluate::Status;
use crate::vet::VettingStatus;
use anstyle::{AnsiColor, Effects, Style};
use comfy_table::{CellAlignment, Table, presets};
use std::fmt::Write as _;

/// Findings of one code beyond this many are listed one line each.
const FULL_FINDINGS_PER_CODE: usize = 20;

struct Paint {
    on: bool,
}

impl Paint {
    fn paint(&self, style: Style, text: &str) -> String {
        if self.on {
            format!("{}{text}{}", style.render(), style.render_reset())
        } else {
            text.to_string()
        }
    }

    fn severity(&self, severity: Severity) -> Style {
        match severity {
            Severity::Error => AnsiColor::Red.on_default().effects(Effects::BOLD),
            Severity::Warning => AnsiColor::Yellow.on_default().effects(Effects::BOLD),
            Severity::Note => AnsiColor::Cyan.on_default().effects(Effects::BOLD),
        }
    }
}

pub fn render(audit: &Audit, colour: bool, lang: Lang) -> String {
    let paint = Paint { on: colour };
    let bold = Style::new().effects(Effects::BOLD);
    let dim = Style::new().effects(Effects::DIMMED);
    let mut out = String::new();

    // Every value taken from the audit is shown escaped (`Shown`, `esc`): names, versions,
    // licences, paths and messages come from the audited input and may hold control characters
    // or newlines, which must neither reach the terminal nor start a line of their own.
    let _ = writeln!(
        out,
        "{} {} · {} {}",
        paint.paint(bold, audit.tool.name),
        audit.tool.version,
        h(lang, "audit_of"),
        Shown(&audit.root)
    );
    let _ = writeln!(
        out,
        "{}: {} ({}; {})",
        h(lang, "policy"),
        Shown(&audit.policy.name),
        Shown(&super::html::policy_origin(&audit.policy.origin, lang)),
        policy_source_words(audit, lang)
    );
    let own = &audit.project_licence;
    let _ = writeln!(
        out,
        "{}: {} ({}{})",
        h(lang, "project_licence"),
        Shown(
            &own.expression
                .clone()
                .unwrap_or_else(|| h(lang, "not_stated"))
        ),
        Shown(&match lang {
            Lang::En => own.explanation.clone(),
            _ => own.explanation_text.render(lang),
        }),
        if own.consistent {
            String::new()
        } else {
            h(lang, "sources_disagree")
        }
    );
    out.push('\n');

    let packages: std::collections::HashMap<&str, &crate::audit::AuditedPackage> = audit
        .packages
        .iter()
        .map(|p| (p.package.purl.as_str(), p))
        .collect();
    let mut shown_per_code = std::collections::HashMap::new();
    let mut compact: Vec<&Finding> = Vec::new();
    for finding in audit
        .findings
        .iter()
        .filter(|f| f.code != Code::Vetted || audit.vetting.indices.is_empty())
    {
        let shown = shown_per_code.entry(finding.code).or_insert(0usize);
        if *shown >= FULL_FINDINGS_PER_CODE {
            compact.push(finding);
            continue;
        }
        *shown += 1;
        write_finding(&mut out, &paint, finding, &packages, lang);
    }
    if !compact.is_empty() {
        let _ = writeln!(out, "{}", hn(lang, "more_findings", compact.len()));
        for finding in compact {
            let head = format!("{}[{}]", finding.severity, finding.code);
            let _ = writeln!(
                out,
                "  {} {}",
                paint.paint(paint.severity(finding.severity), &head),
                Shown(&finding.message_in(lang))
            );
        }
        out.push('\n');
    }

    write_projects(&mut out, &paint, audit, lang);
    write_usage(&mut out, &paint, audit, lang);
    write_licences(&mut out, &paint, audit, lang);
    write_choices(&mut out, &paint, audit, lang);
    write_indices(&mut out, &paint, audit, lang);
    write_causes(&mut out, &paint, audit, lang);

    let counts = &audit.summary;
    let (word, style) = match counts.outcome {
        Outcome::Pass => (
            h(lang, "pass"),
            AnsiColor::Green.on_default().effects(Effects::BOLD),
        ),
        Outcome::Fail => (
            h(lang, "fail"),
            AnsiColor::Red.on_default().effects(Effects::BOLD),
        ),
        Outcome::Incomplete => (
            h(lang, "incomplete"),
            AnsiColor::Red.on_default().effects(Effects::BOLD),
        ),
    };
    let status = |s: Status| counts.by_status.get(&s).copied().unwrap_or(0);
    // English keeps its plain digits (scripts read this line); German groups thousands.
    let number = |n: usize| match lang {
        Lang::En => n.to_string(),
        _ => super::html::number(n, lang),
    };
    let _ = writeln!(
        out,
        "{} {}",
        paint.paint(style, &word),
        fill(
            &h(lang, "result"),
            &[
                ("errors", &hn(lang, "errors", counts.errors)),
                ("warnings", &hn(lang, "warnings", counts.warnings)),
                ("packages", &hn(lang, "packages", counts.packages)),
                ("projects", &hn(lang, "projects", counts.projects)),
                ("allowed", &number(status(Status::Allowed))),
                ("review", &number(status(Status::Review))),
                ("denied", &number(status(Status::Denied))),
                ("skipped", &number(status(Status::Skipped))),
            ],
        )
    );
    if !audit.vetting.indices.is_empty() && counts.packages > 0 {
        let parts: Vec<String> = counts
            .by_vetting
            .iter()
            .filter(|(_, n)| **n > 0)
            .map(|(status, n)| format!("{n} {}", vetting_words(*status, lang)))
            .collect();
        let _ = writeln!(out, "{}: {}", h(lang, "vetting"), parts.join(", "));
    }
    let _ = writeln!(out, "{}", vulnerability_line(audit, lang));
    if counts.outcome == Outcome::Incomplete {
        let _ = writeln!(out, "{}", paint.paint(dim, &h(lang, "incomplete_note")));
    }
    // Whose rules decided is part of the verdict: the last line says it.
    let whose = match audit.policy.source {
        PolicySource::Repository => paint.paint(
            AnsiColor::Yellow.on_default().effects(Effects::BOLD),
            &fill(
                &h(lang, "verdict_by_repository"),
                &[("origin", &esc(&audit.policy.origin))],
            ),
        ),
        _ => format!(
            "{}{}",
            fill(
                &h(lang, "verdict_by"),
                &[
                    (
                        "origin",
                        &Shown(&super::html::policy_origin(&audit.policy.origin, lang)).to_string()
                    ),
                    ("source", &policy_source_words(audit, lang)),
                ],
            ),
            match &audit.policy.repository_policy_ignored {
                Some(file) => fill(
                    &h(lang, "repository_policy_ignored"),
                    &[("file", &Shown(file).to_string())],
                ),
                None => String::new(),
            }
        ),
    };
    let _ = writeln!(out, "{whose}");
    out
}

/// Whose policy it is, in words.
fn policy_source_words(audit: &Audit, lang: Lang) -> String {
    h(
        lang,
        match audit.policy.source {
            PolicySource::Preset => "source_preset",
            PolicySource::File => "source_file",
            PolicySource::Repository => "source_repository",
        },
    )
}

/// A counted text of the human report (`human.key_one`, `human.key_other`) in `lang`; English
/// keeps plain digits (scripts read these lines), German groups thousands.
fn hn(lang: Lang, key: &str, n: usize) -> String {
    let form = if n == 1 { "one" } else { "other" };
    fill(
        &h(lang, &format!("{key}_{form}")),
        &[("n", &digits(n, lang))],
    )
}

/// `n` as the language writes numbers (English: plain digits, as before).
fn digits(n: usize, lang: Lang) -> String {
    match lang {
        Lang::En => n.to_string(),
        _ => super::html::number(n, lang),
    }
}

/// A text of the human report (`human.key`) in `lang`.
fn h(lang: Lang, key: &str) -> String {
    tr(lang, &format!("human.{key}"))
}

/// How the packages are used (scope), how many of each, and how the policy audits them.
fn write_usage(out: &mut String, paint: &Paint, audit: &Audit, lang: Lang) {
    let mut by_scope: std::collections::BTreeMap<crate::model::Scope, (usize, usize, usize)> =
        std::collections::BTreeMap::new();
    for p in audit.packages.iter().filter(|p| !p.package.root) {
        let entry = by_scope.entry(p.package.scope).or_default();
        entry.0 += 1;
        if p.verdict.status == Status::Skipped {
            entry.2 += 1;
        } else if p.verdict.delivered {
            entry.1 += 1;
        }
    }
    if by_scope.is_empty() {
        return;
    }
    let _ = writeln!(out, "{}", heading(paint, &h(lang, "usage")));
    let mut t = table();
    t.set_header(vec![
        h(lang, "used_for"),
        h(lang, "packages_column"),
        h(lang, "audited_as"),
    ]);
    for (scope, (packages, delivered, skipped)) in by_scope {
        let how = if skipped == packages {
            "usage_excluded"
        } else if delivered == packages {
            "usage_delivered"
        } else if delivered == 0 && skipped == 0 {
            "usage_tool"
        } else {
            "usage_mixed"
        };
        let scope = match lang {
            Lang::En => scope.to_string(),
            _ => tr(lang, &format!("scope.{scope}")),
        };
        t.add_row(cells(vec![scope, packages.to_string(), h(lang, how)]));
    }
    align_right(&mut t, &[1]);
    write_table(out, &t);
}

/// One line on known vulnerabilities: how many, how severe, how many settled, how old the
/// data; or why they were not checked.
fn vulnerability_line(audit: &Audit, lang: Lang) -> String {
    use crate::advisory::{CheckStatus, State};
    let a = &audit.advisories;
    match a.status {
        CheckStatus::NotConfigured => {
            return h(lang, "vulns_not_configured");
        }
        CheckStatus::Off => return h(lang, "vulns_off"),
        CheckStatus::Checked => {}
    }
    let c = &a.summary;
    let mut parts = Vec::new();
    if c.vulnerabilities == 0 {
        parts.push(h(lang, "vulns_none"));
    } else {
        let by: Vec<String> = crate::advisory::severity_order()
            .filter_map(|s| c.by_severity.get(s).map(|n| format!("{n} {s}")))
            .collect();
        parts.push(format!(
            "{} {} ({})",
            c.vulnerabilities,
            hn(lang, "in_packages", c.packages_affected),
            by.join(", ")
        ));
        let state = |s: State| c.by_state.get(&s).copied().unwrap_or(0);
        let settled = state(State::NotAffected) + state(State::Fixed);
        if settled > 0 {
            parts.push(format!("{settled} {}", h(lang, "vulns_settled")));
        }
        if state(State::Ignored) > 0 {
            parts.push(format!(
                "{} {}",
                state(State::Ignored),
                h(lang, "vulns_ignored")
            ));
        }
        if c.upgradable > 0 {
            parts.push(format!("{} {}", c.upgradable, h(lang, "vulns_upgradable")));
        }
    }
    if c.informational > 0 {
        parts.push(format!(
            "{} {}",
            c.informational,
            h(lang, "vulns_informational")
        ));
    }
    let unchecked: Vec<String> = a
        .ecosystems
        .iter()
        .filter(|e| !e.checked)
        .map(|e| format!("{} ({})", e.ecosystem, e.packages))
        .collect();
    if !unchecked.is_empty() {
        parts.push(format!(
            "{}: {}",
            h(lang, "vulns_unchecked"),
            unchecked.join(", ")
        ));
    }
    let oldest = a
        .ecosystems
        .iter()
        .filter(|e| e.checked)
        .filter_map(|e| e.age_days)
        .max();
    if let Some(days) = oldest {
        parts.push(hn(lang, "vulns_age", days.max(0) as usize));
    }
    format!("{}: {}", h(lang, "vulnerabilities"), parts.join("; "))
}

fn write_finding(
    out: &mut String,
    paint: &Paint,
    finding: &Finding,
    packages: &std::collections::HashMap<&str, &crate::audit::AuditedPackage>,
    lang: Lang,
) {
    let head = format!("{}[{}]", finding.severity, finding.code);
    let _ = writeln!(
        out,
        "{}: {}",
        paint.paint(paint.severity(finding.severity), &head),
        paint.paint(
            Style::new().effects(Effects::BOLD),
            &esc(&finding.message_in(lang))
        )
    );
    let arrow = paint.paint(AnsiColor::Blue.on_default(), "-->");
    let eq = paint.paint(AnsiColor::Blue.on_default(), "=");
    if let Some(purl) = &finding.package {
        let _ = writeln!(out, "  {arrow} {}", Shown(purl));
    }
    write_folded_packages(out, &arrow, &eq, finding, lang);
    if let Some(location) = &finding.location {
        let _ = writeln!(out, "  {arrow} {}", Shown(&location.to_string()));
    }
    if let Some(licence) = &finding.licence {
        let source = match lang {
            Lang::En => finding.licence_source.clone(),
            // The German words for where the licence came from, from the package itself.
            _ => finding
                .licence_source
                .as_ref()
                .and_then(|_| finding.purls().next())
                .and_then(|purl| packages.get(purl))
                .map(|p| super::html::licence_source(p, lang))
                .or_else(|| finding.licence_source.clone()),
        };
        match &source {
            Some(source) => {
                let _ = writeln!(
                    out,
                    "   {eq} {}: {} ({})",
                    h(lang, "licence"),
                    Shown(licence),
                    Shown(source)
                );
            }
            None => {
                let _ = writeln!(out, "   {eq} {}: {}", h(lang, "licence"), Shown(licence));
            }
        }
    }
    if finding.path.len() > 1 {
        let scope = finding
            .package
            .as_deref()
            .and_then(|purl| packages.get(purl))
            .map(|p| p.package.scope)
            .filter(|s| *s != crate::model::Scope::Runtime)
            .map(|s| fill(&h(lang, "scope_dependency"), &[("scope", &s.to_string())]))
            .unwrap_or_default();
        let file = finding
            .path_file
            .as_deref()
            .map(|f| fill(&h(lang, "path_in"), &[("file", &Shown(f).to_string())]))
            .unwrap_or_default();
        let _ = writeln!(
            out,
            "   {eq} {}{file}: {}{scope}",
            h(lang, "path"),
            Shown(&finding.path.join(" → "))
        );
    }
    for note in finding.notes_in(lang).iter().filter(|n| !n.is_empty()) {
        let _ = writeln!(out, "   {eq} {}: {}", h(lang, "note"), Shown(note));
    }
    if let Some(help) = crate::diagnostic::help::help_in(finding, lang) {
        let _ = writeln!(out, "   {eq} {}: {}", h(lang, "help"), Shown(&help));
    }
    if let Some(fix) = &finding.fix {
        let _ = writeln!(out, "   {eq} {}", h(lang, "fix_intro"));
        let fix = crate::diagnostic::help::placeholders_in(fix, lang);
        for line in fix.lines() {
            let _ = writeln!(out, "     | {}", Shown(line));
        }
    }
    out.push('\n');
}

/// A folded finding's packages: the first [`LISTED_PACKAGES`], then how many more and where
/// they all are.
fn write_folded_packages(out: &mut String, arrow: &str, eq: &str, finding: &Finding, lang: Lang) {
    let Some(count) = finding.count else {
        return;
    };
    for purl in finding.packages.iter().take(LISTED_PACKAGES) {
        let _ = writeln!(out, "  {arrow} {}", Shown(purl));
    }
    if count > LISTED_PACKAGES {
        let more = count - LISTED_PACKAGES.min(finding.packages.len());
        let _ = writeln!(
            out,
            "   {eq} {}",
            fill(
                &h(lang, "more_packages"),
                &[
                    ("more", &digits(more, lang)),
                    ("count", &digits(count, lang))
                ]
            )
        );
    }
}

/// The reader as the report's language says it: file names stay, the words of a reader
/// described in words (its `reader_text`) are translated.
fn reader_in(project: &crate::model::Project, lang: Lang) -> String {
    use crate::diagnostic::Text;
    if let Some(text) = &project.reader_text {
        return text.render(lang);
    }
    let text = match project.reader.as_str() {
        "none" => Text::new("reader_none"),
        _ => return project.reader.clone(),
    };
    text.render(lang)
}

/// How many packages of a folded finding the report names.
const LISTED_PACKAGES: usize = 10;

/// How many causes the closing summary lists.
const LISTED_CAUSES: usize = 15;

/// The closing summary: each finding is one cause; the largest (most packages) first.
fn write_causes(out: &mut String, paint: &Paint, audit: &Audit, lang: Lang) {
    let mut causes: Vec<&Finding> = audit
        .findings
        .iter()
        .filter(|f| f.severity != Severity::Note)
        .collect();
    if causes.is_empty() {
        return;
    }
    causes.sort_by(|a, b| (b.weight(), a.severity, a.code).cmp(&(a.weight(), b.severity, b.code)));
    let _ = writeln!(
        out,
        "{} {}",
        heading(paint, &h(lang, "causes_title")),
        fill(
            &h(lang, "causes_intro"),
            &[("causes", &hn(lang, "causes", causes.len()))]
        )
    );
    let mut table = table();
    for f in causes.iter().take(LISTED_CAUSES) {
        let head = format!("{}[{}]", f.severity, f.code);
        let subject = match (f.count, f.package.as_deref(), &f.location) {
            (Some(n), _, _) => hn(lang, "packages", n),
            (None, Some(purl), _) => purl.to_string(),
            (None, None, Some(location)) => location.to_string(),
            (None, None, None) => String::new(),
        };
        let cause = f
            .caused_by
            .as_deref()
            .map(|c| fill(&h(lang, "follows_from"), &[("code", c)]))
            .unwrap_or_default();
        table.add_row(cells(vec![
            f.weight().to_string(),
            head,
            format!("{}{cause}", f.code.slug()),
            subject,
        ]));
    }
    if causes.len() > LISTED_CAUSES {
        table.add_row(cells(vec![
            String::new(),
            fill(
                &h(lang, "more_causes"),
                &[("causes", &hn(lang, "causes", causes.len() - LISTED_CAUSES))],
            ),
        ]));
    }
    align_right(&mut table, &[0]);
    write_table(out, &table);
}

/// Table cells from values of the audit, escaped.
fn cells(values: Vec<String>) -> Vec<String> {
    values.iter().map(|v| esc(v).into_owned()).collect()
}

/// A section's title, bold where colour is on.
fn heading(paint: &Paint, title: &str) -> String {
    paint.paint(Style::new().effects(Effects::BOLD), title)
}

fn table() -> Table {
    let mut table = Table::new();
    table.load_style(presets::NOTHING);
    table
}

fn write_projects(out: &mut String, paint: &Paint, audit: &Audit, lang: Lang) {
    if audit.projects.is_empty() {
        return;
    }
    let _ = writeln!(out, "{}", heading(paint, &h(lang, "projects_title")));
    let mut t = table();
    t.set_header(vec![
        h(lang, "kind"),
        h(lang, "directory"),
        h(lang, "read_from"),
        h(lang, "packages_column"),
        h(lang, "status"),
    ]);
    for (index, project) in audit.projects.iter().enumerate() {
        let packages = audit
            .packages
            .iter()
            .filter(|p| !p.package.root && p.package.projects.contains(&index))
            .count();
        let status = match &project.status {
            ProjectStatus::Complete => h(lang, "complete"),
            ProjectStatus::Partial { .. } => h(lang, "partial"),
            ProjectStatus::Failed { .. } => h(lang, "not_read"),
        };
        t.add_row(cells(vec![
            project.kind.to_string(),
            project.dir.clone(),
            match &project.lockfile {
                Some(lock) => format!("{} ({})", lock, reader_in(project, lang)),
                None => reader_in(project, lang),
            },
            packages.to_string(),
            status,
        ]));
    }
    align_right(&mut t, &[3]);
    write_table(out, &t);
}

fn write_licences(out: &mut String, paint: &Paint, audit: &Audit, lang: Lang) {
    if audit.summary.by_licence.is_empty() {
        return;
    }
    let _ = writeln!(out, "{}", heading(paint, &h(lang, "licences_title")));
    let mut t = table();
    t.set_header(vec![
        h(lang, "licence"),
        h(lang, "category"),
        h(lang, "packages_column"),
        h(lang, "allowed"),
        h(lang, "review"),
        h(lang, "denied"),
        h(lang, "skipped"),
    ]);
    for row in &audit.summary.by_licence {
        let n = |s: Status| match row.by_status.get(&s) {
            Some(0) | None => String::new(),
            Some(n) => n.to_string(),
        };
        t.add_row(cells(vec![
            row.licence.clone(),
            match (&row.category, lang) {
                (Some(c), Lang::En) => c.clone(),
                // A combination ("permissive + weak-copyleft") is translated part by part.
                (Some(c), _) => c
                    .split(" + ")
                    .map(|part| tr(lang, &format!("category.{part}")))
                    .collect::<Vec<_>>()
                    .join(" + "),
                (None, _) => tr(lang, "category.unknown"),
            },
            row.packages.to_string(),
            n(Status::Allowed),
            n(Status::Review),
            n(Status::Denied),
            n(Status::Skipped),
        ]));
    }
    align_right(&mut t, &[2, 3, 4, 5, 6]);
    write_table(out, &t);
}

/// The `OR` choices, one line per distinct choice with how many packages it concerns.
fn write_choices(out: &mut String, paint: &Paint, audit: &Audit, lang: Lang) {
    let mut groups: std::collections::BTreeMap<(String, String, String), usize> =
        std::collections::BTreeMap::new();
    for p in &audit.packages {
        for c in &p.verdict.choices {
            *groups
                .entry((
                    c.alternatives.join(" OR "),
                    c.chosen.clone(),
                    match lang {
                        Lang::En => c.reason.clone(),
                        _ => tr(lang, &format!("choice.{}", c.by)),
                    },
                ))
                .or_insert(0) += 1;
        }
    }
    if groups.is_empty() {
        return;
    }
    let _ = writeln!(out, "{}", heading(paint, &h(lang, "choices_title")));
    for ((alternatives, chosen, reason), count) in groups {
        let _ = writeln!(
            out,
            "  {} {} {} ({}): {}",
            Shown(&chosen),
            h(lang, "from"),
            Shown(&alternatives),
            hn(lang, "packages", count),
            Shown(&reason)
        );
    }
    out.push('\n');
}

/// A vetting status in words.
fn vetting_words(status: VettingStatus, lang: Lang) -> String {
    tr(lang, &format!("vetting_status.{}", status.as_str()))
}

/// The indices of vetted components asked, highest precedence first, with how many packages'
/// decisions each supplied; only when any was asked.
fn write_indices(out: &mut String, paint: &Paint, audit: &Audit, lang: Lang) {
    let info = &audit.vetting;
    if info.indices.is_empty() {
        return;
    }
    let require = match info.require_vetted {
        RequireVetted::Off => "off",
        RequireVetted::Warn => "warn",
        RequireVetted::Deny => "deny",
    };
    let _ = writeln!(
        out,
        "{} (require-vetted = {require})",
        heading(paint, &h(lang, "indices_title"))
    );
    let mut answers: std::collections::HashMap<&str, usize> = std::collections::HashMap::new();
    for p in audit.packages.iter().filter(|p| !p.package.root) {
        if let Some(r) = &p.vetting.record {
            *answers.entry(r.index.as_str()).or_insert(0) += 1;
        }
    }
    let mut t = table();
    t.set_header(vec![
        h(lang, "index"),
        h(lang, "precedence"),
        h(lang, "location"),
        h(lang, "answers"),
        h(lang, "state"),
    ]);
    for layer in &info.indices {
        let mut location = if layer.kind == SourceKind::Builtin {
            crate::text!("index_builtin_at", version = env!("CARGO_PKG_VERSION")).render(lang)
        } else {
            layer.location.clone()
        };
        if let Some(commit) = &layer.commit {
            let short: String = commit.chars().take(12).collect();
            location.push_str(&format!(" @ {short}"));
        }
        // The state is painted: its text is escaped before the colour is put around it.
        let state = match (layer.failure(), layer.staleness()) {
            (Some(why), _) => paint.paint(
                AnsiColor::Red.on_default().effects(Effects::BOLD),
                &format!("{}: {}", h(lang, "failed"), Shown(&why.render(lang))),
            ),
            (None, Some(why)) => paint.paint(
                AnsiColor::Yellow.on_default(),
                &format!("{}: {}", h(lang, "stale"), Shown(&why.render(lang))),
            ),
            (None, None) => String::new(),
        };
        let name = match &layer.index_name {
            Some(own) if *own != layer.name && layer.kind != SourceKind::Builtin => {
                format!("{} ({own})", layer.name)
            }
            _ => layer.name.clone(),
        };
        let mut row = cells(vec![
            name,
            layer.precedence.to_string(),
            location,
            answers
                .get(layer.name.as_str())
                .copied()
                .unwrap_or(0)
                .to_string(),
        ]);
        row.push(state);
        t.add_row(row);
    }
    align_right(&mut t, &[1, 3]);
    write_table(out, &t);
}

/// Tables without trailing blanks, followed by an empty line.
fn write_table(out: &mut String, table: &Table) {
    for line in table.lines() {
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out.push('\n');
}

fn align_right(table: &mut Table, columns: &[usize]) {
    for &c in columns {
        if let Some(column) = table.column_mut(c) {
            column.set_cell_alignment(CellAlignment::Right);
        }
    }
}
