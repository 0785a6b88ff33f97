//! The static index of vetted components (docs/index-format.md): the record format, the path
//! layout, readers for a folder, a git repository and a static HTTP server, the layering of
//! several indices, and the writing side (init, publish) and its checker (verify).
//!
//! # Reading, for the audit
//!
//! ```no_run
//! use fundament::index::{IndexOptions, IndexSettings, Layered};
//! let settings: Vec<IndexSettings> = Vec::new(); // `[[index]]` of fundament.toml
//! let index = Layered::open(&settings, &IndexOptions::default())?;
//! for problem in index.problems() {
//!     eprintln!("{problem}"); // an index that could not be opened, a stale git clone, ...
//! }
//! let answers = index.lookup_many(&[("pkg:cargo/serde", "1.0.210")]);
//! if let Some(answer) = &answers[0].answer {
//!     println!("{} by {}", answer.record.decision, answer.index_name);
//! }
//! assert!(answers[0].conclusive(), "an index that failed must not read as 'not vetted'");
//! # Ok::<(), fundament::index::IndexError>(())
//! ```
//!
//! Every source is opened once ([`Layered::open`]); a source that cannot be opened stays in
//! the list as a failed layer, so that every look-up reports it instead of reading "not
//! vetted". Look-ups fetch each needed file once, in parallel, and keep what they read for
//! the life of the [`Layered`] value.

pub mod config;
pub mod layout;
pub mod publish;
pub mod record;
pub mod signature;
pub mod site;
pub mod source;
pub mod verify;
pub mod vex;

pub use config::{CONFIG_FILE, Config, Maintainer, SCHEMA_VERSION};

/// How many of a record file's problems one look-up reports (the rest are counted).
const PROBLEMS_PER_LOOKUP: usize = 20;
pub use layout::{NameError, PackageId};
pub use record::{ArtefactCheck, Decision, LicenceFileHash, Record, RecordEvidence};
pub use signature::{SignatureCheck, Signer};
pub use source::{Location, SourceKind};

use crate::registry::http::{Http, HttpOptions};
use rayon::prelude::*;
use record::{Entry, LineProblem};
use serde::{Deserialize, Serialize};
use source::Backend;
use std::collections::{BTreeSet, HashMap};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

/// The precedence of the built-in index unless an `[[index]]` entry with
/// `location = "builtin"` sets another.
pub const BUILTIN_PRECEDENCE: i32 = 0;

/// One `[[index]]` entry of fundament.toml.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct IndexSettings {
    /// A short name, shown with every answer the index gives.
    pub name: String,
    /// A folder, a git URL, an HTTP base URL, or `builtin` (see [`Location::parse`]).
    pub location: String,
    /// Higher wins: the index with the highest precedence that has a decision for a version
    /// answers. Precedences must differ. The built-in index has precedence 0.
    pub precedence: i32,
    /// Forces the kind of source where the location's spelling does not say.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<SourceKind>,
    /// Git: the branch to follow (default: the repository's default branch).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub branch: Option<String>,
    /// Use only records whose signatures verify against the keys of the index's config.json:
    /// an unsigned or badly signed record is ignored and reported (the look-up is then not
    /// conclusive), never used.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub require_signed: bool,
    /// Trust only these keys of the index's config.json (`SHA256:…` fingerprints), so that a
    /// key added to the index's own configuration is not trusted without the policy's
    /// consent. Empty: every key config.json lists.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub trusted_keys: Vec<String>,
}

/// The `[[index]]` entries of a parsed fundament.toml (none when it has no `index` key).
pub fn settings_from_toml(table: &toml::Table) -> Result<Vec<IndexSettings>, String> {
    match table.get("index") {
        None => Ok(Vec::new()),
        Some(value) => value
            .clone()
            .try_into::<Vec<IndexSettings>>()
            .map_err(|e| format!("[[index]]: {e}")),
    }
}

