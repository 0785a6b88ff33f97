//! The machine-readable reports: `--format sarif`, `--format cyclonedx` and `--format spdx`.
//!
//! Every report is validated against the official JSON schema, vendored under
//! tests/fixtures/schemas (see its README.md for where each file comes from; nothing is fetched
//! at test time). Content is checked against the same audit's `--format json` report: the
//! counts, purls, licences, hashes and edges the SBOMs carry are computed from the audit (and,
//! for hashes and lines, from the input files), so that the tests state the rule rather than a
//! copy of today's output. Snapshots pin the full text of each format on the Cargo workspace
//! fixture.

#[path = "../support/mod.rs"]
mod support;

mod cyclonedx;
mod sarif;
mod spdx_document;
mod valid_reports;
mod vetting;
mod vulnerabilities;

use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::sync::LazyLock;
use support::{audit_json, fixture, fundament, shared_fixture};

// ---------------------------------------------------------------------------------------------
// Running the binary

/// What to audit: a directory, or SBOM files without a directory.
#[derive(Clone)]
enum Input {
    Dir(PathBuf),
    Sbom(PathBuf),
    /// A directory under a policy file.
    WithPolicy(PathBuf, PathBuf),
}

impl Input {
    fn args(&self) -> Vec<std::ffi::OsString> {
        match self {
            Input::Dir(dir) => vec![dir.into(), "--offline".into()],
            Input::Sbom(file) => vec!["--sbom".into(), file.into()],
            Input::WithPolicy(dir, policy) => vec![
                dir.into(),
                "--offline".into(),
                "--policy".into(),
                policy.into(),
            ],
        }
    }
}

fn dir(path: &str) -> Input {
    Input::Dir(fixture(path))
}

fn sbom(name: &str) -> Input {
    Input::Sbom(fixture(&format!("sbom/{name}")))
}

/// The report's text and exit code.
fn run(input: &Input, format: &str) -> (i32, String) {
    let output = fundament()
        .arg("audit")
        .args(input.args())
        .args(["--format", format])
        .output()
        .expect("fundament runs");
    (
        output.status.code().expect("an exit code"),
        String::from_utf8(output.stdout).expect("UTF-8 output"),
    )
}

fn report(input: &Input, format: &str) -> Value {
    let (_, text) = run(input, format);
    serde_json::from_str(&text)
        .unwrap_or_else(|e| panic!("the {format} report is not JSON ({e}):\n{text}"))
}

/// The same audit as `--format json`.
fn audit(input: &Input) -> Value {
    match input {
        Input::Dir(dir) => audit_json(dir, &["--offline"]).json,
        Input::WithPolicy(dir, policy) => {
            audit_json(dir, &["--offline", "--policy", policy.to_str().unwrap()]).json
        }
        Input::Sbom(file) => {
            let output = fundament()
                .arg("audit")
                .arg("--sbom")
                .arg(file)
                .args(["--format", "json"])
                .output()
                .expect("fundament runs");
            serde_json::from_slice(&output.stdout).expect("the JSON report")
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The official schemas

fn schema(path: &str) -> Value {
    let file = fixture(&format!("schemas/{path}"));
    let text = std::fs::read_to_string(&file)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", file.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{} is not JSON: {e}", file.display()))
}

/// CycloneDX 1.6 refers to its SPDX licence-id and JSF schemas by relative URI; they are served
/// from the vendored files, and anything else fails instead of being fetched.
static CYCLONEDX_REGISTRY: LazyLock<jsonschema::Registry<'static>> = LazyLock::new(|| {
    let base = "http://cyclonedx.org/schema";
    jsonschema::Registry::new()
        .add(
            format!("{base}/spdx.SNAPSHOT.schema.json"),
            schema("cyclonedx/spdx.SNAPSHOT.schema.json"),
        )
        .and_then(|r| {
            r.add(
                format!("{base}/jsf-0.82.SNAPSHOT.schema.json"),
                schema("cyclonedx/jsf-0.82.SNAPSHOT.schema.json"),
            )
        })
        .and_then(|r| r.prepare())
        .expect("the CycloneDX schemas load")
});

