//! Maven: the order of Maven's `ComparableVersion` (org.apache.maven.artifact.versioning), as
//! described in the POM reference ("Version Order Specification") and implemented since Maven
//! 3.9 (MNG-5568, MNG-6572, MNG-6964, MNG-7644, MNG-7714).
//!
//! A version is split into items at `.`, `-` and transitions between digits and letters;
//! `-` (and a letter after digits) opens a sub-list. Numbers compare by value; qualifiers in
//! the order alpha < beta < milestone < rc = cr < snapshot < "" = ga = final = release < sp,
//! then unknown qualifiers lexically; `a1`, `b1`, `m1` are alpha-1, beta-1, milestone-1.
//! Trailing "null" items (0, empty, release qualifiers) do not count.
//!
//! Test vectors: `ComparableVersionTest.java` of apache/maven (compat/maven-artifact, commit
//! a8a99e08).

use super::cmp_digits;
use std::cmp::Ordering;

/// A parsed Maven version: a list of items.
#[derive(Debug, Clone)]
pub struct Version {
    items: Vec<Item>,
}

#[derive(Debug, Clone)]
enum Item {
    /// A number, as its digits without leading zeros ("0" for zero).
    Number(String),
    /// A qualifier (lower case, aliases resolved).
    Text(String),
    /// A qualifier immediately followed by a number (`rc1`, `alpha-1`).
    Combination(String, Box<Item>),
    /// A sub-list, opened by `-` or by a letter after digits.
    List(Vec<Item>),
}

/// Qualifiers in order; "" is a release.
const QUALIFIERS: [&str; 7] = ["alpha", "beta", "milestone", "rc", "snapshot", "", "sp"];
const RELEASE_QUALIFIERS: [&str; 3] = ["ga", "final", "release"];
/// The rank of "" in [`QUALIFIERS`].
const RELEASE_RANK: usize = 5;

fn qualifier_rank(q: &str) -> (usize, &str) {
    if RELEASE_QUALIFIERS.contains(&q) {
        return (RELEASE_RANK, "");
    }
    match QUALIFIERS.iter().position(|k| *k == q) {
        Some(i) => (i, ""),
        None => (QUALIFIERS.len(), q),
    }
}

fn cmp_qualifiers(a: &str, b: &str) -> Ordering {
    qualifier_rank(a).cmp(&qualifier_rank(b))
}

fn text_item(value: &str, followed_by_digit: bool) -> String {
    let value = if followed_by_digit && value.len() == 1 {
        match value {
            "a" => "alpha",
            "b" => "beta",
            "m" => "milestone",
            other => other,
        }
    } else {
        value
    };
    if value == "cr" {
        "rc".to_string()
    } else {
        value.to_string()
    }
}

fn number_item(digits: &str) -> Item {
    let trimmed = digits.trim_start_matches('0');
    Item::Number(if trimmed.is_empty() {
        "0".to_string()
    } else {
        trimmed.to_string()
    })
}

fn parse_item(combination: bool, digit: bool, buf: &str) -> Item {
    if combination {
        let value: String = buf.chars().filter(|c| *c != '-').collect();
        let index = value
            .char_indices()
            .find(|(_, c)| c.is_ascii_digit())
            .map(|(i, _)| i)
            .unwrap_or(0);
        Item::Combination(
            text_item(&value[..index], true),
            Box::new(number_item(&value[index..])),
        )
    } else if digit {
        number_item(buf)
    } else {
        Item::Text(text_item(buf, false))
    }
}

impl Item {
    fn is_null(&self) -> bool {
        match self {
            Item::Number(n) => n == "0",
            Item::Text(t) => t.is_empty(),
            Item::Combination(..) => false,
            Item::List(l) => l.is_empty(),
        }
    }

    /// Compared with a missing item (the other version is shorter).
    fn cmp_missing(&self) -> Ordering {
        match self {
            Item::Number(n) => {
                if n == "0" {
                    Ordering::Equal
                } else {
                    Ordering::Greater
                }
            }
            Item::Text(t) => cmp_qualifiers(t, ""),
            Item::Combination(t, _) => cmp_qualifiers(t, ""),
            Item::List(l) => l
                .iter()
                .map(Item::cmp_missing)
                .find(|o| o.is_ne())
                .unwrap_or(Ordering::Equal),
        }
    }

