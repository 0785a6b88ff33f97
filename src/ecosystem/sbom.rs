//! Imported SBOMs (`fundament audit --sbom FILE`): how fundament audits ecosystems it cannot
//! read itself.
//!
//! Formats are told apart by content, not by file name:
//! - CycloneDX 1.2 to 1.7, JSON (`bomFormat: "CycloneDX"`, `specVersion`) and XML (root `<bom>`
//!   in the namespace `http://cyclonedx.org/schema/bom/1.x`);
//! - SPDX 2.2 and 2.3, JSON (`spdxVersion`) and tag-value (`SPDXVersion:` ... `PackageName:`
//!   blocks, `Relationship:` lines, multi-line `<text>...</text>` values).
//!
//! Anything else (CycloneDX 1.0, 1.1 or 1.7, SPDX 2.1, SPDX 3 JSON-LD, SPDX RDF, other JSON or
//! text) is refused with `I003` naming the file, the line and what was found; malformed JSON,
//! XML or tag-value is `I001` with the file and line.
//!
//! **Packages.** Every CycloneDX component (nested `components` included; a nested component is
//! part of its parent, which gets an edge to it) and every SPDX package becomes a package. Its
//! identity is the SBOM's purl, kept verbatim (qualifiers and encoding as written); the
//! ecosystem and the ecosystem-style name (`@scope/name` for npm, `groupId:artifactId` for Maven,
//! `vendor/name` for Composer, `namespace/name` for other types) are read from it. SPDX purls
//! come from `externalRefs` of type `purl`. A component without a purl is of the `generic`
//! ecosystem with the purl `pkg:generic/[group/]name@version`. A component with neither name
//! nor purl is skipped with a warning. Packages with the same purl and source are one package.
//!
//! **Sources.** A purl of a registry type (npm, maven, pypi, ...) means a registry package; the
//! CycloneDX `distribution` reference (or the purl's `download_url` qualifier, or SPDX
//! `downloadLocation`) is kept as its URL. Without such a purl (`generic`, `github`,
//! `bitbucket`, none), a `vcs` reference (or `vcs_url`, or a `git+` download location) makes a
//! git source and a distribution URL a URL source. The described product itself is a path source
//! at the SBOM's directory.
//!
//! **Checksums** are written `<ALG>:<hex>` with CycloneDX's algorithm names (`SHA-512:9f86...`;
//! SPDX `SHA256` becomes `SHA-256`), choosing the strongest hash given: SHA-512, SHA-384,
//! SHA-256, SHA3-512, SHA3-384, SHA3-256, BLAKE2b-512/384/256, BLAKE3, SHA-1, MD5. CycloneDX
//! component `hashes` come first, then the hashes of its `distribution` reference.
//!
//! **Licences.** Declared and concluded licences are kept apart, each as its own declared
//! licence whose origin names the SBOM and the exact field (`components[12].licenses
//! (concluded)`, `packages[3].licenseConcluded`, `PackageLicenseDeclared (line 40)`). The
//! concluded entries come first: an SBOM's concluded licence is the SBOM author's conclusion
//! and is taken as the best available statement, so the identify stage uses it; fundament's own
//! identify stage still reports (L007) where the declared licence disagrees.
//! - CycloneDX: entries are grouped by `acknowledgement` (added in 1.6; before 1.6, and without
//!   it, an entry counts as declared). The CycloneDX specification does not say what several
//!   entries of one `licenses` list mean (CycloneDX/specification#349 is open on exactly that),
//!   so fundament takes the conservative reading that all of them apply: the SPDX `id`s and
//!   `expression`s of one group are joined with `AND`. Free-text `name`s cannot be combined
//!   reliably into one expression; each is kept as a declared licence of its own after the
//!   group's ids (L007 then reports a name that disagrees with them). A licence given only by
//!   `url` is kept as that URL.
//! - SPDX: `licenseConcluded`, then `licenseDeclared`, then `licenseInfoFromFiles` (joined with
//!   `AND`: every licence found in the files applies). `NOASSERTION` is no evidence at all and
//!   is dropped; `NONE` is the SBOM author's statement that there is no licence and is kept as
//!   the raw string `NONE`. A `LicenseRef-` defined in `hasExtractedLicensingInfos` has its name
//!   and the start of its text added to the origin's field, so the report shows what it is.
//!
//! **Edges and scopes.** CycloneDX `dependencies` (by `bom-ref`); SPDX relationships:
//! `DEPENDS_ON`, `DEPENDENCY_OF`, `RUNTIME_DEPENDENCY_OF`, `CONTAINS`, `CONTAINED_BY`,
//! `STATIC_LINK`, `DYNAMIC_LINK`, `HAS_PREREQUISITE`, `PREREQUISITE_FOR`,
//! `PROVIDED_DEPENDENCY_OF` (normal edges), `OPTIONAL_DEPENDENCY_OF` (optional),
//! `BUILD_DEPENDENCY_OF` and `BUILD_TOOL_OF` (build), `DEV_DEPENDENCY_OF`, `TEST_DEPENDENCY_OF`,
//! `DEV_TOOL_OF`, `TEST_TOOL_OF` and `TEST_OF` (dev). Scopes follow the edges from the roots.
//! The CycloneDX component `scope` is the component's own statement and wins: `excluded`
//! ("not reachable at runtime", e.g. test-only) makes it a dev package, `optional` marks it
//! optional; the CycloneDX npm taxonomy property `cdx:npm:package:development = true` also
//! makes a dev package. A dependency naming an element that is not in the SBOM is a warning
//! (I007) and marks the project partial.
//!
//! **Roots.** The CycloneDX `metadata.component` (with its nested components) and the SPDX
//! packages the document `DESCRIBES` are the project's own packages: their licence is the
//! outbound licence. An SBOM without them has no root; its packages are still evaluated, each as
//! a runtime dependency reached from nowhere.

use super::json_error;
use super::{ProjectGraph, ReadContext, scopes_from_edges};
use crate::diagnostic::{Code, Finding, line_of_offset};
use crate::discover::FoundProject;
use crate::model::{
    DeclaredLicence, DepKind, Dependency, Ecosystem, Origin, Package, PackageSource, Scope,
};
use serde::Deserialize;
use std::collections::{HashMap, HashSet};

/// What fundament reads, for messages.
const SUPPORTED: &str = "fundament reads CycloneDX 1.2 to 1.7 (JSON or XML) and SPDX 2.2 and 2.3 \
                         (JSON or tag-value)";

