//! POMs and `maven-metadata.xml` from Maven repositories, for the Maven and Gradle readers.
//!
//! **Which repositories**, for a build that declares some (`<repositories>` of its POMs, Gradle's
//! `repositories {}`): when `[registries] maven` is configured, those and nothing else (they
//! stand in for every repository, as a mirror of `*` does). Otherwise, in order: the
//! repositories of the active profiles of the user's settings.xml, those the build declares, and
//! the central repository of the installed Maven's super POM; each replaced by the settings'
//! mirror for it (`<mirrorOf>`), and left out when that mirror is `<blocked>` (Maven blocks plain
//! `http` repositories so). A repository the build declares gets credentials only by its URL,
//! never by its id.
//!
//! **Cache.** A released POM never changes: once read, it is kept in fundament's cache and never
//! asked again, whatever repository it came from. That no repository has a POM is remembered for
//! a day; version lists (`maven-metadata.xml`) are reused for a day, as Maven's daily update
//! policy does. `--offline` answers from the cache only. Within one run, each POM and list is
//! read once, whichever thread asks first; the others wait for its answer.

use super::installation::Installation;
use super::settings::Settings;
use crate::ecosystem::maven::gradle_module::GradleModule;
use crate::ecosystem::maven::version::Version;
use crate::ecosystem::maven::xml::parse_xml;
use crate::ecosystem::maven::{
    DeclaredRepo, FetchError, Gav, Pom, PomFile, PomSource, Versions, decode,
};
use crate::registry::config::{Endpoint, Homes};
use crate::registry::http::{Credential, Http, HttpError, HttpOptions, write_atomically};
use sha2::{Digest, Sha256};
use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

const ACCEPT: &str = "application/xml, text/xml;q=0.9, */*;q=0.1";

/// How long "no repository has it" and version lists are reused.
const TTL: Duration = Duration::from_secs(24 * 60 * 60);

/// The most bytes of one POM or metadata file.
const DOCUMENT_LIMIT: u64 = 16 * 1024 * 1024;

/// Where Maven repositories are, as the user's configuration and installation say.
#[derive(Debug, Clone, Default)]
pub struct Environment {
    /// `[registries] maven`: every request goes there.
    pub configured: Vec<Endpoint>,
    pub settings: Settings,
    /// The central repository of the installed Maven's super POM, and where it was read.
    pub central: Option<(String, crate::diagnostic::Text)>,
}

/// A repository to ask, after mirrors.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Remote {
    pub url: String,
    pub releases: bool,
    pub snapshots: bool,
}

impl Environment {
    /// Reads the settings files (the user's, then the installation's) and the installation's
    /// super POM; `configured` is `[registries] maven`.
    pub fn discover(configured: Vec<Endpoint>, homes: &Homes, cache_dir: Option<&Path>) -> Self {
        let installation = Installation::find();
        let mut files: Vec<PathBuf> = Vec::new();
        if let Some(home) = &homes.home {
            files.push(home.join(".m2").join("settings.xml"));
        }
        if let Some(installation) = &installation {
            files.push(installation.settings());
        }
        let central = if homes.ask_clients {
            installation.as_ref().and_then(|i| {
                i.central(cache_dir).map(|url| {
                    (
                        url,
                        crate::text!("named_maven_super_pom", home = i.home.display()),
                    )
                })
            })
        } else {
            None
        };
        Environment {
            configured,
            settings: Settings::read(&files),
            central,
        }
    }

    /// The repositories to ask for a build declaring `declared` (Maven builds add the super
    /// POM's central themselves; a repository without URL is the central one), in order, and the
    /// declared ones a blocked mirror keeps out (in words).
    pub fn remotes(&self, declared: &[DeclaredRepo]) -> (Vec<Remote>, Vec<String>) {
        if !self.configured.is_empty() {
            let remotes = self
                .configured
                .iter()
                .map(|e| Remote {
                    url: e.url.clone(),
                    releases: true,
                    snapshots: true,
                })
                .collect();
            return (remotes, Vec::new());
        }
        let mut seen_ids: Vec<&str> = Vec::new();
        let mut remotes: Vec<Remote> = Vec::new();
        let mut blocked = Vec::new();
        for repo in self.settings.repositories.iter().chain(declared) {
            if !repo.id.is_empty() {
                if seen_ids.contains(&repo.id.as_str()) {
                    continue;
                }
                seen_ids.push(&repo.id);
            }
            let Some(url) = repo
                .url
                .clone()
                .or_else(|| self.central.as_ref().map(|(u, _)| u.clone()))
            else {
                continue;
            };
            let url = match self.settings.mirror_for(&repo.id, &url) {
                Some(mirror) if mirror.blocked => {
                    blocked.push(format!(
                        "the repository {url} (`{}`, {}) is blocked by the mirror `{}` of {}",
                        repo.id, repo.declared_in, mirror.id, mirror.from
                    ));
                    continue;
                }
                Some(mirror) => mirror.url.clone(),
                None => url,
            };
            match remotes.iter_mut().find(|r| r.url == url) {
                Some(existing) => {
                    existing.releases |= repo.releases;
                    existing.snapshots |= repo.snapshots;
                }
                None => remotes.push(Remote {
                    url,
                    releases: repo.releases,
                    snapshots: repo.snapshots,
                }),
            }
        }
        (remotes, blocked)
    }

