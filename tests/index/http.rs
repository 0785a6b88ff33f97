//! An index served over HTTP: the files asked for, server errors, ETags, the offline cache, verify.

use super::*;

/// A server holding an index: config.json and the given files (path → records).
fn serve_index(server: &TestServer, files: &[(&str, Vec<Record>)]) {
    server.route(
        "/index/config.json",
        vec![Reply::ok(
            r#"{"name":"remote","schema-version":1,"maintainers":[{"name":"A","organisation":"O","contact":"a@o.example"}]}"#,
        )],
    );
    for (path, records) in files {
        let body: String = records
            .iter()
            .map(|r| format!("{}\n", r.to_line()))
            .collect();
        server.route(&format!("/index/{path}"), vec![Reply::ok(body)]);
    }
}

fn http_settings(server: &TestServer, precedence: i32) -> IndexSettings {
    IndexSettings {
        name: "remote".to_string(),
        location: format!("{}/index", server.base),
        precedence,
        kind: None,
        branch: None,
        ..Default::default()
    }
}

fn http_options(cache: &Path, offline: bool) -> IndexOptions {
    IndexOptions {
        offline,
        cache_dir: Some(cache.to_path_buf()),
        http: HttpOptions {
            retries: 1,
            backoff: Duration::from_millis(10),
            timeout: Duration::from_secs(5),
            ..Default::default()
        },
        builtin: false,
        ..Default::default()
    }
}

#[test]
fn an_http_index_is_asked_only_for_the_files_needed() {
    let server = TestServer::start();
    serve_index(
        &server,
        &[
            (
                "cargo/se/rd/serde",
                vec![record(
                    "pkg:cargo/serde",
                    "1.0.210",
                    Decision::Approved,
                    "MIT OR Apache-2.0",
                )],
            ),
            (
                "npm/co/re/~40angular~2fcore",
                vec![record(
                    "pkg:npm/%40angular/core",
                    "17.0.0",
                    Decision::Rejected,
                    "MIT",
                )],
            ),
        ],
    );
    let cache = tempfile::tempdir().unwrap();
    let layered = Layered::open(
        &[http_settings(&server, 5)],
        &http_options(cache.path(), false),
    )
    .unwrap();
    assert!(layered.problems().is_empty(), "{:?}", layered.problems());
    let found = layered.lookup_many(&[
        ("pkg:cargo/serde@1.0.210", "1.0.210"),
        ("pkg:cargo/serde", "1.0.211"),
        ("pkg:npm/%40angular/core", "17.0.0"),
        ("pkg:cargo/left-pad", "1.0.0"),
    ]);
    let mut paths: Vec<String> = server.seen().iter().map(|s| s.path.clone()).collect();
    paths.sort();
    assert_eq!(
        paths,
        vec![
            "/index/cargo/le/ft/left-pad",
            "/index/cargo/se/rd/serde",
            "/index/config.json",
            "/index/npm/co/re/~40angular~2fcore",
        ]
    );
    let answer = found[0].answer.as_ref().unwrap();
    assert_eq!(answer.record.decision, Decision::Approved);
    assert_eq!(answer.index_name, "remote");
    assert_eq!(answer.file, "cargo/se/rd/serde");
    assert_eq!(answer.line, 1);
    assert!(found[1].answer.is_none(), "1.0.211 was never reviewed");
    assert_eq!(found[2].decision(), Some(Decision::Rejected));
    // 404: not vetted, and certain about it.
    assert!(found[3].answer.is_none());
    assert!(found[3].errors.is_empty());
    assert!(found.iter().all(|l| l.conclusive()));

    // Asked again, the same Layered reads nothing twice.
    let before = server.total();
    layered.lookup("pkg:cargo/serde", "1.0.210");
    assert_eq!(server.total(), before);
}

