//! `fundament scan` and `fundament merge` over portfolios of local git repositories made
//! from the fixtures: sharded and unsharded scans agree, a failing clone stops nothing, a
//! missing or duplicated shard is reported, an unchanged repository is not audited again.

mod support;

use fundament::portfolio::shard::shard_of;
use serde_json::Value;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use support::portfolio::{commit_all, fundament, list_file, make_repositories};

struct Run {
    code: i32,
    stderr: String,
}

fn scan(sources: &[&Path], out: &Path, extra: &[&str]) -> Run {
    let output = fundament()
        .arg("scan")
        .args(sources)
        .arg("-o")
        .arg(out)
        .args(["--no-registry", "--clone-jobs", "3"])
        .args(extra)
        .output()
        .expect("fundament runs");
    Run {
        code: output.status.code().expect("an exit code"),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

fn merge(inputs: &[&Path], extra: &[&str]) -> (i32, Value, String) {
    let output = fundament()
        .arg("merge")
        .args(inputs)
        .args(extra)
        .output()
        .expect("fundament runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let json = serde_json::from_str(&stdout).unwrap_or_else(|e| {
        panic!(
            "merge did not write JSON ({e}): {stdout}\n{}",
            String::from_utf8_lossy(&output.stderr)
        )
    });
    (
        output.status.code().expect("an exit code"),
        json,
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

fn json(path: &Path) -> Value {
    serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
}

fn statuses(portfolio: &Value) -> Vec<(String, String)> {
    portfolio["repositories"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["name"].as_str().unwrap().to_string(),
                r["status"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

fn codes(portfolio: &Value) -> Vec<String> {
    portfolio["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["code"].as_str().unwrap().to_string())
        .collect()
}

/// The portfolio without what depends on how it was sharded.
fn without_sharding(mut portfolio: Value) -> Value {
    portfolio["scan"].as_object_mut().unwrap().remove("shards");
    for r in portfolio["repositories"].as_array_mut().unwrap() {
        r.as_object_mut().unwrap().remove("shard");
    }
    portfolio
}

fn url_of(repository: &Path) -> String {
    format!("file://{}", repository.display())
}

#[test]
fn sharded_and_unsharded_scans_merge_to_the_same_portfolio() {
    let tmp = tempfile::tempdir().unwrap();
    let repositories = make_repositories(&tmp.path().join("repos"), 50);
    let list = tmp.path().join("repos.txt");
    list_file(&list, &repositories);

    let all = tmp.path().join("out-all");
    let run = scan(&[&list], &all, &["--rescan"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stderr.contains("50 of 50 repositories"),
        "{}",
        run.stderr
    );
    let (code, whole, _) = merge(&[&all], &[]);
    assert!((0..=2).contains(&code), "merge exit {code}");
    assert!(codes(&whole).is_empty(), "{:#}", whole["findings"]);
    assert_eq!(whole["schema"], "fundament.portfolio/1");
    assert_eq!(whole["summary"]["repositories"], 50);
    assert_eq!(whole["summary"]["by_status"]["audited"], 50);
    assert!(whole["summary"]["components"].as_u64().unwrap() > 50);
    assert_eq!(whole["scan"]["shards"]["total"], 1);
    // Every repository's files are there, its SBOM among them.
    for r in whole["repositories"].as_array().unwrap() {
        let files = &r["files"];
        for key in ["result", "audit", "cyclonedx"] {
            let file = all.join(files[key].as_str().unwrap());
            assert!(file.is_file(), "{}", file.display());
        }
        let sbom = json(&all.join(files["cyclonedx"].as_str().unwrap()));
        assert_eq!(sbom["bomFormat"], "CycloneDX");
    }
    let expected = without_sharding(whole);

    for total in 1..=4u32 {
        let outs: Vec<PathBuf> = (1..=total)
            .map(|index| tmp.path().join(format!("out-{total}-{index}")))
            .collect();
        let mut seen = BTreeSet::new();
        for (i, out) in outs.iter().enumerate() {
            let shard = format!("{}/{total}", i + 1);
            let run = scan(&[&list], out, &["--shard", &shard, "--rescan"]);
            assert_eq!(run.code, 0, "{}", run.stderr);
            let manifest = json(&out.join(format!("shard-{}-of-{total}.json", i + 1)));
            assert_eq!(
                manifest["listing"]["repositories"]
                    .as_array()
                    .unwrap()
                    .len(),
                50,
                "every shard records the whole listing"
            );
            for entry in manifest["results"].as_array().unwrap() {
                let id = entry["id"].as_str().unwrap();
                assert_eq!(
                    shard_of(id, total),
                    i as u32 + 1,
                    "{id} is in shard {shard}"
                );
                assert!(seen.insert(id.to_string()), "{id} in two shards");
            }
        }
        assert_eq!(seen.len(), 50, "the {total} shards cover the portfolio");
        let inputs: Vec<&Path> = outs.iter().map(PathBuf::as_path).collect();
        let (_, merged, stderr) = merge(&inputs, &[]);
        assert_eq!(merged["scan"]["shards"]["total"], total);
        assert_eq!(
            merged["scan"]["shards"]["present"]
                .as_array()
                .unwrap()
                .len(),
            total as usize
        );
        assert!(
            codes(&merged).iter().all(|c| c != "S003" && c != "S005"),
            "{stderr}"
        );
        assert_eq!(
            without_sharding(merged),
            expected,
            "{total} shards merge to the unsharded portfolio"
        );
    }
}

#[test]
fn a_failing_clone_does_not_stop_the_others() {
    let tmp = tempfile::tempdir().unwrap();
    let repositories = make_repositories(&tmp.path().join("repos"), 4);
    let list = tmp.path().join("repos.txt");
    list_file(&list, &repositories);
    let missing = tmp.path().join("gone/app.git");
    let mut text = std::fs::read_to_string(&list).unwrap();
    text.push_str(&format!("{}\n", url_of(&missing)));
    // A branch that does not exist fails as well.
    text.push_str(&format!("{} no-such-branch\n", url_of(&repositories[0])));
    std::fs::write(&list, text).unwrap();

    let out = tmp.path().join("out");
    let run = scan(&[&list], &out, &[]);
    assert_eq!(
        run.code, 2,
        "a failed repository makes the scan exit 2: {}",
        run.stderr
    );
    assert!(run.stderr.contains("failed"), "{}", run.stderr);
    let manifest = json(&out.join("shard-1-of-1.json"));
    let results = manifest["results"].as_array().unwrap();
    assert_eq!(results.len(), 6);
    let failed: Vec<&Value> = results.iter().filter(|r| r["status"] == "failed").collect();
    assert_eq!(failed.len(), 2, "{results:#?}");
    assert_eq!(
        results.iter().filter(|r| r["status"] == "audited").count(),
        4
    );
    let gone = json(
        &out.join(
            failed.iter().find(|r| r["id"] == url_of(&missing)).unwrap()["file"]
                .as_str()
                .unwrap(),
        ),
    );
    assert!(
        gone["error"].as_str().unwrap().contains("gone/app.git"),
        "{gone:#}"
    );

    let (code, portfolio, stderr) = merge(&[&out], &[]);
    assert_eq!(code, 2, "{stderr}");
    assert_eq!(portfolio["summary"]["outcome"], "incomplete");
    assert_eq!(portfolio["summary"]["by_status"]["failed"], 2);
    assert_eq!(portfolio["repositories"].as_array().unwrap().len(), 6);
    let unavailable: Vec<&Value> = portfolio["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["code"] == "S001")
        .collect();
    assert_eq!(unavailable.len(), 2);
    assert!(
        unavailable
            .iter()
            .any(|f| f["message"].as_str().unwrap().contains("no-such-branch")),
        "{unavailable:#?}"
    );
    assert!(stderr.contains("error[S001]"), "{stderr}");
}

#[test]
fn merge_reports_missing_duplicated_and_foreign_shards() {
    let tmp = tempfile::tempdir().unwrap();
    let repositories = make_repositories(&tmp.path().join("repos"), 12);
    let list = tmp.path().join("repos.txt");
    list_file(&list, &repositories);
    let outs: Vec<PathBuf> = (1..=3)
        .map(|i| tmp.path().join(format!("out-{i}")))
        .collect();
    for (i, out) in outs.iter().enumerate() {
        let run = scan(&[&list], out, &["--shard", &format!("{}/3", i + 1)]);
        assert_eq!(run.code, 0, "{}", run.stderr);
    }

    // Shard 2 is missing.
    let (code, portfolio, stderr) = merge(&[&outs[0], &outs[2]], &[]);
    assert_eq!(code, 2, "{stderr}");
    assert_eq!(portfolio["summary"]["outcome"], "incomplete");
    assert_eq!(
        portfolio["scan"]["shards"]["missing"],
        serde_json::json!([2])
    );
    let expected_missing: BTreeSet<String> = repositories
        .iter()
        .map(|r| url_of(r))
        .filter(|id| shard_of(id, 3) == 2)
        .collect();
    assert!(!expected_missing.is_empty());
    let missing: BTreeSet<String> = portfolio["repositories"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["status"] == "missing")
        .map(|r| r["id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(missing, expected_missing, "no repository is dropped");
    assert_eq!(portfolio["repositories"].as_array().unwrap().len(), 12);
    let finding = portfolio["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["code"] == "S003")
        .expect("a shard-missing finding");
    assert_eq!(finding["shard"], 2);
    assert!(
        finding["message"]
            .as_str()
            .unwrap()
            .contains(&format!("its {} repositor", expected_missing.len())),
        "{finding:#}"
    );

    // Shard 1 twice (a retried job): reported, the portfolio is still whole.
    let again = tmp.path().join("out-1-again");
    support::copy_tree(&outs[0], &again);
    let (code, portfolio, _) = merge(&[&outs[0], &outs[1], &outs[2], &again], &[]);
    assert_ne!(code, 2, "{:#}", portfolio["findings"]);
    assert_eq!(
        portfolio["scan"]["shards"]["duplicated"],
        serde_json::json!([1])
    );
    let duplicated = portfolio["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["code"] == "S004")
        .expect("a shard-duplicated finding");
    assert_eq!(duplicated["severity"], "warning");
    assert!(statuses(&portfolio).iter().all(|(_, s)| s == "audited"));

    // A shard of another scan (two shards instead of three) is named and left out.
    let foreign = tmp.path().join("out-foreign");
    assert_eq!(scan(&[&list], &foreign, &["--shard", "1/2"]).code, 0);
    let (code, portfolio, _) = merge(&[&outs[0], &outs[1], &outs[2], &foreign], &[]);
    assert_eq!(code, 2);
    assert!(codes(&portfolio).contains(&"S007".to_string()));
    assert_eq!(portfolio["scan"]["shards"]["total"], 3);

    // A damaged result: the repository is missing, with the file named.
    // (Repositories fall into shards by a hash of their identity, which holds this test's
    // temporary folder: take a result from whichever shard has one.)
    let (out, first) = outs
        .iter()
        .enumerate()
        .find_map(|(i, out)| {
            let manifest = json(&out.join(format!("shard-{}-of-3.json", i + 1)));
            let file = manifest["results"]
                .as_array()?
                .iter()
                .find_map(|r| r["file"].as_str().map(str::to_string))?;
            Some((out, file))
        })
        .expect("a shard with a result");
    let first = first.as_str();
    std::fs::write(out.join(first), "{ not json").unwrap();
    let (code, portfolio, _) = merge(&[&outs[0], &outs[1], &outs[2]], &[]);
    assert_eq!(code, 2);
    let damaged = portfolio["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["code"] == "S005")
        .expect("a result-missing finding");
    assert!(
        damaged["message"].as_str().unwrap().contains(first),
        "{damaged:#}"
    );

    // Not a scan output at all.
    let output = fundament()
        .args(["merge"])
        .arg(tmp.path().join("repos"))
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("no shard manifest"));
}

#[test]
fn an_unchanged_repository_is_skipped_the_second_time() {
    let tmp = tempfile::tempdir().unwrap();
    let cache = tmp.path().join("cache");
    let cache_arg = cache.to_str().unwrap();
    let repositories = make_repositories(&tmp.path().join("repos"), 4);
    let list = tmp.path().join("repos.txt");
    list_file(&list, &repositories);
    let count = |out: &Path, status: &str| {
        json(&out.join("shard-1-of-1.json"))["results"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|r| r["status"] == status)
            .count()
    };

    let first = tmp.path().join("first");
    assert_eq!(scan(&[&list], &first, &["--cache-dir", cache_arg]).code, 0);
    assert_eq!(count(&first, "audited"), 4);

    let second = tmp.path().join("second");
    let run = scan(&[&list], &second, &["--cache-dir", cache_arg]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(count(&second, "reused"), 4, "{}", run.stderr);
    assert!(run.stderr.contains("4 reused"), "{}", run.stderr);
    // The reused results are the first run's, files and all.
    let (_, one, _) = merge(&[&first], &[]);
    let (_, two, _) = merge(&[&second], &[]);
    assert_eq!(one["components"], two["components"]);
    for r in two["repositories"].as_array().unwrap() {
        assert_eq!(r["status"], "reused");
        assert!(second.join(r["files"]["audit"].as_str().unwrap()).is_file());
        assert!(
            second
                .join(r["files"]["cyclonedx"].as_str().unwrap())
                .is_file()
        );
    }

    // A new commit in one repository: that one is audited again.
    std::fs::write(repositories[2].join("NOTICE"), "changed\n").unwrap();
    commit_all(&repositories[2], "a change");
    let third = tmp.path().join("third");
    assert_eq!(scan(&[&list], &third, &["--cache-dir", cache_arg]).code, 0);
    assert_eq!(count(&third, "audited"), 1);
    assert_eq!(count(&third, "reused"), 3);

    // Another policy: everything is audited again.
    let fourth = tmp.path().join("fourth");
    let run = scan(
        &[&list],
        &fourth,
        &["--cache-dir", cache_arg, "--policy", "permissive-only"],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(count(&fourth, "audited"), 4);

    // --rescan audits all.
    let fifth = tmp.path().join("fifth");
    assert_eq!(
        scan(&[&list], &fifth, &["--cache-dir", cache_arg, "--rescan"]).code,
        0
    );
    assert_eq!(count(&fifth, "audited"), 4);
    // ... and stores what it found: a --rescan into an empty cache makes the next run reuse.
    let other_cache = tmp.path().join("other-cache");
    let other_arg = other_cache.to_str().unwrap();
    let rescanned = tmp.path().join("rescanned");
    assert_eq!(
        scan(
            &[&list],
            &rescanned,
            &["--cache-dir", other_arg, "--rescan"]
        )
        .code,
        0
    );
    let after = tmp.path().join("after-rescan");
    assert_eq!(scan(&[&list], &after, &["--cache-dir", other_arg]).code, 0);
    assert_eq!(count(&after, "reused"), 4);

    // A checkout with uncommitted changes is audited every time, and says why.
    let checkouts = tmp.path().join("checkouts");
    std::fs::create_dir_all(&checkouts).unwrap();
    support::copy_tree(&repositories[0], &checkouts.join("dirty"));
    std::fs::write(checkouts.join("dirty/untracked.txt"), "x").unwrap();
    for round in ["a", "b"] {
        let out = tmp.path().join(format!("dirty-{round}"));
        assert_eq!(
            scan(&[&checkouts], &out, &["--cache-dir", cache_arg]).code,
            0
        );
        assert_eq!(count(&out, "audited"), 1);
        let result = json(
            &out.join(
                json(&out.join("shard-1-of-1.json"))["results"][0]["file"]
                    .as_str()
                    .unwrap(),
            ),
        );
        assert!(
            result["reuse"]
                .as_str()
                .unwrap()
                .contains("uncommitted changes"),
            "{result:#}"
        );
    }
}

#[test]
fn changed_advisory_data_is_audited_again() {
    let tmp = tempfile::tempdir().unwrap();
    let cache = tmp.path().join("cache");
    let cache_arg = cache.to_str().unwrap();
    let repositories = make_repositories(&tmp.path().join("repos"), 2);
    let list = tmp.path().join("repos.txt");
    list_file(&list, &repositories);
    let osv = tmp.path().join("osv");
    std::fs::create_dir_all(&osv).unwrap();
    let record = |id: &str| {
        format!(
            r#"{{"id": "{id}", "modified": "2025-06-01T00:00:00Z", "affected": [{{"package": {{"ecosystem": "PyPI", "name": "no-such-package"}}, "versions": ["1.0"]}}]}}"#
        )
    };
    std::fs::write(osv.join("TEST-1.json"), record("TEST-1")).unwrap();
    let osv_arg = osv.to_str().unwrap();
    let mut round = 0;
    let mut scan_with = |extra: &[&str]| {
        round += 1;
        let out = tmp.path().join(format!("out-{round}"));
        let mut args = vec!["--cache-dir", cache_arg];
        args.extend_from_slice(extra);
        let run = scan(&[&list], &out, &args);
        assert_eq!(run.code, 0, "{}", run.stderr);
        let manifest = json(&out.join("shard-1-of-1.json"));
        let results = manifest["results"].as_array().unwrap().clone();
        let count = |status: &str| results.iter().filter(|r| r["status"] == status).count();
        (count("audited"), count("reused"))
    };
    let with_db = ["--advisory-db", osv_arg];
    assert_eq!(scan_with(&with_db), (2, 0));
    assert_eq!(scan_with(&with_db), (0, 2), "unchanged: reused");
    // New advisory data: every repository is audited again, once.
    std::fs::write(osv.join("TEST-2.json"), record("TEST-2")).unwrap();
    assert_eq!(scan_with(&with_db), (2, 0), "a record was added");
    assert_eq!(scan_with(&with_db), (0, 2));
    // A changed record (its size changes).
    std::fs::write(osv.join("TEST-2.json"), record("TEST-2-CHANGED")).unwrap();
    assert_eq!(scan_with(&with_db), (2, 0), "a record was changed");
    // Files the stage does not read change nothing.
    std::fs::write(osv.join("README.txt"), "notes").unwrap();
    assert_eq!(scan_with(&with_db), (0, 2));
    // Another --advisory-db list, and --no-advisories, are other keys.
    let other = tmp.path().join("osv-other");
    std::fs::create_dir_all(&other).unwrap();
    std::fs::write(other.join("TEST-1.json"), record("TEST-1")).unwrap();
    assert_eq!(
        scan_with(&[
            "--advisory-db",
            osv_arg,
            "--advisory-db",
            other.to_str().unwrap()
        ]),
        (2, 0)
    );
    assert_eq!(scan_with(&["--no-advisories"]), (2, 0));
    assert_eq!(scan_with(&["--no-advisories"]), (0, 2));
}

#[test]
fn a_folder_of_checkouts_with_symbolic_links() {
    let tmp = tempfile::tempdir().unwrap();
    let repositories = make_repositories(&tmp.path().join("elsewhere"), 3);
    let checkouts = tmp.path().join("checkouts");
    std::fs::create_dir_all(checkouts.join("group")).unwrap();
    #[cfg(unix)]
    {
        std::os::unix::fs::symlink(&repositories[0], checkouts.join("linked-a")).unwrap();
        std::os::unix::fs::symlink(&repositories[1], checkouts.join("group/linked-b")).unwrap();
    }
    support::copy_tree(&repositories[2], &checkouts.join("copied"));
    let out = tmp.path().join("out");
    let run = scan(&[&checkouts], &out, &[]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let (_, portfolio, _) = merge(&[&out], &[]);
    let names: Vec<String> = statuses(&portfolio).into_iter().map(|(n, _)| n).collect();
    #[cfg(unix)]
    assert_eq!(names, ["copied", "group/linked-b", "linked-a"]);
    for r in portfolio["repositories"].as_array().unwrap() {
        assert_eq!(r["status"], "audited");
        assert_eq!(r["source"], "folder");
        assert!(r["commit"].as_str().is_some_and(|c| c.len() == 40), "{r:#}");
        assert!(r["components"].as_u64().unwrap() > 0, "{r:#}");
    }
}

#[test]
fn the_ci_engines_variables_choose_the_shard() {
    let tmp = tempfile::tempdir().unwrap();
    let repositories = make_repositories(&tmp.path().join("repos"), 2);
    let list = tmp.path().join("repos.txt");
    list_file(&list, &repositories);
    let run = |out: &Path, vars: &[(&str, &str)]| {
        let mut cmd = fundament();
        cmd.arg("scan")
            .arg(&list)
            .arg("-o")
            .arg(out)
            .arg("--no-registry");
        for (k, v) in vars {
            cmd.env(k, v);
        }
        let output = cmd.output().unwrap();
        (
            output.status.code().unwrap(),
            String::from_utf8_lossy(&output.stderr).into_owned(),
        )
    };
    let gitlab = tmp.path().join("gitlab");
    let (code, stderr) = run(&gitlab, &[("CI_NODE_INDEX", "2"), ("CI_NODE_TOTAL", "3")]);
    assert_eq!(code, 0, "{stderr}");
    assert!(gitlab.join("shard-2-of-3.json").is_file());
    assert!(stderr.contains("GitLab CI"), "{stderr}");
    let k8s = tmp.path().join("k8s");
    let (code, _) = run(
        &k8s,
        &[
            ("JOB_COMPLETION_INDEX", "0"),
            ("FUNDAMENT_SHARD_TOTAL", "2"),
        ],
    );
    assert_eq!(code, 0);
    assert!(k8s.join("shard-1-of-2.json").is_file());
    let github = tmp.path().join("github");
    let (code, _) = run(
        &github,
        &[
            ("FUNDAMENT_SHARD_INDEX", "3"),
            ("FUNDAMENT_SHARD_TOTAL", "4"),
        ],
    );
    assert_eq!(code, 0);
    assert!(github.join("shard-4-of-4.json").is_file());
    // A half-set engine is an error, not a scan of everything.
    let (code, stderr) = run(&tmp.path().join("bad"), &[("JOB_COMPLETION_INDEX", "1")]);
    assert_eq!(code, 2);
    assert!(stderr.contains("FUNDAMENT_SHARD_TOTAL"), "{stderr}");
    // --shard wins over the environment.
    let flag = tmp.path().join("flag");
    let mut cmd = fundament();
    let output = cmd
        .arg("scan")
        .arg(&list)
        .args(["--shard", "1/1", "--no-registry", "-o"])
        .arg(&flag)
        .env("CI_NODE_INDEX", "2")
        .env("CI_NODE_TOTAL", "3")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0));
    assert!(flag.join("shard-1-of-1.json").is_file());
}

#[test]
fn bad_input_is_named() {
    let tmp = tempfile::tempdir().unwrap();
    let list = tmp.path().join("repos.txt");
    std::fs::write(&list, "https://git.example/a.git main extra\n").unwrap();
    let run = scan(&[&list], &tmp.path().join("out"), &[]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("repos.txt:1"), "{}", run.stderr);
    let run = scan(&[], &tmp.path().join("out"), &[]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("nothing to scan"), "{}", run.stderr);
    let run = scan(&[&list], &tmp.path().join("out"), &["--shard", "5/4"]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("--shard"), "{}", run.stderr);
    let output = fundament()
        .args(["scan", "--gitlab-group", "city", "-o"])
        .arg(tmp.path().join("out"))
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("--gitlab-url"));
}

#[test]
fn audit_takes_a_git_url() {
    let tmp = tempfile::tempdir().unwrap();
    let repositories = make_repositories(&tmp.path().join("repos"), 1);
    let url = url_of(&repositories[0]);
    let cache = tmp.path().join("cache");
    let output = fundament()
        .args([
            "audit",
            &url,
            "--format",
            "json",
            "--no-registry",
            "--cache-dir",
        ])
        .arg(&cache)
        .output()
        .unwrap();
    let report: Value = serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&output.stderr)));
    // The same audit as of the checkout itself (but for where the files are).
    let local = support::audit_json(&repositories[0], &["--no-registry"]);
    let verdicts = |json: &Value| -> Vec<(String, String)> {
        support::packages(json)
            .iter()
            .map(|p| {
                (
                    p["purl"].as_str().unwrap().to_string(),
                    p["verdict"]["status"].as_str().unwrap().to_string(),
                )
            })
            .collect()
    };
    assert_eq!(verdicts(&report), verdicts(&local.json));
    assert_eq!(report["summary"], local.json["summary"]);
    assert!(
        report["root"]
            .as_str()
            .unwrap()
            .starts_with(&std::fs::canonicalize(&cache).unwrap().display().to_string()),
        "cloned into the cache: {}",
        report["root"]
    );
    let missing = url_of(&tmp.path().join("gone.git"));
    let output = fundament().args(["audit", &missing]).output().unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("gone.git"));
}
