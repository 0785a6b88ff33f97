//! `fundament notices`: the third-party attribution file, as plain text, Markdown or HTML.
//!
//! The components the audit checked (not the project's own packages; packages the policy
//! skips are left out, and the file says how many) are grouped by the licence they are used
//! under (the effective licence). Each group lists its components, the copyright lines found in
//! their own licence files, and which licence texts apply; every licence text then follows once:
//! from the SPDX licence list for SPDX ids, from the package's own licence file for other
//! licences (`LicenseRef-...`), or a line saying that the text is not available; the
//! components' NOTICE files are passed on too. Packages whose
//! licence is unknown are listed in a final section of their own, never dropped.
//!
//! Files are read only inside the package's own directory (`package.dir`), and only those the
//! audit recorded as licence evidence (`licence.detected`).

use super::html::{self, fill, tr, trn, used_expression};
use crate::audit::{Audit, AuditedPackage};
use crate::licence::NOASSERTION;
use crate::licence::detect::FileKind;
use crate::licence::expression::{Tree, licence_ids};
use crate::licence::facts;
use crate::licence::obligations::Lang;
use crate::policy::evaluate::Status;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::path::{Component as PathPart, Path};

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

/// Renders the attribution file of `audit`.
pub fn render(audit: &Audit, format: NoticesFormat, lang: Lang) -> String {
    let view = view(audit, lang);
    let template = match format {
        NoticesFormat::Text => "notices.txt",
        NoticesFormat::Markdown => "notices.md",
        NoticesFormat::Html => "notices.html",
    };
    html::render_template(template, lang, &view)
}

#[derive(Debug, Serialize)]
struct View {
    lang: &'static str,
    title: String,
    intro: String,
    generated: String,
    skipped: String,
    groups: Vec<Group>,
    texts: Vec<LicenceText>,
    undetermined: Vec<Component>,
}

#[derive(Debug, Serialize)]
struct Group {
    anchor: String,
    licence: String,
    heading: String,
    components: Vec<Component>,
    copyrights: Vec<String>,
    texts: Vec<TextRef>,
    own_texts: Vec<OwnText>,
    notice_files: Vec<OwnText>,
    missing: Vec<String>,
}

#[derive(Debug, Serialize)]
struct Component {
    name: String,
    version: String,
    ecosystem: String,
    purl: String,
    reason: String,
    /// The `OR` choice that made the licence the component is listed under, and why.
    choice: String,
}

#[derive(Debug, Serialize)]
struct TextRef {
    id: String,
    anchor: String,
}

#[derive(Debug, Serialize)]
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

/// A licence or exception whose text comes from the SPDX licence list.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum ListedText {
    Licence(String),
    Exception(String),
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
        choice: p
            .verdict
            .choices
            .iter()
            .map(|c| c.to_string())
            .collect::<Vec<_>>()
            .join("; "),
    }
}

fn view(audit: &Audit, lang: Lang) -> View {
    let project = html::project_name(audit);
    let listed: Vec<&AuditedPackage> = audit
        .packages
        .iter()
        .filter(|p| !p.package.root && p.verdict.status != Status::Skipped)
        .collect();
    let skipped = audit
        .packages
        .iter()
        .filter(|p| !p.package.root && p.verdict.status == Status::Skipped)
        .count();

    let mut by_licence: BTreeMap<String, Vec<&AuditedPackage>> = BTreeMap::new();
    let mut undetermined = Vec::new();
    for p in &listed {
        let expression = used_expression(p);
        if expression == NOASSERTION || Tree::parse(expression).is_err() {
            undetermined.push(component(p));
        } else {
            by_licence
                .entry(expression.to_string())
                .or_default()
                .push(p);
        }
    }
    let mut ordered: Vec<(String, Vec<&AuditedPackage>)> = by_licence.into_iter().collect();
    ordered.sort_by(|a, b| b.1.len().cmp(&a.1.len()).then(a.0.cmp(&b.0)));

    let mut listed_texts: BTreeSet<ListedText> = BTreeSet::new();
    let groups = ordered
        .iter()
        .enumerate()
        .map(|(i, (licence, packages))| group(i, licence, packages, &mut listed_texts, lang))
        .collect();

    let texts = listed_texts
        .into_iter()
        .filter_map(|t| match t {
            ListedText::Licence(id) => spdx::license_id(&id).map(|l| LicenceText {
                anchor: anchor("licence", &id),
                name: l.full_name.to_string(),
                exception: false,
                text: l.text().trim_end().to_string(),
                fence: fence(l.text()),
                id,
            }),
            ListedText::Exception(id) => spdx::exception_id(&id).map(|e| LicenceText {
                anchor: anchor("licence", &id),
                name: e.name.to_string(),
                exception: true,
                text: e.text().trim_end().to_string(),
                fence: fence(e.text()),
                id,
            }),
        })
        .collect();

    View {
        lang: match lang {
            Lang::En => "en",
            Lang::De => "de",
        },
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
        skipped: if skipped == 0 {
            String::new()
        } else {
            trn(lang, "notices.skipped", skipped)
        },
        groups,
        texts,
        undetermined,
    }
}

