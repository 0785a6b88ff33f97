//! Writing an index: `init` and `publish` (docs/index-format.md, "Writing").
//!
//! A publish appends lines to record files: one per record, several records (of several
//! packages) in one publish when they come from an audit. Under an exclusive lock on
//! `.fundament-index.lock` in the index root, every file is planned first (read, checked,
//! signed), then each new file is written to a temporary file in its folder and renamed over
//! the old one, so concurrent publishes serialise and a crash leaves the old file or the new
//! one, never half a line. When the index root is the work tree of a git repository, the
//! change is then committed (only those files, whatever else is staged). A proposal writes
//! the same change as a commit on a branch instead, leaving the work tree alone.

mod commit;
pub mod evidence;

pub use evidence::{AuditEvidence, evidence_from_audit};

use super::config::{CONFIG_FILE, Config};
use super::record::{self, Decision, Entry, Record};
use super::signature::{self, Keyring, SigningKey};
use super::{IndexError, today};
use std::collections::BTreeMap;
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
        let signature =
            commit::identity(&repo, config.maintainers.first().map(|m| m.name.as_str()))?;
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

use commit::git_error;

/// What happened to one record of a publish.
#[derive(Debug, Clone)]
pub struct Written {
    /// The file, relative to the index root.
    pub file: String,
    /// The line the record was written on.
    pub line: usize,
    /// The record as written (with its signatures).
    pub record: Record,
    /// Set when the line co-signs an earlier one (four eyes): the line co-signed.
    pub cosigns: Option<usize>,
    /// For an approval in an index that counts approvals: (signers, needed).
    pub approvals: Option<(u32, u32)>,
}

/// What a publish did.
#[derive(Debug, Clone, Default)]
pub struct Published {
    pub written: Vec<Written>,
    /// The commit made: on the current branch of the index's repository, or on the proposal's
    /// branch.
    pub commit: Option<String>,
    /// Things the publisher should know (an earlier publish left changes uncommitted, ...).
    pub warnings: Vec<String>,
}

