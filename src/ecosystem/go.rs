//! Go modules: go.mod, go.sum and vendor/modules.txt.
//!
//! go.mod is the source of the build list. Since Go 1.17 (module graph pruning) it lists every
//! module the main module needs to build its packages and tests, with the version the build
//! uses, the modules that no package of the main module imports marked `// indirect`. So the
//! packages of a project are the main module (the project's own root package) and each
//! `require`d module, after `exclude` and `replace`:
//!
//! - an excluded version is not a package; a requirement of an excluded version is ignored by
//!   Go (which then uses the next higher version the module graph requires; fundament cannot
//!   know it without the graph, and says so);
//! - a module replaced by another module is the replacement (`pkg:golang/<new path>@<new
//!   version>`); a module replaced by a directory (`=> ../x`) is that directory's source
//!   (`PackageSource::Path`, no version).
//!
//! Every requirement, direct or indirect, is an edge from the root, and every module is of
//! runtime scope: Go has no development dependencies, and the modules needed only by tests
//! cannot be told apart from the others without loading the module graph and the packages
//! (`go mod why`), which fundament does not do. An older go.mod (`go` below 1.17, or none) lists
//! only part of the build list; without vendor/modules.txt the audit says so.
//!
//! go.sum gives each module's checksum (`h1:`, the line without `/go.mod`); it also lists
//! modules outside the build list (older versions, go.mod-only entries), which are not
//! packages. vendor/modules.txt, when present, is checked against go.mod the way Go checks
//! vendor consistency; disagreements are warnings.
//!
//! Go module files carry no licences. A module's files are evidence when they are available:
//! vendored (`vendor/<module path>/`, only for modules vendor/modules.txt lists at the version
//! the build uses), or in the module cache (`<GOMODCACHE>/<escaped path>@<escaped version>/`).
//! Only modules with neither are marked as having no licence in the input.

use super::{ProjectGraph, ReadContext, ReadOptions};
use crate::diagnostic::{Code, Finding};
use crate::discover::FoundProject;
use crate::model::{DepKind, Dependency, Ecosystem, Package, PackageSource};
use crate::source::{Confined, Limit};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};

/// The reason given for modules whose files are not available.
const NO_LICENCES: &str = "go.mod records no licences";

/// How many modules a grouped warning names before "and N more".
const LISTED: usize = 20;

