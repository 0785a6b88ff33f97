//! Licences looked up in package registries, against an HTTP server on 127.0.0.1 that serves
//! real registry documents (captured once, registry host replaced by a placeholder; see
//! tests/fixtures/registry/README.md) and faults.

mod support;

use std::path::{Path, PathBuf};
use std::time::Duration;
use support::server::{Reply, TestServer};
use support::{findings, fixture, package};

/// The registry documents the fixture project needs, by request path.
const DOCUMENTS: &[(&str, &str)] = &[
    ("/ms", "npm/ms.json"),
    ("/debug", "npm/debug.json"),
    ("/is-number", "npm/is-number.json"),
    (
        "/@isaacs%2fstring-locale-compare",
        "npm/@isaacs%2fstring-locale-compare.json",
    ),
];

fn document(name: &str) -> Vec<u8> {
    std::fs::read(fixture("registry").join(name)).unwrap()
}

fn serve_all(server: &TestServer) {
    for (path, file) in DOCUMENTS {
        server.route(path, vec![Reply::ok(document(file))]);
    }
}

/// The fixture project, copied, with its lockfile pointing at `server`.
fn project(server: &TestServer, settings: &str) -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("app");
    support::copy_tree(&fixture("registry/npm-project"), &dir);
    let lock = dir.join("package-lock.json");
    let text = std::fs::read_to_string(&lock)
        .unwrap()
        .replace("https://npm.registry.example", &server.base);
    std::fs::write(&lock, text).unwrap();
    std::fs::write(
        dir.join("fundament.toml"),
        format!("[licences]\nallow = [\"permissive\"]\n\n[registries]\n{settings}"),
    )
    .unwrap();
    (tmp, dir)
}

/// Runs an audit with registry look-ups on, the given cache, and no user configuration.
fn audit(dir: &Path, cache: &Path, extra: &[&str]) -> support::JsonRun {
    let home = tempfile::tempdir().unwrap();
    audit_with_home(dir, cache, home.path(), extra)
}

/// [`audit`] with the user's home (their ~/.npmrc) in `home`.
fn audit_with_home(dir: &Path, cache: &Path, home: &Path, extra: &[&str]) -> support::JsonRun {
    let output = support::online(cache, home)
        .env("FUNDAMENT_CONFIG", home.join("fundament.toml"))
        .env("FUNDAMENT_TEST_SECRET", "leaked-secret")
        .env_remove("npm_config_registry")
        .env_remove("NPM_CONFIG_REGISTRY")
        .args(["audit", "--format", "json"])
        .args(extra)
        .arg(dir)
        .output()
        .unwrap();
    support::JsonRun::from_output(&output)
}

fn concluded<'a>(json: &'a serde_json::Value, name: &str) -> &'a serde_json::Value {
    &package(json, name)["licence"]["concluded"]
}

#[test]
fn licences_missing_from_the_lockfile_are_read_from_the_registry() {
    let server = TestServer::start();
    serve_all(&server);
    let (_tmp, dir) = project(&server, "");
    let cache = tempfile::tempdir().unwrap();
    let run = audit(&dir, cache.path(), &[]);
    assert_eq!(run.code, 0, "{}", run.json["findings"]);
    for (name, expected) in [
        ("ms", "MIT"),
        ("debug", "MIT"),
        ("is-number", "MIT"),
        ("@isaacs/string-locale-compare", "ISC"),
    ] {
        let c = concluded(&run.json, name);
        assert_eq!(c["expression"], expected, "{name}");
        assert_eq!(c["from"], "declared", "{name}");
    }
    // The evidence says where the licence came from: the registry document and field.
    let declared = &package(&run.json, "is-number")["licence"]["declared"][0];
    assert_eq!(
        declared["origin"]["file"],
        format!("{}/is-number", server.base)
    );
    assert_eq!(declared["origin"]["field"], "versions[\"1.1.0\"].license");
    assert_eq!(declared["raw"], "MIT", "the legacy object form is read");
    // Scoped names are asked for as @scope%2fname.
    assert_eq!(server.count("/@isaacs%2fstring-locale-compare"), 1);
    let resolved = findings(&run.json, "R004");
    assert_eq!(resolved.len(), 1);
    assert!(
        resolved[0]["message"]
            .as_str()
            .unwrap()
            .contains("4 packages")
    );
}

