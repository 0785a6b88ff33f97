//! Composer: composer.lock, with composer.json for the project's own package.
//!
//! composer.lock lists every installed package under `packages` (runtime) and `packages-dev`
//! (development only), each with its `license` array, its `require` edges and the names it
//! `replace`s or `provide`s. A requirement resolves to the locked package of that name, else to
//! the locked packages that replace or provide it (virtual packages such as
//! `psr/log-implementation`). Platform requirements (`php`, `ext-*`, `lib-*`,
//! `composer-plugin-api`, ...: every name without a `vendor/` part) are not packages and are
//! skipped.
//!
//! composer.json gives the project's own package: its `name`, `version` (usually absent),
//! `license`, and its `require` and `require-dev` edges. A composer.json that requires packages
//! but has no composer.lock cannot be audited: the versions are unknown (finding I002), unless
//! `--resolve-unlocked` resolves them against the Composer repository
//! ([`super::unlocked::composer`]).
//!
//! The licences come from composer.lock, which copies each package's own `license` field.
//! When the packages are installed (`vendor/<name>/` inside the audited tree, or a path
//! repository inside it), that directory is recorded too: its licence files are evidence.

use super::local_path;
use super::{ProjectGraph, ReadContext};
use super::{dir_name, json_error};
use crate::diagnostic::{Code, Finding};
use crate::discover::FoundProject;
use crate::model::{
    DeclaredLicence, DepKind, Dependency, Ecosystem, Origin, Package, PackageSource, Scope,
};
use crate::source::{Confined, Limit};
use serde::Deserialize;
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

/// Reads one Composer project.
pub fn read(ctx: &ReadContext<'_>, found: &FoundProject) -> ProjectGraph {
    let has_manifest = found
        .manifest
        .file_name()
        .is_some_and(|n| n == "composer.json");
    let manifest_display = ctx.display(&found.manifest);
    let manifest = if has_manifest {
        Some(read_json::<Manifest>(
            ctx.input,
            &found.manifest,
            Limit::MANIFEST,
            &manifest_display,
            "composer.json",
        ))
    } else {
        None
    };

    let Some(lockfile) = &found.lockfile else {
        return match manifest {
            Some(Ok(manifest)) => without_lockfile(ctx, found, &manifest_display, &manifest),
            Some(Err(finding)) => ProjectGraph::failed(ctx, found, "composer.json", *finding),
            // Discovery only makes a Composer project from one of the two files.
            None => ProjectGraph::failed(
                ctx,
                found,
                "none",
                Finding::error(
                    Code::InputUnreadable,
                    crate::text!("composer_neither", file = manifest_display),
                )
                .at(manifest_display.clone(), None),
            ),
        };
    };

    let lock_display = ctx.display(lockfile);
    let lock = match read_json::<Lockfile>(
        ctx.input,
        lockfile,
        Limit::LOCKFILE,
        &lock_display,
        "composer.lock",
    ) {
        Ok(lock) => lock,
        Err(finding) => return ProjectGraph::failed(ctx, found, "composer.lock", *finding),
    };
    if lock.packages.is_none() && lock.packages_dev.is_none() {
        let finding = Finding::error(
            Code::LockfileVersionUnsupported,
            crate::text!("composer_lock_unreadable", file = lock_display),
        )
        .at(lock_display.clone(), None);
        return ProjectGraph::failed(ctx, found, "composer.lock", finding);
    }

    let mut graph = ProjectGraph::new(ctx, found, "composer.lock");
    let manifest = match manifest {
        Some(Ok(manifest)) => Some(manifest),
        Some(Err(finding)) => {
            let why = format!(
                "{manifest_display} could not be read: the project's own requirements are \
                 taken from {lock_display} instead"
            );
            graph.findings.push(*finding);
            graph.partial(why);
            None
        }
        None => None,
    };
    build_graph(
        ctx,
        found,
        &mut graph,
        &lock,
        &lock_display,
        manifest.as_ref().map(|m| (m, manifest_display.as_str())),
    );
    graph
}

