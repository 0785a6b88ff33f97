//! The advisory database in memory: every record of every source, indexed by ecosystem and
//! package name for matching, with what each source holds and what could not be read.

use crate::model::{Ecosystem, pep503};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};

/// One advisory (an OSV record, or a RustSec advisory converted to one).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Advisory {
    pub id: String,
    pub aliases: Vec<String>,
    pub summary: String,
    pub details: String,
    pub published: Option<String>,
    pub modified: Option<String>,
    /// Set when the advisory was withdrawn: it no longer counts.
    pub withdrawn: Option<String>,
    pub severity: Vec<Score>,
    /// The database's own severity word (GitHub's `database_specific.severity`).
    pub database_severity: Option<String>,
    /// RustSec's informational kind (`unmaintained`, `unsound`, `notice`): not a
    /// vulnerability.
    pub informational: Option<String>,
    /// The advisory's own page.
    pub url: Option<String>,
    pub references: Vec<String>,
    pub affected: Vec<Affected>,
    /// The file it was read from, relative to its source.
    pub file: String,
    /// The index of its source in [`Database::sources`].
    pub source: usize,
}

/// The packages an advisory affects, and which of their versions.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Affected {
    /// The OSV ecosystem name (`PyPI`, `Go`, [`CRATES`], `npm`, `Packagist`, `Maven`, ...).
    pub ecosystem: String,
    pub name: String,
    pub ranges: Vec<Range>,
    /// Versions named one by one, one per line (a list of thousands of short strings costs an
    /// allocation each when the prebuilt cache is read; see [`Affected::versions`]).
    pub versions: String,
    /// RustSec's own version requirements, matched as cargo-audit does.
    pub rustsec: Option<RustsecVersions>,
    pub severity: Vec<Score>,
    pub informational: Option<String>,
}

impl Affected {
    /// The versions named one by one.
    pub fn versions(&self) -> impl Iterator<Item = &str> {
        self.versions.split('\n').filter(|v| !v.is_empty())
    }

    /// Whether versions are named one by one.
    pub fn lists_versions(&self) -> bool {
        !self.versions.is_empty()
    }

    /// Names `versions` one by one (none may contain a line break).
    pub fn join_versions(versions: impl IntoIterator<Item = String>) -> String {
        versions
            .into_iter()
            .filter(|v| !v.contains('\n') && !v.is_empty())
            .collect::<Vec<_>>()
            .join("\n")
    }
}