#[test]
fn a_second_run_and_an_offline_run_ask_the_network_nothing() {
    let server = TestServer::start();
    serve_all(&server);
    let (_tmp, dir) = project(&server, "");
    let cache = tempfile::tempdir().unwrap();
    let first = audit(&dir, cache.path(), &[]);
    let after_first = server.total();
    assert_eq!(after_first, 4);
    let second = audit(&dir, cache.path(), &[]);
    assert_eq!(server.total(), after_first, "the warm run made requests");
    let offline = audit(&dir, cache.path(), &["--offline"]);
    assert_eq!(server.total(), after_first, "the offline run made requests");
    for run in [&first, &second, &offline] {
        assert_eq!(concluded(&run.json, "debug")["expression"], "MIT");
        assert_eq!(run.code, 0);
    }
}

#[test]
fn a_cold_offline_run_lists_what_it_could_not_resolve() {
    let server = TestServer::start();
    serve_all(&server);
    let (_tmp, dir) = project(&server, "");
    let cache = tempfile::tempdir().unwrap();
    let run = audit(&dir, cache.path(), &["--offline"]);
    assert_eq!(server.total(), 0);
    let offline = findings(&run.json, "R003");
    assert_eq!(offline.len(), 1);
    assert!(
        offline[0]["message"]
            .as_str()
            .unwrap()
            .contains("4 packages")
    );
    // The packages are the finding's `packages` (all of them in JSON), not a note.
    assert_eq!(offline[0]["count"], 4);
    let packages = offline[0]["packages"].to_string();
    assert!(packages.contains("pkg:npm/debug@4.3.4"), "{packages}");
    // The four unresolved licences are one finding with its four packages, following R003.
    assert_eq!(support::affected(&run.json, "L009").len(), 4);
    assert_eq!(findings(&run.json, "L009").len(), 1);
    assert_eq!(run.code, 1, "unresolved licences are not passing");
}

#[test]
fn server_errors_and_rate_limits_are_retried() {
    let server = TestServer::start();
    serve_all(&server);
    server.route(
        "/ms",
        vec![Reply::status(500), Reply::ok(document("npm/ms.json"))],
    );
    server.route(
        "/debug",
        vec![
            Reply::status(429).header("Retry-After", "1"),
            Reply::ok(document("npm/debug.json")),
        ],
    );
    let (_tmp, dir) = project(&server, "retries = 2\n");
    let cache = tempfile::tempdir().unwrap();
    let run = audit(&dir, cache.path(), &[]);
    assert_eq!(server.count("/ms"), 2);
    assert_eq!(server.count("/debug"), 2);
    assert_eq!(concluded(&run.json, "ms")["expression"], "MIT");
    assert_eq!(concluded(&run.json, "debug")["expression"], "MIT");
    assert!(findings(&run.json, "R001").is_empty());
}

