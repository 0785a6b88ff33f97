//! Go: module versions as `golang.org/x/mod/semver` reads them: `vMAJOR[.MINOR[.PATCH]]`, a
//! pre-release and build metadata only on full versions, no leading zeros, `+incompatible`
//! and other build metadata ignored in comparisons. Pseudo-versions
//! (`v0.0.0-20191109021931-daa7c04131f5`, `v1.2.4-0.20060102150405-hash`) are pre-releases and
//! sort by their timestamp between the release they follow and the next one. OSV's Go records
//! write versions without the `v`; both spellings are read.
//!
//! Test vectors: `semver/semver_test.go` (`tests`, `TestCompare`, the golden order of
//! `TestSort`) and `module/pseudo_test.go` of golang.org/x/mod v0.29.0.

use super::cmp_digits;
use super::npm::{Identifier, cmp_pre};
use std::cmp::Ordering;

/// A parsed Go module version.
#[derive(Debug, Clone)]
pub struct Version {
    major: String,
    minor: String,
    patch: String,
    pre: Vec<Identifier>,
}

fn number(text: &str) -> Result<String, String> {
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!("`{text}` is not a number"));
    }
    if text.len() > 1 && text.starts_with('0') {
        return Err(format!("`{text}` has a leading zero"));
    }
    Ok(text.to_string())
}

fn identifiers(text: &str, numeric_leading_zero: bool) -> Result<Vec<Identifier>, String> {
    text.split('.')
        .map(|id| {
            if id.is_empty() || !id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') {
                return Err(format!("`{id}` is not an identifier"));
            }
            if id.bytes().all(|b| b.is_ascii_digit()) {
                if !numeric_leading_zero && id.len() > 1 && id.starts_with('0') {
                    return Err(format!("`{id}` has a leading zero"));
                }
                Ok(Identifier::Numeric(id.to_string()))
            } else {
                Ok(Identifier::Text(id.to_string()))
            }
        })
        .collect()
}

impl Version {
    pub fn parse(text: &str) -> Result<Version, String> {
        let text = text.trim();
        let body = text.strip_prefix('v').unwrap_or(text);
        let (body, build) = match body.split_once('+') {
            Some((b, m)) => (b, Some(m)),
            None => (body, None),
        };
        let (core, pre) = match body.split_once('-') {
            Some((c, p)) => (c, Some(p)),
            None => (body, None),
        };
        let parts: Vec<&str> = core.split('.').collect();
        if parts.len() > 3 {
            return Err("it has more than three numbers".to_string());
        }
        if parts.len() < 3 && (pre.is_some() || build.is_some()) {
            return Err("a pre-release or build metadata needs MAJOR.MINOR.PATCH".to_string());
        }
        let major = number(parts[0])?;
        let minor = parts.get(1).map(|p| number(p)).transpose()?;
        let patch = parts.get(2).map(|p| number(p)).transpose()?;
        let pre = match pre {
            Some(p) => identifiers(p, false)?,
            None => Vec::new(),
        };
        if let Some(b) = build {
            identifiers(b, true)?;
        }
        Ok(Version {
            major,
            minor: minor.unwrap_or_else(|| "0".to_string()),
            patch: patch.unwrap_or_else(|| "0".to_string()),
            pre,
        })
    }
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

