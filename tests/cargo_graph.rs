//! The Cargo graph as it is built, judged against cargo itself: on this repository's own
//! dependency tree, the crates fundament audits are exactly those `cargo metadata
//! --filter-platform <target>` resolves for at least one of the targets (cargo's own answer,
//! run here for each target). And the cache of `cargo metadata` results: reused for an
//! unchanged workspace, never for a changed one, never written into the audited tree.

mod support;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use support::{audit_json, copy_tree, findings, fixture, fundament};

const TIER_ONE: &[&str] = &[
    "aarch64-apple-darwin",
    "aarch64-pc-windows-msvc",
    "aarch64-unknown-linux-gnu",
    "i686-pc-windows-msvc",
    "i686-unknown-linux-gnu",
    "x86_64-pc-windows-gnu",
    "x86_64-pc-windows-msvc",
    "x86_64-unknown-linux-gnu",
];

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// `cargo metadata` as fundament runs it, optionally filtered to one platform.
fn cargo_metadata(filter: Option<&str>) -> serde_json::Value {
    let mut command = std::process::Command::new(env!("CARGO"));
    command
        .args([
            "metadata",
            "--format-version",
            "1",
            "--locked",
            "--all-features",
        ])
        .arg("--manifest-path")
        .arg(repo().join("Cargo.toml"));
    if let Some(target) = filter {
        command.args(["--filter-platform", target]);
    }
    let output = command.output().expect("cargo runs");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).expect("cargo prints JSON")
}

type Crates = BTreeSet<(String, String)>;

/// The crates cargo's resolve holds for the targets: the union of its per-target answers.
fn cargo_builds(targets: &[&str]) -> Crates {
    let mut union = Crates::new();
    for target in targets {
        let metadata = cargo_metadata(Some(target));
        let name_of = |id: &serde_json::Value| {
            metadata["packages"]
                .as_array()
                .unwrap()
                .iter()
                .find(|p| p["id"] == *id)
                .map(|p| {
                    (
                        p["name"].as_str().unwrap().to_string(),
                        p["version"].as_str().unwrap().to_string(),
                    )
                })
                .unwrap()
        };
        for node in metadata["resolve"]["nodes"].as_array().unwrap() {
            union.insert(name_of(&node["id"]));
        }
    }
    union
}

