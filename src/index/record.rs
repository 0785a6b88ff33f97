//! One line of an index file: a decision about some versions of a package
//! (docs/index-format.md, "Records"), how lines are checked, and which line is in force for a
//! version.

use super::layout::{PackageId, split_purl};
use crate::diagnostic::Location;
use crate::licence::{Curation, NOASSERTION, PinnedFile};
use crate::model::PackageSpec;
use serde::{Deserialize, Serialize};
use std::fmt;

/// What the reviewers decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "kebab-case")]
pub enum Decision {
    /// The component may be used under the recorded licence.
    Approved,
    /// The component must not be used (licence unacceptable, unclear, or other reasons in
    /// `notes`).
    Rejected,
    /// A review is under way; the component is not vetted yet.
    UnderReview,
}

impl Decision {
    pub fn as_str(self) -> &'static str {
        match self {
            Decision::Approved => "approved",
            Decision::Rejected => "rejected",
            Decision::UnderReview => "under-review",
        }
    }
}

impl fmt::Display for Decision {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A licence file the decision relied on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LicenceFileHash {
    /// The path relative to the package's root, with `/`.
    pub path: String,
    /// Lower-case hex SHA-256 of the file's bytes.
    pub sha256: String,
}

/// What the decision was based on.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct RecordEvidence {
    /// Lower-case hex SHA-256 of the package archive as the registry serves it (the `.crate`
    /// file, the wheel or sdist, the tarball), when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub artefact_sha256: Option<String>,
    /// Lower-case hex SHA-512 of the package archive, when known: what npm lockfiles record
    /// (`integrity`), so that an npm package can be matched without its files.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub artefact_sha512: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub licence_files: Vec<LicenceFileHash>,
}

impl RecordEvidence {
    pub fn is_empty(&self) -> bool {
        self.artefact_sha256.is_none()
            && self.artefact_sha512.is_none()
            && self.licence_files.is_empty()
    }

    /// The archive hashes of a lockfile checksum: whichever of SHA-256 and SHA-512 it holds.
    pub fn from_checksum(checksum: Option<&str>) -> RecordEvidence {
        RecordEvidence {
            artefact_sha256: checksum.and_then(sha256_of_checksum),
            artefact_sha512: checksum.and_then(sha512_of_checksum),
            licence_files: Vec::new(),
        }
    }
}

/// One decision, as written on one line of an index file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Record {
    /// The package's purl without version, in canonical form.
    pub purl: String,
    /// The one version the decision is about (exactly one of `version` and `versions`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// The versions the decision is about, as a requirement in Cargo's semver syntax
    /// (`>=1.2, <2`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub versions: Option<String>,
    pub decision: Decision,
    /// The concluded licence, an SPDX expression (`NOASSERTION` only for decisions other than
    /// `approved`).
    pub licence: String,
    pub reviewer: String,
    pub organisation: String,
    /// The day of the decision, `YYYY-MM-DD`.
    pub date: String,
    /// The day by which the decision is to be reviewed again.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub review_by: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notes: Option<String>,
    #[serde(default, skip_serializing_if = "RecordEvidence::is_empty")]
    pub evidence: RecordEvidence,
    /// VEX statements about vulnerabilities of the versions the record covers
    /// (docs/index-format.md, "VEX statements").
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub vex: Vec<super::vex::VexStatement>,
    /// Why an approval was published without evidence (no archive hash, no licence file):
    /// the reviewer's own words, required by `publish` for such an approval.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub no_evidence: Option<String>,
    /// SSH signatures over the record's canonical form (src/index/signature.rs); the first
    /// by the reviewer, further ones by the co-signers of a four-eyes approval.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub signatures: Vec<super::signature::RecordSignature>,
}

/// Which versions a record covers.
#[derive(Debug, Clone, PartialEq)]
pub enum VersionSpec {
    /// One version, compared as written.
    Exact(String),
    /// A range in Cargo's semver syntax.
    Range(semver::VersionReq),
}

