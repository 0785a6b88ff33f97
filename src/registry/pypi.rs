//! Python package indexes (PyPI and what mirrors it: devpi, Nexus, Artifactory, a plain PEP 503
//! directory): the project page of the Simple API, `<index>/<PEP 503 name>/`, asked for in JSON
//! (PEP 691) and read as HTML (PEP 503) when the index answers that instead, lists the files of
//! every version. Of the package's version, a wheel is chosen and its core metadata read:
//!
//! 1. `<wheel URL>.metadata` (PEP 658/714), which the index announces with `core-metadata`
//!    (`data-dist-info-metadata` in older indexes) — and which it may serve without announcing,
//!    so it is asked for unless the index says it has none;
//! 2. failing that (404), the wheel itself, at most [`WHEEL_LIMIT`] bytes by the size the index
//!    lists (and [`super::ARCHIVE_LIMIT`] by what the server sends), and its
//!    `*.dist-info/METADATA`.
//!
//! When that metadata declares no licence (or only `UNKNOWN`), the wheel itself is read for its
//! `License-File`s and the licence files in its dist-info; a version with only a source
//! distribution has its sdist read (`PKG-INFO` and the licence files at its top), see
//! [`super::archive`]. Where the index gives hashes, the metadata file, the wheel and the sdist
//! are checked against them.
//!
//! Of the metadata, `License-Expression` (PEP 639, an SPDX expression) comes first, then
//! `License` (free text; skipped when it is `UNKNOWN` or evidently the whole licence text), then
//! each `Classifier: License :: ...`; each is declared evidence with the metadata's URL and the
//! header's name.

use super::archive::Kind;
use super::http::{Http, HttpError};
use super::{ArchiveHint, Client, Found, FoundLicence, LookupError};
use crate::model::{Package, pep503};
use serde::Deserialize;
use serde_json::Value;
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::io::Read;

/// The largest wheel downloaded to read its metadata, by the size the index lists.
pub const WHEEL_LIMIT: u64 = 20 * 1024 * 1024;

/// The largest METADATA file read from a wheel.
const METADATA_LIMIT: u64 = 4 * 1024 * 1024;

/// A `License` value with more non-empty lines than this, or longer than [`LICENSE_TEXT_CHARS`],
/// is the licence's whole text, not its name.
const LICENSE_TEXT_LINES: usize = 3;
const LICENSE_TEXT_CHARS: usize = 512;

/// JSON first; HTML from indexes that do not speak PEP 691.
const SIMPLE_ACCEPT: &str = "application/vnd.pypi.simple.v1+json, \
     application/vnd.pypi.simple.v1+html;q=0.2, text/html;q=0.01";

pub struct Pypi<'a> {
    /// The client for wheels (bounded, not cached).
    pub archives: &'a Http,
}

/// The project page: `<index>/<normalised name>/`.
pub fn project_url(index: &str, name: &str) -> String {
    format!("{}/{}/", index.trim_end_matches('/'), pep503(name))
}

impl Client for Pypi<'_> {
    fn lookup(&self, http: &Http, index: &str, package: &Package) -> Result<Found, LookupError> {
        self.lookup_with_archive(http, index, package)
            .map(|(found, _)| found)
    }
}

