//! Requirements files (pip's format) and PEP 508 requirement strings, as the Python reader
//! reads them: logical lines, options and includes, pinned versions, direct references.

use super::*;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum IncludeKind {
    Requirement,
    Constraint,
}

#[derive(Debug, Clone)]
pub(super) struct Include {
    pub(super) kind: IncludeKind,
    pub(super) target: String,
    pub(super) line: usize,
}

/// One requirement of a requirements file (or a PEP 508 string).
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Requirement {
    pub(super) name: String,
    pub(super) pin: Option<String>,
    /// The requirement as written, for messages.
    pub(super) spec: String,
    pub(super) target: Target,
    pub(super) hash: Option<String>,
    pub(super) line: usize,
}

#[derive(Debug, Clone, Default)]
pub(super) struct ParsedFile {
    pub(super) entries: Vec<Requirement>,
    pub(super) includes: Vec<Include>,
    pub(super) errors: Vec<(usize, String)>,
}

/// A requirement found while following includes, with the file it came from.
pub(super) struct Collected {
    pub(super) requirement: Requirement,
    pub(super) display: String,
    pub(super) dev: bool,
}

impl Collected {
    pub(super) fn kind(&self) -> DepKind {
        if self.dev {
            DepKind::Dev
        } else {
            DepKind::Normal
        }
    }
}

pub(super) enum Parsed {
    Requirement(Requirement),
    /// A line that holds nothing to read (an option, the project itself).
    Nothing,
}

/// Files named like `dev-requirements.txt` or `requirements_test.txt` hold dev dependencies.
pub(super) fn is_dev_name(path: &Path) -> bool {
    let name = file_name(path).to_ascii_lowercase();
    name.contains("dev") || name.contains("test")
}

/// Splits a requirements file into logical lines (joining `\` continuations, dropping
/// comments), each with the number of its first physical line.
pub(super) fn logical_lines(text: &str) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    let mut current = String::new();
    let mut start = 0;
    for (index, raw) in text.lines().enumerate() {
        if current.is_empty() {
            start = index + 1;
        }
        let line = strip_comment(raw);
        if let Some(body) = line.strip_suffix('\\') {
            current.push_str(body);
            current.push(' ');
            continue;
        }
        current.push_str(line);
        let joined = current.trim().to_string();
        if !joined.is_empty() {
            out.push((start, joined));
        }
        current.clear();
    }
    let joined = current.trim().to_string();
    if !joined.is_empty() {
        out.push((start, joined));
    }
    out
}

/// pip's rule: `#` starts a comment at the start of a line or after whitespace.
pub(super) fn strip_comment(line: &str) -> &str {
    let bytes = line.as_bytes();
    for (i, &b) in bytes.iter().enumerate() {
        if b == b'#' && (i == 0 || bytes[i - 1].is_ascii_whitespace()) {
            return line[..i].trim_end();
        }
    }
    line.trim_end()
}

pub(super) fn parse_requirements(text: &str) -> ParsedFile {
    let mut parsed = ParsedFile::default();
    for (line, content) in logical_lines(text) {
        if content.starts_with('-') {
            match parse_option_line(&content) {
                Ok(OptionLine::Include(kind, target)) => {
                    parsed.includes.push(Include { kind, target, line })
                }
                Ok(OptionLine::Editable(target)) => match parse_direct_reference(&target) {
                    Ok(Some(mut requirement)) => {
                        requirement.line = line;
                        parsed.entries.push(requirement);
                    }
                    Ok(None) => {}
                    Err(message) => parsed.errors.push((line, message)),
                },
                Ok(OptionLine::Other) => {}
                Err(message) => parsed.errors.push((line, message)),
            }
            continue;
        }
        // The requirement runs up to the first option (`--hash=...`).
        let tokens: Vec<&str> = content.split_whitespace().collect();
        let split = tokens
            .iter()
            .position(|t| t.starts_with('-'))
            .unwrap_or(tokens.len());
        let requirement_text = tokens[..split].join(" ");
        let hash = option_values(&tokens[split..], "--hash").into_iter().next();
        match parse_requirement_text(&requirement_text) {
            Ok(Parsed::Requirement(mut requirement)) => {
                requirement.line = line;
                requirement.hash = hash;
                requirement.spec = requirement_text.clone();
                parsed.entries.push(requirement);
            }
            Ok(Parsed::Nothing) => {}
            Err(message) => parsed.errors.push((
                line,
                format!("`{requirement_text}` is not a requirement: {message}"),
            )),
        }
    }
    parsed
}

pub(super) enum OptionLine {
    Include(IncludeKind, String),
    Editable(String),
    Other,
}

