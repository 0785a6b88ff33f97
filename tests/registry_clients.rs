//! The PyPI, Maven and Go module proxy clients of the look-up stage, against an HTTP server on
//! 127.0.0.1: real PyPI answers (captured, hosts replaced), hand-written POMs after the real
//! ones, and Go module zips built here from small module trees (see
//! tests/fixtures/registry/README.md). The fixture projects' inputs carry no licences.

mod support;

use std::io::Write as _;
use std::path::{Path, PathBuf};
use support::server::{Reply, TestServer};
use support::{findings, fixture, package};

/// Runs an audit with registry look-ups on, the given cache, and no user configuration.
fn audit(dir: &Path, cache: &Path, extra: &[&str]) -> support::JsonRun {
    let home = tempfile::tempdir().unwrap();
    let output = support::online(cache, home.path())
        .env_remove("PIP_INDEX_URL")
        .env_remove("PIP_CONFIG_FILE")
        .env_remove("GOPROXY")
        .args(["audit", "--format", "json"])
        .args(extra)
        .arg(dir)
        .output()
        .unwrap();
    support::JsonRun::from_output(&output)
}

/// A fixture project, copied, with `fundament.toml` allowing permissive licences and naming
/// the given registries.
fn project(name: &str, registries: &str) -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("app");
    support::copy_tree(&fixture(&format!("registry/{name}")), &dir);
    std::fs::write(
        dir.join("fundament.toml"),
        format!("[licences]\nallow = [\"permissive\"]\n\n[registries]\n{registries}"),
    )
    .unwrap();
    (tmp, dir)
}

fn concluded<'a>(json: &'a serde_json::Value, name: &str) -> &'a serde_json::Value {
    &package(json, name)["licence"]["concluded"]
}

/// The concluded licence expression of the package `name`.
fn expression<'a>(json: &'a serde_json::Value, name: &str) -> &'a serde_json::Value {
    &concluded(json, name)["expression"]
}

/// A warm and an offline run of the audit of `dir` with `cache` ask `server` nothing beyond
/// its `requests` so far and conclude the `expected` expressions.
#[track_caller]
fn assert_warm_and_offline_agree(
    dir: &Path,
    cache: &Path,
    server: &TestServer,
    requests: usize,
    expected: &[(&str, &str)],
) {
    let second = audit(dir, cache, &[]);
    let offline = audit(dir, cache, &["--offline"]);
    assert_eq!(
        server.total(),
        requests,
        "the warm or offline run made requests"
    );
    for (what, run) in [("warm", &second), ("offline", &offline)] {
        assert_eq!(run.code, 0, "{what}: {}", run.json["findings"]);
        for (name, licence) in expected {
            assert_eq!(expression(&run.json, name), licence, "{what}: {name}");
        }
    }
}

/// An `http://` base URL of a port on 127.0.0.1 nothing listens on.
fn unreachable_base() -> String {
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    format!("http://{}", closed.local_addr().unwrap())
}

