//! Where POMs come from besides the audited tree: Maven repositories, behind the
//! [`PomSource`] trait (implemented over HTTP by `crate::registry::maven::Repositories`, and
//! by maps in tests).

use super::gradle_module::GradleModule;
use super::pom::Pom;
use std::fmt;
use std::sync::Arc;

/// `groupId:artifactId:version`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Gav {
    pub group: String,
    pub artifact: String,
    pub version: String,
}

impl Gav {
    pub fn new(group: &str, artifact: &str, version: &str) -> Gav {
        Gav {
            group: group.to_string(),
            artifact: artifact.to_string(),
            version: version.to_string(),
        }
    }

    /// Whether every coordinate is a plain name that cannot leave its directory of a
    /// repository's layout (no `/`, `..`, whitespace, URL syntax or unresolved `${...}`).
    pub fn is_plain(&self) -> bool {
        let plain = |s: &str| {
            !s.is_empty()
                && s != "."
                && s != ".."
                && !s.contains(['/', '\\', '?', '#', '%', '$', '{', '}', ':'])
                && !s.chars().any(|c| c.is_whitespace() || c.is_control())
        };
        plain(&self.artifact) && plain(&self.version) && self.group.split('.').all(plain)
    }

    /// The directory of the artefact in a repository (`org/slf4j/slf4j-api`).
    pub fn artifact_dir(&self) -> String {
        format!("{}/{}", self.group.replace('.', "/"), self.artifact)
    }
}

impl fmt::Display for Gav {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}", self.group, self.artifact, self.version)
    }
}

/// A repository a build declares (`<repositories>`, Gradle's `repositories {}`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct DeclaredRepo {
    pub id: String,
    /// `None`: Maven's central repository (Gradle's `mavenCentral()`), wherever the
    /// installation or configuration says it is.
    pub url: Option<String>,
    pub releases: bool,
    pub snapshots: bool,
    /// Where it is declared ("pom.xml:12", "a POM of a parent: https://…").
    pub declared_in: String,
    /// Declared by the audited tree (or a POM it pulls in), not by the user's configuration:
    /// it never gets credentials by its id.
    pub from_tree: bool,
}

impl DeclaredRepo {
    /// Maven's central repository, as Gradle's `mavenCentral()` names it.
    pub fn central(declared_in: &str) -> DeclaredRepo {
        DeclaredRepo {
            id: "central".to_string(),
            url: None,
            releases: true,
            snapshots: false,
            declared_in: declared_in.to_string(),
            from_tree: true,
        }
    }
}

/// The versions `maven-metadata.xml` lists, merged over the repositories.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Versions {
    pub versions: Vec<String>,
    pub latest: Option<String>,
    pub release: Option<String>,
}

/// Why a POM or metadata could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FetchError {
    /// No repository has it (each answered 404).
    NotFound { looked: Vec<String> },
    /// The answer is not a POM (not XML, an HTML page, not `<project>`).
    NotAPom {
        url: String,
        problem: crate::diagnostic::Text,
    },
    /// The host does not answer; `missing_from` names the repositories asked before or after
    /// it that answered 404, so that the message says the reachable ones do not have it.
    Unreachable {
        host: String,
        missing_from: Vec<String>,
    },
    /// `--offline`, and the cache does not have it.
    /// `what`: `pom`, `module` (Gradle Module Metadata), `versions` (a version list) or
    /// `file`; `path` the file's path or URL.
    NotCached { what: &'static str, path: String },
    /// No repository is configured or declared at all.
    NoRepository,
    /// Registry look-ups are off: no repository is asked.
    Off,
    /// The coordinates cannot name a file of a repository.
    Invalid { message: String },
    /// Any other failure (HTTP status, transport, size).
    Failed { error: crate::diagnostic::Text },
}

impl fmt::Display for FetchError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FetchError::NotFound { looked } => {
                write!(f, "no repository has it (404 from {})", looked.join(", "))
            }
            FetchError::NotAPom { url, problem } => write!(f, "{url} {}", problem.english()),
            FetchError::Unreachable { .. } | FetchError::NotCached { .. } => {
                f.write_str(&self.text().english())
            }
            FetchError::NoRepository => f.write_str("no Maven repository is configured"),
            FetchError::Off => f.write_str("registry look-ups are off"),
            FetchError::Invalid { message } => f.write_str(message),
            FetchError::Failed { error } => f.write_str(&error.english()),
        }
    }
}

impl FetchError {
    /// Why, without what is particular to one file: packages whose POM failed for the same
    /// cause (offline and not cached, one host unreachable) read the same, and their
    /// follow-on findings fold into one (diagnostic/fold.rs).
    pub fn cause(&self) -> String {
        match self {
            FetchError::NotCached { .. } => "offline, and it is not in the cache".to_string(),
            other => other.to_string(),
        }
    }

    /// Why, as a translatable text (its English is the `Display` text).
    pub fn text(&self) -> crate::diagnostic::Text {
        use crate::diagnostic::Text;
        match self {
            FetchError::NotFound { looked } => {
                crate::text!("fetch_not_found", looked = looked.join(", "))
            }
            FetchError::NotAPom { url, problem } => {
                crate::text!("pom_file_unreadable", file = url).sub("problem", problem.clone())
            }
            FetchError::Unreachable { host, missing_from } if missing_from.is_empty() => {
                crate::text!("fetch_unreachable", host = host)
            }
            FetchError::Unreachable { host, missing_from } => crate::text!(
                "fetch_unreachable_missing",
                host = host,
                looked = missing_from.join(", ")
            ),
            FetchError::NotCached { what, path } => {
                let key = match *what {
                    "pom" => "fetch_not_cached_pom",
                    "module" => "fetch_not_cached_module",
                    "versions" => "fetch_not_cached_versions",
                    _ => "fetch_not_cached_file",
                };
                crate::text!(key, path = path)
            }
            FetchError::NoRepository => Text::new("fetch_no_repository"),
            FetchError::Off => Text::new("fetch_off"),
            FetchError::Invalid { message } => Text::verbatim(message),
            FetchError::Failed { error } => error.clone(),
        }
    }
}

/// POMs and version lists from Maven repositories.
pub trait PomSource: Send + Sync + fmt::Debug {
    /// The POM of `gav` (a `-SNAPSHOT` version through the snapshot's metadata), looked up in
    /// the repositories `declared` adds to those configured.
    fn pom(&self, declared: &[DeclaredRepo], gav: &Gav) -> Result<Arc<Pom>, FetchError>;

    /// The versions of `group:artifact` that the repositories' `maven-metadata.xml` list.
    fn versions(
        &self,
        declared: &[DeclaredRepo],
        group: &str,
        artifact: &str,
    ) -> Result<Versions, FetchError>;

    /// The Gradle Module Metadata (`.module` file) of the released `gav`, read when its POM
    /// carries Gradle's marker. Sources without such files answer `NotFound`.
    fn gradle_module(
        &self,
        declared: &[DeclaredRepo],
        gav: &Gav,
    ) -> Result<Arc<GradleModule>, FetchError> {
        let _ = declared;
        Err(FetchError::NotFound {
            looked: vec![format!("{gav}.module")],
        })
    }
}
