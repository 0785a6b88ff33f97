//! Packagist: the order Composer compares exact versions in, which is PHP's `version_compare`
//! on the version without its leading `v`: `-`, `_` and `+` become `.`, a `.` is put between
//! digits and letters, numbers compare by value, and the special forms order as
//! `dev` < `alpha` = `a` < `beta` = `b` < `RC` = `rc` < a number < `pl` = `p` (by prefix, so
//! `patch` counts as `p`); any other word sorts before `dev`. When one version runs out, a
//! further number makes the other greater, a further word compares with a release. Stability
//! words are compared in lower case, as Composer normalises them. Branch versions
//! (`dev-main`, `1.x-dev`) name no release and cannot be ordered.
//!
//! Test vectors: php-src `ext/standard/tests/versioning/version_compare.phpt` ("TESTING
//! COMPARE", commit 1f3d39ee) and composer/semver `tests/ComparatorTest.php` (`compareProvider`,
//! commit 43f80298).

use super::cmp_digits;
use std::cmp::Ordering;

/// A version, canonicalised as `version_compare` does.
#[derive(Debug, Clone)]
pub struct Version {
    parts: Vec<String>,
}

/// `version_compare`'s canonical form: the parts between dots.
fn canonical_parts(version: &str) -> Vec<String> {
    let mut out = String::with_capacity(version.len() * 2);
    let mut chars = version.chars();
    let Some(first) = chars.next() else {
        return Vec::new();
    };
    out.push(first);
    let digit = |c: char| c.is_ascii_digit();
    let not_digit = |c: char| !c.is_ascii_digit() && c != '.';
    let mut last = first;
    for c in chars {
        let push_dot = |out: &mut String| {
            if !out.ends_with('.') {
                out.push('.');
            }
        };
        if matches!(c, '-' | '_' | '+') {
            push_dot(&mut out);
        } else if (not_digit(last) && digit(c)) || (digit(last) && not_digit(c)) {
            push_dot(&mut out);
            out.push(c);
        } else if !c.is_ascii_alphanumeric() {
            push_dot(&mut out);
        } else {
            out.push(c);
        }
        last = c;
    }
    out.split('.')
        .filter(|p| !p.is_empty())
        .map(str::to_string)
        .collect()
}

const SPECIAL_FORMS: [(&str, i32); 10] = [
    ("dev", 0),
    ("alpha", 1),
    ("a", 1),
    ("beta", 2),
    ("b", 2),
    ("RC", 3),
    ("rc", 3),
    ("#", 4),
    ("pl", 5),
    ("p", 5),
];

fn special_form(part: &str) -> i32 {
    SPECIAL_FORMS
        .iter()
        .find(|(name, _)| part.starts_with(name))
        .map(|(_, order)| *order)
        .unwrap_or(-1)
}

/// What a number stands for when compared with a word.
const NUMBER: &str = "#";

fn starts_with_digit(part: &str) -> bool {
    part.bytes().next().is_some_and(|b| b.is_ascii_digit())
}

/// The leading digits of a part, as `strtol` reads them.
fn leading_number(part: &str) -> &str {
    let end = part.bytes().take_while(u8::is_ascii_digit).count();
    &part[..end]
}

fn compare_parts(a: &[String], b: &[String]) -> Ordering {
    for (p1, p2) in a.iter().zip(b) {
        let o = match (starts_with_digit(p1), starts_with_digit(p2)) {
            (true, true) => cmp_digits(leading_number(p1), leading_number(p2)),
            (false, false) => special_form(p1).cmp(&special_form(p2)),
            (true, false) => special_form(NUMBER).cmp(&special_form(p2)),
            (false, true) => special_form(p1).cmp(&special_form(NUMBER)),
        };
        if o.is_ne() {
            return o;
        }
    }
    let common = a.len().min(b.len());
    if a.len() > common {
        if starts_with_digit(&a[common]) {
            Ordering::Greater
        } else {
            compare_parts(&a[common..], &[NUMBER.to_string()])
        }
    } else if b.len() > common {
        if starts_with_digit(&b[common]) {
            Ordering::Less
        } else {
            compare_parts(&[NUMBER.to_string()], &b[common..])
        }
    } else {
        Ordering::Equal
    }
}

