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

    // Every crate of Cargo.lock is audited, or left out with its reason (no build for the
    // tier-1 platforms compiles it: tests/cargo_graph.rs compares this with cargo itself).
    let packages = json["packages"].as_array().unwrap();
    let left_out = projects[0]["left_out"].as_array().unwrap();
    let locked = lockfile_packages();
    assert_eq!(packages.len() + left_out.len(), locked.len());
    for (name, version) in &locked {
        assert!(
            packages
                .iter()
                .chain(left_out)
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
        // Findings in full, and the compact lines after the first ones; not the summary of
        // causes at the end (its lines start with a count).
        .filter(|l| l.starts_with("error[L002]:") || l.starts_with("  error[L002] "))
        .collect();
    let json = audit_json(&repo(), &["--policy", &policy]).json;
    // Every dependency is named, once: findings that differ only in the package are one
    // finding with its packages (one per licence here), and the human report shows each once.
    let mut named = support::affected(&json, "L002");
    named.sort();
    named.dedup();
    assert_eq!(
        named.len(),
        json["packages"].as_array().unwrap().len() - 1,
        "every dependency"
    );
    assert_eq!(errors.len(), findings(&json, "L002").len());
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

/// The concluded expression, effective licence and OR choices of every package.
fn choices_by_expression(json: &serde_json::Value) -> Vec<(String, String, serde_json::Value)> {
    json["packages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["licence"]["concluded"]["expression"]
                    .as_str()
                    .unwrap()
                    .to_string(),
                p["verdict"]["effective"].as_str().unwrap_or("").to_string(),
                p["verdict"]["choices"].clone(),
            )
        })
        .collect()
}

#[test]
fn mit_or_apache_and_apache_or_mit_conclude_the_same() {
    let run = audit_json(&repo(), &[]);
    let all = choices_by_expression(&run.json);
    let spelled = |expression: &str| -> Vec<&(String, String, serde_json::Value)> {
        all.iter().filter(|(e, _, _)| e == expression).collect()
    };
    let mit_first = spelled("MIT OR Apache-2.0");
    let apache_first = spelled("Apache-2.0 OR MIT");
    // Both spellings are in this tree (the issue counted 191 and 22).
    assert!(mit_first.len() > 10, "{}", mit_first.len());
    assert!(!apache_first.is_empty());
    for (expression, effective, choices) in mit_first.iter().chain(&apache_first) {
        assert_eq!(effective, "MIT", "{expression}");
        assert_eq!(choices[0]["chosen"], "MIT");
        assert_eq!(choices[0]["by"], "obligations");
        assert_eq!(
            choices[0]["alternatives"],
            serde_json::json!(["Apache-2.0", "MIT"])
        );
        assert_eq!(choices, &apache_first[0].2);
    }

    // A preference in the policy decides the other way, for both spellings alike.
    let tmp = tempfile::tempdir().unwrap();
    let policy = policy_file(
        tmp.path(),
        "[licences]\nallow = [\"permissive\", \"public-domain\", \"weak-copyleft\"]\n\
         prefer = [\"Apache-2.0\"]\n",
    );
    let run = audit_json(&repo(), &["--policy", &policy]);
    for (expression, effective, choices) in choices_by_expression(&run.json) {
        if expression == "MIT OR Apache-2.0" || expression == "Apache-2.0 OR MIT" {
            assert_eq!(effective, "Apache-2.0", "{expression}");
            assert_eq!(choices[0]["by"], "preference");
        }
    }
}

#[test]
fn the_reason_of_a_choice_is_in_every_report() {
    let reason = "chosen from Apache-2.0 OR MIT: MIT brings fewer obligations than Apache-2.0";
    let render = |format: &str| {
        let output = support::fundament()
            .arg("audit")
            .arg(repo())
            .args(["--format", format])
            .output()
            .unwrap();
        String::from_utf8_lossy(&output.stdout).into_owned()
    };
    let human = render("human");
    assert!(
        human.contains("MIT from Apache-2.0 OR MIT (")
            && human.contains("MIT brings fewer obligations than Apache-2.0"),
        "{human}"
    );
    let json = render("json");
    assert!(json.contains("\"by\": \"obligations\""));
    for format in ["cyclonedx", "spdx"] {
        let text = render(format);
        assert!(text.contains(reason), "{format}");
    }
    assert!(render("cyclonedx").contains("fundament:licence:choice"));
    let markdown = render("markdown");
    assert!(
        markdown.contains("MIT (chosen from Apache-2.0 OR MIT: fewest obligations)"),
        "markdown"
    );
    let html = render("html");
    assert!(
        html.contains("MIT (chosen from Apache-2.0 OR MIT: fewest obligations)"),
        "html"
    );
    let german = support::fundament()
        .arg("audit")
        .arg(repo())
        .args(["--format", "html", "--lang", "de"])
        .output()
        .unwrap();
    assert!(
        String::from_utf8_lossy(&german.stdout)
            .contains("MIT (gewählt aus Apache-2.0 OR MIT: wenigste Pflichten)"),
        "html de"
    );
    let notices = support::fundament()
        .arg("notices")
        .arg(repo())
        .output()
        .unwrap();
    assert!(
        String::from_utf8_lossy(&notices.stdout).contains(reason),
        "notices"
    );

    // SARIF: a finding on a package chosen from an OR carries the choice.
    let tmp = tempfile::tempdir().unwrap();
    let policy = policy_file(
        tmp.path(),
        "[licences]\nallow = [\"public-domain\"]\nreview = [\"permissive\", \"weak-copyleft\"]\n",
    );
    let output = support::fundament()
        .arg("audit")
        .arg(repo())
        .args(["--format", "sarif", "--policy", &policy])
        .output()
        .unwrap();
    let sarif: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let results = sarif["runs"][0]["results"].as_array().unwrap();
    assert!(
        results.iter().any(|r| r["ruleId"] == "L003"
            && r["properties"]["effectiveLicence"] == "MIT"
            && r["properties"]["licenceChoices"][0]
                .as_str()
                .is_some_and(|c| c.contains(reason))),
        "no L003 result carries the choice"
    );
}
