//! A folder index: init, publish (its checks, crashes and concurrency), verify.

use super::*;

#[test]
fn init_publish_show_and_verify_round_trip() {
    let tmp = tempfile::tempdir().unwrap();
    let index = new_index(tmp.path(), true);
    let config: serde_json::Value =
        serde_json::from_slice(&std::fs::read(index.join("config.json")).unwrap()).unwrap();
    assert_eq!(
        config,
        serde_json::json!({
            "name": "city",
            "schema-version": 2,
            "maintainers": [{"name": "Ann Example", "organisation": "City of Example", "contact": "ann@city.example"}]
        })
    );

    let licence_file = format!("LICENSE-MIT={SHA_A}");
    let mut args = approving("pkg:cargo/Serde@1.0.210");
    args.extend_from_slice(&[
        "--licence-file",
        &licence_file,
        "--artefact-sha256",
        SHA_B,
        "--review-by",
        "2027-03-01",
        "--notes",
        "licence texts read",
    ]);
    publish_ok(tmp.path(), &index, &args);
    publish_ok(
        tmp.path(),
        &index,
        &decided(
            &["--purl", "pkg:cargo/serde", "--versions", ">=1.0.211, <2"],
            "rejected",
            "MIT",
            "Bob Example",
            "Town of Example",
        ),
    );

    // One file, at the computed path, one canonical line per decision.
    let file = index.join("cargo/se/rd/serde");
    let written = lines(&file);
    assert_eq!(written.len(), 2);
    assert_eq!(
        written[0],
        serde_json::json!({
            "purl": "pkg:cargo/serde", "version": "1.0.210", "decision": "approved",
            "licence": "MIT OR Apache-2.0", "reviewer": "Ann Example",
            "organisation": "City of Example", "date": TODAY, "review-by": "2027-03-01",
            "notes": "licence texts read",
            "evidence": {"artefact-sha256": SHA_B, "licence-files": [{"path": "LICENSE-MIT", "sha256": SHA_A}]}
        })
    );
    assert_eq!(written[1]["versions"], ">=1.0.211, <2");

    // Each publish is a commit with the agreed message; without a git identity the reviewer
    // is the author.
    let log = commits(&index);
    assert_eq!(log.len(), 3);
    assert_eq!(
        log[1].0,
        "approved pkg:cargo/serde@1.0.210 (MIT OR Apache-2.0) by Ann Example, City of Example"
    );
    assert_eq!(
        log[0].0,
        "rejected pkg:cargo/serde versions >=1.0.211, <2 (MIT) by Bob Example, Town of Example"
    );
    assert_eq!(log[0].1, "Bob Example");
    let repo = git2::Repository::open(&index).unwrap();
    let dirty: Vec<String> = repo
        .statuses(None)
        .unwrap()
        .iter()
        .filter(|s| !s.status().is_ignored())
        .filter_map(|s| s.path().ok().map(str::to_string))
        .collect();
    assert!(dirty.is_empty(), "uncommitted after publish: {dirty:?}");

    let out = verify(tmp.path(), &index);
    ok(&out);
    assert_says(&out, "1 file, 2 records, 1 package; no problems");

    let out = query(
        tmp.path(),
        &index,
        &["show", "pkg:cargo/serde", "--format", "json"],
    );
    ok(&out);
    let shown: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(shown["records"].as_array().unwrap().len(), 2);
    assert_eq!(shown["in-force"][0]["version"], "1.0.210");
    assert_eq!(
        shown["in-force"][0]["answer"]["record"]["decision"],
        "approved"
    );
    assert_eq!(shown["in-force"][0]["answer"]["line"], 1);

    let out = query(tmp.path(), &index, &["show", "pkg:cargo/serde@1.5.0"]);
    assert_says(
        &out,
        "1.5.0: rejected (MIT) by Bob Example, Town of Example",
    );

    let out = query(tmp.path(), &index, &["search", "SER"]);
    // The index is named by its config.json; each package with its decisions now.
    assert_eq!(
        text(&out).trim(),
        "pkg:cargo/serde  [city]\n    1.0.210  approved (MIT OR Apache-2.0)  by Ann Example, City of Example on 2026-03-01\n    versions >=1.0.211, <2  rejected (MIT)  by Bob Example, Town of Example on 2026-03-01"
    );
    let out = query(tmp.path(), &index, &["search", "serde", "--format", "json"]);
    let found: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(found["matches"][0]["index"], "city");
    assert_eq!(found["matches"][0]["decisions"][1]["decision"], "rejected");
    assert_eq!(
        found["matches"][0]["decisions"][1]["reviewer"],
        "Bob Example"
    );
    assert_eq!(found["matches"][0]["decisions"][1]["date"], TODAY);
}

