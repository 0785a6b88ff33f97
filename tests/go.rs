//! The Go reader, end to end: `fundament audit <dir> --format json` on the repository's own Go
//! fixtures (tests/fixtures/go, written by hand with the checksums of the real modules) and on
//! the shared real-world fixtures (../shared/fixtures/opencloud and synapse/complement, skipped
//! when absent).
//!
//! The module cache is always pinned with `GOMODCACHE` (to tests/fixtures/go/modcache or to an
//! empty directory), so that a Go installation on the test machine cannot change the results.
//! Expected build lists are computed from the fixtures' own go.mod files by the small reader
//! below, so the tests state the rule ("every requirement after replace and exclude is a
//! package") rather than a copy of today's output.

mod support;

use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use support::{JsonRun, codes, copy_tree, findings, fixture, shared_fixture};

// ---------------------------------------------------------------------------------------------
// Running the binary

/// An empty module cache, shared by the tests of this process.
fn empty_cache() -> &'static Path {
    static DIR: OnceLock<tempfile::TempDir> = OnceLock::new();
    DIR.get_or_init(|| tempfile::tempdir().expect("a temporary directory"))
        .path()
}

/// The fake module cache of the fixtures (licence files only, paths escaped as Go does).
fn fixture_cache() -> PathBuf {
    fixture("go/modcache")
}

/// `fundament audit <dir> --format json` with the module cache pinned to `cache`.
fn audit(dir: &Path, cache: &Path) -> JsonRun {
    let output = support::fundament()
        .env("GOMODCACHE", cache)
        .env_remove("GOPATH")
        .arg("audit")
        .arg(dir)
        .args(["--format", "json"])
        .output()
        .expect("fundament runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let json = serde_json::from_str(&stdout).unwrap_or_else(|e| {
        panic!(
            "the report is not JSON ({e}); stdout: {stdout}\nstderr: {}",
            String::from_utf8_lossy(&output.stderr)
        )
    });
    JsonRun {
        code: output.status.code().expect("an exit code"),
        json,
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

fn module_fixture() -> PathBuf {
    fixture("go/module")
}

/// A copy of tests/fixtures/go/module to change.
fn scratch() -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("module");
    copy_tree(&module_fixture(), &dir);
    (tmp, dir)
}

// ---------------------------------------------------------------------------------------------
// Reading the report

fn packages(json: &Value) -> &Vec<Value> {
    json["packages"].as_array().expect("`packages` is an array")
}

fn by_purl<'a>(json: &'a Value, purl: &str) -> &'a Value {
    let found: Vec<&Value> = packages(json)
        .iter()
        .filter(|p| p["purl"] == purl)
        .collect();
    assert_eq!(found.len(), 1, "expected exactly one package {purl}");
    found[0]
}

fn purls(json: &Value) -> BTreeSet<String> {
    packages(json)
        .iter()
        .map(|p| p["purl"].as_str().unwrap().to_string())
        .collect()
}

/// The purl fundament gives a Go module: the purl spec lower-cases golang namespaces and names.
fn go_purl(path: &str, version: &str) -> String {
    let path = path.to_lowercase();
    if version.is_empty() {
        format!("pkg:golang/{path}")
    } else {
        format!("pkg:golang/{path}@{}", version.replace('+', "%2B"))
    }
}

// ---------------------------------------------------------------------------------------------
// An independent reader of go.mod, for expected values

/// A module of the build list: its path and version after replacement (a directory
/// replacement keeps the path and has no version), and the original path.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Expected {
    path: String,
    version: String,
    original: String,
}