fn group(
    index: usize,
    licence: &str,
    packages: &[&AuditedPackage],
    listed_texts: &mut BTreeSet<ListedText>,
    lang: Lang,
) -> Group {
    let mut ids: Vec<String> = Vec::new();
    let mut additions: Vec<String> = Vec::new();
    if let Ok(tree) = Tree::parse(licence) {
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

    let mut texts = Vec::new();
    let mut own_texts = Vec::new();
    let mut missing = Vec::new();
    let mut own_seen: HashSet<String> = HashSet::new();
    for id in ids.iter().chain(additions.iter()) {
        let listed = if spdx::license_id(id).is_some() {
            Some(ListedText::Licence(id.clone()))
        } else if spdx::exception_id(id).is_some() {
            Some(ListedText::Exception(id.clone()))
        } else {
            None
        };
        if let Some(listed) = listed {
            texts.push(TextRef {
                id: id.clone(),
                anchor: anchor("licence", id),
            });
            listed_texts.insert(listed);
            continue;
        }
        // Not on the SPDX list: each package's own licence file, where there is one.
        for p in packages {
            let files = own_licence_texts(p, id);
            if files.is_empty() {
                missing.push(fill(
                    &tr(lang, "notices.not_available"),
                    &[
                        ("licence", id),
                        (
                            "package",
                            &format!("{} {}", p.package.name, p.package.version),
                        ),
                    ],
                ));
            }
            for (file, sha256, text) in files {
                if !own_seen.insert(sha256) {
                    continue;
                }
                own_texts.push(OwnText {
                    title: fill(
                        &tr(lang, "notices.own_text"),
                        &[
                            (
                                "package",
                                &format!("{} {}", p.package.name, p.package.version),
                            ),
                            ("file", &file),
                        ],
                    ),
                    fence: fence(&text),
                    text: text.trim_end().to_string(),
                });
            }
        }
    }

    // Apache-2.0 and others ask for the components' NOTICE files to be passed on.
    let mut notice_files = Vec::new();
    for p in packages {
        let Some(dir) = &p.package.dir else {
            continue;
        };
        for d in p
            .licence
            .detected
            .iter()
            .filter(|d| d.kind == FileKind::Notice)
        {
            if !own_seen.insert(d.sha256.clone()) {
                continue;
            }
            if let Some(text) = read_inside(dir, &d.path) {
                notice_files.push(OwnText {
                    title: fill(
                        &tr(lang, "notices.notice_file"),
                        &[
                            (
                                "package",
                                &format!("{} {}", p.package.name, p.package.version),
                            ),
                            ("file", &d.path),
                        ],
                    ),
                    fence: fence(&text),
                    text: text.trim_end().to_string(),
                });
            }
        }
    }

    let mut copyrights = Vec::new();
    let mut seen = HashSet::new();
    for p in packages {
        for line in package_copyrights(p) {
            if seen.insert(line.clone()) {
                copyrights.push(line);
            }
        }
    }

    Group {
        anchor: format!("group-{}", index + 1),
        heading: fill(&tr(lang, "notices.used_under"), &[("licence", licence)]),
        licence: licence.to_string(),
        components: packages.iter().map(|p| component(p)).collect(),
        copyrights,
        texts,
        own_texts,
        notice_files,
        missing,
    }
}

/// Reads `relative` inside `dir`, refusing anything that leads outside it (absolute paths,
/// `..`, symbolic links pointing elsewhere) and anything but a regular file no larger than a
/// licence file may be ([`Limit::LICENCE`]), without blocking on special files.
fn read_inside(dir: &Path, relative: &str) -> Option<String> {
    let rel = Path::new(relative);
    if rel.is_absolute()
        || !rel
            .components()
            .all(|c| matches!(c, PathPart::Normal(_) | PathPart::CurDir))
    {
        return None;
    }
    let package = crate::source::Confined::other(dir, "the package's directory")?;
    let bytes = package.read(rel, crate::source::Limit::LICENCE).ok()?;
    // Decoded as detection decodes it, so that the byte offsets of its matches apply.
    Some(crate::licence::detect::tokenize::decode(&bytes).into_owned())
}

/// The package's own licence texts for licence `id` (not on the SPDX list): from the licence
/// files in which `id` was detected, the text the matches of `id` span (the whole file when it
/// states only `id`, so that its copyright lines come along); else every licence file. Each as
/// (file, sha256, text).
fn own_licence_texts(p: &AuditedPackage, id: &str) -> Vec<(String, String, String)> {
    let Some(dir) = &p.package.dir else {
        return Vec::new();
    };
    let licence_files: Vec<_> = p
        .licence
        .detected
        .iter()
        .filter(|d| d.kind == FileKind::Licence)
        .collect();
    let names_id =
        |m: &crate::licence::detect::LicenceMatch| licence_ids(&m.expression).contains(id);
    let matching: Vec<_> = licence_files
        .iter()
        .filter(|d| d.matches.iter().any(names_id) || d.licence.as_deref() == Some(id))
        .copied()
        .collect();
    if matching.is_empty() {
        return licence_files
            .into_iter()
            .filter_map(|d| {
                read_inside(dir, &d.path).map(|text| (d.path.clone(), d.sha256.clone(), text))
            })
            .collect();
    }
    matching
        .into_iter()
        .filter_map(|d| {
            let text = read_inside(dir, &d.path)?;
            let only_id = d.matches.iter().all(names_id);
            let text = if only_id {
                text
            } else {
                matched_lines(&text, d.matches.iter().filter(|m| names_id(m)))
            };
            Some((d.path.clone(), d.sha256.clone(), text))
        })
        .collect()
}

/// The whole lines of `text` that the matches span, in order; separate spans apart by a blank
/// line. Byte offsets that do not fall on the text's character boundaries (a file changed
/// since it was matched) give nothing for that match.
fn matched_lines<'a>(
    text: &str,
    matches: impl Iterator<Item = &'a crate::licence::detect::LicenceMatch>,
) -> String {
    let mut spans: Vec<(usize, usize)> = matches
        .filter(|m| {
            m.start_byte <= m.end_byte
                && m.end_byte <= text.len()
                && text.is_char_boundary(m.start_byte)
                && text.is_char_boundary(m.end_byte)
        })
        .map(|m| {
            let start = text[..m.start_byte].rfind('\n').map_or(0, |i| i + 1);
            let end = text[m.end_byte..]
                .find('\n')
                .map_or(text.len(), |i| m.end_byte + i);
            (start, end)
        })
        .collect();
    spans.sort_unstable();
    let mut merged: Vec<(usize, usize)> = Vec::new();
    for (start, end) in spans {
        match merged.last_mut() {
            Some(last) if start <= last.1 + 1 => last.1 = last.1.max(end),
            _ => merged.push((start, end)),
        }
    }
    merged
        .iter()
        .map(|&(start, end)| text[start..end].trim_end())
        .collect::<Vec<_>>()
        .join("\n\n")
}

