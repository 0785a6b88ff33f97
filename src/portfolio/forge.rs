//! Listing the repositories of a GitLab group or a GitHub organisation through their REST
//! APIs, page by page.
//!
//! - GitLab: `GET {api}/groups/{group}/projects?include_subgroups=true&with_shared=false`,
//!   100 per page, following the
//!   `Link: <…>; rel="next"` header, else `X-Next-Page`. The token goes in `PRIVATE-TOKEN`
//!   (a personal, group or project access token: `GITLAB_TOKEN`) or `JOB-TOKEN` (a CI job's
//!   `CI_JOB_TOKEN`).
//! - GitHub: `GET {api}/orgs/{owner}/repos?type=all`, and `/users/{owner}/repos` when the
//!   owner is no organisation, 100 per page, following `Link` headers, with
//!   `Authorization: Bearer` (`GITHUB_TOKEN`).
//!
//! The API's base URL is always given (a flag, or the CI engine's `CI_API_V4_URL` /
//! `GITHUB_API_URL`); nothing here knows a forge's host name. A page that points elsewhere
//! than the API's own origin is refused, so that the token never leaves it. Archived
//! repositories (and GitHub's disabled ones, GitLab's empty ones) are listed as skipped, with
//! the reason, not dropped.
//!
//! The same token is the credential for cloning over HTTPS from the forge's host (GitLab:
//! `oauth2:<token>` or `gitlab-ci-token:<job token>`; GitHub: `x-access-token:<token>`),
//! scoped to that host only.

use super::listing::{Listing, ListingError, Repository, Skipped, SourceKind};
use crate::registry::http::{Credential, Http, HttpOptions};
use base64::Engine as _;
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use std::time::Duration;

/// Which of the forge's clone URLs to use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum CloneProtocol {
    /// `https://…`, with the API token as the credential.
    #[default]
    Https,
    /// `git@host:…`, through the user's ssh (keys, agent, known_hosts).
    Ssh,
}

/// How forges are asked.
#[derive(Debug, Clone, Default)]
pub struct ForgeOptions {
    /// Proxies, CA certificates, timeouts and retries of fundament's HTTP client.
    pub http: HttpOptions,
    /// List archived repositories as repositories (default: skipped).
    pub include_archived: bool,
    pub protocol: CloneProtocol,
}

/// A GitLab token, by kind: GitLab takes them in different headers.
#[derive(Clone)]
pub enum GitlabToken {
    /// A personal, group or project access token (`PRIVATE-TOKEN`).
    Private(String),
    /// A CI job token (`JOB-TOKEN`).
    Job(String),
}

impl std::fmt::Debug for GitlabToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            GitlabToken::Private(_) => "GitlabToken::Private(…)",
            GitlabToken::Job(_) => "GitlabToken::Job(…)",
        })
    }
}

/// What a forge listing gives: the repositories, and the credentials for cloning them.
#[derive(Debug, Default)]
pub struct ForgeListing {
    pub listing: Listing,
    pub credentials: Vec<Credential>,
}

/// Characters GitLab wants encoded in a group path (`city/apps` → `city%2Fapps`).
const PATH_SEGMENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

/// The most pages fundament follows (100 repositories each): a loop guard.
const MAX_PAGES: usize = 5_000;

