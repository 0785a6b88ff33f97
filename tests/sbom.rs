//! The SBOM reader, end to end: `fundament audit --sbom FILE --format json` (no PATH: only the
//! SBOM is audited, rooted at its directory) on the SBOMs in tests/fixtures/sbom (see its
//! README.md: generated with cyclonedx-npm, cyclonedx-py, `npm sbom` and spdx-tools where
//! possible, hand-written after the schemas otherwise).
//!
//! Expected values are computed from the SBOM files themselves (components, packages, purls,
//! roots, dependencies, relationships, lines) wherever that is practical, so that the tests
//! state the rule rather than a copy of today's output.

use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

mod support;

use support::JsonRun;
use support::{findings, packages};

// ---------------------------------------------------------------------------------------------
// Running the binary

fn sbom(name: &str) -> PathBuf {
    support::fixture(&format!("sbom/{name}"))
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
}

fn parse_run(output: std::process::Output) -> JsonRun {
    let stdout = String::from_utf8_lossy(&output.stdout);
    let json = serde_json::from_str(&stdout).unwrap_or_else(|e| {
        panic!(
            "the report is not JSON ({e}); stdout: {stdout}\nstderr: {}",
            String::from_utf8_lossy(&output.stderr)
        )
    });
    JsonRun {
        code: output.status.code().expect("an exit code"),
        json,
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

/// `fundament audit --sbom <file>... --format json`, without a PATH.
fn audit_sboms(files: &[&Path], extra: &[&str]) -> JsonRun {
    let mut cmd = support::fundament();
    cmd.arg("audit");
    for file in files {
        cmd.arg("--sbom").arg(file);
    }
    parse_run(
        cmd.args(["--format", "json"])
            .args(extra)
            .output()
            .expect("fundament runs"),
    )
}

fn audit(name: &str) -> JsonRun {
    audit_sboms(&[&sbom(name)], &[])
}

// ---------------------------------------------------------------------------------------------
// Reading the report

fn by_purl<'a>(json: &'a Value, purl: &str) -> &'a Value {
    let found: Vec<&Value> = packages(json)
        .iter()
        .filter(|p| p["purl"] == purl)
        .collect();
    assert_eq!(
        found.len(),
        1,
        "expected one package {purl}, found {}",
        found.len()
    );
    found[0]
}

fn by_name<'a>(json: &'a Value, name: &str, version: &str) -> &'a Value {
    let found: Vec<&Value> = packages(json)
        .iter()
        .filter(|p| p["name"] == name && p["version"] == version)
        .collect();
    assert_eq!(found.len(), 1, "expected one package {name} {version}");
    found[0]
}

fn purls(json: &Value, root: bool) -> BTreeSet<String> {
    packages(json)
        .iter()
        .filter(|p| p["root"] == root)
        .map(|p| p["purl"].as_str().unwrap().to_string())
        .collect()
}

/// Every edge as (from purl, to purl, kind).
fn edges(json: &Value) -> BTreeSet<(String, String, String)> {
    let all = packages(json);
    let mut out = BTreeSet::new();
    for p in all {
        for d in p["dependencies"].as_array().unwrap() {
            let target = &all[d["package"].as_u64().unwrap() as usize];
            out.insert((
                p["purl"].as_str().unwrap().to_string(),
                target["purl"].as_str().unwrap().to_string(),
                d["kind"].as_str().unwrap().to_string(),
            ));
        }
    }
    out
}

fn without_kind(edges: &BTreeSet<(String, String, String)>) -> BTreeSet<(String, String)> {
    edges
        .iter()
        .map(|(a, b, _)| (a.clone(), b.clone()))
        .collect()
}

