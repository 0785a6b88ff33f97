//! Bulk work on an index: `index publish --from-audit` (selecting only allowed, one ecosystem,
//! only runtime packages of an audit's JSON report, with the audit's evidence, in one commit),
//! and `index propose` (the same on a branch for a merge request, with its summary, pushed to
//! a git server over https).

mod support;

use std::path::{Path, PathBuf};
use support::git_server::{GitServer, GitServerOptions, bare_repository, git as run_git, test_ca};
use support::index::{
    add_key, assert_says, code, index_cmd, new_index, new_index_with, ok, open_alone, publish,
    text, verify,
};
use support::{audit_json, fixture};

/// The JSON report of an audit of the npm fixture (11 packages: 7 runtime, 3 dev; every one
/// with an npm `integrity`), written to `<tmp>/audit.json`.
fn audit_report(tmp: &Path) -> (PathBuf, serde_json::Value) {
    let run = audit_json(&fixture("npm/lockfile-v3"), &[]);
    let path = tmp.join("audit.json");
    std::fs::write(&path, serde_json::to_vec_pretty(&run.json).unwrap()).unwrap();
    (path, run.json)
}

/// `--decision approved` by `who` of the City of Example.
fn approved_by(who: &str) -> [&str; 6] {
    [
        "--decision",
        "approved",
        "--reviewer",
        who,
        "--organisation",
        "City of Example",
    ]
}

/// `index publish --from-audit <audit>`, approved by Ann, with `extra` arguments.
fn from_audit(tmp: &Path, index: &Path, audit: &Path, extra: &[&str]) -> std::process::Output {
    from_audit_by(tmp, index, audit, "Ann Example", extra)
}

/// `index publish --from-audit <audit>`, approved by `who`, with `extra` arguments.
fn from_audit_by(
    tmp: &Path,
    index: &Path,
    audit: &Path,
    who: &str,
    extra: &[&str],
) -> std::process::Output {
    let mut args = vec!["--from-audit", audit.to_str().unwrap()];
    args.extend_from_slice(&approved_by(who));
    args.extend_from_slice(extra);
    publish(tmp, index, &args)
}

/// `index propose --index <index> --branch <branch>` with `args`, approved by Ann.
fn propose_approved(tmp: &Path, index: &Path, branch: &str, args: &[&str]) -> std::process::Output {
    let mut all = args.to_vec();
    all.extend_from_slice(&approved_by("Ann Example"));
    propose(tmp, index, branch, &all)
}

/// `index propose --index <index> --branch <branch>` with `args`.
fn propose(tmp: &Path, index: &Path, branch: &str, args: &[&str]) -> std::process::Output {
    let mut all = vec![
        "propose",
        "--index",
        index.to_str().unwrap(),
        "--branch",
        branch,
    ];
    all.extend_from_slice(args);
    index_cmd(tmp, &all)
}

fn record_lines(index: &Path) -> Vec<serde_json::Value> {
    let mut out: Vec<serde_json::Value> = Vec::new();
    for ecosystem in ["npm", "cargo"] {
        let dir = index.join(ecosystem);
        if !dir.exists() {
            continue;
        }
        for entry in walk(&dir) {
            for line in std::fs::read_to_string(entry).unwrap().lines() {
                out.push(serde_json::from_str(line).unwrap());
            }
        }
    }
    out.sort_by_key(|v| v["purl"].as_str().unwrap().to_string() + v["version"].as_str().unwrap());
    out
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        if entry.file_type().unwrap().is_dir() {
            out.extend(walk(&entry.path()));
        } else {
            out.push(entry.path());
        }
    }
    out
}

