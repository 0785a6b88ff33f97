//! Policies on the Cargo workspace fixture, whose licences are known: MIT, Apache-2.0 OR MIT
//! (build), GPL-2.0-or-later (dev), GPL-3.0-only (optional), a licence file with MIT, and one
//! package with no licence at all.

mod support;

use std::path::Path;
use support::{audit_json, codes, findings, fixture, package};

fn write_policy(dir: &Path, text: &str) -> String {
    let path = dir.join("policy.toml");
    std::fs::write(&path, text).unwrap();
    path.to_string_lossy().into_owned()
}

fn audit_with(policy: &str) -> support::JsonRun {
    let tmp = tempfile::tempdir().unwrap();
    let path = write_policy(tmp.path(), policy);
    audit_json(
        &fixture("cargo/workspace"),
        &["--offline", "--policy", &path],
    )
}

#[test]
fn presets_are_chosen_by_name() {
    let run = audit_json(
        &fixture("cargo/workspace"),
        &["--offline", "--policy", "permissive-only"],
    );
    assert_eq!(run.json["policy"]["name"], "permissive-only");
    assert_eq!(run.json["policy"]["origin"], "preset permissive-only");
    // Copyleft is denied outright here, not reviewed.
    let denied: Vec<String> = support::affected(&run.json, "L001");
    assert_eq!(
        denied,
        vec!["pkg:cargo/gpl-lib@3.0.0", "pkg:cargo/test-helper@0.9.0"]
    );
    assert_eq!(run.code, 1);
}

#[test]
fn an_unknown_policy_name_is_a_usage_error() {
    let output = support::fundament()
        .args(["audit", "--policy", "no-such-preset"])
        .arg(fixture("cargo/workspace"))
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("no-such-preset"), "{stderr}");
    assert!(stderr.contains("public-sector-default"), "{stderr}");
}

#[test]
fn policy_errors_name_file_line_and_field() {
    let tmp = tempfile::tempdir().unwrap();
    let path = write_policy(
        tmp.path(),
        "[licences]\nallow = [\n  \"MIT\",\n  \"Apache 2\",\n]\n",
    );
    let output = support::fundament()
        .args(["audit", "--offline", "--policy", &path])
        .arg(fixture("cargo/workspace"))
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains(&format!("{path}:4: `licences.allow[1]`: `Apache 2`")),
        "{stderr}"
    );
}

#[test]
fn excluded_scopes_are_skipped_not_passed() {
    let run = audit_with(
        "[licences]\nallow = [\"MIT\", \"Apache-2.0\", \"GPL-3.0-only\"]\nunknown = \"allow\"\n\
         [dependencies]\ndev = \"exclude\"\nbuild = \"exclude\"\n",
    );
    assert_eq!(
        package(&run.json, "test-helper")["verdict"]["status"],
        "skipped"
    );
    assert_eq!(
        package(&run.json, "build-helper")["verdict"]["status"],
        "skipped"
    );
    assert_eq!(
        package(&run.json, "mit-lib")["verdict"]["status"],
        "allowed"
    );
    assert_eq!(run.json["summary"]["by_status"]["skipped"], 2);
    assert_eq!(run.code, 0, "{}", run.json["findings"]);
}

#[test]
fn exceptions_rescue_one_package_and_say_so() {
    let run = audit_with(
        r#"
[licences]
allow = ["MIT", "Apache-2.0", "GPL-2.0-or-later"]
unknown = "deny"

[[exceptions]]
package = "pkg:cargo/gpl-lib"
version = "3"
allow = ["GPL-3.0-only"]
reason = "used only by the optional export feature, which we do not ship"
approved-by = "Jane Doe, Legal"
expires = 2999-12-31

[[exceptions]]
package = "unlicensed"
allow = ["NOASSERTION"]
reason = "in-house code, licence file pending"
approved-by = "Jane Doe, Legal"
"#,
    );
    assert_eq!(run.code, 0, "{}", run.json["findings"]);
    let gpl = package(&run.json, "gpl-lib");
    assert_eq!(gpl["verdict"]["status"], "allowed");
    assert_eq!(gpl["verdict"]["licences"][0]["cause"]["kind"], "exception");
    assert_eq!(
        gpl["verdict"]["licences"][0]["cause"]["approved_by"],
        "Jane Doe, Legal"
    );
    assert_eq!(findings(&run.json, "P006").len(), 2);
}

