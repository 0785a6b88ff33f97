//! Fuzzing inside the project, on the stable toolchain (cargo-fuzz needs nightly).
//!
//! Real inputs (every file of tests/fixtures a reader reads, ../shared/fixtures when present
//! except the held-out repositories, and the corpus in tests/fixtures/fuzz/<target>/) are
//! mutated: truncated, bit-flipped, spliced with other inputs, given nesting bombs, repeated
//! lines, control characters, huge values, and paths out of the tree. Each mutated input goes to
//! its reader in process: a whole audit of a small tree holding it (every ecosystem reader, the
//! project licence, publiccode.yml, REUSE, the policy from the tree, discovery's ignore files),
//! the SBOM readers (`--sbom`), the tree's `.npmrc`, the licence expression parser, the policy
//! loader, `policy import` (cargo-deny, LicenseFinder), the index's record and configuration
//! parsers and `index verify`; the reports are rendered from every audit. Each input must:
//!
//! - not panic;
//! - finish in bounded time: [`SLOW`] of CPU time at most (a watchdog aborts the process,
//!   naming the saved input, after [`HANG`] on the wall clock, which catches blocking too);
//! - use bounded memory: at most [`MEMORY`] more than before the input, counted by the
//!   allocator of this test binary (which refuses any allocation past [`HARD_LIMIT`]);
//! - give reports that are what they claim: JSON that parses, a human report with no control
//!   character from the data and one verdict line, a converted policy that loads;
//! - read nothing outside the audited tree: a canary licence text lies beside the tree, reached
//!   by mutated paths (relative, absolute, through links in the tree), and neither its text nor
//!   its hash may reach any output;
//! - leave the audited tree as it was.
//!
//! Every run starts with the nesting bombs: every target gets every kind of nesting
//! ([`NESTINGS`], [`BOMB_DEPTH`] deep), closed and not, in its smallest seed. By default (CI)
//! every target then gets [`CI_ROUNDS`] mutated inputs from a fixed seed: the same inputs on
//! every machine. On demand, for longer and with other seeds
//! (docs/benchmarks.md, "Fuzzing"):
//!
//! ```sh
//! FUNDAMENT_FUZZ_SECONDS=3600 FUNDAMENT_FUZZ_SEED=7 cargo test --release --test fuzz -- --nocapture
//! ```
//!
//! (`FUNDAMENT_FUZZ_ITERATIONS=N` runs N inputs instead; `FUNDAMENT_FUZZ_TARGETS=npm-lockfile,policy`
//! runs only these targets, `FUNDAMENT_FUZZ_TARGETS=-licence-file` all but these;
//! `FUNDAMENT_FUZZ_LARGEST=BYTES` leaves out larger seeds, 0 keeps only the corpus;
//! `FUNDAMENT_FUZZ_BOMB_DEPTH=N` makes the bombs N deep.) Every input is written to
//! `target/tmp/fuzz/last-input` before it runs, the slowest input of each target to
//! `target/tmp/fuzz/slowest/<target>`, and an input that fails is kept in
//! `target/tmp/fuzz/failures/` and named in the failure; add it to tests/fixtures/fuzz/<target>/
//! once fixed, so that every later run starts from it. `FUNDAMENT_FUZZ_REPLAY=<saved input>`
//! runs one saved input again, panics shown, with its time and memory.

mod support;

use fundament::audit::{AuditOptions, PolicyChoice};
use fundament::licence::DetectMode;
use fundament::progress::Progress;
use fundament::registry::config::Homes;
use fundament::report::{self, Format, RenderOptions};
use std::alloc::{GlobalAlloc, Layout, System};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// How many inputs each target gets by default (in CI): about half a minute in all.
const CI_ROUNDS: usize = 8;
/// An input that takes more CPU time than this fails (CPU time, not the wall clock: a loaded
/// machine or `nice` does not make an input slow).
const SLOW: Duration = Duration::from_secs(30);
/// An input still running after this long on the wall clock is a hang (blocked, or far past
/// [`SLOW`]): the process is aborted.
const HANG: Duration = Duration::from_secs(600);
/// How much more memory one input may take than before it.
const MEMORY: usize = 1 << 30;
/// No allocation past this much memory in all succeeds.
const HARD_LIMIT: usize = 6 << 30;
/// How deep the nesting bombs every target gets first are (FUNDAMENT_FUZZ_BOMB_DEPTH): deep
/// enough to exhaust the test thread's 2 MiB stack in any parser that recurses per level.
const BOMB_DEPTH: usize = 20_000;
/// The largest seed used (larger inputs make few iterations; the benchmarks cover size).
const LARGEST_SEED: usize = 512 * 1024;

// ---------------------------------------------------------------------------------------------
// Memory: an allocator that counts

struct Counting;

static CURRENT: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if CURRENT.load(Ordering::Relaxed) + layout.size() > HARD_LIMIT {
            return std::ptr::null_mut();
        }
        // SAFETY: forwarded unchanged.
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            let now = CURRENT.fetch_add(layout.size(), Ordering::Relaxed) + layout.size();
            PEAK.fetch_max(now, Ordering::Relaxed);
        }
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: forwarded unchanged.
        unsafe { System.dealloc(ptr, layout) };
        CURRENT.fetch_sub(layout.size(), Ordering::Relaxed);
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        if new_size > layout.size()
            && CURRENT.load(Ordering::Relaxed) + (new_size - layout.size()) > HARD_LIMIT
        {
            return std::ptr::null_mut();
        }
        // SAFETY: forwarded unchanged.
        let p = unsafe { System.realloc(ptr, layout, new_size) };
        if !p.is_null() {
            if new_size >= layout.size() {
                let now = CURRENT.fetch_add(new_size - layout.size(), Ordering::Relaxed) + new_size
                    - layout.size();
                PEAK.fetch_max(now, Ordering::Relaxed);
            } else {
                CURRENT.fetch_sub(layout.size() - new_size, Ordering::Relaxed);
            }
        }
        p
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

// ---------------------------------------------------------------------------------------------
// Randomness: splitmix64, seeded, so that a run can be repeated

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (0 when n is 0).
    fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next() % n as u64) as usize
        }
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

// ---------------------------------------------------------------------------------------------
// Mutations