/// RustSec `[versions]`: a version is affected unless a `patched` or `unaffected` requirement
/// (Cargo's syntax) matches it.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct RustsecVersions {
    pub patched: Vec<String>,
    pub unaffected: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum RangeKind {
    Semver,
    Ecosystem,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Range {
    pub kind: RangeKind,
    pub events: Vec<Event>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Event {
    Introduced(String),
    Fixed(String),
    LastAffected(String),
    Limit(String),
}

impl Event {
    pub fn version(&self) -> &str {
        match self {
            Event::Introduced(v) | Event::Fixed(v) | Event::LastAffected(v) | Event::Limit(v) => v,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum ScoreKind {
    CvssV2,
    CvssV3,
    CvssV4,
    Other(String),
}

/// A severity entry: a CVSS vector (or another scheme's score, kept as written).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Score {
    pub kind: ScoreKind,
    pub vector: String,
}

/// OSV's name of the Rust crate ecosystem. It is the crate registry's domain, an identifier
/// here and never a host; it is spelled in two parts so that no registry host name is written
/// in the source (the house rule keeps endpoints out of the code).
pub const CRATES: &str = concat!("crates", ".io");

/// The fundament ecosystem of an OSV ecosystem name (`Debian:12` and other distributions are
/// not ecosystems fundament reads).
pub fn ecosystem_of(osv: &str) -> Option<Ecosystem> {
    match osv.split(':').next().unwrap_or_default() {
        "PyPI" => Some(Ecosystem::Pypi),
        "Go" => Some(Ecosystem::Golang),
        CRATES => Some(Ecosystem::Cargo),
        "npm" => Some(Ecosystem::Npm),
        "Packagist" => Some(Ecosystem::Composer),
        "Maven" => Some(Ecosystem::Maven),
        _ => None,
    }
}

/// The OSV ecosystem name of a fundament ecosystem.
pub fn osv_name(ecosystem: Ecosystem) -> Option<&'static str> {
    match ecosystem {
        Ecosystem::Pypi => Some("PyPI"),
        Ecosystem::Golang => Some("Go"),
        Ecosystem::Cargo => Some(CRATES),
        Ecosystem::Npm => Some("npm"),
        Ecosystem::Composer => Some("Packagist"),
        Ecosystem::Maven => Some("Maven"),
        Ecosystem::Generic => None,
    }
}

/// A package name as both sides are compared: PEP 503 for PyPI, lower case for Composer,
/// as written elsewhere.
pub fn match_name(ecosystem: Ecosystem, name: &str) -> String {
    match ecosystem {
        Ecosystem::Pypi => pep503(name),
        Ecosystem::Composer => name.to_lowercase(),
        _ => name.to_string(),
    }
}

/// What kind of source a database came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum SourceKind {
    /// A folder of OSV JSON/YAML files and RustSec Markdown files.
    Folder,
    /// A zip of OSV records on disk.
    Zip,
    /// A zip of OSV records per ecosystem under an HTTP base URL (`<base>/<Ecosystem>/all.zip`)
    /// or one zip at a URL.
    Download,
    /// A git repository (OSV records or the RustSec database).
    Git,
    /// The OSV query API.
    OsvApi,
}

/// One advisory source as loaded, for reports.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SourceInfo {
    /// Where it is read from, as configured.
    pub location: String,
    pub kind: SourceKind,
    /// Records read (withdrawn ones included).
    pub records: usize,
    /// Records per ecosystem fundament reads, and how recent each ecosystem's data is.
    pub ecosystems: BTreeMap<Ecosystem, EcosystemData>,
    /// How recent the data is: RFC 3339.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub as_of: Option<String>,
    /// What `as_of` is: "newest record", "git commit", "downloaded", "file dates".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub as_of_basis: Option<String>,
    /// Git: the commit read.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub commit: Option<String>,
    /// Whether the data came from fundament's cache (offline, or unchanged since last time).
    pub cached: bool,
    /// Why the data may be out of date (a fetch that failed, so the cache was used).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stale: Option<String>,
    /// Why the source could not be read at all.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub failed: Option<String>,
    /// Records or files that could not be read (in full or in part).
    pub problems: usize,
    /// `stale` and `failed` in translatable form, where fundament worded them (the German
    /// reports render these; JSON keeps the English strings).
    #[serde(skip)]
    pub stale_text: Option<crate::diagnostic::Text>,
    #[serde(skip)]
    pub failed_text: Option<crate::diagnostic::Text>,
}

impl SourceInfo {
    /// Marks the source as unreadable, for `why`.
    pub fn fail(&mut self, why: crate::diagnostic::Text) {
        self.failed = Some(why.english());
        self.failed_text = Some(why);
    }

    /// Marks the source's data as possibly out of date, for `why`.
    pub fn stale_because(&mut self, why: crate::diagnostic::Text) {
        self.stale = Some(why.english());
        self.stale_text = Some(why);
    }

    /// Why the source could not be read, in translatable form (a reason given as a string, a
    /// tool's or library's words, is shown as written, made printable).
    pub fn failure(&self) -> Option<crate::diagnostic::Text> {
        Self::reason(&self.failed_text, &self.failed)
    }

    /// Why the data may be out of date, in translatable form.
    pub fn staleness(&self) -> Option<crate::diagnostic::Text> {
        Self::reason(&self.stale_text, &self.stale)
    }

    fn reason(
        text: &Option<crate::diagnostic::Text>,
        plain: &Option<String>,
    ) -> Option<crate::diagnostic::Text> {
        // A reason in another's words is shown as written: made printable here.
        text.clone().filter(|t| t.key != "verbatim").or_else(|| {
            plain
                .as_deref()
                .map(|p| crate::diagnostic::Text::verbatim(super::findings::printable(p)))
        })
    }
}

/// One ecosystem's data in a source.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct EcosystemData {
    pub records: usize,
    /// The newest `modified` (or `published`) date of its records, RFC 3339; absent when the
    /// records carry no dates (then the source's `as_of` stands for it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub as_of: Option<String>,
}

