//! A Gradle project without a lockfile, resolved from its declarations the way Gradle resolves
//! them, with the POMs of the repositories the build declares:
//!
//! - **classpaths**: the runtime classpath (`implementation`, `api`, `runtimeOnly`, ...), the
//!   compile classpath (`implementation`, `api`, `compileOnly`), the annotation processors with
//!   the runtime declarations, the test compile and test runtime classpaths, each resolved on
//!   its own with the variant its usage asks for (`java-api` for compiling, `java-runtime` for
//!   running); a package takes the smallest scope of the classpaths that hold it (runtime,
//!   then provided: only compiled against, then build, test, dev), at the version that
//!   classpath selects;
//! - **the graph**: each module's POM (its effective model: parents, properties, its own
//!   dependencyManagement and imported BOMs) gives its `compile` dependencies to a compile
//!   classpath, with its `runtime` ones to a runtime classpath (Gradle's variants derived from
//!   a POM); `test`, `provided` and optional ones are left out, and `<exclusion>`s hold below the
//!   dependency that declares them;
//! - **conflicts**: of every version requested for a module anywhere in the graph (and by
//!   `constraints { }` and platforms), the highest wins (Gradle's version order), until the graph
//!   no longer changes; a `strictly` version, an `enforcedPlatform` and the versions the Spring
//!   dependency-management plugin manages hold against every other request;
//! - **platforms**: `platform(...)` makes its BOM's managed versions constraints,
//!   `enforcedPlatform(...)` forces them; Spring's plugin manages every dependency by the BOMs it
//!   imports (`mavenBom`, and the Spring Boot BOM of the Spring Boot plugin), versions declared
//!   on a dependency winning over the managed ones;
//! - **dynamic versions** (`1.+`, `latest.release`, ranges) take the newest version the
//!   repositories list that fits.
//!
//! - **Gradle Module Metadata**: where a POM carries Gradle's marker, its `.module` file is read
//!   instead, as Gradle does: the variant the classpath takes gives the dependencies
//!   (with their excludes), its platform dependencies (jackson-databind → jackson-bom) are
//!   packages whose BOMs' versions become constraints, its `dependencyConstraints` are
//!   constraints, and an `available-at` variant (Kotlin multi-platform roots) is a dependency
//!   on the module that holds it. When the `.module` cannot be read, the POM is used and the
//!   problem reported.
//!
//! docs/benchmarks.md compares this resolution with real lockfiles.

use super::eval::Coordinate;
use super::version::{compare, is_dynamic, select};
use crate::ecosystem::maven::gradle_module::{GradleModule, Usage};
use crate::ecosystem::maven::model::{Effective, Models};
use crate::ecosystem::maven::{FetchError, Gav};
use crate::model::Scope;
use rayon::prelude::*;
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::sync::Arc;

/// How often the graph is walked again at most, while selected versions change.
const MAX_ROUNDS: usize = 25;

/// The exclusions (group, module; `*` for any) on the path to a node.
type Exclusions = Arc<Vec<(String, String)>>;

/// groupId, artifactId: Gradle's module identity.
pub(super) type Module = (String, String);

/// What a project asks for, across its classpaths.
#[derive(Debug, Default)]
pub(super) struct Request<'a> {
    pub(super) declared: Vec<(&'a Coordinate, Scope)>,
    /// `constraints { }`: module, version, strict, scope class.
    pub(super) constraints: Vec<(Module, String, bool, Scope)>,
    /// BOMs the Spring dependency-management plugin imports, in order: coordinates, where
    /// named, and the BOM properties the build overrides.
    pub(super) managed_boms: Vec<(Gav, String, HashMap<String, String>)>,
}

/// One module at its selected version in one classpath.
#[derive(Debug, Clone)]
pub(super) struct Node {
    pub(super) module: Module,
    pub(super) version: String,
    /// The modules it depends on (their nodes in the same classpath).
    pub(super) edges: Vec<usize>,
    pub(super) model: Option<Result<Arc<Effective>, FetchError>>,
    /// A platform (its BOM), not a library.
    pub(super) platform: bool,
    /// The capabilities its Gradle Module Metadata says it provides (empty: its own alone).
    pub(super) capabilities: Vec<Module>,
}

/// One classpath's graph.
#[derive(Debug, Default)]
pub(super) struct Classpath {
    pub(super) nodes: Vec<Node>,
    /// The node of each declared dependency (by index into the request's declarations).
    pub(super) direct: Vec<(usize, usize)>,
}

