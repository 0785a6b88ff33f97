//! Stage 1: find every project in the audited tree.
//!
//! The walk respects `.gitignore` (also outside a git checkout), `.ignore` and fundament's own
//! `.fundamentignore`, never follows symbolic links, and never descends into `node_modules`,
//! `target`, `vendor` or `.git`: installed and vendored trees are evidence about packages, not
//! projects of their own.
//!
//! What makes a project, per kind:
//! - Cargo: every workspace root and every package outside a workspace; members of a workspace
//!   found in the tree belong to it.
//! - npm, pnpm, yarn: a directory with `package.json` and a lockfile (`npm-shrinkwrap.json` or
//!   `package-lock.json`, `pnpm-lock.yaml`, `yarn.lock`; one project per lockfile). A
//!   `package.json` without a lockfile is a project of its own unless it is a member of a
//!   workspace found in the tree (`workspaces` in package.json, `pnpm-workspace.yaml`).
//! - Composer: a directory with `composer.json` or `composer.lock`.
//! - Python: a directory with `uv.lock`, `poetry.lock`, `Pipfile.lock`, `Pipfile`,
//!   `pyproject.toml` or requirements files (`requirements*.txt`, `*-requirements.txt`); a
//!   `pyproject.toml` alone below a `uv.lock` belongs to that uv workspace.
//! - Go: a directory with `go.mod`.
//! - Maven: a `pom.xml` with no `pom.xml` in a directory above it (the modules below belong to
//!   the topmost build).
//! - Gradle: a `settings.gradle(.kts)` or `build.gradle(.kts)` with no Gradle build file in a
//!   directory above it.

use crate::diagnostic::{Code, Finding, Severity, line_of_offset};
use crate::ecosystem::workspace_globs::{self, WorkspaceGlobs};
use crate::model::ProjectKind;
use crate::source::{Confined, Limit, Reason};
use ignore::gitignore::{Gitignore, GitignoreBuilder};
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

/// Directory names that are never walked into.
const SKIPPED_DIRS: &[&str] = &["node_modules", "target", "vendor", ".git"];

/// The name of fundament's own ignore file (gitignore syntax).
pub const IGNORE_FILE: &str = ".fundamentignore";

/// A project found in the tree, not yet read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FoundProject {
    pub kind: ProjectKind,
    /// The project's directory (absolute).
    pub dir: PathBuf,
    /// The main manifest (Cargo.toml, package.json, composer.json, pyproject.toml, go.mod,
    /// pom.xml, settings.gradle or build.gradle); for a lockfile without a manifest, the
    /// lockfile.
    pub manifest: PathBuf,
    /// The lockfile, when there is one.
    pub lockfile: Option<PathBuf>,
    /// The project's other input files: requirements files, a Pipfile, the build files and
    /// lockfiles of Gradle subprojects, the POMs of Maven modules below the root.
    pub files: Vec<PathBuf>,
}

/// What the walk found.
#[derive(Debug, Default)]
pub struct Discovery {
    pub projects: Vec<FoundProject>,
    /// Every file of interest in the tree, by file name (readers that resolve across projects,
    /// like Maven parent POMs, look here instead of walking again).
    pub tree: TreeFiles,
    pub findings: Vec<Finding>,
}

/// Every file of interest found by the walk, by directory.
#[derive(Debug, Default, Clone)]
pub struct TreeFiles {
    by_dir: BTreeMap<PathBuf, Vec<String>>,
}

impl TreeFiles {
    /// Every file with this name, in path order.
    pub fn named(&self, name: &str) -> Vec<PathBuf> {
        self.by_dir
            .iter()
            .filter(|(_, names)| names.iter().any(|n| n == name))
            .map(|(dir, _)| dir.join(name))
            .collect()
    }

    fn has(&self, dir: &Path, name: &str) -> bool {
        self.by_dir
            .get(dir)
            .is_some_and(|names| names.iter().any(|n| n == name))
    }
}

