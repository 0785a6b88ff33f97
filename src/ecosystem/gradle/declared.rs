//! What a Gradle build without lockfile needs from the repositories: the repositories it
//! declares, the Spring plugins' BOMs, and its projects' resolved graphs as packages.

use super::eval::{Coordinate, Declared, Env};
use super::resolve::{Request, Resolved, resolve};
use super::script::{RawRepo, Script};
use super::*;
use crate::ecosystem::maven::model::Models;
use crate::ecosystem::maven::{DeclaredRepo, FetchError, Gav, PomFile};
use crate::model::Resolution;
use std::collections::BTreeSet;

/// The repositories a script declares, evaluated: central for `mavenCentral()`, the URL of
/// each `maven { }`; `google()` and the like are named in `unnamed` (no URL is known for them).
pub(super) fn repositories(
    script: &Script,
    env: &Env<'_>,
    display: &str,
    out: &mut Vec<DeclaredRepo>,
    unnamed: &mut Vec<String>,
) {
    for repo in &script.repositories {
        let declared = match repo {
            RawRepo::Central { line } => DeclaredRepo::central(&format!("{display}:{line}")),
            RawRepo::Named { name, line } => {
                unnamed.push(format!("`{name}()` ({display}:{line})"));
                continue;
            }
            RawRepo::Url { tokens, line } => {
                let text = env.text(tokens);
                let Some(url) = text.clone().resolved().filter(|u| u.contains("://")) else {
                    unnamed.push(format!(
                        "`maven {{ url = {} }}` ({display}:{line}), whose URL is not known",
                        if text.value.is_empty() {
                            "…"
                        } else {
                            &text.value
                        }
                    ));
                    continue;
                };
                DeclaredRepo {
                    id: format!("{display}:{line}"),
                    url: Some(url),
                    releases: true,
                    snapshots: true,
                    declared_in: format!("{display}:{line}"),
                    from_tree: true,
                }
            }
        };
        if !out.iter().any(|r| r.url == declared.url) {
            out.push(declared);
        }
    }
}

/// The BOMs the Spring dependency-management plugin imports in `script`, in the order it
/// processes them: the Spring Boot BOM first when the Spring Boot plugin (at `boot`) is applied
/// with it (the Boot plugin imports it as it is applied), then each `mavenBom(...)`.
pub(super) fn spring_boms(
    script: &Script,
    env: &Env<'_>,
    root: Option<(&Script, String)>,
    boot: Option<&str>,
    display: &str,
) -> Vec<(Gav, String)> {
    let boot_bom = boot.map(|version| {
        Gav::new(
            "org.springframework.boot",
            "spring-boot-dependencies",
            version,
        )
    });
    let mut out: Vec<(Gav, String)> = Vec::new();
    if let Some(gav) = &boot_bom {
        // Language-neutral: the plugin's id names it in every report language.
        out.push((
            gav.clone(),
            format!("{display}, plugin org.springframework.boot"),
        ));
    }
    // The root's `subprojects { dependencyManagement { } }` first, then the project's own.
    let shared = root.iter().flat_map(|(root, root_display)| {
        root.boms
            .iter()
            .filter(|(_, _, shared)| *shared)
            .map(move |(tokens, line, _)| (tokens, format!("{root_display}:{line}")))
    });
    let own = script
        .boms
        .iter()
        .map(|(tokens, line, _)| (tokens, format!("{display}:{line}")));
    for (tokens, at) in shared.chain(own).collect::<Vec<_>>() {
        let named_constant = tokens.iter().any(|t| t.ident() == Some("BOM_COORDINATES"));
        let gav = if named_constant {
            match &boot_bom {
                Some(gav) => gav.clone(),
                None => continue,
            }
        } else {
            let Some(text) = env.text(tokens).resolved() else {
                continue;
            };
            let mut parts = text.split(':');
            match (parts.next(), parts.next(), parts.next()) {
                (Some(g), Some(a), Some(v)) => Gav::new(g, a, v),
                _ => continue,
            }
        };
        out.retain(|(g, _)| *g != gav);
        out.push((gav, at));
    }
    out
}

