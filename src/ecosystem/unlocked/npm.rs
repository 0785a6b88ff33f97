//! npm: a package.json's ranges resolved against the npm registry's package documents, as npm's
//! manifest picking does:
//!
//! - a requirement that is a dist-tag (`latest`, `next`) takes the tagged version;
//! - a range takes the `latest` tag's version when it satisfies the range (`*` and `""` always
//!   do), else the newest satisfying version that is not deprecated, else the newest deprecated
//!   one;
//! - ranges follow node-semver ([`nodejs_semver`]): `^1.2.x`, `~1.2`, `1.x || >=2.5.0`, hyphen
//!   ranges, and pre-releases only when the range names one of the same `major.minor.patch`;
//! - `npm:<name>@<range>` aliases resolve the aliased package; git, path, URL and workspace
//!   requirements are not registry versions and are reported unresolved;
//! - a version's `dependencies`, `optionalDependencies` (all of them, whatever their platform,
//!   as `npm install --package-lock-only` records them) and non-optional `peerDependencies`
//!   (npm 7 and later install them) are followed.
//!
//! npm's preference for versions whose `engines` fit the running Node.js is not applied.

use super::{Picked, Registry, Want};
use crate::diagnostic::Text;
use crate::ecosystem::package_json::LicenceField;
use crate::model::{DeclaredLicence, DepKind, Origin, PackageSource};
use crate::registry::http::Http;
use nodejs_semver::{Range, Version};
use serde::Deserialize;
use std::collections::BTreeMap;

/// An npm registry, by its base URL.
pub struct NpmRegistry<'a> {
    pub http: &'a Http,
    pub base: String,
}

/// The parts of a package document (packument) the resolution reads.
#[derive(Debug, Deserialize)]
pub struct Document {
    #[serde(skip)]
    url: String,
    #[serde(default, rename = "dist-tags")]
    dist_tags: BTreeMap<String, String>,
    #[serde(default)]
    versions: BTreeMap<String, VersionEntry>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct VersionEntry {
    name: Option<String>,
    #[serde(default, deserialize_with = "lenient_map")]
    dependencies: BTreeMap<String, String>,
    #[serde(default, deserialize_with = "lenient_map")]
    optional_dependencies: BTreeMap<String, String>,
    #[serde(default, deserialize_with = "lenient_map")]
    peer_dependencies: BTreeMap<String, String>,
    #[serde(default)]
    peer_dependencies_meta: BTreeMap<String, serde_json::Value>,
    #[serde(default)]
    deprecated: Option<serde_json::Value>,
    license: Option<LicenceField>,
    licenses: Option<LicenceField>,
    dist: Option<Dist>,
}

#[derive(Debug, Deserialize)]
struct Dist {
    tarball: Option<String>,
}

/// A dependency map, keeping only string values (some old documents carry arrays or objects).
fn lenient_map<'de, D>(deserializer: D) -> Result<BTreeMap<String, String>, D::Error>
where
    D: serde::Deserializer<'de>,
{
    let value = Option::<BTreeMap<String, serde_json::Value>>::deserialize(deserializer)?;
    Ok(value
        .unwrap_or_default()
        .into_iter()
        .filter_map(|(k, v)| v.as_str().map(|s| (k, s.to_string())))
        .collect())
}

impl VersionEntry {
    fn is_deprecated(&self) -> bool {
        match &self.deprecated {
            None | Some(serde_json::Value::Null) | Some(serde_json::Value::Bool(false)) => false,
            Some(serde_json::Value::String(s)) => !s.is_empty(),
            Some(_) => true,
        }
    }
}

/// The direct requirements of a package.json: dependencies, devDependencies,
/// optionalDependencies and peerDependencies (npm 7 and later install the root's peers).
pub fn direct(manifest: &crate::ecosystem::package_json::Manifest) -> Vec<Want> {
    let mut wants = Vec::new();
    for (map, kind) in [
        (&manifest.dependencies, DepKind::Normal),
        (&manifest.optional_dependencies, DepKind::Optional),
        (&manifest.peer_dependencies, DepKind::Peer),
        (&manifest.dev_dependencies, DepKind::Dev),
    ] {
        for (name, spec) in map {
            // npm lists a name once: dependencies win over the later maps.
            if !wants.iter().any(|w: &Want| &w.name == name) {
                wants.push(Want::new(name, spec, kind));
            }
        }
    }
    wants
}

impl Registry for NpmRegistry<'_> {
    type Document = Document;

