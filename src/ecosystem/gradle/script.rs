//! What a build or settings script says: dependencies, variables, plugins, applied scripts.

use super::*;

/// What fundament reads from a build or settings script.
#[derive(Debug, Default)]
pub(super) struct Script {
    /// Variables, `ext`/`extra` properties and other assignments: name, value tokens, depth.
    pub(super) vars: Vec<(String, Vec<Token>, usize)>,
    pub(super) group: Option<Vec<Token>>,
    pub(super) version: Option<Vec<Token>>,
    pub(super) root_name: Option<Vec<Token>>,
    pub(super) kotlin_version: Option<Vec<Token>>,
    /// `apply from: "..."` script plugins.
    pub(super) applies: Vec<Vec<Token>>,
    /// `pluginManagement { includeBuild("...") }`.
    pub(super) include_builds: Vec<Vec<Token>>,
    /// `versionCatalogs { create("name") { from(files("...")) } }`.
    pub(super) catalog_files: Vec<(String, Vec<Token>)>,
    pub(super) deps: Vec<RawDep>,
    /// `repositories { }` of the build (not of `pluginManagement` or `buildscript`).
    pub(super) repositories: Vec<RawRepo>,
    /// Plugins applied: id (or `alias` of a catalog: the accessor), version tokens.
    pub(super) plugins: Vec<RawPlugin>,
    /// `dependencyManagement { imports { mavenBom("g:a:v") } }` of Spring's plugin: the
    /// argument, its line, and whether it is inside `allprojects { }` / `subprojects { }`.
    pub(super) boms: Vec<(Vec<Token>, usize, bool)>,
    /// Catalog entries the settings declare in `versionCatalogs { libs { ... } }`: the
    /// catalog's name and the entry.
    pub(super) catalog_entries: Vec<(String, CatalogEntry)>,
    pub(super) errors: Vec<(usize, String)>,
    /// Kotlin DSL (`.gradle.kts`): decides how template expressions are read.
    pub(super) kotlin: bool,
}

/// An entry of a catalog declared in the settings, before evaluation.
#[derive(Debug, Clone)]
pub(super) enum CatalogEntry {
    /// `version("name", "1.0")`.
    Version { name: Vec<Token>, value: Vec<Token> },
    /// `library("alias", "group", "artifact")` or `library("alias", "g:a:v")`, with
    /// `.version("1.0")` or `.versionRef("name")` (`by_ref`), or none.
    Library {
        args: Vec<Vec<Token>>,
        version: Option<(Vec<Token>, bool)>,
    },
    /// `plugin("alias", "id")` with `.version(...)` / `.versionRef(...)`.
    Plugin {
        args: Vec<Vec<Token>>,
        version: Option<(Vec<Token>, bool)>,
    },
    /// `bundle("name", listOf("a", "b"))` / `bundle('name', ['a', 'b'])`.
    Bundle { args: Vec<Vec<Token>> },
}

/// A repository of `repositories { }`.
#[derive(Debug, Clone)]
pub(super) enum RawRepo {
    /// `mavenCentral()`.
    Central { line: usize },
    /// `google()`, `gradlePluginPortal()`, `mavenLocal()`, `jcenter()`: named, not read.
    Named { name: String, line: usize },
    /// `maven { url = uri("...") }`, `maven("...")`: the URL's tokens.
    Url { tokens: Vec<Token>, line: usize },
}

/// A plugin of `plugins { }` or `apply plugin:`.
#[derive(Debug, Clone)]
pub(super) struct RawPlugin {
    /// The plugin id, or the catalog accessor of `alias(libs.plugins.x)`.
    pub(super) id: String,
    pub(super) alias: bool,
    pub(super) version: Option<Vec<Token>>,
    /// Applied inside `allprojects { }` / `subprojects { }`: to the other projects too.
    pub(super) shared: bool,
}

/// A dependency declaration, before evaluation.
#[derive(Debug, Clone)]
pub(super) struct RawDep {
    pub(super) configuration: String,
    pub(super) args: Vec<Vec<Token>>,
    /// `{ version { strictly("1.0") } }` in the declaration's closure.
    pub(super) closure_version: Option<Vec<Token>>,
    /// The closure's version is `strictly(...)` (or the notation ends in `!!`).
    pub(super) strict: bool,
    /// `exclude(group = "g", module = "m")` in the declaration's closure: the arguments.
    pub(super) exclusions: Vec<Vec<Vec<Token>>>,
    pub(super) line: usize,
    pub(super) buildscript: bool,
    pub(super) test: bool,
    pub(super) constraint: bool,
}

/// A build script and the properties next to it.
pub(super) struct ParsedBuild {
    pub(super) path: PathBuf,
    pub(super) script: Script,
    pub(super) properties: HashMap<String, String>,
}

pub(super) fn read_script(ctx: &ReadContext<'_>, path: &Path) -> Result<Script, Box<Finding>> {
    let text = ctx
        .input
        .read_text(path, Limit::MANIFEST)
        .map_err(|refusal| Box::new(Finding::refused(&refusal)))?;
    let kotlin = path.extension().is_some_and(|e| e == "kts");
    Ok(parse_script(&text, kotlin))
}

