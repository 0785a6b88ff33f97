//! Yanked crate releases (`[advisories] yanked`, A014/A015): against a local server speaking
//! Cargo's sparse index protocol, against a recorded file of Cargo's own index cache
//! (tests/fixtures/cargo-index-cache/record.sh), and the project's own Cargo.lock against the
//! index cache of this machine.

mod support;

use serde_json::Value;
use std::path::{Path, PathBuf};
use support::server::{Reply, TestServer};
use support::{findings, package};

const GOOD: &str = "1111111111111111111111111111111111111111111111111111111111111111";
const BAD: &str = "2222222222222222222222222222222222222222222222222222222222222222";
const OTHER: &str = "3333333333333333333333333333333333333333333333333333333333333333";

/// A workspace `cargo metadata` cannot read (its member is missing), so that its Cargo.lock
/// is read on its own, with `packages` as `(name, version, source, checksum)`.
fn workspace(dir: &Path, packages: &[(&str, &str, &str, &str)], policy: &str) {
    std::fs::create_dir_all(dir).unwrap();
    std::fs::write(
        dir.join("Cargo.toml"),
        "[workspace]\nmembers = [\"missing/*/module\"]\n",
    )
    .unwrap();
    let mut lock = String::from("version = 4\n");
    for (name, version, source, checksum) in packages {
        lock.push_str(&format!(
            "\n[[package]]\nname = \"{name}\"\nversion = \"{version}\"\nsource = \"{source}\"\nchecksum = \"{checksum}\"\n"
        ));
    }
    std::fs::write(dir.join("Cargo.lock"), lock).unwrap();
    std::fs::write(dir.join("fundament.toml"), policy).unwrap();
}

struct Env {
    cache: PathBuf,
    home: tempfile::TempDir,
    cargo_home: PathBuf,
}

