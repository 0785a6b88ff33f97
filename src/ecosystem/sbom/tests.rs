//! Tests of the SBOM reader.

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
    let f = failure("<bom xmlns=\"http://cyclonedx.org/schema/bom/1.5\">\n<components>\n</bom>\n");
    assert_eq!(f.code, Code::InputUnreadable);
    assert_eq!(f.line, Some(3), "{}", f.message);
    let f = failure("SPDXVersion: SPDX-2.3\nPackageName: a\nExtractedText: <text>never\nclosed\n");
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

/// A CycloneDX XML SBOM with `n` components, each with its purl repeated ten times, and a chain
/// of dependencies (the shape of the fuzz inputs that took 34 s and 45 s: thousands of
/// elements, each on its own line).
fn many_elements(n: usize) -> String {
    let mut text = String::from(
        "<?xml version=\"1.0\"?>\n<bom xmlns=\"http://cyclonedx.org/schema/bom/1.5\">\n  \
         <components>\n",
    );
    for i in 0..n {
        text.push_str(&format!(
            "    <component type=\"library\" bom-ref=\"c{i}\">\n      <name>p{i}</name>\n      \
             <version>1.0.{i}</version>\n"
        ));
        for _ in 0..10 {
            text.push_str(&format!("      <purl>pkg:npm/p{i}@1.0.{i}</purl>\n"));
        }
        text.push_str("    </component>\n");
    }
    text.push_str("  </components>\n  <dependencies>\n");
    for i in 1..n {
        text.push_str(&format!(
            "    <dependency ref=\"c{}\"><dependency ref=\"c{i}\"/></dependency>\n",
            i - 1
        ));
    }
    text.push_str("  </dependencies>\n</bom>\n");
    text
}

#[test]
fn an_xml_sbom_with_many_elements_is_read_in_linear_time() {
    let small = many_elements(50);
    let d = doc(&small);
    assert_eq!(d.items.len(), 50);
    assert_eq!(d.edges.len(), 49);
    // Every element keeps its own line, counted forward through the file.
    let last = small
        .lines()
        .position(|l| l.contains("bom-ref=\"c49\""))
        .unwrap()
        + 1;
    assert_eq!(d.items[49].place, Place::Line(last));
    let large = many_elements(200);
    crate::growth::assert_linear("an XML SBOM with many elements", &small, &large, |text| {
        doc(text);
    });
}

/// A CycloneDX JSON SBOM of `n` components without a version (one finding each, located by
/// its `bom-ref`) depending on `n` elements that are not there (one finding each).
fn many_findings(n: usize) -> String {
    let components: Vec<serde_json::Value> = (0..n)
        .map(|i| serde_json::json!({"type": "library", "bom-ref": format!("c{i}"), "name": format!("p{i}")}))
        .collect();
    let dependencies: Vec<serde_json::Value> = (0..n)
        .map(|i| serde_json::json!({"ref": format!("c{i}"), "dependsOn": [format!("gone{i}")]}))
        .collect();
    serde_json::to_string_pretty(&serde_json::json!({
        "bomFormat": "CycloneDX", "specVersion": "1.5", "version": 1,
        "components": components, "dependencies": dependencies
    }))
    .unwrap()
}

fn build_graph(text: &str) -> ProjectGraph {
    build_graph_from(text, doc(text))
}

/// [`build_graph`] from an SBOM read already.
fn build_graph_from(text: &str, doc: Doc) -> ProjectGraph {
    let root = std::path::Path::new("/nonexistent-sbom-root");
    let options = super::super::ReadOptions::default();
    let tree = crate::discover::TreeFiles::default();
    let input = crate::source::Confined::audited(root);
    let ctx = ReadContext {
        root,
        options: &options,
        tree: &tree,
        input: &input,
    };
    let found = FoundProject {
        kind: crate::model::ProjectKind::Sbom,
        dir: root.to_path_buf(),
        manifest: root.join("bom.json"),
        lockfile: Some(root.join("bom.json")),
        files: Vec::new(),
    };
    build(&ctx, &found, "bom.json", text, doc)
}

