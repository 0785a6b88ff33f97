//! Ground truth: fundament's Maven resolver against Maven itself.
//!
//! tests/fixtures/maven-truth holds, for real public-sector builds (SOURCES.tsv), the POM files
//! of the build and the dependency tree Maven 3.8 printed for each module (`maven-tree.txt`),
//! with every POM Maven downloaded (repository.zip), all recorded by record.sh. The POMs are
//! served here from a local HTTP server, so the comparison needs no network: for every module,
//! the set of groupId:artifactId:type:classifier:version with scope that fundament resolves must
//! be the set Maven printed.

mod support;

use fundament::ecosystem::maven::{Platform, PomSource, resolve_build};
use fundament::registry::config::Endpoint;
use fundament::registry::http::HttpOptions;
use fundament::registry::maven::repository::{Environment, Repositories};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use support::maven::Row;
use support::server::TestServer;

fn truth() -> PathBuf {
    support::fixture("maven-truth")
}

/// A server with every file of repository.zip at its path.
pub fn repository_server() -> TestServer {
    let server = TestServer::start();
    support::maven::serve_zip(&server, &truth().join("repository.zip"), "");
    server
}

fn repositories(server: &TestServer, cache: &Path) -> Repositories {
    let env = Environment {
        configured: vec![Endpoint {
            url: format!("{}/", server.base),
            from: "test".into(),
            from_tree: false,
        }],
        ..Environment::default()
    };
    Repositories::new(
        env,
        &HttpOptions {
            cache_dir: Some(cache.to_path_buf()),
            ..HttpOptions::default()
        },
    )
    .expect("an HTTP client")
}

/// The JDK and OS Maven ran on when the trees were recorded (recorded-with.txt).
fn platform() -> Platform {
    let recorded = std::fs::read_to_string(truth().join("recorded-with.txt")).unwrap();
    let jdk = recorded
        .lines()
        .find_map(|l| l.strip_prefix("Java version: "))
        .and_then(|l| l.split(',').next())
        .expect("the Java version")
        .to_string();
    Platform::new(Some(jdk), "Linux".into(), "amd64".into(), String::new())
}

fn builds() -> Vec<(String, String)> {
    let sources = std::fs::read_to_string(truth().join("SOURCES.tsv")).unwrap();
    sources
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .flat_map(|l| {
            let fields: Vec<&str> = l.split('\t').collect();
            let name = fields[0].to_string();
            fields[4]
                .split(',')
                .map(move |b| (name.clone(), b.to_string()))
                .collect::<Vec<_>>()
        })
        .collect()
}

/// Resolves every build and compares it with Maven's trees; returns the differences per module.
fn compare(source: &dyn PomSource) -> (usize, BTreeMap<String, Vec<String>>) {
    let platform = platform();
    let mut differences: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut compared = 0;
    for (name, build) in builds() {
        let root = truth().join(&name);
        let manifest = Path::new(&build).join("pom.xml");
        let modules = resolve_build(&root, &manifest, Some(source), &platform)
            .unwrap_or_else(|e| panic!("{name}/{build}: {e}"));
        let mut trees: BTreeMap<String, BTreeSet<Row>> = BTreeMap::new();
        for entry in support::maven::files(&root.join(&build)) {
            if entry.file_name().is_some_and(|n| n == "maven-tree.txt") {
                let (module, rows) = support::maven::maven_tree(&entry);
                trees.insert(module, rows);
            }
        }
        for module in &modules {
            let Some(expected) = trees.remove(&module.module) else {
                differences
                    .entry(format!("{name}/{build}"))
                    .or_default()
                    .push(format!("Maven printed no tree for {}", module.module));
                continue;
            };
            compared += 1;
            let mut diff = support::maven::differences(&expected, &support::maven::rows(module));
            if !diff.is_empty() {
                diff.extend(module.problems.iter().map(|p| format!("problem: {p}")));
                differences.insert(module.module.clone(), diff);
            }
        }
        for module in trees.keys() {
            differences
                .entry(module.clone())
                .or_default()
                .push("fundament did not resolve this module".to_string());
        }
    }
    (compared, differences)
}

#[test]
fn every_module_resolves_to_what_maven_resolves() {
    let server = repository_server();
    let cache = tempfile::tempdir().unwrap();
    let repos = repositories(&server, cache.path());
    let (compared, differences) = compare(&repos);
    let report: Vec<String> = differences
        .iter()
        .map(|(module, diff)| format!("{module}:\n  {}", diff.join("\n  ")))
        .collect();
    assert!(
        differences.is_empty(),
        "{} of {compared} modules differ from Maven:\n{}",
        differences.len(),
        report.join("\n")
    );
    assert!(compared >= 20, "{compared} modules compared");

    // A second run with --offline answers from fundament's cache alone.
    let base = format!("{}/", server.base);
    drop(server);
    let offline = Repositories::new(
        Environment {
            configured: vec![Endpoint {
                url: base,
                from: "test".into(),
                from_tree: false,
            }],
            ..Environment::default()
        },
        &HttpOptions {
            offline: true,
            cache_dir: Some(cache.path().to_path_buf()),
            ..HttpOptions::default()
        },
    )
    .unwrap();
    let (again, differences) = compare(&offline);
    assert_eq!(again, compared);
    assert!(differences.is_empty(), "offline: {differences:#?}");
    assert_eq!(offline.requests(), 0);
}
