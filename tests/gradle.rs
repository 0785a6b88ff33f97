//! The Gradle reader, end to end: `fundament audit <dir> --format json` on the repository's own
//! Gradle fixtures (tests/fixtures/gradle, written by hand: a multi-project build with a
//! settings.gradle.kts, a version catalog, a locked subproject, a Kotlin and a Groovy
//! subproject without lockfile and a buildSrc; a build with a malformed lockfile line) and on
//! the shared ris-backend build script (../shared/fixtures, skipped when absent).
//!
//! Locked packages are computed from the fixture's own lockfile by the small reader below;
//! declared ones are listed by hand from the build scripts, or, for ris-backend, extracted from
//! the script line by line, independently of the reader's tokenizer.

mod support;

use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use support::{JsonRun, audit_json, copy_tree, findings, fixture, shared_fixture};

fn multi() -> PathBuf {
    fixture("gradle/multi")
}

fn audit(dir: &Path) -> JsonRun {
    audit_json(dir, &[])
}

/// A copy of a fixture to change.
fn scratch(case: &str) -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join(case);
    copy_tree(&fixture(&format!("gradle/{case}")), &dir);
    (tmp, dir)
}

fn packages(json: &Value) -> &Vec<Value> {
    json["packages"].as_array().expect("`packages` is an array")
}

fn by_purl<'a>(json: &'a Value, purl: &str) -> &'a Value {
    let found: Vec<&Value> = packages(json)
        .iter()
        .filter(|p| p["purl"] == purl)
        .collect();
    assert_eq!(found.len(), 1, "expected exactly one package {purl}");
    found[0]
}

/// The purl of a Maven coordinate (`+`, `{`, `}` percent-encoded as the purl crate does).
fn maven_purl(group: &str, artifact: &str, version: &str) -> String {
    let base = format!("pkg:maven/{group}/{artifact}");
    if version.is_empty() {
        base
    } else {
        let encoded = version
            .replace('{', "%7B")
            .replace('}', "%7D")
            .replace('+', "%2B");
        format!("{base}@{encoded}")
    }
}

/// The purls of the project's own packages and of the others.
fn split(json: &Value) -> (BTreeSet<String>, BTreeSet<String>) {
    let mut own = BTreeSet::new();
    let mut others = BTreeSet::new();
    for p in packages(json) {
        let purl = p["purl"].as_str().unwrap().to_string();
        if p["root"] == true {
            own.insert(purl);
        } else {
            others.insert(purl);
        }
    }
    (own, others)
}

