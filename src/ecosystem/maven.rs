//! Maven: `pom.xml` files, read directly (Maven itself is never run).
//!
//! One project is one build: the topmost `pom.xml` and, recursively, the `<modules>` it lists,
//! those of every `<profile>` included (a profile's modules are built only when the profile is
//! active; the audit covers all of them, as it covers every optional dependency elsewhere).
//! The build's own artefacts (the root POM and every module) are the project's root packages;
//! a module depending on another module of the same build is an edge between two roots.
//!
//! Each POM is read as Maven builds its effective model, as far as the audited tree allows:
//! - **parents**: `<parent>` is looked up at its `<relativePath>` (default `../pom.xml`; an
//!   empty one means "only in a repository"), else among every `pom.xml` of the audited tree by
//!   groupId, artifactId and version. The chain is followed to its top, cycles are cut and
//!   reported. A parent that is not in the tree (`spring-boot-starter-parent`) is not guessed:
//!   what it would supply (properties, managed versions, inherited dependencies, licences) is
//!   unknown, and one `VersionUnresolved` finding names it.
//! - **properties**: `${...}` from `<properties>` of the POM and its parents (the child wins),
//!   the project's coordinates (`project.version`, `project.groupId`, `project.parent.version`
//!   and their old `pom.*`/bare forms), nested references, with cycle detection. Properties of
//!   profiles are used only when no POM of the chain defines the property and every profile
//!   that does agrees on its value. `${env.*}` and `${settings.*}` depend on the build machine
//!   and stay unresolved. Everything is interpolated in the context of the module being built,
//!   as Maven does (a parent's `${project.version}` is the child's version).
//! - **dependencyManagement**: versions and scopes of dependencies declared without them, from
//!   the POM and its parents (the child wins), then from imported BOMs (`<scope>import</scope>`)
//!   found in the tree by coordinates (interpolated with the BOM's own properties); a BOM that
//!   is not in the tree is named in one `VersionUnresolved` finding. As in Maven, a parent's
//!   management takes precedence over every import and an earlier import over a later one, so
//!   a version from a BOM of the tree is listed but not locked when a parent or an earlier BOM
//!   outside the tree might manage the same dependency.
//! - **dependencies**: the POM's own and those inherited from its parents, including those of
//!   every profile. Scopes: compile and runtime are runtime, test is dev, provided is build (see
//!   `scope_of`), system is runtime with a warning; `<optional>` marks the package optional.
//!   Plugin dependencies are build tools, not part of the product, and are not read.
//! - **licences**: `<licenses>` of the POM, else of its nearest parent that has one; several
//!   `<license>` elements are joined with AND unless a comment offers a choice (then OR), with
//!   the names kept as written for fundament's licence reading.
//!
//! A version that cannot be resolved is kept as written (`${spring.version}`, or empty when no
//! version is declared or managed), the package is marked `locked = false`, and a finding says
//! why; versions are never guessed. Transitive dependencies need the dependencies' own POMs from
//! a Maven repository, which this reader does not fetch: only direct dependencies are listed, and
//! the project is marked partial. A POM records no licences of its dependencies.

use super::{ProjectGraph, ReadContext};
use crate::diagnostic::{Code, Finding};
use crate::discover::FoundProject;
use crate::model::{
    DeclaredLicence, DepKind, Dependency, Ecosystem, Origin, Package, PackageSource, Scope,
};
use crate::source::{Confined, Limit};
use quick_xml::events::Event;
use quick_xml::reader::Reader;
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::path::{Component, Path, PathBuf};
use std::rc::Rc;

/// The reader's description in the report.
const READER: &str = "pom.xml";

/// Why no dependency carries a licence.
const NO_LICENCES: &str = "pom.xml does not record its dependencies' licences";

/// Why a project with dependencies is partial.
const TRANSITIVE: &str = "transitive dependencies are not resolved: they need the dependencies' \
                          POMs from a Maven repository";

/// At most this many property look-ups per interpolated string (guards against references
/// that double at every level).
const EXPANSION_BUDGET: usize = 1000;

/// Reads one Maven build.
pub fn read(ctx: &ReadContext<'_>, found: &FoundProject) -> ProjectGraph {
    let mut loader = Loader::new(ctx);
    let root_pom = match loader.load(&normalise(&found.manifest)) {
        Ok(pom) => pom,
        Err(finding) => return ProjectGraph::failed(ctx, found, READER, *finding),
    };
    let mut builder = Builder {
        ctx,
        loader,
        findings: Findings::default(),
        packages: Vec::new(),
        unknown: BTreeMap::new(),
        listed: HashSet::new(),
    };
    let modules = builder.collect_modules(root_pom);
    builder.build(found, &modules)
}

// ---------------------------------------------------------------------------------------------
// XML

/// One element of a parsed XML document: its local name (namespace prefixes dropped: POMs use
/// the default namespace, or none), its text and its child elements.
#[derive(Debug, Default)]
struct Node {
    name: String,
    line: usize,
    text: String,
    children: Vec<Node>,
}

impl Node {
    fn child(&self, name: &str) -> Option<&Node> {
        self.children.iter().find(|c| c.name == name)
    }

    fn all<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Node> + 'a {
        self.children.iter().filter(move |c| c.name == name)
    }

    /// The children `name` of the child `list` (`<dependencies><dependency>`).
    fn items<'a>(&'a self, list: &'a str, name: &'a str) -> impl Iterator<Item = &'a Node> + 'a {
        self.child(list).into_iter().flat_map(move |l| l.all(name))
    }

    /// The trimmed text of the child `name`, when it has any.
    fn value(&self, name: &str) -> Option<String> {
        self.child(name)
            .map(|c| c.text.trim())
            .filter(|t| !t.is_empty())
            .map(str::to_string)
    }
}

#[derive(Debug)]
struct XmlError {
    message: String,
    line: usize,
}

/// Counts lines while the parser moves forward through the text.
struct LineCounter<'t> {
    text: &'t [u8],
    offset: usize,
    line: usize,
}

impl LineCounter<'_> {
    fn line_at(&mut self, offset: usize) -> usize {
        let offset = offset.min(self.text.len());
        if offset < self.offset {
            self.offset = 0;
            self.line = 1;
        }
        self.line += self
            .text
            .get(self.offset..offset)
            .map(|s| s.iter().filter(|&&b| b == b'\n').count())
            .unwrap_or(0);
        self.offset = offset;
        self.line
    }
}