fn declared(json: &serde_json::Value, name: &str) -> Vec<(String, String, String)> {
    package(json, name)["licence"]["declared"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["raw"].as_str().unwrap().to_string(),
                d["origin"]["file"].as_str().unwrap().to_string(),
                d["origin"]["field"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

fn messages(json: &serde_json::Value, code: &str) -> String {
    findings(json, code)
        .iter()
        .map(|f| f["message"].as_str().unwrap().to_string())
        .collect::<Vec<_>>()
        .join("\n")
}

fn registry_file(path: &str) -> Vec<u8> {
    std::fs::read(fixture("registry").join(path)).unwrap()
}

// ---------------------------------------------------------------------------------------------
// PyPI

/// The placeholder hosts of the captured documents, pointed at `server`: the index at its
/// root, the files host under `/files`.
fn localise(text: &str, server: &TestServer) -> String {
    text.replace(
        "https://files.pypi.registry.example",
        &format!("{}/files", server.base),
    )
    .replace("https://pypi.registry.example", &server.base)
}

fn simple_page(server: &TestServer, name: &str) -> serde_json::Value {
    let text = String::from_utf8(registry_file(&format!("pypi/simple/{name}.json"))).unwrap();
    serde_json::from_str(&localise(&text, server)).unwrap()
}

/// The request path of a file the project page lists.
fn file_path(server: &TestServer, page: &serde_json::Value, filename: &str) -> String {
    let url = page["files"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["filename"] == filename)
        .unwrap_or_else(|| panic!("{filename} is not on the page"))["url"]
        .as_str()
        .unwrap()
        .to_string();
    url.strip_prefix(&server.base).unwrap().to_string()
}

const METADATA_FILES: &[(&str, &str)] = &[
    ("six", "six-1.16.0-py2.py3-none-any.whl"),
    ("requests", "requests-2.32.3-py3-none-any.whl"),
    ("urllib3", "urllib3-2.8.0-py3-none-any.whl"),
];

/// Serves the project pages and the metadata files; returns each package's metadata path.
fn serve_pypi(server: &TestServer) -> Vec<(String, String)> {
    let mut paths = Vec::new();
    for (name, wheel) in METADATA_FILES {
        let page = simple_page(server, name);
        server.route(
            &format!("/simple/{name}/"),
            vec![Reply::ok(page.to_string())],
        );
        let metadata = format!("{}.metadata", file_path(server, &page, wheel));
        let body = registry_file(&format!("pypi/files/{wheel}.metadata"));
        server.route(&metadata, vec![Reply::ok(body)]);
        paths.push((name.to_string(), metadata));
    }
    paths
}

fn metadata_path(paths: &[(String, String)], name: &str) -> String {
    paths.iter().find(|(n, _)| n == name).unwrap().1.clone()
}

/// The uv project, its uv.lock pointing at `server`; the configured index is one nothing
/// listens on, so an answer proves the lockfile's index was asked.
fn uv_project(server: &TestServer) -> (tempfile::TempDir, PathBuf) {
    let (tmp, dir) = project(
        "python-uv-project",
        "pypi = \"http://127.0.0.1:9/not-this-index/\"\n",
    );
    let lock = dir.join("uv.lock");
    let text = std::fs::read_to_string(&lock).unwrap();
    std::fs::write(&lock, localise(&text, server)).unwrap();
    (tmp, dir)
}

#[test]
fn python_licences_are_read_from_the_metadata_files_of_the_lockfiles_index() {
    let server = TestServer::start();
    let paths = serve_pypi(&server);
    let (_tmp, dir) = uv_project(&server);
    let cache = tempfile::tempdir().unwrap();
    let run = audit(&dir, cache.path(), &[]);
    assert_eq!(run.code, 0, "{}", run.json["findings"]);

    // six: `License` and its classifier, each with the metadata file's URL.
    let six_metadata = format!("{}{}", server.base, metadata_path(&paths, "six"));
    assert!(six_metadata.ends_with("/six-1.16.0-py2.py3-none-any.whl.metadata"));
    assert_eq!(
        declared(&run.json, "six"),
        vec![
            ("MIT".into(), six_metadata.clone(), "License".into()),
            (
                "License :: OSI Approved :: MIT License".into(),
                six_metadata,
                "Classifier".into()
            ),
        ]
    );
    assert_eq!(expression(&run.json, "six"), "MIT");
    assert_eq!(concluded(&run.json, "six")["from"], "declared");
    // urllib3: PEP 639's License-Expression.
    let urllib3 = declared(&run.json, "urllib3");
    assert_eq!(urllib3[0].0, "MIT");
    assert_eq!(urllib3[0].2, "License-Expression");
    assert!(
        urllib3[0]
            .1
            .ends_with("/urllib3-2.8.0-py3-none-any.whl.metadata")
    );
    assert_eq!(expression(&run.json, "urllib3"), "MIT");

    // One project page and one metadata file per package; no wheel.
    assert_eq!(server.count("/simple/six/"), 1);
    assert_eq!(server.count(&metadata_path(&paths, "six")), 1);
    assert_eq!(server.count(&metadata_path(&paths, "urllib3")), 1);
    assert_eq!(server.total(), 4);
    assert!(findings(&run.json, "R001").is_empty());
    let resolved = messages(&run.json, "R004");
    assert!(
        resolved.contains(&format!("2 packages were read from {}/simple", server.base)),
        "{resolved}"
    );
}

#[test]
fn python_look_ups_are_cached_and_work_offline_afterwards() {
    let server = TestServer::start();
    serve_pypi(&server);
    let (_tmp, dir) = uv_project(&server);
    let cache = tempfile::tempdir().unwrap();
    let first = audit(&dir, cache.path(), &[]);
    let after_first = server.total();
    assert_eq!(after_first, 4);
    let second = audit(&dir, cache.path(), &[]);
    assert_eq!(server.total(), after_first, "the warm run made requests");
    let offline = audit(&dir, cache.path(), &["--offline"]);
    assert_eq!(server.total(), after_first, "the offline run made requests");
    for run in [&first, &second, &offline] {
        assert_eq!(run.code, 0, "{}", run.json["findings"]);
        assert_eq!(expression(&run.json, "six"), "MIT");
        assert_eq!(expression(&run.json, "urllib3"), "MIT");
    }
    assert!(messages(&second.json, "R004").contains("(2 from the cache)"));
}

#[test]
fn requirements_files_use_the_configured_index() {
    let server = TestServer::start();
    let paths = serve_pypi(&server);
    let (_tmp, dir) = project(
        "python-requirements-project",
        &format!("pypi = \"{}/simple/\"\n", server.base),
    );
    let cache = tempfile::tempdir().unwrap();
    let run = audit(&dir, cache.path(), &[]);
    assert_eq!(run.code, 0, "{}", run.json["findings"]);
    let metadata = format!("{}{}", server.base, metadata_path(&paths, "requests"));
    assert_eq!(
        declared(&run.json, "requests"),
        vec![
            ("Apache-2.0".into(), metadata.clone(), "License".into()),
            (
                "License :: OSI Approved :: Apache Software License".into(),
                metadata,
                "Classifier".into()
            ),
        ]
    );
    assert_eq!(expression(&run.json, "requests"), "Apache-2.0");
    assert_eq!(server.count("/simple/requests/"), 1);
}

#[test]
fn without_a_metadata_file_the_wheel_itself_is_read() {
    let server = TestServer::start();
    let paths = serve_pypi(&server);
    let page = simple_page(&server, "six");
    let wheel = file_path(&server, &page, "six-1.16.0-py2.py3-none-any.whl");
    let metadata = metadata_path(&paths, "six");
    server.route(&metadata, vec![Reply::status(404)]);
    server.route(
        &wheel,
        vec![Reply::ok(registry_file(
            "pypi/files/six-1.16.0-py2.py3-none-any.whl",
        ))],
    );
    let (_tmp, dir) = uv_project(&server);
    let cache = tempfile::tempdir().unwrap();
    let run = audit(&dir, cache.path(), &[]);
    assert_eq!(run.code, 0, "{}", run.json["findings"]);
    assert_eq!(server.count(&metadata), 1);
    assert_eq!(server.count(&wheel), 1);
    let origin = format!("{}{wheel}!/six-1.16.0.dist-info/METADATA", server.base);
    assert_eq!(
        declared(&run.json, "six")[0],
        ("MIT".to_string(), origin, "License".to_string())
    );
    assert_eq!(expression(&run.json, "six"), "MIT");
}

#[test]
fn a_wheel_that_does_not_match_the_index_hash_is_refused() {
    let server = TestServer::start();
    let paths = serve_pypi(&server);
    let page = simple_page(&server, "six");
    let wheel = file_path(&server, &page, "six-1.16.0-py2.py3-none-any.whl");
    server.route(&metadata_path(&paths, "six"), vec![Reply::status(404)]);
    let mut tampered = registry_file("pypi/files/six-1.16.0-py2.py3-none-any.whl");
    tampered.extend_from_slice(b"appended");
    server.route(&wheel, vec![Reply::ok(tampered)]);
    let (_tmp, dir) = uv_project(&server);
    let cache = tempfile::tempdir().unwrap();
    let run = audit(&dir, cache.path(), &[]);
    let failed = messages(&run.json, "R001");
    assert!(failed.contains("of six 1.16.0"), "{failed}");
    assert!(failed.contains("SHA-256"), "{failed}");
    assert!(
        package(&run.json, "six")["licence"]["declared"]
            .as_array()
            .unwrap()
            .is_empty()
    );
    assert_eq!(run.code, 1);
}

#[test]
fn python_failures_say_why_per_package() {
    let server = TestServer::start();
    let paths = serve_pypi(&server);
    // six 1.16.0 with only its sdist; urllib3's wheel larger than fundament downloads, and its
    // metadata file missing.
    let mut six = simple_page(&server, "six");
    six["files"]
        .as_array_mut()
        .unwrap()
        .retain(|f| f["filename"] != "six-1.16.0-py2.py3-none-any.whl");
    server.route("/simple/six/", vec![Reply::ok(six.to_string())]);
    let mut urllib3 = simple_page(&server, "urllib3");
    let big = urllib3["files"]
        .as_array_mut()
        .unwrap()
        .iter_mut()
        .find(|f| f["filename"] == "urllib3-2.8.0-py3-none-any.whl")
        .unwrap();
    big["size"] = serde_json::json!(300_000_000u64);
    let wheel = big["url"]
        .as_str()
        .unwrap()
        .strip_prefix(&server.base)
        .unwrap()
        .to_string();
    server.route("/simple/urllib3/", vec![Reply::ok(urllib3.to_string())]);
    server.route(&metadata_path(&paths, "urllib3"), vec![Reply::status(404)]);
    let (_tmp, dir) = uv_project(&server);
    let cache = tempfile::tempdir().unwrap();
    let run = audit(&dir, cache.path(), &[]);
    let failed = messages(&run.json, "R001");
    // six's sdist is read instead of a wheel; the index's link to it leads to a 404.
    let archive = messages(&run.json, "R009");
    assert!(
        archive.contains("the archive of six 1.16.0 could not be used")
            && archive.contains("six-1.16.0.tar.gz: not found (404)"),
        "{archive}"
    );
    assert!(failed.contains("more than the 20 MB"), "{failed}");
    assert_eq!(server.count(&wheel), 0, "the large wheel was downloaded");
    assert_eq!(findings(&run.json, "L009").len(), 2);
    assert_eq!(run.code, 1);
}

#[test]
fn an_index_without_the_json_api_is_read_as_html() {
    let server = TestServer::start();
    let paths = serve_pypi(&server);
    // A PEP 503 page, as older mirrors serve it, with relative links.
    let page = simple_page(&server, "urllib3");
    let mut html = String::from("<!DOCTYPE html>\n<html><body><h1>Links for urllib3</h1>\n");
    for file in page["files"].as_array().unwrap() {
        let url = file["url"].as_str().unwrap();
        let relative = format!("../..{}", url.strip_prefix(&server.base).unwrap());
        html.push_str(&format!(
            "<a href=\"{relative}#sha256={}\" data-requires-python=\"&gt;=3.10\">{}</a><br/>\n",
            file["hashes"]["sha256"].as_str().unwrap(),
            file["filename"].as_str().unwrap()
        ));
    }
    html.push_str("</body></html>\n");
    server.route(
        "/simple/urllib3/",
        vec![Reply::ok(html).header("Content-Type", "text/html")],
    );
    let (_tmp, dir) = uv_project(&server);
    let cache = tempfile::tempdir().unwrap();
    let run = audit(&dir, cache.path(), &[]);
    assert_eq!(expression(&run.json, "urllib3"), "MIT");
    assert_eq!(server.count(&metadata_path(&paths, "urllib3")), 1);
}

// ---------------------------------------------------------------------------------------------
// Maven

/// Every POM under tests/fixtures/registry/maven, by its path in the repository layout.
fn poms() -> Vec<(String, Vec<u8>)> {
    fn walk(dir: &Path, root: &Path, out: &mut Vec<(String, Vec<u8>)>) {
        for entry in std::fs::read_dir(dir).unwrap().flatten() {
            let path = entry.path();
            if path.is_dir() {
                walk(&path, root, out);
            } else if path.extension().is_some_and(|e| e == "pom") {
                let relative = path
                    .strip_prefix(root)
                    .unwrap()
                    .to_string_lossy()
                    .to_string();
                out.push((relative, std::fs::read(&path).unwrap()));
            }
        }
    }
    let root = fixture("registry/maven");
    let mut out = Vec::new();
    walk(&root, &root, &mut out);
    out.sort();
    out
}

fn serve_maven(server: &TestServer, under: &str) -> Vec<String> {
    let mut paths = Vec::new();
    for (relative, body) in poms() {
        let path = format!("{under}/{relative}");
        server.route(&path, vec![Reply::ok(body)]);
        paths.push(path);
    }
    paths
}

// The licence client: packages a lockfile fixes (gradle.lockfile) are looked up in the
// repositories; Maven builds read the same POMs while resolving (tests/maven_resolve.rs).

#[test]
fn maven_licences_are_inherited_along_the_parent_chain() {
    let server = TestServer::start();
    let paths = serve_maven(&server, "/maven2");
    assert_eq!(paths.len(), 6);
    let (_tmp, dir) = project(
        "gradle-locked",
        &format!("maven = [\"{}/maven2/\"]\n", server.base),
    );
    let cache = tempfile::tempdir().unwrap();
    let run = audit(&dir, cache.path(), &[]);
    assert_eq!(run.code, 0, "{}", run.json["findings"]);

    // slf4j-api → slf4j-parent → slf4j-bom, which declares the licence.
    assert_eq!(
        declared(&run.json, "org.slf4j:slf4j-api"),
        vec![(
            "MIT License".into(),
            format!(
                "{}/maven2/org/slf4j/slf4j-bom/2.0.9/slf4j-bom-2.0.9.pom",
                server.base
            ),
            "licenses (inherited from org.slf4j:slf4j-bom:2.0.9)".into()
        )]
    );
    assert_eq!(expression(&run.json, "org.slf4j:slf4j-api"), "MIT");
    // commons-io → commons-parent → org.apache:apache.
    assert_eq!(
        declared(&run.json, "commons-io:commons-io"),
        vec![(
            "Apache-2.0".into(),
            format!("{}/maven2/org/apache/apache/33/apache-33.pom", server.base),
            "licenses (inherited from org.apache:apache:33)".into()
        )]
    );
    assert_eq!(expression(&run.json, "commons-io:commons-io"), "Apache-2.0");
    // Each POM of both chains was asked for once, the parents included.
    for path in &paths {
        assert_eq!(server.count(path), 1, "{path}");
    }
    assert_eq!(
        server.count("/maven2/org/slf4j/slf4j-parent/2.0.9/slf4j-parent-2.0.9.pom"),
        1
    );
    assert_eq!(server.total(), 6);

    // Warm and offline runs ask nothing and conclude the same.
    assert_warm_and_offline_agree(
        &dir,
        cache.path(),
        &server,
        6,
        &[
            ("org.slf4j:slf4j-api", "MIT"),
            ("commons-io:commons-io", "Apache-2.0"),
        ],
    );
}

#[test]
fn maven_repositories_are_tried_in_order() {
    let server = TestServer::start();
    serve_maven(&server, "/maven2");
    // The first repository has only commons-io, with licences of its own; everything else it
    // answers with 404.
    let own = r#"<?xml version="1.0" encoding="UTF-8"?>
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <parent>
    <groupId>org.apache.commons</groupId>
    <artifactId>commons-parent</artifactId>
    <version>74</version>
  </parent>
  <groupId>commons-io</groupId>
  <artifactId>commons-io</artifactId>
  <version>2.17.0</version>
  <licenses>
    <license>
      <name>Apache License, Version 2.0</name>
      <url>https://www.apache.org/licenses/LICENSE-2.0.txt</url>
    </license>
  </licenses>
</project>
"#;
    let own_path = "/mirror/commons-io/commons-io/2.17.0/commons-io-2.17.0.pom";
    server.route(own_path, vec![Reply::ok(own)]);
    let (_tmp, dir) = project(
        "gradle-locked",
        &format!(
            "maven = [\"{base}/mirror/\", \"{base}/maven2/\"]\n",
            base = server.base
        ),
    );
    let cache = tempfile::tempdir().unwrap();
    let run = audit(&dir, cache.path(), &[]);
    assert_eq!(run.code, 0, "{}", run.json["findings"]);
    assert_eq!(
        declared(&run.json, "commons-io:commons-io"),
        vec![(
            "Apache License, Version 2.0".into(),
            format!("{}{own_path}", server.base),
            "licenses".into()
        )]
    );
    // Its own licences end the look-up: no parent was asked for.
    assert_eq!(
        server.count("/maven2/org/apache/commons/commons-parent/74/commons-parent-74.pom"),
        0
    );
    assert_eq!(
        server.count("/mirror/org/apache/commons/commons-parent/74/commons-parent-74.pom"),
        0
    );
    // slf4j: the mirror first (404), then the second repository, for each POM of the chain.
    for pom in [
        "org/slf4j/slf4j-api/2.0.9/slf4j-api-2.0.9.pom",
        "org/slf4j/slf4j-parent/2.0.9/slf4j-parent-2.0.9.pom",
        "org/slf4j/slf4j-bom/2.0.9/slf4j-bom-2.0.9.pom",
    ] {
        assert_eq!(server.count(&format!("/mirror/{pom}")), 1, "{pom}");
        assert_eq!(server.count(&format!("/maven2/{pom}")), 1, "{pom}");
    }
    assert_eq!(expression(&run.json, "org.slf4j:slf4j-api"), "MIT");
}

/// Licence names of real POMs that are not SPDX ids end as the one licence they name; a name
/// that would have to guess a version gives way to its licence URL; a vague name stays an
/// assumption.
#[test]
fn maven_licence_names_and_urls_end_as_spdx_ids() {
    let server = TestServer::start();
    let pom = |group: &str, artifact: &str, version: &str, licences: &str| {
        format!(
            "<project><modelVersion>4.0.0</modelVersion><groupId>{group}</groupId>\
             <artifactId>{artifact}</artifactId><version>{version}</version>\
             <licenses>{licences}</licenses></project>"
        )
    };
    // As istack-commons declares it.
    let edl = pom(
        "commons-io",
        "commons-io",
        "2.17.0",
        "<license><name>Eclipse Distribution License - v 1.0</name>\
         <url>http://www.eclipse.org/org/documents/edl-v10.php</url></license>",
    );
    // As logback declares it: an unversioned LGPL name, the URL of LGPL 2.1.
    let lgpl = pom(
        "org.slf4j",
        "slf4j-api",
        "2.0.9",
        "<license><name>Bouncy Castle Licence</name></license>\
         <license><name>GNU Lesser General Public License</name>\
         <url>https://www.gnu.org/licenses/old-licenses/lgpl-2.1.html</url></license>",
    );
    server.route(
        "/maven2/commons-io/commons-io/2.17.0/commons-io-2.17.0.pom",
        vec![Reply::ok(edl)],
    );
    server.route(
        "/maven2/org/slf4j/slf4j-api/2.0.9/slf4j-api-2.0.9.pom",
        vec![Reply::ok(lgpl)],
    );
    let (_tmp, dir) = project(
        "gradle-locked",
        &format!("maven = [\"{}/maven2/\"]\n", server.base),
    );
    let cache = tempfile::tempdir().unwrap();
    let run = audit(&dir, cache.path(), &[]);

    let io = concluded(&run.json, "commons-io:commons-io");
    assert_eq!(io["expression"], "BSD-3-Clause", "{io}");
    assert_eq!(
        declared(&run.json, "commons-io:commons-io")[0].0,
        "Eclipse Distribution License - v 1.0"
    );
    let slf4j = concluded(&run.json, "org.slf4j:slf4j-api");
    assert_eq!(slf4j["expression"], "MIT AND LGPL-2.1-only", "{slf4j}");
    assert_eq!(
        declared(&run.json, "org.slf4j:slf4j-api")[0].0,
        "Bouncy Castle Licence AND https://www.gnu.org/licenses/old-licenses/lgpl-2.1.html"
    );
    // Neither reading guessed: no L006 (assumed licence) for them.
    assert!(
        !messages(&run.json, "L006").contains("commons-io")
            && !messages(&run.json, "L006").contains("slf4j"),
        "{}",
        messages(&run.json, "L006")
    );

    // commons-io alone, its POM declaring `licences`, from a repository of its own.
    let audit_commons_io = |licences: &str| {
        let server = TestServer::start();
        server.route(
            "/maven2/commons-io/commons-io/2.17.0/commons-io-2.17.0.pom",
            vec![Reply::ok(pom(
                "commons-io",
                "commons-io",
                "2.17.0",
                licences,
            ))],
        );
        let (_tmp, dir) = project(
            "gradle-locked",
            &format!("maven = [\"{}/maven2/\"]\n", server.base),
        );
        let cache = tempfile::tempdir().unwrap();
        audit(&dir, cache.path(), &[])
    };

    // "GPL" without a licence URL: read as an assumption, which the audit reports.
    let run = audit_commons_io(
        "<license><name>GPL</name><url>https://project.example/licence</url></license>",
    );
    assert_eq!(
        expression(&run.json, "commons-io:commons-io"),
        "GPL-1.0-or-later"
    );
    assert!(
        messages(&run.json, "L006").contains("commons-io"),
        "{}",
        run.json["findings"]
    );

    // As Oracle's JDBC driver declares it: a licence without an SPDX id, read as the ScanCode
    // licence whose text it is, so that the policy judges it (proprietary) and it is not unknown.
    let run = audit_commons_io(
        "<license><name>Oracle Free Use Terms and Conditions (FUTC)</name>\
         <url>https://www.oracle.com/downloads/licenses/oracle-free-license.html</url></license>",
    );
    assert_eq!(
        expression(&run.json, "commons-io:commons-io"),
        "LicenseRef-scancode-oracle-free-2018"
    );
    assert!(
        !messages(&run.json, "L006").contains("commons-io"),
        "{}",
        run.json["findings"]
    );
}

/// A coordinate that the reachable repository does not have (404) and whose other declared
/// repository cannot be reached: the explanation names both, not only the host that failed.
#[test]
fn a_pom_missing_from_the_reachable_repository_and_behind_an_unreachable_one_names_both() {
    let server = TestServer::start();
    let unreachable = unreachable_base();
    let (_tmp, dir) = project(
        "gradle-locked",
        &format!(
            "maven = [\"{}/maven2/\", \"{unreachable}/packages/\"]\n",
            server.base
        ),
    );
    let cache = tempfile::tempdir().unwrap();
    let run = audit(&dir, cache.path(), &[]);
    let io = concluded(&run.json, "commons-io:commons-io");
    assert_eq!(io["expression"], "NOASSERTION", "{io}");
    let why = io["explanation"].as_str().unwrap();
    let host = unreachable.trim_start_matches("http://");
    assert!(
        why.contains(host) && why.contains("cannot be reached"),
        "{why}"
    );
    assert!(
        why.contains(&format!(
            "404 from {}/maven2/commons-io/commons-io/2.17.0/commons-io-2.17.0.pom",
            server.base
        )),
        "{why}"
    );
    assert!(
        server.count("/maven2/commons-io/commons-io/2.17.0/commons-io-2.17.0.pom") >= 1,
        "the reachable repository was asked"
    );
}

/// The same for a Maven build resolved from its POMs: the dependency's POM is missing from the
/// repository that answers and the other cannot be reached; the package's explanation names
/// the 404 as well as the host.
#[test]
fn a_maven_build_names_the_404_beside_the_unreachable_repository() {
    let server = TestServer::start();
    let unreachable = unreachable_base();
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("app");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("pom.xml"),
        "<project><modelVersion>4.0.0</modelVersion><groupId>de.example</groupId>\
         <artifactId>app</artifactId><version>1</version><dependencies><dependency>\
         <groupId>org.example</groupId><artifactId>missing</artifactId><version>1.0</version>\
         </dependency></dependencies></project>",
    )
    .unwrap();
    std::fs::write(
        dir.join("fundament.toml"),
        format!(
            "[registries]\nmaven = [\"{}/maven2/\", \"{unreachable}/packages/\"]\n",
            server.base
        ),
    )
    .unwrap();
    let cache = tempfile::tempdir().unwrap();
    let run = audit(&dir, cache.path(), &[]);
    let missing = concluded(&run.json, "org.example:missing");
    assert_eq!(missing["expression"], "NOASSERTION", "{missing}");
    let why = missing["explanation"].as_str().unwrap();
    assert!(
        why.contains(&format!(
            "{} cannot be reached, and the repositories that answer do not have it (404 from \
             {}/maven2/org/example/missing/1.0/missing-1.0.pom",
            unreachable.trim_start_matches("http://"),
            server.base
        )),
        "{why}"
    );
}

#[test]
fn a_parent_chain_that_loops_is_a_failure_not_a_hang() {
    let server = TestServer::start();
    serve_maven(&server, "/maven2");
    let pom = |group: &str, artifact: &str, version: &str, parent: (&str, &str, &str)| {
        format!(
            "<project><modelVersion>4.0.0</modelVersion><parent><groupId>{}</groupId>\
             <artifactId>{}</artifactId><version>{}</version></parent><groupId>{group}</groupId>\
             <artifactId>{artifact}</artifactId><version>{version}</version></project>",
            parent.0, parent.1, parent.2
        )
    };
    server.route(
        "/maven2/org/slf4j/slf4j-api/2.0.9/slf4j-api-2.0.9.pom",
        vec![Reply::ok(pom(
            "org.slf4j",
            "slf4j-api",
            "2.0.9",
            ("org.example", "looping-parent", "1"),
        ))],
    );
    server.route(
        "/maven2/org/example/looping-parent/1/looping-parent-1.pom",
        vec![Reply::ok(pom(
            "org.example",
            "looping-parent",
            "1",
            ("org.slf4j", "slf4j-api", "2.0.9"),
        ))],
    );
    let (_tmp, dir) = project(
        "gradle-locked",
        &format!("maven = [\"{}/maven2/\"]\n", server.base),
    );
    let cache = tempfile::tempdir().unwrap();
    let run = audit(&dir, cache.path(), &[]);
    let failed = messages(&run.json, "R001");
    assert!(
        failed.contains(
            "the POMs of org.slf4j:slf4j-api:2.0.9 loop: org.slf4j:slf4j-api:2.0.9 → \
             org.example:looping-parent:1 → org.slf4j:slf4j-api:2.0.9"
        ),
        "{failed}"
    );
    assert_eq!(
        server.count("/maven2/org/slf4j/slf4j-api/2.0.9/slf4j-api-2.0.9.pom"),
        1
    );
    // The other dependency is not affected.
    assert_eq!(expression(&run.json, "commons-io:commons-io"), "Apache-2.0");
    assert_eq!(run.code, 1);
}

// ---------------------------------------------------------------------------------------------
// Go

/// A module zip as the proxy serves it: every file of the module tree under
/// tests/fixtures/registry/go/<module>@<version>/, named `<module>@<version>/<path>`, plus
/// `extra` entries.
fn module_zip(module_at_version: &str, extra: &[(&str, &[u8])]) -> (Vec<u8>, String) {
    let root = fixture("registry/go").join(module_at_version);
    let mut entries: Vec<(String, Vec<u8>)> = Vec::new();
    fn walk(dir: &Path, root: &Path, prefix: &str, out: &mut Vec<(String, Vec<u8>)>) {
        for entry in std::fs::read_dir(dir).unwrap().flatten() {
            let path = entry.path();
            if path.is_dir() {
                walk(&path, root, prefix, out);
            } else {
                let relative = path
                    .strip_prefix(root)
                    .unwrap()
                    .to_string_lossy()
                    .to_string();
                out.push((
                    format!("{prefix}/{relative}"),
                    std::fs::read(&path).unwrap(),
                ));
            }
        }
    }
    walk(&root, &root, module_at_version, &mut entries);
    for (name, bytes) in extra {
        entries.push((name.to_string(), bytes.to_vec()));
    }
    entries.sort();
    (support::zip_of(&entries), h1(&entries))
}

/// Go's `h1:` hash of a module's files (golang.org/x/mod/sumdb/dirhash Hash1), computed here
/// independently of fundament's.
fn h1(entries: &[(String, Vec<u8>)]) -> String {
    use base64::Engine as _;
    use sha2::Digest as _;
    let mut lines: Vec<String> = entries
        .iter()
        .map(|(name, bytes)| format!("{}  {name}\n", hex::encode(sha2::Sha256::digest(bytes))))
        .collect();
    lines.sort_by(|a, b| a[66..].cmp(&b[66..]));
    let summary = sha2::Sha256::digest(lines.concat().as_bytes());
    format!(
        "h1:{}",
        base64::engine::general_purpose::STANDARD.encode(summary)
    )
}

const UUID: &str = "github.com/google/uuid@v1.6.0";
const TOML: &str = "github.com/BurntSushi/toml@v1.3.2";
const UUID_ZIP: &str = "/go/github.com/google/uuid/@v/v1.6.0.zip";
const TOML_ZIP: &str = "/go/github.com/!burnt!sushi/toml/@v/v1.3.2.zip";

/// Serves the zips of both modules; returns their `h1:` hashes (uuid's, toml's).
fn serve_go_modules(server: &TestServer) -> (String, String) {
    let (uuid_zip, uuid_h1) = module_zip(UUID, &[]);
    let (toml_zip, toml_h1) = module_zip(TOML, &[]);
    server.route(UUID_ZIP, vec![Reply::ok(uuid_zip)]);
    server.route(TOML_ZIP, vec![Reply::ok(toml_zip)]);
    (uuid_h1, toml_h1)
}

/// The Go project, with a go.sum recording the given `h1:` hashes.
fn go_project(server: &TestServer, uuid_h1: &str, toml_h1: &str) -> (tempfile::TempDir, PathBuf) {
    let (tmp, dir) = project("go-project", &format!("go = \"{}/go\"\n", server.base));
    std::fs::write(
        dir.join("go.sum"),
        format!(
            "github.com/BurntSushi/toml v1.3.2 {toml_h1}\ngithub.com/google/uuid v1.6.0 {uuid_h1}\n"
        ),
    )
    .unwrap();
    (tmp, dir)
}

/// Every file below `dir`, relative to it.
fn files_below(dir: &Path) -> Vec<String> {
    fn walk(dir: &Path, root: &Path, out: &mut Vec<String>) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                walk(&path, root, out);
            } else {
                out.push(
                    path.strip_prefix(root)
                        .unwrap()
                        .to_string_lossy()
                        .to_string(),
                );
            }
        }
    }
    let mut out = Vec::new();
    walk(dir, dir, &mut out);
    out.sort();
    out
}