impl Pypi<'_> {
    /// The licences the core metadata declares, and the distribution file to read when it
    /// declares none: the wheel read (whose `License-File`s and dist-info licence files then
    /// count), or the sdist when the version has no wheel.
    pub fn lookup_with_archive(
        &self,
        http: &Http,
        index: &str,
        package: &Package,
    ) -> Result<(Found, Option<ArchiveHint>), LookupError> {
        let page = project_url(index, &package.name);
        let fetched = http.get(&page, SIMPLE_ACCEPT)?;
        let files = parse_page(&page, &fetched.body)?;
        let name = pep503(&package.name);
        let of_version: Vec<&DistFile> = files
            .iter()
            .filter(|f| {
                file_version(&f.filename, &name)
                    .is_some_and(|(_, v)| same_version(&v, &package.version))
            })
            .collect();
        if of_version.is_empty() {
            return Err(LookupError::Said(crate::text!(
                "lookup_no_file",
                page = page,
                name = package.name,
                version = package.version
            )));
        }
        let Some(wheel) = choose_wheel(&of_version, &name) else {
            // Only source distributions: their PKG-INFO and licence files are in the archive.
            let Some(sdist) = choose_sdist(&of_version, &name) else {
                return Err(LookupError::Said(crate::text!(
                    "lookup_no_distribution",
                    page = page,
                    name = package.name,
                    version = package.version
                )));
            };
            let empty = Found {
                licences: Vec::new(),
                dir: None,
            };
            return Ok((empty, Some(hint(sdist, Kind::Sdist))));
        };
        let wheel_hint = Some(hint(wheel, Kind::Wheel));

        if wheel.metadata != MetadataFile::Unavailable {
            let url = format!("{}.metadata", wheel.url);
            match http.get(&url, "text/plain, */*;q=0.1") {
                Ok(fetched) => {
                    if let MetadataFile::Available {
                        sha256: Some(expected),
                    } = &wheel.metadata
                    {
                        check_sha256(&url, &fetched.body, expected)?;
                    }
                    let text = String::from_utf8_lossy(&fetched.body);
                    return Ok((found(&text, &url), wheel_hint));
                }
                // Announced or not, it is not there: read the wheel.
                Err(HttpError::NotFound { .. }) => {}
                Err(err) => return Err(err.into()),
            }
        }

        if let Some(size) = wheel.size
            && size > WHEEL_LIMIT
        {
            return Err(LookupError::Invalid(format!(
                "{page}: the index serves no metadata file for {}, and the wheel is {} MB, more \
                 than the {} MB fundament downloads to read its metadata",
                wheel.filename,
                size.div_ceil(1024 * 1024),
                WHEEL_LIMIT / (1024 * 1024)
            )));
        }
        let fetched = self
            .archives
            .get(&wheel.url, "application/octet-stream, */*;q=0.1")
            .map_err(|err| match err {
                HttpError::TooLarge { url, limit } => LookupError::Invalid(format!(
                    "{url}: the wheel is larger than {} MB, the most fundament downloads to \
                     read its metadata",
                    limit / (1024 * 1024)
                )),
                other => other.into(),
            })?;
        if let Some(expected) = &wheel.sha256 {
            check_sha256(&wheel.url, &fetched.body, expected)?;
        }
        let (entry, text) = wheel_metadata(&wheel.url, &fetched.body, &name)?;
        Ok((found(&text, &format!("{}!/{entry}", wheel.url)), wheel_hint))
    }
}

/// One version of a project as its page lists it, for `--resolve-unlocked`.
#[derive(Debug, Clone)]
pub struct Release {
    pub version: String,
    /// Every file of the version is yanked (PEP 592): pip takes it only for an exact pin.
    pub yanked: bool,
    /// The `requires-python` of its files (the first that states one).
    pub requires_python: Option<String>,
}

/// The versions of `name` the index lists, with the project page's URL.
pub fn releases(
    http: &Http,
    index: &str,
    name: &str,
) -> Result<(String, Vec<Release>), LookupError> {
    let page = project_url(index, name);
    let fetched = http.get(&page, SIMPLE_ACCEPT)?;
    let files = parse_page(&page, &fetched.body)?;
    let name = pep503(name);
    let mut releases: Vec<Release> = Vec::new();
    for file in &files {
        let Some((_, version)) = file_version(&file.filename, &name) else {
            continue;
        };
        match releases
            .iter_mut()
            .find(|r| same_version(&r.version, &version))
        {
            Some(release) => {
                release.yanked &= file.yanked;
                if release.requires_python.is_none() {
                    release.requires_python.clone_from(&file.requires_python);
                }
            }
            None => releases.push(Release {
                version,
                yanked: file.yanked,
                requires_python: file.requires_python.clone(),
            }),
        }
    }
    Ok((page, releases))
}

/// The core metadata of `name` `version` (its `Requires-Dist` lines are its dependencies): the
/// wheel's `.metadata` file (PEP 658), else the wheel's own `METADATA` (at most
/// [`WHEEL_LIMIT`] bytes, through `archives`); with the URL it was read from. A version with
/// only a source distribution has no metadata fundament can read without building it.
pub fn core_metadata(
    http: &Http,
    archives: &Http,
    index: &str,
    name: &str,
    version: &str,
) -> Result<(String, String), LookupError> {
    let page = project_url(index, name);
    let fetched = http.get(&page, SIMPLE_ACCEPT)?;
    let files = parse_page(&page, &fetched.body)?;
    let name = pep503(name);
    let of_version: Vec<&DistFile> = files
        .iter()
        .filter(|f| {
            file_version(&f.filename, &name).is_some_and(|(_, v)| same_version(&v, version))
        })
        .collect();
    let Some(wheel) = choose_wheel(&of_version, &name) else {
        return Err(LookupError::Said(crate::text!(
            "lookup_no_wheel",
            page = page,
            name = name,
            version = version
        )));
    };
    if wheel.metadata != MetadataFile::Unavailable {
        let url = format!("{}.metadata", wheel.url);
        match http.get(&url, "text/plain, */*;q=0.1") {
            Ok(fetched) => {
                if let MetadataFile::Available {
                    sha256: Some(expected),
                } = &wheel.metadata
                {
                    check_sha256(&url, &fetched.body, expected)?;
                }
                return Ok((url, String::from_utf8_lossy(&fetched.body).into_owned()));
            }
            Err(HttpError::NotFound { .. }) => {}
            Err(err) => return Err(err.into()),
        }
    }
    if wheel.size.is_some_and(|size| size > WHEEL_LIMIT) {
        return Err(LookupError::Invalid(format!(
            "{page}: the index serves no metadata file for {}, and the wheel is larger than \
             fundament downloads to read its metadata",
            wheel.filename
        )));
    }
    let fetched = archives.get(&wheel.url, "application/octet-stream, */*;q=0.1")?;
    if let Some(expected) = &wheel.sha256 {
        check_sha256(&wheel.url, &fetched.body, expected)?;
    }
    let (entry, text) = wheel_metadata(&wheel.url, &fetched.body, &name)?;
    Ok((format!("{}!/{entry}", wheel.url), text))
}

