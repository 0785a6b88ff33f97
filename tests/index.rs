//! The static index: `fundament index init/publish/verify/show/search`, and the reading API
//! the audit uses (folders, git, HTTP, layering), against temporary indices, a local bare git
//! repository and a local HTTP server.

mod support;

use fundament::index::{
    Decision, IndexOptions, IndexSettings, Layered, LookupError, Record, RecordEvidence, SourceKind,
};
use fundament::registry::http::HttpOptions;
use std::path::Path;
use std::process::Output;
use std::time::Duration;
use support::index::{EPOCH, TODAY, code, index_cmd, new_index, publish, publish_ok, text};
use support::server::{Reply, TestServer};

const SHA_A: &str = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
const SHA_B: &str = "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb";
const APPROVE: &[&str] = &[
    "--decision",
    "approved",
    "--licence",
    "MIT OR Apache-2.0",
    "--reviewer",
    "Ann Example",
    "--organisation",
    "City of Example",
    "--no-evidence",
    "licence read on the project page",
];

fn record(purl: &str, version: &str, decision: Decision, licence: &str) -> Record {
    Record {
        purl: purl.to_string(),
        version: Some(version.to_string()),
        versions: None,
        decision,
        licence: licence.to_string(),
        reviewer: "Ann Example".to_string(),
        organisation: "City of Example".to_string(),
        date: TODAY.to_string(),
        review_by: None,
        notes: None,
        evidence: RecordEvidence::default(),
        no_evidence: None,
        signatures: Vec::new(),
        vex: Vec::new(),
    }
}

fn lines(path: &Path) -> Vec<serde_json::Value> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

fn folder(name: &str, location: &Path, precedence: i32) -> IndexSettings {
    IndexSettings {
        name: name.to_string(),
        location: location.to_string_lossy().into_owned(),
        precedence,
        kind: None,
        branch: None,
        ..Default::default()
    }
}

fn only(settings: &[IndexSettings]) -> Layered {
    Layered::open(
        settings,
        &IndexOptions {
            builtin: false,
            ..Default::default()
        },
    )
    .unwrap()
}

fn commits(repo: &Path) -> Vec<(String, String)> {
    let repo = git2::Repository::open(repo).unwrap();
    let mut walk = repo.revwalk().unwrap();
    walk.push_head().unwrap();
    walk.map(|id| {
        let commit = repo.find_commit(id.unwrap()).unwrap();
        (
            commit.summary().unwrap().unwrap_or_default().to_string(),
            commit.author().name().unwrap().to_string(),
        )
    })
    .collect()
}

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
    let mut args = vec!["pkg:cargo/Serde@1.0.210"];
    args.extend_from_slice(APPROVE);
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
        &[
            "--purl",
            "pkg:cargo/serde",
            "--versions",
            ">=1.0.211, <2",
            "--decision",
            "rejected",
            "--licence",
            "MIT",
            "--reviewer",
            "Bob Example",
            "--organisation",
            "Town of Example",
        ],
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

    let out = index_cmd(tmp.path(), &["verify", index.to_str().unwrap()]);
    assert_eq!(code(&out), 0, "{}", text(&out));
    assert!(
        text(&out).contains("1 file, 2 records, 1 package; no problems"),
        "{}",
        text(&out)
    );

    let out = index_cmd(
        tmp.path(),
        &[
            "show",
            "pkg:cargo/serde",
            "--index",
            index.to_str().unwrap(),
            "--no-builtin",
            "--format",
            "json",
        ],
    );
    assert_eq!(code(&out), 0, "{}", text(&out));
    let shown: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(shown["records"].as_array().unwrap().len(), 2);
    assert_eq!(shown["in-force"][0]["version"], "1.0.210");
    assert_eq!(
        shown["in-force"][0]["answer"]["record"]["decision"],
        "approved"
    );
    assert_eq!(shown["in-force"][0]["answer"]["line"], 1);

    let out = index_cmd(
        tmp.path(),
        &[
            "show",
            "pkg:cargo/serde@1.5.0",
            "--index",
            index.to_str().unwrap(),
            "--no-builtin",
        ],
    );
    assert!(
        text(&out).contains("1.5.0: rejected (MIT) by Bob Example, Town of Example"),
        "{}",
        text(&out)
    );

    let out = index_cmd(
        tmp.path(),
        &[
            "search",
            "SER",
            "--index",
            index.to_str().unwrap(),
            "--no-builtin",
        ],
    );
    // The index is named by its config.json; each package with its decisions now.
    assert_eq!(
        text(&out).trim(),
        "pkg:cargo/serde  [city]\n    1.0.210  approved (MIT OR Apache-2.0)  by Ann Example, City of Example on 2026-03-01\n    versions >=1.0.211, <2  rejected (MIT)  by Bob Example, Town of Example on 2026-03-01"
    );
    let out = index_cmd(
        tmp.path(),
        &[
            "search",
            "serde",
            "--index",
            index.to_str().unwrap(),
            "--no-builtin",
            "--format",
            "json",
        ],
    );
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
    let mut args = vec!["pkg:npm/left-pad@1.3.0"];
    args.extend_from_slice(APPROVE);
    publish_ok(tmp.path(), &index, &args);
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

