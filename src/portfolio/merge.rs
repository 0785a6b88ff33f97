//! `merge`: the shards' outputs combined into one portfolio result.
//!
//! Nothing is dropped without a word. Every repository any shard listed appears in the
//! result: with its result, as `failed` (it could not be cloned or read), or as `missing`
//! (its shard delivered nothing, or did not deliver it). A shard that is missing or delivered
//! twice, shards of different scans, and shards that saw different listings are findings
//! (docs/diagnostics.md, area S), and a missing result makes the portfolio incomplete.

use super::listing::Skipped;
use super::merged::{
    PORTFOLIO_SCHEMA, Portfolio, PortfolioComponent, PortfolioFinding, PortfolioLicence,
    PortfolioRepository, PortfolioSummary, ScanRecord, ShardRecord, ShardsRecord, Usage,
};
use super::result::{
    REPOSITORY_SCHEMA, RepositoryInfo, RepositoryResult, RunStatus, SHARD_SCHEMA, ShardManifest,
    ToolInfo,
};
use super::shard::shard_of;
use crate::diagnostic::{Code, Severity, Text};
use rayon::prelude::*;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};

/// A manifest as found.
struct Found {
    manifest: ShardManifest,
    /// The folder its files are in.
    folder: PathBuf,
    /// The folder as the user gave it (for the result).
    shown: String,
}