/// How indices are read.
#[derive(Debug, Clone)]
pub struct IndexOptions {
    /// Use no network: git indices use their last clone, HTTP indices answer from the cache.
    pub offline: bool,
    /// fundament's cache directory (git clones under `index-git/`, HTTP answers under
    /// `http-v1/`); `None`: git indices cannot be used and HTTP answers are not cached.
    pub cache_dir: Option<PathBuf>,
    /// The HTTP client's settings (timeouts, retries, CA certificates, credentials); its
    /// `offline` and `cache_dir` are taken from the two fields above.
    pub http: HttpOptions,
    /// Include the index built into fundament.
    pub builtin: bool,
    /// Files fetched at once from HTTP indices.
    pub parallelism: usize,
    /// Relative folder locations are resolved against this directory (the directory of the
    /// fundament.toml that names them); default: the current directory.
    pub base_dir: Option<PathBuf>,
}

impl IndexOptions {
    /// How git indices are fetched: through the same HTTP settings (proxies, CA certificates,
    /// credentials), shallowly.
    pub fn git(&self) -> crate::source::git::GitOptions {
        crate::source::git::GitOptions {
            offline: self.offline,
            http: self.http.clone(),
            ..Default::default()
        }
    }
}

impl Default for IndexOptions {
    fn default() -> Self {
        IndexOptions {
            offline: false,
            cache_dir: None,
            http: HttpOptions::default(),
            builtin: true,
            parallelism: 16,
            base_dir: None,
        }
    }
}

/// Why indices could not be opened or written.
#[derive(Debug, thiserror::Error)]
pub enum IndexError {
    /// The configuration itself is wrong (duplicate names, equal precedences, a bad location).
    #[error("{0}")]
    Config(String),
    #[error("{0}")]
    Name(#[from] NameError),
    #[error("{0}")]
    Invalid(String),
    #[error("{0}")]
    Io(String),
    #[error("{0}")]
    Git(String),
}

/// One index as opened.
#[derive(Debug, Clone, Serialize)]
pub struct LayerInfo {
    pub name: String,
    /// Where it is read from, as shown in reports.
    pub location: String,
    pub precedence: i32,
    pub kind: SourceKind,
    /// The index's own name, from its config.json, when it could be read.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub index_name: Option<String>,
    /// Git: the commit read.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub commit: Option<String>,
    /// Why the index cannot be read at all; every look-up then reports it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub failed: Option<String>,
    /// Why the index may be out of date (a git fetch that failed).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stale: Option<String>,
    /// `failed` and `stale` in translatable form, set together with them (the German reports
    /// render these; JSON keeps the English strings).
    #[serde(skip)]
    pub failed_text: Option<crate::diagnostic::Text>,
    #[serde(skip)]
    pub stale_text: Option<crate::diagnostic::Text>,
    /// The policy uses only its signed records (`require-signed`).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub require_signed: bool,
    /// The keys its config.json trusts (and the policy accepts).
    #[serde(skip_serializing_if = "is_zero")]
    pub signing_keys: usize,
    /// The distinct signers an approval needs in it (0: not counted).
    #[serde(skip_serializing_if = "is_zero_u32")]
    pub approvals: u32,
}

impl LayerInfo {
    /// Marks the index as unreadable, for `why`.
    pub fn fail(&mut self, why: crate::diagnostic::Text) {
        self.failed = Some(why.english());
        self.failed_text = Some(why);
    }

    /// Why the index cannot be read, in translatable form.
    pub fn failure(&self) -> Option<crate::diagnostic::Text> {
        self.failed_text.clone()
    }

    /// Why the index may be out of date, in translatable form.
    pub fn staleness(&self) -> Option<crate::diagnostic::Text> {
        self.stale_text.clone()
    }
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

fn is_zero_u32(n: &u32) -> bool {
    *n == 0
}

/// Whether an approval has the signers its index needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Approvals {
    /// Distinct valid signers.
    pub given: u32,
    /// What the index needs (`approvals` of its config.json).
    pub needed: u32,
}

/// A problem with one index, found when it was opened.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SourceProblem {
    pub index_name: String,
    pub location: String,
    /// True when the index cannot be read at all (false: it is read, but may be stale).
    pub failed: bool,
    pub message: String,
    /// `message` in translatable form (the findings render it in the report's language).
    #[serde(skip)]
    pub text: crate::diagnostic::Text,
}

