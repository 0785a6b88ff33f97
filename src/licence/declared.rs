//! Which of a package's declared licences the audit concludes from, and whether its licence
//! files confirm or override a reading that had to guess.
//!
//! Most ecosystems declare one licence field, and the first readable declaration is used.
//! Python metadata declares up to three kinds, in this order of precedence (PEP 639):
//!
//! 1. `License-Expression`, an SPDX expression;
//! 2. `License`, free text, when it reads as a licence without guessing;
//! 3. the licence classifiers (`License :: OSI Approved :: BSD License`), **all of them
//!    together**: a package that lists two classifiers is under both, and classifiers cannot
//!    say whether a choice is offered, so they are read as `AND` (the cautious reading, as ORT
//!    reads several declared licences). A package that offers a choice is corrected with a
//!    `[[clarify]]` entry;
//! 4. a `License` text that reads only by guessing ("BSD").
//!
//! A vague classifier or name ("LGPL", "BSD License", "GPL") names no version or variant: its
//! reading is an assumption, marked as such. Where the package's licence files are at hand,
//! they settle it: when they name the same licences, the assumption is confirmed; when they
//! disagree, the files win and the audit says so (`L011`).

use super::DeclaredEvidence;
use super::detect::{CONFIDENT, DetectedFile, FileKind};
use super::expression::licence_ids;

/// The declared licence a conclusion rests on.
#[derive(Debug, Clone)]
pub struct DeclaredChoice<'a> {
    /// The SPDX expression: one declaration's, or the classifiers' joined with `AND`.
    pub expression: String,
    /// The declarations it was read from, in the order written.
    pub parts: Vec<&'a DeclaredEvidence>,
    /// True when a part had to guess a version or variant.
    pub assumed: bool,
}

/// Whether a declaration is a Python licence classifier.
pub fn is_classifier(d: &DeclaredEvidence) -> bool {
    d.declared
        .raw
        .trim_start()
        .get(..10)
        .is_some_and(|p| p.eq_ignore_ascii_case("license ::"))
}

fn single(d: &DeclaredEvidence) -> DeclaredChoice<'_> {
    DeclaredChoice {
        expression: d.interpretation.expression.clone().unwrap_or_default(),
        parts: vec![d],
        assumed: d.interpretation.assumed,
    }
}

/// The declared licence to conclude from, in the order of precedence of the module docs.
pub fn choose(declared: &[DeclaredEvidence]) -> Option<DeclaredChoice<'_>> {
    let readable = |d: &&DeclaredEvidence| d.interpretation.expression.is_some();
    let classifiers: Vec<&DeclaredEvidence> = declared
        .iter()
        .filter(|d| is_classifier(d))
        .filter(readable)
        .collect();
    if classifiers.is_empty() {
        return declared.iter().find(readable).map(single);
    }
    if let Some(d) = declared
        .iter()
        .filter(readable)
        .find(|d| !is_classifier(d) && !d.interpretation.assumed)
    {
        return Some(single(d));
    }
    let mut terms: Vec<String> = Vec::new();
    for d in &classifiers {
        let expression = d.interpretation.expression.clone().unwrap_or_default();
        if !terms.contains(&expression) {
            terms.push(expression);
        }
    }
    Some(DeclaredChoice {
        expression: all_of(&terms),
        assumed: classifiers.iter().any(|d| d.interpretation.assumed),
        parts: classifiers,
    })
}

/// What the package's licence files say about an assumed reading.
#[derive(Debug, Clone, PartialEq)]
pub enum FileCheck {
    /// No licence file could be identified with confidence: the assumption stands.
    Unchecked,
    /// The files name exactly the licences of the reading.
    Confirmed { files: Vec<String> },
    /// The files name other licences: `expression` (theirs) replaces the reading.
    Overridden {
        expression: String,
        files: Vec<String>,
    },
}