    fn translate(&self, want: &Want) -> Result<(String, String), Text> {
        let spec = want.spec.trim();
        if let Some(alias) = spec.strip_prefix("npm:") {
            // `npm:name@range`, `npm:@scope/name@range`, `npm:name`.
            let at = alias.char_indices().skip(1).find(|&(_, c)| c == '@');
            return Ok(match at {
                Some((i, _)) => (alias[..i].to_string(), alias[i + 1..].to_string()),
                None => (alias.to_string(), "latest".to_string()),
            });
        }
        let not_registry = [
            "git+",
            "git:",
            "github:",
            "gitlab:",
            "bitbucket:",
            "file:",
            "link:",
            "http:",
            "https:",
            "workspace:",
            "portal:",
            "patch:",
        ];
        if not_registry.iter().any(|p| spec.starts_with(p))
            || spec.starts_with('.')
            || spec.starts_with('/')
            || spec.starts_with('~') && spec.contains('/')
            || (spec.contains('/') && !spec.contains(' ') && !spec.starts_with('@'))
        {
            return Err(crate::text!("unlocked_not_a_registry_version", spec = spec));
        }
        Ok((want.name.clone(), spec.to_string()))
    }

    fn fetch(&self, name: &str) -> Result<Document, Text> {
        let url = crate::registry::npm::document_url(&self.base, name);
        let fetched = self
            .http
            .get(&url, "application/json")
            .map_err(|e| e.text())?;
        let mut document: Document = serde_json::from_slice(&fetched.body)
            .map_err(|e| crate::text!("unlocked_not_an_npm_document", url = url, error = e))?;
        document.url = url;
        Ok(document)
    }

    fn pick(&self, document: &Document, name: &str, spec: &str) -> Result<Picked, Text> {
        let version =
            choose(document, spec).ok_or_else(|| match document.dist_tags.get("latest") {
                Some(latest) => crate::text!(
                    "unlocked_no_npm_version_latest",
                    url = document.url,
                    name = name,
                    spec = spec,
                    latest = latest
                ),
                None => crate::text!(
                    "unlocked_no_npm_version",
                    url = document.url,
                    name = name,
                    spec = spec
                ),
            })?;
        let entry = &document.versions[&version];
        let mut dependencies = Vec::new();
        let mut push = |map: &BTreeMap<String, String>, kind: DepKind| {
            for (dep, range) in map {
                if !dependencies.iter().any(|w: &Want| &w.name == dep) {
                    dependencies.push(Want::new(dep, range, kind));
                }
            }
        };
        push(&entry.dependencies, DepKind::Normal);
        push(&entry.optional_dependencies, DepKind::Optional);
        let required_peers: BTreeMap<String, String> = entry
            .peer_dependencies
            .iter()
            .filter(|(peer, _)| {
                !entry
                    .peer_dependencies_meta
                    .get(*peer)
                    .and_then(|m| m.get("optional"))
                    .and_then(serde_json::Value::as_bool)
                    .unwrap_or(false)
            })
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        push(&required_peers, DepKind::Peer);
        let mut declared = Vec::new();
        for (field, value) in [("license", &entry.license), ("licenses", &entry.licenses)] {
            if let Some(raw) = value.as_ref().and_then(LicenceField::as_expression) {
                declared.push(DeclaredLicence {
                    raw,
                    origin: Origin {
                        file: document.url.clone(),
                        field: format!("versions[\"{version}\"].{field}"),
                    },
                });
            }
        }
        Ok(Picked {
            name: entry.name.clone().unwrap_or_else(|| name.to_string()),
            source: PackageSource::Registry {
                url: entry.dist.as_ref().and_then(|d| d.tarball.clone()),
            },
            version,
            dependencies,
            declared,
        })
    }

    fn satisfies(&self, _document: &Document, spec: &str, version: &str) -> bool {
        match (Range::parse(spec), Version::parse(version)) {
            (Ok(range), Ok(version)) => range.satisfies(&version),
            _ => false,
        }
    }
}

