//! Cargo: workspaces read through `cargo metadata`, with Cargo.lock as the fallback.
//!
//! `cargo metadata` gives the full resolved graph with every package's `license`,
//! `license-file` and manifest path. It runs with `--locked` (it must never create or rewrite
//! Cargo.lock in the audited tree), `--all-features` (the licence audit covers every optional
//! dependency the lockfile holds, as the lockfile itself does), for all targets, and with
//! `--offline` when fundament is offline. It runs in a clean room ([`run_metadata`]): only
//! after every manifest it will read has been checked, from a working directory no other user
//! can prepare (so that neither the tree's nor `$TMPDIR`'s `.cargo/config.toml`, nor the tree's
//! `rust-toolchain.toml`, can change which programs run), with a time limit. Cargo downloads the
//! sources of registry crates it has not cached; it does not run build scripts.
//!
//! When cargo is missing, fails, times out or was not run, Cargo.lock alone gives packages,
//! versions and edges; the project is then marked partial and its licences unknown, and the
//! audit says why.

use super::cargo_targets::{Condition, Judge, Targets};
use super::{ProjectGraph, ReadContext, ReadOptions, scopes_from_edges};
use crate::diagnostic::{Code, Finding, Text, line_of_offset};
use crate::discover::{FoundProject, relative};
use crate::model::{
    DeclaredLicence, DepKind, Dependency, Ecosystem, LeftOut, Origin, Package, PackageSource,
};
use crate::source::{Confined, Limit, Reason, Refusal};
use serde::Deserialize;
use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Reads one Cargo project (a workspace or a single package).
pub fn read(ctx: &ReadContext<'_>, found: &FoundProject) -> ProjectGraph {
    let (root, options) = (ctx.root, ctx.options);
    let Some(lockfile) = &found.lockfile else {
        let finding = Finding::error(
            Code::LockfileMissing,
            crate::text!("cargo_lock_missing", file = relative(root, &found.manifest)),
        )
        .at(relative(root, &found.manifest), None)
        .note(crate::diagnostic::Text::new(
            "note_run_cargo_generate_lockfile_in",
        ));
        return ProjectGraph::failed(ctx, found, "none", finding);
    };

    let lock = match read_lockfile(ctx.input, lockfile) {
        Ok(lock) => lock,
        Err(finding) => return ProjectGraph::failed(ctx, found, "Cargo.lock", *finding),
    };

    match run_metadata(ctx, found, options) {
        Ok(metadata) => from_metadata(ctx, found, &metadata, &lock),
        Err(reason) => from_lockfile(ctx, found, lockfile, &lock, &reason),
    }
}

/// How long `cargo metadata` may take by default (it may download the sources of crates it
/// has not cached); `FUNDAMENT_CARGO_TIMEOUT` (seconds) changes it.
const CARGO_TIMEOUT: Duration = Duration::from_secs(300);
/// The most of cargo's output kept (the metadata of a large workspace is a few megabytes).
const CARGO_OUTPUT: u64 = 256 << 20;

