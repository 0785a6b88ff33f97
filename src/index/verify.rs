//! `fundament index verify`: every check of docs/index-format.md, with file and line.

use super::config::{CONFIG_FILE, Config};
use super::layout::{self, ECOSYSTEMS, PackageId};
use super::publish::{LOCK_FILE, TEMP_SUFFIX};
use super::record::Decision;
use super::record::{self, Entry};
use super::signature::{self, Keyring};
use crate::registry::http::{Http, HttpError};
use rayon::prelude::*;
use serde::Serialize;
use std::path::Path;

/// One problem (or note) found by verify.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Problem {
    /// The file, relative to the index root (or the URL).
    pub file: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<usize>,
    pub message: String,
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.line {
            Some(line) => write!(f, "{}:{line}: {}", self.file, self.message),
            None => write!(f, "{}: {}", self.file, self.message),
        }
    }
}

/// What verify found.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Report {
    /// Everything that makes the index invalid; verify exits 2 when there is any.
    pub problems: Vec<Problem>,
    /// Things worth knowing that do not make the index invalid (leftovers of an interrupted
    /// publish, what could not be checked over HTTP).
    pub notes: Vec<Problem>,
    pub files: usize,
    pub records: usize,
    pub packages: usize,
    /// Records whose signatures all verify.
    pub signed: usize,
    /// The index's name, from config.json.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The keys and approvals of config.json, for the record checks.
    #[serde(skip)]
    keys: Option<std::sync::Arc<Keys>>,
}

/// What config.json says about signing.
#[derive(Debug, Default)]
struct Keys {
    keyring: Keyring,
    /// Whether config.json lists keys: then every record must be signed.
    required: bool,
}

impl Report {
    fn problem(&mut self, file: &str, line: Option<usize>, message: impl Into<String>) {
        self.problems.push(Problem {
            file: file.to_string(),
            line,
            message: message.into(),
        });
    }

    fn note(&mut self, file: &str, message: impl Into<String>) {
        self.notes.push(Problem {
            file: file.to_string(),
            line: None,
            message: message.into(),
        });
    }

    pub fn ok(&self) -> bool {
        self.problems.is_empty()
    }

    fn check_config(&mut self, bytes: Option<&[u8]>) {
        match bytes {
            None => self.problem(
                CONFIG_FILE,
                None,
                "missing: every index has a config.json at its root",
            ),
            Some(bytes) => match Config::parse(bytes) {
                Ok(config) => {
                    for note in config.notes(super::today()) {
                        self.note(CONFIG_FILE, note);
                    }
                    self.keys = Some(std::sync::Arc::new(Keys {
                        keyring: Keyring::from_config(&config, &[]),
                        required: config.signs(),
                    }));
                    self.name = Some(config.name);
                }
                Err(problems) => {
                    for p in problems {
                        self.problem(CONFIG_FILE, None, p);
                    }
                }
            },
        }
    }

    /// Checks one record file whose path is `rel`.
    fn check_file(&mut self, rel: &str, bytes: &[u8], today: jiff::civil::Date) {
        self.files += 1;
        let expected = layout::package_of_path(rel);
        if let Err(why) = &expected {
            self.problem(
                rel,
                None,
                format!("not where the layout puts any package: {why}"),
            );
        }
        let Ok(text) = std::str::from_utf8(bytes) else {
            self.problem(rel, None, "not UTF-8 text");
            return;
        };
        if text.is_empty() {
            self.problem(rel, None, "empty: a record file holds at least one record");
            return;
        }
        if !text.ends_with('\n') {
            self.problem(
                rel,
                Some(text.split('\n').count()),
                "the last line does not end with a newline (a truncated write?)",
            );
        }
        let count = text.split('\n').count();
        for (i, line) in text.split('\n').enumerate() {
            let is_last = i + 1 == count;
            if line.trim().is_empty() && !is_last {
                self.problem(rel, Some(i + 1), "an empty line");
            } else if line.ends_with('\r') {
                self.problem(
                    rel,
                    Some(i + 1),
                    "a line ends with CR; lines end with LF only",
                );
            }
        }
        let (entries, problems) = record::parse_lines(text);
        for p in problems {
            self.problem(rel, Some(p.line), p.message);
        }
        self.records += entries.len();
        if !entries.is_empty() {
            self.packages += 1;
        }
        for entry in &entries {
            let computed = entry.id.path();
            if computed != rel {
                self.problem(
                    rel,
                    Some(entry.line),
                    format!("the record of {} belongs in {computed}", entry.id),
                );
            }
            if entry.date > today.saturating_add(jiff::Span::new().days(1)) {
                self.problem(
                    rel,
                    Some(entry.line),
                    format!("`date` {} is in the future", entry.record.date),
                );
            }
        }
        self.check_signatures(rel, &entries);
        check_order(self, rel, &entries);
        for (_, later, message) in record::conflicts(&entries) {
            self.problem(rel, Some(later), message);
        }
    }
}

