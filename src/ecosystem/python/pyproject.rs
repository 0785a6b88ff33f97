//! pyproject.toml: the project's own metadata, its licence and licence files, and its declared
//! dependencies (`[project]`, dependency groups, `[tool.poetry]`).

use super::*;

pub(super) fn read_pyproject(
    ctx: &ReadContext<'_>,
    path: &Path,
    project_dir: &Path,
) -> Result<ProjectMeta, Box<Finding>> {
    let display = ctx.display(path);
    let text = read_text(ctx, path, Limit::MANIFEST)?;
    let table: toml::Table = parse_toml(&text, &display, "pyproject.toml")?;
    let mut meta = ProjectMeta {
        display: display.clone(),
        ..ProjectMeta::default()
    };
    let project = table.get("project").and_then(toml::Value::as_table);
    let poetry = table
        .get("tool")
        .and_then(|t| t.get("poetry"))
        .and_then(toml::Value::as_table);
    let string = |t: Option<&toml::Table>, key: &str| {
        t.and_then(|t| t.get(key))
            .and_then(toml::Value::as_str)
            .map(str::to_string)
    };
    meta.name = string(project, "name").or_else(|| string(poetry, "name"));
    meta.version = string(project, "version").or_else(|| string(poetry, "version"));

    let origin = |field: &str| Origin {
        file: display.clone(),
        field: field.to_string(),
    };
    // Licences: `[project] license`, classifiers, then Poetry's fields.
    match project.and_then(|p| p.get("license")) {
        Some(toml::Value::String(raw)) if !raw.trim().is_empty() => {
            meta.declared.push(DeclaredLicence {
                raw: raw.trim().to_string(),
                origin: origin("license"),
            });
        }
        Some(toml::Value::Table(t)) => {
            if let Some(raw) = t
                .get("text")
                .and_then(toml::Value::as_str)
                .map(str::trim)
                .filter(|s| !s.is_empty())
            {
                meta.declared.push(DeclaredLicence {
                    raw: raw.to_string(),
                    origin: origin("license.text"),
                });
            }
            meta.licence_file = t
                .get("file")
                .and_then(toml::Value::as_str)
                .map(str::to_string);
        }
        _ => {}
    }
    let classifiers = |table: Option<&toml::Table>| {
        string_list(table.and_then(|t| t.get("classifiers")))
            .iter()
            .filter_map(|c| licence_classifier(c))
            .collect::<Vec<_>>()
    };
    for raw in classifiers(project) {
        meta.declared.push(DeclaredLicence {
            raw,
            origin: origin("classifiers"),
        });
    }
    if let Some(raw) = string(poetry, "license").filter(|s| !s.trim().is_empty()) {
        meta.declared.push(DeclaredLicence {
            raw: raw.trim().to_string(),
            origin: origin("tool.poetry.license"),
        });
    }
    for raw in classifiers(poetry) {
        meta.declared.push(DeclaredLicence {
            raw,
            origin: origin("tool.poetry.classifiers"),
        });
    }
    let patterns = string_list(project.and_then(|p| p.get("license-files")));
    if !patterns.is_empty() {
        check_licence_files(&mut meta, &text, project_dir, &patterns);
    }

    // Declared dependencies.
    let mut deps = Vec::new();
    let mut problems = Vec::new();
    let mut pep508_list = |value: Option<&toml::Value>, kind: DepKind| {
        for item in value.and_then(toml::Value::as_array).into_iter().flatten() {
            // PEP 735 `{include-group = "..."}` entries name other groups, which are read too.
            let Some(text_item) = item.as_str() else {
                continue;
            };
            let line = find_line(
                &text,
                &[format!("\"{text_item}\""), format!("'{text_item}'")],
            );
            match parse_requirement_text(text_item) {
                Ok(Parsed::Requirement(requirement)) => deps.push(DeclaredDep {
                    name: requirement.name,
                    pin: requirement.pin,
                    text: text_item.to_string(),
                    kind,
                    target: requirement.target,
                    line,
                }),
                Ok(Parsed::Nothing) => {}
                Err(message) => problems.push((line, format!("`{text_item}`: {message}"))),
            }
        }
    };
    pep508_list(project.and_then(|p| p.get("dependencies")), DepKind::Normal);
    if let Some(extras) = project
        .and_then(|p| p.get("optional-dependencies"))
        .and_then(toml::Value::as_table)
    {
        for value in extras.values() {
            pep508_list(Some(value), DepKind::Optional);
        }
    }
    if let Some(groups) = table
        .get("dependency-groups")
        .and_then(toml::Value::as_table)
    {
        for value in groups.values() {
            pep508_list(Some(value), DepKind::Dev);
        }
    }
    pep508_list(
        table
            .get("tool")
            .and_then(|t| t.get("uv"))
            .and_then(|u| u.get("dev-dependencies")),
        DepKind::Dev,
    );
    if let Some(poetry) = poetry {
        let mut poetry_tables: Vec<(&toml::Table, DepKind)> = Vec::new();
        if let Some(t) = poetry.get("dependencies").and_then(toml::Value::as_table) {
            poetry_tables.push((t, DepKind::Normal));
        }
        if let Some(t) = poetry
            .get("dev-dependencies")
            .and_then(toml::Value::as_table)
        {
            poetry_tables.push((t, DepKind::Dev));
        }
        if let Some(groups) = poetry.get("group").and_then(toml::Value::as_table) {
            for (group, value) in groups {
                if let Some(t) = value.get("dependencies").and_then(toml::Value::as_table) {
                    let kind = if group == "main" {
                        DepKind::Normal
                    } else {
                        DepKind::Dev
                    };
                    poetry_tables.push((t, kind));
                }
            }
        }
        for (deps_table, kind) in poetry_tables {
            for (name, value) in deps_table {
                if name == "python" {
                    continue;
                }
                let line = find_line(&text, &[format!("{name} ="), format!("\"{name}\" =")]);
                let written = source_line(&text, line);
                deps.push(poetry_dependency(name, value, kind, line, written));
            }
        }
    }
    for (line, message) in problems {
        meta.findings.push(
            Finding::error(
                Code::InputUnreadable,
                crate::text!("dependency_skipped", file = display, message = message),
            )
            .at(display.clone(), line),
        );
    }
    meta.deps = deps;
    Ok(meta)
}

