//! yarn: yarn.lock of yarn 1 ("v1", a format of its own) and of yarn 2 and newer ("Berry", YAML
//! with a `__metadata` entry).
//!
//! Both key each entry by the descriptors that resolved to it (`"ms@^2.1.1", ms@^2.1.3:` in
//! v1, `"ms@npm:^2.1.1, ms@npm:^2.1.3":` in Berry); a dependency `name: range` is found under
//! the descriptor `name@range`. Entries become packages by name, version and source, so that an
//! alias (`ms-one@npm:ms@^1.0.0`) is the package it names and a `patch:` entry is the package it
//! patches.
//!
//! The project's own packages are the root package.json and its workspaces: in Berry the
//! lockfile lists them (`workspace:` resolutions); v1 does not, so they are found from the
//! `workspaces` globs of package.json. Scopes come from the package.json files — their
//! `dependencies`, `optionalDependencies` and `devDependencies` — and are propagated through
//! the graph.
//!
//! yarn.lock records no licences. The project's own packages take theirs from their
//! package.json; other packages from their installed copy (`node_modules/<name>`, node-modules
//! linker), when the project is installed inside the audited tree and the copy is the locked
//! version, and are otherwise unresolved (L009).

use super::pnpm::{
    Installed, LocalPackage, join_packages, line_starting_with, optional_from_edges, parse_yaml,
    read_installed, source_of_url,
};
use super::workspace_globs::{WorkspaceGlobs, js_members};
use super::{ProjectGraph, ReadContext, local_path, scopes_from_edges};
use crate::diagnostic::{Code, Finding};
use crate::discover::FoundProject;
use crate::model::{DepKind, Dependency, Ecosystem, Package, PackageSource};
use crate::source::confined::EntryKind;
use crate::source::{Confined, Limit};
use rayon::prelude::*;
use serde::Deserialize;
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

/// Why dependencies of a yarn project carry no licence.
const NO_LICENCES: &str = "yarn.lock records no licences";

/// The Berry lockfile versions (`__metadata.version`) fundament reads: yarn 2 to 4.
const BERRY_VERSIONS: std::ops::RangeInclusive<u64> = 3..=10;

/// Reads one yarn project.
pub fn read(ctx: &ReadContext<'_>, found: &FoundProject) -> ProjectGraph {
    let Some(lockfile) = &found.lockfile else {
        return ProjectGraph::lockfile_missing(ctx, found, "yarn.lock");
    };
    let (display, text) =
        match ProjectGraph::read_input(ctx, found, lockfile, Limit::LOCKFILE, "yarn.lock") {
            Ok(read) => read,
            Err(failed) => return *failed,
        };
    let parsed = if line_starting_with(&text, "__metadata:").is_some() {
        read_berry(&text, &display, ctx.root, &found.dir)
    } else {
        read_v1(&text, &display, ctx.root, &found.dir)
    };
    match parsed {
        Ok(lock) => build_graph(ctx, found, &display, lock),
        Err(finding) => ProjectGraph::failed(ctx, found, "yarn.lock", *finding),
    }
}

/// A lockfile of either kind, reduced to what the graph needs.
struct Lock {
    reader: String,
    berry: bool,
    entries: Vec<Entry>,
}

/// One lockfile entry: a resolved package and the descriptors that resolve to it.
struct Entry {
    descriptors: Vec<String>,
    name: String,
    version: String,
    source: PackageSource,
    checksum: Option<String>,
    /// Berry: the workspace path (`.`, `packages/a`) of `workspace:` resolutions.
    workspace: Option<String>,
    /// A local directory (`link:`, `portal:`, v1 `file:`), relative to the project.
    link: Option<String>,
    /// `name`, `range`, optional (from `optionalDependencies` or `dependenciesMeta`).
    dependencies: Vec<(String, String, bool)>,
}

// ---------------------------------------------------------------------------------------------
// yarn v1

/// A v1 value: a string, or an indented block of keyed items.
#[derive(Debug)]
enum V1Value {
    Text(String),
    Block(Vec<V1Item>),
}

#[derive(Debug)]
struct V1Item {
    keys: Vec<String>,
    value: V1Value,
    line: usize,
}

/// Tokens of one line of a v1 lockfile.
#[derive(Debug, PartialEq)]
enum Token {
    Text(String),
    Colon,
    Comma,
}