impl VersionSpec {
    /// Whether the spec covers `version`. An exact spec compares the text; a range covers the
    /// versions that read as semver (a leading `v` dropped, `1` and `1.2` read as `1.0.0` and
    /// `1.2.0`); other versions are covered by exact lines only.
    pub fn covers(&self, version: &str) -> bool {
        match self {
            VersionSpec::Exact(v) => v == version,
            VersionSpec::Range(req) => lenient_semver(version).is_some_and(|v| req.matches(&v)),
        }
    }
}

/// A version read as semver where it reasonably can be.
pub fn lenient_semver(version: &str) -> Option<semver::Version> {
    let v = version.trim();
    let v = v.strip_prefix(['v', 'V']).unwrap_or(v);
    if let Ok(parsed) = semver::Version::parse(v) {
        return Some(parsed);
    }
    let parts: Vec<&str> = v.split('.').collect();
    if parts.len() < 3
        && parts
            .iter()
            .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
    {
        let mut padded = parts.join(".");
        for _ in parts.len()..3 {
            padded.push_str(".0");
        }
        return semver::Version::parse(&padded).ok();
    }
    None
}

/// A record that passed its checks, with its parsed parts and where it was read.
#[derive(Debug, Clone)]
pub struct Entry {
    pub record: Record,
    pub id: PackageId,
    pub spec: VersionSpec,
    pub date: jiff::civil::Date,
    /// The 1-based line in its file.
    pub line: usize,
    /// What the record's signatures sign (its canonical form, from the line as written);
    /// `None` for an unsigned record.
    pub signed: Option<std::sync::Arc<[u8]>>,
}

/// A problem with one line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineProblem {
    pub line: usize,
    pub message: String,
}

impl Record {
    /// The versions, parsed. `Err` when neither or both of `version` and `versions` are set or
    /// the range does not parse.
    pub fn version_spec(&self) -> Result<VersionSpec, String> {
        match (&self.version, &self.versions) {
            (Some(_), Some(_)) => Err("has both `version` and `versions`; give one".to_string()),
            (None, None) => Err("has neither `version` nor `versions`".to_string()),
            (Some(v), None) => {
                if v.trim().is_empty() || v.trim() != v || v.chars().any(char::is_control) {
                    Err(format!(
                        "`version` {v:?} is empty or has surrounding spaces or control characters"
                    ))
                } else {
                    Ok(VersionSpec::Exact(v.clone()))
                }
            }
            (None, Some(range)) => semver::VersionReq::parse(range)
                .map(VersionSpec::Range)
                .map_err(|e| format!("`versions` `{range}` is not a version requirement: {e}")),
        }
    }

    /// The same record apart from its signatures (what a co-signer signs again).
    pub fn same_decision(&self, other: &Record) -> bool {
        let mut a = self.clone();
        a.signatures.clear();
        let mut b = other.clone();
        b.signatures.clear();
        a == b
    }

    /// `version` or `versions`, as written.
    pub fn versions_text(&self) -> &str {
        self.version
            .as_deref()
            .or(self.versions.as_deref())
            .unwrap_or_default()
    }

