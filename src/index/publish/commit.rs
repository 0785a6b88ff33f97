//! The git side of publishing: committing record files on top of `HEAD` (only those files,
//! whatever else is staged) or on a proposal's branch, with the reviewer as the author.

use super::super::IndexError;
use super::super::config::Config;
use super::super::signature::SigningKey;
use super::{NO_EMAIL, Plan};
use std::path::Path;

pub(super) fn git_error(e: git2::Error) -> IndexError {
    IndexError::Git(format!("git: {}", e.message()))
}

/// The repository whose work tree is exactly `root` (an index inside another project's
/// repository, like fundament's own `registry-index/`, is not committed by publish).
pub(super) fn own_repository(root: &Path) -> Option<git2::Repository> {
    let repo = git2::Repository::open(root).ok()?;
    let workdir = repo.workdir()?.canonicalize().ok()?;
    (workdir == root.canonicalize().ok()?).then_some(repo)
}

/// The text of `rel` in `tree`, `None` when it has no such file.
pub(super) fn read_blob(
    repo: &git2::Repository,
    tree: &git2::Tree,
    rel: &str,
) -> Result<Option<String>, IndexError> {
    let Ok(entry) = tree.get_path(Path::new(rel)) else {
        return Ok(None);
    };
    if entry.kind() != Some(git2::ObjectType::Blob) || entry.filemode() == 0o120000 {
        return Err(IndexError::Invalid(format!(
            "{rel} is not a regular file in the repository"
        )));
    }
    // The same caps as for the files of a work tree (src/source/confined.rs), checked on the
    // object's header before its content is loaded.
    let limit = if rel == super::CONFIG_FILE {
        crate::source::Limit::INDEX_CONFIG
    } else {
        crate::source::Limit::INDEX_RECORD
    };
    let (size, _) = repo
        .odb()
        .and_then(|odb| odb.read_header(entry.id()))
        .map_err(git_error)?;
    if size as u64 > limit.bytes {
        return Err(IndexError::Invalid(format!(
            "{rel} is {}, over the {} fundament reads of {}; not read",
            crate::source::confined::human_size(size as u64),
            crate::source::confined::human_size(limit.bytes),
            limit.what
        )));
    }
    let blob = repo.find_blob(entry.id()).map_err(git_error)?;
    String::from_utf8(blob.content().to_vec())
        .map(Some)
        .map_err(|_| IndexError::Invalid(format!("{rel} is not UTF-8; fix it before publishing")))
}

/// Who a commit names as its author: the person who decided (the signer, or the records'
/// reviewer), with the address config.json gives their key, or the repository's
/// `user.email` when `user.name` is that person, else `index-publish@fundament.invalid`.
pub(super) struct Author {
    name: String,
    email: Option<String>,
}

impl Author {
    /// The repository's identity when its `user.name` is `name`, else `name` without an
    /// address.
    pub(super) fn named(name: &str) -> Author {
        Author {
            name: name.to_string(),
            email: None,
        }
    }

    pub(super) fn of(plan: &Plan, signer: Option<&SigningKey>, config: &Config) -> Author {
        let email = signer.and_then(|key| {
            let fingerprint = key.fingerprint();
            super::super::signature::Keyring::from_config(config, &[])
                .get(&fingerprint)
                .and_then(|h| h.entry.email.clone())
        });
        Author {
            name: plan
                .acting
                .clone()
                .unwrap_or_else(|| "fundament".to_string()),
            email,
        }
    }
}

/// A git signature at `SOURCE_DATE_EPOCH` when set, else now.
fn at_time(name: &str, email: &str) -> Result<git2::Signature<'static>, IndexError> {
    let epoch = std::env::var("SOURCE_DATE_EPOCH")
        .ok()
        .and_then(|v| v.trim().parse::<i64>().ok());
    match epoch {
        Some(seconds) => git2::Signature::new(name, email, &git2::Time::new(seconds, 0)),
        None => git2::Signature::now(name, email),
    }
    .map_err(git_error)
}