/// Reads one SBOM.
pub fn read(ctx: &ReadContext<'_>, found: &FoundProject) -> ProjectGraph {
    let display = ctx.display(&found.manifest);
    // SBOMs are named on the command line (`--sbom`), so they may lie anywhere; they are still
    // untrusted: regular files only, size-capped.
    let bytes = match crate::source::read_bounded(&found.manifest, crate::source::Limit::SBOM) {
        Ok(bytes) => bytes,
        Err(mut refusal) => {
            refusal.path = display.clone();
            return ProjectGraph::failed(ctx, found, "SBOM", Finding::refused(&refusal));
        }
    };
    let text = match String::from_utf8(bytes) {
        Ok(text) => text,
        Err(err) => {
            let offset = err.utf8_error().valid_up_to();
            let line = line_of_offset(&String::from_utf8_lossy(err.as_bytes()), offset);
            let finding = Finding::error(
                Code::InputUnreadable,
                format!("{display} is not UTF-8 text (invalid byte at line {line}); SBOMs are read as UTF-8"),
            )
            .at(display.clone(), Some(line));
            return ProjectGraph::failed(ctx, found, "SBOM", finding);
        }
    };
    let text = text.strip_prefix('\u{feff}').unwrap_or(&text);
    match parse(text, &display) {
        Ok(doc) => build(ctx, found, &display, text, doc),
        Err(failure) => {
            let reader = failure.reader.clone();
            ProjectGraph::failed(ctx, found, &reader, failure.into_finding(&display))
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Format detection and the neutral document

/// Why an SBOM could not be read at all.
#[derive(Debug)]
struct Failure {
    code: Code,
    message: String,
    line: Option<usize>,
    /// The reader description, as far as the format was recognised.
    reader: String,
}

impl Failure {
    fn unreadable(reader: &str, message: String, line: Option<usize>) -> Failure {
        Failure {
            code: Code::InputUnreadable,
            message,
            line,
            reader: reader.to_string(),
        }
    }

    fn unsupported(reader: &str, message: String, line: Option<usize>) -> Failure {
        Failure {
            code: Code::LockfileVersionUnsupported,
            message,
            line,
            reader: reader.to_string(),
        }
    }

    fn into_finding(self, display: &str) -> Finding {
        let finding = Finding::error(self.code, self.message).at(display.to_string(), self.line);
        if self.code == Code::LockfileVersionUnsupported {
            finding.note(SUPPORTED)
        } else {
            finding
        }
    }
}

/// One SBOM, whatever its format: the elements that become packages, the edges between them,
/// and the roots.
#[derive(Debug, Default)]
struct Doc {
    reader: String,
    items: Vec<Item>,
    edges: Vec<Edge>,
    /// Keys of the described product's elements.
    roots: Vec<String>,
    /// Keys of elements that exist but are not packages (SPDX files, snippets, the document):
    /// relationships to them are not dependencies and not dangling.
    non_packages: HashSet<String>,
    findings: Vec<Finding>,
}

/// An element that becomes a package.
#[derive(Debug, Default, Clone)]
struct Item {
    /// The `bom-ref` or `SPDXID` edges refer to.
    key: String,
    /// Where the element is, for messages (`components[3]`, `packages[2]`, `PackageName: x`).
    label: String,
    place: Place,
    name: Option<String>,
    /// CycloneDX `group`, used only when there is no purl.
    group: Option<String>,
    version: Option<String>,
    purl: Option<String>,
    declared: Vec<DeclaredLicence>,
    /// Why there is no licence, when `declared` is empty.
    no_licence: String,
    hashes: Vec<(String, String)>,
    distribution: Option<String>,
    vcs: Option<String>,
    /// The element's own statement that it is not needed at runtime.
    dev: bool,
    /// The element's own statement that it is optional.
    optional: bool,
}

#[derive(Debug, Clone)]
struct Edge {
    from: String,
    to: String,
    kind: DepKind,
    place: Place,
}

fn parse(text: &str, display: &str) -> Result<Doc, Failure> {
    let start = text.trim_start();
    if start.is_empty() {
        return Err(Failure::unreadable(
            "SBOM",
            format!("{display} is empty"),
            None,
        ));
    }
    if start.starts_with('{') || start.starts_with('[') {
        parse_json(text, display)
    } else if start.starts_with('<') {
        parse_xml(text, display)
    } else if tag_value_version_line(text).is_some() {
        parse_tag_value(text, display)
    } else {
        Err(Failure::unsupported(
            "SBOM",
            format!("{display} is neither JSON, XML nor SPDX tag-value (no `SPDXVersion:` line)"),
            None,
        ))
    }
}

/// The 1-based line of the first line starting with `SPDXVersion:`.
fn tag_value_version_line(text: &str) -> Option<usize> {
    text.lines()
        .position(|l| l.trim_start().starts_with("SPDXVersion:"))
        .map(|i| i + 1)
}

/// The 1-based line of the first occurrence of `needle`.
fn line_of(text: &str, needle: &str) -> Option<usize> {
    text.find(needle).map(|offset| line_of_offset(text, offset))
}

/// The line of a JSON string value, found by its encoded form (`"value"`).
fn line_of_json_string(text: &str, value: &str) -> Option<usize> {
    serde_json::to_string(value)
        .ok()
        .and_then(|quoted| line_of(text, &quoted))
}

/// Where an element is in the file, for findings: a known line, or a JSON string whose first
/// occurrence is looked up only when a finding needs it (looking up every element of a large
/// SBOM up front would take time quadratic in its size).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
enum Place {
    #[default]
    Unknown,
    Line(usize),
    JsonString(String),
}

impl Place {
    fn line(&self, text: &str) -> Option<usize> {
        match self {
            Place::Unknown => None,
            Place::Line(line) => Some(*line),
            Place::JsonString(value) => line_of_json_string(text, value),
        }
    }

    fn or(self, other: Place) -> Place {
        match self {
            Place::Unknown => other,
            known => known,
        }
    }
}

fn parse_json(text: &str, display: &str) -> Result<Doc, Failure> {
    let value: serde_json::Value = serde_json::from_str(text).map_err(|err| {
        Failure::unreadable(
            "SBOM",
            format!("{display} is not valid JSON: {}", json_error(&err)),
            Some(err.line()),
        )
    })?;
    let as_text = |v: &serde_json::Value| match v {
        serde_json::Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    if value.get("bomFormat").and_then(|v| v.as_str()) == Some("CycloneDX") {
        let line = line_of(text, "\"specVersion\"");
        let Some(spec) = value.get("specVersion").map(as_text) else {
            return Err(Failure::unsupported(
                "CycloneDX JSON",
                format!("{display} is a CycloneDX document without `specVersion`"),
                line_of(text, "\"bomFormat\""),
            ));
        };
        let minor = cyclonedx_minor(&spec).ok_or_else(|| {
            Failure::unsupported(
                &format!("CycloneDX {spec} JSON"),
                format!("{display} is CycloneDX {spec}, a version fundament does not read"),
                line,
            )
        })?;
        let reader = format!("CycloneDX 1.{minor} JSON");
        let bom: JsonBom = serde_json::from_str(text).map_err(|err| {
            Failure::unreadable(
                &reader,
                format!(
                    "{display} is not a valid CycloneDX document: {}",
                    json_error(&err)
                ),
                Some(err.line()),
            )
        })?;
        return Ok(cyclonedx_json(display, reader, minor, bom));
    }
    if let Some(version) = value.get("spdxVersion").map(as_text) {
        let line = line_of(text, "\"spdxVersion\"");
        let reader_version = spdx_version(&version).ok_or_else(|| {
            Failure::unsupported(
                &format!("{version} JSON"),
                format!("{display} is {version}, a version fundament does not read"),
                line,
            )
        })?;
        let reader = format!("SPDX {reader_version} JSON");
        let doc: JsonSpdx = serde_json::from_str(text).map_err(|err| {
            Failure::unreadable(
                &reader,
                format!(
                    "{display} is not a valid SPDX document: {}",
                    json_error(&err)
                ),
                Some(err.line()),
            )
        })?;
        return Ok(spdx_doc(display, reader, spdx_from_json(doc)));
    }
    let context = value.get("@context").map(|v| v.to_string());
    if let Some(context) = context.filter(|c| c.contains("spdx")) {
        let version = if context.contains("/3.") {
            "SPDX 3"
        } else {
            "SPDX JSON-LD"
        };
        return Err(Failure::unsupported(
            "SPDX JSON-LD",
            format!("{display} is an {version} JSON-LD document, which fundament does not read"),
            line_of(text, "\"@context\""),
        ));
    }
    if value.get("bomFormat").is_some() {
        return Err(Failure::unsupported(
            "SBOM",
            format!(
                "{display} has `bomFormat: {}`; only CycloneDX is known",
                value.get("bomFormat").map(as_text).unwrap_or_default()
            ),
            line_of(text, "\"bomFormat\""),
        ));
    }
    Err(Failure::unsupported(
        "SBOM",
        format!(
            "{display} is JSON but neither CycloneDX (no `bomFormat`) nor SPDX (no `spdxVersion`)"
        ),
        Some(1),
    ))
}

/// `1.2` ... `1.7` → the minor version.
fn cyclonedx_minor(spec: &str) -> Option<u32> {
    match spec.trim() {
        "1.2" => Some(2),
        "1.3" => Some(3),
        "1.4" => Some(4),
        "1.5" => Some(5),
        "1.6" => Some(6),
        // 1.7 adds to 1.6 without changing what fundament reads.
        "1.7" => Some(7),
        _ => None,
    }
}

/// `SPDX-2.2`, `SPDX-2.3` → `2.2`, `2.3`.
fn spdx_version(version: &str) -> Option<&'static str> {
    match version.trim() {
        "SPDX-2.2" => Some("2.2"),
        "SPDX-2.3" => Some("2.3"),
        _ => None,
    }
}

// ---------------------------------------------------------------------------------------------
// CycloneDX

/// A component, from JSON or XML.
#[derive(Debug, Default)]
struct Comp {
    /// `components[3]` (JSON) or `/bom/components/component[4]` (XML).
    path: String,
    xml: bool,
    place: Place,
    bom_ref: Option<String>,
    name: Option<String>,
    group: Option<String>,
    version: Option<String>,
    purl: Option<String>,
    scope: Option<String>,
    licences: Vec<LicenceEntry>,
    hashes: Vec<(String, String)>,
    references: Vec<Reference>,
    properties: Vec<(String, String)>,
    children: Vec<Comp>,
}

impl Comp {
    fn licences_field(&self) -> String {
        if self.xml {
            format!("{}/licenses", self.path)
        } else {
            format!("{}.licenses", self.path)
        }
    }
}

#[derive(Debug)]
enum LicenceValue {
    Id(String),
    Name(String),
    Url(String),
    Expression(String),
}

#[derive(Debug)]
struct LicenceEntry {
    value: LicenceValue,
    acknowledgement: Option<String>,
    /// Where a free-text name is (`components[2].licenses[0].license.name`).
    field: String,
}

#[derive(Debug)]
struct Reference {
    kind: String,
    url: String,
    hashes: Vec<(String, String)>,
}

/// A `dependencies` entry.
#[derive(Debug)]
struct DependencyEntry {
    from: String,
    place: Place,
    to: Vec<(String, Place)>,
}

/// Turns CycloneDX components and dependencies into the neutral document.
fn cyclonedx_doc(
    display: &str,
    reader: String,
    minor: u32,
    metadata: Option<Comp>,
    components: Vec<Comp>,
    dependencies: Vec<DependencyEntry>,
) -> Doc {
    let mut doc = Doc {
        reader,
        ..Doc::default()
    };
    fn walk(
        comp: Comp,
        parent: Option<&str>,
        root: bool,
        display: &str,
        minor: u32,
        doc: &mut Doc,
    ) {
        let key = comp
            .bom_ref
            .clone()
            .filter(|r| !r.is_empty())
            .unwrap_or_else(|| format!("#{}", comp.path));
        if let Some(parent) = parent {
            doc.edges.push(Edge {
                from: parent.to_string(),
                to: key.clone(),
                kind: DepKind::Normal,
                place: comp.place.clone(),
            });
        }
        if root {
            doc.roots.push(key.clone());
        }
        let declared = cyclonedx_licences(&comp, display, minor);
        let property = |name: &str| {
            comp.properties
                .iter()
                .find(|(n, _)| n == name)
                .map(|(_, v)| v.trim())
        };
        let scope = comp.scope.as_deref().map(str::trim);
        let distribution = comp.references.iter().find(|r| r.kind == "distribution");
        let mut hashes = comp.hashes.clone();
        if let Some(d) = distribution {
            hashes.extend(d.hashes.iter().cloned());
        }
        let item = Item {
            key: key.clone(),
            label: comp.path.clone(),
            place: comp.place.clone(),
            name: comp.name.clone().filter(|n| !n.trim().is_empty()),
            group: comp.group.clone().filter(|g| !g.trim().is_empty()),
            version: comp.version.clone().filter(|v| !v.trim().is_empty()),
            purl: comp.purl.clone().filter(|p| !p.trim().is_empty()),
            declared,
            no_licence: "the SBOM records no licence for this component".to_string(),
            hashes,
            distribution: distribution.map(|r| r.url.clone()),
            vcs: comp
                .references
                .iter()
                .find(|r| r.kind == "vcs")
                .map(|r| r.url.clone()),
            dev: scope == Some("excluded")
                || property("cdx:npm:package:development") == Some("true"),
            optional: scope == Some("optional"),
        };
        doc.items.push(item);
        for child in comp.children {
            walk(child, Some(&key), root, display, minor, doc);
        }
    }
    if let Some(meta) = metadata {
        walk(meta, None, true, display, minor, &mut doc);
    }
    for comp in components {
        walk(comp, None, false, display, minor, &mut doc);
    }
    for entry in dependencies {
        for (to, place) in entry.to {
            doc.edges.push(Edge {
                from: entry.from.clone(),
                to,
                kind: DepKind::Normal,
                place: place.or(entry.place.clone()),
            });
        }
    }
    doc
}

/// A component's licences, concluded entries first (see the module documentation).
fn cyclonedx_licences(comp: &Comp, display: &str, minor: u32) -> Vec<DeclaredLicence> {
    let acknowledgement = |entry: &LicenceEntry| -> &'static str {
        match entry.acknowledgement.as_deref().map(str::trim) {
            Some("concluded") if minor >= 6 => "concluded",
            _ => "declared",
        }
    };
    let origin = |field: String| Origin {
        file: display.to_string(),
        field,
    };
    let mut out = Vec::new();
    for group in ["concluded", "declared"] {
        let entries: Vec<&LicenceEntry> = comp
            .licences
            .iter()
            .filter(|e| acknowledgement(e) == group)
            .collect();
        let terms: Vec<&str> = entries
            .iter()
            .filter_map(|e| match &e.value {
                LicenceValue::Id(id) | LicenceValue::Expression(id) => Some(id.trim()),
                _ => None,
            })
            .filter(|t| !t.is_empty())
            .collect();
        if !terms.is_empty() {
            out.push(DeclaredLicence {
                raw: join_and(&terms),
                origin: origin(format!("{} ({group})", comp.licences_field())),
            });
        }
        for entry in entries {
            if let LicenceValue::Name(text) | LicenceValue::Url(text) = &entry.value
                && !text.trim().is_empty()
            {
                out.push(DeclaredLicence {
                    raw: text.trim().to_string(),
                    origin: origin(format!("{} ({group})", entry.field)),
                });
            }
        }
    }
    out
}

/// Joins licence terms with `AND`, parenthesising compound expressions.
fn join_and(terms: &[&str]) -> String {
    if let [single] = terms {
        return (*single).to_string();
    }
    terms
        .iter()
        .map(|t| {
            if t.split_whitespace().count() > 1 {
                format!("({t})")
            } else {
                (*t).to_string()
            }
        })
        .collect::<Vec<_>>()
        .join(" AND ")
}

// CycloneDX JSON

#[derive(Debug, Deserialize)]
struct JsonBom {
    metadata: Option<JsonMetadata>,
    #[serde(default)]
    components: Option<Vec<JsonComponent>>,
    #[serde(default)]
    dependencies: Option<Vec<JsonDependency>>,
}

#[derive(Debug, Deserialize)]
struct JsonMetadata {
    component: Option<JsonComponent>,
}

#[derive(Debug, Deserialize)]
struct JsonComponent {
    #[serde(rename = "bom-ref")]
    bom_ref: Option<String>,
    name: Option<String>,
    group: Option<String>,
    version: Option<String>,
    purl: Option<String>,
    scope: Option<String>,
    #[serde(default)]
    licenses: Option<Vec<JsonLicenceChoice>>,
    #[serde(default)]
    hashes: Option<Vec<JsonHash>>,
    #[serde(default, rename = "externalReferences")]
    external_references: Option<Vec<JsonReference>>,
    #[serde(default)]
    properties: Option<Vec<JsonProperty>>,
    #[serde(default)]
    components: Option<Vec<JsonComponent>>,
}

#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum JsonLicenceChoice {
    Licence {
        license: JsonLicence,
    },
    Expression {
        expression: String,
        acknowledgement: Option<String>,
    },
    Other(serde::de::IgnoredAny),
}

#[derive(Debug, Deserialize)]
struct JsonLicence {
    id: Option<String>,
    name: Option<String>,
    url: Option<String>,
    acknowledgement: Option<String>,
}

#[derive(Debug, Deserialize)]
struct JsonHash {
    alg: Option<String>,
    content: Option<String>,
}

#[derive(Debug, Deserialize)]
struct JsonReference {
    #[serde(rename = "type")]
    kind: Option<String>,
    url: Option<String>,
    #[serde(default)]
    hashes: Option<Vec<JsonHash>>,
}

#[derive(Debug, Deserialize)]
struct JsonProperty {
    name: Option<String>,
    value: Option<String>,
}

#[derive(Debug, Deserialize)]
struct JsonDependency {
    #[serde(rename = "ref")]
    reference: Option<String>,
    #[serde(default, rename = "dependsOn")]
    depends_on: Option<Vec<String>>,
}

fn json_hashes(hashes: Option<Vec<JsonHash>>) -> Vec<(String, String)> {
    hashes
        .unwrap_or_default()
        .into_iter()
        .filter_map(|h| Some((h.alg?, h.content?)))
        .collect()
}

fn json_comp(c: JsonComponent, path: String) -> Comp {
    let place = c.bom_ref.clone().map_or(Place::Unknown, Place::JsonString);
    let licences = c
        .licenses
        .unwrap_or_default()
        .into_iter()
        .enumerate()
        .filter_map(|(i, choice)| match choice {
            JsonLicenceChoice::Licence { license } => {
                let (value, key) = match (license.id, license.name, license.url) {
                    (Some(id), _, _) => (LicenceValue::Id(id), "id"),
                    (None, Some(name), _) => (LicenceValue::Name(name), "name"),
                    (None, None, Some(url)) => (LicenceValue::Url(url), "url"),
                    (None, None, None) => return None,
                };
                Some(LicenceEntry {
                    value,
                    acknowledgement: license.acknowledgement,
                    field: format!("{path}.licenses[{i}].license.{key}"),
                })
            }
            JsonLicenceChoice::Expression {
                expression,
                acknowledgement,
            } => Some(LicenceEntry {
                value: LicenceValue::Expression(expression),
                acknowledgement,
                field: format!("{path}.licenses[{i}].expression"),
            }),
            JsonLicenceChoice::Other(_) => None,
        })
        .collect();
    let children = c
        .components
        .unwrap_or_default()
        .into_iter()
        .enumerate()
        .map(|(i, child)| json_comp(child, format!("{path}.components[{i}]")))
        .collect();
    Comp {
        xml: false,
        place,
        bom_ref: c.bom_ref,
        name: c.name,
        group: c.group,
        version: c.version,
        purl: c.purl,
        scope: c.scope,
        licences,
        hashes: json_hashes(c.hashes),
        references: c
            .external_references
            .unwrap_or_default()
            .into_iter()
            .filter_map(|r| {
                Some(Reference {
                    kind: r.kind?,
                    url: r.url?,
                    hashes: json_hashes(r.hashes),
                })
            })
            .collect(),
        properties: c
            .properties
            .unwrap_or_default()
            .into_iter()
            .filter_map(|p| Some((p.name?, p.value.unwrap_or_default())))
            .collect(),
        children,
        path,
    }
}

fn cyclonedx_json(display: &str, reader: String, minor: u32, bom: JsonBom) -> Doc {
    let metadata = bom
        .metadata
        .and_then(|m| m.component)
        .map(|c| json_comp(c, "metadata.component".to_string()));
    let components = bom
        .components
        .unwrap_or_default()
        .into_iter()
        .enumerate()
        .map(|(i, c)| json_comp(c, format!("components[{i}]")))
        .collect();
    let dependencies = bom
        .dependencies
        .unwrap_or_default()
        .into_iter()
        .filter_map(|d| {
            let from = d.reference?;
            let to = d
                .depends_on
                .unwrap_or_default()
                .into_iter()
                .map(|t| {
                    let place = Place::JsonString(t.clone());
                    (t, place)
                })
                .collect();
            Some(DependencyEntry {
                place: Place::JsonString(from.clone()),
                from,
                to,
            })
        })
        .collect();
    cyclonedx_doc(display, reader, minor, metadata, components, dependencies)
}

// CycloneDX XML

/// An XML element, namespaces reduced to local names.
#[derive(Debug, Default)]
struct Element {
    name: String,
    attributes: Vec<(String, String)>,
    children: Vec<Element>,
    text: String,
    line: usize,
}

impl Element {
    fn attribute(&self, name: &str) -> Option<&str> {
        self.attributes
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    fn child(&self, name: &str) -> Option<&Element> {
        self.children.iter().find(|c| c.name == name)
    }

    fn children_named<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Element> + 'a {
        self.children.iter().filter(move |c| c.name == name)
    }

    fn child_text(&self, name: &str) -> Option<String> {
        self.child(name).map(|c| c.text.trim().to_string())
    }
}

fn local_name(qualified: &str) -> &str {
    qualified.rsplit(':').next().unwrap_or(qualified)
}

/// How deep XML elements may nest: the tree is walked recursively, and no real BOM comes near
/// this (serde_json has the same kind of limit for JSON).
const MAX_XML_DEPTH: usize = 256;

/// Reads an XML document into elements; errors carry the message and the 1-based line.
fn xml_tree(text: &str) -> Result<Element, (String, usize)> {
    use quick_xml::events::Event;
    let mut reader = quick_xml::Reader::from_str(text);
    let line_at = |offset: u64| line_of_offset(text, usize::try_from(offset).unwrap_or(usize::MAX));
    let mut stack: Vec<Element> = Vec::new();
    let mut root: Option<Element> = None;
    let open = |e: &quick_xml::events::BytesStart<'_>, line: usize| -> Result<Element, String> {
        let name = e.name().as_ref().to_string();
        let mut attributes = Vec::new();
        for attribute in e.attributes() {
            let attribute = attribute.map_err(|err| err.to_string())?;
            let key = attribute.key.as_ref().to_string();
            let value = attribute
                .normalized_value(quick_xml::XmlVersion::Implicit1_0)
                .map_err(|err| err.to_string())?
                .into_owned();
            attributes.push((key, value));
        }
        Ok(Element {
            name,
            attributes,
            children: Vec::new(),
            text: String::new(),
            line,
        })
    };
    loop {
        let start = reader.buffer_position();
        let event = reader
            .read_event()
            .map_err(|err| (err.to_string(), line_at(reader.error_position())))?;
        // The event starts after any whitespace the previous text event did not include.
        let line = {
            let from = usize::try_from(start).unwrap_or(usize::MAX).min(text.len());
            let skipped = text
                .get(from..)
                .map(|rest| rest.len() - rest.trim_start().len())
                .unwrap_or(0);
            line_of_offset(text, from + skipped)
        };
        let finished = |element: Element,
                        stack: &mut Vec<Element>,
                        root: &mut Option<Element>|
         -> Result<(), (String, usize)> {
            match stack.last_mut() {
                Some(parent) => parent.children.push(element),
                None if root.is_none() => *root = Some(element),
                None => {
                    return Err((
                        format!("a second root element <{}>", element.name),
                        element.line,
                    ));
                }
            }
            Ok(())
        };
        match event {
            Event::Start(e) => {
                if stack.len() >= MAX_XML_DEPTH {
                    return Err((
                        format!("elements are nested more than {MAX_XML_DEPTH} levels deep"),
                        line,
                    ));
                }
                stack.push(open(&e, line).map_err(|m| (m, line))?);
            }
            Event::Empty(e) => {
                let element = open(&e, line).map_err(|m| (m, line))?;
                finished(element, &mut stack, &mut root)?;
            }
            Event::End(_) => {
                let Some(element) = stack.pop() else {
                    return Err(("a closing tag without an opening tag".to_string(), line));
                };
                finished(element, &mut stack, &mut root)?;
            }
            Event::Text(t) => {
                if let Some(top) = stack.last_mut() {
                    top.text.push_str(&t.xml10_content());
                } else if !t.trim().is_empty() {
                    return Err(("text outside the root element".to_string(), line));
                }
            }
            Event::CData(t) => {
                if let Some(top) = stack.last_mut() {
                    top.text.push_str(&t.xml10_content());
                }
            }
            Event::GeneralRef(r) => {
                let resolved = match r.resolve_char_ref() {
                    Ok(Some(c)) => c.to_string(),
                    Ok(None) => quick_xml::escape::resolve_predefined_entity(&r)
                        .map(str::to_string)
                        .ok_or_else(|| (format!("unknown entity `&{};`", &*r), line))?,
                    Err(err) => return Err((err.to_string(), line)),
                };
                if let Some(top) = stack.last_mut() {
                    top.text.push_str(&resolved);
                }
            }
            Event::Eof => break,
            Event::Decl(_) | Event::PI(_) | Event::Comment(_) | Event::DocType(_) => {}
        }
    }
    if let Some(open) = stack.last() {
        return Err((
            format!(
                "the file ends before <{}> (opened at line {}) is closed",
                open.name, open.line
            ),
            line_of_offset(text, text.len()),
        ));
    }
    root.ok_or_else(|| ("no root element".to_string(), 1))
}