/// The declared licences as (raw, origin field).
fn declared(p: &Value) -> Vec<(String, String)> {
    p["licence"]["declared"]
        .as_array()
        .expect("`licence.declared`")
        .iter()
        .map(|d| {
            assert!(d["origin"]["file"].is_string(), "{d}");
            (
                d["raw"].as_str().unwrap().to_string(),
                d["origin"]["field"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

fn concluded(p: &Value) -> &str {
    p["licence"]["concluded"]["expression"].as_str().unwrap()
}

fn project(json: &Value) -> &Value {
    let projects = json["projects"].as_array().unwrap();
    assert_eq!(projects.len(), 1, "one SBOM, one project");
    &projects[0]
}

/// The 1-based line of the first occurrence of `needle`.
fn line_of(text: &str, needle: &str) -> u64 {
    let offset = text
        .find(needle)
        .unwrap_or_else(|| panic!("`{needle}` is not in the fixture"));
    text[..offset].matches('\n').count() as u64 + 1
}

// ---------------------------------------------------------------------------------------------
// What the SBOM files say

/// A CycloneDX component or SPDX package, as the file records it.
#[derive(Debug, Clone, Default)]
struct Element {
    reference: Option<String>,
    name: Option<String>,
    version: Option<String>,
    purl: Option<String>,
    parent: Option<String>,
    root: bool,
}

impl Element {
    /// The purl the report must carry: the file's own, verbatim, else `pkg:generic/...`.
    fn expected_purl(&self) -> Option<String> {
        match (&self.purl, &self.name) {
            (Some(purl), _) => Some(purl.clone()),
            (None, Some(name)) => Some(format!(
                "pkg:generic/{name}@{}",
                self.version.clone().unwrap_or_default()
            )),
            (None, None) => None,
        }
    }
}

/// What a file says: its elements and its dependencies (by reference), with the edge kind the
/// file states (CycloneDX edges are plain `normal` dependencies).
struct Expected {
    elements: Vec<Element>,
    dependencies: Vec<(String, String, &'static str)>,
}

impl Expected {
    fn root_purls(&self) -> BTreeSet<String> {
        self.elements
            .iter()
            .filter(|e| e.root)
            .filter_map(Element::expected_purl)
            .collect()
    }

    fn other_purls(&self) -> BTreeSet<String> {
        self.elements
            .iter()
            .filter(|e| !e.root)
            .filter_map(Element::expected_purl)
            .collect()
    }

    fn purl_of(&self, reference: &str) -> Option<String> {
        self.elements
            .iter()
            .find(|e| e.reference.as_deref() == Some(reference))
            .and_then(Element::expected_purl)
    }

    /// Edges between elements that exist, as (from purl, to purl, kind); nested components are
    /// edges from their parent.
    fn edges(&self) -> BTreeSet<(String, String, String)> {
        let mut out = BTreeSet::new();
        for (from, to, kind) in &self.dependencies {
            if let (Some(a), Some(b)) = (self.purl_of(from), self.purl_of(to)) {
                out.insert((a, b, kind.to_string()));
            }
        }
        for e in &self.elements {
            if let (Some(parent), Some(purl)) = (&e.parent, e.expected_purl())
                && let Some(parent) = self.purl_of(parent)
            {
                out.insert((parent, purl, "normal".to_string()));
            }
        }
        out
    }

    /// References named by dependencies that are no element of the file.
    fn dangling(&self) -> BTreeSet<String> {
        self.dependencies
            .iter()
            .flat_map(|(a, b, _)| [a, b])
            .filter(|r| self.purl_of(r).is_none())
            .filter(|r| {
                !self
                    .elements
                    .iter()
                    .any(|e| e.reference.as_deref() == Some(r.as_str()))
            })
            .filter(|r| !r.starts_with("SPDXRef-File") && r.as_str() != "SPDXRef-DOCUMENT")
            .cloned()
            .collect()
    }
}

fn cyclonedx_json(path: &Path) -> Expected {
    let bom: Value = serde_json::from_str(&read(path)).unwrap();
    fn walk(c: &Value, parent: Option<String>, root: bool, out: &mut Vec<Element>) {
        let text = |k: &str| c[k].as_str().map(str::to_string);
        let e = Element {
            reference: text("bom-ref"),
            name: text("name"),
            version: text("version"),
            purl: text("purl"),
            parent,
            root,
        };
        let reference = e.reference.clone();
        out.push(e);
        for child in c["components"].as_array().into_iter().flatten() {
            walk(child, reference.clone(), root, out);
        }
    }
    let mut elements = Vec::new();
    if bom["metadata"]["component"].is_object() {
        walk(&bom["metadata"]["component"], None, true, &mut elements);
    }
    for c in bom["components"].as_array().into_iter().flatten() {
        walk(c, None, false, &mut elements);
    }
    let mut dependencies = Vec::new();
    for d in bom["dependencies"].as_array().into_iter().flatten() {
        for to in d["dependsOn"].as_array().into_iter().flatten() {
            dependencies.push((
                d["ref"].as_str().unwrap().to_string(),
                to.as_str().unwrap().to_string(),
                "normal",
            ));
        }
    }
    Expected {
        elements,
        dependencies,
    }
}

/// Components of a CycloneDX XML file (those under `metadata/tools` are tools, not
/// components), read with quick-xml's pull reader.
fn cyclonedx_xml(path: &Path) -> Expected {
    use quick_xml::events::Event;
    let text = read(path);
    let mut reader = quick_xml::Reader::from_str(&text);
    let mut stack: Vec<String> = Vec::new();
    // Open components, innermost last; `None` for tool components.
    let mut open: Vec<Option<Element>> = Vec::new();
    let mut elements = Vec::new();
    let mut dependencies = Vec::new();
    let mut current_dependency: Option<String> = None;
    let mut value = String::new();
    let attribute = |e: &quick_xml::events::BytesStart<'_>, name: &str| {
        e.attributes().flatten().find_map(|a| {
            (a.key.as_ref() == name).then(|| {
                a.normalized_value(quick_xml::XmlVersion::Implicit1_0)
                    .unwrap()
                    .into_owned()
            })
        })
    };
    loop {
        match reader.read_event().unwrap() {
            Event::Start(e) => {
                let name = e.local_name().as_ref().to_string();
                if name == "component" {
                    let tool = stack.iter().any(|s| s == "tools");
                    let parent = open
                        .iter()
                        .rev()
                        .flatten()
                        .next()
                        .and_then(|p| p.reference.clone());
                    open.push((!tool).then(|| Element {
                        reference: attribute(&e, "bom-ref"),
                        parent,
                        root: stack.iter().any(|s| s == "metadata"),
                        ..Element::default()
                    }));
                }
                if name == "dependency" && stack.last().map(String::as_str) == Some("dependencies")
                {
                    current_dependency = attribute(&e, "ref");
                }
                value.clear();
                stack.push(name);
            }
            Event::Empty(e) => {
                if e.local_name().as_ref() == "dependency"
                    && let (Some(from), Some(to)) = (&current_dependency, attribute(&e, "ref"))
                    && stack.last().map(String::as_str) == Some("dependency")
                {
                    dependencies.push((from.clone(), to, "normal"));
                }
            }
            Event::Text(t) => value.push_str(&t.xml10_content()),
            Event::GeneralRef(r) => value.push_str(
                quick_xml::escape::resolve_predefined_entity(&r).expect("a predefined entity"),
            ),
            Event::End(_) => {
                let name = stack.pop().unwrap();
                let in_component = stack.last().map(String::as_str) == Some("component");
                if in_component && let Some(Some(c)) = open.last_mut() {
                    let v = Some(value.trim().to_string());
                    match name.as_str() {
                        "name" => c.name = v,
                        "version" => c.version = v,
                        "purl" => c.purl = v,
                        _ => {}
                    }
                }
                if name == "component"
                    && let Some(Some(c)) = open.pop()
                {
                    elements.push(c);
                }
                if name == "dependency" && stack.last().map(String::as_str) == Some("dependencies")
                {
                    current_dependency = None;
                }
                value.clear();
            }
            Event::Eof => break,
            _ => {}
        }
    }
    Expected {
        elements,
        dependencies,
    }
}

/// How SPDX relationship types become edges (from the SPDX 2.3 specification, clause 11.1):
/// (the dependant is the first element, edge kind).
fn spdx_relationship(kind: &str) -> Option<(bool, &'static str)> {
    Some(match kind {
        "DEPENDS_ON" | "CONTAINS" => (true, "normal"),
        "DEPENDENCY_OF" | "RUNTIME_DEPENDENCY_OF" | "PREREQUISITE_FOR" => (false, "normal"),
        "OPTIONAL_DEPENDENCY_OF" => (false, "optional"),
        "BUILD_DEPENDENCY_OF" => (false, "build"),
        "DEV_DEPENDENCY_OF" | "TEST_DEPENDENCY_OF" => (false, "dev"),
        _ => return None,
    })
}

fn spdx_expected(
    elements: Vec<Element>,
    relationships: Vec<(String, String, String)>,
    describes: Vec<String>,
) -> Expected {
    let mut roots: BTreeSet<String> = describes.into_iter().collect();
    let mut dependencies = Vec::new();
    for (a, kind, b) in relationships {
        if kind == "DESCRIBES" && a == "SPDXRef-DOCUMENT" {
            roots.insert(b);
        } else if let Some((forward, edge)) = spdx_relationship(&kind) {
            let (from, to) = if forward { (a, b) } else { (b, a) };
            dependencies.push((from, to, edge));
        }
    }
    let elements = elements
        .into_iter()
        .map(|mut e| {
            e.root = e.reference.as_ref().is_some_and(|r| roots.contains(r));
            e
        })
        .collect();
    Expected {
        elements,
        dependencies,
    }
}

fn spdx_json(path: &Path) -> Expected {
    let doc: Value = serde_json::from_str(&read(path)).unwrap();
    let text = |v: &Value, k: &str| v[k].as_str().map(str::to_string);
    let elements = doc["packages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| Element {
            reference: text(p, "SPDXID"),
            name: text(p, "name"),
            version: text(p, "versionInfo"),
            purl: p["externalRefs"]
                .as_array()
                .into_iter()
                .flatten()
                .find(|r| r["referenceType"] == "purl")
                .and_then(|r| text(r, "referenceLocator")),
            ..Element::default()
        })
        .collect();
    let relationships = doc["relationships"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                text(r, "spdxElementId").unwrap(),
                text(r, "relationshipType").unwrap(),
                text(r, "relatedSpdxElement").unwrap(),
            )
        })
        .collect();
    let describes = doc["documentDescribes"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|d| d.as_str().unwrap().to_string())
        .collect();
    spdx_expected(elements, relationships, describes)
}

fn spdx_tag_value(path: &Path) -> Expected {
    let mut elements: Vec<Element> = Vec::new();
    let mut relationships = Vec::new();
    let mut in_package = false;
    for line in read(path).lines() {
        let Some((tag, value)) = line.split_once(": ") else {
            continue;
        };
        let value = value.trim().to_string();
        match tag {
            "PackageName" => {
                in_package = true;
                elements.push(Element {
                    name: Some(value),
                    ..Element::default()
                });
            }
            "FileName" | "LicenseID" | "SnippetSPDXID" => in_package = false,
            "SPDXID" if in_package => elements.last_mut().unwrap().reference = Some(value),
            "PackageVersion" => elements.last_mut().unwrap().version = Some(value),
            "ExternalRef" => {
                let parts: Vec<&str> = value.split_whitespace().collect();
                if parts[1] == "purl" {
                    elements.last_mut().unwrap().purl = Some(parts[2].to_string());
                }
            }
            "Relationship" => {
                let parts: Vec<&str> = value.split_whitespace().collect();
                relationships.push((
                    parts[0].to_string(),
                    parts[1].to_string(),
                    parts[2].to_string(),
                ));
            }
            _ => {}
        }
    }
    spdx_expected(elements, relationships, Vec::new())
}

fn expected(name: &str) -> Expected {
    let path = sbom(name);
    if name.ends_with(".spdx") {
        spdx_tag_value(&path)
    } else if name.ends_with(".xml") {
        cyclonedx_xml(&path)
    } else if name.contains("spdx") {
        spdx_json(&path)
    } else {
        cyclonedx_json(&path)
    }
}

/// Every readable fixture with the reader description fundament must give it.
const READABLE: &[(&str, &str)] = &[
    ("npm-cyclonedx-1.2.json", "CycloneDX 1.2 JSON"),
    ("npm-cyclonedx-1.2.xml", "CycloneDX 1.2 XML"),
    ("npm-cyclonedx-1.3.json", "CycloneDX 1.3 JSON"),
    ("npm-cyclonedx-1.3.xml", "CycloneDX 1.3 XML"),
    ("npm-cyclonedx-1.4.json", "CycloneDX 1.4 JSON"),
    ("npm-cyclonedx-1.4.xml", "CycloneDX 1.4 XML"),
    ("npm-cyclonedx-1.5.json", "CycloneDX 1.5 JSON"),
    ("npm-cyclonedx-1.5.xml", "CycloneDX 1.5 XML"),
    ("npm-cyclonedx-1.6.json", "CycloneDX 1.6 JSON"),
    ("npm-cyclonedx-1.6.xml", "CycloneDX 1.6 XML"),
    ("python-cyclonedx-1.6.json", "CycloneDX 1.6 JSON"),
    ("python-cyclonedx-1.5.xml", "CycloneDX 1.5 XML"),
    ("licences-cyclonedx-1.6.json", "CycloneDX 1.6 JSON"),
    ("licences-cyclonedx-1.6.xml", "CycloneDX 1.6 XML"),
    ("no-root-cyclonedx-1.4.json", "CycloneDX 1.4 JSON"),
    ("npm-spdx-2.3.json", "SPDX 2.3 JSON"),
    ("npm-spdx-2.3.spdx", "SPDX 2.3 tag-value"),
    ("spdx-2.2.json", "SPDX 2.2 JSON"),
    ("spdx-2.2.spdx", "SPDX 2.2 tag-value"),
];

// ---------------------------------------------------------------------------------------------
// Packages, identity, roots, edges

#[test]
fn every_component_or_package_becomes_one_package_with_its_purl_verbatim() {
    for (name, reader) in READABLE {
        let run = audit(name);
        let json = &run.json;
        let want = expected(name);
        let p = project(json);
        assert_eq!(p["kind"], "sbom", "{name}");
        assert_eq!(p["reader"], *reader, "{name}");
        assert_eq!(p["manifest"], *name, "{name}");
        assert_ne!(p["status"], "failed", "{name}: {p}");
        // Counts: every component or package except the described product, once.
        let others = want.other_purls();
        assert_eq!(
            json["summary"]["packages"].as_u64().unwrap() as usize,
            others.len(),
            "{name}"
        );
        assert_eq!(
            purls(json, false),
            others,
            "{name}: purls are kept verbatim"
        );
        assert_eq!(purls(json, true), want.root_purls(), "{name}: roots");
        // The project's roots are exactly the root packages.
        let root_indices: BTreeSet<u64> = p["roots"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r.as_u64().unwrap())
            .collect();
        let marked: BTreeSet<u64> = packages(json)
            .iter()
            .enumerate()
            .filter(|(_, p)| p["root"] == true)
            .map(|(i, _)| i as u64)
            .collect();
        assert_eq!(root_indices, marked, "{name}");
        // Every package was evaluated.
        for package in packages(json) {
            assert!(
                package["verdict"]["status"].is_string(),
                "{name}: {package}"
            );
        }
    }
}

#[test]
fn edges_are_the_sboms_dependencies_and_relationships() {
    for (name, _) in READABLE {
        let json = audit(name).json;
        let want = expected(name);
        let got = edges(&json);
        if name.contains("spdx") {
            assert_eq!(got, want.edges(), "{name}: edges with their kinds");
        } else {
            // CycloneDX edges are plain; their kind comes from the target's own scope
            // (checked below), so only the pairs are compared here.
            assert_eq!(without_kind(&got), without_kind(&want.edges()), "{name}");
        }
        assert!(!got.is_empty(), "{name} has edges");
    }
}

#[test]
fn xml_and_json_of_the_same_bom_give_the_same_packages() {
    // The licence terms, order aside (the XML converter wrote `AND`ed ids in another order).
    let terms =
        |raw: &str| -> BTreeSet<String> { raw.split_whitespace().map(str::to_string).collect() };
    type Summary = BTreeMap<String, (String, bool, Vec<BTreeSet<String>>, BTreeSet<String>)>;
    let summary = |json: &Value| -> Summary {
        packages(json)
            .iter()
            .map(|p| {
                (
                    format!(
                        "{} {}",
                        p["name"].as_str().unwrap(),
                        p["version"].as_str().unwrap()
                    ),
                    (
                        p["scope"].as_str().unwrap().to_string(),
                        p["optional"].as_bool().unwrap(),
                        declared(p).iter().map(|(raw, _)| terms(raw)).collect(),
                        terms(concluded(p)),
                    ),
                )
            })
            .collect()
    };
    for version in ["1.2", "1.3", "1.4", "1.5", "1.6"] {
        let json = audit(&format!("npm-cyclonedx-{version}.json")).json;
        let xml = audit(&format!("npm-cyclonedx-{version}.xml")).json;
        assert_eq!(summary(&json), summary(&xml), "CycloneDX {version}");
        assert_eq!(edges(&json), edges(&xml), "CycloneDX {version}");
    }
    let json = audit("licences-cyclonedx-1.6.json").json;
    let xml = audit("licences-cyclonedx-1.6.xml").json;
    assert_eq!(summary(&json), summary(&xml));
}

#[test]
fn roots_come_from_metadata_component_and_describes() {
    let json = audit("licences-cyclonedx-1.6.json").json;
    let roots: BTreeSet<String> = packages(&json)
        .iter()
        .filter(|p| p["root"] == true)
        .map(|p| p["name"].as_str().unwrap().to_string())
        .collect();
    // metadata.component and the component nested in it.
    assert_eq!(
        roots,
        BTreeSet::from([
            "de.stadt.example:fachverfahren".to_string(),
            "de.stadt.example:fachverfahren-core".to_string()
        ])
    );
    let root = by_purl(&json, "pkg:maven/de.stadt.example/fachverfahren@2.1.0");
    assert_eq!(concluded(root), "EUPL-1.2");
    assert_eq!(root["verdict"]["status"], "project");

    let json = audit("spdx-2.2.json").json;
    let root = by_name(&json, "melderegister-client", "1.4.0");
    assert_eq!(root["root"], true, "documentDescribes / DESCRIBES");
    assert_eq!(root["purl"], "pkg:generic/melderegister-client@1.4.0");
    assert_eq!(purls(&json, true).len(), 1);
}

#[test]
fn an_sbom_without_a_described_product_still_gets_every_package_evaluated() {
    let name = "no-root-cyclonedx-1.4.json";
    let run = audit(name);
    let json = &run.json;
    let want = expected(name);
    assert!(project(json)["roots"].as_array().unwrap().is_empty());
    assert_eq!(purls(json, true), BTreeSet::new());
    assert_eq!(purls(json, false), want.other_purls());
    for p in packages(json) {
        assert_eq!(p["scope"], "runtime", "{p}");
        assert_eq!(p["verdict"]["status"], "allowed", "{p}");
        assert_eq!(concluded(p), "BSD-3-Clause");
    }
    assert_eq!(json["summary"]["outcome"], "pass");
    assert_eq!(run.code, 0, "{}", run.stderr);
}

#[test]
fn purls_give_the_ecosystem_and_its_style_of_name() {
    let json = audit("licences-cyclonedx-1.6.json").json;
    let cases = [
        (
            "pkg:maven/org.jsoup/jsoup@1.18.1?type=jar",
            "maven",
            "org.jsoup:jsoup",
            "1.18.1",
        ),
        (
            "pkg:npm/%40angular/core@17.0.0",
            "npm",
            "@angular/core",
            "17.0.0",
        ),
        (
            "pkg:composer/symfony/console@v6.4.1",
            "composer",
            "symfony/console",
            "v6.4.1",
        ),
        (
            "pkg:golang/github.com/spf13/cobra@v1.8.0",
            "golang",
            "github.com/spf13/cobra",
            "v1.8.0",
        ),
        (
            "pkg:deb/debian/libc6@2.36-9+deb12u4?arch=amd64&distro=debian-12",
            "generic",
            "debian/libc6",
            "2.36-9+deb12u4",
        ),
        (
            "pkg:generic/legacy-pdf-lib@4.2",
            "generic",
            "legacy-pdf-lib",
            "4.2",
        ),
        ("pkg:generic/fontbox@4.2", "generic", "fontbox", "4.2"),
    ];
    for (purl, ecosystem, name, version) in cases {
        let p = by_purl(&json, purl);
        assert_eq!(p["ecosystem"], ecosystem, "{purl}");
        assert_eq!(p["name"], name, "{purl}");
        assert_eq!(p["version"], version, "{purl}");
    }
    // The XML of the same BOM writes the Debian purl with `+` encoded; it is kept as written.
    let xml = audit("licences-cyclonedx-1.6.xml").json;
    let p = by_purl(
        &xml,
        "pkg:deb/debian/libc6@2.36-9%2Bdeb12u4?arch=amd64&distro=debian-12",
    );
    assert_eq!(p["name"], "debian/libc6");
}

#[test]
fn checksums_and_sources_come_from_hashes_and_references() {
    let path = sbom("licences-cyclonedx-1.6.json");
    let bom: Value = serde_json::from_str(&read(&path)).unwrap();
    let jsoup_file = &bom["components"][0];
    let sha512 = jsoup_file["hashes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|h| h["alg"] == "SHA-512")
        .unwrap()["content"]
        .as_str()
        .unwrap();
    let json = audit("licences-cyclonedx-1.6.json").json;
    let jsoup = by_purl(&json, "pkg:maven/org.jsoup/jsoup@1.18.1?type=jar");
    assert_eq!(
        jsoup["checksum"],
        format!("SHA-512:{sha512}"),
        "the strongest hash"
    );
    assert_eq!(jsoup["source"]["kind"], "registry");
    assert_eq!(
        jsoup["source"]["url"], jsoup_file["externalReferences"][0]["url"],
        "the distribution reference"
    );
    let legacy = by_purl(&json, "pkg:generic/legacy-pdf-lib@4.2");
    assert_eq!(legacy["source"]["kind"], "git");
    assert_eq!(
        legacy["source"]["url"],
        "https://git.example/legacy/pdf.git"
    );

    // cyclonedx-npm puts the hash on the distribution reference.
    let json = audit("npm-cyclonedx-1.6.json").json;
    let ws = by_name(&json, "ws", "8.23.0");
    assert!(
        ws["checksum"].as_str().unwrap().starts_with("SHA-512:"),
        "{ws}"
    );

    // SPDX: SHA256 over SHA1, written with CycloneDX's algorithm name.
    let doc: Value = serde_json::from_str(&read(&sbom("spdx-2.2.json"))).unwrap();
    let requests_file = &doc["packages"][1];
    let sha256 = requests_file["checksums"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["algorithm"] == "SHA256")
        .unwrap()["checksumValue"]
        .as_str()
        .unwrap();
    for name in ["spdx-2.2.json", "spdx-2.2.spdx"] {
        let json = audit(name).json;
        let requests = by_purl(&json, "pkg:pypi/requests@2.32.3");
        assert_eq!(requests["checksum"], format!("SHA-256:{sha256}"), "{name}");
        assert_eq!(requests["source"]["url"], requests_file["downloadLocation"]);
        let zlib = by_name(&json, "zlib", "1.3.1");
        assert_eq!(
            zlib["source"]["kind"], "url",
            "{name}: no purl, a download URL"
        );
    }
}

// ---------------------------------------------------------------------------------------------
// Scopes

#[test]
fn spdx_dev_build_and_optional_relationships_give_kinds_and_scopes() {
    for name in ["npm-spdx-2.3.json", "npm-spdx-2.3.spdx"] {
        let json = audit(name).json;
        let root = by_name(&json, "npm-flags-fixture", "1.0.0")["purl"]
            .as_str()
            .unwrap()
            .to_string();
        let got = edges(&json);
        for dev in ["is-number 7.0.0", "is-odd 3.0.1"] {
            let (n, v) = dev.split_once(' ').unwrap();
            let p = by_name(&json, n, v);
            let edge = (
                root.clone(),
                p["purl"].as_str().unwrap().to_string(),
                "dev".into(),
            );
            assert!(
                got.contains(&edge),
                "{name}: DEV_DEPENDENCY_OF gives a dev edge to {dev}"
            );
            assert_eq!(p["scope"], "dev", "{name}: {dev}");
        }
        // Reached only through a dev dependency.
        assert_eq!(
            by_name(&json, "is-number", "6.0.0")["scope"],
            "dev",
            "{name}"
        );
        let fsevents = by_name(&json, "fsevents", "2.3.3");
        assert_eq!(fsevents["optional"], true, "{name}: OPTIONAL_DEPENDENCY_OF");
        assert_eq!(fsevents["scope"], "runtime", "{name}");
        assert_eq!(by_name(&json, "ws", "8.23.0")["scope"], "runtime", "{name}");
    }
    for name in ["spdx-2.2.json", "spdx-2.2.spdx"] {
        let json = audit(name).json;
        assert_eq!(
            by_name(&json, "pytest", "8.3.2")["scope"],
            "dev",
            "TEST_DEPENDENCY_OF"
        );
        assert_eq!(
            by_name(&json, "flake8", "7.1.1")["scope"],
            "dev",
            "DEV_DEPENDENCY_OF"
        );
        assert_eq!(
            by_name(&json, "setuptools", "72.1.0")["scope"],
            "build",
            "BUILD_DEPENDENCY_OF"
        );
        assert_eq!(by_name(&json, "chardet", "5.2.0")["optional"], true);
        assert_eq!(by_name(&json, "kerberos-client", "3.1")["scope"], "runtime");
        assert_eq!(
            by_name(&json, "zlib", "1.3.1")["scope"],
            "runtime",
            "CONTAINS"
        );
    }
}

#[test]
fn cyclonedx_scope_and_the_npm_development_property_set_scopes() {
    for name in ["licences-cyclonedx-1.6.json", "licences-cyclonedx-1.6.xml"] {
        let json = audit(name).json;
        // `scope: excluded` is not needed at runtime.
        let junit = by_name(&json, "junit:junit", "4.13.2");
        assert_eq!(junit["scope"], "dev", "{name}");
        assert_eq!(
            by_name(&json, "org.hamcrest:hamcrest-core", "1.3")["scope"],
            "dev"
        );
        let root = by_purl(&json, "pkg:maven/de.stadt.example/fachverfahren@2.1.0");
        let kinds: BTreeMap<String, String> = root["dependencies"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| {
                let target = &packages(&json)[d["package"].as_u64().unwrap() as usize];
                (
                    target["name"].as_str().unwrap().to_string(),
                    d["kind"].as_str().unwrap().to_string(),
                )
            })
            .collect();
        assert_eq!(kinds["junit:junit"], "dev", "{name}");
        assert_eq!(kinds["net.java.dev.jna:jna"], "optional", "{name}");
        assert_eq!(kinds["org.jsoup:jsoup"], "normal", "{name}");
        let jna = by_name(&json, "net.java.dev.jna:jna", "5.14.0");
        assert_eq!(
            (jna["optional"].as_bool(), jna["scope"].as_str()),
            (Some(true), Some("runtime"))
        );
    }
    // cyclonedx-npm marks dev dependencies with `cdx:npm:package:development` from 1.3 on
    // (1.2 has no properties).
    for version in ["1.3", "1.4", "1.5", "1.6"] {
        for ext in ["json", "xml"] {
            let name = format!("npm-cyclonedx-{version}.{ext}");
            let text = read(&sbom(&name));
            assert!(text.contains("cdx:npm:package:development"), "{name}");
            let json = audit(&name).json;
            assert_eq!(
                by_name(&json, "is-number", "7.0.0")["scope"],
                "dev",
                "{name}"
            );
            assert_eq!(
                by_name(&json, "is-number", "6.0.0")["scope"],
                "dev",
                "{name}"
            );
            assert_eq!(by_name(&json, "ws", "8.23.0")["scope"], "runtime", "{name}");
            assert_eq!(
                by_name(&json, "fsevents", "2.3.3")["optional"],
                true,
                "{name}"
            );
        }
    }
    let json = audit("npm-cyclonedx-1.2.json").json;
    assert_eq!(by_name(&json, "is-number", "7.0.0")["scope"], "runtime");
}

// ---------------------------------------------------------------------------------------------
// Licences

#[test]
fn cyclonedx_declared_and_concluded_are_kept_apart_and_the_concluded_is_used() {
    for (name, field) in [
        ("licences-cyclonedx-1.6.json", "components[0].licenses"),
        (
            "licences-cyclonedx-1.6.xml",
            "/bom/components/component[5]/licenses",
        ),
    ] {
        let json = audit(name).json;
        let jsoup = by_name(&json, "org.jsoup:jsoup", "1.18.1");
        assert_eq!(
            declared(jsoup),
            vec![
                ("BSD-3-Clause".to_string(), format!("{field} (concluded)")),
                ("MIT".to_string(), format!("{field} (declared)")),
            ],
            "{name}"
        );
        for d in jsoup["licence"]["declared"].as_array().unwrap() {
            assert_eq!(d["origin"]["file"], name);
        }
        assert_eq!(
            concluded(jsoup),
            "BSD-3-Clause",
            "{name}: the concluded licence"
        );
        assert!(
            jsoup["licence"]["concluded"]["explanation"]
                .as_str()
                .unwrap()
                .contains("(concluded)"),
            "{jsoup}"
        );
        let mismatch: Vec<&Value> = findings(&json, "L007")
            .into_iter()
            .filter(|f| f["package"] == jsoup["purl"])
            .collect();
        assert_eq!(mismatch.len(), 1, "{name}: L007 when they disagree");
        assert_eq!(mismatch[0]["severity"], "warning");
        assert!(mismatch[0]["message"].as_str().unwrap().contains("MIT"));

        // A concluded expression.
        let angular = by_name(&json, "@angular/core", "17.0.0");
        assert_eq!(declared(angular)[0].0, "Apache-2.0 OR MIT");
        assert!(declared(angular)[0].1.ends_with("(concluded)"), "{name}");
        assert_eq!(concluded(angular), "Apache-2.0 OR MIT");
        // A name only.
        let text = by_name(&json, "org.apache.commons:commons-text", "1.12.0");
        assert_eq!(declared(text)[0].0, "Apache License 2.0", "{name}");
        assert!(declared(text)[0].1.ends_with("name (declared)"), "{name}");
        assert_eq!(concluded(text), "Apache-2.0");
        // Several ids in one list all apply.
        let console = by_name(&json, "symfony/console", "v6.4.1");
        assert_eq!(declared(console).len(), 1, "{name}");
        assert!(
            ["MIT AND BSD-3-Clause", "BSD-3-Clause AND MIT"]
                .contains(&declared(console)[0].0.as_str()),
            "{name}: {console}"
        );
        // No licence at all: reported as not in the input.
        let cobra = by_name(&json, "github.com/spf13/cobra", "v1.8.0");
        assert!(declared(cobra).is_empty());
        assert_eq!(
            cobra["licence_unavailable"],
            "the SBOM records no licence for this component"
        );
        assert!(
            findings(&json, "L009")
                .iter()
                .any(|f| f["package"] == cobra["purl"]),
            "{name}"
        );
    }
}

#[test]
fn spdx_concluded_declared_noassertion_none_and_licence_refs() {
    let path = sbom("npm-spdx-2.3.json");
    let doc: Value = serde_json::from_str(&read(&path)).unwrap();
    let index = |name: &str, version: &str| {
        doc["packages"]
            .as_array()
            .unwrap()
            .iter()
            .position(|p| p["name"] == name && p["versionInfo"] == version)
            .unwrap()
    };
    let json = audit("npm-spdx-2.3.json").json;

    // Concluded first, declared after, the concluded one used, L007 for the disagreement.
    let i = index("ws", "8.23.0");
    let ws = by_name(&json, "ws", "8.23.0");
    assert_eq!(
        declared(ws),
        vec![
            (
                doc["packages"][i]["licenseConcluded"]
                    .as_str()
                    .unwrap()
                    .to_string(),
                format!("packages[{i}].licenseConcluded")
            ),
            (
                doc["packages"][i]["licenseDeclared"]
                    .as_str()
                    .unwrap()
                    .to_string(),
                format!("packages[{i}].licenseDeclared")
            ),
        ]
    );
    assert_eq!(concluded(ws), "MIT AND BSD-3-Clause");
    assert!(
        findings(&json, "L007")
            .iter()
            .any(|f| f["package"] == ws["purl"])
    );

    // NOASSERTION is no evidence: only the declared licence remains.
    let i = index("is-odd", "3.0.1");
    assert_eq!(doc["packages"][i]["licenseConcluded"], "NOASSERTION");
    let is_odd = by_name(&json, "is-odd", "3.0.1");
    assert_eq!(
        declared(is_odd),
        vec![("MIT".to_string(), format!("packages[{i}].licenseDeclared"))]
    );
    assert_eq!(concluded(is_odd), "MIT");

    // NONE is kept, as the raw string, where it was said; NOASSERTION beside it is dropped.
    let i = index("ms", "2.0.0");
    let ms = by_name(&json, "ms", "2.0.0");
    assert_eq!(
        declared(ms),
        vec![(
            "NONE".to_string(),
            format!("packages[{i}].licenseConcluded")
        )]
    );
    assert_ne!(
        ms["verdict"]["status"], "allowed",
        "no licence is never a pass"
    );

    // A LicenseRef- defined in the document: its name and text are in the origin.
    let i = index("react", "19.3.1");
    let react = by_name(&json, "react", "19.3.1");
    let (raw, field) = &declared(react)[0];
    assert_eq!(raw, "MIT AND LicenseRef-react-notice");
    let extracted = &doc["hasExtractedLicensingInfos"][0];
    assert!(
        field.starts_with(&format!("packages[{i}].licenseConcluded; ")),
        "{field}"
    );
    assert!(
        field.contains(extracted["name"].as_str().unwrap()),
        "{field}"
    );
    assert!(field.contains("hasExtractedLicensingInfos[0]"), "{field}");
    let first_words: String = extracted["extractedText"]
        .as_str()
        .unwrap()
        .split_whitespace()
        .take(6)
        .collect::<Vec<_>>()
        .join(" ");
    assert!(field.contains(&first_words), "{field}");
}

#[test]
fn spdx_tag_value_licence_fields_name_their_lines() {
    let text = read(&sbom("npm-spdx-2.3.spdx"));
    let json = audit("npm-spdx-2.3.spdx").json;
    let ws = by_name(&json, "ws", "8.23.0");
    assert_eq!(
        declared(ws),
        vec![
            (
                "MIT AND BSD-3-Clause".to_string(),
                format!(
                    "PackageLicenseConcluded (line {})",
                    line_of(&text, "PackageLicenseConcluded: MIT AND BSD-3-Clause")
                )
            ),
            (
                "MIT".to_string(),
                format!(
                    "PackageLicenseDeclared (line {})",
                    line_of(&text, "PackageLicenseConcluded: MIT AND BSD-3-Clause") + 1
                )
            ),
        ]
    );
    assert_eq!(concluded(ws), "MIT AND BSD-3-Clause");
    let react = by_name(&json, "react", "19.3.1");
    let field = &declared(react)[0].1;
    assert!(
        field.contains(&format!(
            "defined in LicenseID (line {})",
            line_of(&text, "LicenseID: LicenseRef-react-notice")
        )),
        "{field}"
    );
    // The multi-line <text> value was read whole.
    assert!(field.contains("terms of the third-party notice"), "{field}");

    // SPDX 2.2: licenseInfoFromFiles, a declared NONE, an undefined-elsewhere LicenseRef.
    let text = read(&sbom("spdx-2.2.spdx"));
    let json = audit("spdx-2.2.spdx").json;
    let zlib = by_name(&json, "zlib", "1.3.1");
    assert!(declared(zlib).contains(&(
        "Zlib".to_string(),
        format!(
            "PackageLicenseInfoFromFiles (line {})",
            line_of(&text, "PackageLicenseInfoFromFiles: Zlib")
        )
    )));
    let kerberos = by_name(&json, "kerberos-client", "3.1");
    assert_eq!(declared(kerberos)[0].0, "NONE");
    let acme = by_name(&json, "acme/acme-crypto", "9.0.2");
    assert_eq!(acme["purl"], "pkg:generic/acme/acme-crypto@9.0.2");
    assert!(
        declared(acme)[0]
            .1
            .contains("ACME Crypto End User Licence Agreement")
    );
}

// ---------------------------------------------------------------------------------------------
// Problems in the input

#[test]
fn dangling_references_and_nameless_components_are_warnings_with_lines() {
    for name in [
        "licences-cyclonedx-1.6.json",
        "licences-cyclonedx-1.6.xml",
        "spdx-2.2.json",
        "spdx-2.2.spdx",
    ] {
        let text = read(&sbom(name));
        let run = audit(name);
        let json = &run.json;
        let want = expected(name);
        let dangling = want.dangling();
        assert_eq!(dangling.len(), 1, "{name}: {dangling:?}");
        let missing = dangling.iter().next().unwrap();
        let found = findings(json, "I007");
        assert_eq!(found.len(), 1, "{name}");
        let finding = found[0];
        assert_eq!(finding["severity"], "warning");
        assert!(
            finding["message"]
                .as_str()
                .unwrap()
                .contains(missing.as_str())
        );
        assert_eq!(finding["location"]["file"], name);
        let needle = if name.ends_with(".xml") {
            format!("ref=\"{missing}\"")
        } else if name.ends_with(".spdx") {
            format!("DEPENDS_ON {missing}")
        } else {
            format!("\"{missing}\"")
        };
        assert_eq!(
            finding["location"]["line"],
            line_of(&text, &needle),
            "{name}"
        );
        assert_eq!(project(json)["status"], "partial", "{name}");
        // A warning, not an input error: the audit is not incomplete because of it.
        assert_ne!(run.code, 2, "{name}: {}", run.stderr);
    }
    for name in ["licences-cyclonedx-1.6.json", "licences-cyclonedx-1.6.xml"] {
        let text = read(&sbom(name));
        let json = audit(name).json;
        let skipped: Vec<&Value> = findings(&json, "I001")
            .into_iter()
            .filter(|f| {
                f["message"]
                    .as_str()
                    .unwrap()
                    .contains("neither a name nor a purl")
            })
            .collect();
        assert_eq!(skipped.len(), 1, "{name}");
        assert_eq!(skipped[0]["severity"], "warning");
        let needle = if name.ends_with(".xml") {
            "bom-ref=\"nameless\""
        } else {
            "\"nameless\""
        };
        assert_eq!(
            skipped[0]["location"]["line"],
            line_of(&text, needle),
            "{name}"
        );
    }
}

/// Where the expected line is, computed from the file's text.
type LineOf = fn(&str) -> u64;

#[test]
fn malformed_sboms_are_errors_naming_file_and_line() {
    let cases: [(&str, LineOf); 4] = [
        ("malformed/truncated-cyclonedx-1.4.json", |t: &str| {
            t.lines().count() as u64
        }),
        ("malformed/mismatched-cyclonedx-1.5.xml", |t: &str| {
            line_of(t, "</nam>")
        }),
        ("malformed/unterminated-text-spdx-2.2.spdx", |t: &str| {
            line_of(t, "ExtractedText: <text>")
        }),
        ("malformed/wrong-type-spdx-2.2.json", |t: &str| {
            line_of(t, "\"versionInfo\": [")
        }),
    ];
    for (name, line) in cases {
        let text = read(&sbom(name));
        let run = audit(name);
        assert_eq!(run.code, 2, "{name}: exit 2 for bad input");
        let file = name.rsplit('/').next().unwrap();
        let errors = findings(&run.json, "I001");
        assert_eq!(errors.len(), 1, "{name}");
        let error = errors[0];
        assert_eq!(error["severity"], "error");
        assert_eq!(error["location"]["file"], file, "{name}");
        assert_eq!(error["location"]["line"], line(&text), "{name}: {error}");
        assert!(error["message"].as_str().unwrap().contains(file), "{error}");
        assert_eq!(project(&run.json)["status"], "failed");
        assert_eq!(run.json["summary"]["outcome"], "incomplete");
    }
}

#[test]
fn other_formats_and_versions_are_refused_naming_what_was_found() {
    let cases: [(&str, &str, LineOf); 5] = [
        (
            "unsupported/cyclonedx-1.8.json",
            "CycloneDX 1.8",
            |t: &str| line_of(t, "\"specVersion\""),
        ),
        (
            "unsupported/python-cyclonedx-1.1.xml",
            "CycloneDX 1.1",
            |t: &str| line_of(t, "<bom "),
        ),
        ("unsupported/spdx-2.1.spdx", "SPDX-2.1", |t: &str| {
            line_of(t, "SPDXVersion:")
        }),
        ("unsupported/spdx-3.0.jsonld", "SPDX 3", |t: &str| {
            line_of(t, "\"@context\"")
        }),
        (
            "unsupported/not-an-sbom.json",
            "neither CycloneDX",
            |_: &str| 1,
        ),
    ];
    for (name, what, line) in cases {
        let text = read(&sbom(name));
        let run = audit(name);
        assert_eq!(run.code, 2, "{name}");
        let file = name.rsplit('/').next().unwrap();
        let refused = findings(&run.json, "I003");
        assert_eq!(refused.len(), 1, "{name}: {}", run.json["findings"]);
        let finding = refused[0];
        assert_eq!(finding["severity"], "error");
        assert_eq!(finding["location"]["file"], file);
        assert_eq!(finding["location"]["line"], line(&text), "{name}");
        let message = finding["message"].as_str().unwrap();
        assert!(
            message.contains(file) && message.contains(what),
            "{message}"
        );
        assert!(
            finding["notes"][0]
                .as_str()
                .unwrap()
                .contains("CycloneDX 1.2 to 1.7"),
            "{finding}"
        );
        assert_eq!(project(&run.json)["status"], "failed");
    }
}

#[test]
fn components_without_a_version_are_listed_not_guessed() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("bom.json");
    std::fs::write(
        &path,
        r#"{
  "bomFormat": "CycloneDX",
  "specVersion": "1.5",
  "components": [
    { "type": "library", "bom-ref": "a", "name": "unpinned", "licenses": [{ "license": { "id": "MIT" } }] }
  ]
}"#,
    )
    .unwrap();
    let json = audit_sboms(&[&path], &[]).json;
    let p = by_purl(&json, "pkg:generic/unpinned");
    assert_eq!(p["locked"], false);
    assert_eq!(p["version"], "");
    let warning = findings(&json, "I010");
    assert_eq!(warning.len(), 1);
    assert_eq!(warning[0]["location"]["line"], 5);
}

// ---------------------------------------------------------------------------------------------
// With other projects

#[test]
fn sbom_combines_with_a_path_and_with_other_sboms() {
    let workspace = support::fixture("cargo/workspace");
    let file = sbom("npm-cyclonedx-1.6.json");
    let output = support::fundament()
        .arg("audit")
        .arg(&workspace)
        .arg("--sbom")
        .arg(&file)
        .args(["--format", "json", "--offline"])
        .output()
        .expect("fundament runs");
    let run = parse_run(output);
    let projects = run.json["projects"].as_array().unwrap();
    assert_eq!(projects.len(), 2, "{}", run.json["projects"]);
    let kinds: BTreeSet<&str> = projects
        .iter()
        .map(|p| p["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, BTreeSet::from(["cargo", "sbom"]));
    let sbom_project = projects.iter().find(|p| p["kind"] == "sbom").unwrap();
    assert_eq!(sbom_project["reader"], "CycloneDX 1.6 JSON");
    assert!(
        sbom_project["manifest"]
            .as_str()
            .unwrap()
            .ends_with("npm-cyclonedx-1.6.json")
    );
    let want = expected("npm-cyclonedx-1.6.json");
    let all: BTreeSet<String> = packages(&run.json)
        .iter()
        .map(|p| p["purl"].as_str().unwrap().to_string())
        .collect();
    assert!(
        want.other_purls().is_subset(&all),
        "every SBOM package is audited"
    );
    assert!(
        all.iter().any(|p| p.starts_with("pkg:cargo/")),
        "and the Cargo packages"
    );
    assert_ne!(run.code, 2, "{}", run.stderr);

    // Two SBOMs, no PATH: two projects.
    let run = audit_sboms(&[&file, &sbom("spdx-2.2.json")], &[]);
    let readers: Vec<&str> = run.json["projects"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["reader"].as_str().unwrap())
        .collect();
    assert_eq!(readers, vec!["CycloneDX 1.6 JSON", "SPDX 2.2 JSON"]);
}
