//! Git for every part of fundament that reads a repository over the network: git indices,
//! portfolio checkouts, advisory databases. One function brings a repository into a cache
//! folder and keeps it there ([`sync`]: a shallow clone the first time, an incremental fetch
//! after), one pushes a branch ([`push`]).
//!
//! # Transports
//!
//! fundament's git library (libgit2, built in) does the git side: objects, packs,
//! negotiation, shallow history. The network side is fundament's own, registered with libgit2
//! for these URL schemes:
//!
//! - `https://` and `http://`: git's smart HTTP protocol over fundament's one HTTP client
//!   (src/registry/http.rs), so a git server is reached exactly as a registry is: the same
//!   proxies (`$HTTPS_PROXY`, `$HTTP_PROXY`, `$NO_PROXY`), the same extra CA certificates
//!   (`ca-certificates` in `[registries]`), the same credentials per URL prefix, and TLS by
//!   rustls with the system's trust store. `user:token@` in the URL is a Basic credential for
//!   that repository only (it is never written to disk). A server that asks for credentials
//!   (401) and none are configured is answered from git's own credential helpers
//!   (`git credential fill`, never prompting), as `git clone` would be.
//! - `ssh://`, `git+ssh://`, `ssh+git://` and scp-like `user@host:path`: the user's own `ssh`
//!   program, as git runs it (`$GIT_SSH_COMMAND` if set), with `BatchMode=yes` so that it
//!   never waits for a passphrase or a host-key question: `~/.ssh/config`, the agent,
//!   `known_hosts`, `ProxyJump` and security keys all work as they do for git.
//! - `file://`, local paths and `git://`: libgit2's own transports.
//!
//! Why not libgit2's own https and ssh: its https needs OpenSSL (a second TLS stack with its
//! own trust store and proxy settings, and a C build), its ssh needs libssh2 (another C
//! build, which reads neither `~/.ssh/config` nor `known_hosts` by itself).
//!
//! # Safety
//!
//! A URL may come from a file fundament did not write (a policy's `[[index]]`). An ssh host,
//! user or path that starts with `-` is refused (it would be read as an option of `ssh`), the
//! remote path is quoted for the remote shell, and every program fundament runs here runs from
//! the file-system root, so that no repository's `.git/config` can choose a credential helper.
//! Credentials are never part of a message: URLs are shown without their user information.

use crate::registry::http::{Credential, Http, HttpOptions};
use sha2::{Digest, Sha256};
use std::cell::RefCell;
use std::path::{Path, PathBuf};
use std::process::Child;
use std::sync::{Arc, Mutex, Once};
use std::time::{Duration, Instant};

/// How repositories are reached.
#[derive(Debug, Clone)]
pub struct GitOptions {
    /// Use no network: [`sync`] returns the last fetch, or an error when there is none.
    pub offline: bool,
    /// The HTTP client's settings: timeouts, retries, extra CA certificates, credentials per
    /// URL prefix. Its `offline`, `cache_dir` and `max_body` are not used (git answers are not
    /// cached by URL, and packs are streamed).
    pub http: HttpOptions,
    /// The ssh command, run by `sh -c` with its arguments appended (default:
    /// `$GIT_SSH_COMMAND`, else `ssh`).
    pub ssh_command: Option<String>,
    /// History to fetch: `Some(n)` fetches the last `n` commits (a shallow clone), `None`
    /// everything. Local repositories are always fetched whole (libgit2 cannot make a shallow
    /// clone of one, and it costs nothing).
    pub depth: Option<u32>,
    /// Ask git's credential helpers (`git credential fill`) when an HTTPS server answers 401
    /// and no credential is configured for the URL.
    pub credential_helper: bool,
}

impl Default for GitOptions {
    fn default() -> Self {
        GitOptions {
            offline: false,
            http: HttpOptions::default(),
            ssh_command: None,
            depth: Some(1),
            credential_helper: true,
        }
    }
}