/// How to publish.
#[derive(Debug, Clone, Default)]
pub struct PublishOptions {
    /// Sign every record (or co-sign a proposal awaiting approvals) with this key.
    pub signer: Option<SigningKey>,
    /// Commit, when the index root is a git work tree.
    pub commit: bool,
    /// The commit message (default: one line per record).
    pub message: Option<String>,
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

/// Changes the index's `config.json` under the index's lock: `change` edits it, the result is
/// checked, written atomically, and committed (that file only) when the index root is a git
/// work tree and `commit` is set.
pub fn change_config(
    root: &Path,
    message: &str,
    commit: bool,
    change: impl FnOnce(&mut Config) -> Result<(), String>,
) -> Result<(), IndexError> {
    let _lock = lock(root)?;
    let mut config = open_config(root)?;
    change(&mut config).map_err(IndexError::Invalid)?;
    let text = config.to_text();
    Config::parse(text.as_bytes())
        .map_err(|p| IndexError::Invalid(format!("not changed: {}", p.join("; "))))?;
    write_file(root, CONFIG_FILE, text.as_bytes())?;
    if commit && let Some(repo) = commit::own_repository(root) {
        let author = commit::Author::named(
            config
                .maintainers
                .first()
                .map(|m| m.name.as_str())
                .unwrap_or("fundament"),
        );
        let mut warnings = Vec::new();
        commit::commit_files(
            &repo,
            &[(CONFIG_FILE.to_string(), text.into_bytes())],
            message,
            &author,
            &mut warnings,
        )?;
    }
    Ok(())
}

/// Appends `record` to its file in the index at `root`, unsigned, and commits it when the
/// index root is a git work tree and `commit` is set. See [`publish_all`].
pub fn publish(root: &Path, record: &Record, commit: bool) -> Result<Published, IndexError> {
    publish_all(
        root,
        std::slice::from_ref(record),
        &PublishOptions {
            commit,
            ..Default::default()
        },
    )
}

/// Appends `records` to their files in the index at `root`, under the index's lock, in one
/// commit when the index root is a git work tree and `options.commit` is set. Nothing is
/// written unless every record can be.
///
/// Refused: a record that does not pass its checks; an approval without evidence and without a
/// `no-evidence` reason; a file that already has invalid lines (fix it first); a record that
/// repeats or contradicts a line of the same day, or is dated before the file's last line; an
/// unsigned record in an index that lists signing keys; a key the index does not list for the
/// record's reviewer, or that is revoked, expired or not allowed this decision or ecosystem.
///
/// With a key, an approval that repeats a signed approval of the same versions still awaiting
/// approvals (`approvals` of config.json) co-signs it: the earlier record is appended again
/// with the new signature added.
pub fn publish_all(
    root: &Path,
    records: &[Record],
    options: &PublishOptions,
) -> Result<Published, IndexError> {
    let config = open_config(root)?;
    let _lock = lock(root)?;
    let read = |rel: &str| read_target(root, Target::WorkTree, rel);
    let plan = plan(&config, &read, records, options.signer.as_ref())?;
    let mut published = Published {
        written: plan.written.clone(),
        ..Default::default()
    };
    for (rel, text) in &plan.files {
        write_file(root, rel, text.as_bytes())?;
    }
    crash_point("after-rename");
    if options.commit
        && let Some(repo) = commit::own_repository(root)
    {
        let files: Vec<(String, Vec<u8>)> = plan
            .files
            .iter()
            .map(|(rel, text)| (rel.clone(), text.as_bytes().to_vec()))
            .collect();
        let message = options
            .message
            .clone()
            .unwrap_or_else(|| batch_message(&plan.written));
        let author = commit::Author::of(&plan, options.signer.as_ref(), &config);
        let id = commit::commit_files(&repo, &files, &message, &author, &mut published.warnings)?;
        published.commit = Some(id);
    }
    Ok(published)
}

/// Writes `records` as a commit on `branch` of the git repository whose work tree is `root`
/// (created from `base`, default `HEAD`, or continued when it exists), for a merge request.
/// The work tree, the checked-out branch and the repository's index are not touched.
pub fn propose(
    root: &Path,
    records: &[Record],
    options: &PublishOptions,
    branch: &str,
    base: Option<&str>,
) -> Result<Published, IndexError> {
    let repo = commit::own_repository(root).ok_or_else(|| {
        IndexError::Invalid(format!(
            "{} is not the work tree of a git repository; a proposal is a branch",
            root.display()
        ))
    })?;
    let _lock = lock(root)?;
    let refname = format!("refs/heads/{branch}");
    if !git2::Reference::is_valid_name(&refname) {
        return Err(IndexError::Invalid(format!(
            "`{branch}` is not a valid branch name"
        )));
    }
    let parent = match repo.find_reference(&refname) {
        Ok(existing) => existing.peel_to_commit().map_err(commit::git_error)?,
        Err(_) => repo
            .revparse_single(base.unwrap_or("HEAD"))
            .and_then(|o| o.peel_to_commit())
            .map_err(|e| {
                IndexError::Invalid(format!(
                    "cannot find the base `{}`: {}",
                    base.unwrap_or("HEAD"),
                    e.message()
                ))
            })?,
    };
    let tree = parent.tree().map_err(commit::git_error)?;
    let read = |rel: &str| commit::read_blob(&repo, &tree, rel);
    let config_bytes = read(CONFIG_FILE)?.ok_or_else(|| {
        IndexError::Invalid(format!(
            "the branch `{branch}` (or its base) has no {CONFIG_FILE}: it is not an index"
        ))
    })?;
    let config = Config::parse(config_bytes.as_bytes())
        .map_err(|p| IndexError::Invalid(format!("{CONFIG_FILE}: {}", p.join("; "))))?;
    let plan = plan(&config, &read, records, options.signer.as_ref())?;
    let files: Vec<(String, Vec<u8>)> = plan
        .files
        .iter()
        .map(|(rel, text)| (rel.clone(), text.as_bytes().to_vec()))
        .collect();
    let message = options
        .message
        .clone()
        .unwrap_or_else(|| batch_message(&plan.written));
    let author = commit::Author::of(&plan, options.signer.as_ref(), &config);
    let id = commit::commit_on(&repo, &refname, &parent, &files, &message, &author)?;
    Ok(Published {
        written: plan.written,
        commit: Some(id),
        warnings: Vec::new(),
    })
}

/// Where a change goes: the work tree (publish) or a proposal's branch.
#[derive(Debug, Clone, Copy)]
pub enum Target<'a> {
    WorkTree,
    /// The branch (its tip when it exists, else `base`, default `HEAD`).
    Branch {
        name: &'a str,
        base: Option<&'a str>,
    },
}

