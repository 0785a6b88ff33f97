//! Hostile repositories: trees built to attack whoever audits them (issue 10).
//!
//! Every class of attack the hostile-input review found has a test here: FIFOs and device
//! files where fundament expects a file (a hang), sparse files of gigabytes (an unbounded
//! read), symbolic links and lockfile keys that lead out of the tree (a read outside, with the
//! content echoed into reports), control characters and newlines in names, versions, licences
//! and notes (terminal injection, a forged `PASS` line), unreadable parts of the tree (a pass
//! for what was not checked), and input problems hidden by machine-readable formats.
//!
//! Every run is guarded: a watchdog kills fundament after [`WATCHDOG`] and fails the test
//! (a hang must fail, never block CI), and an address-space limit ([`MEMORY`]) makes an
//! unbounded read fail instead of exhausting the machine. `FUNDAMENT_TEST_BINARY=<path>` runs
//! the tests against another build of fundament, which is how they were shown to fail on the
//! build before this work.
#![cfg(unix)]

mod support;

use std::io::Read as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// How long one run of fundament may take (a debug build audits these small trees in a
/// second or two).
const WATCHDOG: Duration = Duration::from_secs(60);
/// The address space one run may use.
const MEMORY: u64 = 6 << 30;

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

impl Run {
    fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}\nstderr: {}", self.stdout, self.stderr))
    }

    fn all(&self) -> String {
        format!("{}{}", self.stdout, self.stderr)
    }
}

fn binary() -> PathBuf {
    std::env::var_os("FUNDAMENT_TEST_BINARY")
        .map(PathBuf::from)
        .unwrap_or_else(|| assert_cmd::cargo::cargo_bin("fundament"))
}

/// Runs fundament with `args` in `cwd` under the watchdog and the memory limit.
fn run_in(cwd: &Path, args: &[&str]) -> Run {
    run_with(cwd, args, &[])
}

/// [`run_in`] with more environment variables.
fn run_with(cwd: &Path, args: &[&str], env: &[(&str, &std::ffi::OsStr)]) -> Run {
    let cache = tempfile::tempdir().unwrap();
    let home = tempfile::tempdir().unwrap();
    let mut command = Command::new(binary());
    command
        .args(args)
        .current_dir(cwd)
        .env("NO_COLOR", "1")
        .env("FUNDAMENT_CACHE_DIR", cache.path())
        .env("SOURCE_DATE_EPOCH", "1767225600")
        .env("FUNDAMENT_NO_REGISTRY", "1")
        .env("HOME", home.path())
        .env("FUNDAMENT_CONFIG", home.path().join("config.toml"))
        .env_remove("CLICOLOR_FORCE")
        .envs(env.iter().copied())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    // SAFETY: setrlimit is async-signal-safe; the closure allocates nothing.
    unsafe {
        use std::os::unix::process::CommandExt as _;
        command.pre_exec(|| {
            let limit = libc::rlimit {
                rlim_cur: MEMORY,
                rlim_max: MEMORY,
            };
            libc::setrlimit(libc::RLIMIT_AS, &limit);
            Ok(())
        });
    }
    let mut child = command.spawn().expect("fundament starts");
    let mut stdout = child.stdout.take().unwrap();
    let mut stderr = child.stderr.take().unwrap();
    let out = std::thread::spawn(move || {
        let mut buffer = Vec::new();
        let _ = stdout.read_to_end(&mut buffer);
        buffer
    });
    let err = std::thread::spawn(move || {
        let mut buffer = Vec::new();
        let _ = stderr.read_to_end(&mut buffer);
        buffer
    });
    let deadline = Instant::now() + WATCHDOG;
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!(
                "fundament {args:?} did not finish within {} s: it hangs",
                WATCHDOG.as_secs()
            );
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let stdout = String::from_utf8_lossy(&out.join().unwrap()).into_owned();
    let stderr = String::from_utf8_lossy(&err.join().unwrap()).into_owned();
    Run {
        code: status.code().unwrap_or(-1),
        stdout,
        stderr,
    }
}

fn run(args: &[&str]) -> Run {
    run_in(Path::new(env!("CARGO_MANIFEST_DIR")), args)
}

fn audit(dir: &Path, extra: &[&str]) -> Run {
    let mut args = vec!["audit", dir.to_str().unwrap()];
    args.extend_from_slice(extra);
    run(&args)
}

fn write(path: &Path, text: &str) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

fn mkfifo(path: &Path) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    let name = std::ffi::CString::new(path.as_os_str().as_encoded_bytes()).unwrap();
    // SAFETY: a valid, NUL-terminated path.
    assert_eq!(unsafe { libc::mkfifo(name.as_ptr(), 0o644) }, 0, "mkfifo");
}

fn symlink(target: impl AsRef<Path>, link: &Path) {
    std::fs::create_dir_all(link.parent().unwrap()).unwrap();
    std::os::unix::fs::symlink(target, link).unwrap();
}

/// A tree (canonical path) with an npm project that passes the default policy: `app` with
/// `left-pad` 1.3.0 (MIT), and whatever `extra` entries its lockfile gets.
fn npm_tree(extra: serde_json::Value) -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let root = std::fs::canonicalize(tmp.path()).unwrap().join("tree");
    let mut packages = serde_json::json!({
        "": {"name": "app", "version": "1.0.0", "license": "MIT",
             "dependencies": {"left-pad": "1.3.0"}},
        "node_modules/left-pad": {"version": "1.3.0", "license": "MIT"}
    });
    for (key, value) in extra.as_object().unwrap() {
        packages[key] = value.clone();
    }
    let lock = serde_json::json!({
        "name": "app", "version": "1.0.0", "lockfileVersion": 3, "packages": packages
    });
    write(
        &root.join("package.json"),
        r#"{"name": "app", "version": "1.0.0", "license": "MIT", "dependencies": {"left-pad": "1.3.0"}}"#,
    );
    write(
        &root.join("package-lock.json"),
        &serde_json::to_string_pretty(&lock).unwrap(),
    );
    (tmp, root)
}

