//! npm: package-lock.json and npm-shrinkwrap.json, lockfile versions 1, 2 and 3.
//!
//! Versions 2 and 3 list every installed package under `packages`, keyed by its path
//! (`node_modules/a/node_modules/b`); version 1 nests `dependencies` objects instead, and is
//! turned into the same path-keyed form so that one resolver serves both. Dependencies are
//! resolved the way Node.js finds modules: in the requiring package's own `node_modules`, then in
//! each enclosing `node_modules` up to the project root. `link` entries (workspaces, `file:`
//! directories) point at the directory entry they stand for.
//!
//! Licences come from the lockfile's `license` field (versions 2 and 3) and, when the project's
//! `node_modules` is installed, from each package's own package.json (`license`, or the legacy
//! `licenses` array). Nothing in `node_modules` is executed.

use super::local_path;
use super::package_json::{self, LicenceField, Manifest, Workspaces, lenient_map};
use super::workspace_globs::{WorkspaceGlobs, js_members};
use super::{ProjectGraph, ReadContext};
use super::{dir_name, json_error};
use crate::diagnostic::{Code, Finding, Severity};
use crate::discover::{FoundProject, relative};
use crate::model::{
    DeclaredLicence, DepKind, Dependency, Ecosystem, Origin, Package, PackageSource, Scope,
};
use crate::source::{Confined, Limit};
use rayon::prelude::*;
use serde::Deserialize;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::Path;

/// Reads one npm project.
pub fn read(ctx: &ReadContext<'_>, found: &FoundProject) -> ProjectGraph {
    let Some(lockfile) = &found.lockfile else {
        return without_lockfile(ctx, found);
    };
    let (display, text) = match ProjectGraph::read_input(
        ctx,
        found,
        lockfile,
        Limit::LOCKFILE,
        "package-lock.json",
    ) {
        Ok(read) => read,
        Err(failed) => return *failed,
    };
    let lock: Lockfile = match serde_json::from_str(&text) {
        Ok(lock) => lock,
        Err(err) => {
            let finding = Finding::error(
                Code::InputUnreadable,
                crate::text!("npm_lock_invalid", file = display, error = json_error(&err)),
            )
            .at(display.clone(), Some(err.line()));
            return ProjectGraph::failed(ctx, found, "package-lock.json", finding);
        }
    };
    let version = match lock.lockfile_version {
        Some(serde_json::Value::Number(ref n)) => n.as_u64(),
        _ => None,
    };
    let entries = match version {
        Some(2 | 3) if lock.packages.is_some() => lock.packages.clone().unwrap_or_default(),
        Some(1) => flatten_v1(&lock),
        other => {
            let shown = match (other, &lock.lockfile_version) {
                (Some(v), _) => crate::text!("version_shown", version = v),
                (None, Some(v)) => crate::text!("version_shown", version = v),
                (None, None) => crate::text!("no_field", field = "lockfileVersion"),
            };
            let line = text
                .lines()
                .position(|l| l.contains("\"lockfileVersion\""))
                .map(|i| i + 1);
            let finding = Finding::error(
                Code::LockfileVersionUnsupported,
                crate::text!("npm_lock_version", file = display).sub("shown", shown),
            )
            .at(display.clone(), line);
            return ProjectGraph::failed(ctx, found, "package-lock.json", finding);
        }
    };
    let reader = format!(
        "{} v{}",
        lockfile
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default(),
        version.unwrap_or(0)
    );
    let mut graph = build_graph(ctx, found, &display, &reader, &lock, entries);
    if version == Some(1) {
        // Version 1 lockfiles record no licences: what is not installed is unresolved.
        for package in graph
            .packages
            .iter_mut()
            .filter(|p| !p.root && p.declared.is_empty())
        {
            package.licence_unavailable = Some(format!(
                "{display} (lockfile version 1) records no licences, and the package is not installed"
            ));
        }
    }
    graph
}

