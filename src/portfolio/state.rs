//! The unchanged-repository skip: a repository whose commit, policy, indices and fundament
//! are what they were at its last audit is not audited again; that audit's result is used.
//!
//! # The key
//!
//! The SHA-256 of (docs/portfolio.md, "Unchanged repositories"):
//!
//! - the key format and fundament's version (new code may judge differently);
//! - the repository's identity and the commit checked out (git checkouts only; a folder
//!   without git, or a checkout with uncommitted changes, has no key and is always audited);
//! - the policy as loaded: every rule, exception, clarification and `[[index]]` entry (a
//!   repository's own fundament.toml is part of its commit, and is hashed as loaded too);
//! - the state of every index the policy asks: the built-in index by fundament's version, a
//!   git index by its commit, a folder index by the names, sizes and modification times of its
//!   files. An HTTP index has no state fundament can know without reading it all: a
//!   repository judged with one is audited every time;
//! - the state of the advisory data ([`crate::advisory::state`]): a folder by the names,
//!   sizes and times of its records, a zip file by its size and time, a git source by its
//!   commit, a download offline by its cached copy; the stage turned off, or no source.
//!   A download online or the OSV API has no state fundament can know without reading it:
//!   a repository audited with one is audited every time;
//! - the audit settings that change results: offline, registry look-ups and their settings,
//!   licence-text detection.
//!
//! # What else must hold
//!
//! - The stored audit was complete (`pass` or `fail`): an incomplete one (a registry or an
//!   index that did not answer) is never reused.
//! - No date that changes a verdict has come: the stored result is valid until the first
//!   expiry of a policy exception, an `[[advisories.ignore]]` entry or review-by date of an
//!   index decision after the audit, or the day its advisory data passes the policy's
//!   `max-age`; a result with yanked releases looked up online is valid for its day.
//! - The store lives in fundament's cache (`<cache>/portfolio-v1/`), next to the registry
//!   answers the audit used: emptying the cache (or `--no-cache`) audits everything again,
//!   and so does `--rescan`.

use super::result::AuditDigest;
use crate::audit::{Audit, AuditOptions};
use crate::policy::Policy;
use jiff::civil::Date;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};

/// The key format; bumped when what goes into the key changes.
pub const KEY_FORMAT: &str = "fundament.portfolio-key/2";

/// What the key is made of.
#[derive(Debug, Clone, Serialize)]
pub struct KeyParts {
    pub format: &'static str,
    pub fundament: &'static str,
    pub repository: String,
    pub commit: String,
    pub policy: String,
    pub indices: Vec<String>,
    /// The state of the advisory data ([`crate::advisory::state`]).
    pub advisories: Vec<String>,
    pub settings: String,
}

impl KeyParts {
    pub fn new(
        repository: &str,
        commit: &str,
        policy: &Policy,
        indices: Vec<String>,
        advisories: Vec<String>,
        options: &AuditOptions,
    ) -> KeyParts {
        KeyParts {
            format: KEY_FORMAT,
            fundament: env!("CARGO_PKG_VERSION"),
            repository: repository.to_string(),
            commit: commit.to_string(),
            policy: policy_fingerprint(policy),
            indices,
            advisories,
            settings: settings_fingerprint(options),
        }
    }

    /// The key: `sha256:` and 64 hex digits.
    pub fn key(&self) -> String {
        let json = serde_json::to_vec(self).unwrap_or_default();
        format!("sha256:{}", hex::encode(Sha256::digest(&json)))
    }
}

/// The policy's content, hashed: its every field as loaded.
pub fn policy_fingerprint(policy: &Policy) -> String {
    hex::encode(Sha256::digest(format!("{policy:?}").as_bytes()))
}

fn settings_fingerprint(options: &AuditOptions) -> String {
    format!(
        "offline={} registry-lookups={} detect={:?} registries={:?} cargo={:?}",
        options.offline,
        options.registry_lookups,
        options.detect,
        options.registries,
        options.cargo
    )
}

