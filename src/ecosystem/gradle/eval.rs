//! Evaluating a script's expressions: templates, variables, properties, catalog accessors, and
//! the dependency notations they make.

use super::*;

/// A value as far as it could be resolved; unresolved references are kept as `${...}`.
#[derive(Debug, Clone, Default, PartialEq)]
pub(super) struct Text {
    pub(super) value: String,
    pub(super) unresolved: Vec<String>,
}

impl Text {
    pub(super) fn resolved(self) -> Option<String> {
        self.unresolved.is_empty().then_some(self.value)
    }
}

/// What a script's expressions can see: its variables, the root script's, the properties
/// files, and the version catalogs.
pub(super) struct Env<'a> {
    pub(super) script: &'a Script,
    pub(super) root: Option<&'a Script>,
    pub(super) root_properties: &'a HashMap<String, String>,
    pub(super) properties: Option<&'a HashMap<String, String>>,
    pub(super) catalogs: &'a [Catalog],
}

impl<'a> Env<'a> {
    pub(super) fn new(
        script: &'a Script,
        root: Option<&'a Script>,
        root_properties: &'a HashMap<String, String>,
        properties: Option<&'a HashMap<String, String>>,
        catalogs: &'a [Catalog],
    ) -> Env<'a> {
        Env {
            script,
            root,
            root_properties,
            properties,
            catalogs,
        }
    }

    pub(super) fn text(&self, tokens: &[Token]) -> Text {
        self.text_at(tokens, 0)
    }

    /// Evaluates a string expression: literals, templates, variables, `+` concatenation and
    /// `?:` defaults.
    pub(super) fn text_at(&self, tokens: &[Token], depth: u8) -> Text {
        if depth > MAX_DEPTH {
            // Parentheses nested deeper than any script writes them: not evaluated.
            let expression = join(tokens);
            return Text {
                value: format!("${{{expression}}}"),
                unresolved: vec![expression],
            };
        }
        // `a ?: b ?: c`: the first alternative that resolves, else the first (one pass over
        // the chain, however long).
        let is_elvis = |k: usize| tokens[k].is('?') && tokens[k + 1].is(':');
        if (0..tokens.len().saturating_sub(1)).any(is_elvis) {
            let mut first: Option<Text> = None;
            let mut from = 0;
            let mut k = 0;
            while from <= tokens.len() {
                let at = (k..tokens.len().saturating_sub(1)).find(|&k| is_elvis(k));
                let alternative = &tokens[from..at.unwrap_or(tokens.len())];
                let text = self.text_at_plain(alternative, depth);
                if text.unresolved.is_empty() {
                    return text;
                }
                first.get_or_insert(text);
                match at {
                    Some(at) => {
                        from = at + 2;
                        k = at + 2;
                    }
                    None => break,
                }
            }
            return first.unwrap_or_default();
        }
        self.text_at_plain(tokens, depth)
    }

    /// [`Self::text_at`] of an expression with no `?:` at its top.
    fn text_at_plain(&self, tokens: &[Token], depth: u8) -> Text {
        let mut out = Text::default();
        let mut piece: Vec<Token> = Vec::new();
        let mut level = 0i32;
        let mut pieces: Vec<Vec<Token>> = Vec::new();
        for token in tokens {
            match token.tk {
                Tk::Punct('(' | '[' | '{') => level += 1,
                Tk::Punct(')' | ']' | '}') => level -= 1,
                Tk::Punct('+') if level == 0 => {
                    pieces.push(std::mem::take(&mut piece));
                    continue;
                }
                _ => {}
            }
            piece.push(token.clone());
        }
        pieces.push(piece);
        for piece in pieces {
            let piece = strip_suffixes(&piece);
            match piece {
                [] => {}
                [
                    Token {
                        tk: Tk::Str(parts), ..
                    },
                ] => {
                    for part in parts {
                        match part {
                            Part::Lit(s) => out.value.push_str(s),
                            Part::Expr(raw) => self.append_template(&mut out, raw, depth),
                        }
                    }
                }
                [Token { tk: Tk::Num(n), .. }] => out.value.push_str(n),
                [open, inner @ .., close] if open.is('(') && close.is(')') => {
                    let t = self.text_at(inner, depth + 1);
                    out.value.push_str(&t.value);
                    out.unresolved.extend(t.unresolved);
                }
                other => {
                    let expression = join(other);
                    self.append_lookup(&mut out, &expression, depth);
                }
            }
        }
        out
    }

    /// A `$name` or `${...}` template: a reference, or an expression (`${'1.' + minor}`).
    /// What cannot be resolved is kept as written.
    pub(super) fn append_template(&self, out: &mut Text, raw: &str, depth: u8) {
        let expression = template_expression(raw);
        let found = self.lookup(expression, depth);
        if found.is_none() && expression.contains(['+', '"', '\'', '?']) {
            let lexed = tokenize(expression, self.script.kotlin);
            let tokens: Vec<Token> = lexed
                .tokens
                .into_iter()
                .filter(|t| t.tk != Tk::Newline)
                .collect();
            if lexed.errors.is_empty() && depth < MAX_DEPTH {
                let t = self.text_at(&tokens, depth + 1);
                out.value.push_str(&t.value);
                out.unresolved.extend(t.unresolved);
                return;
            }
        }
        match found {
            Some(t) => {
                out.value.push_str(&t.value);
                out.unresolved.extend(t.unresolved);
            }
            None => {
                out.value.push_str(raw);
                out.unresolved.push(expression.to_string());
            }
        }
    }

    pub(super) fn append_lookup(&self, out: &mut Text, expression: &str, depth: u8) {
        match self.lookup(expression, depth) {
            Some(t) if t.unresolved.is_empty() => out.value.push_str(&t.value),
            Some(t) => {
                out.value.push_str(&t.value);
                out.unresolved.extend(t.unresolved);
            }
            None => {
                out.value.push_str(&format!("${{{expression}}}"));
                out.unresolved.push(expression.to_string());
            }
        }
    }

    /// The value of an expression written in a template or as a value (`version`,
    /// `rootProject.ext.springVersion`, `property("x")`, `libs.versions.x.get()`).
    pub(super) fn lookup(&self, expression: &str, depth: u8) -> Option<Text> {
        if depth > MAX_DEPTH {
            return None;
        }
        let e: String = expression.chars().filter(|c| !c.is_whitespace()).collect();
        if let Some((a, b)) = e.split_once("?:") {
            let first = self.lookup(a, depth + 1);
            if first.as_ref().is_some_and(|t| t.unresolved.is_empty()) {
                return first;
            }
            if let Some(quoted) = quoted(b) {
                return Some(Text {
                    value: quoted,
                    unresolved: Vec::new(),
                });
            }
            return self.lookup(b, depth + 1).or(first);
        }
        for call in [
            "findProperty(",
            "property(",
            "gradleProperty(",
            "getProperty(",
            "extra[",
            "ext[",
            "properties[",
            "extra.get(",
            "ext.get(",
        ] {
            if let Some(at) = e.find(call)
                && let Some(key) = quoted(&e[at + call.len()..])
            {
                return self.var(&key, depth);
            }
        }
        // `versions["netty"]` is `versions.netty`.
        let indexed;
        let mut e = e.as_str();
        if let Some(open) = e.find("[\"")
            && let Some(key) = quoted(&e[open..])
            && e[open..].ends_with("\"]")
        {
            indexed = format!("{}.{key}", &e[..open]);
            e = indexed.as_str();
        }
        loop {
            let before = e;
            for suffix in [".get()", ".toString()", "!!", "asString", ".orNull", ".get"] {
                e = e.strip_suffix(suffix).unwrap_or(e);
            }
            if e == before {
                break;
            }
        }
        // Version catalog versions: `libs.versions.kotlin`.
        for catalog in self.catalogs {
            if let Some(alias) = e
                .strip_prefix(&catalog.name)
                .and_then(|r| r.strip_prefix(".versions."))
            {
                return catalog.versions.get(&alias_key(alias)).map(|v| Text {
                    value: v.clone(),
                    unresolved: Vec::new(),
                });
            }
        }
        self.var(&strip_owner(e), depth)
    }

    /// A variable or property by name: the script's own (outermost definition first), the
    /// root script's, then gradle.properties (the project's, then the root's).
    pub(super) fn var(&self, name: &str, depth: u8) -> Option<Text> {
        let own = |script: &Script| {
            script
                .vars
                .iter()
                .filter(|(n, _, _)| n == name)
                .min_by_key(|(_, _, d)| *d)
                .map(|(_, v, _)| v.clone())
        };
        let tokens = own(self.script).or_else(|| self.root.and_then(own));
        if let Some(tokens) = tokens {
            let text = self.text_at(&tokens, depth + 1);
            if text.unresolved.is_empty() {
                return Some(text);
            }
            // A value this file cannot resolve may still be a property.
            if let Some(value) = self.property(name) {
                return Some(value);
            }
            return Some(text);
        }
        self.property(name)
    }

    pub(super) fn property(&self, name: &str) -> Option<Text> {
        self.properties
            .and_then(|p| p.get(name))
            .or_else(|| self.root_properties.get(name))
            .map(|v| Text {
                value: v.clone(),
                unresolved: Vec::new(),
            })
    }

    pub(super) fn catalog(&self, name: &str) -> Option<&Catalog> {
        self.catalogs.iter().find(|c| c.name == name)
    }
}

