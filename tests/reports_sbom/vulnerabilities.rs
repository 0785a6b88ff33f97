//! Known vulnerabilities in the SBOM and in SARIF.

use super::*;

/// An npm project, OSV records for two of its packages, and an index with a VEX statement:
/// the policy that asks for both.
fn vulnerable_npm(tmp: &Path) -> Input {
    let data = tmp.join("osv");
    std::fs::create_dir_all(&data).unwrap();
    std::fs::write(
        data.join("GHSA-ms.json"),
        r#"{"id":"GHSA-ms","aliases":["CVE-2099-1"],"modified":"2026-11-30T00:00:00Z","published":"2026-11-01T00:00:00Z","summary":"ms is slow","severity":[{"type":"CVSS_V3","score":"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H"}],"affected":[{"package":{"ecosystem":"npm","name":"ms"},"ranges":[{"type":"SEMVER","events":[{"introduced":"0"},{"fixed":"2.1.0"}]}]}],"references":[{"type":"ADVISORY","url":"https://advisories.example/GHSA-ms"}]}"#,
    )
    .unwrap();
    std::fs::write(
        data.join("GHSA-debug.json"),
        r#"{"id":"GHSA-debug","modified":"2026-11-30T00:00:00Z","summary":"debug leaks","affected":[{"package":{"ecosystem":"npm","name":"debug"},"ranges":[{"type":"ECOSYSTEM","events":[{"introduced":"0"},{"fixed":"3.0.0"}]}]}],"database_specific":{"severity":"MODERATE"}}"#,
    )
    .unwrap();
    let index = tmp.join("index");
    let run = |args: &[&str]| {
        let out = fundament().args(args).output().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    let index_s = index.to_str().unwrap();
    run(&[
        "index",
        "init",
        index_s,
        "--name",
        "city",
        "--maintainer",
        "Ann <ann@city.example>",
        "--organisation",
        "City",
    ]);
    run(&[
        "index",
        "publish",
        "--index",
        index_s,
        "pkg:npm/ms@2.0.0",
        "--decision",
        "approved",
        "--licence",
        "MIT",
        "--no-evidence",
        "reviewed from the source repository",
        "--reviewer",
        "Ann",
        "--organisation",
        "City",
        "--no-commit",
        "--vex",
        "CVE-2099-1",
        "--vex-status",
        "not_affected",
        "--justification",
        "vulnerable_code_not_in_execute_path",
        "--analysis",
        "only formats build times",
    ]);
    let policy = tmp.join("policy.toml");
    std::fs::write(
        &policy,
        format!(
            "[licences]\nallow = [\"MIT\"]\nunknown = \"allow\"\n\n[advisories]\ndb = [{:?}]\nmax-age = 10000\n\n[[index]]\nname = \"city\"\nlocation = {:?}\nprecedence = 10\n",
            data.to_str().unwrap(),
            index_s
        ),
    )
    .unwrap();
    Input::WithPolicy(fixture("npm/lockfile-v3"), policy)
}

#[test]
fn vulnerabilities_and_their_vex_analysis_in_cyclonedx_and_sarif() {
    let tmp = tempfile::tempdir().unwrap();
    let input = vulnerable_npm(tmp.path());
    let r = reports(&input, "npm/lockfile-v3 with advisories");
    let vulns = array(&r.cyclonedx["vulnerabilities"]);
    assert_eq!(vulns.len(), 2);
    let ms = vulns.iter().find(|v| v["id"] == "GHSA-ms").unwrap();
    assert_eq!(ms["affects"][0]["ref"], "pkg:npm/ms@2.0.0");
    assert_eq!(ms["affects"][0]["versions"][0]["status"], "unaffected");
    assert_eq!(ms["analysis"]["state"], "not_affected");
    assert_eq!(ms["analysis"]["justification"], "code_not_reachable");
    assert!(string(&ms["analysis"]["detail"]).contains("only formats build times"));
    assert_eq!(ms["references"][0]["id"], "CVE-2099-1");
    assert_eq!(ms["ratings"][0]["method"], "CVSSv31");
    assert_eq!(ms["ratings"][0]["score"], 7.5);
    assert_eq!(ms["recommendation"], "Upgrade ms to 2.1.0.");
    let debug = vulns.iter().find(|v| v["id"] == "GHSA-debug").unwrap();
    assert_eq!(debug["ratings"][0]["severity"], "medium");
    assert!(debug.get("analysis").is_none());
    assert_eq!(debug["affects"][0]["versions"][0]["status"], "affected");
    // Every affected component is a component of the SBOM.
    let refs: BTreeSet<String> = array(&r.cyclonedx["components"])
        .iter()
        .map(|c| string(&c["bom-ref"]))
        .collect();
    for v in vulns {
        assert!(refs.contains(&string(&v["affects"][0]["ref"])));
    }

    let run = &r.sarif["runs"][0];
    let rule = array(&run["tool"]["driver"]["rules"])
        .iter()
        .find(|r| r["id"] == "A001")
        .unwrap()
        .clone();
    assert!(
        array(&rule["properties"]["tags"])
            .iter()
            .any(|t| t == "security")
    );
    let result = array(&run["results"])
        .iter()
        .find(|r| r["ruleId"] == "A001")
        .unwrap()
        .clone();
    assert_eq!(result["properties"]["advisory"], "GHSA-debug");
    assert_eq!(result["properties"]["security-severity"], "5.5");
    assert_eq!(result["level"], "error");
    // Located at the lockfile line that names the package.
    assert_eq!(
        result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
        "package-lock.json"
    );
}