static CYCLONEDX: LazyLock<jsonschema::Validator> = LazyLock::new(|| {
    jsonschema::options()
        .offline()
        .with_registry(&CYCLONEDX_REGISTRY)
        .should_validate_formats(true)
        .build(&schema("cyclonedx/bom-1.6.SNAPSHOT.schema.json"))
        .expect("the CycloneDX 1.6 schema compiles")
});

static SPDX: LazyLock<jsonschema::Validator> = LazyLock::new(|| {
    jsonschema::options()
        .offline()
        .should_validate_formats(true)
        .build(&schema("spdx/spdx-schema-2.3.json"))
        .expect("the SPDX 2.3 schema compiles")
});

/// The official SARIF 2.1.0 schema's `language` patterns (of `run` and `toolComponent`) have an
/// unescaped `]` (`^[a-zA-Z]{2}|^[a-zA-Z]{2}-[a-zA-Z]{2}]?$`): a literal in ECMAScript's
/// non-Unicode mode, but an error in the Unicode mode the validator checks `regex` formats in.
/// They are escaped here, in memory, which keeps their meaning; the vendored file is unchanged.
static SARIF: LazyLock<jsonschema::Validator> = LazyLock::new(|| {
    fn escape_stray_bracket(value: &mut Value, fixed: &mut usize) {
        match value {
            Value::Object(map) => {
                for (key, v) in map.iter_mut() {
                    if key == "pattern" && v == "^[a-zA-Z]{2}|^[a-zA-Z]{2}-[a-zA-Z]{2}]?$" {
                        *v = Value::from(r"^[a-zA-Z]{2}|^[a-zA-Z]{2}-[a-zA-Z]{2}\]?$");
                        *fixed += 1;
                    } else {
                        escape_stray_bracket(v, fixed);
                    }
                }
            }
            Value::Array(items) => items
                .iter_mut()
                .for_each(|v| escape_stray_bracket(v, fixed)),
            _ => {}
        }
    }
    let mut sarif = schema("sarif/sarif-schema-2.1.0.json");
    let mut fixed = 0;
    escape_stray_bracket(&mut sarif, &mut fixed);
    assert_eq!(fixed, 2, "the two `language` patterns");
    jsonschema::options()
        .offline()
        .should_validate_formats(true)
        .build(&sarif)
        .expect("the SARIF 2.1.0 schema compiles")
});

fn assert_valid(validator: &jsonschema::Validator, document: &Value, what: &str) {
    let errors: Vec<String> = validator
        .iter_errors(document)
        .take(10)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "{what} does not validate against its schema:\n{}",
        errors.join("\n")
    );
}

/// All three formats of one audit, each validated, plus the audit itself.
struct Reports {
    audit: Value,
    cyclonedx: Value,
    spdx: Value,
    sarif: Value,
}

fn reports(input: &Input, name: &str) -> Reports {
    let cyclonedx = report(input, "cyclonedx");
    assert_valid(
        &CYCLONEDX,
        &cyclonedx,
        &format!("the CycloneDX SBOM of {name}"),
    );
    let spdx = report(input, "spdx");
    assert_valid(&SPDX, &spdx, &format!("the SPDX document of {name}"));
    let sarif = report(input, "sarif");
    assert_valid(&SARIF, &sarif, &format!("the SARIF log of {name}"));
    let reports = Reports {
        audit: audit(input),
        cyclonedx,
        spdx,
        sarif,
    };
    check_general_rules(&reports, name);
    reports
}

