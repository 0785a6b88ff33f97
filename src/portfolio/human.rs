//! The portfolio for people on a terminal: the verdict, one line per repository, the scan's
//! problems, what changed; and the answer of `where-used`. Text from repositories and forges
//! is shown with control characters escaped.

use super::merged::Portfolio;
use super::where_used::Answer;
use comfy_table::{Table, presets};
use std::fmt::Write as _;

/// Text without control characters (a name from a forge must not steer the terminal).
pub fn plain(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if c.is_control() {
            let _ = write!(out, "\\u{{{:x}}}", c as u32);
        } else {
            out.push(c);
        }
    }
    out
}

fn table(header: Vec<&str>) -> Table {
    let mut table = Table::new();
    table.load_style(presets::NOTHING);
    table.set_header(header);
    table
}

/// The merged portfolio as text.
pub fn render(portfolio: &Portfolio) -> String {
    let mut out = String::new();
    let s = &portfolio.summary;
    let _ = writeln!(
        out,
        "Portfolio: {} — {}, {} ({})",
        s.outcome,
        crate::plural::count(s.repositories, "repository", "repositories"),
        crate::plural::count(s.components, "component", "components"),
        crate::plural::count(s.usages, "use", "uses"),
    );
    let counts = |map: &std::collections::BTreeMap<String, usize>| {
        map.iter()
            .map(|(k, v)| format!("{v} {k}"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let _ = writeln!(out, "  repositories: {}", counts(&s.by_status));
    if !s.by_outcome.is_empty() {
        let _ = writeln!(out, "  outcomes: {}", counts(&s.by_outcome));
    }
    if s.skipped > 0 {
        let _ = writeln!(out, "  not scanned: {}", s.skipped);
    }
    let shards = &portfolio.scan.shards;
    let _ = writeln!(
        out,
        "  shards: {} of {} merged{}",
        shards.present.len(),
        shards.total,
        if shards.missing.is_empty() {
            String::new()
        } else {
            format!(
                ", missing: {}",
                shards
                    .missing
                    .iter()
                    .map(u32::to_string)
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        }
    );
    out.push('\n');

    let mut t = table(vec![
        "repository",
        "status",
        "outcome",
        "components",
        "denied",
        "review",
        "approved",
        "commit",
    ]);
    for r in &portfolio.repositories {
        let n = |map: &std::collections::BTreeMap<String, usize>, k: &str| {
            map.get(k).copied().unwrap_or(0).to_string()
        };
        t.add_row(vec![
            plain(&r.repository.name),
            r.status.as_str().to_string(),
            r.outcome.clone().unwrap_or_else(|| "-".to_string()),
            r.components.to_string(),
            n(&r.by_status, "denied"),
            n(&r.by_status, "review"),
            n(&r.by_vetting, "approved"),
            r.commit
                .as_deref()
                .map(|c| c.chars().take(12).collect())
                .unwrap_or_else(|| "-".to_string()),
        ]);
    }
    let _ = writeln!(out, "{t}");

    if !portfolio.licences.is_empty() {
        out.push('\n');
        let mut t = table(vec!["licence", "category", "components", "repositories"]);
        for l in portfolio.licences.iter().take(15) {
            t.add_row(vec![
                plain(&l.licence),
                l.category.clone().unwrap_or_default(),
                l.components.to_string(),
                l.repositories.to_string(),
            ]);
        }
        let _ = writeln!(out, "{t}");
        if portfolio.licences.len() > 15 {
            let _ = writeln!(
                out,
                "  … and {} more (see the JSON or HTML report)",
                crate::plural::count(portfolio.licences.len() - 15, "licence", "licences")
            );
        }
    }

    if !portfolio.findings.is_empty() {
        out.push('\n');
        for f in &portfolio.findings {
            let _ = writeln!(out, "{}[{}]: {}", f.severity, f.code, plain(&f.message));
        }
    }

    if let Some(changes) = &portfolio.changes {
        out.push('\n');
        let _ = writeln!(out, "Changes since {}:", changes.since);
        if changes.is_empty() {
            let _ = writeln!(out, "  none");
        }
        for name in &changes.repositories_added {
            let _ = writeln!(out, "  + repository {}", plain(name));
        }
        for name in &changes.repositories_removed {
            let _ = writeln!(out, "  - repository {}", plain(name));
        }
        for r in &changes.repositories {
            let mut parts = Vec::new();
            if let Some([from, to]) = &r.outcome {
                parts.push(format!("{from} → {to}"));
            }
            if !r.components_added.is_empty() || !r.components_removed.is_empty() {
                let (added, removed) = (r.components_added.len(), r.components_removed.len());
                parts.push(format!(
                    "+{added} −{removed} {}",
                    crate::plural::word(added.max(removed), "component", "components")
                ));
            }
            if !r.violations_added.is_empty() {
                parts.push(format!("{} new violations", r.violations_added.len()));
            }
            if !r.violations_resolved.is_empty() {
                parts.push(format!(
                    "{} resolved",
                    crate::plural::count(r.violations_resolved.len(), "violation", "violations")
                ));
            }
            if r.commit.is_some() && parts.is_empty() {
                parts.push("new commit".to_string());
            }
            let _ = writeln!(out, "  ~ {}: {}", plain(&r.name), parts.join(", "));
        }
        let _ = writeln!(
            out,
            "  components: +{} −{}; licences: +{} −{}",
            changes.components_added.len(),
            changes.components_removed.len(),
            changes.licences_added.len(),
            changes.licences_removed.len()
        );
        for l in &changes.licences_added {
            let _ = writeln!(out, "  + licence {}", plain(l));
        }
    }
    out
}

/// The answer of `where-used` as text.
pub fn render_answer(answer: &Answer) -> String {
    let mut out = String::new();
    if answer.components.is_empty() {
        let _ = writeln!(
            out,
            "{}: used by none of the {}",
            plain(&answer.query),
            crate::plural::count(answer.of, "repository", "repositories")
        );
    } else {
        let _ = writeln!(
            out,
            "{}: {} in {} of {}",
            plain(&answer.query),
            crate::plural::count(answer.components.len(), "component", "components"),
            answer.repositories,
            crate::plural::count(answer.of, "repository", "repositories")
        );
        let mut t = table(vec![
            "component",
            "repository",
            "licence",
            "verdict",
            "vetting",
            "scope",
        ]);
        for c in &answer.components {
            for (i, u) in c.repositories.iter().enumerate() {
                t.add_row(vec![
                    if i == 0 {
                        plain(&c.purl)
                    } else {
                        String::new()
                    },
                    plain(&u.name),
                    plain(&u.licence),
                    u.status.clone(),
                    u.vetting.clone(),
                    u.scope.clone(),
                ]);
            }
        }
        let _ = writeln!(out, "{t}");
    }
    if !answer.unknown.is_empty() {
        let _ = writeln!(
            out,
            "note: {} repositor{} without a result may use it too: {}",
            answer.unknown.len(),
            if answer.unknown.len() == 1 {
                "y"
            } else {
                "ies"
            },
            answer
                .unknown
                .iter()
                .map(|n| plain(n))
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    out
}
