//! Findings: what the audit reports, each with a stable code.
//!
//! Codes never change meaning once released; new findings get new codes. The catalogue is
//! documented in docs/diagnostics.md, and a test keeps that file and [`Code::ALL`] in step.

use serde::Serialize;
use std::fmt;

mod fold;
pub mod help;

pub use fold::{PackageFacts, fold};
pub use help::{attach_help, help_anchor, help_text};

/// How serious a finding is. Errors make the audit fail; warnings and notes do not.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
    Note,
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Note => "note",
        })
    }
}

macro_rules! codes {
    ($( $variant:ident = $code:literal, $slug:literal, $summary:literal; )*) => {
        /// A finding's stable code.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum Code { $( $variant, )* }

        impl Code {
            /// Every code, in catalogue order.
            pub const ALL: &'static [Code] = &[ $( Code::$variant, )* ];

            /// The code as printed: a letter for the area and three digits.
            pub fn as_str(self) -> &'static str {
                match self { $( Code::$variant => $code, )* }
            }

            /// A short, stable name for the finding.
            pub fn slug(self) -> &'static str {
                match self { $( Code::$variant => $slug, )* }
            }

            /// One sentence on what the finding means.
            pub fn summary(self) -> &'static str {
                match self { $( Code::$variant => $summary, )* }
            }
        }
    };
}