/// Walks `root` (an existing, canonical directory) and returns the projects in it, sorted by
/// path.
pub fn discover(root: &Path) -> Discovery {
    let input = Confined::audited(root);
    let mut files: BTreeMap<PathBuf, Vec<String>> = BTreeMap::new();
    let mut findings = Vec::new();

    // The ignore files are read by fundament, through the one way into the tree, not by the
    // walker (which would open a FIFO named .gitignore and block on it).
    let ignores = std::sync::Arc::new(IgnoreFiles::new(input.clone()));
    let filter = ignores.clone();
    let walker = ignore::WalkBuilder::new(root)
        .standard_filters(false)
        .follow_links(false)
        .filter_entry(move |entry| {
            let is_dir = entry.file_type().is_some_and(|t| t.is_dir());
            let skipped = is_dir
                && SKIPPED_DIRS
                    .iter()
                    .any(|skip| entry.file_name() == std::ffi::OsStr::new(skip));
            !skipped && (entry.depth() == 0 || !filter.ignored(entry.path(), is_dir))
        })
        .build();

    for entry in walker {
        let entry = match entry {
            Ok(entry) => entry,
            Err(err) => {
                // A folder that cannot be listed (no permission, a path too long to open) may
                // hold projects: the audit is incomplete, never a pass.
                findings.push(walk_error(root, &err));
                continue;
            }
        };
        let Some(file_type) = entry.file_type() else {
            continue;
        };
        let name = entry.file_name().to_string_lossy();
        let interesting = is_manifest_name(&name) && entry.depth() > 0;
        if !interesting {
            if file_type.is_symlink()
                && let Some(finding) = check_symlink(root, entry.path())
            {
                findings.push(finding);
            }
            continue;
        }
        // Whatever stands under a name fundament reads is recorded, so that the reader of its
        // project says truthfully why it could not be read (a FIFO, a folder, a link out of the
        // tree) rather than that the file is missing; the refusal is reported here as well, for
        // names no reader gets to (the audit reports each finding once).
        if let Some(refusal) = refused(&input, entry.path()) {
            findings.push(Finding::refused(&refusal));
        }
        if let Some(dir) = entry.path().parent() {
            files
                .entry(dir.to_path_buf())
                .or_default()
                .push(name.into_owned());
        }
    }

    findings.extend(ignores.take_findings());
    for names in files.values_mut() {
        names.sort();
    }
    for (dir, names) in &files {
        for name in names {
            if let Some(what) = unsupported_ecosystem(name) {
                let path = relative(root, &dir.join(name));
                findings.push(
                    Finding::error(
                        Code::EcosystemUnsupported,
                        crate::text!("ecosystem_unsupported", path = path, what = what),
                    )
                    .at(path.clone(), None)
                    .note(crate::diagnostic::Text::new("note_audit_an_sbom_of_the"))
                    .note(crate::text!("note_or_exclude_it", file = IGNORE_FILE)),
                );
            }
        }
    }
    let tree = TreeFiles { by_dir: files };
    let mut projects = cargo_projects(&input, &tree.by_dir, &mut findings);
    projects.extend(js_projects(&input, &tree, &mut findings));
    projects.extend(composer_projects(&tree));
    projects.extend(python_projects(&tree));
    projects.extend(go_projects(&tree));
    projects.extend(maven_projects(&tree));
    projects.extend(gradle_projects(&tree));
    projects.sort_by(|a, b| (&a.dir, a.kind).cmp(&(&b.dir, b.kind)));
    Discovery {
        projects,
        tree,
        findings,
    }
}

/// The ignore files of the tree (`.git/info/exclude` at the root, then in every directory
/// `.gitignore`, `.ignore` and `.fundamentignore`, later ones taking precedence), read through
/// [`Confined`] and applied the way git applies them: the deepest file with a matching pattern
/// decides. Files above the audited root are not read.
pub(crate) struct IgnoreFiles {
    input: Confined,
    by_dir: std::sync::Mutex<HashMap<PathBuf, Option<std::sync::Arc<Gitignore>>>>,
    findings: std::sync::Mutex<Vec<Finding>>,
}

impl IgnoreFiles {
    pub(crate) fn new(input: Confined) -> IgnoreFiles {
        IgnoreFiles {
            input,
            by_dir: Default::default(),
            findings: Default::default(),
        }
    }

    /// The patterns of `dir`'s own ignore files.
    fn of(&self, dir: &Path) -> Option<std::sync::Arc<Gitignore>> {
        if let Some(done) = self.by_dir.lock().ok()?.get(dir) {
            return done.clone();
        }
        let mut builder = GitignoreBuilder::new(dir);
        let mut any = false;
        let mut names = vec![
            dir.join(".gitignore"),
            dir.join(".ignore"),
            dir.join(IGNORE_FILE),
        ];
        if dir == self.input.root() {
            names.insert(0, dir.join(".git").join("info").join("exclude"));
        }
        for path in names {
            match self.input.read_text(&path, Limit::CONFIG) {
                Ok(text) => {
                    for line in text.lines() {
                        // A malformed pattern is skipped, as git skips it.
                        let _ = builder.add_line(Some(path.clone()), line);
                        any = true;
                    }
                }
                Err(refusal) if refusal.is_missing() => {}
                Err(refusal) => {
                    // Not reading an ignore file audits more, not less: a warning.
                    if let Ok(mut findings) = self.findings.lock() {
                        findings.push(Finding::refused_as(&refusal, Severity::Warning));
                    }
                }
            }
        }
        let built = any
            .then(|| builder.build().ok())
            .flatten()
            .map(std::sync::Arc::new);
        if let Ok(mut by_dir) = self.by_dir.lock() {
            by_dir.insert(dir.to_path_buf(), built.clone());
        }
        built
    }