fn parse_xml(text: &str, display: &str) -> Result<Doc, Failure> {
    let root = xml_tree(text).map_err(|(message, line)| {
        Failure::unreadable(
            "SBOM",
            format!("{display} is not well-formed XML: {message}"),
            Some(line),
        )
    })?;
    let prefix = root.name.rsplit_once(':').map(|(p, _)| p.to_string());
    let namespace_attribute = match &prefix {
        Some(p) => format!("xmlns:{p}"),
        None => "xmlns".to_string(),
    };
    let namespace = root.attribute(&namespace_attribute).unwrap_or_default();
    let local = local_name(&root.name);
    if local != "bom" {
        let what = if local == "RDF" {
            "an RDF/XML document (SPDX RDF is not read)".to_string()
        } else {
            format!("XML with the root element <{}>", root.name)
        };
        return Err(Failure::unsupported(
            "SBOM",
            format!("{display} is {what}, not a CycloneDX BOM"),
            Some(root.line),
        ));
    }
    let Some(spec) = namespace.strip_prefix("http://cyclonedx.org/schema/bom/") else {
        return Err(Failure::unsupported(
            "CycloneDX XML",
            format!(
                "{display} has a <bom> root in the namespace `{namespace}`, not a CycloneDX namespace"
            ),
            Some(root.line),
        ));
    };
    let minor = cyclonedx_minor(spec).ok_or_else(|| {
        Failure::unsupported(
            &format!("CycloneDX {spec} XML"),
            format!("{display} is CycloneDX {spec}, a version fundament does not read"),
            Some(root.line),
        )
    })?;
    let reader = format!("CycloneDX 1.{minor} XML");
    let metadata = root
        .child("metadata")
        .and_then(|m| m.child("component"))
        .map(|c| xml_comp(c, "/bom/metadata/component".to_string()));
    let components = root
        .child("components")
        .map(|list| {
            list.children_named("component")
                .enumerate()
                .map(|(i, c)| xml_comp(c, format!("/bom/components/component[{}]", i + 1)))
                .collect()
        })
        .unwrap_or_default();
    let dependencies = root
        .child("dependencies")
        .map(|list| {
            list.children_named("dependency")
                .filter_map(|d| {
                    Some(DependencyEntry {
                        from: d.attribute("ref")?.to_string(),
                        place: Place::Line(d.line),
                        to: d
                            .children_named("dependency")
                            .filter_map(|t| {
                                Some((t.attribute("ref")?.to_string(), Place::Line(t.line)))
                            })
                            .collect(),
                    })
                })
                .collect()
        })
        .unwrap_or_default();
    Ok(cyclonedx_doc(
        display,
        reader,
        minor,
        metadata,
        components,
        dependencies,
    ))
}

