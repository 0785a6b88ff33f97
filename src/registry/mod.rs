//! Stage 2b: licences the lockfiles do not carry, looked up in the package registries.
//!
//! For every package whose input records no licence (pnpm, yarn, Python, Go, Maven, npm v1 and
//! lockfile entries without `license`), the registry it came from is asked: the npm package
//! document, the Python package index's metadata files (PEP 691/658), the Maven POM and its
//! parent chain, the Go module proxy's module zip (licence files only). Answers become declared
//! licence evidence (or licence files to identify), with the URL they came from.
//!
//! Look-ups run in parallel (`parallelism`, default 16) through one HTTP client with timeouts,
//! retries and a disk cache; an answer about a published version never changes, so it is cached
//! by package and registry and a second run asks the network nothing. `--offline` answers from
//! the cache only and lists what it could not resolve. Every failure is reported per package;
//! a package that could not be looked up stays unresolved (L009), never passing.

pub mod archive;
pub mod cargo_index;
pub mod composer;
pub mod config;
pub mod crates;
pub mod goproxy;
pub mod http;
pub mod maven;
pub mod npm;
pub mod pypi;

use crate::diagnostic::{Code, Finding};
use crate::model::{ArchiveOrigin, DeclaredLicence, Ecosystem, Graph, Package, PackageSource};
use crate::progress::Progress;
use config::{Endpoint, Endpoints};
use http::{Http, HttpError, HttpOptions};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

/// Settings of the look-up stage.
#[derive(Debug, Clone)]
pub struct RegistryOptions {
    /// Look licences up at all (off: packages stay as their input left them).
    pub enabled: bool,
    pub http: HttpOptions,
    pub endpoints: Endpoints,
    /// Look-ups in flight at once.
    pub parallelism: usize,
    /// Where results and extracted licence files are cached (`None`: no result cache).
    pub cache_dir: Option<PathBuf>,
}

/// What a registry said about one package.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Found {
    /// Licence strings, as the registry's metadata states them.
    pub licences: Vec<FoundLicence>,
    /// A directory with the package's licence files, extracted from its archive (Go).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dir: Option<PathBuf>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FoundLicence {
    pub raw: String,
    /// The document it was read from.
    pub url: String,
    /// Where in the document (`versions["1.2.3"].license`, `License-Expression`).
    pub field: String,
}

/// Why a look-up gave no licence.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum LookupError {
    #[error("{0}")]
    Http(#[from] HttpError),
    #[error("{0}")]
    Invalid(String),
    #[error("{0}")]
    Missing(String),
    /// A package archive that was refused or could not be read (integrity mismatch, bomb,
    /// traversal, HTML page, over the cap).
    #[error("{0}")]
    Archive(String),
    /// A failure in fundament's own words, translatable.
    #[error("{}", .0.english())]
    Said(crate::diagnostic::Text),
}

impl LookupError {
    /// The failure as a translatable text: fundament's own words are translated, what a
    /// server or parser said stays as it said it.
    pub fn text(&self) -> crate::diagnostic::Text {
        match self {
            LookupError::Http(err) => err.text(),
            LookupError::Said(text) => text.clone(),
            LookupError::Invalid(text)
            | LookupError::Missing(text)
            | LookupError::Archive(text) => crate::diagnostic::Text::verbatim(text),
        }
    }
}

/// Archives (Go module zips, and wheels when the index serves no separate metadata file) are
/// downloaded only for the licence files or metadata inside them: at most this many bytes each
/// (a larger one is refused before its body is read), and never kept in the HTTP cache (the
/// result cache keeps what was read from them).
pub const ARCHIVE_LIMIT: u64 = 50 * 1024 * 1024;

/// What a look-up found, as the result cache keeps it: the registry's answer and what the
/// package's archive added.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Answer {
    #[serde(flatten)]
    found: Found,
    /// The archive the licence files in `found.dir` were read from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    archive: Option<ArchiveOrigin>,
    /// Why the archive gave nothing (not cached: the next run tries again).
    #[serde(skip)]
    archive_error: Option<LookupError>,
    /// A jar read without a checksum to check it against (none published beside it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    unchecked: Option<String>,
    #[serde(skip)]
    cached: bool,
}

