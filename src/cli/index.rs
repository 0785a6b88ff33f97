//! `fundament index`: init, publish, verify, show and search (docs/index-format.md).

use super::{EXIT_INPUT, cache_dir, print_error};
use crate::index::layout::{PackageId, split_purl};
use crate::index::publish::{self, AuditEvidence};
use crate::index::record::{self, Decision, LicenceFileHash, Record, RecordEvidence};
use crate::index::source::{BUILTIN, Location, SourceKind};
use crate::index::verify::{self, Report};
use crate::index::{Config, Decided, IndexOptions, IndexSettings, Layered, Maintainer};
use crate::progress::Progress;
use clap::{Args, Subcommand, ValueEnum};
use std::path::{Path, PathBuf};

#[derive(Debug, Subcommand)]
pub enum IndexCommand {
    /// Create an index: writes config.json into DIR (new or empty).
    Init(InitArgs),
    /// Record a decision about a component: appends a line to its file and, when the index is
    /// a git repository, commits it.
    Publish(Box<PublishArgs>),
    /// Check an index (a folder, a git URL, or an HTTP base URL) against the format.
    Verify(VerifyArgs),
    /// Every decision about a package in the configured indices, and the one in force per
    /// version.
    Show(ShowArgs),
    /// Find packages whose name contains TERM (in folder, git and built-in indices; an HTTP
    /// index cannot be listed).
    Search(SearchArgs),
}

#[derive(Debug, Args)]
pub struct InitArgs {
    /// The folder to make an index.
    pub dir: PathBuf,
    /// The index's name.
    #[arg(long)]
    pub name: String,
    /// A maintainer, "Name <contact>" (an e-mail address or URL). Repeatable.
    #[arg(long, required = true, value_name = "NAME <CONTACT>")]
    pub maintainer: Vec<String>,
    /// The maintainers' organisation.
    #[arg(long)]
    pub organisation: String,
    /// A sentence on what the index is.
    #[arg(long)]
    pub description: Option<String>,
    /// Also make DIR a git repository (if it is not one) and commit the new files.
    #[arg(long)]
    pub git: bool,
}