/// The text of the index file `rel` where `target` writes (`None`: no such file).
pub fn read_target(
    root: &Path,
    target: Target<'_>,
    rel: &str,
) -> Result<Option<String>, IndexError> {
    match target {
        Target::WorkTree => match super::source::read_contained(root, rel) {
            Ok(Some(bytes)) => String::from_utf8(bytes).map(Some).map_err(|_| {
                IndexError::Invalid(format!("{rel} is not UTF-8; fix it before publishing"))
            }),
            Ok(None) => Ok(None),
            Err(e) => Err(IndexError::Io(e)),
        },
        Target::Branch { name, base } => {
            let repo = commit::own_repository(root).ok_or_else(|| {
                IndexError::Invalid(format!(
                    "{} is not the work tree of a git repository; a proposal is a branch",
                    root.display()
                ))
            })?;
            let parent = branch_parent(&repo, name, base)?;
            let tree = parent.tree().map_err(commit::git_error)?;
            commit::read_blob(&repo, &tree, rel)
        }
    }
}

/// The config.json where `target` writes.
pub fn target_config(root: &Path, target: Target<'_>) -> Result<Config, IndexError> {
    let text = read_target(root, target, CONFIG_FILE)?.ok_or_else(|| {
        IndexError::Invalid(format!(
            "{} has no {CONFIG_FILE} there: it is not an index; create one with `fundament index init`",
            root.display()
        ))
    })?;
    Config::parse(text.as_bytes())
        .map_err(|p| IndexError::Invalid(format!("{CONFIG_FILE}: {}", p.join("; "))))
}

/// The commit a proposal on `branch` builds on: the branch's tip, or `base` (default HEAD).
fn branch_parent<'r>(
    repo: &'r git2::Repository,
    branch: &str,
    base: Option<&str>,
) -> Result<git2::Commit<'r>, IndexError> {
    let refname = format!("refs/heads/{branch}");
    if !git2::Reference::is_valid_name(&refname) {
        return Err(IndexError::Invalid(format!(
            "`{branch}` is not a valid branch name"
        )));
    }
    match repo.find_reference(&refname) {
        Ok(existing) => existing.peel_to_commit().map_err(commit::git_error),
        Err(_) => repo
            .revparse_single(base.unwrap_or("HEAD"))
            .and_then(|o| o.peel_to_commit())
            .map_err(|e| {
                IndexError::Invalid(format!(
                    "cannot find the base `{}`: {}",
                    base.unwrap_or("HEAD"),
                    e.message()
                ))
            }),
    }
}

fn lock(root: &Path) -> Result<std::fs::File, IndexError> {
    let lock_path = root.join(LOCK_FILE);
    let lock = std::fs::File::options()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&lock_path)
        .map_err(|e| IndexError::Io(format!("cannot open {}: {e}", lock_path.display())))?;
    lock.lock()
        .map_err(|e| IndexError::Io(format!("cannot lock {}: {e}", lock_path.display())))?;
    Ok(lock)
}

/// The new text of every file a publish changes, and what it writes.
#[derive(Debug, Clone, Default)]
struct Plan {
    files: BTreeMap<String, String>,
    written: Vec<Written>,
    /// Who acts (the signer's owner, or the records' reviewer).
    acting: Option<String>,
}

type Reader<'a> = dyn Fn(&str) -> Result<Option<String>, IndexError> + 'a;