/// One registry protocol.
trait Client: Sync {
    fn lookup(&self, http: &Http, endpoint: &str, package: &Package) -> Result<Found, LookupError>;
}

/// Runs the stage: looks up every package that needs it and adds what the registries say.
pub fn resolve(graph: &mut Graph, options: &RegistryOptions, progress: &Progress) -> Vec<Finding> {
    let mut findings = Vec::new();
    if !options.enabled {
        return findings;
    }
    let mut readings = Readings::default();
    let candidates: Vec<usize> = (0..graph.packages.len())
        .filter(|&i| needs_lookup(&graph.packages[i], &mut readings))
        .collect();
    if candidates.is_empty() {
        return findings;
    }

    // Where to ask, per package.
    let mut jobs: Vec<(usize, String)> = Vec::new();
    let mut unconfigured: BTreeMap<Ecosystem, usize> = BTreeMap::new();
    let mut private = 0usize;
    for &i in &candidates {
        let package = &mut graph.packages[i];
        if package.ecosystem == Ecosystem::Golang
            && config::is_private_module(&package.name, &options.endpoints.go_private)
        {
            // Asking a proxy about a private module would leak its name.
            package.licence_unavailable = Some(format!(
                "{}; a private module ($GOPRIVATE), not looked up in a proxy",
                package
                    .licence_unavailable
                    .as_deref()
                    .unwrap_or("the input records no licence")
            ));
            private += 1;
            continue;
        }
        match endpoint_for(&graph.packages[i], &options.endpoints) {
            Some(url) => jobs.push((i, url)),
            None => *unconfigured.entry(graph.packages[i].ecosystem).or_insert(0) += 1,
        }
    }
    for (ecosystem, count) in &unconfigured {
        findings.push(
            Finding::warning(
                Code::RegistryNotConfigured,
                crate::text!("registry_not_configured", ecosystem = ecosystem).count("n", *count),
            )
            .note(configure_hint(*ecosystem)),
        );
    }
    if private > 0 {
        findings.push(Finding::note_finding(
            Code::RegistryResolved,
            crate::diagnostic::Text::new("registry_goprivate").count("n", private),
        ));
    }
    if jobs.is_empty() {
        return findings;
    }

    let http = match Http::new(options.http.clone()) {
        Ok(http) => http,
        Err(err) => {
            findings.push(Finding::error(Code::RegistryLookupFailed, err.text()));
            return findings;
        }
    };
    // Archives go through a client of their own: bounded by ARCHIVE_LIMIT rather than the
    // (larger) limit for documents, and not cached by the HTTP layer.
    let archives_client = (!jobs.is_empty())
        .then(|| {
            Http::new(HttpOptions {
                max_body: options.http.max_body.min(ARCHIVE_LIMIT),
                cache_dir: None,
                ..options.http.clone()
            })
            .ok()
        })
        .flatten();
    let archives = archives_client.as_ref().unwrap_or(&http);
    let counter = progress.counter(
        format!(
            "looking up {} in package registries",
            crate::plural::count(jobs.len(), "licence", "licences")
        ),
        jobs.len() as u64,
    );
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(options.parallelism.max(1))
        .build();
    let run = |jobs: &[(usize, String)]| -> Vec<(usize, String, Result<Answer, LookupError>)> {
        jobs.par_iter()
            .map(|(i, endpoint)| {
                let package = &graph.packages[*i];
                let result = lookup_cached(&http, archives, options, endpoint, package);
                counter.inc();
                (*i, endpoint.clone(), result)
            })
            .collect()
    };
    let results = match &pool {
        Ok(pool) => pool.install(|| run(&jobs)),
        Err(_) => run(&jobs),
    };

    let mut resolved_from: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    let mut unchecked: Vec<String> = Vec::new();
    // The purls of the packages each cause left without a look-up.
    let mut not_cached: Vec<String> = Vec::new();
    let mut archives_not_cached = 0;
    let mut unreachable: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (i, endpoint, result) in results {
        let package = &mut graph.packages[i];
        match result {
            Ok(answer) => {
                let entry = resolved_from.entry(endpoint).or_insert((0, 0));
                entry.0 += 1;
                if answer.cached {
                    entry.1 += 1;
                }
                if let Some(url) = &answer.unchecked {
                    unchecked.push(url.clone());
                }
                // An archive that is missing only because of `--offline` or an unreachable
                // host is the same cause as a registry answer missing for that reason: it
                // joins that one finding (R003, R001) instead of an R009 per package.
                match &answer.archive_error {
                    Some(LookupError::Http(HttpError::NotCached { .. })) => {
                        archives_not_cached += 1;
                        not_cached.push(package.purl.clone());
                    }
                    Some(LookupError::Http(HttpError::Unreachable { host })) => {
                        unreachable
                            .entry(host.clone())
                            .or_default()
                            .push(package.purl.clone());
                    }
                    Some(error) => findings.push(
                        Finding::warning(
                            Code::ArchiveUnusable,
                            crate::text!(
                                "archive_unusable",
                                name = package.name,
                                version = package.version
                            )
                            .sub("error", error.text()),
                        )
                        .package(package.purl.clone()),
                    ),
                    None => {}
                }
                apply(package, answer);
            }
            Err(LookupError::Http(HttpError::Unreachable { host })) => {
                unreachable
                    .entry(host.clone())
                    .or_default()
                    .push(package.purl.clone());
                package.licence_unavailable = Some(format!(
                    "{}; not looked up: {host} cannot be reached",
                    package
                        .licence_unavailable
                        .as_deref()
                        .unwrap_or("the input records no licence")
                ));
            }
            Err(LookupError::Http(HttpError::NotCached { .. })) => {
                not_cached.push(package.purl.clone());
                package.licence_unavailable = Some(format!(
                    "{}; not looked up: offline, and the registry's answer is not in the cache",
                    package
                        .licence_unavailable
                        .as_deref()
                        .unwrap_or("the input records no licence")
                ));
            }
            Err(err) => {
                findings.push(
                    Finding::warning(
                        Code::RegistryLookupFailed,
                        crate::text!(
                            "registry_lookup_failed",
                            name = package.name,
                            version = package.version
                        )
                        .sub("error", err.text()),
                    )
                    .package(package.purl.clone()),
                );
                package.licence_unavailable = Some(format!(
                    "{}; the registry look-up failed ({err})",
                    package
                        .licence_unavailable
                        .as_deref()
                        .unwrap_or("the input records no licence")
                ));
            }
        }
    }
    for (host, packages) in unreachable {
        findings.push(
            Finding::warning(
                Code::RegistryLookupFailed,
                crate::text!("registry_unreachable", host = host).count("n", packages.len()),
            )
            .note(crate::diagnostic::Text::new("registry_check_network"))
            .about_packages(packages),
        );
    }
    if !not_cached.is_empty() {
        not_cached.sort();
        not_cached.dedup();
        let mut finding = Finding::warning(
            Code::RegistryOfflineUncached,
            crate::diagnostic::Text::new("registry_offline_uncached").count("n", not_cached.len()),
        );
        if archives_not_cached > 0 {
            finding = finding.note(
                crate::diagnostic::Text::new("registry_offline_archives")
                    .count("n", archives_not_cached),
            );
        }
        findings.push(
            finding
                .note(crate::diagnostic::Text::new("registry_fill_cache"))
                .about_packages(not_cached),
        );
    }
    if !unchecked.is_empty() {
        unchecked.sort();
        findings.push(
            Finding::note_finding(
                Code::RegistryResolved,
                crate::diagnostic::Text::new("registry_jars_unchecked").count("n", unchecked.len()),
            )
            .note(listing(&unchecked)),
        );
    }
    for (endpoint, (count, cached)) in resolved_from {
        findings.push(Finding::note_finding(
            Code::RegistryResolved,
            crate::text!("registry_resolved", endpoint = endpoint)
                .count("n", count)
                .count("cached", cached),
        ));
    }
    findings
}

