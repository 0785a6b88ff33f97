//! Stage 2: read each project's dependency graph, one module per ecosystem.
//!
//! A reader turns one found project into a [`ProjectGraph`]: its packages with purls, the edges
//! between them, their scopes, and whatever licence metadata the files carry. Readers never run
//! the project's build, install scripts or package manager against the project's code, and
//! never write into the audited tree. Projects are read in parallel; [`merge`] then joins them
//! into one [`Graph`], deduplicating packages by purl and source.

pub mod cargo;
pub mod cargo_cache;
pub mod cargo_targets;
pub mod composer;
pub mod go;
pub mod gradle;
pub mod maven;
pub mod npm;
pub mod package_json;
pub mod pnpm;
pub mod python;
pub mod sbom;
pub mod unlocked;
pub mod workspace_globs;
pub mod yarn;

use crate::diagnostic::{Code, Finding};
use crate::discover::{FoundProject, TreeFiles, relative};
use crate::model::{Graph, Package, Project, ProjectKind, ProjectStatus, Scope};
use crate::progress::Progress;
use crate::source::{Confined, Limit};
use rayon::prelude::*;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// Settings every reader sees.
#[derive(Debug, Clone, Default)]
pub struct ReadOptions {
    /// Do not touch the network (passed on to `cargo metadata --offline`).
    pub offline: bool,
    /// The `cargo` program to run; `None` means `cargo` from `PATH` (or `$CARGO`).
    pub cargo: Option<PathBuf>,
    /// Go's module cache (GOMODCACHE), whose licence files are evidence; `None` means the
    /// environment's `GOMODCACHE`, else `$GOPATH/pkg/mod`, else `~/go/pkg/mod`.
    pub go_mod_cache: Option<PathBuf>,
    /// Where Maven and Gradle builds read the POMs of their dependencies, parents and BOMs;
    /// `None`: nowhere (registry look-ups are off), so only what the tree holds is known.
    pub maven: Option<std::sync::Arc<dyn maven::PomSource>>,
    /// The build machine Maven profiles are decided for; `None`: this machine.
    pub platform: Option<maven::Platform>,
    /// fundament's cache directory, where the clean room for `cargo metadata` is
    /// ([`crate::clean_room`]).
    pub cache_dir: Option<PathBuf>,
    /// The platforms Cargo projects are built for (the policy's `[graph] targets`):
    /// dependencies no build for them compiles are left out.
    pub cargo_targets: cargo_targets::Targets,
    /// `--resolve-unlocked`: how manifests without a lockfile are resolved against the
    /// registries (`None`: they are not, and such projects fail with `I002`).
    pub unlocked: Option<std::sync::Arc<unlocked::Resolver>>,
}

/// What a reader knows besides its own project.
#[derive(Debug, Clone, Copy)]
pub struct ReadContext<'a> {
    /// The audited root (canonical); paths in reports are relative to it.
    pub root: &'a Path,
    pub options: &'a ReadOptions,
    /// Every file of interest in the audited tree (for parent POMs, workspace members, ...).
    pub tree: &'a TreeFiles,
    /// The audited tree's files: readers get file contents only through it.
    pub input: &'a Confined,
}

impl ReadContext<'_> {
    /// `path` relative to the audited root, for reports.
    pub fn display(&self, path: &Path) -> String {
        relative(self.root, path)
    }
}

/// One project's packages, with edges as indices into `packages`.
#[derive(Debug, Clone)]
pub struct ProjectGraph {
    pub project: Project,
    pub packages: Vec<Package>,
    pub findings: Vec<Finding>,
}

impl ProjectGraph {
    /// An empty, complete graph for `found`, read by `reader` ("pnpm-lock.yaml v9"); the
    /// reader adds packages, sets `project.roots` and, where something is missing, the status.
    pub fn new(ctx: &ReadContext<'_>, found: &FoundProject, reader: &str) -> ProjectGraph {
        ProjectGraph {
            project: Project {
                kind: found.kind,
                ecosystem: found.kind.ecosystem(),
                dir: ctx.display(&found.dir),
                manifest: ctx.display(&found.manifest),
                lockfile: found.lockfile.as_deref().map(|l| ctx.display(l)),
                reader: reader.to_string(),
                reader_text: None,
                status: ProjectStatus::Complete,
                roots: Vec::new(),
                toolchain: None,
                targets: Vec::new(),
                left_out: Vec::new(),
            },
            packages: Vec::new(),
            findings: Vec::new(),
        }
    }

