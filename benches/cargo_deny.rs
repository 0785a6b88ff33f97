//! fundament against `cargo deny check licenses` on the same Rust workspace, side by side:
//! `cargo bench --bench cargo_deny` (see docs/benchmarks.md).
//!
//! Both run as whole processes, alternately, on this repository's own workspace, after one
//! warm-up run each: fundament's release binary (`fundament audit <repo> --offline`, human
//! report to /dev/null) with its cache warm (the `cargo metadata` result reused), the same with
//! the `cargo metadata` cache removed before each run, and `cargo deny` with a licence
//! configuration that admits the workspace's licences (so that it does all its work and
//! passes). cargo-deny comes from `$CARGO_DENY`, else `cargo-deny` on PATH; without it the
//! benchmark says so and stops. `FUNDAMENT_BENCH_WORKSPACE` names another workspace.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const RUNS: usize = 15;

const DENY_TOML: &str = r#"
[graph]
all-features = true

[licenses]
allow = [
  "MIT", "Apache-2.0", "Apache-2.0 WITH LLVM-exception", "BSD-2-Clause", "BSD-3-Clause",
  "ISC", "Unicode-3.0", "Zlib", "MPL-2.0", "CDLA-Permissive-2.0", "BSL-1.0", "EUPL-1.2",
  "0BSD", "Unlicense", "CC0-1.0", "OpenSSL", "MIT-0", "BlueOak-1.0.0", "Unicode-DFS-2016",
]
confidence-threshold = 0.9
"#;

fn time(mut command: Command, before: &mut dyn FnMut()) -> Duration {
    before();
    let start = Instant::now();
    let status = command
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .expect("the program runs");
    let elapsed = start.elapsed();
    assert!(
        status.code().is_some_and(|c| c <= 2),
        "{command:?} ended with {status}"
    );
    elapsed
}

fn summary(times: &mut [Duration]) -> (f64, f64) {
    times.sort();
    (
        times[0].as_secs_f64() * 1000.0,
        times[times.len() / 2].as_secs_f64() * 1000.0,
    )
}

fn main() {
    let repo = std::env::var_os("FUNDAMENT_BENCH_WORKSPACE")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")));
    let deny = std::env::var_os("CARGO_DENY")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("cargo-deny"));
    if Command::new(&deny)
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_err()
    {
        println!(
            "cargo-deny was not found ({}): set CARGO_DENY or install it (`cargo install --locked cargo-deny`); nothing measured",
            deny.display()
        );
        return;
    }
    let scratch = tempfile::tempdir().expect("a temporary directory");
    let config = scratch.path().join("deny.toml");
    std::fs::write(&config, DENY_TOML).expect("the cargo-deny configuration is written");
    let cache = scratch.path().join("cache");
    let manifest = repo.join("Cargo.toml");

    let fundament = |cache: &Path| {
        let mut c = Command::new(env!("CARGO_BIN_EXE_fundament"));
        c.arg("audit")
            .arg(&repo)
            .args(["--offline", "--quiet", "--color", "never"])
            .env("FUNDAMENT_CACHE_DIR", cache)
            .env("FUNDAMENT_NO_REGISTRY", "1");
        c
    };
    let cargo_deny = || {
        let mut c = Command::new(&deny);
        c.args(["deny", "--offline", "--manifest-path"])
            .arg(&manifest)
            .arg("--config")
            .arg(&config)
            .args(["check", "licenses"]);
        c
    };
    let metadata_cache = cache.join("cargo-metadata");
    let mut nothing = || {};
    let mut drop_metadata_cache = || {
        let _ = std::fs::remove_dir_all(&metadata_cache);
    };

    // Warm-up: file cache, fundament's licence-text cache, cargo's registry sources.
    time(fundament(&cache), &mut nothing);
    time(cargo_deny(), &mut nothing);

    let (mut warm, mut uncached, mut denied) = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..RUNS {
        warm.push(time(fundament(&cache), &mut nothing));
        denied.push(time(cargo_deny(), &mut nothing));
        uncached.push(time(fundament(&cache), &mut drop_metadata_cache));
        // Leave the cache warm for the next warm run.
        time(fundament(&cache), &mut nothing);
    }
    let (warm_min, warm_median) = summary(&mut warm);
    let (uncached_min, uncached_median) = summary(&mut uncached);
    let (deny_min, deny_median) = summary(&mut denied);
    println!("workspace: {}", repo.display());
    println!("{:<58} {:>10} {:>10}", "case", "min ms", "median ms");
    println!(
        "{:<58} {deny_min:>10.1} {deny_median:>10.1}",
        "cargo deny check licenses"
    );
    println!(
        "{:<58} {warm_min:>10.1} {warm_median:>10.1}",
        "fundament audit, warm (cargo metadata result reused)"
    );
    println!(
        "{:<58} {uncached_min:>10.1} {uncached_median:>10.1}",
        "fundament audit, cargo metadata run (its cache removed)"
    );
    println!(
        "ratio warm / cargo-deny: {:.2} (min), {:.2} (median); target at most 0.25",
        warm_min / deny_min,
        warm_median / deny_median
    );
    println!(
        "ratio uncached / cargo-deny: {:.2} (min), {:.2} (median)",
        uncached_min / deny_min,
        uncached_median / deny_median
    );
}
