//! npm: SemVer 2.0 as node-semver reads it in loose mode (leading `v`, `=` and spaces; leading
//! zeros; a pre-release without its `-`), ordered by SemVer precedence: a pre-release sorts
//! before its release, numeric identifiers numerically and before alphanumeric ones, strings
//! by character code, build metadata ignored. This is also fundament's reading of OSV's
//! `SEMVER` range type for ecosystems without a SemVer dialect of their own.
//!
//! Test vectors: `test/fixtures/comparisons.js` (commit fe924069) and `equality.js` (commit
//! d719b9c1) of npm/node-semver.

use super::cmp_digits;
use std::cmp::Ordering;

/// A pre-release identifier.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Identifier {
    Numeric(String),
    Text(String),
}

/// A parsed SemVer version.
#[derive(Debug, Clone)]
pub struct Version {
    major: String,
    minor: String,
    patch: String,
    pre: Vec<Identifier>,
}

fn is_identifier(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
}

fn number(text: &str) -> Option<String> {
    (!text.is_empty() && text.bytes().all(|b| b.is_ascii_digit())).then(|| {
        let t = text.trim_start_matches('0');
        if t.is_empty() { "0" } else { t }.to_string()
    })
}

impl Version {
    pub fn parse(text: &str) -> Result<Version, String> {
        let rest = text.trim().trim_start_matches(['v', 'V', '=', ' ', '\t']);
        let (rest, build) = match rest.split_once('+') {
            Some((r, b)) => (r, Some(b)),
            None => (rest, None),
        };
        if let Some(build) = build
            && !build.split('.').all(is_identifier)
        {
            return Err("the build metadata is not dot-separated identifiers".to_string());
        }
        // MAJOR.MINOR.PATCH, then the pre-release (with or without its `-`).
        let mut parts = rest.splitn(3, '.');
        let (Some(major), Some(minor), Some(tail)) = (parts.next(), parts.next(), parts.next())
        else {
            return Err("it is not MAJOR.MINOR.PATCH".to_string());
        };
        let digits = tail.bytes().take_while(u8::is_ascii_digit).count();
        let (patch, pre) = tail.split_at(digits);
        let pre = pre.strip_prefix('-').unwrap_or(pre);
        let (Some(major), Some(minor), Some(patch)) = (number(major), number(minor), number(patch))
        else {
            return Err("MAJOR, MINOR and PATCH must be numbers".to_string());
        };
        let pre = if pre.is_empty() {
            Vec::new()
        } else {
            pre.split('.')
                .map(|id| {
                    if !is_identifier(id) {
                        Err(format!("`{id}` is not a pre-release identifier"))
                    } else if let Some(n) = number(id) {
                        Ok(Identifier::Numeric(n))
                    } else {
                        Ok(Identifier::Text(id.to_string()))
                    }
                })
                .collect::<Result<_, _>>()?
        };
        Ok(Version {
            major,
            minor,
            patch,
            pre,
        })
    }
}

fn cmp_identifier(a: &Identifier, b: &Identifier) -> Ordering {
    match (a, b) {
        (Identifier::Numeric(a), Identifier::Numeric(b)) => cmp_digits(a, b),
        (Identifier::Numeric(_), Identifier::Text(_)) => Ordering::Less,
        (Identifier::Text(_), Identifier::Numeric(_)) => Ordering::Greater,
        (Identifier::Text(a), Identifier::Text(b)) => a.cmp(b),
    }
}

/// SemVer 2.0 pre-release precedence (shared with the Go order): no pre-release sorts after
/// any pre-release; identifiers compare in turn; a longer list wins a tie.
pub(crate) fn cmp_pre(a: &[Identifier], b: &[Identifier]) -> Ordering {
    match (a.is_empty(), b.is_empty()) {
        (true, true) => return Ordering::Equal,
        (true, false) => return Ordering::Greater,
        (false, true) => return Ordering::Less,
        _ => {}
    }
    for (x, y) in a.iter().zip(b) {
        let o = cmp_identifier(x, y);
        if o.is_ne() {
            return o;
        }
    }
    a.len().cmp(&b.len())
}

impl Ord for Version {
    fn cmp(&self, other: &Self) -> Ordering {
        cmp_digits(&self.major, &other.major)
            .then_with(|| cmp_digits(&self.minor, &other.minor))
            .then_with(|| cmp_digits(&self.patch, &other.patch))
            .then_with(|| cmp_pre(&self.pre, &other.pre))
    }
}