/// Parses a whole document into its root element.
fn parse_xml(text: &str) -> Result<Node, XmlError> {
    let mut reader = Reader::from_str(text);
    let mut lines = LineCounter {
        text: text.as_bytes(),
        offset: 0,
        line: 1,
    };
    let mut stack: Vec<Node> = Vec::new();
    let mut root: Option<Node> = None;
    loop {
        let offset = usize::try_from(reader.buffer_position()).unwrap_or(usize::MAX);
        let event = match reader.read_event() {
            Ok(event) => event,
            Err(err) => {
                let at = usize::try_from(reader.error_position()).unwrap_or(usize::MAX);
                return Err(XmlError {
                    message: err.to_string(),
                    line: crate::diagnostic::line_of_offset(text, at),
                });
            }
        };
        match event {
            Event::Start(start) => stack.push(Node {
                name: start.local_name().into_inner().to_string(),
                line: lines.line_at(offset),
                ..Node::default()
            }),
            Event::Empty(start) => {
                let node = Node {
                    name: start.local_name().into_inner().to_string(),
                    line: lines.line_at(offset),
                    ..Node::default()
                };
                attach(&mut stack, &mut root, node)?;
            }
            Event::End(_) => {
                if let Some(node) = stack.pop() {
                    attach(&mut stack, &mut root, node)?;
                }
            }
            Event::Text(t) => {
                if let Some(top) = stack.last_mut() {
                    top.text.push_str(&t.xml10_content());
                }
            }
            Event::CData(t) => {
                if let Some(top) = stack.last_mut() {
                    top.text.push_str(&t.xml10_content());
                }
            }
            Event::GeneralRef(r) => {
                if let Some(top) = stack.last_mut() {
                    match r.resolve_char_ref() {
                        Ok(Some(c)) => top.text.push(c),
                        _ => match quick_xml::escape::resolve_predefined_entity(&r) {
                            Some(s) => top.text.push_str(s),
                            // An entity of a DTD: kept as written.
                            None => {
                                top.text.push('&');
                                top.text.push_str(&r);
                                top.text.push(';');
                            }
                        },
                    }
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    if let Some(open) = stack.first() {
        return Err(XmlError {
            message: format!(
                "the file ends before <{}> (line {}) is closed",
                open.name, open.line
            ),
            line: crate::diagnostic::line_of_offset(text, text.len()),
        });
    }
    root.ok_or_else(|| XmlError {
        message: "the file contains no XML element".to_string(),
        line: 1,
    })
}

fn attach(stack: &mut [Node], root: &mut Option<Node>, node: Node) -> Result<(), XmlError> {
    match stack.last_mut() {
        Some(parent) => parent.children.push(node),
        None if root.is_none() => *root = Some(node),
        None => {
            return Err(XmlError {
                message: format!("a second root element <{}>", node.name),
                line: node.line,
            });
        }
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// One POM, as written

#[derive(Debug, Clone, Default)]
struct DepDecl {
    group_id: Option<String>,
    artifact_id: Option<String>,
    version: Option<String>,
    scope: Option<String>,
    kind: Option<String>,
    classifier: Option<String>,
    optional: Option<String>,
    system_path: Option<String>,
    line: usize,
    version_line: Option<usize>,
    profile: Option<String>,
}

impl DepDecl {
    fn from_node(node: &Node, profile: Option<&str>) -> DepDecl {
        DepDecl {
            group_id: node.value("groupId"),
            artifact_id: node.value("artifactId"),
            version: node.value("version"),
            scope: node.value("scope"),
            kind: node.value("type"),
            classifier: node.value("classifier"),
            optional: node.value("optional"),
            system_path: node.value("systemPath"),
            line: node.line,
            version_line: node.child("version").map(|v| v.line),
            profile: profile.map(str::to_string),
        }
    }

    fn is_import(&self) -> bool {
        self.scope.as_deref() == Some("import")
    }
}

#[derive(Debug, Clone)]
struct ParentRef {
    group_id: Option<String>,
    artifact_id: Option<String>,
    version: Option<String>,
    /// `None`: not given (Maven's default `../pom.xml`); `Some("")`: repository only.
    relative_path: Option<String>,
    line: usize,
}

impl ParentRef {
    fn coordinates(&self) -> String {
        format!(
            "{}:{}:{}",
            self.group_id.as_deref().unwrap_or("?"),
            self.artifact_id.as_deref().unwrap_or("?"),
            self.version.as_deref().unwrap_or("?")
        )
    }
}

/// A POM's `<license>` element (also read from registry POMs by src/registry/maven.rs).
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub(crate) struct License {
    pub(crate) name: Option<String>,
    pub(crate) url: Option<String>,
    pub(crate) comments: Option<String>,
}

#[derive(Debug, Clone)]
struct ModuleRef {
    path: String,
    line: usize,
    profile: Option<String>,
}

#[derive(Debug)]
struct Pom {
    path: PathBuf,
    display: String,
    line: usize,
    group_id: Option<String>,
    artifact_id: Option<String>,
    artifact_line: usize,
    version: Option<String>,
    version_line: Option<usize>,
    packaging: Option<String>,
    parent: Option<ParentRef>,
    properties: HashMap<String, String>,
    /// (profile id, name, value)
    profile_properties: Vec<(String, String, String)>,
    licenses: Vec<License>,
    modules: Vec<ModuleRef>,
    /// `<dependencyManagement>`, the main one first, then the profiles'.
    managed: Vec<DepDecl>,
    /// `<dependencies>`, the main ones first, then the profiles'.
    dependencies: Vec<DepDecl>,
}

impl Pom {
    fn dir(&self) -> &Path {
        self.path.parent().unwrap_or(Path::new("."))
    }

    fn from_node(path: &Path, display: &str, project: &Node) -> Pom {
        let parent = project.child("parent").map(|p| ParentRef {
            group_id: p.value("groupId"),
            artifact_id: p.value("artifactId"),
            version: p.value("version"),
            relative_path: p.child("relativePath").map(|r| r.text.trim().to_string()),
            line: p.line,
        });
        let mut pom = Pom {
            path: path.to_path_buf(),
            display: display.to_string(),
            line: project.line,
            group_id: project.value("groupId"),
            artifact_id: project.value("artifactId"),
            artifact_line: project.child("artifactId").map_or(project.line, |a| a.line),
            version: project.value("version"),
            version_line: project.child("version").map(|v| v.line),
            packaging: project.value("packaging"),
            parent,
            properties: properties_of(project),
            profile_properties: Vec::new(),
            licenses: project
                .items("licenses", "license")
                .map(|l| License {
                    name: l.value("name"),
                    url: l.value("url"),
                    comments: l.value("comments"),
                })
                .collect(),
            modules: Vec::new(),
            managed: Vec::new(),
            dependencies: Vec::new(),
        };
        pom.read_build_section(project, None);
        for profile in project.items("profiles", "profile") {
            let id = profile
                .value("id")
                .unwrap_or_else(|| format!("(line {})", profile.line));
            pom.read_build_section(profile, Some(&id));
            for (name, value) in properties_of(profile) {
                pom.profile_properties.push((id.clone(), name, value));
            }
        }
        pom
    }

    /// Modules, dependencyManagement and dependencies of the project or of one profile.
    fn read_build_section(&mut self, node: &Node, profile: Option<&str>) {
        for module in node.items("modules", "module") {
            let text = module.text.trim();
            if !text.is_empty() {
                self.modules.push(ModuleRef {
                    path: text.to_string(),
                    line: module.line,
                    profile: profile.map(str::to_string),
                });
            }
        }
        if let Some(management) = node.child("dependencyManagement") {
            self.managed.extend(
                management
                    .items("dependencies", "dependency")
                    .map(|d| DepDecl::from_node(d, profile)),
            );
        }
        self.dependencies.extend(
            node.items("dependencies", "dependency")
                .map(|d| DepDecl::from_node(d, profile)),
        );
    }
}

fn properties_of(node: &Node) -> HashMap<String, String> {
    node.child("properties")
        .map(|p| {
            p.children
                .iter()
                .map(|c| (c.name.clone(), c.text.trim().to_string()))
                .collect()
        })
        .unwrap_or_default()
}

/// Reads and parses one POM.
fn parse_pom(input: &Confined, path: &Path, display: &str) -> Result<Pom, Box<Finding>> {
    let bytes = input
        .read(path, Limit::MANIFEST)
        .map_err(|refusal| Box::new(Finding::refused(&refusal)))?;
    let text = decode(bytes);
    let text = text.strip_prefix('\u{feff}').unwrap_or(&text);
    let root = parse_xml(text).map_err(|err| {
        let finding = Finding::error(
            Code::InputUnreadable,
            format!("{display} is not well-formed XML: {}", err.message),
        )
        .at(display, Some(err.line));
        Box::new(finding)
    })?;
    if root.name != "project" {
        return Err(Box::new(
            Finding::error(
                Code::InputUnreadable,
                format!(
                    "{display} is not a Maven POM: its root element is <{}>, not <project>",
                    root.name
                ),
            )
            .at(display, Some(root.line)),
        ));
    }
    Ok(Pom::from_node(path, display, &root))
}

/// UTF-8, else ISO-8859-1 (the other encoding POMs are written in; every byte is a character,
/// so lines stay where they are).
fn decode(bytes: Vec<u8>) -> String {
    match String::from_utf8(bytes) {
        Ok(text) => text,
        Err(err) => err.into_bytes().iter().map(|&b| char::from(b)).collect(),
    }
}

/// `a/b/../c` → `a/c`, without touching the file system (discovery never follows symbolic
/// links, so the tree's paths are lexical too).
fn normalise(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => {
                if !out.pop() {
                    out.push("..");
                }
            }
            other => out.push(other.as_os_str()),
        }
    }
    out
}

/// The POM a `<module>` or `<relativePath>` names: a file, or a directory holding `pom.xml`.
fn pom_at(dir: &Path, relative: &str) -> PathBuf {
    let joined = normalise(&dir.join(relative.trim()));
    let is_file = joined
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("xml"))
        && !joined.is_dir();
    if is_file {
        joined
    } else {
        joined.join("pom.xml")
    }
}

// ---------------------------------------------------------------------------------------------
// Properties

/// Why a `${...}` reference could not be resolved.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Problem {
    Undefined(String),
    Environment(String),
    Settings(String),
    Cycle(Vec<String>),
    TooDeep,
}

impl Problem {
    fn describe(&self, scope: &str) -> String {
        match self {
            Problem::Undefined(name) => {
                format!("the property `{name}` is not defined in {scope}")
            }
            Problem::Environment(name) => format!(
                "`${{{name}}}` is an environment variable of the build, which fundament does not read"
            ),
            Problem::Settings(name) => format!(
                "`${{{name}}}` comes from the Maven settings of the build machine, which fundament does not read"
            ),
            Problem::Cycle(names) => format!(
                "the properties refer to each other in a cycle: {}",
                names.join(" → ")
            ),
            Problem::TooDeep => "the property references expand without end".to_string(),
        }
    }
}

/// A string after interpolation: unresolved references are kept as written.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Interpolated {
    value: String,
    problems: Vec<Problem>,
}

impl Interpolated {
    fn resolved(&self) -> bool {
        self.problems.is_empty()
    }
}

/// The properties in reach of one POM: its own and its parents', the project's coordinates,
/// and the properties profiles agree on.
#[derive(Debug, Default)]
struct Properties {
    values: HashMap<String, String>,
    profiles: HashMap<String, Option<String>>,
}

impl Properties {
    /// The properties of `chain` (the POM first, then its parents).
    fn of_chain(chain: &[Rc<Pom>]) -> Properties {
        let mut props = Properties::default();
        for pom in chain.iter().rev() {
            for (name, value) in &pom.properties {
                props.values.insert(name.clone(), value.clone());
            }
            for (_, name, value) in &pom.profile_properties {
                props
                    .profiles
                    .entry(name.clone())
                    .and_modify(|agreed| {
                        if agreed.as_deref() != Some(value.as_str()) {
                            *agreed = None;
                        }
                    })
                    .or_insert_with(|| Some(value.clone()));
            }
        }
        let Some(pom) = chain.first() else {
            return props;
        };
        let parent = pom.parent.as_ref();
        let group = pom
            .group_id
            .clone()
            .or_else(|| parent.and_then(|p| p.group_id.clone()));
        let version = pom
            .version
            .clone()
            .or_else(|| parent.and_then(|p| p.version.clone()));
        let mut builtin = |names: &[&str], value: Option<String>| {
            if let Some(value) = value {
                for name in names {
                    props.values.insert((*name).to_string(), value.clone());
                }
            }
        };
        builtin(&["project.groupId", "pom.groupId", "groupId"], group);
        builtin(
            &["project.artifactId", "pom.artifactId", "artifactId"],
            pom.artifact_id.clone(),
        );
        builtin(&["project.version", "pom.version", "version"], version);
        builtin(
            &["project.packaging", "pom.packaging"],
            Some(pom.packaging.clone().unwrap_or_else(|| "jar".to_string())),
        );
        builtin(
            &["project.parent.groupId", "parent.groupId"],
            parent.and_then(|p| p.group_id.clone()),
        );
        builtin(
            &["project.parent.artifactId", "parent.artifactId"],
            parent.and_then(|p| p.artifact_id.clone()),
        );
        builtin(
            &["project.parent.version", "parent.version"],
            parent.and_then(|p| p.version.clone()),
        );
        // The directory as reports show it (relative to the audited root): it only ever
        // appears in messages (`systemPath`).
        let shown_dir = Path::new(&pom.display)
            .parent()
            .map(|d| d.to_string_lossy().into_owned())
            .filter(|d| !d.is_empty())
            .unwrap_or_else(|| ".".to_string());
        builtin(
            &["project.basedir", "pom.basedir", "basedir"],
            Some(shown_dir),
        );
        props
    }

    fn lookup(&self, name: &str) -> Option<&str> {
        if name.starts_with("env.") || name.starts_with("settings.") {
            return None;
        }
        self.values
            .get(name)
            .or_else(|| self.profiles.get(name).and_then(Option::as_ref))
            .map(String::as_str)
    }

    fn interpolate(&self, text: &str) -> Interpolated {
        if !text.contains("${") {
            return Interpolated {
                value: text.to_string(),
                problems: Vec::new(),
            };
        }
        let mut problems = Vec::new();
        let mut budget = EXPANSION_BUDGET;
        let value = self.expand(text, &mut Vec::new(), &mut problems, &mut budget);
        problems.sort();
        problems.dedup();
        Interpolated { value, problems }
    }

    fn expand(
        &self,
        text: &str,
        stack: &mut Vec<String>,
        problems: &mut Vec<Problem>,
        budget: &mut usize,
    ) -> String {
        let mut out = String::with_capacity(text.len());
        let mut rest = text;
        while let Some(start) = rest.find("${") {
            out.push_str(&rest[..start]);
            let after = &rest[start + 2..];
            let Some(end) = after.find('}') else {
                out.push_str(&rest[start..]);
                rest = "";
                break;
            };
            let name = after[..end].trim();
            let written = &rest[start..start + 2 + end + 1];
            rest = &after[end + 1..];
            if *budget == 0 {
                problems.push(Problem::TooDeep);
                out.push_str(written);
                continue;
            }
            *budget -= 1;
            if let Some(at) = stack.iter().position(|n| n == name) {
                let mut cycle: Vec<String> = stack[at..].to_vec();
                cycle.push(name.to_string());
                problems.push(Problem::Cycle(cycle));
                out.push_str(written);
                continue;
            }
            match self.lookup(name) {
                Some(value) => {
                    stack.push(name.to_string());
                    let expanded = self.expand(value, stack, problems, budget);
                    stack.pop();
                    out.push_str(&expanded);
                }
                None => {
                    problems.push(if let Some(var) = name.strip_prefix("env.") {
                        Problem::Environment(format!("env.{var}"))
                    } else if name.starts_with("settings.") {
                        Problem::Settings(name.to_string())
                    } else {
                        Problem::Undefined(name.to_string())
                    });
                    out.push_str(written);
                }
            }
        }
        out.push_str(rest);
        out
    }
}

// ---------------------------------------------------------------------------------------------
// Loading POMs and following parents

/// A parent or BOM that is not in the audited tree: what it supplies is unknown.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Unknown {
    /// "the parent POM g:a:v", "the BOM g:a:v"
    what: String,
    /// Where it is named.
    display: String,
    line: usize,
    why: String,
}