/// A repository as [`sync`] left it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checkout {
    /// The work tree.
    pub dir: PathBuf,
    /// The commit checked out (40 hex digits).
    pub commit: String,
    /// The reference it came from (`refs/heads/main`, `refs/tags/v1.0`), or the commit id
    /// when one was asked for; empty offline.
    pub reference: String,
    /// Set when the repository could not be fetched and the last fetch is used: why.
    pub stale: Option<String>,
    /// `stale` in translatable form (the German reports).
    pub stale_text: Option<crate::diagnostic::Text>,
}

/// Why a repository could not be fetched or pushed. URLs in messages carry no credentials.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GitError {
    /// A URL fundament does not read (an unsafe ssh host, an unknown scheme).
    #[error("{url}: {refusal}")]
    Url { url: String, refusal: UrlRefusal },
    #[error("offline, and {url} has never been fetched (into {dir})")]
    NotFetched { url: String, dir: String },
    #[error("cannot fetch {url}: {message}")]
    Fetch { url: String, message: String },
    #[error("{url} has no branch or tag `{reference}`")]
    NoSuchReference { url: String, reference: String },
    #[error("cannot push to {url}: {message}")]
    Push { url: String, message: String },
    #[error("{path}: {message}")]
    Io { path: String, message: String },
}

/// Why fundament does not read a git URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UrlRefusal {
    ControlCharacters,
    SshNeedsHost,
    SshNeedsPath,
    UnclosedBracket,
    PortNotNumber,
    /// Neither https, http, ssh, git, file, scp-like nor a local path.
    UnknownScheme,
    /// An ssh host that ssh would read as an option (`-oProxyCommand=…`) or that has spaces.
    UnsafeSshHost {
        host: String,
    },
    /// The same for the ssh user.
    UnsafeSshUser {
        user: String,
    },
    /// A repository path that git would read as an option.
    PathStartsWithDash {
        path: String,
    },
}

impl UrlRefusal {
    /// The refusal as a translatable text.
    pub fn text(&self) -> crate::diagnostic::Text {
        use crate::diagnostic::Text;
        match self {
            UrlRefusal::ControlCharacters => Text::new("git_url_control_characters"),
            UrlRefusal::SshNeedsHost => Text::new("git_url_ssh_needs_host"),
            UrlRefusal::SshNeedsPath => Text::new("git_url_ssh_needs_path"),
            UrlRefusal::UnclosedBracket => Text::new("git_url_unclosed_bracket"),
            UrlRefusal::PortNotNumber => Text::new("git_url_port_not_number"),
            UrlRefusal::UnknownScheme => Text::new("git_url_unknown_scheme"),
            UrlRefusal::UnsafeSshHost { host } => {
                crate::text!("git_url_unsafe_ssh_host", host = host)
            }
            UrlRefusal::UnsafeSshUser { user } => {
                crate::text!("git_url_unsafe_ssh_user", user = user)
            }
            UrlRefusal::PathStartsWithDash { path } => {
                crate::text!("git_url_path_starts_with_dash", path = path)
            }
        }
    }
}

impl std::fmt::Display for UrlRefusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.text().english())
    }
}

impl GitError {
    /// The failure without the repository's URL, for messages that name the repository
    /// already ("index `city` (URL) cannot be read: …"): a URL said twice in one message is
    /// noise.
    pub fn reason(&self) -> String {
        self.reason_text().english()
    }

    /// [`GitError::reason`] as a translatable text; git's and the system's own words stay as
    /// written.
    pub fn reason_text(&self) -> crate::diagnostic::Text {
        use crate::diagnostic::Text;
        match self {
            GitError::Url { refusal, .. } => refusal.text(),
            GitError::NotFetched { dir, .. } => crate::text!("git_not_fetched", dir = dir),
            GitError::Fetch { message, .. } => crate::text!("git_cannot_fetch", message = message),
            GitError::NoSuchReference { reference, .. } => {
                crate::text!("git_no_such_reference", reference = reference)
            }
            GitError::Push { message, .. } => crate::text!("git_cannot_push", message = message),
            GitError::Io { .. } => Text::verbatim(self),
        }
    }
}

