//! Gradle: lockfiles, version catalogs and the dependencies declared in build scripts.
//!
//! Gradle is never run. A project is the topmost Gradle build of a directory tree: its settings
//! file (or root build file), the build files of its subprojects below it, their lockfiles and
//! the version catalogs (`gradle/libs.versions.toml`).
//!
//! Each project of the build (the root and every directory with a build file) becomes one of the
//! audited project's own root packages (`group:name`, name from `rootProject.name` in the
//! settings or the directory name). Its dependencies come from, in this order:
//!
//! - its lockfiles when it has any (`gradle.lockfile`, `buildscript-gradle.lockfile`, and the
//!   per-configuration `gradle/dependency-locks/*.lockfile` of Gradle before 6.8): resolved
//!   versions of the whole graph, transitive dependencies included, each locked;
//! - otherwise the coordinates its build script declares (Groovy or Kotlin DSL), read with a
//!   small tokenizer that understands strings, string templates, comments and brackets: string
//!   notations (`"g:a:v"`), map and named-argument notations (`group: "g", name: "a"`),
//!   `platform(...)`, `enforcedPlatform(...)`, `testFixtures(...)`, `kotlin("stdlib")`,
//!   version-catalog accessors (`libs.some.lib`, `libs.bundles.x`), `project(":x")` (an edge to
//!   that subproject), and `${...}` templates resolved from variables of the same script, `ext`
//!   / `extra` properties, the root build script and `gradle.properties`. Such dependencies are
//!   declared, not resolved (`locked = false`): their transitive dependencies and the versions
//!   Gradle would finally pick (BOMs, platforms, conflict resolution) are unknown, which one
//!   warning per build file says. A version that cannot be resolved is kept as written.
//!
//! Scopes follow the configuration names: test configurations are dev, annotation processors,
//! compiler plugins, code-quality tools and the buildscript classpath are build, everything else
//! (`implementation`, `api`, `compileClasspath`, `runtimeClasspath`, `releaseRuntimeClasspath`,
//! custom source sets) is runtime; the build scripts of `buildSrc` and of builds included by
//! `pluginManagement` are build logic. A package in several configurations takes the smallest
//! scope. Plugins (`plugins { id(...) version ... }`) are not listed.
//!
//! Gradle files record no licences: dependencies are marked as such.

use super::{ProjectGraph, ReadContext};
use crate::diagnostic::{Code, Finding, line_of_offset};
use crate::discover::FoundProject;
use crate::model::{DepKind, Dependency, Ecosystem, Package, PackageSource, Scope};
use crate::source::confined::EntryKind;
use crate::source::confined::normalise;
use crate::source::{Confined, Limit};
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

mod catalog;
mod declared;
mod eval;
mod lexer;
mod lockfile;
mod properties;
mod resolve;
mod scopes;
mod script;
#[cfg(test)]
mod tests;
mod version;

use catalog::*;
use eval::*;
use lexer::*;
use lockfile::*;
use properties::*;
pub use scopes::scope_of_configuration;
use scopes::*;
use script::*;

/// The reason given for every dependency: Gradle's files carry no licence.
const NO_LICENCES: &str = "Gradle files record no licences";

/// How many unresolved references a warning names before "and N more".
const LISTED: usize = 10;

/// How deep variable references are followed.
const MAX_DEPTH: u8 = 12;