#[test]
fn init_refuses_folders_that_are_not_empty_or_already_an_index() {
    let tmp = tempfile::tempdir().unwrap();
    let index = new_index(tmp.path(), false);
    let again = index_cmd(
        tmp.path(),
        &[
            "init",
            index.to_str().unwrap(),
            "--name",
            "x",
            "--maintainer",
            "A <a@x.example>",
            "--organisation",
            "X",
        ],
    );
    assert_eq!(code(&again), 2);
    assert!(
        text(&again).contains("already an index"),
        "{}",
        text(&again)
    );

    let busy = tmp.path().join("busy");
    std::fs::create_dir_all(busy.join("npm")).unwrap();
    std::fs::write(busy.join("notes.txt"), "x").unwrap();
    std::fs::write(busy.join("README.md"), "x").unwrap();
    let out = index_cmd(
        tmp.path(),
        &[
            "init",
            busy.to_str().unwrap(),
            "--name",
            "x",
            "--maintainer",
            "A <a@x.example>",
            "--organisation",
            "X",
        ],
    );
    assert_eq!(code(&out), 2);
    assert!(
        text(&out)
            .contains("not an index but already holds npm (folders of an index's record tree)"),
        "{}",
        text(&out)
    );
    assert!(!busy.join("config.json").exists());

    let bad = index_cmd(
        tmp.path(),
        &[
            "init",
            tmp.path().join("other").to_str().unwrap(),
            "--name",
            "x",
            "--maintainer",
            "no contact",
            "--organisation",
            "X",
        ],
    );
    assert_eq!(code(&bad), 2);
    assert!(text(&bad).contains("is not \"Name <contact>\""));
}

