//! The static index: `fundament index init/publish/verify/show/search`, and the reading API
//! the audit uses (folders, git, HTTP, layering), against temporary indices, a local bare git
//! repository and a local HTTP server.

#[path = "../support/mod.rs"]
mod support;

mod git;
mod http;
mod layered;
mod local;

use fundament::index::{
    Decision, IndexOptions, IndexSettings, Layered, LookupError, Record, SourceKind,
};
use fundament::registry::http::HttpOptions;
use std::path::Path;
use std::process::Output;
use std::time::Duration;
use support::index::{
    EPOCH, TODAY, assert_says, code, decided, index_cmd, index_cmd_with, new_index, ok, publish,
    publish_ok, query, record, text, verify,
};
use support::server::{Reply, TestServer};

const SHA_A: &str = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
const SHA_B: &str = "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb";
const APPROVE: &[&str] = &[
    "--decision",
    "approved",
    "--licence",
    "MIT OR Apache-2.0",
    "--reviewer",
    "Ann Example",
    "--organisation",
    "City of Example",
    "--no-evidence",
    "licence read on the project page",
];

/// `purl` followed by [`APPROVE`]: the arguments of a publish approving it.
fn approving(purl: &str) -> Vec<&str> {
    let mut args = vec![purl];
    args.extend_from_slice(APPROVE);
    args
}

fn lines(path: &Path) -> Vec<serde_json::Value> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

fn folder(name: &str, location: &Path, precedence: i32) -> IndexSettings {
    IndexSettings {
        name: name.to_string(),
        location: location.to_string_lossy().into_owned(),
        precedence,
        kind: None,
        branch: None,
        ..Default::default()
    }
}

fn only(settings: &[IndexSettings]) -> Layered {
    Layered::open(
        settings,
        &IndexOptions {
            builtin: false,
            ..Default::default()
        },
    )
    .unwrap()
}

fn commits(repo: &Path) -> Vec<(String, String)> {
    let repo = git2::Repository::open(repo).unwrap();
    let mut walk = repo.revwalk().unwrap();
    walk.push_head().unwrap();
    walk.map(|id| {
        let commit = repo.find_commit(id.unwrap()).unwrap();
        (
            commit.summary().unwrap().unwrap_or_default().to_string(),
            commit.author().name().unwrap().to_string(),
        )
    })
    .collect()
}