#[test]
fn go_licence_files_are_extracted_from_the_module_zip_and_identified() {
    let server = TestServer::start();
    let (uuid_h1, toml_h1) = serve_go_modules(&server);
    let (_tmp, dir) = go_project(&server, &uuid_h1, &toml_h1);
    let cache = tempfile::tempdir().unwrap();
    let run = audit(&dir, cache.path(), &[]);
    assert_eq!(run.code, 0, "{}", run.json["findings"]);
    assert!(findings(&run.json, "R001").is_empty());

    for (name, expected) in [
        ("github.com/google/uuid", "BSD-3-Clause"),
        ("github.com/BurntSushi/toml", "MIT"),
    ] {
        let c = concluded(&run.json, name);
        assert_eq!(c["expression"], expected, "{name}: {c}");
        assert_eq!(c["from"], "detected", "{name}");
    }
    // Only the licence files at the module root were extracted, under the escaped path.
    let extracted = cache.path().join("go-licences");
    assert_eq!(
        files_below(&extracted),
        vec![
            "github.com/!burnt!sushi/toml@v1.3.2/COPYING".to_string(),
            "github.com/google/uuid@v1.6.0/LICENSE".to_string(),
        ]
    );
    // The zips and nothing else (.info, .mod) were fetched.
    assert_eq!(server.count(UUID_ZIP), 1);
    assert_eq!(server.count(TOML_ZIP), 1);
    assert_eq!(server.total(), 2);

    // Warm and offline runs ask nothing and identify the same.
    assert_warm_and_offline_agree(
        &dir,
        cache.path(),
        &server,
        2,
        &[
            ("github.com/google/uuid", "BSD-3-Clause"),
            ("github.com/BurntSushi/toml", "MIT"),
        ],
    );
}