/// Searching the text once per finding took 15.7 times as long for 4 times the elements
/// (quadratic); one forward pass for all of them, 3.9 times.
#[test]
fn json_findings_are_located_in_linear_time() {
    let small = many_findings(400);
    let graph = build_graph(&small);
    let line = |needle: &str| small.lines().position(|l| l.contains(needle)).unwrap() + 1;
    let located = |code: Code, what: &str| {
        graph
            .findings
            .iter()
            .find(|f| f.code == code && f.message.contains(what))
            .and_then(|f| f.location.as_ref()?.line)
    };
    // Each finding has the line of its element, and of the element that is missing.
    assert_eq!(
        located(Code::VersionUnresolved, "p399 "),
        Some(line("\"c399\""))
    );
    assert_eq!(
        located(Code::DependencyUnresolved, "`gone7`"),
        Some(line("\"gone7\""))
    );
    assert_eq!(
        graph
            .findings
            .iter()
            .filter(|f| f.location.as_ref().is_some_and(|l| l.line.is_some()))
            .count(),
        800
    );
    let large = many_findings(1600);
    crate::growth::assert_linear("findings of a JSON SBOM", &small, &large, |text| {
        build_graph(text);
    });
}

#[test]
fn string_tokens_are_found_as_written() {
    let text = "{\n \"a\": \"x\\\"y\",\n \"b\": [\"c1\", \"c\"],\n \"c\": \"c\"}";
    let lines = first_lines_of_strings(
        text,
        ["\"c\"", "\"c1\"", "\"x\\\"y\"", "\"zz\""].into_iter(),
    );
    assert_eq!(lines.get("\"c\""), Some(&3));
    assert_eq!(lines.get("\"c1\""), Some(&3));
    assert_eq!(lines.get("\"x\\\"y\""), Some(&2));
    assert_eq!(lines.get("\"zz\""), None);
}

/// A CycloneDX JSON SBOM whose root depends on `n` components, twice over (the second list
/// repeats the first, so that each edge is also offered again).
fn one_package_with_many_dependencies(n: usize) -> String {
    let components: Vec<serde_json::Value> = (0..n)
        .map(|i| serde_json::json!({"type": "library", "bom-ref": format!("c{i}"), "name": format!("p{i}"), "version": "1.0.0"}))
        .collect();
    let all: Vec<String> = (0..n).chain(0..n).map(|i| format!("c{i}")).collect();
    serde_json::to_string(&serde_json::json!({
        "bomFormat": "CycloneDX", "specVersion": "1.5", "version": 1,
        "metadata": {"component": {"type": "application", "bom-ref": "root", "name": "root", "version": "1.0.0"}},
        "components": components,
        "dependencies": [{"ref": "root", "dependsOn": all}]
    }))
    .unwrap()
}

/// Every reader added an edge after scanning the package's list for it, which made one
/// package with many dependencies quadratic (a lockfile within its 256 MB limit can give one
/// package millions); the edges of a graph are now kept in a set ([`crate::model::EdgeSet`]).
#[test]
fn a_package_with_many_dependencies_is_read_in_linear_time() {
    let read = |n: usize| {
        let text = one_package_with_many_dependencies(n);
        let read = doc(&text);
        (text, read)
    };
    let (small, large) = (read(4_000), read(16_000));
    let graph = build_graph_from(&small.0, small.1.clone());
    let root = graph.packages.iter().find(|p| p.name == "root").unwrap();
    assert_eq!(root.dependencies.len(), 4_000, "each edge once");
    // The graph is built from the SBOM read already: what is measured is the building.
    crate::growth::assert_linear(
        "the graph of an SBOM whose root has many dependencies",
        &small,
        &large,
        |(text, read)| {
            build_graph_from(text, read.clone());
        },
    );
}
