//! The npm reader, end to end: `fundament audit <dir> --format json` on the repository's own
//! npm fixtures (tests/fixtures/npm, generated with npm where possible, registry host replaced by
//! `npm.registry.example`) and on the shared real-world fixtures (../shared/fixtures, skipped
//! when absent).
//!
//! Expected values are computed from the fixtures' own lockfiles wherever that is practical, so
//! that the tests state the rule ("one package per distinct name@version", "edges follow Node's
//! module resolution", "licences come from the lockfile's `license` field") rather than a copy
//! of today's output.

use serde_json::{Map, Value};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

mod support;

use support::{JsonRun as Run, copy_tree, shared_fixture};
use support::{edge, edges, findings, name_version, package_at as package, packages};

// ---------------------------------------------------------------------------------------------
// Running the binary

/// Runs `fundament audit <dir> --format json <extra...>` and parses the report.
fn audit(dir: &Path, extra: &[&str]) -> Run {
    support::audit_json(dir, extra)
}

/// A fixture under tests/fixtures/npm.
fn fixture(case: &str) -> PathBuf {
    support::fixture(&format!("npm/{case}"))
}

fn read_json(path: &Path) -> Value {
    let text = std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{} is not JSON: {e}", path.display()))
}

fn write_json(path: &Path, value: &Value) {
    std::fs::write(path, serde_json::to_string_pretty(value).unwrap()).unwrap();
}

// ---------------------------------------------------------------------------------------------
// Reading the report

/// A package by name and version.
type NameVersion = (String, String);
/// An edge by the target's name and version, and the edge's kind.
type Edge = (String, String, String);

/// The raw strings of the package's declared licences.
fn declared(p: &Value) -> Vec<String> {
    p["licence"]["declared"]
        .as_array()
        .expect("`licence.declared` is an array")
        .iter()
        .map(|d| d["raw"].as_str().unwrap().to_string())
        .collect()
}

fn concluded(p: &Value) -> &str {
    p["licence"]["concluded"]["expression"]
        .as_str()
        .expect("a concluded expression")
}

fn roots(json: &Value) -> Vec<&Value> {
    packages(json)
        .iter()
        .filter(|p| p["root"] == true)
        .collect()
}

/// The purl of an npm package: a scope becomes the namespace, with its `@` percent-encoded.
fn expected_purl(name: &str, version: &str) -> String {
    let name = match name.strip_prefix('@') {
        Some(scoped) => format!("%40{scoped}"),
        None => name.to_string(),
    };
    format!("pkg:npm/{name}@{}", version.replace('+', "%2B"))
}

// ---------------------------------------------------------------------------------------------
// Reading the lockfile, independently of fundament

/// `node_modules/a/node_modules/@s/b` → `@s/b`.
fn name_from_key(key: &str) -> &str {
    match key.rfind("node_modules/") {
        Some(i) => &key[i + "node_modules/".len()..],
        None => key.rsplit('/').next().unwrap_or(key),
    }
}

/// The `packages` map of a v2/v3 lockfile.
fn lock_packages(lock: &Value) -> &Map<String, Value> {
    lock["packages"].as_object().expect("a `packages` object")
}

fn is_link(entry: &Value) -> bool {
    entry["link"] == true
}

/// The key a link entry stands for (`resolved`, relative to the project).
fn link_target(entry: &Value) -> String {
    let resolved = entry["resolved"].as_str().expect("a link has `resolved`");
    resolved
        .trim_start_matches("file:")
        .trim_start_matches("./")
        .trim_end_matches('/')
        .to_string()
}

/// The name@version a key of `packages` stands for, following links.
fn identity_of(packages: &Map<String, Value>, key: &str) -> NameVersion {
    let entry = &packages[key];
    if is_link(entry) {
        return identity_of(packages, &link_target(entry));
    }
    let name = entry["name"]
        .as_str()
        .unwrap_or_else(|| name_from_key(key))
        .to_string();
    let version = entry["version"].as_str().unwrap_or_default().to_string();
    (name, version)
}

/// Every entry except the root `""` and `link` entries, grouped by name@version.
fn locked(packages: &Map<String, Value>) -> BTreeMap<NameVersion, Vec<(&str, &Value)>> {
    let mut out: BTreeMap<NameVersion, Vec<(&str, &Value)>> = BTreeMap::new();
    for (key, entry) in packages {
        if key.is_empty() || is_link(entry) {
            continue;
        }
        out.entry(identity_of(packages, key))
            .or_default()
            .push((key.as_str(), entry));
    }
    out
}

/// Whether the key is one of the project's own packages (the root, or a workspace directory):
/// keys that are not inside a `node_modules` folder.
fn is_project_key(key: &str) -> bool {
    !key.starts_with("node_modules/") && !key.contains("/node_modules/")
}

/// Where Node.js finds `dep` when required from the package at `from`: `from`'s own
/// node_modules, then the node_modules of every enclosing directory. A package outside the
/// project (`../x`) has only its own enclosing directories, which never include the project.
fn node_resolve(packages: &Map<String, Value>, from: &str, dep: &str) -> Option<String> {
    let segments: Vec<&str> = if from.is_empty() {
        Vec::new()
    } else {
        from.split('/').collect()
    };
    let lowest = usize::from(from.starts_with("../"));
    for end in (lowest..=segments.len()).rev() {
        let dir = &segments[..end];
        if dir.last() == Some(&"node_modules") {
            continue;
        }
        let candidate = if dir.is_empty() {
            format!("node_modules/{dep}")
        } else {
            format!("{}/node_modules/{dep}", dir.join("/"))
        };
        if packages.contains_key(&candidate) {
            return Some(candidate);
        }
    }
    None
}

/// The edges the lockfile implies, by name@version, and the normal dependencies it cannot
/// satisfy (requiring key, dependency name).
struct Implied {
    edges: BTreeMap<NameVersion, BTreeSet<Edge>>,
    missing: BTreeSet<(String, String)>,
}

