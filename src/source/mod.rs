//! Stage 0: where the audited input comes from: a local directory, and SBOM files; and the one
//! way into the audited tree ([`confined`]): every read of a repository file goes through it.

pub mod confined;

pub use confined::{Confined, Limit, Reason, Refusal, read_bounded, read_text_bounded};

pub mod git;

use std::path::{Path, PathBuf};

/// Why a source cannot be audited.
#[derive(Debug, thiserror::Error)]
pub enum SourceError {
    #[error("{path}: no such directory")]
    NotFound { path: String },
    #[error("{path} is not a directory; give the directory that holds the project")]
    NotADirectory { path: String },
    #[error("{path}: {err}")]
    Unreadable { path: String, err: std::io::Error },
    #[error("{path}: no such file")]
    NoSuchFile { path: String },
    #[error("{path} is not a file; --sbom takes an SBOM file")]
    NotAFile { path: String },
}

/// Resolves an SBOM file given on the command line to its canonical path.
pub fn sbom_file(path: &Path) -> Result<PathBuf, SourceError> {
    let shown = path.display().to_string();
    let canonical = std::fs::canonicalize(path).map_err(|err| match err.kind() {
        std::io::ErrorKind::NotFound => SourceError::NoSuchFile {
            path: shown.clone(),
        },
        _ => SourceError::Unreadable {
            path: shown.clone(),
            err,
        },
    })?;
    if !canonical.is_file() {
        return Err(SourceError::NotAFile { path: shown });
    }
    Ok(canonical)
}

/// Resolves a local directory to its canonical path, so that every later "is this inside the
/// audited tree?" check compares like with like.
pub fn local(path: &Path) -> Result<PathBuf, SourceError> {
    let shown = path.display().to_string();
    let canonical = std::fs::canonicalize(path).map_err(|err| match err.kind() {
        std::io::ErrorKind::NotFound => SourceError::NotFound {
            path: shown.clone(),
        },
        _ => SourceError::Unreadable {
            path: shown.clone(),
            err,
        },
    })?;
    if !canonical.is_dir() {
        return Err(SourceError::NotADirectory { path: shown });
    }
    Ok(canonical)
}