/// Merges the scan outputs in `inputs` (output folders, or manifest files).
pub fn merge(inputs: &[PathBuf]) -> Result<Portfolio, String> {
    let mut findings = Vec::new();
    let mut found = Vec::new();
    for input in inputs {
        let files = manifests_in(input)?;
        if files.is_empty() {
            return Err(format!(
                "{}: no shard manifest (shard-I-of-N.json): not the output folder of \
                 `fundament scan`, or its scan did not finish",
                input.display()
            ));
        }
        for file in files {
            match read_manifest(&file) {
                Ok(manifest) => found.push(Found {
                    manifest,
                    folder: file.parent().map(Path::to_path_buf).unwrap_or_default(),
                    shown: file
                        .parent()
                        .map(|p| p.display().to_string())
                        .unwrap_or_default(),
                }),
                Err(message) => findings.push(PortfolioFinding::new(
                    Code::ManifestUnreadable,
                    Severity::Error,
                    message,
                )),
            }
        }
    }
    if found.is_empty() {
        return Err("no shard manifest could be read".to_string());
    }

    // One scan: the shard count most manifests have (the larger on a tie), the settings of
    // its first manifest. Manifests of another scan are named and left out.
    let mut totals: BTreeMap<u32, usize> = BTreeMap::new();
    for f in &found {
        *totals.entry(f.manifest.shard.total).or_insert(0) += 1;
    }
    let total = totals
        .iter()
        .max_by_key(|(total, count)| (**count, **total))
        .map(|(t, _)| *t)
        .unwrap_or(1);
    let settings = found
        .iter()
        .find(|f| f.manifest.shard.total == total)
        .map(|f| f.manifest.settings.clone());
    let (used, other): (Vec<Found>, Vec<Found>) = found.into_iter().partition(|f| {
        f.manifest.shard.total == total && Some(&f.manifest.settings) == settings.as_ref()
    });
    for f in &other {
        let why = if f.manifest.shard.total != total {
            crate::text!(
                "shard_other_total",
                index = f.manifest.shard.index,
                of = f.manifest.shard.total,
                total = total
            )
        } else {
            crate::diagnostic::Text::new("shard_other_settings")
        };
        findings.push(
            PortfolioFinding::new(
                Code::ShardsIncompatible,
                Severity::Error,
                crate::text!(
                    "shard_left_out",
                    file = f
                        .folder
                        .join(super::result::manifest_name(f.manifest.shard))
                        .display()
                )
                .sub("why", why),
            )
            .about_shard(f.manifest.shard.index),
        );
    }

    // One manifest per shard: of duplicates, the one that finished last.
    let mut by_index: BTreeMap<u32, Vec<Found>> = BTreeMap::new();
    for f in used {
        by_index.entry(f.manifest.shard.index).or_default().push(f);
    }
    let mut shards: BTreeMap<u32, Found> = BTreeMap::new();
    let mut duplicated = Vec::new();
    for (index, mut copies) in by_index {
        copies.sort_by(|a, b| a.manifest.created.cmp(&b.manifest.created));
        if copies.len() > 1 {
            duplicated.push(index);
            let same = copies.windows(2).all(|w| {
                w[0].manifest.results == w[1].manifest.results
                    && w[0].manifest.listing.digest == w[1].manifest.listing.digest
            });
            let folders: Vec<String> = copies.iter().map(|c| c.shown.clone()).collect();
            findings.push(
                PortfolioFinding::new(
                    Code::ShardDuplicated,
                    if same {
                        Severity::Warning
                    } else {
                        Severity::Error
                    },
                    crate::text!(
                        "shard_duplicated",
                        index = index,
                        total = total,
                        times = copies.len(),
                        folders = folders.join(", "),
                        used = copies.last().map(|c| c.shown.as_str()).unwrap_or_default()
                    )
                    .sub(
                        "copies",
                        crate::diagnostic::Text::new(if same {
                            "shard_copies_agree"
                        } else {
                            "shard_copies_differ"
                        }),
                    ),
                )
                .about_shard(index),
            );
        }
        if let Some(last) = copies.pop() {
            shards.insert(index, last);
        }
    }
    let missing: Vec<u32> = (1..=total).filter(|i| !shards.contains_key(i)).collect();

    // The portfolio: every repository any shard listed.
    let mut listed: BTreeMap<String, RepositoryInfo> = BTreeMap::new();
    let mut skipped: BTreeMap<String, Skipped> = BTreeMap::new();
    let mut sources: Vec<String> = Vec::new();
    let mut digests = BTreeSet::new();
    let mut notes = BTreeSet::new();
    for f in shards.values() {
        let listing = &f.manifest.listing;
        digests.insert(listing.digest.clone());
        for source in &listing.sources {
            if !sources.contains(source) {
                sources.push(source.clone());
            }
        }
        for r in &listing.repositories {
            listed.entry(r.id.clone()).or_insert_with(|| r.clone());
        }
        for s in &listing.skipped {
            skipped.entry(s.id.clone()).or_insert_with(|| s.clone());
        }
        notes.extend(listing.notes.iter().cloned());
    }
    if digests.len() > 1 {
        findings.push(PortfolioFinding::new(
            Code::ListingDiffers,
            Severity::Warning,
            crate::text!("listing_differs", n = digests.len()),
        ));
    }
    for index in &missing {
        let expected = listed
            .keys()
            .filter(|id| shard_of(id, total) == *index)
            .count();
        findings.push(
            PortfolioFinding::new(
                Code::ShardMissing,
                Severity::Error,
                crate::text!("shard_missing", index = index, total = total).count("n", expected),
            )
            .about_shard(*index),
        );
    }

    // Where each repository's result is: its own shard's table, else any shard's.
    let mut entries: HashMap<&str, Vec<(u32, &Found, &str)>> = HashMap::new();
    for (index, f) in &shards {
        for entry in &f.manifest.results {
            entries
                .entry(entry.id.as_str())
                .or_default()
                .push((*index, f, entry.file.as_str()));
        }
    }
    let ids: Vec<&String> = listed.keys().collect();
    let read: Vec<(
        PortfolioRepository,
        Option<RepositoryResult>,
        Vec<PortfolioFinding>,
    )> = ids
        .par_iter()
        .map(|id| {
            let info = &listed[*id];
            let owner = shard_of(id, total);
            let candidates = entries.get(id.as_str()).cloned().unwrap_or_default();
            let chosen = candidates
                .iter()
                .find(|(i, _, _)| *i == owner)
                .or_else(|| candidates.first());
            let mut problems = Vec::new();
            let Some((index, f, file)) = chosen else {
                let why = if shards.contains_key(&owner) {
                    problems.push(
                        PortfolioFinding::new(
                            Code::ResultMissing,
                            Severity::Error,
                            crate::text!(
                                "result_not_listed",
                                name = info.name,
                                owner = owner,
                                total = total
                            ),
                        )
                        .about_repository(id),
                    );
                    format!("shard {owner} of {total} did not list it")
                } else {
                    format!("shard {owner} of {total} is missing")
                };
                return (missing_repository(info, &why), None, problems);
            };
            match read_result(&f.folder, file, id) {
                Ok(result) => {
                    let repo = repository_of(info, &result, *index);
                    (repo, Some(result), problems)
                }
                Err(problem) => {
                    let message = problem.english();
                    problems.push(
                        PortfolioFinding::new(Code::ResultMissing, Severity::Error, problem)
                            .about_repository(id),
                    );
                    (missing_repository(info, &message), None, problems)
                }
            }
        })
        .collect();

    let mut repositories: Vec<(PortfolioRepository, Option<RepositoryResult>)> = Vec::new();
    for (repo, result, problems) in read {
        findings.extend(problems);
        if repo.status == RunStatus::Failed {
            findings.push(
                PortfolioFinding::new(
                    Code::RepositoryUnavailable,
                    Severity::Error,
                    crate::text!(
                        "repository_problem",
                        name = repo.repository.name,
                        problem = repo.error.as_deref().unwrap_or("no result")
                    ),
                )
                .about_repository(&repo.repository.id),
            );
        }
        if let Some(stale) = &repo.stale {
            findings.push(
                PortfolioFinding::new(
                    Code::RepositoryStale,
                    Severity::Warning,
                    crate::text!(
                        "repository_stale",
                        name = repo.repository.name,
                        stale = stale
                    ),
                )
                .about_repository(&repo.repository.id),
            );
        }
        repositories.push((repo, result));
    }
    repositories.sort_by(|a, b| {
        (&a.0.repository.name, &a.0.repository.id).cmp(&(&b.0.repository.name, &b.0.repository.id))
    });
    let skipped: Vec<Skipped> = skipped
        .into_values()
        .filter(|s| !listed.contains_key(&s.id))
        .collect();
    for s in &skipped {
        findings.push(
            PortfolioFinding::new(
                Code::RepositorySkipped,
                Severity::Note,
                crate::text!("repository_not_scanned", name = s.name, reason = s.reason),
            )
            .about_repository(&s.id),
        );
    }
    for note in notes {
        findings.push(PortfolioFinding::new(
            Code::RepositorySkipped,
            Severity::Note,
            note,
        ));
    }

    if repositories.is_empty() {
        findings.push(PortfolioFinding::new(
            Code::PortfolioEmpty,
            Severity::Error,
            crate::text!(
                "portfolio_empty",
                sources = if sources.is_empty() {
                    "no sources".to_string()
                } else {
                    sources.join("; ")
                }
            ),
        ));
    }
    let (components, licences) = components_and_licences(&repositories);
    let repositories: Vec<PortfolioRepository> = repositories.into_iter().map(|(r, _)| r).collect();
    findings.sort_by(|a, b| {
        (
            severity_rank(&a.severity),
            &a.code,
            &a.repository,
            &a.message,
        )
            .cmp(&(
                severity_rank(&b.severity),
                &b.code,
                &b.repository,
                &b.message,
            ))
    });
    let summary = summarise(&repositories, &components, skipped.len(), &findings);
    Ok(Portfolio {
        schema: PORTFOLIO_SCHEMA.to_string(),
        tool: ToolInfo::this(),
        created: crate::audit::timestamp(),
        scan: ScanRecord {
            sources,
            settings,
            shards: ShardsRecord {
                total,
                present: shards
                    .iter()
                    .map(|(index, f)| ShardRecord {
                        index: *index,
                        folder: f.shown.clone(),
                        origin: f.manifest.shard_origin.clone(),
                        created: f.manifest.created.clone(),
                        repositories: f.manifest.results.len(),
                    })
                    .collect(),
                missing,
                duplicated,
            },
        },
        summary,
        repositories,
        skipped,
        components,
        licences,
        findings,
        changes: None,
    })
}

