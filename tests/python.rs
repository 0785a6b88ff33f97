//! The Python reader, end to end: `fundament audit <dir> --format json` on the repository's own
//! fixtures (tests/fixtures/python: lockfiles generated with uv 0.13, Poetry 2.5, 1.4 and 1.2
//! and pipenv, registry hosts replaced by `pypi.registry.example` and
//! `files.pypi.registry.example`; requirements files and the odd cases written by hand) and on
//! the shared real-world fixtures (../shared/fixtures, skipped when absent).
//!
//! Expected values are computed from the input files themselves wherever practical: one
//! package per lockfile entry (per pinned requirement), purls `pkg:pypi/<PEP 503 name>@<version>`,
//! scopes from what the lockfile records or from the edges, and no licence for any dependency,
//! since no Python lockfile records one.

use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};

mod support;

use support::{JsonRun as Run, shared_fixture};
use support::{findings, pair as edge};

fn audit(dir: &Path) -> Run {
    support::audit_json(dir, &[])
}

fn fixture(case: &str) -> PathBuf {
    support::fixture(&format!("python/{case}"))
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
}

fn read_toml(path: &Path) -> toml::Table {
    toml::from_str(&read(path)).unwrap_or_else(|e| panic!("{} is not TOML: {e}", path.display()))
}

// ---------------------------------------------------------------------------------------------
// Reading the report

fn pypi_packages(json: &Value) -> Vec<&Value> {
    json["packages"]
        .as_array()
        .expect("`packages` is an array")
        .iter()
        .filter(|p| p["ecosystem"] == "pypi")
        .collect()
}

/// The Python package with this name (and version, when given); exactly one must exist.
fn package<'a>(json: &'a Value, name: &str, version: Option<&str>) -> &'a Value {
    let found: Vec<&Value> = pypi_packages(json)
        .into_iter()
        .filter(|p| p["name"] == name && version.is_none_or(|v| p["version"] == v))
        .collect();
    assert_eq!(
        found.len(),
        1,
        "expected one package {name} {version:?}, found {}",
        found.len()
    );
    found[0]
}

fn roots(json: &Value) -> BTreeSet<String> {
    pypi_packages(json)
        .into_iter()
        .filter(|p| p["root"] == true)
        .map(|p| p["name"].as_str().unwrap().to_string())
        .collect()
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

fn decl(raw: &str, file: &str, field: &str) -> (String, String, String) {
    (raw.to_string(), file.to_string(), field.to_string())
}

fn message(finding: &Value) -> &str {
    finding["message"].as_str().unwrap()
}

// ---------------------------------------------------------------------------------------------
// Reading the inputs, independently of fundament

/// PEP 503: lower case, runs of `-`, `_`, `.` become one `-`.
fn pep503(name: &str) -> String {
    let mut out = String::new();
    let mut separator = false;
    for c in name.chars() {
        if matches!(c, '-' | '_' | '.') {
            separator = true;
        } else {
            if separator && !out.is_empty() {
                out.push('-');
            }
            separator = false;
            out.extend(c.to_lowercase());
        }
    }
    out
}

fn expected_purl(name: &str, version: &str) -> String {
    let name = pep503(name);
    if version.is_empty() {
        format!("pkg:pypi/{name}")
    } else {
        format!("pkg:pypi/{name}@{}", version.replace('+', "%2B"))
    }
}

/// `(name, version)` of every `[[package]]` of a uv.lock or poetry.lock.
fn lock_packages(lock: &toml::Table) -> Vec<(String, String)> {
    lock["package"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                pep503(p["name"].as_str().unwrap()),
                p.get("version")
                    .and_then(|v| v.as_str())
                    .unwrap_or("")
                    .to_string(),
            )
        })
        .collect()
}

/// The pinned `name==version` lines of a (pip-compile style) requirements file.
fn pinned_lines(text: &str) -> Vec<(String, String)> {
    text.lines()
        .map(|l| l.split('#').next().unwrap().trim())
        .filter_map(|l| l.split_once("=="))
        .map(|(name, version)| {
            let name = name.split('[').next().unwrap();
            (pep503(name), version.trim().to_string())
        })
        .collect()
}

/// Every package must carry the purl of its name and version, and every dependency (not the
/// project's own packages) the reason its licence is missing.
fn check_identity_and_unavailable_licences(json: &Value) {
    for p in pypi_packages(json) {
        let name = p["name"].as_str().unwrap();
        let version = p["version"].as_str().unwrap();
        assert_eq!(name, pep503(name), "names are PEP 503 normalised");
        assert_eq!(p["purl"], expected_purl(name, version));
        if p["root"] == true {
            assert!(p.get("licence_unavailable").is_none(), "{name}");
        } else {
            let why = p["licence_unavailable"].as_str().unwrap_or_default();
            assert!(why.ends_with(" records no licences"), "{name}: {why}");
            assert!(declared(p).is_empty(), "{name}");
        }
    }
}