/// Adds a project's resolved graph to `packages`: one package per module and version, with
/// the smallest scope of the classpaths that hold it, edges from the project to what it
/// declares and between modules as their POMs say.
#[allow(clippy::too_many_arguments)]
pub(super) fn add_resolved(
    packages: &mut Vec<Package>,
    index_of: &mut HashMap<(String, String), usize>,
    project: usize,
    declared: &Declared,
    scopes: &[Scope],
    managed_boms: Vec<(Gav, String, HashMap<String, String>)>,
    models: &Models<'_>,
    display: &str,
    findings: &mut Vec<Finding>,
    partial: &mut Vec<String>,
) {
    let request = Request {
        declared: declared
            .coordinates
            .iter()
            .zip(scopes)
            .map(|(c, s)| (c, *s))
            .collect(),
        constraints: declared
            .constraints
            .iter()
            .map(|(g, a, v, strict, config)| {
                (
                    (g.clone(), a.clone()),
                    v.clone(),
                    *strict,
                    scope_of_configuration(config),
                )
            })
            .collect(),
        managed_boms,
    };
    let resolved: Resolved = resolve(&request, models);
    let mut failures: Vec<(String, FetchError)> = Vec::new();
    let mut unversioned: Vec<String> = Vec::new();
    for (scope, classpath) in &resolved.classpaths {
        let mut at: Vec<usize> = Vec::with_capacity(classpath.nodes.len());
        for node in &classpath.nodes {
            let name = format!("{}:{}", node.module.0, node.module.1);
            let key = (name.clone(), node.version.clone());
            let index = match index_of.get(&key) {
                Some(&i) => {
                    packages[i].scope = packages[i].scope.min(*scope);
                    i
                }
                None => {
                    let url = match &node.model {
                        Some(Ok(model)) => match &model.file {
                            PomFile::Repository { url } => Some(
                                url.strip_suffix(".pom")
                                    .map(|stem| {
                                        format!(
                                            "{stem}.{}",
                                            if node.platform { "pom" } else { "jar" }
                                        )
                                    })
                                    .unwrap_or_else(|| url.clone()),
                            ),
                            PomFile::Tree { .. } => None,
                        },
                        _ => None,
                    };
                    let mut package = Package::new(
                        Ecosystem::Maven,
                        &name,
                        &node.version,
                        PackageSource::Registry { url },
                    );
                    package.scope = *scope;
                    package.locked = false;
                    package.resolution = Some(Resolution::ResolvedFromDeclarations);
                    match &node.model {
                        Some(Ok(model)) => match crate::ecosystem::maven::declared_licence(model) {
                            Some(declared) => package.declared.push(declared),
                            None => {
                                package.licence_unavailable =
                                    Some("its POM and parent POMs declare no licence".to_string())
                            }
                        },
                        Some(Err(err)) => {
                            package.licence_unavailable =
                                Some(format!("its POM could not be read: {}", err.cause()));
                            // A platform's BOM is reported with what it leaves open.
                            if !node.platform {
                                failures.push((format!("{name}:{}", node.version), err.clone()));
                            }
                        }
                        None => {
                            if node.version.is_empty() {
                                unversioned.push(name.clone());
                            }
                            package.licence_unavailable = Some(NO_LICENCES.to_string())
                        }
                    }
                    let i = packages.len();
                    packages.push(package);
                    index_of.insert(key, i);
                    i
                }
            };
            at.push(index);
        }
        let mut added = crate::model::EdgeSet::of(packages);
        for (node, index) in classpath.nodes.iter().zip(&at) {
            for &edge in &node.edges {
                let dependency = Dependency {
                    package: at[edge],
                    kind: DepKind::Normal,
                };
                added.add(packages, *index, dependency);
            }
        }
        // One edge per direct dependency, of its strongest kind: where each target's edge is,
        // looked up rather than searched for (a build file can declare thousands).
        let edges = &mut packages[project].dependencies;
        let mut position: HashMap<usize, usize> = HashMap::new();
        for (at_position, edge) in edges.iter().enumerate() {
            position.entry(edge.package).or_insert(at_position);
        }
        for &(declaration, node) in &classpath.direct {
            let kind = kind_of(scopes[declaration]);
            let target = at[node];
            match position.get(&target) {
                Some(&i) if edges[i].kind > kind => edges[i].kind = kind,
                Some(_) => {}
                None => {
                    position.insert(target, edges.len());
                    edges.push(Dependency {
                        package: target,
                        kind,
                    });
                }
            }
        }
    }

    findings.push(
        Finding::note_finding(
            Code::ResolvedFromDeclarations,
            crate::text!(
                "gradle_resolved_unlocked",
                file = display,
                n = declared.coordinates.len()
            ),
        )
        .at(display.to_string(), None)
        .note(crate::diagnostic::Text::new("gradle_enable_locking")),
    );
    for (module, why) in &resolved.unresolved {
        findings.push(
            Finding::warning(
                Code::VersionUnresolved,
                crate::text!(
                    "gradle_version_unresolved",
                    group = module.0,
                    artifact = module.1,
                    file = display,
                    why = why
                ),
            )
            .at(display.to_string(), None),
        );
    }
    for (gav, at, err) in &resolved.boms {
        findings.push(
            Finding::warning(
                Code::PomUnavailable,
                crate::text!("bom_unreadable", gav = gav)
                    .sub("at", at.clone())
                    .sub("error", err.text()),
            )
            .at(display.to_string(), None),
        );
        partial.push(format!("the BOM {gav} cannot be read"));
    }
    for (gav, err) in &resolved.module_metadata {
        findings.push(
            Finding::warning(
                Code::RegistryLookupFailed,
                crate::text!("gradle_module_metadata_unreadable", gav = gav)
                    .sub("error", err.text()),
            )
            .at(display.to_string(), None),
        );
    }
    for (capability, modules) in &resolved.capability_conflicts {
        let modules: Vec<&str> = modules.iter().map(String::as_str).collect();
        findings.push(
            Finding::warning(
                Code::VersionUnresolved,
                crate::text!(
                    "gradle_capability_conflict",
                    file = display,
                    modules = modules.join(" and "),
                    capability = format!("{}:{}", capability.0, capability.1)
                ),
            )
            .at(display.to_string(), None),
        );
    }
    // Offline cache misses and unreachable hosts are one cause each: one finding for all the
    // POMs they kept from being read (as the Maven reader reports them), not one per POM.
    let mut not_cached: BTreeSet<String> = BTreeSet::new();
    let mut unreachable: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (what, err) in failures {
        match err {
            FetchError::NotCached { .. } => {
                not_cached.insert(what);
            }
            FetchError::Unreachable { host, .. } => {
                unreachable.entry(host).or_default().insert(what);
            }
            FetchError::NoRepository => {
                let why = "no Maven repository is configured or declared: the POMs of the \
                           dependencies cannot be read";
                // Once per build, not once per package.
                if !partial.iter().any(|p| p == why) {
                    partial.push(why.to_string());
                }
            }
            FetchError::Off => {}
            other => {
                findings.push(Finding::warning(
                    Code::PomUnavailable,
                    crate::text!("pom_unreadable", what = what).sub("error", other.text()),
                ));
                partial.push(format!("the POM of {what} could not be read"));
            }
        }
    }
    for (host, poms) in unreachable {
        findings.push(
            Finding::warning(
                Code::RegistryLookupFailed,
                crate::text!("poms_unreachable", host = host, n = poms.len()),
            )
            .note(crate::ecosystem::maven::listing(&poms)),
        );
        partial.push(format!("{host} cannot be reached for POMs"));
    }
    if !not_cached.is_empty() {
        findings.push(
            Finding::warning(
                Code::RegistryOfflineUncached,
                crate::text!("poms_not_cached", n = not_cached.len()),
            )
            .note(crate::ecosystem::maven::listing(&not_cached))
            .note(crate::diagnostic::Text::new("registry_fill_cache")),
        );
        partial.push("offline, and POMs are missing from the cache".to_string());
    }
    unversioned.sort();
    unversioned.dedup();
    if !unversioned.is_empty() {
        findings.push(
            Finding::warning(
                Code::VersionUnresolved,
                crate::text!(
                    "no_version_declared",
                    file = display,
                    list = unversioned.join(", ")
                ),
            )
            .at(display.to_string(), None),
        );
        partial.push(format!(
            "{} dependencies of {display} have no version",
            unversioned.len()
        ));
    }
    if resolved.unsettled {
        findings.push(
            Finding::warning(
                Code::VersionUnresolved,
                crate::text!("gradle_unsettled", file = display),
            )
            .at(display.to_string(), None),
        );
    }
}

