//! `fundament scan --gitlab-group` and `--github-org` against a local server that answers as
//! GitLab's and GitHub's REST APIs do (paginated, hand-written in their real shapes), with the
//! repositories served by git's own `git http-backend` behind Basic authentication.

mod support;

use serde_json::{Value, json};
use std::path::Path;
use support::git_server::{GitServer, GitServerOptions, bare_repository};
use support::portfolio::fundament;
use support::server::{Reply, TestServer};

/// Bare repositories holding a small npm project each, served over HTTP with Basic
/// credentials `basic`.
fn git_server(root: &Path, names: &[&str], basic: &str) -> GitServer {
    let fixture = support::fixture("npm/lockfile-v3");
    let lock = std::fs::read_to_string(fixture.join("package-lock.json")).unwrap();
    let manifest = std::fs::read_to_string(fixture.join("package.json")).unwrap();
    for name in names {
        bare_repository(
            root,
            name,
            &[&[("package-lock.json", &lock), ("package.json", &manifest)]],
        );
    }
    GitServer::start(
        root,
        GitServerOptions {
            tls: false,
            basic: Some(basic.to_string()),
        },
    )
}

/// A GitLab project as `GET /groups/:id/projects` returns it (the fields fundament reads and
/// a realistic set of the others).
fn gitlab_project(
    id: u64,
    namespace: &str,
    path: &str,
    git: &GitServer,
    archived: bool,
    empty: bool,
) -> Value {
    json!({
        "id": id,
        "description": null,
        "name": path,
        "name_with_namespace": format!("{namespace} / {path}"),
        "path": path,
        "path_with_namespace": format!("{namespace}/{path}"),
        "created_at": "2024-03-01T09:12:44.201Z",
        "default_branch": "main",
        "tag_list": [],
        "topics": [],
        "ssh_url_to_repo": format!("git@gitlab.forge.example:{namespace}/{path}.git"),
        "http_url_to_repo": git.url(path),
        "web_url": format!("https://gitlab.forge.example/{namespace}/{path}"),
        "readme_url": null,
        "forks_count": 0,
        "avatar_url": null,
        "star_count": 0,
        "last_activity_at": "2026-11-20T14:03:10.512Z",
        "namespace": {
            "id": 7,
            "name": namespace,
            "path": namespace.rsplit('/').next().unwrap(),
            "kind": "group",
            "full_path": namespace,
            "parent_id": null,
            "web_url": format!("https://gitlab.forge.example/groups/{namespace}")
        },
        "archived": archived,
        "empty_repo": empty,
        "visibility": "internal",
        "repository_access_level": "enabled"
    })
}

fn page(items: &[Value]) -> Vec<u8> {
    serde_json::to_vec(&Value::Array(items.to_vec())).unwrap()
}

