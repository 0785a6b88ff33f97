//! npm registries (and mirrors speaking the same protocol: Nexus, Artifactory, Verdaccio): the
//! package document `<registry>/<name>` (scoped names as `@scope%2fname`), whose
//! `versions[<version>]` carries `license` (or the legacy `licenses` array).

use super::archive::Kind;
use super::http::Http;
use super::{ArchiveHint, Client, Found, FoundLicence, LookupError, json};
use crate::ecosystem::package_json::LicenceField;
use crate::model::{Package, PackageSource};
use serde::Deserialize;
use std::collections::HashMap;

pub struct Npm;

/// The registry base of a tarball URL (`<registry>/<name>/-/<file>.tgz`), as the lockfile
/// recorded it.
pub fn registry_of_tarball(url: &str, name: &str) -> Option<String> {
    let marker = format!("/{name}/-/");
    let index = url.find(&marker)?;
    Some(format!("{}/", &url[..index]))
}

/// The tarball of `package` to read when the registry's metadata names no licence: the one the
/// lockfile recorded, else where a registry keeps it (`<registry>/<name>/-/<unscoped
/// name>-<version>.tgz`), with the lockfile's integrity value.
pub fn tarball(package: &Package, registry: &str) -> Option<ArchiveHint> {
    let recorded = match &package.source {
        PackageSource::Registry { url: Some(url) }
            if url.starts_with("https://") || url.starts_with("http://") =>
        {
            Some(url.split('#').next().unwrap_or(url).to_string())
        }
        _ => None,
    };
    let unscoped = package.name.rsplit('/').next().unwrap_or(&package.name);
    let url = recorded.unwrap_or_else(|| {
        format!(
            "{}/{}/-/{unscoped}-{}.tgz",
            registry.trim_end_matches('/'),
            package.name,
            package.version
        )
    });
    Some(ArchiveHint {
        url,
        kind: Kind::Npm,
        integrity: package.checksum.clone(),
    })
}

/// The package document's URL: scoped names keep their `@` and encode the `/`.
pub fn document_url(registry: &str, name: &str) -> String {
    format!(
        "{}/{}",
        registry.trim_end_matches('/'),
        name.replace('/', "%2f")
    )
}

#[derive(Deserialize)]
struct Document {
    #[serde(default)]
    versions: HashMap<String, VersionDoc>,
}

#[derive(Deserialize)]
struct VersionDoc {
    license: Option<LicenceField>,
    licenses: Option<LicenceField>,
}

impl Client for Npm {
    fn lookup(&self, http: &Http, registry: &str, package: &Package) -> Result<Found, LookupError> {
        let url = document_url(registry, &package.name);
        let fetched = http.get(&url, "application/json")?;
        let document: Document = json(&url, &fetched.body)?;
        let Some(version) = document.versions.get(&package.version) else {
            return Err(LookupError::Said(crate::text!(
                "lookup_no_version",
                url = url,
                version = package.version
            )));
        };
        let mut licences = Vec::new();
        for (field, value) in [
            ("license", &version.license),
            ("licenses", &version.licenses),
        ] {
            if let Some(raw) = value.as_ref().and_then(LicenceField::as_expression) {
                licences.push(FoundLicence {
                    raw,
                    url: url.clone(),
                    field: format!("versions[\"{}\"].{field}", package.version),
                });
            }
        }
        Ok(Found {
            licences,
            dir: None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tarball_urls_give_their_registry() {
        assert_eq!(
            registry_of_tarball("https://npm.registry.example/ms/-/ms-2.1.3.tgz", "ms").as_deref(),
            Some("https://npm.registry.example/")
        );
        assert_eq!(
            registry_of_tarball(
                "https://nexus.example/repository/npm/@isaacs/cliui/-/cliui-8.0.2.tgz",
                "@isaacs/cliui"
            )
            .as_deref(),
            Some("https://nexus.example/repository/npm/")
        );
        assert_eq!(registry_of_tarball("https://git.example/x.tgz", "x"), None);
    }

    #[test]
    fn scoped_documents_encode_the_slash() {
        assert_eq!(
            document_url("https://npm.registry.example/", "@isaacs/cliui"),
            "https://npm.registry.example/@isaacs%2fcliui"
        );
    }
}
