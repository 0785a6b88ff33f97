//! `fundament notices`: the third-party attribution file, as plain text, Markdown or HTML.
//!
//! One entry per delivered component, sorted by name; components whose entries would be
//! byte-identical (the same licence, copyright lines, licence texts and NOTICE files) share
//! one entry. Each entry carries:
//!
//! - the licence the component is used under (the effective licence);
//! - the component's own copyright lines, from its licence and NOTICE files (lines that belong
//!   to a licence's own text, such as the GPL's "Copyright (C) 2007 Free Software Foundation",
//!   are not the component's);
//! - the licence texts as found in the package (files.rs says where package files come from);
//! - the SPDX reference text of each licence the package ships no text of, marked as such and
//!   printed once in an appendix;
//! - the component's NOTICE files, which Apache-2.0 and others ask to be passed on.
//!
//! Only delivered components are listed by default: the project's own packages, packages the
//! policy skips and packages used only to build, test or develop are left out, and the file
//! says how many. A component without a copyright notice or without a licence text of its own
//! is a shortfall (`N001`, `N002`) that the command reports, and that `--strict` makes fail.

mod files;

use super::html::{self, fill, tr, trn, used_expression};
use crate::audit::{Audit, AuditedPackage};
use crate::diagnostic::Code;
use crate::licence::NOASSERTION;
use crate::licence::detect::FileKind;
use crate::licence::expression::{Tree, licence_ids};
use crate::licence::facts;
use crate::licence::obligations::Lang;
use crate::policy::evaluate::Status;
use files::{PackageFile, matched_lines, package_copyrights, package_files};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

/// The formats of `fundament notices`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum NoticesFormat {
    /// Plain text, as a NOTICE or THIRD-PARTY-NOTICES file.
    Text,
    /// Markdown, for a repository or a wiki.
    Markdown,
    /// One self-contained HTML page.
    Html,
}

/// Which components the file lists.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Selection {
    /// Also components that are not delivered (used only to build, test or develop).
    pub all_scopes: bool,
}

/// A component the file lists without a copyright notice or without a licence text of its
/// own.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Shortfall {
    pub code: &'static str,
    pub purl: String,
    pub message: String,
}

/// The attribution file and what it lacks.
#[derive(Debug, Clone)]
pub struct Notices {
    pub text: String,
    pub shortfalls: Vec<Shortfall>,
}

/// Whether a component ships with the product: the policy's `[dependencies]` treatment of its
/// usages decided it (`verdict.delivered`; by default, what is used only to build, test or
/// develop is not delivered).
fn delivered(p: &AuditedPackage) -> bool {
    p.verdict.delivered
}

/// Renders the attribution file of `audit`.
pub fn render(audit: &Audit, format: NoticesFormat, lang: Lang, selection: Selection) -> Notices {
    let (view, shortfalls) = view(audit, lang, selection);
    let template = match format {
        NoticesFormat::Text => "notices.txt",
        NoticesFormat::Markdown => "notices.md",
        NoticesFormat::Html => "notices.html",
    };
    Notices {
        text: html::render_template(template, lang, &view),
        shortfalls,
    }
}

#[derive(Debug, Serialize)]
struct View {
    lang: &'static str,
    title: String,
    intro: String,
    generated: String,
    left_out: Vec<String>,
    index: Vec<IndexRow>,
    entries: Vec<Entry>,
    texts: Vec<LicenceText>,
    undetermined: Vec<Component>,
}

#[derive(Debug, Serialize)]
struct IndexRow {
    name: String,
    version: String,
    ecosystem: String,
    licence: String,
    /// The `OR` choices that made the licence the component is listed under, and why.
    choice: String,
    anchor: String,
}

#[derive(Debug, Clone, Serialize)]
struct Entry {
    anchor: String,
    heading: String,
    components: Vec<Component>,
    licence: String,
    copyrights: Vec<String>,
    texts: Vec<OwnText>,
    references: Vec<TextRef>,
    notice_files: Vec<OwnText>,
    missing: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
struct Component {
    name: String,
    version: String,
    ecosystem: String,
    purl: String,
    reason: String,
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq, PartialOrd, Ord)]
struct TextRef {
    id: String,
    anchor: String,
    note: String,
}

#[derive(Debug, Clone, Serialize)]
struct OwnText {
    title: String,
    text: String,
    fence: String,
}

#[derive(Debug, Serialize)]
struct LicenceText {
    id: String,
    anchor: String,
    name: String,
    exception: bool,
    text: String,
    fence: String,
}

fn anchor(prefix: &str, id: &str) -> String {
    let cleaned: String = id
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '.' || c == '-' {
                c
            } else {
                '-'
            }
        })
        .collect();
    format!("{prefix}-{cleaned}")
}

