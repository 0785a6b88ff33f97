//! Ground truth: fundament's Maven resolver against Maven itself.
//!
//! tests/fixtures/maven-truth holds, for real public-sector builds (SOURCES.tsv), the dependency
//! tree Maven 3.8 printed for each module (`maven-tree.txt`) and every POM Maven downloaded
//! from the repositories (repository.zip), all recorded by record.sh. The builds' own POMs are
//! not copied here: they are read where they are, from the shared fixtures
//! (`../shared/fixtures`) and from git mirrors of the public repositories (`$MIRRORS`, default
//! `/work/.mirror`, `<owner>+<name>/repo`) at the commit SOURCES.tsv names; a build whose
//! source is absent is skipped with a message. The repository POMs are served from a local
//! HTTP server, so the comparison needs no network: for every module, the set of
//! groupId:artifactId:type:classifier:version with scope that fundament resolves must be the
//! set Maven printed.

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
            from: fundament::diagnostic::Text::verbatim("test"),
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

/// A build of SOURCES.tsv: name, where its POMs are read, and its build directories.
struct Source {
    name: String,
    root: PathBuf,
    builds: Vec<String>,
    /// Keeps the POMs extracted from a git mirror for as long as the build is compared.
    _extracted: Option<tempfile::TempDir>,
}

/// The builds whose sources are here (shared fixtures in place, the POM files of git mirrors
/// extracted at the recorded commit into a temporary folder).
fn sources() -> Vec<Source> {
    let listed = std::fs::read_to_string(truth().join("SOURCES.tsv")).unwrap();
    let mirrors = std::env::var_os("MIRRORS")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/work/.mirror"));
    let mut out = Vec::new();
    for line in listed
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
    {
        let fields: Vec<&str> = line.split('\t').collect();
        let (name, from, location, commit) = (fields[0], fields[1], fields[2], fields[3]);
        let builds: Vec<String> = fields[4].split(',').map(str::to_string).collect();
        let (root, extracted) = match from {
            "shared" => match support::shared_fixture(location) {
                Some(dir) => (dir, None),
                None => continue,
            },
            _ => match extract_poms(&mirrors.join(location).join("repo"), commit) {
                Some(tmp) => (tmp.path().to_path_buf(), Some(tmp)),
                None => {
                    eprintln!(
                        "skipped: {name}: no git mirror of {location} with commit {commit} in {} \
                         (set MIRRORS)",
                        mirrors.display()
                    );
                    continue;
                }
            },
        };
        out.push(Source {
            name: name.to_string(),
            root,
            builds,
            _extracted: extracted,
        });
    }
    out
}

/// The pom.xml files of a bare git repository at `commit`, in a temporary folder.
fn extract_poms(repo: &Path, commit: &str) -> Option<tempfile::TempDir> {
    let listed = std::process::Command::new("git")
        .arg("--git-dir")
        .arg(repo)
        .args(["ls-tree", "-r", "--name-only", commit])
        .output()
        .ok()
        .filter(|o| o.status.success())?;
    let poms: Vec<String> = String::from_utf8_lossy(&listed.stdout)
        .lines()
        .filter(|p| *p == "pom.xml" || p.ends_with("/pom.xml"))
        .map(str::to_string)
        .collect();
    let tmp = tempfile::tempdir().ok()?;
    for pom in poms {
        let shown = std::process::Command::new("git")
            .arg("--git-dir")
            .arg(repo)
            .args(["show", &format!("{commit}:{pom}")])
            .output()
            .ok()
            .filter(|o| o.status.success())?;
        let path = tmp.path().join(&pom);
        std::fs::create_dir_all(path.parent()?).ok()?;
        std::fs::write(&path, shown.stdout).ok()?;
    }
    Some(tmp)
}

/// Resolves every build and compares it with Maven's trees; returns the differences per module.
fn compare(sources: &[Source], source: &dyn PomSource) -> (usize, BTreeMap<String, Vec<String>>) {
    let platform = platform();
    let mut differences: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut compared = 0;
    for (source_dir, build) in sources
        .iter()
        .flat_map(|s| s.builds.iter().map(move |b| (s, b)))
    {
        let name = &source_dir.name;
        let manifest = Path::new(build).join("pom.xml");
        let modules = resolve_build(&source_dir.root, &manifest, Some(source), &platform)
            .unwrap_or_else(|e| panic!("{name}/{build}: {e}"));
        let mut trees: BTreeMap<String, BTreeSet<Row>> = BTreeMap::new();
        for entry in support::maven::files(&truth().join(name).join(build)) {
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
    let sources = sources();
    let (compared, differences) = compare(&sources, &repos);
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
    // Every module Maven printed a tree for, of the builds whose sources are here (25 with all).
    let trees: usize = sources
        .iter()
        .flat_map(|s| s.builds.iter().map(move |b| truth().join(&s.name).join(b)))
        .map(|dir| {
            support::maven::files(&dir)
                .iter()
                .filter(|f| f.file_name().is_some_and(|n| n == "maven-tree.txt"))
                .count()
        })
        .sum();
    assert_eq!(compared, trees, "every recorded tree is compared");
    if sources.len() == 6 {
        assert_eq!(compared, 25);
    }

    // A second run with --offline answers from fundament's cache alone.
    let base = format!("{}/", server.base);
    drop(server);
    let offline = Repositories::new(
        Environment {
            configured: vec![Endpoint {
                url: base,
                from: fundament::diagnostic::Text::verbatim("test"),
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
    let (again, differences) = compare(&sources, &offline);
    assert_eq!(again, compared);
    assert!(differences.is_empty(), "offline: {differences:#?}");
    assert_eq!(offline.requests(), 0);
}