#[test]
fn unused_exceptions_and_allow_entries_are_warnings() {
    let run = audit_with(
        r#"
[licences]
allow = ["MIT", "Apache-2.0", "GPL-2.0-or-later", "GPL-3.0-only", "BSD-3-Clause"]
unknown = "allow"

[[exceptions]]
package = "mit-lib"
allow = ["MIT"]
reason = "not needed: MIT is allowed anyway"
approved-by = "someone"

[[exceptions]]
package = "not-in-the-tree"
allow = ["GPL-3.0-only"]
reason = "a package we removed"
approved-by = "someone"
"#,
    );
    let unused = findings(&run.json, "P002");
    assert_eq!(unused.len(), 2);
    let allow_unused = findings(&run.json, "P003");
    assert_eq!(allow_unused.len(), 1);
    assert!(
        allow_unused[0]["message"]
            .as_str()
            .unwrap()
            .contains("BSD-3-Clause")
    );
    assert_eq!(allow_unused[0]["location"]["line"], 3);
    // Warnings do not fail the audit.
    assert_eq!(run.code, 0);
}

#[test]
fn a_pinned_clarification_replaces_the_metadata_until_the_file_changes() {
    use sha2::Digest;
    let licence = fixture("cargo/workspace/vendor/filed/LICENSE.txt");
    let sha = hex::encode(sha2::Sha256::digest(std::fs::read(&licence).unwrap()));
    let policy = |sha: &str| {
        format!(
            "[licences]\nallow = [\"MIT\", \"Apache-2.0\", \"ISC\"]\nunknown = \"allow\"\n\
             review = [\"strong-copyleft\"]\n\n[[clarify]]\npackage = \"filed\"\n\
             expression = \"ISC\"\nlicense-files = [{{ path = \"LICENSE.txt\", sha256 = \"{sha}\" }}]\n\
             reason = \"relicensed by the author\"\n"
        )
    };
    let applied = audit_with(&policy(&sha));
    let filed = package(&applied.json, "filed");
    assert_eq!(filed["licence"]["concluded"]["expression"], "ISC");
    assert_eq!(filed["licence"]["concluded"]["from"], "curated");
    assert!(codes(&applied.json).contains(&"P007".to_string()));

    let stale = audit_with(&policy(&"a".repeat(64)));
    let filed = package(&stale.json, "filed");
    assert_eq!(filed["licence"]["concluded"]["expression"], "MIT");
    assert_eq!(filed["licence"]["concluded"]["from"], "detected");
    let warning = findings(&stale.json, "P004");
    assert_eq!(warning.len(), 1);
    assert!(warning[0]["message"].as_str().unwrap().contains(&sha));
}

#[test]
fn fundament_toml_at_the_root_is_the_policy_unless_one_is_given() {
    let tmp = tempfile::tempdir().unwrap();
    support::copy_tree(&fixture("cargo"), tmp.path());
    let dir = tmp.path().join("workspace");
    std::fs::write(
        dir.join("fundament.toml"),
        "name = \"local\"\n[licences]\nallow = [\"permissive\", \"strong-copyleft\"]\nunknown = \"review\"\n",
    )
    .unwrap();
    let local = audit_json(&dir, &["--offline"]);
    assert_eq!(local.json["policy"]["name"], "local");
    assert_eq!(local.json["policy"]["origin"], "fundament.toml");
    assert_eq!(local.code, 0, "{}", local.json["findings"]);
    let given = audit_json(&dir, &["--offline", "--policy", "public-sector-default"]);
    assert_eq!(given.json["policy"]["name"], "public-sector-default");
    assert_eq!(given.code, 1);
}
