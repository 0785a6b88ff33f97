//! The audited project's own licence: the outbound licence under which it is offered to others.
//!
//! Read from every place a project states it, at the audited root:
//! - **publiccode.yml** (`legal.license`), the public-sector software metadata standard;
//! - **REUSE**: `REUSE.toml` annotations and `.reuse/dep5` `Files: *` stanzas, and the licence
//!   texts in `LICENSES/`;
//! - **manifests** of the projects at the root (Cargo.toml, package.json, composer.json,
//!   pyproject.toml, pom.xml), as their readers report them;
//! - **licence files** at the root (LICENSE, COPYING, ...), identified like any licence text;
//! - **file headers**: `SPDX-License-Identifier` lines and licence notices at the top of the
//!   project's own files (REUSE), when they all name one licence and no other source states one.
//!
//! The outbound licence is taken from the first source, in that order, that states one licence
//! expression; when the sources name different licences, finding L010 lists them all, because a
//! project whose files disagree about its own licence leaves its users guessing.

use super::Evidence;
use super::detect::{self, DetectionCache, FileKind};
use super::expression::{self, Reading, licence_ids};
use crate::diagnostic::{Code, Finding, Text};
use crate::model::Graph;
use crate::source::{Confined, Limit};
use serde::Serialize;
use std::collections::BTreeSet;
use std::path::Path;

/// Where a statement about the project's licence comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum SourceKind {
    Publiccode,
    Reuse,
    Manifest,
    LicensesDir,
    LicenceFile,
    Headers,
}

/// One statement about the project's licence.
#[derive(Debug, Clone, Serialize)]
pub struct LicenceStatement {
    pub kind: SourceKind,
    /// The file, relative to the audited root.
    pub file: String,
    /// Where in the file ("legal.license", "annotations", "license").
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// What the file says, as written.
    pub raw: String,
    /// The SPDX expression it was read as, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expression: Option<String>,
    /// A guess was involved (an unversioned name like `agpl`).
    pub assumed: bool,
    /// Why the statement does not settle the licence on its own (several licences in REUSE
    /// annotations, an unidentified licence file).
    #[serde(
        skip_serializing_if = "Option::is_none",
        serialize_with = "crate::diagnostic::serialize_english"
    )]
    pub note: Option<Text>,
}

impl LicenceStatement {
    /// Whether this statement names one licence expression the project is offered under.
    fn decisive(&self) -> bool {
        self.expression.is_some() && self.note.is_none()
    }
}

/// The project's outbound licence and every statement found about it.
#[derive(Debug, Clone, Serialize)]
pub struct ProjectLicence {
    /// The outbound licence, when a source states one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expression: Option<String>,
    /// Which statement it was taken from, in words.
    pub explanation: String,
    /// `explanation` in translatable form (the human report with `--lang de`).
    #[serde(skip)]
    pub explanation_text: Text,
    /// Whether the decisive statements agree (the same licences).
    pub consistent: bool,
    pub statements: Vec<LicenceStatement>,
}

