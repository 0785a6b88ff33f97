//! A module's dependency graph, collected from POMs as Maven 3 (its resolver 1.x) collects it.
//!
//! Starting from the module's own dependencies, each artefact's POM (its effective model,
//! [`super::model`]) gives its dependencies, level by level:
//!
//! - **selection**: below the module's own dependencies, `test` and `provided` dependencies and
//!   optional ones are left out, and so is whatever an `<exclusion>` on the path to it names
//!   (`*` for any groupId or artifactId);
//! - **management**: the module's dependencyManagement (its own, inherited and imported) sets the
//!   version, scope and optionality of every transitive dependency and adds its exclusions; a
//!   dependency's own POM manages only its own direct dependencies;
//! - **mediation**: of all versions of an artefact (groupId, artifactId, extension, classifier)
//!   the nearest to the module wins, and at equal depth the first declared; the graph below a
//!   losing version is not part of the result;
//! - **versions**: a range (`[1.0,2.0)`) or `LATEST`/`RELEASE` takes the newest version the
//!   repositories' `maven-metadata.xml` lists that fits; a `-SNAPSHOT` is read through the
//!   snapshot's metadata by the source;
//! - **relocations**: an artefact whose POM relocates it is replaced by the one it names;
//! - **types**: `test-jar` is the `tests` classifier of a jar, `war`, `ear` and `rar` bring no
//!   dependencies of their own, a `system` dependency has no POM;
//! - **scopes**: a direct dependency keeps its scope; any other takes the widest scope of all its
//!   occurrences (compile > runtime > provided > test), each derived from its parent's by Maven's
//!   table (compile under runtime is runtime, anything under test is test, under provided is
//!   provided, test and system stay), a managed scope taken as it is.
//!
//! POMs of each level are fetched in parallel; the graph is then walked in Maven's order.

use super::model::{Dep, Effective, Models};
use super::pom::ExclusionDecl;
use super::source::{FetchError, Gav};
use super::version::{Requirement, select};
use rayon::prelude::*;
use std::collections::{HashMap, HashSet};
use std::sync::Arc;

/// groupId, artifactId, extension, classifier: what makes two nodes versions of one artefact.
pub(crate) type ConflictKey = (String, String, String, String);

/// How a node's version was found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum VersionFrom {
    /// As declared or managed.
    Exact,
    /// The newest version in the repositories' metadata that fits what was asked for.
    Selected { requested: String },
    /// Not resolved: the reason (an unresolved property, no version, no fitting version).
    Unresolved { reason: String },
}

/// One artefact of the result.
#[derive(Debug, Clone)]
pub(crate) struct Node {
    pub(crate) group: String,
    pub(crate) artifact: String,
    pub(crate) version: String,
    /// `<type>` as declared (`jar`, `test-jar`, `pom`, ...).
    pub(crate) kind: String,
    pub(crate) classifier: String,
    pub(crate) extension: String,
    /// Maven's scope after mediation: `compile`, `runtime`, `provided`, `test` or `system`.
    pub(crate) scope: String,
    pub(crate) optional: bool,
    /// 1 for the module's own dependencies.
    pub(crate) depth: usize,
    /// The node it was first reached from (the path Maven's tree shows), `None` at depth 1.
    pub(crate) parent: Option<usize>,
    /// Every node of the result this one depends on, with the scope the dependency declares.
    pub(crate) edges: Vec<(usize, String, bool)>,
    pub(crate) version_from: VersionFrom,
    /// Its POM's model, or why it could not be read (`None`: it has none to read).
    pub(crate) model: Option<Result<Arc<Effective>, FetchError>>,
    pub(crate) relocated_from: Option<Gav>,
    /// A module of the same build (no POM is fetched for it).
    pub(crate) reactor: bool,
    /// The declaration that brought it in first (the module's POM and line for depth 1).
    pub(crate) declared_in: String,
    pub(crate) line: usize,
    pub(crate) profile: Option<String>,
    /// Where its version comes from when managed: file, line.
    pub(crate) version_at: (String, usize),
    /// The BOM (of the tree or a repository) whose dependencyManagement gave the version, and
    /// the place of its import.
    pub(crate) managed_by_bom: Option<(String, usize)>,
    pub(crate) system_path: Option<String>,
}