pub(super) fn report_lex_errors(
    ctx: &ReadContext<'_>,
    path: &Path,
    script: &Script,
    findings: &mut Vec<Finding>,
    partial: &mut Vec<String>,
) {
    if script.errors.is_empty() {
        return;
    }
    let display = ctx.display(path);
    for (line, message) in &script.errors {
        findings.push(
            Finding::error(
                Code::InputUnreadable,
                crate::text!(
                    "line_problem",
                    file = display,
                    line = line,
                    message = message
                ),
            )
            .at(display.clone(), Some(*line)),
        );
    }
    partial.push(format!(
        "{display} could not be read completely; its declarations after the error may be missing"
    ));
}

/// Reads the scripts a build script applies (`apply from: "deps.gradle"`), inside the audited
/// tree, into it: their variables and dependencies count as the build script's.
pub(super) fn apply_script_plugins(
    ctx: &ReadContext<'_>,
    found: &FoundProject,
    dir: &Path,
    path: &Path,
    script: &mut Script,
    findings: &mut Vec<Finding>,
) {
    let mut seen: Vec<PathBuf> = vec![path.to_path_buf()];
    let mut queue: Vec<Vec<Token>> = std::mem::take(&mut script.applies);
    let mut rounds = 0;
    while let Some(tokens) = queue.pop() {
        rounds += 1;
        if rounds > 20 {
            break;
        }
        let empty = HashMap::new();
        let mut extra = HashMap::new();
        extra.insert("rootDir".to_string(), found.dir.display().to_string());
        extra.insert("projectDir".to_string(), dir.display().to_string());
        extra.insert(
            "buildscript.sourceFile.parent".to_string(),
            dir.display().to_string(),
        );
        let env = Env::new(script, None, &extra, Some(&empty), &[]);
        let Some(target) = env.text(&tokens).resolved() else {
            continue;
        };
        if target.contains("://") {
            continue;
        }
        let target_path = normalise(&dir.join(target.trim_start_matches("file:")));
        if seen.contains(&target_path) || !ctx.input.is_file(&target_path) {
            continue;
        }
        seen.push(target_path.clone());
        match read_script(ctx, &target_path) {
            Ok(applied) => {
                for (line, message) in &applied.errors {
                    let display = ctx.display(&target_path);
                    findings.push(
                        Finding::error(
                            Code::InputUnreadable,
                            crate::text!(
                                "line_problem",
                                file = display,
                                line = line,
                                message = message
                            ),
                        )
                        .at(display, Some(*line)),
                    );
                }
                queue.extend(applied.applies);
                script.vars.extend(applied.vars);
                script.deps.extend(applied.deps);
                if script.kotlin_version.is_none() {
                    script.kotlin_version = applied.kotlin_version;
                }
            }
            Err(finding) => findings.push(*finding),
        }
    }
}

/// Context of the block being read.
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct Ctx {
    pub(super) depth: usize,
    /// Inside `dependencies { }`.
    pub(super) dependencies: bool,
    pub(super) constraints: bool,
    pub(super) buildscript: bool,
    pub(super) plugins: bool,
    pub(super) plugin_management: bool,
    /// Inside `ext { }`: assignments are properties.
    pub(super) ext: bool,
    /// Inside a test source set, test suite or `testing { }`.
    pub(super) test: bool,
    /// Inside `allprojects { }` / `subprojects { }`: settings of every project.
    pub(super) all_projects: bool,
    /// Inside `versionCatalogs { create("name") { } }`: the catalog's name.
    pub(super) catalog: Option<usize>,
    /// Directly inside `versionCatalogs { }` (Groovy names a catalog by its block: `libs { }`).
    pub(super) version_catalogs: bool,
    /// Inside the build's `repositories { }`.
    pub(super) repositories: bool,
    /// Inside `dependencyManagement { imports { } }` of Spring's dependency-management plugin.
    pub(super) bom_imports: bool,
    pub(super) dependency_management: bool,
}

pub(super) struct Parser<'a> {
    pub(super) tokens: &'a [Token],
    pub(super) close: &'a [Option<usize>],
    pub(super) kotlin: bool,
    pub(super) out: Script,
    /// Catalog names met in `create("name")` blocks (indices are kept in `Ctx::catalog`).
    pub(super) catalog_names: Vec<String>,
    /// How many more tokens the parser may take into values and spans. Each statement reads
    /// its value to the end of the statement; an unclosed bracket or a value continued over
    /// line after line (`x = a:` repeated) makes every statement read the rest of the file,
    /// which is quadratic in time and memory (found by the fuzz harness: a 128 KB settings
    /// file took 1.4 GB). A real script reads each token about once; past
    /// [`value_budget`] the rest of its values are not read, and the script says so.
    pub(super) budget: std::cell::Cell<usize>,
    /// The line where the budget ran out.
    pub(super) budget_ran_out_at: std::cell::Cell<Option<usize>>,
}

/// The tokens a script of `tokens` tokens may take into values in all: three times its length,
/// and never too little for a small script. The real scripts of the fixtures take at most 0.87
/// times their length (`tests::a_real_script_stays_within_its_value_budget`); each token taken
/// is a copy of about 50 bytes, so three times keeps a 4 MB script of `a = [` repeated under
/// 700 MB (sixteen times took 1.9 GB, four times 808 MB: a fuzz finding).
pub(super) fn value_budget(tokens: usize) -> usize {
    tokens.saturating_mul(3).saturating_add(100_000)
}