    fn cmp_item(&self, other: &Item) -> Ordering {
        use Item::*;
        use Ordering::*;
        match (self, other) {
            (Number(a), Number(b)) => cmp_digits(a, b),
            (Number(_), _) => Greater,
            (Text(_), Number(_)) => Less,
            (Text(a), Text(b)) => cmp_qualifiers(a, b),
            (Text(a), Combination(b, _)) => match cmp_qualifiers(a, b) {
                Equal => Less,
                o => o,
            },
            (Text(_), List(_)) => Less,
            (Combination(..), Number(_)) => Less,
            (Combination(a, _), Text(b)) => match cmp_qualifiers(a, b) {
                Equal => Greater,
                o => o,
            },
            (Combination(..), List(_)) => Less,
            (Combination(a, x), Combination(b, y)) => {
                cmp_qualifiers(a, b).then_with(|| x.cmp_item(y))
            }
            (List(_), Number(_)) => Less,
            (List(_), Text(_)) => Greater,
            (List(_), Combination(..)) => Greater,
            (List(a), List(b)) => cmp_lists(a, b),
        }
    }
}

fn cmp_lists(a: &[Item], b: &[Item]) -> Ordering {
    for i in 0..a.len().max(b.len()) {
        let result = match (a.get(i), b.get(i)) {
            (Some(l), Some(r)) => l.cmp_item(r),
            (Some(l), None) => l.cmp_missing(),
            (None, Some(r)) => r.cmp_missing().reverse(),
            (None, None) => Ordering::Equal,
        };
        if result.is_ne() {
            return result;
        }
    }
    Ordering::Equal
}

/// Removes null items: trailing ones, and those before a qualifier (or before a sub-list that
/// starts with one).
fn normalize(list: &mut Vec<Item>) {
    let mut i = list.len();
    while i > 0 {
        i -= 1;
        if !list[i].is_null() {
            continue;
        }
        let remove = match list.get(i + 1) {
            None => true,
            Some(Item::Text(_)) => true,
            Some(Item::List(next)) => {
                matches!(next.first(), Some(Item::Combination(..) | Item::Text(_)))
            }
            Some(_) => false,
        };
        if remove {
            list.remove(i);
        }
    }
}

/// Builds the nested lists: each new list is the last item of the one before it, so the
/// levels are a chain, folded from the deepest when parsing ends.
struct Levels(Vec<Vec<Item>>);

impl Levels {
    fn current(&mut self) -> &mut Vec<Item> {
        // There is always at least the top level.
        let last = self.0.len() - 1;
        &mut self.0[last]
    }

    fn open(&mut self) {
        self.0.push(Vec::new());
    }

    fn finish(mut self) -> Vec<Item> {
        let mut child: Option<Vec<Item>> = None;
        while let Some(mut level) = self.0.pop() {
            if let Some(c) = child.take() {
                level.push(Item::List(c));
            }
            normalize(&mut level);
            child = Some(level);
        }
        child.unwrap_or_default()
    }
}

