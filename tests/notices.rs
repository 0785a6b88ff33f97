//! `fundament notices`: the third-party attribution file.

mod support;

use std::path::{Path, PathBuf};
use support::{audit_json, fixture, fundament};

/// Runs `fundament notices <dir> <extra...>` and returns exit code and stdout.
fn notices(dir: &Path, extra: &[&str]) -> (i32, String) {
    let output = fundament()
        .arg("notices")
        .arg(dir)
        .args(extra)
        .output()
        .unwrap();
    (
        output.status.code().unwrap(),
        String::from_utf8(output.stdout).unwrap(),
    )
}

fn spdx_text(id: &str) -> &'static str {
    spdx::license_id(id).unwrap().text().trim_end()
}

/// The part of `text` from `start` to the next occurrence of any of `ends` (or the end).
fn section<'a>(text: &'a str, start: &str, ends: &[&str]) -> &'a str {
    let from = text
        .find(start)
        .unwrap_or_else(|| panic!("`{start}` is missing"));
    let rest = &text[from + start.len()..];
    let to = ends
        .iter()
        .filter_map(|e| rest.find(e))
        .min()
        .unwrap_or(rest.len());
    &text[from..from + start.len() + to]
}

#[test]
fn workspace_fixture_groups_components_by_licence_with_copyrights_and_texts() {
    let (code, text) = notices(&fixture("cargo/workspace"), &["--offline"]);
    assert_eq!(code, 0, "{text}");

    // filed's own LICENSE.txt holds a copyright line: it appears once, in the MIT group, which
    // lists both MIT components.
    let copyright = "Copyright (c) 2024 The filed authors";
    assert_eq!(text.matches(copyright).count(), 1);
    let mit = section(
        &text,
        "Used under MIT\n",
        &["Used under ", "Licence texts\n---"],
    );
    assert!(mit.contains(copyright));
    assert!(mit.contains("  - filed 0.3.0 (Cargo)"));
    assert!(mit.contains("  - mit-lib 1.0.0 (Cargo)"));
    assert!(mit.contains("Licence texts: MIT (full text below)"));

    // Each licence text once; build-helper's `Apache-2.0 OR MIT` is used under MIT (fewer
    // obligations), so the Apache-2.0 text is not needed.
    for id in ["MIT", "GPL-3.0-only"] {
        assert_eq!(text.matches(spdx_text(id)).count(), 1, "{id}");
    }
    assert_eq!(text.matches(spdx_text("Apache-2.0")).count(), 0);
    assert!(mit.contains("  - build-helper 2.0.0 (Cargo): MIT chosen from Apache-2.0 OR MIT: "));
    // GPL-2.0-or-later's text is the GPL-2.0 text.
    assert!(text.contains("GPL-2.0-or-later: GNU General Public License v2.0 or later"));

    // The project's own crates are not third-party components.
    assert!(!text.contains("  - app 0.1.0"));
    assert!(!text.contains("  - core 0.2.0"));

    // The unknown licence is listed in its own section, after the texts, not in a group.
    let unknown = section(&text, "Licence not determined\n", &[]);
    assert!(unknown.contains("  - unlicensed 0.0.1 (Cargo)"));
    assert_eq!(text.matches("unlicensed 0.0.1").count(), 1);
    assert!(
        text.find("Licence texts\n---").unwrap() < text.find("Licence not determined\n").unwrap()
    );
}

#[test]
fn skipped_components_are_left_out_and_the_file_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let policy = dir.path().join("policy.toml");
    std::fs::write(
        &policy,
        "name = \"no-dev\"\n[licences]\nallow = [\"permissive\"]\nreview = [\"strong-copyleft\"]\nunknown = \"deny\"\n[dependencies]\ndev = \"exclude\"\n",
    )
    .unwrap();
    let (code, text) = notices(
        &fixture("cargo/workspace"),
        &["--offline", "--policy", policy.to_str().unwrap()],
    );
    assert_eq!(code, 0);
    assert!(!text.contains("test-helper"), "{text}");
    assert!(text.contains("1 component that the policy does not check"));
    // GPL-2.0-or-later was only test-helper's licence.
    assert!(!text.contains("GNU General Public License v2.0"));
}

