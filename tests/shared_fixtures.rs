//! Every real-world fixture of ../shared/fixtures, audited in one go per fixture: the projects
//! of each ecosystem are found and read without input errors, every purl is well-formed, and
//! the project's own licence is found where the fixture states it. The readers' own tests check
//! the details; this one checks that nothing in the real files trips the pipeline.

mod support;

use std::collections::BTreeSet;
use support::{audit_json, findings, shared_fixture};

/// (fixture, project kinds expected at their directories)
const FIXTURES: &[(&str, &[(&str, &str)])] = &[
    ("opentalk-roomserver", &[("cargo", ".")]),
    ("opentalk-web-app", &[("pnpm", ".")]),
    (
        "eappointment",
        &[
            ("composer", "zmsadmin"),
            ("npm", "zmsadmin"),
            ("maven", "zmsautomation"),
        ],
    ),
    ("nextcloud-deck", &[("composer", "."), ("npm", ".")]),
    ("synapse", &[("python", "."), ("go", "complement")]),
    (
        "mucgpt",
        &[("python", "."), ("python", "mucgpt-core-service")],
    ),
    ("ckan", &[("python", ".")]),
    (
        "wahllokalsystem",
        &[("maven", "wls-auth-service"), ("maven", "wls-common")],
    ),
    ("ris-backend", &[("gradle", "backend")]),
    ("opencloud", &[("go", ".")]),
];

fn well_formed_purl(purl: &str) -> bool {
    let Some(rest) = purl.strip_prefix("pkg:") else {
        return false;
    };
    let Some((ty, name)) = rest.split_once('/') else {
        return false;
    };
    !ty.is_empty()
        && ty.chars().all(|c| {
            c.is_ascii_lowercase() || c.is_ascii_digit() || c == '.' || c == '+' || c == '-'
        })
        && !name.is_empty()
        && !purl.contains(' ')
        && packageurl::PackageUrl::from_str(purl).is_ok()
}

use std::str::FromStr;

#[test]
fn every_shared_fixture_is_read_without_input_errors() {
    for (fixture, expected) in FIXTURES {
        let Some(dir) = shared_fixture(fixture) else {
            return;
        };
        let run = audit_json(&dir, &["--offline"]);
        let json = &run.json;
        assert_ne!(run.code, 3, "{fixture}: internal failure: {}", run.stderr);

        let found: BTreeSet<(String, String)> = json["projects"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| {
                (
                    p["kind"].as_str().unwrap().to_string(),
                    p["dir"].as_str().unwrap().to_string(),
                )
            })
            .collect();
        let wanted: BTreeSet<(String, String)> = expected
            .iter()
            .map(|(k, d)| (k.to_string(), d.to_string()))
            .collect();
        assert_eq!(found, wanted, "{fixture}: projects");

        for code in ["I001", "I003"] {
            let broken: Vec<_> = findings(json, code)
                .into_iter()
                // The fixture holds two POMs of a larger build: its other modules are missing
                // by construction, and saying so is right.
                .filter(|f| {
                    !(*fixture == "wahllokalsystem"
                        && f["message"].as_str().unwrap().contains("has no POM"))
                })
                .collect();
            assert!(broken.is_empty(), "{fixture}: {code}: {broken:?}");
        }
        for project in json["projects"].as_array().unwrap() {
            assert_ne!(project["status"], "failed", "{fixture}: {project}");
        }
        let packages = json["packages"].as_array().unwrap();
        assert!(!packages.is_empty(), "{fixture}: no packages");
        for p in packages {
            let purl = p["purl"].as_str().unwrap();
            assert!(well_formed_purl(purl), "{fixture}: bad purl {purl}");
        }
    }
}

#[test]
fn the_project_licence_is_found_where_the_fixture_states_it() {
    for (fixture, expected, source) in [
        ("nextcloud-deck", "AGPL-3.0", "manifest"),
        ("opentalk-roomserver", "EUPL-1.2", "reuse"),
        ("mucgpt", "MIT", "publiccode"),
    ] {
        let Some(dir) = shared_fixture(fixture) else {
            return;
        };
        let json = audit_json(&dir, &["--offline"]).json;
        let own = &json["project_licence"];
        let expression = own["expression"].as_str().unwrap_or_default();
        assert!(
            expression.starts_with(expected),
            "{fixture}: project licence {expression}, expected {expected}: {own}"
        );
        assert!(
            own["statements"]
                .as_array()
                .unwrap()
                .iter()
                .any(|s| s["kind"] == source
                    && s["expression"]
                        .as_str()
                        .is_some_and(|e| e.starts_with(expected))),
            "{fixture}: no {source} statement: {own}"
        );
    }
}

#[test]
fn deck_states_its_own_licence_differently_in_two_manifests() {
    let Some(dir) = shared_fixture("nextcloud-deck") else {
        return;
    };
    let json = audit_json(&dir, &["--offline"]).json;
    // package.json says `agpl` (read as AGPL-3.0-or-later, assumed), composer.json `AGPLv3`
    // (AGPL-3.0-only): the audit says so rather than picking one silently.
    let mismatch = findings(&json, "L010");
    assert_eq!(mismatch.len(), 1, "{}", json["project_licence"]);
    let notes = mismatch[0]["notes"].to_string();
    assert!(notes.contains("composer.json"), "{notes}");
    assert!(notes.contains("agpl"), "{notes}");
    assert_eq!(json["project_licence"]["consistent"], false);
}