    /// The repositories to ask about a package whose repository no input recorded: the
    /// configured ones, else central (through its mirror).
    pub fn licence_endpoints(&self) -> Vec<Endpoint> {
        if !self.configured.is_empty() {
            return self.configured.clone();
        }
        let Some((url, from)) = &self.central else {
            return self
                .settings
                .mirrors
                .iter()
                .filter(|m| {
                    !m.blocked
                        && m.mirror_of
                            .split(',')
                            .any(|p| matches!(p.trim(), "*" | "central" | "external:*"))
                })
                .map(|m| Endpoint {
                    url: m.url.clone(),
                    from: crate::text!("named_mirror", id = m.id, file = m.from),
                    from_tree: false,
                })
                .collect();
        };
        match self.settings.mirror_for("central", url) {
            Some(mirror) if mirror.blocked => Vec::new(),
            Some(mirror) => vec![Endpoint {
                url: mirror.url.clone(),
                from: crate::text!("named_mirror", id = mirror.id, file = mirror.from),
                from_tree: false,
            }],
            None => vec![Endpoint {
                url: url.clone(),
                from: from.clone(),
                from_tree: false,
            }],
        }
    }

    /// Credentials of the settings (servers of the mirrors and profile repositories).
    pub fn credentials(&self) -> Vec<Credential> {
        self.settings.credentials()
    }
}

type Slot<T> = Arc<OnceLock<Result<T, FetchError>>>;

/// Repositories as a [`PomSource`].
pub struct Repositories {
    env: Environment,
    http: Http,
    cache_dir: Option<PathBuf>,
    offline: bool,
    poms: Mutex<HashMap<String, Slot<Arc<Pom>>>>,
    modules: Mutex<HashMap<String, Slot<Arc<GradleModule>>>>,
    metadata: Mutex<HashMap<String, Slot<Metadata>>>,
    remotes: Mutex<HashMap<Vec<DeclaredRepo>, Arc<Vec<Remote>>>>,
    blocked: Mutex<BTreeSet<String>>,
}

impl std::fmt::Debug for Repositories {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Repositories")
            .field("env", &self.env)
            .field("offline", &self.offline)
            .finish_non_exhaustive()
    }
}

/// What a `maven-metadata.xml` says.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct Metadata {
    versions: Vec<String>,
    latest: Option<String>,
    release: Option<String>,
    /// A snapshot's file version for the POM (`1.0-20240101.120000-3`).
    snapshot_pom: Option<String>,
}

impl Repositories {
    /// Repositories over HTTP with `options` (timeouts, proxies, CA certificates and the user's
    /// credentials); POMs are cached in `options.cache_dir`.
    pub fn new(env: Environment, options: &HttpOptions) -> Result<Repositories, HttpError> {
        let http = Http::new(HttpOptions {
            cache_dir: None,
            max_body: options.max_body.min(DOCUMENT_LIMIT),
            ..options.clone()
        })?;
        Ok(Repositories {
            env,
            http,
            cache_dir: options.cache_dir.clone(),
            offline: options.offline,
            poms: Mutex::new(HashMap::new()),
            modules: Mutex::new(HashMap::new()),
            metadata: Mutex::new(HashMap::new()),
            remotes: Mutex::new(HashMap::new()),
            blocked: Mutex::new(BTreeSet::new()),
        })
    }

    pub fn environment(&self) -> &Environment {
        &self.env
    }

    /// HTTP requests made so far.
    pub fn requests(&self) -> usize {
        self.http.requests()
    }

