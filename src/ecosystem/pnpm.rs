//! pnpm: pnpm-lock.yaml, lockfile versions 5.x (pnpm 6 and 7), 6.x (pnpm 8) and 9.x (pnpm 9
//! and 10).
//!
//! The lockfile lists the workspace's projects under `importers` (the root is `.`), and every
//! installed package once per *snapshot*: a package at one version, resolved with one set of
//! peer dependencies. The formats differ in how they spell a snapshot:
//!
//! | version | key                         | peers suffix           | package metadata        |
//! |---------|-----------------------------|------------------------|-------------------------|
//! | 5.x     | `/name/1.2.3`               | `_react@18.2.0`        | in `packages`           |
//! | 6.x     | `/name@1.2.3`               | `(react@18.2.0)`       | in `packages`           |
//! | 9.x     | `name@1.2.3`                | `(react@18.2.0)`       | `packages` + `snapshots`|
//!
//! Each snapshot is a node of the graph while scopes are computed; nodes are then joined into
//! one package per name, version and source, so that purls carry clean versions (no peer
//! suffix) and a package resolved twice with different peers is one package with the edges of
//! both. Importers are the project's own packages (`root`); `link:` versions point at another
//! importer, or at a local directory outside the workspace.
//!
//! Scopes come from the `dev` flags of 5.x and 6.x entries where present, otherwise (9.x) from
//! walking the graph from the importers (`devDependencies` edges are dev). `optional` is the
//! lockfile's own flag.
//!
//! pnpm lockfiles record no licences. The project's own packages take theirs from their
//! package.json; other packages from their installed copy under `node_modules/.pnpm`, when
//! the project is installed inside the audited tree, and are otherwise unresolved (L009).
//!
//! The helpers shared with the yarn reader (YAML, sources, installed copies) live here too;
//! package.json is read by `package_json`.

use super::local_path;
use super::package_json::{self, Manifest};
use super::{ProjectGraph, ReadContext, scopes_from_edges};
use crate::diagnostic::{Code, Finding, Severity};
use crate::discover::FoundProject;
use crate::model::{DepKind, Dependency, Ecosystem, Package, PackageSource, Scope};
use crate::source::{Confined, Limit};
use rayon::prelude::*;
use serde::Deserialize;
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

/// Why dependencies of a pnpm project carry no licence.
const NO_LICENCES: &str = "pnpm-lock.yaml records no licences";

/// Reads one pnpm project.
pub fn read(ctx: &ReadContext<'_>, found: &FoundProject) -> ProjectGraph {
    let Some(lockfile) = &found.lockfile else {
        return ProjectGraph::lockfile_missing(ctx, found, "pnpm-lock.yaml");
    };
    let (display, text) =
        match ProjectGraph::read_input(ctx, found, lockfile, Limit::LOCKFILE, "pnpm-lock.yaml") {
            Ok(read) => read,
            Err(failed) => return *failed,
        };
    match parse(&text, &display) {
        Ok((format, version, mut lock)) => {
            let reader = format!("pnpm-lock.yaml v{version}");
            build_graph(ctx, found, &display, &reader, format, &mut lock)
        }
        Err(finding) => ProjectGraph::failed(ctx, found, "pnpm-lock.yaml", *finding),
    }
}

/// The three families of the lockfile format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Format {
    V5,
    V6,
    V9,
}

/// Checks the version and parses the lockfile. pnpm 10 may write two YAML documents into the
/// file (its own environment first); the last one is the project's.
fn parse(text: &str, display: &str) -> Result<(Format, String, Lockfile), Box<Finding>> {
    let (document, offset) = last_document(text);
    let version_line = document
        .lines()
        .position(|l| l.starts_with("lockfileVersion:"));
    let version = version_line.map(|i| {
        let line = document.lines().nth(i).unwrap_or_default();
        unquote(line["lockfileVersion:".len()..].trim()).to_string()
    });
    let format = version
        .as_deref()
        .and_then(|v| match v.split('.').next().unwrap_or_default() {
            "5" => Some(Format::V5),
            "6" => Some(Format::V6),
            "9" => Some(Format::V9),
            _ => None,
        });
    let unsupported = |shown: crate::diagnostic::Text, line: Option<usize>| {
        Box::new(
            Finding::error(
                Code::LockfileVersionUnsupported,
                crate::text!("pnpm_lock_version", file = display).sub("shown", shown),
            )
            .at(display.to_string(), line)
            .note(crate::diagnostic::Text::new("pnpm_regenerate")),
        )
    };
    if let (Some(version), None) = (&version, format) {
        return Err(unsupported(
            crate::text!("lockfile_version_shown", version = version),
            version_line.map(|i| i + 1 + offset),
        ));
    }
    let lock: Lockfile = parse_yaml(document, display, offset, "a valid pnpm lockfile")?;
    match (format, version) {
        (Some(format), Some(version)) => Ok((format, version, lock)),
        _ => Err(unsupported(
            crate::text!("no_field", field = "lockfileVersion"),
            None,
        )),
    }
}

