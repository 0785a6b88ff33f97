//! Which repositories a portfolio holds: read from a folder of checkouts or a list file here,
//! from a GitLab group or a GitHub organisation in [`super::forge`].
//!
//! Every repository has an identity ([`Repository::id`]) that does not depend on the machine:
//! the URL without credentials (and the reference, when one is named) for a git URL, the path
//! below the folder for a checkout in a folder of checkouts. Shards are assigned by it, results
//! are filed under it, and `merge` and `--since` match repositories by it.

use crate::source::git::{display_url, is_git_url};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Where a repository was listed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SourceKind {
    /// A folder of checkouts.
    Folder,
    /// A list file of git URLs (or folders).
    List,
    /// A GitLab group, through GitLab's REST API.
    Gitlab,
    /// A GitHub organisation or user, through GitHub's REST API.
    Github,
}

/// Where a repository's files come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    /// A checkout on this machine, audited where it is.
    Local(PathBuf),
    /// A git repository, brought into fundament's cache (shallow clone, then fetches).
    Git {
        url: String,
        /// A branch, tag or commit; `None` for the remote's default branch.
        reference: Option<String>,
    },
}

/// One repository of the portfolio.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Repository {
    /// The identity: stable across machines, runs and shards.
    pub id: String,
    /// The name shown in reports (`group/project`, the folder's name).
    pub name: String,
    pub source: SourceKind,
    pub origin: Origin,
    /// The repository's page on its forge, when the forge said.
    pub web_url: Option<String>,
}

impl Repository {
    /// A repository at a git URL; the identity is the URL without credentials, and the
    /// reference after a space when one is named.
    pub fn git(url: &str, reference: Option<&str>, source: SourceKind) -> Repository {
        let shown = display_url(url);
        let id = match reference {
            Some(r) => format!("{shown} {r}"),
            None => shown.clone(),
        };
        let mut name = name_of_url(&shown);
        if let Some(r) = reference {
            name = format!("{name}@{r}");
        }
        Repository {
            id,
            name,
            source,
            origin: Origin::Git {
                url: url.to_string(),
                reference: reference.map(str::to_string),
            },
            web_url: None,
        }
    }
}

/// A repository the listing names but the scan leaves out, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Skipped {
    pub id: String,
    pub name: String,
    pub reason: String,
}

/// Everything a scan was asked to look at.
#[derive(Debug, Clone, Default)]
pub struct Listing {
    /// The sources, in words ("folder /srv/checkouts", "GitLab group `city/apps` at …").
    pub sources: Vec<String>,
    /// Sorted by identity, each once.
    pub repositories: Vec<Repository>,
    pub skipped: Vec<Skipped>,
    /// Things worth saying that are not problems (a repository listed twice).
    pub notes: Vec<String>,
}

impl Listing {
    /// Adds another source's repositories; a repository listed before is kept once, with a
    /// note.
    pub fn extend(&mut self, other: Listing) {
        self.sources.extend(other.sources);
        self.notes.extend(other.notes);
        let mut by_id: BTreeMap<String, Repository> = self
            .repositories
            .drain(..)
            .map(|r| (r.id.clone(), r))
            .collect();
        for repository in other.repositories {
            if by_id.contains_key(&repository.id) {
                self.notes.push(format!(
                    "{} is listed more than once; it is scanned once",
                    repository.id
                ));
            } else {
                by_id.insert(repository.id.clone(), repository);
            }
        }
        self.repositories = by_id.into_values().collect();
        self.skipped.extend(other.skipped);
        self.skipped.sort_by(|a, b| a.id.cmp(&b.id));
        self.skipped.dedup_by(|a, b| a.id == b.id);
    }

    /// A digest of the repositories listed (their identities), so that `merge` can tell
    /// whether every shard saw the same portfolio.
    pub fn digest(&self) -> String {
        digest_of(self.repositories.iter().map(|r| r.id.as_str()))
    }
}

/// The digest [`Listing::digest`] computes, over identities in any order.
pub fn digest_of<'a>(ids: impl Iterator<Item = &'a str>) -> String {
    let mut ids: Vec<&str> = ids.collect();
    ids.sort_unstable();
    let mut hasher = Sha256::new();
    for id in ids {
        hasher.update(id.as_bytes());
        hasher.update([0u8]);
    }
    format!("sha256:{}", hex::encode(hasher.finalize()))
}

