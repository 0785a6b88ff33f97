//! Python: uv.lock, poetry.lock, Pipfile.lock, requirements files, Pipfile and pyproject.toml.
//!
//! One directory is one project (see `discover`): its lockfile (`uv.lock`, `poetry.lock` or
//! `Pipfile.lock`), its pyproject.toml, its requirements files and its Pipfile are read
//! together into one graph, packages deduplicated by PEP 503 name, version and source.
//!
//! - **uv.lock** (version 1, any revision) lists every package with its source, its
//!   `dependencies`, `optional-dependencies` (extras) and `dev-dependencies` (dependency groups).
//!   Packages whose source is `editable`, `virtual` or `workspace` inside the project are the
//!   project's own (roots); scopes follow the edges.
//! - **poetry.lock** (lock versions 1.x and 2.x) lists every package with its
//!   `[package.dependencies]`; Poetry 1 records `category = "main" | "dev"`, Poetry 2 `groups`,
//!   which give the scope; without either the scope follows the edges. The project itself is not
//!   in the lockfile: its package comes from pyproject.toml, with edges from its declared
//!   dependencies (`[project]`, `[tool.poetry]`, dependency groups).
//! - **Pipfile.lock** (spec 6): `default` (runtime) and `develop` (dev) sections, no edges
//!   between packages.
//! - **requirements files**: pinned lines (`name==1.2`, `name===1.2`) with `--hash`, extras,
//!   markers and continuation lines; `-r`/`-c` includes relative to the including file (never
//!   outside the audited tree, cycles read once); editable, VCS, URL and path requirements;
//!   unpinned lines are listed with `locked = false` and a finding (I010). Files whose name
//!   contains `dev` or `test` give dev scope.
//! - **pyproject.toml** alone (or a Pipfile without Pipfile.lock): the declared dependencies
//!   are listed, unlocked unless pinned with `==`.
//!
//! The project's own licence comes from pyproject.toml: `[project] license` (an SPDX expression
//! per PEP 639, or the older `{text = ...}` / `{file = ...}` table), `License ::` trove
//! classifiers, and Poetry's `[tool.poetry] license`; `license-files` are checked to exist and
//! left to licence detection in the project directory. Python lockfiles and requirements files
//! carry no licences: every dependency says so (`licence_unavailable`).

use super::{ProjectGraph, ReadContext, scopes_from_edges};
use super::{dir_name, json_error};
use crate::diagnostic::{Code, Finding, line_of_offset};
use crate::discover::{FoundProject, is_requirements_name};
use crate::model::{
    DeclaredLicence, DepKind, Dependency, Ecosystem, Origin, Package, PackageSource, Scope, pep503,
};
use crate::source::Limit;
use crate::source::confined::normalise;
use serde::Deserialize;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};

mod pyproject;
mod requirements;
use pyproject::*;
use requirements::*;

/// Reads one Python project.
pub fn read(ctx: &ReadContext<'_>, found: &FoundProject) -> ProjectGraph {
    Reader::new(ctx, found).run()
}

/// A dependency a manifest declares (pyproject.toml, Pipfile), before it is matched with a
/// locked package.
#[derive(Debug, Clone)]
struct DeclaredDep {
    name: String,
    /// The exact version when the declaration pins one.
    pin: Option<String>,
    /// The declaration as written, for messages.
    text: String,
    kind: DepKind,
    /// A git, URL or path source, when the declaration names one.
    target: Target,
    line: Option<usize>,
}

/// Where a requirement points.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Target {
    /// A package index.
    Index,
    /// A git repository; `commit` when the reference is a full commit id.
    Git { url: String, commit: bool },
    /// An archive or another VCS URL.
    Url(String),
    /// A local directory or archive, as written (relative to the project directory).
    Path(String),
}

/// What pyproject.toml says about the project.
#[derive(Debug, Default)]
struct ProjectMeta {
    display: String,
    name: Option<String>,
    version: Option<String>,
    declared: Vec<DeclaredLicence>,
    licence_file: Option<String>,
    deps: Vec<DeclaredDep>,
    findings: Vec<Finding>,
}

struct Reader<'a, 'b> {
    ctx: &'a ReadContext<'b>,
    found: &'a FoundProject,
    packages: Vec<Package>,
    /// The edges of `packages`, each once.
    edges: crate::model::EdgeSet,
    by_key: HashMap<(String, String, String), usize>,
    by_name: HashMap<String, Vec<usize>>,
    /// The scope a lockfile records for each package, where it records one.
    recorded: Vec<Option<Scope>>,
    findings: Vec<Finding>,
    partial: Vec<String>,
    /// The project's own package (from pyproject.toml, else named after the directory).
    primary: Option<usize>,
    /// Requirements listed without a version, by file: (name, spec, line).
    unpinned: BTreeMap<String, Vec<(String, String, Option<usize>)>>,
    /// Include problems already reported (file, line).
    reported: HashSet<(String, usize)>,
}

impl<'a, 'b> Reader<'a, 'b> {
    fn new(ctx: &'a ReadContext<'b>, found: &'a FoundProject) -> Self {
        Reader {
            ctx,
            found,
            packages: Vec::new(),
            edges: crate::model::EdgeSet::default(),
            by_key: HashMap::new(),
            by_name: HashMap::new(),
            recorded: Vec::new(),
            findings: Vec::new(),
            partial: Vec::new(),
            primary: None,
            unpinned: BTreeMap::new(),
            reported: HashSet::new(),
        }
    }