fn messages(json: &serde_json::Value) -> Vec<String> {
    json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            format!(
                "{} {}",
                f["code"].as_str().unwrap(),
                f["message"].as_str().unwrap()
            )
        })
        .collect()
}

fn has_message(json: &serde_json::Value, code: &str, text: &str) -> bool {
    messages(json)
        .iter()
        .any(|m| m.starts_with(code) && m.contains(text))
}

#[test]
fn the_control_tree_passes() {
    // Every hostile tree below is this one plus the attack: what changes is the attack's doing.
    let (_tmp, root) = npm_tree(serde_json::json!({}));
    let run = audit(&root, &["--format", "json"]);
    assert_eq!(run.code, 0, "{}", run.all());
}

// ---------------------------------------------------------------------------------------------
// Hangs: FIFOs, devices, sparse files

#[test]
fn root_statements_that_are_fifos_do_not_hang() {
    for name in ["publiccode.yml", "REUSE.toml", ".reuse/dep5"] {
        let (_tmp, root) = npm_tree(serde_json::json!({}));
        mkfifo(&root.join(name));
        let run = audit(&root, &["--format", "json"]);
        let json = run.json();
        assert!(
            has_message(
                &json,
                "I001",
                &format!("{name} is a FIFO, not a regular file; not read")
            ),
            "{name}: {:#?}",
            messages(&json)
        );
        assert_eq!(
            run.code, 2,
            "{name}: an unread statement makes the audit incomplete"
        );
    }
}

#[test]
fn a_fifo_policy_file_does_not_hang() {
    let (_tmp, root) = npm_tree(serde_json::json!({}));
    mkfifo(&root.join("fundament.toml"));
    let run = audit(&root, &[]);
    assert_eq!(run.code, 2, "{}", run.all());
    assert!(
        run.stderr
            .contains("fundament.toml: the policy is a FIFO, not a regular file; not read"),
        "{}",
        run.stderr
    );
}

#[test]
fn fifos_behind_lockfile_names_and_includes_do_not_hang() {
    // A symbolic link to a FIFO inside the tree, under a lockfile's name.
    let (_tmp, root) = npm_tree(serde_json::json!({}));
    std::fs::rename(root.join("package-lock.json"), root.join("lock.json")).unwrap();
    mkfifo(&root.join("fifo"));
    symlink("fifo", &root.join("package-lock.json"));
    let json = audit(&root, &["--format", "json"]).json();
    assert!(
        has_message(
            &json,
            "I001",
            "package-lock.json is a FIFO, not a regular file; not read"
        ),
        "{:#?}",
        messages(&json)
    );

    // A requirements include.
    let tmp = tempfile::tempdir().unwrap();
    let root = std::fs::canonicalize(tmp.path()).unwrap();
    write(
        &root.join("requirements.txt"),
        "requests==2.32.3\n-r more.txt\n",
    );
    mkfifo(&root.join("more.txt"));
    let run = audit(&root, &["--format", "json"]);
    let json = run.json();
    assert!(
        has_message(
            &json,
            "I001",
            "more.txt is a FIFO, not a regular file; not read"
        ),
        "{:#?}",
        messages(&json)
    );
    assert_eq!(run.code, 2);

    // The ignore files the walk reads.
    let (_tmp, root) = npm_tree(serde_json::json!({}));
    mkfifo(&root.join(".gitignore"));
    symlink("/dev/zero", &root.join(".ignore"));
    let run = audit(&root, &["--format", "json"]);
    let json = run.json();
    assert!(
        has_message(&json, "I001", ".gitignore is a FIFO"),
        "{:#?}",
        messages(&json)
    );
    assert!(
        has_message(&json, "I004", ".ignore is a symbolic link"),
        "{:#?}",
        messages(&json)
    );
    // Not reading an ignore file audits more, not less: a warning, and the audit passes.
    assert_eq!(run.code, 0, "{}", run.all());
}

#[test]
fn a_fifo_or_folder_named_like_a_lockfile_is_named_truthfully() {
    let (_tmp, root) = npm_tree(serde_json::json!({}));
    std::fs::remove_file(root.join("package-lock.json")).unwrap();
    std::fs::create_dir(root.join("pnpm-lock.yaml")).unwrap();
    let run = audit(&root, &["--format", "json"]);
    let json = run.json();
    assert!(
        has_message(
            &json,
            "I001",
            "pnpm-lock.yaml is a directory, not a regular file; not read"
        ),
        "{:#?}",
        messages(&json)
    );
    assert!(
        !messages(&json).iter().any(|m| m.contains("has no")),
        "{:#?}",
        messages(&json)
    );
    assert_eq!(run.code, 2);

    // A FIFO go.mod: the module is reported as not read, never silently dropped.
    let tmp = tempfile::tempdir().unwrap();
    let root = std::fs::canonicalize(tmp.path()).unwrap();
    mkfifo(&root.join("go.mod"));
    let run = audit(&root, &["--format", "json"]);
    let json = run.json();
    assert!(
        has_message(
            &json,
            "I001",
            "go.mod is a FIFO, not a regular file; not read"
        ),
        "{:#?}",
        messages(&json)
    );
    let projects = json["projects"].as_array().unwrap();
    assert_eq!(projects.len(), 1, "{projects:#?}");
    assert_eq!(projects[0]["kind"], "go");
    assert_eq!(projects[0]["status"], "failed", "{projects:#?}");
    assert_eq!(run.code, 2);
}