/// The commit of the checkout at `dir`, or why it has none that identifies its content: not
/// a git work tree, no commit yet, or uncommitted changes (untracked files included).
///
/// The checkout is input fundament did not make, so git is asked as little as it can be: only
/// `dir` itself is opened (never a repository above it); `.git` must be a folder of the
/// checkout (a `gitdir:` link or a symbolic link leads elsewhere, and is not followed); the
/// work tree must be `dir` (a `core.worktree` elsewhere is refused); and the status is read
/// with an empty configuration, so that no setting of the checkout's own (`core.excludesFile`,
/// `core.fsmonitor`) makes git read or run anything outside it. libgit2 opens the files it
/// reads itself (`.git/config`, the index, `.gitignore` and `.gitattributes` files, ...),
/// following links and without a size limit, so everything it may read is checked first
/// ([`check_before_git`]): anything it could block on or read without end leaves the
/// checkout without a commit, and says why.
pub fn local_commit(dir: &Path) -> Result<String, String> {
    match std::fs::symlink_metadata(dir.join(".git")) {
        Ok(meta) if meta.is_dir() => {}
        Ok(_) => {
            return Err(
                "its .git is a link to a repository elsewhere (a worktree, a submodule); \
                 fundament does not follow it"
                    .to_string(),
            );
        }
        Err(_) => return Err("not a git checkout".to_string()),
    }
    check_before_git(dir).map_err(|why| format!("its git status was not read: {why}"))?;
    let repo = git2::Repository::open_ext(
        dir,
        git2::RepositoryOpenFlags::NO_SEARCH,
        std::iter::empty::<&std::ffi::OsStr>(),
    )
    .map_err(|_| "not a git checkout".to_string())?;
    let same_tree = match (repo.workdir(), std::fs::canonicalize(dir)) {
        (Some(workdir), Ok(dir)) => std::fs::canonicalize(workdir).is_ok_and(|w| w == dir),
        _ => false,
    };
    if !same_tree {
        return Err("its git configuration names another work tree".to_string());
    }
    let empty = git2::Config::new().map_err(|e| e.message().to_string())?;
    repo.set_config(&empty)
        .map_err(|e| e.message().to_string())?;
    let commit = repo
        .head()
        .ok()
        .and_then(|h| h.peel_to_commit().ok())
        .map(|c| c.id().to_string())
        .ok_or_else(|| "the checkout has no commit".to_string())?;
    let mut options = git2::StatusOptions::new();
    options
        .include_untracked(true)
        .recurse_untracked_dirs(false)
        .include_ignored(false)
        .exclude_submodules(true);
    let statuses = repo
        .statuses(Some(&mut options))
        .map_err(|e| format!("its status cannot be read: {}", e.message()))?;
    if !statuses.is_empty() {
        return Err(format!(
            "the checkout has uncommitted changes ({})",
            crate::plural::count(statuses.len(), "file", "files")
        ));
    }
    Ok(commit)
}