/// Drops `.get()`, `!!` and `as String` from the end of a value.
pub(super) fn strip_suffixes(tokens: &[Token]) -> &[Token] {
    let mut t = tokens;
    loop {
        match t {
            [rest @ .., a, b] if a.is('!') && b.is('!') => t = rest,
            [rest @ .., dot, get, open, close]
                if dot.is('.')
                    && matches!(get.ident(), Some("get" | "toString"))
                    && open.is('(')
                    && close.is(')') =>
            {
                t = rest
            }
            [rest @ .., r#as, ty] if r#as.ident() == Some("as") && ty.ident().is_some() => t = rest,
            _ => return t,
        }
    }
}

/// The text of a `"quoted"` string at the start of `s` (after `(` or `[`).
pub(super) fn quoted(s: &str) -> Option<String> {
    let s = s.trim_start_matches(['(', '[']);
    let quote = s.chars().next().filter(|c| *c == '"' || *c == '\'')?;
    let rest = &s[1..];
    let end = rest.find(quote)?;
    Some(rest[..end].to_string())
}

/// Tokens back to text, for lookups (`libs.versions.x.get()`, `property("x")`).
pub(super) fn join(tokens: &[Token]) -> String {
    let mut out = String::new();
    for token in tokens {
        match &token.tk {
            Tk::Ident(s) | Tk::Num(s) => out.push_str(s),
            Tk::Punct(c) => out.push(*c),
            Tk::Str(parts) => {
                out.push('"');
                for part in parts {
                    match part {
                        Part::Lit(s) => out.push_str(s),
                        Part::Expr(raw) => out.push_str(raw),
                    }
                }
                out.push('"');
            }
            Tk::Newline => {}
        }
    }
    out
}

/// A declared external dependency.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Coordinate {
    pub(super) group: String,
    pub(super) artifact: String,
    pub(super) version: String,
    pub(super) unresolved: Vec<String>,
    pub(super) configuration: String,
    pub(super) line: usize,
    pub(super) buildscript: bool,
    pub(super) test: bool,
    /// Declared as `platform(...)` (`Some(false)`) or `enforcedPlatform(...)` (`Some(true)`).
    pub(super) platform: Option<bool>,
    /// `strictly(...)` or `!!`: the version holds against every other request.
    pub(super) strict: bool,
    /// `exclude(group, module)` of the declaration (`*` for what is not given).
    pub(super) exclusions: Vec<(String, String)>,
}