/// Reads the project's own licence at `root`, given the graph and evidence of the projects
/// found there.
pub fn project_licence(
    root: &Path,
    graph: &Graph,
    evidence: &[Evidence],
    cache: &DetectionCache,
) -> (ProjectLicence, Vec<Finding>) {
    let canonical = std::fs::canonicalize(root).unwrap_or_else(|_| root.to_path_buf());
    let input = Confined::audited(&canonical);
    let mut findings = Vec::new();
    let mut read = RootFiles {
        input: &input,
        findings: &mut findings,
    };
    let mut statements = Vec::new();
    statements.extend(publiccode(&mut read));
    statements.extend(reuse_toml(&mut read));
    statements.extend(reuse_dep5(&mut read));
    statements.extend(manifests(graph, evidence));
    statements.extend(cargo_workspace_package(&mut read));
    statements.extend(licenses_dir(&input));
    statements.extend(licence_files(&mut read, cache));
    if let Some(mut from_headers) = headers(&input, cache) {
        // Headers speak for single files: they state the project's licence only where nothing
        // at the project level does (a GPL-2.0 COPYING with "or later" headers is not a
        // contradiction, it is how that licence is applied).
        if from_headers.note.is_none() && statements.iter().any(|s| s.decisive()) {
            from_headers.note = Some(Text::new("statement_headers_yield"));
        }
        statements.push(from_headers);
    }
    statements.sort_by_key(|s| s.kind);

    let decisive: Vec<&LicenceStatement> = statements.iter().filter(|s| s.decisive()).collect();
    // Prefer a statement that did not have to guess, within the order of the sources.
    let chosen = decisive
        .iter()
        .find(|s| !s.assumed)
        .or_else(|| decisive.first())
        .copied();
    let distinct: BTreeSet<BTreeSet<String>> = decisive
        .iter()
        .filter_map(|s| s.expression.as_deref())
        .map(licence_ids)
        .collect();
    let consistent = distinct.len() <= 1;

    if !consistent {
        let mut finding = Finding::warning(
            Code::ProjectLicenceMismatch,
            crate::diagnostic::Text::new("project_licence_mismatch").count("n", decisive.len()),
        );
        for s in &decisive {
            finding = finding.note(describe(s));
        }
        finding = finding.note(Text::new("project_licence_from.state_one"));
        if let Some(first) = decisive.first() {
            finding = finding.at(first.file.clone(), None);
        }
        findings.push(finding);
    }

    let (expression, explanation) = match chosen {
        Some(s) => (
            s.expression.clone(),
            Text::new("project_licence_from.from").sub("statement", describe(s)),
        ),
        None if statements.is_empty() => (None, Text::new("project_licence_from.none_found")),
        None => (None, Text::new("project_licence_from.none_names_one")),
    };
    let licence = ProjectLicence {
        expression,
        explanation: explanation.english(),
        explanation_text: explanation,
        consistent,
        statements,
    };
    (licence, findings)
}

fn describe(s: &LicenceStatement) -> Text {
    let place = match &s.field {
        Some(field) => format!("{} `{field}`", s.file),
        None => s.file.clone(),
    };
    match (&s.expression, s.assumed) {
        (Some(expr), true) => Text::new("project_licence_from.assumed")
            .arg("place", place)
            .arg("expression", expr)
            .arg("raw", &s.raw),
        (Some(expr), false) if expr != &s.raw => {
            Text::verbatim(format!("{place}: {expr} (`{}`)", s.raw))
        }
        (Some(expr), false) => Text::verbatim(format!("{place}: {expr}")),
        (None, _) => Text::verbatim(format!("{place}: `{}`", s.raw)),
    }
}

fn statement(kind: SourceKind, file: &str, field: Option<&str>, raw: &str) -> LicenceStatement {
    let reading = expression::interpret(raw);
    LicenceStatement {
        kind,
        file: file.to_string(),
        field: field.map(str::to_string),
        raw: raw.to_string(),
        assumed: reading.assumed,
        note: match reading.reading {
            Reading::Unparsable | Reading::SeeFile => reading.note_text.clone(),
            _ => None,
        },
        expression: reading.expression,
    }
}

/// The statements' files at the root, read through the audited tree's [`Confined`]: a file that
/// is missing says nothing; one that is refused (a FIFO, a link out of the tree, too large) is
/// an input problem, reported.
struct RootFiles<'a> {
    input: &'a Confined,
    findings: &'a mut Vec<Finding>,
}

impl RootFiles<'_> {
    fn text(&mut self, name: &str) -> Option<String> {
        let path = self.input.root().join(name);
        match self.input.read_text(&path, Limit::CONFIG) {
            Ok(text) => Some(text),
            Err(refusal) => {
                if !refusal.is_missing() {
                    self.findings.push(
                        Finding::refused(&refusal)
                            .note(crate::diagnostic::Text::new("note_it_states_the_project_s")),
                    );
                }
                None
            }
        }
    }
}

