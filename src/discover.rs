//! Stage 1: find every project in the audited tree.
//!
//! The walk respects `.gitignore` (also outside a git checkout), `.ignore` and fundament's own
//! `.fundamentignore`, never follows symbolic links, and never descends into `node_modules`,
//! `target`, `vendor` or `.git`: installed and vendored trees are evidence about packages, not
//! projects of their own.
//!
//! Cargo: every workspace root and every package outside a workspace is a project; members of a
//! workspace found in the tree belong to it. npm: every `package.json` that is not a member of
//! an npm workspace found in the tree is a project; its lockfile is `npm-shrinkwrap.json` or
//! `package-lock.json` next to it.

use crate::diagnostic::{Code, Finding, line_of_offset};
use crate::model::Ecosystem;
use globset::{Glob, GlobSet, GlobSetBuilder};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Directory names that are never walked into.
const SKIPPED_DIRS: &[&str] = &["node_modules", "target", "vendor", ".git"];

/// The name of fundament's own ignore file (gitignore syntax).
pub const IGNORE_FILE: &str = ".fundamentignore";

/// A project found in the tree, not yet read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FoundProject {
    pub ecosystem: Ecosystem,
    /// The project's directory (absolute).
    pub dir: PathBuf,
    /// Cargo.toml or package.json; for an npm lockfile without a package.json, the lockfile.
    pub manifest: PathBuf,
    /// The lockfile next to the manifest, when there is one.
    pub lockfile: Option<PathBuf>,
    /// Other lockfiles in the directory that this version of fundament does not read
    /// (yarn.lock, pnpm-lock.yaml).
    pub foreign_lockfiles: Vec<PathBuf>,
}

/// What the walk found.
#[derive(Debug, Default)]
pub struct Discovery {
    pub projects: Vec<FoundProject>,
    pub findings: Vec<Finding>,
}

/// Walks `root` (an existing, canonical directory) and returns the projects in it, sorted by
/// path.
pub fn discover(root: &Path) -> Discovery {
    let mut files: BTreeMap<PathBuf, Vec<String>> = BTreeMap::new();
    let mut findings = Vec::new();

    let walker = ignore::WalkBuilder::new(root)
        .hidden(false)
        .follow_links(false)
        .require_git(false)
        .add_custom_ignore_filename(IGNORE_FILE)
        .filter_entry(|entry| {
            !(entry.file_type().is_some_and(|t| t.is_dir())
                && SKIPPED_DIRS
                    .iter()
                    .any(|skip| entry.file_name() == std::ffi::OsStr::new(skip)))
        })
        .build();

    for entry in walker {
        let entry = match entry {
            Ok(entry) => entry,
            Err(err) => {
                findings.push(Finding::warning(
                    Code::InputUnreadable,
                    format!("could not walk part of the tree: {err}"),
                ));
                continue;
            }
        };
        let Some(file_type) = entry.file_type() else {
            continue;
        };
        let name = entry.file_name().to_string_lossy();
        let interesting = is_manifest_name(&name);
        if file_type.is_symlink() {
            if let Some(finding) = check_symlink(root, entry.path(), interesting) {
                findings.push(finding);
            }
            if !interesting || !points_inside(root, entry.path()) {
                continue;
            }
        } else if !file_type.is_file() || !interesting {
            continue;
        }
        if let Some(dir) = entry.path().parent() {
            files
                .entry(dir.to_path_buf())
                .or_default()
                .push(name.into_owned());
        }
    }

    let mut projects = cargo_projects(root, &files, &mut findings);
    projects.extend(npm_projects(&files));
    projects.sort_by(|a, b| (&a.dir, a.ecosystem).cmp(&(&b.dir, b.ecosystem)));
    Discovery { projects, findings }
}

fn is_manifest_name(name: &str) -> bool {
    matches!(
        name,
        "Cargo.toml"
            | "Cargo.lock"
            | "package.json"
            | "package-lock.json"
            | "npm-shrinkwrap.json"
            | "yarn.lock"
            | "pnpm-lock.yaml"
    )
}

/// True when `path` resolves to a location inside `root`.
pub fn points_inside(root: &Path, path: &Path) -> bool {
    match std::fs::canonicalize(path) {
        Ok(target) => target.starts_with(root),
        Err(_) => false,
    }
}