/// A record or file that could not be read, in full or in part.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DataProblem {
    /// The source's location.
    pub source: String,
    /// The file (or record) concerned.
    pub file: String,
    pub reason: DataProblemReason,
}

/// Why a record or file could not be read. Cached with the records (src/advisory/cache.rs):
/// a change here bumps its `CACHE_VERSION`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum DataProblemReason {
    /// The file cannot be read from disk (the system's words).
    Unreadable {
        error: String,
    },
    /// A zip entry cannot be read (the zip library's words).
    EntryUnreadable {
        error: String,
    },
    /// A zip entry cannot be unpacked.
    EntryNotUnpacked {
        error: String,
    },
    /// A zip entry unpacks to more than fundament reads of one record.
    EntryTooLarge {
        size: u64,
        max: u64,
    },
    /// The file is larger than fundament reads of one record.
    TooLarge {
        max: u64,
    },
    NotUtf8,
    /// Offline, and the OSV API's record is not in the cache.
    NotCached {
        url: String,
    },
    /// Not an OSV record in `format` (JSON, YAML): the parser's words.
    NotOsv {
        format: String,
        error: String,
    },
    /// The record has no `id`.
    NoId,
    /// In another's words (an HTTP failure, a problem inside a record), as written.
    Verbatim(String),
}

impl From<String> for DataProblemReason {
    fn from(message: String) -> Self {
        DataProblemReason::Verbatim(message)
    }
}

impl DataProblemReason {
    /// The reason as a translatable text; others' words are shown as written, made printable.
    pub fn text(&self) -> crate::diagnostic::Text {
        use super::findings::printable;
        use crate::diagnostic::Text;
        match self {
            DataProblemReason::Unreadable { error } => {
                crate::text!("advisory_file_unreadable", error = printable(error))
            }
            DataProblemReason::EntryUnreadable { error } => {
                crate::text!("advisory_entry_unreadable", error = printable(error))
            }
            DataProblemReason::EntryNotUnpacked { error } => {
                crate::text!("advisory_entry_not_unpacked", error = printable(error))
            }
            DataProblemReason::EntryTooLarge { size, max } => {
                crate::text!("advisory_entry_too_large", size = size, max = max)
            }
            DataProblemReason::TooLarge { max } => {
                crate::text!("advisory_file_too_large", max = max)
            }
            DataProblemReason::NotUtf8 => Text::new("advisory_file_not_utf8"),
            DataProblemReason::NotCached { url } => {
                crate::text!("advisory_record_not_cached", url = printable(url))
            }
            DataProblemReason::NotOsv { format, error } => crate::text!(
                "advisory_not_osv_record",
                format = format,
                error = printable(error)
            ),
            DataProblemReason::NoId => Text::new("advisory_record_no_id"),
            DataProblemReason::Verbatim(message) => Text::verbatim(printable(message)),
        }
    }

    /// The reason in English.
    pub fn message(&self) -> String {
        self.text().english()
    }
}

/// What one source gave.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Loaded {
    pub advisories: Vec<Advisory>,
    pub problems: Vec<DataProblem>,
}

/// Every advisory, indexed for matching.
#[derive(Debug, Default)]
pub struct Database {
    pub sources: Vec<SourceInfo>,
    advisories: Vec<Advisory>,
    by_package: HashMap<(Ecosystem, String), Vec<(u32, u16)>>,
    pub problems: Vec<DataProblem>,
}

