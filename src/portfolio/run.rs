//! `scan`: every repository of this shard brought onto the machine and audited, each into
//! its own result file.
//!
//! Network work and audits overlap. A few fetcher threads (`clone_jobs`, the bound on
//! concurrent clones and fetches) bring repositories into the cache and hand each checkout on
//! as soon as it is there; a pool of `repository_jobs` threads audits checkouts as they arrive
//! (each audit's registry look-ups have their own bound, `[registries] parallelism`). So while
//! one repository is being cloned, others are already being audited and looking licences up,
//! and a slow clone holds up nobody but itself. Checkouts on this machine go straight to the
//! audits.
//!
//! A repository that cannot be cloned, fetched or read gets a result saying so (status
//! `failed`); the others go on. The shard's manifest is written last.

use super::listing::{Listing, Origin, Repository};
use super::result::{
    AuditDigest, ListingRecord, REPOSITORY_SCHEMA, RepositoryInfo, RepositoryResult, ResultEntry,
    ResultFiles, RunStatus, SHARD_SCHEMA, ScanSettings, ShardInfo, ShardManifest, ToolInfo,
    file_stem, manifest_name,
};
use super::shard::ShardChoice;
use super::state::{self, KeyParts, Store};
use crate::audit::AuditOptions;
use crate::progress::Progress;
use crate::registry::http::write_atomically;
use crate::source::git::{self, GitOptions};
use rayon::prelude::*;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// How a scan runs.
#[derive(Debug, Clone)]
pub struct ScanOptions {
    pub audit: AuditOptions,
    /// How repositories are cloned and fetched (depth, proxies, CA certificates, the forge's
    /// credentials).
    pub git: GitOptions,
    /// The output folder.
    pub output: PathBuf,
    pub shard: ShardChoice,
    pub settings: ScanSettings,
    /// Clones and fetches at once.
    pub clone_jobs: usize,
    /// Repositories audited at once.
    pub repository_jobs: usize,
    /// Use the stored result of a repository that has not changed (results are stored
    /// whenever there is a cache).
    pub reuse: bool,
    /// The day verdicts are judged on.
    pub today: jiff::civil::Date,
}

/// What a scan did.
#[derive(Debug, Clone)]
pub struct ScanOutcome {
    pub manifest: ShardManifest,
    pub results: Vec<RepositoryResult>,
}

impl ScanOutcome {
    pub fn count(&self, status: RunStatus) -> usize {
        self.results.iter().filter(|r| r.status == status).count()
    }
}

/// A repository on disk, ready to be audited, or why it is not.
struct Ready<'a> {
    repository: &'a Repository,
    checkout: Result<Checkout, String>,
}

/// A repository on this machine, ready to be audited.
#[derive(Debug)]
pub struct Checkout {
    pub dir: PathBuf,
    /// The commit, or why there is none that identifies the content.
    pub commit: Result<String, String>,
    /// Set when the fetch failed and the last fetch is used: why.
    pub stale: Option<String>,
    /// A clone made outside the cache (no cache), to be removed after its audit.
    pub temporary: Option<PathBuf>,
}

