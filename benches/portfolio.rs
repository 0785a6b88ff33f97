//! The portfolio at scale, run with `cargo bench --bench portfolio` (docs/benchmarks.md):
//!
//! - 200 local checkouts made from the fixtures, warm caches: every repository audited, and
//!   the second run where every repository is unchanged;
//! - the merge of those 200 results, and the reports rendered from it;
//! - cold, network-bound work: repositories cloned from a local git server (git's own
//!   `http-backend`) whose lockfiles record no licences, looked up in a local registry that
//!   answers after a fixed latency: one repository after another, against clones and look-ups
//!   overlapping (the default).
//!
//! A plain harness, as benches/audit.rs: wall-clock times printed, ratios within one run.

#[path = "../tests/support/mod.rs"]
mod support;

use fundament::audit::{AuditOptions, PolicyChoice};
use fundament::portfolio::listing::{self, Listing, Repository, SourceKind};
use fundament::portfolio::result::ScanSettings;
use fundament::portfolio::run::{self, ScanOptions};
use fundament::portfolio::shard::{Shard, ShardChoice};
use fundament::portfolio::{html, merge};
use fundament::registry::config::{Homes, RegistrySettings};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};
use support::git_server;
use support::portfolio as portfolio_support;
use support::server::{Reply, TestServer};

const CHECKOUTS: usize = 200;

fn options(cache: &Path, output: &Path) -> ScanOptions {
    ScanOptions {
        audit: AuditOptions {
            policy: PolicyChoice::Automatic,
            cache_dir: Some(cache.to_path_buf()),
            registry_lookups: false,
            homes: Some(Homes {
                home: None,
                config_file: None,
                ask_clients: false,
            }),
            ..AuditOptions::default()
        },
        git: fundament::source::git::GitOptions {
            credential_helper: false,
            ..Default::default()
        },
        output: output.to_path_buf(),
        shard: ShardChoice {
            shard: Shard::ALL,
            origin: "bench".to_string(),
        },
        settings: ScanSettings {
            policy: "automatic".to_string(),
            offline: false,
            registry_lookups: false,
            detect: "needed".to_string(),
        },
        clone_jobs: 4,
        repository_jobs: std::thread::available_parallelism().map_or(2, |n| n.get()),
        reuse: true,
        today: jiff::Zoned::now().date(),
    }
}

fn seconds(d: Duration) -> String {
    format!("{:.2} s", d.as_secs_f64())
}

fn main() {
    let tmp = tempfile::tempdir().expect("a temporary directory");
    warm_checkouts(tmp.path());
    cold_network(tmp.path());
}

