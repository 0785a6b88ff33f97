//! Where advisory data comes from, and reading it:
//!
//! - a local folder of OSV JSON or YAML records and RustSec Markdown advisories (any layout:
//!   the folder is walked);
//! - a zip of OSV records on disk, or at an HTTP(S) URL;
//! - a base URL under which OSV data is published per ecosystem (`<base>/<Ecosystem>/all.zip`,
//!   the layout of OSV's own bucket): only the ecosystems the audit needs are downloaded;
//! - a git repository (the RustSec database in its native format, or OSV records), cloned
//!   into fundament's cache and fetched on each online audit;
//! - the OSV query API (`osv-api+<base URL>`), asked only about ecosystems no other source
//!   covers ([`super::api`]).
//!
//! No host is built in: every location comes from `--advisory-db` or the policy's
//! `[advisories] db`. Downloads and clones are cached; offline, the cache is used. Every
//! source's records are kept converted in the prebuilt cache ([`super::cache`]).

use super::cache::{self, Meta};
use super::db::{
    DataProblem, DataProblemReason, Loaded, SourceInfo, SourceKind, osv_name, summarise,
};
use super::{osv, rustsec};
use crate::diagnostic::Text;
use crate::model::Ecosystem;
use crate::registry::http::{Http, HttpError};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;
use std::io::Read as _;
use std::path::{Path, PathBuf};

/// The largest zip fundament downloads or reads (OSV's largest ecosystem export is a few
/// hundred megabytes).
pub const MAX_ZIP_BYTES: u64 = 2 << 30;
/// The most a zip may unpack to, all records together (a zip bomb is refused).
pub const MAX_UNPACKED_BYTES: u64 = 8 << 30;

/// One `--advisory-db` value or `[advisories] db` entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DbEntry {
    pub location: String,
    /// Forces the kind of source where the location's spelling does not say.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<DbKind>,
    /// Git: the branch to follow (default: the remote's default branch).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub branch: Option<String>,
}

