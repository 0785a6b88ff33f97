//! `fundament policy import`: existing licence policies converted into fundament policies.
//!
//! - **cargo-deny** `deny.toml`, `[licenses]` section, format versions 1 and 2: `allow`,
//!   `exceptions`, `clarify`, and for version 1 `deny`, `copyleft`, `allow-osi-fsf-free`,
//!   `unlicensed`, `default`; and its `[advisories]` section: `db-urls` (as git sources),
//!   `ignore` (ids, with their reasons), `unmaintained`, `unsound`, `notice`,
//!   `vulnerability`, `severity-threshold`, `maximum-db-staleness`;
//! - **LicenseFinder** `dependency_decisions.yml`: `:permit`, `:restrict`, `:approve`,
//!   `:license`, `:ignore`, `:ignore_group`.
//!
//! The result is a complete policy file, plus the list of everything that could not be carried
//! over, with the reason. Nothing is silently dropped: a converted policy that looks stricter or
//! looser than the original would be worse than no conversion.

use crate::licence::expression;
use std::fmt::Write as _;
use std::path::Path;

/// A converted policy.
#[derive(Debug, Clone)]
pub struct Imported {
    /// What the input was ("cargo-deny deny.toml, licenses version 2").
    pub format: String,
    /// The fundament policy, as TOML text.
    pub policy: String,
    /// What could not be carried over, and why.
    pub not_carried: Vec<String>,
}

/// Why a file could not be converted at all.
#[derive(Debug, thiserror::Error)]
#[error("{file}{}: {message}", line.map(|l| format!(":{l}")).unwrap_or_default())]
pub struct ImportError {
    pub file: String,
    pub line: Option<usize>,
    pub message: String,
}

/// Converts the policy in `path` (shown as `display`).
pub fn import(path: &Path, display: &str) -> Result<Imported, ImportError> {
    let text = crate::source::read_text_bounded(path, crate::source::Limit::POLICY).map_err(
        |refusal| ImportError {
            file: display.to_string(),
            line: None,
            message: refusal.reason_text(),
        },
    )?;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().to_lowercase())
        .unwrap_or_default();
    let short = short_name(path);
    if name.ends_with(".yml") || name.ends_with(".yaml") {
        license_finder(&text, display, &short)
    } else {
        cargo_deny(&text, display, &short, &workspace_crates(path))
    }
}

/// How the converted policy names its origin: the file and the folder it is in
/// (`opentalk-roomserver/deny.toml`), never an absolute path, which would tie the policy to
/// one machine and show up in every report.
fn short_name(path: &Path) -> String {
    let file = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "the imported file".to_string());
    let absolute = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    let name_of = |p: Option<&Path>| {
        p.and_then(Path::file_name)
            .map(|n| n.to_string_lossy().into_owned())
    };
    let parent = absolute.parent();
    match name_of(parent) {
        // `.cargo/deny.toml` says nothing about the project: name the workspace's folder too.
        Some(folder) if folder == ".cargo" => match name_of(parent.and_then(Path::parent)) {
            Some(project) => format!("{project}/.cargo/{file}"),
            None => format!(".cargo/{file}"),
        },
        Some(folder) => format!("{folder}/{file}"),
        None => file,
    }
}

/// The crates of the Cargo workspace a deny.toml belongs to, which fundament never judges (they
/// are the project; their licence is its outbound licence): cargo-deny checks them unless
/// `[licenses.private]` skips them, so deny.toml files often carry one exception per own crate.
#[derive(Debug, Default)]
struct Workspace {
    crates: std::collections::BTreeSet<String>,
    /// The files they were read from, relative to the deny.toml's folder.
    read: Vec<String>,
}