/// Lists the projects of a GitLab group and its subgroups.
pub fn gitlab(
    api: &str,
    group: &str,
    token: Option<&GitlabToken>,
    options: &ForgeOptions,
) -> Result<ForgeListing, ListingError> {
    let api = api_base(api, "--gitlab-url / CI_API_V4_URL")?;
    let api = if api.path().trim_end_matches('/').ends_with("/api/v4") {
        api
    } else {
        // The instance's address given: the API is below it.
        join(&api, "api/v4")?
    };
    let group_path = group.trim().trim_matches('/');
    if group_path.is_empty() {
        return Err(ListingError("the GitLab group is empty".to_string()));
    }
    // Archived projects are asked for too, and left out here: the portfolio then names them
    // as not scanned instead of not knowing them.
    let mut first = join(
        &api,
        &format!(
            "groups/{}/projects",
            utf8_percent_encode(group_path, PATH_SEGMENT)
        ),
    )?;
    {
        let mut query = first.query_pairs_mut();
        query
            .append_pair("include_subgroups", "true")
            .append_pair("with_shared", "false")
            .append_pair("order_by", "path")
            .append_pair("sort", "asc")
            .append_pair("per_page", "100");
    }
    let headers: Vec<(&str, String)> = match token {
        Some(GitlabToken::Private(t)) => vec![("PRIVATE-TOKEN", t.clone())],
        Some(GitlabToken::Job(t)) => vec![("JOB-TOKEN", t.clone())],
        None => Vec::new(),
    };
    let description = format!(
        "GitLab group `{group_path}` at {}",
        crate::source::git::display_url(api.as_str())
    );
    let client = Pager::new(&options.http, &api, "GitLab")?;
    let mut repositories = Vec::new();
    let mut left_out = Vec::new();
    let mut clone_origins = std::collections::BTreeSet::new();
    let refused = |status: u16| match status {
        404 => Some(format!(
            "{description}: no such group, or the token may not see it (404)"
        )),
        401 | 403 => Some(format!(
            "{description}: the server refused access ({status}); set GITLAB_TOKEN to a \
             token with the read_api and read_repository scopes"
        )),
        _ => None,
    };
    client.each_page(first, &headers, &refused, |project| {
        let text = |key: &str| project[key].as_str().map(str::to_string);
        let name = text("path_with_namespace")
            .or_else(|| text("path"))
            .ok_or_else(|| "a project without `path_with_namespace`".to_string())?;
        let url = match options.protocol {
            CloneProtocol::Https => text("http_url_to_repo"),
            CloneProtocol::Ssh => text("ssh_url_to_repo"),
        }
        .ok_or_else(|| format!("project {name} has no clone URL"))?;
        let mut repository = Repository::git(&url, None, SourceKind::Gitlab);
        repository.name = name;
        repository.web_url = text("web_url");
        let archived = project["archived"].as_bool().unwrap_or(false);
        let empty = project["empty_repo"].as_bool().unwrap_or(false);
        if archived && !options.include_archived {
            left_out.push(skipped(&repository, "archived"));
        } else if empty {
            left_out.push(skipped(&repository, "empty repository (no commits)"));
        } else {
            if let Some(origin) = origin_of(&url) {
                clone_origins.insert(origin);
            }
            repositories.push(repository);
        }
        Ok(())
    })?;
    let mut result = ForgeListing {
        listing: Listing {
            sources: vec![description],
            repositories,
            skipped: left_out,
            notes: Vec::new(),
        },
        credentials: Vec::new(),
    };
    if let Some(token) = token {
        let basic = match token {
            GitlabToken::Private(t) => format!("oauth2:{t}"),
            GitlabToken::Job(t) => format!("gitlab-ci-token:{t}"),
        };
        result.credentials = scoped_credentials(&api, &clone_origins, &basic, false);
    }
    finish(&mut result.listing);
    Ok(result)
}