    /// [`ProjectGraph::new`] for a reader described in words (`--resolve-unlocked`: "package.json,
    /// resolved against the npm registry"), which the German reports translate.
    pub fn new_described(
        ctx: &ReadContext<'_>,
        found: &FoundProject,
        reader: crate::diagnostic::Text,
    ) -> ProjectGraph {
        let mut graph = ProjectGraph::new(ctx, found, &reader.english());
        graph.project.reader_text = Some(reader);
        graph
    }

    /// A project that could not be read at all.
    pub fn failed(
        ctx: &ReadContext<'_>,
        found: &FoundProject,
        reader: &str,
        finding: Finding,
    ) -> ProjectGraph {
        let mut graph = ProjectGraph::new(ctx, found, reader);
        graph.project.status = ProjectStatus::Failed {
            reason: finding.message.clone(),
        };
        graph.findings.push(finding);
        graph
    }

    /// Reads an input file of the project as text (at most `limit`), with its display path; a
    /// file that cannot be read or is refused fails the project (`I001`, or `I004` when it
    /// leads outside the tree), and that failed graph is the error.
    pub fn read_input(
        ctx: &ReadContext<'_>,
        found: &FoundProject,
        path: &Path,
        limit: Limit,
        reader: &str,
    ) -> Result<(String, String), Box<ProjectGraph>> {
        let display = ctx.display(path);
        ctx.input
            .read_text(path, limit)
            .map(|text| (display, text))
            .map_err(|refusal| {
                Box::new(ProjectGraph::failed(
                    ctx,
                    found,
                    reader,
                    Finding::refused(&refusal),
                ))
            })
    }

    /// A project without the lockfile its reader needs (`I002`).
    pub fn lockfile_missing(
        ctx: &ReadContext<'_>,
        found: &FoundProject,
        lockfile: &str,
    ) -> ProjectGraph {
        let display = ctx.display(&found.manifest);
        let finding = Finding::error(
            Code::LockfileMissing,
            crate::text!("lockfile_missing", file = display, lockfile = lockfile),
        )
        .at(display, None);
        ProjectGraph::failed(ctx, found, lockfile, finding)
    }

    /// `I007` for a package whose lockfile entry requires packages the lockfile lacks.
    pub fn dependencies_missing(who: &str, names: &[String], lockfile: &str) -> Finding {
        let list = names
            .iter()
            .map(|m| format!("`{m}`"))
            .collect::<Vec<_>>()
            .join(", ");
        Finding::warning(
            Code::DependencyUnresolved,
            crate::text!(
                "dependencies_missing",
                who = who,
                list = list,
                lockfile = lockfile
            ),
        )
        .at(lockfile.to_string(), None)
    }

    /// Marks the project partial, keeping the first reason given.
    pub fn partial(&mut self, reason: String) {
        if self.project.status == ProjectStatus::Complete {
            self.project.status = ProjectStatus::Partial { reason };
        }
    }

    /// Sets `project.roots` to the packages marked `root`.
    pub fn set_roots(&mut self) {
        self.project.roots = (0..self.packages.len())
            .filter(|&i| self.packages[i].root)
            .collect();
    }
}

/// A serde_json error without its " at line L column C" suffix; findings report the line
/// separately.
pub fn json_error(err: &serde_json::Error) -> String {
    let text = err.to_string();
    match text.rfind(" at line ") {
        Some(index) => text[..index].to_string(),
        None => text,
    }
}

/// `dir` joined with `relative`, normalised without touching the file system, and shown
/// relative to the audited root, with `..` when it lies outside (as lockfiles write such paths).
pub fn local_path(root: &Path, dir: &Path, relative_path: &str) -> String {
    Confined::audited(root).display(&dir.join(relative_path))
}