/// Why a source cannot be listed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct ListingError(pub String);

impl From<ListingError> for String {
    fn from(e: ListingError) -> String {
        e.0
    }
}

/// How deep `folder` looks for checkouts in folders that group them (`group/sub/project`).
const MAX_GROUP_DEPTH: usize = 4;

/// The checkouts in `dir`: each sub-folder that is a git work tree (it has `.git`) is a
/// repository; a sub-folder that is none but holds work trees is a group, looked into; any
/// other sub-folder is a repository without git (audited every time, as nothing tells whether
/// it changed). Symbolic links to folders count as the folders they point to: each checkout is
/// audited as a root of its own. Hidden entries (`.name`) are left out.
pub fn folder(dir: &Path) -> Result<Listing, ListingError> {
    let meta =
        std::fs::metadata(dir).map_err(|e| ListingError(format!("{}: {e}", dir.display())))?;
    if !meta.is_dir() {
        return Err(ListingError(format!(
            "{} is not a folder; give a folder of checkouts, or a list file of git URLs \
             (one per line)",
            dir.display()
        )));
    }
    if is_work_tree(dir) {
        return Err(ListingError(format!(
            "{} is a git repository itself; `fundament scan` takes the folder that holds the \
             checkouts (use `fundament audit` for one repository)",
            dir.display()
        )));
    }
    let mut listing = Listing {
        sources: vec![format!("folder {}", dir.display())],
        ..Default::default()
    };
    let mut seen = std::collections::HashSet::new();
    if let Ok(canonical) = std::fs::canonicalize(dir) {
        seen.insert(canonical);
    }
    collect(dir, "", 0, &mut seen, &mut listing)?;
    listing.repositories.sort_by(|a, b| a.id.cmp(&b.id));
    Ok(listing)
}

fn collect(
    dir: &Path,
    prefix: &str,
    depth: usize,
    seen: &mut std::collections::HashSet<PathBuf>,
    listing: &mut Listing,
) -> Result<(), ListingError> {
    let entries =
        std::fs::read_dir(dir).map_err(|e| ListingError(format!("{}: {e}", dir.display())))?;
    let mut names: Vec<(String, PathBuf)> = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|e| ListingError(format!("{}: {e}", dir.display())))?;
        let Some(name) = entry.file_name().to_str().map(str::to_string) else {
            listing.notes.push(format!(
                "{}: a name that is not UTF-8 was left out",
                entry.path().display()
            ));
            continue;
        };
        if name.starts_with('.') {
            continue;
        }
        // `metadata` follows symbolic links: a linked checkout is a folder.
        if std::fs::metadata(entry.path()).is_ok_and(|m| m.is_dir()) {
            names.push((name, entry.path()));
        }
    }
    names.sort();
    for (name, path) in names {
        let relative = if prefix.is_empty() {
            name.clone()
        } else {
            format!("{prefix}/{name}")
        };
        let canonical = std::fs::canonicalize(&path).unwrap_or_else(|_| path.clone());
        let repository = Repository {
            id: relative.clone(),
            name: relative.clone(),
            source: SourceKind::Folder,
            origin: Origin::Local(path.clone()),
            web_url: None,
        };
        if is_work_tree(&path) {
            listing.repositories.push(repository);
        } else if depth + 1 < MAX_GROUP_DEPTH && holds_work_trees(&path) {
            // A link back up the tree must not make the walk go round.
            if seen.insert(canonical) {
                collect(&path, &relative, depth + 1, seen, listing)?;
            } else {
                listing.notes.push(format!(
                    "{}: leads back to a folder already looked into; left out",
                    path.display()
                ));
            }
        } else {
            listing.repositories.push(repository);
        }
    }
    Ok(())
}

/// Whether `dir` is the top of a git work tree (it has `.git`, a folder or a `gitdir:` file).
fn is_work_tree(dir: &Path) -> bool {
    std::fs::symlink_metadata(dir.join(".git")).is_ok()
}