    /// Repositories left out because a blocked mirror matches them (in words).
    pub fn blocked(&self) -> Vec<String> {
        self.blocked
            .lock()
            .map(|b| b.iter().cloned().collect())
            .unwrap_or_default()
    }

    fn remotes_for(&self, declared: &[DeclaredRepo]) -> Arc<Vec<Remote>> {
        if let Some(done) = self
            .remotes
            .lock()
            .ok()
            .and_then(|m| m.get(declared).cloned())
        {
            return done;
        }
        let (remotes, blocked) = self.env.remotes(declared);
        if let Ok(mut b) = self.blocked.lock() {
            b.extend(blocked);
        }
        let remotes = Arc::new(remotes);
        if let Ok(mut m) = self.remotes.lock() {
            m.insert(declared.to_vec(), remotes.clone());
        }
        remotes
    }

    fn slot<T>(map: &Mutex<HashMap<String, Slot<T>>>, key: String) -> Slot<T> {
        match map.lock() {
            Ok(mut m) => m.entry(key).or_default().clone(),
            Err(_) => Arc::default(),
        }
    }

    fn cache_path(&self, kind: &str, key: &str) -> Option<PathBuf> {
        let hash = hex::encode(Sha256::digest(key.as_bytes()));
        Some(
            self.cache_dir
                .as_ref()?
                .join("maven-v1")
                .join(kind)
                .join(&hash[..2])
                .join(hash),
        )
    }

    /// A released POM by its path in the repository layout.
    fn released_pom(&self, remotes: &[Remote], path: &str) -> Result<Arc<Pom>, FetchError> {
        self.released(remotes, path, "pom", parse_pom)
    }

    /// A released file (POM or `.module`) by its path in the repository layout: the first
    /// repository that has it answers; read by `parse`, cached under `kind`.
    fn released<T>(
        &self,
        remotes: &[Remote],
        path: &str,
        kind: &str,
        parse: fn(&str, &[u8]) -> Result<T, FetchError>,
    ) -> Result<T, FetchError> {
        // Found once, it is what every repository has (a released version never changes).
        if let Some(file) = self.cache_path(kind, path)
            && let Ok(bytes) = crate::source::read_bounded(&file, limit())
            && let Some((url, body)) = split_cached(&bytes)
        {
            return parse(&url, body);
        }
        let key = format!("{}\n{path}", remote_key(remotes));
        let missing = self.cache_path(
            if kind == "pom" {
                "missing"
            } else {
                "missing-module"
            },
            &key,
        );
        if let Some(file) = &missing
            && fresh(file, self.offline)
        {
            return Err(FetchError::NotFound {
                looked: remotes
                    .iter()
                    .filter(|r| r.releases)
                    .map(|r| join(&r.url, path))
                    .collect(),
            });
        }
        if self.offline {
            return Err(FetchError::NotCached {
                what: if kind == "pom" { "pom" } else { "module" },
                path: path.to_string(),
            });
        }
        let mut looked = Vec::new();
        let mut failure: Option<FetchError> = None;
        for remote in remotes.iter().filter(|r| r.releases) {
            let url = join(&remote.url, path);
            match self.http.get(&url, ACCEPT) {
                Ok(fetched) => {
                    let result = parse(&url, &fetched.body);
                    if result.is_ok()
                        && let Some(file) = self.cache_path(kind, path)
                    {
                        let mut stored = url.clone().into_bytes();
                        stored.push(b'\n');
                        stored.extend_from_slice(&fetched.body);
                        let _ = write_atomically(&file, &stored);
                    }
                    return result;
                }
                Err(HttpError::NotFound { .. }) => looked.push(url),
                Err(err) => {
                    failure.get_or_insert(http_error(err));
                }
            }
        }
        if let Some(err) = failure {
            // The repositories that answered 404 are part of the answer: "cannot be reached"
            // alone would suggest that the reachable ones were not asked.
            return Err(match err {
                FetchError::Unreachable { host, .. } => FetchError::Unreachable {
                    host,
                    missing_from: looked,
                },
                FetchError::Failed { error } if !looked.is_empty() => FetchError::Failed {
                    error: crate::text!(
                        "fetch_failed_elsewhere_missing",
                        looked = looked.join(", ")
                    )
                    .sub("error", error),
                },
                other => other,
            });
        }
        if looked.is_empty() {
            return Err(FetchError::NoRepository);
        }
        if let Some(file) = &missing {
            let _ = write_atomically(file, b"");
        }
        Err(FetchError::NotFound { looked })
    }