#[derive(Debug, Args)]
pub struct PublishArgs {
    /// The index folder.
    #[arg(long, value_name = "DIR")]
    pub index: PathBuf,
    /// The component(s) as PURL@VERSION (`pkg:cargo/serde@1.0.210`). Several only with
    /// --evidence-from.
    #[arg(value_name = "PURL@VERSION", conflicts_with = "purl")]
    pub components: Vec<String>,
    /// The component as a purl without version, with --version or --versions.
    #[arg(long, value_name = "PURL")]
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
    /// The concluded licence (SPDX expression). Default with --evidence-from: the licence the
    /// audit concluded; for `rejected` and `under-review` without one: NOASSERTION.
    #[arg(long, value_name = "SPDX")]
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
    /// A VEX statement about this vulnerability (an OSV id, CVE or GHSA id) in the versions
    /// the record covers. Repeatable: every id gets the same status and analysis.
    #[arg(long, value_name = "VULNERABILITY", requires_all = ["vex_status", "analysis"])]
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
pub struct VerifyArgs {
    /// An index folder, a git URL (git+https://, ssh://, user@host:path, file://, git://), or
    /// the base URL of an index served over HTTP. Default: the current directory.
    pub location: Option<String>,
    /// HTTP: also verify the files of these packages (an HTTP index cannot be listed).
    #[arg(long, value_name = "PURL")]
    pub purl: Vec<String>,
    #[command(flatten)]
    pub sources: SourceArgs,
    #[arg(long, value_enum, default_value_t = OutputFormat::Human)]
    pub format: OutputFormat,
}

#[derive(Debug, Args)]
pub struct ShowArgs {
    /// The package's purl (a version, if given, is the version to answer for).
    pub purl: String,
    /// The version to tell the decision in force for (default: every version named by a
    /// record, the newest 200 of them).
    #[arg(long)]
    pub version: Option<String>,
    #[command(flatten)]
    pub indices: IndicesArgs,
    #[arg(long, value_enum, default_value_t = OutputFormat::Human)]
    pub format: OutputFormat,
}

#[derive(Debug, Args)]
pub struct SearchArgs {
    /// A part of the package name (case-insensitive).
    pub term: String,
    #[command(flatten)]
    pub indices: IndicesArgs,
    #[arg(long, value_enum, default_value_t = OutputFormat::Human)]
    pub format: OutputFormat,
}

/// Which indices `show` and `search` read.
#[derive(Debug, Args)]
pub struct IndicesArgs {
    /// An index to read (folder, git URL, HTTP base URL, or `builtin`); repeatable, the first
    /// has the highest precedence. Default: the [[index]] entries of ./fundament.toml, and the
    /// built-in index.
    #[arg(long = "index", value_name = "LOCATION")]
    pub index: Vec<String>,
    /// Leave out the index built into fundament.
    #[arg(long)]
    pub no_builtin: bool,
    #[command(flatten)]
    pub sources: SourceArgs,
}

#[derive(Debug, Args)]
pub struct SourceArgs {
    /// Use no network: git indices use their last clone, HTTP indices the cache.
    #[arg(long)]
    pub offline: bool,
    /// fundament's cache directory (default: $FUNDAMENT_CACHE_DIR, else the user cache dir).
    #[arg(long, value_name = "DIR")]
    pub cache_dir: Option<PathBuf>,
    /// A PEM file of CA certificates to trust besides the system's, for HTTPS indices and git
    /// over HTTPS (repeatable; added to `[registries] ca-certificates` of ./fundament.toml).
    #[arg(long, value_name = "PEM")]
    pub ca_certificates: Vec<PathBuf>,
}

impl SourceArgs {
    /// The HTTP settings of index commands: `[registries]` of ./fundament.toml (CA
    /// certificates, timeout, retries), as the audit uses them, and the command line.
    pub fn http(&self) -> crate::registry::http::HttpOptions {
        crate::registry::http::HttpOptions {
            cache_dir: cache_dir(self.cache_dir.as_ref()),
            ..super::http_of_working_directory(self.offline, &self.ca_certificates)
        }
    }

