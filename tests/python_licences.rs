//! Python licence metadata in its order of precedence (docs/guide.md, "Python licences"):
//! `License-Expression`, a `License` that reads without guessing, then all licence classifiers
//! together; a vague classifier is an assumption that the package's licence files confirm or
//! override. Real lockfiles from ../shared/fixtures, audited against a local index that serves
//! the real metadata of python-dateutil 2.9.0.post0 and psycopg2 2.9.11 (recorded by
//! tests/fixtures/registry/pypi/record-licence-precedence.py).

mod support;

use std::path::{Path, PathBuf};
use support::server::{Reply, TestServer};
use support::{findings, fixture, package};

fn audit(dir: &Path, cache: &Path) -> support::JsonRun {
    let home = tempfile::tempdir().unwrap();
    let output = support::online(cache, home.path())
        .env_remove("PIP_INDEX_URL")
        .env_remove("PIP_CONFIG_FILE")
        .args(["audit", "--format", "json"])
        .arg(dir)
        .output()
        .unwrap();
    support::JsonRun::from_output(&output)
}

fn localise(text: &str, server: &TestServer) -> String {
    text.replace(
        "https://files.pypi.registry.example",
        &format!("{}/files", server.base),
    )
    .replace("https://pypi.registry.example", &server.base)
}

/// Serves the recorded project page of `name` and the metadata file of `wheel`.
fn serve(server: &TestServer, name: &str, wheel: &str) {
    let page_text =
        std::fs::read_to_string(fixture(&format!("registry/pypi/simple/{name}.json"))).unwrap();
    let page: serde_json::Value = serde_json::from_str(&localise(&page_text, server)).unwrap();
    server.route(
        &format!("/simple/{name}/"),
        vec![Reply::ok(page.to_string())],
    );
    let url = page["files"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["filename"] == wheel)
        .unwrap()["url"]
        .as_str()
        .unwrap()
        .to_string();
    let path = url.strip_prefix(&server.base).unwrap();
    let metadata =
        std::fs::read(fixture(&format!("registry/pypi/files/{wheel}.metadata"))).unwrap();
    server.route(&format!("{path}.metadata"), vec![Reply::ok(metadata)]);
}

/// A copy of a shared fixture project with its registry URLs pointed at `server` and a policy
/// that allows permissive and weak-copyleft licences, naming `server` as the index.
fn project(shared: &Path, files: &[&str], server: &TestServer) -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("app");
    std::fs::create_dir(&dir).unwrap();
    for file in files {
        let text = std::fs::read_to_string(shared.join(file)).unwrap();
        std::fs::write(dir.join(file), localise(&text, server)).unwrap();
    }
    std::fs::write(
        dir.join("fundament.toml"),
        format!(
            "[licences]\nallow = [\"permissive\", \"weak-copyleft\", \"strong-copyleft\", \"network-copyleft\"]\nunknown = \"allow\"\n\n[registries]\npypi = \"{}/simple\"\n",
            server.base
        ),
    )
    .unwrap();
    (tmp, dir)
}

#[test]
fn all_licence_classifiers_are_kept_together() {
    let Some(mucgpt) = support::shared_fixture("mucgpt") else {
        return;
    };
    let server = TestServer::start();
    serve(
        &server,
        "python-dateutil",
        "python_dateutil-2.9.0.post0-py2.py3-none-any.whl",
    );
    let (_tmp, dir) = project(&mucgpt, &["pyproject.toml", "uv.lock"], &server);
    let cache = tempfile::tempdir().unwrap();
    let run = audit(&dir, cache.path());

    let dateutil = package(&run.json, "python-dateutil");
    let declared: Vec<&str> = dateutil["licence"]["declared"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["origin"]["field"].as_str().unwrap())
        .collect();
    assert_eq!(declared, ["License", "Classifier", "Classifier"]);
    let concluded = &dateutil["licence"]["concluded"];
    // Both classifiers, BSD first as the metadata lists it; neither is dropped.
    assert_eq!(concluded["expression"], "BSD-3-Clause AND Apache-2.0");
    assert_eq!(concluded["from"], "declared");
    assert_eq!(concluded["assumed"], true, "{concluded}");
    let explanation = concluded["explanation"].as_str().unwrap();
    assert!(
        explanation.contains("all 2 licence classifiers together")
            && explanation.contains("an assumption"),
        "{explanation}"
    );
    // Each vague classifier is an assumption the audit reports: one finding for the package
    // (findings are grouped per package and cause), the second reading kept as its note.
    let l006: Vec<&serde_json::Value> = findings(&run.json, "L006")
        .into_iter()
        .filter(|f| f["package"] == dateutil["purl"])
        .collect();
    assert_eq!(l006.len(), 1, "{l006:?}");
    let mut assumed = vec![l006[0]["message"].as_str().unwrap().to_string()];
    assumed.extend(
        l006[0]["notes"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|n| n.as_str().map(str::to_string)),
    );
    assert!(assumed.iter().any(|m| m.contains("BSD License")));
    assert!(
        assumed
            .iter()
            .any(|m| m.contains("Apache Software License"))
    );
    // No mismatch between the classifiers that were read together.
    assert!(
        findings(&run.json, "L007")
            .iter()
            .all(|f| f["package"] != dateutil["purl"])
    );
}

#[test]
fn a_vague_lgpl_classifier_is_an_assumption_without_licence_files() {
    let Some(synapse) = support::shared_fixture("synapse") else {
        return;
    };
    let server = TestServer::start();
    serve(
        &server,
        "psycopg2",
        "psycopg2-2.9.11-cp311-cp311-win_amd64.whl",
    );
    let (_tmp, dir) = project(&synapse, &["pyproject.toml", "poetry.lock"], &server);
    let cache = tempfile::tempdir().unwrap();
    let run = audit(&dir, cache.path());

    let psycopg2 = package(&run.json, "psycopg2");
    let concluded = &psycopg2["licence"]["concluded"];
    assert_eq!(concluded["expression"], "LGPL-2.0-or-later");
    assert_eq!(concluded["assumed"], true, "{concluded}");
    assert!(
        concluded["explanation"]
            .as_str()
            .unwrap()
            .contains("an assumption"),
        "{concluded}"
    );
    let assumed = findings(&run.json, "L006");
    assert!(
        assumed.iter().any(|f| f["package"] == psycopg2["purl"]
            && f["message"]
                .as_str()
                .unwrap()
                .contains("GNU Library or Lesser General Public License (LGPL)")),
        "{assumed:?}"
    );
    // The wheel's licence files are not read yet (issue 12b): nothing overrides the reading.
    assert!(findings(&run.json, "L011").is_empty());
}