fn warm_checkouts(root: &Path) {
    let checkouts = root.join("checkouts");
    let start = Instant::now();
    portfolio_support::make_repositories(&checkouts, CHECKOUTS);
    println!(
        "made {CHECKOUTS} git checkouts from {} fixtures in {}",
        portfolio_support::fixture_sources().len(),
        seconds(start.elapsed())
    );
    let listing = listing::folder(&checkouts).expect("the folder lists");
    let cache = root.join("cache");
    let quiet = |_: &fundament::portfolio::result::RepositoryResult| {};

    // Warm-up: the caches (licence texts, the licence model) and the file cache.
    let mut warm = options(&cache, &root.join("out-warmup"));
    warm.reuse = false;
    let first = Instant::now();
    run::scan(&listing, &warm, &quiet).expect("the scan runs");
    println!(
        "warm-up scan (caches filled)                       {}",
        seconds(first.elapsed())
    );

    let mut audit_all = options(&cache, &root.join("out-all"));
    audit_all.reuse = false;
    let mut times = Vec::new();
    let mut outcome = None;
    for _ in 0..3 {
        let _ = std::fs::remove_dir_all(root.join("out-all"));
        let start = Instant::now();
        outcome = Some(run::scan(&listing, &audit_all, &quiet).expect("the scan runs"));
        times.push(start.elapsed());
    }
    times.sort();
    let outcome = outcome.expect("a scan ran");
    let packages: usize = outcome
        .results
        .iter()
        .filter_map(|r| r.audit.as_ref())
        .map(|a| a.packages)
        .sum();
    println!(
        "{CHECKOUTS} checkouts, warm caches, every one audited    min {}  median {}  ({packages} packages, {} repository jobs)",
        seconds(times[0]),
        seconds(times[1]),
        audit_all.repository_jobs
    );

    // The skip: a second run over unchanged repositories (stored results from the warm-up).
    let reuse = options(&cache, &root.join("out-reuse"));
    let _ = run::scan(&listing, &reuse, &quiet);
    let start = Instant::now();
    let outcome = run::scan(&listing, &reuse, &quiet).expect("the scan runs");
    println!(
        "{CHECKOUTS} checkouts, unchanged (reused: {})             {}",
        outcome.count(fundament::portfolio::result::RunStatus::Reused),
        seconds(start.elapsed())
    );

    // The merge of 200 results, and the reports from it.
    let inputs = [root.join("out-all")];
    let mut times = Vec::new();
    let mut merged = None;
    for _ in 0..5 {
        let start = Instant::now();
        merged = Some(merge::merge(&inputs).expect("the merge runs"));
        times.push(start.elapsed());
    }
    times.sort();
    let merged = merged.expect("merged");
    println!(
        "merge of {CHECKOUTS} results ({} components, {} uses)      min {:.0} ms  median {:.0} ms",
        merged.summary.components,
        merged.summary.usages,
        times[0].as_secs_f64() * 1000.0,
        times[2].as_secs_f64() * 1000.0
    );
    let start = Instant::now();
    let json = serde_json::to_string_pretty(&merged).expect("JSON");
    let json_time = start.elapsed();
    let start = Instant::now();
    let page = html::render(&merged, fundament::licence::obligations::Lang::De);
    println!(
        "portfolio JSON {:.1} MB in {:.0} ms; HTML report {:.1} MB in {:.0} ms",
        json.len() as f64 / 1e6,
        json_time.as_secs_f64() * 1000.0,
        page.len() as f64 / 1e6,
        start.elapsed().as_secs_f64() * 1000.0
    );
}