/// What must hold for every audit: one component, SPDX package and edge per audited package and
/// edge, one SARIF result per finding, every LicenseRef defined, no deprecated SPDX id.
fn check_general_rules(r: &Reports, name: &str) {
    let packages = array(&r.audit["packages"]);
    let purls: BTreeSet<String> = packages.iter().map(|p| string(&p["purl"])).collect();

    // CycloneDX: every package once, with its purl.
    let components = all_components(&r.cyclonedx);
    let package_components: Vec<&Value> = components
        .iter()
        .copied()
        .filter(|c| c.get("purl").is_some())
        .collect();
    assert_eq!(
        package_components.len(),
        packages.len(),
        "{name}: components"
    );
    let component_purls: BTreeSet<String> = package_components
        .iter()
        .map(|c| string(&c["purl"]))
        .collect();
    assert_eq!(component_purls, purls, "{name}: component purls");
    let refs: Vec<String> = components.iter().map(|c| string(&c["bom-ref"])).collect();
    let unique: BTreeSet<&String> = refs.iter().collect();
    assert_eq!(unique.len(), refs.len(), "{name}: bom-refs are unique");

    // CycloneDX: the dependency graph is the audit's.
    assert_eq!(
        cyclonedx_edges(&r.cyclonedx),
        audit_edges(&r.audit),
        "{name}: CycloneDX dependencies"
    );
    let listed: BTreeSet<String> = array(&r.cyclonedx["dependencies"])
        .iter()
        .map(|d| string(&d["ref"]))
        .collect();
    assert_eq!(
        listed,
        refs.iter().cloned().collect::<BTreeSet<_>>(),
        "{name}: every component has a dependencies entry"
    );

    // SPDX: every package once, every edge once.
    let spdx_packages = array(&r.spdx["packages"]);
    assert_eq!(spdx_packages.len(), packages.len(), "{name}: SPDX packages");
    let ids: BTreeSet<String> = spdx_packages.iter().map(|p| string(&p["SPDXID"])).collect();
    assert_eq!(
        ids.len(),
        spdx_packages.len(),
        "{name}: SPDX ids are unique"
    );
    for id in &ids {
        // The pattern of the SPDX 2.3.1 schema (the 2.3 schema has none).
        let rest = id.strip_prefix("SPDXRef-").unwrap_or_default();
        assert!(
            !rest.is_empty()
                && rest
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-'),
            "{name}: SPDX id {id}"
        );
    }
    let spdx_purls: BTreeSet<String> = spdx_packages
        .iter()
        .map(|p| string(&p["externalRefs"][0]["referenceLocator"]))
        .collect();
    assert_eq!(spdx_purls, purls, "{name}: SPDX purls");
    assert_eq!(
        spdx_edges(&r.spdx),
        audit_edges(&r.audit),
        "{name}: SPDX relationships"
    );

    // SPDX: licence expressions are SPDX 2.3 with every LicenseRef defined.
    let defined: BTreeSet<String> = r.spdx["hasExtractedLicensingInfos"]
        .as_array()
        .map(|infos| infos.iter().map(|i| string(&i["licenseId"])).collect())
        .unwrap_or_default();
    let mut used = BTreeSet::new();
    for p in spdx_packages {
        for field in ["licenseConcluded", "licenseDeclared"] {
            let expression = string(&p[field]);
            if expression == "NOASSERTION" {
                continue;
            }
            spdx::Expression::parse(&expression)
                .unwrap_or_else(|e| panic!("{name}: {field} `{expression}` is not SPDX: {e}"));
            for token in expression.split(|c: char| c.is_whitespace() || c == '(' || c == ')') {
                let token = token.trim_end_matches('+');
                if token.starts_with("LicenseRef-") {
                    used.insert(token.to_string());
                } else if let Some(id) = spdx::license_id(token) {
                    assert!(
                        !id.is_deprecated(),
                        "{name}: deprecated id {token} in {field}"
                    );
                }
            }
        }
    }
    assert_eq!(used, defined, "{name}: LicenseRefs used and defined");

    // SARIF: one result per finding, with its code.
    let findings = array(&r.audit["findings"]);
    let results = array(&r.sarif["runs"][0]["results"]);
    assert_eq!(results.len(), findings.len(), "{name}: SARIF results");
    for (result, finding) in results.iter().zip(findings) {
        assert_eq!(result["ruleId"], finding["code"], "{name}");
        assert_eq!(result["level"], finding["severity"], "{name}");
    }

    // The vetting: when indices were asked, every package other than the project's own carries
    // its status as a CycloneDX property, and every package with a decision in force one SPDX
    // review annotation.
    let asked = !array(&r.audit["vetting"]["indices"]).is_empty();
    for p in packages {
        let purl = string(&p["purl"]);
        let status = property(component(&r.cyclonedx, &purl), "fundament:vetting:status");
        if asked && p["root"] == false {
            assert_eq!(
                status.as_deref(),
                p["vetting"]["status"].as_str(),
                "{name}: {purl}"
            );
        } else {
            assert_eq!(status, None, "{name}: {purl}");
        }
        let annotations = spdx_package(&r.spdx, &purl)["annotations"]
            .as_array()
            .map_or(0, Vec::len);
        let has_record = p["vetting"].get("record").is_some();
        assert_eq!(annotations, usize::from(has_record), "{name}: {purl}");
    }
}

