//! Grouping findings by cause (issue 17): every format reports what [`fold`] leaves.
//!
//! - **One finding per package per cause.** Two findings of one code about one package (two
//!   L006 from two pieces of evidence) become one; the other messages are kept as notes.
//! - **One finding per cause.** Findings of one code and severity whose text is the same once
//!   the package's own name is taken out (the same licence denied by the same rule, "not
//!   vetted" under `require-vetted`, an unknown licence because `cargo metadata` failed)
//!   become one finding with `count` and the purls in `packages`.
//! - **Follow-on findings name their cause.** A folded finding whose text quotes an input
//!   problem (I005 "`cargo metadata` failed: …", an R001 registry failure) gets `caused_by`
//!   with that finding's code and a note to fix it first. An unknown licence (L009) of
//!   packages whose look-up failed (R003 offline cache misses, R001) names that look-up as
//!   its cause: matched by the packages both findings list, not by their words.

use super::{Code, Finding};
use std::collections::{HashMap, HashSet};

/// What the folding and the fixes need to know about a package, by purl.
#[derive(Debug, Clone, Default)]
pub struct PackageFacts {
    pub name: String,
    pub version: String,
    /// The package's licence files as read: path (relative to the package) and SHA-256.
    pub licence_files: Vec<(String, String)>,
    /// The licence the files state, where detection concluded one.
    pub detected: Option<String>,
}

/// Folds `findings` by cause (see the module comment); order is kept (a folded finding takes
/// the place of its first member).
pub fn fold(findings: Vec<Finding>, facts: &HashMap<String, PackageFacts>) -> Vec<Finding> {
    let findings = merge_per_package(findings);
    let causes: Vec<(String, Code)> = findings
        .iter()
        .filter(|f| f.package.is_none() && is_cause(f.code))
        .filter_map(|f| {
            let head = f.message.split(';').next().unwrap_or_default().trim();
            (head.len() >= 20).then(|| (head.to_string(), f.code))
        })
        .collect();
    // Look-ups that failed for a list of packages (R003 offline cache misses, R001 an
    // unreachable host): an unknown licence of those packages follows from them, whatever
    // its text says.
    let lookup_causes: Vec<(Code, HashSet<String>)> = findings
        .iter()
        .filter(|f| f.package.is_none() && is_lookup_cause(f.code) && !f.packages.is_empty())
        .map(|f| (f.code, f.packages.iter().cloned().collect()))
        .collect();

    let mut order: Vec<Vec<Finding>> = Vec::new();
    let mut slot: HashMap<CauseKey, usize> = HashMap::new();
    for f in findings {
        let key = f
            .package
            .as_deref()
            .and_then(|purl| facts.get(purl).map(|p| (purl, p)))
            .map(|(purl, p)| CauseKey::of(&f, purl, p));
        match key {
            Some(key) => match slot.get(&key) {
                Some(&i) => order[i].push(f),
                None => {
                    slot.insert(key, order.len());
                    order.push(vec![f]);
                }
            },
            None => order.push(vec![f]),
        }
    }
    order
        .into_iter()
        .map(|group| {
            let mut folded = if group.len() == 1 {
                group.into_iter().next().expect("one")
            } else {
                fold_group(group, facts)
            };
            if folded.caused_by.is_none() && folded.package.is_none() && folded.count.is_some() {
                link_cause(&mut folded, &causes);
            }
            if folded.caused_by.is_none() && folded.code == Code::LicenceNotInInput {
                link_lookup_cause(&mut folded, &lookup_causes);
            }
            folded
        })
        .collect()
}

/// Input problems other findings can follow from.
fn is_cause(code: Code) -> bool {
    code.as_str().starts_with('I')
        || matches!(
            code,
            Code::RegistryLookupFailed | Code::RegistryNotConfigured | Code::IndexUnavailable
        )
}

/// Look-ups of licences that fail for a list of packages, which other findings about those
/// packages follow from.
fn is_lookup_cause(code: Code) -> bool {
    matches!(
        code,
        Code::RegistryOfflineUncached | Code::RegistryLookupFailed
    )
}

