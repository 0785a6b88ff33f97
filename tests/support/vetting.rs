//! An index of vetted components for the report tests, made with `fundament index init` and
//! `fundament index publish` (dated by `SOURCE_DATE_EPOCH`: 2026-01-01), and a policy that asks
//! it: decisions about packages of the Cargo workspace fixture (tests/fixtures/cargo/workspace).
#![allow(dead_code)]

use std::path::{Path, PathBuf};

/// The reviewers' notes on the rejected package: with characters Markdown and HTML must escape.
pub const REJECTED_NOTES: &str =
    "GPL-3.0-only is not acceptable for distribution | see <ticket 42>";

/// An index and a policy in `dir`; returns the policy file.
///
/// The index `city` (precedence 10, next to the built-in one) holds: `gpl-lib 3.0.0`
/// rejected, `filed` approved for `>=0.3, <0.4` with a review-by date, `test-helper 0.9.0`
/// under review. The policy allows permissive licences, reviews strong copyleft and sets
/// `require-vetted` to `require` (`off`, `warn`, `deny`).
pub fn city(dir: &Path, require: &str) -> PathBuf {
    let index = dir.join("city-index");
    run(&[
        "index",
        "init",
        index.to_str().unwrap(),
        "--name",
        "city",
        "--maintainer",
        "Vetting Office <vetting@example.org>",
        "--organisation",
        "Stadt Beispiel",
    ]);
    let publish = |args: &[&str]| {
        let mut all = vec!["index", "publish", "--index", index.to_str().unwrap()];
        all.extend_from_slice(args);
        run(&all);
    };
    publish(&[
        "pkg:cargo/gpl-lib@3.0.0",
        "--decision",
        "rejected",
        "--licence",
        "GPL-3.0-only",
        "--reviewer",
        "Erika Muster",
        "--organisation",
        "Stadt Beispiel",
        "--notes",
        REJECTED_NOTES,
    ]);
    publish(&[
        "--purl",
        "pkg:cargo/filed",
        "--versions",
        ">=0.3, <0.4",
        "--decision",
        "approved",
        "--licence",
        "MIT",
        "--reviewer",
        "Max Mustermann",
        "--organisation",
        "Stadt Beispiel",
        "--review-by",
        "2030-06-30",
        "--notes",
        "licence file read",
        "--no-evidence",
        "a range of versions: no one archive to pin",
    ]);
    publish(&[
        "pkg:cargo/test-helper@0.9.0",
        "--decision",
        "under-review",
        "--licence",
        "GPL-2.0-or-later",
        "--reviewer",
        "Erika Muster",
        "--organisation",
        "Stadt Beispiel",
    ]);
    let policy = dir.join("policy.toml");
    std::fs::write(
        &policy,
        format!(
            r#"name = "city-vetting"

[licences]
allow = ["permissive"]
review = ["strong-copyleft"]

[vetting]
require-vetted = "{require}"

[[index]]
name = "city"
location = "city-index"
precedence = 10
"#
        ),
    )
    .unwrap();
    policy
}

/// A policy that asks no index at all.
pub fn no_index(dir: &Path) -> PathBuf {
    let policy = dir.join("no-index.toml");
    std::fs::write(
        &policy,
        r#"name = "no-index"

[licences]
allow = ["permissive"]
review = ["strong-copyleft"]

[vetting]
builtin-index = false
"#,
    )
    .unwrap();
    policy
}

fn run(args: &[&str]) {
    let output = super::fundament()
        .args(args)
        .output()
        .expect("fundament runs");
    assert!(
        output.status.success(),
        "fundament {args:?} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
}