impl Node {
    pub(crate) fn gav(&self) -> Gav {
        Gav::new(&self.group, &self.artifact, &self.version)
    }
}

/// A module's resolved dependencies.
#[derive(Debug, Default)]
pub(crate) struct Resolution {
    pub(crate) nodes: Vec<Node>,
}

/// The extension and default classifier of a dependency `<type>` (Maven's artifact handlers),
/// and whether its dependencies are its own business (it bundles them: `war`, `ear`, ...).
pub(crate) fn artifact_type(kind: &str) -> (&str, &'static str, bool) {
    match kind {
        "test-jar" => ("jar", "tests", false),
        "ejb-client" => ("jar", "client", false),
        "java-source" => ("jar", "sources", false),
        "javadoc" => ("jar", "javadoc", false),
        "jar" | "ejb" | "maven-plugin" => ("jar", "", false),
        "war" | "ear" | "rar" | "par" => (kind, "", true),
        other => (other, "", false),
    }
}

fn conflict_key(dep: &Dep) -> ConflictKey {
    let (extension, default_classifier, _) = artifact_type(&dep.kind);
    let classifier = if dep.classifier.is_empty() {
        default_classifier.to_string()
    } else {
        dep.classifier.clone()
    };
    (
        dep.group.clone(),
        dep.artifact.clone(),
        extension.to_string(),
        classifier,
    )
}

fn excluded(exclusions: &[ExclusionDecl], group: &str, artifact: &str) -> bool {
    exclusions.iter().any(|e| {
        (e.group_id == "*" || e.group_id == group)
            && (e.artifact_id == "*" || e.artifact_id == artifact)
    })
}

/// Maven's scope table: the scope of a dependency declared with `child` under a node in
/// `parent`.
pub(crate) fn derive_scope(parent: &str, child: &str) -> String {
    let child = if child.is_empty() { "compile" } else { child };
    match (parent, child) {
        (_, "system" | "test") => child,
        ("" | "compile", _) => child,
        ("test" | "runtime", _) => parent,
        ("system" | "provided", _) => "provided",
        _ => "runtime",
    }
    .to_string()
}

/// The widest of several scopes.
fn widest(scopes: &HashSet<String>) -> String {
    let mut scopes = scopes.clone();
    if scopes.len() > 1 {
        scopes.remove("system");
    }
    if scopes.len() == 1 {
        return scopes.into_iter().next().unwrap_or_default();
    }
    for scope in ["compile", "runtime", "provided", "test"] {
        if scopes.contains(scope) {
            return scope.to_string();
        }
    }
    scopes
        .into_iter()
        .min()
        .unwrap_or_else(|| "compile".to_string())
}

/// An occurrence of an artefact below a node of the result.
struct Occurrence {
    parent: Option<usize>,
    key: ConflictKey,
    /// The scope as declared and managed.
    scope: String,
    /// Whether the module's management set the scope (then it is not derived).
    scope_managed: bool,
    optional: bool,
}

/// A dependency to process below `parent` (`None`: the module's own).
struct Candidate {
    parent: Option<usize>,
    dep: Dep,
    scope_managed: bool,
    /// The exclusions on the path to it, its own included.
    exclusions: Arc<Vec<ExclusionDecl>>,
}

