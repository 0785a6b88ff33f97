//! Go module proxies (the GOPROXY protocol): a module's files are in
//! `<proxy>/<escaped module path>/@v/<escaped version>.zip` (upper-case letters escaped as `!`
//! and the lower-case letter, so that paths differing in case stay apart on any file system).
//! Go modules declare no licence in metadata, so the licence files are the evidence: the zip is
//! downloaded (at most [`super::ARCHIVE_LIMIT`] bytes, refused before its body is read when the
//! server announces more), checked, and only the licence files at the module's root
//! (`LICENSE*`, `LICENCE*`, `COPYING*`, `NOTICE*`, `UNLICENSE*`, and REUSE's `LICENSES/`) are
//! extracted, into `<cache>/go-licences/<escaped module>@<escaped version>/`, for the identify
//! stage to identify.
//!
//! The archive is checked before anything is written:
//! - every entry must lie in `<module>@<version>/` without `..`, absolute or empty path parts
//!   (a "zip slip" entry would write outside the extraction directory), and none may be a
//!   symbolic link: Go itself never makes such a module zip, so one is refused whole;
//! - at most [`UNZIPPED_LIMIT`] bytes unpacked (Go's own limit), each licence file at most
//!   [`LICENCE_FILE_LIMIT`];
//! - when go.sum recorded the module's `h1:` hash, the zip must have it (the hash Go computes
//!   over the zip's files, golang.org/x/mod/sumdb/dirhash `Hash1`): the licence files are then
//!   the ones of the module version the build uses.
//!
//! The extraction is atomic (a temporary directory renamed into place), so an existing
//! directory is complete and is used without asking the proxy again. `.info` and `.mod` are not
//! needed and not fetched. Without a cache directory (`--no-cache`), the files go to a
//! directory of this process under the system's temporary directory (see [`process_dir`]).

use super::http::{Http, HttpError};
use super::{Client, Found, LookupError};
use crate::model::Package;
use base64::Engine as _;
use sha2::{Digest, Sha256};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

/// The most a module zip may unpack to (Go's `MaxZipFile`).
pub const UNZIPPED_LIMIT: u64 = 500 * 1024 * 1024;

/// The largest licence file extracted (Go's `MaxLICENSE`).
pub const LICENCE_FILE_LIMIT: u64 = 16 * 1024 * 1024;

pub struct GoProxy<'a> {
    /// fundament's cache directory; the licence files go to `go-licences/` in it.
    pub extract_to: Option<PathBuf>,
    /// The client for module zips (bounded, not cached).
    pub archives: &'a Http,
}