impl std::fmt::Display for SourceProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "index `{}` ({}): {}",
            self.index_name, self.location, self.message
        )
    }
}

/// A decision found in an index, with where it was found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Decided {
    pub record: Record,
    pub index_name: String,
    pub location: String,
    pub precedence: i32,
    /// The file, relative to the index root.
    pub file: String,
    /// The 1-based line in the file.
    pub line: usize,
    /// Who signed it (valid signatures only).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub signers: Vec<Signer>,
    /// Why its signatures do not count; such a record is never used.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub signature_problems: Vec<String>,
    /// For an approval in an index that counts approvals.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub approvals: Option<Approvals>,
}

impl Decided {
    /// The decision as it counts: an approval short of its signers is under review.
    pub fn decision(&self) -> Decision {
        effective(self.record.decision, self.approvals)
    }
}

fn effective(decision: Decision, approvals: Option<Approvals>) -> Decision {
    match approvals {
        Some(a) if decision == Decision::Approved && a.given < a.needed => Decision::UnderReview,
        _ => decision,
    }
}

/// The decision in force for one version, and what it overrides.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Answer {
    pub record: Record,
    /// The `[[index]]` name of the index that answered.
    pub index_name: String,
    pub location: String,
    /// The precedence of that index.
    pub precedence: i32,
    pub file: String,
    pub line: usize,
    /// Every other record covering the version: the same index's earlier lines (newest
    /// first), then the records of indices of lower precedence (highest first, each newest
    /// first).
    pub superseded: Vec<Decided>,
    /// Who signed the record (valid signatures only).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub signers: Vec<Signer>,
    /// For an approval in an index that counts approvals: an approval short of its signers
    /// is under review ([`Answer::decision`]).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub approvals: Option<Approvals>,
}

impl Answer {
    /// The decision as it counts: the record's, except that an approval short of the signers
    /// its index needs is under review.
    pub fn decision(&self) -> Decision {
        effective(self.record.decision, self.approvals)
    }

    /// Where the record is, for findings: `<index name>:<file>:<line>`.
    pub fn source(&self) -> crate::diagnostic::Location {
        crate::diagnostic::Location {
            file: format!("index `{}` {}", self.index_name, self.file),
            line: Some(self.line),
        }
    }

    /// The record as a curation of the package `name` at `version` (see
    /// [`Record::curation`]); `checksum` is the package's lockfile checksum, which vouches for
    /// its files when it equals the archive hash the record pins.
    pub fn curation(
        &self,
        name: &str,
        version: &str,
        checksum: Option<&str>,
    ) -> Option<crate::licence::Curation> {
        let verified = self.record.artefact_check(checksum) == ArtefactCheck::Matches;
        self.record.curation(name, version, self.source(), verified)
    }
}

/// Why an index could not answer for one package.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum LookupError {
    /// The package's name cannot be in an index (it would escape the tree, is too long, or is
    /// of an ecosystem indices do not hold).
    Name { message: String },
    /// One index could not be read for this package: it failed to open, the file could not
    /// be fetched (a server error, a timeout, offline and not cached), or the file has lines
    /// that are not valid records.
    Index {
        index_name: String,
        location: String,
        precedence: i32,
        message: String,
        /// `message` in translatable form, where fundament worded it (an index that failed
        /// to open); the German reports render it.
        #[serde(skip)]
        reason: Option<crate::diagnostic::Text>,
    },
}

impl LookupError {
    /// The error as a translatable text ([`std::fmt::Display`] in English).
    pub fn text(&self) -> crate::diagnostic::Text {
        use crate::diagnostic::Text;
        match self {
            LookupError::Name { message } => Text::verbatim(message),
            LookupError::Index {
                index_name,
                message,
                reason,
                ..
            } => crate::text!("lookup_index_error", index = index_name).sub(
                "message",
                reason.clone().unwrap_or_else(|| Text::verbatim(message)),
            ),
        }
    }
}

