//! A POM's effective model, built as Maven 3 builds it, for the project's own POMs and for the
//! POMs of its dependencies alike:
//!
//! 1. **lineage**: the POM and its parents. A POM of the audited tree finds its parent at
//!    `<relativePath>` (default `../pom.xml`; an empty one means "only in a repository"), else
//!    among the tree's POMs by coordinates, else in the repositories; a POM from a repository
//!    finds its parent in the repositories. A cycle is cut and reported.
//! 2. **profiles**: each POM's active profiles ([`super::profiles`]) are merged into it, the
//!    profile's entries replacing the POM's own of the same key.
//! 3. **inheritance**: properties (the child wins), dependencies and dependencyManagement
//!    (keyed by groupId:artifactId:type:classifier; the child's first, then the parent's that
//!    the child does not have), repositories (by id), licences (the child's, else the nearest
//!    parent's). Within one POM, a dependency declared twice counts once, as last declared.
//! 4. **interpolation** of everything read ([`super::interpolate`]), in the child's context.
//! 5. **imports**: each `<scope>import</scope>` BOM (type `pom`) of the dependencyManagement, in
//!    order, adds the entries the model does not manage yet (so the model's own and inherited
//!    entries win, and an earlier import wins over a later one). A cycle of imports is cut and
//!    reported.
//! 6. **management**: a dependency without version, scope, systemPath or exclusions takes them
//!    from the managed entry of the same key.

use super::interpolate::{Interpolated, Problem, ProjectValues, Properties};
use super::pom::{DepDecl, ExclusionDecl, License, Pom, PomFile, Section};
use super::profiles::{Platform, active_profiles};
use super::source::{DeclaredRepo, FetchError, Gav, PomSource};
use super::tree::{TreePoms, own_coordinates, pom_at, raw_coordinates};
use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::sync::{Arc, Mutex, OnceLock};

/// The most parents a lineage may have.
const MAX_LINEAGE: usize = 32;

/// A dependency of an effective model, interpolated and managed.
#[derive(Debug, Clone)]
pub(crate) struct Dep {
    pub(crate) group: String,
    pub(crate) artifact: String,
    /// `<type>` (`jar` when not given).
    pub(crate) kind: String,
    pub(crate) classifier: String,
    /// The version as interpolated; empty when neither declared nor managed.
    pub(crate) version: String,
    pub(crate) version_problems: Vec<Problem>,
    /// `compile`, `runtime`, `provided`, `test`, `system`, `import`, or empty (compile).
    pub(crate) scope: String,
    pub(crate) optional: bool,
    pub(crate) exclusions: Vec<ExclusionDecl>,
    pub(crate) system_path: Option<String>,
    /// Where it is declared: the POM (as messages name it) and line.
    pub(crate) declared_in: String,
    pub(crate) line: usize,
    /// The line of its `<version>` (else of the declaration).
    pub(crate) version_line: usize,
    /// Where its version comes from when it is managed.
    pub(crate) managed_at: Option<ManagedAt>,
    pub(crate) profile: Option<String>,
}

/// Where a managed version is written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ManagedAt {
    /// The POM (as messages name it) and line of the managed entry.
    pub(crate) file: String,
    pub(crate) line: usize,
    /// The BOM it was imported from (coordinates), and the place of that import among the
    /// model's imports.
    pub(crate) bom: Option<(String, usize)>,
}

impl Dep {
    /// Where this entry manages a version, as a dependency taking it records it.
    pub(crate) fn as_managed_at(&self) -> ManagedAt {
        self.managed_at.clone().unwrap_or_else(|| ManagedAt {
            file: self.declared_in.clone(),
            line: self.version_line,
            bom: None,
        })
    }
}

/// groupId:artifactId:type:classifier, the key of management and inheritance.
pub(crate) type DepKey = (String, String, String, String);