fn plan(
    config: &Config,
    read: &Reader<'_>,
    records: &[Record],
    signer: Option<&SigningKey>,
) -> Result<Plan, IndexError> {
    let keyring = Keyring::from_config(config, &[]);
    let holder = match signer {
        Some(key) => Some(check_signer(&keyring, key, records, today())?),
        None if config.signs() => {
            return Err(IndexError::Invalid(format!(
                "the index `{}` lists signing keys in {CONFIG_FILE}: records must be signed; give --sign-key with your key",
                config.name
            )));
        }
        None => None,
    };
    let mut plan = Plan {
        acting: records.first().map(|r| r.reviewer.clone()),
        ..Default::default()
    };
    for request in records {
        let entry = request.check(0).map_err(|problems| {
            IndexError::Invalid(format!("{}: {}", request.purl, problems.join("; ")))
        })?;
        if request.decision == Decision::Approved
            && request.evidence.is_empty()
            && request.no_evidence.is_none()
        {
            return Err(IndexError::Invalid(format!(
                "not published: the approval of {}@{} has no evidence (no archive hash, no licence file); give it (--evidence-from, --licence-file, --artefact-sha256) or say why there is none with --no-evidence \"<reason>\"",
                request.purl,
                request.versions_text()
            )));
        }
        let rel = entry.id.path();
        let old = match plan.files.get(&rel) {
            Some(text) => text.clone(),
            None => read(&rel)?.unwrap_or_default(),
        };
        let (existing, problems) = record::parse_lines(&old);
        if let Some(problem) = problems.first() {
            return Err(IndexError::Invalid(format!(
                "{rel}:{}: {}; the file must be valid before more is appended (see `fundament index verify`)",
                problem.line, problem.message
            )));
        }
        let line = old.lines().count() + 1;
        let target = signer.and_then(|_| awaiting_approval(&existing, request, &keyring));
        let (record, cosigns) = match (target, signer) {
            (Some(target), Some(key)) => {
                let fingerprint = key.fingerprint();
                if target
                    .record
                    .signatures
                    .iter()
                    .any(|s| s.key == fingerprint)
                {
                    return Err(IndexError::Invalid(format!(
                        "{rel}:{}: you already signed this approval; it needs the signature of someone else",
                        target.line
                    )));
                }
                let signed = target.signed.as_deref().unwrap_or_default();
                let mut record = target.record.clone();
                record
                    .signatures
                    .push(key.sign(signed).map_err(IndexError::Invalid)?);
                (record, Some(target.line))
            }
            _ => {
                let mut record = request.clone();
                record.signatures.clear();
                if let Some(key) = signer {
                    let bytes = signature::signed_bytes(&record).map_err(IndexError::Invalid)?;
                    record
                        .signatures
                        .push(key.sign(&bytes).map_err(IndexError::Invalid)?);
                }
                (record, None)
            }
        };
        let mut new = record
            .check(line)
            .map_err(|problems| IndexError::Invalid(problems.join("; ")))?;
        if !record.signatures.is_empty() {
            new.signed = Some(
                signature::signed_bytes(&record)
                    .map_err(IndexError::Invalid)?
                    .into(),
            );
        }
        check_against(&existing, &new, &rel, line)?;
        let approvals =
            (keyring.approvals > 0 && record.decision == Decision::Approved).then(|| {
                let check =
                    signature::check(&record, new.signed.as_deref().unwrap_or_default(), &keyring);
                (check.signers.len() as u32, keyring.approvals)
            });
        let mut text = old;
        if !text.is_empty() && !text.ends_with('\n') {
            text.push('\n');
        }
        text.push_str(&record.to_line());
        text.push('\n');
        plan.files.insert(rel.clone(), text);
        plan.written.push(Written {
            file: rel,
            line,
            record,
            cosigns,
            approvals,
        });
    }
    if let Some(holder) = holder {
        plan.acting = Some(holder);
    }
    Ok(plan)
}

/// The key's owner, after checking that the key may sign every record: listed in config.json
/// for the records' reviewer and organisation, not revoked, not expired, allowed the decision
/// and the ecosystem.
fn check_signer(
    keyring: &Keyring,
    key: &SigningKey,
    records: &[Record],
    today: jiff::civil::Date,
) -> Result<String, IndexError> {
    let fingerprint = key.fingerprint();
    let holder = keyring.get(&fingerprint).ok_or_else(|| {
        IndexError::Invalid(format!(
            "the key {fingerprint} is not listed in {CONFIG_FILE}; add it with `fundament index key add`"
        ))
    })?;
    if let Some(revoked) = &holder.entry.revoked {
        return Err(IndexError::Invalid(format!(
            "the key {fingerprint} of {} was revoked on {}",
            holder.owner, revoked.date
        )));
    }
    if let Some(expires) = holder
        .entry
        .expires
        .as_deref()
        .and_then(|d| record::parse_date(d).ok())
        && expires < today
    {
        return Err(IndexError::Invalid(format!(
            "the key {fingerprint} of {} expired on {expires}",
            holder.owner
        )));
    }
    for record in records {
        if holder.owner != record.reviewer || holder.organisation != record.organisation {
            return Err(IndexError::Invalid(format!(
                "the key {fingerprint} belongs to {} ({}), not to the reviewer {} ({}): the reviewer signs their own decisions",
                holder.owner, holder.organisation, record.reviewer, record.organisation
            )));
        }
        if !holder.entry.may_sign(record.decision) {
            return Err(IndexError::Invalid(format!(
                "{} may not sign `{}` decisions ({CONFIG_FILE})",
                holder.owner, record.decision
            )));
        }
        let ecosystem = record
            .purl
            .strip_prefix("pkg:")
            .and_then(|r| r.split('/').next())
            .unwrap_or_default();
        if !holder.entry.may_sign_ecosystem(ecosystem) {
            return Err(IndexError::Invalid(format!(
                "{} may not sign decisions about {ecosystem} packages ({CONFIG_FILE})",
                holder.owner
            )));
        }
    }
    Ok(holder.owner.clone())
}