/// What a build script declares, evaluated.
#[derive(Debug, Default)]
pub(super) struct Declared {
    pub(super) coordinates: Vec<Coordinate>,
    /// `project(":x")` dependencies: path, configuration, line.
    pub(super) projects: Vec<(String, String, usize)>,
    /// `constraints { }`: group, artifact, version, strict, scope class (the configuration).
    pub(super) constraints: Vec<(String, String, String, bool, String)>,
    /// References that name no coordinate fundament can resolve (`libs.unknown`, an undefined
    /// variable holding a whole notation), with their line: reported, not listed as packages.
    pub(super) unknown: Vec<(String, usize)>,
}

/// One notation, evaluated.
pub(super) enum Notation {
    Coordinate {
        group: String,
        artifact: String,
        version: String,
        unresolved: Vec<String>,
    },
    Project(String),
    /// `platform(...)` / `enforcedPlatform(...)` (true) of a coordinate.
    Platform(Box<Notation>, bool),
    /// A reference that could not be resolved at all (`libs.unknown`, an unknown variable).
    Unknown(String),
}

pub(super) fn evaluate_dependencies(
    script: &Script,
    env: &Env<'_>,
    root: Option<&ParsedBuild>,
) -> Declared {
    let kotlin_version = script
        .kotlin_version
        .as_ref()
        .or_else(|| root.and_then(|r| r.script.kotlin_version.as_ref()))
        .and_then(|t| env.text(t).resolved());
    // Constraints give versions to declarations without one.
    let mut constrained: HashMap<String, String> = HashMap::new();
    let mut out = Declared::default();
    for dep in script.deps.iter().filter(|d| d.constraint) {
        for notation in notations(&dep.args, env, kotlin_version.as_deref()) {
            if let Notation::Coordinate {
                group,
                artifact,
                mut version,
                unresolved,
            } = notation
                && unresolved.is_empty()
            {
                let mut strict = dep.strict;
                if let Some(tokens) = &dep.closure_version {
                    version = env.text(tokens).value;
                }
                if let Some(v) = version.strip_suffix("!!") {
                    version = v.to_string();
                    strict = true;
                }
                if version.is_empty() {
                    continue;
                }
                constrained.insert(format!("{group}:{artifact}"), version.clone());
                out.constraints
                    .push((group, artifact, version, strict, dep.configuration.clone()));
            }
        }
    }
    for dep in script.deps.iter().filter(|d| !d.constraint) {
        let exclusions: Vec<(String, String)> = dep
            .exclusions
            .iter()
            .map(|args| {
                let get = |key: &str| {
                    named_arg(args, key)
                        .map(|t| env.text(&t).value)
                        .unwrap_or_else(|| "*".to_string())
                };
                (get("group"), get("module"))
            })
            .collect();
        for notation in notations(&dep.args, env, kotlin_version.as_deref()) {
            let (notation, platform) = match notation {
                Notation::Platform(inner, enforced) => (*inner, Some(enforced)),
                other => (other, None),
            };
            match notation {
                Notation::Coordinate {
                    group,
                    artifact,
                    mut version,
                    mut unresolved,
                } => {
                    if let Some(tokens) = &dep.closure_version {
                        let text = env.text(tokens);
                        version = text.value;
                        unresolved = text.unresolved;
                    }
                    let mut strict = dep.strict;
                    if let Some(v) = version.strip_suffix("!!") {
                        version = v.to_string();
                        strict = true;
                    }
                    if version.is_empty()
                        && let Some(v) = constrained.get(&format!("{group}:{artifact}"))
                    {
                        version = v.clone();
                    }
                    out.coordinates.push(Coordinate {
                        group,
                        artifact,
                        version,
                        unresolved,
                        configuration: dep.configuration.clone(),
                        line: dep.line,
                        buildscript: dep.buildscript,
                        test: dep.test,
                        platform,
                        strict,
                        exclusions: exclusions.clone(),
                    });
                }
                Notation::Project(path) => {
                    out.projects
                        .push((path, dep.configuration.clone(), dep.line));
                }
                Notation::Unknown(reference) => out.unknown.push((reference, dep.line)),
                Notation::Platform(..) => {}
            }
        }
    }
    out
}

