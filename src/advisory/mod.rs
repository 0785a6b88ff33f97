//! Stage: advise. Known vulnerabilities of the audited packages, from OSV advisory data
//! (and the RustSec database in its own format), matched in each ecosystem's own version
//! order, with the VEX statements of the layered indices and the policy's `[advisories]`
//! applied.
//!
//! - [`sources`]: where the data comes from (folders, zips, downloads, git, the OSV API in
//!   [`api`]); [`cache`]: the prebuilt cache of converted records.
//! - [`osv`] and [`rustsec`]: reading records; [`db`]: the database in memory.
//! - [`version`]: the version orders; [`matching`]: which advisories affect a version.
//! - [`severity`]: CVSS scoring; [`policy`]: `[advisories]`; [`vex`]: statements from the
//!   indices; [`findings`]: what the stage reports.
//!
//! What is never reported as "no vulnerabilities": an ecosystem no source holds data for
//! (A007), a source that could not be read (A009, the audit is incomplete), an audit without
//! any configured source (A012). Old data is named (A008), and the age of the data is in
//! every report.

pub mod api;
pub mod cache;
pub mod db;
pub mod findings;
pub mod matching;
pub mod osv;
pub mod policy;
pub mod rustsec;
pub mod severity;
pub mod sources;
pub mod state;
pub mod version;
pub mod vex;
pub mod yanked;

use crate::diagnostic::Finding;
use crate::model::{Ecosystem, Graph};
use crate::registry::http::{Http, HttpOptions};
use db::{Database, SourceInfo};
use policy::{AdvisoryPolicy, Threshold, UnknownSeverity};
use rayon::prelude::*;
use serde::Serialize;
use severity::{Level, Rating};
use sources::{DbEntry, Location};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// What the command line says about advisories.
#[derive(Debug, Clone, Default)]
pub struct Settings {
    /// `--advisory-db` (in order): when given, used instead of the policy's `db`.
    pub db: Vec<DbEntry>,
    /// `--no-advisories`.
    pub disabled: bool,
    /// Where relative `--advisory-db` paths are resolved (the current directory).
    pub base_dir: Option<PathBuf>,
}

/// How the stage reads its sources.
#[derive(Debug, Clone)]
pub struct StageOptions {
    pub offline: bool,
    pub cache_dir: Option<PathBuf>,
    /// The HTTP settings of the audit (timeouts, CA certificates, credentials).
    pub http: HttpOptions,
    pub today: jiff::civil::Date,
    /// Registry look-ups on: the yanked check asks the crates' registries ([`yanked`]).
    pub registry_lookups: bool,
    /// Look-ups in flight at once (the registries' `parallelism`).
    pub parallelism: usize,
}

/// Whether known vulnerabilities were checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum CheckStatus {
    /// Checked, against the sources listed (which may not cover every ecosystem).
    Checked,
    /// No advisory source is configured.
    NotConfigured,
    /// Turned off (`--no-advisories`, `enabled = false`).
    Off,
}

/// The policy settings that decided the findings.
#[derive(Debug, Clone, Serialize)]
pub struct PolicySummary {
    pub deny: Threshold,
    pub review: Threshold,
    pub unknown_severity: UnknownSeverity,
    pub max_age_days: u32,
}

/// A source as the report shows it: what it held, how old its data is.
#[derive(Debug, Clone, Serialize)]
pub struct SourceReport {
    #[serde(flatten)]
    pub info: SourceInfo,
    /// Whole days between `as_of` and the audit.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub age_days: Option<i64>,
}

/// One ecosystem of the audit and whether its packages were checked.
#[derive(Debug, Clone, Serialize)]
pub struct Coverage {
    pub ecosystem: Ecosystem,
    /// Packages of the ecosystem (the projects' own not counted).
    pub packages: usize,
    pub checked: bool,
    /// The sources that hold data for it.
    pub sources: Vec<String>,
    /// How recent the newest of that data is (RFC 3339).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub as_of: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub age_days: Option<i64>,
    /// Older than the policy's `max-age`.
    pub too_old: bool,
}

