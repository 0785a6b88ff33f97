//! Python: requirements without a pinned version (ranges in requirements files, pyproject.toml
//! or a Pipfile without a lock) resolved against the package index as pip would:
//!
//! - the versions are those the index's project page lists (Simple API, JSON or HTML), compared
//!   by PEP 440 ([`pep440_rs`]);
//! - pre-releases only when a specifier names one (`>=2.0b1`), or when no final release
//!   satisfies the specifiers at all (PEP 440's rule, as pip applies it);
//! - yanked versions (PEP 592) only for an exact pin (`==`, `===`);
//! - versions whose files' `requires-python` excludes the Python on this machine are skipped;
//! - a version's dependencies are its core metadata's `Requires-Dist` (the wheel's `.metadata`
//!   file, PEP 658, else the wheel's own), with environment markers evaluated for this machine
//!   ([`pep508_rs`]) and extras followed only where a requirement asks for them.
//!
//! pip installs one version per name and backtracks on conflicts; here the first version chosen
//! stays and a later requirement it does not meet is reported. A version that has only a source
//! distribution cannot give its dependencies without being built, which fundament never does:
//! that is reported too.

use super::{Picked, Registry, Walked, Want};
use crate::diagnostic::Text;
use crate::diagnostic::{Code, Finding};
use crate::ecosystem::ProjectGraph;
use crate::model::{DepKind, Dependency, Ecosystem, PackageSource, pep503};
use crate::registry::http::Http;
use crate::registry::pypi::{self, Release};
use pep440_rs::{Operator, Version, VersionSpecifiers};
use pep508_rs::{MarkerEnvironment, Requirement, VersionOrUrl};
use std::collections::{BTreeMap, HashSet};
use std::str::FromStr;

/// A Python package index and the machine markers are evaluated for.
pub struct PythonIndex<'a> {
    pub http: &'a Http,
    pub index: String,
    pub environment: Option<MarkerEnvironment>,
    pub python: Option<Version>,
}

pub struct Document {
    page: String,
    releases: Vec<(Version, Release)>,
}

/// A requirement as [`Want::spec`] carries it: `[extra,extra]specifiers`.
fn split_spec(spec: &str) -> (Vec<String>, &str) {
    if let Some(rest) = spec.strip_prefix('[')
        && let Some((extras, specifiers)) = rest.split_once(']')
    {
        let extras = extras
            .split(',')
            .map(|e| pep503(e.trim()))
            .filter(|e| !e.is_empty())
            .collect();
        return (extras, specifiers);
    }
    (Vec::new(), spec)
}

/// A PEP 508 requirement as a [`Want`]; `None` for URL requirements (not the index's).
pub fn want(requirement: &Requirement, kind: DepKind) -> Option<Want> {
    let specifiers = match &requirement.version_or_url {
        None => String::new(),
        Some(VersionOrUrl::VersionSpecifier(specifiers)) => specifiers.to_string(),
        Some(VersionOrUrl::Url(_)) => return None,
    };
    let extras: Vec<String> = requirement.extras.iter().map(|e| e.to_string()).collect();
    let spec = if extras.is_empty() {
        specifiers
    } else {
        format!("[{}]{specifiers}", extras.join(","))
    };
    Some(Want::new(requirement.name.as_ref(), &spec, kind))
}

/// The version pip picks from `releases` for `specifiers`.
pub fn choose<'r>(
    releases: &'r [(Version, Release)],
    specifiers: &VersionSpecifiers,
    python: Option<&Version>,
) -> Option<&'r Version> {
    let exact = specifiers
        .iter()
        .any(|s| matches!(s.operator(), Operator::Equal | Operator::ExactEqual));
    let names_prerelease = specifiers.iter().any(|s| s.version().any_prerelease());
    let candidates: Vec<&Version> = releases
        .iter()
        .filter(|(_, release)| exact || !release.yanked)
        .filter(
            |(_, release)| match (python, release.requires_python.as_deref()) {
                (Some(python), Some(requires)) => VersionSpecifiers::from_str(requires)
                    .map(|r| r.contains(python))
                    .unwrap_or(true),
                _ => true,
            },
        )
        .map(|(version, _)| version)
        .filter(|version| contains(specifiers, version))
        .collect();
    let finals = candidates.iter().copied().filter(|v| !v.any_prerelease());
    if names_prerelease {
        candidates.iter().copied().max()
    } else {
        finals.max().or_else(|| candidates.iter().copied().max())
    }
}

