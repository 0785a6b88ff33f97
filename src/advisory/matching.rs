//! Which advisories affect a package version: the advisory's `versions` list, its `SEMVER`
//! and `ECOSYSTEM` ranges read in the ecosystem's own version order (OSV's evaluation: events
//! sorted, each `introduced` at or below the version turns "affected" on, each `fixed` at or
//! below it and each `last_affected` below it turns it off, a `limit` at or below it ends
//! it), and RustSec's requirements as cargo-audit reads them.
//!
//! A range event whose version cannot be read in the ecosystem's order is skipped and named;
//! a package version that cannot be ordered is checked against the explicit version lists
//! only, and named.

use super::db::{Affected, Database, Event, RangeKind, ecosystem_of};
use super::rustsec;
use super::version::{Scheme, Version};
use crate::model::Ecosystem;
use std::cmp::Ordering;

/// One package version, with its version parsed on demand in each order it is compared in.
pub struct Subject<'a> {
    pub ecosystem: Ecosystem,
    pub version: &'a str,
    parsed: Vec<(Scheme, Result<Version, String>)>,
}

impl<'a> Subject<'a> {
    pub fn new(ecosystem: Ecosystem, version: &'a str) -> Subject<'a> {
        Subject {
            ecosystem,
            version,
            parsed: Vec::new(),
        }
    }

    fn parsed(&mut self, scheme: Scheme) -> Result<&Version, &String> {
        let at = match self.parsed.iter().position(|(s, _)| *s == scheme) {
            Some(at) => at,
            None => {
                self.parsed.push((scheme, scheme.parse(self.version)));
                self.parsed.len() - 1
            }
        };
        self.parsed[at].1.as_ref()
    }
}

/// A range event of an advisory that could not be read as a version (it was skipped).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct SkippedEvent {
    pub advisory: String,
    pub package: String,
    pub version: String,
    /// The version scheme's name ("PEP 440").
    pub scheme: &'static str,
    /// The parser's reason, as it gives it.
    pub reason: String,
}

impl SkippedEvent {
    /// The problem as a translatable text; the advisory's and the parser's words are shown
    /// as printable text.
    pub fn text(&self) -> crate::diagnostic::Text {
        use super::findings::printable;
        crate::text!(
            "advisory_range_event_skipped",
            advisory = printable(&self.advisory),
            package = printable(&self.package),
            version = printable(&self.version),
            scheme = self.scheme,
            reason = printable(&self.reason)
        )
    }
}

/// The outcome of matching one affected entry.
#[derive(Debug, Default)]
pub struct Outcome {
    pub affected: bool,
    /// Range events that could not be read (they were skipped).
    pub problems: Vec<SkippedEvent>,
    /// Why the package's own version could not be compared with the ranges.
    pub unorderable: Option<String>,
}

/// Whether `affected` covers the subject's version.
pub fn check(affected: &Affected, advisory_id: &str, subject: &mut Subject<'_>) -> Outcome {
    let mut outcome = Outcome::default();
    let ecosystem = subject.ecosystem;
    if affected.versions().any(|v| v == subject.version) {
        outcome.affected = true;
        return outcome;
    }
    let scheme = Scheme::of_ecosystem(ecosystem);
    if let Some(versions) = &affected.rustsec {
        match super::version::cargo::parse(subject.version) {
            Ok(v) => outcome.affected = rustsec::is_affected(versions, v.semver()),
            Err(e) => {
                outcome.unorderable = Some(format!(
                    "`{}` is not a Cargo version ({e})",
                    subject.version
                ))
            }
        }
        if outcome.affected {
            return outcome;
        }
    }
    for range in &affected.ranges {
        let scheme = match range.kind {
            RangeKind::Ecosystem => match scheme {
                Some(s) => s,
                None => continue,
            },
            RangeKind::Semver => Scheme::semver_of(ecosystem),
        };
        let own = match subject.parsed(scheme) {
            Ok(v) => v.clone(),
            Err(e) => {
                outcome.unorderable = Some(e.clone());
                continue;
            }
        };
        let mut events: Vec<(Option<Version>, &Event)> = Vec::new();
        for event in &range.events {
            let text = event.version();
            if matches!(event, Event::Introduced(_)) && text == "0" {
                events.push((None, event));
                continue;
            }
            match scheme.read(text) {
                Ok(v) => events.push((Some(v), event)),
                Err(reason) => outcome.problems.push(SkippedEvent {
                    advisory: advisory_id.to_string(),
                    package: affected.name.clone(),
                    version: text.to_string(),
                    scheme: scheme.name(),
                    reason,
                }),
            }
        }
        if range_covers(&own, &mut events) {
            outcome.affected = true;
            return outcome;
        }
    }
    // The list once more, by value (PyPI's `3.2` is `3.2.0`): only listed versions with the
    // same leading number are read, which keeps long lists cheap.
    if let Some(scheme) = scheme
        && affected.lists_versions()
        && let Ok(own) = subject.parsed(scheme).cloned()
    {
        let lead = leading_number(subject.version);
        if affected
            .versions()
            .filter(|v| leading_number(v) == lead)
            .any(|v| scheme.parse(v).is_ok_and(|listed| listed == own))
        {
            outcome.affected = true;
        }
    }
    outcome
}