/// The last YAML document of `text` and the number of lines before it.
fn last_document(text: &str) -> (&str, usize) {
    let mut start = 0;
    let mut line_offset = 0;
    let mut line = 0;
    let mut position = 0;
    for piece in text.split_inclusive('\n') {
        line += 1;
        position += piece.len();
        if piece.trim_end() == "---" {
            let rest = &text[position..];
            if rest.trim().is_empty() {
                break;
            }
            start = position;
            line_offset = line;
        }
    }
    (&text[start..], line_offset)
}

fn unquote(value: &str) -> &str {
    value
        .strip_prefix('\'')
        .and_then(|v| v.strip_suffix('\''))
        .or_else(|| value.strip_prefix('"').and_then(|v| v.strip_suffix('"')))
        .unwrap_or(value)
}

// ---------------------------------------------------------------------------------------------
// The lockfile

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Lockfile {
    importers: Option<BTreeMap<String, Importer>>,
    packages: Option<BTreeMap<String, PackageEntry>>,
    snapshots: Option<BTreeMap<String, Snapshot>>,
    /// Lockfiles of a single project (5.x, 6.x) keep the root importer's fields at the top.
    dependencies: Option<BTreeMap<String, ImporterDep>>,
    optional_dependencies: Option<BTreeMap<String, ImporterDep>>,
    dev_dependencies: Option<BTreeMap<String, ImporterDep>>,
}