/// Checks, through the one way into an untrusted tree ([`Confined`]), every file libgit2's
/// opening of the repository and its status walk may read: in `.git` only regular files and
/// folders (no link, FIFO, socket or device), its configuration, ignore and attribute files
/// within the configuration cap, the index and packed refs within the lockfile cap, and no
/// `objects/info/alternates` or `commondir` (objects or refs elsewhere); in the work tree no
/// FIFO, socket or device anywhere, and every `.gitignore`, `.gitattributes` and
/// `.gitmodules` a regular file inside the tree (links resolved) within the configuration cap.
/// The error says which file, and why.
fn check_before_git(dir: &Path) -> Result<(), String> {
    use crate::source::confined::{Confined, Limit};
    let root = std::fs::canonicalize(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let input = Confined::audited(&root);
    let git = root.join(".git");
    for name in ["objects/info/alternates", "commondir"] {
        if std::fs::symlink_metadata(git.join(name)).is_ok() {
            return Err(format!(
                ".git/{name} names a repository's objects or references elsewhere; not followed"
            ));
        }
    }
    for (name, limit) in [
        ("config", Limit::CONFIG),
        ("HEAD", Limit::CONFIG),
        ("info/exclude", Limit::CONFIG),
        ("info/attributes", Limit::CONFIG),
        ("index", Limit::LOCKFILE),
        ("packed-refs", Limit::LOCKFILE),
        ("shallow", Limit::LOCKFILE),
    ] {
        match input.file(&git.join(name), limit) {
            Err(refusal) if !refusal.is_missing() => return Err(refusal.to_string()),
            _ => {}
        }
    }
    for entry in walkdir::WalkDir::new(&root).follow_links(false) {
        let entry = entry.map_err(|e| e.to_string())?;
        let kind = entry.file_type();
        if kind.is_dir() {
            continue;
        }
        let path = entry.path();
        let relative = path.strip_prefix(&root).unwrap_or(path);
        let in_git = relative.components().any(|c| c.as_os_str() == ".git");
        if in_git && kind.is_symlink() {
            return Err(format!(
                "{} is a symbolic link inside .git; not followed",
                input.display(path)
            ));
        }
        let git_reads = matches!(
            entry.file_name().to_str(),
            Some(".gitignore" | ".gitattributes" | ".gitmodules")
        );
        if git_reads || !(kind.is_file() || kind.is_symlink()) {
            input
                .file(path, Limit::CONFIG)
                .map_err(|refusal| refusal.to_string())?;
        }
    }
    Ok(())
}

/// The state of every index `policy` asks for an audit of `root`, one line each; an error
/// says why there is none (an HTTP index, an index that cannot be read).
pub fn index_state(
    root: &Path,
    options: &AuditOptions,
    policy: &Policy,
) -> Result<Vec<String>, String> {
    let builtin = format!("builtin fundament {}", env!("CARGO_PKG_VERSION"));
    if policy.vetting.indices.is_empty() {
        return Ok(if policy.vetting.builtin_index {
            vec![builtin]
        } else {
            Vec::new()
        });
    }
    let layered = crate::audit::open_indices(root, options, policy).map_err(|e| e.to_string())?;
    let mut state = Vec::new();
    for layer in layered.layers() {
        if let Some(failed) = &layer.failed {
            return Err(format!("the index {} cannot be read: {failed}", layer.name));
        }
        if let Some(stale) = &layer.stale {
            return Err(format!(
                "the index {} may be out of date: {stale}",
                layer.name
            ));
        }
        let line = match layer.kind {
            crate::index::SourceKind::Builtin => builtin.clone(),
            crate::index::SourceKind::Git => match &layer.commit {
                Some(commit) => format!("git {} {commit}", layer.location),
                None => return Err(format!("the index {} has no commit", layer.name)),
            },
            crate::index::SourceKind::Folder => format!(
                "folder {} {}",
                layer.location,
                folder_digest(Path::new(&layer.location))?
            ),
            crate::index::SourceKind::Http => {
                return Err(format!(
                    "the index {} is read over HTTP, and its state is not known without \
                     reading it",
                    layer.name
                ));
            }
        };
        state.push(format!("{} {} {line}", layer.name, layer.precedence));
    }
    Ok(state)
}

/// The state of the advisory data an audit under `policy` reads, one line per source
/// ([`crate::advisory::state`]); an error says why it cannot be known without reading the
/// data (a download or the OSV API, online).
pub fn advisory_state(options: &AuditOptions, policy: &Policy) -> Result<Vec<String>, String> {
    crate::advisory::state::data_state(
        &policy.advisories,
        &options.advisories,
        &crate::advisory::state::StateOptions {
            offline: options.offline,
            cache_dir: options.cache_dir.clone(),
            ..Default::default()
        },
    )
}

/// Names, sizes and modification times of the files below `dir` (`.git` left out).
fn folder_digest(dir: &Path) -> Result<String, String> {
    let mut lines = Vec::new();
    for entry in walkdir::WalkDir::new(dir)
        .follow_links(false)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|e| e.file_name() != ".git")
    {
        let entry = entry.map_err(|e| format!("{}: {e}", dir.display()))?;
        if !entry.file_type().is_file() {
            continue;
        }
        let meta = entry
            .metadata()
            .map_err(|e| format!("{}: {e}", entry.path().display()))?;
        let modified = meta
            .modified()
            .ok()
            .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
            .map(|d| d.as_nanos())
            .unwrap_or(0);
        let relative = entry.path().strip_prefix(dir).unwrap_or(entry.path());
        lines.push(format!("{} {} {modified}", relative.display(), meta.len()));
    }
    Ok(hex::encode(Sha256::digest(lines.join("\n").as_bytes())))
}

