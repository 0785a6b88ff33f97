//! The vetting section: the indices asked, the packages by vetting status, the records used.

use super::*;

#[derive(Debug, Serialize)]
pub(super) struct VettingView {
    /// Whether any index was asked; without one, the section says so and nothing else.
    asked: bool,
    /// What the policy requires (`[vetting] require-vetted`), in words.
    requirement: String,
    indices: Vec<IndexRow>,
    counts: Vec<Count>,
    /// The components whose vetting needs a look: rejected, under review, approved for
    /// another archive, not certain.
    groups: Vec<VetGroup>,
    /// Every component with a decision in an index, with the decision's details.
    records: Vec<RecordRow>,
    big_records: bool,
}

#[derive(Debug, Serialize)]
pub(super) struct IndexRow {
    name: String,
    /// The index's own name (config.json) when it differs from the name the policy gives it.
    own_name: String,
    location: String,
    commit: String,
    precedence: String,
    kind: String,
    state_key: &'static str,
    state: String,
    answers: String,
}

#[derive(Debug, Serialize)]
pub(super) struct VetGroup {
    id: &'static str,
    title: String,
    count: String,
    meaning: String,
    todo: String,
    packages: Vec<VetPackage>,
}

#[derive(Debug, Serialize)]
pub(super) struct VetPackage {
    name: String,
    version: String,
    status_key: &'static str,
    status: String,
    by: String,
    detail: String,
}

#[derive(Debug, Serialize)]
pub(super) struct RecordRow {
    name: String,
    version: String,
    status_key: &'static str,
    decision: String,
    index: String,
    by: String,
    versions: String,
    licence: String,
    archive: String,
    notes: String,
}

/// A vetting status in words.
pub(super) fn vetting_status(status: VettingStatus, lang: Lang) -> String {
    tr(lang, &format!("vetting_status.{}", status.as_str()))
}

/// A decision in words (the statuses of the same names).
pub(super) fn decision_text(decision: Decision, lang: Lang) -> String {
    tr(lang, &format!("vetting_status.{}", decision.as_str()))
}

/// A record's date (`YYYY-MM-DD`) as the language writes dates.
pub(super) fn day(text: &str, lang: Lang) -> String {
    match (lang, text.parse::<jiff::civil::Date>()) {
        (Lang::De, Ok(date)) => date.strftime("%d.%m.%Y").to_string(),
        _ => text.to_string(),
    }
}

/// Who decided, when, in which index: `city: Erika Muster (Stadt Beispiel), 2026-01-01`.
pub(super) fn record_by(r: &VettingRecord, lang: Lang) -> String {
    fill(
        &tr(lang, "vetting.by"),
        &[
            ("index", &r.index),
            ("reviewer", &r.reviewer),
            ("organisation", &r.organisation),
            ("date", &day(&r.date, lang)),
        ],
    )
}

pub(super) fn archive_key(archive: ArchiveMatch) -> &'static str {
    match archive {
        ArchiveMatch::Matches => "matches",
        ArchiveMatch::Differs => "differs",
        ArchiveMatch::NotCompared => "not-compared",
        ArchiveMatch::NotRecorded => "not-recorded",
    }
}

/// The recorded licence, and whether the audit used it.
pub(super) fn record_licence(r: &VettingRecord, lang: Lang) -> String {
    let key = if r.licence_applied {
        "vetting.licence_used"
    } else {
        "vetting.licence_not_used"
    };
    fill(&tr(lang, key), &[("licence", &r.licence)])
}

