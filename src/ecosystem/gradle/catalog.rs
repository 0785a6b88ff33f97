//! Version catalogs (`gradle/libs.versions.toml` and those the settings import).

use super::*;

/// A version catalog (`gradle/libs.versions.toml`).
#[derive(Debug, Clone, Default)]
pub(super) struct Catalog {
    /// The accessor (`libs`).
    pub(super) name: String,
    pub(super) path: PathBuf,
    /// The directory of the build that uses it (the parent of `gradle/`).
    pub(super) base: PathBuf,
    pub(super) versions: HashMap<String, String>,
    /// By normalised alias (`-` and `_` become `.`).
    pub(super) libraries: HashMap<String, Library>,
    pub(super) bundles: HashMap<String, Vec<String>>,
    /// `[plugins]`: by normalised alias, the plugin id and version.
    pub(super) plugins: HashMap<String, (String, String)>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Library {
    pub(super) group: String,
    pub(super) artifact: String,
    pub(super) version: String,
}

/// The catalogs the build scripts in `dir` see: for each accessor, the one of the nearest
/// enclosing build.
pub(super) fn catalogs_for(catalogs: &[Catalog], dir: &Path) -> Vec<Catalog> {
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

pub(super) fn alias_key(alias: &str) -> String {
    alias.replace(['-', '_'], ".")
}

pub(super) fn read_catalog(ctx: &ReadContext<'_>, path: &Path) -> Result<Catalog, Vec<Finding>> {
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
                crate::text!("catalog_invalid", file = display, message = message),
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
                    crate::text!(
                        "line_problem",
                        file = display,
                        line = line.unwrap_or(0),
                        message = message
                    ),
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

pub(super) type CatalogError = (Option<usize>, String);

/// Parses a catalog's TOML; entries that Gradle would refuse are errors with their line.
pub(super) fn parse_catalog(text: &str) -> Result<(Catalog, Vec<CatalogError>), CatalogError> {
    let table: toml::Table = toml::from_str(text).map_err(|err| {
        (
            err.span().map(|s| line_of_offset(text, s.start)),
            err.message().trim().to_string(),
        )
    })?;
    // The line of `key = ...` in `[section]`, from one pass over the text (a look-up per entry
    // would make a catalog with many bad entries quadratic).
    let lines = catalog_key_lines(text);
    let line_of =
        |section: &str, key: &str| lines.get(&(section.to_string(), key.to_string())).copied();
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
    if let Some(plugins) = table.get("plugins").and_then(|v| v.as_table()) {
        for (alias, value) in plugins {
            let plugin = match value {
                toml::Value::String(s) => s
                    .split_once(':')
                    .map(|(id, v)| (id.to_string(), v.to_string())),
                toml::Value::Table(t) => t.get("id").and_then(|i| i.as_str()).map(|id| {
                    let version = t
                        .get("version")
                        .and_then(|v| match v {
                            toml::Value::Table(r) => r
                                .get("ref")
                                .and_then(|r| r.as_str())
                                .and_then(|r| catalog.versions.get(&alias_key(r)).cloned()),
                            other => rich_version(other),
                        })
                        .unwrap_or_default();
                    (id.to_string(), version)
                }),
                _ => None,
            };
            if let Some(plugin) = plugin {
                catalog.plugins.insert(alias_key(alias), plugin);
            }
        }
    }
    Ok((catalog, errors))
}

/// The line of the first `key = ...` (or `"key" = ...`) of every `[section]` of a catalog.
fn catalog_key_lines(text: &str) -> HashMap<(String, String), usize> {
    let mut lines = HashMap::new();
    let mut section = String::new();
    for (i, l) in text.lines().enumerate() {
        let l = l.trim();
        if let Some(name) = l.strip_prefix('[').and_then(|r| r.strip_suffix(']')) {
            section = name.trim().to_string();
            continue;
        }
        let Some((key, _)) = l.split_once('=') else {
            continue;
        };
        let key = key.trim();
        let key = key
            .strip_prefix('"')
            .and_then(|k| k.strip_suffix('"'))
            .unwrap_or(key);
        lines
            .entry((section.clone(), key.to_string()))
            .or_insert(i + 1);
    }
    lines
}

/// A version entry: a string, or a rich version (`prefer`, then `strictly`, then `require`).
pub(super) fn rich_version(value: &toml::Value) -> Option<String> {
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

pub(super) fn library(
    value: &toml::Value,
    versions: &HashMap<String, String>,
) -> Result<Library, String> {
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

/// Adds the catalogs the settings declare with the DSL (`versionCatalogs { libs { ... } }`) to
/// `catalogs`, merging with a TOML catalog of the same name.
pub(super) fn add_declared_catalogs(
    catalogs: &mut Vec<Catalog>,
    entries: &[(String, CatalogEntry)],
    env: &Env<'_>,
    base: &Path,
    settings_path: &Path,
) {
    let text = |tokens: &[Token]| env.text(tokens).resolved();
    for (name, _) in entries {
        if !catalogs.iter().any(|c| c.name == *name && c.base == base) {
            catalogs.push(Catalog {
                name: name.clone(),
                path: settings_path.to_path_buf(),
                base: base.to_path_buf(),
                ..Catalog::default()
            });
        }
    }
    let catalog_of = |catalogs: &mut Vec<Catalog>, name: &str| -> Option<usize> {
        catalogs
            .iter()
            .position(|c| c.name == name && c.base == base)
    };
    // Versions first: libraries and plugins refer to them.
    for (name, entry) in entries {
        if let CatalogEntry::Version { name: key, value } = entry
            && let (Some(key), Some(value)) = (text(key), text(value))
            && let Some(i) = catalog_of(catalogs, name)
        {
            catalogs[i].versions.insert(alias_key(&key), value);
        }
    }
    for (name, entry) in entries {
        let Some(i) = catalog_of(catalogs, name) else {
            continue;
        };
        let version_of = |catalog: &Catalog, version: &Option<(Vec<Token>, bool)>| match version {
            Some((tokens, true)) => text(tokens)
                .and_then(|r| catalog.versions.get(&alias_key(&r)).cloned())
                .unwrap_or_default(),
            Some((tokens, false)) => text(tokens).unwrap_or_default(),
            None => String::new(),
        };
        match entry {
            CatalogEntry::Library { args, version } => {
                let values: Vec<String> = args.iter().filter_map(|a| text(a)).collect();
                let (alias, group, artifact, inline) = match values.as_slice() {
                    [alias, group, artifact] => {
                        (alias, group.clone(), artifact.clone(), String::new())
                    }
                    [alias, notation] => {
                        let mut parts = notation.splitn(3, ':');
                        match (parts.next(), parts.next()) {
                            (Some(g), Some(a)) => (
                                alias,
                                g.to_string(),
                                a.to_string(),
                                parts.next().unwrap_or_default().to_string(),
                            ),
                            _ => continue,
                        }
                    }
                    _ => continue,
                };
                let mut version = version_of(&catalogs[i], version);
                if version.is_empty() {
                    version = inline;
                }
                catalogs[i].libraries.insert(
                    alias_key(alias),
                    Library {
                        group,
                        artifact,
                        version,
                    },
                );
            }
            CatalogEntry::Plugin { args, version } => {
                let values: Vec<String> = args.iter().filter_map(|a| text(a)).collect();
                if let [alias, id] = values.as_slice() {
                    let version = version_of(&catalogs[i], version);
                    catalogs[i]
                        .plugins
                        .insert(alias_key(alias), (id.clone(), version));
                }
            }
            CatalogEntry::Bundle { args } => {
                let Some(bundle) = args.first().and_then(|a| text(a)) else {
                    continue;
                };
                let members: Vec<String> = args[1..]
                    .iter()
                    .flatten()
                    .filter_map(|t| match &t.tk {
                        Tk::Str(parts) => super::script::literal(parts),
                        _ => None,
                    })
                    .map(|m| alias_key(&m))
                    .collect();
                catalogs[i].bundles.insert(alias_key(&bundle), members);
            }
            CatalogEntry::Version { .. } => {}
        }
    }
}