impl std::fmt::Display for LookupError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            LookupError::Name { message } => f.write_str(message),
            LookupError::Index {
                index_name,
                message,
                ..
            } => write!(f, "index `{index_name}`: {message}"),
        }
    }
}

/// The outcome of looking one version up in every index.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Lookup {
    /// The decision in force, from the index of highest precedence that has one.
    pub answer: Option<Answer>,
    /// Indices that could not answer. An error from an index of higher (or equal) precedence
    /// than the one that answered, or any error when none answered, means the outcome is
    /// not certain: see [`Lookup::conclusive`].
    pub errors: Vec<LookupError>,
}

impl Lookup {
    /// True when no index that could have changed the outcome failed: the answer (or the
    /// absence of one, "not vetted") can be relied on.
    pub fn conclusive(&self) -> bool {
        match &self.answer {
            None => self.errors.is_empty(),
            Some(answer) => self.errors.iter().all(|e| match e {
                LookupError::Name { .. } => false,
                LookupError::Index { precedence, .. } => *precedence < answer.precedence,
            }),
        }
    }

    /// The decision in force, if any (an approval short of its signers is under review).
    pub fn decision(&self) -> Option<Decision> {
        self.answer.as_ref().map(Answer::decision)
    }
}

struct Layer {
    info: LayerInfo,
    backend: Option<Backend>,
    /// The keys of its config.json that sign its records (those the policy trusts).
    keyring: Arc<signature::Keyring>,
}

/// A file as read from one index.
#[derive(Debug)]
struct FileRead {
    entries: Vec<Entry>,
    problems: Vec<LineProblem>,
    /// The signature checks of the signed entries, by line.
    checks: HashMap<usize, SignatureCheck>,
}

impl FileRead {
    fn parse(bytes: &[u8], keyring: &signature::Keyring) -> FileRead {
        let text = String::from_utf8_lossy(bytes);
        let (entries, problems) = record::parse_lines(&text);
        let checks = entries
            .iter()
            .filter_map(|e| {
                let signed = e.signed.as_deref()?;
                Some((e.line, signature::check(&e.record, signed, keyring)))
            })
            .collect();
        FileRead {
            entries,
            problems,
            checks,
        }
    }

    /// What a layer's look-up makes of an entry: `Err` when it must be ignored (why).
    fn trust(
        &self,
        entry: &Entry,
        require_signed: bool,
        approvals: u32,
    ) -> Result<Trusted, String> {
        let check = self.checks.get(&entry.line).cloned().unwrap_or_default();
        if !entry.record.signatures.is_empty() && !check.valid() {
            return Err(format!(
                "ignored: its signatures do not hold ({})",
                check.problems.join("; ")
            ));
        }
        if entry.record.signatures.is_empty() && require_signed {
            return Err(
                "ignored: unsigned, and the policy uses only signed records of this index (`require-signed`)"
                    .to_string(),
            );
        }
        let approvals =
            (approvals > 0 && entry.record.decision == Decision::Approved).then_some(Approvals {
                given: check.signers.len() as u32,
                needed: approvals,
            });
        Ok(Trusted {
            signers: check.signers,
            approvals,
        })
    }
}

/// What the signatures of a usable entry give.
struct Trusted {
    signers: Vec<Signer>,
    approvals: Option<Approvals>,
}

type Fetched = Arc<Result<Option<FileRead>, String>>;

/// Several indices, read in order of precedence.
pub struct Layered {
    /// Highest precedence first.
    layers: Vec<Layer>,
    http: Option<Http>,
    pool: Option<rayon::ThreadPool>,
    files: Mutex<HashMap<(usize, String), Fetched>>,
}

impl std::fmt::Debug for Layered {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Layered")
            .field("layers", &self.layers())
            .finish()
    }
}