#[test]
fn publish_checks_every_field_before_writing() {
    let tmp = tempfile::tempdir().unwrap();
    let index = new_index(tmp.path(), true);
    let cases: &[(&[&str], &str)] = &[
        (
            &[
                "pkg:cargo/serde@1.0.0",
                "--decision",
                "approved",
                "--licence",
                "MIT OR Apache 2",
                "--reviewer",
                "A",
                "--organisation",
                "O",
            ],
            "is not a valid SPDX expression",
        ),
        (
            &[
                "pkg:cargo/serde@1.0.0",
                "--decision",
                "approved",
                "--licence",
                "GPL-2.0",
                "--reviewer",
                "A",
                "--organisation",
                "O",
            ],
            "is not a valid SPDX expression",
        ),
        (
            &[
                "pkg:cargo/serde@1.0.0",
                "--decision",
                "approved",
                "--licence",
                "NOASSERTION",
                "--reviewer",
                "A",
                "--organisation",
                "O",
            ],
            "an approval needs a concluded licence",
        ),
        (
            &[
                "pkg:generic/thing@1.0.0",
                "--decision",
                "approved",
                "--licence",
                "MIT",
                "--reviewer",
                "A",
                "--organisation",
                "O",
            ],
            "not an ecosystem the index holds",
        ),
        (
            &[
                "pkg:cargo/serde",
                "--decision",
                "approved",
                "--licence",
                "MIT",
                "--reviewer",
                "A",
                "--organisation",
                "O",
            ],
            "has no version",
        ),
        (
            &[
                "pkg:cargo/serde@1.0.0",
                "--decision",
                "approved",
                "--licence",
                "MIT",
                "--reviewer",
                " ",
                "--organisation",
                "O",
            ],
            "`reviewer` is empty",
        ),
        (
            &[
                "pkg:cargo/serde@1.0.0",
                "--decision",
                "approved",
                "--licence",
                "MIT",
                "--reviewer",
                "A",
                "--organisation",
                "O",
                "--review-by",
                "2026-02-30",
            ],
            "`review-by`: `2026-02-30` is not a valid date",
        ),
        (
            &[
                "pkg:cargo/serde@1.0.0",
                "--decision",
                "approved",
                "--licence",
                "MIT",
                "--reviewer",
                "A",
                "--organisation",
                "O",
                "--review-by",
                "2025-01-01",
            ],
            "is not after `date`",
        ),
        (
            &[
                "pkg:cargo/serde@1.0.0",
                "--decision",
                "approved",
                "--licence",
                "MIT",
                "--reviewer",
                "A",
                "--organisation",
                "O",
                "--artefact-sha256",
                "abc",
            ],
            "is not 64 lower-case hex digits",
        ),
        (
            &[
                "pkg:cargo/serde@1.0.0",
                "--decision",
                "approved",
                "--licence",
                "MIT",
                "--reviewer",
                "A",
                "--organisation",
                "O",
                "--licence-file",
                "../LICENSE=aaaa",
            ],
            "has an empty, `.` or `..` element",
        ),
        (
            &[
                "--purl",
                "pkg:cargo/serde",
                "--versions",
                "1.x.y.z",
                "--decision",
                "approved",
                "--licence",
                "MIT",
                "--reviewer",
                "A",
                "--organisation",
                "O",
            ],
            "is not a version requirement",
        ),
    ];
    for (args, expected) in cases {
        let out = publish(tmp.path(), &index, args);
        assert_eq!(code(&out), 2, "{args:?}: {}", text(&out));
        assert!(text(&out).contains(expected), "{args:?}: {}", text(&out));
    }
    assert!(
        !index.join("cargo").exists(),
        "a refused publish wrote something"
    );
    assert_eq!(commits(&index).len(), 1);

    // The same decision twice on one day is refused, as is a different one.
    let mut args = vec!["pkg:cargo/serde@1.0.0"];
    args.extend_from_slice(APPROVE);
    publish_ok(tmp.path(), &index, &args);
    let out = publish(tmp.path(), &index, &args);
    assert_eq!(code(&out), 2);
    assert!(text(&out).contains("repeats line 1"), "{}", text(&out));
    let out = publish(
        tmp.path(),
        &index,
        &[
            "pkg:cargo/serde@1.0.0",
            "--decision",
            "rejected",
            "--licence",
            "MIT",
            "--reviewer",
            "A",
            "--organisation",
            "O",
        ],
    );
    assert_eq!(code(&out), 2);
    assert!(text(&out).contains("contradicts line 1"), "{}", text(&out));
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
        let mut args = vec![purl];
        args.extend_from_slice(APPROVE);
        let out = publish(tmp.path(), &index, &args);
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
    let mut args = vec![long.as_str()];
    args.extend_from_slice(APPROVE);
    let out = publish(tmp.path(), &index, &args);
    assert_eq!(code(&out), 2);
    assert!(
        text(&out).contains("201 bytes long; the limit is 200"),
        "{}",
        text(&out)
    );
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
        let mut args = vec![purl.as_str()];
        args.extend_from_slice(APPROVE);
        publish_ok(tmp.path(), &index, &args);
    }
    let mut args = vec!["pkg:pypi/Django@5.0.1"];
    args.extend_from_slice(APPROVE);
    publish_ok(tmp.path(), &index, &args);
    let ok = index_cmd(tmp.path(), &["verify", index.to_str().unwrap()]);
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

    let out = index_cmd(tmp.path(), &["verify", index.to_str().unwrap()]);
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
    let out = index_cmd(tmp.path(), &["verify", index.to_str().unwrap()]);
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
    support::fundament()
        .env("HOME", home)
        .env("XDG_CONFIG_HOME", home.join(".config"))
        .env("SOURCE_DATE_EPOCH", EPOCH)
        .env("FUNDAMENT_INDEX_CRASH", point)
        .args([
            "index",
            "publish",
            "--index",
            index.to_str().unwrap(),
            &purl,
        ])
        .args(APPROVE)
        .output()
        .unwrap()
}

