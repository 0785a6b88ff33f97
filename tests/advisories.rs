//! Known vulnerabilities in `fundament audit`: advisory data from folders, zips, downloads, git
//! and the OSV API; matching on real data (../shared/data/osv: the PyPI, Go and RustSec
//! databases) and on records written here for the ecosystems that data does not cover; the
//! policy's `[advisories]`; VEX statements from an index; and the comparison with OSV-Scanner's
//! recorded findings (tests/ground-truth/osv-scanner.py).

mod support;

use serde_json::{Value, json};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use support::server::{Reply, TestServer};
use support::{audit_json, findings, fixture, fundament, shared_fixture};

/// ../shared/data/osv, or `None` (with a message) where it is absent.
fn osv_data() -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/data/osv");
    if dir.exists() {
        Some(dir)
    } else {
        eprintln!("skipped: {} is absent", dir.display());
        None
    }
}

fn s(path: &Path) -> &str {
    path.to_str().expect("a UTF-8 path")
}

fn vulnerabilities(json: &Value) -> &Vec<Value> {
    json["advisories"]["vulnerabilities"]
        .as_array()
        .expect("advisories.vulnerabilities")
}

/// The (name, version, id) of every vulnerability of the report.
fn triples(json: &Value) -> BTreeSet<(String, String, String)> {
    vulnerabilities(json)
        .iter()
        .map(|v| {
            (
                v["name"].as_str().unwrap().to_string(),
                v["version"].as_str().unwrap().to_string(),
                v["id"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

fn vulnerability<'a>(json: &'a Value, name: &str, version: &str, id: &str) -> &'a Value {
    vulnerabilities(json)
        .iter()
        .find(|v| v["name"] == name && v["version"] == version && v["id"] == id)
        .unwrap_or_else(|| panic!("no {id} for {name} {version}"))
}

/// A folder of OSV JSON records.
fn osv_folder(dir: &Path, records: &[Value]) -> PathBuf {
    std::fs::create_dir_all(dir).unwrap();
    for r in records {
        let id = r["id"].as_str().unwrap();
        std::fs::write(dir.join(format!("{id}.json")), r.to_string()).unwrap();
    }
    dir.to_path_buf()
}

fn record(id: &str, ecosystem: &str, name: &str, events: Value) -> Value {
    json!({
        "id": id,
        "modified": "2026-11-30T00:00:00Z",
        "summary": format!("{name} test advisory {id}"),
        "affected": [{
            "package": {"ecosystem": ecosystem, "name": name},
            "ranges": [{"type": "ECOSYSTEM", "events": events}],
        }],
        "database_specific": {"severity": "MODERATE"},
    })
}

/// A zip of OSV records, as OSV publishes them per ecosystem.
fn zip_of(records: &[Value]) -> Vec<u8> {
    let mut out = Vec::new();
    {
        let mut writer = zip::ZipWriter::new(std::io::Cursor::new(&mut out));
        for r in records {
            writer
                .start_file(
                    format!("{}.json", r["id"].as_str().unwrap()),
                    zip::write::SimpleFileOptions::default(),
                )
                .unwrap();
            std::io::Write::write_all(&mut writer, r.to_string().as_bytes()).unwrap();
        }
        writer.finish().unwrap();
    }
    out
}

// ---------------------------------------------------------------------------------------------
// Without data

#[test]
fn without_advisory_data_the_audit_says_vulnerabilities_were_not_checked() {
    let run = audit_json(&fixture("cargo/workspace"), &["--offline"]);
    assert_eq!(run.json["advisories"]["status"], "not-configured");
    let a012 = findings(&run.json, "A012");
    assert_eq!(a012.len(), 1);
    assert_eq!(a012[0]["severity"], "warning");
    assert!(
        a012[0]["message"]
            .as_str()
            .unwrap()
            .contains("no advisory database is configured")
    );
    assert!(
        run.json["packages"]
            .as_array()
            .unwrap()
            .iter()
            .all(|p| p["advisories"]["checked"] == false)
    );
    let (_, human, _) = support::audit_text(&fixture("cargo/workspace"), &["--offline"]);
    assert!(
        human.contains("vulnerabilities: not checked (no advisory database configured"),
        "{human}"
    );

    let off = audit_json(
        &fixture("cargo/workspace"),
        &["--offline", "--no-advisories"],
    );
    assert_eq!(off.json["advisories"]["status"], "off");
    assert_eq!(findings(&off.json, "A012")[0]["severity"], "note");
}

// ---------------------------------------------------------------------------------------------
// Real data

#[test]
fn rust_packages_against_the_rustsec_database() {
    let (Some(dir), Some(data)) = (shared_fixture("opentalk-roomserver"), osv_data()) else {
        return;
    };
    let run = audit_json(
        &dir,
        &["--offline", "--advisory-db", s(&data.join("rustsec"))],
    );
    let json = &run.json;
    assert_eq!(run.code, 1, "vulnerabilities are errors by default");
    assert_eq!(json["advisories"]["status"], "checked");
    let quick = vulnerability(json, "quick-xml", "0.39.4", "RUSTSEC-2026-0194");
    assert_eq!(quick["severity"]["level"], "high");
    assert_eq!(quick["severity"]["score"], 7.5);
    assert_eq!(quick["severity"]["method"], "CVSSv31");
    assert_eq!(quick["fixed"], json!(["0.41.0"]));
    assert_eq!(quick["upgrade"], "0.41.0");
    assert_eq!(quick["state"], "fail");
    assert!(
        quick["path"].as_array().unwrap().len() > 2,
        "the dependency path is given"
    );
    // An alias from another database is the same vulnerability, named once.
    let h2 = vulnerability(json, "h2", "0.4.15", "RUSTSEC-2026-0258");
    assert_eq!(h2["aliases"], json!(["GHSA-q83h-524g-xf6h"]));
    assert!(h2["severity"].get("level").is_none(), "no record rates it");
    // Informational advisories are warnings by default, and not counted as vulnerabilities.
    let yaml = vulnerability(json, "yaml-rust", "0.4.5", "RUSTSEC-2024-0320");
    assert_eq!(yaml["kind"], "unmaintained");
    assert_eq!(yaml["state"], "review");
    let summary = &json["advisories"]["summary"];
    assert_eq!(summary["vulnerabilities"], 6);
    assert_eq!(summary["informational"], 9);
    let a001: Vec<&Value> = findings(json, "A001");
    assert_eq!(support::affected(json, "A001").len(), 6);
    assert!(a001.iter().all(|f| f["severity"] == "error"));
    assert!(
        findings(json, "A002")
            .iter()
            .all(|f| f["severity"] == "warning")
    );
    // The data's age is in the report, per ecosystem.
    let cargo = json["advisories"]["ecosystems"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["ecosystem"] == "cargo")
        .unwrap();
    assert_eq!(cargo["checked"], true);
    assert_eq!(cargo["as_of"], "2026-08-20T00:00:00Z");
    assert!(cargo["age_days"].as_i64().unwrap() > 0);
    // The package entry names its vulnerabilities and the upgrade that clears them all.
    let p = support::package_at(json, "quick-xml", "0.39.4");
    assert_eq!(p["advisories"]["checked"], true);
    assert_eq!(p["advisories"]["upgrade"], "0.41.0");
}

#[test]
fn python_packages_against_the_pypi_advisory_database() {
    let Some(data) = osv_data() else {
        return;
    };
    let dir = fixture("advisories/python-old");
    let run = audit_json(&dir, &["--offline", "--advisory-db", s(&data.join("pypi"))]);
    let json = &run.json;
    let django = vulnerability(json, "django", "3.2.0", "PYSEC-2022-304");
    assert_eq!(django["aliases"], json!(["CVE-2022-41323"]));
    assert_eq!(django["fixed"], json!(["3.2.16", "4.0.8", "4.1.2"]));
    assert_eq!(django["upgrade"], "3.2.16");
    // A CVSS 3.1 vector scored by the cvss crate.
    let sky: Vec<&Value> = vulnerabilities(json)
        .iter()
        .filter(|v| v["severity"]["method"] == "CVSSv31")
        .collect();
    assert!(!sky.is_empty(), "some PYSEC records carry CVSS vectors");
    // Every package of the fixture was checked; requests 2.19.0 has its known advisories.
    let names: BTreeSet<String> = triples(json).into_iter().map(|t| t.0).collect();
    for name in [
        "django", "pillow", "urllib3", "requests", "jinja2", "pyyaml",
    ] {
        assert!(names.contains(name), "{name}");
    }
    // PyPI data of October 2024 is older than the default max-age of 7 days.
    let stale = findings(json, "A008");
    assert_eq!(stale.len(), 1);
    assert!(
        stale[0]["message"]
            .as_str()
            .unwrap()
            .contains("Python advisory data")
    );
    assert!(stale[0]["message"].as_str().unwrap().contains("2024-10-10"));
    let (_keep, policy) = write_policy("[advisories]\nmax-age = \"P10000D\"\n");
    let relaxed = audit_json(
        &dir,
        &[
            "--offline",
            "--advisory-db",
            s(&data.join("pypi")),
            "--policy",
            s(&policy),
        ],
    );
    assert!(findings(&relaxed.json, "A008").is_empty());
}

/// A policy file in a temporary folder (removed when the returned folder is dropped).
fn write_policy(text: &str) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("policy.toml");
    std::fs::write(&path, format!("[licences]\nallow = [\"MIT\", \"Apache-2.0\", \"BSD-3-Clause\"]\nunknown = \"allow\"\n{text}")).unwrap();
    (dir, path)
}

// ---------------------------------------------------------------------------------------------
// Ground truth: OSV-Scanner

/// OSV-Scanner's recorded (package, version, ids) per fixture, by the directory audited.
fn ground_truth() -> Value {
    let text = std::fs::read_to_string(fixture("advisories/osv-scanner.json")).unwrap();
    serde_json::from_str(&text).unwrap()
}

#[test]
fn agreement_with_osv_scanner_on_the_python_go_and_rust_fixtures() {
    let Some(data) = osv_data() else {
        return;
    };
    let truth = ground_truth();
    let fixtures = &truth["fixtures"];
    // The directories audited, and the recorded fixtures (lockfiles) each covers.
    let audits: &[(&str, &[&str])] = &[
        ("python-old", &["python-old"]),
        ("synapse", &["synapse", "synapse-complement"]),
        ("mucgpt", &["mucgpt", "mucgpt-core-service"]),
        ("ckan", &["ckan"]),
        ("opencloud", &["opencloud"]),
        ("opentalk-roomserver", &["opentalk-roomserver"]),
    ];
    type Pair = (String, String, BTreeSet<String>);
    let mut agreed = 0usize;
    let mut only_scanner: Vec<String> = Vec::new();
    let mut only_fundament: Vec<String> = Vec::new();
    let mut stdlib = 0usize;
    for (dir, recorded) in audits {
        let path = if *dir == "python-old" {
            fixture("advisories/python-old")
        } else {
            match shared_fixture(dir) {
                Some(p) => p,
                None => return,
            }
        };
        let mut theirs: Vec<Pair> = Vec::new();
        for name in *recorded {
            for f in fixtures[*name]["found"].as_array().unwrap() {
                if f["package"] == "stdlib" {
                    // Go's standard library, at the toolchain go.mod names.
                    stdlib += 1;
                }
                theirs.push((
                    f["package"].as_str().unwrap().to_string(),
                    f["version"]
                        .as_str()
                        .unwrap()
                        .trim_start_matches('v')
                        .to_string(),
                    f["ids"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .map(|i| i.as_str().unwrap().to_string())
                        .collect(),
                ));
            }
        }
        let run = audit_json(&path, &["--offline", "--advisory-db", s(&data)]);
        let ours: Vec<Pair> = vulnerabilities(&run.json)
            .iter()
            .map(|v| {
                let mut ids: BTreeSet<String> = v["aliases"]
                    .as_array()
                    .map(|a| a.iter().map(|i| i.as_str().unwrap().to_string()).collect())
                    .unwrap_or_default();
                ids.insert(v["id"].as_str().unwrap().to_string());
                (
                    v["name"].as_str().unwrap().to_string(),
                    v["version"]
                        .as_str()
                        .unwrap()
                        .trim_start_matches('v')
                        .to_string(),
                    ids,
                )
            })
            .collect();
        let same = |a: &Pair, b: &Pair| a.0 == b.0 && a.1 == b.1 && !a.2.is_disjoint(&b.2);
        for t in &theirs {
            if ours.iter().any(|o| same(o, t)) {
                agreed += 1;
            } else {
                only_scanner.push(format!("{dir}: {} {} {:?}", t.0, t.1, t.2));
            }
        }
        for o in &ours {
            if !theirs.iter().any(|t| same(o, t)) {
                only_fundament.push(format!("{dir}: {} {} {:?}", o.0, o.1, o.2));
            }
        }
    }
    let total = agreed + only_scanner.len() + only_fundament.len();
    let agreement = agreed as f64 / total as f64;
    eprintln!(
        "agreement with OSV-Scanner: {agreed} of {total} (package, vulnerability) pairs ({:.1} %), {stdlib} of them of Go's standard library",
        agreement * 100.0
    );
    // Every difference is explained in docs/advisories.md ("Ground truth").
    assert!(
        only_scanner.is_empty(),
        "only OSV-Scanner: {only_scanner:#?}"
    );
    assert_eq!(
        only_fundament,
        vec![
            // django's record lists "3.2" among its versions and its range starts at "3.2";
            // the lockfile pins "3.2.0", the same version in PEP 440. OSV-Scanner compares the
            // version list as text and does not read the range when a list is given.
            "python-old: django 3.2.0 {\"CVE-2022-41323\", \"PYSEC-2022-304\"}".to_string()
        ]
    );
    assert!(total > 300, "{total} pairs compared");
    assert!(agreement >= 0.99, "{agreement}");
    assert_eq!(
        stdlib, 98,
        "Go's standard library: opencloud 52 (go1.23.6), synapse/complement 46 (go 1.25.0)"
    );
}

// ---------------------------------------------------------------------------------------------
// Other ecosystems, with records written here

#[test]
fn npm_composer_and_maven_versions_are_read_in_their_own_order() {
    let tmp = tempfile::tempdir().unwrap();
    let data = osv_folder(
        &tmp.path().join("osv"),
        &[
            // ms 2.0.0 and 2.1.3 are both in the lockfile; only the older is affected.
            record(
                "GHSA-test-ms",
                "npm",
                "ms",
                json!([{"introduced": "0"}, {"fixed": "2.1.3"}]),
            ),
            record(
                "GHSA-test-jackson",
                "Maven",
                "com.fasterxml.jackson.core:jackson-databind",
                json!([{"introduced": "2.13.0"}, {"fixed": "2.17.1"}]),
            ),
            record(
                "GHSA-test-sdk",
                "Packagist",
                "acme/proprietary-sdk",
                json!([{"introduced": "1.0.0"}, {"fixed": "1.2.1"}]),
            ),
            record(
                "GHSA-test-legacy",
                "Packagist",
                "acme/legacy-api",
                json!([{"introduced": "0"}, {"fixed": "2.0.0"}]),
            ),
        ],
    );
    let npm = audit_json(
        &fixture("npm/lockfile-v3"),
        &["--offline", "--advisory-db", s(&data)],
    );
    assert!(triples(&npm.json).contains(&("ms".into(), "2.0.0".into(), "GHSA-test-ms".into())));
    assert!(!triples(&npm.json).contains(&("ms".into(), "2.1.3".into(), "GHSA-test-ms".into())));
    // The database word as severity, and an upgrade within reach.
    let ms = vulnerability(&npm.json, "ms", "2.0.0", "GHSA-test-ms");
    assert_eq!(ms["severity"]["level"], "medium");
    assert_eq!(ms["severity"]["method"], "database");
    assert_eq!(ms["upgrade"], "2.1.3");

    let maven = audit_json(
        &fixture("maven/multimodule"),
        &["--offline", "--advisory-db", s(&data)],
    );
    assert!(triples(&maven.json).iter().any(|t| t.0
        == "com.fasterxml.jackson.core:jackson-databind"
        && t.2 == "GHSA-test-jackson"));

    let composer = audit_json(
        &fixture("composer/basic"),
        &["--offline", "--advisory-db", s(&data)],
    );
    assert!(triples(&composer.json).contains(&(
        "acme/proprietary-sdk".into(),
        "1.2.0".into(),
        "GHSA-test-sdk".into()
    )));
    // A branch version cannot be placed in a range: named, not guessed.
    let unorderable = findings(&composer.json, "A011");
    assert!(
        unorderable
            .iter()
            .any(|f| f["package"].as_str().unwrap().contains("legacy-api")),
        "{unorderable:?}"
    );
}

#[test]
fn bad_records_are_named_and_the_rest_is_used() {
    let tmp = tempfile::tempdir().unwrap();
    let data = osv_folder(
        &tmp.path().join("osv"),
        &[
            record(
                "GHSA-good",
                "npm",
                "ms",
                json!([{"introduced": "0"}, {"fixed": "2.1.3"}]),
            ),
            json!({"id": "GHSA-weird", "affected": [{"package": {"ecosystem": "npm", "name": "debug"},
                "ranges": [{"type": "CALVER", "events": [{"introduced": "0"}]}]}]}),
        ],
    );
    std::fs::write(data.join("broken.json"), "{ not json").unwrap();
    std::fs::write(data.join("no-id.yaml"), "summary: a record without id\n").unwrap();
    let run = audit_json(
        &fixture("npm/lockfile-v3"),
        &["--offline", "--advisory-db", s(&data)],
    );
    let invalid: Vec<String> = findings(&run.json, "A010")
        .iter()
        .map(|f| f["message"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(invalid.len(), 3, "{invalid:?}");
    assert!(
        invalid
            .iter()
            .any(|m| m.starts_with("broken.json: not an OSV record (JSON)"))
    );
    assert!(
        invalid
            .iter()
            .any(|m| m.starts_with("no-id.yaml: the record has no `id`"))
    );
    assert!(invalid.iter().any(|m| m.contains(
        "GHSA-weird: affected[0] (debug) ranges[0] has the unknown range type `CALVER`"
    )));
    assert!(triples(&run.json).contains(&("ms".into(), "2.0.0".into(), "GHSA-good".into())));
}

#[test]
fn ecosystems_without_data_are_not_reported_as_clean() {
    let tmp = tempfile::tempdir().unwrap();
    let data = osv_folder(
        &tmp.path().join("osv"),
        &[record(
            "PYSEC-x",
            "PyPI",
            "demo",
            json!([{"introduced": "0"}]),
        )],
    );
    let run = audit_json(
        &fixture("npm/lockfile-v3"),
        &["--offline", "--advisory-db", s(&data)],
    );
    let missing = findings(&run.json, "A007");
    assert_eq!(missing.len(), 1);
    assert!(
        missing[0]["message"]
            .as_str()
            .unwrap()
            .starts_with("no advisory source holds npm data")
    );
    let npm = &run.json["advisories"]["ecosystems"][0];
    assert_eq!(npm["ecosystem"], "npm");
    assert_eq!(npm["checked"], false);
    assert!(support::package_at(&run.json, "ms", "2.0.0")["advisories"]["checked"] == false);
    let (_, human, _) = support::audit_text(
        &fixture("npm/lockfile-v3"),
        &["--offline", "--advisory-db", s(&data)],
    );
    assert!(human.contains("not checked: npm ("), "{human}");
}

#[test]
fn a_source_that_cannot_be_read_makes_the_audit_incomplete() {
    let run = audit_json(
        &fixture("npm/lockfile-v3"),
        &["--offline", "--advisory-db", "/nonexistent/osv-data"],
    );
    assert_eq!(run.code, 2);
    assert_eq!(run.json["summary"]["outcome"], "incomplete");
    let a009 = findings(&run.json, "A009");
    assert_eq!(a009.len(), 1);
    assert!(
        a009[0]["message"]
            .as_str()
            .unwrap()
            .contains("/nonexistent/osv-data does not exist")
    );
    assert_eq!(
        findings(&run.json, "A007").len(),
        1,
        "and npm stays unchecked"
    );
}

// ---------------------------------------------------------------------------------------------
// Downloads, git, the OSV API

#[test]
fn osv_zips_are_downloaded_per_ecosystem_and_kept_for_offline_use() {
    let server = TestServer::start();
    let zip = zip_of(&[record(
        "GHSA-zip",
        "npm",
        "ms",
        json!([{"introduced": "0"}, {"fixed": "2.1.3"}]),
    )]);
    server.route(
        "/osv/npm/all.zip",
        vec![Reply::ok(zip.clone()).header("ETag", "\"v1\"")],
    );
    let base = format!("{}/osv/", server.base);
    let cache = tempfile::tempdir().unwrap();
    let run = |extra: &[&str]| {
        let mut args = vec![
            "--advisory-db",
            base.as_str(),
            "--cache-dir",
            s(cache.path()),
        ];
        args.extend_from_slice(extra);
        audit_json(&fixture("npm/lockfile-v3"), &args)
    };
    let online = run(&[]);
    assert!(triples(&online.json).contains(&("ms".into(), "2.0.0".into(), "GHSA-zip".into())));
    let source = &online.json["advisories"]["sources"][0];
    assert_eq!(source["kind"], "download");
    assert!(
        source["location"]
            .as_str()
            .unwrap()
            .ends_with("/osv/npm/all.zip")
    );
    assert_eq!(
        server.count("/osv/npm/all.zip"),
        1,
        "only the ecosystem the audit needs"
    );
    assert_eq!(server.total(), 1);

    let offline = run(&["--offline"]);
    assert!(triples(&offline.json).contains(&("ms".into(), "2.0.0".into(), "GHSA-zip".into())));
    assert_eq!(server.total(), 1, "offline: from the cache");

    // A failed download falls back to the cache and says so, naming the URL once.
    server.route("/osv/npm/all.zip", vec![Reply::status(500)]);
    let failed = run(&[]);
    assert!(triples(&failed.json).contains(&("ms".into(), "2.0.0".into(), "GHSA-zip".into())));
    let stale: Vec<&str> = failed.json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|f| f["message"].as_str())
        .filter(|m| m.contains("the copy in the cache was used"))
        .collect();
    assert_eq!(stale.len(), 1, "{stale:?}");
    assert_eq!(
        stale[0].matches("/osv/npm/all.zip").count(),
        1,
        "{}",
        stale[0]
    );
    assert!(
        stale[0].contains(": the download failed (the server answered 500"),
        "{}",
        stale[0]
    );

    // A cut-off download is named, and the audit is incomplete.
    let server = TestServer::start();
    server.route(
        "/osv/npm/all.zip",
        vec![Reply::ok(zip[..zip.len() / 2].to_vec())],
    );
    let cut = audit_json(
        &fixture("npm/lockfile-v3"),
        &[
            "--advisory-db",
            &format!("{}/osv/", server.base),
            "--no-cache",
        ],
    );
    assert_eq!(cut.code, 2);
    let a009 = findings(&cut.json, "A009");
    assert!(
        a009[0]["message"]
            .as_str()
            .unwrap()
            .contains("is not a readable zip (corrupt, or the download was cut off)"),
        "{a009:?}"
    );
}

#[test]
fn the_rustsec_database_is_read_from_git_in_its_own_format() {
    let tmp = tempfile::tempdir().unwrap();
    let repo_dir = tmp.path().join("advisory-db");
    let advisory = repo_dir.join("crates/mit-lib/RUSTSEC-2099-0001.md");
    std::fs::create_dir_all(advisory.parent().unwrap()).unwrap();
    std::fs::write(
        &advisory,
        "```toml\n[advisory]\nid = \"RUSTSEC-2099-0001\"\npackage = \"mit-lib\"\ndate = \"2026-11-01\"\naliases = [\"CVE-2099-0001\"]\ncvss = \"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H\"\n\n[versions]\npatched = [\">= 1.0.1\"]\n```\n\n# Remote code execution in mit-lib\n\nA test advisory.\n",
    )
    .unwrap();
    std::fs::write(repo_dir.join("README.md"), "# advisory-db\n").unwrap();
    let repo = git2::Repository::init(&repo_dir).unwrap();
    let mut index = repo.index().unwrap();
    index
        .add_all(["*"], git2::IndexAddOption::DEFAULT, None)
        .unwrap();
    index.write().unwrap();
    let tree = repo.find_tree(index.write_tree().unwrap()).unwrap();
    let sig = git2::Signature::new(
        "Test",
        "test@example.invalid",
        &git2::Time::new(1_764_547_200, 0),
    )
    .unwrap();
    repo.commit(Some("HEAD"), &sig, &sig, "advisories", &tree, &[])
        .unwrap();

    let url = format!("file://{}", repo_dir.display());
    let cache = tempfile::tempdir().unwrap();
    let args = [
        "--advisory-db",
        url.as_str(),
        "--cache-dir",
        s(cache.path()),
    ];
    let run = audit_json(&fixture("cargo/workspace"), &args);
    let v = vulnerability(&run.json, "mit-lib", "1.0.0", "RUSTSEC-2099-0001");
    assert_eq!(v["severity"]["level"], "critical");
    assert_eq!(v["upgrade"], "1.0.1");
    let source = &run.json["advisories"]["sources"][0];
    assert_eq!(source["kind"], "git");
    assert_eq!(source["as_of_basis"], "git commit");
    assert_eq!(source["as_of"], "2025-12-01T00:00:00Z");
    assert_eq!(source["commit"].as_str().unwrap().len(), 40);
    // Offline, the clone in the cache answers.
    let mut offline = args.to_vec();
    offline.push("--offline");
    let again = audit_json(&fixture("cargo/workspace"), &offline);
    assert_eq!(triples(&again.json), triples(&run.json));
}

#[test]
fn the_osv_api_answers_for_ecosystems_no_local_data_covers() {
    let server = TestServer::start();
    server.route(
        "/v1/querybatch",
        vec![Reply::ok(
            json!({"results": [
                {"vulns": [{"id": "GHSA-api", "modified": "2026-11-30T00:00:00Z"}]},
                {}, {}, {}, {}, {}, {}, {}, {}, {}, {}
            ]})
            .to_string(),
        )],
    );
    server.route(
        "/v1/vulns/GHSA-api",
        vec![Reply::ok(
            record(
                "GHSA-api",
                "npm",
                "is-number",
                json!([{"introduced": "0"}, {"fixed": "7.0.1"}]),
            )
            .to_string(),
        )],
    );
    let cache = tempfile::tempdir().unwrap();
    let api = format!("osv-api+{}", server.base);
    let run = audit_json(
        &fixture("npm/lockfile-v3"),
        &["--advisory-db", &api, "--cache-dir", s(cache.path())],
    );
    // The records the API names are matched locally, in npm's version order: both is-number
    // versions of the lockfile lie below the fix.
    let found: Vec<(String, String, String)> = triples(&run.json).into_iter().collect();
    assert!(
        found.contains(&("is-number".into(), "7.0.0".into(), "GHSA-api".into())),
        "{found:?}"
    );
    assert!(
        found.contains(&("is-number".into(), "6.0.0".into(), "GHSA-api".into())),
        "{found:?}"
    );
    assert_eq!(run.json["advisories"]["sources"][0]["kind"], "osv-api");
    assert_eq!(run.json["advisories"]["ecosystems"][0]["checked"], true);
    let seen = server.seen();
    let batch = seen.iter().find(|r| r.path == "/v1/querybatch").unwrap();
    let body: Value = serde_json::from_slice(&batch.body).unwrap();
    assert_eq!(batch.method, "POST");
    assert_eq!(
        body["queries"].as_array().unwrap().len(),
        11,
        "every npm package asked once"
    );
    assert!(
        body["queries"]
            .as_array()
            .unwrap()
            .iter()
            .all(|q| q["package"]["ecosystem"] == "npm")
    );
    // Offline, the answers in the cache are used.
    let before = server.total();
    let offline = audit_json(
        &fixture("npm/lockfile-v3"),
        &[
            "--advisory-db",
            &api,
            "--cache-dir",
            s(cache.path()),
            "--offline",
        ],
    );
    assert_eq!(triples(&offline.json), triples(&run.json));
    assert_eq!(server.total(), before);
}

// ---------------------------------------------------------------------------------------------
// The policy and VEX

fn npm_data(tmp: &Path) -> PathBuf {
    osv_folder(
        &tmp.join("osv"),
        &[
            json!({"id": "GHSA-ms-high", "aliases": ["CVE-2099-1"], "modified": "2026-11-30T00:00:00Z",
                "summary": "ms is slow", "severity": [{"type": "CVSS_V3", "score": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H"}],
                "affected": [{"package": {"ecosystem": "npm", "name": "ms"}, "ranges": [{"type": "SEMVER", "events": [{"introduced": "0"}, {"fixed": "2.1.0"}]}]}]}),
            record(
                "GHSA-debug-medium",
                "npm",
                "debug",
                json!([{"introduced": "0"}, {"fixed": "3.0.0"}]),
            ),
        ],
    )
}

#[test]
fn thresholds_and_ignore_entries_of_the_policy() {
    let tmp = tempfile::tempdir().unwrap();
    let data = npm_data(tmp.path());
    let (_keep, policy) = write_policy(&format!(
        "[advisories]\ndb = [{:?}]\nmax-age = 10000\ndeny = \"high\"\nreview = \"low\"\n\n[[advisories.ignore]]\nid = \"CVE-2099-1\"\npackage = \"pkg:npm/ms@2.0.0\"\nreason = \"only used at build time\"\napproved-by = \"Security team\"\nexpires = 2099-01-01\n\n[[advisories.ignore]]\nid = \"GHSA-gone\"\nreason = \"old\"\napproved-by = \"Security team\"\n\n[[advisories.ignore]]\nid = \"GHSA-expired\"\nreason = \"old\"\napproved-by = \"Security team\"\nexpires = 2020-01-01\n",
        s(&data)
    ));
    let run = audit_json(
        &fixture("npm/lockfile-v3"),
        &["--offline", "--policy", s(&policy)],
    );
    let json = &run.json;
    // Ignored through an alias, for that package version only.
    let ms = vulnerability(json, "ms", "2.0.0", "GHSA-ms-high");
    assert_eq!(ms["state"], "ignored");
    assert_eq!(ms["ignore"]["approved_by"], "Security team");
    assert_eq!(findings(json, "A004").len(), 1);
    // Medium is below `deny = "high"`: a warning.
    let debug = vulnerability(json, "debug", "2.6.9", "GHSA-debug-medium");
    assert_eq!(debug["state"], "review");
    let unused = findings(json, "A006");
    assert_eq!(unused.len(), 1);
    assert!(unused[0]["message"].as_str().unwrap().contains("GHSA-gone"));
    assert!(unused[0]["location"]["line"].as_u64().is_some());
    let expired = findings(json, "A005");
    assert_eq!(expired.len(), 1);
    assert_eq!(expired[0]["severity"], "error");
    assert_eq!(run.code, 1, "the expired entry fails the audit");
}

#[test]
fn vex_statements_from_an_index_settle_vulnerabilities_and_name_who_made_them() {
    let tmp = tempfile::tempdir().unwrap();
    let data = npm_data(tmp.path());
    let index = tmp.path().join("index");
    let bin = |args: &[&str]| {
        let out = fundament().args(args).output().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    bin(&[
        "index",
        "init",
        s(&index),
        "--name",
        "city",
        "--maintainer",
        "Ann <ann@city.example>",
        "--organisation",
        "City of Example",
    ]);
    bin(&[
        "index",
        "publish",
        "--index",
        s(&index),
        "pkg:npm/ms@2.0.0",
        "--decision",
        "approved",
        "--licence",
        "MIT",
        "--no-evidence",
        "reviewed from the source repository; the lockfile records no archive hash",
        "--reviewer",
        "Ann",
        "--organisation",
        "City of Example",
        "--no-commit",
    ]);
    // A statement only: the approval is repeated, the statement added.
    let out = bin(&[
        "index",
        "publish",
        "--index",
        s(&index),
        "pkg:npm/ms@2.0.0",
        "--vex",
        "CVE-2099-1",
        "--vex-status",
        "not_affected",
        "--justification",
        "vulnerable_code_not_in_execute_path",
        "--analysis",
        "ms only formats build durations",
        "--reviewer",
        "Sam",
        "--organisation",
        "County IT",
        "--no-commit",
    ]);
    assert!(out.contains("VEX: CVE-2099-1 not_affected"), "{out}");
    bin(&[
        "index",
        "publish",
        "--index",
        s(&index),
        "pkg:npm/debug@2.6.9",
        "--decision",
        "under-review",
        "--reviewer",
        "Sam",
        "--organisation",
        "County IT",
        "--no-commit",
        "--vex",
        "GHSA-debug-medium",
        "--vex-status",
        "affected",
        "--analysis",
        "reachable from the CLI",
        "--action",
        "upgrade debug to 3",
        "--response",
        "update",
    ]);
    let file = std::fs::read_to_string(index.join("npm/2/ms")).unwrap();
    let last: Value = serde_json::from_str(file.lines().last().unwrap()).unwrap();
    assert_eq!(last["decision"], "approved");
    assert_eq!(last["licence"], "MIT");
    assert_eq!(last["vex"][0]["status"], "not_affected");
    // The approval's reason for having no evidence is repeated with it.
    assert_eq!(
        last["no-evidence"],
        "reviewed from the source repository; the lockfile records no archive hash"
    );
    let verify = fundament()
        .args(["index", "verify", s(&index)])
        .output()
        .unwrap();
    assert!(
        verify.status.success(),
        "{}",
        String::from_utf8_lossy(&verify.stdout)
    );

    let (_keep, policy) = write_policy(&format!(
        "[advisories]\ndb = [{:?}]\nmax-age = 10000\n\n[[index]]\nname = \"city\"\nlocation = {:?}\nprecedence = 10\n",
        s(&data),
        s(&index)
    ));
    let run = audit_json(
        &fixture("npm/lockfile-v3"),
        &["--offline", "--policy", s(&policy)],
    );
    let json = &run.json;
    let ms = vulnerability(json, "ms", "2.0.0", "GHSA-ms-high");
    assert_eq!(ms["state"], "not-affected");
    assert_eq!(ms["vex"]["reviewer"], "Sam");
    assert_eq!(ms["vex"]["organisation"], "County IT");
    assert_eq!(ms["vex"]["index"], "city");
    assert_eq!(
        ms["vex"]["vulnerability"], "CVE-2099-1",
        "matched through the alias"
    );
    let a003 = findings(json, "A003");
    assert_eq!(a003.len(), 1);
    assert!(
        a003[0]["message"]
            .as_str()
            .unwrap()
            .contains("is not affected by GHSA-ms-high according to Sam (County IT)")
    );
    // `affected` keeps the vulnerability open, with the analysis in the finding.
    let debug = vulnerability(json, "debug", "2.6.9", "GHSA-debug-medium");
    assert_eq!(debug["state"], "fail");
    assert_eq!(debug["vex"]["status"], "affected");
    let a001 = findings(json, "A001");
    assert!(
        a001.iter()
            .any(|f| f["notes"].as_array().unwrap().iter().any(|n| n
                .as_str()
                .unwrap()
                .starts_with("affected according to Sam (County IT)")))
    );

    // OpenVEX: the statements in force, and `under_investigation` where none is recorded.
    let out = fundament()
        .args([
            "audit",
            s(&fixture("npm/lockfile-v3")),
            "--offline",
            "--policy",
            s(&policy),
            "--format",
            "openvex",
        ])
        .output()
        .unwrap();
    let vex: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(vex["@context"], "https://openvex.dev/ns/v0.2.0");
    assert!(vex["@id"].as_str().unwrap().starts_with("urn:uuid:"));
    let statements = vex["statements"].as_array().unwrap();
    let of = |id: &str| {
        statements
            .iter()
            .find(|s| s["vulnerability"]["name"] == id)
            .unwrap()
    };
    let ms = of("GHSA-ms-high");
    assert_eq!(ms["status"], "not_affected");
    assert_eq!(ms["justification"], "vulnerable_code_not_in_execute_path");
    assert!(
        ms.get("impact_statement").is_none(),
        "the schema takes a justification or an impact statement"
    );
    assert_eq!(ms["vulnerability"]["aliases"], json!(["CVE-2099-1"]));
    assert_eq!(ms["products"][0]["@id"], "pkg:npm/ms@2.0.0");
    let debug = of("GHSA-debug-medium");
    assert_eq!(debug["status"], "affected");
    assert_eq!(debug["action_statement"], "upgrade debug to 3");
    for s in statements {
        // The constraints of the OpenVEX 0.2.0 JSON schema.
        let status = s["status"].as_str().unwrap();
        assert!(["not_affected", "affected", "fixed", "under_investigation"].contains(&status));
        if status == "affected" {
            assert!(s.get("action_statement").is_some());
        }
        if status == "not_affected" {
            assert!(s.get("justification").is_some() != s.get("impact_statement").is_some());
        }
        assert!(s["timestamp"].as_str().unwrap().ends_with('Z'));
    }
}

#[test]
fn policy_import_carries_cargo_denys_advisories_over() {
    let Some(dir) = shared_fixture("opentalk-roomserver") else {
        return;
    };
    let out = fundament()
        .args(["policy", "import", s(&dir.join("deny.toml"))])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("[advisories]"), "{text}");
    assert!(
        text.contains("db = [\"git+https://"),
        "db-urls become git sources"
    );
    for id in [
        "RUSTSEC-2024-0320",
        "RUSTSEC-2024-0436",
        "RUSTSEC-2025-0141",
    ] {
        assert!(text.contains(&format!("id = \"{id}\"")), "{id}");
    }
    assert!(
        text.contains("\nyanked = \"deny\"\n"),
        "yanked is carried over: {text}"
    );
    assert!(!text.contains("advisories.yanked"), "{text}");
    let policy: toml::Table = toml::from_str(&text).expect("the imported policy is TOML");
    assert!(policy.contains_key("advisories"));
    let file = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(file.path(), text.as_bytes()).unwrap();
    let audit = audit_json(
        &fixture("cargo/workspace"),
        &["--offline", "--no-advisories", "--policy", s(file.path())],
    );
    assert_eq!(
        audit.json["policy"]["origin"],
        s(file.path()),
        "the imported policy loads"
    );
}

#[test]
fn the_procurement_report_says_how_many_how_severe_and_what_is_being_done() {
    let tmp = tempfile::tempdir().unwrap();
    let data = npm_data(tmp.path());
    let (_keep, policy) = write_policy(&format!(
        "[advisories]\ndb = [{:?}]\nmax-age = 10000\n\n[[advisories.ignore]]\nid = \"GHSA-debug-medium\"\nreason = \"debug output is off in production\"\napproved-by = \"Security team\"\n",
        s(&data)
    ));
    let render = |format: &str, lang: &str| {
        let out = fundament()
            .args([
                "audit",
                s(&fixture("npm/lockfile-v3")),
                "--offline",
                "--policy",
                s(&policy),
            ])
            .args(["--format", format, "--lang", lang])
            .output()
            .unwrap();
        String::from_utf8(out.stdout).unwrap()
    };
    let html = render("html", "en");
    let section = &html[html.find("<section id=\"vulnerabilities\"").unwrap()..];
    let section = &section[..section.find("</section>").unwrap()];
    assert!(section.contains("7. Known vulnerabilities"));
    assert!(
        section.contains(
            "2 known vulnerabilities were found, in 2 components (of 11 components checked)."
        ),
        "{section}"
    );
    assert!(section.contains("data-severity=\"high\""));
    assert!(section.contains("<li data-key=\"fail\"><strong>1</strong> must be fixed"));
    assert!(section.contains(
        "<li data-key=\"ignored\"><strong>1</strong> accepted by an exception in the policy"
    ));
    assert!(section.contains("Upgrade to version 2.1.0, which fixes it."));
    assert!(
        section
            .contains("Accepted by an exception in the policy: debug output is off in production")
    );
    assert!(
        html.contains("id=\"verdict-vulnerabilities\""),
        "the verdict names them too"
    );

    let de = render("markdown", "de");
    assert!(de.contains("## 7. Bekannte Sicherheitslücken"));
    assert!(de.contains("2 bekannte Sicherheitslücken wurden gefunden, in 2 Komponenten (von 11 geprüften Komponenten)."), "{de}");
    assert!(de.contains("hoch: **1**"));
    assert!(
        de.contains("| ms | 2.0.0 | GHSA-ms-high (auch CVE-2099-1) | hoch (7.5) |"),
        "{de}"
    );

    // Without data, the report says nothing was checked.
    let none = fundament()
        .args([
            "audit",
            s(&fixture("npm/lockfile-v3")),
            "--offline",
            "--format",
            "markdown",
        ])
        .output()
        .unwrap();
    let none = String::from_utf8(none.stdout).unwrap();
    assert!(none.contains("**Known vulnerabilities were not checked: no vulnerability database is configured for this audit."));
}

#[test]
fn a_mirror_without_an_ecosystem_leaves_it_unchecked_not_failed() {
    let server = TestServer::start();
    let run = audit_json(
        &fixture("npm/lockfile-v3"),
        &[
            "--advisory-db",
            &format!("{}/osv", server.base),
            "--no-cache",
        ],
    );
    assert_eq!(server.count("/osv/npm/all.zip"), 1);
    assert!(findings(&run.json, "A009").is_empty());
    assert_eq!(findings(&run.json, "A007").len(), 1);
    assert_eq!(run.json["advisories"]["ecosystems"][0]["checked"], false);
}