/// Reads one Go module.
pub fn read(ctx: &ReadContext<'_>, found: &FoundProject) -> ProjectGraph {
    let (display, text) =
        match ProjectGraph::read_input(ctx, found, &found.manifest, Limit::MANIFEST, "go.mod") {
            Ok(read) => read,
            Err(failed) => return *failed,
        };
    let (gomod, errors) = parse_go_mod(text.trim_start_matches('\u{feff}'));
    let Some(module) = gomod.module.clone() else {
        let line = errors
            .iter()
            .find(|e| e.directive == "module")
            .map(|e| e.line);
        let finding = Finding::error(
            Code::InputUnreadable,
            crate::text!("go_no_module", file = display),
        )
        .at(display.clone(), line);
        let mut graph = ProjectGraph::failed(ctx, found, "go.mod", finding);
        graph
            .findings
            .extend(errors.iter().map(|e| e.finding(&display)));
        return graph;
    };

    let mut findings: Vec<Finding> = Vec::new();
    let mut partial: Vec<String> = Vec::new();
    let hard_errors = errors.iter().filter(|e| !e.soft).count();
    findings.extend(errors.iter().map(|e| e.finding(&display)));
    if hard_errors > 0 {
        partial.push(format!(
            "{display} has {}, which {} skipped",
            crate::plural::count(hard_errors, "malformed line", "malformed lines"),
            crate::plural::word(hard_errors, "was", "were")
        ));
    }

    // go.sum: checksums of the modules, by path and version.
    let mut sums: Sums = HashMap::new();
    if let Some(lockfile) = &found.lockfile {
        let sum_display = ctx.display(lockfile);
        match ctx.input.read_text(lockfile, Limit::LOCKFILE) {
            Ok(text) => {
                let (parsed, sum_errors) = parse_go_sum(&text);
                sums = parsed;
                if !sum_errors.is_empty() {
                    partial.push(format!(
                        "{sum_display} has {}",
                        crate::plural::count(sum_errors.len(), "malformed line", "malformed lines")
                    ));
                }
                for (line, message) in sum_errors {
                    findings.push(
                        Finding::error(
                            Code::InputUnreadable,
                            crate::text!(
                                "line_problem",
                                file = sum_display,
                                line = line,
                                message = message
                            ),
                        )
                        .at(sum_display.clone(), Some(line)),
                    );
                }
            }
            Err(refusal) => {
                findings.push(Finding::refused(&refusal));
                partial.push(format!("{sum_display} could not be read"));
            }
        }
    }

    // vendor/modules.txt, when the module is vendored.
    let modules_txt = found
        .files
        .iter()
        .find(|f| f.ends_with(Path::new("vendor").join("modules.txt")))
        .cloned()
        .or_else(|| {
            // Whatever is there is read (and refused with its reason when it is not a regular
            // file inside the tree); nothing there means the module is not vendored.
            let path = found.dir.join("vendor").join("modules.txt");
            std::fs::symlink_metadata(&path).is_ok().then_some(path)
        });
    let vendor = modules_txt.as_ref().and_then(|path| {
        let vendor_display = ctx.display(path);
        match ctx.input.read_text(path, Limit::LOCKFILE) {
            Ok(text) => {
                let (list, problems) = parse_modules_txt(&text);
                for (line, message) in problems {
                    findings.push(
                        Finding::warning(
                            Code::InputUnreadable,
                            crate::text!(
                                "line_ignored",
                                file = vendor_display,
                                line = line,
                                message = message
                            ),
                        )
                        .at(vendor_display.clone(), Some(line)),
                    );
                }
                Some((vendor_display, list))
            }
            Err(refusal) => {
                findings.push(
                    Finding::refused_as(&refusal, crate::diagnostic::Severity::Warning).note(
                        crate::diagnostic::Text::new("note_the_vendored_files_were_not"),
                    ),
                );
                None
            }
        }
    });

    let pruned = gomod.go.as_deref().is_some_and(at_least_1_17);

    // The build list: each required module once, at the highest version required.
    let mut required: BTreeMap<String, &Require> = BTreeMap::new();
    for req in &gomod.requires {
        match required.get(req.path.as_str()) {
            Some(existing) if compare_versions(&existing.version, &req.version).is_ge() => {}
            _ => {
                required.insert(req.path.clone(), req);
            }
        }
    }
    let excluded: HashSet<(&str, &str)> = gomod
        .excludes
        .iter()
        .map(|(p, v, _)| (p.as_str(), v.as_str()))
        .collect();
    let mut modules: Vec<BuildModule> = Vec::new();
    for req in required.values() {
        if excluded.contains(&(req.path.as_str(), req.version.as_str())) {
            findings.push(
                Finding::warning(
                    Code::VersionUnresolved,
                    crate::text!(
                        "go_required_excluded",
                        file = display,
                        module = req.path,
                        version = req.version
                    ),
                )
                .at(display.clone(), Some(req.line))
                .note(crate::diagnostic::Text::new("go_run_tidy_version")),
            );
            continue;
        }
        modules.push(BuildModule {
            path: req.path.clone(),
            version: req.version.clone(),
            replacement: gomod.replacement_of(&req.path, &req.version),
            vendored: false,
        });
    }

    // Cross-check with vendor/modules.txt; modules vendored but not required are built too.
    if let Some((vendor_display, list)) = &vendor {
        let disagreements = check_vendor(&gomod, &mut modules, list, pruned);
        if !disagreements.is_empty() {
            let mut finding = Finding::warning(
                Code::DependencyUnresolved,
                crate::text!(
                    "go_vendor_disagrees",
                    vendor = vendor_display,
                    file = display
                )
                .count("n", disagreements.len()),
            )
            .at(vendor_display.clone(), None)
            .note(crate::diagnostic::Text::new("go_run_vendor"));
            for text in disagreements.iter().take(LISTED) {
                finding = finding.note(text.clone());
            }
            if disagreements.len() > LISTED {
                finding = finding.note(
                    crate::diagnostic::Text::new("and_n_more")
                        .count("n", disagreements.len() - LISTED),
                );
            }
            findings.push(finding);
        }
    }

    if !pruned && vendor.is_none() && !modules.is_empty() {
        let why = match &gomod.go {
            Some(version) => crate::text!("go_before_117", file = display, version = version),
            None => crate::text!("go_no_go_directive", file = display),
        };
        findings.push(
            Finding::warning(Code::ResolutionDegraded, why.clone())
                .at(display.clone(), gomod.go_line)
                .note(crate::diagnostic::Text::new("go_run_tidy_117")),
        );
        partial.push(why.english());
    }

    if found.lockfile.is_none() && !modules.is_empty() {
        let why = crate::text!("go_no_sum", file = display);
        findings.push(
            Finding::warning(Code::ResolutionDegraded, why.clone())
                .at(display.clone(), None)
                .note(crate::diagnostic::Text::new("go_commit_sum")),
        );
        partial.push(why.english());
    }

    // Packages: the main module, then each module of the build list.
    let cache = module_cache(ctx.options);
    let mut root_package = Package::new(
        Ecosystem::Golang,
        &module.0,
        "",
        PackageSource::Path {
            path: ctx.display(&found.dir),
        },
    );
    root_package.root = true;
    root_package.dir = Some(found.dir.clone());
    let mut packages = vec![root_package];
    let mut edges = crate::model::EdgeSet::default();
    let mut index_of: HashMap<(String, String, String), usize> = HashMap::new();
    for module in &modules {
        let mut package = match &module.replacement {
            Some(Target::Module { path, version }) => {
                let mut package = Package::new(
                    Ecosystem::Golang,
                    path,
                    version,
                    PackageSource::Registry { url: None },
                );
                package.checksum = sums.get(&(path.clone(), version.clone())).cloned();
                package
            }
            Some(Target::Dir(dir)) => {
                let local = found.dir.join(dir);
                let inside = ctx.input.dir(&local);
                let mut package = Package::new(
                    Ecosystem::Golang,
                    &module.path,
                    "",
                    PackageSource::Path {
                        path: match &inside {
                            Ok(resolved) => ctx.display(resolved),
                            Err(_) => super::local_path(ctx.root, &found.dir, dir),
                        },
                    },
                );
                let outside = inside.as_ref().is_err_and(|r| r.is_outside());
                if inside.is_err() && !outside {
                    findings.push(
                        Finding::warning(
                            Code::DependencyUnresolved,
                            crate::text!(
                                "go_replacement_missing",
                                file = display,
                                module = module.path,
                                dir = dir
                            ),
                        )
                        .at(display.clone(), gomod.replace_line(&module.path)),
                    );
                    package.licence_unavailable =
                        Some(format!("the replacement directory {dir} does not exist"));
                } else if outside {
                    package.licence_unavailable = Some(format!(
                        "the replacement directory {dir} is outside the audited tree"
                    ));
                } else {
                    package.dir = inside.ok();
                }
                package
            }
            None => {
                let mut package = Package::new(
                    Ecosystem::Golang,
                    &module.path,
                    &module.version,
                    PackageSource::Registry { url: None },
                );
                package.checksum = sums
                    .get(&(module.path.clone(), module.version.clone()))
                    .cloned();
                package
            }
        };
        if package.dir.is_none() && package.licence_unavailable.is_none() {
            package.dir = vendored_dir(ctx.input, &found.dir, module)
                .or_else(|| cached_dir(cache.as_ref(), &package.name, &package.version));
            if package.dir.is_none() {
                package.licence_unavailable = Some(NO_LICENCES.to_string());
            }
        }
        let key = (
            package.name.clone(),
            package.version.clone(),
            package.source.identity(),
        );
        let index = match index_of.get(&key) {
            Some(&i) => i,
            None => {
                let i = packages.len();
                index_of.insert(key, i);
                packages.push(package);
                i
            }
        };
        let edge = Dependency {
            package: index,
            kind: DepKind::Normal,
        };
        edges.add(&mut packages, 0, edge);
    }

    let mut reader = "go.mod".to_string();
    if found.lockfile.is_some() {
        reader.push_str(" + go.sum");
    }
    if vendor.is_some() {
        reader.push_str(" + vendor/modules.txt");
    }
    let mut graph = ProjectGraph::new(ctx, found, &reader);
    graph.packages = packages;
    graph.findings = findings;
    graph.project.toolchain = gomod
        .toolchain
        .as_deref()
        .and_then(|t| t.strip_prefix("go"))
        .or(gomod.go.as_deref())
        .map(str::to_string);
    if !partial.is_empty() {
        graph.partial(partial.join("; "));
    }
    graph.set_roots();
    graph
}