#[test]
fn every_failure_is_reported_for_its_package_and_nothing_hangs() {
    let server = TestServer::start();
    serve_all(&server);
    // Not found; always failing; too slow; cut off; not JSON; a redirect loop.
    server.route("/ms", vec![Reply::status(404)]);
    server.route("/debug", vec![Reply::status(503)]);
    server.route(
        "/is-number",
        vec![Reply::ok(document("npm/is-number.json")).delayed(Duration::from_secs(3))],
    );
    server.route(
        "/@isaacs%2fstring-locale-compare",
        vec![Reply::ok(b"{\"versions\": {".to_vec()).truncated(200)],
    );
    let (_tmp, dir) = project(&server, "retries = 1\ntimeout = 0.5\n");
    let cache = tempfile::tempdir().unwrap();
    let run = audit(&dir, cache.path(), &[]);
    let failed = findings(&run.json, "R001");
    let messages: Vec<&str> = failed
        .iter()
        .map(|f| f["message"].as_str().unwrap())
        .collect();
    let about = |name: &str| {
        messages
            .iter()
            .find(|m| m.contains(&format!("of {name} ")))
            .unwrap_or_else(|| panic!("no R001 for {name}: {messages:?}"))
            .to_string()
    };
    assert!(about("ms").contains("404"), "{}", about("ms"));
    assert!(about("debug").contains("503"), "{}", about("debug"));
    assert!(
        about("debug").contains("after 2 attempts"),
        "{}",
        about("debug")
    );
    assert!(
        about("is-number").contains("timed out"),
        "{}",
        about("is-number")
    );
    assert!(
        about("@isaacs/string-locale-compare").contains("cut off")
            || about("@isaacs/string-locale-compare").contains("JSON"),
        "{}",
        about("@isaacs/string-locale-compare")
    );
    // Each stays unresolved, with the reason.
    assert_eq!(findings(&run.json, "L009").len(), 4);
    let reason = package(&run.json, "debug")["licence_unavailable"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(reason.contains("look-up failed"), "{reason}");
    assert_eq!(run.code, 1);
}

#[test]
fn invalid_json_and_redirect_loops_are_failures_not_answers() {
    let server = TestServer::start();
    serve_all(&server);
    server.route("/ms", vec![Reply::ok(b"<html>proxy login</html>".to_vec())]);
    server.route(
        "/debug",
        vec![Reply::status(302).header("Location", "/debug")],
    );
    let (_tmp, dir) = project(&server, "retries = 0\n");
    let cache = tempfile::tempdir().unwrap();
    let run = audit(&dir, cache.path(), &[]);
    let messages = findings(&run.json, "R001")
        .iter()
        .map(|f| f["message"].as_str().unwrap().to_string())
        .collect::<Vec<_>>()
        .join("\n");
    assert!(messages.contains("not the expected JSON"), "{messages}");
    assert!(messages.contains("redirect"), "{messages}");
    assert_eq!(concluded(&run.json, "is-number")["expression"], "MIT");
}

#[test]
fn an_unreachable_registry_is_one_finding_not_one_per_package() {
    // A port nothing listens on.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}", closed.local_addr().unwrap());
    drop(closed);
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("app");
    support::copy_tree(&fixture("registry/npm-project"), &dir);
    let lock = dir.join("package-lock.json");
    let text = std::fs::read_to_string(&lock)
        .unwrap()
        .replace("https://npm.registry.example", &base);
    std::fs::write(&lock, text).unwrap();
    let cache = tempfile::tempdir().unwrap();
    let run = audit(&dir, cache.path(), &[]);
    let failed = findings(&run.json, "R001");
    assert!(!failed.is_empty());
    assert!(
        failed
            .iter()
            .any(|f| f["message"].as_str().unwrap().contains("cannot be reached")),
        "{failed:?}"
    );
    // One finding for the four packages whose licence the registry could not give.
    assert_eq!(support::affected(&run.json, "L009").len(), 4);
    assert_eq!(findings(&run.json, "L009").len(), 1);
}

#[test]
fn the_registry_comes_from_npmrc_when_the_lockfile_names_none() {
    let server = TestServer::start();
    serve_all(&server);
    let (_tmp, dir) = project(&server, "");
    // A lockfile without `resolved` URLs (pnpm-style): the registry comes from .npmrc.
    let lock = dir.join("package-lock.json");
    let mut json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&lock).unwrap()).unwrap();
    for (_, entry) in json["packages"].as_object_mut().unwrap() {
        entry.as_object_mut().unwrap().remove("resolved");
    }
    std::fs::write(&lock, serde_json::to_string(&json).unwrap()).unwrap();
    std::fs::write(dir.join(".npmrc"), format!("registry={}/\n", server.base)).unwrap();
    let cache = tempfile::tempdir().unwrap();
    let run = audit(&dir, cache.path(), &[]);
    assert_eq!(concluded(&run.json, "ms")["expression"], "MIT");
    assert_eq!(server.total(), 4);
}