impl Version {
    pub fn parse(text: &str) -> Result<Version, String> {
        let trimmed = text.trim();
        let lower = trimmed.to_ascii_lowercase();
        if lower.is_empty() {
            return Err("it is empty".to_string());
        }
        if lower.starts_with("dev-") || lower.ends_with("-dev") && lower.contains(".x") {
            return Err("a branch names no release".to_string());
        }
        let body = lower.strip_prefix('v').unwrap_or(&lower);
        if !body.starts_with(|c: char| c.is_ascii_digit()) {
            return Err("it does not start with a number".to_string());
        }
        Ok(Version {
            parts: canonical_parts(body),
        })
    }
}

impl Ord for Version {
    fn cmp(&self, other: &Self) -> Ordering {
        compare_parts(&self.parts, &other.parts)
    }
}

super::ordered_by_cmp!(Version);

#[cfg(test)]
mod tests {
    use super::*;

    fn cmp(a: &str, b: &str) -> Ordering {
        Version::parse(a).unwrap().cmp(&Version::parse(b).unwrap())
    }

    #[test]
    fn php_version_compare() {
        assert_eq!(cmp("1", "2"), Ordering::Less);
        assert_eq!(cmp("10", "2"), Ordering::Greater);
        assert_eq!(cmp("1.0", "1.1"), Ordering::Less);
        assert_eq!(cmp("1.2", "1.0.1"), Ordering::Greater);
        assert_eq!(cmp("1.2(message)", "1.2(message)"), Ordering::Equal);
        // The special forms, each against each: "1.0$f1" vs "1.0$f2", in ascending order
        // (RC1 and rc1 are equal).
        let forms = ["-dev", "a1", "b1", "RC1", "rc1", "", "pl1"];
        let rank = [0, 1, 2, 3, 3, 4, 5];
        for (i, f1) in forms.iter().enumerate() {
            for (j, f2) in forms.iter().enumerate() {
                assert_eq!(
                    cmp(&format!("1.0{f1}"), &format!("1.0{f2}")),
                    rank[i].cmp(&rank[j]),
                    "1.0{f1} vs 1.0{f2}"
                );
            }
        }
    }

    #[test]
    fn composer_comparator() {
        assert_eq!(cmp("1.25.0", "1.24.0"), Ordering::Greater);
        assert_eq!(cmp("1.25.0", "1.25.0"), Ordering::Equal);
        assert_eq!(cmp("1.25.0", "1.26.0"), Ordering::Less);
        assert_eq!(cmp("1.25.0-beta2.1", "1.25.0-b.3"), Ordering::Less);
        assert_eq!(cmp("1.25.0-b2.1", "1.25.0beta.3"), Ordering::Less);
        assert_eq!(cmp("1.25.0-b-2.1", "1.25.0-rc"), Ordering::Less);
        assert_eq!(cmp("1.25.0-beta2.1", "1.25.0-b.2.1"), Ordering::Equal);
        assert_eq!(cmp("1.25.0beta2.1", "1.25.0-b2.1"), Ordering::Equal);
        assert_eq!(cmp("1.0.0", "1.2-dev"), Ordering::Less);
    }

    #[test]
    fn lockfile_spellings() {
        assert_eq!(cmp("v5.4.1", "5.4.1"), Ordering::Equal);
        assert_eq!(cmp("v2.0.0-RC1", "2.0.0-rc1"), Ordering::Equal);
        assert_eq!(cmp("2.0.0-RC1", "2.0.0"), Ordering::Less);
        assert_eq!(cmp("1.0.0-patch1", "1.0.0"), Ordering::Greater);
        // PHP: a missing part is less than a further number.
        assert_eq!(cmp("1.0", "1.0.0"), Ordering::Less);
        for branch in [
            "dev-main",
            "dev-master",
            "1.x-dev",
            "2.1.x-dev",
            "",
            "feature",
        ] {
            assert!(Version::parse(branch).is_err(), "{branch}");
        }
    }
}
