//! Gradle Module Metadata: a Gradle build without lockfile whose dependencies publish `.module`
//! files, resolved against a local server that serves real POMs and `.module` files recorded
//! from the central repository (tests/fixtures/gradle-module, recorded by its record.py).
//! `mavenCentral()` is the central repository of a stand-in Maven installation whose super POM
//! names the local server.

mod support;

use serde_json::Value;
use std::collections::BTreeMap;
use std::path::PathBuf;
use support::server::{Reply, TestServer};

fn fixture() -> PathBuf {
    support::fixture("gradle-module")
}

fn server() -> TestServer {
    let server = TestServer::start();
    support::maven::serve_dir(&server, &fixture().join("central"), "/maven2");
    server
}

fn project() -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("modules");
    support::copy_tree(&fixture().join("project"), &dir);
    (tmp, dir)
}

/// Every Maven package other than the project: `group:artifact` → version.
fn resolved(json: &Value) -> BTreeMap<String, String> {
    support::packages(json)
        .iter()
        .filter(|p| p["ecosystem"] == "maven" && p["root"] != true)
        .map(|p| {
            (
                p["name"].as_str().unwrap().to_string(),
                p["version"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

/// What Gradle selects for the build, by its rules and the recorded `.module` files.
fn expected() -> BTreeMap<String, String> {
    [
        ("com.fasterxml.jackson.core:jackson-databind", "2.17.2"),
        ("com.fasterxml.jackson.core:jackson-core", "2.17.2"),
        ("com.fasterxml.jackson.core:jackson-annotations", "2.17.2"),
        // A platform dependency only jackson-databind's (and the others') .module names: the
        // BOM is a package of the graph, and its versions constrain the family.
        ("com.fasterxml.jackson:jackson-bom", "2.17.2"),
        // Declared 2.16.1, raised to 2.17.2 by the jackson-bom 2.17.2 constraint (from its POM
        // alone it would stay 2.16.1).
        (
            "com.fasterxml.jackson.datatype:jackson-datatype-jsr310",
            "2.17.2",
        ),
        // The multi-platform root and the JVM module its `available-at` names.
        ("org.jetbrains.kotlinx:kotlinx-coroutines-core", "1.8.1"),
        ("org.jetbrains.kotlinx:kotlinx-coroutines-core-jvm", "1.8.1"),
        // kotlinx-coroutines-core-jvm's platform dependency.
        ("org.jetbrains.kotlinx:kotlinx-coroutines-bom", "1.8.1"),
        ("org.jetbrains.kotlin:kotlin-stdlib", "1.9.21"),
        // kotlin-stdlib asks for 13.0, kotlinx-coroutines-core-jvm for 23.0.0: the highest.
        ("org.jetbrains:annotations", "23.0.0"),
        // testImplementation: JUnit, its platform dependency junit-bom, and apiguardian-api,
        // which JUnit's .module names for the compile classpath only (its java-api variant).
        ("org.junit.jupiter:junit-jupiter-api", "5.10.2"),
        ("org.junit.platform:junit-platform-commons", "1.10.2"),
        ("org.opentest4j:opentest4j", "1.3.0"),
        ("org.junit:junit-bom", "5.10.2"),
        ("org.apiguardian:apiguardian-api", "1.1.2"),
    ]
    .into_iter()
    .map(|(n, v)| (n.to_string(), v.to_string()))
    .collect()
}

fn scope(json: &Value, name: &str) -> String {
    support::packages(json)
        .iter()
        .find(|p| p["name"] == name)
        .and_then(|p| p["scope"].as_str())
        .unwrap_or_else(|| panic!("{name} not listed"))
        .to_string()
}

fn licence(json: &Value, name: &str) -> Value {
    support::packages(json)
        .iter()
        .find(|p| p["name"] == name)
        .map(|p| p["licence"]["concluded"]["expression"].clone())
        .unwrap_or_else(|| panic!("{name} not listed"))
}

fn dependencies_of(json: &Value, name: &str) -> Vec<String> {
    let packages = support::packages(json);
    let package = packages.iter().find(|p| p["name"] == name).unwrap();
    package["dependencies"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            packages[d["package"].as_u64().unwrap() as usize]["name"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect()
}

#[test]
fn module_metadata_gives_platforms_alignment_and_redirects() {
    let server = server();
    let maven = support::maven::maven_home(&format!("{}/maven2", server.base));
    let (_tmp, dir) = project();
    let cache = tempfile::tempdir().unwrap();
    let run = support::maven::audit_gradle(&dir, maven.path(), cache.path(), &[]);
    let json = &run.json;
    assert_eq!(resolved(json), expected(), "{}", run.stderr);
    // The .module files were read (the POMs alone name no BOM).
    assert_eq!(
        server.count(
            "/maven2/com/fasterxml/jackson/core/jackson-databind/2.17.2/jackson-databind-2.17.2.module"
        ),
        1
    );
    // Edges as the .module files give them.
    let databind = dependencies_of(json, "com.fasterxml.jackson.core:jackson-databind");
    assert!(
        databind.contains(&"com.fasterxml.jackson:jackson-bom".to_string()),
        "{databind:?}"
    );
    assert_eq!(
        dependencies_of(json, "org.jetbrains.kotlinx:kotlinx-coroutines-core"),
        vec!["org.jetbrains.kotlinx:kotlinx-coroutines-core-jvm".to_string()]
    );
    // Licences from the POMs of the modules the graph reaches, the redirected one's included.
    assert_eq!(
        licence(json, "org.jetbrains.kotlinx:kotlinx-coroutines-core-jvm"),
        "Apache-2.0"
    );
    assert_eq!(
        licence(json, "com.fasterxml.jackson:jackson-bom"),
        "Apache-2.0"
    );
    assert!(support::findings(json, "I011").is_empty(), "{}", run.stderr);
    assert!(support::findings(json, "R001").is_empty(), "{}", run.stderr);
    // Each module provides its own capability only: no conflict.
    assert!(support::findings(json, "I010").is_empty(), "{}", run.stderr);
    // What only the tests use is a test dependency, apiguardian-api (only compiled against)
    // included; the product's own graph is runtime.
    for name in [
        "org.junit.jupiter:junit-jupiter-api",
        "org.junit.platform:junit-platform-commons",
        "org.opentest4j:opentest4j",
        "org.junit:junit-bom",
        "org.apiguardian:apiguardian-api",
    ] {
        assert_eq!(scope(json, name), "test", "{name}");
    }
    assert_eq!(
        scope(json, "com.fasterxml.jackson.core:jackson-databind"),
        "runtime"
    );
    // The edge to apiguardian-api comes from JUnit's java-api variant.
    assert!(
        dependencies_of(json, "org.junit.jupiter:junit-jupiter-api")
            .contains(&"org.apiguardian:apiguardian-api".to_string())
    );

    // Warm and offline: the same answer from the cache, without a request.
    let before = server.total();
    let again = support::maven::audit_gradle(&dir, maven.path(), cache.path(), &["--offline"]);
    assert_eq!(resolved(&again.json), expected(), "{}", again.stderr);
    assert_eq!(server.total(), before, "offline asked the server");
}

/// Serves two unusable `.module` files: jackson-databind's is an HTML error page,
/// kotlinx-coroutines-core's is nested past the limit. Their paths.
fn serve_unusable_modules(server: &TestServer) -> (&'static str, &'static str) {
    let databind =
        "/maven2/com/fasterxml/jackson/core/jackson-databind/2.17.2/jackson-databind-2.17.2.module";
    let coroutines = "/maven2/org/jetbrains/kotlinx/kotlinx-coroutines-core/1.8.1/kotlinx-coroutines-core-1.8.1.module";
    server.route(
        databind,
        vec![Reply::ok("<html><body>Service unavailable</body></html>")],
    );
    let deep = format!(
        "{{\"formatVersion\": \"1.1\", \"x\": {}{}, \"variants\": []}}",
        "[".repeat(100_000),
        "]".repeat(100_000)
    );
    server.route(coroutines, vec![Reply::ok(deep)]);
    (databind, coroutines)
}

#[test]
fn an_unusable_module_file_is_reported_and_the_pom_used() {
    let server = server();
    let (databind, coroutines) = serve_unusable_modules(&server);
    let maven = support::maven::maven_home(&format!("{}/maven2", server.base));
    let (_tmp, dir) = project();
    let cache = tempfile::tempdir().unwrap();
    let run = support::maven::audit_gradle(&dir, maven.path(), cache.path(), &[]);
    let json = &run.json;
    let messages: Vec<&str> = support::findings(json, "R001")
        .iter()
        .filter_map(|f| f["message"].as_str())
        .collect();
    for (gav, path, why) in [
        (
            "com.fasterxml.jackson.core:jackson-databind:2.17.2",
            databind,
            "not the expected JSON",
        ),
        (
            "org.jetbrains.kotlinx:kotlinx-coroutines-core:1.8.1",
            coroutines,
            "nested more than 64 deep",
        ),
    ] {
        let url = format!("{}{path}", server.base);
        assert!(
            messages
                .iter()
                .any(|m| m.contains(gav) && m.contains(&url) && m.contains(why)),
            "{gav}: {messages:?}"
        );
    }
    // The audit goes on with the POMs: jackson-databind's POM dependencies, and
    // kotlinx-coroutines-core's POM names its -jvm module too.
    let got = resolved(json);
    for name in [
        "com.fasterxml.jackson.core:jackson-core",
        "com.fasterxml.jackson.core:jackson-annotations",
        "org.jetbrains.kotlinx:kotlinx-coroutines-core-jvm",
        "org.jetbrains.kotlin:kotlin-stdlib",
    ] {
        assert!(got.contains_key(name), "{name} missing: {got:?}");
    }
    assert!(run.code == 0 || run.code == 1, "{}", run.stderr);
}

/// The same unusable `.module` files in a German report: why each cannot be used is German too
/// (before, "not the expected JSON" and "nested more than 64 deep" stood inside the German
/// sentence).
#[test]
fn an_unusable_module_file_is_explained_in_german() {
    let server = server();
    serve_unusable_modules(&server);
    let maven = support::maven::maven_home(&format!("{}/maven2", server.base));
    let (_tmp, dir) = project();
    let cache = tempfile::tempdir().unwrap();
    let home = tempfile::tempdir().unwrap();
    let output = support::online(cache.path(), home.path())
        .env("MAVEN_HOME", maven.path())
        .env_remove("M2_HOME")
        .env_remove("FUNDAMENT_SYNTH_CI")
        .args(["audit", "--lang", "de"])
        .arg(&dir)
        .output()
        .unwrap();
    let report = String::from_utf8_lossy(&output.stdout);
    for german in [
        "ist keine verwendbare Gradle Module Metadata: nicht das erwartete JSON (",
        "ist keine verwendbare Gradle Module Metadata: Arrays und Objekte sind tiefer als 64 \
         Ebenen verschachtelt",
    ] {
        assert!(report.contains(german), "{german:?} in {report}");
    }
    for english in ["not the expected JSON", "nested more than"] {
        assert!(!report.contains(english), "{english:?} in {report}");
    }
}

/// A package and its scope, or None: not listed.
type Expected<'a> = (&'a str, Option<&'a str>);

/// A library whose `.module` names a dependency in its java-api variant only
/// (junit-jupiter-api → apiguardian-api): declared for the product (`implementation`), that
/// dependency is on the compile classpath but not the runtime one, so it is compiled against
/// and not shipped (`provided`), while what the runtime variant names ships (`runtime`).
/// Declared `compileOnly`, the library and everything of its graph is `provided`; declared
/// `runtimeOnly`, apiguardian-api is on no classpath at all.
#[test]
fn the_classpath_takes_the_variant_of_its_usage() {
    let server = server();
    let maven = support::maven::maven_home(&format!("{}/maven2", server.base));
    let cases: [(&str, &[Expected]); 3] = [
        (
            "implementation",
            &[
                ("org.junit.jupiter:junit-jupiter-api", Some("runtime")),
                ("org.junit.platform:junit-platform-commons", Some("runtime")),
                ("org.opentest4j:opentest4j", Some("runtime")),
                ("org.junit:junit-bom", Some("runtime")),
                ("org.apiguardian:apiguardian-api", Some("provided")),
            ],
        ),
        (
            "compileOnly",
            &[
                ("org.junit.jupiter:junit-jupiter-api", Some("provided")),
                (
                    "org.junit.platform:junit-platform-commons",
                    Some("provided"),
                ),
                ("org.opentest4j:opentest4j", Some("provided")),
                ("org.apiguardian:apiguardian-api", Some("provided")),
            ],
        ),
        (
            "runtimeOnly",
            &[
                ("org.junit.jupiter:junit-jupiter-api", Some("runtime")),
                ("org.junit.platform:junit-platform-commons", Some("runtime")),
                ("org.apiguardian:apiguardian-api", None),
            ],
        ),
    ];
    for (configuration, expected) in cases {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("variants");
        std::fs::create_dir(&dir).unwrap();
        std::fs::write(
            dir.join("settings.gradle.kts"),
            "rootProject.name = \"variants\"\n",
        )
        .unwrap();
        std::fs::write(
            dir.join("build.gradle.kts"),
            format!(
                "plugins {{\n    java\n}}\n\nrepositories {{\n    mavenCentral()\n}}\n\n\
                 dependencies {{\n    {configuration}(\"org.junit.jupiter:junit-jupiter-api:5.10.2\")\n}}\n"
            ),
        )
        .unwrap();
        let cache = tempfile::tempdir().unwrap();
        let run = support::maven::audit_gradle(&dir, maven.path(), cache.path(), &[]);
        let json = &run.json;
        let got = resolved(json);
        for (name, want) in expected {
            match want {
                Some(want) => {
                    assert!(
                        got.contains_key(*name),
                        "{configuration}: {name} missing: {got:?}\n{}",
                        run.stderr
                    );
                    assert_eq!(scope(json, name), *want, "{configuration}: {name}");
                }
                None => assert!(
                    !got.contains_key(*name),
                    "{configuration}: {name} listed: {got:?}"
                ),
            }
        }
        assert!(support::findings(json, "R001").is_empty(), "{}", run.stderr);
    }
}

/// Two modules of one classpath that provide the same capability (Guava's `.module` names
/// `com.google.collections:google-collections` as one of its own): Gradle fails such a
/// resolution unless the build chooses; fundament lists both and says so (`I010`).
#[test]
fn a_capability_two_modules_provide_is_reported() {
    let server = server();
    let pom = |artifact: &str, marker: bool| {
        format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<project xmlns=\"http://maven.apache.org/POM/4.0.0\">\n{}\
             <modelVersion>4.0.0</modelVersion><groupId>org.capsynth</groupId>\
             <artifactId>{artifact}</artifactId><version>1.0</version>\
             <licenses><license><name>MIT</name></license></licenses></project>\n",
            if marker {
                "<!-- do_not_remove: published-with-gradle-metadata -->\n"
            } else {
                ""
            }
        )
    };
    let module = r#"{"formatVersion": "1.1",
      "component": {"group": "org.capsynth", "module": "new-lib", "version": "1.0"},
      "variants": [{"name": "runtimeElements",
        "attributes": {"org.gradle.category": "library", "org.gradle.usage": "java-runtime"},
        "capabilities": [{"group": "org.capsynth", "name": "new-lib", "version": "1.0"},
                         {"group": "org.capsynth", "name": "old-lib", "version": "1.0"}]}]}"#;
    let base = "/maven2/org/capsynth";
    server.route(
        &format!("{base}/new-lib/1.0/new-lib-1.0.pom"),
        vec![Reply::ok(pom("new-lib", true))],
    );
    server.route(
        &format!("{base}/new-lib/1.0/new-lib-1.0.module"),
        vec![Reply::ok(module)],
    );
    server.route(
        &format!("{base}/old-lib/1.0/old-lib-1.0.pom"),
        vec![Reply::ok(pom("old-lib", false))],
    );
    let maven = support::maven::maven_home(&format!("{}/maven2", server.base));
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("capabilities");
    std::fs::create_dir(&dir).unwrap();
    std::fs::write(
        dir.join("build.gradle.kts"),
        "plugins {\n    java\n}\n\nrepositories {\n    mavenCentral()\n}\n\n\
         dependencies {\n    implementation(\"org.capsynth:new-lib:1.0\")\n    \
         implementation(\"org.capsynth:old-lib:1.0\")\n}\n",
    )
    .unwrap();
    let cache = tempfile::tempdir().unwrap();
    let run = support::maven::audit_gradle(&dir, maven.path(), cache.path(), &[]);
    let json = &run.json;
    let got = resolved(json);
    assert!(
        got.contains_key("org.capsynth:new-lib") && got.contains_key("org.capsynth:old-lib"),
        "{got:?}\n{}",
        run.stderr
    );
    let messages: Vec<String> = support::findings(json, "I010")
        .iter()
        .filter_map(|f| f["message"].as_str().map(str::to_string))
        .collect();
    assert!(
        messages.iter().any(|m| m.contains(
            "org.capsynth:new-lib:1.0 and org.capsynth:old-lib:1.0 provide the same capability \
             org.capsynth:old-lib"
        )),
        "{messages:?}"
    );
    // Reported once, though the compile and runtime classpaths both hold the conflict.
    assert_eq!(
        messages.iter().filter(|m| m.contains("capability")).count(),
        1,
        "{messages:?}"
    );
}