pub(super) fn parse_script(text: &str, kotlin: bool) -> Script {
    let Lexed { tokens, mut errors } = tokenize(text, kotlin);
    // After a lexical error the rest of the file is not read, so unbalanced brackets are its
    // consequence, not errors of their own.
    let mut bracket_errors = Vec::new();
    let close = match_brackets(&tokens, &mut bracket_errors);
    if errors.is_empty() {
        errors = bracket_errors;
    }
    let mut parser = Parser {
        tokens: &tokens,
        close: &close,
        kotlin,
        out: Script::default(),
        catalog_names: Vec::new(),
        budget: std::cell::Cell::new(value_budget(tokens.len())),
        budget_ran_out_at: std::cell::Cell::new(None),
    };
    parser.block(0, tokens.len(), Ctx::default());
    if let Some(line) = parser.budget_ran_out_at.get() {
        errors.push((
            line,
            format!(
                "the values from here on are not read: the script's values take more than {} \
                 tokens to read (an unclosed bracket, or a value continued over many lines)",
                value_budget(tokens.len())
            ),
        ));
    }
    let mut out = parser.out;
    errors.sort();
    errors.dedup();
    out.errors = errors;
    out.kotlin = kotlin;
    out
}

impl Parser<'_> {
    pub(super) fn tok(&self, i: usize) -> Option<&Token> {
        self.tokens.get(i)
    }

    /// The tokens from `from` to `to` (exclusive), empty when the range is empty or reversed.
    pub(super) fn span(&self, from: usize, to: usize) -> &[Token] {
        let to = to.min(self.tokens.len());
        let from = from.min(to);
        if !self.charge(to - from, from) {
            return &[];
        }
        &self.tokens[from..to]
    }

    /// Takes `n` tokens from the budget for reading at token `at`; false (and nothing to read)
    /// once it has run out.
    pub(super) fn charge(&self, n: usize, at: usize) -> bool {
        let left = self.budget.get();
        if n <= left {
            self.budget.set(left - n);
            return true;
        }
        self.budget.set(0);
        if self.budget_ran_out_at.get().is_none() {
            let line = self.tok(at).or(self.tokens.last()).map_or(1, |t| t.line);
            self.budget_ran_out_at.set(Some(line));
        }
        false
    }

    pub(super) fn is_punct(&self, i: usize, c: char) -> bool {
        self.tok(i).is_some_and(|t| t.is(c))
    }

    pub(super) fn ident(&self, i: usize) -> Option<&str> {
        self.tok(i).and_then(Token::ident)
    }

    /// The end (exclusive) of the bracket opened at `i`.
    pub(super) fn end_of(&self, i: usize, limit: usize) -> usize {
        self.close
            .get(i)
            .copied()
            .flatten()
            .map_or(limit, |c| c.min(limit))
    }

    /// True when token `i` starts a statement.
    pub(super) fn statement_start(&self, i: usize, start: usize) -> bool {
        i == start
            || self
                .tok(i.wrapping_sub(1))
                .is_some_and(|t| matches!(t.tk, Tk::Newline | Tk::Punct(';' | '{' | '}')))
    }

    /// Reads the tokens from `start` to `end` (exclusive).
    ///
    /// Nested blocks are read in the order they are written, from a stack of the blocks still
    /// open rather than by recursion: a script of 100,000 nested `{` must not exhaust the
    /// thread's stack (found by the fuzz harness, tests/fuzz.rs).
    pub(super) fn block(&mut self, start: usize, end: usize, ctx: Ctx) {
        // The blocks being read: where to go on, the block's first token, its end, its context.
        let mut open = vec![(start, start, end, ctx)];
        'blocks: while let Some((mut i, start, end, ctx)) = open.pop() {
            while i < end {
                if self.is_punct(i, '{') {
                    let close = self.end_of(i, end);
                    let inner = self.enter(i, start, ctx);
                    // This block goes on after the inner one's end.
                    open.push((close + 1, start, end, ctx));
                    open.push((i + 1, i + 1, close, inner));
                    continue 'blocks;
                }
                if self.statement_start(i, start) {
                    if let Some(index) = ctx.catalog
                        && let Some(next) = self.catalog_entry(i, end, index)
                    {
                        i = next;
                        continue;
                    }
                    if ctx.repositories
                        && let Some(next) = self.repository(i, end)
                    {
                        i = next;
                        continue;
                    }
                    if ctx.bom_imports && self.ident(i) == Some("mavenBom") {
                        let args = self.call_args(i + 1, end);
                        if let Some(first) = args.into_iter().next() {
                            self.out
                                .boms
                                .push((first, self.tokens[i].line, ctx.all_projects));
                        }
                    }
                    if !ctx.plugins
                        && self.ident(i) == Some("apply")
                        && let Some(id) = named_arg(&self.call_args(i + 1, end), "plugin")
                            .and_then(|t| single_literal(&t))
                    {
                        self.out.plugins.push(RawPlugin {
                            id,
                            alias: false,
                            version: None,
                            shared: ctx.all_projects,
                        });
                    }
                    self.definitions(i, end, ctx);
                    if ctx.dependencies
                        && let Some(next) = self.dependency(i, end, ctx)
                    {
                        i = next;
                        continue;
                    }
                }
                i += 1;
            }
        }
    }

    /// The context inside the block opened at `brace`.
    pub(super) fn enter(&mut self, brace: usize, start: usize, ctx: Ctx) -> Ctx {
        let (name, label) = self.block_name(brace, start);
        let mut inner = Ctx {
            depth: ctx.depth + 1,
            version_catalogs: false,
            ..ctx
        };
        let is_test = |s: &str| words(s).iter().any(|w| w.starts_with("test"));
        if label.as_deref().is_some_and(is_test) || is_test(&name) {
            inner.test = true;
        }
        match name.as_str() {
            "dependencies" => inner.dependencies = true,
            "constraints" if ctx.dependencies => inner.constraints = true,
            "buildscript" => inner.buildscript = true,
            "plugins" => inner.plugins = true,
            "repositories" if !ctx.plugin_management && !ctx.buildscript => {
                inner.repositories = true
            }
            "dependencyManagement" if !ctx.dependencies => inner.dependency_management = true,
            "imports" if ctx.dependency_management => inner.bom_imports = true,
            "pluginManagement" => inner.plugin_management = true,
            "ext" | "extra" => inner.ext = true,
            "allprojects" | "subprojects" => inner.all_projects = true,
            "versionCatalogs" => inner.version_catalogs = true,
            "create" | "register" => {
                if let Some(label) = label {
                    self.catalog_names.push(label);
                    inner.catalog = Some(self.catalog_names.len() - 1);
                }
            }
            catalog if ctx.version_catalogs && !catalog.is_empty() => {
                self.catalog_names.push(catalog.to_string());
                inner.catalog = Some(self.catalog_names.len() - 1);
            }
            // Control flow inside `dependencies` keeps declaring dependencies.
            "" | "if" | "else" | "run" | "apply" | "also" | "let" | "with" | "forEach" | "each"
            | "when" | "try" | "finally" => {}
            _ => {
                if ctx.dependencies {
                    // Another block inside `dependencies` (a declaration's closure is handled
                    // by `dependency`): not declarations.
                    inner.dependencies = false;
                }
            }
        }
        inner
    }

    /// The name before a block (`dependencies {`, `withType<Test> {`, `create("x") {`) and its
    /// label (`"x"`, or `commonTest` in `val commonTest by getting {`).
    pub(super) fn block_name(&self, brace: usize, start: usize) -> (String, Option<String>) {
        let mut j = brace;
        let mut label = None;
        if j > start && self.is_punct(j - 1, ')') {
            // Find the matching `(`.
            let open = (start..j - 1).rev().find(|&k| self.close[k] == Some(j - 1));
            if let Some(open) = open {
                if let Some(Tk::Str(parts)) = self.tok(open + 1).map(|t| &t.tk) {
                    label = literal(parts);
                }
                j = open;
            }
        }
        if j > start
            && self.is_punct(j - 1, '>')
            && let Some(open) = (start..j - 1).rev().find(|&k| self.is_punct(k, '<'))
        {
            j = open;
        }
        let name = if j > start {
            self.ident(j - 1).unwrap_or_default().to_string()
        } else {
            String::new()
        };
        // `val commonTest by getting {`
        if j >= start + 4
            && matches!(name.as_str(), "getting" | "creating")
            && self.ident(j - 2) == Some("by")
        {
            label = self.ident(j - 3).map(str::to_string);
        }
        // `commonTest.dependencies {`, `sourceSets.test {`
        if j >= start + 3
            && self.is_punct(j - 2, '.')
            && let Some(owner) = self.ident(j - 3)
        {
            label.get_or_insert_with(|| owner.to_string());
        }
        (name, label)
    }

    /// The tokens of the value that starts at `from` and runs to the end of the statement.
    pub(super) fn value(&self, from: usize, end: usize) -> Vec<Token> {
        let mut out = Vec::new();
        let mut i = from;
        while i < end {
            if !self.charge(1, i) {
                return Vec::new();
            }
            let token = &self.tokens[i];
            match token.tk {
                Tk::Newline | Tk::Punct(';' | '}') => {
                    // A value continues on the next line after an operator.
                    let continues = out.last().is_some_and(|t: &Token| {
                        matches!(t.tk, Tk::Punct('+' | ',' | ':' | '?' | '='))
                    });
                    if !continues || !matches!(token.tk, Tk::Newline) {
                        break;
                    }
                    i += 1;
                    continue;
                }
                Tk::Punct('(' | '[' | '{') => {
                    let close = self.end_of(i, end);
                    out.extend_from_slice(self.span(i, (close + 1).min(end)));
                    i = close + 1;
                    continue;
                }
                _ => out.push(token.clone()),
            }
            i += 1;
        }
        out.retain(|t| t.tk != Tk::Newline);
        out
    }

    /// Variables, properties, the project's group and version, and the settings' entries.
    pub(super) fn definitions(&mut self, i: usize, end: usize, ctx: Ctx) {
        let Some(first) = self.ident(i).map(str::to_string) else {
            // `extra["x"] = ...` starts with an identifier too; strings start nothing here.
            return;
        };
        // val / var / def / String x [: Type] = value ; val x by extra("v")
        if matches!(
            first.as_str(),
            "val" | "var" | "def" | "String" | "final" | "const"
        ) {
            let mut j = i + 1;
            if matches!(self.ident(j), Some("val" | "var" | "def" | "String")) {
                j += 1;
            }
            let Some(name) = self.ident(j).map(str::to_string) else {
                return;
            };
            j += 1;
            if self.is_punct(j, ':') {
                j += 2;
                while self.is_punct(j, '?') || self.is_punct(j, '.') && self.ident(j + 1).is_some()
                {
                    j += if self.is_punct(j, '?') { 1 } else { 2 };
                }
            }
            if self.is_punct(j, '=') && !self.is_punct(j + 1, '=') {
                let value = self.value(j + 1, end);
                if value.first().is_some_and(|t| t.is('[')) {
                    for (key, entry) in map_entries(&value) {
                        self.define(&format!("{name}.{key}"), entry, ctx.depth);
                    }
                }
                self.define(&name, value, ctx.depth);
            } else if self.ident(j) == Some("by")
                && matches!(self.ident(j + 1), Some("extra" | "project"))
                && self.is_punct(j + 2, '(')
            {
                let close = self.end_of(j + 2, end);
                let value = self.span(j + 3, close.min(end)).to_vec();
                self.define(&name, value, 0);
            }
            return;
        }
        // A dotted name (`ext.x`, `project.ext.x`, `rootProject.name`, `version`) or an index
        // (`extra["x"]`, `ext["x"]`) assigned with `=`.
        let mut j = i;
        let mut path = Vec::new();
        while let Some(Tk::Ident(name)) = self.tok(j).map(|t| &t.tk) {
            path.push(name.clone());
            j += 1;
            if self.is_punct(j, '[') {
                if let Some(Tk::Str(parts)) = self.tok(j + 1).map(|t| &t.tk)
                    && let Some(key) = literal(parts)
                    && self.is_punct(j + 2, ']')
                {
                    path.push(key);
                    j += 3;
                } else {
                    return;
                }
            }
            if self.is_punct(j, '.') && self.ident(j + 1).is_some() {
                j += 1;
                continue;
            }
            break;
        }
        let dotted = path.join(".");
        let assigned = self.is_punct(j, '=') && !self.is_punct(j + 1, '=');
        if assigned {
            let value = self.value(j + 1, end);
            let top = ctx.depth == 0 || (ctx.all_projects && ctx.depth == 1);
            match dotted.as_str() {
                "rootProject.name" => self.out.root_name = Some(value.clone()),
                "group" | "project.group" if top => self.out.group = Some(value.clone()),
                "version" | "project.version" if top => self.out.version = Some(value.clone()),
                _ => {}
            }
            let name = strip_owner(&dotted);
            let depth = if ctx.ext || dotted != name {
                0
            } else {
                ctx.depth
            };
            // A Groovy map (`ext.versions = [spring: "6.1"]`): one variable per key.
            if value.first().is_some_and(|t| t.is('[')) {
                for (key, entry) in map_entries(&value) {
                    self.define(&format!("{name}.{key}"), entry, depth);
                }
            }
            self.define(&name, value, depth);
            return;
        }
        // Command calls and calls with one string: `version '1.0'`, `group 'x'`,
        // `apply from: 'x'`, `apply(from = "x")`, `ext.set("x", "v")`, `includeBuild("x")`,
        // `from(files("x"))`.
        let args = self.call_args(j, end);
        let top = ctx.depth == 0 || (ctx.all_projects && ctx.depth == 1);
        match (dotted.as_str(), args.as_slice()) {
            ("version", [value]) if top && !self.kotlin && !ctx.plugins => {
                self.out.version = Some(value.clone());
            }
            ("group", [value]) if top && !self.kotlin => self.out.group = Some(value.clone()),
            ("apply", _) => {
                if let Some(from) = named_arg(&args, "from") {
                    self.out.applies.push(from);
                }
            }
            ("ext.set" | "extra.set" | "project.ext.set" | "set", [key, value])
                if dotted != "set" || ctx.ext =>
            {
                if let Some(key) = single_literal(key) {
                    self.define(&key, value.clone(), 0);
                }
            }
            ("includeBuild", [path]) if ctx.plugin_management => {
                self.out.include_builds.push(path.clone());
            }
            ("from", [inner]) => {
                if let Some(index) = ctx.catalog
                    && let Some(name) = self.catalog_names.get(index).cloned()
                    && inner.first().and_then(Token::ident) == Some("files")
                    && inner.get(1).is_some_and(|t| t.is('('))
                {
                    let path = inner[2..inner.len().saturating_sub(1)].to_vec();
                    self.out.catalog_files.push((name, path));
                }
            }
            _ => {}
        }
        if ctx.plugins {
            self.plugin(i, end, ctx.all_projects);
        }
    }

    /// `kotlin("jvm") version "2.0.0"` or `id("org.jetbrains.kotlin.jvm") version "2.0.0"`.
    pub(super) fn plugin(&mut self, i: usize, end: usize, shared: bool) {
        if self.ident(i) == Some("alias") && self.is_punct(i + 1, '(') {
            let close = self.end_of(i + 1, end);
            if let Some(chain) = dotted(self.span(i + 2, close.min(end))) {
                self.out.plugins.push(RawPlugin {
                    id: chain,
                    alias: true,
                    version: None,
                    shared,
                });
            }
            return;
        }
        let (id, after) = match self.ident(i) {
            Some("kotlin") if self.is_punct(i + 1, '(') => {
                let close = self.end_of(i + 1, end);
                ("kotlin".to_string(), close + 1)
            }
            Some("id") => {
                let (arg, after) = if self.is_punct(i + 1, '(') {
                    let close = self.end_of(i + 1, end);
                    (self.tok(i + 2), close + 1)
                } else {
                    (self.tok(i + 1), i + 2)
                };
                let id = match arg.map(|t| &t.tk) {
                    Some(Tk::Str(parts)) => literal(parts).unwrap_or_default(),
                    _ => return,
                };
                (id, after)
            }
            _ => return,
        };
        let is_kotlin = id == "kotlin" || id.starts_with("org.jetbrains.kotlin.");
        let version = (self.ident(after) == Some("version")).then(|| {
            if self.is_punct(after + 1, '(') {
                let close = self.end_of(after + 1, end);
                self.span(after + 2, close.min(end)).to_vec()
            } else {
                self.value(after + 1, end)
                    .into_iter()
                    .take_while(|t| t.ident() != Some("apply"))
                    .collect()
            }
        });
        if is_kotlin && let Some(value) = &version {
            self.out.kotlin_version.get_or_insert(value.clone());
        }
        self.out.plugins.push(RawPlugin {
            id,
            alias: false,
            version,
            shared,
        });
    }

    /// A catalog entry at statement start `i` in the block of catalog `index`; returns where to
    /// go on.
    fn catalog_entry(&mut self, i: usize, end: usize, index: usize) -> Option<usize> {
        let kind = self.ident(i)?.to_string();
        if !matches!(kind.as_str(), "version" | "library" | "plugin" | "bundle")
            || !self.is_punct(i + 1, '(')
        {
            return None;
        }
        let close = self.end_of(i + 1, end);
        let args = split_args(self.span(i + 2, close.min(end)), self.close, i + 2);
        let mut j = close + 1;
        // `.version("1.0")`, `.versionRef("name")`, `.withoutVersion()`.
        let mut version = None;
        if self.is_punct(j, '.')
            && let Some(method) = self.ident(j + 1).map(str::to_string)
        {
            let open = j + 2;
            if self.is_punct(open, '(') {
                let shut = self.end_of(open, end);
                let value = self.span(open + 1, shut.min(end)).to_vec();
                match method.as_str() {
                    "version" => version = Some((value, false)),
                    "versionRef" => version = Some((value, true)),
                    _ => {}
                }
                j = shut + 1;
            } else if self.is_punct(open, '{') {
                // `.version { strictly("1.0") }`
                let shut = self.end_of(open, end);
                if let Some((_, value)) = self.closure_version(open + 1, shut) {
                    version = Some((value, false));
                }
                j = shut + 1;
            }
        }
        let entry = match kind.as_str() {
            "version" => match args.as_slice() {
                [name, value] => CatalogEntry::Version {
                    name: name.clone(),
                    value: value.clone(),
                },
                _ => return Some(j),
            },
            "library" => CatalogEntry::Library { args, version },
            "plugin" => CatalogEntry::Plugin { args, version },
            _ => CatalogEntry::Bundle { args },
        };
        let name = self.catalog_names.get(index)?.clone();
        self.out.catalog_entries.push((name, entry));
        Some(j)
    }

    /// A repository at statement start `i` inside `repositories { }`; returns where to go on.
    pub(super) fn repository(&mut self, i: usize, end: usize) -> Option<usize> {
        let name = self.ident(i)?.to_string();
        let line = self.tokens[i].line;
        let mut j = i + 1;
        let mut args = Vec::new();
        if self.is_punct(j, '(') {
            let close = self.end_of(j, end);
            args = split_args(self.span(j + 1, close.min(end)), self.close, j + 1);
            j = close + 1;
        }
        let mut url = named_arg(&args, "url").or_else(|| args.first().cloned());
        if self.is_punct(j, '{') {
            let close = self.end_of(j, end);
            if name == "maven" || name == "ivy" {
                url = url.or_else(|| self.url_in(j + 1, close));
            }
            j = close + 1;
        }
        let repo = match name.as_str() {
            "mavenCentral" => RawRepo::Central { line },
            "google" | "gradlePluginPortal" | "mavenLocal" | "jcenter" => {
                RawRepo::Named { name, line }
            }
            "maven" => RawRepo::Url {
                tokens: unwrap_uri(url.unwrap_or_default()),
                line,
            },
            _ => return None,
        };
        self.out.repositories.push(repo);
        Some(j)
    }

    /// The value of `url = ...`, `url ...`, `setUrl(...)` in a `maven { }` block.
    fn url_in(&self, start: usize, end: usize) -> Option<Vec<Token>> {
        for k in start..end {
            match self.ident(k) {
                Some("url") if self.statement_start(k, start) => {
                    let from = if self.is_punct(k + 1, '=') {
                        k + 2
                    } else {
                        k + 1
                    };
                    if self.is_punct(from, '(') {
                        let close = self.end_of(from, end);
                        return Some(self.span(from + 1, close.min(end)).to_vec());
                    }
                    return Some(self.value(from, end));
                }
                Some("setUrl") if self.is_punct(k + 1, '(') => {
                    let close = self.end_of(k + 1, end);
                    return Some(self.span(k + 2, close.min(end)).to_vec());
                }
                _ => {}
            }
        }
        None
    }

    pub(super) fn define(&mut self, name: &str, value: Vec<Token>, depth: usize) {
        if value.is_empty() {
            return;
        }
        self.out.vars.push((name.to_string(), value, depth));
    }

    /// The arguments of a call at `j`: `(a, b)` or, in Groovy, `a, b` to the end of the line.
    pub(super) fn call_args(&self, j: usize, end: usize) -> Vec<Vec<Token>> {
        if self.is_punct(j, '(') {
            let close = self.end_of(j, end);
            split_args(self.span(j + 1, close.min(end)), self.close, j + 1)
        } else if !self.kotlin
            && self
                .tok(j)
                .is_some_and(|t| matches!(t.tk, Tk::Str(_) | Tk::Ident(_) | Tk::Num(_)))
        {
            let value = self.value(j, end);
            split_flat(&value)
        } else {
            Vec::new()
        }
    }

    /// A dependency declaration at statement start `i`; returns where to continue.
    pub(super) fn dependency(&mut self, i: usize, end: usize, ctx: Ctx) -> Option<usize> {
        let (configuration, mut j) = match &self.tokens[i].tk {
            Tk::Ident(name) => (name.clone(), i + 1),
            // Kotlin: "migrationImplementation"(...)
            Tk::Str(parts) if self.kotlin && self.is_punct(i + 1, '(') => (literal(parts)?, i + 1),
            _ => return None,
        };
        if matches!(
            configuration.as_str(),
            "val"
                | "var"
                | "def"
                | "if"
                | "else"
                | "for"
                | "when"
                | "return"
                | "constraints"
                | "components"
                | "modules"
                | "attributesSchema"
                | "artifactTypes"
                | "configurations"
                | "registerTransform"
                | "exclude"
        ) {
            return None;
        }
        let line = self.tokens[i].line;
        let (mut args, next) = if self.is_punct(j, '(') {
            let close = self.end_of(j, end);
            let args = split_args(self.span(j + 1, close.min(end)), self.close, j + 1);
            (args, close + 1)
        } else if self.kotlin {
            return None;
        } else {
            // Groovy command call: `implementation 'g:a:v'`, `implementation group: 'g', ...`.
            let starts_value = self
                .tok(j)
                .is_some_and(|t| matches!(t.tk, Tk::Str(_) | Tk::Ident(_)));
            if !starts_value || self.is_punct(j, '{') {
                return None;
            }
            let mut k = j;
            while k < end {
                match self.tokens[k].tk {
                    Tk::Newline | Tk::Punct(';' | '}') => {
                        if self.tokens[k].tk == Tk::Newline && k > j && self.tokens[k - 1].is(',') {
                            k += 1;
                            continue;
                        }
                        break;
                    }
                    Tk::Punct('{') if k > j && !self.tokens[k - 1].is(',') => break,
                    Tk::Punct('(' | '[' | '{') => k = self.end_of(k, end) + 1,
                    _ => k += 1,
                }
            }
            let tokens: Vec<Token> = self
                .span(j, k.min(end))
                .iter()
                .filter(|t| t.tk != Tk::Newline)
                .cloned()
                .collect();
            (split_flat(&tokens), k)
        };
        j = next;
        // A trailing closure: `{ exclude(...) }`, `{ version { strictly("1.0") } }`.
        let mut closure_version = None;
        let mut strict = false;
        let mut exclusions = Vec::new();
        if self.is_punct(j, '{') {
            let close = self.end_of(j, end);
            if let Some((rank, value)) = self.closure_version(j + 1, close) {
                strict = rank == 0;
                closure_version = Some(value);
            }
            exclusions = self.exclusions_in(j + 1, close);
            j = close + 1;
        }
        // A closure passed as the last Groovy argument: `implementation('g:a:v', { ... })`.
        args.retain(|a| !a.first().is_some_and(|t| t.is('{')));
        if args.is_empty() {
            return Some(j);
        }
        let (configuration, args) = if configuration == "add" {
            let first = args.first().and_then(|a| single_literal(a))?;
            (first, args[1..].to_vec())
        } else {
            (configuration, args)
        };
        self.out.deps.push(RawDep {
            configuration,
            args,
            closure_version,
            strict,
            exclusions,
            line,
            buildscript: ctx.buildscript,
            test: ctx.test,
            constraint: ctx.constraints,
        });
        Some(j)
    }

    /// `exclude(group = "g", module = "m")` / `exclude group: 'g', module: 'm'` in a closure.
    pub(super) fn exclusions_in(&self, start: usize, end: usize) -> Vec<Vec<Vec<Token>>> {
        (start..end)
            .filter(|&k| self.ident(k) == Some("exclude") && self.statement_start(k, start))
            .map(|k| self.call_args(k + 1, end))
            .filter(|args| !args.is_empty())
            .collect()
    }

    /// `version { strictly("1.0") }` / `version { require '1.0' }` inside a closure, with its
    /// rank (0 strictly, 1 require, 2 prefer).
    pub(super) fn closure_version(&self, start: usize, end: usize) -> Option<(u8, Vec<Token>)> {
        let mut found: Option<(u8, Vec<Token>)> = None;
        for k in start..end {
            let rank = match self.ident(k) {
                Some("strictly") => 0,
                Some("require") => 1,
                Some("prefer") => 2,
                _ => continue,
            };
            let value = if self.is_punct(k + 1, '(') {
                let close = self.end_of(k + 1, end);
                self.span(k + 2, close.min(end)).to_vec()
            } else {
                self.tokens.get(k + 1).cloned().into_iter().collect()
            };
            if found.as_ref().is_none_or(|(r, _)| rank < *r) {
                found = Some((rank, value));
            }
        }
        found
    }
}