/// A project's resolution: its classpaths, and the problems met.
#[derive(Debug, Default)]
pub(super) struct Resolved {
    pub(super) classpaths: Vec<(Scope, Classpath)>,
    /// Modules whose version could not be decided: module, why.
    pub(super) unresolved: BTreeMap<Module, String>,
    /// BOMs (of platforms or Spring's plugin) that could not be read.
    /// BOM, where it is named (translatable), why it cannot be read.
    pub(super) boms: Vec<(Gav, crate::diagnostic::Text, FetchError)>,
    /// Modules that changed version while the graph was walked again and again, when it did
    /// not settle.
    pub(super) unsettled: bool,
    /// Gradle Module Metadata that could not be read (the POM was used instead).
    pub(super) module_metadata: Vec<(Gav, FetchError)>,
    /// Capabilities (group, name) that two or more modules of one classpath provide: Gradle
    /// fails such a resolution unless the build says which to take; both are listed.
    pub(super) capability_conflicts: BTreeMap<Module, BTreeSet<String>>,
}

/// A dependency of a module, from its POM or its Gradle Module Metadata.
struct Edge {
    module: Module,
    /// Empty: none asked (managed elsewhere).
    version: String,
    exclusions: Vec<(String, String)>,
    /// A platform: its BOM's versions are constraints; not expanded as a library.
    platform: bool,
}

/// The versions a BOM manages: module → version.
fn managed_by(
    models: &Models<'_>,
    gav: &Gav,
    overrides: &HashMap<String, String>,
) -> Result<HashMap<Module, String>, FetchError> {
    let model = models.of_repository_with(gav, overrides)?;
    Ok(model
        .management()
        .iter()
        .filter(|m| !m.version.is_empty() && m.version_problems.is_empty())
        .map(|m| ((m.group.clone(), m.artifact.clone()), m.version.clone()))
        .collect())
}

/// Resolves every classpath of a project.
pub(super) fn resolve(request: &Request<'_>, models: &Models<'_>) -> Resolved {
    let mut resolved = Resolved::default();
    // Spring's dependency management: forced everywhere, except where a declaration names
    // its own version; of BOMs managing the same module, the last imported wins.
    let mut spring: HashMap<Module, String> = HashMap::new();
    for (gav, at, overrides) in &request.managed_boms {
        match managed_by(models, gav, overrides) {
            Ok(entries) => spring.extend(entries),
            Err(err) => {
                resolved
                    .boms
                    .push((gav.clone(), crate::diagnostic::Text::verbatim(at), err))
            }
        }
    }
    for (coordinate, _) in &request.declared {
        if !coordinate.version.is_empty() && coordinate.platform.is_none() {
            spring.remove(&(coordinate.group.clone(), coordinate.artifact.clone()));
        }
    }
    // The classpaths Gradle's Java plugin resolves, each with the variant its usage asks
    // for; walked in this order, a package takes the scope of the first that holds it. The
    // runtime declarations (`implementation`, `api`, `runtimeOnly`) are on every classpath;
    // the compile and test ones see what their configurations extend, the build tools and
    // `developmentOnly` their own with the runtime ones.
    let mut walked: Vec<(Usage, Vec<usize>, Vec<usize>)> = Vec::new();
    for (scope, usage) in CLASSPATHS {
        let declared: Vec<(usize, &Coordinate)> = request
            .declared
            .iter()
            .enumerate()
            .filter(|(_, (c, s))| on_classpath(*s, &c.configuration, scope, usage))
            .map(|(i, (c, _))| (i, *c))
            .collect();
        if declared.is_empty() {
            continue;
        }
        let constraint_indices: Vec<usize> = (0..request.constraints.len())
            .filter(|&i| {
                let c = &request.constraints[i];
                c.3 == Scope::Runtime || c.3 == scope
            })
            .collect();
        // The same declarations and constraints of the same usage as a classpath already
        // walked give the same graph: it adds nothing at a later scope.
        let key = (
            usage,
            declared.iter().map(|(i, _)| *i).collect::<Vec<_>>(),
            constraint_indices.clone(),
        );
        if walked.contains(&key) {
            continue;
        }
        walked.push(key);
        let constraints: Vec<&(Module, String, bool, Scope)> = constraint_indices
            .iter()
            .map(|&i| &request.constraints[i])
            .collect();
        let classpath =
            Walk::new(models, &spring, &mut resolved, usage).run(&declared, &constraints);
        resolved.classpaths.push((scope, classpath));
    }
    resolved
}