/// A package.json without a lockfile: fine when it declares no dependencies, otherwise the
/// dependency versions are unknown and the project cannot be audited.
fn without_lockfile(ctx: &ReadContext<'_>, found: &FoundProject) -> ProjectGraph {
    let root = ctx.root;
    let display = relative(root, &found.manifest);
    let manifest = match package_json::read(ctx.input, &found.manifest) {
        Ok(manifest) => manifest,
        Err(package_json::ReadError::Refused(refusal)) => {
            return ProjectGraph::failed(ctx, found, "package.json", Finding::refused(&refusal));
        }
        Err(err) => {
            let finding = Finding::error(Code::InputUnreadable, err.message(&display))
                .at(display.clone(), err.line());
            return ProjectGraph::failed(ctx, found, "package.json", finding);
        }
    };
    let declared_deps = manifest.dependencies.len()
        + manifest.dev_dependencies.len()
        + manifest.optional_dependencies.len()
        + manifest.peer_dependencies.len();
    let resolver = ctx.options.unlocked.as_deref();
    if declared_deps > 0 && resolver.is_none() {
        let finding = Finding::error(
            Code::LockfileMissing,
            crate::text!("npm_lock_missing", file = display).count("n", declared_deps),
        )
        .at(display.clone(), None)
        .note(crate::diagnostic::Text::new(
            "note_run_npm_install_package_lock",
        ));
        return ProjectGraph::failed(ctx, found, "package.json", finding);
    }
    let name = manifest
        .name
        .clone()
        .unwrap_or_else(|| dir_name(&found.dir));
    let version = manifest.version.clone().unwrap_or_default();
    let mut package = new_package(
        &name,
        &version,
        PackageSource::Path {
            path: relative(root, &found.dir),
        },
    );
    package.root = true;
    package.declared = manifest.declared(&display);
    let Some(resolver) = resolver.filter(|_| declared_deps > 0) else {
        let mut graph = ProjectGraph::new(ctx, found, "package.json");
        graph.packages.push(package);
        graph.set_roots();
        return graph;
    };
    let Some(endpoint) = &resolver.npm else {
        let finding = super::unlocked::no_registry(
            &display,
            "npm",
            "set `registry` in ~/.npmrc or `[registries] npm` in fundament's configuration",
        );
        return ProjectGraph::failed(ctx, found, "package.json", finding);
    };
    let registry = super::unlocked::npm::NpmRegistry {
        http: &resolver.http,
        base: endpoint.url.clone(),
    };
    let walked = super::unlocked::walk(
        &registry,
        crate::model::Ecosystem::Npm,
        super::unlocked::npm::direct(&manifest),
        &display,
        &resolver.date,
        resolver.parallelism,
    );
    let mut graph = ProjectGraph::new_described(
        ctx,
        found,
        crate::diagnostic::Text::new("reader_npm_unlocked"),
    );
    graph.packages.push(package);
    super::unlocked::attach(&mut graph, Some(0), walked, &display, "npm", &resolver.date);
    graph.set_roots();
    graph
}