/// The build list of a go.mod as this test suite defines it: every `require`, minus excluded
/// versions, with `replace` applied.
fn build_list(gomod: &str) -> Vec<Expected> {
    let mut requires: Vec<(String, String)> = Vec::new();
    let mut replaces: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut excludes: BTreeSet<(String, String)> = BTreeSet::new();
    let mut block = String::new();
    for raw in gomod.lines() {
        let line = raw.split("//").next().unwrap().trim();
        if line.is_empty() {
            continue;
        }
        if line == ")" {
            block.clear();
            continue;
        }
        let mut words: Vec<&str> = line.split_whitespace().collect();
        if words.len() == 2 && words[1] == "(" {
            block = words[0].to_string();
            continue;
        }
        let directive = if block.is_empty() {
            words.remove(0).to_string()
        } else {
            block.clone()
        };
        match directive.as_str() {
            "require" => requires.push((words[0].to_string(), words[1].to_string())),
            "exclude" => {
                excludes.insert((words[0].to_string(), words[1].to_string()));
            }
            "replace" => {
                let arrow = words.iter().position(|w| *w == "=>").unwrap();
                assert_eq!(
                    arrow, 1,
                    "this reader handles replacements of every version"
                );
                replaces.insert(
                    words[0].to_string(),
                    words[2..].iter().map(|w| w.to_string()).collect(),
                );
            }
            _ => {}
        }
    }
    let mut out: Vec<Expected> = requires
        .into_iter()
        .filter(|r| !excludes.contains(r))
        .map(
            |(path, version)| match replaces.get(&path).map(Vec::as_slice) {
                Some([new_path, new_version]) => Expected {
                    path: new_path.clone(),
                    version: new_version.clone(),
                    original: path,
                },
                Some([_dir]) => Expected {
                    path: path.clone(),
                    version: String::new(),
                    original: path,
                },
                Some(other) => panic!("unexpected replacement {other:?}"),
                None => Expected {
                    path: path.clone(),
                    version,
                    original: path,
                },
            },
        )
        .collect();
    out.sort();
    out.dedup();
    out
}

/// The module checksums of a go.sum (not the `/go.mod` ones).
fn go_sum(text: &str) -> BTreeMap<(String, String), String> {
    text.lines()
        .filter_map(|line| {
            let f: Vec<&str> = line.split_whitespace().collect();
            (f.len() == 3 && !f[1].ends_with("/go.mod"))
                .then(|| ((f[0].to_string(), f[1].to_string()), f[2].to_string()))
        })
        .collect()
}

fn module_path(gomod: &str) -> String {
    gomod
        .lines()
        .find_map(|l| l.strip_prefix("module "))
        .unwrap()
        .trim()
        .to_string()
}

// ---------------------------------------------------------------------------------------------
// The repository's own module fixture

