//! Licence files in a package's own directory, their hashes, and what licence their text is.
//!
//! Texts are identified with [`super::detect_bytes`]. Results are cached on disk by the SHA-256
//! of the text, so a text is analysed once per machine and version of the licence data.

use super::{Detection, LicenceMatch};
use crate::source::confined::EntryKind;
use crate::source::{Confined, Limit, Refusal};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};

/// A licence text whose every claim scores at least this is identified.
pub const CONFIDENT: f32 = 0.9;
/// The version of fundament's matcher; bumped whenever it changes what it finds, so that cached
/// results are redone (the licence data's version is part of the cache key too).
const DETECTION_RULES: &str = "m1";
/// Licence files larger than this are hashed but not analysed (files larger than
/// [`Limit::LICENCE`] are not read at all).
const MAX_ANALYSED_BYTES: u64 = 8 * 1024 * 1024;

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
                let data = super::index::data_version().replace([' ', '/', '\\'], "-");
                b.join(format!("detection-{DETECTION_RULES}-{data}"))
            }),
        }
    }

    fn path(&self, sha256: &str) -> Option<PathBuf> {
        let dir = self.dir.as_ref()?;
        Some(dir.join(&sha256[..2]).join(format!("{sha256}.json")))
    }

    fn get(&self, sha256: &str) -> Option<Detection> {
        let text = crate::source::read_text_bounded(&self.path(sha256)?, Limit::CONFIG).ok()?;
        serde_json::from_str(&text).ok()
    }

    /// Best effort: a cache that cannot be written only costs time.
    fn put(&self, sha256: &str, detection: &Detection) {
        let Some(path) = self.path(sha256) else {
            return;
        };
        let Some(parent) = path.parent() else {
            return;
        };
        if std::fs::create_dir_all(parent).is_err() {
            return;
        }
        let Ok(json) = serde_json::to_vec(detection) else {
            return;
        };
        // Write under a unique temporary name, then rename: readers never see half a file.
        let tmp = parent.join(format!(".{sha256}.{}.tmp", std::process::id()));
        if std::fs::write(&tmp, json).is_ok() && std::fs::rename(&tmp, &path).is_err() {
            let _ = std::fs::remove_file(&tmp);
        }
    }
}

/// Detects the licences of a file's bytes whose hash is `sha256`, using the cache when it can.
pub fn detect_cached(name: &str, bytes: &[u8], sha256: &str, cache: &DetectionCache) -> Detection {
    if let Some(hit) = cache.get(sha256) {
        return hit;
    }
    let result = super::detect_bytes(name, bytes);
    if result.error.is_none() {
        cache.put(sha256, &result);
    }
    result
}

/// A licence file read, hashed and identified.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DetectedFile {
    /// The file's path relative to the package directory.
    pub path: String,
    pub sha256: String,
    pub kind: FileKind,
    /// The SPDX expression identified in the text; absent for unrecognised texts.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub licence: Option<String>,
    /// The lowest score of the matches that name a licence, 0 to 1 (0 when the text was not
    /// analysed or names none).
    pub confidence: f32,
    /// What was found where: the rule, lines, score of each match.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub matches: Vec<LicenceMatch>,
    /// Why the text was not analysed, when it was not.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub skipped: Option<String>,
}

/// Reads (through `files`, at most [`Limit::LICENCE`]), hashes and identifies one file
/// (notices too: they often name licences).
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
        matches: Vec::new(),
        skipped: None,
    };
    if bytes.len() as u64 > MAX_ANALYSED_BYTES {
        detected.skipped = Some(format!(
            "larger than {} KiB, not analysed",
            MAX_ANALYSED_BYTES / 1024
        ));
        return Ok(detected);
    }
    let detection = detect_cached(&file.name, &bytes, &detected.sha256, cache);
    if let Some(error) = detection.error {
        detected.skipped = Some(error);
        return Ok(detected);
    }
    detected.confidence = detection.confidence();
    detected.licence = detection.expression;
    detected.matches = detection.matches;
    Ok(detected)
}