/// A distribution file as an archive to read, with the index's SHA-256 for it.
fn hint(file: &DistFile, kind: Kind) -> ArchiveHint {
    ArchiveHint {
        url: file.url.clone(),
        kind,
        integrity: file.sha256.as_ref().map(|h| format!("sha256:{h}")),
    }
}

/// The source distribution to read: unyanked first, tar.gz (the standard format) before zip,
/// small before large; formats fundament cannot unpack (bz2, xz) are not chosen.
fn choose_sdist<'a>(files: &[&'a DistFile], name: &str) -> Option<&'a DistFile> {
    let mut sdists: Vec<&DistFile> = files
        .iter()
        .copied()
        .filter(|f| matches!(file_version(&f.filename, name), Some((FileKind::Sdist, _))))
        .filter(|f| {
            [".tar.gz", ".tgz", ".zip"]
                .iter()
                .any(|ext| f.filename.ends_with(ext))
        })
        .collect();
    sdists.sort_by_key(|f| {
        (
            f.yanked,
            !f.filename.ends_with(".tar.gz"),
            f.size.unwrap_or(u64::MAX),
        )
    });
    sdists.first().copied()
}

/// Whether (and with which hash) the index serves a file's metadata separately.
#[derive(Debug, Clone, PartialEq, Eq)]
enum MetadataFile {
    /// The index does not say: ask anyway.
    Unknown,
    /// The index says it has none.
    Unavailable,
    Available {
        sha256: Option<String>,
    },
}

/// A file of the project page.
#[derive(Debug, Clone, PartialEq)]
struct DistFile {
    filename: String,
    /// Absolute, without fragment.
    url: String,
    sha256: Option<String>,
    size: Option<u64>,
    metadata: MetadataFile,
    yanked: bool,
    /// The Python versions it installs on (`requires-python`, PEP 345 specifiers).
    requires_python: Option<String>,
}

#[derive(Deserialize)]
struct JsonPage {
    #[serde(default)]
    files: Vec<JsonFile>,
}

#[derive(Deserialize)]
struct JsonFile {
    filename: String,
    url: String,
    #[serde(default)]
    hashes: HashMap<String, String>,
    size: Option<u64>,
    #[serde(rename = "core-metadata")]
    core_metadata: Option<Value>,
    #[serde(rename = "data-dist-info-metadata")]
    data_dist_info_metadata: Option<Value>,
    #[serde(rename = "dist-info-metadata")]
    dist_info_metadata: Option<Value>,
    #[serde(default)]
    yanked: Value,
    #[serde(rename = "requires-python")]
    requires_python: Option<String>,
}

/// The files of a project page, JSON (PEP 691) or HTML (PEP 503).
fn parse_page(page: &str, body: &[u8]) -> Result<Vec<DistFile>, LookupError> {
    let text = String::from_utf8_lossy(body);
    let trimmed = text.trim_start_matches('\u{feff}').trim_start();
    if trimmed.starts_with('{') {
        let parsed: JsonPage = super::json(page, body)?;
        return Ok(parsed
            .files
            .into_iter()
            .map(|f| {
                let flag = f
                    .core_metadata
                    .or(f.data_dist_info_metadata)
                    .or(f.dist_info_metadata);
                let (url, fragment_hash) = split_fragment(&resolve_url(page, &f.url));
                DistFile {
                    filename: f.filename,
                    url,
                    sha256: f.hashes.get("sha256").cloned().or(fragment_hash),
                    size: f.size,
                    metadata: match flag {
                        Some(Value::Bool(true)) => MetadataFile::Available { sha256: None },
                        Some(Value::Object(hashes)) => MetadataFile::Available {
                            sha256: hashes
                                .get("sha256")
                                .and_then(Value::as_str)
                                .map(str::to_string),
                        },
                        Some(Value::Bool(false)) => MetadataFile::Unavailable,
                        _ => MetadataFile::Unknown,
                    },
                    yanked: match f.yanked {
                        Value::Bool(b) => b,
                        Value::String(_) => true,
                        _ => false,
                    },
                    requires_python: f.requires_python.filter(|r| !r.trim().is_empty()),
                }
            })
            .collect());
    }
    if trimmed.starts_with('<') {
        return Ok(parse_html(page, trimmed));
    }
    Err(LookupError::Invalid(format!(
        "{page}: the answer is neither the JSON (PEP 691) nor the HTML (PEP 503) Simple API"
    )))
}