/// The folder of `url` under `cache/<area>`: the first 16 hex digits of the SHA-256 of the URL
/// as given (credentials included, so that two identities do not share a clone).
pub fn cache_dir(cache: &Path, area: &str, url: &str) -> PathBuf {
    let key = hex::encode(Sha256::digest(url.as_bytes()));
    cache.join(area).join(&key[..16])
}

/// `url` without user information (`https://user:token@host/x` → `https://host/x`), for
/// messages and reports.
pub fn display_url(url: &str) -> String {
    match url.split_once("://") {
        Some((scheme, rest)) => {
            let (authority, path) = match rest.find('/') {
                Some(i) => rest.split_at(i),
                None => (rest, ""),
            };
            match authority.rsplit_once('@') {
                // ssh's `user@host` names an account, not a secret; keep it.
                Some((user, host)) if scheme.contains("ssh") && !user.contains(':') => {
                    format!("{scheme}://{user}@{host}{path}")
                }
                Some((_, host)) => format!("{scheme}://{host}{path}"),
                None => url.to_string(),
            }
        }
        None => url.to_string(),
    }
}

/// Whether `text` is spelt as a git URL (not a folder): `file://`, `git://`, `ssh://`,
/// `git+ssh://`, `ssh+git://`, or scp-like `user@host:path`.
pub fn is_git_url(text: &str) -> bool {
    let lower = text.to_ascii_lowercase();
    ["file://", "git://", "ssh://", "git+ssh://", "ssh+git://"]
        .iter()
        .any(|p| lower.starts_with(p))
        || is_scp_like(text)
}

/// `user@host:path`, git's scp-like ssh syntax (not a Windows drive letter, not a URL).
pub fn is_scp_like(text: &str) -> bool {
    match text.split_once(':') {
        Some((host, path)) => {
            !host.contains('/') && host.contains('@') && !path.starts_with("//") && !host.is_empty()
        }
        None => false,
    }
}

/// What a URL means.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Remote {
    /// A repository on this machine (a path or `file://`): libgit2 reads it directly.
    Local,
    /// `git://`: libgit2's own transport.
    GitProtocol,
    /// `https://` or `http://`.
    Http,
    Ssh(SshAddress),
}

/// Where an ssh URL points.
#[derive(Debug, Clone, PartialEq, Eq)]
struct SshAddress {
    user: Option<String>,
    host: String,
    port: Option<u16>,
    /// The path as the remote shell gets it (`~` forms kept).
    path: String,
}

impl Remote {
    fn parse(url: &str) -> Result<Remote, GitError> {
        let refuse = |refusal: UrlRefusal| GitError::Url {
            url: display_url(url),
            refusal,
        };
        if url.chars().any(char::is_control) {
            return Err(refuse(UrlRefusal::ControlCharacters));
        }
        let lower = url.to_ascii_lowercase();
        if lower.starts_with("https://") || lower.starts_with("http://") {
            return Ok(Remote::Http);
        }
        if lower.starts_with("git://") {
            return Ok(Remote::GitProtocol);
        }
        if lower.starts_with("file://") {
            return Ok(Remote::Local);
        }
        let ssh_rest = ["ssh://", "git+ssh://", "ssh+git://"]
            .iter()
            .find(|p| lower.starts_with(*p))
            .map(|p| &url[p.len()..]);
        if let Some(rest) = ssh_rest {
            let (authority, path) = match rest.find('/') {
                Some(i) => rest.split_at(i),
                None => return Err(refuse(UrlRefusal::SshNeedsPath)),
            };
            let (user, host_port) = match authority.rsplit_once('@') {
                Some((u, h)) => (Some(u.to_string()), h),
                None => (None, authority),
            };
            let (host, port) = match host_port.strip_prefix('[') {
                Some(v6) => {
                    let (host, after) = v6
                        .split_once(']')
                        .ok_or_else(|| refuse(UrlRefusal::UnclosedBracket))?;
                    (host.to_string(), after.strip_prefix(':'))
                }
                None => match host_port.rsplit_once(':') {
                    Some((h, p)) => (h.to_string(), Some(p)),
                    None => (host_port.to_string(), None),
                },
            };
            let port = match port {
                None | Some("") => None,
                Some(p) => Some(
                    p.parse::<u16>()
                        .map_err(|_| refuse(UrlRefusal::PortNotNumber))?,
                ),
            };
            // `ssh://host/~user/repo` means `~user/repo` on the host, as git reads it.
            let path = match path.strip_prefix("/~") {
                Some(home) => format!("~{home}"),
                None => path.to_string(),
            };
            return SshAddress::checked(user, host, port, path).map(Remote::Ssh);
        }
        if is_scp_like(url) {
            let (authority, path) = url.split_once(':').unwrap_or((url, ""));
            let (user, host) = match authority.rsplit_once('@') {
                Some((u, h)) => (Some(u.to_string()), h.to_string()),
                None => (None, authority.to_string()),
            };
            return SshAddress::checked(user, host, None, path.to_string()).map(Remote::Ssh);
        }
        if lower.contains("://") {
            return Err(refuse(UrlRefusal::UnknownScheme));
        }
        Ok(Remote::Local)
    }
}