/// Everything about a package's vetting beyond status and reviewer, in one line: the versions
/// the decision covers, the archive, the licence, the next review, the notes, and whether the
/// status is certain.
pub(super) fn vetting_detail(vetting: &crate::vet::Vetting, lang: Lang) -> String {
    let mut parts = Vec::new();
    if let Some(r) = &vetting.record {
        parts.push(fill(
            &tr(lang, "vetting.versions_text"),
            &[("versions", &r.versions)],
        ));
        parts.push(tr(lang, &format!("archive.{}", archive_key(r.archive))));
        parts.push(record_licence(r, lang));
        if let Some(review_by) = &r.review_by {
            parts.push(fill(
                &tr(lang, "vetting.review_by"),
                &[("date", &day(review_by, lang))],
            ));
        }
        if let Some(notes) = r.notes.as_deref().filter(|n| !n.trim().is_empty()) {
            parts.push(fill(&tr(lang, "vetting.notes_text"), &[("notes", notes)]));
        }
    }
    if !vetting.conclusive {
        parts.push(tr(lang, "vetting.not_certain"));
    }
    parts.join("; ")
}

pub(super) fn index_kind(kind: IndexKind) -> &'static str {
    match kind {
        IndexKind::Folder => "folder",
        IndexKind::Git => "git",
        IndexKind::Http => "http",
        IndexKind::Builtin => "builtin",
    }
}

pub(super) fn require_key(require: RequireVetted) -> &'static str {
    match require {
        RequireVetted::Off => "off",
        RequireVetted::Warn => "warn",
        RequireVetted::Deny => "deny",
    }
}

