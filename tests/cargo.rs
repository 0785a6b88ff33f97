//! The Cargo reader on the repository's own workspace fixture (path dependencies only, so that
//! `cargo metadata` runs offline) and on broken copies of it.

mod support;

use support::{audit_json, codes, copy_tree, findings, fixture, package};

fn workspace() -> std::path::PathBuf {
    fixture("cargo/workspace")
}

/// A copy of tests/fixtures/cargo (workspace and its path dependencies) to break.
fn scratch() -> (tempfile::TempDir, std::path::PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    copy_tree(&fixture("cargo"), tmp.path());
    let dir = tmp.path().join("workspace");
    (tmp, dir)
}

#[test]
fn workspace_members_are_roots_and_every_locked_package_is_read() {
    let run = audit_json(&workspace(), &["--offline"]);
    let json = &run.json;
    let lock: toml::Table =
        toml::from_str(&std::fs::read_to_string(workspace().join("Cargo.lock")).unwrap()).unwrap();
    let locked = lock["package"].as_array().unwrap();
    let packages = json["packages"].as_array().unwrap();
    assert_eq!(packages.len(), locked.len());
    for entry in locked {
        let name = entry["name"].as_str().unwrap();
        let version = entry["version"].as_str().unwrap();
        let p = package(json, name);
        assert_eq!(p["version"], version);
        assert_eq!(p["purl"], format!("pkg:cargo/{name}@{version}"));
    }
    let roots: Vec<&str> = packages
        .iter()
        .filter(|p| p["root"] == true)
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    assert_eq!(roots, vec!["app", "core"]);
    assert_eq!(json["projects"].as_array().unwrap().len(), 1);
    assert_eq!(json["projects"][0]["reader"], "cargo metadata");
    assert_eq!(json["projects"][0]["status"], "complete");
}

#[test]
fn scopes_follow_dependency_kinds() {
    let json = audit_json(&workspace(), &["--offline"]).json;
    assert_eq!(package(&json, "mit-lib")["scope"], "runtime");
    assert_eq!(package(&json, "build-helper")["scope"], "build");
    assert_eq!(package(&json, "test-helper")["scope"], "dev");
    // Optional dependencies are audited: the lockfile resolves them with every feature.
    assert_eq!(package(&json, "gpl-lib")["scope"], "runtime");
}

#[test]
fn licences_come_from_metadata_and_licence_files() {
    let json = audit_json(&workspace(), &["--offline"]).json;
    let concluded = |name: &str| package(&json, name)["licence"]["concluded"].clone();
    assert_eq!(concluded("mit-lib")["expression"], "MIT");
    assert_eq!(concluded("mit-lib")["from"], "declared");
    // GPL-2.0+ is read in lax mode as its modern id.
    assert_eq!(concluded("test-helper")["expression"], "GPL-2.0-or-later");
    // license-file only: the text is identified.
    let filed = package(&json, "filed");
    assert_eq!(filed["licence_file"], "LICENSE.txt");
    assert_eq!(filed["licence"]["concluded"]["expression"], "MIT");
    assert_eq!(filed["licence"]["concluded"]["from"], "detected");
    let detected = &filed["licence"]["detected"][0];
    assert_eq!(detected["path"], "LICENSE.txt");
    assert_eq!(detected["licence"], "MIT");
    assert!(detected["confidence"].as_f64().unwrap() > 0.95);
    assert_eq!(
        detected["sha256"],
        sha256(&fixture("cargo/workspace/vendor/filed/LICENSE.txt"))
    );
    // Nothing declared, no file: unknown, and the default policy denies it.
    let unknown = package(&json, "unlicensed");
    assert_eq!(unknown["licence"]["concluded"]["expression"], "NOASSERTION");
    assert_eq!(unknown["verdict"]["status"], "denied");
}

#[test]
fn the_default_policy_denies_unknown_and_reviews_copyleft() {
    let run = audit_json(&workspace(), &["--offline"]);
    assert_eq!(run.code, 1, "an unknown licence is a violation");
    let unknown = findings(&run.json, "L004");
    assert_eq!(unknown.len(), 1);
    assert_eq!(unknown[0]["package"], "pkg:cargo/unlicensed@0.0.1");
    assert_eq!(
        unknown[0]["path"],
        serde_json::json!(["app 0.1.0", "unlicensed 0.0.1"])
    );
    let review: Vec<String> = support::affected(&run.json, "L003");
    assert_eq!(
        review,
        vec!["pkg:cargo/gpl-lib@3.0.0", "pkg:cargo/test-helper@0.9.0"]
    );
    // The OR is resolved to one alternative, whatever the order written: the effective
    // licence, with the reason of the choice.
    let build = package(&run.json, "build-helper");
    assert_eq!(
        build["licence"]["concluded"]["expression"],
        "Apache-2.0 OR MIT"
    );
    assert_eq!(build["verdict"]["effective"], "MIT");
    assert_eq!(build["verdict"]["choices"][0]["by"], "obligations");
    assert_eq!(run.json["summary"]["outcome"], "fail");
}

