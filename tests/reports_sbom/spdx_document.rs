//! SPDX content.

use super::*;

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
