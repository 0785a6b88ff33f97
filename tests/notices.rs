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

/// The entry of the text format whose heading is `heading`, up to the next entry or section.
fn entry<'a>(text: &'a str, heading: &str) -> &'a str {
    let rule = "=".repeat(78);
    let start = format!("{rule}\n{heading}\n{rule}\n");
    let from = text
        .find(&start)
        .unwrap_or_else(|| panic!("no entry `{heading}`"));
    let rest = &text[from + start.len()..];
    let to = [
        format!("\n{rule}\n"),
        "\nSPDX reference texts\n".to_string(),
    ]
    .iter()
    .filter_map(|e| rest.find(e.as_str()))
    .min()
    .unwrap_or(rest.len());
    &text[from..from + start.len() + to]
}

/// The headings of the entries, in order.
fn headings(text: &str) -> Vec<String> {
    let rule = "=".repeat(78);
    let lines: Vec<&str> = text.lines().collect();
    let mut out = Vec::new();
    for i in 1..lines.len().saturating_sub(1) {
        if lines[i - 1] == rule && lines[i + 1] == rule && !lines[i].contains(": ") {
            out.push(lines[i].to_string());
        }
    }
    out
}

#[test]
fn workspace_fixture_one_entry_per_component_with_its_own_texts() {
    let (code, text) = notices(&fixture("cargo/workspace"), &["--offline"]);
    assert_eq!(code, 0, "{text}");

    // Sorted by name; the dev-only test-helper is not delivered (the default policy treats
    // development and test tools with the licence rules only). build-helper (build only) is
    // delivered under the default policy; its `Apache-2.0 OR MIT` is used under MIT, so its
    // entry is byte-identical to mit-lib's and they share one.
    assert_eq!(
        headings(&text),
        [
            "build-helper 2.0.0, mit-lib 1.0.0",
            "filed 0.3.0",
            "gpl-lib 3.0.0",
            "unlicensed 0.0.1"
        ]
    );
    assert!(!text.contains("test-helper"));
    assert!(text.contains("1 component used only to build, test or develop the software is not delivered and not listed."));
    assert!(
        text.contains("  - build-helper 2.0.0 (Cargo): MIT chosen from Apache-2.0 OR MIT: "),
        "{text}"
    );

    // filed ships LICENSE.txt: its own text and copyright line, in its own entry, once.
    let filed = entry(&text, "filed 0.3.0");
    assert!(filed.contains("Licence: MIT\n"));
    assert!(filed.contains("Copyright notices:\n  Copyright (c) 2024 The filed authors\n"));
    assert!(filed.contains("Licence text as shipped (LICENSE.txt):\n\nMIT License\n\nCopyright (c) 2024 The filed authors\n"));
    assert!(!filed.contains("SPDX reference text"));
    assert_eq!(
        text.matches("The filed authors").count(),
        2,
        "notice and text, once each"
    );

    // mit-lib ships no text: the SPDX reference text stands in, marked, and printed once.
    let mit = entry(&text, "build-helper 2.0.0, mit-lib 1.0.0");
    assert!(mit.contains("No copyright notice was found in the licence files of this component."));
    assert!(mit.contains(
        "MIT: the package ships no text of this licence; the SPDX reference text applies (see below)"
    ));
    for id in ["MIT", "GPL-3.0-only"] {
        assert_eq!(text.matches(spdx_text(id)).count(), 1, "{id}");
    }
    // The reference texts come after the entries, under their own heading.
    let appendix = text.find("SPDX reference texts\n---").unwrap();
    assert!(text.find(spdx_text("MIT")).unwrap() > appendix);
    assert!(
        !text.contains(spdx_text("Apache-2.0")),
        "filed's licence is MIT only"
    );

    // The project's own crates are not third-party components.
    assert!(!text.contains("app 0.1.0"));
    assert!(!text.contains("core 0.2.0"));

    // The unknown licence has its entry and is listed again in a section of its own, last.
    assert!(entry(&text, "unlicensed 0.0.1").contains("Licence: not determined"));
    let unknown = section(&text, "Licence not determined\n", &[]);
    assert!(unknown.contains("  - unlicensed 0.0.1 (Cargo)"));
    assert!(appendix < text.find("Licence not determined\n").unwrap());
}

