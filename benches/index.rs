//! Index look-ups at scale, run with `cargo bench --bench index` (docs/benchmarks.md): an
//! index of 100,000 generated records (50,000 packages of three ecosystems, two decisions
//! each), 2,000 packages looked up from the folder (target: under 100 ms), and the same
//! look-ups over HTTP from a local server that serves only those files, in parallel. Then the
//! same index with every record signed (ed25519, SSHSIG): `index verify` of all 100,000
//! signatures (target: under 5 s) and its static site (target: under 30 s).

#[path = "../tests/support/server.rs"]
mod server;

use fundament::index::signature::{self, SigningKey};
use fundament::index::{
    Decision, IndexOptions, IndexSettings, Layered, PackageId, Record, RecordEvidence, site, verify,
};
use rayon::prelude::*;
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
            no_evidence: None,
            signatures: Vec::new(),
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

/// A fixed ed25519 key (no randomness needed for a benchmark).
fn bench_key() -> SigningKey {
    let keypair = ssh_key::private::Ed25519Keypair::from_seed(&[7u8; 32]);
    let private = ssh_key::PrivateKey::from(keypair);
    SigningKey::Private(Box::new(private))
}

/// The index of [`generate`], every record signed by the one reviewer's key, which
/// config.json lists.
fn generate_signed(root: &Path) {
    let key = bench_key();
    let public = key
        .public_key()
        .to_openssh()
        .expect("the public key in OpenSSH's format");
    std::fs::write(
        root.join("config.json"),
        serde_json::json!({
            "name": "bench-signed", "schema-version": 2,
            "maintainers": [{"name": "B", "organisation": "B", "contact": "b@bench.example"}],
            "organisations": [{"name": "Bench Organisation", "keys": [
                {"owner": "Bench Reviewer", "public-key": public}
            ]}],
        })
        .to_string(),
    )
    .expect("config.json");
    (0..PACKAGES).into_par_iter().for_each(|i| {
        let text: String = records_of(i)
            .into_iter()
            .map(|mut r| {
                let bytes = signature::signed_bytes(&r).expect("signed bytes");
                r.signatures.push(key.sign(&bytes).expect("a signature"));
                format!("{}\n", r.to_line())
            })
            .collect();
        let id = PackageId::from_purl(&purl_of(i)).expect("a valid purl");
        let path = root.join(id.path());
        std::fs::create_dir_all(path.parent().expect("a parent")).expect("the folder");
        std::fs::write(&path, text).expect("the file");
    });
}

/// The CPU time this process used so far (user + system, all threads), from /proc on Linux:
/// on a shared machine the wall-clock time depends on the other load, the CPU time much less.
fn cpu_time() -> Option<Duration> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // Fields after the command name (which is in parentheses and may hold spaces).
    let rest = &stat[stat.rfind(')')? + 2..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks: u64 = fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?;
    // USER_HZ is 100 on Linux.
    Some(Duration::from_millis(ticks * 10))
}

fn median(mut times: Vec<Duration>) -> Duration {
    times.sort();
    times[times.len() / 2]
}

fn signed_benchmarks() {
    let tmp = tempfile::tempdir().expect("a temporary directory");
    let root = tmp.path().join("signed");
    std::fs::create_dir_all(&root).expect("the index folder");
    let start = Instant::now();
    generate_signed(&root);
    println!(
        "\nsigned {} records in {:.1} s (setup)",
        PACKAGES * RECORDS_PER_PACKAGE,
        start.elapsed().as_secs_f64()
    );
    let today = jiff::civil::date(2026, 12, 31);
    let mut times = Vec::new();
    let mut cpu = Vec::new();
    for _ in 0..3 {
        let start = Instant::now();
        let cpu_start = cpu_time();
        let report = verify::verify_folder(&root, today);
        times.push(start.elapsed());
        if let (Some(a), Some(b)) = (cpu_start, cpu_time()) {
            cpu.push(b - a);
        }
        assert!(
            report.ok(),
            "{:?}",
            &report.problems[..report.problems.len().min(3)]
        );
        assert_eq!(report.signed, PACKAGES * RECORDS_PER_PACKAGE);
    }
    let threads = rayon::current_num_threads();
    println!(
        "{:<50} {:>6.2} s (target 5 s); CPU {:.2} s on {threads} threads",
        format!(
            "verify {} signed records, median of 3",
            PACKAGES * RECORDS_PER_PACKAGE
        ),
        median(times).as_secs_f64(),
        median(cpu).as_secs_f64()
    );
    let mut times = Vec::new();
    let mut cpu = Vec::new();
    for run in 0..3 {
        let out = tmp.path().join(format!("site-{run}"));
        let start = Instant::now();
        let cpu_start = cpu_time();
        let rendered =
            site::render(&root, &out, &site::SiteOptions::default()).expect("the site renders");
        times.push(start.elapsed());
        if let (Some(a), Some(b)) = (cpu_start, cpu_time()) {
            cpu.push(b - a);
        }
        assert_eq!(rendered.components, PACKAGES);
        if run == 0 {
            println!(
                "site: {} pages, {} MB",
                rendered.pages,
                folder_size(&out) / 1_000_000
            );
        }
    }
    println!(
        "{:<50} {:>6.2} s (target 30 s); CPU {:.2} s on {threads} threads",
        format!(
            "site of {} signed records, median of 3",
            PACKAGES * RECORDS_PER_PACKAGE
        ),
        median(times).as_secs_f64(),
        median(cpu).as_secs_f64()
    );
}

fn folder_size(dir: &Path) -> u64 {
    let mut total = 0;
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let meta = entry.metadata().expect("metadata");
        total += if meta.is_dir() {
            folder_size(&entry.path())
        } else {
            meta.len()
        };
    }
    total
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
        ..Default::default()
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
                ..Default::default()
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
    signed_benchmarks();
}