/// The copyright lines of the package's own licence and notice files.
fn package_copyrights(p: &AuditedPackage) -> Vec<String> {
    let Some(dir) = &p.package.dir else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for d in &p.licence.detected {
        if let Some(text) = read_inside(dir, &d.path) {
            for line in copyright_lines(&text) {
                if !out.contains(&line) {
                    out.push(line);
                }
            }
        }
    }
    out
}

/// Placeholders of licence templates: a line holding one is not a real copyright notice.
const PLACEHOLDERS: &[&str] = &[
    "<year>",
    "[yyyy]",
    "{yyyy}",
    "[year]",
    "{year}",
    "<yyyy>",
    "<owner>",
    "<copyright holders>",
    "[name of copyright owner]",
    "{name of copyright owner}",
    "<name of author>",
    "[fullname]",
    "<author>",
];

/// The longest copyright line kept; longer lines are body text that mentions copyright.
const MAX_LINE: usize = 300;

/// The lines of a licence file that state a copyright: they start with `Copyright`, or carry
/// `©` or `(c)` followed by a year or name. Trimmed of whitespace and comment markers;
/// template lines (`Copyright (c) <year> <owner>`) are left out.
pub(crate) fn copyright_lines(text: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for raw in text.lines() {
        let line = raw
            .trim()
            .trim_start_matches(['#', '*', '/', ';', '-', '!', '%'])
            .trim();
        if line.is_empty() || line.len() > MAX_LINE {
            continue;
        }
        let lower = line.to_lowercase();
        let starts = line.starts_with("Copyright")
            || (line.starts_with("COPYRIGHT")
                && line[9..]
                    .trim_start()
                    .starts_with(|c: char| c.is_ascii_digit() || c == '(' || c == '©'));
        let mark = line.contains('©')
            || lower.contains("copyright (c)")
            || lower.match_indices("(c)").any(|(at, _)| {
                lower[at + 3..]
                    .trim_start()
                    .starts_with(|c: char| c.is_ascii_digit())
            });
        if !(starts || mark) {
            continue;
        }
        // "Copyright notice" and similar prose start like a notice but are not one.
        if starts && !mark {
            let rest = line[9..].trim_start();
            let next = rest.split_whitespace().next().unwrap_or_default();
            let prose = [
                "notice",
                "notices",
                "and",
                "holders",
                "holder",
                "law",
                "laws",
                "owner",
                "owners",
                "statement",
                "license",
                "licence",
                "the",
                "to",
                "of",
                "is",
                "in",
            ];
            if next.is_empty()
                || prose.contains(
                    &next
                        .trim_end_matches([',', '.', ':'])
                        .to_lowercase()
                        .as_str(),
                )
            {
                continue;
            }
        }
        if PLACEHOLDERS.iter().any(|p| lower.contains(p)) {
            continue;
        }
        let line = line.to_string();
        if !out.contains(&line) {
            out.push(line);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn copyright_lines_are_found_and_templates_left_out() {
        let text = "MIT License\n\nCopyright (c) 2024 The filed authors\n\nPermission is hereby granted...\nThe above copyright notice and this permission notice shall be included\n";
        assert_eq!(
            copyright_lines(text),
            ["Copyright (c) 2024 The filed authors"]
        );
        let apache = "   Copyright [yyyy] [name of copyright owner]\n(c) You must retain\n";
        assert!(copyright_lines(apache).is_empty());
        let many = " * Copyright 2019 Jane Doe\n# © 2020 ACME GmbH\n(C) 2021 Someone\nCopyright notice below\nCOPYRIGHT HOLDERS AND CONTRIBUTORS\nCOPYRIGHT (C) 2001 BIG CORP\n";
        assert_eq!(
            copyright_lines(many),
            [
                "Copyright 2019 Jane Doe",
                "© 2020 ACME GmbH",
                "(C) 2021 Someone",
                "COPYRIGHT (C) 2001 BIG CORP"
            ]
        );
        let template =
            "Copyright (c) <year> <copyright holders>\nCopyright (C) <year>  <name of author>\n";
        assert!(copyright_lines(template).is_empty());
    }

    #[test]
    fn reading_stays_inside_the_package() {
        let root = tempfile::tempdir().unwrap();
        let dir = root.path().join("pkg");
        std::fs::create_dir(&dir).unwrap();
        std::fs::write(dir.join("LICENSE"), "Copyright 2020 A").unwrap();
        std::fs::write(root.path().join("SECRET"), "Copyright 2020 B").unwrap();
        assert_eq!(
            read_inside(&dir, "LICENSE").as_deref(),
            Some("Copyright 2020 A")
        );
        assert_eq!(read_inside(&dir, "../SECRET"), None);
        assert_eq!(
            read_inside(&dir, root.path().join("SECRET").to_str().unwrap()),
            None
        );
        #[cfg(unix)]
        {
            std::os::unix::fs::symlink(root.path().join("SECRET"), dir.join("LINK")).unwrap();
            assert_eq!(read_inside(&dir, "LINK"), None);
        }
    }

    #[test]
    fn fences_outgrow_the_text() {
        assert_eq!(fence("plain"), "```");
        assert_eq!(fence("a ```` b"), "`````");
    }
}