/// composer.json without composer.lock: fine when it requires no packages, otherwise the
/// versions are unknown and the project cannot be audited.
fn without_lockfile(
    ctx: &ReadContext<'_>,
    found: &FoundProject,
    display: &str,
    manifest: &Manifest,
) -> ProjectGraph {
    let required: Vec<&String> = manifest
        .require
        .keys()
        .chain(manifest.require_dev.keys())
        .filter(|name| !is_platform(name))
        .collect();
    if !required.is_empty() && ctx.options.unlocked.is_some() {
        return resolve_unlocked(ctx, found, display, manifest);
    }
    if !required.is_empty() {
        let finding = Finding::error(
            Code::LockfileMissing,
            crate::text!("composer_lock_missing", file = display).count("n", required.len()),
        )
        .at(display.to_string(), None)
        .note(crate::diagnostic::Text::new(
            "note_run_composer_update_no_install",
        ));
        return ProjectGraph::failed(ctx, found, "composer.json", finding);
    }
    let mut graph = ProjectGraph::new(ctx, found, "composer.json");
    graph
        .packages
        .push(root_package(ctx, found, Some((manifest, display))));
    graph.set_roots();
    graph
}

/// `--resolve-unlocked`: composer.json's requirements resolved against the project's own
/// Composer repository (its `repositories`), else the configured one.
fn resolve_unlocked(
    ctx: &ReadContext<'_>,
    found: &FoundProject,
    display: &str,
    manifest: &Manifest,
) -> ProjectGraph {
    use super::unlocked::composer::{ComposerRepository, Stability, direct};
    let Some(resolver) = ctx.options.unlocked.as_deref() else {
        return ProjectGraph::new(ctx, found, "composer.json");
    };
    let own = manifest.repositories.as_ref().and_then(|repositories| {
        crate::registry::config::composer_repository(
            &serde_json::json!({ "repositories": repositories }).to_string(),
        )
    });
    let Some(base) = own.or_else(|| resolver.composer.as_ref().map(|e| e.url.clone())) else {
        let finding = super::unlocked::no_registry(
            display,
            "Composer",
            "set `[registries] composer` in fundament's configuration, or a repository of type              `composer` in Composer's global config.json",
        );
        return ProjectGraph::failed(ctx, found, "composer.json", finding);
    };
    let mut repository = match ComposerRepository::open(&resolver.http, &base) {
        Ok(repository) => repository,
        Err(why) => {
            let finding = Finding::error(
                Code::LockfileMissing,
                crate::text!("composer_repository_unreadable", file = display, why = why),
            )
            .at(display.to_string(), None);
            return ProjectGraph::failed(ctx, found, "composer.json", finding);
        }
    };
    let minimum = manifest
        .minimum_stability
        .as_deref()
        .and_then(Stability::parse)
        .unwrap_or(Stability::Stable);
    let (wants, flags) = direct(&manifest.require, &manifest.require_dev, minimum);
    repository.minimum_stability = minimum;
    repository.prefer_stable = manifest
        .prefer_stable
        .as_ref()
        .is_some_and(|v| v.as_bool() == Some(true));
    // Dev versions live in `~dev.json`: read it only when a dev version may be chosen.
    repository.want_dev = minimum == Stability::Dev
        || flags.values().any(|f| *f == Stability::Dev)
        || wants.iter().any(|w| w.spec.contains("dev-"));
    repository.flags = flags;
    let walked = super::unlocked::walk(
        &repository,
        Ecosystem::Composer,
        wants,
        display,
        &resolver.date,
        resolver.parallelism,
    );
    let mut graph = ProjectGraph::new_described(
        ctx,
        found,
        crate::diagnostic::Text::new("reader_composer_unlocked"),
    );
    graph
        .packages
        .push(root_package(ctx, found, Some((manifest, display))));
    super::unlocked::attach(
        &mut graph,
        Some(0),
        walked,
        display,
        "Composer",
        &resolver.date,
    );
    graph.set_roots();
    graph
}

fn root_package(
    ctx: &ReadContext<'_>,
    found: &FoundProject,
    manifest: Option<(&Manifest, &str)>,
) -> Package {
    let name = manifest
        .and_then(|(m, _)| m.name.clone())
        .filter(|n| !n.trim().is_empty())
        .unwrap_or_else(|| dir_name(&found.dir));
    let version = manifest
        .and_then(|(m, _)| m.version.clone())
        .unwrap_or_default();
    let mut package = Package::new(
        Ecosystem::Composer,
        &name,
        &version,
        PackageSource::Path {
            path: ctx.display(&found.dir),
        },
    );
    package.root = true;
    package.dir = Some(found.dir.clone());
    if let Some((manifest, display)) = manifest
        && let Some(raw) = manifest
            .license
            .as_ref()
            .and_then(LicenceField::as_expression)
    {
        package.declared.push(DeclaredLicence {
            raw,
            origin: Origin {
                file: display.to_string(),
                field: "license".to_string(),
            },
        });
    }
    package
}