#[test]
fn module_zips_with_escaping_entries_or_links_are_refused() {
    let server = TestServer::start();
    // A "zip slip": an entry that would land outside the extraction directory.
    let (uuid_zip, uuid_h1) = module_zip(
        UUID,
        &[(
            "github.com/google/uuid@v1.6.0/../../../../../../evil-zip-slip.txt",
            b"written outside",
        )],
    );
    server.route(UUID_ZIP, vec![Reply::ok(uuid_zip)]);
    // A symbolic link in place of the licence file.
    let mut buffer = std::io::Cursor::new(Vec::new());
    {
        let mut zip = zip::ZipWriter::new(&mut buffer);
        zip.add_symlink(
            "github.com/BurntSushi/toml@v1.3.2/COPYING",
            "/etc/passwd",
            zip::write::SimpleFileOptions::default(),
        )
        .unwrap();
        zip.finish().unwrap();
    }
    server.route(TOML_ZIP, vec![Reply::ok(buffer.into_inner())]);
    let (tmp, dir) = go_project(&server, &uuid_h1, "h1:notchecked");
    let cache = tmp.path().join("cache");
    let run = audit(&dir, &cache, &[]);
    let failed = messages(&run.json, "R001");
    assert!(
        failed.contains("which lies outside the module's directory"),
        "{failed}"
    );
    assert!(failed.contains("evil-zip-slip.txt"), "{failed}");
    assert!(failed.contains("symbolic link"), "{failed}");
    assert!(failed.contains("nothing was extracted"), "{failed}");
    // Nothing was written, inside the cache or anywhere around it.
    let written: Vec<String> = files_below(tmp.path())
        .into_iter()
        .filter(|f| f.contains("evil") || f.contains("go-licences"))
        .collect();
    assert!(written.is_empty(), "{written:?}");
    assert!(!Path::new("/evil-zip-slip.txt").exists());
    assert_eq!(findings(&run.json, "L009").len(), 2);
    assert_eq!(run.code, 1);
}