fn publiccode(read: &mut RootFiles<'_>) -> Option<LicenceStatement> {
    #[derive(serde::Deserialize)]
    struct Publiccode {
        legal: Option<Legal>,
    }
    #[derive(serde::Deserialize)]
    struct Legal {
        license: Option<String>,
    }
    let (name, text) = ["publiccode.yml", "publiccode.yaml"]
        .iter()
        .find_map(|n| read.text(n).map(|t| (*n, t)))?;
    let parsed: Result<Publiccode, _> = serde_saphyr::from_str(&text);
    match parsed {
        Ok(Publiccode {
            legal: Some(Legal {
                license: Some(licence),
            }),
        }) => Some(statement(
            SourceKind::Publiccode,
            name,
            Some("legal.license"),
            &licence,
        )),
        Ok(_) => Some(LicenceStatement {
            kind: SourceKind::Publiccode,
            file: name.to_string(),
            field: Some("legal.license".to_string()),
            raw: String::new(),
            expression: None,
            assumed: false,
            note: Some(Text::new("statement_publiccode_missing")),
        }),
        Err(err) => Some(LicenceStatement {
            kind: SourceKind::Publiccode,
            file: name.to_string(),
            field: None,
            raw: String::new(),
            expression: None,
            assumed: false,
            note: Some(crate::text!("statement_invalid_yaml", error = err)),
        }),
    }
}

/// REUSE.toml: when every annotation names the same licence, that is the project's licence;
/// mixed annotations describe individual files and are kept as information only.
fn reuse_toml(read: &mut RootFiles<'_>) -> Option<LicenceStatement> {
    let text = read.text("REUSE.toml")?;
    let table: toml::Table = match toml::from_str(&text) {
        Ok(t) => t,
        Err(err) => {
            return Some(LicenceStatement {
                kind: SourceKind::Reuse,
                file: "REUSE.toml".to_string(),
                field: None,
                raw: String::new(),
                expression: None,
                assumed: false,
                note: Some(crate::text!(
                    "statement_invalid_toml",
                    error = err.message().trim()
                )),
            });
        }
    };
    let licences: BTreeSet<String> = table
        .get("annotations")
        .and_then(|a| a.as_array())
        .map(|annotations| {
            annotations
                .iter()
                .filter_map(|a| a.get("SPDX-License-Identifier"))
                .filter_map(|v| v.as_str())
                .map(|s| s.trim().to_string())
                .collect()
        })
        .unwrap_or_default();
    reuse_statement("REUSE.toml", "annotations", licences)
}

/// `.reuse/dep5` (Debian copyright format): the `License:` of the `Files: *` stanzas.
fn reuse_dep5(read: &mut RootFiles<'_>) -> Option<LicenceStatement> {
    let text = read.text(".reuse/dep5")?;
    let mut licences = BTreeSet::new();
    for stanza in text.split("\n\n") {
        let mut files = None;
        let mut licence = None;
        for line in stanza.lines() {
            if let Some(v) = line.strip_prefix("Files:") {
                files = Some(v.trim().to_string());
            } else if let Some(v) = line.strip_prefix("License:") {
                licence = Some(v.trim().to_string());
            }
        }
        if let (Some(files), Some(licence)) = (files, licence)
            && files.split_whitespace().any(|f| f == "*")
        {
            licences.insert(licence);
        }
    }
    reuse_statement(".reuse/dep5", "Files: *", licences)
}

fn reuse_statement(
    file: &str,
    field: &str,
    licences: BTreeSet<String>,
) -> Option<LicenceStatement> {
    match licences.len() {
        0 => None,
        1 => {
            let only = licences.into_iter().next().unwrap_or_default();
            Some(statement(SourceKind::Reuse, file, Some(field), &only))
        }
        _ => {
            let all: Vec<String> = licences.into_iter().collect();
            Some(LicenceStatement {
                kind: SourceKind::Reuse,
                file: file.to_string(),
                field: Some(field.to_string()),
                raw: all.join(", "),
                expression: None,
                assumed: false,
                note: Some(Text::new("statement_reuse_annotations").count("n", all.len())),
            })
        }
    }
}