/// Links a finding about unknown licences to the failed look-up that left every one of its
/// packages unresolved (by the packages both name, not by their words).
fn link_lookup_cause(folded: &mut Finding, causes: &[(Code, HashSet<String>)]) {
    if folded.purls().next().is_none() {
        return;
    }
    let cause = causes
        .iter()
        .find(|(_, packages)| folded.purls().all(|purl| packages.contains(purl)));
    if let Some((code, _)) = cause {
        mark_caused_by(folded, *code);
    }
}

fn mark_caused_by(folded: &mut Finding, code: Code) {
    folded.caused_by = Some(code.as_str().to_string());
    folded.push_note(crate::text!(
        "follows_from",
        code = code.as_str(),
        slug = code.slug()
    ));
}

fn link_cause(folded: &mut Finding, causes: &[(String, Code)]) {
    let text = format!(
        "{} {}",
        folded.message,
        folded.licence_source.as_deref().unwrap_or_default()
    );
    if let Some((_, code)) = causes.iter().find(|(head, _)| text.contains(head.as_str())) {
        mark_caused_by(folded, *code);
    }
}

/// Two findings of one code about one package (and one advisory): one, the other messages
/// kept as notes.
fn merge_per_package(findings: Vec<Finding>) -> Vec<Finding> {
    let mut out: Vec<Finding> = Vec::with_capacity(findings.len());
    let mut at: HashMap<(Code, String, Option<String>), usize> = HashMap::new();
    for f in findings {
        let Some(purl) = f.package.clone() else {
            out.push(f);
            continue;
        };
        let key = (f.code, purl, f.advisory.clone());
        match at.get(&key) {
            Some(&i) => {
                let first = &mut out[i];
                first.severity = first.severity.min(f.severity);
                if f.message != first.message && !first.notes.contains(&f.message) {
                    match f.text {
                        Some(text) => first.push_note(text),
                        None => first.notes.push(f.message),
                    }
                }
                for (english, text) in f.note_texts {
                    if !first.notes.contains(&english) {
                        first.note_texts.push((english, text));
                    }
                }
                for note in f.notes {
                    if !first.notes.contains(&note) {
                        first.notes.push(note);
                    }
                }
            }
            None => {
                at.insert(key, out.len());
                out.push(f);
            }
        }
    }
    out
}

/// What makes two package findings the same cause: everything but the package's identity.
#[derive(Debug, PartialEq, Eq, Hash)]
struct CauseKey {
    code: Code,
    severity: super::Severity,
    message: String,
    licence: Option<String>,
    licence_source: Option<String>,
    notes: Vec<String>,
    advisory: Option<String>,
    location: Option<super::Location>,
}

impl CauseKey {
    fn of(f: &Finding, purl: &str, p: &PackageFacts) -> Self {
        let strip = |text: &str| without_package(text, purl, p);
        CauseKey {
            code: f.code,
            severity: f.severity,
            message: strip(&f.message),
            licence: f.licence.clone(),
            licence_source: f.licence_source.as_deref().map(strip),
            notes: f.notes.iter().map(|n| strip(n)).collect(),
            advisory: f.advisory.clone(),
            location: f.location.clone(),
        }
    }
}

/// `text` with the package's purl, "name version", "name@version" and whole-word name
/// replaced by a placeholder.
fn without_package(text: &str, purl: &str, p: &PackageFacts) -> String {
    let mut out = text.replace(purl, "\u{1}");
    if !p.name.is_empty() {
        for joined in [
            format!("{} {}", p.name, p.version),
            format!("{}@{}", p.name, p.version),
            format!("{}:{}", p.name, p.version),
        ] {
            out = out.replace(&joined, "\u{1}");
        }
        out = replace_word(&out, &p.name, "\u{2}");
    }
    out
}