/// Collects the graph of `module` (its effective model); `reactor` are the build's modules by
/// coordinates, whose models are used instead of fetching their POMs.
pub(crate) fn collect(
    module: &Effective,
    models: &Models<'_>,
    reactor: &HashMap<Gav, Arc<Effective>>,
) -> Resolution {
    let mut resolution = Resolution::default();
    let mut winners: HashMap<ConflictKey, usize> = HashMap::new();
    let mut occurrences: Vec<Occurrence> = Vec::new();
    let mut exclusions_of: Vec<Arc<Vec<ExclusionDecl>>> = Vec::new();
    let own_key: ConflictKey = (
        module.group.clone(),
        module.artifact.clone(),
        artifact_type(&module.packaging).0.to_string(),
        String::new(),
    );
    let managed: HashMap<(String, String, String, String), &Dep> =
        module.management().iter().map(|m| (m.key(), m)).collect();

    // The module's own dependencies: already managed by its model; the management's
    // exclusions are added to their own.
    let mut level: Vec<Candidate> = module
        .dependencies
        .iter()
        .map(|d| {
            let mut exclusions = d.exclusions.clone();
            if let Some(m) = managed.get(&d.key()) {
                for e in &m.exclusions {
                    if !exclusions.contains(e) {
                        exclusions.push(e.clone());
                    }
                }
            }
            let mut dep = d.clone();
            dep.exclusions = exclusions.clone();
            Candidate {
                parent: None,
                dep,
                scope_managed: false,
                exclusions: Arc::new(exclusions),
            }
        })
        .collect();

    while !level.is_empty() {
        prefetch(&level, &winners, models, reactor);
        let mut next_parents: Vec<usize> = Vec::new();
        for candidate in level {
            let Candidate {
                parent,
                mut dep,
                scope_managed,
                exclusions,
            } = candidate;
            let depth = parent.map_or(1, |p| resolution.nodes[p].depth + 1);
            let (version, version_from) = resolve_version(&dep, models);
            let mut model = fetch_model(&dep, &version, models, reactor);
            // A relocated artefact is replaced by its target, processed anew.
            let mut relocated_from = None;
            let mut hops = 0;
            while let Some(Ok(m)) = &model
                && let Some(target) = &m.relocation
                && *target != m.gav()
                && hops < 8
            {
                hops += 1;
                let from = Gav::new(&dep.group, &dep.artifact, &version);
                if parent.is_some()
                    && excluded(
                        parent.map_or(&[][..], |p| &exclusions_of[p][..]),
                        &target.group,
                        &target.artifact,
                    )
                {
                    model = None;
                    break;
                }
                dep.group = target.group.clone();
                dep.artifact = target.artifact.clone();
                let target_version = target.version.clone();
                relocated_from.get_or_insert(from);
                model = fetch_model(&dep, &target_version, models, reactor);
                dep.version = target_version;
            }
            if hops > 0 && model.is_none() {
                continue;
            }
            let version = if relocated_from.is_some() {
                dep.version.clone()
            } else {
                version
            };
            let key = conflict_key(&dep);
            occurrences.push(Occurrence {
                parent,
                key: key.clone(),
                scope: dep.scope.clone(),
                scope_managed,
                optional: dep.optional,
            });
            if key == own_key {
                continue;
            }
            if let Some(&winner) = winners.get(&key) {
                if let Some(p) = parent {
                    add_edge(&mut resolution.nodes[p], winner, &dep);
                }
                continue;
            }
            let (extension, default_classifier, bundles) = artifact_type(&dep.kind);
            let classifier = if dep.classifier.is_empty() {
                default_classifier.to_string()
            } else {
                dep.classifier.clone()
            };
            let index = resolution.nodes.len();
            let reactor_member = model.as_ref().is_some_and(|m| {
                m.as_ref()
                    .is_ok_and(|m| reactor.contains_key(&m.gav()) && m.file.tree_path().is_some())
            });
            let expands = !bundles && dep.scope != "system";
            let version_at = dep
                .managed_at
                .as_ref()
                .map(|m| (m.file.clone(), m.line))
                .unwrap_or_else(|| (dep.declared_in.clone(), dep.version_line));
            resolution.nodes.push(Node {
                group: dep.group.clone(),
                artifact: dep.artifact.clone(),
                version,
                kind: dep.kind.clone(),
                classifier,
                extension: extension.to_string(),
                scope: String::new(),
                optional: dep.optional,
                depth,
                parent,
                edges: Vec::new(),
                version_from,
                model: if dep.scope == "system" { None } else { model },
                relocated_from,
                reactor: reactor_member,
                declared_in: dep.declared_in.clone(),
                line: dep.line,
                profile: dep.profile.clone(),
                version_at,
                managed_by_bom: dep.managed_at.as_ref().and_then(|m| m.bom.clone()),
                system_path: dep.system_path.clone(),
            });
            exclusions_of.push(exclusions);
            winners.insert(key, index);
            if let Some(p) = parent {
                add_edge(&mut resolution.nodes[p], index, &dep);
            }
            if expands {
                next_parents.push(index);
            }
        }

        // The next level: the dependencies of this level's new nodes, selected and managed.
        let mut next = Vec::new();
        for parent in next_parents {
            let Some(Ok(model)) = &resolution.nodes[parent].model else {
                continue;
            };
            // A POM from a repository whose parent or BOM could not be read (or that loops) is
            // invalid to Maven: it gives no dependencies.
            if model.file.tree_path().is_none() && model.problems.iter().any(|p| p.error) {
                continue;
            }
            let model = model.clone();
            let path_exclusions = exclusions_of[parent].clone();
            for declared in &model.dependencies {
                // Selection looks at the dependency as declared.
                if matches!(declared.scope.as_str(), "test" | "provided") || declared.optional {
                    continue;
                }
                if excluded(&path_exclusions, &declared.group, &declared.artifact) {
                    continue;
                }
                let mut dep = declared.clone();
                let mut scope_managed = false;
                if let Some(m) = managed.get(&dep.key()) {
                    if !m.version.is_empty() {
                        dep.version = m.version.clone();
                        dep.version_problems = m.version_problems.clone();
                        dep.managed_at = Some(m.as_managed_at());
                    }
                    if !m.scope.is_empty() {
                        dep.scope = m.scope.clone();
                        scope_managed = true;
                    }
                    for e in &m.exclusions {
                        if !dep.exclusions.contains(e) {
                            dep.exclusions.push(e.clone());
                        }
                    }
                }
                let exclusions = if dep.exclusions.is_empty() {
                    path_exclusions.clone()
                } else {
                    let mut all = (*path_exclusions).clone();
                    all.extend(dep.exclusions.iter().cloned());
                    Arc::new(all)
                };
                next.push(Candidate {
                    parent: Some(parent),
                    dep,
                    scope_managed,
                    exclusions,
                });
            }
        }
        level = next;
    }

    assign_scopes(&mut resolution, &occurrences, &winners);
    resolution
}

