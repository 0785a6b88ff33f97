//! Gradle builds without lockfile, resolved from their declarations against a local
//! repository server (tests/fixtures/gradle-resolve): a synthetic two-project build that uses
//! each of Gradle's rules once, with the versions Gradle's documented rules select written out
//! below (no Gradle runs here; real builds are compared with their own lockfiles in
//! docs/benchmarks.md). `mavenCentral()` is the central repository of the installed Maven (a
//! stand-in installation whose super POM names the local server), `maven { url }` the URL the
//! build gives.

mod support;

use serde_json::Value;
use std::collections::BTreeMap;
use std::path::PathBuf;
use support::server::{Reply, TestServer};

fn fixture() -> PathBuf {
    support::fixture("gradle-resolve")
}

fn server() -> TestServer {
    let server = TestServer::start();
    support::maven::serve_dir(&server, &fixture().join("central"), "/maven2");
    support::maven::serve_dir(&server, &fixture().join("extra"), "/extra");
    server
}

/// The build, copied, with the address of the repository the app declares.
fn project(server: &TestServer) -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("synth");
    support::copy_tree(&fixture().join("project"), &dir);
    let app = dir.join("app/build.gradle.kts");
    let text = std::fs::read_to_string(&app).unwrap();
    std::fs::write(
        &app,
        text.replace("EXTRA_REPOSITORY", &format!("{}/extra", server.base)),
    )
    .unwrap();
    (tmp, dir)
}

/// Every Maven package other than the projects' own: `group:artifact` → (version, scope).
fn resolved(json: &Value) -> BTreeMap<String, (String, String)> {
    support::packages(json)
        .iter()
        .filter(|p| p["ecosystem"] == "maven" && p["root"] != true)
        .map(|p| {
            (
                p["name"].as_str().unwrap().to_string(),
                (
                    p["version"].as_str().unwrap().to_string(),
                    p["scope"].as_str().unwrap().to_string(),
                ),
            )
        })
        .collect()
}

/// What Gradle selects for the two projects, by its documented rules.
fn expected() -> BTreeMap<String, (String, String)> {
    [
        // app: declared
        ("org.gsynth:a", "1.0", "runtime"),
        // b 2.0 asks for c 1.2 and h 2.0
        ("org.gsynth:b", "2.0", "runtime"),
        // a asks for c 1.0, b for 1.2: the highest wins, and c 1.0's own x goes with it
        ("org.gsynth:c", "1.2", "runtime"),
        // c 1.2's runtime dependency y 1.0, raised by `constraints { }` to 1.1
        ("org.gsynth:y", "1.1", "runtime"),
        // platform(bom): its POM is a package; f takes the BOM's version
        ("org.gsynth:bom", "1.0", "runtime"),
        ("org.gsynth:f", "2.0", "runtime"),
        // libs.g asks for 3.0, the platform for 4.0: the highest wins
        ("org.gsynth:g", "4.0", "runtime"),
        // strictly 1.0 holds against b's 2.0
        ("org.gsynth:h", "1.0", "runtime"),
        // k without z (excluded), with w
        ("org.gsynth:k", "1.0", "runtime"),
        ("org.gsynth:w", "1.0", "runtime"),
        // 1.+: the newest 1.x the repository lists
        ("org.gsynth:dyn", "1.3", "runtime"),
        // only in the repository the app declares
        ("org.gsynth.extra:q", "1.0", "runtime"),
        ("org.gsynth:t", "1.0", "test"),
        // compileOnly: co and its compile dependency coapi are only compiled against; its
        // runtime dependency coimpl is on no classpath
        ("org.gsynth:co", "1.0", "provided"),
        ("org.gsynth:coapi", "1.0", "provided"),
        // web: Spring's plugin with the Boot BOM (m 1.5, u ${u.version} = 0.5), then extra-bom
        // (m 1.4, s 1.0): the last BOM wins for m, managed versions hold for transitive ones
        // (n's m 0.9, u 1.0), the build's `ext['u.version'] = '0.7'` overrides the BOM's
        // property, a version declared on a dependency wins (s 2.0)
        ("org.gsynth:m", "1.4", "runtime"),
        ("org.gsynth:n", "1.0", "runtime"),
        ("org.gsynth:s", "2.0", "runtime"),
        ("org.gsynth:u", "0.7", "runtime"),
    ]
    .into_iter()
    .map(|(n, v, s)| (n.to_string(), (v.to_string(), s.to_string())))
    .collect()
}

