//! git's smart HTTP protocol over fundament's HTTP client, and git's credential helpers.

use super::{Context, HelperCredential, display_url, neutral_dir, wait_with_deadline};
use std::io::{Read, Write};
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

pub(super) struct HttpTransport {
    pub(super) context: Arc<Context>,
    /// The repository's URL after the redirect of its `info/refs`, which the following
    /// requests use (as git does).
    pub(super) redirected: Arc<Mutex<Option<String>>>,
}

impl git2::transport::SmartSubtransport for HttpTransport {
    fn action(
        &self,
        url: &str,
        action: git2::transport::Service,
    ) -> Result<Box<dyn git2::transport::SmartSubtransportStream>, git2::Error> {
        use git2::transport::Service;
        let (service, advertisement) = match action {
            Service::UploadPackLs => ("git-upload-pack", true),
            Service::UploadPack => ("git-upload-pack", false),
            Service::ReceivePackLs => ("git-receive-pack", true),
            Service::ReceivePack => ("git-receive-pack", false),
        };
        Ok(Box::new(HttpStream {
            context: self.context.clone(),
            redirected: self.redirected.clone(),
            url: url.trim_end_matches('/').to_string(),
            service,
            advertisement,
            request: Vec::new(),
            response: None,
        }))
    }

    fn close(&self) -> Result<(), git2::Error> {
        Ok(())
    }
}

struct HttpStream {
    context: Arc<Context>,
    redirected: Arc<Mutex<Option<String>>>,
    url: String,
    service: &'static str,
    /// `GET info/refs` (the advertisement) rather than `POST <service>`.
    advertisement: bool,
    /// What libgit2 wrote, sent as the POST body at the first read.
    request: Vec<u8>,
    response: Option<reqwest::blocking::Response>,
}

impl HttpStream {
    fn send(&mut self) -> std::io::Result<reqwest::blocking::Response> {
        let context = self.context.clone();
        let Some(http) = &context.http else {
            return Err(context.fail("fundament is offline".to_string()));
        };
        let Some(client) = http.client() else {
            return Err(context.fail("fundament is offline".to_string()));
        };
        let redirected = self.redirected.lock().ok().and_then(|r| r.clone());
        // The failure is shown after the repository's URL (`GitError`): the URL is named again
        // only when a redirect led elsewhere.
        let shown = match &redirected {
            Some(base) => format!("{} (after a redirect): ", display_url(base)),
            None => String::new(),
        };
        let base = redirected.unwrap_or_else(|| self.url.clone());
        let url = if self.advertisement {
            format!("{base}/info/refs?service={}", self.service)
        } else {
            format!("{base}/{}", self.service)
        };
        let expected = if self.advertisement {
            format!("application/x-{}-advertisement", self.service)
        } else {
            format!("application/x-{}-result", self.service)
        };
        let options = &context.options.http;
        // Only reading is retried: a push that failed halfway must not be sent again.
        let retries = if self.service == "git-upload-pack" {
            options.retries
        } else {
            0
        };
        let mut helper_asked = false;
        let mut attempt = 0u32;
        loop {
            attempt += 1;
            let mut request = if self.advertisement {
                client.get(&url)
            } else {
                client
                    .post(&url)
                    .header(
                        reqwest::header::CONTENT_TYPE,
                        format!("application/x-{}-request", self.service),
                    )
                    .body(self.request.clone())
            };
            request = request
                .header(reqwest::header::ACCEPT, expected.as_str())
                // The protocol git speaks with libgit2 (v0); a server must not switch to v2.
                .header("Git-Protocol", "version=0");
            let helper = helper_credential(&context, &base);
            if let Some(credential) = &helper {
                request = request.basic_auth(&credential.username, Some(&credential.password));
            } else if let Some(credential) = http.credential_for(&url) {
                request = request.header(reqwest::header::AUTHORIZATION, &credential.header);
            }
            http.count_request();
            let response = match request.send() {
                Ok(response) => response,
                Err(err) => {
                    if attempt <= retries && (err.is_connect() || err.is_timeout()) {
                        std::thread::sleep(options.backoff * attempt);
                        continue;
                    }
                    return Err(context.fail(transport_message(&err)));
                }
            };
            let status = response.status().as_u16();
            match status {
                200 => {}
                401 => {
                    if let Some(credential) = &helper {
                        // The helper's answer was wrong: tell it, as git does.
                        helper_report(&base, credential, false);
                        forget_helper_credential(&context, &base);
                        return Err(context.fail(format!(
                            "{shown}the server refused the credentials git's credential helper gave (401)"
                        )));
                    }
                    if !helper_asked
                        && context.options.credential_helper
                        && http.credential_for(&url).is_none()
                    {
                        helper_asked = true;
                        if let Some(credential) = helper_fill(&base) {
                            if let Ok(mut known) = context.helper.lock() {
                                known.push((base.clone(), credential));
                            }
                            attempt -= 1;
                            continue;
                        }
                    }
                    return Err(context.fail(if http.credential_for(&url).is_some() {
                        format!("{shown}the server refused the configured credentials (401)")
                    } else {
                        format!(
                            "{shown}the server asks for credentials (401); give them in the URL (https://user:token@host/...) or to git's credential helper"
                        )
                    }));
                }
                403 => {
                    return Err(context.fail(format!(
                        "{shown}access denied (403); check the credentials' rights on the repository"
                    )));
                }
                404 | 410 => {
                    return Err(context.fail(format!(
                        "{shown}no repository there ({status}), or no access to it"
                    )));
                }
                429 | 500..=599 if attempt <= retries => {
                    std::thread::sleep(options.backoff * attempt);
                    continue;
                }
                _ => {
                    return Err(context.fail(format!(
                        "{shown}the server answered {status} to {}",
                        if self.advertisement {
                            "info/refs"
                        } else {
                            self.service
                        }
                    )));
                }
            }
            let content_type = response
                .headers()
                .get(reqwest::header::CONTENT_TYPE)
                .and_then(|v| v.to_str().ok())
                .unwrap_or("")
                .to_string();
            if !content_type
                .split(';')
                .next()
                .is_some_and(|t| t.trim().eq_ignore_ascii_case(&expected))
            {
                return Err(context.fail(format!(
                    "{shown}not a git server speaking the smart HTTP protocol (it answered `{content_type}` where git expects `{expected}`); is the URL the repository's clone URL?"
                )));
            }
            if let Some(credential) = &helper
                && self.advertisement
            {
                helper_report(&base, credential, true);
            }
            if self.advertisement {
                let final_url = response.url().as_str();
                if let Some(new_base) = final_url
                    .strip_suffix(&format!("/info/refs?service={}", self.service))
                    .filter(|b| *b != base)
                    && let Ok(mut redirected) = self.redirected.lock()
                {
                    *redirected = Some(new_base.to_string());
                }
            }
            return Ok(response);
        }
    }
}

