//! `--resolve-unlocked`: manifests without a lockfile resolved against a local HTTP server that
//! serves recorded registry documents (tests/fixtures/unlocked/README.md), compared with what
//! the ecosystem's own client resolved for the same manifest.

mod support;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use support::fixture;
use support::server::{Reply, TestServer};

/// Serves every file of `dir` at `/<prefix><file name without .json>`.
fn serve_dir(server: &TestServer, dir: &Path, prefix: &str, suffix: &str) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_str().unwrap();
        let stem = name.strip_suffix(".json").unwrap_or(name);
        let body = std::fs::read_to_string(&path)
            .unwrap()
            .replace("https://npm.registry.example", &server.base);
        server.route(&format!("{prefix}{stem}{suffix}"), vec![Reply::ok(body)]);
    }
}

/// A copy of the fixture project `name`.
fn project(name: &str) -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("app");
    support::copy_tree(&fixture("unlocked").join(name), &dir);
    (tmp, dir)
}

/// Runs an audit of `dir` with `registries` as the user's `[registries]`.
fn audit(dir: &Path, cache: &Path, registries: &str, extra: &[&str]) -> support::JsonRun {
    let home = tempfile::tempdir().unwrap();
    std::fs::write(
        home.path().join("fundament.toml"),
        format!("[registries]\n{registries}"),
    )
    .unwrap();
    let output = support::online(cache, home.path())
        .env("FUNDAMENT_CONFIG", home.path().join("fundament.toml"))
        .env_remove("npm_config_registry")
        .env_remove("NPM_CONFIG_REGISTRY")
        .env_remove("PIP_INDEX_URL")
        .env_remove("COMPOSER_HOME")
        .args(["audit", "--no-advisories"])
        .args(if extra.contains(&"--format") {
            &[][..]
        } else {
            &["--format", "json"][..]
        })
        .args(extra)
        .arg(dir)
        .output()
        .unwrap();
    support::JsonRun::from_output(&output)
}

/// name -> versions of the audit's packages that are not the project's own.
fn resolved(json: &serde_json::Value) -> BTreeMap<String, Vec<String>> {
    let mut out: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for package in json["packages"].as_array().unwrap() {
        if package["root"].as_bool() == Some(true) {
            continue;
        }
        out.entry(package["name"].as_str().unwrap().to_string())
            .or_default()
            .push(package["version"].as_str().unwrap().to_string());
    }
    for versions in out.values_mut() {
        versions.sort();
    }
    out
}

fn codes(json: &serde_json::Value) -> Vec<String> {
    json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["code"].as_str().unwrap().to_string())
        .collect()
}

fn today() -> String {
    // The date the binary stamps is its own today; both run within the same test.
    let output = std::process::Command::new("date")
        .arg("-u")
        .arg("+%Y-%m-%d")
        .output()
        .unwrap();
    String::from_utf8(output.stdout).unwrap().trim().to_string()
}

