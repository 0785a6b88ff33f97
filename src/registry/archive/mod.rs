//! Licences read from a package's own archive, when its metadata names none: the npm tarball,
//! the PyPI sdist (`PKG-INFO`, licence files) and wheel (`License-File`, the licence files in
//! `*.dist-info`), the crate, the Maven jar (`META-INF/LICENSE`, the embedded POM), the
//! Composer dist zip. (Go module zips have a reader of their own, [`super::goproxy`], because
//! Go's `h1:` hash is over the module's files.)
//!
//! How an archive is read:
//! 1. downloaded through the bounded archive client (at most [`super::ARCHIVE_LIMIT`] bytes,
//!    refused before the body when the server announces more); a 404 or an HTML page where
//!    the archive should be is an error naming the URL;
//! 2. checked against the lockfile's integrity value (or, without one, the registry's): a
//!    mismatch is an error and nothing of the archive is used;
//! 3. every entry checked ([`read`]): traversal, absolute paths, links and special files,
//!    compression bombs and oversized files refuse the whole archive;
//! 4. of its files only the licence files and the one metadata file of its kind are kept, in
//!    memory; the licence files are written (plain names chosen here, never the archive's
//!    paths) into `<cache>/archive-files/<sha256 of the archive>/`, atomically, for the
//!    identify stage to identify with the detection engine, and the metadata's licence fields
//!    become declared evidence.
//!
//! Every file keeps the name it has in the archive ([`ArchiveOrigin::files`]), so the evidence
//! names the archive and the file in it. Nothing is executed; nothing is written outside the
//! cache (without a cache directory, outside a private temporary directory of this process).
//!
//! **For other stages** (notices, classifier checks): [`licence_files`] gives a package's
//! licence files and their texts from its archive, without the registry stage.

pub mod integrity;
pub mod read;

use super::http::{Http, HttpError};
use super::{FoundLicence, LookupError};
use read::{Kept, Limits, Refused};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

/// What kind of package archive, which says where its licence files and metadata are.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    /// npm tarball: `package/` (any one top directory), `package.json`.
    Npm,
    /// Python source distribution (tar.gz or zip): `<name>-<version>/`, `PKG-INFO`.
    Sdist,
    /// Python wheel (zip): `<name>-<version>.dist-info/METADATA` and its licence files.
    Wheel,
    /// Rust crate (tar.gz): `<name>-<version>/`, `Cargo.toml`.
    Crate,
    /// Java archive (zip): `META-INF/LICENSE*`, `META-INF/maven/<group>/<artifact>/pom.xml`.
    Jar,
    /// Composer dist (zip): one top directory, `composer.json`.
    Composer,
}

impl Kind {
    /// Whether the archive's files lie in one top directory to look below.
    fn has_top_directory(self) -> bool {
        matches!(self, Kind::Npm | Kind::Sdist | Kind::Crate | Kind::Composer)
    }
}

pub use crate::model::ArchiveOrigin;

/// A licence file of an archive.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArchiveLicenceFile {
    /// Its path in the archive.
    pub path: String,
    /// The name it is written under in the package directory.
    pub name: String,
    pub bytes: Vec<u8>,
}

/// What was read from one package archive.
#[derive(Debug, Clone, PartialEq)]
pub struct Contents {
    pub origin: ArchiveOrigin,
    /// The licence files (and notices) with their texts.
    pub files: Vec<ArchiveLicenceFile>,
    /// The licences its metadata file declares (`package.json` `license`, `PKG-INFO`
    /// `License-Expression`, ...), each naming the archive and the file.
    pub declared: Vec<FoundLicence>,
}

/// Why a package archive gave nothing.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ArchiveError {
    #[error("{0}")]
    Http(HttpError),
    #[error("{url}: the archive is larger than {}, the most fundament downloads to read its licence", crate::source::confined::human_size(*.limit))]
    TooLarge { url: String, limit: u64 },
    #[error("{url}: an HTML page was served where the package archive should be")]
    Html { url: String },
    #[error(
        "{url}: the archive does not match the integrity value recorded for it ({expected}; the archive hashes to {actual}); it was not used"
    )]
    Integrity {
        url: String,
        expected: String,
        actual: String,
    },
    #[error("{url}: refused: {refused}; nothing of it was used")]
    Refused { url: String, refused: Refused },
    #[error("cannot write the licence files of {url} to {dir}: {why}")]
    Write {
        url: String,
        dir: String,
        why: String,
    },
}