/// The declared licences of the root packages of the projects at the audited root.
fn manifests(graph: &Graph, evidence: &[Evidence]) -> Vec<LicenceStatement> {
    let mut out = Vec::new();
    for project in graph.projects.iter().filter(|p| p.dir == ".") {
        for &root in &project.roots {
            let Some(ev) = evidence.get(root) else {
                continue;
            };
            // Only the project's main manifest speaks for the project; workspace members and
            // modules in subdirectories have their own licences.
            for d in &ev.declared {
                if d.declared.origin.file.contains('/') {
                    continue;
                }
                let statement = LicenceStatement {
                    kind: SourceKind::Manifest,
                    file: d.declared.origin.file.clone(),
                    field: Some(d.declared.origin.field.clone()),
                    raw: d.declared.raw.clone(),
                    expression: d.interpretation.expression.clone(),
                    assumed: d.interpretation.assumed,
                    note: match d.interpretation.reading {
                        Reading::Unparsable | Reading::SeeFile => {
                            d.interpretation.note_text.clone()
                        }
                        _ => None,
                    },
                };
                let duplicate = out
                    .iter()
                    .any(|s: &LicenceStatement| s.file == statement.file && s.raw == statement.raw);
                if !duplicate {
                    out.push(statement);
                }
            }
        }
    }
    out
}

/// `[workspace.package] license` of a Cargo workspace root: what the members inherit with
/// `license.workspace = true`, and the one place a virtual workspace states its licence.
fn cargo_workspace_package(read: &mut RootFiles<'_>) -> Option<LicenceStatement> {
    // Refusals of Cargo.toml are reported by the walk and the Cargo reader.
    let text = read
        .input
        .read_text(&read.input.root().join("Cargo.toml"), Limit::MANIFEST)
        .ok()?;
    let manifest: toml::Table = toml::from_str(&text).ok()?;
    let raw = manifest
        .get("workspace")?
        .get("package")?
        .get("license")?
        .as_str()?;
    Some(statement(
        SourceKind::Manifest,
        "Cargo.toml",
        Some("workspace.package.license"),
        raw,
    ))
}

/// `LICENSES/` (REUSE): the texts of every licence used in the project, named by SPDX id.
fn licenses_dir(input: &Confined) -> Option<LicenceStatement> {
    let entries = input.list(&input.root().join("LICENSES")).ok()?;
    let mut ids: Vec<String> = entries
        .into_iter()
        .map(|e| {
            let name = e.name;
            let stem = name
                .strip_suffix(".txt")
                .or_else(|| name.strip_suffix(".md"))
                .unwrap_or(&name);
            stem.to_string()
        })
        .collect();
    ids.sort();
    match ids.len() {
        0 => None,
        1 => Some(statement(
            SourceKind::LicensesDir,
            &format!("LICENSES/{}", ids[0]),
            None,
            &ids[0],
        )),
        _ => Some(LicenceStatement {
            kind: SourceKind::LicensesDir,
            file: "LICENSES/".to_string(),
            field: None,
            raw: ids.join(", "),
            expression: None,
            assumed: false,
            note: Some(Text::new("statement_licenses_folder")),
        }),
    }
}

/// Files read for their licence headers at most, and how much of each.
const MAX_HEADER_FILES: usize = 2_000;
const HEADER_BYTES: u64 = 8 * 1024;

