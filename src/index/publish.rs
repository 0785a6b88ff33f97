//! Writing an index: `init` and `publish` (docs/index-format.md, "Writing").
//!
//! A publish appends one line to one file. The whole new file is written to a temporary file
//! in the same folder and renamed over the old one, under an exclusive lock on
//! `.fundament-index.lock` in the index root, so concurrent publishes serialise and a crash
//! leaves the old file or the new one, never half a line. When the index root is the work tree
//! of a git repository, the change is then committed (only that file, whatever else is
//! staged).

use super::config::{CONFIG_FILE, Config};
use super::layout::PackageId;
use super::record::{self, Entry, Record, RecordEvidence};
use super::{IndexError, today};
use std::io::Write as _;
use std::path::{Path, PathBuf};

/// The lock file in the index root.
pub const LOCK_FILE: &str = ".fundament-index.lock";
/// The suffix of publish's temporary files.
pub const TEMP_SUFFIX: &str = ".fundament-tmp";

/// The author's e-mail address when git has no identity configured.
pub const NO_EMAIL: &str = "index-publish@fundament.invalid";

/// What `init` writes into `.gitignore`.
const GITIGNORE: &str =
    "# written by fundament index init\n/.fundament-index.lock\n*.fundament-tmp\n";

/// Files a folder may already hold when `init` makes it an index: everything outside the
/// record tree (docs/index-format.md, "The tree").
fn harmless_before_init(name: &str) -> bool {
    !super::layout::ECOSYSTEMS
        .iter()
        .any(|e| e.purl_type() == name)
}

/// Makes `dir` an index: writes `config.json` (and `.gitignore`). Refuses a folder that is
/// already an index, and one that already has folders of the record tree (`cargo/`, `npm/`,
/// ...); anything else (a README, CI files, a licence) may be there.
/// With `git`, the folder also becomes a git repository (if it is not one) and the files are
/// committed.
pub fn init(dir: &Path, config: &Config, git: bool) -> Result<(), IndexError> {
    if let Err(problems) = Config::parse(config.to_text().as_bytes()) {
        return Err(IndexError::Invalid(problems.join("; ")));
    }
    if dir.join(CONFIG_FILE).exists() {
        return Err(IndexError::Invalid(format!(
            "{} is already an index (it has a {CONFIG_FILE})",
            dir.display()
        )));
    }
    if dir.exists() {
        let entries = std::fs::read_dir(dir)
            .map_err(|e| IndexError::Io(format!("cannot read {}: {e}", dir.display())))?;
        let strangers: Vec<String> = entries
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| !harmless_before_init(n))
            .collect();
        if !strangers.is_empty() {
            return Err(IndexError::Invalid(format!(
                "{} is not an index but already holds {} (folders of an index's record tree); give an empty or new folder",
                dir.display(),
                strangers.join(", ")
            )));
        }
    }
    std::fs::create_dir_all(dir)
        .map_err(|e| IndexError::Io(format!("cannot create {}: {e}", dir.display())))?;
    write_new(&dir.join(CONFIG_FILE), config.to_text().as_bytes())?;
    let gitignore = dir.join(".gitignore");
    if !gitignore.exists() {
        write_new(&gitignore, GITIGNORE.as_bytes())?;
    }
    if git {
        let repo = match git2::Repository::open(dir) {
            Ok(repo) => repo,
            Err(_) => git2::Repository::init(dir).map_err(git_error)?,
        };
        let signature = signature(&repo, config.maintainers.first().map(|m| m.name.as_str()))?;
        let mut index = repo.index().map_err(git_error)?;
        for file in [CONFIG_FILE, ".gitignore"] {
            index.add_path(Path::new(file)).map_err(git_error)?;
        }
        index.write().map_err(git_error)?;
        let tree = repo
            .find_tree(index.write_tree().map_err(git_error)?)
            .map_err(git_error)?;
        let parent = repo.head().ok().and_then(|h| h.peel_to_commit().ok());
        let parents: Vec<&git2::Commit> = parent.iter().collect();
        repo.commit(
            Some("HEAD"),
            &signature,
            &signature,
            &format!("Index {} created", config.name),
            &tree,
            &parents,
        )
        .map_err(git_error)?;
    }
    Ok(())
}