/// Lists the repositories of a GitHub organisation (or, when there is none by that name, of
/// a user).
pub fn github(
    api: &str,
    owner: &str,
    token: Option<&str>,
    options: &ForgeOptions,
) -> Result<ForgeListing, ListingError> {
    let api = api_base(api, "--github-url / GITHUB_API_URL")?;
    let owner = owner.trim().trim_matches('/');
    if owner.is_empty() || owner.contains('/') {
        return Err(ListingError(format!(
            "`{owner}` is not a GitHub organisation or user name"
        )));
    }
    let encoded = utf8_percent_encode(owner, PATH_SEGMENT).to_string();
    let mut headers: Vec<(&str, String)> = vec![
        ("Accept", "application/vnd.github+json".to_string()),
        ("X-GitHub-Api-Version", "2022-11-28".to_string()),
    ];
    if let Some(t) = token {
        headers.push(("Authorization", format!("Bearer {t}")));
    }
    let description = format!(
        "GitHub organisation `{owner}` at {}",
        crate::source::git::display_url(api.as_str())
    );
    let client = Pager::new(&options.http, &api, "GitHub")?;
    let mut repositories = Vec::new();
    let mut left_out = Vec::new();
    let mut clone_origins = std::collections::BTreeSet::new();
    let refused = |status: u16| match status {
        401 | 403 => Some(format!(
            "{description}: the server refused access ({status}); set GITHUB_TOKEN to a \
             token that may read the organisation's repositories (or wait for the rate limit)"
        )),
        _ => None,
    };
    let mut add = |repo: &serde_json::Value| -> Result<(), String> {
        let text = |key: &str| repo[key].as_str().map(str::to_string);
        let name =
            text("full_name").ok_or_else(|| "a repository without `full_name`".to_string())?;
        let url = match options.protocol {
            CloneProtocol::Https => text("clone_url"),
            CloneProtocol::Ssh => text("ssh_url"),
        }
        .ok_or_else(|| format!("repository {name} has no clone URL"))?;
        let mut repository = Repository::git(&url, None, SourceKind::Github);
        repository.name = name;
        repository.web_url = text("html_url");
        if repo["archived"].as_bool().unwrap_or(false) && !options.include_archived {
            left_out.push(skipped(&repository, "archived"));
        } else if repo["disabled"].as_bool().unwrap_or(false) {
            left_out.push(skipped(&repository, "disabled"));
        } else {
            if let Some(origin) = origin_of(&url) {
                clone_origins.insert(origin);
            }
            repositories.push(repository);
        }
        Ok(())
    };
    let paged = |path: &str, kind: &str| -> Result<url::Url, ListingError> {
        let mut url = join(&api, path)?;
        url.query_pairs_mut()
            .append_pair("type", kind)
            .append_pair("sort", "full_name")
            .append_pair("per_page", "100");
        Ok(url)
    };
    let mut source = description.clone();
    let orgs = paged(&format!("orgs/{encoded}/repos"), "all")?;
    let organisation = client.each_page(
        orgs,
        &headers,
        &|s| if s == 404 { None } else { refused(s) },
        &mut add,
    );
    match organisation {
        Err(PageError::NotFound) => {
            // No organisation of that name: a user's repositories.
            source = description.replace("organisation", "user");
            let users = paged(&format!("users/{encoded}/repos"), "owner")?;
            match client.each_page(users, &headers, &refused, &mut add) {
                Err(PageError::NotFound) => {
                    return Err(ListingError(format!(
                        "{description}: no organisation or user `{owner}` (404)"
                    )));
                }
                other => other?,
            };
        }
        other => {
            other?;
        }
    }
    let mut result = ForgeListing {
        listing: Listing {
            sources: vec![source],
            repositories,
            skipped: left_out,
            notes: Vec::new(),
        },
        credentials: Vec::new(),
    };
    if let Some(token) = token {
        result.credentials = scoped_credentials(
            &api,
            &clone_origins,
            &format!("x-access-token:{token}"),
            true,
        );
    }
    finish(&mut result.listing);
    Ok(result)
}

fn skipped(repository: &Repository, reason: &str) -> Skipped {
    Skipped {
        id: repository.id.clone(),
        name: repository.name.clone(),
        reason: reason.to_string(),
    }
}

fn finish(listing: &mut Listing) {
    listing.repositories.sort_by(|a, b| a.id.cmp(&b.id));
    listing.repositories.dedup_by(|a, b| a.id == b.id);
    listing.skipped.sort_by(|a, b| a.id.cmp(&b.id));
}

/// The API base, checked: an http(s) URL, ending in `/` so that paths join below it.
fn api_base(text: &str, named: &str) -> Result<url::Url, ListingError> {
    let text = text.trim();
    let mut url = url::Url::parse(text)
        .map_err(|e| ListingError(format!("{named}: `{text}` is not a URL ({e})")))?;
    if !matches!(url.scheme(), "https" | "http") {
        return Err(ListingError(format!(
            "{named}: `{}` is not an http(s) URL",
            crate::source::git::display_url(text)
        )));
    }
    if !url.path().ends_with('/') {
        let path = format!("{}/", url.path());
        url.set_path(&path);
    }
    url.set_query(None);
    Ok(url)
}

