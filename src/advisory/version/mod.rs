//! Each ecosystem's own version order, for OSV `ECOSYSTEM` and `SEMVER` ranges.
//!
//! One module per ordering, each tested with vectors from the ecosystem's own test suite or
//! specification (the module's documentation names the source):
//!
//! | ecosystem | order | module |
//! |---|---|---|
//! | PyPI | PEP 440 | [`pep440`] (the `pep440_rs` crate) |
//! | Maven | Maven's `ComparableVersion` | [`maven`] |
//! | npm | node-semver (SemVer 2.0 precedence, loose parsing) | [`npm`] |
//! | Go | Go module versions (`golang.org/x/mod/semver`), pseudo-versions included | [`go`] |
//! | Packagist | Composer: PHP's `version_compare` | [`composer`] |
//! | Rust crates | Cargo's semver | [`cargo`] |
//!
//! OSV's `SEMVER` range type is SemVer 2.0 whatever the ecosystem: Go and Cargo versions are
//! read with their own module (both are SemVer), every other ecosystem's `SEMVER` ranges with
//! [`npm`]'s reading of SemVer 2.0.

pub mod cargo;
pub mod composer;
pub mod go;
pub mod maven;
pub mod npm;
pub mod pep440;

use crate::model::Ecosystem;
use std::cmp::Ordering;

/// A version order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Scheme {
    Pep440,
    Maven,
    Npm,
    Go,
    Composer,
    Cargo,
}

impl Scheme {
    /// The order of an ecosystem's `ECOSYSTEM` ranges; `None` for ecosystems fundament knows
    /// no order for (packages known only from an SBOM).
    pub fn of_ecosystem(ecosystem: Ecosystem) -> Option<Scheme> {
        match ecosystem {
            Ecosystem::Pypi => Some(Scheme::Pep440),
            Ecosystem::Maven => Some(Scheme::Maven),
            Ecosystem::Npm => Some(Scheme::Npm),
            Ecosystem::Golang => Some(Scheme::Go),
            Ecosystem::Composer => Some(Scheme::Composer),
            Ecosystem::Cargo => Some(Scheme::Cargo),
            Ecosystem::Generic => None,
        }
    }

    /// The order of an ecosystem's `SEMVER` ranges.
    pub fn semver_of(ecosystem: Ecosystem) -> Scheme {
        match ecosystem {
            Ecosystem::Golang => Scheme::Go,
            Ecosystem::Cargo => Scheme::Cargo,
            _ => Scheme::Npm,
        }
    }

    /// The scheme's name, for messages ("a PEP 440 version").
    pub fn name(self) -> &'static str {
        match self {
            Scheme::Pep440 => "PEP 440",
            Scheme::Maven => "Maven",
            Scheme::Npm => "SemVer",
            Scheme::Go => "Go module",
            Scheme::Composer => "Composer",
            Scheme::Cargo => "Cargo semver",
        }
    }

    /// Reads `text` as a version of this scheme.
    pub fn parse(self, text: &str) -> Result<Version, String> {
        self.read(text)
            .map_err(|reason| format!("`{text}` is not a {} version: {reason}", self.name()))
    }

    /// Reads `text` as a version of this scheme; the error is the parser's reason alone.
    pub fn read(self, text: &str) -> Result<Version, String> {
        match self {
            Scheme::Pep440 => pep440::parse(text).map(Version::Pep440),
            Scheme::Maven => Ok(Version::Maven(maven::Version::parse(text))),
            Scheme::Npm => npm::Version::parse(text).map(Version::Npm),
            Scheme::Go => go::Version::parse(text).map(Version::Go),
            Scheme::Composer => composer::Version::parse(text).map(Version::Composer),
            Scheme::Cargo => cargo::parse(text).map(Version::Cargo),
        }
    }
}

/// A parsed version of some scheme. Versions of one scheme are totally ordered; versions of
/// different schemes are never compared by the matcher (they order by scheme, arbitrarily).
#[derive(Debug, Clone)]
pub enum Version {
    Pep440(pep440_rs::Version),
    Maven(maven::Version),
    Npm(npm::Version),
    Go(go::Version),
    Composer(composer::Version),
    Cargo(cargo::Version),
}

impl Version {
    fn rank(&self) -> u8 {
        match self {
            Version::Pep440(_) => 0,
            Version::Maven(_) => 1,
            Version::Npm(_) => 2,
            Version::Go(_) => 3,
            Version::Composer(_) => 4,
            Version::Cargo(_) => 5,
        }
    }
}

impl Ord for Version {
    fn cmp(&self, other: &Self) -> Ordering {
        match (self, other) {
            (Version::Pep440(a), Version::Pep440(b)) => a.cmp(b),
            (Version::Maven(a), Version::Maven(b)) => a.cmp(b),
            (Version::Npm(a), Version::Npm(b)) => a.cmp(b),
            (Version::Go(a), Version::Go(b)) => a.cmp(b),
            (Version::Composer(a), Version::Composer(b)) => a.cmp(b),
            (Version::Cargo(a), Version::Cargo(b)) => a.cmp(b),
            _ => self.rank().cmp(&other.rank()),
        }
    }
}

ordered_by_cmp!(Version);

/// `PartialOrd`, `PartialEq` and `Eq` of a type from its `Ord`: versions that compare equal are
/// equal (`1.0` and `1.0.0` in Maven), whatever their spelling.
macro_rules! ordered_by_cmp {
    ($t:ty) => {
        impl PartialOrd for $t {
            fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
                Some(self.cmp(other))
            }
        }

        impl PartialEq for $t {
            fn eq(&self, other: &Self) -> bool {
                self.cmp(other).is_eq()
            }
        }

        impl Eq for $t {}
    };
}
pub(crate) use ordered_by_cmp;

/// Compares two decimal digit strings by value, whatever their length (no overflow).
pub(crate) fn cmp_digits(a: &str, b: &str) -> Ordering {
    let a = a.trim_start_matches('0');
    let b = b.trim_start_matches('0');
    a.len().cmp(&b.len()).then_with(|| a.cmp(b))
}

/// Test helper: asserts that `versions` are in strictly ascending order, pairwise.
#[cfg(test)]
pub(crate) fn assert_ascending<T: Ord + std::fmt::Debug>(versions: &[(&str, T)]) {
    for (i, (a, va)) in versions.iter().enumerate() {
        for (b, vb) in &versions[i + 1..] {
            assert_eq!(va.cmp(vb), Ordering::Less, "expected {a} < {b}");
            assert_eq!(vb.cmp(va), Ordering::Greater, "expected {b} > {a}");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digit_strings_compare_by_value() {
        assert_eq!(cmp_digits("10", "9"), Ordering::Greater);
        assert_eq!(cmp_digits("007", "7"), Ordering::Equal);
        assert_eq!(
            cmp_digits("100000000000000000000", "99999999999999999999"),
            Ordering::Greater
        );
        assert_eq!(cmp_digits("0", ""), Ordering::Equal);
    }

    #[test]
    fn schemes_name_the_version_that_does_not_parse() {
        let err = Scheme::Pep440.parse("french toast").unwrap_err();
        assert!(
            err.contains("`french toast` is not a PEP 440 version"),
            "{err}"
        );
        assert!(Scheme::Cargo.parse("1.2").is_err());
        assert!(Scheme::Maven.parse("anything goes").is_ok());
    }
}
