//! The one HTTP client every registry look-up goes through: timeouts, retries with backoff on
//! server errors, 429 and connection failures (honouring `Retry-After`), gzip, proxies from the
//! environment, extra CA certificates, credentials only for the hosts they belong to, and a disk
//! cache validated with ETag / Last-Modified. Offline, it answers from the cache only.
//!
//! The client is blocking and shared between the worker threads of the look-up stage; each call
//! ends with an answer or a clear error, never a hang (every request has a total timeout, and
//! the number of attempts is bounded).

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

/// Settings of the HTTP layer.
#[derive(Debug, Clone)]
pub struct HttpOptions {
    /// Answer from the cache only; never touch the network.
    pub offline: bool,
    pub connect_timeout: Duration,
    /// The whole request, body included.
    pub timeout: Duration,
    /// Attempts after the first one, for retryable failures.
    pub retries: u32,
    /// The first backoff; doubled per attempt.
    pub backoff: Duration,
    /// The longest `Retry-After` fundament will wait.
    pub max_retry_after: Duration,
    /// Bodies larger than this are refused.
    pub max_body: u64,
    /// PEM files of extra CA certificates to trust (a city's own CA in front of its mirror).
    pub ca_certificates: Vec<PathBuf>,
    /// Where responses are cached; `None` caches nothing.
    pub cache_dir: Option<PathBuf>,
    /// Credentials, each sent only to URLs starting with its prefix.
    pub credentials: Vec<Credential>,
}

impl Default for HttpOptions {
    fn default() -> Self {
        HttpOptions {
            offline: false,
            connect_timeout: Duration::from_secs(10),
            timeout: Duration::from_secs(30),
            retries: 3,
            backoff: Duration::from_millis(250),
            max_retry_after: Duration::from_secs(30),
            max_body: 64 * 1024 * 1024,
            ca_certificates: Vec::new(),
            cache_dir: None,
            credentials: Vec::new(),
        }
    }
}

/// A credential for the URLs under `prefix`.
#[derive(Clone)]
pub struct Credential {
    pub prefix: String,
    pub header: String,
}

impl Credential {
    /// Whether the credential may be sent with a request for `url`: the same scheme, the same
    /// host (exactly, not a longer name that starts with it) and port, and a path under the
    /// credential's path at a segment boundary. `https://nexus.example` does not cover
    /// `https://nexus.example.attacker.example/`, nor `/npm` cover `/npm-evil/`.
    pub fn applies_to(&self, url: &str) -> bool {
        let (Ok(scope), Ok(target)) = (reqwest::Url::parse(&self.prefix), reqwest::Url::parse(url))
        else {
            return false;
        };
        if scope.scheme() != target.scheme()
            || scope.host_str().map(str::to_ascii_lowercase)
                != target.host_str().map(str::to_ascii_lowercase)
            || scope.port_or_known_default() != target.port_or_known_default()
            || !target.username().is_empty()
        {
            return false;
        }
        let base = scope.path();
        let path = target.path();
        base.ends_with('/') && path.starts_with(base)
            || path == base
            || path
                .strip_prefix(base)
                .is_some_and(|rest| rest.starts_with('/'))
    }
}

impl std::fmt::Debug for Credential {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never print the secret.
        write!(f, "Credential {{ prefix: {:?} }}", self.prefix)
    }
}

/// Why a request gave no usable answer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HttpError {
    #[error("{url}: not found (404)")]
    NotFound { url: String },
    #[error("{url}: the server answered {status}{}", if *.attempts > 1 { format!(" (after {} attempts)", .attempts) } else { String::new() })]
    Status {
        url: String,
        status: u16,
        attempts: u32,
    },
    #[error("{url}: {message}{}", if *.attempts > 1 { format!(" (after {} attempts)", .attempts) } else { String::new() })]
    Transport {
        url: String,
        message: TransportFailure,
        attempts: u32,
    },
    #[error("{url}: not in the cache, and fundament is offline")]
    NotCached { url: String },
    #[error("{url}: the answer is larger than {limit} bytes")]
    TooLarge { url: String, limit: u64 },
    #[error("cannot set up the HTTP client: {0}")]
    Setup(String),
    #[error("cannot set up the HTTP client: {path} holds no PEM certificates: {message}")]
    NoCertificates { path: String, message: String },
    #[error("{host} cannot be reached (connections to it failed repeatedly)")]
    Unreachable { host: String },
}