fn implied_edges(packages: &Map<String, Value>) -> Implied {
    let mut edges: BTreeMap<NameVersion, BTreeSet<Edge>> = BTreeMap::new();
    let mut missing = BTreeSet::new();
    for (key, entry) in packages {
        if is_link(entry) {
            continue;
        }
        let from = identity_of(packages, key);
        let groups = [
            ("dependencies", "normal"),
            ("optionalDependencies", "optional"),
            ("peerDependencies", "peer"),
            ("devDependencies", "dev"),
        ];
        for (field, kind) in groups {
            // Only the project's own packages install their dev dependencies.
            if kind == "dev" && !is_project_key(key) {
                continue;
            }
            let Some(deps) = entry[field].as_object() else {
                continue;
            };
            for dep in deps.keys() {
                match node_resolve(packages, key, dep) {
                    Some(target) => {
                        let (name, version) = identity_of(packages, &target);
                        if (name.as_str(), version.as_str()) != (from.0.as_str(), from.1.as_str()) {
                            edges.entry(from.clone()).or_default().insert((
                                name,
                                version,
                                kind.to_string(),
                            ));
                        }
                    }
                    None if kind == "normal" => {
                        missing.insert((key.clone(), dep.clone()));
                    }
                    None => {}
                }
            }
        }
    }
    Implied { edges, missing }
}

/// Turns a v1 lockfile's nested `dependencies` tree into v2-style path keys, with the root
/// entry taken from package.json (v1 lockfiles do not record the root's dependencies).
fn flatten_v1(lock: &Value, manifest: &Value) -> Map<String, Value> {
    fn walk(prefix: &str, deps: &Map<String, Value>, out: &mut Map<String, Value>) {
        for (name, entry) in deps {
            let key = if prefix.is_empty() {
                format!("node_modules/{name}")
            } else {
                format!("{prefix}/node_modules/{name}")
            };
            let mut flat = Map::new();
            for field in ["version", "resolved", "dev", "optional", "peer"] {
                if let Some(value) = entry.get(field) {
                    flat.insert(field.to_string(), value.clone());
                }
            }
            if let Some(requires) = entry.get("requires") {
                flat.insert("dependencies".to_string(), requires.clone());
            }
            out.insert(key.clone(), Value::Object(flat));
            if let Some(nested) = entry["dependencies"].as_object() {
                walk(&key, nested, out);
            }
        }
    }
    let mut out = Map::new();
    let mut root = Map::new();
    for field in [
        "name",
        "version",
        "license",
        "dependencies",
        "devDependencies",
        "optionalDependencies",
    ] {
        if let Some(value) = manifest.get(field) {
            root.insert(field.to_string(), value.clone());
        }
    }
    out.insert(String::new(), Value::Object(root));
    walk(
        "",
        lock["dependencies"].as_object().expect("v1 `dependencies`"),
        &mut out,
    );
    out
}

// ---------------------------------------------------------------------------------------------
// Checks shared by several fixtures

/// One report package per distinct locked name@version, plus the root; purls well-formed.
fn check_packages(json: &Value, packages_map: &Map<String, Value>) {
    let expected: BTreeSet<NameVersion> = locked(packages_map).into_keys().collect();
    let root = identity_of(packages_map, "");
    let reported: Vec<NameVersion> = packages(json).iter().map(name_version).collect();
    let reported_set: BTreeSet<NameVersion> = reported.iter().cloned().collect();
    assert_eq!(
        reported.len(),
        reported_set.len(),
        "a name@version appears twice in the report"
    );
    let mut expected_all = expected.clone();
    expected_all.insert(root.clone());
    let absent: Vec<_> = expected_all.difference(&reported_set).collect();
    let extra: Vec<_> = reported_set.difference(&expected_all).collect();
    assert!(
        absent.is_empty() && extra.is_empty(),
        "locked but not reported: {absent:?}; reported but not locked: {extra:?}"
    );
    assert_eq!(packages(json).len(), expected.len() + 1);
    for p in packages(json) {
        let (name, version) = name_version(p);
        assert_eq!(
            p["purl"],
            expected_purl(&name, &version),
            "{name}@{version}"
        );
        assert_eq!(p["ecosystem"], "npm");
    }
    let root_package = package(json, &root.0, &root.1);
    assert_eq!(root_package["root"], true, "the lockfile's root is a root");
    let non_roots = packages(json).iter().filter(|p| p["root"] != true).count();
    assert_eq!(json["summary"]["packages"], non_roots);
}

/// Scope, optional and peer flags of every dependency follow the lockfile's flags over all of
/// its copies: dev-only when every copy is `dev`, optional when every copy is optional, peer
/// when every copy is a peer.
fn check_flags(json: &Value, packages_map: &Map<String, Value>, check_peer: bool) {
    for ((name, version), copies) in locked(packages_map) {
        if copies.iter().all(|(key, _)| is_project_key(key)) {
            continue;
        }
        let p = package(json, &name, &version);
        let flag = |e: &Value, f: &str| e[f] == true;
        let dev = copies
            .iter()
            .all(|(_, e)| flag(e, "dev") && !flag(e, "devOptional"));
        let optional = copies
            .iter()
            .all(|(_, e)| flag(e, "optional") || flag(e, "devOptional"));
        let peer = copies.iter().all(|(_, e)| flag(e, "peer"));
        assert_eq!(
            p["scope"],
            if dev { "dev" } else { "runtime" },
            "scope of {name}@{version}"
        );
        assert_eq!(p["optional"], optional, "optional flag of {name}@{version}");
        if check_peer {
            assert_eq!(p["peer"], peer, "peer flag of {name}@{version}");
        }
    }
}

