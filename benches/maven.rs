//! The Maven resolver at scale, run with `cargo bench --bench maven` (docs/benchmarks.md): a
//! build whose graph has 300 artefacts in 15 levels, each artefact with a parent POM that
//! imports a BOM managing every version, served by a local repository that answers every
//! request after 20 ms. Cold: an empty cache; warm: a second resolver over the same cache (no
//! request); then the whole audit of that build, warm.

#[path = "../tests/support/server.rs"]
mod server;

use fundament::audit::{self, AuditOptions};
use fundament::ecosystem::maven::{Platform, resolve_build};
use fundament::progress::Progress;
use fundament::registry::config::{Endpoint, Homes, RegistrySettings};
use fundament::registry::http::HttpOptions;
use fundament::registry::maven::repository::{Environment, Repositories};
use server::{Reply, TestServer};
use std::path::Path;
use std::time::{Duration, Instant};

const LEVELS: usize = 15;
const WIDTH: usize = 20;
const LATENCY: Duration = Duration::from_millis(20);

fn pom(artifact: &str, version: &str, body: &str) -> String {
    format!(
        "<project><modelVersion>4.0.0</modelVersion><parent><groupId>org.bench</groupId>\
         <artifactId>bench-parent</artifactId><version>1</version></parent>\
         <artifactId>{artifact}</artifactId><version>{version}</version>{body}</project>"
    )
}

fn dependency(artifact: &str, version: Option<&str>) -> String {
    let version = version
        .map(|v| format!("<version>{v}</version>"))
        .unwrap_or_default();
    format!(
        "<dependency><groupId>org.bench</groupId><artifactId>{artifact}</artifactId>{version}</dependency>"
    )
}

fn name(level: usize, i: usize) -> String {
    format!("lib-{level:02}-{i:02}")
}

/// The repository: parent, BOM and 300 artefacts; each artefact of a level depends on three
/// of the next (versions from the BOM).
fn serve(server: &TestServer) {
    let route = |path: String, body: String| {
        server.route(&path, vec![Reply::ok(body).delayed(LATENCY)]);
    };
    let mut managed = String::new();
    for level in 0..LEVELS {
        for i in 0..WIDTH {
            managed.push_str(&dependency(&name(level, i), Some("1.0")));
        }
    }
    route(
        "/maven2/org/bench/bench-bom/1/bench-bom-1.pom".into(),
        format!(
            "<project><modelVersion>4.0.0</modelVersion><groupId>org.bench</groupId>\
             <artifactId>bench-bom</artifactId><version>1</version><packaging>pom</packaging>\
             <dependencyManagement><dependencies>{managed}</dependencies></dependencyManagement>\
             </project>"
        ),
    );
    route(
        "/maven2/org/bench/bench-parent/1/bench-parent-1.pom".into(),
        "<project><modelVersion>4.0.0</modelVersion><groupId>org.bench</groupId>\
         <artifactId>bench-parent</artifactId><version>1</version><packaging>pom</packaging>\
         <licenses><license><name>Apache-2.0</name></license></licenses>\
         <dependencyManagement><dependencies><dependency><groupId>org.bench</groupId>\
         <artifactId>bench-bom</artifactId><version>1</version><type>pom</type>\
         <scope>import</scope></dependency></dependencies></dependencyManagement></project>"
            .into(),
    );
    for level in 0..LEVELS {
        for i in 0..WIDTH {
            let artifact = name(level, i);
            let deps: String = if level + 1 < LEVELS {
                [1, 5, 11]
                    .iter()
                    .map(|k| dependency(&name(level + 1, (i + k) % WIDTH), None))
                    .collect()
            } else {
                String::new()
            };
            route(
                format!("/maven2/org/bench/{artifact}/1.0/{artifact}-1.0.pom"),
                pom(
                    &artifact,
                    "1.0",
                    &format!("<dependencies>{deps}</dependencies>"),
                ),
            );
        }
    }
}

fn project(dir: &Path) {
    let deps: String = (0..WIDTH)
        .map(|i| dependency(&name(0, i), Some("1.0")))
        .collect();
    std::fs::write(
        dir.join("pom.xml"),
        format!(
            "<project><modelVersion>4.0.0</modelVersion><groupId>org.bench</groupId>\
             <artifactId>app</artifactId><version>1</version>\
             <dependencies>{deps}</dependencies></project>"
        ),
    )
    .expect("the POM");
}

fn main() {
    let server = TestServer::start();
    serve(&server);
    let tmp = tempfile::tempdir().expect("a temporary directory");
    let dir = tmp.path().join("app");
    std::fs::create_dir_all(&dir).expect("the project directory");
    project(&dir);
    let cache = tempfile::tempdir().expect("a temporary cache");
    let repository = format!("{}/maven2", server.base);
    let platform = Platform::new(None, "Linux".into(), "amd64".into(), String::new());
    let resolve = || {
        let repos = Repositories::new(
            Environment {
                configured: vec![Endpoint {
                    url: repository.clone(),
                    from: fundament::diagnostic::Text::verbatim("bench"),
                    from_tree: false,
                }],
                ..Environment::default()
            },
            &HttpOptions {
                cache_dir: Some(cache.path().to_path_buf()),
                ..HttpOptions::default()
            },
        )
        .expect("a client");
        let start = Instant::now();
        let modules = resolve_build(&dir, Path::new("pom.xml"), Some(&repos), &platform)
            .expect("the build resolves");
        (
            start.elapsed(),
            modules[0].dependencies.len(),
            repos.requests(),
        )
    };

    println!("case                                          ms   artefacts  requests");
    let (cold, count, requests) = resolve();
    assert_eq!(count, LEVELS * WIDTH, "every artefact is resolved");
    println!(
        "resolve, cold (20 ms per request)      {:>9.1}   {count:>9}  {requests:>8}",
        cold.as_secs_f64() * 1000.0
    );
    let mut warm = Vec::new();
    for _ in 0..5 {
        let (elapsed, count, requests) = resolve();
        assert_eq!(count, LEVELS * WIDTH);
        assert_eq!(requests, 0, "a warm run asks nothing");
        warm.push(elapsed);
    }
    warm.sort();
    println!(
        "resolve, warm (median of 5)            {:>9.1}   {count:>9}  {:>8}",
        warm[2].as_secs_f64() * 1000.0,
        0
    );

    let options = AuditOptions {
        cache_dir: Some(cache.path().to_path_buf()),
        registries: Some(RegistrySettings {
            maven: vec![repository.clone()],
            ..RegistrySettings::default()
        }),
        homes: Some(Homes {
            home: None,
            config_file: None,
            ask_clients: false,
        }),
        ..AuditOptions::default()
    };
    let start = Instant::now();
    let audit = audit::run(&dir, &options, &Progress::hidden()).expect("the audit runs");
    println!(
        "whole audit, warm                      {:>9.1}   {:>9}",
        start.elapsed().as_secs_f64() * 1000.0,
        audit.packages.len() - 1
    );
}