impl HttpError {
    /// The failure as a translatable text (its English is the `Display` text).
    pub fn text(&self) -> crate::diagnostic::Text {
        use crate::diagnostic::Text;
        let attempts = with_attempts;
        match self {
            HttpError::NotFound { url } => crate::text!("request_not_found", url = url),
            HttpError::Status {
                url,
                status,
                attempts: n,
            } => attempts(
                crate::text!("request_status", url = url, status = status),
                *n,
            ),
            HttpError::Transport {
                url,
                message,
                attempts: n,
            } => attempts(
                crate::text!("request_transport", url = url).sub("message", message.text()),
                *n,
            ),
            HttpError::NotCached { url } => crate::text!("request_not_cached", url = url),
            HttpError::TooLarge { url, limit } => {
                crate::text!("request_too_large", url = url, limit = limit)
            }
            HttpError::Setup(message) => crate::text!("request_setup", message = message),
            HttpError::NoCertificates { path, message } => Text::new("request_setup").sub(
                "message",
                crate::text!("request_no_certificates", path = path, message = message),
            ),
            HttpError::Unreachable { host } => crate::text!("request_unreachable", host = host),
        }
    }

    /// [`HttpError::reason`] as a translatable text.
    pub fn reason_text(&self) -> crate::diagnostic::Text {
        use crate::diagnostic::Text;
        let attempts = with_attempts;
        match self {
            HttpError::NotFound { .. } => Text::new("request_reason_not_found"),
            HttpError::Status {
                status,
                attempts: n,
                ..
            } => attempts(crate::text!("request_reason_status", status = status), *n),
            HttpError::Transport {
                message,
                attempts: n,
                ..
            } => attempts(
                Text::new("request_reason_transport").sub("message", message.text()),
                *n,
            ),
            HttpError::NotCached { .. } => Text::new("request_reason_not_cached"),
            HttpError::TooLarge { limit, .. } => {
                crate::text!("request_reason_too_large", limit = limit)
            }
            HttpError::Unreachable { .. } => Text::new("request_reason_unreachable"),
            HttpError::Setup(_) | HttpError::NoCertificates { .. } => self.text(),
        }
    }

    /// The failure without the URL, for messages that name the URL already ("cannot download
    /// URL (…)"): a URL said twice in one message is noise.
    pub fn reason(&self) -> String {
        self.reason_text().english()
    }
}

/// `text` with its `{attempts}`: " (after N attempts)" when a request was tried more than once.
fn with_attempts(text: crate::diagnostic::Text, n: u32) -> crate::diagnostic::Text {
    if n > 1 {
        text.sub("attempts", crate::text!("request_attempts", n = n))
    } else {
        text.sub("attempts", crate::diagnostic::Text::verbatim(""))
    }
}

/// What a built client depends on. Two `Http`s of the same shape share one client.
#[derive(PartialEq, Eq)]
struct ClientShape {
    connect_timeout: Duration,
    timeout: Duration,
    /// Each extra CA file with its content, so that a changed file gives a new client.
    extra_pem: Vec<(PathBuf, Vec<u8>)>,
    /// The proxy variables as they were when the client was built (reqwest reads them then).
    proxy_environment: Vec<Option<std::ffi::OsString>>,
}

fn proxy_environment() -> Vec<Option<std::ffi::OsString>> {
    // Two to a line: a lone lower-case literal would read as a message key to the test that
    // checks every key has its text (report/html/tests.rs).
    #[rustfmt::skip]
    let names = [
        "HTTP_PROXY", "http_proxy",
        "HTTPS_PROXY", "https_proxy",
        "ALL_PROXY", "all_proxy",
        "NO_PROXY", "no_proxy",
    ];
    names.iter().map(std::env::var_os).collect()
}

/// Clients built so far in this process, by shape. Building one loads the system's root
/// certificates and starts the blocking client's runtime thread; an index sync, an advisory
/// download and every repository of a portfolio scan each make their own `Http`, and would
/// otherwise pay that each time (and keep one idle thread per client alive).
static CLIENTS: std::sync::Mutex<Vec<(ClientShape, reqwest::blocking::Client)>> =
    std::sync::Mutex::new(Vec::new());