/// One module of the build list, before it becomes a package.
#[derive(Debug, Clone)]
struct BuildModule {
    /// The module path as required.
    path: String,
    version: String,
    replacement: Option<Target>,
    /// Listed by vendor/modules.txt at this version (and replacement): its vendored files are
    /// this module's.
    vendored: bool,
}

/// The vendored directory of a module, when vendor/modules.txt lists it at the version used.
/// Go vendors a module under its original path, also when it is replaced.
fn vendored_dir(input: &Confined, project: &Path, module: &BuildModule) -> Option<PathBuf> {
    if !module.vendored {
        return None;
    }
    input.dir(&project.join("vendor").join(&module.path)).ok()
}

/// The module cache's directory of `path@version`, when it exists.
/// Module paths and versions come from go.mod and go.sum: one that would lead out of the cache
/// (`../`) finds nothing.
fn cached_dir(cache: Option<&Confined>, path: &str, version: &str) -> Option<PathBuf> {
    let cache = cache?;
    if version.is_empty() {
        return None;
    }
    cache
        .dir(Path::new(&format!(
            "{}@{}",
            escape_path(path),
            escape_path(version)
        )))
        .ok()
}

/// The module cache: the option, else `GOMODCACHE`, else the first `GOPATH` entry's `pkg/mod`,
/// else `~/go/pkg/mod`; `None` when that directory does not exist.
pub fn module_cache(options: &ReadOptions) -> Option<Confined> {
    let non_empty = |name: &str| std::env::var_os(name).filter(|v| !v.is_empty());
    let dir = options
        .go_mod_cache
        .clone()
        .or_else(|| non_empty("GOMODCACHE").map(PathBuf::from))
        .or_else(|| {
            non_empty("GOPATH").and_then(|paths| {
                std::env::split_paths(&paths)
                    .find(|p| !p.as_os_str().is_empty())
                    .map(|p| p.join("pkg").join("mod"))
            })
        })
        .or_else(|| dirs::home_dir().map(|home| home.join("go").join("pkg").join("mod")))?;
    Confined::other(&dir, "Go's module cache")
}

