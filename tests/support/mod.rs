//! Helpers shared by the integration tests: running the binary and reading its JSON report.
#![allow(dead_code)]

pub mod browser;
pub mod git_server;
pub mod index;
pub mod maven;
pub mod portfolio;
pub mod server;
pub mod vetting;

use std::path::{Path, PathBuf};

/// The `fundament` binary, with colour off and a cache of its own for this test process.
pub fn fundament() -> assert_cmd::Command {
    let mut cmd = assert_cmd::Command::cargo_bin("fundament").expect("the binary is built");
    cmd.env("NO_COLOR", "1")
        .env("FUNDAMENT_CACHE_DIR", cache_dir())
        // Reports carry a timestamp: fixed, so that tests and snapshots are reproducible.
        .env("SOURCE_DATE_EPOCH", "1767225600")
        // No registry look-ups unless a test asks for them against its own local server.
        .env("FUNDAMENT_NO_REGISTRY", "1")
        .env_remove("CLICOLOR_FORCE");
    cmd
}

fn cache_dir() -> &'static Path {
    static DIR: std::sync::OnceLock<tempfile::TempDir> = std::sync::OnceLock::new();
    DIR.get_or_init(|| tempfile::tempdir().expect("a temporary directory"))
        .path()
}

/// The output of one `fundament audit --format json` run.
pub struct JsonRun {
    pub code: i32,
    pub json: serde_json::Value,
    pub stderr: String,
}

impl JsonRun {
    /// The report of a finished `fundament audit --format json`; panics with its stderr when
    /// stdout is not JSON.
    pub fn from_output(output: &std::process::Output) -> JsonRun {
        JsonRun {
            code: output.status.code().expect("an exit code"),
            json: serde_json::from_slice(&output.stdout)
                .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&output.stderr))),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        }
    }
}

/// The `fundament` binary for an online audit against a test's local servers: registry
/// look-ups on, the cache `cache`, and `home` as HOME (so the user's own client settings,
/// ~/.npmrc and the like, never reach the test).
pub fn online(cache: &Path, home: &Path) -> assert_cmd::Command {
    let mut cmd = fundament();
    cmd.env_remove("FUNDAMENT_NO_REGISTRY")
        .env("FUNDAMENT_CACHE_DIR", cache)
        .env("HOME", home);
    cmd
}

/// A zip archive of `entries` (path inside the archive, contents), in the order given: the
/// package archives, jars and module zips the local test servers hand out.
pub fn zip_of<N: AsRef<str>, B: AsRef<[u8]>>(entries: &[(N, B)]) -> Vec<u8> {
    use std::io::Write as _;
    let mut writer = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for (name, bytes) in entries {
        writer
            .start_file(name.as_ref(), zip::write::SimpleFileOptions::default())
            .expect("a zip entry");
        writer
            .write_all(bytes.as_ref())
            .expect("a zip entry's bytes");
    }
    writer.finish().expect("a zip archive").into_inner()
}

/// Runs `fundament audit <dir> --format json <extra...>` and parses the report.
pub fn audit_json(dir: &Path, extra: &[&str]) -> JsonRun {
    let output = fundament()
        .arg("audit")
        .arg(dir)
        .args(["--format", "json"])
        .args(extra)
        .output()
        .expect("fundament runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let json = serde_json::from_str(&stdout).unwrap_or_else(|e| {
        panic!(
            "the report is not JSON ({e}); stdout: {stdout}\nstderr: {}",
            String::from_utf8_lossy(&output.stderr)
        )
    });
    JsonRun {
        code: output.status.code().expect("an exit code"),
        json,
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

/// Runs `fundament audit <dir> <extra...>` (human format) and returns exit code and stdout.
pub fn audit_text(dir: &Path, extra: &[&str]) -> (i32, String, String) {
    let output = fundament()
        .arg("audit")
        .arg(dir)
        .args(extra)
        .output()
        .expect("fundament runs");
    (
        output.status.code().expect("an exit code"),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

/// A fixture of this repository.
pub fn fixture(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(path)
}

/// A fixture of ../shared/fixtures, or `None` (with a message) where that folder is absent.
pub fn shared_fixture(path: &str) -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/fixtures")
        .join(path);
    if dir.exists() {
        Some(dir)
    } else {
        eprintln!(
            "skipped: {} is absent (the shared fixtures are not part of this checkout)",
            dir.display()
        );
        None
    }
}

/// The package of the report with this name (and version, when given).
pub fn package<'a>(json: &'a serde_json::Value, name: &str) -> &'a serde_json::Value {
    json["packages"]
        .as_array()
        .expect("packages")
        .iter()
        .find(|p| p["name"] == name)
        .unwrap_or_else(|| panic!("no package {name} in the report"))
}