/// Runs `cargo metadata` in a clean room (see [`crate::clean_room`]): only after every manifest
/// it will read has been checked (regular files inside the tree, size-capped), from a working
/// directory no other user can prepare (so neither the tree's nor `$TMPDIR`'s
/// `.cargo/config.toml` applies: only the user's `$CARGO_HOME/config.toml` and environment do),
/// with a time limit. Any refusal is the reason the caller falls back to Cargo.lock.
fn run_metadata(
    ctx: &ReadContext<'_>,
    found: &FoundProject,
    options: &ReadOptions,
) -> Result<cargo_metadata::Metadata, Text> {
    let manifests = workspace_manifests(ctx.input, &found.manifest)
        .map_err(|refusal| Text::new("cargo_metadata_not_run").sub("why", refusal.text()))?;
    let working_dir = crate::clean_room::working_dir(options.cache_dir.as_deref())
        .map_err(|why| crate::text!("cargo_metadata_no_working_dir", why = why))?;
    let mut command = cargo_metadata::MetadataCommand::new();
    if let Some(cargo) = &options.cargo {
        command.cargo_path(cargo);
    }
    let mut flags = vec!["--locked".to_string()];
    if options.offline {
        flags.push("--offline".to_string());
    }
    command
        .manifest_path(&found.manifest)
        .current_dir(&working_dir)
        .features(cargo_metadata::CargoOpt::AllFeatures)
        .other_options(flags.clone());
    // An unchanged workspace reuses the last result (see `cargo_cache` for what the key covers).
    let cache = super::cargo_cache::folder(options.cache_dir.as_deref()).and_then(|folder| {
        let lockfile = found.lockfile.as_deref()?;
        let toolchain = toolchain(options, &working_dir)?;
        let mut keyed_flags = flags.clone();
        keyed_flags.push("--all-features".to_string());
        let key = super::cargo_cache::key(&super::cargo_cache::KeyInputs {
            input: ctx.input,
            manifest: &found.manifest,
            lockfile,
            manifests: &manifests,
            toolchain: &toolchain,
            flags: &keyed_flags,
            working_dir: &working_dir,
        })?;
        Some((folder, key))
    });
    if let Some((folder, key)) = &cache
        && let Some(metadata) = super::cargo_cache::get(folder, key)
    {
        return Ok(metadata);
    }
    let limit = std::env::var("FUNDAMENT_CARGO_TIMEOUT")
        .ok()
        .and_then(|v| v.trim().parse::<f64>().ok())
        .filter(|s| *s > 0.0)
        .map(Duration::from_secs_f64)
        .unwrap_or(CARGO_TIMEOUT);
    let ran =
        crate::clean_room::run(command.cargo_command(), limit, CARGO_OUTPUT).map_err(|err| {
            match err {
                crate::clean_room::RunError::TimedOut(limit) => {
                    crate::text!("cargo_metadata_timed_out", seconds = limit.as_secs_f64())
                }
                crate::clean_room::RunError::Start(io) => {
                    if io.kind() == std::io::ErrorKind::NotFound {
                        match (&options.cargo, std::env::var_os("CARGO")) {
                            (Some(path), _) => {
                                crate::text!("cargo_not_found", path = path.display())
                            }
                            (None, Some(path)) => crate::text!(
                                "cargo_not_found_env",
                                path = Path::new(&path).display()
                            ),
                            (None, None) => Text::new("cargo_not_on_path"),
                        }
                    } else {
                        crate::text!("cargo_metadata_not_started", error = io)
                    }
                }
            }
        })?;
    if !ran.success {
        let stderr = String::from_utf8_lossy(&ran.stderr);
        let lines: Vec<&str> = stderr
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .take(4)
            .collect();
        return Err(crate::text!(
            "cargo_metadata_failed",
            error = lines.join(" ")
        ));
    }
    let stdout = String::from_utf8_lossy(&ran.stdout);
    let json = stdout
        .lines()
        .find(|line| line.starts_with('{'))
        .ok_or_else(|| Text::new("cargo_metadata_no_output"))?;
    let metadata = cargo_metadata::MetadataCommand::parse(json)
        .map_err(|err| crate::text!("cargo_metadata_unreadable", error = err))?;
    if let Some((folder, key)) = &cache {
        super::cargo_cache::put(folder, key, json);
    }
    Ok(metadata)
}

/// The toolchain `cargo metadata` runs with: `cargo -V`, run the same way (the same program,
/// from the same working directory). `None` when it cannot be told (then nothing is cached).
fn toolchain(options: &ReadOptions, working_dir: &Path) -> Option<String> {
    let program = options
        .cargo
        .clone()
        .or_else(|| std::env::var_os("CARGO").map(PathBuf::from))
        .unwrap_or_else(|| PathBuf::from("cargo"));
    let mut command = std::process::Command::new(program);
    command.arg("-V").current_dir(working_dir);
    let ran = crate::clean_room::run(command, Duration::from_secs(30), 64 << 10).ok()?;
    let version = String::from_utf8_lossy(&ran.stdout).trim().to_string();
    (ran.success && !version.is_empty()).then_some(version)
}

/// The most manifests one workspace may have before fundament gives up checking them.
const MAX_MANIFESTS: usize = 10_000;

