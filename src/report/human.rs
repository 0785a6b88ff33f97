//! The human report: compiler-style findings, then tables of projects, licences and (when
//! indices of vetted components were asked) the indices, then the result in one line and the
//! vetting counts in another. The V009 note is not repeated among the findings: the indices
//! table and the vetting line say the same.

use super::escape::{Shown, line as esc};
use crate::audit::{Audit, Outcome, PolicySource};
use crate::diagnostic::{Code, Finding, Severity};
use crate::index::SourceKind;
use crate::model::ProjectStatus;
use crate::plural::count;
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

pub fn render(audit: &Audit, colour: bool) -> String {
    let paint = Paint { on: colour };
    let bold = Style::new().effects(Effects::BOLD);
    let dim = Style::new().effects(Effects::DIMMED);
    let mut out = String::new();

    // Every value taken from the audit is shown escaped (`Shown`, `esc`): names, versions,
    // licences, paths and messages come from the audited input and may hold control characters
    // or newlines, which must neither reach the terminal nor start a line of their own.
    let _ = writeln!(
        out,
        "{} {} · audit of {}",
        paint.paint(bold, audit.tool.name),
        audit.tool.version,
        Shown(&audit.root)
    );
    let _ = writeln!(
        out,
        "policy: {} ({}; {})",
        Shown(&audit.policy.name),
        Shown(&audit.policy.origin),
        policy_source_words(audit)
    );
    let own = &audit.project_licence;
    let _ = writeln!(
        out,
        "project licence: {} ({}{})",
        Shown(own.expression.as_deref().unwrap_or("not stated")),
        Shown(&own.explanation),
        if own.consistent {
            ""
        } else {
            "; the sources disagree, see L010"
        }
    );
    out.push('\n');

    let scopes: std::collections::HashMap<&str, crate::model::Scope> = audit
        .packages
        .iter()
        .map(|p| (p.package.purl.as_str(), p.package.scope))
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
        write_finding(&mut out, &paint, finding, &scopes);
    }
    if !compact.is_empty() {
        let _ = writeln!(
            out,
            "{} more, one line each (`--format json` has every detail):",
            crate::plural::count(compact.len(), "finding", "findings")
        );
        for finding in compact {
            let head = format!("{}[{}]", finding.severity, finding.code);
            let _ = writeln!(
                out,
                "  {} {}",
                paint.paint(paint.severity(finding.severity), &head),
                Shown(&finding.message)
            );
        }
        out.push('\n');
    }

    write_projects(&mut out, &paint, audit);
    write_usage(&mut out, &paint, audit);
    write_licences(&mut out, &paint, audit);
    write_choices(&mut out, &paint, audit);
    write_indices(&mut out, &paint, audit);
    write_causes(&mut out, &paint, audit);

    let counts = &audit.summary;
    let (word, style) = match counts.outcome {
        Outcome::Pass => ("PASS", AnsiColor::Green.on_default().effects(Effects::BOLD)),
        Outcome::Fail => ("FAIL", AnsiColor::Red.on_default().effects(Effects::BOLD)),
        Outcome::Incomplete => (
            "INCOMPLETE",
            AnsiColor::Red.on_default().effects(Effects::BOLD),
        ),
    };
    let status = |s: Status| counts.by_status.get(&s).copied().unwrap_or(0);
    let _ = writeln!(
        out,
        "{} {} · {} · {} in {}: {} allowed, {} review, {} denied, {} skipped",
        paint.paint(style, word),
        count(counts.errors, "error", "errors"),
        count(counts.warnings, "warning", "warnings"),
        count(counts.packages, "package", "packages"),
        count(counts.projects, "project", "projects"),
        status(Status::Allowed),
        status(Status::Review),
        status(Status::Denied),
        status(Status::Skipped),
    );
    if !audit.vetting.indices.is_empty() && counts.packages > 0 {
        let parts: Vec<String> = counts
            .by_vetting
            .iter()
            .filter(|(_, n)| **n > 0)
            .map(|(status, n)| format!("{n} {}", vetting_words(*status)))
            .collect();
        let _ = writeln!(out, "vetting: {}", parts.join(", "));
    }
    let _ = writeln!(out, "{}", vulnerability_line(audit));
    if counts.outcome == Outcome::Incomplete {
        let _ = writeln!(
            out,
            "{}",
            paint.paint(
                dim,
                "some input could not be read (see the I and V001 findings above): the audit cannot pass"
            )
        );
    }
    // Whose rules decided is part of the verdict: the last line says it.
    let whose = match audit.policy.source {
        PolicySource::Repository => paint.paint(
            AnsiColor::Yellow.on_default().effects(Effects::BOLD),
            &format!(
                "verdict by the audited repository's own policy ({}), not an independent one; --policy applies yours",
                esc(&audit.policy.origin)
            ),
        ),
        _ => format!(
            "verdict by {} ({}){}",
            Shown(&audit.policy.origin),
            policy_source_words(audit),
            match &audit.policy.repository_policy_ignored {
                Some(file) => format!(
                    "; the repository's own {} was not applied (--repo-policy applies it)",
                    Shown(file)
                ),
                None => String::new(),
            }
        ),
    };
    let _ = writeln!(out, "{whose}");
    out
}

