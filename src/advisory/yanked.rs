//! Yanked crate releases (cargo-deny's `yanked`): for every crate from a registry, whether its
//! registry has yanked the locked version, from the registry's sparse index online and from
//! Cargo's own index cache (src/registry/cargo_index.rs). `[advisories] yanked` says what a
//! yanked release is: `deny` (an error), `warn` (a warning, the default) or `allow` (a note).
//!
//! A release whose state could not be determined is reported as not checked (A015), never as
//! current: registry look-ups off, offline with nothing cached, a registry that did not answer,
//! an index that does not list the version, or an index whose release has another checksum than
//! the lockfile's (not the same release).

use super::policy::Action;
use crate::diagnostic::{Code, Finding, Severity};
use crate::model::{Ecosystem, Graph, Package, PackageSource};
use crate::registry::cargo_index::{self, CachedIndex, Release};
use crate::registry::http::{Http, HttpOptions};
use rayon::prelude::*;
use serde::Serialize;
use std::collections::BTreeMap;
use std::path::PathBuf;

/// Whether a release was yanked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum YankStatus {
    Yanked,
    /// Its registry lists it, not yanked.
    Current,
    /// Unknown: see `reason`.
    NotChecked,
}

/// What the check found for one package (in the JSON report's `advisories.yanked` of the
/// package).
#[derive(Debug, Clone, Serialize)]
pub struct YankInfo {
    pub status: YankStatus,
    /// Where the answer came from: the sparse index file's URL, or the file of Cargo's index
    /// cache.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// Why the state is unknown.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// `reason`, translatable (the German reports).
    #[serde(skip)]
    pub reason_text: Option<crate::diagnostic::Text>,
}

/// The check's part of the report (`advisories.yanked`).
#[derive(Debug, Clone, Serialize)]
pub struct YankedReport {
    pub action: Action,
    /// Crate releases from registries.
    pub crates: usize,
    pub yanked: usize,
    pub current: usize,
    pub not_checked: usize,
    /// Answers from a registry's sparse index over the network (revalidated copies count).
    pub online: usize,
    /// Answers from fundament's own cache of sparse index files (offline).
    pub cached: usize,
    /// Answers from Cargo's index cache.
    pub cargo_cache: usize,
}

/// How the check reads its sources.
#[derive(Debug, Clone)]
pub struct YankOptions {
    pub offline: bool,
    /// Registry look-ups on (`--no-registry` turns the check off: nothing is looked up).
    pub registry_lookups: bool,
    pub http: HttpOptions,
    pub cache_dir: Option<PathBuf>,
    /// Cargo's home (`None`: `$CARGO_HOME`, else `~/.cargo`).
    pub cargo_home: Option<PathBuf>,
    /// Look-ups in flight at once.
    pub parallelism: usize,
}

/// The check's result.
pub struct Checked {
    pub report: YankedReport,
    /// Parallel to the graph's packages (`None`: not a crate from a registry).
    pub per_package: Vec<Option<YankInfo>>,
    pub findings: Vec<Finding>,
}

/// A crate release to check.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Subject {
    name: String,
    version: String,
    registry: String,
    checksum: Option<String>,
}

fn subject(package: &Package) -> Option<Subject> {
    if package.root || package.ecosystem != Ecosystem::Cargo {
        return None;
    }
    let PackageSource::Registry { url: Some(url) } = &package.source else {
        return None;
    };
    Some(Subject {
        name: package.name.clone(),
        version: package.version.clone(),
        registry: url.clone(),
        checksum: package.checksum.clone(),
    })
}

fn not_checked(reason: crate::diagnostic::Text) -> YankInfo {
    YankInfo {
        status: YankStatus::NotChecked,
        source: None,
        reason: Some(reason.english()),
        reason_text: Some(reason),
    }
}

/// How an answer was had.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Via {
    Online,
    Cached,
    CargoCache,
    None,
}

