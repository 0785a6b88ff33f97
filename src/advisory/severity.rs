//! How severe a vulnerability is: CVSS v2, v3.x and v4 vectors scored with the `cvss` crate
//! (the scoring RustSec maintains), else the database's own severity word.
//!
//! When the records of one vulnerability (its aliases in several databases) carry several
//! ratings, the highest score counts: fundament does not pick the kinder reading.

use super::db::{Score, ScoreKind};
use serde::{Deserialize, Serialize};
use std::fmt;

/// The qualitative rating of CVSS v3.1 and v4.0 (§5 and §6 of their specifications).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    None,
    Low,
    Medium,
    High,
    Critical,
}

impl Level {
    pub const ALL: [Level; 5] = [
        Level::Critical,
        Level::High,
        Level::Medium,
        Level::Low,
        Level::None,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Level::None => "none",
            Level::Low => "low",
            Level::Medium => "medium",
            Level::High => "high",
            Level::Critical => "critical",
        }
    }

    pub fn parse(text: &str) -> Option<Level> {
        match text.trim().to_ascii_lowercase().as_str() {
            "none" => Some(Level::None),
            "low" => Some(Level::Low),
            "medium" | "moderate" => Some(Level::Medium),
            "high" => Some(Level::High),
            "critical" => Some(Level::Critical),
            _ => None,
        }
    }

    fn of_cvss(severity: cvss::Severity) -> Level {
        match severity {
            cvss::Severity::None => Level::None,
            cvss::Severity::Low => Level::Low,
            cvss::Severity::Medium => Level::Medium,
            cvss::Severity::High => Level::High,
            cvss::Severity::Critical => Level::Critical,
        }
    }
}

impl fmt::Display for Level {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A vulnerability's severity, and what it rests on.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Rating {
    /// `None` when no record rates it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub level: Option<Level>,
    /// The CVSS base score, when a vector was scored.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub score: Option<f64>,
    /// `CVSSv2`, `CVSSv3`, `CVSSv31`, `CVSSv4`, or `database` for a severity word.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub method: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub vector: Option<String>,
    /// The record the rating comes from.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
}

impl Rating {
    pub const UNKNOWN: Rating = Rating {
        level: None,
        score: None,
        method: None,
        vector: None,
        source: None,
    };
}

/// A CVSS vector scored: (score, level, method).
pub fn score_vector(score: &Score) -> Result<(f64, Level, &'static str), String> {
    if let ScoreKind::Other(kind) = &score.kind {
        return Err(format!("severity type `{kind}` is not a CVSS vector"));
    }
    let parsed: cvss::Cvss = score
        .vector
        .parse()
        .map_err(|e| format!("the CVSS vector `{}` cannot be read: {e}", score.vector))?;
    let method = match &parsed {
        cvss::Cvss::CvssV20(_) => "CVSSv2",
        cvss::Cvss::CvssV30(_) => "CVSSv3",
        cvss::Cvss::CvssV31(_) => "CVSSv31",
        cvss::Cvss::CvssV40(_) => "CVSSv4",
        _ => "CVSS",
    };
    Ok((parsed.score(), Level::of_cvss(parsed.severity()), method))
}

/// The rating of a vulnerability from its records: `(record id, scores, database word)` for
/// each. Returns the rating and the vectors that could not be read.
pub fn rate<'a>(
    records: impl IntoIterator<Item = (&'a str, &'a [Score], Option<&'a str>)>,
) -> (Rating, Vec<String>) {
    let mut best: Option<Rating> = None;
    let mut word: Option<Rating> = None;
    let mut problems = Vec::new();
    for (id, scores, database) in records {
        for score in scores {
            match score_vector(score) {
                Ok((value, level, method)) => {
                    if best
                        .as_ref()
                        .is_none_or(|b| b.score.is_some_and(|s| value > s))
                    {
                        best = Some(Rating {
                            level: Some(level),
                            score: Some(value),
                            method: Some(method.to_string()),
                            vector: Some(score.vector.clone()),
                            source: Some(id.to_string()),
                        });
                    }
                }
                Err(e) => {
                    if !matches!(score.kind, ScoreKind::Other(_)) {
                        problems.push(format!("{id}: {e}"));
                    }
                }
            }
        }
        if let Some(level) = database.and_then(Level::parse)
            && word.as_ref().is_none_or(|w| w.level < Some(level))
        {
            word = Some(Rating {
                level: Some(level),
                score: None,
                method: Some("database".to_string()),
                vector: None,
                source: Some(id.to_string()),
            });
        }
    }
    (best.or(word).unwrap_or(Rating::UNKNOWN), problems)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cvss(vector: &str) -> Score {
        Score {
            kind: if vector.starts_with("CVSS:4") {
                ScoreKind::CvssV4
            } else {
                ScoreKind::CvssV3
            },
            vector: vector.to_string(),
        }
    }

    #[test]
    fn vectors_are_scored_and_the_highest_counts() {
        let low = [cvss("CVSS:3.1/AV:N/AC:H/PR:H/UI:R/S:U/C:L/I:N/A:N")];
        let critical = [cvss("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H")];
        let (rating, problems) = rate([
            ("PYSEC-1", &low[..], None),
            ("GHSA-1", &critical[..], Some("LOW")),
        ]);
        assert!(problems.is_empty());
        assert_eq!(rating.level, Some(Level::Critical));
        assert_eq!(rating.score, Some(9.8));
        assert_eq!(rating.method.as_deref(), Some("CVSSv31"));
        assert_eq!(rating.source.as_deref(), Some("GHSA-1"));

        let v4 = [cvss(
            "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N",
        )];
        let (rating, _) = rate([("GHSA-2", &v4[..], None)]);
        assert_eq!(rating.level, Some(Level::Critical));
        assert_eq!(rating.method.as_deref(), Some("CVSSv4"));
    }

    #[test]
    fn database_words_are_the_fallback_and_bad_vectors_are_named() {
        let bad = [cvss("CVSS:3.1/AV:X")];
        let (rating, problems) = rate([("GHSA-3", &bad[..], Some("MODERATE"))]);
        assert_eq!(rating.level, Some(Level::Medium));
        assert_eq!(rating.method.as_deref(), Some("database"));
        assert_eq!(problems.len(), 1);
        assert!(problems[0].starts_with("GHSA-3: the CVSS vector"));
        let (rating, _) = rate([("GO-1", &[][..], None)]);
        assert_eq!(rating, Rating::UNKNOWN);
    }
}