fn tokenize(line: &str) -> Result<Vec<Token>, String> {
    let mut tokens = Vec::new();
    let mut chars = line.char_indices().peekable();
    while let Some(&(start, c)) = chars.peek() {
        match c {
            ' ' | '\t' => {
                chars.next();
            }
            '#' => break,
            ':' => {
                chars.next();
                tokens.push(Token::Colon);
            }
            ',' => {
                chars.next();
                tokens.push(Token::Comma);
            }
            '"' => {
                chars.next();
                let mut text = String::new();
                let mut closed = false;
                while let Some((_, c)) = chars.next() {
                    match c {
                        '"' => {
                            closed = true;
                            break;
                        }
                        '\\' => match chars.next() {
                            Some((_, 'n')) => text.push('\n'),
                            Some((_, 't')) => text.push('\t'),
                            Some((_, 'u')) => {
                                let hex: String = (0..4)
                                    .filter_map(|_| chars.next())
                                    .map(|(_, c)| c)
                                    .collect();
                                match u32::from_str_radix(&hex, 16).ok().and_then(char::from_u32) {
                                    Some(c) => text.push(c),
                                    None => return Err(format!("invalid escape `\\u{hex}`")),
                                }
                            }
                            Some((_, other)) => text.push(other),
                            None => break,
                        },
                        other => text.push(other),
                    }
                }
                if !closed {
                    return Err("a quoted string is not closed".to_string());
                }
                tokens.push(Token::Text(text));
            }
            _ => {
                let mut end = line.len();
                for (index, c) in line[start..].char_indices() {
                    if matches!(c, ' ' | '\t' | ':' | ',') {
                        end = start + index;
                        break;
                    }
                }
                tokens.push(Token::Text(line[start..end].to_string()));
                while chars.peek().is_some_and(|&(i, _)| i < end) {
                    chars.next();
                }
            }
        }
    }
    Ok(tokens)
}

/// What one line says: `key1, key2:` opens a block, `key value` (or `key: value`) sets a value.
enum V1Line {
    Open(Vec<String>),
    Value(String, String),
}

fn classify(tokens: Vec<Token>) -> Result<V1Line, String> {
    if tokens.last() == Some(&Token::Colon) {
        let mut keys = Vec::new();
        let mut expect_key = true;
        for token in &tokens[..tokens.len() - 1] {
            match (token, expect_key) {
                (Token::Text(key), true) => keys.push(key.clone()),
                (Token::Comma, false) => {}
                _ => return Err("expected `key:` or `key1, key2:`".to_string()),
            }
            expect_key = !expect_key;
        }
        if keys.is_empty() || expect_key {
            return Err("expected a key before `:`".to_string());
        }
        return Ok(V1Line::Open(keys));
    }
    let mut texts = tokens.into_iter().filter(|t| *t != Token::Colon);
    match (texts.next(), texts.next(), texts.next()) {
        (Some(Token::Text(key)), Some(Token::Text(value)), None) => Ok(V1Line::Value(key, value)),
        _ => Err("expected `key value` or `key:`".to_string()),
    }
}

/// A block being parsed: its items so far, and the keys and line of the line that opened it.
struct OpenBlock {
    items: Vec<V1Item>,
    opener: Option<(Vec<String>, usize)>,
}

/// Closes the open blocks deeper than `depth`, adding each to its parent.
fn close_blocks(stack: &mut Vec<OpenBlock>, depth: usize) {
    while stack.len() > depth {
        let block = stack.pop().expect("a block");
        let (keys, line) = block.opener.expect("nested blocks have an opener");
        stack.last_mut().expect("the top block").items.push(V1Item {
            keys,
            value: V1Value::Block(block.items),
            line,
        });
    }
}

/// Parses the v1 format into its top-level items.
fn parse_v1(text: &str) -> Result<Vec<V1Item>, (String, usize)> {
    // `stack[d]` is the open block at depth d; the top level is never closed.
    let mut stack = vec![OpenBlock {
        items: Vec::new(),
        opener: None,
    }];
    for (index, raw) in text.lines().enumerate() {
        let line_number = index + 1;
        let line = raw.trim_end();
        let content = line.trim_start_matches(' ');
        if content.is_empty() || content.starts_with('#') {
            continue;
        }
        if content.starts_with('\t') {
            return Err(("tabs are not valid indentation".to_string(), line_number));
        }
        let indent = line.len() - content.len();
        if indent % 2 != 0 {
            return Err((
                format!("an indentation of {indent} spaces is not a multiple of two"),
                line_number,
            ));
        }
        let depth = indent / 2;
        if depth >= stack.len() {
            return Err(("unexpected indentation".to_string(), line_number));
        }
        close_blocks(&mut stack, depth + 1);
        let tokens = tokenize(content).map_err(|e| (e, line_number))?;
        match classify(tokens).map_err(|e| (e, line_number))? {
            V1Line::Open(keys) => stack.push(OpenBlock {
                items: Vec::new(),
                opener: Some((keys, line_number)),
            }),
            V1Line::Value(key, value) => stack[depth].items.push(V1Item {
                keys: vec![key],
                value: V1Value::Text(value),
                line: line_number,
            }),
        }
    }
    close_blocks(&mut stack, 1);
    Ok(stack.pop().map(|block| block.items).unwrap_or_default())
}

