//! What to do about a finding (issue 17): the next step per code, and a ready-to-paste policy
//! entry where one would resolve it.
//!
//! The texts are the "How to fix" section of docs/diagnostics.md, compiled in, so the
//! documentation and every report say the same; a test checks that every code has one.

use super::fold::PackageFacts;
use super::{Code, Finding};
use crate::licence::obligations::Lang;
use std::collections::HashMap;
use std::sync::OnceLock;

const CATALOGUE: &str = include_str!("../../docs/diagnostics.md");
/// The German "How to fix" entries (`--lang de`), one per code like the English ones.
const CATALOGUE_DE: &str = include_str!("../../docs/diagnostics.de.md");

/// A case of a code whose "How to fix" entry has a paragraph of its own for it, opened by the
/// case's words: an I007 of a requirement resolved with `--resolve-unlocked` has no lockfile
/// to regenerate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum HelpCase {
    /// The project has no lockfile; its requirements were resolved against the registry.
    NoLockfile,
}

impl HelpCase {
    const ALL: [HelpCase; 1] = [HelpCase::NoLockfile];

    /// The words that open the case's paragraph in the catalogue of `lang`.
    fn opening(self, lang: Lang) -> &'static str {
        match (self, lang) {
            (HelpCase::NoLockfile, Lang::En) => "Without a lockfile (`--resolve-unlocked`):",
            (HelpCase::NoLockfile, Lang::De) => "Ohne Sperrdatei (`--resolve-unlocked`):",
        }
    }
}

/// One catalogue's "How to fix" section: code → text, and (code, case) → the case's text.
struct Entries {
    texts: HashMap<&'static str, String>,
    cases: HashMap<(&'static str, HelpCase), String>,
}

/// The entries of the section headed `heading` in `catalogue`: code → text (its paragraphs,
/// joined), and the paragraphs that a [`HelpCase`]'s opening words begin, apart.
fn parse(catalogue: &'static str, heading: &str, lang: Lang) -> Entries {
    let mut entries = Entries {
        texts: HashMap::new(),
        cases: HashMap::new(),
    };
    let Some((_, section)) = catalogue.split_once(heading) else {
        return entries;
    };
    // The section ends at the next second-level heading.
    let section = section.split("\n## ").next().unwrap_or_default();
    for entry in section.split("\n### ").skip(1) {
        let mut lines = entry.lines();
        let heading = lines.next().unwrap_or_default();
        let code = heading.split_whitespace().next().unwrap_or_default();
        let mut text: Vec<&str> = Vec::new();
        let mut paragraphs: Vec<Vec<&str>> = vec![Vec::new()];
        for line in lines.take_while(|l| !l.starts_with('#')).map(str::trim) {
            if line.is_empty() {
                paragraphs.push(Vec::new());
            } else if let Some(paragraph) = paragraphs.last_mut() {
                paragraph.push(line);
            }
        }
        for paragraph in paragraphs.into_iter().filter(|p| !p.is_empty()) {
            let joined = paragraph.join(" ");
            let case = HelpCase::ALL
                .into_iter()
                .find_map(|c| Some((c, joined.strip_prefix(c.opening(lang))?)));
            match case {
                Some((case, rest)) => {
                    entries.cases.insert((code, case), rest.trim().to_string());
                }
                None => text.extend(paragraph),
            }
        }
        entries.texts.insert(code, text.join(" "));
    }
    entries
}

fn entries() -> &'static Entries {
    static ENTRIES: OnceLock<Entries> = OnceLock::new();
    ENTRIES.get_or_init(|| parse(CATALOGUE, "\n## How to fix\n", Lang::En))
}

fn entries_de() -> &'static Entries {
    static ENTRIES: OnceLock<Entries> = OnceLock::new();
    ENTRIES.get_or_init(|| parse(CATALOGUE_DE, "\n## Was zu tun ist\n", Lang::De))
}

fn texts() -> &'static HashMap<&'static str, String> {
    &entries().texts
}

fn texts_de() -> &'static HashMap<&'static str, String> {
    &entries_de().texts
}