/// The repository's git identity (`user.name`, `user.email`), else `fallback` with the
/// address `index-publish@fundament.invalid`: who runs the command, the committer.
pub(super) fn identity(
    repo: &git2::Repository,
    fallback: Option<&str>,
) -> Result<git2::Signature<'static>, IndexError> {
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
    at_time(&name, &email)
}

/// The author and the committer of a publish's commit.
fn people(
    repo: &git2::Repository,
    author: &Author,
) -> Result<(git2::Signature<'static>, git2::Signature<'static>), IndexError> {
    let committer = identity(repo, Some(&author.name))?;
    let email = author.email.clone().unwrap_or_else(|| {
        if committer.name().ok() == Some(author.name.as_str()) {
            committer.email().unwrap_or(NO_EMAIL).to_string()
        } else {
            NO_EMAIL.to_string()
        }
    });
    Ok((at_time(&author.name, &email)?, committer))
}

/// Commits the new contents of `files` on top of HEAD: the commit changes those files only,
/// even when other changes are staged; the repository's index is updated for them.
pub(super) fn commit_files(
    repo: &git2::Repository,
    files: &[(String, Vec<u8>)],
    message: &str,
    author: &Author,
    warnings: &mut Vec<String>,
) -> Result<String, IndexError> {
    let head = repo.head().ok().and_then(|h| h.peel_to_commit().ok());
    let base_tree = head.as_ref().and_then(|c| c.tree().ok());
    // An earlier publish that died before its commit left its line in a file: it is
    // committed now, with this one.
    if let Some(tree) = &base_tree {
        for (rel, bytes) in files {
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
            if uncommitted > 1 && files.len() == 1 {
                warnings.push(format!(
                    "{rel} had lines that were written but not committed (an interrupted publish?); they are part of this commit"
                ));
            }
        }
    }
    let tree = tree_with_files(repo, base_tree.as_ref(), files)?;
    let (author, committer) = people(repo, author)?;
    let parents: Vec<&git2::Commit> = head.iter().collect();
    let id = repo
        .commit(Some("HEAD"), &author, &committer, message, &tree, &parents)
        .map_err(git_error)?;
    // Keep `git status` clean for the files just committed.
    if let Ok(mut index) = repo.index() {
        for (rel, _) in files {
            let _ = index.add_path(Path::new(rel));
        }
        let _ = index.write();
    }
    Ok(id.to_string())
}

/// Commits `files` on top of `parent` as the new tip of `refname` (a proposal's branch).
pub(super) fn commit_on(
    repo: &git2::Repository,
    refname: &str,
    parent: &git2::Commit,
    files: &[(String, Vec<u8>)],
    message: &str,
    author: &Author,
) -> Result<String, IndexError> {
    let base = parent.tree().map_err(git_error)?;
    let tree = tree_with_files(repo, Some(&base), files)?;
    let (author, committer) = people(repo, author)?;
    let id = repo
        .commit(None, &author, &committer, message, &tree, &[parent])
        .map_err(git_error)?;
    repo.reference(refname, id, true, "fundament index propose")
        .map_err(git_error)?;
    Ok(id.to_string())
}

fn tree_with_files<'r>(
    repo: &'r git2::Repository,
    base: Option<&git2::Tree<'r>>,
    files: &[(String, Vec<u8>)],
) -> Result<git2::Tree<'r>, IndexError> {
    let mut tree: Option<git2::Tree> = base.map(|t| t.to_owned());
    for (rel, bytes) in files {
        let blob = repo.blob(bytes).map_err(git_error)?;
        let parts: Vec<&str> = rel.split('/').collect();
        let id = tree_with(repo, tree.as_ref(), &parts, blob).map_err(git_error)?;
        tree = Some(repo.find_tree(id).map_err(git_error)?);
    }
    match tree {
        Some(tree) => Ok(tree),
        None => {
            let id = repo
                .treebuilder(None)
                .and_then(|b| b.write())
                .map_err(git_error)?;
            repo.find_tree(id).map_err(git_error)
        }
    }
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