#[test]
fn the_schemas_reject_what_they_should() {
    // The validators are not vacuous: the documents fundament must not write fail.
    let mut bom = report(&dir("npm/lockfile-v3"), "cyclonedx");
    assert!(CYCLONEDX.is_valid(&bom));
    // CycloneDX 1.6 takes one expression, not a declared and a concluded one.
    bom["components"][0]["licenses"] = serde_json::json!([
        {"expression": "MIT OR Apache-2.0", "acknowledgement": "declared"},
        {"expression": "MIT", "acknowledgement": "concluded"}
    ]);
    assert!(!CYCLONEDX.is_valid(&bom));
    let mut bom = report(&dir("npm/lockfile-v3"), "cyclonedx");
    bom["components"][0]["licenses"] =
        serde_json::json!([{"license": {"id": "Not-A-Licence", "acknowledgement": "declared"}}]);
    assert!(
        !CYCLONEDX.is_valid(&bom),
        "licence ids come from the SPDX list"
    );

    let mut doc = report(&dir("npm/lockfile-v3"), "spdx");
    assert!(SPDX.is_valid(&doc));
    doc["relationships"][0]["relationshipType"] = Value::from("LINKS_TO");
    assert!(!SPDX.is_valid(&doc));
    let mut doc = report(&dir("npm/lockfile-v3"), "spdx");
    doc["packages"][1]["checksums"][0]["algorithm"] = Value::from("SHA-512");
    assert!(!SPDX.is_valid(&doc), "SPDX spells it SHA512");

    // SPDX annotations need a comment, and their type is REVIEW or OTHER.
    let mut doc = report(&dir("npm/lockfile-v3"), "spdx");
    let annotation = serde_json::json!({
        "annotationDate": "2026-01-01T00:00:00Z", "annotationType": "REVIEW",
        "annotator": "Organization: Stadt Beispiel", "comment": "approved"
    });
    doc["packages"][1]["annotations"] = serde_json::json!([annotation.clone()]);
    assert!(SPDX.is_valid(&doc));
    doc["packages"][1]["annotations"][0]["annotationType"] = Value::from("APPROVAL");
    assert!(!SPDX.is_valid(&doc));
    doc["packages"][1]["annotations"][0] = annotation;
    doc["packages"][1]["annotations"][0]
        .as_object_mut()
        .unwrap()
        .remove("comment");
    assert!(!SPDX.is_valid(&doc));

    let mut log = report(&dir("cargo/workspace"), "sarif");
    assert!(SARIF.is_valid(&log));
    log["runs"][0]["results"][0]["level"] = Value::from("fatal");
    assert!(!SARIF.is_valid(&log));
}

// ---------------------------------------------------------------------------------------------
// Reading the reports

fn array(value: &Value) -> &Vec<Value> {
    value
        .as_array()
        .unwrap_or_else(|| panic!("not an array: {value}"))
}

fn string(value: &Value) -> String {
    value
        .as_str()
        .unwrap_or_else(|| panic!("not a string: {value}"))
        .to_string()
}

/// `metadata.component`, its nested components and `components`, depth first.
fn all_components(bom: &Value) -> Vec<&Value> {
    fn walk<'a>(c: &'a Value, out: &mut Vec<&'a Value>) {
        out.push(c);
        for nested in c["components"].as_array().into_iter().flatten() {
            walk(nested, out);
        }
    }
    let mut out = Vec::new();
    walk(&bom["metadata"]["component"], &mut out);
    for c in array(&bom["components"]) {
        walk(c, &mut out);
    }
    out
}