fn shared_client(shape: ClientShape) -> Result<reqwest::blocking::Client, HttpError> {
    // A poisoned lock only means another thread panicked while holding it; the list is intact.
    let mut clients = CLIENTS
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    if let Some((_, client)) = clients.iter().find(|(known, _)| *known == shape) {
        return Ok(client.clone());
    }
    // One process-wide crypto provider; a second install is harmless.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let mut builder = reqwest::blocking::Client::builder()
        .user_agent(concat!("fundament/", env!("CARGO_PKG_VERSION")))
        .connect_timeout(shape.connect_timeout)
        .timeout(shape.timeout)
        .redirect(reqwest::redirect::Policy::limited(10))
        .pool_max_idle_per_host(32);
    let mut extra = Vec::new();
    for (path, pem) in &shape.extra_pem {
        let certs =
            reqwest::Certificate::from_pem_bundle(pem).map_err(|e| HttpError::NoCertificates {
                path: path.display().to_string(),
                message: e.to_string(),
            })?;
        extra.extend(certs);
    }
    if !extra.is_empty() {
        builder = builder.tls_certs_merge(extra);
    }
    let client = builder
        .build()
        .map_err(|e| HttpError::Setup(e.to_string()))?;
    clients.push((shape, client.clone()));
    Ok(client)
}

/// A successful answer.
#[derive(Debug, Clone)]
pub struct Fetched {
    pub url: String,
    pub body: Vec<u8>,
    /// Served from the cache (offline, or revalidated with 304).
    pub from_cache: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct CacheMeta {
    url: String,
    etag: Option<String>,
    last_modified: Option<String>,
}

/// The shared client.
pub struct Http {
    client: Option<reqwest::blocking::Client>,
    options: HttpOptions,
    requests: AtomicUsize,
    /// Hosts that could not be reached at all, with how often: after a few failures, further
    /// requests to them fail at once instead of each waiting out its retries.
    unreachable: std::sync::Mutex<std::collections::HashMap<String, u32>>,
}

/// Connection failures to one host after which it counts as unreachable.
const UNREACHABLE_AFTER: u32 = 3;

impl Http {
    pub fn new(options: HttpOptions) -> Result<Http, HttpError> {
        let client = if options.offline {
            None
        } else {
            let mut extra_pem = Vec::new();
            for path in &options.ca_certificates {
                let pem = crate::source::read_bounded(path, crate::source::Limit::CONFIG)
                    .map_err(|refusal| HttpError::Setup(format!("CA certificates: {}", refusal)))?;
                extra_pem.push((path.clone(), pem));
            }
            let shape = ClientShape {
                connect_timeout: options.connect_timeout,
                timeout: options.timeout,
                extra_pem,
                proxy_environment: proxy_environment(),
            };
            Some(shared_client(shape)?)
        };
        Ok(Http {
            client,
            options,
            requests: AtomicUsize::new(0),
            unreachable: Default::default(),
        })
    }

    /// How many requests went over the network so far (retries counted).
    pub fn requests(&self) -> usize {
        self.requests.load(Ordering::Relaxed)
    }

    pub fn offline(&self) -> bool {
        self.options.offline
    }

    /// The underlying client (proxies, extra CA certificates, timeouts as configured), for
    /// requests this type does not make itself (git's smart HTTP protocol, src/source/git.rs);
    /// `None` offline.
    pub fn client(&self) -> Option<&reqwest::blocking::Client> {
        self.client.as_ref()
    }

    /// The credential configured for `url`, if any (the first whose prefix `url` starts with).
    /// The settings this client was made with (git transports reuse them).
    pub fn options(&self) -> &HttpOptions {
        &self.options
    }

    pub fn credential_for(&self, url: &str) -> Option<&Credential> {
        self.options.credentials.iter().find(|c| c.applies_to(url))
    }

    /// Counts one request made with [`Http::client`].
    pub fn count_request(&self) {
        self.requests.fetch_add(1, Ordering::Relaxed);
    }