fn join(base: &url::Url, path: &str) -> Result<url::Url, ListingError> {
    let mut base = base.clone();
    if !base.path().ends_with('/') {
        let path = format!("{}/", base.path());
        base.set_path(&path);
    }
    base.join(path)
        .map_err(|e| ListingError(format!("{base}{path}: {e}")))
}

/// `scheme://host[:port]/` of a clone URL (https only: ssh needs no token).
fn origin_of(url: &str) -> Option<String> {
    let parsed = url::Url::parse(url).ok()?;
    if !matches!(parsed.scheme(), "https" | "http") {
        return None;
    }
    let host = parsed.host_str()?;
    Some(match parsed.port() {
        Some(port) => format!("{}://{host}:{port}/", parsed.scheme()),
        None => format!("{}://{host}/", parsed.scheme()),
    })
}

/// Basic credentials for the clone origins that belong to the forge: the API's own host, or
/// (GitHub's scheme, `api.host` → `host`) the host without `api.`. Clone URLs on any other
/// host get no token.
fn scoped_credentials(
    api: &url::Url,
    origins: &std::collections::BTreeSet<String>,
    user_and_token: &str,
    strip_api_prefix: bool,
) -> Vec<Credential> {
    let api_host = api.host_str().unwrap_or_default().to_ascii_lowercase();
    let mut hosts = vec![api_host.clone()];
    if strip_api_prefix && let Some(rest) = api_host.strip_prefix("api.") {
        hosts.push(rest.to_string());
    }
    let header = format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(user_and_token)
    );
    origins
        .iter()
        .filter(|origin| {
            url::Url::parse(origin)
                .ok()
                .and_then(|u| u.host_str().map(str::to_ascii_lowercase))
                .is_some_and(|h| hosts.contains(&h))
        })
        .map(|origin| Credential {
            prefix: origin.clone(),
            header: header.clone(),
        })
        .collect()
}

/// Why paging stopped.
#[derive(Debug)]
enum PageError {
    /// The first page was 404 and the caller gave no message for it.
    NotFound,
    Other(String),
}

impl From<PageError> for ListingError {
    fn from(e: PageError) -> Self {
        match e {
            PageError::NotFound => ListingError("not found (404)".to_string()),
            PageError::Other(message) => ListingError(message),
        }
    }
}

impl From<ListingError> for PageError {
    fn from(e: ListingError) -> Self {
        PageError::Other(e.0)
    }
}

/// GETs JSON arrays page by page from one API.
struct Pager {
    http: Http,
    options: HttpOptions,
    origin: url::Origin,
    forge: &'static str,
}

impl Pager {
    fn new(
        options: &HttpOptions,
        api: &url::Url,
        forge: &'static str,
    ) -> Result<Pager, ListingError> {
        let mut options = options.clone();
        // A listing is never answered from the cache: it must be today's.
        options.cache_dir = None;
        options.credentials.clear();
        let http = Http::new(options.clone()).map_err(|e| ListingError(format!("{forge}: {e}")))?;
        Ok(Pager {
            http,
            options,
            origin: api.origin(),
            forge,
        })
    }