/// The anchors of a PEP 503 page: `<a href="URL#sha256=..." data-core-metadata="sha256=..."
/// data-yanked>filename</a>`.
fn parse_html(page: &str, text: &str) -> Vec<DistFile> {
    let mut out = Vec::new();
    let lower = text.to_ascii_lowercase();
    let mut pos = 0;
    while let Some(found) = lower[pos..].find("<a") {
        let start = pos + found + 2;
        pos = start;
        if !lower[start..].starts_with(|c: char| c.is_ascii_whitespace()) {
            continue;
        }
        let Some((attributes, tag_end)) = attributes(&text[start..]) else {
            break;
        };
        let body_start = start + tag_end;
        let body_end = lower[body_start..]
            .find("</a")
            .map_or(text.len(), |e| body_start + e);
        pos = body_end;
        let Some(href) = attributes.get("href") else {
            continue;
        };
        let (url, sha256) = split_fragment(&resolve_url(page, href));
        let anchor = unescape(text[body_start..body_end].trim());
        let filename = if anchor.is_empty() {
            url.rsplit('/').next().unwrap_or_default().to_string()
        } else {
            anchor
        };
        let flag = attributes
            .get("data-core-metadata")
            .or_else(|| attributes.get("data-dist-info-metadata"));
        out.push(DistFile {
            filename,
            url,
            sha256,
            size: None,
            metadata: match flag {
                None => MetadataFile::Unknown,
                Some(value) if value.eq_ignore_ascii_case("false") => MetadataFile::Unavailable,
                Some(value) => MetadataFile::Available {
                    sha256: value.strip_prefix("sha256=").map(str::to_string),
                },
            },
            yanked: attributes.contains_key("data-yanked"),
            requires_python: attributes
                .get("data-requires-python")
                .map(|r| unescape(r))
                .filter(|r| !r.trim().is_empty()),
        });
    }
    out
}

/// The attributes of a tag whose name was just read, and the offset after its `>`.
fn attributes(text: &str) -> Option<(HashMap<String, String>, usize)> {
    let bytes = text.as_bytes();
    let mut map = HashMap::new();
    let mut i = 0;
    loop {
        while i < bytes.len() && (bytes[i].is_ascii_whitespace() || bytes[i] == b'/') {
            i += 1;
        }
        if i >= bytes.len() {
            return None;
        }
        if bytes[i] == b'>' {
            return Some((map, i + 1));
        }
        let name_start = i;
        while i < bytes.len()
            && !bytes[i].is_ascii_whitespace()
            && !matches!(bytes[i], b'=' | b'>' | b'/')
        {
            i += 1;
        }
        let name = text[name_start..i].to_ascii_lowercase();
        while i < bytes.len() && bytes[i].is_ascii_whitespace() {
            i += 1;
        }
        let mut value = String::new();
        if i < bytes.len() && bytes[i] == b'=' {
            i += 1;
            while i < bytes.len() && bytes[i].is_ascii_whitespace() {
                i += 1;
            }
            if i < bytes.len() && (bytes[i] == b'"' || bytes[i] == b'\'') {
                let quote = bytes[i];
                let value_start = i + 1;
                let end = bytes[value_start..].iter().position(|&b| b == quote)?;
                value = unescape(&text[value_start..value_start + end]);
                i = value_start + end + 1;
            } else {
                let value_start = i;
                while i < bytes.len() && !bytes[i].is_ascii_whitespace() && bytes[i] != b'>' {
                    i += 1;
                }
                value = unescape(&text[value_start..i]);
            }
        }
        if !name.is_empty() {
            map.insert(name, value);
        }
    }
}

fn unescape(text: &str) -> String {
    quick_xml::escape::unescape(text)
        .map(|s| s.into_owned())
        .unwrap_or_else(|_| text.to_string())
}

/// `url` without its fragment, and the SHA-256 a `#sha256=` fragment gives.
fn split_fragment(url: &str) -> (String, Option<String>) {
    match url.split_once('#') {
        Some((base, fragment)) => (
            base.to_string(),
            fragment.strip_prefix("sha256=").map(str::to_string),
        ),
        None => (url.to_string(), None),
    }
}

