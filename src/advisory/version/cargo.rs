//! Rust crates: Cargo's semver (the `semver` crate, strict SemVer 2.0), compared by SemVer
//! precedence: build metadata does not order versions (the crate's own `Ord` breaks ties on
//! it, which a vulnerability range must not).
//!
//! Test vectors: the precedence examples of the SemVer 2.0.0 specification (§11) and the
//! comparisons of the semver crate's `tests/test_version.rs` (dtolnay/semver 1.0).

use std::cmp::Ordering;

/// A crate version, ordered without its build metadata.
#[derive(Debug, Clone)]
pub struct Version(semver::Version);

pub fn parse(text: &str) -> Result<Version, String> {
    semver::Version::parse(text.trim())
        .map(Version)
        .map_err(|e| e.to_string())
}

impl Version {
    pub fn semver(&self) -> &semver::Version {
        &self.0
    }
}

impl Ord for Version {
    fn cmp(&self, other: &Self) -> Ordering {
        let (a, b) = (&self.0, &other.0);
        (a.major, a.minor, a.patch)
            .cmp(&(b.major, b.minor, b.patch))
            .then_with(|| match (a.pre.is_empty(), b.pre.is_empty()) {
                (true, true) => Ordering::Equal,
                (true, false) => Ordering::Greater,
                (false, true) => Ordering::Less,
                (false, false) => a.pre.cmp(&b.pre),
            })
    }
}

super::ordered_by_cmp!(Version);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn semver_specification_precedence() {
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
        let parsed: Vec<(&str, Version)> = order.iter().map(|t| (*t, parse(t).unwrap())).collect();
        crate::advisory::version::assert_ascending(&parsed);
    }

    #[test]
    fn semver_crate_comparisons_without_build_metadata() {
        // dtolnay/semver tests/test_version.rs test_lt / test_le, and SemVer §10: build
        // metadata does not take part in precedence.
        let lt = [
            ("0.0.0", "1.2.3-alpha2"),
            ("1.0.0", "1.2.3-alpha2"),
            ("1.2.0", "1.2.3-alpha2"),
            ("1.2.3-alpha1", "1.2.3"),
            ("1.2.3-alpha1", "1.2.3-alpha2"),
        ];
        for (a, b) in lt {
            assert_eq!(
                parse(a).unwrap().cmp(&parse(b).unwrap()),
                Ordering::Less,
                "{a} < {b}"
            );
        }
        assert_eq!(
            parse("1.2.3+build.1").unwrap(),
            parse("1.2.3+build.2").unwrap()
        );
        assert!(parse("1.2").is_err());
        assert!(parse("v1.2.3").is_err());
    }
}