/// Reads one Gradle build.
pub fn read(ctx: &ReadContext<'_>, found: &FoundProject) -> ProjectGraph {
    let mut findings: Vec<Finding> = Vec::new();
    let mut partial: Vec<String> = Vec::new();

    let all_files: Vec<&PathBuf> = std::iter::once(&found.manifest)
        .chain(found.files.iter())
        .collect();
    let is_build = |p: &&PathBuf| {
        p.file_name()
            .is_some_and(|n| n == "build.gradle" || n == "build.gradle.kts")
    };
    let is_settings = |p: &&PathBuf| {
        p.file_name()
            .is_some_and(|n| n == "settings.gradle" || n == "settings.gradle.kts")
    };

    // The settings file of the root build.
    let settings_path = all_files
        .iter()
        .copied()
        .filter(is_settings)
        .find(|p| p.parent() == Some(found.dir.as_path()))
        .cloned();
    let root_properties = read_properties(ctx, &found.dir.join("gradle.properties"), &mut findings);
    let mut settings = Script::default();
    if let Some(path) = &settings_path {
        match read_script(ctx, path) {
            Ok(script) => settings = script,
            Err(finding) => {
                let finding = *finding;
                if !found.files.iter().any(|f| is_build(&f)) && !is_build(&&found.manifest) {
                    let reader = "settings.gradle";
                    return ProjectGraph::failed(ctx, found, reader, finding);
                }
                partial.push(finding.message.clone());
                findings.push(finding);
            }
        }
        report_lex_errors(ctx, path, &settings, &mut findings, &mut partial);
    }

    // Version catalogs: by accessor name, each with the directory whose builds use it.
    let mut catalogs: Vec<Catalog> = Vec::new();
    for path in all_files.iter().filter(|p| {
        p.file_name()
            .is_some_and(|n| n.to_string_lossy().ends_with(".versions.toml"))
    }) {
        match read_catalog(ctx, path) {
            Ok(catalog) => catalogs.push(catalog),
            Err(errors) => {
                partial.push(format!("{} could not be read", ctx.display(path)));
                findings.extend(errors);
            }
        }
    }
    // Catalogs the settings import from other files (`from(files("..."))`).
    let settings_env = Env::new(&settings, None, &root_properties, None, &[]);
    for (name, tokens) in &settings.catalog_files {
        let Some(rel) = settings_env.text(tokens).resolved() else {
            continue;
        };
        let path = found.dir.join(rel);
        if catalogs.iter().any(|c| same_file(&c.path, &path)) {
            if let Some(c) = catalogs.iter_mut().find(|c| same_file(&c.path, &path)) {
                c.name = name.clone();
            }
            continue;
        }
        if ctx.input.is_file(&path) {
            match read_catalog(ctx, &path) {
                Ok(mut catalog) => {
                    catalog.name = name.clone();
                    catalog.base = found.dir.clone();
                    catalogs.push(catalog);
                }
                Err(errors) => {
                    partial.push(format!("{} could not be read", ctx.display(&path)));
                    findings.extend(errors);
                }
            }
        }
    }

    // Catalogs the settings declare entry by entry.
    if !settings.catalog_entries.is_empty() {
        add_declared_catalogs(
            &mut catalogs,
            &settings.catalog_entries,
            &settings_env,
            &found.dir,
            settings_path.as_deref().unwrap_or(&found.dir),
        );
    }

    // Directories holding build logic, whose dependencies are of build scope.
    let mut build_logic = vec![found.dir.join("buildSrc")];
    for tokens in &settings.include_builds {
        if let Some(rel) = settings_env.text(tokens).resolved() {
            build_logic.push(normalise(&found.dir.join(rel)));
        }
    }

    // The projects of the build: the root, and every directory with a build file.
    let mut project_dirs: Vec<PathBuf> = vec![found.dir.clone()];
    for path in all_files.iter().copied().filter(is_build) {
        if let Some(dir) = path.parent()
            && !project_dirs.iter().any(|d| d == dir)
        {
            project_dirs.push(dir.to_path_buf());
        }
    }
    project_dirs[1..].sort();

    // Build scripts, parsed; the root's first (subprojects inherit its variables).
    let mut scripts: Vec<Option<ParsedBuild>> = Vec::new();
    for dir in &project_dirs {
        let path = ["build.gradle.kts", "build.gradle"]
            .iter()
            .map(|n| dir.join(n))
            .find(|p| all_files.contains(&p));
        let Some(path) = path else {
            scripts.push(None);
            continue;
        };
        match read_script(ctx, &path) {
            Ok(mut script) => {
                report_lex_errors(ctx, &path, &script, &mut findings, &mut partial);
                apply_script_plugins(ctx, found, dir, &path, &mut script, &mut findings);
                scripts.push(Some(ParsedBuild {
                    path,
                    script,
                    properties: read_properties(ctx, &dir.join("gradle.properties"), &mut findings),
                }));
            }
            Err(finding) => {
                partial.push(finding.message.clone());
                findings.push(*finding);
                scripts.push(None);
            }
        }
    }

    // The root packages.
    let root_script = scripts.first().and_then(|s| s.as_ref());
    let root_catalogs = catalogs_for(&catalogs, &found.dir);
    let root_env = Env::new(
        root_script.map_or(&settings, |b| &b.script),
        None,
        &root_properties,
        None,
        &root_catalogs,
    );
    let root_group = root_script
        .and_then(|b| b.script.group.as_ref())
        .and_then(|t| root_env.text(t).resolved())
        .or_else(|| root_properties.get("group").cloned());
    let root_version = root_script
        .and_then(|b| b.script.version.as_ref())
        .and_then(|t| root_env.text(t).resolved())
        .or_else(|| root_properties.get("version").cloned())
        .filter(|v| v != "unspecified")
        .unwrap_or_default();
    let root_name = settings
        .root_name
        .as_ref()
        .and_then(|t| settings_env.text(t).resolved())
        .unwrap_or_else(|| dir_name(&found.dir));

    // What resolving the projects without lockfile needs: the repositories the build
    // declares (settings first), the Spring plugins.
    let mut repos: Vec<crate::ecosystem::maven::DeclaredRepo> = Vec::new();
    let mut unnamed_repos: Vec<String> = Vec::new();
    if let Some(path) = &settings_path {
        declared::repositories(
            &settings,
            &settings_env,
            &ctx.display(path),
            &mut repos,
            &mut unnamed_repos,
        );
    }
    for build in scripts.iter().flatten() {
        let env = Env::new(
            &build.script,
            root_script.map(|b| &b.script),
            &root_properties,
            Some(&build.properties),
            &[],
        );
        declared::repositories(
            &build.script,
            &env,
            &ctx.display(&build.path),
            &mut repos,
            &mut unnamed_repos,
        );
    }
    // Plugins: id, version where given, and whether applied to other projects too.
    let plugins_of = |script: &Script| -> Vec<(String, Option<String>, bool)> {
        let env = Env::new(script, None, &root_properties, None, &root_catalogs);
        script
            .plugins
            .iter()
            .map(|p| {
                let (id, version) = if p.alias {
                    let found = p.id.split_once(".plugins.").and_then(|(catalog, alias)| {
                        root_catalogs
                            .iter()
                            .find(|c| c.name == catalog)
                            .and_then(|c| c.plugins.get(&alias_key(alias)))
                    });
                    match found {
                        Some((id, version)) => (id.clone(), Some(version.clone())),
                        None => (p.id.clone(), None),
                    }
                } else {
                    (
                        p.id.clone(),
                        p.version.as_ref().and_then(|t| env.text(t).resolved()),
                    )
                };
                (id, version.filter(|v| !v.is_empty()), p.shared)
            })
            .collect()
    };
    // The Spring Boot plugin's version, wherever the build names it (settings'
    // `pluginManagement`, the root's `apply false`, a catalog).
    let boot_version = std::iter::once(&settings)
        .chain(scripts.iter().flatten().map(|b| &b.script))
        .flat_map(&plugins_of)
        .filter(|(id, _, _)| id == "org.springframework.boot")
        .find_map(|(_, v, _)| v);
    // The plugins each project applies: its own, and the root's `allprojects { }` /
    // `subprojects { }` ones.
    let root_shared: Vec<String> = root_script
        .map(|b| {
            plugins_of(&b.script)
                .into_iter()
                .filter(|(_, _, shared)| *shared)
                .map(|(id, _, _)| id)
                .collect()
        })
        .unwrap_or_default();
    let applies = |index: usize, id: &str| -> bool {
        let own = scripts
            .get(index)
            .and_then(|s| s.as_ref())
            .is_some_and(|b| plugins_of(&b.script).iter().any(|(p, _, _)| p == id));
        own || (index > 0 && root_shared.iter().any(|p| p == id))
    };
    let tree_poms = crate::ecosystem::maven::tree::TreePoms::new(ctx.input, ctx.root, None);
    // Gradle decides POM profiles by `activeByDefault` and absent properties alone.
    let gradle_platform = crate::ecosystem::maven::Platform::default();
    let models = ctx.options.maven.as_deref().map(|source| {
        let mut models =
            crate::ecosystem::maven::model::Models::new(Some(source), &gradle_platform, &tree_poms);
        // Gradle asks only the repositories a build declares; when fundament reads none (they
        // may come from a convention plugin it does not run), central stands in, as Maven's
        // super POM names it.
        models.implicit_central = repos.is_empty();
        if let Ok(mut list) = models.repos.lock() {
            list.extend(repos.iter().cloned());
        }
        models
    });
    if models.is_some() {
        for repo in repos.iter().filter(|r| r.url.is_some()) {
            let (file, line) = match repo.declared_in.rsplit_once(':') {
                Some((f, l)) => (f.to_string(), l.parse().ok()),
                None => (repo.declared_in.clone(), None),
            };
            findings.push(
                Finding::note_finding(
                    Code::RegistryFromTree,
                    crate::text!(
                        "maven_repository_declared",
                        url = repo.url.as_deref().unwrap_or_default(),
                        at = repo.declared_in
                    ),
                )
                .at(file, line),
            );
        }
        if repos.is_empty() {
            findings.push(Finding::note_finding(
                Code::RegistryFromTree,
                crate::diagnostic::Text::new("gradle_no_repository"),
            ));
        }
        if !unnamed_repos.is_empty() {
            findings.push(Finding::note_finding(
                Code::RegistryFromTree,
                crate::text!(
                    "gradle_unnamed_repositories",
                    list = unnamed_repos.join(", ")
                ),
            ));
        }
    }

    let mut packages: Vec<Package> = Vec::new();
    for (index, dir) in project_dirs.iter().enumerate() {
        let build = scripts.get(index).and_then(|s| s.as_ref());
        let env = Env::new(
            build.map_or(&settings, |b| &b.script),
            root_script.map(|b| &b.script).filter(|_| index > 0),
            &root_properties,
            build.map(|b| &b.properties),
            &[],
        );
        let group = build
            .and_then(|b| b.script.group.as_ref())
            .and_then(|t| env.text(t).resolved())
            .or_else(|| root_group.clone());
        let version = build
            .and_then(|b| b.script.version.as_ref())
            .and_then(|t| env.text(t).resolved())
            .filter(|v| v != "unspecified")
            .unwrap_or_else(|| root_version.clone());
        let name = if index == 0 {
            root_name.clone()
        } else {
            dir_name(dir)
        };
        let full = match &group {
            Some(g) if !g.is_empty() => format!("{g}:{name}"),
            _ => name,
        };
        let mut package = Package::new(
            Ecosystem::Maven,
            &full,
            &version,
            PackageSource::Path {
                path: ctx.display(dir),
            },
        );
        package.root = true;
        package.dir = Some(dir.clone());
        packages.push(package);
    }

    // Dependencies, per project: lockfiles when it has any, else what its script declares.
    let mut index_of: HashMap<(String, String), usize> = HashMap::new();
    let mut used_lockfile = false;
    let mut used_declared = false;
    let mut resolved_any = false;
    for (project_index, dir) in project_dirs.iter().enumerate() {
        let logic = build_logic.iter().any(|b| dir.starts_with(b));
        let lockfiles = lockfiles_of(ctx.input, found, dir);
        if !lockfiles.is_empty() {
            used_lockfile = true;
            // Per-configuration lockfiles (gradle/dependency-locks/*.lockfile) lock the
            // runtime classpath in a file of its own.
            let legacy_runtime_locked = lockfiles.iter().any(|l| {
                l.configuration
                    .as_deref()
                    .is_some_and(is_product_runtime_classpath)
            });
            for lockfile in &lockfiles {
                let display = ctx.display(&lockfile.path);
                let text = match ctx.input.read_text(&lockfile.path, Limit::LOCKFILE) {
                    Ok(text) => text,
                    Err(refusal) => {
                        partial.push(refusal.to_string());
                        findings.push(Finding::refused(&refusal));
                        continue;
                    }
                };
                let (entries, errors) = parse_lockfile(&text, lockfile.configuration.as_deref());
                if !errors.is_empty() {
                    partial.push(format!(
                        "{display} has {}, which {} skipped",
                        crate::plural::count(errors.len(), "malformed line", "malformed lines"),
                        crate::plural::word(errors.len(), "was", "were")
                    ));
                }
                for (line, message) in errors {
                    findings.push(
                        Finding::error(
                            Code::InputUnreadable,
                            crate::text!(
                                "line_problem",
                                file = display,
                                line = line,
                                message = message
                            ),
                        )
                        .at(display.clone(), Some(line)),
                    );
                }
                // Where the runtime classpath is locked too, what only compile classpaths
                // hold is compiled against and not shipped (a library's `java-api`-only
                // dependency); a build that locks only its compile classpath says nothing
                // about what ships, so its entries stay runtime.
                let runtime_locked = legacy_runtime_locked
                    || entries.iter().any(|e| {
                        e.configurations
                            .iter()
                            .any(|c| is_product_runtime_classpath(c))
                    });
                for entry in entries {
                    let mut scope = entry
                        .configurations
                        .iter()
                        .map(|c| {
                            let scope = scope_of_configuration(c);
                            if runtime_locked
                                && scope == Scope::Runtime
                                && c.to_ascii_lowercase().ends_with("compileclasspath")
                            {
                                Scope::Provided
                            } else {
                                scope
                            }
                        })
                        .min()
                        .unwrap_or(Scope::Runtime);
                    if lockfile.buildscript || logic {
                        scope = scope.max(Scope::Build);
                    }
                    let name = format!("{}:{}", entry.group, entry.artifact);
                    add_dependency(
                        &mut packages,
                        &mut index_of,
                        project_index,
                        &name,
                        &entry.version,
                        true,
                        scope,
                    );
                }
            }
        }

        let Some(build) = scripts.get(project_index).and_then(|s| s.as_ref()) else {
            continue;
        };
        let local_catalogs = catalogs_for(&catalogs, dir);
        let env = Env::new(
            &build.script,
            root_script.map(|b| &b.script).filter(|_| project_index > 0),
            &root_properties,
            Some(&build.properties),
            &local_catalogs,
        );
        let declared = evaluate_dependencies(&build.script, &env, root_script);
        let display = ctx.display(&build.path);

        // Edges to other projects of the build, in both modes.
        let mut project_edges: std::collections::HashSet<Dependency> = packages[project_index]
            .dependencies
            .iter()
            .copied()
            .collect();
        for (path, config, line) in &declared.projects {
            match project_by_path(&project_dirs, &found.dir, path) {
                Some(target) if target != project_index => {
                    let kind = kind_of(scope_of_configuration(config));
                    let edge = Dependency {
                        package: target,
                        kind,
                    };
                    if project_edges.insert(edge) {
                        packages[project_index].dependencies.push(edge);
                    }
                }
                Some(_) => {}
                None => findings.push(
                    Finding::warning(
                        Code::DependencyUnresolved,
                        crate::text!(
                            "gradle_project_unknown",
                            file = display,
                            line = line,
                            path = path
                        ),
                    )
                    .at(display.clone(), Some(*line)),
                ),
            }
        }
        if !lockfiles.is_empty() || (declared.coordinates.is_empty() && declared.unknown.is_empty())
        {
            continue;
        }

        used_declared = true;
        if let Some(models) = &models {
            // Resolved from the declarations; the build script's own classpath stays declared.
            let (build_logic_deps, libraries): (Vec<&Coordinate>, Vec<&Coordinate>) =
                declared.coordinates.iter().partition(|c| c.buildscript);
            let mut resolvable = Declared {
                constraints: declared.constraints.clone(),
                ..Declared::default()
            };
            resolvable.coordinates = libraries.into_iter().cloned().collect();
            let scopes = declared::scopes(&resolvable.coordinates, logic);
            let boms = if applies(project_index, "io.spring.dependency-management") {
                let boot = boot_version
                    .as_deref()
                    .filter(|_| applies(project_index, "org.springframework.boot"));
                let root = root_script
                    .filter(|_| project_index > 0)
                    .map(|b| (&b.script, ctx.display(&b.path)));
                let boms = declared::spring_boms(&build.script, &env, root, boot, &display);
                declared::bom_overrides(boms, &env, models)
            } else {
                Vec::new()
            };
            declared::add_resolved(
                &mut packages,
                &mut index_of,
                project_index,
                &resolvable,
                &scopes,
                boms,
                models,
                &display,
                &mut findings,
                &mut partial,
            );
            resolved_any = true;
            for dep in build_logic_deps {
                add_dependency(
                    &mut packages,
                    &mut index_of,
                    project_index,
                    &format!("{}:{}", dep.group, dep.artifact),
                    &dep.version,
                    false,
                    Scope::Build,
                );
            }
            continue;
        }
        let mut unresolved: Vec<crate::diagnostic::Text> = Vec::new();
        let mut without_version = 0;
        for dep in &declared.coordinates {
            let mut scope = scope_of_configuration(&dep.configuration);
            if dep.buildscript || logic {
                scope = scope.max(Scope::Build);
            }
            if dep.test {
                scope = Scope::Test;
            }
            if dep.version.is_empty() {
                without_version += 1;
            }
            for reference in &dep.unresolved {
                let text = crate::text!(
                    "gradle_reference_at",
                    reference = reference,
                    line = dep.line
                );
                if !unresolved.contains(&text) {
                    unresolved.push(text);
                }
            }
            add_dependency(
                &mut packages,
                &mut index_of,
                project_index,
                &format!("{}:{}", dep.group, dep.artifact),
                &dep.version,
                false,
                scope,
            );
        }
        for (reference, line) in &declared.unknown {
            unresolved.push(crate::text!(
                "gradle_reference_not_listed",
                reference = reference,
                line = line
            ));
        }
        let count = declared.coordinates.len();
        let first_line = declared
            .coordinates
            .iter()
            .map(|d| d.line)
            .chain(declared.unknown.iter().map(|u| u.1))
            .min();
        let unmanaged = if without_version > 0 {
            crate::text!("gradle_without_version", n = without_version)
        } else {
            crate::diagnostic::Text::verbatim("")
        };
        let message = crate::text!("gradle_declared_unlocked", file = display)
            .count("n", count)
            .sub("unmanaged", unmanaged);
        let mut finding = Finding::warning(Code::VersionUnresolved, message)
            .at(display.clone(), first_line)
            .note(crate::diagnostic::Text::new("gradle_enable_locking"));
        if !unresolved.is_empty() {
            let shown: Vec<crate::diagnostic::Text> =
                unresolved.iter().take(LISTED).cloned().collect();
            let mut list = crate::diagnostic::Text::new("verbatim").list("text", shown, ", ");
            if unresolved.len() > LISTED {
                list = crate::diagnostic::Text::new("listing_more")
                    .sub("names", list)
                    .count("n", unresolved.len() - LISTED);
            }
            finding = finding
                .note(crate::diagnostic::Text::new("gradle_kept_as_written").sub("list", list));
        }
        findings.push(finding);
    }
    if used_declared && !resolved_any {
        partial.push(
            "some dependencies are only declared in build scripts (no lockfile): transitive \
             dependencies and resolved versions are unknown"
                .to_string(),
        );
    }

    // Described in words (translated in the German reports), except the lockfile alone.
    use crate::diagnostic::Text;
    let reader = match (used_lockfile, used_declared, resolved_any) {
        (true, true, true) => Some(Text::new("reader_gradle_lockfile_resolved")),
        (true, true, false) => Some(Text::new("reader_gradle_lockfile_declared")),
        (true, false, _) => None,
        (false, _, true) => Some(Text::new("reader_gradle_resolved")),
        (false, _, false) => Some(Text::new("reader_gradle_declared")),
    };
    let mut graph = match reader {
        Some(reader) => ProjectGraph::new_described(ctx, found, reader),
        None => ProjectGraph::new(ctx, found, "gradle.lockfile"),
    };
    graph.packages = packages;
    graph.findings = findings;
    if !partial.is_empty() {
        graph.partial(partial.join("; "));
    }
    graph.set_roots();
    graph
}

