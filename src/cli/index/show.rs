//! `fundament index show` and `fundament index search`: decisions in the configured indices,
//! with the indices' names, reviewers, dates and signatures.

use super::super::EXIT_INPUT;
use super::{IndicesArgs, OutputFormat, open_indices};
use crate::index::layout::split_purl;
use crate::index::record;
use crate::index::source::BUILTIN;
use crate::index::{Decided, Layered};
use clap::Args;
use std::path::Path;

#[derive(Debug, Args)]
pub struct ShowArgs {
    /// The package's purl (a version, if given, is the version to answer for).
    pub purl: String,
    /// The version to tell the decision in force for (default: every version named by a
    /// record).
    #[arg(long)]
    pub version: Option<String>,
    #[command(flatten)]
    pub indices: IndicesArgs,
    #[arg(long, value_enum, default_value_t = OutputFormat::Human)]
    pub format: OutputFormat,
}

#[derive(Debug, Args)]
pub struct SearchArgs {
    /// A part of the package name (case-insensitive).
    pub term: String,
    #[command(flatten)]
    pub indices: IndicesArgs,
    #[arg(long, value_enum, default_value_t = OutputFormat::Human)]
    pub format: OutputFormat,
}

pub fn show(args: &ShowArgs) -> Result<u8, String> {
    let (id, purl_version) = split_purl(&args.purl).map_err(|e| e.to_string())?;
    let layered = open_indices(&args.indices)?;
    let (records, errors) = layered.records_of(&args.purl).map_err(|e| e.to_string())?;
    let mut versions: Vec<String> = match args.version.clone().or(purl_version) {
        Some(v) => vec![v],
        None => {
            let mut v: Vec<String> = records
                .iter()
                .filter_map(|d| d.record.version.clone())
                .collect();
            v.sort_by(
                |a, b| match (record::lenient_semver(a), record::lenient_semver(b)) {
                    (Some(x), Some(y)) => x.cmp(&y),
                    _ => a.cmp(b),
                },
            );
            v.dedup();
            v
        }
    };
    versions.dedup();
    let queries: Vec<(&str, &str)> = versions
        .iter()
        .map(|v| (args.purl.as_str(), v.as_str()))
        .collect();
    let lookups = layered.lookup_many(&queries);

    if args.format == OutputFormat::Json {
        let in_force: Vec<serde_json::Value> = versions
            .iter()
            .zip(&lookups)
            .map(|(v, l)| {
                serde_json::json!({
                    "version": v,
                    "answer": l.answer,
                    "conclusive": l.conclusive(),
                    "errors": l.errors,
                })
            })
            .collect();
        let out = serde_json::json!({
            "purl": id.purl(),
            "indices": layered.layers(),
            "records": records,
            "in-force": in_force,
            "errors": errors,
        });
        println!("{}", serde_json::to_string_pretty(&out).unwrap_or_default());
        return Ok(if errors.is_empty() { 0 } else { EXIT_INPUT });
    }

    crate::safe_println!("{}", id.purl());
    if records.is_empty() {
        crate::safe_println!("  no decisions in {}", describe_layers(&layered));
    } else {
        crate::safe_println!("  decisions (file order, per index):");
        for d in &records {
            crate::safe_println!("    {}", describe(d));
        }
    }
    if !versions.is_empty() {
        crate::safe_println!("  in force:");
        for (version, lookup) in versions.iter().zip(&lookups) {
            match &lookup.answer {
                Some(answer) => crate::safe_println!(
                    "    {version}: {} by {}, {} on {}, index `{}` {}:{}{}{}",
                    match answer.approvals {
                        Some(a) if answer.decision() != answer.record.decision => format!(
                            "{} ({}, {} of {} approvals) ({})",
                            answer.decision(),
                            answer.record.decision,
                            a.given,
                            a.needed,
                            answer.record.licence
                        ),
                        _ => format!("{} ({})", answer.record.decision, answer.record.licence),
                    },
                    answer.record.reviewer,
                    answer.record.organisation,
                    answer.record.date,
                    answer.index_name,
                    answer.file,
                    answer.line,
                    if answer.signers.is_empty() {
                        String::new()
                    } else {
                        format!(
                            "; signed by {}",
                            answer
                                .signers
                                .iter()
                                .map(|s| s.owner.as_str())
                                .collect::<Vec<_>>()
                                .join(", ")
                        )
                    },
                    if answer.superseded.is_empty() {
                        String::new()
                    } else {
                        format!("; supersedes {}", answer.superseded.len())
                    }
                ),
                None => crate::safe_println!("    {version}: not vetted"),
            }
            if !lookup.conclusive() {
                crate::safe_println!(
                    "      (not certain: an index that could change this could not be read)"
                );
            }
        }
    }
    for error in &errors {
        crate::safe_eprintln!("error: {error}");
    }
    Ok(if errors.is_empty() { 0 } else { EXIT_INPUT })
}