impl Dep {
    pub(crate) fn key(&self) -> DepKey {
        (
            self.group.clone(),
            self.artifact.clone(),
            self.kind.clone(),
            self.classifier.clone(),
        )
    }
}

/// Something that keeps a model from being what Maven would build.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct ModelProblem {
    /// What is wrong, translatable ([`ModelProblem::message`] is its English).
    pub(crate) text: crate::diagnostic::Text,
    /// What it is about ("the parent POM g:a:v", "the BOM g:a:v").
    pub(crate) subject: String,
    /// The POM (as messages name it) and line it concerns.
    pub(crate) at: String,
    pub(crate) line: Option<usize>,
    /// Part of the model is missing (a parent or BOM could not be read, a cycle was cut).
    pub(crate) error: bool,
    /// A cycle of parents or imports: the input itself is wrong, whatever the repositories.
    pub(crate) cycle: bool,
    /// The place among the model's imports of the BOM it concerns (`None`: the lineage). What
    /// a missing parent manages wins over every import; what a missing BOM manages, over the
    /// imports after it.
    pub(crate) import: Option<usize>,
}

impl ModelProblem {
    /// What is wrong, in English.
    pub(crate) fn message(&self) -> String {
        self.text.english()
    }
}

/// A profile whose activation could not be decided (taken as inactive).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct UndecidedProfile {
    pub(crate) id: String,
    pub(crate) at: String,
    pub(crate) line: usize,
    pub(crate) why: String,
}

/// The licences a model declares: the POM's own, else its nearest parent's.
#[derive(Debug, Clone)]
pub(crate) struct Licensing {
    pub(crate) licenses: Vec<License>,
    /// The POM that declares them (as messages name it).
    pub(crate) file: String,
    /// The coordinates of that POM, when it is not the model's own.
    pub(crate) inherited_from: Option<Gav>,
}

/// A POM's effective model.
#[derive(Debug, Clone)]
pub(crate) struct Effective {
    pub(crate) file: PomFile,
    pub(crate) group: String,
    pub(crate) artifact: String,
    pub(crate) version: Interpolated,
    pub(crate) packaging: String,
    pub(crate) dependencies: Vec<Dep>,
    /// The model's own and inherited dependencyManagement, first entry per key.
    own_management: Vec<Dep>,
    /// The BOMs imported, in order: their models, the place of the import, their coordinates.
    imported: Vec<(Arc<Effective>, usize, String)>,
    /// [`Effective::management`], merged on first use: most models (transitive artefacts) are
    /// never asked, and copying a large BOM into each of them dominated warm runs.
    merged_management: OnceLock<Vec<Dep>>,
    /// Key → index into [`Effective::management`], built on first look-up.
    management_index: OnceLock<HashMap<DepKey, usize>>,
    pub(crate) repositories: Vec<DeclaredRepo>,
    pub(crate) licensing: Option<Licensing>,
    pub(crate) relocation: Option<Gav>,
    pub(crate) problems: Vec<ModelProblem>,
    pub(crate) undecided: Vec<UndecidedProfile>,
    /// The POMs of the lineage (the POM first).
    pub(crate) lineage: Vec<Arc<Pom>>,
    /// Where properties were looked up, for messages ("pom.xml or its parent POMs").
    pub(crate) scope_text: String,
}

impl Effective {
    /// The dependencyManagement in force, imports included (in order), first entry per key.
    pub(crate) fn management(&self) -> &[Dep] {
        self.merged_management.get_or_init(|| {
            let mut seen: HashSet<DepKey> = HashSet::new();
            let mut out: Vec<Dep> = Vec::new();
            for entry in &self.own_management {
                if seen.insert(entry.key()) {
                    out.push(entry.clone());
                }
            }
            for (bom, index, coordinates) in &self.imported {
                for entry in bom.management() {
                    if seen.insert(entry.key()) {
                        out.push(imported_entry(entry, coordinates, *index));
                    }
                }
            }
            out
        })
    }