codes! {
    // Licences: the verdict on a package's licence.
    LicenceDenied = "L001", "licence-denied",
        "The package's licence is denied by a `deny` rule of the policy.";
    LicenceNotAllowed = "L002", "licence-not-allowed",
        "No rule of the policy allows the package's licence; policies deny by default.";
    LicenceNeedsReview = "L003", "licence-needs-review",
        "The package's licence matches a `review` rule: a person must decide.";
    LicenceUnknown = "L004", "licence-unknown",
        "No licence could be established for the package (NOASSERTION).";
    LicenceUnparsable = "L005", "licence-unparsable",
        "The declared licence is neither an SPDX expression nor a known licence name.";
    LicenceAssumed = "L006", "licence-assumed",
        "The declared licence is ambiguous; fundament read it as the most likely SPDX expression.";
    LicenceMismatch = "L007", "licence-mismatch",
        "The declared licence disagrees with the licence texts found in the package.";
    LicenceFileMissing = "L008", "licence-file-missing",
        "A licence file named by the package metadata does not exist.";
    LicenceNotInInput = "L009", "licence-not-in-input",
        "The lockfile or manifest records no licence for the package and no other evidence was found; it is unresolved.";
    ProjectLicenceMismatch = "L010", "project-licence-mismatch",
        "The sources of the project's own licence (manifest, publiccode.yml, REUSE, licence files) disagree.";
    LicenceFilesOverride = "L011", "licence-files-override",
        "A vague declared licence (\"LGPL\", \"BSD License\") disagrees with the package's licence files; the files win.";
    // Compatibility: dependencies against the project's own (outbound) licence.
    LicenceIncompatible = "C001", "licence-incompatible",
        "The dependency's licence cannot be combined with the project's licence under the policy's use.";
    CompatibilityNeedsReview = "C002", "compatibility-needs-review",
        "Whether the dependency's licence fits the project's licence depends on how they are combined, or no source gives a verdict.";
    ObligationTriggered = "C003", "obligation-triggered",
        "The way the project is used triggers an obligation of a licence (e.g. offering source to network users).";
    OutboundLicenceUnknown = "C004", "outbound-licence-unknown",
        "The policy asks for compatibility checks, but the project's own licence is not known.";
    // Policy: exceptions, clarifications and the policy's own entries.
    ExceptionExpired = "P001", "exception-expired",
        "An exception has passed its `expires` date; it no longer applies and must be renewed or removed.";
    ExceptionUnused = "P002", "exception-unused",
        "An exception matched no package, or no licence of the package it names.";
    AllowUnused = "P003", "allow-unused",
        "An `allow` entry naming a licence matched no package.";
    ClarifyStale = "P004", "clarify-stale",
        "A clarification's licence-file hash does not match the package's file: the clarification was not applied.";
    ClarifyUnused = "P005", "clarify-unused",
        "A clarification matched no package.";
    ExceptionApplied = "P006", "exception-applied",
        "A package passed only because of an exception.";
    ClarifyApplied = "P007", "clarify-applied",
        "A package's licence was taken from a clarification instead of its metadata.";
    PolicyFromAuditedTree = "P008", "policy-from-audited-tree",
        "The verdict follows a policy from the audited tree: the audited party's own rules, not the auditor's.";
    AuditedTreePolicyIgnored = "P009", "audited-tree-policy-ignored",
        "The audited tree has its own policy (fundament.toml), which was not applied; the auditor's policy decided.";
    ScopeNarrowed = "P010", "scope-narrowed",
        "`--scope` left out packages used only in other scopes; they were not audited.";
    ClarifyExpired = "P011", "clarify-expired",
        "A clarification has passed its `expires` date; it is no longer applied.";
    // Registries: licences looked up where the input does not record them.
    RegistryLookupFailed = "R001", "registry-lookup-failed",
        "A package's licence could not be looked up in its registry; it stays unresolved.";
    RegistryNotConfigured = "R002", "registry-not-configured",
        "Packages need their licence from a registry, but none is configured for their ecosystem.";
    RegistryOfflineUncached = "R003", "registry-offline-uncached",
        "Offline, and the registry's answer is not in the cache: the licence stays unresolved.";
    RegistryResolved = "R004", "registry-resolved",
        "Licences were read from a registry (how many, from where, how many from the cache).";
    RegistryFromTree = "R005", "registry-from-tree",
        "The audited tree's own configuration names a registry, or tried to give credentials or expand variables: endpoints are used, credentials and expansions never.";
    ArchiveUnusable = "R009", "archive-unusable",
        "A package archive read for its licence was refused or could not be read (integrity mismatch, compression bomb, traversal or link entry, over the size cap, an HTML page or 404 instead of the archive): nothing of it was used.";
    // Vetting: what indices of vetted components say about the packages.
    IndexUnavailable = "V001", "index-unavailable",
        "An index could not be read, or a look-up in it failed: the vetting of the packages concerned is unknown.";
    VettingRejected = "V002", "vetting-rejected",
        "An index records the decision `rejected` for a package version.";
    NotVetted = "V003", "not-vetted",
        "A package is not approved in any index, and the policy requires vetting.";
    UnderReview = "V004", "under-review",
        "A package's review is still open (`under-review`), and the policy requires vetting.";
    IndexLicenceNotApplied = "V005", "index-licence-not-applied",
        "An index record's licence was not used: the package's licence files differ from those the review relied on, or could not be checked.";
    ArchiveDiffers = "V006", "archive-differs",
        "A package's lockfile checksum differs from the archive hash its approval pins: it is not the reviewed archive, and the approval does not count.";
    ReviewOverdue = "V007", "review-overdue",
        "An approval's review-by date has passed.";
    IndexStale = "V008", "index-stale",
        "A git index could not be fetched; its last clone was used.";
    Vetted = "V009", "vetted",
        "How many packages indices approve, and which indices answered.";
    // Advisories: known vulnerabilities (OSV, RustSec) and VEX statements from the indices.
    Vulnerability = "A001", "vulnerability",
        "A package version is affected by a known vulnerability.";
    AdvisoryInformational = "A002", "advisory-informational",
        "An informational advisory (RustSec: unmaintained, unsound, notice) concerns a package version.";
    VulnerabilityNotAffected = "A003", "vulnerability-not-affected",
        "A VEX statement in an index says the package version is not affected by, or has a fix for, a known vulnerability.";
    VulnerabilityIgnored = "A004", "vulnerability-ignored",
        "A known vulnerability is ignored by an `[[advisories.ignore]]` entry of the policy.";
    AdvisoryIgnoreExpired = "A005", "advisory-ignore-expired",
        "An `[[advisories.ignore]]` entry has passed its `expires` date; the vulnerability counts again.";
    AdvisoryIgnoreUnused = "A006", "advisory-ignore-unused",
        "An `[[advisories.ignore]]` entry matched no vulnerability of any package.";
    AdvisoryDataMissing = "A007", "advisory-data-missing",
        "No advisory source holds data for an ecosystem the audit has packages of: their vulnerabilities were not checked.";
    AdvisoryDataStale = "A008", "advisory-data-stale",
        "Advisory data is older than the policy's `max-age`, or could not be updated and the cached copy was used.";
    AdvisorySourceUnavailable = "A009", "advisory-source-unavailable",
        "An advisory source could not be read: the vulnerabilities it would have shown are unknown.";
    AdvisoryRecordInvalid = "A010", "advisory-record-invalid",
        "An advisory record or file could not be read, in full or in part; the rest of the data was used.";
    VersionUnorderable = "A011", "version-unorderable",
        "A package's version cannot be read in its ecosystem's version order; only advisories that list versions one by one were checked.";
    AdvisoriesNotChecked = "A012", "advisories-not-checked",
        "Known vulnerabilities were not checked: no advisory source is configured, or the check is turned off.";
    AdvisoriesChecked = "A013", "advisories-checked",
        "How many packages were checked against which advisory data, how old it is, and what was found.";
    CrateYanked = "A014", "crate-yanked",
        "A crate release in the lockfile was yanked from its registry.";
    YankedNotChecked = "A015", "yanked-not-checked",
        "Whether crate releases were yanked from their registry could not be determined.";
    // Notices: what the attribution file lacks (fundament notices).
    NoticeCopyrightMissing = "N001", "notice-copyright-missing",
        "A listed component has no copyright notice in its licence or NOTICE files.";
    NoticeTextMissing = "N002", "notice-text-missing",
        "A listed component ships no licence text of its own; the SPDX reference text stands in, or no text is available.";
    // Input: what could not be read.
    InputUnreadable = "I001", "input-unreadable",
        "A manifest or lockfile could not be read or parsed.";
    LockfileMissing = "I002", "lockfile-missing",
        "A project has no lockfile, so its dependencies cannot be determined without resolving them.";
    LockfileVersionUnsupported = "I003", "lockfile-version-unsupported",
        "A lockfile has a format version fundament does not read.";
    SymlinkOutsideRoot = "I004", "symlink-outside-root",
        "A file or directory links outside the audited tree, or a path the input names leads outside it; it was not read.";
    ResolutionDegraded = "I005", "resolution-degraded",
        "The project was read from its lockfile alone: versions are known, licences are not.";
    PackageMetadataUnreadable = "I006", "package-metadata-unreadable",
        "An installed package's own metadata could not be read; the lockfile's data was used.";
    DependencyUnresolved = "I007", "dependency-unresolved",
        "A dependency named in a lockfile could not be found in it.";
    EcosystemUnsupported = "I008", "ecosystem-unsupported",
        "A project uses a package manager this version of fundament does not read; it was not audited.";
    NoProjects = "I009", "no-projects",
        "No project was found in the audited directory, so nothing was checked.";
    VersionUnresolved = "I010", "version-unresolved",
        "A dependency is declared without a version fundament can resolve locally (unpinned, no lockfile, unresolvable property); it is listed, not guessed.";
    PomUnavailable = "I011", "pom-unavailable",
        "A POM that a Maven or Gradle graph needs (a dependency's, a parent, a BOM, a version list) could not be read: missing, not a POM, a cycle; the graph below it is incomplete.";
    ProfileUndecided = "I012", "profile-undecided",
        "Whether a Maven profile is active depends on the build machine (its environment, a file outside the tree); it was taken as inactive.";
    ResolvedFromDeclarations = "I013", "resolved-from-declarations",
        "Packages were resolved by fundament from the declarations (no lockfile fixes their versions): what the build tool would most likely use, not locked.";
    PackagesLeftOut = "I014", "packages-left-out",
        "Packages of the lockfile that no build for the policy's targets compiles were left out of the audit; the finding lists them and why.";
    // Scan: the portfolio (`fundament scan` and `merge`), never inside one audit.
    RepositoryUnavailable = "S001", "repository-unavailable",
        "A repository could not be cloned, fetched or read; it has no result.";
    RepositoryStale = "S002", "repository-stale",
        "A repository could not be fetched; its last fetch was audited.";
    ShardMissing = "S003", "shard-missing",
        "A shard of the scan delivered nothing; its repositories have no result.";
    ShardDuplicated = "S004", "shard-duplicated",
        "A shard was delivered more than once; the copy that finished last was used.";
    ResultMissing = "S005", "result-missing",
        "A listed repository has no readable result although its shard is there.";
    ListingDiffers = "S006", "listing-differs",
        "The shards saw different listings of the portfolio.";
    ShardsIncompatible = "S007", "shards-incompatible",
        "A shard manifest belongs to another scan (another shard count or other settings); it was left out.";
    ManifestUnreadable = "S008", "manifest-unreadable",
        "A shard manifest could not be read.";
    RepositorySkipped = "S009", "repository-skipped",
        "A listed repository was not scanned (archived, empty, disabled, listed twice).";
    PortfolioEmpty = "S010", "portfolio-empty",
        "The scan listed no repository, so nothing was checked.";
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for Code {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

/// A place in a file, for findings about input or policy files.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct Location {
    pub file: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<usize>,
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            Some(line) => write!(f, "{}:{}", self.file, line),
            None => f.write_str(&self.file),
        }
    }
}