/// A POM with its local parents.
#[derive(Debug)]
struct Model {
    /// The POM first, then its parents found in the tree.
    chain: Vec<Rc<Pom>>,
    /// The parent where the chain leaves the tree.
    remote_parent: Option<Unknown>,
    properties: Properties,
}

impl Model {
    fn pom(&self) -> &Rc<Pom> {
        &self.chain[0]
    }

    /// Where properties are looked up, for messages.
    fn scope_text(&self) -> String {
        let mut text = self.pom().display.clone();
        if self.chain.len() > 1 {
            text.push_str(" or its parent POMs");
        }
        text
    }
}

/// Coordinates as they identify a POM: groupId, artifactId, version.
type Coordinates = (String, String, String);

struct Loader<'a> {
    ctx: &'a ReadContext<'a>,
    poms: HashMap<PathBuf, Result<Rc<Pom>, Box<Finding>>>,
    by_coordinates: Option<HashMap<Coordinates, Vec<PathBuf>>>,
    /// POMs read as parents or BOMs.
    used: HashSet<PathBuf>,
}

enum ParentLookup {
    Found(Rc<Pom>),
    Missing { why: String },
}

impl<'a> Loader<'a> {
    fn new(ctx: &'a ReadContext<'a>) -> Self {
        Loader {
            ctx,
            poms: HashMap::new(),
            by_coordinates: None,
            used: HashSet::new(),
        }
    }