#[test]
fn index_files_that_are_fifos_do_not_hang() {
    let tmp = tempfile::tempdir().unwrap();
    let index = std::fs::canonicalize(tmp.path()).unwrap().join("index");
    mkfifo(&index.join("config.json"));
    let first = run(&["index", "verify", index.to_str().unwrap()]);
    assert_eq!(first.code, 2, "{}", first.all());
    assert!(first.stdout.contains("is a FIFO"), "{}", first.all());

    std::fs::remove_file(index.join("config.json")).unwrap();
    write(
        &index.join("config.json"),
        r#"{"name": "city", "schema-version": 1, "maintainers": [{"name": "Ann", "organisation": "City", "contact": "ann@city.example"}]}"#,
    );
    mkfifo(&index.join("cargo/se/rd/serde"));
    let verify = run(&["index", "verify", index.to_str().unwrap()]);
    assert_eq!(verify.code, 2, "{}", verify.all());
    assert!(
        verify
            .stdout
            .contains("cargo/se/rd/serde: is a FIFO, not a regular file; not read"),
        "{}",
        verify.all()
    );
    let show = run(&[
        "index",
        "show",
        "pkg:cargo/serde",
        "--index",
        index.to_str().unwrap(),
        "--no-builtin",
    ]);
    assert!(show.all().contains("is a FIFO"), "{}", show.all());
}

#[test]
fn links_to_dev_zero_are_refused() {
    for name in ["publiccode.yml", "REUSE.toml"] {
        let (_tmp, root) = npm_tree(serde_json::json!({}));
        symlink("/dev/zero", &root.join(name));
        let run = audit(&root, &["--format", "json"]);
        let json = run.json();
        assert!(
            has_message(
                &json,
                "I004",
                &format!(
                    "{name} is a symbolic link (or lies behind one) to a file outside the audited tree; not read"
                )
            ),
            "{name}: {:#?}",
            messages(&json)
        );
        assert_eq!(run.code, 2);
    }
}

#[test]
fn a_sparse_licence_of_two_gigabytes_is_not_read() {
    let (_tmp, root) = npm_tree(serde_json::json!({}));
    // Two gigabytes that take no space on disk.
    std::fs::File::create(root.join("LICENSE"))
        .unwrap()
        .set_len(2 << 30)
        .unwrap();
    // A package whose licence must come from its files, with the same sparse file.
    let lock = root.join("package-lock.json");
    let mut json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&lock).unwrap()).unwrap();
    json["packages"]["node_modules/left-pad"]
        .as_object_mut()
        .unwrap()
        .remove("license");
    std::fs::write(&lock, json.to_string()).unwrap();
    write(
        &root.join("node_modules/left-pad/package.json"),
        r#"{"name": "left-pad", "version": "1.3.0"}"#,
    );
    std::fs::File::create(root.join("node_modules/left-pad/LICENSE"))
        .unwrap()
        .set_len(2 << 30)
        .unwrap();
    let run = audit(&root, &["--format", "json"]);
    let json = run.json();
    assert!(
        has_message(
            &json,
            "I001",
            "LICENSE is 2 GiB, over the 1 MiB fundament reads of licence files; not read"
        ),
        "{:#?}",
        messages(&json)
    );
    assert!(
        has_message(
            &json,
            "I001",
            "node_modules/left-pad/LICENSE is 2 GiB, over the 1 MiB"
        ),
        "{:#?}",
        messages(&json)
    );
    assert_eq!(run.code, 2);
}

// ---------------------------------------------------------------------------------------------
// Reads outside the tree

const SECRET: &str = "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7 SECRET-MARKER\n-----END PRIVATE KEY-----\n";

/// Every report format and the notices, of `root`: what must never contain the secret.
fn every_output(root: &Path) -> String {
    let mut all = String::new();
    for format in [
        "human",
        "json",
        "sarif",
        "cyclonedx",
        "spdx",
        "markdown",
        "html",
    ] {
        all.push_str(&audit(root, &["--format", format]).all());
    }
    for format in ["text", "markdown", "html"] {
        all.push_str(&run(&["notices", root.to_str().unwrap(), "--format", format]).all());
    }
    all
}

#[test]
fn files_linked_from_outside_never_reach_a_report() {
    let tmp = tempfile::tempdir().unwrap();
    let base = std::fs::canonicalize(tmp.path()).unwrap();
    let secret = base.join("id_rsa");
    std::fs::write(&secret, SECRET).unwrap();
    let root = base.join("tree");
    write(&root.join("build.gradle"), "plugins { id 'java' }\n");
    symlink(&secret, &root.join("gradle.lockfile"));
    symlink(&secret, &root.join("publiccode.yml"));
    let json = audit(&root, &["--format", "json"]).json();
    for name in ["gradle.lockfile", "publiccode.yml"] {
        assert!(
            has_message(&json, "I004", &format!("{name} is a symbolic link")),
            "{name}: {:#?}",
            messages(&json)
        );
    }
    let all = every_output(&root);
    assert!(!all.contains("SECRET-MARKER"), "the secret leaked: {all}");
    assert!(!all.contains("MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7"));
}