/// `uri("...")`, `URI("...")`, `java.net.URI("...")`, `URI.create("...")` → the argument.
fn unwrap_uri(tokens: Vec<Token>) -> Vec<Token> {
    let open = tokens.iter().position(|t| t.is('('));
    match (open, tokens.last()) {
        (Some(open), Some(last))
            if last.is(')')
                && tokens[..open]
                    .iter()
                    .all(|t| t.ident().is_some() || t.is('.')) =>
        {
            tokens[open + 1..tokens.len() - 1].to_vec()
        }
        _ => tokens,
    }
}

/// Strips the owners of a property name: `project.ext.x`, `rootProject.extra.x`, `ext.x` → `x`.
pub(super) fn strip_owner(name: &str) -> String {
    let mut rest = name;
    loop {
        let before = rest;
        for prefix in [
            "project.",
            "rootProject.",
            "ext.",
            "extra.",
            "this.",
            "properties.",
            "settings.",
            "gradle.",
            "extensions.",
        ] {
            if let Some(stripped) = rest.strip_prefix(prefix)
                && !stripped.is_empty()
            {
                rest = stripped;
            }
        }
        if rest == before {
            return rest.to_string();
        }
    }
}

/// The literal text of a string without templates.
pub(super) fn literal(parts: &[Part]) -> Option<String> {
    let mut out = String::new();
    for part in parts {
        match part {
            Part::Lit(s) => out.push_str(s),
            Part::Expr(_) => return None,
        }
    }
    Some(out)
}

