//! Running `fundament index ...` in tests: a home of its own (no git identity, no user
//! configuration), on a fixed day.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Output;

/// 2026-03-01 00:00:00 UTC: the day every publish in these tests is made.
pub const EPOCH: &str = "1772323200";
pub const TODAY: &str = "2026-03-01";

/// `fundament index <args>` with `home` as its home, on [`TODAY`].
pub fn index_cmd(home: &Path, args: &[&str]) -> Output {
    index_cmd_with(home, args, &[])
}

/// [`index_cmd`] with extra environment variables.
pub fn index_cmd_with(home: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = super::fundament();
    cmd.env("HOME", home)
        .env("XDG_CONFIG_HOME", home.join(".config"))
        .env("SOURCE_DATE_EPOCH", EPOCH)
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env_remove("FUNDAMENT_INDEX_CRASH")
        .env_remove("SSH_AUTH_SOCK");
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.arg("index")
        .args(args)
        .output()
        .expect("fundament runs")
}

pub fn text(output: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

pub fn code(output: &Output) -> i32 {
    output.status.code().unwrap_or(-1)
}

/// A new index in `<tmp>/index` (a git repository when `git`), with `extra` arguments to init.
pub fn new_index_with(tmp: &Path, git: bool, extra: &[&str]) -> PathBuf {
    let dir = tmp.join("index");
    let mut args = vec![
        "init",
        dir.to_str().unwrap(),
        "--name",
        "city",
        "--maintainer",
        "Ann Example <ann@city.example>",
        "--organisation",
        "City of Example",
    ];
    if git {
        args.push("--git");
    }
    args.extend_from_slice(extra);
    let out = index_cmd(tmp, &args);
    assert_eq!(code(&out), 0, "{}", text(&out));
    dir
}

pub fn new_index(tmp: &Path, git: bool) -> PathBuf {
    new_index_with(tmp, git, &[])
}

pub fn publish(home: &Path, index: &Path, extra: &[&str]) -> Output {
    let mut args = vec!["publish", "--index", index.to_str().unwrap()];
    args.extend_from_slice(extra);
    index_cmd(home, &args)
}

pub fn publish_ok(home: &Path, index: &Path, extra: &[&str]) {
    let out = publish(home, index, extra);
    assert_eq!(code(&out), 0, "{}", text(&out));
}

/// The combined output of a run that must succeed (exit code 0), for further checks.
#[track_caller]
pub fn ok(output: &Output) -> String {
    assert_eq!(code(output), 0, "{}", text(output));
    text(output)
}

/// Asserts that the combined output of `output` contains `expected`, showing all of it if not.
#[track_caller]
pub fn assert_says(output: &Output, expected: &str) {
    let said = text(output);
    assert!(said.contains(expected), "missing `{expected}` in:\n{said}");
}

/// `fundament index verify <index>`.
pub fn verify(home: &Path, index: &Path) -> Output {
    index_cmd(home, &["verify", index.to_str().unwrap()])
}

/// `fundament index <args> --index <index> --no-builtin`: `show` and `search` on this index
/// alone.
pub fn query(home: &Path, index: &Path, args: &[&str]) -> Output {
    let mut all = args.to_vec();
    all.extend_from_slice(&["--index", index.to_str().unwrap(), "--no-builtin"]);
    index_cmd(home, &all)
}

/// `fundament index key add` of `public_key` for `owner` of the City of Example, with `extra`
/// arguments; it must succeed.
pub fn add_key(home: &Path, index: &Path, owner: &str, public_key: &Path, extra: &[&str]) {
    let mut args = vec![
        "key",
        "add",
        "--index",
        index.to_str().unwrap(),
        "--organisation",
        "City of Example",
        "--owner",
        owner,
        "--public-key",
        public_key.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    ok(&index_cmd(home, &args));
}

/// The index in `index` alone (no built-in one), as the audit reads it.
pub fn open_alone(index: &Path, require_signed: bool) -> fundament::index::Layered {
    fundament::index::Layered::open(
        &[fundament::index::IndexSettings {
            name: "city".to_string(),
            location: index.display().to_string(),
            precedence: 1,
            require_signed,
            ..Default::default()
        }],
        &fundament::index::IndexOptions {
            builtin: false,
            ..Default::default()
        },
    )
    .unwrap()
}

/// The arguments of a publish of `what` (a PURL with its version, or `--purl` and
/// `--versions`) with its `decision` and `licence`, by `reviewer` of `organisation`.
pub fn decided<'a>(
    what: &[&'a str],
    decision: &'a str,
    licence: &'a str,
    reviewer: &'a str,
    organisation: &'a str,
) -> Vec<&'a str> {
    let mut args = what.to_vec();
    args.extend_from_slice(&["--decision", decision, "--licence", licence]);
    args.extend_from_slice(&["--reviewer", reviewer, "--organisation", organisation]);
    args
}

/// A record of `purl` at `version`, decided by Ann Example of the City of Example on `day`,
/// with nothing else set.
pub fn record_on(
    day: &str,
    purl: &str,
    version: &str,
    decision: fundament::index::Decision,
    licence: &str,
) -> fundament::index::Record {
    fundament::index::Record {
        purl: purl.to_string(),
        version: Some(version.to_string()),
        versions: None,
        decision,
        licence: licence.to_string(),
        reviewer: "Ann Example".to_string(),
        organisation: "City of Example".to_string(),
        date: day.to_string(),
        review_by: None,
        notes: None,
        evidence: fundament::index::RecordEvidence::default(),
        no_evidence: None,
        signatures: Vec::new(),
        vex: Vec::new(),
    }
}

/// [`record_on`] [`TODAY`].
pub fn record(
    purl: &str,
    version: &str,
    decision: fundament::index::Decision,
    licence: &str,
) -> fundament::index::Record {
    record_on(TODAY, purl, version, decision, licence)
}