/// Checks every file `cargo metadata` will read for the workspace of `manifest`: the root
/// manifest and Cargo.lock, the members (`[workspace] members`, globs expanded on the file
/// system), every path dependency (also in `[workspace.dependencies]`, `[patch]`, `[replace]`
/// and target tables) and its own path dependencies, and the workspace a member points at. Each
/// must be a regular file inside the tree within the manifest cap; a missing one is cargo's
/// to report. The first refusal is the error.
pub fn workspace_manifests(input: &Confined, manifest: &Path) -> Result<Vec<PathBuf>, Refusal> {
    let mut seen: Vec<PathBuf> = Vec::new();
    let mut queue = vec![manifest.to_path_buf()];
    let check = |path: &Path, limit: Limit| match input.file(path, limit) {
        Ok(_) => Ok(true),
        Err(refusal) if matches!(refusal.reason, Reason::Missing | Reason::DanglingLink) => {
            Ok(false)
        }
        Err(refusal) => Err(refusal),
    };
    if let Some(dir) = manifest.parent() {
        check(&dir.join("Cargo.lock"), Limit::LOCKFILE)?;
    }
    while let Some(path) = queue.pop() {
        let path = crate::source::confined::normalise(&path);
        if seen.contains(&path) {
            continue;
        }
        seen.push(path.clone());
        if seen.len() > MAX_MANIFESTS {
            return Err(Refusal {
                path: input.display(manifest),
                within: input.within(),
                reason: Reason::Io(format!(
                    "its workspace names more than {MAX_MANIFESTS} manifests"
                )),
            });
        }
        if !check(&path, Limit::MANIFEST)? {
            continue;
        }
        let Ok(text) = input.read_text(&path, Limit::MANIFEST) else {
            continue;
        };
        // A manifest cargo cannot parse is cargo's to report (its lines are the tree's own).
        let Ok(table) = toml::from_str::<toml::Table>(&text) else {
            continue;
        };
        let dir = path.parent().unwrap_or(Path::new("/")).to_path_buf();
        for dep in path_dependencies(&table) {
            queue.push(dir.join(dep).join("Cargo.toml"));
        }
        if let Some(pointer) = table
            .get("package")
            .and_then(|p| p.get("workspace"))
            .and_then(|w| w.as_str())
        {
            queue.push(dir.join(pointer).join("Cargo.toml"));
        }
        if let Some(workspace) = table.get("workspace").and_then(|w| w.as_table()) {
            let members = member_manifests(input, &dir, workspace).map_err(|refused| Refusal {
                path: input.display(&path),
                within: input.within(),
                reason: Reason::Io(format!(
                    "in `[workspace] members`{}, {} (cargo would expand it unchecked)",
                    text.find(&refused.pattern)
                        .map(|at| format!(
                            " (line {})",
                            crate::diagnostic::line_of_offset(&text, at)
                        ))
                        .unwrap_or_default(),
                    refused.describe()
                )),
            })?;
            queue.extend(members);
        }
    }
    Ok(seen)
}

/// The `path` of every dependency table entry of a manifest.
fn path_dependencies(table: &toml::Table) -> Vec<String> {
    let mut tables: Vec<&toml::Table> = Vec::new();
    for key in ["dependencies", "dev-dependencies", "build-dependencies"] {
        tables.extend(table.get(key).and_then(|t| t.as_table()));
        if let Some(targets) = table.get("target").and_then(|t| t.as_table()) {
            for target in targets.values() {
                tables.extend(target.get(key).and_then(|t| t.as_table()));
            }
        }
    }
    if let Some(workspace) = table.get("workspace") {
        tables.extend(workspace.get("dependencies").and_then(|t| t.as_table()));
    }
    if let Some(patches) = table.get("patch").and_then(|t| t.as_table()) {
        tables.extend(patches.values().filter_map(|t| t.as_table()));
    }
    tables.extend(table.get("replace").and_then(|t| t.as_table()));
    tables
        .into_iter()
        .flat_map(|t| t.values())
        .filter_map(|dep| dep.get("path")?.as_str().map(str::to_string))
        .collect()
}

/// The manifests of `[workspace] members` (and `default-members`): plain paths as written,
/// globs matched against the folders below the workspace root (links not followed, the
/// conventional build and VCS folders skipped). A glob over fundament's limits
/// ([`super::workspace_globs`]) is the error: the members it names could not be checked.
fn member_manifests(
    input: &Confined,
    dir: &Path,
    workspace: &toml::Table,
) -> Result<Vec<PathBuf>, super::workspace_globs::Refused> {
    let mut out = Vec::new();
    let mut patterns = Vec::new();
    for key in ["members", "default-members"] {
        for member in workspace
            .get(key)
            .and_then(|m| m.as_array())
            .into_iter()
            .flatten()
            .filter_map(|m| m.as_str())
        {
            let member = member.trim_end_matches('/');
            if member.contains(['*', '?', '[']) {
                patterns.push(member);
            } else {
                out.push(dir.join(member).join("Cargo.toml"));
            }
        }
    }
    let compiled = super::workspace_globs::WorkspaceGlobs::compile(patterns);
    if let Some(refused) = compiled.refused.into_iter().find(|r| r.why.is_limit()) {
        return Err(refused);
    }
    let Some(globs) = compiled.globs else {
        return Ok(out);
    };
    // The folders below the root, breadth-first, through the tree's own listing.
    let mut folders = vec![(dir.to_path_buf(), 0usize)];
    while let Some((folder, depth)) = folders.pop() {
        if depth > 8 {
            continue;
        }
        for entry in input.list(&folder).into_iter().flatten() {
            if entry.kind != crate::source::confined::EntryKind::Dir
                && entry.kind != crate::source::confined::EntryKind::Symlink
            {
                continue;
            }
            if matches!(entry.name.as_str(), "target" | ".git" | "node_modules") {
                continue;
            }
            let Ok(rel) = entry.path.strip_prefix(dir) else {
                continue;
            };
            if globs.is_match(rel) {
                out.push(entry.path.join("Cargo.toml"));
            }
            if entry.kind == crate::source::confined::EntryKind::Dir {
                folders.push((entry.path, depth + 1));
            }
        }
    }
    Ok(out)
}