pub(super) fn single_literal(tokens: &[Token]) -> Option<String> {
    match tokens {
        [
            Token {
                tk: Tk::Str(parts), ..
            },
        ] => literal(parts),
        _ => None,
    }
}

/// Splits the tokens inside a call's parentheses at top-level commas. `offset` is the index
/// of `tokens[0]` in the script, for the bracket map.
pub(super) fn split_args(
    tokens: &[Token],
    close: &[Option<usize>],
    offset: usize,
) -> Vec<Vec<Token>> {
    let mut args = Vec::new();
    let mut current = Vec::new();
    let mut i = 0;
    while i < tokens.len() {
        let token = &tokens[i];
        if token.is(',') {
            args.push(std::mem::take(&mut current));
            i += 1;
            continue;
        }
        if matches!(token.tk, Tk::Punct('(' | '[' | '{')) {
            let end = close
                .get(offset + i)
                .copied()
                .flatten()
                .map_or(tokens.len() - 1, |c| {
                    c.saturating_sub(offset).clamp(i, tokens.len() - 1)
                });
            current.extend(
                tokens[i..=end]
                    .iter()
                    .filter(|t| t.tk != Tk::Newline)
                    .cloned(),
            );
            i = end + 1;
            continue;
        }
        if token.tk != Tk::Newline {
            current.push(token.clone());
        }
        i += 1;
    }
    if !current.is_empty() {
        args.push(current);
    }
    args.retain(|a| !a.is_empty());
    args
}