fn audited(json: &serde_json::Value) -> Crates {
    json["packages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["name"].as_str().unwrap().to_string(),
                p["version"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

fn left_out(json: &serde_json::Value) -> Vec<(String, String, String)> {
    json["projects"][0]["left_out"]
        .as_array()
        .map(|l| {
            l.iter()
                .map(|e| {
                    (
                        e["name"].as_str().unwrap().to_string(),
                        e["version"].as_str().unwrap().to_string(),
                        e["reason"].as_str().unwrap().to_string(),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

fn policy_file(dir: &Path, text: &str) -> String {
    let path = dir.join("policy.toml");
    std::fs::write(&path, text).unwrap();
    path.to_string_lossy().into_owned()
}

#[test]
fn the_default_graph_is_what_cargo_builds_for_the_tier_one_platforms() {
    let json = audit_json(&repo(), &[]).json;
    let expected = cargo_builds(TIER_ONE);
    let ours = audited(&json);
    assert_eq!(
        ours.difference(&expected).collect::<Vec<_>>(),
        Vec::<&(String, String)>::new(),
        "audited, but no tier-1 build compiles them"
    );
    assert_eq!(
        expected.difference(&ours).collect::<Vec<_>>(),
        Vec::<&(String, String)>::new(),
        "built for a tier-1 platform, but not audited"
    );
    let targets: Vec<&str> = json["projects"][0]["targets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t.as_str().unwrap())
        .collect();
    assert_eq!(targets, TIER_ONE);

    // What was left out is everything else cargo resolves, each with its reason.
    let everything = cargo_metadata(None);
    let all: Crates = everything["packages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["name"].as_str().unwrap().to_string(),
                p["version"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let left = left_out(&json);
    let left_set: Crates = left
        .iter()
        .map(|(n, v, _)| (n.clone(), v.clone()))
        .collect();
    assert!(
        !left.is_empty(),
        "this tree has wasm-only and Android-only crates"
    );
    assert_eq!(
        left_set,
        all.difference(&ours).cloned().collect(),
        "left out = resolved - built"
    );
    for (name, version, reason) in &left {
        assert!(
            reason.contains("cfg(")
                || reason.contains("needed only by")
                || reason.contains("-pc-windows-"),
            "{name} {version}: {reason}"
        );
    }
    // Crates needed only on wasm32 are left out, and the reason names the condition.
    let wasm = left
        .iter()
        .find(|(n, _, _)| n == "wasm-bindgen")
        .expect("wasm-bindgen is in Cargo.lock, needed only on wasm32");
    assert!(
        wasm.2.contains("wasm32") && wasm.2.contains("none of the targets meets"),
        "{}",
        wasm.2
    );

    // The report says so: one I014 note, naming the crates and the platforms.
    let notes = findings(&json, "I014");
    assert_eq!(notes.len(), 1);
    let message = notes[0]["message"].as_str().unwrap();
    assert!(message.contains("tier-1 platforms"), "{message}");
    assert!(message.contains("wasm-bindgen"), "{message}");
    assert_eq!(notes[0]["severity"], "note");
}

#[test]
fn the_policy_names_the_targets() {
    let tmp = tempfile::tempdir().unwrap();
    let linux = policy_file(
        tmp.path(),
        "[licences]\nallow = [\"permissive\", \"public-domain\", \"weak-copyleft\", \"EUPL-1.2\"]\n\
         [graph]\ntargets = [{ triple = \"x86_64-unknown-linux-gnu\" }]\n",
    );
    let json = audit_json(&repo(), &["--policy", &linux]).json;
    assert_eq!(
        audited(&json),
        cargo_builds(&["x86_64-unknown-linux-gnu"]),
        "the graph of one Linux target is cargo's"
    );
    assert!(
        !audited(&json).iter().any(|(n, _)| n == "windows-sys"),
        "no Windows crate in a Linux-only audit"
    );

    // An empty list is every platform rustc knows: only never-true conditions are left out,
    // and crates whose conditions never meet their dependants' platforms (schannel, needed on
    // Windows by a crate built only on Unix).
    let every = policy_file(
        tmp.path(),
        "[licences]\nallow = [\"permissive\", \"public-domain\", \"weak-copyleft\", \"EUPL-1.2\"]\n\
         [graph]\ntargets = []\n",
    );
    let json = audit_json(&repo(), &["--policy", &every]).json;
    let crates = audited(&json);
    assert!(crates.iter().any(|(n, _)| n == "wasm-bindgen"));
    for (name, version, reason) in left_out(&json) {
        assert!(
            reason.contains("no platform meets")
                || reason.contains("needed only by")
                || reason.contains("is built only for targets that do not meet it"),
            "{name} {version} is left out of every platform: {reason}"
        );
    }
}

#[test]
fn an_unknown_target_is_a_policy_error_with_its_line() {
    let tmp = tempfile::tempdir().unwrap();
    let policy = policy_file(
        tmp.path(),
        "[licences]\nallow = [\"MIT\"]\n\n[graph]\ntargets = [\n  \"x86_64-unknown-linux-gnu\",\n  \"x86_64-unknown-nowhere\",\n]\n",
    );
    let output = fundament()
        .args(["audit", "--policy", &policy])
        .arg(fixture("cargo/workspace"))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("policy.toml:7"), "{stderr}");
    assert!(stderr.contains("graph.targets[1]"), "{stderr}");
    assert!(stderr.contains("x86_64-unknown-nowhere"), "{stderr}");
}

/// Every file of a tree with its content, to show that an audit changed nothing in it.
fn snapshot(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut files: Vec<(PathBuf, Vec<u8>)> = walkdir::WalkDir::new(dir)
        .into_iter()
        .flatten()
        .filter(|e| e.file_type().is_file())
        .map(|e| (e.path().to_path_buf(), std::fs::read(e.path()).unwrap()))
        .collect();
    files.sort();
    files
}

#[cfg(unix)]
#[test]
fn an_unchanged_workspace_reuses_cargo_metadata_and_a_changed_one_does_not() {
    use std::os::unix::fs::PermissionsExt as _;
    let tmp = tempfile::tempdir().unwrap();
    copy_tree(&fixture("cargo"), &tmp.path().join("tree"));
    let tree = tmp.path().join("tree");
    let workspace = tree.join("workspace");
    let cache = tmp.path().join("cache");
    // A cargo that logs each call, and can pretend to be another toolchain.
    let log = tmp.path().join("calls.log");
    let other_toolchain = tmp.path().join("other-toolchain");
    let wrapper = tmp.path().join("cargo");
    std::fs::write(
        &wrapper,
        format!(
            "#!/bin/sh\necho \"$1\" >> '{log}'\nif [ \"$1\" = \"-V\" ] && [ -e '{other}' ]; then echo 'cargo 9.9.9 (other)'; exit 0; fi\nexec '{cargo}' \"$@\"\n",
            log = log.display(),
            other = other_toolchain.display(),
            cargo = env!("CARGO"),
        ),
    )
    .unwrap();
    std::fs::set_permissions(&wrapper, std::fs::Permissions::from_mode(0o755)).unwrap();
    let audit = || {
        let output = fundament()
            .env("CARGO", &wrapper)
            .env("FUNDAMENT_CACHE_DIR", &cache)
            .args(["audit", "--offline", "--format", "json"])
            .arg(&workspace)
            .output()
            .unwrap();
        let mut json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
        json.as_object_mut().unwrap().remove("created");
        json
    };
    let metadata_runs = || {
        std::fs::read_to_string(&log)
            .unwrap_or_default()
            .lines()
            .filter(|l| *l == "metadata")
            .count()
    };
    let before = snapshot(&tree);

    let first = audit();
    assert_eq!(first["projects"][0]["reader"], "cargo metadata");
    assert_eq!(metadata_runs(), 1);
    let second = audit();
    assert_eq!(
        metadata_runs(),
        1,
        "the unchanged workspace reused the result"
    );
    assert_eq!(first, second, "the reused result gives the same audit");
    let stored: Vec<PathBuf> = std::fs::read_dir(cache.join("cargo-metadata"))
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .collect();
    assert_eq!(stored.len(), 1, "{stored:?}");
    assert_eq!(
        snapshot(&tree),
        before,
        "nothing was written into the audited tree"
    );

    // A member's manifest changes: cargo runs again, then that result is reused.
    let member = workspace.join("crates/app/Cargo.toml");
    let text = std::fs::read_to_string(&member).unwrap();
    std::fs::write(&member, format!("{text}\n# changed\n")).unwrap();
    audit();
    assert_eq!(metadata_runs(), 2, "a changed member manifest");
    audit();
    assert_eq!(metadata_runs(), 2);

    // A path dependency outside the workspace folder (but read by cargo) changes.
    let vendored = workspace.join("vendor/mit-lib/Cargo.toml");
    let text = std::fs::read_to_string(&vendored).unwrap();
    std::fs::write(&vendored, format!("{text}\n# changed\n")).unwrap();
    audit();
    assert_eq!(metadata_runs(), 3, "a changed path dependency manifest");

    // Another toolchain.
    std::fs::write(&other_toolchain, "").unwrap();
    audit();
    assert_eq!(metadata_runs(), 4, "another toolchain");
    std::fs::remove_file(&other_toolchain).unwrap();

    // The same content at another place is another workspace (the output names paths).
    let elsewhere = tmp.path().join("elsewhere");
    copy_tree(&tree, &elsewhere);
    let output = fundament()
        .env("CARGO", &wrapper)
        .env("FUNDAMENT_CACHE_DIR", &cache)
        .args(["audit", "--offline", "--format", "json"])
        .arg(elsewhere.join("workspace"))
        .output()
        .unwrap();
    assert!(output.status.code().is_some());
    assert_eq!(
        metadata_runs(),
        5,
        "a copy elsewhere is not served another's result"
    );

    // A changed Cargo.lock.
    let lock = workspace.join("Cargo.lock");
    let text = std::fs::read_to_string(&lock).unwrap();
    std::fs::write(&lock, text.replace("version = 4", "version = 4\n# edited")).unwrap();
    audit();
    assert_eq!(metadata_runs(), 6, "a changed Cargo.lock");
}
