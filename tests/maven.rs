//! The Maven reader, end to end: `fundament audit <dir> --format json` on the repository's own
//! hand-written POMs (tests/fixtures/maven) and on the shared real-world POMs
//! (../shared/fixtures/wahllokalsystem and eappointment/zmsautomation, skipped when absent).
//!
//! For the real-world POMs the expected direct dependencies are extracted from the XML text by
//! a deliberately simple scan in this file (no XML parser, no Maven model), so that the test
//! states what the POM says rather than a copy of today's output.

use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

mod support;

use support::{JsonRun as Run, copy_tree, shared_fixture};
use support::{findings, packages, pair as edge};

// ---------------------------------------------------------------------------------------------
// Running the binary and reading the report

fn audit(dir: &Path) -> Run {
    support::audit_json(dir, &[])
}

fn fixture(case: &str) -> PathBuf {
    support::fixture(&format!("maven/{case}"))
}

/// The one package with this purl.
fn by_purl<'a>(json: &'a Value, purl: &str) -> &'a Value {
    let found: Vec<&Value> = packages(json)
        .iter()
        .filter(|p| p["purl"] == purl)
        .collect();
    assert_eq!(
        found.len(),
        1,
        "expected exactly one package {purl}, found {}; packages: {:?}",
        found.len(),
        packages(json)
            .iter()
            .map(|p| p["purl"].as_str().unwrap_or_default())
            .collect::<Vec<_>>()
    );
    found[0]
}

/// The one root package with this name.
fn root<'a>(json: &'a Value, name: &str) -> &'a Value {
    let found: Vec<&Value> = packages(json)
        .iter()
        .filter(|p| p["root"] == true && p["name"] == name)
        .collect();
    assert_eq!(found.len(), 1, "expected one root package {name}");
    found[0]
}

/// The package's edges as (target purl, kind).
fn edges(json: &Value, p: &Value) -> BTreeSet<(String, String)> {
    support::edges_by(json, p, "purl")
}

fn location(f: &Value) -> (String, Option<u64>) {
    (
        f["location"]["file"]
            .as_str()
            .unwrap_or_default()
            .to_string(),
        f["location"]["line"].as_u64(),
    )
}

fn maven_projects(json: &Value) -> Vec<&Value> {
    json["projects"]
        .as_array()
        .expect("`projects` is an array")
        .iter()
        .filter(|p| p["kind"] == "maven")
        .collect()
}

fn project<'a>(json: &'a Value, dir: &str) -> &'a Value {
    maven_projects(json)
        .into_iter()
        .find(|p| p["dir"] == dir)
        .unwrap_or_else(|| panic!("no Maven project {dir}"))
}

const TRANSITIVE: &str = "transitive dependencies are not resolved: registry look-ups are off, \
                          and they need the dependencies' POMs from a Maven repository";
const NO_LICENCES: &str = "pom.xml does not record its dependencies' licences";

/// The maven purl of `groupId:artifactId` at `version` (no `@` when the version is unknown).
fn purl(name: &str, version: &str) -> String {
    let (group, artifact) = name.split_once(':').expect("groupId:artifactId");
    if version.is_empty() {
        format!("pkg:maven/{group}/{artifact}")
    } else {
        format!("pkg:maven/{group}/{artifact}@{version}")
    }
}

/// The 1-based line of the first line containing `needle`.
fn line_of(text: &str, needle: &str) -> u64 {
    text.lines()
        .position(|l| l.contains(needle))
        .unwrap_or_else(|| panic!("`{needle}` is not in the text")) as u64
        + 1
}

// ---------------------------------------------------------------------------------------------
// A simple, independent reading of a POM's text

/// One `<dependency>` block of `<dependencies>` (not of dependencyManagement or plugins).
#[derive(Debug, Clone)]
struct Declared {
    name: String,
    version: Option<String>,
    scope: Option<String>,
    optional: bool,
}

/// The text of the first `<tag>...</tag>` in `block`.
fn tag<'a>(block: &'a str, tag: &str) -> Option<&'a str> {
    let open = format!("<{tag}>");
    let close = format!("</{tag}>");
    let start = block.find(&open)? + open.len();
    let end = block[start..].find(&close)? + start;
    Some(block[start..end].trim())
}

/// `text` without the regions between `open` and `close` (not nested).
fn without(text: &str, open: &str, close: &str) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(start) = rest.find(open) {
        out.push_str(&rest[..start]);
        match rest[start..].find(close) {
            Some(end) => rest = &rest[start + end + close.len()..],
            None => {
                rest = "";
            }
        }
    }
    out.push_str(rest);
    out
}

