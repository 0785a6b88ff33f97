//! The whole pipeline: source → discover → resolve → (registry look-ups) → identify → advise →
//! vet → evaluate, and the finished audit that every report reads.
//!
//! Each stage takes the previous stage's output; this module only wires them together and
//! assembles the result. The [`Audit`] value is what `--format json` writes, unabridged
//! (docs/report-schema.md).

use crate::diagnostic::{Code, Finding, Severity};
use crate::discover;
use crate::ecosystem::{self, ReadOptions};
use crate::licence::detect::DetectionCache;
use crate::licence::{self, DetectMode, Evidence, IdentifyOptions};
use crate::model::{Graph, Package, Project, ProjectStatus};
use crate::policy::evaluate::{self, Status, Verdict};
use crate::policy::{self, Policy, PolicyError};
use crate::progress::Progress;
use crate::source;
use serde::Serialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The version of the JSON report schema. Bumped on any incompatible change.
pub const SCHEMA: &str = "fundament.audit/1";

/// Which policy to apply.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PolicyChoice {
    /// `--policy` was not given, and the audited tree's own policy may decide (a project's own
    /// CI, or an auditor who opted in with `--repo-policy`): fundament.toml at the root, else
    /// the default preset.
    Automatic,
    /// `--policy` was not given, and the report is for someone who must not be misled by the
    /// audited party's rules (the procurement reports, an audited git URL): the default
    /// preset. A fundament.toml at the root is reported (P009), not applied.
    Auditor,
    /// A preset name or a file path, as given to `--policy`.
    Named(String),
}

/// Whose rules the applied policy is: part of every verdict.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum PolicySource {
    /// A preset built into fundament (`--policy NAME`, or the default).
    Preset,
    /// A policy file of the auditor's own (`--policy FILE`, outside the audited tree).
    File,
    /// The audited tree's own policy: its fundament.toml, or a `--policy` file inside the
    /// audited tree. The audited party's rules decided the verdict (P008).
    Repository,
}

/// The policy an audit applies, with whose it is.
#[derive(Debug, Clone)]
pub struct ChosenPolicy {
    pub policy: Policy,
    pub source: PolicySource,
    /// The audited tree's own fundament.toml, when there is one and it was not applied.
    pub repository_policy_ignored: Option<String>,
}

/// Everything an audit needs to know besides the tree itself.
#[derive(Debug, Clone)]
pub struct AuditOptions {
    pub policy: PolicyChoice,
    pub offline: bool,
    pub detect: DetectMode,
    /// fundament's cache directory; `None` disables caching.
    pub cache_dir: Option<PathBuf>,
    /// The `cargo` program (default: from PATH).
    pub cargo: Option<PathBuf>,
    /// The date exceptions are checked against (default: today).
    pub today: Option<jiff::civil::Date>,
    /// SBOM files to audit as projects of their own (`--sbom`).
    pub sbom: Vec<PathBuf>,
    /// Whether to look for projects in the audited directory (off when only SBOMs are audited).
    pub scan_tree: bool,
    /// Whether to look licences up in package registries where the input records none.
    pub registry_lookups: bool,
    /// Registry settings given on the command line (override fundament.toml).
    pub registries: Option<crate::registry::config::RegistrySettings>,
    /// Where the user's own client configuration lives (.npmrc, pip.conf, settings.xml).
    pub homes: Option<crate::registry::config::Homes>,
    /// Advisory sources from the command line, and whether the check is turned off.
    pub advisories: crate::advisory::Settings,
    /// `--scope`: audit only packages used in these scopes (empty: every scope).
    pub scopes: Vec<crate::model::Scope>,
    /// `--resolve-unlocked`: resolve manifests without a lockfile against the registries.
    pub resolve_unlocked: bool,
}

impl Default for AuditOptions {
    fn default() -> Self {
        AuditOptions {
            policy: PolicyChoice::Automatic,
            offline: false,
            detect: DetectMode::Needed,
            cache_dir: None,
            cargo: None,
            today: None,
            sbom: Vec::new(),
            scan_tree: true,
            registry_lookups: true,
            resolve_unlocked: false,
            registries: None,
            homes: None,
            advisories: crate::advisory::Settings::default(),
            scopes: Vec::new(),
        }
    }
}