/// The edges of a package, as (target purl, kind).
fn edges(json: &Value, purl: &str) -> BTreeSet<(String, String)> {
    by_purl(json, purl)["dependencies"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            let target = &packages(json)[d["package"].as_u64().unwrap() as usize];
            (
                target["purl"].as_str().unwrap().to_string(),
                d["kind"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

/// The scope this test suite expects for a configuration.
fn scope_of(configuration: &str) -> &'static str {
    let lower = configuration.to_lowercase();
    if lower.contains("test") {
        "test"
    } else if lower.ends_with("compileonly") || lower.ends_with("compileonlyapi") {
        "provided"
    } else if lower == "kapt" || lower == "classpath" || lower.contains("annotationprocessor") {
        "build"
    } else {
        "runtime"
    }
}

fn rank(scope: &str) -> u8 {
    match scope {
        "runtime" => 0,
        "provided" => 1,
        "build" => 2,
        "test" => 3,
        _ => 4,
    }
}

/// A gradle.lockfile, read independently: purl → smallest scope of its configurations. Where
/// the file locks the product's runtime classpath, `compileClasspath` alone is compile-only
/// (`provided`).
fn lockfile(path: &Path) -> BTreeMap<String, &'static str> {
    let text = std::fs::read_to_string(path).unwrap();
    let runtime_locked = text.lines().any(|l| {
        l.split_once('=').is_some_and(|(_, configurations)| {
            configurations
                .split(',')
                .any(|c| c.to_lowercase().ends_with("runtimeclasspath") && scope_of(c) == "runtime")
        })
    });
    let scope_of = |c: &str| match scope_of(c) {
        "runtime" if runtime_locked && c.to_lowercase().ends_with("compileclasspath") => "provided",
        other => other,
    };
    let mut out = BTreeMap::new();
    for line in text.lines() {
        if line.starts_with('#') || line.starts_with("empty=") || line.trim().is_empty() {
            continue;
        }
        let (coordinate, configurations) = line.split_once('=').unwrap();
        let parts: Vec<&str> = coordinate.split(':').collect();
        let scope = configurations
            .split(',')
            .map(scope_of)
            .min_by_key(|s| rank(s))
            .unwrap();
        out.insert(maven_purl(parts[0], parts[1], parts[2]), scope);
    }
    out
}

// ---------------------------------------------------------------------------------------------
// The multi-project fixture

/// What the fixture's scripts without lockfile declare: purl → scope. Read by hand from
/// core/build.gradle.kts, legacy/build.gradle and buildSrc/build.gradle.kts (versions through
/// the catalog, gradle.properties, `val`s, `ext` and Groovy maps).
fn declared_in_multi() -> BTreeMap<String, &'static str> {
    [
        // core/build.gradle.kts
        (maven_purl("org.slf4j", "slf4j-api", "2.0.9"), "runtime"),
        (
            maven_purl("commons-codec", "commons-codec", "1.16.1"),
            "runtime",
        ),
        (
            maven_purl("org.apache.commons", "commons-lang3", "3.14.0"),
            "runtime",
        ),
        (
            maven_purl(
                "org.springframework.boot",
                "spring-boot-dependencies",
                "3.2.4",
            ),
            "runtime",
        ),
        (
            maven_purl("org.springframework", "spring-core", ""),
            "runtime",
        ),
        (maven_purl("org.yaml", "snakeyaml", "2.2"), "runtime"),
        (
            maven_purl("org.postgresql", "postgresql", "42.7.3"),
            "runtime",
        ),
        (
            maven_purl("org.junit.jupiter", "junit-jupiter", "5.10.2"),
            "test",
        ),
        (
            maven_purl("org.junit.platform", "junit-platform-launcher", "1.10.2"),
            "test",
        ),
        // legacy/build.gradle
        (
            maven_purl("org.springframework", "spring-context", "6.1.5"),
            "runtime",
        ),
        (
            maven_purl("org.springframework", "spring-jdbc", "6.1.5"),
            "runtime",
        ),
        (
            maven_purl("org.hibernate.orm", "hibernate-core", "6.4.4.Final"),
            "runtime",
        ),
        (
            maven_purl("org.apache.logging.log4j", "log4j-core", "2.23.1"),
            "runtime",
        ),
        (maven_purl("com.h2database", "h2", "2.2.224"), "runtime"),
        // compileOnly and annotationProcessor here; compileClasspath and annotationProcessor
        // in app's lockfile: compiled against, not shipped.
        (
            maven_purl("org.projectlombok", "lombok", "1.18.30"),
            "provided",
        ),
        (
            maven_purl("org.example", "internal-lib", "$internalVersion"),
            "runtime",
        ),
        (maven_purl("junit", "junit", "4.13.2"), "test"),
        (maven_purl("org.hamcrest", "hamcrest", "2.2"), "test"),
        // buildSrc/build.gradle.kts: build logic
        (
            maven_purl("com.diffplug.spotless", "spotless-plugin-gradle", "6.25.0"),
            "build",
        ),
    ]
    .into_iter()
    .collect()
}

#[test]
fn each_project_of_the_build_is_a_root_package() {
    let json = audit(&multi()).json;
    let (own, _) = split(&json);
    let want: BTreeSet<String> = [
        // The name from settings.gradle.kts, group and version from the root build.
        "pkg:maven/org.example.fixture/fundament-gradle-fixture@1.2.0",
        "pkg:maven/org.example.fixture/app@1.2.0",
        "pkg:maven/org.example.fixture/buildSrc@1.2.0",
        "pkg:maven/org.example.fixture/core@1.2.0",
        // Groovy `version '0.9.0'`.
        "pkg:maven/org.example.fixture/legacy@0.9.0",
    ]
    .into_iter()
    .map(String::from)
    .collect();
    assert_eq!(own, want);
    let root = by_purl(
        &json,
        "pkg:maven/org.example.fixture/fundament-gradle-fixture@1.2.0",
    );
    assert_eq!(root["source"]["kind"], "path");
    assert_eq!(root["source"]["path"], ".");
    let legacy = by_purl(&json, "pkg:maven/org.example.fixture/legacy@0.9.0");
    assert_eq!(legacy["source"]["path"], "legacy");

    let project = &json["projects"][0];
    assert_eq!(json["projects"].as_array().unwrap().len(), 1);
    assert_eq!(project["kind"], "gradle");
    assert_eq!(project["manifest"], "settings.gradle.kts");
    assert_eq!(
        project["reader"],
        "gradle.lockfile + build scripts (declared)"
    );
    assert_eq!(project["status"], "partial");
    assert_eq!(project["roots"].as_array().unwrap().len(), 5);
}

#[test]
fn locked_and_declared_dependencies_are_listed_once_each() {
    let dir = multi();
    let json = audit(&dir).json;
    let mut locked = lockfile(&dir.join("app/gradle.lockfile"));
    // The build script's classpath: build scope, unless the product uses it too.
    for (purl, scope) in lockfile(&dir.join("app/buildscript-gradle.lockfile")) {
        let entry = locked.entry(purl).or_insert(scope);
        if rank(scope) < rank(entry) {
            *entry = scope;
        }
    }
    assert!(locked.contains_key("pkg:maven/org.jetbrains.kotlin/kotlin-gradle-plugin@1.9.22"));
    let declared = declared_in_multi();
    let (_, others) = split(&json);
    let mut want: BTreeSet<String> = locked.keys().cloned().collect();
    want.extend(declared.keys().cloned());
    assert_eq!(others, want);

    for (purl, scope) in &locked {
        let p = by_purl(&json, purl);
        assert_eq!(p["locked"], true, "{purl}");
        let expected = declared
            .get(purl)
            .map_or(*scope, |d| if rank(d) < rank(scope) { d } else { scope });
        assert_eq!(p["scope"], expected, "{purl}");
    }
    for (purl, scope) in &declared {
        let p = by_purl(&json, purl);
        assert_eq!(p["scope"], *scope, "{purl}");
        // Only declared: not resolved, unless a lockfile also locks that version.
        assert_eq!(p["locked"], locked.contains_key(purl), "{purl}");
    }
    // A catalog entry no script uses is a candidate, not a dependency.
    assert!(!others.iter().any(|p| p.contains("never-used")));
    // Every dependency: no licence in Gradle's files, and the report says so.
    for p in packages(&json).iter().filter(|p| p["root"] == false) {
        assert_eq!(p["licence_unavailable"], "Gradle files record no licences");
        assert_eq!(p["source"]["kind"], "registry");
    }
    assert_eq!(
        support::affected(&json, "L009").len(),
        others.len(),
        "every dependency is unresolved"
    );
}

#[test]
fn scopes_follow_configurations() {
    let json = audit(&multi()).json;
    let scope = |purl: &str| by_purl(&json, purl)["scope"].as_str().unwrap().to_string();
    // kapt and annotation processors: build.
    assert_eq!(
        scope("pkg:maven/com.google.dagger/dagger-compiler@2.50"),
        "build"
    );
    assert_eq!(
        scope("pkg:maven/com.google.guava/guava@32.1.3-jre"),
        "build"
    );
    // The same module on the product's classpath: runtime.
    assert_eq!(
        scope("pkg:maven/com.google.guava/guava@33.0.0-jre"),
        "runtime"
    );
    // In kapt and in runtimeClasspath: the smallest scope wins.
    assert_eq!(
        scope("pkg:maven/com.google.code.findbugs/jsr305@3.0.2"),
        "runtime"
    );
    // annotationProcessor and compileClasspath, not runtimeClasspath (which the lockfile
    // locks): compiled against, not shipped.
    assert_eq!(
        scope("pkg:maven/org.projectlombok/lombok@1.18.30"),
        "provided"
    );
    assert_eq!(
        scope("pkg:maven/org.junit.jupiter/junit-jupiter-engine@5.10.2"),
        "test"
    );
    assert_eq!(
        scope("pkg:maven/org.junit.platform/junit-platform-launcher@1.10.2"),
        "test"
    );
    assert_eq!(scope("pkg:maven/junit/junit@4.13.2"), "test");
    // The buildscript classpath.
    assert_eq!(
        scope("pkg:maven/org.jetbrains.kotlin/kotlin-gradle-plugin@1.9.22"),
        "build"
    );
    // buildSrc is build logic.
    assert_eq!(
        scope("pkg:maven/com.diffplug.spotless/spotless-plugin-gradle@6.25.0"),
        "build"
    );
}

#[test]
fn edges_go_from_each_project_to_what_it_uses() {
    let json = audit(&multi()).json;
    let core = "pkg:maven/org.example.fixture/core@1.2.0".to_string();
    let app = edges(&json, "pkg:maven/org.example.fixture/app@1.2.0");
    assert!(
        app.contains(&(core.clone(), "normal".to_string())),
        "{app:#?}"
    );
    assert!(app.contains(&(
        "pkg:maven/com.google.dagger/dagger-compiler@2.50".to_string(),
        "build".to_string()
    )));
    assert!(app.contains(&(
        "pkg:maven/org.opentest4j/opentest4j@1.3.0".to_string(),
        "dev".to_string()
    )));
    let legacy = edges(&json, "pkg:maven/org.example.fixture/legacy@0.9.0");
    assert!(legacy.contains(&(core, "normal".to_string())));
    assert_eq!(legacy.len(), 10, "{legacy:#?}");
    let core_edges = edges(&json, "pkg:maven/org.example.fixture/core@1.2.0");
    assert_eq!(core_edges.len(), 9);
    assert!(core_edges.contains(&(
        "pkg:maven/org.junit.jupiter/junit-jupiter@5.10.2".to_string(),
        "dev".to_string()
    )));
}

#[test]
fn each_build_file_without_lockfile_gets_one_warning() {
    let json = audit(&multi()).json;
    let warnings = findings(&json, "I010");
    let located: BTreeSet<(String, u64)> = warnings
        .iter()
        .map(|f| {
            assert_eq!(f["severity"], "warning");
            (
                f["location"]["file"].as_str().unwrap().to_string(),
                f["location"]["line"].as_u64().unwrap(),
            )
        })
        .collect();
    // The line of each script's first declaration.
    let want: BTreeSet<(String, u64)> = [
        ("buildSrc/build.gradle.kts", 6),
        ("core/build.gradle.kts", 9),
        ("legacy/build.gradle", 17),
    ]
    .into_iter()
    .map(|(f, l)| (f.to_string(), l))
    .collect();
    assert_eq!(located, want);
    let legacy = warnings
        .iter()
        .find(|f| f["location"]["file"] == "legacy/build.gradle")
        .unwrap();
    assert!(
        legacy["message"]
            .as_str()
            .unwrap()
            .contains("declares 10 dependencies"),
        "{}",
        legacy["message"]
    );
    let notes = legacy["notes"].to_string();
    assert!(notes.contains("--write-locks"), "{notes}");
    assert!(notes.contains("`internalVersion` (line 26)"), "{notes}");
    let core = warnings
        .iter()
        .find(|f| f["location"]["file"] == "core/build.gradle.kts")
        .unwrap();
    assert!(
        core["message"]
            .as_str()
            .unwrap()
            .contains("1 without a version"),
        "{}",
        core["message"]
    );
    // The locked subproject needs no warning.
    assert!(
        !warnings
            .iter()
            .any(|f| f["location"]["file"] == "app/build.gradle.kts")
    );
    // The unresolved version is kept as written.
    let internal = by_purl(
        &json,
        &maven_purl("org.example", "internal-lib", "$internalVersion"),
    );
    assert_eq!(internal["version"], "$internalVersion");
    assert_eq!(internal["locked"], false);
    // The German report says all of it in German: the note, the reference's line, the reader.
    let (_, human, _) = support::audit_text(&multi(), &["--lang", "de", "--color", "never"]);
    assert!(
        human.contains(
            "aus den Build-Dateien und gradle.properties nicht auflösbar, wie geschrieben \
             übernommen: `internalVersion` (Zeile 26)"
        ),
        "{human}"
    );
    assert!(human.contains("Build-Skripte (angegeben"), "{human}");
    for english in [
        "kept as written",
        "(line ",
        "build scripts (",
        "no lockfile",
    ] {
        assert!(!human.contains(english), "{english}: {human}");
    }
}

#[test]
fn a_malformed_lockfile_line_names_file_and_line() {
    let run = audit(&fixture("gradle/malformed"));
    assert_eq!(run.code, 2, "unreadable input makes the audit incomplete");
    let errors = findings(&run.json, "I001");
    assert_eq!(errors.len(), 1, "{:#?}", run.json["findings"]);
    assert_eq!(errors[0]["location"]["file"], "gradle.lockfile");
    assert_eq!(errors[0]["location"]["line"], 5);
    assert!(
        errors[0]["message"]
            .as_str()
            .unwrap()
            .contains("gradle.lockfile line 5: `com.google.guava:failureaccess`"),
        "{}",
        errors[0]["message"]
    );
    // The other lines are read.
    let (own, others) = split(&run.json);
    assert_eq!(own, BTreeSet::from(["pkg:maven/broken-lock".to_string()]));
    assert_eq!(
        others,
        BTreeSet::from([
            "pkg:maven/com.google.guava/guava@33.0.0-jre".to_string(),
            "pkg:maven/org.checkerframework/checker-qual@3.41.0".to_string(),
        ])
    );
    assert_eq!(run.json["projects"][0]["status"], "partial");
    assert_eq!(run.json["projects"][0]["lockfile"], "gradle.lockfile");
    assert_eq!(run.json["projects"][0]["reader"], "gradle.lockfile");
    // With a lockfile, the declarations are not listed a second time.
    assert!(findings(&run.json, "I010").is_empty());
}

#[test]
fn a_malformed_build_script_names_file_and_line() {
    let (_tmp, dir) = scratch("multi");
    let path = dir.join("core/build.gradle.kts");
    let text = std::fs::read_to_string(&path).unwrap();
    std::fs::write(
        &path,
        text.replace(
            "implementation(\"org.springframework:spring-core\")",
            "implementation(\"org.springframework:spring-core)",
        ),
    )
    .unwrap();
    let line = text
        .lines()
        .position(|l| l.contains("spring-core"))
        .unwrap()
        + 1;
    let run = audit(&dir);
    assert_eq!(run.code, 2);
    let errors = findings(&run.json, "I001");
    assert_eq!(errors.len(), 1, "{:#?}", run.json["findings"]);
    assert_eq!(errors[0]["location"]["file"], "core/build.gradle.kts");
    assert_eq!(errors[0]["location"]["line"], line);
    assert!(
        errors[0]["message"]
            .as_str()
            .unwrap()
            .contains("unterminated string")
    );
    // What came before the error is still read.
    by_purl(&run.json, "pkg:maven/org.slf4j/slf4j-api@2.0.9");
}

#[test]
fn a_malformed_version_catalog_names_file_and_line() {
    let (_tmp, dir) = scratch("multi");
    let path = dir.join("gradle/libs.versions.toml");
    let text = std::fs::read_to_string(&path).unwrap();
    std::fs::write(
        &path,
        text.replace(
            "guava = { module = \"com.google.guava:guava\", version.ref = \"guava\" }",
            "guava = { module = \"com.google.guava:guava\", version.ref = \"missing\" }",
        ),
    )
    .unwrap();
    let line = text
        .lines()
        .position(|l| l.starts_with("guava = { module"))
        .unwrap()
        + 1;
    let run = audit(&dir);
    assert_eq!(run.code, 2);
    let errors = findings(&run.json, "I001");
    assert_eq!(errors.len(), 1, "{:#?}", run.json["findings"]);
    assert_eq!(errors[0]["location"]["file"], "gradle/libs.versions.toml");
    assert_eq!(errors[0]["location"]["line"], line);
    assert!(errors[0]["message"].as_str().unwrap().contains("missing"));
}

#[test]
fn per_configuration_lockfiles_of_older_gradle_are_read() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    std::fs::write(
        dir.join("build.gradle"),
        "apply plugin: 'java'\ndependencyLocking { lockAllConfigurations() }\n",
    )
    .unwrap();
    let locks = dir.join("gradle/dependency-locks");
    std::fs::create_dir_all(&locks).unwrap();
    std::fs::write(
        locks.join("compileClasspath.lockfile"),
        "# Manual edits can break the build and are not advised.\n\
         org.slf4j:slf4j-api:1.7.36\n",
    )
    .unwrap();
    std::fs::write(
        locks.join("testRuntimeClasspath.lockfile"),
        "org.slf4j:slf4j-api:1.7.36\njunit:junit:4.13.2\n",
    )
    .unwrap();
    std::fs::write(
        locks.join("annotationProcessor.lockfile"),
        "com.google.auto.service:auto-service:1.1.1\n",
    )
    .unwrap();
    let json = audit(dir).json;
    let (_, others) = split(&json);
    assert_eq!(others.len(), 3, "{others:#?}");
    let scope = |purl: &str| by_purl(&json, purl)["scope"].as_str().unwrap().to_string();
    assert_eq!(scope("pkg:maven/org.slf4j/slf4j-api@1.7.36"), "runtime");
    assert_eq!(scope("pkg:maven/junit/junit@4.13.2"), "test");
    assert_eq!(
        scope("pkg:maven/com.google.auto.service/auto-service@1.1.1"),
        "build"
    );
    assert!(packages(&json).iter().all(|p| p["locked"] == true));
    assert_eq!(json["projects"][0]["status"], "complete");
}