fn describe(d: &Decided) -> String {
    let r = &d.record;
    let mut text = format!(
        "[{}] {}:{}  {}  {}  {}  by {}, {}",
        d.index_name,
        d.file,
        d.line,
        r.date,
        versions_of(r),
        decision_of(d),
        r.reviewer,
        r.organisation
    );
    text.push_str(&signed_by(d));
    if let Some(review_by) = &r.review_by {
        text.push_str(&format!("; review by {review_by}"));
    }
    if let Some(reason) = &r.no_evidence {
        text.push_str(&format!("; no evidence: {reason}"));
    }
    if let Some(notes) = &r.notes {
        text.push_str(&format!("; {notes}"));
    }
    text
}

fn versions_of(r: &crate::index::Record) -> String {
    match (&r.version, &r.versions) {
        (Some(v), _) => v.clone(),
        (None, Some(range)) => format!("versions {range}"),
        _ => String::new(),
    }
}

/// `approved (MIT)`, or `under-review (approved, 1 of 2 approvals) (MIT)`.
fn decision_of(d: &Decided) -> String {
    let r = &d.record;
    match d.approvals {
        Some(a) if d.decision() != r.decision => format!(
            "{} ({}, {} of {} approvals) ({})",
            d.decision(),
            r.decision,
            a.given,
            a.needed,
            r.licence
        ),
        _ => format!("{} ({})", r.decision, r.licence),
    }
}