#[test]
fn server_errors_are_reported_never_read_as_approved_or_not_vetted() {
    let server = TestServer::start();
    serve_index(&server, &[]);
    server.route("/index/cargo/se/rd/serde", vec![Reply::status(500)]);
    server.route(
        "/index/cargo/3/s/syn",
        vec![Reply::status(503).header("Retry-After", "0")],
    );
    // A lower index approves both.
    let tmp = tempfile::tempdir().unwrap();
    let local = new_index(tmp.path(), false);
    for purl in ["pkg:cargo/serde@1.0.0", "pkg:cargo/syn@2.0.0"] {
        publish_ok(tmp.path(), &local, &approving(purl));
    }
    let cache = tempfile::tempdir().unwrap();
    let layered = Layered::open(
        &[http_settings(&server, 10), folder("local", &local, 1)],
        &http_options(cache.path(), false),
    )
    .unwrap();
    let found = layered.lookup_many(&[("pkg:cargo/serde", "1.0.0"), ("pkg:cargo/syn", "2.0.0")]);
    for lookup in &found {
        let answer = lookup.answer.as_ref().unwrap();
        assert_eq!(answer.index_name, "local");
        assert!(
            !lookup.conclusive(),
            "the index of higher precedence failed; the approval below it is not certain"
        );
        match &lookup.errors[..] {
            [
                LookupError::Index {
                    index_name,
                    precedence,
                    message,
                    ..
                },
            ] => {
                assert_eq!(index_name, "remote");
                assert_eq!(*precedence, 10);
                assert!(message.contains("the server answered 50"), "{message}");
            }
            other => panic!("{other:?}"),
        }
    }
    assert_eq!(server.count("/index/cargo/se/rd/serde"), 2, "one retry");

    // Alone, the failing index gives no answer and says it is not certain.
    let alone = Layered::open(
        &[http_settings(&server, 10)],
        &http_options(cache.path(), false),
    )
    .unwrap();
    let lookup = alone.lookup("pkg:cargo/serde", "1.0.0");
    assert!(lookup.answer.is_none());
    assert!(!lookup.conclusive());

    // An index whose config.json fails is a failed layer: every look-up reports it.
    let broken = TestServer::start();
    broken.route("/index/config.json", vec![Reply::status(500)]);
    let layered = Layered::open(
        &[http_settings(&broken, 10)],
        &http_options(cache.path(), false),
    )
    .unwrap();
    assert!(layered.problems()[0].failed);
    let lookup = layered.lookup("pkg:cargo/serde", "1.0.0");
    assert!(lookup.answer.is_none() && !lookup.conclusive());
    assert_eq!(broken.count("/index/cargo/se/rd/serde"), 0);
}

#[test]
fn http_answers_are_revalidated_with_their_etag_and_read_offline_from_the_cache() {
    let server = TestServer::start();
    serve_index(&server, &[]);
    let line = format!(
        "{}\n",
        record("pkg:cargo/serde", "1.0.0", Decision::Approved, "MIT").to_line()
    );
    server.route(
        "/index/cargo/se/rd/serde",
        vec![
            Reply::ok(line.clone()).header("ETag", "\"v1\""),
            Reply::status(304).header("ETag", "\"v1\""),
        ],
    );
    let cache = tempfile::tempdir().unwrap();
    let first = Layered::open(
        &[http_settings(&server, 1)],
        &http_options(cache.path(), false),
    )
    .unwrap();
    assert_eq!(
        first.lookup("pkg:cargo/serde", "1.0.0").decision(),
        Some(Decision::Approved)
    );
    let second = Layered::open(
        &[http_settings(&server, 1)],
        &http_options(cache.path(), false),
    )
    .unwrap();
    assert_eq!(
        second.lookup("pkg:cargo/serde", "1.0.0").decision(),
        Some(Decision::Approved),
        "a 304 answers from the cache"
    );
    let requests: Vec<_> = server
        .seen()
        .into_iter()
        .filter(|s| s.path == "/index/cargo/se/rd/serde")
        .collect();
    assert_eq!(requests.len(), 2);
    assert_eq!(requests[0].headers.get("if-none-match"), None);
    assert_eq!(
        requests[1].headers.get("if-none-match").map(String::as_str),
        Some("\"v1\"")
    );

    // Offline: the cache answers, nothing is asked, and what is not cached is an error.
    let before = server.total();
    let offline = Layered::open(
        &[http_settings(&server, 1)],
        &http_options(cache.path(), true),
    )
    .unwrap();
    let found = offline.lookup_many(&[("pkg:cargo/serde", "1.0.0"), ("pkg:cargo/syn", "2.0.0")]);
    assert_eq!(server.total(), before);
    assert_eq!(found[0].decision(), Some(Decision::Approved));
    assert!(found[1].answer.is_none());
    assert!(!found[1].conclusive());
    assert!(
        found[1].errors[0].to_string().contains("offline"),
        "{:?}",
        found[1].errors
    );
}

#[test]
fn an_http_index_is_verified_as_far_as_http_allows() {
    let server = TestServer::start();
    serve_index(
        &server,
        &[(
            "cargo/se/rd/serde",
            vec![record(
                "pkg:cargo/serde",
                "1.0.0",
                Decision::Approved,
                "MIT",
            )],
        )],
    );
    server.route(
        "/index/cargo/3/s/syn",
        vec![Reply::ok(b"{\"purl\": broken\n".to_vec())],
    );
    let tmp = tempfile::tempdir().unwrap();
    let base = format!("{}/index", server.base);
    let out = index_cmd(tmp.path(), &["verify", &base]);
    assert_eq!(code(&out), 0, "{}", text(&out));
    assert!(text(&out).contains("cannot be listed: only config.json was verified"));
    let out = index_cmd(
        tmp.path(),
        &[
            "verify",
            &base,
            "--purl",
            "pkg:cargo/serde",
            "--purl",
            "pkg:cargo/syn",
            "--purl",
            "pkg:cargo/rand",
        ],
    );
    assert_eq!(code(&out), 2, "{}", text(&out));
    let report = text(&out);
    assert!(
        report.contains("cargo/3/s/syn:1: not a valid record"),
        "{report}"
    );
    assert!(
        report.contains("no records of pkg:cargo/rand (404)"),
        "{report}"
    );
    assert!(report.contains("2 files, 1 record, 1 package"), "{report}");
}
