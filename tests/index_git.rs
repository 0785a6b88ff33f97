//! Indices in git repositories reached over the network, as administrations keep them (GitLab
//! over https or ssh): `fundament index verify/show` and the audit's layered indices against
//! git's own `git http-backend` behind a local HTTPS server with a test CA, through a proxy,
//! with credentials from git's credential helper, and over a local sshd.

mod support;

use fundament::index::{Decision, IndexOptions, IndexSettings, Layered};
use fundament::registry::http::HttpOptions;
use support::fundament;
use support::git_server::{
    ConnectProxy, GitServer, GitServerOptions, SshServer, bare_repository, test_ca,
};

const CONFIG: &str = r#"{"name":"city","schema-version":1,"maintainers":[{"name":"Ann","organisation":"City","contact":"ann@city.example"}]}
"#;
const SERDE: &str = r#"{"purl":"pkg:cargo/serde","version":"1.0.0","decision":"approved","licence":"MIT OR Apache-2.0","reviewer":"Ann","organisation":"City","date":"2026-01-02","evidence":{"artefact-sha256":"0000000000000000000000000000000000000000000000000000000000000000"}}
"#;

/// A served index repository with one record, and its server.
fn served_index(tmp: &std::path::Path, options: GitServerOptions) -> GitServer {
    let served = tmp.join("served");
    std::fs::create_dir_all(&served).unwrap();
    bare_repository(
        &served,
        "index",
        &[&[
            ("config.json", CONFIG),
            ("cargo/se/rd/serde", SERDE),
            ("README.md", "# our index\n"),
            (
                ".gitlab-ci.yml",
                "verify:\n  script: fundament index verify .\n",
            ),
        ]],
    );
    GitServer::start(&served, options)
}

#[test]
fn verify_reads_an_index_over_https_with_the_organisations_ca() {
    let tmp = tempfile::tempdir().unwrap();
    let server = served_index(
        tmp.path(),
        GitServerOptions {
            tls: true,
            ..Default::default()
        },
    );
    let url = format!("git+{}", server.url("index"));
    let cache = tmp.path().join("cache");
    let output = fundament()
        .args(["index", "verify", &url, "--cache-dir"])
        .arg(&cache)
        .arg("--ca-certificates")
        .arg(test_ca())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(
        output.status.code(),
        Some(0),
        "{stdout}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(stdout.contains("1 record"), "{stdout}");

    // Without the CA: a clear error, exit 2.
    let output = fundament()
        .args(["index", "verify", &url, "--cache-dir"])
        .arg(tmp.path().join("other-cache"))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("ca-certificates"), "{stderr}");

    // The CA can also come from `[registries]` of ./fundament.toml, as for the audit.
    let project = tmp.path().join("project");
    std::fs::create_dir_all(&project).unwrap();
    std::fs::write(
        project.join("fundament.toml"),
        format!(
            "[registries]\nca-certificates = [{:?}]\n",
            test_ca().display().to_string()
        ),
    )
    .unwrap();
    let output = fundament()
        .current_dir(&project)
        .args([
            "index",
            "show",
            "pkg:cargo/serde",
            "--no-builtin",
            "--index",
            &url,
            "--cache-dir",
        ])
        .arg(tmp.path().join("third-cache"))
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(
        output.status.code(),
        Some(0),
        "{stdout}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(stdout.contains("approved"), "{stdout}");
}

#[test]
fn git_over_https_goes_through_the_configured_proxy() {
    let tmp = tempfile::tempdir().unwrap();
    let server = served_index(
        tmp.path(),
        GitServerOptions {
            tls: true,
            ..Default::default()
        },
    );
    let proxy = ConnectProxy::start();
    let output = fundament()
        .env("HTTPS_PROXY", &proxy.url)
        .env("https_proxy", &proxy.url)
        .env_remove("NO_PROXY")
        .env_remove("no_proxy")
        .args(["index", "verify"])
        .arg(format!("git+{}", server.url("index")))
        .arg("--cache-dir")
        .arg(tmp.path().join("cache"))
        .arg("--ca-certificates")
        .arg(test_ca())
        .output()
        .unwrap();
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let port = server.base.rsplit(':').next().unwrap().to_string();
    assert!(
        proxy
            .tunnels()
            .iter()
            .any(|t| t.ends_with(&format!(":{port}"))),
        "{:?}",
        proxy.tunnels()
    );
}

#[test]
fn credentials_come_from_gits_credential_helper_when_the_server_asks() {
    let tmp = tempfile::tempdir().unwrap();
    let server = served_index(
        tmp.path(),
        GitServerOptions {
            tls: true,
            basic: Some("oauth2:glpat-from-helper".to_string()),
        },
    );
    let home = tmp.path().join("home");
    std::fs::create_dir_all(&home).unwrap();
    let store = home.join("credentials");
    std::fs::write(
        &store,
        format!(
            "{}\n",
            server
                .base
                .replace("https://", "https://oauth2:glpat-from-helper@")
        ),
    )
    .unwrap();
    let gitconfig = home.join("gitconfig");
    std::fs::write(
        &gitconfig,
        format!(
            "[credential]\n\thelper = store --file {}\n",
            store.display()
        ),
    )
    .unwrap();
    let run = |config: &std::path::Path, cache: &str| {
        fundament()
            .env("HOME", &home)
            .env("GIT_CONFIG_GLOBAL", config)
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .args(["index", "verify"])
            .arg(format!("git+{}", server.url("index")))
            .arg("--cache-dir")
            .arg(tmp.path().join(cache))
            .arg("--ca-certificates")
            .arg(test_ca())
            .output()
            .unwrap()
    };
    let output = run(&gitconfig, "cache");
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    // No helper: the server's 401, worded.
    let output = run(std::path::Path::new("/dev/null"), "cache2");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("asks for credentials (401)"), "{stderr}");
}