/// Bytes a terminal, a parser or a line-based reader may choke on.
const NASTY: &[&[u8]] = &[
    b"\0",
    b"\x1b[2J\x1b]0;title\x07",
    b"\r",
    b"\n",
    b"\r\n",
    b"\t",
    b"\x7f",
    "\u{202e}".as_bytes(),
    "\u{feff}".as_bytes(),
    b"\xff\xfe",
    b"\xc3",
    "\u{1F600}".as_bytes(),
    b"\\",
    b"\"",
    b"'",
    b"${HOME}",
    b"../../../../etc/passwd",
    b"/dev/zero",
    b"\nPASS 0 errors\n",
    // Paths that lead out of the audited tree, to the canary beside it (see `run_one`).
    b"../outside/LICENSE",
    b"../../outside/LICENSE",
    b"../../../outside/LICENSE",
    b"node_modules/../../outside/LICENSE",
    b"SEE LICENSE IN ../outside/LICENSE",
    b"file:../outside",
    b"link-out/LICENSE",
    b"secret-link",
    OUTSIDE_ABSOLUTE,
];

/// Replaced in every input by the absolute path of the canary outside the tree.
const OUTSIDE_ABSOLUTE: &[u8] = b"@OUTSIDE@";
/// The canary: a licence text outside the audited tree, beside it. Nothing of it (neither its
/// first line nor its hash) may reach any output, whatever path the input names.
const CANARY: &str = "FUZZ-CANARY-OUTSIDE-THE-TREE 7f3e\n\nMIT License\n\nCopyright (c) 2026 Outside\n\n\
Permission is hereby granted, free of charge, to any person obtaining a copy of this software \
and associated documentation files (the \"Software\"), to deal in the Software without \
restriction, including without limitation the rights to use, copy, modify, merge, publish, \
distribute, sublicense, and/or sell copies of the Software, and to permit persons to whom the \
Software is furnished to do so, subject to the following conditions:\n\nThe above copyright \
notice and this permission notice shall be included in all copies or substantial portions of \
the Software.\n";

/// Values that stress numbers and strings.
fn interesting(rng: &mut Rng) -> Vec<u8> {
    match rng.below(10) {
        0 => b"99999999999999999999999999999999".to_vec(),
        1 => b"-1".to_vec(),
        2 => b"1e999".to_vec(),
        3 => b"null".to_vec(),
        4 => Vec::new(),
        5 => vec![b'A'; 1 + rng.below(200_000)],
        6 => "ä".repeat(1 + rng.below(10_000)).into_bytes(),
        7 => b"MIT OR Apache-2.0 AND (GPL-2.0+ WITH Classpath-exception-2.0)".to_vec(),
        8 => b"0.0.0-alpha+build.1".to_vec(),
        _ => b"*".to_vec(),
    }
}

/// Openings and closings that nest: JSON, YAML, TOML, XML, expressions, Groovy and Kotlin.
const NESTINGS: &[(&[u8], &[u8])] = &[
    (b"[", b"]"),
    (b"{\"a\":", b"}"),
    (b"(", b")"),
    (b"<a>", b"</a>"),
    (b"- ", b""),
    (b"a = [", b"]"),
    (b"{ ", b" }"),
    (b"x { ", b" }"),
    (b"&a [*a, ", b"]"),
];

/// `depth` openings of nesting `kind`, closed when `closed`.
fn nested(kind: usize, depth: usize, closed: bool) -> Vec<u8> {
    let (open, close) = NESTINGS[kind];
    let mut out = open.repeat(depth);
    if closed {
        out.extend(close.repeat(depth));
    }
    out
}

/// A random nesting bomb.
fn nesting(rng: &mut Rng) -> Vec<u8> {
    let depth = 100 + rng.below(50_000);
    let kind = rng.below(NESTINGS.len());
    nested(kind, depth, rng.below(2) == 0)
}

/// `data` with `data[at..end]` replaced by `insert` (copies by slices: fast in debug builds too).
fn replace(data: &[u8], at: usize, end: usize, insert: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(data.len() - (end - at) + insert.len());
    out.extend_from_slice(&data[..at]);
    out.extend_from_slice(insert);
    out.extend_from_slice(&data[end..]);
    out
}

/// The byte ranges of `data`'s lines (without their `\n`).
fn lines(data: &[u8]) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut start = 0;
    for (i, b) in data.iter().enumerate() {
        if *b == b'\n' {
            out.push((start, i));
            start = i + 1;
        }
    }
    out.push((start, data.len()));
    out
}

fn mutate(seed: &[u8], other: &[u8], rng: &mut Rng) -> Vec<u8> {
    let mut data = seed.to_vec();
    for _ in 0..1 + rng.below(4) {
        let len = data.len();
        data = match rng.below(11) {
            0 => {
                data.truncate(rng.below(len + 1));
                data
            }
            1 => {
                for _ in 0..1 + rng.below(8) {
                    if !data.is_empty() {
                        let at = rng.below(data.len());
                        data[at] ^= 1 << rng.below(8);
                    }
                }
                data
            }
            2 => {
                let at = rng.below(len + 1);
                let nasty: &[u8] = NASTY[rng.below(NASTY.len())];
                replace(&data, at, at, nasty)
            }
            3 if !other.is_empty() => {
                let a = rng.below(other.len());
                let b = (a + 1 + rng.below(4096)).min(other.len());
                let at = rng.below(len + 1);
                let end = (at + rng.below(256)).min(len);
                replace(&data, at, end, &other[a..b])
            }
            4 => {
                // A line repeated many times: growth that a quadratic reader cannot take.
                let all = lines(&data);
                let (a, b) = all[rng.below(all.len())];
                let mut line = data[a..b].to_vec();
                line.push(b'\n');
                let repeated = line.repeat(1 + rng.below(5_000));
                let at = rng.below(len + 1);
                replace(&data, at, at, &repeated)
            }
            5 => {
                let at = rng.below(len + 1);
                let bomb = nesting(rng);
                replace(&data, at, at, &bomb)
            }
            6 => {
                let a = rng.below(len + 1);
                let b = (a + rng.below(1024)).min(len);
                replace(&data, a, b, b"")
            }
            7 => {
                let at = rng.below(len + 1);
                let end = (at + rng.below(16)).min(len);
                let value = interesting(rng);
                replace(&data, at, end, &value)
            }
            8 => {
                // Two lines swapped.
                let all = lines(&data);
                let (mut x, mut y) = (all[rng.below(all.len())], all[rng.below(all.len())]);
                if x.0 > y.0 {
                    std::mem::swap(&mut x, &mut y);
                }
                if x.1 <= y.0 {
                    let mut out = Vec::with_capacity(len);
                    out.extend_from_slice(&data[..x.0]);
                    out.extend_from_slice(&data[y.0..y.1]);
                    out.extend_from_slice(&data[x.1..y.0]);
                    out.extend_from_slice(&data[x.0..x.1]);
                    out.extend_from_slice(&data[y.1..]);
                    out
                } else {
                    data
                }
            }
            9 => data.repeat(2),
            _ => {
                // A whole other input, as if a file were replaced by another kind.
                other.to_vec()
            }
        };
        data.truncate(4 << 20);
    }
    data
}