#[test]
fn a_build_without_lockfile_resolves_as_gradle_would() {
    let server = server();
    let maven = support::maven::maven_home(&format!("{}/maven2", server.base));
    let (_tmp, dir) = project(&server);
    let cache = tempfile::tempdir().unwrap();
    let run = support::maven::audit_gradle(&dir, maven.path(), cache.path(), &[]);
    let json = &run.json;
    assert_eq!(resolved(json), expected(), "{}", run.stderr);

    // Never "locked": every one is resolved by fundament from the declarations.
    for p in support::packages(json)
        .iter()
        .filter(|p| p["ecosystem"] == "maven" && p["root"] != true)
    {
        assert_eq!(p["locked"], false, "{}", p["purl"]);
        assert_eq!(
            p["resolution"], "resolved-from-declarations",
            "{}",
            p["purl"]
        );
    }
    let project = json["projects"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["kind"] == "gradle")
        .expect("the Gradle project");
    assert_eq!(
        project["reader"],
        "build scripts (resolved from the declarations, no lockfile)"
    );
    let notes = support::findings(json, "I013");
    assert_eq!(notes.len(), 2, "one per project: {notes:?}");

    // Licences from each artefact's POM lineage (the parent's Apache-2.0, q's own MIT).
    let licence = |name: &str| {
        support::packages(json)
            .iter()
            .find(|p| p["name"] == name)
            .map(|p| p["licence"]["concluded"]["expression"].clone())
            .unwrap()
    };
    assert_eq!(licence("org.gsynth:c"), "Apache-2.0");
    assert_eq!(licence("org.gsynth.extra:q"), "MIT");

    // The graph: app → a → c, and c is not a dependency of itself through evicted versions.
    let index = |name: &str| {
        support::packages(json)
            .iter()
            .position(|p| p["name"] == name)
            .unwrap()
    };
    let deps = |name: &str| -> Vec<usize> {
        support::packages(json)[index(name)]["dependencies"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| d["package"].as_u64().unwrap() as usize)
            .collect()
    };
    assert!(deps("org.gsynth:a").contains(&index("org.gsynth:c")));
    assert!(deps("org.gsynth:c").contains(&index("org.gsynth:y")));
    assert!(deps("org.gsynth:k").contains(&index("org.gsynth:w")));

    // The repository the app names is reported, with its line.
    let named: Vec<&str> = support::findings(json, "R005")
        .iter()
        .filter_map(|f| f["message"].as_str())
        .collect();
    assert!(
        named
            .iter()
            .any(|m| m.contains("/extra") && m.contains("app/build.gradle.kts")),
        "{named:?}"
    );
    // Nothing is missing: the project is complete.
    assert!(
        support::findings(json, "I011").is_empty(),
        "{:?}",
        support::findings(json, "I011")
    );

    // Offline, the cache answers alike, and no request is made.
    let before = server.seen().len();
    let offline = support::maven::audit_gradle(&dir, maven.path(), cache.path(), &["--offline"]);
    assert_eq!(resolved(&offline.json), expected(), "{}", offline.stderr);
    assert_eq!(server.seen().len(), before, "offline asks nothing");
}

#[test]
fn a_bom_that_cannot_be_read_is_named_and_the_audit_goes_on() {
    let server = server();
    // The platform's BOM answers with a login page.
    server.route(
        "/maven2/org/gsynth/bom/1.0/bom-1.0.pom",
        vec![Reply::ok(
            "<!DOCTYPE html><html><body>Sign in</body></html>"
                .as_bytes()
                .to_vec(),
        )],
    );
    let maven = support::maven::maven_home(&format!("{}/maven2", server.base));
    let (_tmp, dir) = project(&server);
    let cache = tempfile::tempdir().unwrap();
    let run = support::maven::audit_gradle(&dir, maven.path(), cache.path(), &[]);
    let json = &run.json;
    let problems: Vec<&str> = support::findings(json, "I011")
        .iter()
        .filter_map(|f| f["message"].as_str())
        .collect();
    assert!(
        problems
            .iter()
            .any(|m| m.contains("org.gsynth:bom:1.0") && m.contains("HTML")),
        "{problems:?}"
    );
    // f has no version without its BOM; the rest is resolved as before.
    let got = resolved(json);
    assert_eq!(
        got["org.gsynth:c"],
        ("1.2".to_string(), "runtime".to_string())
    );
    assert_eq!(
        got["org.gsynth:g"],
        ("3.0".to_string(), "runtime".to_string())
    );
    assert_eq!(
        got["org.gsynth:m"],
        ("1.4".to_string(), "runtime".to_string())
    );
    let project = json["projects"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["kind"] == "gradle")
        .unwrap();
    assert_ne!(project["status"], "complete", "{project}");
}

#[test]
fn without_registry_look_ups_the_declarations_are_listed_as_declared() {
    let server = server();
    let (_tmp, dir) = project(&server);
    let run = support::audit_json(&dir, &[]);
    let got = resolved(&run.json);
    // Declared coordinates only: no transitive c, f without version.
    assert!(!got.contains_key("org.gsynth:c"), "{got:?}");
    assert_eq!(got["org.gsynth:a"].0, "1.0");
    assert!(server.seen().is_empty(), "nothing is asked");
    for p in support::packages(&run.json)
        .iter()
        .filter(|p| p["ecosystem"] == "maven" && p["root"] != true)
    {
        assert!(p.get("resolution").is_none(), "{p}");
    }
}
