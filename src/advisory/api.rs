//! The OSV query API, for ecosystems no local source covers: `POST <base>/v1/querybatch` asks
//! which vulnerabilities affect each package version, `GET <base>/v1/vulns/<id>` fetches each
//! record, and the records are then matched like local data (so the API's answer and
//! fundament's own version order are checked against each other rather than trusted blindly).
//!
//! Answers are kept in the cache for a day (offline: whatever age); records are kept by their
//! `modified` time. An ecosystem counts as covered only when every one of its packages got an
//! answer: a package the API was not asked about never reads as "no vulnerabilities".

use super::db::{DataProblem, DataProblemReason, Loaded, SourceInfo, SourceKind, osv_name};
use super::osv;
use crate::diagnostic::Text;
use crate::model::Ecosystem;
use crate::registry::http::Http;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// How long an answer of the API is reused online.
const ANSWER_TTL_SECONDS: i64 = 24 * 60 * 60;
/// Queries per `querybatch` request (the API's limit).
const BATCH: usize = 1000;

#[derive(Serialize, Deserialize)]
struct CachedAnswer {
    at: i64,
    vulns: Vec<VulnRef>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct VulnRef {
    id: String,
    #[serde(default)]
    modified: Option<String>,
}

#[derive(Deserialize)]
struct BatchAnswer {
    #[serde(default)]
    results: Vec<QueryAnswer>,
}

#[derive(Deserialize)]
struct QueryAnswer {
    #[serde(default)]
    vulns: Vec<VulnRef>,
    #[serde(default)]
    next_page_token: Option<String>,
}

/// An answer of `url` that is not what a `kind` request answers (the parser's words as written).
fn not_an_answer(url: &str, kind: &str, error: serde_json::Error) -> Text {
    crate::text!(
        "advisory_api_not_an_answer",
        url = url,
        kind = kind,
        error = error
    )
}

fn cache_file(cache_dir: &Path, kind: &str, key: &str) -> PathBuf {
    let name = hex::encode(Sha256::digest(key.as_bytes()));
    cache_dir
        .join("advisories-v1")
        .join(kind)
        .join(format!("{}.json", &name[..32]))
}

fn query_json(
    ecosystem: &str,
    name: &str,
    version: &str,
    page_token: Option<&str>,
) -> serde_json::Value {
    let mut q = serde_json::json!({
        "package": {"name": name, "ecosystem": ecosystem},
        "version": version,
    });
    if let Some(token) = page_token {
        q["page_token"] = serde_json::Value::String(token.to_string());
    }
    q
}

/// Asks the API about `packages` (ecosystem, name, version). Returns the source's
/// description, the records, and the ecosystems every package of which was answered.
pub fn query(
    base: &str,
    packages: &[(Ecosystem, String, String)],
    http: Option<&Http>,
    cache_dir: Option<&Path>,
    offline: bool,
) -> (SourceInfo, Loaded, BTreeSet<Ecosystem>) {
    let base = base.trim_end_matches('/');
    let display = format!("OSV API {base}");
    let now = jiff::Timestamp::now().as_second();
    let mut info = SourceInfo {
        location: display.clone(),
        kind: SourceKind::OsvApi,
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
    };
    let mut loaded = Loaded::default();
    let key_of = |(e, n, v): &(Ecosystem, String, String)| {
        format!("{base}\n{}\n{n}\n{v}", osv_name(*e).unwrap_or_default())
    };
    // Answers from the cache, where they are fresh enough.
    let mut answers: Vec<Option<Vec<VulnRef>>> = packages
        .iter()
        .map(|p| {
            let path = cache_file(cache_dir?, "api-answers", &key_of(p));
            let cached: CachedAnswer = serde_json::from_slice(&std::fs::read(path).ok()?).ok()?;
            (offline || now - cached.at < ANSWER_TTL_SECONDS).then_some(cached.vulns)
        })
        .collect();
    let from_cache = answers.iter().filter(|a| a.is_some()).count();
    let missing: Vec<usize> = (0..packages.len())
        .filter(|&i| answers[i].is_none())
        .collect();
    // Why some packages have no answer, in translatable form (the German reports).
    let mut failure: Option<Text> = None;
    if !missing.is_empty() {
        match (http, offline) {
            (_, true) => {
                failure =
                    Some(Text::new("advisory_api_offline_never_asked").count("n", missing.len()));
            }
            (None, _) => failure = Some(Text::new("advisory_no_http_client")),
            (Some(http), false) => {
                for chunk in missing.chunks(BATCH) {
                    let queries: Vec<serde_json::Value> = chunk
                        .iter()
                        .map(|&i| {
                            let (e, n, v) = &packages[i];
                            query_json(osv_name(*e).unwrap_or_default(), n, v, None)
                        })
                        .collect();
                    let body = serde_json::json!({ "queries": queries }).to_string();
                    let url = format!("{base}/v1/querybatch");
                    let answer = http
                        .post_json(&url, body.as_bytes())
                        .map_err(|e| e.text())
                        .and_then(|f| {
                            serde_json::from_slice::<BatchAnswer>(&f.body)
                                .map_err(|e| not_an_answer(&url, "querybatch", e))
                        });
                    let answer = match answer {
                        Ok(a) if a.results.len() == chunk.len() => a,
                        Ok(a) => {
                            failure = Some(
                                crate::text!("advisory_api_answer_mismatch", url = url)
                                    .sub(
                                        "results",
                                        Text::new("advisory_api_results")
                                            .count("n", a.results.len()),
                                    )
                                    .sub(
                                        "queries",
                                        Text::new("advisory_api_queries").count("n", chunk.len()),
                                    ),
                            );
                            break;
                        }
                        Err(e) => {
                            failure = Some(e);
                            break;
                        }
                    };
                    for (&i, result) in chunk.iter().zip(answer.results) {
                        let mut vulns = result.vulns;
                        let mut token = result.next_page_token;
                        let (e, n, v) = &packages[i];
                        while let Some(t) = token.take() {
                            let body = query_json(osv_name(*e).unwrap_or_default(), n, v, Some(&t));
                            let url = format!("{base}/v1/query");
                            match http
                                .post_json(&url, body.to_string().as_bytes())
                                .map_err(|e| e.text())
                                .and_then(|f| {
                                    serde_json::from_slice::<QueryAnswer>(&f.body)
                                        .map_err(|e| not_an_answer(&url, "query", e))
                                }) {
                                Ok(page) => {
                                    vulns.extend(page.vulns);
                                    token = page.next_page_token;
                                }
                                Err(e) => {
                                    failure = Some(e);
                                    break;
                                }
                            }
                        }
                        if let Some(dir) = cache_dir {
                            let cached = CachedAnswer {
                                at: now,
                                vulns: vulns.clone(),
                            };
                            if let Ok(bytes) = serde_json::to_vec(&cached) {
                                let _ = crate::registry::http::write_atomically(
                                    &cache_file(dir, "api-answers", &key_of(&packages[i])),
                                    &bytes,
                                );
                            }
                        }
                        answers[i] = Some(vulns);
                    }
                }
            }
        }
    }
    // Every record named, once.
    let mut wanted: BTreeMap<String, Option<String>> = BTreeMap::new();
    for vulns in answers.iter().flatten() {
        for v in vulns {
            wanted
                .entry(v.id.clone())
                .or_insert_with(|| v.modified.clone());
        }
    }
    let fetched: Vec<(String, Result<Vec<u8>, DataProblemReason>)> = wanted
        .into_par_iter()
        .map(|(id, modified)| {
            let record_key = format!("{base}\n{id}");
            let cached = cache_dir.and_then(|dir| {
                let bytes = std::fs::read(cache_file(dir, "api-records", &record_key)).ok()?;
                let record: serde_json::Value = serde_json::from_slice(&bytes).ok()?;
                let same = modified.is_none()
                    || record.get("modified").and_then(|m| m.as_str()) == modified.as_deref();
                (same || offline).then_some(bytes)
            });
            if let Some(bytes) = cached {
                return (id, Ok(bytes));
            }
            let url = format!("{base}/v1/vulns/{id}");
            let result = match http {
                Some(http) if !offline => http
                    .get(&url, "application/json")
                    .map(|f| f.body)
                    .map_err(|e| DataProblemReason::Verbatim(e.to_string())),
                _ => Err(DataProblemReason::NotCached { url }),
            };
            if let (Ok(bytes), Some(dir)) = (&result, cache_dir) {
                let _ = crate::registry::http::write_atomically(
                    &cache_file(dir, "api-records", &record_key),
                    bytes,
                );
            }
            (id, result)
        })
        .collect();
    let mut unread = 0usize;
    for (id, bytes) in fetched {
        let file = format!("v1/vulns/{id}");
        match bytes
            .and_then(|b| osv::from_json(&b))
            .and_then(|r| osv::convert(r, &file))
        {
            Ok((advisory, problems)) => {
                loaded
                    .problems
                    .extend(problems.into_iter().map(|message| DataProblem {
                        source: display.clone(),
                        file: file.clone(),
                        reason: DataProblemReason::Verbatim(message),
                    }));
                loaded.advisories.push(advisory);
            }
            Err(reason) => {
                unread += 1;
                loaded.problems.push(DataProblem {
                    source: display.clone(),
                    file,
                    reason,
                });
            }
        }
    }
    // Covered: ecosystems every package of which was answered, and whose records were read.
    let mut covered: BTreeSet<Ecosystem> = packages.iter().map(|(e, _, _)| *e).collect();
    for (p, answer) in packages.iter().zip(&answers) {
        if answer.is_none() {
            covered.remove(&p.0);
        }
    }
    if unread > 0 {
        covered.clear();
        failure.get_or_insert_with(|| Text::new("advisory_api_records_unread").count("n", unread));
    }
    info.records = loaded.advisories.len();
    for e in &covered {
        let records = loaded
            .advisories
            .iter()
            .filter(|a| {
                a.affected
                    .iter()
                    .any(|x| super::db::ecosystem_of(&x.ecosystem) == Some(*e))
            })
            .count();
        info.ecosystems.insert(
            *e,
            super::db::EcosystemData {
                // Answered, even with no vulnerability: the ecosystem is covered.
                records: records.max(1),
                as_of: Some(crate::audit::timestamp()),
            },
        );
    }
    info.cached = from_cache == packages.len();
    info.as_of = Some(crate::audit::timestamp());
    info.as_of_basis = Some("asked".to_string());
    info.problems = loaded.problems.len();
    match failure {
        Some(why) if covered.is_empty() => info.fail(why),
        Some(why) => info.stale_because(why),
        None => {}
    }
    (info, loaded, covered)
}