/// Symbolic links are never followed into directories; a link that leaves the tree is worth a
/// warning when it is a directory (its contents are not audited) or a manifest (it is not read).
fn check_symlink(root: &Path, path: &Path, is_manifest: bool) -> Option<Finding> {
    let display = relative(root, path);
    match std::fs::canonicalize(path) {
        Ok(target) if target.starts_with(root) => None,
        Ok(target) => {
            if is_manifest || target.is_dir() {
                Some(
                    Finding::warning(
                        Code::SymlinkOutsideRoot,
                        format!(
                            "{display} links to {} outside the audited tree; it was not read",
                            target.display()
                        ),
                    )
                    .at(display, None),
                )
            } else {
                None
            }
        }
        Err(err) if is_manifest => Some(
            Finding::warning(
                Code::SymlinkOutsideRoot,
                format!(
                    "{display} is a symbolic link that cannot be resolved ({err}); it was not read"
                ),
            )
            .at(display, None),
        ),
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
    root: &Path,
    files: &BTreeMap<PathBuf, Vec<String>>,
    findings: &mut Vec<Finding>,
) -> Vec<FoundProject> {
    let mut manifests = Vec::new();
    for (dir, names) in files {
        if !names.iter().any(|n| n == "Cargo.toml") {
            continue;
        }
        let path = dir.join("Cargo.toml");
        match read_cargo_manifest(&path, &relative(root, &path)) {
            Ok(manifest) => manifests.push(manifest),
            Err(message) => {
                // Reported here, with its line; no project is created for it, and the error
                // marks the audit incomplete.
                findings.push(
                    Finding::error(Code::InputUnreadable, message.text)
                        .at(relative(root, &path), message.line),
                );
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
            ecosystem: Ecosystem::Cargo,
            dir: manifest.dir.clone(),
            manifest: manifest.dir.join("Cargo.toml"),
            lockfile: lock.is_file().then_some(lock),
            foreign_lockfiles: Vec::new(),
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
    text: String,
    line: Option<usize>,
}

fn read_cargo_manifest(path: &Path, display: &str) -> Result<CargoManifest, ManifestError> {
    let text = std::fs::read_to_string(path).map_err(|err| ManifestError {
        text: format!("cannot read {display}: {err}"),
        line: None,
    })?;
    let table: toml::Table = toml::from_str(&text).map_err(|err| ManifestError {
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

fn npm_projects(files: &BTreeMap<PathBuf, Vec<String>>) -> Vec<FoundProject> {
    // Workspace roots first: their members are part of them, not projects of their own.
    let mut workspace_globs: Vec<(PathBuf, GlobSet)> = Vec::new();
    for (dir, names) in files {
        if !names.iter().any(|n| n == "package.json") {
            continue;
        }
        let path = dir.join("package.json");
        if let Some(globs) = npm_workspace_globs(&path) {
            workspace_globs.push((dir.clone(), globs));
        }
    }

    let mut projects = Vec::new();
    for (dir, names) in files {
        let has = |name: &str| names.iter().any(|n| n == name);
        let has_manifest = has("package.json");
        let lockfile = if has("npm-shrinkwrap.json") {
            Some(dir.join("npm-shrinkwrap.json"))
        } else if has("package-lock.json") {
            Some(dir.join("package-lock.json"))
        } else {
            None
        };
        if !has_manifest && lockfile.is_none() {
            continue;
        }
        let member_of_workspace = workspace_globs.iter().any(|(ws_dir, globs)| {
            dir != ws_dir
                && dir
                    .strip_prefix(ws_dir)
                    .is_ok_and(|rel| globs.is_match(rel))
        });
        if member_of_workspace && lockfile.is_none() {
            continue;
        }
        let foreign_lockfiles = ["yarn.lock", "pnpm-lock.yaml"]
            .iter()
            .filter(|n| has(n))
            .map(|n| dir.join(n))
            .collect();
        projects.push(FoundProject {
            ecosystem: Ecosystem::Npm,
            dir: dir.clone(),
            manifest: if has_manifest {
                dir.join("package.json")
            } else {
                lockfile.clone().unwrap_or_else(|| dir.join("package.json"))
            },
            lockfile,
            foreign_lockfiles,
        });
    }
    projects
}

/// The `workspaces` globs of a package.json, if it declares any. Parse errors are left to the
/// npm reader, which reports them with the project.
fn npm_workspace_globs(path: &Path) -> Option<GlobSet> {
    let text = std::fs::read_to_string(path).ok()?;
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
    if patterns.is_empty() {
        return None;
    }
    let mut builder = GlobSetBuilder::new();
    for pattern in patterns {
        let pattern = pattern.trim_start_matches("./").trim_end_matches('/');
        if let Ok(glob) = Glob::new(pattern) {
            builder.add(glob);
        }
    }
    builder.build().ok()
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
        assert_eq!(found.projects[0].lockfile, None);
        let codes: Vec<_> = found.findings.iter().map(|f| f.code).collect();
        assert_eq!(
            codes,
            vec![Code::SymlinkOutsideRoot, Code::SymlinkOutsideRoot]
        );
    }
}
