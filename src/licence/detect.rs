//! Licence files in a package's own directory, their hashes, and what licence their text is.
//!
//! Texts are identified with the `spdx` crate's detection store (an inlined askalono model of
//! the SPDX licence texts). The store takes a noticeable time to load, so it is loaded once,
//! lazily, only when a text is not already in the detection cache. Results are cached on disk
//! by the SHA-256 of the text, so a text is analysed once per machine.

use crate::source::confined::EntryKind;
use crate::source::{Confined, Limit, Refusal};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

/// A licence text scoring at least this is identified.
pub const CONFIDENT: f32 = 0.9;
/// Below this, a licence found inside a longer text is not reported.
const CONTAINED: f32 = 0.8;
/// The version of the rules fundament applies on top of the detection model (scanning
/// fallbacks, disambiguation); bumped whenever they change, so that cached results are redone.
const DETECTION_RULES: &str = "r2";
/// Licence files larger than this are hashed but not analysed (files larger than
/// [`Limit::LICENCE`] are not read at all).
const MAX_ANALYSED_BYTES: u64 = 512 * 1024;

/// The longest text scanned window by window from the top for an embedded licence.
const TOP_DOWN_MAX_BYTES: usize = 8 * 1024;

/// What kind of file a licence file is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FileKind {
    /// A licence text (LICENSE, COPYING, LICENSES/*).
    Licence,
    /// An attribution notice (NOTICE): kept as evidence, not identified.
    Notice,
}

/// A licence file found in a package directory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LicenceFile {
    pub path: PathBuf,
    /// The path relative to the package directory, with `/`.
    pub name: String,
    pub kind: FileKind,
}

/// Lists the licence files of a package: LICENSE*, LICENCE*, COPYING*, UNLICENSE*, NOTICE* in
/// its own directory, and every file in its LICENSES/ folder (REUSE). Files with source-code
/// extensions (a `license.js` module) are not licence files. The directory is listed through
/// `files` (the audited tree, or a cache of downloaded packages), so nothing outside it is
/// listed; links and special files under licence names are listed too, so that reading them
/// says why they were refused.
pub fn licence_files(files: &Confined, dir: &Path) -> Vec<LicenceFile> {
    let mut out = Vec::new();
    let Ok(entries) = files.list(dir) else {
        return out;
    };
    for entry in entries {
        if entry.kind == EntryKind::Dir {
            if entry.name == "LICENSES" {
                for file in files.list(&entry.path).into_iter().flatten() {
                    if file.kind != EntryKind::Dir {
                        out.push(LicenceFile {
                            path: file.path,
                            name: format!("LICENSES/{}", file.name),
                            kind: FileKind::Licence,
                        });
                    }
                }
            }
            continue;
        }
        if let Some(kind) = licence_file_kind(&entry.name) {
            out.push(LicenceFile {
                path: entry.path,
                name: entry.name,
                kind,
            });
        }
    }
    out.sort_by(|a, b| a.name.cmp(&b.name));
    out
}

fn licence_file_kind(name: &str) -> Option<FileKind> {
    let lower = name.to_ascii_lowercase();
    const CODE: &[&str] = &[
        ".js", ".mjs", ".cjs", ".ts", ".rs", ".py", ".go", ".java", ".c", ".h", ".json", ".yml",
        ".yaml", ".toml", ".sh", ".d.ts", ".map",
    ];
    if CODE.iter().any(|ext| lower.ends_with(ext)) {
        return None;
    }
    if ["license", "licence", "copying", "unlicense"]
        .iter()
        .any(|p| lower.starts_with(p))
    {
        Some(FileKind::Licence)
    } else if lower.starts_with("notice") {
        Some(FileKind::Notice)
    } else {
        None
    }
}

/// The hex SHA-256 of a licence file's bytes, read through `files`.
pub fn sha256_file(files: &Confined, path: &Path) -> Result<String, Refusal> {
    let bytes = files.read(path, Limit::LICENCE)?;
    Ok(sha256_hex(&bytes))
}

pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// What a licence text was identified as.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Identification {
    /// The SPDX expression of the licences found (several found in one text are joined with AND).
    pub licence: Option<String>,
    /// The match score, 0 to 1 (the lowest of several).
    pub confidence: f32,
}

