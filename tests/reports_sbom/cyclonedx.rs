//! CycloneDX content.

use super::*;

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
