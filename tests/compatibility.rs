//! Outbound-licence compatibility, use modes, presets and policy import.
//!
//! The expected verdicts below are written from the sources, not from fundament's output: the
//! OSADL matrix value is quoted next to each case (../shared/data/osadl-matrix.csv, row =
//! leading/outbound, column = subordinate/inbound), and the EUPL-1.2 appendix
//! (../shared/data/eupl-1.2-compatible.txt) where it matters.

mod support;

use fundament::licence::expression::Tree;
use fundament::policy::compat::{self, UseMode, Verdict};
use fundament::policy::{Decision, Policy};
use support::{audit_json, findings, fixture, fundament, shared_fixture};

fn judge(outbound: &str, inbound: &str, mode: UseMode) -> compat::Compatibility {
    compat::check(
        &Tree::parse(outbound).unwrap(),
        &Tree::parse(inbound).unwrap(),
        mode,
    )
}

use UseMode::{Distribution, Internal, Network};
use Verdict::{Compatible, Incompatible, NeedsReview};

/// (outbound, inbound, use, expected verdict, why — the source)
const MATRIX: &[(&str, &str, UseMode, Verdict, &str)] = &[
    (
        "EUPL-1.2",
        "MIT",
        Distribution,
        Compatible,
        "OSADL EUPL-1.2/MIT: Yes",
    ),
    (
        "EUPL-1.2",
        "BSD-3-Clause",
        Distribution,
        Compatible,
        "OSADL: Yes",
    ),
    (
        "EUPL-1.2",
        "MPL-2.0",
        Distribution,
        Compatible,
        "OSADL: Yes",
    ),
    (
        "EUPL-1.2",
        "Apache-2.0",
        Distribution,
        Compatible,
        "OSADL: Unknown; category permissive",
    ),
    (
        "EUPL-1.2",
        "Unicode-3.0",
        Distribution,
        Compatible,
        "OSADL does not list Unicode-3.0; category permissive",
    ),
    (
        "EUPL-1.2",
        "GPL-3.0-only",
        Distribution,
        Incompatible,
        "OSADL: No; the EUPL appendix lists GPL-3.0-only (way out)",
    ),
    (
        "EUPL-1.2",
        "AGPL-3.0-only",
        Network,
        Incompatible,
        "OSADL: No",
    ),
    (
        "EUPL-1.2",
        "LGPL-2.1-only",
        Distribution,
        NeedsReview,
        "OSADL: No, but weak copyleft: library use vs merged files",
    ),
    (
        "EUPL-1.2",
        "CDDL-1.0",
        Distribution,
        NeedsReview,
        "OSADL: No; weak copyleft",
    ),
    (
        "EUPL-1.2",
        "GPL-3.0-only",
        Internal,
        Compatible,
        "internal use: not distributed",
    ),
    (
        "MIT",
        "GPL-2.0-only",
        Distribution,
        Incompatible,
        "OSADL MIT/GPL-2.0-only: No",
    ),
    (
        "GPL-3.0-only",
        "Apache-2.0",
        Distribution,
        Compatible,
        "OSADL: Yes",
    ),
    (
        "GPL-2.0-only",
        "Apache-2.0",
        Distribution,
        Incompatible,
        "OSADL GPL-2.0-only/Apache-2.0: No (the patent clause)",
    ),
    (
        "GPL-3.0-or-later",
        "GPL-2.0-or-later",
        Distribution,
        Compatible,
        "OSADL: Yes",
    ),
    (
        "GPL-2.0-only",
        "GPL-3.0-only",
        Distribution,
        Incompatible,
        "OSADL: No",
    ),
    (
        "GPL-3.0-only",
        "EUPL-1.2",
        Distribution,
        Compatible,
        "OSADL: Yes",
    ),
    (
        "AGPL-3.0-only",
        "AGPL-3.0-only",
        Network,
        Compatible,
        "the same licence",
    ),
    (
        "AGPL-3.0-only",
        "LGPL-2.1-only",
        Distribution,
        NeedsReview,
        "OSADL: Check dependency",
    ),
    (
        "Apache-2.0",
        "MPL-2.0",
        Distribution,
        NeedsReview,
        "OSADL: No; weak copyleft",
    ),
];