#[test]
fn formats_and_languages() {
    let dir = fixture("cargo/workspace");
    let (_, md) = notices(&dir, &["--offline", "--format", "markdown", "--lang", "de"]);
    assert!(md.starts_with("# Hinweise zu Fremdkomponenten: workspace\n"));
    assert!(md.contains("### Verwendet unter MIT"));
    assert!(md.contains("- Copyright (c) 2024 The filed authors"));
    assert!(md.contains("[MIT](#licence-MIT)"));
    assert!(md.contains("### <a id=\"licence-MIT\"></a>MIT: MIT License"));
    assert!(md.contains("## Lizenz nicht ermittelt"));
    // Licence texts are code blocks, unescaped.
    assert!(md.contains(&format!("```text\n{}\n```", spdx_text("MIT"))));

    let (_, html) = notices(&dir, &["--offline", "--format", "html"]);
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert!(html.contains("<section class=\"licence-text\" id=\"licence-MIT\">"));
    assert!(html.contains("<a href=\"#licence-MIT\">MIT</a>"));
    // build-helper's `Apache-2.0 OR MIT` is used under MIT (fewer obligations), and says so.
    assert_eq!(html.matches("id=\"licence-Apache-2.0\"").count(), 0);
    assert!(html.contains("build-helper 2.0.0 (Cargo): MIT chosen from Apache-2.0 OR MIT"));
    assert!(html.contains("<h2 id=\"undetermined\">Licence not determined</h2>"));

    // Deterministic.
    assert_eq!(
        notices(&dir, &["--offline"]).1,
        notices(&dir, &["--offline"]).1
    );
    let out = tempfile::tempdir().unwrap();
    let file = out.path().join("NOTICES.txt");
    let (code, stdout) = notices(&dir, &["--offline", "-o", file.to_str().unwrap()]);
    assert_eq!(code, 0);
    assert!(stdout.is_empty());
    assert_eq!(
        std::fs::read_to_string(&file).unwrap(),
        notices(&dir, &["--offline"]).1
    );
}

/// An installed npm project with a licence that is not on the SPDX list.
fn custom_licence_fixture() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let write = |path: &str, text: &str| {
        let path = root.join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    };
    write(
        "package.json",
        r#"{"name": "app", "version": "1.0.0", "license": "EUPL-1.2",
            "dependencies": {"custom": "1.0.0", "custom-bare": "1.0.0", "<b>bold|</b>": "1.0.0"}}"#,
    );
    write(
        "package-lock.json",
        r#"{"name": "app", "version": "1.0.0", "lockfileVersion": 3, "requires": true,
            "packages": {
              "": {"name": "app", "version": "1.0.0", "license": "EUPL-1.2",
                   "dependencies": {"custom": "1.0.0", "custom-bare": "1.0.0", "<b>bold|</b>": "1.0.0"}},
              "node_modules/custom": {"version": "1.0.0", "license": "LicenseRef-Custom",
                   "resolved": "https://npm.registry.example/custom/-/custom-1.0.0.tgz"},
              "node_modules/custom-bare": {"version": "1.0.0", "license": "LicenseRef-Custom",
                   "resolved": "https://npm.registry.example/custom-bare/-/custom-bare-1.0.0.tgz"},
              "node_modules/<b>bold|</b>": {"version": "1.0.0", "license": "MIT",
                   "resolved": "https://npm.registry.example/b/-/b-1.0.0.tgz"}
            }}"#,
    );
    write(
        "node_modules/custom/package.json",
        r#"{"name": "custom", "version": "1.0.0", "license": "LicenseRef-Custom"}"#,
    );
    write(
        "node_modules/custom/LICENSE",
        "The Custom Licence\n\nCopyright 2023 Custom Makers <makers@example.org>\n\nYou may use this software for anything.\n",
    );
    write(
        "node_modules/custom/NOTICE",
        "This product includes Custom Widgets.\nCopyright 2024 Widget Org\n",
    );
    write(
        "node_modules/custom-bare/package.json",
        r#"{"name": "custom-bare", "version": "1.0.0", "license": "LicenseRef-Custom"}"#,
    );
    dir
}