/// The disk cache of identifications, keyed by text hash.
#[derive(Debug, Clone)]
pub struct DetectionCache {
    dir: Option<PathBuf>,
}

impl DetectionCache {
    /// A cache under `base` (fundament's cache directory), or none.
    pub fn new(base: Option<&Path>) -> DetectionCache {
        DetectionCache {
            // The licence list's version and the version of fundament's own rules on top of the
            // model (DETECTION_RULES) are part of the key: either can change results.
            dir: base.map(|b| {
                b.join(format!(
                    "detection-{DETECTION_RULES}-spdx-{}",
                    spdx::license_version()
                ))
            }),
        }
    }

    fn path(&self, sha256: &str) -> Option<PathBuf> {
        let dir = self.dir.as_ref()?;
        Some(dir.join(&sha256[..2]).join(format!("{sha256}.json")))
    }

    fn get(&self, sha256: &str) -> Option<Identification> {
        let text = crate::source::read_text_bounded(&self.path(sha256)?, Limit::CONFIG).ok()?;
        serde_json::from_str(&text).ok()
    }

    /// Best effort: a cache that cannot be written only costs time.
    fn put(&self, sha256: &str, identification: &Identification) {
        let Some(path) = self.path(sha256) else {
            return;
        };
        let Some(parent) = path.parent() else {
            return;
        };
        if std::fs::create_dir_all(parent).is_err() {
            return;
        }
        let Ok(json) = serde_json::to_vec(identification) else {
            return;
        };
        // Write under a unique temporary name, then rename: readers never see half a file.
        let tmp = parent.join(format!(".{sha256}.{}.tmp", std::process::id()));
        if std::fs::write(&tmp, json).is_ok() && std::fs::rename(&tmp, &path).is_err() {
            let _ = std::fs::remove_file(&tmp);
        }
    }
}

fn store() -> Option<&'static spdx::detection::Store> {
    static STORE: OnceLock<Option<spdx::detection::Store>> = OnceLock::new();
    STORE
        .get_or_init(|| spdx::detection::Store::load_inline().ok())
        .as_ref()
}

/// Identifies the licence of a text whose hash is `sha256`, using the cache when it can.
pub fn identify_text(text: &str, sha256: &str, cache: &DetectionCache) -> Identification {
    if let Some(hit) = cache.get(sha256) {
        return hit;
    }
    let result = analyse(text);
    cache.put(sha256, &result);
    result
}

fn analyse(text: &str) -> Identification {
    let Some(store) = store() else {
        return Identification {
            licence: None,
            confidence: 0.0,
        };
    };
    let data = spdx::detection::TextData::new(text);
    let whole = store.analyze(&data);
    if whole.score >= CONFIDENT {
        return Identification {
            licence: Some(disambiguate(whole.name, text).to_string()),
            confidence: whole.score,
        };
    }
    // Not one licence as a whole: look for licences embedded in a longer text (a LICENSE file
    // holding two licence texts, or a licence after a preamble), first by elimination (time
    // linear in the text: 0.4 s for 512 KiB), then, when that finds nothing and the text is
    // short, window by window from the top: that scan's time grows much faster than the text
    // (0.2 s for 8 KiB, 1.5 s for 16 KiB, minutes for 100 KiB), and a package's "LICENSE" may
    // be anything.
    let contained = |scanner: spdx::detection::scan::Scanner<'_>| -> Vec<(String, f32)> {
        scanner
            .scan(&data)
            .containing
            .iter()
            .map(|c| (disambiguate(c.license.name, text).to_string(), c.score))
            .collect()
    };
    let mut found = contained(
        spdx::detection::scan::Scanner::new(store)
            .confidence_threshold(CONTAINED)
            .optimize(true)
            .max_passes(4),
    );
    if found.is_empty() && text.len() <= TOP_DOWN_MAX_BYTES {
        found = contained(
            spdx::detection::scan::Scanner::with_scan_mode(
                store,
                spdx::detection::scan::ScanMode::top_down(),
            )
            .confidence_threshold(CONFIDENT),
        );
    }
    let mut names: Vec<&str> = found.iter().map(|(n, _)| n.as_str()).collect();
    names.sort_unstable();
    names.dedup();
    if names.is_empty() {
        return Identification {
            licence: None,
            confidence: whole.score,
        };
    }
    let confidence = found.iter().map(|(_, s)| *s).fold(f32::MAX, f32::min);
    Identification {
        licence: Some(names.join(" AND ")),
        confidence,
    }
}

