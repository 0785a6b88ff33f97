//! Maven repositories for tests: a local server with the POMs of a folder or a zip, Maven's
//! recorded trees, and a stand-in Maven installation whose super POM names a local server.
#![allow(dead_code)]

use super::server::{Reply, TestServer};
use std::collections::BTreeSet;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

/// Serves every file below `dir` at its path under `under` (`/maven2` → `/maven2/org/...`).
pub fn serve_dir(server: &TestServer, dir: &Path, under: &str) -> usize {
    let mut count = 0;
    for path in files(dir) {
        let relative = path
            .strip_prefix(dir)
            .unwrap()
            .to_string_lossy()
            .replace('\\', "/");
        server.route(
            &format!("{under}/{relative}"),
            vec![Reply::ok(std::fs::read(&path).unwrap())],
        );
        count += 1;
    }
    count
}

/// Serves every entry of a zip at its path under `under`.
pub fn serve_zip(server: &TestServer, zip: &Path, under: &str) -> usize {
    let file = std::fs::File::open(zip).expect("the zip");
    let mut archive = zip::ZipArchive::new(file).expect("a zip archive");
    for i in 0..archive.len() {
        let mut entry = archive.by_index(i).unwrap();
        let mut body = Vec::new();
        entry.read_to_end(&mut body).unwrap();
        server.route(&format!("{under}/{}", entry.name()), vec![Reply::ok(body)]);
    }
    archive.len()
}

pub fn files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return out;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            out.extend(files(&path));
        } else {
            out.push(path);
        }
    }
    out.sort();
    out
}

/// (group, artifact, type, classifier, version, scope), as Maven's tree prints an artefact.
pub type Row = (String, String, String, String, String, String);

/// A tree Maven's `dependency:tree` wrote: the module's coordinates and every artefact below.
pub fn maven_tree(path: &Path) -> (String, BTreeSet<Row>) {
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

/// fundament's resolution of a module as the rows Maven prints.
pub fn rows(module: &fundament::ecosystem::maven::ModuleDependencies) -> BTreeSet<Row> {
    module
        .dependencies
        .iter()
        .map(|d| {
            (
                d.group.clone(),
                d.artifact.clone(),
                d.kind.clone(),
                d.classifier.clone(),
                d.version.clone(),
                d.scope.clone(),
            )
        })
        .collect()
}

pub fn row_text(row: &Row) -> String {
    let (g, a, t, c, v, s) = row;
    if c.is_empty() {
        format!("{g}:{a}:{t}:{v}:{s}")
    } else {
        format!("{g}:{a}:{t}:{c}:{v}:{s}")
    }
}

/// The differences between Maven's rows and fundament's, in words.
pub fn differences(maven: &BTreeSet<Row>, fundament: &BTreeSet<Row>) -> Vec<String> {
    let mut out: Vec<String> = maven
        .difference(fundament)
        .map(|r| format!("only Maven:     {}", row_text(r)))
        .collect();
    out.extend(
        fundament
            .difference(maven)
            .map(|r| format!("only fundament: {}", row_text(r))),
    );
    out
}

/// A Maven installation (`lib/` with the model builder's jar) whose super POM names `central`.
pub fn maven_home(central: &str) -> tempfile::TempDir {
    let home = tempfile::tempdir().unwrap();
    let lib = home.path().join("lib");
    std::fs::create_dir_all(&lib).unwrap();
    std::fs::create_dir_all(home.path().join("conf")).unwrap();
    let mut zip = zip::ZipWriter::new(
        std::fs::File::create(lib.join("maven-model-builder-3.9.9.jar")).unwrap(),
    );
    zip.start_file::<_, ()>(
        "org/apache/maven/model/pom-4.0.0.xml",
        zip::write::SimpleFileOptions::default(),
    )
    .unwrap();
    write!(
        zip,
        "<project><modelVersion>4.0.0</modelVersion><repositories><repository><id>central</id>\
         <name>Central Repository</name><url>{central}</url><snapshots><enabled>false</enabled>\
         </snapshots></repository></repositories></project>"
    )
    .unwrap();
    zip.finish().unwrap();
    home
}

/// `fundament audit --format json` of a Gradle build online, with an empty HOME, the cache
/// `cache` and the stand-in Maven installation `maven` (whose super POM names the central
/// repository `mavenCentral()` means).
pub fn audit_gradle(project: &Path, maven: &Path, cache: &Path, extra: &[&str]) -> super::JsonRun {
    let home = tempfile::tempdir().unwrap();
    let output = super::online(cache, home.path())
        .env("MAVEN_HOME", maven)
        .env_remove("M2_HOME")
        .env_remove("FUNDAMENT_SYNTH_CI")
        .args(["audit", "--format", "json"])
        .args(extra)
        .arg(project)
        .output()
        .unwrap();
    super::JsonRun::from_output(&output)
}