/// A Markdown code fence longer than any run of backticks in `text`.
fn fence(text: &str) -> String {
    let mut longest = 0;
    let mut run = 0;
    for c in text.chars() {
        if c == '`' {
            run += 1;
            longest = longest.max(run);
        } else {
            run = 0;
        }
    }
    "`".repeat((longest + 1).max(3))
}

fn component(p: &AuditedPackage) -> Component {
    Component {
        name: p.package.name.clone(),
        version: p.package.version.clone(),
        ecosystem: p.package.ecosystem.to_string(),
        purl: p.package.purl.clone(),
        reason: p.licence.concluded.explanation.clone(),
    }
}

fn lang_code(lang: Lang) -> &'static str {
    match lang {
        Lang::En => "en",
        Lang::De => "de",
    }
}

/// What one component's entry says, before components with identical entries are merged.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Content {
    licence: String,
    copyrights: Vec<String>,
    /// (file, text) of the licence texts as shipped.
    texts: Vec<(String, String)>,
    /// SPDX ids whose reference text stands in for a text the package does not ship.
    references: Vec<String>,
    /// Licences with no text at all.
    missing: Vec<String>,
    notice_files: Vec<(String, String)>,
}

impl Content {
    /// What makes two entries the same: everything but the names of the files the texts came
    /// from.
    fn key(&self) -> String {
        let texts: Vec<&str> = self.texts.iter().map(|(_, t)| t.as_str()).collect();
        let notices: Vec<&str> = self.notice_files.iter().map(|(_, t)| t.as_str()).collect();
        format!(
            "{:?}",
            (
                &self.licence,
                &self.copyrights,
                texts,
                &self.references,
                &self.missing,
                notices
            )
        )
    }
}

fn view(audit: &Audit, lang: Lang, selection: Selection) -> (View, Vec<Shortfall>) {
    let project = html::project_name(audit);
    let third_party = audit.packages.iter().filter(|p| !p.package.root);
    let skipped = third_party
        .clone()
        .filter(|p| p.verdict.status == Status::Skipped)
        .count();
    let undelivered = third_party
        .clone()
        .filter(|p| p.verdict.status != Status::Skipped && !delivered(p))
        .count();
    let mut listed: Vec<&AuditedPackage> = third_party
        .filter(|p| p.verdict.status != Status::Skipped)
        .filter(|p| selection.all_scopes || delivered(p))
        .collect();
    listed.sort_by_key(|p| order(p));

    // Each component's content, then components with the same content merged, in name order.
    let contents: Vec<Content> = listed.iter().map(|p| content(p)).collect();
    let mut shortfalls = Vec::new();
    for (p, c) in listed.iter().zip(&contents) {
        shortfalls.extend(shortfalls_of(p, c));
    }
    let mut merged: Vec<(Content, Vec<&AuditedPackage>)> = Vec::new();
    let mut position: BTreeMap<String, usize> = BTreeMap::new();
    for (p, c) in listed.iter().zip(contents) {
        let key = c.key();
        match position.get(&key) {
            Some(&i) => {
                let (existing, members) = &mut merged[i];
                for (mine, theirs) in existing.texts.iter_mut().zip(&c.texts) {
                    add_file_name(&mut mine.0, &theirs.0);
                }
                for (mine, theirs) in existing.notice_files.iter_mut().zip(&c.notice_files) {
                    add_file_name(&mut mine.0, &theirs.0);
                }
                members.push(p);
            }
            None => {
                position.insert(key, merged.len());
                merged.push((c, vec![p]));
            }
        }
    }

    let mut reference_ids: BTreeSet<String> = BTreeSet::new();
    let mut index = Vec::new();
    let mut undetermined = Vec::new();
    let entries: Vec<Entry> = merged
        .into_iter()
        .enumerate()
        .map(|(i, (c, members))| {
            let anchor = format!("entry-{}", i + 1);
            for p in &members {
                index.push(IndexRow {
                    name: p.package.name.clone(),
                    version: p.package.version.clone(),
                    ecosystem: p.package.ecosystem.to_string(),
                    licence: shown_licence(&c.licence, lang),
                    choice: p
                        .verdict
                        .choices
                        .iter()
                        .map(|c| c.to_string())
                        .collect::<Vec<_>>()
                        .join("; "),
                    anchor: anchor.clone(),
                });
                if c.licence == NOASSERTION {
                    undetermined.push(component(p));
                }
            }
            reference_ids.extend(c.references.iter().cloned());
            entry(anchor, c, &members, lang)
        })
        .collect();

    index.sort_by(|a, b| {
        (a.name.to_lowercase(), &a.name, &a.version, &a.ecosystem).cmp(&(
            b.name.to_lowercase(),
            &b.name,
            &b.version,
            &b.ecosystem,
        ))
    });
    undetermined.sort_by(|a, b| {
        (a.name.to_lowercase(), &a.version).cmp(&(b.name.to_lowercase(), &b.version))
    });

    let texts = reference_ids
        .into_iter()
        .filter_map(|id| {
            if let Some(l) = spdx::license_id(&id) {
                Some(LicenceText {
                    anchor: anchor("licence", &id),
                    name: l.full_name.to_string(),
                    exception: false,
                    text: l.text().trim_end().to_string(),
                    fence: fence(l.text()),
                    id,
                })
            } else {
                spdx::exception_id(&id).map(|e| LicenceText {
                    anchor: anchor("licence", &id),
                    name: e.name.to_string(),
                    exception: true,
                    text: e.text().trim_end().to_string(),
                    fence: fence(e.text()),
                    id,
                })
            }
        })
        .collect();

    let mut left_out = Vec::new();
    if skipped > 0 {
        left_out.push(trn(lang, "notices.skipped", skipped));
    }
    if undelivered > 0 && !selection.all_scopes {
        left_out.push(trn(lang, "notices.undelivered", undelivered));
    }
    let view = View {
        lang: lang_code(lang),
        title: format!("{}: {project}", tr(lang, "notices.title")),
        intro: if listed.is_empty() {
            tr(lang, "notices.none")
        } else {
            fill(&tr(lang, "notices.intro"), &[("project", &project)])
        },
        generated: fill(
            &tr(lang, "notices.generated"),
            &[
                ("tool", audit.tool.name),
                ("version", audit.tool.version),
                ("date", &html::date(&audit.created, lang)),
                ("policy", &audit.policy.name),
            ],
        ),
        left_out,
        index,
        entries,
        texts,
        undetermined,
    };
    (view, shortfalls)
}