impl Report {
    /// Every signature of every record, against config.json's keys; unsigned records where
    /// config.json lists keys; approvals without evidence and without a reason.
    fn check_signatures(&mut self, rel: &str, entries: &[super::record::Entry]) {
        let keys = self.keys.clone().unwrap_or_default();
        for (i, entry) in entries.iter().enumerate() {
            let cosigned_later = entries[i + 1..]
                .iter()
                .any(|later| later.record.same_decision(&entry.record));
            let record = &entry.record;
            if record.decision == Decision::Approved
                && record.evidence.is_empty()
                && record.no_evidence.is_none()
            {
                self.notes.push(Problem {
                    file: rel.to_string(),
                    line: Some(entry.line),
                    message: "an approval without evidence (no archive hash, no licence file) and without a `no-evidence` reason".to_string(),
                });
            }
            let Some(signed) = entry.signed.as_deref() else {
                if keys.required {
                    self.problem(
                        rel,
                        Some(entry.line),
                        "unsigned: this index's config.json lists signing keys, so every record is signed by its reviewer (fundament index publish --sign-key)",
                    );
                }
                continue;
            };
            let check = signature::check(record, signed, &keys.keyring);
            if check.valid() {
                self.signed += 1;
                if let Some(given) =
                    signature::approvals_missing(record.decision, &check, keys.keyring.approvals)
                    && !cosigned_later
                {
                    self.notes.push(Problem {
                        file: rel.to_string(),
                        line: Some(entry.line),
                        message: format!(
                            "under review: approved and signed by {given} of the {} people an approval needs",
                            keys.keyring.approvals
                        ),
                    });
                }
            }
            for problem in check.problems {
                self.problem(rel, Some(entry.line), problem);
            }
        }
    }

    /// Adds what another part of the tree found.
    fn absorb(&mut self, other: Report) {
        self.problems.extend(other.problems);
        self.notes.extend(other.notes);
        self.files += other.files;
        self.records += other.records;
        self.packages += other.packages;
        self.signed += other.signed;
    }
}

/// Lines are appended in date order: a line dated before an earlier line was not appended
/// (an edit, or a bad merge), and "the last line wins" would no longer mean "the newest".
fn check_order(report: &mut Report, rel: &str, entries: &[Entry]) {
    let mut newest: Option<&Entry> = None;
    for (i, entry) in entries.iter().enumerate() {
        // A co-signature repeats an earlier record, with its date.
        if entries[..i]
            .iter()
            .any(|e| e.record.same_decision(&entry.record))
        {
            continue;
        }
        if let Some(previous) = newest
            && entry.date < previous.date
        {
            report.problem(
                rel,
                Some(entry.line),
                format!(
                    "dated {}, before line {} ({}); lines are appended in date order",
                    entry.record.date, previous.line, previous.record.date
                ),
            );
            continue;
        }
        newest = Some(entry);
    }
}

/// Purl types of the purl specification that fundament does not hold yet: a root folder of
/// such a name may become part of the record tree in a later schema, so verify notes it.
const RESERVED: &[&str] = &[
    "alpm",
    "apk",
    "bitbucket",
    "bitnami",
    "cocoapods",
    "conan",
    "conda",
    "cpan",
    "cran",
    "deb",
    "docker",
    "gem",
    "generic",
    "github",
    "hackage",
    "hex",
    "huggingface",
    "luarocks",
    "mlflow",
    "nuget",
    "oci",
    "pub",
    "qpm",
    "rpm",
    "swid",
    "swift",
];