fn from_metadata(
    ctx: &ReadContext<'_>,
    found: &FoundProject,
    metadata: &cargo_metadata::Metadata,
    lock: &CargoLock,
) -> ProjectGraph {
    let root = ctx.root;
    let targets = &ctx.options.cargo_targets;
    let checksums = lock.checksums();
    let members: HashSet<&cargo_metadata::PackageId> = metadata.workspace_members.iter().collect();
    let built = built_graph(metadata, targets);

    let mut index_of: HashMap<&cargo_metadata::PackageId, usize> = HashMap::new();
    let mut packages = Vec::with_capacity(metadata.packages.len());
    let mut sorted: Vec<&cargo_metadata::Package> = metadata
        .packages
        .iter()
        .filter(|p| built.kept(&p.id))
        .collect();
    sorted.sort_by(|a, b| (&a.name, &a.version).cmp(&(&b.name, &b.version)));

    for package in sorted {
        let dir = package
            .manifest_path
            .parent()
            .map(|d| PathBuf::from(d.as_std_path()));
        let manifest_display = display_path(root, package.manifest_path.as_std_path());
        let version = package.version.to_string();
        let name = package.name.to_string();
        let source_repr = package.source.as_ref().map(|s| s.repr.clone());
        let source = source_of(source_repr.as_deref(), dir.as_deref(), root);
        let declared = package
            .license
            .as_ref()
            .map(|raw| DeclaredLicence {
                raw: raw.clone(),
                origin: Origin {
                    file: manifest_display.clone(),
                    field: "license".to_string(),
                },
            })
            .into_iter()
            .collect();
        index_of.insert(&package.id, packages.len());
        let mut entry = Package::new(Ecosystem::Cargo, &name, &version, source);
        entry.checksum = checksums
            .get(&(name.clone(), version.clone(), source_repr.clone()))
            .cloned();
        entry.root = members.contains(&package.id);
        entry.declared = declared;
        entry.licence_file = package.license_file.as_ref().map(|p| p.to_string());
        entry.dir = dir;
        packages.push(entry);
    }

    let mut findings = Vec::new();
    for (from_id, deps) in &built.edges {
        let Some(&from) = index_of.get(from_id) else {
            continue;
        };
        for (to_id, kinds) in deps {
            let Some(&to) = index_of.get(to_id) else {
                findings.push(Finding::warning(
                    Code::DependencyUnresolved,
                    crate::text!("cargo_metadata_undescribed", id = to_id),
                ));
                continue;
            };
            for &kind in kinds {
                packages[from]
                    .dependencies
                    .push(Dependency { package: to, kind });
            }
        }
    }

    let roots: Vec<usize> = (0..packages.len()).filter(|&i| packages[i].root).collect();
    let scopes = scopes_from_edges(&packages, &roots);
    for (package, scope) in packages.iter_mut().zip(scopes) {
        package.scope = scope;
    }

    let mut graph = ProjectGraph::new(ctx, found, "cargo metadata");
    graph.project.targets = targets.triples().map(str::to_string).collect();
    graph.project.left_out = built.left_out(metadata);
    if let Some(finding) = left_out_finding(ctx, found, &graph.project.left_out, targets) {
        findings.push(finding);
    }
    graph.packages = packages;
    graph.findings = findings;
    graph.set_roots();
    graph
}

/// A kept edge: the dependency and its kinds (normal, build, dev).
type KeptEdge<'m> = (&'m cargo_metadata::PackageId, Vec<DepKind>);

/// The resolved graph as the targets' builds compile it. Each target's build is walked on its
/// own from the workspace members (a crate needed on Windows by a crate built only on Unix is
/// in no build); the graph is the union of those builds.
struct BuiltGraph<'m> {
    /// Every kept edge, in the order of the resolve, with its kinds (normal, build, dev).
    edges: Vec<(&'m cargo_metadata::PackageId, Vec<KeptEdge<'m>>)>,
    /// The packages some target's build reaches; `None` when cargo gave no resolve (all are
    /// kept).
    reached: Option<HashSet<&'m cargo_metadata::PackageId>>,
    /// Edges from a built package into one no build reaches, with the platform conditions of
    /// the edge (`None`: unconditional).
    boundary: Vec<(
        &'m cargo_metadata::PackageId,
        &'m cargo_metadata::PackageId,
        Vec<Option<usize>>,
    )>,
    judge: Judge<'m>,
}

impl<'m> BuiltGraph<'m> {
    fn kept(&self, id: &cargo_metadata::PackageId) -> bool {
        self.reached.as_ref().is_none_or(|r| r.contains(id))
    }