fn replace_word(text: &str, word: &str, with: &str) -> String {
    let is_word = |c: char| c.is_alphanumeric() || matches!(c, '_' | '-' | '.');
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find(word) {
        let before = rest[..i].chars().next_back();
        let after = rest[i + word.len()..].chars().next();
        out.push_str(&rest[..i]);
        if before.is_none_or(|c| !is_word(c)) && after.is_none_or(|c| !is_word(c)) {
            out.push_str(with);
        } else {
            out.push_str(word);
        }
        rest = &rest[i + word.len()..];
    }
    out.push_str(rest);
    out
}

/// One finding for a group of package findings with one cause.
fn fold_group(group: Vec<Finding>, facts: &HashMap<String, PackageFacts>) -> Finding {
    let count = group.len();
    let packages: Vec<String> = group.iter().filter_map(|f| f.package.clone()).collect();
    let mut first = group.into_iter().next().expect("a group is never empty");
    let others = count - 1;
    let more = format!(
        " (and {})",
        crate::plural::count(others, "other package", "other packages")
    );
    let named = first
        .package
        .as_deref()
        .and_then(|purl| facts.get(purl))
        .map(|p| format!("{} {}", p.name, p.version))
        .filter(|named| first.message.contains(named.as_str()));
    first.text = first.text.take().map(|text| match &named {
        Some(named) => name_the_others(text, named, others),
        None => crate::diagnostic::Text::new("folded_packages")
            .count("n", count)
            .sub("message", text),
    });
    first.message = match named {
        Some(named) => first.message.replacen(&named, &format!("{named}{more}"), 1),
        None => format!("{count} packages: {}", first.message),
    };
    first.package = None;
    first.path.clear();
    first.path_file = None;
    first.packages = packages;
    first.count = Some(count);
    first
}