// ---------------------------------------------------------------------------------------------
// The shared ris-backend build script

/// The coordinates of ris-backend's build.gradle.kts, extracted line by line: every
/// `configuration("g:a[:v]")`, `configuration(platform("g:a:v"))` and
/// `configuration(variable)` in its `dependencies` blocks, with the two `val`s it uses.
fn ris_declarations(text: &str) -> Vec<(String, String)> {
    let mut vals: BTreeMap<String, String> = BTreeMap::new();
    let mut out = Vec::new();
    // Brace depth inside a `dependencies` block; 0 outside. Declarations are at depth 1, the
    // closures of declarations (`{ exclude(...) }`) deeper.
    let mut depth = 0i32;
    for line in text.lines() {
        let t = line.trim();
        if depth == 0 {
            if t == "dependencies {" {
                depth = 1;
            }
            continue;
        }
        if t.starts_with("//") {
            continue;
        }
        let at_top = depth == 1;
        depth += t.matches('{').count() as i32 - t.matches('}').count() as i32;
        if !at_top || depth <= 0 {
            depth = depth.max(0);
            continue;
        }
        if let Some(rest) = t.strip_prefix("val ") {
            let (name, value) = rest.split_once(" = ").unwrap();
            vals.insert(name.to_string(), value.trim_matches('"').to_string());
            continue;
        }
        let Some((configuration, rest)) = t.split_once('(') else {
            continue;
        };
        let configuration = configuration.trim_matches('"').to_string();
        let rest = rest.strip_prefix("platform(").unwrap_or(rest);
        let coordinate = if let Some(quoted) = rest.strip_prefix('"') {
            quoted.split('"').next().unwrap().to_string()
        } else {
            let name = rest.split(')').next().unwrap();
            vals[name].clone()
        };
        let coordinate = vals.iter().fold(coordinate, |c, (name, value)| {
            c.replace(&format!("${name}"), value)
        });
        out.push((configuration, coordinate));
    }
    out
}