#[test]
fn the_reviewer_is_the_author_and_git_config_the_committer() {
    let tmp = tempfile::tempdir().unwrap();
    let index = new_index(tmp.path(), true);
    let repo = git2::Repository::open(&index).unwrap();
    let mut config = repo.config().unwrap();
    config.set_str("user.name", "Index Bot").unwrap();
    config.set_str("user.email", "bot@city.example").unwrap();
    publish_ok(tmp.path(), &index, &approving("pkg:npm/left-pad@1.3.0"));
    // The commit names who decided as its author, and who ran the command as its committer.
    let head = repo.head().unwrap().peel_to_commit().unwrap();
    assert_eq!(head.author().name().unwrap(), "Ann Example");
    assert_eq!(
        head.author().email().unwrap(),
        "index-publish@fundament.invalid"
    );
    assert_eq!(head.committer().name().unwrap(), "Index Bot");
    assert_eq!(head.committer().email().unwrap(), "bot@city.example");
    assert!(index.join("npm/le/ft/left-pad").is_file());
}

/// `fundament index init <dir>` of an index `x` of the organisation X, maintained by
/// `maintainer`.
fn init_x(home: &Path, dir: &str, maintainer: &str) -> Output {
    index_cmd(
        home,
        &[
            "init",
            dir,
            "--name",
            "x",
            "--maintainer",
            maintainer,
            "--organisation",
            "X",
        ],
    )
}

#[test]
fn init_refuses_folders_that_are_not_empty_or_already_an_index() {
    let tmp = tempfile::tempdir().unwrap();
    let index = new_index(tmp.path(), false);
    let again = init_x(tmp.path(), index.to_str().unwrap(), "A <a@x.example>");
    assert_eq!(code(&again), 2);
    assert_says(&again, "already an index");

    let busy = tmp.path().join("busy");
    std::fs::create_dir_all(busy.join("npm")).unwrap();
    std::fs::write(busy.join("notes.txt"), "x").unwrap();
    std::fs::write(busy.join("README.md"), "x").unwrap();
    let out = init_x(tmp.path(), busy.to_str().unwrap(), "A <a@x.example>");
    assert_eq!(code(&out), 2);
    assert_says(
        &out,
        "not an index but already holds npm (folders of an index's record tree)",
    );
    assert!(!busy.join("config.json").exists());

    let bad = init_x(
        tmp.path(),
        tmp.path().join("other").to_str().unwrap(),
        "no contact",
    );
    assert_eq!(code(&bad), 2);
    assert!(text(&bad).contains("is not \"Name <contact>\""));
}

/// An approval of `what` with `licence`, by `reviewer` of the organisation O, with `extra`
/// arguments, that publish refuses, saying `expected`.
struct Refusal {
    what: &'static [&'static str],
    licence: &'static str,
    reviewer: &'static str,
    extra: &'static [&'static str],
    expected: &'static str,
}