super::ordered_by_cmp!(Version);

#[cfg(test)]
mod tests {
    use super::*;

    fn v(text: &str) -> Version {
        Version::parse(text).unwrap_or_else(|e| panic!("{text}: {e}"))
    }

    #[test]
    fn node_semver_comparisons() {
        // [greater, smaller]
        for (a, b) in [
            ("0.0.0", "0.0.0-foo"),
            ("0.0.1", "0.0.0"),
            ("1.0.0", "0.9.9"),
            ("0.10.0", "0.9.0"),
            ("0.99.0", "0.10.0"),
            ("2.0.0", "1.2.3"),
            ("v0.0.0", "0.0.0-foo"),
            ("v0.0.1", "0.0.0"),
            ("v1.0.0", "0.9.9"),
            ("v0.10.0", "0.9.0"),
            ("v0.99.0", "0.10.0"),
            ("v2.0.0", "1.2.3"),
            ("0.0.0", "v0.0.0-foo"),
            ("0.0.1", "v0.0.0"),
            ("1.0.0", "v0.9.9"),
            ("0.10.0", "v0.9.0"),
            ("0.99.0", "v0.10.0"),
            ("2.0.0", "v1.2.3"),
            ("1.2.3", "1.2.3-asdf"),
            ("1.2.3", "1.2.3-4"),
            ("1.2.3", "1.2.3-4-foo"),
            ("1.2.3-5-foo", "1.2.3-5"),
            ("1.2.3-5", "1.2.3-4"),
            ("1.2.3-5-foo", "1.2.3-5-Foo"),
            ("3.0.0", "2.7.2+asdf"),
            ("1.2.3-a.10", "1.2.3-a.5"),
            ("1.2.3-a.b", "1.2.3-a.5"),
            ("1.2.3-a.b", "1.2.3-a"),
            ("1.2.3-a.b.c.10.d.5", "1.2.3-a.b.c.5.d.100"),
            ("1.2.3-r2", "1.2.3-r100"),
            ("1.2.3-r100", "1.2.3-R2"),
        ] {
            assert_eq!(v(a).cmp(&v(b)), Ordering::Greater, "{a} > {b}");
            assert_eq!(v(b).cmp(&v(a)), Ordering::Less, "{b} < {a}");
        }
    }

    #[test]
    fn node_semver_equality() {
        for (a, b) in [
            ("1.2.3", "v1.2.3"),
            ("1.2.3", "=1.2.3"),
            ("1.2.3", "v 1.2.3"),
            ("1.2.3", "= 1.2.3"),
            ("1.2.3", " v1.2.3"),
            ("1.2.3", " =1.2.3"),
            ("1.2.3", " v 1.2.3"),
            ("1.2.3", " = 1.2.3"),
            ("1.2.3-0", "v1.2.3-0"),
            ("1.2.3-0", " = 1.2.3-0"),
            ("1.2.3-1", " v 1.2.3-1"),
            ("1.2.3-beta", "=1.2.3-beta"),
            ("1.2.3-beta", " = 1.2.3-beta"),
            ("1.2.3-beta+build", " = 1.2.3-beta+otherbuild"),
            ("1.2.3+build", " = 1.2.3+otherbuild"),
            ("1.2.3-beta+build", "1.2.3-beta+otherbuild"),
            ("1.2.3+build", "1.2.3+otherbuild"),
            ("  v1.2.3+build", "1.2.3+otherbuild"),
        ] {
            assert_eq!(v(a), v(b), "{a} == {b}");
        }
    }

    #[test]
    fn semver_spec_precedence_and_invalid_versions() {
        // SemVer 2.0.0, §11.
        let order = [
            "1.0.0-alpha",
            "1.0.0-alpha.1",
            "1.0.0-alpha.beta",
            "1.0.0-beta",
            "1.0.0-beta.2",
            "1.0.0-beta.11",
            "1.0.0-rc.1",
            "1.0.0",
            "2.0.0",
            "2.1.0",
            "2.1.1",
        ];
        let parsed: Vec<(&str, Version)> = order.iter().map(|t| (*t, v(t))).collect();
        crate::advisory::version::assert_ascending(&parsed);
        for bad in ["1.2", "x.y.z", "1.2.3-a..b", "1.2.3+", ""] {
            assert!(Version::parse(bad).is_err(), "{bad}");
        }
        // Loose: a pre-release without its hyphen.
        assert_eq!(v("1.2.3beta"), v("1.2.3-beta"));
    }
}
