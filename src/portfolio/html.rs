//! The HTML portfolio report, in German or English: the verdict per repository, licences
//! across the portfolio, where each component is used, vetting coverage, and what changed
//! since a previous result. One self-contained file; it reads the merged portfolio and
//! computes nothing new. Everything from repositories and forges is escaped by the template
//! engine (the template's name ends in `.html`).

use super::merged::Portfolio;
use crate::licence::obligations::Lang;
use crate::report::html::{date, fill, number};

/// A licence category in words (`permissive + weak-copyleft` → each part translated).
fn category(lang: Lang, category: &Option<String>) -> String {
    category
        .as_deref()
        .map(|c| {
            c.split(" + ")
                .map(|part| crate::report::html::tr(lang, &format!("category.{part}")))
                .collect::<Vec<_>>()
                .join(" + ")
        })
        .unwrap_or_default()
}
use minijinja::value::Serde;
use minijinja::{AutoEscape, Environment, UndefinedBehavior};
use serde::Serialize;
use std::collections::BTreeMap;
use std::sync::OnceLock;

const EN: &str = include_str!("i18n/en.toml");
const DE: &str = include_str!("i18n/de.toml");
const TEMPLATE: &str = include_str!("templates/portfolio.html");

fn texts(lang: Lang) -> &'static BTreeMap<String, String> {
    static TEXTS: OnceLock<[BTreeMap<String, String>; 2]> = OnceLock::new();
    let [en, de] = TEXTS.get_or_init(|| {
        let load = |source: &str| -> BTreeMap<String, String> {
            toml::from_str::<BTreeMap<String, String>>(source).unwrap_or_default()
        };
        [load(EN), load(DE)]
    });
    match lang {
        Lang::En => en,
        Lang::De => de,
    }
}

/// Every text key of a language (for the test that keeps both in step).
pub fn text_keys(lang: Lang) -> Vec<String> {
    texts(lang).keys().cloned().collect()
}

fn tr(lang: Lang, key: &str) -> String {
    texts(lang)
        .get(key)
        .cloned()
        .unwrap_or_else(|| key.to_string())
}

#[derive(Serialize)]
struct View {
    lang: &'static str,
    tool: String,
    generated: String,
    /// The date of the result, for the printed pages' headers.
    date: String,
    outcome: String,
    headline: String,
    sentence: String,
    counts: Vec<Count>,
    repositories: Vec<RepositoryRow>,
    licences: Vec<LicenceRow>,
    components: Vec<ComponentRow>,
    vetting: Vec<Share>,
    vetting_sentence: String,
    changes: Option<ChangesView>,
    findings: Vec<FindingRow>,
    skipped: Vec<SkippedRow>,
    sources: Vec<String>,
    shards: String,
    policy: String,
    network: String,
}

#[derive(Serialize)]
struct Count {
    key: String,
    value: String,
    label: String,
}

#[derive(Serialize)]
struct Share {
    key: String,
    label: String,
    value: String,
    share: String,
}

#[derive(Serialize)]
struct RepositoryRow {
    id: String,
    name: String,
    web_url: Option<String>,
    class: String,
    status: String,
    status_label: String,
    outcome: String,
    outcome_label: String,
    components: String,
    denied: String,
    review: String,
    coverage: Option<u32>,
    coverage_label: String,
    project_licence: String,
    commit: String,
    error: Option<String>,
}

#[derive(Serialize)]
struct LicenceRow {
    licence: String,
    category: String,
    components: String,
    repositories: String,
    verdicts: Vec<Count>,
}

#[derive(Serialize)]
struct UserRow {
    name: String,
    status: String,
    status_label: String,
}

#[derive(Serialize)]
struct ComponentRow {
    purl: String,
    name: String,
    version: String,
    licence: String,
    count: usize,
    users: Vec<UserRow>,
}

#[derive(Serialize)]
struct ChangesView {
    intro: String,
    empty: bool,
    groups: Vec<ChangeGroup>,
}

#[derive(Serialize)]
struct ChangeGroup {
    key: &'static str,
    title: String,
    items: Vec<String>,
}

#[derive(Serialize)]
struct FindingRow {
    severity: String,
    code: String,
    message: String,
}

#[derive(Serialize)]
struct SkippedRow {
    name: String,
    reason: String,
}