/// `; signed by Ann Example, Bob Example`, or why the signatures do not count.
fn signed_by(d: &Decided) -> String {
    if !d.signature_problems.is_empty() {
        return format!("; {}", d.signature_problems.join("; "));
    }
    if d.signers.is_empty() {
        return String::new();
    }
    format!(
        "; signed by {}",
        d.signers
            .iter()
            .map(|s| s.owner.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    )
}

/// The newest record per `version`/`versions` text, per index, in file order of first
/// appearance: what a package's file says now.
fn current(records: &[Decided]) -> Vec<&Decided> {
    let mut order: Vec<(String, String)> = Vec::new();
    let mut newest: std::collections::HashMap<(String, String), &Decided> = Default::default();
    for d in records {
        let key = (d.index_name.clone(), d.record.versions_text().to_string());
        if !newest.contains_key(&key) {
            order.push(key.clone());
        }
        newest.insert(key, d);
    }
    order
        .iter()
        .filter_map(|k| newest.get(k).copied())
        .collect()
}

fn describe_layers(layered: &Layered) -> String {
    layered
        .layers()
        .iter()
        .map(|l| format!("`{}`", l.name))
        .collect::<Vec<_>>()
        .join(", ")
}

pub fn search(args: &SearchArgs) -> Result<u8, String> {
    let layered = open_indices(&args.indices)?;
    let term = args.term.to_lowercase();
    let mut hits: Vec<(String, String, String)> = Vec::new();
    let mut skipped = Vec::new();
    let listable = layered.listable();
    for layer in layered.layers() {
        if layer.failed.is_some() {
            continue;
        }
        match listable.iter().find(|(l, _)| l.name == layer.name) {
            None => skipped.push(layer.name.clone()),
            Some((_, folder)) => {
                for rel in record_files(folder.as_deref()) {
                    let Ok(id) = crate::index::layout::package_of_path(&rel) else {
                        continue;
                    };
                    if id.full_name().to_lowercase().contains(&term) {
                        hits.push((id.purl(), layer.name.clone(), rel));
                    }
                }
            }
        }
    }
    hits.sort();
    hits.dedup();
    let mut errors = Vec::new();
    let mut decisions: std::collections::HashMap<String, Vec<Decided>> = Default::default();
    for (purl, _, _) in &hits {
        if decisions.contains_key(purl) {
            continue;
        }
        match layered.records_of(purl) {
            Ok((records, problems)) => {
                errors.extend(problems.into_iter().map(|p| p.to_string()));
                decisions.insert(purl.clone(), records);
            }
            Err(e) => errors.push(e.to_string()),
        }
    }
    let of = |purl: &str, index: &str| -> Vec<Decided> {
        let all = decisions.get(purl).map(Vec::as_slice).unwrap_or_default();
        let here: Vec<Decided> = all
            .iter()
            .filter(|d| d.index_name == index)
            .cloned()
            .collect();
        current(&here).into_iter().cloned().collect()
    };
    if args.format == OutputFormat::Json {
        let out: Vec<serde_json::Value> = hits
            .iter()
            .map(|(purl, index, file)| {
                let now: Vec<serde_json::Value> = of(purl, index)
                    .iter()
                    .map(|d| {
                        serde_json::json!({
                            "versions": d.record.versions_text(),
                            "decision": d.decision(),
                            "recorded-decision": d.record.decision,
                            "licence": d.record.licence,
                            "reviewer": d.record.reviewer,
                            "organisation": d.record.organisation,
                            "date": d.record.date,
                            "line": d.line,
                            "signers": d.signers.iter().map(|s| s.owner.clone()).collect::<Vec<_>>(),
                            "approvals": d.approvals,
                            "signature-problems": d.signature_problems,
                        })
                    })
                    .collect();
                serde_json::json!({"purl": purl, "index": index, "file": file, "decisions": now})
            })
            .collect();
        println!(
            "{}",
            serde_json::to_string_pretty(&serde_json::json!({
                "matches": out,
                "not-searched": skipped,
                "errors": errors,
            }))
            .unwrap_or_default()
        );
    } else {
        for (purl, index, _) in &hits {
            crate::safe_println!("{purl}  [{index}]");
            for d in of(purl, index) {
                crate::safe_println!(
                    "    {}  {}  by {}, {} on {}{}",
                    versions_of(&d.record),
                    decision_of(&d),
                    d.record.reviewer,
                    d.record.organisation,
                    d.record.date,
                    signed_by(&d)
                );
            }
        }
        if hits.is_empty() {
            crate::safe_println!("no package name contains `{}`", args.term);
        }
    }
    for error in &errors {
        crate::safe_eprintln!("error: {error}");
    }
    for name in &skipped {
        crate::safe_eprintln!(
            "note: the index `{name}` is served over HTTP and cannot be listed; it was not searched (use `fundament index show PURL` for one package)"
        );
    }
    Ok(0)
}

/// The record files of a folder index (or of the built-in index, for `None`), relative paths.
fn record_files(folder: Option<&Path>) -> Vec<String> {
    match folder {
        Some(root) => crate::index::source::record_files(root)
            .into_iter()
            .map(|(rel, _)| rel)
            .collect(),
        None => {
            fn walk(dir: &include_dir::Dir<'_>, out: &mut Vec<String>) {
                for file in dir.files() {
                    out.push(file.path().to_string_lossy().replace('\\', "/"));
                }
                for sub in dir.dirs() {
                    walk(sub, out);
                }
            }
            let mut out = Vec::new();
            walk(&BUILTIN, &mut out);
            out
        }
    }
}