#[test]
fn development_components_are_listed_only_when_asked() {
    let (code, text) = notices(&fixture("cargo/workspace"), &["--offline", "--all-scopes"]);
    assert_eq!(code, 0);
    // build-helper (build only) is listed now, under the licence its `OR` choice made, with why.
    assert!(
        text.contains("  - build-helper 2.0.0 (Cargo): MIT chosen from Apache-2.0 OR MIT: "),
        "{text}"
    );
    let listed = headings(&text);
    assert!(
        listed.iter().any(|h| h.starts_with("test-helper ")),
        "{listed:?}"
    );
    assert!(!text.contains("not delivered"));
    let mut sorted = listed.clone();
    sorted.sort_by_key(|h| h.to_lowercase());
    assert_eq!(listed, sorted);
}

#[test]
fn missing_copyright_notices_and_texts_are_warnings_and_strict_fails() {
    let dir = fixture("cargo/workspace");
    let run = |extra: &[&str]| {
        let output = fundament()
            .arg("notices")
            .arg(&dir)
            .arg("--offline")
            .args(extra)
            .output()
            .unwrap();
        (
            output.status.code().unwrap(),
            String::from_utf8(output.stderr).unwrap(),
        )
    };
    let (code, stderr) = run(&[]);
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stderr.contains(
            "warning[N001]: mit-lib 1.0.0 (Cargo): no copyright notice found in its licence files"
        ),
        "{stderr}"
    );
    assert!(stderr.contains("warning[N002]: mit-lib 1.0.0 (Cargo): ships no licence text of its own; the SPDX reference text of MIT stands in"), "{stderr}");
    assert!(!stderr.contains("filed 0.3.0"), "filed has both: {stderr}");
    assert!(stderr.contains("4 listed components lack a copyright notice or a licence text of their own (--strict makes this fail)"));
    let (code, stderr) = run(&["--strict"]);
    assert_eq!(code, 1, "{stderr}");
    assert!(stderr.contains("error[N001]: mit-lib 1.0.0"), "{stderr}");
}