#[test]
fn the_compatibility_matrix_follows_the_sources() {
    for (outbound, inbound, mode, expected, why) in MATRIX {
        let result = judge(outbound, inbound, *mode);
        assert_eq!(
            result.verdict, *expected,
            "{inbound} in a {outbound} work, {mode} use ({why}): {:#?}",
            result.pairs
        );
        let pair = &result.pairs[0];
        assert!(!pair.reason.is_empty());
        if *mode != Internal && outbound != inbound {
            assert!(
                pair.sources.iter().any(|s| s.starts_with("OSADL matrix")),
                "{outbound}/{inbound}: the OSADL source is quoted: {:?}",
                pair.sources
            );
        }
    }
}

#[test]
fn gpl_code_in_an_eupl_work_names_the_eupl_way_out() {
    let result = judge("EUPL-1.2", "GPL-3.0-only", Distribution);
    let pair = &result.pairs[0];
    assert!(
        pair.reason.contains("cannot stay under EUPL-1.2"),
        "{}",
        pair.reason
    );
    let remedy = pair.remedy.as_deref().unwrap();
    assert!(
        remedy.contains("Article 5") && remedy.contains("GPL-3.0-only"),
        "{remedy}"
    );
    assert!(
        pair.sources
            .iter()
            .any(|s| s == "EUPL-1.2 appendix: GPL-3.0-only is a compatible licence")
    );
    // -or-later code may be used under the version the appendix names.
    let later = judge("EUPL-1.2", "GPL-3.0-or-later", Distribution);
    assert!(
        later.pairs[0]
            .remedy
            .as_deref()
            .unwrap()
            .contains("GPL-3.0-only")
    );
}

#[test]
fn network_copyleft_obligations_depend_on_the_use() {
    let internal = judge("AGPL-3.0-only", "AGPL-3.0-only", Internal);
    assert!(internal.pairs[0].obligations.is_empty());
    let distribution = judge("AGPL-3.0-only", "AGPL-3.0-only", Distribution);
    assert!(distribution.pairs[0].obligations.is_empty());
    let network = judge("AGPL-3.0-only", "AGPL-3.0-only", Network);
    assert_eq!(network.pairs[0].obligations.len(), 1);
    assert!(network.pairs[0].obligations[0].contains("over a network"));
}

#[test]
fn every_preset_parses_and_says_what_it_encodes() {
    for (name, text) in fundament::policy::PRESETS {
        let policy = Policy::preset(name).unwrap().unwrap();
        assert_eq!(policy.name, *name);
        assert!(
            text.starts_with(&format!("# fundament policy preset: {name}")),
            "{name}"
        );
        assert!(text.contains("Sources:"), "{name} names its sources");
    }
    let network = Policy::preset("eupl-1.2-network").unwrap().unwrap();
    assert_eq!(network.outbound.as_deref(), Some("EUPL-1.2"));
    assert_eq!(network.use_mode, Some(Network));
    let osi = fundament::policy::PRESETS
        .iter()
        .find(|(n, _)| *n == "osi-approved")
        .unwrap()
        .1;
    assert!(osi.contains("STAND-IN") && osi.contains("openCode"));
}

#[test]
fn the_audit_reports_incompatible_dependencies_with_sources() {
    // The Cargo fixture: gpl-lib (GPL-3.0-only), test-helper (GPL-2.0-or-later, dev).
    let tmp = tempfile::tempdir().unwrap();
    let policy = tmp.path().join("policy.toml");
    std::fs::write(
        &policy,
        "[project]\nlicence = \"EUPL-1.2\"\nuse = \"distribution\"\n\
         [licences]\nallow = [\"permissive\", \"strong-copyleft\"]\nunknown = \"allow\"\n",
    )
    .unwrap();
    let run = audit_json(
        &fixture("cargo/workspace"),
        &["--offline", "--policy", policy.to_str().unwrap()],
    );
    let incompatible = findings(&run.json, "C001");
    let packages: Vec<String> = support::affected(&run.json, "C001");
    // test-helper is a dev-dependency: a development tool, checked against the licence rules
    // (the default `[dependencies] dev = "licence"`), not against the project's licence.
    assert_eq!(packages, vec!["pkg:cargo/gpl-lib@3.0.0"]);
    let helper = support::package(&run.json, "test-helper");
    assert_eq!(helper["scope"], "dev");
    assert_eq!(helper["verdict"]["status"], "allowed");
    assert_eq!(helper["verdict"]["delivered"], false);
    assert!(helper["verdict"].get("compatibility").is_none());
    let notes = incompatible[0]["notes"].to_string();
    assert!(notes.contains("OSADL matrix"), "{notes}");
    assert!(notes.contains("way out"), "{notes}");
    assert_eq!(run.code, 1, "incompatibility is a violation");
    let gpl = support::package(&run.json, "gpl-lib");
    assert_eq!(gpl["verdict"]["compatibility"]["verdict"], "incompatible");

    // The same project used only internally: nothing to report.
    std::fs::write(
        &policy,
        "[project]\nlicence = \"EUPL-1.2\"\nuse = \"internal\"\n\
         [licences]\nallow = [\"permissive\", \"strong-copyleft\"]\nunknown = \"allow\"\n",
    )
    .unwrap();
    let run = audit_json(
        &fixture("cargo/workspace"),
        &["--offline", "--policy", policy.to_str().unwrap()],
    );
    assert!(findings(&run.json, "C001").is_empty());
    assert_eq!(run.code, 0, "{}", run.json["findings"]);
}