    /// Whether an ignore file of a directory above `path` (within the tree) ignores it.
    pub(crate) fn ignored(&self, path: &Path, is_dir: bool) -> bool {
        let mut dir = path.parent();
        while let Some(current) = dir {
            if !current.starts_with(self.input.root()) {
                break;
            }
            if let Some(patterns) = self.of(current) {
                match patterns.matched(path, is_dir) {
                    ignore::Match::Ignore(_) => return true,
                    ignore::Match::Whitelist(_) => return false,
                    ignore::Match::None => {}
                }
            }
            dir = current.parent();
        }
        false
    }

    fn take_findings(&self) -> Vec<Finding> {
        self.findings
            .lock()
            .map(|mut f| std::mem::take(&mut *f))
            .unwrap_or_default()
    }
}

/// Names of the files the walk records.
pub fn is_manifest_name(name: &str) -> bool {
    matches!(
        name,
        "Cargo.toml"
            | "Cargo.lock"
            | "package.json"
            | "package-lock.json"
            | "npm-shrinkwrap.json"
            | "yarn.lock"
            | "pnpm-lock.yaml"
            | "pnpm-workspace.yaml"
            | "composer.json"
            | "composer.lock"
            | "pyproject.toml"
            | "poetry.lock"
            | "uv.lock"
            | "Pipfile"
            | "Pipfile.lock"
            | "go.mod"
            | "go.sum"
            | "pom.xml"
            | "build.gradle"
            | "build.gradle.kts"
            | "settings.gradle"
            | "settings.gradle.kts"
            | "gradle.lockfile"
            | "libs.versions.toml"
            | "publiccode.yml"
            | "publiccode.yaml"
            | "REUSE.toml"
    ) || is_requirements_name(name)
        || unsupported_ecosystem(name).is_some()
}

/// Lockfiles of ecosystems fundament does not read: found so that the audit can say what it did
/// not check, rather than pass over it in silence.
fn unsupported_ecosystem(name: &str) -> Option<&'static str> {
    Some(match name {
        "Gemfile.lock" => "Ruby (Bundler)",
        "packages.lock.json" => ".NET (NuGet)",
        "mix.lock" => "Elixir (Mix)",
        "Podfile.lock" => "CocoaPods",
        "pubspec.lock" => "Dart (pub)",
        "Package.resolved" => "Swift Package Manager",
        "bun.lock" | "bun.lockb" => "Bun",
        "deno.lock" => "Deno",
        "conan.lock" => "C/C++ (Conan)",
        "vcpkg.json" => "C/C++ (vcpkg)",
        _ => return None,
    })
}

/// `requirements.txt`, `requirements-dev.txt`, `dev-requirements.txt`, `requirements_test.txt`.
pub fn is_requirements_name(name: &str) -> bool {
    name.ends_with(".txt") && name.to_ascii_lowercase().contains("requirements")
}

/// Why the entry at `path`, under a name fundament reads, will not be read: it leads outside
/// the tree, or is not a regular file. Nothing is opened.
fn refused(input: &Confined, path: &Path) -> Option<crate::source::Refusal> {
    let canonical = match input.resolve(path) {
        Ok(canonical) => canonical,
        Err(refusal) => return (!refusal.is_missing()).then_some(refusal),
    };
    match std::fs::metadata(&canonical) {
        Ok(meta) if meta.is_file() => None,
        _ => input
            .file(path, crate::source::Limit::LOCKFILE)
            .err()
            .filter(|r| !matches!(r.reason, Reason::TooLarge { .. })),
    }
}