/// What kind of advisory.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    Vulnerability,
    Unmaintained,
    Unsound,
    Notice,
}

impl Kind {
    fn of(informational: Option<&str>) -> Kind {
        match informational {
            None => Kind::Vulnerability,
            Some("unmaintained") => Kind::Unmaintained,
            Some("unsound") => Kind::Unsound,
            Some(_) => Kind::Notice,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Vulnerability => "vulnerability",
            Kind::Unmaintained => "unmaintained",
            Kind::Unsound => "unsound",
            Kind::Notice => "notice",
        }
    }
}

/// Where a vulnerability stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum State {
    /// Fails the audit (an error).
    Fail,
    /// Needs review (a warning).
    Review,
    /// Reported, below the policy's review threshold (a note).
    Note,
    /// A VEX statement says the version is not affected.
    NotAffected,
    /// A VEX statement says the version contains a fix.
    Fixed,
    /// Ignored by the policy.
    Ignored,
}

impl State {
    /// Whether the vulnerability still needs something done.
    pub fn is_open(self) -> bool {
        matches!(self, State::Fail | State::Review | State::Note)
    }
}

/// The policy entry that ignores a vulnerability.
#[derive(Debug, Clone, Serialize)]
pub struct IgnoreInfo {
    pub reason: String,
    pub approved_by: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expires: Option<String>,
    /// The policy file and line.
    pub source: String,
}

/// A record one vulnerability was found in.
#[derive(Debug, Clone, Serialize)]
pub struct RecordRef {
    pub id: String,
    /// The source's location.
    pub source: String,
    pub file: String,
}

/// One known vulnerability of one package version (several records that are aliases of each
/// other are one vulnerability).
#[derive(Debug, Clone, Serialize)]
pub struct Vulnerability {
    pub id: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub aliases: Vec<String>,
    pub kind: Kind,
    pub summary: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub details: String,
    /// The package, by purl.
    pub package: String,
    pub name: String,
    pub version: String,
    pub ecosystem: Ecosystem,
    pub severity: Rating,
    /// The versions that fix it, in the ecosystem's order.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub fixed: Vec<String>,
    /// The lowest version above the package's that it does not affect.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub upgrade: Option<String>,
    /// The shortest chain from a project root to the package.
    pub path: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub references: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub published: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub modified: Option<String>,
    pub records: Vec<RecordRef>,
    pub state: State,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub vex: Option<vex::AppliedVex>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ignore: Option<IgnoreInfo>,
    /// Go's standard library: the go.mod whose toolchain it is (it is no package of the
    /// graph).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub toolchain_of: Option<String>,
    /// The package's index in the audit's packages (`None` for Go's standard library).
    #[serde(skip)]
    pub package_index: Option<usize>,
}

impl Vulnerability {
    /// The id and every alias.
    pub fn ids(&self) -> impl Iterator<Item = &str> {
        std::iter::once(self.id.as_str()).chain(self.aliases.iter().map(String::as_str))
    }
}

/// Counts for the summary: how many, how severe, what is being done.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Counts {
    /// Vulnerabilities found (informational advisories not counted), whatever their state.
    pub vulnerabilities: usize,
    /// Packages with at least one vulnerability.
    pub packages_affected: usize,
    /// Vulnerabilities by severity (`unknown` for unrated ones).
    pub by_severity: BTreeMap<String, usize>,
    /// Vulnerabilities by state.
    pub by_state: BTreeMap<State, usize>,
    /// Open vulnerabilities an upgrade clears.
    pub upgradable: usize,
    /// Open vulnerabilities a reviewer confirmed (`affected`) or is analysing
    /// (`under_investigation`).
    pub under_analysis: usize,
    /// Informational advisories (unmaintained, unsound, notice).
    pub informational: usize,
}

