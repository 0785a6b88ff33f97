//! A Maven build's resolved graphs as the audit's packages, edges and findings.
//!
//! Every module is a root package; every artefact of any module's graph is a package (one per
//! coordinates, classifier and extension), with the smallest scope any module gives it
//! (compile, runtime and system are runtime, provided is build, test is dev). Edges follow the
//! POMs: a module to its own dependencies, an artefact to the artefacts of the result it
//! declares, each with the kind its declaration gives (test → dev, provided → build, optional →
//! optional). An artefact's POM (or the nearest parent that has them) gives its licences.

use super::collect::{Node, Resolution, VersionFrom};
use super::model::{Effective, Models};
use super::source::FetchError;
use super::{PomFile, READER, Reactor, licence_expression};
use crate::diagnostic::{Code, Finding, Severity};
use crate::discover::FoundProject;
use crate::ecosystem::{ProjectGraph, ReadContext};
use crate::model::{
    DeclaredLicence, DepKind, Dependency, Ecosystem, Origin, Package, PackageSource, Scope,
};
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::sync::Arc;

/// Why a project with dependencies is partial when no repository is asked.
pub(super) const TRANSITIVE_OFF: &str = "transitive dependencies are not resolved: registry \
    look-ups are off, and they need the dependencies' POMs from a Maven repository";

/// Why a dependency carries no licence when no POM of it is read.
const NO_LICENCES: &str = "pom.xml does not record its dependencies' licences";

/// Findings, each once (the notes of repeats joined: several modules share a parent).
#[derive(Default)]
struct Findings {
    list: Vec<Finding>,
    seen: HashMap<(Code, String, Option<String>), usize>,
}

impl Findings {
    fn push(&mut self, finding: Finding) {
        let key = (
            finding.code,
            finding.message.clone(),
            finding.location.as_ref().map(|l| l.to_string()),
        );
        match self.seen.get(&key) {
            Some(&at) => {
                let texts = finding.note_texts;
                for note in finding.notes {
                    if !self.list[at].notes.contains(&note) {
                        // A translatable note stays translatable.
                        match texts.iter().find(|(english, _)| *english == note) {
                            Some((_, text)) => self.list[at].push_note(text.clone()),
                            None => self.list[at].notes.push(note),
                        }
                    }
                }
            }
            None => {
                self.seen.insert(key, self.list.len());
                self.list.push(finding);
            }
        }
    }
}

/// How a Maven scope enters the graph: `provided` is its own scope (compiled against, supplied
/// by the runtime environment, not shipped), `test` is the test scope, the rest is runtime.
fn scope_of(scope: &str) -> Scope {
    match scope {
        "provided" => Scope::Provided,
        "test" => Scope::Test,
        _ => Scope::Runtime,
    }
}

fn kind_of(scope: &str, optional: bool) -> DepKind {
    match scope {
        "provided" => DepKind::Build,
        "test" => DepKind::Dev,
        _ if optional => DepKind::Optional,
        _ => DepKind::Normal,
    }
}

/// The purl of an artefact: `pkg:maven/group/artifact@version`, with `classifier` and `type`
/// qualifiers when they are not a plain jar's.
pub(crate) fn artefact_purl(
    name: &str,
    version: &str,
    classifier: &str,
    extension: &str,
) -> String {
    let base = crate::model::purl(Ecosystem::Maven, name, version);
    let mut qualifiers = Vec::new();
    if !classifier.is_empty() {
        qualifiers.push(format!("classifier={}", purl_escape(classifier)));
    }
    if !extension.is_empty() && extension != "jar" {
        qualifiers.push(format!("type={}", purl_escape(extension)));
    }
    if qualifiers.is_empty() {
        base
    } else {
        format!("{base}?{}", qualifiers.join("&"))
    }
}

fn purl_escape(value: &str) -> String {
    value
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "-._~".contains(c) {
                c.to_string()
            } else {
                let mut buf = [0u8; 4];
                c.encode_utf8(&mut buf)
                    .bytes()
                    .map(|b| format!("%{b:02X}"))
                    .collect()
            }
        })
        .collect()
}

/// The URL of an artefact's file next to its POM (`…/a-1.0.pom` → `…/a-1.0-tests.jar`).
fn artefact_url(pom_url: &str, classifier: &str, extension: &str) -> String {
    let stem = pom_url.strip_suffix(".pom").unwrap_or(pom_url);
    if classifier.is_empty() {
        format!("{stem}.{extension}")
    } else {
        format!("{stem}-{classifier}.{extension}")
    }
}

