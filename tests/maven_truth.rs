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
use std::io::Read;
use std::path::{Path, PathBuf};
use support::server::{Reply, TestServer};

fn truth() -> PathBuf {
    support::fixture("maven-truth")
}

/// A server with every file of repository.zip at its path.
pub fn repository_server() -> TestServer {
    let server = TestServer::start();
    let file = std::fs::File::open(truth().join("repository.zip")).expect("repository.zip");
    let mut zip = zip::ZipArchive::new(file).expect("a zip archive");
    for i in 0..zip.len() {
        let mut entry = zip.by_index(i).unwrap();
        let mut body = Vec::new();
        entry.read_to_end(&mut body).unwrap();
        server.route(&format!("/{}", entry.name()), vec![Reply::ok(body)]);
    }
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

/// (group, artifact, type, classifier, version, scope)
type Row = (String, String, String, String, String, String);

/// Maven's tree: the module's coordinates and every artefact below it.
fn maven_tree(path: &Path) -> (String, BTreeSet<Row>) {
    let text = std::fs::read_to_string(path).unwrap();
    let mut lines = text.lines();
    let module = lines.next().expect("the module line").trim().to_string();
    let rows = lines
        .map(|l| l.trim_start_matches(['|', '+', '\\', '-', ' ']))
        .filter(|l| !l.is_empty())
        .map(|l| {
            let coordinates = l.split(' ').next().unwrap();
            let parts: Vec<&str> = coordinates.split(':').collect();
            let (kind, classifier, version, scope) = match parts.len() {
                5 => (parts[2], "", parts[3], parts[4]),
                6 => (parts[2], parts[3], parts[4], parts[5]),
                _ => panic!("{}: unexpected line `{l}`", path.display()),
            };
            (
                parts[0].to_string(),
                parts[1].to_string(),
                kind.to_string(),
                classifier.to_string(),
                version.to_string(),
                scope.to_string(),
            )
        })
        .collect();
    (module, rows)
}

/// Maven prints the extension as the type (`jar` for `test-jar`).
fn extension(kind: &str) -> &str {
    match kind {
        "test-jar" | "ejb-client" | "java-source" | "javadoc" | "ejb" | "maven-plugin" => "jar",
        other => other,
    }
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
        for entry in walk(&root.join(&build)) {
            if entry.file_name().is_some_and(|n| n == "maven-tree.txt") {
                let (module, rows) = maven_tree(&entry);
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
            let actual: BTreeSet<Row> = module
                .dependencies
                .iter()
                .map(|d| {
                    (
                        d.group.clone(),
                        d.artifact.clone(),
                        extension(&d.kind).to_string(),
                        d.classifier.clone(),
                        d.version.clone(),
                        d.scope.clone(),
                    )
                })
                .collect();
            let mut diff = Vec::new();
            for row in expected.difference(&actual) {
                diff.push(format!("only Maven:     {}", row_text(row)));
            }
            for row in actual.difference(&expected) {
                diff.push(format!("only fundament: {}", row_text(row)));
            }
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

fn row_text(row: &Row) -> String {
    let (g, a, t, c, v, s) = row;
    if c.is_empty() {
        format!("{g}:{a}:{t}:{v}:{s}")
    } else {
        format!("{g}:{a}:{t}:{c}:{v}:{s}")
    }
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return out;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            out.extend(walk(&path));
        } else {
            out.push(path);
        }
    }
    out
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