#[test]
#[cfg(debug_assertions)]
fn a_publish_killed_before_its_commit_leaves_the_whole_record_or_none() {
    let tmp = tempfile::tempdir().unwrap();
    let index = new_index(tmp.path(), true);
    let mut args = vec!["pkg:cargo/serde@1.0.0"];
    args.extend_from_slice(APPROVE);
    publish_ok(tmp.path(), &index, &args);
    let file = index.join("cargo/se/rd/serde");
    let verify = |expected_records: usize| {
        let out = index_cmd(tmp.path(), &["verify", index.to_str().unwrap()]);
        assert_eq!(code(&out), 0, "{}", text(&out));
        assert!(
            text(&out).contains(&format!("{expected_records} record")),
            "{}",
            text(&out)
        );
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
    let mut args = vec!["pkg:cargo/serde@1.0.3"];
    args.extend_from_slice(APPROVE);
    let out = publish(tmp.path(), &index, &args);
    assert_eq!(code(&out), 0, "{}", text(&out));
    assert!(
        text(&out).contains("not committed (an interrupted publish?)"),
        "{}",
        text(&out)
    );
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
    let out = index_cmd(tmp.path(), &["verify", index.to_str().unwrap()]);
    assert_eq!(code(&out), 0, "{}", text(&out));
}

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
        let mut args = vec![purl];
        args.extend_from_slice(APPROVE);
        publish_ok(tmp.path(), &local, &args);
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

/// Clones `from` (a work tree) as a bare repository at `to`, or pushes `from`'s branch to it.
fn push_to_bare(from: &Path, to: &Path) {
    let work = git2::Repository::open(from).unwrap();
    let branch = work.head().unwrap().shorthand().unwrap().to_string();
    if !to.exists() {
        git2::Repository::init_bare(to).unwrap();
        let bare = git2::Repository::open_bare(to).unwrap();
        bare.set_head(&format!("refs/heads/{branch}")).unwrap();
    }
    let mut remote = work.remote_anonymous(to.to_str().unwrap()).unwrap();
    remote
        .push(&[format!("refs/heads/{branch}:refs/heads/{branch}")], None)
        .unwrap();
}

#[test]
fn a_git_index_is_cloned_into_the_cache_and_fetched_again() {
    let tmp = tempfile::tempdir().unwrap();
    let work = new_index(tmp.path(), true);
    let mut args = vec!["pkg:cargo/serde@1.0.0"];
    args.extend_from_slice(APPROVE);
    publish_ok(tmp.path(), &work, &args);
    let bare = tmp.path().join("index.git");
    push_to_bare(&work, &bare);
    let url = format!("file://{}", bare.display());
    let cache = tempfile::tempdir().unwrap();
    let settings = [IndexSettings {
        name: "git".to_string(),
        location: url.clone(),
        precedence: 1,
        kind: None,
        branch: None,
        ..Default::default()
    }];
    let options = |offline| IndexOptions {
        offline,
        cache_dir: Some(cache.path().to_path_buf()),
        builtin: false,
        ..Default::default()
    };

    let first = Layered::open(&settings, &options(false)).unwrap();
    assert!(first.problems().is_empty(), "{:?}", first.problems());
    let layer = &first.layers()[0];
    assert_eq!(layer.kind, SourceKind::Git);
    assert_eq!(layer.index_name.as_deref(), Some("city"));
    let clone = fundament::index::source::git_cache_dir(cache.path(), &url);
    assert!(clone.join("cargo/se/rd/serde").is_file());
    assert!(clone.starts_with(cache.path().join("index-git")));
    assert_eq!(
        first.lookup("pkg:cargo/serde", "1.0.0").decision(),
        Some(Decision::Approved)
    );
    assert!(first.lookup("pkg:cargo/serde", "1.0.1").answer.is_none());

    // A new decision is published and pushed: the next open fetches it.
    let args = vec![
        "pkg:cargo/serde@1.0.1",
        "--decision",
        "rejected",
        "--licence",
        "MIT",
        "--reviewer",
        "Bob",
        "--organisation",
        "Town",
    ];
    publish_ok(tmp.path(), &work, &args);
    push_to_bare(&work, &bare);
    let second = Layered::open(&settings, &options(false)).unwrap();
    assert_eq!(
        second.lookup("pkg:cargo/serde", "1.0.1").decision(),
        Some(Decision::Rejected)
    );
    assert_eq!(
        second.layers()[0].commit,
        git2::Repository::open(&work)
            .unwrap()
            .head()
            .unwrap()
            .target()
            .map(|c| c.to_string())
    );

    // Offline, the last clone answers; with the repository gone, the clone is used and the
    // failed fetch is reported as stale.
    let offline = Layered::open(&settings, &options(true)).unwrap();
    assert_eq!(
        offline.lookup("pkg:cargo/serde", "1.0.1").decision(),
        Some(Decision::Rejected)
    );
    std::fs::rename(&bare, tmp.path().join("moved.git")).unwrap();
    let stale = Layered::open(&settings, &options(false)).unwrap();
    let problems = stale.problems();
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert!(!problems[0].failed);
    assert!(
        problems[0].message.contains("cannot fetch"),
        "{}",
        problems[0].message
    );
    assert_eq!(
        stale.lookup("pkg:cargo/serde", "1.0.1").decision(),
        Some(Decision::Rejected)
    );

    // Never cloned and offline: a failed layer.
    let fresh_cache = tempfile::tempdir().unwrap();
    let never = Layered::open(
        &settings,
        &IndexOptions {
            offline: true,
            cache_dir: Some(fresh_cache.path().to_path_buf()),
            builtin: false,
            ..Default::default()
        },
    )
    .unwrap();
    assert!(
        never.problems()[0].message.contains("never been fetched"),
        "{:?}",
        never.problems()
    );
    assert!(!never.lookup("pkg:cargo/serde", "1.0.1").conclusive());
}

#[test]
fn layered_indices_answer_by_precedence_and_name_the_index() {
    let tmp = tempfile::tempdir().unwrap();
    let association = new_index(&tmp.path().join("a"), false);
    let member = new_index(&tmp.path().join("m"), false);
    let mut args = vec!["pkg:cargo/serde@1.0.0"];
    args.extend_from_slice(APPROVE);
    publish_ok(tmp.path(), &association, &args);
    publish_ok(
        tmp.path(),
        &member,
        &[
            "pkg:cargo/serde@1.0.0",
            "--decision",
            "rejected",
            "--licence",
            "MIT",
            "--reviewer",
            "M",
            "--organisation",
            "Member",
        ],
    );
    let mut args = vec!["pkg:cargo/syn@2.0.0"];
    args.extend_from_slice(APPROVE);
    publish_ok(tmp.path(), &association, &args);

    let member_first = only(&[
        folder("association", &association, 1),
        folder("member", &member, 2),
    ]);
    let found =
        member_first.lookup_many(&[("pkg:cargo/serde", "1.0.0"), ("pkg:cargo/syn", "2.0.0")]);
    let answer = found[0].answer.as_ref().unwrap();
    assert_eq!(answer.record.decision, Decision::Rejected);
    assert_eq!(answer.index_name, "member");
    assert_eq!(answer.precedence, 2);
    assert_eq!(answer.superseded.len(), 1);
    assert_eq!(answer.superseded[0].index_name, "association");
    assert_eq!(answer.superseded[0].record.decision, Decision::Approved);
    // The member has nothing on syn: the association answers.
    assert_eq!(found[1].answer.as_ref().unwrap().index_name, "association");
    assert!(found.iter().all(|l| l.conclusive()));

    let association_first = only(&[
        folder("association", &association, 3),
        folder("member", &member, 2),
    ]);
    let answer = association_first
        .lookup("pkg:cargo/serde", "1.0.0")
        .answer
        .unwrap();
    assert_eq!(answer.index_name, "association");
    assert_eq!(answer.record.decision, Decision::Approved);

    // The same precedence twice, or a name twice, is a configuration error.
    let clash = Layered::open(
        &[folder("a", &association, 1), folder("b", &member, 1)],
        &IndexOptions::default(),
    );
    assert!(
        clash
            .unwrap_err()
            .to_string()
            .contains("both have precedence 1")
    );
    let clash = Layered::open(
        &[folder("a", &association, 1), folder("a", &member, 2)],
        &IndexOptions::default(),
    );
    assert!(clash.unwrap_err().to_string().contains("named `a`"));

    // A folder that is not an index is a failed layer, reported by every look-up.
    let missing = only(&[folder("gone", &tmp.path().join("gone"), 1)]);
    assert!(missing.problems()[0].message.contains("has no config.json"));
    assert!(!missing.lookup("pkg:cargo/serde", "1.0.0").conclusive());

    // The command line shows the same.
    let out = index_cmd(
        tmp.path(),
        &[
            "show",
            "pkg:cargo/serde@1.0.0",
            "--index",
            member.to_str().unwrap(),
            "--index",
            association.to_str().unwrap(),
            "--no-builtin",
        ],
    );
    assert!(
        text(&out).contains("1.0.0: rejected (MIT) by M, Member on 2026-03-01, index `index-1` cargo/se/rd/serde:1; supersedes 1"),
        "{}",
        text(&out)
    );
}

#[test]
fn index_settings_are_read_from_fundament_toml() {
    let table: toml::Table = toml::from_str(
        r#"
[[index]]
name = "association"
location = "https://index.example/vetted"
precedence = 10

[[index]]
name = "ours"
location = "file:///srv/index.git"
precedence = 20
branch = "main"
"#,
    )
    .unwrap();
    let settings = fundament::index::settings_from_toml(&table).unwrap();
    assert_eq!(settings.len(), 2);
    assert_eq!(settings[1].branch.as_deref(), Some("main"));
    let bad: toml::Table =
        toml::from_str("[[index]]\nname = \"x\"\nlocation = \"y\"\nprecedence = 1\nprio = 2\n")
            .unwrap();
    assert!(
        fundament::index::settings_from_toml(&bad)
            .unwrap_err()
            .contains("prio")
    );
}

#[test]
fn records_become_curations_pinned_to_their_licence_files() {
    let mut r = record(
        "pkg:pypi/django",
        "5.0.1",
        Decision::Approved,
        "BSD-3-Clause",
    );
    r.evidence
        .licence_files
        .push(fundament::index::LicenceFileHash {
            path: "LICENSE".to_string(),
            sha256: SHA_A.to_string(),
        });
    let tmp = tempfile::tempdir().unwrap();
    let index = new_index(tmp.path(), false);
    std::fs::create_dir_all(index.join("pypi/dj/an")).unwrap();
    std::fs::write(
        index.join("pypi/dj/an/django"),
        format!("{}\n", r.to_line()),
    )
    .unwrap();
    let layered = only(&[folder("city", &index, 1)]);
    let answer = layered.lookup("pkg:pypi/Django", "5.0.1").answer.unwrap();
    let curation = answer.curation("Django", "5.0.1", None).unwrap();
    assert_eq!(curation.expression, "BSD-3-Clause");
    assert_eq!(curation.files.len(), 1);
    assert_eq!(curation.files[0].sha256, SHA_A);
    assert_eq!(curation.spec.name, "Django");
    assert_eq!(curation.spec.exact_version.as_deref(), Some("5.0.1"));
    assert_eq!(
        curation.source.to_string(),
        "index `city` pypi/dj/an/django:1"
    );
    let mut unknown = r.clone();
    unknown.decision = Decision::Rejected;
    unknown.licence = "NOASSERTION".to_string();
    assert!(
        unknown
            .curation("Django", "5.0.1", curation.source.clone(), false)
            .is_none()
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

#[test]
fn the_built_in_index_is_fundaments_own_registry_index_and_it_verifies() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("registry-index");
    let tmp = tempfile::tempdir().unwrap();
    let out = index_cmd(tmp.path(), &["verify", dir.to_str().unwrap()]);
    assert_eq!(code(&out), 0, "{}", text(&out));

    // Every record on disk is answered by the built-in index, from the built-in index.
    let layered = Layered::open(&[], &IndexOptions::default()).unwrap();
    assert!(layered.problems().is_empty(), "{:?}", layered.problems());
    assert_eq!(layered.layers()[0].kind, SourceKind::Builtin);
    let mut queries = Vec::new();
    let mut walk = vec![dir.join("cargo")];
    while let Some(d) = walk.pop() {
        for entry in std::fs::read_dir(&d).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk.push(path);
            } else {
                for line in std::fs::read_to_string(&path).unwrap().lines() {
                    let r: Record = serde_json::from_str(line).unwrap();
                    assert!(
                        r.decision != Decision::Approved || !r.evidence.licence_files.is_empty(),
                        "{} is approved but pins no licence file",
                        r.purl
                    );
                    queries.push((r.purl.clone(), r.version.clone().unwrap(), r.decision));
                }
            }
        }
    }
    assert!(queries.len() >= 40, "only {} seeded records", queries.len());
    let asked: Vec<(&str, &str)> = queries
        .iter()
        .map(|(p, v, _)| (p.as_str(), v.as_str()))
        .collect();
    for (lookup, (purl, _, decision)) in layered.lookup_many(&asked).iter().zip(&queries) {
        let answer = lookup.answer.as_ref().unwrap_or_else(|| panic!("{purl}"));
        assert_eq!(answer.record.decision, *decision);
        assert_eq!(answer.index_name, "fundament");
    }
}

