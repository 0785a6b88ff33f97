//! Where an index is read from: a folder, the index built into the binary, a git repository
//! cloned into the cache, or a static HTTP server (docs/index-format.md, "Reading an index").

use super::IndexError;
use super::config::{CONFIG_FILE, Config};
use crate::registry::http::{Http, HttpError};
use crate::source::Limit;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// The index of vetted components that ships with fundament: the repository's
/// `registry-index/`, embedded at build time.
pub static BUILTIN: include_dir::Dir<'static> =
    include_dir::include_dir!("$CARGO_MANIFEST_DIR/registry-index");

/// The contents of the built-in index's file at `rel` (a path with `/`). The files are put in
/// a map once: `Dir::get_file` walks every entry and compares paths component by component,
/// and the vet stage asks for a file per package (about a tenth of the profile samples of a
/// warm audit of 1,700 packages).
fn builtin_file(rel: &str) -> Option<&'static [u8]> {
    use std::collections::HashMap;
    use std::sync::LazyLock;
    fn walk(dir: &'static include_dir::Dir<'static>, out: &mut HashMap<String, &'static [u8]>) {
        for file in dir.files() {
            let rel: Vec<_> = file
                .path()
                .components()
                .map(|c| c.as_os_str().to_string_lossy())
                .collect();
            out.insert(rel.join("/"), file.contents());
        }
        for sub in dir.dirs() {
            walk(sub, out);
        }
    }
    static FILES: LazyLock<HashMap<String, &'static [u8]>> = LazyLock::new(|| {
        let mut files = HashMap::new();
        walk(&BUILTIN, &mut files);
        files
    });
    FILES.get(rel).copied()
}

/// The location that names the built-in index.
pub const BUILTIN_LOCATION: &str = "builtin";

/// What kind of source a location is, when its spelling does not say.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SourceKind {
    /// A directory on disk (a checkout, a mounted share).
    Folder,
    /// A git repository, cloned into the cache and fetched on every run.
    Git,
    /// A static web server; only the files needed are fetched.
    Http,
    /// The index built into fundament.
    Builtin,
}

/// A location, understood.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Location {
    Builtin,
    Folder(PathBuf),
    Git { url: String },
    Http { base: String },
}

impl Location {
    /// Reads a location as written in `[[index]] location` or on the command line:
    /// - `builtin`: the index built into fundament;
    /// - `git+<url>`, `file://...`, `git://...`, `ssh://...`, `git+ssh://...`,
    ///   `user@host:path`: a git repository;
    /// - `http://...`, `https://...` (optionally `sparse+http...`): a static HTTP index;
    /// - anything else: a folder (relative paths are resolved against `base_dir`).
    ///
    /// `kind` overrides the guess where the spelling is ambiguous (`kind = "git"` for a local
    /// repository path or a git server over plain http).
    pub fn parse(
        text: &str,
        kind: Option<SourceKind>,
        base_dir: &Path,
    ) -> Result<Location, IndexError> {
        let text = text.trim();
        if text.is_empty() {
            return Err(IndexError::Config("an index location is empty".to_string()));
        }
        let guessed = if text == BUILTIN_LOCATION {
            SourceKind::Builtin
        } else if text.starts_with("git+") || is_git_url(text) {
            SourceKind::Git
        } else if text.starts_with("sparse+")
            || text.starts_with("http://")
            || text.starts_with("https://")
        {
            SourceKind::Http
        } else {
            SourceKind::Folder
        };
        let kind = kind.unwrap_or(guessed);
        let bare = text
            .strip_prefix("git+")
            .or_else(|| text.strip_prefix("sparse+"))
            .unwrap_or(text);
        Ok(match kind {
            SourceKind::Builtin => Location::Builtin,
            SourceKind::Folder => {
                if bare.contains("://") {
                    return Err(IndexError::Config(format!(
                        "`{text}` is a URL, not a folder"
                    )));
                }
                Location::Folder(base_dir.join(bare))
            }
            SourceKind::Git => {
                let url = if bare.contains("://") || is_scp_like(bare) {
                    bare.to_string()
                } else {
                    // A local repository path: libgit2 clones those directly.
                    base_dir.join(bare).to_string_lossy().into_owned()
                };
                Location::Git { url }
            }
            SourceKind::Http => {
                if !(bare.starts_with("http://") || bare.starts_with("https://")) {
                    return Err(IndexError::Config(format!(
                        "`{text}` is not an http:// or https:// URL"
                    )));
                }
                Location::Http {
                    base: bare.trim_end_matches('/').to_string(),
                }
            }
        })
    }

    /// The location as shown in reports.
    pub fn display(&self) -> String {
        match self {
            Location::Builtin => format!("built into fundament {}", env!("CARGO_PKG_VERSION")),
            Location::Folder(path) => path.display().to_string(),
            Location::Git { url } => format!("git {}", crate::source::git::display_url(url)),
            Location::Http { base } => crate::source::git::display_url(base),
        }
    }
}

