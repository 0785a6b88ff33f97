//! The CI examples of docs/ci/ work: each is parsed, checked for what the engine needs
//! (GitLab's `parallel:`, a Kubernetes Indexed Job's count, a GitHub matrix), and its
//! fundament commands are run as the engine would run them (its variables set, one run per
//! job of the matrix), against a portfolio of local repositories; the merge job's command
//! then merges the shards into one complete portfolio.

mod support;

use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use support::portfolio::make_repositories;
use support::server::{Reply, TestServer};

fn example(name: &str) -> String {
    std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("docs/ci")
            .join(name),
    )
    .unwrap()
}

/// Runs a shell command line as a CI job would: in `dir`, with fundament on PATH and only
/// the given variables (besides the test's settings).
fn sh(dir: &Path, line: &str, vars: &[(&str, String)]) -> (i32, String) {
    let binary = assert_cmd::cargo::cargo_bin("fundament");
    let path = format!(
        "{}:{}",
        binary.parent().unwrap().display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let mut cmd = std::process::Command::new("sh");
    cmd.arg("-c").arg(line).current_dir(dir);
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
        "FUNDAMENT_CACHE_DIR",
    ] {
        cmd.env_remove(var);
    }
    cmd.env("PATH", path)
        .env("NO_COLOR", "1")
        .env("SOURCE_DATE_EPOCH", "1767225600")
        .env("FUNDAMENT_NO_REGISTRY", "1");
    for (k, v) in vars {
        cmd.env(k, v);
    }
    let output = cmd.output().expect("sh runs");
    (
        output.status.code().unwrap_or(-1),
        format!(
            "{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        ),
    )
}

fn read(path: &Path) -> Value {
    serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
}

/// The merged portfolio is whole: every repository, every shard, nothing missing.
fn assert_whole(portfolio: &Value, repositories: usize, shards: u64) {
    assert_eq!(portfolio["summary"]["repositories"], repositories);
    assert_eq!(portfolio["scan"]["shards"]["total"], shards);
    assert_eq!(portfolio["scan"]["shards"]["missing"], json!([]));
    for r in portfolio["repositories"].as_array().unwrap() {
        assert!(r["status"] == "audited" || r["status"] == "reused", "{r:#}");
    }
}

fn local_repositories(root: &Path, count: usize) -> Vec<PathBuf> {
    make_repositories(&root.join("served"), count)
}

#[test]
fn the_gitlab_example_runs() {
    let text = example("gitlab-ci.yml");
    let yaml: Value = serde_saphyr::from_str(&text).unwrap();
    let jobs = yaml["scan"]["parallel"]
        .as_u64()
        .expect("scan: parallel: N");
    assert!(jobs > 1);
    assert_eq!(yaml["scan"]["artifacts"]["when"], "always");
    assert_eq!(yaml["portfolio"]["when"], "always");
    assert_eq!(yaml["portfolio"]["needs"][0]["job"], "scan");
    let group = yaml["variables"]["PORTFOLIO_GROUP"].as_str().unwrap();
    let scan = yaml["scan"]["script"][0].as_str().unwrap();
    let merge = yaml["portfolio"]["script"][0].as_str().unwrap();

    // GitLab's API for the group, its projects in local repositories.
    let tmp = tempfile::tempdir().unwrap();
    let repositories = local_repositories(tmp.path(), 7);
    let projects: Vec<Value> = repositories
        .iter()
        .enumerate()
        .map(|(i, r)| {
            json!({
                "id": i + 1,
                "path": format!("app-{i:02}"),
                "path_with_namespace": format!("{group}/app-{i:02}"),
                "http_url_to_repo": format!("file://{}", r.display()),
                "ssh_url_to_repo": format!("git@gitlab.forge.example:{group}/app-{i:02}.git"),
                "web_url": format!("https://gitlab.forge.example/{group}/app-{i:02}"),
                "default_branch": "main",
                "archived": false,
                "empty_repo": false
            })
        })
        .collect();
    let api = TestServer::start();
    api.route(
        &format!(
            "/api/v4/groups/{}/projects?include_subgroups=true&with_shared=false&order_by=path&sort=asc&per_page=100",
            group.replace('/', "%2F")
        ),
        vec![Reply::ok(serde_json::to_vec(&projects).unwrap()).header("X-Next-Page", "")],
    );

    let project_dir = tmp.path().join("project");
    std::fs::create_dir_all(&project_dir).unwrap();
    let cache = project_dir.join(".fundament-cache").display().to_string();
    let gitlab = |index: Option<u64>| {
        let mut vars = vec![
            ("CI_API_V4_URL", format!("{}/api/v4", api.base)),
            ("GITLAB_TOKEN", "glpat-example".to_string()),
            ("PORTFOLIO_GROUP", group.to_string()),
            ("CI_PROJECT_DIR", project_dir.display().to_string()),
            ("FUNDAMENT_CACHE_DIR", cache.clone()),
        ];
        if let Some(i) = index {
            vars.push(("CI_NODE_INDEX", i.to_string()));
            vars.push(("CI_NODE_TOTAL", jobs.to_string()));
        }
        vars
    };
    for index in 1..=jobs {
        let (code, output) = sh(&project_dir, scan, &gitlab(Some(index)));
        assert_eq!(code, 0, "job {index}: {output}");
        assert!(
            project_dir
                .join(format!("shards/{index}/shard-{index}-of-{jobs}.json"))
                .is_file()
        );
    }
    let (code, output) = sh(&project_dir, merge, &gitlab(None));
    assert!(code == 0 || code == 1, "{output}");
    assert_whole(&read(&project_dir.join("portfolio.json")), 7, jobs);
    assert!(project_dir.join("portfolio.html").is_file());
    assert!(output.contains("Portfolio:"), "{output}");
    // The next run compares with this one.
    let (code, output) = sh(&project_dir, merge, &gitlab(None));
    assert!(code == 0 || code == 1, "{output}");
    assert!(read(&project_dir.join("portfolio.json"))["changes"].is_object());
}

#[test]
fn the_github_actions_example_runs() {
    let text = example("github-actions.yml");
    let yaml: Value = serde_saphyr::from_str(&text).unwrap();
    let scan_job = &yaml["jobs"]["scan"];
    let shards: Vec<u64> = scan_job["strategy"]["matrix"]["shard"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_u64().unwrap())
        .collect();
    assert_eq!(shards, (1..=shards.len() as u64).collect::<Vec<_>>());
    assert_eq!(
        scan_job["env"]["FUNDAMENT_SHARD_INDEX"],
        "${{ strategy.job-index }}"
    );
    assert_eq!(
        scan_job["env"]["FUNDAMENT_SHARD_TOTAL"],
        "${{ strategy.job-total }}"
    );
    assert_eq!(scan_job["strategy"]["fail-fast"], false);
    let step = |job: &Value, name: &str| -> String {
        job["steps"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["name"] == name)
            .unwrap_or_else(|| panic!("no step {name}"))["run"]
            .as_str()
            .unwrap()
            .to_string()
    };
    let scan = step(scan_job, "Scan this shard");
    let merge_job = &yaml["jobs"]["portfolio"];
    assert_eq!(merge_job["needs"], "scan");
    assert_eq!(merge_job["if"], "always()");
    let download = merge_job["steps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| {
            s["uses"]
                .as_str()
                .is_some_and(|u| u.starts_with("actions/download-artifact"))
        })
        .unwrap();
    assert_eq!(download["with"]["merge-multiple"], true);
    assert_eq!(download["with"]["path"], "shards");
    let merge = step(merge_job, "Merge the shards");

    let tmp = tempfile::tempdir().unwrap();
    let repositories = local_repositories(tmp.path(), 6);
    let owner = "stadt";
    let listed: Vec<Value> = repositories
        .iter()
        .enumerate()
        .map(|(i, r)| {
            json!({
                "full_name": format!("{owner}/app-{i:02}"),
                "clone_url": format!("file://{}", r.display()),
                "ssh_url": format!("git@github.forge.example:{owner}/app-{i:02}.git"),
                "html_url": format!("https://github.forge.example/{owner}/app-{i:02}"),
                "archived": false,
                "disabled": false,
                "fork": false
            })
        })
        .collect();
    let api = TestServer::start();
    api.route(
        &format!("/orgs/{owner}/repos?type=all&sort=full_name&per_page=100"),
        vec![Reply::ok(serde_json::to_vec(&listed).unwrap())],
    );
    let workspace = tmp.path().join("workspace");
    std::fs::create_dir_all(&workspace).unwrap();
    let total = shards.len();
    for (index, shard) in shards.iter().enumerate() {
        // The runner replaces the expressions; the matrix's job index counts from 0.
        let line = scan
            .replace("${{ github.repository_owner }}", owner)
            .replace("${{ matrix.shard }}", &shard.to_string());
        let (code, output) = sh(
            &workspace,
            &line,
            &[
                ("FUNDAMENT_SHARD_INDEX", index.to_string()),
                ("FUNDAMENT_SHARD_TOTAL", total.to_string()),
                (
                    "FUNDAMENT_CACHE_DIR",
                    workspace.join(".fundament-cache").display().to_string(),
                ),
                ("GITHUB_API_URL", api.base.clone()),
                ("GITHUB_TOKEN", "ghs-example".to_string()),
            ],
        );
        assert_eq!(code, 0, "shard {shard}: {output}");
    }
    let (code, output) = sh(&workspace, &merge, &[]);
    assert!(code == 0 || code == 1, "{output}");
    assert_whole(&read(&workspace.join("portfolio.json")), 6, total as u64);
}