/// The `<dependency>` blocks of `<dependencies>` sections, profiles included: comments, `<build>`
/// sections (plugin dependencies) and `<dependencyManagement>` are cut out first.
fn declared_dependencies(pom: &str) -> Vec<Declared> {
    let text = without(pom, "<!--", "-->");
    let text = without(&text, "<build>", "</build>");
    let text = without(&text, "<dependencyManagement>", "</dependencyManagement>");
    let mut out = Vec::new();
    let mut rest = text.as_str();
    while let Some(start) = rest.find("<dependency>") {
        let end = rest[start..].find("</dependency>").expect("closed") + start;
        let block = &rest[start..end];
        out.push(Declared {
            name: format!(
                "{}:{}",
                tag(block, "groupId").expect("groupId"),
                tag(block, "artifactId").expect("artifactId")
            ),
            version: tag(block, "version").map(str::to_string),
            scope: tag(block, "scope").map(str::to_string),
            optional: tag(block, "optional") == Some("true"),
        });
        rest = &rest[end..];
    }
    out
}

/// The top-level `<properties>` of a POM (the first such block).
fn top_properties(pom: &str) -> BTreeMap<String, String> {
    let text = without(pom, "<!--", "-->");
    let block = tag(&text, "properties").unwrap_or_default();
    let mut out = BTreeMap::new();
    for line in block.lines() {
        let line = line.trim();
        if let Some(rest) = line.strip_prefix('<')
            && let Some((name, after)) = rest.split_once('>')
            && let Some(value) = after.strip_suffix(&format!("</{name}>"))
        {
            out.insert(name.to_string(), value.to_string());
        }
    }
    out
}

/// `${name}` replaced when the POM's own properties define it (one level, enough for these
/// POMs).
fn substitute(value: &str, properties: &BTreeMap<String, String>) -> String {
    match value
        .strip_prefix("${")
        .and_then(|v| v.strip_suffix('}'))
        .and_then(|name| properties.get(name))
    {
        Some(found) => found.clone(),
        None => value.to_string(),
    }
}

fn scope_for(maven_scope: Option<&str>) -> &'static str {
    match maven_scope {
        Some("test") => "test",
        Some("provided") => "provided",
        _ => "runtime",
    }
}

/// What the report must say about one project's direct dependencies, from the POM text: the
/// expected (scope, locked, optional) per purl (duplicates combined: the smallest scope wins,
/// optional only when every declaration is), and the set of names.
type Expected = BTreeMap<String, (String, bool, bool)>;

fn expected_from(pom: &str) -> (Expected, BTreeSet<String>) {
    let properties = top_properties(pom);
    let mut expected: Expected = BTreeMap::new();
    let mut names = BTreeSet::new();
    let rank = |s: &str| {
        ["runtime", "provided", "build", "test", "dev"]
            .iter()
            .position(|x| *x == s)
    };
    for d in declared_dependencies(pom) {
        names.insert(d.name.clone());
        let version = d
            .version
            .as_deref()
            .map(|v| substitute(v, &properties))
            .unwrap_or_default();
        let locked = !version.is_empty() && !version.contains("${");
        let scope = scope_for(d.scope.as_deref()).to_string();
        let key = purl(&d.name, &version);
        match expected.get_mut(&key) {
            Some((existing, _, optional)) => {
                if rank(&scope) < rank(existing) {
                    *existing = scope;
                }
                *optional &= d.optional;
            }
            None => {
                expected.insert(key, (scope, locked, d.optional));
            }
        }
    }
    (expected, names)
}

