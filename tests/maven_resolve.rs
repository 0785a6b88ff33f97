//! The Maven resolver end to end, against a local repository server: a synthetic build
//! (tests/fixtures/maven-resolve) that uses every rule of Maven's resolution once, whose tree
//! Maven itself recorded (record.sh there), and what the audit makes of it: licences from the
//! POMs' lineage, findings for POMs that are missing, not XML or an HTML page, parent cycles,
//! ranges and relocations, the cache and `--offline`, the repositories found without
//! configuration (an installed Maven's super POM) and R002 when there are none.

mod support;

use fundament::ecosystem::maven::{Platform, resolve_build};
use fundament::registry::config::Endpoint;
use fundament::registry::http::HttpOptions;
use fundament::registry::maven::repository::{Environment, Repositories};
use serde_json::Value;
use std::path::{Path, PathBuf};
use support::server::TestServer;

fn fixture() -> PathBuf {
    support::fixture("maven-resolve")
}

fn server() -> TestServer {
    let server = TestServer::start();
    support::maven::serve_dir(&server, &fixture().join("repository"), "/maven2");
    server
}

fn platform() -> Platform {
    Platform::new(
        Some("17.0.15".into()),
        "Linux".into(),
        "amd64".into(),
        String::new(),
    )
}

#[test]
fn the_synthetic_build_resolves_as_maven_resolved_it() {
    let server = server();
    let cache = tempfile::tempdir().unwrap();
    let repos = Repositories::new(
        Environment {
            configured: vec![Endpoint {
                url: format!("{}/maven2", server.base),
                from: fundament::diagnostic::Text::verbatim("test"),
                from_tree: false,
            }],
            ..Environment::default()
        },
        &HttpOptions {
            cache_dir: Some(cache.path().to_path_buf()),
            ..HttpOptions::default()
        },
    )
    .unwrap();
    let modules = resolve_build(
        &fixture(),
        Path::new("project/pom.xml"),
        Some(&repos),
        &platform(),
    )
    .unwrap();
    assert_eq!(modules.len(), 1);
    let (module, maven) = support::maven::maven_tree(&fixture().join("project/maven-tree.txt"));
    assert_eq!(modules[0].module, module);
    let ours = support::maven::rows(&modules[0]);
    let diff = support::maven::differences(&maven, &ours);
    assert!(diff.is_empty(), "{}", diff.join("\n"));
    assert_eq!(maven.len(), 31, "the recorded tree");
    // The problems Maven warned about are named, each with its cause.
    let problems = modules[0].problems.join("\n");
    for (artefact, cause) in [
        ("org.synth:broken:1.0", "is not well-formed XML"),
        ("org.synth:html:1.0", "its root element is an HTML page"),
        ("org.synth:missing:1.0", "404"),
        ("org.synth:loopy:1.0", "form a cycle"),
    ] {
        assert!(
            problems
                .lines()
                .any(|l| l.contains(artefact) && l.contains(cause)),
            "{artefact}: {problems}"
        );
    }
}

/// Runs the audit with `[registries] maven` in a `--policy` file (the user's, not the tree's).
fn audit(project: &Path, cache: &Path, env: &[(&str, &str)], extra: &[&str]) -> support::JsonRun {
    let home = tempfile::tempdir().unwrap();
    let mut cmd = support::fundament();
    cmd.env_remove("FUNDAMENT_NO_REGISTRY")
        .env("FUNDAMENT_CACHE_DIR", cache)
        .env("HOME", home.path())
        .env_remove("MAVEN_HOME")
        .env_remove("M2_HOME")
        .env_remove("FUNDAMENT_SYNTH_CI");
    for (name, value) in env {
        cmd.env(name, value);
    }
    let output = cmd
        .args(["audit", "--format", "json"])
        .args(extra)
        .arg(project)
        .output()
        .unwrap();
    support::JsonRun {
        code: output.status.code().unwrap(),
        json: serde_json::from_slice(&output.stdout)
            .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&output.stderr))),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

fn policy(dir: &Path, maven: &str) -> PathBuf {
    let path = dir.join("policy.toml");
    std::fs::write(
        &path,
        format!(
            "[licences]\nallow = [\"permissive\", \"EUPL-1.2\"]\n\n[registries]\nmaven = [\"{maven}\"]\n"
        ),
    )
    .unwrap();
    path
}

fn package<'a>(json: &'a Value, purl: &str) -> &'a Value {
    support::packages(json)
        .iter()
        .find(|p| p["purl"] == purl)
        .unwrap_or_else(|| panic!("no {purl}"))
}