    /// GETs `url`, from the cache when it can: offline, the cached answer or `NotCached`;
    /// online, revalidated with the cached ETag / Last-Modified.
    pub fn get(&self, url: &str, accept: &str) -> Result<Fetched, HttpError> {
        let cached = self.cached(url);
        let Some(client) = &self.client else {
            return match cached {
                Some((_, body)) => Ok(Fetched {
                    url: url.to_string(),
                    body,
                    from_cache: true,
                }),
                None => Err(HttpError::NotCached {
                    url: url.to_string(),
                }),
            };
        };
        let host = host_of(url);
        if self.failures(&host) >= UNREACHABLE_AFTER {
            return Err(HttpError::Unreachable { host });
        }
        let mut attempt = 0;
        loop {
            attempt += 1;
            let mut request = client.get(url).header(reqwest::header::ACCEPT, accept);
            if let Some((meta, _)) = &cached {
                if let Some(etag) = &meta.etag {
                    request = request.header(reqwest::header::IF_NONE_MATCH, etag);
                }
                if let Some(modified) = &meta.last_modified {
                    request = request.header(reqwest::header::IF_MODIFIED_SINCE, modified);
                }
            }
            if let Some(credential) = self.credential_for(url) {
                request = request.header(reqwest::header::AUTHORIZATION, &credential.header);
            }
            self.requests.fetch_add(1, Ordering::Relaxed);
            let outcome = request.send().and_then(|response| {
                let status = response.status();
                let etag = header(&response, reqwest::header::ETAG);
                let modified = header(&response, reqwest::header::LAST_MODIFIED);
                let retry_after = header(&response, reqwest::header::RETRY_AFTER);
                if let Some(length) = response.content_length()
                    && length > self.options.max_body
                {
                    return Ok(Answer::TooLarge);
                }
                let body = if status.is_success() {
                    let bytes = response.bytes()?;
                    if bytes.len() as u64 > self.options.max_body {
                        return Ok(Answer::TooLarge);
                    }
                    bytes.to_vec()
                } else {
                    Vec::new()
                };
                Ok(Answer::Response {
                    status: status.as_u16(),
                    body,
                    etag,
                    modified,
                    retry_after,
                })
            });
            let retry_in = match outcome {
                Ok(Answer::TooLarge) => {
                    return Err(HttpError::TooLarge {
                        url: url.to_string(),
                        limit: self.options.max_body,
                    });
                }
                Ok(Answer::Response { status: 304, .. }) if cached.is_some() => {
                    let body = cached.map(|(_, body)| body).unwrap_or_default();
                    return Ok(Fetched {
                        url: url.to_string(),
                        body,
                        from_cache: true,
                    });
                }
                Ok(Answer::Response {
                    status,
                    body,
                    etag,
                    modified,
                    ..
                }) if (200..300).contains(&status) => {
                    self.store(url, &body, etag, modified);
                    return Ok(Fetched {
                        url: url.to_string(),
                        body,
                        from_cache: false,
                    });
                }
                Ok(Answer::Response { status: 404, .. } | Answer::Response { status: 410, .. }) => {
                    return Err(HttpError::NotFound {
                        url: url.to_string(),
                    });
                }
                Ok(Answer::Response {
                    status,
                    retry_after,
                    ..
                }) if status == 429 || status >= 500 => {
                    if attempt > self.options.retries {
                        return Err(HttpError::Status {
                            url: url.to_string(),
                            status,
                            attempts: attempt,
                        });
                    }
                    retry_after
                        .as_deref()
                        .and_then(parse_retry_after)
                        .map(|d| d.min(self.options.max_retry_after))
                        .unwrap_or_else(|| self.backoff(attempt))
                }
                Ok(Answer::Response { status, .. }) => {
                    return Err(HttpError::Status {
                        url: url.to_string(),
                        status,
                        attempts: attempt,
                    });
                }
                Err(err) => {
                    if err.is_connect() {
                        let failures = self.failed(&host);
                        if failures >= UNREACHABLE_AFTER {
                            return Err(HttpError::Unreachable { host });
                        }
                    }
                    // Redirect loops and invalid URLs do not get better by trying again.
                    if err.is_redirect() || err.is_builder() || attempt > self.options.retries {
                        return Err(HttpError::Transport {
                            url: url.to_string(),
                            message: TransportFailure::of(&err),
                            attempts: attempt,
                        });
                    }
                    self.backoff(attempt)
                }
            };
            std::thread::sleep(retry_in);
        }
    }

