//! The data that flows between the pipeline stages: ecosystems, projects, packages and the
//! dependency graph.
//!
//! Every stage takes the previous stage's value and returns a richer one; the types here are
//! the shared vocabulary. They serialize into the JSON report unchanged, so field names are part
//! of the documented schema (docs/report-schema.md).

use serde::{Deserialize, Serialize};
use std::fmt;
use std::path::PathBuf;

/// A packaging ecosystem fundament can read.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, serde::Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum Ecosystem {
    Cargo,
    /// npm packages, whichever client locked them (npm, pnpm, yarn).
    Npm,
    Composer,
    /// Python packages (PyPI and compatible indexes).
    Pypi,
    /// Go modules.
    Golang,
    /// Maven artefacts, whichever build tool declared them (Maven, Gradle).
    Maven,
    /// Packages of other ecosystems, known only from an imported SBOM; their purl is kept as
    /// the SBOM gave it.
    Generic,
}

impl Ecosystem {
    /// The purl `type` of this ecosystem.
    pub fn purl_type(self) -> &'static str {
        match self {
            Ecosystem::Cargo => "cargo",
            Ecosystem::Npm => "npm",
            Ecosystem::Composer => "composer",
            Ecosystem::Pypi => "pypi",
            Ecosystem::Golang => "golang",
            Ecosystem::Maven => "maven",
            Ecosystem::Generic => "generic",
        }
    }

    /// The ecosystem of a purl type, `Generic` for types fundament does not read itself.
    pub fn from_purl_type(ty: &str) -> Ecosystem {
        match ty {
            "cargo" => Ecosystem::Cargo,
            "npm" => Ecosystem::Npm,
            "composer" => Ecosystem::Composer,
            "pypi" => Ecosystem::Pypi,
            "golang" => Ecosystem::Golang,
            "maven" => Ecosystem::Maven,
            _ => Ecosystem::Generic,
        }
    }
}

impl fmt::Display for Ecosystem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Ecosystem::Cargo => "Cargo",
            Ecosystem::Npm => "npm",
            Ecosystem::Composer => "Composer",
            Ecosystem::Pypi => "Python",
            Ecosystem::Golang => "Go",
            Ecosystem::Maven => "Maven",
            Ecosystem::Generic => "other",
        })
    }
}

/// How a project's packages were locked: the package manager or build tool whose files
/// fundament read. Several kinds share an [`Ecosystem`] (npm, pnpm and yarn lock npm packages).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ProjectKind {
    Cargo,
    Npm,
    Pnpm,
    Yarn,
    Composer,
    Python,
    Go,
    Maven,
    Gradle,
    /// An imported SBOM (CycloneDX or SPDX).
    Sbom,
}

impl ProjectKind {
    /// The ecosystem of the packages this kind of project locks (an SBOM's components may be
    /// of any ecosystem; this is the default for those without a purl).
    pub fn ecosystem(self) -> Ecosystem {
        match self {
            ProjectKind::Cargo => Ecosystem::Cargo,
            ProjectKind::Npm | ProjectKind::Pnpm | ProjectKind::Yarn => Ecosystem::Npm,
            ProjectKind::Composer => Ecosystem::Composer,
            ProjectKind::Python => Ecosystem::Pypi,
            ProjectKind::Go => Ecosystem::Golang,
            ProjectKind::Maven | ProjectKind::Gradle => Ecosystem::Maven,
            ProjectKind::Sbom => Ecosystem::Generic,
        }
    }
}

impl fmt::Display for ProjectKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ProjectKind::Cargo => "Cargo",
            ProjectKind::Npm => "npm",
            ProjectKind::Pnpm => "pnpm",
            ProjectKind::Yarn => "yarn",
            ProjectKind::Composer => "Composer",
            ProjectKind::Python => "Python",
            ProjectKind::Go => "Go",
            ProjectKind::Maven => "Maven",
            ProjectKind::Gradle => "Gradle",
            ProjectKind::Sbom => "SBOM",
        })
    }
}