#[test]
fn npm_ranges_resolve_as_npm_resolved_them() {
    let server = TestServer::start();
    serve_dir(&server, &fixture("unlocked/npm"), "/", "");
    let (_tmp, dir) = project("npm-project");
    let cache = tempfile::tempdir().unwrap();
    let npm = format!("npm = \"{}/\"\n", server.base);

    // Without the flag, nothing changes: the project cannot be audited (I002).
    let run = audit(&dir, cache.path(), &npm, &[]);
    assert!(
        codes(&run.json).contains(&"I002".to_string()),
        "{}",
        run.stderr
    );
    assert_eq!(server.total(), 0, "nothing is asked without the flag");

    let run = audit(&dir, cache.path(), &npm, &["--resolve-unlocked"]);
    let truth: BTreeMap<String, Vec<String>> =
        serde_json::from_str(&std::fs::read_to_string(fixture("unlocked/npm-truth.json")).unwrap())
            .unwrap();
    assert_eq!(resolved(&run.json), truth, "{}", run.stderr);
    let codes = codes(&run.json);
    assert!(!codes.contains(&"I002".to_string()), "{codes:?}");
    assert!(codes.contains(&"I013".to_string()), "{codes:?}");
    let date = today();
    for package in run.json["packages"].as_array().unwrap() {
        if package["root"].as_bool() == Some(true) {
            continue;
        }
        assert_eq!(package["locked"], false, "{package}");
        assert_eq!(package["resolution"], "resolved-from-declarations");
        assert_eq!(package["resolved_on"], date.as_str());
    }
    // Scopes follow the edges: is-number only through devDependencies.
    let scope = |name: &str| {
        run.json["packages"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["name"] == name)
            .map(|p| p["scope"].as_str().unwrap().to_string())
    };
    assert_eq!(scope("is-number").as_deref(), Some("dev"));
    assert_eq!(scope("has-flag").as_deref(), Some("runtime"));
    // Licences come from the same documents: nothing is left unknown.
    let licence = run.json["packages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "chalk")
        .unwrap()["licence"]
        .clone();
    assert!(licence.to_string().contains("MIT"), "{licence}");

    // Offline, the cache answers the same.
    let asked = server.total();
    let offline = audit(
        &dir,
        cache.path(),
        &npm,
        &["--resolve-unlocked", "--offline"],
    );
    assert_eq!(server.total(), asked, "offline asks nothing");
    assert_eq!(resolved(&offline.json), truth, "{}", offline.stderr);

    // The SBOMs carry the mark too, with the day.
    let sbom = audit(
        &dir,
        cache.path(),
        &npm,
        &["--resolve-unlocked", "--offline", "--format", "cyclonedx"],
    );
    let chalk = sbom.json["components"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "chalk")
        .expect("chalk in the SBOM");
    let property = |name: &str| {
        chalk["properties"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["name"] == name)
            .map(|p| p["value"].as_str().unwrap().to_string())
    };
    assert_eq!(
        property("fundament:resolution").as_deref(),
        Some("resolved-from-declarations")
    );
    assert_eq!(property("fundament:resolved-on"), Some(date.clone()));
    let spdx = audit(
        &dir,
        cache.path(),
        &npm,
        &["--resolve-unlocked", "--offline", "--format", "spdx"],
    );
    assert!(
        spdx.json
            .to_string()
            .contains(&format!("resolved by fundament on {date}, not locked")),
        "{}",
        spdx.stderr
    );
}

/// A requirement that cannot be resolved was not checked, nor anything it brings in: the
/// audit says which (`I007`, an error) and is incomplete, never passed, while what could be
/// resolved is still reported.
#[test]
fn a_requirement_that_cannot_be_resolved_leaves_the_audit_incomplete() {
    let server = TestServer::start();
    serve_dir(&server, &fixture("unlocked/npm"), "/", "");
    let (_tmp, dir) = project("npm-project");
    let manifest = dir.join("package.json");
    let mut package: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&manifest).unwrap()).unwrap();
    // The registry answers 404 for it: the test server serves nothing else.
    package["dependencies"]["not-in-the-registry"] = "^1.0.0".into();
    std::fs::write(&manifest, package.to_string()).unwrap();
    let cache = tempfile::tempdir().unwrap();
    let npm = format!("npm = \"{}/\"\n", server.base);

    let run = audit(&dir, cache.path(), &npm, &["--resolve-unlocked"]);
    let unresolved: Vec<&serde_json::Value> = run.json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["code"] == "I007")
        .collect();
    assert_eq!(unresolved.len(), 1, "{}", run.stderr);
    assert_eq!(unresolved[0]["severity"], "error", "{}", unresolved[0]);
    assert!(
        unresolved[0]["message"]
            .as_str()
            .unwrap()
            .contains("not-in-the-registry"),
        "{}",
        unresolved[0]
    );
    assert_eq!(run.json["summary"]["outcome"], "incomplete");
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("error[I007]"), "{}", run.stderr);
    // What could be resolved is still there.
    let resolved = resolved(&run.json);
    assert!(resolved.contains_key("chalk"), "{resolved:?}");
    assert!(
        !resolved.contains_key("not-in-the-registry"),
        "{resolved:?}"
    );
}