fn build_graph(
    ctx: &ReadContext<'_>,
    found: &FoundProject,
    graph: &mut ProjectGraph,
    lock: &Lockfile,
    lock_display: &str,
    manifest: Option<(&Manifest, &str)>,
) {
    let vendor_dir = manifest
        .and_then(|(m, _)| m.config.as_ref())
        .and_then(|c| c.vendor_dir.clone())
        .unwrap_or_else(|| "vendor".to_string());

    let mut packages = vec![root_package(ctx, found, manifest)];
    let mut edges = crate::model::EdgeSet::default();
    let mut index_of: HashMap<String, usize> = HashMap::new();
    // Which lockfile entry each package came from, for its edges.
    let mut entries: Vec<(usize, &LockPackage)> = Vec::new();

    let sections = [
        (
            "packages",
            lock.packages.as_deref().unwrap_or_default(),
            Scope::Runtime,
        ),
        (
            "packages-dev",
            lock.packages_dev.as_deref().unwrap_or_default(),
            Scope::Dev,
        ),
    ];
    for (section, list, scope) in sections {
        for (position, entry) in list.iter().enumerate() {
            let Some(name) = entry
                .name
                .as_deref()
                .map(str::trim)
                .filter(|n| !n.is_empty())
            else {
                graph.findings.push(
                    Finding::warning(
                        Code::InputUnreadable,
                        crate::text!(
                            "entry_without_name",
                            file = lock_display,
                            position = position,
                            section = section
                        ),
                    )
                    .at(lock_display.to_string(), None),
                );
                continue;
            };
            let key = name.to_lowercase();
            if let Some(&existing) = index_of.get(&key) {
                // A package listed twice keeps the smallest scope.
                packages[existing].scope = packages[existing].scope.min(scope);
                continue;
            }
            let version = entry.version.clone().unwrap_or_default();
            let source = source_of(ctx, found, entry);
            let mut package = Package::new(Ecosystem::Composer, name, &version, source);
            package.scope = scope;
            package.checksum = entry
                .dist
                .as_ref()
                .and_then(|d| d.shasum.clone())
                .filter(|s| !s.trim().is_empty());
            if let Some(raw) = entry.license.as_ref().and_then(LicenceField::as_expression) {
                package.declared.push(DeclaredLicence {
                    raw,
                    origin: Origin {
                        file: lock_display.to_string(),
                        field: format!("{section}[\"{key}\"].license"),
                    },
                });
            }
            package.dir = installed_dir(ctx.input, found, &vendor_dir, entry, &key);
            let index = packages.len();
            packages.push(package);
            index_of.insert(key, index);
            entries.push((index, entry));
        }
    }

    // Names that locked packages replace or provide, for requirements on virtual packages.
    let mut providers: HashMap<String, Vec<usize>> = HashMap::new();
    for &(index, entry) in &entries {
        for name in entry.replace.keys().chain(entry.provide.keys()) {
            let key = name.to_lowercase();
            if index_of.contains_key(&key) || is_platform(&key) {
                continue;
            }
            let list = providers.entry(key).or_default();
            if !list.contains(&index) {
                list.push(index);
            }
        }
    }
    let resolve = |name: &str| -> Vec<usize> {
        let key = name.to_lowercase();
        match index_of.get(&key) {
            Some(&index) => vec![index],
            None => providers.get(&key).cloned().unwrap_or_default(),
        }
    };

    let mut findings = Vec::new();
    for &(from, entry) in &entries {
        let mut missing = Vec::new();
        for name in entry.require.keys() {
            if is_platform(name) {
                continue;
            }
            let targets = resolve(name);
            if targets.is_empty() {
                missing.push(name.as_str());
            }
            for to in targets {
                add_edge(&mut packages, &mut edges, from, to, DepKind::Normal);
            }
        }
        if !missing.is_empty() {
            findings.push(unresolved(&packages[from].name, &missing, lock_display));
        }
    }

    // The project's own requirements.
    match manifest {
        Some((manifest, display)) => {
            let mut missing = Vec::new();
            for (deps, kind) in [
                (&manifest.require, DepKind::Normal),
                (&manifest.require_dev, DepKind::Dev),
            ] {
                for name in deps.keys() {
                    if is_platform(name) {
                        continue;
                    }
                    let targets = resolve(name);
                    if targets.is_empty() {
                        missing.push(name.as_str());
                    }
                    for to in targets {
                        add_edge(&mut packages, &mut edges, 0, to, kind);
                    }
                }
            }
            if !missing.is_empty() {
                findings.push(
                    Finding::warning(
                        Code::DependencyUnresolved,
                        crate::text!(
                            "requires_missing",
                            who = display,
                            list = quoted_list(&missing),
                            lockfile = lock_display
                        ),
                    )
                    .at(display.to_string(), None)
                    .note(crate::diagnostic::Text::new("note_composer_lock_outdated")),
                );
            }
        }
        None => {
            // Without composer.json the root requires what no other package requires.
            let mut required = vec![false; packages.len()];
            for package in &packages {
                for dep in &package.dependencies {
                    required[dep.package] = true;
                }
            }
            for &(index, _) in &entries {
                if !required[index] {
                    let kind = if packages[index].scope == Scope::Dev {
                        DepKind::Dev
                    } else {
                        DepKind::Normal
                    };
                    add_edge(&mut packages, &mut edges, 0, index, kind);
                }
            }
        }
    }

    graph.packages = packages;
    graph.findings.extend(findings);
    graph.set_roots();
}