fn write_new(path: &Path, bytes: &[u8]) -> Result<(), IndexError> {
    std::fs::write(path, bytes)
        .map_err(|e| IndexError::Io(format!("cannot write {}: {e}", path.display())))
}

fn git_error(e: git2::Error) -> IndexError {
    IndexError::Git(format!("git: {}", e.message()))
}

/// What a publish did.
#[derive(Debug, Clone)]
pub struct Published {
    /// The file, relative to the index root.
    pub file: String,
    /// The line the record was written on.
    pub line: usize,
    /// The commit made, when the index is a git repository.
    pub commit: Option<String>,
    /// Things the publisher should know (an earlier publish left changes uncommitted, ...).
    pub warnings: Vec<String>,
}

/// Reads and checks an index's `config.json`.
pub fn open_config(root: &Path) -> Result<Config, IndexError> {
    let path = root.join(CONFIG_FILE);
    let bytes = crate::source::read_bounded(&path, crate::source::Limit::INDEX_CONFIG).map_err(
        |refusal| {
            IndexError::Invalid(format!(
                "{} is not an index: its {CONFIG_FILE} {}; create one with `fundament index init`",
                root.display(),
                refusal.reason_text()
            ))
        },
    )?;
    Config::parse(&bytes)
        .map_err(|p| IndexError::Invalid(format!("{}: {}", path.display(), p.join("; "))))
}

/// Appends `record` to its file in the index at `root`, under the index's lock, and commits it
/// when the index root is a git work tree and `commit` is set.
///
/// Refused: a record that does not pass its checks, a file that already has invalid lines
/// (fix it first), a record that repeats or contradicts a line of the same day, and a record
/// dated before the file's last line (lines are appended in date order).
pub fn publish(root: &Path, record: &Record, commit: bool) -> Result<Published, IndexError> {
    open_config(root)?;
    let entry = record
        .check(0)
        .map_err(|problems| IndexError::Invalid(problems.join("; ")))?;
    let rel = entry.id.path();

    let lock_path = root.join(LOCK_FILE);
    let lock = std::fs::File::options()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&lock_path)
        .map_err(|e| IndexError::Io(format!("cannot open {}: {e}", lock_path.display())))?;
    lock.lock()
        .map_err(|e| IndexError::Io(format!("cannot lock {}: {e}", lock_path.display())))?;

    let path = file_path(root, &rel);
    let dir = path
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| root.to_path_buf());
    let old = match super::source::read_contained(root, &rel) {
        Ok(Some(bytes)) => String::from_utf8(bytes).map_err(|_| {
            IndexError::Invalid(format!("{rel} is not UTF-8; fix it before publishing"))
        })?,
        Ok(None) => String::new(),
        Err(e) => return Err(IndexError::Io(e)),
    };
    let (existing, problems) = record::parse_lines(&old);
    if let Some(problem) = problems.first() {
        return Err(IndexError::Invalid(format!(
            "{rel}:{}: {}; the file must be valid before more is appended (see `fundament index verify`)",
            problem.line, problem.message
        )));
    }
    let line = old.lines().count() + 1;
    check_against(&existing, &entry, &rel, line)?;

    let mut text = old;
    if !text.is_empty() && !text.ends_with('\n') {
        text.push('\n');
    }
    text.push_str(&record.to_line());
    text.push('\n');

    std::fs::create_dir_all(&dir)
        .map_err(|e| IndexError::Io(format!("cannot create {}: {e}", dir.display())))?;
    remove_stale_temporaries(&dir);
    let file_name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = dir.join(format!(".{file_name}.{}{TEMP_SUFFIX}", std::process::id()));
    write_synced(&tmp, text.as_bytes())?;
    crash_point("after-temp");
    std::fs::rename(&tmp, &path).map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        IndexError::Io(format!("cannot replace {}: {e}", path.display()))
    })?;
    sync_dir(&dir);
    crash_point("after-rename");

    let mut published = Published {
        file: rel.clone(),
        line,
        commit: None,
        warnings: Vec::new(),
    };
    if commit && let Some(repo) = own_repository(root) {
        let message = commit_message(record);
        let id = commit_file(
            &repo,
            &rel,
            text.as_bytes(),
            &message,
            &record.reviewer,
            &mut published.warnings,
        )?;
        published.commit = Some(id);
    }
    drop(lock);
    Ok(published)
}

