//! Benchmarks of whole audits, run with `cargo bench --bench audit` (see docs/benchmarks.md).
//!
//! A plain harness rather than criterion: each case runs a fixed number of times after a warm-up
//! and prints the minimum and median wall-clock time. On a shared 2-core machine the minimum is
//! the most repeatable number; the ratios printed are computed within one run.

use fundament::audit::{self, AuditOptions, PolicyChoice};
use fundament::licence::DetectMode;
use fundament::licence::obligations::Lang;
use fundament::progress::Progress;
use fundament::report::notices::{self, NoticesFormat};
use fundament::report::{self, Format};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

fn measure(runs: usize, mut f: impl FnMut()) -> (Duration, Duration) {
    f(); // warm-up: file cache, lazily built tables
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

/// Every report of an audit: each format (markdown and html in both languages) and the
/// notices in each of their formats.
fn render_everything(audit: &audit::Audit) -> usize {
    let mut total = 0;
    for (format, langs) in [
        (Format::Human, &[Lang::En][..]),
        (Format::Json, &[Lang::En]),
        (Format::Sarif, &[Lang::En]),
        (Format::Cyclonedx, &[Lang::En]),
        (Format::Spdx, &[Lang::En]),
        (Format::Markdown, &[Lang::En, Lang::De]),
        (Format::Html, &[Lang::En, Lang::De]),
    ] {
        for &lang in langs {
            let options = report::RenderOptions {
                colour: false,
                lang,
                docs_url: None,
            };
            total += report::render(audit, format, &options).len();
        }
    }
    for format in [
        NoticesFormat::Text,
        NoticesFormat::Markdown,
        NoticesFormat::Html,
    ] {
        total += notices::render(audit, format, Lang::En, notices::Selection::default())
            .text
            .len();
    }
    total
}

fn audit_and_render(path: &Path, options: &AuditOptions) -> usize {
    let audit = audit::run(path, options, &Progress::hidden()).expect("the audit runs");
    let options = report::RenderOptions {
        colour: false,
        lang: Lang::En,
        docs_url: None,
    };
    let human = report::render(&audit, Format::Human, &options);
    let json = report::render(&audit, Format::Json, &options);
    human.len() + json.len() + audit.packages.len()
}

fn options(cache: Option<PathBuf>, detect: DetectMode) -> AuditOptions {
    AuditOptions {
        policy: PolicyChoice::Automatic,
        offline: true,
        detect,
        cache_dir: cache,
        ..AuditOptions::default()
    }
}

fn main() {
    let repo = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let shared = repo.join("../shared/fixtures");
    let cache = tempfile::tempdir().expect("a temporary cache");

    println!("case                                          min ms   median ms");

    for (name, dir) in [
        (
            "npm: nextcloud-deck package-lock (2,044 entries)",
            shared.join("nextcloud-deck"),
        ),
        (
            "npm: eappointment zmsadmin package-lock",
            shared.join("eappointment/zmsadmin"),
        ),
    ] {
        if !dir.exists() {
            println!("{name:<46} skipped: {} is absent", dir.display());
            continue;
        }
        let opts = options(Some(cache.path().to_path_buf()), DetectMode::Needed);
        let (min, median) = measure(20, || {
            std::hint::black_box(audit_and_render(&dir, &opts));
        });
        println!("{name:<46} {:>7.1} {:>11.1}", ms(min), ms(median));
    }

    // Every report format of one finished 2,000-package audit, together (target: < 200 ms):
    // the seven `--format`s in English, markdown and html in German too, and the notices.
    let deck = shared.join("nextcloud-deck");
    if deck.exists() {
        let opts = options(Some(cache.path().to_path_buf()), DetectMode::Needed);
        let audit = audit::run(&deck, &opts, &Progress::hidden()).expect("the audit runs");
        let (min, median) = measure(10, || {
            std::hint::black_box(render_everything(&audit));
        });
        println!(
            "{:<46} {:>7.1} {:>11.1}",
            format!(
                "all formats, nextcloud-deck ({} packages)",
                audit.packages.len()
            ),
            ms(min),
            ms(median)
        );
        for format in [
            Format::Human,
            Format::Json,
            Format::Sarif,
            Format::Cyclonedx,
            Format::Spdx,
            Format::Markdown,
            Format::Html,
        ] {
            let options = report::RenderOptions {
                colour: false,
                lang: Lang::En,
                docs_url: None,
            };
            let (min, median) = measure(10, || {
                std::hint::black_box(report::render(&audit, format, &options));
            });
            println!(
                "{:<46} {:>7.1} {:>11.1}",
                format!("  {format:?}"),
                ms(min),
                ms(median)
            );
        }
    }

    // Every shared fixture on its own (every reader on real files), then all of them in one
    // run, readers in parallel. Warm: the licence-text cache is filled by the warm-up run.
    if shared.exists() {
        let mut fixtures: Vec<PathBuf> = std::fs::read_dir(&shared)
            .expect("the shared fixtures are readable")
            .flatten()
            .map(|e| e.path())
            .filter(|p| p.is_dir())
            .collect();
        fixtures.sort();
        let opts = options(Some(cache.path().to_path_buf()), DetectMode::Needed);
        for dir in &fixtures {
            let name = format!(
                "fixture {}",
                dir.file_name().unwrap_or_default().to_string_lossy()
            );
            let (min, median) = measure(10, || {
                std::hint::black_box(audit_and_render(dir, &opts));
            });
            println!("{name:<46} {:>7.1} {:>11.1}", ms(min), ms(median));
        }
        let (min, median) = measure(10, || {
            std::hint::black_box(audit_and_render(&shared, &opts));
        });
        println!(
            "{:<46} {:>7.1} {:>11.1}",
            "all shared fixtures in one audit",
            ms(min),
            ms(median)
        );
    }

    // A Cargo workspace: fundament's own time on top of `cargo metadata`.
    let metadata = || {
        cargo_metadata::MetadataCommand::new()
            .manifest_path(repo.join("Cargo.toml"))
            .current_dir(std::env::temp_dir())
            .features(cargo_metadata::CargoOpt::AllFeatures)
            .other_options(vec!["--locked".to_string(), "--offline".to_string()])
            .exec()
            .expect("cargo metadata runs")
    };
    let (meta_min, meta_median) = measure(10, || {
        std::hint::black_box(metadata());
    });
    println!(
        "{:<46} {:>7.1} {:>11.1}",
        "cargo metadata alone (this repository)",
        ms(meta_min),
        ms(meta_median)
    );
    let opts = options(Some(cache.path().to_path_buf()), DetectMode::Needed);
    let (full_min, full_median) = measure(10, || {
        std::hint::black_box(audit_and_render(&repo, &opts));
    });
    println!(
        "{:<46} {:>7.1} {:>11.1}",
        "fundament audit of this repository",
        ms(full_min),
        ms(full_median)
    );
    let own = full_min.saturating_sub(meta_min);
    println!(
        "fundament's own time on top of cargo metadata: {:.1} ms = {:.0}% of cargo metadata",
        ms(own),
        100.0 * own.as_secs_f64() / meta_min.as_secs_f64()
    );

    // Licence-text detection for every package: cold (store load + analysis) and warm (cache).
    let cold_cache = tempfile::tempdir().expect("a temporary cache");
    let cold = {
        let opts = options(Some(cold_cache.path().to_path_buf()), DetectMode::All);
        let start = Instant::now();
        std::hint::black_box(audit_and_render(&repo, &opts));
        start.elapsed()
    };
    let opts = options(Some(cold_cache.path().to_path_buf()), DetectMode::All);
    let (warm_min, warm_median) = measure(5, || {
        std::hint::black_box(audit_and_render(&repo, &opts));
    });
    println!(
        "{:<46} {:>7.1} {:>11}",
        "--detect all, cold cache (one run)",
        ms(cold),
        "-"
    );
    println!(
        "{:<46} {:>7.1} {:>11.1}",
        "--detect all, warm cache",
        ms(warm_min),
        ms(warm_median)
    );
}