/// Whose policy it is, in words.
fn policy_source_words(audit: &Audit) -> &'static str {
    match audit.policy.source {
        PolicySource::Preset => "built-in preset",
        PolicySource::File => "your policy file",
        PolicySource::Repository => "the audited repository's own policy",
    }
}

/// How the packages are used (scope), how many of each, and how the policy audits them.
fn write_usage(out: &mut String, paint: &Paint, audit: &Audit) {
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
    let _ = writeln!(
        out,
        "{}",
        paint.paint(Style::new().effects(Effects::BOLD), "Usage")
    );
    let mut t = table();
    t.set_header(vec!["used for", "packages", "audited as"]);
    for (scope, (packages, delivered, skipped)) in by_scope {
        let how = if skipped == packages {
            "not audited (policy excludes it)"
        } else if delivered == packages {
            "delivered: licence, compatibility, notices"
        } else if delivered == 0 && skipped == 0 {
            "development tool: licence only"
        } else {
            "mixed"
        };
        t.add_row(cells(vec![
            scope.to_string(),
            packages.to_string(),
            how.to_string(),
        ]));
    }
    align_right(&mut t, &[1]);
    write_table(out, &t);
}

/// One line on known vulnerabilities: how many, how severe, how many settled, how old the
/// data; or why they were not checked.
fn vulnerability_line(audit: &Audit) -> String {
    use crate::advisory::{CheckStatus, State};
    let a = &audit.advisories;
    match a.status {
        CheckStatus::NotConfigured => {
            return "vulnerabilities: not checked (no advisory database configured, see A012)"
                .to_string();
        }
        CheckStatus::Off => return "vulnerabilities: not checked (turned off)".to_string(),
        CheckStatus::Checked => {}
    }
    let c = &a.summary;
    let mut parts = Vec::new();
    if c.vulnerabilities == 0 {
        parts.push("none known".to_string());
    } else {
        let by: Vec<String> = crate::advisory::severity_order()
            .filter_map(|s| c.by_severity.get(s).map(|n| format!("{n} {s}")))
            .collect();
        parts.push(format!(
            "{} in {} ({})",
            c.vulnerabilities,
            count(c.packages_affected, "package", "packages"),
            by.join(", ")
        ));
        let state = |s: State| c.by_state.get(&s).copied().unwrap_or(0);
        let settled = state(State::NotAffected) + state(State::Fixed);
        if settled > 0 {
            parts.push(format!("{settled} not affected or fixed per VEX"));
        }
        if state(State::Ignored) > 0 {
            parts.push(format!("{} ignored by the policy", state(State::Ignored)));
        }
        if c.upgradable > 0 {
            parts.push(format!("{} fixed by an upgrade", c.upgradable));
        }
    }
    if c.informational > 0 {
        parts.push(format!("{} informational", c.informational));
    }
    let unchecked: Vec<String> = a
        .ecosystems
        .iter()
        .filter(|e| !e.checked)
        .map(|e| format!("{} ({})", e.ecosystem, e.packages))
        .collect();
    if !unchecked.is_empty() {
        parts.push(format!("not checked: {}", unchecked.join(", ")));
    }
    let oldest = a
        .ecosystems
        .iter()
        .filter(|e| e.checked)
        .filter_map(|e| e.age_days)
        .max();
    if let Some(days) = oldest {
        parts.push(format!(
            "data up to {} old",
            count(days.max(0) as usize, "day", "days")
        ));
    }
    format!("vulnerabilities: {}", parts.join("; "))
}