    /// Checks every field; returns the parsed record or every problem found.
    pub fn check(&self, line: usize) -> Result<Entry, Vec<String>> {
        let mut problems = Vec::new();
        let id = match split_purl(&self.purl) {
            Ok((id, None)) => {
                let canonical = id.purl();
                if canonical != self.purl {
                    problems.push(format!(
                        "`purl` `{}` is not in canonical form; write `{canonical}`",
                        self.purl
                    ));
                }
                Some(id)
            }
            Ok((_, Some(v))) => {
                problems.push(format!(
                    "`purl` `{}` carries the version `{v}`; give the purl without version and the version in `version`",
                    self.purl
                ));
                None
            }
            Err(e) => {
                problems.push(format!("`purl`: {e}"));
                None
            }
        };
        let spec = self.version_spec().map_err(|e| problems.push(e)).ok();
        if let Err(e) = check_licence(&self.licence, self.decision) {
            problems.push(e);
        }
        for (field, value) in [
            ("reviewer", &self.reviewer),
            ("organisation", &self.organisation),
        ] {
            if value.trim().is_empty() {
                problems.push(format!("`{field}` is empty"));
            } else if value.chars().any(char::is_control) {
                problems.push(format!("`{field}` contains control characters"));
            }
        }
        let date = parse_date(&self.date)
            .map_err(|e| problems.push(format!("`date`: {e}")))
            .ok();
        if let Some(review_by) = &self.review_by {
            match parse_date(review_by) {
                Ok(r) => {
                    if date.is_some_and(|d| r <= d) {
                        problems.push(format!(
                            "`review-by` {review_by} is not after `date` {}",
                            self.date
                        ));
                    }
                }
                Err(e) => problems.push(format!("`review-by`: {e}")),
            }
        }
        match &self.no_evidence {
            Some(reason) if reason.trim().is_empty() => {
                problems.push("`no-evidence` is empty; give the reason".to_string());
            }
            Some(_) if !self.evidence.is_empty() => problems.push(
                "has `evidence` and `no-evidence`; a record with evidence needs no reason for lacking it"
                    .to_string(),
            ),
            _ => {}
        }
        for (i, signature) in self.signatures.iter().enumerate() {
            if !signature.key.starts_with("SHA256:") {
                problems.push(format!(
                    "`signatures[{i}].key` `{}` is not a SHA256: fingerprint",
                    signature.key
                ));
            }
        }
        if let Some(artefact) = &self.evidence.artefact_sha256
            && !is_sha256(artefact)
        {
            problems.push(format!(
                "`evidence.artefact-sha256` `{artefact}` is not 64 lower-case hex digits"
            ));
        }
        if let Some(artefact) = &self.evidence.artefact_sha512
            && !is_hex_digest(artefact, 128)
        {
            problems.push(format!(
                "`evidence.artefact-sha512` `{artefact}` is not 128 lower-case hex digits"
            ));
        }
        let mut seen = std::collections::BTreeSet::new();
        for file in &self.evidence.licence_files {
            if let Err(e) = check_relative_path(&file.path) {
                problems.push(format!(
                    "`evidence.licence-files` path `{}`: {e}",
                    file.path.escape_debug()
                ));
            }
            if !seen.insert(file.path.as_str()) {
                problems.push(format!(
                    "`evidence.licence-files` names `{}` twice",
                    file.path
                ));
            }
            if !is_sha256(&file.sha256) {
                problems.push(format!(
                    "`evidence.licence-files` sha256 of `{}` is not 64 lower-case hex digits",
                    file.path
                ));
            }
        }
        problems.extend(super::vex::check(&self.vex));
        match (id, spec, date) {
            (Some(id), Some(spec), Some(date)) if problems.is_empty() => Ok(Entry {
                record: self.clone(),
                id,
                spec,
                date,
                line,
                signed: None,
            }),
            _ => Err(problems),
        }
    }

    /// The record as one line of JSON, without the newline.
    pub fn to_line(&self) -> String {
        // A struct of strings always serialises.
        serde_json::to_string(self).unwrap_or_default()
    }

    /// The record's licence and licence-file evidence as a curation for the package
    /// `name` at `version` (the name as the audit's package carries it), or `None` when the
    /// record concludes no licence (`NOASSERTION`). The curation applies only while the
    /// pinned files keep their hashes; a record without licence-file evidence pins nothing,
    /// and such a curation always applies.
    pub fn curation(
        &self,
        name: &str,
        version: &str,
        source: Location,
        verified_archive: bool,
    ) -> Option<Curation> {
        if self.licence == NOASSERTION {
            return None;
        }
        let ecosystem = split_purl(&self.purl).ok().map(|(id, _)| id.ecosystem);
        Some(Curation {
            spec: PackageSpec {
                ecosystem,
                name: name.to_string(),
                exact_version: Some(version.to_string()),
                requirement: None,
                text: format!("{}@{version}", self.purl),
            },
            expression: self.licence.clone(),
            files: self
                .evidence
                .licence_files
                .iter()
                .map(|f| PinnedFile {
                    path: f.path.clone(),
                    sha256: f.sha256.clone(),
                })
                .collect(),
            // The notes stay with the record (reports show them with the vetting).
            reason: Some(format!(
                "{} by {}, {} on {}",
                self.decision, self.reviewer, self.organisation, self.date
            )),
            source,
            origin: crate::licence::CurationOrigin::Index { verified_archive },
        })
    }

