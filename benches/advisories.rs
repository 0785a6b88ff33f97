//! The advisory stage's speed, run with `cargo bench --bench advisories` (docs/benchmarks.md):
//!
//! - reading the PyPI, Go and RustSec databases of ../shared/data/osv (about 8,000 records:
//!   YAML, JSON and Markdown with TOML front matter) into a matching index, from the files
//!   (target: under 300 ms) and from the prebuilt cache (target: under 50 ms);
//! - matching a 2,000-package audit against it (target: under 20 ms): the packages of the
//!   shared Rust, Go, Python and npm fixtures; and, as the worst case, 2,000 packages that all
//!   have advisories;
//! - a warm audit of the nextcloud-deck fixture with advisory data (target: under 200 ms).
//!
//! A plain harness, like benches/audit.rs: minimum and median of a fixed number of runs after a
//! warm-up. Skipped (with a message) when ../shared is absent.

use fundament::advisory::db::{Database, ecosystem_of};
use fundament::advisory::matching;
use fundament::advisory::sources::{self, DbEntry, LoadOptions, Location};
use fundament::audit::{self, AuditOptions};
use fundament::model::Ecosystem;
use fundament::progress::Progress;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// `FUNDAMENT_BENCH_RUNS=N` runs each case N times instead of its default (with `N=0`, the
/// warm-up only), and `FUNDAMENT_BENCH_ONLY=<word>` only the cases whose name contains it: for
/// counting a case's instructions with `perf stat` (the difference of two run counts), which
/// does not depend on what else the machine is doing.
fn runs(default: usize) -> usize {
    std::env::var("FUNDAMENT_BENCH_RUNS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(default)
}

fn wanted(case: &str) -> bool {
    std::env::var("FUNDAMENT_BENCH_ONLY").map_or(true, |w| case.contains(&w))
}

fn measure(runs: usize, mut f: impl FnMut()) -> (Duration, Duration) {
    let runs = self::runs(runs);
    f();
    if runs == 0 {
        return (Duration::ZERO, Duration::ZERO);
    }
    let mut times: Vec<Duration> = (0..runs)
        .map(|_| {
            let start = Instant::now();
            f();
            start.elapsed()
        })
        .collect();
    times.sort();
    (times[0], times[runs / 2])
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn row(case: &str, target: &str, (min, median): (Duration, Duration)) {
    println!(
        "{case:<62} {target:>10} {:>9.1} {:>10.1}",
        ms(min),
        ms(median)
    );
}

fn load(data: &Path, cache: Option<&Path>) -> Database {
    let needed: BTreeSet<Ecosystem> = BTreeSet::new();
    let options = LoadOptions {
        offline: true,
        cache_dir: cache,
        http: None,
        needed: &needed,
    };
    Database::build(sources::load(
        &[Location::Folder(data.to_path_buf())],
        &options,
    ))
}

fn main() {
    let repo = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let data = repo.join("../shared/data/osv");
    let deck = repo.join("../shared/fixtures/nextcloud-deck");
    if !data.exists() || !deck.exists() {
        eprintln!("skipped: ../shared/data/osv or ../shared/fixtures is absent");
        return;
    }
    let cache = tempfile::tempdir().expect("a temporary cache");
    println!(
        "{:<62} {:>10} {:>9} {:>10}",
        "case", "target", "min ms", "median ms"
    );

    // Named after the data of 2026: PyPI, Go and RustSec, 8,157 records.
    if wanted("files") {
        row(
            "read ../shared/data/osv from its files (no cache)",
            "< 300 ms",
            measure(5, || {
                std::hint::black_box(load(&data, None));
            }),
        );
    }
    if wanted("cache") {
        load(&data, Some(cache.path()));
        row(
            "read ../shared/data/osv from the prebuilt cache",
            "< 50 ms",
            measure(10, || {
                std::hint::black_box(load(&data, Some(cache.path())));
            }),
        );
    }
    if wanted("match") {
        matching_cases(&repo, &data, &deck, cache.path());
    }
    if wanted("audit") {
        audit_cases(&data, &deck, cache.path());
    }
}

fn matching_cases(repo: &Path, data: &Path, deck: &Path, cache: &Path) {
    let db = load(data, None);
    println!("  ({} records)", db.advisories().len());

    // A 2,000-package audit: the packages of the shared Rust, Go, Python and npm fixtures (as
    // their audits read them), then of nextcloud-deck's npm tree, up to 2,000.
    let shared = repo.join("../shared/fixtures");
    let mut seen = BTreeSet::new();
    let mut real: Vec<(Ecosystem, String, String)> = Vec::new();
    for dir in [
        shared.join("opentalk-roomserver"),
        shared.join("opencloud"),
        shared.join("synapse"),
        shared.join("mucgpt"),
        shared.join("ckan"),
        repo.join("tests/fixtures/advisories/python-old"),
        deck.to_path_buf(),
    ] {
        let options = AuditOptions {
            offline: true,
            cache_dir: Some(cache.to_path_buf()),
            registry_lookups: false,
            advisories: fundament::advisory::Settings {
                disabled: true,
                ..Default::default()
            },
            ..AuditOptions::default()
        };
        let audit = audit::run(&dir, &options, &Progress::hidden()).expect("the audit runs");
        for p in audit.packages.iter().filter(|p| !p.package.root) {
            let key = (
                p.package.ecosystem,
                p.package.name.clone(),
                p.package.version.clone(),
            );
            if real.len() < 2_000 && seen.insert(key.clone()) {
                real.push(key);
            }
        }
    }
    let mut hits = 0;
    row(
        &format!(
            "match a {}-package audit (Rust, Go, Python, npm)",
            real.len()
        ),
        "< 20 ms",
        measure(20, || {
            hits = real
                .iter()
                .map(|(e, n, v)| matching::match_package(&db, *e, n, v).hits.len())
                .sum::<usize>();
        }),
    );
    println!("  ({hits} matches)");

    // The worst case: 2,000 packages that all have advisories, at a version below every fix.
    let mut packages: Vec<(Ecosystem, String, String)> = Vec::new();
    'outer: for a in db.advisories() {
        for affected in &a.affected {
            let Some(e) = ecosystem_of(&affected.ecosystem) else {
                continue;
            };
            let version = match e {
                Ecosystem::Golang => "v0.1.0".to_string(),
                _ => "0.1.0".to_string(),
            };
            packages.push((e, affected.name.clone(), version));
            if packages.len() >= 2_000 {
                break 'outer;
            }
        }
    }
    row(
        &format!(
            "match {} packages that all have advisories (worst case)",
            packages.len()
        ),
        "",
        measure(10, || {
            hits = packages
                .iter()
                .map(|(e, n, v)| matching::match_package(&db, *e, n, v).hits.len())
                .sum::<usize>();
        }),
    );
    println!("  ({hits} matches)");
}

fn audit_cases(data: &Path, deck: &Path, cache: &Path) {
    let options = |advisories: bool| AuditOptions {
        offline: true,
        cache_dir: Some(cache.to_path_buf()),
        registry_lookups: false,
        advisories: fundament::advisory::Settings {
            db: if advisories {
                vec![DbEntry::new(data.to_str().expect("a UTF-8 path"))]
            } else {
                Vec::new()
            },
            disabled: !advisories,
            base_dir: None,
        },
        ..AuditOptions::default()
    };
    let run = |o: &AuditOptions| {
        let audit = audit::run(deck, o, &Progress::hidden()).expect("the audit runs");
        std::hint::black_box(audit.packages.len());
    };
    let with = options(true);
    let without = options(false);
    row(
        "audit nextcloud-deck, warm, without advisories",
        "",
        measure(10, || run(&without)),
    );
    row(
        "audit nextcloud-deck, warm, with ../shared/data/osv",
        "< 200 ms",
        measure(10, || run(&with)),
    );
}