fn severity_rank(severity: &str) -> u8 {
    match severity {
        "error" => 0,
        "warning" => 1,
        _ => 2,
    }
}

/// The manifests in an input: the file itself, or every `shard-I-of-N.json` in a folder.
fn manifests_in(input: &Path) -> Result<Vec<PathBuf>, String> {
    let meta = std::fs::metadata(input).map_err(|e| format!("{}: {e}", input.display()))?;
    if meta.is_file() {
        return Ok(vec![input.to_path_buf()]);
    }
    let mut files: Vec<PathBuf> = std::fs::read_dir(input)
        .map_err(|e| format!("{}: {e}", input.display()))?
        .flatten()
        // Regular files only: a link or a special file is no manifest `scan` wrote.
        .filter(|e| e.file_type().is_ok_and(|t| t.is_file()))
        .map(|e| e.path())
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(is_manifest_name)
        })
        .collect();
    files.sort();
    Ok(files)
}

/// `shard-I-of-N.json`.
fn is_manifest_name(name: &str) -> bool {
    let Some(rest) = name
        .strip_prefix("shard-")
        .and_then(|r| r.strip_suffix(".json"))
    else {
        return false;
    };
    rest.split_once("-of-").is_some_and(|(i, n)| {
        !i.is_empty()
            && !n.is_empty()
            && i.bytes().all(|b| b.is_ascii_digit())
            && n.bytes().all(|b| b.is_ascii_digit())
    })
}