/// The metadata of a uv workspace member, from its own pyproject.toml.
pub(super) fn member_meta(ctx: &ReadContext<'_>, dir: &Path) -> Option<ProjectMeta> {
    let path = dir.join("pyproject.toml");
    if ctx.input.resolve(&path).is_err_and(|r| r.is_missing()) {
        return None;
    }
    match read_pyproject(ctx, &path, dir) {
        Ok(meta) => Some(meta),
        Err(finding) => Some(ProjectMeta {
            findings: vec![*finding],
            ..ProjectMeta::default()
        }),
    }
}

/// A dependency of `[tool.poetry.dependencies]` or a Poetry group.
pub(super) fn poetry_dependency(
    name: &str,
    value: &toml::Value,
    kind: DepKind,
    line: Option<usize>,
    written: Option<String>,
) -> DeclaredDep {
    let table = match value {
        toml::Value::Table(t) => Some(t),
        toml::Value::Array(items) => items.first().and_then(toml::Value::as_table),
        _ => None,
    };
    let get = |key: &str| table.and_then(|t| t.get(key)).and_then(toml::Value::as_str);
    let spec = match value {
        toml::Value::String(s) => s.clone(),
        _ => get("version").unwrap_or("*").to_string(),
    };
    let optional = table
        .and_then(|t| t.get("optional"))
        .and_then(toml::Value::as_bool)
        .unwrap_or(false);
    let target = if let Some(url) = get("git") {
        let reference = get("rev").or_else(|| get("tag")).or_else(|| get("branch"));
        Target::Git {
            url: match reference {
                Some(r) => format!("{url}@{r}"),
                None => url.to_string(),
            },
            commit: get("rev").is_some_and(is_commit),
        }
    } else if let Some(p) = get("path") {
        Target::Path(p.to_string())
    } else if let Some(url) = get("url") {
        Target::Url(url.to_string())
    } else {
        Target::Index
    };
    let single = !matches!(value, toml::Value::Array(_));
    DeclaredDep {
        name: name.to_string(),
        pin: if target == Target::Index && single {
            poetry_pin(&spec)
        } else {
            None
        },
        text: written.unwrap_or_else(|| format!("{name} = {}", display_value(value))),
        kind: if optional && kind == DepKind::Normal {
            DepKind::Optional
        } else {
            kind
        },
        target,
        line,
    }
}

/// PEP 639 `license-files`: the files are evidence for licence detection in the project
/// directory; a pattern that matches nothing is reported.
pub(super) fn check_licence_files(
    meta: &mut ProjectMeta,
    text: &str,
    dir: &Path,
    patterns: &[String],
) {
    let mut files: Vec<String> = Vec::new();
    let walker = ignore::WalkBuilder::new(dir)
        .max_depth(Some(4))
        .standard_filters(false)
        .filter_entry(|e| {
            let name = e.file_name().to_string_lossy();
            !(e.file_type().is_some_and(|t| t.is_dir())
                && matches!(
                    name.as_ref(),
                    ".git" | "node_modules" | ".venv" | "venv" | "__pycache__" | "target" | ".tox"
                ))
        })
        .build();
    for entry in walker.flatten() {
        if entry.file_type().is_some_and(|t| t.is_file())
            && let Ok(rel) = entry.path().strip_prefix(dir)
        {
            files.push(rel.to_string_lossy().replace('\\', "/"));
        }
    }
    for pattern in patterns {
        let line = find_line(text, &[format!("\"{pattern}\""), format!("'{pattern}'")]);
        let glob = match globset::GlobBuilder::new(pattern)
            .literal_separator(true)
            .build()
        {
            Ok(glob) => glob.compile_matcher(),
            Err(err) => {
                meta.findings.push(
                    Finding::warning(
                        Code::InputUnreadable,
                        crate::text!(
                            "licence_files_glob_invalid",
                            file = meta.display,
                            pattern = pattern,
                            error = err
                        ),
                    )
                    .at(meta.display.clone(), line),
                );
                continue;
            }
        };
        if !files.iter().any(|f| glob.is_match(f)) {
            meta.findings.push(
                Finding::warning(
                    Code::LicenceFileMissing,
                    crate::text!(
                        "licence_files_no_match",
                        file = meta.display,
                        pattern = pattern
                    ),
                )
                .at(meta.display.clone(), line),
            );
        }
    }
}

/// `License :: OSI Approved :: MIT License` → `MIT License`; other classifiers → None.
pub(super) fn licence_classifier(classifier: &str) -> Option<String> {
    let mut parts = classifier.split("::").map(str::trim);
    if parts.next() != Some("License") {
        return None;
    }
    let rest: Vec<&str> = parts.collect();
    let last = *rest.last()?;
    // `License :: OSI Approved` alone names no licence.
    if rest.len() == 1 && last == "OSI Approved" || last.is_empty() {
        return None;
    }
    Some(last.to_string())
}