/// The first day on which a verdict of `audit` may change by the calendar alone: the day of,
/// or the day after, the first expiry of a policy exception or review-by date of an index
/// decision after `today` (both days, as the comparisons differ in whether the day itself
/// counts). `None` when nothing in the audit is dated.
pub fn valid_until(policy: &Policy, audit: &Audit, today: Date) -> Option<Date> {
    let review_by = audit.packages.iter().filter_map(|p| {
        p.vetting
            .record
            .as_ref()?
            .review_by
            .as_deref()?
            .parse::<Date>()
            .ok()
    });
    // Advisory data grows older by the calendar: the day it passes the policy's `max-age`
    // (A008) changes the audit.
    let max_age = i64::from(policy.advisories.max_age_days);
    let data_too_old = audit.advisories.ecosystems.iter().filter_map(|c| {
        let as_of: jiff::Timestamp = c.as_of.as_deref()?.parse().ok()?;
        let day = as_of.to_zoned(jiff::tz::TimeZone::UTC).date();
        day.checked_add(jiff::Span::new().days(max_age + 1)).ok()
    });
    let ignore_expires = policy.advisories.ignore.iter().filter_map(|i| i.expires);
    // Whether a crate release was yanked, as its registry answered online: that answer is
    // reused for the day it was given, not longer.
    let yanked_online = audit
        .advisories
        .yanked
        .as_ref()
        .is_some_and(|y| y.online > 0)
        .then(|| today.tomorrow().ok())
        .flatten();
    policy
        .exceptions
        .iter()
        .filter_map(|e| e.expires)
        .chain(review_by)
        .chain(ignore_expires)
        .chain(data_too_old)
        .chain(yanked_online)
        .flat_map(|d| [Some(d), d.tomorrow().ok()])
        .flatten()
        .filter(|d| *d > today)
        .min()
}

/// A stored result, as [`Store::save`] left it.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct StoredState {
    format: String,
    id: String,
    key: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    valid_until: Option<String>,
    digest: AuditDigest,
}

/// A result that can be used again.
#[derive(Debug, Clone)]
pub struct Stored {
    pub digest: AuditDigest,
    /// The full audit (JSON) and the CycloneDX SBOM, to be copied into the output.
    pub audit: PathBuf,
    pub cyclonedx: PathBuf,
}

/// Results of earlier audits, per repository, in fundament's cache.
#[derive(Debug, Clone)]
pub struct Store {
    dir: PathBuf,
}

impl Store {
    pub fn new(cache: &Path) -> Store {
        Store {
            dir: cache.join("portfolio-v1"),
        }
    }

    fn entry(&self, id: &str) -> PathBuf {
        let hash = hex::encode(Sha256::digest(id.as_bytes()));
        self.dir.join(&hash[..2]).join(&hash[..24])
    }

    /// The stored result of `id`, when it was stored under `key` and is still valid on `today`.
    pub fn load(&self, id: &str, key: &str, today: Date) -> Option<Stored> {
        let dir = self.entry(id);
        let state: StoredState =
            serde_json::from_slice(&std::fs::read(dir.join("state.json")).ok()?).ok()?;
        if state.format != KEY_FORMAT || state.id != id || state.key != key {
            return None;
        }
        if let Some(until) = &state.valid_until {
            let until: Date = until.parse().ok()?;
            if today >= until {
                return None;
            }
        }
        let (audit, cyclonedx) = (dir.join("audit.json"), dir.join("cyclonedx.json"));
        (audit.is_file() && cyclonedx.is_file()).then_some(Stored {
            digest: state.digest,
            audit,
            cyclonedx,
        })
    }

    /// Stores a complete audit's result; an incomplete one removes what was stored. Best
    /// effort: a store that cannot be written costs only time on the next run.
    pub fn save(
        &self,
        id: &str,
        key: &str,
        valid_until: Option<Date>,
        digest: &AuditDigest,
        audit_json: &str,
        cyclonedx: &str,
    ) {
        let dir = self.entry(id);
        if digest.outcome == "incomplete" {
            let _ = std::fs::remove_file(dir.join("state.json"));
            return;
        }
        let state = StoredState {
            format: KEY_FORMAT.to_string(),
            id: id.to_string(),
            key: key.to_string(),
            valid_until: valid_until.map(|d| d.to_string()),
            digest: digest.clone(),
        };
        let Ok(state) = serde_json::to_vec(&state) else {
            return;
        };
        use crate::registry::http::write_atomically;
        // The state last: it makes the other two count.
        let _ = std::fs::remove_file(dir.join("state.json"));
        let _ = write_atomically(&dir.join("audit.json"), audit_json.as_bytes())
            .and_then(|_| write_atomically(&dir.join("cyclonedx.json"), cyclonedx.as_bytes()))
            .and_then(|_| write_atomically(&dir.join("state.json"), &state));
    }