/// The paragraph of `code`'s entry for `case`, in `lang`.
fn case_text(code: Code, case: HelpCase, lang: Lang) -> Option<&'static str> {
    let entries = match lang {
        Lang::En => entries(),
        Lang::De => entries_de(),
    };
    entries
        .cases
        .get(&(code.as_str(), case))
        .map(String::as_str)
}

/// The next step for findings of `code` (docs/diagnostics.md, "How to fix").
pub fn help_text(code: Code) -> &'static str {
    texts()
        .get(code.as_str())
        .map(String::as_str)
        .unwrap_or("See docs/diagnostics.md.")
}

/// [`help_text`] in `lang` (German: docs/diagnostics.de.md).
pub fn help_text_in(code: Code, lang: Lang) -> &'static str {
    match lang {
        Lang::En => help_text(code),
        Lang::De => texts_de()
            .get(code.as_str())
            .map(String::as_str)
            .unwrap_or("Siehe docs/diagnostics.de.md."),
    }
}

/// A finding's `help` in `lang`: what [`attach_help`] wrote, in that language.
pub fn help_in(finding: &Finding, lang: Lang) -> Option<String> {
    finding.help.as_ref()?;
    Some(match cause_of(finding) {
        Some(cause) => crate::report::html::fill(
            &crate::report::html::tr(lang, "human.fix_cause_first"),
            &[
                ("cause", cause.as_str()),
                ("help", help_text_in(cause, lang)),
            ],
        ),
        None => finding
            .help_case
            .and_then(|case| case_text(finding.code, case, lang))
            .unwrap_or_else(|| help_text_in(finding.code, lang))
            .to_string(),
    })
}

/// The code of the finding a folded finding follows from.
fn cause_of(finding: &Finding) -> Option<Code> {
    finding
        .caused_by
        .as_deref()
        .and_then(|c| Code::ALL.iter().copied().find(|k| k.as_str() == c))
}

/// The anchor of `code`'s "How to fix" entry in docs/diagnostics.md (`l004-licence-unknown`).
pub fn help_anchor(code: Code) -> String {
    format!("{}-{}", code.as_str().to_ascii_lowercase(), code.slug())
}

/// More packages than this in a folded finding: no snippet (one entry per package would be a
/// wall of TOML; the cause needs fixing, not a list of exceptions).
const SNIPPET_PACKAGES: usize = 10;

/// Gives every finding its `help` and, where a policy entry would resolve it, its `fix`.
pub fn attach_help(findings: &mut [Finding], facts: &HashMap<String, PackageFacts>) {
    for f in findings.iter_mut() {
        f.help = Some(String::new());
        f.help = help_in(f, Lang::En);
        if f.caused_by.is_none() {
            f.fix = snippet(f, facts);
        }
    }
}

fn snippet(f: &Finding, facts: &HashMap<String, PackageFacts>) -> Option<String> {
    let purls: Vec<&str> = f.purls().collect();
    if purls.is_empty() || purls.len() > SNIPPET_PACKAGES {
        return None;
    }
    let entries: Vec<String> = purls
        .iter()
        .filter_map(|purl| entry(f, purl, facts.get(*purl)))
        .collect();
    (!entries.is_empty()).then(|| entries.join("\n"))
}

fn entry(f: &Finding, purl: &str, facts: Option<&PackageFacts>) -> Option<String> {
    let files = facts.map(|p| p.licence_files.as_slice()).unwrap_or(&[]);
    let detected = facts.and_then(|p| p.detected.clone());
    match f.code {
        Code::LicenceAssumed => clarify(purl, f.licence.clone(), files),
        Code::LicenceMismatch | Code::LicenceFilesOverride | Code::LicenceUnparsable => {
            clarify(purl, detected, files)
        }
        Code::LicenceUnknown if !files.is_empty() => clarify(purl, detected, files),
        Code::LicenceDenied
        | Code::LicenceNotAllowed
        | Code::LicenceNeedsReview
        | Code::LicenceUnknown
        | Code::LicenceNotInInput
        | Code::LicenceIncompatible
        | Code::CompatibilityNeedsReview => exception(purl, f.licence.as_deref()?),
        Code::Vulnerability | Code::AdvisoryInformational => ignore(purl, f.advisory.as_deref()?),
        _ => None,
    }
}