/// The report's packages.
pub fn packages(json: &serde_json::Value) -> &Vec<serde_json::Value> {
    json["packages"].as_array().expect("`packages` is an array")
}

/// A package's name and version.
pub fn name_version(p: &serde_json::Value) -> (String, String) {
    pair(
        p["name"].as_str().expect("a name"),
        p["version"].as_str().expect("a version"),
    )
}

/// Two strings as an owned pair (a name and version, an edge's target and kind).
pub fn pair(a: &str, b: &str) -> (String, String) {
    (a.to_string(), b.to_string())
}

/// The package with this name and version; exactly one must exist.
pub fn package_at<'a>(
    json: &'a serde_json::Value,
    name: &str,
    version: &str,
) -> &'a serde_json::Value {
    let found: Vec<&serde_json::Value> = packages(json)
        .iter()
        .filter(|p| p["name"] == name && p["version"] == version)
        .collect();
    assert_eq!(found.len(), 1, "{name}@{version}: {found:#?}");
    found[0]
}

/// A package's edges as (target name, target version, kind).
pub fn edges(
    json: &serde_json::Value,
    p: &serde_json::Value,
) -> std::collections::BTreeSet<(String, String, String)> {
    let all = packages(json);
    p["dependencies"]
        .as_array()
        .expect("`dependencies` is an array")
        .iter()
        .map(|d| {
            let target = &all[d["package"].as_u64().expect("an index") as usize];
            let (name, version) = name_version(target);
            (name, version, d["kind"].as_str().unwrap().to_string())
        })
        .collect()
}

/// An edge as [`edges`] gives it.
pub fn edge(name: &str, version: &str, kind: &str) -> (String, String, String) {
    (name.to_string(), version.to_string(), kind.to_string())
}

/// A package's edges as (the target's `key` field, such as its name or purl, kind).
pub fn edges_by(
    json: &serde_json::Value,
    p: &serde_json::Value,
    key: &str,
) -> std::collections::BTreeSet<(String, String)> {
    let all = packages(json);
    p["dependencies"]
        .as_array()
        .expect("`dependencies` is an array")
        .iter()
        .map(|d| {
            let target = &all[d["package"].as_u64().expect("an index") as usize];
            pair(
                target[key].as_str().expect("a string field"),
                d["kind"].as_str().expect("a kind"),
            )
        })
        .collect()
}

/// The codes of the report's findings.
pub fn codes(json: &serde_json::Value) -> Vec<String> {
    json["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| f["code"].as_str().unwrap_or_default().to_string())
        .collect()
}

/// The findings with this code.
pub fn findings<'a>(json: &'a serde_json::Value, code: &str) -> Vec<&'a serde_json::Value> {
    json["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|f| f["code"] == code)
        .collect()
}

/// The purls the findings with this code are about: each finding's `package`, and every
/// package a folded finding (one cause, several packages: `packages`, `count`) stands for.
pub fn affected(json: &serde_json::Value, code: &str) -> Vec<String> {
    findings(json, code)
        .iter()
        .flat_map(|f| {
            let one = f["package"].as_str().map(str::to_string);
            let many = f["packages"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|p| p.as_str().map(str::to_string));
            one.into_iter().chain(many)
        })
        .collect()
}

/// Copies a directory tree (for tests that must change a fixture).
pub fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_tree(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

/// The MIT licence's text, for archives and licence files made by tests.
pub const MIT: &str = "MIT License\n\nCopyright (c) 2024 Example\n\nPermission is hereby granted, free of charge, to any person obtaining a copy\nof this software and associated documentation files (the \"Software\"), to deal\nin the Software without restriction, including without limitation the rights\nto use, copy, modify, merge, publish, distribute, sublicense, and/or sell\ncopies of the Software, and to permit persons to whom the Software is\nfurnished to do so, subject to the following conditions:\n\nThe above copyright notice and this permission notice shall be included in all\ncopies or substantial portions of the Software.\n\nTHE SOFTWARE IS PROVIDED \"AS IS\", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR\nIMPLIED, INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY,\nFITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT. IN NO EVENT SHALL THE\nAUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER\nLIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM,\nOUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN THE\nSOFTWARE.\n";