/// Options lines: `-r file`, `--requirement=file`, `-c file`, `-e target`, and options that
/// do not name packages (`--index-url`, `--extra-index-url`, `-f`, `--pre`, ...).
pub(super) fn parse_option_line(content: &str) -> Result<OptionLine, String> {
    let (first, rest) = match content.find(char::is_whitespace) {
        Some(i) => (&content[..i], content[i..].trim()),
        None => (content, ""),
    };
    let (option, inline) = if first.starts_with("--") {
        match first.split_once('=') {
            Some((o, v)) => (o, Some(v)),
            None => (first, None),
        }
    } else {
        let option = first.get(..2).unwrap_or(first);
        let attached = first.get(2..).unwrap_or("").trim_start_matches('=');
        (option, Some(attached).filter(|v| !v.is_empty()))
    };
    let value = || -> Result<String, String> {
        let value = match inline {
            Some(v) => {
                if rest.is_empty() {
                    v.to_string()
                } else {
                    format!("{v} {rest}")
                }
            }
            None => rest.to_string(),
        };
        if value.is_empty() {
            Err(format!("`{option}` needs a value"))
        } else {
            Ok(value)
        }
    };
    let first_word = |v: String| v.split_whitespace().next().unwrap_or("").to_string();
    Ok(match option {
        "-r" | "--requirement" => {
            OptionLine::Include(IncludeKind::Requirement, first_word(value()?))
        }
        "-c" | "--constraint" => OptionLine::Include(IncludeKind::Constraint, first_word(value()?)),
        "-e" | "--editable" => OptionLine::Editable(first_word(value()?)),
        _ => OptionLine::Other,
    })
}

/// The values of `--name=value` / `--name value` options among `tokens`.
pub(super) fn option_values(tokens: &[&str], name: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut iter = tokens.iter();
    while let Some(token) = iter.next() {
        if let Some(value) = token.strip_prefix(name) {
            if let Some(value) = value.strip_prefix('=') {
                out.push(value.to_string());
            } else if value.is_empty()
                && let Some(next) = iter.next()
            {
                out.push((*next).to_string());
            }
        }
    }
    out
}

/// A requirement as written in a requirements file or a pyproject.toml list: PEP 508
/// (`name[extra]>=1 ; marker`, `name @ url`) or a direct reference (`git+https://...#egg=name`,
/// `./path`, an archive URL).
pub(super) fn parse_requirement_text(text: &str) -> Result<Parsed, String> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(Parsed::Nothing);
    }
    if looks_like_direct_reference(text) {
        return parse_direct_reference(text).map(|r| match r {
            Some(r) => Parsed::Requirement(r),
            None => Parsed::Nothing,
        });
    }
    match parse_pep508(text) {
        Ok(pep508) => {
            let (target, pin) = match &pep508.url {
                Some(url) => {
                    let reference = split_reference(url);
                    let pin = match reference.target {
                        Target::Url(_) | Target::Path(_) => {
                            archive_name_version(&reference.last).map(|(_, v)| v)
                        }
                        _ => None,
                    };
                    (reference.target, pin)
                }
                None => (Target::Index, pinned_version(&pep508.specs)),
            };
            Ok(Parsed::Requirement(Requirement {
                name: pep508.name,
                pin,
                spec: text.to_string(),
                target,
                hash: None,
                line: 0,
            }))
        }
        // `libs/package` without `./` is a path when nothing else reads it.
        Err(_) if text.contains('/') && !text.contains(' ') => {
            parse_direct_reference(text).map(|r| match r {
                Some(r) => Parsed::Requirement(r),
                None => Parsed::Nothing,
            })
        }
        Err(message) => Err(message),
    }
}

pub(super) fn looks_like_direct_reference(text: &str) -> bool {
    let lower = text.to_ascii_lowercase();
    [
        "git+", "hg+", "svn+", "bzr+", "http://", "https://", "file:", ".", "/", "~",
    ]
    .iter()
    .any(|p| lower.starts_with(p))
}