#[test]
fn npm_without_a_configured_registry_says_so() {
    let (_tmp, dir) = project("npm-project");
    let cache = tempfile::tempdir().unwrap();
    let home = tempfile::tempdir().unwrap();
    let output = support::fundament()
        .env_remove("FUNDAMENT_NO_REGISTRY")
        .env("FUNDAMENT_CACHE_DIR", cache.path())
        .env("HOME", home.path())
        .env("FUNDAMENT_CONFIG", home.path().join("none.toml"))
        .env("PATH", "/nonexistent")
        .env_remove("npm_config_registry")
        .env_remove("NPM_CONFIG_REGISTRY")
        .args([
            "audit",
            "--format",
            "json",
            "--no-advisories",
            "--resolve-unlocked",
        ])
        .arg(&dir)
        .output()
        .unwrap();
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let finding = json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["code"] == "I002")
        .expect("I002");
    assert!(
        finding["message"]
            .as_str()
            .unwrap()
            .contains("no npm registry is configured"),
        "{finding}"
    );
}

/// Serves the Composer repository of tests/fixtures/unlocked/composer.
fn serve_composer(server: &TestServer) {
    let root = fixture("unlocked/composer");
    server.route(
        "/packages.json",
        vec![Reply::ok(
            std::fs::read(root.join("packages.json")).unwrap(),
        )],
    );
    for entry in std::fs::read_dir(root.join("p2/acme")).unwrap() {
        let path = entry.unwrap().path();
        let file = path.file_name().unwrap().to_str().unwrap();
        server.route(
            &format!("/p2/acme/{file}"),
            vec![Reply::ok(std::fs::read(&path).unwrap())],
        );
    }
}

/// What Composer would choose for composer-project/composer.json from that repository: the
/// fixture's README explains each line.
fn composer_expected() -> BTreeMap<String, Vec<String>> {
    [
        ("acme/cache", "1.4.0"),
        ("acme/http", "3.1.0-RC1"),
        ("acme/log", "1.2.5"),
        ("acme/test", "2.0.0-alpha1"),
        ("acme/util", "1.5.0"),
    ]
    .into_iter()
    .map(|(n, v)| (n.to_string(), vec![v.to_string()]))
    .collect()
}

#[test]
fn composer_constraints_and_stability_resolve_as_composer_would() {
    let server = TestServer::start();
    serve_composer(&server);
    let (_tmp, dir) = project("composer-project");
    let cache = tempfile::tempdir().unwrap();
    let composer = format!("composer = \"{}\"\n", server.base);

    let run = audit(&dir, cache.path(), &composer, &[]);
    assert!(codes(&run.json).contains(&"I002".to_string()));
    assert_eq!(server.total(), 0);

    let run = audit(&dir, cache.path(), &composer, &["--resolve-unlocked"]);
    assert_eq!(resolved(&run.json), composer_expected(), "{}", run.stderr);
    let codes = codes(&run.json);
    assert!(codes.contains(&"I013".to_string()), "{codes:?}");
    assert!(!codes.contains(&"I002".to_string()), "{codes:?}");
    assert!(!codes.contains(&"I007".to_string()), "{codes:?}");
    let package = |name: &str| {
        run.json["packages"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["name"] == name)
            .unwrap()
            .clone()
    };
    assert_eq!(package("acme/test")["scope"], "dev");
    assert_eq!(package("acme/util")["scope"], "runtime");
    assert_eq!(package("acme/util")["resolved_on"], today().as_str());
    // Several licences in composer metadata are a choice.
    let util = package("acme/util")["licence"].to_string();
    assert!(util.contains("MIT") && util.contains("OR"), "{util}");
    // No ~dev metadata was asked: dev versions are not allowed.
    assert!(server.seen().iter().all(|s| !s.path.contains("~dev")));
}