fn scan(args: &[&str], out: &Path, env: &[(&str, &str)]) -> (i32, String) {
    let mut cmd = fundament();
    cmd.arg("scan")
        .args(args)
        .arg("-o")
        .arg(out)
        .arg("--no-registry");
    for (k, v) in env {
        cmd.env(k, v);
    }
    let output = cmd.output().expect("fundament runs");
    (
        output.status.code().unwrap(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

fn manifest(out: &Path) -> Value {
    serde_json::from_slice(&std::fs::read(out.join("shard-1-of-1.json")).unwrap()).unwrap()
}

#[test]
fn a_gitlab_group_is_listed_page_by_page_and_cloned_with_the_token() {
    let tmp = tempfile::tempdir().unwrap();
    let git = git_server(
        &tmp.path().join("served"),
        &["portal", "api", "worker", "legacy", "blank"],
        "oauth2:glpat-test-secret",
    );
    let api = TestServer::start();
    let query = "include_subgroups=true&with_shared=false&order_by=path&sort=asc&per_page=100";
    let first = format!("/api/v4/groups/city%2Fapps/projects?{query}");
    let second = format!("{first}&page=2");
    let third = format!("{first}&page=3");
    // Page 1 names the next page only in X-Next-Page (offset pagination), page 2 only in a
    // Link header, page 3 is the last (an empty X-Next-Page).
    api.route(
        &first,
        vec![
            Reply::ok(page(&[
                gitlab_project(11, "city/apps", "api", &git, false, false),
                gitlab_project(12, "city/apps", "blank", &git, false, true),
            ]))
            .header("Content-Type", "application/json")
            .header("X-Page", "1")
            .header("X-Per-Page", "2")
            .header("X-Next-Page", "2")
            .header("X-Total", "5"),
        ],
    );
    api.route(
        &second,
        vec![
            Reply::ok(page(&[
                gitlab_project(13, "city/apps/legacy", "legacy", &git, true, false),
                gitlab_project(14, "city/apps", "portal", &git, false, false),
            ]))
            .header("Content-Type", "application/json")
            .header(
                "Link",
                &format!(
                    "<{}{first}&page=1>; rel=\"first\", <{}{third}>; rel=\"next\", <{}{third}>; rel=\"last\"",
                    api.base, api.base, api.base
                ),
            ),
        ],
    );
    api.route(
        &third,
        vec![
            Reply::ok(page(&[gitlab_project(
                15,
                "city/apps/jobs",
                "worker",
                &git,
                false,
                false,
            )]))
            .header("Content-Type", "application/json")
            .header("X-Page", "3")
            .header("X-Next-Page", ""),
        ],
    );

    let out = tmp.path().join("out");
    let (code, stderr) = scan(
        &[
            "--gitlab-group",
            "city/apps",
            "--gitlab-url",
            &format!("{}/api/v4", api.base),
        ],
        &out,
        &[("GITLAB_TOKEN", "glpat-test-secret")],
    );
    assert_eq!(code, 0, "{stderr}");
    assert!(
        !stderr.contains("glpat-test-secret"),
        "the token is never shown: {stderr}"
    );
    for path in [&first, &second, &third] {
        assert_eq!(api.count(path), 1, "{path} asked once");
    }
    for seen in api.seen() {
        assert_eq!(
            seen.headers.get("private-token").map(String::as_str),
            Some("glpat-test-secret"),
            "{}",
            seen.path
        );
    }
    let shard = manifest(&out);
    let names: Vec<&str> = shard["listing"]["repositories"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        ["city/apps/api", "city/apps/portal", "city/apps/jobs/worker"]
    );
    let skipped: Vec<(&str, &str)> = shard["listing"]["skipped"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| (s["name"].as_str().unwrap(), s["reason"].as_str().unwrap()))
        .collect();
    assert_eq!(
        skipped,
        [
            ("city/apps/blank", "empty repository (no commits)"),
            ("city/apps/legacy/legacy", "archived"),
        ]
    );
    assert!(
        shard["listing"]["sources"][0]
            .as_str()
            .unwrap()
            .starts_with("GitLab group `city/apps`")
    );
    let results = shard["results"].as_array().unwrap();
    assert_eq!(results.len(), 3);
    assert!(
        results.iter().all(|r| r["status"] == "audited"),
        "{results:#?}"
    );
    // Each clone went to the git server with the token as GitLab's `oauth2` credential.
    let expected = format!(
        "Basic {}",
        base64::Engine::encode(
            &base64::engine::general_purpose::STANDARD,
            "oauth2:glpat-test-secret"
        )
    );
    let uploads: Vec<_> = git
        .seen()
        .into_iter()
        .filter(|r| r.target.ends_with("git-upload-pack"))
        .collect();
    assert!(uploads.len() >= 3, "{uploads:#?}");
    assert!(
        uploads
            .iter()
            .all(|r| r.authorization.as_deref() == Some(expected.as_str()))
    );
    // The forge's page of each repository is kept for the reports.
    let result: Value = serde_json::from_slice(
        &std::fs::read(out.join(results[0]["file"].as_str().unwrap())).unwrap(),
    )
    .unwrap();
    assert_eq!(result["repository"]["source"], "gitlab");
    assert!(
        result["repository"]["web_url"]
            .as_str()
            .unwrap()
            .starts_with("https://gitlab.forge.example/")
    );

    // --include-archived scans the archived project too.
    let all = tmp.path().join("all");
    let (code, stderr) = scan(
        &[
            "--gitlab-group",
            "city/apps",
            "--gitlab-url",
            &format!("{}/api/v4", api.base),
            "--include-archived",
        ],
        &all,
        &[("GITLAB_TOKEN", "glpat-test-secret")],
    );
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(manifest(&all)["results"].as_array().unwrap().len(), 4);

    // A CI job token goes in JOB-TOKEN; the git server here wants another credential, so
    // the clones fail, and every repository says so.
    let job = tmp.path().join("job");
    let fresh_cache = tmp.path().join("fresh-cache");
    let (code, stderr) = scan(
        &[
            "--gitlab-group",
            "city/apps",
            "--cache-dir",
            fresh_cache.to_str().unwrap(),
        ],
        &job,
        &[
            ("CI_API_V4_URL", &format!("{}/api/v4", api.base)),
            ("CI_JOB_TOKEN", "job-token-value"),
        ],
    );
    assert_eq!(code, 2, "{stderr}");
    assert!(
        api.seen()
            .iter()
            .any(|s| s.headers.get("job-token").map(String::as_str) == Some("job-token-value"))
    );
    let failed = manifest(&job)["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["status"] == "failed")
        .count();
    assert_eq!(failed, 3);
}

#[test]
fn gitlab_refusals_and_foreign_pages_are_errors() {
    let tmp = tempfile::tempdir().unwrap();
    let api = TestServer::start();
    let query = "include_subgroups=true&with_shared=false&order_by=path&sort=asc&per_page=100";
    api.route(
        &format!("/api/v4/groups/secret/projects?{query}"),
        vec![Reply::status(401).header("Content-Type", "application/json")],
    );
    api.route(
        &format!("/api/v4/groups/open/projects?{query}"),
        vec![Reply::ok("[]").header(
            "Link",
            "<http://elsewhere.example/api/v4/groups/open/projects?page=2>; rel=\"next\"",
        )],
    );
    let url = format!("{}/api/v4", api.base);
    let (code, stderr) = scan(
        &["--gitlab-group", "secret", "--gitlab-url", &url],
        &tmp.path().join("a"),
        &[],
    );
    assert_eq!(code, 2);
    assert!(
        stderr.contains("refused access (401)") && stderr.contains("GITLAB_TOKEN"),
        "{stderr}"
    );
    let (code, stderr) = scan(
        &["--gitlab-group", "open", "--gitlab-url", &url],
        &tmp.path().join("b"),
        &[("GITLAB_TOKEN", "t")],
    );
    assert_eq!(code, 2);
    assert!(stderr.contains("another server"), "{stderr}");
    assert_eq!(api.total(), 2, "nothing was asked of the other server");
    let (code, stderr) = scan(
        &["--gitlab-group", "missing", "--gitlab-url", &url],
        &tmp.path().join("c"),
        &[],
    );
    assert_eq!(code, 2);
    assert!(stderr.contains("no such group"), "{stderr}");
}

/// A GitHub repository as `GET /users/:user/repos` returns it.
fn github_repository(id: u64, owner: &str, name: &str, git: &GitServer, archived: bool) -> Value {
    json!({
        "id": id,
        "node_id": "R_kgDOtest",
        "name": name,
        "full_name": format!("{owner}/{name}"),
        "private": false,
        "owner": { "login": owner, "id": 42, "type": "User" },
        "html_url": format!("https://github.forge.example/{owner}/{name}"),
        "description": null,
        "fork": false,
        "url": format!("https://api.github.forge.example/repos/{owner}/{name}"),
        "clone_url": git.url(name),
        "ssh_url": format!("git@github.forge.example:{owner}/{name}.git"),
        "git_url": format!("git://github.forge.example/{owner}/{name}.git"),
        "size": 120,
        "default_branch": "main",
        "archived": archived,
        "disabled": false,
        "visibility": "public",
        "pushed_at": "2026-10-01T08:00:00Z",
        "license": null
    })
}

#[test]
fn a_github_owner_is_listed_through_link_headers() {
    let tmp = tempfile::tempdir().unwrap();
    let git = git_server(
        &tmp.path().join("served"),
        &["stadtplan", "termine", "archiv"],
        "x-access-token:ghs-test-token",
    );
    let api = TestServer::start();
    let orgs = "/api/v3/orgs/stadt/repos?type=all&sort=full_name&per_page=100";
    let users = "/api/v3/users/stadt/repos?type=owner&sort=full_name&per_page=100";
    // No organisation of that name (GitHub answers 404 with a JSON message).
    let mut not_found = Reply::ok(
        r#"{"message":"Not Found","documentation_url":"https://docs.forge.example/rest","status":"404"}"#,
    );
    not_found.status = 404;
    api.route(orgs, vec![not_found]);
    api.route(
        users,
        vec![
            Reply::ok(page(&[
                github_repository(1, "stadt", "archiv", &git, true),
                github_repository(2, "stadt", "stadtplan", &git, false),
            ]))
            .header(
                "Link",
                &format!(
                    "<{}{users}&page=2>; rel=\"next\", <{}{users}&page=2>; rel=\"last\"",
                    api.base, api.base
                ),
            ),
        ],
    );
    api.route(
        &format!("{users}&page=2"),
        vec![
            Reply::ok(page(&[github_repository(
                3, "stadt", "termine", &git, false,
            )]))
            .header(
                "Link",
                &format!(
                    "<{}{users}&page=1>; rel=\"prev\", <{}{users}&page=1>; rel=\"first\"",
                    api.base, api.base
                ),
            ),
        ],
    );
    let out = tmp.path().join("out");
    let (code, stderr) = scan(
        &["--github-org", "stadt"],
        &out,
        &[
            ("GITHUB_API_URL", &format!("{}/api/v3", api.base)),
            ("GITHUB_TOKEN", "ghs-test-token"),
        ],
    );
    assert_eq!(code, 0, "{stderr}");
    for seen in api.seen() {
        assert_eq!(
            seen.headers.get("authorization").map(String::as_str),
            Some("Bearer ghs-test-token")
        );
        assert_eq!(
            seen.headers.get("x-github-api-version").map(String::as_str),
            Some("2022-11-28")
        );
    }
    let shard = manifest(&out);
    assert_eq!(
        shard["listing"]["sources"][0].as_str().unwrap(),
        format!("GitHub user `stadt` at {}/api/v3/", api.base)
    );
    let results = shard["results"].as_array().unwrap();
    assert_eq!(results.len(), 2);
    assert!(
        results.iter().all(|r| r["status"] == "audited"),
        "{results:#?}"
    );
    assert_eq!(shard["listing"]["skipped"][0]["reason"], "archived");

    // Without the token the fetches fail (the server wants it): the clones of the first run
    // are audited, and each result says it is stale; `merge` warns about each (S002).
    let anonymous = tmp.path().join("anonymous");
    let (code, stderr) = scan(
        &[
            "--github-org",
            "stadt",
            "--github-url",
            &format!("{}/api/v3", api.base),
        ],
        &anonymous,
        &[],
    );
    assert_eq!(code, 0, "{stderr}");
    for entry in manifest(&anonymous)["results"].as_array().unwrap() {
        let result: Value = serde_json::from_slice(
            &std::fs::read(anonymous.join(entry["file"].as_str().unwrap())).unwrap(),
        )
        .unwrap();
        assert!(
            result["stale"]
                .as_str()
                .unwrap()
                .contains("using the last fetch"),
            "{result:#}"
        );
    }
    let merged = fundament().arg("merge").arg(&anonymous).output().unwrap();
    let portfolio: Value = serde_json::from_slice(&merged.stdout).unwrap();
    let stale = portfolio["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["code"] == "S002")
        .count();
    assert_eq!(stale, 2);
}