/// An error of the walk as a finding: an error, since what could not be listed was not audited.
fn walk_error(root: &Path, err: &ignore::Error) -> Finding {
    let path = walk_error_path(err);
    let display = path.map(|p| relative(root, p));
    let cause = walk_error_cause(err);
    let message = match &display {
        Some(display) => crate::text!("walk_unreadable", file = display, cause = cause),
        None => crate::text!("walk_part_unreadable", cause = cause),
    };
    let finding = Finding::error(Code::InputUnreadable, message);
    match display {
        Some(display) => finding.at(display, None),
        None => finding,
    }
}

fn walk_error_path(err: &ignore::Error) -> Option<&Path> {
    match err {
        ignore::Error::WithPath { path, .. } => Some(path),
        ignore::Error::WithDepth { err, .. } | ignore::Error::WithLineNumber { err, .. } => {
            walk_error_path(err)
        }
        ignore::Error::Loop { child, .. } => Some(child),
        _ => None,
    }
}

fn walk_error_cause(err: &ignore::Error) -> String {
    match err {
        ignore::Error::WithPath { err, .. }
        | ignore::Error::WithDepth { err, .. }
        | ignore::Error::WithLineNumber { err, .. } => walk_error_cause(err),
        ignore::Error::Io(io) => {
            let text = io.to_string();
            match text.find(" (os error") {
                Some(i) => text[..i].to_lowercase(),
                None => text,
            }
        }
        other => other.to_string(),
    }
}

/// Symbolic links are never followed into directories; a link to a directory outside the tree
/// is worth a warning: its contents are not audited. (Links under the names of manifests and
/// lockfiles are checked like every such name, by [`refused`].)
fn check_symlink(root: &Path, path: &Path) -> Option<Finding> {
    let display = relative(root, path);
    match std::fs::canonicalize(path) {
        Ok(target) if target.starts_with(root) => None,
        Ok(target) => {
            if target.is_dir() {
                Some(
                    Finding::warning(
                        Code::SymlinkOutsideRoot,
                        crate::text!("symlink_outside", path = display, target = target.display()),
                    )
                    .at(display, None),
                )
            } else {
                None
            }
        }
        Err(_) => None,
    }
}

/// `path` relative to `root` for messages, with `/` separators.
pub fn relative(root: &Path, path: &Path) -> String {
    let rel = path.strip_prefix(root).unwrap_or(path);
    let text = rel.to_string_lossy().replace('\\', "/");
    if text.is_empty() {
        ".".to_string()
    } else {
        text
    }
}

struct CargoManifest {
    dir: PathBuf,
    workspace: Option<CargoWorkspace>,
    /// `package.workspace`: an explicit pointer to the workspace root.
    workspace_pointer: Option<PathBuf>,
}

struct CargoWorkspace {
    exclude: Vec<PathBuf>,
}

fn cargo_projects(
    input: &Confined,
    files: &BTreeMap<PathBuf, Vec<String>>,
    findings: &mut Vec<Finding>,
) -> Vec<FoundProject> {
    let mut manifests = Vec::new();
    for (dir, names) in files {
        if !names.iter().any(|n| n == "Cargo.toml") {
            continue;
        }
        let path = dir.join("Cargo.toml");
        let display = input.display(&path);
        match read_cargo_manifest(input, &path, &display) {
            Ok(manifest) => manifests.push(manifest),
            Err(message) => {
                // Reported here, with its line; no project is created for it, and the error
                // marks the audit incomplete.
                findings.push(Finding::error(message.code, message.text).at(display, message.line));
            }
        }
    }

    let workspace_roots: Vec<&CargoManifest> =
        manifests.iter().filter(|m| m.workspace.is_some()).collect();

    let mut projects = Vec::new();
    for manifest in &manifests {
        let is_member = manifest.workspace.is_none()
            && (manifest.workspace_pointer.as_ref().is_some_and(|p| {
                workspace_roots
                    .iter()
                    .any(|w| same_dir(&w.dir, &manifest.dir.join(p)))
            }) || innermost_workspace(&workspace_roots, &manifest.dir)
                .is_some_and(|w| w.contains(&manifest.dir)));
        if is_member {
            continue;
        }
        let lock = manifest.dir.join("Cargo.lock");
        projects.push(FoundProject {
            kind: ProjectKind::Cargo,
            dir: manifest.dir.clone(),
            manifest: manifest.dir.join("Cargo.toml"),
            lockfile: std::fs::symlink_metadata(&lock).is_ok().then_some(lock),
            files: Vec::new(),
        });
    }
    projects
}

fn same_dir(a: &Path, b: &Path) -> bool {
    match (std::fs::canonicalize(a), std::fs::canonicalize(b)) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    }
}