fn add_edge(
    packages: &mut [Package],
    edges: &mut crate::model::EdgeSet,
    from: usize,
    to: usize,
    kind: DepKind,
) {
    edges.add(packages, from, Dependency { package: to, kind });
}

fn unresolved(who: &str, missing: &[&str], lock_display: &str) -> Finding {
    Finding::warning(
        Code::DependencyUnresolved,
        crate::text!(
            "requires_missing",
            who = format!("`{who}`"),
            list = quoted_list(missing),
            lockfile = lock_display
        ),
    )
    .at(lock_display.to_string(), None)
}

fn quoted_list(names: &[&str]) -> String {
    names
        .iter()
        .map(|n| format!("`{n}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Platform packages (the PHP runtime, its extensions and libraries, Composer's own APIs) have
/// no `vendor/` part in their names; every real package has.
fn is_platform(name: &str) -> bool {
    !name.contains('/')
}

/// Where a locked package comes from.
///
/// Packages from a Composer repository (`notification-url` set) count as registry packages
/// whatever their download URL; path repositories are directories; VCS repositories are git
/// sources; anything else is a plain download.
fn source_of(ctx: &ReadContext<'_>, found: &FoundProject, entry: &LockPackage) -> PackageSource {
    let dist = entry.dist.as_ref();
    let source = entry.source.as_ref();
    if let Some(dist) = dist
        && dist.kind.as_deref() == Some("path")
    {
        let url = dist.url.clone().unwrap_or_default();
        return PackageSource::Path {
            path: local_path(ctx.root, &found.dir, &url),
        };
    }
    if entry.notification_url.is_some() {
        return PackageSource::Registry {
            url: dist
                .and_then(|d| d.url.clone())
                .or_else(|| source.and_then(|s| s.url.clone())),
        };
    }
    if let Some(source) = source
        && source.kind.as_deref() == Some("git")
        && let Some(url) = &source.url
    {
        return PackageSource::Git { url: url.clone() };
    }
    match dist
        .and_then(|d| d.url.clone())
        .or_else(|| source.and_then(|s| s.url.clone()))
    {
        Some(url) => PackageSource::Url { url },
        None => PackageSource::Registry { url: None },
    }
}

/// The package's installed directory inside the audited tree: the path repository it comes
/// from, else `<vendor-dir>/<name>`.
fn installed_dir(
    input: &Confined,
    found: &FoundProject,
    vendor_dir: &str,
    entry: &LockPackage,
    key: &str,
) -> Option<PathBuf> {
    let mut candidates = Vec::new();
    if let Some(dist) = &entry.dist
        && dist.kind.as_deref() == Some("path")
        && let Some(url) = &dist.url
    {
        candidates.push(found.dir.join(url));
    }
    candidates.push(found.dir.join(vendor_dir).join(key));
    candidates.into_iter().find(|dir| input.is_dir(dir))
}

/// Reads a JSON file; errors name the file and line.
fn read_json<T: for<'de> Deserialize<'de>>(
    input: &Confined,
    path: &Path,
    limit: Limit,
    display: &str,
    what: &str,
) -> Result<T, Box<Finding>> {
    let text = input
        .read_text(path, limit)
        .map_err(|refusal| Box::new(Finding::refused(&refusal)))?;
    serde_json::from_str(&text).map_err(|err| {
        Box::new(
            Finding::error(
                Code::InputUnreadable,
                crate::text!(
                    "file_not_valid",
                    file = display,
                    what = what,
                    error = json_error(&err)
                ),
            )
            .at(display.to_string(), Some(err.line())),
        )
    })
}

/// The parts of composer.json fundament reads.
#[derive(Debug, Default, Deserialize)]
struct Manifest {
    #[serde(default, deserialize_with = "lenient_string")]
    name: Option<String>,
    #[serde(default, deserialize_with = "lenient_string")]
    version: Option<String>,
    license: Option<LicenceField>,
    #[serde(default, deserialize_with = "lenient_map")]
    require: BTreeMap<String, String>,
    #[serde(default, rename = "require-dev", deserialize_with = "lenient_map")]
    require_dev: BTreeMap<String, String>,
    #[serde(default, deserialize_with = "lenient_config")]
    config: Option<Config>,
    /// For `--resolve-unlocked`: the least stable versions Composer may choose.
    #[serde(
        default,
        rename = "minimum-stability",
        deserialize_with = "lenient_string"
    )]
    minimum_stability: Option<String>,
    #[serde(default, rename = "prefer-stable")]
    prefer_stable: Option<serde_json::Value>,
    /// The project's own repositories; the first of type `composer` is the one resolved against.
    #[serde(default)]
    repositories: Option<serde_json::Value>,
}

#[derive(Debug, Default, Deserialize)]
struct Config {
    #[serde(default, rename = "vendor-dir", deserialize_with = "lenient_string")]
    vendor_dir: Option<String>,
}

/// The parts of composer.lock fundament reads.
#[derive(Debug, Deserialize)]
struct Lockfile {
    packages: Option<Vec<LockPackage>>,
    #[serde(rename = "packages-dev")]
    packages_dev: Option<Vec<LockPackage>>,
}

#[derive(Debug, Deserialize)]
struct LockPackage {
    #[serde(default, deserialize_with = "lenient_string")]
    name: Option<String>,
    #[serde(default, deserialize_with = "lenient_string")]
    version: Option<String>,
    #[serde(default, deserialize_with = "lenient_location")]
    source: Option<Location>,
    #[serde(default, deserialize_with = "lenient_location")]
    dist: Option<Location>,
    license: Option<LicenceField>,
    #[serde(default, deserialize_with = "lenient_map")]
    require: BTreeMap<String, String>,
    #[serde(default, deserialize_with = "lenient_map")]
    replace: BTreeMap<String, String>,
    #[serde(default, deserialize_with = "lenient_map")]
    provide: BTreeMap<String, String>,
    #[serde(
        default,
        rename = "notification-url",
        deserialize_with = "lenient_string"
    )]
    notification_url: Option<String>,
}