/// Reads the workspace next to the deny.toml (or above its `.cargo/` folder): the packages of
/// Cargo.lock without a `source` (the workspace's members and path dependencies), and from
/// Cargo.toml the `[package]`, the `[workspace.dependencies]` with a `path` and the members
/// whose Cargo.toml is there (`members` entries ending in `/*` included).
fn workspace_crates(deny_toml: &Path) -> Workspace {
    let mut root = deny_toml.parent().unwrap_or(Path::new(".")).to_path_buf();
    if root.file_name().is_some_and(|n| n == ".cargo")
        && let Some(parent) = root.parent()
    {
        root = parent.to_path_buf();
    }
    let read_toml = |rel: &str, limit| -> Option<toml::Table> {
        let text = crate::source::read_text_bounded(&root.join(rel), limit).ok()?;
        toml::from_str(&text).ok()
    };
    let mut workspace = Workspace::default();
    if let Some(lock) = read_toml("Cargo.lock", crate::source::Limit::LOCKFILE) {
        for package in lock
            .get("package")
            .and_then(|p| p.as_array())
            .into_iter()
            .flatten()
        {
            if package.get("source").is_none()
                && let Some(name) = package.get("name").and_then(|n| n.as_str())
            {
                workspace.crates.insert(name.to_string());
            }
        }
        workspace.read.push("Cargo.lock".to_string());
    }
    let package_name = |manifest: &toml::Table| -> Option<String> {
        manifest
            .get("package")?
            .get("name")?
            .as_str()
            .map(str::to_string)
    };
    if let Some(manifest) = read_toml("Cargo.toml", crate::source::Limit::MANIFEST) {
        workspace.crates.extend(package_name(&manifest));
        let ws = manifest.get("workspace");
        for (name, spec) in ws
            .and_then(|w| w.get("dependencies"))
            .and_then(|d| d.as_table())
            .into_iter()
            .flatten()
        {
            if spec.get("path").is_some() {
                workspace.crates.insert(name.clone());
            }
        }
        let members: Vec<&str> = ws
            .and_then(|w| w.get("members"))
            .and_then(|m| m.as_array())
            .into_iter()
            .flatten()
            .filter_map(|m| m.as_str())
            .collect();
        let mut dirs: Vec<String> = Vec::new();
        // Members stay inside the workspace: a `..` or an absolute path would read elsewhere.
        let inside = |member: &&str| {
            Path::new(member)
                .components()
                .all(|c| matches!(c, std::path::Component::Normal(_)))
        };
        for member in members.into_iter().filter(inside) {
            match member.strip_suffix("/*") {
                Some(parent) if !parent.contains('*') => {
                    if let Ok(entries) = std::fs::read_dir(root.join(parent)) {
                        let mut names: Vec<String> = entries
                            .flatten()
                            .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()))
                            .map(|e| format!("{parent}/{}", e.file_name().to_string_lossy()))
                            .collect();
                        names.sort();
                        dirs.extend(names);
                    }
                }
                _ if !member.contains('*') => dirs.push(member.to_string()),
                _ => {}
            }
        }
        for dir in dirs {
            if let Some(member) =
                read_toml(&format!("{dir}/Cargo.toml"), crate::source::Limit::MANIFEST)
            {
                workspace.crates.extend(package_name(&member));
            }
        }
        workspace.read.push("Cargo.toml".to_string());
    }
    workspace
}

/// `key = value` for every setting of a table, arrays by their length: what an unconverted
/// section held, in one line.
fn summary(table: &toml::Table) -> String {
    let parts: Vec<String> = table
        .iter()
        .map(|(key, value)| match value {
            toml::Value::Array(items) if items.is_empty() => format!("{key} = []"),
            toml::Value::Array(items) => {
                format!(
                    "{key}: {}",
                    crate::plural::count(items.len(), "entry", "entries")
                )
            }
            toml::Value::Table(inner) => format!("{key}: {{ {} }}", summary(inner)),
            other => format!("{key} = {other}"),
        })
        .collect();
    parts.join(", ")
}

/// Notes for the keys of `table` (`section`) that fundament does not read.
fn unread_keys(b: &mut Builder, section: &str, table: &toml::Table, known: &[&str]) {
    for (key, value) in table {
        if !known.contains(&key.as_str()) {
            let shown = match value {
                toml::Value::Table(inner) => format!("{{ {} }}", summary(inner)),
                toml::Value::Array(items) => crate::plural::count(items.len(), "entry", "entries"),
                other => other.to_string(),
            };
            b.not_carried.push(format!(
                "{section}.{key} ({shown}): fundament has no such setting; not converted"
            ));
        }
    }
}

/// A TOML string literal.
fn quoted(text: &str) -> String {
    toml::Value::String(text.to_string()).to_string()
}

fn list(items: &[String]) -> String {
    if items.is_empty() {
        return "[]".to_string();
    }
    let mut out = String::from("[\n");
    for item in items {
        let _ = writeln!(out, "  {item},");
    }
    out.push(']');
    out
}

/// A licence as a fundament rule: the SPDX form when the text reads as one licence.
fn as_rule(text: &str) -> Option<String> {
    let reading = expression::interpret(text);
    let expr = reading.expression?;
    // One licence per rule: an expression cannot be a rule.
    let tree = expression::Tree::parse(&expr).ok()?;
    (tree.licences().len() == 1).then_some(expr)
}

struct Builder {
    source: String,
    allow: Vec<String>,
    review: Vec<String>,
    deny: Vec<String>,
    unknown: &'static str,
    dev: Option<&'static str>,
    exceptions: Vec<String>,
    commented: Vec<String>,
    not_carried: Vec<String>,
    /// `[advisories]` and its ignore entries, as TOML text.
    advisories: Option<String>,
    /// `[graph] targets`, as TOML text.
    targets: Option<String>,
}

impl Builder {
    fn new(source: &str) -> Builder {
        Builder {
            source: source.to_string(),
            allow: Vec::new(),
            review: Vec::new(),
            deny: Vec::new(),
            unknown: "deny",
            dev: None,
            exceptions: Vec::new(),
            commented: Vec::new(),
            not_carried: Vec::new(),
            advisories: None,
            targets: None,
        }
    }

    fn rule(&mut self, decision: &str, text: &str, field: &str) {
        let target = match decision {
            "allow" => &mut self.allow,
            "review" => &mut self.review,
            _ => &mut self.deny,
        };
        match as_rule(text) {
            Some(rule) => {
                let entry = quoted(&rule);
                if !target.contains(&entry) {
                    target.push(entry);
                }
            }
            None => self.not_carried.push(format!(
                "{field}: `{text}` is not one SPDX licence; add the licence it means by hand"
            )),
        }
    }