    /// The packages no build compiles, each with the conditions it is reached through.
    fn left_out(&self, metadata: &'m cargo_metadata::Metadata) -> Vec<LeftOut> {
        let Some(reached) = &self.reached else {
            return Vec::new();
        };
        let name_of: HashMap<&cargo_metadata::PackageId, String> = metadata
            .packages
            .iter()
            .map(|p| (&p.id, format!("{} {}", p.name, p.version)))
            .collect();
        let name = |id: &cargo_metadata::PackageId| {
            name_of.get(id).cloned().unwrap_or_else(|| id.to_string())
        };
        // Why each package at the boundary is not built, one clause per condition.
        let mut reasons: HashMap<&cargo_metadata::PackageId, Vec<crate::diagnostic::Text>> =
            HashMap::new();
        for (from, to, conditions) in &self.boundary {
            let clauses = reasons.entry(to).or_default();
            for condition in conditions {
                let clause = match condition.map(|c| self.judge.get(c)) {
                    Some(judged) => match judged.condition {
                        Condition::Never => crate::text!(
                            "left_out_never",
                            condition = judged.text,
                            from = name(from)
                        ),
                        Condition::OtherPlatforms => crate::text!(
                            "left_out_other_platforms",
                            condition = judged.text,
                            from = name(from)
                        ),
                        Condition::Built => crate::text!(
                            "left_out_built_elsewhere",
                            condition = judged.text,
                            from = name(from)
                        ),
                    },
                    None => crate::text!("left_out_needed_by", from = name(from)),
                };
                if !clauses.contains(&clause) {
                    clauses.push(clause);
                }
            }
        }
        // Which left-out package first pulls in each of the others.
        let mut through: HashMap<&cargo_metadata::PackageId, &cargo_metadata::PackageId> =
            HashMap::new();
        if let Some(resolve) = &metadata.resolve {
            let mut queue: std::collections::VecDeque<&cargo_metadata::PackageId> =
                reasons.keys().copied().collect();
            let mut queued: HashSet<&cargo_metadata::PackageId> = queue.iter().copied().collect();
            let deps: HashMap<&cargo_metadata::PackageId, &cargo_metadata::Node> =
                resolve.nodes.iter().map(|n| (&n.id, n)).collect();
            while let Some(id) = queue.pop_front() {
                for dep in deps.get(id).map(|n| n.deps.as_slice()).unwrap_or_default() {
                    if !reached.contains(&dep.pkg) && queued.insert(&dep.pkg) {
                        through.insert(&dep.pkg, id);
                        queue.push_back(&dep.pkg);
                    }
                }
            }
        }
        let mut out: Vec<LeftOut> = metadata
            .packages
            .iter()
            .filter(|p| !reached.contains(&p.id))
            .map(|p| {
                let reason = if let Some(clauses) = reasons.get(&p.id) {
                    crate::diagnostic::Text::new("verbatim").list("text", clauses.clone(), "; ")
                } else if let Some(parent) = through.get(&p.id) {
                    crate::text!("left_out_through", parent = name(parent))
                } else {
                    crate::diagnostic::Text::new("left_out_unreached")
                };
                LeftOut {
                    name: p.name.to_string(),
                    version: p.version.to_string(),
                    reason: reason.english(),
                    reason_text: reason,
                }
            })
            .collect();
        out.sort_by(|a, b| (&a.name, &a.version).cmp(&(&b.name, &b.version)));
        out
    }
}