/// Runs the check.
pub fn check(graph: &Graph, action: Action, options: &YankOptions) -> Checked {
    let mut per_package: Vec<Option<YankInfo>> = vec![None; graph.packages.len()];
    let subjects: BTreeMap<Subject, Vec<usize>> =
        graph
            .packages
            .iter()
            .enumerate()
            .fold(BTreeMap::new(), |mut map, (i, p)| {
                if let Some(s) = subject(p) {
                    map.entry(s).or_insert_with(Vec::new).push(i);
                }
                map
            });
    let mut report = YankedReport {
        action,
        crates: subjects.len(),
        yanked: 0,
        current: 0,
        not_checked: 0,
        online: 0,
        cached: 0,
        cargo_cache: 0,
    };
    if subjects.is_empty() {
        return Checked {
            report,
            per_package,
            findings: Vec::new(),
        };
    }
    let answers: Vec<(YankInfo, Via)> = if !options.registry_lookups {
        subjects
            .keys()
            .map(|_| {
                (
                    not_checked(crate::diagnostic::Text::new("yank_lookups_off")),
                    Via::None,
                )
            })
            .collect()
    } else {
        look_up_all(subjects.keys().collect(), options)
    };
    let mut findings = Vec::new();
    // Per reason (its English), the reason and the crates.
    let mut unknown: BTreeMap<String, (crate::diagnostic::Text, Vec<String>)> = BTreeMap::new();
    for ((s, indices), (info, via)) in subjects.iter().zip(answers) {
        match via {
            Via::Online => report.online += 1,
            Via::Cached => report.cached += 1,
            Via::CargoCache => report.cargo_cache += 1,
            Via::None => {}
        }
        match info.status {
            YankStatus::Yanked => {
                report.yanked += 1;
                for &i in indices {
                    findings.push(yanked_finding(&graph.packages[i], action, &info));
                }
            }
            YankStatus::Current => report.current += 1,
            YankStatus::NotChecked => {
                report.not_checked += 1;
                let reason = info
                    .reason_text
                    .clone()
                    .unwrap_or_else(|| crate::diagnostic::Text::verbatim(""));
                unknown
                    .entry(reason.english())
                    .or_insert_with(|| (reason, Vec::new()))
                    .1
                    .push(format!("{} {}", s.name, s.version));
            }
        }
        for &i in indices {
            per_package[i] = Some(info.clone());
        }
    }
    for (_, (reason, crates)) in unknown {
        findings.push(not_checked_finding(
            reason,
            &crates,
            options.registry_lookups,
        ));
    }
    Checked {
        report,
        per_package,
        findings,
    }
}

/// A014: a yanked release.
fn yanked_finding(package: &Package, action: Action, info: &YankInfo) -> Finding {
    let severity = match action {
        Action::Deny => Severity::Error,
        Action::Warn => Severity::Warning,
        Action::Allow => Severity::Note,
    };
    let message = crate::text!(
        "crate_yanked",
        name = super::findings::printable(&package.name),
        version = super::findings::printable(&package.version)
    );
    let mut finding = match severity {
        Severity::Error => Finding::error(Code::CrateYanked, message),
        Severity::Warning => Finding::warning(Code::CrateYanked, message),
        _ => Finding::note_finding(Code::CrateYanked, message),
    }
    .package(package.purl.clone());
    if let Some(source) = &info.source {
        finding = finding.note(crate::text!(
            "yanked_as_source_says",
            source = super::findings::printable(source)
        ));
    }
    finding.note(crate::text!(
        "yanked_update",
        name = super::findings::printable(&package.name)
    ))
}

/// A015: releases whose yanked state is unknown, one finding per reason.
fn not_checked_finding(
    reason: crate::diagnostic::Text,
    crates: &[String],
    lookups: bool,
) -> Finding {
    const NAMED: usize = 10;
    let names = crates
        .iter()
        .take(NAMED)
        .map(|c| super::findings::printable(c))
        .collect::<Vec<_>>()
        .join(", ");
    let listed = if crates.len() > NAMED {
        crate::text!("listing_more", names = names).count("n", crates.len() - NAMED)
    } else {
        crate::diagnostic::Text::verbatim(names)
    };
    let message = crate::diagnostic::Text::new("yanked_not_known")
        .count("n", crates.len())
        .sub("reason", reason);
    let finding = if lookups {
        Finding::warning(Code::YankedNotChecked, message)
    } else {
        Finding::note_finding(Code::YankedNotChecked, message)
    };
    finding.note(crate::diagnostic::Text::new("yanked_not_checked").sub("listed", listed))
}

/// What Cargo's index cache and the registries say, per subject (in order).
fn look_up_all(subjects: Vec<&Subject>, options: &YankOptions) -> Vec<(YankInfo, Via)> {
    let home = options.cargo_home.clone().or_else(cargo_index::cargo_home);
    let caches = home
        .as_deref()
        .map(cargo_index::cached_indexes)
        .unwrap_or_default();
    let mut http_options = options.http.clone();
    http_options.offline = options.offline;
    http_options.cache_dir.clone_from(&options.cache_dir);
    http_options.max_body = http_options.max_body.min(cargo_index::MAX_INDEX_FILE);
    let http = Http::new(http_options).ok();
    // The sparse index of each registry the lockfile names, worked out once.
    let registries: BTreeMap<&str, Option<(String, String)>> = subjects
        .iter()
        .map(|s| {
            let endpoint = if s.registry.ends_with('/') {
                Some((s.registry.clone(), "the lockfile".to_string()))
            } else {
                home.as_deref()
                    .and_then(|h| cargo_index::sparse_in_place_of(&s.registry, h))
            };
            (s.registry.as_str(), endpoint)
        })
        .collect();
    let work = || {
        subjects
            .par_iter()
            .map(|s| {
                look_up(
                    s,
                    registries.get(s.registry.as_str()).cloned().flatten(),
                    http.as_ref(),
                    &caches,
                )
            })
            .collect::<Vec<_>>()
    };
    match rayon::ThreadPoolBuilder::new()
        .num_threads(options.parallelism.max(1))
        .build()
    {
        Ok(pool) => pool.install(work),
        Err(_) => work(),
    }
}