fn audit(dir: &Path, env: &Env, extra: &[&str]) -> (i32, Value, String) {
    let output = support::fundament()
        .env_remove("FUNDAMENT_NO_REGISTRY")
        .env("FUNDAMENT_CACHE_DIR", &env.cache)
        .env("HOME", env.home.path())
        .env("CARGO_HOME", &env.cargo_home)
        .env("CARGO_NET_OFFLINE", "true")
        .args(["audit", "--format", "json"])
        .args(extra)
        .arg(dir)
        .output()
        .unwrap();
    let json: Value = serde_json::from_slice(&output.stdout).unwrap_or_else(|e| {
        panic!(
            "{e}: {}",
            String::from_utf8_lossy(&output.stderr)
                .chars()
                .take(2000)
                .collect::<String>()
        )
    });
    (
        output.status.code().unwrap(),
        json,
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

fn yanked_status(json: &Value, name: &str) -> String {
    package(json, name)["advisories"]["yanked"]["status"]
        .as_str()
        .unwrap_or("(absent)")
        .to_string()
}

fn line(name: &str, version: &str, cksum: &str, yanked: bool) -> String {
    format!(
        r#"{{"name":"{name}","vers":"{version}","deps":[],"cksum":"{cksum}","features":{{}},"yanked":{yanked}}}"#
    )
}

#[test]
fn the_sparse_index_says_which_releases_were_yanked() {
    let server = TestServer::start();
    let index = format!("{}/index/", server.base);
    let source = format!("sparse+{index}");
    server.route(
        "/index/go/od/good",
        vec![Reply::ok(format!(
            "{}\n{}\n",
            line("good", "0.9.0", OTHER, true),
            line("good", "1.0.0", GOOD, false)
        ))],
    );
    server.route(
        "/index/3/b/bad",
        vec![Reply::ok(format!(
            "{}\n{}\n",
            line("bad", "0.1.0", BAD, true),
            line("bad", "0.2.0", OTHER, false)
        ))],
    );
    // Listed with another checksum: not the locked release.
    server.route(
        "/index/ot/he/other",
        vec![Reply::ok(line("other", "1.0.0", GOOD, true))],
    );
    // An index file that does not list the version.
    server.route(
        "/index/un/li/unlisted",
        vec![Reply::ok(line("unlisted", "0.1.0", GOOD, false))],
    );
    // `gone` gets 404.
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("app");
    workspace(
        &dir,
        &[
            ("good", "1.0.0", &source, GOOD),
            ("bad", "0.1.0", &source, BAD),
            ("other", "1.0.0", &source, OTHER),
            ("unlisted", "2.0.0", &source, GOOD),
            ("gone", "1.0.0", &source, GOOD),
        ],
        "[licences]\nallow = [\"permissive\"]\n",
    );
    let env = Env {
        cache: tmp.path().join("cache"),
        home: tempfile::tempdir().unwrap(),
        cargo_home: tmp.path().join("no-cargo-home"),
    };
    let (_, json, stderr) = audit(&dir, &env, &[]);
    assert_eq!(yanked_status(&json, "good"), "current", "{stderr}");
    assert_eq!(yanked_status(&json, "bad"), "yanked");
    for name in ["other", "unlisted", "gone"] {
        assert_eq!(yanked_status(&json, name), "not-checked", "{name}");
    }
    assert_eq!(
        package(&json, "bad")["advisories"]["yanked"]["source"],
        format!("{}/index/3/b/bad", server.base)
    );
    let a014 = findings(&json, "A014");
    assert_eq!(a014.len(), 1, "{a014:#?}");
    assert_eq!(a014[0]["severity"], "warning", "warn is the default");
    assert!(a014[0]["message"].as_str().unwrap().contains("bad 0.1.0"));
    let a015 = findings(&json, "A015");
    assert_eq!(a015.len(), 3, "one per reason: {a015:#?}");
    assert!(a015.iter().all(|f| f["severity"] == "warning"));
    let reasons: String = a015
        .iter()
        .map(|f| f["message"].as_str().unwrap())
        .collect();
    assert!(
        reasons.contains("checksum is not the lockfile's"),
        "{reasons}"
    );
    assert!(reasons.contains("does not list version 2.0.0"), "{reasons}");
    assert!(reasons.contains("has no such crate"), "{reasons}");
    let summary = &json["advisories"]["yanked"];
    assert_eq!(summary["crates"], 5);
    assert_eq!(summary["yanked"], 1);
    assert_eq!(summary["current"], 1);
    assert_eq!(summary["not_checked"], 3);
    // Answers used from the network: good, bad, other (unlisted and gone had none).
    assert_eq!(summary["online"], 3);
    assert_eq!(server.count("/index/3/b/bad"), 1);

    // Offline: the answers fundament cached, no request.
    let before = server.total();
    let (_, offline, _) = audit(&dir, &env, &["--offline"]);
    assert_eq!(server.total(), before, "offline asks nothing");
    assert_eq!(yanked_status(&offline, "bad"), "yanked");
    assert_eq!(yanked_status(&offline, "good"), "current");
    assert_eq!(offline["advisories"]["yanked"]["cached"], 3);

    // Offline with an empty cache: not checked, never "current".
    let cold = Env {
        cache: tmp.path().join("cold-cache"),
        ..env
    };
    let (_, cold_json, _) = audit(&dir, &cold, &["--offline"]);
    for name in ["good", "bad"] {
        assert_eq!(yanked_status(&cold_json, name), "not-checked");
    }
    assert!(findings(&cold_json, "A014").is_empty());
    let env = Env {
        cache: tmp.path().join("cache"),
        ..cold
    };

    // `yanked = "deny"`: an error, the audit fails; SARIF and the human report name it.
    std::fs::write(
        dir.join("fundament.toml"),
        "[licences]\nallow = [\"permissive\"]\n\n[advisories]\nyanked = \"deny\"\n",
    )
    .unwrap();
    let (code, denied, _) = audit(&dir, &env, &["--offline"]);
    assert_eq!(findings(&denied, "A014")[0]["severity"], "error");
    assert_ne!(code, 0);
    let sarif = support::fundament()
        .env_remove("FUNDAMENT_NO_REGISTRY")
        .env("FUNDAMENT_CACHE_DIR", &env.cache)
        .env("HOME", env.home.path())
        .env("CARGO_HOME", &env.cargo_home)
        .env("CARGO_NET_OFFLINE", "true")
        .args(["audit", "--offline", "--format", "sarif"])
        .arg(&dir)
        .output()
        .unwrap();
    let sarif: Value = serde_json::from_slice(&sarif.stdout).unwrap();
    let results = sarif["runs"][0]["results"].as_array().unwrap();
    let result = results
        .iter()
        .find(|r| r["ruleId"] == "A014")
        .expect("A014");
    assert_eq!(result["level"], "error");
    let human = support::fundament()
        .env_remove("FUNDAMENT_NO_REGISTRY")
        .env("FUNDAMENT_CACHE_DIR", &env.cache)
        .env("HOME", env.home.path())
        .env("CARGO_HOME", &env.cargo_home)
        .env("CARGO_NET_OFFLINE", "true")
        .args(["audit", "--offline"])
        .arg(&dir)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&human.stdout);
    assert!(text.contains("A014"), "{text}");
    assert!(
        text.contains("bad 0.1.0 was yanked from its registry"),
        "{text}"
    );

    // `allow`: a note. `--no-advisories`: not checked at all.
    std::fs::write(
        dir.join("fundament.toml"),
        "[licences]\nallow = [\"permissive\"]\n\n[advisories]\nyanked = \"allow\"\n",
    )
    .unwrap();
    let (_, allowed, _) = audit(&dir, &env, &["--offline"]);
    assert_eq!(findings(&allowed, "A014")[0]["severity"], "note");
    let (_, off, _) = audit(&dir, &env, &["--offline", "--no-advisories"]);
    assert!(findings(&off, "A014").is_empty() && findings(&off, "A015").is_empty());
    assert_eq!(yanked_status(&off, "bad"), "(absent)");
}

#[test]
fn registry_look_ups_off_means_not_checked() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("app");
    workspace(
        &dir,
        &[("bad", "0.1.0", "sparse+http://127.0.0.1:9/index/", BAD)],
        "[licences]\nallow = [\"permissive\"]\n",
    );
    // support::fundament() sets FUNDAMENT_NO_REGISTRY.
    let run = support::audit_json(&dir, &["--offline"]);
    assert_eq!(yanked_status(&run.json, "bad"), "not-checked");
    let a015 = findings(&run.json, "A015");
    assert_eq!(a015.len(), 1);
    assert_eq!(a015[0]["severity"], "note");
    assert!(
        a015[0]["message"]
            .as_str()
            .unwrap()
            .contains("registry look-ups are off")
    );
}