/// Filters the resolve by the targets and walks each target's build from the workspace
/// members.
fn built_graph<'m>(metadata: &'m cargo_metadata::Metadata, targets: &'m Targets) -> BuiltGraph<'m> {
    let mut judge = Judge::new(targets);
    let Some(resolve) = &metadata.resolve else {
        return BuiltGraph {
            edges: Vec::new(),
            reached: None,
            boundary: Vec::new(),
            judge,
        };
    };
    // Every edge with its kinds, each under a condition (`None`: every platform).
    type Kinds = Vec<(DepKind, Option<usize>)>;
    let nodes: Vec<(
        &cargo_metadata::PackageId,
        Vec<(&cargo_metadata::PackageId, Kinds)>,
    )> = resolve
        .nodes
        .iter()
        .map(|node| {
            let deps = node
                .deps
                .iter()
                .map(|dep| {
                    let mut kinds: Kinds = dep
                        .dep_kinds
                        .iter()
                        .map(|info| {
                            let kind = match info.kind {
                                cargo_metadata::DependencyKind::Development => DepKind::Dev,
                                cargo_metadata::DependencyKind::Build => DepKind::Build,
                                _ => DepKind::Normal,
                            };
                            let condition = info.target.as_ref().map(|p| judge.id(&p.to_string()));
                            (kind, condition)
                        })
                        .collect();
                    // Cargo before 1.41 gives no kinds: a normal dependency everywhere.
                    if kinds.is_empty() {
                        kinds.push((DepKind::Normal, None));
                    }
                    (&dep.pkg, kinds)
                })
                .collect();
            (&node.id, deps)
        })
        .collect();
    let by_id: HashMap<&cargo_metadata::PackageId, usize> = nodes
        .iter()
        .enumerate()
        .map(|(i, (id, _))| (*id, i))
        .collect();

    // One walk per target; an edge kind is kept when some target's build uses it.
    let mut reached: HashSet<&cargo_metadata::PackageId> = HashSet::new();
    let mut used: Vec<Vec<Vec<bool>>> = nodes
        .iter()
        .map(|(_, deps)| deps.iter().map(|(_, k)| vec![false; k.len()]).collect())
        .collect();
    for target in 0..targets.len().max(1) {
        let holds = |condition: Option<usize>| {
            condition.is_none_or(|c| judge.get(c).on.get(target).copied().unwrap_or(true))
        };
        let mut seen = vec![false; nodes.len()];
        let mut work: Vec<usize> = metadata
            .workspace_members
            .iter()
            .filter_map(|m| by_id.get(m).copied())
            .collect();
        while let Some(i) = work.pop() {
            if std::mem::replace(&mut seen[i], true) {
                continue;
            }
            reached.insert(nodes[i].0);
            for (d, (to, kinds)) in nodes[i].1.iter().enumerate() {
                let mut any = false;
                for (k, (_, condition)) in kinds.iter().enumerate() {
                    if holds(*condition) {
                        used[i][d][k] = true;
                        any = true;
                    }
                }
                if any && let Some(&j) = by_id.get(to) {
                    work.push(j);
                }
            }
        }
    }
    // Members cargo describes without a resolve node are still the project's own.
    reached.extend(metadata.workspace_members.iter());

    let mut edges = Vec::with_capacity(nodes.len());
    let mut boundary = Vec::new();
    for (i, (from, deps)) in nodes.iter().enumerate() {
        let mut kept = Vec::new();
        for (d, (to, kinds)) in deps.iter().enumerate() {
            let mut chosen: Vec<DepKind> = kinds
                .iter()
                .zip(&used[i][d])
                .filter(|(_, u)| **u)
                .map(|((kind, _), _)| *kind)
                .collect();
            if chosen.is_empty() {
                if reached.contains(from) && !reached.contains(to) {
                    let mut conditions: Vec<Option<usize>> =
                        kinds.iter().map(|(_, c)| *c).collect();
                    conditions.dedup();
                    boundary.push((*from, *to, conditions));
                }
                continue;
            }
            chosen.sort();
            chosen.dedup();
            kept.push((*to, chosen));
        }
        edges.push((*from, kept));
    }
    BuiltGraph {
        edges,
        reached: Some(reached),
        boundary,
        judge,
    }
}

/// `I014`: what the targets' builds do not compile, and why.
fn left_out_finding(
    ctx: &ReadContext<'_>,
    found: &FoundProject,
    left_out: &[LeftOut],
    targets: &Targets,
) -> Option<Finding> {
    if left_out.is_empty() {
        return None;
    }
    let manifest = relative(ctx.root, &found.manifest);
    const NAMED: usize = 60;
    let names: Vec<String> = left_out
        .iter()
        .take(NAMED)
        .map(|l| format!("{} {}", l.name, l.version))
        .collect();
    let more = left_out.len().saturating_sub(NAMED);
    let mut finding = Finding::note_finding(
        Code::PackagesLeftOut,
        crate::text!(
            "packages_left_out",
            manifest = manifest,
            names = names.join(", ")
        )
        .sub("targets", targets.text())
        .count("n", left_out.len())
        .sub(
            "more",
            if more > 0 {
                crate::diagnostic::Text::new("and_more").count("n", more)
            } else {
                crate::diagnostic::Text::new("nothing")
            },
        ),
    )
    .at(manifest, None);
    const SHOWN: usize = 30;
    for item in left_out.iter().take(SHOWN) {
        finding = finding.note(
            crate::text!("left_out_item", name = item.name, version = item.version)
                .sub("reason", item.reason_text.clone()),
        );
    }
    if left_out.len() > SHOWN {
        finding = finding.note(crate::text!(
            "note_left_out_more",
            n = left_out.len() - SHOWN
        ));
    }
    Some(finding.note(crate::diagnostic::Text::new(
        "note_the_platforms_are_the_policy",
    )))
}