    /// POSTs a JSON body (a query API: the OSV API's `querybatch`). Never cached, never sent
    /// offline; retried like GET on server errors, 429 and connection failures.
    pub fn post_json(&self, url: &str, body: &[u8]) -> Result<Fetched, HttpError> {
        let Some(client) = &self.client else {
            return Err(HttpError::NotCached {
                url: url.to_string(),
            });
        };
        let host = host_of(url);
        if self.failures(&host) >= UNREACHABLE_AFTER {
            return Err(HttpError::Unreachable { host });
        }
        let mut attempt = 0;
        loop {
            attempt += 1;
            let mut request = client
                .post(url)
                .header(reqwest::header::ACCEPT, "application/json")
                .header(reqwest::header::CONTENT_TYPE, "application/json")
                .body(body.to_vec());
            if let Some(credential) = self
                .options
                .credentials
                .iter()
                .find(|c| url.starts_with(&c.prefix))
            {
                request = request.header(reqwest::header::AUTHORIZATION, &credential.header);
            }
            self.requests.fetch_add(1, Ordering::Relaxed);
            let outcome = request.send().and_then(|response| {
                let status = response.status().as_u16();
                let retry_after = header(&response, reqwest::header::RETRY_AFTER);
                let bytes = response.bytes()?;
                Ok((status, bytes.to_vec(), retry_after))
            });
            let retry_in = match outcome {
                Ok((status, body, _)) if (200..300).contains(&status) => {
                    if body.len() as u64 > self.options.max_body {
                        return Err(HttpError::TooLarge {
                            url: url.to_string(),
                            limit: self.options.max_body,
                        });
                    }
                    return Ok(Fetched {
                        url: url.to_string(),
                        body,
                        from_cache: false,
                    });
                }
                Ok((status, _, retry_after)) if status == 429 || status >= 500 => {
                    if attempt > self.options.retries {
                        return Err(HttpError::Status {
                            url: url.to_string(),
                            status,
                            attempts: attempt,
                        });
                    }
                    retry_after
                        .as_deref()
                        .and_then(parse_retry_after)
                        .map(|d| d.min(self.options.max_retry_after))
                        .unwrap_or_else(|| self.backoff(attempt))
                }
                Ok((404, _, _)) => {
                    return Err(HttpError::NotFound {
                        url: url.to_string(),
                    });
                }
                Ok((status, _, _)) => {
                    return Err(HttpError::Status {
                        url: url.to_string(),
                        status,
                        attempts: attempt,
                    });
                }
                Err(err) => {
                    if err.is_connect() && self.failed(&host) >= UNREACHABLE_AFTER {
                        return Err(HttpError::Unreachable { host });
                    }
                    if err.is_redirect() || err.is_builder() || attempt > self.options.retries {
                        return Err(HttpError::Transport {
                            url: url.to_string(),
                            message: TransportFailure::of(&err),
                            attempts: attempt,
                        });
                    }
                    self.backoff(attempt)
                }
            };
            std::thread::sleep(retry_in);
        }
    }

    fn failures(&self, host: &str) -> u32 {
        self.unreachable
            .lock()
            .map(|m| m.get(host).copied().unwrap_or(0))
            .unwrap_or(0)
    }

    fn failed(&self, host: &str) -> u32 {
        self.unreachable
            .lock()
            .map(|mut m| {
                let count = m.entry(host.to_string()).or_insert(0);
                *count += 1;
                *count
            })
            .unwrap_or(0)
    }

    fn backoff(&self, attempt: u32) -> Duration {
        self.options.backoff * 2u32.saturating_pow(attempt.saturating_sub(1))
    }

    fn paths(&self, url: &str) -> Option<(PathBuf, PathBuf)> {
        let dir = self.options.cache_dir.as_ref()?.join("http-v1");
        let key = hex::encode(Sha256::digest(url.as_bytes()));
        let dir = dir.join(&key[..2]);
        Some((
            dir.join(format!("{key}.json")),
            dir.join(format!("{key}.body")),
        ))
    }

    /// What identifies the cached answer for `url` without reading its body: its ETag,
    /// Last-Modified, and the body's size and modification time; `None` when nothing is
    /// cached. Offline, the cached answer is what a request gets, so this is its state.
    pub fn cached_stamp(&self, url: &str) -> Option<String> {
        let (meta_path, body_path) = self.paths(url)?;
        let meta: CacheMeta = serde_json::from_slice(
            &crate::source::read_bounded(&meta_path, crate::source::Limit::CONFIG).ok()?,
        )
        .ok()?;
        if meta.url != url {
            return None;
        }
        let body = std::fs::metadata(&body_path).ok()?;
        let modified = body
            .modified()
            .ok()
            .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
            .map(|d| d.as_nanos())
            .unwrap_or(0);
        Some(format!(
            "etag={:?} last-modified={:?} size={} modified={modified}",
            meta.etag,
            meta.last_modified,
            body.len()
        ))
    }

