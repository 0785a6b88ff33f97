//! `--resolve-unlocked`: manifests without a lockfile (package.json, composer.json, ranges in
//! requirements files, pyproject.toml), resolved against the registry the way the ecosystem's
//! client would resolve them today.
//!
//! Each ecosystem module knows its registry's metadata and its version rules ([`npm`]: npm
//! semver ranges and dist-tags; [`composer`]: Composer constraints and minimum-stability;
//! [`python`]: PEP 440 specifiers and their pre-release rules). [`walk`] does the rest for all
//! three: starting from the manifest's direct dependencies it asks the registry for each
//! package's metadata (a wave of new names at a time, `parallelism` requests in flight, through
//! the shared [`Http`] client and its cache, so `--offline` answers from the cache), picks the
//! newest version the requirement allows and follows that version's own dependencies.
//!
//! What this is not: a full solver. npm nests conflicting versions, so picking the newest per
//! range is what npm does too (except that npm reuses an already placed version that satisfies
//! a range). Composer and pip install one version per name and backtrack on conflicts; here the
//! first version chosen for a name stays, and a later requirement it does not satisfy is
//! reported (`I007`), never silently accepted.
//!
//! Every package so resolved has `locked = false`, resolution `resolved-from-declarations` and
//! the day it was resolved (`resolved_on`), and the project gets one `I013` note saying so.

pub mod composer;
pub mod npm;
pub mod python;

use crate::diagnostic::{Code, Finding, Text};
use crate::model::{DeclaredLicence, DepKind, Dependency, Ecosystem, Package, PackageSource};
use crate::model::{Resolution, Scope};
use crate::registry::config::Endpoint;
use crate::registry::http::Http;
use rayon::prelude::*;
use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::Arc;

/// More packages than any real manifest pulls in: a walk stops there rather than run away.
const MAX_PACKAGES: usize = 20_000;

/// What the readers need to resolve manifests without a lockfile.
pub struct Resolver {
    pub http: Arc<Http>,
    pub npm: Option<Endpoint>,
    pub pypi: Option<Endpoint>,
    pub composer: Option<Endpoint>,
    /// The Python version requirements are resolved for (`3.11.7`: `python3` on this
    /// machine), for `requires-python` and environment markers; `None`: unknown, not checked.
    pub python: Option<String>,
    /// The day of the resolution, `YYYY-MM-DD`.
    pub date: String,
    /// Requests in flight at once.
    pub parallelism: usize,
}

impl std::fmt::Debug for Resolver {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Resolver")
            .field("npm", &self.npm)
            .field("pypi", &self.pypi)
            .field("composer", &self.composer)
            .field("date", &self.date)
            .finish()
    }
}

/// One requirement: a package name and what the manifest allows of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Want {
    pub name: String,
    /// The requirement as written (a range, a constraint, a specifier set, a tag).
    pub spec: String,
    pub kind: DepKind,
}

impl Want {
    pub fn new(name: &str, spec: &str, kind: DepKind) -> Want {
        Want {
            name: name.to_string(),
            spec: spec.to_string(),
            kind,
        }
    }
}

/// The version a registry's metadata gives for a requirement, and what that version needs.
#[derive(Debug, Clone)]
pub struct Picked {
    /// The package's name as the registry spells it.
    pub name: String,
    pub version: String,
    pub dependencies: Vec<Want>,
    pub declared: Vec<DeclaredLicence>,
    pub source: PackageSource,
}

/// An ecosystem's registry, as [`walk`] uses it.
pub trait Registry: Sync {
    /// The registry's metadata of one package (every version).
    type Document: Send + Sync;
    /// The key two spellings of one package share (PEP 503 names, lower-case Composer names).
    fn key(&self, name: &str) -> String {
        name.to_string()
    }
    /// Whether the client installs one version per name (Composer, pip), not one per range
    /// (npm).
    fn one_version_per_name(&self) -> bool {
        false
    }
    /// The name to ask the registry for, and the requirement on it (npm aliases rewrite both);
    /// an error for requirements no registry answers (git, paths, URLs).
    fn translate(&self, want: &Want) -> Result<(String, String), Text> {
        Ok((want.name.clone(), want.spec.clone()))
    }
    fn fetch(&self, name: &str) -> Result<Self::Document, Text>;
    fn pick(&self, document: &Self::Document, name: &str, spec: &str) -> Result<Picked, Text>;
    /// Whether `version` meets `spec` (for clients that install one version per name).
    fn satisfies(&self, document: &Self::Document, spec: &str, version: &str) -> bool;
}

/// What a walk found.
#[derive(Debug, Default)]
pub struct Walked {
    pub packages: Vec<Package>,
    /// The project's edges to the packages (indices into `packages`).
    pub direct: Vec<Dependency>,
    /// Requirements that could not be resolved: who required it, and why (in translatable
    /// form: the reasons come from the registry clients, see [`Registry`]).
    pub failures: Vec<(String, Text)>,
}

