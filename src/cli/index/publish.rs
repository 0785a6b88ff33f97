//! `fundament index publish` and `fundament index propose`: records from the command line,
//! from an audit of a project (`--evidence-from`), or from an audit's JSON report
//! (`--from-audit`), signed with `--sign-key`.

use super::super::cache_dir;
use crate::index::layout::{PackageId, split_purl};
use crate::index::publish::{self, AuditEvidence, PublishOptions, Published, Target};
use crate::index::record::{self, Decision, LicenceFileHash, Record, RecordEvidence};
use crate::index::signature::SigningKey;
use crate::index::vex::{VexStatement, VexStatus};
use crate::progress::Progress;
use clap::Args;
use std::path::{Path, PathBuf};

#[derive(Debug, Args)]
pub struct PublishArgs {
    /// The index folder.
    #[arg(long, value_name = "DIR")]
    pub index: PathBuf,
    /// The component(s) as PURL@VERSION (`pkg:cargo/serde@1.0.210`). Several only with
    /// --evidence-from.
    #[arg(value_name = "PURL@VERSION", conflicts_with_all = ["purl", "from_audit"])]
    pub components: Vec<String>,
    /// The component as a purl without version, with --version or --versions.
    #[arg(long, value_name = "PURL", conflicts_with = "from_audit")]
    pub purl: Option<String>,
    /// The version --purl names.
    #[arg(long, requires = "purl", conflicts_with = "versions")]
    pub version: Option<String>,
    /// The versions --purl names, as a requirement in Cargo's semver syntax (">=1.2, <2").
    #[arg(long, requires = "purl", value_name = "RANGE")]
    pub versions: Option<String>,
    /// The decision. With --vex and without --decision, the decision in force in this index
    /// for the version is repeated (its licence, evidence and review-by with it), so that the
    /// statement changes no decision.
    #[arg(long, value_enum, required_unless_present = "vex")]
    pub decision: Option<Decision>,
    /// The concluded licence (SPDX expression). Default with --evidence-from and --from-audit:
    /// the licence the audit concluded; for `rejected` and `under-review` without one:
    /// NOASSERTION.
    #[arg(long, value_name = "SPDX", conflicts_with = "from_audit")]
    pub licence: Option<String>,
    #[arg(long)]
    pub reviewer: String,
    #[arg(long)]
    pub organisation: String,
    /// The date by which the decision is to be reviewed again (YYYY-MM-DD).
    #[arg(long, value_name = "DATE")]
    pub review_by: Option<String>,
    /// What was checked, and why the decision.
    #[arg(long)]
    pub notes: Option<String>,
    /// Audit PATH (a project that contains the component) and take the component's
    /// licence-file hashes and archive checksum from it.
    #[arg(long, value_name = "PATH")]
    pub evidence_from: Option<PathBuf>,
    /// A licence file and its SHA-256, PATH=SHA256 (repeatable; instead of --evidence-from).
    #[arg(long, value_name = "PATH=SHA256", conflicts_with = "evidence_from")]
    pub licence_file: Vec<String>,
    /// The SHA-256 of the component's archive (instead of --evidence-from).
    #[arg(long, value_name = "SHA256", conflicts_with = "evidence_from")]
    pub artefact_sha256: Option<String>,
    /// The SHA-512 of the component's archive, in hex (instead of --evidence-from; what npm's
    /// `integrity` holds, in base64).
    #[arg(long, value_name = "SHA512", conflicts_with = "evidence_from")]
    pub artefact_sha512: Option<String>,
    /// Publish an approval without evidence (no archive hash, no licence file): the reason,
    /// stored in the record (`no-evidence`). With --from-audit: for the packages that have no
    /// evidence (others are skipped without it).
    #[arg(long, value_name = "REASON")]
    pub no_evidence: Option<String>,
    /// Take the components from an audit's JSON report (`fundament audit --format json`): one
    /// record per selected package, with the audit's concluded licence and evidence, all in
    /// one commit. Root packages, packages an index cannot hold, and packages this index
    /// already records with the same decision and licence are left out.
    #[arg(long, value_name = "AUDIT.json", conflicts_with = "evidence_from")]
    pub from_audit: Option<PathBuf>,
    /// With --from-audit: only packages the audit's policy allowed.
    #[arg(long, requires = "from_audit")]
    pub only_allowed: bool,
    /// With --from-audit: only packages of this ecosystem (`npm`, `cargo`, `pypi`, ...;
    /// repeatable).
    #[arg(long, value_name = "ECOSYSTEM", requires = "from_audit")]
    pub ecosystem: Vec<String>,
    /// With --from-audit: only packages used at runtime (not only to build or develop).
    #[arg(long, requires = "from_audit")]
    pub only_runtime: bool,
    /// Sign each record with this SSH key (an OpenSSH private key; a passphrase-protected
    /// one, or a public key whose private half is in ssh-agent, is used through
    /// `ssh-keygen -Y sign`). The key must be listed in the index's config.json for the
    /// reviewer. An approval awaiting approvals (four eyes) is co-signed.
    #[arg(long, value_name = "KEY")]
    pub sign_key: Option<PathBuf>,
    /// A VEX statement about this vulnerability (an OSV id, CVE or GHSA id) in the versions
    /// the record covers. Repeatable: every id gets the same status and analysis.
    #[arg(
        long,
        value_name = "VULNERABILITY",
        requires_all = ["vex_status", "analysis"],
        conflicts_with = "from_audit"
    )]
    pub vex: Vec<String>,
    /// The VEX status: not_affected (with --justification), affected, fixed,
    /// under_investigation.
    #[arg(long, value_enum, requires = "vex")]
    pub vex_status: Option<crate::index::vex::VexStatus>,
    /// Why the versions are not affected (CISA/OpenVEX or CycloneDX terms).
    #[arg(long, value_enum, requires = "vex")]
    pub justification: Option<crate::index::vex::Justification>,
    /// The analysis: why the status holds.
    #[arg(long, requires = "vex")]
    pub analysis: Option<String>,
    /// For `affected`: what users should do.
    #[arg(long, requires = "vex")]
    pub action: Option<String>,
    /// What is being done (CycloneDX response; repeatable).
    #[arg(long, value_enum, requires = "vex")]
    pub response: Vec<crate::index::vex::Response>,
    /// Do not commit, even when the index is a git repository.
    #[arg(long)]
    pub no_commit: bool,
    /// fundament's cache directory, for --evidence-from (default: $FUNDAMENT_CACHE_DIR, else
    /// the user cache dir).
    #[arg(long, value_name = "DIR")]
    pub cache_dir: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct ProposeArgs {
    #[command(flatten)]
    pub publish: PublishArgs,
    /// The branch to write the change on (created from --base, or continued when it exists).
    #[arg(long)]
    pub branch: String,
    /// What a new branch starts from (default: HEAD).
    #[arg(long, value_name = "REF")]
    pub base: Option<String>,
    /// Write the merge request's description (Markdown) to FILE (`-`: standard output).
    #[arg(long, value_name = "FILE")]
    pub summary: Option<PathBuf>,
    /// The language of the summary.
    #[arg(long, value_enum, default_value_t = SummaryLanguage::En)]
    pub lang: SummaryLanguage,
    /// Push the branch to this remote (a remote's name in the index repository, or a git
    /// URL), over fundament's git transports.
    #[arg(long, value_name = "REMOTE")]
    pub push: Option<String>,
    /// A git push option for the server (repeatable), e.g. GitLab's `merge_request.create`
    /// and `merge_request.title=...`.
    #[arg(long, value_name = "OPTION", requires = "push")]
    pub push_option: Vec<String>,
    /// A PEM file of CA certificates to trust besides the system's, for pushing over HTTPS
    /// (repeatable; added to `[registries] ca-certificates` of ./fundament.toml).
    #[arg(long, value_name = "PEM")]
    pub ca_certificates: Vec<PathBuf>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum SummaryLanguage {
    De,
    En,
}

/// The components a publish names: (package, version or range).
enum Versions {
    Exact(String),
    Range(String),
}

/// The records a publish or proposal writes, and what the publisher should know.
struct Prepared {
    records: Vec<Record>,
    warnings: Vec<String>,
    /// Packages of an audit left out, with why.
    skipped: Vec<String>,
}

pub fn publish_command(args: &PublishArgs, quiet: bool) -> Result<u8, String> {
    let prepared = prepare(args, quiet, Target::WorkTree)?;
    for warning in &prepared.warnings {
        crate::safe_eprintln!("warning: {warning}");
    }
    if prepared.records.is_empty() {
        report(&Published::default(), &prepared);
        crate::safe_println!("nothing to publish: {}", nothing_because(&prepared));
        return Ok(0);
    }
    let options = publish_options(args)?;
    let published = publish::publish_all(&args.index, &prepared.records, &options)
        .map_err(|e| e.to_string())?;
    report(&published, &prepared);
    Ok(0)
}

pub fn propose_command(args: &ProposeArgs, quiet: bool) -> Result<u8, String> {
    let target = Target::Branch {
        name: &args.branch,
        base: args.base.as_deref(),
    };
    let prepared = prepare(&args.publish, quiet, target)?;
    for warning in &prepared.warnings {
        crate::safe_eprintln!("warning: {warning}");
    }
    if prepared.records.is_empty() {
        report(&Published::default(), &prepared);
        crate::safe_println!("nothing to propose: {}", nothing_because(&prepared));
        return Ok(0);
    }
    let options = publish_options(&args.publish)?;
    let published = publish::propose(
        &args.publish.index,
        &prepared.records,
        &options,
        &args.branch,
        args.base.as_deref(),
    )
    .map_err(|e| e.to_string())?;
    report(&published, &prepared);
    let commit = published.commit.clone().unwrap_or_default();
    crate::safe_println!(
        "proposed on branch `{}` (commit {})",
        args.branch,
        &commit[..commit.len().min(12)]
    );
    if let Some(path) = &args.summary {
        let text = summary_markdown(&published, &prepared, args);
        if path.as_os_str() == "-" {
            // Newlines kept, every other control character escaped.
            print!("{}", crate::report::escape::block(&text));
        } else {
            crate::registry::http::write_atomically(path, text.as_bytes())
                .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
        }
    }
    if let Some(remote) = &args.push {
        let url = remote_url(&args.publish.index, remote)?;
        let refspec = format!("refs/heads/{0}:refs/heads/{0}", args.branch);
        crate::source::git::push(
            &args.publish.index,
            &url,
            &[refspec],
            &args.push_option,
            &super::SourceArgs {
                offline: false,
                cache_dir: args.publish.cache_dir.clone(),
                ca_certificates: args.ca_certificates.clone(),
            }
            .git(),
        )
        .map_err(|e| e.to_string())?;
        crate::safe_println!(
            "pushed `{}` to {}",
            args.branch,
            crate::source::git::display_url(&url)
        );
    }
    Ok(0)
}

/// A remote's URL: a configured remote of the repository, or the text itself.
fn remote_url(repo: &Path, remote: &str) -> Result<String, String> {
    let repository = git2::Repository::open(repo).map_err(|e| e.message().to_string())?;
    if let Ok(found) = repository.find_remote(remote) {
        return found
            .url()
            .ok()
            .map(str::to_string)
            .ok_or_else(|| format!("the remote `{remote}` has no URL"));
    }
    Ok(remote.to_string())
}

fn publish_options(args: &PublishArgs) -> Result<PublishOptions, String> {
    let signer = match &args.sign_key {
        Some(path) => Some(SigningKey::load(path)?),
        None => None,
    };
    Ok(PublishOptions {
        signer,
        commit: !args.no_commit,
        message: None,
    })
}

fn nothing_because(prepared: &Prepared) -> String {
    if prepared.skipped.is_empty() {
        "no package was selected".to_string()
    } else {
        format!(
            "every selected package was left out ({})",
            prepared.skipped.len()
        )
    }
}

fn report(published: &Published, prepared: &Prepared) {
    for warning in &published.warnings {
        crate::safe_eprintln!("warning: {warning}");
    }
    for skipped in &prepared.skipped {
        crate::safe_eprintln!("note: left out {skipped}");
    }
    for written in &published.written {
        let approvals = match written.approvals {
            Some((given, needed)) if given < needed => {
                format!("; under review until approved by {needed} ({given} so far)")
            }
            Some((given, needed)) => format!("; {given} of {needed} approvals"),
            None => String::new(),
        };
        crate::safe_println!(
            "{}{} {}:{}{}{}",
            if written.cosigns.is_some() {
                "co-signed "
            } else {
                ""
            },
            publish::commit_message(&written.record),
            written.file,
            written.line,
            approvals,
            if written.record.signatures.is_empty() {
                String::new()
            } else {
                format!("; signed ({})", written.record.signatures.len())
            }
        );
    }
    if let Some(commit) = &published.commit {
        crate::safe_println!(
            "{} record{} in commit {}",
            published.written.len(),
            if published.written.len() == 1 {
                ""
            } else {
                "s"
            },
            &commit[..commit.len().min(12)]
        );
    }
}

fn prepare(args: &PublishArgs, quiet: bool, target: Target<'_>) -> Result<Prepared, String> {
    if let Some(audit) = &args.from_audit {
        return from_audit(args, audit, target);
    }
    let mut targets: Vec<(PackageId, Versions)> = Vec::new();
    if let Some(purl) = &args.purl {
        let (id, in_purl) = split_purl(purl).map_err(|e| e.to_string())?;
        let versions = match (&args.version, &args.versions, in_purl) {
            (Some(v), None, None) => Versions::Exact(v.clone()),
            (None, Some(r), None) => Versions::Range(r.clone()),
            (None, None, Some(v)) => Versions::Exact(v),
            (None, None, None) => {
                return Err("--purl needs --version or --versions".to_string());
            }
            _ => {
                return Err(
                    "give the version once: in the purl, with --version, or as --versions"
                        .to_string(),
                );
            }
        };
        targets.push((id, versions));
    }
    for component in &args.components {
        let (id, version) = split_purl(component).map_err(|e| e.to_string())?;
        let Some(version) = version else {
            return Err(format!(
                "`{component}` has no version; write PURL@VERSION, or use --purl with --versions"
            ));
        };
        targets.push((id, Versions::Exact(version)));
    }
    if targets.is_empty() {
        return Err(
            "name the component: PURL@VERSION, --purl with --version/--versions, or --from-audit AUDIT.json"
                .to_string(),
        );
    }
    if targets.len() > 1 && args.evidence_from.is_none() {
        return Err(
            "several components can be published at once only with --evidence-from or --from-audit"
                .to_string(),
        );
    }
    let mut evidence: Vec<AuditEvidence> = match &args.evidence_from {
        Some(path) => {
            let wanted = targets
                .iter()
                .map(|(id, v)| match v {
                    Versions::Exact(v) => Ok((id.clone(), v.clone())),
                    Versions::Range(_) => Err(
                        "--evidence-from needs an exact version: the evidence is of one version"
                            .to_string(),
                    ),
                })
                .collect::<Result<Vec<_>, _>>()?;
            let progress = Progress::stderr(quiet);
            let found = publish::evidence_from_audit(
                path,
                &wanted,
                cache_dir(args.cache_dir.as_ref()),
                &progress,
            );
            progress.finish();
            found.map_err(|e| e.to_string())?
        }
        None => {
            let mut given = RecordEvidence {
                artefact_sha256: args.artefact_sha256.clone(),
                artefact_sha512: args.artefact_sha512.clone(),
                licence_files: Vec::new(),
            };
            for pair in &args.licence_file {
                let Some((path, sha256)) = pair.rsplit_once('=') else {
                    return Err(format!("--licence-file `{pair}` is not PATH=SHA256"));
                };
                given.licence_files.push(LicenceFileHash {
                    path: path.to_string(),
                    sha256: sha256.to_string(),
                });
            }
            vec![AuditEvidence {
                evidence: given,
                ..Default::default()
            }]
        }
    };

    let date = publish::today_text();
    let vex: Vec<VexStatement> = args
        .vex
        .iter()
        .map(|id| VexStatement {
            vulnerability: id.trim().to_string(),
            status: args.vex_status.unwrap_or(VexStatus::UnderInvestigation),
            justification: args.justification,
            analysis: args.analysis.clone().unwrap_or_default(),
            action: args.action.clone(),
            response: args.response.clone(),
            reviewer: args.reviewer.clone(),
            organisation: args.organisation.clone(),
            date: date.clone(),
        })
        .collect();
    let mut records = Vec::new();
    let mut warnings = Vec::new();
    for ((id, versions), found) in targets.iter().zip(evidence.iter_mut()) {
        let Some(decision) = args.decision else {
            // A statement only: the decision in force is repeated.
            let record = vex_only_record(args, target, id, versions, vex.clone(), &date)?;
            record
                .check(0)
                .map_err(|p| format!("not published: {}", p.join("; ")))?;
            records.push(record);
            continue;
        };
        let licence = match (&args.licence, &found.concluded) {
            (Some(l), _) => l.clone(),
            (None, Some((concluded, _))) => concluded.clone(),
            // A review that is open, or a rejection, need not have established a licence.
            (None, None) if decision != Decision::Approved => {
                crate::licence::NOASSERTION.to_string()
            }
            (None, None) if args.evidence_from.is_some() => {
                return Err(format!(
                    "the audit concluded no licence for {}; give it with --licence",
                    id.purl()
                ));
            }
            (None, None) => return Err("--licence is required".to_string()),
        };
        if let (Some(given), Some((concluded, how))) = (&args.licence, &found.concluded)
            && given != concluded
        {
            found.warnings.push(format!(
                "{}: the audit concluded `{concluded}` ({how}); the record says `{given}`",
                id.purl()
            ));
        }
        let (version, range) = match versions {
            Versions::Exact(v) => (Some(v.clone()), None),
            Versions::Range(r) => (None, Some(r.clone())),
        };
        let record = Record {
            purl: id.purl(),
            version,
            versions: range,
            decision,
            licence,
            reviewer: args.reviewer.clone(),
            organisation: args.organisation.clone(),
            date: date.clone(),
            review_by: args.review_by.clone(),
            notes: args.notes.clone(),
            no_evidence: found
                .evidence
                .is_empty()
                .then(|| args.no_evidence.clone())
                .flatten(),
            evidence: found.evidence.clone(),
            vex: vex.clone(),
            signatures: Vec::new(),
        };
        if args.no_evidence.is_some() && !found.evidence.is_empty() {
            warnings.push(format!(
                "{}: --no-evidence is not needed, the record has evidence",
                id.purl()
            ));
        }
        // Everything is checked before anything is written.
        record
            .check(0)
            .map_err(|p| format!("not published: {}", p.join("; ")))?;
        records.push(record);
        warnings.append(&mut found.warnings);
    }
    Ok(Prepared {
        records,
        warnings,
        skipped: Vec::new(),
    })
}

/// A record that adds VEX statements and repeats the decision in force for the version where
/// `target` writes (the last line covering it): its decision, licence, evidence (or the reason
/// it has none) and review-by. It is signed like any record; in an index that counts
/// approvals, a repeated approval needs its signers again.
fn vex_only_record(
    args: &PublishArgs,
    target: Target<'_>,
    id: &PackageId,
    versions: &Versions,
    vex: Vec<VexStatement>,
    date: &str,
) -> Result<Record, String> {
    let Versions::Exact(version) = versions else {
        return Err(
            "--vex without --decision needs an exact version (the decision in force for it is repeated); give --decision for a range"
                .to_string(),
        );
    };
    let no_decision = || {
        format!(
            "{} has no decision about {}@{version} to add the statement to; give --decision (and --licence)",
            args.index.display(),
            id.purl()
        )
    };
    let text = publish::read_target(&args.index, target, &id.path())
        .map_err(|e| e.to_string())?
        .ok_or_else(no_decision)?;
    let (entries, _) = record::parse_lines(&text);
    let Some(in_force) = record::covering(&entries, id, version).into_iter().next() else {
        return Err(no_decision());
    };
    let previous = &in_force.record;
    Ok(Record {
        purl: id.purl(),
        version: Some(version.clone()),
        versions: None,
        decision: previous.decision,
        licence: previous.licence.clone(),
        reviewer: args.reviewer.clone(),
        organisation: args.organisation.clone(),
        date: date.to_string(),
        review_by: previous.review_by.clone().filter(|r| r.as_str() > date),
        notes: Some(args.notes.clone().unwrap_or_else(|| {
            format!(
                "VEX statements; the decision of line {} ({} by {}, {}) is repeated",
                in_force.line, previous.decision, previous.reviewer, previous.date
            )
        })),
        evidence: previous.evidence.clone(),
        vex,
        no_evidence: previous.no_evidence.clone(),
        signatures: Vec::new(),
    })
}

/// One package of an audit's JSON report, as far as a publish needs it.
#[derive(Debug, serde::Deserialize)]
struct AuditedPackage {
    purl: String,
    #[serde(default)]
    ecosystem: String,
    #[serde(default)]
    root: bool,
    #[serde(default)]
    scope: Option<String>,
    /// A later report may say per project in which scope the package is used.
    #[serde(default)]
    scopes: Option<serde_json::Value>,
    #[serde(default)]
    checksum: Option<String>,
    #[serde(default)]
    licence: Option<AuditedLicence>,
    #[serde(default)]
    verdict: Option<serde_json::Value>,
}

#[derive(Debug, Default, serde::Deserialize)]
struct AuditedLicence {
    #[serde(default)]
    detected: Vec<AuditedFile>,
    #[serde(default)]
    concluded: Option<AuditedConclusion>,
}

#[derive(Debug, serde::Deserialize)]
struct AuditedFile {
    path: String,
    sha256: String,
}

#[derive(Debug, serde::Deserialize)]
struct AuditedConclusion {
    expression: String,
}

impl AuditedPackage {
    /// Used at runtime: the `scope` the report gives (`runtime`), or any of the per-project
    /// `scopes` of a later report. `None` when the report says nothing about scopes.
    fn runtime(&self) -> Option<bool> {
        if let Some(scopes) = &self.scopes {
            let mut found = Vec::new();
            collect_strings(scopes, &mut found);
            if !found.is_empty() {
                return Some(found.iter().any(|s| s == "runtime"));
            }
        }
        self.scope.as_deref().map(|s| s == "runtime")
    }

    fn allowed(&self) -> bool {
        self.verdict
            .as_ref()
            .and_then(|v| v.get("status"))
            .and_then(|s| s.as_str())
            == Some("allowed")
    }
}

fn collect_strings(value: &serde_json::Value, out: &mut Vec<String>) {
    match value {
        serde_json::Value::String(s) => out.push(s.clone()),
        serde_json::Value::Array(items) => items.iter().for_each(|v| collect_strings(v, out)),
        serde_json::Value::Object(map) => map.values().for_each(|v| collect_strings(v, out)),
        _ => {}
    }
}

/// The records of the packages an audit report selects.
fn from_audit(args: &PublishArgs, path: &Path, target: Target<'_>) -> Result<Prepared, String> {
    // An audit report may come from anywhere (a CI artefact): bounded like an SBOM.
    let text = crate::source::read_bounded(path, crate::source::Limit::SBOM)
        .map_err(|refusal| refusal.to_string())?;
    let report: serde_json::Value = serde_json::from_slice(&text)
        .map_err(|e| format!("{} is not JSON: {e}", path.display()))?;
    if !report
        .get("schema")
        .and_then(|s| s.as_str())
        .is_some_and(|s| s.starts_with("fundament.audit/"))
    {
        return Err(format!(
            "{} is not a fundament audit report (`fundament audit --format json`)",
            path.display()
        ));
    }
    let packages: Vec<AuditedPackage> = serde_json::from_value(
        report
            .get("packages")
            .cloned()
            .unwrap_or(serde_json::Value::Array(Vec::new())),
    )
    .map_err(|e| format!("{}: `packages`: {e}", path.display()))?;
    let decision = args
        .decision
        .ok_or("--from-audit needs --decision: the decision is the same for every package")?;
    let config = publish::target_config(&args.index, target).map_err(|e| e.to_string())?;
    let keyring = crate::index::signature::Keyring::from_config(&config, &[]);
    let signer = match &args.sign_key {
        Some(path) => Some(SigningKey::load(path)?.fingerprint()),
        None => None,
    };
    let date = publish::today_text();
    let mut prepared = Prepared {
        records: Vec::new(),
        warnings: Vec::new(),
        skipped: Vec::new(),
    };
    let mut seen = std::collections::BTreeSet::new();
    for package in &packages {
        if package.root {
            continue;
        }
        let Ok((id, Some(version))) = split_purl(&package.purl) else {
            continue;
        };
        if !crate::index::holds(id.ecosystem) {
            continue;
        }
        if !args.ecosystem.is_empty()
            && !args.ecosystem.iter().any(|e| {
                e.eq_ignore_ascii_case(id.ecosystem.purl_type()) || *e == package.ecosystem
            })
        {
            continue;
        }
        if args.only_allowed && !package.allowed() {
            continue;
        }
        if args.only_runtime {
            match package.runtime() {
                Some(true) => {}
                Some(false) => continue,
                None => {
                    return Err(format!(
                        "{} says nothing about the scope in which packages are used, so --only-runtime cannot select; audit again with a newer fundament",
                        path.display()
                    ));
                }
            }
        }
        let shown = id.purl_at(&version);
        if !seen.insert(shown.clone()) {
            continue;
        }
        let licence = package
            .licence
            .as_ref()
            .and_then(|l| l.concluded.as_ref())
            .map(|c| c.expression.clone())
            .unwrap_or_else(|| crate::licence::NOASSERTION.to_string());
        if licence == crate::licence::NOASSERTION && decision == Decision::Approved {
            prepared
                .skipped
                .push(format!("{shown}: the audit concluded no licence"));
            continue;
        }
        let mut evidence = RecordEvidence::from_checksum(package.checksum.as_deref());
        for file in package.licence.iter().flat_map(|l| &l.detected) {
            if record::is_sha256(&file.sha256.to_ascii_lowercase())
                && record::check_relative_path(&file.path).is_ok()
                && !evidence.licence_files.iter().any(|f| f.path == file.path)
            {
                evidence.licence_files.push(LicenceFileHash {
                    path: file.path.clone(),
                    sha256: file.sha256.to_ascii_lowercase(),
                });
            }
        }
        let no_evidence = if evidence.is_empty() && decision == Decision::Approved {
            match &args.no_evidence {
                Some(reason) => Some(reason.clone()),
                None => {
                    prepared.skipped.push(format!(
                        "{shown}: no evidence (its files were not on the audited machine and its lockfile records no archive hash); give --no-evidence \"<reason>\" to approve such packages"
                    ));
                    continue;
                }
            }
        } else {
            None
        };
        let record = Record {
            purl: id.purl(),
            version: Some(version.clone()),
            versions: None,
            decision,
            licence,
            reviewer: args.reviewer.clone(),
            organisation: args.organisation.clone(),
            date: date.clone(),
            review_by: args.review_by.clone(),
            notes: args.notes.clone(),
            no_evidence,
            evidence,
            vex: Vec::new(),
            signatures: Vec::new(),
        };
        if let Err(problems) = record.check(0) {
            prepared
                .skipped
                .push(format!("{shown}: {}", problems.join("; ")));
            continue;
        }
        if let Some(why) = already_recorded(
            &args.index,
            target,
            &keyring,
            signer.as_deref(),
            &id,
            &record,
        ) {
            prepared.skipped.push(format!("{shown}: {why}"));
            continue;
        }
        prepared.records.push(record);
    }
    Ok(prepared)
}

/// Why a record need not be published: the index already has the same decision and licence
/// in force for the version, and (for an approval still short of its signers) the signer has
/// signed it already. An approval awaiting another signer's signature is not left out: the
/// publish co-signs it.
fn already_recorded(
    root: &Path,
    target: Target<'_>,
    keyring: &crate::index::signature::Keyring,
    signer: Option<&str>,
    id: &PackageId,
    record: &Record,
) -> Option<String> {
    let text = publish::read_target(root, target, &id.path()).ok()??;
    let (entries, _) = record::parse_lines(&text);
    let version = record.version.as_deref()?;
    let in_force = record::covering(&entries, id, version).into_iter().next()?;
    if in_force.record.decision != record.decision || in_force.record.licence != record.licence {
        return None;
    }
    let check = crate::index::signature::check(
        &in_force.record,
        in_force.signed.as_deref().unwrap_or_default(),
        keyring,
    );
    let awaiting =
        crate::index::signature::approvals_missing(record.decision, &check, keyring.approvals);
    match (awaiting, signer) {
        (Some(_), Some(signer)) if !check.signers.iter().any(|s| s.key == signer) => None,
        (Some(given), _) => Some(format!(
            "already {} ({}) in this index, line {}, awaiting approvals ({given} of {})",
            in_force.record.decision, in_force.record.licence, in_force.line, keyring.approvals
        )),
        (None, _) => Some(format!(
            "already {} ({}) in this index, line {}",
            in_force.record.decision, in_force.record.licence, in_force.line
        )),
    }
}

/// The merge request's description.
fn summary_markdown(published: &Published, prepared: &Prepared, args: &ProposeArgs) -> String {
    let de = args.lang == SummaryLanguage::De;
    let t = |en: &'static str, de_text: &'static str| if de { de_text } else { en };
    let mut counts: std::collections::BTreeMap<String, usize> = Default::default();
    for w in &published.written {
        *counts.entry(w.record.decision.to_string()).or_default() += 1;
    }
    let mut out = String::new();
    out.push_str(&format!(
        "## {}: {} {}\n\n",
        t("Vetting proposal", "Prüfvorschlag"),
        published.written.len(),
        t("decisions", "Entscheidungen")
    ));
    out.push_str(&format!(
        "{} **{}** ({}), {} `{}`.\n\n",
        t("Proposed by", "Vorgeschlagen von"),
        markdown_escape(&args.publish.reviewer),
        markdown_escape(&args.publish.organisation),
        t("branch", "Branch"),
        code_escape(&args.branch)
    ));
    out.push_str(&format!(
        "{}: {}\n\n",
        t("Decisions", "Entscheidungen"),
        counts
            .iter()
            .map(|(d, n)| format!("{n} {d}"))
            .collect::<Vec<_>>()
            .join(", ")
    ));
    if let Some(audit) = &args.publish.from_audit {
        out.push_str(&format!(
            "{}: `{}`",
            t("Taken from the audit", "Übernommen aus der Prüfung"),
            code_escape(&audit.display().to_string())
        ));
        let mut selectors = Vec::new();
        if args.publish.only_allowed {
            selectors.push(t("only allowed", "nur erlaubte").to_string());
        }
        if args.publish.only_runtime {
            selectors.push(t("only runtime", "nur zur Laufzeit").to_string());
        }
        if !args.publish.ecosystem.is_empty() {
            selectors.push(args.publish.ecosystem.join(", "));
        }
        if !selectors.is_empty() {
            out.push_str(&format!(" ({})", selectors.join("; ")));
        }
        out.push_str("\n\n");
    }
    out.push_str(&format!(
        "| {} | {} | {} | {} | {} | {} |\n|---|---|---|---|---|---|\n",
        t("Package", "Paket"),
        t("Version", "Version"),
        t("Decision", "Entscheidung"),
        t("Licence", "Lizenz"),
        t("Evidence", "Nachweise"),
        t("Signatures", "Signaturen"),
    ));
    for w in &published.written {
        let r = &w.record;
        let evidence = if r.evidence.is_empty() {
            format!(
                "{}: {}",
                t("none", "keine"),
                markdown_escape(r.no_evidence.as_deref().unwrap_or(""))
            )
        } else {
            let mut parts = Vec::new();
            if r.evidence.artefact_sha256.is_some() || r.evidence.artefact_sha512.is_some() {
                parts.push(t("archive hash", "Archiv-Hash").to_string());
            }
            if !r.evidence.licence_files.is_empty() {
                parts.push(format!(
                    "{} {}",
                    r.evidence.licence_files.len(),
                    t("licence file(s)", "Lizenzdatei(en)")
                ));
            }
            parts.join(", ")
        };
        let signatures = match w.approvals {
            Some((given, needed)) => format!("{given}/{needed}"),
            None => r.signatures.len().to_string(),
        };
        out.push_str(&format!(
            "| `{}` | {} | {} | `{}` | {} | {} |\n",
            code_escape(&r.purl),
            markdown_escape(r.versions_text()),
            r.decision,
            code_escape(&r.licence),
            evidence,
            signatures
        ));
    }
    // VEX statements are claims of their own; the reviewers of the merge request read them.
    let statements: Vec<String> = published
        .written
        .iter()
        .flat_map(|w| {
            w.record.vex.iter().map(|v| {
                format!(
                    "- `{}` {}: `{}` {}{}: {}\n",
                    code_escape(&w.record.purl),
                    markdown_escape(w.record.versions_text()),
                    code_escape(&v.vulnerability),
                    v.status.as_str(),
                    v.justification
                        .map(|j| format!(" ({})", j.as_str()))
                        .unwrap_or_default(),
                    markdown_escape(&v.analysis)
                )
            })
        })
        .collect();
    if !statements.is_empty() {
        out.push_str(&format!(
            "\n{}:\n\n{}",
            t("VEX statements", "VEX-Aussagen"),
            statements.concat()
        ));
    }
    if !prepared.skipped.is_empty() {
        out.push_str(&format!(
            "\n<details><summary>{} ({})</summary>\n\n",
            t("Left out", "Ausgelassen"),
            prepared.skipped.len()
        ));
        for s in &prepared.skipped {
            out.push_str(&format!("- {}\n", markdown_escape(s)));
        }
        out.push_str("\n</details>\n");
    }
    if published
        .written
        .iter()
        .any(|w| matches!(w.approvals, Some((g, n)) if g < n))
    {
        out.push_str(&format!(
            "\n{}\n",
            t(
                "Approvals count once they carry the index's required number of signatures; a second reviewer co-signs with `fundament index publish ... --sign-key`.",
                "Freigaben gelten erst mit der vom Index verlangten Zahl von Signaturen; eine zweite Person zeichnet mit `fundament index publish ... --sign-key` mit."
            )
        ));
    }
    out.push_str(&format!(
        "\n{}: `fundament index verify .`\n",
        t("Check", "Prüfen")
    ));
    out
}

/// Text in a code span of a table cell: backslashes are literal there, so only the table's
/// `|` is escaped (GitHub and GitLab read `\|` in cells) and backticks are dropped.
fn code_escape(text: &str) -> String {
    text.chars()
        .filter(|c| *c != '`' && !c.is_control())
        .map(|c| {
            if c == '|' {
                "\\|".to_string()
            } else {
                c.to_string()
            }
        })
        .collect()
}

/// Text in Markdown table cells and lists: no table breaks, no markup, no HTML.
fn markdown_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '|' | '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '#' => {
                out.push('\\');
                out.push(c);
            }
            '\n' | '\r' => out.push(' '),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}