/// The licences that the headers of the project's own files state: the first 8 KiB of up to
/// 2,000 files of the tree (`.gitignore` respected; vendored, generated and hidden folders,
/// licence files and prose left out), each detected like any text (and cached like it).
fn headers(input: &Confined, cache: &DetectionCache) -> Option<LicenceStatement> {
    use rayon::prelude::*;
    let root = input.root();
    const SKIPPED_DIRS: &[&str] = &[
        "node_modules",
        "vendor",
        "target",
        "third_party",
        "third-party",
        "LICENSES",
        "dist",
        "build",
        "fixtures",
        "testdata",
        "test-data",
    ];
    // The ignore files are read through the one way into the tree, as discovery reads them,
    // never by the walker (which would open a FIFO named .gitignore and block on it).
    let ignores = crate::discover::IgnoreFiles::new(input.clone());
    let files: Vec<std::path::PathBuf> = ignore::WalkBuilder::new(root)
        .standard_filters(false)
        .hidden(true)
        .follow_links(false)
        .filter_entry(move |e| {
            let is_dir = e.file_type().is_some_and(|t| t.is_dir());
            let skipped =
                is_dir && SKIPPED_DIRS.contains(&e.file_name().to_string_lossy().as_ref());
            !skipped && (e.depth() == 0 || !ignores.ignored(e.path(), is_dir))
        })
        .build()
        .flatten()
        .filter(|e| e.file_type().is_some_and(|t| t.is_file()))
        .filter(|e| is_source_file(&e.file_name().to_string_lossy()))
        .take(MAX_HEADER_FILES)
        .map(|e| e.into_path())
        .collect();
    let found: Vec<String> = files
        .par_iter()
        .filter_map(|path| {
            let head = input.read_head(path, HEADER_BYTES).ok()?;
            let name = path.file_name()?.to_string_lossy();
            // Cached by the hash of the head read, like licence files: a warm audit of an
            // unchanged tree does not load the detection model for its headers.
            detect::detect_cached(&name, &head, &detect::sha256_hex(&head), cache).expression
        })
        .collect();
    if found.is_empty() {
        return None;
    }
    let mut counts: std::collections::BTreeMap<&str, usize> = std::collections::BTreeMap::new();
    for e in &found {
        *counts.entry(e.as_str()).or_default() += 1;
    }
    let file = format!(
        "{} with a licence header",
        crate::plural::count(found.len(), "file", "files")
    );
    if counts.len() == 1 {
        let only = counts.keys().next().copied().unwrap_or_default();
        return Some(statement(SourceKind::Headers, &file, None, only));
    }
    let mut by_count: Vec<(&str, usize)> = counts.into_iter().collect();
    by_count.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    Some(LicenceStatement {
        kind: SourceKind::Headers,
        file,
        field: None,
        raw: by_count
            .iter()
            .map(|(e, n)| format!("{e} ({n})"))
            .collect::<Vec<_>>()
            .join(", "),
        expression: None,
        assumed: false,
        note: Some(Text::new("statement_headers_differ").count("n", by_count.len())),
    })
}

/// Files whose headers speak for themselves: not licence files, not prose or data that
/// quote licences (README, changelogs, lockfiles), not manifests and configuration (their
/// licence fields are read as what they are).
fn is_source_file(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    const PROSE: &[&str] = &[
        "license",
        "licence",
        "copying",
        "notice",
        "readme",
        "changelog",
        "changes",
        "authors",
        "contributing",
        "third",
        "credits",
        "patents",
        "reuse",
        "publiccode",
        "setup.py",
    ];
    if PROSE.iter().any(|p| lower.starts_with(p)) {
        return false;
    }
    const DATA: &[&str] = &[
        ".md", ".rst", ".txt", ".html", ".htm", ".json", ".lock", ".csv", ".tsv", ".svg", ".xml",
        ".pdf", ".png", ".jpg", ".gif", ".ico", ".woff", ".woff2", ".zip", ".gz", ".toml", ".yml",
        ".yaml", ".cfg", ".ini", ".spdx", ".cdx",
    ];
    !DATA.iter().any(|ext| lower.ends_with(ext))
}