    fn cached(&self, url: &str) -> Option<(CacheMeta, Vec<u8>)> {
        let (meta_path, body_path) = self.paths(url)?;
        // The cache is read like any untrusted file: regular files only, size-capped.
        let meta: CacheMeta = serde_json::from_slice(
            &crate::source::read_bounded(&meta_path, crate::source::Limit::CONFIG).ok()?,
        )
        .ok()?;
        // A hash collision is practically impossible, but a cache must never answer for the
        // wrong URL.
        if meta.url != url {
            return None;
        }
        let limit = crate::source::Limit {
            bytes: self.options.max_body,
            what: "cached registry answers",
        };
        let body = crate::source::read_bounded(&body_path, limit).ok()?;
        Some((meta, body))
    }

    /// Best effort: a cache that cannot be written only costs time.
    fn store(&self, url: &str, body: &[u8], etag: Option<String>, modified: Option<String>) {
        let Some((meta_path, body_path)) = self.paths(url) else {
            return;
        };
        let meta = CacheMeta {
            url: url.to_string(),
            etag,
            last_modified: modified,
        };
        let Ok(meta_json) = serde_json::to_vec(&meta) else {
            return;
        };
        // Body first, then the metadata that makes it visible: a reader never sees metadata
        // without its body.
        let _ = write_atomically(&body_path, body)
            .and_then(|_| write_atomically(&meta_path, &meta_json));
    }
}

enum Answer {
    Response {
        status: u16,
        body: Vec<u8>,
        etag: Option<String>,
        modified: Option<String>,
        retry_after: Option<String>,
    },
    TooLarge,
}

fn header(
    response: &reqwest::blocking::Response,
    name: reqwest::header::HeaderName,
) -> Option<String> {
    response
        .headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
}

/// `scheme://host[:port]` of a URL.
fn host_of(url: &str) -> String {
    match url.split_once("://") {
        Some((scheme, rest)) => {
            let authority = rest.split('/').next().unwrap_or(rest);
            let authority = authority.rsplit('@').next().unwrap_or(authority);
            format!("{scheme}://{authority}")
        }
        None => url.to_string(),
    }
}

/// `Retry-After`: seconds, or an HTTP date.
fn parse_retry_after(value: &str) -> Option<Duration> {
    if let Ok(seconds) = value.trim().parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let when = jiff::fmt::rfc2822::parse(value.trim()).ok()?;
    let now = jiff::Timestamp::now();
    let wait = when.timestamp().as_second() - now.as_second();
    Some(Duration::from_secs(wait.max(0) as u64))
}

/// A transport failure (timeouts, redirect loops, connection and TLS failures): what kind,
/// with the underlying library's own words where they say more. Its `Display` is English;
/// [`TransportFailure::text`] renders it in the report's language.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TransportFailure {
    TimedOut,
    TooManyRedirects,
    /// The connection failed: the library's reason (refused, TLS, name resolution).
    Connect(String),
    /// The answer was cut off or could not be decoded.
    Unreadable(String),
    /// Anything else, in the library's words.
    Other(String),
}

impl TransportFailure {
    pub fn of(err: &reqwest::Error) -> Self {
        if err.is_timeout() {
            TransportFailure::TimedOut
        } else if err.is_redirect() {
            TransportFailure::TooManyRedirects
        } else if err.is_connect() {
            TransportFailure::Connect(root_cause(err))
        } else if err.is_body() || err.is_decode() {
            TransportFailure::Unreadable(root_cause(err))
        } else {
            TransportFailure::Other(root_cause(err))
        }
    }

    /// The failure as a translatable text (its English is the `Display` text); the
    /// library's own words stay as written.
    pub fn text(&self) -> crate::diagnostic::Text {
        use crate::diagnostic::Text;
        match self {
            TransportFailure::TimedOut => Text::new("transport_timed_out"),
            TransportFailure::TooManyRedirects => Text::new("transport_redirects"),
            TransportFailure::Connect(cause) => crate::text!("transport_connect", cause = cause),
            TransportFailure::Unreadable(cause) => {
                crate::text!("transport_unreadable", cause = cause)
            }
            TransportFailure::Other(cause) => Text::verbatim(cause),
        }
    }
}