#[test]
fn ris_backend_lists_every_declared_coordinate() {
    let Some(dir) = shared_fixture("ris-backend") else {
        return;
    };
    let script = dir.join("backend/build.gradle.kts");
    let declarations = ris_declarations(&std::fs::read_to_string(&script).unwrap());
    assert!(declarations.len() > 70, "{declarations:#?}");
    let mut want: BTreeMap<String, &'static str> = BTreeMap::new();
    for (configuration, coordinate) in &declarations {
        let parts: Vec<&str> = coordinate.split(':').collect();
        let purl = maven_purl(parts[0], parts[1], parts.get(2).copied().unwrap_or(""));
        let scope = match configuration.as_str() {
            c if c.contains("test") || c.contains("Test") => "test",
            "developmentOnly" => "dev",
            "compileOnly" | "compileOnlyApi" => "provided",
            "annotationProcessor" | "classpath" => "build",
            _ => "runtime",
        };
        let entry = want.entry(purl).or_insert(scope);
        if rank(scope) < rank(entry) {
            *entry = scope;
        }
    }

    let run = audit(&dir);
    let json = &run.json;
    let (own, others) = split(json);
    assert_eq!(
        own,
        BTreeSet::from(["pkg:maven/de.bund.digitalservice/backend@0.0.1-SNAPSHOT".to_string()])
    );
    assert_eq!(others, want.keys().cloned().collect::<BTreeSet<_>>());
    for (purl, scope) in &want {
        let p = by_purl(json, purl);
        assert_eq!(p["scope"], *scope, "{purl}");
        assert_eq!(p["locked"], false, "{purl}");
        assert_eq!(p["licence_unavailable"], "Gradle files record no licences");
    }

    // Exact identities of a few.
    for (purl, scope) in [
        (
            "pkg:maven/org.springframework.boot/spring-boot-starter-webmvc",
            "runtime",
        ),
        ("pkg:maven/org.postgresql/postgresql@42.7.10", "runtime"),
        ("pkg:maven/software.amazon.awssdk/bom@2.42.36", "runtime"),
        ("pkg:maven/net.sf.saxon/Saxon-HE@12.9", "runtime"),
        (
            "pkg:maven/org.testcontainers/testcontainers-postgresql@2.0.4",
            "test",
        ),
        ("pkg:maven/org.flywaydb/flyway-core@12.4.0", "runtime"),
        // runtimeOnly and the buildscript classpath: runtime wins.
        (
            "pkg:maven/org.flywaydb/flyway-database-postgresql@12.4.0",
            "runtime",
        ),
        (
            "pkg:maven/org.hibernate/hibernate-jpamodelgen@7.3.1.Final",
            "build",
        ),
        (
            "pkg:maven/org.springframework.boot/spring-boot-devtools",
            "dev",
        ),
        // compileOnly and annotationProcessor: provided by the environment.
        ("pkg:maven/org.projectlombok/lombok", "provided"),
        (
            "pkg:maven/io.netty/netty-codec-http@4.2.12.Final",
            "runtime",
        ),
    ] {
        assert_eq!(by_purl(json, purl)["scope"], scope, "{purl}");
    }
    // Commented-out declarations are not dependencies.
    assert!(!others.iter().any(|p| p.contains("/exporter")));
    assert!(!others.iter().any(|p| p.contains("schema-0.0.145")));
    // Plugins are not listed.
    assert!(!others.iter().any(|p| p.contains("spotless")));

    // One warning for the script, at its first declaration.
    let warnings = findings(json, "I010");
    assert_eq!(warnings.len(), 1);
    assert_eq!(warnings[0]["location"]["file"], "backend/build.gradle.kts");
    let first = std::fs::read_to_string(&script)
        .unwrap()
        .lines()
        .position(|l| l.contains("spring-boot-starter-webmvc\""))
        .unwrap()
        + 1;
    assert_eq!(warnings[0]["location"]["line"], first);
    assert!(
        warnings[0]["message"]
            .as_str()
            .unwrap()
            .contains(&format!("declares {} dependencies", declarations.len())),
        "{}",
        warnings[0]["message"]
    );
    let project = &json["projects"][0];
    assert_eq!(project["manifest"], "backend/build.gradle.kts");
    assert_eq!(project["reader"], "build scripts (declared, no lockfile)");
    assert_eq!(project["status"], "partial");
    assert_eq!(run.code, 1, "unresolved licences, but every input was read");
    assert!(findings(json, "I001").is_empty());
}

