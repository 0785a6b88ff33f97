//! Verdicts a legal team can sign (issue 13): what ships versus what only builds, whose policy
//! decided, and dependency paths that stay inside one project. On real fixtures from
//! ../shared/fixtures, copied into temporary trees where a test needs a layout of its own.

mod support;

use std::collections::HashSet;
use std::path::Path;
use support::browser::{chromium, run_chromium};
use support::{audit_json, audit_text, findings, fundament, package_at, shared_fixture};

/// Copies `files` of the shared fixture `from` into `to` (created).
fn copy_files(from: &Path, to: &Path, files: &[&str]) {
    std::fs::create_dir_all(to).unwrap();
    for file in files {
        std::fs::copy(from.join(file), to.join(file)).unwrap();
    }
}

/// eappointment's zmsadmin, Composer only (its composer.lock records licences): the
/// netresearch/jsonmapper OSL-3.0 package is a dev package, pulled in by a static-analysis tool.
fn zmsadmin_composer(to: &Path) -> bool {
    let Some(zmsadmin) = shared_fixture("eappointment/zmsadmin") else {
        return false;
    };
    copy_files(&zmsadmin, to, &["composer.json", "composer.lock"]);
    true
}

// --- Scopes ----------------------------------------------------------------------------------

#[test]
fn a_dev_only_copyleft_package_is_checked_for_its_licence_but_not_for_compatibility() {
    let tree = tempfile::tempdir().unwrap();
    if !zmsadmin_composer(tree.path()) {
        return;
    }
    let run = audit_json(tree.path(), &["--offline", "--policy", "eupl-1.2-network"]);
    let mapper = support::package(&run.json, "netresearch/jsonmapper");
    assert_eq!(mapper["scope"], "dev");
    assert_eq!(mapper["licence"]["concluded"]["expression"], "OSL-3.0");
    // Still judged by the licence rules: network copyleft needs review under the preset.
    assert_eq!(mapper["verdict"]["status"], "review");
    assert_eq!(mapper["verdict"]["delivered"], false);
    assert!(mapper["verdict"].get("compatibility").is_none());
    assert!(
        mapper["verdict"]["note"]
            .as_str()
            .unwrap()
            .contains("not for compatibility"),
        "{}",
        mapper["verdict"]
    );
    let about_mapper = |code: &str| {
        findings(&run.json, code)
            .iter()
            .any(|f| f["package"] == mapper["purl"])
    };
    assert!(!about_mapper("C001"), "a dev tool raised C001");
    assert!(!about_mapper("C003"), "a dev tool raised an obligation");
    // Runtime packages are still checked against EUPL-1.2.
    let runtime_checked = run.json["packages"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| {
            p["scope"] == "runtime"
                && p["root"] == false
                && p["licence"]["concluded"]["expression"] != "NOASSERTION"
        })
        .all(|p| p["verdict"]["compatibility"].is_object() && p["verdict"]["delivered"] == true);
    assert!(runtime_checked);

    // The same package, when the policy treats development tools as delivered: C001.
    let policy = tree.path().join("..").join("dev-included.toml");
    let preset = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("policies/eupl-1.2-network.toml"),
    )
    .unwrap();
    std::fs::write(
        &policy,
        preset.replace("dev = \"licence\"", "dev = \"include\""),
    )
    .unwrap();
    let strict = audit_json(
        tree.path(),
        &["--offline", "--policy", policy.to_str().unwrap()],
    );
    let incompatible = findings(&strict.json, "C001");
    assert!(
        incompatible.iter().any(|f| f["package"] == mapper["purl"]),
        "{incompatible:?}"
    );
    std::fs::remove_file(policy).unwrap();
}