fn xml_hashes(element: Option<&Element>) -> Vec<(String, String)> {
    element
        .map(|hashes| {
            hashes
                .children_named("hash")
                .filter_map(|h| Some((h.attribute("alg")?.to_string(), h.text.trim().to_string())))
                .collect()
        })
        .unwrap_or_default()
}

fn xml_comp(element: &Element, path: String) -> Comp {
    let mut licences = Vec::new();
    if let Some(list) = element.child("licenses") {
        let mut licence_index = 0;
        let mut expression_index = 0;
        for entry in &list.children {
            match entry.name.as_str() {
                "license" => {
                    licence_index += 1;
                    let value = match (
                        entry.child_text("id"),
                        entry.child_text("name"),
                        entry.child_text("url"),
                    ) {
                        (Some(id), _, _) => ("id", LicenceValue::Id(id)),
                        (None, Some(name), _) => ("name", LicenceValue::Name(name)),
                        (None, None, Some(url)) => ("url", LicenceValue::Url(url)),
                        (None, None, None) => continue,
                    };
                    licences.push(LicenceEntry {
                        field: format!("{path}/licenses/license[{licence_index}]/{}", value.0),
                        value: value.1,
                        acknowledgement: entry.attribute("acknowledgement").map(str::to_string),
                    });
                }
                "expression" => {
                    expression_index += 1;
                    licences.push(LicenceEntry {
                        value: LicenceValue::Expression(entry.text.trim().to_string()),
                        acknowledgement: entry.attribute("acknowledgement").map(str::to_string),
                        field: format!("{path}/licenses/expression[{expression_index}]"),
                    });
                }
                _ => {}
            }
        }
    }
    let references = element
        .child("externalReferences")
        .map(|list| {
            list.children_named("reference")
                .filter_map(|r| {
                    Some(Reference {
                        kind: r.attribute("type")?.to_string(),
                        url: r.child_text("url")?,
                        hashes: xml_hashes(r.child("hashes")),
                    })
                })
                .collect()
        })
        .unwrap_or_default();
    let properties = element
        .child("properties")
        .map(|list| {
            list.children_named("property")
                .filter_map(|p| Some((p.attribute("name")?.to_string(), p.text.trim().to_string())))
                .collect()
        })
        .unwrap_or_default();
    let children = element
        .child("components")
        .map(|list| {
            list.children_named("component")
                .enumerate()
                .map(|(i, c)| xml_comp(c, format!("{path}/components/component[{}]", i + 1)))
                .collect()
        })
        .unwrap_or_default();
    Comp {
        xml: true,
        place: Place::Line(element.line),
        bom_ref: element.attribute("bom-ref").map(str::to_string),
        name: element.child_text("name"),
        group: element.child_text("group"),
        version: element.child_text("version"),
        purl: element.child_text("purl"),
        scope: element.child_text("scope"),
        licences,
        hashes: xml_hashes(element.child("hashes")),
        references,
        properties,
        children,
        path,
    }
}

// ---------------------------------------------------------------------------------------------
// SPDX 2.x

/// An SPDX 2 document, from JSON or tag-value.
#[derive(Debug, Default)]
struct Spdx {
    document_id: Option<String>,
    /// `documentDescribes` (JSON).
    describes: Vec<String>,
    packages: Vec<SpdxPackage>,
    /// Files and snippets.
    other_elements: Vec<String>,
    relationships: Vec<Relationship>,
    extracted: Vec<Extracted>,
}