/// Checks that the project whose root is `root_name` lists exactly the expected direct
/// dependencies, with their purls, scopes and lock state, and nothing else.
fn check_direct_dependencies(json: &Value, root_name: &str, pom: &str) {
    let (expected, names) = expected_from(pom);
    assert!(!expected.is_empty());
    let project_root = root(json, root_name);
    let targets: BTreeSet<String> = edges(json, project_root)
        .into_iter()
        .map(|(p, _)| p)
        .collect();
    let expected_purls: BTreeSet<String> = expected.keys().cloned().collect();
    assert_eq!(
        targets, expected_purls,
        "the direct dependencies of {root_name}"
    );
    let reported_names: BTreeSet<String> = targets
        .iter()
        .map(|p| by_purl(json, p)["name"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(reported_names, names);
    for (p, (scope, locked, optional)) in &expected {
        let package = by_purl(json, p);
        assert_eq!(package["scope"], scope.as_str(), "scope of {p}");
        assert_eq!(package["locked"], *locked, "locked of {p}");
        assert_eq!(package["optional"], *optional, "optional of {p}");
        assert_eq!(package["root"], false, "{p}");
        assert_eq!(package["source"]["kind"], "registry", "{p}");
        assert_eq!(package["licence_unavailable"], NO_LICENCES, "{p}");
        assert!(
            package["dependencies"].as_array().unwrap().is_empty(),
            "{p}: transitive dependencies are not read"
        );
    }
}

// ---------------------------------------------------------------------------------------------
// The shared real-world POMs

#[test]
fn wahllokalsystem_auth_service_lists_its_direct_dependencies_exactly() {
    let Some(dir) = shared_fixture("wahllokalsystem") else {
        return;
    };
    let pom_path = dir.join("wls-auth-service/pom.xml");
    let pom = std::fs::read_to_string(&pom_path).unwrap();
    let run = audit(&dir);
    let json = &run.json;

    // Two siblings, two projects: wls-auth-service has no <parent>; it depends on a module of
    // wls-common (security 1.1.0) as a published artefact, not on the local build (1.2.0-SNAPSHOT).
    let dirs: Vec<&str> = maven_projects(json)
        .iter()
        .map(|p| p["dir"].as_str().unwrap())
        .collect();
    assert_eq!(dirs, vec!["wls-auth-service", "wls-common"]);
    assert!(!pom.contains("<parent>"));

    check_direct_dependencies(
        json,
        "de.muenchen.oss.wahllokalsystem:wls-auth-service",
        &pom,
    );
    let service = root(json, "de.muenchen.oss.wahllokalsystem:wls-auth-service");
    assert_eq!(
        service["purl"],
        "pkg:maven/de.muenchen.oss.wahllokalsystem/wls-auth-service@0.0.1-SNAPSHOT"
    );
    let security = by_purl(
        json,
        "pkg:maven/de.muenchen.oss.wahllokalsystem.wls-common/security@1.1.0",
    );
    assert_eq!(security["root"], false);
    assert_eq!(security["source"]["kind"], "registry");

    // Property interpolation where the POM defines the property.
    let properties = top_properties(&pom);
    assert_eq!(properties["apache.commons.io"], "2.17.0");
    for (p, scope) in [
        ("pkg:maven/commons-io/commons-io@2.17.0", "runtime"),
        ("pkg:maven/org.mapstruct/mapstruct@1.6.2", "runtime"),
        (
            "pkg:maven/org.springdoc/springdoc-openapi-starter-webmvc-ui@2.6.0",
            "runtime",
        ),
        (
            "pkg:maven/net.logstash.logback/logstash-logback-encoder@8.0",
            "runtime",
        ),
        (
            "pkg:maven/com.oracle.database.jdbc/ojdbc11@23.5.0.24.07",
            "runtime",
        ),
    ] {
        let package = by_purl(json, p);
        assert_eq!(package["scope"], scope, "{p}");
        assert_eq!(package["locked"], true, "{p}");
    }
    // Scopes: test → test, provided → provided, optional kept.
    assert_eq!(
        by_purl(
            json,
            "pkg:maven/org.springframework.boot/spring-boot-starter-test"
        )["scope"],
        "test"
    );
    let lombok = by_purl(json, "pkg:maven/org.projectlombok/lombok");
    assert_eq!(lombok["scope"], "provided");
    let processor = by_purl(
        json,
        "pkg:maven/org.springframework.boot/spring-boot-configuration-processor",
    );
    assert_eq!(processor["optional"], true);
    assert!(edges(json, service).contains(&edge(
        "pkg:maven/org.springframework.boot/spring-boot-configuration-processor",
        "optional"
    )));

    // Versions managed by the two Spring BOMs, which are not in the tree: listed without a
    // version, not guessed, one finding per BOM naming the POM and line.
    let versionless = declared_dependencies(&pom)
        .iter()
        .filter(|d| d.version.is_none())
        .count();
    assert!(versionless > 20);
    let starter = by_purl(
        json,
        "pkg:maven/org.springframework.boot/spring-boot-starter-web",
    );
    assert_eq!(starter["version"], "");
    assert_eq!(starter["locked"], false);
    // Registry look-ups are off: the BOMs cannot be read (I011, a warning).
    let boms: Vec<&Value> = findings(json, "I011")
        .into_iter()
        .filter(|f| location(f).0 == "wls-auth-service/pom.xml")
        .collect();
    assert_eq!(boms.len(), 2, "{boms:#?}");
    for (bom, version) in [
        ("spring-boot-dependencies", "3.3.4"),
        ("spring-cloud-dependencies", "2023.0.3"),
    ] {
        let f = boms
            .iter()
            .find(|f| f["message"].as_str().unwrap().contains(bom))
            .unwrap_or_else(|| panic!("no finding for {bom}"));
        assert_eq!(f["severity"], "warning");
        assert!(f["message"].as_str().unwrap().contains(version));
        // The line of the <dependency> that imports it.
        let bom_at = pom
            .find(&format!("<artifactId>{bom}</artifactId>"))
            .unwrap();
        let dependency_at = pom[..bom_at].rfind("<dependency>").unwrap();
        let line = pom[..dependency_at].matches('\n').count() as u64 + 1;
        assert_eq!(location(f).1, Some(line));
        let note = f["notes"][0].as_str().unwrap();
        assert!(
            note.starts_with(&format!("{versionless} dependencies")),
            "{note}"
        );
    }
    assert_eq!(project(json, "wls-auth-service")["reason"], TRANSITIVE);
}

#[test]
fn wahllokalsystem_common_is_a_parent_whose_modules_are_missing_from_the_fixture() {
    let Some(dir) = shared_fixture("wahllokalsystem") else {
        return;
    };
    let pom = std::fs::read_to_string(dir.join("wls-common/pom.xml")).unwrap();
    let run = audit(&dir);
    let json = &run.json;
    let common = root(json, "de.muenchen.oss.wahllokalsystem.wls-common:parent");
    assert_eq!(
        common["purl"],
        "pkg:maven/de.muenchen.oss.wahllokalsystem.wls-common/parent@1.2.0-SNAPSHOT"
    );
    // Only dependencyManagement, no dependencies of its own.
    assert!(declared_dependencies(&pom).is_empty());
    assert!(edges(json, common).is_empty());
    assert_eq!(common["licence"]["declared"][0]["raw"], "MIT License");
    assert_eq!(common["licence"]["concluded"]["expression"], "MIT");

    // Its four modules are not part of the shared fixture: each is an error naming the line.
    let modules: Vec<&str> = pom.lines().filter_map(|l| tag(l, "module")).collect();
    assert_eq!(modules.len(), 4);
    let missing: Vec<&Value> = findings(json, "I001")
        .into_iter()
        .filter(|f| f["message"].as_str().unwrap().contains("has no POM"))
        .collect();
    assert_eq!(missing.len(), modules.len());
    for module in modules {
        let f = missing
            .iter()
            .find(|f| {
                f["message"]
                    .as_str()
                    .unwrap()
                    .contains(&format!("wls-common/{module}/pom.xml does not exist"))
            })
            .unwrap_or_else(|| panic!("no finding for module {module}"));
        assert_eq!(f["severity"], "error");
        assert_eq!(
            location(f),
            (
                "wls-common/pom.xml".to_string(),
                Some(line_of(&pom, &format!("<module>{module}</module>")))
            )
        );
    }
    assert_eq!(project(json, "wls-common")["status"], "partial");
    // Its own BOM imports are named too, one finding each.
    let boms = findings(json, "I011")
        .into_iter()
        .filter(|f| location(f).0 == "wls-common/pom.xml")
        .count();
    assert_eq!(boms, 2);
    assert_eq!(run.code, 2, "missing modules make the audit incomplete");
}

#[test]
fn zmsautomation_lists_main_and_profile_dependencies_with_interpolated_versions() {
    let Some(dir) = shared_fixture("eappointment/zmsautomation") else {
        return;
    };
    let pom = std::fs::read_to_string(dir.join("pom.xml")).unwrap();
    let run = audit(&dir);
    let json = &run.json;
    check_direct_dependencies(json, "de.muenchen.eappointment:zmsautomation", &pom);
    // Every version is defined by the POM's own properties or written out.
    for p in packages(json) {
        assert_eq!(p["locked"], true, "{}", p["purl"]);
    }
    for (p, scope) in [
        ("pkg:maven/io.rest-assured/rest-assured@6.0.1", "test"),
        ("pkg:maven/org.junit.jupiter/junit-jupiter@6.1.3", "test"),
        ("pkg:maven/de.muenchen.ataf/core@0.3.4", "runtime"),
        ("pkg:maven/org.flywaydb/flyway-core@13.3.0", "runtime"),
        (
            "pkg:maven/org.apache.logging.log4j/log4j-core@2.26.1",
            "runtime",
        ),
        ("pkg:maven/com.mysql/mysql-connector-j@26.7.0", "runtime"),
    ] {
        assert_eq!(by_purl(json, p)["scope"], scope, "{p}");
    }
    // Plugin dependencies are build tools, not part of the product.
    assert!(
        !packages(json)
            .iter()
            .any(|p| p["name"] == "org.apache.maven.surefire:surefire-testng")
    );
    assert!(findings(json, "I010").is_empty());
    assert!(findings(json, "I001").is_empty());
    assert_eq!(project(json, ".")["reason"], TRANSITIVE);
    // No input problem; the dependencies' licences are unknown, which the policy denies.
    assert_eq!(run.code, 1);
}

// ---------------------------------------------------------------------------------------------
// The repository's own fixtures

#[test]
fn parent_in_the_repository_supplies_properties_management_and_dependencies() {
    let dir = fixture("inherit");
    let run = audit(&dir);
    let json = &run.json;
    assert!(findings(json, "I010").is_empty(), "{:#?}", json["findings"]);
    assert!(findings(json, "I001").is_empty(), "{:#?}", json["findings"]);

    // app: groupId, version and licence from the parent (found by <relativePath>).
    let app = root(json, "org.example.inherit:app");
    assert_eq!(app["purl"], "pkg:maven/org.example.inherit/app@1.4.0");
    assert_eq!(app["source"]["path"], "app");
    assert_eq!(
        edges(json, app),
        BTreeSet::from([
            // The parent's dependencyManagement, with the parent's property.
            edge("pkg:maven/com.google.guava/guava@33.0.0-jre", "normal"),
            // The parent's dependencyManagement, with the child's override of its property.
            edge("pkg:maven/commons-io/commons-io@2.15.1", "normal"),
            // Version and scope both managed.
            edge("pkg:maven/org.junit.jupiter/junit-jupiter@5.10.1", "dev"),
            // Inherited from the parent's <dependencies>.
            edge("pkg:maven/org.slf4j/slf4j-api@2.0.9", "normal"),
        ])
    );
    assert_eq!(
        by_purl(json, "pkg:maven/org.junit.jupiter/junit-jupiter@5.10.1")["scope"],
        "test"
    );
    let declared = &app["licence"]["declared"][0];
    assert_eq!(declared["raw"], "EUPL-1.2");
    assert_eq!(declared["origin"]["file"], "parent/pom.xml");
    assert_eq!(
        declared["origin"]["field"],
        "licenses (inherited from org.example.inherit:parent:1.4.0)"
    );

    // lookup: the default relativePath does not exist; the parent is found by coordinates.
    let lookup = root(json, "org.example.inherit:lookup");
    assert_eq!(lookup["purl"], "pkg:maven/org.example.inherit/lookup@3.0.0");
    assert_eq!(
        edges(json, lookup),
        BTreeSet::from([
            // ${project.parent.version}; app is another project, so a published artefact.
            edge("pkg:maven/org.example.inherit/app@1.4.0", "normal"),
            // No override here: the parent's own value.
            edge("pkg:maven/commons-io/commons-io@2.11.0", "normal"),
            edge("pkg:maven/org.slf4j/slf4j-api@2.0.9", "normal"),
        ])
    );
    // Its own licence wins over the parent's.
    assert_eq!(lookup["licence"]["declared"][0]["raw"], "MIT License");
    assert_eq!(lookup["licence"]["concluded"]["expression"], "MIT");
    assert_eq!(
        lookup["licence"]["declared"][0]["origin"]["file"],
        "lookup/pom.xml"
    );
    assert_eq!(run.code, 1, "unknown dependency licences are denied");
}

#[test]
fn multi_module_build_has_one_root_per_module_and_edges_between_them() {
    let dir = fixture("multimodule");
    let run = audit(&dir);
    let json = &run.json;
    let projects = maven_projects(json);
    assert_eq!(projects.len(), 1);
    assert_eq!(projects[0]["reason"], TRANSITIVE);

    let v = "2.1.0";
    let parent = root(json, "org.example.multi:multi-parent");
    let core = root(json, "org.example.multi:core");
    let app = root(json, "org.example.multi:app");
    // A module listed only in a profile is read when the profile is active (here by default).
    let extras = root(json, "org.example.multi:extras");
    let roots: Vec<&Value> = packages(json)
        .iter()
        .filter(|p| p["root"] == true)
        .collect();
    assert_eq!(roots.len(), 4);
    assert_eq!(
        core["purl"],
        format!("pkg:maven/org.example.multi/core@{v}")
    );
    assert_eq!(core["source"]["path"], "core");
    let core_purl = purl("org.example.multi:core", v);
    let extras_purl = purl("org.example.multi:extras", v);
    assert!(edges(json, parent).is_empty());
    assert_eq!(
        edges(json, app),
        BTreeSet::from([
            // Version from the parent's dependencyManagement: ${project.version}.
            edge(&core_purl, "normal"),
            // ${project.groupId}:extras:${project.version}, test scope.
            edge(&extras_purl, "dev"),
            edge(
                "pkg:maven/org.apache.commons/commons-lang3@3.14.0",
                "normal"
            ),
        ])
    );
    assert_eq!(
        edges(json, extras),
        BTreeSet::from([
            edge(&core_purl, "normal"),
            edge(
                "pkg:maven/com.fasterxml.jackson.core/jackson-databind@2.17.0",
                "normal"
            ),
        ])
    );

    // Scopes of core's dependencies.
    let core_pom = std::fs::read_to_string(dir.join("core/pom.xml")).unwrap();
    let stamp = "pkg:maven/com.example.tools/stamp@$%7Benv.BUILD_NUMBER%7D";
    assert_eq!(
        edges(json, core),
        BTreeSet::from([
            edge(
                "pkg:maven/com.fasterxml.jackson.core/jackson-databind@2.17.0",
                "normal"
            ),
            edge("pkg:maven/javax.servlet/javax.servlet-api@4.0.1", "build"),
            edge("pkg:maven/org.postgresql/postgresql@42.7.3", "normal"),
            edge("pkg:maven/org.junit.jupiter/junit-jupiter@5.10.2", "dev"),
            edge(
                "pkg:maven/com.github.ben-manes.caffeine/caffeine@3.1.8",
                "optional"
            ),
            edge(stamp, "normal"),
            edge("pkg:maven/com.example.legacy/legacy-lib@1.0", "normal"),
        ])
    );
    for (p, scope, optional) in [
        (
            "pkg:maven/javax.servlet/javax.servlet-api@4.0.1",
            "provided",
            false,
        ),
        (
            "pkg:maven/org.postgresql/postgresql@42.7.3",
            "runtime",
            false,
        ),
        (
            "pkg:maven/org.junit.jupiter/junit-jupiter@5.10.2",
            "test",
            false,
        ),
        (
            "pkg:maven/com.github.ben-manes.caffeine/caffeine@3.1.8",
            "runtime",
            true,
        ),
        (
            "pkg:maven/com.example.legacy/legacy-lib@1.0",
            "runtime",
            false,
        ),
    ] {
        let package = by_purl(json, p);
        assert_eq!(package["scope"], scope, "{p}");
        assert_eq!(package["optional"], optional, "{p}");
        assert_eq!(package["locked"], true, "{p}");
    }

    // ${env.BUILD_NUMBER} (through a property): kept as written, not locked, one finding.
    let stamp_package = by_purl(json, stamp);
    assert_eq!(stamp_package["version"], "${env.BUILD_NUMBER}");
    assert_eq!(stamp_package["locked"], false);
    let unresolved = findings(json, "I010");
    assert_eq!(unresolved.len(), 1, "{unresolved:#?}");
    assert_eq!(unresolved[0]["package"], stamp);
    assert!(
        unresolved[0]["message"]
            .as_str()
            .unwrap()
            .contains("environment variable")
    );
    assert_eq!(
        location(unresolved[0]),
        (
            "core/pom.xml".to_string(),
            Some(line_of(&core_pom, "<version>${build.number}</version>"))
        )
    );

    // system scope: a warning naming the file.
    let system = findings(json, "I007");
    assert_eq!(system.len(), 1);
    assert!(
        system[0]["message"]
            .as_str()
            .unwrap()
            .contains("core/lib/legacy-lib.jar")
    );
    assert_eq!(
        location(system[0]).1,
        Some({
            let at = core_pom.find("<artifactId>legacy-lib").unwrap();
            core_pom[..core_pom[..at].rfind("<dependency>").unwrap()]
                .matches('\n')
                .count() as u64
                + 1
        })
    );

    // Two <license> elements: both apply.
    for r in [parent, core, app, extras] {
        let declared = &r["licence"]["declared"][0];
        assert_eq!(
            declared["raw"],
            "The Apache Software License, Version 2.0 AND MIT License"
        );
        assert_eq!(declared["origin"]["file"], "pom.xml");
        assert_eq!(
            r["licence"]["concluded"]["expression"],
            "Apache-2.0 AND MIT"
        );
    }

    // A POM below the build that is no module is named, not read; one in src/ is neither.
    let unlisted: Vec<&Value> = findings(json, "I001");
    assert_eq!(unlisted.len(), 1, "{unlisted:#?}");
    assert_eq!(unlisted[0]["severity"], "warning");
    let message = unlisted[0]["message"].as_str().unwrap();
    assert!(message.contains("tools/unlisted/pom.xml"), "{message}");
    assert!(!message.contains("src/it"), "{message}");
    assert!(
        !packages(json)
            .iter()
            .any(|p| p["name"] == "org.example:never-read")
    );
    assert_eq!(run.code, 1);
}

#[test]
fn local_bom_is_imported_and_remote_bom_is_named_not_guessed() {
    let dir = fixture("bom");
    let service_pom = std::fs::read_to_string(dir.join("service/pom.xml")).unwrap();
    let run = audit(&dir);
    let json = &run.json;
    let service = root(json, "org.example.bom:service");
    assert_eq!(
        edges(json, service),
        BTreeSet::from([
            // The BOM's version, from a property only the BOM defines.
            edge("pkg:maven/com.google.guava/guava@33.1.0-jre", "normal"),
            // Version and scope from the BOM.
            edge("pkg:maven/org.slf4j/slf4j-simple@2.0.12", "normal"),
            edge("pkg:maven/org.assertj/assertj-core@3.25.3", "dev"),
            // Managed by the BOM that is not in the tree: no version.
            edge(
                "pkg:maven/org.springframework.boot/spring-boot-starter-web",
                "normal"
            ),
            edge(
                "pkg:maven/org.springframework.boot/spring-boot-starter-test",
                "dev"
            ),
        ])
    );
    assert_eq!(
        by_purl(json, "pkg:maven/org.assertj/assertj-core@3.25.3")["scope"],
        "test"
    );
    for p in [
        "pkg:maven/org.springframework.boot/spring-boot-starter-web",
        "pkg:maven/org.springframework.boot/spring-boot-starter-test",
    ] {
        let package = by_purl(json, p);
        assert_eq!(package["version"], "", "{p}");
        assert_eq!(package["locked"], false, "{p}");
    }
    assert!(findings(json, "I010").is_empty());
    let unresolved = findings(json, "I011");
    assert_eq!(unresolved.len(), 1, "{unresolved:#?}");
    let message = unresolved[0]["message"].as_str().unwrap();
    assert!(
        message.contains("org.springframework.boot:spring-boot-dependencies:3.3.4"),
        "{message}"
    );
    assert!(!message.contains("platform-bom"));
    let import_line = {
        let at = service_pom
            .find("<artifactId>spring-boot-dependencies")
            .unwrap();
        service_pom[..service_pom[..at].rfind("<dependency>").unwrap()]
            .matches('\n')
            .count() as u64
            + 1
    };
    assert_eq!(
        location(unresolved[0]),
        ("service/pom.xml".to_string(), Some(import_line))
    );
    assert!(
        unresolved[0]["notes"][0]
            .as_str()
            .unwrap()
            .contains("org.springframework.boot:spring-boot-starter-web")
    );
    // The BOM itself is a project of its own, with nothing to resolve.
    assert_eq!(project(json, "platform")["status"], "complete");
}

#[test]
fn remote_parent_is_named_and_what_it_would_supply_stays_unresolved() {
    let dir = fixture("remote-parent");
    let pom = std::fs::read_to_string(dir.join("pom.xml")).unwrap();
    assert!(!pom.contains("xmlns"), "this POM has no namespace");
    let run = audit(&dir);
    let json = &run.json;
    let demo = root(json, "com.example.remote:demo");
    assert_eq!(
        demo["purl"],
        "pkg:maven/com.example.remote/demo@0.0.1-SNAPSHOT"
    );

    let unresolved = findings(json, "I010");
    let unread = findings(json, "I011");
    let parent: Vec<&&Value> = unread
        .iter()
        .filter(|f| {
            f["message"]
                .as_str()
                .unwrap()
                .contains("spring-boot-starter-parent")
        })
        .collect();
    assert_eq!(parent.len(), 1, "{unread:#?}");
    assert_eq!(
        location(parent[0]),
        ("pom.xml".to_string(), Some(line_of(&pom, "<parent>")))
    );
    assert!(
        parent[0]["message"]
            .as_str()
            .unwrap()
            .contains("org.springframework.boot:spring-boot-starter-parent:3.3.4")
    );

    // Declared without a version: no version, not locked.
    let web = by_purl(
        json,
        "pkg:maven/org.springframework.boot/spring-boot-starter-web",
    );
    assert_eq!(web["version"], "");
    assert_eq!(web["locked"], false);
    // A property the remote parent might define: kept as written, with its own finding.
    let jackson = by_purl(
        json,
        "pkg:maven/com.fasterxml.jackson.core/jackson-databind@$%7Bjackson.version%7D",
    );
    assert_eq!(jackson["version"], "${jackson.version}");
    assert_eq!(jackson["locked"], false);
    let property: Vec<&&Value> = unresolved
        .iter()
        .filter(|f| f["package"] == jackson["purl"])
        .collect();
    assert_eq!(property.len(), 1);
    assert_eq!(
        location(property[0]),
        (
            "pom.xml".to_string(),
            Some(line_of(&pom, "<version>${jackson.version}</version>"))
        )
    );
    assert_eq!(unresolved.len(), 1);
    assert_eq!(unread.len(), 1);
    // The POM's own property resolves.
    assert_eq!(
        by_purl(json, "pkg:maven/com.google.guava/guava@33.2.0-jre")["locked"],
        true
    );
    // Nothing is guessed: every unlocked version is empty or the text of the POM.
    for p in packages(json).iter().filter(|p| p["locked"] == false) {
        let version = p["version"].as_str().unwrap();
        assert!(version.is_empty() || pom.contains(version), "{version}");
    }
    assert_eq!(edges(json, demo).len(), declared_dependencies(&pom).len());
}

#[test]
fn malformed_pom_names_file_and_line_and_exits_2() {
    let dir = fixture("malformed");
    let pom = std::fs::read_to_string(dir.join("pom.xml")).unwrap();
    let run = audit(&dir);
    let json = &run.json;
    assert_eq!(run.code, 2);
    let errors = findings(json, "I001");
    assert_eq!(errors.len(), 1);
    assert_eq!(errors[0]["severity"], "error");
    assert!(
        errors[0]["message"]
            .as_str()
            .unwrap()
            .starts_with("pom.xml is not well-formed XML")
    );
    assert_eq!(
        location(errors[0]),
        (
            "pom.xml".to_string(),
            Some(line_of(&pom, "<artifactId>slf4j-api</groupId>"))
        )
    );
    assert_eq!(project(json, ".")["status"], "failed");
    assert!(packages(json).is_empty());
}

#[test]
fn a_pom_xml_that_is_not_a_pom_is_unreadable() {
    let dir = fixture("not-a-pom");
    let pom = std::fs::read_to_string(dir.join("pom.xml")).unwrap();
    let run = audit(&dir);
    assert_eq!(run.code, 2);
    let errors = findings(&run.json, "I001");
    assert_eq!(errors.len(), 1);
    assert!(
        errors[0]["message"]
            .as_str()
            .unwrap()
            .contains("not a Maven POM: its root element is <settings>")
    );
    assert_eq!(
        location(errors[0]),
        ("pom.xml".to_string(), Some(line_of(&pom, "<settings")))
    );
}

#[test]
fn a_malformed_module_is_reported_and_the_other_modules_are_still_read() {
    let tmp = tempfile::tempdir().unwrap();
    copy_tree(&fixture("multimodule"), tmp.path());
    let broken = "<?xml version=\"1.0\"?>\n<project>\n  <artifactId>core</artifactId>\n  <dependencies>\n    <dependency>\n</project>\n";
    std::fs::write(tmp.path().join("core/pom.xml"), broken).unwrap();
    let run = audit(tmp.path());
    let json = &run.json;
    assert_eq!(run.code, 2);
    let errors: Vec<&Value> = findings(json, "I001")
        .into_iter()
        .filter(|f| f["severity"] == "error")
        .collect();
    assert_eq!(errors.len(), 1, "{errors:#?}");
    assert_eq!(location(errors[0]).0, "core/pom.xml");
    assert_eq!(location(errors[0]).1, Some(line_of(broken, "</project>")));
    let status = project(json, ".");
    assert_eq!(status["status"], "partial");
    assert!(status["reason"].as_str().unwrap().contains("core/pom.xml"));
    // app is still read; core is no longer a module, so app's dependency on it is a published
    // artefact at the managed version.
    let app = root(json, "org.example.multi:app");
    assert!(edges(json, app).contains(&edge("pkg:maven/org.example.multi/core@2.1.0", "normal")));
    assert_eq!(
        by_purl(json, "pkg:maven/org.example.multi/core@2.1.0")["root"],
        false
    );
}

#[test]
fn parent_cycles_are_cut_and_reported() {
    let dir = fixture("parent-cycle");
    let run = audit(&dir);
    let json = &run.json;
    assert_eq!(run.code, 2);
    let cycles: Vec<&Value> = findings(json, "I001")
        .into_iter()
        .filter(|f| f["message"].as_str().unwrap().contains("form a cycle"))
        .collect();
    assert_eq!(cycles.len(), 2, "one per project");
    // a's chain is a → b (cut when b points back at a): b's property still applies.
    let a = root(json, "org.example.cycle:a");
    assert!(edges(json, a).contains(&edge("pkg:maven/org.slf4j/slf4j-api@2.0.9", "normal")));
    assert_eq!(project(json, "a")["status"], "partial");
}

#[test]
fn ci_friendly_parent_version_and_a_local_bom_below_a_remote_parent() {
    let dir = fixture("revision");
    let pom = std::fs::read_to_string(dir.join("pom.xml")).unwrap();
    let run = audit(&dir);
    let json = &run.json;
    // `<parent><version>${revision}</version>` finds ../pom.xml, whose properties define it.
    let svc = root(json, "org.example.rev:svc");
    assert_eq!(svc["purl"], "pkg:maven/org.example.rev/svc@4.2.0");
    assert_eq!(svc["locked"], true);
    assert_eq!(
        root(json, "org.example.rev:rev-parent")["purl"],
        "pkg:maven/org.example.rev/rev-parent@4.2.0"
    );
    // The local BOM gives guava a version, but the remote parent's dependencyManagement would
    // win where it manages guava too: kept at the BOM's version, not locked.
    let guava = by_purl(json, "pkg:maven/com.google.guava/guava@33.3.0-jre");
    assert_eq!(guava["locked"], false);
    let web = by_purl(
        json,
        "pkg:maven/org.springframework.boot/spring-boot-starter-web",
    );
    assert_eq!(web["locked"], false);
    assert!(findings(json, "I010").is_empty());
    let unresolved = findings(json, "I011");
    assert_eq!(unresolved.len(), 1, "{unresolved:#?}");
    assert_eq!(
        location(unresolved[0]),
        ("pom.xml".to_string(), Some(line_of(&pom, "<parent>")))
    );
    let notes: Vec<&str> = unresolved[0]["notes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n.as_str().unwrap())
        .collect();
    assert_eq!(notes.len(), 2, "{notes:?}");
    assert!(
        notes[0].ends_with("com.google.guava:guava 33.3.0-jre"),
        "{notes:?}"
    );
    assert!(
        notes[1].ends_with("org.springframework.boot:spring-boot-starter-web"),
        "{notes:?}"
    );
    assert!(findings(json, "I001").is_empty());
}

#[test]
fn problems_of_the_pom_model_are_german_in_the_german_report() {
    let Some(dir) = shared_fixture("wahllokalsystem") else {
        return;
    };
    // The imported BOMs cannot be read with registry look-ups off: the model's problems.
    let (_, stdout, stderr) = support::audit_text(
        &dir,
        &[
            "--offline",
            "--format",
            "human",
            "--lang",
            "de",
            "--color",
            "never",
        ],
    );
    let report = format!("{stdout}{stderr}");
    let bom_lines: Vec<&str> = report
        .lines()
        .filter(|l| l.contains("spring-boot-dependencies:3.3.4"))
        .collect();
    assert!(!bom_lines.is_empty(), "{report}");
    for line in bom_lines {
        assert!(line.contains("importiert in wls-"), "{line}");
        assert!(!line.contains("imported in"), "{line}");
        assert!(!line.contains("the versions it manages"), "{line}");
    }
}