impl DbEntry {
    pub fn new(location: &str) -> DbEntry {
        DbEntry {
            location: location.to_string(),
            kind: None,
            branch: None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum DbKind {
    Folder,
    Zip,
    /// A base URL with `<Ecosystem>/all.zip` below it.
    OsvDownload,
    Git,
    OsvApi,
}

/// A source, as its location reads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Location {
    Folder(PathBuf),
    ZipFile(PathBuf),
    ZipUrl(String),
    /// `<base>/<Ecosystem>/all.zip`.
    Download(String),
    Git {
        url: String,
        branch: Option<String>,
    },
    Api(String),
}

fn is_http(text: &str) -> bool {
    let lower = text.to_ascii_lowercase();
    lower.starts_with("http://") || lower.starts_with("https://")
}

fn is_git_url(text: &str) -> bool {
    let lower = text.to_ascii_lowercase();
    lower.starts_with("file://")
        || lower.starts_with("git://")
        || lower.starts_with("ssh://")
        || lower.ends_with(".git")
        || matches!(text.split_once(':'), Some((host, path))
            if host.contains('@') && !host.contains('/') && !path.starts_with("//"))
}

impl Location {
    /// Reads a location; relative folders and zip files are resolved against `base_dir`.
    pub fn parse(entry: &DbEntry, base_dir: &Path) -> Result<Location, Text> {
        let text = entry.location.trim();
        if text.is_empty() {
            return Err(Text::new("advisory_location_empty"));
        }
        let path = || {
            let p = Path::new(text);
            if p.is_absolute() {
                p.to_path_buf()
            } else {
                base_dir.join(p)
            }
        };
        let git = |url: &str| Location::Git {
            url: url.to_string(),
            branch: entry.branch.clone(),
        };
        Ok(match entry.kind {
            Some(DbKind::Folder) => Location::Folder(path()),
            Some(DbKind::Zip) if is_http(text) => Location::ZipUrl(text.to_string()),
            Some(DbKind::Zip) => Location::ZipFile(path()),
            Some(DbKind::OsvDownload) => {
                if !is_http(text) {
                    return Err(crate::text!("advisory_location_not_http", url = text));
                }
                Location::Download(text.to_string())
            }
            Some(DbKind::Git) => git(text.strip_prefix("git+").unwrap_or(text)),
            Some(DbKind::OsvApi) => {
                let base = text.strip_prefix("osv-api+").unwrap_or(text);
                if !is_http(base) {
                    return Err(crate::text!("advisory_location_not_http", url = base));
                }
                Location::Api(base.to_string())
            }
            None => {
                if let Some(base) = text.strip_prefix("osv-api+") {
                    if !is_http(base) {
                        return Err(crate::text!("advisory_location_not_http", url = base));
                    }
                    Location::Api(base.to_string())
                } else if let Some(url) = text.strip_prefix("git+") {
                    git(url)
                } else if is_git_url(text) {
                    git(text)
                } else if is_http(text) {
                    if text.to_ascii_lowercase().ends_with(".zip") {
                        Location::ZipUrl(text.to_string())
                    } else {
                        Location::Download(text.to_string())
                    }
                } else if text.to_ascii_lowercase().ends_with(".zip") && !path().is_dir() {
                    Location::ZipFile(path())
                } else {
                    Location::Folder(path())
                }
            }
        })
    }

    /// How reports name the source.
    pub fn display(&self) -> String {
        match self {
            Location::Folder(p) | Location::ZipFile(p) => p.display().to_string(),
            Location::ZipUrl(u) | Location::Download(u) => u.clone(),
            Location::Git { url, .. } => format!("git {url}"),
            Location::Api(u) => format!("OSV API {u}"),
        }
    }
}

/// How sources are read.
pub struct LoadOptions<'a> {
    pub offline: bool,
    pub cache_dir: Option<&'a Path>,
    /// The HTTP client for downloads (`None`: downloads fail).
    pub http: Option<&'a Http>,
    /// The ecosystems the audit has packages of (downloads fetch only these).
    pub needed: &'a BTreeSet<Ecosystem>,
}

fn info(location: String, kind: SourceKind) -> SourceInfo {
    SourceInfo {
        location,
        kind,
        records: 0,
        ecosystems: Default::default(),
        as_of: None,
        as_of_basis: None,
        commit: None,
        cached: false,
        stale: None,
        failed: None,
        problems: 0,
        stale_text: None,
        failed_text: None,
    }
}

/// An unreadable source; `why` in translatable form (a tool's or library's words go in as
/// [`Text::verbatim`]).
fn failed(location: String, kind: SourceKind, why: Text) -> (SourceInfo, Loaded) {
    let mut i = info(location, kind);
    i.fail(why);
    (i, Loaded::default())
}

/// Completes a source's description from its records.
fn described(mut i: SourceInfo, loaded: &Loaded, meta: &Meta) -> SourceInfo {
    let (ecosystems, _) = summarise(&loaded.advisories);
    i.records = loaded.advisories.len();
    i.ecosystems = ecosystems;
    i.problems = loaded.problems.len();
    if i.as_of.is_none() {
        i.as_of.clone_from(&meta.as_of);
        i.as_of_basis.clone_from(&meta.as_of_basis);
    }
    i
}

/// Reads every non-API source (API sources are asked later, for what the others leave
/// uncovered). One entry per source, or per downloaded ecosystem.
pub fn load(locations: &[Location], options: &LoadOptions<'_>) -> Vec<(SourceInfo, Loaded)> {
    locations
        .par_iter()
        .map(|location| load_one(location, options))
        .collect::<Vec<_>>()
        .into_iter()
        .flatten()
        .collect()
}

fn load_one(location: &Location, options: &LoadOptions<'_>) -> Vec<(SourceInfo, Loaded)> {
    match location {
        Location::Folder(dir) => vec![load_folder(dir, &location.display(), options.cache_dir)],
        Location::ZipFile(path) => vec![load_zip_file(path, options.cache_dir)],
        Location::ZipUrl(url) => vec![download_zip(url, options)],
        Location::Download(base) => {
            let base = base.trim_end_matches('/');
            options
                .needed
                .iter()
                .filter_map(|e| osv_name(*e))
                .map(|name| download_zip(&format!("{base}/{name}/all.zip"), options))
                .collect()
        }
        Location::Git { url, branch } => vec![load_git(url, branch.as_deref(), options)],
        Location::Api(_) => Vec::new(),
    }
}

/// A file of a folder source.
struct FileEntry {
    rel: String,
    path: PathBuf,
    len: u64,
    modified: Option<std::time::SystemTime>,
}

fn is_record_file(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    lower.ends_with(".json")
        || lower.ends_with(".yaml")
        || lower.ends_with(".yml")
        || lower.ends_with(".md")
}

/// The record files below `root`: hidden entries and links are not followed.
fn walk(root: &Path) -> Result<Vec<FileEntry>, Text> {
    let meta = std::fs::metadata(root).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => {
            crate::text!("advisory_path_missing", path = root.display())
        }
        _ => crate::text!("advisory_path_unreadable", path = root.display(), error = e),
    })?;
    if !meta.is_dir() {
        return Err(crate::text!(
            "advisory_not_folder_or_zip",
            path = root.display()
        ));
    }
    // Level by level, the folders of a level read in parallel (a database of thousands of
    // files in a thousand folders: the reading and `stat`ing is most of a cached load).
    let mut out = Vec::new();
    let mut level = vec![(root.to_path_buf(), String::new())];
    while !level.is_empty() {
        let read: Vec<Result<FolderListing, Text>> = level
            .par_iter()
            .map(|(dir, rel)| read_folder(dir, rel))
            .collect();
        level = Vec::new();
        for result in read {
            let (files, folders) = result?;
            out.extend(files);
            level.extend(folders);
        }
    }
    out.sort_by(|a, b| a.rel.cmp(&b.rel));
    Ok(out)
}

