//! The vet stage in `fundament audit`: what indices of vetted components say about the audited
//! packages, with the policy's `[vetting]` and `[[index]]`. Indices are built per test with the
//! index library (folders) or served by a local HTTP server; the audited projects are this
//! repository's own fixtures and its own dependency tree.

mod support;

use fundament::index::publish;
use fundament::index::{Config, Decision, LicenceFileHash, Maintainer, Record, RecordEvidence};
use serde_json::Value;
use std::path::{Path, PathBuf};
use support::server::{Reply, TestServer};
use support::{audit_json, fixture};
use support::{findings, package_at as package};

const DAY: &str = "2026-01-01";

/// A new folder index named `name` in `dir`.
fn new_index(dir: &Path, name: &str) -> PathBuf {
    let config = Config {
        name: name.to_string(),
        schema_version: 1,
        description: None,
        maintainers: vec![Maintainer {
            name: "Ann Example".to_string(),
            organisation: "City of Example".to_string(),
            contact: "ann@city.example".to_string(),
        }],
        organisations: Vec::new(),
        approvals: 0,
    };
    publish::init(dir, &config, false).expect("the index is created");
    dir.to_path_buf()
}

/// A record decided on [`DAY`].
fn record(purl: &str, version: &str, decision: Decision, licence: &str) -> Record {
    support::index::record_on(DAY, purl, version, decision, licence)
}

fn publish_all(index: &Path, records: &[Record]) {
    for r in records {
        let mut r = r.clone();
        if r.decision == Decision::Approved && r.evidence.is_empty() {
            r.no_evidence = Some("reviewed by hand for the test".to_string());
        }
        publish::publish(index, &r, false).unwrap_or_else(|e| panic!("{}: {e}", r.purl));
    }
}

/// A policy file: the default preset's rules plus `extra` (the `[vetting]` and `[[index]]`
/// tables of the test).
fn policy(dir: &Path, extra: &str) -> PathBuf {
    let path = dir.join("policy.toml");
    std::fs::write(
        &path,
        format!(
            "name = \"vetting-test\"\n[licences]\nallow = [\"permissive\", \"public-domain\", \"weak-copyleft\"]\n{extra}"
        ),
    )
    .unwrap();
    path
}

fn index_entry(name: &str, location: &Path, precedence: i32) -> String {
    format!(
        "[[index]]\nname = \"{name}\"\nlocation = \"{}\"\nprecedence = {precedence}\n",
        location.display()
    )
}

fn run(policy: &Path, extra: &[&str]) -> support::JsonRun {
    let mut args = vec!["--policy", policy.to_str().unwrap()];
    args.extend_from_slice(extra);
    audit_json(&fixture("npm/lockfile-v3"), &args)
}