#[test]
fn publish_checks_every_field_before_writing() {
    let tmp = tempfile::tempdir().unwrap();
    let index = new_index(tmp.path(), true);
    let cases = [
        Refusal {
            what: &["pkg:cargo/serde@1.0.0"],
            licence: "MIT OR Apache 2",
            reviewer: "A",
            extra: &[],
            expected: "is not a valid SPDX expression",
        },
        Refusal {
            what: &["pkg:cargo/serde@1.0.0"],
            licence: "GPL-2.0",
            reviewer: "A",
            extra: &[],
            expected: "is not a valid SPDX expression",
        },
        Refusal {
            what: &["pkg:cargo/serde@1.0.0"],
            licence: "NOASSERTION",
            reviewer: "A",
            extra: &[],
            expected: "an approval needs a concluded licence",
        },
        Refusal {
            what: &["pkg:generic/thing@1.0.0"],
            licence: "MIT",
            reviewer: "A",
            extra: &[],
            expected: "not an ecosystem the index holds",
        },
        Refusal {
            what: &["pkg:cargo/serde"],
            licence: "MIT",
            reviewer: "A",
            extra: &[],
            expected: "has no version",
        },
        Refusal {
            what: &["pkg:cargo/serde@1.0.0"],
            licence: "MIT",
            reviewer: " ",
            extra: &[],
            expected: "`reviewer` is empty",
        },
        Refusal {
            what: &["pkg:cargo/serde@1.0.0"],
            licence: "MIT",
            reviewer: "A",
            extra: &["--review-by", "2026-02-30"],
            expected: "`review-by`: `2026-02-30` is not a valid date",
        },
        Refusal {
            what: &["pkg:cargo/serde@1.0.0"],
            licence: "MIT",
            reviewer: "A",
            extra: &["--review-by", "2025-01-01"],
            expected: "is not after `date`",
        },
        Refusal {
            what: &["pkg:cargo/serde@1.0.0"],
            licence: "MIT",
            reviewer: "A",
            extra: &["--artefact-sha256", "abc"],
            expected: "is not 64 lower-case hex digits",
        },
        Refusal {
            what: &["pkg:cargo/serde@1.0.0"],
            licence: "MIT",
            reviewer: "A",
            extra: &["--licence-file", "../LICENSE=aaaa"],
            expected: "has an empty, `.` or `..` element",
        },
        Refusal {
            what: &["--purl", "pkg:cargo/serde", "--versions", "1.x.y.z"],
            licence: "MIT",
            reviewer: "A",
            extra: &[],
            expected: "is not a version requirement",
        },
    ];
    for case in cases {
        let mut args = decided(case.what, "approved", case.licence, case.reviewer, "O");
        args.extend_from_slice(case.extra);
        let expected = case.expected;
        let out = publish(tmp.path(), &index, &args);
        assert_eq!(code(&out), 2, "{args:?}: {}", text(&out));
        assert!(text(&out).contains(expected), "{args:?}: {}", text(&out));
    }
    assert!(
        !index.join("cargo").exists(),
        "a refused publish wrote something"
    );
    assert_eq!(commits(&index).len(), 1);

    // The same decision twice on one day is refused, as is a different one.
    let args = approving("pkg:cargo/serde@1.0.0");
    publish_ok(tmp.path(), &index, &args);
    let out = publish(tmp.path(), &index, &args);
    assert_eq!(code(&out), 2);
    assert_says(&out, "repeats line 1");
    let out = publish(
        tmp.path(),
        &index,
        &decided(&["pkg:cargo/serde@1.0.0"], "rejected", "MIT", "A", "O"),
    );
    assert_eq!(code(&out), 2);
    assert_says(&out, "contradicts line 1");
    assert_eq!(lines(&index.join("cargo/se/rd/serde")).len(), 1);
}

