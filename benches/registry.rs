//! Registry look-ups at scale, run with `cargo bench --bench registry` (docs/benchmarks.md):
//! 1,000 npm packages whose lockfile carries no licences, resolved against a local server that
//! answers every request after 20 ms, cold (empty cache) and warm (second run).

#[path = "../tests/support/server.rs"]
mod server;

use fundament::audit::{self, AuditOptions};
use fundament::progress::Progress;
use fundament::registry::config::Homes;
use server::{Reply, TestServer};
use std::time::{Duration, Instant};

const PACKAGES: usize = 1000;
const LATENCY: Duration = Duration::from_millis(20);

fn main() {
    let server = TestServer::start();
    let tmp = tempfile::tempdir().expect("a temporary directory");
    let dir = tmp.path().join("app");
    std::fs::create_dir_all(&dir).expect("the project directory");

    let mut dependencies = serde_json::Map::new();
    let mut packages = serde_json::Map::new();
    for i in 0..PACKAGES {
        let name = format!("bench-package-{i:04}");
        dependencies.insert(name.clone(), serde_json::json!("1.0.0"));
        packages.insert(
            format!("node_modules/{name}"),
            serde_json::json!({
                "version": "1.0.0",
                "resolved": format!("{}/{name}/-/{name}-1.0.0.tgz", server.base),
            }),
        );
        let document = serde_json::json!({
            "name": name,
            "versions": { "1.0.0": { "name": name, "version": "1.0.0", "license": "MIT" } },
        });
        server.route(
            &format!("/{name}"),
            vec![Reply::ok(document.to_string()).delayed(LATENCY)],
        );
    }
    packages.insert(
        String::new(),
        serde_json::json!({ "name": "bench", "version": "1.0.0", "dependencies": dependencies }),
    );
    let lock = serde_json::json!({ "name": "bench", "version": "1.0.0", "lockfileVersion": 3, "packages": packages });
    std::fs::write(dir.join("package-lock.json"), lock.to_string()).expect("the lockfile");
    std::fs::write(
        dir.join("package.json"),
        serde_json::json!({ "name": "bench", "version": "1.0.0", "dependencies": dependencies })
            .to_string(),
    )
    .expect("package.json");

    let cache = tempfile::tempdir().expect("a temporary cache");
    let options = AuditOptions {
        cache_dir: Some(cache.path().to_path_buf()),
        homes: Some(Homes {
            home: None,
            config_file: None,
            ask_clients: false,
        }),
        ..AuditOptions::default()
    };
    let run = || {
        let start = Instant::now();
        let audit = audit::run(&dir, &options, &Progress::hidden()).expect("the audit runs");
        let elapsed = start.elapsed();
        let resolved = audit
            .packages
            .iter()
            .filter(|p| p.licence.concluded.expression == "MIT")
            .count();
        (elapsed, resolved)
    };

    println!("case                                               ms   resolved  requests");
    let (cold, resolved) = run();
    let after_cold = server.total();
    println!(
        "{:<46} {:>8.0} {:>10} {:>9}",
        format!(
            "{PACKAGES} npm licences, cold, {} ms latency",
            LATENCY.as_millis()
        ),
        cold.as_secs_f64() * 1000.0,
        resolved,
        after_cold
    );
    let (warm, resolved) = run();
    println!(
        "{:<46} {:>8.0} {:>10} {:>9}",
        "the same, warm (second run)",
        warm.as_secs_f64() * 1000.0,
        resolved,
        server.total() - after_cold
    );
}