/// A directory's name, to name a project that does not name itself.
pub fn dir_name(dir: &Path) -> String {
    dir.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "project".to_string())
}

/// Reads every found project, in parallel.
pub fn read_all(
    root: &Path,
    found: &[FoundProject],
    tree: &TreeFiles,
    options: &ReadOptions,
    progress: &Progress,
) -> Vec<ProjectGraph> {
    let input = Confined::audited(root);
    let ctx = ReadContext {
        root,
        options,
        tree,
        input: &input,
    };
    found
        .par_iter()
        .map(|project| {
            let _task = progress.task(format!(
                "reading {} project {}",
                project.kind,
                relative(root, &project.dir)
            ));
            read_one(&ctx, project)
        })
        .collect()
}

/// Reads one project with the reader of its kind.
pub fn read_one(ctx: &ReadContext<'_>, found: &FoundProject) -> ProjectGraph {
    match found.kind {
        ProjectKind::Cargo => cargo::read(ctx, found),
        ProjectKind::Npm => npm::read(ctx, found),
        ProjectKind::Pnpm => pnpm::read(ctx, found),
        ProjectKind::Yarn => yarn::read(ctx, found),
        ProjectKind::Composer => composer::read(ctx, found),
        ProjectKind::Python => python::read(ctx, found),
        ProjectKind::Go => go::read(ctx, found),
        ProjectKind::Maven => maven::read(ctx, found),
        ProjectKind::Gradle => gradle::read(ctx, found),
        ProjectKind::Sbom => sbom::read(ctx, found),
    }
}

/// Joins the projects' graphs into one, deduplicating packages by purl and source. A package
/// used by several projects keeps the smallest scope any of them gives it, and one
/// [`Usage`](crate::model::Usage) per project: its scope there and the path through that
/// project's own edges (edges of other projects never make a path: a version that only another
/// lockfile holds is never shown on this project's path).
pub fn merge(graphs: Vec<ProjectGraph>) -> (Graph, Vec<Finding>) {
    let mut graph = Graph::default();
    let mut edges = crate::model::EdgeSet::default();
    let mut findings = Vec::new();
    let mut by_key: HashMap<(String, String), usize> = HashMap::new();

    for (project_index, project_graph) in graphs.into_iter().enumerate() {
        let ProjectGraph {
            mut project,
            packages,
            findings: project_findings,
        } = project_graph;
        findings.extend(project_findings);
        let local_paths = explaining_paths(&packages, &project.roots);

        // Local index → global index.
        let mut mapping = Vec::with_capacity(packages.len());
        for package in &packages {
            let key = (package.purl.clone(), package.source.identity());
            let global = match by_key.get(&key) {
                Some(&existing) => {
                    let merged = &mut graph.packages[existing];
                    merged.source.absorb(&package.source);
                    merged.scope = merged.scope.min(package.scope);
                    merged.optional &= package.optional;
                    merged.peer &= package.peer;
                    merged.root |= package.root;
                    for declared in &package.declared {
                        if !merged.declared.contains(declared) {
                            merged.declared.push(declared.clone());
                        }
                    }
                    if merged.dir.is_none() {
                        merged.dir = package.dir.clone();
                    }
                    if merged.checksum.is_none() {
                        merged.checksum = package.checksum.clone();
                    }
                    existing
                }
                None => {
                    let index = graph.packages.len();
                    let mut fresh = package.clone();
                    fresh.dependencies.clear();
                    fresh.projects.clear();
                    fresh.usages.clear();
                    graph.packages.push(fresh);
                    by_key.insert(key, index);
                    index
                }
            };
            if !graph.packages[global].projects.contains(&project_index) {
                graph.packages[global].projects.push(project_index);
            }
            mapping.push(global);
        }
        let file = project
            .lockfile
            .clone()
            .unwrap_or_else(|| project.manifest.clone());
        for (local, package) in packages.iter().enumerate() {
            let usage = crate::model::Usage {
                project: project_index,
                file: file.clone(),
                scope: package.scope,
                path: local_paths[local]
                    .iter()
                    .map(|&i| packages[i].label())
                    .collect(),
            };
            let usages = &mut graph.packages[mapping[local]].usages;
            // A package listed twice in one project (two entries of one lockfile) keeps the
            // usage that ships.
            match usages.iter_mut().find(|u| u.project == project_index) {
                Some(existing) if usage_order(&usage) < usage_order(existing) => *existing = usage,
                Some(_) => {}
                None => usages.push(usage),
            }
        }
        for (local, package) in packages.iter().enumerate() {
            let global = mapping[local];
            for dep in &package.dependencies {
                let edge = crate::model::Dependency {
                    package: mapping[dep.package],
                    kind: dep.kind,
                };
                edges.add(&mut graph.packages, global, edge);
            }
        }
        project.roots = project.roots.iter().map(|&r| mapping[r]).collect();
        graph.projects.push(project);
    }
    for package in &mut graph.packages {
        package.usages.sort_by_key(usage_order);
    }
    (graph, findings)
}