    fn run(mut self) -> ProjectGraph {
        let (ctx, found) = (self.ctx, self.found);
        let manifest_name = file_name(&found.manifest);

        // pyproject.toml: the project's own metadata and declared dependencies.
        let mut meta = None;
        let mut manifest_failure = None;
        if manifest_name == "pyproject.toml" {
            match read_pyproject(ctx, &found.manifest, &found.dir) {
                Ok(m) => meta = Some(m),
                Err(finding) => manifest_failure = Some(*finding),
            }
        }

        let requirement_files: Vec<PathBuf> = std::iter::once(&found.manifest)
            .chain(found.files.iter())
            .filter(|p| is_requirements_name(&file_name(p)))
            .cloned()
            .collect();
        let pipfile = std::iter::once(&found.manifest)
            .chain(found.files.iter())
            .find(|p| file_name(p) == "Pipfile")
            .cloned();

        let mut reader = Vec::new();
        let mut lock_roots = false;
        let resolving = ctx.options.unlocked.is_some() && found.lockfile.is_none();
        if let Some(lockfile) = &found.lockfile {
            let name = file_name(lockfile);
            let result = match name.as_str() {
                "uv.lock" => self.read_uv(lockfile, meta.as_ref()),
                "poetry.lock" => self.read_poetry(lockfile),
                "Pipfile.lock" => self.read_pipfile_lock(lockfile, meta.as_ref()),
                other => Err(Box::new(
                    Finding::error(
                        Code::LockfileVersionUnsupported,
                        crate::text!("python_lock_unknown", file = other),
                    )
                    .at(ctx.display(lockfile), None),
                )),
            };
            match result {
                Ok((description, has_roots)) => {
                    reader.push(description);
                    lock_roots = has_roots;
                }
                Err(finding) => return ProjectGraph::failed(ctx, found, &name, *finding),
            }
        }

        if let Some(finding) = manifest_failure {
            if found.lockfile.is_none() && requirement_files.is_empty() && pipfile.is_none() {
                return ProjectGraph::failed(ctx, found, "pyproject.toml", finding);
            }
            let why = format!(
                "{} could not be read: the project's own metadata and declared dependencies are missing",
                ctx.display(&found.manifest)
            );
            self.findings.push(finding);
            self.partial.push(why);
        }

        // The project's own package: a uv root matched it already, else it is made here.
        if let Some(meta) = &meta {
            self.findings.append(&mut meta.findings.clone());
        }
        let uv_matched = self.primary.is_some();
        if self.primary.is_none()
            && (!lock_roots || meta.as_ref().is_some_and(|m| m.name.is_some()))
        {
            self.make_primary(meta.as_ref());
        }

        if !requirement_files.is_empty() {
            self.read_requirement_files(&requirement_files);
            reader.extend(requirement_files.iter().map(|p| ctx.display(p)));
        }
        let has_pipfile_lock = found
            .lockfile
            .as_ref()
            .is_some_and(|l| file_name(l) == "Pipfile.lock");
        if let Some(pipfile) = pipfile.filter(|_| !has_pipfile_lock) {
            if let Some(deps) = self.read_pipfile(&pipfile) {
                let display = ctx.display(&pipfile);
                self.declared_dependencies(&deps, &display);
                if !resolving && found.lockfile.is_none() {
                    self.partial.push(format!(
                        "{display} has no Pipfile.lock: only the declared dependencies are listed, not what they depend on"
                    ));
                }
            }
            reader.push(ctx.display(&pipfile));
        }
        if let Some(meta) = &meta
            && !uv_matched
            && !meta.deps.is_empty()
        {
            let deps = meta.deps.clone();
            self.declared_dependencies(&deps, &meta.display);
            if found.lockfile.is_none() && requirement_files.is_empty() && !resolving {
                self.partial.push(format!(
                    "{} has no lockfile: only the declared dependencies are listed, not what they depend on",
                    meta.display
                ));
            }
        }
        if reader.is_empty() {
            reader.push(ctx.display(&found.manifest));
        }

        // --resolve-unlocked: the unpinned requirements are resolved, not reported (I010).
        let unpinned = std::mem::take(&mut self.unpinned);
        let (unlocked, unpinned) = if resolving {
            (unpinned, Default::default())
        } else {
            (Default::default(), unpinned)
        };
        self.unpinned = unpinned;
        self.report_unpinned();
        super::unlocked::python::resolve(ctx, self.finish(&reader.join(" + ")), unlocked)
    }

    fn finish(mut self, reader: &str) -> ProjectGraph {
        // A lockfile without a manifest: the project requires what nothing else requires.
        if let Some(primary) = self.primary
            && self.packages[primary].dependencies.is_empty()
        {
            let mut required = vec![false; self.packages.len()];
            for package in &self.packages {
                for dep in &package.dependencies {
                    required[dep.package] = true;
                }
            }
            for (index, required) in required.into_iter().enumerate() {
                if required || self.packages[index].root {
                    continue;
                }
                let kind = if self.recorded[index] == Some(Scope::Dev) {
                    DepKind::Dev
                } else {
                    DepKind::Normal
                };
                self.edge(primary, index, kind);
            }
        }
        let roots: Vec<usize> = (0..self.packages.len())
            .filter(|&i| self.packages[i].root)
            .collect();
        let scopes = scopes_from_edges(&self.packages, &roots);
        for (index, scope) in scopes.into_iter().enumerate() {
            let package = &mut self.packages[index];
            package.scope = if package.root {
                Scope::Runtime
            } else {
                self.recorded[index].unwrap_or(scope)
            };
        }
        let mut graph = ProjectGraph::new(self.ctx, self.found, reader);
        graph.packages = self.packages;
        graph.findings = self.findings;
        if let Some(first) = self.partial.into_iter().next() {
            graph.partial(first);
        }
        graph.set_roots();
        graph
    }