fn build_graph(
    ctx: &ReadContext<'_>,
    found: &FoundProject,
    display: &str,
    reader: &str,
    lock: &Lockfile,
    mut entries: BTreeMap<String, LockEntry>,
) -> ProjectGraph {
    let root = ctx.root;
    let mut findings = Vec::new();

    // The root entry: present in v2/v3, synthesised for v1.
    let root_entry = entries.entry(String::new()).or_insert_with(|| LockEntry {
        name: lock.name.clone(),
        version: lock.version.clone(),
        ..LockEntry::default()
    });
    if root_entry.name.is_none() {
        root_entry.name = lock.name.clone().or_else(|| Some(dir_name(&found.dir)));
    }
    // v1 lockfiles do not record the root's own dependencies: take them from package.json.
    if root_entry.dependencies.is_empty()
        && root_entry.dev_dependencies.is_empty()
        && root_entry.optional_dependencies.is_empty()
        && found
            .manifest
            .file_name()
            .is_some_and(|n| n == "package.json")
        && let Ok(manifest) = package_json::read(ctx.input, &found.manifest)
    {
        root_entry.dependencies = manifest.dependencies.clone();
        root_entry.dev_dependencies = manifest.dev_dependencies.clone();
        root_entry.optional_dependencies = manifest.optional_dependencies.clone();
        root_entry.peer_dependencies = manifest.peer_dependencies.clone();
        if root_entry.license.is_none() {
            root_entry.license = manifest.license.clone();
        }
        if root_entry.workspaces.is_none() {
            root_entry.workspaces = manifest.workspaces.clone();
        }
    }

    // A refused glob is reported by discovery, which reads the same `workspaces`.
    let workspace_globs = {
        let patterns = entries
            .get("")
            .and_then(|e| e.workspaces.as_ref())
            .map(Workspaces::patterns)
            .unwrap_or_default();
        WorkspaceGlobs::compile(js_members(patterns)).globs
    };

    // Links resolve to the directory entry they stand for.
    let links: HashMap<&str, String> = entries
        .iter()
        .filter(|(_, e)| e.link)
        .filter_map(|(key, e)| {
            e.resolved
                .as_ref()
                .map(|r| (key.as_str(), normalise_link(r)))
        })
        .collect();

    // One package per non-link entry, deduplicated by (name, version, source).
    let mut packages: Vec<Package> = Vec::new();
    let mut index_of_key: HashMap<&str, usize> = HashMap::new();
    let mut index_of_identity: HashMap<(String, String, String), usize> = HashMap::new();
    let project_dir = &found.dir;

    let keys: Vec<&String> = entries
        .keys()
        .filter(|k| !links.contains_key(k.as_str()))
        .collect();
    let installed: Vec<Option<Installed>> = keys
        .par_iter()
        .map(|key| read_installed(ctx.input, project_dir, key))
        .collect();

    for (key, installed) in keys.into_iter().zip(installed) {
        let entry = &entries[key];
        let is_node_module = key.starts_with("node_modules/") || key.contains("/node_modules/");
        let name = entry
            .name
            .clone()
            .or_else(|| is_node_module.then(|| name_from_key(key).to_string()))
            .or_else(|| installed.as_ref().and_then(|i| i.manifest.name.clone()))
            .unwrap_or_else(|| name_from_key(key).to_string());
        let version = entry
            .version
            .clone()
            .or_else(|| installed.as_ref().and_then(|i| i.manifest.version.clone()))
            .unwrap_or_default();
        let (name, version) = unalias(name, version);
        let source = if key.is_empty() || !is_node_module {
            // Local packages are told apart by where they are in the audited tree, so that
            // two projects' roots with the same name and version stay two packages.
            PackageSource::Path {
                path: local_path(root, project_dir, key),
            }
        } else {
            source_of(entry.resolved.as_deref(), &version)
        };
        let identity = (name.clone(), version.clone(), source.identity());
        let index = match index_of_identity.get(&identity) {
            Some(&i) => {
                let existing = &mut packages[i];
                existing.source.absorb(&source);
                if existing.checksum.is_none() {
                    existing.checksum.clone_from(&entry.integrity);
                }
                // Another copy of the same package may carry the licence the first lacked.
                if let Some(declared) = lockfile_licence(entry, key, display)
                    && !existing.declared.iter().any(|d| d.raw == declared.raw)
                {
                    existing.declared.push(declared);
                }
                existing.scope = existing.scope.min(scope_of(entry));
                existing.optional &= entry.optional || entry.dev_optional;
                existing.peer &= entry.peer;
                i
            }
            None => {
                let mut package = new_package(&name, &version, source);
                package.scope = scope_of(entry);
                package.optional = entry.optional || entry.dev_optional;
                package.peer = entry.peer;
                package.checksum = entry.integrity.clone();
                package.root = key.is_empty()
                    || (!is_node_module
                        && workspace_globs
                            .as_ref()
                            .is_some_and(|g| g.is_match(Path::new(key.as_str()))));
                if let Some(installed) = &installed {
                    if installed.manifest.version.as_deref() == Some(version.as_str())
                        || installed.manifest.version.is_none()
                    {
                        package
                            .declared
                            .extend(installed.manifest.declared(&installed.display));
                        package.dir.clone_from(&installed.dir);
                    } else {
                        findings.push(
                            Finding::warning(
                                Code::PackageMetadataUnreadable,
                                crate::text!(
                                    "installed_differs",
                                    folder = installed.display,
                                    name = name,
                                    installed =
                                        installed.manifest.version.as_deref().unwrap_or("?"),
                                    lockfile = display,
                                    version = version
                                ),
                            )
                            .at(installed.display.clone(), None),
                        );
                    }
                }
                package
                    .declared
                    .extend(lockfile_licence(entry, key, display));
                if package.root && key.is_empty() && package.dir.is_none() {
                    package.dir = Some(project_dir.clone());
                }
                let i = packages.len();
                packages.push(package);
                index_of_identity.insert(identity, i);
                i
            }
        };
        if let Some(problem) = installed.as_ref().and_then(|i| i.problem.clone()) {
            findings.push(problem);
        }
        index_of_key.insert(key.as_str(), index);
    }
    for (link, target) in &links {
        if let Some(&index) = index_of_key.get(target.as_str()) {
            index_of_key.insert(link, index);
        }
    }

    // Edges, resolved the way Node.js looks up modules.
    let resolver = Resolver::new(&index_of_key);
    let mut edges: HashSet<(usize, Dependency)> = HashSet::new();
    for (key, entry) in &entries {
        if links.contains_key(key.as_str()) {
            continue;
        }
        let Some(&from) = index_of_key.get(key.as_str()) else {
            continue;
        };
        let is_project_package = key.is_empty() || packages[from].root;
        let groups: [(&BTreeMap<String, String>, DepKind); 4] = [
            (&entry.dependencies, DepKind::Normal),
            (&entry.optional_dependencies, DepKind::Optional),
            (&entry.peer_dependencies, DepKind::Peer),
            (&entry.dev_dependencies, DepKind::Dev),
        ];
        let mut missing: Vec<&str> = Vec::new();
        let search_path = resolver.search_path(key);
        for (deps, kind) in groups {
            // Only the project's own packages install their dev dependencies.
            if kind == DepKind::Dev && !is_project_package {
                continue;
            }
            for dep_name in deps.keys() {
                match resolver.resolve(&search_path, dep_name) {
                    Some(to) => {
                        let edge = Dependency { package: to, kind };
                        if to != from && edges.insert((from, edge)) {
                            packages[from].dependencies.push(edge);
                        }
                    }
                    // Optional and peer dependencies are legitimately absent.
                    None if matches!(kind, DepKind::Normal | DepKind::Dev) => {
                        missing.push(dep_name)
                    }
                    None => {}
                }
            }
        }
        if !missing.is_empty() {
            findings.push(unresolved_finding(key, &missing, display));
        }
    }

    let mut graph = ProjectGraph::new(ctx, found, reader);
    graph.packages = packages;
    graph.findings = findings;
    graph.set_roots();
    graph
}

