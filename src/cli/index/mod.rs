//! `fundament index`: init, publish, propose, verify, show, search, site and the signing keys
//! (docs/index-format.md).

mod key;
mod publish;
mod show;
mod site;

use super::{EXIT_INPUT, cache_dir, print_error};
use crate::index::publish as writing;
use crate::index::source::{Location, SourceKind};
use crate::index::verify::{self, Report};
use crate::index::{Config, IndexOptions, IndexSettings, Layered, Maintainer};
use clap::{Args, Subcommand, ValueEnum};
use std::path::PathBuf;

pub use key::KeyCommand;
pub use publish::{ProposeArgs, PublishArgs};
pub use show::{SearchArgs, ShowArgs};
pub use site::SiteArgs;

#[derive(Debug, Subcommand)]
pub enum IndexCommand {
    /// Create an index: writes config.json into DIR (new or empty).
    Init(InitArgs),
    /// Record decisions about components: appends a line per record to its file and, when the
    /// index is a git repository, commits them (one commit per publish).
    Publish(Box<PublishArgs>),
    /// Like publish, but as a commit on a branch for a merge request (the work tree is not
    /// touched), with a summary for the merge request's description.
    Propose(Box<ProposeArgs>),
    /// Check an index (a folder, a git URL, or an HTTP base URL) against the format.
    Verify(VerifyArgs),
    /// Every decision about a package in the configured indices, and the one in force per
    /// version.
    Show(ShowArgs),
    /// Find packages whose name contains TERM (in folder, git and built-in indices; an HTTP
    /// index cannot be listed).
    Search(SearchArgs),
    /// Render an index as a static HTML site (German and English): a searchable list, a page
    /// per component and per organisation, and an Atom feed of decisions.
    Site(SiteArgs),
    /// The keys that sign an index's records (config.json): add, revoke, list.
    #[command(subcommand)]
    Key(KeyCommand),
    /// What a record's signatures sign (its canonical form), or one signature armoured as
    /// `ssh-keygen -Y sign` writes it, for checking with `ssh-keygen -Y verify`.
    SignedData(SignedDataArgs),
}

#[derive(Debug, Args)]
pub struct SignedDataArgs {
    /// A record file of an index.
    pub file: PathBuf,
    /// The record's line (1-based).
    #[arg(long)]
    pub line: usize,
    /// Print the N-th signature (1-based) armoured, instead of the signed bytes.
    #[arg(long, value_name = "N")]
    pub signature: Option<usize>,
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
    /// The distinct signers an approval needs before it counts (four eyes: 2); 0: records
    /// need no signatures. Add the keys with `fundament index key add`.
    #[arg(long, default_value_t = 0)]
    pub approvals: u32,
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
    /// Use only signed records of the indices given with --index (as `require-signed` in
    /// the policy): unsigned and badly signed records are reported, not used.
    #[arg(long)]
    pub require_signed: bool,
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
        IndexCommand::Publish(args) => publish::publish_command(args, quiet),
        IndexCommand::Propose(args) => publish::propose_command(args, quiet),
        IndexCommand::Verify(args) => verify_command(args),
        IndexCommand::Show(args) => show::show(args),
        IndexCommand::Search(args) => show::search(args),
        IndexCommand::Site(args) => site::site(args),
        IndexCommand::Key(command) => key::run(command),
        IndexCommand::SignedData(args) => signed_data(args),
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
        organisations: Vec::new(),
        approvals: args.approvals,
    };
    writing::init(&args.dir, &config, args.git).map_err(|e| e.to_string())?;
    if args.approvals > 0 {
        crate::safe_println!(
            "approvals need {} signer{}: add the signing keys with `fundament index key add`",
            args.approvals,
            if args.approvals == 1 { "" } else { "s" }
        );
    }
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
            // The reasons name no URL: the messages do.
            let shown = crate::source::git::display_url(url);
            let checkout = crate::index::source::sync_git(url, None, &cache, &args.sources.git())
                .map_err(|e| format!("{shown}: {}", e.reason()))?;
            if let Some(stale) = &checkout.stale {
                crate::safe_eprintln!("warning: {shown}: {stale}");
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
        "{}, {}, {}",
        crate::plural::count(report.files, "file", "files"),
        crate::plural::count(report.records, "record", "records"),
        crate::plural::count(report.packages, "package", "packages")
    );
    if report.ok() {
        crate::safe_println!("index {name}at {location}: {counts}; no problems");
    } else {
        crate::safe_println!(
            "index {name}at {location}: {counts}; {}",
            crate::plural::count(report.problems.len(), "problem", "problems")
        );
    }
}

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
                // Replaced by the index's own name once its config.json is read.
                name: if location == "builtin" {
                    "fundament".to_string()
                } else {
                    format!("index-{}", i + 1)
                },
                location: location.clone(),
                // The first given wins (the built-in index, unless listed, comes last).
                precedence: count - i as i32,
                kind,
                require_signed: args.require_signed && location != "builtin",
                ..Default::default()
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
    let mut layered = Layered::open(&settings, &options).map_err(|e| e.to_string())?;
    if !args.index.is_empty() {
        layered.name_by_config();
    }
    for problem in layered.problems() {
        crate::safe_eprintln!(
            "{}: {problem}",
            if problem.failed { "error" } else { "warning" }
        );
    }
    Ok(layered)
}

fn signed_data(args: &SignedDataArgs) -> Result<u8, String> {
    use std::io::Write as _;
    let text = crate::source::read_text_bounded(&args.file, crate::source::Limit::INDEX_RECORD)
        .map_err(|refusal| refusal.to_string())?;
    let line = text
        .split('\n')
        .nth(args.line.saturating_sub(1))
        .filter(|l| args.line > 0 && !l.trim().is_empty())
        .ok_or_else(|| {
            format!(
                "{} has no record on line {}",
                args.file.display(),
                args.line
            )
        })?;
    let shown = format!("{}:{}", args.file.display(), args.line);
    match args.signature {
        None => {
            let bytes = crate::index::signature::signed_bytes_of_line(line)
                .map_err(|e| format!("{shown}: {e}"))?;
            std::io::stdout()
                .write_all(&bytes)
                .map_err(|e| e.to_string())?;
        }
        Some(n) => {
            let record: crate::index::Record =
                serde_json::from_str(line).map_err(|e| format!("{shown}: not a record: {e}"))?;
            let signature = record
                .signatures
                .get(n.saturating_sub(1))
                .filter(|_| n > 0)
                .ok_or_else(|| {
                    format!(
                        "{shown}: the record has {} signature(s)",
                        record.signatures.len()
                    )
                })?;
            print!("{}", signature.to_armored());
        }
    }
    Ok(0)
}
