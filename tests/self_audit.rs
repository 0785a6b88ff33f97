//! fundament audits its own repository: the real dependency tree of this crate, read through
//! `cargo metadata` (which may download crates; the crates registry is reachable in CI).

mod support;

use std::path::{Path, PathBuf};
use support::{audit_json, audit_text, findings, package};

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn lockfile_packages() -> Vec<(String, String)> {
    let lock: toml::Table =
        toml::from_str(&std::fs::read_to_string(repo().join("Cargo.lock")).unwrap()).unwrap();
    lock["package"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["name"].as_str().unwrap().to_string(),
                p["version"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

fn policy_file(dir: &Path, text: &str) -> String {
    let path = dir.join("policy.toml");
    std::fs::write(&path, text).unwrap();
    path.to_string_lossy().into_owned()
}

#[test]
fn the_own_tree_passes_the_default_policy_with_every_crate_known() {
    let run = audit_json(&repo(), &[]);
    assert_eq!(run.code, 0, "findings: {}", run.json["findings"]);
    let json = &run.json;
    assert_eq!(json["policy"]["name"], "public-sector-default");
    // Only the crate itself: test fixtures are excluded by .fundamentignore.
    let projects = json["projects"].as_array().unwrap();
    assert_eq!(projects.len(), 1, "{projects:?}");
    assert_eq!(projects[0]["reader"], "cargo metadata");

    let packages = json["packages"].as_array().unwrap();
    let locked = lockfile_packages();
    assert_eq!(packages.len(), locked.len());
    for (name, version) in &locked {
        assert!(
            packages
                .iter()
                .any(|p| p["name"] == name.as_str() && p["version"] == version.as_str()),
            "{name} {version} of Cargo.lock is missing from the audit"
        );
    }
    for p in packages {
        assert_ne!(
            p["licence"]["concluded"]["expression"], "NOASSERTION",
            "{} has an unknown licence",
            p["purl"]
        );
    }
    let root = package(json, "fundament");
    assert_eq!(root["root"], true);
    assert_eq!(root["licence"]["concluded"]["expression"], "EUPL-1.2");
    assert_eq!(json["summary"]["outcome"], "pass");
}

#[test]
fn a_policy_that_allows_nothing_fails_and_names_the_licences() {
    let tmp = tempfile::tempdir().unwrap();
    let policy = policy_file(tmp.path(), "name = \"nothing\"\n[licences]\nallow = []\n");
    let (code, stdout, _) = audit_text(&repo(), &["--policy", &policy]);
    assert_eq!(code, 1);
    assert!(stdout.contains("error[L002]"), "{stdout}");
    let errors: Vec<&str> = stdout
        .lines()
        .filter(|l| l.contains("error[L002]"))
        .collect();
    assert_eq!(
        errors.len(),
        lockfile_packages().len() - 1,
        "one per dependency"
    );
    for licence in ["MIT", "Apache-2.0", "Unicode-3.0"] {
        assert!(
            errors.iter().any(|l| l.contains(licence)),
            "{licence} is not named:\n{stdout}"
        );
    }
    assert!(stdout.contains("FAIL"));
}

#[test]
fn an_expired_exception_is_a_violation() {
    let tmp = tempfile::tempdir().unwrap();
    let policy = policy_file(
        tmp.path(),
        r#"
[licences]
allow = [{ category = "permissive", osi-approved = true }, { category = "public-domain", osi-approved = true }, "MPL-2.0"]

[[exceptions]]
package = "pkg:cargo/serde"
allow = ["GPL-3.0-only"]
reason = "reviewed by legal in 2019"
approved-by = "Legal department"
expires = 2020-01-01
"#,
    );
    let run = audit_json(&repo(), &["--policy", &policy]);
    assert_eq!(run.code, 1);
    let expired = findings(&run.json, "P001");
    assert_eq!(expired.len(), 1);
    assert!(
        expired[0]["message"]
            .as_str()
            .unwrap()
            .contains("2020-01-01")
    );
    assert_eq!(expired[0]["location"]["line"], 5);
}

#[test]
fn a_clarification_with_a_wrong_hash_is_reported_and_not_applied() {
    let tmp = tempfile::tempdir().unwrap();
    let policy = policy_file(
        tmp.path(),
        &format!(
            r#"
[licences]
allow = ["permissive", "public-domain", "weak-copyleft"]

[[clarify]]
package = "serde"
expression = "MIT"
license-files = [{{ path = "LICENSE-MIT", sha256 = "{}" }}]
reason = "only MIT applies to us"
"#,
            "0".repeat(64)
        ),
    );
    let run = audit_json(&repo(), &["--policy", &policy]);
    let stale = findings(&run.json, "P004");
    assert_eq!(stale.len(), 1, "{}", run.json["findings"]);
    let message = stale[0]["message"].as_str().unwrap();
    assert!(message.contains("NOT applied"), "{message}");
    assert!(message.contains("LICENSE-MIT"), "{message}");
    assert_eq!(stale[0]["severity"], "warning");
    // The policy's clarification is not applied; the next curation in line is the built-in
    // index's review of serde, whose licence files are unchanged.
    let serde = package(&run.json, "serde");
    assert_eq!(serde["licence"]["concluded"]["from"], "curated");
    assert!(
        serde["licence"]["concluded"]["explanation"]
            .as_str()
            .unwrap()
            .starts_with("reviewed in index `fundament`"),
        "{}",
        serde["licence"]["concluded"]
    );
    assert_eq!(
        serde["licence"]["concluded"]["expression"],
        "MIT OR Apache-2.0"
    );
}

#[test]
fn a_clarification_with_the_right_hash_is_applied() {
    // Find serde's own directory through a first audit, and pin its real LICENSE-MIT.
    let first = audit_json(&repo(), &[]);
    let dir = PathBuf::from(package(&first.json, "serde")["dir"].as_str().unwrap());
    let sha = {
        use sha2::Digest;
        hex::encode(sha2::Sha256::digest(
            std::fs::read(dir.join("LICENSE-MIT")).unwrap(),
        ))
    };
    let tmp = tempfile::tempdir().unwrap();
    let policy = policy_file(
        tmp.path(),
        &format!(
            "[licences]\nallow = [\"permissive\", \"public-domain\", \"weak-copyleft\"]\n\n\
             [[clarify]]\npackage = \"serde\"\nexpression = \"MIT\"\n\
             license-files = [{{ path = \"LICENSE-MIT\", sha256 = \"{sha}\" }}]\n"
        ),
    );
    let run = audit_json(&repo(), &["--policy", &policy]);
    assert!(findings(&run.json, "P004").is_empty());
    assert_eq!(findings(&run.json, "P007").len(), 1);
    let serde = package(&run.json, "serde");
    assert_eq!(serde["licence"]["concluded"]["from"], "curated");
    assert_eq!(serde["licence"]["concluded"]["expression"], "MIT");
    assert_eq!(serde["licence"]["curated"]["files"][0]["sha256"], sha);
}