/// One folder's record files, and its sub-folders.
type FolderListing = (Vec<FileEntry>, Vec<(PathBuf, String)>);

fn read_folder(dir: &Path, rel: &str) -> Result<FolderListing, Text> {
    let entries = std::fs::read_dir(dir)
        .map_err(|e| crate::text!("advisory_path_unreadable", path = dir.display(), error = e))?;
    let mut files = Vec::new();
    let mut folders = Vec::new();
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.starts_with('.') {
            continue;
        }
        let Ok(file_type) = entry.file_type() else {
            continue;
        };
        let child_rel = if rel.is_empty() {
            name.clone()
        } else {
            format!("{rel}/{name}")
        };
        if file_type.is_dir() {
            folders.push((entry.path(), child_rel));
        } else if file_type.is_file() && is_record_file(&name) {
            let meta = entry.metadata().ok();
            files.push(FileEntry {
                rel: child_rel,
                path: entry.path(),
                len: meta.as_ref().map(|m| m.len()).unwrap_or(0),
                modified: meta.and_then(|m| m.modified().ok()),
            });
        }
    }
    Ok((files, folders))
}

/// Converts one file's text: OSV JSON or YAML, or a RustSec advisory.
fn convert_file(rel: &str, bytes: &[u8]) -> Converted {
    if bytes.len() > osv::MAX_RECORD_BYTES {
        return Err(DataProblemReason::TooLarge {
            max: osv::MAX_RECORD_BYTES as u64,
        });
    }
    let lower = rel.to_ascii_lowercase();
    if lower.ends_with(".md") {
        if rustsec::is_toolchain_advisory(rel) {
            return Ok(None);
        }
        let text = std::str::from_utf8(bytes).map_err(|_| DataProblemReason::NotUtf8)?;
        return Ok(rustsec::convert(text, rel)?);
    }
    let record = if lower.ends_with(".json") {
        osv::from_json(bytes)?
    } else {
        let text = std::str::from_utf8(bytes).map_err(|_| DataProblemReason::NotUtf8)?;
        osv::from_yaml(text)?
    };
    osv::convert(record, rel).map(Some)
}

/// A file converted: its advisory and the problems found in it, nothing (not an advisory), or
/// why it could not be read.
type Converted = Result<Option<(super::db::Advisory, Vec<String>)>, DataProblemReason>;

