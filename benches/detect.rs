//! Licence detection speed, run with `cargo bench --bench detect` (criterion; numbers in
//! docs/benchmarks.md):
//! - loading the index (reading the embedded data, building the automaton and the minimiser
//!   buckets);
//! - typical files: the files of 1–20 KB of the quality set (licence texts, notices, headers,
//!   source files), one thread and all threads (files per second);
//! - a 1 MB file (the quality set's texts one after the other) and 10 MB of one licence text
//!   repeated, the worst cases for the number of matches;
//! - 1 MB files as packages and repositories have them: this repository's own Rust sources one
//!   after the other (source code, licence names in strings and comments, no licence text), and
//!   the nextcloud-deck `package-lock.json` of `../shared/fixtures` (a lockfile: thousands of
//!   licence fields; skipped with a message when `../shared` is absent).

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use fundament::licence::detect;
use rayon::prelude::*;
use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// The entries of `dir`, in path order (the same inputs on every machine).
fn sorted_entries(dir: &Path) -> Vec<PathBuf> {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .collect();
    entries.sort();
    entries
}

fn quality_files() -> Vec<(String, Vec<u8>)> {
    let base = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/licence-detection/cases");
    let mut out = Vec::new();
    for group in ["spdx-texts", "written", "crates", "npm"] {
        for path in sorted_entries(&base.join(group)) {
            let bytes = std::fs::read(&path).unwrap();
            out.push((
                path.file_name().unwrap().to_string_lossy().into_owned(),
                bytes,
            ));
        }
    }
    out
}

/// This repository's Rust sources (`src/`, in path order) one after the other, cut at 1 MB.
fn one_megabyte_of_source() -> Vec<u8> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        for path in sorted_entries(dir) {
            if path.is_dir() {
                walk(&path, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                out.push(path);
            }
        }
    }
    let mut paths = Vec::new();
    walk(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("src"),
        &mut paths,
    );
    let mut source = Vec::new();
    for path in paths {
        if source.len() >= 1024 * 1024 {
            break;
        }
        source.extend_from_slice(&std::fs::read(path).unwrap());
    }
    source.truncate(1024 * 1024);
    source
}

fn bench(c: &mut Criterion) {
    // Load once so that the per-file numbers do not include it.
    detect::index::index().unwrap();

    let mut group = c.benchmark_group("index");
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(10));
    group.bench_function("load", |b| {
        b.iter(|| black_box(detect::index::load().unwrap()))
    });
    group.finish();

    let files: Vec<(String, Vec<u8>)> = quality_files()
        .into_iter()
        .filter(|(_, b)| (1024..=20 * 1024).contains(&b.len()))
        .collect();
    let bytes: usize = files.iter().map(|(_, b)| b.len()).sum();
    eprintln!("typical files: {} files, {} bytes", files.len(), bytes);
    let mut group = c.benchmark_group("typical_files");
    group.throughput(Throughput::Elements(files.len() as u64));
    group.bench_function("one_thread", |b| {
        b.iter(|| {
            for (name, bytes) in &files {
                black_box(detect::detect_bytes(name, bytes));
            }
        })
    });
    group.bench_function("all_threads", |b| {
        b.iter(|| {
            files.par_iter().for_each(|(name, bytes)| {
                black_box(detect::detect_bytes(name, bytes));
            })
        })
    });
    group.finish();

    let mut big = Vec::new();
    for (_, bytes) in quality_files() {
        if big.len() >= 1024 * 1024 {
            break;
        }
        big.extend_from_slice(&bytes);
        big.push(b'\n');
    }
    big.truncate(1024 * 1024);
    let mit = std::fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/licence-detection/cases/spdx-texts/MIT.txt"),
    )
    .unwrap();
    let repeated = mit.repeat(10 * 1024 * 1024 / mit.len() + 1);
    let mut group = c.benchmark_group("large_files");
    group.sample_size(10);
    group.throughput(Throughput::Bytes(big.len() as u64));
    group.bench_function("one_megabyte_of_licence_texts", |b| {
        b.iter(|| black_box(detect::detect_bytes("big.txt", &big)))
    });
    let source = one_megabyte_of_source();
    group.throughput(Throughput::Bytes(source.len() as u64));
    group.bench_function("one_megabyte_of_source", |b| {
        b.iter(|| black_box(detect::detect_bytes("source.rs", &source)))
    });
    let lockfile = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/fixtures/nextcloud-deck/package-lock.json");
    match std::fs::read(&lockfile) {
        Ok(lockfile) => {
            group.throughput(Throughput::Bytes(lockfile.len() as u64));
            group.bench_function("one_megabyte_lockfile", |b| {
                b.iter(|| black_box(detect::detect_bytes("package-lock.json", &lockfile)))
            });
        }
        Err(_) => eprintln!("skipped one_megabyte_lockfile: ../shared/fixtures is absent"),
    }
    group.throughput(Throughput::Bytes(repeated.len() as u64));
    group.bench_function("ten_megabytes_of_mit_repeated", |b| {
        b.iter(|| black_box(detect::detect_bytes("huge.txt", &repeated)))
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
