//! Vetting in every SBOM and in SARIF.

use super::*;

/// The Cargo workspace audited under the policy of tests/support/vetting.rs, which asks an
/// index with a rejected, an approved and an under-review decision.
fn vetted(dir: &Path) -> Reports {
    let policy = support::vetting::city(dir, "warn");
    reports(
        &Input::WithPolicy(fixture("cargo/workspace"), policy),
        "cargo/workspace with an index",
    )
}

#[test]
fn cyclonedx_components_carry_their_vetting() {
    let temp = tempfile::tempdir().unwrap();
    let r = vetted(temp.path());
    let gpl = component(&r.cyclonedx, "pkg:cargo/gpl-lib@3.0.0");
    for (name, value) in [
        ("status", "rejected"),
        ("decision", "rejected"),
        ("index", "city"),
        ("reviewer", "Erika Muster"),
        ("organisation", "Stadt Beispiel"),
        ("date", "2026-01-01"),
        ("decision-versions", "3.0.0"),
        ("licence", "GPL-3.0-only"),
        ("licence-applied", "true"),
        ("archive", "not-recorded"),
        ("notes", support::vetting::REJECTED_NOTES),
    ] {
        assert_eq!(
            property(gpl, &format!("fundament:vetting:{name}")).as_deref(),
            Some(value),
            "{name}"
        );
    }
    // A folder index's path means nothing elsewhere: not written.
    assert_eq!(property(gpl, "fundament:vetting:index-location"), None);
    let filed = component(&r.cyclonedx, "pkg:cargo/filed@0.3.0");
    assert_eq!(
        property(filed, "fundament:vetting:status").as_deref(),
        Some("approved")
    );
    assert_eq!(
        property(filed, "fundament:vetting:decision-versions").as_deref(),
        Some(">=0.3, <0.4")
    );
    assert_eq!(
        property(filed, "fundament:vetting:review-by").as_deref(),
        Some("2030-06-30")
    );
    let helper = component(&r.cyclonedx, "pkg:cargo/test-helper@0.9.0");
    assert_eq!(
        property(helper, "fundament:vetting:status").as_deref(),
        Some("under-review")
    );
    assert_eq!(
        property(helper, "fundament:vetting:licence-applied").as_deref(),
        Some("false")
    );
    // No decision: the status alone.
    let plain = component(&r.cyclonedx, "pkg:cargo/mit-lib@1.0.0");
    let names: Vec<String> = array(&plain["properties"])
        .iter()
        .map(|p| string(&p["name"]))
        .filter(|n| n.starts_with("fundament:vetting:"))
        .collect();
    assert_eq!(names, ["fundament:vetting:status"]);
    assert_eq!(
        property(plain, "fundament:vetting:status").as_deref(),
        Some("not-vetted")
    );
    // Another vetting, another serial number.
    let plain_bom = report(&dir("cargo/workspace"), "cyclonedx");
    assert_ne!(r.cyclonedx["serialNumber"], plain_bom["serialNumber"]);
}

#[test]
fn spdx_packages_carry_a_review_annotation_per_decision() {
    let temp = tempfile::tempdir().unwrap();
    let r = vetted(temp.path());
    let annotation = |purl: &str| -> Value {
        let annotations = array(&spdx_package(&r.spdx, purl)["annotations"]);
        assert_eq!(annotations.len(), 1, "{purl}");
        annotations[0].clone()
    };
    let gpl = annotation("pkg:cargo/gpl-lib@3.0.0");
    assert_eq!(gpl["annotationType"], "REVIEW");
    assert_eq!(gpl["annotator"], "Organization: Stadt Beispiel");
    assert_eq!(gpl["annotationDate"], "2026-01-01T00:00:00Z");
    let comment = string(&gpl["comment"]);
    for part in [
        "rejected in index `city`",
        "cargo/gp/l-/gpl-lib:1",
        "by Erika Muster (Stadt Beispiel) on 2026-01-01",
        "for versions 3.0.0",
        "Recorded licence: GPL-3.0-only",
        support::vetting::REJECTED_NOTES,
        "Vetting status in this audit: rejected.",
    ] {
        assert!(comment.contains(part), "{part}: {comment}");
    }
    let filed = string(&annotation("pkg:cargo/filed@0.3.0")["comment"]);
    assert!(filed.contains("approved in index `city`"), "{filed}");
    assert!(filed.contains("for versions >=0.3, <0.4"), "{filed}");
    assert!(
        filed.contains("To be reviewed again by 2030-06-30."),
        "{filed}"
    );
    let helper = string(&annotation("pkg:cargo/test-helper@0.9.0")["comment"]);
    assert!(helper.contains("under-review in index `city`"), "{helper}");
    assert!(
        helper.contains("not used for the concluded licence"),
        "{helper}"
    );
    // No decision, no annotation.
    assert!(
        spdx_package(&r.spdx, "pkg:cargo/mit-lib@1.0.0")
            .get("annotations")
            .is_none()
    );
}

#[test]
fn sarif_places_vetting_findings_at_the_lockfile_and_names_the_record() {
    let temp = tempfile::tempdir().unwrap();
    let r = vetted(temp.path());
    let run = &r.sarif["runs"][0];
    let rules = array(&run["tool"]["driver"]["rules"]);
    for code in ["V002", "V003", "V004", "V009"] {
        let rule = rules
            .iter()
            .find(|rule| rule["id"] == code)
            .unwrap_or_else(|| panic!("no rule {code}"));
        assert_eq!(rule["properties"]["tags"][1], "vetting", "{code}");
    }
    let rejected = array(&run["results"])
        .iter()
        .find(|result| result["ruleId"] == "V002")
        .expect("the V002 result");
    assert_eq!(rejected["level"], "error");
    // The record is in the index, not in the audited tree: the result points at the lockfile
    // line of the package, and the message names the record.
    let lock = fixture("cargo/workspace/Cargo.lock");
    assert_eq!(
        location(rejected),
        (
            "Cargo.lock".to_string(),
            Some(line_containing(&lock, "name = \"gpl-lib\"") as u64)
        )
    );
    let message = string(&rejected["message"]["text"]);
    assert!(
        message.contains("Reported at: index `city` cargo/gp/l-/gpl-lib:1"),
        "{message}"
    );
    assert!(
        message.contains(support::vetting::REJECTED_NOTES),
        "{message}"
    );
    for result in array(&run["results"]) {
        let uri = string(&result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]);
        assert!(!uri.contains("index"), "{uri}");
    }
}