    /// A `maven-metadata.xml` of one repository (a day old at most when online).
    fn metadata_of(&self, remote: &Remote, path: &str) -> Result<Metadata, FetchError> {
        let url = join(&remote.url, path);
        let slot = Self::slot(&self.metadata, url.clone());
        slot.get_or_init(|| {
            let file = self.cache_path("metadata", &url);
            if let Some(file) = &file
                && fresh(file, self.offline)
                && let Ok(bytes) = crate::source::read_bounded(file, limit())
            {
                return if bytes.is_empty() {
                    Err(FetchError::NotFound {
                        looked: vec![url.clone()],
                    })
                } else {
                    parse_metadata(&url, &bytes)
                };
            }
            if self.offline {
                return Err(FetchError::NotCached {
                    what: "versions",
                    path: url.to_string(),
                });
            }
            match self.http.get(&url, ACCEPT) {
                Ok(fetched) => {
                    let parsed = parse_metadata(&url, &fetched.body);
                    if parsed.is_ok()
                        && let Some(file) = &file
                    {
                        let _ = write_atomically(file, &fetched.body);
                    }
                    parsed
                }
                Err(HttpError::NotFound { .. }) => {
                    if let Some(file) = &file {
                        let _ = write_atomically(file, b"");
                    }
                    Err(FetchError::NotFound {
                        looked: vec![url.clone()],
                    })
                }
                Err(err) => Err(http_error(err)),
            }
        })
        .clone()
    }
}

impl PomSource for Repositories {
    fn pom(&self, declared: &[DeclaredRepo], gav: &Gav) -> Result<Arc<Pom>, FetchError> {
        if !gav.is_plain() {
            return Err(FetchError::Invalid {
                message: format!("`{gav}` is not a coordinate a repository can have"),
            });
        }
        let remotes = self.remotes_for(declared);
        if remotes.is_empty() {
            return Err(FetchError::NoRepository);
        }
        let dir = format!("{}/{}", gav.artifact_dir(), gav.version);
        if gav.version.ends_with("-SNAPSHOT") {
            let mut failure = None;
            let mut looked = Vec::new();
            for remote in remotes.iter().filter(|r| r.snapshots) {
                let file_version =
                    match self.metadata_of(remote, &format!("{dir}/maven-metadata.xml")) {
                        Ok(meta) => meta.snapshot_pom.unwrap_or_else(|| gav.version.clone()),
                        Err(FetchError::NotFound { .. }) => gav.version.clone(),
                        Err(err) => {
                            failure.get_or_insert(err);
                            continue;
                        }
                    };
                let path = format!("{dir}/{}-{file_version}.pom", gav.artifact);
                let single = [remote.clone()];
                let slot = Self::slot(&self.poms, format!("{}\n{path}", remote.url));
                match slot
                    .get_or_init(|| self.released_pom(&single, &path))
                    .clone()
                {
                    Ok(pom) => return Ok(pom),
                    Err(FetchError::NotFound { looked: l }) => looked.extend(l),
                    Err(err) => {
                        failure.get_or_insert(err);
                    }
                }
            }
            return Err(failure.unwrap_or(if looked.is_empty() {
                FetchError::NotFound {
                    looked: vec![format!("no repository allows snapshots for {gav}")],
                }
            } else {
                FetchError::NotFound { looked }
            }));
        }
        let path = format!("{dir}/{}-{}.pom", gav.artifact, gav.version);
        let slot = Self::slot(&self.poms, format!("{}\n{path}", remote_key(&remotes)));
        slot.get_or_init(|| self.released_pom(&remotes, &path))
            .clone()
    }

    fn gradle_module(
        &self,
        declared: &[DeclaredRepo],
        gav: &Gav,
    ) -> Result<Arc<GradleModule>, FetchError> {
        // A snapshot's `.module` has a timestamped name of its own: its POM is used.
        if !gav.is_plain() || gav.version.ends_with("-SNAPSHOT") {
            return Err(FetchError::NotFound {
                looked: vec![format!("{gav}.module")],
            });
        }
        let remotes = self.remotes_for(declared);
        if remotes.is_empty() {
            return Err(FetchError::NoRepository);
        }
        let path = format!(
            "{}/{}/{}-{}.module",
            gav.artifact_dir(),
            gav.version,
            gav.artifact,
            gav.version
        );
        let slot = Self::slot(&self.modules, format!("{}\n{path}", remote_key(&remotes)));
        slot.get_or_init(|| {
            self.released(&remotes, &path, "module", |url, body| {
                GradleModule::parse(url, body).map(Arc::new)
            })
        })
        .clone()
    }