impl Read for HttpStream {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if self.response.is_none() {
            self.response = Some(self.send()?);
        }
        match self.response.as_mut() {
            Some(response) => response.read(buf).map_err(|e| {
                self.context.fail(format!(
                    "{}: the answer was cut off: {e}",
                    display_url(&self.url)
                ))
            }),
            None => Ok(0),
        }
    }
}

impl Write for HttpStream {
    fn write(&mut self, data: &[u8]) -> std::io::Result<usize> {
        if self.advertisement {
            return Err(std::io::Error::other(
                "git wrote to the advertisement request",
            ));
        }
        self.request.extend_from_slice(data);
        Ok(data.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn transport_message(err: &reqwest::Error) -> String {
    let url = err
        .url()
        .map(|u| display_url(u.as_str()))
        .unwrap_or_default();
    let what = crate::registry::http::describe(err);
    let lower = what.to_ascii_lowercase();
    let hint = if lower.contains("certificate") || lower.contains("unknownissuer") {
        "; if the server's certificate comes from your organisation's own CA, add that CA's PEM file to `ca-certificates` in `[registries]` (or --ca-certificates)"
    } else {
        ""
    };
    format!("{url}: {what}{hint}")
}

fn helper_credential(context: &Context, base: &str) -> Option<HelperCredential> {
    context
        .helper
        .lock()
        .ok()?
        .iter()
        .find(|(url, _)| url == base)
        .map(|(_, c)| c.clone())
}

fn forget_helper_credential(context: &Context, base: &str) {
    if let Ok(mut known) = context.helper.lock() {
        known.retain(|(url, _)| url != base);
    }
}

/// Runs `git credential <verb>` from the file-system root (no repository's configuration
/// applies), never prompting, for at most 30 seconds.
fn git_credential(verb: &str, input: &str) -> Option<String> {
    let mut child = Command::new("git")
        .args(["credential", verb])
        .current_dir(neutral_dir())
        .env("GIT_TERMINAL_PROMPT", "0")
        .env("GIT_ASKPASS", "")
        .env("SSH_ASKPASS", "")
        .env_remove("GIT_DIR")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .ok()?;
    if let Some(mut stdin) = child.stdin.take() {
        let _ = stdin.write_all(input.as_bytes());
    }
    let mut stdout = child.stdout.take()?;
    let reader = std::thread::spawn(move || {
        let mut out = String::new();
        let _ = stdout.read_to_string(&mut out);
        out
    });
    let status = wait_with_deadline(&mut child, Duration::from_secs(30))?;
    let out = reader.join().ok()?;
    status.success().then_some(out)
}

fn helper_input(url: &str, credential: Option<&HelperCredential>) -> String {
    let mut input = format!("url={url}\n");
    if let Some(c) = credential {
        input.push_str(&format!(
            "username={}\npassword={}\n",
            c.username, c.password
        ));
    }
    input.push('\n');
    input
}

fn helper_fill(url: &str) -> Option<HelperCredential> {
    let out = git_credential("fill", &helper_input(url, None))?;
    let mut username = None;
    let mut password = None;
    for line in out.lines() {
        if let Some(v) = line.strip_prefix("username=") {
            username = Some(v.to_string());
        } else if let Some(v) = line.strip_prefix("password=") {
            password = Some(v.to_string());
        }
    }
    Some(HelperCredential {
        username: username?,
        password: password?,
    })
}

fn helper_report(url: &str, credential: &HelperCredential, accepted: bool) {
    let _ = git_credential(
        if accepted { "approve" } else { "reject" },
        &helper_input(url, Some(credential)),
    );
}