/// A `source` or `dist` object.
#[derive(Debug, Default, Deserialize)]
struct Location {
    #[serde(default, rename = "type", deserialize_with = "lenient_string")]
    kind: Option<String>,
    #[serde(default, deserialize_with = "lenient_string")]
    url: Option<String>,
    #[serde(default, deserialize_with = "lenient_string")]
    shasum: Option<String>,
}

/// `license` is a string or an array of strings. Composer documents several entries as a
/// choice ("the package is available under each of them"), so they are joined with OR.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
enum LicenceField {
    Text(String),
    List(Vec<serde_json::Value>),
    Other(serde::de::IgnoredAny),
}

impl LicenceField {
    fn as_expression(&self) -> Option<String> {
        match self {
            LicenceField::Text(text) => Some(text.trim().to_string()).filter(|t| !t.is_empty()),
            LicenceField::List(items) => {
                let parts: Vec<String> = items
                    .iter()
                    .filter_map(|v| v.as_str())
                    .map(str::trim)
                    .filter(|t| !t.is_empty())
                    .map(str::to_string)
                    .collect();
                match parts.len() {
                    0 => None,
                    1 => parts.into_iter().next(),
                    _ => Some(
                        parts
                            .iter()
                            .map(|p| {
                                if p.contains(' ') && !is_parenthesised(p) {
                                    format!("({p})")
                                } else {
                                    p.clone()
                                }
                            })
                            .collect::<Vec<_>>()
                            .join(" OR "),
                    ),
                }
            }
            LicenceField::Other(_) => None,
        }
    }
}