    /// The managed entry for `key`, as [`Effective::management`] holds it.
    pub(crate) fn managed(&self, key: &DepKey) -> Option<&Dep> {
        let index = self.management_index.get_or_init(|| {
            let mut index = HashMap::new();
            for (i, entry) in self.management().iter().enumerate() {
                index.entry(entry.key()).or_insert(i);
            }
            index
        });
        index.get(key).map(|&i| &self.management()[i])
    }

    /// The model's coordinates.
    pub(crate) fn gav(&self) -> Gav {
        Gav::new(&self.group, &self.artifact, &self.version.value)
    }
}

/// A BOM's entry as the importing model manages it: with the BOM and the place of its import.
fn imported_entry(entry: &Dep, coordinates: &str, index: usize) -> Dep {
    let mut entry = entry.clone();
    let mut at = entry.as_managed_at();
    at.bom = Some((coordinates.to_string(), index));
    entry.managed_at = Some(at);
    entry
}

/// Builds effective models, caching those of repository POMs by coordinates.
pub(crate) struct Models<'a> {
    pub(crate) source: Option<&'a dyn PomSource>,
    pub(crate) platform: &'a Platform,
    pub(crate) tree: &'a TreePoms<'a>,
    /// The repositories to fetch parents and BOMs from, besides the configured ones.
    pub(crate) repos: Mutex<Vec<DeclaredRepo>>,
    remote: Mutex<HashMap<Gav, Result<Arc<Effective>, FetchError>>>,
    /// Threads that fetch POMs: waiting on the network, not computing, so more than cores.
    fetchers: Option<rayon::ThreadPool>,
    /// Maven's super POM adds the central repository after those a build declares; Gradle
    /// asks only the declared ones (`mavenCentral()` is one).
    pub(crate) implicit_central: bool,
}

/// POMs fetched at once.
const FETCHERS: usize = 16;

impl std::fmt::Debug for Models<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Models").finish_non_exhaustive()
    }
}

/// A parent as found.
enum Found {
    Pom(Arc<Pom>),
    /// Why, each reason translatable.
    Missing(Vec<crate::diagnostic::Text>),
}

impl<'a> Models<'a> {
    pub(crate) fn new(
        source: Option<&'a dyn PomSource>,
        platform: &'a Platform,
        tree: &'a TreePoms<'a>,
    ) -> Self {
        Models {
            source,
            platform,
            tree,
            repos: Mutex::new(Vec::new()),
            remote: Mutex::new(HashMap::new()),
            fetchers: source.and_then(|_| {
                rayon::ThreadPoolBuilder::new()
                    .num_threads(FETCHERS)
                    .thread_name(|i| format!("pom-fetch-{i}"))
                    .build()
                    .ok()
            }),
            implicit_central: true,
        }
    }

    /// Runs `work` (which fetches in parallel with rayon) on the fetching threads.
    pub(crate) fn fetching<R: Send>(&self, work: impl FnOnce() -> R + Send) -> R {
        match &self.fetchers {
            Some(pool) => pool.install(work),
            None => work(),
        }
    }

    /// The repositories asked, besides those of the user's configuration.
    pub(crate) fn repos(&self) -> Vec<DeclaredRepo> {
        let mut repos = self.repos.lock().map(|r| r.clone()).unwrap_or_default();
        if self.implicit_central && !repos.iter().any(|r| r.id == "central") {
            repos.push(DeclaredRepo::central("the super POM"));
        }
        repos
    }

    /// The effective model of a POM of the audited tree.
    pub(crate) fn of_tree(&self, pom: Arc<Pom>) -> Effective {
        self.build(pom, &mut Vec::new())
    }

    /// The effective model of `gav` from the repositories (cached).
    pub(crate) fn of_repository(&self, gav: &Gav) -> Result<Arc<Effective>, FetchError> {
        self.remote_model(gav, &mut Vec::new())
    }