/// A link of a page, made absolute (RFC 3986 reference resolution, for the forms indexes use:
/// absolute, scheme-relative, host-relative and path-relative with `./` and `../`).
fn resolve_url(page: &str, link: &str) -> String {
    if link.contains("://") {
        return link.to_string();
    }
    let (scheme, rest) = page.split_once("://").unwrap_or(("https", page));
    if let Some(host_relative) = link.strip_prefix("//") {
        return format!("{scheme}://{host_relative}");
    }
    let authority = rest.split('/').next().unwrap_or(rest);
    if link.starts_with('/') {
        return format!("{scheme}://{authority}{link}");
    }
    let page_path = rest[authority.len()..]
        .split(['?', '#'])
        .next()
        .unwrap_or_default();
    let mut segments: Vec<&str> = page_path.split('/').collect();
    // The page's last segment (after its last `/`) is replaced by the link.
    segments.pop();
    let (link_path, suffix) = match link.find(['?', '#']) {
        Some(i) => (&link[..i], &link[i..]),
        None => (link, ""),
    };
    for part in link_path.split('/') {
        match part {
            "." => {}
            ".." => {
                if segments.len() > 1 {
                    segments.pop();
                }
            }
            other => segments.push(other),
        }
    }
    let mut path = segments.join("/");
    if !path.starts_with('/') {
        path.insert(0, '/');
    }
    if link_path.ends_with("/.") || link_path.ends_with("/..") {
        path.push('/');
    }
    format!("{scheme}://{authority}{path}{suffix}")
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum FileKind {
    Wheel,
    Sdist,
}

/// The kind and version of a distribution file of project `name` (normalised): wheels
/// `{name}-{version}(-{build})?-{python}-{abi}-{platform}.whl`, sdists `{name}-{version}.tar.gz`
/// (and the older archive formats). Other files (eggs, installers) give `None`.
fn file_version(filename: &str, name: &str) -> Option<(FileKind, String)> {
    if let Some(stem) = filename.strip_suffix(".whl") {
        let parts: Vec<&str> = stem.split('-').collect();
        if (parts.len() == 5 || parts.len() == 6) && pep503(parts[0]) == name {
            return Some((FileKind::Wheel, parts[1].to_string()));
        }
        return None;
    }
    let stem = [".tar.gz", ".zip", ".tar.bz2", ".tar.xz", ".tgz", ".tar"]
        .iter()
        .find_map(|ext| filename.strip_suffix(ext))?;
    stem.match_indices('-')
        .map(|(i, _)| i)
        .find(|&i| pep503(&stem[..i]) == name)
        .map(|i| (FileKind::Sdist, stem[i + 1..].to_string()))
}

/// The wheel to read: one whose metadata file the index announces, pure-Python ones before
/// platform builds, unyanked before yanked, small before large.
fn choose_wheel<'a>(files: &[&'a DistFile], name: &str) -> Option<&'a DistFile> {
    let mut wheels: Vec<&DistFile> = files
        .iter()
        .copied()
        .filter(|f| matches!(file_version(&f.filename, name), Some((FileKind::Wheel, _))))
        .collect();
    wheels.sort_by_key(|f| {
        (
            f.yanked,
            !matches!(f.metadata, MetadataFile::Available { .. }),
            !f.filename.ends_with("-none-any.whl"),
            f.size.unwrap_or(u64::MAX),
        )
    });
    wheels.first().copied()
}

/// Whether two version strings name the same PEP 440 version: case, a leading `v`, the
/// separators `.`, `-`, `_`, alternative spellings of pre- and post-release markers and
/// trailing zeros of the release number do not matter.
fn same_version(a: &str, b: &str) -> bool {
    a == b || canonical_version(a) == canonical_version(b)
}

fn canonical_version(version: &str) -> String {
    let lower = version.trim().to_ascii_lowercase();
    let lower = lower.strip_prefix('v').unwrap_or(&lower);
    let (public, local) = match lower.split_once('+') {
        Some((p, l)) => (p, Some(l)),
        None => (lower, None),
    };
    let mut tokens: Vec<String> = Vec::new();
    let mut current = String::new();
    let flush = |current: &mut String, tokens: &mut Vec<String>| {
        if current.is_empty() {
            return;
        }
        let token = if current.bytes().all(|b| b.is_ascii_digit()) {
            let trimmed = current.trim_start_matches('0');
            if trimmed.is_empty() { "0" } else { trimmed }.to_string()
        } else {
            match current.as_str() {
                "alpha" => "a",
                "beta" => "b",
                "c" | "pre" | "preview" => "rc",
                "rev" | "r" => "post",
                other => other,
            }
            .to_string()
        };
        tokens.push(token);
        current.clear();
    };
    for c in public.chars() {
        if matches!(c, '.' | '-' | '_') {
            flush(&mut current, &mut tokens);
            continue;
        }
        let switches = current
            .chars()
            .last()
            .is_some_and(|last| last.is_ascii_digit() != c.is_ascii_digit());
        if switches {
            flush(&mut current, &mut tokens);
        }
        current.push(c);
    }
    flush(&mut current, &mut tokens);
    let release = tokens
        .iter()
        .take_while(|t| t.bytes().all(|b| b.is_ascii_digit()))
        .count();
    let mut end = release;
    while end > 1 && tokens[end - 1] == "0" {
        end -= 1;
    }
    tokens.drain(end..release);
    let mut out = tokens.join(".");
    if let Some(local) = local {
        out.push('+');
        out.push_str(&local.replace(['-', '_'], "."));
    }
    out
}

