//! Findings grouped by cause, each with what to do (issue 17), on the shared real-world
//! fixtures: a Cargo workspace whose `cargo metadata` fails, and a 2,000-package npm lockfile
//! audited without registry look-ups.

mod support;

use support::{affected, audit_json, audit_text, findings, shared_fixture};

const NO_NETWORK: [&str; 3] = ["--offline", "--no-cache", "--no-registry"];

#[test]
fn a_failed_cargo_metadata_is_one_finding_with_its_packages_and_its_cause() {
    let Some(dir) = shared_fixture("opentalk-roomserver") else {
        return;
    };
    let run = audit_json(&dir, &NO_NETWORK);
    let json = &run.json;
    // The workspace names members by a glob cargo cannot read here: `cargo metadata` fails
    // (I005), and every crate's licence is unknown for that one reason.
    assert_eq!(findings(json, "I005").len(), 1);
    let l009 = findings(json, "L009");
    assert_eq!(l009.len(), 1, "one cause, one finding");
    let f = l009[0];
    let unresolved = json["packages"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["root"] == false)
        .filter(|p| p["licence"]["concluded"]["expression"] == "NOASSERTION")
        .count();
    assert!(unresolved > 1000, "{unresolved}");
    assert_eq!(f["count"], unresolved);
    assert_eq!(affected(json, "L009").len(), unresolved);
    assert!(f.get("package").is_none());
    assert_eq!(f["caused_by"], "I005");
    assert!(f["help"].as_str().unwrap().starts_with("Fix I005 first"));
    assert!(f.get("fix").is_none(), "1,000 exceptions are not the fix");
    // Every finding says what to do.
    for f in json["findings"].as_array().unwrap() {
        assert!(f["help"].as_str().is_some_and(|h| h.len() > 20), "{f}");
    }
    assert!(json["findings"].as_array().unwrap().len() < 10);

    let (code, human, _) = audit_text(&dir, &NO_NETWORK);
    assert_eq!(code, 1);
    let more = unresolved - 10;
    assert!(human.contains(&format!(
        "and {more} more: `--format json` lists all {unresolved} in this finding's `packages`"
    )));
    assert!(human.contains("   = help: Fix I005 first, then audit again"));
    let causes = human
        .split("causes, largest first")
        .nth(1)
        .expect("the summary of causes");
    let first = causes.lines().nth(1).unwrap();
    assert!(
        first.contains(&format!("{unresolved}  error[L009]"))
            && first.contains("(follows from I005)"),
        "{first}"
    );
}

#[test]
fn mass_findings_on_a_big_npm_lockfile_fold_and_keep_every_package() {
    let Some(dir) = shared_fixture("nextcloud-deck") else {
        return;
    };
    let json = audit_json(&dir, &NO_NETWORK).json;
    let unknown = affected(&json, "L004");
    assert!(unknown.len() > 500, "{}", unknown.len());
    assert_eq!(findings(&json, "L004").len(), 1);
    // Per package: each appears once per code, and each is a package of the audit.
    let purls: std::collections::HashSet<&str> = json["packages"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|p| p["purl"].as_str())
        .collect();
    for code in ["L003", "L004", "L006"] {
        let all = affected(&json, code);
        let distinct: std::collections::HashSet<&String> = all.iter().collect();
        assert_eq!(all.len(), distinct.len(), "{code}: one finding per package");
        assert!(all.iter().all(|p| purls.contains(p.as_str())), "{code}");
    }
    // The summary of the packages' verdicts still counts each package.
    let denied = json["summary"]["by_status"]["denied"].as_u64().unwrap() as usize;
    assert!(denied >= unknown.len());
    // Findings of ten packages or fewer give a snippet that names each.
    let l003 = findings(&json, "L003");
    assert!(
        l003.iter()
            .any(|f| f["count"].as_u64().is_some_and(|n| n > 1))
    );
    for f in l003
        .into_iter()
        .filter(|f| f["count"].as_u64().unwrap_or(1) <= 10)
    {
        let fix = f["fix"].as_str().expect("a snippet for a review");
        let named = f["package"]
            .as_str()
            .map(|p| vec![p.to_string()])
            .unwrap_or_else(|| affected_of(f));
        for purl in named {
            assert!(fix.contains(&format!("package = \"{purl}\"")), "{fix}");
        }
    }
}