/// A licence text outside the tree that must never be read: an MIT licence whose copyright
/// line is the marker (if it were read, it would be identified and copied into the notices).
fn outside_licence(base: &Path) -> PathBuf {
    let dir = base.join("outside-pkg");
    write(
        &dir.join("LICENSE"),
        &include_str!("fixtures/cargo/workspace/vendor/filed/LICENSE.txt").replacen(
            "Copyright",
            "Copyright (c) 2024 SECRET-MARKER\nCopyright",
            1,
        ),
    );
    write(
        &dir.join("package.json"),
        r#"{"name": "outside-pkg", "version": "9.9.9"}"#,
    );
    dir
}

#[test]
fn lockfile_keys_never_lead_out_of_the_tree() {
    let tmp = tempfile::tempdir().unwrap();
    let base = std::fs::canonicalize(tmp.path()).unwrap();
    let outside = outside_licence(&base);
    for key in [
        "../outside-pkg".to_string(),
        outside.display().to_string(),
        "node_modules/../../outside-pkg".to_string(),
    ] {
        let (_t, root) = npm_tree(serde_json::json!({}));
        // The tree lives in `<tmp2>/tree`; move it next to the outside package.
        let tree = base.join("tree");
        let _ = std::fs::remove_dir_all(&tree);
        support::copy_tree(&root, &tree);
        let lock = tree.join("package-lock.json");
        let mut json: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&lock).unwrap()).unwrap();
        json["packages"][key.as_str()] =
            serde_json::json!({"version": "9.9.9", "name": "outside-pkg"});
        json["packages"][""]["dependencies"]["outside-pkg"] = "9.9.9".into();
        std::fs::write(&lock, json.to_string()).unwrap();
        let report = audit(&tree, &["--format", "json", "--detect", "all"]).json();
        let package = support::package(&report, "outside-pkg");
        assert!(package.get("dir").is_none(), "{key}: {package:#}");
        assert!(
            package["licence"]["detected"]
                .as_array()
                .is_none_or(|d| d.is_empty()),
            "{key}: {package:#}"
        );
        let all = every_output(&tree);
        assert!(
            !all.contains("SECRET-MARKER"),
            "{key}: the outside file was read: {all}"
        );
    }
}

/// The package has no licence file as evidence (the outside one was not read).
fn assert_no_evidence(report: &serde_json::Value, name: &str) {
    let package = support::package(report, name);
    let detected = package["licence"]["detected"].as_array();
    assert!(
        detected.is_none_or(|d| d.is_empty()),
        "{name} has evidence from outside the tree: {package:#}"
    );
}

#[test]
fn manifest_fields_never_lead_out_of_the_tree() {
    let tmp = tempfile::tempdir().unwrap();
    let base = std::fs::canonicalize(tmp.path()).unwrap();
    outside_licence(&base);
    let tree = base.join("tree");

    // pyproject `license = {file = "../…"}`.
    write(
        &tree.join("pyproject.toml"),
        "[project]\nname = \"app\"\nversion = \"1.0\"\nlicense = {file = \"../outside-pkg/LICENSE\"}\ndependencies = []\n",
    );
    let report = audit(&tree, &["--format", "json", "--detect", "all"]).json();
    assert_no_evidence(&report, "app");
    let all = every_output(&tree);
    assert!(!all.contains("SECRET-MARKER"), "pyproject: {all}");
    std::fs::remove_file(tree.join("pyproject.toml")).unwrap();

    // npm `SEE LICENSE IN` a file that is a link out of the tree.
    let (_t, root) = npm_tree(serde_json::json!({}));
    support::copy_tree(&root, &tree);
    let lock = tree.join("package-lock.json");
    let mut json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&lock).unwrap()).unwrap();
    json["packages"]["node_modules/left-pad"]["license"] = "SEE LICENSE IN LICENCE.md".into();
    std::fs::write(&lock, json.to_string()).unwrap();
    write(
        &tree.join("node_modules/left-pad/package.json"),
        r#"{"name": "left-pad", "version": "1.3.0", "license": "SEE LICENSE IN LICENCE.md"}"#,
    );
    symlink(
        base.join("outside-pkg/LICENSE"),
        &tree.join("node_modules/left-pad/LICENCE.md"),
    );
    let report = audit(&tree, &["--format", "json"]).json();
    assert_no_evidence(&report, "left-pad");
    assert!(
        has_message(
            &report,
            "I004",
            "node_modules/left-pad/LICENCE.md is a symbolic link"
        ),
        "{:#?}",
        messages(&report)
    );
    let all = every_output(&tree);
    assert!(!all.contains("SECRET-MARKER"), "SEE LICENSE IN: {all}");
}

#[test]
fn cargo_licence_files_never_lead_out_of_the_tree() {
    let tmp = tempfile::tempdir().unwrap();
    let base = std::fs::canonicalize(tmp.path()).unwrap();
    outside_licence(&base);
    let tree = base.join("tree");
    write(
        &tree.join("Cargo.toml"),
        "[package]\nname = \"app\"\nversion = \"0.1.0\"\nedition = \"2021\"\nlicense-file = \"../outside-pkg/LICENSE\"\n\n[dependencies]\n",
    );
    write(&tree.join("src/lib.rs"), "");
    write(
        &tree.join("Cargo.lock"),
        "version = 4\n\n[[package]]\nname = \"app\"\nversion = \"0.1.0\"\n",
    );
    let report = audit(&tree, &["--format", "json", "--offline"]).json();
    assert_no_evidence(&report, "app");
    assert!(
        has_message(
            &report,
            "I004",
            "outside-pkg/LICENSE lies outside the audited tree"
        ),
        "{:#?}",
        messages(&report)
    );
    let all = every_output(&tree);
    assert!(!all.contains("SECRET-MARKER"), "license-file: {all}");
}