/// Whether `release` is the locked one: the same checksum where both record one. An answer
/// from a sparse index the lockfile does not name itself needs the lockfile's checksum.
fn judge(
    s: &Subject,
    release: Release,
    source: crate::diagnostic::Text,
    confirmed_needed: bool,
) -> YankInfo {
    match (&s.checksum, &release.cksum) {
        (Some(locked), Some(listed)) if !locked.eq_ignore_ascii_case(listed) => {
            return not_checked(
                crate::diagnostic::Text::new("yank_other_release").sub("source", source),
            );
        }
        (None, _) if confirmed_needed => {
            return not_checked(
                crate::diagnostic::Text::new("yank_no_checksum").sub("source", source),
            );
        }
        _ => {}
    }
    YankInfo {
        status: if release.yanked {
            YankStatus::Yanked
        } else {
            YankStatus::Current
        },
        source: Some(source.english()),
        reason: None,
        reason_text: None,
    }
}

fn look_up(
    s: &Subject,
    endpoint: Option<(String, String)>,
    http: Option<&Http>,
    caches: &[CachedIndex],
) -> (YankInfo, Via) {
    if !cargo_index::is_crate_name(&s.name) {
        return (
            not_checked(crate::text!(
                "yank_not_a_crate_name",
                name = super::findings::printable(&s.name)
            )),
            Via::None,
        );
    }
    let mut problems: Vec<crate::diagnostic::Text> = Vec::new();
    // The registry's sparse index (offline: fundament's cached copy of it).
    if let (Some((index, from)), Some(http)) = (&endpoint, http) {
        let confirm = from != "the lockfile";
        match cargo_index::sparse_file(http, index, &s.name) {
            Ok(Some(fetched)) => {
                let via = if http.offline() {
                    Via::Cached
                } else {
                    Via::Online
                };
                match cargo_index::release_in_lines(&fetched.body, &s.version) {
                    Ok(Some(release)) => {
                        return (
                            judge(
                                s,
                                release,
                                crate::diagnostic::Text::verbatim(&fetched.url),
                                confirm,
                            ),
                            via,
                        );
                    }
                    Ok(None) => {
                        problems.push(crate::text!(
                            "yank_index_lacks_version",
                            url = fetched.url,
                            version = s.version
                        ));
                    }
                    Err(e) => problems.push(crate::diagnostic::Text::verbatim(format!(
                        "{}: {e}",
                        fetched.url
                    ))),
                }
            }
            Ok(None) => {
                problems.push(crate::text!("yank_index_lacks_crate", url = index));
            }
            // Offline without the index entry in the cache: one reason for all such crates
            // (below, when Cargo's index cache does not answer either), not one per URL.
            Err(crate::registry::http::HttpError::NotCached { .. }) => {}
            Err(e) => problems.push(e.text()),
        }
    }
    // Cargo's own index cache: the registry the lockfile names first (its folder is named
    // after its host), then any other, where the checksum confirms it is the same release.
    let host = host_of(&s.registry);
    let mut ordered: Vec<&CachedIndex> = caches.iter().filter(|c| c.host == host).collect();
    ordered.extend(caches.iter().filter(|c| c.host != host));
    for index in ordered {
        let Some((found, path)) = cargo_index::cached_release(index, &s.name, &s.version) else {
            continue;
        };
        let source = crate::text!("yank_cargo_cache", path = path.display());
        match found {
            Ok(Some(release)) => {
                let info = judge(s, release, source.clone(), index.host != host);
                if info.status != YankStatus::NotChecked {
                    return (info, Via::CargoCache);
                }
                problems.extend(info.reason_text);
            }
            Ok(None) => {}
            Err(e) => problems.push(
                crate::text!("yank_source_problem", problem = e).sub("source", source.clone()),
            ),
        }
    }
    if !problems.is_empty() {
        let reason = crate::diagnostic::Text::new("verbatim").list("text", problems, "; ");
        return (not_checked(reason), Via::None);
    }
    let reason = match (&endpoint, http.map(Http::offline)) {
        (None, _) => "yank_no_index",
        (Some(_), Some(true)) => "yank_offline",
        _ => "yank_index_unreadable",
    };
    (not_checked(crate::diagnostic::Text::new(reason)), Via::None)
}

/// The host of a URL (what Cargo names its index cache folders after).
fn host_of(url: &str) -> String {
    let rest = url.split_once("://").map(|(_, r)| r).unwrap_or(url);
    let authority = rest.split('/').next().unwrap_or(rest);
    let authority = authority.rsplit('@').next().unwrap_or(authority);
    authority.split(':').next().unwrap_or(authority).to_string()
}