/// The notations of one declaration's arguments.
pub(super) fn notations(
    args: &[Vec<Token>],
    env: &Env<'_>,
    kotlin_version: Option<&str>,
) -> Vec<Notation> {
    // Map / named-argument notation: group, name, version (Groovy `:`, Kotlin `=`).
    let named = |key: &str| named_arg(args, key).map(|t| env.text(&t));
    if named("name").is_some() || named("path").is_some() {
        if let Some(path) = named("path")
            && named("name").is_none()
        {
            return vec![Notation::Project(path.value)];
        }
        let group = named("group").unwrap_or_default();
        let name = named("name").unwrap_or_default();
        let version = named("version").unwrap_or_default();
        let mut unresolved = group.unresolved.clone();
        unresolved.extend(name.unresolved.clone());
        unresolved.extend(version.unresolved.clone());
        return vec![Notation::Coordinate {
            group: group.value,
            artifact: name.value,
            version: version.value,
            unresolved,
        }];
    }
    // Kotlin positional notation: implementation("g", "a", "v").
    if (2..=4).contains(&args.len())
        && args.iter().all(|a| {
            matches!(a.as_slice(), [Token { tk: Tk::Str(_), .. }])
                && !env.text(a).value.contains(':')
        })
    {
        let text = |i: usize| args.get(i).map(|a| env.text(a)).unwrap_or_default();
        let (group, name, version) = (text(0), text(1), text(2));
        let mut unresolved = group.unresolved.clone();
        unresolved.extend(name.unresolved.clone());
        unresolved.extend(version.unresolved.clone());
        return vec![Notation::Coordinate {
            group: group.value,
            artifact: name.value,
            version: version.value,
            unresolved,
        }];
    }
    args.iter()
        .flat_map(|arg| notation(arg, env, kotlin_version, 0))
        .collect()
}