/// One finding of the audit.
#[derive(Debug, Clone, Serialize)]
pub struct Finding {
    pub code: Code,
    pub slug: &'static str,
    pub severity: Severity,
    pub message: String,
    /// The package the finding is about, by purl.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub package: Option<String>,
    /// The licence expression the finding is about.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub licence: Option<String>,
    /// Where that licence came from, in words ("declared in Cargo.toml `license`").
    #[serde(skip_serializing_if = "Option::is_none")]
    pub licence_source: Option<String>,
    /// The chain of packages from a project root to the package ("name version").
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub path: Vec<String>,
    /// The lockfile (else manifest) of the project whose graph `path` runs through.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path_file: Option<String>,
    /// The advisory the finding is about (A codes): the vulnerability's id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub advisory: Option<String>,
    /// The file (and line) the finding points at.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub location: Option<Location>,
    /// Further explanation, one sentence each.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
    /// A finding folded from several packages with the same cause: every package's purl
    /// (`package` is then absent). See [`fold`].
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub packages: Vec<String>,
    /// How many packages a folded finding stands for.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub count: Option<usize>,
    /// The code of the input finding this one follows from ("I005"): fix that first.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub caused_by: Option<String>,
    /// The next step, one or two sentences (docs/diagnostics.md, "How to fix").
    #[serde(skip_serializing_if = "Option::is_none")]
    pub help: Option<String>,
    /// A ready-to-paste policy entry (TOML) that would resolve the finding, with `<…>`
    /// placeholders for reason, approver and expiry.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fix: Option<String>,
    /// The message in translatable form, where the finding has one: `message` is its English
    /// rendering. The German reports render this (see [`Finding::message_in`]); JSON and SARIF
    /// keep the English `message`.
    #[serde(skip)]
    pub text: Option<Text>,
    /// Notes given in translatable form: the English note (as in `notes`) and its [`Text`].
    /// The German reports render these; a note without one is shown as written.
    #[serde(skip)]
    pub note_texts: Vec<(String, Text)>,
    /// The case of its code this finding is, where the code's "How to fix" entry has a
    /// paragraph for it (an I007 without a lockfile): its `help` is that paragraph.
    #[serde(skip)]
    pub help_case: Option<help::HelpCase>,
}