/// The `license` a lockfile entry records, with where it was read.
fn lockfile_licence(entry: &LockEntry, key: &str, display: &str) -> Option<DeclaredLicence> {
    let raw = entry.license.as_ref()?.as_expression()?;
    Some(DeclaredLicence {
        raw,
        origin: Origin {
            file: display.to_string(),
            field: if key.is_empty() {
                "license".to_string()
            } else {
                format!("packages[\"{key}\"].license")
            },
        },
    })
}

fn unresolved_finding(key: &str, missing: &[&str], display: &str) -> Finding {
    let who = if key.is_empty() {
        "the project".to_string()
    } else {
        format!("`{key}`")
    };
    let list = missing
        .iter()
        .map(|m| format!("`{m}`"))
        .collect::<Vec<_>>()
        .join(", ");
    let finding = Finding::warning(
        Code::DependencyUnresolved,
        crate::text!(
            "requires_missing",
            who = who,
            list = list,
            lockfile = display
        ),
    )
    .at(display.to_string(), None);
    if is_outside_project(key) {
        // A `file:` package outside the project keeps its dependencies in its own lockfile.
        finding.note(crate::text!("note_local_package_outside", key = key))
    } else {
        finding
    }
}

/// Keys like `../shared/lib`: local packages that live outside the project directory.
fn is_outside_project(key: &str) -> bool {
    key == ".." || key.starts_with("../")
}

fn new_package(name: &str, version: &str, source: PackageSource) -> Package {
    Package::new(Ecosystem::Npm, name, version, source)
}

fn scope_of(entry: &LockEntry) -> Scope {
    // `devOptional` marks a package that is both a dev dependency and an optional dependency
    // of a production package: it can ship, so it is not dev-only.
    if entry.dev && !entry.dev_optional {
        Scope::Dev
    } else {
        Scope::Runtime
    }
}

