//! Licence detection against the held-in quality set (tests/fixtures/licence-detection, see its
//! README for where every file comes from and how its expected answer was decided), the
//! licence files vendored in the opencloud fixture, and bad input.

mod support;

use fundament::licence::detect::{self, Detection, Matcher, RuleKind};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

fn quality_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/licence-detection")
}

/// `file<TAB>expected expression` lines; an empty expression: no licence may be claimed.
fn expected(tsv: &Path) -> Vec<(String, String)> {
    std::fs::read_to_string(tsv)
        .unwrap()
        .lines()
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(|l| {
            let (file, expression) = l.split_once('\t').unwrap_or((l, ""));
            (file.to_string(), expression.trim().to_string())
        })
        .collect()
}

/// The top-level AND terms of an expression, each with its top-level OR operands sorted:
/// "A AND B" is "B AND A", and "A OR B" is "B OR A".
fn terms(expression: &str) -> BTreeSet<String> {
    split_top(expression, "AND")
        .into_iter()
        .map(|term| {
            let inner = term
                .strip_prefix('(')
                .and_then(|t| t.strip_suffix(')'))
                .filter(|t| split_top(t, "OR").len() > 1)
                .unwrap_or(&term)
                .to_string();
            split_top(&inner, "OR")
                .into_iter()
                .collect::<BTreeSet<_>>()
                .into_iter()
                .collect::<Vec<_>>()
                .join(" OR ")
        })
        .collect()
}

/// The operands of `operator` outside parentheses.
fn split_top(expression: &str, operator: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let mut depth = 0;
    let mut current = String::new();
    let words: Vec<&str> = expression.split_whitespace().collect();
    for word in words {
        depth += word.matches('(').count() as i32 - word.matches(')').count() as i32;
        if word == operator && depth == 0 {
            out.insert(std::mem::take(&mut current).trim().to_string());
        } else {
            current.push(' ');
            current.push_str(word);
        }
    }
    out.insert(current.trim().to_string());
    out.retain(|t| !t.is_empty());
    out
}

struct Score {
    total: usize,
    exact: usize,
    false_claims: Vec<String>,
    misses: Vec<String>,
}

fn score(base: &Path, cases: &[(String, String)]) -> Score {
    let mut s = Score {
        total: 0,
        exact: 0,
        false_claims: Vec::new(),
        misses: Vec::new(),
    };
    for (file, want) in cases {
        let bytes = std::fs::read(base.join(file)).unwrap_or_else(|e| panic!("{file}: {e}"));
        let found = detect::detect_bytes(file, &bytes);
        assert!(found.error.is_none(), "{file}: {:?}", found.error);
        let got = found.expression.clone().unwrap_or_default();
        s.total += 1;
        if terms(&got) == terms(want) {
            s.exact += 1;
        } else if want.is_empty() {
            s.false_claims.push(format!("{file}: claims {got}"));
        } else {
            s.misses
                .push(format!("{file}: expected `{want}`, found `{got}`"));
        }
    }
    s
}

#[test]
fn the_held_in_set_is_detected_exactly_at_least_nine_times_in_ten() {
    let dir = quality_dir();
    let cases = expected(&dir.join("expected.tsv"));
    assert!(cases.len() >= 300, "{} cases", cases.len());
    let s = score(&dir.join("cases"), &cases);
    let accuracy = s.exact as f64 / s.total as f64;
    eprintln!(
        "held-in set: {}/{} exact ({:.1} %)\n{}",
        s.exact,
        s.total,
        accuracy * 100.0,
        s.misses.join("\n")
    );
    assert!(s.false_claims.is_empty(), "{:#?}", s.false_claims);
    assert!(accuracy >= 0.90, "accuracy {accuracy:.3}");
}

#[test]
fn files_without_a_licence_yield_nothing() {
    let dir = quality_dir();
    let cases: Vec<(String, String)> = expected(&dir.join("expected.tsv"))
        .into_iter()
        .filter(|(_, want)| want.is_empty())
        .collect();
    assert!(cases.len() >= 20, "{} no-licence cases", cases.len());
    let s = score(&dir.join("cases"), &cases);
    assert!(s.false_claims.is_empty(), "{:#?}", s.false_claims);
}

#[test]
fn the_licence_files_vendored_in_opencloud_are_detected() {
    let Some(vendor) = support::shared_fixture("opencloud/vendor") else {
        return;
    };
    let cases = expected(&quality_dir().join("opencloud-vendor.tsv"));
    assert!(cases.len() >= 370, "{} cases", cases.len());
    let s = score(&vendor, &cases);
    let accuracy = s.exact as f64 / s.total as f64;
    eprintln!(
        "opencloud vendor: {}/{} exact ({:.1} %)\n{}",
        s.exact,
        s.total,
        accuracy * 100.0,
        s.misses.join("\n")
    );
    assert!(s.false_claims.is_empty(), "{:#?}", s.false_claims);
    assert!(accuracy >= 0.90, "accuracy {accuracy:.3}");
}

