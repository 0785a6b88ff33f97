//! Crates whose licence `cargo metadata` could not give (it fails on an incomplete workspace, or
//! without network for a crate never downloaded): the crate's own files, from Cargo's registry
//! sources when it was unpacked there, else its `.crate` archive from the registry's download
//! location (read by [`super::archive`]: `Cargo.toml` `license`, the licence files, checked
//! against Cargo.lock's `checksum`).
//!
//! Where crates are downloaded from is what Cargo itself recorded: the `dl` of the registry's
//! `config.json`, from the sparse index the lockfile names (`sparse+<url>`), or, for a git index
//! (which fundament does not clone), from the index cache of the Cargo installation
//! (`$CARGO_HOME/registry/index/*/config.json`) when it holds exactly one registry, the one
//! Cargo uses. No host name is built in.

use super::archive::Kind;
use super::http::Http;
use super::{ArchiveHint, Found, LookupError, json};
use crate::model::{Package, PackageSource};
use crate::source::Limit;
use serde::Deserialize;
use std::path::PathBuf;

#[derive(Deserialize)]
struct IndexConfig {
    dl: String,
}

use super::cargo_index::cargo_home;

/// The `dl` of the only registry whose index Cargo has cached.
pub fn cached_download_template() -> Option<String> {
    let index = cargo_home()?.join("registry").join("index");
    let mut found = Vec::new();
    for entry in std::fs::read_dir(index).ok()?.flatten() {
        let config = entry.path().join("config.json");
        if let Ok(text) = crate::source::read_text_bounded(&config, Limit::CONFIG)
            && let Ok(parsed) = serde_json::from_str::<IndexConfig>(&text)
        {
            found.push(parsed.dl);
        }
    }
    found.dedup();
    (found.len() == 1).then(|| found.remove(0))
}

/// Where to ask about a crate: `sparse:<index URL>` for a sparse registry (its config.json is
/// read at look-up), else the download template Cargo's index cache records.
pub fn endpoint(package: &Package, cached_template: Option<&str>) -> Option<String> {
    let PackageSource::Registry { url: Some(url) } = &package.source else {
        return None;
    };
    // Cargo.lock writes sparse registries as `sparse+<url>`, whose URL must end in `/`; git
    // indexes (`registry+<url>`) do not.
    if url.ends_with('/') {
        return Some(format!("sparse:{url}"));
    }
    cached_template.map(|t| format!("dl:{t}"))
}

/// The unpacked sources of a crate in Cargo's registry cache, if Cargo unpacked it there.
fn unpacked(package: &Package) -> Option<PathBuf> {
    let src = cargo_home()?.join("registry").join("src");
    let name = format!("{}-{}", package.name, package.version);
    std::fs::read_dir(src)
        .ok()?
        .flatten()
        .map(|registry| registry.path().join(&name))
        .find(|dir| dir.join("Cargo.toml").is_file())
}

/// A crate's download URL from a `dl` value: with Cargo's markers substituted, or
/// `<dl>/<name>/<version>/download` when it has none.
pub fn download_url(dl: &str, name: &str, version: &str, checksum: Option<&str>) -> String {
    let markers = [
        "{crate}",
        "{version}",
        "{prefix}",
        "{lowerprefix}",
        "{sha256-checksum}",
    ];
    if !markers.iter().any(|m| dl.contains(m)) {
        return format!("{}/{name}/{version}/download", dl.trim_end_matches('/'));
    }
    let prefix = match name.len() {
        1 => "1".to_string(),
        2 => "2".to_string(),
        3 => format!("3/{}", &name[..1]),
        _ => format!("{}/{}", &name[..2], &name[2..4]),
    };
    dl.replace("{crate}", name)
        .replace("{version}", version)
        .replace("{prefix}", &prefix)
        .replace("{lowerprefix}", &prefix.to_lowercase())
        .replace("{sha256-checksum}", checksum.unwrap_or(""))
}

/// Whether a crate name and version can go into a URL path as they are.
fn plain(text: &str) -> bool {
    !text.is_empty()
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '+'))
}

/// The crate's files: its unpacked sources, else its archive to read.
pub fn lookup(
    http: &Http,
    endpoint: &str,
    package: &Package,
) -> Result<(Found, Option<ArchiveHint>), LookupError> {
    if let Some(dir) = unpacked(package) {
        // Its Cargo.toml says what the licence is; the files are there for the rest.
        let manifest = dir.join("Cargo.toml");
        let licences = crate::source::read_text_bounded(&manifest, Limit::MANIFEST)
            .ok()
            .and_then(|text| toml::from_str::<toml::Value>(&text).ok())
            .and_then(|v| {
                v.get("package")?
                    .get("license")?
                    .as_str()
                    .map(str::to_string)
            })
            .map(|raw| {
                vec![super::FoundLicence {
                    raw,
                    url: manifest.display().to_string(),
                    field: "package.license".to_string(),
                }]
            })
            .unwrap_or_default();
        return Ok((
            Found {
                licences,
                dir: Some(dir),
            },
            None,
        ));
    }
    if !plain(&package.name) || !plain(&package.version) {
        return Err(LookupError::Invalid(format!(
            "`{} {}` is not a crate name and version fundament puts into a URL",
            package.name, package.version
        )));
    }
    let dl = if let Some(index) = endpoint.strip_prefix("sparse:") {
        let url = format!("{}/config.json", index.trim_end_matches('/'));
        let fetched = http.get(&url, "application/json")?;
        json::<IndexConfig>(&url, &fetched.body)?.dl
    } else {
        endpoint.strip_prefix("dl:").unwrap_or(endpoint).to_string()
    };
    let checksum = package.checksum.as_deref();
    let empty = Found {
        licences: Vec::new(),
        dir: None,
    };
    Ok((
        empty,
        Some(ArchiveHint {
            url: download_url(&dl, &package.name, &package.version, checksum),
            kind: Kind::Crate,
            integrity: checksum.map(|c| format!("sha256:{c}")),
        }),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn download_urls_follow_cargos_markers() {
        assert_eq!(
            download_url("https://dl.example/crates", "serde", "1.0.0", None),
            "https://dl.example/crates/serde/1.0.0/download"
        );
        assert_eq!(
            download_url(
                "https://dl.example/{prefix}/{crate}/{crate}-{version}.crate",
                "serde",
                "1.0.0",
                None
            ),
            "https://dl.example/se/rd/serde/serde-1.0.0.crate"
        );
        assert_eq!(
            download_url(
                "https://dl.example/{lowerprefix}/{crate}",
                "Abc",
                "1.0.0",
                None
            ),
            "https://dl.example/3/a/Abc"
        );
        assert_eq!(
            download_url(
                "https://dl.example/{sha256-checksum}",
                "a",
                "1.0.0",
                Some("ff")
            ),
            "https://dl.example/ff"
        );
    }
}