/// The classpaths resolved, in the order their scopes rank: the runtime classpath, the
/// compile classpath (what only it holds is compile-only: `provided`), the annotation
/// processors, the test compile and test runtime classpaths, `developmentOnly`.
const CLASSPATHS: [(Scope, Usage); 6] = [
    (Scope::Runtime, Usage::Runtime),
    (Scope::Provided, Usage::Api),
    (Scope::Build, Usage::Runtime),
    (Scope::Test, Usage::Api),
    (Scope::Test, Usage::Runtime),
    (Scope::Dev, Usage::Runtime),
];

/// Whether a declaration of `declared` scope in `configuration` is on the classpath of
/// `scope` and `usage`: `runtimeOnly` ones are not compiled against, `compileOnly` ones are
/// not on a runtime classpath.
fn on_classpath(declared: Scope, configuration: &str, scope: Scope, usage: Usage) -> bool {
    let configuration = configuration.to_ascii_lowercase();
    let runtime_only = configuration.ends_with("runtimeonly");
    let compile_only =
        configuration.ends_with("compileonly") || configuration.ends_with("compileonlyapi");
    match usage {
        Usage::Api if runtime_only => return false,
        Usage::Runtime if compile_only => return false,
        _ => {}
    }
    declared == Scope::Runtime || declared == scope
}

/// One classpath being resolved.
struct Walk<'r, 'm> {
    models: &'m Models<'m>,
    spring: &'r HashMap<Module, String>,
    resolved: &'r mut Resolved,
    /// Dynamic versions resolved: (module, requested) → version.
    dynamic: HashMap<(Module, String), Option<String>>,
    /// The versions platforms met in the graph manage, by the platform's coordinates.
    platforms: HashMap<Gav, Arc<Vec<(Module, String)>>>,
    /// The variant of each module this classpath takes.
    usage: Usage,
}

impl<'r, 'm> Walk<'r, 'm> {
    fn new(
        models: &'m Models<'m>,
        spring: &'r HashMap<Module, String>,
        resolved: &'r mut Resolved,
        usage: Usage,
    ) -> Self {
        Walk {
            models,
            spring,
            resolved,
            dynamic: HashMap::new(),
            platforms: HashMap::new(),
            usage,
        }
    }

    /// A requested version as a static one.
    fn concrete(&mut self, module: &Module, requested: &str) -> Option<String> {
        if requested.is_empty() {
            return None;
        }
        if !is_dynamic(requested) {
            return Some(requested.to_string());
        }
        let key = (module.clone(), requested.to_string());
        if let Some(done) = self.dynamic.get(&key) {
            return done.clone();
        }
        let picked = match self.models.source {
            Some(source) => match source.versions(&self.models.repos(), &module.0, &module.1) {
                Ok(listed) => {
                    let picked = select(requested, &listed.versions).cloned();
                    if picked.is_none() {
                        self.resolved.unresolved.insert(
                            module.clone(),
                            format!("no version the repositories list fits `{requested}`"),
                        );
                    }
                    picked
                }
                Err(err) => {
                    self.resolved.unresolved.insert(
                        module.clone(),
                        format!("`{requested}` needs the repositories' version list: {err}"),
                    );
                    None
                }
            },
            None => None,
        };
        self.dynamic.insert(key, picked.clone());
        picked
    }