#[test]
fn a_curation_from_an_index_applies_while_its_licence_files_are_unchanged() {
    use fundament::licence::detect::DetectionCache;
    use fundament::licence::{self, ConcludedFrom, DetectMode, IdentifyOptions};
    use fundament::model::{DeclaredLicence, Ecosystem, Graph, Origin, Package, PackageSource};

    let tmp = tempfile::tempdir().unwrap();
    let package_dir = tmp.path().join("thing-1.0.0");
    std::fs::create_dir_all(&package_dir).unwrap();
    let text = "Permission is hereby granted, free of charge, to any person ...\n";
    std::fs::write(package_dir.join("LICENSE"), text).unwrap();
    let sha = fundament::licence::detect::sha256_hex(text.as_bytes());

    let mut r = record("pkg:cargo/thing", "1.0.0", Decision::Approved, "MIT");
    r.evidence
        .licence_files
        .push(fundament::index::LicenceFileHash {
            path: "LICENSE".to_string(),
            sha256: sha,
        });
    let index = new_index(tmp.path(), false);
    std::fs::create_dir_all(index.join("cargo/th/in")).unwrap();
    std::fs::write(
        index.join("cargo/th/in/thing"),
        format!("{}\n", r.to_line()),
    )
    .unwrap();
    let layered = only(&[folder("city", &index, 1)]);

    let mut package = Package::new(
        Ecosystem::Cargo,
        "thing",
        "1.0.0",
        PackageSource::Registry { url: None },
    );
    package.dir = Some(package_dir.clone());
    package.declared.push(DeclaredLicence {
        raw: "MIT/X11-ish".to_string(),
        origin: Origin {
            file: "Cargo.toml".to_string(),
            field: "license".to_string(),
        },
    });
    let graph = Graph {
        projects: Vec::new(),
        packages: vec![package.clone()],
    };
    let answer = layered
        .lookup(&package.purl, &package.version)
        .answer
        .unwrap();
    let curation = answer
        .curation(&package.name, &package.version, None)
        .unwrap();
    let options = IdentifyOptions {
        detect: DetectMode::Needed,
        cache: DetectionCache::new(None),
        areas: fundament::source::Confined::other(tmp.path(), "the package cache")
            .into_iter()
            .collect(),
    };
    let identified = licence::identify(&graph, std::slice::from_ref(&curation), &options);
    let concluded = &identified.evidence[0].concluded;
    assert_eq!(concluded.from, ConcludedFrom::Curated);
    assert_eq!(concluded.expression, "MIT");
    assert!(
        concluded
            .explanation
            .contains("index `city` cargo/th/in/thing:1"),
        "{}",
        concluded.explanation
    );

    // The licence file changed: the record no longer applies, and the audit says so.
    std::fs::write(package_dir.join("LICENSE"), "Some other licence\n").unwrap();
    let identified = licence::identify(&graph, &[curation], &options);
    assert_ne!(
        identified.evidence[0].concluded.from,
        ConcludedFrom::Curated
    );
    assert!(
        identified.findings.iter().any(|f| f.code.as_str() == "V005"
            && f.message.contains("LICENSE has sha256")
            && f.message.contains("the index record expects")),
        "{:?}",
        identified.findings
    );
}