fn component<'a>(bom: &'a Value, purl: &str) -> &'a Value {
    all_components(bom)
        .into_iter()
        .find(|c| c["purl"] == purl)
        .unwrap_or_else(|| panic!("no component {purl}"))
}

/// The audit's edges as (from purl, to purl, kind).
fn audit_edges(audit: &Value) -> BTreeSet<(String, String)> {
    let packages = array(&audit["packages"]);
    packages
        .iter()
        .flat_map(|p| {
            array(&p["dependencies"]).iter().map(move |d| {
                let to = &packages[d["package"].as_u64().unwrap() as usize];
                (string(&p["purl"]), string(&to["purl"]))
            })
        })
        .collect()
}

/// The CycloneDX edges between packages (by purl), without the audited-directory component.
fn cyclonedx_edges(bom: &Value) -> BTreeSet<(String, String)> {
    let purl_of: HashMap<String, String> = all_components(bom)
        .into_iter()
        .filter_map(|c| Some((string(&c["bom-ref"]), c.get("purl")?.as_str()?.to_string())))
        .collect();
    array(&bom["dependencies"])
        .iter()
        .filter_map(|d| Some((purl_of.get(d["ref"].as_str()?)?, d)))
        .flat_map(|(from, d)| {
            array(&d["dependsOn"])
                .iter()
                .map(|to| (from.clone(), purl_of[to.as_str().unwrap()].clone()))
                .collect::<Vec<_>>()
        })
        .collect()
}

/// The SPDX dependency relationships as (dependent purl, dependency purl).
fn spdx_edges(doc: &Value) -> BTreeSet<(String, String)> {
    spdx_typed_edges(doc)
        .into_iter()
        .map(|(from, to, _)| (from, to))
        .collect()
}

/// (dependent purl, dependency purl, relationship type), read in each type's direction.
fn spdx_typed_edges(doc: &Value) -> BTreeSet<(String, String, String)> {
    let purl_of: HashMap<String, String> = array(&doc["packages"])
        .iter()
        .map(|p| {
            (
                string(&p["SPDXID"]),
                string(&p["externalRefs"][0]["referenceLocator"]),
            )
        })
        .collect();
    array(&doc["relationships"])
        .iter()
        .filter(|r| r["relationshipType"] != "DESCRIBES")
        .map(|r| {
            let a = purl_of[r["spdxElementId"].as_str().unwrap()].clone();
            let b = purl_of[r["relatedSpdxElement"].as_str().unwrap()].clone();
            let kind = string(&r["relationshipType"]);
            if kind == "DEPENDS_ON" {
                (a, b, kind)
            } else {
                (b, a, kind)
            }
        })
        .collect()
}

fn spdx_package<'a>(doc: &'a Value, purl: &str) -> &'a Value {
    array(&doc["packages"])
        .iter()
        .find(|p| p["externalRefs"][0]["referenceLocator"] == purl)
        .unwrap_or_else(|| panic!("no SPDX package {purl}"))
}

/// (id or name or expression, acknowledgement) of a licence list.
fn licences(list: &Value) -> Vec<(String, String)> {
    list.as_array()
        .into_iter()
        .flatten()
        .map(|entry| {
            let text = entry["license"]["id"]
                .as_str()
                .or(entry["license"]["name"].as_str())
                .or(entry["expression"].as_str())
                .unwrap_or_default()
                .to_string();
            let ack = entry["license"]["acknowledgement"]
                .as_str()
                .or(entry["acknowledgement"].as_str())
                .unwrap_or_default()
                .to_string();
            (text, ack)
        })
        .collect()
}

fn property(component: &Value, name: &str) -> Option<String> {
    component["properties"]
        .as_array()?
        .iter()
        .find(|p| p["name"] == name)
        .map(|p| string(&p["value"]))
}