fn read_v1(
    text: &str,
    display: &str,
    root: &Path,
    project_dir: &Path,
) -> Result<Lock, Box<Finding>> {
    let unreadable = |message: String, line: usize| {
        Box::new(
            Finding::error(
                Code::InputUnreadable,
                crate::text!("yarn_lock_invalid", file = display, message = message),
            )
            .at(display.to_string(), Some(line)),
        )
    };
    // The header names the format: `# yarn lockfile v1`.
    if let Some((index, header)) = text
        .lines()
        .enumerate()
        .find(|(_, l)| l.starts_with("# yarn lockfile v"))
    {
        let version = header.trim_start_matches("# yarn lockfile v").trim();
        if version != "1" {
            return Err(Box::new(
                Finding::error(
                    Code::LockfileVersionUnsupported,
                    crate::text!("yarn_lock_v", file = display, version = version),
                )
                .at(display.to_string(), Some(index + 1)),
            ));
        }
    }
    let items = parse_v1(text).map_err(|(message, line)| unreadable(message, line))?;
    let mut entries = Vec::new();
    for item in items {
        let V1Value::Block(fields) = item.value else {
            continue;
        };
        let mut version = None;
        let mut resolved = None;
        let mut integrity = None;
        let mut dependencies = Vec::new();
        for field in fields {
            let key = field.keys.first().map(String::as_str).unwrap_or_default();
            match (key, field.value) {
                ("version", V1Value::Text(v)) => version = Some(v),
                ("resolved", V1Value::Text(v)) => resolved = Some(v),
                ("integrity", V1Value::Text(v)) => integrity = Some(v),
                (group @ ("dependencies" | "optionalDependencies"), V1Value::Block(deps)) => {
                    for dep in deps {
                        if let (Some(name), V1Value::Text(range)) = (dep.keys.first(), dep.value) {
                            dependencies.push((
                                name.clone(),
                                range,
                                group == "optionalDependencies",
                            ));
                        }
                    }
                }
                _ => {}
            }
        }
        let descriptors = item.keys;
        let first = descriptors.first().cloned().unwrap_or_default();
        let Some(version) = version else {
            return Err(unreadable(
                format!("the entry `{first}` has no `version`"),
                item.line,
            ));
        };
        let (name, range) = split_descriptor(&first);
        let name = aliased_name(range).unwrap_or(name).to_string();
        let mut link = None;
        let source = if let Some(path) = range.strip_prefix("file:") {
            // A directory (not a tarball) has a package.json to read.
            if !path.ends_with(".tgz") && !path.ends_with(".tar.gz") {
                link = Some(normalise_dir(path));
            }
            PackageSource::Path {
                path: local_path(root, project_dir, path),
            }
        } else {
            match &resolved {
                Some(url) => match url.strip_prefix("file:") {
                    Some(path) => PackageSource::Path {
                        path: local_path(root, project_dir, path),
                    },
                    None => source_of_url(url, &version),
                },
                None => PackageSource::Registry { url: None },
            }
        };
        entries.push(Entry {
            descriptors,
            name,
            version,
            source,
            checksum: integrity,
            workspace: None,
            link,
            dependencies,
        });
    }
    Ok(Lock {
        reader: "yarn.lock v1".to_string(),
        berry: false,
        entries,
    })
}

/// `@scope/name@range` → (`@scope/name`, `range`).
fn split_descriptor(descriptor: &str) -> (&str, &str) {
    match descriptor.get(1..).and_then(|rest| rest.find('@')) {
        Some(index) => (&descriptor[..index + 1], &descriptor[index + 2..]),
        None => (descriptor, ""),
    }
}

/// The real name behind an `npm:` alias range: `npm:ms@^1.0.0` → `ms`.
fn aliased_name(range: &str) -> Option<&str> {
    let spec = range.strip_prefix("npm:")?;
    let (name, _) = split_descriptor(spec);
    (!name.is_empty() && spec.len() > name.len()).then_some(name)
}

