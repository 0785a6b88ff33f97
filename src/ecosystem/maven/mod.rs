//! Maven: the dependency graph of a build, from its `pom.xml` files and the POMs of its
//! dependencies, without running Maven or any code of the build.
//!
//! One project is one build: the topmost `pom.xml` and, recursively, the `<modules>` it lists
//! (those of its active profiles too). The build's own artefacts (the root POM and every module)
//! are the project's root packages; a module depending on another module of the build is an
//! edge between two roots (the reactor), whatever the repositories hold.
//!
//! - [`pom`]: one POM as written; [`tree`]: the audited tree's POMs, read through the confined
//!   reader, found by path or coordinates;
//! - [`model`]: a POM's effective model, as Maven builds it (parents, active [`profiles`],
//!   inheritance, [`interpolate`]d properties, dependencyManagement with imported BOMs);
//! - [`collect`]: the graph, as Maven's resolver collects it (selection, management, nearest
//!   wins, exclusions, optional, scopes, ranges through `maven-metadata.xml`, relocations);
//! - [`source`]: where POMs come from besides the tree (the repositories, through
//!   `crate::registry::maven`); [`build`]: the graph as packages, edges and findings.
//!
//! Without a repository (registry look-ups off), only what the tree holds is known: the
//! modules' own dependencies, with versions from the tree's parents and BOMs; the project is
//! then partial.

mod build;
pub(crate) use build::listing;
mod collect;
pub mod gradle_module;
mod interpolate;
pub(crate) mod model;
pub mod pom;
mod profiles;
pub mod source;
pub(crate) mod tree;
pub mod version;
pub(crate) mod xml;

pub(crate) use build::declared_licence;
pub(crate) use pom::licence_expression;
pub use pom::{Pom, PomFile};
pub use profiles::Platform;
pub use source::{DeclaredRepo, FetchError, Gav, PomSource, Versions};
pub(crate) use xml::decode;

use super::{ProjectGraph, ReadContext};
use crate::discover::{FoundProject, TreeFiles};
use crate::source::Confined;
use collect::Resolution;
use model::{Effective, Models};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use tree::{TreePoms, normalise, pom_at};

/// The reader's description in the report.
const READER: &str = "pom.xml";

/// How to point fundament at a Maven repository (R002).
pub const CONFIGURE_HINT: &str = "add `maven = [\"https://<your Maven repository>/\"]` under \
    `[registries]` in ~/.config/fundament/config.toml (or in the file given to --policy), or a \
    <mirror> to ~/.m2/settings.xml; with Maven installed, fundament finds its central repository \
    in Maven's own files";

/// Reads one Maven build.
pub fn read(ctx: &ReadContext<'_>, found: &FoundProject) -> ProjectGraph {
    let detected;
    let platform = match &ctx.options.platform {
        Some(platform) => platform,
        None => {
            detected = Platform::detect();
            &detected
        }
    };
    let tree = TreePoms::new(ctx.input, ctx.root, Some(ctx.tree));
    let source = ctx.options.maven.as_deref();
    let models = Models::new(source, platform, &tree);
    let root = match tree.load(&normalise(&found.manifest)) {
        Ok(pom) => pom,
        Err(finding) => return ProjectGraph::failed(ctx, found, READER, *finding),
    };
    let reactor = Reactor::read(&models, root);
    let resolutions = reactor.resolve(&models);
    build::project_graph(ctx, found, &reactor, &resolutions, &models)
}

/// The build's modules, with their effective models.
pub(crate) struct Reactor {
    /// Every module read (the root first).
    pub(crate) modules: Vec<Arc<Effective>>,
    /// Every POM listed as a module, read or not.
    pub(crate) listed: Vec<PathBuf>,
    /// Modules listed only in profiles that are not active: (path, profile, where listed).
    pub(crate) inactive_modules: Vec<(PathBuf, String)>,
    /// Problems with the `<modules>` lists (missing or unreadable module POMs).
    pub(crate) findings: Vec<crate::diagnostic::Finding>,
}