/// LICENSE, COPYING, ... at the root, identified like any licence text.
fn licence_files(read: &mut RootFiles<'_>, cache: &DetectionCache) -> Vec<LicenceStatement> {
    let input = read.input;
    detect::licence_files(input, input.root())
        .into_iter()
        .filter(|f| f.kind == FileKind::Licence && !f.name.starts_with("LICENSES/"))
        .filter_map(|file| {
            let detected = match detect::detect_file(input, &file, cache) {
                Ok(detected) => detected,
                Err(refusal) => {
                    read.findings.push(
                        Finding::refused(&refusal)
                            .note(crate::diagnostic::Text::new("note_it_states_the_project_s")),
                    );
                    return None;
                }
            };
            let confident = detected.confidence >= detect::CONFIDENT;
            Some(LicenceStatement {
                kind: SourceKind::LicenceFile,
                file: file.name.clone(),
                field: None,
                raw: match &detected.licence {
                    Some(l) => format!("{l} (score {:.2})", detected.confidence),
                    None => "not identified".to_string(),
                },
                expression: detected.licence.clone().filter(|_| confident),
                assumed: false,
                note: (!confident).then(|| Text::new("statement_not_identified")),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;

    fn audit_root(files: &[(&str, &str)]) -> (tempfile::TempDir, ProjectLicence, Vec<Finding>) {
        let tmp = tempfile::tempdir().unwrap();
        for (name, text) in files {
            let path = tmp.path().join(name);
            fs::create_dir_all(path.parent().unwrap()).unwrap();
            fs::write(path, text).unwrap();
        }
        let (licence, findings) = project_licence(
            tmp.path(),
            &Graph::default(),
            &[],
            &DetectionCache::new(None),
        );
        (tmp, licence, findings)
    }

    #[test]
    fn a_virtual_cargo_workspace_states_its_licence_in_workspace_package() {
        let (_t, licence, findings) = audit_root(&[(
            "Cargo.toml",
            "[workspace]\nmembers = [\"crates/*\"]\n\n[workspace.package]\nlicense = \"EUPL-1.2\"\n",
        )]);
        assert_eq!(licence.expression.as_deref(), Some("EUPL-1.2"));
        let s = &licence.statements[0];
        assert_eq!(s.file, "Cargo.toml");
        assert_eq!(s.field.as_deref(), Some("workspace.package.license"));
        assert!(findings.is_empty(), "{findings:?}");
    }

    #[test]
    fn publiccode_comes_first() {
        let (_t, licence, findings) = audit_root(&[
            (
                "publiccode.yml",
                "publiccodeYmlVersion: '0.4'\nlegal:\n  license: EUPL-1.2\n",
            ),
            ("LICENSES/EUPL-1.2.txt", "..."),
        ]);
        assert_eq!(licence.expression.as_deref(), Some("EUPL-1.2"));
        assert!(licence.explanation.contains("publiccode.yml"));
        assert!(licence.consistent);
        assert!(findings.is_empty());
    }

    #[test]
    fn reuse_annotations_with_one_licence_state_it() {
        let (_t, licence, _) = audit_root(&[(
            "REUSE.toml",
            "version = 1\n[[annotations]]\npath = [\"**/*.json\"]\nSPDX-License-Identifier = \"EUPL-1.2\"\n\
             [[annotations]]\npath = [\"docs/**\"]\nSPDX-License-Identifier = \"EUPL-1.2\"\n",
        )]);
        assert_eq!(licence.expression.as_deref(), Some("EUPL-1.2"));
    }

    #[test]
    fn mixed_reuse_annotations_are_information_only() {
        let (_t, licence, _) = audit_root(&[(
            "REUSE.toml",
            "version = 1\n[[annotations]]\npath = \"a\"\nSPDX-License-Identifier = \"CC0-1.0\"\n\
             [[annotations]]\npath = \"b\"\nSPDX-License-Identifier = \"MIT\"\n",
        )]);
        assert_eq!(licence.expression, None);
        assert!(licence.statements[0].note.is_some());
    }

    #[test]
    fn disagreeing_sources_are_a_finding() {
        let (_t, licence, findings) = audit_root(&[
            ("publiccode.yml", "legal:\n  license: MIT\n"),
            ("LICENSES/EUPL-1.2.txt", "..."),
        ]);
        assert_eq!(licence.expression.as_deref(), Some("MIT"));
        assert!(!licence.consistent);
        assert_eq!(findings.len(), 1);
        assert_eq!(findings[0].code, Code::ProjectLicenceMismatch);
        assert_eq!(findings[0].notes.len(), 3);
    }

    #[test]
    fn dep5_files_star_states_the_licence() {
        let (_t, licence, _) = audit_root(&[(
            ".reuse/dep5",
            "Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/\n\n\
             Files: *\nCopyright: 2024 City\nLicense: AGPL-3.0-or-later\n\n\
             Files: docs/*\nCopyright: 2024 City\nLicense: CC-BY-4.0\n",
        )]);
        assert_eq!(licence.expression.as_deref(), Some("AGPL-3.0-or-later"));
    }

    #[test]
    fn nothing_found_says_so() {
        let (_t, licence, findings) = audit_root(&[]);
        assert_eq!(licence.expression, None);
        assert!(licence.explanation.contains("no licence statement"));
        assert!(findings.is_empty());
    }
}