/// Only http(s) links from a forge become links.
fn safe_link(url: &Option<String>) -> Option<String> {
    url.as_ref()
        .filter(|u| {
            let lower = u.to_ascii_lowercase();
            (lower.starts_with("https://") || lower.starts_with("http://"))
                && !u.chars().any(|c| c.is_whitespace() || c.is_control())
        })
        .cloned()
}

fn view(portfolio: &Portfolio, lang: Lang) -> View {
    let s = &portfolio.summary;
    let n = |x: usize| number(x, lang);
    let total = s.repositories;
    let failing = s.by_outcome.get("fail").copied().unwrap_or(0);
    let without = portfolio
        .repositories
        .iter()
        .filter(|r| r.outcome.as_deref().is_none_or(|o| o == "incomplete"))
        .count();
    let sentence = if total == 0 {
        tr(lang, "sentence_empty")
    } else {
        match s.outcome.as_str() {
            "pass" => fill(&tr(lang, "sentence_pass"), &[("n", &n(total))]),
            "fail" => fill(
                &tr(lang, "sentence_fail"),
                &[("failing", &n(failing)), ("n", &n(total))],
            ),
            _ => fill(
                &tr(lang, "sentence_incomplete"),
                &[("missing", &n(without)), ("n", &n(total))],
            ),
        }
    };
    let count = |key: &str, value: usize, label: &str| Count {
        key: key.to_string(),
        value: n(value),
        label: tr(lang, label),
    };
    let mut counts = vec![count("repositories", total, "count_repositories")];
    for (key, label) in [
        ("pass", "count_pass"),
        ("fail", "count_fail"),
        ("incomplete", "count_incomplete"),
    ] {
        if let Some(v) = s.by_outcome.get(key) {
            counts.push(count(key, *v, label));
        }
    }
    for (key, label) in [
        ("failed", "count_failed"),
        ("missing", "count_missing"),
        ("reused", "count_reused"),
    ] {
        if let Some(v) = s.by_status.get(key) {
            counts.push(count(key, *v, label));
        }
    }
    counts.push(count("components", s.components, "count_components"));
    counts.push(count("usages", s.usages, "count_usages"));

    let repositories = portfolio
        .repositories
        .iter()
        .map(|r| {
            let approved = r.by_vetting.get("approved").copied().unwrap_or(0);
            let vettable = r.components
                - r.by_vetting
                    .get("not-applicable")
                    .copied()
                    .unwrap_or(0)
                    .min(r.components);
            let coverage =
                (r.outcome.is_some() && vettable > 0).then(|| ((approved * 100) / vettable) as u32);
            let outcome = r.outcome.clone().unwrap_or_else(|| "none".to_string());
            let status = r.status.as_str().to_string();
            RepositoryRow {
                id: r.repository.id.clone(),
                name: r.repository.name.clone(),
                web_url: safe_link(&r.repository.web_url),
                class: if r.outcome.is_some() {
                    outcome.clone()
                } else {
                    status.clone()
                },
                status_label: tr(lang, &format!("status_{status}")),
                status,
                outcome_label: tr(lang, &format!("outcome_{outcome}")),
                outcome,
                components: n(r.components),
                denied: n(r.by_status.get("denied").copied().unwrap_or(0)),
                review: n(r.by_status.get("review").copied().unwrap_or(0)),
                coverage_label: coverage
                    .map(|_| format!("{} / {}", n(approved), n(vettable)))
                    .unwrap_or_default(),
                coverage,
                project_licence: r.project_licence.clone().unwrap_or_default(),
                commit: r
                    .commit
                    .as_deref()
                    .map(|c| c.chars().take(12).collect())
                    .unwrap_or_default(),
                error: r.error.clone(),
            }
        })
        .collect();

    let verdicts = |map: &BTreeMap<String, usize>| -> Vec<Count> {
        ["denied", "review", "allowed", "skipped"]
            .iter()
            .filter_map(|k| {
                map.get(*k).map(|v| Count {
                    key: k.to_string(),
                    value: n(*v),
                    label: tr(lang, &format!("verdict_{k}")),
                })
            })
            .collect()
    };
    let licences = portfolio
        .licences
        .iter()
        .map(|l| LicenceRow {
            licence: l.licence.clone(),
            category: category(lang, &l.category),
            components: n(l.components),
            repositories: n(l.repositories),
            verdicts: verdicts(&l.by_status),
        })
        .collect();

    let mut components: Vec<ComponentRow> = portfolio
        .components
        .iter()
        .map(|c| ComponentRow {
            purl: c.purl.clone(),
            name: c.name.clone(),
            version: c.version.clone(),
            licence: c.licences.join(" | "),
            count: c.used_by.len(),
            users: c
                .used_by
                .iter()
                .filter_map(|u| {
                    let r = portfolio.repositories.get(u.repository)?;
                    Some(UserRow {
                        name: r.repository.name.clone(),
                        status: u.status.clone(),
                        status_label: tr(lang, &format!("verdict_{}", u.status)),
                    })
                })
                .collect(),
        })
        .collect();
    // The most used first; the purl order otherwise (stable).
    components.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.purl.cmp(&b.purl)));

    let usages = s.usages.max(1);
    let vetting: Vec<Share> = [
        "approved",
        "rejected",
        "under-review",
        "not-vetted",
        "unknown",
        "not-applicable",
    ]
    .iter()
    .filter_map(|k| {
        let v = *s.by_vetting.get(*k)?;
        Some(Share {
            key: k.to_string(),
            label: tr(lang, &format!("vetting_{k}")),
            value: n(v),
            share: format!("{}", (v * 100) / usages),
        })
    })
    .collect();
    let any_vetted = s
        .by_vetting
        .iter()
        .any(|(k, v)| *v > 0 && k != "not-vetted" && k != "not-applicable");

    let changes = portfolio.changes.as_ref().map(|c| {
        let mut groups = Vec::new();
        let mut group = |key: &'static str, title: &str, items: Vec<String>| {
            if !items.is_empty() {
                groups.push(ChangeGroup {
                    key,
                    title: tr(lang, title),
                    items,
                });
            }
        };
        group(
            "repositories-added",
            "changes_repositories_added",
            c.repositories_added.clone(),
        );
        group(
            "repositories-removed",
            "changes_repositories_removed",
            c.repositories_removed.clone(),
        );
        let changed: Vec<String> = c
            .repositories
            .iter()
            .map(|r| {
                let mut parts = Vec::new();
                if let Some([from, to]) = &r.outcome {
                    parts.push(fill(
                        &tr(lang, "changes_outcome"),
                        &[
                            ("from", &tr(lang, &format!("outcome_{from}"))),
                            ("to", &tr(lang, &format!("outcome_{to}"))),
                        ],
                    ));
                }
                if !r.components_added.is_empty() || !r.components_removed.is_empty() {
                    parts.push(fill(
                        &tr(lang, "changes_components"),
                        &[
                            ("added", &n(r.components_added.len())),
                            ("removed", &n(r.components_removed.len())),
                        ],
                    ));
                }
                if !r.violations_added.is_empty() {
                    parts.push(fill(
                        &tr(lang, "changes_violations_added"),
                        &[("list", &r.violations_added.join(", "))],
                    ));
                }
                if !r.violations_resolved.is_empty() {
                    parts.push(fill(
                        &tr(lang, "changes_violations_resolved"),
                        &[("list", &r.violations_resolved.join(", "))],
                    ));
                }
                if parts.is_empty() && r.commit.is_some() {
                    parts.push(tr(lang, "changes_commit"));
                }
                format!("{}: {}", r.name, parts.join("; "))
            })
            .collect();
        group(
            "repositories-changed",
            "changes_repositories_changed",
            changed,
        );
        group(
            "components-added",
            "changes_components_added",
            c.components_added.clone(),
        );
        group(
            "components-removed",
            "changes_components_removed",
            c.components_removed.clone(),
        );
        group(
            "licences-added",
            "changes_licences_added",
            c.licences_added.clone(),
        );
        group(
            "licences-removed",
            "changes_licences_removed",
            c.licences_removed.clone(),
        );
        ChangesView {
            intro: fill(
                &tr(lang, "changes_intro"),
                &[("date", &date(&c.since, lang))],
            ),
            empty: c.is_empty(),
            groups,
        }
    });

    let shards = &portfolio.scan.shards;
    let mut shard_text = fill(
        &tr(lang, "scan_shards_value"),
        &[
            ("present", &n(shards.present.len())),
            ("total", &n(shards.total as usize)),
        ],
    );
    if !shards.missing.is_empty() {
        shard_text.push_str("; ");
        shard_text.push_str(&fill(
            &tr(lang, "scan_shards_missing"),
            &[(
                "list",
                &shards
                    .missing
                    .iter()
                    .map(u32::to_string)
                    .collect::<Vec<_>>()
                    .join(", "),
            )],
        ));
    }
    let settings = portfolio.scan.settings.as_ref();
    View {
        lang: match lang {
            Lang::En => "en",
            Lang::De => "de",
        },
        tool: format!("{} {}", portfolio.tool.name, portfolio.tool.version),
        generated: fill(
            &tr(lang, "generated"),
            &[
                ("date", &date(&portfolio.created, lang)),
                (
                    "tool",
                    &format!("{} {}", portfolio.tool.name, portfolio.tool.version),
                ),
            ],
        ),
        date: date(&portfolio.created, lang),
        outcome: s.outcome.clone(),
        headline: tr(lang, &format!("headline_{}", s.outcome)),
        sentence,
        counts,
        repositories,
        licences,
        components,
        vetting: if any_vetted { vetting } else { Vec::new() },
        vetting_sentence: fill(
            &tr(lang, "vetting_components"),
            &[("vetted", &n(s.components_vetted)), ("n", &n(s.components))],
        ),
        changes,
        findings: portfolio
            .findings
            .iter()
            .map(|f| FindingRow {
                severity: f.severity.clone(),
                code: f.code.clone(),
                message: f.message_in(lang),
            })
            .collect(),
        skipped: portfolio
            .skipped
            .iter()
            .map(|s| SkippedRow {
                name: s.name.clone(),
                reason: s.reason.clone(),
            })
            .collect(),
        sources: portfolio.scan.sources.clone(),
        shards: shard_text,
        policy: match settings.map(|s| s.policy.as_str()) {
            Some("automatic") | None => tr(lang, "scan_policy_automatic"),
            Some(p) => p.to_string(),
        },
        network: if settings.is_some_and(|s| s.offline) {
            tr(lang, "scan_offline_yes")
        } else {
            tr(lang, "scan_offline_no")
        },
    }
}