/// Each name@version whose every lockfile copy carries the same `license` string declares
/// that string, read from the lockfile, and (without installed copies) nothing else.
/// Returns how many packages were checked.
fn check_lockfile_licences(json: &Value, packages_map: &Map<String, Value>) -> usize {
    let mut checked = 0;
    for ((name, version), copies) in locked(packages_map) {
        let licences: BTreeSet<Option<&str>> =
            copies.iter().map(|(_, e)| e["license"].as_str()).collect();
        let [Some(licence)] = licences.into_iter().collect::<Vec<_>>()[..] else {
            continue;
        };
        let p = package(json, &name, &version);
        let raws = declared(p);
        if copies.iter().all(|(key, _)| is_project_key(key)) {
            // The project's own packages also declare their package.json's licence.
            assert!(
                raws.iter().any(|r| r == licence),
                "{name}@{version}: {raws:?}"
            );
        } else {
            assert_eq!(raws, vec![licence.to_string()], "{name}@{version}");
            let origin = &p["licence"]["declared"][0]["origin"];
            assert!(
                origin["file"]
                    .as_str()
                    .unwrap()
                    .ends_with("package-lock.json"),
                "{name}@{version}: {origin}"
            );
            let keys: Vec<String> = copies
                .iter()
                .map(|(k, _)| format!("packages[\"{k}\"].license"))
                .collect();
            assert!(
                keys.iter().any(|k| origin["field"] == k.as_str()),
                "{name}@{version}: field {} is none of {keys:?}",
                origin["field"]
            );
        }
        checked += 1;
    }
    checked
}

/// Every edge the lockfile implies by Node's resolution is in the report; with `exact`, the
/// report has no other edges.
fn check_edges(json: &Value, implied: &Implied, exact: bool) {
    for p in packages(json) {
        let from = name_version(p);
        let reported = edges(json, p);
        let expected = implied.edges.get(&from).cloned().unwrap_or_default();
        let absent: Vec<_> = expected.difference(&reported).collect();
        assert!(
            absent.is_empty(),
            "{from:?} lacks the edges {absent:?} (has {reported:?})"
        );
        if exact {
            let extra: Vec<_> = reported.difference(&expected).collect();
            assert!(
                extra.is_empty(),
                "{from:?} has edges the lockfile does not imply: {extra:?}"
            );
        }
    }
}

/// The (requiring key, dependency) pairs of the report's I007 findings; the key is "" for the
/// project itself. A message reads "<who> requires `a`[, `b`...], which <lockfile> does not
/// contain", where <who> is "the project" or the requiring key (in backticks or not).
fn unresolved_findings(json: &Value) -> BTreeSet<(String, String)> {
    let mut out = BTreeSet::new();
    for f in findings(json, "I007") {
        let message = f["message"].as_str().unwrap();
        let (who, rest) = message
            .split_once(" requires ")
            .unwrap_or_else(|| panic!("unexpected I007 message: {message}"));
        let who = who.trim_matches('`');
        let who = if who == "the project" { "" } else { who };
        let list = rest.split(", which ").next().unwrap();
        let deps: Vec<&str> = list.split('`').skip(1).step_by(2).collect();
        assert!(!deps.is_empty(), "unexpected I007 message: {message}");
        for dep in deps {
            out.insert((who.to_string(), dep.to_string()));
        }
    }
    out
}

// ---------------------------------------------------------------------------------------------
// Lockfile versions 2 and 3 (generated by npm from the same package.json)

fn check_v2_v3(case: &str, version: u64) -> Value {
    let dir = fixture(case);
    let lock = read_json(&dir.join("package-lock.json"));
    assert_eq!(
        lock["lockfileVersion"], version,
        "the fixture's own version"
    );
    let run = audit(&dir, &[]);
    let json = run.json;
    assert_eq!(
        run.code, 0,
        "every licence is allowed: {:#}",
        json["findings"]
    );
    assert_eq!(json["summary"]["outcome"], "pass");
    let projects = json["projects"].as_array().unwrap();
    assert_eq!(projects.len(), 1);
    assert_eq!(
        projects[0]["reader"],
        format!("package-lock.json v{version}")
    );
    assert_eq!(projects[0]["status"], "complete");

    let map = lock_packages(&lock);
    check_packages(&json, map);
    check_flags(&json, map, true);
    assert_eq!(check_lockfile_licences(&json, map), map.len() - 1);
    let implied = implied_edges(map);
    assert!(implied.missing.is_empty(), "{:?}", implied.missing);
    check_edges(&json, &implied, true);
    assert!(findings(&json, "I007").is_empty(), "{:#}", json["findings"]);
    json
}

#[test]
fn lockfile_v3_is_read_completely() {
    check_v2_v3("lockfile-v3", 3);
}

#[test]
fn lockfile_v2_is_read_completely() {
    check_v2_v3("lockfile-v2", 2);
}

#[test]
fn lockfile_v2_and_v3_of_one_project_give_the_same_graph() {
    let summary = |case: &str| -> BTreeSet<String> {
        let json = audit(&fixture(case), &[]).json;
        packages(&json)
            .iter()
            .map(|p| {
                format!(
                    "{} {} {} {} {} {:?}",
                    p["purl"],
                    p["scope"],
                    p["optional"],
                    p["peer"],
                    concluded(p),
                    edges(&json, p)
                )
            })
            .collect()
    };
    let v2 = summary("lockfile-v2");
    assert_eq!(v2.len(), 12, "{v2:#?}");
    assert_eq!(v2, summary("lockfile-v3"));
}

#[test]
fn scoped_packages_are_purl_namespaces() {
    for case in ["lockfile-v1", "lockfile-v2", "lockfile-v3"] {
        let json = audit(&fixture(case), &[]).json;
        let p = package(&json, "@isaacs/string-locale-compare", "1.1.0");
        assert_eq!(
            p["purl"], "pkg:npm/%40isaacs/string-locale-compare@1.1.0",
            "{case}"
        );
    }
}