/// The version npm picks for `spec` from `document`.
pub fn choose(document: &Document, spec: &str) -> Option<String> {
    let spec = spec.trim();
    if let Some(tagged) = document.dist_tags.get(spec) {
        return document
            .versions
            .contains_key(tagged)
            .then(|| tagged.clone());
    }
    let range = Range::parse(spec).ok()?;
    let any = spec.is_empty() || spec == "*";
    if let Some(latest) = document.dist_tags.get("latest")
        && let Ok(version) = Version::parse(latest)
        && document.versions.contains_key(latest)
        && (any || range.satisfies(&version))
    {
        return Some(latest.clone());
    }
    let mut best: Option<(bool, Version, &String)> = None;
    for (text, entry) in &document.versions {
        let Ok(version) = Version::parse(text) else {
            continue;
        };
        if !range.satisfies(&version) {
            continue;
        }
        let candidate = (!entry.is_deprecated(), version, text);
        if best
            .as_ref()
            .is_none_or(|b| (candidate.0, &candidate.1) > (b.0, &b.1))
        {
            best = Some(candidate);
        }
    }
    best.map(|(_, _, text)| text.clone())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn document(latest: &str, versions: &[&str], deprecated: &[&str]) -> Document {
        Document {
            url: "https://npm.registry.example/x".to_string(),
            dist_tags: [("latest".to_string(), latest.to_string())]
                .into_iter()
                .chain([("next".to_string(), "3.0.0-rc.1".to_string())])
                .collect(),
            versions: versions
                .iter()
                .map(|v| {
                    let deprecated = deprecated.contains(v).then(|| "do not use".into());
                    (
                        v.to_string(),
                        VersionEntry {
                            name: None,
                            dependencies: BTreeMap::new(),
                            optional_dependencies: BTreeMap::new(),
                            peer_dependencies: BTreeMap::new(),
                            peer_dependencies_meta: BTreeMap::new(),
                            deprecated,
                            license: None,
                            licenses: None,
                            dist: None,
                        },
                    )
                })
                .collect(),
        }
    }

    #[test]
    fn ranges_pick_as_npm_does() {
        let versions = [
            "1.2.0",
            "1.2.9",
            "1.3.0",
            "1.10.0",
            "2.4.0",
            "2.5.0",
            "2.6.0",
            "3.0.0-rc.1",
        ];
        let doc = document("2.5.0", &versions, &[]);
        let pick = |spec: &str| choose(&doc, spec);
        // The latest tag wins when it satisfies, even over newer versions.
        assert_eq!(pick("^2.0.0").as_deref(), Some("2.5.0"));
        assert_eq!(pick("*").as_deref(), Some("2.5.0"));
        assert_eq!(pick("").as_deref(), Some("2.5.0"));
        assert_eq!(pick("latest").as_deref(), Some("2.5.0"));
        assert_eq!(pick("next").as_deref(), Some("3.0.0-rc.1"));
        // Otherwise the newest satisfying version; 1.10 sorts after 1.3 as a number.
        assert_eq!(pick("^1.2.x").as_deref(), Some("1.10.0"));
        assert_eq!(pick("~1.2").as_deref(), Some("1.2.9"));
        assert_eq!(pick("1.x || >=2.5.1").as_deref(), Some("2.6.0"));
        assert_eq!(pick("1.2.0 - 1.3.0").as_deref(), Some("1.3.0"));
        assert_eq!(pick(">=2.6.0").as_deref(), Some("2.6.0"));
        // Pre-releases only when the range names one of the same tuple.
        assert_eq!(pick(">=2.6.1").as_deref(), None);
        assert_eq!(pick(">=3.0.0-rc.0").as_deref(), Some("3.0.0-rc.1"));
        assert_eq!(pick("^4"), None);
        assert_eq!(pick("not a range!"), None);
    }

    #[test]
    fn deprecated_versions_come_last() {
        let doc = document("1.0.0", &["1.0.0", "1.1.0", "1.2.0"], &["1.2.0"]);
        assert_eq!(choose(&doc, ">=1.1.0").as_deref(), Some("1.1.0"));
        let doc = document("1.0.0", &["1.0.0", "1.2.0"], &["1.2.0"]);
        assert_eq!(choose(&doc, ">=1.1.0").as_deref(), Some("1.2.0"));
    }

    #[test]
    fn aliases_and_non_registry_requirements() {
        let http = Http::new(Default::default()).unwrap();
        let registry = NpmRegistry {
            http: &http,
            base: "https://npm.registry.example/".to_string(),
        };
        let t = |spec: &str| registry.translate(&Want::new("a", spec, DepKind::Normal));
        assert_eq!(
            t("npm:@scope/real@^1.0.0").unwrap(),
            ("@scope/real".to_string(), "^1.0.0".to_string())
        );
        assert_eq!(
            t("npm:real").unwrap(),
            ("real".to_string(), "latest".to_string())
        );
        assert_eq!(
            t("^1.0.0").unwrap(),
            ("a".to_string(), "^1.0.0".to_string())
        );
        for spec in [
            "git+https://git.example/a.git",
            "file:../a",
            "user/repo",
            "https://x.example/a.tgz",
            "workspace:*",
        ] {
            assert!(t(spec).is_err(), "{spec}");
        }
    }
}
