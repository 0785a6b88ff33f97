//! How the reports present known vulnerabilities (the advisory stage's result): the section of
//! the procurement report (HTML and Markdown, in words a non-programmer reads: how many, how
//! severe, what is being done), and the CycloneDX 1.6 `vulnerabilities` with their VEX
//! `analysis`. The OpenVEX document is its own format (src/report/openvex.rs).

use super::html::{fill, number, tr, trn};
use crate::advisory::{CheckStatus, Kind, State, Vulnerability};
use crate::audit::Audit;
use crate::licence::obligations::Lang;
use serde::Serialize;

// ---------------------------------------------------------------------------------------------
// The procurement report

#[derive(Debug, Serialize)]
pub(crate) struct VulnerabilityView {
    /// `checked`, `not-configured`, `off`.
    status: &'static str,
    /// One sentence: what was found, or why nothing was checked.
    headline: String,
    /// The sentence on the data used and its age.
    data: String,
    /// By severity, most severe first, only those that occur.
    severities: Vec<Count>,
    /// What is being done: open to fix, under review, settled by analysis, ignored.
    doing: Vec<Count>,
    rows: Vec<Row>,
    /// More than a screenful: the HTML report folds the table.
    big: bool,
    /// Ecosystems whose packages were not checked, in words.
    not_checked: Vec<String>,
    /// Data older than the policy allows, and other limits, in words.
    limits: Vec<String>,
    sources: Vec<SourceRow>,
}

#[derive(Debug, Serialize)]
struct Count {
    key: String,
    label: String,
    value: String,
}

#[derive(Debug, Serialize)]
struct Row {
    name: String,
    version: String,
    id: String,
    aliases: String,
    severity_key: &'static str,
    severity: String,
    kind: String,
    summary: String,
    state_key: &'static str,
    state: String,
    /// What is being done or is to be done, in words.
    action: String,
    /// Who decided (a VEX statement's author, the approver of an ignore entry).
    by: String,
    url: String,
}

#[derive(Debug, Serialize)]
struct SourceRow {
    location: String,
    kind: String,
    records: String,
    as_of: String,
    state: String,
}

fn state_key(state: State) -> &'static str {
    match state {
        State::Fail => "fail",
        State::Review => "review",
        State::Note => "note",
        State::NotAffected => "not-affected",
        State::Fixed => "fixed",
        State::Ignored => "ignored",
    }
}

fn severity_key(v: &Vulnerability) -> &'static str {
    v.severity.level.map(|l| l.as_str()).unwrap_or("unknown")
}

/// A day, as the report's language writes it.
fn day(text: Option<&str>, lang: Lang) -> String {
    let Some(t) = text.and_then(crate::advisory::db::parse_time) else {
        return tr(lang, "vulnerabilities.unknown_date");
    };
    match lang {
        Lang::En => t.strftime("%Y-%m-%d").to_string(),
        Lang::De => t.strftime("%d.%m.%Y").to_string(),
    }
}

/// The keys this module builds from data (a test checks both languages have them).
#[cfg(test)]
pub(crate) fn dynamic_keys() -> Vec<String> {
    use crate::index::vex::{Justification, VexStatus};
    let mut keys = Vec::new();
    for level in crate::advisory::severity_order() {
        keys.push(format!("severity.{level}"));
    }
    for state in ["fail", "review", "note", "not_affected", "fixed", "ignored"] {
        keys.push(format!("vuln_state.{state}"));
    }
    for key in [
        "fail",
        "review",
        "upgradable",
        "analysed",
        "ignored",
        "informational",
    ] {
        keys.push(format!("vulnerabilities.doing_{key}"));
    }
    for kind in [
        "folder",
        "zip",
        "download",
        "git",
        "osvapi",
        "unmaintained",
        "unsound",
        "notice",
    ] {
        keys.push(format!("vulnerabilities.kind_{kind}"));
    }
    for state in ["not_affected", "fixed"] {
        keys.push(format!("vulnerabilities.action_{state}"));
    }
    for status in [
        VexStatus::Affected,
        VexStatus::UnderInvestigation,
        VexStatus::NotAffected,
        VexStatus::Fixed,
    ] {
        keys.push(format!("vulnerabilities.vex_{}", status.as_str()));
    }
    for j in [
        Justification::ComponentNotPresent,
        Justification::VulnerableCodeNotPresent,
        Justification::VulnerableCodeNotInExecutePath,
        Justification::VulnerableCodeCannotBeControlledByAdversary,
        Justification::InlineMitigationsAlreadyExist,
    ] {
        keys.push(format!("justification.{}", j.openvex()));
    }
    keys
}