impl From<ArchiveError> for LookupError {
    fn from(err: ArchiveError) -> LookupError {
        match err {
            ArchiveError::Http(http) => LookupError::Http(http),
            other => LookupError::Archive(other.to_string()),
        }
    }
}

/// One package archive to read.
#[derive(Debug, Clone)]
pub struct Request<'a> {
    pub url: &'a str,
    pub kind: Kind,
    /// The lockfile's (or registry's) integrity value, any notation [`integrity::parse`] reads.
    pub integrity: Option<&'a str>,
}

/// Downloads and reads a package archive: its licence files with their texts, and what its
/// metadata declares. Writes nothing. This is the API for stages that want licence texts
/// (notices): it needs only an HTTP client bounded for archives.
pub fn licence_files(http: &Http, request: &Request) -> Result<Contents, ArchiveError> {
    licence_files_with(http, request, Limits::default())
}

/// [`licence_files`] with explicit limits.
pub fn licence_files_with(
    http: &Http,
    request: &Request,
    limits: Limits,
) -> Result<Contents, ArchiveError> {
    let url = request.url;
    let fetched = http
        .get(url, "application/octet-stream, */*;q=0.1")
        .map_err(|err| match err {
            HttpError::TooLarge { url, limit } => ArchiveError::TooLarge { url, limit },
            other => ArchiveError::Http(other),
        })?;
    read_archive(url, &fetched.body, request.kind, request.integrity, limits)
}

/// Reads an archive already in memory (see [`licence_files`]).
pub fn read_archive(
    url: &str,
    body: &[u8],
    kind: Kind,
    integrity: Option<&str>,
    limits: Limits,
) -> Result<Contents, ArchiveError> {
    if looks_like_html(body) {
        return Err(ArchiveError::Html {
            url: url.to_string(),
        });
    }
    if let Some(value) = integrity {
        let expected = integrity::parse(value);
        if let Err((expected, actual)) = integrity::check(body, &expected) {
            return Err(ArchiveError::Integrity {
                url: url.to_string(),
                expected,
                actual,
            });
        }
    }
    let refused = |refused: Refused| ArchiveError::Refused {
        url: url.to_string(),
        refused,
    };
    let sha256 = hex::encode(Sha256::digest(body));
    let is_zip = body.starts_with(b"PK");
    let wanted = |path: &[&str]| select(kind, path).is_some();
    let kept: Vec<Kept> = if is_zip {
        let mut zip = read::Zip::open(body, limits).map_err(refused)?;
        let mut kept = zip.read_wanted(&wanted).map_err(refused)?;
        if kind == Kind::Wheel {
            // Files the metadata names with `License-File`, wherever in dist-info they are.
            let named = wheel_licence_files(&kept);
            let present: Vec<String> = zip
                .files()
                .filter(|p| {
                    named
                        .iter()
                        .any(|n| p.ends_with(&format!(".dist-info/{n}")))
                })
                .filter(|p| !kept.iter().any(|k| &k.path == p))
                .map(str::to_string)
                .collect();
            for path in present {
                if let Some(bytes) = zip.read(&path).map_err(refused)? {
                    kept.push(Kept { path, bytes });
                }
            }
        }
        kept
    } else {
        read::tar_gz(body, limits, &wanted).map_err(refused)?
    };

    let top = kind
        .has_top_directory()
        .then(|| top_directory(&kept))
        .flatten();
    let mut files = Vec::new();
    let mut declared = Vec::new();
    let mut names: BTreeMap<String, String> = BTreeMap::new();
    for file in &kept {
        let elements: Vec<&str> = file.path.split('/').collect();
        let Some(role) = select(kind, &elements) else {
            // Named by License-File.
            push_licence(&mut files, &mut names, file, &elements);
            continue;
        };
        match role {
            Role::Licence => push_licence(&mut files, &mut names, file, &elements),
            Role::Metadata => {
                if kind.has_top_directory() && top.as_deref() != Some(elements[0]) {
                    continue;
                }
                let at = format!("{url}!/{}", file.path);
                declared.extend(metadata_licences(kind, &at, &file.bytes));
            }
        }
    }
    Ok(Contents {
        origin: ArchiveOrigin {
            url: url.to_string(),
            sha256,
            files: names,
        },
        files,
        declared,
    })
}