/// Converts many files in parallel; problems name the file.
fn convert_all(source: &str, files: Vec<(String, Result<Vec<u8>, DataProblemReason>)>) -> Loaded {
    let results: Vec<(String, Converted)> = files
        .into_par_iter()
        .map(|(rel, bytes)| {
            let converted = bytes.and_then(|b| convert_file(&rel, &b));
            (rel, converted)
        })
        .collect();
    let mut loaded = Loaded::default();
    for (rel, result) in results {
        match result {
            Ok(Some((advisory, problems))) => {
                loaded
                    .problems
                    .extend(problems.into_iter().map(|message| DataProblem {
                        source: source.to_string(),
                        file: rel.clone(),
                        reason: DataProblemReason::Verbatim(message),
                    }));
                loaded.advisories.push(advisory);
            }
            Ok(None) => {}
            Err(reason) => loaded.problems.push(DataProblem {
                source: source.to_string(),
                file: rel,
                reason,
            }),
        }
    }
    loaded
}

fn newest_record_meta(loaded: &Loaded) -> Meta {
    let (_, newest) = summarise(&loaded.advisories);
    Meta {
        as_of_basis: newest.as_ref().map(|_| "newest record".to_string()),
        as_of: newest,
    }
}

fn time_text(time: std::time::SystemTime) -> Option<String> {
    jiff::Timestamp::try_from(time)
        .ok()
        .and_then(|t| jiff::Timestamp::from_second(t.as_second()).ok())
        .map(|t| t.to_string())
}

/// The prebuilt cache's fingerprint of a folder's record files: their names, sizes and
/// modification times.
fn folder_fingerprint(files: &[FileEntry]) -> String {
    let stamp = |f: &FileEntry| {
        f.modified
            .and_then(|m| m.duration_since(std::time::UNIX_EPOCH).ok())
            .map(|d| d.as_nanos())
            .unwrap_or(0)
    };
    let listing: Vec<u8> = files
        .iter()
        .flat_map(|f| format!("{}\0{}\0{}\n", f.rel, f.len, stamp(f)).into_bytes())
        .collect();
    cache::fingerprint([listing.as_slice()])
}

/// The fingerprint under which a folder source's records are cached (what
/// [`super::state`] puts into the portfolio's key): a walk of the folder, no file read.
pub fn folder_state(dir: &Path) -> Result<String, String> {
    walk(dir)
        .map(|files| folder_fingerprint(&files))
        .map_err(|e| e.english())
}

fn load_folder(dir: &Path, display: &str, cache_dir: Option<&Path>) -> (SourceInfo, Loaded) {
    let files = match walk(dir) {
        Ok(files) => files,
        Err(e) => return failed(display.to_string(), SourceKind::Folder, e),
    };
    let key = format!("folder {}", dir.display());
    let fingerprint = folder_fingerprint(&files);
    let source = info(display.to_string(), SourceKind::Folder);
    if let Some((loaded, meta)) = cache::read(cache_dir, &key, &fingerprint) {
        let mut i = described(source, &loaded, &meta);
        i.cached = true;
        return (i, loaded);
    }
    let contents: Vec<(String, Result<Vec<u8>, DataProblemReason>)> = files
        .par_iter()
        .map(|f| {
            (
                f.rel.clone(),
                std::fs::read(&f.path).map_err(|e| DataProblemReason::Unreadable {
                    error: e.to_string(),
                }),
            )
        })
        .collect();
    let loaded = convert_all(display, contents);
    let mut meta = newest_record_meta(&loaded);
    if meta.as_of.is_none() {
        meta.as_of = files
            .iter()
            .filter_map(|f| f.modified)
            .max()
            .and_then(time_text);
        meta.as_of_basis = meta.as_of.as_ref().map(|_| "file dates".to_string());
    }
    cache::write(cache_dir, &key, &fingerprint, &loaded, &meta);
    (described(source, &loaded, &meta), loaded)
}