/// Repositories whose npm lockfiles record no licences, served by git http-backend; the
/// registry answers each packument after `LATENCY`.
fn cold_network(root: &Path) {
    const REPOSITORIES: usize = 24;
    const PACKAGES: usize = 12;
    const LATENCY: Duration = Duration::from_millis(40);
    let registry = TestServer::start();
    let served = root.join("served");
    std::fs::create_dir_all(&served).expect("a folder");
    let mut urls = Vec::new();
    let git = git_server::GitServer::start(&served, git_server::GitServerOptions::default());
    for r in 0..REPOSITORIES {
        let mut dependencies = serde_json::Map::new();
        let mut packages = serde_json::Map::new();
        for i in 0..PACKAGES {
            let name = format!("cold-{r:02}-{i:02}");
            dependencies.insert(name.clone(), serde_json::json!("1.0.0"));
            packages.insert(
                format!("node_modules/{name}"),
                serde_json::json!({
                    "version": "1.0.0",
                    "resolved": format!("{}/{name}/-/{name}-1.0.0.tgz", registry.base),
                }),
            );
            let document = serde_json::json!({
                "name": name,
                "versions": { "1.0.0": { "name": name, "version": "1.0.0", "license": "MIT" } },
            });
            registry.route(
                &format!("/{name}"),
                vec![Reply::ok(document.to_string()).delayed(LATENCY)],
            );
        }
        packages.insert(
            String::new(),
            serde_json::json!({ "name": format!("app-{r}"), "version": "1.0.0", "dependencies": dependencies }),
        );
        let lock = serde_json::json!({ "name": format!("app-{r}"), "version": "1.0.0", "lockfileVersion": 3, "packages": packages }).to_string();
        let manifest = serde_json::json!({ "name": format!("app-{r}"), "version": "1.0.0", "dependencies": dependencies }).to_string();
        let name = format!("app-{r:02}");
        git_server::bare_repository(
            &served,
            &name,
            &[&[("package-lock.json", &lock), ("package.json", &manifest)]],
        );
        urls.push(git.url(&name));
    }
    let listing = Listing {
        repositories: urls
            .iter()
            .map(|u| Repository::git(u, None, SourceKind::List))
            .collect(),
        ..Default::default()
    };

    let fresh = |name: &str, clone_jobs: usize, repository_jobs: usize, lookups: usize| {
        let cache = root.join(format!("cold-cache-{name}"));
        let mut o = options(&cache, &root.join(format!("cold-out-{name}")));
        o.audit.registry_lookups = true;
        o.audit.registries = Some(RegistrySettings {
            parallelism: Some(lookups),
            ..Default::default()
        });
        o.settings.registry_lookups = true;
        o.clone_jobs = clone_jobs;
        o.repository_jobs = repository_jobs;
        o
    };
    let quiet = |_: &fundament::portfolio::result::RepositoryResult| {};
    let requests_before = registry.total();

    // The parts alone: every clone (4 at once, no audits), then every audit of the local
    // clones (registry cold).
    let start = Instant::now();
    let clones: Vec<PathBuf> = std::thread::scope(|scope| {
        let chunks: Vec<Vec<(usize, &String)>> = (0..4)
            .map(|k| {
                urls.iter()
                    .enumerate()
                    .filter(|(i, _)| i % 4 == k)
                    .collect()
            })
            .collect();
        let handles: Vec<_> = chunks
            .into_iter()
            .map(|chunk| {
                scope.spawn(move || {
                    chunk
                        .into_iter()
                        .map(|(i, url)| {
                            let dir = root.join(format!("clones/app-{i:02}"));
                            fundament::source::git::sync(url, &dir, None, &Default::default())
                                .expect("cloned");
                            dir
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().expect("a clone thread"))
            .collect()
    });
    let clone_time = start.elapsed();
    let local = Listing {
        repositories: clones
            .iter()
            .map(|dir| Repository {
                id: dir.display().to_string(),
                name: dir.display().to_string(),
                source: SourceKind::Folder,
                origin: listing::Origin::Local(dir.clone()),
                web_url: None,
            })
            .collect(),
        ..Default::default()
    };
    let parallel = std::thread::available_parallelism().map_or(2, |n| n.get());
    let audits_only = fresh("audits", 4, parallel, 16);
    let start = Instant::now();
    run::scan(&local, &audits_only, &quiet).expect("the scan runs");
    let audit_time = start.elapsed();

    let sequential = fresh("sequential", 1, 1, 1);
    let start = Instant::now();
    let outcome = run::scan(&listing, &sequential, &quiet).expect("the scan runs");
    let sequential_time = start.elapsed();
    let resolved = outcome
        .results
        .iter()
        .filter(|r| r.status == fundament::portfolio::result::RunStatus::Audited)
        .count();

    let overlapping = fresh("overlapping", 4, parallel, 16);
    let start = Instant::now();
    let outcome = run::scan(&listing, &overlapping, &quiet).expect("the scan runs");
    let overlapping_time = start.elapsed();
    let audited = outcome
        .results
        .iter()
        .filter(|r| r.status == fundament::portfolio::result::RunStatus::Audited)
        .count();
    println!(
        "cold: {REPOSITORIES} repositories over HTTP (git http-backend), {PACKAGES} npm licences each from a registry with {} ms latency ({} registry requests in all)",
        LATENCY.as_millis(),
        registry.total() - requests_before
    );
    println!(
        "  clones alone, 4 at once                          {}",
        seconds(clone_time)
    );
    println!(
        "  audits alone (local clones, registry cold)       {}",
        seconds(audit_time)
    );
    println!(
        "  sum of the two                                   {}",
        seconds(clone_time + audit_time)
    );
    println!(
        "  scan, one repository after another (1 clone, 1 audit, 1 look-up at a time): {} ({resolved} audited)",
        seconds(sequential_time)
    );
    println!(
        "  scan, overlapping (4 clones, {parallel} audits, 16 look-ups per audit): {} ({audited} audited), {:.1}x faster than one after another",
        seconds(overlapping_time),
        sequential_time.as_secs_f64() / overlapping_time.as_secs_f64()
    );
}