impl Registry for PythonIndex<'_> {
    type Document = Document;

    fn key(&self, name: &str) -> String {
        pep503(name)
    }

    fn one_version_per_name(&self) -> bool {
        true
    }

    fn fetch(&self, name: &str) -> Result<Document, Text> {
        let (page, releases) =
            pypi::releases(self.http, &self.index, name).map_err(|e| e.text())?;
        let releases = releases
            .into_iter()
            .filter_map(|r| Version::from_str(&r.version).ok().map(|v| (v, r)))
            .collect();
        Ok(Document { page, releases })
    }

    fn pick(&self, document: &Document, name: &str, spec: &str) -> Result<Picked, Text> {
        let (extras, specifiers) = split_spec(spec);
        // The parser's reason stays in its own words.
        let parsed = VersionSpecifiers::from_str(specifiers)
            .map_err(|e| Text::verbatim(format!("`{name}{specifiers}`: {e}")))?;
        let version = choose(&document.releases, &parsed, self.python.as_ref())
            .ok_or_else(|| match &self.python {
                Some(python) => crate::text!(
                    "unlocked_no_python_version_for",
                    page = document.page,
                    name = name,
                    spec = specifiers,
                    python = python
                ),
                None => crate::text!(
                    "unlocked_no_python_version",
                    page = document.page,
                    name = name,
                    spec = specifiers
                ),
            })?
            .to_string();
        let (url, metadata) =
            pypi::core_metadata(self.http, self.http, &self.index, name, &version).map_err(
                |e| {
                    crate::text!("unlocked_package_failed", name = name, version = version)
                        .sub("why", e.text())
                },
            )?;
        let extra_names: Vec<pep508_rs::ExtraName> = extras
            .iter()
            .filter_map(|e| pep508_rs::ExtraName::from_str(e).ok())
            .collect();
        let mut dependencies: Vec<Want> = Vec::new();
        for line in requires_dist(&metadata) {
            let Ok(requirement) = Requirement::<pep508_rs::VerbatimUrl>::from_str(&line) else {
                return Err(crate::text!(
                    "unlocked_requires_dist_invalid",
                    url = url,
                    line = line
                ));
            };
            let applies = match &self.environment {
                Some(env) => requirement.evaluate_markers(env, &extra_names),
                None => requirement
                    .marker
                    .evaluate_optional_environment(None, &extra_names),
            };
            if !applies {
                continue;
            }
            if let Some(want) = want(&requirement, DepKind::Normal) {
                match dependencies
                    .iter_mut()
                    .find(|w| pep503(&w.name) == pep503(&want.name))
                {
                    // The same name twice (different markers that both apply): both hold.
                    Some(existing) => existing.spec = join_specs(&existing.spec, &want.spec),
                    None => dependencies.push(want),
                }
            }
        }
        Ok(Picked {
            name: pep503(name),
            version,
            dependencies,
            declared: Vec::new(),
            source: PackageSource::Registry { url: None },
        })
    }

    fn satisfies(&self, _document: &Document, spec: &str, version: &str) -> bool {
        let (_, specifiers) = split_spec(spec);
        match (
            VersionSpecifiers::from_str(specifiers),
            Version::from_str(version),
        ) {
            (Ok(s), Ok(v)) => contains(&s, &v),
            _ => false,
        }
    }
}

/// Whether `version` meets every specifier. PEP 440 lets `<V` exclude the pre-releases of V
/// only when V itself is no pre-release; pep440_rs excludes them always, so `<2.0.0a4` is
/// compared here as plain order.
fn contains(specifiers: &VersionSpecifiers, version: &Version) -> bool {
    specifiers.iter().all(|s| {
        if *s.operator() == Operator::LessThan && s.version().any_prerelease() {
            version < s.version()
        } else {
            s.contains(version)
        }
    })
}

