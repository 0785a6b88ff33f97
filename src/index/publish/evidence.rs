//! Evidence for records, taken from an audit: of one project (`--evidence-from`), or from an
//! audit's JSON report (`--from-audit`).

use super::super::IndexError;
use super::super::layout::PackageId;
use super::super::record::{self, RecordEvidence};
use std::path::{Path, PathBuf};

/// Evidence taken from an audit of a project that contains the component.
#[derive(Debug, Clone, Default)]
pub struct AuditEvidence {
    pub evidence: record::RecordEvidence,
    /// The licence the audit concluded for the package, and how.
    pub concluded: Option<(String, String)>,
    /// Licences identified in the licence files (`path: id`).
    pub identified: Vec<String>,
    /// What could not be taken, for the publisher to know.
    pub warnings: Vec<String>,
}

/// Audits `project` (reading its lockfiles and the packages' files on disk, identifying every
/// licence file) and takes the evidence for `id` at `version`: the hashes of its licence files
/// (`licence.detected`, licence texts and notices), and its lockfile checksum when that is a
/// SHA-256 (Cargo's `.crate` checksum; `sha256:` hashes and SRI `sha256-` integrity values).
pub fn evidence_from_audit(
    project: &Path,
    wanted: &[(PackageId, String)],
    cache_dir: Option<PathBuf>,
    progress: &crate::progress::Progress,
) -> Result<Vec<AuditEvidence>, IndexError> {
    let options = crate::audit::AuditOptions {
        detect: crate::licence::DetectMode::All,
        cache_dir,
        registry_lookups: false,
        ..Default::default()
    };
    let audit = crate::audit::run(project, &options, progress)
        .map_err(|e| IndexError::Invalid(format!("cannot audit {}: {e}", project.display())))?;
    let mut out = Vec::new();
    for (id, version) in wanted {
        let same_package = |p: &crate::audit::AuditedPackage| {
            PackageId::from_purl(&p.package.purl).is_ok_and(|other| other == *id)
        };
        let Some(package) = audit
            .packages
            .iter()
            .find(|p| same_package(p) && p.package.version == *version)
        else {
            let versions: Vec<&str> = audit
                .packages
                .iter()
                .filter(|p| same_package(p))
                .map(|p| p.package.version.as_str())
                .collect();
            return Err(IndexError::Invalid(format!(
                "the audit of {} has no {}{}",
                project.display(),
                id.purl_at(version),
                if versions.is_empty() {
                    String::new()
                } else {
                    format!(" (it has the versions {})", versions.join(", "))
                }
            )));
        };
        let mut found = AuditEvidence::default();
        for file in &package.licence.detected {
            found.evidence.licence_files.push(record::LicenceFileHash {
                path: file.path.clone(),
                sha256: file.sha256.to_ascii_lowercase(),
            });
            if let Some(licence) = &file.licence {
                found.identified.push(format!("{}: {licence}", file.path));
            }
        }
        if package.package.dir.is_none() {
            found.warnings.push(format!(
                "the files of {} are not on this machine, so no licence file could be hashed",
                package.package.purl
            ));
        } else if found.evidence.licence_files.is_empty() {
            found.warnings.push(format!(
                "{} has no licence files; the record pins no file",
                package.package.purl
            ));
        }
        let archive = RecordEvidence::from_checksum(package.package.checksum.as_deref());
        found.evidence.artefact_sha256 = archive.artefact_sha256;
        found.evidence.artefact_sha512 = archive.artefact_sha512;
        let concluded = &package.licence.concluded;
        if concluded.is_known() {
            found.concluded = Some((concluded.expression.clone(), concluded.explanation.clone()));
        }
        out.push(found);
    }
    Ok(out)
}
