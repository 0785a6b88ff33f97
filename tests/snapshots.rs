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