#[test]
fn licences_are_taken_from_the_lockfile_license_field() {
    for case in ["lockfile-v2", "lockfile-v3"] {
        let dir = fixture(case);
        let lock = read_json(&dir.join("package-lock.json"));
        let json = audit(&dir, &["--policy", "permissive-only"]).json;
        for (key, name, version) in [
            (
                "node_modules/@isaacs/string-locale-compare",
                "@isaacs/string-locale-compare",
                "1.1.0",
            ),
            ("node_modules/debug", "debug", "2.6.9"),
            ("node_modules/debug/node_modules/ms", "ms", "2.0.0"),
            ("node_modules/react", "react", "19.3.1"),
        ] {
            let licence = lock["packages"][key]["license"].as_str().unwrap();
            let p = package(&json, name, version);
            assert_eq!(declared(p), vec![licence.to_string()], "{case} {key}");
            assert_eq!(concluded(p), licence, "{case} {key}");
            assert_eq!(p["licence"]["concluded"]["from"], "declared");
            assert_eq!(
                p["licence"]["declared"][0]["origin"]["field"],
                format!("packages[\"{key}\"].license")
            );
            assert_eq!(p["verdict"]["status"], "allowed", "{case} {key}");
        }
        assert_eq!(
            concluded(package(&json, "@isaacs/string-locale-compare", "1.1.0")),
            "ISC"
        );
        // The project's own licence, from the root entry.
        let root = package(&json, "npm-flags-fixture", "1.0.0");
        assert_eq!(concluded(root), "EUPL-1.2");
        assert_eq!(root["verdict"]["status"], "project");
    }
}

#[test]
fn dev_optional_and_peer_flags_follow_the_lockfile() {
    let json = audit(&fixture("lockfile-v3"), &[]).json;
    let flags = |name: &str, version: &str| {
        let p = package(&json, name, version);
        (
            p["scope"].as_str().unwrap().to_string(),
            p["optional"] == true,
            p["peer"] == true,
        )
    };
    let runtime = |optional, peer| ("runtime".to_string(), optional, peer);
    let dev = ("dev".to_string(), false, false);
    assert_eq!(flags("is-number", "7.0.0"), dev);
    assert_eq!(flags("is-odd", "3.0.1"), dev);
    // A dev package's own dependency, nested under it.
    assert_eq!(flags("is-number", "6.0.0"), dev);
    assert_eq!(flags("fsevents", "2.3.3"), runtime(true, false));
    // Installed by npm for use-sync-external-store's peerDependencies.
    assert_eq!(flags("react", "19.3.1"), runtime(false, true));
    assert_eq!(flags("ws", "8.23.0"), runtime(false, false));
    assert_eq!(flags("debug", "2.6.9"), runtime(false, false));
    assert_eq!(flags("ms", "2.0.0"), runtime(false, false));
}

#[test]
fn edges_follow_node_resolution_of_the_nested_duplicate() {
    let json = audit(&fixture("lockfile-v3"), &[]).json;
    // debug 2.6.9 wants ms 2.0.0: node_modules/debug/node_modules/ms, not the top-level 2.1.3.
    let debug = package(&json, "debug", "2.6.9");
    assert_eq!(
        edges(&json, debug),
        BTreeSet::from([edge("ms", "2.0.0", "normal")])
    );
    let is_odd = package(&json, "is-odd", "3.0.1");
    assert_eq!(
        edges(&json, is_odd),
        BTreeSet::from([edge("is-number", "6.0.0", "normal")])
    );
    let root = package(&json, "npm-flags-fixture", "1.0.0");
    let root_edges = edges(&json, root);
    assert!(
        root_edges.contains(&edge("ms", "2.1.3", "normal")),
        "{root_edges:?}"
    );
    assert!(
        !root_edges.iter().any(|e| e.0 == "ms" && e.1 == "2.0.0"),
        "{root_edges:?}"
    );
    assert!(
        root_edges.contains(&edge("is-number", "7.0.0", "dev")),
        "{root_edges:?}"
    );
    assert!(
        root_edges.contains(&edge("fsevents", "2.3.3", "optional")),
        "{root_edges:?}"
    );
    let store = package(&json, "use-sync-external-store", "1.7.0");
    assert_eq!(
        edges(&json, store),
        BTreeSet::from([edge("react", "19.3.1", "peer")])
    );
    // The dependency path of the nested copy goes through debug.
    let ms = package(&json, "ms", "2.0.0");
    assert_eq!(
        ms["path"],
        serde_json::json!(["npm-flags-fixture 1.0.0", "debug 2.6.9", "ms 2.0.0"])
    );
}

#[test]
fn optional_peer_dependencies_that_npm_did_not_install_are_not_findings() {
    // ws declares bufferutil and utf-8-validate as optional peers; npm installs neither.
    let dir = fixture("lockfile-v3");
    let lock = read_json(&dir.join("package-lock.json"));
    let ws = &lock["packages"]["node_modules/ws"];
    assert_eq!(ws["peerDependenciesMeta"]["bufferutil"]["optional"], true);
    assert!(lock["packages"].get("node_modules/bufferutil").is_none());
    let run = audit(&dir, &[]);
    assert_eq!(run.code, 0);
    // Nothing but the warning that known vulnerabilities were not checked (no advisory data).
    assert!(
        run.json["findings"]
            .as_array()
            .unwrap()
            .iter()
            .all(|f| f["code"] == "A012"),
        "{:#}",
        run.json["findings"]
    );
}

// ---------------------------------------------------------------------------------------------
// Lockfile version 1