/// A registry's answer about one package: its document, or why there is none.
type Fetched<R> = Result<Arc<<R as Registry>::Document>, Text>;

/// Resolves `direct` and everything they need, breadth first.
pub fn walk<R: Registry>(
    registry: &R,
    ecosystem: Ecosystem,
    direct: Vec<Want>,
    project: &str,
    date: &str,
    parallelism: usize,
) -> Walked {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(parallelism.clamp(1, 64))
        .build();
    let mut documents: HashMap<String, Fetched<R>> = HashMap::new();
    // (key, spec) -> package, for clients that install one version per range.
    let mut by_spec: HashMap<(String, String), usize> = HashMap::new();
    let mut by_version: HashMap<(String, String), usize> = HashMap::new();
    let mut by_name: HashMap<String, usize> = HashMap::new();
    let mut out = Walked::default();
    let mut edges: HashSet<(Option<usize>, usize)> = HashSet::new();
    let mut wave: Vec<(Option<usize>, Want)> = direct.into_iter().map(|w| (None, w)).collect();
    let mut failed: HashSet<(String, String)> = HashSet::new();

    while !wave.is_empty() {
        // Translate, then fetch every name of the wave not yet asked, in parallel.
        let mut items = Vec::new();
        for (parent, want) in wave.drain(..) {
            let who = parent.map_or_else(
                || project.to_string(),
                |i| format!("{} {}", out.packages[i].name, out.packages[i].version),
            );
            match registry.translate(&want) {
                Ok((name, spec)) => items.push((parent, who, want, name, spec)),
                Err(why) => {
                    if failed.insert((who.clone(), want.name.clone())) {
                        let why = crate::text!(
                            "unlocked_requirement_failed",
                            name = want.name,
                            spec = want.spec
                        )
                        .sub("why", why);
                        out.failures.push((who, why));
                    }
                }
            }
        }
        let mut new_names: Vec<String> = items
            .iter()
            .map(|(_, _, _, name, _)| name.clone())
            .filter(|name| !documents.contains_key(&registry.key(name)))
            .collect();
        new_names.sort();
        new_names.dedup_by(|a, b| registry.key(a) == registry.key(b));
        let fetch = |names: &[String]| -> Vec<(String, Fetched<R>)> {
            names
                .par_iter()
                .map(|name| (registry.key(name), registry.fetch(name).map(Arc::new)))
                .collect()
        };
        let fetched = match &pool {
            Ok(pool) => pool.install(|| fetch(&new_names)),
            Err(_) => fetch(&new_names),
        };
        documents.extend(fetched);

        for (parent, who, want, name, spec) in items {
            let key = registry.key(&name);
            let document = match &documents[&key] {
                Ok(document) => Arc::clone(document),
                Err(why) => {
                    if failed.insert((who.clone(), key.clone())) {
                        out.failures.push((who, why.clone()));
                    }
                    continue;
                }
            };
            let existing = if registry.one_version_per_name() {
                by_name.get(&key).copied()
            } else {
                by_spec.get(&(key.clone(), spec.clone())).copied()
            };
            let index = match existing {
                Some(index) => {
                    let version = out.packages[index].version.clone();
                    if registry.one_version_per_name()
                        && !registry.satisfies(&document, &spec, &version)
                    {
                        out.failures.push((
                            who.clone(),
                            crate::text!(
                                "unlocked_version_conflict",
                                name = name,
                                spec = spec,
                                version = version
                            ),
                        ));
                    }
                    index
                }
                None => {
                    let picked = match registry.pick(&document, &name, &spec) {
                        Ok(picked) => picked,
                        Err(why) => {
                            out.failures.push((who, why));
                            continue;
                        }
                    };
                    let version_key = (key.clone(), picked.version.clone());
                    let index = match by_version.get(&version_key) {
                        Some(&index) => index,
                        None => {
                            if out.packages.len() >= MAX_PACKAGES {
                                out.failures.push((
                                    who,
                                    crate::text!("unlocked_stopped", max = MAX_PACKAGES),
                                ));
                                break;
                            }
                            let index = out.packages.len();
                            let mut package = Package::new(
                                ecosystem,
                                &picked.name,
                                &picked.version,
                                picked.source,
                            );
                            package.declared = picked.declared;
                            mark(&mut package, date);
                            out.packages.push(package);
                            by_version.insert(version_key, index);
                            wave_children(&mut wave, index, picked.dependencies);
                            index
                        }
                    };
                    by_spec.insert((key.clone(), spec), index);
                    by_name.entry(key).or_insert(index);
                    index
                }
            };
            if edges.insert((parent, index)) {
                let edge = Dependency {
                    package: index,
                    kind: want.kind,
                };
                match parent {
                    None => out.direct.push(edge),
                    Some(p) => out.packages[p].dependencies.push(edge),
                }
            }
        }
    }
    set_scopes(&mut out);
    out
}

