//! `--format spdx`: the audit as an SPDX 2.3 JSON document.
//!
//! **Document.** `spdxVersion: "SPDX-2.3"`, `dataLicense: "CC0-1.0"`, `SPDXID:
//! "SPDXRef-DOCUMENT"`, `name` (the audited directory's name) and a deterministic
//! `documentNamespace` on the pattern the SPDX specification recommends,
//! `https://spdx.org/spdxdocs/fundament-<name>-<uuid>`, where the UUID is derived from the
//! audit's content exactly like the CycloneDX serial number (the same audit gives the same
//! namespace). `creationInfo.created` is the audit's `created` time, the creator is
//! `Tool: fundament-<version>`, `licenseListVersion` the SPDX licence list fundament was built
//! with. SPDX 2.3 has no field for the SBOM author's contact; fundament does not know it and does
//! not invent an `Organization:` or `Person:` creator.
//!
//! **Packages**, one per audited package in the audit's order: `SPDXID`
//! `SPDXRef-Package-<ecosystem>-<name>-<version>` with every character outside `[A-Za-z0-9.-]`
//! replaced by `-` (and `-<index>` appended in the rare case two packages give the same id),
//! `name`, `versionInfo`, `packageFileName` (the archive file name of a recorded download URL,
//! as in the CycloneDX report), `supplier: NOASSERTION` (the audit does not know suppliers),
//! `downloadLocation` (the registry or download URL the lockfile recorded, `git+<url>` for git
//! sources, else `NOASSERTION`), `filesAnalyzed: false`, `checksums` (the lockfile checksum
//! decoded as in the CycloneDX report), `licenseConcluded` (the audit's concluded expression,
//! `NOASSERTION` when unknown), `licenseDeclared` (the first declared licence fundament could
//! read as an SPDX expression, else `NOASSERTION`; an imported SBOM's concluded licence does not
//! count as declared), `licenseComments` (how the licence was concluded and, where the policy chose among OR
//! alternatives, the effective licence of TR-03183-2, for which SPDX 2.3 has no field),
//! `copyrightText: NOASSERTION`, the purl as an `externalRefs` entry (`PACKAGE-MANAGER`, `purl`)
//! and `primaryPackagePurpose` (`APPLICATION` for the audited project's own packages, `LIBRARY`
//! for the others).
//!
//! **Vetting.** A package about which an index of vetted components has a decision carries one
//! `annotations` entry of type `REVIEW`: the `annotator` is `Organization: <organisation>` (the
//! reviewers' organisation, which the decision is made for), or `Person: <reviewer>` when the
//! record names no organisation; `annotationDate` is the record's date at `T00:00:00Z` (a record
//! has a day, not a time); the `comment` gives the decision, the index (with its URL and commit
//! for git and HTTP indices) and the record's file and line, the reviewer, the versions the
//! decision covers, the recorded licence and whether the audit used it, the archive check, the
//! review-by date, the notes, and the package's vetting status in this audit (which differs from
//! the decision for an approval of another archive).
//!
//! **Relationships.** The document `DESCRIBES` each root package (or, without roots, each
//! package nothing depends on). Every edge of the graph becomes one relationship, read from the
//! dependent package: normal edges `A DEPENDS_ON B`; build edges `B BUILD_DEPENDENCY_OF A`; dev
//! edges `B DEV_DEPENDENCY_OF A`; optional edges `B OPTIONAL_DEPENDENCY_OF A`; peer edges `B
//! PROVIDED_DEPENDENCY_OF A` (a peer dependency is provided by whoever uses A).
//!
//! **Licence references.** Every `LicenseRef-` used in a declared or concluded licence is defined
//! in `hasExtractedLicensingInfos`: `LicenseRef-scancode-<key>` (fundament's name for licences
//! without an SPDX id, from the ScanCode LicenseDB) is named by its ScanCode key; a reference an
//! imported SBOM defined keeps the name that SBOM gave it. The `extractedText` says where the
//! reference came from (the declared strings and their files): fundament does not have the
//! licence texts themselves. All expressions are the audit's canonical SPDX expressions
//! (deprecated ids such as `GPL-2.0` are already replaced).
//!
//! SPDX 3.0.1 (JSON-LD), which TR-03183-2 v2.1 asks for, is not written yet.

