//! Licences read from package archives when the registry's metadata names none, against an
//! HTTP server on 127.0.0.1: npm tarballs and Composer dist zips built here, well-formed and
//! hostile (integrity mismatches, compression bombs, traversal and link entries, HTML pages,
//! 404s, archives over the cap), a warm second run and `--offline`.

mod support;

use support::MIT;

use std::io::Write as _;
use std::path::{Path, PathBuf};
use support::server::{Reply, TestServer};
use support::{findings, package};

/// A gzip-compressed tar of `entries`; names are written raw into the header, so that hostile
/// ones get in as they are; `links` adds symbolic links.
fn tarball(entries: &[(&str, &[u8])], links: &[(&str, &str)]) -> Vec<u8> {
    let mut builder = tar::Builder::new(Vec::new());
    for (name, bytes) in entries {
        let mut header = tar::Header::new_gnu();
        header.set_size(bytes.len() as u64);
        header.set_mode(0o644);
        header.set_entry_type(tar::EntryType::Regular);
        header.as_old_mut().name[..name.len()].copy_from_slice(name.as_bytes());
        header.set_cksum();
        builder.append(&header, *bytes).unwrap();
    }
    for (name, target) in links {
        let mut header = tar::Header::new_gnu();
        header.set_entry_type(tar::EntryType::Symlink);
        header.set_size(0);
        builder.append_link(&mut header, name, target).unwrap();
    }
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(&builder.into_inner().unwrap()).unwrap();
    gz.finish().unwrap()
}

fn sri(bytes: &[u8]) -> String {
    use base64::Engine as _;
    use sha2::Digest as _;
    format!(
        "sha512-{}",
        base64::engine::general_purpose::STANDARD.encode(sha2::Sha512::digest(bytes))
    )
}

/// An npm project whose lockfile records no licences; each package's registry document names
/// none either, and its tarball is served as `tarballs` says.
fn npm_project(
    server: &TestServer,
    packages: &[(&str, Vec<u8>, Option<String>, Reply)],
) -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("app");
    std::fs::create_dir_all(&dir).unwrap();
    let mut lock = serde_json::json!({
        "name": "app", "version": "1.0.0", "lockfileVersion": 3, "requires": true,
        "packages": { "": { "name": "app", "version": "1.0.0", "license": "MIT", "dependencies": {} } }
    });
    for (name, body, integrity, reply) in packages {
        let path = format!("/{name}/-/{name}-1.0.0.tgz");
        lock["packages"][""]["dependencies"][*name] = "1.0.0".into();
        lock["packages"][format!("node_modules/{name}")] = serde_json::json!({
            "version": "1.0.0",
            "resolved": format!("{}{path}", server.base),
            "integrity": integrity.clone().unwrap_or_else(|| sri(body)),
        });
        server.route(
            &format!("/{name}"),
            vec![Reply::ok(
                serde_json::json!({"name": name, "versions": {"1.0.0": {"name": name}}})
                    .to_string(),
            )],
        );
        server.route(&path, vec![reply.clone()]);
    }
    std::fs::write(dir.join("package-lock.json"), lock.to_string()).unwrap();
    std::fs::write(
        dir.join("package.json"),
        r#"{"name":"app","version":"1.0.0","license":"MIT"}"#,
    )
    .unwrap();
    std::fs::write(
        dir.join("fundament.toml"),
        "[licences]\nallow = [\"permissive\"]\n",
    )
    .unwrap();
    (tmp, dir)
}

fn audit(dir: &Path, cache: &Path, extra: &[&str]) -> support::JsonRun {
    let home = tempfile::tempdir().unwrap();
    let output = support::online(cache, home.path())
        .env_remove("npm_config_registry")
        .args(["audit", "--format", "json"])
        .args(extra)
        .arg(dir)
        .output()
        .unwrap();
    support::JsonRun::from_output(&output)
}