// ---------------------------------------------------------------------------------------------
// Terminal injection

const FORGED: &str = "\nPASS 0 errors · 0 warnings · 1 package in 1 project: 1 allowed, 0 review, 0 denied, 0 skipped\n";

fn assert_no_raw_control(text: &str, what: &str) {
    for c in text.chars() {
        assert!(
            c == '\n' || !fundament::report::escape::is_unsafe(c),
            "{what}: a raw {c:?} reached the output:\n{text}"
        );
    }
    assert!(
        !text.lines().any(|l| l.starts_with("PASS")),
        "{what}: a forged PASS line:\n{text}"
    );
}

#[test]
fn escape_sequences_and_newlines_in_data_are_shown_escaped() {
    let name = format!("evil\u{1b}]0;pwned\u{7}\u{1b}[2J{FORGED}");
    let (_tmp, root) = npm_tree(serde_json::json!({
        "node_modules/evil": {"name": name, "version": format!("1.0.0{FORGED}\u{0}"),
                               "license": format!("MIT{FORGED}\u{1b}[31m\u{202e}")}
    }));
    for colour in [&["--color", "never"][..], &["--color", "always"][..]] {
        let mut extra = colour.to_vec();
        extra.extend(["--detect", "all"]);
        let run = audit(&root, &extra);
        // With colour, fundament's own SGR sequences are expected; nothing else.
        let text = if colour[1] == "always" {
            strip_own_colours(&run.stdout)
        } else {
            run.stdout.clone()
        };
        assert_no_raw_control(&text, "the human report");
        assert!(
            run.stdout.contains("\\u{1b}]0;pwned\\u{7}"),
            "{}",
            run.stdout
        );
        assert_no_raw_control(&run.stderr, "stderr");
    }
    let notices = run(&["notices", root.to_str().unwrap(), "--format", "text"]);
    assert_no_raw_control(&notices.stdout, "the notices");
    assert_no_raw_control(&notices.stderr, "stderr of notices");
    let markdown = audit(&root, &["--format", "markdown"]);
    assert_no_raw_control(&markdown.stdout, "the Markdown report");
    // JSON escapes control characters itself, and stays valid.
    audit(&root, &["--format", "json"]).json();
}

/// Removes the SGR sequences fundament itself writes (`ESC [ digits ; … m`).
fn strip_own_colours(text: &str) -> String {
    let mut out = String::new();
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' && chars.peek() == Some(&'[') {
            let mut sequence = String::new();
            chars.next();
            for d in chars.by_ref() {
                if d == 'm' {
                    break;
                }
                sequence.push(d);
            }
            assert!(
                sequence.chars().all(|d| d.is_ascii_digit() || d == ';'),
                "not a colour: {sequence:?}"
            );
        } else {
            out.push(c);
        }
    }
    out
}

#[test]
fn index_commands_show_names_and_notes_escaped() {
    let tmp = tempfile::tempdir().unwrap();
    let index = std::fs::canonicalize(tmp.path()).unwrap().join("index");
    write(
        &index.join("config.json"),
        &serde_json::json!({"name": format!("city\u{1b}[31m{FORGED}"), "schema-version": 1,
                             "maintainers": [{"name": "Ann", "organisation": "City",
                                              "contact": "ann@city.example"}]})
        .to_string(),
    );
    let record = serde_json::json!({
        "purl": "pkg:cargo/serde", "version": "1.0.210", "decision": "approved",
        "licence": "MIT", "reviewer": format!("Ann\u{1b}]0;x\u{7}"), "organisation": "City",
        "date": "2026-01-01", "notes": format!("fine{FORGED}\u{1b}[2J")
    });
    write(&index.join("cargo/se/rd/serde"), &format!("{record}\n"));
    let verify = run(&["index", "verify", index.to_str().unwrap()]);
    assert_no_raw_control(&verify.all(), "index verify");
    let show = run(&[
        "index",
        "show",
        "pkg:cargo/serde",
        "--index",
        index.to_str().unwrap(),
        "--no-builtin",
    ]);
    assert!(show.stdout.contains("pkg:cargo/serde"), "{}", show.all());
    assert_no_raw_control(&show.all(), "index show");
}

#[test]
fn policy_errors_and_outputs_are_escaped() {
    let tmp = tempfile::tempdir().unwrap();
    let policy = tmp.path().join("policy.toml");
    write(
        &policy,
        &format!(
            "name = {}\n[licences]\nallow = [{}]\n",
            toml::Value::String(format!("p\u{1b}[31m{FORGED}")),
            toml::Value::String(format!("MIT\u{1b}[2J{FORGED}"))
        ),
    );
    let check = run(&["policy", "check", policy.to_str().unwrap()]);
    assert_eq!(check.code, 2, "{}", check.all());
    assert_no_raw_control(&check.all(), "policy check");
    let explain = run(&[
        "policy",
        "explain",
        &format!("MIT{FORGED}\u{1b}[2J"),
        "--policy",
        "permissive-only",
    ]);
    assert_no_raw_control(&explain.all(), "policy explain");
}

// ---------------------------------------------------------------------------------------------
// Failures hidden

