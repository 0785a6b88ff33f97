//! OSV records as published (the OSV schema, <https://ossf.github.io/osv-schema/>), read from
//! JSON or YAML, checked, and turned into fundament's [`Advisory`].
//!
//! Reading is lenient where the data is harmlessly loose (a version written as a YAML number,
//! unknown fields) and strict where a mistake would change an answer: a record without an id,
//! an event with no or several kinds, an unknown range type. Each problem names the record or
//! file; the rest of the record (and of the data) is still used where it can be.

use super::db::{Advisory, Affected, DataProblemReason, Event, Range, RangeKind, Score, ScoreKind};
use serde::{Deserialize, Deserializer};

/// The largest record fundament reads (the largest in the published databases is a few
/// hundred kilobytes).
pub const MAX_RECORD_BYTES: usize = 8 * 1024 * 1024;

/// A string that YAML may have written as a number or boolean.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Text(pub String);

impl<'de> Deserialize<'de> for Text {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl serde::de::Visitor<'_> for Visitor {
            type Value = Text;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a string")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Text, E> {
                Ok(Text(v.to_string()))
            }
            fn visit_string<E: serde::de::Error>(self, v: String) -> Result<Text, E> {
                Ok(Text(v))
            }
            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<Text, E> {
                Ok(Text(v.to_string()))
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<Text, E> {
                Ok(Text(v.to_string()))
            }
            fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<Text, E> {
                Ok(Text(v.to_string()))
            }
            fn visit_bool<E: serde::de::Error>(self, v: bool) -> Result<Text, E> {
                Ok(Text(v.to_string()))
            }
        }
        deserializer.deserialize_string(Visitor)
    }
}