fn join_specs(a: &str, b: &str) -> String {
    let (ea, sa) = split_spec(a);
    let (eb, sb) = split_spec(b);
    let mut extras = ea;
    extras.extend(eb);
    extras.sort();
    extras.dedup();
    let specifiers = [sa, sb]
        .iter()
        .filter(|s| !s.trim().is_empty())
        .copied()
        .collect::<Vec<_>>()
        .join(",");
    if extras.is_empty() {
        specifiers
    } else {
        format!("[{}]{specifiers}", extras.join(","))
    }
}

/// The `Requires-Dist` values of core metadata (headers end at the first empty line).
fn requires_dist(metadata: &str) -> Vec<String> {
    metadata
        .lines()
        .take_while(|line| !line.trim().is_empty())
        .filter_map(|line| {
            let (key, value) = line.split_once(':')?;
            key.trim()
                .eq_ignore_ascii_case("requires-dist")
                .then(|| value.trim().to_string())
        })
        .collect()
}

/// This machine as PEP 508 markers see it, for the Python version `python` (`3.11.7`).
pub fn environment(python: &str) -> Option<MarkerEnvironment> {
    let short: String = python.split('.').take(2).collect::<Vec<_>>().join(".");
    let (os_name, platform_system, sys_platform) = match std::env::consts::OS {
        "linux" => ("posix", "Linux", "linux"),
        "macos" => ("posix", "Darwin", "darwin"),
        "windows" => ("nt", "Windows", "win32"),
        other => ("posix", other, other),
    };
    MarkerEnvironment::try_from(pep508_rs::MarkerEnvironmentBuilder {
        implementation_name: "cpython",
        implementation_version: python,
        os_name,
        platform_machine: std::env::consts::ARCH,
        platform_python_implementation: "CPython",
        platform_release: "",
        platform_system,
        platform_version: "",
        python_full_version: python,
        python_version: &short,
        sys_platform,
    })
    .ok()
}