fn recorded_home() -> PathBuf {
    support::fixture("cargo-index-cache/home")
}

#[test]
fn cargos_recorded_index_cache_says_which_releases_were_yanked() {
    // Checksums from the recorded file (tests/fixtures/cargo-index-cache/record.sh).
    let yanked = "13a480684b529ea74c93e83e17e742724594e62d1ed79718749a8b05406a46e0";
    let current = "3f6221d9a6003c78398e3b239969f352578258df48c8eb051caadae0015bc840";
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("app");
    // The lockfile names the registry by a git index URL, as Cargo.lock does for the
    // default registry; the cache's folder is named after another host, so only the
    // checksums tie the two together.
    let git_index = "registry+https://git.registry.example/index";
    workspace(
        &dir,
        &[
            ("tar", "0.0.1", git_index, yanked),
            ("tar", "0.4.46", git_index, current),
            ("mystery", "1.0.0", git_index, GOOD),
        ],
        "[licences]\nallow = [\"permissive\"]\n",
    );
    let env = Env {
        cache: tmp.path().join("cache"),
        home: tempfile::tempdir().unwrap(),
        cargo_home: recorded_home(),
    };
    let (_, json, stderr) = audit(&dir, &env, &["--offline"]);
    let tar: Vec<&Value> = support::packages(&json)
        .iter()
        .filter(|p| p["name"] == "tar")
        .collect();
    assert_eq!(tar.len(), 2, "{stderr}");
    for p in tar {
        let expected = if p["version"] == "0.0.1" {
            "yanked"
        } else {
            "current"
        };
        assert_eq!(p["advisories"]["yanked"]["status"], expected, "{p:#}");
        assert!(
            p["advisories"]["yanked"]["source"]
                .as_str()
                .unwrap()
                .starts_with("Cargo's index cache")
        );
    }
    assert_eq!(findings(&json, "A014").len(), 1);
    assert_eq!(yanked_status(&json, "mystery"), "not-checked");
    assert_eq!(json["advisories"]["yanked"]["cargo_cache"], 2);

    // A lockfile whose checksum is not the cache's: not the same release, not checked.
    workspace(
        &dir,
        &[("tar", "0.0.1", git_index, GOOD)],
        "[licences]\nallow = [\"permissive\"]\n",
    );
    let (_, other, _) = audit(&dir, &env, &["--offline"]);
    assert_eq!(yanked_status(&other, "tar"), "not-checked");
}