/// The records of a zip, unpacked with limits: a corrupt or cut-off zip is an error naming
/// `display`; an unreadable entry is a problem naming it.
fn read_zip(bytes: &[u8], display: &str) -> Result<Loaded, Text> {
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes))
        .map_err(|e| crate::text!("advisory_zip_corrupt", file = display, error = e))?;
    let mut files = Vec::new();
    let mut unpacked = 0u64;
    for i in 0..archive.len() {
        let mut entry = match archive.by_index(i) {
            Ok(entry) => entry,
            Err(e) => {
                let error = e.to_string();
                files.push((
                    format!("entry {i}"),
                    Err(DataProblemReason::EntryUnreadable { error }),
                ));
                continue;
            }
        };
        let name = entry.name().to_string();
        if entry.is_dir() || !is_record_file(&name) || name.contains("..") {
            continue;
        }
        if entry.size() > osv::MAX_RECORD_BYTES as u64 {
            files.push((
                name,
                Err(DataProblemReason::EntryTooLarge {
                    size: entry.size(),
                    max: osv::MAX_RECORD_BYTES as u64,
                }),
            ));
            continue;
        }
        unpacked += entry.size();
        if unpacked > MAX_UNPACKED_BYTES {
            return Err(crate::text!(
                "advisory_zip_unpacks_too_large",
                file = display,
                max = MAX_UNPACKED_BYTES
            ));
        }
        let mut buf = Vec::with_capacity(entry.size() as usize);
        match (&mut entry)
            .take(osv::MAX_RECORD_BYTES as u64 + 1)
            .read_to_end(&mut buf)
        {
            Ok(_) => files.push((name, Ok(buf))),
            Err(e) => files.push((
                name,
                Err(DataProblemReason::EntryNotUnpacked {
                    error: e.to_string(),
                }),
            )),
        }
    }
    Ok(convert_all(display, files))
}

/// A fingerprint of a zip's bytes: its length and its end (the central directory, which holds
/// every entry's name, size and CRC).
fn zip_fingerprint(bytes: &[u8]) -> String {
    let tail = &bytes[bytes.len().saturating_sub(4 << 20)..];
    cache::fingerprint([&(bytes.len() as u64).to_le_bytes()[..], tail])
}

fn load_zip_bytes(
    bytes: &[u8],
    display: &str,
    kind: SourceKind,
    cache_dir: Option<&Path>,
) -> (SourceInfo, Loaded) {
    let key = format!("zip {display}");
    let fingerprint = zip_fingerprint(bytes);
    let source = info(display.to_string(), kind);
    if let Some((loaded, meta)) = cache::read(cache_dir, &key, &fingerprint) {
        return (described(source, &loaded, &meta), loaded);
    }
    match read_zip(bytes, display) {
        Ok(loaded) => {
            let meta = newest_record_meta(&loaded);
            cache::write(cache_dir, &key, &fingerprint, &loaded, &meta);
            (described(source, &loaded, &meta), loaded)
        }
        Err(e) => failed(display.to_string(), kind, e),
    }
}

fn load_zip_file(path: &Path, cache_dir: Option<&Path>) -> (SourceInfo, Loaded) {
    let display = path.display().to_string();
    let meta = match std::fs::metadata(path) {
        Ok(m) => m,
        Err(e) => {
            return failed(
                display.clone(),
                SourceKind::Zip,
                crate::text!("advisory_zip_unreadable", file = display, error = e),
            );
        }
    };
    if meta.len() > MAX_ZIP_BYTES {
        return failed(
            display.clone(),
            SourceKind::Zip,
            crate::text!(
                "advisory_zip_too_large",
                file = display,
                max = MAX_ZIP_BYTES
            ),
        );
    }
    match std::fs::read(path) {
        Ok(bytes) => {
            let (mut i, loaded) = load_zip_bytes(&bytes, &display, SourceKind::Zip, cache_dir);
            if i.as_of.is_none() && i.failed.is_none() {
                i.as_of = meta.modified().ok().and_then(time_text);
                i.as_of_basis = i.as_of.as_ref().map(|_| "file date".to_string());
            }
            (i, loaded)
        }
        Err(e) => failed(
            display.clone(),
            SourceKind::Zip,
            crate::text!("advisory_zip_unreadable", file = display, error = e),
        ),
    }
}