/// Name order, case-insensitive, then version and ecosystem.
fn order(p: &AuditedPackage) -> (String, String, String, String) {
    (
        p.package.name.to_lowercase(),
        p.package.name.clone(),
        p.package.version.clone(),
        p.package.ecosystem.to_string(),
    )
}

fn add_file_name(names: &mut String, name: &str) {
    if !names.split(", ").any(|n| n == name) {
        names.push_str(", ");
        names.push_str(name);
    }
}

fn shown_licence(licence: &str, lang: Lang) -> String {
    if licence == NOASSERTION {
        tr(lang, "notices.not_determined")
    } else {
        licence.to_string()
    }
}

/// The licence ids and exception names an expression uses, in the order written.
fn ids_and_additions(expression: &str) -> (Vec<String>, Vec<String>) {
    let mut ids: Vec<String> = Vec::new();
    let mut additions: Vec<String> = Vec::new();
    if let Ok(tree) = Tree::parse(expression) {
        for req in tree.licences() {
            let id = facts::licence_name(&req.license);
            if !ids.contains(&id) {
                ids.push(id);
            }
            if let Some(addition) = &req.addition {
                let name = match addition {
                    spdx::AdditionItem::Spdx(e) => e.name.to_string(),
                    spdx::AdditionItem::Other(r) => format!("AdditionRef-{}", r.add_ref),
                };
                if !additions.contains(&name) {
                    additions.push(name);
                }
            }
        }
    }
    (ids, additions)
}