/// The stage's part of the audit report.
#[derive(Debug, Clone, Serialize)]
pub struct AdvisoryReport {
    pub status: CheckStatus,
    pub policy: PolicySummary,
    pub sources: Vec<SourceReport>,
    pub ecosystems: Vec<Coverage>,
    pub vulnerabilities: Vec<Vulnerability>,
    pub summary: Counts,
    /// Yanked crate releases; absent when the stage is off or no crate comes from a
    /// registry.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub yanked: Option<yanked::YankedReport>,
}

/// What the stage says about one package.
#[derive(Debug, Clone, Default, Serialize)]
pub struct PackageAdvisories {
    /// Whether the package's version was checked against advisory data.
    pub checked: bool,
    /// The ids of its vulnerabilities and informational advisories, whatever their state.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub vulnerabilities: Vec<String>,
    /// The lowest version that clears every open one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub upgrade: Option<String>,
    /// A crate from a registry: whether the locked release was yanked.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub yanked: Option<yanked::YankInfo>,
}

/// The stage's result.
#[derive(Debug)]
pub struct Advised {
    pub report: AdvisoryReport,
    /// Parallel to the graph's packages.
    pub per_package: Vec<PackageAdvisories>,
    pub findings: Vec<Finding>,
}

fn report(policy: &AdvisoryPolicy, status: CheckStatus) -> AdvisoryReport {
    AdvisoryReport {
        status,
        policy: PolicySummary {
            deny: policy.deny,
            review: policy.review,
            unknown_severity: policy.unknown_severity,
            max_age_days: policy.max_age_days,
        },
        sources: Vec::new(),
        ecosystems: Vec::new(),
        vulnerabilities: Vec::new(),
        summary: Counts::default(),
        yanked: None,
    }
}

/// The packages the stage checks: every package but the projects' own.
fn checked_packages(graph: &Graph) -> Vec<usize> {
    graph
        .packages
        .iter()
        .enumerate()
        .filter(|(_, p)| !p.root)
        .map(|(i, _)| i)
        .collect()
}

/// Runs the stage: known vulnerabilities, then yanked crate releases.
pub fn advise(
    graph: &Graph,
    policy: &AdvisoryPolicy,
    settings: &Settings,
    lookups: &crate::vet::Lookups,
    options: &StageOptions,
) -> Advised {
    let mut advised = advise_vulnerabilities(graph, policy, settings, lookups, options);
    if settings.disabled || !policy.enabled {
        return advised;
    }
    let checked = yanked::check(
        graph,
        policy.yanked,
        &yanked::YankOptions {
            offline: options.offline,
            registry_lookups: options.registry_lookups,
            http: options.http.clone(),
            cache_dir: options.cache_dir.clone(),
            cargo_home: None,
            parallelism: options.parallelism,
        },
    );
    if checked.report.crates > 0 {
        for (package, info) in advised.per_package.iter_mut().zip(checked.per_package) {
            package.yanked = info;
        }
        advised.findings.extend(checked.findings);
        advised.report.yanked = Some(checked.report);
    }
    advised
}