fn check_sha256(url: &str, body: &[u8], expected: &str) -> Result<(), LookupError> {
    let actual = hex::encode(Sha256::digest(body));
    if actual.eq_ignore_ascii_case(expected.trim()) {
        Ok(())
    } else {
        Err(LookupError::Invalid(format!(
            "{url}: the file's SHA-256 is {actual}, the index lists {expected}"
        )))
    }
}

/// The `<name>-<version>.dist-info/METADATA` of a wheel, with its path.
fn wheel_metadata(url: &str, body: &[u8], name: &str) -> Result<(String, String), LookupError> {
    let invalid = |why: String| LookupError::Invalid(format!("{url}: {why}"));
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(body))
        .map_err(|e| invalid(format!("not a readable wheel ({e})")))?;
    let candidates: Vec<String> = archive
        .file_names()
        .filter(|n| {
            let parts: Vec<&str> = n.split('/').collect();
            parts.len() == 2 && parts[0].ends_with(".dist-info") && parts[1] == "METADATA"
        })
        .map(str::to_string)
        .collect();
    let entry = candidates
        .iter()
        .find(|n| {
            n.split_once('-')
                .is_some_and(|(project, _)| pep503(project) == name)
        })
        .or(candidates.first())
        .cloned()
        .ok_or_else(|| invalid("the wheel has no *.dist-info/METADATA".to_string()))?;
    let file = archive
        .by_name(&entry)
        .map_err(|e| invalid(format!("cannot read {entry} ({e})")))?;
    let mut bytes = Vec::new();
    file.take(METADATA_LIMIT + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| invalid(format!("cannot read {entry} ({e})")))?;
    if bytes.len() as u64 > METADATA_LIMIT {
        return Err(invalid(format!(
            "{entry} is larger than {} MB",
            METADATA_LIMIT / (1024 * 1024)
        )));
    }
    Ok((entry, String::from_utf8_lossy(&bytes).into_owned()))
}

/// The header fields of a core metadata file (RFC 822 style): `Name: value` lines up to the
/// first empty line, continuation lines (starting with white space, setuptools also puts a `|`
/// after it) appended with a line break.
pub(crate) fn headers(text: &str) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    for line in text.trim_start_matches('\u{feff}').lines() {
        if line.is_empty() {
            break;
        }
        if line.starts_with([' ', '\t']) {
            if let Some((_, value)) = out.last_mut() {
                let rest = line.trim_start();
                let rest = rest.strip_prefix('|').unwrap_or(rest);
                value.push('\n');
                value.push_str(rest.trim_end());
            }
            continue;
        }
        if let Some((name, value)) = line.split_once(':') {
            out.push((name.trim().to_string(), value.trim().to_string()));
        }
    }
    for (_, value) in &mut out {
        *value = value.trim().to_string();
    }
    out
}

/// The licences a core metadata file declares, in the order they count.
pub(crate) fn found(text: &str, url: &str) -> Found {
    let headers = headers(text);
    let values = |field: &'static str| {
        headers
            .iter()
            .filter(move |(name, _)| name.eq_ignore_ascii_case(field))
            .map(|(_, value)| value.as_str())
    };
    let mut licences = Vec::new();
    let mut push = |raw: &str, field: &str| {
        licences.push(FoundLicence {
            raw: raw.to_string(),
            url: url.to_string(),
            field: field.to_string(),
        })
    };
    for value in values("License-Expression").filter(|v| !v.is_empty()) {
        push(value, "License-Expression");
    }
    for value in values("License").filter(|v| licence_name(v)) {
        push(value, "License");
    }
    for value in values("Classifier").filter(|v| licence_classifier(v)) {
        push(value, "Classifier");
    }
    Found {
        licences,
        dir: None,
    }
}

/// Whether a `License` value names a licence: not empty, not `UNKNOWN`, not the licence's text.
fn licence_name(value: &str) -> bool {
    let lines = value.lines().filter(|l| !l.trim().is_empty()).count();
    !value.is_empty()
        && !value.eq_ignore_ascii_case("unknown")
        && lines <= LICENSE_TEXT_LINES
        && value.chars().count() <= LICENSE_TEXT_CHARS
}

