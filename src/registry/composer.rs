//! Composer packages in a Composer 2 repository: the `license` and the dist archive that the
//! repository's metadata (`packages.json` → `metadata-url` → `p2/<vendor>/<name>.json`, minified)
//! records for the locked version. Asked when composer.lock records no licence fundament can
//! read; the repository is the project's own (composer.json `repositories` of type `composer`),
//! else `[registries] composer`, else Composer's global config.json.

use super::http::Http;
use super::{ArchiveHint, Found, FoundLicence, LookupError, archive};
use crate::ecosystem::unlocked::composer::{ComposerRepository, expand};
use crate::model::Package;
use serde_json::Value;

/// The licences the repository records for `package`, and its dist archive (the lockfile's,
/// else the repository's).
pub fn lookup(
    http: &Http,
    base: &str,
    package: &Package,
    locked_dist: Option<&str>,
) -> Result<(Found, Option<ArchiveHint>), LookupError> {
    let repository = ComposerRepository::open(http, base).map_err(LookupError::Invalid)?;
    let name = package.name.to_ascii_lowercase();
    let url = repository.metadata_url.replace("%package%", &name);
    let fetched = http.get(&url, "application/json")?;
    let root: Value = super::json(&url, &fetched.body)?;
    let versions = root
        .get("packages")
        .and_then(|p| p.get(&name))
        .and_then(Value::as_array)
        .map(|list| expand(list))
        .unwrap_or_default();
    let plain = |v: &str| v.trim_start_matches(['v', 'V']).to_string();
    let entry = versions
        .iter()
        .find(|e| e.get("version").and_then(Value::as_str) == Some(package.version.as_str()))
        .or_else(|| {
            versions.iter().find(|e| {
                e.get("version")
                    .and_then(Value::as_str)
                    .is_some_and(|v| plain(v) == plain(&package.version))
            })
        })
        .ok_or_else(|| {
            LookupError::Said(crate::text!(
                "lookup_lists_no_version",
                url = url,
                version = package.version
            ))
        })?;
    let licences: Vec<String> = match entry.get("license") {
        Some(Value::String(s)) => vec![s.clone()],
        Some(Value::Array(items)) => items
            .iter()
            .filter_map(Value::as_str)
            .map(str::to_string)
            .collect(),
        _ => Vec::new(),
    };
    let licences: Vec<String> = licences
        .into_iter()
        .map(|l| l.trim().to_string())
        .filter(|l| !l.is_empty())
        .collect();
    // Several entries are a choice (Composer's documentation), as for composer.lock.
    let raw = match licences.len() {
        0 => None,
        1 => licences.into_iter().next(),
        _ => Some(
            licences
                .iter()
                .map(|l| {
                    if l.contains(' ') {
                        format!("({l})")
                    } else {
                        l.clone()
                    }
                })
                .collect::<Vec<_>>()
                .join(" OR "),
        ),
    };
    let found = Found {
        licences: raw
            .map(|raw| FoundLicence {
                raw,
                url: url.clone(),
                field: format!("packages[\"{name}\"][version {}].license", package.version),
            })
            .into_iter()
            .collect(),
        dir: None,
    };
    let dist = entry.get("dist");
    let hint = locked_dist
        .map(|url| (url.to_string(), package.checksum.clone()))
        .or_else(|| {
            let dist = dist?;
            let url = dist.get("url")?.as_str()?;
            let shasum = dist
                .get("shasum")
                .and_then(Value::as_str)
                .filter(|s| !s.is_empty())
                .map(str::to_string);
            (url.starts_with("https://") || url.starts_with("http://"))
                .then(|| (url.to_string(), shasum))
        })
        .map(|(url, integrity)| ArchiveHint {
            url,
            kind: archive::Kind::Composer,
            integrity,
        });
    Ok((found, hint))
}
