//! What a Cargo registry's index says about a crate release (whether it was yanked, its
//! checksum), from the two places Cargo itself keeps it:
//!
//! - the registry's sparse index (`<index>/<prefix>/<name>`, one JSON line per release), at
//!   the URL the lockfile records (`sparse+<url>`) or, for a registry the lockfile names by a
//!   git index URL, at the sparse index Cargo is configured to use in its place
//!   (`[source.*] replace-with` in `$CARGO_HOME/config.toml`) or the only sparse index Cargo's
//!   index cache holds;
//! - Cargo's own index cache (`$CARGO_HOME/registry/index/<registry>/.cache/<prefix>/<name>`),
//!   in the format Cargo writes: a version byte (3), a little-endian `u32` index format
//!   version, the index's own version (an ETag or a commit) ending in NUL, then pairs of a
//!   release's version and its JSON line, each ending in NUL.
//!
//! Both are read as untrusted input: regular files only, size-capped, a file in another
//! format is refused with its reason, and nothing but the crate's own entry is parsed. No host
//! is built in.

use super::http::{Http, HttpError};
use crate::source::Limit;
use serde::Deserialize;
use std::path::{Path, PathBuf};

/// The largest index file read (the crates with the most releases have a few megabytes).
pub const MAX_INDEX_FILE: u64 = 32 << 20;
/// The version of Cargo's index cache format read here (Cargo's `CURRENT_CACHE_VERSION`).
const CACHE_VERSION: u8 = 3;

/// One release as an index lists it (the fields read here).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Release {
    pub vers: String,
    #[serde(default)]
    pub cksum: Option<String>,
    #[serde(default)]
    pub yanked: bool,
}

/// Cargo's home (`$CARGO_HOME`, else `~/.cargo`).
pub fn cargo_home() -> Option<PathBuf> {
    std::env::var_os("CARGO_HOME")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| dirs::home_dir().map(|h| h.join(".cargo")))
}

/// Whether `name` is a crate name that can go into a path or URL as it is.
pub fn is_crate_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 64
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_'))
}

/// The path of a crate's file in an index (`se/rd/serde`, `3/a/abc`, `2/ab`, `1/a`), lower
/// case as Cargo writes it.
pub fn index_path(name: &str) -> String {
    let name = name.to_ascii_lowercase();
    match name.len() {
        1 => format!("1/{name}"),
        2 => format!("2/{name}"),
        3 => format!("3/{}/{name}", &name[..1]),
        _ => format!("{}/{}/{name}", &name[..2], &name[2..4]),
    }
}

/// The release `version` in an index file of JSON lines (a sparse index's answer); `Ok(None)`
/// when the file does not list it.
pub fn release_in_lines(body: &[u8], version: &str) -> Result<Option<Release>, String> {
    let text = std::str::from_utf8(body).map_err(|_| "the index file is not UTF-8".to_string())?;
    let mut unreadable = 0usize;
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        // Only lines that can be this release are parsed.
        if !line.contains(version) {
            continue;
        }
        match serde_json::from_str::<Release>(line) {
            Ok(release) if release.vers == version => return Ok(Some(release)),
            Ok(_) => {}
            Err(_) => unreadable += 1,
        }
    }
    if unreadable > 0 {
        return Err(format!(
            "{unreadable} line(s) of the index file that name the version are not index entries"
        ));
    }
    Ok(None)
}

/// The release `version` in a file of Cargo's index cache (the format in the module's
/// documentation); `Ok(None)` when the file does not list it.
pub fn release_in_cache(bytes: &[u8], version: &str) -> Result<Option<Release>, String> {
    let (&format, rest) = bytes
        .split_first()
        .ok_or_else(|| "the cache file is empty".to_string())?;
    if format != CACHE_VERSION {
        return Err(format!(
            "the cache file has format {format}; fundament reads format {CACHE_VERSION}"
        ));
    }
    if rest.len() < 4 {
        return Err("the cache file is cut off".to_string());
    }
    let mut parts = rest[4..].split(|&b| b == 0);
    // The index's own version (an ETag, Last-Modified or commit); not needed here.
    parts
        .next()
        .ok_or_else(|| "the cache file is cut off".to_string())?;
    loop {
        let Some(release_version) = parts.next() else {
            return Ok(None);
        };
        if release_version.is_empty() {
            // The trailing NUL of the last entry.
            return Ok(None);
        }
        let line = parts
            .next()
            .ok_or_else(|| "the cache file is cut off after a version".to_string())?;
        if release_version != version.as_bytes() {
            continue;
        }
        let release: Release = serde_json::from_slice(line).map_err(|e| {
            format!("the cache file's entry for {version} is not an index entry: {e}")
        })?;
        if release.vers != version {
            return Err(format!(
                "the cache file's entry for {version} is about version {}",
                release.vers
            ));
        }
        return Ok(Some(release));
    }
}

/// A registry's index in Cargo's index cache.
#[derive(Debug, Clone)]
pub struct CachedIndex {
    pub dir: PathBuf,
    /// The host the folder is named after (`<host>-<hash>`).
    pub host: String,
    /// A sparse index (no git clone in the folder).
    pub sparse: bool,
}