/// Whether a classifier names a licence (`License :: OSI Approved :: MIT License`; not
/// `License :: OSI Approved` alone).
fn licence_classifier(value: &str) -> bool {
    let parts: Vec<&str> = value.split("::").map(str::trim).collect();
    parts.len() >= 2
        && parts[0] == "License"
        && !(parts.len() == 2 && parts[1] == "OSI Approved")
        && parts.last().is_some_and(|p| !p.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn project_pages_use_the_normalised_name() {
        assert_eq!(
            project_url("https://pypi.registry.example/simple", "Zope.Interface"),
            "https://pypi.registry.example/simple/zope-interface/"
        );
        assert_eq!(
            project_url("https://devpi.example/root/pypi/+simple/", "six"),
            "https://devpi.example/root/pypi/+simple/six/"
        );
    }

    #[test]
    fn file_names_give_kind_and_version() {
        assert_eq!(
            file_version("six-1.16.0-py2.py3-none-any.whl", "six"),
            Some((FileKind::Wheel, "1.16.0".into()))
        );
        assert_eq!(
            file_version(
                "zope.interface-6.0-1-cp311-cp311-manylinux_2_17_x86_64.whl",
                "zope-interface"
            ),
            Some((FileKind::Wheel, "6.0".into()))
        );
        assert_eq!(
            file_version("python-dateutil-2.8.2.tar.gz", "python-dateutil"),
            Some((FileKind::Sdist, "2.8.2".into()))
        );
        assert_eq!(
            file_version("PyYAML-6.0.1.zip", "pyyaml"),
            Some((FileKind::Sdist, "6.0.1".into()))
        );
        assert_eq!(file_version("six-1.16.0-py3.9.egg", "six"), None);
        assert_eq!(file_version("other-1.0-py3-none-any.whl", "six"), None);
    }

    #[test]
    fn versions_compare_as_pep_440_does() {
        assert!(same_version("1.0", "1.0.0"));
        assert!(same_version("2.0.0rc1", "2.0.0-RC.1"));
        assert!(same_version("1.0a1", "1.0alpha1"));
        assert!(same_version("1.0.post2", "1.0-rev2"));
        assert!(same_version("v1.2", "1.2"));
        assert!(same_version("1.0+local_1", "1.0+local.1"));
        assert!(!same_version("1.16.0", "1.16.1"));
        assert!(!same_version("1.0", "1.0.post1"));
        assert!(!same_version("10.0", "1.0"));
    }

    #[test]
    fn links_resolve_against_the_page() {
        let page = "https://idx.example/root/pypi/+simple/six/";
        assert_eq!(
            resolve_url(page, "https://files.example/a/six.whl"),
            "https://files.example/a/six.whl"
        );
        assert_eq!(
            resolve_url(page, "//files.example/a/six.whl"),
            "https://files.example/a/six.whl"
        );
        assert_eq!(
            resolve_url(page, "/root/pypi/+f/abc/six.whl#sha256=00"),
            "https://idx.example/root/pypi/+f/abc/six.whl#sha256=00"
        );
        assert_eq!(
            resolve_url(page, "../../+f/abc/six.whl"),
            "https://idx.example/root/pypi/+f/abc/six.whl"
        );
        assert_eq!(
            resolve_url(page, "six-1.0.whl"),
            "https://idx.example/root/pypi/+simple/six/six-1.0.whl"
        );
    }

    #[test]
    fn html_pages_are_read_like_json_ones() {
        let html = r#"<!DOCTYPE html><html><body>
            <h1>Links for six</h1>
            <a href="../../packages/six-1.16.0-py2.py3-none-any.whl#sha256=8abb" data-requires-python="&gt;=2.7" data-core-metadata="sha256=ff00">six-1.16.0-py2.py3-none-any.whl</a><br/>
            <a href='https://files.example/six-1.16.0.tar.gz' data-yanked="">six-1.16.0.tar.gz</a>
            <A HREF="six-1.15.0-py2.py3-none-any.whl" data-dist-info-metadata="true"></A>
            </body></html>"#;
        let files = parse_page("https://idx.example/simple/six/", html.as_bytes()).unwrap();
        assert_eq!(files.len(), 3);
        assert_eq!(
            files[0].url,
            "https://idx.example/packages/six-1.16.0-py2.py3-none-any.whl"
        );
        assert_eq!(files[0].sha256.as_deref(), Some("8abb"));
        assert_eq!(
            files[0].metadata,
            MetadataFile::Available {
                sha256: Some("ff00".into())
            }
        );
        assert!(files[1].yanked);
        assert_eq!(files[1].metadata, MetadataFile::Unknown);
        assert_eq!(files[2].filename, "six-1.15.0-py2.py3-none-any.whl");
        assert_eq!(files[2].metadata, MetadataFile::Available { sha256: None });
    }

    #[test]
    fn json_metadata_flags_are_read() {
        let json = br#"{"meta": {"api-version": "1.1"}, "name": "x", "versions": ["1.0"], "files": [
            {"filename": "x-1.0-py3-none-any.whl", "url": "../../f/x-1.0-py3-none-any.whl", "hashes": {"sha256": "aa"}, "core-metadata": {"sha256": "bb"}},
            {"filename": "x-1.0-cp311-cp311-win32.whl", "url": "https://f.example/x.whl", "hashes": {}, "data-dist-info-metadata": true, "yanked": "broken"},
            {"filename": "x-1.0.tar.gz", "url": "https://f.example/x.tar.gz", "hashes": {}, "core-metadata": false}
        ]}"#;
        let files = parse_page("https://i.example/simple/x/", json).unwrap();
        assert_eq!(files[0].url, "https://i.example/f/x-1.0-py3-none-any.whl");
        assert_eq!(
            files[0].metadata,
            MetadataFile::Available {
                sha256: Some("bb".into())
            }
        );
        assert_eq!(files[1].metadata, MetadataFile::Available { sha256: None });
        assert!(files[1].yanked);
        assert_eq!(files[2].metadata, MetadataFile::Unavailable);
        let refs: Vec<&DistFile> = files.iter().collect();
        assert_eq!(
            choose_wheel(&refs, "x").unwrap().filename,
            "x-1.0-py3-none-any.whl"
        );
        assert!(parse_page("https://i.example/simple/x/", b"proxy login").is_err());
    }

    #[test]
    fn metadata_headers_give_licences_in_order() {
        let text = "Metadata-Version: 2.4\nName: demo\nVersion: 1.0\n\
                    License: Apache License,\n       |Version 2.0\n\
                    Classifier: Development Status :: 5 - Production/Stable\n\
                    Classifier: License :: OSI Approved\n\
                    Classifier: License :: OSI Approved :: Apache Software License\n\
                    License-Expression: Apache-2.0\n\
                    \n\
                    License: not a header, the description\n";
        let found = found(text, "https://f.example/demo.whl.metadata");
        let got: Vec<(&str, &str)> = found
            .licences
            .iter()
            .map(|l| (l.field.as_str(), l.raw.as_str()))
            .collect();
        assert_eq!(
            got,
            vec![
                ("License-Expression", "Apache-2.0"),
                ("License", "Apache License,\nVersion 2.0"),
                (
                    "Classifier",
                    "License :: OSI Approved :: Apache Software License"
                ),
            ]
        );
        assert_eq!(found.licences[0].url, "https://f.example/demo.whl.metadata");
    }

    #[test]
    fn licence_texts_and_unknown_are_not_licence_names() {
        let bsd = "Copyright (c) 2005, NumPy Developers.\n        All rights reserved.\n        \n        Redistribution and use in source and binary forms, with or without\n        modification, are permitted provided that the following conditions are met:";
        let text = format!(
            "Name: numpy\nLicense: {bsd}\nClassifier: License :: OSI Approved :: BSD License\n"
        );
        let found = found(&text, "u");
        assert_eq!(found.licences.len(), 1);
        assert_eq!(found.licences[0].field, "Classifier");
        assert!(found_nothing("Name: x\nLicense: UNKNOWN\n"));
        assert!(found_nothing("Name: x\nLicense: \n"));
    }

    fn found_nothing(text: &str) -> bool {
        found(text, "u").licences.is_empty()
    }

    #[test]
    fn wheels_give_their_metadata() {
        let mut buffer = std::io::Cursor::new(Vec::new());
        {
            let mut zip = zip::ZipWriter::new(&mut buffer);
            let options = zip::write::SimpleFileOptions::default();
            zip.start_file("demo/__init__.py", options).unwrap();
            std::io::Write::write_all(&mut zip, b"").unwrap();
            zip.start_file("other-1.0.dist-info/METADATA", options)
                .unwrap();
            std::io::Write::write_all(&mut zip, b"Name: other\n").unwrap();
            zip.start_file("demo-1.0.dist-info/METADATA", options)
                .unwrap();
            std::io::Write::write_all(&mut zip, b"Name: demo\nLicense-Expression: MIT\n").unwrap();
            zip.finish().unwrap();
        }
        let (entry, text) = wheel_metadata("u", buffer.get_ref(), "demo").unwrap();
        assert_eq!(entry, "demo-1.0.dist-info/METADATA");
        assert!(text.contains("MIT"));
        assert!(wheel_metadata("u", b"not a zip", "demo").is_err());
    }
}
