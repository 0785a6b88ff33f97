//! PyPI: PEP 440 versions, read and ordered by the `pep440_rs` crate (the reading uv uses).
//!
//! Test vectors: `VERSIONS` (the list "in the correct sorting order") and the normalisation
//! cases of `tests/test_version.py` in pypa/packaging (commit 0345ccd3), the reference
//! implementation pip uses.

/// Reads a PEP 440 version (a leading `v`, spaces and the spellings PEP 440 normalises are
/// accepted).
pub fn parse(text: &str) -> Result<pep440_rs::Version, String> {
    text.trim()
        .parse::<pep440_rs::Version>()
        .map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::advisory::version::assert_ascending;

    /// pypa/packaging tests/test_version.py `VERSIONS`, "in the correct sorting order".
    const PACKAGING_ORDER: &[&str] = &[
        "1.0.dev0",
        "1.0.dev456",
        "1.0.dev456+local",
        "1.0a0",
        "1.0a0.post0.dev0",
        "1.0a0.post0",
        "1.0a1.dev1",
        "1.0a1.dev1+local",
        "1.0a1",
        "1.0a1+local",
        "1.0b0",
        "1.0b1.dev456",
        "1.0b2",
        "1.0b2.post345.dev456",
        "1.0b2.post345",
        "1.0b2-346",
        "1.0rc0",
        "1.0rc1.dev1",
        "1.0c1",
        "1.0rc2",
        "1.0",
        "1.0.post0.dev0",
        "1.0.post0",
        "1.0.post456.dev34",
        "1.0.post456",
        "1.0.post456+local",
        "1.0.1.dev1",
        "1.0.1a1",
        "1.0.1",
        "1.0.1+local",
        "1.0.1.post1",
        "1.1.dev1",
        "1.2+a",
        "1.2+abc",
        "1.2+abcdef",
        "1.2+def",
        "1.2+0",
        "1.2+1",
        "1.2+1.abc",
        "1.2+1.1",
        "1.2+1.1.0",
        "1.2+2",
        "1.2+123",
        "1.2+123456",
        "1.2.r32+123456",
        "1.2.rev33+123456",
        "1!1.0.dev0",
        "1!1.0a1",
        "1!1.0b2-346",
        "1!1.0c1",
        "1!1.0",
        "1!1.0.post456+local",
        "1!1.2.rev33+123456",
    ];

    #[test]
    fn packaging_sort_order() {
        let parsed: Vec<(&str, pep440_rs::Version)> = PACKAGING_ORDER
            .iter()
            .map(|v| (*v, parse(v).unwrap()))
            .collect();
        assert_ascending(&parsed);
    }

    #[test]
    fn packaging_normalisations_are_equal() {
        // pypa/packaging test_normalized_versions: each spelling equals its normal form.
        for (spelling, normal) in [
            ("1.0dev", "1.0.dev0"),
            ("1.0-DEV1", "1.0.dev1"),
            ("1.0.alpha1", "1.0a1"),
            ("1.0-B", "1.0b0"),
            ("1.0c", "1.0rc0"),
            ("1.0.RC1", "1.0rc1"),
            ("1.0post1", "1.0.post1"),
            ("1.0-5", "1.0.post5"),
            ("1.0-rev5", "1.0.post5"),
            ("1.0+AbC", "1.0+abc"),
            ("1.01", "1.1"),
            ("1.0c056", "1.0rc56"),
            ("00!1.2", "1.2"),
            ("v1.0", "1.0"),
            ("   v1.0\t\n", "1.0"),
        ] {
            assert_eq!(
                parse(spelling).unwrap(),
                parse(normal).unwrap(),
                "{spelling}"
            );
        }
        // test_version_rc_and_c_equals
        assert_eq!(parse("1.0rc1").unwrap(), parse("1.0c1").unwrap());
    }

    #[test]
    fn packaging_invalid_versions_are_refused() {
        for invalid in [
            "french toast",
            "1.0+a+",
            "1.0++",
            "1.0+_foobar",
            "1.0+foo&asd",
            "1.0+1+1",
            "1. 0",
            "1.0 a1",
        ] {
            assert!(parse(invalid).is_err(), "{invalid}");
        }
    }
}