impl SshAddress {
    fn checked(
        user: Option<String>,
        host: String,
        port: Option<u16>,
        path: String,
    ) -> Result<SshAddress, GitError> {
        let url = format!(
            "{}{host}:{path}",
            user.as_deref().map(|u| format!("{u}@")).unwrap_or_default()
        );
        let refuse = |refusal: UrlRefusal| GitError::Url {
            url: url.clone(),
            refusal,
        };
        if host.is_empty() {
            return Err(refuse(UrlRefusal::SshNeedsHost));
        }
        // `ssh -oProxyCommand=...` must never come from a URL (CVE-2017-1000117 and kin).
        let unsafe_value =
            |value: &String| value.starts_with('-') || value.contains(char::is_whitespace);
        if unsafe_value(&host) {
            return Err(refuse(UrlRefusal::UnsafeSshHost { host }));
        }
        if let Some(user) = user.as_ref().filter(|u| unsafe_value(u)) {
            return Err(refuse(UrlRefusal::UnsafeSshUser { user: user.clone() }));
        }
        if path.is_empty() {
            return Err(refuse(UrlRefusal::SshNeedsPath));
        }
        if path.starts_with('-') {
            return Err(refuse(UrlRefusal::PathStartsWithDash { path }));
        }
        Ok(SshAddress {
            user,
            host,
            port,
            path,
        })
    }

    /// `user@host` or `host`.
    fn destination(&self) -> String {
        match &self.user {
            Some(user) => format!("{user}@{}", self.host),
            None => self.host.clone(),
        }
    }
}

/// Quotes `text` for a POSIX shell (git's `sq_quote`): `'a'\''b'`.
fn shell_quote(text: &str) -> String {
    format!("'{}'", text.replace('\'', r"'\''"))
}

mod http;
mod ssh;

use http::HttpTransport;
use ssh::SshTransport;

/// Where helper programs run: a folder that is no repository.
fn neutral_dir() -> PathBuf {
    if cfg!(windows) {
        std::env::temp_dir()
    } else {
        PathBuf::from("/")
    }
}