#[test]
fn every_requirement_after_replace_and_exclude_is_a_package() {
    let dir = module_fixture();
    let gomod = std::fs::read_to_string(dir.join("go.mod")).unwrap();
    let expected = build_list(&gomod);
    let run = audit(&dir, &fixture_cache());
    let json = &run.json;

    // The fixture's own module, its local replacement (a project of its own, too), and every
    // required module.
    let mut want: BTreeSet<String> = expected
        .iter()
        .map(|m| go_purl(&m.path, &m.version))
        .collect();
    want.insert(go_purl(&module_path(&gomod), ""));
    assert_eq!(purls(json), want);
    assert_eq!(packages(json).len(), expected.len() + 1);

    // The exact identities the replacements and the exclude give.
    let purls = purls(json);
    assert!(purls.contains("pkg:golang/github.com/spf13/cobra@v1.8.1"));
    assert!(
        purls.contains(
            "pkg:golang/github.com/deepdiver1975/secure@v0.0.0-20240611112133-abc838fb797c"
        )
    );
    assert!(!purls.iter().any(|p| p.contains("unrolled/secure")));
    assert!(purls.contains("pkg:golang/github.com/mattn/go-sqlite3@v1.14.24"));
    assert!(!purls.iter().any(|p| p.contains("v2.0.3+incompatible")));
    // go.sum lists other versions and go.mod-only entries: they are not packages.
    assert!(!purls.iter().any(|p| p.contains("pkg/errors")));
    assert!(!purls.iter().any(|p| p.contains("pflag@v1.0.5")));

    let local = by_purl(json, "pkg:golang/example.org/fundament/locallib");
    assert_eq!(local["source"]["kind"], "path");
    assert_eq!(local["source"]["path"], "locallib");
    assert_eq!(
        local["root"], true,
        "the local module is a project of the tree"
    );

    let root = by_purl(json, "pkg:golang/example.org/fundament/gofixture");
    assert_eq!(root["root"], true);
    assert_eq!(root["version"], "");
    assert_eq!(root["source"]["kind"], "path");
    // Every module of the build list, direct or indirect, is an edge from the root.
    let edges: BTreeSet<String> = root["dependencies"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            assert_eq!(d["kind"], "normal");
            packages(json)[d["package"].as_u64().unwrap() as usize]["purl"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect();
    let modules: BTreeSet<String> = expected
        .iter()
        .map(|m| go_purl(&m.path, &m.version))
        .collect();
    assert_eq!(edges, modules);
    // Go has no dev dependencies.
    assert!(packages(json).iter().all(|p| p["scope"] == "runtime"));
    assert!(packages(json).iter().all(|p| p["locked"] == true));

    let project = &json["projects"][0];
    assert_eq!(project["kind"], "go");
    assert_eq!(project["manifest"], "go.mod");
    assert_eq!(project["lockfile"], "go.sum");
    assert_eq!(project["reader"], "go.mod + go.sum + vendor/modules.txt");
    assert_eq!(project["status"], "complete");
    // vendor/modules.txt agrees with go.mod: no warning about it.
    assert!(findings(json, "I007").is_empty(), "{:#?}", json["findings"]);
}

#[test]
fn checksums_come_from_go_sum() {
    let dir = module_fixture();
    let sums = go_sum(&std::fs::read_to_string(dir.join("go.sum")).unwrap());
    let gomod = std::fs::read_to_string(dir.join("go.mod")).unwrap();
    let json = audit(&dir, empty_cache()).json;
    for module in build_list(&gomod) {
        let p = by_purl(&json, &go_purl(&module.path, &module.version));
        match sums.get(&(module.path.clone(), module.version.clone())) {
            Some(sum) => assert_eq!(p["checksum"], sum.as_str(), "{}", module.path),
            None => assert!(p.get("checksum").is_none(), "{}", module.path),
        }
    }
    // The replacement's checksum, not the replaced module's.
    assert_eq!(
        by_purl(
            &json,
            "pkg:golang/github.com/deepdiver1975/secure@v0.0.0-20240611112133-abc838fb797c"
        )["checksum"],
        "h1:ocsNvQ2tNHme4v/lTs17HROamc7mFzZfzWcg4m+UXN0="
    );
}

#[test]
fn licences_come_from_vendored_files_and_the_module_cache() {
    let dir = module_fixture();
    let run = audit(&dir, &fixture_cache());
    let json = &run.json;
    let concluded = |purl: &str| by_purl(json, purl)["licence"]["concluded"].clone();

    // Vendored: vendor/<module path>/ is the module's directory.
    let toml = by_purl(json, "pkg:golang/github.com/burntsushi/toml@v1.4.0");
    assert_eq!(
        Path::new(toml["dir"].as_str().unwrap()),
        dir.join("vendor/github.com/BurntSushi/toml")
    );
    assert_eq!(
        concluded("pkg:golang/github.com/burntsushi/toml@v1.4.0")["expression"],
        "MIT"
    );
    assert_eq!(
        concluded("pkg:golang/github.com/burntsushi/toml@v1.4.0")["from"],
        "detected"
    );
    assert_eq!(toml["licence"]["detected"][0]["path"], "COPYING");
    assert!(toml.get("licence_unavailable").is_none());

    // The module cache, with upper-case letters escaped as `!` + lower case.
    let semver = by_purl(json, "pkg:golang/github.com/masterminds/semver@v1.5.0");
    assert_eq!(
        Path::new(semver["dir"].as_str().unwrap()),
        fixture_cache().join("github.com/!masterminds/semver@v1.5.0")
    );
    assert_eq!(semver["licence"]["concluded"]["expression"], "MIT");
    assert_eq!(semver["licence"]["concluded"]["from"], "detected");
    let pflag = by_purl(json, "pkg:golang/github.com/spf13/pflag@v1.0.6");
    assert_eq!(pflag["licence"]["concluded"]["expression"], "BSD-3-Clause");
    // A replaced module's files are the replacement's.
    let secure = by_purl(
        json,
        "pkg:golang/github.com/deepdiver1975/secure@v0.0.0-20240611112133-abc838fb797c",
    );
    assert_eq!(
        Path::new(secure["dir"].as_str().unwrap()),
        fixture_cache()
            .join("github.com/!deep!diver1975/secure@v0.0.0-20240611112133-abc838fb797c")
    );
    assert_eq!(secure["licence"]["concluded"]["expression"], "MIT");
    // The local replacement's own directory.
    let local = by_purl(json, "pkg:golang/example.org/fundament/locallib");
    assert_eq!(local["licence"]["concluded"]["expression"], "ISC");

    // The rest: nothing in the input, no files: unresolved (L009), with the reason.
    let unresolved: BTreeSet<String> = support::affected(json, "L009").into_iter().collect();
    let want: BTreeSet<String> = [
        "pkg:golang/github.com/cpuguy83/go-md2man/v2@v2.0.5",
        "pkg:golang/github.com/inconshreveable/mousetrap@v1.1.0",
        "pkg:golang/github.com/mattn/go-sqlite3@v1.14.24",
        "pkg:golang/github.com/spf13/cobra@v1.8.1",
        "pkg:golang/gopkg.in/yaml.v3@v3.0.1",
    ]
    .into_iter()
    .map(String::from)
    .collect();
    assert_eq!(unresolved, want);
    let cobra = by_purl(json, "pkg:golang/github.com/spf13/cobra@v1.8.1");
    assert_eq!(cobra["licence_unavailable"], "go.mod records no licences");
    assert!(cobra.get("dir").is_none());
    assert_eq!(run.code, 1, "unresolved licences are violations");
}

#[test]
fn without_a_module_cache_only_vendored_and_local_modules_have_files() {
    let dir = module_fixture();
    let json = audit(&dir, empty_cache()).json;
    let gomod = std::fs::read_to_string(dir.join("go.mod")).unwrap();
    let with_files: BTreeSet<String> = packages(&json)
        .iter()
        .filter(|p| p.get("dir").is_some())
        .map(|p| p["purl"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(
        with_files,
        [
            "pkg:golang/example.org/fundament/gofixture",
            "pkg:golang/example.org/fundament/locallib",
            "pkg:golang/github.com/burntsushi/toml@v1.4.0",
        ]
        .into_iter()
        .map(String::from)
        .collect()
    );
    // Every other module is unresolved.
    assert_eq!(
        support::affected(&json, "L009").len(),
        build_list(&gomod).len() - 2,
        "{:#?}",
        codes(&json)
    );
}

#[test]
fn a_malformed_go_mod_names_file_and_line() {
    let run = audit(&fixture("go/malformed"), empty_cache());
    assert_eq!(run.code, 2, "unreadable input makes the audit incomplete");
    let errors = findings(&run.json, "I001");
    let mut located: Vec<(String, u64)> = errors
        .iter()
        .map(|f| {
            (
                f["location"]["file"].as_str().unwrap().to_string(),
                f["location"]["line"].as_u64().unwrap(),
            )
        })
        .collect();
    located.sort();
    assert_eq!(
        located,
        vec![("go.mod".to_string(), 7), ("go.mod".to_string(), 10)]
    );
    let messages: Vec<&str> = errors
        .iter()
        .map(|f| f["message"].as_str().unwrap())
        .collect();
    assert!(
        messages
            .iter()
            .any(|m| m.contains("go.mod line 7: `require` needs a module path and a version")),
        "{messages:#?}"
    );
    assert!(
        messages
            .iter()
            .any(|m| m.contains("go.mod line 10:") && m.contains("cobra-fork")),
        "{messages:#?}"
    );
    // The rest of go.mod is still read; the project says it is partial.
    assert_eq!(run.json["projects"][0]["status"], "partial");
    by_purl(&run.json, "pkg:golang/github.com/spf13/cobra@v1.8.1");
    assert_eq!(packages(&run.json).len(), 2);
}

#[test]
fn a_go_mod_without_module_directive_fails_the_project() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(
        tmp.path().join("go.mod"),
        "go 1.22\n\nrequire github.com/spf13/cobra v1.8.1\n",
    )
    .unwrap();
    let run = audit(tmp.path(), empty_cache());
    assert_eq!(run.code, 2);
    assert_eq!(run.json["projects"][0]["status"], "failed");
    let errors = findings(&run.json, "I001");
    assert_eq!(errors.len(), 1);
    assert_eq!(errors[0]["location"]["file"], "go.mod");
    assert!(packages(&run.json).is_empty());
}

#[test]
fn without_go_sum_the_versions_of_go_mod_are_used_and_checksums_are_unknown() {
    let (_tmp, dir) = scratch();
    std::fs::remove_file(dir.join("go.sum")).unwrap();
    let gomod = std::fs::read_to_string(dir.join("go.mod")).unwrap();
    let run = audit(&dir, empty_cache());
    let json = &run.json;
    assert_eq!(packages(json).len(), build_list(&gomod).len() + 1);
    assert!(packages(json).iter().all(|p| p.get("checksum").is_none()));
    let degraded = findings(json, "I005");
    assert_eq!(degraded.len(), 1);
    assert!(
        degraded[0]["message"]
            .as_str()
            .unwrap()
            .contains("no go.sum"),
        "{}",
        degraded[0]["message"]
    );
    assert_eq!(degraded[0]["severity"], "warning");
    assert_eq!(json["projects"][0]["status"], "partial");
    assert!(json["projects"][0].get("lockfile").is_none());
    assert_eq!(
        run.code, 1,
        "a warning alone does not make the audit incomplete"
    );
}

#[test]
fn a_required_version_that_is_excluded_is_not_a_package() {
    let (_tmp, dir) = scratch();
    let gomod = std::fs::read_to_string(dir.join("go.mod")).unwrap();
    std::fs::write(
        dir.join("go.mod"),
        format!("{gomod}\nexclude github.com/spf13/cobra v1.8.1\n"),
    )
    .unwrap();
    let exclude_line = gomod.lines().count() + 2;
    let json = audit(&dir, empty_cache()).json;
    assert!(!purls(&json).iter().any(|p| p.contains("spf13/cobra")));
    let warning = findings(&json, "I010");
    assert_eq!(warning.len(), 1, "{:#?}", json["findings"]);
    assert!(warning[0]["message"].as_str().unwrap().contains("cobra"));
    // The finding points at the requirement (line 9 of the fixture's go.mod).
    let require_line = gomod
        .lines()
        .position(|l| l.contains("github.com/spf13/cobra v1.8.1"))
        .unwrap()
        + 1;
    assert_eq!(warning[0]["location"]["line"], require_line);
    assert_ne!(require_line, exclude_line);
}

#[test]
fn vendor_disagreements_are_warnings_and_the_vendored_copy_is_not_used() {
    let (_tmp, dir) = scratch();
    let modules = dir.join("vendor/modules.txt");
    let text = std::fs::read_to_string(&modules).unwrap();
    std::fs::write(
        &modules,
        text.replace(
            "# github.com/BurntSushi/toml v1.4.0",
            "# github.com/BurntSushi/toml v1.3.2",
        ) + "# example.org/only/vendored v1.0.0\n## explicit\n",
    )
    .unwrap();
    let json = audit(&dir, empty_cache()).json;
    let warnings = findings(&json, "I007");
    assert_eq!(warnings.len(), 1, "{:#?}", json["findings"]);
    assert_eq!(warnings[0]["severity"], "warning");
    assert_eq!(warnings[0]["location"]["file"], "vendor/modules.txt");
    let notes: Vec<&str> = warnings[0]["notes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n.as_str().unwrap())
        .collect();
    assert!(
        notes.iter().any(
            |n| n.contains("github.com/BurntSushi/toml is required at v1.4.0")
                && n.contains("vendored at v1.3.2")
        ),
        "{notes:#?}"
    );
    assert!(
        notes
            .iter()
            .any(|n| n.contains("example.org/only/vendored v1.0.0 is marked `## explicit`")),
        "{notes:#?}"
    );
    // go.mod wins; the vendored copy is of another version, so it is no evidence.
    let toml = by_purl(&json, "pkg:golang/github.com/burntsushi/toml@v1.4.0");
    assert!(toml.get("dir").is_none());
    assert_eq!(toml["licence_unavailable"], "go.mod records no licences");
    // A module only vendor/ has is built, so it is audited too.
    by_purl(&json, "pkg:golang/example.org/only/vendored@v1.0.0");
}

#[test]
fn an_old_go_mod_lists_part_of_the_build_list() {
    // Without vendor/: the audit says the build list is incomplete.
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(
        tmp.path().join("go.mod"),
        "module example.org/old\n\ngo 1.16\n\nrequire github.com/spf13/cobra v1.8.1\n",
    )
    .unwrap();
    let json = audit(tmp.path(), empty_cache()).json;
    let degraded = findings(&json, "I005");
    assert_eq!(degraded.len(), 2, "{:#?}", json["findings"]); // go 1.16, and no go.sum
    assert!(degraded.iter().any(
        |f| f["message"].as_str().unwrap().contains("declares go 1.16")
            && f["location"]["line"] == 3
    ));
    assert_eq!(json["projects"][0]["status"], "partial");

    // With vendor/modules.txt: its modules are the build's, the indirect ones included.
    std::fs::create_dir_all(tmp.path().join("vendor")).unwrap();
    std::fs::write(
        tmp.path().join("vendor/modules.txt"),
        "# github.com/inconshreveable/mousetrap v1.1.0\ngithub.com/inconshreveable/mousetrap\n\
         # github.com/spf13/cobra v1.8.1\n## explicit\ngithub.com/spf13/cobra\n\
         # github.com/spf13/pflag v1.0.6\ngithub.com/spf13/pflag\n",
    )
    .unwrap();
    let json = audit(tmp.path(), empty_cache()).json;
    assert_eq!(
        purls(&json),
        [
            "pkg:golang/example.org/old",
            "pkg:golang/github.com/inconshreveable/mousetrap@v1.1.0",
            "pkg:golang/github.com/spf13/cobra@v1.8.1",
            "pkg:golang/github.com/spf13/pflag@v1.0.6",
        ]
        .into_iter()
        .map(String::from)
        .collect()
    );
    assert!(
        !findings(&json, "I005")
            .iter()
            .any(|f| f["message"].as_str().unwrap().contains("go 1.16")),
        "vendor/modules.txt completes the build list"
    );
    assert!(
        findings(&json, "I007").is_empty(),
        "{:#?}",
        json["findings"]
    );
}

// ---------------------------------------------------------------------------------------------
// Shared real-world fixtures

/// The audit of ../shared/fixtures/opencloud, run once per test process (licence detection
/// over 370 vendored files takes a few seconds the first time).
fn opencloud() -> Option<&'static (PathBuf, Value)> {
    static RUN: OnceLock<Option<(PathBuf, Value)>> = OnceLock::new();
    RUN.get_or_init(|| {
        let dir = std::fs::canonicalize(shared_fixture("opencloud")?).unwrap();
        let run = audit(&dir, empty_cache());
        assert_ne!(run.code, 2, "{}", run.stderr);
        Some((dir, run.json))
    })
    .as_ref()
}

#[test]
fn opencloud_lists_its_build_list_with_replacements() {
    let Some((dir, json)) = opencloud() else {
        return;
    };
    let gomod = std::fs::read_to_string(dir.join("go.mod")).unwrap();
    let expected = build_list(&gomod);
    assert!(expected.len() > 300);
    assert_eq!(packages(json).len(), expected.len() + 1);
    let mut want: BTreeSet<String> = expected
        .iter()
        .map(|m| go_purl(&m.path, &m.version))
        .collect();
    want.insert(go_purl(&module_path(&gomod), ""));
    assert_eq!(purls(json), want);
    for purl in [
        "pkg:golang/github.com/spf13/cobra@v1.8.1",
        "pkg:golang/dario.cat/mergo@v1.0.1",
        "pkg:golang/github.com/cenkalti/backoff@v2.2.1%2Bincompatible",
        "pkg:golang/github.com/butonic/go-micro/v4@v4.11.1-0.20241115112658-b5d4de5ed9b3",
        "pkg:golang/github.com/opencloud-eu/opencloud",
    ] {
        by_purl(json, purl);
    }
    assert!(!purls(json).contains("pkg:golang/go-micro.dev/v4@v4.11.0"));
    let project = &json["projects"][0];
    assert_eq!(project["reader"], "go.mod + go.sum + vendor/modules.txt");
    assert_eq!(project["status"], "complete");
    assert!(
        findings(json, "I007").is_empty(),
        "vendor/ agrees with go.mod"
    );
}

#[test]
fn opencloud_vendored_licences_are_detected() {
    let Some((dir, json)) = opencloud() else {
        return;
    };
    for (path, version, licence) in [
        ("dario.cat/mergo", "v1.0.1", "BSD-3-Clause"),
        ("github.com/go-chi/chi/v5", "v5.2.0", "MIT"),
        ("github.com/rs/zerolog", "v1.33.0", "MIT"),
        ("github.com/sirupsen/logrus", "v1.9.3", "MIT"),
        ("golang.org/x/crypto", "v0.32.0", "BSD-3-Clause"),
        ("github.com/google/uuid", "v1.6.0", "BSD-3-Clause"),
    ] {
        let p = by_purl(json, &go_purl(path, version));
        assert_eq!(
            Path::new(p["dir"].as_str().unwrap()),
            dir.join("vendor").join(path),
            "{path}"
        );
        assert_eq!(p["licence"]["concluded"]["expression"], licence, "{path}");
        assert_eq!(p["licence"]["concluded"]["from"], "detected", "{path}");
    }
    // A replaced module is vendored under its original path.
    let micro = by_purl(
        json,
        "pkg:golang/github.com/butonic/go-micro/v4@v4.11.1-0.20241115112658-b5d4de5ed9b3",
    );
    assert_eq!(
        Path::new(micro["dir"].as_str().unwrap()),
        dir.join("vendor/go-micro.dev/v4")
    );
    assert_eq!(micro["licence"]["concluded"]["expression"], "Apache-2.0");
}

#[test]
fn opencloud_modules_without_vendored_files_are_unresolved() {
    let Some((dir, json)) = opencloud() else {
        return;
    };
    let gomod = std::fs::read_to_string(dir.join("go.mod")).unwrap();
    let not_vendored: BTreeSet<String> = build_list(&gomod)
        .into_iter()
        .filter(|m| !dir.join("vendor").join(&m.original).is_dir())
        .map(|m| go_purl(&m.path, &m.version))
        .collect();
    assert!(!not_vendored.is_empty());
    let unresolved: BTreeSet<String> = support::affected(json, "L009").into_iter().collect();
    assert_eq!(unresolved, not_vendored);
    for purl in &not_vendored {
        assert_eq!(
            by_purl(json, purl)["licence_unavailable"],
            "go.mod records no licences"
        );
    }
    // Every vendored module has its directory.
    let with_dir = packages(json)
        .iter()
        .filter(|p| p["root"] == false && p.get("dir").is_some())
        .count();
    assert_eq!(with_dir, build_list(&gomod).len() - not_vendored.len());
}

#[test]
fn synapse_complement_is_read_from_go_mod_and_go_sum() {
    let Some(dir) = shared_fixture("synapse/complement") else {
        return;
    };
    let gomod = std::fs::read_to_string(dir.join("go.mod")).unwrap();
    let sums = go_sum(&std::fs::read_to_string(dir.join("go.sum")).unwrap());
    let expected = build_list(&gomod);
    let run = audit(&dir, empty_cache());
    let json = &run.json;
    assert_eq!(packages(json).len(), expected.len() + 1);
    for module in &expected {
        let p = by_purl(json, &go_purl(&module.path, &module.version));
        assert_eq!(
            p["checksum"].as_str(),
            sums.get(&(module.path.clone(), module.version.clone()))
                .map(String::as_str),
            "{}",
            module.path
        );
    }
    by_purl(json, "pkg:golang/github.com/tidwall/gjson@v1.18.0");
    by_purl(json, "pkg:golang/github.com/element-hq/synapse");
    // No vendor/, no module cache: every module is unresolved.
    assert_eq!(support::affected(json, "L009").len(), expected.len());
    assert_eq!(json["projects"][0]["reader"], "go.mod + go.sum");
    assert_eq!(json["projects"][0]["status"], "complete");
    assert_eq!(run.code, 1);
}