#[test]
fn the_outbound_licence_defaults_to_the_projects_own() {
    // The fixture's members declare EUPL-1.2; the policy names only the use.
    let tmp = tempfile::tempdir().unwrap();
    support::copy_tree(&fixture("cargo"), tmp.path());
    let dir = tmp.path().join("workspace");
    std::fs::write(
        dir.join("fundament.toml"),
        "[project]\nuse = \"network\"\n[licences]\nallow = [\"permissive\"]\nunknown = \"allow\"\n",
    )
    .unwrap();
    std::fs::write(dir.join("publiccode.yml"), "legal:\n  license: EUPL-1.2\n").unwrap();
    let run = audit_json(&dir, &["--offline"]);
    assert_eq!(run.json["project_licence"]["expression"], "EUPL-1.2");
    // The project itself, offered over a network under the EUPL: its own obligation.
    let own = findings(&run.json, "C003");
    assert!(
        own.iter()
            .any(|f| f["package"].is_null() && f["message"].as_str().unwrap().contains("EUPL-1.2")),
        "{own:?}"
    );
}

#[test]
fn the_opentalk_deny_toml_converts_with_the_same_outcome_per_licence() {
    let Some(dir) = shared_fixture("opentalk-roomserver") else {
        return;
    };
    let deny_toml = dir.join("deny.toml");
    let output = fundament()
        .args(["policy", "import"])
        .arg(&deny_toml)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0));
    let converted = String::from_utf8(output.stdout).unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("ring = MIT AND ISC AND OpenSSL"),
        "{stderr}"
    );
    let policy = Policy::parse(&converted, "converted.toml", "converted.toml")
        .unwrap_or_else(|e| panic!("{e}\n{converted}"));

    // The original allow list, read independently from deny.toml.
    let original: toml::Table =
        toml::from_str(&std::fs::read_to_string(&deny_toml).unwrap()).unwrap();
    let allowed: Vec<String> = original["licenses"]["allow"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_string())
        .collect();
    let others = [
        "GPL-3.0-only",
        "GPL-2.0-or-later",
        "AGPL-3.0-only",
        "LGPL-2.1-only",
        "EUPL-1.2",
        "Unlicense",
        "Unicode-DFS-2016",
        "OpenSSL",
        "0BSD",
        "Apache-2.0 WITH Swift-exception",
    ];
    for licence in allowed.iter().map(String::as_str).chain(others) {
        let (status, _, _) = fundament::policy::evaluate::judge_expression(licence, &policy);
        let expected = allowed.iter().any(|a| a == licence);
        assert_eq!(
            status == fundament::policy::evaluate::Status::Allowed,
            expected,
            "{licence}: converted policy says {status}"
        );
    }
    // Expressions behave as cargo-deny evaluates them: OR needs one allowed side, AND both.
    let judge = |e: &str| fundament::policy::evaluate::judge_expression(e, &policy).0;
    use fundament::policy::evaluate::Status;
    assert_eq!(judge("MIT OR GPL-3.0-only"), Status::Allowed);
    assert_eq!(judge("MIT AND GPL-3.0-only"), Status::Denied);
    // Of the 66 per-crate exceptions, the 52 for the workspace's own crates (Cargo.lock
    // packages without a source) are dropped: fundament never judges them, and carried over
    // they would only fire P002 (unused exception). The 14 for published crates are kept.
    assert_eq!(policy.exceptions.len(), 14);
    assert!(policy.exceptions.iter().all(|e| e.allow.len() == 1));
    assert!(
        policy
            .exceptions
            .iter()
            .all(|e| e.spec.name != "opentalk-roomserver"),
        "{converted}"
    );
    assert!(
        stderr.contains(
            "licenses.exceptions: 52 exceptions for the workspace's own crates dropped (opentalk-roomserver, "
        ),
        "{stderr}"
    );
    // Named after the file and its folder, not the absolute path of this machine.
    assert_eq!(policy.name, "imported from opentalk-roomserver/deny.toml");
    assert!(!converted.contains(dir.to_str().unwrap()), "{converted}");
    // The sections without a counterpart are named, in the notes and as comments in the file.
    // cargo-deny's `yanked = "deny"` is carried over: fundament checks yanked crates too.
    assert!(converted.contains("\nyanked = \"deny\"\n"), "{converted}");
    assert!(!stderr.contains("advisories.yanked"), "{stderr}");
    for section in ["[bans] (", "[sources] ("] {
        assert!(stderr.contains(section), "{section}: {stderr}");
        assert!(
            converted
                .lines()
                .any(|l| l.starts_with("# - ") && l.contains(section)),
            "{section}: {converted}"
        );
    }
    assert_eq!(policy.unknown, Decision::Deny);

    // Auditing the fixture under the converted policy runs (cargo metadata cannot read this
    // partial workspace, so the licences are unresolved and nothing passes unchecked).
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("converted.toml");
    std::fs::write(&path, &converted).unwrap();
    let run = audit_json(&dir, &["--offline", "--policy", path.to_str().unwrap()]);
    assert_eq!(run.json["policy"]["origin"], path.to_str().unwrap());
    assert_ne!(run.code, 0);
}