/// The declared licence of a model, with where it was read.
pub(crate) fn declared_licence(model: &Effective) -> Option<DeclaredLicence> {
    let licensing = model.licensing.as_ref()?;
    let raw = licence_expression(&licensing.licenses)?;
    let field = match &licensing.inherited_from {
        Some(parent) => format!("licenses (inherited from {parent})"),
        None => "licenses".to_string(),
    };
    Some(DeclaredLicence {
        raw,
        origin: Origin {
            file: licensing.file.clone(),
            field,
        },
    })
}

struct Builder<'a> {
    findings: Findings,
    packages: Vec<Package>,
    /// The edges of `packages`, each once.
    edges: crate::model::EdgeSet,
    /// (purl) → package index.
    index: HashMap<String, usize>,
    /// Module coordinates → package index.
    modules: HashMap<super::Gav, usize>,
    /// Why the project is partial.
    partial: Vec<String>,
    unreachable: BTreeMap<String, BTreeSet<String>>,
    not_cached: BTreeSet<String>,
    no_repository: bool,
    models: &'a Models<'a>,
}

pub(super) fn project_graph(
    ctx: &ReadContext<'_>,
    found: &FoundProject,
    reactor: &Reactor,
    resolutions: &[Resolution],
    models: &Models<'_>,
) -> ProjectGraph {
    let mut b = Builder {
        findings: Findings::default(),
        packages: Vec::new(),
        edges: crate::model::EdgeSet::default(),
        index: HashMap::new(),
        modules: HashMap::new(),
        partial: Vec::new(),
        unreachable: BTreeMap::new(),
        not_cached: BTreeSet::new(),
        no_repository: false,
        models,
    };
    for finding in &reactor.findings {
        b.findings.push(finding.clone());
    }
    for module in &reactor.modules {
        b.module(module);
    }
    for (module, resolution) in reactor.modules.iter().zip(resolutions) {
        b.resolution(module, resolution);
    }
    b.repositories_named();
    b.aggregate();
    b.report_unreached(ctx, found, reactor);

    let mut graph = ProjectGraph::new(ctx, found, READER);
    let errors: Vec<String> = b
        .findings
        .list
        .iter()
        .filter(|f| f.severity == Severity::Error)
        .map(|f| f.message.clone())
        .collect();
    let off = models.source.is_none() && b.packages.iter().any(|p| !p.root);
    let reasons = errors
        .into_iter()
        .chain(off.then(|| TRANSITIVE_OFF.to_string()))
        .chain(b.partial);
    for reason in reasons {
        graph.partial(reason);
    }
    graph.findings = b.findings.list;
    graph.packages = b.packages;
    graph.set_roots();
    graph
}

