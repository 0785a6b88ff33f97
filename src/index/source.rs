//! Where an index is read from: a folder, the index built into the binary, a git repository
//! cloned into the cache, or a static HTTP server (docs/index-format.md, "Reading an index").

use super::IndexError;
use super::config::{CONFIG_FILE, Config};
use crate::registry::http::{Http, HttpError};
use crate::source::Limit;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};

/// The index of vetted components that ships with fundament: the repository's
/// `registry-index/`, embedded at build time.
pub static BUILTIN: include_dir::Dir<'static> =
    include_dir::include_dir!("$CARGO_MANIFEST_DIR/registry-index");

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
    /// - `git+<url>`, `file://...`, `git://...`, `ssh://...`, `user@host:path`: a git
    ///   repository;
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
            Location::Git { url } => format!("git {url}"),
            Location::Http { base } => base.clone(),
        }
    }
}

fn is_git_url(text: &str) -> bool {
    text.starts_with("file://")
        || text.starts_with("git://")
        || text.starts_with("ssh://")
        || is_scp_like(text)
}

/// `user@host:path`, git's scp-like ssh syntax (not a Windows drive letter).
fn is_scp_like(text: &str) -> bool {
    match text.split_once(':') {
        Some((host, path)) => {
            !host.contains('/') && host.contains('@') && !path.starts_with("//") && !host.is_empty()
        }
        None => false,
    }
}

/// Why a git URL cannot be cloned by this build, if it cannot.
pub fn unsupported_git_transport(url: &str) -> Option<String> {
    let lower = url.to_ascii_lowercase();
    if lower.starts_with("https://") {
        Some(format!(
            "cannot clone {url}: this fundament is built without TLS support in its git library, \
             so git over https is not supported; clone the index yourself and give the folder, \
             serve it over HTTP(S) as a static index (location = \"https://...\"), or use a \
             file:// or git:// URL"
        ))
    } else if lower.starts_with("ssh://") || is_scp_like(url) {
        Some(format!(
            "cannot clone {url}: this fundament is built without ssh support in its git library; \
             clone the index yourself and give the folder, or use a file:// or git:// URL"
        ))
    } else {
        None
    }
}

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
            Backend::Builtin => Ok(BUILTIN.get_file(rel).map(|f| f.contents().to_vec())),
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

/// A git index brought up to date in the cache.
#[derive(Debug, Clone)]
pub struct GitCheckout {
    pub dir: PathBuf,
    /// The commit checked out.
    pub commit: String,
    /// Set when the clone could not be updated and an older one is used.
    pub stale: Option<String>,
}

/// The cache folder of a git index.
pub fn git_cache_dir(cache: &Path, url: &str) -> PathBuf {
    let key = hex::encode(Sha256::digest(url.as_bytes()));
    cache.join("index-git").join(&key[..16])
}

/// Clones `url` into the cache, or fetches it when a clone is there, and checks out the
/// newest commit of `branch` (default: the branch the clone started on, the remote's default).
/// Offline, the last clone is used as it is. A failed fetch falls back to the last clone and
/// says so in [`GitCheckout::stale`].
pub fn sync_git(
    url: &str,
    branch: Option<&str>,
    cache: &Path,
    offline: bool,
) -> Result<GitCheckout, String> {
    if !offline && let Some(reason) = unsupported_git_transport(url) {
        return Err(reason);
    }
    let dir = git_cache_dir(cache, url);
    std::fs::create_dir_all(dir.parent().unwrap_or(cache))
        .map_err(|e| format!("cannot create the cache folder {}: {e}", cache.display()))?;
    // One fundament at a time per clone.
    let lock_path = dir.with_extension("lock");
    let lock = std::fs::File::options()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&lock_path)
        .map_err(|e| format!("cannot open {}: {e}", lock_path.display()))?;
    lock.lock()
        .map_err(|e| format!("cannot lock {}: {e}", lock_path.display()))?;

    let existing = git2::Repository::open(&dir).ok();
    if offline {
        let Some(repo) = existing else {
            return Err(format!(
                "offline, and {url} has never been cloned into the cache ({})",
                dir.display()
            ));
        };
        return Ok(GitCheckout {
            commit: head_commit(&repo),
            dir,
            stale: None,
        });
    }
    match existing {
        Some(repo) => match fetch_and_reset(&repo, branch) {
            Ok(commit) => Ok(GitCheckout {
                dir,
                commit,
                stale: None,
            }),
            Err(e) => Ok(GitCheckout {
                stale: Some(format!(
                    "cannot fetch {url} ({e}); using the clone in the cache at commit {}",
                    head_commit(&repo)
                )),
                commit: head_commit(&repo),
                dir,
            }),
        },
        None => {
            if dir.exists() {
                // A clone that was interrupted: start again.
                std::fs::remove_dir_all(&dir).map_err(|e| {
                    format!("cannot remove the broken clone {}: {e}", dir.display())
                })?;
            }
            let mut builder = git2::build::RepoBuilder::new();
            if let Some(branch) = branch {
                builder.branch(branch);
            }
            let repo = builder
                .clone(url, &dir)
                .map_err(|e| format!("cannot clone {url}: {}", e.message()))?;
            Ok(GitCheckout {
                commit: head_commit(&repo),
                dir,
                stale: None,
            })
        }
    }
}

fn head_commit(repo: &git2::Repository) -> String {
    repo.head()
        .ok()
        .and_then(|h| h.target())
        .map(|oid| oid.to_string())
        .unwrap_or_else(|| "(none)".to_string())
}

fn fetch_and_reset(repo: &git2::Repository, branch: Option<&str>) -> Result<String, String> {
    let branch = match branch {
        Some(b) => b.to_string(),
        None => repo
            .head()
            .ok()
            .and_then(|h| h.shorthand().ok().map(str::to_string))
            .ok_or_else(|| "the clone has no branch checked out".to_string())?,
    };
    let mut remote = repo
        .find_remote("origin")
        .map_err(|e| e.message().to_string())?;
    remote
        .fetch(&[] as &[&str], None, None)
        .map_err(|e| e.message().to_string())?;
    let reference = repo
        .find_reference(&format!("refs/remotes/origin/{branch}"))
        .map_err(|_| format!("the repository has no branch `{branch}`"))?;
    let commit = reference
        .peel_to_commit()
        .map_err(|e| e.message().to_string())?;
    // Keep the local branch on the fetched commit, and the files with it.
    if repo
        .head()
        .ok()
        .and_then(|h| h.shorthand().ok().map(str::to_string))
        != Some(branch.clone())
    {
        repo.branch(&branch, &commit, true)
            .map_err(|e| e.message().to_string())?;
        repo.set_head(&format!("refs/heads/{branch}"))
            .map_err(|e| e.message().to_string())?;
    }
    let mut checkout = git2::build::CheckoutBuilder::new();
    checkout.force().remove_untracked(true);
    repo.reset(
        commit.as_object(),
        git2::ResetType::Hard,
        Some(&mut checkout),
    )
    .map_err(|e| e.message().to_string())?;
    Ok(commit.id().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

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
        assert!(unsupported_git_transport("https://git.example/x.git").is_some());
        assert!(unsupported_git_transport("git@git.example:x.git").is_some());
        assert!(unsupported_git_transport("file:///srv/x.git").is_none());
        assert!(unsupported_git_transport("git://git.example/x.git").is_none());
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