    /// Compares the recorded archive hashes with a package's checksum as its lockfile records
    /// it (hex, `sha256:<hex>`, or SRI `sha256-<base64>` / `sha512-<base64>`, several SRI
    /// hashes separated by spaces). Every algorithm both sides have must agree.
    pub fn artefact_check(&self, checksum: Option<&str>) -> ArtefactCheck {
        let evidence = &self.evidence;
        if evidence.artefact_sha256.is_none() && evidence.artefact_sha512.is_none() {
            return ArtefactCheck::NotRecorded;
        }
        let actual = RecordEvidence::from_checksum(checksum);
        let mut compared = false;
        for (recorded, actual) in [
            (&evidence.artefact_sha256, actual.artefact_sha256),
            (&evidence.artefact_sha512, actual.artefact_sha512),
        ] {
            if let (Some(recorded), Some(actual)) = (recorded, actual) {
                if *recorded != actual {
                    return ArtefactCheck::Differs { actual };
                }
                compared = true;
            }
        }
        if compared {
            ArtefactCheck::Matches
        } else {
            ArtefactCheck::Unknown
        }
    }
}

/// How a package's archive compares with the hash its record pins.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ArtefactCheck {
    /// The record pins no archive hash.
    NotRecorded,
    /// The package's checksum is not a SHA-256 (or unknown), so it cannot be compared.
    Unknown,
    Matches,
    /// The package is not the archive that was reviewed.
    Differs {
        actual: String,
    },
}

/// The lower-case hex SHA-256 in a lockfile checksum, if it holds one.
pub fn sha256_of_checksum(checksum: &str) -> Option<String> {
    digest_of_checksum(checksum, "sha256", 32)
}

/// The lower-case hex SHA-512 in a lockfile checksum (npm's `integrity`), if it holds one.
pub fn sha512_of_checksum(checksum: &str) -> Option<String> {
    digest_of_checksum(checksum, "sha512", 64)
}

/// The digest of `algorithm` (`bytes` long) in a checksum: bare hex, `<algorithm>:<hex>`, or
/// an SRI `<algorithm>-<base64>` among space-separated SRI hashes.
fn digest_of_checksum(checksum: &str, algorithm: &str, bytes: usize) -> Option<String> {
    checksum.split_whitespace().find_map(|token| {
        let lower = token.to_ascii_lowercase();
        if is_hex_digest(&lower, bytes * 2) {
            return Some(lower);
        }
        if let Some(hex) = lower.strip_prefix(&format!("{algorithm}:"))
            && is_hex_digest(hex, bytes * 2)
        {
            return Some(hex.to_string());
        }
        let b64 = token.strip_prefix(&format!("{algorithm}-"))?;
        use base64::Engine as _;
        let decoded = base64::engine::general_purpose::STANDARD.decode(b64).ok()?;
        (decoded.len() == bytes).then(|| hex::encode(decoded))
    })
}

/// 64 lower-case hex digits.
pub fn is_sha256(text: &str) -> bool {
    is_hex_digest(text, 64)
}