impl Version {
    /// Reads a version; every string is a Maven version.
    pub fn parse(text: &str) -> Version {
        let version = text.trim().to_lowercase();
        let chars: Vec<(usize, char)> = version.char_indices().collect();
        let mut levels = Levels(vec![Vec::new()]);
        let mut digit = false;
        let mut combination = false;
        let mut start = 0usize;
        for (k, &(i, c)) in chars.iter().enumerate() {
            let next = chars.get(k + 1).map(|(_, c)| *c);
            if c == '.' {
                if i == start {
                    levels.current().push(Item::Number("0".to_string()));
                } else {
                    let item = parse_item(combination, digit, &version[start..i]);
                    levels.current().push(item);
                }
                combination = false;
                start = i + 1;
            } else if c == '-' {
                if i == start {
                    levels.current().push(Item::Number("0".to_string()));
                } else {
                    // X-1 is read as X1.
                    if !digit && next.is_some_and(|n| n.is_ascii_digit()) {
                        combination = true;
                        continue;
                    }
                    let item = parse_item(combination, digit, &version[start..i]);
                    levels.current().push(item);
                }
                start = i + 1;
                if !levels.current().is_empty() {
                    levels.open();
                }
                combination = false;
            } else if c.is_ascii_digit() {
                if !digit && i > start {
                    // X1
                    combination = true;
                    if !levels.current().is_empty() {
                        levels.open();
                    }
                }
                digit = true;
            } else {
                if digit && i > start {
                    let item = parse_item(combination, true, &version[start..i]);
                    levels.current().push(item);
                    start = i;
                    levels.open();
                    combination = false;
                }
                digit = false;
            }
        }
        if version.len() > start {
            // 1.0.0.X1 < 1.0.0-X2: `.X` is read as `-X` for a qualifier X.
            if !digit && !levels.current().is_empty() {
                levels.open();
            }
            let item = parse_item(combination, digit, &version[start..]);
            levels.current().push(item);
        }
        Version {
            items: levels.finish(),
        }
    }
}

impl Ord for Version {
    fn cmp(&self, other: &Self) -> Ordering {
        cmp_lists(&self.items, &other.items)
    }
}