#[test]
fn module_zips_over_the_size_limit_are_refused_before_download() {
    let server = TestServer::start();
    let (uuid_zip, uuid_h1) = module_zip(UUID, &[]);
    server.route(UUID_ZIP, vec![Reply::ok(uuid_zip)]);
    // Announces 50 MB and one byte, sends 1 KB and closes.
    let limit = 50 * 1024 * 1024;
    server.route(
        TOML_ZIP,
        vec![Reply::ok(vec![0u8; 1024]).truncated(limit + 1 - 1024)],
    );
    let (_tmp, dir) = go_project(&server, &uuid_h1, "h1:notchecked");
    let cache = tempfile::tempdir().unwrap();
    let run = audit(&dir, cache.path(), &[]);
    let failed = messages(&run.json, "R001");
    assert!(
        failed.contains("of github.com/BurntSushi/toml v1.3.2")
            && failed.contains("the module zip is larger than 50 MB"),
        "{failed}"
    );
    assert_eq!(server.count(TOML_ZIP), 1, "a refused zip is not retried");
    // The other module is not affected.
    assert_eq!(
        expression(&run.json, "github.com/google/uuid"),
        "BSD-3-Clause"
    );
    assert_eq!(run.code, 1);
}

#[test]
fn module_zips_that_do_not_match_go_sum_are_refused() {
    let server = TestServer::start();
    let (uuid_zip, _) = module_zip(UUID, &[]);
    let (toml_zip, toml_h1) = module_zip(TOML, &[]);
    server.route(UUID_ZIP, vec![Reply::ok(uuid_zip)]);
    server.route(TOML_ZIP, vec![Reply::ok(toml_zip)]);
    // go.sum records the hash of other files than the zip holds.
    let (_, other_h1) = module_zip(
        UUID,
        &[("github.com/google/uuid@v1.6.0/extra.go", b"package uuid\n")],
    );
    let (_tmp, dir) = go_project(&server, &other_h1, &toml_h1);
    let cache = tempfile::tempdir().unwrap();
    let run = audit(&dir, cache.path(), &[]);
    let failed = messages(&run.json, "R001");
    assert!(
        failed.contains("of github.com/google/uuid v1.6.0")
            && failed.contains("does not match go.sum"),
        "{failed}"
    );
    assert!(!cache.path().join("go-licences/github.com/google").exists());
    assert_eq!(expression(&run.json, "github.com/BurntSushi/toml"), "MIT");
    assert_eq!(run.code, 1);
}

