//! The state of the advisory data an audit would read, known without reading it: for the
//! portfolio's unchanged-repository key (src/portfolio/state.rs, docs/portfolio.md §3).
//!
//! One line per source, from what the stage already computes to find its prebuilt cache:
//!
//! - a folder: the fingerprint of its record files' names, sizes and modification times;
//! - a zip file: its size and modification time;
//! - a git repository: the commit it is at once fetched (the fetch is the one the audit
//!   makes; it is made once per scan);
//! - a zip or per-ecosystem download: offline, the cached copy's ETag, Last-Modified, size
//!   and time (that copy is what the audit reads); online, its state is not known without
//!   downloading it, so there is no state (the repository is audited again, as with an HTTP
//!   index);
//! - the OSV query API: online, no state (its answers are not cached); offline it is not
//!   asked.
//!
//! The stage turned off (`--no-advisories`, `enabled = false`) and "no source configured"
//! are states too. The policy's `[advisories]` settings are in the key with the policy.

use super::sources::{self, DbEntry, Location};
use super::{Settings, db::osv_name, policy::AdvisoryPolicy};
use crate::model::Ecosystem;
use crate::registry::http::{Http, HttpOptions};
use std::path::{Path, PathBuf};

/// How the state is found: as the audit would read the sources.
#[derive(Debug, Clone, Default)]
pub struct StateOptions {
    pub offline: bool,
    pub cache_dir: Option<PathBuf>,
    pub http: HttpOptions,
}

/// Every ecosystem the download layout has a file for.
const DOWNLOADED: [Ecosystem; 6] = [
    Ecosystem::Pypi,
    Ecosystem::Golang,
    Ecosystem::Cargo,
    Ecosystem::Npm,
    Ecosystem::Composer,
    Ecosystem::Maven,
];

/// The state of the advisory data, one line per source; an error says why it cannot be
/// known without reading the data.
pub fn data_state(
    policy: &AdvisoryPolicy,
    settings: &Settings,
    options: &StateOptions,
) -> Result<Vec<String>, String> {
    if settings.disabled {
        return Ok(vec!["off: --no-advisories".to_string()]);
    }
    if !policy.enabled {
        return Ok(vec!["off: the policy".to_string()]);
    }
    let (entries, base_dir) = super::sources_in_effect(settings, policy);
    if entries.is_empty() {
        return Ok(vec!["none configured".to_string()]);
    }
    let mut http_options = options.http.clone();
    http_options.offline = options.offline;
    http_options.cache_dir.clone_from(&options.cache_dir);
    let http = Http::new(http_options).map_err(|e| e.to_string())?;
    entries
        .iter()
        .map(|entry| match Location::parse(entry, &base_dir) {
            // The audit reports it (A009) and is incomplete: never stored.
            Err(e) => Ok(format!("unusable {}: {}", entry.location, e.english())),
            Ok(location) => location_state(&location, entry, options, &http),
        })
        .collect()
}