fn push_licence(
    files: &mut Vec<ArchiveLicenceFile>,
    names: &mut BTreeMap<String, String>,
    file: &Kept,
    elements: &[&str],
) {
    let base = elements.last().copied().unwrap_or("LICENSE");
    // Files the identify stage reads by name at the top; others (a wheel's `licenses/zlib.txt`)
    // in REUSE's `LICENSES/`.
    let base = if crate::licence::detect::is_licence_file_name(base) {
        base.to_string()
    } else {
        format!("LICENSES/{base}")
    };
    let mut name = base.clone();
    let mut n = 2;
    while names.contains_key(&name) {
        name = format!("{base}-{n}");
        n += 1;
    }
    names.insert(name.clone(), file.path.clone());
    files.push(ArchiveLicenceFile {
        path: file.path.clone(),
        name,
        bytes: file.bytes.clone(),
    });
}

/// What a file of an archive is to fundament.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    Licence,
    Metadata,
}

/// Whether the file at `path` (its elements) is a licence file or the metadata file of an
/// archive of `kind`.
fn select(kind: Kind, path: &[&str]) -> Option<Role> {
    let licence = |name: &str| crate::licence::detect::is_licence_file_name(name);
    match kind {
        Kind::Npm | Kind::Sdist | Kind::Crate | Kind::Composer => {
            let metadata = match kind {
                Kind::Npm => "package.json",
                Kind::Sdist => "PKG-INFO",
                Kind::Crate => "Cargo.toml",
                _ => "composer.json",
            };
            match path {
                [_, name] if *name == metadata => Some(Role::Metadata),
                [_, name] if licence(name) => Some(Role::Licence),
                [_, "LICENSES", name] if !name.is_empty() => Some(Role::Licence),
                _ => None,
            }
        }
        Kind::Wheel => match path {
            [dist, "METADATA"] if dist.ends_with(".dist-info") => Some(Role::Metadata),
            [dist, name] if dist.ends_with(".dist-info") && licence(name) => Some(Role::Licence),
            [dist, "licenses" | "LICENSES", ..] if dist.ends_with(".dist-info") => {
                Some(Role::Licence)
            }
            _ => None,
        },
        Kind::Jar => match path {
            ["META-INF", name] if licence(name) => Some(Role::Licence),
            ["META-INF", "maven", _, _, "pom.xml"] => Some(Role::Metadata),
            [name] if licence(name) => Some(Role::Licence),
            _ => None,
        },
    }
}

/// The one top directory all kept files lie in (`package` in npm tarballs).
fn top_directory(kept: &[Kept]) -> Option<String> {
    let mut tops = kept
        .iter()
        .filter_map(|k| k.path.split_once('/').map(|(t, _)| t));
    let first = tops.next()?;
    tops.all(|t| t == first).then(|| first.to_string())
}

/// The `License-File` values of a wheel's METADATA among `kept`.
fn wheel_licence_files(kept: &[Kept]) -> Vec<String> {
    kept.iter()
        .filter(|k| k.path.ends_with(".dist-info/METADATA"))
        .flat_map(|k| {
            super::pypi::headers(&String::from_utf8_lossy(&k.bytes))
                .into_iter()
                .filter(|(name, _)| name.eq_ignore_ascii_case("License-File"))
                .map(|(_, value)| value)
                .filter(|v| read::entry_path(v).is_ok())
                .collect::<Vec<_>>()
        })
        .collect()
}

/// Whether a body is an HTML page (a login page, an error page of a proxy) rather than an
/// archive.
fn looks_like_html(body: &[u8]) -> bool {
    let head: Vec<u8> = body
        .iter()
        .skip_while(|b| b.is_ascii_whitespace())
        .take(64)
        .map(u8::to_ascii_lowercase)
        .collect();
    head.starts_with(b"<!doctype html") || head.starts_with(b"<html") || head.starts_with(b"<?xml")
}