    fn run(
        mut self,
        declared: &[(usize, &Coordinate)],
        constraints: &[&(Module, String, bool, Scope)],
    ) -> Classpath {
        // Platforms: their BOMs' versions become constraints, or forced.
        let mut required: HashMap<Module, Vec<String>> = HashMap::new();
        let mut forced: HashMap<Module, String> = self.spring.clone();
        for (module, version, strict, _) in constraints {
            if *strict {
                forced.insert(module.clone(), version.clone());
            } else {
                required
                    .entry(module.clone())
                    .or_default()
                    .push(version.clone());
            }
        }
        for (_, coordinate) in declared {
            let module = (coordinate.group.clone(), coordinate.artifact.clone());
            if coordinate.strict && !coordinate.version.is_empty() {
                forced.insert(module.clone(), coordinate.version.clone());
            }
            let Some(enforced) = coordinate.platform else {
                continue;
            };
            let Some(version) = self.concrete(&module, &coordinate.version) else {
                continue;
            };
            let gav = Gav::new(&module.0, &module.1, &version);
            match managed_by(self.models, &gav, &HashMap::new()) {
                Ok(entries) => {
                    for (managed, version) in entries {
                        if enforced {
                            forced.entry(managed).or_insert(version);
                        } else {
                            required.entry(managed).or_default().push(version);
                        }
                    }
                }
                Err(err) => {
                    if !self.resolved.boms.iter().any(|(g, _, _)| *g == gav) {
                        self.resolved.boms.push((
                            gav,
                            crate::text!("at_line", line = coordinate.line),
                            err,
                        ));
                    }
                }
            }
        }

        let mut selected: HashMap<Module, String> = HashMap::new();
        let mut classpath = Classpath::default();
        for round in 0..MAX_ROUNDS {
            let (walked, requests) = self.walk(declared, &selected, &required, &forced);
            // Every module's selection from what the walked graph requests.
            let mut next: HashMap<Module, String> = HashMap::new();
            for (module, versions) in &requests {
                if let Some(version) = self.pick(module, versions, &required, &forced) {
                    next.insert(module.clone(), version);
                }
            }
            classpath = walked;
            if next == selected {
                break;
            }
            selected = next;
            if round + 1 == MAX_ROUNDS {
                self.resolved.unsettled = true;
            }
        }
        self.capability_conflicts(&classpath);
        classpath
    }

    /// Capabilities more than one module of the classpath provides (a module without
    /// capabilities in its metadata provides its own coordinates).
    fn capability_conflicts(&mut self, classpath: &Classpath) {
        let mut providers: HashMap<&Module, BTreeMap<&Module, &str>> = HashMap::new();
        for node in classpath.nodes.iter().filter(|n| !n.platform) {
            let own = std::slice::from_ref(&node.module);
            let provided = if node.capabilities.is_empty() {
                own
            } else {
                &node.capabilities[..]
            };
            for capability in provided {
                providers
                    .entry(capability)
                    .or_default()
                    .insert(&node.module, &node.version);
            }
        }
        for (capability, modules) in providers {
            if modules.len() < 2 {
                continue;
            }
            self.resolved
                .capability_conflicts
                .entry(capability.clone())
                .or_default()
                .extend(
                    modules
                        .into_iter()
                        .map(|(m, v)| format!("{}:{}:{v}", m.0, m.1)),
                );
        }
    }

    /// The version of `module`: forced, else the highest of what is requested and required.
    fn pick(
        &mut self,
        module: &Module,
        requested: &[String],
        required: &HashMap<Module, Vec<String>>,
        forced: &HashMap<Module, String>,
    ) -> Option<String> {
        if let Some(version) = forced.get(module) {
            return Some(version.clone());
        }
        let mut candidates: Vec<String> = Vec::new();
        for version in requested
            .iter()
            .chain(required.get(module).into_iter().flatten())
        {
            if let Some(v) = self.concrete(module, version) {
                candidates.push(v);
            }
        }
        candidates.into_iter().max_by(|a, b| compare(a, b))
    }