impl Layered {
    /// Opens every configured index (and the built-in one, unless `options.builtin` is off).
    /// `Err` only for configuration mistakes; an index that cannot be reached is kept as a
    /// failed layer and reported by [`Layered::problems`] and by every look-up.
    pub fn open(settings: &[IndexSettings], options: &IndexOptions) -> Result<Layered, IndexError> {
        let base_dir = options
            .base_dir
            .clone()
            .or_else(|| std::env::current_dir().ok())
            .unwrap_or_default();
        let mut entries: Vec<(IndexSettings, Location)> = Vec::new();
        for s in settings {
            if s.name.trim().is_empty() {
                return Err(IndexError::Config(format!(
                    "the [[index]] entry for `{}` has an empty name",
                    s.location
                )));
            }
            let location = Location::parse(&s.location, s.kind, &base_dir)?;
            entries.push((s.clone(), location));
        }
        if options.builtin && !entries.iter().any(|(_, l)| *l == Location::Builtin) {
            entries.push((
                IndexSettings {
                    name: "fundament".to_string(),
                    location: source::BUILTIN_LOCATION.to_string(),
                    precedence: BUILTIN_PRECEDENCE,
                    ..Default::default()
                },
                Location::Builtin,
            ));
        }
        if !options.builtin {
            entries.retain(|(_, l)| *l != Location::Builtin);
        }
        let mut names = BTreeSet::new();
        let mut precedences: HashMap<i32, String> = HashMap::new();
        for (s, _) in &entries {
            if !names.insert(s.name.clone()) {
                return Err(IndexError::Config(format!(
                    "two [[index]] entries are named `{}`; names must differ",
                    s.name
                )));
            }
            if let Some(other) = precedences.insert(s.precedence, s.name.clone()) {
                return Err(IndexError::Config(format!(
                    "the indices `{other}` and `{}` both have precedence {}; give them different precedences (higher wins{})",
                    s.name,
                    s.precedence,
                    if s.precedence == BUILTIN_PRECEDENCE {
                        "; the built-in index has precedence 0"
                    } else {
                        ""
                    }
                )));
            }
        }
        entries.sort_by_key(|e| std::cmp::Reverse(e.0.precedence));

        let needs_http = entries
            .iter()
            .any(|(_, l)| matches!(l, Location::Http { .. }));
        let http = if needs_http {
            let mut http_options = options.http.clone();
            http_options.offline = options.offline;
            http_options.cache_dir = options.cache_dir.clone();
            Some(Http::new(http_options).map_err(|e| IndexError::Config(e.to_string()))?)
        } else {
            None
        };

        let mut layers = Vec::new();
        for (s, location) in entries {
            let kind = match &location {
                Location::Builtin => SourceKind::Builtin,
                Location::Folder(_) => SourceKind::Folder,
                Location::Git { .. } => SourceKind::Git,
                Location::Http { .. } => SourceKind::Http,
            };
            let mut info = LayerInfo {
                name: s.name.clone(),
                location: location.display(),
                precedence: s.precedence,
                kind,
                index_name: None,
                commit: None,
                failed: None,
                stale: None,
                failed_text: None,
                stale_text: None,
                require_signed: s.require_signed,
                signing_keys: 0,
                approvals: 0,
            };
            let mut keyring = signature::Keyring::default();
            let backend = match &location {
                Location::Builtin => Ok(Backend::Builtin),
                Location::Folder(path) => Ok(Backend::Folder(path.clone())),
                Location::Http { base } => Ok(Backend::Http(base.clone())),
                Location::Git { url } => match &options.cache_dir {
                    None => Err(crate::text!("index_git_needs_cache", url = url)),
                    Some(cache) => {
                        match source::sync_git(url, s.branch.as_deref(), cache, &options.git()) {
                            Ok(checkout) => {
                                info.commit = Some(checkout.commit);
                                info.stale = checkout.stale;
                                info.stale_text = checkout.stale_text;
                                Ok(Backend::Folder(checkout.dir))
                            }
                            Err(e) => Err(e.reason_text()),
                        }
                    }
                },
            };
            let backend = backend.and_then(|b| {
                let config = b
                    .config(http.as_ref())
                    .map_err(crate::diagnostic::Text::verbatim)?;
                keyring = signature::Keyring::from_config(&config, &s.trusted_keys);
                info.signing_keys = keyring.holders().len();
                info.approvals = config.approvals;
                info.index_name = Some(config.name);
                Ok(b)
            });
            let backend = match backend {
                Ok(b) => Some(b),
                Err(why) => {
                    info.fail(why);
                    None
                }
            };
            layers.push(Layer {
                info,
                backend,
                keyring: Arc::new(keyring),
            });
        }
        let pool = if needs_http {
            rayon::ThreadPoolBuilder::new()
                .num_threads(options.parallelism.max(1))
                .build()
                .ok()
        } else {
            None
        };
        Ok(Layered {
            layers,
            http,
            pool,
            files: Mutex::new(HashMap::new()),
        })
    }