/// Under the default policy every dependency is unresolved (L009), and nothing else is said
/// about its licence.
fn check_unresolved(json: &Value) {
    let dependencies: BTreeSet<String> = pypi_packages(json)
        .into_iter()
        .filter(|p| p["root"] != true)
        // A local package's licence files are read: whether it is unresolved depends on them.
        .filter(|p| p["source"]["kind"] != "path")
        .map(|p| p["purl"].as_str().unwrap().to_string())
        .collect();
    let local: BTreeSet<String> = pypi_packages(json)
        .into_iter()
        .filter(|p| p["source"]["kind"] == "path")
        .map(|p| p["purl"].as_str().unwrap().to_string())
        .collect();
    let unresolved: BTreeSet<String> = support::affected(json, "L009")
        .into_iter()
        .filter(|purl| purl.starts_with("pkg:pypi/") && !local.contains(purl))
        .collect();
    assert_eq!(unresolved, dependencies);
    let unknown: BTreeSet<String> = findings(json, "L004")
        .iter()
        .filter_map(|f| f["package"].as_str())
        .filter(|purl| dependencies.contains(*purl))
        .map(str::to_string)
        .collect();
    assert!(
        unknown.is_empty(),
        "dependencies are unresolved (L009), not unknown (L004): {unknown:?}"
    );
}

/// Scopes from a uv.lock's edges: runtime when a project package reaches the package through
/// `dependencies` and `optional-dependencies` alone, else dev.
fn uv_scopes(lock: &toml::Table) -> BTreeMap<(String, String), &'static str> {
    let entries = lock["package"].as_array().unwrap();
    let key = |p: &toml::Value| {
        (
            pep503(p["name"].as_str().unwrap()),
            p.get("version")
                .and_then(|v| v.as_str())
                .unwrap_or("")
                .to_string(),
        )
    };
    let by_name: HashMap<String, Vec<&toml::Value>> =
        entries.iter().fold(HashMap::new(), |mut map, p| {
            map.entry(pep503(p["name"].as_str().unwrap()))
                .or_default()
                .push(p);
            map
        });
    let deps_of = |p: &toml::Value, dev: bool| -> Vec<(String, String)> {
        let mut lists: Vec<&toml::Value> = Vec::new();
        if dev {
            if let Some(groups) = p.get("dev-dependencies").and_then(|d| d.as_table()) {
                lists.extend(groups.values());
            }
        } else {
            lists.extend(p.get("dependencies"));
            if let Some(extras) = p.get("optional-dependencies").and_then(|d| d.as_table()) {
                lists.extend(extras.values());
            }
        }
        lists
            .into_iter()
            .flat_map(|l| l.as_array().unwrap())
            .flat_map(|d| {
                let name = pep503(d["name"].as_str().unwrap());
                let version = d.get("version").and_then(|v| v.as_str());
                by_name[&name]
                    .iter()
                    .filter(move |p| version.is_none_or(|v| p["version"].as_str() == Some(v)))
                    .map(|p| key(p))
                    .collect::<Vec<_>>()
            })
            .collect()
    };
    let is_root = |p: &toml::Value| {
        let source = p["source"].as_table().unwrap();
        source.contains_key("virtual") || source.contains_key("editable")
    };
    let walk = |starts: Vec<(String, String)>| -> BTreeSet<(String, String)> {
        let mut seen: BTreeSet<(String, String)> = starts.iter().cloned().collect();
        let mut work = starts;
        while let Some(current) = work.pop() {
            let entry = entries.iter().find(|p| key(p) == current).unwrap();
            for next in deps_of(entry, false) {
                if seen.insert(next.clone()) {
                    work.push(next);
                }
            }
        }
        seen
    };
    let roots: Vec<(String, String)> = entries.iter().filter(|p| is_root(p)).map(key).collect();
    let runtime = walk(roots);
    entries
        .iter()
        .map(|p| {
            let k = key(p);
            let scope = if runtime.contains(&k) {
                "runtime"
            } else {
                "dev"
            };
            (k, scope)
        })
        .collect()
}

// ---------------------------------------------------------------------------------------------
// uv