/// Node.js's module look-up over the lockfile's keys: a package's dependency `name` is
/// `<dir>/node_modules/<name>` for the package's own directory, then for every enclosing one.
/// Node.js resolves from a package's real location, so a linked package outside the project
/// (`../lib`) never sees the project's own node_modules.
///
/// Keys are paths of any length in a hostile lockfile, so nothing here formats or hashes a
/// candidate path per step of the walk: the directories that hold a node_modules entry get a
/// number once, each package's search path is worked out once (one pass over its key), and a
/// look-up hashes the dependency's name once.
struct Resolver<'a> {
    /// Every directory that has a `node_modules/<name>` key, numbered.
    dir_ids: HashMap<&'a str, u32>,
    /// The lengths of those directories: most ancestors of a long key are not one of them,
    /// and are passed over without hashing their path.
    dir_lengths: HashSet<usize>,
    /// Package name → directory number → the package's index.
    by_name: HashMap<&'a str, HashMap<u32, usize>>,
}

impl<'a> Resolver<'a> {
    fn new(index_of_key: &HashMap<&'a str, usize>) -> Self {
        let mut resolver = Resolver {
            dir_ids: HashMap::new(),
            dir_lengths: HashSet::new(),
            by_name: HashMap::new(),
        };
        for (&key, &index) in index_of_key {
            let Some((dir, name)) = split_key(key) else {
                continue;
            };
            let next = resolver.dir_ids.len() as u32;
            let id = *resolver.dir_ids.entry(dir).or_insert(next);
            resolver.dir_lengths.insert(dir.len());
            resolver.by_name.entry(name).or_default().insert(id, index);
        }
        resolver
    }

    /// The directories whose node_modules the package at `from_key` searches, nearest first.
    fn search_path(&self, from_key: &str) -> Vec<u32> {
        let outside = is_outside_project(from_key);
        // Where `/node_modules/` starts in the key, overlapping occurrences included (the
        // walk below jumps to the last one inside the current directory).
        let boundaries: Vec<usize> = from_key
            .match_indices('/')
            .map(|(at, _)| at)
            .filter(|&at| from_key[at..].starts_with(NODE_MODULES_INSIDE))
            .collect();
        let mut usable = boundaries.len();
        let mut path = Vec::new();
        let mut dir = from_key;
        loop {
            if outside && !is_outside_project(dir) {
                break;
            }
            if self.dir_lengths.contains(&dir.len())
                && let Some(&id) = self.dir_ids.get(dir)
            {
                path.push(id);
            }
            if dir.is_empty() {
                break;
            }
            // The parent, as `parent_dir` has it, without searching the whole key again.
            while usable > 0 && boundaries[usable - 1] + NODE_MODULES_INSIDE.len() > dir.len() {
                usable -= 1;
            }
            dir = if usable > 0 {
                &dir[..boundaries[usable - 1]]
            } else if dir.starts_with("node_modules/") {
                ""
            } else {
                match dir.rfind('/') {
                    Some(index) => &dir[..index],
                    None => "",
                }
            };
        }
        path
    }

    /// The package `name` resolves to along `search_path`.
    fn resolve(&self, search_path: &[u32], name: &str) -> Option<usize> {
        let by_dir = self.by_name.get(name)?;
        search_path.iter().find_map(|id| by_dir.get(id).copied())
    }
}

const NODE_MODULES_INSIDE: &str = "/node_modules/";

/// `a/node_modules/@s/b` → (`a`, `@s/b`); `node_modules/b` → (``, `b`); None for a key that is
/// not inside a node_modules directory.
fn split_key(key: &str) -> Option<(&str, &str)> {
    let (at, _) = key
        .rmatch_indices("node_modules/")
        .find(|&(at, _)| at == 0 || key.as_bytes()[at - 1] == b'/')?;
    let dir = if at == 0 { "" } else { &key[..at - 1] };
    Some((dir, &key[at + "node_modules/".len()..]))
}

/// `node_modules/@scope/name` → `@scope/name`.
fn name_from_key(key: &str) -> &str {
    match key.rfind("node_modules/") {
        Some(index) => &key[index + "node_modules/".len()..],
        None => key.rsplit('/').next().unwrap_or(key),
    }
}