/// The registries Cargo's index cache holds below `cargo_home`, in name order.
pub fn cached_indexes(cargo_home: &Path) -> Vec<CachedIndex> {
    let Ok(entries) = std::fs::read_dir(cargo_home.join("registry").join("index")) else {
        return Vec::new();
    };
    let mut found: Vec<CachedIndex> = entries
        .flatten()
        .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()))
        .filter_map(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            let (host, hash) = name.rsplit_once('-')?;
            if host.is_empty() || hash.len() != 16 || !hash.chars().all(|c| c.is_ascii_hexdigit()) {
                return None;
            }
            let dir = e.path();
            let sparse = !dir.join(".git").exists();
            Some(CachedIndex {
                dir,
                host: host.to_string(),
                sparse,
            })
        })
        .collect();
    found.sort_by(|a, b| a.dir.cmp(&b.dir));
    found
}

/// What Cargo's index cache says about a release, and the file it says it in.
pub fn cached_release(
    index: &CachedIndex,
    name: &str,
    version: &str,
) -> Option<(Result<Option<Release>, String>, PathBuf)> {
    if !is_crate_name(name) {
        return None;
    }
    let path = index.dir.join(".cache").join(index_path(name));
    let limit = Limit {
        bytes: MAX_INDEX_FILE,
        what: "Cargo's index cache files",
    };
    match crate::source::read_bounded(&path, limit) {
        Ok(bytes) => Some((release_in_cache(&bytes, version), path)),
        Err(refusal) if path.exists() => Some((Err(refusal.to_string()), path)),
        Err(_) => None,
    }
}

/// The index file of `name` from the sparse index at `index` (with the HTTP client's cache:
/// offline, its cached copy). `Ok(None)`: the index has no such crate.
pub fn sparse_file(http: &Http, index: &str, name: &str) -> Result<Option<Fetched>, HttpError> {
    let url = format!("{}/{}", index.trim_end_matches('/'), index_path(name));
    match http.get(&url, "application/json, text/plain") {
        Ok(f) => Ok(Some(Fetched {
            url,
            body: f.body,
            from_cache: f.from_cache,
        })),
        Err(HttpError::NotFound { .. }) => Ok(None),
        Err(e) => Err(e),
    }
}

/// A sparse index's answer.
#[derive(Debug, Clone)]
pub struct Fetched {
    pub url: String,
    pub body: Vec<u8>,
    pub from_cache: bool,
}

/// The sparse index Cargo uses in place of the registry whose git index is at `git_url`:
/// the replacement Cargo's configuration names (`[source.<name>] registry = <git_url>` or
/// `[source.crates-io]`, with `replace-with` naming a source whose `registry` is
/// `sparse+<url>`), else the only sparse index in Cargo's index cache (`https://<host>/`, the
/// host its folder is named after). What it says about a release counts only where the
/// release's checksum is the lockfile's.
pub fn sparse_in_place_of(git_url: &str, cargo_home: &Path) -> Option<(String, String)> {
    if let Some(found) = configured_replacement(git_url, cargo_home) {
        return Some(found);
    }
    let sparse: Vec<CachedIndex> = cached_indexes(cargo_home)
        .into_iter()
        .filter(|i| i.sparse)
        .collect();
    match sparse.as_slice() {
        [only]
            if only
                .host
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-')) =>
        {
            Some((
                format!("https://{}/", only.host),
                "the only sparse index in Cargo's index cache".to_string(),
            ))
        }
        _ => None,
    }
}