fn download_zip(url: &str, options: &LoadOptions<'_>) -> (SourceInfo, Loaded) {
    let Some(http) = options.http else {
        return failed(
            url.to_string(),
            SourceKind::Download,
            Text::new("advisory_no_http_client"),
        );
    };
    let (fetched, stale) = match http.get(url, "application/zip") {
        Ok(f) => (f, None),
        Err(HttpError::NotCached { .. }) => {
            return failed(
                url.to_string(),
                SourceKind::Download,
                Text::new("advisory_offline_never_downloaded"),
            );
        }
        // The mirror does not carry this ecosystem: no data for it (A007), not a failure.
        Err(HttpError::NotFound { .. }) => {
            return (
                info(url.to_string(), SourceKind::Download),
                Loaded::default(),
            );
        }
        Err(e) => match from_cache(url, options) {
            Some(f) => (
                f,
                // Shown after the source's URL: the reason alone.
                Some(
                    Text::new("advisory_download_failed_cache_used").sub("reason", e.reason_text()),
                ),
            ),
            None => return failed(url.to_string(), SourceKind::Download, e.reason_text()),
        },
    };
    let (mut i, loaded) =
        load_zip_bytes(&fetched.body, url, SourceKind::Download, options.cache_dir);
    i.cached = fetched.from_cache;
    if let Some(why) = stale {
        i.stale_because(why);
    }
    if i.as_of.is_none() && i.failed.is_none() {
        i.as_of = Some(crate::audit::timestamp());
        i.as_of_basis = Some("downloaded".to_string());
    }
    (i, loaded)
}

/// The cached answer for `url`, when a download failed.
fn from_cache(url: &str, options: &LoadOptions<'_>) -> Option<crate::registry::http::Fetched> {
    let offline = Http::new(crate::registry::http::HttpOptions {
        offline: true,
        cache_dir: options.cache_dir.map(Path::to_path_buf),
        ..Default::default()
    })
    .ok()?;
    offline.get(url, "application/zip").ok()
}

/// Clones or fetches a git repository into the cache, through the shared git transports
/// (https with the registries' proxies, CA certificates and credentials; ssh with the user's
/// own ssh), shallowly. The error names the repository; its [`GitError::reason`] does not.
///
/// [`GitError::reason`]: crate::source::git::GitError::reason
pub fn sync_repository(
    url: &str,
    branch: Option<&str>,
    cache_dir: &Path,
    offline: bool,
    http: Option<&Http>,
) -> Result<crate::index::source::GitCheckout, crate::source::git::GitError> {
    let options = crate::source::git::GitOptions {
        offline,
        http: http.map(|h| h.options().clone()).unwrap_or_default(),
        ..Default::default()
    };
    crate::source::git::sync(
        url,
        &crate::index::source::git_cache_dir(cache_dir, url),
        branch,
        &options,
    )
}