/// Waits for `child` at most `limit`, then kills it (it is fundament's own child).
fn wait_with_deadline(child: &mut Child, limit: Duration) -> Option<std::process::ExitStatus> {
    let start = Instant::now();
    loop {
        match child.try_wait() {
            Ok(Some(status)) => return Some(status),
            Ok(None) if start.elapsed() < limit => std::thread::sleep(Duration::from_millis(10)),
            _ => {
                let _ = child.kill();
                let _ = child.wait();
                return None;
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The context a transport runs in: set for the duration of one sync or push on its thread.

/// What the transports of one operation share.
struct Context {
    options: GitOptions,
    /// `None` offline.
    http: Option<Http>,
    /// Credentials asked of git's helpers, per URL, and whether they were confirmed.
    helper: Mutex<Vec<(String, HelperCredential)>>,
    /// The most precise explanation of the last failure, kept because libgit2 may report a
    /// failure of the transport with a message of its own.
    last_error: Mutex<Option<String>>,
}

#[derive(Clone)]
struct HelperCredential {
    username: String,
    password: String,
}

impl Context {
    fn new(options: &GitOptions, extra: Option<Credential>) -> Result<Arc<Context>, String> {
        let mut http_options = options.http.clone();
        http_options.offline = options.offline;
        http_options.cache_dir = None;
        if let Some(credential) = extra {
            // The URL's own user information comes first.
            http_options.credentials.insert(0, credential);
        }
        let http = if options.offline {
            None
        } else {
            Some(Http::new(http_options).map_err(|e| e.to_string())?)
        };
        Ok(Arc::new(Context {
            options: options.clone(),
            http,
            helper: Mutex::new(Vec::new()),
            last_error: Mutex::new(None),
        }))
    }

    fn fail(&self, message: String) -> std::io::Error {
        if let Ok(mut last) = self.last_error.lock() {
            *last = Some(message.clone());
        }
        std::io::Error::other(message)
    }

    fn take_error(&self) -> Option<String> {
        self.last_error.lock().ok().and_then(|mut l| l.take())
    }
}

thread_local! {
    static CURRENT: RefCell<Option<Arc<Context>>> = const { RefCell::new(None) };
}

/// Sets the context of this thread until dropped.
struct Entered(Option<Arc<Context>>);

fn enter(context: &Arc<Context>) -> Entered {
    register_transports();
    Entered(CURRENT.with(|c| c.replace(Some(context.clone()))))
}

impl Drop for Entered {
    fn drop(&mut self) {
        let previous = self.0.take();
        CURRENT.with(|c| *c.borrow_mut() = previous);
    }
}

/// The context of this thread, or a default one for git2 users outside [`sync`] and [`push`].
fn current() -> Arc<Context> {
    CURRENT
        .with(|c| c.borrow().clone())
        .or_else(|| Context::new(&GitOptions::default(), None).ok())
        .unwrap_or_else(|| {
            Arc::new(Context {
                options: GitOptions {
                    offline: true,
                    ..Default::default()
                },
                http: None,
                helper: Mutex::new(Vec::new()),
                last_error: Mutex::new(None),
            })
        })
}

fn register_transports() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        for scheme in ["https", "http"] {
            // SAFETY: registration happens once, before any transport of these schemes is
            // created by this process (every fundament git operation passes through here
            // first).
            let registered = unsafe {
                git2::transport::register(scheme, |remote| {
                    git2::transport::Transport::smart(
                        remote,
                        true,
                        HttpTransport {
                            context: current(),
                            redirected: Arc::new(Mutex::new(None)),
                        },
                    )
                })
            };
            debug_assert!(registered.is_ok(), "registering {scheme}");
        }
        for scheme in ["ssh", "git+ssh", "ssh+git"] {
            // SAFETY: as above.
            let registered = unsafe {
                git2::transport::register(scheme, |remote| {
                    git2::transport::Transport::smart(
                        remote,
                        false,
                        SshTransport {
                            context: current(),
                            connection: Mutex::new(None),
                        },
                    )
                })
            };
            debug_assert!(registered.is_ok(), "registering {scheme}");
        }
    });
}

// ---------------------------------------------------------------------------------------------
// Sync and push.

/// The URL libgit2 is given, and the credential its user information makes.
fn split_credentials(url: &str, remote: &Remote) -> (String, Option<Credential>) {
    match remote {
        Remote::Http => match crate::registry::config::split_userinfo(url) {
            Some((clean, credential)) => {
                (clean.trim_end_matches('/').to_string(), Some(credential))
            }
            None => (url.to_string(), None),
        },
        _ => (url.to_string(), None),
    }
}

/// Brings the repository at `url` into `dir` and checks out `reference`: a branch or tag
/// name, a full reference (`refs/heads/main`), a commit id (40 hex digits), or `None` for the
/// remote's default branch.
///
/// The first time, `dir` (created if needed; it must be fundament's own: anything in it is
/// replaced) receives a clone of `options.depth` commits; later calls fetch what is new and
/// check it out again (local changes in `dir` are discarded). One process at a time works on
/// `dir` (a lock file next to it). When a fetch fails and an earlier one is there, that one
/// is returned with [`Checkout::stale`] saying why; offline, the earlier one is returned as it
/// is.
pub fn sync(
    url: &str,
    dir: &Path,
    reference: Option<&str>,
    options: &GitOptions,
) -> Result<Checkout, GitError> {
    let remote = Remote::parse(url)?;
    let shown = display_url(url);
    let (clean_url, credential) = split_credentials(url, &remote);
    let io = |path: &Path, e: std::io::Error| GitError::Io {
        path: path.display().to_string(),
        message: e.to_string(),
    };
    let parent = dir.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(parent).map_err(|e| io(parent, e))?;
    let lock_path = dir.with_extension("lock");
    let lock = std::fs::File::options()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&lock_path)
        .map_err(|e| io(&lock_path, e))?;
    lock.lock().map_err(|e| io(&lock_path, e))?;

    let existing = git2::Repository::open(dir).ok().filter(|repo| {
        repo.find_remote("origin")
            .ok()
            .and_then(|r| r.url().ok().map(str::to_string))
            .is_some_and(|u| u == clean_url)
    });
    if options.offline {
        let Some(repo) = existing else {
            return Err(GitError::NotFetched {
                url: shown,
                dir: dir.display().to_string(),
            });
        };
        return Ok(Checkout {
            dir: dir.to_path_buf(),
            commit: head_commit(&repo),
            reference: String::new(),
            stale: None,
            stale_text: None,
        });
    }
    let context = Context::new(options, credential).map_err(|message| GitError::Fetch {
        url: shown.clone(),
        message,
    })?;
    let _entered = enter(&context);
    let fresh = existing.is_none();
    let repo = match existing {
        Some(repo) => repo,
        None => {
            if dir.exists() {
                std::fs::remove_dir_all(dir).map_err(|e| io(dir, e))?;
            }
            let repo = git2::Repository::init(dir).map_err(|e| GitError::Io {
                path: dir.display().to_string(),
                message: e.message().to_string(),
            })?;
            repo.remote("origin", &clean_url)
                .map_err(|e| GitError::Fetch {
                    url: shown.clone(),
                    message: e.message().to_string(),
                })?;
            repo
        }
    };
    let depth = match remote {
        Remote::Local => None,
        _ => options.depth.filter(|d| *d > 0),
    };
    let fetched = fetch_reference(&repo, reference, depth).and_then(|(oid, refname)| {
        check_out(&repo, oid)?;
        Ok((oid, refname))
    });
    match fetched {
        Ok((oid, refname)) => Ok(Checkout {
            dir: dir.to_path_buf(),
            commit: oid.to_string(),
            reference: refname,
            stale: None,
            stale_text: None,
        }),
        Err(failure) => {
            let failure = failure.into_error(&shown, &context);
            if fresh {
                drop(repo);
                let _ = std::fs::remove_dir_all(dir);
                return Err(failure);
            }
            let commit = head_commit(&repo);
            if commit.is_empty() {
                return Err(failure);
            }
            // Shown next to the repository's name or URL: the reason alone.
            let stale = crate::text!("git_stale_last_fetch", commit = commit)
                .sub("reason", failure.reason_text());
            Ok(Checkout {
                dir: dir.to_path_buf(),
                stale: Some(stale.english()),
                stale_text: Some(stale),
                commit,
                reference: String::new(),
            })
        }
    }
}