    /// Names every index that was given without a name (on the command line) by the name
    /// its config.json gives, where that name is unique among the indices.
    pub fn name_by_config(&mut self) {
        let mut counts: HashMap<String, usize> = HashMap::new();
        for layer in &self.layers {
            if let Some(name) = &layer.info.index_name {
                *counts.entry(name.clone()).or_default() += 1;
            }
            *counts.entry(layer.info.name.clone()).or_default() += 0;
        }
        for layer in &mut self.layers {
            if layer.info.kind == SourceKind::Builtin {
                continue;
            }
            if let Some(name) = &layer.info.index_name
                && counts.get(name) == Some(&1)
            {
                layer.info.name = name.clone();
            }
        }
    }

    /// The indices, highest precedence first.
    pub fn layers(&self) -> Vec<LayerInfo> {
        self.layers.iter().map(|l| l.info.clone()).collect()
    }

    /// What went wrong when the indices were opened: failed and stale indices.
    pub fn problems(&self) -> Vec<SourceProblem> {
        let mut out = Vec::new();
        for layer in &self.layers {
            let info = &layer.info;
            for (failed, message, text) in [
                (true, &info.failed, info.failure()),
                (false, &info.stale, info.staleness()),
            ] {
                if let (Some(message), Some(text)) = (message, text) {
                    out.push(SourceProblem {
                        index_name: info.name.clone(),
                        location: info.location.clone(),
                        failed,
                        message: message.clone(),
                        text,
                    });
                }
            }
        }
        out
    }

    /// HTTP requests made so far (retries counted).
    pub fn http_requests(&self) -> usize {
        self.http.as_ref().map_or(0, Http::requests)
    }

    /// Looks one version up.
    pub fn lookup(&self, purl: &str, version: &str) -> Lookup {
        self.lookup_many(&[(purl, version)])
            .pop()
            .unwrap_or(Lookup {
                answer: None,
                errors: Vec::new(),
            })
    }

    /// Looks versions up, in the order given: `(purl, version)` where the purl may carry a
    /// version (it is ignored; `version` counts). Each package's file is fetched once per
    /// index, in parallel.
    pub fn lookup_many(&self, queries: &[(&str, &str)]) -> Vec<Lookup> {
        let ids: Vec<Result<PackageId, NameError>> = queries
            .iter()
            .map(|(purl, _)| PackageId::from_purl(purl))
            .collect();
        let mut needed: Vec<(usize, String)> = Vec::new();
        {
            let files = self
                .files
                .lock()
                .map(|f| f.keys().cloned().collect::<BTreeSet<_>>());
            let known = files.unwrap_or_default();
            let mut wanted = BTreeSet::new();
            for id in ids.iter().flatten() {
                let path = id.path();
                for (index, layer) in self.layers.iter().enumerate() {
                    if layer.backend.is_some() {
                        let key = (index, path.clone());
                        if !known.contains(&key) && wanted.insert(key.clone()) {
                            needed.push(key);
                        }
                    }
                }
            }
        }
        let fetch = |(index, path): &(usize, String)| -> ((usize, String), Fetched) {
            let layer = &self.layers[*index];
            let result = match &layer.backend {
                Some(backend) => backend
                    .read(path, self.http.as_ref())
                    .map(|bytes| bytes.map(|bytes| FileRead::parse(&bytes, &layer.keyring))),
                None => Err("the index could not be opened".to_string()),
            };
            ((*index, path.clone()), Arc::new(result))
        };
        let fetched: Vec<((usize, String), Fetched)> = match &self.pool {
            Some(pool) => pool.install(|| needed.par_iter().map(fetch).collect()),
            None => needed.par_iter().map(fetch).collect(),
        };
        let files = {
            let mut map = match self.files.lock() {
                Ok(map) => map,
                Err(poisoned) => poisoned.into_inner(),
            };
            map.extend(fetched);
            map.clone()
        };
        queries
            .iter()
            .zip(ids)
            .map(|((_, version), id)| match id {
                Err(e) => Lookup {
                    answer: None,
                    errors: vec![LookupError::Name {
                        message: e.to_string(),
                    }],
                },
                Ok(id) => self.answer(&id, version, &files),
            })
            .collect()
    }