// ---------------------------------------------------------------------------------------------
// Berry

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct BerryEntry {
    version: Option<String>,
    resolution: Option<String>,
    dependencies: Option<BTreeMap<String, String>>,
    dependencies_meta: Option<BTreeMap<String, DependencyMeta>>,
    checksum: Option<String>,
    link_type: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
struct DependencyMeta {
    optional: Option<bool>,
}

fn read_berry(
    text: &str,
    display: &str,
    root: &Path,
    project_dir: &Path,
) -> Result<Lock, Box<Finding>> {
    let mut map: BTreeMap<String, BerryEntry> =
        parse_yaml(text, display, 0, "a valid yarn lockfile")?;
    let metadata = map.remove("__metadata").unwrap_or_default();
    let metadata_line = line_starting_with(text, "__metadata:");
    let version_line = metadata_line.and_then(|start| {
        text.lines()
            .skip(start)
            .take_while(|l| l.starts_with(' ') || l.is_empty())
            .position(|l| l.trim_start().starts_with("version:"))
            .map(|i| start + i + 1)
    });
    let version = metadata
        .version
        .as_deref()
        .and_then(|v| v.trim().parse::<u64>().ok());
    let Some(version) = version.filter(|v| BERRY_VERSIONS.contains(v)) else {
        let shown = match &metadata.version {
            Some(v) => crate::text!("lockfile_version_shown", version = v),
            None => crate::text!("no_field", field = "__metadata.version"),
        };
        return Err(Box::new(
            Finding::error(
                Code::LockfileVersionUnsupported,
                crate::text!(
                    "yarn_berry_version",
                    file = display,
                    first = BERRY_VERSIONS.start(),
                    last = BERRY_VERSIONS.end()
                )
                .sub("shown", shown),
            )
            .at(display.to_string(), version_line.or(metadata_line)),
        ));
    };
    let mut entries = Vec::new();
    for (key, entry) in map {
        let descriptors: Vec<String> = key.split(", ").map(|d| d.trim().to_string()).collect();
        let resolution = entry
            .resolution
            .clone()
            .unwrap_or_else(|| descriptors.first().cloned().unwrap_or_default());
        let (name, reference) = underlying(&resolution);
        let version = entry.version.clone().unwrap_or_default();
        let mut workspace = None;
        let mut link = None;
        let source = if let Some(path) = reference.strip_prefix("workspace:") {
            workspace = Some(normalise_dir(path));
            PackageSource::Path {
                path: local_path(root, project_dir, path),
            }
        } else if let Some(path) = reference
            .strip_prefix("link:")
            .or_else(|| reference.strip_prefix("portal:"))
        {
            let path = strip_locator(path);
            link = Some(normalise_dir(path));
            PackageSource::Path {
                path: local_path(root, project_dir, path),
            }
        } else if let Some(path) = reference.strip_prefix("file:") {
            PackageSource::Path {
                path: local_path(root, project_dir, strip_locator(path)),
            }
        } else if reference.starts_with("npm:") {
            PackageSource::Registry { url: None }
        } else if reference.contains(".git#") || reference.contains("#commit=") {
            PackageSource::Git {
                url: reference.to_string(),
            }
        } else if reference.starts_with("http://") || reference.starts_with("https://") {
            source_of_url(&reference, &version)
        } else if entry.link_type.as_deref() == Some("soft") {
            PackageSource::Path {
                path: reference.to_string(),
            }
        } else {
            PackageSource::Url {
                url: reference.to_string(),
            }
        };
        let optional_meta: Vec<&str> = entry
            .dependencies_meta
            .iter()
            .flatten()
            .filter(|(_, meta)| meta.optional == Some(true))
            .map(|(name, _)| name.as_str())
            .collect();
        let dependencies = entry
            .dependencies
            .iter()
            .flatten()
            .map(|(name, range)| {
                (
                    name.clone(),
                    range.clone(),
                    optional_meta.contains(&name.as_str()),
                )
            })
            .collect();
        entries.push(Entry {
            descriptors,
            name: name.to_string(),
            // Workspaces are `0.0.0-use.local`: their version is package.json's.
            version: if workspace.is_some() {
                String::new()
            } else {
                version
            },
            source,
            checksum: entry.checksum,
            workspace,
            link,
            dependencies,
        });
    }
    Ok(Lock {
        reader: format!("yarn.lock v{version}"),
        berry: true,
        entries,
    })
}

/// The package a Berry resolution stands for: `name@npm:1.2.3` itself, and for `patch:` the
/// package it patches (`resolve@patch:resolve@npm%3A1.22.8#...` → `resolve`, `npm:1.22.8`).
fn underlying(resolution: &str) -> (&str, std::borrow::Cow<'_, str>) {
    let (name, reference) = split_descriptor(resolution);
    if let Some(patched) = reference.strip_prefix("patch:") {
        let inner = patched.split('#').next().unwrap_or(patched);
        let decoded = percent_decode(inner);
        let (inner_name, inner_reference) = split_descriptor(&decoded);
        if !inner_name.is_empty() {
            let inner_reference = inner_reference.to_string();
            return (name, std::borrow::Cow::Owned(inner_reference));
        }
    }
    (name, std::borrow::Cow::Borrowed(reference))
}

fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && i + 2 < bytes.len()
            && bytes[i + 1].is_ascii_hexdigit()
            && bytes[i + 2].is_ascii_hexdigit()
        {
            let hex = [bytes[i + 1], bytes[i + 2]];
            let hex = std::str::from_utf8(&hex).unwrap_or("00");
            out.push(u8::from_str_radix(hex, 16).unwrap_or(b'%'));
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// `../lib::locator=app%40workspace%3A.` → `../lib`.
fn strip_locator(reference: &str) -> &str {
    reference.split("::").next().unwrap_or(reference)
}

fn normalise_dir(path: &str) -> String {
    let path = path.trim_start_matches("./").trim_end_matches('/');
    if path.is_empty() {
        ".".to_string()
    } else {
        path.to_string()
    }
}

// ---------------------------------------------------------------------------------------------
// The graph

fn build_graph(
    ctx: &ReadContext<'_>,
    found: &FoundProject,
    display: &str,
    lock: Lock,
) -> ProjectGraph {
    let project_dir = &found.dir;
    let mut findings = Vec::new();

    // The project's own packages: the root and its workspaces.
    let workspace_paths: Vec<String> = if lock.berry {
        let mut paths: Vec<String> = lock
            .entries
            .iter()
            .filter_map(|e| e.workspace.clone())
            .collect();
        if !paths.iter().any(|p| p == ".") {
            paths.push(".".to_string());
        }
        paths
    } else {
        v1_workspaces(ctx, project_dir)
    };
    let mut workspace_paths = workspace_paths;
    workspace_paths.sort_by(|a, b| (a != ".", a).cmp(&(b != ".", b)));
    workspace_paths.dedup();

    let mut nodes: Vec<Package> = Vec::new();
    let mut manifests = Vec::new();
    let mut workspace_index: HashMap<String, usize> = HashMap::new();
    let mut workspace_by_name: HashMap<String, usize> = HashMap::new();
    for path in &workspace_paths {
        let dir = if path == "." {
            project_dir.clone()
        } else {
            project_dir.join(path)
        };
        let hint = lock
            .entries
            .iter()
            .find(|e| e.workspace.as_deref() == Some(path.as_str()))
            .map(|e| e.name.as_str());
        let local = LocalPackage::read(ctx, &dir, hint);
        if let Some(problem) = &local.problem {
            findings.push(problem.clone());
        }
        let mut package = local.package(ctx.input, project_dir, path);
        package.root = true;
        workspace_index.insert(path.clone(), nodes.len());
        workspace_by_name.insert(package.name.clone(), nodes.len());
        nodes.push(package);
        manifests.push(local.manifest);
    }

    // Every other entry, and the descriptors that lead to it.
    let mut by_descriptor: HashMap<&str, usize> = HashMap::new();
    let mut entry_node: Vec<usize> = Vec::with_capacity(lock.entries.len());
    let mut links: Vec<(usize, String)> = Vec::new();
    for entry in &lock.entries {
        let index = match &entry.workspace {
            Some(path) => workspace_index[path],
            None => {
                let mut package = Package::new(
                    Ecosystem::Npm,
                    &entry.name,
                    &entry.version,
                    entry.source.clone(),
                );
                package.checksum = entry.checksum.clone();
                package.licence_unavailable = Some(NO_LICENCES.to_string());
                if let Some(path) = &entry.link {
                    links.push((nodes.len(), path.clone()));
                }
                nodes.push(package);
                nodes.len() - 1
            }
        };
        for descriptor in &entry.descriptors {
            by_descriptor.insert(descriptor, index);
        }
        entry_node.push(index);
    }
    // Linked directories: their package.json is their licence evidence.
    for (index, path) in links {
        let local = LocalPackage::read(ctx, &project_dir.join(&path), Some(&nodes[index].name));
        if let Some(problem) = &local.problem {
            findings.push(problem.clone());
        }
        if let Some(manifest) = &local.manifest {
            nodes[index].declared = manifest.declared(&local.display);
            nodes[index].dir = local.package(ctx.input, project_dir, &path).dir;
        }
    }

    // Edges.
    let resolve = |name: &str, range: &str| -> Option<usize> {
        by_descriptor
            .get(format!("{name}@{range}").as_str())
            .or_else(|| by_descriptor.get(format!("{name}@npm:{range}").as_str()))
            .copied()
            .or_else(|| {
                // v1 does not list workspaces; Berry lists them under `workspace:` ranges.
                (range.starts_with("workspace:") || !lock.berry)
                    .then(|| workspace_by_name.get(name).copied())
                    .flatten()
            })
    };
    let mut edges: Vec<(usize, usize, DepKind)> = Vec::new();
    let mut missing: BTreeMap<usize, Vec<String>> = BTreeMap::new();
    // The workspaces' own dependencies, classified by their package.json.
    for (path, manifest) in workspace_paths.iter().zip(&manifests) {
        let from = workspace_index[path];
        let declared: Vec<(String, String, DepKind)> = if lock.berry {
            let entry = lock
                .entries
                .iter()
                .find(|e| e.workspace.as_deref() == Some(path.as_str()));
            entry
                .map(|e| {
                    e.dependencies
                        .iter()
                        .map(|(name, range, optional)| {
                            let kind = match manifest {
                                _ if *optional => DepKind::Optional,
                                Some(m) if m.optional_dependencies.contains_key(name) => {
                                    DepKind::Optional
                                }
                                Some(m)
                                    if m.dev_dependencies.contains_key(name)
                                        && !m.dependencies.contains_key(name) =>
                                {
                                    DepKind::Dev
                                }
                                _ => DepKind::Normal,
                            };
                            (name.clone(), range.clone(), kind)
                        })
                        .collect()
                })
                .unwrap_or_default()
        } else {
            manifest
                .iter()
                .flat_map(|m| {
                    let normal = m
                        .dependencies
                        .iter()
                        .map(|(n, r)| (n.clone(), r.clone(), DepKind::Normal));
                    let optional = m
                        .optional_dependencies
                        .iter()
                        .map(|(n, r)| (n.clone(), r.clone(), DepKind::Optional));
                    let dev = m
                        .dev_dependencies
                        .iter()
                        .filter(|(n, _)| !m.dependencies.contains_key(*n))
                        .map(|(n, r)| (n.clone(), r.clone(), DepKind::Dev));
                    normal.chain(optional).chain(dev).collect::<Vec<_>>()
                })
                .collect()
        };
        for (name, range, kind) in declared {
            match resolve(&name, &range) {
                Some(to) => edges.push((from, to, kind)),
                None if kind == DepKind::Optional => {}
                None => missing
                    .entry(from)
                    .or_default()
                    .push(format!("{name}@{range}")),
            }
        }
    }
    for (entry, &from) in lock.entries.iter().zip(&entry_node) {
        if entry.workspace.is_some() {
            continue;
        }
        for (name, range, optional) in &entry.dependencies {
            let kind = if *optional {
                DepKind::Optional
            } else {
                DepKind::Normal
            };
            match resolve(name, range) {
                Some(to) => edges.push((from, to, kind)),
                None if *optional => {}
                None => missing
                    .entry(from)
                    .or_default()
                    .push(format!("{name}@{range}")),
            }
        }
    }
    let mut added = crate::model::EdgeSet::of(&nodes);
    for (from, to, kind) in edges {
        added.add(&mut nodes, from, Dependency { package: to, kind });
    }
    for (from, wanted) in missing {
        let who = if nodes[from].root {
            format!("{} (the project's own package)", nodes[from].name)
        } else {
            format!("`{}@{}`", nodes[from].name, nodes[from].version)
        };
        findings.push(ProjectGraph::dependencies_missing(&who, &wanted, display));
    }

    // Scopes and the optional flag, from the project's own packages.
    let roots: Vec<usize> = (0..nodes.len()).filter(|&i| nodes[i].root).collect();
    let scopes = scopes_from_edges(&nodes, &roots);
    let optional = optional_from_edges(&nodes, &roots);
    for (index, package) in nodes.iter_mut().enumerate() {
        package.scope = scopes[index];
        package.optional = optional[index];
    }

    // Installed copies (node-modules linker): every package directory under the project's and
    // the workspaces' node_modules, found by the name and version of its own package.json (an
    // alias is installed under its alias name, a second version nested below its dependent).
    let install_dirs: Vec<PathBuf> = workspace_paths
        .iter()
        .map(|p| {
            if p == "." {
                project_dir.join("node_modules")
            } else {
                project_dir.join(p).join("node_modules")
            }
        })
        .filter(|d| ctx.input.is_dir(d))
        .collect();
    if !install_dirs.is_empty() {
        let mut package_dirs = Vec::new();
        for dir in &install_dirs {
            scan_node_modules(ctx.input, dir, 0, &mut package_dirs);
        }
        let copies: Vec<Installed> = package_dirs
            .par_iter()
            .filter_map(|dir| read_installed(ctx.input, dir))
            .collect();
        let mut by_identity: HashMap<(String, String), Installed> = HashMap::new();
        for copy in copies {
            if let (Some(name), Some(version)) = (copy.name(), copy.version()) {
                by_identity
                    .entry((name.to_string(), version.to_string()))
                    .or_insert(copy);
            }
        }
        for package in nodes.iter_mut() {
            if package.root || matches!(package.source, PackageSource::Path { .. }) {
                continue;
            }
            if let Some(copy) = by_identity.remove(&(package.name.clone(), package.version.clone()))
            {
                copy.apply(package, display, &mut findings);
            }
        }
    }

    let mut graph = ProjectGraph::new(ctx, found, &lock.reader);
    graph.packages = join_packages(nodes);
    graph.findings = findings;
    graph.set_roots();
    graph
}

/// Collects the package directories under a node_modules directory, nested ones included;
/// symbolic links (workspaces, `link:` packages) and dot-directories (`.bin`, `.cache`) are
/// skipped, and nothing outside the audited tree is listed.
fn scan_node_modules(input: &Confined, dir: &Path, depth: usize, out: &mut Vec<PathBuf>) {
    if depth > 32 {
        return;
    }
    let Ok(entries) = input.list(dir) else {
        return;
    };
    let mut found = Vec::new();
    for entry in entries {
        if entry.name.starts_with('.') || entry.kind != EntryKind::Dir {
            continue;
        }
        if entry.name.starts_with('@') {
            for scoped in input.list(&entry.path).into_iter().flatten() {
                if scoped.kind == EntryKind::Dir {
                    found.push(scoped.path);
                }
            }
        } else {
            found.push(entry.path);
        }
    }
    found.sort();
    for package in found {
        let nested = package.join("node_modules");
        out.push(package);
        if input.is_dir(&nested) {
            scan_node_modules(input, &nested, depth + 1, out);
        }
    }
}

/// yarn v1 workspaces: the directories below the project whose package.json matches a
/// `workspaces` glob of the root package.json (`.` first).
fn v1_workspaces(ctx: &ReadContext<'_>, project_dir: &Path) -> Vec<String> {
    let mut paths = vec![".".to_string()];
    let Ok(manifest) = super::package_json::read(ctx.input, &project_dir.join("package.json"))
    else {
        return paths;
    };
    let Some(workspaces) = &manifest.workspaces else {
        return paths;
    };
    // A refused glob is reported by discovery, which reads the same `workspaces`.
    let Some(globs) = WorkspaceGlobs::compile(js_members(workspaces.patterns())).globs else {
        return paths;
    };
    for manifest in ctx.tree.named("package.json") {
        let Some(dir) = manifest.parent() else {
            continue;
        };
        let Ok(rel) = dir.strip_prefix(project_dir) else {
            continue;
        };
        if rel.as_os_str().is_empty() || !globs.is_match(rel) {
            continue;
        }
        paths.push(rel.to_string_lossy().replace('\\', "/"));
    }
    paths
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn v1_keys_values_and_blocks_are_parsed() {
        let text = "# yarn lockfile v1\n\n\n\"@a/b@^1.0.0\", \"@a/b@^1.1.0\":\n  version \"1.2.0\"\n  resolved \"https://npm.registry.example/@a/b/-/b-1.2.0.tgz#abc\"\n  dependencies:\n    ms \"^2.1.3\"\n\nms@^2.1.3:\n  version \"2.1.3\"\n";
        let items = parse_v1(text).unwrap();
        assert_eq!(items.len(), 2);
        assert_eq!(items[0].keys, vec!["@a/b@^1.0.0", "@a/b@^1.1.0"]);
        assert_eq!(items[0].line, 4);
        let V1Value::Block(fields) = &items[0].value else {
            panic!("a block")
        };
        assert_eq!(fields.len(), 3);
        assert!(matches!(&fields[2].value, V1Value::Block(deps) if deps.len() == 1));
        assert_eq!(items[1].keys, vec!["ms@^2.1.3"]);
    }

    #[test]
    fn v1_errors_name_the_line() {
        assert_eq!(parse_v1("a@1:\n  version \"1\n").unwrap_err().1, 2);
        assert_eq!(parse_v1("a@1:\n   version \"1\"\n").unwrap_err().1, 2);
        assert_eq!(
            parse_v1("a@1:\n  version \"1\"\n      x y\n")
                .unwrap_err()
                .1,
            3
        );
        assert_eq!(parse_v1("a@1:\n  version \"1\" extra\n").unwrap_err().1, 2);
    }

    #[test]
    fn descriptors_split_at_the_version_at() {
        assert_eq!(split_descriptor("@s/n@npm:^1.0.0"), ("@s/n", "npm:^1.0.0"));
        assert_eq!(split_descriptor("ms@^2.1.1"), ("ms", "^2.1.1"));
        assert_eq!(aliased_name("npm:ms@^1.0.0"), Some("ms"));
        assert_eq!(aliased_name("npm:@s/n@1.0.0"), Some("@s/n"));
        assert_eq!(aliased_name("npm:^1.0.0"), None);
    }

    #[test]
    fn berry_resolutions_give_sources() {
        let text = r#"__metadata:
  version: 8
  cacheKey: 10c0

"app@workspace:.":
  version: 0.0.0-use.local
  resolution: "app@workspace:."
  dependencies:
    gitpkg: "https://git.example/org/gitpkg.git#commit=abc"
    lib: "link:../lib"
    tar: "https://tarballs.example/tar-1.0.0.tgz"
  languageName: unknown
  linkType: soft

"gitpkg@https://git.example/org/gitpkg.git#commit=abc":
  version: 2.0.0
  resolution: "gitpkg@https://git.example/org/gitpkg.git#commit=abc"
  languageName: node
  linkType: hard

"lib@link:../lib::locator=app%40workspace%3A.":
  version: 0.0.0-use.local
  resolution: "lib@link:../lib::locator=app%40workspace%3A."
  languageName: node
  linkType: soft

"tar@https://tarballs.example/tar-1.0.0.tgz":
  version: 1.0.0
  resolution: "tar@https://tarballs.example/tar-1.0.0.tgz"
  checksum: 10c0/abc
  languageName: node
  linkType: hard
"#;
        let root = Path::new("/audit");
        let lock = read_berry(text, "yarn.lock", root, &root.join("app")).unwrap();
        assert_eq!(lock.reader, "yarn.lock v8");
        let by_name: HashMap<&str, &Entry> =
            lock.entries.iter().map(|e| (e.name.as_str(), e)).collect();
        assert_eq!(by_name["app"].workspace.as_deref(), Some("."));
        assert_eq!(by_name["app"].dependencies.len(), 3);
        assert!(
            matches!(&by_name["gitpkg"].source, PackageSource::Git { url } if url.ends_with("#commit=abc"))
        );
        assert!(matches!(&by_name["lib"].source, PackageSource::Path { path } if path == "lib"));
        assert_eq!(by_name["lib"].link.as_deref(), Some("../lib"));
        assert!(matches!(&by_name["tar"].source, PackageSource::Url { .. }));
        assert_eq!(by_name["tar"].checksum.as_deref(), Some("10c0/abc"));
    }

    #[test]
    fn v1_file_and_git_entries_give_sources() {
        let text = "# yarn lockfile v1\n\n\"local@file:../local\":\n  version \"1.0.0\"\n\n\"gitpkg@git+https://git.example/org/gitpkg.git#abc\":\n  version \"2.0.0\"\n  resolved \"git+https://git.example/org/gitpkg.git#abc\"\n";
        let root = Path::new("/audit");
        let lock = read_v1(text, "yarn.lock", root, &root.join("app")).unwrap();
        assert!(matches!(&lock.entries[0].source, PackageSource::Path { path } if path == "local"));
        assert_eq!(lock.entries[0].link.as_deref(), Some("../local"));
        assert!(matches!(&lock.entries[1].source, PackageSource::Git { .. }));
    }

    #[test]
    fn patches_stand_for_the_package_they_patch() {
        let (name, reference) = underlying(
            "resolve@patch:resolve@npm%3A1.22.14#optional!builtin<compat/resolve>::version=1.22.14&hash=9bd1a5",
        );
        assert_eq!(name, "resolve");
        assert_eq!(reference, "npm:1.22.14");
        let (name, reference) = underlying("ms@npm:2.1.3");
        assert_eq!((name, reference.as_ref()), ("ms", "npm:2.1.3"));
    }
}