#[test]
fn policy_check_reports_errors_with_lines_and_summarises_valid_files() {
    let tmp = tempfile::tempdir().unwrap();
    let bad = tmp.path().join("bad.toml");
    std::fs::write(
        &bad,
        "[licences]\nallow = [\"MIT\"]\n\n[project]\nuse = \"cloud\"\n",
    )
    .unwrap();
    let output = fundament()
        .args(["policy", "check"])
        .arg(&bad)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("bad.toml:5"), "{stderr}");

    let output = fundament()
        .args(["policy", "check", "policies/eupl-1.2-network.toml"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0));
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        stdout.contains("valid policy `eupl-1.2-network`"),
        "{stdout}"
    );
    assert!(
        stdout.contains("`network` use against EUPL-1.2"),
        "{stdout}"
    );
}

#[test]
fn policy_explain_speaks_plainly_in_english_and_german() {
    let output = fundament()
        .args([
            "policy",
            "explain",
            "AGPL-3.0-only",
            "--outbound",
            "EUPL-1.2",
            "--use",
            "network",
            "--lang",
            "de",
        ])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0));
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(text.contains("Lizenzart: Netzwerk-Copyleft"), "{text}");
    assert!(text.contains("Vereinbarkeit mit EUPL-1.2"), "{text}");
    assert!(text.contains("nicht vereinbar"), "{text}");
    assert!(
        text.contains("Pflicht: AGPL-3.0-only gilt auch für die Nutzung über ein Netzwerk"),
        "{text}"
    );
    assert!(
        text.contains("Lösungsweg: Artikel 5 der EUPL-1.2"),
        "{text}"
    );
    // The reasoning is German too: none of the English sentences is left.
    for english in [
        "incompatible",
        "obligation:",
        "requires the work",
        "way out",
        "OSADL matrix",
        "category:",
    ] {
        assert!(!text.contains(english), "{english}: {text}");
    }
    let output = fundament()
        .args([
            "policy",
            "explain",
            "AGPL-3.0-only",
            "--outbound",
            "EUPL-1.2",
            "--use",
            "network",
        ])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(text.contains("category: network-copyleft"), "{text}");
    assert!(text.contains("incompatible"), "{text}");
    assert!(text.contains("obligation:"), "{text}");
    assert!(text.contains("\ncompatibility with EUPL-1.2"), "{text}");

    let output = fundament()
        .args(["policy", "explain", "Apache 2", "--format", "json"])
        .output()
        .unwrap();
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(json["expression"], "Apache-2.0");
    assert_eq!(json["licences"][0]["osi_approved"], true);
    assert!(
        json["licences"][0]["obligations"]
            .to_string()
            .contains("NOTICE")
    );
}

#[test]
fn policy_explain_finds_packages_by_purl() {
    let output = fundament()
        .args([
            "policy",
            "explain",
            "pkg:cargo/gpl-lib@3.0.0",
            "--policy",
            "eupl-1.2-distribution",
            "--path",
        ])
        .arg(fixture("cargo/workspace"))
        .output()
        .unwrap();
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(
        text.starts_with("gpl-lib 3.0.0: licence GPL-3.0-only"),
        "{text}"
    );
    assert!(text.contains("compatibility with EUPL-1.2"), "{text}");
}
