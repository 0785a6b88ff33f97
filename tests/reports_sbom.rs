//! The machine-readable reports: `--format sarif`, `--format cyclonedx` and `--format spdx`.
//!
//! Every report is validated against the official JSON schema, vendored under
//! tests/fixtures/schemas (see its README.md for where each file comes from; nothing is fetched
//! at test time). Content is checked against the same audit's `--format json` report: the
//! counts, purls, licences, hashes and edges the SBOMs carry are computed from the audit (and,
//! for hashes and lines, from the input files), so that the tests state the rule rather than a
//! copy of today's output. Snapshots pin the full text of each format on the Cargo workspace
//! fixture.

mod support;

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

// ---------------------------------------------------------------------------------------------
// Schema validity on every kind of input

#[test]
fn the_cargo_workspace_gives_valid_reports() {
    reports(&dir("cargo/workspace"), "cargo/workspace");
}

#[test]
fn npm_fixtures_give_valid_reports() {
    for name in [
        "npm/lockfile-v3",
        "npm/lockfile-v1",
        "npm/installed",
        "npm/workspaces",
        "npm/truncated-lockfile",
    ] {
        reports(&dir(name), name);
    }
}

#[test]
fn imported_sboms_give_valid_reports() {
    for name in [
        "licences-cyclonedx-1.6.json",
        "npm-spdx-2.3.json",
        "spdx-2.2.json",
        "python-cyclonedx-1.6.json",
    ] {
        reports(&sbom(name), name);
    }
}

#[test]
fn the_nextcloud_deck_fixture_gives_valid_reports() {
    let Some(deck) = shared_fixture("nextcloud-deck") else {
        return;
    };
    let r = reports(&Input::Dir(deck), "nextcloud-deck");
    // npm and Composer side by side: two roots under the audited directory.
    let product = &r.cyclonedx["metadata"]["component"];
    assert_eq!(product["name"], "nextcloud-deck");
    assert_eq!(array(&product["components"]).len(), 2);
    // Every npm package with an SRI integrity gets its SHA-512.
    let with_sha512 = array(&r.audit["packages"])
        .iter()
        .filter(|p| {
            p["checksum"]
                .as_str()
                .is_some_and(|c| c.starts_with("sha512-"))
        })
        .count();
    let hashed = all_components(&r.cyclonedx)
        .into_iter()
        .filter(|c| {
            c["hashes"]
                .as_array()
                .is_some_and(|h| h.iter().any(|h| h["alg"] == "SHA-512"))
        })
        .count();
    assert!(with_sha512 > 1000);
    assert_eq!(hashed, with_sha512);
}

// ---------------------------------------------------------------------------------------------
// CycloneDX content