fn case(file: &str) -> Detection {
    let bytes = std::fs::read(quality_dir().join("cases").join(file)).unwrap();
    detect::detect_bytes(file, &bytes)
}

#[test]
fn matches_carry_their_lines_rule_and_score() {
    let d = case("written/gpl-2.0-or-later.c");
    assert_eq!(d.expression.as_deref(), Some("GPL-2.0-or-later"));
    let m = &d.matches[0];
    assert_eq!(m.kind, RuleKind::Notice);
    assert!(m.rule.ends_with(".RULE"), "{}", m.rule);
    assert!(
        m.start_line >= 3 && m.end_line <= 17,
        "{}-{}",
        m.start_line,
        m.end_line
    );
    assert!(m.score > 90.0);

    let d = case("written/spdx-or.c");
    assert_eq!(d.matches.len(), 1);
    assert_eq!(d.matches[0].matcher, Matcher::SpdxIdentifier);
    assert_eq!(d.matches[0].rule, "spdx-license-identifier");
    assert_eq!((d.matches[0].start_line, d.matches[0].end_line), (1, 1));
}

#[test]
fn each_licence_of_a_file_has_its_own_span() {
    let d = case("written/multi-mit-and-apache.txt");
    let mit = d.matches.iter().find(|m| m.expression == "MIT").unwrap();
    let apache = d
        .matches
        .iter()
        .find(|m| m.expression == "Apache-2.0")
        .unwrap();
    assert!(mit.end_line < apache.start_line);
    assert_eq!(mit.kind, RuleKind::Text);
}

#[test]
fn gpl_versions_and_later_clauses_are_told_apart() {
    let expect = [
        ("spdx-texts/GPL-1.0.txt", "GPL-1.0-only"),
        ("spdx-texts/GPL-2.0.txt", "GPL-2.0-only"),
        ("spdx-texts/GPL-3.0.txt", "GPL-3.0-only"),
        ("written/gpl-2.0-only.c", "GPL-2.0-only"),
        ("written/gpl-2.0-or-later.c", "GPL-2.0-or-later"),
        ("written/gpl-1.0-or-later-notice.c", "GPL-1.0-or-later"),
        ("written/copying-gpl2-or-later.txt", "GPL-2.0-or-later"),
        ("spdx-texts/BSD-3-Clause.txt", "BSD-3-Clause"),
        ("spdx-texts/BSD-3-Clause-Clear.txt", "BSD-3-Clause-Clear"),
        ("spdx-texts/BSD-2-Clause.txt", "BSD-2-Clause"),
    ];
    for (file, want) in expect {
        assert_eq!(case(file).expression.as_deref(), Some(want), "{file}");
    }
}

#[test]
fn bad_input_answers_without_panicking() {
    let mit = std::fs::read_to_string(quality_dir().join("cases/spdx-texts/MIT.txt")).unwrap();
    // Binary, invalid UTF-8, punctuation, one very long line: an answer, no licence.
    let binary: Vec<u8> = (0..200_000u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    assert_eq!(detect::detect_bytes("blob.bin", &binary).expression, None);
    assert_eq!(
        detect::detect_bytes("bad.txt", b"\xff\xfe\xfd\x80\x81 \xc3").expression,
        None
    );
    assert_eq!(
        detect::detect_bytes("p.txt", "!?.,;:-_*#".repeat(100_000).as_bytes()).expression,
        None
    );
    let long_line = "token ".repeat(300_000);
    assert_eq!(
        detect::detect_bytes("long.txt", long_line.as_bytes()).expression,
        None
    );
    // UTF-16 (with and without byte-order mark) is read as text.
    let utf16: Vec<u8> = [0xFF, 0xFE]
        .into_iter()
        .chain(mit.encode_utf16().flat_map(|u| u.to_le_bytes()))
        .collect();
    assert_eq!(
        detect::detect_bytes("LICENSE", &utf16)
            .expression
            .as_deref(),
        Some("MIT")
    );
    // MIT inside invalid UTF-8 is still found.
    let mut mixed = b"\x80\x81\x00garbage\xc3\n".to_vec();
    mixed.extend_from_slice(mit.as_bytes());
    assert_eq!(
        detect::detect_bytes("LICENSE", &mixed)
            .expression
            .as_deref(),
        Some("MIT")
    );
    // 10 MB of one licence text repeated: an answer, with the matches capped.
    let repeated = mit.repeat(10 * 1024 * 1024 / mit.len() + 1);
    let d = detect::detect_bytes("huge.txt", repeated.as_bytes());
    assert_eq!(d.expression.as_deref(), Some("MIT"));
    assert!(d.truncated);
    assert_eq!(d.matches.len(), detect::MAX_REPORTED_MATCHES);
}