pub(crate) fn view(audit: &Audit, lang: Lang) -> VulnerabilityView {
    let a = &audit.advisories;
    let n = |v: usize| number(v, lang);
    let mut view = VulnerabilityView {
        status: match a.status {
            CheckStatus::Checked => "checked",
            CheckStatus::NotConfigured => "not-configured",
            CheckStatus::Off => "off",
        },
        headline: String::new(),
        data: String::new(),
        severities: Vec::new(),
        doing: Vec::new(),
        rows: Vec::new(),
        big: false,
        not_checked: Vec::new(),
        limits: Vec::new(),
        sources: Vec::new(),
    };
    match a.status {
        CheckStatus::NotConfigured => {
            view.headline = tr(lang, "vulnerabilities.not_configured");
            return view;
        }
        CheckStatus::Off => {
            view.headline = tr(lang, "vulnerabilities.off");
            return view;
        }
        CheckStatus::Checked => {}
    }
    let counts = &a.summary;
    let checked: usize = a
        .ecosystems
        .iter()
        .filter(|c| c.checked)
        .map(|c| c.packages)
        .sum();
    view.headline = if counts.vulnerabilities == 0 {
        trn(lang, "vulnerabilities.none_found", checked)
    } else {
        fill(
            &trn(lang, "vulnerabilities.found", counts.vulnerabilities),
            &[
                (
                    "components",
                    &trn(
                        lang,
                        "vulnerabilities.in_components",
                        counts.packages_affected,
                    ),
                ),
                ("checked", &n(checked)),
            ],
        )
    };
    let newest = a
        .ecosystems
        .iter()
        .filter(|c| c.checked)
        .filter_map(|c| c.as_of.as_deref())
        .max();
    view.data = fill(
        &trn(
            lang,
            "vulnerabilities.data",
            a.sources.iter().filter(|s| s.info.failed.is_none()).count(),
        ),
        &[("date", &day(newest, lang))],
    );
    for level in crate::advisory::severity_order() {
        if let Some(&count) = counts.by_severity.get(level) {
            view.severities.push(Count {
                key: level.to_string(),
                label: tr(lang, &format!("severity.{level}")),
                value: n(count),
            });
        }
    }
    let state = |s: State| counts.by_state.get(&s).copied().unwrap_or(0);
    for (key, value) in [
        ("fail", state(State::Fail)),
        ("review", state(State::Review) + state(State::Note)),
        ("upgradable", counts.upgradable),
        ("analysed", state(State::NotAffected) + state(State::Fixed)),
        ("ignored", state(State::Ignored)),
        ("informational", counts.informational),
    ] {
        if value > 0 {
            view.doing.push(Count {
                key: key.to_string(),
                label: tr(lang, &format!("vulnerabilities.doing_{key}")),
                value: n(value),
            });
        }
    }
    for v in &a.vulnerabilities {
        view.rows.push(row(v, lang));
    }
    view.big = view.rows.len() > 30;
    for c in a.ecosystems.iter().filter(|c| !c.checked) {
        view.not_checked.push(fill(
            &trn(lang, "vulnerabilities.not_checked", c.packages),
            &[("ecosystem", &c.ecosystem.to_string())],
        ));
    }
    for c in a.ecosystems.iter().filter(|c| c.checked && c.too_old) {
        view.limits.push(fill(
            &tr(lang, "vulnerabilities.too_old"),
            &[
                ("ecosystem", &c.ecosystem.to_string()),
                ("date", &day(c.as_of.as_deref(), lang)),
                ("days", &n(c.age_days.unwrap_or(0).max(0) as usize)),
                ("max", &n(a.policy.max_age_days as usize)),
            ],
        ));
    }
    for s in &a.sources {
        let state = match (s.info.failure(), s.info.staleness()) {
            (Some(reason), _) => fill(
                &tr(lang, "vulnerabilities.source_failed"),
                &[("reason", &reason.render(lang))],
            ),
            (None, Some(reason)) => fill(
                &tr(lang, "vulnerabilities.source_stale"),
                &[("reason", &reason.render(lang))],
            ),
            (None, None) => tr(lang, "vulnerabilities.source_read"),
        };
        if s.info.failed.is_some() {
            view.limits.push(fill(
                &tr(lang, "vulnerabilities.source_failed_limit"),
                &[("source", &s.info.location)],
            ));
        }
        view.sources.push(SourceRow {
            location: s.info.location.clone(),
            kind: tr(
                lang,
                &format!("vulnerabilities.kind_{:?}", s.info.kind).to_lowercase(),
            ),
            records: n(s.info.records),
            as_of: day(s.info.as_of.as_deref(), lang),
            state,
        });
    }
    view
}

