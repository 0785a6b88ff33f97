//! What the advisory stage reports: the policy applied to each vulnerability (VEX
//! statements, ignore entries, severity thresholds), and one finding per vulnerability, per
//! data problem and per unchecked ecosystem (docs/diagnostics.md, "A").

use super::db::Database;
use super::policy::{Action, AdvisoryPolicy, UnknownSeverity};
use super::{Counts, Coverage, IgnoreInfo, Kind, SourceReport, State, Vulnerability};
use crate::diagnostic::{Code, Finding, Severity};
use crate::index::layout::PackageId;
use crate::index::vex::VexStatus;
use crate::model::Package;
use std::collections::BTreeSet;

/// Problems with data are reported one by one up to this many per source; the rest in one
/// finding.
const PROBLEMS_PER_SOURCE: usize = 25;

/// Text from advisory data, safe for a terminal: control characters are escaped.
pub fn printable(text: &str) -> String {
    if text.chars().any(char::is_control) {
        text.chars()
            .map(|c| {
                if c.is_control() {
                    c.escape_default().to_string()
                } else {
                    c.to_string()
                }
            })
            .collect()
    } else {
        text.to_string()
    }
}

/// A012: known vulnerabilities were not checked.
pub fn not_checked(why: crate::diagnostic::Text, warn: bool) -> Finding {
    let message = crate::diagnostic::Text::new("advisories_not_checked").sub("why", why);
    if warn {
        Finding::warning(Code::AdvisoriesNotChecked, message)
            .note(crate::diagnostic::Text::new("advisories_give_data"))
    } else {
        Finding::note_finding(Code::AdvisoriesNotChecked, message)
    }
}

/// A011: a package version that cannot be ordered.
pub fn unorderable(package: &Package, reason: &str) -> Finding {
    Finding::warning(
        Code::VersionUnorderable,
        crate::text!(
            "version_unorderable",
            name = printable(&package.name),
            reason = printable(reason)
        ),
    )
    .package(package.purl.clone())
    .note(crate::diagnostic::Text::new(
        "note_only_advisories_that_list_affected",
    ))
}

fn ignore_matches(entry: &super::policy::Ignore, v: &Vulnerability) -> bool {
    if !v.ids().any(|id| id.eq_ignore_ascii_case(&entry.id)) {
        return false;
    }
    match &entry.package {
        None => true,
        Some((id, version)) => {
            PackageId::from_name(v.ecosystem, &v.name).is_ok_and(|own| own == *id)
                && version.as_ref().is_none_or(|want| *want == v.version)
        }
    }
}

/// Sets each vulnerability's state from its VEX statement, the policy's ignore entries and
/// thresholds; returns the findings about the ignore entries themselves.
pub fn apply_policy(
    vulnerabilities: &mut [Vulnerability],
    policy: &AdvisoryPolicy,
    today: jiff::civil::Date,
) -> Vec<Finding> {
    let mut findings = Vec::new();
    let mut used = vec![false; policy.ignore.len()];
    for v in vulnerabilities.iter_mut() {
        if let Some(vex) = &v.vex
            && vex.status.settles()
        {
            v.state = if vex.status == VexStatus::Fixed {
                State::Fixed
            } else {
                State::NotAffected
            };
            continue;
        }
        let ignore = policy
            .ignore
            .iter()
            .enumerate()
            .find(|(_, e)| ignore_matches(e, v));
        if let Some((i, entry)) = ignore {
            used[i] = true;
            if entry.expires.is_none_or(|d| d >= today) {
                v.state = State::Ignored;
                v.ignore = Some(IgnoreInfo {
                    reason: entry.reason.clone(),
                    approved_by: entry.approved_by.clone(),
                    expires: entry.expires.map(|d| d.to_string()),
                    source: entry.source.to_string(),
                });
                continue;
            }
        }
        v.state = match v.kind {
            Kind::Vulnerability => match v.severity.level {
                Some(level) if policy.deny.admits(level) => State::Fail,
                Some(level) if policy.review.admits(level) => State::Review,
                Some(_) => State::Note,
                None => match policy.unknown_severity {
                    UnknownSeverity::Deny => State::Fail,
                    UnknownSeverity::Review => State::Review,
                },
            },
            kind => match policy.informational(kind.as_str()) {
                Action::Deny => State::Fail,
                Action::Warn => State::Review,
                Action::Allow => State::Note,
            },
        };
    }
    for (entry, used) in policy.ignore.iter().zip(used) {
        let what = match &entry.package_text {
            Some(p) => format!("{} of {}", entry.id, printable(p)),
            None => entry.id.clone(),
        };
        if let Some(expires) = entry.expires.filter(|d| *d < today) {
            findings.push(
                Finding::error(
                    Code::AdvisoryIgnoreExpired,
                    crate::text!("advisory_ignore_expired", what = what, date = expires),
                )
                .located(entry.source.clone())
                .note(if used {
                    "the vulnerability counts again; renew the entry (with a new review) or fix the vulnerability"
                } else {
                    "it matches no vulnerability any more either; remove it"
                }),
            );
        } else if !used {
            findings.push(
                Finding::warning(
                    Code::AdvisoryIgnoreUnused,
                    crate::text!("advisory_ignore_unused", what = what),
                )
                .located(entry.source.clone())
                .note(crate::diagnostic::Text::new(
                    "note_the_package_may_have_been",
                )),
            );
        }
    }
    findings
}