fn holds_work_trees(dir: &Path) -> bool {
    std::fs::read_dir(dir).is_ok_and(|entries| {
        entries.flatten().any(|e| {
            std::fs::metadata(e.path()).is_ok_and(|m| m.is_dir()) && is_work_tree(&e.path())
        })
    })
}

/// The repositories of a list file: one per line, `URL [REF]`, where URL is a git URL
/// (`https://`, `http://`, `ssh://`, `git@host:path`, `file://`, `git://`) and REF an optional
/// branch, tag or commit; or a folder (a checkout on this machine, relative to the list
/// file). `#` starts a comment; blank lines are ignored.
pub fn list_file(path: &Path) -> Result<Listing, ListingError> {
    // A list file is the user's, but it must not block (a FIFO) or be read without bound.
    let text =
        crate::source::confined::read_text_bounded(path, crate::source::confined::Limit::CONFIG)
            .map_err(|refusal| ListingError(refusal.to_string()))?;
    let base = path.parent().unwrap_or(Path::new("."));
    let mut listing = Listing {
        sources: vec![format!("list {}", path.display())],
        ..Default::default()
    };
    let mut by_id: BTreeMap<String, usize> = BTreeMap::new();
    for (number, line) in text.lines().enumerate() {
        let at = || format!("{}:{}", path.display(), number + 1);
        let content = match line.find('#') {
            // `#` begins a comment at the start or after white space (URLs may hold `#`).
            Some(0) => "",
            Some(i) if line[..i].ends_with(char::is_whitespace) => &line[..i],
            _ => line,
        };
        let words: Vec<&str> = content.split_whitespace().collect();
        let (location, reference) = match words.as_slice() {
            [] => continue,
            [location] => (*location, None),
            [location, reference] => (*location, Some(*reference)),
            _ => {
                return Err(ListingError(format!(
                    "{}: expected `URL [REF]`, found {} words",
                    at(),
                    words.len()
                )));
            }
        };
        if location.chars().any(char::is_control) {
            return Err(ListingError(format!("{}: a control character", at())));
        }
        let repository = if is_git_url(location) || location.contains("://") {
            if let Some(r) = reference
                && (r.starts_with('-') || r.contains(".."))
            {
                return Err(ListingError(format!(
                    "{}: `{r}` is not a branch, tag or commit",
                    at()
                )));
            }
            Repository::git(location, reference, SourceKind::List)
        } else {
            if let Some(r) = reference {
                return Err(ListingError(format!(
                    "{}: `{location}` is a folder; a folder has no reference (`{r}`): check \
                     it out at the reference, or list its git URL",
                    at()
                )));
            }
            Repository {
                id: location.to_string(),
                name: location.trim_end_matches('/').to_string(),
                source: SourceKind::List,
                origin: Origin::Local(base.join(location)),
                web_url: None,
            }
        };
        if let Some(first) = by_id.get(&repository.id) {
            listing.notes.push(format!(
                "{}: {} is listed again (first on line {first}); it is scanned once",
                at(),
                repository.id
            ));
            continue;
        }
        by_id.insert(repository.id.clone(), number + 1);
        listing.repositories.push(repository);
    }
    listing.repositories.sort_by(|a, b| a.id.cmp(&b.id));
    Ok(listing)
}