    fn answer(
        &self,
        id: &PackageId,
        version: &str,
        files: &HashMap<(usize, String), Fetched>,
    ) -> Lookup {
        let path = id.path();
        let mut decided: Vec<Decided> = Vec::new();
        let mut errors = Vec::new();
        let mut answer_at: Option<usize> = None;
        for (index, layer) in self.layers.iter().enumerate() {
            let error = |message: String| LookupError::Index {
                index_name: layer.info.name.clone(),
                location: layer.info.location.clone(),
                precedence: layer.info.precedence,
                message,
                reason: None,
            };
            if let Some(failed) = &layer.info.failed {
                errors.push(LookupError::Index {
                    index_name: layer.info.name.clone(),
                    location: layer.info.location.clone(),
                    precedence: layer.info.precedence,
                    message: failed.clone(),
                    reason: layer.info.failure(),
                });
                continue;
            }
            let Some(result) = files.get(&(index, path.clone())) else {
                continue;
            };
            let read = match result.as_ref() {
                Err(message) => {
                    errors.push(error(message.clone()));
                    continue;
                }
                Ok(None) => continue,
                Ok(Some(read)) => read,
            };
            // Each look-up names a file's first problems, not all: a file of many bad lines
            // must not make every look-up in it as long as the file.
            for problem in read.problems.iter().take(PROBLEMS_PER_LOOKUP) {
                errors.push(error(format!(
                    "{path}:{}: {}",
                    problem.line, problem.message
                )));
            }
            if read.problems.len() > PROBLEMS_PER_LOOKUP {
                errors.push(error(format!(
                    "{path}: {} more problems (`fundament index verify` lists every one)",
                    read.problems.len() - PROBLEMS_PER_LOOKUP
                )));
            }
            let mut covering = Vec::new();
            for entry in record::covering(&read.entries, id, version) {
                match read.trust(entry, layer.info.require_signed, layer.info.approvals) {
                    Ok(trusted) => covering.push(Decided {
                        record: entry.record.clone(),
                        index_name: layer.info.name.clone(),
                        location: layer.info.location.clone(),
                        precedence: layer.info.precedence,
                        file: path.clone(),
                        line: entry.line,
                        signers: trusted.signers,
                        signature_problems: Vec::new(),
                        approvals: trusted.approvals,
                    }),
                    Err(why) => errors.push(error(format!("{path}:{}: {why}", entry.line))),
                }
            }
            if !covering.is_empty() && answer_at.is_none() {
                answer_at = Some(decided.len());
            }
            decided.extend(covering);
        }
        let answer = answer_at.map(|at| {
            let first = decided.remove(at);
            Answer {
                record: first.record,
                index_name: first.index_name,
                location: first.location,
                precedence: first.precedence,
                file: first.file,
                line: first.line,
                superseded: decided,
                signers: first.signers,
                approvals: first.approvals,
            }
        });
        Lookup { answer, errors }
    }