fn messages(json: &Value, code: &str) -> Vec<String> {
    support::findings(json, code)
        .iter()
        .map(|f| f["message"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn the_audit_lists_the_whole_graph_with_licences_and_names_what_could_not_be_read() {
    let server = server();
    let cache = tempfile::tempdir().unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let policy = policy(tmp.path(), &format!("{}/maven2", server.base));
    let project = fixture().join("project");
    let run = audit(
        &project,
        cache.path(),
        &[],
        &["--policy", policy.to_str().unwrap()],
    );
    let json = &run.json;
    // 31 artefacts and the build's own.
    assert_eq!(support::packages(json).len(), 32);
    let app = package(json, "pkg:maven/org.synth/app@1.0");
    assert_eq!(app["root"], true);
    // The licence of the build from its parent in the repository.
    assert_eq!(app["licence"]["declared"][0]["raw"], "EUPL-1.2");
    assert_eq!(
        app["licence"]["declared"][0]["origin"]["field"],
        "licenses (inherited from org.synth:corp-parent:1)"
    );
    // A dependency's licence from its parent POM, with the URL it was read from.
    let c = package(json, "pkg:maven/org.synth/c@3.0");
    assert_eq!(c["licence"]["declared"][0]["raw"], "MIT");
    assert_eq!(
        c["licence"]["declared"][0]["origin"]["file"],
        format!("{}/maven2/org/synth/c-parent/3/c-parent-3.pom", server.base)
    );
    assert_eq!(c["scope"], "runtime");
    // Scopes: provided → provided, test → test, a test dependency's child that a compile path
    // also reaches → runtime.
    assert_eq!(
        package(json, "pkg:maven/org.synth/provdep@1.0")["scope"],
        "provided"
    );
    assert_eq!(
        package(json, "pkg:maven/org.synth/fixture-dep@1.0")["scope"],
        "test"
    );
    assert_eq!(
        package(json, "pkg:maven/org.synth/e@1.0")["scope"],
        "runtime"
    );
    // Classifiers and types are qualifiers of the purl; the artefact's URL is recorded.
    let native = package(
        json,
        "pkg:maven/org.synth/native@1.0?classifier=linux-x86_64",
    );
    assert_eq!(
        native["source"]["url"],
        format!(
            "{}/maven2/org/synth/native/1.0/native-1.0-linux-x86_64.jar",
            server.base
        )
    );
    package(json, "pkg:maven/org.synth/fixtures@1.0?classifier=tests");
    package(json, "pkg:maven/org.synth/war-app@1.0?type=war");
    // Edges follow the POMs: a → b, c (runtime), shared.
    let a = package(json, "pkg:maven/org.synth/a@1.0");
    let targets = support::edges_by(json, a, "purl");
    assert!(targets.contains(&support::pair("pkg:maven/org.synth/b@1.5", "normal")));
    assert!(targets.contains(&support::pair("pkg:maven/org.synth/shared@2.0", "normal")));

    // A range resolved through maven-metadata.xml, and a relocation: notes, not locked for
    // the range.
    let resolved = messages(json, "I013");
    assert!(
        resolved
            .iter()
            .any(|m| m.contains("org.synth:x") && m.contains("[1.0,2.0)") && m.contains("1.5")),
        "{resolved:?}"
    );
    assert!(
        resolved
            .iter()
            .any(|m| m.contains("org.synth:old:1.0 is relocated"))
    );
    assert_eq!(package(json, "pkg:maven/org.synth/x@1.5")["locked"], false);
    assert_eq!(
        package(json, "pkg:maven/org.synth/snap@1.0-SNAPSHOT")["locked"],
        false
    );
    assert_eq!(package(json, "pkg:maven/org.synth/b@1.5")["locked"], true);

    // What could not be read: one finding per artefact, naming it and the cause.
    let unreadable = support::findings(json, "I011");
    for (purl, cause) in [
        ("pkg:maven/org.synth/broken@1.0", "is not well-formed XML"),
        ("pkg:maven/org.synth/html@1.0", "an HTML page"),
        ("pkg:maven/org.synth/missing@1.0", "404"),
        ("pkg:maven/org.synth/loopy@1.0", "form a cycle"),
    ] {
        let f = unreadable
            .iter()
            .find(|f| f["package"] == purl)
            .unwrap_or_else(|| panic!("no I011 for {purl}: {unreadable:#?}"));
        assert!(f["message"].as_str().unwrap().contains(cause), "{f}");
        assert_eq!(f["severity"], "warning");
    }
    let project_status = &json["projects"][0];
    assert_eq!(project_status["status"], "partial");
    assert!(support::findings(json, "R002").is_empty());
    // Not an input error of the audited tree: the audit fails on the policy (broken and missing
    // have no licence), it is not incomplete.
    assert_eq!(run.code, 1, "{}", run.stderr);

    // Warm: nothing is asked again; offline: the same answer from the cache.
    let asked = server.total();
    let warm = audit(
        &project,
        cache.path(),
        &[],
        &["--policy", policy.to_str().unwrap()],
    );
    assert_eq!(support::packages(&warm.json).len(), 32);
    let offline = audit(
        &project,
        cache.path(),
        &[],
        &["--policy", policy.to_str().unwrap(), "--offline"],
    );
    assert_eq!(support::packages(&offline.json).len(), 32);
    assert_eq!(
        package(&offline.json, "pkg:maven/org.synth/c@3.0")["licence"]["declared"][0]["raw"],
        "MIT"
    );
    // Only what was never read (missing, an answer that is no POM) is asked again while warm.
    let again: Vec<String> = server.seen()[asked..]
        .iter()
        .map(|s| s.path.clone())
        .filter(|p| {
            !["/broken/", "/html/", "/missing/"]
                .iter()
                .any(|n| p.contains(n))
        })
        .collect();
    assert!(again.is_empty(), "{again:#?} asked again while warm");
}

#[test]
fn without_configuration_the_installed_maven_names_the_repository() {
    let server = server();
    // The super POM of the "installed" Maven names the local server as central.
    let home = support::maven::maven_home(&format!("{}/maven2", server.base));
    let cache = tempfile::tempdir().unwrap();
    let run = audit(
        &fixture().join("project"),
        cache.path(),
        &[("MAVEN_HOME", home.path().to_str().unwrap())],
        &[],
    );
    assert!(support::findings(&run.json, "R002").is_empty());
    // The central repository allows no snapshots (as the super POM says): the snapshot is
    // listed, but its POM is not read, as Maven would not read it either.
    assert_eq!(support::packages(&run.json).len(), 31);
    let snapshot = support::findings(&run.json, "I011")
        .into_iter()
        .find(|f| f["package"] == "pkg:maven/org.synth/snap@1.0-SNAPSHOT")
        .expect("a finding for the snapshot");
    assert!(
        snapshot["message"]
            .as_str()
            .unwrap()
            .contains("no repository allows snapshots"),
        "{snapshot}"
    );
    package(&run.json, "pkg:maven/org.synth/c@3.0");
}

#[test]
fn with_no_repository_anywhere_one_r002_gives_the_line_to_add() {
    let cache = tempfile::tempdir().unwrap();
    let empty = tempfile::tempdir().unwrap();
    // No Maven on PATH, none named by the environment, no configuration.
    let run = audit(
        &fixture().join("project"),
        cache.path(),
        &[("PATH", empty.path().to_str().unwrap())],
        &[],
    );
    let r002 = support::findings(&run.json, "R002");
    assert_eq!(r002.len(), 1, "{r002:#?}");
    let note = r002[0]["notes"][0].as_str().unwrap();
    assert!(
        note.contains("maven = [\"https://<your Maven repository>/\"]"),
        "{note}"
    );
    assert!(note.contains("[registries]"), "{note}");
    // The direct dependencies are listed; what they pull in is not known.
    assert!(support::packages(&run.json).len() > 15);
    assert!(
        json_reason(&run.json).contains("no Maven repository is configured"),
        "{}",
        json_reason(&run.json)
    );
}

fn json_reason(json: &Value) -> String {
    json["projects"][0]["reason"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

#[test]
fn a_cycle_of_bom_imports_is_cut_and_named_and_the_rest_resolves() {
    let server = server();
    // bom2 imports bom, which imports bom2.
    let bom2 = std::fs::read_to_string(
        fixture().join("repository/org/synth/bom2/1/bom2-1.pom"),
    )
    .unwrap()
    .replace(
        "</dependencies></dependencyManagement>",
        "<dependency><groupId>org.synth</groupId><artifactId>bom</artifactId><version>1</version>\
         <type>pom</type><scope>import</scope></dependency></dependencies></dependencyManagement>",
    );
    server.route(
        "/maven2/org/synth/bom2/1/bom2-1.pom",
        vec![support::server::Reply::ok(bom2)],
    );
    let cache = tempfile::tempdir().unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let policy = policy(tmp.path(), &format!("{}/maven2", server.base));
    let run = audit(
        &fixture().join("project"),
        cache.path(),
        &[],
        &["--policy", policy.to_str().unwrap()],
    );
    let cycles: Vec<String> = messages(&run.json, "I001")
        .into_iter()
        .filter(|m| m.contains("imports itself"))
        .collect();
    assert_eq!(cycles.len(), 1, "{:#?}", run.json["findings"]);
    assert!(cycles[0].contains("org.synth:bom:1"), "{}", cycles[0]);
    // d is still managed to 4.0 by bom2.
    package(&run.json, "pkg:maven/org.synth/d@4.0");
}

#[test]
fn repositories_the_tree_declares_are_asked_without_the_users_credentials() {
    let server = server();
    // The user's settings: a repository of an active profile (id `corp`) with credentials, and
    // the same credentials' server id used by the tree for another URL.
    let home = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(home.path().join(".m2")).unwrap();
    std::fs::write(
        home.path().join(".m2/settings.xml"),
        format!(
            "<settings><servers><server><id>corp</id><username>me</username>\
             <password>secret</password></server></servers>\
             <profiles><profile><id>corp</id><repositories><repository><id>corp</id>\
             <url>{}/corp/</url></repository></repositories></profile></profiles>\
             <activeProfiles><activeProfile>corp</activeProfile></activeProfiles></settings>",
            server.base
        ),
    )
    .unwrap();
    // The installation blocks plain-http repositories other than this machine's, as Maven's
    // own settings do.
    let maven = support::maven::maven_home(&format!("{}/maven2", server.base));
    std::fs::write(
        maven.path().join("conf/settings.xml"),
        "<settings><mirrors><mirror><id>maven-default-http-blocker</id>\
         <mirrorOf>external:http:*</mirrorOf><url>http://0.0.0.0/</url><blocked>true</blocked>\
         </mirror></mirrors></settings>",
    )
    .unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let project = tmp.path().join("app");
    std::fs::create_dir_all(&project).unwrap();
    std::fs::write(
        project.join("pom.xml"),
        format!(
            "<project><modelVersion>4.0.0</modelVersion><groupId>org.example</groupId>\
             <artifactId>app</artifactId><version>1</version>\
             <repositories>\
               <repository><id>corp-tree</id><url>{base}/tree/</url></repository>\
               <repository><id>plain</id><url>http://repo.registry.example/maven/</url></repository>\
             </repositories>\
             <dependencies><dependency><groupId>org.synth</groupId><artifactId>e</artifactId>\
             <version>1.0</version></dependency></dependencies></project>",
            base = server.base
        ),
    )
    .unwrap();
    let cache = tempfile::tempdir().unwrap();
    let mut cmd = support::fundament();
    let output = cmd
        .env_remove("FUNDAMENT_NO_REGISTRY")
        .env("FUNDAMENT_CACHE_DIR", cache.path())
        .env("HOME", home.path())
        .env("MAVEN_HOME", maven.path())
        .args(["audit", "--format", "json"])
        .arg(&project)
        .output()
        .unwrap();
    let json: Value = serde_json::from_slice(&output.stdout).unwrap();
    package(&json, "pkg:maven/org.synth/e@1.0");
    let seen = server.seen();
    let asked = |prefix: &str| {
        seen.iter()
            .filter(|s| s.path.starts_with(prefix))
            .collect::<Vec<_>>()
    };
    // In order: the settings' repository (with its credentials), the tree's (without), then
    // central, where the POM is.
    let corp = asked("/corp/");
    assert!(!corp.is_empty());
    assert!(corp.iter().all(|s| s.headers.contains_key("authorization")));
    let tree = asked("/tree/");
    assert!(!tree.is_empty());
    assert!(
        tree.iter()
            .all(|s| !s.headers.contains_key("authorization"))
    );
    // Named in the report, with the line that declares it.
    let named = messages(&json, "R005");
    assert!(
        named
            .iter()
            .any(|m| m.contains("/tree/") && m.contains("`corp-tree`")),
        "{named:?}"
    );
    // The plain-http repository is blocked, as Maven would block it.
    assert!(
        named
            .iter()
            .any(|m| m.contains("http://repo.registry.example/maven/") && m.contains("blocked")),
        "{named:?}"
    );
}