impl Reactor {
    /// The root POM and, recursively, every module it lists in its own `<modules>` and those of
    /// its active profiles; the repositories they declare are added to `models` first.
    fn read(models: &Models<'_>, root: Arc<Pom>) -> Reactor {
        use crate::diagnostic::{Code, Finding};
        let tree = models.tree;
        let mut reactor = Reactor {
            modules: Vec::new(),
            listed: Vec::new(),
            inactive_modules: Vec::new(),
            findings: Vec::new(),
        };
        let mut poms: Vec<Arc<Pom>> = vec![root.clone()];
        let mut seen: Vec<PathBuf> = root.file.tree_path().cloned().into_iter().collect();
        let mut next = 0;
        while let Some(pom) = poms.get(next).cloned() {
            next += 1;
            let Some(path) = pom.file.tree_path().cloned() else {
                continue;
            };
            reactor.listed.push(path.clone());
            let dir = path.parent().unwrap_or(Path::new(".")).to_path_buf();
            let (active, _) = profiles::active_profiles(&pom, models.platform, None);
            let mut lists: Vec<(&pom::ModuleRef, bool)> =
                pom.own.modules.iter().map(|m| (m, true)).collect();
            for (i, profile) in pom.profiles.iter().enumerate() {
                let on = active.contains(&i);
                lists.extend(profile.section.modules.iter().map(|m| (m, on)));
            }
            for (module, on) in lists {
                let module_path = pom_at(&dir, &module.path);
                if seen.contains(&module_path) {
                    continue;
                }
                if !on {
                    reactor
                        .inactive_modules
                        .push((module_path, module.profile.clone().unwrap_or_default()));
                    continue;
                }
                seen.push(module_path.clone());
                reactor.listed.push(module_path.clone());
                let shown = tree.display(&module_path);
                let listed = match &module.profile {
                    Some(profile) => crate::text!(
                        "module_listed_in_profile",
                        module = module.path,
                        profile = profile,
                        file = pom.file.display(),
                        line = module.line
                    ),
                    None => crate::text!(
                        "module_listed",
                        module = module.path,
                        file = pom.file.display(),
                        line = module.line
                    ),
                };
                let problem = match tree.input.resolve(&module_path) {
                    Err(r) if r.is_missing() => Some(
                        crate::text!("module_has_no_pom", file = shown)
                            .sub("listed", listed.clone()),
                    ),
                    Err(r) if r.is_outside() => Some(
                        crate::text!("module_outside", file = shown).sub("listed", listed.clone()),
                    ),
                    _ => None,
                };
                if let Some(problem) = problem {
                    reactor.findings.push(
                        Finding::error(Code::InputUnreadable, problem)
                            .at(pom.file.display().to_string(), Some(module.line)),
                    );
                    continue;
                }
                match tree.load(&module_path) {
                    Ok(module_pom) => poms.push(module_pom),
                    Err(finding) => {
                        reactor.findings.push((*finding).note(
                            crate::diagnostic::Text::new("module_note").sub("listed", listed),
                        ))
                    }
                }
            }
        }
        // The repositories the tree declares, so that parents and BOMs are found in them too.
        let mut declared = Vec::new();
        for pom in &poms {
            let (active, _) = profiles::active_profiles(pom, models.platform, None);
            for section in pom.sections(&active) {
                for repo in &section.repositories {
                    declared.push(DeclaredRepo {
                        id: repo.id.clone(),
                        url: Some(repo.url.clone()),
                        releases: repo.releases.as_deref() != Some("false"),
                        snapshots: repo.snapshots.as_deref() != Some("false"),
                        declared_in: format!("{}:{}", pom.file.display(), repo.line),
                        from_tree: true,
                    });
                }
            }
        }
        add_repos(
            models,
            declared
                .into_iter()
                .filter(|r| !r.url.as_deref().unwrap_or("").contains("${")),
        );
        for pom in poms {
            reactor.modules.push(Arc::new(models.of_tree(pom)));
        }
        // Repositories the modules' parents from repositories declare.
        let inherited: Vec<DeclaredRepo> = reactor
            .modules
            .iter()
            .flat_map(|m| m.repositories.iter().cloned())
            .map(|mut r| {
                r.from_tree = true;
                r
            })
            .collect();
        add_repos(models, inherited.into_iter());
        reactor
    }