fn base64_to_hex(text: &str) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut bits: Vec<bool> = Vec::new();
    for c in text.trim_end_matches('=').bytes() {
        let value = ALPHABET.iter().position(|&a| a == c).expect("base64");
        bits.extend((0..6).rev().map(|i| value >> i & 1 == 1));
    }
    bits.chunks_exact(8)
        .map(|byte| byte.iter().fold(0u8, |acc, &b| acc << 1 | u8::from(b)))
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The 1-based line of the first line of `file` that contains `needle`.
fn line_containing(file: &Path, needle: &str) -> usize {
    std::fs::read_to_string(file)
        .unwrap()
        .lines()
        .position(|l| l.contains(needle))
        .unwrap_or_else(|| panic!("{needle} not in {}", file.display()))
        + 1
}

fn location(result: &Value) -> (String, Option<u64>) {
    let physical = &result["locations"][0]["physicalLocation"];
    assert_eq!(physical["artifactLocation"]["uriBaseId"], "%SRCROOT%");
    (
        string(&physical["artifactLocation"]["uri"]),
        physical["region"]["startLine"].as_u64(),
    )
}

// ---------------------------------------------------------------------------------------------
// Snapshots and determinism

fn snapshot_text(format: &str) -> String {
    let input = dir("cargo/workspace");
    let (code, first) = run(&input, format);
    assert_eq!(code, 1, "the workspace fixture violates the default policy");
    let (_, second) = run(&input, format);
    assert_eq!(first, second, "two runs give the same {format} bytes");
    first.replace(env!("CARGO_MANIFEST_DIR"), "[checkout]")
}

#[test]
fn cyclonedx_snapshot() {
    // The snapshots of every test file live in tests/snapshots.
    insta::with_settings!({snapshot_path => "../snapshots"}, {
        insta::assert_snapshot!(snapshot_text("cyclonedx"));
    });
}

#[test]
fn spdx_snapshot() {
    // The snapshots of every test file live in tests/snapshots.
    insta::with_settings!({snapshot_path => "../snapshots"}, {
        insta::assert_snapshot!(snapshot_text("spdx"));
    });
}

#[test]
fn sarif_snapshot() {
    // The snapshots of every test file live in tests/snapshots.
    insta::with_settings!({snapshot_path => "../snapshots"}, {
        insta::assert_snapshot!(snapshot_text("sarif"));
    });
}

#[test]
fn serial_numbers_follow_the_content() {
    let a = report(&dir("npm/lockfile-v3"), "cyclonedx");
    let b = report(&dir("npm/lockfile-v2"), "cyclonedx");
    let serial = |bom: &Value| string(&bom["serialNumber"]);
    assert_ne!(
        serial(&a),
        serial(&b),
        "different audits, different serials"
    );
    assert_eq!(
        serial(&a),
        serial(&report(&dir("npm/lockfile-v3"), "cyclonedx"))
    );
    // Version 8 (custom, RFC 9562), RFC 4122 variant.
    let uuid = serial(&a);
    let uuid = uuid.strip_prefix("urn:uuid:").unwrap();
    assert_eq!(&uuid[14..15], "8");
    assert!(matches!(&uuid[19..20], "8" | "9" | "a" | "b"));
    // SPDX uses the same identifier in its namespace.
    let spdx = report(&dir("npm/lockfile-v3"), "spdx");
    assert!(string(&spdx["documentNamespace"]).ends_with(uuid));
}

#[test]
fn fundaments_own_sboms_read_back_to_the_same_packages() {
    // The SBOM reader (`--sbom`) on the SBOMs written here gives back the audit's packages,
    // concluded licences and edges.
    let input = dir("npm/lockfile-v3");
    let original = audit(&input);
    let temp = tempfile::tempdir().unwrap();
    for format in ["cyclonedx", "spdx"] {
        let (_, text) = run(&input, format);
        let file = temp.path().join(format!("sbom.{format}.json"));
        std::fs::write(&file, text).unwrap();
        let again = audit(&Input::Sbom(file));
        let licences = |json: &Value| -> BTreeMap<String, String> {
            array(&json["packages"])
                .iter()
                .map(|p| {
                    (
                        string(&p["purl"]),
                        string(&p["licence"]["concluded"]["expression"]),
                    )
                })
                .collect()
        };
        assert!(licences(&original).len() > 10);
        assert_eq!(licences(&again), licences(&original), "{format}");
        assert_eq!(audit_edges(&again), audit_edges(&original), "{format}");
    }
}