fn wave_children(wave: &mut Vec<(Option<usize>, Want)>, parent: usize, wants: Vec<Want>) {
    wave.extend(wants.into_iter().map(|w| (Some(parent), w)));
}

/// Marks a package as resolved by fundament on `date`, not locked.
pub fn mark(package: &mut Package, date: &str) {
    package.locked = false;
    package.resolution = Some(Resolution::ResolvedFromDeclarations);
    package.resolved_on = Some(date.to_string());
}

/// Runtime for what the project's non-dev edges reach, dev for the rest; optional and peer for
/// packages every path reaches only through such edges.
fn set_scopes(walked: &mut Walked) {
    let n = walked.packages.len();
    let mut runtime = vec![false; n];
    let mut required = vec![false; n];
    let mut non_peer = vec![false; n];
    let mut queue: VecDeque<(usize, bool, bool, bool)> = walked
        .direct
        .iter()
        .map(|d| {
            (
                d.package,
                d.kind != DepKind::Dev,
                d.kind != DepKind::Optional,
                d.kind != DepKind::Peer,
            )
        })
        .collect();
    let mut seen: HashSet<(usize, bool, bool, bool)> = HashSet::new();
    while let Some(state @ (index, is_runtime, is_required, is_non_peer)) = queue.pop_front() {
        if !seen.insert(state) {
            continue;
        }
        runtime[index] |= is_runtime;
        required[index] |= is_required;
        non_peer[index] |= is_non_peer;
        for dep in &walked.packages[index].dependencies {
            queue.push_back((
                dep.package,
                is_runtime,
                is_required && dep.kind != DepKind::Optional,
                is_non_peer && dep.kind != DepKind::Peer,
            ));
        }
    }
    for (i, package) in walked.packages.iter_mut().enumerate() {
        package.scope = if runtime[i] {
            Scope::Runtime
        } else {
            Scope::Dev
        };
        package.optional = !required[i];
        package.peer = !non_peer[i];
    }
}

/// The project's findings for a walk: one `I013` note for what was resolved, one `I007`
/// error per requirement that could not be. An error: neither the requirement nor anything it
/// brings in was checked, so the audit is incomplete and cannot pass.
pub fn findings(walked: &Walked, manifest: &str, client: &str, date: &str) -> Vec<Finding> {
    use crate::diagnostic::help::HelpCase;
    let mut findings = Vec::new();
    if !walked.packages.is_empty() {
        findings.push(
            Finding::note_finding(
                Code::ResolvedFromDeclarations,
                crate::text!(
                    "resolved_unlocked",
                    manifest = manifest,
                    date = date,
                    client = client
                )
                .count("n", walked.packages.len()),
            )
            .at(manifest.to_string(), None)
            .note(crate::diagnostic::Text::new(
                "note_commit_a_lockfile_to_audit",
            )),
        );
    }
    for (who, why) in &walked.failures {
        findings.push(
            Finding::error(
                Code::DependencyUnresolved,
                crate::text!("unlocked_failure", who = who).sub("why", why.clone()),
            )
            .at(manifest.to_string(), None)
            .help_case(HelpCase::NoLockfile),
        );
    }
    findings
}

/// Adds what a walk found to `graph`, below the project's own package `root` (an index into
/// `graph.packages`; `None`: the packages become the project's roots' dependencies as they
/// stand), with the walk's findings; a walk that left requirements unresolved makes the
/// project partial.
pub fn attach(
    graph: &mut super::ProjectGraph,
    root: Option<usize>,
    walked: Walked,
    manifest: &str,
    client: &str,
    date: &str,
) {
    graph
        .findings
        .extend(findings(&walked, manifest, client, date));
    if !walked.failures.is_empty() {
        graph.partial(format!(
            "{} of {manifest} could not be resolved against the registry",
            crate::plural::count(walked.failures.len(), "requirement", "requirements")
        ));
    }
    let offset = graph.packages.len();
    for mut package in walked.packages {
        for dep in &mut package.dependencies {
            dep.package += offset;
        }
        graph.packages.push(package);
    }
    if let Some(root) = root {
        for dep in walked.direct {
            graph.packages[root].dependencies.push(Dependency {
                package: dep.package + offset,
                kind: dep.kind,
            });
        }
    }
}

/// The finding for a manifest that cannot be resolved because no registry is configured.
pub fn no_registry(manifest: &str, ecosystem: &str, how: &str) -> Finding {
    Finding::error(
        Code::LockfileMissing,
        crate::text!(
            "no_registry_to_resolve",
            manifest = manifest,
            ecosystem = ecosystem
        ),
    )
    .at(manifest.to_string(), None)
    .note(how.to_string())
}