    /// The effective model of a repository POM whose properties `overrides` sets, whatever its
    /// lineage says (Spring's dependency-management plugin lets a build override a BOM's
    /// properties: `ext['netty.version'] = '...'`). Not cached: a build asks it once per BOM.
    pub(crate) fn of_repository_with(
        &self,
        gav: &Gav,
        overrides: &HashMap<String, String>,
    ) -> Result<Arc<Effective>, FetchError> {
        if overrides.is_empty() {
            return self.of_repository(gav);
        }
        let pom = self.fetch(gav)?;
        Ok(Arc::new(self.build_with(pom, &mut Vec::new(), overrides)))
    }

    fn remote_model(&self, gav: &Gav, stack: &mut Vec<Gav>) -> Result<Arc<Effective>, FetchError> {
        if let Some(done) = self.remote.lock().ok().and_then(|m| m.get(gav).cloned()) {
            return done;
        }
        let result = self.fetch(gav).map(|pom| Arc::new(self.build(pom, stack)));
        if let Ok(mut cache) = self.remote.lock() {
            cache.entry(gav.clone()).or_insert_with(|| result.clone());
        }
        result
    }

    fn fetch(&self, gav: &Gav) -> Result<Arc<Pom>, FetchError> {
        let Some(source) = self.source else {
            return Err(FetchError::Off);
        };
        if !gav.is_plain() {
            return Err(FetchError::Invalid {
                message: format!("`{gav}` is not a coordinate a repository can have"),
            });
        }
        source.pom(&self.repos(), gav)
    }

    /// The parent of `child`.
    fn parent_of(&self, child: &Pom) -> Option<Found> {
        let parent = child.parent.as_ref()?;
        let wanted = (
            parent.group_id.clone().unwrap_or_default(),
            parent.artifact_id.clone().unwrap_or_default(),
            parent.version.clone().unwrap_or_default(),
        );
        let mut why = Vec::new();
        if let Some(path) = child.file.tree_path() {
            let relative = parent.relative_path.as_deref().unwrap_or("../pom.xml");
            if relative.is_empty() {
                why.push(crate::diagnostic::Text::new("parent_relative_path_empty"));
            } else {
                let dir = path.parent().unwrap_or(Path::new("."));
                let candidate = pom_at(dir, relative);
                let shown = self.tree.display(&candidate);
                match self.tree.input.resolve(&candidate) {
                    Err(r) if r.is_missing() => {
                        why.push(crate::text!("parent_candidate_missing", file = shown))
                    }
                    Err(r) if r.is_outside() => {
                        why.push(crate::text!("parent_candidate_outside", file = shown))
                    }
                    _ => match self.tree.load(&candidate) {
                        Ok(pom)
                            if own_coordinates(&pom) == wanted
                                || raw_coordinates(&pom) == wanted =>
                        {
                            return Some(Found::Pom(pom));
                        }
                        Ok(pom) => {
                            let (g, a, v) = own_coordinates(&pom);
                            why.push(crate::text!(
                                "parent_candidate_is",
                                file = shown,
                                gav = format!("{g}:{a}:{v}")
                            ));
                        }
                        Err(finding) => why.push(
                            crate::text!("parent_candidate_unreadable", file = shown).sub(
                                "error",
                                finding.text.clone().unwrap_or_else(|| {
                                    crate::diagnostic::Text::verbatim(&finding.message)
                                }),
                            ),
                        ),
                    },
                }
            }
            if let Some(pom) = self
                .tree
                .by_coordinates(&wanted)
                .into_iter()
                .find(|p| p.file != child.file)
            {
                return Some(Found::Pom(pom));
            }
            why.push(crate::diagnostic::Text::new("parent_not_in_tree"));
        }
        let gav = Gav::new(&wanted.0, &wanted.1, &wanted.2);
        if gav.version.contains("${") {
            why.push(crate::text!(
                "parent_version_property",
                version = gav.version
            ));
            return Some(Found::Missing(why));
        }
        match self.fetch(&gav) {
            Ok(pom) => Some(Found::Pom(pom)),
            Err(err) => {
                why.push(
                    crate::diagnostic::Text::new("parent_not_in_repositories")
                        .sub("error", err.text()),
                );
                Some(Found::Missing(why))
            }
        }
    }