#[test]
fn a_hostile_index_cache_is_refused_not_believed() {
    let tmp = tempfile::tempdir().unwrap();
    let home = tmp.path().join("cargo-home");
    let cache = home.join("registry/index/registry.example-0123456789abcdef/.cache/3/t");
    std::fs::create_dir_all(&cache).unwrap();
    let recorded = std::fs::read(
        recorded_home().join("registry/index/registry.example-0123456789abcdef/.cache/3/t/tar"),
    )
    .unwrap();
    // Cut off in the middle of the first entry.
    std::fs::write(cache.join("tar"), &recorded[..30]).unwrap();
    let dir = tmp.path().join("app");
    let source = "registry+https://registry.example/index";
    workspace(
        &dir,
        &[(
            "tar",
            "0.0.1",
            source,
            "13a480684b529ea74c93e83e17e742724594e62d1ed79718749a8b05406a46e0",
        )],
        "[licences]\nallow = [\"permissive\"]\n",
    );
    let env = Env {
        cache: tmp.path().join("cache"),
        home: tempfile::tempdir().unwrap(),
        cargo_home: home.clone(),
    };
    let (_, json, _) = audit(&dir, &env, &["--offline"]);
    assert_eq!(yanked_status(&json, "tar"), "not-checked");
    let reason = package(&json, "tar")["advisories"]["yanked"]["reason"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(
        reason.contains("cut off") || reason.contains("not an index entry"),
        "{reason}"
    );
    // A link instead of a file is not followed.
    #[cfg(unix)]
    {
        std::fs::remove_file(cache.join("tar")).unwrap();
        std::os::unix::fs::symlink("/etc/passwd", cache.join("tar")).unwrap();
        let (_, json, _) = audit(&dir, &env, &["--offline"]);
        assert_eq!(yanked_status(&json, "tar"), "not-checked");
    }
}

/// The project's own Cargo.lock, offline, against this machine's Cargo index cache (skipped
/// where there is none): every crate the cache lists is answered from it, none is reported
/// current without an answer.
#[test]
fn the_projects_own_lockfile_against_the_local_index_cache() {
    let Some(cargo_home) = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cargo")))
        .filter(|h| h.join("registry/index").is_dir())
    else {
        eprintln!("skipped: no Cargo index cache on this machine");
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("self");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::copy(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("Cargo.lock"),
        dir.join("Cargo.lock"),
    )
    .unwrap();
    std::fs::write(
        dir.join("Cargo.toml"),
        "[workspace]\nmembers = [\"missing/*/module\"]\n",
    )
    .unwrap();
    let env = Env {
        cache: tmp.path().join("cache"),
        home: tempfile::tempdir().unwrap(),
        cargo_home,
    };
    let (_, json, _) = audit(&dir, &env, &["--offline"]);
    let summary = &json["advisories"]["yanked"];
    let crates = summary["crates"].as_u64().unwrap();
    assert!(crates > 100, "{summary}");
    assert_eq!(
        summary["yanked"].as_u64().unwrap()
            + summary["current"].as_u64().unwrap()
            + summary["not_checked"].as_u64().unwrap(),
        crates
    );
    assert_eq!(
        summary["cargo_cache"].as_u64().unwrap(),
        summary["yanked"].as_u64().unwrap() + summary["current"].as_u64().unwrap(),
        "every answer came from Cargo's cache"
    );
    eprintln!("the project's own lockfile: {summary}");
}