    fn versions(
        &self,
        declared: &[DeclaredRepo],
        group: &str,
        artifact: &str,
    ) -> Result<Versions, FetchError> {
        let probe = Gav::new(group, artifact, "0");
        if !probe.is_plain() {
            return Err(FetchError::Invalid {
                message: format!("`{group}:{artifact}` is not a coordinate a repository can have"),
            });
        }
        let remotes = self.remotes_for(declared);
        if remotes.is_empty() {
            return Err(FetchError::NoRepository);
        }
        let path = format!("{}/maven-metadata.xml", probe.artifact_dir());
        let mut merged = Versions::default();
        let mut found = false;
        let mut looked = Vec::new();
        let mut failure = None;
        for remote in remotes.iter() {
            match self.metadata_of(remote, &path) {
                Ok(meta) => {
                    found = true;
                    for v in meta.versions {
                        if !merged.versions.contains(&v) {
                            merged.versions.push(v);
                        }
                    }
                    merged.latest = newest(merged.latest.take(), meta.latest);
                    merged.release = newest(merged.release.take(), meta.release);
                }
                Err(FetchError::NotFound { looked: l }) => looked.extend(l),
                Err(err) => {
                    failure.get_or_insert(err);
                }
            }
        }
        if found {
            Ok(merged)
        } else {
            Err(failure.unwrap_or(FetchError::NotFound { looked }))
        }
    }
}

fn newest(a: Option<String>, b: Option<String>) -> Option<String> {
    match (a, b) {
        (Some(a), Some(b)) => Some(if Version::parse(&b) > Version::parse(&a) {
            b
        } else {
            a
        }),
        (a, b) => a.or(b),
    }
}

fn limit() -> crate::source::Limit {
    crate::source::Limit {
        bytes: DOCUMENT_LIMIT + 4096,
        what: "cached POMs",
    }
}

fn remote_key(remotes: &[Remote]) -> String {
    remotes
        .iter()
        .map(|r| r.url.as_str())
        .collect::<Vec<_>>()
        .join(" ")
}

fn join(base: &str, path: &str) -> String {
    format!("{}/{path}", base.trim_end_matches('/'))
}

/// Whether a cache file may answer: offline any age, online younger than a day.
fn fresh(file: &Path, offline: bool) -> bool {
    match std::fs::metadata(file) {
        Ok(meta) if meta.is_file() => {
            offline
                || meta
                    .modified()
                    .ok()
                    .and_then(|m| m.elapsed().ok())
                    .is_some_and(|age| age < TTL)
        }
        _ => false,
    }
}

/// A cached POM: its URL on the first line, then the body.
fn split_cached(bytes: &[u8]) -> Option<(String, &[u8])> {
    let end = bytes.iter().position(|&b| b == b'\n')?;
    let url = std::str::from_utf8(&bytes[..end]).ok()?.to_string();
    Some((url, &bytes[end + 1..]))
}

fn parse_pom(url: &str, body: &[u8]) -> Result<Arc<Pom>, FetchError> {
    let text = decode(body.to_vec());
    Pom::parse(
        &text,
        PomFile::Repository {
            url: url.to_string(),
        },
    )
    .map(Arc::new)
    .map_err(|err| FetchError::NotAPom {
        url: url.to_string(),
        problem: err.text,
    })
}

fn parse_metadata(url: &str, body: &[u8]) -> Result<Metadata, FetchError> {
    let text = decode(body.to_vec());
    let root = parse_xml(&text).map_err(|err| FetchError::NotAPom {
        url: url.to_string(),
        problem: crate::diagnostic::Text::new("pom_not_xml").sub("problem", err.text),
    })?;
    if root.name != "metadata" {
        return Err(FetchError::NotAPom {
            url: url.to_string(),
            problem: crate::text!("maven_metadata_wrong_root", root = root.name),
        });
    }
    let Some(versioning) = root.child("versioning") else {
        return Ok(Metadata::default());
    };
    let snapshot_pom = versioning
        .items("snapshotVersions", "snapshotVersion")
        .find(|s| s.value("extension").as_deref() == Some("pom") && s.value("classifier").is_none())
        .and_then(|s| s.value("value"))
        .or_else(|| {
            let snapshot = versioning.child("snapshot")?;
            let timestamp = snapshot.value("timestamp")?;
            let build = snapshot.value("buildNumber")?;
            let version = root.value("version")?;
            let base = version.strip_suffix("-SNAPSHOT")?;
            Some(format!("{base}-{timestamp}-{build}"))
        });
    Ok(Metadata {
        versions: versioning
            .items("versions", "version")
            .map(|v| v.text.trim().to_string())
            .filter(|v| !v.is_empty())
            .collect(),
        latest: versioning.value("latest"),
        release: versioning.value("release"),
        snapshot_pom,
    })
}