    /// Calls `each` for every element of every page from `first` on. `refused` words the
    /// failure for a status (`None`: the generic message; for 404 on the first page,
    /// [`PageError::NotFound`]).
    fn each_page(
        &self,
        first: url::Url,
        headers: &[(&str, String)],
        refused: &dyn Fn(u16) -> Option<String>,
        mut each: impl FnMut(&serde_json::Value) -> Result<(), String>,
    ) -> Result<usize, PageError> {
        let Some(client) = self.http.client() else {
            return Err(PageError::Other(format!(
                "{}: listing repositories needs the network, and fundament is offline",
                self.forge
            )));
        };
        let mut next = Some(first);
        let mut seen = std::collections::HashSet::new();
        let mut pages = 0;
        while let Some(url) = next.take() {
            if !seen.insert(url.to_string()) || pages >= MAX_PAGES {
                return Err(PageError::Other(format!(
                    "{}: the pages of the listing do not end ({} leads back)",
                    self.forge,
                    shown(&url)
                )));
            }
            if url.origin() != self.origin {
                return Err(PageError::Other(format!(
                    "{}: the next page is on another server ({}); refused, so that the token \
                     stays with the API",
                    self.forge,
                    shown(&url)
                )));
            }
            let page = self.get(client, &url, headers)?;
            match page.status {
                200..=299 => {}
                404 if pages == 0 => {
                    return Err(match refused(404) {
                        Some(message) => PageError::Other(message),
                        None => PageError::NotFound,
                    });
                }
                status => {
                    let mut message = refused(status).unwrap_or_else(|| {
                        format!("{}: {} answered {status}", self.forge, shown(&url))
                    });
                    if page.rate_limited {
                        message.push_str(" (the API's rate limit is used up)");
                    }
                    return Err(PageError::Other(message));
                }
            }
            pages += 1;
            let items: serde_json::Value = serde_json::from_slice(&page.body).map_err(|e| {
                PageError::Other(format!("{}: {} is not JSON: {e}", self.forge, shown(&url)))
            })?;
            let Some(items) = items.as_array() else {
                return Err(PageError::Other(format!(
                    "{}: {} is not a list of repositories",
                    self.forge,
                    shown(&url)
                )));
            };
            for item in items {
                each(item).map_err(|e| PageError::Other(format!("{}: {e}", self.forge)))?;
            }
            next = match page.link_next {
                Some(link) => Some(url.join(&link).map_err(|e| {
                    PageError::Other(format!("{}: a `Link` header: {e}", self.forge))
                })?),
                None => match page.next_page {
                    Some(n) if !items.is_empty() => {
                        let mut following = url.clone();
                        let pairs: Vec<(String, String)> = url
                            .query_pairs()
                            .filter(|(k, _)| k != "page")
                            .map(|(k, v)| (k.into_owned(), v.into_owned()))
                            .collect();
                        following
                            .query_pairs_mut()
                            .clear()
                            .extend_pairs(pairs)
                            .append_pair("page", &n);
                        Some(following)
                    }
                    _ => None,
                },
            };
        }
        Ok(pages)
    }

    /// One GET, retried on 429, 5xx and connection failures as fundament's HTTP client
    /// retries (bounded attempts, `Retry-After` honoured up to its limit).
    fn get(
        &self,
        client: &reqwest::blocking::Client,
        url: &url::Url,
        headers: &[(&str, String)],
    ) -> Result<Page, PageError> {
        let mut attempt = 0u32;
        loop {
            attempt += 1;
            let mut request = client.get(url.as_str());
            for (name, value) in headers {
                request = request.header(*name, value);
            }
            if !headers
                .iter()
                .any(|(n, _)| n.eq_ignore_ascii_case("accept"))
            {
                request = request.header("Accept", "application/json");
            }
            self.http.count_request();
            let failure = match request.send() {
                Ok(response) => {
                    let status = response.status().as_u16();
                    let header = |name: &str| {
                        response
                            .headers()
                            .get(name)
                            .and_then(|v| v.to_str().ok())
                            .map(str::to_string)
                    };
                    let retry_after =
                        header("retry-after").and_then(|v| v.trim().parse::<u64>().ok());
                    let rate_limited = header("x-ratelimit-remaining").as_deref() == Some("0");
                    if (status == 429 || status >= 500) && attempt <= self.options.retries {
                        let wait = retry_after
                            .map(Duration::from_secs)
                            .unwrap_or_else(|| self.options.backoff * 2u32.pow(attempt - 1))
                            .min(self.options.max_retry_after);
                        std::thread::sleep(wait);
                        continue;
                    }
                    let link_next = header("link").and_then(|l| next_link(&l));
                    let next_page = header("x-next-page").filter(|v| !v.trim().is_empty());
                    let body = if (200..300).contains(&status) {
                        let bytes = response.bytes().map_err(|e| {
                            PageError::Other(format!(
                                "{}: {}: {}",
                                self.forge,
                                shown(url),
                                crate::registry::http::describe(&e)
                            ))
                        })?;
                        if bytes.len() as u64 > self.options.max_body {
                            return Err(PageError::Other(format!(
                                "{}: {}: the page is larger than {} bytes",
                                self.forge,
                                shown(url),
                                self.options.max_body
                            )));
                        }
                        bytes.to_vec()
                    } else {
                        Vec::new()
                    };
                    return Ok(Page {
                        status,
                        body,
                        link_next,
                        next_page,
                        rate_limited,
                    });
                }
                Err(e) => e,
            };
            if attempt > self.options.retries || failure.is_builder() || failure.is_redirect() {
                return Err(PageError::Other(format!(
                    "{}: {}: {}",
                    self.forge,
                    shown(url),
                    crate::registry::http::describe(&failure)
                )));
            }
            std::thread::sleep(self.options.backoff * 2u32.pow(attempt - 1));
        }
    }
}