/// The folded finding's text with "(and N other packages)" after the package it names: in the
/// value that names it, as the English message has it.
fn name_the_others(
    mut text: crate::diagnostic::Text,
    named: &str,
    others: usize,
) -> crate::diagnostic::Text {
    use crate::diagnostic::{Arg, Text};
    let and_others = |value: &str| {
        let (before, after) = value.split_once(named).unwrap_or((value, ""));
        Text::new("and_others")
            .arg("before", before)
            .arg("package", named)
            .count("n", others)
            .arg("after", after)
    };
    for (_, arg) in text.args.iter_mut() {
        match arg {
            Arg::Plain(value) if value.contains(named) => {
                *arg = Arg::Text(Box::new(and_others(value)));
                return text;
            }
            Arg::Text(inner) if inner.english().contains(named) => {
                **inner = name_the_others((**inner).clone(), named, others);
                return text;
            }
            _ => {}
        }
    }
    // The name is in the template itself (rare): say how many in front.
    Text::new("folded_packages")
        .count("n", others + 1)
        .sub("message", text)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostic::{Finding, Severity};

    fn facts(names: &[(&str, &str, &str)]) -> HashMap<String, PackageFacts> {
        names
            .iter()
            .map(|(purl, name, version)| {
                (
                    purl.to_string(),
                    PackageFacts {
                        name: name.to_string(),
                        version: version.to_string(),
                        ..PackageFacts::default()
                    },
                )
            })
            .collect()
    }

    fn l009(name: &str, version: &str) -> Finding {
        Finding::error(
            Code::LicenceNotInInput,
            format!("the licence of {name} {version} is not in the input"),
        )
        .package(format!("pkg:cargo/{name}@{version}"))
        .licence(
            "NOASSERTION",
            Some("`cargo metadata` failed: error: no such workspace member".into()),
        )
    }

    #[test]
    fn one_cause_for_many_packages_is_one_finding_that_names_its_cause() {
        let cause = Finding::warning(
            Code::ResolutionDegraded,
            "`cargo metadata` failed: error: no such workspace member; read Cargo.lock instead",
        )
        .at("Cargo.toml", None);
        let findings = vec![
            l009("a", "1.0.0"),
            cause,
            l009("b", "2.0.0"),
            l009("c", "3.0.0"),
        ];
        let f = facts(&[
            ("pkg:cargo/a@1.0.0", "a", "1.0.0"),
            ("pkg:cargo/b@2.0.0", "b", "2.0.0"),
            ("pkg:cargo/c@3.0.0", "c", "3.0.0"),
        ]);
        let folded = fold(findings, &f);
        assert_eq!(folded.len(), 2);
        let l = &folded[0];
        assert_eq!(l.count, Some(3));
        assert_eq!(l.package, None);
        assert_eq!(l.packages.len(), 3);
        assert_eq!(
            l.message,
            "the licence of a 1.0.0 (and 2 other packages) is not in the input"
        );
        assert_eq!(l.caused_by.as_deref(), Some("I005"));
    }

    /// Offline cache misses (R003) leave the licences unknown (L009): the L009 of those
    /// packages follows from the R003, folded or not; an L009 of a package the R003 does not
    /// list does not.
    #[test]
    fn unknown_licences_of_packages_whose_look_up_failed_follow_from_it() {
        let miss = |name: &str| {
            Finding::error(
                Code::LicenceNotInInput,
                format!("the licence of {name} 1 is not in the input and was not resolved"),
            )
            .package(format!("pkg:pypi/{name}@1"))
        };
        let r003 = Finding::warning(
            Code::RegistryOfflineUncached,
            crate::diagnostic::Text::new("registry_offline_uncached").count("n", 3),
        )
        .about_packages(vec![
            "pkg:pypi/a@1".into(),
            "pkg:pypi/b@1".into(),
            "pkg:pypi/c@1".into(),
        ]);
        let f = facts(&[
            ("pkg:pypi/a@1", "a", "1"),
            ("pkg:pypi/b@1", "b", "1"),
            ("pkg:pypi/c@1", "c", "1"),
            ("pkg:pypi/d@1", "d", "1"),
        ]);
        let folded = fold(vec![miss("a"), miss("b"), r003.clone()], &f);
        assert_eq!(folded[0].count, Some(2));
        assert_eq!(folded[0].caused_by.as_deref(), Some("R003"));
        assert!(
            folded[0].notes.iter().any(|n| n.contains("R003")),
            "{:?}",
            folded[0].notes
        );
        let single = fold(vec![r003.clone(), miss("c")], &f);
        assert_eq!(single[1].caused_by.as_deref(), Some("R003"));
        let other = fold(vec![r003, miss("c"), miss("d")], &f);
        assert!(other.iter().all(|f| f.caused_by.is_none()), "{other:?}");
    }

    #[test]
    fn two_findings_of_one_code_for_one_package_are_one() {
        let one = Finding::warning(Code::LicenceAssumed, "x 1: `BSD` read as BSD-3-Clause")
            .package("pkg:npm/x@1");
        let two = Finding::error(Code::LicenceAssumed, "x 1: `GPL` read as GPL-2.0-only")
            .package("pkg:npm/x@1");
        let folded = fold(vec![one, two], &facts(&[("pkg:npm/x@1", "x", "1")]));
        assert_eq!(folded.len(), 1);
        assert_eq!(folded[0].severity, Severity::Error);
        assert_eq!(folded[0].notes, ["x 1: `GPL` read as GPL-2.0-only"]);
        assert_eq!(folded[0].count, None);
    }

    #[test]
    fn different_causes_stay_apart() {
        let a = Finding::error(Code::LicenceDenied, "a 1: GPL-3.0-only is denied")
            .package("pkg:npm/a@1")
            .licence("GPL-3.0-only", None);
        let b = Finding::error(Code::LicenceDenied, "b 1: AGPL-3.0-only is denied")
            .package("pkg:npm/b@1")
            .licence("AGPL-3.0-only", None);
        let f = facts(&[("pkg:npm/a@1", "a", "1"), ("pkg:npm/b@1", "b", "1")]);
        assert_eq!(fold(vec![a, b], &f).len(), 2);
    }

    #[test]
    fn a_name_inside_another_word_is_not_replaced() {
        assert_eq!(
            replace_word("serde_json and serde", "serde", "#"),
            "serde_json and #"
        );
    }
}