#[test]
fn scope_runtime_leaves_out_what_does_not_ship_and_says_so() {
    let tree = tempfile::tempdir().unwrap();
    if !zmsadmin_composer(tree.path()) {
        return;
    }
    let all = audit_json(tree.path(), &["--offline"]);
    let dev = all.json["packages"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["scope"] == "dev")
        .count();
    assert!(dev > 50, "zmsadmin has 71 dev packages, saw {dev}");
    let narrowed = audit_json(tree.path(), &["--offline", "--scope", "runtime"]);
    let scopes: HashSet<&str> = narrowed.json["packages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["scope"].as_str().unwrap())
        .collect();
    assert_eq!(scopes, HashSet::from(["runtime"]));
    assert_eq!(
        narrowed.json["summary"]["packages_out_of_scope"],
        serde_json::json!(dev)
    );
    assert_eq!(
        narrowed.json["summary"]["scopes"],
        serde_json::json!(["runtime"])
    );
    let note = findings(&narrowed.json, "P010");
    assert_eq!(note.len(), 1);
    assert!(
        note[0]["message"]
            .as_str()
            .unwrap()
            .contains(&format!("{dev} packages"))
    );
    // Edges point inside the narrowed list.
    let n = narrowed.json["packages"].as_array().unwrap().len();
    for p in narrowed.json["packages"].as_array().unwrap() {
        for d in p["dependencies"].as_array().unwrap() {
            assert!(d["package"].as_u64().unwrap() < n as u64);
        }
    }
    // A scope that does not exist is a usage error naming the choices.
    let bad = fundament()
        .args(["audit", "--offline", "--scope", "shipping"])
        .arg(tree.path())
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("runtime, provided, build, test, dev"));
}

#[test]
fn reports_show_the_usage_and_separate_delivered_components_from_tools() {
    let tree = tempfile::tempdir().unwrap();
    if !zmsadmin_composer(tree.path()) {
        return;
    }
    for (lang, delivered, tools, dev_word) in [
        (
            "de",
            "Ausgelieferte Komponenten",
            "Entwicklungswerkzeuge",
            "nur Entwicklung",
        ),
        (
            "en",
            "Delivered components",
            "Development tools",
            "development only",
        ),
    ] {
        let out = fundament()
            .args(["audit", "--offline", "--policy", "eupl-1.2-network"])
            .args(["--format", "markdown", "--lang", lang])
            .arg(tree.path())
            .output()
            .unwrap();
        let md = String::from_utf8_lossy(&out.stdout);
        let at_delivered = md.find(&format!("### {delivered}")).expect(delivered);
        let at_tools = md.find(&format!("### {tools}")).expect(tools);
        assert!(at_delivered < at_tools);
        // jsonmapper is listed among the tools, as a development dependency, and in the
        // action table of the review group with its usage.
        let row = md[at_tools..]
            .lines()
            .find(|l| l.contains("| netresearch/jsonmapper |"))
            .expect("jsonmapper among the tools");
        assert!(row.contains(&format!("| {dev_word} |")), "{row}");
        assert!(!md[at_delivered..at_tools].contains("| netresearch/jsonmapper |"));
        let action = md[..at_delivered]
            .lines()
            .find(|l| l.starts_with("| netresearch/jsonmapper | v4.5.0 |"))
            .expect("jsonmapper in an action table");
        assert!(action.contains(&format!("| {dev_word} |")), "{action}");
    }
    // The human report counts the usages and how the policy audits them.
    let (_, human, _) = audit_text(tree.path(), &["--offline"]);
    let usage = &human[human.find("Usage").expect("a usage table")..];
    assert!(usage.contains("development tool: licence only"), "{usage}");
    assert!(usage.contains("delivered: licence, compatibility, notices"));
}

// --- Whose policy ----------------------------------------------------------------------------

/// A permissive policy the audited party could place in its own repository.
const SUPPLIER_POLICY: &str = "name = \"supplier\"\n\
    [licences]\n\
    allow = [\"permissive\", \"weak-copyleft\", \"strong-copyleft\", \"network-copyleft\", \"public-domain\"]\n\
    unknown = \"allow\"\n";