#[test]
fn without_cargo_the_lockfile_is_read_and_the_audit_says_why() {
    let output = support::fundament()
        .env("CARGO", "/nonexistent/cargo")
        .args(["audit", "--format", "json", "--offline"])
        .arg(workspace())
        .output()
        .unwrap();
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let degraded = findings(&json, "I005");
    assert_eq!(degraded.len(), 1);
    let message = degraded[0]["message"].as_str().unwrap();
    assert!(message.contains("/nonexistent/cargo"), "{message}");
    assert!(message.contains("licences"), "{message}");
    assert_eq!(json["projects"][0]["reader"], "Cargo.lock");
    assert_eq!(json["projects"][0]["status"], "partial");
    // Every locked package is still there; the members are still the roots.
    assert_eq!(json["packages"].as_array().unwrap().len(), 8);
    assert_eq!(package(&json, "app")["root"], true);
    assert_eq!(package(&json, "mit-lib")["root"], false);
    // Nothing is reported as passing that was not checked: the licences are unresolved.
    let unresolved = findings(&json, "L009");
    assert_eq!(support::affected(&json, "L009").len(), 6);
    assert!(
        unresolved[0]["licence_source"]
            .as_str()
            .unwrap()
            .contains("Cargo.lock records no licences"),
        "{}",
        unresolved[0]
    );
    assert_eq!(output.status.code(), Some(1));
}

#[test]
fn a_missing_lockfile_is_reported_and_nothing_is_written() {
    let (_tmp, dir) = scratch();
    std::fs::remove_file(dir.join("Cargo.lock")).unwrap();
    let run = audit_json(&dir, &["--offline"]);
    assert_eq!(run.code, 2);
    // And the warning that known vulnerabilities were not checked: no advisory data given.
    assert_eq!(codes(&run.json), vec!["I002", "A012"]);
    assert_eq!(run.json["findings"][0]["location"]["file"], "Cargo.toml");
    assert!(
        !dir.join("Cargo.lock").exists(),
        "fundament must not create Cargo.lock"
    );
    assert_eq!(run.json["summary"]["outcome"], "incomplete");
}

#[test]
fn a_truncated_lockfile_names_file_and_line() {
    let (_tmp, dir) = scratch();
    let text = std::fs::read_to_string(dir.join("Cargo.lock")).unwrap();
    let cut = text.find("name = \"core\"").unwrap() + 9;
    std::fs::write(dir.join("Cargo.lock"), &text[..cut]).unwrap();
    let run = audit_json(&dir, &["--offline"]);
    assert_eq!(run.code, 2);
    let broken = findings(&run.json, "I001");
    assert_eq!(broken.len(), 1);
    assert_eq!(broken[0]["location"]["file"], "Cargo.lock");
    let line = broken[0]["location"]["line"].as_u64().unwrap();
    let expected = text[..cut].lines().count() as u64;
    assert!(line >= expected - 1 && line <= expected + 1, "line {line}");
}

#[test]
fn an_unknown_lockfile_version_is_reported() {
    let (_tmp, dir) = scratch();
    let text = std::fs::read_to_string(dir.join("Cargo.lock")).unwrap();
    std::fs::write(
        dir.join("Cargo.lock"),
        text.replace("version = 4", "version = 99"),
    )
    .unwrap();
    let run = audit_json(&dir, &["--offline"]);
    assert_eq!(run.code, 2);
    let found = findings(&run.json, "I003");
    assert_eq!(found.len(), 1);
    assert!(found[0]["message"].as_str().unwrap().contains("99"));
    assert_eq!(found[0]["location"]["line"], 3);
}

#[test]
fn an_invalid_manifest_names_file_and_line_and_the_rest_is_audited() {
    let (_tmp, dir) = scratch();
    // A broken manifest in the tree, beside the workspace's members.
    let broken = dir.join("broken");
    std::fs::create_dir_all(&broken).unwrap();
    std::fs::write(
        broken.join("Cargo.toml"),
        "[package]\nname = \"x\"\nversion = 1.0\"\n",
    )
    .unwrap();
    let run = audit_json(&dir, &["--offline"]);
    assert_eq!(run.code, 2);
    let errors = findings(&run.json, "I001");
    assert_eq!(errors.len(), 1);
    assert_eq!(errors[0]["location"]["file"], "broken/Cargo.toml");
    assert_eq!(errors[0]["location"]["line"], 3);
    // The workspace was still audited.
    assert!(run.json["packages"].as_array().unwrap().len() >= 8);
}

fn sha256(path: &std::path::Path) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(std::fs::read(path).unwrap()))
}