    fn load(&mut self, path: &Path) -> Result<Rc<Pom>, Box<Finding>> {
        if let Some(done) = self.poms.get(path) {
            return done.clone();
        }
        let display = self.ctx.display(path);
        let result = parse_pom(self.ctx.input, path, &display).map(Rc::new);
        self.poms.insert(path.to_path_buf(), result.clone());
        result
    }

    /// The POMs of the audited tree with these coordinates.
    fn by_coordinates(&mut self, wanted: &Coordinates) -> Vec<Rc<Pom>> {
        if self.by_coordinates.is_none() {
            let mut index: HashMap<Coordinates, Vec<PathBuf>> = HashMap::new();
            for path in self.ctx.tree.named("pom.xml") {
                let path = normalise(&path);
                // POMs that cannot be read are reported where they are used, not here.
                if let Ok(pom) = self.load(&path) {
                    index.entry(own_coordinates(&pom)).or_default().push(path);
                }
            }
            self.by_coordinates = Some(index);
        }
        let paths = self
            .by_coordinates
            .as_ref()
            .and_then(|index| index.get(wanted))
            .cloned()
            .unwrap_or_default();
        paths.iter().filter_map(|p| self.load(p).ok()).collect()
    }

    fn find_parent(
        &mut self,
        child: &Pom,
        parent: &ParentRef,
        findings: &mut Findings,
    ) -> ParentLookup {
        let wanted = (
            parent.group_id.clone().unwrap_or_default(),
            parent.artifact_id.clone().unwrap_or_default(),
            parent.version.clone().unwrap_or_default(),
        );
        let mut why = Vec::new();
        let relative = parent.relative_path.as_deref().unwrap_or("../pom.xml");
        if relative.is_empty() {
            why.push(
                "its <relativePath> is empty, so Maven looks only in repositories".to_string(),
            );
        } else {
            let candidate = pom_at(child.dir(), relative);
            let shown = self.ctx.display(&candidate);
            let resolved = self.ctx.input.resolve(&candidate);
            if resolved.as_ref().is_err_and(|r| r.is_missing()) {
                why.push(format!("{shown} does not exist"));
            } else if resolved.as_ref().is_err_and(|r| r.is_outside()) {
                why.push(format!("{shown} is outside the audited tree"));
            } else {
                match self.load(&candidate) {
                    // A CI-friendly `${revision}` parent version matches the same text.
                    Ok(pom)
                        if own_coordinates(&pom) == wanted || raw_coordinates(&pom) == wanted =>
                    {
                        return ParentLookup::Found(pom);
                    }
                    Ok(pom) => {
                        let (g, a, v) = own_coordinates(&pom);
                        why.push(format!("{shown} is {g}:{a}:{v}"));
                    }
                    Err(finding) => {
                        why.push(format!("{shown} cannot be read"));
                        // Reported: the build needs this file.
                        findings.push((*finding).note(format!(
                            "it is the parent POM named in {}:{}",
                            child.display, parent.line
                        )));
                    }
                }
            }
        }
        let found: Vec<Rc<Pom>> = self
            .by_coordinates(&wanted)
            .into_iter()
            .filter(|p| p.path != child.path)
            .collect();
        if let Some(pom) = found.into_iter().next() {
            return ParentLookup::Found(pom);
        }
        why.push("no pom.xml of the audited tree has these coordinates".to_string());
        ParentLookup::Missing {
            why: why.join("; "),
        }
    }

    /// The POM with its parents, as far as they are in the tree.
    fn model(&mut self, pom: Rc<Pom>, findings: &mut Findings) -> Model {
        let mut chain = vec![pom];
        let mut remote_parent = None;
        while let Some(current) = chain.last().cloned() {
            let Some(parent) = current.parent.clone() else {
                break;
            };
            match self.find_parent(&current, &parent, findings) {
                ParentLookup::Found(found) => {
                    if chain.iter().any(|p| p.path == found.path) {
                        let mut names: Vec<String> =
                            chain.iter().map(|p| p.display.clone()).collect();
                        names.push(found.display.clone());
                        findings.push(
                            Finding::error(
                                Code::InputUnreadable,
                                format!(
                                    "the parent POMs of {} form a cycle: {}; the chain is cut \
                                     at {}",
                                    chain[0].display,
                                    names.join(" → "),
                                    current.display
                                ),
                            )
                            .at(current.display.clone(), Some(parent.line)),
                        );
                        break;
                    }
                    self.used.insert(found.path.clone());
                    chain.push(found);
                }
                ParentLookup::Missing { why } => {
                    remote_parent = Some(Unknown {
                        what: format!("the parent POM {}", parent.coordinates()),
                        display: current.display.clone(),
                        line: parent.line,
                        why,
                    });
                    break;
                }
            }
        }
        let properties = Properties::of_chain(&chain);
        Model {
            chain,
            remote_parent,
            properties,
        }
    }
}

/// A POM's coordinates as written, with its parent's groupId and version where it has none.
fn raw_coordinates(pom: &Pom) -> Coordinates {
    let parent = pom.parent.as_ref();
    (
        pom.group_id
            .clone()
            .or_else(|| parent.and_then(|p| p.group_id.clone()))
            .unwrap_or_default(),
        pom.artifact_id.clone().unwrap_or_default(),
        pom.version
            .clone()
            .or_else(|| parent.and_then(|p| p.version.clone()))
            .unwrap_or_default(),
    )
}

/// A POM's own coordinates, with its own properties and its parent's groupId and version.
fn own_coordinates(pom: &Rc<Pom>) -> Coordinates {
    let chain = [pom.clone()];
    let props = Properties::of_chain(&chain);
    let parent = pom.parent.as_ref();
    let group = pom
        .group_id
        .clone()
        .or_else(|| parent.and_then(|p| p.group_id.clone()))
        .unwrap_or_default();
    let version = pom
        .version
        .clone()
        .or_else(|| parent.and_then(|p| p.version.clone()))
        .unwrap_or_default();
    (
        props.interpolate(&group).value,
        props
            .interpolate(pom.artifact_id.as_deref().unwrap_or_default())
            .value,
        props.interpolate(&version).value,
    )
}

// ---------------------------------------------------------------------------------------------
// dependencyManagement

/// A dependency's identity for management and inheritance: groupId, artifactId, type,
/// classifier.
type DepKey = (String, String, String, String);

#[derive(Debug, Clone)]
struct Managed {
    version: Option<Interpolated>,
    scope: Option<String>,
    display: String,
    line: usize,
    /// The properties were those of a BOM, not of the module.
    from_bom: Option<String>,
    /// Parents and BOMs outside the tree whose dependencyManagement takes precedence over
    /// this entry's: an inherited parent's over every import, an earlier import's over a
    /// later one. When one of them manages the dependency too, Maven uses its version.
    shadowed_by: Vec<Unknown>,
}

#[derive(Debug, Default)]
struct Management {
    entries: HashMap<DepKey, Managed>,
    unknown: Vec<Unknown>,
}

fn dep_key(props: &Properties, dep: &DepDecl) -> DepKey {
    let get = |v: &Option<String>, default: &str| {
        props
            .interpolate(v.as_deref().unwrap_or(default))
            .value
            .trim()
            .to_string()
    };
    (
        get(&dep.group_id, ""),
        get(&dep.artifact_id, ""),
        get(&dep.kind, "jar"),
        get(&dep.classifier, ""),
    )
}