/// A failure inside a fetch, before it is worded for the user.
enum FetchFailure {
    Git(git2::Error),
    NoSuchReference(String),
}

impl From<git2::Error> for FetchFailure {
    fn from(e: git2::Error) -> Self {
        FetchFailure::Git(e)
    }
}

impl FetchFailure {
    fn into_error(self, url: &str, context: &Context) -> GitError {
        match self {
            FetchFailure::NoSuchReference(reference) => GitError::NoSuchReference {
                url: url.to_string(),
                reference,
            },
            FetchFailure::Git(e) => GitError::Fetch {
                url: url.to_string(),
                message: context
                    .take_error()
                    .unwrap_or_else(|| e.message().to_string()),
            },
        }
    }
}

fn fetch_reference(
    repo: &git2::Repository,
    reference: Option<&str>,
    depth: Option<u32>,
) -> Result<(git2::Oid, String), FetchFailure> {
    let mut remote = repo.find_remote("origin")?;
    let is_commit_id = |r: &str| r.len() == 40 && r.bytes().all(|b| b.is_ascii_hexdigit());
    let (refname, local) = match reference {
        Some(id) if is_commit_id(id) => (
            id.to_ascii_lowercase(),
            "refs/fundament/fetched".to_string(),
        ),
        _ => {
            let connection = remote.connect_auth(git2::Direction::Fetch, None, None)?;
            let advertised: Vec<String> = connection
                .list()?
                .iter()
                .map(|h| h.name().to_string())
                .collect();
            let refname = match reference {
                None => connection
                    .default_branch()
                    .ok()
                    .and_then(|b| b.as_str().ok().map(str::to_string))
                    .ok_or_else(|| FetchFailure::NoSuchReference("HEAD".to_string()))?,
                Some(r) if r.starts_with("refs/") => r.to_string(),
                Some(r) => [format!("refs/heads/{r}"), format!("refs/tags/{r}")]
                    .into_iter()
                    .find(|candidate| advertised.contains(candidate))
                    .ok_or_else(|| FetchFailure::NoSuchReference(r.to_string()))?,
            };
            if !advertised.contains(&refname) {
                return Err(FetchFailure::NoSuchReference(
                    reference.unwrap_or(&refname).to_string(),
                ));
            }
            drop(connection);
            let local = match refname.strip_prefix("refs/heads/") {
                Some(branch) => format!("refs/remotes/origin/{branch}"),
                None => refname.clone(),
            };
            (refname, local)
        }
    };
    let mut fetch = git2::FetchOptions::new();
    fetch.download_tags(git2::AutotagOption::None);
    if let Some(depth) = depth {
        fetch.depth(i32::try_from(depth).unwrap_or(i32::MAX));
    }
    remote.fetch(&[format!("+{refname}:{local}")], Some(&mut fetch), None)?;
    let commit = repo.find_reference(&local)?.peel_to_commit()?;
    Ok((commit.id(), refname))
}