    /// Forgets what was stored for `id` (its audit is no longer complete or current).
    pub fn forget(&self, id: &str) {
        let _ = std::fs::remove_file(self.entry(id).join("state.json"));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_policy_has_the_same_fingerprint() {
        let a = Policy::preset("public-sector-default").unwrap().unwrap();
        let b = Policy::preset("public-sector-default").unwrap().unwrap();
        let c = Policy::preset("permissive-only").unwrap().unwrap();
        assert_eq!(policy_fingerprint(&a), policy_fingerprint(&b));
        assert_ne!(policy_fingerprint(&a), policy_fingerprint(&c));
    }

    #[test]
    fn every_part_changes_the_key() {
        let policy = Policy::preset("public-sector-default").unwrap().unwrap();
        let options = AuditOptions::default();
        let base = KeyParts::new("r", "c1", &policy, vec!["builtin".into()], vec![], &options);
        let key = base.key();
        assert!(key.starts_with("sha256:") && key.len() == 71);
        let mut other = base.clone();
        other.commit = "c2".into();
        assert_ne!(other.key(), key);
        let mut other = base.clone();
        other.indices = vec!["git x 123".into()];
        assert_ne!(other.key(), key);
        let mut other = base.clone();
        other.advisories = vec!["folder /osv 0123".into()];
        assert_ne!(other.key(), key);
        let offline = AuditOptions {
            offline: true,
            ..AuditOptions::default()
        };
        assert_ne!(
            KeyParts::new("r", "c1", &policy, vec!["builtin".into()], vec![], &offline).key(),
            key
        );
        assert_eq!(
            KeyParts::new("r", "c1", &policy, vec!["builtin".into()], vec![], &options).key(),
            key
        );
    }

    #[test]
    fn local_commits_need_a_clean_checkout() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(local_commit(dir.path()).unwrap_err(), "not a git checkout");
        let repo = git2::Repository::init(dir.path()).unwrap();
        assert!(local_commit(dir.path()).unwrap_err().contains("no commit"));
        std::fs::write(dir.path().join("a.txt"), "a").unwrap();
        let mut index = repo.index().unwrap();
        index.add_path(Path::new("a.txt")).unwrap();
        let tree = repo.find_tree(index.write_tree().unwrap()).unwrap();
        let who = git2::Signature::now("t", "t@example.org").unwrap();
        let id = repo
            .commit(Some("HEAD"), &who, &who, "one", &tree, &[])
            .unwrap();
        index.write().unwrap();
        assert_eq!(local_commit(dir.path()).unwrap(), id.to_string());
        std::fs::write(dir.path().join("b.txt"), "b").unwrap();
        assert!(
            local_commit(dir.path())
                .unwrap_err()
                .contains("uncommitted")
        );
        std::fs::remove_file(dir.path().join("b.txt")).unwrap();
        // Objects elsewhere are not followed, a large ignore file is not read.
        let alternates = dir.path().join(".git/objects/info/alternates");
        std::fs::create_dir_all(alternates.parent().unwrap()).unwrap();
        std::fs::write(&alternates, "/elsewhere/objects\n").unwrap();
        assert!(
            local_commit(dir.path())
                .unwrap_err()
                .contains(".git/objects/info/alternates names")
        );
        std::fs::remove_file(&alternates).unwrap();
        std::fs::write(dir.path().join(".gitignore"), vec![b'#'; 2 << 20]).unwrap();
        let why = local_commit(dir.path()).unwrap_err();
        assert!(
            why.starts_with("its git status was not read: .gitignore is 2 MiB, over the 1 MiB"),
            "{why}"
        );
        std::fs::remove_file(dir.path().join(".gitignore")).unwrap();
        assert_eq!(local_commit(dir.path()).unwrap(), id.to_string());
        // A folder inside a checkout is not that checkout.
        std::fs::create_dir(dir.path().join("sub")).unwrap();
        assert_eq!(
            local_commit(&dir.path().join("sub")).unwrap_err(),
            "not a git checkout"
        );
    }

    #[test]
    fn folder_digests_see_changes() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("a"), "1").unwrap();
        let one = folder_digest(dir.path()).unwrap();
        assert_eq!(one, folder_digest(dir.path()).unwrap());
        std::fs::write(dir.path().join("b"), "2").unwrap();
        assert_ne!(one, folder_digest(dir.path()).unwrap());
    }
}