impl Loader<'_> {
    /// The dependencyManagement in force for `model`: its chain's (the POM first), then the
    /// imported BOMs', in order.
    fn management(
        &mut self,
        model: &Model,
        importing: &mut Vec<Coordinates>,
        findings: &mut Findings,
    ) -> Management {
        let mut management = Management::default();
        // What is not in the tree and takes precedence over the next import.
        let mut preceding: Vec<Unknown> = model.remote_parent.iter().cloned().collect();
        let mut imports: Vec<(DepDecl, String)> = Vec::new();
        for pom in &model.chain {
            for entry in &pom.managed {
                if entry.is_import() {
                    imports.push((entry.clone(), pom.display.clone()));
                    continue;
                }
                let key = dep_key(&model.properties, entry);
                management.entries.entry(key).or_insert_with(|| Managed {
                    version: entry
                        .version
                        .as_deref()
                        .map(|v| model.properties.interpolate(v)),
                    scope: entry
                        .scope
                        .as_deref()
                        .map(|s| model.properties.interpolate(s).value),
                    display: pom.display.clone(),
                    line: entry.version_line.unwrap_or(entry.line),
                    from_bom: None,
                    shadowed_by: Vec::new(),
                });
            }
        }
        for (import, display) in imports {
            // Imports that are not in the tree (and what they brought along) come first.
            for unknown in &management.unknown {
                if !preceding.contains(unknown) {
                    preceding.push(unknown.clone());
                }
            }
            let (group, artifact, _, _) = dep_key(&model.properties, &import);
            let version = import
                .version
                .as_deref()
                .map(|v| model.properties.interpolate(v));
            let line = import.line;
            let coordinates = format!(
                "{group}:{artifact}:{}",
                version.as_ref().map_or("?", |v| v.value.as_str())
            );
            let what = format!("the BOM {coordinates}");
            let version = match version {
                Some(v) if v.resolved() => v.value,
                Some(v) => {
                    let why = v
                        .problems
                        .iter()
                        .map(|p| p.describe(&model.scope_text()))
                        .collect::<Vec<_>>()
                        .join("; ");
                    management.unknown.push(Unknown {
                        what,
                        display,
                        line,
                        why: format!("its version cannot be resolved: {why}"),
                    });
                    continue;
                }
                None => {
                    management.unknown.push(Unknown {
                        what,
                        display,
                        line,
                        why: "it is imported without a version".to_string(),
                    });
                    continue;
                }
            };
            let wanted = (group, artifact, version);
            if importing.contains(&wanted) {
                findings.push(
                    Finding::warning(
                        Code::InputUnreadable,
                        format!("{what} imports itself through other BOMs; the cycle is cut"),
                    )
                    .at(display.clone(), Some(line)),
                );
                continue;
            }
            let Some(bom) = self.by_coordinates(&wanted).into_iter().next() else {
                management.unknown.push(Unknown {
                    what,
                    display,
                    line,
                    why: "no pom.xml of the audited tree has these coordinates".to_string(),
                });
                continue;
            };
            self.used.insert(bom.path.clone());
            let bom_model = self.model(bom, findings);
            importing.push(wanted);
            let imported = self.management(&bom_model, importing, findings);
            importing.pop();
            for (key, mut entry) in imported.entries {
                entry.from_bom.get_or_insert_with(|| coordinates.clone());
                entry.shadowed_by.extend(preceding.iter().cloned());
                management.entries.entry(key).or_insert(entry);
            }
            management.unknown.extend(bom_model.remote_parent);
            management.unknown.extend(imported.unknown);
        }
        management
    }
}

// ---------------------------------------------------------------------------------------------
// The project's graph

/// Findings, each once.
#[derive(Default)]
struct Findings {
    list: Vec<Finding>,
    seen: HashSet<(Code, String, Option<String>)>,
}

impl Findings {
    fn push(&mut self, finding: Finding) {
        let key = (
            finding.code,
            finding.message.clone(),
            finding.location.as_ref().map(|l| l.to_string()),
        );
        if self.seen.insert(key) {
            self.list.push(finding);
        }
    }
}

/// The dependencies a parent or BOM outside the tree leaves uncertain.
#[derive(Debug, Default)]
struct Affected {
    /// Declared without a version that anything in the tree manages.
    versionless: BTreeSet<String>,
    /// Versioned by a BOM of the tree, which the unknown parent or BOM takes precedence over.
    overridable: BTreeSet<String>,
}

/// How a Maven scope enters the graph.
///
/// `provided` is its own scope: the artefact is compiled against but supplied by the runtime
/// environment (an application server, a servlet container), so it is not shipped with the
/// project's artefact; its edge is a build edge. `test` is the test scope, over a dev edge.
/// `system` is runtime (it is on the class path like compile) and gets a warning, since it is a
/// file on the build machine rather than an artefact with coordinates.
fn scope_of(scope: &str) -> Option<(Scope, DepKind)> {
    match scope {
        "" | "compile" | "runtime" | "system" => Some((Scope::Runtime, DepKind::Normal)),
        "provided" => Some((Scope::Provided, DepKind::Build)),
        "test" => Some((Scope::Test, DepKind::Dev)),
        _ => None,
    }
}

/// A version Maven would pick from a repository rather than use as written.
fn is_range_or_meta(version: &str) -> bool {
    version.starts_with('[')
        || version.starts_with('(')
        || version.contains(',')
        || version == "LATEST"
        || version == "RELEASE"
}

/// The licences of `<licenses>` as one declared string: several `<license>` elements are all
/// applicable (AND) unless a comment offers a choice between them ("dual licensed", "either",
/// "at your option"), then OR. Raw names (else the URL) are kept for fundament's licence
/// reading. The same rule serves POMs from a registry (src/registry/maven.rs).
pub(crate) fn licence_expression(licenses: &[License]) -> Option<String> {
    let terms: Vec<&str> = licenses
        .iter()
        .filter_map(|l| {
            l.name
                .as_deref()
                .map(str::trim)
                .filter(|n| !n.is_empty())
                .or(l.url.as_deref())
        })
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .collect();
    if terms.is_empty() {
        return None;
    }
    let choice = licenses.len() > 1
        && licenses.iter().any(|l| {
            l.comments.as_deref().is_some_and(|c| {
                let c = c.to_lowercase();
                [
                    "dual",
                    "either",
                    "choice",
                    "choose",
                    "at your option",
                    "alternative",
                ]
                .iter()
                .any(|cue| c.contains(cue))
            })
        });
    Some(terms.join(if choice { " OR " } else { " AND " }))
}

struct Builder<'a> {
    ctx: &'a ReadContext<'a>,
    loader: Loader<'a>,
    findings: Findings,
    packages: Vec<Package>,
    /// Parents and BOMs outside the tree, with the dependencies they leave uncertain.
    unknown: BTreeMap<Unknown, Affected>,
    /// Every POM listed as a module, read or not.
    listed: HashSet<PathBuf>,
}