#[test]
fn lockfile_v1_nested_tree_is_read() {
    let dir = fixture("lockfile-v1");
    let lock = read_json(&dir.join("package-lock.json"));
    assert_eq!(lock["lockfileVersion"], 1);
    let manifest = read_json(&dir.join("package.json"));
    let map = flatten_v1(&lock, &manifest);
    let run = audit(&dir, &[]);
    let json = &run.json;
    assert_eq!(json["projects"][0]["reader"], "package-lock.json v1");
    assert_eq!(json["projects"][0]["status"], "complete");

    check_packages(json, &map);
    // v1 entries carry `dev` and `optional`; `peer` is checked in its own test.
    check_flags(json, &map, false);
    let implied = implied_edges(&map);
    assert!(implied.missing.is_empty(), "{:?}", implied.missing);
    check_edges(json, &implied, true);
    let debug = package(json, "debug", "2.6.9");
    assert_eq!(
        edges(json, debug),
        BTreeSet::from([edge("ms", "2.0.0", "normal")])
    );
    // The root's edges come from package.json, which v1 lockfiles do not repeat.
    let root = package(json, "npm-flags-fixture", "1.0.0");
    let root_edges = edges(json, root);
    assert!(root_edges.contains(&edge("is-odd", "3.0.1", "dev")));
    assert!(root_edges.contains(&edge("fsevents", "2.3.3", "optional")));
    assert_eq!(concluded(root), "EUPL-1.2");

    // v1 lockfiles carry no licences and nothing is installed: every dependency is
    // unresolved (L009), and the default policy denies unknown licences.
    let non_roots: Vec<&Value> = packages(json)
        .iter()
        .filter(|p| p["root"] != true)
        .collect();
    assert_eq!(non_roots.len(), locked(&map).len());
    for p in &non_roots {
        assert!(declared(p).is_empty(), "{}", p["purl"]);
        assert_eq!(concluded(p), "NOASSERTION", "{}", p["purl"]);
        assert_eq!(p["verdict"]["status"], "denied", "{}", p["purl"]);
    }
    let unknown: BTreeSet<String> = support::affected(json, "L009").into_iter().collect();
    for p in &non_roots {
        assert!(
            p["licence_unavailable"]
                .as_str()
                .unwrap()
                .contains("lockfile version 1"),
            "{}",
            p["purl"]
        );
    }
    let expected: BTreeSet<&str> = non_roots
        .iter()
        .map(|p| p["purl"].as_str().unwrap())
        .collect();
    assert_eq!(unknown, expected.iter().map(|e| e.to_string()).collect());
    assert_eq!(run.code, 1);
    assert_eq!(json["summary"]["outcome"], "fail");
}

#[test]
fn lockfile_v1_peer_flag_is_kept() {
    let dir = fixture("lockfile-v1");
    let lock = read_json(&dir.join("package-lock.json"));
    assert_eq!(lock["dependencies"]["react"]["peer"], true);
    let json = audit(&dir, &[]).json;
    let map = flatten_v1(&lock, &read_json(&dir.join("package.json")));
    check_flags(&json, &map, true);
    assert_eq!(package(&json, "react", "19.3.1")["peer"], true);
}

// ---------------------------------------------------------------------------------------------
// Workspaces

#[test]
fn workspace_members_are_roots_not_dependencies() {
    let dir = fixture("workspaces");
    let lock = read_json(&dir.join("package-lock.json"));
    let map = lock_packages(&lock);
    let links: Vec<&String> = map
        .iter()
        .filter(|(_, e)| is_link(e))
        .map(|(k, _)| k)
        .collect();
    assert_eq!(links.len(), 2, "the fixture links both members");
    let run = audit(&dir, &[]);
    let json = &run.json;
    assert_eq!(run.code, 0, "{:#}", json["findings"]);

    // Members of the workspace are not projects of their own.
    let projects = json["projects"].as_array().unwrap();
    assert_eq!(projects.len(), 1, "{projects:#?}");
    check_packages(json, map);
    check_flags(json, map, true);
    check_lockfile_licences(json, map);

    let expected_roots: BTreeSet<NameVersion> = map
        .iter()
        .filter(|(k, e)| is_project_key(k) && !is_link(e))
        .map(|(k, _)| identity_of(map, k))
        .collect();
    assert_eq!(expected_roots.len(), 3);
    let reported_roots: BTreeSet<NameVersion> = roots(json).into_iter().map(name_version).collect();
    assert_eq!(reported_roots, expected_roots);
    let project_roots: BTreeSet<NameVersion> = projects[0]["roots"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| name_version(&packages(json)[i.as_u64().unwrap() as usize]))
        .collect();
    assert_eq!(project_roots, expected_roots);
    for (name, version, path) in [
        ("@fixture/core", "1.2.0", "packages/core"),
        ("fixture-app", "0.3.0", "packages/app"),
    ] {
        let p = package(json, name, version);
        assert_eq!(p["purl"], expected_purl(name, version));
        assert_eq!(p["source"]["kind"], "path");
        assert_eq!(p["source"]["path"], path);
        assert_eq!(p["verdict"]["status"], "project");
    }
    assert_eq!(
        package(json, "@fixture/core", "1.2.0")["purl"],
        "pkg:npm/%40fixture/core@1.2.0"
    );
    // Dependencies are what remains: the distinct locked name@versions that are not members.
    assert_eq!(
        json["summary"]["packages"],
        locked(map).len() - (expected_roots.len() - 1)
    );
}

#[test]
fn workspace_links_and_member_node_modules_resolve_like_node() {
    let dir = fixture("workspaces");
    let lock = read_json(&dir.join("package-lock.json"));
    let json = audit(&dir, &[]).json;
    check_edges(&json, &implied_edges(lock_packages(&lock)), true);
    let app = package(&json, "fixture-app", "0.3.0");
    assert_eq!(
        edges(&json, app),
        BTreeSet::from([
            edge("@fixture/core", "1.2.0", "normal"),
            edge("debug", "2.6.9", "normal"),
            edge("ms", "2.0.0", "normal"),
        ])
    );
    // packages/core/node_modules/ms (2.1.3) shadows the hoisted node_modules/ms (2.0.0).
    let core = package(&json, "@fixture/core", "1.2.0");
    assert_eq!(
        edges(&json, core),
        BTreeSet::from([edge("ms", "2.1.3", "normal")])
    );
    let root = package(&json, "npm-workspaces-fixture", "1.0.0");
    assert_eq!(
        edges(&json, root),
        BTreeSet::from([edge("is-number", "7.0.0", "dev")])
    );
}

// ---------------------------------------------------------------------------------------------
// An installed node_modules

#[test]
fn installed_legacy_licenses_array_is_an_or_expression() {
    let json = audit(&fixture("installed"), &[]).json;
    let p = package(&json, "legacy-licences", "1.0.0");
    assert_eq!(declared(p), vec!["MIT OR Apache-2.0".to_string()]);
    let origin = &p["licence"]["declared"][0]["origin"];
    assert_eq!(origin["file"], "node_modules/legacy-licences/package.json");
    assert_eq!(origin["field"], "licenses");
    assert_eq!(concluded(p), "MIT OR Apache-2.0");
    assert_eq!(p["verdict"]["status"], "allowed");
}

