//! Exceptions and clarifications that decide a verdict are named, with their reason, approver
//! and expiry, in every report: human, JSON, SARIF, HTML and Markdown, in German and English.

mod support;

use std::path::Path;
use support::{findings, fixture, fundament, package};

/// Runs `fundament audit` with `args` and returns exit code and stdout.
fn run(dir: &Path, args: &[&str]) -> (i32, String) {
    let output = fundament()
        .arg("audit")
        .arg(dir)
        .args(["--offline"])
        .args(args)
        .output()
        .unwrap();
    (
        output.status.code().unwrap(),
        String::from_utf8(output.stdout).unwrap(),
    )
}

/// zmsadmin (Munich's appointment system, ../shared/fixtures/eappointment): aronduby/dump
/// declares no licence; an exception accepts it until the end of 2099.
const EXCEPTION_POLICY: &str = r#"name = "procurement"
[licences]
allow = ["permissive", "weak-copyleft", "OSL-3.0", "GPL-2.0-only", "GPL-3.0-only"]
unknown = "deny"

[[exceptions]]
package = "aronduby/dump"
allow = ["NOASSERTION"]
reason = "debug helper, confirmed MIT by its author in writing"
approved-by = "Legal team Jane Roe"
expires = "2099-12-31"
"#;

#[test]
fn an_exception_is_named_with_reason_approver_and_expiry_in_every_report() {
    let Some(zmsadmin) = support::shared_fixture("eappointment/zmsadmin") else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let policy = tmp.path().join("policy.toml");
    std::fs::write(&policy, EXCEPTION_POLICY).unwrap();
    let policy = policy.to_str().unwrap();
    let reason = "debug helper, confirmed MIT by its author in writing";

    // JSON: the decision's cause carries source, approver, reason and expiry.
    let (_, json) = run(&zmsadmin, &["--policy", policy, "--format", "json"]);
    let json: serde_json::Value = serde_json::from_str(&json).unwrap();
    let dump = package(&json, "aronduby/dump");
    assert_eq!(dump["licence"]["concluded"]["expression"], "NOASSERTION");
    assert_eq!(dump["verdict"]["status"], "allowed");
    let cause = &dump["verdict"]["licences"][0]["cause"];
    assert_eq!(cause["kind"], "exception", "{dump}");
    assert_eq!(cause["approved_by"], "Legal team Jane Roe");
    assert_eq!(cause["reason"], reason);
    assert_eq!(cause["expires"], "2099-12-31");
    let applied = findings(&json, "P006");
    assert_eq!(applied.len(), 1, "{applied:?}");
    let message = applied[0]["message"].as_str().unwrap();
    for part in [
        reason,
        "approved by Legal team Jane Roe",
        "expires 2099-12-31",
    ] {
        assert!(message.contains(part), "{message}");
    }

    // Human: the finding, with its reason, approver and expiry.
    let (_, human) = run(&zmsadmin, &["--policy", policy]);
    let line = human
        .lines()
        .find(|l| l.contains("P006"))
        .unwrap_or_else(|| panic!("{human}"));
    assert!(
        line.contains(reason) && line.contains("expires 2099-12-31"),
        "{line}"
    );

    // SARIF: a result of rule P006 whose message names all three.
    let (_, sarif) = run(&zmsadmin, &["--policy", policy, "--format", "sarif"]);
    let sarif: serde_json::Value = serde_json::from_str(&sarif).unwrap();
    let result = sarif["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["ruleId"] == "P006")
        .unwrap();
    let text = result["message"]["text"].as_str().unwrap();
    assert!(
        text.contains(reason)
            && text.contains("Legal team Jane Roe")
            && text.contains("2099-12-31"),
        "{text}"
    );

    // HTML and Markdown, German and English: the component's row says which exception
    // decided, next to the verdict.
    for (lang, expected) in [
        (
            "de",
            format!(
                "Ausnahme: {reason} — genehmigt von Legal team Jane Roe, gültig bis 31.12.2099"
            ),
        ),
        (
            "en",
            format!(
                "Exception: {reason} — approved by Legal team Jane Roe, valid until 2099-12-31"
            ),
        ),
    ] {
        let (_, html) = run(
            &zmsadmin,
            &["--policy", policy, "--format", "html", "--lang", lang],
        );
        let row = html
            .lines()
            .find(|l| l.contains("<tr class=\"component") && l.contains("aronduby&#x2f;dump"))
            .unwrap_or_else(|| panic!("no row for aronduby/dump"));
        assert!(
            row.contains(&format!("<span class=\"decided-by\">{expected}")),
            "{row}"
        );
        let (_, md) = run(
            &zmsadmin,
            &["--policy", policy, "--format", "markdown", "--lang", lang],
        );
        let row = md
            .lines()
            .find(|l| l.starts_with('|') && l.contains("| aronduby/dump | 0.9.1 |"))
            .unwrap();
        assert!(row.contains(&expected), "{row}");
    }
}

/// The workspace fixture's `filed` crate, clarified to MIT and pinned to its LICENSE.txt.
fn clarify_policy(expires: &str) -> String {
    format!(
        r#"name = "clarified"
[licences]
allow = ["permissive", "GPL-3.0-only", "GPL-2.0-or-later"]
unknown = "allow"

[[clarify]]
package = "filed"
expression = "MIT"
license-files = [{{ path = "LICENSE.txt", sha256 = "3b0d5b7105a439a9bcea8d948c99881eba1844fa1a8663354e896ec1d2886daf" }}]
reason = "the LICENSE.txt is the MIT licence"
approved-by = "Max Mustermann"
expires = "{expires}"
"#
    )
}

#[test]
fn a_clarification_is_named_with_reason_approver_and_expiry_and_lapses_when_expired() {
    let dir = fixture("cargo/workspace");
    let tmp = tempfile::tempdir().unwrap();
    let policy = tmp.path().join("policy.toml");
    std::fs::write(&policy, clarify_policy("2099-06-30")).unwrap();
    let policy_arg = policy.to_str().unwrap();

    let (_, json) = run(&dir, &["--policy", policy_arg, "--format", "json"]);
    let json: serde_json::Value = serde_json::from_str(&json).unwrap();
    let filed = package(&json, "filed");
    assert_eq!(filed["licence"]["concluded"]["from"], "curated");
    let curated = &filed["licence"]["curated"];
    assert_eq!(curated["approved_by"], "Max Mustermann");
    assert_eq!(curated["expires"], "2099-06-30");
    assert_eq!(curated["reason"], "the LICENSE.txt is the MIT licence");
    let note = findings(&json, "P007")[0]["message"]
        .as_str()
        .unwrap()
        .to_string();
    for part in [
        "reason: the LICENSE.txt is the MIT licence",
        "approved by Max Mustermann",
        "expires 2099-06-30",
    ] {
        assert!(note.contains(part), "{note}");
    }
    let (_, human) = run(&dir, &["--policy", policy_arg]);
    assert!(
        human.contains("approved by Max Mustermann; expires 2099-06-30"),
        "{human}"
    );
    let (_, sarif) = run(&dir, &["--policy", policy_arg, "--format", "sarif"]);
    assert!(sarif.contains("approved by Max Mustermann; expires 2099-06-30"));
    let (_, html) = run(
        &dir,
        &["--policy", policy_arg, "--format", "html", "--lang", "de"],
    );
    assert!(html.contains(
        "Klarstellung: Lizenz festgelegt als MIT: the LICENSE.txt is the MIT licence — genehmigt von Max Mustermann, gültig bis 30.06.2099"
    ));
    let (_, md) = run(&dir, &["--policy", policy_arg, "--format", "markdown"]);
    assert!(md.contains(
        "Clarification: licence set to MIT: the LICENSE.txt is the MIT licence — approved by Max Mustermann, valid until 2099-06-30"
    ));

    // Expired: no longer applied, and the audit says so.
    std::fs::write(&policy, clarify_policy("2020-01-31")).unwrap();
    let (_, json) = run(&dir, &["--policy", policy_arg, "--format", "json"]);
    let json: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_ne!(
        package(&json, "filed")["licence"]["concluded"]["from"],
        "curated"
    );
    let expired = findings(&json, "P011");
    assert_eq!(expired.len(), 1);
    assert!(
        expired[0]["message"]
            .as_str()
            .unwrap()
            .contains("expired on 2020-01-31; it is no longer applied")
    );
    assert!(findings(&json, "P007").is_empty());
}
