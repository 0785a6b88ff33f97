//! The portfolio's reports: `where-used` against the merged result, `--since` for what
//! changed, and the HTML report in German and English, rendered in headless Chromium.

mod support;

use serde_json::Value;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use support::browser::{chromium, run_chromium};
use support::copy_tree;
use support::portfolio::{commit_all, fundament, list_file, make_repositories};

fn run(args: &[&str], paths: &[&Path]) -> (i32, String, String) {
    let output = fundament()
        .args(args)
        .args(paths)
        .output()
        .expect("fundament runs");
    (
        output.status.code().unwrap(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

/// A scanned and merged portfolio of `count` repositories: (list file, output folder,
/// portfolio result).
fn portfolio(root: &Path, count: usize) -> (Vec<PathBuf>, PathBuf, PathBuf) {
    let repositories = make_repositories(&root.join("repos"), count);
    let list = root.join("repos.txt");
    list_file(&list, &repositories);
    let out = root.join("out");
    let (code, _, stderr) = run(&["scan", "--no-registry", "-o"], &[&out, &list]);
    assert_eq!(code, 0, "{stderr}");
    let result = root.join("portfolio.json");
    let (code, _, stderr) = run(&["merge", "-o"], &[&result, &out]);
    assert!(code <= 2 && result.is_file(), "{stderr}");
    (repositories, out, result)
}

fn read(path: &Path) -> Value {
    serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
}

/// From the repositories' own audits (not the merged result): which repositories have a
/// package with this purl.
fn users_in_audits(out: &Path, purl: &str) -> BTreeSet<String> {
    let manifest = read(&out.join("shard-1-of-1.json"));
    let mut users = BTreeSet::new();
    for entry in manifest["results"].as_array().unwrap() {
        let result = read(&out.join(entry["file"].as_str().unwrap()));
        let Some(audit) = result["files"]["audit"].as_str() else {
            continue;
        };
        let audit = read(&out.join(audit));
        if audit["packages"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["purl"] == purl && p["root"] == false)
        {
            users.insert(result["repository"]["name"].as_str().unwrap().to_string());
        }
    }
    users
}

#[test]
fn where_used_answers_from_the_merged_result() {
    let tmp = tempfile::tempdir().unwrap();
    let (_, out, result) = portfolio(tmp.path(), 8);
    let portfolio = read(&result);
    // The component most repositories use.
    let busiest = portfolio["components"]
        .as_array()
        .unwrap()
        .iter()
        .max_by_key(|c| c["used_by"].as_array().unwrap().len())
        .unwrap();
    let purl = busiest["purl"].as_str().unwrap();
    let expected = users_in_audits(&out, purl);
    assert!(expected.len() >= 2, "{purl}: {expected:?}");

    let (code, stdout, stderr) = run(&["where-used", purl, "--format", "json"], &[&result]);
    assert_eq!(code, 0, "{stderr}");
    let answer: Value = serde_json::from_str(&stdout).unwrap();
    let found: BTreeSet<String> = answer["components"][0]["repositories"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["name"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(found, expected);
    assert_eq!(answer["repositories"], expected.len());
    assert_eq!(answer["of"], 8);

    // Any version: the purl without one.
    let unversioned = purl.split('@').next().unwrap();
    let (code, stdout, _) = run(&["where-used", unversioned], &[&result]);
    assert_eq!(code, 0);
    assert!(stdout.contains("(any version)"), "{stdout}");
    assert!(stdout.contains(purl), "{stdout}");

    // A licence: every repository with a component under it, and only those.
    let licence = portfolio["licences"][0]["licence"]
        .as_str()
        .unwrap()
        .to_string();
    let (code, stdout, _) = run(&["where-used", &licence, "--format", "json"], &[&result]);
    assert_eq!(code, 0);
    let answer: Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(
        answer["repositories"],
        portfolio["licences"][0]["repositories"]
    );
    for c in answer["components"].as_array().unwrap() {
        for u in c["repositories"].as_array().unwrap() {
            assert!(u["licence"].as_str().unwrap().contains(&licence), "{u:#}");
        }
    }

    // The scan's folder works as well as the merged file.
    let (code, _, _) = run(&["where-used", purl], &[&out]);
    assert_eq!(code, 0);
    // Not used: exit 1. Not a question: exit 2.
    let (code, stdout, _) = run(&["where-used", "pkg:npm/no-such-package@1.0.0"], &[&result]);
    assert_eq!(code, 1);
    assert!(
        stdout.contains("used by none of the 8 repositories"),
        "{stdout}"
    );
    let (code, _, stderr) = run(&["where-used", "pkg:"], &[&result]);
    assert_eq!(code, 2, "{stderr}");
    let (code, _, stderr) = run(&["where-used", "MIT"], &[&tmp.path().join("nope.json")]);
    assert_eq!(code, 2);
    assert!(stderr.contains("nope.json"), "{stderr}");
}

#[test]
fn since_tells_what_changed() {
    let tmp = tempfile::tempdir().unwrap();
    let (repositories, _, previous) = portfolio(tmp.path(), 5);

    // app-01 gets app-03's project (other components), app-04 leaves, app-05 comes.
    let source = support::portfolio::fixture_sources();
    for file in [
        "package-lock.json",
        "package.json",
        "composer.lock",
        "composer.json",
    ] {
        let _ = std::fs::remove_file(repositories[1].join(file));
    }
    copy_tree(&source[4], &repositories[1]);
    commit_all(&repositories[1], "another project");
    let mut now: Vec<PathBuf> = repositories[..4].to_vec();
    let newcomer = tmp.path().join("repos/app-05");
    copy_tree(&source[6], &newcomer);
    commit_all(&newcomer, "import");
    now.push(newcomer);
    let list = tmp.path().join("repos-now.txt");
    list_file(&list, &now);
    let out = tmp.path().join("out-now");
    let (code, _, stderr) = run(&["scan", "--no-registry", "-o"], &[&out, &list]);
    assert_eq!(code, 0, "{stderr}");
    let (_, stdout, stderr) = run(&["merge", "--since"], &[&previous, &out]);
    let portfolio: Value =
        serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("{e}: {stderr}"));
    let changes = &portfolio["changes"];
    assert_eq!(changes["since"], read(&previous)["created"]);
    let name = |i: usize| {
        format!("{}/app-{i:02}", tmp.path().join("repos").display())
            .trim_start_matches('/')
            .to_string()
    };
    assert_eq!(changes["repositories_added"], serde_json::json!([name(5)]));
    assert_eq!(
        changes["repositories_removed"],
        serde_json::json!([name(4)])
    );
    let changed: Vec<&Value> = changes["repositories"].as_array().unwrap().iter().collect();
    assert_eq!(changed.len(), 1, "{changed:#?}");
    assert_eq!(changed[0]["name"], name(1));
    assert!(changed[0]["commit"].is_array());
    assert!(
        !changed[0]["components_added"]
            .as_array()
            .unwrap()
            .is_empty()
    );
    assert!(
        !changed[0]["components_removed"]
            .as_array()
            .unwrap()
            .is_empty()
    );
    // The same portfolio against itself: nothing changed.
    let (_, stdout, _) = run(
        &["merge", "--format", "human", "--since"],
        &[&previous, &previous],
    );
    assert!(stdout.contains("Changes since"), "{stdout}");
    assert!(stdout.contains("  none"), "{stdout}");
    // The HTML report shows the changes.
    let (_, html, _) = run(
        &["merge", "--format", "html", "--since"],
        &[&previous, &out],
    );
    assert!(html.contains("id=\"changes\""));
    // (The template engine escapes `/` too.)
    assert!(html.contains(&name(5).replace('/', "&#x2f;")), "{html}");
}

#[test]
fn markup_in_names_is_escaped() {
    let tmp = tempfile::tempdir().unwrap();
    let checkouts = tmp.path().join("checkouts");
    let hostile = checkouts.join("<img src=x onerror=alert(1)>");
    copy_tree(&support::fixture("npm/lockfile-v3"), &hostile);
    commit_all(&hostile, "import");
    let out = tmp.path().join("out");
    let (code, _, stderr) = run(&["scan", "--no-registry", "-o"], &[&out, &checkouts]);
    assert_eq!(code, 0, "{stderr}");
    for lang in ["en", "de"] {
        let (_, html, _) = run(&["merge", "--format", "html", "--lang", lang], &[&out]);
        assert!(!html.contains("<img src=x"), "{lang}: unescaped markup");
        assert!(
            html.contains("&lt;img src=x onerror=alert(1)&gt;"),
            "{lang}"
        );
    }
    // The terminal gets no control characters from names either.
    let (_, text, _) = run(&["merge", "--format", "human"], &[&out]);
    assert!(text.contains("<img src=x"));
}

#[test]
fn the_html_portfolio_report_renders_in_a_browser() {
    let Some(chromium) = chromium() else {
        eprintln!("skipped: chromium is not installed (neither /usr/bin/chromium nor on PATH)");
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let (_, _, result) = portfolio(tmp.path(), 6);
    let portfolio = read(&result);
    for (lang, headline) in [
        (
            "en",
            ["Every repository passes", "Policy violations", "Incomplete"],
        ),
        (
            "de",
            [
                "Alle Repositorys bestehen",
                "Richtlinienverstöße",
                "Unvollständig",
            ],
        ),
    ] {
        let file = tmp.path().join(format!("portfolio-{lang}.html"));
        let (code, _, stderr) = run(
            &["merge", "--format", "html", "--lang", lang, "-o"],
            &[&file, &result],
        );
        assert!(code <= 2 && file.is_file(), "{stderr}");
        let url = format!("file://{}", file.display());
        let profile = tempfile::tempdir().unwrap();
        let dom = run_chromium(&chromium, profile.path(), &["--dump-dom".to_string()], &url);
        let outcome = portfolio["summary"]["outcome"].as_str().unwrap();
        assert!(
            dom.contains(&format!(
                "id=\"verdict\" class=\"verdict {outcome}\" data-outcome=\"{outcome}\""
            )),
            "{lang}: the verdict"
        );
        let expected = match outcome {
            "pass" => headline[0],
            "fail" => headline[1],
            _ => headline[2],
        };
        assert!(dom.contains(expected), "{lang}: {expected}");
        assert!(dom.contains(&format!("<html lang=\"{lang}\"")));
        // One row per repository, per licence, per component.
        assert_eq!(
            dom.matches("<tr class=\"repository ").count(),
            portfolio["repositories"].as_array().unwrap().len()
        );
        assert_eq!(
            dom.matches("<tr class=\"licence\"").count(),
            portfolio["licences"].as_array().unwrap().len()
        );
        assert_eq!(
            dom.matches("<tr class=\"component\"").count(),
            portfolio["components"].as_array().unwrap().len()
        );
        for r in portfolio["repositories"].as_array().unwrap() {
            assert!(dom.contains(r["name"].as_str().unwrap()));
        }
    }
    let png = tmp.path().join("portfolio.png");
    let profile = tempfile::tempdir().unwrap();
    run_chromium(
        &chromium,
        profile.path(),
        &[
            format!("--screenshot={}", png.display()),
            "--window-size=1280,2000".to_string(),
        ],
        &format!("file://{}", tmp.path().join("portfolio-de.html").display()),
    );
    let bytes = std::fs::read(&png).expect("the screenshot was written");
    assert!(
        bytes.len() > 1000,
        "the screenshot is {} bytes",
        bytes.len()
    );
    assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n");
}
