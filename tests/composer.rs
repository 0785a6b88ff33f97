//! The Composer reader, end to end: `fundament audit <dir> --format json` on the repository's
//! own hand-written fixtures (tests/fixtures/composer, registry host `packagist.registry.example`)
//! and on the shared real-world fixtures (../shared/fixtures, skipped when absent).
//!
//! Expected values are computed from the fixtures' own composer.lock wherever practical: one
//! package per lockfile entry plus the project's own, `packages-dev` in dev scope, every licence
//! read from the lockfile's `license` array (several entries joined with OR).

use serde_json::Value;
use std::collections::BTreeSet;
use std::path::Path;

mod support;

use support::{JsonRun as Run, shared_fixture};
use support::{findings, pair as edge};

fn audit(dir: &Path) -> Run {
    support::audit_json(dir, &[])
}

fn fixture(case: &str) -> std::path::PathBuf {
    support::fixture(&format!("composer/{case}"))
}

fn read_json(path: &Path) -> Value {
    let text = std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{} is not JSON: {e}", path.display()))
}

/// The Composer packages of the report (a tree may hold npm projects too).
fn composer_packages(json: &Value) -> Vec<&Value> {
    json["packages"]
        .as_array()
        .expect("`packages` is an array")
        .iter()
        .filter(|p| p["ecosystem"] == "composer")
        .collect()
}

/// The Composer package of the report with this name; exactly one must exist.
fn package<'a>(json: &'a Value, name: &str) -> &'a Value {
    let found: Vec<&Value> = composer_packages(json)
        .into_iter()
        .filter(|p| p["name"] == name)
        .collect();
    assert_eq!(found.len(), 1, "expected one Composer package {name}");
    found[0]
}

/// The package's edges as (target name, kind).
fn edges(json: &Value, p: &Value) -> BTreeSet<(String, String)> {
    support::edges_by(json, p, "name")
}