/// npm aliases (`"foo": "npm:bar@1.2.3"`) appear as version `npm:bar@1.2.3` in v1 lockfiles.
fn unalias(name: String, version: String) -> (String, String) {
    if let Some(spec) = version.strip_prefix("npm:")
        && let Some(at) = spec.rfind('@').filter(|&i| i > 0)
    {
        return (spec[..at].to_string(), spec[at + 1..].to_string());
    }
    (name, version)
}

fn normalise_link(resolved: &str) -> String {
    resolved
        .trim_start_matches("file:")
        .trim_start_matches("./")
        .trim_end_matches('/')
        .to_string()
}

/// Where an installed package came from, judged from the lockfile's `resolved` URL alone.
fn source_of(resolved: Option<&str>, version: &str) -> PackageSource {
    let Some(resolved) = resolved else {
        return PackageSource::Registry { url: None };
    };
    if resolved.starts_with("git+")
        || resolved.starts_with("git:")
        || resolved.starts_with("github:")
    {
        PackageSource::Git {
            url: resolved.to_string(),
        }
    } else if let Some(path) = resolved.strip_prefix("file:") {
        PackageSource::Path {
            path: path.to_string(),
        }
    } else if resolved.contains("/-/") && resolved.ends_with(&format!("-{version}.tgz")) {
        // The registry tarball layout: <registry>/<name>/-/<basename>-<version>.tgz
        PackageSource::Registry {
            url: Some(resolved.to_string()),
        }
    } else {
        PackageSource::Url {
            url: resolved.to_string(),
        }
    }
}

/// A package's installed copy under node_modules.
struct Installed {
    /// The package's directory, when its package.json was read from inside the tree.
    dir: Option<std::path::PathBuf>,
    display: String,
    manifest: Manifest,
    problem: Option<Finding>,
}