#[test]
fn installed_licence_object_is_read_by_its_type() {
    let json = audit(&fixture("installed"), &[]).json;
    let p = package(&json, "object-licence", "2.1.0");
    assert_eq!(declared(p), vec!["BSD".to_string()]);
    assert_eq!(p["licence"]["declared"][0]["origin"]["field"], "license");
    // "BSD" is ambiguous: read as the most likely licence, and said so.
    assert_eq!(concluded(p), "BSD-3-Clause");
    let assumed: Vec<&Value> = findings(&json, "L006")
        .into_iter()
        .filter(|f| f["package"] == p["purl"])
        .collect();
    assert_eq!(assumed.len(), 1, "{:#}", json["findings"]);
    assert_eq!(assumed[0]["severity"], "warning");
}

#[test]
fn licence_file_is_detected_when_nothing_is_declared() {
    let json = audit(&fixture("installed"), &[]).json;
    let p = package(&json, "licence-file-only", "0.4.2");
    assert!(declared(p).is_empty());
    assert_eq!(concluded(p), "MIT");
    assert_eq!(p["licence"]["concluded"]["from"], "detected");
    let detected = p["licence"]["detected"].as_array().unwrap();
    assert!(
        detected
            .iter()
            .any(|d| d["path"] == "LICENSE" && d["licence"] == "MIT"),
        "{detected:#?}"
    );
    assert_eq!(p["verdict"]["status"], "allowed");
}

#[test]
fn see_licence_in_a_path_outside_the_package_is_not_read() {
    let run = audit(&fixture("installed"), &[]);
    let json = &run.json;
    let p = package(json, "see-licence-outside", "1.0.0");
    assert_eq!(
        declared(p),
        vec!["SEE LICENSE IN ../../../../etc/passwd".to_string()]
    );
    assert_eq!(concluded(p), "NOASSERTION");
    assert!(
        p["licence"]["detected"].as_array().unwrap().is_empty(),
        "nothing outside the package may be read: {:#}",
        p["licence"]["detected"]
    );
    let missing: Vec<&Value> = findings(json, "L008")
        .into_iter()
        .filter(|f| f["package"] == p["purl"])
        .collect();
    assert_eq!(missing.len(), 1, "{:#}", json["findings"]);
    assert_eq!(missing[0]["severity"], "warning");
    assert!(
        missing[0]["message"]
            .as_str()
            .unwrap()
            .contains("../../../../etc/passwd")
    );
    assert!(!json.to_string().contains("root:x:0"), "the file was read");
    assert_eq!(p["verdict"]["status"], "denied");
}

#[test]
fn an_installed_copy_of_another_version_is_not_evidence() {
    let run = audit(&fixture("installed"), &[]);
    let json = &run.json;
    let p = package(json, "stale-install", "2.0.0");
    assert!(declared(p).is_empty(), "{:?}", declared(p));
    assert_eq!(concluded(p), "NOASSERTION");
    let stale: Vec<&Value> = findings(json, "I006")
        .into_iter()
        .filter(|f| f["location"]["file"] == "node_modules/stale-install/package.json")
        .collect();
    assert_eq!(stale.len(), 1, "{:#}", json["findings"]);
    assert_eq!(stale[0]["severity"], "warning");
    // Unknown licences (see-licence-outside, stale-install) fail the default policy.
    assert_eq!(run.code, 1);
    assert_eq!(json["summary"]["outcome"], "fail");
    let lock = read_json(&fixture("installed/package-lock.json"));
    check_packages(json, lock_packages(&lock));
}

// ---------------------------------------------------------------------------------------------
// Bad input

/// The single finding with `code`; it must name `file` as its location.
fn single_finding<'a>(json: &'a Value, code: &str, file: &str) -> &'a Value {
    let found = findings(json, code);
    assert_eq!(found.len(), 1, "{:#}", json["findings"]);
    let f = found[0];
    assert_eq!(f["severity"], "error");
    assert_eq!(f["location"]["file"], file);
    assert!(
        f["message"].as_str().unwrap().contains(file),
        "the message names {file}: {}",
        f["message"]
    );
    f
}

#[test]
fn a_truncated_lockfile_is_an_input_error_with_file_and_line() {
    let dir = fixture("truncated-lockfile");
    let text = std::fs::read_to_string(dir.join("package-lock.json")).unwrap();
    assert!(serde_json::from_str::<Value>(&text).is_err());
    let run = audit(&dir, &[]);
    assert_eq!(run.code, 2);
    let json = &run.json;
    assert_eq!(json["summary"]["outcome"], "incomplete");
    assert_eq!(json["projects"][0]["status"], "failed");
    let f = single_finding(json, "I001", "package-lock.json");
    // The file ends in the middle of a value: the error is at its last line.
    assert_eq!(f["location"]["line"], text.lines().count());
    assert!(packages(json).is_empty());
}

#[test]
fn an_unknown_lockfile_version_is_reported_at_its_line() {
    let dir = fixture("lockfile-version-99");
    let text = std::fs::read_to_string(dir.join("package-lock.json")).unwrap();
    let line = text
        .lines()
        .position(|l| l.contains("\"lockfileVersion\": 99"))
        .expect("the fixture has version 99")
        + 1;
    let run = audit(&dir, &[]);
    assert_eq!(run.code, 2);
    let f = single_finding(&run.json, "I003", "package-lock.json");
    assert_eq!(f["location"]["line"], line);
    assert!(f["message"].as_str().unwrap().contains("99"));
    assert_eq!(run.json["projects"][0]["status"], "failed");
    assert!(packages(&run.json).is_empty());
}

#[test]
fn dependencies_without_a_lockfile_are_an_input_error() {
    let dir = fixture("no-lockfile");
    assert!(!dir.join("package-lock.json").exists());
    let manifest = read_json(&dir.join("package.json"));
    let declared_count: usize = [
        "dependencies",
        "devDependencies",
        "optionalDependencies",
        "peerDependencies",
    ]
    .iter()
    .filter_map(|f| manifest[f].as_object())
    .map(Map::len)
    .sum();
    assert!(declared_count > 0);
    let run = audit(&dir, &[]);
    assert_eq!(run.code, 2);
    assert_eq!(run.json["summary"]["outcome"], "incomplete");
    let f = single_finding(&run.json, "I002", "package.json");
    assert!(
        f["message"]
            .as_str()
            .unwrap()
            .contains(&format!("{declared_count} dependencies")),
        "{}",
        f["message"]
    );
}