impl Database {
    /// Builds the index over the sources' records. A record id that an earlier source already
    /// gave is left out (the first source configured wins).
    pub fn build(loaded: Vec<(SourceInfo, Loaded)>) -> Database {
        let mut db = Database::default();
        let mut seen: std::collections::HashSet<String> = std::collections::HashSet::new();
        for (source_index, (info, data)) in loaded.into_iter().enumerate() {
            db.sources.push(info);
            db.problems.extend(data.problems);
            for mut advisory in data.advisories {
                if !seen.insert(advisory.id.clone()) {
                    continue;
                }
                advisory.source = source_index;
                let index = db.advisories.len() as u32;
                for (a, affected) in advisory.affected.iter().enumerate() {
                    if let Some(ecosystem) = ecosystem_of(&affected.ecosystem) {
                        let key = (ecosystem, match_name(ecosystem, &affected.name));
                        db.by_package
                            .entry(key)
                            .or_default()
                            .push((index, a as u16));
                    }
                }
                db.advisories.push(advisory);
            }
        }
        db
    }

    pub fn advisories(&self) -> &[Advisory] {
        &self.advisories
    }

    pub fn advisory(&self, index: u32) -> &Advisory {
        &self.advisories[index as usize]
    }

    /// The (advisory, affected entry) pairs that name this package.
    pub fn candidates(&self, ecosystem: Ecosystem, name: &str) -> &[(u32, u16)] {
        self.by_package
            .get(&(ecosystem, match_name(ecosystem, name)))
            .map(Vec::as_slice)
            .unwrap_or_default()
    }

    /// Whether some source that could be read holds data for the ecosystem.
    pub fn covers(&self, ecosystem: Ecosystem) -> bool {
        self.sources.iter().any(|s| {
            s.failed.is_none() && s.ecosystems.get(&ecosystem).is_some_and(|d| d.records > 0)
        })
    }

    /// Adds advisories found later (answers of the OSV query API) under a source of their own.
    pub fn extend(&mut self, info: SourceInfo, data: Loaded) {
        let source_index = self.sources.len();
        self.sources.push(info);
        self.problems.extend(data.problems);
        let known: std::collections::HashSet<String> =
            self.advisories.iter().map(|a| a.id.clone()).collect();
        for mut advisory in data.advisories {
            if known.contains(&advisory.id) {
                continue;
            }
            advisory.source = source_index;
            let index = self.advisories.len() as u32;
            for (a, affected) in advisory.affected.iter().enumerate() {
                if let Some(ecosystem) = ecosystem_of(&affected.ecosystem) {
                    let key = (ecosystem, match_name(ecosystem, &affected.name));
                    self.by_package
                        .entry(key)
                        .or_default()
                        .push((index, a as u16));
                }
            }
            self.advisories.push(advisory);
        }
    }
}

/// Counts records per ecosystem, with the newest `modified` date of each and of all (dates
/// before 1990 are placeholders, as in the Go database's unpublished files).
pub fn summarise(advisories: &[Advisory]) -> (BTreeMap<Ecosystem, EcosystemData>, Option<String>) {
    // Records, newest date, and records without a date: when more than a tenth of the records
    // have none (the Go database's files), the newest date is no measure of the data's age.
    let mut counts: BTreeMap<Ecosystem, (usize, Option<jiff::Timestamp>, usize)> = BTreeMap::new();
    let mut newest: Option<jiff::Timestamp> = None;
    for a in advisories {
        let date = [&a.modified, &a.published]
            .into_iter()
            .flatten()
            .filter_map(|d| parse_time(d))
            .filter(|t| t.as_second() > 631_152_000)
            .max();
        if let Some(t) = date
            && newest.is_none_or(|n| t > n)
        {
            newest = Some(t);
        }
        let mut counted = std::collections::BTreeSet::new();
        for affected in &a.affected {
            if let Some(e) = ecosystem_of(&affected.ecosystem)
                && counted.insert(e)
            {
                let entry = counts.entry(e).or_insert((0, None, 0));
                entry.0 += 1;
                match date {
                    Some(t) if entry.1.is_none_or(|n| t > n) => entry.1 = Some(t),
                    Some(_) => {}
                    None => entry.2 += 1,
                }
            }
        }
    }
    let ecosystems = counts
        .into_iter()
        .map(|(e, (records, as_of, undated))| {
            (
                e,
                EcosystemData {
                    records,
                    as_of: as_of
                        .filter(|_| undated * 10 <= records)
                        .map(|t| t.to_string()),
                },
            )
        })
        .collect();
    (ecosystems, newest.map(|t| t.to_string()))
}