#[test]
fn without_a_cache_licence_files_go_to_a_directory_of_the_process() {
    let server = TestServer::start();
    let (uuid_h1, toml_h1) = serve_go_modules(&server);
    let (_tmp, dir) = go_project(&server, &uuid_h1, &toml_h1);
    let cache = tempfile::tempdir().unwrap();
    let run = audit(&dir, cache.path(), &["--no-cache"]);
    assert_eq!(run.code, 0, "{}", run.json["findings"]);
    assert!(
        files_below(cache.path()).is_empty(),
        "the cache was written"
    );
    let uuid_dir = PathBuf::from(
        package(&run.json, "github.com/google/uuid")["dir"]
            .as_str()
            .unwrap(),
    );
    let toml_dir = PathBuf::from(
        package(&run.json, "github.com/BurntSushi/toml")["dir"]
            .as_str()
            .unwrap(),
    );
    // One directory for the process, `fundament-<pid>-<random>` in the temporary directory.
    let process_dir = uuid_dir
        .ancestors()
        .find(|a| a.parent() == Some(std::env::temp_dir().as_path()))
        .unwrap()
        .to_path_buf();
    assert!(
        process_dir
            .file_name()
            .unwrap()
            .to_string_lossy()
            .starts_with("fundament-")
    );
    assert!(toml_dir.starts_with(&process_dir));
    assert_eq!(
        files_below(&process_dir),
        vec![
            "go-licences/github.com/!burnt!sushi/toml@v1.3.2/COPYING".to_string(),
            "go-licences/github.com/google/uuid@v1.6.0/LICENSE".to_string(),
        ]
    );
    assert_eq!(
        expression(&run.json, "github.com/google/uuid"),
        "BSD-3-Clause"
    );
    std::fs::remove_dir_all(&process_dir).unwrap();
}