#[test]
fn the_audits_layered_indices_read_git_over_https() {
    let tmp = tempfile::tempdir().unwrap();
    let server = served_index(
        tmp.path(),
        GitServerOptions {
            tls: true,
            ..Default::default()
        },
    );
    let settings = [IndexSettings {
        name: "city".to_string(),
        location: format!("git+{}", server.url("index")),
        precedence: 10,
        branch: Some("main".to_string()),
        ..Default::default()
    }];
    let options = |ca: bool| IndexOptions {
        cache_dir: Some(tmp.path().join(if ca { "cache" } else { "cache-no-ca" })),
        builtin: false,
        http: HttpOptions {
            ca_certificates: if ca { vec![test_ca()] } else { Vec::new() },
            retries: 0,
            ..Default::default()
        },
        ..Default::default()
    };
    let layered = Layered::open(&settings, &options(true)).unwrap();
    assert!(layered.problems().is_empty(), "{:?}", layered.problems());
    assert_eq!(
        layered.lookup("pkg:cargo/serde", "1.0.0").decision(),
        Some(Decision::Approved)
    );
    assert!(layered.layers()[0].commit.is_some());

    let untrusted = Layered::open(&settings, &options(false)).unwrap();
    assert!(untrusted.problems()[0].failed);
    let lookup = untrusted.lookup("pkg:cargo/serde", "1.0.0");
    assert!(
        !lookup.conclusive(),
        "an index that failed is never 'not vetted'"
    );
}

#[test]
fn an_index_over_ssh() {
    let ssh = match SshServer::start() {
        Ok(server) => server,
        Err(why) => {
            eprintln!("skipped: cannot run a local sshd: {why}");
            return;
        }
    };
    let tmp = tempfile::tempdir().unwrap();
    let served = tmp.path().join("served");
    std::fs::create_dir_all(&served).unwrap();
    let bare = bare_repository(
        &served,
        "index",
        &[&[("config.json", CONFIG), ("cargo/se/rd/serde", SERDE)]],
    );
    let output = fundament()
        .env("GIT_SSH_COMMAND", &ssh.command)
        .args([
            "index",
            "show",
            "pkg:cargo/serde@1.0.0",
            "--no-builtin",
            "--index",
        ])
        .arg(format!(
            "ssh://{}@127.0.0.1:{}{}",
            ssh.user,
            ssh.port,
            bare.display()
        ))
        .arg("--cache-dir")
        .arg(tmp.path().join("cache"))
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(
        output.status.code(),
        Some(0),
        "{stdout}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(stdout.contains("1.0.0: approved"), "{stdout}");
}