/// True when the whole text is one parenthesised group: `(A and B)`, not `(A) or (B)`.
fn is_parenthesised(text: &str) -> bool {
    if !(text.starts_with('(') && text.ends_with(')')) {
        return false;
    }
    let mut depth = 0usize;
    for (i, c) in text.char_indices() {
        match c {
            '(' => depth += 1,
            ')' => {
                depth = depth.saturating_sub(1);
                if depth == 0 && i + 1 < text.len() {
                    return false;
                }
            }
            _ => {}
        }
    }
    true
}

/// Maps with non-string values (hand-edited files) keep their keys with an empty constraint.
fn lenient_map<'de, D>(deserializer: D) -> Result<BTreeMap<String, String>, D::Error>
where
    D: serde::Deserializer<'de>,
{
    let raw: serde_json::Value = Deserialize::deserialize(deserializer)?;
    Ok(match raw {
        serde_json::Value::Object(map) => map
            .into_iter()
            .map(|(k, v)| (k, v.as_str().unwrap_or_default().to_string()))
            .collect(),
        _ => BTreeMap::new(),
    })
}

/// A string where one is expected, `None` for anything else.
fn lenient_string<'de, D>(deserializer: D) -> Result<Option<String>, D::Error>
where
    D: serde::Deserializer<'de>,
{
    let raw: serde_json::Value = Deserialize::deserialize(deserializer)?;
    Ok(raw.as_str().map(str::to_string))
}

fn lenient_location<'de, D>(deserializer: D) -> Result<Option<Location>, D::Error>
where
    D: serde::Deserializer<'de>,
{
    let raw: serde_json::Value = Deserialize::deserialize(deserializer)?;
    Ok(serde_json::from_value(raw).ok())
}

fn lenient_config<'de, D>(deserializer: D) -> Result<Option<Config>, D::Error>
where
    D: serde::Deserializer<'de>,
{
    let raw: serde_json::Value = Deserialize::deserialize(deserializer)?;
    Ok(serde_json::from_value(raw).ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn licence(json: &str) -> Option<String> {
        serde_json::from_str::<LicenceField>(json)
            .unwrap()
            .as_expression()
    }

    #[test]
    fn licence_arrays_are_a_choice() {
        assert_eq!(licence(r#"["MIT"]"#).as_deref(), Some("MIT"));
        assert_eq!(
            licence(r#"["BSD-3-Clause", "GPL-2.0-only", "GPL-3.0-only"]"#).as_deref(),
            Some("BSD-3-Clause OR GPL-2.0-only OR GPL-3.0-only")
        );
        assert_eq!(
            licence(r#"["LGPL-2.1-only", "(MIT and BSD-3-Clause)"]"#).as_deref(),
            Some("LGPL-2.1-only OR (MIT and BSD-3-Clause)")
        );
        assert_eq!(
            licence(r#"["Apache-2.0", "MIT or ISC"]"#).as_deref(),
            Some("Apache-2.0 OR (MIT or ISC)")
        );
        assert_eq!(licence(r#""proprietary""#).as_deref(), Some("proprietary"));
        assert_eq!(licence(r#"[]"#), None);
        assert_eq!(licence(r#"  "  "  "#), None);
        assert_eq!(licence(r#"{"type": "MIT"}"#), None);
    }

    #[test]
    fn parenthesised_groups_are_recognised() {
        assert!(is_parenthesised("(A and B)"));
        assert!(is_parenthesised("((A) and B)"));
        assert!(!is_parenthesised("(A) or (B)"));
        assert!(!is_parenthesised("A and B"));
    }

    #[test]
    fn platform_packages_have_no_vendor() {
        for name in [
            "php",
            "php-64bit",
            "hhvm",
            "ext-json",
            "lib-icu",
            "composer-plugin-api",
            "composer-runtime-api",
            "composer",
        ] {
            assert!(is_platform(name), "{name}");
        }
        assert!(!is_platform("psr/log"));
    }

    #[test]
    fn lock_entries_tolerate_odd_values() {
        let entry: LockPackage = serde_json::from_str(
            r#"{"name": "a/b", "version": 1, "require": {"c/d": {"x": 1}}, "dist": "nonsense",
                "license": [1, "MIT"]}"#,
        )
        .unwrap();
        assert_eq!(entry.version, None);
        assert!(entry.require.contains_key("c/d"));
        assert!(entry.dist.is_none());
        assert_eq!(
            entry.license.unwrap().as_expression().as_deref(),
            Some("MIT")
        );
    }
}