/// A gzip-compressed tar of `entries`.
fn sdist(entries: &[(&str, &[u8])]) -> Vec<u8> {
    let mut builder = tar::Builder::new(Vec::new());
    for (name, bytes) in entries {
        let mut header = tar::Header::new_gnu();
        header.set_size(bytes.len() as u64);
        header.set_mode(0o644);
        builder.append_data(&mut header, name, *bytes).unwrap();
    }
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(&builder.into_inner().unwrap()).unwrap();
    gz.finish().unwrap()
}

#[test]
fn a_version_with_only_an_sdist_has_its_pkg_info_and_licence_files_read() {
    use sha2::Digest as _;
    let server = TestServer::start();
    serve_pypi(&server);
    let body = sdist(&[
        (
            "six-1.16.0/PKG-INFO",
            b"Metadata-Version: 2.1\nName: six\nVersion: 1.16.0\nLicense: UNKNOWN\n",
        ),
        (
            "six-1.16.0/LICENSE",
            b"Copyright (c) 2010-2020 Benjamin Peterson\n\nPermission is hereby granted, free of charge, to any person obtaining a copy of\nthis software and associated documentation files (the \"Software\"), to deal in\nthe Software without restriction, including without limitation the rights to\nuse, copy, modify, merge, publish, distribute, sublicense, and/or sell copies of\nthe Software, and to permit persons to whom the Software is furnished to do so,\nsubject to the following conditions:\n\nThe above copyright notice and this permission notice shall be included in all\ncopies or substantial portions of the Software.\n\nTHE SOFTWARE IS PROVIDED \"AS IS\", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR\nIMPLIED, INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY, FITNESS\nFOR A PARTICULAR PURPOSE AND NONINFRINGEMENT. IN NO EVENT SHALL THE AUTHORS OR\nCOPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER LIABILITY, WHETHER\nIN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM, OUT OF OR IN\nCONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN THE SOFTWARE.\n",
        ),
    ]);
    let mut six = simple_page(&server, "six");
    let sdist_path = file_path(&server, &six, "six-1.16.0.tar.gz");
    for file in six["files"].as_array_mut().unwrap() {
        if file["filename"] == "six-1.16.0.tar.gz" {
            file["hashes"]["sha256"] = hex::encode(sha2::Sha256::digest(&body)).into();
        }
    }
    six["files"]
        .as_array_mut()
        .unwrap()
        .retain(|f| f["filename"] != "six-1.16.0-py2.py3-none-any.whl");
    server.route("/simple/six/", vec![Reply::ok(six.to_string())]);
    server.route(&sdist_path, vec![Reply::ok(body.clone())]);
    let (_tmp, dir) = uv_project(&server);
    let cache = tempfile::tempdir().unwrap();
    let run = audit(&dir, cache.path(), &[]);
    let licence = &package(&run.json, "six")["licence"];
    assert_eq!(
        licence["concluded"]["expression"], "MIT",
        "{}",
        run.json["findings"]
    );
    assert_eq!(
        licence["detected"][0]["archive"],
        format!("{}{sdist_path}!/six-1.16.0/LICENSE", server.base)
    );

    // The index's hash no longer matches what the server sends: refused, nothing used.
    let other = sdist(&[("six-1.16.0/LICENSE", b"Do what you want.")]);
    server.route(&sdist_path, vec![Reply::ok(other)]);
    let cache = tempfile::tempdir().unwrap();
    let run = audit(&dir, cache.path(), &[]);
    let refused = messages(&run.json, "R009");
    assert!(
        refused.contains("six 1.16.0") && refused.contains("does not match the integrity value"),
        "{refused}"
    );
    assert_eq!(expression(&run.json, "six"), "NOASSERTION");
}