fn check_out(repo: &git2::Repository, oid: git2::Oid) -> Result<(), FetchFailure> {
    repo.set_head_detached(oid)?;
    let mut checkout = git2::build::CheckoutBuilder::new();
    checkout.force().remove_untracked(true).remove_ignored(true);
    repo.checkout_head(Some(&mut checkout))?;
    Ok(())
}

fn head_commit(repo: &git2::Repository) -> String {
    repo.head()
        .ok()
        .and_then(|h| h.target())
        .map(|oid| oid.to_string())
        .unwrap_or_default()
}

/// Pushes `refspecs` (`refs/heads/x:refs/heads/x`) of the repository at `repo` to `url`, with
/// git push options (`merge_request.create` for GitLab) when the server accepts them. Every
/// reference the server rejects is an error naming it.
pub fn push(
    repo: &Path,
    url: &str,
    refspecs: &[String],
    push_options: &[String],
    options: &GitOptions,
) -> Result<(), GitError> {
    let remote = Remote::parse(url)?;
    let shown = display_url(url);
    let failed = |message: String| GitError::Push {
        url: shown.clone(),
        message,
    };
    if options.offline {
        return Err(failed("fundament is offline".to_string()));
    }
    let (clean_url, credential) = split_credentials(url, &remote);
    let repository = git2::Repository::open(repo).map_err(|e| GitError::Io {
        path: repo.display().to_string(),
        message: e.message().to_string(),
    })?;
    let context = Context::new(options, credential).map_err(&failed)?;
    let _entered = enter(&context);
    let mut anonymous = repository
        .remote_anonymous(&clean_url)
        .map_err(|e| failed(e.message().to_string()))?;
    let rejected: Arc<Mutex<Vec<String>>> = Arc::default();
    let mut callbacks = git2::RemoteCallbacks::new();
    let sink = rejected.clone();
    callbacks.push_update_reference(move |name, status| {
        if let Some(status) = status
            && let Ok(mut r) = sink.lock()
        {
            r.push(format!("{name}: {status}"));
        }
        Ok(())
    });
    let mut push = git2::PushOptions::new();
    push.remote_callbacks(callbacks);
    let push_options: Vec<&str> = push_options.iter().map(String::as_str).collect();
    if !push_options.is_empty() {
        push.remote_push_options(&push_options);
    }
    anonymous.push(refspecs, Some(&mut push)).map_err(|e| {
        failed(
            context
                .take_error()
                .unwrap_or_else(|| e.message().to_string()),
        )
    })?;
    let rejected = rejected.lock().map(|r| r.clone()).unwrap_or_default();
    if !rejected.is_empty() {
        return Err(failed(format!("rejected: {}", rejected.join("; "))));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_are_read_by_their_scheme() {
        assert_eq!(Remote::parse("/srv/x.git").unwrap(), Remote::Local);
        assert_eq!(Remote::parse("file:///srv/x.git").unwrap(), Remote::Local);
        assert_eq!(
            Remote::parse("git://git.example/x.git").unwrap(),
            Remote::GitProtocol
        );
        assert!(matches!(
            Remote::parse("HTTPS://git.example/x.git").unwrap(),
            Remote::Http
        ));
        let ssh = |url: &str| match Remote::parse(url) {
            Ok(Remote::Ssh(a)) => a,
            other => panic!("{url}: {other:?}"),
        };
        let a = ssh("ssh://git@git.example:2222/city/index.git");
        assert_eq!(
            (a.user.as_deref(), a.host.as_str(), a.port, a.path.as_str()),
            (Some("git"), "git.example", Some(2222), "/city/index.git")
        );
        let a = ssh("git@git.example:city/index.git");
        assert_eq!(
            (a.destination().as_str(), a.path.as_str()),
            ("git@git.example", "city/index.git")
        );
        let a = ssh("ssh://[::1]:22/~ann/index");
        assert_eq!(
            (a.host.as_str(), a.port, a.path.as_str()),
            ("::1", Some(22), "~ann/index")
        );
        assert_eq!(ssh("git+ssh://h/x").host, "h");
    }

    #[test]
    fn urls_that_would_be_ssh_options_are_refused() {
        for url in [
            "ssh://-oProxyCommand=touch%20x/x",
            "ssh://-oProxyCommand=x@host/x",
            "-oProxyCommand=x@host:path",
            "git@host:-x",
            "ssh://host/x\ny",
        ] {
            assert!(Remote::parse(url).is_err(), "{url}");
        }
        assert!(Remote::parse("ftp://host/x").is_err());
        assert_eq!(shell_quote("a'b"), r"'a'\''b'");
    }

    #[test]
    fn credentials_never_show() {
        assert_eq!(
            display_url("https://oauth2:glpat-secret@git.example/city/index.git"),
            "https://git.example/city/index.git"
        );
        assert_eq!(
            display_url("ssh://git@git.example/x"),
            "ssh://git@git.example/x"
        );
        assert_eq!(display_url("https://git.example"), "https://git.example");
        let remote = Remote::parse("https://u:p%40ss@git.example/x.git").unwrap();
        let (clean, credential) = split_credentials("https://u:p%40ss@git.example/x.git", &remote);
        assert_eq!(clean, "https://git.example/x.git");
        use base64::Engine as _;
        assert_eq!(
            credential.unwrap().header,
            format!(
                "Basic {}",
                base64::engine::general_purpose::STANDARD.encode("u:p@ss")
            )
        );
    }

    #[test]
    fn git_urls_are_told_from_folders() {
        assert!(is_git_url("git@git.example:city/index.git"));
        assert!(is_git_url("ssh://git.example/x"));
        assert!(!is_git_url("../index"));
        assert!(!is_git_url("C:\\index"));
        assert!(
            !is_git_url("https://git.example/x"),
            "http is told by its location kind"
        );
    }
}