/// Why a package is in the graph, from the point of view of the project that uses it: its
/// usage (Verwendung).
///
/// Ordered from "ships with the product" to "only used by developers": when a package is
/// reached in several ways, the smallest scope wins. Which scopes a policy treats as delivered
/// (checked in full and listed in the notices) is the policy's `[dependencies]` table. npm's
/// optional and peer packages are runtime packages with the [`Package::optional`] and
/// [`Package::peer`] flags, which the policy treats in their own right.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Scope {
    /// Linked into or shipped with the product.
    Runtime,
    /// Compiled against, supplied by the runtime environment (Maven `provided`, Gradle
    /// `compileOnly`): not shipped with the project's artefact.
    Provided,
    /// Used only while building (Cargo build-dependencies, annotation processors, and what
    /// they pull in).
    Build,
    /// Used only by tests (Maven `test`, Gradle test configurations).
    Test,
    /// Used only for development (dev-dependencies and what they pull in).
    Dev,
}

impl Scope {
    /// Every scope, from "ships" to "only used by developers".
    pub const ALL: [Scope; 5] = [
        Scope::Runtime,
        Scope::Provided,
        Scope::Build,
        Scope::Test,
        Scope::Dev,
    ];

    /// The scope named `text` (`runtime`, `dev`, ...).
    pub fn parse(text: &str) -> Option<Scope> {
        Scope::ALL
            .into_iter()
            .find(|s| s.to_string().eq_ignore_ascii_case(text.trim()))
    }
}

impl fmt::Display for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Scope::Runtime => "runtime",
            Scope::Provided => "provided",
            Scope::Build => "build",
            Scope::Test => "test",
            Scope::Dev => "dev",
        })
    }
}

/// How one project uses a package: its scope there, and the chain of packages through which
/// that project's own graph reaches it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Usage {
    /// Index into [`Graph::projects`].
    pub project: usize,
    /// The project's lockfile (else its manifest), relative to the audited root: the file the
    /// path was read from.
    pub file: String,
    pub scope: Scope,
    /// The packages ("name version") from a root of that project to the package itself,
    /// following only that project's edges: the shortest chain among those that explain the
    /// scope (a runtime chain before a build or dev chain). Empty when the project's edges do
    /// not reach the package (a flat requirements list).
    pub path: Vec<String>,
}

/// Where a package's code comes from.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum PackageSource {
    /// A package registry; `url` is what the lockfile recorded, when it recorded one.
    Registry { url: Option<String> },
    /// A git repository.
    Git { url: String },
    /// A directory on disk (path dependency, `file:` or `link:` package, workspace member).
    Path { path: String },
    /// A tarball or other direct URL.
    Url { url: String },
}

impl PackageSource {
    /// What makes two copies of a package the same package: any registry copy of name@version
    /// is the same package (lockfiles record the download URL only sometimes), while git, path
    /// and URL sources are told apart by their location.
    pub fn identity(&self) -> String {
        match self {
            PackageSource::Registry { .. } => "registry".to_string(),
            PackageSource::Git { url } => format!("git {url}"),
            PackageSource::Path { path } => format!("path {path}"),
            PackageSource::Url { url } => format!("url {url}"),
        }
    }

    /// Keeps the registry URL when one copy recorded it and another did not.
    pub fn absorb(&mut self, other: &PackageSource) {
        if let (PackageSource::Registry { url: mine @ None }, PackageSource::Registry { url }) =
            (self, other)
        {
            mine.clone_from(url);
        }
    }
}

/// The kind of a dependency edge, as the ecosystem declares it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum DepKind {
    Normal,
    Build,
    Dev,
    Optional,
    Peer,
}

/// A dependency edge, pointing at another package of the same graph by index.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub struct Dependency {
    pub package: usize,
    pub kind: DepKind,
}

/// The edges of a graph being built, each once. Readers add edges through it rather than
/// asking `package.dependencies.contains(..)`, which scans the package's whole list: one
/// package with 100,000 dependencies (a hostile lockfile can hold millions within its size
/// limit) made that quadratic.
#[derive(Debug, Default)]
pub struct EdgeSet(std::collections::HashSet<(usize, Dependency)>);

impl EdgeSet {
    /// The edges `packages` hold already.
    pub fn of(packages: &[Package]) -> Self {
        let mut set = EdgeSet::default();
        for (from, package) in packages.iter().enumerate() {
            set.0
                .extend(package.dependencies.iter().map(|&edge| (from, edge)));
        }
        set
    }

    /// Adds `from → edge` to `packages` unless it is there already or points back at `from`
    /// (or `from` is not a package); true when it was added.
    pub fn add(&mut self, packages: &mut [Package], from: usize, edge: Dependency) -> bool {
        if from == edge.package || from >= packages.len() || !self.0.insert((from, edge)) {
            return false;
        }
        packages[from].dependencies.push(edge);
        true
    }
}