/// The declarations' scopes, by configuration, `buildSrc` and `test` blocks.
pub(super) fn scopes(coordinates: &[Coordinate], logic: bool) -> Vec<Scope> {
    coordinates
        .iter()
        .map(|dep| {
            let mut scope = scope_of_configuration(&dep.configuration);
            if dep.buildscript || logic {
                scope = scope.max(Scope::Build);
            }
            if dep.test {
                scope = Scope::Test;
            }
            scope
        })
        .collect()
}

/// The properties of Spring-managed BOMs that the build sets (`ext['netty.version'] = ...`,
/// `extra["netty.version"]`, gradle.properties): Spring's plugin overrides the BOM's own
/// properties with them.
pub(super) fn bom_overrides(
    boms: Vec<(Gav, String)>,
    env: &Env<'_>,
    models: &Models<'_>,
) -> Vec<(Gav, String, HashMap<String, String>)> {
    boms.into_iter()
        .map(|(gav, at)| {
            let mut overrides = HashMap::new();
            if let Ok(model) = models.of_repository(&gav) {
                for pom in &model.lineage {
                    for section in pom.sections(&[]) {
                        for (name, value) in &section.properties {
                            if overrides.contains_key(name) {
                                continue;
                            }
                            if let Some(set) = env.var(name, 0).and_then(|t| t.resolved())
                                && set != *value
                            {
                                overrides.insert(name.clone(), set);
                            }
                        }
                    }
                }
            }
            (gav, at, overrides)
        })
        .collect()
}