#[test]
fn composer_uses_the_projects_own_repository() {
    let server = TestServer::start();
    serve_composer(&server);
    let (_tmp, dir) = project("composer-project");
    let manifest = dir.join("composer.json");
    let mut json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&manifest).unwrap()).unwrap();
    json["repositories"] = serde_json::json!([{ "type": "composer", "url": server.base }]);
    std::fs::write(&manifest, json.to_string()).unwrap();
    let cache = tempfile::tempdir().unwrap();
    let run = audit(&dir, cache.path(), "", &["--resolve-unlocked"]);
    assert_eq!(resolved(&run.json), composer_expected(), "{}", run.stderr);
}

/// Serves the recorded index of tests/fixtures/unlocked/pypi: project pages under `/simple/`,
/// metadata files and wheels at their recorded paths, both hosts on `server`.
fn serve_pypi(server: &TestServer) {
    let root = fixture("unlocked/pypi");
    let rewrite = |bytes: Vec<u8>| -> Vec<u8> {
        String::from_utf8(bytes)
            .unwrap()
            .replace("https://files.pypi.registry.example", &server.base)
            .replace("https://pypi.registry.example", &server.base)
            .into_bytes()
    };
    for entry in std::fs::read_dir(root.join("simple")).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_stem().unwrap().to_str().unwrap().to_string();
        let body = rewrite(std::fs::read(&path).unwrap());
        server.route(
            &format!("/simple/{name}/"),
            vec![Reply::ok(body).header("Content-Type", "application/vnd.pypi.simple.v1+json")],
        );
    }
    let files = root.join("files");
    for entry in walkdir::WalkDir::new(&files) {
        let entry = entry.unwrap();
        if !entry.file_type().is_file() {
            continue;
        }
        let relative = entry.path().strip_prefix(&files).unwrap();
        let path = format!("/{}", relative.to_str().unwrap());
        let body = std::fs::read(entry.path()).unwrap();
        server.route(&path, vec![Reply::ok(body)]);
    }
}

#[test]
fn python_ranges_resolve_as_pip_resolved_them() {
    let server = TestServer::start();
    serve_pypi(&server);
    let (_tmp, dir) = project("python-project");
    let cache = tempfile::tempdir().unwrap();
    let pypi = format!("pypi = \"{}/simple/\"\n", server.base);

    // Without the flag: listed unresolved, as before (I010).
    let run = audit(&dir, cache.path(), &pypi, &["--no-registry"]);
    assert!(
        codes(&run.json).contains(&"I010".to_string()),
        "{}",
        run.stderr
    );

    let run = audit(&dir, cache.path(), &pypi, &["--resolve-unlocked"]);
    let truth: BTreeMap<String, Vec<String>> = serde_json::from_str(
        &std::fs::read_to_string(fixture("unlocked/pypi-truth.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(resolved(&run.json), truth, "{}", run.json["findings"]);
    let codes = codes(&run.json);
    assert!(codes.contains(&"I013".to_string()), "{codes:?}");
    assert!(!codes.contains(&"I010".to_string()), "{codes:?}");
    assert!(!codes.contains(&"I007".to_string()), "{codes:?}");
    for package in run.json["packages"].as_array().unwrap() {
        if package["root"].as_bool() == Some(true) {
            continue;
        }
        assert_eq!(package["resolution"], "resolved-from-declarations");
        assert_eq!(package["resolved_on"], today().as_str());
    }
    // pywin32 is only for Windows: not resolved, and the audit says why.
    assert!(
        run.json["findings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["message"].as_str().unwrap().contains("pywin32")
                && f["message"].as_str().unwrap().contains("does not apply")),
        "{}",
        run.json["findings"]
    );
    // requests depends on the urllib3 pre-release the root asked for: one version per name.
    let requests = run.json["packages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "requests")
        .unwrap();
    assert!(
        requests["dependencies"].as_array().unwrap().len() >= 4,
        "{requests}"
    );
    // Their licences are looked up like those of locked packages: requests declares Apache-2.0.
    assert!(
        requests["licence"].to_string().contains("Apache-2.0"),
        "{}",
        requests["licence"]
    );
}