/// The path of `rel` under `root`.
fn file_path(root: &Path, rel: &str) -> PathBuf {
    let mut path = root.to_path_buf();
    for part in rel.split('/') {
        path.push(part);
    }
    path
}

/// Refuses a new record that repeats or contradicts a line of the same day, or is older than
/// the file's last line.
fn check_against(
    existing: &[Entry],
    new: &Entry,
    rel: &str,
    line: usize,
) -> Result<(), IndexError> {
    if let Some(other) = existing.iter().find(|e| e.id != new.id) {
        return Err(IndexError::Invalid(format!(
            "{rel}:{}: the file holds records of {}, not of {}; fix it first",
            other.line, other.id, new.id
        )));
    }
    if let Some(last) = existing.last()
        && new.date < last.date
    {
        return Err(IndexError::Invalid(format!(
            "{rel}:{}: the file's last decision is dated {}, after {}; records are appended in date order",
            last.line, last.record.date, new.record.date
        )));
    }
    let mut all: Vec<Entry> = existing.to_vec();
    let mut appended = new.clone();
    appended.line = line;
    all.push(appended);
    if let Some((earlier, _, message)) = record::conflicts(&all)
        .into_iter()
        .find(|(_, later, _)| *later == line)
    {
        return Err(IndexError::Invalid(format!(
            "not published: the new record {message} ({rel}:{earlier}); a new decision about the same versions on the same day is not allowed, publish a correction on a later day"
        )));
    }
    Ok(())
}

/// Temporary files of publishes that died: no publish is running while the lock is held.
fn remove_stale_temporaries(dir: &Path) {
    if let Ok(entries) = std::fs::read_dir(dir) {
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            if name.starts_with('.') && name.ends_with(TEMP_SUFFIX) {
                let _ = std::fs::remove_file(entry.path());
            }
        }
    }
}

fn write_synced(path: &Path, bytes: &[u8]) -> Result<(), IndexError> {
    let io = |e: std::io::Error| IndexError::Io(format!("cannot write {}: {e}", path.display()));
    let mut file = std::fs::File::create(path).map_err(io)?;
    file.write_all(bytes).map_err(io)?;
    file.sync_all().map_err(io)?;
    Ok(())
}

/// Makes the rename durable (best effort; not every platform can open a directory).
fn sync_dir(dir: &Path) {
    if let Ok(handle) = std::fs::File::open(dir) {
        let _ = handle.sync_all();
    }
}

/// In debug builds only, `FUNDAMENT_INDEX_CRASH=<point>` aborts the process at that point of a
/// publish, for the tests that check what a crash leaves behind.
fn crash_point(point: &str) {
    #[cfg(debug_assertions)]
    if std::env::var("FUNDAMENT_INDEX_CRASH").is_ok_and(|p| p == point) {
        std::process::abort();
    }
    #[cfg(not(debug_assertions))]
    let _ = point;
}

/// The repository whose work tree is exactly `root` (an index inside another project's
/// repository, like fundament's own `registry-index/`, is not committed by publish).
fn own_repository(root: &Path) -> Option<git2::Repository> {
    let repo = git2::Repository::open(root).ok()?;
    let workdir = repo.workdir()?.canonicalize().ok()?;
    (workdir == root.canonicalize().ok()?).then_some(repo)
}