    // -----------------------------------------------------------------------------------------
    // Packages and edges

    /// Adds (or finds) the package `name` `version` from `source`; `file` is the input it was
    /// read from, which records no licence for it.
    fn add(&mut self, name: &str, version: &str, source: PackageSource, file: &str) -> usize {
        let name = pep503(name);
        let key = (name.clone(), version.to_string(), source.identity());
        if let Some(&index) = self.by_key.get(&key) {
            self.packages[index].source.absorb(&source);
            return index;
        }
        let mut package = Package::new(Ecosystem::Pypi, &name, version, source);
        package.licence_unavailable = Some(format!("{file} records no licences"));
        let index = self.packages.len();
        self.packages.push(package);
        self.recorded.push(None);
        self.by_key.insert(key, index);
        self.by_name.entry(name).or_default().push(index);
        index
    }

    fn edge(&mut self, from: usize, to: usize, kind: DepKind) {
        self.edges
            .add(&mut self.packages, from, Dependency { package: to, kind });
    }

    fn named(&self, name: &str) -> Vec<usize> {
        self.by_name.get(&pep503(name)).cloned().unwrap_or_default()
    }

    /// The project's own package, made from pyproject.toml (or named after the directory).
    fn make_primary(&mut self, meta: Option<&ProjectMeta>) -> usize {
        if let Some(index) = self.primary {
            return index;
        }
        let name = meta
            .and_then(|m| m.name.clone())
            .unwrap_or_else(|| dir_name(&self.found.dir));
        let version = meta.and_then(|m| m.version.clone()).unwrap_or_default();
        let source = PackageSource::Path {
            path: self.ctx.display(&self.found.dir),
        };
        let index = self.add(&name, &version, source, "");
        let found = self.found;
        self.make_root(index, &found.dir, meta);
        self.primary = Some(index);
        index
    }

    /// Marks a package as the project's own, with its directory and licence metadata.
    fn make_root(&mut self, index: usize, dir: &Path, meta: Option<&ProjectMeta>) {
        let package = &mut self.packages[index];
        package.root = true;
        package.licence_unavailable = None;
        if self.ctx.input.is_dir(dir) {
            package.dir = Some(dir.to_path_buf());
        }
        if let Some(meta) = meta {
            for declared in &meta.declared {
                if !package.declared.contains(declared) {
                    package.declared.push(declared.clone());
                }
            }
            if package.licence_file.is_none() {
                package.licence_file.clone_from(&meta.licence_file);
            }
        }
    }

    // -----------------------------------------------------------------------------------------
    // uv.lock

    fn read_uv(
        &mut self,
        path: &Path,
        meta: Option<&ProjectMeta>,
    ) -> Result<(String, bool), Box<Finding>> {
        let display = self.ctx.display(path);
        let text = read_text(self.ctx, path, Limit::LOCKFILE)?;
        let lock: UvLock = parse_toml(&text, &display, "uv.lock")?;
        match lock.version.as_ref().and_then(toml::Value::as_integer) {
            Some(1) => {}
            other => {
                let shown = match (other, &lock.version) {
                    (Some(v), _) => crate::text!("version_shown", version = v),
                    (None, Some(v)) => crate::text!("version_shown", version = v),
                    (None, None) => crate::text!("no_field", field = "version"),
                };
                return Err(Box::new(
                    Finding::error(
                        Code::LockfileVersionUnsupported,
                        crate::text!("uv_lock_version", file = display).sub("shown", shown),
                    )
                    .at(display.clone(), key_line(&text, "version")),
                ));
            }
        }
        let description = match lock.revision {
            Some(revision) => format!("uv.lock v1 (revision {revision})"),
            None => "uv.lock v1".to_string(),
        };

        let mut indices = Vec::with_capacity(lock.package.len());
        let mut has_roots = false;
        for entry in &lock.package {
            let version = entry.version.clone().unwrap_or_default();
            let (source, own, local) = self.uv_source(entry.source.as_ref());
            let index = self.add(&entry.name, &version, source, &display);
            if let Some(checksum) = entry
                .sdist
                .as_ref()
                .and_then(|s| s.hash.clone())
                .or_else(|| entry.wheels.iter().find_map(|w| w.hash.clone()))
            {
                self.packages[index].checksum.get_or_insert(checksum);
            }
            if let Some(dir) = local {
                if own {
                    if dir == self.found.dir {
                        self.make_root(index, &dir, meta);
                        self.primary = Some(index);
                    } else {
                        let member = member_meta(self.ctx, &dir);
                        if let Some(member) = &member {
                            self.findings.extend(member.findings.iter().cloned());
                        }
                        self.make_root(index, &dir, member.as_ref());
                    }
                    has_roots = true;
                } else if self.ctx.input.is_dir(&dir) {
                    self.packages[index].dir = Some(dir);
                }
            }
            indices.push(index);
        }

        for (position, entry) in lock.package.iter().enumerate() {
            let from = indices[position];
            let mut missing = Vec::new();
            let groups = std::iter::once((DepKind::Normal, &entry.dependencies))
                .chain(
                    entry
                        .optional_dependencies
                        .values()
                        .map(|deps| (DepKind::Optional, deps)),
                )
                .chain(
                    entry
                        .dev_dependencies
                        .values()
                        .map(|deps| (DepKind::Dev, deps)),
                );
            let mut edges = Vec::new();
            for (kind, deps) in groups {
                for dep in deps {
                    let candidates: Vec<usize> = self
                        .named(&dep.name)
                        .into_iter()
                        .filter(|&i| {
                            dep.version
                                .as_ref()
                                .is_none_or(|v| self.packages[i].version == *v)
                        })
                        .collect();
                    if candidates.is_empty() {
                        missing.push(dep.name.clone());
                    }
                    edges.extend(candidates.into_iter().map(|to| (to, kind)));
                }
            }
            for (to, kind) in edges {
                self.edge(from, to, kind);
            }
            if !missing.is_empty() {
                self.findings
                    .push(unresolved(&entry.name, &missing, &display));
            }
        }
        Ok((description, has_roots))
    }