fn add_edge(parent: &mut Node, to: usize, dep: &Dep) {
    let scope = if dep.scope.is_empty() {
        "compile".to_string()
    } else {
        dep.scope.clone()
    };
    if !parent.edges.iter().any(|(t, _, _)| *t == to) {
        parent.edges.push((to, scope, dep.optional));
    }
}

/// The version to use for `dep`, and how it was found.
fn resolve_version(dep: &Dep, models: &Models<'_>) -> (String, VersionFrom) {
    if !dep.version_problems.is_empty() {
        let reasons: Vec<String> = dep
            .version_problems
            .iter()
            .map(|p| p.describe("the POMs"))
            .collect();
        return (
            dep.version.clone(),
            VersionFrom::Unresolved {
                reason: reasons.join("; "),
            },
        );
    }
    if dep.version.is_empty() {
        return (
            String::new(),
            VersionFrom::Unresolved {
                reason: "it has no version, and no dependencyManagement manages it".to_string(),
            },
        );
    }
    let requirement = match Requirement::parse(&dep.version) {
        Ok(Requirement::Exact(v)) => return (v, VersionFrom::Exact),
        Ok(other) => other,
        Err(message) => {
            return (
                dep.version.clone(),
                VersionFrom::Unresolved {
                    reason: format!("it is not a valid version range: {message}"),
                },
            );
        }
    };
    let unresolved = |reason: String| (dep.version.clone(), VersionFrom::Unresolved { reason });
    let Some(source) = models.source else {
        return unresolved(
            "its versions are listed by a repository, and none is configured".into(),
        );
    };
    match source.versions(&models.repos(), &dep.group, &dep.artifact) {
        Ok(listed) => {
            let picked = match &requirement {
                Requirement::Latest => listed
                    .latest
                    .clone()
                    .or_else(|| select(&requirement, &listed.versions).cloned()),
                Requirement::Release => listed
                    .release
                    .clone()
                    .or_else(|| select(&requirement, &listed.versions).cloned()),
                _ => select(&requirement, &listed.versions).cloned(),
            };
            match picked {
                Some(version) => (
                    version,
                    VersionFrom::Selected {
                        requested: dep.version.clone(),
                    },
                ),
                None => unresolved(format!(
                    "no version the repositories list fits `{}` ({} listed)",
                    dep.version,
                    listed.versions.len()
                )),
            }
        }
        Err(err) => unresolved(format!("its versions could not be read: {err}")),
    }
}