fn severity_words(v: &Vulnerability) -> String {
    match (&v.severity.level, &v.severity.score, &v.severity.method) {
        (Some(level), Some(score), Some(method)) => {
            let method = match method.as_str() {
                "CVSSv2" => "CVSS 2",
                "CVSSv3" => "CVSS 3.0",
                "CVSSv31" => "CVSS 3.1",
                "CVSSv4" => "CVSS 4.0",
                other => other,
            };
            format!("{level}, {method} {score:.1}")
        }
        (Some(level), _, _) => level.to_string(),
        _ => "severity unknown".to_string(),
    }
}

/// The finding for one vulnerability, by its state.
pub fn vulnerability(v: &Vulnerability) -> Finding {
    let name = printable(&v.name);
    let summary = printable(&v.summary);
    let mut finding = match v.state {
        State::NotAffected | State::Fixed => {
            let vex = v.vex.as_ref();
            let attribution = vex.map(|x| printable(&x.attribution())).unwrap_or_default();
            let message = crate::text!(
                if v.state == State::Fixed {
                    "vulnerability_fixed"
                } else {
                    "vulnerability_not_affected"
                },
                name = name,
                version = v.version,
                id = v.id,
                by = attribution
            );
            let mut f = Finding::note_finding(Code::VulnerabilityNotAffected, message);
            if let Some(vex) = vex {
                let justification = vex
                    .justification
                    .map(|j| format!("{j}: "))
                    .unwrap_or_default();
                f = f.note(crate::text!(
                    "vex_analysis",
                    justification = justification,
                    analysis = printable(&vex.analysis)
                ));
                f = f.note(crate::text!(
                    "vex_statement_at",
                    file = vex.file,
                    line = vex.line,
                    index = vex.index,
                    location = vex.location
                ));
            }
            f
        }
        State::Ignored => {
            let ignore = v.ignore.as_ref();
            let mut f = Finding::note_finding(
                Code::VulnerabilityIgnored,
                crate::text!(
                    "vulnerability_ignored",
                    id = v.id,
                    name = name,
                    version = v.version,
                    reason = ignore.map(|i| printable(&i.reason)).unwrap_or_default()
                ),
            );
            if let Some(i) = ignore {
                let until = match i.expires.as_deref() {
                    Some(date) => crate::text!("ignore_until", date = date),
                    None => crate::diagnostic::Text::verbatim(""),
                };
                f = f.note(
                    crate::text!(
                        "ignore_approved_by",
                        approved_by = printable(&i.approved_by),
                        source = i.source
                    )
                    .sub("until", until),
                );
            }
            f
        }
        state => {
            let severity = match state {
                State::Fail => Severity::Error,
                State::Review => Severity::Warning,
                _ => Severity::Note,
            };
            match v.kind {
                Kind::Vulnerability => Finding::new(
                    Code::Vulnerability,
                    severity,
                    crate::text!(
                        "vulnerability",
                        name = name,
                        version = v.version,
                        id = v.id,
                        severity = severity_words(v),
                        summary = summary
                    ),
                ),
                kind => Finding::new(
                    Code::AdvisoryInformational,
                    severity,
                    crate::text!(
                        "advisory_informational",
                        name = name,
                        version = v.version,
                        summary = summary,
                        id = v.id
                    )
                    .sub(
                        "kind",
                        crate::diagnostic::Text::new(match kind {
                            Kind::Vulnerability => "advisory_kind_vulnerability",
                            Kind::Unmaintained => "advisory_kind_unmaintained",
                            Kind::Unsound => "advisory_kind_unsound",
                            Kind::Notice => "advisory_kind_notice",
                        }),
                    ),
                ),
            }
        }
    };
    finding = finding.package(v.package.clone()).advisory(v.id.clone());
    if let Some(manifest) = &v.toolchain_of {
        finding = finding
            .at(manifest.clone(), None)
            .note(crate::text!("advisory_go_stdlib", manifest = manifest));
    }
    if !v.aliases.is_empty() {
        finding = finding.note(crate::text!(
            "advisory_aliases",
            aliases = v.aliases.join(", ")
        ));
    }
    if v.state.is_open() {
        if v.kind == Kind::Vulnerability && v.severity.level.is_none() {
            finding = finding.note(crate::diagnostic::Text::new("note_no_record_of_it_gives"));
        }
        if let Some(vex) = &v.vex {
            let mut text = format!(
                "{} according to {}: {}",
                vex.status,
                printable(&vex.attribution()),
                printable(&vex.analysis)
            );
            if let Some(action) = &vex.action {
                text.push_str(&format!("; action: {}", printable(action)));
            }
            finding = finding.note(text);
        }
        finding = finding.note(match (&v.upgrade, v.fixed.is_empty()) {
            (Some(up), _) => crate::text!(
                "advisory_fixed_upgrade",
                fixed = v.fixed.join(", "),
                upgrade = up
            ),
            (None, false) => crate::text!(
                "advisory_fixed_below",
                fixed = v.fixed.join(", "),
                version = v.version
            ),
            (None, true) => crate::diagnostic::Text::new("advisory_no_fix"),
        });
    }
    if let Some(url) = &v.url {
        finding = finding.note(crate::text!("advisory_details", url = printable(url)));
    }
    finding
}