fn quoted(text: &str) -> String {
    toml::Value::String(text.to_string()).to_string()
}

const PLACEHOLDERS: &str = "reason = \"<why this is acceptable here>\"\n\
                            approved-by = \"<name, role>\"\n\
                            expires = <YYYY-MM-DD>\n";

/// A snippet with its placeholders in `lang` (the JSON and SARIF reports keep the English).
pub fn placeholders_in(snippet: &str, lang: crate::licence::obligations::Lang) -> String {
    use crate::licence::obligations::Lang;
    match lang {
        Lang::En => snippet.to_string(),
        _ => snippet
            .replace(
                "\"<why this is acceptable here>\"",
                &quoted(&crate::diagnostic::Text::new("placeholder_reason").render(lang)),
            )
            .replace(
                "\"<name, role>\"",
                &quoted(&crate::diagnostic::Text::new("placeholder_approver").render(lang)),
            )
            .replace(
                "<YYYY-MM-DD>",
                &crate::diagnostic::Text::new("placeholder_date").render(lang),
            ),
    }
}

fn exception(purl: &str, licence: &str) -> Option<String> {
    let ids = crate::licence::expression::licence_ids(licence);
    let allow: Vec<String> = if licence == crate::licence::NOASSERTION || ids.is_empty() {
        vec![quoted(crate::licence::NOASSERTION)]
    } else {
        ids.iter().map(|id| quoted(id)).collect()
    };
    Some(format!(
        "[[exceptions]]\npackage = {}\nallow = [{}]\n{PLACEHOLDERS}",
        quoted(purl),
        allow.join(", ")
    ))
}

fn clarify(purl: &str, expression: Option<String>, files: &[(String, String)]) -> Option<String> {
    if files.is_empty() {
        return None;
    }
    let expression = expression
        .filter(|e| e != crate::licence::NOASSERTION)
        .unwrap_or_else(|| "<SPDX expression>".to_string());
    let files: Vec<String> = files
        .iter()
        .map(|(path, sha)| format!("  {{ path = {}, sha256 = {} }},", quoted(path), quoted(sha)))
        .collect();
    Some(format!(
        "[[clarify]]\npackage = {}\nexpression = {}\nlicense-files = [\n{}\n]\n{PLACEHOLDERS}",
        quoted(purl),
        quoted(&expression),
        files.join("\n")
    ))
}