/// A message in translatable form: the key of its template in the message tables
/// (src/report/i18n/en.toml and de.toml: section `[message]`, or any `section.key`) and the values of its `{name}`
/// placeholders. A template may come in a singular and a plural form (`key_one`, `key_other`),
/// chosen by the argument `n`. Values are shown as given (package names, licence expressions,
/// file names, tool output), except nested texts, which are rendered in the same language.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Text {
    pub key: String,
    pub args: Vec<(&'static str, Arg)>,
}

/// One value of a [`Text`].
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Arg {
    /// Shown as is, in every language.
    Plain(String),
    /// A count: chooses the singular or plural form and is written as the language writes
    /// numbers.
    Count(usize),
    /// A text of its own, rendered in the same language.
    Text(Box<Text>),
    /// Texts of their own, rendered in the same language and joined by `separator`.
    List(Vec<Text>, &'static str),
}

impl Text {
    pub fn new(key: impl Into<String>) -> Self {
        Text {
            key: key.into(),
            args: Vec::new(),
        }
    }

    /// A text that is shown as written in every language: tool output, a parser's error, a
    /// note from a data table.
    pub fn verbatim(text: impl fmt::Display) -> Self {
        Text::new("verbatim").arg("text", text)
    }

    /// Adds a value shown as is.
    pub fn arg(mut self, name: &'static str, value: impl fmt::Display) -> Self {
        self.args.push((name, Arg::Plain(value.to_string())));
        self
    }

    /// Adds a count (`n` chooses between `key_one` and `key_other`).
    pub fn count(mut self, name: &'static str, n: usize) -> Self {
        self.args.push((name, Arg::Count(n)));
        self
    }

    /// Adds a nested text.
    pub fn sub(mut self, name: &'static str, text: Text) -> Self {
        self.args.push((name, Arg::Text(Box::new(text))));
        self
    }

    /// Adds a list of nested texts, joined by `separator`.
    pub fn list(mut self, name: &'static str, texts: Vec<Text>, separator: &'static str) -> Self {
        self.args.push((name, Arg::List(texts, separator)));
        self
    }

    /// The value of the placeholder `name`, where it is shown as is.
    pub fn plain_arg(&self, name: &str) -> Option<&str> {
        self.args.iter().find_map(|(n, value)| match value {
            Arg::Plain(value) if *n == name => Some(value.as_str()),
            _ => None,
        })
    }

    /// The text in `lang`.
    pub fn render(&self, lang: crate::licence::obligations::Lang) -> String {
        crate::report::html::render_text(self, lang)
    }

    /// The text in English (what JSON, SARIF and the English reports show).
    pub fn english(&self) -> String {
        self.render(crate::licence::obligations::Lang::En)
    }
}

/// A translatable text: `text!("licence_assumed", package = name, licence = expr)` is
/// `Text::new("licence_assumed").arg("package", name).arg("licence", expr)`.
#[macro_export]
macro_rules! text {
    ($key:expr $(, $name:ident = $value:expr)* $(,)?) => {
        $crate::diagnostic::Text::new($key)$(.arg(stringify!($name), &$value))*
    };
}

/// Serializes an optional [`Text`] as its English rendering (JSON keeps its plain strings).
pub fn serialize_english<S: serde::Serializer>(
    text: &Option<Text>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    match text {
        Some(text) => serializer.serialize_some(&text.english()),
        None => serializer.serialize_none(),
    }
}

/// A finding's message as given to its constructor: plain English, or a [`Text`].
#[derive(Debug, Clone)]
pub enum Message {
    Plain(String),
    Text(Text),
}

impl Message {
    /// The English text and, for a [`Text`], the text itself.
    pub fn into_parts(self) -> (String, Option<Text>) {
        match self {
            Message::Plain(message) => (message, None),
            Message::Text(text) => (text.english(), Some(text)),
        }
    }
}

impl From<String> for Message {
    fn from(text: String) -> Self {
        Message::Plain(text)
    }
}

impl From<&str> for Message {
    fn from(text: &str) -> Self {
        Message::Plain(text.to_string())
    }
}

impl From<&String> for Message {
    fn from(text: &String) -> Self {
        Message::Plain(text.clone())
    }
}

impl From<Text> for Message {
    fn from(text: Text) -> Self {
        Message::Text(text)
    }
}

impl Finding {
    pub fn new(code: Code, severity: Severity, message: impl Into<Message>) -> Self {
        let (message, text) = message.into().into_parts();
        Finding {
            code,
            slug: code.slug(),
            severity,
            message,
            text,
            note_texts: Vec::new(),
            package: None,
            licence: None,
            licence_source: None,
            path: Vec::new(),
            path_file: None,
            advisory: None,
            location: None,
            notes: Vec::new(),
            packages: Vec::new(),
            count: None,
            caused_by: None,
            help: None,
            fix: None,
            help_case: None,
        }
    }

    /// The message in `lang`: the English `message`, or in German its [`Text`]; a finding
    /// without one says what its code means.
    pub fn message_in(&self, lang: crate::licence::obligations::Lang) -> String {
        use crate::licence::obligations::Lang;
        match (lang, &self.text) {
            (Lang::En, _) => self.message.clone(),
            (_, Some(text)) => text.render(lang),
            (_, None) => crate::report::html::tr(lang, &format!("code.{}", self.code.as_str())),
        }
    }

    /// Every package the finding is about: its `package`, or a folded finding's `packages`.
    pub fn purls(&self) -> impl Iterator<Item = &str> {
        self.package
            .as_deref()
            .into_iter()
            .chain(self.packages.iter().map(String::as_str))
    }

    /// How many packages (at least one) or occurrences the finding stands for.
    pub fn weight(&self) -> usize {
        self.count.unwrap_or(1)
    }

    pub fn error(code: Code, message: impl Into<Message>) -> Self {
        Self::new(code, Severity::Error, message)
    }

    pub fn warning(code: Code, message: impl Into<Message>) -> Self {
        Self::new(code, Severity::Warning, message)
    }

    pub fn note_finding(code: Code, message: impl Into<Message>) -> Self {
        Self::new(code, Severity::Note, message)
    }

    pub fn at(mut self, file: impl Into<String>, line: Option<usize>) -> Self {
        self.location = Some(Location {
            file: file.into(),
            line,
        });
        self
    }

    pub fn located(mut self, location: Location) -> Self {
        self.location = Some(location);
        self
    }

    pub fn package(mut self, purl: impl Into<String>) -> Self {
        self.package = Some(purl.into());
        self
    }

    pub fn licence(mut self, expression: impl Into<String>, source: Option<String>) -> Self {
        self.licence = Some(expression.into());
        self.licence_source = source;
        self
    }

    pub fn advisory(mut self, id: impl Into<String>) -> Self {
        self.advisory = Some(id.into());
        self
    }

    /// A finding about many packages with one cause: their purls in `packages` (JSON has them
    /// all, the human report the first few) and their number in `count`.
    pub fn about_packages(mut self, mut purls: Vec<String>) -> Self {
        purls.sort();
        purls.dedup();
        self.count = Some(purls.len());
        self.packages = purls;
        self
    }

    /// Marks the finding as `case` of its code: its help is that case's paragraph of the
    /// code's "How to fix" entry.
    pub fn help_case(mut self, case: help::HelpCase) -> Self {
        self.help_case = Some(case);
        self
    }

    pub fn note(mut self, note: impl Into<Message>) -> Self {
        self.push_note(note);
        self
    }

    /// Adds a note (plain English, or a [`Text`]).
    pub fn push_note(&mut self, note: impl Into<Message>) {
        match note.into() {
            Message::Plain(note) => self.notes.push(note),
            Message::Text(text) => {
                let english = text.english();
                self.notes.push(english.clone());
                self.note_texts.push((english, text));
            }
        }
    }

    /// The notes in `lang`: in English as written, else each translated where it has a
    /// [`Text`].
    pub fn notes_in(&self, lang: crate::licence::obligations::Lang) -> Vec<String> {
        use crate::licence::obligations::Lang;
        self.notes
            .iter()
            .map(|note| match lang {
                Lang::En => note.clone(),
                _ => self
                    .note_texts
                    .iter()
                    .find(|(english, _)| english == note)
                    .map_or_else(|| note.clone(), |(_, text)| text.render(lang)),
            })
            .collect()
    }

    /// An input file that was refused or could not be read (see [`crate::source::confined`]):
    /// `I004` when its path leads outside the audited tree, else `I001`; an error, located at
    /// the file. The message names the file and the reason, never its contents.
    pub fn refused(refusal: &crate::source::Refusal) -> Self {
        Self::refused_as(refusal, Severity::Error)
    }

    /// [`Finding::refused`] with another severity (a package's licence file, an installed
    /// copy: evidence, not the project's input).
    pub fn refused_as(refusal: &crate::source::Refusal, severity: Severity) -> Self {
        let code = if refusal.is_outside() {
            Code::SymlinkOutsideRoot
        } else {
            Code::InputUnreadable
        };
        Self::new(code, severity, refusal.text()).at(refusal.path.clone(), None)
    }
}

/// The 1-based line of byte `offset` in `text`.
pub fn line_of_offset(text: &str, offset: usize) -> usize {
    let end = offset.min(text.len());
    text.as_bytes()[..end]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
        + 1
}

/// Counts lines while a parser moves forward through `text`: each call counts only the bytes
/// since the previous one, so a reader that asks for the line of every event stays linear
/// (calling [`line_of_offset`] for every event is quadratic in the file's size; found by the
/// fuzz harness, tests/fuzz.rs). Asking for an earlier offset counts again from the start.
pub(crate) struct LineCounter<'t> {
    text: &'t [u8],
    offset: usize,
    line: usize,
}