/// A007–A010: what the data could not tell.
pub fn data(
    db: &Database,
    sources: &[SourceReport],
    ecosystems: &[Coverage],
    unsupported: usize,
    match_problems: &BTreeSet<super::matching::SkippedEvent>,
    max_age_days: u32,
) -> Vec<Finding> {
    let mut findings = Vec::new();
    for source in sources {
        let info = &source.info;
        if let Some(reason) = info.failure() {
            findings.push(
                Finding::error(
                    Code::AdvisorySourceUnavailable,
                    crate::text!(
                        "advisory_source_unavailable",
                        source = printable(&info.location)
                    )
                    .sub("error", reason),
                )
                .note(crate::diagnostic::Text::new(
                    "note_the_vulnerabilities_it_would_have",
                )),
            );
            continue;
        }
        if let Some(stale) = info.staleness() {
            findings.push(Finding::warning(
                Code::AdvisoryDataStale,
                crate::text!("advisory_data_stale", source = printable(&info.location))
                    .sub("error", stale),
            ));
        }
    }
    for coverage in ecosystems.iter().filter(|c| c.checked && c.too_old) {
        findings.push(
            Finding::warning(
                Code::AdvisoryDataStale,
                crate::text!(
                    "advisory_data_too_old",
                    ecosystem = coverage.ecosystem,
                    sources = coverage
                        .sources
                        .iter()
                        .map(|s| printable(s))
                        .collect::<Vec<_>>()
                        .join(", ")
                )
                .sub(
                    "age",
                    crate::diagnostic::Text::new("n_days")
                        .count("n", coverage.age_days.unwrap_or(0) as usize),
                )
                .sub(
                    "date",
                    match coverage.as_of.as_deref().and_then(|t| t.get(..10)) {
                        Some(date) => crate::diagnostic::Text::verbatim(date),
                        None => crate::diagnostic::Text::new("advisory_date_unknown"),
                    },
                )
                .sub(
                    "max_age",
                    crate::diagnostic::Text::new("n_days").count("n", max_age_days as usize),
                ),
            )
            .note(crate::diagnostic::Text::new(
                "note_vulnerabilities_published_since_are_missing",
            )),
        );
    }
    for source in sources {
        let problems: Vec<_> = db
            .problems
            .iter()
            .filter(|p| p.source == source.info.location)
            .collect();
        for p in problems.iter().take(PROBLEMS_PER_SOURCE) {
            findings.push(
                Finding::warning(
                    Code::AdvisoryRecordInvalid,
                    crate::text!("file_problem", file = printable(&p.file))
                        .sub("problem", p.reason.text()),
                )
                .at(format!("{} {}", source.info.location, p.file), None),
            );
        }
        if problems.len() > PROBLEMS_PER_SOURCE {
            findings.push(Finding::warning(
                Code::AdvisoryRecordInvalid,
                crate::text!(
                    "advisory_records_more",
                    source = printable(&source.info.location),
                    first = PROBLEMS_PER_SOURCE
                )
                .count("n", problems.len() - PROBLEMS_PER_SOURCE),
            ));
        }
    }
    for problem in match_problems {
        findings.push(Finding::warning(
            Code::AdvisoryRecordInvalid,
            problem.text(),
        ));
    }
    for coverage in ecosystems.iter().filter(|c| !c.checked) {
        findings.push(
            Finding::warning(
                Code::AdvisoryDataMissing,
                crate::text!("advisory_data_missing", ecosystem = coverage.ecosystem)
                    .count("n", coverage.packages),
            )
            .note(crate::diagnostic::Text::new("note_add_a_source_for_the")),
        );
    }
    if unsupported > 0 {
        findings.push(Finding::warning(
            Code::AdvisoryDataMissing,
            crate::diagnostic::Text::new("advisory_unsupported_ecosystems").count("n", unsupported),
        ));
    }
    findings
}