impl Lockfile {
    /// The importers, with the root (`.`) first; a single project's fields make the root.
    fn importers(&mut self) -> Vec<(String, Importer)> {
        let mut list: Vec<(String, Importer)> = self
            .importers
            .take()
            .unwrap_or_default()
            .into_iter()
            .collect();
        if list.is_empty() {
            list.push((
                ".".to_string(),
                Importer {
                    dependencies: self.dependencies.take(),
                    optional_dependencies: self.optional_dependencies.take(),
                    dev_dependencies: self.dev_dependencies.take(),
                },
            ));
        }
        list.sort_by_key(|(path, _)| path != ".");
        list
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Importer {
    dependencies: Option<BTreeMap<String, ImporterDep>>,
    optional_dependencies: Option<BTreeMap<String, ImporterDep>>,
    dev_dependencies: Option<BTreeMap<String, ImporterDep>>,
}

impl Importer {
    /// Every dependency with the kind of its edge: production, optional, then dev.
    fn edges(&self) -> Vec<(&str, &str, DepKind)> {
        let mut out = Vec::new();
        for (deps, kind) in [
            (&self.dependencies, DepKind::Normal),
            (&self.optional_dependencies, DepKind::Optional),
            (&self.dev_dependencies, DepKind::Dev),
        ] {
            for (name, dep) in deps.iter().flatten() {
                out.push((name.as_str(), dep.version(), kind));
            }
        }
        out
    }
}

/// `name: 1.2.3` (5.x) or `name: {specifier: ^1.2.0, version: 1.2.3}` (6.x, 9.x).
#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum ImporterDep {
    Plain(String),
    Full { version: String },
}

impl ImporterDep {
    fn version(&self) -> &str {
        match self {
            ImporterDep::Plain(version) | ImporterDep::Full { version } => version,
        }
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct PackageEntry {
    resolution: Option<Resolution>,
    /// Set for packages whose key is not `name@version` (git, tarballs, directories).
    name: Option<String>,
    version: Option<String>,
    dependencies: Option<BTreeMap<String, String>>,
    optional_dependencies: Option<BTreeMap<String, String>>,
    peer_dependencies: Option<BTreeMap<String, String>>,
    /// 5.x, 6.x: true when only dev dependencies use the package, false when only production
    /// ones do; absent when both do.
    dev: Option<bool>,
    optional: Option<bool>,
}

/// 9.x: one resolved instance of a package.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Snapshot {
    dependencies: Option<BTreeMap<String, String>>,
    optional_dependencies: Option<BTreeMap<String, String>>,
    optional: Option<bool>,
}

#[derive(Debug, Default, Deserialize)]
struct Resolution {
    integrity: Option<String>,
    tarball: Option<String>,
    #[serde(rename = "type")]
    kind: Option<String>,
    repo: Option<String>,
    commit: Option<String>,
    directory: Option<String>,
}

// ---------------------------------------------------------------------------------------------
// Keys and versions

/// Splits a package key into name and version, the version still with its peer suffix:
/// `/@scope/name/1.2.3_peer@1` (5.x), `/@scope/name@1.2.3(peer@1)` (6.x),
/// `@scope/name@1.2.3(peer@1)` (9.x). `None` for keys of another shape (5.x and 6.x git and
/// tarball keys), whose entries carry `name` and `version`.
fn split_key(key: &str, format: Format) -> Option<(&str, &str)> {
    let key = key.strip_prefix('/').unwrap_or(key);
    let (name, version) = match format {
        Format::V5 => {
            let start = if key.starts_with('@') {
                key.find('/')? + 1
            } else {
                0
            };
            let slash = start + key[start..].find('/')?;
            (&key[..slash], &key[slash + 1..])
        }
        Format::V6 | Format::V9 => {
            let at = key.get(1..)?.find('@')? + 1;
            (&key[..at], &key[at + 1..])
        }
    };
    (!name.is_empty() && !version.is_empty()).then_some((name, version))
}

/// A version without its peer-dependency suffix: `1.2.3(react@18.2.0)` and `1.2.3_react@18.2.0`
/// are both 1.2.3. Only registry versions (starting with a digit) carry `_` suffixes.
fn strip_peers(version: &str) -> &str {
    let version = version.split('(').next().unwrap_or(version);
    if version.starts_with(|c: char| c.is_ascii_digit())
        && let Some(index) = version.find('_')
    {
        return &version[..index];
    }
    version
}

/// A 9.x snapshot key's `packages` key: the key without its peer suffix.
fn package_key(snapshot_key: &str) -> &str {
    snapshot_key.split('(').next().unwrap_or(snapshot_key)
}

/// The keys a dependency `name: reference` may be recorded under, most likely first: the
/// reference is usually a version (`1.2.3`, `1.2.3(react@18.2.0)`), but aliases and non-registry
/// packages give a whole key (`/ms/1.0.0`, `ms@1.0.0`, `github.com/...`).
fn candidate_keys(name: &str, reference: &str, format: Format) -> [String; 2] {
    let built = match format {
        Format::V5 => format!("/{name}/{reference}"),
        Format::V6 => format!("/{name}@{reference}"),
        Format::V9 => format!("{name}@{reference}"),
    };
    [built, reference.to_string()]
}

/// The directory pnpm installs a snapshot into under `node_modules/.pnpm`, as pnpm's
/// `depPathToFilename` computes it (names that pnpm shortens with a hash are not found).
fn store_dir_name(key: &str, format: Format) -> Option<String> {
    let key = key.strip_prefix('/').unwrap_or(key);
    let unescaped = if key.starts_with("file:") {
        key.replacen(':', "+", 1)
    } else {
        match format {
            Format::V5 => {
                let index = key.rfind('/')?;
                format!("{}@{}", &key[..index], &key[index + 1..])
            }
            Format::V6 | Format::V9 => key.to_string(),
        }
    };
    let mut name: String = unescaped
        .chars()
        .map(|c| match c {
            '\\' | '/' | ':' | '*' | '?' | '"' | '<' | '>' | '|' => '+',
            c => c,
        })
        .collect();
    if name.contains('(') {
        name = name
            .strip_suffix(')')
            .unwrap_or(&name)
            .replace(")(", "_")
            .replace(['(', ')'], "_");
    }
    (name.len() <= 120 && (name == name.to_lowercase() || name.starts_with("file+")))
        .then_some(name)
}

/// Joins `reference` (a `link:` path) to `base` (a path relative to the project), lexically.
fn join_relative(base: &str, reference: &str) -> String {
    let mut parts: Vec<&str> = if base == "." || base.is_empty() {
        Vec::new()
    } else {
        base.split('/').collect()
    };
    let mut ups = 0;
    for part in reference.split(['/', '\\']) {
        match part {
            "" | "." => {}
            ".." => {
                if parts.pop().is_none() {
                    ups += 1;
                }
            }
            other => parts.push(other),
        }
    }
    let mut out: Vec<&str> = vec![".."; ups];
    out.extend(parts);
    if out.is_empty() {
        ".".to_string()
    } else {
        out.join("/")
    }
}

// ---------------------------------------------------------------------------------------------
// The graph

/// What the reader knows of a node (a snapshot, importer or linked directory) besides its
/// package; nodes are joined into packages at the end.
struct Node {
    /// The lockfile key (importer path, snapshot key, or `link:` path), for messages.
    key: String,
    /// 5.x, 6.x: the `dev` flag.
    dev: Option<bool>,
    /// The importer path or linked directory (relative to the project) of local nodes.
    local: Option<String>,
    /// The directory name under `node_modules/.pnpm`, for installed copies.
    store_dir: Option<String>,
}

fn build_graph(
    ctx: &ReadContext<'_>,
    found: &FoundProject,
    display: &str,
    reader: &str,
    format: Format,
    lock: &mut Lockfile,
) -> ProjectGraph {
    let root = ctx.root;
    let project_dir = &found.dir;
    let mut findings = Vec::new();

    // Importers: the project's own packages.
    let importers = lock.importers();
    let lock = &*lock;
    let empty_packages = BTreeMap::new();
    let packages_map = lock.packages.as_ref().unwrap_or(&empty_packages);
    // Names that other importers link to an importer by, for importers without package.json.
    let mut link_names: HashMap<String, &str> = HashMap::new();
    for (path, importer) in &importers {
        for (name, reference, _) in importer.edges() {
            if let Some(target) = reference.strip_prefix("link:") {
                link_names
                    .entry(join_relative(path, target))
                    .or_insert(name);
            }
        }
    }

    // The graph of nodes: `packages[i]` and `nodes[i]` describe node i.
    let mut packages: Vec<Package> = Vec::new();
    let mut nodes: Vec<Node> = Vec::new();
    let mut importer_index: HashMap<String, usize> = HashMap::new();
    for (path, _) in &importers {
        let dir = local_dir(project_dir, path);
        let local = LocalPackage::read(ctx, &dir, link_names.get(path).copied());
        if let Some(problem) = &local.problem {
            findings.push(problem.clone());
        }
        let mut package = local.package(ctx.input, project_dir, path);
        package.root = true;
        importer_index.insert(path.to_string(), nodes.len());
        packages.push(package);
        nodes.push(Node {
            key: path.to_string(),
            dev: None,
            local: Some(path.to_string()),
            store_dir: None,
        });
    }

    // Snapshots: 9.x lists them apart from the package metadata; 5.x and 6.x in one.
    let empty_snapshots = BTreeMap::new();
    let snapshots = lock.snapshots.as_ref().unwrap_or(&empty_snapshots);
    let mut snapshot_keys: Vec<&str> = if format == Format::V9 {
        snapshots.keys().map(String::as_str).collect()
    } else {
        packages_map.keys().map(String::as_str).collect()
    };
    if format == Format::V9 {
        // Metadata without a snapshot still names a locked package.
        let mut seen: std::collections::HashSet<&str> =
            snapshot_keys.iter().map(|k| package_key(k)).collect();
        for key in packages_map.keys() {
            if seen.insert(key.as_str()) {
                snapshot_keys.push(key);
            }
        }
    }
    let mut key_index: HashMap<&str, usize> = HashMap::new();
    for key in &snapshot_keys {
        let entry = packages_map
            .get(package_key(key))
            .or_else(|| packages_map.get(*key));
        let snapshot = snapshots.get(*key);
        let parsed = split_key(key, format);
        let name = entry
            .and_then(|e| e.name.clone())
            .or_else(|| parsed.map(|(n, _)| n.to_string()))
            .unwrap_or_else(|| key.to_string());
        let version = entry
            .and_then(|e| e.version.clone())
            .or_else(|| parsed.map(|(_, v)| strip_peers(v).to_string()))
            .unwrap_or_default();
        let resolution = entry.and_then(|e| e.resolution.as_ref());
        let source = source_of(resolution, &version, root, project_dir);
        // `file:` directories: their package.json is read like a linked directory's.
        let local = match &source {
            PackageSource::Path { .. } => resolution
                .and_then(|r| r.directory.as_deref())
                .map(|d| join_relative(".", d)),
            _ => None,
        };
        let mut package = Package::new(Ecosystem::Npm, &name, &version, source);
        if let Some(path) = &local {
            let local = LocalPackage::read(ctx, &local_dir(project_dir, path), Some(&name));
            if let Some(problem) = &local.problem {
                findings.push(problem.clone());
            }
            if let Some(manifest) = &local.manifest {
                package.declared = manifest.declared(&local.display);
                package.dir = local.package(ctx.input, project_dir, path).dir;
            }
        }
        package.checksum = resolution.and_then(|r| r.integrity.clone());
        package.optional = snapshot
            .and_then(|s| s.optional)
            .or_else(|| entry.and_then(|e| e.optional))
            .unwrap_or(false);
        package.licence_unavailable = Some(NO_LICENCES.to_string());
        key_index.insert(key, nodes.len());
        packages.push(package);
        nodes.push(Node {
            key: key.to_string(),
            dev: entry.and_then(|e| e.dev),
            local,
            store_dir: store_dir_name(key, format),
        });
    }

    // Edges.
    let mut links: HashMap<String, usize> = HashMap::new();
    let mut pending_links: Vec<(usize, String, String, DepKind)> = Vec::new();
    let mut edges: Vec<(usize, usize, DepKind)> = Vec::new();
    let mut missing: BTreeMap<usize, Vec<String>> = BTreeMap::new();
    let mut resolve = |from: usize,
                       base: &str,
                       name: &str,
                       reference: &str,
                       kind: DepKind,
                       edges: &mut Vec<(usize, usize, DepKind)>| {
        if let Some(target) = reference.strip_prefix("link:") {
            let path = join_relative(base, target);
            match importer_index.get(&path) {
                Some(&to) => edges.push((from, to, kind)),
                None => pending_links.push((from, path, name.to_string(), kind)),
            }
            return;
        }
        let found = candidate_keys(name, reference, format)
            .iter()
            .find_map(|k| key_index.get(k.as_str()).copied());
        match found {
            Some(to) => edges.push((from, to, kind)),
            // Optional and peer dependencies may legitimately be absent.
            None if matches!(kind, DepKind::Normal | DepKind::Dev) => {
                missing.entry(from).or_default().push(name.to_string())
            }
            None => {}
        }
    };
    for (path, importer) in &importers {
        let from = importer_index[path];
        for (name, reference, kind) in importer.edges() {
            resolve(from, path, name, reference, kind, &mut edges);
        }
    }
    for key in &snapshot_keys {
        let from = key_index[key];
        let entry = packages_map
            .get(package_key(key))
            .or_else(|| packages_map.get(*key));
        let peers = entry.and_then(|e| e.peer_dependencies.as_ref());
        let (deps, optional_deps) = if format == Format::V9 {
            let snapshot = snapshots.get(*key);
            (
                snapshot.and_then(|s| s.dependencies.as_ref()),
                snapshot.and_then(|s| s.optional_dependencies.as_ref()),
            )
        } else {
            (
                entry.and_then(|e| e.dependencies.as_ref()),
                entry.and_then(|e| e.optional_dependencies.as_ref()),
            )
        };
        for (deps, default_kind) in [(deps, DepKind::Normal), (optional_deps, DepKind::Optional)] {
            for (name, reference) in deps.into_iter().flatten() {
                let kind = if peers.is_some_and(|p| p.contains_key(name)) {
                    DepKind::Peer
                } else {
                    default_kind
                };
                resolve(from, ".", name, reference, kind, &mut edges);
            }
        }
    }
    // Links to directories that are not importers: local packages of their own.
    for (from, path, name, kind) in pending_links {
        let to = match links.get(&path) {
            Some(&to) => to,
            None => {
                let dir = local_dir(project_dir, &path);
                let local = LocalPackage::read(ctx, &dir, Some(&name));
                if let Some(problem) = &local.problem {
                    findings.push(problem.clone());
                }
                let mut package = local.package(ctx.input, project_dir, &path);
                if package.declared.is_empty() {
                    package.licence_unavailable = Some(NO_LICENCES.to_string());
                }
                let to = nodes.len();
                packages.push(package);
                nodes.push(Node {
                    key: format!("link:{path}"),
                    dev: None,
                    local: Some(path.clone()),
                    store_dir: None,
                });
                links.insert(path, to);
                to
            }
        };
        edges.push((from, to, kind));
    }
    let mut added = crate::model::EdgeSet::of(&packages);
    for (from, to, kind) in edges {
        added.add(&mut packages, from, Dependency { package: to, kind });
    }
    for (from, names) in missing {
        let who = if packages[from].root {
            format!("importer `{}`", nodes[from].key)
        } else {
            format!("`{}`", nodes[from].key)
        };
        findings.push(ProjectGraph::dependencies_missing(&who, &names, display));
    }

    // Scopes and flags, per node.
    let roots: Vec<usize> = (0..packages.len()).filter(|&i| packages[i].root).collect();
    let walked = scopes_from_edges(&packages, &roots);
    let peer_only = peer_only(&packages);
    for (index, (package, node)) in packages.iter_mut().zip(&nodes).enumerate() {
        package.scope = match node.dev {
            Some(true) if !package.root => Scope::Dev,
            Some(false) => Scope::Runtime,
            _ => walked[index],
        };
        package.peer = peer_only[index];
    }

    // Installed copies: node_modules/.pnpm/<dir>/node_modules/<name>/package.json.
    let store = project_dir.join("node_modules").join(".pnpm");
    if ctx.input.is_dir(&store) {
        let installed: Vec<Option<Installed>> = packages
            .par_iter()
            .zip(&nodes)
            .map(|(package, node)| {
                if node.local.is_some() || package.root {
                    return None;
                }
                let name = &package.name;
                let plain = format!("{name}@{}", package.version).replace('/', "+");
                std::iter::once(plain)
                    .chain(node.store_dir.clone())
                    .find_map(|dir| {
                        read_installed(ctx.input, &store.join(dir).join("node_modules").join(name))
                    })
            })
            .collect();
        for (package, installed) in packages.iter_mut().zip(installed) {
            if let Some(installed) = installed {
                installed.apply(package, display, &mut findings);
            }
        }
    }

    let mut graph = ProjectGraph::new(ctx, found, reader);
    graph.packages = join_packages(packages);
    graph.findings = findings;
    graph.set_roots();
    graph
}

/// For each node, whether every edge into it is a peer edge (and there is one).
fn peer_only(packages: &[Package]) -> Vec<bool> {
    let mut incoming = vec![(0usize, 0usize); packages.len()];
    for package in packages {
        for dep in &package.dependencies {
            incoming[dep.package].0 += 1;
            if dep.kind == DepKind::Peer {
                incoming[dep.package].1 += 1;
            }
        }
    }
    incoming
        .into_iter()
        .map(|(all, peer)| all > 0 && all == peer)
        .collect()
}

/// Joins the nodes of a lockfile (snapshots, entries) into one package per name, version and
/// source: the smallest scope wins, flags hold only when they hold for every node, licences and
/// edges are united. Edges are indices into `nodes` before, into the result after.
pub(super) fn join_packages(nodes: Vec<Package>) -> Vec<Package> {
    let mut packages: Vec<Package> = Vec::with_capacity(nodes.len());
    let mut by_identity: HashMap<(String, String, String), usize> = HashMap::new();
    let mut mapping = Vec::with_capacity(nodes.len());
    let mut node_edges: Vec<Vec<Dependency>> = Vec::with_capacity(nodes.len());
    for mut package in nodes {
        node_edges.push(std::mem::take(&mut package.dependencies));
        let identity = (
            package.name.clone(),
            package.version.clone(),
            package.source.identity(),
        );
        let index = match by_identity.get(&identity) {
            Some(&index) => {
                let existing = &mut packages[index];
                existing.source.absorb(&package.source);
                existing.scope = existing.scope.min(package.scope);
                existing.optional &= package.optional;
                existing.peer &= package.peer;
                existing.root |= package.root;
                if existing.checksum.is_none() {
                    existing.checksum = package.checksum;
                }
                if existing.dir.is_none() {
                    existing.dir = package.dir;
                }
                for declared in package.declared {
                    if !existing.declared.contains(&declared) {
                        existing.declared.push(declared);
                    }
                }
                index
            }
            None => {
                let index = packages.len();
                packages.push(package);
                by_identity.insert(identity, index);
                index
            }
        };
        mapping.push(index);
    }
    let mut added = crate::model::EdgeSet::of(&packages);
    for (node, edges) in node_edges.into_iter().enumerate() {
        let from = mapping[node];
        for dep in edges {
            let edge = Dependency {
                package: mapping[dep.package],
                kind: dep.kind,
            };
            added.add(&mut packages, from, edge);
        }
    }
    packages
}

fn source_of(
    resolution: Option<&Resolution>,
    version: &str,
    root: &Path,
    project_dir: &Path,
) -> PackageSource {
    let Some(resolution) = resolution else {
        return PackageSource::Registry { url: None };
    };
    if resolution.kind.as_deref() == Some("git") || resolution.repo.is_some() {
        let repo = resolution.repo.clone().unwrap_or_default();
        return PackageSource::Git {
            url: match &resolution.commit {
                Some(commit) => format!("{repo}#{commit}"),
                None => repo,
            },
        };
    }
    if let Some(directory) = &resolution.directory {
        return PackageSource::Path {
            path: local_path(root, project_dir, directory),
        };
    }
    match &resolution.tarball {
        Some(tarball) => match tarball.strip_prefix("file:") {
            Some(path) => PackageSource::Path {
                path: local_path(root, project_dir, path),
            },
            None => source_of_url(tarball, version),
        },
        None => PackageSource::Registry { url: None },
    }
}

fn local_dir(project_dir: &Path, path: &str) -> PathBuf {
    if path == "." {
        project_dir.to_path_buf()
    } else {
        project_dir.join(path)
    }
}

// ---------------------------------------------------------------------------------------------
// Shared with the yarn reader

/// Parses YAML into `T`; a syntax or shape error becomes an input error naming the file and
/// line (`line_offset` lines precede `text` in the file).
pub(super) fn parse_yaml<'de, T: Deserialize<'de>>(
    text: &'de str,
    display: &str,
    line_offset: usize,
    what: &str,
) -> Result<T, Box<Finding>> {
    let options = serde_saphyr::options! {
        budget: serde_saphyr::budget! {
            max_events: 100_000_000,
            max_nodes: 50_000_000,
        },
        with_snippet: false,
    };
    serde_saphyr::from_str_with_options(text, options).map_err(|err| {
        let line = err
            .location()
            .map(|l| l.line() as usize)
            .filter(|&l| l > 0)
            .map(|l| l + line_offset);
        Box::new(
            Finding::error(
                Code::InputUnreadable,
                crate::text!("yaml_invalid", file = display, error = yaml_message(&err))
                    .sub("what", what_text(what)),
            )
            .at(display.to_string(), line),
        )
    })
}

/// The error's own words, without the position (reported separately) or a snippet.
fn yaml_message(err: &serde_saphyr::Error) -> String {
    let text = err.to_string();
    let first = text.lines().next().unwrap_or_default();
    let first = first.strip_prefix("error: ").unwrap_or(first);
    // "line 4 column 14: unclosed quote", or "tabs disallowed at line 60, column 2"
    let first = match first.strip_prefix("line ").and_then(|r| r.split_once(": ")) {
        Some((position, message)) if position.contains(" column ") => message,
        _ => first,
    };
    let first = match first.rfind(" at line ") {
        Some(index) if first[index..].contains(", column ") => &first[..index],
        _ => first,
    };
    first.to_string()
}

/// Where a package came from, judged from its download URL: registry tarballs
/// (`<registry>/<name>/-/<name>-<version>.tgz`), git repositories (also GitHub's tarball host,
/// which pnpm and yarn use for `github:` dependencies) and other URLs.
pub(super) fn source_of_url(url: &str, version: &str) -> PackageSource {
    if url.starts_with("git+")
        || url.starts_with("git:")
        || url.starts_with("git@")
        || url.starts_with("github:")
        || url.starts_with("ssh://")
        || url.starts_with("https://codeload.github.com/")
    {
        return PackageSource::Git {
            url: url.to_string(),
        };
    }
    // yarn v1 appends the tarball's sha1 as a fragment.
    let without_fragment = url.split('#').next().unwrap_or(url);
    if without_fragment.contains("/-/") && without_fragment.ends_with(&format!("-{version}.tgz")) {
        PackageSource::Registry {
            url: Some(without_fragment.to_string()),
        }
    } else if without_fragment.ends_with(".git") {
        PackageSource::Git {
            url: url.to_string(),
        }
    } else {
        PackageSource::Url {
            url: url.to_string(),
        }
    }
}

/// One of the project's own packages (an importer, a workspace) or a linked directory, read
/// from its package.json.
pub(super) struct LocalPackage {
    pub(super) dir: PathBuf,
    pub(super) display: String,
    pub(super) manifest: Option<Manifest>,
    /// The name to use when package.json gives none.
    fallback_name: String,
    pub(super) problem: Option<Finding>,
}

impl LocalPackage {
    /// Reads `dir/package.json` when it exists inside the audited tree.
    pub(super) fn read(ctx: &ReadContext<'_>, dir: &Path, name_hint: Option<&str>) -> LocalPackage {
        let path = dir.join("package.json");
        let display = ctx.display(&path);
        let fallback_name = name_hint.map(str::to_string).unwrap_or_else(|| {
            dir.file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_else(|| "project".to_string())
        });
        let mut local = LocalPackage {
            dir: dir.to_path_buf(),
            display: display.clone(),
            manifest: None,
            fallback_name,
            problem: None,
        };
        match package_json::read(ctx.input, &path) {
            Ok(manifest) => local.manifest = Some(manifest),
            Err(package_json::ReadError::Refused(refusal)) if refusal.is_missing() => {
                local.problem = Some(
                    Finding::warning(
                        Code::PackageMetadataUnreadable,
                        crate::text!(
                            "local_manifest_missing",
                            file = display,
                            name = local.fallback_name
                        ),
                    )
                    .at(display, None),
                );
            }
            Err(package_json::ReadError::Refused(refusal)) => {
                local.problem = Some(Finding::refused_as(&refusal, Severity::Warning));
            }
            Err(err) => {
                local.problem = Some(
                    Finding::warning(Code::PackageMetadataUnreadable, err.message(&display))
                        .at(display, err.line()),
                );
            }
        }
        local
    }