/// The model of `dep` at `version`: a module of the build, else its POM from the repositories;
/// `None` when it has no POM to read (a system dependency, an unresolved version).
fn fetch_model(
    dep: &Dep,
    version: &str,
    models: &Models<'_>,
    reactor: &HashMap<Gav, Arc<Effective>>,
) -> Option<Result<Arc<Effective>, FetchError>> {
    if dep.scope == "system" || version.is_empty() || version.contains("${") {
        return None;
    }
    let gav = Gav::new(&dep.group, &dep.artifact, version);
    if let Some(module) = reactor.get(&gav) {
        return Some(Ok(module.clone()));
    }
    if Requirement::parse(version).is_ok_and(|r| !matches!(r, Requirement::Exact(_))) {
        return None;
    }
    Some(models.of_repository(&gav))
}

/// Fetches, in parallel, what this level will need: the version lists of ranges and the models
/// of artefacts not decided yet.
fn prefetch(
    level: &[Candidate],
    winners: &HashMap<ConflictKey, usize>,
    models: &Models<'_>,
    reactor: &HashMap<Gav, Arc<Effective>>,
) {
    if models.source.is_none() {
        return;
    }
    let fresh: Vec<&Candidate> = level
        .iter()
        .filter(|c| !winners.contains_key(&conflict_key(&c.dep)))
        .collect();
    let ranges: HashSet<(String, String, String)> = fresh
        .iter()
        .filter(|c| {
            c.dep.version_problems.is_empty()
                && Requirement::parse(&c.dep.version)
                    .is_ok_and(|r| !matches!(r, Requirement::Exact(_)))
        })
        .map(|c| {
            (
                c.dep.group.clone(),
                c.dep.artifact.clone(),
                c.dep.version.clone(),
            )
        })
        .collect();
    let resolved: HashMap<(String, String, String), String> = models.fetching(|| {
        ranges
            .into_par_iter()
            .map(|(g, a, v)| {
                let dep = Dep {
                    group: g.clone(),
                    artifact: a.clone(),
                    version: v.clone(),
                    ..fresh[0].dep.clone()
                };
                let version = resolve_version(&dep, models).0;
                ((g, a, v), version)
            })
            .collect()
    });
    let gavs: HashSet<Gav> = fresh
        .iter()
        .filter(|c| c.dep.scope != "system" && c.dep.version_problems.is_empty())
        .filter_map(|c| {
            let version = resolved
                .get(&(
                    c.dep.group.clone(),
                    c.dep.artifact.clone(),
                    c.dep.version.clone(),
                ))
                .cloned()
                .unwrap_or_else(|| c.dep.version.clone());
            let gav = Gav::new(&c.dep.group, &c.dep.artifact, &version);
            (!version.is_empty() && !reactor.contains_key(&gav)).then_some(gav)
        })
        .collect();
    models.fetching(|| {
        gavs.into_par_iter().for_each(|gav| {
            let _ = models.of_repository(&gav);
        })
    });
}