#[derive(Debug, Default)]
struct SpdxPackage {
    id: Option<String>,
    /// `packages[3]` or `PackageName: x (line 12)`.
    label: String,
    place: Place,
    name: Option<String>,
    version: Option<String>,
    download: Option<String>,
    /// Each licence field with the name of where it is.
    concluded: Option<(String, String)>,
    declared: Option<(String, String)>,
    from_files: Vec<String>,
    from_files_field: String,
    checksums: Vec<(String, String)>,
    purl: Option<String>,
}

#[derive(Debug)]
struct Relationship {
    from: String,
    kind: String,
    to: String,
    place: Place,
}

/// A `hasExtractedLicensingInfos` entry (`LicenseID:` block).
#[derive(Debug, Default)]
struct Extracted {
    id: String,
    name: Option<String>,
    text: Option<String>,
    /// `hasExtractedLicensingInfos[0]` or `LicenseID (line 80)`.
    label: String,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct JsonSpdx {
    #[serde(rename = "SPDXID")]
    spdx_id: Option<String>,
    #[serde(default)]
    document_describes: Option<Vec<String>>,
    #[serde(default)]
    packages: Option<Vec<JsonSpdxPackage>>,
    #[serde(default)]
    files: Option<Vec<JsonSpdxElement>>,
    #[serde(default)]
    snippets: Option<Vec<JsonSpdxElement>>,
    #[serde(default)]
    relationships: Option<Vec<JsonRelationship>>,
    #[serde(default)]
    has_extracted_licensing_infos: Option<Vec<JsonExtracted>>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct JsonSpdxPackage {
    #[serde(rename = "SPDXID")]
    spdx_id: Option<String>,
    name: Option<String>,
    version_info: Option<String>,
    download_location: Option<String>,
    license_concluded: Option<String>,
    license_declared: Option<String>,
    #[serde(default)]
    license_info_from_files: Option<Vec<String>>,
    #[serde(default)]
    checksums: Option<Vec<JsonChecksum>>,
    #[serde(default)]
    external_refs: Option<Vec<JsonExternalRef>>,
}

#[derive(Debug, Deserialize)]
struct JsonSpdxElement {
    #[serde(rename = "SPDXID")]
    spdx_id: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct JsonChecksum {
    algorithm: Option<String>,
    checksum_value: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct JsonExternalRef {
    reference_type: Option<String>,
    reference_locator: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct JsonRelationship {
    spdx_element_id: Option<String>,
    relationship_type: Option<String>,
    related_spdx_element: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct JsonExtracted {
    license_id: Option<String>,
    name: Option<String>,
    extracted_text: Option<String>,
}

fn spdx_from_json(doc: JsonSpdx) -> Spdx {
    let packages = doc
        .packages
        .unwrap_or_default()
        .into_iter()
        .enumerate()
        .map(|(i, p)| {
            let label = format!("packages[{i}]");
            SpdxPackage {
                place: p.spdx_id.clone().map_or(Place::Unknown, Place::JsonString),
                id: p.spdx_id,
                name: p.name,
                version: p.version_info,
                download: p.download_location,
                concluded: p
                    .license_concluded
                    .map(|v| (v, format!("{label}.licenseConcluded"))),
                declared: p
                    .license_declared
                    .map(|v| (v, format!("{label}.licenseDeclared"))),
                from_files: p.license_info_from_files.unwrap_or_default(),
                from_files_field: format!("{label}.licenseInfoFromFiles"),
                checksums: p
                    .checksums
                    .unwrap_or_default()
                    .into_iter()
                    .filter_map(|c| Some((c.algorithm?, c.checksum_value?)))
                    .collect(),
                purl: p
                    .external_refs
                    .unwrap_or_default()
                    .into_iter()
                    .find_map(|r| {
                        (r.reference_type.as_deref().map(str::trim) == Some("purl"))
                            .then_some(r.reference_locator)
                            .flatten()
                    }),
                label,
            }
        })
        .collect();
    let other_elements = doc
        .files
        .unwrap_or_default()
        .into_iter()
        .chain(doc.snippets.unwrap_or_default())
        .filter_map(|e| e.spdx_id)
        .collect();
    let relationships = doc
        .relationships
        .unwrap_or_default()
        .into_iter()
        .filter_map(|r| {
            let from = r.spdx_element_id?;
            let to = r.related_spdx_element?;
            // Found in the text only when a finding needs it, by the element that is missing.
            let place = Place::JsonString(to.clone());
            Some(Relationship {
                kind: r.relationship_type?,
                from,
                to,
                place,
            })
        })
        .collect();
    let extracted = doc
        .has_extracted_licensing_infos
        .unwrap_or_default()
        .into_iter()
        .enumerate()
        .filter_map(|(i, e)| {
            Some(Extracted {
                id: e.license_id?,
                name: e.name,
                text: e.extracted_text,
                label: format!("hasExtractedLicensingInfos[{i}]"),
            })
        })
        .collect();
    Spdx {
        document_id: doc.spdx_id,
        describes: doc.document_describes.unwrap_or_default(),
        packages,
        other_elements,
        relationships,
        extracted,
    }
}

/// Which section of a tag-value document the current line belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Section {
    Document,
    Package,
    File,
    Snippet,
    Licence,
}

/// Reads SPDX tag-value: `Tag: value` lines, `<text>...</text>` values over several lines,
/// `#` comments.
fn parse_tag_value(text: &str, display: &str) -> Result<Doc, Failure> {
    let lines: Vec<&str> = text.lines().collect();
    let mut spdx = Spdx::default();
    let mut version: Option<(String, usize)> = None;
    let mut section = Section::Document;
    let mut index = 0;
    let unreadable = |message: String, line: usize| {
        Failure::unreadable(
            "SPDX tag-value",
            format!("{display} is not valid SPDX tag-value: {message}"),
            Some(line),
        )
    };
    while let Some(raw_line) = lines.get(index) {
        let number = index + 1;
        index += 1;
        let line = raw_line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let Some((tag, rest)) = line.split_once(':') else {
            return Err(unreadable(
                format!("line {number} is not `Tag: value`"),
                number,
            ));
        };
        let tag = tag.trim();
        if tag.is_empty() || tag.contains(char::is_whitespace) {
            return Err(unreadable(
                format!("line {number} is not `Tag: value`"),
                number,
            ));
        }
        let mut value = rest.trim().to_string();
        if let Some(after) = value.strip_prefix("<text>") {
            let mut collected = after.to_string();
            loop {
                if let Some(end) = collected.find("</text>") {
                    collected.truncate(end);
                    break;
                }
                let Some(next) = lines.get(index) else {
                    return Err(unreadable(
                        format!(
                            "the `<text>` value of `{tag}` at line {number} is never closed with `</text>`"
                        ),
                        number,
                    ));
                };
                index += 1;
                collected.push('\n');
                collected.push_str(next);
            }
            value = collected;
        }
        let field = |name: &str| format!("{name} (line {number})");
        match tag {
            "SPDXVersion" => {
                version.get_or_insert((value, number));
            }
            "SPDXID" => match section {
                Section::Document => {
                    spdx.document_id.get_or_insert(value);
                }
                Section::Package => {
                    if let Some(p) = spdx.packages.last_mut() {
                        p.id = Some(value);
                    }
                }
                Section::File => spdx.other_elements.push(value),
                Section::Snippet | Section::Licence => {}
            },
            "PackageName" => {
                section = Section::Package;
                spdx.packages.push(SpdxPackage {
                    label: format!("PackageName: {value} (line {number})"),
                    place: Place::Line(number),
                    name: Some(value),
                    from_files_field: String::new(),
                    ..SpdxPackage::default()
                });
            }
            "FileName" => section = Section::File,
            "SnippetSPDXID" => {
                section = Section::Snippet;
                spdx.other_elements.push(value);
            }
            "LicenseID" => {
                section = Section::Licence;
                spdx.extracted.push(Extracted {
                    id: value,
                    label: field("LicenseID"),
                    ..Extracted::default()
                });
            }
            "ExtractedText" if section == Section::Licence => {
                if let Some(e) = spdx.extracted.last_mut() {
                    e.text = Some(value);
                }
            }
            "LicenseName" if section == Section::Licence => {
                if let Some(e) = spdx.extracted.last_mut() {
                    e.name = Some(value);
                }
            }
            "Relationship" => {
                let parts: Vec<&str> = value.split_whitespace().collect();
                let [from, kind, to] = parts.as_slice() else {
                    return Err(unreadable(
                        format!(
                            "`Relationship: {value}` at line {number} is not `<element> <TYPE> <element>`"
                        ),
                        number,
                    ));
                };
                spdx.relationships.push(Relationship {
                    from: (*from).to_string(),
                    kind: (*kind).to_string(),
                    to: (*to).to_string(),
                    place: Place::Line(number),
                });
            }
            _ if section == Section::Package => {
                let Some(p) = spdx.packages.last_mut() else {
                    continue;
                };
                match tag {
                    "PackageVersion" => p.version = Some(value),
                    "PackageDownloadLocation" => p.download = Some(value),
                    "PackageLicenseConcluded" => {
                        p.concluded = Some((value, field("PackageLicenseConcluded")));
                    }
                    "PackageLicenseDeclared" => {
                        p.declared = Some((value, field("PackageLicenseDeclared")));
                    }
                    "PackageLicenseInfoFromFiles" => {
                        if p.from_files.is_empty() {
                            p.from_files_field = field("PackageLicenseInfoFromFiles");
                        }
                        p.from_files.push(value);
                    }
                    "PackageChecksum" => {
                        if let Some((alg, hex)) = value.split_once(':') {
                            p.checksums
                                .push((alg.trim().to_string(), hex.trim().to_string()));
                        }
                    }
                    "ExternalRef" => {
                        let parts: Vec<&str> = value.split_whitespace().collect();
                        if let [_, "purl", locator, ..] = parts.as_slice()
                            && p.purl.is_none()
                        {
                            p.purl = Some((*locator).to_string());
                        }
                    }
                    _ => {}
                }
            }
            _ => {}
        }
    }
    let Some((version, version_line)) = version else {
        return Err(Failure::unsupported(
            "SPDX tag-value",
            format!("{display} has no `SPDXVersion:` line"),
            None,
        ));
    };
    let Some(short) = spdx_version(&version) else {
        return Err(Failure::unsupported(
            &format!("{version} tag-value"),
            format!("{display} is {version}, a version fundament does not read"),
            Some(version_line),
        ));
    };
    Ok(spdx_doc(display, format!("SPDX {short} tag-value"), spdx))
}

/// The kind of edge an SPDX relationship makes, and whether it points from the first element
/// to the second (`A DEPENDS_ON B`: A → B) or back (`A DEPENDENCY_OF B`: B → A).
fn relationship_edge(kind: &str) -> Option<(DepKind, bool)> {
    let forward = true;
    Some(match kind {
        "DEPENDS_ON" | "CONTAINS" | "STATIC_LINK" | "DYNAMIC_LINK" | "HAS_PREREQUISITE" => {
            (DepKind::Normal, forward)
        }
        "DEPENDENCY_OF"
        | "RUNTIME_DEPENDENCY_OF"
        | "CONTAINED_BY"
        | "PREREQUISITE_FOR"
        | "PROVIDED_DEPENDENCY_OF" => (DepKind::Normal, !forward),
        "OPTIONAL_DEPENDENCY_OF" => (DepKind::Optional, !forward),
        "BUILD_DEPENDENCY_OF" | "BUILD_TOOL_OF" => (DepKind::Build, !forward),
        "DEV_DEPENDENCY_OF" | "TEST_DEPENDENCY_OF" | "DEV_TOOL_OF" | "TEST_TOOL_OF" | "TEST_OF" => {
            (DepKind::Dev, !forward)
        }
        _ => return None,
    })
}

/// Whether an SPDX licence field carries information.
fn spdx_licence_value(value: &str) -> Option<&str> {
    let value = value.trim();
    (!value.is_empty() && value != "NOASSERTION").then_some(value)
}

/// The field name, with what the `LicenseRef-`s it uses stand for.
fn annotate_licence_refs(raw: &str, field: String, extracted: &[Extracted]) -> String {
    let mut notes = Vec::new();
    let mut seen = HashSet::new();
    for token in raw.split(|c: char| c.is_whitespace() || c == '(' || c == ')') {
        let id = token.rsplit(':').next().unwrap_or(token);
        if !id.starts_with("LicenseRef-") || !seen.insert(id) {
            continue;
        }
        match extracted.iter().find(|e| e.id == id) {
            Some(e) => {
                let mut note = format!("{id} is");
                if let Some(name) = e.name.as_deref().map(str::trim).filter(|n| !n.is_empty()) {
                    note.push_str(&format!(" \"{name}\","));
                }
                note.push_str(&format!(" defined in {}", e.label));
                if let Some(text) = e.text.as_deref() {
                    let flat = text.split_whitespace().collect::<Vec<_>>().join(" ");
                    let excerpt: String = flat.chars().take(100).collect();
                    let ellipsis = if flat.chars().count() > 100 {
                        "…"
                    } else {
                        ""
                    };
                    note.push_str(&format!(": \"{excerpt}{ellipsis}\""));
                }
                notes.push(note);
            }
            None if token.contains(':') => {}
            None => notes.push(format!("{id} is not defined in the SBOM")),
        }
    }
    if notes.is_empty() {
        field
    } else {
        format!("{field}; {}", notes.join("; "))
    }
}

fn spdx_doc(display: &str, reader: String, spdx: Spdx) -> Doc {
    let mut doc = Doc {
        reader,
        ..Doc::default()
    };
    let document_id = spdx
        .document_id
        .clone()
        .unwrap_or_else(|| "SPDXRef-DOCUMENT".to_string());
    doc.non_packages.insert(document_id.clone());
    doc.non_packages.extend(spdx.other_elements.iter().cloned());
    doc.roots.extend(spdx.describes.iter().cloned());

    for (i, p) in spdx.packages.iter().enumerate() {
        let origin = |raw: &str, field: String| DeclaredLicence {
            raw: raw.to_string(),
            origin: Origin {
                file: display.to_string(),
                field: annotate_licence_refs(raw, field, &spdx.extracted),
            },
        };
        let mut declared = Vec::new();
        let mut noassertion = false;
        for entry in [&p.concluded, &p.declared].into_iter().flatten() {
            match spdx_licence_value(&entry.0) {
                Some(value) => declared.push(origin(value, entry.1.clone())),
                None => noassertion = true,
            }
        }
        let from_files: Vec<&str> = p
            .from_files
            .iter()
            .filter_map(|v| spdx_licence_value(v))
            .filter(|v| *v != "NONE")
            .collect();
        if !from_files.is_empty() {
            declared.push(origin(&join_and(&from_files), p.from_files_field.clone()));
        }
        let no_licence = if noassertion {
            "the SBOM records NOASSERTION (no information) for this package's licence"
        } else {
            "the SBOM records no licence for this package"
        };
        let download = p
            .download
            .as_deref()
            .map(str::trim)
            .filter(|d| !matches!(*d, "" | "NOASSERTION" | "NONE"));
        let is_git = download.is_some_and(|d| d.starts_with("git+") || d.starts_with("git://"));
        doc.items.push(Item {
            key: p.id.clone().unwrap_or_else(|| format!("#packages[{i}]")),
            label: p.label.clone(),
            place: p.place.clone(),
            name: p.name.clone().filter(|n| !n.trim().is_empty()),
            group: None,
            version: p.version.clone().filter(|v| !v.trim().is_empty()),
            purl: p.purl.clone().filter(|v| !v.trim().is_empty()),
            declared,
            no_licence: no_licence.to_string(),
            hashes: p.checksums.clone(),
            distribution: download.filter(|_| !is_git).map(str::to_string),
            vcs: download.filter(|_| is_git).map(str::to_string),
            dev: false,
            optional: false,
        });
    }
    for r in spdx.relationships {
        let kind = r.kind.trim();
        if matches!(kind, "DESCRIBES" | "DESCRIBED_BY") {
            let (describer, described) = if kind == "DESCRIBES" {
                (&r.from, &r.to)
            } else {
                (&r.to, &r.from)
            };
            if *describer == document_id && !doc.roots.contains(described) {
                doc.roots.push(described.clone());
            }
            continue;
        }
        let Some((dep_kind, forward)) = relationship_edge(kind) else {
            continue;
        };
        let (from, to) = if forward {
            (r.from, r.to)
        } else {
            (r.to, r.from)
        };
        if [&from, &to]
            .iter()
            .any(|id| matches!(id.as_str(), "NOASSERTION" | "NONE"))
        {
            continue;
        }
        doc.edges.push(Edge {
            from,
            to,
            kind: dep_kind,
            place: r.place,
        });
    }
    doc
}

// ---------------------------------------------------------------------------------------------
// From the neutral document to packages

/// Purl types whose packages come from a package registry. Other types (`generic`, and the
/// repository-hosting types) name code by location.
fn is_registry_type(ty: &str) -> bool {
    !matches!(ty, "generic" | "github" | "bitbucket" | "gitlab" | "swid")
}

/// The ecosystem and the ecosystem-style name of a purl.
fn purl_name(purl: &packageurl::PackageUrl<'_>) -> (Ecosystem, String) {
    let ecosystem = Ecosystem::from_purl_type(purl.ty());
    let name = match (purl.namespace(), ecosystem) {
        (Some(ns), Ecosystem::Maven) => format!("{ns}:{}", purl.name()),
        (Some(ns), _) => format!("{ns}/{}", purl.name()),
        (None, _) => purl.name().to_string(),
    };
    (ecosystem, name)
}

/// `pkg:generic/[group/]name@version`.
fn generic_purl(group: Option<&str>, name: &str, version: &str) -> String {
    let built = packageurl::PackageUrl::new("generic", name).map(|mut purl| {
        if let Some(group) = group {
            purl.with_namespace(group).ok();
        }
        if !version.is_empty() {
            purl.with_version(version).ok();
        }
        purl.to_string()
    });
    built.unwrap_or_else(|_| format!("pkg:generic/{name}@{version}"))
}

/// CycloneDX's name of a hash algorithm (`SHA256` → `SHA-256`).
fn hash_algorithm(alg: &str) -> String {
    let key: String = alg
        .chars()
        .filter(|c| *c != '-' && *c != '_')
        .collect::<String>()
        .to_ascii_uppercase();
    match key.as_str() {
        "SHA1" => "SHA-1".to_string(),
        "SHA224" => "SHA-224".to_string(),
        "SHA256" => "SHA-256".to_string(),
        "SHA384" => "SHA-384".to_string(),
        "SHA512" => "SHA-512".to_string(),
        "SHA3256" => "SHA3-256".to_string(),
        "SHA3384" => "SHA3-384".to_string(),
        "SHA3512" => "SHA3-512".to_string(),
        "BLAKE2B256" => "BLAKE2b-256".to_string(),
        "BLAKE2B384" => "BLAKE2b-384".to_string(),
        "BLAKE2B512" => "BLAKE2b-512".to_string(),
        "BLAKE3" => "BLAKE3".to_string(),
        "MD5" => "MD5".to_string(),
        _ => alg.trim().to_string(),
    }
}

/// The strongest hash, as `<ALG>:<hex>`.
fn best_checksum(hashes: &[(String, String)]) -> Option<String> {
    const PREFERENCE: &[&str] = &[
        "SHA-512",
        "SHA-384",
        "SHA-256",
        "SHA3-512",
        "SHA3-384",
        "SHA3-256",
        "BLAKE2b-512",
        "BLAKE2b-384",
        "BLAKE2b-256",
        "BLAKE3",
        "SHA-224",
        "SHA-1",
        "MD5",
    ];
    let normalised: Vec<(String, String)> = hashes
        .iter()
        .filter(|(_, content)| !content.trim().is_empty())
        .map(|(alg, content)| (hash_algorithm(alg), content.trim().to_ascii_lowercase()))
        .collect();
    let rank = |alg: &str| {
        PREFERENCE
            .iter()
            .position(|p| *p == alg)
            .unwrap_or(PREFERENCE.len())
    };
    normalised
        .into_iter()
        .min_by_key(|(alg, _)| rank(alg))
        .map(|(alg, content)| format!("{alg}:{content}"))
}

/// Where a package comes from (see the module documentation).
fn source_of(item: &Item, purl: Option<&packageurl::PackageUrl<'_>>) -> PackageSource {
    let qualifier = |key: &str| {
        purl.and_then(|p| {
            p.qualifiers()
                .iter()
                .find(|(k, _)| k.as_ref() == key)
                .map(|(_, v)| v.to_string())
        })
    };
    let download = item
        .distribution
        .clone()
        .or_else(|| qualifier("download_url"));
    if purl.is_some_and(|p| is_registry_type(p.ty())) {
        return PackageSource::Registry { url: download };
    }
    if let Some(url) = item.vcs.clone().or_else(|| qualifier("vcs_url")) {
        return PackageSource::Git { url };
    }
    match download {
        Some(url) => PackageSource::Url { url },
        None => PackageSource::Registry { url: None },
    }
}

fn build(
    ctx: &ReadContext<'_>,
    found: &FoundProject,
    display: &str,
    text: &str,
    doc: Doc,
) -> ProjectGraph {
    let mut graph = ProjectGraph::new(ctx, found, &doc.reader);
    let mut findings = doc.findings;
    let root_keys: HashSet<&str> = doc.roots.iter().map(String::as_str).collect();
    let mut packages: Vec<Package> = Vec::new();
    // The element's own scope statements, per package.
    let mut dev_flag: Vec<bool> = Vec::new();
    let mut optional_flag: Vec<bool> = Vec::new();
    let mut index_of_key: HashMap<String, usize> = HashMap::new();
    let mut index_of_identity: HashMap<(String, String), usize> = HashMap::new();
    let mut skipped: HashSet<String> = HashSet::new();

    for item in &doc.items {
        let is_root = root_keys.contains(item.key.as_str());
        let parsed = item
            .purl
            .as_deref()
            .map(|p| p.trim().parse::<packageurl::PackageUrl<'_>>());
        let purl = match &parsed {
            Some(Ok(purl)) => Some(purl),
            Some(Err(err)) => {
                findings.push(
                    Finding::warning(
                        Code::InputUnreadable,
                        format!(
                            "{display}: the purl `{}` of {} is not a valid Package URL ({err}); it is kept as the package's identity",
                            item.purl.as_deref().unwrap_or_default(),
                            item.label
                        ),
                    )
                    .at(display.to_string(), item.place.line(text)),
                );
                None
            }
            None => None,
        };
        let (ecosystem, name) = match (purl, &item.name) {
            (Some(purl), _) => purl_name(purl),
            (None, Some(name)) => (
                Ecosystem::Generic,
                match &item.group {
                    Some(group) => format!("{group}/{name}"),
                    None => name.clone(),
                },
            ),
            (None, None) if item.purl.is_some() => {
                (Ecosystem::Generic, item.purl.clone().unwrap_or_default())
            }
            (None, None) => {
                findings.push(
                    Finding::warning(
                        Code::InputUnreadable,
                        format!(
                            "{display}: {} has neither a name nor a purl; it was skipped",
                            item.label
                        ),
                    )
                    .at(display.to_string(), item.place.line(text)),
                );
                graph.partial(format!(
                    "{display} lists an element without name or purl, which was not audited"
                ));
                skipped.insert(item.key.clone());
                continue;
            }
        };
        let version = item
            .version
            .clone()
            .or_else(|| purl.and_then(|p| p.version().map(str::to_string)))
            .unwrap_or_default();
        let source = if is_root {
            PackageSource::Path {
                path: ctx.display(&found.dir),
            }
        } else {
            source_of(item, purl)
        };
        let mut package = Package::new(ecosystem, &name, &version, source);
        package.purl = match (&item.purl, purl) {
            (Some(verbatim), _) => verbatim.trim().to_string(),
            (None, _) => generic_purl(
                item.group.as_deref(),
                item.name.as_deref().unwrap_or_default(),
                &version,
            ),
        };
        package.root = is_root;
        package.declared = item.declared.clone();
        if package.declared.is_empty() {
            package.licence_unavailable = Some(item.no_licence.clone());
        }
        package.checksum = best_checksum(&item.hashes);
        if version.is_empty() && !is_root {
            package.locked = false;
            findings.push(
                Finding::warning(
                    Code::VersionUnresolved,
                    format!(
                        "{display}: {name} ({}) has no version; it is listed, not guessed",
                        item.label
                    ),
                )
                .package(package.purl.clone())
                .at(display.to_string(), item.place.line(text)),
            );
        }
        let identity = (package.purl.clone(), package.source.identity());
        let index = match index_of_identity.get(&identity) {
            Some(&existing) => {
                let merged = &mut packages[existing];
                merged.root |= package.root;
                for d in package.declared {
                    if !merged.declared.contains(&d) {
                        merged.declared.push(d);
                    }
                }
                if !merged.declared.is_empty() {
                    merged.licence_unavailable = None;
                }
                if merged.checksum.is_none() {
                    merged.checksum = package.checksum;
                }
                dev_flag[existing] &= item.dev;
                optional_flag[existing] &= item.optional;
                existing
            }
            None => {
                packages.push(package);
                dev_flag.push(item.dev);
                optional_flag.push(item.optional);
                index_of_identity.insert(identity, packages.len() - 1);
                packages.len() - 1
            }
        };
        index_of_key.entry(item.key.clone()).or_insert(index);
    }

    // Edges.
    let mut dangling = 0;
    for edge in &doc.edges {
        if skipped.contains(&edge.from) || skipped.contains(&edge.to) {
            continue;
        }
        if doc.non_packages.contains(&edge.from) || doc.non_packages.contains(&edge.to) {
            continue;
        }
        let (from, to) = match (index_of_key.get(&edge.from), index_of_key.get(&edge.to)) {
            (Some(&from), Some(&to)) => (from, to),
            (from, _) => {
                let missing = if from.is_none() { &edge.from } else { &edge.to };
                let elsewhere = missing
                    .split_once(':')
                    .filter(|(doc_ref, _)| doc_ref.starts_with("DocumentRef-"));
                let message = match elsewhere {
                    Some((doc_ref, _)) => format!(
                        "{display}: `{}` depends on `{}`, which is in another SPDX document ({doc_ref}) that fundament does not follow",
                        edge.from, edge.to
                    ),
                    None => format!(
                        "{display}: `{}` depends on `{}`, but `{missing}` is not an element of the SBOM",
                        edge.from, edge.to
                    ),
                };
                // JSON places are found by text: look for the element that is missing.
                let place = match &edge.place {
                    Place::JsonString(_) => Place::JsonString(missing.clone()),
                    other => other.clone(),
                };
                findings.push(
                    Finding::warning(Code::DependencyUnresolved, message)
                        .at(display.to_string(), place.line(text)),
                );
                dangling += 1;
                continue;
            }
        };
        // The target's own scope statement decides the kind of a plain edge.
        let kind = match edge.kind {
            DepKind::Normal if dev_flag[to] => DepKind::Dev,
            DepKind::Normal if optional_flag[to] => DepKind::Optional,
            other => other,
        };
        let dependency = Dependency { package: to, kind };
        if from != to && !packages[from].dependencies.contains(&dependency) {
            packages[from].dependencies.push(dependency);
        }
    }
    if dangling > 0 {
        graph.partial(format!(
            "{} named in {display} {} of it",
            crate::plural::count(dangling, "dependency", "dependencies"),
            crate::plural::word(dangling, "is not an element", "are not elements")
        ));
    }

    // Scopes: from the edges, then each element's own statement.
    let roots: Vec<usize> = (0..packages.len()).filter(|&i| packages[i].root).collect();
    let scopes = scopes_from_edges(&packages, &roots);
    let mut incoming: Vec<(usize, usize)> = vec![(0, 0); packages.len()];
    for package in &packages {
        for dep in &package.dependencies {
            incoming[dep.package].0 += 1;
            if dep.kind == DepKind::Optional {
                incoming[dep.package].1 += 1;
            }
        }
    }
    for (i, package) in packages.iter_mut().enumerate() {
        package.scope = if package.root {
            Scope::Runtime
        } else if dev_flag[i] {
            Scope::Dev
        } else {
            scopes[i]
        };
        let (all, optional) = incoming[i];
        package.optional = !package.root && (optional_flag[i] || (all > 0 && all == optional));
    }

    graph.packages = packages;
    graph.findings = findings;
    graph.set_roots();
    graph
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(text: &str) -> Doc {
        parse(text, "sbom").unwrap_or_else(|f| panic!("{}: {:?}", f.message, f.line))
    }

    fn failure(text: &str) -> Failure {
        match parse(text, "sbom") {
            Ok(_) => panic!("expected a failure"),
            Err(f) => f,
        }
    }

    #[test]
    fn formats_are_detected_by_content() {
        let cdx = r#"{"bomFormat":"CycloneDX","specVersion":"1.4","components":[]}"#;
        assert_eq!(doc(cdx).reader, "CycloneDX 1.4 JSON");
        let spdx = r#"{"spdxVersion":"SPDX-2.3","SPDXID":"SPDXRef-DOCUMENT"}"#;
        assert_eq!(doc(spdx).reader, "SPDX 2.3 JSON");
        let xml = r#"<?xml version="1.0"?><bom xmlns="http://cyclonedx.org/schema/bom/1.3"/>"#;
        assert_eq!(doc(xml).reader, "CycloneDX 1.3 XML");
        let tv = "# comment\nSPDXVersion: SPDX-2.2\nSPDXID: SPDXRef-DOCUMENT\n";
        assert_eq!(doc(tv).reader, "SPDX 2.2 tag-value");
    }

    #[test]
    fn other_versions_and_formats_are_unsupported_with_a_line() {
        let f = failure("{\n  \"bomFormat\": \"CycloneDX\",\n  \"specVersion\": \"1.1\"\n}");
        assert_eq!(f.code, Code::LockfileVersionUnsupported);
        assert_eq!(f.line, Some(3));
        assert!(f.message.contains("CycloneDX 1.1"), "{}", f.message);
        let f = failure(r#"{"@context": "https://spdx.org/rdf/3.0.1/spdx-context.jsonld"}"#);
        assert_eq!(f.code, Code::LockfileVersionUnsupported);
        assert!(f.message.contains("SPDX 3"), "{}", f.message);
        let f = failure("\nSPDXVersion: SPDX-2.1\n");
        assert_eq!(
            (f.code, f.line),
            (Code::LockfileVersionUnsupported, Some(2))
        );
        let f = failure(r#"<bom xmlns="http://cyclonedx.org/schema/bom/1.1"></bom>"#);
        assert_eq!(f.code, Code::LockfileVersionUnsupported);
        let f = failure("just text");
        assert_eq!(f.code, Code::LockfileVersionUnsupported);
        let f = failure(r#"{"name": "x"}"#);
        assert_eq!(f.code, Code::LockfileVersionUnsupported);
    }

    #[test]
    fn malformed_input_names_the_line() {
        let f = failure("{\n \"bomFormat\": \"CycloneDX\",\n \"specVersion\": \"1.5\",\n");
        assert_eq!(f.code, Code::InputUnreadable);
        assert_eq!(f.line, Some(4));
        let f =
            failure("<bom xmlns=\"http://cyclonedx.org/schema/bom/1.5\">\n<components>\n</bom>\n");
        assert_eq!(f.code, Code::InputUnreadable);
        assert_eq!(f.line, Some(3), "{}", f.message);
        let f =
            failure("SPDXVersion: SPDX-2.3\nPackageName: a\nExtractedText: <text>never\nclosed\n");
        assert_eq!((f.code, f.line), (Code::InputUnreadable, Some(3)));
        let f = failure("SPDXVersion: SPDX-2.3\nthis line has no tag\n");
        assert_eq!((f.code, f.line), (Code::InputUnreadable, Some(2)));
        let f = failure("SPDXVersion: SPDX-2.3\nRelationship: a DEPENDS_ON\n");
        assert_eq!((f.code, f.line), (Code::InputUnreadable, Some(2)));
    }

    #[test]
    fn absurdly_deep_xml_is_refused_not_overflowing_the_stack() {
        let depth = 100_000;
        let xml = format!(
            "<bom xmlns=\"http://cyclonedx.org/schema/bom/1.5\">{}{}</bom>",
            "<components><component>".repeat(depth),
            "</component></components>".repeat(depth)
        );
        let f = failure(&xml);
        assert_eq!(f.code, Code::InputUnreadable);
        assert!(f.message.contains("nested"), "{}", f.message);
    }

    #[test]
    fn tag_value_reads_packages_texts_and_relationships() {
        let tv = "SPDXVersion: SPDX-2.3\nSPDXID: SPDXRef-DOCUMENT\n\
                  PackageName: a\nSPDXID: SPDXRef-a\nPackageVersion: 1.0\n\
                  PackageLicenseConcluded: LicenseRef-x\nPackageLicenseDeclared: NOASSERTION\n\
                  ExternalRef: PACKAGE-MANAGER purl pkg:npm/a@1.0\n\
                  PackageChecksum: SHA256: ABCD\n\
                  LicenseID: LicenseRef-x\nExtractedText: <text>line one\nline two</text>\n\
                  LicenseName: X Licence\n\
                  Relationship: SPDXRef-DOCUMENT DESCRIBES SPDXRef-a\n";
        let d = doc(tv);
        assert_eq!(d.roots, vec!["SPDXRef-a"]);
        let item = &d.items[0];
        assert_eq!(item.purl.as_deref(), Some("pkg:npm/a@1.0"));
        assert_eq!(item.declared.len(), 1);
        assert_eq!(item.declared[0].raw, "LicenseRef-x");
        assert_eq!(
            item.declared[0].origin.field,
            "PackageLicenseConcluded (line 6); LicenseRef-x is \"X Licence\", defined in \
             LicenseID (line 10): \"line one line two\""
        );
        assert_eq!(best_checksum(&item.hashes).as_deref(), Some("SHA-256:abcd"));
    }

    #[test]
    fn cyclonedx_licences_keep_concluded_first_and_join_ids_with_and() {
        let json = r#"{"bomFormat":"CycloneDX","specVersion":"1.6","components":[
            {"name":"a","licenses":[
                {"license":{"id":"MIT","acknowledgement":"declared"}},
                {"license":{"id":"Apache-2.0","acknowledgement":"declared"}},
                {"license":{"name":"Custom Licence","acknowledgement":"declared"}},
                {"license":{"id":"BSD-3-Clause","acknowledgement":"concluded"}}]},
            {"name":"b","licenses":[{"expression":"MIT OR ISC"},{"license":{"id":"Zlib"}}]}]}"#;
        let d = doc(json);
        let a: Vec<(&str, &str)> = d.items[0]
            .declared
            .iter()
            .map(|l| (l.raw.as_str(), l.origin.field.as_str()))
            .collect();
        assert_eq!(
            a,
            vec![
                ("BSD-3-Clause", "components[0].licenses (concluded)"),
                ("MIT AND Apache-2.0", "components[0].licenses (declared)"),
                (
                    "Custom Licence",
                    "components[0].licenses[2].license.name (declared)"
                ),
            ]
        );
        assert_eq!(d.items[1].declared[0].raw, "(MIT OR ISC) AND Zlib");
    }

    #[test]
    fn acknowledgement_before_1_6_counts_as_declared() {
        let json = r#"{"bomFormat":"CycloneDX","specVersion":"1.5","components":[
            {"name":"a","licenses":[{"license":{"id":"MIT","acknowledgement":"concluded"}}]}]}"#;
        let d = doc(json);
        assert_eq!(
            d.items[0].declared[0].origin.field,
            "components[0].licenses (declared)"
        );
    }

    #[test]
    fn purl_names_follow_each_ecosystem() {
        let name = |p: &str| purl_name(&p.parse::<packageurl::PackageUrl<'_>>().unwrap());
        assert_eq!(
            name("pkg:npm/%40angular/core@17.0.0"),
            (Ecosystem::Npm, "@angular/core".to_string())
        );
        assert_eq!(
            name("pkg:maven/org.jsoup/jsoup@1.18.1?type=jar"),
            (Ecosystem::Maven, "org.jsoup:jsoup".to_string())
        );
        assert_eq!(
            name("pkg:composer/symfony/console@v6.4.1"),
            (Ecosystem::Composer, "symfony/console".to_string())
        );
        assert_eq!(
            name("pkg:golang/github.com/spf13/cobra@v1.8.0"),
            (Ecosystem::Golang, "github.com/spf13/cobra".to_string())
        );
        assert_eq!(
            name("pkg:deb/debian/libc6@2.36"),
            (Ecosystem::Generic, "debian/libc6".to_string())
        );
        assert_eq!(
            generic_purl(None, "legacy-pdf-lib", "4.2"),
            "pkg:generic/legacy-pdf-lib@4.2"
        );
    }

    #[test]
    fn checksums_prefer_the_strongest_hash() {
        let hashes = vec![
            ("SHA-1".to_string(), "AA".to_string()),
            ("SHA512".to_string(), "BB".to_string()),
            ("SHA-256".to_string(), "cc".to_string()),
        ];
        assert_eq!(best_checksum(&hashes).as_deref(), Some("SHA-512:bb"));
        assert_eq!(best_checksum(&[]), None);
    }

    #[test]
    fn xml_entities_and_nested_components_are_read() {
        let xml = "<bom xmlns=\"http://cyclonedx.org/schema/bom/1.4\">\n<components>\n\
                   <component type=\"library\" bom-ref=\"p\"><name>p</name>\
                   <purl>pkg:deb/debian/p@1?arch=amd64&amp;distro=x</purl>\n\
                   <components><component bom-ref=\"c\"><name>c</name></component></components>\
                   </component>\n</components>\n</bom>";
        let d = doc(xml);
        assert_eq!(
            d.items[0].purl.as_deref(),
            Some("pkg:deb/debian/p@1?arch=amd64&distro=x")
        );
        assert_eq!(d.items[0].place, Place::Line(3));
        assert_eq!(
            d.items[1].label,
            "/bom/components/component[1]/components/component[1]"
        );
        assert_eq!(
            (d.edges[0].from.as_str(), d.edges[0].to.as_str()),
            ("p", "c")
        );
    }

    #[test]
    fn spdx_relationships_point_from_dependant_to_dependency() {
        assert_eq!(
            relationship_edge("DEPENDS_ON"),
            Some((DepKind::Normal, true))
        );
        assert_eq!(
            relationship_edge("DEV_DEPENDENCY_OF"),
            Some((DepKind::Dev, false))
        );
        assert_eq!(
            relationship_edge("BUILD_DEPENDENCY_OF"),
            Some((DepKind::Build, false))
        );
        assert_eq!(relationship_edge("GENERATED_FROM"), None);
    }
}