/// Where a licence string was read from: the file, and the field or key inside it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Origin {
    /// A path relative to the audited root where possible, else absolute.
    pub file: String,
    /// The field inside the file (`license`, `licenses`, ...).
    pub field: String,
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} `{}`", self.file, self.field)
    }
}

/// The licence a package's metadata declares, before interpretation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DeclaredLicence {
    pub raw: String,
    pub origin: Origin,
}

/// One package (a crate, an npm package, ...) at one version.
#[derive(Debug, Clone, Serialize)]
pub struct Package {
    /// Package URL, the package's identity across tools.
    pub purl: String,
    pub ecosystem: Ecosystem,
    pub name: String,
    pub version: String,
    pub source: PackageSource,
    /// True for the audited projects' own packages (workspace members, the npm root and its
    /// workspaces): their licence is the outbound licence, not an inbound dependency.
    pub root: bool,
    /// The smallest scope in which any audited project uses the package (readers set the
    /// package's scope in their project; after merging, the smallest over every usage).
    pub scope: Scope,
    /// npm: only installed when the platform or the user allows it.
    pub optional: bool,
    /// npm: a peer dependency, expected to be provided by the consumer.
    pub peer: bool,
    /// The licence the package metadata declares, if any (several when an ecosystem reports
    /// more than one place, e.g. lockfile and installed package.json). Reported, with how each
    /// was read, under `licence.declared`.
    #[serde(skip)]
    pub declared: Vec<DeclaredLicence>,
    /// Cargo `license-file`: the path of the licence text the manifest names instead of an
    /// SPDX expression.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub licence_file: Option<String>,
    /// The package's own directory on disk, when its files are available (registry source
    /// cache, node_modules). Licence files are searched here and nowhere else.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dir: Option<PathBuf>,
    /// The package archive its licence files were read from (the registry stage fills it in
    /// when the metadata declares no licence): names the archive and each file's path in it.
    #[serde(skip)]
    pub archive: Option<ArchiveOrigin>,
    /// The lockfile's integrity or checksum value, as recorded.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub checksum: Option<String>,
    /// False when the version was only declared, not resolved by a lockfile (Gradle build files
    /// without a lockfile, unpinned requirements, unresolvable Maven properties): the version
    /// shown is what the build file says, and the package may be used at another.
    pub locked: bool,
    /// Who decided the version when no lockfile did (`None`: the lockfile, or the declaration
    /// as written, as `locked` says).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resolution: Option<Resolution>,
    /// The day fundament resolved the version (`--resolve-unlocked`: a manifest without lockfile
    /// resolved against the registry), as `YYYY-MM-DD`: another day may give another version.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resolved_on: Option<String>,
    /// Why the input carries no licence for this package ("pnpm-lock.yaml records no
    /// licences"): the package is then reported as unresolved rather than merely unknown.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub licence_unavailable: Option<String>,
    /// Direct dependencies.
    pub dependencies: Vec<Dependency>,
    /// Indices into [`Graph::projects`] of the projects that use this package.
    pub projects: Vec<usize>,
    /// How each project uses the package, the usage that explains [`Package::scope`] first
    /// (set when the projects' graphs are merged; readers leave it empty).
    pub usages: Vec<Usage>,
}

/// Which files of a package archive were written for identification.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ArchiveOrigin {
    /// Where the archive was downloaded from.
    pub url: String,
    /// Its SHA-256 (hex).
    pub sha256: String,
    /// The licence files written for identification: the name in the package directory →
    /// the path in the archive.
    pub files: std::collections::BTreeMap<String, String>,
}

impl ArchiveOrigin {
    /// The archive's file name (the last segment of its URL, without query).
    pub fn file_name(&self) -> &str {
        let path = self.url.split(['?', '#']).next().unwrap_or(&self.url);
        path.rsplit('/').find(|s| !s.is_empty()).unwrap_or(path)
    }
}

impl Package {
    /// The package as paths show it: "name version", or the name alone when it has no
    /// version.
    pub fn label(&self) -> String {
        if self.version.is_empty() {
            self.name.clone()
        } else {
            format!("{} {}", self.name, self.version)
        }
    }