/// A direct reference: a VCS URL, an archive URL or a local path. The name comes from the
/// `#egg=` fragment, the archive's file name, or the directory's name. `.` (with or without
/// extras) is the project itself and gives a requirement without a name, which callers drop.
pub(super) fn parse_direct_reference(text: &str) -> Result<Option<Requirement>, String> {
    // A marker after a URL must follow whitespace: `url ; python_version < "3.11"`.
    let text = match text.find(" ;") {
        Some(i) => text[..i].trim(),
        None => text.trim(),
    };
    let reference = split_reference(text);
    let archive = archive_name_version(&reference.last);
    let is_url = matches!(reference.target, Target::Url(_));
    let name = reference
        .egg
        .clone()
        .or_else(|| archive.as_ref().map(|(n, _)| n.clone()))
        .or_else(|| {
            (!is_url)
                .then(|| reference.last.clone())
                .filter(|n| !n.is_empty() && n != "." && n != "..")
        });
    let pin = match &reference.target {
        Target::Url(_) | Target::Path(_) => archive.map(|(_, v)| v),
        Target::Git { .. } | Target::Index => None,
    };
    let Some(name) = name else {
        if let Target::Path(p) = &reference.target
            && matches!(p.trim_end_matches('/'), "." | "")
        {
            return Ok(Some(Requirement {
                name: String::new(),
                pin: None,
                spec: String::new(),
                target: reference.target,
                hash: None,
                line: 0,
            }));
        }
        return Err(format!(
            "cannot tell the package name of `{text}`; add `#egg=<name>` or write `<name> @ {text}`"
        ));
    };
    Ok(Some(Requirement {
        name,
        pin,
        spec: text.to_string(),
        target: reference.target,
        hash: None,
        line: 0,
    }))
}

/// A direct reference taken apart.
pub(super) struct Reference {
    pub(super) target: Target,
    /// The last path segment (repository, archive or directory name), without `.git`.
    pub(super) last: String,
    /// The `#egg=` name.
    pub(super) egg: Option<String>,
}

pub(super) fn split_reference(text: &str) -> Reference {
    let (location, fragment) = match text.split_once('#') {
        Some((l, f)) => (l, Some(f)),
        None => (text, None),
    };
    let egg = fragment.and_then(|f| {
        f.split('&')
            .find_map(|part| part.strip_prefix("egg="))
            .map(|egg| egg.split("==").next().unwrap_or(egg).to_string())
            .filter(|egg| !egg.is_empty())
    });
    let last_segment = |path: &str| {
        path.trim_end_matches('/')
            .rsplit('/')
            .next()
            .unwrap_or("")
            .trim_end_matches(".git")
            .to_string()
    };
    let lower = location.to_ascii_lowercase();
    if ["git+", "hg+", "svn+", "bzr+"]
        .iter()
        .any(|p| lower.starts_with(p))
    {
        // `git+https://host/repo.git@ref`: the reference follows the last `@` after the host,
        // unless a `/` follows it (then it was `user@host`).
        let after_scheme = location.find("://").map_or(0, |i| i + 3);
        let (repo, reference) = match location[after_scheme..].rfind('@') {
            Some(i) if !location[after_scheme + i + 1..].contains('/') => (
                &location[..after_scheme + i],
                Some(&location[after_scheme + i + 1..]),
            ),
            _ => (location, None),
        };
        let target = if lower.starts_with("git+") {
            Target::Git {
                url: location.to_string(),
                commit: reference.is_some_and(is_commit),
            }
        } else {
            Target::Url(location.to_string())
        };
        return Reference {
            target,
            last: last_segment(repo),
            egg,
        };
    }
    if lower.starts_with("http://") || lower.starts_with("https://") {
        return Reference {
            target: Target::Url(location.to_string()),
            last: last_segment(location),
            egg,
        };
    }
    // A local path, possibly with extras: `.[dev]`, `./libs/pkg[extra]`.
    let mut path = location.strip_prefix("file://").unwrap_or(location);
    if path.ends_with(']')
        && let Some(open) = path.rfind('[')
    {
        path = &path[..open];
    }
    Reference {
        target: Target::Path(path.to_string()),
        last: last_segment(path),
        egg,
    }
}

/// `name-1.0.tar.gz`, `name-1.0-py3-none-any.whl` → (name, version).
pub(super) fn archive_name_version(file: &str) -> Option<(String, String)> {
    if let Some(stem) = file.strip_suffix(".whl") {
        let mut parts = stem.split('-');
        let name = parts.next()?;
        let version = parts.next()?;
        return Some((name.to_string(), version.to_string()));
    }
    let stem = [".tar.gz", ".tar.bz2", ".tar.xz", ".tgz", ".zip"]
        .iter()
        .find_map(|ext| file.strip_suffix(ext))?;
    let (name, version) = stem.rsplit_once('-')?;
    (!name.is_empty() && version.starts_with(|c: char| c.is_ascii_digit()))
        .then(|| (name.to_string(), version.to_string()))
}

/// A PEP 508 requirement, as far as fundament needs it.
#[derive(Debug, PartialEq)]
pub(super) struct Pep508 {
    pub(super) name: String,
    pub(super) specs: Vec<(String, String)>,
    pub(super) url: Option<String>,
}

pub(super) const OPERATORS: &[&str] = &["===", "==", "!=", "~=", "<=", ">=", "<", ">"];