#[test]
fn names_that_escape_the_tree_are_refused_on_write_and_on_read() {
    let tmp = tempfile::tempdir().unwrap();
    let index = new_index(tmp.path(), false);
    for purl in [
        "pkg:npm/..%2F..%2F..%2Fescaped@1.0.0",
        "pkg:cargo/%2E%2E@1.0.0",
        "pkg:golang/example.com/../../escaped@v1.0.0",
        "pkg:npm/%40scope/..@1.0.0",
        "pkg:cargo/nul%00byte@1.0.0",
    ] {
        let out = publish(tmp.path(), &index, &approving(purl));
        assert_eq!(code(&out), 2, "{purl}: {}", text(&out));
        assert!(
            text(&out).contains("relative path")
                || text(&out).contains("`.` or `..`")
                || text(&out).contains("control characters")
                || text(&out).contains("contains `/`"),
            "{purl}: {}",
            text(&out)
        );
    }
    let long = format!("pkg:cargo/{}@1.0.0", "a".repeat(201));
    let out = publish(tmp.path(), &index, &approving(long.as_str()));
    assert_eq!(code(&out), 2);
    assert_says(&out, "201 bytes long; the limit is 200");
    let entries: Vec<_> = std::fs::read_dir(tmp.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(
        !entries.iter().any(|e| e.contains("escaped")),
        "{entries:?}"
    );
    assert!(!index.join("cargo").exists() && !index.join("npm").exists());

    // Reading: the same names are refused, and a record file that is a link to a file
    // outside the index is not read.
    let outside = tmp.path().join("outside");
    std::fs::write(
        &outside,
        format!(
            "{}\n",
            record("pkg:cargo/serde", "1.0.0", Decision::Approved, "MIT").to_line()
        ),
    )
    .unwrap();
    std::fs::create_dir_all(index.join("cargo/se/rd")).unwrap();
    #[cfg(unix)]
    std::os::unix::fs::symlink(&outside, index.join("cargo/se/rd/serde")).unwrap();
    let layered = only(&[folder("city", &index, 1)]);
    let found = layered.lookup_many(&[
        ("pkg:npm/..%2F..%2Foutside", "1.0.0"),
        ("pkg:cargo/%2E%2E", "1.0.0"),
        ("pkg:cargo/serde", "1.0.0"),
    ]);
    for lookup in &found[..2] {
        assert!(lookup.answer.is_none());
        assert!(
            matches!(lookup.errors[..], [LookupError::Name { .. }]),
            "{lookup:?}"
        );
        assert!(!lookup.conclusive());
    }
    #[cfg(unix)]
    {
        assert!(found[2].answer.is_none(), "a linked file was read");
        assert!(
            found[2].errors[0]
                .to_string()
                .contains("is a symbolic link"),
            "{:?}",
            found[2].errors
        );
        assert!(!found[2].conclusive());
    }
}

#[test]
fn verify_reports_tampering_with_file_and_line() {
    let tmp = tempfile::tempdir().unwrap();
    let index = new_index(tmp.path(), false);
    for version in ["1.0.0", "1.0.1", "1.0.2"] {
        let purl = format!("pkg:cargo/serde@{version}");
        publish_ok(tmp.path(), &index, &approving(purl.as_str()));
    }
    publish_ok(tmp.path(), &index, &approving("pkg:pypi/Django@5.0.1"));
    let ok = verify(tmp.path(), &index);
    assert_eq!(code(&ok), 0, "{}", text(&ok));
    assert!(text(&ok).contains("2 files, 4 records, 2 packages; no problems"));

    // Line 3 edited to contradict line 2 (same version, same day, another decision); line 1
    // broken; Django's file moved to a path of its own making; files that do not belong.
    let serde = index.join("cargo/se/rd/serde");
    let original = std::fs::read_to_string(&serde).unwrap();
    let mut edited: Vec<String> = original.lines().map(str::to_string).collect();
    edited[2] = edited[2]
        .replace("1.0.2", "1.0.1")
        .replace("\"approved\"", "\"rejected\"");
    edited[0] = edited[0].replace("\"licence\"", "\"licence\":");
    std::fs::write(&serde, format!("{}\n", edited.join("\n"))).unwrap();
    std::fs::create_dir_all(index.join("pypi/dj/an")).unwrap();
    std::fs::rename(
        index.join("pypi/dj/an/django"),
        index.join("pypi/dj/an/Django"),
    )
    .unwrap();
    std::fs::create_dir_all(index.join("npm")).unwrap();
    std::fs::write(index.join("npm/notes.txt"), "x").unwrap();
    // Outside the record tree: a normal repository's files, not checked.
    std::fs::write(index.join(".gitlab-ci.yml"), "verify: {}\n").unwrap();
    std::fs::write(index.join("CODEOWNERS"), "* @city\n").unwrap();
    std::fs::create_dir_all(index.join("public")).unwrap();
    std::fs::write(index.join("public/index.html"), "<!doctype html>").unwrap();
    std::fs::create_dir_all(index.join("cargo/3/s")).unwrap();
    std::fs::write(index.join("cargo/3/s/syn"), "").unwrap();

    let out = verify(tmp.path(), &index);
    assert_eq!(code(&out), 2, "{}", text(&out));
    let report = text(&out);
    for expected in [
        "cargo/se/rd/serde:1: not a valid record",
        "cargo/se/rd/serde:3: contradicts line 2: version 1.0.1 of pkg:cargo/serde was decided `approved` (MIT OR Apache-2.0) and `rejected` (MIT OR Apache-2.0) on the same day 2026-03-01",
        "pypi/dj/an/Django: not where the layout puts any package",
        "npm/notes.txt: not where the layout puts any package",
        "note: .: 4 entries outside the record tree, not checked: .gitignore, .gitlab-ci.yml, CODEOWNERS, public/",
        "cargo/3/s/syn: empty",
    ] {
        assert!(
            report.contains(expected),
            "missing `{expected}` in:\n{report}"
        );
    }
    assert!(report.contains("; 8 problems"), "{report}");

    // Readers do not use a file with broken lines as if it were whole.
    let layered = only(&[folder("city", &index, 1)]);
    let lookup = layered.lookup("pkg:cargo/serde", "1.0.1");
    assert_eq!(lookup.decision(), Some(Decision::Rejected));
    assert!(!lookup.conclusive(), "a broken line could be a decision");
    assert!(
        lookup.errors[0]
            .to_string()
            .contains("cargo/se/rd/serde:1:")
    );
}

#[test]
fn a_record_in_the_wrong_file_or_with_a_later_date_first_is_reported() {
    let tmp = tempfile::tempdir().unwrap();
    let index = new_index(tmp.path(), false);
    let dir = index.join("cargo/se/rd");
    std::fs::create_dir_all(&dir).unwrap();
    let mut late = record("pkg:cargo/serde", "1.0.0", Decision::Approved, "MIT");
    late.date = "2026-02-01".to_string();
    let mut early = record("pkg:cargo/serde", "1.0.1", Decision::Approved, "MIT");
    early.date = "2026-01-01".to_string();
    let stray = record("pkg:cargo/serdx", "1.0.0", Decision::Approved, "MIT");
    std::fs::write(
        dir.join("serde"),
        format!(
            "{}\n{}\n{}",
            late.to_line(),
            early.to_line(),
            stray.to_line()
        ),
    )
    .unwrap();
    let out = verify(tmp.path(), &index);
    let report = text(&out);
    assert_eq!(code(&out), 2, "{report}");
    assert!(
        report.contains("cargo/se/rd/serde:2: dated 2026-01-01, before line 1 (2026-02-01)"),
        "{report}"
    );
    assert!(
        report.contains(
            "cargo/se/rd/serde:3: the record of pkg:cargo/serdx belongs in cargo/se/rd/serdx"
        ),
        "{report}"
    );
    assert!(
        report.contains("cargo/se/rd/serde:3: the last line does not end with a newline"),
        "{report}"
    );
}

/// Runs a publish that aborts at `point` (debug builds only).
fn crashing_publish(home: &Path, index: &Path, version: &str, point: &str) -> Output {
    let purl = format!("pkg:cargo/serde@{version}");
    let mut args = vec!["publish", "--index", index.to_str().unwrap()];
    args.extend_from_slice(&approving(&purl));
    index_cmd_with(home, &args, &[("FUNDAMENT_INDEX_CRASH", point)])
}

#[test]
#[cfg(debug_assertions)]
fn a_publish_killed_before_its_commit_leaves_the_whole_record_or_none() {
    let tmp = tempfile::tempdir().unwrap();
    let index = new_index(tmp.path(), true);
    publish_ok(tmp.path(), &index, &approving("pkg:cargo/serde@1.0.0"));
    let file = index.join("cargo/se/rd/serde");
    let verify = |expected_records: usize| {
        let out = verify(tmp.path(), &index);
        ok(&out);
        assert_says(&out, &format!("{expected_records} record"));
        text(&out)
    };

    // Killed after writing the temporary file: the old file stands, the leftover is noted.
    let out = crashing_publish(tmp.path(), &index, "1.0.1", "after-temp");
    assert!(!out.status.success(), "the publish was not aborted");
    assert_eq!(lines(&file).len(), 1);
    let report = verify(1);
    assert!(
        report.contains("left over by a publish that was interrupted"),
        "{report}"
    );

    // Killed after the rename, before the commit: the whole new record is there.
    let out = crashing_publish(tmp.path(), &index, "1.0.2", "after-rename");
    assert!(!out.status.success());
    let written = lines(&file);
    assert_eq!(written.len(), 2);
    assert_eq!(written[1]["version"], "1.0.2");
    verify(2);
    assert_eq!(commits(&index).len(), 2, "init + the first publish");

    // The next publish works, removes the leftover, and commits the orphaned line with its own.
    let out = publish(tmp.path(), &index, &approving("pkg:cargo/serde@1.0.3"));
    ok(&out);
    assert_says(&out, "not committed (an interrupted publish?)");
    let report = verify(3);
    assert!(!report.contains("left over"), "{report}");
    assert_eq!(commits(&index).len(), 3);
}

#[test]
fn ten_concurrent_publishes_all_land() {
    let tmp = tempfile::tempdir().unwrap();
    let index = new_index(tmp.path(), true);
    let binary = env!("CARGO_BIN_EXE_fundament");
    let children: Vec<std::process::Child> = (0..10)
        .map(|i| {
            std::process::Command::new(binary)
                .env("HOME", tmp.path())
                .env("XDG_CONFIG_HOME", tmp.path().join(".config"))
                .env("SOURCE_DATE_EPOCH", EPOCH)
                .env("NO_COLOR", "1")
                .env_remove("FUNDAMENT_INDEX_CRASH")
                .args(["index", "publish", "--index", index.to_str().unwrap()])
                .arg(format!("pkg:cargo/serde@1.0.{i}"))
                .args(APPROVE)
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    for child in children {
        let out = child.wait_with_output().unwrap();
        assert!(out.status.success(), "{}", text(&out));
    }
    let written = lines(&index.join("cargo/se/rd/serde"));
    let mut versions: Vec<String> = written
        .iter()
        .map(|l| l["version"].as_str().unwrap().to_string())
        .collect();
    versions.sort();
    let expected: Vec<String> = (0..10).map(|i| format!("1.0.{i}")).collect();
    let mut expected_sorted = expected.clone();
    expected_sorted.sort();
    assert_eq!(versions, expected_sorted);
    assert_eq!(commits(&index).len(), 11);
    let out = verify(tmp.path(), &index);
    ok(&out);
}