// ---------------------------------------------------------------------------------------------
// Targets

/// How an input reaches fundament.
#[derive(Clone, Copy)]
enum Via {
    /// As the file at this path of an audited tree (beside the target's companions).
    Tree(&'static str),
    /// As an SBOM given with `--sbom`.
    Sbom(&'static str),
    /// As a declared licence expression.
    Expression,
    /// As a policy file.
    Policy,
    /// As an index record file (`cargo/se/rd/serde` of an index folder).
    IndexRecord,
    /// As an index's config.json.
    IndexConfig,
    /// As the audited tree's `.npmrc`, read for the registries to ask.
    RegistryConfig,
    /// As a policy of another tool given to `fundament policy import` (file name).
    PolicyImport(&'static str),
}

struct Target {
    name: &'static str,
    via: Via,
    /// Files put beside the input in the tree.
    companions: &'static [(&'static str, &'static str)],
    /// Which file names of the fixtures seed it.
    seeds: fn(&str) -> bool,
    /// Seeds of its own when no fixture is one.
    extra: &'static [&'static str],
}

const PACKAGE_JSON: (&str, &str) = ("package.json", r#"{"name": "app", "version": "1.0.0"}"#);
const PYPROJECT: (&str, &str) = (
    "pyproject.toml",
    "[project]\nname = \"app\"\nversion = \"1.0\"\n",
);
const GO_MOD: (&str, &str) = ("go.mod", "module example.com/app\n\ngo 1.22\n");
const BUILD_GRADLE: (&str, &str) = ("build.gradle", "plugins { id 'java' }\n");
const CARGO_TOML: (&str, &str) = (
    "Cargo.toml",
    "[package]\nname = \"app\"\nversion = \"0.1.0\"\nedition = \"2021\"\n",
);

fn targets() -> Vec<Target> {
    vec![
        Target {
            name: "npm-lockfile",
            via: Via::Tree("package-lock.json"),
            companions: &[PACKAGE_JSON],
            seeds: |n| n == "package-lock.json" || n == "npm-shrinkwrap.json",
            extra: &[],
        },
        Target {
            name: "package-json",
            via: Via::Tree("package.json"),
            companions: &[],
            seeds: |n| n == "package.json",
            extra: &[],
        },
        Target {
            name: "installed-package-json",
            via: Via::Tree("node_modules/left-pad/package.json"),
            companions: &[
                PACKAGE_JSON,
                (
                    "package-lock.json",
                    r#"{"lockfileVersion": 3, "packages": {"": {"name": "app", "dependencies": {"left-pad": "1"}}, "node_modules/left-pad": {"version": "1.3.0"}}}"#,
                ),
            ],
            seeds: |n| n == "package.json",
            extra: &[],
        },
        Target {
            name: "pnpm-lockfile",
            via: Via::Tree("pnpm-lock.yaml"),
            companions: &[PACKAGE_JSON],
            seeds: |n| n == "pnpm-lock.yaml",
            extra: &[],
        },
        Target {
            name: "pnpm-workspace",
            via: Via::Tree("pnpm-workspace.yaml"),
            companions: &[PACKAGE_JSON, ("pnpm-lock.yaml", "lockfileVersion: '9.0'\n")],
            seeds: |n| n == "pnpm-workspace.yaml",
            extra: &[],
        },
        Target {
            name: "yarn-lockfile",
            via: Via::Tree("yarn.lock"),
            companions: &[PACKAGE_JSON],
            seeds: |n| n == "yarn.lock",
            extra: &[],
        },
        Target {
            name: "composer-json",
            via: Via::Tree("composer.json"),
            companions: &[],
            seeds: |n| n == "composer.json",
            extra: &[],
        },
        Target {
            name: "composer-lock",
            via: Via::Tree("composer.lock"),
            companions: &[("composer.json", "{}")],
            seeds: |n| n == "composer.lock",
            extra: &[],
        },
        Target {
            name: "requirements",
            via: Via::Tree("requirements.txt"),
            companions: &[],
            seeds: |n| n.ends_with(".txt") && n.contains("requirements"),
            extra: &[],
        },
        Target {
            name: "pyproject",
            via: Via::Tree("pyproject.toml"),
            companions: &[],
            seeds: |n| n == "pyproject.toml",
            extra: &[],
        },
        Target {
            name: "uv-lockfile",
            via: Via::Tree("uv.lock"),
            companions: &[PYPROJECT],
            seeds: |n| n == "uv.lock",
            extra: &[],
        },
        Target {
            name: "poetry-lockfile",
            via: Via::Tree("poetry.lock"),
            companions: &[PYPROJECT],
            seeds: |n| n == "poetry.lock",
            extra: &[],
        },
        Target {
            name: "pipfile",
            via: Via::Tree("Pipfile"),
            companions: &[],
            seeds: |n| n == "Pipfile",
            extra: &[],
        },
        Target {
            name: "pipfile-lock",
            via: Via::Tree("Pipfile.lock"),
            companions: &[],
            seeds: |n| n == "Pipfile.lock",
            extra: &[
                r#"{"_meta": {"hash": {"sha256": "x"}, "pipfile-spec": 6, "requires": {}, "sources": [{"name": "pypi", "url": "https://pypi.registry.example/simple", "verify_ssl": true}]}, "default": {"requests": {"hashes": ["sha256:aa"], "index": "pypi", "version": "==2.32.3"}}, "develop": {"pytest": {"version": "==8.0.0"}}}"#,
            ],
        },
        Target {
            name: "go-mod",
            via: Via::Tree("go.mod"),
            companions: &[],
            seeds: |n| n == "go.mod",
            extra: &[],
        },
        Target {
            name: "go-sum",
            via: Via::Tree("go.sum"),
            companions: &[GO_MOD],
            seeds: |n| n == "go.sum",
            extra: &[],
        },
        Target {
            name: "go-vendor-modules",
            via: Via::Tree("vendor/modules.txt"),
            companions: &[GO_MOD],
            seeds: |n| n == "modules.txt",
            extra: &[],
        },
        Target {
            name: "maven-pom",
            via: Via::Tree("pom.xml"),
            companions: &[],
            seeds: |n| n == "pom.xml" || n.ends_with(".pom"),
            extra: &[],
        },
        Target {
            name: "gradle-groovy",
            via: Via::Tree("build.gradle"),
            companions: &[],
            seeds: |n| n == "build.gradle" || n == "build.gradle.kts",
            extra: &[],
        },
        Target {
            name: "gradle-kotlin",
            via: Via::Tree("build.gradle.kts"),
            companions: &[],
            seeds: |n| n == "build.gradle.kts" || n == "build.gradle",
            extra: &[],
        },
        Target {
            name: "gradle-settings",
            via: Via::Tree("settings.gradle.kts"),
            companions: &[BUILD_GRADLE],
            seeds: |n| n.starts_with("settings.gradle"),
            extra: &[],
        },
        Target {
            name: "gradle-lockfile",
            via: Via::Tree("gradle.lockfile"),
            companions: &[BUILD_GRADLE],
            seeds: |n| n.ends_with(".lockfile"),
            extra: &[],
        },
        Target {
            name: "gradle-catalog",
            via: Via::Tree("gradle/libs.versions.toml"),
            companions: &[
                ("settings.gradle", "rootProject.name = 'app'\n"),
                BUILD_GRADLE,
            ],
            seeds: |n| n.ends_with(".versions.toml"),
            extra: &[
                "[versions]\nkotlin = \"1.9.0\"\n\n[libraries]\nstdlib = { module = \"org.jetbrains.kotlin:kotlin-stdlib\", version.ref = \"kotlin\" }\nguava = \"com.google.guava:guava:33.0.0-jre\"\n\n[bundles]\nall = [\"stdlib\", \"guava\"]\n",
            ],
        },
        Target {
            name: "cargo-manifest",
            via: Via::Tree("Cargo.toml"),
            companions: &[(
                "Cargo.lock",
                "version = 4\n\n[[package]]\nname = \"app\"\nversion = \"0.1.0\"\n",
            )],
            seeds: |n| n == "Cargo.toml",
            extra: &[],
        },
        Target {
            name: "cargo-lockfile",
            via: Via::Tree("Cargo.lock"),
            companions: &[CARGO_TOML],
            seeds: |n| n == "Cargo.lock",
            extra: &[],
        },
        Target {
            name: "publiccode",
            via: Via::Tree("publiccode.yml"),
            companions: &[PACKAGE_JSON],
            seeds: |n| n.starts_with("publiccode"),
            extra: &[
                "publiccodeYmlVersion: '0.4'\nname: app\nlegal:\n  license: EUPL-1.2\n  mainCopyrightOwner: City of Example\n",
            ],
        },
        Target {
            name: "reuse-toml",
            via: Via::Tree("REUSE.toml"),
            companions: &[PACKAGE_JSON],
            seeds: |n| n == "REUSE.toml",
            extra: &[
                "version = 1\n\n[[annotations]]\npath = \"**\"\nSPDX-FileCopyrightText = \"2024 City\"\nSPDX-License-Identifier = \"EUPL-1.2\"\n",
            ],
        },
        Target {
            name: "reuse-dep5",
            via: Via::Tree(".reuse/dep5"),
            companions: &[PACKAGE_JSON],
            seeds: |n| n == "dep5",
            extra: &[
                "Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/\nUpstream-Name: app\n\nFiles: *\nCopyright: 2024 City\nLicense: EUPL-1.2\n",
            ],
        },
        Target {
            name: "ignore-file",
            via: Via::Tree(".gitignore"),
            companions: &[PACKAGE_JSON],
            seeds: |n| n == ".gitignore" || n == ".fundamentignore",
            extra: &["target/\n!keep\n**/*.log\n[abc]?x\n\\#literal\n"],
        },
        Target {
            name: "licence-file",
            via: Via::Tree("LICENSE"),
            companions: &[PACKAGE_JSON],
            seeds: |n| {
                let n = n.to_ascii_lowercase();
                n.starts_with("license") || n.starts_with("licence") || n.starts_with("copying")
            },
            extra: &[],
        },
        Target {
            name: "policy-in-tree",
            via: Via::Tree("fundament.toml"),
            companions: &[PACKAGE_JSON],
            seeds: |n| n == "fundament.toml",
            extra: &[],
        },
        Target {
            name: "sbom-json",
            via: Via::Sbom("bom.json"),
            companions: &[],
            seeds: |n| n.ends_with(".json") && (n.contains("cyclonedx") || n.contains("spdx")),
            extra: &[],
        },
        Target {
            name: "sbom-xml",
            via: Via::Sbom("bom.xml"),
            companions: &[],
            seeds: |n| n.ends_with(".xml") && n.contains("cyclonedx"),
            extra: &[],
        },
        Target {
            name: "sbom-tag-value",
            via: Via::Sbom("bom.spdx"),
            companions: &[],
            seeds: |n| n.ends_with(".spdx"),
            extra: &[],
        },
        Target {
            name: "licence-expression",
            via: Via::Expression,
            companions: &[],
            seeds: |n| n == "declared-aliases.tsv",
            extra: &[
                "MIT OR Apache-2.0",
                "(MIT AND BSD-3-Clause) OR (Apache-2.0 WITH LLVM-exception)",
                "GPL-2.0+ WITH Classpath-exception-2.0",
                "SEE LICENSE IN LICENSE.md",
                "Apache 2 / BSD and GPLv2+",
                "https://opensource.org/licenses/MIT",
                "LicenseRef-Proprietary AND EUPL-1.2",
            ],
        },
        Target {
            name: "policy",
            via: Via::Policy,
            companions: &[],
            seeds: |n| n.ends_with(".toml") && !n.starts_with("Cargo") && n != "pyproject.toml",
            extra: &[],
        },
        Target {
            name: "npmrc",
            via: Via::RegistryConfig,
            companions: &[],
            seeds: |n| n == ".npmrc",
            extra: &[
                "registry=https://npm.registry.example/\n@scope:registry=https://scoped.registry.example/\n//npm.registry.example/:_authToken=${NPM_TOKEN}\nalways-auth=true\n",
            ],
        },
        Target {
            name: "cargo-deny-policy",
            via: Via::PolicyImport("deny.toml"),
            companions: &[],
            seeds: |n| n == "deny.toml",
            extra: &[],
        },
        Target {
            name: "license-finder-policy",
            via: Via::PolicyImport("dependency_decisions.yml"),
            companions: &[],
            seeds: |n| n == "dependency_decisions.yml",
            extra: &[],
        },
        Target {
            name: "index-record",
            via: Via::IndexRecord,
            companions: &[],
            seeds: |n| n == "hex" || n == "serde",
            extra: &[
                r#"{"purl":"pkg:cargo/serde","version":"1.0.210","decision":"approved","licence":"MIT OR Apache-2.0","reviewer":"Ann","organisation":"City","date":"2026-01-01","notes":"ok","evidence":{"artefact-sha256":"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa","licence-files":[{"path":"LICENSE-MIT","sha256":"bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"}]}}
{"purl":"pkg:cargo/serde","versions":">=1.0.211, <2","decision":"rejected","licence":"MIT","reviewer":"Bob","organisation":"Town","date":"2026-01-02"}
"#,
            ],
        },
        Target {
            name: "index-config",
            via: Via::IndexConfig,
            companions: &[],
            seeds: |n| n == "config.json",
            extra: &[],
        },
    ]
}

/// The seeds of every target: matching files of tests/fixtures (the fuzz corpus included),
/// policies/, registry-index/, the licence data, and ../shared/fixtures when present.
fn seeds(targets: &[Target], largest: usize) -> Vec<Vec<Vec<u8>>> {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    for dir in [
        manifest.join("tests/fixtures"),
        manifest.join("policies"),
        manifest.join("registry-index"),
        manifest.join("src/licence/data"),
        manifest.join("../shared/fixtures"),
    ] {
        collect(&dir, &mut files);
    }
    // Held-out repositories (the briefing's list) are not used, not even as seeds.
    const HELD_OUT: &[&str] = &["ckan", "mucgpt", "synapse", "ris-backend", "opencloud"];
    files.retain(|path| {
        !path
            .components()
            .any(|c| HELD_OUT.iter().any(|h| c.as_os_str() == *h))
    });
    let corpus = manifest.join("tests/fixtures/fuzz");
    targets
        .iter()
        .map(|target| {
            let mut found: Vec<Vec<u8>> = files
                .iter()
                .filter(|path| {
                    let name = path.file_name().map(|n| n.to_string_lossy().into_owned());
                    name.is_some_and(|n| (target.seeds)(&n)) && !path.starts_with(&corpus)
                })
                .filter_map(|path| std::fs::read(path).ok())
                .filter(|bytes| bytes.len() <= largest)
                .collect();
            // The corpus of this target: reproducers and hand-made hostile inputs.
            let mut own = Vec::new();
            collect(&corpus.join(target.name), &mut own);
            found.extend(own.iter().filter_map(|p| std::fs::read(p).ok()));
            found.extend(target.extra.iter().map(|s| s.as_bytes().to_vec()));
            if matches!(target.via, Via::Expression) {
                // Every alias of the licence data is a seed of its own.
                found = found
                    .iter()
                    .flat_map(|text| {
                        String::from_utf8_lossy(text)
                            .lines()
                            .filter(|l| !l.starts_with('#'))
                            .filter_map(|l| l.split('\t').next())
                            .map(|s| s.as_bytes().to_vec())
                            .collect::<Vec<_>>()
                    })
                    .collect();
            }
            if found.is_empty() {
                found.push(Vec::new());
            }
            found
        })
        .collect()
}

fn collect(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let Ok(kind) = entry.file_type() else {
            continue;
        };
        if kind.is_dir() {
            collect(&entry.path(), out);
        } else if kind.is_file() {
            out.push(entry.path());
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Running one input

fn audit_options(sbom: Option<PathBuf>) -> AuditOptions {
    AuditOptions {
        policy: PolicyChoice::Automatic,
        offline: true,
        detect: DetectMode::Needed,
        cache_dir: None,
        // Never run cargo: the Cargo.lock fallback is the reader fuzzed.
        cargo: Some(PathBuf::from("/nonexistent/cargo-for-the-fuzz-test")),
        today: Some(jiff::civil::date(2026, 6, 1)),
        scan_tree: sbom.is_none(),
        sbom: sbom.into_iter().collect(),
        scopes: Vec::new(),
        registry_lookups: false,
        resolve_unlocked: false,
        registries: None,
        homes: Some(Homes {
            home: None,
            config_file: None,
            ask_clients: false,
        }),
        // The advisory data is not from the audited tree (tests/advisories.rs covers it).
        advisories: fundament::advisory::Settings {
            disabled: true,
            ..Default::default()
        },
    }
}

/// Renders the reports of `audit` (every format when `all`, the human and JSON reports always)
/// and checks what every report must be whatever the input: the machine-readable ones valid
/// JSON, the human one free of control characters with exactly one verdict line, none holding
/// anything of the canary outside the tree.
fn render(audit: &fundament::audit::Audit, all: bool) {
    let options = RenderOptions {
        colour: false,
        lang: fundament::licence::obligations::Lang::En,
        docs_url: None,
    };
    let formats: &[Format] = if all {
        &[
            Format::Human,
            Format::Json,
            Format::Sarif,
            Format::Cyclonedx,
            Format::Spdx,
            Format::Markdown,
            Format::Html,
        ]
    } else {
        &[Format::Human, Format::Json]
    };
    for format in formats {
        let text = report::render(audit, *format, &options);
        no_canary(&format!("{format:?}"), &text);
        if matches!(
            format,
            Format::Json | Format::Sarif | Format::Cyclonedx | Format::Spdx
        ) {
            serde_json::from_str::<serde_json::Value>(&text)
                .unwrap_or_else(|e| panic!("{format:?} is not JSON: {e}"));
        }
        if matches!(format, Format::Human) {
            safe_terminal_text(&text);
        }
    }
    if all {
        let coloured = report::render(
            audit,
            Format::Human,
            &RenderOptions {
                colour: true,
                ..options.clone()
            },
        );
        no_canary("Human (colour)", &coloured);
        for format in [
            report::notices::NoticesFormat::Text,
            report::notices::NoticesFormat::Html,
        ] {
            let notices = report::notices::render(
                audit,
                format,
                fundament::licence::obligations::Lang::De,
                report::notices::Selection { all_scopes: true },
            );
            no_canary("notices", &notices.text);
        }
    }
}

/// The human report: no control character but the line ends, nothing data could use to
/// recolour or rewrite a terminal, and one verdict line (data never starts a line of its own).
fn safe_terminal_text(text: &str) {
    for line in text.split('\n') {
        if let Some(c) = line.chars().find(|c| report::escape::is_unsafe(*c)) {
            panic!("the human report shows {c:?} raw in {line:?}");
        }
    }
    let verdicts = text
        .lines()
        .filter(|l| {
            ["PASS ", "FAIL ", "INCOMPLETE "]
                .iter()
                .any(|v| l.starts_with(v))
        })
        .count();
    assert_eq!(verdicts, 1, "the human report has {verdicts} verdict lines");
}

/// The canary's hash, as reports name licence files by it.
fn canary_sha256() -> &'static str {
    static HASH: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    HASH.get_or_init(|| {
        use sha2::Digest;
        hex::encode(sha2::Sha256::digest(CANARY.as_bytes()))
    })
}

fn no_canary(what: &str, text: &str) {
    assert!(
        !text.contains("FUZZ-CANARY-OUTSIDE") && !text.contains(canary_sha256()),
        "{what} holds the canary outside the tree: a file outside the tree was read"
    );
}

/// A work folder laid out as `tree/` (the audited tree) beside `outside/LICENSE` (the
/// canary), with symbolic links in the tree that lead to it (`link-out/`, `secret-link`), so
/// that mutated paths can name it every way: relative, absolute, through a link.
fn lay_out(work: &Path) -> PathBuf {
    let root = work.join("tree");
    let _ = std::fs::remove_dir_all(&root);
    let outside = work.join("outside");
    if !outside.join("LICENSE").exists() {
        write(&outside.join("LICENSE"), CANARY.as_bytes());
    }
    std::fs::create_dir_all(&root).expect("the tree");
    std::os::unix::fs::symlink(&outside, root.join("link-out")).expect("a link out");
    std::os::unix::fs::symlink(outside.join("LICENSE"), root.join("secret-link"))
        .expect("a link out");
    root
}

/// Whether this file system records reads in access times (checked when the harness starts).
static ACCESS_TIMES: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// When the canary and its folder were last read, as [`mark_unread`] sets it.
const UNREAD: std::time::SystemTime = std::time::UNIX_EPOCH;

/// Sets the access time of the canary and of its folder far before their modification time,
/// so that the kernel (`relatime`, the default, or `strictatime`) records any read of the file
/// or listing of the folder in it. Opening to set the time reads nothing.
fn mark_unread(work: &Path) {
    for path in [work.join("outside"), work.join("outside/LICENSE")] {
        std::fs::File::open(&path)
            .and_then(|f| f.set_times(std::fs::FileTimes::new().set_accessed(UNREAD)))
            .expect("the canary's access time is set");
    }
}

/// Whether the canary or its folder has been read since [`mark_unread`].
fn canary_read(work: &Path) -> Option<PathBuf> {
    [work.join("outside"), work.join("outside/LICENSE")]
        .into_iter()
        .find(|path| {
            std::fs::metadata(path)
                .and_then(|m| m.accessed())
                .is_ok_and(|t| t != UNREAD)
        })
}

/// `input` with every [`OUTSIDE_ABSOLUTE`] replaced by the canary's absolute path.
fn with_outside(input: &[u8], work: &Path) -> Vec<u8> {
    let absolute = work.join("outside/LICENSE");
    let absolute = absolute.to_string_lossy();
    let mut out = Vec::with_capacity(input.len());
    let mut rest = input;
    while let Some(at) = rest
        .windows(OUTSIDE_ABSOLUTE.len())
        .position(|w| w == OUTSIDE_ABSOLUTE)
    {
        out.extend_from_slice(&rest[..at]);
        out.extend_from_slice(absolute.as_bytes());
        rest = &rest[at + OUTSIDE_ABSOLUTE.len()..];
    }
    out.extend_from_slice(rest);
    out
}

/// Every file and link of `root` with its content (a link's target), not following links.
fn snapshot(root: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    fn walk(dir: &Path, out: &mut Vec<(PathBuf, Vec<u8>)>) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            let Ok(kind) = entry.file_type() else {
                continue;
            };
            if kind.is_symlink() {
                let target = std::fs::read_link(&path).unwrap_or_default();
                out.push((path, target.into_os_string().into_encoded_bytes()));
            } else if kind.is_dir() {
                out.push((path.clone(), Vec::new()));
                walk(&path, out);
            } else {
                out.push((path.clone(), std::fs::read(&path).unwrap_or_default()));
            }
        }
    }
    let mut out = Vec::new();
    walk(root, &mut out);
    out.sort();
    out
}

fn run_one(target: &Target, input: &[u8], work: &Path, all_reports: bool) {
    let input = &with_outside(input, work)[..];
    let root = lay_out(work);
    mark_unread(work);
    run_reader(target, input, work, &root, all_reports);
    if ACCESS_TIMES.load(Ordering::Relaxed)
        && let Some(read) = canary_read(work)
    {
        panic!(
            "{} outside the audited tree was read (its access time changed)",
            read.display()
        );
    }
}

fn run_reader(target: &Target, input: &[u8], work: &Path, root: &Path, all_reports: bool) {
    match target.via {
        Via::Tree(path) => {
            for (name, text) in target.companions {
                write(&root.join(name), text.as_bytes());
            }
            write(&root.join(path), input);
            let before = snapshot(root);
            if let Ok(audit) =
                fundament::audit::run(root, &audit_options(None), &Progress::hidden())
            {
                render(&audit, all_reports);
            }
            assert!(
                snapshot(root) == before,
                "the audit changed the audited tree"
            );
        }
        Via::Sbom(name) => {
            let file = root.join(name);
            write(&file, input);
            if let Ok(audit) =
                fundament::audit::run(root, &audit_options(Some(file)), &Progress::hidden())
            {
                render(&audit, all_reports);
            }
        }
        Via::RegistryConfig => {
            write(&root.join("package.json"), PACKAGE_JSON.1.as_bytes());
            write(&root.join(".npmrc"), input);
            let homes = Homes {
                home: None,
                config_file: None,
                ask_clients: false,
            };
            let needed = [fundament::model::Ecosystem::Npm].into_iter().collect();
            let endpoints = fundament::registry::config::endpoints(
                root,
                &Default::default(),
                &Default::default(),
                &homes,
                &needed,
                None,
            );
            no_canary("the endpoints", &format!("{endpoints:?}"));
        }
        Via::PolicyImport(name) => {
            let file = work.join(name);
            write(&file, input);
            if let Ok(imported) = fundament::policy::import::import(&file, name) {
                // The converted policy is a policy fundament reads.
                if let Err(e) = fundament::policy::Policy::from_text(
                    &imported.policy,
                    &work.join("fundament.toml"),
                    "fundament.toml",
                ) {
                    panic!(
                        "the policy imported from {name} does not load: {e}\n{}",
                        imported.policy
                    );
                }
            }
        }
        Via::Expression => {
            let text = String::from_utf8_lossy(input);
            let read = fundament::licence::expression::interpret(&text);
            if let Some(expression) = &read.expression {
                let tree = fundament::licence::expression::Tree::parse(expression)
                    .unwrap_or_else(|e| panic!("{expression:?} was read but does not parse: {e}"));
                let _ = tree.to_string();
                let _ = tree.licences();
            }
            let _ = fundament::licence::expression::Tree::parse(&text);
            let _ = fundament::licence::expression::licence_ids(&text);
        }
        Via::Policy => {
            let text = String::from_utf8_lossy(input);
            let path = work.join("policy.toml");
            if let Ok(policy) = fundament::policy::Policy::from_text(&text, &path, "policy.toml") {
                let _ = fundament::policy::explain::explain(
                    "MIT OR GPL-3.0-only",
                    &policy,
                    Some("EUPL-1.2"),
                    None,
                    fundament::licence::obligations::Lang::En,
                );
            }
        }
        Via::IndexRecord | Via::IndexConfig => {
            let index = work.join("index");
            let _ = std::fs::remove_dir_all(&index);
            let (config, record): (&[u8], &[u8]) = match target.via {
                Via::IndexConfig => (input, b""),
                _ => (
                    br#"{"name": "fuzz", "schema-version": 1, "maintainers": [{"name": "A", "organisation": "O", "contact": "a@o.example"}]}"#,
                    input,
                ),
            };
            write(&index.join("config.json"), config);
            write(&index.join("cargo/se/rd/serde"), record);
            let text = String::from_utf8_lossy(input);
            let (entries, _) = fundament::index::record::parse_lines(&text);
            let _ = fundament::index::record::conflicts(&entries);
            let _ = fundament::index::Config::parse(config);
            let _ = fundament::index::verify::verify_folder(&index, jiff::civil::date(2026, 6, 1));
            let settings = [fundament::index::IndexSettings {
                name: "fuzz".to_string(),
                location: index.to_string_lossy().into_owned(),
                precedence: 1,
                kind: None,
                branch: None,
                ..Default::default()
            }];
            if let Ok(layered) = fundament::index::Layered::open(
                &settings,
                &fundament::index::IndexOptions {
                    builtin: false,
                    ..Default::default()
                },
            ) {
                let _ = layered.lookup("pkg:cargo/serde", "1.0.210");
                let _ = layered.records_of("pkg:cargo/serde");
            }
        }
    }
}

fn write(path: &Path, bytes: &[u8]) {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).expect("a folder for the input");
    }
    std::fs::write(path, bytes).expect("the input is written");
}