/// Scopes and optionality after mediation, parents before children.
fn assign_scopes(
    resolution: &mut Resolution,
    occurrences: &[Occurrence],
    winners: &HashMap<ConflictKey, usize>,
) {
    let count = resolution.nodes.len();
    let mut by_node: Vec<Vec<&Occurrence>> = vec![Vec::new(); count];
    for occurrence in occurrences {
        if let Some(&node) = winners.get(&occurrence.key) {
            by_node[node].push(occurrence);
        }
    }
    // Parents first: a node's occurrences below other nodes wait for those; nodes in a cycle
    // are taken in the order they were found.
    let mut done = vec![false; count];
    let mut remaining = count;
    while remaining > 0 {
        let mut progressed = false;
        for node in 0..count {
            if done[node] {
                continue;
            }
            let ready = by_node[node]
                .iter()
                .all(|o| o.parent.is_none_or(|p| done[p] || p == node));
            if ready {
                settle(resolution, node, &by_node[node], &done);
                done[node] = true;
                remaining -= 1;
                progressed = true;
            }
        }
        if !progressed && let Some(node) = (0..count).find(|&n| !done[n]) {
            settle(resolution, node, &by_node[node], &done);
            done[node] = true;
            remaining -= 1;
        }
    }
}

fn settle(resolution: &mut Resolution, node: usize, occurrences: &[&Occurrence], done: &[bool]) {
    let direct = occurrences.iter().find(|o| o.parent.is_none());
    let (scope, optional) = match direct {
        Some(o) => (
            if o.scope.is_empty() {
                "compile".to_string()
            } else {
                o.scope.clone()
            },
            o.optional,
        ),
        None => {
            let mut scopes = HashSet::new();
            let mut optional = true;
            for o in occurrences {
                let Some(p) = o.parent.filter(|&p| done[p] && p != node) else {
                    continue;
                };
                let parent = &resolution.nodes[p];
                let scope = if o.scope_managed {
                    o.scope.clone()
                } else {
                    derive_scope(&parent.scope, &o.scope)
                };
                scopes.insert(scope);
                optional &= o.optional || parent.optional;
            }
            let own = occurrences.first().map(|o| o.scope.as_str()).unwrap_or("");
            let scope = if own == "system" {
                "system".to_string()
            } else if scopes.is_empty() {
                derive_scope("", own)
            } else {
                widest(&scopes)
            };
            (scope, optional && !occurrences.is_empty())
        }
    };
    resolution.nodes[node].scope = scope;
    resolution.nodes[node].optional = optional;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scopes_derive_by_mavens_table() {
        let cases = [
            ("compile", "compile", "compile"),
            ("compile", "runtime", "runtime"),
            ("runtime", "compile", "runtime"),
            ("provided", "compile", "provided"),
            ("provided", "runtime", "provided"),
            ("test", "compile", "test"),
            ("test", "runtime", "test"),
            ("compile", "test", "test"),
            ("runtime", "system", "system"),
            ("system", "compile", "provided"),
        ];
        for (parent, child, derived) in cases {
            assert_eq!(
                derive_scope(parent, child),
                derived,
                "{child} under {parent}"
            );
        }
        let set = |s: &[&str]| s.iter().map(|x| x.to_string()).collect::<HashSet<_>>();
        assert_eq!(widest(&set(&["test", "runtime"])), "runtime");
        assert_eq!(widest(&set(&["provided", "compile", "test"])), "compile");
        assert_eq!(widest(&set(&["system", "test"])), "test");
    }

    #[test]
    fn types_map_to_extensions_and_classifiers() {
        assert_eq!(artifact_type("test-jar"), ("jar", "tests", false));
        assert_eq!(artifact_type("war"), ("war", "", true));
        assert_eq!(artifact_type("pom"), ("pom", "", false));
        assert!(excluded(
            &[ExclusionDecl {
                group_id: "*".into(),
                artifact_id: "x".into()
            }],
            "any.group",
            "x"
        ));
    }
}