#[test]
fn the_audited_trees_own_policy_is_named_in_every_report() {
    let tree = tempfile::tempdir().unwrap();
    if !zmsadmin_composer(tree.path()) {
        return;
    }
    let render = |format: &str, lang: &str, extra: &[&str]| {
        let out = fundament()
            .args(["audit", "--offline", "--format", format, "--lang", lang])
            .args(extra)
            .arg(tree.path())
            .output()
            .unwrap();
        (
            out.status.code().unwrap(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
        )
    };

    // Without a policy in the tree: the default preset, in every format.
    // zmsadmin fails it: aronduby/dump records no licence (L004).
    let (code, html) = render("html", "de", &[]);
    assert_eq!(code, 1);
    assert!(html.contains("data-policy-source=\"preset\""));
    assert!(html.contains("Nicht bestanden nach der eingebauten Richtlinie public-sector-default"));
    assert!(!html.contains("id=\"verdict-policy\""));

    // The supplier adds a permissive fundament.toml.
    std::fs::write(tree.path().join("fundament.toml"), SUPPLIER_POLICY).unwrap();

    // The procurement reports keep the auditor's policy, and say the tree's was not applied.
    for (lang, headline, ignored) in [
        (
            "de",
            "Nicht bestanden nach der eingebauten Richtlinie public-sector-default",
            "Das geprüfte Repository enthält eine eigene Richtlinie (fundament.toml); sie wurde nicht angewandt.",
        ),
        (
            "en",
            "Not passed, under the built-in policy public-sector-default",
            "The audited repository contains its own policy (fundament.toml); it was not applied.",
        ),
    ] {
        for format in ["html", "markdown"] {
            let (_, text) = render(format, lang, &[]);
            assert!(text.contains(headline), "{format} {lang}");
            assert!(text.contains(ignored), "{format} {lang}");
        }
    }

    // Opting in: the headline says whose policy decided, in both languages.
    for (lang, headline, warning) in [
        (
            "de",
            "Bestanden nach der eigenen Richtlinie des geprüften Repositorys (fundament.toml), nicht nach einer unabhängigen Richtlinie",
            "Die geprüfte Partei hat die Regeln dieser Prüfung selbst festgelegt.",
        ),
        (
            "en",
            "Passed, under the audited repository&#x27;s own policy (fundament.toml), not an independent policy",
            "The audited party set the rules of this check itself.",
        ),
    ] {
        let (_, html) = render("html", lang, &["--repo-policy"]);
        assert!(html.contains("data-policy-source=\"repository\""));
        let headline_at = html.find("class=\"headline\"").unwrap();
        let headline_line =
            &html[headline_at..headline_at + html[headline_at..].find("</p>").unwrap()];
        assert!(headline_line.contains(headline), "{lang}: {headline_line}");
        assert!(html.contains(warning), "{lang}");
        let (_, md) = render("markdown", lang, &["--repo-policy"]);
        let md_headline = md.lines().find(|l| l.starts_with("> **")).unwrap();
        assert!(
            md_headline.contains(&headline.replace("&#x27;", "'")),
            "{lang}: {md_headline}"
        );
        assert!(md.contains(warning));
    }

    // The developers' formats apply the tree's policy, and say so.
    let (_, human, _) = audit_text(tree.path(), &["--offline"]);
    let last = human.trim_end().lines().last().unwrap();
    assert!(
        last.starts_with("verdict by the audited repository's own policy (fundament.toml)"),
        "{last}"
    );
    let json = audit_json(tree.path(), &["--offline"]).json;
    assert_eq!(json["policy"]["source"], "repository");
    assert_eq!(json["summary"]["policy_source"], "repository");
    assert_eq!(findings(&json, "P008").len(), 1);
    let (_, sarif) = render("sarif", "en", &[]);
    let sarif: serde_json::Value = serde_json::from_str(&sarif).unwrap();
    assert_eq!(
        sarif["runs"][0]["properties"]["policy"]["source"],
        "repository"
    );
    assert!(
        sarif["runs"][0]["results"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["ruleId"] == "P008")
    );

    // With the auditor's own policy named: the tree's file is not applied, and JSON says so.
    let json = audit_json(
        tree.path(),
        &["--offline", "--policy", "public-sector-default"],
    )
    .json;
    assert_eq!(json["policy"]["source"], "preset");
    let (_, human, _) = audit_text(tree.path(), &["--offline", "--policy", "permissive-only"]);
    assert!(
        human
            .trim_end()
            .lines()
            .last()
            .unwrap()
            .starts_with("verdict by preset permissive-only (built-in preset)"),
        "{human}"
    );
    // A --policy file inside the audited tree is still the audited party's.
    let inside = tree.path().join("fundament.toml");
    let json = audit_json(
        tree.path(),
        &["--offline", "--policy", inside.to_str().unwrap()],
    )
    .json;
    assert_eq!(json["policy"]["source"], "repository");
    // --repo-policy and --policy contradict each other.
    let both = fundament()
        .args(["audit", "--repo-policy", "--policy", "permissive-only"])
        .arg(tree.path())
        .output()
        .unwrap();
    assert_eq!(both.status.code(), Some(2));
}

#[test]
fn the_result_box_names_the_repositorys_policy_in_a_browser() {
    let Some(chromium) = chromium() else {
        eprintln!("skipped: chromium is not installed (neither /usr/bin/chromium nor on PATH)");
        return;
    };
    let tree = tempfile::tempdir().unwrap();
    if !zmsadmin_composer(tree.path()) {
        return;
    }
    std::fs::write(tree.path().join("fundament.toml"), SUPPLIER_POLICY).unwrap();
    let out = tempfile::tempdir().unwrap();
    let profile = tempfile::tempdir().unwrap();
    for (opt_in, source, text) in [
        (
            true,
            "repository",
            "Bestanden nach der eigenen Richtlinie des geprüften Repositorys (fundament.toml)",
        ),
        (
            false,
            "preset",
            "Nicht bestanden nach der eingebauten Richtlinie public-sector-default",
        ),
    ] {
        let file = out.path().join(format!("{source}.html"));
        let mut cmd = fundament();
        cmd.args([
            "audit",
            "--offline",
            "--format",
            "html",
            "--lang",
            "de",
            "-o",
        ])
        .arg(&file);
        if opt_in {
            cmd.arg("--repo-policy");
        }
        // Passed under the supplier's own policy, not passed under the auditor's.
        let code = cmd.arg(tree.path()).output().unwrap().status.code();
        assert_eq!(code, Some(if opt_in { 0 } else { 1 }));
        let dom = run_chromium(
            &chromium,
            profile.path(),
            &["--dump-dom".to_string()],
            &format!("file://{}", file.display()),
        );
        let verdict = &dom[dom.find("id=\"verdict\"").expect("the result box")..];
        let verdict = &verdict[..verdict.find("</div>").unwrap()];
        assert!(verdict.contains(&format!("data-policy-source=\"{source}\"")));
        assert!(verdict.contains(text), "{verdict}");
        assert!(verdict.contains("id=\"verdict-policy\""), "{verdict}");
    }
}

// --- True paths ------------------------------------------------------------------------------

/// Every "name version" of an npm lockfile (v2/v3 `packages`), and its root's label.
fn lockfile_labels(lockfile: &Path) -> HashSet<String> {
    let lock: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(lockfile).unwrap()).unwrap();
    let mut labels = HashSet::new();
    for (key, entry) in lock["packages"].as_object().unwrap() {
        let name = if key.is_empty() {
            entry["name"]
                .as_str()
                .or(lock["name"].as_str())
                .unwrap_or("")
                .to_string()
        } else {
            entry["name"]
                .as_str()
                .map(str::to_string)
                .unwrap_or_else(|| key.rsplit("node_modules/").next().unwrap().to_string())
        };
        if let Some(version) = entry["version"].as_str() {
            labels.insert(format!("{name} {version}"));
        } else {
            labels.insert(name);
        }
    }
    labels
}

