//! Portfolios for tests and benchmarks: many local git repositories made from fixtures.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

/// `fundament` (as [`super::fundament`]) without the CI engines' shard variables and the
/// forges' settings of the environment the tests run in.
pub fn fundament() -> assert_cmd::Command {
    let mut cmd = super::fundament();
    for var in [
        "CI_NODE_INDEX",
        "CI_NODE_TOTAL",
        "JOB_COMPLETION_INDEX",
        "FUNDAMENT_SHARD",
        "FUNDAMENT_SHARD_INDEX",
        "FUNDAMENT_SHARD_TOTAL",
        "CI_API_V4_URL",
        "GITHUB_API_URL",
        "GITLAB_TOKEN",
        "CI_JOB_TOKEN",
        "GITHUB_TOKEN",
    ] {
        cmd.env_remove(var);
    }
    cmd
}

/// Fixtures a portfolio's repositories are made of, cycled: small ones of this repository,
/// and (where ../shared is present) real applications' lockfiles.
pub fn fixture_sources() -> Vec<PathBuf> {
    let local = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let mut sources: Vec<PathBuf> = [
        "npm/lockfile-v1",
        "npm/lockfile-v2",
        "npm/lockfile-v3",
        "npm/workspaces",
        "composer/basic",
        "pnpm/v9.0",
        "pnpm/v6.0",
        "yarn/berry-v6",
        "python/requirements",
        "python/poetry2",
        "maven/multimodule",
        "gradle/multi",
    ]
    .iter()
    .map(|f| local.join(f))
    .filter(|p| p.is_dir())
    .collect();
    let shared = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/fixtures");
    if shared.is_dir() {
        for f in [
            "eappointment",
            "wahllokalsystem",
            "nextcloud-deck",
            "opentalk-web-app",
        ] {
            sources.push(shared.join(f));
        }
    } else {
        eprintln!(
            "note: {} is absent; the portfolio is made of this repository's own fixtures only",
            shared.display()
        );
    }
    sources
}

/// Commits everything in the work tree `dir` (a new repository when there is none).
pub fn commit_all(dir: &Path, message: &str) -> String {
    let repo = git2::Repository::open(dir).unwrap_or_else(|_| {
        let mut options = git2::RepositoryInitOptions::new();
        options.initial_head("main");
        git2::Repository::init_opts(dir, &options).unwrap()
    });
    let mut index = repo.index().unwrap();
    index
        .add_all(["*"].iter(), git2::IndexAddOption::DEFAULT, None)
        .unwrap();
    index.write().unwrap();
    let tree = repo.find_tree(index.write_tree().unwrap()).unwrap();
    let who = git2::Signature::new(
        "Test",
        "test@example.org",
        &git2::Time::new(1_767_225_600, 0),
    )
    .unwrap();
    let parents: Vec<git2::Commit> = repo
        .head()
        .ok()
        .and_then(|h| h.peel_to_commit().ok())
        .into_iter()
        .collect();
    let parents: Vec<&git2::Commit> = parents.iter().collect();
    repo.commit(Some("HEAD"), &who, &who, message, &tree, &parents)
        .unwrap()
        .to_string()
}

/// `count` git repositories `app-NN` under `root`, each a fixture (cycled) with a README
/// naming it; returns their folders.
pub fn make_repositories(root: &Path, count: usize) -> Vec<PathBuf> {
    let sources = fixture_sources();
    (0..count)
        .map(|i| {
            let dir = root.join(format!("app-{i:02}"));
            super::copy_tree(&sources[i % sources.len()], &dir);
            std::fs::write(dir.join("README.md"), format!("# app {i}\n")).unwrap();
            commit_all(&dir, "import");
            dir
        })
        .collect()
}

/// A list file of the repositories' `file://` URLs.
pub fn list_file(path: &Path, repositories: &[PathBuf]) {
    let text: String = repositories
        .iter()
        .map(|r| format!("file://{}\n", r.display()))
        .collect();
    std::fs::write(path, text).unwrap();
}