    /// A uv source: the package source, whether it is the project's own (editable, virtual or
    /// workspace inside the project), and its directory for local sources.
    fn uv_source(&self, source: Option<&toml::Table>) -> (PackageSource, bool, Option<PathBuf>) {
        let Some(source) = source else {
            return (PackageSource::Registry { url: None }, false, None);
        };
        let get = |key: &str| source.get(key).and_then(toml::Value::as_str);
        if let Some(url) = get("registry") {
            return (
                PackageSource::Registry {
                    url: Some(url.to_string()),
                },
                false,
                None,
            );
        }
        if let Some(url) = get("git") {
            return (
                PackageSource::Git {
                    url: url.to_string(),
                },
                false,
                None,
            );
        }
        if let Some(url) = get("url") {
            return (
                PackageSource::Url {
                    url: url.to_string(),
                },
                false,
                None,
            );
        }
        for (key, own) in [
            ("editable", true),
            ("virtual", true),
            ("workspace", true),
            ("directory", false),
            ("path", false),
        ] {
            let value = match source.get(key) {
                Some(toml::Value::String(s)) => s.clone(),
                Some(_) => ".".to_string(),
                None => continue,
            };
            let dir = normalise(&self.found.dir.join(&value));
            let inside_project = dir.starts_with(&self.found.dir);
            return (
                PackageSource::Path {
                    path: super::local_path(self.ctx.root, &dir, ""),
                },
                own && inside_project,
                Some(dir),
            );
        }
        (PackageSource::Registry { url: None }, false, None)
    }

    // -----------------------------------------------------------------------------------------
    // poetry.lock

    fn read_poetry(&mut self, path: &Path) -> Result<(String, bool), Box<Finding>> {
        let display = self.ctx.display(path);
        let text = read_text(self.ctx, path, Limit::LOCKFILE)?;
        let lock: PoetryLock = parse_toml(&text, &display, "poetry.lock")?;
        let version = lock.metadata.as_ref().and_then(|m| m.lock_version.clone());
        let supported = version.as_deref().is_none_or(|v| {
            v.split('.')
                .next()
                .is_some_and(|major| major == "1" || major == "2")
        });
        if !supported {
            return Err(Box::new(
                Finding::error(
                    Code::LockfileVersionUnsupported,
                    crate::text!(
                        "poetry_lock_version",
                        file = display,
                        version = version.as_deref().unwrap_or("?")
                    ),
                )
                .at(display.clone(), key_line(&text, "lock-version")),
            ));
        }
        let description = match &version {
            Some(v) => format!("poetry.lock {v}"),
            None => "poetry.lock".to_string(),
        };
        let metadata_files = lock.metadata.as_ref().map(|m| &m.files);

        let mut indices = Vec::with_capacity(lock.package.len());
        for entry in &lock.package {
            let (source, dir) = self.poetry_source(entry.source.as_ref());
            let index = self.add(&entry.name, &entry.version, source, &display);
            let checksum = entry.files.iter().find_map(|f| f.hash.clone()).or_else(|| {
                metadata_files
                    .and_then(|files| {
                        files
                            .get(&entry.name)
                            .or_else(|| files.get(&pep503(&entry.name)))
                    })
                    .and_then(|files| files.iter().find_map(|f| f.hash.clone()))
            });
            let package = &mut self.packages[index];
            if let Some(checksum) = checksum {
                package.checksum.get_or_insert(checksum);
            }
            package.optional = entry.optional;
            if let Some(dir) = dir {
                package.dir = Some(dir);
            }
            let scope = match (&entry.category, &entry.groups) {
                (_, Some(groups)) => Some(if groups.iter().any(|g| g == "main") {
                    Scope::Runtime
                } else {
                    Scope::Dev
                }),
                (Some(category), None) => Some(if category == "dev" {
                    Scope::Dev
                } else {
                    Scope::Runtime
                }),
                (None, None) => None,
            };
            if let Some(scope) = scope {
                self.recorded[index] =
                    Some(self.recorded[index].map_or(scope, |s: Scope| s.min(scope)));
            }
            indices.push(index);
        }

        for (position, entry) in lock.package.iter().enumerate() {
            let from = indices[position];
            let mut missing = Vec::new();
            let mut edges = Vec::new();
            for (name, spec) in &entry.dependencies {
                let optional = match spec {
                    toml::Value::Table(t) => t
                        .get("optional")
                        .and_then(toml::Value::as_bool)
                        .unwrap_or(false),
                    toml::Value::Array(items) => items.iter().all(|i| {
                        i.get("optional")
                            .and_then(toml::Value::as_bool)
                            .unwrap_or(false)
                    }),
                    _ => false,
                };
                let kind = if optional {
                    DepKind::Optional
                } else {
                    DepKind::Normal
                };
                let targets = self.named(name);
                if targets.is_empty() && !optional {
                    missing.push(name.clone());
                }
                edges.extend(targets.into_iter().map(|to| (to, kind)));
            }
            for (to, kind) in edges {
                self.edge(from, to, kind);
            }
            if !missing.is_empty() {
                self.findings
                    .push(unresolved(&entry.name, &missing, &display));
            }
        }
        Ok((description, false))
    }