#[test]
fn tokens_from_the_users_npmrc_go_only_to_their_registry() {
    let server = TestServer::start();
    serve_all(&server);
    let (_tmp, dir) = project(&server, "");
    let host = server.base.trim_start_matches("http://");
    let home = tempfile::tempdir().unwrap();
    std::fs::write(
        home.path().join(".npmrc"),
        format!("//{host}/:_authToken=s3cret\n//other.example/:_authToken=nope\n"),
    )
    .unwrap();
    let cache = tempfile::tempdir().unwrap();
    let run = audit_with_home(&dir, cache.path(), home.path(), &[]);
    assert_eq!(run.code, 0);
    assert!(!server.seen().is_empty());
    for seen in server.seen() {
        assert_eq!(
            seen.headers.get("authorization").map(String::as_str),
            Some("Bearer s3cret"),
            "{}",
            seen.path
        );
    }
}

/// The audited tree's .npmrc may name the registry, but its credentials are never used and
/// `${VAR}` in it is never expanded: a hostile repository must not have the auditor's
/// environment sent to its host.
#[test]
fn the_audited_trees_npmrc_gets_no_expansion_and_gives_no_credentials() {
    let server = TestServer::start();
    serve_all(&server);
    let (_tmp, dir) = project(&server, "");
    let host = server.base.trim_start_matches("http://");
    std::fs::write(
        dir.join(".npmrc"),
        format!(
            "//{host}/:_authToken=${{FUNDAMENT_TEST_SECRET}}\n\
             //{host}/:_auth=from-the-tree\n"
        ),
    )
    .unwrap();
    let cache = tempfile::tempdir().unwrap();
    let run = audit(&dir, cache.path(), &[]);
    assert_eq!(run.code, 0, "{}", run.json["findings"]);
    assert!(!server.seen().is_empty());
    for seen in server.seen() {
        assert_eq!(seen.headers.get("authorization"), None, "{}", seen.path);
        assert!(!format!("{:?}", seen.headers).contains("leaked-secret"));
    }
    let notes = findings(&run.json, "R005");
    assert_eq!(notes.len(), 1, "{}", run.json["findings"]);
    assert_eq!(notes[0]["severity"], "warning");
    assert!(
        notes[0]["message"]
            .as_str()
            .unwrap()
            .contains("ignores credentials from the audited tree")
    );

    // `registry=${VAR}` is not expanded either: the variable's value goes nowhere, and the
    // audit says why the setting was not used.
    std::fs::write(
        dir.join(".npmrc"),
        "registry=http://${FUNDAMENT_TEST_SECRET}.example/\n",
    )
    .unwrap();
    let lock = dir.join("package-lock.json");
    let mut json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&lock).unwrap()).unwrap();
    for (_, entry) in json["packages"].as_object_mut().unwrap() {
        entry.as_object_mut().unwrap().remove("resolved");
    }
    std::fs::write(&lock, serde_json::to_string(&json).unwrap()).unwrap();
    let run = audit(&dir, tempfile::tempdir().unwrap().path(), &["--offline"]);
    let text = run.json.to_string();
    assert!(!text.contains("leaked-secret"), "{text}");
    assert!(
        text.contains("does not expand environment variables"),
        "{text}"
    );
}

#[test]
fn without_a_configured_registry_the_audit_says_where_to_configure_one() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("app");
    support::copy_tree(&fixture("registry/npm-project"), &dir);
    let lock = dir.join("package-lock.json");
    let mut json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&lock).unwrap()).unwrap();
    for (_, entry) in json["packages"].as_object_mut().unwrap() {
        entry.as_object_mut().unwrap().remove("resolved");
    }
    std::fs::write(&lock, serde_json::to_string(&json).unwrap()).unwrap();
    let cache = tempfile::tempdir().unwrap();
    // No .npmrc, no npm on the PATH to ask.
    let output = support::fundament()
        .env_remove("FUNDAMENT_NO_REGISTRY")
        .env("FUNDAMENT_CACHE_DIR", cache.path())
        .env("HOME", tmp.path())
        .env("PATH", "/nonexistent")
        .env_remove("npm_config_registry")
        .args(["audit", "--format", "json"])
        .arg(&dir)
        .output()
        .unwrap();
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let missing = findings(&json, "R002");
    assert_eq!(missing.len(), 1, "{}", json["findings"]);
    assert!(missing[0]["notes"].to_string().contains(".npmrc"));
}