/// (raw, file, field) of each declared licence.
fn declared(p: &Value) -> Vec<(String, String, String)> {
    p["licence"]["declared"]
        .as_array()
        .expect("`licence.declared` is an array")
        .iter()
        .map(|d| {
            (
                d["raw"].as_str().unwrap().to_string(),
                d["origin"]["file"].as_str().unwrap().to_string(),
                d["origin"]["field"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

/// The purl of a Composer package: `pkg:composer/vendor/name@version`, lower-cased name.
fn expected_purl(name: &str, version: &str) -> String {
    let name = name.to_lowercase();
    if version.is_empty() {
        format!("pkg:composer/{name}")
    } else {
        format!("pkg:composer/{name}@{}", version.replace('+', "%2B"))
    }
}

/// The licence a lockfile entry declares, as the reader must read it.
fn lock_licence(entry: &Value) -> Option<String> {
    let parts: Vec<String> = match &entry["license"] {
        Value::String(s) => vec![s.clone()],
        Value::Array(items) => items
            .iter()
            .filter_map(|v| v.as_str().map(str::to_string))
            .collect(),
        _ => Vec::new(),
    };
    match parts.len() {
        0 => None,
        1 => parts.into_iter().next(),
        _ => Some(
            parts
                .iter()
                .map(|p| {
                    if p.contains(' ') && !p.starts_with('(') {
                        format!("({p})")
                    } else {
                        p.clone()
                    }
                })
                .collect::<Vec<_>>()
                .join(" OR "),
        ),
    }
}

/// The lockfile's entries, each with its section.
fn lock_entries(lock: &Value) -> Vec<(&'static str, &Value)> {
    let mut out = Vec::new();
    for section in ["packages", "packages-dev"] {
        for entry in lock[section].as_array().map(Vec::as_slice).unwrap_or(&[]) {
            out.push((section, entry));
        }
    }
    out
}

/// Checks every lockfile entry against the report: one package each, purl, scope, licence from
/// the lockfile, never `licence_unavailable`.
fn check_against_lock(json: &Value, lock: &Value) {
    let entries = lock_entries(lock);
    let packages = composer_packages(json);
    let roots: Vec<&&Value> = packages.iter().filter(|p| p["root"] == true).collect();
    assert_eq!(roots.len(), 1, "one root package");
    assert_eq!(
        packages.len(),
        entries.len() + 1,
        "one package per `packages` and `packages-dev` entry, plus the project's own"
    );
    for (section, entry) in entries {
        let name = entry["name"].as_str().unwrap();
        let version = entry["version"].as_str().unwrap();
        let p = package(json, name);
        assert_eq!(p["version"], version, "{name}");
        assert_eq!(p["purl"], expected_purl(name, version), "{name}");
        let purl = p["purl"].as_str().unwrap();
        assert!(
            purl.starts_with("pkg:composer/") && purl.matches('/').count() == 2,
            "{purl} is a Composer purl with a vendor namespace"
        );
        let scope = if section == "packages" {
            "runtime"
        } else {
            "dev"
        };
        assert_eq!(p["scope"], scope, "{name} comes from `{section}`");
        assert!(p.get("licence_unavailable").is_none(), "{name}");
        let raws: Vec<String> = declared(p).into_iter().map(|d| d.0).collect();
        assert_eq!(
            raws,
            lock_licence(entry).into_iter().collect::<Vec<_>>(),
            "{name}: the licence comes from composer.lock"
        );
        for (_, file, field) in declared(p) {
            assert_eq!(file, "composer.lock");
            assert_eq!(field, format!("{section}[\"{name}\"].license"));
        }
    }
    assert!(
        findings(json, "L009").is_empty(),
        "composer.lock carries licences: nothing is unresolved"
    );
}

// ---------------------------------------------------------------------------------------------
// The repository's own fixtures

#[test]
fn basic_lockfile_packages_scopes_licences_and_sources() {
    let dir = fixture("basic");
    let run = audit(&dir);
    let lock = read_json(&dir.join("composer.lock"));
    check_against_lock(&run.json, &lock);
    let json = &run.json;

    let project = &json["projects"][0];
    assert_eq!(project["kind"], "composer");
    assert_eq!(project["reader"], "composer.lock");
    assert_eq!(project["status"], "complete");
    assert_eq!(project["lockfile"], "composer.lock");

    // The project's own package, from composer.json.
    let root = package(json, "Acme/Portal");
    assert_eq!(root["root"], true);
    assert_eq!(root["purl"], "pkg:composer/acme/portal");
    assert_eq!(root["version"], "");
    assert_eq!(
        declared(root),
        vec![(
            "EUPL-1.2".to_string(),
            "composer.json".to_string(),
            "license".to_string()
        )]
    );
    assert_eq!(root["source"]["kind"], "path");
    // Requirements are matched case-insensitively; `psr/http-client-implementation` resolves
    // to guzzle, which provides it; platform requirements are no packages.
    assert_eq!(
        edges(json, root),
        BTreeSet::from([
            edge("monolog/monolog", "normal"),
            edge("guzzlehttp/guzzle", "normal"),
            edge("acme/shared", "normal"),
            edge("acme/legacy-api", "normal"),
            edge("acme/proprietary-sdk", "normal"),
            edge("acme/unlicensed-lib", "normal"),
            edge("phpunit/phpunit", "dev"),
            edge("acme/dual-dev-tool", "dev"),
        ])
    );
    for name in [
        "php",
        "ext-json",
        "php-64bit",
        "lib-icu",
        "composer-plugin-api",
    ] {
        assert!(
            composer_packages(json).iter().all(|p| p["name"] != name),
            "{name} is a platform package"
        );
    }

    // A requirement on a replaced name resolves to the replacing package.
    assert_eq!(
        edges(json, package(json, "acme/legacy-api")),
        BTreeSet::from([edge("laminas/laminas-diactoros", "normal")])
    );
    assert!(
        composer_packages(json)
            .iter()
            .all(|p| p["name"] != "zendframework/zend-diactoros"),
        "replaced names are not packages of their own"
    );
    assert_eq!(
        edges(json, package(json, "acme/proprietary-sdk")),
        BTreeSet::new()
    );
    assert_eq!(
        edges(json, package(json, "phpunit/phpunit")),
        BTreeSet::from([edge("sebastian/diff", "normal")])
    );
    assert!(
        findings(json, "I007").is_empty(),
        "every requirement resolves"
    );

    // Several licences are a choice.
    assert_eq!(
        declared(package(json, "acme/legacy-api"))[0].0,
        "GPL-2.0-or-later OR MIT"
    );
    assert_eq!(
        declared(package(json, "acme/dual-dev-tool"))[0].0,
        "LGPL-2.1-only OR (MIT and BSD-3-Clause)"
    );

    // Sources, checksums and installed directories.
    let legacy = package(json, "acme/legacy-api");
    assert_eq!(legacy["source"]["kind"], "git");
    assert_eq!(
        legacy["source"]["url"],
        "https://git.example/acme/legacy-api.git"
    );
    let shared = package(json, "acme/shared");
    assert_eq!(shared["source"]["kind"], "path");
    assert_eq!(shared["source"]["path"], "packages/shared");
    assert!(
        shared["dir"]
            .as_str()
            .is_some_and(|d| d.ends_with("basic/packages/shared")),
        "a path repository inside the tree is the package's directory"
    );
    let monolog = package(json, "monolog/monolog");
    assert_eq!(monolog["source"]["kind"], "registry");
    assert!(
        monolog["dir"]
            .as_str()
            .is_some_and(|d| d.ends_with("basic/vendor/monolog/monolog")),
        "vendor/<name> is the installed package's directory"
    );
    assert!(package(json, "psr/log").get("dir").is_none());
    assert_eq!(
        package(json, "guzzlehttp/guzzle")["checksum"],
        "5c0b1b4f6e1d6fd4c9fb1e4c1d3a4c2ec3ba8a11"
    );
    assert!(
        package(json, "monolog/monolog").get("checksum").is_none(),
        "an empty shasum is no checksum"
    );
    let sdk = package(json, "acme/proprietary-sdk");
    assert_eq!(sdk["source"]["kind"], "url");
    assert_eq!(sdk["checksum"], "da39a3ee5e6b4b0d3255bfef95601890afd80709");

    // A package whose lockfile entry has no licence is unknown, not unresolved; the
    // proprietary SDK is denied by the default policy.
    let unknown = findings(json, "L004");
    assert_eq!(unknown.len(), 1);
    assert_eq!(
        unknown[0]["package"],
        "pkg:composer/acme/unlicensed-lib@0.1.4"
    );
    assert_eq!(
        findings(json, "L001")[0]["package"],
        "pkg:composer/acme/proprietary-sdk@1.2.0"
    );
    assert_eq!(run.code, 1, "policy violations, nothing unreadable");
}

#[test]
fn composer_json_requiring_packages_without_a_lockfile_cannot_be_audited() {
    let run = audit(&fixture("no-lockfile"));
    let missing = findings(&run.json, "I002");
    assert_eq!(missing.len(), 1);
    assert_eq!(missing[0]["location"]["file"], "composer.json");
    assert!(
        missing[0]["message"]
            .as_str()
            .unwrap()
            .contains("requires 2 packages"),
        "{}",
        missing[0]["message"]
    );
    assert_eq!(run.json["projects"][0]["status"], "failed");
    assert!(composer_packages(&run.json).is_empty());
    assert_eq!(run.code, 2);
}

#[test]
fn composer_json_with_only_platform_requirements_is_just_the_root() {
    let run = audit(&fixture("no-requirements"));
    let json = &run.json;
    assert_eq!(json["projects"][0]["status"], "complete");
    assert_eq!(json["projects"][0]["reader"], "composer.json");
    let packages = composer_packages(json);
    assert_eq!(packages.len(), 1);
    let root = packages[0];
    assert_eq!(root["purl"], "pkg:composer/acme/standalone@1.0.0");
    assert_eq!(root["root"], true);
    assert_eq!(
        declared(root),
        vec![(
            "MIT OR Apache-2.0".to_string(),
            "composer.json".to_string(),
            "license".to_string()
        )]
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
}

#[test]
fn a_lockfile_without_composer_json_has_a_root_requiring_the_top_packages() {
    let dir = fixture("lock-only");
    let run = audit(&dir);
    let json = &run.json;
    check_against_lock(json, &read_json(&dir.join("composer.lock")));
    assert_eq!(json["projects"][0]["manifest"], "composer.lock");
    let root = package(json, "lock-only");
    assert_eq!(root["root"], true);
    assert_eq!(
        edges(json, root),
        BTreeSet::from([
            edge("monolog/monolog", "normal"),
            edge("sebastian/diff", "dev"),
        ]),
        "psr/log is required by monolog, so the root does not require it itself"
    );
}

#[test]
fn a_truncated_lockfile_is_an_error_naming_file_and_line() {
    let dir = fixture("malformed-lock");
    let text = std::fs::read_to_string(dir.join("composer.lock")).unwrap();
    let run = audit(&dir);
    let unreadable = findings(&run.json, "I001");
    assert_eq!(unreadable.len(), 1);
    assert_eq!(unreadable[0]["location"]["file"], "composer.lock");
    assert_eq!(
        unreadable[0]["location"]["line"],
        text.lines().count(),
        "the JSON ends in the middle of the last line"
    );
    assert_eq!(run.json["projects"][0]["status"], "failed");
    assert_eq!(run.code, 2);
}

// ---------------------------------------------------------------------------------------------
// Shared real-world fixtures

#[test]
fn eappointment_zmsadmin_reads_every_locked_package() {
    let Some(dir) = shared_fixture("eappointment/zmsadmin") else {
        return;
    };
    let run = audit(&dir);
    let json = &run.json;
    let lock = read_json(&dir.join("composer.lock"));
    check_against_lock(json, &lock);

    let root = package(json, "eappointment/zmsadmin");
    assert_eq!(root["root"], true);
    assert_eq!(declared(root)[0].0, "EUPL-1.2");
    assert_eq!(declared(root)[0].2, "license");

    assert_eq!(declared(package(json, "monolog/monolog"))[0].0, "MIT");
    assert_eq!(
        declared(package(json, "nette/utils"))[0].0,
        "BSD-3-Clause OR GPL-2.0-only OR GPL-3.0-only"
    );
    assert_eq!(declared(package(json, "amphp/amp"))[0].0, "MIT");
    assert_eq!(package(json, "amphp/amp")["scope"], "dev");
    assert!(
        declared(package(json, "aronduby/dump")).is_empty(),
        "its lockfile entry has no `license`"
    );
    // Path repositories (`../mellon`) lie outside the audited tree.
    let mellon = package(json, "eappointment/mellon");
    assert_eq!(mellon["source"]["kind"], "path");
    assert_eq!(mellon["source"]["path"], "../mellon");
    assert!(edges(json, root).contains(&edge("eappointment/mellon", "normal")));
    assert!(edges(json, root).contains(&edge("phpunit/phpunit", "dev")));
    // `php-http/curl-client` requires the virtual `psr/http-factory-implementation`: it
    // resolves to every locked package that provides it.
    let providers: BTreeSet<(String, String)> = lock_entries(&lock)
        .into_iter()
        .filter(|(_, e)| {
            e["provide"]
                .get("psr/http-factory-implementation")
                .is_some()
        })
        .map(|(_, e)| edge(e["name"].as_str().unwrap(), "normal"))
        .collect();
    assert!(providers.len() >= 2, "{providers:?}");
    let curl = edges(json, package(json, "php-http/curl-client"));
    assert!(providers.is_subset(&curl), "{curl:?}");
    assert!(
        findings(json, "I007")
            .iter()
            .all(|f| f["location"]["file"] != "composer.lock"),
        "every requirement of the lockfile resolves"
    );
}

#[test]
fn nextcloud_deck_reads_every_locked_package() {
    let Some(dir) = shared_fixture("nextcloud-deck") else {
        return;
    };
    let run = audit(&dir);
    let json = &run.json;
    check_against_lock(json, &read_json(&dir.join("composer.lock")));

    let root = package(json, "nextcloud/deck");
    assert_eq!(root["root"], true);
    assert_eq!(
        declared(root),
        vec![(
            "AGPLv3".to_string(),
            "composer.json".to_string(),
            "license".to_string()
        )]
    );
    assert_eq!(
        edges(json, root),
        BTreeSet::from([
            edge("justinrainbow/json-schema", "normal"),
            edge("bamarni/composer-bin-plugin", "normal"),
            edge("roave/security-advisories", "dev"),
            edge("phpunit/phpunit", "dev"),
            edge("nextcloud/coding-standard", "dev"),
            edge("nextcloud/ocp", "dev"),
        ])
    );
    let ocp = package(json, "nextcloud/ocp");
    assert_eq!(ocp["scope"], "dev");
    assert_eq!(declared(ocp)[0].0, "AGPL-3.0-or-later");
    assert_eq!(
        package(json, "justinrainbow/json-schema")["scope"],
        "runtime"
    );
    // `php-cs-fixer/shim` replaces `friendsofphp/php-cs-fixer`, which is no package of its own:
    // a requirement on the replaced name resolves to the shim.
    assert!(
        edges(json, package(json, "kubawerlos/php-cs-fixer-custom-fixers"))
            .contains(&edge("php-cs-fixer/shim", "normal"))
    );
    assert!(
        composer_packages(json)
            .iter()
            .all(|p| p["name"] != "friendsofphp/php-cs-fixer")
    );
}