fn advise_vulnerabilities(
    graph: &Graph,
    policy: &AdvisoryPolicy,
    settings: &Settings,
    lookups: &crate::vet::Lookups,
    options: &StageOptions,
) -> Advised {
    let mut per_package = vec![PackageAdvisories::default(); graph.packages.len()];
    if settings.disabled || !policy.enabled {
        let why = crate::diagnostic::Text::new(if settings.disabled {
            "advisories_turned_off_by_flag"
        } else {
            "advisories_turned_off_by_policy"
        });
        return Advised {
            report: report(policy, CheckStatus::Off),
            per_package,
            findings: vec![findings::not_checked(why, false)],
        };
    }
    let (entries, base_dir) = sources_in_effect(settings, policy);
    if entries.is_empty() {
        return Advised {
            report: report(policy, CheckStatus::NotConfigured),
            per_package,
            findings: vec![findings::not_checked(
                crate::diagnostic::Text::new("advisories_no_database"),
                true,
            )],
        };
    }

    let mut findings = Vec::new();
    let mut locations = Vec::new();
    let mut unusable = Vec::new();
    for entry in entries {
        match Location::parse(entry, &base_dir) {
            Ok(l) => locations.push(l),
            Err(e) => unusable.push((entry.location.clone(), e)),
        }
    }
    let checked = checked_packages(graph);
    let needed: BTreeSet<Ecosystem> = checked
        .iter()
        .map(|&i| graph.packages[i].ecosystem)
        .filter(|e| db::osv_name(*e).is_some())
        .collect();
    let mut http_options = options.http.clone();
    http_options.offline = options.offline;
    http_options.cache_dir.clone_from(&options.cache_dir);
    http_options.max_body = sources::MAX_ZIP_BYTES;
    http_options.timeout = http_options
        .timeout
        .max(std::time::Duration::from_secs(300));
    let http = Http::new(http_options).ok();
    let load_options = sources::LoadOptions {
        offline: options.offline,
        cache_dir: options.cache_dir.as_deref(),
        http: http.as_ref(),
        needed: &needed,
    };
    let mut database = Database::build(sources::load(&locations, &load_options));
    for (location, why) in unusable {
        let mut info = failed_info(&location);
        info.fail(why);
        database.sources.push(info);
    }

    // The OSV API answers for the ecosystems no other source covers.
    for location in &locations {
        let Location::Api(base) = location else {
            continue;
        };
        let wanted: Vec<(Ecosystem, String, String)> = checked
            .iter()
            .map(|&i| &graph.packages[i])
            .filter(|p| needed.contains(&p.ecosystem) && !database.covers(p.ecosystem))
            .map(|p| (p.ecosystem, p.name.clone(), p.version.clone()))
            .collect();
        if wanted.is_empty() {
            continue;
        }
        let (info, loaded, _) = api::query(
            base,
            &wanted,
            http.as_ref(),
            options.cache_dir.as_deref(),
            options.offline,
        );
        database.extend(info, loaded);
    }

    // Match every package of a covered ecosystem.
    let matched: Vec<(usize, matching::PackageMatches)> = checked
        .par_iter()
        .filter(|&&i| database.covers(graph.packages[i].ecosystem))
        .map(|&i| {
            let p = &graph.packages[i];
            (
                i,
                matching::match_package(&database, p.ecosystem, &p.name, &p.version),
            )
        })
        .collect();
    for &i in &checked {
        per_package[i].checked = database.covers(graph.packages[i].ecosystem);
    }

    let mut vulnerabilities = Vec::new();
    let mut match_problems: BTreeSet<matching::SkippedEvent> = BTreeSet::new();
    for (i, found) in matched {
        let package = &graph.packages[i];
        match_problems.extend(found.problems);
        if let Some(reason) = found.unorderable {
            findings.push(findings::unorderable(package, &reason));
        }
        let covering = lookups.covering_records(i);
        let groups = group_by_alias(&database, &found.hits);
        let mut package_entries = Vec::new();
        let mut candidates = Vec::new();
        let mut ids = Vec::new();
        for group in groups {
            let subject = Subject {
                ecosystem: package.ecosystem,
                name: &package.name,
                version: &package.version,
                purl: &package.purl,
                package_index: Some(i),
                toolchain_of: None,
            };
            let v = vulnerability(&database, &subject, &group, &covering);
            for hit in &group {
                let a = database.advisory(hit.advisory);
                package_entries.push((a.id.as_str(), &a.affected[hit.affected as usize]));
            }
            candidates.extend(v.fixed.iter().cloned());
            ids.push(v.id.clone());
            vulnerabilities.push(v);
        }
        per_package[i].vulnerabilities = ids;
        if !package_entries.is_empty() {
            per_package[i].upgrade = matching::upgrade(
                package.ecosystem,
                &package.version,
                &candidates,
                &package_entries,
            );
        }
    }

    // Go's standard library, at the toolchain each go.mod names.
    if database.covers(Ecosystem::Golang) {
        let mut seen = BTreeSet::new();
        for project in &graph.projects {
            let Some(toolchain) = &project.toolchain else {
                continue;
            };
            if !seen.insert(toolchain.clone()) {
                continue;
            }
            let found = matching::match_package(&database, Ecosystem::Golang, "stdlib", toolchain);
            match_problems.extend(found.problems);
            let purl = crate::model::purl(Ecosystem::Golang, "stdlib", toolchain);
            let subject = Subject {
                ecosystem: Ecosystem::Golang,
                name: "stdlib",
                version: toolchain,
                purl: &purl,
                package_index: None,
                toolchain_of: Some(project.manifest.clone()),
            };
            for group in group_by_alias(&database, &found.hits) {
                vulnerabilities.push(vulnerability(&database, &subject, &group, &[]));
            }
        }
    }

    findings.extend(findings::apply_policy(
        &mut vulnerabilities,
        policy,
        options.today,
    ));
    vulnerabilities.sort_by(|a, b| {
        (
            a.state,
            std::cmp::Reverse(a.severity.level),
            a.kind,
            &a.name,
            &a.version,
            &a.id,
        )
            .cmp(&(
                b.state,
                std::cmp::Reverse(b.severity.level),
                b.kind,
                &b.name,
                &b.version,
                &b.id,
            ))
    });
    findings.extend(vulnerabilities.iter().map(findings::vulnerability));

    let sources: Vec<SourceReport> = database
        .sources
        .iter()
        .map(|info| {
            let age_days = info
                .as_of
                .as_deref()
                .and_then(db::parse_time)
                .map(|t| age_in_days(t, options.today));
            SourceReport {
                info: info.clone(),
                age_days,
            }
        })
        .collect();
    let ecosystems: Vec<Coverage> = needed
        .iter()
        .map(|&e| {
            let covering: Vec<&SourceInfo> = database
                .sources
                .iter()
                .filter(|s| {
                    s.failed.is_none() && s.ecosystems.get(&e).is_some_and(|d| d.records > 0)
                })
                .collect();
            // The newest data any source has for the ecosystem (its records' dates, else
            // the source's own date).
            let as_of = covering
                .iter()
                .filter_map(|s| {
                    s.ecosystems
                        .get(&e)
                        .and_then(|d| d.as_of.clone())
                        .or_else(|| s.as_of.clone())
                })
                .filter_map(|t| db::parse_time(&t).map(|p| (p, t)))
                .max_by(|a, b| a.0.cmp(&b.0));
            let age_days = as_of.as_ref().map(|(t, _)| age_in_days(*t, options.today));
            Coverage {
                ecosystem: e,
                packages: checked
                    .iter()
                    .filter(|&&i| graph.packages[i].ecosystem == e)
                    .count(),
                checked: !covering.is_empty(),
                sources: covering.iter().map(|s| s.location.clone()).collect(),
                as_of: as_of.map(|(_, t)| t),
                age_days,
                too_old: age_days.is_some_and(|d| d > i64::from(policy.max_age_days)),
            }
        })
        .collect();
    let unsupported = checked
        .iter()
        .filter(|&&i| db::osv_name(graph.packages[i].ecosystem).is_none())
        .count();
    findings.extend(findings::data(
        &database,
        &sources,
        &ecosystems,
        unsupported,
        &match_problems,
        policy.max_age_days,
    ));
    let summary = counts(&vulnerabilities);
    findings.push(findings::checked_summary(
        &sources,
        &ecosystems,
        &summary,
        database.advisories().len(),
    ));
    Advised {
        report: AdvisoryReport {
            sources,
            ecosystems,
            vulnerabilities,
            summary,
            ..report(policy, CheckStatus::Checked)
        },
        per_package,
        findings,
    }
}