    /// A package with its purl computed from ecosystem, name and version, runtime scope, no
    /// flags, no licence, no edges; readers fill in the rest.
    pub fn new(ecosystem: Ecosystem, name: &str, version: &str, source: PackageSource) -> Package {
        Package {
            purl: purl(ecosystem, name, version),
            ecosystem,
            name: name.to_string(),
            version: version.to_string(),
            source,
            root: false,
            scope: Scope::Runtime,
            optional: false,
            peer: false,
            declared: Vec::new(),
            licence_file: None,
            dir: None,
            archive: None,
            checksum: None,
            locked: true,
            resolution: None,
            resolved_on: None,
            licence_unavailable: None,
            dependencies: Vec::new(),
            projects: Vec::new(),
            usages: Vec::new(),
        }
    }
}

/// How a version no lockfile fixes was decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Resolution {
    /// fundament resolved it from the build's declarations and the repositories' metadata, the
    /// way the build tool would resolve them today (a Gradle build without lockfile, a Maven
    /// version range): never `locked`, and another day may give another version.
    ResolvedFromDeclarations,
}

impl Resolution {
    pub fn as_str(self) -> &'static str {
        match self {
            Resolution::ResolvedFromDeclarations => "resolved-from-declarations",
        }
    }
}

/// How completely a project could be read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "status", rename_all = "lowercase")]
pub enum ProjectStatus {
    /// Every package and its licence metadata was read.
    Complete,
    /// Packages were read, but some information is missing; `reason` says what.
    Partial { reason: String },
    /// Nothing could be read; `reason` says why. The project contributes no packages.
    Failed { reason: String },
}

/// A project found in the audited tree: one Cargo workspace or one npm project.
#[derive(Debug, Clone, Serialize)]
pub struct Project {
    /// The package manager or build tool whose files were read.
    pub kind: ProjectKind,
    /// The ecosystem of the project's packages.
    pub ecosystem: Ecosystem,
    /// The project's directory, relative to the audited root ("." for the root itself).
    pub dir: String,
    /// The main manifest, relative to the audited root.
    pub manifest: String,
    /// The lockfile the packages were read from, relative to the audited root.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lockfile: Option<String>,
    /// How the packages were read ("cargo metadata", "Cargo.lock", "package-lock.json v3").
    pub reader: String,
    /// `reader` in translatable form, where it has words of its own and not only file or tool
    /// names (the German reports render it; JSON keeps the English `reader`).
    #[serde(skip)]
    pub reader_text: Option<crate::diagnostic::Text>,
    #[serde(flatten)]
    pub status: ProjectStatus,
    /// Indices of the project's root packages in [`Graph::packages`].
    pub roots: Vec<usize>,
    /// Go: the toolchain the module is built with, as go.mod names it (its `toolchain`
    /// directive, else its `go` directive), without the `go` prefix: the version of the
    /// standard library whose known vulnerabilities the audit checks.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub toolchain: Option<String>,
    /// Cargo: the platforms whose builds the graph holds (the policy's `[graph] targets`, else
    /// the tier-1 platforms).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub targets: Vec<String>,
    /// Packages the lockfile holds that no build for `targets` compiles, left out of the
    /// audit, each with the reason.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub left_out: Vec<LeftOut>,
}

/// A package of the lockfile that no build of the project compiles (Cargo: reached only
/// through platform conditions that none of the targets meets), left out of the audit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LeftOut {
    pub name: String,
    pub version: String,
    /// Why, in plain language: the conditions it is reached through.
    pub reason: String,
    /// `reason`, translatable (the German reports).
    #[serde(skip)]
    pub reason_text: crate::diagnostic::Text,
}

/// The resolved dependency graph of every project found, packages deduplicated by purl.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Graph {
    pub projects: Vec<Project>,
    pub packages: Vec<Package>,
}

impl Graph {
    /// Keeps only what is used in one of `scopes` (`--scope`), and the projects' own packages:
    /// each package keeps its usages in those scopes, and its scope becomes the smallest of
    /// them; packages without such a usage are removed, with their edges. Usages keep their
    /// paths as read (a dev tool's path may run through runtime packages that are left out).
    /// Returns how many packages were removed.
    pub fn narrow(&mut self, scopes: &[Scope]) -> usize {
        let mut keep = Vec::with_capacity(self.packages.len());
        for package in &mut self.packages {
            package.usages.retain(|u| scopes.contains(&u.scope));
            let kept = package.root || !package.usages.is_empty();
            if let Some(smallest) = package.usages.iter().map(|u| u.scope).min() {
                package.scope = smallest;
            }
            keep.push(kept);
        }
        let mut mapping = vec![None; self.packages.len()];
        let mut next = 0;
        for (index, kept) in keep.iter().enumerate() {
            if *kept {
                mapping[index] = Some(next);
                next += 1;
            }
        }
        let removed = self.packages.len() - next;
        let mut index = 0;
        self.packages.retain(|_| {
            index += 1;
            keep[index - 1]
        });
        for package in &mut self.packages {
            package.dependencies = package
                .dependencies
                .iter()
                .filter_map(|d| {
                    mapping[d.package].map(|package| Dependency {
                        package,
                        kind: d.kind,
                    })
                })
                .collect();
        }
        for project in &mut self.projects {
            project.roots = project.roots.iter().filter_map(|&r| mapping[r]).collect();
        }
        removed
    }
}