/// The nearest workspace root strictly above `dir`.
fn innermost_workspace<'a>(roots: &[&'a CargoManifest], dir: &Path) -> Option<&'a CargoManifest> {
    roots
        .iter()
        .filter(|w| dir != w.dir && dir.starts_with(&w.dir))
        .max_by_key(|w| w.dir.components().count())
        .copied()
}

impl CargoManifest {
    /// Whether `dir` (below this workspace root) belongs to the workspace. Cargo makes every
    /// path dependency below a workspace root a member, and refuses to build a package below
    /// a root that neither lists nor excludes it; so below a root, "not excluded" is the test
    /// (the `members` globs need not be expanded).
    fn contains(&self, dir: &Path) -> bool {
        let Some(workspace) = &self.workspace else {
            return false;
        };
        let Ok(rel) = dir.strip_prefix(&self.dir) else {
            return false;
        };
        !workspace.exclude.iter().any(|ex| rel.starts_with(ex))
    }
}

struct ManifestError {
    code: Code,
    text: String,
    line: Option<usize>,
}

fn read_cargo_manifest(
    input: &Confined,
    path: &Path,
    display: &str,
) -> Result<CargoManifest, ManifestError> {
    let text = input
        .read_text(path, Limit::MANIFEST)
        .map_err(|refusal| ManifestError {
            code: if refusal.is_outside() {
                Code::SymlinkOutsideRoot
            } else {
                Code::InputUnreadable
            },
            text: refusal.to_string(),
            line: None,
        })?;
    let table: toml::Table = toml::from_str(&text).map_err(|err| ManifestError {
        code: Code::InputUnreadable,
        text: format!("{display} is not valid TOML: {}", err.message().trim()),
        line: err.span().map(|span| line_of_offset(&text, span.start)),
    })?;
    let dir = path.parent().unwrap_or(Path::new(".")).to_path_buf();
    let workspace = table
        .get("workspace")
        .and_then(|w| w.as_table())
        .map(|w| CargoWorkspace {
            exclude: string_array(w.get("exclude"))
                .into_iter()
                .map(PathBuf::from)
                .collect(),
        });
    let workspace_pointer = table
        .get("package")
        .and_then(|p| p.get("workspace"))
        .and_then(|w| w.as_str())
        .map(PathBuf::from);
    Ok(CargoManifest {
        dir,
        workspace,
        workspace_pointer,
    })
}