/// An RFC 3339 time or a bare date.
pub fn parse_time(text: &str) -> Option<jiff::Timestamp> {
    if let Ok(t) = text.parse::<jiff::Timestamp>() {
        return Some(t);
    }
    let date: jiff::civil::Date = text.get(..10)?.parse().ok()?;
    date.to_zoned(jiff::tz::TimeZone::UTC)
        .ok()
        .map(|z| z.timestamp())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn advisory(id: &str, ecosystem: &str, name: &str) -> Advisory {
        Advisory {
            id: id.to_string(),
            aliases: Vec::new(),
            summary: String::new(),
            details: String::new(),
            published: None,
            modified: Some("2024-10-10T00:00:00Z".to_string()),
            withdrawn: None,
            severity: Vec::new(),
            database_severity: None,
            informational: None,
            url: None,
            references: Vec::new(),
            affected: vec![Affected {
                ecosystem: ecosystem.to_string(),
                name: name.to_string(),
                ranges: Vec::new(),
                versions: "1.0".to_string(),
                rustsec: None,
                severity: Vec::new(),
                informational: None,
            }],
            file: format!("{id}.json"),
            source: 0,
        }
    }

    fn info(location: &str) -> SourceInfo {
        SourceInfo {
            location: location.to_string(),
            kind: SourceKind::Folder,
            records: 0,
            ecosystems: BTreeMap::new(),
            as_of: None,
            as_of_basis: None,
            commit: None,
            cached: false,
            stale: None,
            failed: None,
            problems: 0,
            stale_text: None,
            failed_text: None,
        }
    }

    #[test]
    fn names_are_compared_as_each_ecosystem_spells_them() {
        let db = Database::build(vec![(
            info("a"),
            Loaded {
                advisories: vec![
                    advisory("PYSEC-1", "PyPI", "Django_Rest.Framework"),
                    advisory("GHSA-1", "Packagist", "Symfony/HTTP-Kernel"),
                    advisory("DEBIAN-1", "Debian:12", "openssl"),
                ],
                problems: Vec::new(),
            },
        )]);
        assert_eq!(
            db.candidates(Ecosystem::Pypi, "django-rest-framework")
                .len(),
            1
        );
        assert_eq!(
            db.candidates(Ecosystem::Composer, "symfony/http-kernel")
                .len(),
            1
        );
        assert!(db.candidates(Ecosystem::Npm, "openssl").is_empty());
    }

    #[test]
    fn the_first_source_wins_a_duplicate_id() {
        let db = Database::build(vec![
            (
                info("first"),
                Loaded {
                    advisories: vec![advisory("GO-1", "Go", "example.org/a")],
                    problems: Vec::new(),
                },
            ),
            (
                info("second"),
                Loaded {
                    advisories: vec![advisory("GO-1", "Go", "example.org/b")],
                    problems: Vec::new(),
                },
            ),
        ]);
        assert_eq!(db.advisories().len(), 1);
        assert_eq!(db.candidates(Ecosystem::Golang, "example.org/a").len(), 1);
        assert!(db.candidates(Ecosystem::Golang, "example.org/b").is_empty());
    }

    #[test]
    fn summaries_count_ecosystems_and_skip_placeholder_dates() {
        let mut a = advisory("GO-1", "Go", "x");
        a.modified = Some("0001-01-01T00:00:00Z".to_string());
        let b = advisory("PYSEC-1", "PyPI", "y");
        let (ecosystems, newest) = summarise(&[a.clone(), b]);
        assert_eq!(ecosystems.get(&Ecosystem::Golang).unwrap().records, 1);
        assert_eq!(ecosystems.get(&Ecosystem::Golang).unwrap().as_of, None);
        assert!(ecosystems.get(&Ecosystem::Pypi).unwrap().as_of.is_some());
        assert_eq!(newest.as_deref(), Some("2024-10-10T00:00:00Z"));
        assert_eq!(summarise(&[a]).1, None);
    }
}