fn http_error(err: HttpError) -> FetchError {
    match err {
        HttpError::Unreachable { host } => FetchError::Unreachable {
            host,
            missing_from: Vec::new(),
        },
        HttpError::NotCached { url } => FetchError::NotCached {
            what: "file",
            path: url,
        },
        other => FetchError::Failed {
            error: other.text(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn repo(id: &str, url: &str) -> DeclaredRepo {
        DeclaredRepo {
            id: id.into(),
            url: Some(url.into()),
            releases: true,
            snapshots: false,
            declared_in: "pom.xml:3".into(),
            from_tree: true,
        }
    }

    #[test]
    fn repositories_come_in_order_through_their_mirrors() {
        let mut env = Environment {
            central: Some((
                "https://central.registry.example/maven2".into(),
                crate::diagnostic::Text::verbatim("super POM"),
            )),
            ..Environment::default()
        };
        // A Maven build names central last (its super POM); a repository without URL is central.
        let (remotes, _) = env.remotes(&[
            repo("corp", "https://corp.registry.example/"),
            DeclaredRepo::central("the super POM"),
        ]);
        let urls: Vec<&str> = remotes.iter().map(|r| r.url.as_str()).collect();
        assert_eq!(
            urls,
            [
                "https://corp.registry.example/",
                "https://central.registry.example/maven2"
            ]
        );
        // A Gradle build that does not name central does not ask it.
        let (remotes, _) = env.remotes(&[repo("corp", "https://corp.registry.example/")]);
        assert_eq!(remotes.len(), 1);
        env.settings.mirrors.push(super::super::settings::Mirror {
            id: "block".into(),
            url: "http://0.0.0.0/".into(),
            mirror_of: "external:http:*".into(),
            blocked: true,
            from: "settings.xml".into(),
        });
        env.settings.mirrors.push(super::super::settings::Mirror {
            id: "nexus".into(),
            url: "https://nexus.registry.example/".into(),
            mirror_of: "central".into(),
            blocked: false,
            from: "settings.xml".into(),
        });
        let (remotes, blocked) = env.remotes(&[
            repo("old", "http://old.registry.example/"),
            DeclaredRepo::central("the super POM"),
        ]);
        let urls: Vec<&str> = remotes.iter().map(|r| r.url.as_str()).collect();
        assert_eq!(urls, ["https://nexus.registry.example/"]);
        assert_eq!(blocked.len(), 1);
        assert_eq!(
            env.licence_endpoints()[0].url,
            "https://nexus.registry.example/"
        );
        env.configured = vec![Endpoint {
            url: "https://mine.registry.example/".into(),
            from: crate::diagnostic::Text::verbatim("config"),
            from_tree: false,
        }];
        let (remotes, _) = env.remotes(&[repo("corp", "https://corp.registry.example/")]);
        assert_eq!(remotes.len(), 1);
        assert_eq!(remotes[0].url, "https://mine.registry.example/");
    }

    #[test]
    fn metadata_lists_versions_and_snapshot_files() {
        let meta = parse_metadata(
            "u",
            br#"<metadata><groupId>g</groupId><artifactId>a</artifactId><version>1.0-SNAPSHOT</version>
            <versioning><latest>2.0</latest><release>2.0</release>
            <versions><version>1.0</version><version>2.0</version></versions>
            <snapshot><timestamp>20240101.120000</timestamp><buildNumber>3</buildNumber></snapshot>
            </versioning></metadata>"#,
        )
        .unwrap();
        assert_eq!(meta.versions, ["1.0", "2.0"]);
        assert_eq!(meta.snapshot_pom.as_deref(), Some("1.0-20240101.120000-3"));
        assert!(parse_metadata("u", b"<html>login</html>").is_err());
    }
}