fn read_manifest(path: &Path) -> Result<ShardManifest, String> {
    let bytes = std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let value: serde_json::Value =
        serde_json::from_slice(&bytes).map_err(|e| format!("{}: not JSON: {e}", path.display()))?;
    if value["schema"] != SHARD_SCHEMA {
        return Err(format!(
            "{}: not a shard manifest ({SHARD_SCHEMA})",
            path.display()
        ));
    }
    serde_json::from_value(value).map_err(|e| format!("{}: {e}", path.display()))
}

/// Whether a manifest's file name is one `scan` writes: `repos/<name>.json`, nothing that
/// leads elsewhere.
fn is_result_name(file: &str) -> bool {
    file.strip_prefix("repos/")
        .and_then(|n| n.strip_suffix(".json"))
        .is_some_and(|stem| {
            !stem.is_empty()
                && !stem.starts_with('.')
                && stem
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
        })
}

/// Reads a repository's result: a regular file (never a link or a special file) named as
/// `scan` names them.
fn read_result(folder: &Path, file: &str, id: &str) -> Result<RepositoryResult, Text> {
    let path = folder.join(file);
    if !is_result_name(file) {
        return Err(crate::text!(
            "result_file_not_named",
            folder = folder.display(),
            file = file
        ));
    }
    let shown = path.display().to_string();
    // An operating system's error stays in its own words.
    let io = |e: std::io::Error| crate::text!("file_problem", file = shown, problem = e);
    match std::fs::symlink_metadata(&path) {
        Ok(meta) if meta.is_file() => {}
        Ok(_) => return Err(crate::text!("result_file_not_regular", file = shown)),
        Err(e) => return Err(io(e)),
    }
    let bytes = std::fs::read(&path).map_err(io)?;
    let result: RepositoryResult = serde_json::from_slice(&bytes)
        .map_err(|e| crate::text!("result_file_not_a_result", file = shown, error = e))?;
    if result.schema != REPOSITORY_SCHEMA {
        return Err(crate::text!(
            "result_file_other_schema",
            file = shown,
            schema = result.schema,
            expected = REPOSITORY_SCHEMA
        ));
    }
    if result.repository.id != id {
        return Err(crate::text!(
            "result_file_other_repository",
            file = shown,
            other = result.repository.id,
            id = id
        ));
    }
    Ok(result)
}