    fn poetry_source(&self, source: Option<&PoetrySource>) -> (PackageSource, Option<PathBuf>) {
        let Some(source) = source else {
            return (PackageSource::Registry { url: None }, None);
        };
        let url = source.url.clone().unwrap_or_default();
        match source.kind.as_deref() {
            Some("git") => (PackageSource::Git { url }, None),
            Some("url") => (PackageSource::Url { url }, None),
            Some("directory") | Some("file") => {
                let dir = normalise(&self.found.dir.join(&url));
                let local = self.ctx.input.is_dir(&dir).then_some(dir.clone());
                (
                    PackageSource::Path {
                        path: super::local_path(self.ctx.root, &dir, ""),
                    },
                    local,
                )
            }
            _ => (
                PackageSource::Registry {
                    url: Some(url).filter(|u| !u.is_empty()),
                },
                None,
            ),
        }
    }

    // -----------------------------------------------------------------------------------------
    // Pipfile.lock

    fn read_pipfile_lock(
        &mut self,
        path: &Path,
        meta: Option<&ProjectMeta>,
    ) -> Result<(String, bool), Box<Finding>> {
        let display = self.ctx.display(path);
        let text = read_text(self.ctx, path, Limit::LOCKFILE)?;
        let lock: serde_json::Value = serde_json::from_str(&text).map_err(|err| {
            Box::new(
                Finding::error(
                    Code::InputUnreadable,
                    crate::text!("not_valid_json", file = display, error = json_error(&err)),
                )
                .at(display.clone(), Some(err.line())),
            )
        })?;
        let spec = lock
            .get("_meta")
            .and_then(|m| m.get("pipfile-spec"))
            .and_then(serde_json::Value::as_i64);
        if spec != Some(6) {
            let shown = match spec {
                Some(v) => crate::diagnostic::Text::verbatim(format!("pipfile-spec {v}")),
                None => crate::text!("no_field", field = "_meta.pipfile-spec"),
            };
            let line = text
                .lines()
                .position(|l| l.contains("\"pipfile-spec\""))
                .map(|i| i + 1);
            return Err(Box::new(
                Finding::error(
                    Code::LockfileVersionUnsupported,
                    crate::text!("pipfile_lock_spec", file = display).sub("shown", shown),
                )
                .at(display.clone(), line),
            ));
        }
        let root = self.make_primary(meta);
        let Some(sections) = lock.as_object() else {
            return Ok(("Pipfile.lock spec 6".to_string(), false));
        };
        for (section, entries) in sections {
            if section == "_meta" {
                continue;
            }
            let Some(entries) = entries.as_object() else {
                continue;
            };
            // `default` ships; `develop` and pipenv's other categories are installed on request.
            let kind = if section == "default" {
                DepKind::Normal
            } else {
                DepKind::Dev
            };
            for (name, entry) in entries {
                let get = |key: &str| entry.get(key).and_then(serde_json::Value::as_str);
                let (version, target, locked) = if let Some(url) = get("git") {
                    let commit = get("ref").is_some_and(is_commit);
                    let url = match get("ref") {
                        Some(r) => format!("{url}@{r}"),
                        None => url.to_string(),
                    };
                    (String::new(), Target::Git { url, commit }, commit)
                } else if let Some(p) = get("path") {
                    (String::new(), Target::Path(p.to_string()), false)
                } else if let Some(url) = get("file") {
                    (String::new(), Target::Url(url.to_string()), false)
                } else {
                    let version = get("version").and_then(exact_pin);
                    let locked = version.is_some();
                    (version.unwrap_or_default(), Target::Index, locked)
                };
                if let Target::Path(p) = &target
                    && normalise(&self.found.dir.join(p)) == self.found.dir
                {
                    // `-e .`: the project itself.
                    continue;
                }
                let (source, dir) = self.target_source(&target);
                let index = self.add(name, &version, source, &display);
                let package = &mut self.packages[index];
                package.locked &= locked;
                if package.checksum.is_none() {
                    package.checksum = entry
                        .get("hashes")
                        .and_then(serde_json::Value::as_array)
                        .and_then(|h| h.first())
                        .and_then(serde_json::Value::as_str)
                        .map(str::to_string);
                }
                if let Some(dir) = dir {
                    package.dir = Some(dir);
                }
                if !locked {
                    self.unpinned.entry(display.clone()).or_default().push((
                        pep503(name),
                        format!("{name} = {entry}"),
                        None,
                    ));
                }
                self.edge(root, index, kind);
            }
        }
        Ok(("Pipfile.lock spec 6".to_string(), false))
    }

    /// The package source of a requirement target, and its directory when it is local.
    fn target_source(&self, target: &Target) -> (PackageSource, Option<PathBuf>) {
        match target {
            Target::Index => (PackageSource::Registry { url: None }, None),
            Target::Git { url, .. } => (PackageSource::Git { url: url.clone() }, None),
            Target::Url(url) => (PackageSource::Url { url: url.clone() }, None),
            Target::Path(p) => {
                let path = normalise(&self.found.dir.join(p));
                let dir = self.ctx.input.is_dir(&path).then(|| path.clone());
                (
                    PackageSource::Path {
                        path: super::local_path(self.ctx.root, &path, ""),
                    },
                    dir,
                )
            }
        }
    }

    // -----------------------------------------------------------------------------------------
    // Declared dependencies (pyproject.toml, Pipfile)

