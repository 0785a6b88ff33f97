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
    for (project_index, dir) in project_dirs.iter().enumerate() {
        let logic = build_logic.iter().any(|b| dir.starts_with(b));
        let lockfiles = lockfiles_of(ctx.input, found, dir);
        if !lockfiles.is_empty() {
            used_lockfile = true;
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
                        "{display} has {} malformed line{}, which {} skipped",
                        errors.len(),
                        plural(errors.len()),
                        if errors.len() == 1 { "was" } else { "were" }
                    ));
                }
                for (line, message) in errors {
                    findings.push(
                        Finding::error(
                            Code::InputUnreadable,
                            format!("{display} line {line}: {message}"),
                        )
                        .at(display.clone(), Some(line)),
                    );
                }
                for entry in entries {
                    let mut scope = entry
                        .configurations
                        .iter()
                        .map(|c| scope_of_configuration(c))
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
        for (path, config, line) in &declared.projects {
            match project_by_path(&project_dirs, &found.dir, path) {
                Some(target) if target != project_index => {
                    let kind = kind_of(scope_of_configuration(config));
                    let edge = Dependency {
                        package: target,
                        kind,
                    };
                    if !packages[project_index].dependencies.contains(&edge) {
                        packages[project_index].dependencies.push(edge);
                    }
                }
                Some(_) => {}
                None => findings.push(
                    Finding::warning(
                        Code::DependencyUnresolved,
                        format!(
                            "{display} line {line} depends on project `{path}`, which is not a \
                             project of this build"
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
        let mut unresolved: Vec<String> = Vec::new();
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
                let text = format!("`{reference}` (line {})", dep.line);
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
            unresolved.push(format!("`{reference}` (line {line}, not listed)"));
        }
        let count = declared.coordinates.len();
        let first_line = declared
            .coordinates
            .iter()
            .map(|d| d.line)
            .chain(declared.unknown.iter().map(|u| u.1))
            .min();
        let mut message = format!(
            "{display} declares {count} dependenc{} and the build has no lockfile for it: the \
             versions are those declared, not resolved",
            if count == 1 { "y" } else { "ies" }
        );
        if without_version > 0 {
            message.push_str(&format!(
                " ({without_version} without a version, managed by a platform, BOM or plugin)"
            ));
        }
        message.push_str(", and transitive dependencies are not known");
        let mut finding = Finding::warning(Code::VersionUnresolved, message)
            .at(display.clone(), first_line)
            .note(
                "enable dependency locking and run `./gradlew dependencies --write-locks`, then \
                 commit the gradle.lockfile files",
            );
        if !unresolved.is_empty() {
            let mut shown: Vec<String> = unresolved.iter().take(LISTED).cloned().collect();
            if unresolved.len() > LISTED {
                shown.push(format!("and {} more", unresolved.len() - LISTED));
            }
            finding = finding.note(format!(
                "not resolvable from the build files and gradle.properties, kept as written: {}",
                shown.join(", ")
            ));
        }
        findings.push(finding);
    }
    if used_declared {
        partial.push(
            "some dependencies are only declared in build scripts (no lockfile): transitive \
             dependencies and resolved versions are unknown"
                .to_string(),
        );
    }

    let reader = match (used_lockfile, used_declared) {
        (true, true) => "gradle.lockfile + build scripts (declared)",
        (true, false) => "gradle.lockfile",
        (false, _) => "build scripts (declared, no lockfile)",
    };
    let mut graph = ProjectGraph::new(ctx, found, reader);
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

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
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

// ---------------------------------------------------------------------------------------------
// Scopes

/// The scope of a dependency in a Gradle configuration, by the configuration's name.
pub fn scope_of_configuration(name: &str) -> Scope {
    let words = words(name);
    let has = |w: &str| words.iter().any(|x| x == w);
    // Test configurations; Spring Boot's `developmentOnly`, Android's debug variants.
    if words.iter().any(|w| w.starts_with("test")) {
        return Scope::Test;
    }
    if has("development") || has("debug") {
        return Scope::Dev;
    }
    const BUILD_WORDS: &[&str] = &[
        "annotationprocessor",
        "kapt",
        "ksp",
        "classpath",
        "detekt",
        "ktlint",
        "spotless",
        "checkstyle",
        "pmd",
        "spotbugs",
        "errorprone",
        "jacoco",
        "jacocoagent",
        "jacocoant",
        "lint",
        "dokka",
        "pitest",
        "codenarc",
        "plugin",
        "compiler",
    ];
    let lower = name.to_ascii_lowercase();
    let build = lower.ends_with("annotationprocessor")
        || words
            .iter()
            .any(|w| BUILD_WORDS.iter().any(|b| w.starts_with(b)))
        || lower.starts_with("kotlincompiler")
        || lower.starts_with("kotlinnative")
        || lower.starts_with("kotlinklib")
        || lower.starts_with("kotlinbuildtools");
    // `compileClasspath`, `runtimeClasspath`, `releaseRuntimeClasspath` are the product's.
    let product_classpath = lower.ends_with("compileclasspath")
        || lower.ends_with("runtimeclasspath")
        || lower.ends_with("runtimeelements")
        || lower.ends_with("apielements");
    if build && !(product_classpath && !lower.contains("plugin") && !lower.contains("compiler")) {
        Scope::Build
    } else if lower.ends_with("compileonly") || lower.ends_with("compileonlyapi") {
        // Declared for compiling only: supplied by the environment that runs the product.
        Scope::Provided
    } else {
        Scope::Runtime
    }
}

/// The lower-case words of a camel-case, snake-case or kebab-case name.
fn words(name: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut current = String::new();
    let mut previous_lower = false;
    for c in name.chars() {
        if c == '_' || c == '-' || c == '.' || c == ' ' {
            if !current.is_empty() {
                out.push(std::mem::take(&mut current));
            }
            previous_lower = false;
            continue;
        }
        if c.is_uppercase() && previous_lower && !current.is_empty() {
            out.push(std::mem::take(&mut current));
        }
        previous_lower = c.is_lowercase() || c.is_ascii_digit();
        current.extend(c.to_lowercase());
    }
    if !current.is_empty() {
        out.push(current);
    }
    out
}

// ---------------------------------------------------------------------------------------------
// Lockfiles

/// A lockfile of one project.
struct Lockfile {
    path: PathBuf,
    /// The configuration of a per-configuration lockfile (`gradle/dependency-locks/x.lockfile`).
    configuration: Option<String>,
    /// `buildscript-gradle.lockfile`: the build script's classpath.
    buildscript: bool,
}

/// The lockfiles of the project in `dir`.
/// Whatever stands under a lockfile's name is taken (and refused with its reason when it is not
/// a regular file of the tree).
fn lockfiles_of(input: &Confined, found: &FoundProject, dir: &Path) -> Vec<Lockfile> {
    let mut out = Vec::new();
    let exists = |path: &Path| std::fs::symlink_metadata(path).is_ok();
    let main = dir.join("gradle.lockfile");
    if found.files.contains(&main) || found.lockfile.as_ref() == Some(&main) || exists(&main) {
        out.push(Lockfile {
            path: main,
            configuration: None,
            buildscript: false,
        });
    }
    let buildscript = dir.join("buildscript-gradle.lockfile");
    if exists(&buildscript) {
        out.push(Lockfile {
            path: buildscript,
            configuration: None,
            buildscript: true,
        });
    }
    let legacy = dir.join("gradle").join("dependency-locks");
    if let Ok(entries) = input.list(&legacy) {
        let mut files: Vec<PathBuf> = entries
            .into_iter()
            .filter(|e| e.kind != EntryKind::Dir)
            .map(|e| e.path)
            .filter(|p| p.extension().is_some_and(|e| e == "lockfile"))
            .collect();
        files.sort();
        for path in files {
            let configuration = path
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_default();
            let buildscript = configuration.starts_with("buildscript-");
            out.push(Lockfile {
                path,
                configuration: Some(configuration.trim_start_matches("buildscript-").to_string()),
                buildscript,
            });
        }
    }
    out
}

/// One `group:artifact:version=configurations` line.
#[derive(Debug, Clone, PartialEq, Eq)]
struct LockEntry {
    group: String,
    artifact: String,
    version: String,
    configurations: Vec<String>,
}

/// Reads a lockfile. `configuration` is set for the per-configuration lockfiles of Gradle
/// before 6.8, whose lines carry no `=configurations`.
fn parse_lockfile(
    text: &str,
    configuration: Option<&str>,
) -> (Vec<LockEntry>, Vec<(usize, String)>) {
    let mut entries = Vec::new();
    let mut errors = Vec::new();
    for (index, raw) in text.lines().enumerate() {
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') || line.starts_with("empty=") {
            continue;
        }
        let (coordinate, configurations) = match (line.split_once('='), configuration) {
            (Some((c, list)), _) => (
                c.trim(),
                list.split(',')
                    .map(str::trim)
                    .filter(|s| !s.is_empty())
                    .map(String::from)
                    .collect::<Vec<_>>(),
            ),
            (None, Some(conf)) => (line, vec![conf.to_string()]),
            (None, None) => {
                errors.push((
                    index + 1,
                    format!(
                        "`{line}` is not a lock entry (`group:artifact:version=configurations`)"
                    ),
                ));
                continue;
            }
        };
        let parts: Vec<&str> = coordinate.split(':').collect();
        match parts.as_slice() {
            [group, artifact, version]
                if !group.is_empty() && !artifact.is_empty() && !version.is_empty() =>
            {
                if configurations.is_empty() {
                    errors.push((
                        index + 1,
                        format!("`{line}` names no configuration after `=`"),
                    ));
                    continue;
                }
                entries.push(LockEntry {
                    group: group.to_string(),
                    artifact: artifact.to_string(),
                    version: version.to_string(),
                    configurations,
                });
            }
            _ => errors.push((
                index + 1,
                format!("`{coordinate}` is not a `group:artifact:version` coordinate"),
            )),
        }
    }
    (entries, errors)
}

// ---------------------------------------------------------------------------------------------
// gradle.properties

/// A Java properties file, as far as Gradle builds use it: `key=value`, `key: value`,
/// comments, continuation lines. A missing file is empty; a refused one (a FIFO, a link out of
/// the tree) is empty too, with a finding.
fn read_properties(
    ctx: &ReadContext<'_>,
    path: &Path,
    findings: &mut Vec<Finding>,
) -> HashMap<String, String> {
    match ctx.input.read_text(path, Limit::MANIFEST) {
        Ok(text) => parse_properties(&text),
        Err(refusal) => {
            if !refusal.is_missing() {
                findings.push(Finding::refused(&refusal));
            }
            HashMap::new()
        }
    }
}

fn parse_properties(text: &str) -> HashMap<String, String> {
    let mut out = HashMap::new();
    let mut logical = String::new();
    for raw in text.lines() {
        let line = raw.trim_start();
        if logical.is_empty() && (line.is_empty() || line.starts_with('#') || line.starts_with('!'))
        {
            continue;
        }
        if let Some(stripped) = line.strip_suffix('\\') {
            logical.push_str(stripped);
            continue;
        }
        logical.push_str(line);
        let entry = std::mem::take(&mut logical);
        let split = entry
            .char_indices()
            .find(|&(_, c)| c == '=' || c == ':' || c.is_whitespace());
        let (key, value) = match split {
            Some((i, _)) => {
                let value = entry[i + 1..].trim_start();
                let value = value
                    .strip_prefix('=')
                    .or_else(|| value.strip_prefix(':'))
                    .unwrap_or(value);
                (&entry[..i], value.trim())
            }
            None => (entry.as_str(), ""),
        };
        out.insert(key.trim().to_string(), value.to_string());
    }
    out
}

// ---------------------------------------------------------------------------------------------
// Version catalogs

/// A version catalog (`gradle/libs.versions.toml`).
#[derive(Debug, Clone, Default)]
struct Catalog {
    /// The accessor (`libs`).
    name: String,
    path: PathBuf,
    /// The directory of the build that uses it (the parent of `gradle/`).
    base: PathBuf,
    versions: HashMap<String, String>,
    /// By normalised alias (`-` and `_` become `.`).
    libraries: HashMap<String, Library>,
    bundles: HashMap<String, Vec<String>>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Library {
    group: String,
    artifact: String,
    version: String,
}

/// The catalogs the build scripts in `dir` see: for each accessor, the one of the nearest
/// enclosing build.
fn catalogs_for(catalogs: &[Catalog], dir: &Path) -> Vec<Catalog> {
    let mut by_name: BTreeMap<&str, &Catalog> = BTreeMap::new();
    for catalog in catalogs {
        if !dir.starts_with(&catalog.base) {
            continue;
        }
        match by_name.get(catalog.name.as_str()) {
            Some(existing)
                if existing.base.components().count() >= catalog.base.components().count() => {}
            _ => {
                by_name.insert(&catalog.name, catalog);
            }
        }
    }
    by_name.into_values().cloned().collect()
}

fn alias_key(alias: &str) -> String {
    alias.replace(['-', '_'], ".")
}

fn read_catalog(ctx: &ReadContext<'_>, path: &Path) -> Result<Catalog, Vec<Finding>> {
    let display = ctx.display(path);
    let text = ctx
        .input
        .read_text(path, Limit::MANIFEST)
        .map_err(|refusal| vec![Finding::refused(&refusal)])?;
    let file_name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let name = file_name
        .strip_suffix(".versions.toml")
        .unwrap_or("libs")
        .to_string();
    let gradle_dir = path.parent().unwrap_or(Path::new("."));
    let base = if gradle_dir.file_name().is_some_and(|n| n == "gradle") {
        gradle_dir.parent().unwrap_or(gradle_dir).to_path_buf()
    } else {
        gradle_dir.to_path_buf()
    };
    let (mut catalog, errors) = parse_catalog(&text).map_err(|(line, message)| {
        vec![
            Finding::error(
                Code::InputUnreadable,
                format!("{display} is not a valid version catalog: {message}"),
            )
            .at(display.clone(), line),
        ]
    })?;
    if !errors.is_empty() {
        return Err(errors
            .into_iter()
            .map(|(line, message)| {
                Finding::error(
                    Code::InputUnreadable,
                    format!("{display} line {}: {message}", line.unwrap_or(0)),
                )
                .at(display.clone(), line)
            })
            .collect());
    }
    catalog.name = name;
    catalog.path = path.to_path_buf();
    catalog.base = base;
    Ok(catalog)
}

type CatalogError = (Option<usize>, String);

/// Parses a catalog's TOML; entries that Gradle would refuse are errors with their line.
fn parse_catalog(text: &str) -> Result<(Catalog, Vec<CatalogError>), CatalogError> {
    let table: toml::Table = toml::from_str(text).map_err(|err| {
        (
            err.span().map(|s| line_of_offset(text, s.start)),
            err.message().trim().to_string(),
        )
    })?;
    // The line of `key = ...` in `[section]`.
    let line_of = |section: &str, key: &str| {
        let mut inside = false;
        for (i, l) in text.lines().enumerate() {
            let l = l.trim_start();
            if l.starts_with('[') {
                inside = l.trim_end() == format!("[{section}]");
                continue;
            }
            let is_key = l
                .strip_prefix(key)
                .or_else(|| l.strip_prefix(&format!("\"{key}\"")))
                .is_some_and(|rest| rest.trim_start().starts_with('='));
            if inside && is_key {
                return Some(i + 1);
            }
        }
        None
    };
    let mut catalog = Catalog::default();
    let mut errors = Vec::new();
    if let Some(versions) = table.get("versions").and_then(|v| v.as_table()) {
        for (alias, value) in versions {
            match rich_version(value) {
                Some(v) => {
                    catalog.versions.insert(alias_key(alias), v);
                }
                None => errors.push((
                    line_of("versions", alias),
                    format!("version `{alias}` is neither a string nor a rich version"),
                )),
            }
        }
    }
    if let Some(libraries) = table.get("libraries").and_then(|v| v.as_table()) {
        for (alias, value) in libraries {
            match library(value, &catalog.versions) {
                Ok(lib) => {
                    catalog.libraries.insert(alias_key(alias), lib);
                }
                Err(message) => errors.push((
                    line_of("libraries", alias),
                    format!("library `{alias}`: {message}"),
                )),
            }
        }
    }
    if let Some(bundles) = table.get("bundles").and_then(|v| v.as_table()) {
        for (alias, value) in bundles {
            let members: Option<Vec<String>> = value.as_array().map(|items| {
                items
                    .iter()
                    .filter_map(|i| i.as_str().map(alias_key))
                    .collect()
            });
            match members {
                Some(members) => {
                    catalog.bundles.insert(alias_key(alias), members);
                }
                None => errors.push((
                    line_of("bundles", alias),
                    format!("bundle `{alias}` is not a list of library aliases"),
                )),
            }
        }
    }
    Ok((catalog, errors))
}

/// A version entry: a string, or a rich version (`prefer`, then `strictly`, then `require`).
fn rich_version(value: &toml::Value) -> Option<String> {
    match value {
        toml::Value::String(s) => Some(s.clone()),
        toml::Value::Table(t) => ["prefer", "strictly", "require"]
            .iter()
            .find_map(|k| t.get(*k).and_then(|v| v.as_str()))
            .map(str::to_string)
            .or(Some(String::new())),
        _ => None,
    }
}

fn library(value: &toml::Value, versions: &HashMap<String, String>) -> Result<Library, String> {
    match value {
        toml::Value::String(notation) => {
            let parts: Vec<&str> = notation.split(':').collect();
            match parts.as_slice() {
                [g, a] => Ok(Library {
                    group: g.to_string(),
                    artifact: a.to_string(),
                    version: String::new(),
                }),
                [g, a, v] => Ok(Library {
                    group: g.to_string(),
                    artifact: a.to_string(),
                    version: v.to_string(),
                }),
                _ => Err(format!("`{notation}` is not `group:artifact:version`")),
            }
        }
        toml::Value::Table(t) => {
            let (group, artifact) = match (
                t.get("module").and_then(|m| m.as_str()),
                t.get("group"),
                t.get("name"),
            ) {
                (Some(module), _, _) => match module.split_once(':') {
                    Some((g, a)) if !g.is_empty() && !a.is_empty() && !a.contains(':') => {
                        (g.to_string(), a.to_string())
                    }
                    _ => return Err(format!("module `{module}` is not `group:artifact`")),
                },
                (None, Some(g), Some(n)) => match (g.as_str(), n.as_str()) {
                    (Some(g), Some(n)) => (g.to_string(), n.to_string()),
                    _ => return Err("`group` and `name` must be strings".to_string()),
                },
                _ => return Err("needs `module`, or `group` and `name`".to_string()),
            };
            let version = match t.get("version") {
                None => String::new(),
                Some(toml::Value::Table(v)) if v.contains_key("ref") => {
                    let reference = v.get("ref").and_then(|r| r.as_str()).unwrap_or_default();
                    match versions.get(&alias_key(reference)) {
                        Some(version) => version.clone(),
                        None => {
                            return Err(format!("version.ref `{reference}` is not in [versions]"));
                        }
                    }
                }
                Some(other) => rich_version(other).ok_or("`version` is not a version")?,
            };
            Ok(Library {
                group,
                artifact,
                version,
            })
        }
        _ => Err("is neither a string nor a table".to_string()),
    }
}

// ---------------------------------------------------------------------------------------------
// Build scripts: tokens

#[derive(Debug, Clone, PartialEq)]
enum Tk {
    Ident(String),
    /// A string literal: literal text and `$name` / `${expression}` templates.
    Str(Vec<Part>),
    Num(String),
    Punct(char),
    Newline,
}

#[derive(Debug, Clone, PartialEq)]
enum Part {
    Lit(String),
    /// A template as written: `$name` or `${expression}`.
    Expr(String),
}

/// The expression of a template (`$a.b` → `a.b`, `${x + y}` → `x + y`).
fn template_expression(raw: &str) -> &str {
    raw.strip_prefix("${")
        .and_then(|r| r.strip_suffix('}'))
        .or_else(|| raw.strip_prefix('$'))
        .unwrap_or(raw)
}

#[derive(Debug, Clone, PartialEq)]
struct Token {
    tk: Tk,
    line: usize,
}

impl Token {
    fn ident(&self) -> Option<&str> {
        match &self.tk {
            Tk::Ident(s) => Some(s),
            _ => None,
        }
    }

    fn is(&self, c: char) -> bool {
        self.tk == Tk::Punct(c)
    }
}

struct Lexed {
    tokens: Vec<Token>,
    errors: Vec<(usize, String)>,
}

/// Splits a Groovy or Kotlin script into tokens: identifiers, strings (with templates),
/// numbers, punctuation and newlines; comments are dropped.
fn tokenize(text: &str, kotlin: bool) -> Lexed {
    let cs: Vec<char> = text.chars().collect();
    let mut tokens: Vec<Token> = Vec::new();
    let mut errors = Vec::new();
    let mut i = 0;
    let mut line = 1;
    let at = |i: usize| cs.get(i).copied().unwrap_or('\0');
    while i < cs.len() {
        let c = cs[i];
        let start_line = line;
        if c == '\n' {
            tokens.push(Token {
                tk: Tk::Newline,
                line,
            });
            line += 1;
            i += 1;
        } else if c.is_whitespace() {
            i += 1;
        } else if c == '/' && at(i + 1) == '/' {
            while i < cs.len() && cs[i] != '\n' {
                i += 1;
            }
        } else if c == '/' && at(i + 1) == '*' {
            let mut depth = 1;
            i += 2;
            while i < cs.len() && depth > 0 {
                if cs[i] == '\n' {
                    line += 1;
                }
                if kotlin && cs[i] == '/' && at(i + 1) == '*' {
                    depth += 1;
                    i += 2;
                } else if cs[i] == '*' && at(i + 1) == '/' {
                    depth -= 1;
                    i += 2;
                } else {
                    i += 1;
                }
            }
            if depth > 0 {
                errors.push((start_line, "unterminated /* comment".to_string()));
            }
        } else if c == '#' && i == 0 && at(1) == '!' {
            while i < cs.len() && cs[i] != '\n' {
                i += 1;
            }
        } else if c == '"' {
            let triple = at(i + 1) == '"' && at(i + 2) == '"';
            i += if triple { 3 } else { 1 };
            match template_string(&cs, &mut i, &mut line, triple, kotlin, '"') {
                Ok(parts) => tokens.push(Token {
                    tk: Tk::Str(parts),
                    line: start_line,
                }),
                Err(message) => {
                    errors.push((start_line, message));
                    break;
                }
            }
        } else if c == '\'' {
            let triple = !kotlin && at(i + 1) == '\'' && at(i + 2) == '\'';
            i += if triple { 3 } else { 1 };
            match plain_string(&cs, &mut i, &mut line, triple) {
                Ok(value) => tokens.push(Token {
                    tk: Tk::Str(vec![Part::Lit(value)]),
                    line: start_line,
                }),
                Err(message) => {
                    errors.push((start_line, message));
                    break;
                }
            }
        } else if c == '/' && !kotlin && slashy_allowed(tokens.last()) && !at(i + 1).is_whitespace()
        {
            // A Groovy slashy string (a regular expression, mostly).
            i += 1;
            let mut value = String::new();
            loop {
                match cs.get(i) {
                    None => {
                        errors.push((start_line, "unterminated /slashy/ string".to_string()));
                        break;
                    }
                    Some('\\') if at(i + 1) == '/' => {
                        value.push('/');
                        i += 2;
                    }
                    Some('/') => {
                        i += 1;
                        break;
                    }
                    Some(&ch) => {
                        if ch == '\n' {
                            line += 1;
                        }
                        value.push(ch);
                        i += 1;
                    }
                }
            }
            tokens.push(Token {
                tk: Tk::Str(vec![Part::Lit(value)]),
                line: start_line,
            });
        } else if c == '`' && kotlin {
            let start = i + 1;
            let mut j = start;
            while j < cs.len() && cs[j] != '`' && cs[j] != '\n' {
                j += 1;
            }
            tokens.push(Token {
                tk: Tk::Ident(cs[start..j.min(cs.len())].iter().collect()),
                line,
            });
            i = j + 1;
        } else if c.is_alphabetic() || c == '_' || (c == '$' && !kotlin) {
            let start = i;
            while i < cs.len()
                && (cs[i].is_alphanumeric() || cs[i] == '_' || (!kotlin && cs[i] == '$'))
            {
                i += 1;
            }
            tokens.push(Token {
                tk: Tk::Ident(cs[start..i].iter().collect()),
                line,
            });
        } else if c.is_ascii_digit() {
            let start = i;
            while i < cs.len()
                && (cs[i].is_ascii_alphanumeric()
                    || cs[i] == '_'
                    || (cs[i] == '.' && at(i + 1).is_ascii_digit()))
            {
                i += 1;
            }
            tokens.push(Token {
                tk: Tk::Num(cs[start..i].iter().collect()),
                line,
            });
        } else {
            tokens.push(Token {
                tk: Tk::Punct(c),
                line,
            });
            i += 1;
        }
    }
    Lexed { tokens, errors }
}

/// A `/` starts a Groovy slashy string where a value is expected.
fn slashy_allowed(previous: Option<&Token>) -> bool {
    match previous.map(|t| &t.tk) {
        None | Some(Tk::Newline) => true,
        Some(Tk::Punct(c)) => matches!(
            c,
            '(' | ',' | '=' | '[' | ':' | '~' | '!' | '{' | '&' | '|' | '?'
        ),
        Some(Tk::Ident(word)) => matches!(word.as_str(), "return" | "in"),
        _ => false,
    }
}

/// A double-quoted (template) string whose opening quote(s) were consumed.
fn template_string(
    cs: &[char],
    i: &mut usize,
    line: &mut usize,
    triple: bool,
    kotlin: bool,
    quote: char,
) -> Result<Vec<Part>, String> {
    let at = |i: usize| cs.get(i).copied().unwrap_or('\0');
    let mut parts = Vec::new();
    let mut literal = String::new();
    loop {
        let Some(&c) = cs.get(*i) else {
            return Err("unterminated string".to_string());
        };
        if triple && c == quote && at(*i + 1) == quote && at(*i + 2) == quote {
            *i += 3;
            // Kotlin allows quotes right before the closing ones: `""""a""""`.
            while at(*i) == quote {
                literal.push(quote);
                *i += 1;
            }
            break;
        }
        if !triple && c == quote {
            *i += 1;
            break;
        }
        if !triple && c == '\n' {
            return Err("unterminated string".to_string());
        }
        if c == '\\' && !(kotlin && triple) {
            let next = at(*i + 1);
            *i += 2;
            match next {
                'n' => literal.push('\n'),
                't' => literal.push('\t'),
                'r' => literal.push('\r'),
                'b' | 'f' => {}
                'u' => {
                    let hex: String = cs.iter().skip(*i).take(4).collect();
                    if let Some(ch) = u32::from_str_radix(&hex, 16).ok().and_then(char::from_u32) {
                        literal.push(ch);
                        *i += 4;
                    }
                }
                '\n' => *line += 1,
                '\0' => return Err("unterminated string".to_string()),
                other => literal.push(other),
            }
            continue;
        }
        if c == '$' && at(*i + 1) == '{' {
            let mut depth = 0;
            let mut j = *i + 1;
            while j < cs.len() {
                match cs[j] {
                    '{' => depth += 1,
                    '}' => {
                        depth -= 1;
                        if depth == 0 {
                            break;
                        }
                    }
                    '\n' => *line += 1,
                    _ => {}
                }
                j += 1;
            }
            if j >= cs.len() {
                return Err("unterminated ${...} in a string".to_string());
            }
            if !literal.is_empty() {
                parts.push(Part::Lit(std::mem::take(&mut literal)));
            }
            parts.push(Part::Expr(cs[*i..=j].iter().collect()));
            *i = j + 1;
            continue;
        }
        if c == '$' && (at(*i + 1).is_alphabetic() || at(*i + 1) == '_') {
            let mut j = *i + 1;
            loop {
                while j < cs.len() && (cs[j].is_alphanumeric() || cs[j] == '_') {
                    j += 1;
                }
                // Groovy reads `$a.b.c` as a property chain.
                if !kotlin && at(j) == '.' && (at(j + 1).is_alphabetic() || at(j + 1) == '_') {
                    j += 1;
                    continue;
                }
                break;
            }
            if !literal.is_empty() {
                parts.push(Part::Lit(std::mem::take(&mut literal)));
            }
            parts.push(Part::Expr(cs[*i..j].iter().collect()));
            *i = j;
            continue;
        }
        if c == '\n' {
            *line += 1;
        }
        literal.push(c);
        *i += 1;
    }
    if !literal.is_empty() || parts.is_empty() {
        parts.push(Part::Lit(literal));
    }
    Ok(parts)
}

/// A single-quoted string (Groovy: no templates; Kotlin: a character) whose opening quote(s)
/// were consumed.
fn plain_string(
    cs: &[char],
    i: &mut usize,
    line: &mut usize,
    triple: bool,
) -> Result<String, String> {
    let at = |i: usize| cs.get(i).copied().unwrap_or('\0');
    let mut value = String::new();
    loop {
        let Some(&c) = cs.get(*i) else {
            return Err("unterminated string".to_string());
        };
        if triple && c == '\'' && at(*i + 1) == '\'' && at(*i + 2) == '\'' {
            *i += 3;
            return Ok(value);
        }
        if !triple && c == '\'' {
            *i += 1;
            return Ok(value);
        }
        if !triple && c == '\n' {
            return Err("unterminated string".to_string());
        }
        if c == '\\' {
            let next = at(*i + 1);
            *i += 2;
            match next {
                'n' => value.push('\n'),
                't' => value.push('\t'),
                '\n' => *line += 1,
                '\0' => return Err("unterminated string".to_string()),
                other => value.push(other),
            }
            continue;
        }
        if c == '\n' {
            *line += 1;
        }
        value.push(c);
        *i += 1;
    }
}

/// For every opening bracket, the index of its closing one; unbalanced brackets are errors.
fn match_brackets(tokens: &[Token], errors: &mut Vec<(usize, String)>) -> Vec<Option<usize>> {
    let mut close = vec![None; tokens.len()];
    let mut stack: Vec<(usize, char)> = Vec::new();
    for (i, token) in tokens.iter().enumerate() {
        let Tk::Punct(c) = token.tk else { continue };
        match c {
            '(' | '[' | '{' => stack.push((i, c)),
            ')' | ']' | '}' => {
                let open = match c {
                    ')' => '(',
                    ']' => '[',
                    _ => '{',
                };
                if stack.iter().any(|&(_, o)| o == open) {
                    while let Some((j, o)) = stack.pop() {
                        if o == open {
                            close[j] = Some(i);
                            break;
                        }
                        errors.push((tokens[j].line, format!("`{o}` is never closed")));
                    }
                } else {
                    errors.push((token.line, format!("`{c}` closes nothing")));
                }
            }
            _ => {}
        }
    }
    for (j, o) in stack {
        errors.push((tokens[j].line, format!("`{o}` is never closed")));
    }
    close
}

// ---------------------------------------------------------------------------------------------
// Build scripts: what they say

/// What fundament reads from a build or settings script.
#[derive(Debug, Default)]
struct Script {
    /// Variables, `ext`/`extra` properties and other assignments: name, value tokens, depth.
    vars: Vec<(String, Vec<Token>, usize)>,
    group: Option<Vec<Token>>,
    version: Option<Vec<Token>>,
    root_name: Option<Vec<Token>>,
    kotlin_version: Option<Vec<Token>>,
    /// `apply from: "..."` script plugins.
    applies: Vec<Vec<Token>>,
    /// `pluginManagement { includeBuild("...") }`.
    include_builds: Vec<Vec<Token>>,
    /// `versionCatalogs { create("name") { from(files("...")) } }`.
    catalog_files: Vec<(String, Vec<Token>)>,
    deps: Vec<RawDep>,
    errors: Vec<(usize, String)>,
    /// Kotlin DSL (`.gradle.kts`): decides how template expressions are read.
    kotlin: bool,
}

/// A dependency declaration, before evaluation.
#[derive(Debug, Clone)]
struct RawDep {
    configuration: String,
    args: Vec<Vec<Token>>,
    /// `{ version { strictly("1.0") } }` in the declaration's closure.
    closure_version: Option<Vec<Token>>,
    line: usize,
    buildscript: bool,
    test: bool,
    constraint: bool,
}

/// A build script and the properties next to it.
struct ParsedBuild {
    path: PathBuf,
    script: Script,
    properties: HashMap<String, String>,
}

fn read_script(ctx: &ReadContext<'_>, path: &Path) -> Result<Script, Box<Finding>> {
    let text = ctx
        .input
        .read_text(path, Limit::MANIFEST)
        .map_err(|refusal| Box::new(Finding::refused(&refusal)))?;
    let kotlin = path.extension().is_some_and(|e| e == "kts");
    Ok(parse_script(&text, kotlin))
}

fn report_lex_errors(
    ctx: &ReadContext<'_>,
    path: &Path,
    script: &Script,
    findings: &mut Vec<Finding>,
    partial: &mut Vec<String>,
) {
    if script.errors.is_empty() {
        return;
    }
    let display = ctx.display(path);
    for (line, message) in &script.errors {
        findings.push(
            Finding::error(
                Code::InputUnreadable,
                format!("{display} line {line}: {message}"),
            )
            .at(display.clone(), Some(*line)),
        );
    }
    partial.push(format!(
        "{display} could not be read completely; its declarations after the error may be missing"
    ));
}

/// Reads the scripts a build script applies (`apply from: "deps.gradle"`), inside the audited
/// tree, into it: their variables and dependencies count as the build script's.
fn apply_script_plugins(
    ctx: &ReadContext<'_>,
    found: &FoundProject,
    dir: &Path,
    path: &Path,
    script: &mut Script,
    findings: &mut Vec<Finding>,
) {
    let mut seen: Vec<PathBuf> = vec![path.to_path_buf()];
    let mut queue: Vec<Vec<Token>> = std::mem::take(&mut script.applies);
    let mut rounds = 0;
    while let Some(tokens) = queue.pop() {
        rounds += 1;
        if rounds > 20 {
            break;
        }
        let empty = HashMap::new();
        let mut extra = HashMap::new();
        extra.insert("rootDir".to_string(), found.dir.display().to_string());
        extra.insert("projectDir".to_string(), dir.display().to_string());
        extra.insert(
            "buildscript.sourceFile.parent".to_string(),
            dir.display().to_string(),
        );
        let env = Env::new(script, None, &extra, Some(&empty), &[]);
        let Some(target) = env.text(&tokens).resolved() else {
            continue;
        };
        if target.contains("://") {
            continue;
        }
        let target_path = normalise(&dir.join(target.trim_start_matches("file:")));
        if seen.contains(&target_path) || !ctx.input.is_file(&target_path) {
            continue;
        }
        seen.push(target_path.clone());
        match read_script(ctx, &target_path) {
            Ok(applied) => {
                for (line, message) in &applied.errors {
                    let display = ctx.display(&target_path);
                    findings.push(
                        Finding::error(
                            Code::InputUnreadable,
                            format!("{display} line {line}: {message}"),
                        )
                        .at(display, Some(*line)),
                    );
                }
                queue.extend(applied.applies);
                script.vars.extend(applied.vars);
                script.deps.extend(applied.deps);
                if script.kotlin_version.is_none() {
                    script.kotlin_version = applied.kotlin_version;
                }
            }
            Err(finding) => findings.push(*finding),
        }
    }
}

/// Context of the block being read.
#[derive(Debug, Clone, Copy, Default)]
struct Ctx {
    depth: usize,
    /// Inside `dependencies { }`.
    dependencies: bool,
    constraints: bool,
    buildscript: bool,
    plugins: bool,
    plugin_management: bool,
    /// Inside `ext { }`: assignments are properties.
    ext: bool,
    /// Inside a test source set, test suite or `testing { }`.
    test: bool,
    /// Inside `allprojects { }` / `subprojects { }`: settings of every project.
    all_projects: bool,
    /// Inside `versionCatalogs { create("name") { } }`: the catalog's name.
    catalog: Option<usize>,
}

struct Parser<'a> {
    tokens: &'a [Token],
    close: &'a [Option<usize>],
    kotlin: bool,
    out: Script,
    /// Catalog names met in `create("name")` blocks (indices are kept in `Ctx::catalog`).
    catalog_names: Vec<String>,
}

fn parse_script(text: &str, kotlin: bool) -> Script {
    let Lexed { tokens, mut errors } = tokenize(text, kotlin);
    // After a lexical error the rest of the file is not read, so unbalanced brackets are its
    // consequence, not errors of their own.
    let mut bracket_errors = Vec::new();
    let close = match_brackets(&tokens, &mut bracket_errors);
    if errors.is_empty() {
        errors = bracket_errors;
    }
    let mut parser = Parser {
        tokens: &tokens,
        close: &close,
        kotlin,
        out: Script::default(),
        catalog_names: Vec::new(),
    };
    parser.block(0, tokens.len(), Ctx::default());
    let mut out = parser.out;
    errors.sort();
    errors.dedup();
    out.errors = errors;
    out.kotlin = kotlin;
    out
}

impl Parser<'_> {
    fn tok(&self, i: usize) -> Option<&Token> {
        self.tokens.get(i)
    }

    /// The tokens from `from` to `to` (exclusive), empty when the range is empty or reversed.
    fn span(&self, from: usize, to: usize) -> &[Token] {
        let to = to.min(self.tokens.len());
        &self.tokens[from.min(to)..to]
    }

    fn is_punct(&self, i: usize, c: char) -> bool {
        self.tok(i).is_some_and(|t| t.is(c))
    }

    fn ident(&self, i: usize) -> Option<&str> {
        self.tok(i).and_then(Token::ident)
    }

    /// The end (exclusive) of the bracket opened at `i`.
    fn end_of(&self, i: usize, limit: usize) -> usize {
        self.close
            .get(i)
            .copied()
            .flatten()
            .map_or(limit, |c| c.min(limit))
    }

    /// True when token `i` starts a statement.
    fn statement_start(&self, i: usize, start: usize) -> bool {
        i == start
            || self
                .tok(i.wrapping_sub(1))
                .is_some_and(|t| matches!(t.tk, Tk::Newline | Tk::Punct(';' | '{' | '}')))
    }

    /// Reads the tokens from `start` to `end` (exclusive).
    fn block(&mut self, start: usize, end: usize, ctx: Ctx) {
        let mut i = start;
        while i < end {
            if self.is_punct(i, '{') {
                let close = self.end_of(i, end);
                let inner = self.enter(i, start, ctx);
                self.block(i + 1, close, inner);
                i = close + 1;
                continue;
            }
            if self.statement_start(i, start) {
                self.definitions(i, end, ctx);
                if ctx.dependencies
                    && let Some(next) = self.dependency(i, end, ctx)
                {
                    i = next;
                    continue;
                }
            }
            i += 1;
        }
    }

    /// The context inside the block opened at `brace`.
    fn enter(&mut self, brace: usize, start: usize, ctx: Ctx) -> Ctx {
        let (name, label) = self.block_name(brace, start);
        let mut inner = Ctx {
            depth: ctx.depth + 1,
            ..ctx
        };
        let is_test = |s: &str| words(s).iter().any(|w| w.starts_with("test"));
        if label.as_deref().is_some_and(is_test) || is_test(&name) {
            inner.test = true;
        }
        match name.as_str() {
            "dependencies" => inner.dependencies = true,
            "constraints" if ctx.dependencies => inner.constraints = true,
            "buildscript" => inner.buildscript = true,
            "plugins" => inner.plugins = true,
            "pluginManagement" => inner.plugin_management = true,
            "ext" | "extra" => inner.ext = true,
            "allprojects" | "subprojects" => inner.all_projects = true,
            "create" | "register" => {
                if let Some(label) = label {
                    self.catalog_names.push(label);
                    inner.catalog = Some(self.catalog_names.len() - 1);
                }
            }
            // Control flow inside `dependencies` keeps declaring dependencies.
            "" | "if" | "else" | "run" | "apply" | "also" | "let" | "with" | "forEach" | "each"
            | "when" | "try" | "finally" => {}
            _ => {
                if ctx.dependencies {
                    // Another block inside `dependencies` (a declaration's closure is handled
                    // by `dependency`): not declarations.
                    inner.dependencies = false;
                }
            }
        }
        inner
    }

    /// The name before a block (`dependencies {`, `withType<Test> {`, `create("x") {`) and its
    /// label (`"x"`, or `commonTest` in `val commonTest by getting {`).
    fn block_name(&self, brace: usize, start: usize) -> (String, Option<String>) {
        let mut j = brace;
        let mut label = None;
        if j > start && self.is_punct(j - 1, ')') {
            // Find the matching `(`.
            let open = (start..j - 1).rev().find(|&k| self.close[k] == Some(j - 1));
            if let Some(open) = open {
                if let Some(Tk::Str(parts)) = self.tok(open + 1).map(|t| &t.tk) {
                    label = literal(parts);
                }
                j = open;
            }
        }
        if j > start
            && self.is_punct(j - 1, '>')
            && let Some(open) = (start..j - 1).rev().find(|&k| self.is_punct(k, '<'))
        {
            j = open;
        }
        let name = if j > start {
            self.ident(j - 1).unwrap_or_default().to_string()
        } else {
            String::new()
        };
        // `val commonTest by getting {`
        if j >= start + 4
            && matches!(name.as_str(), "getting" | "creating")
            && self.ident(j - 2) == Some("by")
        {
            label = self.ident(j - 3).map(str::to_string);
        }
        // `commonTest.dependencies {`, `sourceSets.test {`
        if j >= start + 3
            && self.is_punct(j - 2, '.')
            && let Some(owner) = self.ident(j - 3)
        {
            label.get_or_insert_with(|| owner.to_string());
        }
        (name, label)
    }

    /// The tokens of the value that starts at `from` and runs to the end of the statement.
    fn value(&self, from: usize, end: usize) -> Vec<Token> {
        let mut out = Vec::new();
        let mut i = from;
        while i < end {
            let token = &self.tokens[i];
            match token.tk {
                Tk::Newline | Tk::Punct(';' | '}') => {
                    // A value continues on the next line after an operator.
                    let continues = out.last().is_some_and(|t: &Token| {
                        matches!(t.tk, Tk::Punct('+' | ',' | ':' | '?' | '='))
                    });
                    if !continues || !matches!(token.tk, Tk::Newline) {
                        break;
                    }
                    i += 1;
                    continue;
                }
                Tk::Punct('(' | '[' | '{') => {
                    let close = self.end_of(i, end);
                    out.extend_from_slice(self.span(i, (close + 1).min(end)));
                    i = close + 1;
                    continue;
                }
                _ => out.push(token.clone()),
            }
            i += 1;
        }
        out.retain(|t| t.tk != Tk::Newline);
        out
    }

    /// Variables, properties, the project's group and version, and the settings' entries.
    fn definitions(&mut self, i: usize, end: usize, ctx: Ctx) {
        let Some(first) = self.ident(i).map(str::to_string) else {
            // `extra["x"] = ...` starts with an identifier too; strings start nothing here.
            return;
        };
        // val / var / def / String x [: Type] = value ; val x by extra("v")
        if matches!(
            first.as_str(),
            "val" | "var" | "def" | "String" | "final" | "const"
        ) {
            let mut j = i + 1;
            if matches!(self.ident(j), Some("val" | "var" | "def" | "String")) {
                j += 1;
            }
            let Some(name) = self.ident(j).map(str::to_string) else {
                return;
            };
            j += 1;
            if self.is_punct(j, ':') {
                j += 2;
                while self.is_punct(j, '?') || self.is_punct(j, '.') && self.ident(j + 1).is_some()
                {
                    j += if self.is_punct(j, '?') { 1 } else { 2 };
                }
            }
            if self.is_punct(j, '=') && !self.is_punct(j + 1, '=') {
                let value = self.value(j + 1, end);
                if value.first().is_some_and(|t| t.is('[')) {
                    for (key, entry) in map_entries(&value) {
                        self.define(&format!("{name}.{key}"), entry, ctx.depth);
                    }
                }
                self.define(&name, value, ctx.depth);
            } else if self.ident(j) == Some("by")
                && matches!(self.ident(j + 1), Some("extra" | "project"))
                && self.is_punct(j + 2, '(')
            {
                let close = self.end_of(j + 2, end);
                let value = self.span(j + 3, close.min(end)).to_vec();
                self.define(&name, value, 0);
            }
            return;
        }
        // A dotted name (`ext.x`, `project.ext.x`, `rootProject.name`, `version`) or an index
        // (`extra["x"]`, `ext["x"]`) assigned with `=`.
        let mut j = i;
        let mut path = Vec::new();
        while let Some(Tk::Ident(name)) = self.tok(j).map(|t| &t.tk) {
            path.push(name.clone());
            j += 1;
            if self.is_punct(j, '[') {
                if let Some(Tk::Str(parts)) = self.tok(j + 1).map(|t| &t.tk)
                    && let Some(key) = literal(parts)
                    && self.is_punct(j + 2, ']')
                {
                    path.push(key);
                    j += 3;
                } else {
                    return;
                }
            }
            if self.is_punct(j, '.') && self.ident(j + 1).is_some() {
                j += 1;
                continue;
            }
            break;
        }
        let dotted = path.join(".");
        let assigned = self.is_punct(j, '=') && !self.is_punct(j + 1, '=');
        if assigned {
            let value = self.value(j + 1, end);
            let top = ctx.depth == 0 || (ctx.all_projects && ctx.depth == 1);
            match dotted.as_str() {
                "rootProject.name" => self.out.root_name = Some(value.clone()),
                "group" | "project.group" if top => self.out.group = Some(value.clone()),
                "version" | "project.version" if top => self.out.version = Some(value.clone()),
                _ => {}
            }
            let name = strip_owner(&dotted);
            let depth = if ctx.ext || dotted != name {
                0
            } else {
                ctx.depth
            };
            // A Groovy map (`ext.versions = [spring: "6.1"]`): one variable per key.
            if value.first().is_some_and(|t| t.is('[')) {
                for (key, entry) in map_entries(&value) {
                    self.define(&format!("{name}.{key}"), entry, depth);
                }
            }
            self.define(&name, value, depth);
            return;
        }
        // Command calls and calls with one string: `version '1.0'`, `group 'x'`,
        // `apply from: 'x'`, `apply(from = "x")`, `ext.set("x", "v")`, `includeBuild("x")`,
        // `from(files("x"))`.
        let args = self.call_args(j, end);
        let top = ctx.depth == 0 || (ctx.all_projects && ctx.depth == 1);
        match (dotted.as_str(), args.as_slice()) {
            ("version", [value]) if top && !self.kotlin && !ctx.plugins => {
                self.out.version = Some(value.clone());
            }
            ("group", [value]) if top && !self.kotlin => self.out.group = Some(value.clone()),
            ("apply", _) => {
                if let Some(from) = named_arg(&args, "from") {
                    self.out.applies.push(from);
                }
            }
            ("ext.set" | "extra.set" | "project.ext.set" | "set", [key, value])
                if dotted != "set" || ctx.ext =>
            {
                if let Some(key) = single_literal(key) {
                    self.define(&key, value.clone(), 0);
                }
            }
            ("includeBuild", [path]) if ctx.plugin_management => {
                self.out.include_builds.push(path.clone());
            }
            ("from", [inner]) => {
                if let Some(index) = ctx.catalog
                    && let Some(name) = self.catalog_names.get(index).cloned()
                    && inner.first().and_then(Token::ident) == Some("files")
                    && inner.get(1).is_some_and(|t| t.is('('))
                {
                    let path = inner[2..inner.len().saturating_sub(1)].to_vec();
                    self.out.catalog_files.push((name, path));
                }
            }
            _ => {}
        }
        if ctx.plugins {
            self.plugin(i, end);
        }
    }

    /// `kotlin("jvm") version "2.0.0"` or `id("org.jetbrains.kotlin.jvm") version "2.0.0"`.
    fn plugin(&mut self, i: usize, end: usize) {
        let (id, after) = match self.ident(i) {
            Some("kotlin") if self.is_punct(i + 1, '(') => {
                let close = self.end_of(i + 1, end);
                ("kotlin".to_string(), close + 1)
            }
            Some("id") => {
                let (arg, after) = if self.is_punct(i + 1, '(') {
                    let close = self.end_of(i + 1, end);
                    (self.tok(i + 2), close + 1)
                } else {
                    (self.tok(i + 1), i + 2)
                };
                let id = match arg.map(|t| &t.tk) {
                    Some(Tk::Str(parts)) => literal(parts).unwrap_or_default(),
                    _ => return,
                };
                (id, after)
            }
            _ => return,
        };
        let is_kotlin = id == "kotlin" || id.starts_with("org.jetbrains.kotlin.");
        if is_kotlin && self.ident(after) == Some("version") {
            let value = if self.is_punct(after + 1, '(') {
                let close = self.end_of(after + 1, end);
                self.span(after + 2, close.min(end)).to_vec()
            } else {
                self.value(after + 1, end)
                    .into_iter()
                    .take_while(|t| t.ident() != Some("apply"))
                    .collect()
            };
            self.out.kotlin_version.get_or_insert(value);
        }
    }

    fn define(&mut self, name: &str, value: Vec<Token>, depth: usize) {
        if value.is_empty() {
            return;
        }
        self.out.vars.push((name.to_string(), value, depth));
    }

    /// The arguments of a call at `j`: `(a, b)` or, in Groovy, `a, b` to the end of the line.
    fn call_args(&self, j: usize, end: usize) -> Vec<Vec<Token>> {
        if self.is_punct(j, '(') {
            let close = self.end_of(j, end);
            split_args(self.span(j + 1, close.min(end)), self.close, j + 1)
        } else if !self.kotlin
            && self
                .tok(j)
                .is_some_and(|t| matches!(t.tk, Tk::Str(_) | Tk::Ident(_) | Tk::Num(_)))
        {
            let value = self.value(j, end);
            split_flat(&value)
        } else {
            Vec::new()
        }
    }

    /// A dependency declaration at statement start `i`; returns where to continue.
    fn dependency(&mut self, i: usize, end: usize, ctx: Ctx) -> Option<usize> {
        let (configuration, mut j) = match &self.tokens[i].tk {
            Tk::Ident(name) => (name.clone(), i + 1),
            // Kotlin: "migrationImplementation"(...)
            Tk::Str(parts) if self.kotlin && self.is_punct(i + 1, '(') => (literal(parts)?, i + 1),
            _ => return None,
        };
        if matches!(
            configuration.as_str(),
            "val"
                | "var"
                | "def"
                | "if"
                | "else"
                | "for"
                | "when"
                | "return"
                | "constraints"
                | "components"
                | "modules"
                | "attributesSchema"
                | "artifactTypes"
                | "configurations"
                | "registerTransform"
                | "exclude"
        ) {
            return None;
        }
        let line = self.tokens[i].line;
        let (mut args, next) = if self.is_punct(j, '(') {
            let close = self.end_of(j, end);
            let args = split_args(self.span(j + 1, close.min(end)), self.close, j + 1);
            (args, close + 1)
        } else if self.kotlin {
            return None;
        } else {
            // Groovy command call: `implementation 'g:a:v'`, `implementation group: 'g', ...`.
            let starts_value = self
                .tok(j)
                .is_some_and(|t| matches!(t.tk, Tk::Str(_) | Tk::Ident(_)));
            if !starts_value || self.is_punct(j, '{') {
                return None;
            }
            let mut k = j;
            while k < end {
                match self.tokens[k].tk {
                    Tk::Newline | Tk::Punct(';' | '}') => {
                        if self.tokens[k].tk == Tk::Newline && k > j && self.tokens[k - 1].is(',') {
                            k += 1;
                            continue;
                        }
                        break;
                    }
                    Tk::Punct('{') if k > j && !self.tokens[k - 1].is(',') => break,
                    Tk::Punct('(' | '[' | '{') => k = self.end_of(k, end) + 1,
                    _ => k += 1,
                }
            }
            let tokens: Vec<Token> = self
                .span(j, k.min(end))
                .iter()
                .filter(|t| t.tk != Tk::Newline)
                .cloned()
                .collect();
            (split_flat(&tokens), k)
        };
        j = next;
        // A trailing closure: `{ exclude(...) }`, `{ version { strictly("1.0") } }`.
        let mut closure_version = None;
        if self.is_punct(j, '{') {
            let close = self.end_of(j, end);
            closure_version = self.closure_version(j + 1, close);
            j = close + 1;
        }
        // A closure passed as the last Groovy argument: `implementation('g:a:v', { ... })`.
        args.retain(|a| !a.first().is_some_and(|t| t.is('{')));
        if args.is_empty() {
            return Some(j);
        }
        let (configuration, args) = if configuration == "add" {
            let first = args.first().and_then(|a| single_literal(a))?;
            (first, args[1..].to_vec())
        } else {
            (configuration, args)
        };
        self.out.deps.push(RawDep {
            configuration,
            args,
            closure_version,
            line,
            buildscript: ctx.buildscript,
            test: ctx.test,
            constraint: ctx.constraints,
        });
        Some(j)
    }

    /// `version { strictly("1.0") }` / `version { require '1.0' }` inside a closure.
    fn closure_version(&self, start: usize, end: usize) -> Option<Vec<Token>> {
        let mut found: Option<(usize, Vec<Token>)> = None;
        for k in start..end {
            let rank = match self.ident(k) {
                Some("strictly") => 0,
                Some("require") => 1,
                Some("prefer") => 2,
                _ => continue,
            };
            let value = if self.is_punct(k + 1, '(') {
                let close = self.end_of(k + 1, end);
                self.span(k + 2, close.min(end)).to_vec()
            } else {
                self.tokens.get(k + 1).cloned().into_iter().collect()
            };
            if found.as_ref().is_none_or(|(r, _)| rank < *r) {
                found = Some((rank, value));
            }
        }
        found.map(|(_, v)| v)
    }
}

/// Strips the owners of a property name: `project.ext.x`, `rootProject.extra.x`, `ext.x` → `x`.
fn strip_owner(name: &str) -> String {
    let mut rest = name;
    loop {
        let before = rest;
        for prefix in [
            "project.",
            "rootProject.",
            "ext.",
            "extra.",
            "this.",
            "properties.",
            "settings.",
            "gradle.",
            "extensions.",
        ] {
            if let Some(stripped) = rest.strip_prefix(prefix)
                && !stripped.is_empty()
            {
                rest = stripped;
            }
        }
        if rest == before {
            return rest.to_string();
        }
    }
}

/// The literal text of a string without templates.
fn literal(parts: &[Part]) -> Option<String> {
    let mut out = String::new();
    for part in parts {
        match part {
            Part::Lit(s) => out.push_str(s),
            Part::Expr(_) => return None,
        }
    }
    Some(out)
}

fn single_literal(tokens: &[Token]) -> Option<String> {
    match tokens {
        [
            Token {
                tk: Tk::Str(parts), ..
            },
        ] => literal(parts),
        _ => None,
    }
}

/// Splits the tokens inside a call's parentheses at top-level commas. `offset` is the index
/// of `tokens[0]` in the script, for the bracket map.
fn split_args(tokens: &[Token], close: &[Option<usize>], offset: usize) -> Vec<Vec<Token>> {
    let mut args = Vec::new();
    let mut current = Vec::new();
    let mut i = 0;
    while i < tokens.len() {
        let token = &tokens[i];
        if token.is(',') {
            args.push(std::mem::take(&mut current));
            i += 1;
            continue;
        }
        if matches!(token.tk, Tk::Punct('(' | '[' | '{')) {
            let end = close
                .get(offset + i)
                .copied()
                .flatten()
                .map_or(tokens.len() - 1, |c| {
                    c.saturating_sub(offset).clamp(i, tokens.len() - 1)
                });
            current.extend(
                tokens[i..=end]
                    .iter()
                    .filter(|t| t.tk != Tk::Newline)
                    .cloned(),
            );
            i = end + 1;
            continue;
        }
        if token.tk != Tk::Newline {
            current.push(token.clone());
        }
        i += 1;
    }
    if !current.is_empty() {
        args.push(current);
    }
    args.retain(|a| !a.is_empty());
    args
}

/// Splits tokens (without a bracket map) at top-level commas.
fn split_flat(tokens: &[Token]) -> Vec<Vec<Token>> {
    let mut args = Vec::new();
    let mut current = Vec::new();
    let mut depth = 0i32;
    for token in tokens {
        match token.tk {
            Tk::Punct('(' | '[' | '{') => depth += 1,
            Tk::Punct(')' | ']' | '}') => depth -= 1,
            Tk::Punct(',') if depth == 0 => {
                args.push(std::mem::take(&mut current));
                continue;
            }
            _ => {}
        }
        current.push(token.clone());
    }
    if !current.is_empty() {
        args.push(current);
    }
    args.retain(|a| !a.is_empty());
    args
}

/// A named argument: `from: x` (Groovy) or `from = x` (Kotlin).
fn named_arg(args: &[Vec<Token>], name: &str) -> Option<Vec<Token>> {
    args.iter().find_map(|arg| match arg.as_slice() {
        [key, sep, rest @ ..] if key.ident() == Some(name) && (sep.is(':') || sep.is('=')) => {
            Some(rest.to_vec())
        }
        _ => None,
    })
}

/// The entries of a Groovy map literal `[a: "1", "b": "2"]`.
fn map_entries(value: &[Token]) -> Vec<(String, Vec<Token>)> {
    let Some(inner) = value
        .first()
        .filter(|t| t.is('['))
        .and_then(|_| value.get(1..value.len().saturating_sub(1)))
    else {
        return Vec::new();
    };
    split_flat(inner)
        .into_iter()
        .filter_map(|entry| {
            let key = match entry.first().map(|t| &t.tk) {
                Some(Tk::Ident(k)) => k.clone(),
                Some(Tk::Str(parts)) => literal(parts)?,
                _ => return None,
            };
            if !entry.get(1).is_some_and(|t| t.is(':')) {
                return None;
            }
            Some((key, entry[2..].to_vec()))
        })
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Build scripts: evaluation

/// A value as far as it could be resolved; unresolved references are kept as `${...}`.
#[derive(Debug, Clone, Default, PartialEq)]
struct Text {
    value: String,
    unresolved: Vec<String>,
}

impl Text {
    fn resolved(self) -> Option<String> {
        self.unresolved.is_empty().then_some(self.value)
    }
}

/// What a script's expressions can see: its variables, the root script's, the properties
/// files, and the version catalogs.
struct Env<'a> {
    script: &'a Script,
    root: Option<&'a Script>,
    root_properties: &'a HashMap<String, String>,
    properties: Option<&'a HashMap<String, String>>,
    catalogs: &'a [Catalog],
}

impl<'a> Env<'a> {
    fn new(
        script: &'a Script,
        root: Option<&'a Script>,
        root_properties: &'a HashMap<String, String>,
        properties: Option<&'a HashMap<String, String>>,
        catalogs: &'a [Catalog],
    ) -> Env<'a> {
        Env {
            script,
            root,
            root_properties,
            properties,
            catalogs,
        }
    }

    fn text(&self, tokens: &[Token]) -> Text {
        self.text_at(tokens, 0)
    }

    /// Evaluates a string expression: literals, templates, variables, `+` concatenation and
    /// `?:` defaults.
    fn text_at(&self, tokens: &[Token], depth: u8) -> Text {
        // `a ?: b`: the first alternative that resolves.
        if let Some(pos) = (0..tokens.len().saturating_sub(1))
            .find(|&k| tokens[k].is('?') && tokens[k + 1].is(':'))
        {
            let first = self.text_at(&tokens[..pos], depth);
            if first.unresolved.is_empty() {
                return first;
            }
            let second = self.text_at(&tokens[pos + 2..], depth);
            return if second.unresolved.is_empty() {
                second
            } else {
                first
            };
        }
        let mut out = Text::default();
        let mut piece: Vec<Token> = Vec::new();
        let mut level = 0i32;
        let mut pieces: Vec<Vec<Token>> = Vec::new();
        for token in tokens {
            match token.tk {
                Tk::Punct('(' | '[' | '{') => level += 1,
                Tk::Punct(')' | ']' | '}') => level -= 1,
                Tk::Punct('+') if level == 0 => {
                    pieces.push(std::mem::take(&mut piece));
                    continue;
                }
                _ => {}
            }
            piece.push(token.clone());
        }
        pieces.push(piece);
        for piece in pieces {
            let piece = strip_suffixes(&piece);
            match piece {
                [] => {}
                [
                    Token {
                        tk: Tk::Str(parts), ..
                    },
                ] => {
                    for part in parts {
                        match part {
                            Part::Lit(s) => out.value.push_str(s),
                            Part::Expr(raw) => self.append_template(&mut out, raw, depth),
                        }
                    }
                }
                [Token { tk: Tk::Num(n), .. }] => out.value.push_str(n),
                [open, inner @ .., close] if open.is('(') && close.is(')') => {
                    let t = self.text_at(inner, depth);
                    out.value.push_str(&t.value);
                    out.unresolved.extend(t.unresolved);
                }
                other => {
                    let expression = join(other);
                    self.append_lookup(&mut out, &expression, depth);
                }
            }
        }
        out
    }

    /// A `$name` or `${...}` template: a reference, or an expression (`${'1.' + minor}`).
    /// What cannot be resolved is kept as written.
    fn append_template(&self, out: &mut Text, raw: &str, depth: u8) {
        let expression = template_expression(raw);
        let found = self.lookup(expression, depth);
        if found.is_none() && expression.contains(['+', '"', '\'', '?']) {
            let lexed = tokenize(expression, self.script.kotlin);
            let tokens: Vec<Token> = lexed
                .tokens
                .into_iter()
                .filter(|t| t.tk != Tk::Newline)
                .collect();
            if lexed.errors.is_empty() && depth < MAX_DEPTH {
                let t = self.text_at(&tokens, depth + 1);
                out.value.push_str(&t.value);
                out.unresolved.extend(t.unresolved);
                return;
            }
        }
        match found {
            Some(t) => {
                out.value.push_str(&t.value);
                out.unresolved.extend(t.unresolved);
            }
            None => {
                out.value.push_str(raw);
                out.unresolved.push(expression.to_string());
            }
        }
    }

    fn append_lookup(&self, out: &mut Text, expression: &str, depth: u8) {
        match self.lookup(expression, depth) {
            Some(t) if t.unresolved.is_empty() => out.value.push_str(&t.value),
            Some(t) => {
                out.value.push_str(&t.value);
                out.unresolved.extend(t.unresolved);
            }
            None => {
                out.value.push_str(&format!("${{{expression}}}"));
                out.unresolved.push(expression.to_string());
            }
        }
    }

    /// The value of an expression written in a template or as a value (`version`,
    /// `rootProject.ext.springVersion`, `property("x")`, `libs.versions.x.get()`).
    fn lookup(&self, expression: &str, depth: u8) -> Option<Text> {
        if depth > MAX_DEPTH {
            return None;
        }
        let e: String = expression.chars().filter(|c| !c.is_whitespace()).collect();
        if let Some((a, b)) = e.split_once("?:") {
            let first = self.lookup(a, depth + 1);
            if first.as_ref().is_some_and(|t| t.unresolved.is_empty()) {
                return first;
            }
            if let Some(quoted) = quoted(b) {
                return Some(Text {
                    value: quoted,
                    unresolved: Vec::new(),
                });
            }
            return self.lookup(b, depth + 1).or(first);
        }
        for call in [
            "findProperty(",
            "property(",
            "gradleProperty(",
            "getProperty(",
            "extra[",
            "ext[",
            "properties[",
            "extra.get(",
            "ext.get(",
        ] {
            if let Some(at) = e.find(call)
                && let Some(key) = quoted(&e[at + call.len()..])
            {
                return self.var(&key, depth);
            }
        }
        // `versions["netty"]` is `versions.netty`.
        let indexed;
        let mut e = e.as_str();
        if let Some(open) = e.find("[\"")
            && let Some(key) = quoted(&e[open..])
            && e[open..].ends_with("\"]")
        {
            indexed = format!("{}.{key}", &e[..open]);
            e = indexed.as_str();
        }
        loop {
            let before = e;
            for suffix in [".get()", ".toString()", "!!", "asString", ".orNull", ".get"] {
                e = e.strip_suffix(suffix).unwrap_or(e);
            }
            if e == before {
                break;
            }
        }
        // Version catalog versions: `libs.versions.kotlin`.
        for catalog in self.catalogs {
            if let Some(alias) = e
                .strip_prefix(&catalog.name)
                .and_then(|r| r.strip_prefix(".versions."))
            {
                return catalog.versions.get(&alias_key(alias)).map(|v| Text {
                    value: v.clone(),
                    unresolved: Vec::new(),
                });
            }
        }
        self.var(&strip_owner(e), depth)
    }

    /// A variable or property by name: the script's own (outermost definition first), the
    /// root script's, then gradle.properties (the project's, then the root's).
    fn var(&self, name: &str, depth: u8) -> Option<Text> {
        let own = |script: &Script| {
            script
                .vars
                .iter()
                .filter(|(n, _, _)| n == name)
                .min_by_key(|(_, _, d)| *d)
                .map(|(_, v, _)| v.clone())
        };
        let tokens = own(self.script).or_else(|| self.root.and_then(own));
        if let Some(tokens) = tokens {
            let text = self.text_at(&tokens, depth + 1);
            if text.unresolved.is_empty() {
                return Some(text);
            }
            // A value this file cannot resolve may still be a property.
            if let Some(value) = self.property(name) {
                return Some(value);
            }
            return Some(text);
        }
        self.property(name)
    }

    fn property(&self, name: &str) -> Option<Text> {
        self.properties
            .and_then(|p| p.get(name))
            .or_else(|| self.root_properties.get(name))
            .map(|v| Text {
                value: v.clone(),
                unresolved: Vec::new(),
            })
    }

    fn catalog(&self, name: &str) -> Option<&Catalog> {
        self.catalogs.iter().find(|c| c.name == name)
    }
}

/// Drops `.get()`, `!!` and `as String` from the end of a value.
fn strip_suffixes(tokens: &[Token]) -> &[Token] {
    let mut t = tokens;
    loop {
        match t {
            [rest @ .., a, b] if a.is('!') && b.is('!') => t = rest,
            [rest @ .., dot, get, open, close]
                if dot.is('.')
                    && matches!(get.ident(), Some("get" | "toString"))
                    && open.is('(')
                    && close.is(')') =>
            {
                t = rest
            }
            [rest @ .., r#as, ty] if r#as.ident() == Some("as") && ty.ident().is_some() => t = rest,
            _ => return t,
        }
    }
}

/// The text of a `"quoted"` string at the start of `s` (after `(` or `[`).
fn quoted(s: &str) -> Option<String> {
    let s = s.trim_start_matches(['(', '[']);
    let quote = s.chars().next().filter(|c| *c == '"' || *c == '\'')?;
    let rest = &s[1..];
    let end = rest.find(quote)?;
    Some(rest[..end].to_string())
}

/// Tokens back to text, for lookups (`libs.versions.x.get()`, `property("x")`).
fn join(tokens: &[Token]) -> String {
    let mut out = String::new();
    for token in tokens {
        match &token.tk {
            Tk::Ident(s) | Tk::Num(s) => out.push_str(s),
            Tk::Punct(c) => out.push(*c),
            Tk::Str(parts) => {
                out.push('"');
                for part in parts {
                    match part {
                        Part::Lit(s) => out.push_str(s),
                        Part::Expr(raw) => out.push_str(raw),
                    }
                }
                out.push('"');
            }
            Tk::Newline => {}
        }
    }
    out
}

/// A declared external dependency.
#[derive(Debug, Clone, PartialEq)]
struct Coordinate {
    group: String,
    artifact: String,
    version: String,
    unresolved: Vec<String>,
    configuration: String,
    line: usize,
    buildscript: bool,
    test: bool,
}

/// What a build script declares, evaluated.
#[derive(Debug, Default)]
struct Declared {
    coordinates: Vec<Coordinate>,
    /// `project(":x")` dependencies: path, configuration, line.
    projects: Vec<(String, String, usize)>,
    /// References that name no coordinate fundament can resolve (`libs.unknown`, an undefined
    /// variable holding a whole notation), with their line: reported, not listed as packages.
    unknown: Vec<(String, usize)>,
}

/// One notation, evaluated.
enum Notation {
    Coordinate {
        group: String,
        artifact: String,
        version: String,
        unresolved: Vec<String>,
    },
    Project(String),
    /// A reference that could not be resolved at all (`libs.unknown`, an unknown variable).
    Unknown(String),
}

fn evaluate_dependencies(script: &Script, env: &Env<'_>, root: Option<&ParsedBuild>) -> Declared {
    let kotlin_version = script
        .kotlin_version
        .as_ref()
        .or_else(|| root.and_then(|r| r.script.kotlin_version.as_ref()))
        .and_then(|t| env.text(t).resolved());
    // Constraints give versions to declarations without one.
    let mut constrained: HashMap<String, String> = HashMap::new();
    for dep in script.deps.iter().filter(|d| d.constraint) {
        for notation in notations(&dep.args, env, kotlin_version.as_deref()) {
            if let Notation::Coordinate {
                group,
                artifact,
                version,
                unresolved,
            } = notation
                && !version.is_empty()
                && unresolved.is_empty()
            {
                constrained.insert(format!("{group}:{artifact}"), version);
            }
        }
    }
    let mut out = Declared::default();
    for dep in script.deps.iter().filter(|d| !d.constraint) {
        for notation in notations(&dep.args, env, kotlin_version.as_deref()) {
            match notation {
                Notation::Coordinate {
                    group,
                    artifact,
                    mut version,
                    mut unresolved,
                } => {
                    if let Some(tokens) = &dep.closure_version {
                        let text = env.text(tokens);
                        version = text.value;
                        unresolved = text.unresolved;
                    }
                    if version.is_empty()
                        && let Some(v) = constrained.get(&format!("{group}:{artifact}"))
                    {
                        version = v.clone();
                    }
                    out.coordinates.push(Coordinate {
                        group,
                        artifact,
                        version,
                        unresolved,
                        configuration: dep.configuration.clone(),
                        line: dep.line,
                        buildscript: dep.buildscript,
                        test: dep.test,
                    });
                }
                Notation::Project(path) => {
                    out.projects
                        .push((path, dep.configuration.clone(), dep.line));
                }
                Notation::Unknown(reference) => out.unknown.push((reference, dep.line)),
            }
        }
    }
    out
}

/// The notations of one declaration's arguments.
fn notations(args: &[Vec<Token>], env: &Env<'_>, kotlin_version: Option<&str>) -> Vec<Notation> {
    // Map / named-argument notation: group, name, version (Groovy `:`, Kotlin `=`).
    let named = |key: &str| named_arg(args, key).map(|t| env.text(&t));
    if named("name").is_some() || named("path").is_some() {
        if let Some(path) = named("path")
            && named("name").is_none()
        {
            return vec![Notation::Project(path.value)];
        }
        let group = named("group").unwrap_or_default();
        let name = named("name").unwrap_or_default();
        let version = named("version").unwrap_or_default();
        let mut unresolved = group.unresolved.clone();
        unresolved.extend(name.unresolved.clone());
        unresolved.extend(version.unresolved.clone());
        return vec![Notation::Coordinate {
            group: group.value,
            artifact: name.value,
            version: version.value,
            unresolved,
        }];
    }
    // Kotlin positional notation: implementation("g", "a", "v").
    if (2..=4).contains(&args.len())
        && args.iter().all(|a| {
            matches!(a.as_slice(), [Token { tk: Tk::Str(_), .. }])
                && !env.text(a).value.contains(':')
        })
    {
        let text = |i: usize| args.get(i).map(|a| env.text(a)).unwrap_or_default();
        let (group, name, version) = (text(0), text(1), text(2));
        let mut unresolved = group.unresolved.clone();
        unresolved.extend(name.unresolved.clone());
        unresolved.extend(version.unresolved.clone());
        return vec![Notation::Coordinate {
            group: group.value,
            artifact: name.value,
            version: version.value,
            unresolved,
        }];
    }
    args.iter()
        .flat_map(|arg| notation(arg, env, kotlin_version, 0))
        .collect()
}

fn notation(
    tokens: &[Token],
    env: &Env<'_>,
    kotlin_version: Option<&str>,
    depth: u8,
) -> Vec<Notation> {
    let tokens = strip_suffixes(tokens);
    if depth > MAX_DEPTH || tokens.is_empty() {
        return Vec::new();
    }
    // A call: platform(...), kotlin(...), project(...), files(...).
    if let (Some(function), Some(open)) = (tokens[0].ident(), tokens.get(1))
        && open.is('(')
        && tokens.last().is_some_and(|t| t.is(')'))
    {
        let inner = split_flat(&tokens[2..tokens.len() - 1]);
        return match function {
            "platform" | "enforcedPlatform" | "testFixtures" | "module" | "variantOf" => inner
                .first()
                .map(|a| notation(a, env, kotlin_version, depth + 1))
                .unwrap_or_default(),
            "kotlin" => {
                let module = inner.first().map(|a| env.text(a)).unwrap_or_default();
                let version = match inner.get(1) {
                    Some(v) => env.text(v),
                    None => Text {
                        value: kotlin_version.unwrap_or_default().to_string(),
                        unresolved: Vec::new(),
                    },
                };
                let mut unresolved = module.unresolved;
                unresolved.extend(version.unresolved);
                vec![Notation::Coordinate {
                    group: "org.jetbrains.kotlin".to_string(),
                    artifact: format!("kotlin-{}", module.value),
                    version: version.value,
                    unresolved,
                }]
            }
            "project" => {
                let path = named_arg(&inner, "path")
                    .or_else(|| inner.first().cloned())
                    .map(|t| env.text(&t).value)
                    .unwrap_or_default();
                vec![Notation::Project(path)]
            }
            _ => Vec::new(),
        };
    }
    // A version-catalog accessor: libs.some.lib, libs.bundles.x.
    if let Some(chain) = dotted(tokens)
        && let Some((first, rest)) = chain.split_once('.')
        && let Some(catalog) = env.catalog(first)
    {
        if let Some(bundle) = rest.strip_prefix("bundles.") {
            return match catalog.bundles.get(&alias_key(bundle)) {
                Some(members) => members
                    .iter()
                    .map(|m| match catalog.libraries.get(m) {
                        Some(lib) => library_notation(lib),
                        None => Notation::Unknown(format!("{first}.{m}")),
                    })
                    .collect(),
                None => vec![Notation::Unknown(chain)],
            };
        }
        if rest.starts_with("plugins.") || rest.starts_with("versions.") {
            return Vec::new();
        }
        return vec![match catalog.libraries.get(&alias_key(rest)) {
            Some(lib) => library_notation(lib),
            None => Notation::Unknown(chain),
        }];
    }
    let text = env.text(tokens);
    if text.value.contains(':') {
        return vec![coordinate(&text)];
    }
    if dotted(tokens).is_some() && !text.unresolved.is_empty() {
        return vec![Notation::Unknown(join(tokens))];
    }
    Vec::new()
}

fn library_notation(lib: &Library) -> Notation {
    Notation::Coordinate {
        group: lib.group.clone(),
        artifact: lib.artifact.clone(),
        version: lib.version.clone(),
        unresolved: Vec::new(),
    }
}

/// `a.b.c` (identifiers joined by dots), or `None`.
fn dotted(tokens: &[Token]) -> Option<String> {
    let mut out = String::new();
    for (k, token) in tokens.iter().enumerate() {
        if k % 2 == 0 {
            out.push_str(token.ident()?);
        } else if token.is('.') {
            out.push('.');
        } else {
            return None;
        }
    }
    (tokens.len() % 2 == 1).then_some(out)
}

/// `group:artifact[:version[:classifier]][@extension]`.
fn coordinate(text: &Text) -> Notation {
    let value = text.value.trim();
    let value = match value.rsplit_once('@') {
        Some((before, ext)) if !ext.contains(':') && !ext.contains('}') => before,
        _ => value,
    };
    let mut parts = value.splitn(4, ':');
    let group = parts.next().unwrap_or_default().to_string();
    let artifact = parts.next().unwrap_or_default().to_string();
    let version = parts.next().unwrap_or_default().to_string();
    Notation::Coordinate {
        group,
        artifact,
        version,
        unresolved: text.unresolved.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env_for<'a>(
        script: &'a Script,
        props: &'a HashMap<String, String>,
        catalogs: &'a [Catalog],
    ) -> Env<'a> {
        Env::new(script, None, props, None, catalogs)
    }

    fn declared(text: &str, kotlin: bool) -> Vec<(String, String, String, Vec<String>)> {
        declared_with(text, kotlin, &HashMap::new(), &[])
    }

    fn declared_with(
        text: &str,
        kotlin: bool,
        props: &HashMap<String, String>,
        catalogs: &[Catalog],
    ) -> Vec<(String, String, String, Vec<String>)> {
        let script = parse_script(text, kotlin);
        assert_eq!(script.errors, vec![], "{text}");
        let env = env_for(&script, props, catalogs);
        evaluate_dependencies(&script, &env, None)
            .coordinates
            .into_iter()
            .map(|c| {
                (
                    c.configuration,
                    format!("{}:{}", c.group, c.artifact),
                    c.version,
                    c.unresolved,
                )
            })
            .collect()
    }

    fn d(config: &str, name: &str, version: &str) -> (String, String, String, Vec<String>) {
        (
            config.to_string(),
            name.to_string(),
            version.to_string(),
            Vec::new(),
        )
    }

    #[test]
    fn kotlin_dsl_notations() {
        let got = declared(
            r#"
val junitVersion = "5.10.2"
dependencies {
    implementation("org.slf4j:slf4j-api:2.0.9") // a comment with "quotes"
    api("com.google.guava:guava:33.0.0-jre") { exclude(group = "x") }
    testImplementation("org.junit.jupiter:junit-jupiter:$junitVersion")
    testImplementation("org.junit.jupiter:junit-jupiter-params:${junitVersion}")
    implementation(platform("software.amazon.awssdk:bom:2.42.36"))
    implementation(enforcedPlatform("org.example:platform:1.0"))
    implementation(group = "org.apache.commons", name = "commons-lang3", version = "3.14.0")
    runtimeOnly("org.postgresql:postgresql")
    /* implementation("commented:out:1.0") */
    "migrationImplementation"("org.flywaydb:flyway-core:10.0.0")
    compileOnly("org.projectlombok:lombok")
    annotationProcessor("org.projectlombok:lombok:1.18.30")
    implementation(kotlin("stdlib"))
    implementation(kotlin("reflect", "1.9.0"))
    implementation("org.example:pinned") { version { strictly("1.2.3") } }
    implementation(project(":core"))
}
"#,
            true,
        );
        assert_eq!(
            got,
            vec![
                d("implementation", "org.slf4j:slf4j-api", "2.0.9"),
                d("api", "com.google.guava:guava", "33.0.0-jre"),
                d(
                    "testImplementation",
                    "org.junit.jupiter:junit-jupiter",
                    "5.10.2"
                ),
                d(
                    "testImplementation",
                    "org.junit.jupiter:junit-jupiter-params",
                    "5.10.2"
                ),
                d("implementation", "software.amazon.awssdk:bom", "2.42.36"),
                d("implementation", "org.example:platform", "1.0"),
                d(
                    "implementation",
                    "org.apache.commons:commons-lang3",
                    "3.14.0"
                ),
                d("runtimeOnly", "org.postgresql:postgresql", ""),
                d(
                    "migrationImplementation",
                    "org.flywaydb:flyway-core",
                    "10.0.0"
                ),
                d("compileOnly", "org.projectlombok:lombok", ""),
                d("annotationProcessor", "org.projectlombok:lombok", "1.18.30"),
                d("implementation", "org.jetbrains.kotlin:kotlin-stdlib", ""),
                d(
                    "implementation",
                    "org.jetbrains.kotlin:kotlin-reflect",
                    "1.9.0"
                ),
                d("implementation", "org.example:pinned", "1.2.3"),
            ]
        );
    }

    #[test]
    fn groovy_dsl_notations_and_ext_properties() {
        let got = declared(
            r#"
ext {
    springVersion = '6.1.4'
    versions = [jackson: "2.17.0"]
}
ext.guavaVersion = "33.0.0-jre"
def lombok = 'org.projectlombok:lombok:1.18.30'
dependencies {
    implementation 'org.springframework:spring-core:' + springVersion
    implementation "org.springframework:spring-web:$springVersion"
    implementation "com.fasterxml.jackson.core:jackson-databind:${versions.jackson}"
    implementation group: 'com.google.guava', name: 'guava', version: guavaVersion
    implementation('org.example:closure:1.0') {
        transitive = false
    }
    compileOnly lombok
    testImplementation 'junit:junit:4.13.2',
        'org.hamcrest:hamcrest:2.2'
    implementation platform('org.example:bom:1.0')
    implementation fileTree(dir: 'libs', include: ['*.jar'])
    implementation files('x.jar')
    implementation "org.example:unknown:$notDefined"
    implementation "org.example:slashy:${'1.' + '0'}"
}
"#,
            false,
        );
        assert_eq!(
            got[..9],
            vec![
                d("implementation", "org.springframework:spring-core", "6.1.4"),
                d("implementation", "org.springframework:spring-web", "6.1.4"),
                d(
                    "implementation",
                    "com.fasterxml.jackson.core:jackson-databind",
                    "2.17.0"
                ),
                d("implementation", "com.google.guava:guava", "33.0.0-jre"),
                d("implementation", "org.example:closure", "1.0"),
                d("compileOnly", "org.projectlombok:lombok", "1.18.30"),
                d("testImplementation", "junit:junit", "4.13.2"),
                d("testImplementation", "org.hamcrest:hamcrest", "2.2"),
                d("implementation", "org.example:bom", "1.0"),
            ]
        );
        assert_eq!(
            got[9],
            (
                "implementation".to_string(),
                "org.example:unknown".to_string(),
                "$notDefined".to_string(),
                vec!["notDefined".to_string()]
            )
        );
        assert_eq!(got[10], d("implementation", "org.example:slashy", "1.0"));
        assert_eq!(got.len(), 11);
    }

    #[test]
    fn catalog_accessors_and_properties() {
        let (catalog, errors) = parse_catalog(
            r#"
[versions]
jackson = "2.17.0"
kotlin = { strictly = "[1.9, 2.0[", prefer = "1.9.22" }

[libraries]
jackson-databind = { module = "com.fasterxml.jackson.core:jackson-databind", version.ref = "jackson" }
jackson_core = { group = "com.fasterxml.jackson.core", name = "jackson-core", version.ref = "jackson" }
guava = "com.google.guava:guava:33.0.0-jre"
bom-managed = { module = "org.example:managed" }

[bundles]
jackson = ["jackson-databind", "jackson-core"]

[plugins]
spring = { id = "org.springframework.boot", version = "3.2.0" }
"#,
        )
        .unwrap();
        assert_eq!(errors, vec![]);
        let catalogs = vec![Catalog {
            name: "libs".to_string(),
            ..catalog
        }];
        let mut props = HashMap::new();
        props.insert("slf4jVersion".to_string(), "2.0.9".to_string());
        let got = declared_with(
            r#"
dependencies {
    implementation(libs.guava)
    implementation(libs.bundles.jackson)
    implementation(libs.bom.managed)
    implementation("org.slf4j:slf4j-api:${property("slf4jVersion")}")
    implementation("org.slf4j:slf4j-simple:${libs.versions.jackson.get()}")
    implementation(libs.not.there)
}
"#,
            true,
            &props,
            &catalogs,
        );
        assert_eq!(
            got[..6],
            vec![
                d("implementation", "com.google.guava:guava", "33.0.0-jre"),
                d(
                    "implementation",
                    "com.fasterxml.jackson.core:jackson-databind",
                    "2.17.0"
                ),
                d(
                    "implementation",
                    "com.fasterxml.jackson.core:jackson-core",
                    "2.17.0"
                ),
                d("implementation", "org.example:managed", ""),
                d("implementation", "org.slf4j:slf4j-api", "2.0.9"),
                d("implementation", "org.slf4j:slf4j-simple", "2.17.0"),
            ]
        );
        assert_eq!(got.len(), 6);
        let script = parse_script("dependencies { implementation(libs.not.there) }", true);
        let env = env_for(&script, &props, &catalogs);
        let unknown = evaluate_dependencies(&script, &env, None).unknown;
        assert_eq!(unknown, vec![("libs.not.there".to_string(), 1)]);
    }

    #[test]
    fn catalog_errors_have_lines() {
        let (_, errors) = parse_catalog(
            "[versions]\na = \"1\"\n[libraries]\nbad = { version = \"1\" }\nref = { module = \"g:a\", version.ref = \"missing\" }\n",
        )
        .unwrap();
        let lines: Vec<Option<usize>> = errors.iter().map(|e| e.0).collect();
        assert_eq!(lines, vec![Some(4), Some(5)]);
        let err = parse_catalog("[libraries\nx = 1\n").unwrap_err();
        assert_eq!(err.0, Some(1));
    }

    #[test]
    fn buildscript_constraints_kotlin_version_and_test_source_sets() {
        let script = parse_script(
            r#"
buildscript {
    dependencies { classpath("org.flywaydb:flyway-database-postgresql:12.4.0") }
}
plugins {
    kotlin("jvm") version "2.0.0"
}
dependencies {
    constraints {
        implementation("org.example:constrained:4.5.6")
    }
    implementation("org.example:constrained")
    implementation(kotlin("stdlib"))
}
kotlin {
    sourceSets {
        val commonTest by getting {
            dependencies { implementation("org.example:test-only:1.0") }
        }
    }
}
"#,
            true,
        );
        let props = HashMap::new();
        let env = env_for(&script, &props, &[]);
        let got = evaluate_dependencies(&script, &env, None).coordinates;
        let summary: Vec<(String, String, bool, bool)> = got
            .iter()
            .map(|c| (c.artifact.clone(), c.version.clone(), c.buildscript, c.test))
            .collect();
        assert_eq!(
            summary,
            vec![
                (
                    "flyway-database-postgresql".to_string(),
                    "12.4.0".to_string(),
                    true,
                    false
                ),
                ("constrained".to_string(), "4.5.6".to_string(), false, false),
                (
                    "kotlin-stdlib".to_string(),
                    "2.0.0".to_string(),
                    false,
                    false
                ),
                ("test-only".to_string(), "1.0".to_string(), false, true),
            ]
        );
    }

    #[test]
    fn settings_root_name_group_and_version() {
        let settings = parse_script(
            "pluginManagement { includeBuild(\"build-logic\") }\nrootProject.name = \"my-app\"\ninclude(\":core\", \":app\")\n",
            true,
        );
        let props = HashMap::new();
        let env = env_for(&settings, &props, &[]);
        assert_eq!(
            env.text(settings.root_name.as_ref().unwrap()).resolved(),
            Some("my-app".to_string())
        );
        assert_eq!(settings.include_builds.len(), 1);
        let build = parse_script(
            "group 'org.example'\nversion '1.0'\nlombok { version = '9' }\n",
            false,
        );
        let env = env_for(&build, &props, &[]);
        assert_eq!(env.text(build.group.as_ref().unwrap()).value, "org.example");
        assert_eq!(env.text(build.version.as_ref().unwrap()).value, "1.0");
    }

    #[test]
    fn lexer_errors_have_lines() {
        let script = parse_script("dependencies {\n  implementation(\"a:b:1.0)\n}\n", true);
        assert_eq!(script.errors, vec![(2, "unterminated string".to_string())]);
        let script = parse_script("dependencies {\n  implementation('a:b:1.0')\n", false);
        assert_eq!(script.errors, vec![(1, "`{` is never closed".to_string())]);
    }

    #[test]
    fn lockfile_lines() {
        let (entries, errors) = parse_lockfile(
            "# comment\ncom.google.guava:guava:33.0.0-jre=compileClasspath,runtimeClasspath\n\
             junit:junit:4.13.2=testCompileClasspath\nempty=annotationProcessor\nbroken line\n\
             g:a=runtimeClasspath\n",
            None,
        );
        assert_eq!(entries.len(), 2);
        assert_eq!(
            entries[0].configurations,
            vec!["compileClasspath", "runtimeClasspath"]
        );
        let lines: Vec<usize> = errors.iter().map(|e| e.0).collect();
        assert_eq!(lines, vec![5, 6]);
        let (legacy, errors) = parse_lockfile("g:a:1.0\n", Some("compileClasspath"));
        assert!(errors.is_empty());
        assert_eq!(legacy[0].configurations, vec!["compileClasspath"]);
    }

    #[test]
    fn configuration_scopes() {
        for (name, scope) in [
            ("implementation", Scope::Runtime),
            ("compileClasspath", Scope::Runtime),
            ("runtimeClasspath", Scope::Runtime),
            ("releaseRuntimeClasspath", Scope::Runtime),
            ("migrationImplementation", Scope::Runtime),
            ("compileOnly", Scope::Provided),
            ("testImplementation", Scope::Test),
            ("testRuntimeClasspath", Scope::Test),
            ("androidTestImplementation", Scope::Test),
            ("integrationTestRuntimeClasspath", Scope::Test),
            ("testAnnotationProcessor", Scope::Test),
            ("developmentOnly", Scope::Dev),
            ("annotationProcessor", Scope::Build),
            ("kapt", Scope::Build),
            ("kaptTest", Scope::Test),
            ("ksp", Scope::Build),
            ("detekt", Scope::Build),
            ("ktlint", Scope::Build),
            ("spotless865457", Scope::Build),
            ("classpath", Scope::Build),
            ("kotlinCompilerPluginClasspathMain", Scope::Build),
            ("jacocoAgent", Scope::Build),
            ("attestation", Scope::Runtime),
            ("debugImplementation", Scope::Dev),
            ("debugRuntimeClasspath", Scope::Dev),
        ] {
            assert_eq!(scope_of_configuration(name), scope, "{name}");
        }
    }

    #[test]
    fn truncated_scripts_never_panic() {
        let groovy = "ext { v = '1' }\ndef m = [a: \"x:y:$v\"]\ndependencies {\n  implementation \"g:a:${v}\", {\n transitive = false }\n  implementation(group: 'g', name: 'b', version: v) { x -> }\n  testImplementation project(path: ':x')\n  implementation ~/re\\/x/ + '''t''' /* c */ // d\n}\n";
        let kotlin = "val v: String by project\ndependencies {\n  implementation(\"g:a:${v.get()}\") { version { strictly(\"1\") } }\n  \"x\"(platform(libs.a.b))\n  implementation(kotlin(\"stdlib\", v))\n  val s = \"\"\"raw $v ${'$'}\"\"\"\n}\n/* /* nested */ */\n";
        for (text, is_kotlin) in [(groovy, false), (kotlin, true)] {
            let chars: Vec<char> = text.chars().collect();
            for end in 0..=chars.len() {
                let prefix: String = chars[..end].iter().collect();
                let script = parse_script(&prefix, is_kotlin);
                let props = HashMap::new();
                let env = env_for(&script, &props, &[]);
                let _ = evaluate_dependencies(&script, &env, None);
            }
        }
    }

    #[test]
    fn properties_files() {
        let p =
            parse_properties("# c\nversion=1.0\nkotlin.code.style : official\nlong = a\\\n  b\n");
        assert_eq!(p.get("version").map(String::as_str), Some("1.0"));
        assert_eq!(
            p.get("kotlin.code.style").map(String::as_str),
            Some("official")
        );
        assert_eq!(p.get("long").map(String::as_str), Some("ab"));
    }
}