/// The vetting section: the indices asked, the counts by status, the components whose vetting
/// needs a look, and every decision the audit used.
pub(super) fn vetting(audit: &Audit, third_party: &[&AuditedPackage], lang: Lang) -> VettingView {
    let info = &audit.vetting;
    // Answers per index: the packages whose decision in force comes from it.
    let mut answers: HashMap<&str, usize> = HashMap::new();
    for p in third_party {
        if let Some(r) = &p.vetting.record {
            *answers.entry(r.index.as_str()).or_insert(0) += 1;
        }
    }
    let indices = info
        .indices
        .iter()
        .map(|l| {
            let (state_key, state) = match (l.failure(), l.staleness()) {
                (Some(why), _) => (
                    "failed",
                    fill(
                        &tr(lang, "vetting.state_failed"),
                        &[("reason", &why.render(lang))],
                    ),
                ),
                (None, Some(why)) => (
                    "stale",
                    fill(
                        &tr(lang, "vetting.state_stale"),
                        &[("reason", &why.render(lang))],
                    ),
                ),
                (None, None) => ("read", tr(lang, "vetting.state_read")),
            };
            IndexRow {
                name: l.name.clone(),
                own_name: l
                    .index_name
                    .as_ref()
                    .filter(|n| **n != l.name)
                    .map(|n| fill(&tr(lang, "vetting.own_name"), &[("name", n)]))
                    .unwrap_or_default(),
                // The built-in index's location says so in English; the kind column says it
                // in the report's language.
                location: if l.kind == IndexKind::Builtin {
                    fill(
                        &tr(lang, "vetting.builtin_location"),
                        &[("version", audit.tool.version)],
                    )
                } else {
                    l.location.clone()
                },
                commit: l
                    .commit
                    .as_ref()
                    .map(|c| fill(&tr(lang, "vetting.commit"), &[("commit", c)]))
                    .unwrap_or_default(),
                precedence: l.precedence.to_string(),
                kind: tr(lang, &format!("index_kind.{}", index_kind(l.kind))),
                state_key,
                state,
                answers: number(answers.get(l.name.as_str()).copied().unwrap_or(0), lang),
            }
        })
        .collect();
    let counts = audit
        .summary
        .by_vetting
        .iter()
        .filter(|(_, n)| **n > 0)
        .map(|(status, n)| Count {
            key: status.as_str(),
            label: vetting_status(*status, lang),
            value: number(*n, lang),
        })
        .collect();

    // The components whose vetting needs a look, each in the first group it fits.
    let mut members: BTreeMap<usize, Vec<&AuditedPackage>> = BTreeMap::new();
    for p in third_party {
        let v = &p.vetting;
        let group =
            if v.status == VettingStatus::Rejected {
                Some(0)
            } else if !v.conclusive || v.status == VettingStatus::Unknown {
                Some(1)
            } else if v.status == VettingStatus::UnderReview {
                Some(2)
            } else if v.record.as_ref().is_some_and(|r| {
                r.decision == Decision::Approved && r.archive == ArchiveMatch::Differs
            }) {
                Some(3)
            } else {
                None
            };
        if let Some(g) = group {
            members.entry(g).or_default().push(p);
        }
    }
    const GROUPS: [&str; 4] = ["rejected", "uncertain", "under-review", "archive"];
    let groups = members
        .into_iter()
        .map(|(g, packages)| {
            let id = GROUPS[g];
            let key = id.replace('-', "_");
            VetGroup {
                id,
                title: tr(lang, &format!("vetting.{key}_title")),
                count: trn(lang, "group.count", packages.len()),
                meaning: tr(lang, &format!("vetting.{key}_meaning")),
                todo: tr(lang, &format!("vetting.{key}_todo")),
                packages: packages
                    .iter()
                    .map(|p| VetPackage {
                        name: p.package.name.clone(),
                        version: p.package.version.clone(),
                        status_key: p.vetting.status.as_str(),
                        status: vetting_status(p.vetting.status, lang),
                        by: p
                            .vetting
                            .record
                            .as_ref()
                            .map(|r| record_by(r, lang))
                            .unwrap_or_default(),
                        detail: if p.vetting.conclusive {
                            vetting_detail(&p.vetting, lang)
                        } else {
                            // Why it is not certain: the indices' errors, as the audit words
                            // them.
                            let mut detail = vetting_detail(&p.vetting, lang);
                            if !p.vetting.error_texts.is_empty() {
                                let errors: Vec<String> = p
                                    .vetting
                                    .error_texts
                                    .iter()
                                    .map(|e| e.render(lang))
                                    .collect();
                                detail.push_str(": ");
                                detail.push_str(&errors.join("; "));
                            }
                            detail
                        },
                    })
                    .collect(),
            }
        })
        .collect();

    let records: Vec<RecordRow> = third_party
        .iter()
        .filter_map(|p| {
            let r = p.vetting.record.as_ref()?;
            let mut decision = decision_text(r.decision, lang);
            // An approval that does not count, or a status the indices leave uncertain.
            if p.vetting.status.as_str() != r.decision.as_str() {
                decision.push_str(&fill(
                    &tr(lang, "vetting.counts_as"),
                    &[("status", &vetting_status(p.vetting.status, lang))],
                ));
            }
            if r.superseded > 0 {
                decision.push_str(&fill(
                    &tr(lang, "vetting.superseded"),
                    &[("n", &number(r.superseded, lang))],
                ));
            }
            let mut by = fill(
                &tr(lang, "vetting.reviewer"),
                &[
                    ("reviewer", &r.reviewer),
                    ("organisation", &r.organisation),
                    ("date", &day(&r.date, lang)),
                ],
            );
            if let Some(review_by) = &r.review_by {
                by.push_str("; ");
                by.push_str(&fill(
                    &tr(lang, "vetting.review_by"),
                    &[("date", &day(review_by, lang))],
                ));
            }
            Some(RecordRow {
                name: p.package.name.clone(),
                version: p.package.version.clone(),
                status_key: p.vetting.status.as_str(),
                decision,
                index: format!("{} ({}:{})", r.index, r.file, r.line),
                by,
                versions: r.versions.clone(),
                licence: record_licence(r, lang),
                archive: tr(lang, &format!("archive.{}", archive_key(r.archive))),
                notes: r.notes.clone().unwrap_or_default(),
            })
        })
        .collect();
    VettingView {
        asked: !info.indices.is_empty(),
        requirement: tr(
            lang,
            &format!("vetting.require_{}", require_key(info.require_vetted)),
        ),
        indices,
        counts,
        groups,
        big_records: records.len() > BIG_TABLE,
        records,
    }
}