#[test]
fn no_dependencies_and_no_lockfile_is_fine() {
    let dir = fixture("no-dependencies");
    assert!(!dir.join("package-lock.json").exists());
    let run = audit(&dir, &[]);
    let json = &run.json;
    assert_eq!(run.code, 0, "{:#}", json["findings"]);
    assert_eq!(json["summary"]["outcome"], "pass");
    // Nothing but the warning that known vulnerabilities were not checked (no advisory data).
    assert!(
        json["findings"]
            .as_array()
            .unwrap()
            .iter()
            .all(|f| f["code"] == "A012")
    );
    assert_eq!(json["projects"][0]["status"], "complete");
    assert_eq!(packages(json).len(), 1);
    let p = package(json, "npm-no-dependencies-fixture", "0.1.0");
    assert_eq!(p["root"], true);
    assert_eq!(p["purl"], "pkg:npm/npm-no-dependencies-fixture@0.1.0");
    assert_eq!(concluded(p), "EUPL-1.2");
    assert_eq!(json["summary"]["packages"], 0);
}

#[test]
fn a_broken_project_does_not_stop_the_audit_of_the_others() {
    let tmp = tempfile::tempdir().unwrap();
    copy_tree(&fixture("truncated-lockfile"), &tmp.path().join("broken"));
    copy_tree(&fixture("lockfile-v3"), &tmp.path().join("good"));
    let run = audit(tmp.path(), &[]);
    assert_eq!(run.code, 2);
    let json = &run.json;
    assert_eq!(json["summary"]["outcome"], "incomplete");
    let status: BTreeMap<&str, &str> = json["projects"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| (p["dir"].as_str().unwrap(), p["status"].as_str().unwrap()))
        .collect();
    assert_eq!(
        status,
        BTreeMap::from([("broken", "failed"), ("good", "complete")])
    );
    single_finding(json, "I001", "broken/package-lock.json");
    let lock = read_json(&fixture("lockfile-v3/package-lock.json"));
    check_packages(json, lock_packages(&lock));
}

// ---------------------------------------------------------------------------------------------
// Regressions: bugs found while writing these tests, reproduced on small inputs

#[test]
fn projects_in_different_directories_keep_their_own_root_package() {
    let tmp = tempfile::tempdir().unwrap();
    copy_tree(&fixture("lockfile-v3"), &tmp.path().join("frontend"));
    copy_tree(&fixture("lockfile-v3"), &tmp.path().join("backend"));
    // The backend's own licence differs; both are `npm-flags-fixture 1.0.0`.
    for file in ["package.json", "package-lock.json"] {
        let path = tmp.path().join("backend").join(file);
        let mut value = read_json(&path);
        if file == "package.json" {
            value["license"] = "AGPL-3.0-only".into();
        } else {
            value["packages"][""]["license"] = "AGPL-3.0-only".into();
        }
        write_json(&path, &value);
    }
    let json = audit(tmp.path(), &[]).json;
    assert_eq!(json["projects"].as_array().unwrap().len(), 2);
    assert_eq!(concluded(project_root(&json, "frontend")), "EUPL-1.2");
    assert_eq!(concluded(project_root(&json, "backend")), "AGPL-3.0-only");
    assert_eq!(roots(&json).len(), 2);
}

/// The single root package of the project in `dir`.
fn project_root<'a>(json: &'a Value, dir: &str) -> &'a Value {
    let project = json["projects"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["dir"] == dir)
        .unwrap_or_else(|| panic!("no project in {dir}"));
    let roots = project["roots"].as_array().unwrap();
    assert_eq!(roots.len(), 1, "{project:#}");
    &packages(json)[roots[0].as_u64().unwrap() as usize]
}

#[test]
fn every_copy_of_a_name_version_contributes_its_lockfile_licence() {
    // Lockfiles that older npm versions wrote carry `license` on some entries only; a package
    // installed at several places then has the field on some copies and not on others
    // (../shared/fixtures/nextcloud-deck: safe-buffer 5.2.1, has-flag 4.0.0, ...).
    let tmp = tempfile::tempdir().unwrap();
    copy_tree(&fixture("lockfile-v3"), tmp.path());
    let path = tmp.path().join("package-lock.json");
    let mut lock = read_json(&path);
    let packages_map = lock["packages"].as_object_mut().unwrap();
    let copy = packages_map["node_modules/debug/node_modules/ms"].clone();
    assert_eq!(copy["license"], "MIT");
    packages_map["node_modules/debug/node_modules/ms"]
        .as_object_mut()
        .unwrap()
        .remove("license");
    packages_map.insert("node_modules/is-odd/node_modules/ms".to_string(), copy);
    packages_map["node_modules/is-odd"]["dependencies"]["ms"] = "2.0.0".into();
    write_json(&path, &lock);

    let json = audit(tmp.path(), &[]).json;
    let ms = package(&json, "ms", "2.0.0");
    assert_eq!(declared(ms), vec!["MIT".to_string()]);
    assert_eq!(concluded(ms), "MIT");
}

// ---------------------------------------------------------------------------------------------
// Real-world fixtures (../shared/fixtures)

/// A copy of a shared fixture's npm files only (package.json, package-lock.json): the shared
/// fixtures hold other ecosystems' projects too, which these tests are not about.
fn npm_files_only(dir: &Path) -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let copy = tmp.path().join(dir.file_name().unwrap());
    std::fs::create_dir_all(&copy).unwrap();
    for name in ["package.json", "package-lock.json"] {
        std::fs::copy(dir.join(name), copy.join(name)).unwrap();
    }
    (tmp, copy)
}