/// Why an audit could not run at all (as opposed to findings about its input).
#[derive(Debug, thiserror::Error)]
pub enum AuditError {
    #[error("{0}")]
    Source(#[from] source::SourceError),
    #[error("{0}")]
    Policy(#[from] PolicyError),
    #[error("`{0}` is neither a policy preset ({presets}) nor a policy file", presets = preset_names())]
    UnknownPolicy(String),
    /// The policy's `[[index]]` entries cannot be used as written.
    #[error("{origin}: [[index]]: {message}")]
    Index { origin: String, message: String },
}

fn preset_names() -> String {
    policy::PRESETS
        .iter()
        .map(|(n, _)| *n)
        .collect::<Vec<_>>()
        .join(", ")
}

/// The tool that made the audit.
#[derive(Debug, Clone, Serialize)]
pub struct Tool {
    pub name: &'static str,
    pub version: &'static str,
}

/// The policy an audit applied.
#[derive(Debug, Clone, Serialize)]
pub struct PolicyInfo {
    pub name: String,
    pub origin: String,
    /// Whose rules they are: a preset, the auditor's file, or the audited repository's own.
    pub source: PolicySource,
    /// The audited tree's own fundament.toml, when it has one that was not applied.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub repository_policy_ignored: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

/// One package with everything the audit established about it.
#[derive(Debug, Clone, Serialize)]
pub struct AuditedPackage {
    #[serde(flatten)]
    pub package: Package,
    pub licence: Evidence,
    pub verdict: Verdict,
    /// What the indices of vetted components say about the package.
    pub vetting: crate::vet::Vetting,
    /// Whether the package was checked for known vulnerabilities, and which it has.
    pub advisories: crate::advisory::PackageAdvisories,
    /// The chain from a project root to the package ("name version"), root first, of the
    /// first of `usages`: within one project's graph, the shortest that explains the package's
    /// scope.
    pub path: Vec<String>,
}

/// How many packages a licence covers, by verdict.
#[derive(Debug, Clone, Serialize)]
pub struct LicenceCount {
    pub licence: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub category: Option<String>,
    pub packages: usize,
    pub by_status: BTreeMap<Status, usize>,
}

/// The overall outcome.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    /// Every package was checked and none violates the policy.
    Pass,
    /// At least one package or policy entry violates the policy.
    Fail,
    /// Some input could not be read; what was read is reported, but the audit cannot pass.
    Incomplete,
}

#[derive(Debug, Clone, Serialize)]
pub struct Summary {
    pub outcome: Outcome,
    /// Whose policy decided the outcome (as `policy.source`).
    pub policy_source: PolicySource,
    /// `--scope`: the scopes audited; empty when every scope was.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub scopes: Vec<crate::model::Scope>,
    /// Packages left out because `--scope` does not name their usage.
    #[serde(skip_serializing_if = "is_zero")]
    pub packages_out_of_scope: usize,
    pub projects: usize,
    pub projects_failed: usize,
    /// Packages other than the projects' own.
    pub packages: usize,
    pub by_status: BTreeMap<Status, usize>,
    /// Packages other than the projects' own, by vetting status.
    pub by_vetting: BTreeMap<crate::vet::VettingStatus, usize>,
    pub by_licence: Vec<LicenceCount>,
    pub errors: usize,
    pub warnings: usize,
    pub notes: usize,
}

/// A finished audit.
#[derive(Debug, Clone, Serialize)]
pub struct Audit {
    pub schema: &'static str,
    pub tool: Tool,
    /// When the audit ran, RFC 3339 in UTC, to the second; taken from `SOURCE_DATE_EPOCH` when
    /// that is set, so that reproducible builds get identical reports.
    pub created: String,
    /// The audited directory.
    pub root: String,
    pub policy: PolicyInfo,
    pub offline: bool,
    pub detect: DetectMode,
    /// The audited project's own (outbound) licence, from every statement at the root.
    pub project_licence: licence::project::ProjectLicence,
    /// The indices of vetted components asked, and whether the policy requires vetting.
    pub vetting: crate::vet::VettingInfo,
    /// Known vulnerabilities: the advisory data used (and its age), the coverage per
    /// ecosystem, and every vulnerability found.
    pub advisories: crate::advisory::AdvisoryReport,
    pub projects: Vec<Project>,
    pub packages: Vec<AuditedPackage>,
    pub findings: Vec<Finding>,
    pub summary: Summary,
}

impl Audit {
    /// The exit code: 2 when input could not be read, 1 for violations, 0 otherwise.
    pub fn exit_code(&self) -> i32 {
        match self.summary.outcome {
            Outcome::Pass => 0,
            Outcome::Fail => 1,
            Outcome::Incomplete => 2,
        }
    }
}

/// Chooses and loads the policy for an audit of `root`.
pub fn load_policy(root: &Path, choice: &PolicyChoice) -> Result<Policy, AuditError> {
    choose_policy(root, choice).map(|chosen| chosen.policy)
}

/// Chooses and loads the policy for an audit of `root`, and says whose it is.
pub fn choose_policy(root: &Path, choice: &PolicyChoice) -> Result<ChosenPolicy, AuditError> {
    let local = root.join(policy::POLICY_FILE);
    let read_local = || source::Confined::audited(root).read_text(&local, source::Limit::POLICY);
    let default_preset =
        || Policy::preset(policy::DEFAULT_PRESET).unwrap_or_else(unreachable_preset);
    match choice {
        PolicyChoice::Named(name) => {
            let path = Path::new(name);
            // Whatever is there and is not a folder is loaded (a FIFO is refused with its
            // reason, never opened so that it blocks).
            if std::fs::metadata(path).is_ok_and(|m| !m.is_dir()) {
                let inside = std::fs::canonicalize(path)
                    .ok()
                    .zip(std::fs::canonicalize(root).ok())
                    .is_some_and(|(file, root)| file.starts_with(root));
                Ok(ChosenPolicy {
                    policy: Policy::load(path, name)?,
                    source: if inside {
                        PolicySource::Repository
                    } else {
                        PolicySource::File
                    },
                    repository_policy_ignored: None,
                })
            } else if let Some(preset) = Policy::preset(name) {
                Ok(ChosenPolicy {
                    policy: preset?,
                    source: PolicySource::Preset,
                    repository_policy_ignored: None,
                })
            } else {
                Err(AuditError::UnknownPolicy(name.clone()))
            }
        }
        PolicyChoice::Auditor => Ok(ChosenPolicy {
            policy: default_preset()?,
            source: PolicySource::Preset,
            repository_policy_ignored: match read_local() {
                Err(refusal) if refusal.is_missing() => None,
                _ => Some(policy::POLICY_FILE.to_string()),
            },
        }),
        PolicyChoice::Automatic => {
            // The audited tree's own policy file is read like every file of the tree; one that
            // is refused (a FIFO, a link out of the tree) stops the audit rather than let the
            // default policy stand in for it silently.
            match read_local() {
                Ok(text) => Ok(ChosenPolicy {
                    policy: Policy::from_text(&text, &local, policy::POLICY_FILE)?,
                    source: PolicySource::Repository,
                    repository_policy_ignored: None,
                }),
                Err(refusal) if refusal.is_missing() => Ok(ChosenPolicy {
                    policy: default_preset()?,
                    source: PolicySource::Preset,
                    repository_policy_ignored: None,
                }),
                Err(refusal) => Err(AuditError::Policy(PolicyError {
                    file: policy::POLICY_FILE.to_string(),
                    line: None,
                    field: None,
                    message: format!("the policy {}", refusal.reason_text()),
                })),
            }
        }
    }
}

/// The finding that says whose policy decided, when that is not the auditor's own: the
/// audited party's policy (P008), or the audited party's policy left unused (P009).
fn policy_source_finding(chosen: &ChosenPolicy) -> Option<Finding> {
    if chosen.source == PolicySource::Repository {
        return Some(
            Finding::note_finding(
                Code::PolicyFromAuditedTree,
                crate::text!("policy_from_audited_tree", origin = chosen.policy.origin),
            )
            .at(chosen.policy.origin.clone(), None)
            .note(crate::diagnostic::Text::new(
                "note_when_you_audit_someone_else",
            )),
        );
    }
    chosen.repository_policy_ignored.as_ref().map(|file| {
        Finding::note_finding(
            Code::AuditedTreePolicyIgnored,
            crate::text!(
                "audited_tree_policy_ignored",
                file = file,
                origin = chosen.policy.origin
            ),
        )
        .at(file.clone(), None)
        .note(crate::diagnostic::Text::new(
            "note_pass_repo_policy_to_apply",
        ))
    })
}

/// The default preset is compiled in; its absence would be a build error, not input.
fn unreachable_preset() -> Result<Policy, PolicyError> {
    Err(PolicyError {
        file: policy::DEFAULT_PRESET.to_string(),
        line: None,
        field: None,
        message: "the default policy preset is missing from this build".to_string(),
    })
}

/// Runs the audit of the tree at `path`.
pub fn run(path: &Path, options: &AuditOptions, progress: &Progress) -> Result<Audit, AuditError> {
    let root = source::local(path)?;
    let mut chosen = choose_policy(&root, &options.policy)?;
    // The tree's own policy may not point advisory sources or indices out of the tree (R005).
    let policy_findings = if matches!(options.policy, PolicyChoice::Automatic)
        && chosen.source == PolicySource::Repository
    {
        confine_tree_policy(&root, &mut chosen.policy)
    } else {
        Vec::new()
    };
    let policy = chosen.policy.clone();

    let mut found = if options.scan_tree {
        let _task = progress.task("looking for projects".to_string());
        discover::discover(&root)
    } else {
        discover::Discovery::default()
    };
    for sbom in &options.sbom {
        let file = source::sbom_file(sbom)?;
        found.projects.push(discover::FoundProject {
            kind: crate::model::ProjectKind::Sbom,
            dir: file
                .parent()
                .map(Path::to_path_buf)
                .unwrap_or_else(|| root.clone()),
            manifest: file,
            lockfile: None,
            files: Vec::new(),
        });
    }
    let maven = maven_repositories(&root, options, &found.projects);
    let unlocked = unlocked_resolver(&root, options, &found.projects);
    let graphs = ecosystem::read_all(
        &root,
        &found.projects,
        &found.tree,
        &ReadOptions {
            offline: options.offline,
            cargo: options.cargo.clone(),
            go_mod_cache: None,
            maven: maven
                .clone()
                .map(|r| r as std::sync::Arc<dyn crate::ecosystem::maven::PomSource>),
            platform: None,
            cache_dir: options.cache_dir.clone(),
            cargo_targets: policy.targets.clone(),
            unlocked,
        },
        progress,
    );
    let (mut graph, read_findings) = ecosystem::merge(graphs);
    let out_of_scope = if options.scopes.is_empty() {
        0
    } else {
        graph.narrow(&options.scopes)
    };
    let registry = registry_options(
        &root,
        options,
        &crate::registry::ecosystems_needing_configuration(&graph),
    );
    let mut registry_findings = policy_findings;
    registry_findings.extend(registry.endpoints.findings.clone());
    for blocked in maven.iter().flat_map(|m| m.blocked()) {
        registry_findings.push(
            Finding::warning(
                Code::RegistryFromTree,
                crate::text!("maven_repository_not_for_poms", repository = blocked),
            )
            .note(crate::diagnostic::Text::new(
                "note_a_repository_over_plain_http",
            )),
        );
    }
    registry_findings.extend(crate::registry::resolve(&mut graph, &registry, progress));
    let areas = package_areas(&root, options);
    registry_findings.extend(licence::confine_dirs(&mut graph, &areas));

    let lookups = {
        let layered = crate::index::Layered::open(
            &policy.vetting.indices,
            &index_options(&root, options, &policy, &registry),
        )
        .map_err(|e| AuditError::Index {
            origin: policy.origin.clone(),
            message: e.to_string(),
        })?;
        let _task = progress.task(format!(
            "looking up {} in {}",
            crate::plural::count(graph.packages.len(), "package", "packages"),
            crate::plural::count(layered.layers().len(), "index", "indices")
        ));
        crate::vet::look_up(&graph, &layered)
    };
    // A clarification past its `expires` date no longer applies (P011).
    let today = options.today.unwrap_or_else(|| jiff::Zoned::now().date());
    let mut expired_clarifications = Vec::new();
    let mut curations: Vec<licence::Curation> = Vec::new();
    for clarification in &policy.clarifications {
        match clarification.expires {
            Some(date) if date < today => expired_clarifications.push(
                Finding::warning(
                    Code::ClarifyExpired,
                    crate::text!(
                        "clarify_expired",
                        spec = clarification.spec,
                        licence = clarification.expression,
                        date = date
                    ),
                )
                .located(clarification.source.clone())
                .note(crate::diagnostic::Text::new(
                    "note_the_package_s_licence_is",
                )),
            ),
            _ => curations.push(clarification.clone()),
        }
    }
    curations.extend(lookups.curations(&graph));

    let identified = {
        let _task = progress.task(format!(
            "identifying the licences of {}",
            crate::plural::count(graph.packages.len(), "package", "packages")
        ));
        licence::identify(
            &graph,
            &curations,
            &IdentifyOptions {
                detect: options.detect,
                cache: DetectionCache::new(options.cache_dir.as_deref()),
                areas: areas.clone(),
            },
        )
    };
    let cache = DetectionCache::new(options.cache_dir.as_deref());
    let (project_licence, licence_findings) =
        licence::project::project_licence(&root, &graph, &identified.evidence, &cache);
    let advised = {
        let _task = progress.task(format!(
            "checking {} for known vulnerabilities",
            crate::plural::count(graph.packages.len(), "package", "packages")
        ));
        crate::advisory::advise(
            &graph,
            &policy.advisories,
            &options.advisories,
            &lookups,
            &crate::advisory::StageOptions {
                offline: options.offline,
                cache_dir: options.cache_dir.clone(),
                http: registry.http.clone(),
                today,
                registry_lookups: registry.enabled,
                parallelism: registry.parallelism,
            },
        )
    };
    let evaluation = evaluate::evaluate(
        &graph,
        &identified.evidence,
        &policy,
        today,
        project_licence.expression.as_deref(),
    );
    let (vettings, vet_findings) = crate::vet::conclude(
        &graph,
        &lookups,
        &identified.evidence,
        &evaluation.verdicts,
        policy.vetting.require_vetted,
        today,
    );

    let mut findings = found.findings;
    // An unreadable manifest, or a lockfile of an ecosystem fundament does not read, is a
    // project that was found, and already reported.
    if found.projects.is_empty()
        && !findings
            .iter()
            .any(|f| matches!(f.code, Code::InputUnreadable | Code::EcosystemUnsupported))
    {
        findings.push(Finding::error(
            Code::NoProjects,
            crate::text!("no_projects", dir = root.display()),
        ));
    }
    findings.extend(read_findings);
    findings.extend(policy_source_finding(&chosen));
    if out_of_scope > 0 {
        findings.push(Finding::note_finding(
            Code::ScopeNarrowed,
            crate::text!("scope_narrowed", scopes = scope_list(&options.scopes))
                .count("n", out_of_scope),
        ));
    }
    findings.extend(registry_findings);
    findings.extend(expired_clarifications);
    findings.extend(identified.findings);
    findings.extend(licence_findings);
    findings.extend(advised.findings);
    findings.extend(evaluation.findings);
    findings.extend(vet_findings);
    Ok(assemble(
        &root,
        &chosen,
        options,
        out_of_scope,
        graph,
        Established {
            project_licence,
            vetting: lookups.info(policy.vetting.require_vetted),
            evidence: identified.evidence,
            verdicts: evaluation.verdicts,
            vettings,
            advisories: advised.report,
            package_advisories: advised.per_package,
        },
        findings,
    ))
}

/// The indices an audit of `root` under `policy` asks, opened as [`run`] opens them: for
/// callers that must know their state before an audit (the portfolio's unchanged-repository
/// check, src/portfolio/state.rs).
pub fn open_indices(
    root: &Path,
    options: &AuditOptions,
    policy: &Policy,
) -> Result<crate::index::Layered, AuditError> {
    let registry = registry_options(root, options, &Default::default());
    crate::index::Layered::open(
        &policy.vetting.indices,
        &index_options(root, options, policy, &registry),
    )
    .map_err(|e| AuditError::Index {
        origin: policy.origin.clone(),
        message: e.to_string(),
    })
}

/// What the stages established: about the project, and per package (parallel to
/// `graph.packages`).
struct Established {
    project_licence: licence::project::ProjectLicence,
    vetting: crate::vet::VettingInfo,
    evidence: Vec<Evidence>,
    verdicts: Vec<Verdict>,
    vettings: Vec<crate::vet::Vetting>,
    advisories: crate::advisory::AdvisoryReport,
    package_advisories: Vec<crate::advisory::PackageAdvisories>,
}

/// `runtime, optional`, for messages.
fn scope_list(scopes: &[crate::model::Scope]) -> String {
    scopes
        .iter()
        .map(|s| s.to_string())
        .collect::<Vec<_>>()
        .join(", ")
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

fn assemble(
    root: &Path,
    chosen: &ChosenPolicy,
    options: &AuditOptions,
    out_of_scope: usize,
    graph: Graph,
    judged: Established,
    mut findings: Vec<Finding>,
) -> Audit {
    let policy = &chosen.policy;
    // Each package's path is the one of its first usage: through one project's own graph,
    // explaining the package's scope, naming that project's lockfile.
    let path_strings: Vec<Vec<String>> = graph
        .packages
        .iter()
        .map(|p| p.usages.first().map(|u| u.path.clone()).unwrap_or_default())
        .collect();
    let path_files: Vec<Option<String>> = graph
        .packages
        .iter()
        .map(|p| {
            p.usages
                .first()
                .filter(|u| !u.path.is_empty())
                .map(|u| u.file.clone())
        })
        .collect();
    let by_purl: std::collections::HashMap<&str, usize> = graph
        .packages
        .iter()
        .enumerate()
        .map(|(i, p)| (p.purl.as_str(), i))
        .collect();
    for finding in &mut findings {
        if finding.path.is_empty()
            && let Some(i) = finding.package.as_deref().and_then(|p| by_purl.get(p))
        {
            finding.path = path_strings[*i].clone();
            finding.path_file.clone_from(&path_files[*i]);
        }
    }
    // The same problem found by two stages (a refused file reported by the walk and by the
    // reader of its project) is reported once.
    let mut seen = std::collections::HashSet::new();
    findings.retain(|f| {
        seen.insert((
            f.code,
            f.severity,
            f.message.clone(),
            f.location.clone(),
            f.package.clone(),
        ))
    });
    // One finding per cause, each with what to do (docs/diagnostics.md, "How to fix").
    let facts = package_facts(&graph, &judged.evidence);
    let mut findings = crate::diagnostic::fold(findings, &facts);
    crate::diagnostic::attach_help(&mut findings, &facts);
    // Errors first, then by code, package and message: stable across runs.
    findings.sort_by(|a, b| {
        (a.severity, a.code, &a.package, &a.message)
            .cmp(&(b.severity, b.code, &b.package, &b.message))
    });

    let mut advisories = judged.advisories;
    for v in &mut advisories.vulnerabilities {
        if let Some(path) = v.package_index.and_then(|i| path_strings.get(i)) {
            v.path.clone_from(path);
        }
    }
    let Graph { projects, packages } = graph;
    let packages: Vec<AuditedPackage> = packages
        .into_iter()
        .zip(judged.evidence)
        .zip(judged.verdicts)
        .zip(judged.vettings)
        .zip(judged.package_advisories)
        .zip(path_strings)
        .map(
            |(((((package, licence), verdict), vetting), advisories), path)| AuditedPackage {
                package,
                licence,
                verdict,
                vetting,
                advisories,
                path,
            },
        )
        .collect();

    let mut summary = summarise(&projects, &packages, &findings);
    summary.policy_source = chosen.source;
    summary.scopes.clone_from(&options.scopes);
    summary.packages_out_of_scope = out_of_scope;
    Audit {
        schema: SCHEMA,
        created: timestamp(),
        tool: Tool {
            name: "fundament",
            version: env!("CARGO_PKG_VERSION"),
        },
        root: root.display().to_string(),
        policy: PolicyInfo {
            name: policy.name.clone(),
            origin: policy.origin.clone(),
            source: chosen.source,
            repository_policy_ignored: chosen.repository_policy_ignored.clone(),
            description: policy.description.clone(),
        },
        offline: options.offline,
        detect: options.detect,
        project_licence: judged.project_licence,
        vetting: judged.vetting,
        advisories,
        projects,
        packages,
        findings,
        summary,
    }
}

/// What grouping and the fixes' snippets need of each package, by purl.
fn package_facts(
    graph: &Graph,
    evidence: &[licence::Evidence],
) -> std::collections::HashMap<String, crate::diagnostic::PackageFacts> {
    graph
        .packages
        .iter()
        .zip(evidence)
        .map(|(p, e)| {
            let files: Vec<_> = e
                .detected
                .iter()
                .filter(|d| d.kind == licence::detect::FileKind::Licence)
                .collect();
            let mut stated: Vec<&str> = files.iter().filter_map(|d| d.licence.as_deref()).collect();
            stated.sort_unstable();
            stated.dedup();
            let detected = (!stated.is_empty()).then(|| {
                if stated.len() == 1 {
                    stated[0].to_string()
                } else {
                    stated
                        .iter()
                        .map(|s| format!("({s})"))
                        .collect::<Vec<_>>()
                        .join(" AND ")
                }
            });
            (
                p.purl.clone(),
                crate::diagnostic::PackageFacts {
                    name: p.name.clone(),
                    version: p.version.clone(),
                    licence_files: files
                        .iter()
                        .map(|d| (d.path.clone(), d.sha256.clone()))
                        .collect(),
                    detected,
                },
            )
        })
        .collect()
}

fn summarise(projects: &[Project], packages: &[AuditedPackage], findings: &[Finding]) -> Summary {
    let mut by_status = BTreeMap::new();
    let mut by_vetting = BTreeMap::new();
    let mut by_licence: BTreeMap<String, LicenceCount> = BTreeMap::new();
    for p in packages.iter().filter(|p| !p.package.root) {
        *by_status.entry(p.verdict.status).or_insert(0) += 1;
        *by_vetting.entry(p.vetting.status).or_insert(0) += 1;
        let licence = p
            .verdict
            .effective
            .clone()
            .unwrap_or_else(|| p.licence.concluded.expression.clone());
        let entry = by_licence
            .entry(licence.clone())
            .or_insert_with(|| LicenceCount {
                category: category_label(&licence),
                licence,
                packages: 0,
                by_status: BTreeMap::new(),
            });
        entry.packages += 1;
        *entry.by_status.entry(p.verdict.status).or_insert(0) += 1;
    }
    let mut by_licence: Vec<LicenceCount> = by_licence.into_values().collect();
    by_licence.sort_by(|a, b| b.packages.cmp(&a.packages).then(a.licence.cmp(&b.licence)));

    let count = |s: Severity| findings.iter().filter(|f| f.severity == s).count();
    let input_errors = findings
        .iter()
        .any(|f| f.severity == Severity::Error && is_input_problem(f.code));
    let projects_failed = projects
        .iter()
        .filter(|p| matches!(p.status, ProjectStatus::Failed { .. }))
        .count();
    let outcome = if input_errors || projects_failed > 0 {
        Outcome::Incomplete
    } else if count(Severity::Error) > 0 {
        Outcome::Fail
    } else {
        Outcome::Pass
    };
    Summary {
        outcome,
        policy_source: PolicySource::Preset,
        scopes: Vec::new(),
        packages_out_of_scope: 0,
        projects: projects.len(),
        projects_failed,
        packages: packages.iter().filter(|p| !p.package.root).count(),
        by_status,
        by_vetting,
        by_licence,
        errors: count(Severity::Error),
        warnings: count(Severity::Warning),
        notes: count(Severity::Note),
    }
}

/// The category of a single-licence expression, for the summary table; "mixed" for
/// combinations of different categories.
fn category_label(expression: &str) -> Option<String> {
    let tree = licence::expression::Tree::parse(expression).ok()?;
    let mut categories: Vec<String> = tree
        .licences()
        .into_iter()
        .filter_map(licence::facts::category_of)
        .map(|c| c.to_string())
        .collect();
    categories.sort();
    categories.dedup();
    match categories.len() {
        0 => None,
        1 => categories.pop(),
        _ => Some(categories.join(" + ")),
    }
}

/// Now, or `SOURCE_DATE_EPOCH` (seconds since 1970) when it is set, as RFC 3339 UTC.
pub fn timestamp() -> String {
    let from_env = std::env::var("SOURCE_DATE_EPOCH")
        .ok()
        .and_then(|s| s.trim().parse::<i64>().ok())
        .and_then(|s| jiff::Timestamp::from_second(s).ok());
    let now = from_env.unwrap_or_else(|| {
        let now = jiff::Timestamp::now();
        jiff::Timestamp::from_second(now.as_second()).unwrap_or(now)
    });
    now.to_string()
}

/// Why a source named by the audited tree's own policy (an advisory source, an index) is not
/// used, if it is not: a folder or file outside the tree (reached by a path, `file://` or a
/// link) would be read from the auditor's machine, and SSH would sign in with the auditor's
/// keys, to a host of the tree's choosing. HTTP(S) and `git://` sources are used (credentials
/// go only where the user's own configuration scopes them, docs/guide.md, "Trust model").
fn tree_source_refusal(root: &Path, location: &str) -> Option<crate::diagnostic::Text> {
    let text = location.trim();
    let inner = text
        .strip_prefix("osv-api+")
        .or_else(|| text.strip_prefix("git+"))
        .unwrap_or(text);
    let lower = inner.to_ascii_lowercase();
    if ["http://", "https://", "git://"]
        .iter()
        .any(|scheme| lower.starts_with(scheme))
        || lower == "builtin"
    {
        return None;
    }
    // `ssh://…`, and git's `user@host:path` spelling.
    let scp_like = inner
        .split_once(':')
        .is_some_and(|(host, _)| host.contains('@') && !host.contains('/'));
    if lower.starts_with("ssh://") || scp_like {
        return Some(crate::diagnostic::Text::new("tree_source_over_ssh"));
    }
    let path = match inner.get(..7) {
        Some(scheme) if scheme.eq_ignore_ascii_case("file://") => &inner[7..],
        _ => inner,
    };
    match source::Confined::audited(root).resolve(Path::new(path)) {
        Err(refusal) if !refusal.is_missing() => Some(refusal.reason()),
        _ => None,
    }
}

/// Keeps from the audited tree's own policy only the advisory sources and indices it may
/// name ([`tree_source_refusal`]); each one left out is named in a warning (R005).
fn confine_tree_policy(root: &Path, policy: &mut Policy) -> Vec<Finding> {
    let mut findings = Vec::new();
    let mut refuse =
        |what: crate::diagnostic::Text, location: &str| match tree_source_refusal(root, location) {
            None => true,
            Some(why) => {
                findings.push(
                    Finding::warning(
                        Code::RegistryFromTree,
                        crate::text!(
                            "tree_policy_source_not_used",
                            file = policy::POLICY_FILE,
                            location = location
                        )
                        .sub("why", why)
                        .sub("what", what),
                    )
                    .at(policy::POLICY_FILE, None)
                    .note(crate::diagnostic::Text::new("note_name_it_in_your_own")),
                );
                false
            }
        };
    policy.advisories.db.retain(|entry| {
        refuse(
            crate::diagnostic::Text::new("tree_policy_names_advisory_source"),
            &entry.location,
        )
    });
    policy.vetting.indices.retain(|index| {
        refuse(
            crate::diagnostic::Text::new("tree_policy_names_index"),
            &index.location,
        )
    });
    findings
}

/// The look-up stage's settings. The user's own `[registries]` (the command line, then the
/// `--policy` file, then fundament's configuration file) come first and alone may give CA
/// certificates; the audited tree's fundament.toml may name endpoints (reported, R005), and
/// nothing else of it that could weaken the user's connections is taken.
fn registry_options(
    root: &Path,
    options: &AuditOptions,
    needed: &std::collections::BTreeSet<crate::model::Ecosystem>,
) -> crate::registry::RegistryOptions {
    use crate::registry::config;
    let UserAndTree {
        homes,
        user,
        tree,
        settings,
        mut tree_findings,
    } = user_and_tree(root, options);
    let mut endpoints = if options.registry_lookups {
        config::endpoints(
            root,
            &user,
            &tree,
            &homes,
            needed,
            options.cache_dir.as_deref(),
        )
    } else {
        config::Endpoints::default()
    };
    endpoints.findings.append(&mut tree_findings);
    let http = http_options(options, &settings, endpoints.credentials.clone());
    crate::registry::RegistryOptions {
        enabled: options.registry_lookups,
        http,
        endpoints,
        parallelism: settings.parallelism.unwrap_or(16),
        cache_dir: options.cache_dir.clone(),
    }
}

/// The registry settings in force: where the user's configuration lives, the user's own
/// `[registries]`, the audited tree's, and the two combined.
struct UserAndTree {
    homes: crate::registry::config::Homes,
    user: crate::registry::config::RegistrySettings,
    tree: crate::registry::config::RegistrySettings,
    settings: crate::registry::config::RegistrySettings,
    tree_findings: Vec<Finding>,
}

fn user_and_tree(root: &Path, options: &AuditOptions) -> UserAndTree {
    use crate::registry::config;
    let homes = options
        .homes
        .clone()
        .unwrap_or_else(config::Homes::from_environment);
    let policy_file = match &options.policy {
        PolicyChoice::Named(name) if std::fs::metadata(name).is_ok_and(|m| m.is_file()) => {
            Some(PathBuf::from(name))
        }
        _ => None,
    };
    let mut user = options.registries.clone().unwrap_or_default();
    for file in policy_file.iter().chain(homes.config_file.iter()) {
        if let Some(more) = registry_settings_in(file) {
            user = user.or(more);
        }
    }
    let tree = read_registry_settings(root).unwrap_or_default();
    let mut tree_findings = Vec::new();
    if !tree.ca_certificates.is_empty() {
        tree_findings.push(
            Finding::warning(
                Code::RegistryFromTree,
                crate::text!("tree_ca_certificates_ignored", file = policy::POLICY_FILE),
            )
            .at(policy::POLICY_FILE, None)
            .note(crate::diagnostic::Text::new(
                "note_give_them_in_the_registries",
            )),
        );
    }
    let settings = config::RegistrySettings {
        ca_certificates: user.ca_certificates.clone(),
        ..user.clone().or(tree.clone())
    };
    UserAndTree {
        homes,
        user,
        tree,
        settings,
        tree_findings,
    }
}

/// HTTP settings for registries: offline and cached as the audit is, the user's CA
/// certificates, timeouts and retries, and `credentials`.
fn http_options(
    options: &AuditOptions,
    settings: &crate::registry::config::RegistrySettings,
    credentials: Vec<crate::registry::http::Credential>,
) -> crate::registry::http::HttpOptions {
    let mut http = crate::registry::http::HttpOptions {
        offline: options.offline,
        cache_dir: options.cache_dir.clone(),
        ca_certificates: settings.ca_certificates.clone(),
        credentials,
        ..Default::default()
    };
    if let Some(seconds) = settings.timeout {
        http.timeout = std::time::Duration::from_secs_f64(seconds.max(0.01));
        http.connect_timeout = http.connect_timeout.min(http.timeout);
    }
    if let Some(retries) = settings.retries {
        http.retries = retries;
    }
    http
}

/// With `--resolve-unlocked` (and registry look-ups on): the registries manifests without a
/// lockfile are resolved against, found as the look-up stage finds them, and today's date.
fn unlocked_resolver(
    root: &Path,
    options: &AuditOptions,
    found: &[discover::FoundProject],
) -> Option<std::sync::Arc<crate::ecosystem::unlocked::Resolver>> {
    use crate::model::{Ecosystem, ProjectKind};
    if !options.resolve_unlocked || !options.registry_lookups {
        return None;
    }
    let needed: std::collections::BTreeSet<Ecosystem> = found
        .iter()
        .filter_map(|p| match p.kind {
            ProjectKind::Npm => Some(Ecosystem::Npm),
            ProjectKind::Composer => Some(Ecosystem::Composer),
            ProjectKind::Python => Some(Ecosystem::Pypi),
            _ => None,
        })
        .collect();
    if needed.is_empty() {
        return None;
    }
    let registry = registry_options(root, options, &needed);
    let http = crate::registry::http::Http::new(registry.http.clone()).ok()?;
    let today = options.today.unwrap_or_else(|| jiff::Zoned::now().date());
    Some(std::sync::Arc::new(crate::ecosystem::unlocked::Resolver {
        http: std::sync::Arc::new(http),
        npm: registry.endpoints.npm.clone(),
        pypi: registry.endpoints.pypi.clone(),
        composer: registry.endpoints.composer.clone(),
        python: needed
            .contains(&Ecosystem::Pypi)
            .then(python_version)
            .flatten(),
        date: today.to_string(),
        parallelism: registry.parallelism,
    }))
}

/// The version of `python3` on this machine (`3.11.7`), which pip would resolve for.
fn python_version() -> Option<String> {
    let output = std::process::Command::new("python3")
        .args(["-c", "import sys; print('%d.%d.%d' % sys.version_info[:3])"])
        .stdin(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .output()
        .ok()?;
    let text = String::from_utf8(output.stdout).ok()?;
    let version = text.trim();
    (output.status.success() && version.split('.').all(|p| p.parse::<u32>().is_ok()))
        .then(|| version.to_string())
}

/// The Maven repositories the Maven and Gradle readers read POMs from, when registry look-ups
/// are on and such builds were found: `[registries] maven`, else the installed Maven's central
/// repository and the settings' mirrors and profile repositories (credentials of the settings'
/// servers for the user's own repositories only).
fn maven_repositories(
    root: &Path,
    options: &AuditOptions,
    found: &[discover::FoundProject],
) -> Option<std::sync::Arc<crate::registry::maven::repository::Repositories>> {
    use crate::model::ProjectKind;
    use crate::registry::{config, maven::repository};
    let wanted = found
        .iter()
        .any(|p| matches!(p.kind, ProjectKind::Maven | ProjectKind::Gradle));
    if !options.registry_lookups || !wanted {
        return None;
    }
    let all = user_and_tree(root, options);
    let env = repository::Environment::discover(
        config::maven_configured(&all.user, &all.tree),
        &all.homes,
        options.cache_dir.as_deref(),
    );
    let http = http_options(options, &all.settings, env.credentials());
    repository::Repositories::new(env, &http)
        .ok()
        .map(std::sync::Arc::new)
}

/// `[registries]` of fundament.toml at the audited root, if any (read whichever policy
/// applies: where the registries are is a property of the environment, not of the policy).
fn read_registry_settings(root: &Path) -> Option<crate::registry::config::RegistrySettings> {
    let text = source::Confined::audited(root)
        .read_text(&root.join(policy::POLICY_FILE), source::Limit::POLICY)
        .ok()?;
    let table: toml::Table = toml::from_str(&text).ok()?;
    table.get("registries")?.clone().try_into().ok()
}

/// `[registries]` of a file of the user's own (a `--policy` file, fundament's configuration).
fn registry_settings_in(path: &Path) -> Option<crate::registry::config::RegistrySettings> {
    let text = source::read_text_bounded(path, source::Limit::POLICY).ok()?;
    let table: toml::Table = toml::from_str(&text).ok()?;
    table.get("registries")?.clone().try_into().ok()
}

/// Where packages' files may be read (see [`IdentifyOptions::areas`]): the audited tree, then
/// the package sources of Cargo's registry and git caches, Go's module cache, and the licence
/// files fundament extracted from module archives itself. Not Cargo's home as a whole: it holds
/// credentials, and a package's `license-file = "../../…"` must not reach them.
fn package_areas(root: &Path, options: &AuditOptions) -> Vec<source::Confined> {
    let mut areas = vec![source::Confined::audited(root)];
    let cargo_home = std::env::var_os("CARGO_HOME")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| dirs::home_dir().map(|home| home.join(".cargo")));
    if let Some(home) = cargo_home {
        areas.extend(source::Confined::other(
            &home.join("registry").join("src"),
            "Cargo's registry sources",
        ));
        areas.extend(source::Confined::other(
            &home.join("git").join("checkouts"),
            "Cargo's git checkouts",
        ));
    }
    areas.extend(ecosystem::go::module_cache(&ReadOptions::default()));
    if let Some(dir) = crate::registry::goproxy::licence_dir(options.cache_dir.as_deref()) {
        areas.extend(source::Confined::other(
            &dir,
            "fundament's cache of Go module licence files",
        ));
    }
    if let Some(dir) = crate::registry::archive::area_dir(options.cache_dir.as_deref()) {
        areas.extend(source::Confined::other(
            &dir,
            "fundament's cache of licence files from package archives",
        ));
    }
    areas
}

/// Codes whose findings mean the audit could not see everything: the `I` area, and indices
/// and advisory sources that could not be read.
pub fn is_input_problem(code: Code) -> bool {
    code.as_str().starts_with('I')
        || code == Code::IndexUnavailable
        || code == Code::AdvisorySourceUnavailable
}

/// How the indices are read: offline and cached as the audit is, over the registries' HTTP
/// settings (timeouts, retries, CA certificates, scoped credentials).
fn index_options(
    root: &Path,
    options: &AuditOptions,
    policy: &Policy,
    registry: &crate::registry::RegistryOptions,
) -> crate::index::IndexOptions {
    crate::index::IndexOptions {
        offline: options.offline,
        cache_dir: options.cache_dir.clone(),
        http: registry.http.clone(),
        builtin: policy.vetting.builtin_index,
        parallelism: registry.parallelism,
        base_dir: Some(
            policy
                .vetting
                .base_dir
                .clone()
                .unwrap_or_else(|| root.to_path_buf()),
        ),
    }
}