/// `--resolve-unlocked` for a Python project read without a lockfile: the packages its
/// requirements list without a version (`unpinned`: file -> (name, requirement, line)) are
/// resolved, with what they depend on, and take the place of the unversioned entries.
pub fn resolve(
    ctx: &crate::ecosystem::ReadContext<'_>,
    mut graph: ProjectGraph,
    unpinned: BTreeMap<String, Vec<(String, String, Option<usize>)>>,
) -> ProjectGraph {
    let Some(resolver) = ctx.options.unlocked.as_deref() else {
        return graph;
    };
    if unpinned.is_empty() {
        return graph;
    }
    let manifest = unpinned.keys().next().cloned().unwrap_or_default();
    let Some(endpoint) = &resolver.pypi else {
        graph.findings.push(super::no_registry(
            &manifest,
            "Python package index",
            "set `index-url` in pip.conf, $PIP_INDEX_URL, or `[registries] pypi` in fundament's \
             configuration",
        ));
        graph.partial(format!(
            "{manifest}: the unpinned requirements were not resolved"
        ));
        return graph;
    };
    // The unversioned placeholders, by name, and the edge kinds that lead to them.
    let placeholders: Vec<usize> = (0..graph.packages.len())
        .filter(|&i| {
            let p = &graph.packages[i];
            !p.root && p.version.is_empty() && matches!(p.source, PackageSource::Registry { .. })
        })
        .collect();
    let mut kinds: BTreeMap<String, DepKind> = BTreeMap::new();
    for package in &graph.packages {
        for dep in &package.dependencies {
            if placeholders.contains(&dep.package) {
                kinds
                    .entry(graph.packages[dep.package].name.clone())
                    .or_insert(dep.kind);
            }
        }
    }
    let environment = resolver.python.as_deref().and_then(environment);
    let mut wants = Vec::new();
    let mut findings = Vec::new();
    let mut seen = HashSet::new();
    let mut not_here: HashSet<String> = HashSet::new();
    for (file, entries) in &unpinned {
        for (name, text, line) in entries {
            if !seen.insert(name.clone()) {
                continue;
            }
            let kind = kinds.get(name).copied().unwrap_or(DepKind::Normal);
            let text = text.split(" #").next().unwrap_or(text).trim();
            // The requirement as written; never loosened to the bare name, which would resolve
            // a constraint fundament could not read as if there were none.
            let parsed = if text.is_empty() {
                Requirement::<pep508_rs::VerbatimUrl>::from_str(name)
            } else {
                Requirement::from_str(text)
                    .or_else(|_| Requirement::from_str(&format!("{name}{text}")))
            };
            let parsed = parsed.ok();
            if let (Some(requirement), Some(env)) = (&parsed, &environment)
                && !requirement.evaluate_markers(env, &[])
            {
                // pip skips it on this machine: so does the resolution.
                not_here.insert(pep503(name));
                findings.push(
                    Finding::note_finding(
                        Code::ResolvedFromDeclarations,
                        crate::text!(
                            "marker_not_here",
                            requirement = text,
                            python = resolver.python.as_deref().unwrap_or("unknown"),
                            os = std::env::consts::OS
                        ),
                    )
                    .at(file.clone(), *line),
                );
                continue;
            }
            match parsed.and_then(|r| want(&r, kind)) {
                Some(want) => wants.push(want),
                // Not checked at all, nor what it brings in: the audit cannot pass.
                None => findings.push(
                    Finding::error(
                        Code::DependencyUnresolved,
                        crate::text!("requirement_not_resolvable", requirement = text),
                    )
                    .at(file.clone(), *line)
                    .help_case(crate::diagnostic::help::HelpCase::NoLockfile),
                ),
            }
        }
    }
    let index = PythonIndex {
        http: &resolver.http,
        index: endpoint.url.clone(),
        environment,
        python: resolver
            .python
            .as_deref()
            .and_then(|p| Version::from_str(p).ok()),
    };
    let walked = super::walk(
        &index,
        Ecosystem::Pypi,
        wants,
        &manifest,
        &resolver.date,
        resolver.parallelism,
    );
    replace_placeholders(
        &mut graph,
        &placeholders,
        &not_here,
        walked,
        &manifest,
        &resolver.date,
    );
    graph.findings.extend(findings);
    graph
}

/// Puts the walk's packages in place of the unversioned placeholders: edges to a placeholder
/// go to the resolved package of that name; those whose markers exclude this machine go; the
/// rest (requirements that could not be resolved) stay as they were.
fn replace_placeholders(
    graph: &mut ProjectGraph,
    placeholders: &[usize],
    not_here: &HashSet<String>,
    walked: Walked,
    manifest: &str,
    date: &str,
) {
    let offset = graph.packages.len();
    let resolved_names: BTreeMap<String, usize> = walked
        .direct
        .iter()
        .map(|d| (walked.packages[d.package].name.clone(), d.package + offset))
        .collect();
    super::attach(graph, None, walked, manifest, "pip", date);
    // Redirect edges to placeholders, then drop the placeholders that were resolved.
    let mut replaced: BTreeMap<usize, usize> = BTreeMap::new();
    for &p in placeholders {
        if let Some(&to) = resolved_names.get(&graph.packages[p].name) {
            replaced.insert(p, to);
        }
    }
    for package in &mut graph.packages {
        for dep in &mut package.dependencies {
            if let Some(&to) = replaced.get(&dep.package) {
                dep.package = to;
            }
        }
    }
    let mut gone: Vec<usize> = replaced.keys().copied().collect();
    gone.extend(
        placeholders
            .iter()
            .copied()
            .filter(|&p| not_here.contains(&graph.packages[p].name)),
    );
    remove(graph, &gone);
}

