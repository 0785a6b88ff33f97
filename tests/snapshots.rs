//! Snapshot tests of the reports on the Cargo workspace fixture. The only thing replaced is the
//! checkout's own path, which differs between machines.

mod support;

use support::{fixture, fundament};

fn report(format: &str) -> String {
    let output = fundament()
        .args(["audit", "--offline", "--format", format])
        .arg(fixture("cargo/workspace"))
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    String::from_utf8(output.stdout)
        .unwrap()
        .replace(env!("CARGO_MANIFEST_DIR"), "[checkout]")
}

#[test]
fn human_report() {
    insta::assert_snapshot!(report("human"));
}

#[test]
fn json_report() {
    insta::assert_snapshot!(report("json"));
}

/// The human report of the workspace under a policy that asks an index of vetted components
/// (tests/support/vetting.rs): the indices table and the vetting line.
#[test]
fn human_report_with_vetting() {
    let temp = tempfile::tempdir().unwrap();
    let policy = support::vetting::city(temp.path(), "warn");
    let output = fundament()
        .args(["audit", "--offline", "--policy"])
        .arg(&policy)
        .arg(fixture("cargo/workspace"))
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let text = String::from_utf8(output.stdout)
        .unwrap()
        .replace(env!("CARGO_MANIFEST_DIR"), "[checkout]")
        .replace(&temp.path().display().to_string(), "[tmp]");
    assert!(text.contains("Indices of vetted components (require-vetted = warn)"));
    assert!(text.contains(" city               10  [tmp]/city-index"));
    assert!(text.contains("\nvetting: 1 approved, 1 rejected, 1 under review, 3 not vetted\n"));
    assert!(text.contains("error[V002]: gpl-lib 3.0.0 is rejected"));
    // The note of the counts is the vetting line; it is not repeated among the findings.
    assert!(!text.contains("note[V009]"));
    // The width of the indices table follows the temporary directory's path: its columns are
    // separated by one space in the snapshot.
    let mut in_table = false;
    let text: Vec<String> = text
        .lines()
        .map(|line| {
            in_table =
                (in_table || line.starts_with("Indices of vetted components")) && !line.is_empty();
            if in_table {
                line.split_whitespace().collect::<Vec<_>>().join(" ")
            } else {
                line.to_string()
            }
        })
        .collect();
    insta::assert_snapshot!(text.join("\n"));
}

/// The wording of counts of one, review reasons and unknown licences (tests/fixtures/wording:
/// one npm dependency and one Composer requirement without lockfiles, and an SBOM with a
/// licence that needs review because it is not OSI-approved, a component without a licence and
/// a dependency on a component the SBOM does not have).
#[test]
fn wording_of_single_counts_and_review_reasons() {
    let dir = fixture("wording");
    let run = |format: &str| {
        let output = fundament()
            .args(["audit", "--offline", "--format", format, "--sbom"])
            .arg(dir.join("components.cdx.json"))
            .arg(&dir)
            .output()
            .unwrap();
        assert_eq!(output.status.code(), Some(2), "the lockfiles are missing");
        String::from_utf8(output.stdout)
            .unwrap()
            .replace(env!("CARGO_MANIFEST_DIR"), "[checkout]")
    };
    let text = run("human");
    // Spelled out as well as in the snapshot, so that accepting a regressed snapshot is not
    // enough to let it pass.
    for expected in [
        "composer.json requires 1 package but there is no composer.lock next to it; its version is unknown",
        "package.json declares 1 dependency but has no package-lock.json; its version is unknown",
        "CDLA-Permissive-2.0 (permissive): needs review by `review = permissive` (policies/public-sector-default.toml:32); not OSI-approved, so `allow = permissive and osi-approved` (policies/public-sector-default.toml:25) does not admit it",
        "INCOMPLETE 3 errors · 3 warnings · 2 packages in 3 projects",
    ] {
        assert!(text.contains(expected), "{expected}\n{text}");
    }
    assert!(!text.contains("1 dependencies") && !text.contains("1 packages"));
    insta::assert_snapshot!(text);

    let json: serde_json::Value = serde_json::from_str(&run("json")).unwrap();
    let reasons: Vec<&str> = json["projects"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|p| p["reason"].as_str())
        .collect();
    assert!(
        reasons.contains(&"1 dependency named in components.cdx.json is not an element of it"),
        "{reasons:?}"
    );
}

/// `policy explain` on the three ways a licence is not simply allowed: unknown (NOASSERTION,
/// named once, not "NOASSERTION — NOASSERTION"), review for a condition it does not meet, and
/// denied because no rule allows it.
#[test]
fn policy_explain_says_why_a_licence_is_not_allowed() {
    let mut text = String::new();
    for args in [
        &["NOASSERTION"][..],
        &["CDLA-Permissive-2.0"],
        &[
            "Apache-2.0",
            "--policy",
            "tests/fixtures/wording/mit-only.toml",
        ],
    ] {
        let output = fundament()
            .args(["policy", "explain"])
            .args(args)
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .output()
            .unwrap();
        assert_eq!(output.status.code(), Some(0));
        text.push_str(&format!("$ fundament policy explain {}\n", args.join(" ")));
        text.push_str(&String::from_utf8(output.stdout).unwrap());
        text.push('\n');
    }
    assert!(
        text.contains("\nNOASSERTION\n  category: unknown"),
        "{text}"
    );
    assert!(!text.contains("NOASSERTION — NOASSERTION"), "{text}");
    assert!(text.contains("    why: not OSI-approved, so `allow = permissive and osi-approved`"));
    assert!(text.contains("  Apache-2.0: denied: no rule allows it (policies deny by default)"));
    insta::assert_snapshot!(text);
}