/// The first number of a version, without leading `v`, `=` or zeros (`v01.2` → `1`).
fn leading_number(version: &str) -> &str {
    let v = version.trim_start_matches(['v', 'V', '=', ' ']);
    let digits = v.bytes().take_while(u8::is_ascii_digit).count();
    let n = v[..digits].trim_start_matches('0');
    if n.is_empty() && digits > 0 { "0" } else { n }
}

fn event_rank(event: &Event) -> u8 {
    match event {
        Event::Introduced(_) => 0,
        Event::LastAffected(_) => 1,
        Event::Fixed(_) => 2,
        Event::Limit(_) => 3,
    }
}

/// OSV's evaluation of one range (`None` is `introduced: "0"`, below every version).
fn range_covers(version: &Version, events: &mut [(Option<Version>, &Event)]) -> bool {
    events.sort_by(|a, b| match (&a.0, &b.0) {
        (None, None) => Ordering::Equal,
        (None, Some(_)) => Ordering::Less,
        (Some(_), None) => Ordering::Greater,
        (Some(x), Some(y)) => x.cmp(y).then(event_rank(a.1).cmp(&event_rank(b.1))),
    });
    let mut affected = false;
    let mut limited = false;
    for (at, event) in events.iter() {
        match (event, at) {
            (Event::Introduced(_), None) => affected = true,
            (Event::Introduced(_), Some(at)) if version >= at => affected = true,
            (Event::Fixed(_), Some(at)) if version >= at => affected = false,
            (Event::LastAffected(_), Some(at)) if version > at => affected = false,
            (Event::Limit(_), Some(at)) if version >= at => limited = true,
            _ => {}
        }
    }
    affected && !limited
}

/// The versions that fix an affected entry (its `fixed` events and RustSec's patched lower
/// bounds), in the ecosystem's order.
pub fn fixed_versions(affected: &Affected, ecosystem: Ecosystem) -> Vec<String> {
    let mut out: Vec<(Option<Version>, String)> = Vec::new();
    for range in &affected.ranges {
        let scheme = match range.kind {
            RangeKind::Ecosystem => Scheme::of_ecosystem(ecosystem),
            RangeKind::Semver => Some(Scheme::semver_of(ecosystem)),
        };
        for event in &range.events {
            if let Event::Fixed(v) = event
                && !out.iter().any(|(_, t)| t == v)
            {
                out.push((scheme.and_then(|s| s.parse(v).ok()), v.clone()));
            }
        }
    }
    if let Some(versions) = &affected.rustsec {
        for v in rustsec::fixed_versions(versions) {
            let text = v.to_string();
            if !out.iter().any(|(_, t)| *t == text) {
                out.push((Scheme::Cargo.parse(&text).ok(), text));
            }
        }
    }
    out.sort_by(|a, b| match (&a.0, &b.0) {
        (Some(x), Some(y)) => x.cmp(y),
        _ => a.1.cmp(&b.1),
    });
    out.into_iter().map(|(_, t)| t).collect()
}