/// Splits tokens (without a bracket map) at top-level commas.
pub(super) fn split_flat(tokens: &[Token]) -> Vec<Vec<Token>> {
    let mut args = Vec::new();
    let mut current = Vec::new();
    let mut depth = 0i32;
    for token in tokens {
        match token.tk {
            Tk::Punct('(' | '[' | '{') => depth += 1,
            Tk::Punct(')' | ']' | '}') => depth -= 1,
            Tk::Punct(',') if depth == 0 => {
                args.push(std::mem::take(&mut current));
                continue;
            }
            _ => {}
        }
        current.push(token.clone());
    }
    if !current.is_empty() {
        args.push(current);
    }
    args.retain(|a| !a.is_empty());
    args
}

/// A named argument: `from: x` (Groovy) or `from = x` (Kotlin).
pub(super) fn named_arg(args: &[Vec<Token>], name: &str) -> Option<Vec<Token>> {
    args.iter().find_map(|arg| match arg.as_slice() {
        [key, sep, rest @ ..] if key.ident() == Some(name) && (sep.is(':') || sep.is('=')) => {
            Some(rest.to_vec())
        }
        _ => None,
    })
}

/// The entries of a Groovy map literal `[a: "1", "b": "2"]`.
pub(super) fn map_entries(value: &[Token]) -> Vec<(String, Vec<Token>)> {
    let Some(inner) = value
        .first()
        .filter(|t| t.is('['))
        .and_then(|_| value.get(1..value.len().saturating_sub(1)))
    else {
        return Vec::new();
    };
    split_flat(inner)
        .into_iter()
        .filter_map(|entry| {
            let key = match entry.first().map(|t| &t.tk) {
                Some(Tk::Ident(k)) => k.clone(),
                Some(Tk::Str(parts)) => literal(parts)?,
                _ => return None,
            };
            if !entry.get(1).is_some_and(|t| t.is(':')) {
                return None;
            }
            Some((key, entry[2..].to_vec()))
        })
        .collect()
}
