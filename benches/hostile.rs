//! Hostile input at scale, run with `cargo bench --bench hostile` (docs/benchmarks.md): the
//! inputs the hostile-input review found quadratic (a licence expression of 100,000 terms, a
//! version catalog of 20,000 entries, an index record file of 100,000 lines), and the cost of
//! reading every file of the audited tree through the one way in (`source::confined`) rather
//! than with `std::fs::read`. Each case runs several times; the fastest and the median are
//! printed, in milliseconds.

use fundament::audit::{AuditOptions, run};
use fundament::licence::expression::{Tree, interpret};
use fundament::progress::Progress;
use fundament::source::{Confined, Limit};
use std::time::Instant;

fn measure(name: &str, runs: usize, mut work: impl FnMut()) {
    let mut times: Vec<f64> = (0..runs)
        .map(|_| {
            let start = Instant::now();
            work();
            start.elapsed().as_secs_f64() * 1000.0
        })
        .collect();
    times.sort_by(f64::total_cmp);
    println!(
        "{name:<70} {:>9.2} {:>9.2}",
        times[0],
        times[times.len() / 2]
    );
}

fn chain(n: usize) -> String {
    (0..n)
        .map(|i| ["MIT", "Apache-2.0", "ISC", "BSD-3-Clause"][i % 4])
        .collect::<Vec<_>>()
        .join(" OR ")
}

fn main() {
    println!("{:<70} {:>9} {:>9}", "case", "min ms", "median ms");

    // Licence expressions.
    let at_limit = chain(5_000);
    measure(
        "interpret: 5,000-term OR chain (39 KiB, within the limit)",
        20,
        || {
            assert!(interpret(&at_limit).expression.is_some());
        },
    );
    let huge = chain(100_000);
    measure(
        "interpret: 100,000-term OR chain (783 KiB, refused)",
        20,
        || {
            assert!(interpret(&huge).expression.is_none());
        },
    );
    let parsed = spdx::Expression::parse(&huge).expect("parses");
    measure(
        "Tree::from_expression: 100,000 terms (past the limit)",
        10,
        || {
            Tree::from_expression(&parsed);
        },
    );

    // A Gradle version catalog of 20,000 entries, half of them bad (each error names its line).
    let tmp = tempfile::tempdir().expect("a temporary directory");
    let gradle = tmp.path().join("gradle-project");
    std::fs::create_dir_all(gradle.join("gradle")).expect("folders");
    std::fs::write(gradle.join("settings.gradle"), "rootProject.name = 'x'\n").expect("write");
    std::fs::write(gradle.join("build.gradle"), "dependencies { }\n").expect("write");
    let mut catalog = String::from("[libraries]\n");
    for i in 0..10_000 {
        catalog.push_str(&format!(
            "bad{i} = 42\ngood{i} = \"org.example:a{i}:1.0\"\n"
        ));
    }
    std::fs::write(gradle.join("gradle/libs.versions.toml"), catalog).expect("write");
    let options = AuditOptions {
        registry_lookups: false,
        ..AuditOptions::default()
    };
    measure(
        "audit of a Gradle build with a 20,000-entry catalog (10,000 bad)",
        5,
        || {
            run(&gradle, &options, &Progress::hidden()).expect("the audit runs");
        },
    );

    // An index record file of 100,000 lines: one package, versions repeated on one day.
    let index = tmp.path().join("index");
    std::fs::create_dir_all(index.join("cargo/se/rd")).expect("folders");
    std::fs::write(
        index.join("config.json"),
        r#"{"name": "bench", "schema-version": 1, "maintainers": [{"name": "A", "organisation": "O", "contact": "a@o.example"}]}"#,
    )
    .expect("write");
    let lines: String = (0..100_000)
        .map(|i| {
            format!(
                "{{\"purl\":\"pkg:cargo/serde\",\"version\":\"1.0.{}\",\"decision\":\"approved\",\"licence\":\"MIT\",\"reviewer\":\"A\",\"organisation\":\"O\",\"date\":\"2026-01-01\"}}\n",
                if i % 2 == 0 { i } else { i % 50 }
            )
        })
        .collect();
    std::fs::write(index.join("cargo/se/rd/serde"), lines).expect("write");
    let today = jiff::civil::date(2026, 6, 1);
    measure("index verify: a record file of 100,000 lines", 5, || {
        let report = fundament::index::verify::verify_folder(&index, today);
        assert!(!report.problems.is_empty());
    });

    // The one way into the tree: 2,000 small files read through Confined and with std.
    let tree = tmp.path().join("tree");
    let paths: Vec<_> = (0..2_000)
        .map(|i| {
            let path = tree.join(format!("node_modules/p{i}/package.json"));
            std::fs::create_dir_all(path.parent().expect("a parent")).expect("folders");
            std::fs::write(&path, format!("{{\"name\": \"p{i}\"}}")).expect("write");
            path
        })
        .collect();
    let root = std::fs::canonicalize(&tree).expect("canonical");
    let confined = Confined::audited(&root);
    let canonical: Vec<_> = paths
        .iter()
        .map(|p| root.join(p.strip_prefix(&tree).expect("inside")))
        .collect();
    measure("2,000 package.json read with std::fs::read", 20, || {
        for path in &canonical {
            std::fs::read(path).expect("read");
        }
    });
    measure("2,000 package.json read through Confined", 20, || {
        for path in &canonical {
            confined.read(path, Limit::MANIFEST).expect("read");
        }
    });
    measure(
        "2,000 missing package.json asked through Confined",
        20,
        || {
            for path in &canonical {
                let missing = path.with_file_name("missing.json");
                assert!(confined.read(&missing, Limit::MANIFEST).is_err());
            }
        },
    );
}