    /// Links the project's own package to its declared dependencies: to the locked (or
    /// required) package of that name when there is one, else to a package listed from the
    /// declaration alone.
    fn declared_dependencies(&mut self, deps: &[DeclaredDep], display: &str) {
        let root = self.make_primary(None);
        let has_lock = self.found.lockfile.is_some();
        let mut missing = Vec::new();
        for dep in deps.iter().filter(|d| !d.name.is_empty()) {
            let existing: Vec<usize> = self
                .named(&dep.name)
                .into_iter()
                .filter(|&i| !self.packages[i].root)
                .collect();
            let matching: Vec<usize> = match &dep.pin {
                Some(pin) => existing
                    .iter()
                    .copied()
                    .filter(|&i| self.packages[i].version == *pin)
                    .collect(),
                None => Vec::new(),
            };
            let targets = if !matching.is_empty() {
                matching
            } else {
                existing
            };
            if !targets.is_empty() {
                for to in targets {
                    self.edge(root, to, dep.kind);
                }
                continue;
            }
            if has_lock {
                missing.push(dep.name.clone());
                continue;
            }
            let (source, dir) = self.target_source(&dep.target);
            let locked =
                dep.pin.is_some() || matches!(dep.target, Target::Git { commit: true, .. });
            let version = dep.pin.clone().unwrap_or_default();
            let index = self.add(&dep.name, &version, source, display);
            let package = &mut self.packages[index];
            package.locked &= locked;
            package.optional = dep.kind == DepKind::Optional;
            if let Some(dir) = dir {
                package.dir = Some(dir);
            }
            if !locked {
                self.unpinned.entry(display.to_string()).or_default().push((
                    pep503(&dep.name),
                    dep.text.clone(),
                    dep.line,
                ));
            }
            self.edge(root, index, dep.kind);
        }
        if !missing.is_empty() {
            let lock = self
                .found
                .lockfile
                .as_deref()
                .map(|l| self.ctx.display(l))
                .unwrap_or_default();
            self.findings.push(
                Finding::warning(
                    Code::DependencyUnresolved,
                    crate::text!(
                        "declares_missing",
                        file = display,
                        list = quoted(&missing),
                        lockfile = lock
                    ),
                )
                .at(display.to_string(), None)
                .note(crate::diagnostic::Text::new(
                    "note_lockfile_outdated_lock_again",
                )),
            );
        }
    }

    /// A Pipfile's `[packages]` and `[dev-packages]`.
    fn read_pipfile(&mut self, path: &Path) -> Option<Vec<DeclaredDep>> {
        let display = self.ctx.display(path);
        let parsed = read_text(self.ctx, path, Limit::MANIFEST).and_then(|text| {
            parse_toml::<toml::Table>(&text, &display, "Pipfile").map(|t| (text, t))
        });
        let (text, table) = match parsed {
            Ok(parsed) => parsed,
            Err(finding) => {
                self.partial
                    .push(format!("{display} could not be read: {}", finding.message));
                self.findings.push(*finding);
                return None;
            }
        };
        let mut deps = Vec::new();
        for (section, kind) in [
            ("packages", DepKind::Normal),
            ("dev-packages", DepKind::Dev),
        ] {
            let Some(entries) = table.get(section).and_then(toml::Value::as_table) else {
                continue;
            };
            for (name, value) in entries {
                let line = find_line(&text, &[format!("{name} ="), format!("\"{name}\" =")]);
                let (spec, target) = match value {
                    toml::Value::String(s) => (s.clone(), Target::Index),
                    toml::Value::Table(t) => {
                        let get = |k: &str| t.get(k).and_then(toml::Value::as_str);
                        let target = if let Some(url) = get("git") {
                            let commit = get("ref").is_some_and(is_commit);
                            Target::Git {
                                url: match get("ref") {
                                    Some(r) => format!("{url}@{r}"),
                                    None => url.to_string(),
                                },
                                commit,
                            }
                        } else if let Some(p) = get("path") {
                            Target::Path(p.to_string())
                        } else if let Some(url) = get("file") {
                            Target::Url(url.to_string())
                        } else {
                            Target::Index
                        };
                        (get("version").unwrap_or("*").to_string(), target)
                    }
                    _ => ("*".to_string(), Target::Index),
                };
                if let Target::Path(p) = &target
                    && normalise(&self.found.dir.join(p)) == self.found.dir
                {
                    continue;
                }
                deps.push(DeclaredDep {
                    name: name.clone(),
                    pin: if target == Target::Index {
                        exact_pin(&spec)
                    } else {
                        None
                    },
                    text: source_line(&text, line)
                        .unwrap_or_else(|| format!("{name} = {}", display_value(value))),
                    kind,
                    target,
                    line,
                });
            }
        }
        Some(deps)
    }

    // -----------------------------------------------------------------------------------------
    // Requirements files