fn ignore(purl: &str, id: &str) -> Option<String> {
    Some(format!(
        "[[advisories.ignore]]\nid = {}\npackage = {}\n{PLACEHOLDERS}",
        quoted(id),
        quoted(purl)
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::Policy;

    #[test]
    fn every_code_has_a_how_to_fix_entry_in_the_docs() {
        let missing: Vec<&str> = Code::ALL
            .iter()
            .filter(|c| !texts().contains_key(c.as_str()))
            .map(|c| c.as_str())
            .collect();
        assert!(
            missing.is_empty(),
            "no \"How to fix\" entry for {missing:?}"
        );
        for code in Code::ALL {
            let heading = format!("\n### {} {}\n", code.as_str(), code.slug());
            assert!(CATALOGUE.contains(&heading), "heading {heading:?}");
            assert!(help_text(*code).len() > 20, "{code}");
        }
        assert_eq!(texts().len(), Code::ALL.len(), "entries for unknown codes");
    }

    #[test]
    fn every_code_has_a_german_entry_too() {
        let missing: Vec<&str> = Code::ALL
            .iter()
            .filter(|c| !texts_de().contains_key(c.as_str()))
            .map(|c| c.as_str())
            .collect();
        assert!(missing.is_empty(), "no German entry for {missing:?}");
        assert_eq!(
            texts_de().len(),
            Code::ALL.len(),
            "entries for unknown codes"
        );
        for code in Code::ALL {
            let heading = format!("\n### {} {}\n", code.as_str(), code.slug());
            assert!(CATALOGUE_DE.contains(&heading), "heading {heading:?}");
            let de = help_text_in(*code, Lang::De);
            assert!(de.len() > 20, "{code}");
            assert_ne!(de, help_text(*code), "{code}: not translated");
        }
    }

    /// An I007 of `--resolve-unlocked` has no lockfile to regenerate: its help is the entry's
    /// paragraph for that case, in both languages, and the entry's general text leaves it out.
    #[test]
    fn an_unresolved_requirement_without_a_lockfile_gets_its_own_help() {
        let finding = |case: Option<HelpCase>| {
            let f = Finding::warning(Code::DependencyUnresolved, "x: y");
            match case {
                Some(case) => f.help_case(case),
                None => f,
            }
        };
        let mut findings = [finding(None), finding(Some(HelpCase::NoLockfile))];
        attach_help(&mut findings, &HashMap::new());
        let [general, unlocked] = &findings;
        assert_eq!(
            general.help.as_deref(),
            Some(help_text(Code::DependencyUnresolved))
        );
        assert!(help_text(Code::DependencyUnresolved).starts_with("Regenerate the lockfile"));
        let help = unlocked.help.as_deref().unwrap_or_default();
        assert!(help.starts_with("Commit a lockfile"), "{help}");
        assert!(!help.contains("Regenerate"), "{help}");
        let de = help_in(unlocked, Lang::De).unwrap_or_default();
        assert!(de.starts_with("Eine Sperrdatei"), "{de}");
        for lang in [Lang::En, Lang::De] {
            for case in HelpCase::ALL {
                assert!(case_text(Code::DependencyUnresolved, case, lang).is_some());
            }
        }
    }

    /// The anchor a Markdown renderer gives a heading (GitHub, GitLab, mdBook): lower case,
    /// punctuation other than `-` and `_` dropped, spaces as `-`.
    fn rendered_anchor(heading: &str) -> String {
        heading
            .trim()
            .to_lowercase()
            .chars()
            .filter(|c| c.is_alphanumeric() || matches!(c, ' ' | '-' | '_'))
            .map(|c| if c == ' ' { '-' } else { c })
            .collect()
    }

    #[test]
    fn every_help_anchor_is_a_heading_of_the_docs() {
        let anchors: Vec<String> = CATALOGUE
            .lines()
            .filter_map(|l| l.strip_prefix("### "))
            .map(rendered_anchor)
            .collect();
        for code in Code::ALL {
            let anchor = help_anchor(*code);
            assert_eq!(
                anchors.iter().filter(|a| **a == anchor).count(),
                1,
                "{code}: #{anchor} is not exactly one heading of docs/diagnostics.md"
            );
        }
        assert_eq!(
            rendered_anchor("L004 licence-unknown"),
            "l004-licence-unknown"
        );
    }

    #[test]
    fn a_follow_on_finding_says_fix_the_cause_first_in_both_languages() {
        let mut f = Finding::warning(Code::LicenceNotInInput, "x");
        f.caused_by = Some("I005".into());
        attach_help(std::slice::from_mut(&mut f), &HashMap::new());
        let en = help_in(&f, Lang::En).unwrap();
        assert_eq!(Some(&en), f.help.as_ref());
        assert!(
            en.starts_with("Fix I005 first, then audit again: Make the ecosystem"),
            "{en}"
        );
        let de = help_in(&f, Lang::De).unwrap();
        assert!(
            de.starts_with("Zuerst I005 beheben, dann erneut prüfen: Das Werkzeug"),
            "{de}"
        );
    }

    /// The snippet with its placeholders filled, as a user would.
    fn filled(snippet: &str) -> String {
        snippet
            .replace(
                "<why this is acceptable here>",
                "reviewed by legal, LEGAL-1",
            )
            .replace("<name, role>", "Jane Doe, legal")
            .replace("<YYYY-MM-DD>", "2030-01-31")
            .replace("<SPDX expression>", "MIT")
    }

    fn facts() -> HashMap<String, PackageFacts> {
        HashMap::from([(
            "pkg:npm/%40scope/left-pad@1.3.0".to_string(),
            PackageFacts {
                name: "@scope/left-pad".into(),
                version: "1.3.0".into(),
                licence_files: vec![(
                    "LICENSE".into(),
                    "3b0d5b7105a439a9bcea8d948c99881eba1844fa1a8663354e896ec1d2886daf".into(),
                )],
                detected: Some("MIT".into()),
            },
        )])
    }

    fn with_fix(finding: Finding) -> Finding {
        let mut findings = [finding];
        attach_help(&mut findings, &facts());
        let [f] = findings;
        f
    }

    fn parses(snippet: &str) -> Policy {
        let text = format!(
            "name = \"t\"\n[licences]\nallow = [\"MIT\"]\n\n{}",
            filled(snippet)
        );
        Policy::parse(&text, "fundament.toml", "test")
            .unwrap_or_else(|e| panic!("{e}\n---\n{text}"))
    }

    #[test]
    fn an_exception_snippet_parses_once_filled_and_not_before() {
        let f = with_fix(
            Finding::error(Code::LicenceDenied, "denied")
                .package("pkg:npm/%40scope/left-pad@1.3.0")
                .licence("GPL-3.0-only OR LGPL-2.1-or-later", None),
        );
        let fix = f.fix.expect("a snippet");
        assert!(
            fix.contains("allow = [\"GPL-3.0-only\", \"LGPL-2.1-or-later\"]"),
            "{fix}"
        );
        assert!(f.help.unwrap().contains("[[exceptions]]"));
        let policy = parses(&fix);
        assert_eq!(policy.exceptions.len(), 1);
        assert_eq!(policy.exceptions[0].reason, "reviewed by legal, LEGAL-1");
        // Unfilled, the expiry is not TOML: pasted as is, the policy does not load.
        let raw = format!("name = \"t\"\n{fix}");
        assert!(Policy::parse(&raw, "fundament.toml", "test").is_err());
    }

    #[test]
    fn an_unknown_licence_gets_a_noassertion_exception() {
        let f = with_fix(
            Finding::error(Code::LicenceNotInInput, "unknown")
                .package("pkg:cargo/ab_glyph@0.2.32")
                .licence("NOASSERTION", None),
        );
        let fix = f.fix.unwrap();
        assert!(fix.contains("allow = [\"NOASSERTION\"]"), "{fix}");
        parses(&fix);
    }

    #[test]
    fn a_clarify_snippet_pins_the_licence_files_and_parses() {
        let f = with_fix(
            Finding::warning(Code::LicenceAssumed, "assumed")
                .package("pkg:npm/%40scope/left-pad@1.3.0")
                .licence("BSD-3-Clause", None),
        );
        let fix = f.fix.unwrap();
        assert!(fix.contains("3b0d5b7105a439a9bcea8d948c99881eba1844fa1a8663354e896ec1d2886daf"));
        let policy = parses(&fix);
        assert_eq!(policy.clarifications.len(), 1);
        assert_eq!(policy.clarifications[0].expression, "BSD-3-Clause");
    }

    #[test]
    fn an_advisory_ignore_snippet_parses() {
        let f = with_fix(
            Finding::error(Code::Vulnerability, "vulnerable")
                .package("pkg:npm/%40scope/left-pad@1.3.0")
                .advisory("GHSA-h5c8-rqwp-cp95"),
        );
        let policy = parses(&f.fix.unwrap());
        assert_eq!(policy.advisories.ignore[0].id, "GHSA-h5c8-rqwp-cp95");
    }

    #[test]
    fn a_follow_on_finding_points_to_its_cause_and_offers_no_snippet() {
        let mut f = Finding::error(Code::LicenceNotInInput, "unknown")
            .package("pkg:cargo/ab_glyph@0.2.32")
            .licence("NOASSERTION", None);
        f.caused_by = Some("I005".into());
        let f = with_fix(f);
        assert!(f.help.unwrap().starts_with("Fix I005 first"));
        assert_eq!(f.fix, None);
    }
}