use crate::source::git::{is_git_url, is_scp_like};

/// A source that can be read, once opened.
#[derive(Debug, Clone)]
pub(crate) enum Backend {
    Builtin,
    Folder(PathBuf),
    Http(String),
}

impl Backend {
    /// The bytes of the file at `rel` (a path the layout computed, with `/`), `None` when the
    /// index has no such file.
    pub(crate) fn read(&self, rel: &str, http: Option<&Http>) -> Result<Option<Vec<u8>>, String> {
        match self {
            Backend::Builtin => Ok(builtin_file(rel).map(<[u8]>::to_vec)),
            Backend::Folder(root) => read_contained(root, rel),
            Backend::Http(base) => {
                let Some(http) = http else {
                    return Err("no HTTP client".to_string());
                };
                let url = format!("{base}/{rel}");
                match http.get(&url, ACCEPT) {
                    Ok(fetched) => Ok(Some(fetched.body)),
                    Err(HttpError::NotFound { .. }) => Ok(None),
                    Err(e) => Err(e.to_string()),
                }
            }
        }
    }

    /// Reads and checks `config.json`.
    pub(crate) fn config(&self, http: Option<&Http>) -> Result<Config, String> {
        let where_ = match self {
            Backend::Builtin => "the built-in index".to_string(),
            Backend::Folder(root) => root.display().to_string(),
            Backend::Http(base) => base.clone(),
        };
        match self.read(CONFIG_FILE, http)? {
            None => Err(format!(
                "{where_} has no {CONFIG_FILE}: it is not a fundament index"
            )),
            Some(bytes) => Config::parse(&bytes)
                .map_err(|problems| format!("{where_}/{CONFIG_FILE}: {}", problems.join("; "))),
        }
    }
}

/// What the HTTP client asks for.
pub(crate) const ACCEPT: &str =
    "application/jsonl, application/x-ndjson, application/json;q=0.9, text/plain;q=0.5, */*;q=0.1";

/// Reads `root/rel` without following symbolic links anywhere below the root: an index file
/// that is a link (or lies in a linked folder) could point anywhere on the machine.
pub(crate) fn read_contained(root: &Path, rel: &str) -> Result<Option<Vec<u8>>, String> {
    let mut path = root.to_path_buf();
    for part in rel.split('/') {
        if part.is_empty() || part == "." || part == ".." || part.contains('\\') {
            return Err(format!("refusing the path {rel:?}"));
        }
        path.push(part);
        match std::fs::symlink_metadata(&path) {
            Ok(meta) if meta.file_type().is_symlink() => {
                return Err(format!(
                    "{} is a symbolic link; index files and folders must not be links",
                    path.display()
                ));
            }
            Ok(_) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) if e.kind() == std::io::ErrorKind::NotADirectory => return Ok(None),
            Err(e) => return Err(format!("cannot read {}: {e}", path.display())),
        }
    }
    // Index files are as untrusted as the audited tree: a FIFO or a device under a record's
    // name is refused without blocking, and no file is read past its cap.
    let limit = if rel == super::CONFIG_FILE {
        Limit::INDEX_CONFIG
    } else {
        Limit::INDEX_RECORD
    };
    match crate::source::read_bounded(&path, limit) {
        Ok(bytes) => Ok(Some(bytes)),
        Err(refusal) if refusal.is_missing() => Ok(None),
        Err(refusal) => Err(refusal.to_string()),
    }
}

/// Reads a record file found by a listing of the index (verify, the site): not a symbolic
/// link (it could point anywhere on the machine), and otherwise as every untrusted file is
/// read ([`crate::source::read_bounded`]): only a regular file, without blocking, at most
/// [`Limit::INDEX_RECORD`] bytes.
pub(crate) fn read_record_file(path: &Path) -> Result<Vec<u8>, String> {
    match std::fs::symlink_metadata(path) {
        Ok(meta) if meta.file_type().is_symlink() => {
            return Err(format!(
                "{} is a symbolic link; index files and folders must not be links",
                path.display()
            ));
        }
        Ok(_) => {}
        Err(e) => return Err(format!("cannot read {}: {e}", path.display())),
    }
    crate::source::read_bounded(path, Limit::INDEX_RECORD).map_err(|refusal| refusal.to_string())
}

/// The record files of the index at `root` (relative path, path), sorted.
pub fn record_files(root: &Path) -> Vec<(String, PathBuf)> {
    fn collect(dir: &Path, rel: &str, depth: usize, out: &mut Vec<(String, PathBuf)>) {
        if depth > 3 {
            return;
        }
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for entry in entries.flatten() {
            let Some(name) = entry.file_name().to_str().map(str::to_string) else {
                continue;
            };
            let Ok(kind) = entry.file_type() else {
                continue;
            };
            let path = format!("{rel}/{name}");
            if kind.is_dir() {
                collect(&entry.path(), &path, depth + 1, out);
            } else if kind.is_file() && !name.starts_with('.') {
                out.push((path, entry.path()));
            }
        }
    }
    let mut out = Vec::new();
    for ecosystem in super::layout::ECOSYSTEMS {
        let dir = root.join(ecosystem.purl_type());
        if std::fs::symlink_metadata(&dir).is_ok_and(|m| m.is_dir()) {
            collect(&dir, ecosystem.purl_type(), 0, &mut out);
        }
    }
    out.sort();
    out
}