#[test]
fn a_path_too_deep_to_open_makes_the_audit_incomplete() {
    let (_tmp, root) = npm_tree(serde_json::json!({}));
    // Deeper than PATH_MAX (4096 bytes): the walk cannot open it. Made relative to an open
    // folder at each step (no path is ever that long).
    let name = std::ffi::CString::new("d".repeat(100)).unwrap();
    let top = std::ffi::CString::new(root.as_os_str().as_encoded_bytes()).unwrap();
    // SAFETY: valid NUL-terminated names; every descriptor opened is closed.
    unsafe {
        let mut fd = libc::open(top.as_ptr(), libc::O_DIRECTORY | libc::O_RDONLY);
        assert!(fd >= 0);
        for _ in 0..45 {
            assert_eq!(libc::mkdirat(fd, name.as_ptr(), 0o755), 0);
            let next = libc::openat(fd, name.as_ptr(), libc::O_DIRECTORY | libc::O_RDONLY);
            assert!(next >= 0);
            libc::close(fd);
            fd = next;
        }
        libc::close(fd);
    }
    let run = audit(&root, &["--format", "json"]);
    let json = run.json();
    assert_eq!(run.code, 2, "never a pass: {:#?}", messages(&json));
    assert_eq!(json["summary"]["outcome"], "incomplete");
    assert!(
        has_message(&json, "I001", "could not be read"),
        "{:#?}",
        messages(&json)
    );
    assert!(run.stderr.contains("error[I001]"), "{}", run.stderr);
}

#[test]
fn a_folder_that_cannot_be_read_makes_the_audit_incomplete() {
    use std::os::unix::fs::PermissionsExt as _;
    let (_tmp, root) = npm_tree(serde_json::json!({}));
    let closed = root.join("closed");
    write(&closed.join("sub/requirements.txt"), "requests==2.32.3\n");
    std::fs::set_permissions(&closed, std::fs::Permissions::from_mode(0o000)).unwrap();
    if std::fs::read_dir(&closed).is_ok() {
        std::fs::set_permissions(&closed, std::fs::Permissions::from_mode(0o755)).unwrap();
        eprintln!("skipped: this user reads folders without permission (root); see the path test");
        return;
    }
    let run = audit(&root, &["--format", "json"]);
    std::fs::set_permissions(&closed, std::fs::Permissions::from_mode(0o755)).unwrap();
    assert_eq!(run.code, 2, "{}", run.all());
    assert!(has_message(&run.json(), "I001", "closed could not be read"));
}

#[test]
fn sbom_and_json_formats_name_every_input_problem_on_stderr() {
    let (_tmp, root) = npm_tree(serde_json::json!({}));
    std::fs::remove_file(root.join("package-lock.json")).unwrap();
    mkfifo(&root.join("package-lock.json"));
    mkfifo(&root.join("publiccode.yml"));
    for format in ["cyclonedx", "spdx", "json", "sarif", "html"] {
        let run = audit(&root, &["--format", format]);
        assert_eq!(run.code, 2, "{format}: {}", run.stderr);
        let lines: Vec<&str> = run
            .stderr
            .lines()
            .filter(|l| l.starts_with("error["))
            .collect();
        assert_eq!(
            lines,
            vec![
                "error[I001]: package-lock.json is a FIFO, not a regular file; not read",
                "error[I001]: publiccode.yml is a FIFO, not a regular file; not read",
            ],
            "{format}: {}",
            run.stderr
        );
    }
}

// ---------------------------------------------------------------------------------------------
// Cargo in a clean room

/// A copy of the Cargo workspace fixture (path dependencies only: `cargo metadata` works
/// offline), in `<tmp>/tree`.
fn cargo_tree(tmp: &Path) -> PathBuf {
    let tree = tmp.join("tree");
    support::copy_tree(&support::fixture("cargo/workspace"), &tree);
    tree
}

/// A `rustc-wrapper` that leaves `marker` behind when cargo runs it (cargo metadata asks
/// `rustc -vV` through the wrapper), then runs rustc.
fn wrapper_config(dir: &Path, marker: &Path) {
    let script = dir.join("wrapper.sh");
    write(
        &script,
        &format!("#!/bin/sh\ntouch '{}'\nexec \"$@\"\n", marker.display()),
    );
    use std::os::unix::fs::PermissionsExt as _;
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
    write(
        &dir.join(".cargo/config.toml"),
        &format!("[build]\nrustc-wrapper = \"{}\"\n", script.display()),
    );
}

#[test]
fn cargo_configuration_in_tmpdir_or_the_tree_never_applies() {
    let tmp = tempfile::tempdir().unwrap();
    let base = std::fs::canonicalize(tmp.path()).unwrap();
    let tree = cargo_tree(&base);
    // `$TMPDIR/.cargo/config.toml`: any local user can write it when TMPDIR is /tmp.
    let tmpdir = base.join("tmpdir");
    let marker = base.join("MARKER-tmpdir");
    wrapper_config(&tmpdir, &marker);
    // The audited tree's own `.cargo/config.toml`.
    let tree_marker = base.join("MARKER-tree");
    wrapper_config(&tree, &tree_marker);
    let run = run_with(
        Path::new("/"),
        &[
            "audit",
            tree.to_str().unwrap(),
            "--format",
            "json",
            "--offline",
        ],
        &[("TMPDIR", tmpdir.as_os_str())],
    );
    assert!(
        !marker.exists(),
        "the $TMPDIR cargo configuration ran its rustc-wrapper"
    );
    assert!(
        !tree_marker.exists(),
        "the tree's cargo configuration ran its rustc-wrapper"
    );
    // And cargo did run: the licences come from `cargo metadata`.
    let json = run.json();
    assert_eq!(
        support::package(&json, "mit-lib")["licence"]["concluded"]["expression"],
        "MIT",
        "{}",
        run.all()
    );
    assert!(support::findings(&json, "I005").is_empty(), "{}", run.all());
}