/// An OSV record: the fields fundament uses (unknown fields are ignored).
#[derive(Debug, Clone, Deserialize)]
pub struct Record {
    #[serde(default)]
    pub id: Option<Text>,
    #[serde(default)]
    pub modified: Option<Text>,
    #[serde(default)]
    pub published: Option<Text>,
    #[serde(default)]
    pub withdrawn: Option<Text>,
    #[serde(default)]
    pub aliases: Option<Vec<Text>>,
    #[serde(default)]
    pub summary: Option<Text>,
    #[serde(default)]
    pub details: Option<Text>,
    #[serde(default)]
    pub severity: Option<Vec<Severity>>,
    #[serde(default)]
    pub affected: Option<Vec<RawAffected>>,
    #[serde(default)]
    pub references: Option<Vec<Reference>>,
    #[serde(default)]
    pub database_specific: Option<serde_json::Value>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Severity {
    #[serde(rename = "type")]
    pub kind: Text,
    pub score: Text,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Reference {
    #[serde(rename = "type", default)]
    pub kind: Option<Text>,
    pub url: Text,
}

#[derive(Debug, Clone, Deserialize)]
pub struct RawAffected {
    #[serde(default)]
    pub package: Option<Package>,
    #[serde(default)]
    pub ranges: Option<Vec<RawRange>>,
    #[serde(default)]
    pub versions: Option<Vec<Text>>,
    #[serde(default)]
    pub severity: Option<Vec<Severity>>,
    #[serde(default)]
    pub database_specific: Option<serde_json::Value>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Package {
    #[serde(default)]
    pub ecosystem: Option<Text>,
    #[serde(default)]
    pub name: Option<Text>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct RawRange {
    #[serde(rename = "type", default)]
    pub kind: Option<Text>,
    #[serde(default)]
    pub events: Option<Vec<RawEvent>>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct RawEvent {
    #[serde(default)]
    pub introduced: Option<Text>,
    #[serde(default)]
    pub fixed: Option<Text>,
    #[serde(default)]
    pub last_affected: Option<Text>,
    #[serde(default)]
    pub limit: Option<Text>,
}

/// Parses a record from JSON.
pub fn from_json(bytes: &[u8]) -> Result<Record, DataProblemReason> {
    serde_json::from_slice(bytes).map_err(|e| DataProblemReason::NotOsv {
        format: "JSON".to_string(),
        error: e.to_string(),
    })
}

/// Parses a record from YAML.
pub fn from_yaml(text: &str) -> Result<Record, DataProblemReason> {
    let options = serde_saphyr::options! {
        budget: serde_saphyr::budget! {
            max_events: 10_000_000,
            max_nodes: 5_000_000,
        },
        with_snippet: false,
    };
    serde_saphyr::from_str_with_options(text, options).map_err(|e| {
        let first = e.to_string();
        let first = first.lines().next().unwrap_or_default().to_string();
        DataProblemReason::NotOsv {
            format: "YAML".to_string(),
            error: first,
        }
    })
}

/// A record turned into an [`Advisory`], with the problems found in it. `Err` when nothing of
/// it can be used (no id).
pub fn convert(record: Record, file: &str) -> Result<(Advisory, Vec<String>), DataProblemReason> {
    let mut problems = Vec::new();
    let id = match record.id.map(|t| t.0.trim().to_string()) {
        Some(id) if !id.is_empty() && !id.chars().any(char::is_control) => id,
        _ => return Err(DataProblemReason::NoId),
    };
    let text = |t: Option<Text>| t.map(|t| t.0).filter(|s| !s.trim().is_empty());
    let summary = text(record.summary);
    let details = text(record.details).unwrap_or_default();
    let mut severity = Vec::new();
    for s in record.severity.unwrap_or_default() {
        match score_of(&s.kind.0, &s.score.0) {
            Ok(score) => severity.push(score),
            Err(e) => problems.push(format!("{id}: {e}")),
        }
    }
    let database_specific = record.database_specific.unwrap_or_default();
    let database_severity = database_specific
        .get("severity")
        .and_then(|s| s.as_str())
        .map(str::to_string);
    let mut references: Vec<(String, String)> = record
        .references
        .unwrap_or_default()
        .into_iter()
        .map(|r| (r.kind.map(|k| k.0).unwrap_or_default(), r.url.0))
        .collect();
    let url = database_specific
        .get("url")
        .and_then(|u| u.as_str())
        .map(str::to_string)
        .or_else(|| {
            references
                .iter()
                .find(|(k, _)| k == "ADVISORY")
                .map(|(_, u)| u.clone())
        })
        .or_else(|| references.first().map(|(_, u)| u.clone()));
    references.dedup_by(|a, b| a.1 == b.1);
    let informational = database_specific
        .get("informational")
        .and_then(|i| i.as_str())
        .map(str::to_string);

    let mut affected = Vec::new();
    for (i, raw) in record.affected.unwrap_or_default().into_iter().enumerate() {
        let package = raw.package.unwrap_or(Package {
            ecosystem: None,
            name: None,
        });
        let (Some(ecosystem), Some(name)) = (
            package.ecosystem.map(|e| e.0).filter(|e| !e.is_empty()),
            package.name.map(|n| n.0).filter(|n| !n.is_empty()),
        ) else {
            problems.push(format!(
                "{id}: affected[{i}] names no package (ecosystem and name); it was skipped"
            ));
            continue;
        };
        let mut ranges = Vec::new();
        for (j, range) in raw.ranges.unwrap_or_default().into_iter().enumerate() {
            let kind = range.kind.map(|k| k.0).unwrap_or_default();
            let kind = match kind.as_str() {
                "SEMVER" => RangeKind::Semver,
                "ECOSYSTEM" => RangeKind::Ecosystem,
                // Commit ranges: the published versions they cover are in `versions`.
                "GIT" => continue,
                other => {
                    problems.push(format!(
                        "{id}: affected[{i}] ({name}) ranges[{j}] has the unknown range type `{other}`; it was skipped"
                    ));
                    continue;
                }
            };
            let mut events = Vec::new();
            for (k, event) in range.events.unwrap_or_default().into_iter().enumerate() {
                let kinds: Vec<Event> = [
                    event.introduced.map(|v| Event::Introduced(v.0)),
                    event.fixed.map(|v| Event::Fixed(v.0)),
                    event.last_affected.map(|v| Event::LastAffected(v.0)),
                    event.limit.map(|v| Event::Limit(v.0)),
                ]
                .into_iter()
                .flatten()
                .collect();
                match <[Event; 1]>::try_from(kinds) {
                    Ok([event]) => events.push(event),
                    Err(_) => problems.push(format!(
                        "{id}: affected[{i}] ({name}) ranges[{j}].events[{k}] must have exactly one of introduced, fixed, last_affected, limit; it was skipped"
                    )),
                }
            }
            if !events.iter().any(|e| matches!(e, Event::Introduced(_))) {
                problems.push(format!(
                    "{id}: affected[{i}] ({name}) ranges[{j}] has no `introduced` event; it was skipped"
                ));
                continue;
            }
            ranges.push(Range { kind, events });
        }
        let versions =
            Affected::join_versions(raw.versions.unwrap_or_default().into_iter().map(|v| v.0));
        let informational_here = raw
            .database_specific
            .as_ref()
            .and_then(|d| d.get("informational"))
            .and_then(|v| v.as_str())
            .map(str::to_string);
        let mut own_severity = Vec::new();
        for s in raw.severity.unwrap_or_default() {
            if let Ok(score) = score_of(&s.kind.0, &s.score.0) {
                own_severity.push(score);
            }
        }
        affected.push(Affected {
            ecosystem,
            name,
            ranges,
            versions,
            rustsec: None,
            severity: own_severity,
            informational: informational_here,
        });
    }
    let summary = summary.unwrap_or_else(|| first_sentence(&details));
    Ok((
        Advisory {
            id,
            aliases: record
                .aliases
                .unwrap_or_default()
                .into_iter()
                .map(|a| a.0)
                .filter(|a| !a.trim().is_empty())
                .collect(),
            summary,
            details,
            published: text(record.published),
            modified: text(record.modified),
            withdrawn: text(record.withdrawn),
            severity,
            database_severity,
            informational,
            url,
            references: references.into_iter().map(|(_, u)| u).collect(),
            affected,
            file: file.to_string(),
            source: 0,
        },
        problems,
    ))
}

/// A severity entry; only CVSS vectors are scores fundament can read.
fn score_of(kind: &str, vector: &str) -> Result<Score, String> {
    let kind = match kind {
        "CVSS_V2" => ScoreKind::CvssV2,
        "CVSS_V3" => ScoreKind::CvssV3,
        "CVSS_V4" => ScoreKind::CvssV4,
        other => ScoreKind::Other(other.to_string()),
    };
    if vector.trim().is_empty() {
        return Err("a severity entry has no score".to_string());
    }
    Ok(Score {
        kind,
        vector: vector.trim().to_string(),
    })
}

/// The first line or sentence of a text, for records without a summary.
pub fn first_sentence(text: &str) -> String {
    let line = text
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .unwrap_or_default();
    let line = line.trim_start_matches('#').trim();
    let end = line
        .char_indices()
        .find(|(i, c)| *c == '.' && line[i + 1..].starts_with(' '))
        .map(|(i, _)| i + 1)
        .unwrap_or(line.len());
    let sentence = &line[..end];
    if sentence.chars().count() > 200 {
        let cut: String = sentence.chars().take(197).collect();
        format!("{cut}...")
    } else {
        sentence.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const GO: &str = r#"{
      "schema_version": "1.3.1", "id": "GO-2024-3228", "modified": "0001-01-01T00:00:00Z",
      "aliases": ["GHSA-wcx9-ccpj-hx3c"], "summary": "Open redirect in coder",
      "affected": [{"package": {"name": "github.com/coder/coder/v2", "ecosystem": "Go"},
        "ranges": [{"type": "SEMVER", "events": [{"introduced": "2.3.1"}, {"fixed": "2.14.4"}]},
                   {"type": "GIT", "repo": "x", "events": [{"introduced": "0"}]}]}],
      "database_specific": {"url": "https://vuln.go.example/GO-2024-3228"}}"#;

    #[test]
    fn json_records_convert() {
        let (a, problems) =
            convert(from_json(GO.as_bytes()).unwrap(), "GO-2024-3228.json").unwrap();
        assert!(problems.is_empty(), "{problems:?}");
        assert_eq!(a.id, "GO-2024-3228");
        assert_eq!(a.aliases, vec!["GHSA-wcx9-ccpj-hx3c"]);
        assert_eq!(
            a.url.as_deref(),
            Some("https://vuln.go.example/GO-2024-3228")
        );
        assert_eq!(a.affected.len(), 1);
        // The GIT range is left out: its versions are in `versions`.
        assert_eq!(a.affected[0].ranges.len(), 1);
        assert_eq!(
            a.affected[0].ranges[0].events,
            vec![
                Event::Introduced("2.3.1".into()),
                Event::Fixed("2.14.4".into())
            ]
        );
    }

    #[test]
    fn yaml_records_read_numbers_as_text() {
        let yaml = "id: PYSEC-1\nsummary: x\naffected:\n- package:\n    ecosystem: PyPI\n    name: demo\n  ranges:\n  - type: ECOSYSTEM\n    events:\n    - introduced: 0\n    - fixed: 1.10\n  versions:\n  - 1.0\n  - '1.1'\n";
        let (a, problems) = convert(from_yaml(yaml).unwrap(), "demo/PYSEC-1.yaml").unwrap();
        assert!(problems.is_empty(), "{problems:?}");
        assert_eq!(
            a.affected[0].ranges[0].events,
            vec![Event::Introduced("0".into()), Event::Fixed("1.10".into())]
        );
        assert_eq!(
            a.affected[0].versions().collect::<Vec<_>>(),
            vec!["1.0", "1.1"]
        );
    }

    #[test]
    fn problems_name_the_record_and_the_rest_is_kept() {
        let json = r#"{"id": "X-1", "affected": [
          {"package": {"ecosystem": "PyPI", "name": "a"}, "ranges": [
            {"type": "WEIRD", "events": [{"introduced": "0"}]},
            {"type": "ECOSYSTEM", "events": [{"introduced": "0", "fixed": "1"}, {"introduced": "0"}]}]},
          {"ranges": []},
          {"package": {"ecosystem": "PyPI", "name": "b"}, "versions": ["1.0"]}]}"#;
        let (a, problems) = convert(from_json(json.as_bytes()).unwrap(), "x.json").unwrap();
        assert_eq!(problems.len(), 3, "{problems:?}");
        assert!(
            problems[0]
                .contains("X-1: affected[0] (a) ranges[0] has the unknown range type `WEIRD`")
        );
        assert!(problems[1].contains("exactly one of"));
        assert!(problems[2].contains("affected[1] names no package"));
        assert_eq!(a.affected.len(), 2);
        assert_eq!(a.affected[1].versions().collect::<Vec<_>>(), vec!["1.0"]);
        assert!(convert(from_json(br#"{"summary": "no id"}"#).unwrap(), "y.json").is_err());
        assert!(
            from_json(b"{not json")
                .unwrap_err()
                .message()
                .contains("not an OSV record (JSON)")
        );
    }

    #[test]
    fn summaries_fall_back_to_the_first_sentence() {
        assert_eq!(first_sentence("\n# Title\n\nBody."), "Title");
        assert_eq!(
            first_sentence("A flaw was found. More text follows."),
            "A flaw was found."
        );
    }
}