    /// Builds the effective model of `pom`; `stack` holds the models being built around it
    /// (through imports), to cut cycles.
    fn build(&self, pom: Arc<Pom>, stack: &mut Vec<Gav>) -> Effective {
        self.build_with(pom, stack, &HashMap::new())
    }

    fn build_with(
        &self,
        pom: Arc<Pom>,
        stack: &mut Vec<Gav>,
        overrides: &HashMap<String, String>,
    ) -> Effective {
        let mut problems: Vec<ModelProblem> = Vec::new();
        let mut undecided = Vec::new();

        // 1. The lineage.
        let mut lineage: Vec<Arc<Pom>> = vec![pom.clone()];
        while let Some(current) = lineage.last().cloned() {
            let Some(found) = self.parent_of(&current) else {
                break;
            };
            let parent_ref = current.parent.as_ref().expect("a parent was looked up");
            match found {
                Found::Pom(parent) => {
                    if lineage.iter().any(|p| p.file == parent.file) || lineage.len() >= MAX_LINEAGE
                    {
                        let mut names: Vec<&str> =
                            lineage.iter().map(|p| p.file.display()).collect();
                        names.push(parent.file.display());
                        problems.push(ModelProblem {
                            subject: format!("the parent POM {}", parent_ref.coordinates()),
                            text: crate::text!(
                                "pom_parent_cycle",
                                pom = pom.file.display(),
                                max = MAX_LINEAGE,
                                chain = names.join(" → "),
                                cut = current.file.display()
                            ),
                            at: current.file.display().to_string(),
                            line: Some(parent_ref.line),
                            error: true,
                            cycle: true,
                            import: None,
                        });
                        break;
                    }
                    lineage.push(parent);
                }
                Found::Missing(why) => {
                    problems.push(ModelProblem {
                        subject: format!("the parent POM {}", parent_ref.coordinates()),
                        text: crate::text!(
                            "pom_parent_missing",
                            parent = parent_ref.coordinates(),
                            file = current.file.display(),
                            line = parent_ref.line
                        )
                        .list("why", why, "; "),
                        at: current.file.display().to_string(),
                        line: Some(parent_ref.line),
                        error: true,
                        cycle: false,
                        import: None,
                    });
                    break;
                }
            }
        }

        // 2. Active profiles, per POM.
        let mut active: Vec<Vec<usize>> = Vec::with_capacity(lineage.len());
        for member in &lineage {
            let dir = member
                .file
                .tree_path()
                .and_then(|p| p.parent())
                .map(Path::to_path_buf);
            let check = |path: &str| -> Option<bool> {
                let dir = dir.as_ref()?;
                let path = path
                    .replace("${basedir}", &dir.to_string_lossy())
                    .replace("${project.basedir}", &dir.to_string_lossy());
                if path.contains("${") {
                    return None;
                }
                self.tree.exists(&dir.join(path))
            };
            let files: super::profiles::FileCheck<'_> =
                if dir.is_some() { Some(&check) } else { None };
            let (ids, not_decided) = active_profiles(member, self.platform, files);
            for (i, why) in not_decided {
                undecided.push(UndecidedProfile {
                    id: member.profiles[i].id.clone(),
                    at: member.file.display().to_string(),
                    line: member.profiles[i].line,
                    why,
                });
            }
            active.push(ids);
        }

        // 3. Inheritance: child first.
        let mut properties: HashMap<String, String> = HashMap::new();
        for (member, ids) in lineage.iter().zip(&active).rev() {
            for section in member.sections(ids) {
                for (name, value) in &section.properties {
                    properties.insert(name.clone(), value.clone());
                }
            }
        }
        properties.extend(overrides.iter().map(|(k, v)| (k.clone(), v.clone())));
        let mut dependencies: Vec<(DepDecl, &str)> = Vec::new();
        let mut management: Vec<(DepDecl, &str)> = Vec::new();
        let mut repositories: Vec<(String, super::pom::RepoDecl, bool)> = Vec::new();
        let mut seen_deps: HashSet<(String, String, String, String)> = HashSet::new();
        let mut seen_managed: HashSet<(String, String, String, String)> = HashSet::new();
        for (member, ids) in lineage.iter().zip(&active) {
            let own_deps = merged(member.sections(ids).map(|s: &Section| &s.dependencies));
            for dep in own_deps {
                if seen_deps.insert(dep.raw_key()) {
                    dependencies.push((dep, member.file.display()));
                }
            }
            let own_managed = merged(member.sections(ids).map(|s: &Section| &s.management));
            for dep in own_managed {
                if seen_managed.insert(dep.raw_key()) {
                    management.push((dep, member.file.display()));
                }
            }
            for section in member.sections(ids) {
                for repo in &section.repositories {
                    if !repositories.iter().any(|(_, r, _)| r.id == repo.id) {
                        let tree = member.file.tree_path().is_some();
                        repositories.push((member.file.display().to_string(), repo.clone(), tree));
                    }
                }
            }
        }
        let licensing = lineage
            .iter()
            .enumerate()
            .find(|(_, p)| !p.licenses.is_empty())
            .map(|(i, p)| Licensing {
                licenses: p.licenses.clone(),
                file: p.file.display().to_string(),
                inherited_from: (i > 0).then(|| {
                    let (g, a, v) = raw_coordinates(p);
                    Gav::new(&g, &a, &v)
                }),
            });

        // 4. Interpolation.
        let parent = pom.parent.as_ref();
        let values = ProjectValues {
            group_id: pom
                .group_id
                .clone()
                .or_else(|| parent.and_then(|p| p.group_id.clone())),
            artifact_id: pom.artifact_id.clone(),
            version: pom
                .version
                .clone()
                .or_else(|| parent.and_then(|p| p.version.clone())),
            packaging: pom.packaging.clone(),
            parent_group_id: parent.and_then(|p| p.group_id.clone()),
            parent_artifact_id: parent.and_then(|p| p.artifact_id.clone()),
            parent_version: parent.and_then(|p| p.version.clone()),
            basedir: match &pom.file {
                PomFile::Tree { display, .. } => Some(
                    Path::new(display)
                        .parent()
                        .map(|d| d.to_string_lossy().into_owned())
                        .filter(|d| !d.is_empty())
                        .unwrap_or_else(|| ".".to_string()),
                ),
                PomFile::Repository { .. } => None,
            },
        };
        let props = Properties::new(&values, properties, &self.platform.system);
        let group = props.value(values.group_id.as_deref().unwrap_or_default());
        let artifact = props.value(values.artifact_id.as_deref().unwrap_or_default());
        let version = props.interpolate(values.version.as_deref().unwrap_or_default());
        let packaging = props.value(pom.packaging.as_deref().unwrap_or("jar"));
        let mut scope_text = pom.file.display().to_string();
        if lineage.len() > 1 {
            scope_text.push_str(" or its parent POMs");
        }
        let dependencies: Vec<Dep> = dependencies
            .iter()
            .map(|(d, f)| dep(&props, d, f))
            .collect();
        let mut own_management: Vec<Dep> = Vec::new();
        let mut imports: Vec<Dep> = Vec::new();
        for entry in management.iter().map(|(d, f)| dep(&props, d, f)) {
            if entry.scope == "import" && entry.kind == "pom" {
                imports.push(entry);
            } else {
                own_management.push(entry);
            }
        }

        // 5. Imports.
        let self_gav = Gav::new(&group, &artifact, &version.value);
        stack.push(self_gav.clone());
        let mut imported: Vec<(Arc<Effective>, usize, String)> = Vec::new();
        for (index, import) in imports.iter().enumerate() {
            let coordinates = format!("{}:{}:{}", import.group, import.artifact, import.version);
            let at = import.declared_in.clone();
            if !import.version_problems.is_empty() || import.version.is_empty() {
                let why = if import.version.is_empty() {
                    crate::diagnostic::Text::new("bom_without_version")
                } else {
                    let reasons: Vec<String> = import
                        .version_problems
                        .iter()
                        .map(|p| p.describe(&scope_text))
                        .collect();
                    crate::text!("bom_version_unresolved", reasons = reasons.join("; "))
                };
                problems.push(ModelProblem {
                    subject: format!("the BOM {coordinates}"),
                    text: crate::text!(
                        "pom_bom_missing",
                        bom = coordinates,
                        file = at,
                        line = import.line
                    )
                    .sub("why", why),
                    at: at.clone(),
                    line: Some(import.line),
                    error: true,
                    cycle: false,
                    import: Some(index),
                });
                continue;
            }
            let gav = Gav::new(&import.group, &import.artifact, &import.version);
            if stack.contains(&gav) {
                problems.push(ModelProblem {
                    subject: format!("the BOM {coordinates}"),
                    text: crate::text!(
                        "pom_bom_cycle",
                        bom = coordinates,
                        file = at,
                        line = import.line
                    ),
                    at: at.clone(),
                    line: Some(import.line),
                    error: true,
                    cycle: true,
                    import: Some(index),
                });
                continue;
            }
            let bom = self.import(&gav, stack);
            match bom {
                Ok(bom) => {
                    for problem in &bom.problems {
                        let mut problem = problem.clone();
                        problem.import = Some(index);
                        if problem.error && !problems.contains(&problem) {
                            problems.push(problem);
                        }
                    }
                    imported.push((bom, index, coordinates));
                }
                Err(err) => problems.push(ModelProblem {
                    subject: format!("the BOM {coordinates}"),
                    text: crate::text!(
                        "pom_bom_missing",
                        bom = coordinates,
                        file = at,
                        line = import.line
                    )
                    .sub("why", err.text()),
                    at: at.clone(),
                    line: Some(import.line),
                    error: true,
                    cycle: false,
                    import: Some(index),
                }),
            }
        }
        stack.pop();

        // 6. Management: the own entries first, then each BOM's in the order of the imports.
        let mut own: HashMap<DepKey, &Dep> = HashMap::new();
        for entry in &own_management {
            own.entry(entry.key()).or_insert(entry);
        }
        let dependencies = dependencies
            .into_iter()
            .map(|mut d| {
                let key = d.key();
                let from_bom;
                let found = match own.get(&key) {
                    Some(m) => Some(*m),
                    None => {
                        from_bom = imported.iter().find_map(|(bom, index, coordinates)| {
                            bom.managed(&key)
                                .map(|m| imported_entry(m, coordinates, *index))
                        });
                        from_bom.as_ref()
                    }
                };
                if let Some(m) = found {
                    if d.version.is_empty()
                        && d.version_problems.is_empty()
                        && !m.version.is_empty()
                    {
                        d.version = m.version.clone();
                        d.version_problems = m.version_problems.clone();
                        d.managed_at = Some(m.as_managed_at());
                    }
                    if d.scope.is_empty() {
                        d.scope = m.scope.clone();
                    }
                    if d.system_path.is_none() {
                        d.system_path = m.system_path.clone();
                    }
                    if d.exclusions.is_empty() {
                        d.exclusions = m.exclusions.clone();
                    }
                }
                d
            })
            .collect();
        let own_management = {
            let mut seen = HashSet::new();
            own_management
                .into_iter()
                .filter(|m| seen.insert(m.key()))
                .collect()
        };

        let repositories = repositories
            .into_iter()
            .map(|(file, r, tree)| DeclaredRepo {
                id: props.value(&r.id),
                url: Some(props.value(&r.url)),
                releases: r
                    .releases
                    .as_deref()
                    .is_none_or(|e| props.value(e).trim() != "false"),
                snapshots: r
                    .snapshots
                    .as_deref()
                    .is_none_or(|e| props.value(e).trim() != "false"),
                declared_in: format!("{file}:{}", r.line),
                from_tree: tree,
            })
            .collect();
        let relocation = pom.relocation.as_ref().map(|r| {
            let or = |value: &Option<String>, same: &str| {
                value
                    .as_deref()
                    .map(|v| props.value(v))
                    .filter(|v| !v.trim().is_empty())
                    .unwrap_or_else(|| same.to_string())
            };
            Gav::new(
                &or(&r.group_id, &group),
                &or(&r.artifact_id, &artifact),
                &or(&r.version, &version.value),
            )
        });
        Effective {
            file: pom.file.clone(),
            group,
            artifact,
            version,
            packaging,
            dependencies,
            own_management,
            imported,
            merged_management: OnceLock::new(),
            management_index: OnceLock::new(),
            repositories,
            licensing,
            relocation,
            problems,
            undecided,
            lineage,
            scope_text,
        }
    }

