//! fundament's git transports (src/source/git.rs) against real servers: git's own
//! `git http-backend` behind a local HTTPS server with a test CA, a CONNECT proxy, and a local
//! sshd (where the machine has one).

mod support;

use fundament::registry::http::HttpOptions;
use fundament::source::git::{self, GitError, GitOptions};
use support::git_server::{
    GitServer, GitServerOptions, SshServer, add_commit, bare_repository, git as run_git, test_ca,
};

fn trusting_test_ca() -> GitOptions {
    GitOptions {
        http: HttpOptions {
            ca_certificates: vec![test_ca()],
            retries: 0,
            ..Default::default()
        },
        credential_helper: false,
        ..Default::default()
    }
}

fn head_of(bare: &std::path::Path, reference: &str) -> String {
    run_git(bare, &["rev-parse", reference]).trim().to_string()
}

fn commits_in(dir: &std::path::Path) -> usize {
    let repo = git2::Repository::open(dir).unwrap();
    let mut walk = repo.revwalk().unwrap();
    walk.push_head().unwrap();
    walk.count()
}

#[test]
fn https_clones_shallowly_and_fetches_what_is_new() {
    let tmp = tempfile::tempdir().unwrap();
    let served = tmp.path().join("served");
    std::fs::create_dir_all(&served).unwrap();
    let bare = bare_repository(
        &served,
        "index",
        &[
            &[("config.json", "{}\n")],
            &[("README.md", "one\n")],
            &[("README.md", "two\n")],
        ],
    );
    let server = GitServer::start(
        &served,
        GitServerOptions {
            tls: true,
            ..Default::default()
        },
    );
    let dir = tmp.path().join("cache/clone");
    let options = trusting_test_ca();

    let first = git::sync(&server.url("index"), &dir, None, &options).expect("cloned over https");
    assert_eq!(first.commit, head_of(&bare, "main"));
    assert_eq!(first.reference, "refs/heads/main");
    assert_eq!(first.stale, None);
    assert_eq!(
        std::fs::read_to_string(dir.join("README.md")).unwrap(),
        "two\n"
    );
    assert!(git2::Repository::open(&dir).unwrap().is_shallow());
    assert_eq!(commits_in(&dir), 1, "a shallow clone holds one commit");
    let seen = server.seen();
    assert!(
        seen.iter()
            .any(|r| r.method == "GET" && r.target.ends_with("/info/refs?service=git-upload-pack"))
    );
    assert!(
        seen.iter()
            .any(|r| r.method == "POST" && r.target == "/index.git/git-upload-pack")
    );
    // The remote is recorded without anything secret, and git can read the clone.
    assert_eq!(
        run_git(&dir, &["remote", "get-url", "origin"]).trim(),
        server.url("index")
    );

    add_commit(&served, "index", &[("README.md", "three\n")], "commit 4");
    let before = server.seen().len();
    let second = git::sync(&server.url("index"), &dir, None, &options).expect("fetched");
    assert_eq!(second.commit, head_of(&bare, "main"));
    assert_ne!(second.commit, first.commit);
    assert_eq!(
        std::fs::read_to_string(dir.join("README.md")).unwrap(),
        "three\n"
    );
    assert!(
        server.seen().len() > before,
        "the second sync asked the server"
    );

    // Local changes in the cache are discarded: the clone is fundament's.
    std::fs::write(dir.join("README.md"), "edited").unwrap();
    std::fs::write(dir.join("stray"), "x").unwrap();
    git::sync(&server.url("index"), &dir, None, &options).unwrap();
    assert_eq!(
        std::fs::read_to_string(dir.join("README.md")).unwrap(),
        "three\n"
    );
    assert!(!dir.join("stray").exists());

    // Offline, the last fetch is used as it is.
    let offline = GitOptions {
        offline: true,
        ..options.clone()
    };
    let requests = server.seen().len();
    let cached = git::sync(&server.url("index"), &dir, None, &offline).unwrap();
    assert_eq!(cached.commit, second.commit);
    assert_eq!(server.seen().len(), requests, "offline asks nothing");
    let never = git::sync(
        &server.url("index"),
        &tmp.path().join("cache/other"),
        None,
        &offline,
    );
    assert!(
        matches!(never, Err(GitError::NotFetched { .. })),
        "{never:?}"
    );

    // A full clone when asked for.
    let full = tmp.path().join("cache/full");
    git::sync(
        &server.url("index"),
        &full,
        None,
        &GitOptions {
            depth: None,
            ..options.clone()
        },
    )
    .unwrap();
    assert_eq!(commits_in(&full), 4);
}

