//! Index look-ups at scale, run with `cargo bench --bench index` (docs/benchmarks.md): an
//! index of 100,000 generated records (50,000 packages of three ecosystems, two decisions
//! each), 2,000 packages looked up from the folder (target: under 100 ms), and the same
//! look-ups over HTTP from a local server that serves only those files, in parallel.

#[path = "../tests/support/server.rs"]
mod server;

use fundament::index::{
    Decision, IndexOptions, IndexSettings, Layered, PackageId, Record, RecordEvidence,
};
use server::{Reply, TestServer};
use std::path::Path;
use std::time::{Duration, Instant};

const PACKAGES: usize = 50_000;
const RECORDS_PER_PACKAGE: usize = 2;
const LOOKUPS: usize = 2_000;

fn purl_of(i: usize) -> String {
    match i % 3 {
        0 => format!("pkg:cargo/bench-crate-{i}"),
        1 => format!("pkg:npm/%40bench/package-{i}"),
        _ => format!("pkg:pypi/bench-dist-{i}"),
    }
}

fn records_of(i: usize) -> Vec<Record> {
    let purl = purl_of(i);
    (0..RECORDS_PER_PACKAGE)
        .map(|r| Record {
            purl: purl.clone(),
            version: Some(format!("1.{r}.0")),
            versions: None,
            decision: if (i + r).is_multiple_of(7) {
                Decision::Rejected
            } else {
                Decision::Approved
            },
            licence: "MIT OR Apache-2.0".to_string(),
            reviewer: "Bench Reviewer".to_string(),
            organisation: "Bench Organisation".to_string(),
            date: format!("2026-01-{:02}", r + 1),
            review_by: None,
            notes: Some("generated for the benchmark".to_string()),
            evidence: RecordEvidence {
                artefact_sha256: Some(format!("{:064x}", i * 10 + r)),
                artefact_sha512: None,
                licence_files: Vec::new(),
            },
            vex: Vec::new(),
        })
        .collect()
}

fn file_text(i: usize) -> String {
    records_of(i)
        .iter()
        .map(|r| format!("{}\n", r.to_line()))
        .collect()
}

fn generate(root: &Path) {
    std::fs::write(
        root.join("config.json"),
        r#"{"name":"bench","schema-version":1,"maintainers":[{"name":"B","organisation":"B","contact":"b@bench.example"}]}"#,
    )
    .expect("config.json");
    for i in 0..PACKAGES {
        let id = PackageId::from_purl(&purl_of(i)).expect("a valid purl");
        let path = root.join(id.path());
        std::fs::create_dir_all(path.parent().expect("a parent")).expect("the folder");
        std::fs::write(&path, file_text(i)).expect("the file");
    }
}

/// The packages looked up: spread over the whole index, each asked for its second version.
fn queries() -> Vec<(String, String)> {
    (0..LOOKUPS)
        .map(|k| (purl_of(k * (PACKAGES / LOOKUPS) + 1), "1.1.0".to_string()))
        .collect()
}

fn time_lookups(layered: &Layered, queries: &[(String, String)]) -> (Duration, usize) {
    let asked: Vec<(&str, &str)> = queries
        .iter()
        .map(|(p, v)| (p.as_str(), v.as_str()))
        .collect();
    let start = Instant::now();
    let found = layered.lookup_many(&asked);
    let elapsed = start.elapsed();
    let answered = found.iter().filter(|l| l.answer.is_some()).count();
    (elapsed, answered)
}

fn main() {
    let tmp = tempfile::tempdir().expect("a temporary directory");
    let root = tmp.path().join("index");
    std::fs::create_dir_all(&root).expect("the index folder");
    let start = Instant::now();
    generate(&root);
    println!(
        "generated {} records of {PACKAGES} packages in {:.1} s",
        PACKAGES * RECORDS_PER_PACKAGE,
        start.elapsed().as_secs_f64()
    );
    let queries = queries();

    println!("case                                                  ms   answered  requests");
    let folder = [IndexSettings {
        name: "bench".to_string(),
        location: root.to_string_lossy().into_owned(),
        precedence: 1,
        kind: None,
        branch: None,
    }];
    let options = IndexOptions {
        builtin: false,
        ..Default::default()
    };
    let mut times = Vec::new();
    for _ in 0..5 {
        // A fresh Layered each time: nothing is remembered between runs but the OS page cache.
        let layered = Layered::open(&folder, &options).expect("the index opens");
        let (elapsed, answered) = time_lookups(&layered, &queries);
        assert_eq!(answered, LOOKUPS);
        times.push(elapsed);
    }
    times.sort();
    println!(
        "{:<50} {:>6.1} {:>10} {:>9}",
        format!("{LOOKUPS} look-ups, folder, median of 5"),
        times[2].as_secs_f64() * 1000.0,
        LOOKUPS,
        0
    );

    for (latency, parallelism) in [(0u64, 16usize), (20, 16), (20, 64)] {
        let server = TestServer::start();
        server.route(
            "/config.json",
            vec![Reply::ok(
                std::fs::read(root.join("config.json")).expect("config.json"),
            )],
        );
        for k in 0..LOOKUPS {
            let i = k * (PACKAGES / LOOKUPS) + 1;
            let id = PackageId::from_purl(&purl_of(i)).expect("a valid purl");
            server.route(
                &format!("/{}", id.path()),
                vec![Reply::ok(file_text(i)).delayed(Duration::from_millis(latency))],
            );
        }
        let cache = tempfile::tempdir().expect("a cache");
        let layered = Layered::open(
            &[IndexSettings {
                name: "bench-http".to_string(),
                location: server.base.clone(),
                precedence: 1,
                kind: None,
                branch: None,
            }],
            &IndexOptions {
                builtin: false,
                cache_dir: Some(cache.path().to_path_buf()),
                parallelism,
                ..Default::default()
            },
        )
        .expect("the index opens");
        let before = server.total();
        let (elapsed, answered) = time_lookups(&layered, &queries);
        let requests = server.total() - before;
        assert_eq!(answered, LOOKUPS);
        assert_eq!(requests, LOOKUPS, "one request per package, no more");
        println!(
            "{:<50} {:>6.0} {:>10} {:>9}",
            format!("{LOOKUPS} look-ups, HTTP, {latency} ms latency, {parallelism} in flight"),
            elapsed.as_secs_f64() * 1000.0,
            answered,
            requests
        );
    }
}