/// The order usages are shown in: the one that ships first, then one with a path before one
/// without, then the shorter path, then the earlier project.
fn usage_order(usage: &crate::model::Usage) -> (Scope, bool, usize, usize) {
    (
        usage.scope,
        usage.path.is_empty(),
        usage.path.len(),
        usage.project,
    )
}

/// The scope an edge of `kind` gives what it points at.
fn scope_of_edge(kind: crate::model::DepKind) -> Scope {
    use crate::model::DepKind;
    match kind {
        DepKind::Normal | DepKind::Optional | DepKind::Peer => Scope::Runtime,
        DepKind::Build => Scope::Build,
        DepKind::Dev => Scope::Dev,
    }
}

/// For every package of one project's graph, the chain from one of its roots that explains
/// its scope: of all chains, those with the smallest scope (a chain's scope is its largest edge
/// scope), and of those the shortest; the package itself last. Empty for packages the roots do
/// not reach. A shortest-path search ordered by (scope, length), which is monotone along a
/// chain.
pub fn explaining_paths(packages: &[Package], roots: &[usize]) -> Vec<Vec<usize>> {
    use std::cmp::Reverse;
    use std::collections::BinaryHeap;
    let n = packages.len();
    let mut best: Vec<Option<(Scope, usize)>> = vec![None; n];
    let mut parent: Vec<Option<usize>> = vec![None; n];
    let mut heap = BinaryHeap::new();
    for &root in roots {
        if root < n && best[root].is_none() {
            best[root] = Some((Scope::Runtime, 0));
            heap.push(Reverse((Scope::Runtime, 0usize, root)));
        }
    }
    while let Some(Reverse((scope, depth, at))) = heap.pop() {
        if best[at] != Some((scope, depth)) {
            continue;
        }
        for dep in &packages[at].dependencies {
            let Some(next) = (dep.package < n).then_some(dep.package) else {
                continue;
            };
            let candidate = (scope.max(scope_of_edge(dep.kind)), depth + 1);
            if best[next].is_none_or(|b| candidate < b) {
                best[next] = Some(candidate);
                parent[next] = Some(at);
                heap.push(Reverse((candidate.0, candidate.1, next)));
            }
        }
    }
    (0..n)
        .map(|index| {
            if best[index].is_none() {
                return Vec::new();
            }
            let mut chain = vec![index];
            let mut at = index;
            while let Some(p) = parent[at] {
                chain.push(p);
                at = p;
            }
            chain.reverse();
            chain
        })
        .collect()
}