/// A module path or version as the proxy protocol and the module cache write it: each
/// upper-case letter as `!` and its lower-case form.
pub fn escape(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for c in path.chars() {
        if c.is_ascii_uppercase() {
            out.push('!');
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

/// The module zip's URL.
pub fn zip_url(proxy: &str, module: &str, version: &str) -> String {
    format!(
        "{}/{}/@v/{}.zip",
        proxy.trim_end_matches('/'),
        escape(module),
        escape(version)
    )
}

/// Whether a module path and version can name a directory without leaving it: path elements
/// of the characters Go allows, none empty, `.` or `..`; a version without `/`.
fn valid(module: &str, version: &str) -> bool {
    let element = |e: &str| {
        !e.is_empty()
            && e != "."
            && e != ".."
            && e.chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_' | '~' | '+'))
    };
    module.split('/').all(element) && element(version)
}

impl Client for GoProxy<'_> {
    fn lookup(&self, _http: &Http, proxy: &str, package: &Package) -> Result<Found, LookupError> {
        let (module, version) = (package.name.as_str(), package.version.as_str());
        if !valid(module, version) {
            return Err(LookupError::Invalid(format!(
                "`{module}@{version}` is not a module path and version the proxy protocol can \
                 name"
            )));
        }
        let base = match &self.extract_to {
            Some(dir) => dir.join("go-licences"),
            None => process_dir()?,
        };
        let dest = base.join(format!("{}@{}", escape(module), escape(version)));
        if dest.is_dir() {
            return Ok(found(dest));
        }
        let url = zip_url(proxy, module, version);
        let fetched = self
            .archives
            .get(&url, "application/zip, */*;q=0.1")
            .map_err(|err| match err {
                HttpError::TooLarge { url, limit } => LookupError::Invalid(format!(
                    "{url}: the module zip is larger than {} MB, the most fundament downloads \
                     for its licence files",
                    limit / (1024 * 1024)
                )),
                other => other.into(),
            })?;
        let checksum = package.checksum.as_deref().filter(|c| c.starts_with("h1:"));
        let files = licence_files(&url, &fetched.body, module, version, checksum)?;
        extract(&dest, &files)
            .map_err(|e| LookupError::Invalid(format!("cannot write {}: {e}", dest.display())))?;
        Ok(found(dest))
    }
}

fn found(dir: PathBuf) -> Found {
    Found {
        licences: Vec::new(),
        dir: Some(dir),
    }
}

/// Whether a path inside the module (after `<module>@<version>/`) is a licence file to extract:
/// a licence file at the root, or a file in REUSE's `LICENSES/` folder.
fn is_licence_path(rest: &str) -> bool {
    match rest.split_once('/') {
        None => licence_name(rest),
        Some(("LICENSES", file)) => !file.is_empty() && !file.contains('/'),
        Some(_) => false,
    }
}

/// The names the identify stage reads as licence files (source files named `license.go` are
/// code).
fn licence_name(name: &str) -> bool {
    const CODE: &[&str] = &[
        ".go", ".js", ".mjs", ".cjs", ".ts", ".rs", ".py", ".java", ".c", ".h", ".json", ".yml",
        ".yaml", ".toml", ".sh", ".map",
    ];
    let lower = name.to_ascii_lowercase();
    ["license", "licence", "copying", "notice", "unlicense"]
        .iter()
        .any(|p| lower.starts_with(p))
        && !CODE.iter().any(|ext| lower.ends_with(ext))
}

/// Whether an entry name lies inside the module's directory: under `prefix`, with only plain
/// path elements after it (`""` for an entry of the directory itself).
fn inside<'n>(name: &'n str, prefix: &str) -> Option<&'n str> {
    let rest = name.strip_prefix(prefix)?;
    if rest.is_empty() {
        return Some(rest);
    }
    let rest = rest.strip_suffix('/').unwrap_or(rest);
    (!rest.is_empty()
        && !rest.contains(['\\', '\0'])
        && rest
            .split('/')
            .all(|e| !e.is_empty() && e != "." && e != ".."))
    .then_some(rest)
}