fn missing_repository(info: &RepositoryInfo, why: &str) -> PortfolioRepository {
    PortfolioRepository {
        repository: info.clone(),
        status: RunStatus::Missing,
        shard: None,
        commit: None,
        stale: None,
        error: Some(why.to_string()),
        outcome: None,
        audited: None,
        policy: None,
        project_licence: None,
        components: 0,
        by_status: BTreeMap::new(),
        by_vetting: BTreeMap::new(),
        errors: 0,
        warnings: 0,
        files: None,
    }
}

fn repository_of(
    info: &RepositoryInfo,
    result: &RepositoryResult,
    shard: u32,
) -> PortfolioRepository {
    let audit = result.audit.as_ref();
    PortfolioRepository {
        // The listing's view (forge page, name) with the result's facts.
        repository: info.clone(),
        status: result.status,
        shard: Some(shard),
        commit: result.commit.clone(),
        stale: result.stale.clone(),
        error: result.error.clone(),
        outcome: audit.map(|a| a.outcome.clone()),
        audited: audit.map(|a| a.created.clone()),
        policy: audit.map(|a| a.policy.clone()),
        project_licence: audit.and_then(|a| a.project_licence.clone()),
        components: audit.map(|a| a.packages).unwrap_or(0),
        by_status: audit.map(|a| a.by_status.clone()).unwrap_or_default(),
        by_vetting: audit.map(|a| a.by_vetting.clone()).unwrap_or_default(),
        errors: audit.map(|a| a.errors).unwrap_or(0),
        warnings: audit.map(|a| a.warnings).unwrap_or(0),
        files: Some(result.files.clone()),
    }
}

/// Components with their users, and licences across the portfolio.
fn components_and_licences(
    repositories: &[(PortfolioRepository, Option<RepositoryResult>)],
) -> (Vec<PortfolioComponent>, Vec<PortfolioLicence>) {
    let mut components: BTreeMap<&str, PortfolioComponent> = BTreeMap::new();
    struct LicenceTally<'a> {
        category: Option<String>,
        components: BTreeSet<&'a str>,
        repositories: BTreeSet<usize>,
        by_status: BTreeMap<String, usize>,
    }
    let mut licences: BTreeMap<&str, LicenceTally> = BTreeMap::new();
    for (index, (_, result)) in repositories.iter().enumerate() {
        let Some(audit) = result.as_ref().and_then(|r| r.audit.as_ref()) else {
            continue;
        };
        for c in &audit.components {
            let entry = components
                .entry(c.purl.as_str())
                .or_insert_with(|| PortfolioComponent {
                    purl: c.purl.clone(),
                    ecosystem: c.ecosystem.clone(),
                    name: c.name.clone(),
                    version: c.version.clone(),
                    licences: Vec::new(),
                    category: c.category.clone(),
                    used_by: Vec::new(),
                });
            if !entry.licences.contains(&c.licence) {
                entry.licences.push(c.licence.clone());
            }
            // A purl appears once per audit; a second time would be the same repository.
            if entry.used_by.last().is_some_and(|u| u.repository == index) {
                continue;
            }
            entry.used_by.push(Usage {
                repository: index,
                licence: c.licence.clone(),
                status: c.status.clone(),
                vetting: c.vetting.clone(),
                scope: c.scope.clone(),
            });
            let tally = licences
                .entry(c.licence.as_str())
                .or_insert_with(|| LicenceTally {
                    category: c.category.clone(),
                    components: BTreeSet::new(),
                    repositories: BTreeSet::new(),
                    by_status: BTreeMap::new(),
                });
            tally.components.insert(c.purl.as_str());
            tally.repositories.insert(index);
            *tally.by_status.entry(c.status.clone()).or_insert(0) += 1;
        }
    }
    let components: Vec<PortfolioComponent> = components
        .into_values()
        .map(|mut c| {
            c.licences.sort();
            c
        })
        .collect();
    let mut licences: Vec<PortfolioLicence> = licences
        .into_iter()
        .map(|(licence, t)| PortfolioLicence {
            licence: licence.to_string(),
            category: t.category,
            components: t.components.len(),
            repositories: t.repositories.len(),
            by_status: t.by_status,
        })
        .collect();
    licences.sort_by(|a, b| {
        b.components
            .cmp(&a.components)
            .then_with(|| a.licence.cmp(&b.licence))
    });
    (components, licences)
}