/// Builds a purl for a package of `ecosystem`.
///
/// npm scopes become the purl namespace (`@angular/core` → `pkg:npm/%40angular/core@...`).
///
/// Names are split and normalised as the purl specification says for each type: Composer
/// `vendor/name` and Go `host/path/module` give a namespace, Maven names are
/// `groupId:artifactId`, PyPI names are normalised per PEP 503, Composer names lower-cased.
pub fn purl(ecosystem: Ecosystem, name: &str, version: &str) -> String {
    let normalised;
    let (namespace, short_name): (Option<&str>, &str) = match ecosystem {
        Ecosystem::Npm => match name.split_once('/') {
            Some((scope, rest)) if scope.starts_with('@') => (Some(scope), rest),
            _ => (None, name),
        },
        Ecosystem::Composer => {
            normalised = name.to_lowercase();
            match normalised.split_once('/') {
                Some((vendor, rest)) => (Some(vendor), rest),
                None => (None, normalised.as_str()),
            }
        }
        Ecosystem::Pypi => {
            normalised = pep503(name);
            (None, normalised.as_str())
        }
        Ecosystem::Golang => match name.rsplit_once('/') {
            Some((path, last)) => (Some(path), last),
            None => (None, name),
        },
        Ecosystem::Maven => match name.split_once(':') {
            Some((group, artifact)) => (Some(group), artifact),
            None => (None, name),
        },
        Ecosystem::Cargo | Ecosystem::Generic => (None, name),
    };
    let built = packageurl::PackageUrl::new(ecosystem.purl_type(), short_name).map(|mut purl| {
        if let Some(ns) = namespace {
            purl.with_namespace(ns).ok();
        }
        if !version.is_empty() {
            purl.with_version(version).ok();
        }
        purl.to_string()
    });
    match built {
        Ok(text) => text,
        // The purl types used here are valid constants, so building cannot fail on the type;
        // a name the purl crate refuses is still given a readable identity rather than dropped.
        Err(_) => format!("pkg:{}/{}@{}", ecosystem.purl_type(), name, version),
    }
}