/// The smallest of `candidates` above `current` that none of `entries` affects: the upgrade
/// that clears them.
pub fn upgrade(
    ecosystem: Ecosystem,
    current: &str,
    candidates: &[String],
    entries: &[(&str, &Affected)],
) -> Option<String> {
    let scheme = Scheme::of_ecosystem(ecosystem)?;
    let now = scheme.parse(current).ok()?;
    let mut sorted: Vec<(Version, &String)> = candidates
        .iter()
        .filter_map(|c| scheme.parse(c).ok().map(|v| (v, c)))
        .filter(|(v, _)| *v > now)
        .collect();
    sorted.sort_by(|a, b| a.0.cmp(&b.0));
    sorted.dedup_by(|a, b| a.0 == b.0);
    sorted
        .into_iter()
        .find(|(_, text)| {
            entries.iter().all(|(id, affected)| {
                let mut subject = Subject::new(ecosystem, text);
                !check(affected, id, &mut subject).affected
            })
        })
        .map(|(_, t)| t.clone())
}

/// An affected entry that covers a package.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Hit {
    pub advisory: u32,
    pub affected: u16,
}

/// What matching found for one package.
#[derive(Debug, Default)]
pub struct PackageMatches {
    pub hits: Vec<Hit>,
    /// Range events that could not be read (named with their record).
    pub problems: Vec<SkippedEvent>,
    /// Why the package's version could not be compared with some ranges.
    pub unorderable: Option<String>,
    /// Withdrawn advisories that would have matched.
    pub withdrawn: Vec<String>,
}