/// The first packages of a list and how many more.
pub(crate) fn listing(packages: &[String]) -> crate::diagnostic::Text {
    let shown: Vec<&str> = packages.iter().take(10).map(String::as_str).collect();
    let more = packages.len() - shown.len();
    if more == 0 {
        return crate::diagnostic::Text::verbatim(shown.join(", "));
    }
    crate::diagnostic::Text::new("listing_more")
        .arg("names", shown.join(", "))
        .count("n", more)
}

/// A package needs a look-up when its input records no licence and nothing else is there to
/// identify: registry packages of the ecosystems fundament has clients for, at a locked
/// version. An unlocked version (a Maven range or unresolved property, an unpinned
/// requirement) is only what a build file asks for: the registry's answer about that string
/// would be about no version or about another one than the build uses. A version
/// `--resolve-unlocked` chose from the registry (`resolved_on`) is a real one and is looked up.
///
/// A declared licence that does not read as one (`UNKNOWN`, `SEE LICENSE IN LICENSE`, free
/// text) counts as none: the registry and the package's archive may say more.
fn needs_lookup(package: &Package, readings: &mut Readings) -> bool {
    !package.root
        && (package.locked
            || package.resolved_on.is_some()
            // A Gradle build without lockfile: its versions are what Gradle would take today,
            // and their jars are as readable as locked ones'. Only where the POM was read (a
            // POM that could not be read is reported already, and the jar sits beside it).
            || (package.ecosystem == Ecosystem::Maven
                && package.resolution == Some(crate::model::Resolution::ResolvedFromDeclarations)
                && !package.declared.is_empty()))
        && package.declared.iter().all(|d| !readings.readable(&d.raw))
        && package.dir.is_none()
        && matches!(package.source, PackageSource::Registry { .. })
        && !package.version.is_empty()
        && match package.ecosystem {
            Ecosystem::Npm
            | Ecosystem::Pypi
            | Ecosystem::Maven
            | Ecosystem::Golang
            | Ecosystem::Cargo => true,
            // Composer: the repository's metadata (when one is known) and the dist archive.
            Ecosystem::Composer => true,
            _ => false,
        }
}