super::ordered_by_cmp!(Version);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::advisory::version::assert_ascending;

    fn v(text: &str) -> Version {
        Version::parse(text)
    }

    fn ascending(list: &[&str]) {
        let parsed: Vec<(&str, Version)> = list.iter().map(|t| (*t, v(t))).collect();
        assert_ascending(&parsed);
    }

    fn less(a: &str, b: &str) {
        assert_eq!(v(a).cmp(&v(b)), Ordering::Less, "expected {a} < {b}");
        assert_eq!(v(b).cmp(&v(a)), Ordering::Greater, "expected {b} > {a}");
    }

    fn equal(a: &str, b: &str) {
        assert_eq!(v(a).cmp(&v(b)), Ordering::Equal, "expected {a} == {b}");
        assert_eq!(v(b).cmp(&v(a)), Ordering::Equal, "expected {b} == {a}");
    }

    #[test]
    fn versions_qualifier() {
        ascending(&[
            "1-alpha2snapshot",
            "1-alpha2",
            "1-alpha-123",
            "1-beta-2",
            "1-beta123",
            "1-m2",
            "1-m11",
            "1-rc",
            "1-cr2",
            "1-rc123",
            "1-SNAPSHOT",
            "1",
            "1-sp",
            "1-sp2",
            "1-sp123",
            "1-abc",
            "1-def",
            "1-pom-1",
            "1-1-snapshot",
            "1-1",
            "1-2",
            "1-123",
        ]);
    }

    #[test]
    fn versions_number() {
        ascending(&[
            "2.0", "2.0.a", "2-1", "2.0.2", "2.0.123", "2.1.0", "2.1-a", "2.1b", "2.1-c", "2.1-1",
            "2.1.0.1", "2.2", "2.123", "11.a2", "11.a11", "11.b2", "11.b11", "11.m2", "11.m11",
            "11", "11.a", "11b", "11c", "11m",
        ]);
    }

    #[test]
    fn versions_equal() {
        for (a, b) in [
            ("1", "1"),
            ("1", "1.0"),
            ("1", "1.0.0"),
            ("1.0", "1.0.0"),
            ("1", "1-0"),
            ("1", "1.0-0"),
            ("1.0", "1.0-0"),
            ("1a", "1-a"),
            ("1a", "1.0-a"),
            ("1a", "1.0.0-a"),
            ("1.0a", "1-a"),
            ("1.0.0a", "1-a"),
            ("1x", "1-x"),
            ("1x", "1.0-x"),
            ("1x", "1.0.0-x"),
            ("1.0x", "1-x"),
            ("1.0.0x", "1-x"),
            ("1cr", "1rc"),
            ("1a1", "1-alpha-1"),
            ("1b2", "1-beta-2"),
            ("1m3", "1-milestone-3"),
            ("1X", "1x"),
            ("1A", "1a"),
            ("1B", "1b"),
            ("1M", "1m"),
            ("1Cr", "1Rc"),
            ("1cR", "1rC"),
            ("1m3", "1Milestone3"),
            ("1m3", "1MileStone3"),
            ("1m3", "1MILESTONE3"),
            // testVersionsHaveSameOrderButAreNotEqual
            ("1ga", "1"),
            ("1release", "1"),
            ("1final", "1"),
            ("1Ga", "1"),
            ("1GA", "1"),
            ("1RELEASE", "1"),
            ("1RELeaSE", "1"),
            ("1Final", "1"),
            ("1FinaL", "1"),
            ("1FINAL", "1"),
            // testLocaleIndependent
            (
                "1-abcdefghijklmnopqrstuvwxyz",
                "1-ABCDEFGHIJKLMNOPQRSTUVWXYZ",
            ),
        ] {
            equal(a, b);
        }
    }

    #[test]
    fn version_comparing() {
        for (a, b) in [
            ("1", "2"),
            ("1.5", "2"),
            ("1", "2.5"),
            ("1.0", "1.1"),
            ("1.1", "1.2"),
            ("1.0.0", "1.1"),
            ("1.0.1", "1.1"),
            ("1.1", "1.2.0"),
            ("1.0-alpha-1", "1.0"),
            ("1.0-alpha-1", "1.0-alpha-2"),
            ("1.0-alpha-1", "1.0-beta-1"),
            ("1.0-beta-1", "1.0-SNAPSHOT"),
            ("1.0-SNAPSHOT", "1.0"),
            ("1.0-alpha-1-SNAPSHOT", "1.0-alpha-1"),
            ("1.0", "1.0-1"),
            ("1.0-1", "1.0-2"),
            ("1.0.0", "1.0-1"),
            ("2.0-1", "2.0.1"),
            ("2.0.1-klm", "2.0.1-lmn"),
            ("2.0.1", "2.0.1-xyz"),
            ("2.0.1", "2.0.1-123"),
            ("2.0.1-xyz", "2.0.1-123"),
            // testLeadingZeroes
            ("0.7", "2"),
            ("0.2", "1.0.7"),
            // testCompareDigitToLetter, testLexicographicOrder
            ("J", "7"),
            ("c", "7"),
            ("aardvark", "zebra"),
            ("zebra", "ζέβρα"),
        ] {
            less(a, b);
        }
    }

    #[test]
    fn mng_5568_6572_6964_7644_7714() {
        less("6.1.0rc3", "6.1.0");
        less("6.1.0rc3", "6.1H.5-beta");
        less("6.1.0", "6.1H.5-beta");
        let big = [
            "20190126.230843",
            "1234567890.12345",
            "123456789012345.1H.5-beta",
            "12345678901234567890.1H.5-beta",
        ];
        ascending(&big);
        for zeros in 0..19 {
            equal(&format!("{}1", "0".repeat(zeros)), "1");
            equal(&"0".repeat(zeros + 1), "0");
        }
        less("1-0.alpha", "1");
        less("1-0.beta", "1");
        less("1-0.alpha", "1-0.beta");
        for x in [
            "abc",
            "alpha",
            "a",
            "beta",
            "b",
            "def",
            "milestone",
            "m",
            "RC",
        ] {
            less(&format!("1.0.0.{x}1"), &format!("1.0.0-{x}2"));
            equal(&format!("2-{x}"), &format!("2.0.{x}"));
            equal(&format!("2-{x}"), &format!("2.0.0.{x}"));
            equal(&format!("2.0.{x}"), &format!("2.0.0.{x}"));
        }
        less("1.0.final-redhat", "1.0-sp1-redhat");
        less("1.0.final-redhat", "1.0-sp-1-redhat");
        less("1.0.final-redhat", "1.0-sp.1-redhat");
    }

    #[test]
    fn common_release_spellings() {
        equal("2.0.0.Final", "2.0.0");
        equal("5.3.20.RELEASE", "5.3.20");
        less("2.12.7", "2.12.7.1");
        less("31.1-android", "31.1-jre");
        less("2.17.0", "2.17.1");
        less("1.0.0-RC1", "1.0.0");
    }
}