    /// Walks the graph from the declarations with the versions `selected` (where none is
    /// selected yet, the highest requested so far); returns the graph and every version each
    /// module is requested at.
    fn walk(
        &mut self,
        declared: &[(usize, &Coordinate)],
        selected: &HashMap<Module, String>,
        required: &HashMap<Module, Vec<String>>,
        forced: &HashMap<Module, String>,
    ) -> (Classpath, HashMap<Module, Vec<String>>) {
        let mut classpath = Classpath::default();
        let mut requests: HashMap<Module, Vec<String>> = HashMap::new();
        let mut at: HashMap<Module, usize> = HashMap::new();
        // (node, exclusions on the path to it)
        let mut level: Vec<(usize, Exclusions)> = Vec::new();
        for (index, coordinate) in declared {
            let module = (coordinate.group.clone(), coordinate.artifact.clone());
            requests
                .entry(module.clone())
                .or_default()
                .push(coordinate.version.clone());
            let node = self.node(
                &module,
                selected,
                &requests,
                required,
                forced,
                &mut classpath,
                &mut at,
            );
            classpath.nodes[node].platform |= coordinate.platform.is_some();
            classpath.direct.push((*index, node));
            if coordinate.platform.is_none() {
                level.push((node, Arc::new(coordinate.exclusions.clone())));
            } else if classpath.nodes[node].model.is_none() {
                // A platform's POM is a package too (its licence), not a library to expand.
                classpath.nodes[node].model = self.fetch(&classpath.nodes[node]);
            }
        }
        let mut expanded: HashSet<usize> = HashSet::new();
        // Platforms whose constraints this walk has applied.
        let mut applied: HashSet<Gav> = HashSet::new();
        while !level.is_empty() {
            self.prefetch(&level, &classpath);
            let mut next = Vec::new();
            for (node, exclusions) in level {
                if !expanded.insert(node) {
                    continue;
                }
                let model = match self.fetch(&classpath.nodes[node]) {
                    Some(model) => model,
                    None => continue,
                };
                classpath.nodes[node].model = Some(model.clone());
                let Ok(model) = model else { continue };
                if model.problems.iter().any(|p| p.error) {
                    continue;
                }
                let (edges, constraints, capabilities) = self.edges(&classpath.nodes[node], &model);
                classpath.nodes[node].capabilities = capabilities;
                for (module, version) in constraints {
                    requests.entry(module).or_default().push(version);
                }
                for dep in edges {
                    let excluded = exclusions.iter().any(|(g, a)| {
                        (g == "*" || *g == dep.module.0) && (a == "*" || *a == dep.module.1)
                    });
                    if excluded {
                        continue;
                    }
                    let module = dep.module.clone();
                    if !dep.version.is_empty() {
                        requests
                            .entry(module.clone())
                            .or_default()
                            .push(dep.version.clone());
                    } else {
                        requests.entry(module.clone()).or_default();
                    }
                    let child = self.node(
                        &module,
                        selected,
                        &requests,
                        required,
                        forced,
                        &mut classpath,
                        &mut at,
                    );
                    if !classpath.nodes[node].edges.contains(&child) && child != node {
                        classpath.nodes[node].edges.push(child);
                    }
                    if dep.platform {
                        // A platform is a package (its POM, its licence) whose BOM constrains
                        // the graph; it is not a library to expand.
                        classpath.nodes[child].platform = true;
                        if classpath.nodes[child].model.is_none() {
                            classpath.nodes[child].model = self.fetch(&classpath.nodes[child]);
                        }
                        let version = classpath.nodes[child].version.clone();
                        let gav = Gav::new(&module.0, &module.1, &version);
                        if !version.is_empty()
                            && !is_dynamic(&version)
                            && applied.insert(gav.clone())
                        {
                            for (managed, version) in self.platform(&gav).iter() {
                                requests
                                    .entry(managed.clone())
                                    .or_default()
                                    .push(version.clone());
                            }
                        }
                        continue;
                    }
                    let mut path = (*exclusions).clone();
                    path.extend(dep.exclusions);
                    next.push((child, Arc::new(path)));
                }
            }
            level = next;
        }
        (classpath, requests)
    }

    /// The node of `module` in this walk (created at its current version on first sight).
    #[allow(clippy::too_many_arguments)]
    fn node(
        &mut self,
        module: &Module,
        selected: &HashMap<Module, String>,
        requests: &HashMap<Module, Vec<String>>,
        required: &HashMap<Module, Vec<String>>,
        forced: &HashMap<Module, String>,
        classpath: &mut Classpath,
        at: &mut HashMap<Module, usize>,
    ) -> usize {
        if let Some(&node) = at.get(module) {
            return node;
        }
        let version = match selected.get(module) {
            Some(v) => v.clone(),
            None => {
                let requested = requests.get(module).cloned().unwrap_or_default();
                self.pick(module, &requested, required, forced)
                    .unwrap_or_else(|| {
                        requested
                            .into_iter()
                            .find(|v| !v.is_empty())
                            .unwrap_or_default()
                    })
            }
        };
        classpath.nodes.push(Node {
            module: module.clone(),
            version,
            edges: Vec::new(),
            model: None,
            platform: false,
            capabilities: Vec::new(),
        });
        at.insert(module.clone(), classpath.nodes.len() - 1);
        classpath.nodes.len() - 1
    }