#[test]
fn a_fifo_workspace_member_stops_cargo_before_it_starts() {
    let tmp = tempfile::tempdir().unwrap();
    let tree = cargo_tree(&std::fs::canonicalize(tmp.path()).unwrap());
    std::fs::remove_file(tree.join("crates/core/Cargo.toml")).unwrap();
    mkfifo(&tree.join("crates/core/Cargo.toml"));
    let run = audit(&tree, &["--format", "json", "--offline"]);
    let json = run.json();
    assert!(
        has_message(
            &json,
            "I005",
            "`cargo metadata` was not run: crates/core/Cargo.toml is a FIFO, not a regular file; not read; read Cargo.lock instead"
        ),
        "{:#?}",
        messages(&json)
    );
    // The fallback still lists the locked packages.
    assert!(support::packages(&json).len() > 3);
    assert_eq!(run.code, 2);
}

/// A workspace glob of 40,000 `(` (the fuzz finding pnpm-workspace-9-26203): globset's
/// GlobSet took 50 s of CPU to compile it. It is refused with its file and line, and the audit
/// is not a pass.
#[test]
fn a_workspace_glob_past_the_limit_is_refused_with_its_file_and_line() {
    let glob = format!("{}packages/*", "(".repeat(40_000));
    // pnpm-workspace.yaml and package.json `workspaces`, read by discovery.
    for (file, text) in [
        (
            "pnpm-workspace.yaml",
            format!("# the workspace\npackages:\n  - \"apps/*\"\n  - \"{glob}\"\n"),
        ),
        (
            "package.json",
            format!(
                "{{\"name\": \"app\", \"version\": \"1.0.0\", \"license\": \"MIT\",\n \"dependencies\": {{\"left-pad\": \"1.3.0\"}},\n \"workspaces\": [\"{glob}\"]}}"
            ),
        ),
    ] {
        let (_tmp, root) = npm_tree(serde_json::json!({}));
        write(&root.join(file), &text);
        let run = audit(&root, &["--format", "json"]);
        let json = run.json();
        let finding = json["findings"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["message"].as_str().unwrap().contains("40010 bytes long"))
            .unwrap_or_else(|| panic!("{file}: {:#?}", messages(&json)));
        assert_eq!(finding["code"], "I001", "{file}");
        assert_eq!(finding["severity"], "error", "{file}");
        assert_eq!(finding["location"]["file"], file);
        assert_eq!(
            finding["location"]["line"],
            if file == "package.json" { 3 } else { 4 }
        );
        assert!(finding["message"].as_str().unwrap().len() < 400);
        assert_eq!(run.code, 2, "{file}: {}", run.stderr);
    }
    // Cargo's `[workspace] members`: cargo is not started (it would expand the glob unchecked).
    let tmp = tempfile::tempdir().unwrap();
    let tree = cargo_tree(&std::fs::canonicalize(tmp.path()).unwrap());
    let manifest = std::fs::read_to_string(tree.join("Cargo.toml")).unwrap();
    write(
        &tree.join("Cargo.toml"),
        &manifest.replace(
            "members = [\"crates/*\"]",
            &format!("members = [\"crates/*\", \"{glob}\"]"),
        ),
    );
    let run = audit(&tree, &["--format", "json", "--offline"]);
    let json = run.json();
    assert!(
        has_message(
            &json,
            "I005",
            "`cargo metadata` was not run: Cargo.toml cannot be read: in `[workspace] members` (line 3), the glob `((((((((((((((((((((((((((((((((((((((((…` is 40010 bytes long"
        ),
        "{:#?}",
        messages(&json)
    );
    assert!(support::packages(&json).len() > 3);
    // Not a pass: read from Cargo.lock alone, the licences are unknown.
    assert_ne!(run.code, 0);
}

#[test]
fn a_workspace_member_linked_out_of_the_tree_is_never_read_by_cargo() {
    let tmp = tempfile::tempdir().unwrap();
    let base = std::fs::canonicalize(tmp.path()).unwrap();
    let tree = cargo_tree(&base);
    // Not TOML: cargo's error would quote the offending line.
    let secret = base.join("secret.toml");
    std::fs::write(&secret, "SECRET-MARKER = = token\n").unwrap();
    std::fs::remove_file(tree.join("crates/core/Cargo.toml")).unwrap();
    symlink(&secret, &tree.join("crates/core/Cargo.toml"));
    let all = every_output(&tree);
    assert!(!all.contains("SECRET-MARKER"), "{all}");
    let json = audit(&tree, &["--format", "json", "--offline"]).json();
    assert!(
        has_message(
            &json,
            "I005",
            "`cargo metadata` was not run: crates/core/Cargo.toml is a symbolic link"
        ),
        "{:#?}",
        messages(&json)
    );
}

#[test]
fn cargo_metadata_that_does_not_finish_is_stopped() {
    let tmp = tempfile::tempdir().unwrap();
    let base = std::fs::canonicalize(tmp.path()).unwrap();
    let tree = cargo_tree(&base);
    let slow = base.join("slow-cargo.sh");
    write(&slow, "#!/bin/sh\nexec sleep 600\n");
    use std::os::unix::fs::PermissionsExt as _;
    std::fs::set_permissions(&slow, std::fs::Permissions::from_mode(0o755)).unwrap();
    let run = run_with(
        Path::new("/"),
        &[
            "audit",
            tree.to_str().unwrap(),
            "--format",
            "json",
            "--offline",
        ],
        &[
            ("CARGO", slow.as_os_str()),
            ("FUNDAMENT_CARGO_TIMEOUT", std::ffi::OsStr::new("2")),
        ],
    );
    let json = run.json();
    assert!(
        has_message(
            &json,
            "I005",
            "`cargo metadata` did not finish within 2 s and was stopped"
        ),
        "{:#?}",
        messages(&json)
    );
}