#[test]
fn branches_tags_and_commits_can_be_asked_for() {
    let tmp = tempfile::tempdir().unwrap();
    let served = tmp.path().join("served");
    std::fs::create_dir_all(&served).unwrap();
    let bare = bare_repository(&served, "repo", &[&[("a", "1\n")], &[("a", "2\n")]]);
    let work = served.join("repo.work");
    run_git(&work, &["tag", "-a", "v1.0", "-m", "release", "HEAD~1"]);
    run_git(&work, &["checkout", "-q", "-b", "feature"]);
    std::fs::write(work.join("a"), "feature\n").unwrap();
    run_git(&work, &["commit", "-q", "-am", "feature"]);
    run_git(
        &work,
        &["push", "-q", "--tags", bare.to_str().unwrap(), "feature"],
    );
    let server = GitServer::start(
        &served,
        GitServerOptions {
            tls: true,
            ..Default::default()
        },
    );
    let options = trusting_test_ca();
    let dir = tmp.path().join("clone");
    let url = server.url("repo");

    let tag = git::sync(&url, &dir, Some("v1.0"), &options).unwrap();
    assert_eq!(tag.reference, "refs/tags/v1.0");
    assert_eq!(tag.commit, head_of(&bare, "v1.0^{commit}"));
    assert_eq!(std::fs::read_to_string(dir.join("a")).unwrap(), "1\n");

    let branch = git::sync(&url, &dir, Some("feature"), &options).unwrap();
    assert_eq!(branch.reference, "refs/heads/feature");
    assert_eq!(std::fs::read_to_string(dir.join("a")).unwrap(), "feature\n");

    let main = git::sync(&url, &dir, Some("refs/heads/main"), &options).unwrap();
    assert_eq!(main.commit, head_of(&bare, "main"));

    let missing = git::sync(&url, &tmp.path().join("other"), Some("nope"), &options);
    assert_eq!(
        missing,
        Err(GitError::NoSuchReference {
            url: url.clone(),
            reference: "nope".to_string()
        })
    );
    assert!(
        !tmp.path().join("other").exists(),
        "a failed first clone leaves nothing behind"
    );
}

#[test]
fn an_untrusted_certificate_is_an_error_that_says_what_to_do() {
    let tmp = tempfile::tempdir().unwrap();
    bare_repository(tmp.path(), "repo", &[&[("a", "1\n")]]);
    let server = GitServer::start(
        tmp.path(),
        GitServerOptions {
            tls: true,
            ..Default::default()
        },
    );
    let options = GitOptions {
        credential_helper: false,
        http: HttpOptions {
            retries: 0,
            ..Default::default()
        },
        ..Default::default()
    };
    let error = git::sync(&server.url("repo"), &tmp.path().join("c"), None, &options)
        .expect_err("the test CA is not trusted by default");
    let message = error.to_string();
    assert!(message.contains("certificate"), "{message}");
    assert!(message.contains("ca-certificates"), "{message}");
}

#[test]
fn credentials_from_the_url_are_sent_and_never_stored() {
    let tmp = tempfile::tempdir().unwrap();
    let served = tmp.path().join("served");
    std::fs::create_dir_all(&served).unwrap();
    bare_repository(&served, "private", &[&[("a", "1\n")]]);
    let server = GitServer::start(
        &served,
        GitServerOptions {
            tls: true,
            basic: Some("oauth2:s3cret-token".to_string()),
        },
    );
    let options = trusting_test_ca();
    let plain = server.url("private");
    let error = git::sync(&plain, &tmp.path().join("a"), None, &options).unwrap_err();
    assert!(
        error.to_string().contains("asks for credentials (401)"),
        "{error}"
    );

    let wrong = plain.replace("https://", "https://oauth2:wrong@");
    let error = git::sync(&wrong, &tmp.path().join("b"), None, &options).unwrap_err();
    let message = error.to_string();
    assert!(
        message.contains("refused the configured credentials"),
        "{message}"
    );
    assert!(
        !message.contains("wrong"),
        "no secret in messages: {message}"
    );

    let with_token = plain.replace("https://", "https://oauth2:s3cret-token@");
    let dir = tmp.path().join("c");
    git::sync(&with_token, &dir, None, &options).expect("the token lets fundament in");
    let config = std::fs::read_to_string(dir.join(".git/config")).unwrap();
    assert!(!config.contains("s3cret"), "{config}");
    assert!(server.seen().iter().any(|r| {
        r.authorization
            .as_deref()
            .is_some_and(|a| a.starts_with("Basic "))
    }));
}

#[test]
fn a_failed_fetch_falls_back_to_the_last_one_and_says_so() {
    let tmp = tempfile::tempdir().unwrap();
    let served = tmp.path().join("served");
    std::fs::create_dir_all(&served).unwrap();
    bare_repository(&served, "gone", &[&[("a", "1\n")]]);
    let server = GitServer::start(
        &served,
        GitServerOptions {
            tls: true,
            ..Default::default()
        },
    );
    let options = trusting_test_ca();
    let dir = tmp.path().join("clone");
    let first = git::sync(&server.url("gone"), &dir, None, &options).unwrap();
    std::fs::rename(served.join("gone.git"), served.join("moved.git")).unwrap();
    let again = git::sync(&server.url("gone"), &dir, None, &options).unwrap();
    assert_eq!(again.commit, first.commit);
    let stale = again.stale.expect("the fallback is reported");
    assert!(stale.contains("no repository there"), "{stale}");
    assert!(stale.contains(&first.commit), "{stale}");
    // Callers show it next to the repository's URL: the URL is not in it again.
    assert!(!stale.contains(&server.url("gone")), "{stale}");
}