// ---------------------------------------------------------------------------------------------
// The harness

/// The CPU time this process has used (all its threads: readers may use several).
fn process_time() -> Duration {
    let mut now = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: a valid clock id and a valid out-pointer.
    unsafe { libc::clock_gettime(libc::CLOCK_PROCESS_CPUTIME_ID, &mut now) };
    Duration::new(now.tv_sec as u64, now.tv_nsec as u32)
}

/// When the input running now started (ms since the harness started), or 0 between inputs.
static STARTED: AtomicU64 = AtomicU64::new(0);

/// Runs one saved input again (`FUNDAMENT_FUZZ_REPLAY=target/tmp/fuzz/failures/…`), with
/// panics shown, and says how long it took and how much memory it used.
fn replay(targets: &[Target], saved: &Path) {
    let bytes = std::fs::read(saved).expect("the saved input");
    let split = bytes
        .windows(2)
        .position(|w| w == b"\n\n")
        .expect("a saved input: a header, an empty line, the input");
    let header = String::from_utf8_lossy(&bytes[..split]);
    let input = &bytes[split + 2..];
    let name = header
        .lines()
        .find_map(|l| l.strip_prefix("target: "))
        .expect("the header names the target");
    let target = targets
        .iter()
        .find(|t| t.name == name)
        .unwrap_or_else(|| panic!("no target {name}"));
    let work = tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).expect("a work folder");
    let baseline = CURRENT.load(Ordering::Relaxed);
    PEAK.store(baseline, Ordering::Relaxed);
    let started = Instant::now();
    run_one(target, input, work.path(), true);
    eprintln!(
        "fuzz: {name}, {} bytes: {:?}, {} MiB",
        input.len(),
        started.elapsed(),
        PEAK.load(Ordering::Relaxed).saturating_sub(baseline) >> 20
    );
}

