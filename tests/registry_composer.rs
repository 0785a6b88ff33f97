//! Composer packages whose composer.lock records no licence: looked up in the Composer 2
//! repository the project's composer.json names (`repositories`, type `composer`), else in
//! `[registries] composer` of the policy given with --policy; a local server speaks the
//! repository protocol (`packages.json` with `metadata-url`, minified `p2/<vendor>/<name>.json`).

mod support;

use support::MIT;

use std::path::Path;
use support::server::{Reply, TestServer};

/// A Composer 2 repository under `/repo`: acme/tool 1.2.0 (MIT, Composer's minified form
/// repeating only what changes) and 1.1.0 (GPL-2.0-only), acme/bare 2.0.0 with no licence but a
/// dist zip holding a LICENSE.
fn repository(server: &TestServer) {
    server.route(
        "/repo/packages.json",
        vec![Reply::ok(
            r#"{"packages": [], "metadata-url": "/repo/p2/%package%.json"}"#,
        )],
    );
    server.route(
        "/repo/p2/acme/tool.json",
        vec![Reply::ok(
            serde_json::json!({"minified": "composer/2.0", "packages": {"acme/tool": [
                {"name": "acme/tool", "version": "1.2.0", "version_normalized": "1.2.0.0",
                 "license": ["MIT"], "type": "library"},
                {"version": "1.1.0", "version_normalized": "1.1.0.0", "license": ["GPL-2.0-only"]}
            ]}})
            .to_string(),
        )],
    );
    let zip = support::zip_of(&[
        (
            "acme-bare-1/composer.json",
            br#"{"name":"acme/bare"}"#.as_slice(),
        ),
        ("acme-bare-1/LICENSE", MIT.as_bytes()),
    ]);
    server.route("/dist/acme-bare-2.0.0.zip", vec![Reply::ok(zip)]);
    server.route(
        "/repo/p2/acme/bare.json",
        vec![Reply::ok(
            serde_json::json!({"minified": "composer/2.0", "packages": {"acme/bare": [
                {"name": "acme/bare", "version": "v2.0.0", "version_normalized": "2.0.0.0",
                 "dist": {"type": "zip", "url": format!("{}/dist/acme-bare-2.0.0.zip", server.base), "shasum": ""}}
            ]}})
            .to_string(),
        )],
    );
}

/// A project whose composer.lock records neither licence nor dist for its two packages.
fn project(dir: &Path, repositories: Option<&str>) {
    std::fs::create_dir_all(dir).unwrap();
    let lock = serde_json::json!({
        "packages": [
            {"name": "acme/tool", "version": "1.2.0", "notification-url": "https://example.invalid/downloads/"},
            {"name": "acme/bare", "version": "v2.0.0", "notification-url": "https://example.invalid/downloads/"}
        ],
        "packages-dev": []
    });
    std::fs::write(dir.join("composer.lock"), lock.to_string()).unwrap();
    let repositories = repositories
        .map(|url| format!(r#","repositories":[{{"type":"vcs","url":"https://example.invalid/x.git"}},{{"type":"composer","url":"{url}"}}]"#))
        .unwrap_or_default();
    std::fs::write(
        dir.join("composer.json"),
        format!(
            r#"{{"name":"acme/app","license":"MIT","require":{{"acme/tool":"^1.2","acme/bare":"^2"}}{repositories}}}"#
        ),
    )
    .unwrap();
}

fn audit(dir: &Path, cache: &Path, extra: &[&str]) -> support::JsonRun {
    let home = tempfile::tempdir().unwrap();
    let output = support::online(cache, home.path())
        .env_remove("COMPOSER_HOME")
        .args(["audit", "--format", "json"])
        .args(extra)
        .arg(dir)
        .output()
        .unwrap();
    support::JsonRun::from_output(&output)
}

fn concluded(json: &serde_json::Value, name: &str) -> serde_json::Value {
    support::package(json, name)["licence"]["concluded"].clone()
}

#[test]
fn the_projects_own_composer_repository_answers_for_the_locked_packages() {
    let server = TestServer::start();
    repository(&server);
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("app");
    project(&dir, Some(&format!("{}/repo", server.base)));
    let cache = tempfile::tempdir().unwrap();
    let run = audit(&dir, cache.path(), &[]);
    let json = &run.json;
    // The locked version's licence (not the other version's), from the repository's metadata.
    let tool = concluded(json, "acme/tool");
    assert_eq!(tool["expression"], "MIT", "{json}");
    assert!(
        tool["explanation"]
            .as_str()
            .unwrap()
            .contains(&format!("{}/repo/p2/acme/tool.json", server.base)),
        "{tool}"
    );
    // No licence in the metadata: the dist archive it names is read.
    assert_eq!(concluded(json, "acme/bare")["expression"], "MIT", "{json}");
    assert_eq!(
        support::package(json, "acme/bare")["licence"]["detected"][0]["archive"],
        format!(
            "{}/dist/acme-bare-2.0.0.zip!/acme-bare-1/LICENSE",
            server.base
        )
    );
    // The repository named by the audited tree is reported as such.
    let named: Vec<&str> = support::findings(json, "R005")
        .iter()
        .filter_map(|f| f["message"].as_str())
        .collect();
    assert!(
        named.iter().any(|m| m.contains("/repo")),
        "{named:?} {}",
        run.stderr
    );
    assert!(support::findings(json, "R002").is_empty());
}

#[test]
fn registries_composer_of_the_policy_is_the_fallback_and_none_gives_one_r002() {
    let server = TestServer::start();
    repository(&server);
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("app");
    project(&dir, None);
    let policy = tmp.path().join("policy.toml");
    std::fs::write(
        &policy,
        format!(
            "[licences]\nallow = [\"permissive\"]\n\n[registries]\ncomposer = \"{}/repo\"\n",
            server.base
        ),
    )
    .unwrap();
    let cache = tempfile::tempdir().unwrap();
    let run = audit(&dir, cache.path(), &["--policy", policy.to_str().unwrap()]);
    assert_eq!(concluded(&run.json, "acme/tool")["expression"], "MIT");
    assert_eq!(concluded(&run.json, "acme/bare")["expression"], "MIT");
    assert_eq!(run.code, 0, "{}", run.stderr);

    // Without any repository: one R002 for Composer, with the line to add; nothing asked.
    let before = server.total();
    let cache = tempfile::tempdir().unwrap();
    let run = audit(&dir, cache.path(), &[]);
    let r002 = support::findings(&run.json, "R002");
    assert_eq!(r002.len(), 1, "{r002:?}");
    assert!(r002[0].to_string().contains("composer.json"), "{}", r002[0]);
    assert_eq!(
        concluded(&run.json, "acme/tool")["expression"],
        "NOASSERTION"
    );
    assert_eq!(server.total(), before);
}