/// Licences whose texts differ from another's in a clause or two, so that the text model
/// cannot tell them apart reliably: (what the model said, what it may really be, a phrase only
/// the latter has). Apache-2.0 files without the appendix score higher as Pixar, a modified
/// Apache-2.0 whose trademark clause reads differently.
const CONFUSABLE: &[(&str, &str, &str)] = &[(
    "Pixar",
    "Apache-2.0",
    "reasonable and customary use in describing the origin of the work",
)];

fn disambiguate<'a>(name: &'a str, text: &str) -> &'a str {
    for (said, really, phrase) in CONFUSABLE {
        if name == *said {
            let normalised = text
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" ")
                .to_lowercase();
            if normalised.contains(phrase) {
                return really;
            }
        }
    }
    name
}

/// A licence file read, hashed and identified.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DetectedFile {
    /// The file's path relative to the package directory.
    pub path: String,
    pub sha256: String,
    pub kind: FileKind,
    /// The SPDX expression identified in the text; absent for notices and unrecognised texts.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub licence: Option<String>,
    /// The match score of the identification (0 when the text was not analysed).
    pub confidence: f32,
    /// Why the text was not analysed, when it was not.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub skipped: Option<String>,
}

/// Reads (through `files`, at most [`Limit::LICENCE`]), hashes and (for licence texts)
/// identifies one file.
pub fn detect_file(
    files: &Confined,
    file: &LicenceFile,
    cache: &DetectionCache,
) -> Result<DetectedFile, Refusal> {
    let bytes = files.read(&file.path, Limit::LICENCE)?;
    let sha256 = sha256_hex(&bytes);
    let mut detected = DetectedFile {
        path: file.name.clone(),
        sha256,
        kind: file.kind,
        licence: None,
        confidence: 0.0,
        skipped: None,
    };
    if file.kind == FileKind::Notice {
        return Ok(detected);
    }
    if bytes.len() as u64 > MAX_ANALYSED_BYTES {
        detected.skipped = Some(format!(
            "larger than {} KiB, not analysed",
            MAX_ANALYSED_BYTES / 1024
        ));
        return Ok(detected);
    }
    let text = String::from_utf8_lossy(&bytes);
    let identification = identify_text(&text, &detected.sha256, cache);
    detected.licence = identification.licence;
    detected.confidence = identification.confidence;
    Ok(detected)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(name: &str) -> String {
        std::fs::read_to_string(
            Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("tests/fixtures/licence-texts")
                .join(name),
        )
        .unwrap()
    }

    #[test]
    fn apache_without_its_appendix_is_apache_not_pixar() {
        let found = analyse(&text("apache-2.0-without-appendix.txt"));
        assert_eq!(found.licence.as_deref(), Some("Apache-2.0"));
        assert!(found.confidence >= CONFIDENT);
    }

    #[test]
    fn two_licence_texts_in_one_file_are_both_found() {
        let both = text("two-bsd-3-clause-texts.txt");
        // As a whole the file matches nothing well: the scanners must find the texts inside.
        let whole = store()
            .unwrap()
            .analyze(&spdx::detection::TextData::new(&both));
        assert!(whole.score < CONFIDENT, "{}", whole.score);
        let found = analyse(&both);
        assert_eq!(found.licence.as_deref(), Some("BSD-3-Clause"));
    }

    #[test]
    fn licence_file_names_are_recognised() {
        assert_eq!(licence_file_kind("LICENSE"), Some(FileKind::Licence));
        assert_eq!(licence_file_kind("LICENSE-MIT"), Some(FileKind::Licence));
        assert_eq!(licence_file_kind("licence.md"), Some(FileKind::Licence));
        assert_eq!(licence_file_kind("COPYING.LESSER"), Some(FileKind::Licence));
        assert_eq!(licence_file_kind("UNLICENSE"), Some(FileKind::Licence));
        assert_eq!(licence_file_kind("NOTICE.txt"), Some(FileKind::Notice));
        assert_eq!(licence_file_kind("license.js"), None);
        assert_eq!(licence_file_kind("README.md"), None);
    }
}