    /// The dependencies of a module and the constraints it publishes: from the variant of its
    /// Gradle Module Metadata this classpath's usage takes, where its POM says Gradle published
    /// one and it can be read, else from the POM (its dependencies that are not optional, of
    /// the scopes the usage takes: `compile` for a compile classpath, `compile` and `runtime`
    /// for a runtime one).
    fn edges(
        &mut self,
        node: &Node,
        model: &Effective,
    ) -> (Vec<Edge>, Vec<(Module, String)>, Vec<Module>) {
        if let Some(module) = self.gradle_module(node, model)
            && let Some(variant) = module.variant(self.usage)
        {
            if let Some(at) = &variant.available_at {
                let edge = Edge {
                    module: (at.group.clone(), at.module.clone()),
                    version: at.version.clone(),
                    exclusions: Vec::new(),
                    platform: false,
                };
                return (vec![edge], Vec::new(), variant.capabilities.clone());
            }
            let edges = variant
                .dependencies
                .iter()
                .map(|d| Edge {
                    module: (d.group.clone(), d.module.clone()),
                    version: d.version.clone(),
                    exclusions: d.excludes.clone(),
                    platform: d.platform,
                })
                .collect();
            let constraints = variant
                .constraints
                .iter()
                .filter(|c| !c.version.is_empty())
                .map(|c| ((c.group.clone(), c.module.clone()), c.version.clone()))
                .collect();
            return (edges, constraints, variant.capabilities.clone());
        }
        let edges = model
            .dependencies
            .iter()
            .filter(|dep| self.usage.takes_pom_scope(&dep.scope) && !dep.optional)
            .map(|dep| Edge {
                module: (dep.group.clone(), dep.artifact.clone()),
                version: if dep.version_problems.is_empty() {
                    dep.version.clone()
                } else {
                    String::new()
                },
                exclusions: dep
                    .exclusions
                    .iter()
                    .map(|e| (e.group_id.clone(), e.artifact_id.clone()))
                    .collect(),
                platform: false,
            })
            .collect();
        (edges, Vec::new(), Vec::new())
    }

    /// The Gradle Module Metadata of a node whose POM carries Gradle's marker; None when there
    /// is none (a failure to read one is remembered for the report).
    fn gradle_module(&mut self, node: &Node, model: &Effective) -> Option<Arc<GradleModule>> {
        if !model.lineage.first().is_some_and(|pom| pom.gradle_metadata) {
            return None;
        }
        let source = self.models.source?;
        let gav = Gav::new(&node.module.0, &node.module.1, &node.version);
        match source.gradle_module(&self.models.repos(), &gav) {
            Ok(module) => Some(module),
            Err(FetchError::NotFound { .. } | FetchError::Off | FetchError::NoRepository) => None,
            Err(err) => {
                if !self.resolved.module_metadata.iter().any(|(g, _)| *g == gav) {
                    self.resolved.module_metadata.push((gav, err));
                }
                None
            }
        }
    }

    /// The versions the platform `gav` manages (its BOM), once per walk.
    fn platform(&mut self, gav: &Gav) -> Arc<Vec<(Module, String)>> {
        if let Some(done) = self.platforms.get(gav) {
            return done.clone();
        }
        let managed = match managed_by(self.models, gav, &HashMap::new()) {
            Ok(entries) => entries.into_iter().collect(),
            Err(err) => {
                if !self.resolved.boms.iter().any(|(g, _, _)| g == gav) {
                    self.resolved.boms.push((
                        gav.clone(),
                        crate::diagnostic::Text::new("bom_named_by_module_metadata"),
                        err,
                    ));
                }
                Vec::new()
            }
        };
        let managed = Arc::new(managed);
        self.platforms.insert(gav.clone(), managed.clone());
        managed
    }

    fn fetch(&self, node: &Node) -> Option<Result<Arc<Effective>, FetchError>> {
        if node.version.is_empty() || is_dynamic(&node.version) {
            return None;
        }
        Some(
            self.models
                .of_repository(&Gav::new(&node.module.0, &node.module.1, &node.version)),
        )
    }

    /// The POMs of a level, fetched in parallel.
    fn prefetch(&self, level: &[(usize, Exclusions)], classpath: &Classpath) {
        if self.models.source.is_none() {
            return;
        }
        let gavs: HashSet<Gav> = level
            .iter()
            .map(|(n, _)| &classpath.nodes[*n])
            .filter(|n| !n.version.is_empty() && !is_dynamic(&n.version))
            .map(|n| Gav::new(&n.module.0, &n.module.1, &n.version))
            .collect();
        let repos = self.models.repos();
        self.models.fetching(|| {
            gavs.into_par_iter().for_each(|gav| {
                if let Ok(model) = self.models.of_repository(&gav)
                    && model.lineage.first().is_some_and(|pom| pom.gradle_metadata)
                    && let Some(source) = self.models.source
                {
                    let _ = source.gradle_module(&repos, &gav);
                }
            })
        });
    }
}