/// `group/project` from a URL (without `.git`): the path of an https or ssh URL, the part
/// after `:` of `user@host:path`.
pub fn name_of_url(url: &str) -> String {
    let path = match url.split_once("://") {
        Some((_, rest)) => rest.split_once('/').map(|(_, p)| p).unwrap_or(rest),
        None => url.split_once(':').map(|(_, p)| p).unwrap_or(url),
    };
    let path = path.trim_matches('/');
    let path = path.strip_suffix(".git").unwrap_or(path);
    let path = path.strip_prefix('~').unwrap_or(path);
    if path.is_empty() {
        url.to_string()
    } else {
        path.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_come_from_urls() {
        assert_eq!(
            name_of_url("https://git.example/city/apps/web.git"),
            "city/apps/web"
        );
        assert_eq!(name_of_url("git@git.example:city/web.git"), "city/web");
        assert_eq!(
            name_of_url("ssh://git@git.example:2222/city/web"),
            "city/web"
        );
        assert_eq!(name_of_url("file:///srv/git/web.git"), "srv/git/web");
    }

    #[test]
    fn identities_carry_no_credentials() {
        let r = Repository::git(
            "https://bot:secret@git.example/a/b.git",
            Some("v1"),
            SourceKind::List,
        );
        assert_eq!(r.id, "https://git.example/a/b.git v1");
        assert_eq!(r.name, "a/b@v1");
        assert!(!format!("{:?}", r.id).contains("secret"));
    }

    #[test]
    fn a_list_file_is_read_line_by_line() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("repos.txt");
        std::fs::write(
            &file,
            "# the city's applications\n\
             https://git.example/city/web.git   # the portal\n\
             git@git.example:city/api.git release-2\n\
             \n\
             checkouts/local-app\n\
             https://git.example/city/web.git\n",
        )
        .unwrap();
        let listing = list_file(&file).unwrap();
        let ids: Vec<&str> = listing.repositories.iter().map(|r| r.id.as_str()).collect();
        assert_eq!(
            ids,
            [
                "checkouts/local-app",
                "git@git.example:city/api.git release-2",
                "https://git.example/city/web.git",
            ]
        );
        assert_eq!(listing.notes.len(), 1, "{:?}", listing.notes);
        assert!(listing.notes[0].contains("repos.txt:6"));
        assert_eq!(
            listing.repositories[0].origin,
            Origin::Local(dir.path().join("checkouts/local-app"))
        );

        std::fs::write(&file, "https://git.example/a.git main extra\n").unwrap();
        let err = list_file(&file).unwrap_err().0;
        assert!(
            err.ends_with("repos.txt:1: expected `URL [REF]`, found 3 words"),
            "{err}"
        );
        std::fs::write(&file, "https://git.example/a.git --upload-pack=x\n").unwrap();
        assert!(list_file(&file).unwrap_err().0.contains("not a branch"));
    }

    #[test]
    fn a_folder_of_checkouts_with_groups_and_links() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("checkouts");
        for repo in ["web", "group/api", "group/sub/worker"] {
            std::fs::create_dir_all(root.join(repo).join(".git")).unwrap();
        }
        std::fs::create_dir_all(root.join("plain/src")).unwrap();
        std::fs::create_dir_all(root.join(".hidden/.git")).unwrap();
        std::fs::write(root.join("README.md"), "not a repository").unwrap();
        let elsewhere = dir.path().join("elsewhere/linked");
        std::fs::create_dir_all(elsewhere.join(".git")).unwrap();
        #[cfg(unix)]
        {
            std::os::unix::fs::symlink(&elsewhere, root.join("linked")).unwrap();
            // A link back up must not loop.
            std::os::unix::fs::symlink(&root, root.join("group/up")).unwrap();
        }
        let listing = folder(&root).unwrap();
        let ids: Vec<&str> = listing.repositories.iter().map(|r| r.id.as_str()).collect();
        #[cfg(unix)]
        assert_eq!(
            ids,
            ["group/api", "group/sub/worker", "linked", "plain", "web"]
        );
        #[cfg(unix)]
        assert!(
            listing.notes.iter().any(|n| n.contains("group/up")),
            "{:?}",
            listing.notes
        );
        let err = folder(&root.join("web")).unwrap_err().0;
        assert!(err.contains("is a git repository itself"), "{err}");
        let err = folder(&root.join("README.md")).unwrap_err().0;
        assert!(err.contains("not a folder"), "{err}");
    }

    #[test]
    fn listings_merge_without_duplicates() {
        let mut a = Listing::default();
        a.repositories.push(Repository::git(
            "https://g.example/a.git",
            None,
            SourceKind::List,
        ));
        let mut b = Listing::default();
        b.repositories.push(Repository::git(
            "https://g.example/b.git",
            None,
            SourceKind::Gitlab,
        ));
        b.repositories.push(Repository::git(
            "https://g.example/a.git",
            None,
            SourceKind::Gitlab,
        ));
        let digest_before = a.digest();
        a.extend(b);
        assert_eq!(a.repositories.len(), 2);
        assert_eq!(a.notes.len(), 1);
        assert_ne!(a.digest(), digest_before);
        assert_eq!(
            a.repositories[0].source,
            SourceKind::List,
            "the first listing wins"
        );
    }
}