fn row(v: &Vulnerability, lang: Lang) -> Row {
    let action = match v.state {
        State::NotAffected | State::Fixed => {
            let vex = v.vex.as_ref();
            let mut text = tr(
                lang,
                &format!(
                    "vulnerabilities.action_{}",
                    state_key(v.state).replace('-', "_")
                ),
            );
            if let Some(j) = vex.and_then(|x| x.justification) {
                text.push_str(&format!(
                    " ({})",
                    tr(lang, &format!("justification.{}", j.openvex()))
                ));
            }
            if let Some(x) = vex {
                text.push_str(": ");
                text.push_str(&x.analysis);
            }
            text
        }
        State::Ignored => {
            let reason = v
                .ignore
                .as_ref()
                .map(|i| i.reason.as_str())
                .unwrap_or_default();
            fill(
                &tr(lang, "vulnerabilities.action_ignored"),
                &[("reason", reason)],
            )
        }
        _ => {
            let mut text = match &v.upgrade {
                Some(up) => fill(
                    &tr(lang, "vulnerabilities.action_upgrade"),
                    &[("version", up)],
                ),
                None if !v.fixed.is_empty() => tr(lang, "vulnerabilities.action_no_upgrade"),
                None => tr(lang, "vulnerabilities.action_no_fix"),
            };
            if let Some(x) = &v.vex {
                text.push(' ');
                text.push_str(&fill(
                    &tr(lang, &format!("vulnerabilities.vex_{}", x.status.as_str())),
                    &[("analysis", &x.analysis)],
                ));
            }
            text
        }
    };
    let by = match (&v.vex, &v.ignore) {
        (Some(x), _) => format!(
            "{} ({}), {}",
            x.reviewer,
            x.organisation,
            super::html::date(&x.date, lang)
        ),
        (None, Some(i)) => i.approved_by.clone(),
        _ => String::new(),
    };
    Row {
        name: v.name.clone(),
        version: v.version.clone(),
        id: v.id.clone(),
        aliases: v.aliases.join(", "),
        severity_key: severity_key(v),
        severity: match (v.severity.level, v.severity.score) {
            (Some(l), Some(s)) => {
                format!("{} ({s:.1})", tr(lang, &format!("severity.{}", l.as_str())))
            }
            (Some(l), None) => tr(lang, &format!("severity.{}", l.as_str())),
            _ => tr(lang, "severity.unknown"),
        },
        kind: if v.kind == Kind::Vulnerability {
            String::new()
        } else {
            tr(lang, &format!("vulnerabilities.kind_{}", v.kind.as_str()))
        },
        summary: v.summary.clone(),
        state_key: state_key(v.state),
        state: tr(
            lang,
            &format!("vuln_state.{}", state_key(v.state).replace('-', "_")),
        ),
        action,
        by,
        url: v.url.clone().unwrap_or_default(),
    }
}

// ---------------------------------------------------------------------------------------------
// CycloneDX 1.6

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct CdxVulnerability {
    #[serde(rename = "bom-ref")]
    bom_ref: String,
    id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    source: Option<CdxSource>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    references: Vec<CdxReference>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    ratings: Vec<CdxRating>,
    #[serde(skip_serializing_if = "Option::is_none")]
    description: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    detail: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    recommendation: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    advisories: Vec<CdxAdvisory>,
    #[serde(skip_serializing_if = "Option::is_none")]
    published: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    updated: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    analysis: Option<CdxAnalysis>,
    affects: Vec<CdxAffects>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    properties: Vec<CdxProperty>,
}

#[derive(Serialize)]
struct CdxSource {
    name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    url: Option<String>,
}

#[derive(Serialize)]
struct CdxReference {
    id: String,
    source: CdxSource,
}

#[derive(Serialize)]
struct CdxRating {
    #[serde(skip_serializing_if = "Option::is_none")]
    source: Option<CdxSource>,
    #[serde(skip_serializing_if = "Option::is_none")]
    score: Option<f64>,
    severity: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    method: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    vector: Option<String>,
}

#[derive(Serialize)]
struct CdxAdvisory {
    url: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct CdxAnalysis {
    state: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    justification: Option<&'static str>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    response: Vec<&'static str>,
    detail: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    first_issued: Option<String>,
}

#[derive(Serialize)]
struct CdxAffects {
    #[serde(rename = "ref")]
    reference: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    versions: Vec<CdxVersion>,
}

#[derive(Serialize)]
struct CdxVersion {
    version: String,
    status: &'static str,
}

#[derive(Serialize)]
struct CdxProperty {
    name: &'static str,
    value: String,
}

/// The database an id belongs to, by its prefix.
pub(super) fn database_of(id: &str) -> &'static str {
    let prefix = id.split('-').next().unwrap_or_default();
    match prefix {
        "CVE" => "NVD",
        "GHSA" => "GitHub Advisory Database",
        "PYSEC" => "PyPI Advisory Database",
        "GO" => "Go Vulnerability Database",
        "RUSTSEC" => "RustSec Advisory Database",
        _ => "OSV",
    }
}

