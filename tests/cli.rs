//! The command line itself: arguments, exit codes, output destinations, colour, and input that
//! is not a project at all.

mod support;

use support::{audit_json, findings, fixture, fundament};

#[test]
fn a_missing_directory_is_a_usage_error() {
    let output = fundament()
        .args(["audit", "/nonexistent/fundament-test-dir"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("/nonexistent/fundament-test-dir: no such directory"),
        "{stderr}"
    );
    assert!(output.stdout.is_empty());
}

#[test]
fn a_file_is_not_a_directory_to_audit() {
    let output = fundament()
        .arg("audit")
        .arg(fixture("cargo/workspace/Cargo.toml"))
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("is not a directory"));
}

#[test]
fn unknown_arguments_are_usage_errors() {
    let output = fundament()
        .args(["audit", "--no-such-flag"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let output = fundament()
        .args(["audit", "--format", "pdf"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
}

#[test]
fn the_report_goes_to_the_output_file_not_stdout() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("audit.json");
    let output = fundament()
        .args(["audit", "--offline", "--format", "json", "-o"])
        .arg(&out)
        .arg(fixture("cargo/workspace"))
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    assert!(output.stdout.is_empty());
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    assert_eq!(json["schema"], "fundament.audit/1");
}

#[test]
fn colour_only_when_asked_or_on_a_terminal() {
    let plain = fundament()
        .args(["audit", "--offline"])
        .arg(fixture("cargo/workspace"))
        .output()
        .unwrap();
    assert!(!String::from_utf8_lossy(&plain.stdout).contains('\u{1b}'));
    let coloured = fundament()
        .args(["audit", "--offline", "--color", "always"])
        .arg(fixture("cargo/workspace"))
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&coloured.stdout).contains("\u{1b}["));
    // Not a terminal: no progress output either.
    assert!(
        plain.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&plain.stderr)
    );
}

#[test]
fn a_directory_without_projects_does_not_pass() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(tmp.path().join("README.md"), "no code here\n").unwrap();
    let run = audit_json(tmp.path(), &[]);
    assert_eq!(run.code, 2);
    assert_eq!(run.json["projects"].as_array().unwrap().len(), 0);
    assert_eq!(findings(&run.json, "I009").len(), 1);
    assert_eq!(run.json["summary"]["outcome"], "incomplete");
}

#[test]
fn lockfiles_of_ecosystems_fundament_cannot_read_are_reported_not_passed() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(tmp.path().join("docs")).unwrap();
    std::fs::write(tmp.path().join("docs/Gemfile.lock"), "GEM\n  specs:\n").unwrap();
    let run = audit_json(tmp.path(), &[]);
    let unsupported = findings(&run.json, "I008");
    assert_eq!(unsupported.len(), 1, "{}", run.json["findings"]);
    assert_eq!(unsupported[0]["location"]["file"], "docs/Gemfile.lock");
    assert!(
        unsupported[0]["message"]
            .as_str()
            .unwrap()
            .contains("Ruby (Bundler)")
    );
    assert_eq!(run.code, 2);
}

#[cfg(unix)]
#[test]
fn a_lockfile_linking_outside_the_tree_is_not_read() {
    let outside = tempfile::tempdir().unwrap();
    std::fs::write(
        outside.path().join("package-lock.json"),
        r#"{"lockfileVersion": 3, "packages": {"": {"name": "x"}}}"#,
    )
    .unwrap();
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(
        tmp.path().join("package.json"),
        r#"{"name": "app", "dependencies": {"left-pad": "^1.3.0"}}"#,
    )
    .unwrap();
    std::os::unix::fs::symlink(
        outside.path().join("package-lock.json"),
        tmp.path().join("package-lock.json"),
    )
    .unwrap();
    let run = audit_json(tmp.path(), &[]);
    let links = findings(&run.json, "I004");
    assert_eq!(links.len(), 1, "{}", run.json["findings"]);
    assert_eq!(links[0]["location"]["file"], "package-lock.json");
    assert_eq!(
        links[0]["message"],
        "package-lock.json is a symbolic link (or lies behind one) to a file outside the \
         audited tree; not read"
    );
    // The project's lockfile was refused: the project cannot be audited, and the audit says
    // why (not that the lockfile is missing).
    assert_eq!(links[0]["severity"], "error");
    assert!(findings(&run.json, "I002").is_empty());
    assert_eq!(run.code, 2);
}

/// README's sections for the three audiences give three commands each, and every `fundament`
/// command README shows is one the command line accepts (parsed, not run: some need the network
/// or a supplier's repository).
#[test]
fn readme_commands_are_accepted_and_each_audience_has_three() {
    use clap::Parser as _;
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    let mut section = String::new();
    let mut in_code = false; // in a ```sh block
    let mut per_section: std::collections::BTreeMap<String, usize> = Default::default();
    let mut checked = 0;
    let mut line_iter = readme.lines().peekable();
    while let Some(line) = line_iter.next() {
        if let Some(title) = line.strip_prefix("## ") {
            section = title.to_string();
        } else if let Some(language) = line.strip_prefix("```") {
            // Commands are in `sh` blocks; a plain block shows output.
            in_code = !in_code && language == "sh";
        } else if in_code && line.starts_with("fundament ") {
            // A command continued on the next lines with a trailing backslash.
            let mut command = line.to_string();
            while command.ends_with('\\') {
                command.pop();
                command.push_str(line_iter.next().unwrap_or_default());
            }
            // Comments are separated by at least two spaces; quoted text may hold a `#`.
            let command = match command.find("  #") {
                Some(at) => &command[..at],
                None => command.as_str(),
            };
            let words =
                shlex::split(command).unwrap_or_else(|| panic!("unbalanced quotes: {command}"));
            if let Err(e) = fundament::cli::Cli::try_parse_from(&words) {
                panic!("README, section {section:?}: `{command}` is not accepted:\n{e}");
            }
            *per_section.entry(section.clone()).or_default() += 1;
            checked += 1;
        }
    }
    for audience in [
        "For developers in CI",
        "For procurement",
        "For index maintainers",
    ] {
        assert_eq!(
            per_section.get(audience),
            Some(&3),
            "{audience}: {per_section:?}"
        );
    }
    assert!(checked > 20, "{per_section:?}");
}