    fn exception(
        &mut self,
        field: &str,
        package: &str,
        version: Option<&str>,
        allow: &[String],
        reason: Option<&str>,
        who: Option<&str>,
    ) {
        // What fundament would refuse to load is not written: a converted policy always loads.
        if let Err(message) = crate::model::PackageSpec::parse(package, version) {
            self.not_carried.push(format!(
                "{field}: `{package}`{}: {message}",
                version.map(|v| format!(" {v}")).unwrap_or_default()
            ));
            return;
        }
        let mut text = String::from("[[exceptions]]\n");
        let _ = writeln!(text, "package = {}", quoted(package));
        if let Some(v) = version {
            let _ = writeln!(text, "version = {}", quoted(v));
        }
        let _ = writeln!(text, "allow = [{}]", allow.join(", "));
        let reason = reason
            .filter(|r| !r.trim().is_empty())
            .map(str::to_string)
            .unwrap_or_else(|| format!("carried over from {}; record why", self.source));
        let who = who
            .filter(|w| !w.trim().is_empty())
            .map(str::to_string)
            .unwrap_or_else(|| format!("unknown (carried over from {})", self.source));
        let _ = writeln!(text, "reason = {}", quoted(&reason));
        let _ = writeln!(text, "approved-by = {}", quoted(&who));
        self.exceptions.push(text);
    }

    fn finish(self, format: &str) -> Imported {
        let mut out = String::new();
        // Comments carry text of the imported file: escaped, so that a newline in it cannot
        // add a line (a rule) to the policy written.
        crate::safe_writeln!(
            out,
            "# Converted by `fundament policy import` from {} ({format}).",
            self.source
        );
        if !self.not_carried.is_empty() {
            out.push_str("#\n# Not carried over (decide these by hand):\n");
            for note in &self.not_carried {
                crate::safe_writeln!(out, "# - {note}");
            }
        }
        out.push('\n');
        let _ = writeln!(
            out,
            "name = {}",
            quoted(&format!("imported from {}", self.source))
        );
        out.push_str("\n[licences]\n");
        let _ = writeln!(out, "allow = {}", list(&self.allow));
        if !self.review.is_empty() {
            let _ = writeln!(out, "review = {}", list(&self.review));
        }
        if !self.deny.is_empty() {
            let _ = writeln!(out, "deny = {}", list(&self.deny));
        }
        let _ = writeln!(out, "unknown = {}", quoted(self.unknown));
        if let Some(dev) = self.dev {
            let _ = writeln!(out, "\n[dependencies]\ndev = {}", quoted(dev));
        }
        if let Some(targets) = &self.targets {
            let _ = writeln!(out, "\n[graph]\ntargets = {targets}");
        }
        for exception in &self.exceptions {
            out.push('\n');
            out.push_str(exception);
        }
        if let Some(advisories) = &self.advisories {
            out.push('\n');
            out.push_str(advisories);
        }
        for commented in &self.commented {
            out.push('\n');
            for line in commented.lines() {
                crate::safe_writeln!(out, "# {line}");
            }
        }
        Imported {
            format: format.to_string(),
            policy: out,
            not_carried: self.not_carried,
        }
    }
}