fn environment() -> &'static Result<Environment<'static>, String> {
    static ENV: OnceLock<Result<Environment<'static>, String>> = OnceLock::new();
    ENV.get_or_init(|| {
        let mut env = Environment::new();
        env.set_syntax(
            minijinja::syntax::SyntaxConfig::builder()
                .trim_blocks(true)
                .lstrip_blocks(true)
                .build()
                .map_err(|e| e.to_string())?,
        );
        env.set_undefined_behavior(UndefinedBehavior::Strict);
        env.set_auto_escape_callback(|_| AutoEscape::Html);
        crate::report::style::register(&mut env);
        env.add_template("portfolio.html", TEMPLATE)
            .map_err(|e| format!("portfolio.html: {e}"))?;
        Ok(env)
    })
}

/// The HTML portfolio report. A template error is a bug of this build: it is reported in the
/// output rather than with a panic.
pub fn render(portfolio: &Portfolio, lang: Lang) -> String {
    let env = match environment() {
        Ok(env) => env,
        Err(e) => return format!("fundament: the portfolio template is broken: {e}\n"),
    };
    let view = view(portfolio, lang);
    let texts = minijinja::Value::from(Serde(texts(lang)));
    env.get_template("portfolio.html")
        .and_then(|t| {
            t.render(minijinja::context! {
                v => minijinja::Value::from(Serde(&view)),
                t => texts,
            })
        })
        .unwrap_or_else(|e| {
            format!("fundament: the portfolio report could not be rendered: {e:#}\n")
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_languages_have_every_text() {
        assert_eq!(text_keys(Lang::En), text_keys(Lang::De));
        assert!(text_keys(Lang::En).len() > 50);
    }

    #[test]
    fn links_are_only_http() {
        assert_eq!(safe_link(&Some("javascript:alert(1)".into())), None);
        assert_eq!(
            safe_link(&Some("https://forge.example/a".into())).as_deref(),
            Some("https://forge.example/a")
        );
    }
}
