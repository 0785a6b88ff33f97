//! Registry look-ups at scale, run with `cargo bench --bench registry` (docs/benchmarks.md):
//! 1,000 npm packages whose lockfile carries no licences, resolved against a local server that
//! answers every request after 20 ms, cold (empty cache) and warm (second run); then 200 npm
//! packages whose registry documents name no licence either, so that their tarballs (100 KB to
//! 5 MB, sizes spread evenly on a log scale, checked against the lockfile's sha512) are read
//! for their LICENSE files, cold and warm.

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
    metadata_case();
    archive_case();
}

fn metadata_case() {
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

const ARCHIVES: usize = 200;

/// A tarball of `size` bytes or a little more: a LICENSE (an MIT text with its own copyright
/// line, so that no two texts are the same) and incompressible filler.
fn tarball(index: usize, size: usize) -> Vec<u8> {
    use std::io::Write as _;
    let licence = format!(
        "MIT License\n\nCopyright (c) 2024 Author {index}\n\nPermission is hereby granted, free of charge, to any person obtaining a copy\nof this software and associated documentation files (the \"Software\"), to deal\nin the Software without restriction, including without limitation the rights\nto use, copy, modify, merge, publish, distribute, sublicense, and/or sell\ncopies of the Software, and to permit persons to whom the Software is\nfurnished to do so, subject to the following conditions:\n\nThe above copyright notice and this permission notice shall be included in all\ncopies or substantial portions of the Software.\n\nTHE SOFTWARE IS PROVIDED \"AS IS\", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR\nIMPLIED, INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY,\nFITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT. IN NO EVENT SHALL THE\nAUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER\nLIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM,\nOUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN THE\nSOFTWARE.\n"
    );
    // xorshift: incompressible and reproducible.
    let mut state = 0x9e37_79b9_7f4a_7c15u64 ^ index as u64;
    let filler: Vec<u8> = (0..size)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state as u8
        })
        .collect();
    let mut builder = tar::Builder::new(Vec::new());
    for (name, bytes) in [
        ("package/package.json", br#"{"name":"x"}"#.as_slice()),
        ("package/LICENSE", licence.as_bytes()),
        ("package/dist/bundle.bin", filler.as_slice()),
    ] {
        let mut header = tar::Header::new_gnu();
        header.set_size(bytes.len() as u64);
        header.set_mode(0o644);
        builder
            .append_data(&mut header, name, bytes)
            .expect("a tar entry");
    }
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(&builder.into_inner().expect("the tar"))
        .expect("gzip");
    gz.finish().expect("gzip")
}

fn archive_case() {
    use base64::Engine as _;
    use sha2::Digest as _;
    let server = TestServer::start();
    let tmp = tempfile::tempdir().expect("a temporary directory");
    let dir = tmp.path().join("app");
    std::fs::create_dir_all(&dir).expect("the project directory");
    let mut dependencies = serde_json::Map::new();
    let mut packages = serde_json::Map::new();
    let mut bytes = 0usize;
    for i in 0..ARCHIVES {
        let name = format!("bench-archive-{i:03}");
        // 100 KB × 50^(i/199): 100 KB to 5 MB.
        let size = (100_000.0 * 50f64.powf(i as f64 / (ARCHIVES - 1) as f64)) as usize;
        let body = tarball(i, size);
        bytes += body.len();
        let integrity = format!(
            "sha512-{}",
            base64::engine::general_purpose::STANDARD.encode(sha2::Sha512::digest(&body))
        );
        let path = format!("/{name}/-/{name}-1.0.0.tgz");
        dependencies.insert(name.clone(), serde_json::json!("1.0.0"));
        packages.insert(
            format!("node_modules/{name}"),
            serde_json::json!({
                "version": "1.0.0",
                "resolved": format!("{}{path}", server.base),
                "integrity": integrity,
            }),
        );
        let document = serde_json::json!({
            "name": name,
            "versions": { "1.0.0": { "name": name, "version": "1.0.0" } },
        });
        server.route(
            &format!("/{name}"),
            vec![Reply::ok(document.to_string()).delayed(LATENCY)],
        );
        server.route(&path, vec![Reply::ok(body).delayed(LATENCY)]);
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
    // The licence model is loaded once per process whatever the case: load it before timing,
    // so that the cold run measures the archives.
    let _ = fundament::licence::detect::detect_text("MIT License");
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
    let (cold, resolved) = run();
    let after_cold = server.total();
    println!(
        "{:<46} {:>8.0} {:>10} {:>9}",
        format!(
            "{ARCHIVES} tarballs ({} MB), cold, {} ms latency",
            bytes / 1_000_000,
            LATENCY.as_millis()
        ),
        cold.as_secs_f64() * 1000.0,
        resolved,
        after_cold
    );
    let mut warm = Vec::new();
    for _ in 0..5 {
        warm.push(run());
    }
    let (fastest, resolved) = warm.iter().min_by_key(|(t, _)| *t).copied().expect("runs");
    println!(
        "{:<46} {:>8.1} {:>10} {:>9}",
        "the same, warm (fastest of 5)",
        fastest.as_secs_f64() * 1000.0,
        resolved,
        server.total() - after_cold
    );
}