/// A013: what was checked against what.
pub fn checked_summary(
    sources: &[SourceReport],
    ecosystems: &[Coverage],
    counts: &Counts,
    advisories: usize,
) -> Finding {
    let checked: usize = ecosystems
        .iter()
        .filter(|c| c.checked)
        .map(|c| c.packages)
        .sum();
    use crate::diagnostic::Text;
    let found = if counts.vulnerabilities == 0 {
        Text::new("advisories_none_found")
    } else {
        let by_severity: Vec<Text> = super::severity_order()
            .filter_map(|s| {
                counts.by_severity.get(s).map(|n| {
                    let level = if s == "unknown" {
                        Text::new("advisory_severity_unknown")
                    } else {
                        Text::new(format!("severity.{s}"))
                    };
                    Text::new("advisory_severity_count")
                        .count("n", *n)
                        .sub("severity", level)
                })
            })
            .collect();
        Text::new("advisories_found")
            .sub(
                "vulnerabilities",
                Text::new("n_known_vulnerabilities").count("n", counts.vulnerabilities),
            )
            .sub(
                "packages",
                Text::new("n_packages").count("n", counts.packages_affected),
            )
            .list("by_severity", by_severity, ", ")
    };
    let mut finding = Finding::note_finding(
        Code::AdvisoriesChecked,
        Text::new("advisories_checked")
            .sub("packages", Text::new("n_packages").count("n", checked))
            .sub(
                "advisories",
                Text::new("n_advisories").count("n", advisories),
            )
            .sub(
                "sources",
                Text::new("n_sources").count(
                    "n",
                    sources.iter().filter(|s| s.info.failed.is_none()).count(),
                ),
            )
            .sub("found", found),
    );
    for s in sources.iter().filter(|s| s.info.failed.is_none()) {
        let ecosystems: Vec<crate::diagnostic::Text> = s
            .info
            .ecosystems
            .iter()
            .map(
                |(e, d)| match d.as_of.as_deref().and_then(|t| t.get(..10)) {
                    Some(date) => crate::text!(
                        "advisory_source_ecosystem_dated",
                        ecosystem = e,
                        records = d.records,
                        date = date
                    ),
                    None => crate::text!(
                        "advisory_source_ecosystem",
                        ecosystem = e,
                        records = d.records
                    ),
                },
            )
            .collect();
        let ecosystems = if ecosystems.is_empty() {
            crate::diagnostic::Text::new("advisory_source_no_ecosystem")
        } else {
            crate::diagnostic::Text::new("verbatim").list("text", ecosystems, "; ")
        };
        let newest = match s.info.as_of.as_deref().and_then(|t| t.get(..10)) {
            Some(date) => crate::diagnostic::Text::verbatim(date),
            None => crate::diagnostic::Text::new("advisory_date_unknown"),
        };
        let age = match s.age_days {
            Some(days) => {
                crate::diagnostic::Text::new("advisory_days_old").count("n", days as usize)
            }
            None => crate::diagnostic::Text::verbatim(""),
        };
        finding = finding.note(
            crate::text!("advisory_source", location = printable(&s.info.location))
                .count("n", s.info.records)
                .sub("ecosystems", ecosystems)
                .sub("newest", newest)
                .sub("age", age),
        );
    }
    let settled = counts
        .by_state
        .get(&State::NotAffected)
        .copied()
        .unwrap_or(0)
        + counts.by_state.get(&State::Fixed).copied().unwrap_or(0);
    let ignored = counts.by_state.get(&State::Ignored).copied().unwrap_or(0);
    if settled + ignored > 0 {
        finding = finding.note(crate::text!(
            "advisories_settled",
            settled = settled,
            ignored = ignored
        ));
    }
    finding
}