#[test]
fn applied_scripts_and_catalogs_named_in_the_settings_are_read() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let write = |path: &str, text: &str| {
        let path = dir.join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    };
    write(
        "settings.gradle.kts",
        "rootProject.name = \"applied\"\ndependencyResolutionManagement {\n    versionCatalogs {\n        \
         create(\"deps\") { from(files(\"catalogs/deps.toml\")) }\n    }\n}\ninclude(\"sub\")\n",
    );
    write(
        "catalogs/deps.toml",
        "[libraries]\nokio = \"com.squareup.okio:okio:3.9.0\"\n",
    );
    write(
        "gradle/dependencies.gradle",
        "ext.libraries = [\n    guava: \"com.google.guava:guava:33.0.0-jre\",\n]\next.junitVersion = '4.13.2'\n",
    );
    write(
        "build.gradle",
        "apply from: \"$rootDir/gradle/dependencies.gradle\"\ndependencies {\n    implementation libraries.guava\n}\n",
    );
    write(
        "sub/build.gradle.kts",
        "dependencies {\n    implementation(deps.okio)\n    \
         testImplementation(\"junit:junit:${rootProject.extra[\"junitVersion\"]}\")\n}\n",
    );
    let json = audit(dir).json;
    let (own, others) = split(&json);
    assert_eq!(
        own,
        BTreeSet::from(["pkg:maven/applied".to_string(), "pkg:maven/sub".to_string()])
    );
    assert_eq!(
        others,
        BTreeSet::from([
            "pkg:maven/com.google.guava/guava@33.0.0-jre".to_string(),
            "pkg:maven/com.squareup.okio/okio@3.9.0".to_string(),
            "pkg:maven/junit/junit@4.13.2".to_string(),
        ])
    );
    assert!(
        findings(&json, "I001").is_empty(),
        "{:#?}",
        json["findings"]
    );
    // One warning per build file that declares dependencies.
    assert_eq!(findings(&json, "I010").len(), 2);
}