/// Checks a module zip and returns its licence files (path inside the module, contents).
fn licence_files(
    url: &str,
    body: &[u8],
    module: &str,
    version: &str,
    checksum: Option<&str>,
) -> Result<Vec<(String, Vec<u8>)>, LookupError> {
    let invalid =
        |why: String| LookupError::Invalid(format!("{url}: {why}; nothing was extracted from it"));
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(body))
        .map_err(|e| invalid(format!("not a readable zip archive ({e})")))?;
    let prefix = format!("{module}@{version}/");
    let mut total: u64 = 0;
    let mut hashes: Vec<(String, String)> = Vec::new();
    let mut files = Vec::new();
    for index in 0..archive.len() {
        let mut entry = archive
            .by_index(index)
            .map_err(|e| invalid(format!("entry {index} cannot be read ({e})")))?;
        let name = entry.name().to_string();
        if entry.is_symlink() {
            return Err(invalid(format!(
                "it holds a symbolic link, `{name}`, which a module zip never does"
            )));
        }
        let Some(rest) = inside(&name, &prefix).filter(|_| entry.enclosed_name().is_some()) else {
            return Err(invalid(format!(
                "it holds `{name}`, which lies outside the module's directory `{prefix}`"
            )));
        };
        let wanted = !entry.is_dir() && is_licence_path(rest);
        if !wanted && checksum.is_none() {
            continue;
        }
        let rest = rest.to_string();
        // Read (bounded, whatever the entry's header claims) for the hash and the licence files.
        let mut hasher = Sha256::new();
        let mut kept = Vec::new();
        let mut buffer = [0u8; 64 * 1024];
        let mut limited = (&mut entry).take(UNZIPPED_LIMIT - total + 1);
        loop {
            let n = limited
                .read(&mut buffer)
                .map_err(|e| invalid(format!("`{name}` cannot be unpacked ({e})")))?;
            if n == 0 {
                break;
            }
            total += n as u64;
            if total > UNZIPPED_LIMIT {
                return Err(invalid(format!(
                    "it unpacks to more than {} MB",
                    UNZIPPED_LIMIT / (1024 * 1024)
                )));
            }
            hasher.update(&buffer[..n]);
            if wanted {
                kept.extend_from_slice(&buffer[..n]);
                if kept.len() as u64 > LICENCE_FILE_LIMIT {
                    return Err(invalid(format!(
                        "`{name}` is larger than {} MB",
                        LICENCE_FILE_LIMIT / (1024 * 1024)
                    )));
                }
            }
        }
        hashes.push((name, hex::encode(hasher.finalize())));
        if wanted {
            files.push((rest, kept));
        }
    }
    if let Some(expected) = checksum {
        let actual = hash1(hashes);
        if actual != expected {
            return Err(invalid(format!(
                "it does not match go.sum: go.sum records {expected}, the zip's files hash to \
                 {actual}"
            )));
        }
    }
    Ok(files)
}

/// Go's `h1:` hash of a set of files: the SHA-256 of the lines `<sha256 hex>  <name>\n`, sorted
/// by name, in base64 (golang.org/x/mod/sumdb/dirhash `Hash1`).
fn hash1(mut files: Vec<(String, String)>) -> String {
    files.sort();
    let mut summary = Sha256::new();
    for (name, hash) in &files {
        summary.update(format!("{hash}  {name}\n").as_bytes());
    }
    format!(
        "h1:{}",
        base64::engine::general_purpose::STANDARD.encode(summary.finalize())
    )
}

/// Writes the files into a temporary directory next to `dest` and renames it into place; when
/// another process was faster, its (identical) directory stays.
fn extract(dest: &Path, files: &[(String, Vec<u8>)]) -> std::io::Result<()> {
    static COUNTER: AtomicUsize = AtomicUsize::new(0);
    let parent = dest.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(parent)?;
    let tmp = parent.join(format!(
        ".{}.{}-{}.tmp",
        dest.file_name()
            .map(|n| n.to_string_lossy())
            .unwrap_or_default(),
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    ));
    let _ = std::fs::remove_dir_all(&tmp);
    let written = (|| {
        std::fs::create_dir(&tmp)?;
        for (rest, bytes) in files {
            // `rest` was checked by `inside`: plain elements only.
            let path = tmp.join(rest);
            if let Some(dir) = path.parent() {
                std::fs::create_dir_all(dir)?;
            }
            std::fs::write(&path, bytes)?;
        }
        std::fs::rename(&tmp, dest)
    })();
    match written {
        Ok(()) => Ok(()),
        Err(_) if dest.is_dir() => {
            let _ = std::fs::remove_dir_all(&tmp);
            Ok(())
        }
        Err(err) => {
            let _ = std::fs::remove_dir_all(&tmp);
            Err(err)
        }
    }
}

static PROCESS_DIR: std::sync::OnceLock<Result<PathBuf, String>> = std::sync::OnceLock::new();

/// Where module licence files are extracted: under fundament's cache directory, else (when
/// this process has extracted any) its own temporary directory; `None` when neither exists.
pub fn licence_dir(cache_dir: Option<&Path>) -> Option<PathBuf> {
    match cache_dir {
        Some(dir) => Some(dir.join("go-licences")),
        None => PROCESS_DIR.get().and_then(|dir| dir.clone().ok()),
    }
}