/// A Python package name normalised per PEP 503: lower case, runs of `-`, `_` and `.` become
/// one `-`.
pub fn pep503(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut separator = false;
    for c in name.trim().chars() {
        if matches!(c, '-' | '_' | '.') {
            separator = true;
        } else {
            if separator && !out.is_empty() {
                out.push('-');
            }
            separator = false;
            out.extend(c.to_lowercase());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn purls_follow_each_ecosystems_naming_rules() {
        assert_eq!(
            purl(Ecosystem::Composer, "Symfony/Console", "v6.4.1"),
            "pkg:composer/symfony/console@v6.4.1"
        );
        assert_eq!(
            purl(Ecosystem::Pypi, "Django_REST.framework", "3.15.0"),
            "pkg:pypi/django-rest-framework@3.15.0"
        );
        assert_eq!(
            purl(Ecosystem::Golang, "github.com/spf13/cobra", "v1.8.0"),
            "pkg:golang/github.com/spf13/cobra@v1.8.0"
        );
        assert_eq!(
            purl(Ecosystem::Maven, "org.slf4j:slf4j-api", "2.0.9"),
            "pkg:maven/org.slf4j/slf4j-api@2.0.9"
        );
        assert_eq!(pep503("  Foo__Bar..baz "), "foo-bar-baz");
    }

    #[test]
    fn npm_scopes_are_encoded_as_namespace() {
        assert_eq!(
            purl(Ecosystem::Npm, "@angular/core", "17.0.0"),
            "pkg:npm/%40angular/core@17.0.0"
        );
        assert_eq!(
            purl(Ecosystem::Npm, "lodash", "4.17.21"),
            "pkg:npm/lodash@4.17.21"
        );
    }

    #[test]
    fn cargo_purls_keep_prerelease_and_build_metadata() {
        assert_eq!(
            purl(Ecosystem::Cargo, "serde", "1.0.210"),
            "pkg:cargo/serde@1.0.210"
        );
        assert_eq!(
            purl(Ecosystem::Cargo, "toml", "1.2.2+spec-1.1.0"),
            "pkg:cargo/toml@1.2.2%2Bspec-1.1.0"
        );
    }
}

/// Names a package, or some versions of it, in policies: a purl (`pkg:npm/%40scope/name`,
/// optionally with `@version`) or a bare name that matches in every ecosystem, plus an optional
/// version requirement in Cargo's semver syntax (`1.2`, `>=1.0, <2`).
#[derive(Debug, Clone, PartialEq)]
pub struct PackageSpec {
    pub ecosystem: Option<Ecosystem>,
    pub name: String,
    /// An exact version, from a purl's `@version`.
    pub exact_version: Option<String>,
    pub requirement: Option<semver::VersionReq>,
    /// The spec as written, for messages.
    pub text: String,
}

impl PackageSpec {
    pub fn parse(package: &str, version: Option<&str>) -> Result<PackageSpec, String> {
        let package = package.trim();
        if package.is_empty() {
            return Err("the package name is empty".to_string());
        }
        let (ecosystem, name, exact_version) = if package.starts_with("pkg:") {
            let purl: packageurl::PackageUrl = package
                .parse()
                .map_err(|e| format!("`{package}` is not a valid purl: {e}"))?;
            let ecosystem = match purl.ty() {
                "cargo" => Ecosystem::Cargo,
                "npm" => Ecosystem::Npm,
                other => {
                    return Err(format!(
                        "purl type `{other}` is not an ecosystem fundament reads (cargo, npm)"
                    ));
                }
            };
            let name = match purl.namespace() {
                Some(ns) => format!("{ns}/{}", purl.name()),
                None => purl.name().to_string(),
            };
            (Some(ecosystem), name, purl.version().map(str::to_string))
        } else {
            (None, package.to_string(), None)
        };
        let requirement = match version {
            Some(v) => Some(
                semver::VersionReq::parse(v)
                    .map_err(|e| format!("`{v}` is not a version requirement: {e}"))?,
            ),
            None => None,
        };
        Ok(PackageSpec {
            ecosystem,
            name,
            exact_version,
            requirement,
            text: match version {
                Some(v) => format!("{package} {v}"),
                None => package.to_string(),
            },
        })
    }

    pub fn matches(&self, package: &Package) -> bool {
        if self.ecosystem.is_some_and(|e| e != package.ecosystem) || self.name != package.name {
            return false;
        }
        if let Some(exact) = &self.exact_version
            && exact != &package.version
        {
            return false;
        }
        match &self.requirement {
            None => true,
            Some(req) => semver::Version::parse(&package.version).is_ok_and(|v| req.matches(&v)),
        }
    }
}

impl fmt::Display for PackageSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

#[cfg(test)]
mod spec_tests {
    use super::*;

    fn package(ecosystem: Ecosystem, name: &str, version: &str) -> Package {
        Package::new(
            ecosystem,
            name,
            version,
            PackageSource::Registry { url: None },
        )
    }

    #[test]
    fn purl_specs_match_ecosystem_name_and_version() {
        let spec = PackageSpec::parse("pkg:npm/%40scope/x@1.2.3", None).unwrap();
        assert!(spec.matches(&package(Ecosystem::Npm, "@scope/x", "1.2.3")));
        assert!(!spec.matches(&package(Ecosystem::Npm, "@scope/x", "1.2.4")));
        assert!(!spec.matches(&package(Ecosystem::Cargo, "@scope/x", "1.2.3")));
    }

    #[test]
    fn bare_names_match_every_ecosystem_and_requirements_apply() {
        let spec = PackageSpec::parse("ring", Some(">=0.16, <0.18")).unwrap();
        assert!(spec.matches(&package(Ecosystem::Cargo, "ring", "0.17.8")));
        assert!(!spec.matches(&package(Ecosystem::Cargo, "ring", "0.18.0")));
        assert!(spec.matches(&package(Ecosystem::Npm, "ring", "0.16.0")));
    }

    #[test]
    fn bad_specs_are_errors() {
        assert!(PackageSpec::parse("", None).is_err());
        assert!(PackageSpec::parse("pkg:pypi/requests", None).is_err());
        assert!(PackageSpec::parse("serde", Some("not a version")).is_err());
    }
}