fn write_finding(
    out: &mut String,
    paint: &Paint,
    finding: &Finding,
    scopes: &std::collections::HashMap<&str, crate::model::Scope>,
) {
    let head = format!("{}[{}]", finding.severity, finding.code);
    let _ = writeln!(
        out,
        "{}: {}",
        paint.paint(paint.severity(finding.severity), &head),
        paint.paint(Style::new().effects(Effects::BOLD), &esc(&finding.message))
    );
    let arrow = paint.paint(AnsiColor::Blue.on_default(), "-->");
    let eq = paint.paint(AnsiColor::Blue.on_default(), "=");
    if let Some(purl) = &finding.package {
        let _ = writeln!(out, "  {arrow} {}", Shown(purl));
    }
    write_folded_packages(out, &arrow, &eq, finding);
    if let Some(location) = &finding.location {
        let _ = writeln!(out, "  {arrow} {}", Shown(&location.to_string()));
    }
    if let Some(licence) = &finding.licence {
        match &finding.licence_source {
            Some(source) => {
                let _ = writeln!(
                    out,
                    "   {eq} licence: {} ({})",
                    Shown(licence),
                    Shown(source)
                );
            }
            None => {
                let _ = writeln!(out, "   {eq} licence: {}", Shown(licence));
            }
        }
    }
    if finding.path.len() > 1 {
        let scope = finding
            .package
            .as_deref()
            .and_then(|purl| scopes.get(purl))
            .filter(|s| **s != crate::model::Scope::Runtime)
            .map(|s| format!(" ({s} dependency)"))
            .unwrap_or_default();
        let file = finding
            .path_file
            .as_deref()
            .map(|f| format!(" in {}", Shown(f)))
            .unwrap_or_default();
        let _ = writeln!(
            out,
            "   {eq} path{file}: {}{scope}",
            Shown(&finding.path.join(" → "))
        );
    }
    for note in finding.notes.iter().filter(|n| !n.is_empty()) {
        let _ = writeln!(out, "   {eq} note: {}", Shown(note));
    }
    if let Some(help) = &finding.help {
        let _ = writeln!(out, "   {eq} help: {}", Shown(help));
    }
    if let Some(fix) = &finding.fix {
        let _ = writeln!(
            out,
            "   {eq} fix: paste into the policy, filling in the <…> placeholders:"
        );
        for line in fix.lines() {
            let _ = writeln!(out, "     | {}", Shown(line));
        }
    }
    out.push('\n');
}

/// A folded finding's packages: the first [`LISTED_PACKAGES`], then how many more and where
/// they all are.
fn write_folded_packages(out: &mut String, arrow: &str, eq: &str, finding: &Finding) {
    let Some(count) = finding.count else {
        return;
    };
    for purl in finding.packages.iter().take(LISTED_PACKAGES) {
        let _ = writeln!(out, "  {arrow} {}", Shown(purl));
    }
    if count > LISTED_PACKAGES {
        let _ = writeln!(
            out,
            "   {eq} and {} more: `--format json` lists all {count} in this finding's `packages`",
            count - LISTED_PACKAGES.min(finding.packages.len())
        );
    }
}

/// How many packages of a folded finding the report names.
const LISTED_PACKAGES: usize = 10;

/// How many causes the closing summary lists.
const LISTED_CAUSES: usize = 15;