/// Computes each package's scope from the edges: runtime when a root reaches it through normal
/// (or optional, or peer) edges only, else build when through a build edge, else dev.
pub fn scopes_from_edges(packages: &[Package], roots: &[usize]) -> Vec<Scope> {
    use crate::model::DepKind;
    let mut scope = vec![None::<Scope>; packages.len()];
    let mut work: Vec<usize> = Vec::new();
    for &r in roots {
        scope[r] = Some(Scope::Runtime);
        work.push(r);
    }
    while let Some(current) = work.pop() {
        let here = scope[current].unwrap_or(Scope::Dev);
        for dep in &packages[current].dependencies {
            let via = match dep.kind {
                DepKind::Normal | DepKind::Optional | DepKind::Peer => Scope::Runtime,
                DepKind::Build => Scope::Build,
                DepKind::Dev => Scope::Dev,
            };
            let candidate = here.max(via);
            if scope[dep.package].is_none_or(|s| candidate < s) {
                scope[dep.package] = Some(candidate);
                work.push(dep.package);
            }
        }
    }
    // Packages no root reaches are kept, conservatively, as runtime.
    scope
        .into_iter()
        .map(|s| s.unwrap_or(Scope::Runtime))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{DepKind, Dependency, Ecosystem, PackageSource};

    fn graph(edges: &[(usize, usize, DepKind)], n: usize) -> Vec<Package> {
        let mut packages: Vec<Package> = (0..n)
            .map(|i| {
                Package::new(
                    Ecosystem::Npm,
                    &format!("p{i}"),
                    "1.0.0",
                    PackageSource::Registry { url: None },
                )
            })
            .collect();
        for &(from, to, kind) in edges {
            packages[from]
                .dependencies
                .push(Dependency { package: to, kind });
        }
        packages
    }

    #[test]
    fn the_path_shown_explains_the_scope_before_it_is_short() {
        // root 0 → dev 1 → 3 (short, dev); root 0 → 2 → 4 → 3 (long, runtime).
        let packages = graph(
            &[
                (0, 1, DepKind::Dev),
                (1, 3, DepKind::Normal),
                (0, 2, DepKind::Normal),
                (2, 4, DepKind::Normal),
                (4, 3, DepKind::Normal),
            ],
            6,
        );
        let paths = explaining_paths(&packages, &[0]);
        assert_eq!(paths[3], vec![0, 2, 4, 3]);
        assert_eq!(paths[1], vec![0, 1]);
        assert_eq!(paths[0], vec![0]);
        // Unreached: no path.
        assert!(paths[5].is_empty());
    }

    #[test]
    fn merged_packages_keep_one_usage_per_project_with_that_projects_path() {
        let project = |dir: &str| Project {
            kind: ProjectKind::Npm,
            ecosystem: crate::model::Ecosystem::Npm,
            dir: dir.to_string(),
            manifest: format!("{dir}/package.json"),
            lockfile: Some(format!("{dir}/package-lock.json")),
            reader: "test".to_string(),
            reader_text: None,
            status: ProjectStatus::Complete,
            roots: vec![0],
            toolchain: None,
            targets: Vec::new(),
            left_out: Vec::new(),
        };
        // Project a: root → x 1.0.0 (dev) → shared 2.0.0; project b: root → shared 2.0.0.
        let mut a = graph(&[(0, 1, DepKind::Dev), (1, 2, DepKind::Normal)], 3);
        a[0].root = true;
        a[1].scope = Scope::Dev;
        a[2].scope = Scope::Dev;
        a[2].name = "shared".to_string();
        a[2].purl = crate::model::purl(Ecosystem::Npm, "shared", "1.0.0");
        let mut b = graph(&[(0, 1, DepKind::Normal)], 2);
        b[0].name = "b-root".to_string();
        b[0].purl = crate::model::purl(Ecosystem::Npm, "b-root", "1.0.0");
        b[0].root = true;
        b[1].name = "shared".to_string();
        b[1].purl = crate::model::purl(Ecosystem::Npm, "shared", "1.0.0");
        let graphs = vec![
            ProjectGraph {
                project: project("a"),
                packages: a,
                findings: Vec::new(),
            },
            ProjectGraph {
                project: project("b"),
                packages: b,
                findings: Vec::new(),
            },
        ];
        let (merged, _) = merge(graphs);
        let shared = merged.packages.iter().find(|p| p.name == "shared").unwrap();
        assert_eq!(shared.scope, Scope::Runtime);
        assert_eq!(shared.usages.len(), 2);
        assert_eq!(shared.usages[0].file, "b/package-lock.json");
        assert_eq!(shared.usages[0].path, ["b-root 1.0.0", "shared 1.0.0"]);
        assert_eq!(shared.usages[1].scope, Scope::Dev);
        assert_eq!(
            shared.usages[1].path,
            ["p0 1.0.0", "p1 1.0.0", "shared 1.0.0"]
        );
    }
}