/// One component's entry content: its licence, copyright lines and texts.
fn content(p: &AuditedPackage) -> Content {
    let expression = used_expression(p);
    let known = expression != NOASSERTION && Tree::parse(expression).is_ok();
    let licence = if known { expression } else { NOASSERTION };
    let files = package_files(p);
    let copyrights = package_copyrights(&files);
    let notice_files = files
        .iter()
        .filter(|f| f.kind == FileKind::Notice)
        .map(|f| (f.path.clone(), f.text.trim_end().to_string()))
        .collect();
    let licence_files: Vec<&PackageFile> = files
        .iter()
        .filter(|f| f.kind == FileKind::Licence)
        .collect();
    if !known {
        return Content {
            licence: licence.to_string(),
            copyrights,
            texts: licence_files
                .iter()
                .map(|f| (f.path.clone(), f.text.trim_end().to_string()))
                .collect(),
            references: Vec::new(),
            missing: Vec::new(),
            notice_files,
        };
    }
    let (ids, additions) = ids_and_additions(licence);
    let used: BTreeSet<String> = ids.iter().cloned().collect();

    // The package's own texts of the licences it is used under: files that state one of them
    // (only the parts that do, when a file holds other licences too), files detection could
    // not identify, or, when no file states one, every licence file.
    let stating: Vec<&PackageFile> = licence_files
        .iter()
        .copied()
        .filter(|f| f.ids().iter().any(|id| used.contains(id)))
        .collect();
    let chosen: Vec<&PackageFile> = if stating.is_empty() {
        licence_files.clone()
    } else {
        licence_files
            .iter()
            .copied()
            .filter(|f| f.ids().is_empty() || f.ids().iter().any(|id| used.contains(id)))
            .collect()
    };
    let mut covered: BTreeSet<String> = BTreeSet::new();
    let mut texts = Vec::new();
    for f in chosen {
        let file_ids = f.ids();
        let text = if file_ids.iter().all(|id| used.contains(id)) {
            f.text.trim_end().to_string()
        } else {
            matched_lines(
                &f.text,
                f.matches.iter().filter(|m| {
                    licence_ids(&m.expression)
                        .iter()
                        .any(|id| used.contains(id))
                }),
            )
        };
        if text.trim().is_empty() {
            continue;
        }
        covered.extend(file_ids.into_iter().filter(|id| used.contains(id)));
        for addition in &additions {
            if f.matches
                .iter()
                .any(|m| m.expression.contains(addition.as_str()))
            {
                covered.insert(addition.clone());
            }
        }
        texts.push((f.path.clone(), text));
    }
    let mut references = Vec::new();
    let mut missing = Vec::new();
    for id in ids.iter().chain(additions.iter()) {
        if covered.contains(id) {
            continue;
        }
        if spdx::license_id(id).is_some() || spdx::exception_id(id).is_some() {
            references.push(id.clone());
        } else {
            missing.push(id.clone());
        }
    }
    Content {
        licence: licence.to_string(),
        copyrights,
        texts,
        references,
        missing,
        notice_files,
    }
}

fn shortfalls_of(p: &AuditedPackage, c: &Content) -> Vec<Shortfall> {
    let name = format!(
        "{} {} ({})",
        p.package.name, p.package.version, p.package.ecosystem
    );
    let why = if p.package.dir.is_none() {
        "; its files are not available to fundament (install the dependencies, or vendor them)"
    } else {
        ""
    };
    let mut out = Vec::new();
    if c.copyrights.is_empty() {
        out.push(Shortfall {
            code: Code::NoticeCopyrightMissing.as_str(),
            purl: p.package.purl.clone(),
            message: format!("{name}: no copyright notice found in its licence files{why}"),
        });
    }
    if c.texts.is_empty() {
        let what = if c.licence == NOASSERTION {
            "its licence is not determined".to_string()
        } else if !c.missing.is_empty() {
            format!("no text is available for {}", c.missing.join(", "))
        } else {
            format!(
                "the SPDX reference text of {} stands in",
                c.references.join(", ")
            )
        };
        out.push(Shortfall {
            code: Code::NoticeTextMissing.as_str(),
            purl: p.package.purl.clone(),
            message: format!("{name}: ships no licence text of its own; {what}{why}"),
        });
    }
    out
}

fn entry(anchor_id: String, c: Content, members: &[&AuditedPackage], lang: Lang) -> Entry {
    let components: Vec<Component> = members.iter().map(|p| component(p)).collect();
    let heading = components
        .iter()
        .map(|c| format!("{} {}", c.name, c.version))
        .collect::<Vec<_>>()
        .join(", ");
    let own = |files: &str, text: String, key: &str| OwnText {
        title: fill(&tr(lang, key), &[("file", files)]),
        fence: fence(&text),
        text,
    };
    Entry {
        anchor: anchor_id,
        heading,
        licence: fill(
            &tr(lang, "notices.licence"),
            &[("licence", &shown_licence(&c.licence, lang))],
        ),
        copyrights: c.copyrights,
        texts: c
            .texts
            .into_iter()
            .map(|(files, text)| own(&files, text, "notices.own_text"))
            .collect(),
        references: c
            .references
            .iter()
            .map(|id| TextRef {
                anchor: anchor("licence", id),
                note: fill(&tr(lang, "notices.reference"), &[("licence", id)]),
                id: id.clone(),
            })
            .collect(),
        notice_files: c
            .notice_files
            .into_iter()
            .map(|(files, text)| own(&files, text, "notices.notice_file"))
            .collect(),
        missing: c
            .missing
            .iter()
            .map(|id| fill(&tr(lang, "notices.not_available"), &[("licence", id)]))
            .collect(),
        components,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fences_outgrow_the_text() {
        assert_eq!(fence("plain"), "```");
        assert_eq!(fence("a ```` b"), "`````");
    }

    #[test]
    fn licence_ids_and_exceptions_in_written_order() {
        let (ids, additions) =
            ids_and_additions("MIT OR (GPL-2.0-or-later WITH Classpath-exception-2.0)");
        assert_eq!(ids, ["MIT", "GPL-2.0-or-later"]);
        assert_eq!(additions, ["Classpath-exception-2.0"]);
    }
}