/// The closing summary: each finding is one cause; the largest (most packages) first.
fn write_causes(out: &mut String, paint: &Paint, audit: &Audit) {
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
        "{} largest first ({} in all; `--format json` has every detail):",
        paint.paint(Style::new().effects(Effects::BOLD), "causes,"),
        count(causes.len(), "cause", "causes")
    );
    let mut table = table();
    for f in causes.iter().take(LISTED_CAUSES) {
        let head = format!("{}[{}]", f.severity, f.code);
        let subject = match (f.count, f.package.as_deref(), &f.location) {
            (Some(n), _, _) => count(n, "package", "packages"),
            (None, Some(purl), _) => purl.to_string(),
            (None, None, Some(location)) => location.to_string(),
            (None, None, None) => String::new(),
        };
        let cause = f
            .caused_by
            .as_deref()
            .map(|c| format!(" (follows from {c})"))
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
            format!(
                "… and {} more",
                count(causes.len() - LISTED_CAUSES, "cause", "causes")
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

fn table() -> Table {
    let mut table = Table::new();
    table.load_style(presets::NOTHING);
    table
}

fn write_projects(out: &mut String, paint: &Paint, audit: &Audit) {
    if audit.projects.is_empty() {
        return;
    }
    let _ = writeln!(
        out,
        "{}",
        paint.paint(Style::new().effects(Effects::BOLD), "Projects")
    );
    let mut t = table();
    t.set_header(vec!["kind", "directory", "read from", "packages", "status"]);
    for (index, project) in audit.projects.iter().enumerate() {
        let packages = audit
            .packages
            .iter()
            .filter(|p| !p.package.root && p.package.projects.contains(&index))
            .count();
        let status = match &project.status {
            ProjectStatus::Complete => "complete".to_string(),
            ProjectStatus::Partial { .. } => "partial".to_string(),
            ProjectStatus::Failed { .. } => "not read".to_string(),
        };
        t.add_row(cells(vec![
            project.kind.to_string(),
            project.dir.clone(),
            match &project.lockfile {
                Some(lock) => format!("{} ({})", lock, project.reader),
                None => project.reader.clone(),
            },
            packages.to_string(),
            status,
        ]));
    }
    align_right(&mut t, &[3]);
    write_table(out, &t);
}

fn write_licences(out: &mut String, paint: &Paint, audit: &Audit) {
    if audit.summary.by_licence.is_empty() {
        return;
    }
    let _ = writeln!(
        out,
        "{}",
        paint.paint(Style::new().effects(Effects::BOLD), "Licences (effective)")
    );
    let mut t = table();
    t.set_header(vec![
        "licence", "category", "packages", "allowed", "review", "denied", "skipped",
    ]);
    for row in &audit.summary.by_licence {
        let n = |s: Status| match row.by_status.get(&s) {
            Some(0) | None => String::new(),
            Some(n) => n.to_string(),
        };
        t.add_row(cells(vec![
            row.licence.clone(),
            row.category
                .clone()
                .unwrap_or_else(|| "unknown".to_string()),
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
fn write_choices(out: &mut String, paint: &Paint, audit: &Audit) {
    let mut groups: std::collections::BTreeMap<(String, String, String), usize> =
        std::collections::BTreeMap::new();
    for p in &audit.packages {
        for c in &p.verdict.choices {
            *groups
                .entry((
                    c.alternatives.join(" OR "),
                    c.chosen.clone(),
                    c.reason.clone(),
                ))
                .or_insert(0) += 1;
        }
    }
    if groups.is_empty() {
        return;
    }
    let _ = writeln!(
        out,
        "{}",
        paint.paint(
            Style::new().effects(Effects::BOLD),
            "Licence choices (OR: the alternative used, and why)"
        )
    );
    for ((alternatives, chosen, reason), count) in groups {
        let _ = writeln!(
            out,
            "  {} from {} ({}): {}",
            Shown(&chosen),
            Shown(&alternatives),
            crate::plural::count(count, "package", "packages"),
            Shown(&reason)
        );
    }
    out.push('\n');
}

/// A vetting status in words.
fn vetting_words(status: VettingStatus) -> &'static str {
    match status {
        VettingStatus::Approved => "approved",
        VettingStatus::Rejected => "rejected",
        VettingStatus::UnderReview => "under review",
        VettingStatus::NotVetted => "not vetted",
        VettingStatus::Unknown => "unknown",
        VettingStatus::NotApplicable => "not applicable",
    }
}

/// The indices of vetted components asked, highest precedence first, with how many packages'
/// decisions each supplied; only when any was asked.
fn write_indices(out: &mut String, paint: &Paint, audit: &Audit) {
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
        paint.paint(
            Style::new().effects(Effects::BOLD),
            "Indices of vetted components"
        )
    );
    let mut answers: std::collections::HashMap<&str, usize> = std::collections::HashMap::new();
    for p in audit.packages.iter().filter(|p| !p.package.root) {
        if let Some(r) = &p.vetting.record {
            *answers.entry(r.index.as_str()).or_insert(0) += 1;
        }
    }
    let mut t = table();
    t.set_header(vec!["index", "precedence", "location", "answers", "state"]);
    for layer in &info.indices {
        let mut location = layer.location.clone();
        if let Some(commit) = &layer.commit {
            let short: String = commit.chars().take(12).collect();
            location.push_str(&format!(" @ {short}"));
        }
        // The state is painted: its text is escaped before the colour is put around it.
        let state = match (&layer.failed, &layer.stale) {
            (Some(why), _) => paint.paint(
                AnsiColor::Red.on_default().effects(Effects::BOLD),
                &format!("FAILED: {}", Shown(why)),
            ),
            (None, Some(why)) => paint.paint(
                AnsiColor::Yellow.on_default(),
                &format!("stale: {}", Shown(why)),
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