/// Scans this shard's repositories of `listing`; `done` is called as each one finishes.
pub fn scan(
    listing: &Listing,
    options: &ScanOptions,
    done: &(dyn Fn(&RepositoryResult) + Sync),
) -> Result<ScanOutcome, String> {
    let shard = options.shard.shard;
    let mine: Vec<&Repository> = listing
        .repositories
        .iter()
        .filter(|r| shard.owns(&r.id))
        .collect();
    let repos_dir = options.output.join("repos");
    std::fs::create_dir_all(&repos_dir)
        .map_err(|e| format!("cannot create {}: {e}", repos_dir.display()))?;
    // A manifest of an earlier run of this shard must not vouch for this run's results.
    let manifest_path = options.output.join(manifest_name(shard.into()));
    let _ = std::fs::remove_file(&manifest_path);

    let context = Context {
        options,
        // Results are stored whenever there is a cache (a --rescan refreshes them too), and
        // used only when reuse is on.
        store: options.audit.cache_dir.as_deref().map(Store::new),
        indices: Mutex::new(HashMap::new()),
        advisories: Mutex::new(HashMap::new()),
    };
    let (remote, local): (Vec<&Repository>, Vec<&Repository>) = mine
        .iter()
        .partition(|r| matches!(r.origin, Origin::Git { .. }));
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(options.repository_jobs.max(1))
        .thread_name(|i| format!("fundament-scan-{i}"))
        .build()
        .map_err(|e| format!("cannot start the scan's threads: {e}"))?;

    let queue = Mutex::new(remote.into_iter());
    let (sender, receiver) = std::sync::mpsc::channel::<Ready>();
    let mut results: Vec<RepositoryResult> = std::thread::scope(|scope| {
        for _ in 0..options.clone_jobs.max(1) {
            let sender = sender.clone();
            let queue = &queue;
            scope.spawn(move || {
                loop {
                    let next = queue.lock().ok().and_then(|mut q| q.next());
                    let Some(repository) = next else { break };
                    let ready = Ready {
                        repository,
                        checkout: fetch(repository, options),
                    };
                    if sender.send(ready).is_err() {
                        break;
                    }
                }
            });
        }
        for repository in local {
            let _ = sender.send(Ready {
                repository,
                checkout: in_place(repository),
            });
        }
        drop(sender);
        pool.install(|| {
            receiver
                .into_iter()
                .par_bridge()
                .map(|ready| {
                    let result = context.audit(ready);
                    done(&result);
                    result
                })
                .collect()
        })
    });
    results.sort_by(|a, b| a.repository.id.cmp(&b.repository.id));

    let manifest = ShardManifest {
        schema: SHARD_SCHEMA.to_string(),
        tool: ToolInfo::this(),
        created: crate::audit::timestamp(),
        shard: shard.into(),
        shard_origin: options.shard.origin.clone(),
        settings: options.settings.clone(),
        listing: ListingRecord::from(listing),
        results: results
            .iter()
            .map(|r| ResultEntry {
                id: r.repository.id.clone(),
                status: r.status,
                file: r.files.result.clone(),
            })
            .collect(),
    };
    write_json(&manifest_path, &manifest)?;
    Ok(ScanOutcome { manifest, results })
}

/// A checkout on this machine: audited where it is.
fn in_place(repository: &Repository) -> Result<Checkout, String> {
    let Origin::Local(dir) = &repository.origin else {
        return Err("not a local checkout".to_string());
    };
    if !dir.is_dir() {
        return Err(format!("{}: no such folder", dir.display()));
    }
    Ok(Checkout {
        dir: dir.clone(),
        commit: state::local_commit(dir),
        stale: None,
        temporary: None,
    })
}

/// A git repository brought into the cache (or, without a cache, into a temporary folder).
fn fetch(repository: &Repository, options: &ScanOptions) -> Result<Checkout, String> {
    let Origin::Git { url, reference } = &repository.origin else {
        return in_place(repository);
    };
    check_out(
        url,
        reference.as_deref(),
        options.audit.cache_dir.as_deref(),
        &options.git,
    )
}

/// Brings the repository at `url` onto this machine: into fundament's cache, one work tree
/// per URL and reference (a shallow clone, fetched on later calls), or without a cache into a
/// temporary folder ([`Checkout::temporary`], for the caller to remove).
pub fn check_out(
    url: &str,
    reference: Option<&str>,
    cache: Option<&Path>,
    options: &GitOptions,
) -> Result<Checkout, String> {
    // The last folder is named after the repository, so that reports (SBOM names) show it.
    let leaf: String = super::listing::name_of_url(&git::display_url(url))
        .rsplit('/')
        .next()
        .unwrap_or("repository")
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "-_.".contains(c) {
                c
            } else {
                '-'
            }
        })
        .collect();
    let leaf = if leaf.trim_matches('.').is_empty() {
        "repository".to_string()
    } else {
        leaf
    };
    // Two branches of one repository are two work trees, which may be audited at once.
    let key = format!("{url}\n{}", reference.unwrap_or(""));
    let (dir, temporary) = match cache {
        Some(cache) => (
            git::cache_dir(cache, "portfolio-git", &key).join(&leaf),
            None,
        ),
        None => {
            let hash = &repository_hash(&key)[..16];
            let top =
                std::env::temp_dir().join(format!("fundament-scan-{}-{hash}", std::process::id()));
            (top.join(&leaf), Some(top))
        }
    };
    match git::sync(url, &dir, reference, options) {
        Ok(checkout) => Ok(Checkout {
            dir: checkout.dir,
            commit: Ok(checkout.commit),
            stale: checkout.stale,
            temporary,
        }),
        Err(e) => {
            if let Some(top) = temporary {
                let _ = std::fs::remove_dir_all(top);
            }
            Err(e.to_string())
        }
    }
}