#[test]
fn paths_stay_inside_the_project_whose_lockfile_holds_the_version() {
    let (Some(zmsadmin), Some(deck)) = (
        shared_fixture("eappointment/zmsadmin"),
        shared_fixture("nextcloud-deck"),
    ) else {
        return;
    };
    // One repository, two npm projects: zmsadmin holds caniuse-lite 1.0.30001770 (dev), deck
    // 1.0.30001768 (runtime); both hold browserslist 4.28.1, dev in zmsadmin, runtime in deck.
    let tree = tempfile::tempdir().unwrap();
    let files = ["package.json", "package-lock.json"];
    copy_files(&zmsadmin, &tree.path().join("zmsadmin"), &files);
    copy_files(&deck, &tree.path().join("deck"), &files);
    let labels = [
        (
            "zmsadmin/package-lock.json",
            lockfile_labels(&tree.path().join("zmsadmin/package-lock.json")),
        ),
        (
            "deck/package-lock.json",
            lockfile_labels(&tree.path().join("deck/package-lock.json")),
        ),
    ];
    let run = audit_json(tree.path(), &["--offline"]);
    let json = &run.json;

    // Every usage's path runs through its own lockfile's versions only.
    let mut checked = 0;
    for p in json["packages"].as_array().unwrap() {
        for usage in p["usages"].as_array().unwrap() {
            let file = usage["file"].as_str().unwrap();
            let (_, held) = labels.iter().find(|(f, _)| *f == file).expect(file);
            for step in usage["path"].as_array().unwrap().iter().skip(1) {
                let step = step.as_str().unwrap();
                assert!(
                    held.contains(step),
                    "{step} on the path of {} is not in {file}",
                    p["purl"]
                );
                checked += 1;
            }
        }
    }
    assert!(checked > 5_000, "{checked} path steps checked");

    let old = package_at(json, "caniuse-lite", "1.0.30001768");
    let new = package_at(json, "caniuse-lite", "1.0.30001770");
    assert_eq!(old["usages"][0]["file"], "deck/package-lock.json");
    assert_eq!(new["usages"][0]["file"], "zmsadmin/package-lock.json");
    assert_eq!(old["usages"].as_array().unwrap().len(), 1);
    assert_eq!(new["usages"].as_array().unwrap().len(), 1);
    assert_eq!(new["scope"], "dev");
    assert_eq!(new["path"], new["usages"][0]["path"]);
    assert_eq!(
        new["path"].as_array().unwrap().last().unwrap(),
        "caniuse-lite 1.0.30001770"
    );

    // browserslist: the runtime path of deck is shown before the dev path of zmsadmin.
    let browserslist = package_at(json, "browserslist", "4.28.1");
    assert_eq!(browserslist["scope"], "runtime");
    let usages = browserslist["usages"].as_array().unwrap();
    assert_eq!(usages.len(), 2);
    assert_eq!(usages[0]["file"], "deck/package-lock.json");
    assert_eq!(usages[0]["scope"], "runtime");
    assert_eq!(usages[1]["file"], "zmsadmin/package-lock.json");
    assert_eq!(usages[1]["scope"], "dev");
    assert_eq!(browserslist["path"], usages[0]["path"]);

    // Findings name the lockfile of their path: the human report shows it.
    let (_, human, _) = audit_text(tree.path(), &["--offline"]);
    assert!(
        human.contains("= path in deck/package-lock.json: ")
            || human.contains("= path in zmsadmin/package-lock.json: "),
        "no finding path names its lockfile"
    );
}
