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