/// The audited tree's own fundament.toml may name advisory sources and indices. Those that
/// would be read from outside the tree (a path up or absolute, `file://`, a link out), or reached
/// over SSH with the auditor's keys, are not used, and a warning (R005) says so; a folder inside
/// the tree is used (the control: its advisory is found).
#[test]
fn a_tree_policy_cannot_point_advisory_sources_or_indices_out_of_the_tree() {
    let (tmp, root) = npm_tree(serde_json::json!({}));
    let advisory = r#"{"id": "GHSA-fund-amen-t010", "modified": "2026-01-01T00:00:00Z",
        "affected": [{"package": {"ecosystem": "npm", "name": "left-pad"},
        "ranges": [{"type": "SEMVER", "events": [{"introduced": "0"}]}]}],
        "database_specific": {"severity": "HIGH"}}"#;
    let outside = tmp.path().join("outside-db");
    write(&outside.join("GHSA-fund-amen-t010.json"), advisory);
    symlink(&outside, &root.join("linked-db"));
    let policy = |db: &str| {
        format!(
            "name = \"tree\"\n[licences]\nallow = [\"MIT\"]\n[advisories]\ndb = [{db}]\n\
             [[index]]\nname = \"theirs\"\nlocation = \"{}\"\nprecedence = 5\n",
            outside.display()
        )
    };
    for location in [
        "../outside-db".to_string(),
        outside.display().to_string(),
        format!("file://{}", outside.display()),
        "linked-db".to_string(),
        "git+ssh://git@attacker.example/db.git".to_string(),
        "git@attacker.example:db.git".to_string(),
    ] {
        write(
            &root.join("fundament.toml"),
            &policy(&format!("\"{location}\"")),
        );
        let json = audit(&root, &["--offline", "--format", "json"]).json();
        let all = json.to_string();
        assert!(!all.contains("GHSA-fund-amen-t010"), "{location}: {all}");
        assert!(
            has_message(
                &json,
                "R005",
                &format!("names the advisory source `{location}`; not used")
            ),
            "{location}: {:?}",
            messages(&json)
        );
        assert!(
            has_message(&json, "R005", "names the index `"),
            "{location}: {:?}",
            messages(&json)
        );
    }
    // Inside the tree: used.
    write(&root.join("advisories/GHSA-fund-amen-t010.json"), advisory);
    write(&root.join("fundament.toml"), &policy("\"advisories\""));
    let json = audit(&root, &["--offline", "--format", "json"]).json();
    assert!(
        json.to_string().contains("GHSA-fund-amen-t010"),
        "{:?}",
        messages(&json)
    );
}

// ---------------------------------------------------------------------------------------------
// Local checkouts of a portfolio: git's status walk never reads what the tree plants

/// Scans the folder `checkouts` (each subfolder a local checkout) under the watchdog and
/// returns the one result's `reuse` statement and its status.
fn scan_checkouts(checkouts: &Path) -> (String, String) {
    let out = checkouts.parent().unwrap().join("scan-out");
    let run = run(&[
        "scan",
        checkouts.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
        "--no-registry",
    ]);
    let read = |path: &Path| -> serde_json::Value {
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
    };
    let manifest = read(&out.join("shard-1-of-1.json"));
    let result = read(&out.join(manifest["results"][0]["file"].as_str().unwrap()));
    std::fs::remove_dir_all(&out).unwrap();
    assert!(run.code == 0 || run.code == 1, "{}", run.all());
    (
        result["reuse"].as_str().unwrap_or_default().to_string(),
        result["status"].as_str().unwrap_or_default().to_string(),
    )
}

/// libgit2 reads a work tree's `.gitignore` files (and `.git/info/exclude`) itself, with a
/// plain `open`: a FIFO blocked the scan of a local checkout forever, a link to `/dev/zero`
/// read without end. Such a checkout is now audited without a commit, and says why.
#[test]
fn special_ignore_files_in_a_local_checkout_never_block_the_scan() {
    let (tmp, root) = npm_tree(serde_json::json!({}));
    let checkouts = tmp.path().join("checkouts");
    let app = checkouts.join("app");
    std::fs::create_dir_all(&checkouts).unwrap();
    std::fs::rename(&root, &app).unwrap();
    write(&app.join("sub/.gitignore"), "*.log\n");
    support::portfolio::commit_all(&app, "import");
    // The control: a clean checkout is keyed by its commit.
    let (reuse, status) = scan_checkouts(&checkouts);
    assert_eq!(reuse, "", "{status}");

    /// Makes the file at the path what the attack needs.
    type Plant = fn(&Path);
    let cases: [(&str, Plant); 4] = [
        ("sub/.gitignore", |p: &Path| {
            std::fs::remove_file(p).unwrap();
            mkfifo(p)
        }),
        (".gitignore", |p: &Path| mkfifo(p)),
        (".gitignore", |p: &Path| symlink("/dev/zero", p)),
        (".git/info/exclude", |p: &Path| {
            let _ = std::fs::remove_file(p);
            mkfifo(p)
        }),
    ];
    for (file, plant) in cases {
        let path = app.join(file);
        let saved = std::fs::read(&path).ok();
        plant(&path);
        let (reuse, status) = scan_checkouts(&checkouts);
        assert!(
            reuse.starts_with("not reusable: its git status was not read: ")
                && reuse.contains(file),
            "{file}: {reuse} ({status})"
        );
        std::fs::remove_file(&path).unwrap();
        if let Some(saved) = saved {
            std::fs::write(&path, saved).unwrap();
        }
    }
}