fn failed_info(location: &str) -> SourceInfo {
    SourceInfo {
        location: location.to_string(),
        kind: db::SourceKind::Folder,
        records: 0,
        ecosystems: BTreeMap::new(),
        as_of: None,
        as_of_basis: None,
        commit: None,
        cached: false,
        stale: None,
        failed: None,
        problems: 0,
        stale_text: None,
        failed_text: None,
    }
}

/// Whole days from `time` to the start of `today` (UTC).
fn age_in_days(time: jiff::Timestamp, today: jiff::civil::Date) -> i64 {
    let day = time.to_zoned(jiff::tz::TimeZone::UTC).date();
    day.until(today)
        .map(|span| i64::from(span.get_days()))
        .unwrap_or(0)
}

/// Splits a package's hits into vulnerabilities: hits whose records share an id or alias are
/// one vulnerability.
fn group_by_alias(db: &Database, hits: &[matching::Hit]) -> Vec<Vec<matching::Hit>> {
    let ids: Vec<BTreeSet<String>> = hits
        .iter()
        .map(|h| {
            let a = db.advisory(h.advisory);
            std::iter::once(&a.id)
                .chain(&a.aliases)
                .map(|s| s.to_ascii_uppercase())
                .collect()
        })
        .collect();
    let mut group_of: Vec<usize> = (0..hits.len()).collect();
    fn root(group_of: &mut [usize], mut i: usize) -> usize {
        while group_of[i] != i {
            group_of[i] = group_of[group_of[i]];
            i = group_of[i];
        }
        i
    }
    for a in 0..hits.len() {
        for b in a + 1..hits.len() {
            if !ids[a].is_disjoint(&ids[b]) {
                let (ra, rb) = (root(&mut group_of, a), root(&mut group_of, b));
                group_of[rb] = ra;
            }
        }
    }
    let mut groups: BTreeMap<usize, Vec<matching::Hit>> = BTreeMap::new();
    for (i, hit) in hits.iter().enumerate() {
        let r = root(&mut group_of, i);
        groups.entry(r).or_default().push(*hit);
    }
    groups.into_values().collect()
}