/// The signed approval of the same versions as `request` (same decision and licence) that
/// still awaits approvals, if it is what is in force for its versions: no later line covers
/// any of them (except its own co-signatures).
fn awaiting_approval<'a>(
    existing: &'a [Entry],
    request: &Record,
    keyring: &Keyring,
) -> Option<&'a Entry> {
    if request.decision != Decision::Approved || keyring.approvals == 0 {
        return None;
    }
    let position = existing.iter().rposition(|e| {
        e.record.version == request.version
            && e.record.versions == request.versions
            && e.record.purl == request.purl
    })?;
    let target = &existing[position];
    if target.record.decision != Decision::Approved || target.record.licence != request.licence {
        return None;
    }
    let check = signature::check(
        &target.record,
        target.signed.as_deref().unwrap_or_default(),
        keyring,
    );
    signature::approvals_missing(Decision::Approved, &check, keyring.approvals)?;
    if !check.valid() {
        return None;
    }
    let overlaps = |later: &Entry| match &target.record.version {
        Some(v) => later.spec.covers(v),
        // A range: any later decision about the package may overlap it.
        None => true,
    };
    existing[position + 1..]
        .iter()
        .all(|later| later.record.same_decision(&target.record) || !overlaps(later))
        .then_some(target)
}

/// The commit message of a publish: the record's line for one, a count and one line per
/// record for several.
fn batch_message(written: &[Written]) -> String {
    let line = |w: &Written| match w.cosigns {
        Some(_) => format!(
            "co-signed {}{}",
            commit_message(&w.record),
            w.approvals
                .map(|(given, needed)| format!(" ({given} of {needed} approvals)"))
                .unwrap_or_default()
        ),
        None => commit_message(&w.record),
    };
    match written {
        [one] => line(one),
        many => {
            let mut counts: BTreeMap<String, usize> = BTreeMap::new();
            for w in many {
                let what = if w.cosigns.is_some() {
                    "co-signed".to_string()
                } else {
                    w.record.decision.to_string()
                };
                *counts.entry(what).or_default() += 1;
            }
            let summary = counts
                .iter()
                .map(|(what, n)| format!("{n} {what}"))
                .collect::<Vec<_>>()
                .join(", ");
            let mut message = format!("{} decisions: {summary}\n\n", many.len());
            for w in many {
                message.push_str(&line(w));
                message.push('\n');
            }
            message
        }
    }
}

/// Writes `bytes` to the record file `rel` under `root`: a temporary file in the same folder,
/// flushed, renamed over the file, the folder flushed.
fn write_file(root: &Path, rel: &str, bytes: &[u8]) -> Result<(), IndexError> {
    let path = file_path(root, rel);
    let dir = path
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| root.to_path_buf());
    std::fs::create_dir_all(&dir)
        .map_err(|e| IndexError::Io(format!("cannot create {}: {e}", dir.display())))?;
    remove_stale_temporaries(&dir);
    let file_name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = dir.join(format!(".{file_name}.{}{TEMP_SUFFIX}", std::process::id()));
    write_synced(&tmp, bytes)?;
    crash_point("after-temp");
    std::fs::rename(&tmp, &path).map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        IndexError::Io(format!("cannot replace {}: {e}", path.display()))
    })?;
    sync_dir(&dir);
    Ok(())
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
/// the file's last line (a co-signature repeats an earlier line and keeps its date).
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
    let cosignature = existing.iter().any(|e| e.record.same_decision(&new.record));
    if !cosignature
        && let Some(last) = existing.last()
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

/// Today's date as a record writes it.
pub fn today_text() -> String {
    today().to_string()
}