fn load_git(url: &str, branch: Option<&str>, options: &LoadOptions<'_>) -> (SourceInfo, Loaded) {
    let display = format!("git {url}");
    let Some(cache_dir) = options.cache_dir else {
        return failed(
            display,
            SourceKind::Git,
            Text::new("advisory_git_needs_cache"),
        );
    };
    let checkout = match sync_repository(url, branch, cache_dir, options.offline, options.http) {
        Ok(c) => c,
        Err(e) => return failed(display, SourceKind::Git, e.reason_text()),
    };
    let commit_time = git2::Repository::open(&checkout.dir)
        .ok()
        .and_then(|repo| {
            let commit = repo.head().ok()?.peel_to_commit().ok()?;
            jiff::Timestamp::from_second(commit.time().seconds()).ok()
        })
        .map(|t| t.to_string());
    let key = format!("git {url}");
    let source = info(display.clone(), SourceKind::Git);
    let (mut i, loaded) = match cache::read(Some(cache_dir), &key, &checkout.commit) {
        Some((loaded, meta)) => {
            let mut i = described(source, &loaded, &meta);
            i.cached = true;
            (i, loaded)
        }
        None => {
            let files = match walk(&checkout.dir) {
                Ok(files) => files,
                Err(e) => return failed(display, SourceKind::Git, e),
            };
            let contents = files
                .par_iter()
                .map(|f| {
                    (
                        f.rel.clone(),
                        std::fs::read(&f.path).map_err(|e| DataProblemReason::Unreadable {
                            error: e.to_string(),
                        }),
                    )
                })
                .collect();
            let loaded = convert_all(&display, contents);
            let meta = Meta {
                as_of_basis: commit_time.as_ref().map(|_| "git commit".to_string()),
                as_of: commit_time.clone(),
            };
            cache::write(Some(cache_dir), &key, &checkout.commit, &loaded, &meta);
            (described(source, &loaded, &meta), loaded)
        }
    };
    i.commit = Some(checkout.commit);
    if let Some(stale) = checkout.stale_text {
        i.stale_because(stale);
    }
    (i, loaded)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn loc(text: &str) -> Location {
        Location::parse(&DbEntry::new(text), Path::new("/policy")).unwrap()
    }

    #[test]
    fn locations_are_read_by_their_spelling() {
        assert_eq!(
            loc("advisories"),
            Location::Folder("/policy/advisories".into())
        );
        assert_eq!(
            loc("/data/osv.zip"),
            Location::ZipFile("/data/osv.zip".into())
        );
        assert_eq!(
            loc("https://osv.example/export/PyPI/all.zip"),
            Location::ZipUrl("https://osv.example/export/PyPI/all.zip".into())
        );
        assert_eq!(
            loc("https://osv.example/export/"),
            Location::Download("https://osv.example/export/".into())
        );
        assert_eq!(
            loc("git+https://git.example/rustsec/advisory-db"),
            Location::Git {
                url: "https://git.example/rustsec/advisory-db".into(),
                branch: None
            }
        );
        assert!(matches!(
            loc("file:///srv/advisory-db"),
            Location::Git { .. }
        ));
        assert!(matches!(
            loc("https://git.example/a.git"),
            Location::Git { .. }
        ));
        assert_eq!(
            loc("osv-api+https://api.osv.example"),
            Location::Api("https://api.osv.example".into())
        );
        let entry = DbEntry {
            location: "https://mirror.example/osv".into(),
            kind: Some(DbKind::OsvApi),
            branch: None,
        };
        assert_eq!(
            Location::parse(&entry, Path::new(".")).unwrap(),
            Location::Api("https://mirror.example/osv".into())
        );
        assert!(Location::parse(&DbEntry::new("osv-api+ftp://x"), Path::new(".")).is_err());
        assert!(Location::parse(&DbEntry::new(" "), Path::new(".")).is_err());
    }

    #[test]
    fn a_corrupt_or_cut_off_zip_names_the_source() {
        let mut zip = Vec::new();
        {
            let mut writer = zip::ZipWriter::new(std::io::Cursor::new(&mut zip));
            let options = zip::write::SimpleFileOptions::default();
            writer.start_file("GHSA-1.json", options).unwrap();
            std::io::Write::write_all(
                &mut writer,
                br#"{"id":"GHSA-1","affected":[{"package":{"ecosystem":"npm","name":"a"},"versions":["1.0.0"]}]}"#,
            )
            .unwrap();
            writer.start_file("broken.json", options).unwrap();
            std::io::Write::write_all(&mut writer, b"{").unwrap();
            writer.finish().unwrap();
        }
        let loaded = read_zip(&zip, "npm.zip").unwrap();
        assert_eq!(loaded.advisories.len(), 1);
        assert_eq!(loaded.problems.len(), 1);
        assert_eq!(loaded.problems[0].file, "broken.json");
        let cut = &zip[..zip.len() - 30];
        let err = read_zip(cut, "https://osv.example/npm/all.zip")
            .unwrap_err()
            .english();
        assert!(
            err.starts_with("https://osv.example/npm/all.zip is not a readable zip"),
            "{err}"
        );
    }
}