#[test]
fn an_audit_publishes_its_runtime_packages_in_one_commit() {
    let tmp = tempfile::tempdir().unwrap();
    let index = new_index(tmp.path(), true);
    let (audit, report) = audit_report(tmp.path());
    let runtime: Vec<String> = report["packages"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| !p["root"].as_bool().unwrap() && p["scope"] == "runtime")
        .map(|p| p["purl"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(runtime.len(), 8, "{runtime:?}");

    let out = from_audit(tmp.path(), &index, &audit, &["--only-runtime"]);
    ok(&out);
    assert_says(&out, "8 records in commit");
    let lines = record_lines(&index);
    assert_eq!(lines.len(), 8);
    let debug = lines.iter().find(|l| l["purl"] == "pkg:npm/debug").unwrap();
    assert_eq!(debug["version"], "2.6.9");
    assert_eq!(debug["licence"], "MIT");
    assert_eq!(debug["decision"], "approved");
    // The audit's evidence: npm's integrity, as the archive's SHA-512.
    let integrity = report["packages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["purl"] == "pkg:npm/debug@2.6.9")
        .unwrap()["checksum"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(
        debug["evidence"]["artefact-sha512"].as_str().unwrap(),
        fundament::index::record::sha512_of_checksum(&integrity).unwrap()
    );
    assert!(
        lines.iter().all(|l| l["purl"] != "pkg:npm/is-odd"),
        "dev packages left out"
    );

    // One commit for all of them.
    let repo = git2::Repository::open(&index).unwrap();
    let head = repo.head().unwrap().peel_to_commit().unwrap();
    let message = head.message().unwrap();
    assert!(
        message.starts_with("8 decisions: 8 approved\n"),
        "{message}"
    );
    assert!(message.contains("approved pkg:npm/ws@8.23.0 (MIT) by Ann Example, City of Example"));
    assert_eq!(head.parent_count(), 1);
    assert_eq!(
        head.parent(0).unwrap().summary().unwrap().unwrap(),
        "Index city created"
    );
    ok(&verify(tmp.path(), &index));

    // Again: nothing new, and it says why.
    let out = from_audit(tmp.path(), &index, &audit, &["--only-runtime"]);
    ok(&out);
    assert_says(
        &out,
        "nothing to publish: every selected package was left out (8)",
    );
    assert_says(&out, "already approved (MIT) in this index, line 1");

    // The rest: only the three dev packages are new.
    let out = from_audit(tmp.path(), &index, &audit, &[]);
    assert_says(&out, "3 records in commit");
}

#[test]
fn the_selectors_choose_allowed_packages_of_one_ecosystem() {
    let tmp = tempfile::tempdir().unwrap();
    let index = new_index(tmp.path(), false);
    let (audit, mut report) = audit_report(tmp.path());
    // The policy of this audit denied ws.
    for package in report["packages"].as_array_mut().unwrap() {
        if package["purl"] == "pkg:npm/ws@8.23.0" {
            package["verdict"]["status"] = serde_json::json!("denied");
        }
    }
    std::fs::write(&audit, serde_json::to_vec(&report).unwrap()).unwrap();
    let out = from_audit(tmp.path(), &index, &audit, &["--ecosystem", "cargo"]);
    assert_says(&out, "nothing to publish: no package was selected");
    let out = from_audit(
        tmp.path(),
        &index,
        &audit,
        &["--ecosystem", "npm", "--only-allowed"],
    );
    ok(&out);
    let lines = record_lines(&index);
    assert_eq!(lines.len(), 10);
    assert!(lines.iter().all(|l| l["purl"] != "pkg:npm/ws"));

    // A report without scopes cannot select by them...
    let tmp2 = tempfile::tempdir().unwrap();
    let index2 = new_index(tmp2.path(), false);
    let mut no_scopes = report.clone();
    for package in no_scopes["packages"].as_array_mut().unwrap() {
        package.as_object_mut().unwrap().remove("scope");
    }
    std::fs::write(&audit, serde_json::to_vec(&no_scopes).unwrap()).unwrap();
    let out = from_audit(tmp2.path(), &index2, &audit, &["--only-runtime"]);
    assert_eq!(code(&out), 2);
    assert_says(&out, "says nothing about the scope");
    // ... and a report with per-project scopes selects a package any project uses at runtime.
    for package in no_scopes["packages"].as_array_mut().unwrap() {
        let runtime = package["purl"] == "pkg:npm/debug@2.6.9";
        package["scopes"] = serde_json::json!([
            {"project": 0, "scope": "dev"},
            {"project": 1, "scope": if runtime { "runtime" } else { "build" }}
        ]);
    }
    std::fs::write(&audit, serde_json::to_vec(&no_scopes).unwrap()).unwrap();
    let out = from_audit(tmp2.path(), &index2, &audit, &["--only-runtime"]);
    ok(&out);
    let lines = record_lines(&index2);
    assert_eq!(lines.len(), 1);
    assert_eq!(lines[0]["purl"], "pkg:npm/debug");

    // Not a fundament report.
    std::fs::write(&audit, "{\"bomFormat\":\"CycloneDX\"}").unwrap();
    let out = from_audit(tmp2.path(), &index2, &audit, &[]);
    assert_says(&out, "is not a fundament audit report");
}

#[test]
fn packages_without_evidence_need_a_reason_or_are_left_out() {
    let tmp = tempfile::tempdir().unwrap();
    let index = new_index(tmp.path(), false);
    let (audit, mut report) = audit_report(tmp.path());
    for package in report["packages"].as_array_mut().unwrap() {
        if package["purl"] == "pkg:npm/ms@2.0.0" {
            package.as_object_mut().unwrap().remove("checksum");
        }
    }
    std::fs::write(&audit, serde_json::to_vec(&report).unwrap()).unwrap();
    let out = from_audit(tmp.path(), &index, &audit, &[]);
    assert_says(&out, "left out pkg:npm/ms@2.0.0: no evidence");
    assert_eq!(record_lines(&index).len(), 10);
    let out = from_audit(
        tmp.path(),
        &index,
        &audit,
        &[
            "--no-evidence",
            "no lockfile hash; licence read on the registry page",
        ],
    );
    ok(&out);
    let lines = record_lines(&index);
    let ms = lines
        .iter()
        .find(|l| l["purl"] == "pkg:npm/ms" && l["version"] == "2.0.0")
        .unwrap();
    assert_eq!(
        ms["no-evidence"],
        "no lockfile hash; licence read on the registry page"
    );
}

#[test]
fn four_eyes_in_bulk_the_second_reviewer_co_signs_the_whole_proposal() {
    let tmp = tempfile::tempdir().unwrap();
    let index = new_index_with(tmp.path(), true, &["--approvals", "2"]);
    let keys = tmp.path().join("keys");
    std::fs::create_dir_all(&keys).unwrap();
    for (owner, file) in [("Ann Example", "ann"), ("Bob Example", "bob")] {
        let status = std::process::Command::new("ssh-keygen")
            .args(["-q", "-t", "ed25519", "-N", "", "-f"])
            .arg(keys.join(file))
            .status()
            .unwrap();
        assert!(status.success());
        let public = keys.join(format!("{file}.pub"));
        add_key(tmp.path(), &index, owner, &public, &[]);
    }
    let (audit, _) = audit_report(tmp.path());
    let ann = keys.join("ann");
    let out = from_audit(
        tmp.path(),
        &index,
        &audit,
        &["--only-runtime", "--sign-key", ann.to_str().unwrap()],
    );
    ok(&out);
    assert_eq!(
        text(&out)
            .matches("under review until approved by 2 (1 so far)")
            .count(),
        8
    );

    // Ann again: nothing to do, her signature is there.
    let out = from_audit(
        tmp.path(),
        &index,
        &audit,
        &["--only-runtime", "--sign-key", ann.to_str().unwrap()],
    );
    assert_says(&out, "awaiting approvals (1 of 2)");

    // Bob co-signs them all in one commit.
    let bob = keys.join("bob");
    let out = from_audit_by(
        tmp.path(),
        &index,
        &audit,
        "Bob Example",
        &["--only-runtime", "--sign-key", bob.to_str().unwrap()],
    );
    ok(&out);
    assert_eq!(
        text(&out).matches("co-signed approved").count(),
        8,
        "{}",
        text(&out)
    );
    let repo = git2::Repository::open(&index).unwrap();
    let head = repo.head().unwrap().peel_to_commit().unwrap();
    assert!(
        head.message()
            .unwrap()
            .starts_with("8 decisions: 8 co-signed")
    );

    let layered = open_alone(&index, true);
    assert_eq!(
        layered.lookup("pkg:npm/debug", "2.6.9").decision(),
        Some(fundament::index::Decision::Approved)
    );
    ok(&verify(tmp.path(), &index));
}

#[test]
fn a_proposal_is_a_branch_with_a_summary_pushed_for_a_merge_request() {
    let tmp = tempfile::tempdir().unwrap();
    let index = new_index(tmp.path(), true);
    let (audit, _) = audit_report(tmp.path());
    let repo = git2::Repository::open(&index).unwrap();
    let before = repo.head().unwrap().peel_to_commit().unwrap().id();
    let head_name = repo.head().unwrap().name().unwrap().to_string();

    // The index's server: a bare copy of it behind https.
    let served = tmp.path().join("served");
    std::fs::create_dir_all(&served).unwrap();
    let bare = served.join("index.git");
    run_git(
        &served,
        &[
            "clone",
            "-q",
            "--bare",
            index.to_str().unwrap(),
            bare.to_str().unwrap(),
        ],
    );
    run_git(&bare, &["config", "http.receivepack", "true"]);
    run_git(&bare, &["config", "receive.advertisePushOptions", "true"]);
    let server = GitServer::start(
        &served,
        GitServerOptions {
            tls: true,
            ..Default::default()
        },
    );
    run_git(&index, &["remote", "add", "origin", &server.url("index")]);

    let summary = tmp.path().join("mr.md");
    let out = propose_approved(
        tmp.path(),
        &index,
        "vetting/frontend",
        &[
            "--from-audit",
            audit.to_str().unwrap(),
            "--only-runtime",
            "--summary",
            summary.to_str().unwrap(),
            "--lang",
            "de",
            "--push",
            "origin",
            "--push-option",
            "merge_request.create",
            "--ca-certificates",
            test_ca().to_str().unwrap(),
        ],
    );
    ok(&out);
    assert_says(&out, "proposed on branch `vetting/frontend`");
    assert_says(&out, "pushed `vetting/frontend` to https://localhost:");

    // The work tree and the current branch are untouched; the branch has one commit more.
    let repo = git2::Repository::open(&index).unwrap();
    assert_eq!(repo.head().unwrap().peel_to_commit().unwrap().id(), before);
    assert_eq!(repo.head().unwrap().name().unwrap(), head_name);
    assert!(!index.join("npm").exists());
    let branch = repo
        .find_reference("refs/heads/vetting/frontend")
        .unwrap()
        .peel_to_commit()
        .unwrap();
    assert_eq!(branch.parent_id(0).unwrap(), before);
    assert!(
        branch
            .message()
            .unwrap()
            .starts_with("8 decisions: 8 approved")
    );
    let tree = branch.tree().unwrap();
    assert!(tree.get_path(Path::new("npm/de/bu/debug")).is_ok());

    // The server has the branch.
    assert_eq!(
        run_git(&bare, &["rev-parse", "refs/heads/vetting/frontend"]).trim(),
        branch.id().to_string()
    );

    // The summary, in German: a table of the decisions with their evidence.
    let md = std::fs::read_to_string(&summary).unwrap();
    assert!(md.starts_with("## Prüfvorschlag: 8 Entscheidungen"), "{md}");
    assert!(
        md.contains("| Paket | Version | Entscheidung | Lizenz | Nachweise | Signaturen |"),
        "{md}"
    );
    assert!(
        md.contains("| `pkg:npm/debug` | 2.6.9 | approved | `MIT` | Archiv-Hash | 0 |"),
        "{md}"
    );
    assert!(md.contains("nur zur Laufzeit"), "{md}");

    // Proposing again continues the branch; the new records build on it.
    let out = propose_approved(
        tmp.path(),
        &index,
        "vetting/frontend",
        &["--from-audit", audit.to_str().unwrap(), "--summary", "-"],
    );
    ok(&out);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("## Vetting proposal: 3 decisions"),
        "{stdout}"
    );
    let tip = repo
        .find_reference("refs/heads/vetting/frontend")
        .unwrap()
        .peel_to_commit()
        .unwrap();
    assert_eq!(tip.parent_id(0).unwrap(), branch.id());

    // A VEX statement proposed on the branch repeats the decision in force there (the work
    // tree has none) and is listed in the summary.
    let out = propose(
        tmp.path(),
        &index,
        "vetting/frontend",
        &[
            "pkg:npm/debug@2.6.9",
            "--vex",
            "GHSA-gxpj-cx7g-858c",
            "--vex-status",
            "not_affected",
            "--justification",
            "vulnerable_code_not_in_execute_path",
            "--analysis",
            "debug() is never given | user input",
            "--reviewer",
            "Ann Example",
            "--organisation",
            "City of Example",
            "--summary",
            "-",
        ],
    );
    ok(&out);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("VEX statements:\n\n- `pkg:npm/debug` 2.6.9: `GHSA-gxpj-cx7g-858c` not_affected (vulnerable_code_not_in_execute_path): debug() is never given \\| user input\n"),
        "{stdout}"
    );
    assert!(!index.join("npm").exists());
    let tip = repo
        .find_reference("refs/heads/vetting/frontend")
        .unwrap()
        .peel_to_commit()
        .unwrap();
    let blob = tip
        .tree()
        .unwrap()
        .get_path(Path::new("npm/de/bu/debug"))
        .unwrap()
        .to_object(&repo)
        .unwrap()
        .peel_to_blob()
        .unwrap();
    let last: serde_json::Value = serde_json::from_str(
        std::str::from_utf8(blob.content())
            .unwrap()
            .lines()
            .last()
            .unwrap(),
    )
    .unwrap();
    assert_eq!(last["decision"], "approved");
    assert_eq!(last["licence"], "MIT");
    assert_eq!(last["vex"][0]["vulnerability"], "GHSA-gxpj-cx7g-858c");
}

#[test]
fn propose_needs_a_git_repository() {
    let tmp = tempfile::tempdir().unwrap();
    let index = new_index(tmp.path(), false);
    let (audit, _) = audit_report(tmp.path());
    let out = propose_approved(
        tmp.path(),
        &index,
        "x",
        &["--from-audit", audit.to_str().unwrap()],
    );
    assert_eq!(code(&out), 2);
    assert_says(&out, "not the work tree of a git repository");
    let _ = bare_repository;
}