/// The dist archive a composer.lock entry names (an http(s) URL).
fn composer_dist(package: &Package) -> Option<&str> {
    match &package.source {
        PackageSource::Registry { url: Some(url) }
            if url.starts_with("https://") || url.starts_with("http://") =>
        {
            Some(url)
        }
        _ => None,
    }
}

/// The ecosystems with packages to look up whose lockfile names no registry: only for these
/// is the configured registry needed (and the ecosystem's client asked for it).
pub fn ecosystems_needing_configuration(graph: &Graph) -> BTreeSet<Ecosystem> {
    let none = Endpoints::default();
    let mut readings = Readings::default();
    graph
        .packages
        .iter()
        .filter(|p| needs_lookup(p, &mut readings) && endpoint_for(p, &none).is_none())
        .map(|p| p.ecosystem)
        .collect()
}

/// The registry to ask about `package`: the one its lockfile names, else the configured one.
fn endpoint_for(package: &Package, endpoints: &Endpoints) -> Option<String> {
    let recorded = match &package.source {
        PackageSource::Registry { url: Some(url) } => Some(url.as_str()),
        _ => None,
    };
    match package.ecosystem {
        Ecosystem::Npm => recorded
            .and_then(|url| npm::registry_of_tarball(url, &package.name))
            .or_else(|| endpoints.npm.as_ref().map(|e| e.url.clone())),
        Ecosystem::Pypi => recorded
            .filter(|url| !url.contains("/packages/"))
            .map(str::to_string)
            .or_else(|| endpoints.pypi.as_ref().map(|e| e.url.clone())),
        Ecosystem::Maven => recorded
            .and_then(|url| maven::repository_of(url, &package.name, &package.version))
            .or_else(|| endpoints.maven.first().map(|e: &Endpoint| e.url.clone())),
        Ecosystem::Golang => endpoints.go.as_ref().map(|e| e.url.clone()),
        // The Composer repository (the project's own, else configured), else the lockfile's
        // dist archive alone.
        Ecosystem::Composer => endpoints
            .composer
            .as_ref()
            .map(|e| e.url.clone())
            .or_else(|| composer_dist(package).map(str::to_string)),
        Ecosystem::Cargo => {
            crates::endpoint(package, endpoints.cargo_dl.as_ref().map(|e| e.url.as_str()))
        }
        _ => None,
    }
}