fn configured_replacement(git_url: &str, cargo_home: &Path) -> Option<(String, String)> {
    let (text, file) = ["config.toml", "config"].iter().find_map(|name| {
        let path = cargo_home.join(name);
        crate::source::read_text_bounded(&path, Limit::CONFIG)
            .ok()
            .map(|t| (t, path))
    })?;
    let config: toml::Table = toml::from_str(&text).ok()?;
    let sources = config.get("source")?.as_table()?;
    let same = |url: &str| {
        url.trim_start_matches("registry+").trim_end_matches('/') == git_url.trim_end_matches('/')
    };
    // Git index URLs the configuration names elsewhere are not crates-io's.
    let named_elsewhere = sources
        .values()
        .filter_map(|s| s.get("registry")?.as_str())
        .chain(
            config
                .get("registries")
                .and_then(|r| r.as_table())
                .into_iter()
                .flat_map(|r| r.values())
                .filter_map(|r| r.get("index")?.as_str()),
        )
        .any(same);
    let replaced = sources.iter().find_map(|(name, source)| {
        let replace_with = source.get("replace-with")?.as_str()?;
        let applies = match source.get("registry").and_then(|r| r.as_str()) {
            Some(url) => same(url),
            None => name == "crates-io" && !named_elsewhere,
        };
        applies.then_some(replace_with)
    })?;
    let target = sources.get(replaced)?.get("registry")?.as_str()?;
    let url = target.strip_prefix("sparse+")?;
    Some((
        url.to_string(),
        format!("[source.{replaced}] in {}", file.display()),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cache_file(entries: &[(&str, &str)]) -> Vec<u8> {
        let mut out = vec![3u8];
        out.extend(2u32.to_le_bytes());
        out.extend(b"etag: \"abc\"\0");
        for (version, line) in entries {
            out.extend(version.as_bytes());
            out.push(0);
            out.extend(line.as_bytes());
            out.push(0);
        }
        out
    }

    #[test]
    fn index_paths_are_cargos() {
        assert_eq!(index_path("a"), "1/a");
        assert_eq!(index_path("ab"), "2/ab");
        assert_eq!(index_path("Abc"), "3/a/abc");
        assert_eq!(index_path("serde_json"), "se/rd/serde_json");
        assert!(!is_crate_name("../x"));
        assert!(!is_crate_name(""));
        assert!(is_crate_name("serde-json_2"));
    }

    #[test]
    fn cache_files_are_read_as_cargo_writes_them() {
        let file = cache_file(&[
            (
                "0.1.0",
                r#"{"name":"x","vers":"0.1.0","cksum":"aa","yanked":true}"#,
            ),
            ("0.2.0", r#"{"name":"x","vers":"0.2.0","cksum":"bb"}"#),
        ]);
        let one = release_in_cache(&file, "0.1.0").unwrap().unwrap();
        assert!(one.yanked);
        assert_eq!(one.cksum.as_deref(), Some("aa"));
        assert!(!release_in_cache(&file, "0.2.0").unwrap().unwrap().yanked);
        assert_eq!(release_in_cache(&file, "0.3.0").unwrap(), None);
    }

    #[test]
    fn hostile_cache_files_are_refused_not_believed() {
        assert!(release_in_cache(b"", "1.0.0").is_err());
        assert!(
            release_in_cache(&[1, 0, 0, 0, 0], "1.0.0")
                .unwrap_err()
                .contains("format 1")
        );
        assert!(
            release_in_cache(&[3, 2], "1.0.0")
                .unwrap_err()
                .contains("cut off")
        );
        // Cut off after the version.
        let mut cut = cache_file(&[]);
        cut.extend(b"1.0.0");
        assert!(release_in_cache(&cut, "1.0.0").is_err());
        // An entry filed under one version that is about another.
        let lying = cache_file(&[("1.0.0", r#"{"vers":"2.0.0","yanked":false}"#)]);
        assert!(
            release_in_cache(&lying, "1.0.0")
                .unwrap_err()
                .contains("2.0.0")
        );
        let garbage = cache_file(&[("1.0.0", "\u{1b}[31mnot json")]);
        assert!(release_in_cache(&garbage, "1.0.0").is_err());
        assert!(
            release_in_cache(&[3, 2, 0, 0, 0, 0xff, 0xfe], "1.0.0")
                .unwrap()
                .is_none()
        );
    }

    #[test]
    fn sparse_lines_are_read() {
        let body = br#"{"name":"x","vers":"1.0.0","cksum":"aa","yanked":false}
{"name":"x","vers":"1.0.1","cksum":"bb","yanked":true}
"#;
        assert!(release_in_lines(body, "1.0.1").unwrap().unwrap().yanked);
        assert!(!release_in_lines(body, "1.0.0").unwrap().unwrap().yanked);
        assert_eq!(release_in_lines(body, "2.0.0").unwrap(), None);
        assert!(release_in_lines(b"1.0.0 garbage", "1.0.0").is_err());
        assert!(release_in_lines(&[0xff, 0xfe], "1.0.0").is_err());
    }

    #[test]
    fn replacements_come_from_cargos_configuration() {
        let home = tempfile::tempdir().unwrap();
        std::fs::write(
            home.path().join("config.toml"),
            "[source.crates-io]\nreplace-with = \"mirror\"\n\n[source.mirror]\nregistry = \"sparse+https://mirror.registry.example/index/\"\n",
        )
        .unwrap();
        let (url, from) =
            sparse_in_place_of("https://git.registry.example/index", home.path()).unwrap();
        assert_eq!(url, "https://mirror.registry.example/index/");
        assert!(from.contains("[source.mirror]"), "{from}");
    }

    #[test]
    fn the_only_sparse_index_in_cargos_cache_is_the_one_cargo_uses() {
        let home = tempfile::tempdir().unwrap();
        let index = home.path().join("registry/index");
        std::fs::create_dir_all(index.join("sparse.registry.example-0123456789abcdef/.cache"))
            .unwrap();
        std::fs::create_dir_all(index.join("git.registry.example-fedcba9876543210/.git")).unwrap();
        std::fs::create_dir_all(index.join("not-a-registry")).unwrap();
        let found = cached_indexes(home.path());
        assert_eq!(found.len(), 2);
        let (url, _) =
            sparse_in_place_of("https://git.registry.example/index", home.path()).unwrap();
        assert_eq!(url, "https://sparse.registry.example/");
    }
}