/// Builds the graph from Cargo.lock alone, after `cargo metadata` could not run.
fn from_lockfile(
    ctx: &ReadContext<'_>,
    found: &FoundProject,
    lockfile: &Path,
    lock: &CargoLock,
    reason: &Text,
) -> ProjectGraph {
    let root = ctx.root;
    let lock_display = relative(root, lockfile);
    let members = member_names(ctx.input, &found.manifest);
    let mut packages = Vec::with_capacity(lock.package.len());
    let mut by_name: HashMap<&str, Vec<usize>> = HashMap::new();
    for (index, entry) in lock.package.iter().enumerate() {
        by_name.entry(entry.name.as_str()).or_default().push(index);
        let mut package = Package::new(
            Ecosystem::Cargo,
            &entry.name,
            &entry.version,
            source_of(entry.source.as_deref(), None, root),
        );
        package.root =
            entry.source.is_none() && (members.is_empty() || members.contains(&entry.name));
        package.checksum = entry.checksum.clone().or_else(|| lock.v1_checksum(entry));
        package.licence_unavailable = Some(format!(
            "Cargo.lock records no licences, and `cargo metadata` could not run ({})",
            reason.english()
        ));
        packages.push(package);
    }
    let mut findings = Vec::new();
    for (index, entry) in lock.package.iter().enumerate() {
        for dep in &entry.dependencies {
            match resolve_lock_dependency(lock, &by_name, dep) {
                Some(to) => packages[index].dependencies.push(Dependency {
                    package: to,
                    kind: DepKind::Normal,
                }),
                None => findings.push(
                    Finding::warning(
                        Code::DependencyUnresolved,
                        crate::text!(
                            "depends_missing",
                            name = entry.name,
                            version = entry.version,
                            dep = dep,
                            lockfile = lock_display
                        ),
                    )
                    .at(lock_display.clone(), None),
                ),
            }
        }
    }
    let why = crate::text!("cargo_lock_read_instead", lockfile = lock_display)
        .sub("reason", reason.clone());
    findings.insert(
        0,
        Finding::warning(Code::ResolutionDegraded, why.clone())
            .at(relative(root, &found.manifest), None),
    );
    let why = why.english();
    let mut graph = ProjectGraph::new(ctx, found, "Cargo.lock");
    graph.packages = packages;
    graph.findings = findings;
    graph.partial(why);
    graph.set_roots();
    graph
}