/// `len` lower-case hex digits.
fn is_hex_digest(text: &str, len: usize) -> bool {
    text.len() == len && text.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

/// A `YYYY-MM-DD` date.
pub fn parse_date(text: &str) -> Result<jiff::civil::Date, String> {
    let well_formed = text.len() == 10
        && text.bytes().enumerate().all(|(i, b)| {
            if i == 4 || i == 7 {
                b == b'-'
            } else {
                b.is_ascii_digit()
            }
        });
    if !well_formed {
        return Err(format!("`{text}` is not a date written YYYY-MM-DD"));
    }
    text.parse::<jiff::civil::Date>()
        .map_err(|_| format!("`{text}` is not a valid date"))
}

/// A valid SPDX expression (strict: ids of the SPDX list or `LicenseRef-`, no deprecated
/// ids); `NOASSERTION` only for decisions other than approval.
pub fn check_licence(licence: &str, decision: Decision) -> Result<(), String> {
    if licence == NOASSERTION {
        return if decision == Decision::Approved {
            Err("`licence` is NOASSERTION; an approval needs a concluded licence".to_string())
        } else {
            Ok(())
        };
    }
    if licence.trim() != licence || licence.is_empty() {
        return Err(format!(
            "`licence` {licence:?} is empty or has surrounding spaces"
        ));
    }
    spdx::Expression::parse(licence)
        .map(|_| ())
        .map_err(|e| format!("`licence` `{licence}` is not a valid SPDX expression: {e}"))
}

/// A path inside a package: relative, `/`-separated, no `.`/`..`/empty elements, no NUL or
/// backslash.
pub fn check_relative_path(path: &str) -> Result<(), String> {
    if path.is_empty() {
        return Err("it is empty".to_string());
    }
    if path.starts_with('/') || path.contains(':') {
        return Err("it is absolute".to_string());
    }
    if path.contains('\\') || path.chars().any(char::is_control) {
        return Err("it contains a backslash or control characters".to_string());
    }
    if path
        .split('/')
        .any(|s| s.is_empty() || s == "." || s == "..")
    {
        return Err("it has an empty, `.` or `..` element".to_string());
    }
    Ok(())
}

/// The lines of a file, parsed and checked one by one. Blank lines are skipped (verify
/// reports them). Each problem names its 1-based line.
pub fn parse_lines(text: &str) -> (Vec<Entry>, Vec<LineProblem>) {
    let mut entries = Vec::new();
    let mut problems = Vec::new();
    for (index, line) in text.split('\n').enumerate() {
        let number = index + 1;
        let line = line.strip_suffix('\r').unwrap_or(line);
        if line.trim().is_empty() {
            continue;
        }
        match serde_json::from_str::<Record>(line) {
            Ok(record) => match record.check(number) {
                Ok(mut entry) if !entry.record.signatures.is_empty() => {
                    match super::signature::signed_bytes_of_line(line) {
                        Ok(bytes) => {
                            entry.signed = Some(bytes.into());
                            entries.push(entry);
                        }
                        Err(message) => problems.push(LineProblem {
                            line: number,
                            message: format!("cannot be signed: {message}"),
                        }),
                    }
                }
                Ok(entry) => entries.push(entry),
                Err(messages) => problems.extend(messages.into_iter().map(|message| LineProblem {
                    line: number,
                    message,
                })),
            },
            Err(e) => problems.push(LineProblem {
                line: number,
                message: format!("not a valid record: {e}"),
            }),
        }
    }
    (entries, problems)
}

/// The records of `entries` about `id` that cover `version`, newest first: the first is in
/// force (the last covering line of the file), the rest are superseded by it.
pub fn covering<'a>(entries: &'a [Entry], id: &PackageId, version: &str) -> Vec<&'a Entry> {
    let mut found: Vec<&Entry> = entries
        .iter()
        .filter(|e| &e.id == id && e.spec.covers(version))
        .collect();
    found.reverse();
    found
}

