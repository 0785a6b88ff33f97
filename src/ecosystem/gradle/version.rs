//! Gradle's version order and dynamic versions.
//!
//! A version is split into parts at `.`, `-`, `_`, `+` and between digits and letters; parts
//! compare as numbers when both are numeric, a numeric part is above a non-numeric one, other
//! parts compare alphabetically, except `dev` (below every other) and `rc` < `snapshot` <
//! `final` < `ga` < `release` < `sp` (above every other). An extra numeric part is higher
//! (`1.1` < `1.1.0`), an extra non-numeric part lower (`1.1.a` < `1.1`).
//!
//! Dynamic versions: `1.+` (a prefix), `+`, `latest.release`, `latest.integration`, and Maven's
//! ranges (`[1.0,2.0)`).

use crate::ecosystem::maven::version::{Range, Version};
use std::cmp::Ordering;

#[derive(Debug, PartialEq, Eq)]
enum Part {
    Number(String),
    Word(String),
}

fn parts(version: &str) -> Vec<Part> {
    let mut out = Vec::new();
    let mut current = String::new();
    let mut digits = false;
    let flush = |current: &mut String, digits: bool, out: &mut Vec<Part>| {
        if current.is_empty() {
            return;
        }
        let text = std::mem::take(current);
        out.push(if digits {
            Part::Number(text.trim_start_matches('0').to_string())
        } else {
            Part::Word(text)
        });
    };
    for c in version.chars() {
        if matches!(c, '.' | '-' | '_' | '+') {
            flush(&mut current, digits, &mut out);
            continue;
        }
        let is_digit = c.is_ascii_digit();
        if !current.is_empty() && is_digit != digits {
            flush(&mut current, digits, &mut out);
        }
        digits = is_digit;
        current.push(c);
    }
    flush(&mut current, digits, &mut out);
    out
}

/// The rank of a special word: dev lowest, the release words highest; `None` for others.
fn special(word: &str) -> Option<i8> {
    match word.to_ascii_lowercase().as_str() {
        "dev" => Some(-1),
        "rc" => Some(1),
        "snapshot" => Some(2),
        "final" => Some(3),
        "ga" => Some(4),
        "release" => Some(5),
        "sp" => Some(6),
        _ => None,
    }
}

fn compare_words(a: &str, b: &str) -> Ordering {
    match (special(a), special(b)) {
        (Some(x), Some(y)) => x.cmp(&y),
        (Some(x), None) => {
            if x < 0 {
                Ordering::Less
            } else {
                Ordering::Greater
            }
        }
        (None, Some(y)) => {
            if y < 0 {
                Ordering::Greater
            } else {
                Ordering::Less
            }
        }
        (None, None) => a.cmp(b),
    }
}

/// Gradle's order of two versions.
pub(crate) fn compare(a: &str, b: &str) -> Ordering {
    let (a, b) = (parts(a), parts(b));
    for i in 0..a.len().max(b.len()) {
        let result = match (a.get(i), b.get(i)) {
            (Some(Part::Number(x)), Some(Part::Number(y))) => {
                x.len().cmp(&y.len()).then_with(|| x.cmp(y))
            }
            (Some(Part::Number(_)), Some(Part::Word(_))) => Ordering::Greater,
            (Some(Part::Word(_)), Some(Part::Number(_))) => Ordering::Less,
            (Some(Part::Word(x)), Some(Part::Word(y))) => compare_words(x, y),
            (Some(Part::Number(_)), None) => Ordering::Greater,
            (Some(Part::Word(_)), None) => Ordering::Less,
            (None, Some(Part::Number(_))) => Ordering::Less,
            (None, Some(Part::Word(_))) => Ordering::Greater,
            (None, None) => Ordering::Equal,
        };
        if result != Ordering::Equal {
            return result;
        }
    }
    Ordering::Equal
}

/// Whether a requested version is dynamic (needs the repository's version list).
pub(crate) fn is_dynamic(version: &str) -> bool {
    version.ends_with('+')
        || version.starts_with("latest.")
        || version.starts_with('[')
        || version.starts_with('(')
        || version.starts_with(']')
}

/// The newest of `available` a dynamic version admits.
pub(crate) fn select<'a>(requested: &str, available: &'a [String]) -> Option<&'a String> {
    let admits = |candidate: &str| -> bool {
        if requested == "+" || requested == "latest.integration" {
            return true;
        }
        if requested == "latest.release" {
            return !candidate.to_ascii_lowercase().contains("snapshot");
        }
        if let Some(prefix) = requested.strip_suffix('+') {
            return candidate.starts_with(prefix);
        }
        // Gradle writes open bounds as `]1.0,2.0[` too.
        let mut maven = requested.to_string();
        if maven.starts_with(']') {
            maven.replace_range(0..1, "(");
        }
        if maven.ends_with('[') {
            let end = maven.len();
            maven.replace_range(end - 1..end, ")");
        }
        Range::parse(&maven).is_ok_and(|r| r.contains(&Version::parse(candidate)))
    };
    available
        .iter()
        .filter(|c| admits(c))
        .max_by(|a, b| compare(a, b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_order_as_gradle_orders_them() {
        for (a, b) in [
            ("1.0", "1.1"),
            ("1.1", "1.1.0"),
            ("1.1.a", "1.1"),
            ("1.0-dev", "1.0-alpha"),
            ("1.0-alpha", "1.0-rc1"),
            ("1.0-rc1", "1.0-SNAPSHOT"),
            ("1.0-SNAPSHOT", "1.0-final"),
            ("1.0-RELEASE", "1.0-sp1"),
            ("1.9", "1.10"),
            ("2.17.0", "2.17.1"),
            ("6.1.14", "6.2.0"),
            ("3.3.0-M1", "3.3.0"),
        ] {
            assert_eq!(compare(a, b), Ordering::Less, "{a} < {b}");
            assert_eq!(compare(b, a), Ordering::Greater, "{b} > {a}");
        }
        assert_eq!(compare("1.a.1", "1a1"), Ordering::Equal);
    }

    #[test]
    fn dynamic_versions_pick_the_newest_admitted() {
        let available: Vec<String> = ["1.0", "1.2", "1.10", "2.0", "2.1-SNAPSHOT"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        assert_eq!(select("1.+", &available).map(String::as_str), Some("1.10"));
        assert_eq!(
            select("latest.release", &available).map(String::as_str),
            Some("2.0")
        );
        assert_eq!(
            select("+", &available).map(String::as_str),
            Some("2.1-SNAPSHOT")
        );
        assert_eq!(
            select("[1.0,2.0)", &available).map(String::as_str),
            Some("1.10")
        );
        assert_eq!(
            select("]1.0,2.0]", &available).map(String::as_str),
            Some("2.0")
        );
        assert!(is_dynamic("1.+") && is_dynamic("[1,2)") && !is_dynamic("1.0"));
    }
}