fn summarise(
    repositories: &[PortfolioRepository],
    components: &[PortfolioComponent],
    skipped: usize,
    findings: &[PortfolioFinding],
) -> PortfolioSummary {
    let mut by_status = BTreeMap::new();
    let mut by_outcome = BTreeMap::new();
    for r in repositories {
        *by_status.entry(r.status.as_str().to_string()).or_insert(0) += 1;
        if let Some(outcome) = &r.outcome {
            *by_outcome.entry(outcome.clone()).or_insert(0) += 1;
        }
    }
    let mut usage_status = BTreeMap::new();
    let mut by_vetting = BTreeMap::new();
    let mut usages = 0;
    let mut vetted = 0;
    for c in components {
        usages += c.used_by.len();
        for u in &c.used_by {
            *usage_status.entry(u.status.clone()).or_insert(0) += 1;
            *by_vetting.entry(u.vetting.clone()).or_insert(0) += 1;
        }
        if !c.used_by.is_empty() && c.used_by.iter().all(|u| u.vetting == "approved") {
            vetted += 1;
        }
    }
    let count = |s: &str| findings.iter().filter(|f| f.severity == s).count();
    let incomplete = count("error") > 0
        || repositories
            .iter()
            .any(|r| r.outcome.as_deref().is_none_or(|o| o == "incomplete"));
    let outcome = if incomplete {
        "incomplete"
    } else if repositories
        .iter()
        .any(|r| r.outcome.as_deref() == Some("fail"))
    {
        "fail"
    } else {
        "pass"
    };
    PortfolioSummary {
        outcome: outcome.to_string(),
        repositories: repositories.len(),
        by_status,
        by_outcome,
        skipped,
        components: components.len(),
        usages,
        by_status_of_usages: usage_status,
        by_vetting,
        components_vetted: vetted,
        errors: count("error"),
        warnings: count("warning"),
        notes: count("note"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn result_names() {
        assert!(is_result_name("repos/city-web-0123456789ab.json"));
        assert!(!is_result_name("repos/../../etc/passwd.json"));
        assert!(!is_result_name("/etc/passwd"));
        assert!(!is_result_name("repos/a/b.json"));
        assert!(!is_result_name("repos/.json"));
        assert!(!is_result_name("repos/x.audit"));
    }

    /// A result that cannot be read says why in the report's language; in English as before.
    #[test]
    fn unreadable_results_say_why_in_either_language() {
        use crate::licence::obligations::Lang;
        let folder = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(folder.path().join("repos/a.json")).unwrap();
        let not_regular = read_result(folder.path(), "repos/a.json", "a").unwrap_err();
        let shown = folder.path().join("repos/a.json").display().to_string();
        assert_eq!(
            not_regular.english(),
            format!("{shown}: not a regular file")
        );
        assert_eq!(
            not_regular.render(Lang::De),
            format!("{shown}: keine reguläre Datei")
        );
        std::fs::write(folder.path().join("repos/b.json"), "{}").unwrap();
        let not_a_result = read_result(folder.path(), "repos/b.json", "b").unwrap_err();
        assert!(
            not_a_result
                .render(Lang::De)
                .contains("b.json: kein Ergebnis eines Repositorys: "),
            "{}",
            not_a_result.render(Lang::De)
        );
        let named = read_result(folder.path(), "../x", "x").unwrap_err();
        assert!(
            named.english().ends_with(
                ": the manifest names `../x`, which is not a result file of `fundament scan`"
            ),
            "{}",
            named.english()
        );
    }

    #[test]
    fn manifest_names() {
        assert!(is_manifest_name("shard-1-of-4.json"));
        assert!(is_manifest_name("shard-12-of-40.json"));
        assert!(!is_manifest_name("shard-1-of-.json"));
        assert!(!is_manifest_name("shard-a-of-4.json"));
        assert!(!is_manifest_name("shard-1-of-4.json.tmp"));
        assert!(!is_manifest_name("portfolio.json"));
    }
}