#[test]
fn the_kubernetes_example_runs() {
    let documents: Vec<Value> =
        serde_saphyr::from_multiple(&example("kubernetes-scan-job.yaml")).unwrap();
    let config = documents.iter().find(|d| d["kind"] == "ConfigMap").unwrap();
    let job = documents.iter().find(|d| d["kind"] == "Job").unwrap();
    assert_eq!(job["spec"]["completionMode"], "Indexed");
    let completions = job["spec"]["completions"].as_u64().unwrap();
    assert_eq!(job["spec"]["parallelism"], completions);
    let container = &job["spec"]["template"]["spec"]["containers"][0];
    let env: Vec<(String, String)> = container["env"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["name"].as_str().unwrap().to_string(),
                e["value"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let total = env
        .iter()
        .find(|(k, _)| k == "FUNDAMENT_SHARD_TOTAL")
        .map(|(_, v)| v.parse::<u64>().unwrap());
    assert_eq!(
        total,
        Some(completions),
        "FUNDAMENT_SHARD_TOTAL is the Job's completions"
    );
    assert_eq!(container["command"][0], "sh");
    let scan = container["command"][2].as_str().unwrap();

    // The ConfigMap's list is a list file fundament reads.
    let tmp = tempfile::tempdir().unwrap();
    let example_list = tmp.path().join("example-repos.txt");
    std::fs::write(&example_list, config["data"]["repos.txt"].as_str().unwrap()).unwrap();
    let listing = fundament::portfolio::listing::list_file(&example_list).unwrap();
    assert_eq!(listing.repositories.len(), 3);

    // The pods, with the volumes as folders and the list naming local repositories.
    let repositories = local_repositories(tmp.path(), 5);
    let etc = tmp.path().join("etc");
    let data = tmp.path().join("data");
    std::fs::create_dir_all(&etc).unwrap();
    std::fs::create_dir_all(&data).unwrap();
    support::portfolio::list_file(&etc.join("repos.txt"), &repositories);
    let localise = |text: &str| {
        text.replace("/etc/fundament/", &format!("{}/", etc.display()))
            .replace("/data/", &format!("{}/", data.display()))
    };
    for index in 0..completions {
        let mut vars: Vec<(&str, String)> = env
            .iter()
            .filter(|(k, _)| k.starts_with("FUNDAMENT_"))
            .map(|(k, v)| (k.as_str(), localise(v)))
            .collect();
        vars.push(("JOB_COMPLETION_INDEX", index.to_string()));
        let (code, output) = sh(tmp.path(), &localise(scan), &vars);
        assert_eq!(code, 0, "pod {index}: {output}");
    }
    let merge_job: Value = serde_saphyr::from_str(&example("kubernetes-merge-job.yaml")).unwrap();
    let merge = merge_job["spec"]["template"]["spec"]["containers"][0]["command"][2]
        .as_str()
        .unwrap();
    let (code, output) = sh(tmp.path(), &localise(merge), &[]);
    assert!(code == 0 || code == 1, "{output}");
    assert_whole(&read(&data.join("portfolio.json")), 5, completions);
    assert!(data.join("portfolio.html").is_file());
}