/// The exact configuration line that gives an ecosystem its registry (R002).
fn configure_hint(ecosystem: Ecosystem) -> &'static str {
    match ecosystem {
        Ecosystem::Npm => {
            "add the line `registry=https://<your npm registry>/` to ~/.npmrc, or \
             `npm = \"https://<your npm registry>/\"` under `[registries]` in the policy you \
             give with --policy (or fundament's configuration file)"
        }
        Ecosystem::Pypi => {
            "add `index-url = https://<your index>/simple` under `[global]` in ~/.config/pip/pip.conf \
             (or set $PIP_INDEX_URL), or `pypi = \"https://<your index>/simple\"` under \
             `[registries]` in the policy you give with --policy"
        }
        Ecosystem::Maven => crate::ecosystem::maven::CONFIGURE_HINT,
        Ecosystem::Golang => {
            "run `go env -w GOPROXY=https://<your proxy>,direct` (or set $GOPROXY), or add \
             `go = \"https://<your proxy>\"` under `[registries]` in the policy you give with --policy"
        }
        Ecosystem::Composer => {
            "add a repository of type `composer` with its `url` to the project's composer.json \
             `repositories` (or Composer's global config.json), or `composer = \"https://<your \
             Composer repository>\"` under `[registries]` in the policy you give with --policy"
        }
        Ecosystem::Cargo => {
            "let Cargo fetch once on this machine (`cargo fetch` in any project using the \
             registry), so that its index cache records where crates are downloaded"
        }
        _ => "set the registry under `[registries]` in the policy you give with --policy",
    }
}