/// Verifies the index in the folder `root`: config.json, every file in the record tree, every
/// line.
///
/// The record tree is `config.json` and the folders named after the ecosystems
/// (`cargo`, `npm`, `pypi`, `composer`, `golang`, `maven`). Everything else at the root (a
/// README, LICENSE, CODEOWNERS, CI files, `.git`, a generated site in `public/`) is outside
/// it: not read and not checked, only counted in a note, so that an index repository can be
/// a normal repository. Inside the record tree everything must be a record file where the
/// layout puts it.
pub fn verify_folder(root: &Path, today: jiff::civil::Date) -> Report {
    let mut report = Report::default();
    match super::source::read_contained(root, CONFIG_FILE) {
        Ok(bytes) => report.check_config(bytes.as_deref()),
        Err(e) => report.problem(CONFIG_FILE, None, e),
    }
    let entries = match std::fs::read_dir(root) {
        Ok(entries) => entries,
        Err(e) => {
            report.problem(
                &root.display().to_string(),
                None,
                format!("cannot read: {e}"),
            );
            return report;
        }
    };
    let mut names: Vec<_> = entries.flatten().collect();
    names.sort_by_key(|e| e.file_name());
    let mut outside = Vec::new();
    for entry in names {
        let name = entry.file_name().to_string_lossy().into_owned();
        let Ok(kind) = entry.file_type() else {
            continue;
        };
        let ecosystem = ECOSYSTEMS.iter().find(|e| e.purl_type() == name);
        if name == CONFIG_FILE {
            if kind.is_symlink() || !kind.is_file() {
                report.problem(&name, None, "not a regular file");
            }
            continue;
        }
        if ecosystem.is_none() {
            if RESERVED.contains(&name.as_str()) && kind.is_dir() {
                report.note(
                    &name,
                    "named like a package type fundament may hold in a later version; it is outside the record tree today",
                );
            }
            if name != ".git" && name != LOCK_FILE {
                outside.push(if kind.is_dir() {
                    format!("{name}/")
                } else {
                    name
                });
            }
            continue;
        }
        if kind.is_symlink() {
            report.problem(&name, None, "a symbolic link; an index holds no links");
        } else if kind.is_dir() {
            let mut files = Vec::new();
            walk(&mut report, &entry.path(), &name, &mut files);
            let keys = report.keys.clone();
            let parts: Vec<Report> = files
                .par_iter()
                .map(|(rel, path)| {
                    let mut part = Report {
                        keys: keys.clone(),
                        ..Default::default()
                    };
                    match crate::source::read_bounded(path, crate::source::Limit::INDEX_RECORD) {
                        Ok(bytes) => part.check_file(rel, &bytes, today),
                        Err(refusal) => part.problem(rel, None, refusal.reason_text()),
                    }
                    part
                })
                .collect();
            for part in parts {
                report.absorb(part);
            }
        } else {
            report.problem(
                &name,
                None,
                "not a folder: the ecosystem folders of the record tree hold the record files",
            );
        }
    }
    if !outside.is_empty() {
        let count = outside.len();
        report.note(
            ".",
            format!(
                "{count} entr{} outside the record tree, not checked: {}",
                if count == 1 { "y" } else { "ies" },
                outside.join(", ")
            ),
        );
    }
    report
}

/// Checks the folders below `dir` (the ecosystem folder `rel`) and collects the record files
/// in them, with their paths relative to the index root.
fn walk(report: &mut Report, dir: &Path, rel: &str, files: &mut Vec<(String, std::path::PathBuf)>) {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) => {
            report.problem(rel, None, format!("cannot read: {e}"));
            return;
        }
    };
    let mut entries: Vec<_> = entries.flatten().collect();
    entries.sort_by_key(|e| e.file_name());
    for entry in entries {
        let Some(name) = entry.file_name().to_str().map(str::to_string) else {
            report.problem(
                &format!("{rel}/{}", entry.file_name().to_string_lossy()),
                None,
                "the name is not UTF-8",
            );
            continue;
        };
        let path = format!("{rel}/{name}");
        let Ok(kind) = entry.file_type() else {
            continue;
        };
        if kind.is_symlink() {
            report.problem(&path, None, "a symbolic link; an index holds no links");
        } else if kind.is_dir() {
            // Prefix folders are at most two deep: `3/a/`, `ab/cd/`.
            if path.matches('/').count() >= 3 {
                report.problem(&path, None, "a folder deeper than the layout's prefixes");
            } else if let Err(why) = layout::check_file_name(&name) {
                report.problem(&path, None, format!("an odd folder name: {why}"));
            } else {
                walk(report, &entry.path(), &path, files);
            }
        } else if name.starts_with('.') && name.ends_with(TEMP_SUFFIX) {
            report.note(
                &path,
                "left over by a publish that was interrupted before it replaced the file; the index is intact, the next publish into this folder removes it",
            );
        } else {
            // Links were reported above; a FIFO or a device is refused by the bounded reading
            // (with what it is), in the parallel reading below.
            files.push((path, entry.path()));
        }
    }
}

/// Verifies an index served over HTTP: its config.json, and the files of `purls` (an HTTP
/// index cannot be listed, so nothing else can be checked).
pub fn verify_http(base: &str, purls: &[String], http: &Http, today: jiff::civil::Date) -> Report {
    let mut report = Report::default();
    let base = base.trim_end_matches('/');
    match http.get(&format!("{base}/{CONFIG_FILE}"), super::source::ACCEPT) {
        Ok(fetched) => report.check_config(Some(&fetched.body)),
        Err(HttpError::NotFound { .. }) => report.check_config(None),
        Err(e) => report.problem(CONFIG_FILE, None, e.to_string()),
    }
    report.note(
        base,
        if purls.is_empty() {
            "an index served over HTTP cannot be listed: only config.json was verified; name packages with --purl to verify their files, or verify a checkout of the index".to_string()
        } else {
            format!(
                "an index served over HTTP cannot be listed: config.json and the files of the {} package(s) named were verified",
                purls.len()
            )
        },
    );
    for purl in purls {
        let id = match PackageId::from_purl(purl) {
            Ok(id) => id,
            Err(e) => {
                report.problem(purl, None, e.to_string());
                continue;
            }
        };
        let rel = id.path();
        match http.get(&format!("{base}/{rel}"), super::source::ACCEPT) {
            Ok(fetched) => report.check_file(&rel, &fetched.body, today),
            Err(HttpError::NotFound { .. }) => {
                report.note(&rel, format!("no records of {id} (404)"));
            }
            Err(e) => report.problem(&rel, None, e.to_string()),
        }
    }
    report
}