#[test]
fn plain_http_and_pushing_a_branch() {
    let tmp = tempfile::tempdir().unwrap();
    let served = tmp.path().join("served");
    std::fs::create_dir_all(&served).unwrap();
    let bare = bare_repository(&served, "repo", &[&[("a", "1\n")]]);
    let server = GitServer::start(&served, GitServerOptions::default());
    let options = trusting_test_ca();
    let dir = tmp.path().join("clone");
    git::sync(&server.url("repo"), &dir, None, &options).unwrap();

    // A commit on a new branch, pushed back.
    let repo = git2::Repository::open(&dir).unwrap();
    let head = repo.head().unwrap().peel_to_commit().unwrap();
    let signature = git2::Signature::now("Test", "test@example.invalid").unwrap();
    let mut builder = repo.treebuilder(Some(&head.tree().unwrap())).unwrap();
    builder
        .insert("b", repo.blob(b"proposed\n").unwrap(), 0o100644)
        .unwrap();
    let tree = repo.find_tree(builder.write().unwrap()).unwrap();
    let commit = repo
        .commit(
            Some("refs/heads/proposal"),
            &signature,
            &signature,
            "propose",
            &tree,
            &[&head],
        )
        .unwrap();
    git::push(
        &dir,
        &server.url("repo"),
        &["refs/heads/proposal:refs/heads/proposal".to_string()],
        &[],
        &options,
    )
    .expect("pushed over http");
    assert_eq!(head_of(&bare, "refs/heads/proposal"), commit.to_string());
}

#[test]
fn ssh_uses_the_users_own_ssh_program() {
    let server = match SshServer::start() {
        Ok(server) => server,
        Err(why) => {
            eprintln!("skipped: cannot run a local sshd: {why}");
            return;
        }
    };
    let tmp = tempfile::tempdir().unwrap();
    let bare = bare_repository(tmp.path(), "repo", &[&[("a", "1\n")], &[("a", "2\n")]]);
    let options = GitOptions {
        ssh_command: Some(server.command.clone()),
        credential_helper: false,
        ..Default::default()
    };
    let url = format!(
        "ssh://{}@127.0.0.1:{}{}",
        server.user,
        server.port,
        bare.display()
    );
    let dir = tmp.path().join("clone");
    let checkout = git::sync(&url, &dir, None, &options).expect("cloned over ssh");
    assert_eq!(checkout.commit, head_of(&bare, "main"));
    assert!(git2::Repository::open(&dir).unwrap().is_shallow());

    add_commit(tmp.path(), "repo", &[("a", "3\n")], "three");
    let again = git::sync(&url, &dir, None, &options).expect("fetched over ssh");
    assert_eq!(again.commit, head_of(&bare, "main"));
    assert_eq!(std::fs::read_to_string(dir.join("a")).unwrap(), "3\n");

    // scp-like syntax (the port comes from the ssh command, as from ~/.ssh/config).
    let scp = GitOptions {
        ssh_command: Some(format!("{} -p {}", server.command, server.port)),
        ..options.clone()
    };
    let scp_url = format!("{}@127.0.0.1:{}", server.user, bare.display());
    let other = tmp.path().join("scp");
    assert_eq!(
        git::sync(&scp_url, &other, None, &scp).unwrap().commit,
        again.commit
    );

    // Pushing over ssh.
    let repo = git2::Repository::open(&dir).unwrap();
    let head = repo.head().unwrap().peel_to_commit().unwrap();
    repo.reference("refs/heads/copy", head.id(), true, "copy")
        .unwrap();
    git::push(
        &dir,
        &url,
        &["refs/heads/copy:refs/heads/copy".to_string()],
        &[],
        &options,
    )
    .expect("pushed over ssh");
    assert_eq!(head_of(&bare, "refs/heads/copy"), head.id().to_string());

    // A key the server does not know: ssh's own words, no hang (BatchMode).
    let stranger = tmp.path().join("stranger");
    std::process::Command::new("ssh-keygen")
        .args(["-q", "-t", "ed25519", "-N", "", "-f"])
        .arg(&stranger)
        .status()
        .unwrap();
    let refused = GitOptions {
        ssh_command: Some(
            server.command.replace(
                &server
                    .command
                    .split(" -i ")
                    .nth(1)
                    .unwrap()
                    .split(' ')
                    .next()
                    .unwrap()
                    .to_string(),
                stranger.to_str().unwrap(),
            ),
        ),
        ..options.clone()
    };
    let error = git::sync(&url, &tmp.path().join("refused"), None, &refused).unwrap_err();
    assert!(error.to_string().contains("Permission denied"), "{error}");
}

#[test]
fn ssh_urls_that_would_inject_options_are_refused_before_anything_runs() {
    let tmp = tempfile::tempdir().unwrap();
    let marker = tmp.path().join("pwned");
    let url = format!("ssh://-oProxyCommand=touch%20{}/x", marker.display());
    let error = git::sync(&url, &tmp.path().join("c"), None, &GitOptions::default()).unwrap_err();
    assert!(matches!(error, GitError::Url { .. }), "{error:?}");
    assert!(!marker.exists());
}