    pub(super) fn name(&self) -> String {
        self.manifest
            .as_ref()
            .and_then(|m| m.name.clone())
            .unwrap_or_else(|| self.fallback_name.clone())
    }

    pub(super) fn version(&self) -> String {
        self.manifest
            .as_ref()
            .and_then(|m| m.version.clone())
            .unwrap_or_default()
    }

    /// The package, its source the directory (`path` relative to the project), its licence the
    /// one package.json declares, its files the directory's when it is inside the tree.
    pub(super) fn package(&self, input: &Confined, project_dir: &Path, path: &str) -> Package {
        let mut package = Package::new(
            Ecosystem::Npm,
            &self.name(),
            &self.version(),
            PackageSource::Path {
                path: local_path(input.root(), project_dir, path),
            },
        );
        if let Some(manifest) = &self.manifest {
            package.declared = manifest.declared(&self.display);
        }
        if input.is_dir(&self.dir) {
            package.dir = Some(self.dir.clone());
        }
        package
    }
}

/// A package's installed copy, read from its package.json.
pub(super) struct Installed {
    dir: PathBuf,
    display: String,
    manifest: Manifest,
}

impl Installed {
    pub(super) fn name(&self) -> Option<&str> {
        self.manifest.name.as_deref()
    }

    pub(super) fn version(&self) -> Option<&str> {
        self.manifest.version.as_deref()
    }