impl Builder<'_> {
    /// A module of the build as a root package.
    fn module(&mut self, model: &Arc<Effective>) {
        let pom = &model.lineage[0];
        let display = pom.file.display().to_string();
        if model.artifact.is_empty() {
            self.findings.push(
                Finding::error(
                    Code::InputUnreadable,
                    crate::text!("pom_no_artifact", file = display),
                )
                .at(display.clone(), Some(pom.line)),
            );
            return;
        }
        let name = if model.group.is_empty() {
            self.findings.push(
                Finding::warning(
                    Code::InputUnreadable,
                    crate::text!("pom_no_group", file = display),
                )
                .at(display.clone(), Some(pom.artifact_line)),
            );
            model.artifact.clone()
        } else {
            format!("{}:{}", model.group, model.artifact)
        };
        let dir = pom
            .file
            .tree_path()
            .and_then(|p| p.parent())
            .map(|d| d.to_path_buf())
            .unwrap_or_default();
        let mut package = Package::new(
            Ecosystem::Maven,
            &name,
            &model.version.value,
            PackageSource::Path {
                path: self.models.tree.display(&dir),
            },
        );
        package.root = true;
        package.dir = Some(dir);
        package.locked = model.version.resolved() && !model.version.value.is_empty();
        if !model.version.resolved() {
            let line = pom
                .version_line
                .or(pom.parent.as_ref().map(|p| p.line))
                .unwrap_or(pom.line);
            let why: Vec<String> = model
                .version
                .problems
                .iter()
                .map(|p| p.describe(&model.scope_text))
                .collect();
            self.findings.push(
                Finding::warning(
                    Code::VersionUnresolved,
                    crate::text!(
                        "project_version_unresolved",
                        name = name,
                        version = model.version.value,
                        why = why.join("; ")
                    ),
                )
                .at(display.clone(), Some(line))
                .package(package.purl.clone()),
            );
        }
        if let Some(declared) = declared_licence(model) {
            package.declared.push(declared);
        }
        let index = self.packages.len();
        self.index.insert(package.purl.clone(), index);
        self.modules.insert(model.gav(), index);
        self.packages.push(package);
    }

    /// The problems of a model: at the POM's line for the project's own (with `notes` on the
    /// parents and BOMs that could not be read), else about `purl`.
    fn model_findings(
        &mut self,
        model: &Effective,
        purl: Option<&str>,
        notes: &[crate::diagnostic::Text],
    ) {
        for problem in &model.problems {
            // Without repositories (look-ups off) a parent or BOM from a repository is known
            // to be out of reach: a warning, and the project is partial. With them, the build
            // itself cannot be built as it is: an error.
            // A cycle is wrong input whatever the repositories (of parents an error, of BOM
            // imports a warning: Maven cuts those too).
            let (code, severity) = if problem.cycle {
                let bom = problem.subject.starts_with("the BOM");
                (
                    Code::InputUnreadable,
                    if bom {
                        Severity::Warning
                    } else {
                        Severity::Error
                    },
                )
            } else if problem.error && self.models.source.is_some() {
                (Code::PomUnavailable, Severity::Error)
            } else if problem.error {
                (Code::PomUnavailable, Severity::Warning)
            } else {
                (Code::VersionUnresolved, Severity::Warning)
            };
            let mut finding = match purl {
                None => Finding::new(code, severity, problem.text.clone()),
                Some(purl) => Finding::warning(
                    Code::PomUnavailable,
                    crate::text!("pom_problem", gav = model.gav())
                        .sub("problem", problem.text.clone()),
                )
                .package(purl.to_string()),
            };
            if model.file.tree_path().is_some() || purl.is_none() {
                finding = finding.at(problem.at.clone(), problem.line);
            }
            if purl.is_none() && problem.error && !problem.cycle {
                self.partial.push(problem.message());
                for note in notes {
                    finding = finding.note(note.clone());
                }
            }
            if purl.is_some() {
                self.partial.push(format!(
                    "the POM of {} is incomplete: {}",
                    model.gav(),
                    problem.message()
                ));
            }
            self.findings.push(finding);
        }
        if purl.is_none() {
            for undecided in &model.undecided {
                if !undecided.at.contains("://") {
                    self.findings.push(
                        Finding::warning(
                            Code::ProfileUndecided,
                            crate::text!(
                                "profile_undecided",
                                id = undecided.id,
                                at = undecided.at,
                                why = undecided.why
                            ),
                        )
                        .at(undecided.at.clone(), Some(undecided.line)),
                    );
                }
            }
        }
    }

    /// One module's graph.
    fn resolution(&mut self, module: &Arc<Effective>, resolution: &Resolution) {
        let Some(&from) = self.modules.get(&module.gav()) else {
            return;
        };
        // What a parent or BOM that could not be read leaves open is said once, on it: the
        // dependencies declared without a version that nothing read manages.
        let incomplete = module.problems.iter().any(|p| p.error && !p.cycle);
        let direct = || {
            resolution
                .nodes
                .iter()
                .filter(|n| incomplete && n.depth == 1)
        };
        let versionless: BTreeSet<String> = direct()
            .filter(|n| n.version.is_empty())
            .map(|n| format!("{}:{}", n.group, n.artifact))
            .collect();
        // A version from a BOM of the tree yields to a parent (or an earlier BOM) that could not
        // be read, where that manages the dependency too.
        let yields = |n: &Node| {
            n.managed_by_bom.as_ref().is_some_and(|(_, at)| {
                module
                    .problems
                    .iter()
                    .any(|p| p.error && !p.cycle && p.import.is_none_or(|k| k < *at))
            })
        };
        let overridable: BTreeSet<String> = direct()
            .filter(|n| yields(n) && !n.version.is_empty())
            .map(|n| format!("{}:{} {}", n.group, n.artifact, n.version))
            .collect();
        let mut notes: Vec<crate::diagnostic::Text> = Vec::new();
        if !overridable.is_empty() {
            notes.push(
                crate::diagnostic::Text::new("maven_overridable")
                    .count("n", overridable.len())
                    .sub("list", listing(&overridable)),
            );
        }
        if !versionless.is_empty() {
            notes.push(
                crate::diagnostic::Text::new("maven_versionless")
                    .count("n", versionless.len())
                    .sub("list", listing(&versionless)),
            );
        }
        self.model_findings(module, None, &notes);
        let mut at: Vec<Option<usize>> = Vec::with_capacity(resolution.nodes.len());
        for node in &resolution.nodes {
            let index = self.node(module, node, resolution);
            if let Some(i) = index
                && incomplete
                && node.depth == 1
                && yields(node)
            {
                self.packages[i].locked = false;
            }
            at.push(index);
        }
        for (i, node) in resolution.nodes.iter().enumerate() {
            let Some(this) = at[i] else { continue };
            if node.parent.is_none() && this != from {
                let edge = Dependency {
                    package: this,
                    kind: kind_of(&node.scope, node.optional),
                };
                self.edges.add(&mut self.packages, from, edge);
            }
            for (to, scope, optional) in &node.edges {
                let Some(target) = at[*to] else { continue };
                if target == this {
                    continue;
                }
                let edge = Dependency {
                    package: target,
                    kind: kind_of(scope, *optional),
                };
                self.edges.add(&mut self.packages, this, edge);
            }
        }
    }

    /// The package of a node (a module of the build for reactor dependencies).
    fn node(&mut self, module: &Effective, node: &Node, resolution: &Resolution) -> Option<usize> {
        if node.reactor
            && let Some(&index) = self.modules.get(&node.gav())
        {
            return Some(index);
        }
        let name = format!("{}:{}", node.group, node.artifact);
        if node.group.is_empty() || node.artifact.is_empty() {
            self.findings.push(
                Finding::warning(
                    Code::InputUnreadable,
                    crate::text!(
                        "dependency_without_coordinates",
                        file = node.declared_in,
                        line = node.line
                    ),
                )
                .at(node.declared_in.clone(), Some(node.line)),
            );
            return None;
        }
        let purl = artefact_purl(&name, &node.version, &node.classifier, &node.extension);
        let scope = scope_of(&node.scope);
        let locked =
            matches!(node.version_from, VersionFrom::Exact) && !node.version.contains("SNAPSHOT");
        if let Some(&index) = self.index.get(&purl) {
            let existing = &mut self.packages[index];
            existing.scope = existing.scope.min(scope);
            existing.optional &= node.optional;
            existing.locked &= locked;
            return Some(index);
        }
        let url = match &node.model {
            Some(Ok(model)) => match &model.file {
                PomFile::Repository { url } => {
                    Some(artefact_url(url, &node.classifier, &node.extension))
                }
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
        package.purl = purl.clone();
        package.scope = scope;
        package.optional = node.optional;
        package.locked = locked;
        if matches!(node.version_from, VersionFrom::Selected { .. }) {
            package.resolution = Some(crate::model::Resolution::ResolvedFromDeclarations);
        }
        self.version_findings(module, node, &purl, resolution);
        match &node.model {
            Some(Ok(model)) => {
                match declared_licence(model) {
                    Some(declared) => package.declared.push(declared),
                    None => {
                        package.licence_unavailable =
                            Some("its POM and parent POMs declare no licence".to_string())
                    }
                }
                if model.file.tree_path().is_none() {
                    self.model_findings(model, Some(&purl), &[]);
                }
            }
            Some(Err(FetchError::Off)) => {
                package.licence_unavailable = Some(NO_LICENCES.to_string());
            }
            Some(Err(err)) => {
                package.licence_unavailable =
                    Some(format!("its POM could not be read: {}", err.cause()));
                self.fetch_failed(node, &purl, err, resolution);
            }
            None if self.models.source.is_none() => {
                package.licence_unavailable = Some(NO_LICENCES.to_string());
            }
            None => {
                package.licence_unavailable = Some(if node.scope == "system" {
                    "a system dependency: a file on the build machine, with no POM".to_string()
                } else {
                    "its version is not resolved, so its POM was not read".to_string()
                });
            }
        }
        if let Some(from) = &node.relocated_from {
            self.findings.push(
                Finding::note_finding(
                    Code::ResolvedFromDeclarations,
                    crate::text!("relocated", from = from, to = node.gav()),
                )
                .package(purl.clone()),
            );
        }
        if node.scope == "system" {
            self.findings.push(
                Finding::warning(
                    Code::DependencyUnresolved,
                    crate::text!(
                        "system_scope",
                        name = name,
                        file = node.declared_in,
                        line = node.line,
                        path = node
                            .system_path
                            .as_deref()
                            .map(|p| format!(" ({p})"))
                            .unwrap_or_default()
                    ),
                )
                .at(node.declared_in.clone(), Some(node.line))
                .package(purl.clone()),
            );
        }
        let index = self.packages.len();
        self.index.insert(purl, index);
        self.packages.push(package);
        Some(index)
    }

    /// What a node's version needed: findings for unresolved versions and ranges.
    fn version_findings(
        &mut self,
        module: &Effective,
        node: &Node,
        purl: &str,
        resolution: &Resolution,
    ) {
        let shown = match &node.profile {
            Some(profile) => format!("{}:{} (profile `{profile}`)", node.group, node.artifact),
            None => format!("{}:{}", node.group, node.artifact),
        };
        let (file, line) = node.version_at.clone();
        let via = self.path(node, resolution);
        match &node.version_from {
            VersionFrom::Exact => {}
            VersionFrom::Selected { requested } => self.findings.push(
                Finding::note_finding(
                    Code::ResolvedFromDeclarations,
                    crate::text!(
                        "maven_version_selected",
                        shown = shown,
                        via = via,
                        requested = requested,
                        version = node.version
                    ),
                )
                .at(file, Some(line))
                .package(purl.to_string()),
            ),
            VersionFrom::Unresolved { .. }
                if node.depth == 1
                    && node.version.is_empty()
                    && module.problems.iter().any(|p| p.error) =>
            {
                // Named on the parent or BOM that could not be read.
                self.partial
                    .push(format!("the version of {shown} cannot be resolved"));
            }
            VersionFrom::Unresolved { reason } => {
                let location_known = node.depth == 1 || !file.contains("://");
                let mut finding = Finding::warning(
                    Code::VersionUnresolved,
                    crate::text!(
                        "maven_version_unresolved",
                        shown = shown,
                        via = via,
                        version = node.version,
                        why = reason.replace("the POMs", &module.scope_text)
                    ),
                )
                .package(purl.to_string());
                if location_known {
                    finding = finding.at(file, Some(line));
                }
                if node.depth == 1 && reason.contains("is not defined") {
                    for problem in module.problems.iter().filter(|p| p.error) {
                        finding = finding.note(crate::text!(
                            "note_could_not_be_read_may_define",
                            subject = problem.subject
                        ));
                    }
                }
                self.findings.push(finding);
                self.partial
                    .push(format!("the version of {shown} cannot be resolved"));
            }
        }
    }

    /// ` (through a → b)` for a transitive node.
    fn path(&self, node: &Node, resolution: &Resolution) -> String {
        let mut names = Vec::new();
        let mut current = node.parent;
        while let Some(p) = current {
            let n = &resolution.nodes[p];
            names.push(format!("{}:{}:{}", n.group, n.artifact, n.version));
            current = n.parent;
            if names.len() > 16 {
                break;
            }
        }
        if names.is_empty() {
            String::new()
        } else {
            names.reverse();
            format!(" (through {})", names.join(" → "))
        }
    }

    fn fetch_failed(&mut self, node: &Node, purl: &str, err: &FetchError, resolution: &Resolution) {
        let gav = node.gav();
        match err {
            FetchError::Unreachable { host, .. } => {
                self.unreachable
                    .entry(host.clone())
                    .or_default()
                    .insert(gav.to_string());
            }
            FetchError::NotCached { .. } => {
                self.not_cached.insert(gav.to_string());
            }
            FetchError::NoRepository => self.no_repository = true,
            FetchError::Off => {}
            other => {
                let via = self.path(node, resolution);
                self.findings.push(
                    Finding::warning(
                        Code::PomUnavailable,
                        crate::text!("pom_unreadable", what = format!("{gav}{via}"))
                            .sub("error", other.text()),
                    )
                    .package(purl.to_string()),
                );
                self.partial
                    .push(format!("the POM of {gav} could not be read"));
            }
        }
    }

    /// One finding per host that cannot be reached, one for what the cache lacks offline, one
    /// when no repository is known at all.
    fn aggregate(&mut self) {
        let unreachable = std::mem::take(&mut self.unreachable);
        for (host, poms) in unreachable {
            self.findings.push(
                Finding::warning(
                    Code::RegistryLookupFailed,
                    crate::text!("poms_unreachable", host = host, n = poms.len()),
                )
                .note(listing(&poms)),
            );
            self.partial
                .push(format!("{host} cannot be reached for POMs"));
        }
        if !self.not_cached.is_empty() {
            let poms = std::mem::take(&mut self.not_cached);
            self.findings.push(
                Finding::warning(
                    Code::RegistryOfflineUncached,
                    crate::text!("poms_not_cached", n = poms.len()),
                )
                .note(listing(&poms))
                .note(crate::diagnostic::Text::new("registry_fill_cache")),
            );
            self.partial
                .push("offline, and POMs are missing from the cache".to_string());
        }
        // The registry stage names the missing configuration once for the ecosystem (R002).
        if self.models.source.is_some() && self.no_repository {
            self.partial.push(
                "no Maven repository is configured, and the build declares none: the POMs of \
                 its dependencies, parents and BOMs cannot be read"
                    .to_string(),
            );
        }
    }

    /// R005: each repository the tree (or a parent it pulls in) declares, once.
    fn repositories_named(&mut self) {
        if self.models.source.is_none() {
            return;
        }
        let repos = self
            .models
            .repos
            .lock()
            .map(|r| r.clone())
            .unwrap_or_default();
        for repo in repos.iter().filter(|r| r.from_tree) {
            let Some(url) = &repo.url else { continue };
            let (file, line) = match repo.declared_in.rsplit_once(':') {
                Some((f, l)) if l.parse::<usize>().is_ok() => (f.to_string(), l.parse().ok()),
                _ => (repo.declared_in.clone(), None),
            };
            let mut finding = Finding::note_finding(
                Code::RegistryFromTree,
                crate::text!(
                    "maven_repository_declared",
                    url = format!("{url} (`{}`)", repo.id),
                    at = repo.declared_in
                ),
            );
            if !file.contains("://") {
                finding = finding.at(file, line);
            }
            self.findings.push(finding);
        }
    }

    /// POMs below the project that are neither modules nor parents or BOMs of the build are
    /// not part of it; they are named, except those in Maven source trees (`src/`: test
    /// resources, archetype templates).
    fn report_unreached(&mut self, ctx: &ReadContext<'_>, found: &FoundProject, reactor: &Reactor) {
        let mut reached: HashSet<std::path::PathBuf> = reactor.listed.iter().cloned().collect();
        for module in &reactor.modules {
            for pom in &module.lineage {
                if let Some(path) = pom.file.tree_path() {
                    reached.insert(path.clone());
                }
            }
        }
        let inactive: HashMap<&std::path::PathBuf, &String> = reactor
            .inactive_modules
            .iter()
            .map(|(p, id)| (p, id))
            .collect();
        let mut unreached = Vec::new();
        let mut in_profiles = Vec::new();
        for path in found.files.iter().map(|p| super::normalise(p)) {
            if reached.contains(&path)
                || path
                    .strip_prefix(&found.dir)
                    .unwrap_or(&path)
                    .components()
                    .any(|c| c.as_os_str() == "src")
            {
                continue;
            }
            match inactive.get(&path) {
                Some(profile) => {
                    in_profiles.push(format!("{} (profile `{profile}`)", ctx.display(&path)))
                }
                None => unreached.push(ctx.display(&path)),
            }
        }
        let manifest = ctx.display(&found.manifest);
        if !in_profiles.is_empty() {
            self.findings.push(
                Finding::warning(
                    Code::InputUnreadable,
                    crate::text!(
                        "modules_in_profiles",
                        n = in_profiles.len(),
                        manifest = manifest
                    )
                    .sub("list", listing(&in_profiles.into_iter().collect())),
                )
                .at(manifest.clone(), None),
            );
        }
        if unreached.is_empty() {
            return;
        }
        let count = unreached.len();
        let message = crate::text!("poms_not_modules", n = count, manifest = manifest)
            .sub("list", listing(&unreached.into_iter().collect()));
        self.findings.push(
            Finding::warning(Code::InputUnreadable, message)
                .at(manifest, None)
                .note(crate::diagnostic::Text::new("poms_list_modules")),
        );
    }
}

/// The first ten of a list, and how many more.
/// The first ten items and how many more (translatable).
pub(crate) fn listing(items: &BTreeSet<String>) -> crate::diagnostic::Text {
    let items: Vec<String> = items.iter().cloned().collect();
    crate::registry::listing(&items)
}