fn string_array(value: Option<&toml::Value>) -> Vec<String> {
    value
        .and_then(|v| v.as_array())
        .map(|items| {
            items
                .iter()
                .filter_map(|item| item.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

fn js_projects(
    input: &Confined,
    tree: &TreeFiles,
    findings: &mut Vec<Finding>,
) -> Vec<FoundProject> {
    // Workspace roots first: their members are part of them, not projects of their own.
    let mut workspace_globs: Vec<(PathBuf, WorkspaceGlobs)> = Vec::new();
    for (dir, names) in &tree.by_dir {
        let has = |name: &str| names.iter().any(|n| n == name);
        let globs = if has("pnpm-workspace.yaml") {
            pnpm_workspace_globs(input, &dir.join("pnpm-workspace.yaml"), findings)
        } else if has("package.json") {
            npm_workspace_globs(input, &dir.join("package.json"), findings)
        } else {
            None
        };
        if let Some(globs) = globs {
            workspace_globs.push((dir.clone(), globs));
        }
    }

    let mut projects = Vec::new();
    for (dir, names) in &tree.by_dir {
        let has = |name: &str| names.iter().any(|n| n == name);
        let has_manifest = has("package.json");
        let npm_lock = if has("npm-shrinkwrap.json") {
            Some(dir.join("npm-shrinkwrap.json"))
        } else if has("package-lock.json") {
            Some(dir.join("package-lock.json"))
        } else {
            None
        };
        let locks: Vec<(ProjectKind, PathBuf)> = [
            npm_lock.map(|l| (ProjectKind::Npm, l)),
            has("pnpm-lock.yaml").then(|| (ProjectKind::Pnpm, dir.join("pnpm-lock.yaml"))),
            has("yarn.lock").then(|| (ProjectKind::Yarn, dir.join("yarn.lock"))),
        ]
        .into_iter()
        .flatten()
        .collect();
        if locks.is_empty() {
            if !has_manifest {
                continue;
            }
            let member_of_workspace = workspace_globs.iter().any(|(ws_dir, globs)| {
                dir != ws_dir
                    && dir
                        .strip_prefix(ws_dir)
                        .is_ok_and(|rel| globs.is_match(rel))
            });
            if !member_of_workspace {
                projects.push(FoundProject {
                    kind: ProjectKind::Npm,
                    dir: dir.clone(),
                    manifest: dir.join("package.json"),
                    lockfile: None,
                    files: Vec::new(),
                });
            }
            continue;
        }
        for (kind, lockfile) in locks {
            projects.push(FoundProject {
                kind,
                dir: dir.clone(),
                manifest: if has_manifest {
                    dir.join("package.json")
                } else {
                    lockfile.clone()
                },
                lockfile: Some(lockfile),
                files: Vec::new(),
            });
        }
    }
    projects
}

/// The `packages` globs of a pnpm-workspace.yaml; a glob refused is a finding.
fn pnpm_workspace_globs(
    input: &Confined,
    path: &Path,
    findings: &mut Vec<Finding>,
) -> Option<WorkspaceGlobs> {
    let text = input.read_text(path, Limit::MANIFEST).ok()?;
    let patterns = pnpm_workspace_patterns(&text)?;
    compile_globs(input, path, &text, "`packages`", &patterns, findings)
}

/// The `packages` of a pnpm-workspace.yaml's text (`None` when it cannot be parsed: the pnpm
/// reader reports that).
fn pnpm_workspace_patterns(text: &str) -> Option<Vec<String>> {
    #[derive(serde::Deserialize)]
    struct Workspace {
        #[serde(default)]
        packages: Vec<String>,
    }
    let workspace: Workspace = serde_saphyr::from_str(text).ok()?;
    Some(workspace.packages)
}

/// Compiles a JavaScript workspace's member globs ([`workspace_globs::js_members`]), with a
/// finding naming the file and line when one is refused.
fn compile_globs(
    input: &Confined,
    path: &Path,
    text: &str,
    field: &str,
    patterns: &[String],
    findings: &mut Vec<Finding>,
) -> Option<WorkspaceGlobs> {
    let compiled = WorkspaceGlobs::compile(workspace_globs::js_members(patterns));
    findings.extend(workspace_globs::refused_finding(
        &input.display(path),
        text,
        field,
        &compiled.refused,
    ));
    compiled.globs
}

fn composer_projects(tree: &TreeFiles) -> Vec<FoundProject> {
    tree.by_dir
        .keys()
        .filter(|dir| tree.has(dir, "composer.json") || tree.has(dir, "composer.lock"))
        .map(|dir| {
            let lock = dir.join("composer.lock");
            let has_lock = tree.has(dir, "composer.lock");
            FoundProject {
                kind: ProjectKind::Composer,
                dir: dir.clone(),
                manifest: if tree.has(dir, "composer.json") {
                    dir.join("composer.json")
                } else {
                    lock.clone()
                },
                lockfile: has_lock.then_some(lock),
                files: Vec::new(),
            }
        })
        .collect()
}

fn python_projects(tree: &TreeFiles) -> Vec<FoundProject> {
    let uv_roots: Vec<&PathBuf> = tree
        .by_dir
        .keys()
        .filter(|dir| tree.has(dir, "uv.lock"))
        .collect();
    let mut projects = Vec::new();
    for (dir, names) in &tree.by_dir {
        let has = |name: &str| names.iter().any(|n| n == name);
        let requirements: Vec<PathBuf> = names
            .iter()
            .filter(|n| is_requirements_name(n))
            .map(|n| dir.join(n))
            .collect();
        let lockfile = ["uv.lock", "poetry.lock", "Pipfile.lock"]
            .iter()
            .find(|n| has(n))
            .map(|n| dir.join(n));
        let pyproject = has("pyproject.toml");
        if lockfile.is_none() && requirements.is_empty() && !pyproject && !has("Pipfile") {
            continue;
        }
        // A pyproject.toml alone below a uv.lock is a member of that uv workspace.
        if lockfile.is_none()
            && requirements.is_empty()
            && !has("Pipfile")
            && uv_roots.iter().any(|r| dir != *r && dir.starts_with(r))
        {
            continue;
        }
        let manifest = if pyproject {
            dir.join("pyproject.toml")
        } else if has("Pipfile") {
            dir.join("Pipfile")
        } else if let Some(first) = requirements.first() {
            first.clone()
        } else {
            lockfile
                .clone()
                .unwrap_or_else(|| dir.join("pyproject.toml"))
        };
        let mut files = requirements;
        if has("Pipfile") && manifest != dir.join("Pipfile") {
            files.push(dir.join("Pipfile"));
        }
        files.retain(|f| *f != manifest);
        projects.push(FoundProject {
            kind: ProjectKind::Python,
            dir: dir.clone(),
            manifest,
            lockfile,
            files,
        });
    }
    projects
}

fn go_projects(tree: &TreeFiles) -> Vec<FoundProject> {
    tree.by_dir
        .keys()
        .filter(|dir| tree.has(dir, "go.mod"))
        .map(|dir| {
            // vendor/ is never walked; its module list is read by the Go reader when present.
            let vendored = dir.join("vendor").join("modules.txt");
            FoundProject {
                kind: ProjectKind::Go,
                dir: dir.clone(),
                manifest: dir.join("go.mod"),
                lockfile: tree.has(dir, "go.sum").then(|| dir.join("go.sum")),
                files: if std::fs::symlink_metadata(&vendored).is_ok() {
                    vec![vendored]
                } else {
                    Vec::new()
                },
            }
        })
        .collect()
}

/// The topmost directories holding one of `names`, each with every matching file below it.
fn topmost(tree: &TreeFiles, names: &[&str]) -> Vec<(PathBuf, Vec<PathBuf>)> {
    let dirs: Vec<&PathBuf> = tree
        .by_dir
        .keys()
        .filter(|dir| names.iter().any(|n| tree.has(dir, n)))
        .collect();
    let mut out: Vec<(PathBuf, Vec<PathBuf>)> = Vec::new();
    for dir in &dirs {
        if dirs
            .iter()
            .any(|other| other != dir && dir.starts_with(other))
        {
            continue;
        }
        let below = dirs
            .iter()
            .filter(|other| other.starts_with(dir))
            .flat_map(|other| {
                names
                    .iter()
                    .filter(|n| tree.has(other, n))
                    .map(|n| other.join(n))
            })
            .collect();
        out.push(((*dir).clone(), below));
    }
    out
}

fn maven_projects(tree: &TreeFiles) -> Vec<FoundProject> {
    topmost(tree, &["pom.xml"])
        .into_iter()
        .map(|(dir, poms)| FoundProject {
            kind: ProjectKind::Maven,
            manifest: dir.join("pom.xml"),
            files: poms
                .into_iter()
                .filter(|p| *p != dir.join("pom.xml"))
                .collect(),
            dir,
            lockfile: None,
        })
        .collect()
}

fn gradle_projects(tree: &TreeFiles) -> Vec<FoundProject> {
    const BUILD_FILES: &[&str] = &[
        "settings.gradle.kts",
        "settings.gradle",
        "build.gradle.kts",
        "build.gradle",
    ];
    topmost(tree, BUILD_FILES)
        .into_iter()
        .map(|(dir, build_files)| {
            let manifest = BUILD_FILES
                .iter()
                .map(|n| dir.join(n))
                .find(|p| build_files.contains(p))
                .unwrap_or_else(|| dir.join("build.gradle.kts"));
            let mut files: Vec<PathBuf> =
                build_files.into_iter().filter(|f| *f != manifest).collect();
            // Lockfiles and version catalogues of the build and its subprojects.
            for (other, names) in &tree.by_dir {
                if !other.starts_with(&dir) {
                    continue;
                }
                for name in names {
                    if name == "gradle.lockfile" || name == "libs.versions.toml" {
                        files.push(other.join(name));
                    }
                }
            }
            let root_lock = dir.join("gradle.lockfile");
            let lockfile = files.contains(&root_lock).then_some(root_lock);
            FoundProject {
                kind: ProjectKind::Gradle,
                dir,
                manifest,
                lockfile,
                files,
            }
        })
        .collect()
}

/// The `workspaces` globs of a package.json, if it declares any. Parse errors are left to the
/// npm reader, which reports them with the project; a glob refused is a finding.
fn npm_workspace_globs(
    input: &Confined,
    path: &Path,
    findings: &mut Vec<Finding>,
) -> Option<WorkspaceGlobs> {
    let text = input.read_text(path, Limit::MANIFEST).ok()?;
    let value: serde_json::Value = serde_json::from_str(&text).ok()?;
    let patterns: Vec<String> = match value.get("workspaces")? {
        serde_json::Value::Array(items) => items
            .iter()
            .filter_map(|i| i.as_str().map(str::to_owned))
            .collect(),
        serde_json::Value::Object(map) => map
            .get("packages")
            .and_then(|p| p.as_array())
            .map(|items| {
                items
                    .iter()
                    .filter_map(|i| i.as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default(),
        _ => return None,
    };
    compile_globs(input, path, &text, "`workspaces`", &patterns, findings)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;

    fn write(path: &Path, text: &str) {
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, text).unwrap();
    }

    #[test]
    fn workspace_members_belong_to_their_workspace() {
        let tmp = tempfile::tempdir().unwrap();
        let root = fs::canonicalize(tmp.path()).unwrap();
        write(
            &root.join("Cargo.toml"),
            "[workspace]\nmembers = [\"crates/*\"]\nexclude = [\"crates/excluded\"]\n",
        );
        write(
            &root.join("crates/a/Cargo.toml"),
            "[package]\nname = \"a\"\nversion = \"0.1.0\"\n",
        );
        write(
            &root.join("crates/excluded/Cargo.toml"),
            "[package]\nname = \"x\"\nversion = \"0.1.0\"\n",
        );
        write(
            &root.join("other/nested/Cargo.toml"),
            "[workspace]\n[package]\nname = \"n\"\nversion = \"0.1.0\"\n",
        );
        let found = discover(&root);
        let dirs: Vec<String> = found
            .projects
            .iter()
            .map(|p| relative(&root, &p.dir))
            .collect();
        assert_eq!(dirs, vec![".", "crates/excluded", "other/nested"]);
    }

    #[test]
    fn node_modules_target_and_vendor_are_not_walked() {
        let tmp = tempfile::tempdir().unwrap();
        let root = fs::canonicalize(tmp.path()).unwrap();
        write(&root.join("package.json"), "{}");
        write(&root.join("node_modules/x/package.json"), "{}");
        write(&root.join("vendor/y/package.json"), "{}");
        write(&root.join("target/z/Cargo.toml"), "[package]\n");
        let found = discover(&root);
        assert_eq!(found.projects.len(), 1);
        assert_eq!(found.projects[0].dir, root);
    }

    #[test]
    fn npm_workspace_members_are_part_of_the_root_project() {
        let tmp = tempfile::tempdir().unwrap();
        let root = fs::canonicalize(tmp.path()).unwrap();
        write(
            &root.join("package.json"),
            r#"{"name":"root","workspaces":["packages/*"]}"#,
        );
        write(&root.join("package-lock.json"), "{}");
        write(&root.join("packages/a/package.json"), r#"{"name":"a"}"#);
        let found = discover(&root);
        assert_eq!(found.projects.len(), 1);
        assert_eq!(
            found.projects[0].lockfile.as_deref(),
            Some(root.join("package-lock.json").as_path())
        );
    }

    #[test]
    fn gitignore_and_fundamentignore_are_respected() {
        let tmp = tempfile::tempdir().unwrap();
        let root = fs::canonicalize(tmp.path()).unwrap();
        write(&root.join(".gitignore"), "build/\n");
        write(&root.join(IGNORE_FILE), "fixtures/\n");
        write(&root.join("build/package.json"), "{}");
        write(&root.join("fixtures/package.json"), "{}");
        write(&root.join("app/package.json"), "{}");
        let found = discover(&root);
        let dirs: Vec<String> = found
            .projects
            .iter()
            .map(|p| relative(&root, &p.dir))
            .collect();
        assert_eq!(dirs, vec!["app"]);
    }

    #[cfg(unix)]
    #[test]
    fn symlinks_leaving_the_tree_are_reported_not_read() {
        let outside = tempfile::tempdir().unwrap();
        write(&outside.path().join("package-lock.json"), "{}");
        let tmp = tempfile::tempdir().unwrap();
        let root = fs::canonicalize(tmp.path()).unwrap();
        write(&root.join("app/package.json"), "{}");
        std::os::unix::fs::symlink(
            outside.path().join("package-lock.json"),
            root.join("app/package-lock.json"),
        )
        .unwrap();
        std::os::unix::fs::symlink(outside.path(), root.join("linked")).unwrap();
        let found = discover(&root);
        assert_eq!(found.projects.len(), 1);
        // Recorded, so that the npm reader refuses it with its reason, rather than report the
        // project as having no lockfile.
        assert_eq!(
            found.projects[0].lockfile,
            Some(root.join("app/package-lock.json"))
        );
        assert_eq!(
            found.findings[0].severity,
            crate::diagnostic::Severity::Error
        );
        let codes: Vec<_> = found.findings.iter().map(|f| f.code).collect();
        assert_eq!(
            codes,
            vec![Code::SymlinkOutsideRoot, Code::SymlinkOutsideRoot]
        );
    }
}