/// The licences a metadata file declares.
fn metadata_licences(kind: Kind, at: &str, bytes: &[u8]) -> Vec<FoundLicence> {
    let found = |raw: String, field: &str| FoundLicence {
        raw,
        url: at.to_string(),
        field: field.to_string(),
    };
    match kind {
        Kind::Npm | Kind::Composer => {
            #[derive(Deserialize)]
            struct Manifest {
                license: Option<crate::ecosystem::package_json::LicenceField>,
                licenses: Option<crate::ecosystem::package_json::LicenceField>,
            }
            let Ok(manifest) = serde_json::from_slice::<Manifest>(bytes) else {
                return Vec::new();
            };
            [
                ("license", manifest.license),
                ("licenses", manifest.licenses),
            ]
            .into_iter()
            .filter_map(|(field, value)| Some(found(value?.as_expression()?, field)))
            .collect()
        }
        Kind::Sdist | Kind::Wheel => {
            super::pypi::found(&String::from_utf8_lossy(bytes), at).licences
        }
        Kind::Crate => {
            let Ok(manifest) = toml::from_str::<toml::Value>(&String::from_utf8_lossy(bytes))
            else {
                return Vec::new();
            };
            manifest
                .get("package")
                .and_then(|p| p.get("license"))
                .and_then(toml::Value::as_str)
                .map(|raw| vec![found(raw.to_string(), "package.license")])
                .unwrap_or_default()
        }
        Kind::Jar => pom_licences(&String::from_utf8_lossy(bytes))
            .into_iter()
            .map(|raw| found(raw, "licenses"))
            .collect(),
    }
}

/// The `<licenses><license><name>` of a POM (several: all apply).
fn pom_licences(text: &str) -> Vec<String> {
    #[derive(Deserialize, Default)]
    struct Pom {
        #[serde(default)]
        licenses: Licenses,
    }
    #[derive(Deserialize, Default)]
    struct Licenses {
        #[serde(default)]
        license: Vec<Licence>,
    }
    #[derive(Deserialize)]
    struct Licence {
        name: Option<String>,
        url: Option<String>,
    }
    let Ok(pom) = quick_xml::de::from_str::<Pom>(text) else {
        return Vec::new();
    };
    let names: Vec<String> = pom
        .licenses
        .license
        .into_iter()
        .filter_map(|l| l.name.or(l.url))
        .map(|n| n.trim().to_string())
        .filter(|n| !n.is_empty())
        .collect();
    match names.len() {
        0 | 1 => names,
        _ => vec![
            names
                .iter()
                .map(|n| {
                    if n.contains(' ') {
                        format!("({n})")
                    } else {
                        n.clone()
                    }
                })
                .collect::<Vec<_>>()
                .join(" AND "),
        ],
    }
}

/// Writes the licence files of `contents` into `<base>/<sha256>/` (atomically: a temporary
/// directory renamed into place) and returns that directory. An existing directory is
/// complete and is kept.
pub fn store(base: &Path, contents: &Contents) -> Result<PathBuf, ArchiveError> {
    static COUNTER: AtomicUsize = AtomicUsize::new(0);
    let sha = &contents.origin.sha256;
    let dest = base.join(&sha[..2]).join(sha);
    if dest.is_dir() {
        return Ok(dest);
    }
    let error = |e: std::io::Error| ArchiveError::Write {
        url: contents.origin.url.clone(),
        dir: dest.display().to_string(),
        why: e.to_string(),
    };
    let parent = dest.parent().unwrap_or(base);
    std::fs::create_dir_all(parent).map_err(error)?;
    let tmp = parent.join(format!(
        ".{sha}.{}-{}.tmp",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    ));
    let written = (|| {
        std::fs::create_dir(&tmp)?;
        for file in &contents.files {
            // Names chosen by `push_licence`: a plain file name, or `LICENSES/` and one.
            let path = tmp.join(&file.name);
            if let Some(dir) = path.parent() {
                std::fs::create_dir_all(dir)?;
            }
            std::fs::write(&path, &file.bytes)?;
        }
        std::fs::rename(&tmp, &dest)
    })();
    match written {
        Ok(()) => Ok(dest),
        Err(_) if dest.is_dir() => {
            let _ = std::fs::remove_dir_all(&tmp);
            Ok(dest)
        }
        Err(e) => {
            let _ = std::fs::remove_dir_all(&tmp);
            Err(error(e))
        }
    }
}

/// Where archive licence files are written: `<cache>/archive-files`, or (without a cache) the
/// private temporary directory of this process that Go module licences use too.
pub fn files_dir(cache_dir: Option<&Path>) -> Result<PathBuf, LookupError> {
    match cache_dir {
        Some(dir) => Ok(dir.join("archive-files")),
        None => Ok(super::goproxy::process_dir()?.join("archive-files")),
    }
}

/// The directory the identify stage may read archive licence files from: `<cache>/archive-files`,
/// else this process's temporary one once it exists.
pub fn area_dir(cache_dir: Option<&Path>) -> Option<PathBuf> {
    match cache_dir {
        Some(dir) => Some(dir.join("archive-files")),
        None => super::goproxy::licence_dir(None).map(|d| d.join("archive-files")),
    }
}

#[cfg(test)]
mod tests;