/// The package names of the workspace's own members, read from the manifests without cargo:
/// the root's `[package]` and every manifest matched by `[workspace] members` (not `exclude`).
/// Empty when the manifests cannot be read, in which case every path package counts as the
/// project's own.
fn member_names(input: &Confined, manifest: &Path) -> std::collections::HashSet<String> {
    let mut names = std::collections::HashSet::new();
    let Some(dir) = manifest.parent() else {
        return names;
    };
    let read = |path: &Path| -> Option<toml::Table> {
        toml::from_str(&input.read_text(path, Limit::MANIFEST).ok()?).ok()
    };
    let package_name = |table: &toml::Table| -> Option<String> {
        Some(table.get("package")?.get("name")?.as_str()?.to_string())
    };
    let Some(root) = read(manifest) else {
        return names;
    };
    names.extend(package_name(&root));
    let Some(workspace) = root.get("workspace").and_then(|w| w.as_table()) else {
        return names;
    };
    let patterns = |key: &str| -> Vec<String> {
        workspace
            .get(key)
            .and_then(|v| v.as_array())
            .map(|a| {
                a.iter()
                    .filter_map(|v| v.as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default()
    };
    let member_patterns = patterns("members");
    let Some(members) = super::workspace_globs::WorkspaceGlobs::compile(
        member_patterns.iter().map(|p| p.trim_end_matches('/')),
    )
    .globs
    else {
        return names;
    };
    let excluded = patterns("exclude");
    let walker = ignore::WalkBuilder::new(dir)
        .max_depth(Some(6))
        .standard_filters(false)
        .filter_entry(|e| e.file_name() != "target" && e.file_name() != ".git")
        .build();
    for entry in walker.flatten() {
        if entry.file_name() != "Cargo.toml" {
            continue;
        }
        let Some(member_dir) = entry.path().parent() else {
            continue;
        };
        let Ok(rel) = member_dir.strip_prefix(dir) else {
            continue;
        };
        if rel.as_os_str().is_empty()
            || !members.is_match(rel)
            || excluded.iter().any(|e| rel.starts_with(e))
        {
            continue;
        }
        if let Some(table) = read(entry.path()) {
            names.extend(package_name(&table));
        }
    }
    names
}

/// A Cargo.lock dependency entry is `name`, `name version` or `name version (source)`.
fn resolve_lock_dependency(
    lock: &CargoLock,
    by_name: &HashMap<&str, Vec<usize>>,
    dep: &str,
) -> Option<usize> {
    let mut parts = dep.splitn(3, ' ');
    let name = parts.next()?;
    let version = parts.next();
    let source = parts
        .next()
        .map(|s| s.trim_start_matches('(').trim_end_matches(')'));
    let candidates = by_name.get(name)?;
    candidates.iter().copied().find(|&i| {
        let entry = &lock.package[i];
        version.is_none_or(|v| entry.version == v)
            && source.is_none_or(|s| entry.source.as_deref() == Some(s))
    })
}

/// What Cargo.lock holds, as far as fundament needs it.
#[derive(Debug, Deserialize)]
pub struct CargoLock {
    pub version: Option<u32>,
    #[serde(default)]
    pub package: Vec<LockPackage>,
    /// Lockfile version 1 keeps checksums here, keyed `checksum name version (source)`.
    #[serde(default)]
    pub metadata: HashMap<String, String>,
}

#[derive(Debug, Deserialize)]
pub struct LockPackage {
    pub name: String,
    pub version: String,
    pub source: Option<String>,
    pub checksum: Option<String>,
    #[serde(default)]
    pub dependencies: Vec<String>,
}

impl CargoLock {
    fn checksums(&self) -> HashMap<(String, String, Option<String>), String> {
        self.package
            .iter()
            .filter_map(|p| {
                let sum = p.checksum.clone().or_else(|| self.v1_checksum(p))?;
                Some(((p.name.clone(), p.version.clone(), p.source.clone()), sum))
            })
            .collect()
    }

    fn v1_checksum(&self, p: &LockPackage) -> Option<String> {
        let source = p.source.as_deref()?;
        self.metadata
            .get(&format!("checksum {} {} ({source})", p.name, p.version))
            .cloned()
    }
}

/// The lockfile versions this reader understands (1 has no `version` key).
const LOCK_VERSIONS: &[u32] = &[1, 2, 3, 4];

/// Reads and checks Cargo.lock; errors name the file and line.
pub fn read_lockfile(input: &Confined, path: &Path) -> Result<CargoLock, Box<Finding>> {
    let display = input.display(path);
    let text = input
        .read_text(path, Limit::LOCKFILE)
        .map_err(|refusal| Box::new(Finding::refused(&refusal)))?;
    let lock: CargoLock = toml::from_str(&text).map_err(|err| {
        Box::new(
            Finding::error(
                Code::InputUnreadable,
                crate::text!(
                    "cargo_lock_invalid",
                    file = display,
                    error = err.message().trim()
                ),
            )
            .at(
                display.clone(),
                err.span().map(|span| line_of_offset(&text, span.start)),
            ),
        )
    })?;
    if let Some(version) = lock.version
        && !LOCK_VERSIONS.contains(&version)
    {
        let line = text
            .lines()
            .position(|l| l.trim_start().starts_with("version"))
            .map(|i| i + 1);
        return Err(Box::new(
            Finding::error(
                Code::LockfileVersionUnsupported,
                crate::text!("cargo_lock_version", file = display, version = version),
            )
            .at(display, line),
        ));
    }
    Ok(lock)
}

fn source_of(repr: Option<&str>, dir: Option<&Path>, root: &Path) -> PackageSource {
    match repr {
        None => PackageSource::Path {
            path: dir.map(|d| display_path(root, d)).unwrap_or_default(),
        },
        Some(repr) => {
            if let Some(url) = repr.strip_prefix("git+") {
                PackageSource::Git {
                    url: url.to_string(),
                }
            } else if let Some(url) = repr
                .strip_prefix("registry+")
                .or_else(|| repr.strip_prefix("sparse+"))
            {
                PackageSource::Registry {
                    url: Some(url.to_string()),
                }
            } else if let Some(path) = repr.strip_prefix("path+") {
                PackageSource::Path {
                    path: path.to_string(),
                }
            } else {
                PackageSource::Url {
                    url: repr.to_string(),
                }
            }
        }
    }
}

/// A path for reports: relative to the audited root when inside it, else absolute.
fn display_path(root: &Path, path: &Path) -> String {
    if path.starts_with(root) {
        relative(root, path)
    } else {
        path.display().to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lock(text: &str) -> CargoLock {
        toml::from_str(text).unwrap()
    }

    #[test]
    fn lock_dependencies_resolve_by_name_version_and_source() {
        let lock = lock(
            r#"
version = 4
[[package]]
name = "a"
version = "1.0.0"
dependencies = ["b 1.0.0", "b 2.0.0 (registry+https://index.example)", "c"]
[[package]]
name = "b"
version = "1.0.0"
[[package]]
name = "b"
version = "2.0.0"
source = "registry+https://index.example"
[[package]]
name = "c"
version = "0.1.0"
"#,
        );
        let mut by_name: HashMap<&str, Vec<usize>> = HashMap::new();
        for (i, p) in lock.package.iter().enumerate() {
            by_name.entry(p.name.as_str()).or_default().push(i);
        }
        let deps: Vec<Option<usize>> = lock.package[0]
            .dependencies
            .iter()
            .map(|d| resolve_lock_dependency(&lock, &by_name, d))
            .collect();
        assert_eq!(deps, vec![Some(1), Some(2), Some(3)]);
        assert_eq!(resolve_lock_dependency(&lock, &by_name, "zzz"), None);
    }

    #[test]
    fn version_one_checksums_come_from_metadata() {
        let lock = lock(
            r#"
[[package]]
name = "a"
version = "1.0.0"
source = "registry+https://index.example"
[metadata]
"checksum a 1.0.0 (registry+https://index.example)" = "abc"
"#,
        );
        assert_eq!(lock.v1_checksum(&lock.package[0]).as_deref(), Some("abc"));
    }
}