/// The licence files identified with confidence.
pub fn confident(detected: &[DetectedFile]) -> Vec<&DetectedFile> {
    detected
        .iter()
        .filter(|d| d.kind == FileKind::Licence && d.confidence >= CONFIDENT)
        .filter(|d| d.licence.is_some())
        .collect()
}

/// The expression of several identified licence files: their distinct expressions joined
/// with `AND` (each file's licence applies), sorted.
pub fn combined(files: &[&DetectedFile]) -> String {
    let mut ids: Vec<String> = files.iter().filter_map(|d| d.licence.clone()).collect();
    ids.sort();
    ids.dedup();
    all_of(&ids)
}

/// Expressions that all apply, joined with `AND` (compound ones in parentheses).
fn all_of(terms: &[String]) -> String {
    if let [one] = terms {
        return one.clone();
    }
    terms
        .iter()
        .map(|t| {
            if t.contains(' ') {
                format!("({t})")
            } else {
                t.clone()
            }
        })
        .collect::<Vec<_>>()
        .join(" AND ")
}

/// Checks an assumed reading against the licence files.
pub fn check_assumption(choice: &DeclaredChoice<'_>, detected: &[DetectedFile]) -> FileCheck {
    let files = confident(detected);
    if !choice.assumed || files.is_empty() {
        return FileCheck::Unchecked;
    }
    let names: Vec<String> = files.iter().map(|d| d.path.clone()).collect();
    let theirs = combined(&files);
    if licence_ids(&theirs) == licence_ids(&choice.expression) {
        FileCheck::Confirmed { files: names }
    } else {
        FileCheck::Overridden {
            expression: theirs,
            files: names,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::licence::expression::interpret;
    use crate::model::{DeclaredLicence, Origin};

    fn declared(entries: &[(&str, &str)]) -> Vec<DeclaredEvidence> {
        entries
            .iter()
            .map(|(field, raw)| DeclaredEvidence {
                declared: DeclaredLicence {
                    raw: raw.to_string(),
                    origin: Origin {
                        file: "METADATA".into(),
                        field: field.to_string(),
                    },
                },
                interpretation: interpret(raw),
            })
            .collect()
    }

    #[test]
    fn all_classifiers_count_together() {
        // python-dateutil 2.9.0.post0's metadata.
        let d = declared(&[
            ("License", "Dual License"),
            ("Classifier", "License :: OSI Approved :: BSD License"),
            (
                "Classifier",
                "License :: OSI Approved :: Apache Software License",
            ),
        ]);
        let choice = choose(&d).unwrap();
        assert_eq!(choice.expression, "BSD-3-Clause AND Apache-2.0");
        assert_eq!(choice.parts.len(), 2);
        assert!(choice.assumed);
    }

    #[test]
    fn expression_and_exact_license_come_before_classifiers() {
        let d = declared(&[
            ("License-Expression", "MIT"),
            ("License", "BSD"),
            ("Classifier", "License :: OSI Approved :: BSD License"),
        ]);
        assert_eq!(choose(&d).unwrap().expression, "MIT");
        let d = declared(&[
            ("License", "Apache-2.0"),
            (
                "Classifier",
                "License :: OSI Approved :: Apache Software License",
            ),
        ]);
        let choice = choose(&d).unwrap();
        assert_eq!(choice.expression, "Apache-2.0");
        assert!(!choice.assumed);
        // A `License` that reads only by guessing yields to the classifiers.
        let d = declared(&[
            ("License", "BSD"),
            ("Classifier", "License :: OSI Approved :: MIT License"),
        ]);
        assert_eq!(choose(&d).unwrap().expression, "MIT");
    }

    #[test]
    fn without_classifiers_the_first_readable_declaration_counts() {
        let d = declared(&[("license", "not a licence"), ("license", "GPL")]);
        let choice = choose(&d).unwrap();
        assert_eq!(choice.expression, "GPL-1.0-or-later");
        assert!(choice.assumed);
        assert!(choose(&declared(&[("license", "???")])).is_none());
    }
}
