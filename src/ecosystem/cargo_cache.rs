//! The cache of `cargo metadata` results: an unchanged workspace is not resolved again.
//!
//! `cargo metadata` is most of the time of a warm audit of a Rust workspace. Its output depends
//! only on what the key covers, so a result is reused only when all of it is the same:
//! - Cargo.lock and every manifest cargo reads for the workspace (the root, the members, every
//!   path dependency and `[patch]`, as [`super::cargo::workspace_manifests`] finds them), by
//!   path and content;
//! - the workspace's place (the canonical path of its root manifest: the output names absolute
//!   paths, so a copy elsewhere is another workspace);
//! - the toolchain (`cargo -V`, run the same way as `cargo metadata`), the flags
//!   (`--offline`, `--all-features`), the user's cargo configuration (`$CARGO_HOME/config.toml`
//!   and the `.cargo/config.toml` files above the working directory) and the environment cargo
//!   reads (`CARGO_*`, `RUSTUP_*`, `HOME`);
//! - fundament's own version and the format of this cache.
//!
//! Registry and git dependencies need no key of their own: Cargo.lock pins them by checksum and
//! commit. A result whose crates' manifests are no longer on disk (the user cleaned
//! `$CARGO_HOME/registry`) is not reused either: cargo would download them again, and the
//! licence files are read from there.
//!
//! Entries live in fundament's cache directory (`<cache>/cargo-metadata/<sha256>.json`), never
//! in the audited tree; they are written whole (a temporary file renamed into place), and the
//! newest [`KEEP`] are kept.

use crate::source::{Confined, Limit};
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};

/// The format of the cache; bumped when what is stored or keyed changes.
const FORMAT: &str = "fundament cargo-metadata cache 1";
/// How many results are kept.
pub const KEEP: usize = 64;
/// The most of a user's cargo configuration file read into the key.
const CONFIG_LIMIT: Limit = Limit {
    bytes: 1 << 20,
    what: "cargo configuration files",
};

/// The cache folder, when fundament has a cache directory.
pub fn folder(cache_dir: Option<&Path>) -> Option<PathBuf> {
    cache_dir.map(|dir| dir.join("cargo-metadata"))
}

/// Everything the key is made of, gathered by the reader.
pub struct KeyInputs<'a> {
    pub input: &'a Confined,
    /// The workspace's root manifest (canonical).
    pub manifest: &'a Path,
    /// Cargo.lock next to it.
    pub lockfile: &'a Path,
    /// Every manifest cargo reads for the workspace.
    pub manifests: &'a [PathBuf],
    /// `cargo -V`.
    pub toolchain: &'a str,
    /// The flags `cargo metadata` runs with.
    pub flags: &'a [String],
    /// The working directory cargo runs in (its configuration is read from there upwards).
    pub working_dir: &'a Path,
}

/// The key of a result, or `None` when one of its inputs cannot be read (then nothing is
/// cached: a key must cover everything).
pub fn key(inputs: &KeyInputs<'_>) -> Option<String> {
    let mut hash = Sha256::new();
    let mut field = |name: &str, value: &[u8]| {
        hash.update((name.len() as u64).to_le_bytes());
        hash.update(name.as_bytes());
        hash.update((value.len() as u64).to_le_bytes());
        hash.update(value);
    };
    field("format", FORMAT.as_bytes());
    field("fundament", env!("CARGO_PKG_VERSION").as_bytes());
    field("toolchain", inputs.toolchain.as_bytes());
    field("manifest", inputs.manifest.as_os_str().as_encoded_bytes());
    for flag in inputs.flags {
        field("flag", flag.as_bytes());
    }
    field(
        "Cargo.lock",
        &inputs.input.read(inputs.lockfile, Limit::LOCKFILE).ok()?,
    );
    let mut manifests: Vec<&PathBuf> = inputs.manifests.iter().collect();
    manifests.sort();
    manifests.dedup();
    for manifest in manifests {
        field("path", manifest.as_os_str().as_encoded_bytes());
        match inputs.input.read(manifest, Limit::MANIFEST) {
            Ok(bytes) => field("content", &bytes),
            // A listed manifest that does not exist is cargo's to report; its absence is part
            // of the key.
            Err(refusal) if refusal.is_missing() => field("missing", b""),
            Err(_) => return None,
        }
    }
    for config in cargo_configs(inputs.working_dir) {
        field("config-path", config.as_os_str().as_encoded_bytes());
        match crate::source::read_text_bounded(&config, CONFIG_LIMIT) {
            Ok(text) => field("config", text.as_bytes()),
            Err(refusal) if refusal.is_missing() => field("config-missing", b""),
            Err(_) => return None,
        }
    }
    let mut environment: Vec<(String, String)> = std::env::vars_os()
        .filter_map(|(k, v)| Some((k.into_string().ok()?, v.to_string_lossy().into_owned())))
        .filter(|(k, _)| k.starts_with("CARGO") || k.starts_with("RUSTUP_") || k == "HOME")
        .collect();
    environment.sort();
    for (name, value) in environment {
        field("env", format!("{name}={value}").as_bytes());
    }
    Some(hex::encode(hash.finalize()))
}