/// "<decision> <purl>@<version> (<licence>) by <reviewer>, <organisation>"
pub fn commit_message(record: &Record) -> String {
    let what = match (&record.version, &record.versions) {
        (Some(v), _) => format!("{}@{v}", record.purl),
        (None, Some(range)) => format!("{} versions {range}", record.purl),
        (None, None) => record.purl.clone(),
    };
    let vex: Vec<String> = record
        .vex
        .iter()
        .map(|s| format!("{} {}", s.vulnerability, s.status))
        .collect();
    let vex = if vex.is_empty() {
        String::new()
    } else {
        format!("; VEX: {}", vex.join(", "))
    };
    format!(
        "{} {what} ({}) by {}, {}{vex}",
        record.decision, record.licence, record.reviewer, record.organisation
    )
}

/// The author: the repository's git configuration, else the reviewer. The time is
/// `SOURCE_DATE_EPOCH` when set.
fn signature(
    repo: &git2::Repository,
    fallback: Option<&str>,
) -> Result<git2::Signature<'static>, IndexError> {
    let epoch = std::env::var("SOURCE_DATE_EPOCH")
        .ok()
        .and_then(|v| v.trim().parse::<i64>().ok());
    let (name, email) = match repo.signature() {
        Ok(sig) => (
            sig.name().unwrap_or("fundament").to_string(),
            sig.email().unwrap_or("").to_string(),
        ),
        // git needs an address; `.invalid` says there is none.
        Err(_) => (
            fallback.unwrap_or("fundament").to_string(),
            NO_EMAIL.to_string(),
        ),
    };
    match epoch {
        Some(seconds) => git2::Signature::new(&name, &email, &git2::Time::new(seconds, 0)),
        None => git2::Signature::now(&name, &email),
    }
    .map_err(git_error)
}

/// Commits the new content of `rel` on top of HEAD: the commit changes that file only, even
/// when other changes are staged; the repository's index is updated for that file.
fn commit_file(
    repo: &git2::Repository,
    rel: &str,
    bytes: &[u8],
    message: &str,
    reviewer: &str,
    warnings: &mut Vec<String>,
) -> Result<String, IndexError> {
    let head = repo.head().ok().and_then(|h| h.peel_to_commit().ok());
    let base_tree = head.as_ref().and_then(|c| c.tree().ok());
    // An earlier publish that died before its commit left its line in this file: it is
    // committed now, with this one.
    if let Some(tree) = &base_tree {
        let committed = tree
            .get_path(Path::new(rel))
            .ok()
            .and_then(|e| e.to_object(repo).ok())
            .and_then(|o| o.into_blob().ok())
            .map(|b| b.content().to_vec())
            .unwrap_or_default();
        let uncommitted = bytes
            .strip_prefix(committed.as_slice())
            .map(|added| added.iter().filter(|b| **b == b'\n').count())
            .unwrap_or(usize::MAX);
        if uncommitted > 1 {
            warnings.push(format!(
                "{rel} had lines that were written but not committed (an interrupted publish?); they are part of this commit"
            ));
        }
    }
    let blob = repo.blob(bytes).map_err(git_error)?;
    let parts: Vec<&str> = rel.split('/').collect();
    let tree_id = tree_with(repo, base_tree.as_ref(), &parts, blob).map_err(git_error)?;
    let tree = repo.find_tree(tree_id).map_err(git_error)?;
    let author = signature(repo, Some(reviewer))?;
    let parents: Vec<&git2::Commit> = head.iter().collect();
    let id = repo
        .commit(Some("HEAD"), &author, &author, message, &tree, &parents)
        .map_err(git_error)?;
    // Keep `git status` clean for the file just committed.
    if let Ok(mut index) = repo.index()
        && index.add_path(Path::new(rel)).is_ok()
    {
        let _ = index.write();
    }
    Ok(id.to_string())
}