/// A module path or version as the module cache and proxy protocol write it: every upper-case
/// letter becomes `!` and the lower-case letter.
pub fn escape_path(path: &str) -> String {
    let mut out = String::with_capacity(path.len() + 4);
    for c in path.chars() {
        if c.is_ascii_uppercase() {
            out.push('!');
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

/// Compares vendor/modules.txt with go.mod as `go` does before building in vendor mode; marks
/// the modules whose vendored copy is theirs, adds modules vendored but not required, and
/// returns the disagreements in words.
fn check_vendor(
    gomod: &GoMod,
    modules: &mut Vec<BuildModule>,
    list: &[VendorModule],
    pruned: bool,
) -> Vec<String> {
    let mut problems = Vec::new();
    let by_path: HashMap<&str, &VendorModule> = list
        .iter()
        .filter(|m| m.version.is_some())
        .map(|m| (m.path.as_str(), m))
        .collect();
    let required: HashSet<&str> = gomod.requires.iter().map(|r| r.path.as_str()).collect();

    for module in modules.iter_mut() {
        let Some(vendored) = by_path.get(module.path.as_str()) else {
            problems.push(format!(
                "{} {} is required in go.mod but not listed in vendor/modules.txt",
                module.path, module.version
            ));
            continue;
        };
        let version = vendored.version.as_deref().unwrap_or_default();
        if version != module.version {
            problems.push(format!(
                "{} is required at {} in go.mod but vendored at {version}",
                module.path, module.version
            ));
            continue;
        }
        if vendored.replacement != module.replacement {
            problems.push(format!(
                "{} {} is replaced by {} in go.mod but by {} in vendor/modules.txt",
                module.path,
                module.version,
                describe(module.replacement.as_ref()),
                describe(vendored.replacement.as_ref())
            ));
            continue;
        }
        if !vendored.explicit {
            problems.push(format!(
                "{} is required in go.mod but not marked `## explicit` in vendor/modules.txt",
                module.path
            ));
        }
        module.vendored = true;
    }

    for vendored in list {
        let Some(version) = &vendored.version else {
            continue;
        };
        if required.contains(vendored.path.as_str()) {
            continue;
        }
        if vendored.explicit {
            problems.push(format!(
                "{} {version} is marked `## explicit` in vendor/modules.txt but go.mod does not require it",
                vendored.path
            ));
        } else if pruned {
            problems.push(format!(
                "{} {version} is vendored but go.mod does not require it",
                vendored.path
            ));
        }
        if gomod
            .excludes
            .iter()
            .any(|(p, v, _)| *p == vendored.path && v == version)
        {
            continue;
        }
        // Vendored means built: audit it.
        modules.push(BuildModule {
            path: vendored.path.clone(),
            version: version.clone(),
            replacement: vendored.replacement.clone(),
            vendored: true,
        });
    }
    problems
}

fn describe(target: Option<&Target>) -> String {
    match target {
        None => "nothing".to_string(),
        Some(Target::Module { path, version }) => format!("{path} {version}"),
        Some(Target::Dir(dir)) => dir.clone(),
    }
}

/// True for `go` versions 1.17 and later (module graph pruning: go.mod lists the build list).
fn at_least_1_17(version: &str) -> bool {
    let mut parts = version.split('.');
    let major: u64 = parts.next().and_then(|p| p.parse().ok()).unwrap_or(0);
    let minor: u64 = parts
        .next()
        .map(|p| {
            p.chars()
                .take_while(char::is_ascii_digit)
                .collect::<String>()
        })
        .and_then(|p| p.parse().ok())
        .unwrap_or(0);
    (major, minor) >= (1, 17)
}

/// Orders two module versions as semantic versions (`v` prefix dropped); unparsable versions
/// compare as text.
fn compare_versions(a: &str, b: &str) -> std::cmp::Ordering {
    match (parse_version(a), parse_version(b)) {
        (Some(x), Some(y)) => x.cmp_precedence(&y),
        _ => a.cmp(b),
    }
}

fn parse_version(v: &str) -> Option<semver::Version> {
    semver::Version::parse(v.strip_prefix('v')?).ok()
}

// ---------------------------------------------------------------------------------------------
// go.mod

#[derive(Debug, Default)]
struct GoMod {
    /// The module path and its line.
    module: Option<(String, usize)>,
    go: Option<String>,
    go_line: Option<usize>,
    toolchain: Option<String>,
    requires: Vec<Require>,
    replaces: Vec<Replace>,
    /// Excluded module versions: path, version, line.
    excludes: Vec<(String, String, usize)>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Require {
    path: String,
    version: String,
    indirect: bool,
    line: usize,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Replace {
    path: String,
    /// `None` replaces every version.
    version: Option<String>,
    target: Target,
    line: usize,
}

/// What a module is replaced by.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Target {
    Module {
        path: String,
        version: String,
    },
    /// A directory, relative to the go.mod's directory or absolute.
    Dir(String),
}

impl GoMod {
    /// The replacement of `path@version`: a replace naming the version wins over one naming
    /// the module only.
    fn replacement_of(&self, path: &str, version: &str) -> Option<Target> {
        self.replaces
            .iter()
            .rev()
            .find(|r| r.path == path && r.version.as_deref() == Some(version))
            .or_else(|| {
                self.replaces
                    .iter()
                    .rev()
                    .find(|r| r.path == path && r.version.is_none())
            })
            .map(|r| r.target.clone())
    }

    fn replace_line(&self, path: &str) -> Option<usize> {
        self.replaces
            .iter()
            .find(|r| r.path == path)
            .map(|r| r.line)
    }
}

/// A go.mod line that could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
struct GoModError {
    line: usize,
    directive: String,
    message: String,
    /// A directive fundament does not know: reported, not counted as malformed.
    soft: bool,
}

impl GoModError {
    fn finding(&self, display: &str) -> Finding {
        let message = crate::text!(
            "line_problem",
            file = display,
            line = self.line,
            message = self.message
        );
        let finding = if self.soft {
            Finding::warning(Code::InputUnreadable, message)
        } else {
            Finding::error(Code::InputUnreadable, message)
        };
        finding.at(display.to_string(), Some(self.line))
    }
}

/// A token of a go.mod line.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Tok {
    Word(String),
    LParen,
    RParen,
    LBrack,
    RBrack,
    Comma,
    Arrow,
}

/// Splits one go.mod line into tokens and its trailing `//` comment.
fn lex_line(line: &str) -> Result<(Vec<Tok>, Option<String>), String> {
    let mut tokens = Vec::new();
    let mut i = 0;
    while let Some(c) = line[i..].chars().next() {
        let rest = &line[i..];
        if c.is_whitespace() {
            i += c.len_utf8();
        } else if let Some(comment) = rest.strip_prefix("//") {
            return Ok((tokens, Some(comment.trim().to_string())));
        } else if rest.starts_with("/*") {
            return Err("go.mod files must use `//` comments, not `/*`".to_string());
        } else if matches!(c, '(' | ')' | '[' | ']' | ',') {
            tokens.push(match c {
                '(' => Tok::LParen,
                ')' => Tok::RParen,
                '[' => Tok::LBrack,
                ']' => Tok::RBrack,
                _ => Tok::Comma,
            });
            i += 1;
        } else if c == '"' {
            let (value, used) = unquote(&rest[1..])?;
            tokens.push(Tok::Word(value));
            i += 1 + used;
        } else if c == '`' {
            let Some(end) = rest[1..].find('`') else {
                return Err("unterminated raw string".to_string());
            };
            tokens.push(Tok::Word(rest[1..1 + end].to_string()));
            i += end + 2;
        } else {
            let end = rest
                .char_indices()
                .find(|&(j, c)| {
                    c.is_whitespace()
                        || matches!(c, '(' | ')' | '[' | ']' | ',' | '"' | '`')
                        || rest[j..].starts_with("//")
                })
                .map_or(rest.len(), |(j, _)| j);
            let word = &rest[..end];
            tokens.push(if word == "=>" {
                Tok::Arrow
            } else {
                Tok::Word(word.to_string())
            });
            i += end;
        }
    }
    Ok((tokens, None))
}

/// The value of an interpreted string whose opening quote was just consumed, and how many bytes
/// it used (through the closing quote).
fn unquote(text: &str) -> Result<(String, usize), String> {
    let mut value = String::new();
    let mut chars = text.char_indices();
    while let Some((j, c)) = chars.next() {
        match c {
            '"' => return Ok((value, j + 1)),
            '\\' => match chars.next() {
                Some((_, e @ ('"' | '\\'))) => value.push(e),
                Some((_, 'n')) => value.push('\n'),
                Some((_, 't')) => value.push('\t'),
                Some((_, other)) => {
                    return Err(format!("unsupported escape `\\{other}` in a string"));
                }
                None => break,
            },
            c => value.push(c),
        }
    }
    Err("unterminated string".to_string())
}

/// The directives of go.mod.
const DIRECTIVES: &[&str] = &[
    "module",
    "go",
    "toolchain",
    "godebug",
    "require",
    "exclude",
    "replace",
    "retract",
    "tool",
    "ignore",
];

/// Parses go.mod; malformed lines are returned as errors and skipped.
fn parse_go_mod(text: &str) -> (GoMod, Vec<GoModError>) {
    let mut gomod = GoMod::default();
    let mut errors = Vec::new();
    // The directive of the block being read, and the line that opened it.
    let mut block: Option<(String, usize)> = None;
    for (index, raw) in text.lines().enumerate() {
        let line_no = index + 1;
        let (tokens, comment) = match lex_line(raw) {
            Ok(lexed) => lexed,
            Err(message) => {
                errors.push(GoModError {
                    line: line_no,
                    directive: block.as_ref().map(|b| b.0.clone()).unwrap_or_default(),
                    message,
                    soft: false,
                });
                continue;
            }
        };
        if tokens.is_empty() {
            continue;
        }
        let error = |directive: &str, message: String| GoModError {
            line: line_no,
            directive: directive.to_string(),
            message,
            soft: false,
        };
        if let Some((directive, _)) = &block {
            if tokens == [Tok::RParen] {
                block = None;
                continue;
            }
            let directive = directive.clone();
            if let Err(message) =
                directive_args(&mut gomod, &directive, &tokens, comment.as_deref(), line_no)
            {
                errors.push(error(&directive, message));
            }
            continue;
        }
        let Some(Tok::Word(directive)) = tokens.first() else {
            errors.push(error("", "a line must start with a directive".to_string()));
            continue;
        };
        let directive = directive.clone();
        let args = &tokens[1..];
        if !DIRECTIVES.contains(&directive.as_str()) {
            errors.push(GoModError {
                line: line_no,
                directive: directive.clone(),
                message: format!("unknown directive `{directive}`; the line was ignored"),
                soft: true,
            });
            continue;
        }
        match args {
            [Tok::LParen] => {
                if matches!(directive.as_str(), "module" | "go" | "toolchain") {
                    errors.push(error(
                        &directive,
                        format!("`{directive}` does not take a block"),
                    ));
                }
                block = Some((directive, line_no));
            }
            [Tok::LParen, Tok::RParen] => {}
            _ => {
                if let Err(message) =
                    directive_args(&mut gomod, &directive, args, comment.as_deref(), line_no)
                {
                    errors.push(error(&directive, message));
                }
            }
        }
    }
    if let Some((directive, line)) = block {
        errors.push(GoModError {
            line,
            directive: directive.clone(),
            message: format!("the `{directive} (` block is never closed"),
            soft: false,
        });
    }
    (gomod, errors)
}

/// Reads the arguments of one directive (on its own line or inside a block).
fn directive_args(
    gomod: &mut GoMod,
    directive: &str,
    args: &[Tok],
    comment: Option<&str>,
    line: usize,
) -> Result<(), String> {
    let words: Option<Vec<&str>> = args
        .iter()
        .map(|t| match t {
            Tok::Word(w) => Some(w.as_str()),
            _ => None,
        })
        .collect();
    match directive {
        "module" => match words.as_deref() {
            Some([path]) if !path.is_empty() => {
                if gomod.module.is_some() {
                    return Err("repeated `module` directive".to_string());
                }
                gomod.module = Some((path.to_string(), line));
                Ok(())
            }
            _ => Err("`module` takes exactly one module path".to_string()),
        },
        "go" => match words.as_deref() {
            Some([version]) if is_go_version(version) => {
                gomod.go = Some(version.to_string());
                gomod.go_line = Some(line);
                Ok(())
            }
            Some([version]) => Err(format!(
                "`{version}` is not a Go version (like 1.22 or 1.22.3)"
            )),
            _ => Err("`go` takes exactly one Go version".to_string()),
        },
        "toolchain" => match words.as_deref() {
            Some([name]) if *name == "default" || name.starts_with("go") => {
                gomod.toolchain = Some(name.to_string());
                Ok(())
            }
            _ => Err("`toolchain` takes one toolchain name (like go1.22.3)".to_string()),
        },
        "require" | "exclude" => match words.as_deref() {
            Some([path, version]) => {
                check_module_path(path)?;
                check_version(version)?;
                if directive == "require" {
                    gomod.requires.push(Require {
                        path: path.to_string(),
                        version: version.to_string(),
                        indirect: is_indirect(comment),
                        line,
                    });
                } else {
                    gomod
                        .excludes
                        .push((path.to_string(), version.to_string(), line));
                }
                Ok(())
            }
            Some([_]) => Err(format!("`{directive}` needs a module path and a version")),
            _ => Err(format!(
                "`{directive}` takes a module path and a version, nothing else"
            )),
        },
        "replace" => {
            let arrow = args.iter().position(|t| *t == Tok::Arrow).ok_or_else(|| {
                "`replace` needs `=>` between the module and its replacement".to_string()
            })?;
            let word = |t: &Tok| match t {
                Tok::Word(w) => Ok(w.clone()),
                _ => Err("unexpected punctuation in `replace`".to_string()),
            };
            let left: Vec<String> = args[..arrow].iter().map(word).collect::<Result<_, _>>()?;
            let right: Vec<String> = args[arrow + 1..]
                .iter()
                .map(word)
                .collect::<Result<_, _>>()?;
            let (path, version) = match left.as_slice() {
                [path] => (path.clone(), None),
                [path, version] => {
                    check_version(version)?;
                    (path.clone(), Some(version.clone()))
                }
                _ => {
                    return Err(
                        "`replace` takes a module path and an optional version before `=>`"
                            .to_string(),
                    );
                }
            };
            check_module_path(&path)?;
            let target = match right.as_slice() {
                [dir] if is_local_path(dir) => Target::Dir(dir.clone()),
                [other] => {
                    return Err(format!(
                        "the replacement `{other}` has no version, so it must be a directory path \
                         starting with ./ or ../ or /"
                    ));
                }
                [new_path, new_version] => {
                    check_module_path(new_path)?;
                    check_version(new_version)?;
                    Target::Module {
                        path: new_path.clone(),
                        version: new_version.clone(),
                    }
                }
                _ => {
                    return Err(
                        "`replace` takes a module path or a directory after `=>`".to_string()
                    );
                }
            };
            gomod.replaces.push(Replace {
                path,
                version,
                target,
                line,
            });
            Ok(())
        }
        "retract" => {
            // Retractions concern versions of this module, not its dependencies.
            match args {
                [Tok::Word(version)] => check_version(version),
                [
                    Tok::LBrack,
                    Tok::Word(low),
                    Tok::Comma,
                    Tok::Word(high),
                    Tok::RBrack,
                ] => {
                    check_version(low)?;
                    check_version(high)
                }
                _ => Err("`retract` takes a version or a range [low, high]".to_string()),
            }
        }
        "godebug" => match words.as_deref() {
            Some([setting]) if setting.contains('=') => Ok(()),
            _ => Err("`godebug` takes one key=value setting".to_string()),
        },
        // `tool` (Go 1.24) names packages of required modules; `ignore` (Go 1.25) names
        // directories. Neither adds a module to the build list.
        "tool" | "ignore" => match words.as_deref() {
            Some([_]) => Ok(()),
            _ => Err(format!("`{directive}` takes one path")),
        },
        _ => Ok(()),
    }
}

/// `// indirect` (possibly followed by `; other comment`).
fn is_indirect(comment: Option<&str>) -> bool {
    comment.is_some_and(|c| {
        c.split(';')
            .next()
            .is_some_and(|first| first.trim() == "indirect")
    })
}

fn is_go_version(v: &str) -> bool {
    // 1.21, 1.21.3, 1.21rc1, 1.22.0
    let digits_and_dots: String = v
        .chars()
        .take_while(|c| c.is_ascii_digit() || *c == '.')
        .collect();
    let rest = &v[digits_and_dots.len()..];
    !digits_and_dots.is_empty()
        && !digits_and_dots.starts_with('.')
        && !digits_and_dots.ends_with('.')
        && !digits_and_dots.contains("..")
        && (rest.is_empty()
            || (rest.chars().next().is_some_and(|c| c.is_ascii_lowercase())
                && rest.chars().all(|c| c.is_ascii_alphanumeric())))
}

/// A module version must be a semantic version with a `v` prefix (`v1.2.3`,
/// `v0.0.0-20240101000000-abcdef012345`, `v2.0.3+incompatible`).
fn check_version(version: &str) -> Result<(), String> {
    if parse_version(version).is_some() {
        Ok(())
    } else {
        Err(format!(
            "`{version}` is not a module version (a semantic version like v1.2.3)"
        ))
    }
}

/// Module paths: slash-separated elements of letters, digits and `-._~+`; never `.` or `..`
/// (the path becomes a directory name under vendor/ and the module cache).
fn check_module_path(path: &str) -> Result<(), String> {
    let valid = !path.is_empty()
        && path.split('/').all(|element| {
            !element.is_empty()
                && element != "."
                && element != ".."
                && element
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_' | '~' | '+'))
        });
    if valid {
        Ok(())
    } else {
        Err(format!("`{path}` is not a valid module path"))
    }
}

fn is_local_path(path: &str) -> bool {
    path.starts_with("./")
        || path.starts_with("../")
        || path.starts_with('/')
        || path == "."
        || path == ".."
        || path.starts_with(".\\")
        || path.starts_with("..\\")
        || path.as_bytes().get(1) == Some(&b':')
}

// ---------------------------------------------------------------------------------------------
// go.sum

/// Module checksums by module path and version.
type Sums = HashMap<(String, String), String>;

/// `<module> <version>[/go.mod] <hash>` lines; the module's own checksum is the line without
/// `/go.mod`. Returns the checksums and the malformed lines.
fn parse_go_sum(text: &str) -> (Sums, Vec<(usize, String)>) {
    let mut sums = HashMap::new();
    let mut errors = Vec::new();
    for (index, line) in text.lines().enumerate() {
        let fields: Vec<&str> = line.split_whitespace().collect();
        match fields.as_slice() {
            [] => {}
            [path, version, hash] => {
                if version.ends_with("/go.mod") {
                    continue;
                }
                if !hash.contains(':') {
                    errors.push((index + 1, format!("`{hash}` is not a checksum (h1:...)")));
                    continue;
                }
                sums.insert((path.to_string(), version.to_string()), hash.to_string());
            }
            other => errors.push((
                index + 1,
                format!(
                    "expected `<module> <version> <hash>`, found {}",
                    crate::plural::count(other.len(), "field", "fields")
                ),
            )),
        }
    }
    (sums, errors)
}

// ---------------------------------------------------------------------------------------------
// vendor/modules.txt

/// A `# <module> <version> [=> <replacement>]` entry of vendor/modules.txt.
#[derive(Debug, Clone, PartialEq, Eq)]
struct VendorModule {
    path: String,
    /// `None` for the list of replacements at the end (`# <module> => <replacement>`).
    version: Option<String>,
    replacement: Option<Target>,
    /// `## explicit`: required in go.mod.
    explicit: bool,
}

/// Reads the module entries of vendor/modules.txt; package lines are skipped.
fn parse_modules_txt(text: &str) -> (Vec<VendorModule>, Vec<(usize, String)>) {
    let mut modules: Vec<VendorModule> = Vec::new();
    let mut problems = Vec::new();
    for (index, line) in text.lines().enumerate() {
        if let Some(annotations) = line.strip_prefix("## ") {
            if let Some(last) = modules.last_mut() {
                if annotations.split(';').any(|a| a.trim() == "explicit") {
                    last.explicit = true;
                }
            } else {
                problems.push((index + 1, "an annotation before any module".to_string()));
            }
            continue;
        }
        let Some(entry) = line.strip_prefix("# ") else {
            continue;
        };
        let fields: Vec<&str> = entry.split_whitespace().collect();
        let arrow = fields.iter().position(|f| *f == "=>");
        let (left, right) = match arrow {
            Some(a) => (&fields[..a], Some(&fields[a + 1..])),
            None => (&fields[..], None),
        };
        let (path, version) = match left {
            [path] if right.is_some() => (path.to_string(), None),
            [path, version] => (path.to_string(), Some(version.to_string())),
            _ => {
                problems.push((index + 1, format!("`{line}` is not a module entry")));
                continue;
            }
        };
        let replacement = match right {
            None => None,
            Some([dir]) => Some(Target::Dir(dir.to_string())),
            Some([new_path, new_version]) => Some(Target::Module {
                path: new_path.to_string(),
                version: new_version.to_string(),
            }),
            Some(_) => {
                problems.push((index + 1, format!("`{line}` has a malformed replacement")));
                continue;
            }
        };
        if check_module_path(&path).is_err() {
            problems.push((index + 1, format!("`{path}` is not a valid module path")));
            continue;
        }
        modules.push(VendorModule {
            path,
            version,
            replacement,
            explicit: false,
        });
    }
    (modules, problems)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn single_line_and_block_requires_with_indirect_markers() {
        let (gomod, errors) = parse_go_mod(
            "// a comment\nmodule example.org/m // the module\n\ngo 1.22\ntoolchain go1.22.4\n\
             require example.org/a v1.0.0\nrequire (\n\texample.org/b v0.1.0 // indirect\n\
             \texample.org/c v2.0.0+incompatible // indirect; needed by tests\n\
             \t\"example.org/d\" v1.2.3-0.20240101000000-abcdef012345\n)\n",
        );
        assert_eq!(errors, vec![]);
        assert_eq!(gomod.module, Some(("example.org/m".to_string(), 2)));
        assert_eq!(gomod.go.as_deref(), Some("1.22"));
        assert_eq!(gomod.toolchain.as_deref(), Some("go1.22.4"));
        let reqs: Vec<(&str, &str, bool)> = gomod
            .requires
            .iter()
            .map(|r| (r.path.as_str(), r.version.as_str(), r.indirect))
            .collect();
        assert_eq!(
            reqs,
            vec![
                ("example.org/a", "v1.0.0", false),
                ("example.org/b", "v0.1.0", true),
                ("example.org/c", "v2.0.0+incompatible", true),
                (
                    "example.org/d",
                    "v1.2.3-0.20240101000000-abcdef012345",
                    false
                ),
            ]
        );
        assert_eq!(gomod.requires[1].line, 8);
    }

    #[test]
    fn replace_exclude_and_retract() {
        let (gomod, errors) = parse_go_mod(
            "module m\nreplace example.org/a => example.org/fork v1.1.0\n\
             replace (\n\texample.org/b v1.0.0 => ../b\n\texample.org/c => /abs/c\n)\n\
             exclude example.org/a v0.9.0\nretract [v0.1.0, v0.2.0] // oops\nretract v0.3.0\n\
             godebug default=go1.21\ntool example.org/a/cmd/x\n",
        );
        assert_eq!(errors, vec![]);
        assert_eq!(
            gomod.replacement_of("example.org/a", "v1.0.0"),
            Some(Target::Module {
                path: "example.org/fork".to_string(),
                version: "v1.1.0".to_string()
            })
        );
        assert_eq!(
            gomod.replacement_of("example.org/b", "v1.0.0"),
            Some(Target::Dir("../b".to_string()))
        );
        assert_eq!(gomod.replacement_of("example.org/b", "v1.0.1"), None);
        assert_eq!(
            gomod.replacement_of("example.org/c", "v9.9.9"),
            Some(Target::Dir("/abs/c".to_string()))
        );
        assert_eq!(
            gomod.excludes,
            vec![("example.org/a".to_string(), "v0.9.0".to_string(), 7)]
        );
    }

    #[test]
    fn malformed_lines_are_reported_with_their_line() {
        let (gomod, errors) = parse_go_mod(
            "module m\nrequire example.org/a\nrequire (\n\texample.org/b latest\n\
             \texample.org/c v1.0.0\n)\nreplace example.org/d => example.org/e\n\
             frobnicate x\nrequire \"unterminated v1.0.0\nrequire ../x v1.0.0\n",
        );
        let lines: Vec<(usize, bool)> = errors.iter().map(|e| (e.line, e.soft)).collect();
        assert_eq!(
            lines,
            vec![
                (2, false),
                (4, false),
                (7, false),
                (8, true),
                (9, false),
                (10, false)
            ]
        );
        assert!(
            errors[1]
                .message
                .contains("`latest` is not a module version")
        );
        // The good line of the block is still read.
        assert_eq!(gomod.requires.len(), 1);
        assert_eq!(gomod.requires[0].path, "example.org/c");
    }

    #[test]
    fn an_unclosed_block_is_an_error() {
        let (_, errors) = parse_go_mod("module m\nrequire (\n\texample.org/a v1.0.0\n");
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].line, 2);
    }

    #[test]
    fn go_sum_keeps_module_checksums_not_go_mod_ones() {
        let (sums, errors) = parse_go_sum(
            "example.org/a v1.0.0 h1:aaa=\nexample.org/a v1.0.0/go.mod h1:bbb=\n\
             example.org/b v0.1.0/go.mod h1:ccc=\n\nbroken line\n",
        );
        assert_eq!(
            sums.get(&("example.org/a".to_string(), "v1.0.0".to_string())),
            Some(&"h1:aaa=".to_string())
        );
        assert_eq!(sums.len(), 1);
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].0, 5);
    }

    #[test]
    fn modules_txt_entries_annotations_and_replacements() {
        let (list, problems) = parse_modules_txt(
            "# example.org/a v1.0.0\n## explicit; go 1.21\nexample.org/a\nexample.org/a/sub\n\
             # example.org/b v0.1.0 => example.org/fork v0.2.0\nexample.org/b\n\
             # example.org/c v1.0.0 => ./c\n## explicit\n# example.org/c => ./c\n",
        );
        assert_eq!(problems, vec![]);
        assert_eq!(list.len(), 4);
        assert!(list[0].explicit);
        assert!(!list[1].explicit);
        assert_eq!(
            list[1].replacement,
            Some(Target::Module {
                path: "example.org/fork".to_string(),
                version: "v0.2.0".to_string()
            })
        );
        assert_eq!(list[2].replacement, Some(Target::Dir("./c".to_string())));
        assert!(list[2].explicit);
        assert_eq!(list[3].version, None);
    }

    #[test]
    fn truncated_inputs_never_panic() {
        let gomod = "module \"m\"\ngo 1.22\nrequire (\n\tx.org/a v1.0.0 // indirect\n\t`x.org/b` v1.0.0\n)\nreplace x.org/a v1.0.0 => ../a\nretract [v1.0.0, v1.1.0]\n";
        let modules =
            "# x.org/a v1.0.0 => ../a\n## explicit; go 1.21\nx.org/a\n# x.org/a => ../a\n";
        for text in [gomod, modules] {
            for end in 0..=text.len() {
                let _ = parse_go_mod(&text[..end]);
                let _ = parse_modules_txt(&text[..end]);
                let _ = parse_go_sum(&text[..end]);
            }
        }
    }

    #[test]
    fn module_cache_paths_escape_upper_case() {
        assert_eq!(
            escape_path("github.com/BurntSushi/toml"),
            "github.com/!burnt!sushi/toml"
        );
        assert_eq!(escape_path("v1.0.0-RC1"), "v1.0.0-!r!c1");
    }

    #[test]
    fn go_versions_and_pruning() {
        assert!(at_least_1_17("1.17"));
        assert!(at_least_1_17("1.23.1"));
        assert!(at_least_1_17("1.21rc1"));
        assert!(!at_least_1_17("1.16"));
        assert!(is_go_version("1.21rc1"));
        assert!(!is_go_version("1..2"));
        assert!(!is_go_version("v1.2"));
    }

    #[test]
    fn the_highest_required_version_wins() {
        assert!(compare_versions("v1.10.0", "v1.9.0").is_gt());
        assert!(compare_versions("v1.0.0-pre", "v1.0.0").is_lt());
    }
}