pub(super) fn parse_pep508(text: &str) -> Result<Pep508, String> {
    let text = text.trim();
    let name_end = text
        .find(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-')))
        .unwrap_or(text.len());
    let name = &text[..name_end];
    let valid_name = name.starts_with(|c: char| c.is_ascii_alphanumeric())
        && name.ends_with(|c: char| c.is_ascii_alphanumeric());
    if !valid_name {
        return Err(if name.is_empty() {
            "it does not start with a package name".to_string()
        } else {
            format!("`{name}` is not a valid package name")
        });
    }
    let mut rest = text[name_end..].trim_start();
    // Extras (`name[socks,tls]`) select optional dependencies; the package is the same.
    if let Some(after) = rest.strip_prefix('[') {
        let close = after.find(']').ok_or("the extras' `[` is not closed")?;
        rest = after[close + 1..].trim_start();
    }
    if let Some(after) = rest.strip_prefix('@') {
        let after = after.trim_start();
        // Environment markers (`; python_version < "3.11"`) keep the package: fundament lists
        // what any platform may install.
        let url = match after.find(" ;").or_else(|| after.find("\t;")) {
            Some(i) => after[..i].trim(),
            None => after.trim(),
        };
        if url.is_empty() {
            return Err("`@` is not followed by a URL".to_string());
        }
        return Ok(Pep508 {
            name: name.to_string(),
            specs: Vec::new(),
            url: Some(url.to_string()),
        });
    }
    let spec_text = match rest.find(';') {
        Some(i) => &rest[..i],
        None => rest,
    };
    let mut spec_text = spec_text.trim();
    if let Some(inner) = spec_text.strip_prefix('(') {
        spec_text = inner
            .strip_suffix(')')
            .ok_or("the version's `(` is not closed")?
            .trim();
    }
    let mut specs = Vec::new();
    if !spec_text.is_empty() && !spec_text.starts_with(['=', '!', '~', '<', '>']) {
        return Err(format!("unexpected `{spec_text}` after the name `{name}`"));
    }
    if !spec_text.is_empty() {
        for clause in spec_text.split(',') {
            let clause = clause.trim();
            let op = OPERATORS
                .iter()
                .find(|op| clause.starts_with(**op))
                .ok_or_else(|| format!("`{clause}` is not a version specifier"))?;
            let version = clause[op.len()..].trim();
            let valid = !version.is_empty()
                && version.chars().all(|c| {
                    c.is_ascii_alphanumeric() || matches!(c, '.' | '*' | '+' | '!' | '-' | '_')
                });
            if !valid {
                return Err(format!("`{clause}` is not a version specifier"));
            }
            specs.push((op.to_string(), version.to_string()));
        }
    }
    Ok(Pep508 {
        name: name.to_string(),
        specs,
        url: None,
    })
}

/// The exact version a specifier list pins (`==1.2`, `===1.2`), if any.
pub(super) fn pinned_version(specs: &[(String, String)]) -> Option<String> {
    specs.iter().find_map(|(op, version)| match op.as_str() {
        "===" => Some(version.clone()),
        "==" if !version.contains('*') => Some(version.clone()),
        _ => None,
    })
}

/// `==1.2.3` (Pipfile, Pipfile.lock) → `1.2.3`.
pub(super) fn exact_pin(spec: &str) -> Option<String> {
    let spec = spec.trim();
    let version = spec
        .strip_prefix("===")
        .or_else(|| spec.strip_prefix("=="))?
        .trim();
    (!version.is_empty() && !version.contains('*') && !version.contains(','))
        .then(|| version.to_string())
}

/// Poetry constraints: `1.2.3` and `==1.2.3` pin; `^1.2`, `~1.2`, `>=1`, `*` do not.
pub(super) fn poetry_pin(spec: &str) -> Option<String> {
    let spec = spec.trim();
    let version = spec
        .strip_prefix("===")
        .or_else(|| spec.strip_prefix("=="))
        .unwrap_or(spec)
        .trim();
    let plain = version.starts_with(|c: char| c.is_ascii_digit())
        && version
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '+' | '!' | '-' | '_'));
    plain.then(|| version.to_string())
}

/// The trimmed text of a 1-based line.
pub(super) fn source_line(text: &str, line: Option<usize>) -> Option<String> {
    let line = line?.checked_sub(1)?;
    text.lines()
        .nth(line)
        .map(|l| l.trim().to_string())
        .filter(|l| !l.is_empty())
}

/// A TOML value as written in a manifest, for messages.
pub(super) fn display_value(value: &toml::Value) -> String {
    match value {
        toml::Value::String(s) => format!("\"{s}\""),
        other => other.to_string(),
    }
}

pub(super) fn is_commit(reference: &str) -> bool {
    reference.len() == 40 && reference.chars().all(|c| c.is_ascii_hexdigit())
}