fn cargo_deny(
    text: &str,
    display: &str,
    short: &str,
    workspace: &Workspace,
) -> Result<Imported, ImportError> {
    let table: toml::Table = toml::from_str(text).map_err(|e| ImportError {
        file: display.to_string(),
        line: e
            .span()
            .map(|s| crate::diagnostic::line_of_offset(text, s.start)),
        message: format!("not valid TOML: {}", e.message().trim()),
    })?;
    let licenses = table
        .get("licenses")
        .and_then(|l| l.as_table())
        .ok_or_else(|| ImportError {
            file: display.to_string(),
            line: None,
            message: "no [licenses] section: not a cargo-deny configuration with a licence policy"
                .to_string(),
        })?;
    let version = licenses
        .get("version")
        .and_then(|v| v.as_integer())
        .unwrap_or(1);
    let mut b = Builder::new(short);
    let strings = |key: &str| -> Vec<String> {
        licenses
            .get(key)
            .and_then(|v| v.as_array())
            .map(|a| {
                a.iter()
                    .filter_map(|s| s.as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default()
    };
    for (i, text) in strings("allow").iter().enumerate() {
        b.rule("allow", text, &format!("licenses.allow[{i}]"));
    }
    if version < 2 {
        for (i, text) in strings("deny").iter().enumerate() {
            b.rule("deny", text, &format!("licenses.deny[{i}]"));
        }
        let level = |key: &str| licenses.get(key).and_then(|v| v.as_str());
        match level("copyleft") {
            Some("allow") => b.allow.extend(copyleft()),
            Some("warn") => b.review.extend(copyleft()),
            Some("deny") => b.deny.extend(copyleft()),
            _ => {}
        }
        match level("allow-osi-fsf-free") {
            Some("both") => b
                .allow
                .push("{ osi-approved = true, fsf-libre = true }".to_string()),
            Some("either") => {
                b.allow.push(quoted("osi-approved"));
                b.allow.push(quoted("fsf-libre"));
            }
            Some("osi") => b.allow.push(quoted("osi-approved")),
            Some("fsf") => b.allow.push(quoted("fsf-libre")),
            _ => {}
        }
        b.unknown = match level("unlicensed") {
            Some("allow") => "allow",
            Some("warn") => "review",
            _ => "deny",
        };
        match level("default") {
            Some("warn") => b.not_carried.push(
                "licenses.default = \"warn\": fundament denies what no rule allows; list the licences to review under `review`".to_string(),
            ),
            Some("allow") => b.not_carried.push(
                "licenses.default = \"allow\": fundament never allows a licence by default; list the licences to allow".to_string(),
            ),
            _ => {}
        }
    }
    if let Some(threshold) = licenses.get("confidence-threshold") {
        b.not_carried.push(format!(
            "licenses.confidence-threshold = {threshold}: fundament identifies licence texts with a fixed threshold of 0.9"
        ));
    }
    if licenses.get("private").is_some() {
        b.not_carried.push(
            "licenses.private: fundament never judges the audited workspace's own crates (their licence is the project's outbound licence), whether published or not".to_string(),
        );
    }
    if table
        .get("graph")
        .and_then(|g| g.get("exclude-dev"))
        .and_then(|v| v.as_bool())
        == Some(true)
    {
        b.dev = Some("exclude");
    }
    if let Some(targets) = table.get("graph").and_then(|g| g.get("targets")) {
        // Each entry is a triple or `{ triple, features }`; what rustc does not know is left
        // for a person (the policy would refuse it).
        let mut kept = Vec::new();
        for (i, entry) in targets.as_array().into_iter().flatten().enumerate() {
            let (triple, features) = match entry {
                toml::Value::String(t) => (Some(t.as_str()), Vec::new()),
                toml::Value::Table(t) => (
                    t.get("triple").and_then(|v| v.as_str()),
                    t.get("features")
                        .and_then(|f| f.as_array())
                        .map(|f| {
                            f.iter()
                                .filter_map(|v| v.as_str().map(str::to_string))
                                .collect()
                        })
                        .unwrap_or_default(),
                ),
                _ => (None, Vec::new()),
            };
            let Some(triple) = triple else {
                b.not_carried
                    .push(format!("graph.targets[{i}]: names no target triple"));
                continue;
            };
            if let Err(why) = crate::ecosystem::cargo_targets::Target::new(triple, Vec::new()) {
                b.not_carried.push(format!("graph.targets[{i}]: {why}"));
                continue;
            }
            if features.is_empty() {
                kept.push(quoted(triple));
            } else {
                let features: Vec<String> = features.iter().map(|f| quoted(f)).collect();
                kept.push(format!(
                    "{{ triple = {}, features = [{}] }}",
                    quoted(triple),
                    features.join(", ")
                ));
            }
        }
        if !kept.is_empty() {
            b.targets = Some(list(&kept));
        }
    }
    if let Some(graph) = table.get("graph").and_then(|g| g.as_table()) {
        unread_keys(&mut b, "graph", graph, &["targets", "exclude-dev"]);
    }
    unread_keys(
        &mut b,
        "licenses",
        licenses,
        &[
            "version",
            "allow",
            "deny",
            "copyleft",
            "allow-osi-fsf-free",
            "unlicensed",
            "default",
            "confidence-threshold",
            "private",
            "exceptions",
            "clarify",
        ],
    );

    let mut exceptions = 0usize;
    let mut own: Vec<String> = Vec::new();
    for (i, exception) in licenses
        .get("exceptions")
        .and_then(|e| e.as_array())
        .into_iter()
        .flatten()
        .enumerate()
    {
        let field = format!("licenses.exceptions[{i}]");
        let spec = exception
            .get("name")
            .or_else(|| exception.get("crate"))
            .and_then(|v| v.as_str());
        let Some(spec) = spec else {
            b.not_carried.push(format!("{field}: names no crate"));
            continue;
        };
        // cargo-deny's newer `crate = "name@version"` form.
        let (name, mut version) = match spec.split_once('@') {
            Some((n, v)) => (n.to_string(), Some(format!("={v}"))),
            None => (spec.to_string(), None),
        };
        exceptions += 1;
        if workspace.crates.contains(&name) {
            own.push(name);
            continue;
        }
        if let Some(v) = exception.get("version").and_then(|v| v.as_str()) {
            version = Some(v.to_string());
        }
        let mut allow = Vec::new();
        for text in exception
            .get("allow")
            .and_then(|a| a.as_array())
            .into_iter()
            .flatten()
            .filter_map(|v| v.as_str())
        {
            match as_rule(text) {
                Some(rule) => allow.push(quoted(&rule)),
                None => b
                    .not_carried
                    .push(format!("{field}: `{text}` is not one SPDX licence")),
            }
        }
        if allow.is_empty() {
            continue;
        }
        b.exception(
            &field,
            &format!("pkg:cargo/{name}"),
            version.as_deref(),
            &allow,
            None,
            None,
        );
    }

    if !own.is_empty() {
        const SHOWN: usize = 5;
        let mut names = own
            .iter()
            .take(SHOWN)
            .cloned()
            .collect::<Vec<_>>()
            .join(", ");
        if own.len() > SHOWN {
            names.push_str(&format!(" and {} more", own.len() - SHOWN));
        }
        b.not_carried.push(format!(
            "licenses.exceptions: {} for the workspace's own crates dropped ({names}; recognised from {}): fundament never judges the audited workspace's own crates, so {} would only be reported as unused",
            crate::plural::count(own.len(), "exception", "exceptions"),
            workspace.read.join(" and "),
            crate::plural::word(own.len(), "it", "they"),
        ));
    } else if exceptions > 0 && workspace.read.is_empty() {
        b.not_carried.push(
            "licenses.exceptions: no Cargo.toml or Cargo.lock next to the file, so exceptions for the workspace's own crates could not be recognised; delete those by hand (fundament never judges the audited workspace's own crates)".to_string(),
        );
    }

    for (i, clarify) in licenses
        .get("clarify")
        .and_then(|c| c.as_array())
        .into_iter()
        .flatten()
        .enumerate()
    {
        let name = clarify
            .get("name")
            .or_else(|| clarify.get("crate"))
            .and_then(|v| v.as_str())
            .unwrap_or("?");
        let expression = clarify
            .get("expression")
            .and_then(|v| v.as_str())
            .unwrap_or("?");
        let files: Vec<String> = clarify
            .get("license-files")
            .and_then(|f| f.as_array())
            .into_iter()
            .flatten()
            .filter_map(|f| f.get("path").and_then(|p| p.as_str()).map(str::to_string))
            .collect();
        b.not_carried.push(format!(
            "licenses.clarify[{i}] ({name} = {expression}): cargo-deny pins files with its own opaque hash; fundament needs their SHA-256 (`sha256sum` of {} in the crate's source), so the clarification is written below as a comment to complete",
            if files.is_empty() { "the licence files".to_string() } else { files.join(", ") }
        ));
        let mut text = String::from("[[clarify]]\n");
        let _ = writeln!(text, "package = {}", quoted(&format!("pkg:cargo/{name}")));
        if let Some(v) = clarify.get("version").and_then(|v| v.as_str())
            && v != "*"
        {
            let _ = writeln!(text, "version = {}", quoted(v));
        }
        let _ = writeln!(text, "expression = {}", quoted(expression));
        let pins: Vec<String> = files
            .iter()
            .map(|f| format!("{{ path = {}, sha256 = \"<sha256 of {f}>\" }}", quoted(f)))
            .collect();
        let _ = writeln!(text, "license-files = [{}]", pins.join(", "));
        b.commented.push(text);
    }
    if let Some(advisories) = table.get("advisories").and_then(|a| a.as_table()) {
        cargo_deny_advisories(&mut b, advisories, short);
    }
    // The sections fundament has no counterpart for: named with what they held.
    for (section, value) in &table {
        let held = value
            .as_table()
            .map(summary)
            .unwrap_or_else(|| value.to_string());
        let why = match section.as_str() {
            "licenses" | "advisories" | "graph" => continue,
            "bans" => {
                "fundament does not ban crates, duplicate versions or wildcard requirements (it checks licences, vetting and known vulnerabilities)"
            }
            "sources" => {
                "fundament does not restrict the registries and git repositories crates come from (the JSON report and the SBOMs record each package's source)"
            }
            "output" => "fundament's output is chosen on its command line",
            _ => "not a section fundament knows",
        };
        b.not_carried
            .push(format!("[{section}] ({held}): not converted: {why}"));
    }
    Ok(b.finish(&format!("cargo-deny deny.toml, licenses version {version}")))
}

/// cargo-deny's `[advisories]` as fundament's `[advisories]`.
fn cargo_deny_advisories(b: &mut Builder, advisories: &toml::Table, short: &str) {
    let version = advisories
        .get("version")
        .and_then(|v| v.as_integer())
        .unwrap_or(1);
    let text_of = |key: &str| advisories.get(key).and_then(|v| v.as_str());
    let mut out = String::from("[advisories]\n");
    let urls: Vec<String> = advisories
        .get("db-urls")
        .and_then(|u| u.as_array())
        .into_iter()
        .flatten()
        .filter_map(|u| u.as_str())
        .map(|u| quoted(&format!("git+{u}")))
        .collect();
    if urls.is_empty() {
        b.not_carried.push(
            "advisories: cargo-deny uses the RustSec database by default; fundament names no source by itself, so add one under `db` (a clone of the RustSec advisory-db, or OSV data)".to_string(),
        );
    } else {
        let _ = writeln!(out, "db = [{}]", urls.join(", "));
    }
    // What a level means: cargo-deny's v1 levels, and v2's scopes (`all`, `workspace`,
    // `transitive` are errors for the crates in scope; `none` reports nothing).
    let action = |key: &str, b: &mut Builder| -> Option<&'static str> {
        let level = text_of(key)?;
        let action = match level {
            "deny" | "all" => "deny",
            "warn" => "warn",
            "allow" | "none" => "allow",
            "workspace" | "transitive" => {
                b.not_carried.push(format!(
                    "advisories.{key} = \"{level}\": fundament applies the setting to every crate, not only to {level} ones"
                ));
                "deny"
            }
            other => {
                b.not_carried.push(format!(
                    "advisories.{key} = \"{other}\" is not a level cargo-deny documents"
                ));
                return None;
            }
        };
        Some(action)
    };
    for key in ["unmaintained", "unsound", "notice"] {
        if let Some(a) = action(key, b) {
            let _ = writeln!(out, "{key} = {}", quoted(a));
        }
    }
    if version < 2 {
        match text_of("vulnerability") {
            Some("warn") => {
                out.push_str(
                    "deny = \"never\"\nreview = \"none\"\nunknown-severity = \"review\"\n",
                );
            }
            Some("allow") => {
                out.push_str(
                    "deny = \"never\"\nreview = \"never\"\nunknown-severity = \"review\"\n",
                );
            }
            _ => {}
        }
        if let Some(threshold) = text_of("severity-threshold") {
            let _ = writeln!(out, "deny = {}\nreview = \"never\"", quoted(threshold));
        }
    }
    if let Some(age) = text_of("maximum-db-staleness") {
        let _ = writeln!(out, "max-age = {}", quoted(age));
    }
    if let Some(a) = action("yanked", b) {
        let _ = writeln!(out, "yanked = {}", quoted(a));
    }
    for key in ["db-path", "git-fetch-with-cli", "unused-ignored-advisory"] {
        if advisories.contains_key(key) {
            b.not_carried.push(format!(
                "advisories.{key}: fundament keeps its own cache and fetches git itself"
            ));
        }
    }
    for (i, entry) in advisories
        .get("ignore")
        .and_then(|i| i.as_array())
        .into_iter()
        .flatten()
        .enumerate()
    {
        let (id, reason) = match entry {
            toml::Value::String(id) => (Some(id.as_str()), None),
            toml::Value::Table(t) => (
                t.get("id").and_then(|v| v.as_str()),
                t.get("reason").and_then(|v| v.as_str()),
            ),
            _ => (None, None),
        };
        let Some(id) = id else {
            b.not_carried.push(format!(
                "advisories.ignore[{i}]: only advisory ids are carried over (a yanked crate is not an advisory)"
            ));
            continue;
        };
        let reason = reason
            .filter(|r| !r.trim().is_empty())
            .map(str::to_string)
            .unwrap_or_else(|| format!("carried over from {short}; record why"));
        let _ = write!(
            out,
            "\n[[advisories.ignore]]\nid = {}\nreason = {}\napproved-by = {}\n",
            quoted(id),
            quoted(&reason),
            quoted(&format!("unknown (carried over from {short})"))
        );
    }
    unread_keys(
        b,
        "advisories",
        advisories,
        &[
            "version",
            "db-urls",
            "db-path",
            "git-fetch-with-cli",
            "unused-ignored-advisory",
            "yanked",
            "ignore",
            "unmaintained",
            "unsound",
            "notice",
            "vulnerability",
            "severity-threshold",
            "maximum-db-staleness",
        ],
    );
    b.advisories = Some(out);
}

fn copyleft() -> Vec<String> {
    ["weak-copyleft", "strong-copyleft", "network-copyleft"]
        .iter()
        .map(|c| quoted(c))
        .collect()
}

/// LicenseFinder's decisions file: a YAML list of `[action, arguments..., {who, why, versions,
/// when}]`, with Ruby symbols written as `:name` strings.
fn license_finder(text: &str, display: &str, short: &str) -> Result<Imported, ImportError> {
    let decisions: Vec<Vec<serde_json::Value>> =
        serde_saphyr::from_str(text).map_err(|e| ImportError {
            file: display.to_string(),
            line: None,
            message: format!("not a LicenseFinder decisions file: {e}"),
        })?;
    let mut b = Builder::new(short);
    for (i, decision) in decisions.iter().enumerate() {
        let field = format!("decision {}", i + 1);
        let Some(action) = decision.first().and_then(|a| a.as_str()) else {
            b.not_carried.push(format!("{field}: no action"));
            continue;
        };
        let args: Vec<&str> = decision.iter().skip(1).filter_map(|v| v.as_str()).collect();
        let meta = decision.iter().skip(1).find(|v| v.is_object());
        let meta_str = |key: &str| {
            meta.and_then(|m| m.get(key).or_else(|| m.get(format!(":{key}"))))
                .and_then(|v| v.as_str())
        };
        let versions: Vec<&str> = meta
            .and_then(|m| m.get(":versions").or_else(|| m.get("versions")))
            .and_then(|v| v.as_array())
            .map(|a| a.iter().filter_map(|v| v.as_str()).collect())
            .unwrap_or_default();
        let reason = match (meta_str("why"), meta_str("when")) {
            (Some(why), Some(when)) => Some(format!("{why} (decided {when})")),
            (Some(why), None) => Some(why.to_string()),
            (None, Some(when)) => Some(format!("approved in LicenseFinder on {when}")),
            (None, None) => None,
        };
        match (action.trim_start_matches(':'), args.as_slice()) {
            ("permit", [licence, ..]) => b.rule("allow", licence, &field),
            ("restrict", [licence, ..]) => b.rule("deny", licence, &field),
            ("approve", [package, ..]) => {
                let spec_versions: Vec<Option<String>> = if versions.is_empty() {
                    vec![None]
                } else {
                    versions.iter().map(|v| Some(format!("={v}"))).collect()
                };
                for version in spec_versions {
                    b.exception(
                        &field,
                        package,
                        version.as_deref(),
                        &[quoted("*")],
                        reason.as_deref(),
                        meta_str("who"),
                    );
                }
            }
            ("license", [package, licence, ..]) => b.not_carried.push(format!(
                "{field}: LicenseFinder sets the licence of {package} to `{licence}`; in fundament that is a [[clarify]] entry pinned to the SHA-256 of the package's licence files, which must be written with the files at hand"
            )),
            ("ignore", [package, ..]) => b.not_carried.push(format!(
                "{field}: {package} is ignored by LicenseFinder; fundament audits every package (add an exception if it is accepted)"
            )),
            ("ignore_group", [group, ..]) => {
                if matches!(*group, "development" | "dev" | "test" | "devDependencies") {
                    b.dev = Some("exclude");
                } else {
                    b.not_carried.push(format!(
                        "{field}: dependency group `{group}` is ignored by LicenseFinder; fundament excludes only dev and build scopes"
                    ));
                }
            }
            (other, _) => b.not_carried.push(format!(
                "{field}: LicenseFinder action `:{other}` has no fundament equivalent"
            )),
        }
    }
    Ok(b.finish("LicenseFinder dependency_decisions.yml"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::Policy;

    fn convert(name: &str, text: &str) -> Imported {
        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().join(name);
        std::fs::write(&path, text).unwrap();
        import(&path, name).unwrap()
    }

    #[test]
    fn cargo_deny_v1_levels_are_carried_over() {
        let imported = convert(
            "deny.toml",
            "[licenses]\nunlicensed = \"warn\"\ncopyleft = \"deny\"\nallow-osi-fsf-free = \"either\"\n\
             allow = [\"MIT\"]\ndeny = [\"GPL-3.0\"]\ndefault = \"warn\"\n",
        );
        let policy = Policy::parse(&imported.policy, "converted.toml", "converted.toml")
            .unwrap_or_else(|e| panic!("{e}\n{}", imported.policy));
        assert_eq!(policy.unknown, crate::policy::Decision::Review);
        assert!(imported.policy.contains("\"GPL-3.0-only\""));
        assert!(imported.policy.contains("\"osi-approved\""));
        assert_eq!(imported.not_carried.len(), 1, "{:?}", imported.not_carried);
    }

    #[test]
    fn cargo_deny_targets_are_carried_over() {
        let imported = convert(
            "deny.toml",
            "[graph]\ntargets = [\n  \"x86_64-unknown-linux-gnu\",\n  { triple = \"x86_64-unknown-linux-musl\", features = [\"crt-static\"] },\n  { triple = \"x86_64-unknown-nowhere\" },\n]\n[licenses]\nallow = [\"MIT\"]\n",
        );
        let policy = Policy::parse(&imported.policy, "converted.toml", "converted.toml")
            .unwrap_or_else(|e| panic!("{e}\n{}", imported.policy));
        let triples: Vec<&str> = policy.targets.triples().collect();
        assert_eq!(
            triples,
            ["x86_64-unknown-linux-gnu", "x86_64-unknown-linux-musl"]
        );
        assert!(
            imported
                .not_carried
                .iter()
                .any(|n| n.contains("graph.targets[2]")),
            "{:?}",
            imported.not_carried
        );
    }

    #[test]
    fn license_finder_decisions_become_rules_and_exceptions() {
        let imported = convert(
            "dependency_decisions.yml",
            "---\n- - :permit\n  - MIT\n  - :who: Jane\n    :why: standard\n    :versions: []\n    :when: 2024-01-01 00:00:00.000000000 Z\n\
             - - :permit\n  - Apache 2.0\n  - :who:\n    :why:\n\
             - - :restrict\n  - GPL-3.0\n  - :who:\n\
             - - :approve\n  - left-pad\n  - :who: Legal\n    :why: reviewed\n    :versions:\n    - 1.3.0\n\
             - - :license\n  - foo\n  - MIT\n  - :who:\n\
             - - :ignore_group\n  - development\n  - :who:\n",
        );
        let policy = Policy::parse(&imported.policy, "converted.toml", "converted.toml")
            .unwrap_or_else(|e| panic!("{e}\n{}", imported.policy));
        assert_eq!(policy.exceptions.len(), 1);
        assert_eq!(policy.exceptions[0].approved_by, "Legal");
        assert_eq!(policy.dev, crate::policy::Inclusion::Exclude);
        assert!(imported.policy.contains("\"Apache-2.0\""));
        assert_eq!(imported.not_carried.len(), 1, "{:?}", imported.not_carried);
    }

    /// Found by the fuzz harness: a crate name no policy can hold was written into the
    /// converted policy, which then did not load.
    #[test]
    fn exceptions_fundament_cannot_hold_are_named_not_written() {
        let imported = convert(
            "deny.toml",
            "[licenses]\nversion = 2\nallow = [\"MIT\"]\nexceptions = [\n\
             { allow = [\"OpenSSL\"], crate = \"@1.0\" },\n\
             { allow = [\"OpenSSL\"], crate = \"ring\", version = \"not a version\" },\n\
             { allow = [\"MPL-2.0\"], crate = \"webpki-roots\" },\n]\n",
        );
        let policy = Policy::parse(&imported.policy, "converted.toml", "converted.toml")
            .unwrap_or_else(|e| panic!("{e}\n{}", imported.policy));
        assert_eq!(policy.exceptions.len(), 1, "{}", imported.policy);
        // The two exceptions, and the workspace note (no Cargo.toml beside this deny.toml).
        assert_eq!(imported.not_carried.len(), 3, "{:?}", imported.not_carried);
        assert!(imported.not_carried[1].starts_with("licenses.exceptions[1]: `pkg:cargo/ring`"));
        assert!(imported.not_carried[2].contains("no Cargo.toml or Cargo.lock next to the file"));
        assert!(
            imported.not_carried[0].starts_with("licenses.exceptions[0]: `pkg:cargo/` =1.0: "),
            "{:?}",
            imported.not_carried
        );
    }

    #[test]
    fn malformed_input_names_file_and_line() {
        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().join("deny.toml");
        std::fs::write(&path, "[licenses]\nallow = [\n").unwrap();
        let err = import(&path, "deny.toml").unwrap_err();
        assert_eq!(err.file, "deny.toml");
        assert!(err.line.is_some());
    }
    /// A deny.toml in the workspace's `.cargo/` folder, without Cargo.lock: the own crates come
    /// from Cargo.toml's package, its `members` (a `crates/*` glob included) and its path
    /// dependencies; a member outside the workspace is not read.
    #[test]
    fn exceptions_for_the_workspaces_own_crates_are_dropped_and_named() {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path().join("city-portal");
        for dir in [".cargo", "crates/forms", "crates/maps", "tools/cli"] {
            std::fs::create_dir_all(root.join(dir)).unwrap();
        }
        std::fs::write(
            root.join("Cargo.toml"),
            "[package]\nname = \"portal\"\n[workspace]\nmembers = [\"crates/*\", \"../elsewhere\"]\n\
             [workspace.dependencies]\ncli = { path = \"tools/cli\" }\nserde = \"1\"\n",
        )
        .unwrap();
        for (dir, name) in [
            ("crates/forms", "portal-forms"),
            ("crates/maps", "portal-maps"),
        ] {
            std::fs::write(
                root.join(dir).join("Cargo.toml"),
                format!("[package]\nname = \"{name}\"\n"),
            )
            .unwrap();
        }
        std::fs::create_dir_all(tmp.path().join("elsewhere")).unwrap();
        std::fs::write(
            tmp.path().join("elsewhere/Cargo.toml"),
            "[package]\nname = \"ring\"\n",
        )
        .unwrap();
        let deny = root.join(".cargo/deny.toml");
        std::fs::write(
            &deny,
            "[licenses]\nallow = [\"MIT\"]\nexceptions = [\n\
             { allow = [\"EUPL-1.2\"], crate = \"portal\" },\n\
             { allow = [\"EUPL-1.2\"], crate = \"portal-forms\" },\n\
             { allow = [\"EUPL-1.2\"], crate = \"portal-maps\" },\n\
             { allow = [\"EUPL-1.2\"], crate = \"cli\" },\n\
             { allow = [\"OpenSSL\"], crate = \"ring\" },\n]\n",
        )
        .unwrap();
        let imported = import(&deny, "deny.toml").unwrap();
        let policy = Policy::parse(&imported.policy, "converted.toml", "converted.toml")
            .unwrap_or_else(|e| panic!("{e}\n{}", imported.policy));
        let kept: Vec<&str> = policy
            .exceptions
            .iter()
            .map(|e| e.spec.name.as_str())
            .collect();
        assert_eq!(kept, ["ring"]);
        assert_eq!(policy.name, "imported from city-portal/.cargo/deny.toml");
        let note = imported
            .not_carried
            .iter()
            .find(|n| n.starts_with("licenses.exceptions:"))
            .unwrap();
        assert!(
            note.starts_with(
                "licenses.exceptions: 4 exceptions for the workspace's own crates dropped \
                 (portal, portal-forms, portal-maps, cli; recognised from Cargo.toml)"
            ),
            "{note}"
        );
        assert!(imported.policy.contains(&format!("# - {note}")));
    }

    #[test]
    fn without_a_workspace_next_to_it_the_import_says_own_crates_were_not_recognised() {
        let imported = convert(
            "deny.toml",
            "[licenses]\nallow = [\"MIT\"]\nexceptions = [{ allow = [\"EUPL-1.2\"], crate = \"mine\" }]\n",
        );
        assert!(
            imported
                .not_carried
                .iter()
                .any(|n| n.contains("could not be recognised")),
            "{:?}",
            imported.not_carried
        );
    }
}