use super::cyclonedx::{
    archive_file_name, clean_url, content_uuid, declared_licences, decode_checksum, directory_name,
    index_address,
};
use crate::audit::{Audit, AuditedPackage};
use crate::licence::NOASSERTION;
use crate::model::{DepKind, PackageSource};
use crate::vet::ArchiveMatch;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::path::Path;

pub fn render(audit: &Audit) -> String {
    let document = build(audit);
    super::json::pretty(&document, "the SBOM")
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Document {
    spdx_version: &'static str,
    data_license: &'static str,
    #[serde(rename = "SPDXID")]
    spdx_id: &'static str,
    name: String,
    document_namespace: String,
    creation_info: CreationInfo,
    packages: Vec<SpdxPackage>,
    relationships: Vec<Relationship>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    has_extracted_licensing_infos: Vec<ExtractedLicence>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct CreationInfo {
    created: String,
    creators: Vec<String>,
    license_list_version: String,
    comment: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SpdxPackage {
    #[serde(rename = "SPDXID")]
    spdx_id: String,
    name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    version_info: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    package_file_name: Option<String>,
    supplier: &'static str,
    download_location: String,
    files_analyzed: bool,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    checksums: Vec<Checksum>,
    license_concluded: String,
    license_declared: String,
    license_comments: String,
    copyright_text: &'static str,
    external_refs: Vec<ExternalRef>,
    primary_package_purpose: &'static str,
    /// How the version was decided, when fundament decided it (no lockfile did).
    #[serde(skip_serializing_if = "Option::is_none")]
    comment: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    annotations: Vec<Annotation>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Annotation {
    annotation_date: String,
    annotation_type: &'static str,
    annotator: String,
    comment: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Checksum {
    algorithm: &'static str,
    checksum_value: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ExternalRef {
    reference_category: &'static str,
    reference_type: &'static str,
    reference_locator: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Relationship {
    spdx_element_id: String,
    relationship_type: &'static str,
    related_spdx_element: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ExtractedLicence {
    license_id: String,
    name: String,
    extracted_text: String,
}

fn build(audit: &Audit) -> Document {
    let ids = spdx_ids(audit);
    let declared: Vec<String> = audit
        .packages
        .iter()
        .map(|p| {
            declared_licences(p)
                .expressions
                .into_iter()
                .next()
                .unwrap_or_else(|| NOASSERTION.to_string())
        })
        .collect();
    let packages = audit
        .packages
        .iter()
        .zip(&ids)
        .zip(&declared)
        .map(|((p, id), declared)| package(audit, p, id, declared))
        .collect();
    let name = directory_name(&audit.root);
    let uuid = content_uuid(audit);
    Document {
        spdx_version: "SPDX-2.3",
        data_license: "CC0-1.0",
        spdx_id: "SPDXRef-DOCUMENT",
        document_namespace: format!(
            "https://spdx.org/spdxdocs/fundament-{}-{uuid}",
            safe_id(&name)
        ),
        creation_info: CreationInfo {
            created: audit.created.clone(),
            creators: vec![format!("Tool: {}-{}", audit.tool.name, audit.tool.version)],
            license_list_version: licence_list_version(),
            comment: format!(
                "Licence audit of {name} by {} {} under the policy {}.",
                audit.tool.name, audit.tool.version, audit.policy.name
            ),
        },
        name,
        packages,
        relationships: relationships(audit, &ids),
        has_extracted_licensing_infos: extracted_licences(audit, &declared),
    }
}

fn package(audit: &Audit, p: &AuditedPackage, id: &str, declared: &str) -> SpdxPackage {
    let package = &p.package;
    let mut comments = format!("Concluded: {}.", p.licence.concluded.explanation);
    if let Some(effective) = p
        .verdict
        .effective
        .as_deref()
        .filter(|e| *e != NOASSERTION && *e != p.licence.concluded.expression)
    {
        comments.push_str(&format!(
            " Effective licence (BSI TR-03183-2), the alternative the policy chose: {effective}."
        ));
        for choice in &p.verdict.choices {
            comments.push_str(&format!(" {choice}."));
        }
    }
    SpdxPackage {
        spdx_id: id.to_string(),
        name: package.name.clone(),
        version_info: Some(package.version.clone()).filter(|v| !v.is_empty()),
        package_file_name: archive_file_name(&package.source),
        supplier: NOASSERTION,
        download_location: download_location(&package.source),
        files_analyzed: false,
        checksums: decode_checksum(package.ecosystem, package.checksum.as_deref())
            .into_iter()
            .map(|c| Checksum {
                algorithm: c.algorithm.spdx(),
                checksum_value: c.hex,
            })
            .collect(),
        license_concluded: p.licence.concluded.expression.clone(),
        license_declared: declared.to_string(),
        license_comments: comments,
        copyright_text: NOASSERTION,
        external_refs: vec![ExternalRef {
            reference_category: "PACKAGE-MANAGER",
            reference_type: "purl",
            reference_locator: package.purl.clone(),
        }],
        primary_package_purpose: if package.root {
            "APPLICATION"
        } else {
            "LIBRARY"
        },
        comment: package.resolution.map(|r| match &package.resolved_on {
            Some(day) => format!(
                "Version {}: resolved by fundament on {day}, not locked: no lockfile fixes it, \
                 and the registry was asked as the package manager would.",
                r.as_str()
            ),
            None => format!(
                "Version {}: no lockfile fixes it; fundament resolved it from the build's \
                 declarations, as the build tool would today.",
                r.as_str()
            ),
        }),
        annotations: review_annotation(audit, &p.vetting).into_iter().collect(),
    }
}

/// The `REVIEW` annotation of a package with a decision in an index.
fn review_annotation(audit: &Audit, vetting: &crate::vet::Vetting) -> Option<Annotation> {
    let r = vetting.record.as_ref()?;
    // One line each (the annotator is a single line of text).
    let line = |text: &str| text.split_whitespace().collect::<Vec<_>>().join(" ");
    let annotator = if r.organisation.trim().is_empty() {
        format!("Person: {}", line(&r.reviewer))
    } else {
        format!("Organization: {}", line(&r.organisation))
    };
    let annotation_date = match r.date.parse::<jiff::civil::Date>() {
        Ok(day) => format!("{day}T00:00:00Z"),
        // Records are validated when read; an unreadable date falls back to the audit's time.
        Err(_) => audit.created.clone(),
    };
    let index = match index_address(audit, &r.index) {
        Some((url, Some(commit))) => format!("`{}` ({url} at commit {commit})", r.index),
        Some((url, None)) => format!("`{}` ({url})", r.index),
        None => format!("`{}`", r.index),
    };
    let mut comment = format!(
        "fundament vetting: {} in index {index}, {}:{}, by {} ({}) on {}, for versions {}.",
        r.decision, r.file, r.line, r.reviewer, r.organisation, r.date, r.versions
    );
    comment.push_str(&format!(
        " Recorded licence: {} ({}).",
        r.licence,
        if r.licence_applied {
            "the concluded licence of this document"
        } else {
            "not used for the concluded licence"
        }
    ));
    comment.push_str(match r.archive {
        ArchiveMatch::Matches => " Archive: the reviewed archive (SHA-256 matches).",
        ArchiveMatch::Differs => {
            " Archive: differs from the reviewed archive; the approval does not count."
        }
        ArchiveMatch::NotCompared => " Archive: not compared (the lockfile records no SHA-256).",
        ArchiveMatch::NotRecorded => " Archive: not pinned by the decision.",
    });
    if let Some(review_by) = &r.review_by {
        comment.push_str(&format!(" To be reviewed again by {review_by}."));
    }
    if let Some(notes) = r.notes.as_deref().filter(|n| !n.trim().is_empty()) {
        comment.push_str(&format!(" Notes: {}", line(notes)));
        if !notes.trim_end().ends_with(['.', '!', '?']) {
            comment.push('.');
        }
    }
    comment.push_str(&format!(
        " Vetting status in this audit: {}",
        vetting.status
    ));
    if !vetting.conclusive {
        comment.push_str(" (not certain: an index of higher precedence could not be read)");
    }
    comment.push('.');
    Some(Annotation {
        annotation_date,
        annotation_type: "REVIEW",
        annotator,
        comment,
    })
}

fn download_location(source: &PackageSource) -> String {
    let url = match source {
        PackageSource::Registry { url: Some(url) } | PackageSource::Url { url } => clean_url(url),
        PackageSource::Git { url } => clean_url(url).map(|u| {
            if u.starts_with("git+") || u.starts_with("git://") {
                u
            } else {
                format!("git+{u}")
            }
        }),
        PackageSource::Registry { url: None } | PackageSource::Path { .. } => None,
    };
    url.unwrap_or_else(|| NOASSERTION.to_string())
}

/// `SPDXRef-Package-<ecosystem>-<name>-<version>`, unique.
fn spdx_ids(audit: &Audit) -> Vec<String> {
    let mut seen = HashSet::new();
    audit
        .packages
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let package = &p.package;
            let base = format!(
                "SPDXRef-Package-{}-{}-{}",
                package.ecosystem.purl_type(),
                safe_id(&package.name),
                safe_id(&package.version)
            );
            if seen.insert(base.clone()) {
                base
            } else {
                let numbered = format!("{base}-{i}");
                seen.insert(numbered.clone());
                numbered
            }
        })
        .collect()
}

/// Letters, digits, `.` and `-` only (the SPDX id alphabet).
fn safe_id(text: &str) -> String {
    let out: String = text
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '.' || c == '-' {
                c
            } else {
                '-'
            }
        })
        .collect();
    if out.is_empty() { "-".to_string() } else { out }
}

fn relationships(audit: &Audit, ids: &[String]) -> Vec<Relationship> {
    let mut out = Vec::new();
    let mut described: Vec<usize> = audit
        .packages
        .iter()
        .enumerate()
        .filter(|(_, p)| p.package.root)
        .map(|(i, _)| i)
        .collect();
    if described.is_empty() {
        let mut depended_on = vec![false; audit.packages.len()];
        for p in &audit.packages {
            for d in &p.package.dependencies {
                if let Some(flag) = depended_on.get_mut(d.package) {
                    *flag = true;
                }
            }
        }
        described = (0..audit.packages.len())
            .filter(|&i| !depended_on[i])
            .collect();
    }
    for i in described {
        out.push(Relationship {
            spdx_element_id: "SPDXRef-DOCUMENT".to_string(),
            relationship_type: "DESCRIBES",
            related_spdx_element: ids[i].clone(),
        });
    }
    let mut seen = HashSet::new();
    for (from, p) in audit.packages.iter().enumerate() {
        for d in &p.package.dependencies {
            let Some(to_id) = ids.get(d.package) else {
                continue;
            };
            let from_id = &ids[from];
            let (subject, kind, object) = match d.kind {
                DepKind::Normal => (from_id, "DEPENDS_ON", to_id),
                DepKind::Build => (to_id, "BUILD_DEPENDENCY_OF", from_id),
                DepKind::Dev => (to_id, "DEV_DEPENDENCY_OF", from_id),
                DepKind::Optional => (to_id, "OPTIONAL_DEPENDENCY_OF", from_id),
                DepKind::Peer => (to_id, "PROVIDED_DEPENDENCY_OF", from_id),
            };
            if seen.insert((subject.clone(), kind, object.clone())) {
                out.push(Relationship {
                    spdx_element_id: subject.clone(),
                    relationship_type: kind,
                    related_spdx_element: object.clone(),
                });
            }
        }
    }
    out
}

/// The `LicenseRef-` ids of an expression (references to other documents are not defined here).
fn licence_refs(expression: &str) -> Vec<&str> {
    expression
        .split(|c: char| c.is_whitespace() || c == '(' || c == ')')
        .map(|t| t.trim_end_matches('+'))
        .filter(|t| t.starts_with("LicenseRef-"))
        .collect()
}

/// Every `LicenseRef-` used by a declared or concluded licence, defined.
fn extracted_licences(audit: &Audit, declared: &[String]) -> Vec<ExtractedLicence> {
    // id → the places it came from, in words.
    let mut sources: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut names: BTreeMap<String, String> = BTreeMap::new();
    for (p, declared) in audit.packages.iter().zip(declared) {
        let concluded = &p.licence.concluded.expression;
        let used: BTreeSet<&str> = licence_refs(concluded)
            .into_iter()
            .chain(licence_refs(declared))
            .collect();
        for id in used {
            let entry = sources.entry(id.to_string()).or_default();
            let mut found = false;
            for d in &p.licence.declared {
                let reads_as_id = d
                    .interpretation
                    .expression
                    .as_deref()
                    .is_some_and(|e| licence_refs(e).contains(&id));
                if !reads_as_id {
                    continue;
                }
                found = true;
                entry.insert(format!(
                    "`{}` in {} `{}`",
                    d.declared.raw.trim(),
                    short_file(&d.declared.origin.file),
                    d.declared.origin.field
                ));
                if let Some(name) = defined_name(&d.declared.origin.field, id) {
                    names.entry(id.to_string()).or_insert(name);
                }
            }
            if !found {
                entry.insert(p.licence.concluded.explanation.clone());
            }
        }
    }
    sources
        .into_iter()
        .map(|(id, places)| {
            let scancode_key = id.strip_prefix("LicenseRef-scancode-");
            let name = names
                .get(&id)
                .cloned()
                .or_else(|| scancode_key.map(str::to_string))
                .unwrap_or_else(|| id.trim_start_matches("LicenseRef-").to_string());
            const SHOWN: usize = 5;
            let mut listed: Vec<String> = places.iter().take(SHOWN).cloned().collect();
            if places.len() > SHOWN {
                listed.push(format!("and {} more", places.len() - SHOWN));
            }
            let origin = match scancode_key {
                Some(key) => format!(
                    "A licence without an SPDX identifier, named after its ScanCode LicenseDB key `{key}`."
                ),
                None => "A licence reference without an SPDX identifier.".to_string(),
            };
            ExtractedLicence {
                extracted_text: format!(
                    "{origin} The licence text is not part of this document; fundament read the reference from: {}.",
                    listed.join("; ")
                ),
                license_id: id,
                name,
            }
        })
        .collect()
}

/// The name an imported SPDX document gave a licence reference: the SBOM reader records it in
/// the origin's field as `LicenseRef-x is "<name>", defined in ...`.
fn defined_name(field: &str, id: &str) -> Option<String> {
    let marker = format!("{id} is \"");
    let start = field.find(&marker)? + marker.len();
    let rest = &field[start..];
    let end = rest.find('"')?;
    Some(rest[..end].to_string()).filter(|n| !n.trim().is_empty())
}

/// A file outside the audited tree is named by its file name only.
fn short_file(file: &str) -> String {
    let path = Path::new(file);
    if path.is_absolute() {
        path.file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| file.to_string())
    } else {
        file.to_string()
    }
}

/// `3.29` for the SPDX licence list 3.29.0 fundament was built with.
fn licence_list_version() -> String {
    let mut parts = spdx::identifiers::VERSION.split('.');
    match (parts.next(), parts.next()) {
        (Some(major), Some(minor)) => format!("{major}.{minor}"),
        _ => spdx::identifiers::VERSION.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_use_the_spdx_alphabet() {
        assert_eq!(safe_id("@angular/core"), "-angular-core");
        assert_eq!(safe_id("1.2.3+build"), "1.2.3-build");
        assert_eq!(safe_id(""), "-");
    }

    #[test]
    fn licence_refs_are_found_in_expressions() {
        assert_eq!(
            licence_refs("MIT AND (LicenseRef-scancode-public-domain OR LicenseRef-x+)"),
            vec!["LicenseRef-scancode-public-domain", "LicenseRef-x"]
        );
        assert!(licence_refs("DocumentRef-a:LicenseRef-b").is_empty());
    }

    #[test]
    fn names_of_imported_references_are_read_from_the_origin() {
        let field = "packages[9].licenseConcluded; LicenseRef-acme is \"ACME EULA\", defined in hasExtractedLicensingInfos[0]: \"text\"";
        assert_eq!(
            defined_name(field, "LicenseRef-acme").as_deref(),
            Some("ACME EULA")
        );
        assert_eq!(
            defined_name("packages[1].licenseDeclared", "LicenseRef-acme"),
            None
        );
    }

    #[test]
    fn git_sources_get_the_vcs_prefix() {
        assert_eq!(
            download_location(&PackageSource::Git {
                url: "https://git.example/x.git".to_string()
            }),
            "git+https://git.example/x.git"
        );
        assert_eq!(
            download_location(&PackageSource::Path {
                path: ".".to_string()
            }),
            NOASSERTION
        );
    }
}