    /// Each module's graph.
    fn resolve(&self, models: &Models<'_>) -> Vec<Resolution> {
        let by_gav: HashMap<Gav, Arc<Effective>> =
            self.modules.iter().map(|m| (m.gav(), m.clone())).collect();
        self.modules
            .iter()
            .map(|module| collect::collect(module, models, &by_gav))
            .collect()
    }
}

/// Adds repositories to those `models` fetches from, each URL once.
fn add_repos(models: &Models<'_>, repos: impl Iterator<Item = DeclaredRepo>) {
    if let Ok(mut list) = models.repos.lock() {
        for repo in repos {
            let duplicate = list
                .iter()
                .any(|r| r.url == repo.url || (!r.id.is_empty() && r.id == repo.id));
            if !duplicate && repo.url.as_deref().is_some_and(|u| !u.trim().is_empty()) {
                list.push(repo);
            }
        }
    }
}

/// One artefact of a module's resolved graph, as Maven's `dependency:list` names it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ResolvedArtifact {
    pub group: String,
    pub artifact: String,
    /// `<type>` (`jar`, `test-jar`, `pom`, ...).
    pub kind: String,
    pub classifier: String,
    pub version: String,
    /// `compile`, `runtime`, `provided`, `test` or `system`.
    pub scope: String,
    pub optional: bool,
}

/// One module of a build and its resolved dependencies.
#[derive(Debug, Clone)]
pub struct ModuleDependencies {
    /// `groupId:artifactId:packaging:version`, as Maven's tree names the module.
    pub module: String,
    pub dependencies: Vec<ResolvedArtifact>,
    /// Problems met (POMs not found, versions not resolved), in words.
    pub problems: Vec<String>,
}

/// Resolves the Maven build whose top POM is `manifest` below `root`, module by module, with
/// POMs from `source`: the library's entry to the resolver (tests compare it with Maven's own
/// answer).
pub fn resolve_build(
    root: &Path,
    manifest: &Path,
    source: Option<&dyn PomSource>,
    platform: &Platform,
) -> Result<Vec<ModuleDependencies>, String> {
    let root = std::fs::canonicalize(root).map_err(|e| format!("{}: {e}", root.display()))?;
    let input = Confined::audited(&root);
    let files: TreeFiles = crate::discover::discover(&root).tree;
    let tree = TreePoms::new(&input, &root, Some(&files));
    let models = Models::new(source, platform, &tree);
    let top = tree
        .load(&normalise(&root.join(manifest)))
        .map_err(|finding| finding.message.clone())?;
    let reactor = Reactor::read(&models, top);
    let resolutions = reactor.resolve(&models);
    Ok(reactor
        .modules
        .iter()
        .zip(&resolutions)
        .map(|(module, resolution)| {
            let mut problems: Vec<String> = module.problems.iter().map(|p| p.message()).collect();
            let dependencies = resolution
                .nodes
                .iter()
                .map(|n| {
                    match &n.model {
                        Some(Err(err)) => problems.push(format!("{}: {err}", n.gav())),
                        Some(Ok(m)) if m.file.tree_path().is_none() => problems.extend(
                            m.problems
                                .iter()
                                .filter(|p| p.error)
                                .map(|p| format!("{}: {}", n.gav(), p.message())),
                        ),
                        _ => {}
                    }
                    if let collect::VersionFrom::Unresolved { reason } = &n.version_from {
                        problems.push(format!("{}:{}: {reason}", n.group, n.artifact));
                    }
                    ResolvedArtifact {
                        group: n.group.clone(),
                        artifact: n.artifact.clone(),
                        kind: n.kind.clone(),
                        classifier: n.classifier.clone(),
                        version: n.version.clone(),
                        scope: n.scope.clone(),
                        optional: n.optional,
                    }
                })
                .collect();
            ModuleDependencies {
                module: format!(
                    "{}:{}:{}:{}",
                    module.group, module.artifact, module.packaging, module.version.value
                ),
                dependencies,
                problems,
            }
        })
        .collect())
}