#[test]
fn licences_off_the_spdx_list_use_the_packages_own_file() {
    let dir = custom_licence_fixture();
    let json = audit_json(dir.path(), &["--detect", "all"]).json;
    let custom = support::package(&json, "custom");
    assert_eq!(
        custom["licence"]["concluded"]["expression"],
        "LicenseRef-Custom"
    );
    assert!(
        custom["licence"]["detected"]
            .as_array()
            .unwrap()
            .iter()
            .any(|d| d["path"] == "LICENSE"),
        "{custom}"
    );

    let (code, text) = notices(dir.path(), &[]);
    assert_eq!(code, 0, "{text}");
    let group = section(
        &text,
        "Used under LicenseRef-Custom\n",
        &["Used under ", "Licence texts\n---"],
    );
    assert!(group.contains("Copyright 2023 Custom Makers <makers@example.org>"));
    assert!(group.contains("Licence text of custom 1.0.0 (LICENSE):"));
    assert!(group.contains("You may use this software for anything."));
    // The NOTICE file is passed on, and its copyright line counted.
    assert!(group.contains("NOTICE file of custom 1.0.0 (NOTICE):"));
    assert!(group.contains("This product includes Custom Widgets."));
    assert!(group.contains("  Copyright 2024 Widget Org\n"));
    assert!(group.contains(
        "Licence text not available: LicenseRef-Custom is not on the SPDX licence list, and custom-bare 1.0.0 has no licence file that could be read."
    ));

    // Names from the repository are escaped in HTML and Markdown.
    let (_, html) = notices(dir.path(), &["--format", "html"]);
    assert!(!html.contains("<b>"));
    assert!(html.contains("&lt;b&gt;bold|&lt;&#x2f;b&gt; 1.0.0"));
    assert!(html.contains("Copyright 2023 Custom Makers &lt;makers@example.org&gt;"));
    let (_, md) = notices(dir.path(), &["--format", "markdown"]);
    assert!(md.contains("- \\<b\\>bold\\|\\</b\\> 1.0.0 (npm)"));
}

#[test]
fn copyright_lines_are_never_read_outside_the_package() {
    // A licence file that is a link to a file outside the package is not read.
    let dir = custom_licence_fixture();
    let outside = dir.path().join("secret.txt");
    std::fs::write(&outside, "Copyright 1999 Someone Else Entirely\n").unwrap();
    #[cfg(unix)]
    {
        let licence = dir.path().join("node_modules/custom-bare/COPYING");
        std::os::unix::fs::symlink(&outside, &licence).unwrap();
        let (_, text) = notices(dir.path(), &[]);
        assert!(!text.contains("Someone Else Entirely"), "{text}");
    }
}

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn this_repository_every_dependency_and_each_text_once() {
    let (code, text) = notices(&repo(), &[]);
    assert_eq!(code, 0);
    let lock: toml::Table =
        toml::from_str(&std::fs::read_to_string(repo().join("Cargo.lock")).unwrap()).unwrap();
    // Crates no build for the tier-1 platforms compiles are left out of the audit (I011), and
    // so out of the notices.
    let audit = support::audit_json(&repo(), &[]).json;
    let left_out: Vec<(String, String)> = audit["projects"][0]["left_out"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| {
            (
                l["name"].as_str().unwrap().to_string(),
                l["version"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert!(!left_out.is_empty());
    let mut listed = 0;
    for p in lock["package"].as_array().unwrap() {
        let (name, version) = (p["name"].as_str().unwrap(), p["version"].as_str().unwrap());
        if left_out.contains(&(name.to_string(), version.to_string())) {
            assert!(!text.contains(&format!("  - {name} {version} (Cargo)")));
            continue;
        }
        if name == "fundament" {
            assert!(!text.contains(&format!("  - fundament {version} ")));
            continue;
        }
        assert!(
            text.contains(&format!("  - {name} {version} (Cargo)")),
            "{name} {version} is missing"
        );
        listed += 1;
    }
    assert!(listed > 100, "{listed}");
    for id in ["MIT", "Apache-2.0"] {
        assert_eq!(text.matches(spdx_text(id)).count(), 1, "{id}");
    }
    // The MIT text is referred to by every group that uses it, AND combinations included.
    assert!(text.contains("Licence texts: MIT, Unicode-3.0 (full text below)"));
    // Crates carry their authors' copyright lines, each listed once per group.
    let mit = section(
        &text,
        "Used under MIT\n",
        &["Used under ", "Licence texts\n---"],
    );
    let lines: Vec<&str> = mit
        .lines()
        .filter(|l| l.starts_with("  Copyright"))
        .collect();
    assert!(lines.len() > 20, "{} copyright lines", lines.len());
    let mut distinct = lines.clone();
    distinct.sort();
    distinct.dedup();
    assert_eq!(distinct.len(), lines.len());
    // Every licence of this tree is known: nothing in the last section.
    assert!(!text.contains("Licence not determined"));
}