/// `base` with the blob at `parts` (a path split at `/`), as a new tree.
fn tree_with(
    repo: &git2::Repository,
    base: Option<&git2::Tree>,
    parts: &[&str],
    blob: git2::Oid,
) -> Result<git2::Oid, git2::Error> {
    let mut builder = repo.treebuilder(base)?;
    match parts {
        [] => return Err(git2::Error::from_str("an empty path")),
        [file] => {
            builder.insert(file, blob, 0o100644)?;
        }
        [folder, rest @ ..] => {
            let sub = base
                .and_then(|t| t.get_name(folder))
                .and_then(|e| e.to_object(repo).ok())
                .and_then(|o| o.into_tree().ok());
            let id = tree_with(repo, sub.as_ref(), rest, blob)?;
            builder.insert(folder, id, 0o040000)?;
        }
    }
    builder.write()
}

/// Evidence taken from an audit of a project that contains the component.
#[derive(Debug, Clone, Default)]
pub struct AuditEvidence {
    pub evidence: record::RecordEvidence,
    /// The licence the audit concluded for the package, and how.
    pub concluded: Option<(String, String)>,
    /// Licences identified in the licence files (`path: id`).
    pub identified: Vec<String>,
    /// What could not be taken, for the publisher to know.
    pub warnings: Vec<String>,
}

/// Audits `project` (reading its lockfiles and the packages' files on disk, identifying every
/// licence file) and takes the evidence for `id` at `version`: the hashes of its licence files
/// (`licence.detected`, licence texts and notices), and its lockfile checksum when that is a
/// SHA-256 (Cargo's `.crate` checksum; `sha256:` hashes and SRI `sha256-` integrity values).
pub fn evidence_from_audit(
    project: &Path,
    wanted: &[(PackageId, String)],
    cache_dir: Option<PathBuf>,
    progress: &crate::progress::Progress,
) -> Result<Vec<AuditEvidence>, IndexError> {
    let options = crate::audit::AuditOptions {
        detect: crate::licence::DetectMode::All,
        cache_dir,
        registry_lookups: false,
        ..Default::default()
    };
    let audit = crate::audit::run(project, &options, progress)
        .map_err(|e| IndexError::Invalid(format!("cannot audit {}: {e}", project.display())))?;
    let mut out = Vec::new();
    for (id, version) in wanted {
        let same_package = |p: &crate::audit::AuditedPackage| {
            PackageId::from_purl(&p.package.purl).is_ok_and(|other| other == *id)
        };
        let Some(package) = audit
            .packages
            .iter()
            .find(|p| same_package(p) && p.package.version == *version)
        else {
            let versions: Vec<&str> = audit
                .packages
                .iter()
                .filter(|p| same_package(p))
                .map(|p| p.package.version.as_str())
                .collect();
            return Err(IndexError::Invalid(format!(
                "the audit of {} has no {}{}",
                project.display(),
                id.purl_at(version),
                if versions.is_empty() {
                    String::new()
                } else {
                    format!(" (it has the versions {})", versions.join(", "))
                }
            )));
        };
        let mut found = AuditEvidence::default();
        for file in &package.licence.detected {
            found.evidence.licence_files.push(record::LicenceFileHash {
                path: file.path.clone(),
                sha256: file.sha256.to_ascii_lowercase(),
            });
            if let Some(licence) = &file.licence {
                found.identified.push(format!("{}: {licence}", file.path));
            }
        }
        if package.package.dir.is_none() {
            found.warnings.push(format!(
                "the files of {} are not on this machine, so no licence file could be hashed",
                package.package.purl
            ));
        } else if found.evidence.licence_files.is_empty() {
            found.warnings.push(format!(
                "{} has no licence files; the record pins no file",
                package.package.purl
            ));
        }
        let archive = RecordEvidence::from_checksum(package.package.checksum.as_deref());
        found.evidence.artefact_sha256 = archive.artefact_sha256;
        found.evidence.artefact_sha512 = archive.artefact_sha512;
        let concluded = &package.licence.concluded;
        if concluded.is_known() {
            found.concluded = Some((concluded.expression.clone(), concluded.explanation.clone()));
        }
        out.push(found);
    }
    Ok(out)
}

/// Today's date as a record writes it.
pub fn today_text() -> String {
    today().to_string()
}