fn repository_hash(id: &str) -> String {
    use sha2::{Digest, Sha256};
    hex::encode(Sha256::digest(id.as_bytes()))
}

/// The state of a policy's indices, or why there is none ([`state::index_state`]).
/// A state, one line per index or source, or why there is none.
type Lines = Result<Vec<String>, String>;

/// The states of the indices and of the advisory data, or why there is none.
type IndexState = Result<(Vec<String>, Vec<String>), String>;

/// What the audits of one scan share.
struct Context<'a> {
    options: &'a ScanOptions,
    store: Option<Store>,
    /// Index states per policy and folder, worked out once.
    indices: Mutex<HashMap<(String, PathBuf), Lines>>,
    /// Advisory data states per policy, worked out once.
    advisories: Mutex<HashMap<String, Lines>>,
}

impl Context<'_> {
    fn audit(&self, ready: Ready) -> RepositoryResult {
        let repository = ready.repository;
        let stem = file_stem(repository);
        let files = ResultFiles {
            result: format!("repos/{stem}.json"),
            audit: None,
            cyclonedx: None,
        };
        let mut result = RepositoryResult {
            schema: REPOSITORY_SCHEMA.to_string(),
            tool: ToolInfo::this(),
            repository: RepositoryInfo::from(repository),
            shard: ShardInfo::from(self.options.shard.shard),
            status: RunStatus::Failed,
            commit: None,
            stale: None,
            error: None,
            reuse: None,
            key: None,
            audit: None,
            files,
        };
        match ready.checkout {
            Err(error) => result.error = Some(error),
            Ok(checkout) => {
                result.commit = checkout.commit.as_ref().ok().cloned();
                result.stale = checkout.stale.clone();
                self.audit_checkout(&checkout, &stem, &mut result);
                if let Some(top) = &checkout.temporary {
                    let _ = std::fs::remove_dir_all(top);
                }
            }
        }
        let path = self.options.output.join(&result.files.result);
        if let Err(e) = write_json(&path, &result) {
            result.status = RunStatus::Failed;
            result.error = Some(e);
        }
        result
    }

    fn audit_checkout(&self, checkout: &Checkout, stem: &str, result: &mut RepositoryResult) {
        let options = &self.options.audit;
        let audit_file = format!("repos/{stem}.audit.json");
        let cdx_file = format!("repos/{stem}.cdx.json");
        let policy = match crate::audit::load_policy(&checkout.dir, &options.policy) {
            Ok(policy) => policy,
            Err(e) => {
                result.error = Some(e.to_string());
                return;
            }
        };
        // The key, when there can be one.
        let key = match (&self.store, &checkout.commit, &checkout.stale) {
            (None, _, _) => None,
            (_, _, Some(_)) => {
                result.reuse = Some("the fetch failed; the last fetch is audited".to_string());
                None
            }
            (Some(_), Err(why), _) => {
                result.reuse = Some(format!("not reusable: {why}"));
                None
            }
            (Some(_), Ok(commit), None) => match self.index_state(&checkout.dir, &policy) {
                Ok((indices, advisories)) => Some(
                    KeyParts::new(
                        &result.repository.id,
                        commit,
                        &policy,
                        indices,
                        advisories,
                        options,
                    )
                    .key(),
                ),
                Err(why) => {
                    result.reuse = Some(format!("not reusable: {why}"));
                    None
                }
            },
        };
        if let (Some(store), Some(key), true) = (&self.store, &key, self.options.reuse)
            && let Some(stored) = store.load(&result.repository.id, key, self.options.today)
        {
            let copied = copy(&stored.audit, &self.options.output.join(&audit_file))
                .and_then(|_| copy(&stored.cyclonedx, &self.options.output.join(&cdx_file)));
            if copied.is_ok() {
                result.status = RunStatus::Reused;
                result.key = Some(key.clone());
                result.audit = Some(stored.digest);
                result.files.audit = Some(audit_file);
                result.files.cyclonedx = Some(cdx_file);
                return;
            }
        }
        let audit = match crate::audit::run(&checkout.dir, options, &Progress::hidden()) {
            Ok(audit) => audit,
            Err(e) => {
                result.error = Some(e.to_string());
                if let Some(store) = &self.store {
                    store.forget(&result.repository.id);
                }
                return;
            }
        };
        let digest = AuditDigest::of(&audit);
        let audit_json = crate::report::json::render(&audit);
        let cyclonedx = crate::report::cyclonedx::render(&audit);
        let written = write_atomically(
            &self.options.output.join(&audit_file),
            audit_json.as_bytes(),
        )
        .and_then(|_| write_atomically(&self.options.output.join(&cdx_file), cyclonedx.as_bytes()));
        if let Err(e) = written {
            result.error = Some(format!(
                "cannot write into {}: {e}",
                self.options.output.display()
            ));
            return;
        }
        if let (Some(store), Some(key)) = (&self.store, &key) {
            let until = state::valid_until(&policy, &audit, self.options.today);
            store.save(
                &result.repository.id,
                key,
                until,
                &digest,
                &audit_json,
                &cyclonedx,
            );
            if digest.outcome == "incomplete" {
                result.reuse = Some("not reusable: the audit is incomplete".to_string());
            }
        }
        result.status = RunStatus::Audited;
        result.key = key;
        result.audit = Some(digest);
        result.files.audit = Some(audit_file);
        result.files.cyclonedx = Some(cdx_file);
    }

    /// The states of the indices and the advisory data the policy asks.
    fn index_state(&self, root: &Path, policy: &crate::policy::Policy) -> IndexState {
        let indices = self.indices_state(root, policy)?;
        Ok((indices, self.advisory_state(policy)?))
    }

    /// The advisory data's state, worked out once per policy (an advisory folder is walked,
    /// a git source fetched, once per scan).
    fn advisory_state(&self, policy: &crate::policy::Policy) -> Result<Vec<String>, String> {
        let memo_key = state::policy_fingerprint(policy);
        if let Some(known) = self
            .advisories
            .lock()
            .ok()
            .and_then(|m| m.get(&memo_key).cloned())
        {
            return known;
        }
        let found = state::advisory_state(&self.options.audit, policy);
        if let Ok(mut memo) = self.advisories.lock() {
            memo.insert(memo_key, found.clone());
        }
        found
    }

    fn indices_state(
        &self,
        root: &Path,
        policy: &crate::policy::Policy,
    ) -> Result<Vec<String>, String> {
        if policy.vetting.indices.is_empty() {
            return state::index_state(root, &self.options.audit, policy);
        }
        let base = policy
            .vetting
            .base_dir
            .clone()
            .unwrap_or_else(|| root.to_path_buf());
        let memo_key = (state::policy_fingerprint(policy), base);
        if let Some(known) = self
            .indices
            .lock()
            .ok()
            .and_then(|m| m.get(&memo_key).cloned())
        {
            return known;
        }
        let found = state::index_state(root, &self.options.audit, policy);
        if let Ok(mut memo) = self.indices.lock() {
            memo.insert(memo_key, found.clone());
        }
        found
    }
}

fn copy(from: &Path, to: &Path) -> Result<(), String> {
    let bytes = std::fs::read(from).map_err(|e| format!("{}: {e}", from.display()))?;
    write_atomically(to, &bytes).map_err(|e| format!("{}: {e}", to.display()))
}

/// Writes `value` as pretty JSON, atomically.
pub fn write_json<T: serde::Serialize>(path: &Path, value: &T) -> Result<(), String> {
    let mut text = serde_json::to_string_pretty(value)
        .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    text.push('\n');
    write_atomically(path, text.as_bytes())
        .map_err(|e| format!("cannot write {}: {e}", path.display()))
}
