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
                crate::text!("sbom_not_utf8", file = display, line = line),
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
    /// `message` in translatable form, where it has one.
    text: Option<crate::diagnostic::Text>,
    line: Option<usize>,
    /// The reader description, as far as the format was recognised.
    reader: String,
}

impl Failure {
    fn unreadable(
        reader: &str,
        message: impl Into<crate::diagnostic::Message>,
        line: Option<usize>,
    ) -> Failure {
        let (message, text) = message.into().into_parts();
        Failure {
            code: Code::InputUnreadable,
            message,
            text,
            line,
            reader: reader.to_string(),
        }
    }

    fn unsupported(
        reader: &str,
        message: impl Into<crate::diagnostic::Message>,
        line: Option<usize>,
    ) -> Failure {
        let (message, text) = message.into().into_parts();
        Failure {
            code: Code::LockfileVersionUnsupported,
            message,
            text,
            line,
            reader: reader.to_string(),
        }
    }

    fn into_finding(self, display: &str) -> Finding {
        let message: crate::diagnostic::Message = match self.text {
            Some(text) => text.into(),
            None => self.message.into(),
        };
        let finding = Finding::error(self.code, message).at(display.to_string(), self.line);
        if self.code == Code::LockfileVersionUnsupported {
            finding.note(crate::diagnostic::Text::new("sbom_supported"))
        } else {
            finding
        }
    }
}

/// One SBOM, whatever its format: the elements that become packages, the edges between them,
/// and the roots.
#[derive(Debug, Default, Clone)]
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
            crate::text!("file_empty", file = display),
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
            crate::text!("sbom_unknown_format", file = display),
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

/// Where an element is in the file, for findings: a known line, or a JSON string whose first
/// occurrence is looked up only when a finding needs it, by a [`Locator`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
enum Place {
    #[default]
    Unknown,
    Line(usize),
    JsonString(String),
}

impl Place {
    fn or(self, other: Place) -> Place {
        match self {
            Place::Unknown => other,
            known => known,
        }
    }
}

/// Gives findings the line of their [`Place`]. A JSON string is found by its encoded form
/// (`"value"`) as one of the document's string tokens; all of them are looked up together in
/// one forward pass over the text ([`Locator::resolve`]) once every finding is made. Searching
/// the text once per finding took time findings × size: quadratic on an SBOM whose every
/// element has a finding.
#[derive(Default)]
struct Locator {
    /// The index of a finding and the encoded string whose line it gets.
    pending: Vec<(usize, String)>,
}

impl Locator {
    /// Pushes `finding`, located in `display` at `place`.
    fn push(
        &mut self,
        findings: &mut Vec<Finding>,
        finding: Finding,
        display: &str,
        place: &Place,
    ) {
        let line = match place {
            Place::Unknown => None,
            Place::Line(line) => Some(*line),
            Place::JsonString(value) => {
                if let Ok(encoded) = serde_json::to_string(value) {
                    self.pending.push((findings.len(), encoded));
                }
                None
            }
        };
        findings.push(finding.at(display.to_string(), line));
    }

    /// Sets the lines of the JSON strings pushed so far: the line of the first string token of
    /// `text` equal to each, found in one pass.
    fn resolve(self, text: &str, findings: &mut [Finding]) {
        if self.pending.is_empty() {
            return;
        }
        let lines = first_lines_of_strings(text, self.pending.iter().map(|(_, s)| s.as_str()));
        for (index, encoded) in &self.pending {
            if let (Some(&line), Some(location)) = (
                lines.get(encoded.as_str()),
                findings.get_mut(*index).and_then(|f| f.location.as_mut()),
            ) {
                location.line = Some(line);
            }
        }
    }
}

/// The 1-based line of the first string token (quotes included, as written) of a JSON `text`
/// equal to each of `wanted`; those not found are left out. One forward pass: each token is
/// hashed once.
fn first_lines_of_strings<'w>(
    text: &str,
    wanted: impl Iterator<Item = &'w str>,
) -> HashMap<&'w str, usize> {
    let mut open: HashSet<&str> = wanted.collect();
    let mut found = HashMap::new();
    let bytes = text.as_bytes();
    let (mut at, mut line) = (0, 1);
    while at < bytes.len() && !open.is_empty() {
        match bytes[at] {
            b'\n' => {
                line += 1;
                at += 1;
            }
            b'"' => {
                let (start, start_line) = (at, line);
                at += 1;
                while at < bytes.len() {
                    match bytes[at] {
                        b'\\' => at += 2,
                        b'"' => {
                            at += 1;
                            break;
                        }
                        // Not in valid JSON; counted so that later lines stay right.
                        b'\n' => {
                            line += 1;
                            at += 1;
                        }
                        _ => at += 1,
                    }
                }
                at = at.min(bytes.len());
                if let Some(token) = text.get(start..at)
                    && let Some(key) = open.take(token)
                {
                    found.insert(key, start_line);
                }
            }
            _ => at += 1,
        }
    }
    found
}

fn parse_json(text: &str, display: &str) -> Result<Doc, Failure> {
    let value: serde_json::Value = serde_json::from_str(text).map_err(|err| {
        Failure::unreadable(
            "SBOM",
            crate::text!("not_valid_json", file = display, error = json_error(&err)),
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
                crate::text!("cyclonedx_no_spec", file = display),
                line_of(text, "\"bomFormat\""),
            ));
        };
        let minor = cyclonedx_minor(&spec).ok_or_else(|| {
            Failure::unsupported(
                &format!("CycloneDX {spec} JSON"),
                crate::text!(
                    "format_version_unread",
                    file = display,
                    format = format!("CycloneDX {spec}")
                ),
                line,
            )
        })?;
        let reader = format!("CycloneDX 1.{minor} JSON");
        let bom: JsonBom = serde_json::from_str(text).map_err(|err| {
            Failure::unreadable(
                &reader,
                crate::text!(
                    "cyclonedx_invalid",
                    file = display,
                    error = json_error(&err)
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
                crate::text!("format_version_unread", file = display, format = version),
                line,
            )
        })?;
        let reader = format!("SPDX {reader_version} JSON");
        let doc: JsonSpdx = serde_json::from_str(text).map_err(|err| {
            Failure::unreadable(
                &reader,
                crate::text!("spdx_invalid", file = display, error = json_error(&err)),
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
            crate::text!("spdx_jsonld", file = display, version = version),
            line_of(text, "\"@context\""),
        ));
    }
    if value.get("bomFormat").is_some() {
        return Err(Failure::unsupported(
            "SBOM",
            crate::text!(
                "bom_format_unknown",
                file = display,
                format = value.get("bomFormat").map(as_text).unwrap_or_default()
            ),
            line_of(text, "\"bomFormat\""),
        ));
    }
    Err(Failure::unsupported(
        "SBOM",
        crate::text!("sbom_json_unknown", file = display),
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

mod build;
mod cyclonedx;
mod spdx;
#[cfg(test)]
mod tests;

use build::*;
use cyclonedx::*;
use spdx::*;