#[test]
fn cyclonedx_carries_declared_concluded_and_effective_licences() {
    let r = reports(&dir("cargo/workspace"), "cargo/workspace");
    let bom = &r.cyclonedx;
    assert_eq!(bom["bomFormat"], "CycloneDX");
    assert_eq!(bom["specVersion"], "1.6");
    assert_eq!(bom["version"], 1);
    assert_eq!(bom["metadata"]["timestamp"], r.audit["created"]);
    assert_eq!(
        bom["metadata"]["tools"]["components"][0]["name"],
        "fundament"
    );

    // Two workspace members: the product is the audited directory with both nested.
    let product = &bom["metadata"]["component"];
    assert_eq!(product["type"], "application");
    assert_eq!(product["name"], "workspace");
    let nested: Vec<String> = array(&product["components"])
        .iter()
        .map(|c| string(&c["purl"]))
        .collect();
    assert_eq!(nested, ["pkg:cargo/app@0.1.0", "pkg:cargo/core@0.2.0"]);
    let product_deps = array(&bom["dependencies"])
        .iter()
        .find(|d| d["ref"] == product["bom-ref"])
        .expect("the product's dependencies");
    assert_eq!(product_deps["dependsOn"], serde_json::json!(nested));

    // A plain SPDX id declared and concluded: both, as ids.
    let mit = component(bom, "pkg:cargo/mit-lib@1.0.0");
    assert_eq!(
        licences(&mit["licenses"]),
        [
            ("MIT".to_string(), "declared".to_string()),
            ("MIT".to_string(), "concluded".to_string())
        ]
    );
    assert_eq!(mit["scope"], "required");
    assert_eq!(mit["type"], "library");

    // `Apache-2.0 OR MIT`: one expression (CycloneDX 1.6), concluded; the declared one as
    // evidence; the policy's choice as the BSI effective licence.
    let helper = component(bom, "pkg:cargo/build-helper@2.0.0");
    assert_eq!(
        licences(&helper["licenses"]),
        [("Apache-2.0 OR MIT".to_string(), "concluded".to_string())]
    );
    assert_eq!(
        licences(&helper["evidence"]["licenses"]),
        [("Apache-2.0 OR MIT".to_string(), "declared".to_string())]
    );
    let effective = r.audit["packages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "build-helper")
        .map(|p| string(&p["verdict"]["effective"]))
        .unwrap();
    assert_eq!(
        effective, "MIT",
        "fewer obligations, whatever the order written"
    );
    assert_eq!(
        property(helper, "bsi:component:effectiveLicense").as_deref(),
        Some(effective.as_str())
    );
    assert!(
        property(helper, "fundament:licence:choice")
            .is_some_and(|c| c.starts_with("MIT chosen from Apache-2.0 OR MIT: ")),
        "the reason of the choice"
    );
    assert_eq!(helper["scope"], "excluded", "a build dependency");

    // Detected from a licence file only: concluded, nothing declared.
    let filed = component(bom, "pkg:cargo/filed@0.3.0");
    assert_eq!(
        licences(&filed["licenses"]),
        [("MIT".to_string(), "concluded".to_string())]
    );
    // Unknown: no licence at all, and no effective licence.
    let unlicensed = component(bom, "pkg:cargo/unlicensed@0.0.1");
    assert!(unlicensed.get("licenses").is_none());
    assert_eq!(property(unlicensed, "bsi:component:effectiveLicense"), None);
    // Dev-only.
    assert_eq!(
        component(bom, "pkg:cargo/test-helper@0.9.0")["scope"],
        "excluded"
    );
}

#[test]
fn cyclonedx_hashes_and_files_come_from_the_npm_lockfile() {
    let input = dir("npm/lockfile-v3");
    let r = reports(&input, "npm/lockfile-v3");
    let lock: Value = serde_json::from_str(
        &std::fs::read_to_string(fixture("npm/lockfile-v3/package-lock.json")).unwrap(),
    )
    .unwrap();
    let mut checked = 0;
    for (key, entry) in lock["packages"].as_object().unwrap() {
        let Some(integrity) = entry["integrity"].as_str() else {
            continue;
        };
        let name = key.rsplit("node_modules/").next().unwrap();
        let version = string(&entry["version"]);
        let purl = match name.split_once('/') {
            Some((scope, rest)) => format!("pkg:npm/%40{}/{rest}@{version}", &scope[1..]),
            None => format!("pkg:npm/{name}@{version}"),
        };
        let c = component(&r.cyclonedx, &purl);
        let b64 = integrity.strip_prefix("sha512-").expect("sha512 integrity");
        assert_eq!(
            c["hashes"],
            serde_json::json!([{"alg": "SHA-512", "content": base64_to_hex(b64)}]),
            "{purl}"
        );
        let resolved = string(&entry["resolved"]);
        assert_eq!(
            c["externalReferences"],
            serde_json::json!([{"type": "distribution", "url": resolved}]),
            "{purl}"
        );
        let file = resolved.rsplit('/').next().unwrap();
        assert_eq!(property(c, "bsi:component:filename").as_deref(), Some(file));
        assert_eq!(
            property(c, "bsi:component:archive").as_deref(),
            Some("archive")
        );
        // The same hash in SPDX.
        let p = spdx_package(&r.spdx, &purl);
        assert_eq!(
            p["checksums"],
            serde_json::json!([{"algorithm": "SHA512", "checksumValue": base64_to_hex(b64)}])
        );
        assert_eq!(p["downloadLocation"], resolved.as_str());
        assert_eq!(p["packageFileName"], file);
        checked += 1;
    }
    assert_eq!(
        checked,
        array(&r.audit["packages"]).len() - 1,
        "all but the root"
    );
    // The scoped package's npm scope is its group.
    let scoped = component(
        &r.cyclonedx,
        "pkg:npm/%40isaacs/string-locale-compare@1.1.0",
    );
    assert_eq!(scoped["group"], "@isaacs");
    assert_eq!(scoped["name"], "string-locale-compare");
    // Optional and dev dependencies.
    assert_eq!(
        component(&r.cyclonedx, "pkg:npm/fsevents@2.3.3")["scope"],
        "optional"
    );
    assert_eq!(
        component(&r.cyclonedx, "pkg:npm/is-odd@3.0.1")["scope"],
        "excluded"
    );
    // One root package: it is the product itself.
    assert_eq!(
        r.cyclonedx["metadata"]["component"]["purl"],
        "pkg:npm/npm-flags-fixture@1.0.0"
    );
}

#[test]
fn compositions_are_complete_only_when_nothing_is_missing() {
    // Every package locked, with a known licence, no input finding.
    let complete = reports(&dir("npm/lockfile-v3"), "npm/lockfile-v3");
    // Only the note of how many packages indices approve, and the warning that known
    // vulnerabilities were not checked (no advisory data given).
    assert!(array(&complete.audit["findings"]).iter().all(|f| {
        (f["code"] == "V009" && f["severity"] == "note")
            || (f["code"] == "A012" && f["severity"] == "warning")
    }));
    let compositions = array(&complete.cyclonedx["compositions"]);
    assert_eq!(compositions.len(), 1);
    assert_eq!(compositions[0]["aggregate"], "complete");
    let covered: BTreeSet<String> = array(&compositions[0]["dependencies"])
        .iter()
        .map(string)
        .collect();
    let all: BTreeSet<String> = all_components(&complete.cyclonedx)
        .iter()
        .map(|c| string(&c["bom-ref"]))
        .collect();
    assert_eq!(covered, all);

    // lockfile v1 records no licences: every dependency is unresolved.
    let partial = reports(&dir("npm/lockfile-v1"), "npm/lockfile-v1");
    let compositions = array(&partial.cyclonedx["compositions"]);
    assert_eq!(compositions[0]["aggregate"], "incomplete");
    let incomplete: BTreeSet<String> = array(&compositions[0]["dependencies"])
        .iter()
        .map(string)
        .collect();
    let unresolved: BTreeSet<String> = array(&partial.audit["packages"])
        .iter()
        .filter(|p| p["licence"]["concluded"]["expression"] == "NOASSERTION")
        .map(|p| string(&p["purl"]))
        .collect();
    assert!(!unresolved.is_empty());
    assert!(unresolved.is_subset(&incomplete));

    // One package without a licence among known ones: both compositions.
    let workspace = reports(&dir("cargo/workspace"), "cargo/workspace");
    let compositions = array(&workspace.cyclonedx["compositions"]);
    assert_eq!(compositions.len(), 2);
    assert_eq!(compositions[0]["aggregate"], "incomplete");
    assert!(
        array(&compositions[0]["dependencies"])
            .contains(&Value::from("pkg:cargo/unlicensed@0.0.1"))
    );
    assert_eq!(compositions[1]["aggregate"], "complete");
    assert!(
        array(&compositions[1]["dependencies"]).contains(&Value::from("pkg:cargo/mit-lib@1.0.0"))
    );
    assert!(
        !array(&compositions[1]["dependencies"])
            .contains(&Value::from("pkg:cargo/unlicensed@0.0.1"))
    );

    // A lockfile that cannot be read: incomplete.
    let failed = reports(&dir("npm/truncated-lockfile"), "npm/truncated-lockfile");
    assert_eq!(
        failed.cyclonedx["compositions"][0]["aggregate"],
        "incomplete"
    );
}

#[test]
fn cyclonedx_keeps_an_imported_sboms_concluded_licence_apart_from_its_declared_one() {
    let input = sbom("licences-cyclonedx-1.6.json");
    let r = reports(&input, "licences-cyclonedx-1.6.json");
    // jsoup: declared MIT, concluded BSD-3-Clause in the imported SBOM.
    let jsoup = component(&r.cyclonedx, "pkg:maven/org.jsoup/jsoup@1.18.1?type=jar");
    assert_eq!(
        licences(&jsoup["licenses"]),
        [
            ("MIT".to_string(), "declared".to_string()),
            ("BSD-3-Clause".to_string(), "concluded".to_string())
        ]
    );
    assert_eq!(jsoup["group"], "org.jsoup");
    // `SHA-512:<hex>` from the imported SBOM.
    let checksum = array(&r.audit["packages"])
        .iter()
        .find(|p| p["purl"] == "pkg:maven/org.jsoup/jsoup@1.18.1?type=jar")
        .map(|p| string(&p["checksum"]))
        .unwrap();
    let hex = checksum.strip_prefix("SHA-512:").unwrap();
    assert_eq!(jsoup["hashes"][0]["alg"], "SHA-512");
    assert_eq!(jsoup["hashes"][0]["content"], hex);
    // The SBOM's product and its nested part are the two roots, under the audited directory
    // (the SBOM's own).
    let product = &r.cyclonedx["metadata"]["component"];
    assert_eq!(product["name"], "sbom");
    let nested: Vec<String> = array(&product["components"])
        .iter()
        .map(|c| string(&c["purl"]))
        .collect();
    assert_eq!(
        nested,
        [
            "pkg:maven/de.stadt.example/fachverfahren@2.1.0",
            "pkg:maven/de.stadt.example/fachverfahren-core@2.1.0"
        ]
    );
}

// ---------------------------------------------------------------------------------------------
// SPDX content

#[test]
fn spdx_relationships_follow_the_edge_kinds() {
    let r = reports(&dir("cargo/workspace"), "cargo/workspace");
    let doc = &r.spdx;
    assert_eq!(doc["spdxVersion"], "SPDX-2.3");
    assert_eq!(doc["dataLicense"], "CC0-1.0");
    assert_eq!(doc["SPDXID"], "SPDXRef-DOCUMENT");
    assert_eq!(doc["creationInfo"]["created"], r.audit["created"]);
    assert_eq!(
        doc["creationInfo"]["creators"],
        serde_json::json!(["Tool: fundament-0.1.0"])
    );
    assert!(
        string(&doc["documentNamespace"])
            .starts_with("https://spdx.org/spdxdocs/fundament-workspace-")
    );

    // The document describes the two workspace members.
    let id_of = |purl: &str| string(&spdx_package(doc, purl)["SPDXID"]);
    let described: Vec<String> = array(&doc["relationships"])
        .iter()
        .filter(|r| r["relationshipType"] == "DESCRIBES")
        .map(|r| string(&r["relatedSpdxElement"]))
        .collect();
    assert_eq!(
        described,
        [id_of("pkg:cargo/app@0.1.0"), id_of("pkg:cargo/core@0.2.0")]
    );

    // Each edge kind in its own relationship, read from the audit.
    let expected: BTreeSet<(String, String, String)> = {
        let packages = array(&r.audit["packages"]);
        packages
            .iter()
            .flat_map(|p| {
                array(&p["dependencies"]).iter().map(move |d| {
                    let to = &packages[d["package"].as_u64().unwrap() as usize];
                    let kind = match d["kind"].as_str().unwrap() {
                        "normal" => "DEPENDS_ON",
                        "build" => "BUILD_DEPENDENCY_OF",
                        "dev" => "DEV_DEPENDENCY_OF",
                        "optional" => "OPTIONAL_DEPENDENCY_OF",
                        "peer" => "PROVIDED_DEPENDENCY_OF",
                        other => panic!("unknown edge kind {other}"),
                    };
                    (string(&p["purl"]), string(&to["purl"]), kind.to_string())
                })
            })
            .collect()
    };
    assert_eq!(spdx_typed_edges(doc), expected);
    assert!(expected.contains(&(
        "pkg:cargo/app@0.1.0".to_string(),
        "pkg:cargo/build-helper@2.0.0".to_string(),
        "BUILD_DEPENDENCY_OF".to_string()
    )));
    assert!(expected.contains(&(
        "pkg:cargo/app@0.1.0".to_string(),
        "pkg:cargo/test-helper@0.9.0".to_string(),
        "DEV_DEPENDENCY_OF".to_string()
    )));

    // Declared and concluded.
    let helper = spdx_package(doc, "pkg:cargo/build-helper@2.0.0");
    assert_eq!(helper["licenseDeclared"], "Apache-2.0 OR MIT");
    assert_eq!(helper["licenseConcluded"], "Apache-2.0 OR MIT");
    let comments = string(&helper["licenseComments"]);
    assert!(
        comments.contains("the alternative the policy chose: MIT."),
        "{comments}"
    );
    assert!(
        comments.contains("MIT chosen from Apache-2.0 OR MIT: "),
        "{comments}"
    );
    let filed = spdx_package(doc, "pkg:cargo/filed@0.3.0");
    assert_eq!(filed["licenseDeclared"], "NOASSERTION");
    assert_eq!(filed["licenseConcluded"], "MIT");
    let unlicensed = spdx_package(doc, "pkg:cargo/unlicensed@0.0.1");
    assert_eq!(unlicensed["licenseDeclared"], "NOASSERTION");
    assert_eq!(unlicensed["licenseConcluded"], "NOASSERTION");
    // GPL-2.0+ is written as its modern id.
    let test_helper = spdx_package(doc, "pkg:cargo/test-helper@0.9.0");
    assert_eq!(test_helper["licenseDeclared"], "GPL-2.0-or-later");
    for p in array(&doc["packages"]) {
        assert_eq!(p["filesAnalyzed"], false);
        assert_eq!(p["copyrightText"], "NOASSERTION");
        assert_eq!(p["externalRefs"][0]["referenceCategory"], "PACKAGE-MANAGER");
        assert_eq!(p["externalRefs"][0]["referenceType"], "purl");
    }
}

#[test]
fn spdx_defines_every_licence_reference() {
    let r = reports(&sbom("npm-spdx-2.3.json"), "npm-spdx-2.3.json");
    let infos: BTreeMap<String, &Value> = array(&r.spdx["hasExtractedLicensingInfos"])
        .iter()
        .map(|i| (string(&i["licenseId"]), i))
        .collect();
    // The imported SBOM's own reference keeps the name it was given there.
    let react = infos["LicenseRef-react-notice"];
    assert_eq!(react["name"], "React third-party notice");
    assert!(!string(&react["extractedText"]).is_empty());
    // fundament's ScanCode reference (SPDX `NONE` read as proprietary) is named by its key.
    let proprietary = infos["LicenseRef-scancode-proprietary-license"];
    assert_eq!(proprietary["name"], "proprietary-license");
    assert!(string(&proprietary["extractedText"]).contains("`NONE`"));
    assert_eq!(
        spdx_package(&r.spdx, "pkg:npm/react@19.3.1")["licenseConcluded"],
        "MIT AND LicenseRef-react-notice"
    );
    // The imported SBOM's concluded licence is not repeated as declared.
    assert_eq!(
        spdx_package(&r.spdx, "pkg:npm/ws@8.23.0")["licenseDeclared"],
        "MIT"
    );
    assert_eq!(
        spdx_package(&r.spdx, "pkg:npm/ws@8.23.0")["licenseConcluded"],
        "MIT AND BSD-3-Clause"
    );
}

// ---------------------------------------------------------------------------------------------
// SARIF content

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

#[test]
fn sarif_has_a_rule_and_a_located_result_per_finding() {
    let r = reports(&dir("cargo/workspace"), "cargo/workspace");
    let log = &r.sarif;
    assert_eq!(log["version"], "2.1.0");
    assert!(log["$schema"].as_str().is_some());
    let run = &log["runs"][0];
    assert_eq!(run["tool"]["driver"]["name"], "fundament");
    assert_eq!(run["tool"]["driver"]["version"], "0.1.0");

    let findings = array(&r.audit["findings"]);
    let codes: BTreeSet<String> = findings.iter().map(|f| string(&f["code"])).collect();
    let rules = array(&run["tool"]["driver"]["rules"]);
    let rule_ids: BTreeSet<String> = rules.iter().map(|r| string(&r["id"])).collect();
    assert_eq!(rule_ids, codes);
    for rule in rules {
        assert!(string(&rule["fullDescription"]["text"]).contains("docs/diagnostics.md"));
    }

    let lock = fixture("cargo/workspace/Cargo.lock");
    let results = array(&run["results"]);
    for (result, finding) in results.iter().zip(findings) {
        let index = result["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(rules[index]["id"], result["ruleId"]);
        if finding.get("package").is_none() {
            // The vetting note and the advisories warning are about no package: they point at
            // the project's manifest.
            assert!(finding["code"] == "V009" || finding["code"] == "A012");
            assert_eq!(location(result), ("Cargo.toml".to_string(), None));
            continue;
        }
        // Package findings point at the lockfile line that names the package.
        let purl = string(&finding["package"]);
        let name = purl
            .strip_prefix("pkg:cargo/")
            .and_then(|p| p.split('@').next())
            .unwrap();
        assert_eq!(
            location(result),
            (
                "Cargo.lock".to_string(),
                Some(line_containing(&lock, &format!("name = \"{name}\"")) as u64)
            ),
            "{purl}"
        );
        assert_eq!(
            result["locations"][0]["logicalLocations"][0]["fullyQualifiedName"],
            purl.as_str()
        );
        for note in array(&finding["notes"]) {
            assert!(string(&result["message"]["text"]).contains(&string(note)));
        }
    }
    let prints: BTreeSet<String> = results
        .iter()
        .map(|r| string(&r["partialFingerprints"]["fundament/v1"]))
        .collect();
    assert_eq!(prints.len(), results.len(), "fingerprints are distinct");
}

#[test]
fn sarif_locations_use_the_findings_own_file_and_line() {
    // A lockfile that cannot be parsed: the finding's own place.
    let r = reports(&dir("npm/truncated-lockfile"), "npm/truncated-lockfile");
    let finding = &r.audit["findings"][0];
    let result = &r.sarif["runs"][0]["results"][0];
    assert_eq!(
        location(result),
        (
            string(&finding["location"]["file"]),
            finding["location"]["line"].as_u64()
        )
    );

    // npm packages: the `node_modules/<name>` entry of package-lock.json.
    let r = reports(&dir("npm/installed"), "npm/installed");
    let lock = fixture("npm/installed/package-lock.json");
    let results = array(&r.sarif["runs"][0]["results"]);
    let mut checked = 0;
    for (result, finding) in results.iter().zip(array(&r.audit["findings"])) {
        if finding["code"] != "L004" {
            continue;
        }
        let purl = string(&finding["package"]);
        let name = purl
            .strip_prefix("pkg:npm/")
            .and_then(|p| p.split('@').next())
            .unwrap();
        assert_eq!(
            location(result),
            (
                "package-lock.json".to_string(),
                Some(line_containing(&lock, &format!("\"node_modules/{name}\"")) as u64)
            )
        );
        checked += 1;
    }
    assert!(checked >= 2);
}

// ---------------------------------------------------------------------------------------------
// Vetting

/// The Cargo workspace audited under the policy of tests/support/vetting.rs, which asks an
/// index with a rejected, an approved and an under-review decision.
fn vetted(dir: &Path) -> Reports {
    let policy = support::vetting::city(dir, "warn");
    reports(
        &Input::WithPolicy(fixture("cargo/workspace"), policy),
        "cargo/workspace with an index",
    )
}

#[test]
fn cyclonedx_components_carry_their_vetting() {
    let temp = tempfile::tempdir().unwrap();
    let r = vetted(temp.path());
    let gpl = component(&r.cyclonedx, "pkg:cargo/gpl-lib@3.0.0");
    for (name, value) in [
        ("status", "rejected"),
        ("decision", "rejected"),
        ("index", "city"),
        ("reviewer", "Erika Muster"),
        ("organisation", "Stadt Beispiel"),
        ("date", "2026-01-01"),
        ("decision-versions", "3.0.0"),
        ("licence", "GPL-3.0-only"),
        ("licence-applied", "true"),
        ("archive", "not-recorded"),
        ("notes", support::vetting::REJECTED_NOTES),
    ] {
        assert_eq!(
            property(gpl, &format!("fundament:vetting:{name}")).as_deref(),
            Some(value),
            "{name}"
        );
    }
    // A folder index's path means nothing elsewhere: not written.
    assert_eq!(property(gpl, "fundament:vetting:index-location"), None);
    let filed = component(&r.cyclonedx, "pkg:cargo/filed@0.3.0");
    assert_eq!(
        property(filed, "fundament:vetting:status").as_deref(),
        Some("approved")
    );
    assert_eq!(
        property(filed, "fundament:vetting:decision-versions").as_deref(),
        Some(">=0.3, <0.4")
    );
    assert_eq!(
        property(filed, "fundament:vetting:review-by").as_deref(),
        Some("2030-06-30")
    );
    let helper = component(&r.cyclonedx, "pkg:cargo/test-helper@0.9.0");
    assert_eq!(
        property(helper, "fundament:vetting:status").as_deref(),
        Some("under-review")
    );
    assert_eq!(
        property(helper, "fundament:vetting:licence-applied").as_deref(),
        Some("false")
    );
    // No decision: the status alone.
    let plain = component(&r.cyclonedx, "pkg:cargo/mit-lib@1.0.0");
    let names: Vec<String> = array(&plain["properties"])
        .iter()
        .map(|p| string(&p["name"]))
        .filter(|n| n.starts_with("fundament:vetting:"))
        .collect();
    assert_eq!(names, ["fundament:vetting:status"]);
    assert_eq!(
        property(plain, "fundament:vetting:status").as_deref(),
        Some("not-vetted")
    );
    // Another vetting, another serial number.
    let plain_bom = report(&dir("cargo/workspace"), "cyclonedx");
    assert_ne!(r.cyclonedx["serialNumber"], plain_bom["serialNumber"]);
}

#[test]
fn spdx_packages_carry_a_review_annotation_per_decision() {
    let temp = tempfile::tempdir().unwrap();
    let r = vetted(temp.path());
    let annotation = |purl: &str| -> Value {
        let annotations = array(&spdx_package(&r.spdx, purl)["annotations"]);
        assert_eq!(annotations.len(), 1, "{purl}");
        annotations[0].clone()
    };
    let gpl = annotation("pkg:cargo/gpl-lib@3.0.0");
    assert_eq!(gpl["annotationType"], "REVIEW");
    assert_eq!(gpl["annotator"], "Organization: Stadt Beispiel");
    assert_eq!(gpl["annotationDate"], "2026-01-01T00:00:00Z");
    let comment = string(&gpl["comment"]);
    for part in [
        "rejected in index `city`",
        "cargo/gp/l-/gpl-lib:1",
        "by Erika Muster (Stadt Beispiel) on 2026-01-01",
        "for versions 3.0.0",
        "Recorded licence: GPL-3.0-only",
        support::vetting::REJECTED_NOTES,
        "Vetting status in this audit: rejected.",
    ] {
        assert!(comment.contains(part), "{part}: {comment}");
    }
    let filed = string(&annotation("pkg:cargo/filed@0.3.0")["comment"]);
    assert!(filed.contains("approved in index `city`"), "{filed}");
    assert!(filed.contains("for versions >=0.3, <0.4"), "{filed}");
    assert!(
        filed.contains("To be reviewed again by 2030-06-30."),
        "{filed}"
    );
    let helper = string(&annotation("pkg:cargo/test-helper@0.9.0")["comment"]);
    assert!(helper.contains("under-review in index `city`"), "{helper}");
    assert!(
        helper.contains("not used for the concluded licence"),
        "{helper}"
    );
    // No decision, no annotation.
    assert!(
        spdx_package(&r.spdx, "pkg:cargo/mit-lib@1.0.0")
            .get("annotations")
            .is_none()
    );
}

#[test]
fn sarif_places_vetting_findings_at_the_lockfile_and_names_the_record() {
    let temp = tempfile::tempdir().unwrap();
    let r = vetted(temp.path());
    let run = &r.sarif["runs"][0];
    let rules = array(&run["tool"]["driver"]["rules"]);
    for code in ["V002", "V003", "V004", "V009"] {
        let rule = rules
            .iter()
            .find(|rule| rule["id"] == code)
            .unwrap_or_else(|| panic!("no rule {code}"));
        assert_eq!(rule["properties"]["tags"][1], "vetting", "{code}");
    }
    let rejected = array(&run["results"])
        .iter()
        .find(|result| result["ruleId"] == "V002")
        .expect("the V002 result");
    assert_eq!(rejected["level"], "error");
    // The record is in the index, not in the audited tree: the result points at the lockfile
    // line of the package, and the message names the record.
    let lock = fixture("cargo/workspace/Cargo.lock");
    assert_eq!(
        location(rejected),
        (
            "Cargo.lock".to_string(),
            Some(line_containing(&lock, "name = \"gpl-lib\"") as u64)
        )
    );
    let message = string(&rejected["message"]["text"]);
    assert!(
        message.contains("Reported at: index `city` cargo/gp/l-/gpl-lib:1"),
        "{message}"
    );
    assert!(
        message.contains(support::vetting::REJECTED_NOTES),
        "{message}"
    );
    for result in array(&run["results"]) {
        let uri = string(&result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]);
        assert!(!uri.contains("index"), "{uri}");
    }
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
    insta::assert_snapshot!(snapshot_text("cyclonedx"));
}

#[test]
fn spdx_snapshot() {
    insta::assert_snapshot!(snapshot_text("spdx"));
}

#[test]
fn sarif_snapshot() {
    insta::assert_snapshot!(snapshot_text("sarif"));
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

// ---------------------------------------------------------------------------------------------
// Known vulnerabilities in the SBOM and in SARIF

/// An npm project, OSV records for two of its packages, and an index with a VEX statement:
/// the policy that asks for both.
fn vulnerable_npm(tmp: &Path) -> Input {
    let data = tmp.join("osv");
    std::fs::create_dir_all(&data).unwrap();
    std::fs::write(
        data.join("GHSA-ms.json"),
        r#"{"id":"GHSA-ms","aliases":["CVE-2099-1"],"modified":"2026-11-30T00:00:00Z","published":"2026-11-01T00:00:00Z","summary":"ms is slow","severity":[{"type":"CVSS_V3","score":"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H"}],"affected":[{"package":{"ecosystem":"npm","name":"ms"},"ranges":[{"type":"SEMVER","events":[{"introduced":"0"},{"fixed":"2.1.0"}]}]}],"references":[{"type":"ADVISORY","url":"https://advisories.example/GHSA-ms"}]}"#,
    )
    .unwrap();
    std::fs::write(
        data.join("GHSA-debug.json"),
        r#"{"id":"GHSA-debug","modified":"2026-11-30T00:00:00Z","summary":"debug leaks","affected":[{"package":{"ecosystem":"npm","name":"debug"},"ranges":[{"type":"ECOSYSTEM","events":[{"introduced":"0"},{"fixed":"3.0.0"}]}]}],"database_specific":{"severity":"MODERATE"}}"#,
    )
    .unwrap();
    let index = tmp.join("index");
    let run = |args: &[&str]| {
        let out = fundament().args(args).output().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    let index_s = index.to_str().unwrap();
    run(&[
        "index",
        "init",
        index_s,
        "--name",
        "city",
        "--maintainer",
        "Ann <ann@city.example>",
        "--organisation",
        "City",
    ]);
    run(&[
        "index",
        "publish",
        "--index",
        index_s,
        "pkg:npm/ms@2.0.0",
        "--decision",
        "approved",
        "--licence",
        "MIT",
        "--no-evidence",
        "reviewed from the source repository",
        "--reviewer",
        "Ann",
        "--organisation",
        "City",
        "--no-commit",
        "--vex",
        "CVE-2099-1",
        "--vex-status",
        "not_affected",
        "--justification",
        "vulnerable_code_not_in_execute_path",
        "--analysis",
        "only formats build times",
    ]);
    let policy = tmp.join("policy.toml");
    std::fs::write(
        &policy,
        format!(
            "[licences]\nallow = [\"MIT\"]\nunknown = \"allow\"\n\n[advisories]\ndb = [{:?}]\nmax-age = 10000\n\n[[index]]\nname = \"city\"\nlocation = {:?}\nprecedence = 10\n",
            data.to_str().unwrap(),
            index_s
        ),
    )
    .unwrap();
    Input::WithPolicy(fixture("npm/lockfile-v3"), policy)
}

#[test]
fn vulnerabilities_and_their_vex_analysis_in_cyclonedx_and_sarif() {
    let tmp = tempfile::tempdir().unwrap();
    let input = vulnerable_npm(tmp.path());
    let r = reports(&input, "npm/lockfile-v3 with advisories");
    let vulns = array(&r.cyclonedx["vulnerabilities"]);
    assert_eq!(vulns.len(), 2);
    let ms = vulns.iter().find(|v| v["id"] == "GHSA-ms").unwrap();
    assert_eq!(ms["affects"][0]["ref"], "pkg:npm/ms@2.0.0");
    assert_eq!(ms["affects"][0]["versions"][0]["status"], "unaffected");
    assert_eq!(ms["analysis"]["state"], "not_affected");
    assert_eq!(ms["analysis"]["justification"], "code_not_reachable");
    assert!(string(&ms["analysis"]["detail"]).contains("only formats build times"));
    assert_eq!(ms["references"][0]["id"], "CVE-2099-1");
    assert_eq!(ms["ratings"][0]["method"], "CVSSv31");
    assert_eq!(ms["ratings"][0]["score"], 7.5);
    assert_eq!(ms["recommendation"], "Upgrade ms to 2.1.0.");
    let debug = vulns.iter().find(|v| v["id"] == "GHSA-debug").unwrap();
    assert_eq!(debug["ratings"][0]["severity"], "medium");
    assert!(debug.get("analysis").is_none());
    assert_eq!(debug["affects"][0]["versions"][0]["status"], "affected");
    // Every affected component is a component of the SBOM.
    let refs: BTreeSet<String> = array(&r.cyclonedx["components"])
        .iter()
        .map(|c| string(&c["bom-ref"]))
        .collect();
    for v in vulns {
        assert!(refs.contains(&string(&v["affects"][0]["ref"])));
    }

    let run = &r.sarif["runs"][0];
    let rule = array(&run["tool"]["driver"]["rules"])
        .iter()
        .find(|r| r["id"] == "A001")
        .unwrap()
        .clone();
    assert!(
        array(&rule["properties"]["tags"])
            .iter()
            .any(|t| t == "security")
    );
    let result = array(&run["results"])
        .iter()
        .find(|r| r["ruleId"] == "A001")
        .unwrap()
        .clone();
    assert_eq!(result["properties"]["advisory"], "GHSA-debug");
    assert_eq!(result["properties"]["security-severity"], "5.5");
    assert_eq!(result["level"], "error");
    // Located at the lockfile line that names the package.
    assert_eq!(
        result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
        "package-lock.json"
    );
}

/// `--docs-url` (or `FUNDAMENT_DOCS_URL`) gives every SARIF rule a `helpUri`: the address and
/// the anchor of the code's "How to fix" entry; without it there is none, since SARIF wants an
/// absolute URI. The log validates against the schema either way; a relative or non-http
/// address is refused before anything is audited.
#[test]
fn sarif_rules_link_their_docs_entry_when_the_docs_address_is_given() {
    let project = fixture("cargo/workspace");
    let sarif = |extra: &[&str], env: Option<&str>| {
        let mut command = fundament();
        command
            .arg("audit")
            .arg(&project)
            .args(["--offline", "--format", "sarif"])
            .args(extra)
            .env_remove("FUNDAMENT_DOCS_URL");
        if let Some(url) = env {
            command.env("FUNDAMENT_DOCS_URL", url);
        }
        let output = command.output().expect("fundament runs");
        let log: Value = serde_json::from_slice(&output.stdout).expect("a SARIF log");
        assert_valid(&SARIF, &log, "the SARIF log");
        log
    };
    let rules = |log: &Value| array(&log["runs"][0]["tool"]["driver"]["rules"]).clone();

    let plain = sarif(&[], None);
    assert!(!rules(&plain).is_empty());
    for rule in rules(&plain) {
        assert!(rule.get("helpUri").is_none(), "{rule}");
        assert!(string(&rule["help"]["markdown"]).contains("(docs/diagnostics.md#"));
    }

    let base = "https://docs.example/fundament/docs/diagnostics.md";
    for log in [sarif(&["--docs-url", base], None), sarif(&[], Some(base))] {
        for rule in rules(&log) {
            let id = string(&rule["id"]);
            let slug = string(&rule["name"]);
            let expected = format!("{base}#{}-{slug}", id.to_lowercase());
            assert_eq!(string(&rule["helpUri"]), expected);
            assert!(
                string(&rule["help"]["markdown"]).contains(&format!("]({expected})")),
                "{rule}"
            );
        }
    }

    for bad in [
        "docs/diagnostics.md",
        "file:///usr/share/doc/fundament/diagnostics.md",
        "https://docs.example/diagnostics.md#l001",
        "https://user:secret@docs.example/diagnostics.md",
    ] {
        let output = fundament()
            .arg("audit")
            .arg(&project)
            .args(["--offline", "--format", "sarif", "--docs-url", bad])
            .output()
            .unwrap();
        assert_eq!(output.status.code(), Some(2), "{bad}");
        assert!(output.stdout.is_empty(), "{bad}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains("--docs-url"), "{bad}: {stderr}");
    }
}