    /// Every record of a package in every index (highest precedence first, file order), with
    /// the problems met.
    pub fn records_of(&self, purl: &str) -> Result<(Vec<Decided>, Vec<LookupError>), NameError> {
        let id = PackageId::from_purl(purl)?;
        // A look-up fetches the files; the version does not matter here.
        let lookup = self.lookup_many(&[(purl, "")]);
        let mut errors = lookup
            .into_iter()
            .flat_map(|l| l.errors)
            .collect::<Vec<_>>();
        errors.dedup();
        let files = match self.files.lock() {
            Ok(map) => map.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        };
        let path = id.path();
        let mut out = Vec::new();
        for (index, layer) in self.layers.iter().enumerate() {
            if let Some(result) = files.get(&(index, path.clone()))
                && let Ok(Some(read)) = result.as_ref()
            {
                out.extend(read.entries.iter().filter(|e| e.id == id).map(|e| {
                    let (signers, signature_problems, approvals) =
                        match read.trust(e, layer.info.require_signed, layer.info.approvals) {
                            Ok(t) => (t.signers, Vec::new(), t.approvals),
                            Err(why) => (Vec::new(), vec![why], None),
                        };
                    Decided {
                        record: e.record.clone(),
                        index_name: layer.info.name.clone(),
                        location: layer.info.location.clone(),
                        precedence: layer.info.precedence,
                        file: path.clone(),
                        line: e.line,
                        signers,
                        signature_problems,
                        approvals,
                    }
                }));
            }
        }
        Ok((out, errors))
    }

    /// The folders of the indices that can be listed (folders, git clones, the built-in
    /// index), for search; HTTP indices cannot be listed.
    pub(crate) fn listable(&self) -> Vec<(LayerInfo, Option<PathBuf>)> {
        self.layers
            .iter()
            .filter_map(|l| match &l.backend {
                Some(Backend::Folder(path)) => Some((l.info.clone(), Some(path.clone()))),
                Some(Backend::Builtin) => Some((l.info.clone(), None)),
                _ => None,
            })
            .collect()
    }
}

/// Whether indices hold packages of this ecosystem.
pub fn holds(ecosystem: crate::model::Ecosystem) -> bool {
    layout::ECOSYSTEMS.contains(&ecosystem)
}

/// Today: the UTC date of `SOURCE_DATE_EPOCH` when it is set (reproducible builds and
/// tests), else the local date.
pub fn today() -> jiff::civil::Date {
    if let Some(epoch) = std::env::var("SOURCE_DATE_EPOCH")
        .ok()
        .and_then(|v| v.trim().parse::<i64>().ok())
        && let Ok(ts) = jiff::Timestamp::from_second(epoch)
    {
        return ts.to_zoned(jiff::tz::TimeZone::UTC).date();
    }
    jiff::Zoned::now().date()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_layered_index_can_be_shared_between_threads() {
        fn shared<T: Send + Sync>() {}
        shared::<Layered>();
        shared::<Lookup>();
    }

    #[test]
    fn conclusive_means_no_index_that_could_change_the_answer_failed() {
        let record = Record {
            purl: "pkg:cargo/serde".to_string(),
            version: Some("1.0.0".to_string()),
            versions: None,
            decision: Decision::Approved,
            licence: "MIT".to_string(),
            reviewer: "A".to_string(),
            organisation: "O".to_string(),
            date: "2026-01-01".to_string(),
            review_by: None,
            notes: None,
            evidence: RecordEvidence::default(),
            no_evidence: None,
            signatures: Vec::new(),
            vex: Vec::new(),
        };
        let error = |precedence| LookupError::Index {
            index_name: "x".to_string(),
            location: "x".to_string(),
            precedence,
            message: "500".to_string(),
            reason: None,
        };
        let answer = Answer {
            record,
            index_name: "a".to_string(),
            location: "a".to_string(),
            precedence: 5,
            file: "cargo/se/rd/serde".to_string(),
            line: 1,
            superseded: Vec::new(),
            signers: Vec::new(),
            approvals: None,
        };
        let lookup = |answer: Option<Answer>, errors| Lookup { answer, errors };
        assert!(lookup(Some(answer.clone()), vec![]).conclusive());
        assert!(lookup(Some(answer.clone()), vec![error(4)]).conclusive());
        assert!(!lookup(Some(answer.clone()), vec![error(6)]).conclusive());
        assert!(!lookup(None, vec![error(1)]).conclusive());
        assert!(lookup(None, vec![]).conclusive());
    }
}