/// Looks `package` up at `endpoint`, first in the result cache (published versions do not
/// change, so a cached answer is final). When the registry's metadata names no licence it can
/// read, the package's archive is read ([`archive`]).
fn lookup_cached(
    http: &Http,
    archives: &Http,
    options: &RegistryOptions,
    endpoint: &str,
    package: &Package,
) -> Result<Answer, LookupError> {
    let key_path = options.cache_dir.as_ref().map(|dir| {
        let key = hex::encode(Sha256::digest(
            format!(
                "{}\n{}\n{}\n{endpoint}\n{}",
                package.ecosystem,
                package.name,
                package.version,
                package.checksum.as_deref().unwrap_or("")
            )
            .as_bytes(),
        ));
        dir.join("registry-v2")
            .join(&key[..2])
            .join(format!("{key}.json"))
    });
    if let Some(path) = &key_path
        && let Ok(bytes) = crate::source::read_bounded(path, crate::source::Limit::CONFIG)
        && let Ok(mut answer) = serde_json::from_slice::<Answer>(&bytes)
        && answer.found.dir.as_ref().is_none_or(|d| d.is_dir())
    {
        answer.cached = true;
        return Ok(answer);
    }
    let (found, hint) = match package.ecosystem {
        Ecosystem::Npm => (
            npm::Npm.lookup(http, endpoint, package)?,
            npm::tarball(package, endpoint),
        ),
        Ecosystem::Pypi => pypi::Pypi { archives }.lookup_with_archive(http, endpoint, package)?,
        Ecosystem::Maven => {
            let maven = maven::Maven {
                repositories: &options.endpoints.maven,
            };
            (
                maven.lookup(http, endpoint, package)?,
                jar(package, endpoint),
            )
        }
        Ecosystem::Golang => {
            let go = goproxy::GoProxy {
                extract_to: options.cache_dir.clone(),
                archives,
            };
            (go.lookup(http, endpoint, package)?, None)
        }
        Ecosystem::Cargo => crates::lookup(http, endpoint, package)?,
        Ecosystem::Composer => {
            let dist = composer_dist(package);
            let archive_only = || {
                (
                    Found {
                        licences: Vec::new(),
                        dir: None,
                    },
                    dist.map(|url| ArchiveHint {
                        url: url.to_string(),
                        kind: archive::Kind::Composer,
                        integrity: package.checksum.clone(),
                    }),
                )
            };
            if dist == Some(endpoint) {
                archive_only()
            } else {
                match composer::lookup(http, endpoint, package, dist) {
                    Ok(found) => found,
                    // The repository does not know it (a package from another one): the
                    // lockfile's dist archive still says what it holds.
                    Err(_) if dist.is_some() => archive_only(),
                    Err(err) => return Err(err),
                }
            }
        }
        _ => {
            return Err(LookupError::Said(crate::diagnostic::Text::new(
                "lookup_no_client",
            )));
        }
    };
    let mut answer = Answer {
        found,
        archive: None,
        archive_error: None,
        unchecked: None,
        cached: false,
    };
    if let Some(mut hint) = hint
        && answer.found.dir.is_none()
        && !answer.found.licences.iter().any(|l| readable(&l.raw))
    {
        // A Maven repository publishes checksums beside each file, no lockfile records one:
        // the jar is checked against them.
        if hint.kind == archive::Kind::Jar && hint.integrity.is_none() {
            match jar_checksum(http, &hint.url) {
                Ok(Some(value)) => hint.integrity = Some(value),
                Ok(None) => answer.unchecked = Some(hint.url.clone()),
                Err(err) => {
                    answer.archive_error = Some(err);
                    return Ok(answer);
                }
            }
        }
        match read_archive(archives, options, package, &hint) {
            Ok((contents, dir)) => {
                answer.found.licences.extend(contents.declared);
                answer.found.dir = dir;
                answer.archive = Some(contents.origin);
            }
            Err(err) => answer.archive_error = Some(err),
        }
    }
    if let Some(path) = &key_path
        && answer.archive_error.is_none()
        && let Ok(json) = serde_json::to_vec(&answer)
    {
        let _ = http::write_atomically(path, &json);
    }
    Ok(answer)
}

/// The checksum a Maven repository publishes beside `url` (`.sha1`, else `.sha256`, else
/// `.sha512`) as an integrity value (`sha1:<hex>`); None when it publishes none. A checksum
/// file that is not one (an HTML page, garbage) is an error: the jar cannot be trusted.
fn jar_checksum(http: &Http, url: &str) -> Result<Option<String>, LookupError> {
    for (suffix, algorithm, hex_len) in [
        ("sha1", "sha1", 40),
        ("sha256", "sha256", 64),
        ("sha512", "sha512", 128),
    ] {
        let checksum_url = format!("{url}.{suffix}");
        match http.get(&checksum_url, "text/plain, */*;q=0.1") {
            Ok(fetched) => {
                // `<hex>` or `<hex>  <file name>` (as sha1sum writes it).
                let text = String::from_utf8_lossy(&fetched.body);
                let digest = text.split_whitespace().next().unwrap_or("");
                if digest.len() == hex_len && digest.chars().all(|c| c.is_ascii_hexdigit()) {
                    return Ok(Some(format!("{algorithm}:{}", digest.to_ascii_lowercase())));
                }
                return Err(LookupError::Archive(format!(
                    "{checksum_url}: not a {algorithm} checksum (`{}`); the jar was not used",
                    text.chars().take(40).collect::<String>().escape_debug()
                )));
            }
            Err(HttpError::NotFound { .. }) => continue,
            Err(err) => return Err(LookupError::Http(err)),
        }
    }
    Ok(None)
}

/// A package archive a registry client points at, to read when the metadata names no licence.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArchiveHint {
    pub url: String,
    pub kind: archive::Kind,
    /// The integrity value to check it against: the lockfile's where it records one for this
    /// very file (npm's `integrity`, Composer's `shasum`), else the registry's (the index's
    /// SHA-256 of a wheel or sdist).
    pub integrity: Option<String>,
}