/// RFC 3339 for a date or time, as CycloneDX's `date-time` needs (placeholder dates before
/// 1990, as in unpublished Go records, are left out).
fn date_time(text: Option<&str>) -> Option<String> {
    crate::advisory::db::parse_time(text?)
        .filter(|t| t.as_second() > 631_152_000)
        .map(|t| t.to_string())
}

/// The `vulnerabilities` of the CycloneDX SBOM: one per vulnerability of a component, with the
/// VEX statement in force as its `analysis`.
pub(super) fn cyclonedx(audit: &Audit, refs: &[String]) -> Vec<CdxVulnerability> {
    audit
        .advisories
        .vulnerabilities
        .iter()
        .filter_map(|v| {
            // Go's standard library is no component: the module built with it is affected.
            let (component, own) = match (v.package_index, &v.toolchain_of) {
                (Some(i), _) => (refs.get(i)?.clone(), true),
                (None, Some(manifest)) => {
                    let project = audit.projects.iter().find(|p| &p.manifest == manifest)?;
                    (refs.get(*project.roots.first()?)?.clone(), false)
                }
                (None, None) => return None,
            };
            let ratings = match (v.severity.level, v.severity.method.as_deref()) {
                (Some(level), method) => vec![CdxRating {
                    source: v.severity.source.as_ref().map(|id| CdxSource {
                        name: database_of(id).to_string(),
                        url: None,
                    }),
                    score: v.severity.score,
                    severity: level.as_str(),
                    method: match method {
                        Some("CVSSv2") => Some("CVSSv2"),
                        Some("CVSSv3") => Some("CVSSv3"),
                        Some("CVSSv31") => Some("CVSSv31"),
                        Some("CVSSv4") => Some("CVSSv4"),
                        Some(_) => Some("other"),
                        None => None,
                    },
                    vector: v.severity.vector.clone(),
                }],
                (None, _) => vec![CdxRating {
                    source: None,
                    score: None,
                    severity: "unknown",
                    method: None,
                    vector: None,
                }],
            };
            let analysis = v.vex.as_ref().map(|x| CdxAnalysis {
                state: x.status.cyclonedx_state(),
                justification: x.justification.map(|j| j.cyclonedx()),
                response: x.response.iter().map(|r| r.as_str()).collect(),
                detail: format!(
                    "{} ({}; {}, {}, index `{}`)",
                    x.analysis, x.status, x.reviewer, x.organisation, x.index
                ),
                first_issued: date_time(Some(&x.date)),
            });
            let status = match v.state {
                State::NotAffected | State::Fixed => "unaffected",
                _ => "affected",
            };
            let mut properties = vec![CdxProperty {
                name: "fundament:advisory:state",
                value: state_key(v.state).to_string(),
            }];
            if !own {
                properties.push(CdxProperty {
                    name: "fundament:advisory:component",
                    value: v.package.clone(),
                });
            }
            if v.kind != Kind::Vulnerability {
                properties.push(CdxProperty {
                    name: "fundament:advisory:kind",
                    value: v.kind.as_str().to_string(),
                });
            }
            if let Some(i) = &v.ignore {
                properties.push(CdxProperty {
                    name: "fundament:advisory:ignore-reason",
                    value: i.reason.clone(),
                });
                properties.push(CdxProperty {
                    name: "fundament:advisory:ignore-approved-by",
                    value: i.approved_by.clone(),
                });
            }
            Some(CdxVulnerability {
                bom_ref: format!("vulnerability:{}:{component}", v.id),
                id: v.id.clone(),
                source: Some(CdxSource {
                    name: database_of(&v.id).to_string(),
                    url: v.url.clone(),
                }),
                references: v
                    .aliases
                    .iter()
                    .map(|a| CdxReference {
                        id: a.clone(),
                        source: CdxSource {
                            name: database_of(a).to_string(),
                            url: None,
                        },
                    })
                    .collect(),
                ratings,
                description: Some(v.summary.clone()).filter(|s| !s.is_empty()),
                detail: Some(v.details.clone()).filter(|s| !s.is_empty()),
                recommendation: v
                    .upgrade
                    .as_ref()
                    .map(|u| format!("Upgrade {} to {u}.", v.name)),
                advisories: v
                    .url
                    .iter()
                    .map(|u| CdxAdvisory { url: u.clone() })
                    .collect(),
                published: date_time(v.published.as_deref()),
                updated: date_time(v.modified.as_deref()),
                analysis,
                affects: vec![CdxAffects {
                    reference: component,
                    versions: if own {
                        vec![CdxVersion {
                            version: v.version.clone(),
                            status,
                        }]
                    } else {
                        Vec::new()
                    },
                }],
                properties,
            })
        })
        .collect()
}
