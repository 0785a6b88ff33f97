//! Schema validity on every kind of input.

use super::*;

#[test]
fn the_cargo_workspace_gives_valid_reports() {
    reports(&dir("cargo/workspace"), "cargo/workspace");
}

#[test]
fn npm_fixtures_give_valid_reports() {
    for name in [
        "npm/lockfile-v3",
        "npm/lockfile-v1",
        "npm/installed",
        "npm/workspaces",
        "npm/truncated-lockfile",
    ] {
        reports(&dir(name), name);
    }
}

#[test]
fn imported_sboms_give_valid_reports() {
    for name in [
        "licences-cyclonedx-1.6.json",
        "npm-spdx-2.3.json",
        "spdx-2.2.json",
        "python-cyclonedx-1.6.json",
    ] {
        reports(&sbom(name), name);
    }
}

#[test]
fn the_nextcloud_deck_fixture_gives_valid_reports() {
    let Some(deck) = shared_fixture("nextcloud-deck") else {
        return;
    };
    let r = reports(&Input::Dir(deck), "nextcloud-deck");
    // npm and Composer side by side: two roots under the audited directory.
    let product = &r.cyclonedx["metadata"]["component"];
    assert_eq!(product["name"], "nextcloud-deck");
    assert_eq!(array(&product["components"]).len(), 2);
    // Every npm package with an SRI integrity gets its SHA-512.
    let with_sha512 = array(&r.audit["packages"])
        .iter()
        .filter(|p| {
            p["checksum"]
                .as_str()
                .is_some_and(|c| c.starts_with("sha512-"))
        })
        .count();
    let hashed = all_components(&r.cyclonedx)
        .into_iter()
        .filter(|c| {
            c["hashes"]
                .as_array()
                .is_some_and(|h| h.iter().any(|h| h["alg"] == "SHA-512"))
        })
        .count();
    assert!(with_sha512 > 1000);
    assert_eq!(hashed, with_sha512);
}