    /// Takes the installed copy's licence and files as evidence, when it is the locked version.
    pub(super) fn apply(self, package: &mut Package, lockfile: &str, findings: &mut Vec<Finding>) {
        match &self.manifest.version {
            Some(version) if *version != package.version => findings.push(
                Finding::warning(
                    Code::PackageMetadataUnreadable,
                    crate::text!(
                        "installed_differs",
                        folder = self.display,
                        name = package.name,
                        installed = version,
                        lockfile = lockfile,
                        version = package.version
                    ),
                )
                .at(self.display.clone(), None),
            ),
            _ => {
                for declared in self.manifest.declared(&self.display) {
                    if !package.declared.contains(&declared) {
                        package.declared.push(declared);
                    }
                }
                package.dir = Some(self.dir);
            }
        }
    }
}

/// Reads `dir/package.json` of an installed package, when it exists and resolves inside the
/// audited tree (installed packages are often symbolic links). Unreadable or refused copies
/// are skipped.
pub(super) fn read_installed(input: &Confined, dir: &Path) -> Option<Installed> {
    let path = dir.join("package.json");
    let manifest = package_json::read(input, &path).ok()?;
    Some(Installed {
        dir: dir.to_path_buf(),
        display: input.display(&path),
        manifest,
    })
}

/// For each package, whether it is installed only as an optional dependency: no root reaches it
/// through edges other than optional ones. Packages no root reaches are not optional.
pub(super) fn optional_from_edges(packages: &[Package], roots: &[usize]) -> Vec<bool> {
    let mut required = vec![false; packages.len()];
    let mut reached = vec![false; packages.len()];
    let mut work: Vec<(usize, bool)> = roots.iter().map(|&r| (r, true)).collect();
    while let Some((current, through_required)) = work.pop() {
        let seen = if through_required {
            &mut required[current]
        } else {
            &mut reached[current]
        };
        if *seen {
            continue;
        }
        *seen = true;
        reached[current] = true;
        for dep in &packages[current].dependencies {
            work.push((
                dep.package,
                through_required && dep.kind != DepKind::Optional,
            ));
        }
    }
    (0..packages.len())
        .map(|i| reached[i] && !required[i])
        .collect()
}

/// The 1-based line of the first line of `text` that starts with `prefix`.
pub(super) fn line_starting_with(text: &str, prefix: &str) -> Option<usize> {
    text.lines()
        .position(|l| l.starts_with(prefix))
        .map(|i| i + 1)
}

/// The words for `what` a YAML document should have been, in translatable form.
fn what_text(what: &str) -> crate::diagnostic::Text {
    match what {
        "a valid pnpm lockfile" => crate::diagnostic::Text::new("what_pnpm_lock"),
        "a valid yarn lockfile" => crate::diagnostic::Text::new("what_yarn_lock"),
        other => crate::diagnostic::Text::verbatim(other),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_of_every_format_split_into_name_and_version() {
        assert_eq!(
            split_key("/use-sync-external-store/1.2.0_react@18.2.0", Format::V5),
            Some(("use-sync-external-store", "1.2.0_react@18.2.0"))
        );
        assert_eq!(
            split_key("/@types/ms/0.7.34", Format::V5),
            Some(("@types/ms", "0.7.34"))
        );
        assert_eq!(
            split_key("/@types/ms@0.7.34", Format::V6),
            Some(("@types/ms", "0.7.34"))
        );
        assert_eq!(
            split_key("/a@1.0.0(@types/react@18.2.0)(react@18.2.0)", Format::V6),
            Some(("a", "1.0.0(@types/react@18.2.0)(react@18.2.0)"))
        );
        assert_eq!(
            split_key("@types/ms@0.7.34", Format::V9),
            Some(("@types/ms", "0.7.34"))
        );
        assert_eq!(
            split_key("foo@https://tarballs.example/foo.tgz", Format::V9),
            Some(("foo", "https://tarballs.example/foo.tgz"))
        );
        assert_eq!(
            split_key("github.com/kevva/is-negative/1d7e288", Format::V6),
            None
        );
    }

    #[test]
    fn peer_suffixes_are_stripped_from_versions() {
        assert_eq!(strip_peers("1.2.0_react@18.2.0"), "1.2.0");
        assert_eq!(strip_peers("1.2.0_@babel+core@7.0.0"), "1.2.0");
        assert_eq!(strip_peers("1.2.0(react@18.2.0)"), "1.2.0");
        assert_eq!(strip_peers("1.2.0(patch_hash=abc)"), "1.2.0");
        assert_eq!(strip_peers("1.0.0-rc.1"), "1.0.0-rc.1");
        assert_eq!(strip_peers("file:../a_b"), "file:../a_b");
        assert_eq!(package_key("a@1.0.0(b@2.0.0(c@3.0.0))"), "a@1.0.0");
    }

    #[test]
    fn dependency_references_give_candidate_keys() {
        assert_eq!(
            candidate_keys("ms", "2.1.3", Format::V5)[0],
            "/ms/2.1.3".to_string()
        );
        assert_eq!(
            candidate_keys("ms-one", "/ms/1.0.0", Format::V5)[1],
            "/ms/1.0.0"
        );
        assert_eq!(candidate_keys("ms", "2.1.3", Format::V6)[0], "/ms@2.1.3");
        assert_eq!(
            candidate_keys("a", "1.0.0(react@18.2.0)", Format::V9)[0],
            "a@1.0.0(react@18.2.0)"
        );
        assert_eq!(
            candidate_keys("ms-one", "ms@1.0.0", Format::V9)[1],
            "ms@1.0.0"
        );
    }

    #[test]
    fn store_directories_follow_pnpm() {
        assert_eq!(
            store_dir_name("use-sync-external-store@1.2.0(react@18.2.0)", Format::V9).as_deref(),
            Some("use-sync-external-store@1.2.0_react@18.2.0")
        );
        assert_eq!(
            store_dir_name("/a@1.0.0(@types/react@18.2.0)(react@18.2.0)", Format::V6).as_deref(),
            Some("a@1.0.0_@types+react@18.2.0_react@18.2.0")
        );
        assert_eq!(
            store_dir_name("/@types/ms/0.7.34", Format::V5).as_deref(),
            Some("@types+ms@0.7.34")
        );
        assert_eq!(store_dir_name("/Upper@1.0.0", Format::V6), None);
    }

    #[test]
    fn link_paths_are_joined_lexically() {
        assert_eq!(join_relative("packages/a", "../b"), "packages/b");
        assert_eq!(join_relative(".", "packages/b"), "packages/b");
        assert_eq!(join_relative("app", "../../shared"), "../shared");
        assert_eq!(join_relative("packages/a", ".."), "packages");
        assert_eq!(join_relative("a", ".."), ".");
    }

    #[test]
    fn a_second_yaml_document_is_the_project_lockfile() {
        let text = "---\nlockfileVersion: '9.0'\n\n---\nlockfileVersion: '9.0'\nimporters: {}\n";
        let (document, offset) = last_document(text);
        assert_eq!(offset, 4);
        assert!(document.starts_with("lockfileVersion: '9.0'\nimporters"));
        assert_eq!(last_document("a: 1\n"), ("a: 1\n", 0));
        assert_eq!(last_document("---\na: 1\n"), ("a: 1\n", 1));
    }

    #[test]
    fn urls_are_told_apart() {
        assert!(matches!(
            source_of_url("https://npm.registry.example/a/-/a-1.0.0.tgz#abc", "1.0.0"),
            PackageSource::Registry { url: Some(u) } if !u.contains('#')
        ));
        assert!(matches!(
            source_of_url("https://codeload.github.com/o/r/tar.gz/abc", "1.0.0"),
            PackageSource::Git { .. }
        ));
        assert!(matches!(
            source_of_url("https://tarballs.example/x.tgz", "1.0.0"),
            PackageSource::Url { .. }
        ));
    }
}