/// Pairs of lines that contradict or repeat each other: the same package and the same
/// `version` or `versions` text on the same date, with a different decision or licence
/// (contradictory) or the same ones (duplicate). Returns (earlier line, later line, message).
pub fn conflicts(entries: &[Entry]) -> Vec<(usize, usize, String)> {
    let mut out = Vec::new();
    for (i, a) in entries.iter().enumerate() {
        for b in &entries[i + 1..] {
            if a.id != b.id
                || a.record.date != b.record.date
                || a.record.version != b.record.version
                || a.record.versions != b.record.versions
            {
                continue;
            }
            let what = match a.record.version.as_deref() {
                Some(v) => format!("version {v}"),
                None => format!("versions `{}`", a.record.versions_text()),
            };
            if a.record.same_decision(&b.record)
                && b.record.signatures.len() > a.record.signatures.len()
            {
                // A co-signature: the same record, signed by more people.
                if let Some(dropped) = a
                    .record
                    .signatures
                    .iter()
                    .find(|s| !b.record.signatures.contains(s))
                {
                    out.push((
                        a.line,
                        b.line,
                        format!(
                            "repeats line {} with more signatures but without its signature by {}; a co-signature keeps every earlier signature",
                            a.line, dropped.key
                        ),
                    ));
                }
                continue;
            }
            if a.record.decision != b.record.decision || a.record.licence != b.record.licence {
                out.push((
                    a.line,
                    b.line,
                    format!(
                        "contradicts line {}: {what} of {} was decided `{}` ({}) and `{}` ({}) on the same day {}",
                        a.line,
                        a.id,
                        a.record.decision,
                        a.record.licence,
                        b.record.decision,
                        b.record.licence,
                        a.record.date
                    ),
                ));
            } else if a.record.vex == b.record.vex {
                out.push((
                    a.line,
                    b.line,
                    format!(
                        "repeats line {}: the same decision about {what} of {} on the same day",
                        a.line, a.id
                    ),
                ));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn archive_hashes_are_read_from_every_checksum_notation() {
        use base64::Engine as _;
        let sha512 = [7u8; 64];
        let sri = format!(
            "sha512-{}",
            base64::engine::general_purpose::STANDARD.encode(sha512)
        );
        let hex512 = hex::encode(sha512);
        // npm may list several SRI hashes; the SHA-1 one is not an archive hash fundament pins.
        let several = format!("sha1-qUmvDyI2iVSJjvqvoOhvKgGoh/Q= {sri}");
        assert_eq!(
            sha512_of_checksum(&several).as_deref(),
            Some(hex512.as_str())
        );
        assert_eq!(
            sha512_of_checksum(&hex512.to_uppercase()).as_deref(),
            Some(hex512.as_str())
        );
        assert_eq!(sha256_of_checksum(&several), None);
        let hex256 = "ab".repeat(32);
        assert_eq!(
            sha256_of_checksum(&format!("sha256:{hex256}")).as_deref(),
            Some(hex256.as_str())
        );
        assert_eq!(
            sha512_of_checksum(&hex256),
            None,
            "a SHA-256 is not a SHA-512"
        );

        let mut r: Record = serde_json::from_str(
            r#"{"purl":"pkg:npm/ms","version":"2.1.3","decision":"approved","licence":"MIT","reviewer":"A","organisation":"O","date":"2026-01-01"}"#,
        )
        .unwrap();
        assert_eq!(r.artefact_check(Some(&sri)), ArtefactCheck::NotRecorded);
        r.evidence.artefact_sha512 = Some(hex512.clone());
        assert_eq!(r.artefact_check(Some(&several)), ArtefactCheck::Matches);
        assert_eq!(r.artefact_check(Some(&hex256)), ArtefactCheck::Unknown);
        assert!(matches!(
            r.artefact_check(Some(&"cd".repeat(64))),
            ArtefactCheck::Differs { .. }
        ));
        r.evidence.artefact_sha512 = Some("AB".repeat(64));
        assert!(r.check(1).unwrap_err()[0].contains("artefact-sha512"));
    }

    fn line(extra: &str) -> String {
        format!(
            r#"{{"purl":"pkg:cargo/serde","decision":"approved","licence":"MIT OR Apache-2.0","reviewer":"A","organisation":"O","date":"2026-01-02"{extra}}}"#
        )
    }

    #[test]
    fn valid_lines_parse_and_invalid_ones_name_their_problems() {
        let text = [
            line(r#","version":"1.0.0""#),
            line(r#","versions":">=1, <2""#),
            String::new(),
            line(""),
            line(r#","version":"1.0.0","licence2":"x""#),
            r#"{"purl":"pkg:cargo/Serde","version":"1","decision":"approved","licence":"GPL-2.0","reviewer":" ","organisation":"O","date":"2026-1-2","evidence":{"artefact-sha256":"ABC"}}"#.to_string(),
        ]
        .join("\n");
        let (entries, problems) = parse_lines(&text);
        assert_eq!(entries.len(), 2);
        assert_eq!(entries[1].line, 2);
        let lines: Vec<usize> = problems.iter().map(|p| p.line).collect();
        assert_eq!(lines, vec![4, 5, 6, 6, 6, 6, 6]);
        let six: Vec<&str> = problems
            .iter()
            .filter(|p| p.line == 6)
            .map(|p| p.message.as_str())
            .collect();
        assert!(six[0].contains("canonical form; write `pkg:cargo/serde`"));
        assert!(six[1].contains("not a valid SPDX expression"));
        assert!(six[2].contains("`reviewer` is empty"));
        assert!(six[3].contains("not a date"));
        assert!(six[4].contains("artefact-sha256"));
    }

    #[test]
    fn the_last_covering_line_is_in_force() {
        let text = [
            line(r#","versions":">=1, <2""#),
            line(r#","version":"1.0.5","decision":"rejected""#)
                .replace(r#""decision":"approved","#, ""),
            line(r#","versions":"^1.0.4""#).replace("2026-01-02", "2026-02-01"),
        ]
        .join("\n");
        let (entries, problems) = parse_lines(&text);
        assert!(problems.is_empty(), "{problems:?}");
        let id = PackageId::from_purl("pkg:cargo/serde").unwrap();
        let lines =
            |v: &str| -> Vec<usize> { covering(&entries, &id, v).iter().map(|e| e.line).collect() };
        assert_eq!(lines("1.0.5"), vec![3, 2, 1]);
        assert_eq!(lines("1.0.0"), vec![1]);
        assert_eq!(lines("2.0.0"), Vec::<usize>::new());
    }

    #[test]
    fn ranges_cover_lenient_versions_only() {
        let range = VersionSpec::Range(semver::VersionReq::parse(">=1.2, <2").unwrap());
        assert!(range.covers("v1.8.0"));
        assert!(range.covers("1.2"));
        assert!(!range.covers("1"));
        assert!(!range.covers("1.5.0.post1"));
        assert!(!range.covers("2.0.0"));
        assert!(VersionSpec::Exact("1.5.0.post1".into()).covers("1.5.0.post1"));
    }

    #[test]
    fn same_day_lines_for_one_version_conflict() {
        let text = [
            line(r#","version":"1.0.0""#),
            line(r#","version":"1.0.0""#),
            line(r#","version":"1.0.0","licence":"MIT""#)
                .replace(r#""licence":"MIT OR Apache-2.0","#, ""),
            line(r#","version":"1.0.0""#).replace("2026-01-02", "2026-01-03"),
        ]
        .join("\n");
        let (entries, _) = parse_lines(&text);
        let found = conflicts(&entries);
        let pairs: Vec<(usize, usize)> = found.iter().map(|(a, b, _)| (*a, *b)).collect();
        assert_eq!(pairs, vec![(1, 2), (1, 3), (2, 3)]);
        assert!(found[0].2.starts_with("repeats line 1"));
        assert!(found[1].2.starts_with("contradicts line 1"));
    }

    #[test]
    fn checksums_are_read_as_sha256_where_they_are() {
        let hex = "a".repeat(64);
        assert_eq!(sha256_of_checksum(&hex), Some(hex.clone()));
        assert_eq!(sha256_of_checksum(&format!("sha256:{hex}")), Some(hex));
        assert_eq!(sha256_of_checksum("sha512-abc"), None);
    }
}