/// A git index brought up to date in the cache.
pub type GitCheckout = crate::source::git::Checkout;

/// The cache folder of a git index.
pub fn git_cache_dir(cache: &Path, url: &str) -> PathBuf {
    crate::source::git::cache_dir(cache, "index-git", url)
}

/// Clones `url` into the cache (shallowly), or fetches it when a clone is there, and checks
/// out the newest commit of `branch` (default: the remote's default branch), through
/// fundament's git transports (src/source/git.rs: https over the registry HTTP client's
/// proxies, CA certificates and credentials; ssh by the user's ssh program). Offline, the
/// last clone is used as it is. A failed fetch falls back to the last clone and says so in
/// [`GitCheckout::stale`]. Callers show the error's reason alone ([`GitError::reason`],
/// [`GitError::reason_text`]): they name the URL already.
///
/// [`GitError::reason`]: crate::source::git::GitError::reason
/// [`GitError::reason_text`]: crate::source::git::GitError::reason_text
pub fn sync_git(
    url: &str,
    branch: Option<&str>,
    cache: &Path,
    options: &crate::source::git::GitOptions,
) -> Result<GitCheckout, crate::source::git::GitError> {
    crate::source::git::sync(url, &git_cache_dir(cache, url), branch, options)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The map of the built-in index answers as the embedded folder does, for every file at
    /// every depth, and knows no file the folder does not have.
    #[test]
    fn the_builtin_map_holds_every_embedded_file() {
        fn walk(dir: &'static include_dir::Dir<'static>, count: &mut usize) {
            for file in dir.files() {
                let rel = file
                    .path()
                    .to_str()
                    .expect("UTF-8 paths")
                    .replace('\\', "/");
                assert_eq!(builtin_file(&rel), Some(file.contents()), "{rel}");
                *count += 1;
            }
            dir.dirs().for_each(|d| walk(d, count));
        }
        let mut count = 0;
        walk(&BUILTIN, &mut count);
        assert!(count > 10, "{count} files");
        assert!(builtin_file(CONFIG_FILE).is_some());
        assert_eq!(builtin_file("cargo/no/such-package.jsonl"), None);
        assert_eq!(builtin_file("cargo"), None, "a folder is no file");
    }

    #[test]
    fn locations_are_read_by_their_spelling() {
        let base = Path::new("/etc/fundament");
        assert_eq!(
            Location::parse("builtin", None, base).unwrap(),
            Location::Builtin
        );
        assert_eq!(
            Location::parse("../index", None, base).unwrap(),
            Location::Folder(PathBuf::from("/etc/fundament/../index"))
        );
        assert_eq!(
            Location::parse("https://index.example/vetted/", None, base).unwrap(),
            Location::Http {
                base: "https://index.example/vetted".to_string()
            }
        );
        assert_eq!(
            Location::parse("file:///srv/index.git", None, base).unwrap(),
            Location::Git {
                url: "file:///srv/index.git".to_string()
            }
        );
        assert_eq!(
            Location::parse("git+https://git.example/index.git", None, base).unwrap(),
            Location::Git {
                url: "https://git.example/index.git".to_string()
            }
        );
        assert_eq!(
            Location::parse("git@git.example:city/index.git", None, base).unwrap(),
            Location::Git {
                url: "git@git.example:city/index.git".to_string()
            }
        );
        assert_eq!(
            Location::parse("/srv/index", Some(SourceKind::Git), base).unwrap(),
            Location::Git {
                url: "/srv/index".to_string()
            }
        );
    }

    #[test]
    fn reading_refuses_links_and_relative_paths() {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path();
        std::fs::create_dir_all(root.join("cargo/se/rd")).unwrap();
        std::fs::write(root.join("secret"), "x").unwrap();
        std::fs::write(root.join("cargo/se/rd/serde"), "line\n").unwrap();
        assert_eq!(
            read_contained(root, "cargo/se/rd/serde").unwrap(),
            Some(b"line\n".to_vec())
        );
        assert_eq!(read_contained(root, "cargo/se/rd/sero").unwrap(), None);
        assert!(read_contained(root, "cargo/../secret").is_err());
        #[cfg(unix)]
        {
            std::os::unix::fs::symlink(root.join("secret"), root.join("cargo/se/rd/serdx"))
                .unwrap();
            assert!(read_contained(root, "cargo/se/rd/serdx").is_err());
        }
    }
}
