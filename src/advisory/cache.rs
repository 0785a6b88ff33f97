//! The prebuilt cache: a source's records, once read and converted, are kept in fundament's
//! cache (`advisories-v1/`, in postcard's compact binary form: reading 8,000 records back
//! costs a few milliseconds where JSON cost ten times that) under a fingerprint of the source (file sizes and times of a
//! folder, the central directory of a zip, a git commit). The next audit whose source has the
//! same fingerprint reads the converted records instead of thousands of files.

use super::db::Loaded;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};

/// Bumped whenever the cached form changes (the crate's version is part of every key too, so
/// that a new release converts the data again).
const CACHE_VERSION: u32 = 4;

/// What is known about a source's data besides its records.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Meta {
    pub as_of: Option<String>,
    pub as_of_basis: Option<String>,
}

#[derive(Serialize, Deserialize)]
struct Entry {
    version: u32,
    fingerprint: String,
    meta: Meta,
    loaded: Loaded,
}

fn path_of(cache_dir: &Path, key: &str) -> PathBuf {
    let key = format!("{} {CACHE_VERSION} {key}", env!("CARGO_PKG_VERSION"));
    let name = hex::encode(Sha256::digest(key.as_bytes()));
    cache_dir
        .join("advisories-v1")
        .join(format!("{}.bin", &name[..32]))
}

/// The cached records of the source `key` if they were cached under `fingerprint`.
pub fn read(cache_dir: Option<&Path>, key: &str, fingerprint: &str) -> Option<(Loaded, Meta)> {
    let bytes = std::fs::read(path_of(cache_dir?, key)).ok()?;
    let entry: Entry = postcard::from_bytes(&bytes).ok()?;
    (entry.version == CACHE_VERSION && entry.fingerprint == fingerprint)
        .then_some((entry.loaded, entry.meta))
}

/// Keeps the records of the source `key` under `fingerprint` (a failure to write only costs
/// the next audit the time to read the source again).
pub fn write(cache_dir: Option<&Path>, key: &str, fingerprint: &str, loaded: &Loaded, meta: &Meta) {
    let Some(dir) = cache_dir else {
        return;
    };
    #[derive(Serialize)]
    struct EntryRef<'a> {
        version: u32,
        fingerprint: &'a str,
        meta: &'a Meta,
        loaded: &'a Loaded,
    }
    if let Ok(bytes) = postcard::to_allocvec(&EntryRef {
        version: CACHE_VERSION,
        fingerprint,
        meta,
        loaded,
    }) {
        let _ = crate::registry::http::write_atomically(&path_of(dir, key), &bytes);
    }
}

/// A fingerprint of some parts: their SHA-256.
pub fn fingerprint<'a>(parts: impl IntoIterator<Item = &'a [u8]>) -> String {
    let mut hasher = Sha256::new();
    for part in parts {
        hasher.update((part.len() as u64).to_le_bytes());
        hasher.update(part);
    }
    hex::encode(hasher.finalize())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_come_back_only_under_the_same_fingerprint() {
        let dir = tempfile::tempdir().unwrap();
        let loaded = Loaded::default();
        let meta = Meta {
            as_of: Some("2026-01-01T00:00:00Z".into()),
            as_of_basis: Some("newest record".into()),
        };
        assert!(read(Some(dir.path()), "folder /x", "f1").is_none());
        write(Some(dir.path()), "folder /x", "f1", &loaded, &meta);
        let (_, back) = read(Some(dir.path()), "folder /x", "f1").unwrap();
        assert_eq!(back.as_of, meta.as_of);
        assert!(read(Some(dir.path()), "folder /x", "f2").is_none());
        assert!(read(Some(dir.path()), "folder /y", "f1").is_none());
        assert!(read(None, "folder /x", "f1").is_none());
        assert_ne!(
            fingerprint([&b"ab"[..], b"c"]),
            fingerprint([&b"a"[..], b"bc"])
        );
    }
}