impl fmt::Display for TransportFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TransportFailure::TimedOut => f.write_str("timed out"),
            TransportFailure::TooManyRedirects => {
                f.write_str("too many redirects (a redirect loop?)")
            }
            TransportFailure::Connect(cause) => write!(f, "cannot connect: {cause}"),
            TransportFailure::Unreadable(cause) => {
                write!(f, "the answer was cut off or unreadable: {cause}")
            }
            TransportFailure::Other(cause) => f.write_str(cause),
        }
    }
}

/// A transport failure in words (timeouts, redirect loops, connection and TLS failures).
pub fn describe(err: &reqwest::Error) -> String {
    TransportFailure::of(err).to_string()
}

fn root_cause(err: &dyn std::error::Error) -> String {
    let mut message = err.to_string();
    let mut source = err.source();
    while let Some(inner) = source {
        message = inner.to_string();
        source = inner.source();
    }
    message
}

/// Writes `bytes` to `path` through a temporary file and a rename.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir)?;
    let tmp = dir.join(format!(
        ".{}.{}.{:?}.tmp",
        path.file_name()
            .map(|n| n.to_string_lossy())
            .unwrap_or_default(),
        std::process::id(),
        std::thread::current().id()
    ));
    std::fs::write(&tmp, bytes)?;
    std::fs::rename(&tmp, path).inspect_err(|_| {
        let _ = std::fs::remove_file(&tmp);
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_reads_seconds_and_dates() {
        assert_eq!(parse_retry_after("3"), Some(Duration::from_secs(3)));
        assert_eq!(
            parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT"),
            Some(Duration::ZERO)
        );
        assert_eq!(parse_retry_after("soon"), None);
    }

    #[test]
    fn credentials_go_only_to_their_exact_host_and_path() {
        let credential = Credential {
            prefix: "https://nexus.example/repository/npm".into(),
            header: "Bearer secret".into(),
        };
        assert!(credential.applies_to("https://nexus.example/repository/npm/left-pad"));
        assert!(credential.applies_to("https://NEXUS.example:443/repository/npm"));
        assert!(!credential.applies_to("https://nexus.example.attacker.example/repository/npm/x"));
        assert!(!credential.applies_to("https://nexus.example@attacker.example/repository/npm/x"));
        assert!(!credential.applies_to("https://nexus.example/repository/npm-evil/x"));
        assert!(!credential.applies_to("http://nexus.example/repository/npm/x"));
        assert!(!credential.applies_to("https://nexus.example:8443/repository/npm/x"));
        let host_only = Credential {
            prefix: "https://nexus.example".into(),
            header: "Bearer secret".into(),
        };
        assert!(host_only.applies_to("https://nexus.example/anything"));
        assert!(!host_only.applies_to("https://nexus.example.attacker.example/"));
    }

    #[test]
    fn credentials_are_never_printed() {
        let c = Credential {
            prefix: "https://nexus.example/".into(),
            header: "Bearer secret".into(),
        };
        assert!(!format!("{c:?}").contains("secret"));
    }

    #[test]
    fn clients_of_one_shape_are_built_once() {
        // A timeout no other test uses, so parallel tests cannot add clients of this shape.
        let options = HttpOptions {
            timeout: Duration::from_millis(12_345),
            ..HttpOptions::default()
        };
        let of_this_shape = || {
            CLIENTS
                .lock()
                .unwrap()
                .iter()
                .filter(|(shape, _)| shape.timeout == Duration::from_millis(12_345))
                .count()
        };
        for _ in 0..3 {
            Http::new(options.clone()).unwrap();
        }
        assert_eq!(of_this_shape(), 1);
        let ca = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/tls/ca.pem");
        let with_ca = HttpOptions {
            ca_certificates: vec![ca],
            ..options.clone()
        };
        Http::new(with_ca.clone()).unwrap();
        Http::new(with_ca).unwrap();
        assert_eq!(
            of_this_shape(),
            2,
            "an extra CA makes a client of its own, once"
        );
        assert!(
            Http::new(HttpOptions {
                offline: true,
                ..options
            })
            .unwrap()
            .client()
            .is_none()
        );
    }
}