struct Page {
    status: u16,
    body: Vec<u8>,
    link_next: Option<String>,
    next_page: Option<String>,
    rate_limited: bool,
}

fn shown(url: &url::Url) -> String {
    crate::source::git::display_url(url.as_str())
}

/// The target of `rel="next"` in a `Link` header (RFC 8288):
/// `<https://…?page=2>; rel="next", <…>; rel="last"`.
fn next_link(header: &str) -> Option<String> {
    let mut rest = header;
    while let Some(open) = rest.find('<') {
        let close = rest[open..].find('>')? + open;
        let target = &rest[open + 1..close];
        let after = &rest[close + 1..];
        let params_end = after.find('<').unwrap_or(after.len());
        let params = &after[..params_end];
        let is_next = params.split(';').any(|p| {
            let p = p.trim().trim_end_matches(',').trim();
            p.split_once('=').is_some_and(|(k, v)| {
                k.trim().eq_ignore_ascii_case("rel")
                    && v.trim()
                        .trim_matches('"')
                        .split_whitespace()
                        .any(|r| r.eq_ignore_ascii_case("next"))
            })
        });
        if is_next {
            return Some(target.to_string());
        }
        rest = &after[params_end..];
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn link_headers_are_read() {
        let header = "<https://api.example/orgs/x/repos?page=2>; rel=\"next\", \
                      <https://api.example/orgs/x/repos?page=5>; rel=\"last\"";
        assert_eq!(
            next_link(header).as_deref(),
            Some("https://api.example/orgs/x/repos?page=2")
        );
        let last =
            "<https://a.example/?page=1>; rel=\"first\", <https://a.example/?page=4>; rel=\"prev\"";
        assert_eq!(next_link(last), None);
        assert_eq!(next_link("<x>; rel=\"prev next\"").as_deref(), Some("x"));
        assert_eq!(next_link("garbage"), None);
        assert_eq!(next_link("<unclosed; rel=next"), None);
    }

    #[test]
    fn api_bases_are_checked_and_joined() {
        let base = api_base("https://forge.example/api/v4", "x").unwrap();
        assert_eq!(
            join(&base, "groups/a%2Fb/projects").unwrap().as_str(),
            "https://forge.example/api/v4/groups/a%2Fb/projects"
        );
        assert!(api_base("ftp://forge.example/", "x").is_err());
        assert!(
            api_base("not a url", "x")
                .unwrap_err()
                .0
                .contains("not a URL")
        );
        assert_eq!(
            utf8_percent_encode("city/apps.web", PATH_SEGMENT).to_string(),
            "city%2Fapps.web"
        );
    }

    #[test]
    fn clone_credentials_stay_with_the_forge() {
        let api = api_base("https://api.forge.example/", "x").unwrap();
        let origins: std::collections::BTreeSet<String> = [
            "https://forge.example/".to_string(),
            "https://elsewhere.example/".to_string(),
            "https://api.forge.example/".to_string(),
        ]
        .into();
        let creds = scoped_credentials(&api, &origins, "x-access-token:t", true);
        let prefixes: Vec<&str> = creds.iter().map(|c| c.prefix.as_str()).collect();
        assert_eq!(
            prefixes,
            ["https://api.forge.example/", "https://forge.example/"]
        );
        assert_eq!(creds[0].header, "Basic eC1hY2Nlc3MtdG9rZW46dA==");
        let creds = scoped_credentials(&api, &origins, "oauth2:t", false);
        assert_eq!(creds.len(), 1);
        assert_eq!(
            origin_of("https://forge.example:8443/a/b.git").as_deref(),
            Some("https://forge.example:8443/")
        );
        assert_eq!(origin_of("git@forge.example:a/b.git"), None);
    }
}
