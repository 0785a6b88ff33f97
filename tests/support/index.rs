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