/// Removes the packages at `indices`, renumbering every edge (no edge may point at them).
fn remove(graph: &mut ProjectGraph, indices: &[usize]) {
    if indices.is_empty() {
        return;
    }
    let gone: HashSet<usize> = indices.iter().copied().collect();
    let mut new_index = vec![usize::MAX; graph.packages.len()];
    let mut next = 0;
    for (i, slot) in new_index.iter_mut().enumerate() {
        if !gone.contains(&i) {
            *slot = next;
            next += 1;
        }
    }
    let packages = std::mem::take(&mut graph.packages);
    for (i, mut package) in packages.into_iter().enumerate() {
        if gone.contains(&i) {
            continue;
        }
        package.dependencies = package
            .dependencies
            .into_iter()
            .filter(|d| !gone.contains(&d.package))
            .map(|d| Dependency {
                package: new_index[d.package],
                kind: d.kind,
            })
            .collect();
        graph.packages.push(package);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn release(version: &str, yanked: bool, requires_python: Option<&str>) -> (Version, Release) {
        (
            Version::from_str(version).unwrap(),
            Release {
                version: version.to_string(),
                yanked,
                requires_python: requires_python.map(str::to_string),
            },
        )
    }

    #[test]
    fn pre_releases_yanked_and_python_rules() {
        let releases = vec![
            release("1.0", false, None),
            release("1.1", false, None),
            release("1.2", true, None),
            release("2.0rc1", false, None),
            release("2.1", false, Some(">=3.99")),
        ];
        let python = Version::from_str("3.11.7").unwrap();
        let pick = |spec: &str| {
            choose(
                &releases,
                &VersionSpecifiers::from_str(spec).unwrap(),
                Some(&python),
            )
            .map(ToString::to_string)
        };
        // 2.1 needs a newer Python, 1.2 is yanked, 2.0rc1 is a pre-release.
        assert_eq!(pick(">=1.0").as_deref(), Some("1.1"));
        assert_eq!(pick("").as_deref(), Some("1.1"));
        // A specifier naming a pre-release allows them.
        assert_eq!(pick(">=2.0rc1").as_deref(), Some("2.0rc1"));
        // Only a pre-release satisfies: it is taken.
        assert_eq!(pick(">=1.5").as_deref(), Some("2.0rc1"));
        // An exact pin takes a yanked version.
        assert_eq!(pick("==1.2").as_deref(), Some("1.2"));
        assert_eq!(pick("~=1.0").as_deref(), Some("1.1"));
        assert_eq!(pick(">=3"), None);
        // `<V` for a pre-release V keeps the earlier pre-releases of V's release.
        assert_eq!(pick(">=2.0a1,<2.0rc2").as_deref(), Some("2.0rc1"));
        assert_eq!(pick("<2.0").as_deref(), Some("1.1"));
    }

    #[test]
    fn requires_dist_and_markers() {
        let metadata = "Metadata-Version: 2.1\nName: x\nRequires-Dist: a>=1\n\
            Requires-Dist: b; extra == \"socks\"\nRequires-Dist: c; sys_platform == \"nonesuch\"\n\
            \nRequires-Dist: not-a-header\n";
        let lines = requires_dist(metadata);
        assert_eq!(lines.len(), 3);
        let env = environment("3.11.7").unwrap();
        let applies = |line: &str, extras: &[&str]| {
            let r = Requirement::<pep508_rs::VerbatimUrl>::from_str(line).unwrap();
            let extras: Vec<_> = extras
                .iter()
                .map(|e| pep508_rs::ExtraName::from_str(e).unwrap())
                .collect();
            r.evaluate_markers(&env, &extras)
        };
        assert!(applies(&lines[0], &[]));
        assert!(!applies(&lines[1], &[]));
        assert!(applies(&lines[1], &["socks"]));
        assert!(!applies(&lines[2], &[]));
        assert!(applies("d; python_version >= \"3.8\"", &[]));
        let w = want(
            &Requirement::from_str("Requests[SOCKS] >=2.0, <3").unwrap(),
            DepKind::Normal,
        )
        .unwrap();
        assert_eq!(split_spec(&w.spec).0, vec!["socks".to_string()]);
    }
}