#[test]
fn nextcloud_deck_lockfile_v3_is_read_completely() {
    let Some(dir) = shared_fixture("nextcloud-deck") else {
        return;
    };
    let lock = read_json(&dir.join("package-lock.json"));
    assert_eq!(lock["lockfileVersion"], 3);
    let map = lock_packages(&lock);
    let (_copy, npm_dir) = npm_files_only(&dir);
    let run = audit(&npm_dir, &[]);
    let json = &run.json;
    let npm_projects: Vec<&Value> = json["projects"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["ecosystem"] == "npm")
        .collect();
    assert_eq!(npm_projects.len(), 1);
    assert_eq!(npm_projects[0]["reader"], "package-lock.json v3");
    assert_eq!(npm_projects[0]["status"], "complete");

    check_packages(json, map);
    assert!(locked(map).len() > 1500, "{}", locked(map).len());
    check_flags(json, map, true);
    let checked = check_lockfile_licences(json, map);
    assert!(checked > 500, "only {checked} licences checked");
    let implied = implied_edges(map);
    check_edges(json, &implied, true);
    assert_eq!(unresolved_findings(json), implied.missing);

    // The project's own licence, `agpl`, is not SPDX: read as AGPL-3.0-or-later, and said so.
    let root = roots(json);
    assert_eq!(root.len(), 1);
    assert_eq!(root[0]["name"], lock["packages"][""]["name"]);
    assert_eq!(declared(root[0]), vec!["agpl".to_string()]);
    assert_eq!(concluded(root[0]), "AGPL-3.0-or-later");
    let assumed: Vec<&Value> = findings(json, "L006")
        .into_iter()
        .filter(|f| f["package"] == root[0]["purl"])
        .collect();
    assert_eq!(assumed.len(), 1, "{assumed:#?}");
    assert!(assumed[0]["message"].as_str().unwrap().contains("`agpl`"));

    // Entries without a `license` field cannot pass the default policy.
    assert_eq!(run.code, 1);
    assert_eq!(json["summary"]["outcome"], "fail");
}

#[test]
fn eappointment_zmsadmin_links_are_path_packages_not_roots() {
    let Some(dir) = shared_fixture("eappointment/zmsadmin") else {
        return;
    };
    let lock = read_json(&dir.join("package-lock.json"));
    let map = lock_packages(&lock);
    let links: Vec<(&String, String)> = map
        .iter()
        .filter(|(_, e)| is_link(e))
        .map(|(k, e)| (k, link_target(e)))
        .collect();
    assert!(!links.is_empty());
    let (_copy, npm_dir) = npm_files_only(&dir);
    let run = audit(&npm_dir, &[]);
    let json = &run.json;
    let npm_projects: Vec<&Value> = json["projects"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["ecosystem"] == "npm")
        .collect();
    assert_eq!(npm_projects.len(), 1);
    assert_eq!(npm_projects[0]["status"], "complete");

    check_packages(json, map);
    check_flags(json, map, true);
    let checked = check_lockfile_licences(json, map);
    assert!(checked > 300, "only {checked} licences checked");

    // Only the project itself is a root; the linked directories are path packages it uses.
    let root = roots(json);
    assert_eq!(root.len(), 1, "{root:#?}");
    let root_edges = edges(json, root[0]);
    for (key, target) in &links {
        assert!(target.starts_with("../"), "{key} → {target}");
        let (name, version) = identity_of(map, key);
        let p = package(json, &name, &version);
        assert_eq!(p["root"], false, "{name}");
        assert_eq!(p["source"]["kind"], "path", "{name}");
        assert_eq!(p["source"]["path"], target.as_str(), "{name}");
        assert_eq!(p["purl"], expected_purl(&name, &version));
        assert_ne!(p["verdict"]["status"], "project", "{name}");
        assert!(
            root_edges.contains(&edge(&name, &version, "normal")),
            "{name}: {root_edges:?}"
        );
    }
    let implied = implied_edges(map);
    check_edges(json, &implied, false);
    let unresolved = unresolved_findings(json);
    assert!(
        unresolved.is_subset(&implied.missing),
        "{:?}",
        unresolved.difference(&implied.missing).collect::<Vec<_>>()
    );
    // A package the lockfile takes from a tarball URL is neither a registry nor a path package.
    let url: Vec<&Value> = packages(json)
        .iter()
        .filter(|p| p["source"]["kind"] == "url")
        .collect();
    assert_eq!(url.len(), 1, "{url:#?}");
    assert_eq!(run.code, 1);
}

#[test]
fn eappointment_zmsadmin_link_targets_outside_the_project_resolve_like_node() {
    let Some(dir) = shared_fixture("eappointment/zmsadmin") else {
        return;
    };
    let lock = read_json(&dir.join("package-lock.json"));
    let map = lock_packages(&lock);
    // npm agrees: jquery is only a dev dependency of the project, so npm did not resolve
    // bo-zms-layout-js's (production) jquery dependency to node_modules/jquery.
    assert_eq!(map["node_modules/jquery"]["dev"], true);
    let (_copy, npm_dir) = npm_files_only(&dir);
    let json = audit(&npm_dir, &[]).json;
    let implied = implied_edges(map);
    check_edges(&json, &implied, true);
    assert_eq!(unresolved_findings(&json), implied.missing);
}

#[test]
fn nextcloud_deck_licences_of_every_copy_are_kept() {
    let Some(dir) = shared_fixture("nextcloud-deck") else {
        return;
    };
    let lock = read_json(&dir.join("package-lock.json"));
    let (_copy, npm_dir) = npm_files_only(&dir);
    let json = audit(&npm_dir, &[]).json;
    let mut lost = Vec::new();
    for ((name, version), copies) in locked(lock_packages(&lock)) {
        let licences: BTreeSet<&str> = copies
            .iter()
            .filter_map(|(_, e)| e["license"].as_str())
            .collect();
        if licences.len() != 1 {
            continue;
        }
        let licence = licences.into_iter().next().unwrap();
        if !declared(package(&json, &name, &version)).contains(&licence.to_string()) {
            lost.push(format!("{name}@{version} ({licence})"));
        }
    }
    assert!(lost.is_empty(), "licences lost: {lost:#?}");
}