impl Builder<'_> {
    /// The root POM and, recursively, every module it lists (in profiles too).
    fn collect_modules(&mut self, root: Rc<Pom>) -> Vec<Rc<Pom>> {
        let mut seen: HashSet<PathBuf> = HashSet::from([root.path.clone()]);
        let mut modules = vec![root];
        let mut next = 0;
        while let Some(pom) = modules.get(next).cloned() {
            self.listed.insert(pom.path.clone());
            next += 1;
            for module in &pom.modules {
                let path = pom_at(pom.dir(), &module.path);
                if !seen.insert(path.clone()) {
                    continue;
                }
                self.listed.insert(path.clone());
                let shown = self.ctx.display(&path);
                let listed = match &module.profile {
                    Some(profile) => format!(
                        "module `{}` (profile `{profile}`) listed in {}:{}",
                        module.path, pom.display, module.line
                    ),
                    None => format!(
                        "module `{}` listed in {}:{}",
                        module.path, pom.display, module.line
                    ),
                };
                let resolved = self.ctx.input.resolve(&path);
                let problem = if resolved.as_ref().is_err_and(|r| r.is_missing()) {
                    Some(format!("the {listed} has no POM: {shown} does not exist"))
                } else if resolved.as_ref().is_err_and(|r| r.is_outside()) {
                    Some(format!(
                        "the {listed} is outside the audited tree ({shown}); it was not read"
                    ))
                } else {
                    None
                };
                if let Some(problem) = problem {
                    self.findings.push(
                        Finding::error(Code::InputUnreadable, problem)
                            .at(pom.display.clone(), Some(module.line)),
                    );
                    continue;
                }
                match self.loader.load(&path) {
                    Ok(module_pom) => modules.push(module_pom),
                    Err(finding) => self.findings.push((*finding).note(format!("the {listed}"))),
                }
            }
        }
        modules
    }

    /// A version that stays unresolved. `where_defined` is where its properties were looked up
    /// ("svc/pom.xml or its parent POMs", "the BOM g:a:v"); `remote` the parent outside the
    /// tree that might define them.
    #[allow(clippy::too_many_arguments)]
    fn version_finding(
        &mut self,
        subject: &str,
        version: &Interpolated,
        where_defined: &str,
        remote: Option<&Unknown>,
        display: &str,
        line: usize,
        purl: &str,
    ) {
        let why: Vec<String> = version
            .problems
            .iter()
            .map(|p| p.describe(where_defined))
            .collect();
        let mut finding = Finding::warning(
            Code::VersionUnresolved,
            format!(
                "the version of {subject} is `{}`, which cannot be resolved: {}; it is listed \
                 as written",
                version.value,
                why.join("; ")
            ),
        )
        .at(display.to_string(), Some(line))
        .package(purl.to_string());
        if let Some(remote) = remote
            && version
                .problems
                .iter()
                .any(|p| matches!(p, Problem::Undefined(_)))
        {
            finding = finding.note(format!(
                "{} is not in the audited tree and may define it",
                remote.what
            ));
        }
        self.findings.push(finding);
    }

    fn build(mut self, found: &FoundProject, modules: &[Rc<Pom>]) -> ProjectGraph {
        let ctx = self.ctx;
        let mut models = Vec::with_capacity(modules.len());
        for pom in modules {
            let model = self.loader.model(pom.clone(), &mut self.findings);
            models.push(model);
        }

        // The build's own artefacts.
        let mut reactor: HashMap<(String, String), (usize, String)> = HashMap::new();
        for model in &models {
            let pom = model.pom().clone();
            let props = &model.properties;
            let parent = pom.parent.as_ref();
            let group = pom
                .group_id
                .clone()
                .or_else(|| parent.and_then(|p| p.group_id.clone()));
            let group = group.map(|g| props.interpolate(&g).value);
            let artifact = props
                .interpolate(pom.artifact_id.as_deref().unwrap_or_default())
                .value;
            if artifact.is_empty() {
                let message = format!("{} has no <artifactId>; it was not read", pom.display);
                self.findings.push(
                    Finding::error(Code::InputUnreadable, message)
                        .at(pom.display.clone(), Some(pom.line)),
                );
                continue;
            }
            let name = match &group {
                Some(group) => format!("{group}:{artifact}"),
                None => {
                    self.findings.push(
                        Finding::warning(
                            Code::InputUnreadable,
                            format!(
                                "{} has no <groupId> and no parent to inherit one from",
                                pom.display
                            ),
                        )
                        .at(pom.display.clone(), Some(pom.artifact_line)),
                    );
                    artifact.clone()
                }
            };
            let raw_version = pom
                .version
                .clone()
                .or_else(|| parent.and_then(|p| p.version.clone()))
                .unwrap_or_default();
            let version = props.interpolate(&raw_version);
            let mut package = Package::new(
                Ecosystem::Maven,
                &name,
                &version.value,
                PackageSource::Path {
                    path: ctx.display(pom.dir()),
                },
            );
            package.root = true;
            package.dir = Some(pom.dir().to_path_buf());
            package.locked = version.resolved() && !version.value.is_empty();
            if !version.resolved() {
                let line = pom
                    .version_line
                    .or(parent.map(|p| p.line))
                    .unwrap_or(pom.line);
                let purl = package.purl.clone();
                self.version_finding(
                    &format!("the project {name}"),
                    &version,
                    &model.scope_text(),
                    model.remote_parent.as_ref(),
                    &pom.display.clone(),
                    line,
                    &purl,
                );
            }
            if let Some(licensing) = model.chain.iter().find(|p| !p.licenses.is_empty())
                && let Some(raw) = licence_expression(&licensing.licenses)
            {
                package.declared.push(DeclaredLicence {
                    raw,
                    origin: Origin {
                        file: licensing.display.clone(),
                        field: "licenses".to_string(),
                    },
                });
            }
            let group_key = group.unwrap_or_default();
            reactor.insert(
                (group_key, artifact),
                (self.packages.len(), version.value.clone()),
            );
            self.packages.push(package);
        }

        // Dependencies, module by module.
        let mut index_of: HashMap<(String, String), usize> = HashMap::new();
        let mut external = 0usize;
        for model in &models {
            let Some(&(from, _)) = reactor.get(&self.coordinates_of(model)) else {
                continue;
            };
            let management = self
                .loader
                .management(model, &mut Vec::new(), &mut self.findings);
            let mut unknown_here: Vec<Unknown> = management.unknown.clone();
            unknown_here.extend(model.remote_parent.clone());
            for unknown in &unknown_here {
                self.unknown.entry(unknown.clone()).or_default();
            }

            let mut closer: HashSet<DepKey> = HashSet::new();
            for pom in &model.chain {
                let mut here: HashSet<DepKey> = HashSet::new();
                for dep in &pom.dependencies {
                    let key = dep_key(&model.properties, dep);
                    if closer.contains(&key) {
                        continue;
                    }
                    here.insert(key.clone());
                    if let Some(index) = self.dependency(
                        model,
                        pom,
                        dep,
                        &key,
                        &management,
                        &unknown_here,
                        &reactor,
                        &mut index_of,
                    ) {
                        let (to, kind) = index;
                        if to == from {
                            continue;
                        }
                        if !self.packages[to].root {
                            external += 1;
                        }
                        let edge = Dependency { package: to, kind };
                        if !self.packages[from].dependencies.contains(&edge) {
                            self.packages[from].dependencies.push(edge);
                        }
                    }
                }
                closer.extend(here);
            }
        }

        // One finding per parent or BOM outside the tree.
        let unknown = std::mem::take(&mut self.unknown);
        for (unknown, affected) in unknown {
            let supplies = if unknown.what.starts_with("the parent") {
                "the properties, managed versions, dependencies and licences it would supply are \
                 not known"
            } else {
                "the versions it manages are not known"
            };
            let message = format!(
                "{} named in {}:{} is not in the audited tree ({}); {supplies}",
                unknown.what, unknown.display, unknown.line, unknown.why
            );
            let mut finding = Finding::warning(Code::VersionUnresolved, message)
                .at(unknown.display.clone(), Some(unknown.line));
            if !affected.overridable.is_empty() {
                let names: Vec<&str> = affected.overridable.iter().map(String::as_str).collect();
                finding = finding.note(format!(
                    "{} dependencies take their version from a BOM in the tree, but where this \
                     one manages them too its version wins; they are listed at the BOM's \
                     version, not locked: {}",
                    names.len(),
                    names.join(", ")
                ));
            }
            if !affected.versionless.is_empty() {
                let names: Vec<&str> = affected.versionless.iter().map(String::as_str).collect();
                finding = finding.note(format!(
                    "{} dependencies are declared without a version and listed without one: {}",
                    names.len(),
                    names.join(", ")
                ));
            }
            self.findings.push(finding);
        }

        self.report_unreached(found);

        let mut graph = ProjectGraph::new(ctx, found, READER);
        graph.findings = self.findings.list;
        // What could not be read comes first as the reason the project is partial.
        let errors: Vec<String> = graph
            .findings
            .iter()
            .filter(|f| f.severity == crate::diagnostic::Severity::Error)
            .map(|f| f.message.clone())
            .collect();
        for reason in errors {
            graph.partial(reason);
        }
        if external > 0 {
            graph.partial(TRANSITIVE.to_string());
        }
        graph.packages = self.packages;
        graph.set_roots();
        graph
    }

    fn coordinates_of(&self, model: &Model) -> (String, String) {
        let pom = model.pom();
        let group = pom
            .group_id
            .clone()
            .or_else(|| pom.parent.as_ref().and_then(|p| p.group_id.clone()))
            .map(|g| model.properties.interpolate(&g).value)
            .unwrap_or_default();
        let artifact = model
            .properties
            .interpolate(pom.artifact_id.as_deref().unwrap_or_default())
            .value;
        (group, artifact)
    }

    /// Adds one declared dependency; returns the package it points at and the edge kind.
    #[allow(clippy::too_many_arguments)]
    fn dependency(
        &mut self,
        model: &Model,
        pom: &Pom,
        dep: &DepDecl,
        key: &DepKey,
        management: &Management,
        unknown: &[Unknown],
        reactor: &HashMap<(String, String), (usize, String)>,
        index_of: &mut HashMap<(String, String), usize>,
    ) -> Option<(usize, DepKind)> {
        let (group, artifact, _, _) = key;
        if group.is_empty() || artifact.is_empty() {
            self.findings.push(
                Finding::warning(
                    Code::InputUnreadable,
                    format!(
                        "a dependency in {}:{} has no <groupId> or <artifactId>; it was skipped",
                        pom.display, dep.line
                    ),
                )
                .at(pom.display.clone(), Some(dep.line)),
            );
            return None;
        }
        let name = format!("{group}:{artifact}");
        // Named with its profile in messages, where it has one.
        let shown = match &dep.profile {
            Some(profile) => format!("{name} (profile `{profile}`)"),
            None => name.clone(),
        };
        let managed = management.entries.get(key);
        let declared_version = dep
            .version
            .as_deref()
            .map(|v| model.properties.interpolate(v));
        let (version, version_at, version_scope) = match (&declared_version, managed) {
            (Some(v), _) => (
                Some(v.clone()),
                (pom.display.clone(), dep.version_line.unwrap_or(dep.line)),
                None,
            ),
            (None, Some(m)) => (
                m.version.clone(),
                (m.display.clone(), m.line),
                m.from_bom.clone(),
            ),
            (None, None) => (None, (pom.display.clone(), dep.line), None),
        };
        let shadowed: &[Unknown] = match (&declared_version, managed) {
            (None, Some(m)) => &m.shadowed_by,
            _ => &[],
        };
        let scope_text = dep
            .scope
            .as_deref()
            .map(|s| model.properties.interpolate(s).value)
            .or_else(|| managed.and_then(|m| m.scope.clone()))
            .unwrap_or_default()
            .trim()
            .to_ascii_lowercase();
        let (scope, mut kind) = match scope_of(&scope_text) {
            Some(mapped) => mapped,
            None => {
                self.findings.push(
                    Finding::warning(
                        Code::InputUnreadable,
                        format!(
                            "{name} in {}:{} has scope `{scope_text}`, which is not a scope of \
                             <dependencies>; it is read as compile",
                            pom.display, dep.line
                        ),
                    )
                    .at(pom.display.clone(), Some(dep.line)),
                );
                (Scope::Runtime, DepKind::Normal)
            }
        };
        let optional = dep
            .optional
            .as_deref()
            .map(|o| model.properties.interpolate(o).value.trim() == "true")
            .unwrap_or(false);
        if optional && kind == DepKind::Normal {
            kind = DepKind::Optional;
        }

        // Another module of this build.
        if let Some((index, module_version)) = reactor.get(&(group.clone(), artifact.clone()))
            && version.as_ref().is_none_or(|v| v.value == *module_version)
        {
            return Some((*index, kind));
        }

        let version_text = version
            .as_ref()
            .map(|v| v.value.clone())
            .unwrap_or_default();
        let mut locked = version.as_ref().is_some_and(Interpolated::resolved);
        let mut package = Package::new(
            Ecosystem::Maven,
            &name,
            &version_text,
            PackageSource::Registry { url: None },
        );
        let purl = package.purl.clone();
        match &version {
            Some(v) if !v.resolved() => {
                let subject = match &version_scope {
                    Some(bom) => format!("{shown} (managed by the BOM {bom})"),
                    None => shown.clone(),
                };
                // A BOM's versions are interpolated with the BOM's own properties.
                let (where_defined, remote) = match &version_scope {
                    Some(bom) => (format!("the BOM {bom}"), None),
                    None => (model.scope_text(), model.remote_parent.as_ref()),
                };
                self.version_finding(
                    &subject,
                    v,
                    &where_defined,
                    remote,
                    &version_at.0,
                    version_at.1,
                    &purl,
                );
            }
            Some(v) if is_range_or_meta(&v.value) => {
                locked = false;
                self.findings.push(
                    Finding::warning(
                        Code::VersionUnresolved,
                        format!(
                            "{shown} in {}:{} asks for `{}`; Maven picks the version from a \
                             repository, so it is listed as written",
                            version_at.0, version_at.1, v.value
                        ),
                    )
                    .at(version_at.0.clone(), Some(version_at.1))
                    .package(purl.clone()),
                );
            }
            Some(v) if !shadowed.is_empty() => {
                locked = false;
                for u in shadowed {
                    self.unknown
                        .entry(u.clone())
                        .or_default()
                        .overridable
                        .insert(format!("{name} {}", v.value));
                }
            }
            Some(_) => {}
            None if !unknown.is_empty() => {
                // Whatever is not in the tree may manage it: named once per parent or BOM.
                for u in unknown {
                    self.unknown
                        .entry(u.clone())
                        .or_default()
                        .versionless
                        .insert(name.clone());
                }
            }
            None => self.findings.push(
                Finding::warning(
                    Code::VersionUnresolved,
                    format!(
                        "{shown} in {}:{} has no version, and no dependencyManagement of {} \
                         manages it; it is listed without one",
                        pom.display,
                        dep.line,
                        model.scope_text()
                    ),
                )
                .at(pom.display.clone(), Some(dep.line))
                .package(purl.clone()),
            ),
        }
        if scope_text == "system" {
            let file = dep
                .system_path
                .as_deref()
                .map(|p| format!(" ({})", model.properties.interpolate(p).value))
                .unwrap_or_default();
            self.findings.push(
                Finding::warning(
                    Code::DependencyUnresolved,
                    format!(
                        "{name} in {}:{} has scope `system`: it is a file on the build \
                         machine{file}, not an artefact from a repository; check its licence by \
                         hand",
                        pom.display, dep.line
                    ),
                )
                .at(pom.display.clone(), Some(dep.line))
                .package(purl.clone()),
            );
        }

        let identity = (name.clone(), version_text.clone());
        let index = match index_of.get(&identity) {
            Some(&i) => {
                let existing = &mut self.packages[i];
                existing.scope = existing.scope.min(scope);
                existing.optional &= optional;
                existing.locked &= locked;
                i
            }
            None => {
                package.scope = scope;
                package.optional = optional;
                package.locked = locked;
                package.licence_unavailable = Some(NO_LICENCES.to_string());
                let i = self.packages.len();
                self.packages.push(package);
                index_of.insert(identity, i);
                i
            }
        };
        Some((index, kind))
    }

    /// POMs below the project that are neither modules nor parents or BOMs of the build are
    /// not part of it; they are named, except those in Maven source trees (`src/`: test
    /// resources, archetype templates).
    fn report_unreached(&mut self, found: &FoundProject) {
        let reached: HashSet<&Path> = self
            .listed
            .iter()
            .chain(self.loader.used.iter())
            .map(PathBuf::as_path)
            .collect();
        let unreached: Vec<String> = found
            .files
            .iter()
            .map(|p| normalise(p))
            .filter(|p| !reached.contains(p.as_path()))
            .filter(|p| {
                !p.strip_prefix(&found.dir)
                    .unwrap_or(p)
                    .components()
                    .any(|c| c.as_os_str() == "src")
            })
            .map(|p| self.ctx.display(&p))
            .collect();
        if unreached.is_empty() {
            return;
        }
        let manifest = self.ctx.display(&found.manifest);
        let shown: Vec<&str> = unreached.iter().take(10).map(String::as_str).collect();
        let more = unreached.len().saturating_sub(shown.len());
        let mut message = format!(
            "{} pom.xml files below {manifest} are not modules of its build and were not read: {}",
            unreached.len(),
            shown.join(", ")
        );
        if more > 0 {
            message.push_str(&format!(" and {more} more"));
        }
        self.findings.push(
            Finding::warning(Code::InputUnreadable, message)
                .at(manifest, None)
                .note("list them in <modules>, or audit their directories on their own"),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pom(text: &str) -> Pom {
        let root = parse_xml(text).expect("well-formed");
        Pom::from_node(Path::new("/x/pom.xml"), "pom.xml", &root)
    }

    fn props(pairs: &[(&str, &str)]) -> Properties {
        Properties {
            values: pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            profiles: HashMap::new(),
        }
    }

    #[test]
    fn elements_keep_their_lines_and_namespaces_are_dropped() {
        let text = "<?xml version=\"1.0\"?>\n<p:project xmlns:p=\"http://maven.apache.org/POM/4.0.0\">\n  <p:artifactId>a</p:artifactId>\n  <version>1 &amp; 2&#x21;</version>\n</p:project>\n";
        let root = parse_xml(text).unwrap();
        assert_eq!(root.name, "project");
        assert_eq!(root.line, 2);
        assert_eq!(root.child("artifactId").unwrap().line, 3);
        assert_eq!(root.value("version").as_deref(), Some("1 & 2!"));
    }

    #[test]
    fn malformed_xml_names_the_line() {
        let text = "<project>\n  <version>1</version>\n  <groupId>g</artifactId>\n</project>\n";
        let err = parse_xml(text).unwrap_err();
        assert_eq!(err.line, 3, "{}", err.message);
        let err = parse_xml("<project>\n  <dependencies>\n").unwrap_err();
        assert!(err.message.contains("<project>"), "{}", err.message);
        assert_eq!(err.line, 3);
    }

    #[test]
    fn nested_properties_resolve_and_cycles_are_reported() {
        let p = props(&[
            ("a", "${b}"),
            ("b", "1.${c}"),
            ("c", "2"),
            ("x", "${y}"),
            ("y", "${x}"),
        ]);
        let i = p.interpolate("${a}-final");
        assert_eq!(i.value, "1.2-final");
        assert!(i.resolved());
        let i = p.interpolate("${x}");
        assert_eq!(i.value, "${x}");
        assert_eq!(
            i.problems,
            vec![Problem::Cycle(vec!["x".into(), "y".into(), "x".into()])]
        );
        let i = p.interpolate("${env.BUILD} ${settings.localRepository} ${nope}");
        assert_eq!(i.value, "${env.BUILD} ${settings.localRepository} ${nope}");
        assert_eq!(
            i.problems,
            vec![
                Problem::Undefined("nope".into()),
                Problem::Environment("env.BUILD".into()),
                Problem::Settings("settings.localRepository".into()),
            ]
        );
    }

    #[test]
    fn doubling_references_stop_at_the_budget() {
        let mut pairs: Vec<(String, String)> = (0..40)
            .map(|i| (format!("p{i}"), format!("${{p{}}}${{p{}}}", i + 1, i + 1)))
            .collect();
        pairs.push(("p40".into(), "x".into()));
        let p = Properties {
            values: pairs.into_iter().collect(),
            profiles: HashMap::new(),
        };
        let i = p.interpolate("${p0}");
        assert!(i.problems.contains(&Problem::TooDeep));
    }

    #[test]
    fn project_coordinates_come_from_the_pom_or_its_parent() {
        let child = Rc::new(pom(
            "<project><parent><groupId>g</groupId><artifactId>p</artifactId><version>7</version></parent>\
             <artifactId>c</artifactId><properties><v>${project.version}</v></properties></project>",
        ));
        let p = Properties::of_chain(&[child]);
        assert_eq!(p.interpolate("${project.groupId}:${v}").value, "g:7");
        assert_eq!(p.interpolate("${project.parent.version}").value, "7");
        assert_eq!(p.interpolate("${pom.version}/${version}").value, "7/7");
    }

    #[test]
    fn profile_properties_fill_gaps_only_when_the_profiles_agree() {
        let only = Rc::new(pom(
            "<project><artifactId>a</artifactId><properties><v>1</v></properties><profiles>\
             <profile><id>x</id><properties><v>2</v><w>3</w><z>4</z></properties></profile>\
             <profile><id>y</id><properties><w>3</w><z>5</z></properties></profile>\
             </profiles></project>",
        ));
        let p = Properties::of_chain(&[only]);
        assert_eq!(p.interpolate("${v}").value, "1");
        assert_eq!(p.interpolate("${w}").value, "3");
        assert!(!p.interpolate("${z}").resolved());
    }

    #[test]
    fn modules_and_dependencies_of_profiles_are_read() {
        let p = pom(
            "<project><artifactId>a</artifactId><modules><module>m1</module></modules>\
             <dependencies><dependency><groupId>g</groupId><artifactId>d1</artifactId></dependency></dependencies>\
             <profiles><profile><id>extra</id><modules><module>m2</module></modules>\
             <dependencies><dependency><groupId>g</groupId><artifactId>d2</artifactId></dependency></dependencies>\
             </profile></profiles>\
             <build><plugins><plugin><dependencies><dependency><groupId>g</groupId><artifactId>plugin-dep</artifactId></dependency></dependencies></plugin></plugins></build>\
             </project>",
        );
        let modules: Vec<(&str, Option<&str>)> = p
            .modules
            .iter()
            .map(|m| (m.path.as_str(), m.profile.as_deref()))
            .collect();
        assert_eq!(modules, vec![("m1", None), ("m2", Some("extra"))]);
        let deps: Vec<&str> = p
            .dependencies
            .iter()
            .filter_map(|d| d.artifact_id.as_deref())
            .collect();
        assert_eq!(deps, vec!["d1", "d2"]);
    }

    #[test]
    fn several_licences_are_joined_with_and_unless_a_comment_offers_a_choice() {
        let licence = |name: &str, comments: Option<&str>| License {
            name: Some(name.to_string()),
            url: None,
            comments: comments.map(str::to_string),
        };
        let both = [
            licence("The Apache Software License, Version 2.0", None),
            licence("MIT License", None),
        ];
        let raw = licence_expression(&both).unwrap();
        assert_eq!(
            raw,
            "The Apache Software License, Version 2.0 AND MIT License"
        );
        let read = crate::licence::expression::interpret(&raw);
        assert_eq!(read.expression.as_deref(), Some("Apache-2.0 AND MIT"));

        let dual = [
            licence(
                "Eclipse Public License - v 1.0",
                Some("dual-licensed: pick either"),
            ),
            licence("GNU Lesser General Public License", None),
        ];
        assert_eq!(
            licence_expression(&dual).unwrap(),
            "Eclipse Public License - v 1.0 OR GNU Lesser General Public License"
        );
        let url_only = [License {
            name: None,
            url: Some("https://www.apache.org/licenses/LICENSE-2.0.txt".into()),
            comments: None,
        }];
        assert_eq!(
            licence_expression(&url_only).as_deref(),
            Some("https://www.apache.org/licenses/LICENSE-2.0.txt")
        );
        assert_eq!(licence_expression(&[]), None);
    }

    #[test]
    fn scopes_map_to_graph_scopes() {
        assert_eq!(scope_of(""), Some((Scope::Runtime, DepKind::Normal)));
        assert_eq!(scope_of("runtime"), Some((Scope::Runtime, DepKind::Normal)));
        assert_eq!(scope_of("test"), Some((Scope::Test, DepKind::Dev)));
        assert_eq!(
            scope_of("provided"),
            Some((Scope::Provided, DepKind::Build))
        );
        assert_eq!(scope_of("system"), Some((Scope::Runtime, DepKind::Normal)));
        assert_eq!(scope_of("import"), None);
    }

    #[test]
    fn ranges_and_meta_versions_are_not_pinned() {
        for v in ["[1.0,2.0)", "(,1.0]", "[1.5]", "LATEST", "RELEASE"] {
            assert!(is_range_or_meta(v), "{v}");
        }
        for v in ["1.0", "2.0.0-SNAPSHOT", "23.5.0.24.07"] {
            assert!(!is_range_or_meta(v), "{v}");
        }
    }

    #[test]
    fn paths_are_normalised_lexically() {
        assert_eq!(
            normalise(Path::new("/a/b/../c/./pom.xml")),
            PathBuf::from("/a/c/pom.xml")
        );
        assert_eq!(
            pom_at(Path::new("/a/b"), "../parent/pom.xml"),
            PathBuf::from("/a/parent/pom.xml")
        );
        assert_eq!(
            pom_at(Path::new("/a/b"), "../parent"),
            PathBuf::from("/a/parent/pom.xml")
        );
    }

    #[test]
    fn latin1_text_is_decoded_without_moving_lines() {
        let text = decode(b"<project>\n<name>M\xfcnchen</name>\n</project>".to_vec());
        let root = parse_xml(&text).unwrap();
        assert_eq!(root.value("name").as_deref(), Some("München"));
        assert_eq!(root.child("name").unwrap().line, 2);
    }
}