/// The cargo configuration files cargo reads when run in `working_dir`: `.cargo/config.toml`
/// (and the older `.cargo/config`) in it and every folder above, and in `$CARGO_HOME`.
fn cargo_configs(working_dir: &Path) -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = working_dir.ancestors().map(|d| d.join(".cargo")).collect();
    let home = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| dirs::home_dir().map(|h| h.join(".cargo")));
    dirs.extend(home);
    dirs.iter()
        .flat_map(|d| [d.join("config.toml"), d.join("config")])
        .collect()
}

/// The cached output of `cargo metadata` under `key`, when there is one and every crate it
/// describes is still where it says.
pub fn get(folder: &Path, key: &str) -> Option<cargo_metadata::Metadata> {
    let path = folder.join(format!("{key}.json"));
    let text = std::fs::read_to_string(&path).ok()?;
    let metadata = cargo_metadata::MetadataCommand::parse(&text).ok()?;
    let all_there = metadata
        .packages
        .iter()
        .all(|p| p.manifest_path.as_std_path().is_file());
    if !all_there {
        let _ = std::fs::remove_file(&path);
        return None;
    }
    // Used now: the pruning keeps what is used.
    let _ = std::fs::File::options()
        .append(true)
        .open(&path)
        .and_then(|f| f.set_modified(std::time::SystemTime::now()));
    Some(metadata)
}

/// Stores the output of `cargo metadata` under `key`: written to a temporary file and renamed,
/// so that a reader never sees half an entry. Failures are ignored (the cache is an
/// optimisation); the oldest entries beyond [`KEEP`] are removed.
pub fn put(folder: &Path, key: &str, json: &str) {
    let created = {
        let mut builder = std::fs::DirBuilder::new();
        builder.recursive(true);
        #[cfg(unix)]
        std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
        builder.create(folder)
    };
    if created.is_err() {
        return;
    }
    let temporary = folder.join(format!(".{key}.{}.tmp", std::process::id()));
    if std::fs::write(&temporary, json).is_err()
        || std::fs::rename(&temporary, folder.join(format!("{key}.json"))).is_err()
    {
        let _ = std::fs::remove_file(&temporary);
        return;
    }
    prune(folder);
}

fn prune(folder: &Path) {
    let Ok(entries) = std::fs::read_dir(folder) else {
        return;
    };
    let mut files: Vec<(std::time::SystemTime, PathBuf)> = entries
        .flatten()
        .filter(|e| e.path().extension().is_some_and(|x| x == "json"))
        .filter_map(|e| Some((e.metadata().ok()?.modified().ok()?, e.path())))
        .collect();
    if files.len() <= KEEP {
        return;
    }
    files.sort();
    for (_, path) in &files[..files.len() - KEEP] {
        let _ = std::fs::remove_file(path);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_are_written_whole_and_pruned() {
        let tmp = tempfile::tempdir().unwrap();
        let folder = tmp.path().join("cargo-metadata");
        for i in 0..KEEP + 3 {
            put(&folder, &format!("{i:064x}"), "{}");
        }
        let names: Vec<String> = std::fs::read_dir(&folder)
            .unwrap()
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect();
        assert_eq!(names.len(), KEEP);
        assert!(names.iter().all(|n| n.ends_with(".json")));
        // Not metadata: no hit.
        assert!(get(&folder, &format!("{:064x}", KEEP + 2)).is_none());
    }
}