    /// A BOM to import: from the audited tree by coordinates, else from the repositories.
    fn import(&self, gav: &Gav, stack: &mut Vec<Gav>) -> Result<Arc<Effective>, FetchError> {
        let wanted = (gav.group.clone(), gav.artifact.clone(), gav.version.clone());
        if let Some(pom) = self.tree.by_coordinates(&wanted).into_iter().next() {
            return Ok(Arc::new(self.build(pom, stack)));
        }
        self.remote_model(gav, stack)
    }
}

/// The dependencies of a POM's sections (its own, then its active profiles'): one per key, the
/// last declaration within a section at the place of the first, a profile's replacing the
/// POM's own in place.
fn merged<'s>(sections: impl Iterator<Item = &'s Vec<DepDecl>>) -> Vec<DepDecl> {
    let mut out: Vec<DepDecl> = Vec::new();
    let mut at: HashMap<(String, String, String, String), usize> = HashMap::new();
    for list in sections {
        for dep in list {
            match at.get(&dep.raw_key()) {
                Some(&i) => out[i] = dep.clone(),
                None => {
                    at.insert(dep.raw_key(), out.len());
                    out.push(dep.clone());
                }
            }
        }
    }
    out
}

/// A declaration interpolated with `props`.
fn dep(props: &Properties, d: &DepDecl, file: &str) -> Dep {
    let text = |v: &Option<String>| v.as_deref().map(|v| props.value(v).trim().to_string());
    let version = d.version.as_deref().map(|v| props.interpolate(v.trim()));
    Dep {
        group: text(&d.group_id).unwrap_or_default(),
        artifact: text(&d.artifact_id).unwrap_or_default(),
        kind: text(&d.kind)
            .filter(|k| !k.is_empty())
            .unwrap_or_else(|| "jar".to_string()),
        classifier: text(&d.classifier).unwrap_or_default(),
        version: version
            .as_ref()
            .map(|v| v.value.trim().to_string())
            .unwrap_or_default(),
        version_problems: version.map(|v| v.problems).unwrap_or_default(),
        scope: text(&d.scope).unwrap_or_default().to_ascii_lowercase(),
        optional: text(&d.optional).is_some_and(|o| o == "true"),
        exclusions: d
            .exclusions
            .iter()
            .map(|e| ExclusionDecl {
                group_id: props.value(&e.group_id).trim().to_string(),
                artifact_id: props.value(&e.artifact_id).trim().to_string(),
            })
            .collect(),
        system_path: text(&d.system_path),
        declared_in: file.to_string(),
        line: d.line,
        version_line: d.version_line.unwrap_or(d.line),
        managed_at: None,
        profile: d.profile.clone(),
    }
}