fn affected_of(f: &serde_json::Value) -> Vec<String> {
    f["packages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p.as_str().unwrap().to_string())
        .collect()
}

/// The JSON report of `fundament audit DIR --offline` with registry look-ups on (so that what
/// the cache lacks is a finding, not skipped) and the cache `cache`.
fn offline_with_lookups(dir: &std::path::Path, cache: &std::path::Path) -> serde_json::Value {
    let output = support::fundament()
        .env_remove("FUNDAMENT_NO_REGISTRY")
        .arg("audit")
        .arg(dir)
        .args(["--offline", "--format", "json", "--cache-dir"])
        .arg(cache)
        .output()
        .unwrap();
    serde_json::from_slice(&output.stdout).unwrap()
}

/// Offline with registry look-ups on and nothing cached: every crate whose archive (with its
/// licence files) is not in the cache is one cause, so one R003 finding with the count and all
/// the packages in `packages` (it was one R009 per crate), and one A015 for the yanked check
/// (it was one per index URL). The packages stay unresolved: none of them passes.
#[test]
fn offline_cache_misses_are_one_finding_with_their_packages() {
    let Some(dir) = shared_fixture("opentalk-roomserver") else {
        return;
    };
    let cache = tempfile::tempdir().unwrap();
    let json = offline_with_lookups(&dir, cache.path());
    assert!(findings(&json, "R009").is_empty(), "no R009 per crate");
    let r003 = findings(&json, "R003");
    assert_eq!(r003.len(), 1, "one cause, one finding");
    let f = r003[0];
    let purls: Vec<&str> = f["packages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p.as_str().unwrap())
        .collect();
    assert!(purls.len() > 500, "{}", purls.len());
    assert_eq!(f["count"], purls.len());
    assert!(f.get("package").is_none());
    assert!(
        f["message"]
            .as_str()
            .unwrap()
            .contains(&format!("the licences of {} packages", purls.len())),
        "{f}"
    );
    assert!(f["notes"][0].as_str().unwrap().contains("archive"), "{f}");
    // Incomplete, not passing: each of them is unresolved and denied by the default policy.
    let packages = json["packages"].as_array().unwrap();
    for purl in &purls {
        let p = packages.iter().find(|p| p["purl"] == *purl).unwrap();
        assert_eq!(
            p["licence"]["concluded"]["expression"], "NOASSERTION",
            "{purl}"
        );
        assert_ne!(p["verdict"]["status"], "allowed", "{purl}");
    }
    // Whether crates were yanked: one finding for the offline misses, not one per crate.
    let a015 = findings(&json, "A015");
    let offline: Vec<_> = a015
        .iter()
        .filter(|f| f["message"].as_str().unwrap().contains("offline"))
        .collect();
    assert_eq!(offline.len(), 1, "{a015:?}");
    assert!(a015.len() <= 3, "{}", a015.len());
    // The German report says it once, in German, and points to the JSON for the list.
    let output = support::fundament()
        .env_remove("FUNDAMENT_NO_REGISTRY")
        .arg("audit")
        .arg(&dir)
        .args(["--offline", "--lang", "de", "--cache-dir"])
        .arg(cache.path())
        .output()
        .unwrap();
    let human = String::from_utf8_lossy(&output.stdout);
    assert_eq!(human.matches("warning[R003]:").count(), 1, "{human}");
    assert!(human.contains(&format!(
        "ohne Netz: Die Lizenzen von {} Komponenten liegen nicht im Zwischenspeicher",
        german_number(purls.len())
    )));
    assert!(human.contains("`--format json` nennt alle"), "{human}");
    assert!(!human.contains("not in the cache"), "{human}");
}

/// A Gradle build offline with nothing cached: the POMs the cache lacks are one R003 (not an
/// I011 per POM), and the unknown licences they leave fold by that one cause (not an L009 per
/// package that names its own POM's path).
#[test]
fn an_offline_gradle_build_reports_its_missing_poms_once() {
    let Some(dir) = shared_fixture("ris-backend") else {
        return;
    };
    let cache = tempfile::tempdir().unwrap();
    let json = offline_with_lookups(&dir, cache.path());
    let r003 = findings(&json, "R003");
    assert_eq!(r003.len(), 1, "{r003:?}");
    assert!(
        r003[0]["message"].as_str().unwrap().contains("the POMs of"),
        "{}",
        r003[0]
    );
    let per_pom: Vec<_> = findings(&json, "I011")
        .into_iter()
        .filter(|f| f["message"].as_str().unwrap().contains("not in the cache"))
        .filter(|f| f.get("package").is_some())
        .collect();
    assert!(per_pom.is_empty(), "{per_pom:?}");
    let l009 = findings(&json, "L009");
    assert!(l009.len() <= 3, "{}: {l009:?}", l009.len());
    let unresolved = affected(&json, "L009").len();
    assert!(unresolved > 40, "{unresolved}");
}

/// Offline with nothing cached, the licences of a pnpm lockfile's packages (it records none)
/// stay unknown because the registry's answers are not in the cache (one R003): every L009
/// that leaves says it follows from that R003, in JSON and in the human report's summary of
/// causes, in English and in German.
#[test]
fn unknown_licences_left_by_offline_cache_misses_follow_from_r003() {
    let Some(dir) = shared_fixture("opentalk-web-app") else {
        return;
    };
    let cache = tempfile::tempdir().unwrap();
    let json = offline_with_lookups(&dir, cache.path());
    let r003 = findings(&json, "R003");
    assert_eq!(r003.len(), 1, "{r003:?}");
    let missed = affected_of(r003[0]);
    let l009 = findings(&json, "L009");
    assert!(!l009.is_empty());
    let mut unknown = 0;
    for f in &l009 {
        // (The message only: `packages` runs to a thousand purls.)
        assert_eq!(f["caused_by"], "R003", "{}", f["message"]);
        let help = f["help"].as_str().unwrap();
        assert!(help.starts_with("Fix R003 first"), "{help}");
        for purl in affected_of(f) {
            assert!(missed.contains(&purl), "{purl}");
            unknown += 1;
        }
    }
    assert!(unknown > 1000, "{unknown}");
    for lang in ["en", "de"] {
        let output = support::fundament()
            .env_remove("FUNDAMENT_NO_REGISTRY")
            .arg("audit")
            .arg(&dir)
            .args(["--offline", "--lang", lang, "--cache-dir"])
            .arg(cache.path())
            .output()
            .unwrap();
        let human = String::from_utf8_lossy(&output.stdout);
        let (note, summary) = if lang == "en" {
            ("these findings follow from R003", "(follows from R003)")
        } else {
            ("diese Feststellungen folgen aus R003", "(Folge von R003)")
        };
        assert_eq!(human.matches(note).count(), l009.len(), "{lang}");
        // The summary of causes closes the report.
        let causes: Vec<&str> = human.lines().rev().take(20).collect();
        let causes = causes.join("\n");
        assert!(causes.contains(summary), "{lang}: {causes}");
    }
}

/// A count as the German reports write it (1.034).
fn german_number(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push('.');
        }
        out.push(c);
    }
    out
}