/// Reads `<project>/<key>/package.json` when the package is installed inside the tree. Keys
/// are the lockfile's: `node_modules/../../x` or `/abs/x` lead outside and are refused, as are
/// links out of the tree (workspaces, `npm link`) and special files.
fn read_installed(input: &Confined, project_dir: &Path, key: &str) -> Option<Installed> {
    if key.is_empty() {
        return None;
    }
    let dir = project_dir.join(key);
    let path = dir.join("package.json");
    let display = input.display(&path);
    match package_json::read(input, &path) {
        Ok(manifest) => Some(Installed {
            dir: Some(dir),
            display,
            manifest,
            problem: None,
        }),
        Err(package_json::ReadError::Refused(refusal)) if refusal.is_missing() => None,
        Err(package_json::ReadError::Refused(refusal)) => Some(Installed {
            dir: None,
            display,
            manifest: Manifest::default(),
            problem: Some(Finding::refused_as(&refusal, Severity::Warning)),
        }),
        Err(package_json::ReadError::Invalid(err)) => Some(Installed {
            dir: Some(dir),
            display: display.clone(),
            manifest: Manifest::default(),
            problem: Some(
                Finding::warning(
                    Code::PackageMetadataUnreadable,
                    crate::text!(
                        "installed_invalid_json",
                        file = display,
                        error = json_error(&err),
                        line = err.line()
                    ),
                )
                .at(display.clone(), None),
            ),
        }),
    }
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Lockfile {
    name: Option<String>,
    version: Option<String>,
    lockfile_version: Option<serde_json::Value>,
    packages: Option<BTreeMap<String, LockEntry>>,
    dependencies: Option<BTreeMap<String, V1Entry>>,
}

/// An entry of `packages` (v2, v3).
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
struct LockEntry {
    name: Option<String>,
    version: Option<String>,
    resolved: Option<String>,
    integrity: Option<String>,
    #[serde(default)]
    link: bool,
    #[serde(default)]
    dev: bool,
    #[serde(default)]
    optional: bool,
    #[serde(default)]
    dev_optional: bool,
    #[serde(default)]
    peer: bool,
    license: Option<LicenceField>,
    #[serde(default, deserialize_with = "lenient_map")]
    dependencies: BTreeMap<String, String>,
    #[serde(default, deserialize_with = "lenient_map")]
    optional_dependencies: BTreeMap<String, String>,
    #[serde(default, deserialize_with = "lenient_map")]
    peer_dependencies: BTreeMap<String, String>,
    #[serde(default, deserialize_with = "lenient_map")]
    dev_dependencies: BTreeMap<String, String>,
    workspaces: Option<Workspaces>,
}

/// An entry of the nested `dependencies` tree (v1).
#[derive(Debug, Default, Clone, Deserialize)]
struct V1Entry {
    version: Option<String>,
    resolved: Option<String>,
    integrity: Option<String>,
    #[serde(default)]
    dev: bool,
    #[serde(default)]
    optional: bool,
    #[serde(default)]
    peer: bool,
    #[serde(default, deserialize_with = "lenient_map")]
    requires: BTreeMap<String, String>,
    #[serde(default)]
    dependencies: BTreeMap<String, V1Entry>,
}

/// Turns the v1 tree into v2-style path keys.
fn flatten_v1(lock: &Lockfile) -> BTreeMap<String, LockEntry> {
    fn walk(prefix: &str, deps: &BTreeMap<String, V1Entry>, out: &mut BTreeMap<String, LockEntry>) {
        for (name, entry) in deps {
            let key = if prefix.is_empty() {
                format!("node_modules/{name}")
            } else {
                format!("{prefix}/node_modules/{name}")
            };
            let (real_name, version) = match &entry.version {
                Some(v) if v.starts_with("npm:") => {
                    let (n, v) = unalias(name.clone(), v.clone());
                    (Some(n), Some(v))
                }
                other => (None, other.clone()),
            };
            out.insert(
                key.clone(),
                LockEntry {
                    name: real_name,
                    version,
                    resolved: entry.resolved.clone(),
                    integrity: entry.integrity.clone(),
                    dev: entry.dev,
                    optional: entry.optional,
                    peer: entry.peer,
                    dependencies: entry.requires.clone(),
                    ..LockEntry::default()
                },
            );
            walk(&key, &entry.dependencies, out);
        }
    }
    let mut out = BTreeMap::new();
    if let Some(deps) = &lock.dependencies {
        walk("", deps, &mut out);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The directory whose node_modules Node.js searches next after `dir`'s own.
    fn parent_dir(dir: &str) -> &str {
        if let Some(index) = dir.rfind(NODE_MODULES_INSIDE) {
            &dir[..index]
        } else if dir.starts_with("node_modules/") {
            ""
        } else {
            match dir.rfind('/') {
                Some(index) => &dir[..index],
                None => "",
            }
        }
    }

    /// What the resolver must answer, written the obvious way: every step of the walk formats
    /// the candidate key and looks it up (quadratic in a key's length, which is why the
    /// resolver does not do it).
    fn reference_resolve(
        index_of_key: &HashMap<&str, usize>,
        from: &str,
        name: &str,
    ) -> Option<usize> {
        let outside = is_outside_project(from);
        let mut dir = from;
        loop {
            if outside && !is_outside_project(dir) {
                return None;
            }
            let candidate = if dir.is_empty() {
                format!("node_modules/{name}")
            } else {
                format!("{dir}/node_modules/{name}")
            };
            if let Some(&index) = index_of_key.get(candidate.as_str()) {
                return Some(index);
            }
            if dir.is_empty() {
                return None;
            }
            dir = parent_dir(dir);
        }
    }

    fn resolve(index_of_key: &HashMap<&str, usize>, from: &str, name: &str) -> Option<usize> {
        let resolver = Resolver::new(index_of_key);
        resolver.resolve(&resolver.search_path(from), name)
    }

    #[test]
    fn node_resolution_walks_up_enclosing_node_modules() {
        let keys = [
            "node_modules/a",
            "node_modules/b",
            "node_modules/a/node_modules/b",
            "node_modules/@s/c",
        ];
        let index: HashMap<&str, usize> = keys.iter().enumerate().map(|(i, k)| (*k, i)).collect();
        assert_eq!(resolve(&index, "node_modules/a", "b"), Some(2));
        assert_eq!(resolve(&index, "node_modules/@s/c", "b"), Some(1));
        assert_eq!(
            resolve(&index, "node_modules/a/node_modules/b", "@s/c"),
            Some(3)
        );
        assert_eq!(resolve(&index, "", "a"), Some(0));
        assert_eq!(resolve(&index, "packages/x", "b"), Some(1));
        assert_eq!(resolve(&index, "", "missing"), None);
    }

    #[test]
    fn the_resolver_answers_as_the_step_by_step_walk_does() {
        let keys = [
            "",
            "node_modules/a",
            "node_modules/b",
            "node_modules/a/node_modules/b",
            "node_modules/a/node_modules/@s/c",
            "node_modules/@s/c",
            "node_modules/@s/c/node_modules/a",
            "packages/x",
            "packages/x/node_modules/b",
            "packages/x/sub/node_modules/a",
            "packages/x/sub",
            "../lib",
            "../lib/node_modules/b",
            "../node_modules/a",
            "../../other/node_modules/c",
            "node_modules/node_modules/b",
            "node_modules/a/node_modules/node_modules/a",
            "xnode_modules/b",
            "packages/x/node_modules/a/deep/node_modules/b",
        ];
        let index: HashMap<&str, usize> = keys.iter().enumerate().map(|(i, k)| (*k, i)).collect();
        let resolver = Resolver::new(&index);
        let names = [
            "a",
            "b",
            "@s/c",
            "c",
            "node_modules/b",
            "sub",
            "missing",
            "",
        ];
        let mut froms: Vec<&str> = keys.to_vec();
        froms.extend([
            "packages",
            "packages/x/sub/deeper",
            "../lib/src",
            "..",
            "node_modules",
        ]);
        for from in froms {
            let path = resolver.search_path(from);
            for name in names {
                if name.contains("node_modules/") {
                    // A dependency named like a path: the walk may build a key out of it,
                    // the resolver never resolves it (no package has such a name).
                    assert_eq!(resolver.resolve(&path, name), None, "{from} → {name}");
                    continue;
                }
                assert_eq!(
                    resolver.resolve(&path, name),
                    reference_resolve(&index, from, name),
                    "{from} → {name}"
                );
            }
        }
    }

    /// The fuzz finding `npm-lockfile`, seed 19: a key of 250 KB made of 35,000 path segments
    /// took 48 s of CPU in a debug build, every step of the walk formatting and hashing the
    /// rest of the key.
    #[test]
    fn a_long_key_is_resolved_in_time_linear_in_its_length() {
        let keys = ["node_modules/x", "packages/node_modules/y"];
        let index: HashMap<&str, usize> = keys.iter().enumerate().map(|(i, k)| (*k, i)).collect();
        let resolver = Resolver::new(&index);
        let key = |segments: usize| format!("packages{}/app", "/a".repeat(segments));
        let (small, large) = (key(4_000), key(16_000));
        crate::growth::assert_linear("the search path of a long key", &small, &large, |from| {
            let path = resolver.search_path(from);
            assert_eq!(resolver.resolve(&path, "x"), Some(0));
            assert_eq!(resolver.resolve(&path, "y"), Some(1));
        });
    }

    #[test]
    fn names_come_from_the_last_node_modules_segment() {
        assert_eq!(name_from_key("node_modules/a/node_modules/@s/b"), "@s/b");
        assert_eq!(name_from_key("node_modules/lodash"), "lodash");
    }

    #[test]
    fn aliases_resolve_to_the_real_package() {
        assert_eq!(
            unalias("foo".into(), "npm:@s/bar@1.2.3".into()),
            ("@s/bar".to_string(), "1.2.3".to_string())
        );
        assert_eq!(
            unalias("foo".into(), "1.0.0".into()),
            ("foo".to_string(), "1.0.0".to_string())
        );
    }

    #[test]
    fn registry_tarballs_are_told_apart_from_other_urls() {
        assert!(matches!(
            source_of(
                Some("https://npm.registry.example/a/-/a-1.0.0.tgz"),
                "1.0.0"
            ),
            PackageSource::Registry { .. }
        ));
        assert!(matches!(
            source_of(
                Some("https://git.example/x/-/archive/2.0/x-2.0.tar.gz"),
                "1.0.0"
            ),
            PackageSource::Url { .. }
        ));
        assert!(matches!(
            source_of(Some("git+ssh://git@git.example/x.git#abc"), "1.0.0"),
            PackageSource::Git { .. }
        ));
    }
}