    /// x/mod semver_test.go `tests`: input and canonical form ("" for invalid), in order.
    const TESTS: &[(&str, &str)] = &[
        ("bad", ""),
        ("v1-alpha.beta.gamma", ""),
        ("v1-pre", ""),
        ("v1+meta", ""),
        ("v1-pre+meta", ""),
        ("v1.2-pre", ""),
        ("v1.2+meta", ""),
        ("v1.2-pre+meta", ""),
        ("v1.0.0-alpha", "v1.0.0-alpha"),
        ("v1.0.0-alpha.1", "v1.0.0-alpha.1"),
        ("v1.0.0-alpha.beta", "v1.0.0-alpha.beta"),
        ("v1.0.0-beta", "v1.0.0-beta"),
        ("v1.0.0-beta.2", "v1.0.0-beta.2"),
        ("v1.0.0-beta.11", "v1.0.0-beta.11"),
        ("v1.0.0-rc.1", "v1.0.0-rc.1"),
        ("v1", "v1.0.0"),
        ("v1.0", "v1.0.0"),
        ("v1.0.0", "v1.0.0"),
        ("v1.2", "v1.2.0"),
        ("v1.2.0", "v1.2.0"),
        ("v1.2.3-456", "v1.2.3-456"),
        ("v1.2.3-456.789", "v1.2.3-456.789"),
        ("v1.2.3-456-789", "v1.2.3-456-789"),
        ("v1.2.3-456a", "v1.2.3-456a"),
        ("v1.2.3-pre", "v1.2.3-pre"),
        ("v1.2.3-pre+meta", "v1.2.3-pre"),
        ("v1.2.3-pre.1", "v1.2.3-pre.1"),
        ("v1.2.3-zzz", "v1.2.3-zzz"),
        ("v1.2.3", "v1.2.3"),
        ("v1.2.3+meta", "v1.2.3"),
        ("v1.2.3+meta-pre", "v1.2.3"),
        ("v1.2.3+meta-pre.sha.256a", "v1.2.3"),
    ];

    /// `semver.Compare`: invalid versions are equal to each other and less than valid ones.
    fn compare(a: &str, b: &str) -> Ordering {
        match (Version::parse(a), Version::parse(b)) {
            (Ok(a), Ok(b)) => a.cmp(&b),
            (Err(_), Err(_)) => Ordering::Equal,
            (Err(_), Ok(_)) => Ordering::Less,
            (Ok(_), Err(_)) => Ordering::Greater,
        }
    }

    #[test]
    fn x_mod_is_valid_and_compare() {
        for (input, canonical) in TESTS {
            assert_eq!(
                Version::parse(input).is_ok(),
                !canonical.is_empty(),
                "{input}"
            );
        }
        for (i, (a, ca)) in TESTS.iter().enumerate() {
            for (j, (b, cb)) in TESTS.iter().enumerate() {
                let want = if ca == cb { Ordering::Equal } else { i.cmp(&j) };
                assert_eq!(compare(a, b), want, "Compare({a}, {b})");
            }
        }
    }

    #[test]
    fn pseudo_versions_sort_between_their_base_and_the_next_release() {
        // module/pseudo_test.go: the pseudo-version made from `older` at 2006-01-02 15:04:05.
        for (older, pseudo, next) in [
            ("v0.0.0", "v0.0.1-0.20060102150405-hash", "v0.0.1"),
            ("v1.2.3", "v1.2.4-0.20060102150405-hash", "v1.2.4"),
            ("v1.2.3-pre", "v1.2.3-pre.0.20060102150405-hash", "v1.2.3"),
            ("v1.3.0-pre", "v1.3.0-pre.0.20060102150405-hash", "v1.3.0"),
            (
                "v1.0.0+metadata",
                "v1.0.1-0.20060102150405-hash+metadata",
                "v1.0.1",
            ),
            (
                "v2.0.0+incompatible",
                "v2.0.1-0.20060102150405-hash+incompatible",
                "v2.0.1+incompatible",
            ),
        ] {
            assert_eq!(compare(older, pseudo), Ordering::Less, "{older} < {pseudo}");
            assert_eq!(compare(pseudo, next), Ordering::Less, "{pseudo} < {next}");
        }
        // A pseudo-version without a base sorts before every release of its major version,
        // and pseudo-versions sort by time.
        assert_eq!(
            compare(
                "v0.0.0-20060102150405-hash",
                "v0.0.0-20191109021931-daa7c04131f5"
            ),
            Ordering::Less
        );
        assert_eq!(
            compare("v1.0.0-20060102150405-hash", "v1.0.0"),
            Ordering::Less
        );
        // OSV writes Go versions without the `v`.
        assert_eq!(
            compare(
                "0.0.0-20191109021931-daa7c04131f5",
                "v0.0.0-20191109021931-daa7c04131f5"
            ),
            Ordering::Equal
        );
        assert_eq!(
            compare("1.2.100000000000000000", "v1.2.99999999999999999"),
            Ordering::Greater
        );
    }
}