#[test]
fn vendored_go_modules_each_carry_their_own_texts_and_copyrights() {
    let Some(opencloud) = support::shared_fixture("opencloud") else {
        return;
    };
    let (code, text) = notices(&opencloud, &["--offline"]);
    assert_eq!(code, 0);
    let listed = headings(&text);
    assert!(listed.len() > 150, "{}", listed.len());
    let mut sorted = listed.clone();
    sorted.sort_by_key(|h| h.to_lowercase());
    assert_eq!(listed, sorted, "entries are sorted by name");

    // google/uuid: its own copyright line and its LICENSE as shipped, not the SPDX template.
    let uuid = entry(&text, "github.com/google/uuid v1.6.0");
    assert!(uuid.contains("Licence: BSD-3-Clause"));
    assert!(uuid.contains("  Copyright (c) 2009,2014 Google Inc. All rights reserved.\n"));
    assert!(uuid.contains("Licence text as shipped (LICENSE):"));
    assert!(!uuid.contains("<copyright holder>"));
    assert!(!uuid.contains("SPDX reference text"));
    // The two golang-jwt majors ship byte-identical texts: one entry for both.
    let jwt = entry(
        &text,
        "github.com/golang-jwt/jwt/v4 v4.5.1, github.com/golang-jwt/jwt/v5 v5.2.1",
    );
    assert!(jwt.contains("  - github.com/golang-jwt/jwt/v4 v4.5.1 (Go)\n  - github.com/golang-jwt/jwt/v5 v5.2.1 (Go)\n"));
    // Copyright lines stay with their component: no line of uuid's in another entry.
    assert_eq!(
        text.matches("Copyright (c) 2009,2014 Google Inc.").count(),
        2
    );
    // Every vendored module with a licence file has its text from the package.
    assert!(text.matches("Licence text as shipped").count() > 150);
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
    assert!(md.contains("- [filed 0.3.0](#entry-2) (Cargo): MIT"));
    assert!(md.contains("### <a id=\"entry-2\"></a>filed 0.3.0"));
    assert!(md.contains("Lizenz: MIT"));
    assert!(md.contains("- Copyright (c) 2024 The filed authors"));
    assert!(md.contains("Lizenztext, wie mitgeliefert (LICENSE.txt):"));
    assert!(md.contains("[MIT: Das Paket liefert keinen Text dieser Lizenz mit; es gilt der Referenztext der SPDX-Lizenzliste (siehe unten)](#licence-MIT)"));
    assert!(md.contains("### <a id=\"licence-MIT\"></a>MIT: MIT License"));
    assert!(md.contains("## Lizenz nicht ermittelt"));
    // Licence texts are code blocks, unescaped.
    assert!(md.contains(&format!("```text\n{}\n```", spdx_text("MIT"))));

    let (_, html) = notices(&dir, &["--offline", "--format", "html"]);
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert!(html.contains("<section class=\"entry\" id=\"entry-1\">"));
    assert!(html.contains("<section class=\"licence-text\" id=\"licence-MIT\">"));
    assert!(html.contains("<a href=\"#licence-MIT\">MIT: the package ships no text"));
    assert_eq!(html.matches("id=\"licence-MIT\"").count(), 1);
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
    let custom = entry(&text, "custom 1.0.0");
    assert!(custom.contains("Licence: LicenseRef-Custom"));
    assert!(custom.contains("Copyright 2023 Custom Makers <makers@example.org>"));
    assert!(custom.contains("Licence text as shipped (LICENSE):"));
    assert!(custom.contains("You may use this software for anything."));
    // The NOTICE file is passed on, and its copyright line counted.
    assert!(custom.contains("NOTICE file as shipped (NOTICE):"));
    assert!(custom.contains("This product includes Custom Widgets."));
    assert!(custom.contains("  Copyright 2024 Widget Org\n"));
    // custom-bare ships nothing: its entry says so, and shares nothing of custom's.
    let bare = entry(&text, "custom-bare 1.0.0");
    assert!(bare.contains(
        "Licence text not available: LicenseRef-Custom is not on the SPDX licence list, and the package has no licence file that states it."
    ));
    assert!(!bare.contains("Custom Makers"));

    // Names from the repository are escaped in HTML and Markdown.
    let (_, html) = notices(dir.path(), &["--format", "html"]);
    assert!(!html.contains("<b>"));
    assert!(html.contains("&lt;b&gt;bold|&lt;&#x2f;b&gt; 1.0.0"));
    assert!(html.contains("Copyright 2023 Custom Makers &lt;makers@example.org&gt;"));
    let (_, md) = notices(dir.path(), &["--format", "markdown"]);
    assert!(
        md.contains("### <a id=\"entry-1\"></a>\\<b\\>bold\\|\\</b\\> 1.0.0"),
        "{md}"
    );
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
fn this_repository_every_delivered_dependency_with_its_own_texts() {
    let (code, text) = notices(&repo(), &[]);
    assert_eq!(code, 0);
    let json = audit_json(&repo(), &[]).json;
    let index = section(&text, "Components\n---", &["\nNotices\n---"]);
    let mut listed = 0;
    for p in support::packages(&json) {
        let (name, version) = support::name_version(p);
        let line = format!("  - {name} {version} (Cargo): ");
        if p["root"] == true {
            assert!(!index.contains(&line));
            continue;
        }
        // Listed exactly when the policy treats the package as delivered (by default every
        // usage but development and test tools).
        let delivered = p["verdict"]["delivered"] == true;
        assert_eq!(
            index.contains(&line),
            delivered,
            "{name} {version} ({})",
            p["scope"]
        );
        listed += usize::from(delivered);
    }
    assert!(listed > 100, "{listed}");
    // Every entry is a component or a group of components with identical texts, and the
    // components' texts are their own: nearly all from the packages, not from the SPDX list.
    let shipped = text.matches("Licence text as shipped").count();
    let references = text.matches("the SPDX reference text applies").count();
    assert!(
        shipped > 50 && references < 10,
        "{shipped} shipped, {references} references"
    );
    // serde's entry carries its own MIT text, which names no copyright holder.
    let serde = headings(&text)
        .into_iter()
        .find(|h| h.split(", ").any(|c| c.starts_with("serde 1.")))
        .unwrap();
    assert!(entry(&text, &serde).contains("Licence text as shipped (LICENSE-MIT"));
    // Every licence of this tree is known: nothing in the last section.
    assert!(!text.contains("Licence not determined"));
}