pub(super) fn notation(
    tokens: &[Token],
    env: &Env<'_>,
    kotlin_version: Option<&str>,
    depth: u8,
) -> Vec<Notation> {
    let tokens = strip_suffixes(tokens);
    if depth > MAX_DEPTH || tokens.is_empty() {
        return Vec::new();
    }
    // A call: platform(...), kotlin(...), project(...), files(...).
    if let (Some(function), Some(open)) = (tokens[0].ident(), tokens.get(1))
        && open.is('(')
        && tokens.last().is_some_and(|t| t.is(')'))
    {
        let inner = split_flat(&tokens[2..tokens.len() - 1]);
        return match function {
            "platform" | "enforcedPlatform" => inner
                .first()
                .map(|a| notation(a, env, kotlin_version, depth + 1))
                .unwrap_or_default()
                .into_iter()
                .map(|n| match n {
                    coordinate @ Notation::Coordinate { .. } => {
                        Notation::Platform(Box::new(coordinate), function == "enforcedPlatform")
                    }
                    other => other,
                })
                .collect(),
            "testFixtures" | "module" | "variantOf" => inner
                .first()
                .map(|a| notation(a, env, kotlin_version, depth + 1))
                .unwrap_or_default(),
            "kotlin" => {
                let module = inner.first().map(|a| env.text(a)).unwrap_or_default();
                let version = match inner.get(1) {
                    Some(v) => env.text(v),
                    None => Text {
                        value: kotlin_version.unwrap_or_default().to_string(),
                        unresolved: Vec::new(),
                    },
                };
                let mut unresolved = module.unresolved;
                unresolved.extend(version.unresolved);
                vec![Notation::Coordinate {
                    group: "org.jetbrains.kotlin".to_string(),
                    artifact: format!("kotlin-{}", module.value),
                    version: version.value,
                    unresolved,
                }]
            }
            "project" => {
                let path = named_arg(&inner, "path")
                    .or_else(|| inner.first().cloned())
                    .map(|t| env.text(&t).value)
                    .unwrap_or_default();
                vec![Notation::Project(path)]
            }
            _ => Vec::new(),
        };
    }
    // A version-catalog accessor: libs.some.lib, libs.bundles.x.
    if let Some(chain) = dotted(tokens)
        && let Some((first, rest)) = chain.split_once('.')
        && let Some(catalog) = env.catalog(first)
    {
        if let Some(bundle) = rest.strip_prefix("bundles.") {
            return match catalog.bundles.get(&alias_key(bundle)) {
                Some(members) => members
                    .iter()
                    .map(|m| match catalog.libraries.get(m) {
                        Some(lib) => library_notation(lib),
                        None => Notation::Unknown(format!("{first}.{m}")),
                    })
                    .collect(),
                None => vec![Notation::Unknown(chain)],
            };
        }
        if rest.starts_with("plugins.") || rest.starts_with("versions.") {
            return Vec::new();
        }
        return vec![match catalog.libraries.get(&alias_key(rest)) {
            Some(lib) => library_notation(lib),
            None => Notation::Unknown(chain),
        }];
    }
    let text = env.text(tokens);
    if text.value.contains(':') {
        return vec![coordinate(&text)];
    }
    if dotted(tokens).is_some() && !text.unresolved.is_empty() {
        return vec![Notation::Unknown(join(tokens))];
    }
    Vec::new()
}

pub(super) fn library_notation(lib: &Library) -> Notation {
    Notation::Coordinate {
        group: lib.group.clone(),
        artifact: lib.artifact.clone(),
        version: lib.version.clone(),
        unresolved: Vec::new(),
    }
}

/// `a.b.c` (identifiers joined by dots), or `None`.
pub(super) fn dotted(tokens: &[Token]) -> Option<String> {
    let mut out = String::new();
    for (k, token) in tokens.iter().enumerate() {
        if k % 2 == 0 {
            out.push_str(token.ident()?);
        } else if token.is('.') {
            out.push('.');
        } else {
            return None;
        }
    }
    (tokens.len() % 2 == 1).then_some(out)
}

/// `group:artifact[:version[:classifier]][@extension]`.
pub(super) fn coordinate(text: &Text) -> Notation {
    let value = text.value.trim();
    let value = match value.rsplit_once('@') {
        Some((before, ext)) if !ext.contains(':') && !ext.contains('}') => before,
        _ => value,
    };
    let mut parts = value.splitn(4, ':');
    let group = parts.next().unwrap_or_default().to_string();
    let artifact = parts.next().unwrap_or_default().to_string();
    let version = parts.next().unwrap_or_default().to_string();
    Notation::Coordinate {
        group,
        artifact,
        version,
        unresolved: text.unresolved.clone(),
    }
}