    /// How git indices are fetched.
    pub fn git(&self) -> crate::source::git::GitOptions {
        crate::source::git::GitOptions {
            offline: self.offline,
            http: self.http(),
            ..Default::default()
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    Human,
    Json,
}

pub fn run(command: &IndexCommand, quiet: bool) -> u8 {
    let result = match command {
        IndexCommand::Init(args) => init(args),
        IndexCommand::Publish(args) => publish_command(args, quiet),
        IndexCommand::Verify(args) => verify_command(args),
        IndexCommand::Show(args) => show(args),
        IndexCommand::Search(args) => search(args),
    };
    match result {
        Ok(code) => code,
        Err(message) => {
            print_error(message);
            EXIT_INPUT
        }
    }
}

fn init(args: &InitArgs) -> Result<u8, String> {
    let maintainers = args
        .maintainer
        .iter()
        .map(|m| parse_maintainer(m, &args.organisation))
        .collect::<Result<Vec<_>, _>>()?;
    let config = Config {
        name: args.name.clone(),
        schema_version: crate::index::SCHEMA_VERSION,
        description: args.description.clone(),
        maintainers,
    };
    publish::init(&args.dir, &config, args.git).map_err(|e| e.to_string())?;
    crate::safe_println!(
        "created the index `{}` in {}",
        args.name,
        args.dir.display()
    );
    Ok(0)
}

/// "Name <contact>".
fn parse_maintainer(text: &str, organisation: &str) -> Result<Maintainer, String> {
    let text = text.trim();
    let parsed = text
        .strip_suffix('>')
        .and_then(|t| t.rsplit_once('<'))
        .map(|(name, contact)| (name.trim(), contact.trim()));
    match parsed {
        Some((name, contact)) if !name.is_empty() && !contact.is_empty() => Ok(Maintainer {
            name: name.to_string(),
            organisation: organisation.to_string(),
            contact: contact.to_string(),
        }),
        _ => Err(format!(
            "--maintainer `{text}` is not \"Name <contact>\" (an e-mail address or URL in angle brackets)"
        )),
    }
}

/// The components a publish names: (package, version or range).
enum Versions {
    Exact(String),
    Range(String),
}

fn publish_command(args: &PublishArgs, quiet: bool) -> Result<u8, String> {
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
            "name the component: PURL@VERSION, or --purl with --version/--versions".to_string(),
        );
    }
    if targets.len() > 1 && args.evidence_from.is_none() {
        return Err(
            "several components can be published at once only with --evidence-from".to_string(),
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
    let vex: Vec<crate::index::vex::VexStatement> = args
        .vex
        .iter()
        .map(|id| crate::index::vex::VexStatement {
            vulnerability: id.trim().to_string(),
            status: args
                .vex_status
                .unwrap_or(crate::index::vex::VexStatus::UnderInvestigation),
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
    for ((id, versions), found) in targets.iter().zip(evidence.iter_mut()) {
        let Some(decision) = args.decision else {
            // A statement only: the decision in force is repeated.
            let record = vex_only_record(&args.index, id, versions, vex.clone(), &date, args)?;
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
            evidence: found.evidence.clone(),
            vex: vex.clone(),
        };
        // Everything is checked before anything is written.
        record
            .check(0)
            .map_err(|p| format!("not published: {}", p.join("; ")))?;
        records.push(record);
    }
    for found in &evidence {
        for warning in &found.warnings {
            crate::safe_eprintln!("warning: {warning}");
        }
    }
    for record in &records {
        let published =
            publish::publish(&args.index, record, !args.no_commit).map_err(|e| e.to_string())?;
        for warning in &published.warnings {
            crate::safe_eprintln!("warning: {warning}");
        }
        crate::safe_println!(
            "{} {}:{}{}",
            publish::commit_message(record),
            published.file,
            published.line,
            published
                .commit
                .as_deref()
                .map(|c| format!(" (commit {})", &c[..c.len().min(12)]))
                .unwrap_or_default()
        );
    }
    Ok(0)
}

/// A record that adds VEX statements and repeats the decision in force in the index folder
/// `index` for the version (the last line covering it).
fn vex_only_record(
    index: &Path,
    id: &PackageId,
    versions: &Versions,
    vex: Vec<crate::index::vex::VexStatement>,
    date: &str,
    args: &PublishArgs,
) -> Result<Record, String> {
    let Versions::Exact(version) = versions else {
        return Err(
            "--vex without --decision needs an exact version (the decision in force for it is repeated); give --decision for a range"
                .to_string(),
        );
    };
    let file = index.join(id.path());
    let text = std::fs::read_to_string(&file).map_err(|_| {
        format!(
            "{} has no decision about {}@{version} in {} to add the statement to; give --decision (and --licence)",
            index.display(),
            id.purl(),
            file.display()
        )
    })?;
    let (entries, _) = record::parse_lines(&text);
    let Some(in_force) = record::covering(&entries, id, version).into_iter().next() else {
        return Err(format!(
            "{} has no decision about {}@{version}; give --decision (and --licence)",
            index.display(),
            id.purl()
        ));
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
    })
}

fn verify_command(args: &VerifyArgs) -> Result<u8, String> {
    let text = args.location.clone().unwrap_or_else(|| ".".to_string());
    let cwd = std::env::current_dir().unwrap_or_default();
    let location = Location::parse(&text, None, &cwd).map_err(|e| e.to_string())?;
    // The real day, not SOURCE_DATE_EPOCH: a date in the future is one after the real today.
    let today = jiff::Zoned::now().date();
    let report = match &location {
        Location::Folder(path) => verify::verify_folder(path, today),
        Location::Builtin => {
            return Err(
                "the built-in index is verified by fundament's own tests; verify the registry-index/ folder of a checkout"
                    .to_string(),
            );
        }
        Location::Git { url } => {
            let cache = cache_dir(args.sources.cache_dir.as_ref()).ok_or_else(|| {
                "a git index needs a cache directory to be cloned into".to_string()
            })?;
            let checkout = crate::index::source::sync_git(url, None, &cache, &args.sources.git())?;
            if let Some(stale) = &checkout.stale {
                crate::safe_eprintln!("warning: {stale}");
            }
            verify::verify_folder(&checkout.dir, today)
        }
        Location::Http { base } => {
            let http =
                crate::registry::http::Http::new(args.sources.http()).map_err(|e| e.to_string())?;
            verify::verify_http(base, &args.purl, &http, today)
        }
    };
    if !args.purl.is_empty() && !matches!(location, Location::Http { .. }) {
        crate::safe_eprintln!("note: --purl is for HTTP indices; the whole tree was verified");
    }
    print_report(&text, &report, args.format);
    Ok(if report.ok() { 0 } else { EXIT_INPUT })
}

fn print_report(location: &str, report: &Report, format: OutputFormat) {
    if format == OutputFormat::Json {
        println!(
            "{}",
            serde_json::to_string_pretty(report).unwrap_or_default()
        );
        return;
    }
    for problem in &report.problems {
        crate::safe_println!("error: {problem}");
    }
    for note in &report.notes {
        crate::safe_println!("note: {note}");
    }
    let name = report
        .name
        .as_deref()
        .map(|n| format!("`{n}` "))
        .unwrap_or_default();
    let counts = format!(
        "{} file{}, {} record{}, {} package{}",
        report.files,
        plural(report.files),
        report.records,
        plural(report.records),
        report.packages,
        plural(report.packages)
    );
    if report.ok() {
        crate::safe_println!("index {name}at {location}: {counts}; no problems");
    } else {
        crate::safe_println!(
            "index {name}at {location}: {counts}; {} problem{}",
            report.problems.len(),
            plural(report.problems.len())
        );
    }
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

/// How many versions `index show` evaluates when none is named (the newest).
const SHOWN_VERSIONS: usize = 200;

/// The indices `show` and `search` read.
fn open_indices(args: &IndicesArgs) -> Result<Layered, String> {
    let cwd = std::env::current_dir().unwrap_or_default();
    let mut settings: Vec<IndexSettings> = Vec::new();
    if args.index.is_empty() {
        let toml_path = cwd.join(crate::policy::POLICY_FILE);
        if let Ok(text) = crate::source::read_text_bounded(&toml_path, crate::source::Limit::POLICY)
        {
            let table: toml::Table =
                toml::from_str(&text).map_err(|e| format!("{}: {e}", toml_path.display()))?;
            settings = crate::index::settings_from_toml(&table)
                .map_err(|e| format!("{}: {e}", toml_path.display()))?;
        }
    } else {
        let count = args.index.len() as i32;
        for (i, location) in args.index.iter().enumerate() {
            let kind = (location == "builtin").then_some(SourceKind::Builtin);
            settings.push(IndexSettings {
                name: if location == "builtin" {
                    "fundament".to_string()
                } else {
                    format!("index-{}", i + 1)
                },
                location: location.clone(),
                // The first given wins (the built-in index, unless listed, comes last).
                precedence: count - i as i32,
                kind,
                branch: None,
            });
        }
    }
    let options = IndexOptions {
        offline: args.sources.offline,
        cache_dir: cache_dir(args.sources.cache_dir.as_ref()),
        http: args.sources.http(),
        builtin: !args.no_builtin,
        base_dir: Some(cwd),
        ..Default::default()
    };
    let layered = Layered::open(&settings, &options).map_err(|e| e.to_string())?;
    for problem in layered.problems() {
        crate::safe_eprintln!(
            "{}: {problem}",
            if problem.failed { "error" } else { "warning" }
        );
    }
    Ok(layered)
}

fn show(args: &ShowArgs) -> Result<u8, String> {
    let (id, purl_version) = split_purl(&args.purl).map_err(|e| e.to_string())?;
    let layered = open_indices(&args.indices)?;
    let (records, errors) = layered.records_of(&args.purl).map_err(|e| e.to_string())?;
    let mut versions: Vec<String> = match args.version.clone().or(purl_version) {
        Some(v) => vec![v],
        None => {
            let mut v: Vec<String> = records
                .iter()
                .filter_map(|d| d.record.version.clone())
                .collect();
            v.sort_by(
                |a, b| match (record::lenient_semver(a), record::lenient_semver(b)) {
                    (Some(x), Some(y)) => x.cmp(&y),
                    _ => a.cmp(b),
                },
            );
            v.dedup();
            v
        }
    };
    versions.dedup();
    // Each version's look-up reads the package's records: the newest versions only, so that a
    // file of many versions is shown in time that grows with the file, not its square.
    let not_shown = versions.len().saturating_sub(SHOWN_VERSIONS);
    versions.drain(..not_shown);
    let queries: Vec<(&str, &str)> = versions
        .iter()
        .map(|v| (args.purl.as_str(), v.as_str()))
        .collect();
    let lookups = layered.lookup_many(&queries);

    if args.format == OutputFormat::Json {
        let in_force: Vec<serde_json::Value> = versions
            .iter()
            .zip(&lookups)
            .map(|(v, l)| {
                serde_json::json!({
                    "version": v,
                    "answer": l.answer,
                    "conclusive": l.conclusive(),
                    "errors": l.errors,
                })
            })
            .collect();
        let out = serde_json::json!({
            "purl": id.purl(),
            "indices": layered.layers(),
            "records": records,
            "in-force": in_force,
            "versions-not-shown": not_shown,
            "errors": errors,
        });
        println!("{}", serde_json::to_string_pretty(&out).unwrap_or_default());
        return Ok(if errors.is_empty() { 0 } else { EXIT_INPUT });
    }

    crate::safe_println!("{}", id.purl());
    if records.is_empty() {
        crate::safe_println!("  no decisions in {}", describe_layers(&layered));
    } else {
        crate::safe_println!("  decisions (file order, per index):");
        for d in &records {
            crate::safe_println!("    {}", describe(d));
        }
    }
    if !versions.is_empty() {
        crate::safe_println!("  in force:");
        if not_shown > 0 {
            crate::safe_println!(
                "    ({not_shown} older versions not shown; ask for one with --version)"
            );
        }
        for (version, lookup) in versions.iter().zip(&lookups) {
            match &lookup.answer {
                Some(answer) => crate::safe_println!(
                    "    {version}: {} ({}) by {}, {} on {}, index `{}` {}:{}{}",
                    answer.record.decision,
                    answer.record.licence,
                    answer.record.reviewer,
                    answer.record.organisation,
                    answer.record.date,
                    answer.index_name,
                    answer.file,
                    answer.line,
                    if answer.superseded.is_empty() {
                        String::new()
                    } else {
                        format!("; supersedes {}", answer.superseded.len())
                    }
                ),
                None => crate::safe_println!("    {version}: not vetted"),
            }
            if !lookup.conclusive() {
                crate::safe_println!(
                    "      (not certain: an index that could change this could not be read)"
                );
            }
        }
    }
    for error in &errors {
        crate::safe_eprintln!("error: {error}");
    }
    Ok(if errors.is_empty() { 0 } else { EXIT_INPUT })
}

fn describe(d: &Decided) -> String {
    let r = &d.record;
    let mut text = format!(
        "[{}] {}:{}  {}  {}  {} ({})  by {}, {}",
        d.index_name,
        d.file,
        d.line,
        r.date,
        match (&r.version, &r.versions) {
            (Some(v), _) => v.clone(),
            (None, Some(range)) => format!("versions {range}"),
            _ => String::new(),
        },
        r.decision,
        r.licence,
        r.reviewer,
        r.organisation
    );
    if let Some(review_by) = &r.review_by {
        text.push_str(&format!("; review by {review_by}"));
    }
    if let Some(notes) = &r.notes {
        text.push_str(&format!("; {notes}"));
    }
    text
}

fn describe_layers(layered: &Layered) -> String {
    layered
        .layers()
        .iter()
        .map(|l| format!("`{}`", l.name))
        .collect::<Vec<_>>()
        .join(", ")
}

fn search(args: &SearchArgs) -> Result<u8, String> {
    let layered = open_indices(&args.indices)?;
    let term = args.term.to_lowercase();
    let mut hits: Vec<(String, String, String)> = Vec::new();
    let mut skipped = Vec::new();
    let listable = layered.listable();
    for layer in layered.layers() {
        if layer.failed.is_some() {
            continue;
        }
        match listable.iter().find(|(l, _)| l.name == layer.name) {
            None => skipped.push(layer.name.clone()),
            Some((_, folder)) => {
                for rel in record_files(folder.as_deref()) {
                    let Ok(id) = crate::index::layout::package_of_path(&rel) else {
                        continue;
                    };
                    if id.full_name().to_lowercase().contains(&term) {
                        hits.push((id.purl(), layer.name.clone(), rel));
                    }
                }
            }
        }
    }
    hits.sort();
    if args.format == OutputFormat::Json {
        let out: Vec<serde_json::Value> = hits
            .iter()
            .map(|(purl, index, file)| serde_json::json!({"purl": purl, "index": index, "file": file}))
            .collect();
        crate::safe_println!(
            "{}",
            serde_json::to_string_pretty(&serde_json::json!({
                "matches": out,
                "not-searched": skipped,
            }))
            .unwrap_or_default()
        );
    } else {
        for (purl, index, _) in &hits {
            crate::safe_println!("{purl}  [{index}]");
        }
        if hits.is_empty() {
            crate::safe_println!("no package name contains `{}`", args.term);
        }
    }
    for name in &skipped {
        crate::safe_eprintln!(
            "note: the index `{name}` is served over HTTP and cannot be listed; it was not searched (use `fundament index show PURL` for one package)"
        );
    }
    Ok(0)
}

/// The record files of a folder index (or of the built-in index, for `None`), relative paths.
fn record_files(folder: Option<&Path>) -> Vec<String> {
    let mut out = Vec::new();
    match folder {
        Some(root) => {
            for ecosystem in crate::index::layout::ECOSYSTEMS {
                collect_files(
                    &root.join(ecosystem.purl_type()),
                    ecosystem.purl_type(),
                    0,
                    &mut out,
                );
            }
        }
        None => {
            fn walk(dir: &include_dir::Dir<'_>, out: &mut Vec<String>) {
                for file in dir.files() {
                    out.push(file.path().to_string_lossy().replace('\\', "/"));
                }
                for sub in dir.dirs() {
                    walk(sub, out);
                }
            }
            walk(&BUILTIN, &mut out);
        }
    }
    out
}

fn collect_files(dir: &Path, rel: &str, depth: usize, out: &mut Vec<String>) {
    if depth > 3 {
        return;
    }
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let Some(name) = entry.file_name().to_str().map(str::to_string) else {
            continue;
        };
        let Ok(kind) = entry.file_type() else {
            continue;
        };
        let path = format!("{rel}/{name}");
        if kind.is_dir() {
            collect_files(&entry.path(), &path, depth + 1, out);
        } else if kind.is_file() {
            out.push(path);
        }
    }
}