/// Adds (or merges) a dependency of `project` and the edge to it.
fn add_dependency(
    packages: &mut Vec<Package>,
    index_of: &mut HashMap<(String, String), usize>,
    project: usize,
    name: &str,
    version: &str,
    locked: bool,
    scope: Scope,
) {
    let key = (name.to_string(), version.to_string());
    let index = match index_of.get(&key) {
        Some(&i) => {
            let existing = &mut packages[i];
            existing.scope = existing.scope.min(scope);
            existing.locked |= locked;
            i
        }
        None => {
            let mut package = Package::new(
                Ecosystem::Maven,
                name,
                version,
                PackageSource::Registry { url: None },
            );
            package.scope = scope;
            package.locked = locked;
            package.licence_unavailable = Some(NO_LICENCES.to_string());
            let i = packages.len();
            packages.push(package);
            index_of.insert(key, i);
            i
        }
    };
    let kind = kind_of(scope);
    let edges = &mut packages[project].dependencies;
    match edges.iter_mut().find(|e| e.package == index) {
        Some(edge) if edge.kind > kind => edge.kind = kind,
        Some(_) => {}
        None => edges.push(Dependency {
            package: index,
            kind,
        }),
    }
}

fn kind_of(scope: Scope) -> DepKind {
    match scope {
        Scope::Runtime => DepKind::Normal,
        Scope::Provided | Scope::Build => DepKind::Build,
        Scope::Test | Scope::Dev => DepKind::Dev,
    }
}

fn dir_name(dir: &Path) -> String {
    dir.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "root".to_string())
}

fn same_file(a: &Path, b: &Path) -> bool {
    normalise(a) == normalise(b)
}

/// The project of the build a `project(":a:b")` path names: the directory `a/b` below the
/// root, else the only project directory named `b`.
fn project_by_path(dirs: &[PathBuf], root: &Path, path: &str) -> Option<usize> {
    let segments: Vec<&str> = path.split(':').filter(|s| !s.is_empty()).collect();
    if segments.is_empty() {
        return Some(0);
    }
    let direct = segments.iter().fold(root.to_path_buf(), |d, s| d.join(s));
    if let Some(i) = dirs.iter().position(|d| *d == direct) {
        return Some(i);
    }
    let last = segments.last()?;
    let named: Vec<usize> = (1..dirs.len())
        .filter(|&i| dirs[i].file_name().is_some_and(|n| n == *last))
        .collect();
    match named.as_slice() {
        [one] => Some(*one),
        _ => None,
    }
}