/// Reads the archive `hint` names; the licence files go to the cache (their directory is
/// returned when there are any).
fn read_archive(
    archives: &Http,
    options: &RegistryOptions,
    package: &Package,
    hint: &ArchiveHint,
) -> Result<(archive::Contents, Option<PathBuf>), LookupError> {
    let _ = package;
    let request = archive::Request {
        url: &hint.url,
        kind: hint.kind,
        integrity: hint.integrity.as_deref(),
    };
    let contents = archive::licence_files(archives, &request)?;
    if contents.files.is_empty() {
        return Ok((contents, None));
    }
    let base = archive::files_dir(options.cache_dir.as_deref())?;
    let dir = archive::store(&base, &contents)?;
    Ok((contents, Some(dir)))
}

/// [`readable`], once per distinct string (lockfiles repeat a few licence strings thousands of
/// times).
#[derive(Default)]
struct Readings(std::collections::HashMap<String, bool>);

impl Readings {
    fn readable(&mut self, raw: &str) -> bool {
        if let Some(&known) = self.0.get(raw) {
            return known;
        }
        let known = readable(raw);
        self.0.insert(raw.to_string(), known);
        known
    }
}

/// Whether a declared licence string reads as an SPDX expression (not `UNKNOWN`, not
/// `SEE LICENSE IN ...`, not free text fundament cannot map).
fn readable(raw: &str) -> bool {
    crate::licence::expression::interpret(raw)
        .expression
        .is_some()
}

/// The jar of a Maven package in the repository `endpoint` (`group:artifact`); none for a
/// package that is a POM (a platform's BOM: its source names the `.pom`).
fn jar(package: &Package, endpoint: &str) -> Option<ArchiveHint> {
    if matches!(&package.source, PackageSource::Registry { url: Some(url) } if url.ends_with(".pom"))
    {
        return None;
    }
    let (group, artifact) = package.name.split_once(':')?;
    let plain = |s: &str| {
        !s.is_empty()
            && s != ".."
            && s.chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'))
    };
    if !plain(group) || !plain(artifact) || !plain(&package.version) {
        return None;
    }
    Some(ArchiveHint {
        url: format!(
            "{}/{}/{artifact}/{v}/{artifact}-{v}.jar",
            endpoint.trim_end_matches('/'),
            group.replace('.', "/"),
            v = package.version
        ),
        kind: archive::Kind::Jar,
        integrity: None,
    })
}

fn apply(package: &mut Package, answer: Answer) {
    let found = answer.found;
    if found.licences.is_empty() && found.dir.is_none() {
        package.licence_unavailable = Some(format!(
            "{}; the registry's metadata declares no licence either{}",
            package
                .licence_unavailable
                .as_deref()
                .unwrap_or("the input records no licence"),
            match (&answer.archive, &answer.archive_error) {
                (Some(origin), _) => format!(", nor has {} a licence file", origin.file_name()),
                (None, Some(_)) => ", and its archive could not be read".to_string(),
                (None, None) => String::new(),
            }
        ));
    }
    for licence in found.licences {
        package.declared.push(DeclaredLicence {
            raw: licence.raw,
            origin: crate::model::Origin {
                file: licence.url,
                field: licence.field,
            },
        });
    }
    if found.dir.is_some() {
        package.dir = found.dir;
        package.archive = answer.archive;
        // The package's files are there now: what they say decides (licence files that cannot
        // be identified make the licence unknown, no longer unresolved).
        package.licence_unavailable = None;
    }
}

/// Parses a JSON body, naming the URL when it is not JSON.
fn json<T: for<'de> Deserialize<'de>>(url: &str, body: &[u8]) -> Result<T, LookupError> {
    serde_json::from_slice(body).map_err(|e| {
        LookupError::Invalid(format!(
            "{url}: the answer is not the expected JSON ({})",
            crate::ecosystem::json_error(&e)
        ))
    })
}