/// Every advisory of `db` that affects `name` at `version`.
pub fn match_package(
    db: &Database,
    ecosystem: Ecosystem,
    name: &str,
    version: &str,
) -> PackageMatches {
    let mut result = PackageMatches::default();
    let candidates = db.candidates(ecosystem, name);
    if candidates.is_empty() {
        return result;
    }
    let mut subject = Subject::new(ecosystem, version);
    for &(index, a) in candidates {
        let advisory = db.advisory(index);
        let affected = &advisory.affected[a as usize];
        if ecosystem_of(&affected.ecosystem) != Some(ecosystem) {
            continue;
        }
        let outcome = check(affected, &advisory.id, &mut subject);
        result.problems.extend(outcome.problems);
        if outcome.unorderable.is_some() && result.unorderable.is_none() {
            result.unorderable = outcome.unorderable;
        }
        if outcome.affected {
            if advisory.withdrawn.is_some() {
                result.withdrawn.push(advisory.id.clone());
            } else if !result.hits.iter().any(|h| h.advisory == index) {
                result.hits.push(Hit {
                    advisory: index,
                    affected: a,
                });
            }
        }
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::advisory::db::{Range, RustsecVersions};

    fn affected(ecosystem: &str, kind: RangeKind, events: &[Event], versions: &[&str]) -> Affected {
        Affected {
            ecosystem: ecosystem.to_string(),
            name: "demo".to_string(),
            ranges: vec![Range {
                kind,
                events: events.to_vec(),
            }],
            versions: Affected::join_versions(versions.iter().map(|v| v.to_string())),
            rustsec: None,
            severity: Vec::new(),
            informational: None,
        }
    }

    fn covers(a: &Affected, ecosystem: Ecosystem, version: &str) -> bool {
        check(a, "TEST-1", &mut Subject::new(ecosystem, version)).affected
    }

    #[test]
    fn osv_ranges_in_each_ecosystems_order() {
        use Event::*;
        let pypi = affected(
            "PyPI",
            RangeKind::Ecosystem,
            &[
                Introduced("0".into()),
                Fixed("2.0.0rc1".into()),
                Introduced("2.1".into()),
                LastAffected("2.1.3".into()),
            ],
            &[],
        );
        for (v, want) in [
            ("1.9", true),
            ("2.0.0b3", true),
            ("2.0.0rc1", false),
            ("2.0", false),
            ("2.1.0", true),
            ("2.1.3", true),
            ("2.1.3.post1", false),
            ("2.2", false),
        ] {
            assert_eq!(covers(&pypi, Ecosystem::Pypi, v), want, "PyPI {v}");
        }
        let maven = affected(
            "Maven",
            RangeKind::Ecosystem,
            &[Introduced("2.0-beta9".into()), Fixed("2.15.0".into())],
            &[],
        );
        for (v, want) in [
            ("2.0-beta8", false),
            ("2.0", true),
            ("2.14.1", true),
            ("2.15.0", false),
            ("2.15.0.Final", false),
        ] {
            assert_eq!(covers(&maven, Ecosystem::Maven, v), want, "Maven {v}");
        }
        let npm = affected(
            "npm",
            RangeKind::Semver,
            &[Introduced("0".into()), Fixed("4.17.21".into())],
            &[],
        );
        for (v, want) in [
            ("4.17.20", true),
            ("4.17.21-beta.1", true),
            ("4.17.21", false),
        ] {
            assert_eq!(covers(&npm, Ecosystem::Npm, v), want, "npm {v}");
        }
        let go = affected(
            "Go",
            RangeKind::Semver,
            &[
                Introduced("0".into()),
                Fixed("0.0.0-20220314234659-1baeb1ce4c0b".into()),
            ],
            &[],
        );
        for (v, want) in [
            ("v0.0.0-20211202192323-5770296d904e", true),
            ("v0.0.0-20220315160706-3147a52a75dd", false),
            ("v0.1.0", false),
        ] {
            assert_eq!(covers(&go, Ecosystem::Golang, v), want, "Go {v}");
        }
        let composer = affected(
            "Packagist",
            RangeKind::Ecosystem,
            &[Introduced("5.0.0".into()), Fixed("5.4.20".into())],
            &[],
        );
        for (v, want) in [("v5.4.19", true), ("v5.4.20", false), ("4.4.0", false)] {
            assert_eq!(
                covers(&composer, Ecosystem::Composer, v),
                want,
                "Composer {v}"
            );
        }
        let limit = affected(
            "npm",
            RangeKind::Semver,
            &[Introduced("1.0.0".into()), Limit("1.5.0".into())],
            &[],
        );
        assert!(covers(&limit, Ecosystem::Npm, "1.4.0"));
        assert!(!covers(&limit, Ecosystem::Npm, "1.5.0"));
    }

    #[test]
    fn version_lists_compare_by_value_and_bad_data_is_named() {
        let listed = affected(
            "PyPI",
            RangeKind::Ecosystem,
            &[
                Event::Introduced("1.0".into()),
                Event::Fixed("no version".into()),
            ],
            &["2.0"],
        );
        assert!(
            covers(&listed, Ecosystem::Pypi, "2.0.0"),
            "2.0.0 is 2.0 in PEP 440"
        );
        let outcome = check(
            &listed,
            "PYSEC-9",
            &mut Subject::new(Ecosystem::Pypi, "1.5"),
        );
        assert!(
            outcome.affected,
            "the unreadable `fixed` is skipped; 1.5 is past `introduced`"
        );
        assert_eq!(outcome.problems.len(), 1);
        assert!(outcome.problems[0].text().english().starts_with(
            "PYSEC-9: a range event of demo was skipped: `no version` is not a PEP 440 version"
        ));
        let outcome = check(
            &listed,
            "PYSEC-9",
            &mut Subject::new(Ecosystem::Pypi, "not-a-version"),
        );
        assert!(!outcome.affected);
        assert!(
            outcome
                .unorderable
                .unwrap()
                .contains("`not-a-version` is not a PEP 440 version")
        );
    }

    #[test]
    fn rustsec_requirements_fixed_versions_and_upgrades() {
        let entry = Affected {
            ecosystem: crate::advisory::db::CRATES.into(),
            name: "demo".into(),
            ranges: Vec::new(),
            versions: String::new(),
            rustsec: Some(RustsecVersions {
                patched: vec![">= 1.4.2, < 2".into(), ">= 2.1.0".into()],
                unaffected: vec!["< 1.0".into()],
            }),
            severity: Vec::new(),
            informational: None,
        };
        assert!(!covers(&entry, Ecosystem::Cargo, "0.9.0"));
        assert!(covers(&entry, Ecosystem::Cargo, "1.4.1"));
        assert!(!covers(&entry, Ecosystem::Cargo, "1.4.2"));
        assert!(covers(&entry, Ecosystem::Cargo, "2.0.5"));
        let fixed = fixed_versions(&entry, Ecosystem::Cargo);
        assert_eq!(fixed, vec!["1.4.2", "2.1.0"]);
        assert_eq!(
            upgrade(Ecosystem::Cargo, "1.3.0", &fixed, &[("R", &entry)]).as_deref(),
            Some("1.4.2")
        );
        assert_eq!(
            upgrade(Ecosystem::Cargo, "2.0.0", &fixed, &[("R", &entry)]).as_deref(),
            Some("2.1.0")
        );
    }
}