fn location_state(
    location: &Location,
    entry: &DbEntry,
    options: &StateOptions,
    http: &Http,
) -> Result<String, String> {
    let display = location.display();
    let unknown = |what: &str| {
        Err(format!(
            "the advisory source {display} is {what}, and its state is not known without \
             downloading it"
        ))
    };
    Ok(match location {
        Location::Folder(dir) => format!(
            "folder {} {}",
            dir.display(),
            sources::folder_state(dir).map_err(|e| format!("advisory source: {e}"))?
        ),
        Location::ZipFile(path) => format!("zip {} {}", path.display(), file_stamp(path)?),
        Location::ZipUrl(url) => {
            if !options.offline {
                return unknown("downloaded");
            }
            format!(
                "zip {url} {}",
                http.cached_stamp(url).as_deref().unwrap_or("not cached")
            )
        }
        Location::Download(base) => {
            if !options.offline {
                return unknown("downloaded");
            }
            let base = base.trim_end_matches('/');
            let stamps: Vec<String> = DOWNLOADED
                .iter()
                .filter_map(|e| osv_name(*e))
                .map(|name| {
                    let url = format!("{base}/{name}/all.zip");
                    let stamp = http.cached_stamp(&url);
                    format!("{name}={}", stamp.as_deref().unwrap_or("not cached"))
                })
                .collect();
            format!("download {base} {}", stamps.join(" "))
        }
        Location::Git { url, branch } => {
            let cache_dir = options.cache_dir.as_deref().ok_or_else(|| {
                format!("the advisory source {display} needs fundament's cache directory")
            })?;
            let checkout = sources::sync_repository(
                url,
                branch.as_deref(),
                cache_dir,
                options.offline,
                Some(http),
            )
            .map_err(|e| {
                format!(
                    "the advisory source {display} cannot be fetched: {}",
                    e.reason()
                )
            })?;
            if let Some(stale) = checkout.stale {
                return Err(format!(
                    "the advisory source {display} may be out of date: {stale}"
                ));
            }
            format!(
                "git {url} {} {}",
                entry.branch.as_deref().unwrap_or("(default branch)"),
                checkout.commit
            )
        }
        Location::Api(base) => {
            if !options.offline {
                return Err(format!(
                    "the OSV API at {base} is asked during the audit, and its answers are \
                     not known without asking it"
                ));
            }
            format!("api {base} (not asked offline)")
        }
    })
}

/// A file's size and modification time.
fn file_stamp(path: &Path) -> Result<String, String> {
    let meta =
        std::fs::metadata(path).map_err(|e| format!("advisory source {}: {e}", path.display()))?;
    let modified = meta
        .modified()
        .ok()
        .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    Ok(format!("{} {modified}", meta.len()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn folder_policy(dir: &Path) -> AdvisoryPolicy {
        AdvisoryPolicy {
            db: vec![DbEntry::new(&dir.display().to_string())],
            ..AdvisoryPolicy::default()
        }
    }

    #[test]
    fn a_folder_source_changes_the_state_when_its_files_change() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("a.json"), "{}").unwrap();
        let policy = folder_policy(dir.path());
        let options = StateOptions::default();
        let one = data_state(&policy, &Settings::default(), &options).unwrap();
        assert_eq!(
            one,
            data_state(&policy, &Settings::default(), &options).unwrap()
        );
        std::fs::write(dir.path().join("b.json"), "{}").unwrap();
        let two = data_state(&policy, &Settings::default(), &options).unwrap();
        assert_ne!(one, two);
        // Files that are no records do not count, as the stage does not read them.
        std::fs::write(dir.path().join("notes.txt"), "x").unwrap();
        assert_eq!(
            two,
            data_state(&policy, &Settings::default(), &options).unwrap()
        );
        let off = Settings {
            disabled: true,
            ..Settings::default()
        };
        assert_eq!(
            data_state(&policy, &off, &options).unwrap(),
            vec!["off: --no-advisories"]
        );
        // --advisory-db replaces the policy's list.
        let other = tempfile::tempdir().unwrap();
        let given = Settings {
            db: vec![DbEntry::new(&other.path().display().to_string())],
            ..Settings::default()
        };
        assert_ne!(data_state(&policy, &given, &options).unwrap(), two);
    }

    #[test]
    fn downloads_have_a_state_only_offline() {
        let cache = tempfile::tempdir().unwrap();
        let policy = AdvisoryPolicy {
            db: vec![DbEntry::new("https://osv.registry.example/base")],
            ..AdvisoryPolicy::default()
        };
        let online = StateOptions {
            offline: false,
            cache_dir: Some(cache.path().to_path_buf()),
            ..StateOptions::default()
        };
        let err = data_state(&policy, &Settings::default(), &online).unwrap_err();
        assert!(err.contains("not known without downloading"), "{err}");
        let offline = StateOptions {
            offline: true,
            ..online
        };
        let state = data_state(&policy, &Settings::default(), &offline).unwrap();
        assert!(state[0].contains("PyPI=not cached"), "{state:?}");
    }
}