/// Without a cache directory, licence files go to a directory of this process, created once
/// under the system's temporary directory with an unpredictable name (and, on Unix, readable
/// by this user only), so that nothing else can prepare it. It lives as long as the process
/// needs it and is not removed at exit: the identify stage reads it after this stage, and the
/// system cleans its temporary directory.
fn process_dir() -> Result<PathBuf, LookupError> {
    use std::hash::BuildHasher as _;
    PROCESS_DIR
        .get_or_init(|| {
            let mut last = String::new();
            for attempt in 0..16u32 {
                let random = std::collections::hash_map::RandomState::new().hash_one(attempt);
                let dir = std::env::temp_dir()
                    .join(format!("fundament-{}-{random:016x}", std::process::id()));
                let mut builder = std::fs::DirBuilder::new();
                #[cfg(unix)]
                std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
                match builder.create(&dir) {
                    Ok(()) => return Ok(dir.join("go-licences")),
                    Err(err) if err.kind() == std::io::ErrorKind::AlreadyExists => {}
                    Err(err) => {
                        last = format!("cannot create {}: {err}", dir.display());
                        break;
                    }
                }
            }
            Err(if last.is_empty() {
                "cannot create a temporary directory for licence files".to_string()
            } else {
                last
            })
        })
        .clone()
        .map_err(LookupError::Invalid)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    #[test]
    fn paths_are_escaped_as_the_proxy_protocol_says() {
        assert_eq!(
            zip_url(
                "https://go.registry.example/",
                "github.com/BurntSushi/toml",
                "v1.3.2"
            ),
            "https://go.registry.example/github.com/!burnt!sushi/toml/@v/v1.3.2.zip"
        );
        assert_eq!(escape("v1.0.0-RC1"), "v1.0.0-!r!c1");
    }

    #[test]
    fn only_plain_module_paths_are_valid() {
        assert!(valid("github.com/google/uuid", "v1.6.0"));
        assert!(valid("gopkg.in/yaml.v3", "v3.0.1"));
        assert!(valid("example.com/m", "v0.0.0-20240101000000-abcdef123456"));
        assert!(valid("example.com/m", "v2.0.0+incompatible"));
        assert!(!valid("../../etc", "v1.0.0"));
        assert!(!valid("example.com//m", "v1.0.0"));
        assert!(!valid("example.com/m", "../v1"));
        assert!(!valid("example.com/m", "v1/x"));
        assert!(!valid("/abs", "v1"));
    }

    #[test]
    fn licence_paths() {
        for yes in [
            "LICENSE",
            "LICENSE.md",
            "LICENSE-APACHE",
            "COPYING.LESSER",
            "NOTICE",
            "licence.txt",
            "UNLICENSE",
            "LICENSES/MIT.txt",
        ] {
            assert!(is_licence_path(yes), "{yes}");
        }
        for no in [
            "README.md",
            "license.go",
            "cmd/LICENSE",
            "LICENSES/sub/MIT.txt",
            "go.mod",
        ] {
            assert!(!is_licence_path(no), "{no}");
        }
    }

    #[test]
    fn entries_must_stay_inside_the_module() {
        let prefix = "example.com/m@v1.0.0/";
        assert_eq!(
            inside("example.com/m@v1.0.0/LICENSE", prefix),
            Some("LICENSE")
        );
        assert_eq!(
            inside("example.com/m@v1.0.0/a/b.go", prefix),
            Some("a/b.go")
        );
        assert_eq!(inside("example.com/m@v1.0.0/", prefix), Some(""));
        for bad in [
            "example.com/m@v1.0.0/../../evil",
            "example.com/m@v1.0.0/a/../../x",
            "example.com/m@v1.0.0//x",
            "example.com/m@v1.0.0/a\\..\\x",
            "other/LICENSE",
            "/etc/passwd",
            "example.com/m@v1.0.0",
        ] {
            assert_eq!(inside(bad, prefix), None, "{bad}");
        }
    }

    fn zip_of(entries: &[(&str, &[u8])]) -> Vec<u8> {
        let mut buffer = std::io::Cursor::new(Vec::new());
        {
            let mut zip = zip::ZipWriter::new(&mut buffer);
            for (name, bytes) in entries {
                zip.start_file(*name, zip::write::SimpleFileOptions::default())
                    .unwrap();
                zip.write_all(bytes).unwrap();
            }
            zip.finish().unwrap();
        }
        buffer.into_inner()
    }

    #[test]
    fn licence_files_are_taken_and_the_hash_checked() {
        let body = zip_of(&[
            ("example.com/m@v1.0.0/go.mod", b"module example.com/m\n"),
            ("example.com/m@v1.0.0/LICENSE", b"MIT licence text"),
            ("example.com/m@v1.0.0/sub/LICENSE", b"other"),
        ]);
        let files = licence_files("u", &body, "example.com/m", "v1.0.0", None).unwrap();
        assert_eq!(
            files,
            vec![("LICENSE".to_string(), b"MIT licence text".to_vec())]
        );

        // The h1: hash as Go computes it, over every file of the zip.
        let sha = |b: &[u8]| hex::encode(Sha256::digest(b));
        let summary = format!(
            "{}  example.com/m@v1.0.0/LICENSE\n{}  example.com/m@v1.0.0/go.mod\n{}  example.com/m@v1.0.0/sub/LICENSE\n",
            sha(b"MIT licence text"),
            sha(b"module example.com/m\n"),
            sha(b"other")
        );
        let h1 = format!(
            "h1:{}",
            base64::engine::general_purpose::STANDARD.encode(Sha256::digest(summary.as_bytes()))
        );
        assert!(licence_files("u", &body, "example.com/m", "v1.0.0", Some(&h1)).is_ok());
        let wrong = "h1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=";
        let err = licence_files("u", &body, "example.com/m", "v1.0.0", Some(wrong)).unwrap_err();
        assert!(err.to_string().contains("does not match go.sum"), "{err}");
    }

    #[test]
    fn zips_with_escaping_entries_or_links_are_refused_whole() {
        let slip = zip_of(&[
            ("example.com/m@v1.0.0/LICENSE", b"text"),
            ("example.com/m@v1.0.0/../../../evil", b"x"),
        ]);
        let err = licence_files("u", &slip, "example.com/m", "v1.0.0", None).unwrap_err();
        assert!(err.to_string().contains("outside the module"), "{err}");

        let mut buffer = std::io::Cursor::new(Vec::new());
        {
            let mut zip = zip::ZipWriter::new(&mut buffer);
            zip.add_symlink(
                "example.com/m@v1.0.0/LICENSE",
                "/etc/passwd",
                zip::write::SimpleFileOptions::default(),
            )
            .unwrap();
            zip.finish().unwrap();
        }
        let err =
            licence_files("u", buffer.get_ref(), "example.com/m", "v1.0.0", None).unwrap_err();
        assert!(err.to_string().contains("symbolic link"), "{err}");
        assert!(licence_files("u", b"not a zip", "example.com/m", "v1.0.0", None).is_err());
    }

    #[test]
    fn extraction_is_atomic_and_keeps_an_existing_directory() {
        let tmp =
            std::env::temp_dir().join(format!("fundament-goproxy-test-{}", std::process::id()));
        let dest = tmp.join("example.com/m@v1.0.0");
        extract(&dest, &[("LICENSE".into(), b"one".to_vec())]).unwrap();
        extract(&dest, &[("LICENSE".into(), b"two".to_vec())]).unwrap();
        assert_eq!(std::fs::read(dest.join("LICENSE")).unwrap(), b"one");
        let leftovers: Vec<_> = std::fs::read_dir(dest.parent().unwrap())
            .unwrap()
            .flatten()
            .filter(|e| e.file_name().to_string_lossy().ends_with(".tmp"))
            .collect();
        assert!(leftovers.is_empty());
        std::fs::remove_dir_all(&tmp).unwrap();
    }
}