impl<'t> LineCounter<'t> {
    pub(crate) fn new(text: &'t str) -> Self {
        Self {
            text: text.as_bytes(),
            offset: 0,
            line: 1,
        }
    }

    /// The 1-based line of byte `offset`, as [`line_of_offset`] gives it.
    pub(crate) fn line_at(&mut self, offset: usize) -> usize {
        let offset = offset.min(self.text.len());
        if offset < self.offset {
            self.offset = 0;
            self.line = 1;
        }
        self.line += self.text[self.offset..offset]
            .iter()
            .filter(|&&b| b == b'\n')
            .count();
        self.offset = offset;
        self.line
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique_and_well_formed() {
        let mut seen = std::collections::HashSet::new();
        for code in Code::ALL {
            let text = code.as_str();
            assert_eq!(text.len(), 4, "{text}");
            assert!(text.chars().skip(1).all(|c| c.is_ascii_digit()), "{text}");
            assert!(seen.insert(text), "duplicate code {text}");
            assert!(!code.slug().is_empty());
        }
    }

    #[test]
    fn the_catalogue_in_docs_lists_every_code_and_nothing_else() {
        let doc = include_str!("../docs/diagnostics.md");
        let rows: Vec<(String, String)> = doc
            .lines()
            .filter_map(|line| {
                let cells: Vec<&str> = line.split('|').map(str::trim).collect();
                let code = cells.get(1)?;
                let looks_like_code = code.len() == 4
                    && code.chars().next()?.is_ascii_uppercase()
                    && code.chars().skip(1).all(|c| c.is_ascii_digit());
                let slug = cells.get(2)?;
                looks_like_code.then(|| (code.to_string(), slug.to_string()))
            })
            .collect();
        let expected: Vec<(String, String)> = Code::ALL
            .iter()
            .map(|c| (c.as_str().to_string(), c.slug().to_string()))
            .collect();
        assert_eq!(rows, expected);
    }

    #[test]
    fn line_numbers_are_one_based() {
        let text = "a\nb\nc";
        assert_eq!(line_of_offset(text, 0), 1);
        assert_eq!(line_of_offset(text, 2), 2);
        assert_eq!(line_of_offset(text, 4), 3);
        assert_eq!(line_of_offset(text, 99), 3);
        let mut lines = LineCounter::new(text);
        for offset in [0, 2, 4, 99, 2, 0, 5] {
            assert_eq!(
                lines.line_at(offset),
                line_of_offset(text, offset),
                "at {offset}"
            );
        }
    }
}