/// What a vulnerability is found in: a package of the graph, or Go's standard library.
struct Subject<'a> {
    ecosystem: Ecosystem,
    name: &'a str,
    version: &'a str,
    purl: &'a str,
    package_index: Option<usize>,
    toolchain_of: Option<String>,
}

/// One vulnerability from a group of records that are aliases of each other.
fn vulnerability(
    db: &Database,
    package: &Subject<'_>,
    group: &[matching::Hit],
    covering: &[crate::vet::CoveringRecord<'_>],
) -> Vulnerability {
    let mut records: Vec<&db::Advisory> = group.iter().map(|h| db.advisory(h.advisory)).collect();
    // The record of the first source configured names the vulnerability.
    records.sort_by(|a, b| (a.source, &a.id).cmp(&(b.source, &b.id)));
    let primary = records[0];
    let mut aliases: BTreeSet<String> = BTreeSet::new();
    for r in &records {
        aliases.insert(r.id.clone());
        aliases.extend(r.aliases.iter().cloned());
    }
    aliases.remove(&primary.id);
    let (severity, _) = severity::rate(group.iter().map(|h| {
        let a = db.advisory(h.advisory);
        let affected = &a.affected[h.affected as usize];
        let scores: &[db::Score] = if a.severity.is_empty() {
            &affected.severity
        } else {
            &a.severity
        };
        (a.id.as_str(), scores, a.database_severity.as_deref())
    }));
    let mut fixed: Vec<String> = Vec::new();
    let mut entries = Vec::new();
    for h in group {
        let a = db.advisory(h.advisory);
        let affected = &a.affected[h.affected as usize];
        for f in matching::fixed_versions(affected, package.ecosystem) {
            if !fixed.contains(&f) {
                fixed.push(f);
            }
        }
        entries.push((a.id.as_str(), affected));
    }
    if let Some(scheme) = version::Scheme::of_ecosystem(package.ecosystem) {
        fixed.sort_by(|a, b| match (scheme.parse(a), scheme.parse(b)) {
            (Ok(x), Ok(y)) => x.cmp(&y),
            _ => a.cmp(b),
        });
    }
    let upgrade = matching::upgrade(package.ecosystem, package.version, &fixed, &entries);
    let informational = group.iter().find_map(|h| {
        let a = db.advisory(h.advisory);
        a.informational
            .clone()
            .or_else(|| a.affected[h.affected as usize].informational.clone())
    });
    let all_ids: Vec<&str> = std::iter::once(primary.id.as_str())
        .chain(aliases.iter().map(String::as_str))
        .collect();
    let vex = vex::in_force(covering, &all_ids);
    Vulnerability {
        id: primary.id.clone(),
        aliases: aliases.into_iter().collect(),
        kind: Kind::of(informational.as_deref()),
        summary: primary.summary.clone(),
        details: primary.details.clone(),
        package: package.purl.to_string(),
        name: package.name.to_string(),
        version: package.version.to_string(),
        ecosystem: package.ecosystem,
        severity,
        fixed,
        upgrade,
        path: Vec::new(),
        url: primary.url.clone(),
        references: primary.references.clone(),
        published: primary.published.clone(),
        modified: primary.modified.clone(),
        records: records
            .iter()
            .map(|r| RecordRef {
                id: r.id.clone(),
                source: db.sources[r.source].location.clone(),
                file: r.file.clone(),
            })
            .collect(),
        state: State::Note,
        vex,
        ignore: None,
        toolchain_of: package.toolchain_of.clone(),
        package_index: package.package_index,
    }
}

fn counts(vulnerabilities: &[Vulnerability]) -> Counts {
    let mut c = Counts::default();
    let mut packages = BTreeSet::new();
    for v in vulnerabilities {
        if v.kind != Kind::Vulnerability {
            c.informational += 1;
            continue;
        }
        c.vulnerabilities += 1;
        packages.insert(v.package.as_str());
        let level = v
            .severity
            .level
            .map(|l| l.as_str().to_string())
            .unwrap_or_else(|| "unknown".to_string());
        *c.by_severity.entry(level).or_insert(0) += 1;
        *c.by_state.entry(v.state).or_insert(0) += 1;
        if v.state.is_open() {
            if v.upgrade.is_some() {
                c.upgradable += 1;
            }
            if v.vex.is_some() {
                c.under_analysis += 1;
            }
        }
    }
    c.packages_affected = packages.len();
    c
}

/// The severity levels in the order reports show them, `unknown` last.
pub fn severity_order() -> impl Iterator<Item = &'static str> {
    Level::ALL
        .iter()
        .map(|l| l.as_str())
        .chain(std::iter::once("unknown"))
}

/// The directory `--advisory-db` paths are relative to.
pub fn current_dir() -> PathBuf {
    std::env::current_dir().unwrap_or_else(|_| Path::new(".").to_path_buf())
}

/// The advisory sources in effect and the folder relative ones are read from: those given on
/// the command line, else the policy's.
pub(crate) fn sources_in_effect<'a>(
    settings: &'a Settings,
    policy: &'a AdvisoryPolicy,
) -> (&'a [DbEntry], PathBuf) {
    let (entries, base_dir) = if settings.db.is_empty() {
        (&policy.db, &policy.base_dir)
    } else {
        (&settings.db, &settings.base_dir)
    };
    (
        entries,
        base_dir.clone().unwrap_or_else(|| PathBuf::from(".")),
    )
}
