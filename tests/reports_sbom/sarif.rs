//! SARIF content, its locations and its rules' links.

use super::*;

#[test]
fn sarif_has_a_rule_and_a_located_result_per_finding() {
    let r = reports(&dir("cargo/workspace"), "cargo/workspace");
    let log = &r.sarif;
    assert_eq!(log["version"], "2.1.0");
    assert!(log["$schema"].as_str().is_some());
    let run = &log["runs"][0];
    assert_eq!(run["tool"]["driver"]["name"], "fundament");
    assert_eq!(run["tool"]["driver"]["version"], "0.1.0");

    let findings = array(&r.audit["findings"]);
    let codes: BTreeSet<String> = findings.iter().map(|f| string(&f["code"])).collect();
    let rules = array(&run["tool"]["driver"]["rules"]);
    let rule_ids: BTreeSet<String> = rules.iter().map(|r| string(&r["id"])).collect();
    assert_eq!(rule_ids, codes);
    for rule in rules {
        assert!(string(&rule["fullDescription"]["text"]).contains("docs/diagnostics.md"));
    }

    let lock = fixture("cargo/workspace/Cargo.lock");
    let results = array(&run["results"]);
    for (result, finding) in results.iter().zip(findings) {
        let index = result["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(rules[index]["id"], result["ruleId"]);
        if finding.get("package").is_none() {
            // The vetting note and the advisories warning are about no package: they point at
            // the project's manifest.
            assert!(finding["code"] == "V009" || finding["code"] == "A012");
            assert_eq!(location(result), ("Cargo.toml".to_string(), None));
            continue;
        }
        // Package findings point at the lockfile line that names the package.
        let purl = string(&finding["package"]);
        let name = purl
            .strip_prefix("pkg:cargo/")
            .and_then(|p| p.split('@').next())
            .unwrap();
        assert_eq!(
            location(result),
            (
                "Cargo.lock".to_string(),
                Some(line_containing(&lock, &format!("name = \"{name}\"")) as u64)
            ),
            "{purl}"
        );
        assert_eq!(
            result["locations"][0]["logicalLocations"][0]["fullyQualifiedName"],
            purl.as_str()
        );
        for note in array(&finding["notes"]) {
            assert!(string(&result["message"]["text"]).contains(&string(note)));
        }
    }
    let prints: BTreeSet<String> = results
        .iter()
        .map(|r| string(&r["partialFingerprints"]["fundament/v1"]))
        .collect();
    assert_eq!(prints.len(), results.len(), "fingerprints are distinct");
}

#[test]
fn sarif_locations_use_the_findings_own_file_and_line() {
    // A lockfile that cannot be parsed: the finding's own place.
    let r = reports(&dir("npm/truncated-lockfile"), "npm/truncated-lockfile");
    let finding = &r.audit["findings"][0];
    let result = &r.sarif["runs"][0]["results"][0];
    assert_eq!(
        location(result),
        (
            string(&finding["location"]["file"]),
            finding["location"]["line"].as_u64()
        )
    );

    // npm packages: the `node_modules/<name>` entry of package-lock.json.
    let r = reports(&dir("npm/installed"), "npm/installed");
    let lock = fixture("npm/installed/package-lock.json");
    let results = array(&r.sarif["runs"][0]["results"]);
    let mut checked = 0;
    for (result, finding) in results.iter().zip(array(&r.audit["findings"])) {
        if finding["code"] != "L004" {
            continue;
        }
        let purl = string(&finding["package"]);
        let name = purl
            .strip_prefix("pkg:npm/")
            .and_then(|p| p.split('@').next())
            .unwrap();
        assert_eq!(
            location(result),
            (
                "package-lock.json".to_string(),
                Some(line_containing(&lock, &format!("\"node_modules/{name}\"")) as u64)
            )
        );
        checked += 1;
    }
    assert!(checked >= 2);
}

/// `--docs-url` (or `FUNDAMENT_DOCS_URL`) gives every SARIF rule a `helpUri`: the address and
/// the anchor of the code's "How to fix" entry; without it there is none, since SARIF wants an
/// absolute URI. The log validates against the schema either way; a relative or non-http
/// address is refused before anything is audited.
#[test]
fn sarif_rules_link_their_docs_entry_when_the_docs_address_is_given() {
    let project = fixture("cargo/workspace");
    let sarif = |extra: &[&str], env: Option<&str>| {
        let mut command = fundament();
        command
            .arg("audit")
            .arg(&project)
            .args(["--offline", "--format", "sarif"])
            .args(extra)
            .env_remove("FUNDAMENT_DOCS_URL");
        if let Some(url) = env {
            command.env("FUNDAMENT_DOCS_URL", url);
        }
        let output = command.output().expect("fundament runs");
        let log: Value = serde_json::from_slice(&output.stdout).expect("a SARIF log");
        assert_valid(&SARIF, &log, "the SARIF log");
        log
    };
    let rules = |log: &Value| array(&log["runs"][0]["tool"]["driver"]["rules"]).clone();

    let plain = sarif(&[], None);
    assert!(!rules(&plain).is_empty());
    for rule in rules(&plain) {
        assert!(rule.get("helpUri").is_none(), "{rule}");
        assert!(string(&rule["help"]["markdown"]).contains("(docs/diagnostics.md#"));
    }

    let base = "https://docs.example/fundament/docs/diagnostics.md";
    for log in [sarif(&["--docs-url", base], None), sarif(&[], Some(base))] {
        for rule in rules(&log) {
            let id = string(&rule["id"]);
            let slug = string(&rule["name"]);
            let expected = format!("{base}#{}-{slug}", id.to_lowercase());
            assert_eq!(string(&rule["helpUri"]), expected);
            assert!(
                string(&rule["help"]["markdown"]).contains(&format!("]({expected})")),
                "{rule}"
            );
        }
    }

    for bad in [
        "docs/diagnostics.md",
        "file:///usr/share/doc/fundament/diagnostics.md",
        "https://docs.example/diagnostics.md#l001",
        "https://user:secret@docs.example/diagnostics.md",
    ] {
        let output = fundament()
            .arg("audit")
            .arg(&project)
            .args(["--offline", "--format", "sarif", "--docs-url", bad])
            .output()
            .unwrap();
        assert_eq!(output.status.code(), Some(2), "{bad}");
        assert!(output.stdout.is_empty(), "{bad}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains("--docs-url"), "{bad}: {stderr}");
    }
}