    fn read_requirement_files(&mut self, files: &[PathBuf]) {
        let mut cache: HashMap<PathBuf, ParsedFile> = HashMap::new();
        let mut collected: Vec<Collected> = Vec::new();
        let mut constraints: HashMap<String, (String, Option<String>)> = HashMap::new();
        for file in files {
            let canonical = self
                .ctx
                .input
                .resolve(file)
                .unwrap_or_else(|_| file.clone());
            let dev = is_dev_name(file);
            let mut stack = Vec::new();
            self.visit(
                &canonical,
                dev,
                IncludeKind::Requirement,
                &mut stack,
                &mut cache,
                &mut collected,
                &mut constraints,
            );
        }

        let root = self.make_primary(None);
        // Pinned and direct requirements first, so that an unpinned line can refer to them.
        let (unpinned, pinned): (Vec<Collected>, Vec<Collected>) = collected
            .into_iter()
            .partition(|c| c.requirement.target == Target::Index && c.requirement.pin.is_none());
        for c in pinned {
            let requirement = &c.requirement;
            let (source, dir) = self.target_source(&requirement.target);
            let locked = requirement.pin.is_some()
                || matches!(requirement.target, Target::Git { commit: true, .. });
            let version = requirement.pin.clone().unwrap_or_default();
            let index = self.add(&requirement.name, &version, source, &c.display);
            let package = &mut self.packages[index];
            package.locked &= locked;
            if package.checksum.is_none() {
                package.checksum.clone_from(&requirement.hash);
            }
            if let Some(dir) = dir {
                package.dir = Some(dir);
            }
            if !locked {
                self.unpinned.entry(c.display.clone()).or_default().push((
                    pep503(&requirement.name),
                    requirement.spec.clone(),
                    Some(requirement.line),
                ));
            }
            self.edge(root, index, c.kind());
        }
        for c in unpinned {
            let requirement = &c.requirement;
            let key = pep503(&requirement.name);
            if let Some((version, hash)) = constraints.get(&key).cloned() {
                let index = self.add(
                    &requirement.name,
                    &version,
                    PackageSource::Registry { url: None },
                    &c.display,
                );
                if self.packages[index].checksum.is_none() {
                    self.packages[index].checksum = hash.or_else(|| requirement.hash.clone());
                }
                self.edge(root, index, c.kind());
                continue;
            }
            let existing: Vec<usize> = self
                .named(&requirement.name)
                .into_iter()
                .filter(|&i| !self.packages[i].root && !self.packages[i].version.is_empty())
                .collect();
            if !existing.is_empty() {
                for to in existing {
                    self.edge(root, to, c.kind());
                }
                continue;
            }
            let index = self.add(
                &requirement.name,
                "",
                PackageSource::Registry { url: None },
                &c.display,
            );
            self.packages[index].locked = false;
            self.unpinned.entry(c.display.clone()).or_default().push((
                key,
                requirement.spec.clone(),
                Some(requirement.line),
            ));
            self.edge(root, index, c.kind());
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn visit(
        &mut self,
        path: &Path,
        dev: bool,
        kind: IncludeKind,
        stack: &mut Vec<PathBuf>,
        cache: &mut HashMap<PathBuf, ParsedFile>,
        collected: &mut Vec<Collected>,
        constraints: &mut HashMap<String, (String, Option<String>)>,
    ) {
        // An include cycle: the file is being read already.
        if stack.iter().any(|p| p == path) {
            return;
        }
        let display = self.ctx.display(path);
        if !cache.contains_key(path) {
            let parsed = match self.ctx.input.read_text(path, Limit::MANIFEST) {
                Ok(text) => parse_requirements(&text),
                Err(refusal) => {
                    self.findings.push(Finding::refused(&refusal));
                    self.partial.push(format!("{display} could not be read"));
                    ParsedFile::default()
                }
            };
            for (line, message) in &parsed.errors {
                self.findings.push(
                    Finding::error(
                        Code::InputUnreadable,
                        crate::text!(
                            "line_skipped",
                            file = display,
                            line = line,
                            message = message
                        ),
                    )
                    .at(display.clone(), Some(*line)),
                );
                self.partial
                    .push(format!("{display} has lines fundament cannot read"));
            }
            cache.insert(path.to_path_buf(), parsed);
        }
        let Some(parsed) = cache.get(path) else {
            return;
        };
        let entries = parsed.entries.clone();
        let includes = parsed.includes.clone();
        for requirement in entries {
            match kind {
                IncludeKind::Requirement => {
                    // `-e .` is the project itself.
                    if requirement.name.is_empty() {
                        continue;
                    }
                    collected.push(Collected {
                        requirement,
                        display: display.clone(),
                        dev,
                    });
                }
                IncludeKind::Constraint => {
                    if let Some(pin) = &requirement.pin {
                        constraints
                            .entry(pep503(&requirement.name))
                            .or_insert((pin.clone(), requirement.hash.clone()));
                    }
                }
            }
        }
        stack.push(path.to_path_buf());
        for include in includes {
            let include_kind = match (kind, include.kind) {
                (IncludeKind::Constraint, _) => IncludeKind::Constraint,
                (_, k) => k,
            };
            let flag = match include.kind {
                IncludeKind::Requirement => "-r",
                IncludeKind::Constraint => "-c",
            };
            if include.target.contains("://") {
                self.include_problem(
                    &display,
                    include.line,
                    Finding::warning(
                        Code::InputUnreadable,
                        crate::text!(
                            "include_url",
                            file = display,
                            line = include.line,
                            flag = flag,
                            target = include.target
                        ),
                    ),
                );
                continue;
            }
            let base = path.parent().unwrap_or(Path::new("."));
            let target = base.join(&include.target);
            match self.ctx.input.resolve(&target) {
                Ok(canonical) => {
                    let dev = dev || is_dev_name(&canonical);
                    self.visit(
                        &canonical,
                        dev,
                        include_kind,
                        stack,
                        cache,
                        collected,
                        constraints,
                    );
                }
                Err(refusal) => self.include_problem(
                    &display,
                    include.line,
                    Finding::error(
                        if refusal.is_outside() {
                            Code::SymlinkOutsideRoot
                        } else {
                            Code::InputUnreadable
                        },
                        crate::text!(
                            "include_refused",
                            file = display,
                            line = include.line,
                            flag = flag,
                            target = include.target
                        )
                        .sub("reason", refusal.reason()),
                    ),
                ),
            }
        }
        stack.pop();
    }

    fn include_problem(&mut self, display: &str, line: usize, finding: Finding) {
        if !self.reported.insert((display.to_string(), line)) {
            return;
        }
        self.partial.push(format!(
            "{display}:{line} includes a file that was not read"
        ));
        self.findings
            .push(finding.at(display.to_string(), Some(line)));
    }

    /// One I010 finding per file that lists dependencies without a version.
    fn report_unpinned(&mut self) {
        let unpinned = std::mem::take(&mut self.unpinned);
        for (file, entries) in unpinned {
            let mut seen = HashSet::new();
            let mut entries: Vec<&(String, String, Option<usize>)> =
                entries.iter().filter(|e| seen.insert(&e.0)).collect();
            entries.sort_by_key(|e| (e.2, e.0.clone()));
            let list = entries
                .iter()
                .map(|(name, text, line)| {
                    let shown = if text.trim().is_empty() { name } else { text };
                    match line {
                        Some(line) => crate::text!("unpinned_at_line", name = shown, line = line),
                        None => crate::diagnostic::Text::verbatim(format!("`{shown}`")),
                    }
                })
                .collect::<Vec<_>>();
            let first_line = entries.iter().find_map(|e| e.2);
            let count = entries.len();
            let counted = crate::plural::count(count, "dependency", "dependencies");
            self.partial
                .push(format!("{file} lists {counted} without a pinned version"));
            self.findings.push(
                Finding::warning(
                    Code::VersionUnresolved,
                    crate::text!("unpinned", file = file)
                        .count("n", count)
                        .list("list", list, ", "),
                )
                .at(file, first_line)
                .note(crate::diagnostic::Text::new("pin_exact_versions")),
            );
        }
    }
}

fn unresolved(who: &str, missing: &[String], display: &str) -> Finding {
    Finding::warning(
        Code::DependencyUnresolved,
        crate::text!(
            "depends_on_missing",
            who = who,
            list = quoted(missing),
            lockfile = display
        ),
    )
    .at(display.to_string(), None)
}

fn quoted(names: &[String]) -> String {
    names
        .iter()
        .map(|n| format!("`{n}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

// ---------------------------------------------------------------------------------------------
// Files and paths

fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

fn read_text(ctx: &ReadContext<'_>, path: &Path, limit: Limit) -> Result<String, Box<Finding>> {
    ctx.input
        .read_text(path, limit)
        .map_err(|refusal| Box::new(Finding::refused(&refusal)))
}

fn parse_toml<T: for<'de> Deserialize<'de>>(
    text: &str,
    display: &str,
    what: &str,
) -> Result<T, Box<Finding>> {
    toml::from_str(text).map_err(|err| {
        Box::new(
            Finding::error(
                Code::InputUnreadable,
                crate::text!(
                    "file_not_valid",
                    file = display,
                    what = what,
                    error = err.message().trim()
                ),
            )
            .at(
                display.to_string(),
                err.span().map(|span| line_of_offset(text, span.start)),
            ),
        )
    })
}

/// The line of the first top-level `key = ...`.
fn key_line(text: &str, key: &str) -> Option<usize> {
    text.lines()
        .position(|l| {
            l.trim_start()
                .strip_prefix(key)
                .is_some_and(|rest| rest.trim_start().starts_with('='))
        })
        .map(|i| i + 1)
}

/// The line of the first occurrence of any of `needles`.
fn find_line(text: &str, needles: &[String]) -> Option<usize> {
    needles
        .iter()
        .filter_map(|n| text.find(n.as_str()))
        .min()
        .map(|offset| line_of_offset(text, offset))
}

fn string_list(value: Option<&toml::Value>) -> Vec<String> {
    value
        .and_then(toml::Value::as_array)
        .map(|items| {
            items
                .iter()
                .filter_map(|i| i.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

// ---------------------------------------------------------------------------------------------
// Lockfile formats

#[derive(Debug, Deserialize)]
struct UvLock {
    version: Option<toml::Value>,
    revision: Option<i64>,
    #[serde(default)]
    package: Vec<UvPackage>,
}

#[derive(Debug, Deserialize)]
struct UvPackage {
    name: String,
    version: Option<String>,
    source: Option<toml::Table>,
    #[serde(default)]
    dependencies: Vec<UvDependency>,
    #[serde(default, rename = "optional-dependencies")]
    optional_dependencies: BTreeMap<String, Vec<UvDependency>>,
    #[serde(default, rename = "dev-dependencies")]
    dev_dependencies: BTreeMap<String, Vec<UvDependency>>,
    sdist: Option<UvFile>,
    #[serde(default)]
    wheels: Vec<UvFile>,
}

#[derive(Debug, Deserialize)]
struct UvDependency {
    name: String,
    version: Option<String>,
}

#[derive(Debug, Deserialize)]
struct UvFile {
    hash: Option<String>,
}

#[derive(Debug, Deserialize)]
struct PoetryLock {
    #[serde(default)]
    package: Vec<PoetryPackage>,
    metadata: Option<PoetryMetadata>,
}

#[derive(Debug, Deserialize)]
struct PoetryMetadata {
    #[serde(rename = "lock-version")]
    lock_version: Option<String>,
    /// Lock version 1.x keeps the file hashes here, by package name.
    #[serde(default)]
    files: BTreeMap<String, Vec<PoetryFile>>,
}

#[derive(Debug, Deserialize)]
struct PoetryPackage {
    name: String,
    version: String,
    category: Option<String>,
    #[serde(default)]
    optional: bool,
    groups: Option<Vec<String>>,
    #[serde(default)]
    files: Vec<PoetryFile>,
    #[serde(default)]
    dependencies: BTreeMap<String, toml::Value>,
    source: Option<PoetrySource>,
}

#[derive(Debug, Deserialize)]
struct PoetryFile {
    hash: Option<String>,
}

#[derive(Debug, Deserialize)]
struct PoetrySource {
    #[serde(rename = "type")]
    kind: Option<String>,
    url: Option<String>,
}

#[cfg(test)]
mod tests;