#[test]
fn uv_lock_packages_roots_edges_and_scopes() {
    let dir = fixture("uv");
    let lock = read_toml(&dir.join("uv.lock"));
    let run = audit(&dir);
    let json = &run.json;

    let project = &json["projects"][0];
    assert_eq!(project["reader"], "uv.lock v1 (revision 5)");
    assert_eq!(project["status"], "complete");

    let expected: BTreeSet<(String, String)> = lock_packages(&lock).into_iter().collect();
    let actual: BTreeSet<(String, String)> = pypi_packages(json)
        .iter()
        .map(|p| {
            (
                p["name"].as_str().unwrap().to_string(),
                p["version"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(actual, expected, "one package per [[package]] of uv.lock");
    check_identity_and_unavailable_licences(json);
    check_unresolved(json);

    // The virtual root and the editable workspace member are the project's own.
    assert_eq!(
        roots(json),
        BTreeSet::from(["uv-demo".into(), "helper".into()])
    );
    let root = package(json, "uv-demo", None);
    assert_eq!(
        root["source"],
        serde_json::json!({"kind": "path", "path": "."})
    );
    assert_eq!(
        declared(root),
        vec![
            decl("EUPL-1.2", "pyproject.toml", "license"),
            decl(
                "European Union Public Licence 1.2 (EUPL 1.2)",
                "pyproject.toml",
                "classifiers"
            ),
        ]
    );
    assert!(root["dir"].as_str().unwrap().ends_with("python/uv"));
    let helper = package(json, "helper", None);
    assert_eq!(helper["source"]["path"], "packages/helper");
    assert_eq!(
        declared(helper),
        vec![decl("MIT", "packages/helper/pyproject.toml", "license")]
    );
    assert!(
        helper["dir"]
            .as_str()
            .unwrap()
            .ends_with("python/uv/packages/helper")
    );

    assert_eq!(
        edges(json, root),
        BTreeSet::from([
            edge("click", "normal"),
            edge("urllib3", "normal"),
            edge("helper", "normal"),
            edge("colorama", "optional"),
            edge("iniconfig", "dev"),
        ])
    );
    assert_eq!(edges(json, helper), BTreeSet::from([edge("six", "normal")]));
    assert_eq!(
        edges(json, package(json, "urllib3", None)),
        BTreeSet::from([edge("pysocks", "optional")]),
        "the extra's dependencies are optional edges"
    );

    // Scopes follow the edges.
    for ((name, version), scope) in uv_scopes(&lock) {
        assert_eq!(
            package(json, &name, Some(&version))["scope"],
            scope,
            "{name} {version}"
        );
    }
    assert_eq!(package(json, "iniconfig", None)["scope"], "dev");

    // Registry URL and the sdist hash are kept as lockfile evidence.
    let click = package(json, "click", Some("8.5.1"));
    assert_eq!(
        click["source"],
        serde_json::json!({"kind": "registry", "url": "https://pypi.registry.example/simple"})
    );
    assert_eq!(
        click["checksum"],
        "sha256:9bbfada76703fd1d784b83eea012e3e8c6a001a876543ef104fa56aaaeb072b4"
    );

    // A `license-files` pattern that matches nothing is reported where it is written.
    let missing = findings(json, "L008");
    assert_eq!(missing.len(), 1);
    assert!(message(missing[0]).contains("`NOTICES/*.md`"));
    assert_eq!(missing[0]["location"]["file"], "pyproject.toml");
    assert_eq!(missing[0]["location"]["line"], 7);
    assert!(findings(json, "I007").is_empty());
}

#[test]
fn an_unknown_uv_lock_version_is_reported() {
    let run = audit(&fixture("uv-version-99"));
    let unsupported = findings(&run.json, "I003");
    assert_eq!(unsupported.len(), 1);
    assert!(message(unsupported[0]).contains("version 99"));
    assert_eq!(unsupported[0]["location"]["file"], "uv.lock");
    assert_eq!(unsupported[0]["location"]["line"], 1);
    assert_eq!(run.json["projects"][0]["status"], "failed");
    assert_eq!(run.code, 2);
}

// ---------------------------------------------------------------------------------------------
// Poetry

/// Checks a poetry.lock fixture: one package per entry, scopes from `groups` or `category`,
/// checksums from the first file hash.
fn check_poetry_lock(dir: &Path, json: &Value) {
    let lock = read_toml(&dir.join("poetry.lock"));
    let entries = lock["package"].as_array().unwrap();
    assert_eq!(pypi_packages(json).len(), entries.len() + 1);
    check_identity_and_unavailable_licences(json);
    check_unresolved(json);
    let metadata_files = lock["metadata"].get("files").and_then(|f| f.as_table());
    for entry in entries {
        let name = entry["name"].as_str().unwrap();
        let version = entry["version"].as_str().unwrap();
        let p = package(json, &pep503(name), Some(version));
        let runtime = match (entry.get("groups"), entry.get("category")) {
            (Some(groups), _) => groups
                .as_array()
                .unwrap()
                .iter()
                .any(|g| g.as_str() == Some("main")),
            (None, Some(category)) => category.as_str() == Some("main"),
            (None, None) => panic!("the fixtures record scopes"),
        };
        assert_eq!(
            p["scope"],
            if runtime { "runtime" } else { "dev" },
            "{name}"
        );
        assert_eq!(
            p["optional"],
            entry["optional"].as_bool().unwrap(),
            "{name}"
        );
        let files = entry
            .get("files")
            .or_else(|| metadata_files.and_then(|f| f.get(name)))
            .expect("files");
        assert_eq!(
            p["checksum"].as_str(),
            files.as_array().unwrap()[0]["hash"].as_str(),
            "{name}"
        );
    }
}

#[test]
fn poetry_2_lock_with_groups() {
    let dir = fixture("poetry2");
    let run = audit(&dir);
    let json = &run.json;
    check_poetry_lock(&dir, json);
    assert_eq!(json["projects"][0]["reader"], "poetry.lock 2.1");

    let root = package(json, "poetry-two-demo", Some("1.4.0"));
    assert_eq!(roots(json), BTreeSet::from(["poetry-two-demo".into()]));
    assert_eq!(
        declared(root),
        vec![
            decl("AGPL-3.0-or-later", "pyproject.toml", "license.text"),
            decl(
                "GNU Affero General Public License v3 or later (AGPLv3+)",
                "pyproject.toml",
                "classifiers"
            ),
        ]
    );
    assert_eq!(
        edges(json, root),
        BTreeSet::from([
            edge("urllib3", "normal"),
            edge("click", "normal"),
            edge("colorama", "optional"),
            edge("iniconfig", "dev"),
            edge("six", "dev"),
        ])
    );
    assert_eq!(
        edges(json, package(json, "urllib3", None)),
        BTreeSet::from([edge("pysocks", "optional")])
    );
    // `[package.source]` of type `legacy` is the user's own index.
    assert_eq!(
        package(json, "click", None)["source"],
        serde_json::json!({"kind": "registry", "url": "https://pypi.registry.example/simple"})
    );
    assert_eq!(
        package(json, "six", None)["scope"],
        "dev",
        "an optional docs group"
    );
    assert_eq!(package(json, "colorama", None)["optional"], true);
}

#[test]
fn poetry_1_lock_with_category() {
    let dir = fixture("poetry1");
    let run = audit(&dir);
    let json = &run.json;
    check_poetry_lock(&dir, json);
    assert_eq!(json["projects"][0]["reader"], "poetry.lock 2.0");
    let root = package(json, "poetry-one-demo", Some("0.9.0"));
    assert_eq!(
        declared(root),
        vec![
            decl("MIT", "pyproject.toml", "tool.poetry.license"),
            decl("MIT License", "pyproject.toml", "tool.poetry.classifiers"),
        ]
    );
    assert_eq!(
        edges(json, root),
        BTreeSet::from([
            edge("urllib3", "normal"),
            edge("click", "normal"),
            edge("colorama", "optional"),
            edge("iniconfig", "dev"),
        ]),
        "`python` is no package; `dev-dependencies` are dev edges"
    );
    assert_eq!(package(json, "iniconfig", None)["scope"], "dev");
}

#[test]
fn poetry_lock_version_1_1_keeps_hashes_in_metadata() {
    let dir = fixture("poetry-legacy");
    let run = audit(&dir);
    let json = &run.json;
    assert!(read(&dir.join("poetry.lock")).contains("[metadata.files]"));
    check_poetry_lock(&dir, json);
    assert_eq!(json["projects"][0]["reader"], "poetry.lock 1.1");
    assert_eq!(
        package(json, "pysocks", None)["checksum"],
        "sha256:08e69f092cc6dbe92a0fdd16eeb9b9ffbc13cadfe5ca4c7bd92ffb078b293299"
    );
}

#[test]
fn an_unknown_poetry_lock_version_is_reported_at_its_line() {
    let dir = fixture("poetry-lock-version-9");
    let text = read(&dir.join("poetry.lock"));
    let line = text
        .lines()
        .position(|l| l.starts_with("lock-version"))
        .unwrap()
        + 1;
    let run = audit(&dir);
    let unsupported = findings(&run.json, "I003");
    assert_eq!(unsupported.len(), 1);
    assert!(message(unsupported[0]).contains("lock-version 9.0"));
    assert_eq!(unsupported[0]["location"]["line"], line);
    assert_eq!(run.code, 2);
}

#[test]
fn malformed_toml_is_reported_with_file_and_line() {
    let dir = fixture("broken-poetry-lock");
    let text = read(&dir.join("poetry.lock"));
    let line = text.lines().position(|l| l == "version = \"2.3.1").unwrap() + 1;
    let run = audit(&dir);
    let unreadable = findings(&run.json, "I001");
    assert_eq!(unreadable.len(), 1);
    assert_eq!(unreadable[0]["location"]["file"], "poetry.lock");
    assert_eq!(unreadable[0]["location"]["line"], line);
    assert!(message(unreadable[0]).starts_with("poetry.lock is not a valid poetry.lock"));
    assert_eq!(run.json["projects"][0]["status"], "failed");
    assert_eq!(run.code, 2);
}

// ---------------------------------------------------------------------------------------------
// Pipenv

#[test]
fn pipfile_lock_default_and_develop() {
    let dir = fixture("pipenv");
    let lock: Value = serde_json::from_str(&read(&dir.join("Pipfile.lock"))).unwrap();
    let run = audit(&dir);
    let json = &run.json;
    assert_eq!(json["projects"][0]["reader"], "Pipfile.lock spec 6");
    check_identity_and_unavailable_licences(json);
    check_unresolved(json);

    let mut expected: BTreeMap<String, (String, &str)> = BTreeMap::new();
    for (section, scope) in [("develop", "dev"), ("default", "runtime")] {
        for (name, entry) in lock[section].as_object().unwrap() {
            let version = entry["version"].as_str().unwrap().trim_start_matches("==");
            expected.insert(pep503(name), (version.to_string(), scope));
        }
    }
    assert_eq!(pypi_packages(json).len(), expected.len() + 1);
    let root = package(json, "pipenv", Some(""));
    assert_eq!(root["root"], true);
    for (name, (version, scope)) in &expected {
        let p = package(json, name, Some(version));
        assert_eq!(p["scope"], *scope, "{name}");
        let kind = if *scope == "dev" { "dev" } else { "normal" };
        assert!(edges(json, root).contains(&edge(name, kind)), "{name}");
        let first_hash = lock["default"]
            .get(name)
            .or_else(|| lock["develop"].get(name))
            .unwrap()["hashes"][0]
            .clone();
        assert_eq!(p["checksum"], first_hash);
    }
    assert!(
        edges(json, root).contains(&edge("click", "dev")),
        "click is in both sections"
    );
    assert!(findings(json, "I010").is_empty());
}

#[test]
fn a_pipfile_without_lock_lists_its_declared_packages() {
    let run = audit(&fixture("pipfile-only"));
    let json = &run.json;
    assert_eq!(package(json, "click", Some("8.5.1"))["locked"], true);
    assert_eq!(package(json, "urllib3", Some(""))["locked"], false);
    assert_eq!(package(json, "iniconfig", Some(""))["scope"], "dev");
    let unpinned = findings(json, "I010");
    assert_eq!(unpinned.len(), 1);
    assert_eq!(unpinned[0]["location"]["file"], "Pipfile");
    assert_eq!(
        message(unpinned[0]),
        "Pipfile lists 2 dependencies without a pinned version: `urllib3 = {version = \">=2\", extras = [\"socks\"]}` (line 8), `iniconfig = \"*\"` (line 11); they are listed, not resolved"
    );
    assert_eq!(json["projects"][0]["status"], "partial");
}

// ---------------------------------------------------------------------------------------------
// Requirements files

#[test]
fn requirements_files_with_hashes_markers_extras_includes_and_constraints() {
    let dir = fixture("requirements");
    let run = audit(&dir);
    let json = &run.json;
    check_identity_and_unavailable_licences(json);
    check_unresolved(json);

    // name → (version, locked, scope)
    let expected: BTreeMap<&str, (&str, bool, &str)> = BTreeMap::from([
        ("click", ("8.5.1", true, "runtime")),
        ("pysocks", ("1.7.1", true, "runtime")),
        ("urllib3", ("2.8.0", true, "runtime")),
        ("tomli", ("2.0.1", true, "runtime")),
        ("flask-sqlalchemy", ("", false, "runtime")),
        ("requests", ("2.32.3", true, "runtime")),
        ("acme-widgets", ("", true, "runtime")),
        ("localpkg", ("", false, "runtime")),
        ("gadget", ("2.0", true, "runtime")),
        ("six", ("1.17.0", true, "runtime")),
        ("iniconfig", ("2.3.1", true, "dev")),
        ("pytest", ("", false, "dev")),
        ("requirements-demo", ("2.1.0", true, "runtime")),
    ]);
    let actual: BTreeMap<&str, (&str, bool, &str)> = pypi_packages(json)
        .into_iter()
        .map(|p| {
            (
                p["name"].as_str().unwrap(),
                (
                    p["version"].as_str().unwrap(),
                    p["locked"].as_bool().unwrap(),
                    p["scope"].as_str().unwrap(),
                ),
            )
        })
        .collect();
    assert_eq!(actual, expected);
    assert!(
        pypi_packages(json).iter().all(|p| p["name"] != "idna"),
        "constraints add no packages"
    );

    let root = package(json, "requirements-demo", None);
    assert_eq!(roots(json), BTreeSet::from(["requirements-demo".into()]));
    assert_eq!(
        declared(root),
        vec![decl("EUPL-1.2", "pyproject.toml", "license")]
    );
    let root_edges = edges(json, root);
    for name in expected.keys().filter(|n| **n != "requirements-demo") {
        let kind = if ["iniconfig", "pytest"].contains(name) {
            "dev"
        } else {
            "normal"
        };
        assert!(root_edges.contains(&edge(name, kind)), "{name} {kind}");
    }

    // Hashes from `--hash`, on the line or on continuation lines; the first one is kept.
    assert_eq!(
        package(json, "click", None)["checksum"],
        "sha256:8bb5376d2006950386f8c6427613334a2acadc5f559cb80e638d00b4df957e37"
    );
    assert_eq!(
        package(json, "pysocks", None)["checksum"],
        "sha256:08e69f092cc6dbe92a0fdd16eeb9b9ffbc13cadfe5ca4c7bd92ffb078b293299"
    );
    assert!(package(json, "tomli", None).get("checksum").is_none());
    // The included file is named as the input that records no licence.
    assert_eq!(
        package(json, "six", None)["licence_unavailable"],
        "requirements/base.txt records no licences"
    );
    // Direct references.
    let widgets = package(json, "acme-widgets", None);
    assert_eq!(widgets["source"]["kind"], "git");
    assert_eq!(
        widgets["source"]["url"],
        "git+https://git.example/acme/widgets.git@0123456789abcdef0123456789abcdef01234567"
    );
    let local = package(json, "localpkg", None);
    assert_eq!(
        local["source"],
        serde_json::json!({"kind": "path", "path": "libs/localpkg"})
    );
    // Its LICENSE says "Licensed under the MIT licence.": detected as MIT.
    assert_eq!(local["licence"]["concluded"]["expression"], "MIT");
    assert_eq!(local["licence"]["detected"][0]["licence"], "MIT");
    assert!(
        local["dir"]
            .as_str()
            .unwrap()
            .ends_with("requirements/libs/localpkg")
    );
    assert_eq!(
        package(json, "gadget", None)["source"],
        serde_json::json!({"kind": "url", "url": "https://downloads.example/gadget-2.0.tar.gz"})
    );

    // One I010 finding per file that lists unpinned requirements, naming lines.
    let unpinned = findings(json, "I010");
    let by_file: BTreeMap<&str, &str> = unpinned
        .iter()
        .map(|f| (f["location"]["file"].as_str().unwrap(), message(f)))
        .collect();
    assert_eq!(
        by_file,
        BTreeMap::from([
            (
                "dev-requirements.txt",
                "dev-requirements.txt lists 1 dependency without a pinned version: `pytest>=8` (line 3); it is listed, not resolved"
            ),
            (
                "requirements.txt",
                "requirements.txt lists 2 dependencies without a pinned version: `Flask_SQLAlchemy>=3.1` (line 20), `./libs/localpkg` (line 23); they are listed, not resolved"
            ),
        ])
    );
    assert_eq!(json["projects"][0]["status"], "partial");
    assert!(findings(json, "I001").is_empty());
    assert!(findings(json, "I004").is_empty());
    assert_eq!(run.code, 1, "unresolved licences, no unreadable input");
}

#[test]
fn malformed_requirement_lines_and_missing_includes_name_file_and_line() {
    let run = audit(&fixture("broken-requirements"));
    let json = &run.json;
    let problems: Vec<(i64, &str, &str)> = json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["code"] == "I001")
        .map(|f| {
            assert_eq!(f["location"]["file"], "requirements.txt");
            (
                f["location"]["line"].as_i64().unwrap(),
                f["severity"].as_str().unwrap(),
                message(f),
            )
        })
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let lines: Vec<(i64, &str)> = problems.iter().map(|p| (p.0, p.1)).collect();
    assert_eq!(
        lines,
        vec![(2, "error"), (3, "error"), (4, "warning"), (5, "error")]
    );
    assert!(
        problems[0]
            .2
            .contains("`this is not a requirement!` is not a requirement")
    );
    assert!(problems[1].2.contains("missing-requirements.txt"));
    assert!(problems[2].2.contains("does not download"));
    assert!(problems[3].2.contains("`--requirement` needs a value"));
    // The readable lines are still read.
    assert_eq!(package(json, "click", None)["version"], "8.5.1");
    assert_eq!(package(json, "urllib3", None)["version"], "2.8.0");
    assert_eq!(json["projects"][0]["status"], "partial");
    assert_eq!(run.code, 2, "unreadable input makes the audit incomplete");
}

#[test]
fn includes_leaving_the_audited_tree_are_not_read() {
    let run = audit(&fixture("include-outside/app"));
    let json = &run.json;
    let outside = findings(json, "I004");
    assert_eq!(outside.len(), 1);
    assert_eq!(outside[0]["location"]["file"], "requirements.txt");
    assert_eq!(outside[0]["location"]["line"], 2);
    assert!(message(outside[0]).contains("outside the audited tree"));
    assert!(pypi_packages(json).iter().all(|p| p["name"] != "six"));
    assert_eq!(package(json, "click", None)["version"], "8.5.1");
    assert_eq!(json["projects"][0]["status"], "partial");
}

// ---------------------------------------------------------------------------------------------
// pyproject.toml alone

#[test]
fn pyproject_without_a_lockfile_lists_declared_dependencies_unlocked() {
    let run = audit(&fixture("pyproject-only"));
    let json = &run.json;
    check_identity_and_unavailable_licences(json);
    let root = package(json, "civic-forms", Some("0.4.0"));
    assert_eq!(root["licence_file"], "COPYING");
    assert_eq!(
        declared(root),
        vec![decl(
            "GNU General Public License v3 (GPLv3)",
            "pyproject.toml",
            "classifiers"
        )]
    );
    // name → (version, locked, scope, optional)
    let expected: BTreeMap<&str, (&str, bool, &str, bool)> = BTreeMap::from([
        ("requests", ("", false, "runtime", false)),
        ("attrs", ("24.2.0", true, "runtime", false)),
        ("jinja2", ("", false, "runtime", false)),
        ("tomli", ("", false, "runtime", false)),
        ("widgets", ("", true, "runtime", false)),
        ("reportlab", ("", false, "runtime", true)),
        ("pytest", ("", false, "dev", false)),
        ("ruff", ("0.6.9", true, "dev", false)),
    ]);
    for (name, (version, locked, scope, optional)) in &expected {
        let p = package(json, name, Some(version));
        assert_eq!(p["locked"], *locked, "{name}");
        assert_eq!(p["scope"], *scope, "{name}");
        assert_eq!(p["optional"], *optional, "{name}");
    }
    assert_eq!(pypi_packages(json).len(), expected.len() + 1);
    assert_eq!(
        package(json, "widgets", None)["source"]["kind"],
        "git",
        "`name @ git+...` keeps its source"
    );
    let unpinned = findings(json, "I010");
    assert_eq!(unpinned.len(), 1);
    assert_eq!(unpinned[0]["location"]["line"], 12);
    assert_eq!(
        message(unpinned[0]),
        "pyproject.toml lists 5 dependencies without a pinned version: `requests>=2.31` (line 12), `Jinja2` (line 14), `tomli>=2 ; python_version < '3.11'` (line 15), `reportlab>=4` (line 20), `pytest>=8` (line 23); they are listed, not resolved"
    );
    assert_eq!(json["projects"][0]["status"], "partial");
}

// ---------------------------------------------------------------------------------------------
// Shared real-world fixtures

#[test]
fn ckan_pinned_requirements() {
    let Some(dir) = shared_fixture("ckan") else {
        return;
    };
    let run = audit(&dir);
    let json = &run.json;
    let runtime: BTreeSet<(String, String)> = pinned_lines(&read(&dir.join("requirements.txt")))
        .into_iter()
        .collect();
    let dev: BTreeSet<(String, String)> = pinned_lines(&read(&dir.join("dev-requirements.txt")))
        .into_iter()
        .collect();
    let all: BTreeSet<&(String, String)> = runtime.iter().chain(dev.iter()).collect();
    assert_eq!(pypi_packages(json).len(), all.len() + 1);
    check_identity_and_unavailable_licences(json);
    check_unresolved(json);
    for (name, version) in all {
        let p = package(json, name, Some(version));
        let scope = if runtime.contains(&(name.clone(), version.clone())) {
            "runtime"
        } else {
            "dev"
        };
        assert_eq!(p["scope"], scope, "{name}");
        assert_eq!(p["locked"], true, "{name}");
    }
    assert_eq!(package(json, "werkzeug", None)["version"], "3.1.8");
    assert_eq!(package(json, "faker", None)["version"], "40.28.1");

    // ckan's pyproject.toml has no [project] table and declares no licence (its AGPL-3.0 is
    // stated in LICENSE.txt, which the fixture does not carry): the root is named after its
    // directory and declares nothing.
    let pyproject = read_toml(&dir.join("pyproject.toml"));
    assert!(pyproject.get("project").is_none());
    let root = package(json, "ckan", Some(""));
    assert_eq!(root["root"], true);
    assert!(declared(root).is_empty());
    assert!(findings(json, "I010").is_empty(), "everything is pinned");
    assert_eq!(json["projects"][0]["status"], "complete");
}

#[test]
fn synapse_poetry_lock() {
    let Some(dir) = shared_fixture("synapse") else {
        return;
    };
    let run = audit(&dir);
    let json = &run.json;
    let python: Vec<&Value> = json["projects"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["kind"] == "python")
        .collect();
    assert_eq!(python.len(), 1, "complement/ is another reader's project");
    assert_eq!(python[0]["reader"], "poetry.lock 2.1");
    assert_eq!(python[0]["status"], "complete");
    check_poetry_lock(&dir, json);

    let pyproject = read_toml(&dir.join("pyproject.toml"));
    let licence = pyproject["project"]["license"].as_str().unwrap();
    assert_eq!(
        licence,
        "AGPL-3.0-or-later OR LicenseRef-Element-Commercial"
    );
    let root = package(json, "matrix-synapse", Some("1.157.1"));
    assert_eq!(
        declared(root),
        vec![decl(licence, "pyproject.toml", "license")]
    );
    assert_eq!(
        root["licence"]["concluded"]["expression"],
        "AGPL-3.0-or-later OR LicenseRef-Element-Commercial"
    );

    // Every declared dependency is an edge from the project to the locked package.
    let root_edges = edges(json, root);
    let names = |value: &toml::Value| -> Vec<String> {
        value
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|d| d.as_str())
            .map(|d| {
                let end = d
                    .find(|c: char| !(c.is_ascii_alphanumeric() || "-_.".contains(c)))
                    .unwrap_or(d.len());
                pep503(&d[..end])
            })
            .collect()
    };
    for name in names(&pyproject["project"]["dependencies"]) {
        assert!(
            root_edges.contains(&(name.clone(), "normal".into())),
            "{name}"
        );
    }
    for name in names(&pyproject["dependency-groups"]["dev"]) {
        assert!(root_edges.contains(&(name.clone(), "dev".into())), "{name}");
    }
    assert!(root_edges.contains(&edge("psycopg2", "optional")));
    assert_eq!(
        edges(json, package(json, "authlib", None)),
        BTreeSet::from([edge("cryptography", "normal")])
    );
    assert_eq!(package(json, "mypy", None)["scope"], "dev");
    assert_eq!(package(json, "twisted", None)["scope"], "runtime");
    assert!(
        findings(json, "I007").is_empty(),
        "every dependency resolves in poetry.lock"
    );
}

#[test]
fn mucgpt_uv_projects() {
    let Some(dir) = shared_fixture("mucgpt") else {
        return;
    };
    let run = audit(&dir);
    let json = &run.json;
    let readers: Vec<(&str, &str, &str)> = json["projects"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["dir"].as_str().unwrap(),
                p["reader"].as_str().unwrap(),
                p["status"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        readers,
        vec![
            (".", "uv.lock v1 (revision 3)", "complete"),
            ("mucgpt-core-service", "uv.lock v1 (revision 3)", "complete"),
        ]
    );
    check_identity_and_unavailable_licences(json);
    check_unresolved(json);

    let top = read_toml(&dir.join("uv.lock"));
    let core = read_toml(&dir.join("mucgpt-core-service/uv.lock"));
    // The two projects share packages: the report holds each name@version once, with the
    // smaller of the scopes the projects give it.
    let mut expected: BTreeMap<(String, String), &str> = uv_scopes(&top);
    for (key, scope) in uv_scopes(&core) {
        let entry = expected.entry(key).or_insert(scope);
        if scope == "runtime" {
            *entry = "runtime";
        }
    }
    assert_eq!(pypi_packages(json).len(), expected.len());
    for ((name, version), scope) in &expected {
        assert_eq!(
            package(json, name, Some(version))["scope"],
            *scope,
            "{name} {version}"
        );
    }
    assert_eq!(
        roots(json),
        BTreeSet::from(["mucgpt".into(), "mucgpt-core-service".into()])
    );
    // Several versions of one package: an edge that names the version goes to that version.
    let mut expected_targets: BTreeSet<String> = BTreeSet::new();
    for lock in [&top, &core] {
        let entries = lock["package"].as_array().unwrap();
        let versions_of = |name: &str| -> Vec<String> {
            entries
                .iter()
                .filter(|p| p["name"].as_str() == Some(name))
                .map(|p| p["version"].as_str().unwrap().to_string())
                .collect()
        };
        for entry in entries
            .iter()
            .filter(|p| p["name"].as_str() == Some("ipykernel"))
        {
            for dep in entry["dependencies"].as_array().unwrap() {
                if dep["name"].as_str() != Some("ipython") {
                    continue;
                }
                match dep.get("version").and_then(|v| v.as_str()) {
                    Some(v) => {
                        expected_targets.insert(v.to_string());
                    }
                    None => expected_targets.extend(versions_of("ipython")),
                }
            }
        }
    }
    assert!(expected_targets.len() >= 3, "{expected_targets:?}");
    let all = json["packages"].as_array().unwrap();
    let ipykernel = package(json, "ipykernel", None);
    let targets: BTreeSet<String> = ipykernel["dependencies"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| &all[d["package"].as_u64().unwrap() as usize])
        .filter(|p| p["name"] == "ipython")
        .map(|p| p["version"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(targets, expected_targets);
    // Neither pyproject.toml declares a licence.
    assert!(declared(package(json, "mucgpt", None)).is_empty());
    assert_eq!(package(json, "openai", None)["scope"], "runtime");
    assert_eq!(package(json, "pytest", None)["scope"], "dev");
    assert!(findings(json, "I007").is_empty());
}

#[test]
fn a_poetry_lock_without_pyproject_has_a_root_requiring_the_top_packages() {
    let dir = fixture("poetry-lock-only");
    let run = audit(&dir);
    let json = &run.json;
    assert_eq!(json["projects"][0]["manifest"], "poetry.lock");
    check_poetry_lock(&dir, json);
    let root = package(json, "poetry-lock-only", Some(""));
    assert_eq!(root["root"], true);
    assert_eq!(
        edges(json, root),
        BTreeSet::from([
            edge("click", "normal"),
            edge("colorama", "normal"),
            edge("urllib3", "normal"),
            edge("iniconfig", "dev"),
            edge("six", "dev"),
        ]),
        "pysocks is required by urllib3, so the root does not require it itself"
    );
}