fn r009(json: &serde_json::Value, name: &str) -> String {
    findings(json, "R009")
        .iter()
        .map(|f| f["message"].as_str().unwrap().to_string())
        .filter(|m| m.contains(&format!("of {name} 1.0.0")))
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn npm_tarballs_give_the_licence_their_metadata_lacks_and_the_evidence_names_them() {
    let server = TestServer::start();
    let good = tarball(
        &[
            (
                "package/package.json",
                br#"{"name":"good","version":"1.0.0"}"#,
            ),
            ("package/LICENSE", MIT.as_bytes()),
            ("package/index.js", b"module.exports = 1;\n"),
        ],
        &[],
    );
    let pointed = tarball(
        &[
            (
                "package/package.json",
                br#"{"name":"pointed","license":"SEE LICENSE IN COPYING.md"}"#,
            ),
            ("package/COPYING.md", MIT.as_bytes()),
        ],
        &[],
    );
    let (_tmp, dir) = npm_project(
        &server,
        &[
            ("good", good.clone(), None, Reply::ok(good.clone())),
            ("pointed", pointed.clone(), None, Reply::ok(pointed)),
        ],
    );
    let cache = tempfile::tempdir().unwrap();
    let run = audit(&dir, cache.path(), &[]);
    assert_eq!(run.code, 0, "{}", run.json["findings"]);
    let licence = &package(&run.json, "good")["licence"];
    assert_eq!(licence["concluded"]["expression"], "MIT");
    assert_eq!(licence["concluded"]["from"], "detected");
    let explanation = licence["concluded"]["explanation"].as_str().unwrap();
    assert!(
        explanation.contains("package/LICENSE of good-1.0.0.tgz"),
        "{explanation}"
    );
    let file = &licence["detected"][0];
    assert_eq!(
        file["archive"],
        format!("{}/good/-/good-1.0.0.tgz!/package/LICENSE", server.base)
    );
    let pointed = &package(&run.json, "pointed")["licence"];
    assert_eq!(pointed["concluded"]["expression"], "MIT");
    assert!(
        pointed["declared"]
            .as_array()
            .unwrap()
            .iter()
            .any(|d| d["origin"]["file"]
                .as_str()
                .unwrap()
                .ends_with("/pointed/-/pointed-1.0.0.tgz!/package/package.json")),
        "{pointed}"
    );
    assert_eq!(server.count("/good/-/good-1.0.0.tgz"), 1);

    // Warm: from the cache, without a request; offline too.
    let before = server.total();
    let warm = audit(&dir, cache.path(), &[]);
    assert_eq!(server.total(), before, "a warm run asked the network");
    assert_eq!(
        package(&warm.json, "good")["licence"]["concluded"]["expression"],
        "MIT"
    );
    let offline = audit(&dir, cache.path(), &["--offline"]);
    assert_eq!(server.total(), before);
    assert_eq!(
        package(&offline.json, "good")["licence"]["detected"][0]["archive"],
        format!("{}/good/-/good-1.0.0.tgz!/package/LICENSE", server.base)
    );
}

#[test]
fn hostile_and_broken_archives_are_findings_naming_package_and_cause() {
    let server = TestServer::start();
    let licence = [("package/LICENSE", MIT.as_bytes())];
    let real = tarball(&licence, &[]);
    let tampered = tarball(&[("package/LICENSE", b"Public domain, honestly")], &[]);
    let traversal = tarball(
        &[
            ("package/LICENSE", MIT.as_bytes()),
            ("package/../../../../tmp/pwned", b"x"),
        ],
        &[],
    );
    let absolute = tarball(&[("/etc/cron.d/pwned", b"x")], &[]);
    let link = tarball(&licence, &[("package/LICENSE.md", "/etc/passwd")]);
    let zeros = vec![0u8; 40 * 1024 * 1024];
    let bomb = tarball(
        &[("package/LICENSE", MIT.as_bytes()), ("package/x", &zeros)],
        &[],
    );
    drop(zeros);
    let html = b"<!DOCTYPE html>\n<html><head><title>Sign in</title></head></html>".to_vec();
    let huge = vec![b'x'; 51 * 1024 * 1024];
    let (_tmp, dir) = npm_project(
        &server,
        &[
            // The lockfile's integrity is the real tarball's; the server sends another.
            (
                "tampered",
                real.clone(),
                Some(sri(&real)),
                Reply::ok(tampered),
            ),
            ("traversal", traversal.clone(), None, Reply::ok(traversal)),
            ("absolute", absolute.clone(), None, Reply::ok(absolute)),
            ("link", link.clone(), None, Reply::ok(link)),
            ("bomb", bomb.clone(), None, Reply::ok(bomb)),
            ("html", html.clone(), None, Reply::ok(html)),
            ("missing", real.clone(), None, Reply::status(404)),
            ("huge", huge.clone(), None, Reply::ok(huge)),
            ("fine", real.clone(), None, Reply::ok(real)),
        ],
    );
    let cache = tempfile::tempdir().unwrap();
    let run = audit(&dir, cache.path(), &[]);
    for (name, cause) in [
        ("tampered", "does not match the integrity value"),
        ("traversal", "`..`"),
        ("absolute", "absolute path"),
        ("link", "a link"),
        ("bomb", "compression bomb"),
        ("html", "HTML page"),
        ("missing", "404"),
        ("huge", "larger than 50 MiB"),
    ] {
        let message = r009(&run.json, name);
        assert!(message.contains(cause), "{name}: {message}");
        let concluded = &package(&run.json, name)["licence"]["concluded"];
        assert_eq!(concluded["expression"], "NOASSERTION", "{name}");
    }
    // Nothing of a refused archive was written anywhere, and the audit went on.
    assert!(!Path::new("/tmp/pwned").exists());
    assert_eq!(
        package(&run.json, "fine")["licence"]["concluded"]["expression"],
        "MIT"
    );
    // One L009 finding for the eight packages that stay unresolved.
    assert_eq!(
        support::affected(&run.json, "L009").len(),
        8,
        "{}",
        run.stderr
    );
    assert_eq!(run.code, 1);
    // A refused archive is not cached as an answer: the next run asks again.
    let before = server.count("/tampered/-/tampered-1.0.0.tgz");
    audit(&dir, cache.path(), &[]);
    assert_eq!(server.count("/tampered/-/tampered-1.0.0.tgz"), before + 1);
}

#[test]
fn composer_dist_zips_are_read_when_the_lockfile_names_no_licence() {
    let server = TestServer::start();
    let body = support::zip_of(&[
        (
            "acme-tool-0a1b2c3/composer.json",
            br#"{"name":"acme/tool"}"#.as_slice(),
        ),
        ("acme-tool-0a1b2c3/LICENSE", MIT.as_bytes()),
    ]);
    let sha1 = {
        use sha1::Digest as _;
        hex::encode(sha1::Sha1::digest(&body))
    };
    server.route("/dist/acme-tool-1.2.0.zip", vec![Reply::ok(body)]);
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("app");
    std::fs::create_dir_all(&dir).unwrap();
    let lock = serde_json::json!({
        "packages": [{
            "name": "acme/tool", "version": "1.2.0",
            "dist": {"type": "zip", "url": format!("{}/dist/acme-tool-1.2.0.zip", server.base), "shasum": sha1},
            "notification-url": format!("{}/downloads/", server.base)
        }],
        "packages-dev": []
    });
    std::fs::write(dir.join("composer.lock"), lock.to_string()).unwrap();
    std::fs::write(
        dir.join("composer.json"),
        r#"{"name":"acme/app","license":"MIT","require":{"acme/tool":"^1.2"}}"#,
    )
    .unwrap();
    std::fs::write(
        dir.join("fundament.toml"),
        "[licences]\nallow = [\"permissive\"]\n",
    )
    .unwrap();
    let cache = tempfile::tempdir().unwrap();
    let run = audit(&dir, cache.path(), &[]);
    let licence = &package(&run.json, "acme/tool")["licence"];
    assert_eq!(licence["concluded"]["expression"], "MIT", "{}", run.json);
    assert_eq!(
        licence["detected"][0]["archive"],
        format!(
            "{}/dist/acme-tool-1.2.0.zip!/acme-tool-0a1b2c3/LICENSE",
            server.base
        )
    );
    assert_eq!(run.code, 0);
}

#[test]
fn crates_are_read_from_their_archive_when_cargo_metadata_cannot_run() {
    use sha2::Digest as _;
    let server = TestServer::start();
    let body = tarball(
        &[
            (
                "tiny-1.0.0/Cargo.toml",
                b"[package]\nname = \"tiny\"\nversion = \"1.0.0\"\n",
            ),
            ("tiny-1.0.0/LICENSE-MIT", MIT.as_bytes()),
        ],
        &[],
    );
    let checksum = hex::encode(sha2::Sha256::digest(&body));
    server.route("/crates/tiny/1.0.0/download", vec![Reply::ok(body)]);
    // A Cargo home whose index cache records where crates are downloaded.
    let cargo_home = tempfile::tempdir().unwrap();
    let index = cargo_home.path().join("registry/index/some-index-0123");
    std::fs::create_dir_all(&index).unwrap();
    std::fs::write(
        index.join("config.json"),
        format!(
            r#"{{"dl": "{}/crates", "api": "{}"}}"#,
            server.base, server.base
        ),
    )
    .unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("app");
    std::fs::create_dir_all(&dir).unwrap();
    // A workspace whose member is missing: `cargo metadata` cannot run.
    std::fs::write(
        dir.join("Cargo.toml"),
        "[workspace]\nmembers = [\"missing/*/module\"]\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("Cargo.lock"),
        format!(
            "version = 4\n\n[[package]]\nname = \"tiny\"\nversion = \"1.0.0\"\nsource = \"registry+https://git.example/index\"\nchecksum = \"{checksum}\"\n"
        ),
    )
    .unwrap();
    std::fs::write(
        dir.join("fundament.toml"),
        "[licences]\nallow = [\"permissive\"]\n",
    )
    .unwrap();
    let cache = tempfile::tempdir().unwrap();
    let home = tempfile::tempdir().unwrap();
    let output = support::fundament()
        .env_remove("FUNDAMENT_NO_REGISTRY")
        .env("FUNDAMENT_CACHE_DIR", cache.path())
        .env("HOME", home.path())
        .env("CARGO_HOME", cargo_home.path())
        .env("CARGO_NET_OFFLINE", "true")
        .args(["audit", "--format", "json"])
        .arg(&dir)
        .output()
        .unwrap();
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let licence = &package(&json, "tiny")["licence"];
    assert_eq!(
        licence["concluded"]["expression"], "MIT",
        "{}",
        json["findings"]
    );
    assert_eq!(
        licence["detected"][0]["archive"],
        format!(
            "{}/crates/tiny/1.0.0/download!/tiny-1.0.0/LICENSE-MIT",
            server.base
        )
    );
}