#[test]
fn decisions_in_force_become_each_packages_vetting_and_rejected_fails_the_audit() {
    let tmp = tempfile::tempdir().unwrap();
    let index = new_index(&tmp.path().join("index"), "city");
    let mut rejected = record("pkg:npm/debug", "2.6.9", Decision::Rejected, "MIT");
    rejected.notes = Some("unmaintained; replace with a maintained logger".to_string());
    let mut overdue = record("pkg:npm/ws", "8.23.0", Decision::Approved, "MIT");
    // In the past (the audit checks against the real date, not SOURCE_DATE_EPOCH).
    overdue.review_by = Some("2026-06-30".to_string());
    publish_all(
        &index,
        &[
            rejected,
            overdue,
            record(
                "pkg:npm/use-sync-external-store",
                "1.7.0",
                Decision::UnderReview,
                "NOASSERTION",
            ),
        ],
    );
    let policy = policy(tmp.path(), &index_entry("city", &index, 10));
    let run = run(&policy, &[]);
    assert_eq!(run.code, 1, "a rejected package fails: {}", run.stderr);

    let debug = &package(&run.json, "debug", "2.6.9")["vetting"];
    assert_eq!(debug["status"], "rejected");
    assert_eq!(debug["conclusive"], true);
    assert_eq!(debug["record"]["index"], "city");
    assert_eq!(debug["record"]["reviewer"], "Ann Example");
    assert_eq!(debug["record"]["organisation"], "City of Example");
    assert_eq!(debug["record"]["file"], "npm/de/bu/debug");
    assert_eq!(debug["record"]["line"], 1);
    let v002 = findings(&run.json, "V002");
    assert_eq!(v002.len(), 1, "{v002:?}");
    assert_eq!(v002[0]["severity"], "error");
    assert_eq!(v002[0]["package"], "pkg:npm/debug@2.6.9");
    assert_eq!(v002[0]["location"]["file"], "index `city` npm/de/bu/debug");
    assert!(
        v002[0]["notes"][0]
            .as_str()
            .unwrap()
            .contains("unmaintained"),
        "{:?}",
        v002[0]
    );

    let ws = &package(&run.json, "ws", "8.23.0")["vetting"];
    assert_eq!(ws["status"], "approved");
    // The lockfile records sha512 integrities: nothing to compare with a SHA-256.
    assert_eq!(ws["record"]["archive"], "not-recorded");
    // No licence files pinned: the record's licence holds for any files.
    assert_eq!(ws["record"]["licence_applied"], true);
    let v007 = findings(&run.json, "V007");
    assert_eq!(v007.len(), 1, "{v007:#?}");
    assert_eq!(v007[0]["package"], "pkg:npm/ws@8.23.0");
    assert!(v007[0]["message"].as_str().unwrap().contains("2026-06-30"));

    let under = &package(&run.json, "use-sync-external-store", "1.7.0")["vetting"];
    assert_eq!(under["status"], "under-review");
    let ms = &package(&run.json, "ms", "2.1.3")["vetting"];
    assert_eq!(ms["status"], "not-vetted");
    assert!(ms.get("record").is_none());
    // require-vetted is off: neither is a finding.
    assert!(findings(&run.json, "V003").is_empty());
    assert!(findings(&run.json, "V004").is_empty());

    let by_vetting = &run.json["summary"]["by_vetting"];
    assert_eq!(by_vetting["rejected"], 1);
    assert_eq!(by_vetting["approved"], 1);
    assert_eq!(by_vetting["under-review"], 1);
    let indices = run.json["vetting"]["indices"].as_array().unwrap();
    let names: Vec<&str> = indices
        .iter()
        .map(|i| i["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["city", "fundament"], "highest precedence first");
    assert_eq!(run.json["vetting"]["require_vetted"], "off");
    let v009 = findings(&run.json, "V009");
    assert_eq!(v009.len(), 1);
    assert!(
        v009[0]["message"]
            .as_str()
            .unwrap()
            .contains("1 approved, 1 rejected, 1 under review"),
        "{:?}",
        v009[0]
    );
}

#[test]
fn require_vetted_turns_missing_approvals_into_warnings_or_violations() {
    let tmp = tempfile::tempdir().unwrap();
    let index = new_index(&tmp.path().join("index"), "city");
    publish_all(
        &index,
        &[
            record("pkg:npm/ws", "8.23.0", Decision::Approved, "MIT"),
            record(
                "pkg:npm/use-sync-external-store",
                "1.7.0",
                Decision::UnderReview,
                "MIT",
            ),
        ],
    );
    let entry = index_entry("city", &index, 10);

    let warn = policy(
        tmp.path(),
        &format!("[vetting]\nrequire-vetted = \"warn\"\nbuiltin-index = false\n{entry}"),
    );
    let run = run(&warn, &[]);
    assert_eq!(run.code, 0, "warnings do not fail: {}", run.stderr);
    let v003 = findings(&run.json, "V003");
    let v004 = findings(&run.json, "V004");
    assert_eq!(v004.len(), 1);
    assert_eq!(v004[0]["package"], "pkg:npm/use-sync-external-store@1.7.0");
    assert!(v003.iter().all(|f| f["severity"] == "warning"));
    // Every package the policy checks but ws and the one under review.
    // They are one finding naming its packages (a mass finding, grouped by cause).
    let checked = run.json["summary"]["packages"].as_u64().unwrap() as usize;
    let not_vetted = support::affected(&run.json, "V003");
    assert_eq!(not_vetted.len(), checked - 2, "{v003:#?}");
    assert!(
        !not_vetted.iter().any(|p| p == "pkg:npm/ws@8.23.0"),
        "{v003:#?}"
    );
    assert_eq!(
        run.json["vetting"]["indices"].as_array().unwrap().len(),
        1,
        "builtin-index = false leaves the built-in index out"
    );

    let deny = policy(
        tmp.path(),
        &format!("[vetting]\nrequire-vetted = \"deny\"\nbuiltin-index = false\n{entry}"),
    );
    let run = support::audit_json(
        &fixture("npm/lockfile-v3"),
        &["--policy", deny.to_str().unwrap()],
    );
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(
        findings(&run.json, "V003")
            .iter()
            .all(|f| f["severity"] == "error")
    );
    assert_eq!(findings(&run.json, "V004")[0]["severity"], "error");
}

#[test]
fn a_higher_index_overrules_a_lower_one_and_the_answer_names_it() {
    let tmp = tempfile::tempdir().unwrap();
    let base = new_index(&tmp.path().join("base"), "base");
    let city = new_index(&tmp.path().join("city"), "city");
    let mut rejected = record("pkg:npm/debug", "2.6.9", Decision::Rejected, "MIT");
    rejected.organisation = "Federal Base".to_string();
    publish_all(&base, &[rejected]);
    let mut approved = record("pkg:npm/debug", "2.6.9", Decision::Approved, "MIT");
    approved.notes = Some("only used in the build, reviewed by the city".to_string());
    publish_all(&city, &[approved]);

    let both = format!(
        "{}{}",
        index_entry("base", &base, 1),
        index_entry("city", &city, 5)
    );
    let run = run(&policy(tmp.path(), &both), &[]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let debug = &package(&run.json, "debug", "2.6.9")["vetting"];
    assert_eq!(debug["status"], "approved");
    assert_eq!(debug["record"]["index"], "city");
    assert_eq!(debug["record"]["superseded"], 1);
    assert!(findings(&run.json, "V002").is_empty());

    // Swapped precedences: the base index's rejection is in force.
    let swapped = format!(
        "{}{}",
        index_entry("base", &base, 5),
        index_entry("city", &city, 1)
    );
    let run = self::run(&policy(tmp.path(), &swapped), &[]);
    assert_eq!(run.code, 1);
    let debug = &package(&run.json, "debug", "2.6.9")["vetting"];
    assert_eq!(debug["status"], "rejected");
    assert_eq!(debug["record"]["organisation"], "Federal Base");
}

#[test]
fn an_index_that_cannot_be_read_leaves_the_audit_incomplete_never_passing() {
    let tmp = tempfile::tempdir().unwrap();
    let server = TestServer::start();
    server.route("/index/config.json", vec![Reply::status(503)]);
    let entry = format!(
        "[[index]]\nname = \"remote\"\nlocation = \"{}/index\"\nprecedence = 10\n",
        server.base
    );
    let run = run(&policy(tmp.path(), &entry), &[]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert_eq!(run.json["summary"]["outcome"], "incomplete");
    let v001 = findings(&run.json, "V001");
    assert_eq!(v001.len(), 1, "one finding for the index: {v001:#?}");
    assert!(v001[0]["message"].as_str().unwrap().contains("remote"));
    assert!(
        v001[0]["notes"][0]
            .as_str()
            .unwrap()
            .contains("is therefore unknown"),
        "{:?}",
        v001[0]
    );
    let ms = &package(&run.json, "ms", "2.1.3")["vetting"];
    assert_eq!(ms["status"], "unknown");
    assert_eq!(ms["conclusive"], false);

    // A server error for one package's file: that package's vetting is unknown.
    let index = new_index(&tmp.path().join("served"), "served");
    server.route(
        "/index/config.json",
        vec![Reply::ok(std::fs::read(index.join("config.json")).unwrap())],
    );
    server.route("/index/npm/2/ms", vec![Reply::status(500)]);
    let run = self::run(&policy(tmp.path(), &entry), &[]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    let v001 = findings(&run.json, "V001");
    // The finding names the package, alone or among the packages of a grouped finding.
    let names_ms = |f: &serde_json::Value| {
        f["package"] == "pkg:npm/ms@2.1.3"
            || f["packages"]
                .as_array()
                .is_some_and(|ps| ps.iter().any(|p| p == "pkg:npm/ms@2.1.3"))
    };
    assert!(
        v001.iter()
            .any(|f| names_ms(f) && f["message"].as_str().unwrap().contains("500")),
        "{v001:#?}"
    );
    assert_eq!(
        package(&run.json, "ws", "8.23.0")["vetting"]["status"],
        "not-vetted",
        "a 404 is an answer: not vetted"
    );
}

#[test]
fn index_entries_that_cannot_work_are_policy_errors_with_their_line() {
    let tmp = tempfile::tempdir().unwrap();
    let a = tmp.path().join("a");
    let entries = format!("{}{}", index_entry("a", &a, 3), index_entry("b", &a, 3));
    let policy = policy(tmp.path(), &entries);
    let output = support::fundament()
        .arg("audit")
        .arg(fixture("npm/lockfile-v3"))
        .args(["--policy", policy.to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("policy.toml:8") && stderr.contains("precedence 3 is already that of `a`"),
        "{stderr}"
    );

    let policy = self::policy(tmp.path(), "[vetting]\nrequire-vetted = \"always\"\n");
    let output = support::fundament()
        .arg("audit")
        .arg(fixture("npm/lockfile-v3"))
        .args(["--policy", policy.to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("policy.toml:5"), "{stderr}");
}

/// This repository's own dependency tree, audited offline with the built-in index: the
/// seeded records approve its direct dependencies, and the lockfile's checksums prove the
/// archives are the reviewed ones.
#[test]
fn the_built_in_index_vets_this_repositorys_own_dependencies() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let run = audit_json(root, &["--offline"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let serde = run.json["packages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "serde" && !p["root"].as_bool().unwrap())
        .expect("serde is a dependency");
    let vetting = &serde["vetting"];
    assert_eq!(vetting["status"], "approved", "{vetting:#}");
    assert_eq!(vetting["record"]["index"], "fundament");
    assert_eq!(vetting["record"]["archive"], "matches");
    assert_eq!(vetting["record"]["licence_applied"], true);
    assert_eq!(serde["licence"]["concluded"]["from"], "curated");
    assert!(
        serde["licence"]["concluded"]["explanation"]
            .as_str()
            .unwrap()
            .starts_with("reviewed in index `fundament` cargo/se/rd/serde:"),
        "{}",
        serde["licence"]["concluded"]["explanation"]
    );
    assert!(
        run.json["summary"]["by_vetting"]["approved"]
            .as_u64()
            .unwrap()
            >= 40
    );
}

/// An approval pinned to another archive than the lockfile's does not count; its licence is
/// not used.
#[test]
fn an_approval_of_another_archive_does_not_count() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let lock = std::fs::read_to_string(root.join("Cargo.lock")).unwrap();
    let lock: toml::Table = toml::from_str(&lock).unwrap();
    let serde = lock["package"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"].as_str() == Some("serde"))
        .unwrap();
    let version = serde["version"].as_str().unwrap();

    let tmp = tempfile::tempdir().unwrap();
    let index = new_index(&tmp.path().join("index"), "city");
    let mut approval = record("pkg:cargo/serde", version, Decision::Approved, "0BSD");
    approval.evidence = RecordEvidence {
        artefact_sha256: Some("0".repeat(64)),
        artefact_sha512: None,
        licence_files: vec![LicenceFileHash {
            path: "LICENSE-MIT".to_string(),
            sha256: "1".repeat(64),
        }],
    };
    publish_all(&index, &[approval]);
    let policy = policy(
        tmp.path(),
        &format!(
            "[vetting]\nbuiltin-index = false\nrequire-vetted = \"warn\"\n{}",
            index_entry("city", &index, 1)
        ),
    );
    let run = audit_json(root, &["--offline", "--policy", policy.to_str().unwrap()]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let package = run.json["packages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "serde" && p["version"] == version)
        .unwrap();
    assert_eq!(package["vetting"]["status"], "not-vetted");
    assert_eq!(package["vetting"]["record"]["archive"], "differs");
    assert_eq!(package["vetting"]["record"]["licence_applied"], false);
    assert_ne!(package["licence"]["concluded"]["expression"], "0BSD");
    let v006 = findings(&run.json, "V006");
    assert_eq!(v006.len(), 1, "{v006:#?}");
    assert!(
        findings(&run.json, "V003")
            .iter()
            .any(|f| f["package"] == package["purl"])
    );
}

/// A record whose pinned licence file differs from the package's: the decision counts, its
/// licence is not used, and the audit says why.
#[test]
fn a_record_whose_licence_files_changed_is_not_applied() {
    let tmp = tempfile::tempdir().unwrap();
    let index = new_index(&tmp.path().join("index"), "city");
    let mut approval = record("pkg:npm/ms", "2.1.3", Decision::Approved, "0BSD");
    approval.evidence.licence_files = vec![LicenceFileHash {
        path: "license.md".to_string(),
        sha256: "2".repeat(64),
    }];
    publish_all(&index, &[approval]);
    let run = run(&policy(tmp.path(), &index_entry("city", &index, 1)), &[]);
    let ms = package(&run.json, "ms", "2.1.3");
    assert_eq!(ms["vetting"]["status"], "approved");
    assert_eq!(ms["vetting"]["record"]["licence_applied"], false);
    assert_eq!(ms["licence"]["concluded"]["expression"], "MIT");
    let v005 = findings(&run.json, "V005");
    assert_eq!(v005.len(), 1, "{v005:#?}");
    assert!(
        v005[0]["message"]
            .as_str()
            .unwrap()
            .contains("the package's files are not available"),
        "{:?}",
        v005[0]
    );
}

/// npm lockfiles record SHA-512 integrities: a record pinning the archive's SHA-512 is proven
/// to be about this very archive, so its licence applies without the package's files; a record
/// of another archive does not count.
#[test]
fn an_npm_archive_is_matched_by_its_sha512_integrity() {
    let lock: Value = serde_json::from_str(
        &std::fs::read_to_string(fixture("npm/lockfile-v3/package-lock.json")).unwrap(),
    )
    .unwrap();
    let integrity = lock["packages"]["node_modules/ms"]["integrity"]
        .as_str()
        .unwrap();
    let sha512 = fundament::index::record::sha512_of_checksum(integrity).unwrap();
    assert_eq!(sha512.len(), 128);

    let tmp = tempfile::tempdir().unwrap();
    let index = new_index(&tmp.path().join("index"), "city");
    let mut ms = record("pkg:npm/ms", "2.1.3", Decision::Approved, "0BSD");
    ms.evidence = RecordEvidence {
        artefact_sha256: None,
        artefact_sha512: Some(sha512),
        // The file cannot be checked (no node_modules): the archive hash vouches for it.
        licence_files: vec![LicenceFileHash {
            path: "license.md".to_string(),
            sha256: "3".repeat(64),
        }],
    };
    let mut debug = record("pkg:npm/debug", "2.6.9", Decision::Approved, "MIT");
    debug.evidence.artefact_sha512 = Some("4".repeat(128));
    publish_all(&index, &[ms, debug]);
    let run = run(&policy(tmp.path(), &index_entry("city", &index, 1)), &[]);
    let ms = package(&run.json, "ms", "2.1.3");
    assert_eq!(ms["vetting"]["status"], "approved");
    assert_eq!(ms["vetting"]["record"]["archive"], "matches");
    assert_eq!(ms["vetting"]["record"]["licence_applied"], true);
    assert_eq!(ms["licence"]["concluded"]["expression"], "0BSD");
    assert!(findings(&run.json, "V005").is_empty());

    let debug = package(&run.json, "debug", "2.6.9");
    assert_eq!(debug["vetting"]["status"], "not-vetted");
    assert_eq!(debug["vetting"]["record"]["archive"], "differs");
    assert_eq!(findings(&run.json, "V006").len(), 1);
}