#[test]
fn fuzz_every_reader() {
    // By default a fixed number of inputs (the same inputs on every machine); with
    // FUNDAMENT_FUZZ_SECONDS, as many as fit in that time.
    let seconds: Option<u64> = std::env::var("FUNDAMENT_FUZZ_SECONDS")
        .ok()
        .and_then(|v| v.parse().ok());
    let iterations: usize = std::env::var("FUNDAMENT_FUZZ_ITERATIONS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(if seconds.is_some() {
            usize::MAX
        } else {
            (CI_ROUNDS + NESTINGS.len() * 2) * targets().len()
        });
    let seed: u64 = std::env::var("FUNDAMENT_FUZZ_SEED")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(0x5EED_F00D);
    // FUNDAMENT_FUZZ_TARGETS=a,b: only these targets (by name); `-a,b`: all but these.
    let mut targets = targets();
    if let Ok(chosen) = std::env::var("FUNDAMENT_FUZZ_TARGETS") {
        let (keep, names) = match chosen.strip_prefix('-') {
            Some(rest) => (false, rest),
            None => (true, chosen.as_str()),
        };
        let names: Vec<&str> = names.split(',').map(str::trim).collect();
        targets.retain(|t| names.contains(&t.name) == keep);
        assert!(
            !targets.is_empty(),
            "FUNDAMENT_FUZZ_TARGETS={chosen} leaves no target"
        );
    }
    let largest = std::env::var("FUNDAMENT_FUZZ_LARGEST")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(LARGEST_SEED);
    if let Ok(saved) = std::env::var("FUNDAMENT_FUZZ_REPLAY") {
        replay(&targets, Path::new(&saved));
        return;
    }
    let collecting = Instant::now();
    let seeds = seeds(&targets, largest);
    eprintln!("fuzz: seeds collected in {:?}", collecting.elapsed());
    let out = Path::new(env!("CARGO_TARGET_TMPDIR")).join("fuzz");
    std::fs::create_dir_all(out.join("failures")).expect("the fuzz folder");
    let last = out.join("last-input");
    // The work folder (the tree and the canary beside it) is outside the project, so that
    // nothing else reading the project's files (a search, a hook) touches the canary.
    let work = tempfile::tempdir().expect("a work folder");
    // Reads outside the tree are seen in the canary's access time where the file system
    // records it (not with `noatime`); its text and hash are looked for in every output anyway.
    lay_out(work.path());
    mark_unread(work.path());
    let _ = std::fs::read(work.path().join("outside/LICENSE"));
    let _ = std::fs::read_dir(work.path().join("outside")).map(|d| d.count());
    let recorded = [
        work.path().join("outside"),
        work.path().join("outside/LICENSE"),
    ]
    .iter()
    .all(|p| {
        std::fs::metadata(p)
            .and_then(|m| m.accessed())
            .is_ok_and(|t| t != UNREAD)
    });
    ACCESS_TIMES.store(recorded, Ordering::Relaxed);
    if !recorded {
        eprintln!(
            "fuzz: this file system does not record reads; reads outside the tree are looked for in the outputs only"
        );
    }
    let epoch = Instant::now();

    // The watchdog: an input that runs past HANG aborts the process, naming the saved input.
    {
        let last = last.clone();
        std::thread::spawn(move || {
            loop {
                std::thread::sleep(Duration::from_secs(1));
                let started = STARTED.load(Ordering::Relaxed);
                let now = epoch.elapsed().as_millis() as u64;
                if started != 0 && now.saturating_sub(started) > HANG.as_millis() as u64 {
                    eprintln!(
                        "fuzz: an input has run for more than {} s: it hangs; it is in {}",
                        HANG.as_secs(),
                        last.display()
                    );
                    std::process::abort();
                }
            }
        });
    }

    let mut rng = Rng(seed);
    let bombs = targets.len() * NESTINGS.len() * 2;
    let bomb_depth: usize = std::env::var("FUNDAMENT_FUZZ_BOMB_DEPTH")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(BOMB_DEPTH);
    let mut failures: Vec<String> = Vec::new();
    let mut runs = vec![0usize; targets.len()];
    let mut spent = vec![Duration::ZERO; targets.len()];
    let mut slowest = (Duration::ZERO, "");
    let mut most_memory = (0usize, "");
    let deadline = epoch + Duration::from_secs(seconds.unwrap_or(u64::MAX / 4));
    let mut slowest_of = vec![Duration::ZERO; targets.len()];
    std::fs::create_dir_all(out.join("slowest")).expect("the fuzz folder");
    let mut iteration = 0usize;
    let mut mutate_time = Duration::ZERO;
    // Quiet panics: they are caught and reported with their input.
    let default_hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    while iteration < iterations && Instant::now() < deadline && failures.len() < 10 {
        let which = iteration % targets.len();
        let target = &targets[which];
        let mutating = Instant::now();
        let input = if iteration < bombs {
            // First, every target gets every nesting bomb, closed and not, in the middle of its
            // smallest seed.
            let round = iteration / targets.len();
            let seed_input = seeds[which]
                .iter()
                .filter(|s| !s.is_empty())
                .min_by_key(|s| s.len())
                .unwrap_or(&seeds[which][0]);
            let at = seed_input.len() / 2;
            let bomb = nested(round / 2, bomb_depth, round.is_multiple_of(2));
            replace(seed_input, at, at, &bomb)
        } else {
            let seed_input = rng.pick(&seeds[which]).clone();
            let other_target = rng.below(targets.len());
            let other = rng.pick(&seeds[other_target]).clone();
            // One input in eight is a seed as it is.
            if rng.below(8) == 0 {
                seed_input
            } else {
                mutate(&seed_input, &other, &mut rng)
            }
        };
        mutate_time += mutating.elapsed();
        let mut saved = format!(
            "target: {}\nseed: {seed}\niteration: {iteration}\n\n",
            target.name
        )
        .into_bytes();
        saved.extend_from_slice(&input);
        std::fs::write(&last, &saved).expect("the input is saved");

        let baseline = CURRENT.load(Ordering::Relaxed);
        PEAK.store(baseline, Ordering::Relaxed);
        let cpu_before = process_time();
        STARTED.store(epoch.elapsed().as_millis().max(1) as u64, Ordering::Relaxed);
        let all_reports = iteration.is_multiple_of(25);
        let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            run_one(target, &input, work.path(), all_reports)
        }));
        STARTED.store(0, Ordering::Relaxed);
        let took = process_time().saturating_sub(cpu_before);
        let memory = PEAK.load(Ordering::Relaxed).saturating_sub(baseline);
        runs[which] += 1;
        spent[which] += took;
        if took > slowest.0 {
            slowest = (took, target.name);
        }
        if took > slowest_of[which] {
            // Kept for a look: the slowest input of each target.
            slowest_of[which] = took;
            let _ = std::fs::write(out.join("slowest").join(target.name), &saved);
        }
        if memory > most_memory.0 {
            most_memory = (memory, target.name);
        }
        let problem = match outcome {
            Err(panic) => Some(format!(
                "panicked: {}",
                panic
                    .downcast_ref::<String>()
                    .cloned()
                    .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
                    .unwrap_or_default()
            )),
            Ok(()) if took > SLOW => Some(format!("took {took:?}, more than {SLOW:?}")),
            Ok(()) if memory > MEMORY => Some(format!(
                "used {} MiB, more than {} MiB",
                memory >> 20,
                MEMORY >> 20
            )),
            Ok(()) => None,
        };
        if let Some(problem) = problem {
            let kept = out
                .join("failures")
                .join(format!("{}-{seed}-{iteration}", target.name));
            std::fs::write(&kept, &saved).expect("the failing input is kept");
            failures.push(format!("{}: {problem} ({})", target.name, kept.display()));
        }
        iteration += 1;
    }
    std::panic::set_hook(default_hook);
    let summary: Vec<String> = targets
        .iter()
        .zip(runs.iter().zip(&spent))
        .zip(&slowest_of)
        .map(|((t, (n, spent)), slowest)| {
            format!(
                "{} {n} ({:.0} ms each, at most {:.0} ms)",
                t.name,
                spent.as_secs_f64() * 1000.0 / (*n).max(1) as f64,
                slowest.as_secs_f64() * 1000.0
            )
        })
        .collect();
    eprintln!("fuzz: mutating took {mutate_time:?}");
    eprintln!(
        "fuzz: seed {seed}, {iteration} inputs in {:.0} s ({}); slowest {:?} ({}), most memory {} MiB ({})",
        epoch.elapsed().as_secs_f64(),
        summary.join(", "),
        slowest.0,
        slowest.1,
        most_memory.0 >> 20,
        most_memory.1
    );
    assert!(
        failures.is_empty(),
        "fuzz failures:\n{}",
        failures.join("\n")
    );
    assert!(
        runs.iter().all(|&n| n > 0),
        "every target ran at least once: {summary:?}"
    );
}

/// The harness's own detectors can fail: a read of the canary through a link in the tree shows
/// in its access time (where the file system records reads), and its hash in an output is seen.
#[test]
fn the_canary_sees_reads_outside_the_tree() {
    let work = tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).unwrap();
    let root = lay_out(work.path());
    mark_unread(work.path());
    assert_eq!(canary_read(work.path()), None);
    let _ = std::fs::read(root.join("link-out/LICENSE")).unwrap();
    let recorded = canary_read(work.path());
    if recorded.is_none() {
        eprintln!("this file system does not record reads: the access-time detector is off");
    } else {
        assert_eq!(recorded, Some(work.path().join("outside/LICENSE")));
    }
    let shown = std::panic::catch_unwind(|| {
        no_canary(
            "a report",
            &format!("licence file sha256 {}", canary_sha256()),
        )
    });
    assert!(shown.is_err(), "the canary's hash in a report is seen");
}
